"""Windows and the contract's preprocessing (models/CONTRACT.md, "Preprocessing"), shared by every domain:
centring on the "now" centroid, scaling, the conditioning view of the known frames (fill), encoding and cond."""
from dataclasses import dataclass

import numpy as np
import torch


@dataclass
class Window:
    """T consecutive frames of one scene, as a domain adapter delivers them."""
    pos: np.ndarray      # [T, n, D] in the domain's length unit (0 where absent)
    mask: np.ndarray     # [T, n] float32
    scored: np.ndarray   # [n] bool: the entities the metrics score (pedestrians: present in all T frames)
    source: str          # file or system name
    start: int           # window start index into the source's frames
    feats: np.ndarray | None = None  # [n] int32 indices into the model's feature vocabulary; None without one


def random_rotation(rng: np.random.Generator, d: int) -> np.ndarray:
    """A uniformly random rotation [d, d] float32 (d = 2: one angle; d = 3: QR of a Gaussian matrix, det +1)."""
    if d == 2:
        angle = rng.uniform(0, 2 * np.pi)
        ca, sa = np.cos(angle), np.sin(angle)
        return np.array([[ca, -sa], [sa, ca]], np.float32)
    q, r = np.linalg.qr(rng.normal(size=(d, d)))
    q = q * np.sign(np.diag(r))
    if np.linalg.det(q) < 0:
        q[:, 0] = -q[:, 0]
    return q.astype(np.float32)


def random_reflection(rng: np.random.Generator, d: int) -> np.ndarray:
    """diag(+-1, ..., +-1) [d, d] float32, each axis flipped with probability 1/2."""
    return np.diag(rng.choice([-1.0, 1.0], size=d)).astype(np.float32)


def normalise_window(w: Window, now: int, scale: float, rot=None, jitter=None):
    """Centre on the centroid of the entities present at `now` (plus `jitter`), rotate by `rot` [D, D], divide by
    `scale`; absent entries stay 0. Returns (pos_n [T,n,D] float32, centre [D] float32)."""
    m = w.mask[now] > 0
    c = w.pos[now][m].mean(axis=0)
    if jitter is not None:
        c = c + np.asarray(jitter, np.float32)
    rel = w.pos - c
    if rot is not None:
        rel = rel @ rot.T
    rel = rel / scale * w.mask[..., None]
    return rel.astype(np.float32), c.astype(np.float32)


def fill_known(pos, mask, known):
    """Conditioning view of the known frames (CONTRACT.md, preprocessing step 5).

    pos [B,T,n,D], mask [B,T,n], known [B,T] (0/1, one contiguous run). Every entity seen in at least one known frame
    is made present in all known frames, its position taken from the nearest known frame where it was seen (earlier
    frames first, then later ones); entities never seen in a known frame are dropped. Outside the known frames the
    result is zero. Returns (pos_c, mask_c, seen [B,n]).
    """
    B, T, n, _ = pos.shape
    km = mask * known[:, :, None]
    seen = km.max(axis=1) > 0
    pc = np.where(km[..., None] > 0, pos, 0.0).astype(np.float32)
    have = km > 0
    # forward fill, then backward fill, inside the known frames only
    for f in range(1, T):
        take = known[:, f, None].astype(bool) & ~have[:, f] & have[:, f - 1] & known[:, f - 1, None].astype(bool)
        pc[:, f][take] = pc[:, f - 1][take]
        have[:, f] |= take
    for f in range(T - 2, -1, -1):
        take = known[:, f, None].astype(bool) & ~have[:, f] & have[:, f + 1] & known[:, f + 1, None].astype(bool)
        pc[:, f][take] = pc[:, f + 1][take]
        have[:, f] |= take
    mc = (have & seen[:, None, :] & (known[:, :, None] > 0)).astype(np.float32)
    return pc * mc[..., None], mc, seen


@torch.no_grad()
def encode_frames(fs, pos, ids, mask, feats=None):
    """pos [B,T,n,D], ids [B,n], mask [B,T,n], feats [B,n] or None -> latents [B,T,L,C]."""
    B, T, n, D = pos.shape
    f = None if feats is None else feats.repeat_interleave(T, 0)
    z = fs.encode(pos.reshape(B * T, n, D), ids.repeat_interleave(T, 0), mask.reshape(B * T, n), f)
    return z.reshape(B, T, fs.L, fs.C)


def make_cond(z, known):
    """cond = z on known frames, the mean of the known latents elsewhere; cond_mask per (frame, latent)."""
    kw = known[:, :, None, None]
    mean = (z * kw).sum(1, keepdim=True) / kw.sum(1, keepdim=True).clamp(min=1)
    cond = z * kw + mean * (1 - kw)
    cmask = known[:, :, None].expand(-1, -1, z.shape[2]).to(torch.int32)
    return cond, cmask


@torch.no_grad()
def condition(fs, pos_n, mask, ids, known_count, observed, feats=None):
    """Conditioning of CONTRACT.md steps 5-6. pos_n [B,T,n,D], mask [B,T,n] numpy, ids [B,n] int32 tensor,
    feats [B,n] int32 tensor or None. Returns (cond [B,T,L,C], cond_mask [B,T,L], seen [B,n])."""
    B, T = mask.shape[:2]
    known = np.zeros((B, T), np.float32)
    known[:, observed - known_count:observed] = 1
    pc, mc, seen = fill_known(pos_n, mask, known)
    z = encode_frames(fs, torch.from_numpy(pc), ids, torch.from_numpy(mc), feats)
    cond, cmask = make_cond(z, torch.from_numpy(known))
    return cond, cmask, seen


def prepare_window(w: Window, observed: int, scale: float):
    """Contract preprocessing with sequential ids 0..n-1; returns (pos_n [T,n,D], mask [T,n], ids [n], centre [D])."""
    pos_n, c = normalise_window(w, observed - 1, scale)
    return pos_n, w.mask.astype(np.float32), np.arange(w.pos.shape[1], dtype=np.int32), c
