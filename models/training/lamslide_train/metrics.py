"""Trajectory metrics over K samples and the baselines (models/CONTRACT.md, evaluation protocols).

protocol "min" (pedestrians, basketball): per scored entity, the smallest over the K samples of the mean L2 error
over the future frames (ADE) and of the final-frame error (FDE). protocol "mean" (molecules, N-body): the same
errors averaged over the K samples. Every function returns per-entity arrays over all windows (concatenated), so
averaging them gives the reported numbers.
"""
import numpy as np

PROTOCOLS = ("min", "mean")


def ade_fde(samples, windows, obs, protocol="min"):
    """samples: list of [K, T, n, D] (all T frames decoded, as rollout_windows returns), windows: their Windows."""
    if protocol not in PROTOCOLS:
        raise ValueError(f"unknown metrics protocol {protocol!r} (min, mean)")
    reduce = np.min if protocol == "min" else np.mean
    ades, fdes = [], []
    for s, w in zip(samples, windows):
        sc = w.scored
        gt = w.pos[obs:, sc]                          # [F, a, D]
        pr = s[:, obs:, sc]                           # [K, F, a, D]
        err = np.linalg.norm(pr - gt[None], axis=-1)  # [K, F, a]
        ades.append(reduce(err.mean(axis=1), axis=0))
        fdes.append(reduce(err[:, -1], axis=0))
    return np.concatenate(ades), np.concatenate(fdes)


def _baseline(windows, obs, predict):
    ades, fdes = [], []
    for w in windows:
        p = w.pos[:, w.scored]
        pred = predict(p, p.shape[0] - obs)
        err = np.linalg.norm(pred - p[obs:], axis=-1)
        ades.append(err.mean(axis=0))
        fdes.append(err[-1])
    return np.concatenate(ades), np.concatenate(fdes)


def constant_velocity(windows, obs):
    """velocity = pos[now] - pos[now - 1], extrapolated linearly."""
    def predict(p, fut):
        v = p[obs - 1] - p[obs - 2]
        steps = np.arange(1, fut + 1, dtype=np.float32)[:, None, None]
        return p[obs - 1][None] + steps * v[None]
    return _baseline(windows, obs, predict)


def frozen(windows, obs):
    """The last known frame repeated."""
    return _baseline(windows, obs, lambda p, fut: np.repeat(p[obs - 1][None], fut, axis=0))


def part_means(ade, fde, labels):
    """{part: {"ade", "fde"}} of per-entity errors (as ade_fde returns them) grouped by a label per entity (the part
    of its window: basketball's scenarios)."""
    return {p: {"ade": float(ade[labels == p].mean()), "fde": float(fde[labels == p].mean())}
            for p in sorted(set(labels.tolist()))}


BASELINES = {"constant velocity": constant_velocity, "frozen": frozen}
