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

from .sampler import condition, sample_latents
from .train import make_approximator, make_first_stage


def _tensor(t):
    dt = torch.int32 if t["dtype"] == "int32" else torch.float32
    return torch.tensor(t["data"], dtype=dt).reshape(t["shape"])


@torch.no_grad()
def check_against_fixtures(model_dir, fs, ap, tol=1e-4):
    """The network code must still be the code the model was exported from: replay the approximator and decoder
    fixtures (a changed nets.py would otherwise time or score different networks under the same name)."""
    with open(f"{model_dir}/fixtures/fixtures.json") as f:
        fx = json.load(f)
    for name, fn, out in (("approximator", ap, "x1_pred"), ("decoder", fs.decode, "pos")):
        inp = {k: _tensor(v) for k, v in fx[name]["inputs"].items()}
        got = fn(*inp.values())
        ref = _tensor(fx[name]["outputs"][out])
        rel = float((got - ref).norm() / ref.norm().clamp(min=1e-12))
        if rel > tol:
            raise RuntimeError(f"{model_dir}: the PyTorch {name} differs from its fixture by {rel:.2e} (relative L2): "
                               "the training code changed since this model was exported; rebuild it")


def load_model(model_dir):
    w = torch.load(f"{model_dir}/weights.pt")
    cfg = w["cfg"]
    fs = make_first_stage(cfg)
    fs.load_state_dict(w["first_stage"])
    ap = make_approximator(cfg)
    ap.load_state_dict(w["approximator"])
    fs, ap = fs.eval(), ap.eval()
    check_against_fixtures(model_dir, fs, ap)
    return fs, ap, cfg


@torch.no_grad()
def one_rollout(fs, ap, cfg, n, k, nfe, rng):
    T, obs, L, C = cfg["observed"] + cfg["future"], cfg["observed"], cfg["L"], cfg["C"]
    pos = rng.normal(0, 0.5, (1, T, n, 2)).astype(np.float32)
    mask = np.ones((1, T, n), np.float32)
    ids = torch.arange(n, dtype=torch.int32)[None]
    cond, cmask, _ = condition(fs, pos, mask, ids, obs, obs)
    noise = torch.randn(k, T, L, C)
    x = sample_latents(ap, noise, cond.expand(k, -1, -1, -1), cmask.expand(k, -1, -1), nfe, cfg["default_solver"],
                       cfg["t0"], cfg["t1"])
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
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    fs, net, cfg = load_model(a.model)
    rng = np.random.default_rng(0)
    reps = 3 if a.quick else 7
    out = {"torch": torch.__version__, "threads": a.threads, "n0": a.n0, "k0": a.k, "repeats": reps,
           "nfe": {}, "n": {}, "k": {}}
    for nfe in [int(x) for x in a.nfe.split(",")]:
        out["nfe"][str(nfe)] = median_ms(lambda: one_rollout(fs, net, cfg, a.n0, a.k, nfe, rng), reps)
    for n in [int(x) for x in a.n.split(",")]:
        out["n"][str(n)] = median_ms(lambda: one_rollout(fs, net, cfg, n, a.k, 10, rng), reps)
    for k in [int(x) for x in a.ks.split(",")]:
        out["k"][str(k)] = median_ms(lambda: one_rollout(fs, net, cfg, a.n0, k, 10, rng), reps)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
