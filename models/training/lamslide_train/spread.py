"""Spread of a pedestrian model's K samples against the truth (issue #12: best-of-K rewards spread).

  python3 -m lamslide_train.spread --model ../eth_ucy-eth [--scales 1,1.2,1.4] [--nfe 10] [--data-root DIR]

On every window of the model's val files (stride 1, ten times the card's every-10th windows; K = evaluation.k,
ddim, agents present in all frames, seed 0), for each noise scale (the starting noise multiplied by it, a sampling
temperature; 1 is how every shipped number is sampled): minADE / minFDE and, at the last frame, the samples' spread
about their mean beside that mean's distance to the truth (metrics.spread_skill). A ratio well below sqrt((K - 1) / (K + 1))
means the samples are too tight for best-of-K, and a scale above 1 would be worth measuring on the
leave-one-recording-out proxy; a ratio near it, with minADE rising as the scale grows, means they are not.
"""
import argparse
import json
import os
import time

import torch

from .domains import get_domain
from .metrics import ade_fde, spread_skill
from .stages.rollout import rollout_windows
from .weights import load_model


def measure(fs, ap, cfg, windows, scales, nfe, log=print):
    rows = []
    for sc in scales:
        t0 = time.time()
        s = rollout_windows(fs, ap, windows, cfg, cfg.evaluation.k, nfe, "ddim", cfg.training.seed, noise_scale=sc)
        ade, fde = ade_fde(s, windows, cfg.observed, "min")
        spread, skill = spread_skill(s, windows)
        rows.append({"scale": sc, "ade": float(ade.mean()), "fde": float(fde.mean()), "spread": float(spread.mean()),
                     "skill": float(skill.mean()), "ratio": float(spread.mean() / skill.mean()),
                     "agents": int(len(ade)), "seconds": round(time.time() - t0, 1)})
        log(f"scale {sc:g}: minADE {ade.mean():.3f} minFDE {fde.mean():.3f} spread {spread.mean():.3f} "
            f"skill {skill.mean():.3f} ratio {rows[-1]['ratio']:.3f} ({rows[-1]['seconds']:.0f}s)")
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, help="a pedestrian model folder (weights.pt, fixtures)")
    ap.add_argument("--scales", default="1,1.2,1.4", help="comma-separated noise scales (each > 0)")
    ap.add_argument("--nfe", type=int, default=0, help="ddim steps (default: the model's default NFE)")
    ap.add_argument("--data-root", default=os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "shared",
                                                       "data"))
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of lines")
    a = ap.parse_args(argv)
    try:
        scales = [float(x) for x in a.scales.split(",") if x]
    except ValueError:
        raise SystemExit(f"--scales: expected numbers separated by commas, got {a.scales!r}")
    if not scales or min(scales) <= 0:
        raise SystemExit(f"--scales: every scale must be > 0, got {a.scales!r}")
    torch.set_num_threads(a.threads)
    fs, model, cfg = load_model(a.model)
    if cfg.domain != "pedestrian":
        raise SystemExit(f"{a.model}: a {cfg.domain} model; the spread probe scores best-of-K pedestrian models")
    windows = get_domain("pedestrian").datasets(cfg, a.data_root).val
    nfe = a.nfe or cfg.evaluation.default_nfe
    rows = measure(fs, model, cfg, windows, scales, nfe, log=(lambda *_: None) if a.json else print)
    if a.json:
        print(json.dumps({"model": os.path.basename(os.path.abspath(a.model)), "nfe": nfe, "k": cfg.evaluation.k,
                          "rows": rows}))


if __name__ == "__main__":
    main()
