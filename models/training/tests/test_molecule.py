"""The molecule domain (domains/molecule.py) and what md-small adds to the shared stages: windows that stay inside
one trajectory, the routed first stage and its trained weights, precomputed latents, chained rollouts, the
geometry metrics, and a complete small build (contract v2 with element features) on a tiny MMFF set simulated here.
"""
import dataclasses
import json
import os
import shlex

import numpy as np
import onnx
import pytest
import torch

from lamslide_train import bond_probe, build, metrics, probe
from lamslide_train.config import ConfigError
from lamslide_train.domains import load_config
from lamslide_train.domains import molecule as mol
from lamslide_train.domains.base import DataError
from lamslide_train.sim import md17, mmff, molecule_set
from lamslide_train.stages.approximator import make_approximator
from lamslide_train.stages.first_stage import RoutedFirstStage, load_trained_first_stage, make_first_stage
from lamslide_train.stages.preprocess import Window
from lamslide_train.stages.rollout import chained_rollout
from lamslide_train.stages.training import Logger, bank_batch, bank_residual_var, precompute_latents
from lamslide_train.weights import load_model

TRAIN = ("methanol", "ethanol", "acetonitrile")
UNSEEN = ("thiazole",)
R, F = 3, 80  # trajectories and frames of the tiny set


@pytest.fixture(scope="module")
def md_dir(tmp_path_factory):
    """A tiny MMFF set made by the project's simulator: 3 trajectories of 80 frames per molecule and temperature."""
    out = tmp_path_factory.mktemp("molecules")
    cfg = mmff.MDConfig(trajectories=R, frames=F, equil_fast_ps=0.05, equil_ps=0.05)
    for name in TRAIN + UNSEEN:
        for temp in (300.0, 500.0):
            mmff.simulate_file(str(out), molecule_set.by_name(name), temp, cfg)
    return str(out)


def tiny_config(md_dir, weights="", **changes):
    """A tiny build of the learned first stage's recipe (mol.learned_config), which most tests here exercise."""
    cfg = mol.learned_config().replace(**{
        "first_stage.hidden": 16, "first_stage.heads": 2, "first_stage.L": 4, "first_stage.C": 8,
        "first_stage.id_dim": 8, "first_stage.weights": weights, "approximator.hidden": 16,
        "approximator.heads": 2, "approximator.depth": 1, "training.batch2": 4, "training.steps2": 4,
        "training.aux_frames": 2, "evaluation.k": 2, "evaluation.nfe": [1, 2],
        "data.md_dir": md_dir, "data.train_molecules": list(TRAIN), "data.unseen_molecules": list(UNSEEN),
        "data.val_trajectories": 1, "data.segment": 40, "data.proxy_trajectories": 1, "data.dft": False,
        "data.stability_windows": 2, "data.stability_samples": 2, **changes})
    return cfg.validate()


def trained_artifact(path, cfg, **overrides):
    """A first stage in the format lamslide_train.mol_first_stage writes ({"config", "ema"}), untrained."""
    torch.manual_seed(0)
    fs = make_first_stage(cfg)
    f = cfg.first_stage
    settings = {"pool": f.pool, "L": f.L, "C": f.C, "hidden": f.hidden, "heads": f.heads, "id_dim": f.id_dim,
                "id_table": "orthogonal", "binding": "route", "kv_norm": False, "n_freq": f.n_freq,
                "freq_sigma": f.freq_sigma, "enc_self": f.enc_layers, "dec_self": f.dec_layers,
                "dec_cross": f.dec_cross, "dec_bind": False, "key_src": "id", "route_gain": f.route_gain,
                "q_init": f.q_init, "dec_route": "tied", "dec_index": False, "elements": list(cfg.vocab),
                "scale": cfg.scale, "seed": cfg.training.seed, "steps": 7, **overrides}
    torch.save({"config": settings, "ema": fs.state_dict()}, path)
    return fs


# --------------------------------------------------------------------------------------------------- windows

def test_windows_stay_inside_one_trajectory(md_dir):
    cfg = tiny_config(md_dir)
    train, val = mol.training_windows(cfg)
    assert len(train) == len(TRAIN) * 2 * (R - 1) * 2 and len(val) == len(TRAIN) * 2 * 1
    files = {}
    for w in train + val:
        key, r = w.source.split("#r")
        if key not in files:
            files[key] = mmff.load(os.path.join(md_dir, key + ".npz"))
        tr = files[key]
        np.testing.assert_array_equal(w.pos, tr.positions[int(r), w.start:w.start + len(w.pos)])
        assert [cfg.vocab[i] for i in w.feats] == tr.elements and w.mask.all() and w.scored.all()
    assert {len(w.pos) for w in train} == {40} and {len(w.pos) for w in val} == {cfg.T}
    # held-out trajectories: val only from the last one, training never from it
    assert {int(w.source.split("#r")[1]) for w in val} == {R - 1}
    assert {int(w.source.split("#r")[1]) for w in train} == set(range(R - 1))
    # unseen: the probe trajectories and the reported ones are disjoint
    probe = {w.source for w in mol.unseen_windows(cfg, proxy=True)}
    rep = {w.source for w in mol.unseen_windows(cfg, proxy=False)}
    assert probe and rep and not probe & rep
    assert all(s.startswith("thiazole_") for s in probe | rep)


def test_data_errors_name_the_cause(md_dir, tmp_path):
    with pytest.raises(DataError, match="benzene at 300 K not found"):
        mol.training_windows(tiny_config(md_dir, **{"data.train_molecules": ["benzene"]}))
    with pytest.raises(DataError, match="also in the training molecules"):
        mol.unseen_windows(tiny_config(md_dir, **{"data.unseen_molecules": ["ethanol"]}), proxy=True)
    with pytest.raises(DataError, match="data.val_trajectories: need 1 .. 2"):
        mol.training_windows(tiny_config(md_dir, **{"data.val_trajectories": 3}))
    wrong = tiny_config(md_dir, frame_interval=2.5)
    with pytest.raises(DataError, match="frames are 5.0 fs apart, the model's are 2.5 fs"):
        mol.training_windows(wrong)


@pytest.mark.skipif(not os.path.exists(md17.ETHANOL), reason=f"{md17.ETHANOL} is not on this machine")
def test_dft_ethanol_windows_and_topology():
    cfg = mol.MoleculeConfig()
    data_root = os.path.dirname(md17.DATA_DIR)
    ws = mol.dft_windows(cfg, data_root)
    assert len(ws) == len(range(0, 200 - 30 + 1, 5)) and ws[0].pos.shape == (30, 9, 3)
    assert [cfg.vocab[i] for i in ws[0].feats] == ["C", "C", "O", "H", "H", "H", "H", "H", "H"]
    ref = mol.dft_reference(cfg, data_root)
    assert len(ref.bonds) == 8 and len(ref.triples) == 13  # ethanol: 8 bonds, 13 bond angles
    assert 0.95 < ref.ref_lengths.min() and ref.ref_lengths.max() < 1.6


# --------------------------------------------------------------------------------------------------- first stage

def test_routed_first_stage_is_a_set_model_with_element_logits(md_dir):
    cfg = tiny_config(md_dir)
    torch.manual_seed(0)
    fs = make_first_stage(cfg).eval()
    assert isinstance(fs, RoutedFirstStage)
    g = torch.Generator().manual_seed(1)
    pos = torch.randn(2, 6, 3, generator=g)
    ids = torch.stack([torch.randperm(32, generator=g)[:6] for _ in range(2)]).to(torch.int32)
    feats = torch.randint(0, 7, (2, 6), generator=g, dtype=torch.int32)
    mask = torch.ones(2, 6)
    mask[0, 5] = 0
    with torch.no_grad():
        z = fs.encode(pos, ids, mask, feats)
        p, lg = fs.decode_all(z, ids)
        assert z.shape == (2, 4, 8) and p.shape == (2, 6, 3) and lg.shape == (2, 6, 7)
        moved = pos.clone()
        moved[0, 5] += 5.0
        assert torch.allclose(fs.encode(moved, ids, mask, feats), z, atol=1e-6)  # a masked atom is not in it
        perm = torch.tensor([3, 1, 0, 5, 2, 4])
        assert torch.allclose(fs.encode(pos[1:, perm], ids[1:, perm], mask[1:, perm], feats[1:, perm]), z[1:],
                              atol=1e-5)
        pp, lp = fs.decode_all(z[1:], ids[1:, perm])
        assert torch.allclose(pp, p[1:, perm], atol=1e-5) and torch.allclose(lp, lg[1:, perm], atol=1e-5)
    with pytest.raises(ValueError, match="feats"):
        fs.encode(pos, ids, mask)


def test_trained_first_stage_loads_and_mismatches_are_named(md_dir, tmp_path):
    path = str(tmp_path / "fs.pt")
    cfg = tiny_config(md_dir, weights=path)
    ref = trained_artifact(path, cfg)
    fs = make_first_stage(cfg)
    load_trained_first_stage(fs, cfg, path)
    assert all(torch.equal(a, b) for a, b in zip(fs.state_dict().values(), ref.state_dict().values()))
    for over, msg in (({"hidden": 32}, "setting hidden is 32, but the config's first_stage.hidden is 16"),
                      ({"scale": 1.0}, "setting scale is 1.0, but the config's scale is 2.0"),
                      ({"binding": "mul"}, "setting binding is 'mul'; this network implements 'route'"),
                      ({"elements": ["H", "C"]}, "element vocabulary")):
        trained_artifact(path, cfg, **over)
        with pytest.raises(ValueError, match=msg):
            load_trained_first_stage(make_first_stage(cfg), cfg, path)


def test_routed_first_stage_equals_the_first_stage_trainers_network(md_dir):
    """The pipeline's RoutedFirstStage computes what lamslide_train.mol_first_stage's network computes with the
    same weights (where that module is part of the checkout)."""
    mfs = pytest.importorskip("lamslide_train.mol_first_stage")
    cfg = tiny_config(md_dir)
    f = cfg.first_stage
    mcfg = mfs.MolFirstStageConfig(pool=f.pool, L=f.L, C=f.C, hidden=f.hidden, heads=f.heads, id_dim=f.id_dim,
                                   n_freq=f.n_freq, freq_sigma=f.freq_sigma, binding="route", key_src="id",
                                   dec_route="tied")
    torch.manual_seed(3)
    theirs = mfs.MolFirstStage(mcfg).eval()
    ours = make_first_stage(cfg).eval()
    ours.load_state_dict(theirs.state_dict())
    g = torch.Generator().manual_seed(2)
    pos = torch.randn(3, 7, 3, generator=g)
    ids = torch.stack([torch.randperm(32, generator=g)[:7] for _ in range(3)]).to(torch.int32)
    feats = torch.randint(0, 7, (3, 7), generator=g, dtype=torch.int32)
    mask = torch.ones(3, 7)
    with torch.no_grad():
        z = theirs.encode(pos, ids, feats, mask)
        assert torch.allclose(ours.encode(pos, ids, mask, feats), z, atol=1e-6)
        for a, b in zip(theirs.decode(z, ids), ours.decode_all(z, ids)):
            assert torch.allclose(a, b, atol=1e-6)


# --------------------------------------------------------------------------------------------------- stage 2 data

def test_latent_bank_cuts_windows_from_segments(md_dir):
    cfg = tiny_config(md_dir)
    torch.manual_seed(0)
    fs = make_first_stage(cfg).eval()
    train, _ = mol.training_windows(cfg)
    bank = precompute_latents(train[:3], fs, cfg, 2, 0, lambda m: None)
    assert len(bank) == 6
    z, pos, ids, feats = bank[0]
    assert z.dtype == torch.float16 and z.shape == (40, 4, 8) and pos.shape == (40, 2 + 4, 3)  # methanol: 6 atoms
    with torch.no_grad():  # every frame is the encoding of that frame
        enc = fs.encode(torch.from_numpy(pos), torch.from_numpy(np.repeat(ids[None], 40, 0)), torch.ones(40, 6),
                        torch.from_numpy(np.repeat(feats[None], 40, 0)))
    assert torch.allclose(enc, z.float(), atol=2e-3 * float(enc.abs().max()))
    rng = np.random.default_rng(0)
    zb, pb, mb, ib, known, fb = bank_batch(bank, rng, cfg, 8)
    assert zb.shape == (8, cfg.T, 4, 8) and pb.shape[:2] == (8, cfg.T)
    k = known.sum(1)
    assert ((k >= 1) & (k <= cfg.observed)).all() and (known[:, cfg.observed - 1] == 1).all()
    assert (known[:, cfg.observed:] == 0).all()
    for b in range(8):  # a batch window is a contiguous slice of one bank segment
        n = int(mb[b, 0].sum())
        hits = [i for i, (zi, p, d, _) in enumerate(bank) if p.shape[1] == n and np.array_equal(d, ib[b, :n].numpy())]
        assert len(hits) == 1
        p = bank[hits[0]][1]
        starts = [o for o in range(len(p) - cfg.T + 1) if np.array_equal(p[o:o + cfg.T], pb[b, :, :n].numpy())]
        assert len(starts) == 1
    var = bank_residual_var(bank, cfg, batches=2)
    assert len(var) == cfg.T and min(var) > 0
    broken = dataclasses.replace(train[0], mask=train[0].mask.copy())
    broken.mask[3, 1] = 0
    with pytest.raises(ValueError, match="every entity in every frame"):
        precompute_latents([broken], fs, cfg, 1, 0, lambda m: None)


def test_chained_rollout_keeps_the_known_frames(md_dir):
    cfg = tiny_config(md_dir)
    torch.manual_seed(0)
    fs, ap = make_first_stage(cfg).eval(), make_approximator(cfg).eval()
    _, val = mol.training_windows(cfg)
    ws = [val[0], val[-1]]
    out = chained_rollout(fs, ap, ws, cfg, 3, 2, 2, "ddim", 0, chunk=4)  # chunks split a window's samples
    assert [o.shape for o in out] == [(3, cfg.observed + 2 * cfg.future) + w.pos.shape[1:] for w in ws]
    for o, w in zip(out, ws):
        np.testing.assert_array_equal(o[:, :cfg.observed], np.repeat(w.pos[None, :cfg.observed], 3, 0))
        assert np.isfinite(o).all()
    again = chained_rollout(fs, ap, ws, cfg, 3, 2, 2, "ddim", 0, chunk=64)
    assert all(np.allclose(a, b, atol=1e-5) for a, b in zip(out, again))  # chunking does not change the noise


# --------------------------------------------------------------------------------------------------- metrics

def test_geometry_metrics():
    bonds = np.array([[0, 1], [1, 2], [1, 3]])
    assert metrics.angle_triples(bonds).tolist() == [[0, 1, 2], [0, 1, 3], [2, 1, 3]]
    pos = np.array([[0, 0, 0], [1, 0, 0], [1, 1, 0], [1, 0, 2]], float)
    np.testing.assert_allclose(metrics.bond_lengths(pos, bonds), [1, 1, 2])
    np.testing.assert_allclose(metrics.bond_angles(pos, metrics.angle_triples(bonds)), [90, 90, 90])
    h = metrics.histogram([1.0, 1.1, 5.0], metrics.BOND_BINS)
    assert h.sum() == 3 and h[-1] == 1  # outside the range: counted in the end bin
    assert metrics.js_distance(h, 2 * h) == pytest.approx(0.0, abs=1e-12)
    a, b = np.zeros(4), np.zeros(4)
    a[0], b[3] = 1, 1
    assert metrics.js_distance(a, b) == pytest.approx(1.0)
    traj = np.repeat(pos[None, None], 3, 1).repeat(2, 0)  # [2 rollouts, 3 frames, 4 atoms, 3]
    traj[1, 2, 3, 2] = 2.4  # bond 1-3 stretched by 20% in rollout 1
    assert metrics.bonds_kept(metrics.bond_deviation(traj, bonds, [1, 1, 2])).tolist() == [True, False]


# --------------------------------------------------------------------------------------------------- build

def test_a_small_molecule_build(md_dir, tmp_path):
    weights = str(tmp_path / "fs.pt")
    cfg = tiny_config(md_dir, weights=weights)
    trained_artifact(weights, cfg)
    out = tmp_path / "models" / "md-tiny"
    man = build.build(cfg, str(out), str(tmp_path / "no-data"), str(tmp_path / "runs"), 1,
                      Logger(str(tmp_path / "log.txt")))
    assert man["format"] == "lamslide-model/2" and man["domain"] == "molecule" and man["dims"] == 3
    assert man["features"] == {"key": "element", "vocab": list(molecule_set.VOCAB)}
    assert man["first_stage"] == {"kind": "learned", "layout": "shared"}
    assert man["frame_interval"] == {"value": 5.0, "unit": "fs"} and man["length_unit"] == "Å"
    assert man["frames"] == {"observed": 10, "future": 20, "window": 30, "min_observed": 1}
    p, me = man["provenance"], man["metrics"]
    assert p["steps"]["stage1"] == 0 and p["first_stage_weights"]["steps"] == 7
    assert me["protocol"]["rule"] == "mean" and me["protocol"]["unit"] == "Å"
    assert set(me["baselines"]) == {"constant velocity", "frozen"}
    for key in ("unseen", "distributions_unseen", "known_frames_unseen", "stability", "reconstruction_unseen"):
        assert key in me, key
    assert set(me["known_frames_unseen"]) == {"1", "10"}
    assert me["stability"]["rollouts"] == 2 * 2 and 0 <= me["stability"]["stable_fraction"] <= 1
    assert set(me["distributions_unseen"]["model"]) == {"bond_length", "bond_angle"}
    enc, dec = onnx.load(str(out / "encoder.onnx")), onnx.load(str(out / "decoder.onnx"))
    assert [i.name for i in enc.graph.input] == ["pos", "ids", "mask", "feats"]
    assert [o.name for o in dec.graph.output] == ["pos", "feat_logits"]
    with open(out / "fixtures" / "fixtures.json") as f:
        fx = json.load(f)
    assert fx["rollout"]["window"]["feats"]["shape"] == [9]  # ethanol, a held-out trajectory of it
    with open(out / "manifest.json") as f:
        final = json.load(f)
    fs, ap, loaded = load_model(str(out))
    assert loaded == load_config(final["provenance"]["training_config"]) and ap.resvar is not None
    assert final["sampler"]["default_nfe"] in (1, 2)
    # the probe's --score mode reads the finished folder and scores it on the unseen molecules' probe windows
    (scored,) = probe.score([str(out)], [1], str(tmp_path / "no-data"), 1)
    assert scored["windows"] == len(mol.unseen_windows(loaded, proxy=True)) > 0
    assert set(scored["baselines"]) == {"constant velocity", "frozen"} and scored["ddim@1"]["ade"] > 0
    card = (out / "card.md").read_text()
    for text in ("## Metrics", "GeoTDM 0.115 / 0.209", "What a single frame lacks", "Stability", "Jensen-Shannon",
                 "the frozen baseline",
                 "## Rebuild", "--domain molecule --out ../md-tiny"):
        assert text in card, text


def test_the_shipped_recipe_builds_a_slot_model_whose_card_rebuilds_it(md_dir, tmp_path):
    # md-small's recipe (the defaults) at toy size: the slot code, the slot approximator, the bond loss
    cfg = mol.MoleculeConfig().replace(**{
        "approximator.hidden": 16, "approximator.heads": 2, "approximator.depth": 1, "approximator.pair_messages": 2,
        "approximator.state_messages": 2, "training.batch2": 4, "training.steps2": 3, "training.copies": 1,
        "evaluation.k": 2, "evaluation.nfe": [1],
        "data.md_dir": md_dir, "data.train_molecules": list(TRAIN), "data.unseen_molecules": list(UNSEEN),
        "data.segment": 40, "data.proxy_trajectories": 1, "data.dft": False, "data.stability_windows": 2}).validate()
    assert cfg.training.bond_w > 0 and cfg.first_stage.kind == "binding"
    out = tmp_path / "md-slots"
    man = build.build(cfg, str(out), str(tmp_path / "no-data"), str(tmp_path / "runs"), 1,
                      Logger(str(tmp_path / "log.txt")))
    assert man["first_stage"] == {"kind": "binding", "layout": "slots"} and "slot_approximator" in man["files"]
    assert man["metrics"]["reconstruction_unseen"]["element_accuracy"] == 1.0
    # the reference MD's own continuations of the unseen starts, scored like the rollouts (the floor)
    floor = man["metrics"]["stability"]["md"]
    assert floor["trajectories"] == 2 * len(UNSEEN) and 0 <= floor["stable_fraction"] <= 1
    # the bond probe chains the built model's samples from the probe starts
    bp = bond_probe.bond_probe(str(out), windows=2, nfe=1, starts=2)
    assert bp["rollouts"] == 4 and len(bp["median_max_deviation_per_window"]) == 2 and 0 <= bp["kept_fraction"] <= 1
    card = (out / "card.md").read_text()
    for text in ("The learned first stage, tried first", "the slot code, nothing to train", "pairs closer than 2 Å",
                 "## Rebuild"):
        assert text in card, text
    # the card's rebuild line is a command line the build takes back to the same config (an empty value quoted)
    line = next(ln for ln in card.splitlines() if "lamslide_train.build" in ln)
    argv = shlex.split(line.split("lamslide_train.build", 1)[1])
    _, again = build.parse_args(argv)
    # the build sets the measured residual variance (not a flag) on its config
    assert again.to_dict() == cfg.replace(**{"approximator.resvar": None}).to_dict()


def test_config_checks():
    from lamslide_train.domains.pedestrian import PedestrianConfig
    with pytest.raises(ConfigError, match="approximator.base"):
        PedestrianConfig().replace(**{"approximator.base": "still"}).validate()
    cfg = mol.learned_config()
    with pytest.raises(ConfigError, match="training.aux_frames"):
        cfg.replace(**{"training.aux_frames": 31}).validate()
    with pytest.raises(ConfigError, match="first_stage.token"):
        cfg.replace(**{"first_stage.dec_cross": 0}).validate()


def test_xyz_scenes_of_the_data_read_back(md_dir, tmp_path):
    from rdkit import Chem
    from lamslide_train.xyz import main as xyz_main
    out = str(tmp_path / "e.xyz")
    xyz_main(["--mmff", os.path.join(md_dir, "ethanol_300K.npz"), "--trajectory", "2", out])
    tr = mmff.load(os.path.join(md_dir, "ethanol_300K.npz"))
    lines = open(out).read().splitlines()
    assert len(lines) == F * (9 + 2) and lines[1].endswith("frame=0 dt=5 dt_unit=fs")
    m = Chem.MolFromXYZBlock("\n".join(lines[11 * 7:11 * 8]) + "\n")
    assert [a.GetSymbol() for a in m.GetAtoms()] == tr.elements
    np.testing.assert_allclose(m.GetConformer().GetPositions(), tr.positions[2, 7], atol=1e-5)
