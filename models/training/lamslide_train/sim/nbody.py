"""The charged N-body system of NRI / EGNN / GeoTDM in 3-D, simulated by the project's own code.

Physics (../shared/data/nbody_charged/SOURCE.md gives every constant): 5 unit-mass particles with charges drawn
from {-1, +1} with equal probability; force on i is sum_j k q_i q_j (x_i - x_j) / |x_i - x_j|^3 with k = 1 (like
charges repel), each force component clipped to +-100; no walls (only the initial positions are folded back into the
box of +-5, as in the EGNN/GeoTDM generators). Initial positions ~ N(0, 1) per coordinate, initial velocities of
norm 0.5 in a uniformly random direction. Leapfrog with dt = 0.001: a first kick v += dt F(x0), then for step
i = 1 .. T-1: x += dt v; a frame (x, v) is saved when i is a multiple of 100; v += dt F(x). With T = 5000 steps that
saves 49 frames 0.1 time units apart (the initial state itself is not saved).

Every simulation draws from its own generator, seeded by (seed, split, index), so a set is the same whichever
batch size or order computes it. Command line (from models/training):
  python3 -m lamslide_train.sim.nbody --out cache/nbody
writes train.npz (3000), val.npz (256) and test.npz (2000) with loc/vel [S, 49, 5, 3] and charges [S, 5];
  python3 -m lamslide_train.sim.nbody --out cache/nbody --csv val,test --csv-frames 30
also writes every val and test simulation as a CSV scene (frames 0..29, the GeoTDM window) into
cache/nbody/{val,test}_csv30/, folders that `lamslide eval` and `python3 -m lamslide_train.evaluate` score.
"""
import argparse
import json
import os

import numpy as np

N_BALLS = 5
DT = 0.001
STEPS = 5000
SAMPLE_FREQ = 100
MAX_F = 0.1 / DT  # = 100, the clip of every force component
LOC_STD = 1.0
VEL_NORM = 0.5
BOX = 5.0
K_COULOMB = 1.0
FRAME_INTERVAL = SAMPLE_FREQ * DT  # 0.1 time units between saved frames

# split -> (simulations, split code mixed into the seed)
SPLITS = {"train": (3000, 1), "val": (256, 2), "test": (2000, 3)}
DEFAULT_SEED = 43


def forces(x, q):
    """x [S, n, 3], q [S, n] -> clipped Coulomb forces [S, n, 3] (unit masses)."""
    diff = x[:, :, None, :] - x[:, None, :, :]                      # x_i - x_j
    r2 = (diff ** 2).sum(-1)
    n = x.shape[1]
    eye = np.eye(n, dtype=bool)[None]
    with np.errstate(divide="ignore"):
        inv_r3 = np.where(eye, 0.0, 1.0 / np.where(eye, 1.0, r2) ** 1.5)
    size = K_COULOMB * q[:, :, None] * q[:, None, :] * inv_r3           # [S, n, n]
    f = (size[..., None] * diff).sum(axis=2)
    return np.clip(f, -MAX_F, MAX_F)


def energy(x, v, q):
    """Kinetic + Coulomb energy per simulation ([S]); the clip makes it only approximately conserved."""
    kin = 0.5 * (v ** 2).sum(axis=(1, 2))
    diff = x[:, :, None, :] - x[:, None, :, :]
    r = np.sqrt((diff ** 2).sum(-1))
    n = x.shape[1]
    iu = np.triu_indices(n, 1)
    pot = (K_COULOMB * q[:, :, None] * q[:, None, :] / np.where(r == 0, np.inf, r))[:, iu[0], iu[1]].sum(-1)
    return kin + pot


def fold_into_box(x, v):
    """Reflects positions beyond +-BOX back inside (velocity component flipped), applied to the initial state."""
    x, v = x.copy(), v.copy()
    over, under = x > BOX, x < -BOX
    x[over] = 2 * BOX - x[over]
    v[over] = -np.abs(v[over])
    x[under] = -2 * BOX - x[under]
    v[under] = np.abs(v[under])
    return x, v


def initial_states(seed, split_code, indices, n=N_BALLS):
    """Charges [S, n], positions and velocities [S, n, 3], each simulation from its own generator."""
    q = np.zeros((len(indices), n))
    x = np.zeros((len(indices), n, 3))
    v = np.zeros((len(indices), n, 3))
    for row, i in enumerate(indices):
        g = np.random.default_rng([seed, split_code, int(i)])
        q[row] = g.choice([-1.0, 1.0], size=n)
        x[row] = g.standard_normal((n, 3)) * LOC_STD
        d = g.standard_normal((n, 3))
        v[row] = d * (VEL_NORM / np.linalg.norm(d, axis=1, keepdims=True))
    x, v = fold_into_box(x, v)
    return q, x, v


def simulate(q, x0, v0, steps=STEPS, sample_freq=SAMPLE_FREQ, dt=DT):
    """Runs the leapfrog; returns saved positions and velocities [S, steps // sample_freq - 1, n, 3]."""
    saves = steps // sample_freq - 1
    S, n, _ = x0.shape
    loc = np.zeros((S, saves, n, 3))
    vel = np.zeros((S, saves, n, 3))
    x, v = x0.copy(), v0.copy()
    v += dt * forces(x, q)
    k = 0
    for i in range(1, steps):
        x += dt * v
        if i % sample_freq == 0 and k < saves:
            loc[:, k], vel[:, k] = x, v
            k += 1
        v += dt * forces(x, q)
    return loc, vel


def make_split(name, seed=DEFAULT_SEED, count=None, batch=500):
    total, code = SPLITS[name]
    total = total if count is None else count
    parts = []
    for s in range(0, total, batch):
        idx = np.arange(s, min(total, s + batch))
        q, x, v = initial_states(seed, code, idx)
        loc, vel = simulate(q, x, v)
        parts.append((loc.astype(np.float32), vel.astype(np.float32), q.astype(np.float32)))
    return {"loc": np.concatenate([p[0] for p in parts]), "vel": np.concatenate([p[1] for p in parts]),
            "charges": np.concatenate([p[2] for p in parts])}


def ensure_split(folder, name, seed=DEFAULT_SEED):
    """Path of <folder>/<name>.npz, simulating and writing it first when it is not there (atomically)."""
    path = os.path.join(folder, name + ".npz")
    if not os.path.exists(path):
        os.makedirs(folder, exist_ok=True)
        d = make_split(name, seed)
        np.savez_compressed(path + ".tmp.npz", **d, meta=np.array(json.dumps(
            {"seed": seed, "split": name, "dt": DT, "steps": STEPS, "sample_freq": SAMPLE_FREQ,
             "frame_interval": FRAME_INTERVAL, "n_balls": N_BALLS})))
        os.replace(path + ".tmp.npz", path)
    return path


def scene_csv(loc, charges, name="nbody", frames=None):
    """One simulation as the app's CSV scene (frame,id,x,y,z,charge), simulation units, 0.1 per frame."""
    f = loc.shape[0] if frames is None else frames
    lines = [f"# lamslide kind=nbody frame_interval={FRAME_INTERVAL:g} name={name}", "frame,id,x,y,z,charge"]
    for t in range(f):
        for i in range(loc.shape[1]):
            x, y, z = loc[t, i]
            lines.append(f"{t},{i},{x:.6f},{y:.6f},{z:.6f},{int(charges[i]):d}")
    return "\n".join(lines) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="cache/nbody")
    ap.add_argument("--seed", type=int, default=DEFAULT_SEED)
    ap.add_argument("--splits", default=",".join(SPLITS))
    ap.add_argument("--csv", default=None, help="also write every simulation of these splits as CSV scenes (e.g. val)")
    ap.add_argument("--csv-frames", type=int, default=None,
                    help="frames per CSV scene (default: all 49; 30 = the GeoTDM window, frames 0..29, so that "
                         "`lamslide eval` on the folder scores exactly that window of every simulation)")
    a = ap.parse_args(argv)
    os.makedirs(a.out, exist_ok=True)
    for name in a.splits.split(","):
        existed = os.path.exists(os.path.join(a.out, name + ".npz"))
        path = ensure_split(a.out, name, a.seed)
        if not existed:
            print(f"wrote {path}")
        if a.csv and name in a.csv.split(","):
            d = np.load(path)
            folder = os.path.join(a.out, name + "_csv" + (f"{a.csv_frames}" if a.csv_frames else ""))
            os.makedirs(folder, exist_ok=True)
            for s in range(d["loc"].shape[0]):
                with open(os.path.join(folder, f"{name}_{s:05d}.csv"), "w") as fh:
                    fh.write(scene_csv(d["loc"][s], d["charges"][s], name=f"{name}_{s:05d}", frames=a.csv_frames))
            print(f"wrote {d['loc'].shape[0]} CSV scenes to {folder}")


if __name__ == "__main__":
    main()
