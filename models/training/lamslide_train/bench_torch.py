"""PyTorch eager CPU timings of complete rollouts, for `lamslide bench` to print beside onnxruntime-web.

A rollout is what the TypeScript side times: encode the known frames, NFE approximator calls on a batch of K,
decode K x T frames. Prints one JSON object: {"nfe": {"1": ms, ...}, "n": {...}, "k": {...}, ...} (median ms).
"""
import argparse
import json
import statistics
import time

import numpy as np
import torch

from .stages.interpolant import sample_latents
from .stages.approximator import has_slot_graph
from .stages.preprocess import condition
from .stages.rollout import sample
from .weights import load_model


@torch.no_grad()
def one_rollout(fs, ap, cfg, n, k, nfe, rng, slots=False):
    """One rollout as the TypeScript sampler runs it: with `slots` (and a model that has the slot graph) the flow
    runs on the n occupied slots only (IDs 0..n-1 own the first n slots), else on the whole latent."""
    T, obs, L, C = cfg.T, cfg.observed, cfg.first_stage.L, cfg.first_stage.C
    pos = rng.normal(0, 0.5, (1, T, n, cfg.dims)).astype(np.float32)
    mask = np.ones((1, T, n), np.float32)
    ids = torch.arange(n, dtype=torch.int32)[None]
    feats = torch.zeros(1, n, dtype=torch.int32) if cfg.vocab else None
    cond, cmask, _ = condition(fs, pos, mask, ids, obs, obs, feats)
    noise = torch.randn(k, T, L, C)
    solver, t0, t1 = cfg.evaluation.default_solver, cfg.interpolant.t0, cfg.interpolant.t1
    if slots:
        x = sample(ap, noise, cond.expand(k, -1, -1, -1), cmask.expand(k, -1, -1), n, torch.ones(k, n), nfe, solver,
                   t0, t1)
    else:
        x = sample_latents(ap, noise, cond.expand(k, -1, -1, -1), cmask.expand(k, -1, -1), nfe, solver, t0, t1)
    return fs.decode(x.reshape(k * T, L, C), ids.expand(k * T, -1))


def median_ms(fn, repeats):
    fn()  # warm-up
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        ts.append((time.perf_counter() - t0) * 1000)
    return statistics.median(ts)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model", required=True)
    ap.add_argument("--k", type=int, default=20)
    ap.add_argument("--nfe", default="1,2,5,10,20")
    ap.add_argument("--n", default="8,16,32,64,96")
    ap.add_argument("--ks", default="1,5,10,20,40")
    ap.add_argument("--n0", type=int, default=16, help="entities for the NFE and K series")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--graph", choices=("slots", "full"), default="slots",
                    help="slots: the flow on the occupied slots, as the sampler runs a model with the slot graph")
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    fs, net, cfg = load_model(a.model)
    rng = np.random.default_rng(0)
    reps = 3 if a.quick else 7
    slots = a.graph == "slots" and has_slot_graph(net)
    out = {"torch": torch.__version__, "threads": a.threads, "n0": a.n0, "k0": a.k, "repeats": reps,
           "graph": "slots" if slots else "full", "nfe": {}, "n": {}, "k": {}}
    for nfe in [int(x) for x in a.nfe.split(",")]:
        out["nfe"][str(nfe)] = median_ms(lambda: one_rollout(fs, net, cfg, a.n0, a.k, nfe, rng, slots), reps)
    for n in [int(x) for x in a.n.split(",")]:
        out["n"][str(n)] = median_ms(lambda: one_rollout(fs, net, cfg, n, a.k, 10, rng, slots), reps)
    for k in [int(x) for x in a.ks.split(",")]:
        out["k"][str(k)] = median_ms(lambda: one_rollout(fs, net, cfg, a.n0, k, 10, rng, slots), reps)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
