"""Typed configs: defaults, JSON round trips (nested and the flat form of the shipped weights.pt), errors, CLI."""
import json
import os

import pytest
import torch

from conftest import MODELS, shipped_models
from lamslide_train.build import parse_args
from lamslide_train.cardtext import rebuild_flags
from lamslide_train.config import ConfigError, ModelConfig
from lamslide_train.contract_model import tiny_config
from lamslide_train.domains import load_config
from lamslide_train.domains.pedestrian import LEGACY, PedestrianConfig

# build.py's DEFAULTS before the typed configs: the recipe of the six shipped models
OLD_DEFAULTS = dict(first_stage="binding", id_table="slots", pool=96, id_dim=128, L=4, C=64, scale=5.0, observed=8,
                    future=12, frame_interval=0.4, hidden1=64, enc_layers=1, dec_layers=1, batch1=96, steps1=800,
                    lr1=2e-3, hidden2=128, depth2=2, batch2=48, steps2=1500, lr2=1e-3, ema=0.995, flow_w=0.1, aux=1.0,
                    copies=6, t0=0.001, t1=0.999, seed=0, eval_stride=10, eval_k=20, eval_nfe=[1, 2, 5, 10, 20],
                    default_nfe=10, default_solver="ddim", smooth_basis=2, smooth_weighted=1, approximator="slots")
# fields that were constants in the code before they became config fields, with those constants
OLD_CONSTANTS = dict(domain="pedestrian", dims=2, heads1=4, heads2=4, ema1=0.999, jitter=0.3)


def test_pedestrian_defaults_are_the_old_recipe():
    flat = PedestrianConfig().validate().to_flat()
    assert {k: flat[k] for k in OLD_DEFAULTS} == OLD_DEFAULTS
    assert {k: flat[k] for k in OLD_CONSTANTS} == OLD_CONSTANTS
    assert flat["vocab"] == [] and flat["fold"] == ""


@pytest.mark.parametrize("name", shipped_models())
def test_shipped_weights_cfg_loads_and_writes_back(name):
    raw = torch.load(os.path.join(MODELS, name, "weights.pt"))["cfg"]
    cfg = load_config(raw)
    assert isinstance(cfg, PedestrianConfig)
    cfg.validate()
    if "format" in raw:  # stored nested (a model rebuilt since config.py): it comes back as stored, and a field
        # added after the model was built comes back at its default
        want = PedestrianConfig().to_dict()
        for sec, v in raw.items():
            want[sec] = {**want[sec], **v} if isinstance(v, dict) else v
        assert cfg.to_dict() == want
    else:  # stored flat (built before config.py): every stored value comes back under its key
        flat = cfg.to_flat()
        assert {k: flat[k] for k in raw} == raw
    assert len(cfg.approximator.resvar) == cfg.T
    # and the nested form of that config round-trips through JSON
    back = load_config(json.loads(json.dumps(cfg.to_dict())))
    assert back == cfg
    # the manifest stores the same config
    with open(os.path.join(MODELS, name, "manifest.json")) as f:
        assert load_config(json.load(f)["provenance"]["training_config"]) == cfg


def test_nested_round_trip_with_changes():
    cfg = PedestrianConfig().replace(**{"training.steps2": 7, "evaluation.nfe": [1, 3], "data.fold": "eth",
                                        "approximator.smooth_weighted": False})
    d = json.loads(json.dumps(cfg.to_dict()))
    assert d["format"] == "lamslide-config/1" and d["domain"] == "pedestrian"
    assert d["training"]["steps2"] == 7 and d["data"]["fold"] == "eth"
    back = load_config(d)
    assert back == cfg and back.approximator.smooth_weighted is False
    assert PedestrianConfig() != cfg  # replace() copies; the defaults are untouched


def test_v2_config_with_vocabulary_round_trips():
    cfg = tiny_config()
    back = ModelConfig.from_dict(json.loads(json.dumps(cfg.to_dict())))
    assert back == cfg and back.vocab == ["H", "C", "N", "O"] and back.first_stage.layout == "shared"


def test_flat_config_missing_keys_take_their_legacy_values():
    old = {k: v for k, v in OLD_DEFAULTS.items() if k not in LEGACY}
    cfg = load_config(old)
    assert cfg.approximator.kind == "transformer" and cfg.first_stage.id_table == "orthogonal"
    assert cfg.approximator.smooth_basis == 0 and cfg.approximator.smooth_weighted is False


def test_errors_name_the_field():
    d = PedestrianConfig().to_dict()
    d["training"]["stepz"] = 3
    with pytest.raises(ConfigError, match=r"config\.training: unknown key\(s\) 'stepz'"):
        load_config(d)
    d = PedestrianConfig().to_dict()
    d["first_stage"]["pool"] = "96"
    with pytest.raises(ConfigError, match=r"config\.first_stage\.pool: expected an integer, got '96'"):
        load_config(d)
    d = PedestrianConfig().to_dict()
    d["format"] = "something/9"
    with pytest.raises(ConfigError, match="config.format: expected 'lamslide-config/1'"):
        load_config(d)
    with pytest.raises(ConfigError, match="unknown key.*'hidden3'"):
        load_config(dict(OLD_DEFAULTS, hidden3=1))
    d = PedestrianConfig().to_dict()
    d["domain"] = "weather"
    with pytest.raises(ConfigError, match="domain: unknown domain 'weather'"):
        load_config(d)


@pytest.mark.parametrize("changes, message", [
    # a binding code with a vocabulary needs room for the feature channels: id_dim x (dims + F) coordinates
    ({"features.key": "element", "features.vocab": ["H", "C"]}, r"id_dim \* \(dims \+ vocabulary size\) == L \* C"),
    ({"features.key": "element"}, "key and vocab go together"),
    ({"first_stage.kind": "learned", "first_stage.id_table": "orthogonal"}, "slot approximator needs the slot layout"),
    ({"first_stage.kind": "learned", "approximator.kind": "transformer"}, "frozen orthogonal ID table"),
    ({"first_stage.pool": 200}, "binding code needs pool <= id_dim"),
    ({"approximator.kind": "graph"}, r"approximator\.kind: must be one of"),
    ({"observed": 1}, "need observed >= 2"),
    ({"approximator.hidden": 100, "approximator.heads": 8}, "multiple of 2 \\* heads"),
])
def test_validate_refuses_inconsistent_configs(changes, message):
    with pytest.raises(ConfigError, match=message):
        PedestrianConfig().replace(**changes).validate()


def test_build_command_line_sets_config_fields():
    a, cfg = parse_args(["--fold", "eth", "--out", "../eth_ucy-eth", "--threads", "1"])
    assert cfg == PedestrianConfig().replace(**{"data.fold": "eth"}) and a.threads == 1
    _, cfg = parse_args(["--fold", "all", "--out", "x", "--steps2", "7", "--eval-nfe", "1,2", "--smooth-weighted", "0",
                         "--lr2", "5e-4"])
    assert (cfg.training.steps2, cfg.evaluation.nfe, cfg.approximator.smooth_weighted, cfg.training.lr2) == \
        (7, [1, 2], False, 5e-4)
    flags = rebuild_flags(cfg, PedestrianConfig(), skip=("fold",))
    assert flags == " --smooth-weighted 0 --steps2 7 --lr2 0.0005 --eval-nfe 1,2"
    _, again = parse_args(["--fold", "all", "--out", "x"] + flags.split())  # the card's flags rebuild the same config
    assert again == cfg
    assert rebuild_flags(PedestrianConfig(), PedestrianConfig(), skip=("fold",)) == ""
    with pytest.raises(SystemExit):  # --fold is required, and must be a fold
        parse_args(["--out", "x"])
    with pytest.raises(SystemExit):
        parse_args(["--fold", "mars", "--out", "x"])
    with pytest.raises(SystemExit):  # validation errors end the command with the message
        parse_args(["--fold", "eth", "--out", "x", "--first-stage", "learned"])
