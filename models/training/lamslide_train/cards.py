"""Model cards and the final manifest fields, written from a model folder's manifest.json and weights.pt.

  python3 -m lamslide_train.cards ../eth_ucy-all [...]   rewrites manifest.json's derived fields and card.md

The default NFE is chosen on the model's own val numbers (smallest ADE + FDE of the ddim runs), which is tuning on
val only, as the fold rule allows. The card text itself comes from the model's domain (domains/<name>.py).
"""
import json
import os
import sys

import torch

from .domains import domain_of, load_config
from .stages.export import sha256
from .stages.first_stage import trained_first_stage_settings
from .stages.training import first_stage_weights_path


def choose_default_nfe(metrics):
    runs = [v for v in metrics.values() if isinstance(v, dict) and v.get("solver") == "ddim"]
    best = min(runs, key=lambda v: (v["ade"] + v["fde"], v["nfe"]))
    return best["nfe"]


def trained_first_stage_provenance(cfg):
    """What the manifest records of a first stage trained elsewhere: its file, sha256, training steps and the
    numbers its trainer reported (a JSON beside the weights, when there is one)."""
    path = first_stage_weights_path(cfg)
    settings, _ = trained_first_stage_settings(path)
    out = {"path": cfg.first_stage.weights, "sha256": sha256(path), "steps": settings.get("steps"),
           "batch": settings.get("batch"), "lr": settings.get("lr"), "data": settings.get("data")}
    report = os.path.splitext(path)[0] + ".json"
    if os.path.exists(report):
        with open(report) as f:
            out["report"] = {k: v for k, v in json.load(f).items() if k in ("summary", "wall_s", "parameters", "steps", "trained_on")}
    return out


def write_index(models_root, default="eth_ucy-all"):
    """models/index.json: every folder with a manifest, the app's default first."""
    names = sorted(d for d in os.listdir(models_root) if os.path.isfile(os.path.join(models_root, d, "manifest.json")))
    names.sort(key=lambda n: n != default)
    models = []
    for n in names:
        with open(os.path.join(models_root, n, "manifest.json")) as f:
            dom = json.load(f)["domain"]
        models.append({"name": n, "path": n, "domain": dom, "default": n == default})
    with open(os.path.join(models_root, "index.json"), "w") as f:
        json.dump({"models": models}, f, indent=2)
        f.write("\n")


def write_card(model_dir, man, cfg):
    with open(os.path.join(model_dir, "card.md"), "w") as f:
        f.write(domain_of(cfg).card(man, cfg))


def finalize(model_dir, threads=1):
    with open(os.path.join(model_dir, "manifest.json")) as f:
        man = json.load(f)
    raw = torch.load(os.path.join(model_dir, "weights.pt"))["cfg"]
    cfg = load_config(raw, f"{model_dir}/weights.pt cfg")
    man["sampler"]["default_nfe"] = choose_default_nfe(man["metrics"])
    man["sampler"]["default_solver"] = "ddim"
    man["provenance"]["threads"] = threads
    man["provenance"]["training_config"] = raw  # as stored (flat for models built before config.py)
    if getattr(cfg.first_stage, "weights", ""):
        man["provenance"]["first_stage_weights"] = trained_first_stage_provenance(cfg)
    with open(os.path.join(model_dir, "manifest.json"), "w") as f:
        json.dump(man, f, indent=2)
    write_card(model_dir, man, cfg)
    write_index(os.path.dirname(os.path.abspath(model_dir)))


if __name__ == "__main__":
    for d in sys.argv[1:]:
        finalize(d)
        print(f"finalized {d}")
