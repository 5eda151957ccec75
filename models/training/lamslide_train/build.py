"""Builds one model from scratch: data -> stage 1 -> latents -> stage 2 -> evaluation -> ONNX export -> card.

Usage (from models/training, with Debian's /usr/bin/python3):
  python3 -m lamslide_train.build --fold eth --out ../eth_ucy-eth
Interrupted runs resume from runs/<name>/stage{1,2}.pt when started again with the same arguments.
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import time

import numpy as np
import torch

from . import data as D
from .cards import finalize
from .export import export_graphs, sha256, write_fixtures
from .sampler import constant_velocity, min_ade_fde, rollout_windows
from .train import (Logger, fit_latent_stats, make_approximator, make_first_stage, augment_windows,
                    recon_error, residual_var, train_stage1, train_stage2)

DEFAULTS = dict(first_stage="binding", id_table="slots", pool=96, id_dim=128, L=4, C=64, scale=5.0, observed=8, future=12, frame_interval=0.4,
                hidden1=64, enc_layers=1, dec_layers=1, batch1=96, steps1=800, lr1=2e-3,
                hidden2=128, depth2=2, batch2=48, steps2=1500, lr2=1e-3, ema=0.995, flow_w=0.1, aux=1.0, copies=6,
                t0=0.001, t1=0.999, seed=0, eval_stride=10, eval_k=20, eval_nfe=[1, 2, 5, 10, 20], default_nfe=10,
                default_solver="ddim", smooth_basis=2,
                smooth_weighted=1, approximator="slots")


def evaluate(fs, approx, windows, cfg, log, solvers=("ddim",), nfes=None):
    obs = cfg["observed"]
    res = {}
    cv_ade, cv_fde = constant_velocity(windows, obs)
    res["baseline"] = {"name": "constant velocity", "ade": float(cv_ade.mean()), "fde": float(cv_fde.mean())}
    for solver in solvers:
        for nfe in nfes or cfg["eval_nfe"]:
            if solver == "heun" and nfe < 2:
                continue
            t0 = time.time()
            s = rollout_windows(fs, approx, windows, cfg, cfg["eval_k"], nfe, solver, cfg["seed"])
            ade, fde = min_ade_fde(s, windows, obs)
            res[f"{solver}@{nfe}"] = {"solver": solver, "nfe": nfe, "ade": float(ade.mean()), "fde": float(fde.mean()),
                                      "seconds": round(time.time() - t0, 1)}
            log(f"eval {solver} nfe {nfe}: minADE {ade.mean():.3f} minFDE {fde.mean():.3f} "
                f"(CV {cv_ade.mean():.3f}/{cv_fde.mean():.3f}) agents {len(ade)} {time.time() - t0:.0f}s")
    res["agents"] = int(len(cv_ade))
    res["windows"] = len(windows)
    return res


def git_commit():
    try:
        return subprocess.check_output(["git", "rev-parse", "HEAD"], text=True).strip()
    except Exception:
        return "unknown"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--fold", required=True, choices=list(D.FOLDS) + ["all"])
    ap.add_argument("--out", required=True, help="model folder to write, e.g. ../eth_ucy-eth")
    ap.add_argument("--data", default=os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "shared", "data"))
    ap.add_argument("--runs", default=os.path.join(os.path.dirname(__file__), "..", "runs"))
    ap.add_argument("--threads", type=int, default=2)
    for k, v in DEFAULTS.items():
        if isinstance(v, list):
            ap.add_argument("--" + k.replace("_", "-"), type=lambda s: [int(x) for x in s.split(",")], default=v)
        else:
            ap.add_argument("--" + k.replace("_", "-"), type=type(v), default=v)
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    cfg = {k: getattr(a, k) for k in DEFAULTS}
    name = os.path.basename(os.path.normpath(a.out))
    run_dir = os.path.join(a.runs, name)
    os.makedirs(run_dir, exist_ok=True)
    os.makedirs(a.out, exist_ok=True)
    log = Logger(os.path.join(run_dir, "train.log"))
    log(f"build {name} fold {a.fold} cfg {json.dumps(cfg)}")
    torch.manual_seed(cfg["seed"])
    T = cfg["observed"] + cfg["future"]

    train_files = D.fold_files(a.data, a.fold, "train")
    val_files = D.fold_files(a.data, a.fold, "val")
    tw = D.load_windows(train_files, T, cfg["pool"])
    vw = D.load_windows(val_files, T, cfg["pool"])
    vw_eval = [w for w in vw if w.start % cfg["eval_stride"] == 0]
    log(f"windows: train {len(tw)} val {len(vw)} (eval {len(vw_eval)})")
    wall = {}
    t_all = time.time()

    fs, wall["stage1"] = train_stage1(tw, cfg, run_dir, log)
    fit_latent_stats(fs, tw, cfg)
    recon = recon_error(fs, vw, cfg)
    log(f"first stage val reconstruction error {recon:.3f} m")

    t0 = time.time()
    items = augment_windows(tw, cfg, cfg["copies"], cfg["seed"] + 2, log)
    wall["latents"] = time.time() - t0
    if cfg["approximator"] == "slots":
        cfg["resvar"] = [round(v, 6) for v in residual_var(items, fs, cfg)]
        log(f"per-frame residual variance {cfg['resvar']}")
    approx, wall["stage2"] = train_stage2(items, fs, cfg, run_dir, log)
    del items

    t0 = time.time()
    fs.eval(); approx.eval()
    metrics = evaluate(fs, approx, vw_eval, cfg, log, solvers=("ddim",))
    metrics.update({k: v for k, v in evaluate(fs, approx, vw_eval, cfg, log, solvers=("euler",),
                                               nfes=[10]).items() if "@" in k})
    wall["eval"] = time.time() - t0
    wall["total"] = time.time() - t_all

    export_graphs(fs, approx, cfg, a.out)
    write_fixtures(fs, approx, cfg, a.out)
    torch.save({"cfg": cfg, "first_stage": fs.state_dict(), "approximator": approx.state_dict()},
               os.path.join(a.out, "weights.pt"))
    prov = {
        "data": "ETH/UCY (Social-GAN leave-one-scene-out splits, as staged in shared/data/eth_ucy)",
        "fold": a.fold,
        "train_files": [os.path.basename(p) for p in train_files],
        "val_files": [os.path.basename(p) for p in val_files],
        "train_windows": len(tw),
        "steps": {"stage1": cfg["steps1"], "stage2": cfg["steps2"]},
        "wall_s": {k: round(v, 1) for k, v in wall.items()},
        "params_first_stage": sum(p.numel() for p in fs.parameters()),
        "params_approximator": sum(p.numel() for p in approx.parameters()),
        "seed": cfg["seed"], "commit": git_commit(), "torch": torch.__version__,
        "machine": f"{platform.machine()} CPU, {os.cpu_count()} cores",
    }
    files = {k: {"path": f"{k}.onnx", "sha256": sha256(os.path.join(a.out, f"{k}.onnx"))}
             for k in ("encoder", "approximator", "decoder")}
    files["weights"] = {"path": "weights.pt", "sha256": sha256(os.path.join(a.out, "weights.pt"))}
    files["fixtures"] = {"path": "fixtures/fixtures.json", "sha256": sha256(os.path.join(a.out, "fixtures", "fixtures.json"))}
    manifest = {
        "format": "lamslide-model/1", "name": name, "domain": "pedestrian", "dims": 2,
        "id_pool": cfg["pool"], "latent": {"L": cfg["L"], "C": cfg["C"]},
        "frames": {"observed": cfg["observed"], "future": cfg["future"], "window": T, "min_observed": 1},
        "frame_interval": {"value": cfg["frame_interval"], "unit": "s"}, "length_unit": "m",
        "normalization": {"center": "last_observed_centroid", "scale": cfg["scale"]},
        "features": {"vocab": []},
        "interpolant": {"path": "gvp", "prediction": "data", "t0": cfg["t0"], "t1": cfg["t1"]},
        "sampler": {"default_nfe": cfg["default_nfe"], "default_solver": cfg["default_solver"],
                    "solvers": ["euler", "heun", "ddim"]},
        "files": files,
        "metrics": {"protocol": {"data": "val", "k": cfg["eval_k"], "window_stride": cfg["eval_stride"],
                                 "known_frames": cfg["observed"], "ids": "sequential in ascending source id",
                                 "unit": "m", "seed": cfg["seed"]},
                    "reconstruction_error_m": round(recon, 4), **metrics},
        "provenance": prov,
    }
    with open(os.path.join(a.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
    finalize(a.out, a.threads)
    log(f"done {name}: total {wall['total']:.0f}s")


if __name__ == "__main__":
    main()
