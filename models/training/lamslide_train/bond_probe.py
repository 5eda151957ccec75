"""How long a molecule model's chained samples stay molecules, on the probe windows (the unseen molecules'
trajectories that the card's numbers leave out), for choosing a recipe:

  python3 -m lamslide_train.bond_probe DIR [DIR ...] [--windows 10] [--nfe 1] [--starts 12] [--threads 1]

For each model, one start per (unseen molecule, temperature) of the probe trajectories (the first --starts), two
samples each, chained over --windows windows (each conditioned on the last known-frame count of generated frames):
per window the median over rollouts of the largest relative bond deviation from the reference length (the mean over
the reference MD, as in the card's Stability), and the fraction of rollouts that keep every bond within 15 % over
all the windows. One JSON line per model.
"""
import argparse
import json
import os

import numpy as np
import torch

from . import metrics
from .domains import molecule as mol
from .stages.rollout import chained_rollout
from .weights import load_model


def bond_probe(model_dir, windows, nfe, starts, seed=5):
    fs, approx, cfg = load_model(model_dir, check=False)
    refs = mol.unseen_references(cfg)
    probe = mol.unseen_windows(cfg, proxy=True)
    first = mol.first_of_each_file(probe)[:starts]
    rolls = chained_rollout(fs, approx.eval(), first, cfg, 2, windows, nfe, "ddim", seed)
    per, kept = [], []
    for w, r in zip(first, rolls):
        ref = refs[mol.source_key(w)]
        dev = metrics.bond_deviation(r[:, cfg.observed:], ref.bonds, ref.ref_lengths)  # [K, F, B]
        per.append(dev.max(-1).reshape(dev.shape[0], windows, cfg.future).max(-1))                 # [K, windows]
        kept.append(metrics.bonds_kept(dev))
    d = np.concatenate(per)
    return {"model": os.path.normpath(model_dir), "nfe": nfe, "rollouts": int(len(d)), "windows": windows,
            "median_max_deviation_per_window": [round(float(x), 4) for x in np.median(d, 0)],
            "kept_fraction": float(np.concatenate(kept).mean())}


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python3 -m lamslide_train.bond_probe", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("models", nargs="+", metavar="DIR")
    ap.add_argument("--windows", type=int, default=10)
    ap.add_argument("--nfe", type=int, default=1)
    ap.add_argument("--starts", type=int, default=12)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    for d in a.models:
        print(json.dumps(bond_probe(d, a.windows, a.nfe, a.starts)), flush=True)


if __name__ == "__main__":
    main()
