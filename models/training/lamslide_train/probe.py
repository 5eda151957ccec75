"""Short stage-2 probes for choosing a recipe: train the approximator of a config for a few steps on precomputed
latents and score it on the domain's probe windows (molecules: trajectories of the unseen molecules that the card's
numbers leave out), so recipes are compared on molecules the model never saw.

  python3 -m lamslide_train.probe --domain molecule --name p1 [build flags] [--nfe 10] [--threads 1]

Writes runs/probes/<name>/{train.log, stage2.pt, result.json}; resumes like a build. The latent bank (the frozen
first stage's latents of the augmented training windows) is cached in runs/probes/latents-<key>.pt, keyed by the
first stage's weights and the settings that change it, so probes of approximator settings share one encoding.

  python3 -m lamslide_train.probe --score DIR [DIR ...] [--nfe 1,2,5] [--threads 1]

scores finished builds (model folders) on the same probe windows instead, for recipes a latent bank cannot hold
(the slot code trains on per-batch latents): one JSON line per model, the baselines beside each NFE's numbers.
"""
import argparse
import hashlib
import json
import os
import sys
import time

import torch

from .build import DATA_ROOT, evaluate, parse_args
from .domains import domain_of
from .weights import load_model
from .stages.training import (Logger, bank_residual_var, first_stage_weights_path, fit_latent_stats,
                              precompute_latents, train_stage1, train_stage2_bank)


def bank_key(cfg) -> str:
    w = first_stage_weights_path(cfg)
    with open(w, "rb") as f:
        h = hashlib.sha256(f.read()).hexdigest()[:16]
    d = {"weights": h, "data": cfg.to_dict().get("data"), "copies": cfg.training.copies,
         "jitter": cfg.training.jitter, "seed": cfg.training.seed, "scale": cfg.scale}
    return hashlib.sha256(json.dumps(d, sort_keys=True).encode()).hexdigest()[:16]


def score(dirs, nfes, data_root, threads):
    """Each finished build in `dirs` on its domain's probe windows (ddim at each NFE); returns the result dicts."""
    torch.set_num_threads(threads)
    out = []
    for d in dirs:
        fs, approx, cfg = load_model(d, check=False)
        domain = domain_of(cfg)
        res = evaluate(fs, approx.eval(), domain.probe_windows(cfg, data_root), cfg, domain, lambda *_: None,
                       nfes=nfes)
        out.append({"model": os.path.normpath(d), **res})
        print(json.dumps(out[-1]), flush=True)
    return out


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if "--score" in argv:
        ap = argparse.ArgumentParser(prog="python3 -m lamslide_train.probe --score")
        ap.add_argument("--score", nargs="+", required=True, metavar="DIR", help="model folders to score")
        ap.add_argument("--nfe", default="1", help="comma-separated NFEs (ddim)")
        ap.add_argument("--data", default=DATA_ROOT, help="data root, read in place")
        ap.add_argument("--threads", type=int, default=1)
        a = ap.parse_args(argv)
        score(a.score, [int(x) for x in a.nfe.split(",") if x], a.data, a.threads)
        return
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--name", required=True)
    pre.add_argument("--nfe", type=int, default=10)
    known, rest = pre.parse_known_args(argv)
    a, cfg = parse_args(rest + ["--out", os.path.join("/nonexistent", known.name)])
    if not cfg.training.precompute or not cfg.first_stage.weights:
        raise SystemExit("probe: needs training.precompute 1 and a trained first stage (first_stage.weights)")
    torch.set_num_threads(a.threads)
    domain = domain_of(cfg)
    root = os.path.join(a.runs, "probes")
    run_dir = os.path.join(root, known.name)
    os.makedirs(run_dir, exist_ok=True)
    log = Logger(os.path.join(run_dir, "train.log"))
    log(f"probe {known.name} cfg {json.dumps(cfg.to_dict())}")
    torch.manual_seed(cfg.training.seed)
    ds = domain.datasets(cfg, a.data)
    fs, _ = train_stage1(ds.train, cfg, run_dir, log)
    fit_latent_stats(fs, ds.train, cfg)
    cache = os.path.join(root, f"latents-{bank_key(cfg)}.pt")
    if os.path.exists(cache):
        bank = torch.load(cache)
        log(f"latent bank from {cache}")
    else:
        bank = precompute_latents(ds.train, fs, cfg, cfg.training.copies, cfg.training.seed + 2, log)
        torch.save(bank, cache + ".tmp")
        os.replace(cache + ".tmp", cache)
    cfg.approximator.resvar = [round(v, 6) for v in bank_residual_var(bank, cfg)]
    approx, wall = train_stage2_bank(bank, fs, cfg, run_dir, log)
    del bank
    t0 = time.time()
    res = {"name": known.name, "cfg": cfg.to_dict(), "stage2_wall_s": round(wall, 1),
           "probe": evaluate(fs, approx.eval(), domain.probe_windows(cfg, a.data), cfg, domain, log, nfes=[known.nfe]),
           "eval_s": None}
    res["eval_s"] = round(time.time() - t0, 1)
    with open(os.path.join(run_dir, "result.json"), "w") as f:
        json.dump(res, f, indent=1)
    log(f"probe {known.name}: {json.dumps(res['probe'])}")


if __name__ == "__main__":
    main()
