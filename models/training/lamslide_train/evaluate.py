"""Evaluates a built model on data files with its domain's protocol (models/CONTRACT.md); prints one JSON object.

  python3 -m lamslide_train.evaluate --model ../eth_ucy-eth --data FILE_OR_FOLDER [...] [--nfe 10] [--k 20]
"""
import argparse
import json
import os

import numpy as np
import torch

from .domains import domain_of
from .metrics import BASELINES, ade_fde, part_means
from .stages.rollout import rollout_windows
from .weights import load_model


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model", required=True)
    ap.add_argument("--data", required=True, nargs="+")
    ap.add_argument("--k", type=int, default=20)
    ap.add_argument("--nfe", type=int, default=10)
    ap.add_argument("--solver", default="ddim")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--stride", type=int, default=None, help="window stride (default: the model's evaluation stride)")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    fs, net, cfg = load_model(a.model)
    domain = domain_of(cfg)
    stride = a.stride or cfg.evaluation.stride
    ws = [w for w in domain.windows_of_paths(cfg, a.data) if w.start % stride == 0]
    s = rollout_windows(fs, net, ws, cfg, a.k, a.nfe, a.solver, a.seed)
    ade, fde = ade_fde(s, ws, cfg.observed, domain.protocol)
    bases = {n: BASELINES[n](ws, cfg.observed) for n in domain.baselines}
    first = bases[domain.baselines[0]]
    parts = [domain.part_of(w) for w in ws]
    by_part = {}
    if any(p is not None for p in parts):  # basketball: also per scenario (the folder name: rebound, score)
        labels = np.repeat(np.array([str(p) for p in parts]), [int(w.scored.sum()) for w in ws])
        by_part = {p: {**v, "samples": int((labels == p).sum()),
                       "baselines": {n: part_means(*b, labels)[p] for n, b in bases.items()}}
                   for p, v in part_means(ade, fde, labels).items()}
    print(json.dumps({"model": os.path.basename(os.path.normpath(a.model)), "k": a.k, "nfe": a.nfe, "solver": a.solver,
                      "protocol": domain.protocol, "stride": stride, "windows": len(ws), "samples": int(len(ade)),
                      "ade": float(ade.mean()), "fde": float(fde.mean()),
                      "baseline": {"ade": float(first[0].mean()), "fde": float(first[1].mean())},
                      "baselines": {n: {"ade": float(v[0].mean()), "fde": float(v[1].mean())}
                                    for n, v in bases.items()}, **({"parts": by_part} if by_part else {})}))


if __name__ == "__main__":
    main()
