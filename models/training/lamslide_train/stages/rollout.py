"""Sampling K futures of windows with the PyTorch models (evaluation, fixtures, bench): preprocess, condition,
integrate the flow, decode every frame with the window's IDs."""
import numpy as np
import torch

from .approximator import has_slot_graph
from .interpolant import sample_latents
from .preprocess import condition, prepare_window


class GatheredSlots(torch.nn.Module):
    """The slot graph's computation behind the full graph's call signature, for sample_latents: x and cond are the
    gathered slots [B, T, n, W], `occupied` [B, n] says which hold an entity."""

    def __init__(self, approx, occupied):
        super().__init__()
        self.approx, self.occ = approx, occupied

    def forward(self, x, t, cond, frame_mask):
        return self.approx.forward_slots(x, t, cond, frame_mask, self.occ)


def sample(approx, noise, cond, cmask, n, occupied, nfe, solver, t0, t1):
    """sample_latents for windows whose entities hold IDs 0..n-1: with the slot approximator only those n slots
    are integrated (as the TypeScript sampler's slot graph does; the noise is the same, gathered) and put back
    into a latent whose other slots are 0; any other approximator integrates the whole latent."""
    if not has_slot_graph(approx):
        return sample_latents(approx, noise, cond, cmask, nfe, solver, t0, t1)
    B, T, L, C = noise.shape
    E, W = approx.E, approx.W

    def gather(z):
        return z.reshape(z.shape[0], T, E, W)[:, :, :n]
    xs = sample_latents(GatheredSlots(approx, occupied), gather(noise), gather(cond), cmask[:, :, 0], nfe, solver,
                        t0, t1)
    x = torch.zeros(B, T, E, W)
    x[:, :, :n] = xs
    return x.reshape(B, T, L, C)


def window_feats(ws, n_max):
    """feats [B, n_max] int32 tensor of a batch of windows (padding: index 0), or None without a vocabulary."""
    if ws[0].feats is None:
        return None
    out = np.zeros((len(ws), n_max), np.int32)
    for b, w in enumerate(ws):
        out[b, :len(w.feats)] = w.feats
    return torch.from_numpy(out)


@torch.no_grad()
def rollout_windows(fs, approx, windows, cfg, k, nfe, solver, seed, known=None, chunk=16, noise_scale=1.0):
    """Samples K futures of each window; returns a list of arrays [K, T, n, D] in the domain's length unit (all T
    frames decoded). IDs are 0..n-1 in window order; the noise depends on the seed and window only, never on NFE.
    `noise_scale` multiplies the starting noise (a sampling temperature, for the spread probe only: every shipped
    number samples at 1)."""
    T, obs, D = cfg.T, cfg.observed, cfg.dims
    known = obs if known is None else known
    L, C = cfg.first_stage.L, cfg.first_stage.C
    out = []
    for c0 in range(0, len(windows), chunk):
        ws = windows[c0:c0 + chunk]
        B = len(ws)
        n_max = max(w.pos.shape[1] for w in ws)
        pos = np.zeros((B, T, n_max, D), np.float32)
        mask = np.zeros((B, T, n_max), np.float32)
        centres = np.zeros((B, D), np.float32)
        for b, w in enumerate(ws):
            p, m, _, c = prepare_window(w, obs, cfg.scale)
            n = p.shape[1]
            pos[b, :, :n], mask[b, :, :n], centres[b] = p, m, c
        ids = torch.arange(n_max, dtype=torch.int32).repeat(B, 1)
        cond, cmask, seen = condition(fs, pos, mask, ids, known, obs, window_feats(ws, n_max))
        noise = torch.stack([
            torch.randn(k, T, L, C, generator=torch.Generator().manual_seed(seed * 100003 + c0 + b))
            for b in range(B)])  # [B,K,T,L,C]
        occ = torch.as_tensor(np.asarray(seen, np.float32)).repeat_interleave(k, 0)
        x = sample(approx, noise.reshape(B * k, T, L, C) * noise_scale, cond.repeat_interleave(k, 0),
                   cmask.repeat_interleave(k, 0), n_max, occ, nfe, solver, cfg.interpolant.t0, cfg.interpolant.t1)
        dec = fs.decode(x.reshape(B * k * T, L, C), torch.arange(n_max, dtype=torch.int32).repeat(B * k * T, 1))
        dec = dec.reshape(B, k, T, n_max, D).numpy() * cfg.scale + centres[:, None, None, None, :]
        for b, w in enumerate(ws):
            out.append(dec[b, :, :, :w.pos.shape[1]])
    return out


@torch.no_grad()
def chained_rollout(fs, approx, windows, cfg, k, n_windows, nfe, solver, seed, chunk=64):
    """K chained rollouts of each window (CONTRACT.md, clarification 10): window 1 is conditioned on the window's
    `observed` known frames; window j + 1 on the last `observed` frames of window j's sample (generated after the
    first), re-centred on their centroid at the new "now", with fresh noise. Every entity present in the known
    frames is sampled throughout (IDs 0..n-1). Returns a list of arrays [K, observed + n_windows * future, n, D]."""
    obs, fut, T, D = cfg.observed, cfg.future, cfg.T, cfg.dims
    L, C = cfg.first_stage.L, cfg.first_stage.C
    rows = [(w, s) for w in windows for s in range(k)]  # one row per (window, sample)
    out = []
    for c0 in range(0, len(rows), chunk):
        part = rows[c0:c0 + chunk]
        R = len(part)
        n_max = max(w.pos.shape[1] for w, _ in part)
        hist = np.zeros((R, obs + n_windows * fut, n_max, D), np.float32)
        present = np.zeros((R, n_max), np.float32)
        for r, (w, _) in enumerate(part):
            n = w.pos.shape[1]
            hist[r, :obs, :n] = w.pos[:obs]
            present[r, :n] = w.mask[:obs].max(axis=0)
        feats = window_feats([w for w, _ in part], n_max)
        ids = torch.arange(n_max, dtype=torch.int32).repeat(R, 1)
        for j in range(n_windows):
            known = hist[:, j * fut:j * fut + obs]
            mask = np.zeros((R, T, n_max), np.float32)
            mask[:, :obs] = present[:, None]
            centre = (known[:, obs - 1] * present[..., None]).sum(1) / present.sum(1, keepdims=True)
            pos = np.zeros((R, T, n_max, D), np.float32)
            pos[:, :obs] = (known - centre[:, None, None]) / cfg.scale * mask[:, :obs, :, None]
            cond, cmask, _ = condition(fs, pos, mask, ids, obs, obs, feats)
            noise = torch.stack([torch.randn(T, L, C, generator=torch.Generator().manual_seed(
                seed * 100003 + (c0 + r) * 1009 + j)) for r in range(R)])
            x = sample(approx, noise, cond, cmask, n_max, torch.from_numpy(present), nfe, solver, cfg.interpolant.t0,
                       cfg.interpolant.t1)
            dec = fs.decode(x[:, obs:].reshape(R * fut, L, C), ids.repeat_interleave(fut, 0)).reshape(R, fut, n_max, D)
            hist[:, obs + j * fut:obs + (j + 1) * fut] = dec.numpy() * cfg.scale + centre[:, None, None]
        for r, (w, s) in enumerate(part):
            if s == 0:
                out.append(np.zeros((k,) + hist.shape[1:2] + (w.pos.shape[1], D), np.float32))
            out[-1][s] = hist[r, :, :w.pos.shape[1]]
    return out
