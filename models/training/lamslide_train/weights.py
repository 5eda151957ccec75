"""weights.pt: the config (JSON) and both stages' state dicts; loading a model folder back into PyTorch."""
import json
import os

import torch

from .domains import load_config
from .stages.approximator import make_approximator
from .stages.first_stage import make_first_stage


def save_weights(path, cfg, fs, approx):
    torch.save({"cfg": cfg.to_dict(), "first_stage": fs.state_dict(), "approximator": approx.state_dict()}, path)


def _tensor(t):
    dt = torch.int32 if t["dtype"] == "int32" else torch.float32
    return torch.tensor(t["data"], dtype=dt).reshape(t["shape"])


@torch.no_grad()
def check_against_fixtures(model_dir, fs, ap, tol=1e-4):
    """The network code must still be the code the model was exported from: replay the approximator and decoder
    fixtures (a changed network module would otherwise time or score different networks under the same name)."""
    with open(os.path.join(model_dir, "fixtures", "fixtures.json")) as f:
        fx = json.load(f)
    for name, fn, out in (("approximator", ap, "x1_pred"), ("decoder", fs.decode, "pos")):
        inp = {k: _tensor(v) for k, v in fx[name]["inputs"].items()}
        got = fn(*inp.values())
        ref = _tensor(fx[name]["outputs"][out])
        rel = float((got - ref).norm() / ref.norm().clamp(min=1e-12))
        if rel > tol:
            raise RuntimeError(f"{model_dir}: the PyTorch {name} differs from its fixture by {rel:.2e} (relative L2): "
                               "the training code changed since this model was exported; rebuild it")


def load_weights(model_dir):
    """(first stage, approximator, config, raw stored config) of a model folder, in eval mode."""
    w = torch.load(os.path.join(model_dir, "weights.pt"))
    cfg = load_config(w["cfg"], f"{model_dir}/weights.pt cfg")
    fs = make_first_stage(cfg)
    fs.load_state_dict(w["first_stage"])
    ap = make_approximator(cfg)
    ap.load_state_dict(w["approximator"])
    return fs.eval(), ap.eval(), cfg, w["cfg"]


def load_model(model_dir, check=True):
    """(first stage, approximator, config) of a model folder, checked against its fixtures."""
    fs, ap, cfg, _ = load_weights(model_dir)
    if check:
        check_against_fixtures(model_dir, fs, ap)
    return fs, ap, cfg
