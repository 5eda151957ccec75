"""Builds end to end: a short pedestrian build through the command line (real ETH/UCY data, tiny step counts,
resume), and a contract-v2 build of a made-up domain plugged in the way a new domain is (tests/toy_domain.py)."""
import json
import os

import onnx
import pytest
import torch

from lamslide_train import build
from lamslide_train.domains import DOMAINS
from lamslide_train.stages.training import Logger
from lamslide_train.weights import load_model
from toy_domain import TOY, ToyConfig


def test_short_pedestrian_build_and_resume(data_root, tmp_path):
    out, runs = tmp_path / "models" / "eth_ucy-eth", tmp_path / "runs"
    argv = ["--fold", "eth", "--out", str(out), "--runs", str(runs), "--data", data_root, "--threads", "1",
            "--steps2", "4", "--copies", "1", "--eval-stride", "100", "--eval-k", "2", "--eval-nfe", "1"]
    man = build.main(argv)
    assert man["format"] == "lamslide-model/2" and man["domain"] == "pedestrian"
    assert man["first_stage"] == {"kind": "binding", "layout": "slots"} and man["features"] == {"vocab": []}
    assert (man["length_unit"], man["frame_interval"]) == ("m", {"value": 0.4, "unit": "s"})
    me = man["metrics"]
    assert me["protocol"]["rule"] == "min" and me["reconstruction_error"] == 0.0
    assert set(k for k in me if "@" in k) == {"ddim@1", "euler@10"} and me["agents"] > 0
    assert me["baseline"]["name"] == "constant velocity"
    fs, ap, cfg = load_model(str(out))  # weights.pt holds the nested config and replays the fixtures
    assert cfg.data.fold == "eth" and cfg.training.steps2 == 4 and len(cfg.approximator.resvar) == 20
    card = (out / "card.md").read_text()
    assert ("cd models/training && /usr/bin/python3 -m lamslide_train.build --fold eth --out ../eth_ucy-eth "
            "--threads 1 --steps2 4 --copies 1 --eval-stride 100 --eval-k 2 --eval-nfe 1\n") in card
    with open(tmp_path / "models" / "index.json") as f:
        assert json.load(f)["models"][0]["name"] == "eth_ucy-eth"
    # started again with the same arguments, the build resumes from its checkpoint and writes the same model
    before = torch.load(out / "weights.pt")["approximator"]
    build.main(argv)
    log = (runs / "eth_ucy-eth" / "train.log").read_text()
    assert "stage2: resumed at step 4" in log
    after = torch.load(out / "weights.pt")["approximator"]
    assert all(torch.equal(before[k], after[k]) for k in before)
    # the same name with another recipe would resume these checkpoints and ship them as the new recipe: refused
    with pytest.raises(SystemExit, match=r"another recipe \(differs in training.size_batches, training.speed_scale\)"):
        build.main(argv + ["--speed-scale", "2", "--size-batches", "1"])
    # a folder from before the recipe was recorded cannot be vouched for either
    (runs / "eth_ucy-eth" / "recipe.json").unlink()
    with pytest.raises(SystemExit, match=r"stage2.pt\) but no recipe.json"):
        build.main(argv)
    assert torch.equal(torch.load(out / "weights.pt")["approximator"][next(iter(before))], before[next(iter(before))])


def test_a_new_domain_builds_a_v2_model(tmp_path, monkeypatch):
    monkeypatch.setitem(DOMAINS, "toy", TOY)
    cfg = ToyConfig().validate()
    out = tmp_path / "models" / "toy-small"
    log = Logger(str(tmp_path / "log.txt"))
    man = build.build(cfg, str(out), "", str(tmp_path / "runs"), 1, log)
    assert man["format"] == "lamslide-model/2" and man["domain"] == "toy" and man["dims"] == 3
    assert man["features"] == {"key": "element", "vocab": ["H", "C", "O"]}
    assert man["first_stage"] == {"kind": "learned", "layout": "shared"}
    assert man["provenance"]["steps"] == {"stage1": 6, "stage2": 6}
    me = man["metrics"]
    assert me["protocol"]["rule"] == "mean" and me["protocol"]["unit"] == "sim"
    assert set(me["baselines"]) == {"constant velocity", "frozen"} and me["atoms"] == 24 * 4
    assert 0 <= me["feature_accuracy"] <= 1
    assert set(k for k in me if "@" in k) == {"ddim@1", "ddim@2", "euler@10"}
    enc = onnx.load(str(out / "encoder.onnx"))
    dec = onnx.load(str(out / "decoder.onnx"))
    assert [i.name for i in enc.graph.input] == ["pos", "ids", "mask", "feats"]
    assert [o.name for o in dec.graph.output] == ["pos", "feat_logits"]
    with open(out / "fixtures" / "fixtures.json") as f:
        fx = json.load(f)
    assert fx["rollout"]["window"]["feats"]["shape"] == [6]
    fs, ap, loaded = load_model(str(out))
    assert loaded == cfg and isinstance(loaded, ToyConfig)
    card = (out / "card.md").read_text()
    assert "element-logit head" in card and "python3 -m lamslide_train.build --domain toy --out ../toy-small" in card
    assert os.path.exists(tmp_path / "runs" / "toy-small" / "stage1.pt")


def test_unknown_domain_is_refused(tmp_path):
    with pytest.raises(SystemExit):
        build.parse_args(["--domain", "weather", "--out", str(tmp_path)])
