"""The spread probe (lamslide_train.spread): the noise scale reaches the sampler, and bad scales are refused."""
import json
import os

import numpy as np
import pytest

from conftest import MODELS
from lamslide_train.domains import molecule as mol
from lamslide_train.metrics import spread_skill
from lamslide_train.spread import calibrated_ratio, main, measure, measure_molecule
from lamslide_train.stages.preprocess import Window
from lamslide_train.stages.rollout import rollout_windows
from lamslide_train.weights import load_model


def walkers(T=20, n=3):
    t = np.arange(T, dtype=np.float32)[:, None]
    pos = np.stack([np.concatenate([0.5 * t + i, 0.1 * t - 2 * i], axis=1) for i in range(n)], axis=1)
    return Window(pos.astype(np.float32), np.ones((T, n), np.float32), np.ones(n, bool), "made-up", 0)


def shipped_path(name):
    path = os.path.join(MODELS, name)
    if not os.path.isfile(os.path.join(path, "weights.pt")):
        pytest.skip(f"models/{name} is not built")
    return path


def shipped(name):
    return load_model(shipped_path(name))


@pytest.fixture(scope="module")
def hotel():
    return shipped("eth_ucy-hotel")


def test_noise_scale_zero_collapses_the_samples_and_one_is_the_default(hotel):
    fs, ap, cfg = hotel
    w = [walkers()]
    default = rollout_windows(fs, ap, w, cfg, 4, 2, "ddim", 0)[0]
    one = rollout_windows(fs, ap, w, cfg, 4, 2, "ddim", 0, noise_scale=1.0)[0]
    zero = rollout_windows(fs, ap, w, cfg, 4, 2, "ddim", 0, noise_scale=0.0)[0]
    assert np.array_equal(default, one)
    assert np.abs(default[1:] - default[:1]).max() > 1e-3          # K samples of real noise differ
    assert np.abs(zero[1:] - zero[:1]).max() < 1e-5                 # without noise they coincide
    rows = measure(fs, ap, cfg.replace(**{"evaluation.k": 4}), w, [0.0, 1.0], 2, log=lambda *_: None)
    assert rows[0]["spread"] < 1e-5 < rows[1]["spread"] and rows[1]["ratio"] > 0


@pytest.mark.parametrize("scales", ["a,b", "0", "1,-1", ""])
def test_bad_scales_are_refused_before_anything_loads(scales):
    with pytest.raises(SystemExit, match="--scales"):
        main(["--model", "/nonexistent", "--scales", scales])


# ----------------------------------------------------------------------------------------- small-molecule models

def jittered_water(T=30, seed=0):
    """A made-up O-H-H molecule vibrating about a fixed geometry (elements of md-small's vocabulary)."""
    rng = np.random.default_rng(seed)
    base = np.array([[0.0, 0.0, 0.0], [0.96, 0.0, 0.0], [-0.24, 0.93, 0.0]], np.float32)
    pos = base[None] + 0.03 * rng.standard_normal((T, 3, 3)).astype(np.float32)
    return Window(pos, np.ones((T, 3), np.float32), np.ones(3, bool), "made-up", 0, np.array([3, 0, 0], np.int32))


@pytest.fixture(scope="module")
def md_small():
    return shipped("md-small")


def test_calibrated_ratio_is_what_draws_of_the_truth_give():
    # K samples and the truth drawn from one 3-D Gaussian: spread / skill of metrics.spread_skill over many entities
    rng = np.random.default_rng(1)
    K, n = 5, 20000
    draws = rng.standard_normal((K + 1, 1, n, 3)).astype(np.float32)
    w = Window(draws[K], np.ones((1, n), np.float32), np.ones(n, bool), "made-up", 0)
    spread, skill = spread_skill([draws[:K]], [w])
    assert spread.mean() / skill.mean() == pytest.approx(calibrated_ratio(K), rel=0.02)
    assert calibrated_ratio(20) == pytest.approx(0.9512, abs=1e-4)


def test_molecule_rows_hold_the_mean_and_best_of_k_and_the_spread(md_small):
    fs, ap, cfg = md_small
    assert cfg.vocab[3] == "O" and cfg.vocab[0] == "H"
    cfg = cfg.replace(**{"evaluation.k": 4})
    rows = measure_molecule(fs, ap, cfg, [jittered_water()], [1, 3], log=lambda *_: None)
    assert [r["nfe"] for r in rows] == [1, 3] and all(r["agents"] == 3 for r in rows)
    for r in rows:
        assert r["min_ade"] <= r["ade"] and r["min_fde"] <= r["fde"]
        assert r["spread"] > 0 and r["ratio"] == pytest.approx(r["spread"] / r["skill"])


@pytest.mark.parametrize("flag,value", [("--nfes", "1,x"), ("--nfes", "0"), ("--sets", "test"), ("--sets", ",")])
def test_bad_molecule_flags_are_refused_before_anything_loads(flag, value):
    with pytest.raises(SystemExit, match=flag):
        main(["--model", "/nonexistent", flag, value])


def test_a_model_of_another_domain_is_refused_by_name():
    with pytest.raises(SystemExit, match="PeptideDomain"):
        main(["--model", shipped_path("ala2")])


def test_the_card_quotes_only_lines_of_its_own_build(tmp_path, monkeypatch):
    monkeypatch.setattr(mol, "SPREAD_DIR", str(tmp_path))
    man = {"name": "mol-x", "sampler": {"default_nfe": 1}, "files": {"approximator": {"sha256": "a" * 64}}}
    assert mol.spread_text(man) == ""                                   # nothing measured
    row = lambda nfe, ade, ratio: {"nfe": nfe, "scale": 1.0, "ade": ade, "fde": 2 * ade, "min_ade": ade / 2,
                                   "min_fde": ade, "spread": ratio * 0.3, "skill": 0.3, "ratio": ratio}
    line = {"model": "mol-x", "set": "probe", "k": 5, "calibrated_ratio": 0.816, "approximator_sha256": "b" * 64,
            "rows": [row(1, 0.2, 0.1), row(5, 0.25, 0.5)]}
    (tmp_path / "mol-x.jsonl").write_text(json.dumps(line) + "\n")
    assert mol.spread_text(man) == ""                                   # measured on another build
    line["approximator_sha256"] = "a" * 64
    (tmp_path / "mol-x.jsonl").write_text(json.dumps(line) + "\n")
    text = mol.spread_text(man)
    assert "| probe trajectories | 5 | 0.250 / 0.500 | 0.125 / 0.250 | 0.150 / 0.300 (0.50) |" in text
    assert "ratio is 0.10: the K samples are nearly one path" in text
    assert "NFE 5 spreads them furthest (0.50), with an averaged ADE +25 %" in text.replace("\n", " ")
    man["sampler"]["default_nfe"] = 2                                   # a default the lines do not hold
    assert "The default NFE (2) was not measured." in mol.spread_text(man)


def test_flags_of_the_other_kind_of_model_are_refused():
    with pytest.raises(SystemExit, match="--nfe is for pedestrian models"):
        main(["--model", shipped_path("md-small"), "--nfe", "5"])
    with pytest.raises(SystemExit, match="--nfes and --sets are for small-molecule models"):
        main(["--model", shipped_path("eth_ucy-hotel"), "--sets", "val"])
