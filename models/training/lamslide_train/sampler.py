"""The GVP probability-flow sampler and the evaluation protocol of models/CONTRACT.md (PyTorch side)."""
import math

import numpy as np
import torch

from .data import fill_known
from .train import encode_frames, make_cond


def alpha_sigma(t):
    return math.sin(math.pi * t / 2), math.cos(math.pi * t / 2)


def d_alpha_sigma(t):
    return math.pi / 2 * math.cos(math.pi * t / 2), -math.pi / 2 * math.sin(math.pi * t / 2)


@torch.no_grad()
def sample_latents(approx, noise, cond, cmask, nfe, solver="ddim", t0=0.001, t1=0.999):
    """Integrates the probability-flow ODE from `noise` at t0 to t1; returns x at t1. cond/cmask already expanded."""
    B = noise.shape[0]

    def predict(x, t):
        return approx(x, torch.full((B,), t, dtype=torch.float32), cond, cmask)

    def velocity(x, t, x1):
        a, s = alpha_sigma(t)
        da, ds = d_alpha_sigma(t)
        x0 = (x - a * x1) / s
        return da * x1 + ds * x0

    x = noise
    steps = nfe // 2 if solver == "heun" else nfe
    if steps < 1:
        raise ValueError(f"NFE {nfe} too small for solver {solver}")
    grid = [t0 + (t1 - t0) * i / steps for i in range(steps + 1)]
    for i in range(steps):
        ta, tb = grid[i], grid[i + 1]
        x1 = predict(x, ta)
        if solver == "euler":
            x = x + (tb - ta) * velocity(x, ta, x1)
        elif solver == "ddim":
            a, s = alpha_sigma(ta)
            x0 = (x - a * x1) / s
            ab, sb = alpha_sigma(tb)
            x = ab * x1 + sb * x0
        elif solver == "heun":
            v1 = velocity(x, ta, x1)
            xp = x + (tb - ta) * v1
            v2 = velocity(xp, tb, predict(xp, tb))
            x = x + (tb - ta) * 0.5 * (v1 + v2)
        else:
            raise ValueError(f"unknown solver {solver}")
    return x


@torch.no_grad()
def condition(fs, pos_n, mask, ids, known_count, observed):
    """Conditioning of CONTRACT.md steps 5-6. pos_n [B,T,n,D], mask [B,T,n] numpy, ids [B,n] int32 tensor."""
    B, T = mask.shape[:2]
    known = np.zeros((B, T), np.float32)
    known[:, observed - known_count:observed] = 1
    pc, mc, seen = fill_known(pos_n, mask, known)
    z = encode_frames(fs, torch.from_numpy(pc), ids, torch.from_numpy(mc))
    cond, cmask = make_cond(z, torch.from_numpy(known))
    return cond, cmask, seen


def prepare_window(w, cfg, known):
    """Contract preprocessing with sequential ids 0..n-1; returns (pos_n [T,n,2], mask [T,n], ids [n], centre)."""
    now = cfg["observed"] - 1
    m = w.mask[now] > 0
    c = w.pos[now][m].mean(axis=0)
    pos_n = ((w.pos - c) / cfg["scale"] * w.mask[..., None]).astype(np.float32)
    return pos_n, w.mask.astype(np.float32), np.arange(w.pos.shape[1], dtype=np.int32), c.astype(np.float32)


@torch.no_grad()
def rollout_windows(fs, approx, windows, cfg, k, nfe, solver, seed, known=None):
    """Samples K futures of each window; returns a list of arrays [K, T, n, 2] in metres (all T frames decoded)."""
    T = cfg["observed"] + cfg["future"]
    obs = cfg["observed"]
    known = obs if known is None else known
    L, C = cfg["L"], cfg["C"]
    out = []
    chunk = 16
    for c0 in range(0, len(windows), chunk):
        ws = windows[c0:c0 + chunk]
        B = len(ws)
        n_max = max(w.pos.shape[1] for w in ws)
        pos = np.zeros((B, T, n_max, 2), np.float32)
        mask = np.zeros((B, T, n_max), np.float32)
        centres = np.zeros((B, 2), np.float32)
        for b, w in enumerate(ws):
            p, m, _, c = prepare_window(w, cfg, known)
            n = p.shape[1]
            pos[b, :, :n], mask[b, :, :n], centres[b] = p, m, c
        ids = torch.arange(n_max, dtype=torch.int32).repeat(B, 1)
        cond, cmask, _ = condition(fs, pos, mask, ids, known, obs)
        noise = torch.stack([
            torch.randn(k, T, L, C, generator=torch.Generator().manual_seed(seed * 100003 + c0 + b))
            for b in range(B)])  # [B,K,T,L,C]; depends on the seed and window only, never on NFE
        x = sample_latents(approx, noise.reshape(B * k, T, L, C), cond.repeat_interleave(k, 0),
                           cmask.repeat_interleave(k, 0), nfe, solver, cfg["t0"], cfg["t1"])
        dec = fs.decode(x.reshape(B * k * T, L, C), torch.arange(n_max, dtype=torch.int32).repeat(B * k * T, 1))
        dec = dec.reshape(B, k, T, n_max, 2).numpy() * cfg["scale"] + centres[:, None, None, None, :]
        for b, w in enumerate(ws):
            out.append(dec[b, :, :, :w.pos.shape[1]])
    return out


def min_ade_fde(samples, windows, obs):
    """Per scored agent: min over samples of mean future L2 (ADE) and of final L2 (FDE). Returns arrays."""
    ades, fdes = [], []
    for s, w in zip(samples, windows):
        sc = w.scored
        gt = w.pos[obs:, sc]                 # [F, a, 2]
        pr = s[:, obs:, sc]                  # [K, F, a, 2]
        err = np.linalg.norm(pr - gt[None], axis=-1)  # [K, F, a]
        ades.append(err.mean(axis=1).min(axis=0))
        fdes.append(err[:, -1].min(axis=0))
    return np.concatenate(ades), np.concatenate(fdes)


def constant_velocity(windows, obs):
    ades, fdes = [], []
    for w in windows:
        sc = w.scored
        p = w.pos[:, sc]
        v = p[obs - 1] - p[obs - 2]
        steps = np.arange(1, p.shape[0] - obs + 1, dtype=np.float32)[:, None, None]
        pred = p[obs - 1][None] + steps * v[None]
        err = np.linalg.norm(pred - p[obs:], axis=-1)
        ades.append(err.mean(axis=0))
        fdes.append(err[-1])
    return np.concatenate(ades), np.concatenate(fdes)
