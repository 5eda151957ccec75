"""ETH/UCY reading and windowing, following models/CONTRACT.md (windows over the sorted distinct frame ids)."""
import glob
import os
from dataclasses import dataclass

import numpy as np

FOLDS = ("eth", "hotel", "univ", "zara1", "zara2")


@dataclass
class Window:
    pos: np.ndarray      # [T, n, 2] metres (0 where absent)
    mask: np.ndarray     # [T, n] float32
    scored: np.ndarray   # [n] bool: present in all T frames
    source: str          # file name
    start: int           # window start index into the file's distinct frames


def read_ethucy(path: str):
    """Returns (frame_ids [F], ped_ids [A], pos [F, A, 2], present [F, A])."""
    raw = np.loadtxt(path, dtype=np.float64, ndmin=2)
    if raw.shape[1] < 4:
        raise ValueError(f"{path}: expected 4 columns (frame id x y)")
    frames = np.unique(raw[:, 0])
    peds = np.unique(raw[:, 1])
    fi = np.searchsorted(frames, raw[:, 0])
    pi = np.searchsorted(peds, raw[:, 1])
    pos = np.zeros((len(frames), len(peds), 2), np.float32)
    present = np.zeros((len(frames), len(peds)), bool)
    pos[fi, pi] = raw[:, 2:4]
    present[fi, pi] = True
    return frames, peds, pos, present


def windows_of_file(path: str, T: int = 20, max_entities: int = 96, need_scored: bool = True):
    frames, peds, pos, present = read_ethucy(path)
    out = []
    name = os.path.basename(path)
    for s in range(0, len(frames) - T + 1):
        pr = present[s:s + T]
        ent = np.nonzero(pr.any(axis=0))[0]  # ascending ped id order (peds is sorted)
        if len(ent) == 0 or len(ent) > max_entities:
            continue
        sc = pr[:, ent].all(axis=0)
        if need_scored and not sc.any():
            continue
        out.append(Window(pos[s:s + T][:, ent].copy(), pr[:, ent].astype(np.float32), sc, name, s))
    return out


def fold_files(data_root: str, fold: str, split: str):
    """Files of one fold's split; fold 'all' takes every recording once (the pieces repeat across folds)."""
    if fold == "all":
        seen = {}
        for f in FOLDS:
            for p in sorted(glob.glob(os.path.join(data_root, "eth_ucy", f, split, "*.txt"))):
                seen.setdefault(os.path.basename(p), p)
        return [seen[k] for k in sorted(seen)]
    files = sorted(glob.glob(os.path.join(data_root, "eth_ucy", fold, split, "*.txt")))
    if not files:
        raise FileNotFoundError(f"no files for fold {fold}/{split} under {data_root}/eth_ucy")
    return files


def load_windows(files, T=20, max_entities=96):
    ws = []
    for p in files:
        ws.extend(windows_of_file(p, T, max_entities))
    return ws


def normalise_window(w: Window, now: int, scale: float, angle: float = 0.0, jitter=(0.0, 0.0)):
    """Centre on the centroid of the entities present at `now`, rotate by `angle`, divide by `scale`."""
    m = w.mask[now] > 0
    c = w.pos[now][m].mean(axis=0) + np.asarray(jitter, np.float32)
    rel = w.pos - c
    if angle != 0.0:
        ca, sa = np.cos(angle), np.sin(angle)
        rot = np.array([[ca, -sa], [sa, ca]], np.float32)
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
