"""Speed of long trajectories, for `lamslide bench --chain`: generated nanoseconds per wall-clock second of a
chained rollout in PyTorch eager (the model's weights) and of the reference MD engine (OpenMM, the ala2 reference
settings of sim/ala2.py) on the same machine, in the same run. Prints one JSON object.

The rollout is what the TypeScript side times: K = 1 sample, `frames` future frames in chained windows (each
conditioned on the last `observed` generated frames), the model's default solver and NFE unless given. Speed does
not depend on the coordinates, so the start is the model's fixture window (or random positions without one).

With --record the numbers go into the model's manifest (metrics.speed) and its card is rewritten, together with
onnxruntime-web numbers measured the same day (--wasm "onnxruntime-web WASM, Node, 1 thread=0.052": engine=ns/s,
from `lamslide bench --chain` and scripts/measure-peptide.ts), so the card shows all engines side by side.
"""
import argparse
import json
import os
import time

import numpy as np
import torch

from .stages.preprocess import Window
from .stages.rollout import chained_rollout
from .weights import load_model

TIME_NS = {"fs": 1e-6, "ps": 1e-3, "ns": 1.0}


def start_window(model_dir, cfg, n):
    fx = os.path.join(model_dir, "fixtures", "fixtures.json")
    feats = np.zeros(n, np.int32)
    pos = np.random.default_rng(0).normal(0, 1.0, (cfg.T, n, cfg.dims)).astype(np.float32)
    if os.path.exists(fx):
        with open(fx) as f:
            w = json.load(f).get("rollout", {}).get("window")
        if w and "pos" in w:
            p = np.asarray(w["pos"]["data"], np.float32).reshape(w["pos"]["shape"])
            pos, n = p, p.shape[1]
            feats = np.asarray(w["feats"]["data"], np.int32) if "feats" in w else np.zeros(n, np.int32)
    return Window(pos, np.ones(pos.shape[:2], np.float32), np.ones(pos.shape[1], bool), "bench", 0,
                  feats if cfg.vocab else None)


def torch_chain(model_dir, frames, nfe, threads, repeats):
    torch.set_num_threads(threads)
    fs, ap, cfg = load_model(model_dir)
    # the manifest's default, as the TypeScript side runs it (the config's default_nfe is only the build's guess
    # before the NFE sweep chose one)
    with open(os.path.join(model_dir, "manifest.json")) as f:
        nfe = nfe or json.load(f)["sampler"]["default_nfe"]
    w = start_window(model_dir, cfg, 22)
    n_windows = -(-frames // cfg.future)
    run = lambda: chained_rollout(fs, ap, [w], cfg, 1, n_windows, nfe, cfg.evaluation.default_solver, 1)
    run()  # warm-up
    ts = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        run()
        ts.append(time.perf_counter() - t0)
    s = float(np.median(ts))
    return {"threads": threads, "nfe": nfe, "frames": n_windows * cfg.future, "seconds": s}


def openmm_rate(ps, threads):
    """ns of the ala2 reference MD (sim/ala2.py settings) per wall-clock second on the CPU platform."""
    from openmm import unit
    from .sim import ala2
    top, positions = ala2.build_molecule()
    sim = ala2.make_simulation(top, 7, threads=threads)
    sim.context.setPositions(positions)
    sim.minimizeEnergy(maxIterations=200)
    sim.context.setVelocitiesToTemperature(ala2.TEMPERATURE_K * unit.kelvin, 7)
    steps = int(round(ps * 1000 / ala2.TIMESTEP_FS))
    sim.step(max(steps // 10, 1))  # warm-up
    t0 = time.perf_counter()
    sim.step(steps)
    s = time.perf_counter() - t0
    return {"threads": threads, "ps": ps, "seconds": s, "ns_per_s": ps * 1e-3 / s, "ns_per_day": ps * 1e-3 / s * 86400}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--model", required=True)
    ap.add_argument("--frames", type=int, default=200, help="generated frames per timed rollout")
    ap.add_argument("--nfe", type=int, default=0, help="default: the manifest's")
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--md-ps", type=float, default=20.0, help="picoseconds of OpenMM MD timed (0: skip)")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--record", action="store_true", help="write metrics.speed into the manifest, rewrite the card")
    ap.add_argument("--wasm", action="append", default=[], metavar="ENGINE=NS_PER_S",
                    help="an onnxruntime-web measurement to record beside (repeatable)")
    a = ap.parse_args(argv)
    wasm = []
    for item in a.wasm:
        engine, _, value = item.rpartition("=")
        try:
            rate = float(value)
        except ValueError:
            rate = float("nan")
        if not engine or not rate > 0:
            raise SystemExit(f"--wasm {item!r}: expected ENGINE=NS_PER_S with a positive rate")
        wasm.append({"engine": engine, "ns_per_s": rate})
    with open(os.path.join(a.model, "manifest.json")) as f:
        man = json.load(f)
    fi = man["frame_interval"]
    if fi["unit"] not in TIME_NS:
        raise SystemExit(f"{a.model}: frame interval unit {fi['unit']!r} is not a molecular time unit (fs, ps, ns)")
    dt_ns = fi["value"] * TIME_NS[fi["unit"]]
    out = {"torch": torch.__version__, "frame_interval_ns": dt_ns, "rollout": [], "md": None}
    for th in [int(x) for x in a.threads.split(",")]:
        r = torch_chain(a.model, a.frames, a.nfe, th, 1 if a.quick else 3)
        r["ns_per_s"] = r["frames"] * dt_ns / r["seconds"]
        out["rollout"].append(r)
    if a.md_ps > 0:
        out["md"] = openmm_rate(a.md_ps / (4 if a.quick else 1), 1)
    print(json.dumps(out))
    if a.record:
        record(a.model, man, out, wasm, a.frames)


def record(model_dir, man, out, wasm, frames):
    from . import cards
    rows = list(wasm)
    rows += [{"engine": f"PyTorch eager, {r['threads']} thread{'s' if r['threads'] > 1 else ''}",
              "ns_per_s": r["ns_per_s"]} for r in out["rollout"]]
    if out["md"]:
        rows.append({"engine": "OpenMM CPU, 1 thread: the reference MD itself (amber14 + GBn2, 2 fs steps)",
                     "ns_per_s": out["md"]["ns_per_s"]})
    man.setdefault("metrics", {})["speed"] = {
        "rows": rows, "frames": frames, "nfe": out["rollout"][0]["nfe"] if out["rollout"] else None,
        "note": "one sample of chained windows; measured on this 2-core machine in one session (lamslide bench "
                "--chain, scripts/measure-peptide.ts, lamslide_train.bench_md), other jobs running"}
    with open(os.path.join(model_dir, "manifest.json"), "w") as f:
        json.dump(man, f, indent=2)
    cards.write_card(model_dir, man, cards.load_config(torch.load(os.path.join(model_dir, "weights.pt"))["cfg"]))


if __name__ == "__main__":
    main()
