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


def spread_skill(samples, windows):
    """Per scored entity at the last frame: the spread of the K samples (mean distance to their own mean) and the
    skill of that mean (its distance to the truth). K draws from the true distribution give a mean ratio of spread to
    skill of about sqrt((K - 1) / (K + 1)) (isotropic Gaussian: 0.95 for K = 20); well below it the samples are too
    tight, so best-of-K misses, well above it they are too wide."""
    spread, skill = [], []
    for s, w in zip(samples, windows):
        fin = s[:, -1, w.scored]                     # [K, a, D]
        mu = fin.mean(axis=0)
        spread.append(np.linalg.norm(fin - mu[None], axis=-1).mean(axis=0))
        skill.append(np.linalg.norm(mu - w.pos[-1, w.scored], axis=-1))
    return np.concatenate(spread), np.concatenate(skill)


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


# ------------------------------------------------------------------------------ geometry (molecules)

def angle_triples(bonds) -> np.ndarray:
    """(i, j, k) index triples of the bond angles of a bond list [B, 2]: j bonded to both i and k, i < k."""
    nb = {}
    for a, b in np.asarray(bonds).reshape(-1, 2):
        nb.setdefault(int(a), set()).add(int(b))
        nb.setdefault(int(b), set()).add(int(a))
    out = [(i, j, k) for j in sorted(nb) for i in sorted(nb[j]) for k in sorted(nb[j]) if i < k]
    return np.array(out, np.int64).reshape(-1, 3)


def bond_lengths(pos, bonds) -> np.ndarray:
    """pos [..., n, 3], bonds [B, 2] -> [..., B]."""
    b = np.asarray(bonds).reshape(-1, 2)
    return np.linalg.norm(pos[..., b[:, 0], :] - pos[..., b[:, 1], :], axis=-1)


def bond_angles(pos, triples) -> np.ndarray:
    """pos [..., n, 3], triples [A, 3] -> angles at the middle atom in degrees [..., A]."""
    u = pos[..., triples[:, 0], :] - pos[..., triples[:, 1], :]
    v = pos[..., triples[:, 2], :] - pos[..., triples[:, 1], :]
    cos = (u * v).sum(-1) / np.maximum(np.linalg.norm(u, axis=-1) * np.linalg.norm(v, axis=-1), 1e-12)
    return np.degrees(np.arccos(np.clip(cos, -1.0, 1.0)))


# Histogram bins of the distribution metrics; values outside the range count in the first or last bin, so a
# broken bond still moves the distance.
BOND_BINS = np.linspace(0.8, 2.0, 121)     # Å, 0.01 Å wide
ANGLE_BINS = np.linspace(0.0, 180.0, 91)   # degrees, 2° wide


def histogram(values, bins) -> np.ndarray:
    v = np.clip(np.asarray(values, np.float64).reshape(-1), bins[0], bins[-1])
    return np.histogram(v, bins=bins)[0].astype(np.float64)


def js_distance(p, q) -> float:
    """Jensen-Shannon distance (base 2, in [0, 1]) between two histograms (counts, normalised here)."""
    p = np.asarray(p, np.float64) / max(np.sum(p), 1e-300)
    q = np.asarray(q, np.float64) / max(np.sum(q), 1e-300)
    m = 0.5 * (p + q)

    def kl(a):
        nz = a > 0
        return float(np.sum(a[nz] * np.log2(a[nz] / m[nz])))
    return float(np.sqrt(max(0.0, 0.5 * kl(p) + 0.5 * kl(q))))


# a bond is kept while its length stays within ±15 % of the reference (the stability measure of the molecule cards)
BOND_TOL = 0.15


def bond_deviation(traj, bonds, ref_lengths) -> np.ndarray:
    """traj [S, F, n, 3]: |length / reference length - 1| of every bond in every frame, [S, F, B]."""
    return np.abs(bond_lengths(traj, bonds) / np.asarray(ref_lengths)[None, None] - 1.0)


def bonds_kept(dev, tol=BOND_TOL) -> np.ndarray:
    """dev [S, F, B] (bond_deviation of S rollouts): per rollout, whether every bond stays within ±tol of its
    reference length in every frame."""
    return (np.asarray(dev) <= tol).all(axis=(1, 2))
