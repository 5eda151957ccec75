"""Evaluates a built model on ETH/UCY files with the protocol of models/CONTRACT.md; prints one JSON object.

  python3 -m lamslide_train.evaluate --model ../eth_ucy-eth --data FILE_OR_FOLDER [...] [--nfe 10] [--k 20]
"""
import argparse
import glob
import json
import os

import torch

from . import data as D
from .bench_torch import load_model
from .sampler import constant_velocity, min_ade_fde, rollout_windows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model", required=True)
    ap.add_argument("--data", required=True, nargs="+")
    ap.add_argument("--k", type=int, default=20)
    ap.add_argument("--nfe", type=int, default=10)
    ap.add_argument("--solver", default="ddim")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--stride", type=int, default=None, help="window stride (default: the manifest's protocol)")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    fs, net, cfg = load_model(a.model)
    stride = a.stride or cfg["eval_stride"]
    files = []
    for d in a.data:
        files += sorted(glob.glob(os.path.join(d, "*.txt"))) if os.path.isdir(d) else [d]
    T = cfg["observed"] + cfg["future"]
    ws = [w for w in D.load_windows(files, T, cfg["pool"]) if w.start % stride == 0]
    cfg = dict(cfg, eval_k=a.k)
    s = rollout_windows(fs, net, ws, cfg, a.k, a.nfe, a.solver, a.seed)
    ade, fde = min_ade_fde(s, ws, cfg["observed"])
    cva, cvf = constant_velocity(ws, cfg["observed"])
    print(json.dumps({"model": os.path.basename(os.path.normpath(a.model)), "k": a.k, "nfe": a.nfe, "solver": a.solver,
                      "stride": stride, "windows": len(ws), "samples": int(len(ade)), "ade": float(ade.mean()),
                      "fde": float(fde.mean()), "baseline": {"ade": float(cva.mean()), "fde": float(cvf.mean())}}))


if __name__ == "__main__":
    main()
