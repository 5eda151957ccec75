"""The leave-one-recording-out proxy (lamslide_train.loro): which files train and which score, and the summary."""
import json
import os

import pytest

from lamslide_train.domains import get_domain
from lamslide_train.domains.base import DataError
from lamslide_train.domains.pedestrian import PedestrianConfig, recording_of
from lamslide_train.loro import main, summary


def test_recording_of_strips_the_split():
    assert recording_of("/x/eth/train/crowds_zara02_train.txt") == "crowds_zara02"
    assert recording_of("students001_val.txt") == "students001"
    assert recording_of("biwi_eth.txt") == "biwi_eth"


def test_holdout_trains_on_the_other_recordings_and_scores_the_whole_held_out_one(data_root):
    cfg = PedestrianConfig().replace(**{"data.fold": "eth", "data.holdout": "students001"}).validate()
    ds = get_domain("pedestrian").datasets(cfg, data_root)
    assert ds.provenance["holdout"] == "students001"
    assert ds.provenance["val_files"] == ["students001_train.txt", "students001_val.txt"]
    assert "students001_train.txt" not in ds.provenance["train_files"] and len(ds.provenance["train_files"]) == 6
    assert {w.source for w in ds.eval} == {"students001_train.txt", "students001_val.txt"}
    with pytest.raises(DataError, match="'biwi_eth' is not a recording of fold eth"):
        get_domain("pedestrian").datasets(cfg.replace(**{"data.holdout": "biwi_eth"}), data_root)


def test_summary_weights_recordings_by_agents():
    s = summary({"a": {"agents": 30, "ade": 0.2, "fde": 0.4, "cv_ade": 0.3, "cv_fde": 0.6},
                 "b": {"agents": 10, "ade": 0.6, "fde": 1.2, "cv_ade": 0.5, "cv_fde": 1.0}})
    assert s["agents"] == 40 and s["ade"] == pytest.approx(0.3) and s["ade_per_recording_mean"] == pytest.approx(0.4)
    assert s["cv_fde"] == pytest.approx(0.7)


def test_loro_resumes_and_refuses_another_recipe(data_root, tmp_path):
    out = str(tmp_path / "zara1.json")
    args = ["--fold", "zara1", "--recordings", "crowds_zara02", "--steps2", "4", "--batch2", "8", "--out", out,
            "--runs", str(tmp_path / "runs"), "--data-root", data_root, "--eval-stride", "200"]
    main(args)
    with open(out) as f:
        doc = json.load(f)
    r = doc["recordings"]["crowds_zara02"]
    assert r["eval_files"] == ["crowds_zara02_train.txt", "crowds_zara02_val.txt"] and r["agents"] > 0
    assert doc["summary"]["recordings"] == 1 and doc["recipe"]["training"]["steps2"] == 4
    main(args)  # the recording is in the JSON already: skipped
    with open(out) as f:
        assert json.load(f)["recordings"]["crowds_zara02"] == r
    with pytest.raises(SystemExit, match="another recipe"):
        main(args[:-2] + ["--eval-stride", "100"])


def test_attach_puts_the_fold_s_loro_into_manifest_and_card_and_refuses_another_recipe(tmp_path):
    import shutil
    import torch
    from conftest import MODELS
    from lamslide_train.domains import load_config
    from lamslide_train.loro import attach, comparable
    src = os.path.join(MODELS, "eth_ucy-zara1")
    if not os.path.isfile(os.path.join(src, "weights.pt")):
        pytest.skip("models/eth_ucy-zara1 not built")
    model = tmp_path / "models" / "eth_ucy-zara1"
    shutil.copytree(src, model)
    cfg = load_config(torch.load(os.path.join(src, "weights.pt"))["cfg"]).replace(**{"data.fold": "zara1"})
    rec = {"windows": 99, "agents": 574, "ade": 0.25, "fde": 0.48, "cv_ade": 0.31, "cv_fde": 0.69}
    doc = {"fold": "zara1", "nfe": 10, "recipe": comparable(cfg.to_dict()), "recordings": {"crowds_zara02": rec},
           "summary": summary({"crowds_zara02": rec})}
    path = tmp_path / "zara1.json"
    path.write_text(json.dumps(doc))
    attach(str(model), str(path))
    card = (model / "card.md").read_text()
    assert "## Leave-one-recording-out proxy" in card and "| crowds_zara02 | 99 | 574 | 0.250 | 0.480 |" in card
    assert json.loads((model / "manifest.json").read_text())["metrics"]["loro"]["summary"]["agents"] == 574
    doc["recipe"]["training"]["steps2"] += 1
    path.write_text(json.dumps(doc))
    with pytest.raises(SystemExit, match="another recipe .* training.steps2"):
        attach(str(model), str(path))
    doc["fold"] = "eth"
    path.write_text(json.dumps(doc))
    with pytest.raises(SystemExit, match="is fold eth"):
        attach(str(model), str(path))


def test_a_recipe_stored_before_a_field_existed_compares_as_its_default():
    from lamslide_train.domains import get_domain
    from lamslide_train.loro import comparable
    cfg = get_domain("pedestrian").default_config().replace(**{"data.fold": "eth"})
    stored = cfg.to_dict()
    del stored["training"]["speed_scale"]  # the LORO JSONs written before the option existed
    assert comparable(stored) == comparable(cfg.to_dict())
    assert comparable(stored) != comparable(cfg.replace(**{"training.speed_scale": 1.3}).to_dict())


def test_folds_that_leave_out_the_same_pair_of_recordings_share_one_training(data_root):
    from lamslide_train.domains import get_domain
    from lamslide_train.loro import training_key
    dom = get_domain("pedestrian")
    keys = {}
    for fold, rec in (("eth", "biwi_hotel"), ("hotel", "biwi_eth"), ("eth", "crowds_zara01")):
        c = dom.default_config().replace(**{"data.fold": fold, "data.holdout": rec})
        keys[fold, rec] = training_key(c, dom.datasets(c, data_root).provenance["train_files"])
    assert keys["eth", "biwi_hotel"] == keys["hotel", "biwi_eth"] != keys["eth", "crowds_zara01"]
    c = dom.default_config().replace(**{"data.fold": "eth", "training.speed_scale": 1.3})
    assert training_key(c, ["a.txt"]) != training_key(c.replace(**{"training.speed_scale": 1.0}), ["a.txt"])


def test_compare_reads_two_recipes_fold_by_fold_and_refuses_unfinished_runs(tmp_path):
    from lamslide_train.loro import compare
    rec = lambda a: {"windows": 1, "agents": 10, "ade": a, "fde": 2 * a, "cv_ade": 1.0, "cv_fde": 2.0}
    for d, a in (("base", 0.30), ("cand", 0.27)):
        (tmp_path / d).mkdir()
        (tmp_path / d / "eth.json").write_text(json.dumps({"recordings": {"r1": rec(a), "r2": rec(a)}}))
    rows = compare(str(tmp_path / "base"), str(tmp_path / "cand"), ("eth",)).splitlines()
    assert rows[-1] == "| eth | 0.300 / 0.600 | 0.270 / 0.540 | 0.300 / 0.600 | 0.270 / 0.540 | -10.0 % |"
    (tmp_path / "cand" / "eth.json").write_text(json.dumps({"recordings": {"r1": rec(0.27)}}))
    with pytest.raises(SystemExit, match="different recordings"):
        compare(str(tmp_path / "base"), str(tmp_path / "cand"), ("eth",))
    # stopped early: compared on the recordings both hold, and said so; a fold never run is listed, not skipped
    rows = compare(str(tmp_path / "base"), str(tmp_path / "cand"), ("eth", "hotel"), partial=True).splitlines()
    assert rows[-2] == "| eth | 0.300 / 0.600 | 0.270 / 0.540 | 0.300 / 0.600 | 0.270 / 0.540 | -10.0 % (1 of 2 recordings) |"
    assert rows[-1] == "| hotel | | not run | | | |"
    (tmp_path / "cand" / "eth.json").write_text(json.dumps({"recordings": {"r3": rec(0.27)}}))
    with pytest.raises(SystemExit, match="different recordings"):    # not a subset: nothing to compare
        compare(str(tmp_path / "base"), str(tmp_path / "cand"), ("eth",), partial=True)
