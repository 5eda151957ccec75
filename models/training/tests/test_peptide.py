"""The peptide adapter (domains/peptide.py, model ala2): backbone torsions and basins, reading the committed
reference MD with its checks, the train/val split in time, the config round trip, and a complete tiny build with a
short chained rollout scored against eval_a."""
import json
import os

import numpy as np
import pytest

from lamslide_train import bench_md, build
from lamslide_train.domains import DOMAINS, domain_of, load_config
from lamslide_train.domains import peptide as pep
from lamslide_train.domains.base import DataError
from lamslide_train.stages.training import Logger


@pytest.mark.parametrize("want", [-179.0, -120.0, -60.0, 0.0, 45.0, 90.0, 110.0, 170.0])
def test_dihedral_of_a_rotated_fourth_atom(want):
    # a on +y, b-c along +x, d turned by `want` about the axis from +y towards +z: the dihedral a-b-c-d is `want`
    t = np.radians(want)
    p = np.array([[0.3, 1.2, 0.0], [0, 0, 0], [1.5, 0, 0], [2.1, 0.9 * np.cos(t), 0.9 * np.sin(t)]])
    got = pep.dihedral(p[None], (0, 1, 2, 3))[0]
    assert got == pytest.approx(want, abs=1e-9)
    assert -180.0 <= got < 180.0


def test_dihedral_agrees_with_mdtraj_on_the_reference_md():
    md = pytest.importorskip("mdtraj")
    run = pep.read_run(pep.PeptideConfig(), "eval_a")
    x = run.coords[:200]
    top = md.Topology()
    res = top.add_residue("X", top.add_chain())
    for i in range(x.shape[1]):
        top.add_atom(f"A{i}", md.element.carbon, res)  # compute_dihedrals needs only the coordinates
    traj = md.Trajectory(x / 10.0, top)  # nm
    want = np.degrees(md.compute_dihedrals(traj, np.array([run.phi, run.psi]), periodic=False))
    got = np.stack([pep.dihedral(x, run.phi), pep.dihedral(x, run.psi)], 1)
    diff = (got - want + 180.0) % 360.0 - 180.0
    assert np.abs(diff).max() < 1e-3


def test_basins_match_the_data_readme_rules():
    phi = np.array([-150.0, -150.0, -70.0, -70.0, -70.0, 60.0, -150.0])
    psi = np.array([150.0, -170.0, 150.0, -40.0, 60.0, 30.0, -130.0])
    pops = pep.basin_populations(phi, psi)
    # beta twice, PII once (psi 150), alphaR for (-70,-40) and (-150,-130)?: -130 < -120 is outside alphaR and
    # not extended (-150 < -130), so it falls in no basin; (-70, 60) is extended -> PII
    assert pops["beta_c7eq"] == pytest.approx(2 / 7)
    assert pops["pII_c5"] == pytest.approx(2 / 7)
    assert pops["alpha_r"] == pytest.approx(1 / 7)
    assert pops["alpha_l"] == pytest.approx(1 / 7)


def test_identical_torsions_have_zero_distance_and_disjoint_ones_one():
    rng = np.random.default_rng(0)
    phi, psi = rng.uniform(-180, 0, 5000), rng.uniform(-180, 180, 5000)
    same = pep.torsion_distances(phi, psi, phi, psi)
    assert same["js_phi"] == 0 and same["js_psi"] == 0 and same["js_phi_psi"] == 0
    assert same["max_population_error"] == 0
    other = pep.torsion_distances(phi + 180.0 - 1e-9, psi, phi, psi)  # phi moved to (0, 180)
    assert other["js_phi"] == pytest.approx(1.0)


def test_reads_the_committed_runs_and_finds_the_backbone():
    cfg = pep.PeptideConfig()
    run = pep.read_run(cfg, "eval_a")
    assert run.coords.shape == (10000, 22, 3)
    assert run.phi == (4, 6, 8, 10) and run.psi == (6, 8, 10, 16)
    pops = pep.basin_populations(pep.dihedral(run.coords, run.phi), pep.dihedral(run.coords, run.psi))
    # the numbers in data/ala2/README.md
    assert pops["beta_c7eq"] == pytest.approx(0.229, abs=0.001)
    assert pops["pII_c5"] == pytest.approx(0.487, abs=0.001)
    assert pops["alpha_r"] == pytest.approx(0.283, abs=0.001)


def test_train_and_val_do_not_overlap_in_time():
    cfg = pep.PeptideConfig()
    train, val, cut = pep.peptide_windows(cfg)
    assert cut == 20000 - 2000
    assert max(w.start + w.pos.shape[0] for w in train) <= cut
    run = pep.read_run(cfg, "train")
    # val windows are frames cut.. of the run (their known frames as recorded, the future superposed on "now")
    np.testing.assert_array_equal(val[0].pos[:cfg.observed], run.coords[cut:cut + cfg.observed])
    assert all(w.pos.shape == (cfg.T, 22, 3) for w in val)
    assert len(train) == 2 * ((cut - cfg.T) // cfg.data.segment_stride + 1)
    seg = pep.peptide_windows(cfg.replace(**{"data.align": False}))[0]
    assert len(seg) == (cut - cfg.data.segment) // cfg.data.segment_stride + 1
    assert max(w.start + w.pos.shape[0] for w in seg) <= cut


def bad_run(tmp_path, **over):
    d = dict(np.load(os.path.join(pep.ala2_dir(pep.PeptideConfig()), "eval_b.npz")))
    d.update(over)
    np.savez(tmp_path / "bad.npz", **d)
    cfg = pep.PeptideConfig()
    cfg.data.ala2_dir = str(tmp_path)
    return cfg


def test_refuses_a_run_with_another_frame_interval(tmp_path):
    cfg = bad_run(tmp_path, time_ps=np.arange(10000) * 0.5)
    with pytest.raises(DataError, match=r"bad\.npz: frames are 0\.5 ps apart, the model's are 1 ps"):
        pep.read_run(cfg, "bad")


def test_refuses_an_element_outside_the_vocabulary(tmp_path):
    el = np.load(os.path.join(pep.ala2_dir(pep.PeptideConfig()), "eval_b.npz"))["elements"].astype("<U2")
    el[3] = "Br"
    cfg = bad_run(tmp_path, elements=el)
    with pytest.raises(DataError, match=r"bad\.npz: entity 3 has element 'Br'"):
        pep.read_run(cfg, "bad")


def test_refuses_non_finite_coordinates_and_a_missing_backbone(tmp_path):
    d = np.load(os.path.join(pep.ala2_dir(pep.PeptideConfig()), "eval_b.npz"))
    c = d["coords"].copy()
    c[5, 2, 1] = np.nan
    with pytest.raises(DataError, match="non-finite"):
        pep.read_run(bad_run(tmp_path, coords=c), "bad")
    names = d["names"].copy()
    names[8] = "CX"
    with pytest.raises(DataError, match="expected one atom CA in residue ALA, found 0"):
        pep.read_run(bad_run(tmp_path, names=names), "bad")


def test_config_round_trip_picks_the_peptide_adapter():
    cfg = pep.PeptideConfig()
    back = load_config(json.loads(json.dumps(cfg.to_dict())))
    assert isinstance(back, pep.PeptideConfig) and back.to_dict() == cfg.to_dict()
    assert back.domain == "molecule"                 # what the manifest says
    assert domain_of(back) is DOMAINS["peptide"]
    assert domain_of(DOMAINS["molecule"].default_config()) is DOMAINS["molecule"]


def test_tiny_build_writes_a_scoped_v2_model_with_rollout_metrics(tmp_path):
    # the shipped recipe (slot code, slot approximator with pair terms, "now" held as the base), tiny
    cfg = pep.PeptideConfig().replace(**{
        "approximator.hidden": 16, "approximator.heads": 2, "approximator.depth": 1, "approximator.pair_messages": 2,
        "training.batch2": 4, "training.steps2": 3, "training.copies": 1, "evaluation.k": 2,
        "evaluation.nfe": [1, 2], "evaluation.default_nfe": 1, "evaluation.stride": 200, "data.val_stride": 500,
        "data.segment_stride": 600, "data.rollout_ns": 0.05, "data.rollouts": 2})
    log = Logger(str(tmp_path / "log.txt"))
    man = build.build(cfg, str(tmp_path / "ala2"), "/nonexistent", str(tmp_path / "runs"), 1, log)
    assert man["domain"] == "molecule" and man["scope"] == {"formula": "C6H12N2O2"}
    assert man["frame_interval"] == {"value": 1.0, "unit": "ps"} and man["length_unit"] == "Å"
    lr = man["metrics"]["long_rollout"]
    assert lr["frames"] == 50 and lr["rollouts"] == 2 and len(lr["per_rollout"]) == 2
    for key in ("js_phi", "js_psi", "js_phi_psi"):
        assert 0 <= lr["model"][key] <= 1 and 0 < lr["md_floor"][key] < 0.5
    assert sum(lr["md_floor"]["populations"].values()) == pytest.approx(1.0, abs=0.02)
    card = open(tmp_path / "ala2" / "card.md").read()
    assert "eval_b (independent MD, 10 ns): the floor" in card and "--domain peptide" in card
    assert "Speed, side by side" not in card
    assert "The learned first stage, tried first." in card and "First stage: none to train (the slot code)." in card
    # bench_md --record puts the engines side by side into the manifest and the card (numbers made up here)
    out = {"rollout": [{"threads": 1, "nfe": 1, "frames": 40, "seconds": 2.0, "ns_per_s": 0.02}],
           "md": {"threads": 1, "ps": 5.0, "seconds": 1.0, "ns_per_s": 0.005, "ns_per_day": 432.0}}
    bench_md.record(str(tmp_path / "ala2"), man, out, [{"engine": "WASM, Node, 1 thread", "ns_per_s": 0.1}], 40)
    rec = json.load(open(tmp_path / "ala2" / "manifest.json"))["metrics"]["speed"]
    assert [r["engine"] for r in rec["rows"]][0] == "WASM, Node, 1 thread" and len(rec["rows"]) == 3
    card = open(tmp_path / "ala2" / "card.md").read()
    assert "| WASM, Node, 1 thread | 0.1000 | 8640 | 20.0x |" in card
    assert "| PyTorch eager, 1 thread | 0.0200 | 1728 | 4.0x |" in card


def test_windows_of_a_file_or_a_named_run(tmp_path):
    cfg = pep.PeptideConfig()
    by_name = DOMAINS["peptide"].windows_of_paths(cfg, ["eval_b"])
    by_path = DOMAINS["peptide"].windows_of_paths(cfg, [os.path.join(pep.ala2_dir(cfg), "eval_b.npz")])
    assert len(by_name) == len(by_path) == (10000 - cfg.T) // cfg.evaluation.stride + 1
    np.testing.assert_array_equal(by_name[3].pos, by_path[3].pos)
    with pytest.raises(DataError, match="reference MD run 'nope' not found"):
        DOMAINS["peptide"].windows_of_paths(cfg, ["nope"])


def test_stage2_batches_cut_windows_of_t_frames_from_longer_segments():
    from lamslide_train.stages.training import stage2_batch
    cfg = pep.PeptideConfig()
    seg = cfg.data.segment
    # frame f of a segment holds the value f everywhere, so a window shows where it was cut
    p = np.repeat(np.arange(seg, dtype=np.float32)[:, None, None], 22, 1).repeat(3, 2)
    items = [(p, np.ones((seg, 22), np.float32), np.arange(22, dtype=np.int32), np.zeros(22, np.int32))]
    pos = stage2_batch(items, np.random.default_rng(0), cfg, 64)[0].numpy()
    assert pos.shape == (64, cfg.T, 22, 3)
    starts = pos[:, 0, 0, 0]
    np.testing.assert_array_equal(pos[:, :, 0, 0], starts[:, None] + np.arange(cfg.T)[None])
    assert starts.min() >= 0 and starts.max() <= seg - cfg.T and len(set(starts.tolist())) > 10


def test_superpose_is_a_rigid_motion_onto_the_reference():
    rng = np.random.default_rng(3)
    ref = rng.normal(size=(22, 3)).astype(np.float32)
    sel = np.arange(22) % 2 == 0
    frames = []
    for _ in range(5):
        q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
        q *= np.sign(np.linalg.det(q))                      # a proper rotation
        frames.append(ref @ q + rng.normal(size=3))
    out = pep.superpose(np.stack(frames), ref, sel)
    np.testing.assert_allclose(out, np.broadcast_to(ref, out.shape), atol=1e-4)
    # a deformed frame keeps its internal distances, and its fitted atoms' centroid lands on the reference's
    bent = np.stack(frames)
    bent[:, 1] += 0.5
    moved = pep.superpose(bent, ref, sel)
    dist = lambda x: np.linalg.norm(x[:, :, None] - x[:, None], axis=-1)
    np.testing.assert_allclose(dist(moved), dist(bent), atol=1e-4)
    np.testing.assert_allclose(moved[:, sel].mean(1), np.broadcast_to(ref[sel].mean(0), (5, 3)), atol=1e-4)
    # a mirror image is not turned into its reflection
    mirror = ref * np.array([1, 1, -1], np.float32)
    assert np.abs(pep.superpose(mirror[None], ref, sel)[0] - ref).max() > 0.1


def test_windows_superpose_the_future_on_now_and_keep_or_superpose_the_history():
    cfg = pep.PeptideConfig()
    run = pep.read_run(cfg, "eval_b")
    now = cfg.observed - 1
    raw, body = (pep.body_windows(cfg, run.coords, run.feats, "eval_b", [100], h)[0].pos for h in (False, True))
    truth = run.coords[100:100 + cfg.T]
    np.testing.assert_array_equal(raw[:now + 1], truth[:now + 1])
    np.testing.assert_array_equal(body[now], truth[now])
    np.testing.assert_allclose(raw[now + 1:], body[now + 1:], atol=1e-5)
    # tumbling removed: the future stays much closer to "now" than recorded
    rms = lambda a: np.sqrt(((a[now + 1:] - a[now]) ** 2).sum(-1).mean())
    assert rms(raw) < 0.6 * rms(truth)
    # both at once: the recorded-history windows, then the superposed ones, as two calls give them
    two = pep.body_windows(cfg, run.coords, run.feats, "eval_b", [100, 140], both=True)
    apart = (pep.body_windows(cfg, run.coords, run.feats, "eval_b", [100, 140], False)
             + pep.body_windows(cfg, run.coords, run.feats, "eval_b", [100, 140], True))
    assert len(two) == 4 and all(np.array_equal(a.pos, b.pos) and a.start == b.start for a, b in zip(two, apart))
    off = pep.body_windows(cfg.replace(**{"data.align": False}), run.coords, run.feats, "eval_b", [100], False)[0]
    np.testing.assert_array_equal(off.pos, truth)
    train, val, cut = pep.peptide_windows(cfg)
    assert len(train) == 2 * len(range(0, cut - cfg.T + 1, cfg.data.segment_stride)) and all(
        w.pos.shape[0] == cfg.T for w in train)


def test_conditioning_noise_perturbs_the_known_frames_only():
    from lamslide_train.stages.training import stage2_batch
    cfg = pep.PeptideConfig()
    p = np.random.default_rng(0).normal(size=(cfg.T, 22, 3)).astype(np.float32)
    items = [(p, np.ones((cfg.T, 22), np.float32), np.arange(22, dtype=np.int32), np.zeros(22, np.int32))]
    noisy = stage2_batch(items, np.random.default_rng(1), cfg, 32)
    clean = stage2_batch(items, np.random.default_rng(1), cfg.replace(**{"training.cond_noise": 0.0}), 32)
    assert cfg.training.cond_noise > 0
    np.testing.assert_array_equal(noisy[0].numpy(), clean[0].numpy())           # the targets
    pc, mc = noisy[4].numpy(), noisy[5].numpy()
    diff = pc - clean[4].numpy()
    assert (diff[mc == 0] == 0).all() and np.abs(diff[mc > 0]).max() > 0
    # at most cond_noise (normalised by the scale) per window, a few standard deviations out
    assert np.abs(diff).max() < 6 * cfg.training.cond_noise / cfg.scale
