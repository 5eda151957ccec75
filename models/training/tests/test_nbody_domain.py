"""The N-body adapter: GeoTDM windows of simulated splits, charge feature indices, the CSV scene reader and its
errors, the protocol (mean over K, both baselines), and a short build of the domain end to end (contract v2 with a
charge vocabulary, slot code with feature channels)."""
import json

import numpy as np
import onnx
import pytest

from lamslide_train import build
from lamslide_train.domains import DataError, get_domain
from lamslide_train.domains.nbody import NBodyConfig, charge_tokens, read_scene_csv, sim_windows, windows_of_csv
from lamslide_train.metrics import ade_fde, constant_velocity, frozen
from lamslide_train.sim import nbody as sim
from lamslide_train.weights import load_model

DOMAIN = get_domain("nbody")


@pytest.fixture(scope="module")
def small_split():
    return sim.make_split("val", count=6)


def test_defaults_are_the_geotdm_setting():
    cfg = NBodyConfig().validate()
    assert (cfg.dims, cfg.observed, cfg.future, cfg.frame_interval) == (3, 10, 20, 0.1)
    assert cfg.features.key == "charge" and cfg.vocab == ["-1", "1"]
    assert cfg.evaluation.k == 5 and DOMAIN.protocol == "mean"
    assert DOMAIN.baselines == ("constant velocity", "frozen")
    assert (DOMAIN.length_unit, DOMAIN.time_unit) == ("sim", "sim")
    assert cfg.training.augment == "rotation" and cfg.first_stage.layout == "slots"


def test_windows_are_frames_0_to_29_with_charge_indices(small_split):
    cfg = NBodyConfig()
    ws = sim_windows(small_split["loc"], small_split["charges"], cfg, "val")
    assert len(ws) == 6
    for i, w in enumerate(ws):
        assert w.pos.shape == (30, 5, 3) and np.array_equal(w.pos, small_split["loc"][i, :30])
        assert w.mask.all() and w.scored.all() and w.start == 0 and w.source == f"val_{i:05d}"
        q = small_split["charges"][i]
        assert w.feats.tolist() == [0 if c < 0 else 1 for c in q]   # "-1" -> 0, "1" -> 1
    more = sim_windows(small_split["loc"], small_split["charges"], cfg, "train", starts=[0, 19], count=2)
    assert [(w.source, w.start) for w in more] == [("train_00000", 0), ("train_00000", 19), ("train_00001", 0),
                                                   ("train_00001", 19)]
    assert np.array_equal(more[1].pos, small_split["loc"][0, 19:49])
    with pytest.raises(DataError, match="start 20 needs frames 20..49"):
        sim_windows(small_split["loc"], small_split["charges"], cfg, "train", starts=[20])


def test_charge_tokens():
    assert charge_tokens([-1.0, 1.0, 1]) == ["-1", "1", "1"]
    with pytest.raises(DataError, match="0.5 is not an integer"):
        charge_tokens([0.5])


def test_csv_scenes_round_trip_through_the_reader(small_split, tmp_path):
    cfg = NBodyConfig()
    p = tmp_path / "s.csv"
    p.write_text(sim.scene_csv(small_split["loc"][1], small_split["charges"][1], name="s", frames=30))
    frames, pos, present, tokens = read_scene_csv(str(p))
    assert len(frames) == 30 and present.all() and tokens == charge_tokens(small_split["charges"][1])
    assert np.abs(pos - small_split["loc"][1, :30]).max() < 1e-6   # 6 decimals
    (w,) = windows_of_csv(str(p), cfg)
    ref = sim_windows(small_split["loc"][1:2], small_split["charges"][1:2], cfg, "x")[0]
    assert np.array_equal(w.feats, ref.feats) and np.abs(w.pos - ref.pos).max() < 1e-6
    # a longer scene gives every window start (stride 1)
    p2 = tmp_path / "long.csv"
    p2.write_text(sim.scene_csv(small_split["loc"][1], small_split["charges"][1]))
    assert [w.start for w in windows_of_csv(str(p2), cfg)] == list(range(49 - 30 + 1))
    # evaluate's entry point reads folders of them
    assert len(DOMAIN.windows_of_paths(cfg, [str(tmp_path)])) == 1 + 20


@pytest.mark.parametrize("text, message", [
    ("frame,id,x,y,charge\n0,0,1,2,1\n", "lacks column\\(s\\) z"),
    ("frame,id,x,y,z,charge\n0,0,1,2,3\n", "5 fields, the header has 6"),
    ("frame,id,x,y,z,charge\n0,0,1,2,a,1\n", ":2: not a number"),
    ("frame,id,x,y,z,charge\n0,0,1,2,3,1\n1,0,1,2,3,-1\n", "entity 0 changes its charge"),
    ("frame,id,x,y,z,charge\n0,0,1,2,3,0.5\n", "0.5 is not an integer"),
    ("# only a comment\n", "no rows"),
])
def test_csv_errors_name_the_file_and_cause(tmp_path, text, message):
    p = tmp_path / "bad.csv"
    p.write_text(text)
    with pytest.raises(DataError, match=message):
        read_scene_csv(str(p))


def test_a_charge_outside_the_vocabulary_is_refused(tmp_path):
    p = tmp_path / "q2.csv"
    p.write_text("frame,id,x,y,z,charge\n" + "".join(f"{f},0,0,0,{f},2\n{f},1,1,0,0,1\n" for f in range(30)))
    with pytest.raises(DataError, match="entity 0 has charge '2', not in the vocabulary \\['-1', '1'\\]"):
        windows_of_csv(str(p), NBodyConfig())


def test_protocol_means_over_samples_and_baselines(small_split):
    cfg = NBodyConfig()
    ws = sim_windows(small_split["loc"], small_split["charges"], cfg, "val")
    # two samples: the truth and the truth shifted by 0.3 along x -> mean ADE = mean FDE = 0.15 per particle
    samples = [np.stack([w.pos, w.pos + np.array([0.3, 0, 0], np.float32)]) for w in ws]
    ade, fde = ade_fde(samples, ws, cfg.observed, DOMAIN.protocol)
    assert ade.shape == (30,) and np.allclose(ade, 0.15) and np.allclose(fde, 0.15)
    cv_a, cv_f = constant_velocity(ws, cfg.observed)
    fr_a, fr_f = frozen(ws, cfg.observed)
    p = ws[0].pos
    v = p[9] - p[8]
    want = np.linalg.norm(p[9] + np.arange(1, 21)[:, None, None] * v - p[10:], axis=-1).mean(axis=0)
    assert np.allclose(cv_a[:5], want, atol=1e-5)
    assert np.allclose(fr_f[:5], np.linalg.norm(p[29] - p[9], axis=-1), atol=1e-5)
    assert fr_a.mean() > cv_a.mean() > 0   # at these speeds, standing still is the worse guess


def test_short_nbody_build(tmp_path):
    sims = tmp_path / "sims"
    sims.mkdir()
    for name, count in (("train", 8), ("val", 4), ("test", 3)):
        d = sim.make_split(name, count=count)
        np.savez(sims / f"{name}.npz", **d)
    out = tmp_path / "models" / "nbody-test"
    argv = ["--domain", "nbody", "--out", str(out), "--runs", str(tmp_path / "runs"), "--threads", "1",
            "--sims", str(sims), "--train-sims", "8", "--steps2", "3", "--copies", "1", "--eval-nfe", "1",
            "--hidden2", "16", "--heads2", "2", "--depth2", "1", "--pair-messages", "2"]
    man = build.main(argv)
    assert man["format"] == "lamslide-model/2" and man["domain"] == "nbody" and man["dims"] == 3
    assert man["features"] == {"key": "charge", "vocab": ["-1", "1"]}
    assert man["first_stage"] == {"kind": "binding", "layout": "slots"}
    assert (man["length_unit"], man["frame_interval"]) == ("sim", {"value": 0.1, "unit": "sim"})
    me = man["metrics"]
    assert me["protocol"]["rule"] == "mean" and me["protocol"]["k"] == 5 and me["particles"] == 4 * 5
    assert set(me["baselines"]) == {"constant velocity", "frozen"} and me["feature_accuracy"] == 1.0
    assert me["reconstruction_error"] == 0.0
    assert me["test"]["windows"] == 3 and "ddim@1" in me["test"]
    assert [i.name for i in onnx.load(str(out / "encoder.onnx")).graph.input] == ["pos", "ids", "mask", "feats"]
    with open(out / "fixtures" / "fixtures.json") as f:
        fx = json.load(f)
    assert fx["rollout"]["window"]["pos"]["shape"] == [30, 5, 3] and fx["rollout"]["window"]["feats"]["shape"] == [5]
    fs, ap, cfg = load_model(str(out))
    assert isinstance(cfg, NBodyConfig) and cfg.data.train_sims == 8
    card = (out / "card.md").read_text()
    assert "GeoTDM" in card and "--domain nbody --out ../nbody-test" in card and "charge" in card
