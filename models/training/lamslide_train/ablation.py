"""Does a model use its entity features? Re-runs its protocol on its own val windows with the features changed.

  python3 -m lamslide_train.ablation --model ../nbody-charged [--nfe N] [--k K] [--record]

Prints one JSON object with the protocol's ADE/FDE for the features as given ("as given"), with the vocabulary
reversed for every entity ("swapped": for the charge vocabulary -1, 1 that is q -> -q for every particle, which
leaves Coulomb dynamics unchanged, so a model that learned the physics scores the same), and with each window's
features permuted among its entities ("shuffled", seeded: the dynamics the model is told about are not the ones
that happened, so a model that uses the features scores worse). `--record` stores the object in the manifest
(metrics.ablation) and rewrites the card, which then shows it.
"""
import argparse
import dataclasses
import json
import os

import numpy as np
import torch

from .cards import finalize
from .domains import get_domain
from .metrics import ade_fde
from .stages.rollout import rollout_windows
from .weights import load_model


def changed(windows, mode, F, seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for w in windows:
        f = w.feats
        if mode == "swapped":
            f = (F - 1 - f).astype(np.int32)
        elif mode == "shuffled":
            f = f[rng.permutation(len(f))]
        out.append(dataclasses.replace(w, feats=f))
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--data", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..",
                                                   "shared", "data"))
    ap.add_argument("--nfe", type=int, default=None, help="default: the manifest's default NFE")
    ap.add_argument("--k", type=int, default=None, help="default: the model's evaluation K")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--record", action="store_true", help="store the result in manifest.json and rewrite card.md")
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    fs, net, cfg = load_model(a.model)
    if not cfg.vocab:
        raise SystemExit(f"{a.model}: the model has no feature vocabulary")
    with open(os.path.join(a.model, "manifest.json")) as f:
        man = json.load(f)
    nfe = a.nfe or man["sampler"]["default_nfe"]
    k = a.k or cfg.evaluation.k
    domain = get_domain(cfg.domain)
    ws = domain.datasets(cfg, a.data).eval
    res = {"model": os.path.basename(os.path.normpath(a.model)), "nfe": nfe, "k": k, "windows": len(ws),
           "protocol": domain.protocol}
    for mode in ("as given", "swapped", "shuffled"):
        cw = changed(ws, mode, len(cfg.vocab))
        s = rollout_windows(fs, net, cw, cfg, k, nfe, "ddim", cfg.training.seed)
        ade, fde = ade_fde(s, cw, cfg.observed, domain.protocol)
        res[mode] = {"ade": round(float(ade.mean()), 4), "fde": round(float(fde.mean()), 4)}
    print(json.dumps(res))
    if a.record:
        man["metrics"]["ablation"] = res
        with open(os.path.join(a.model, "manifest.json"), "w") as f:
            json.dump(man, f, indent=2)
        finalize(a.model, man["provenance"].get("threads", 1))


if __name__ == "__main__":
    main()
