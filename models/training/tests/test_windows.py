"""Data windows and the contract's preprocessing: ETH/UCY windows from ../shared/data against an independent
reading of the text file, the fold rule, centring and scaling, and the fill of the known frames."""
import os

import numpy as np
import pytest

from lamslide_train.domains.pedestrian import DOMAIN, FOLDS, PedestrianConfig, fold_files, windows_of_file
from lamslide_train.stages.preprocess import Window, fill_known, normalise_window, prepare_window, random_rotation


def reference_windows(path, T, pool):
    """The contract's windowing written plainly from the text lines: {start: (entity ids, frames x entities)}."""
    rows = []
    with open(path) as f:
        for line in f:
            if line.strip():
                fr, pid, x, y = line.split()
                rows.append((float(fr), float(pid), float(x), float(y)))
    frames = sorted({r[0] for r in rows})
    at = {}
    for fr, pid, x, y in rows:
        at.setdefault(fr, {})[pid] = (x, y)
    out = {}
    for s in range(len(frames) - T + 1):
        win = [at[fr] for fr in frames[s:s + T]]
        ents = sorted(set().union(*win))
        scored = [e for e in ents if all(e in w for w in win)]
        if ents and len(ents) <= pool and scored:
            out[s] = (ents, win, scored)
    return out


def test_windows_match_an_independent_reading(data_root):
    path = os.path.join(data_root, "eth_ucy", "eth", "val", "uni_examples_val.txt")
    T, pool = 20, 96
    ref = reference_windows(path, T, pool)
    ws = windows_of_file(path, T, pool)
    assert len(ws) == len(ref) > 40
    for w in ws:
        ents, win, scored = ref[w.start]
        assert w.pos.shape == (T, len(ents), 2) and w.mask.shape == (T, len(ents)) and w.feats is None
        assert w.source == "uni_examples_val.txt"
        for f in range(T):
            for j, e in enumerate(ents):
                if e in win[f]:
                    assert w.mask[f, j] == 1
                    assert tuple(w.pos[f, j]) == pytest.approx(win[f][e], abs=1e-6)
                else:
                    assert w.mask[f, j] == 0 and (w.pos[f, j] == 0).all()
        assert [ents[j] for j in np.nonzero(w.scored)[0]] == scored


def test_pool_limit_skips_crowded_windows(data_root):
    path = os.path.join(data_root, "eth_ucy", "eth", "val", "students001_val.txt")
    full = windows_of_file(path, 20, 96)
    small = windows_of_file(path, 20, 10)
    assert len(small) < len(full)
    assert all(w.pos.shape[1] <= 10 for w in small)
    assert {w.start for w in small} == {w.start for w in full if w.pos.shape[1] <= 10}


def test_fold_files_keep_the_test_scene_out(data_root):
    held_out = {"eth": ["biwi_eth"], "hotel": ["biwi_hotel"], "univ": ["students001", "students003"],
                "zara1": ["crowds_zara01"], "zara2": ["crowds_zara02"]}
    for fold in FOLDS:
        for split in ("train", "val"):
            names = [os.path.basename(p) for p in fold_files(data_root, fold, split)]
            assert names and not any(n.startswith(h) for n in names for h in held_out[fold])
    every = [os.path.basename(p) for p in fold_files(data_root, "all", "train")]
    assert len(every) == len(set(every)) == 8  # each recording once


def test_pedestrian_datasets_follow_the_config(data_root):
    cfg = PedestrianConfig().replace(**{"data.fold": "zara2", "evaluation.stride": 25})
    ds = DOMAIN.datasets(cfg, data_root)
    assert ds.provenance["fold"] == "zara2" and ds.provenance["train_windows"] == len(ds.train)
    assert all(w.start % 25 == 0 for w in ds.eval) and len(ds.eval) < len(ds.val)
    assert not any("zara02" in w.source for w in ds.train + ds.val)
    with pytest.raises(ValueError, match="data.fold: choose one of"):
        DOMAIN.datasets(PedestrianConfig(), data_root)


def window(pos, mask):
    pos, mask = np.asarray(pos, np.float32), np.asarray(mask, np.float32)
    return Window(pos * mask[..., None], mask, mask.all(axis=0), "made-up", 0)


def test_centring_on_the_now_centroid_and_scaling():
    rng = np.random.default_rng(0)
    pos = rng.normal(3, 2, (6, 4, 2))
    mask = np.ones((6, 4))
    mask[4, 3] = 0  # absent at "now": not part of the centroid
    mask[0, 1] = 0
    w = window(pos, mask)
    pn, c = normalise_window(w, 4, 2.5)
    assert c == pytest.approx(w.pos[4, :3].mean(axis=0), abs=1e-6)
    assert pn[4, :3].mean(axis=0) == pytest.approx([0, 0], abs=1e-6)
    assert pn[0, 1].tolist() == [0, 0] and pn[4, 3].tolist() == [0, 0]
    assert pn[2, 2] == pytest.approx((w.pos[2, 2] - c) / 2.5, abs=1e-6)
    pn2, mask2, ids, c2 = prepare_window(w, 5, 2.5)
    assert (pn2 == pn).all() and (c2 == c).all() and ids.tolist() == [0, 1, 2, 3] and (mask2 == w.mask).all()


@pytest.mark.parametrize("d", [2, 3])
def test_random_rotations_are_rotations(d):
    rng = np.random.default_rng(1)
    for _ in range(20):
        r = random_rotation(rng, d).astype(np.float64)
        assert r.shape == (d, d)
        assert r @ r.T == pytest.approx(np.eye(d), abs=1e-6)
        assert np.linalg.det(r) == pytest.approx(1.0, abs=1e-6)


def test_fill_of_the_known_frames():
    # T = 7, known frames 2..4 (3 known, observed = 5); entities:
    # 0 always present; 1 appears at frame 3 (filled back to 2); 2 present at 2 and 4, not 3 (filled forward);
    # 3 only before the known frames (never seen: dropped); 4 only after them (never seen: dropped);
    # 5 leaves after frame 2 (filled forward to 3 and 4)
    T, n = 7, 6
    pos = np.arange(T * n * 2, dtype=np.float32).reshape(1, T, n, 2) + 1
    mask = np.zeros((1, T, n), np.float32)
    mask[0, :, 0] = 1
    mask[0, 3:, 1] = 1
    mask[0, [0, 1, 2, 4, 5], 2] = 1
    mask[0, :2, 3] = 1
    mask[0, 5:, 4] = 1
    mask[0, :3, 5] = 1
    known = np.zeros((1, T), np.float32)
    known[0, 2:5] = 1
    pc, mc, seen = fill_known(pos * mask[..., None], mask, known)
    assert seen[0].tolist() == [True, True, True, False, False, True]
    # present exactly on the known frames for the seen entities, nowhere else
    want = np.zeros((T, n))
    want[2:5, [0, 1, 2, 5]] = 1
    assert (mc[0] == want).all()
    assert (pc[0][want == 0] == 0).all()
    p = pos[0]
    assert (pc[0, 2:5, 0] == p[2:5, 0]).all()
    assert (pc[0, 2, 1] == p[3, 1]).all() and (pc[0, 3:5, 1] == p[3:5, 1]).all()     # backward fill
    assert (pc[0, 3, 2] == p[2, 2]).all() and (pc[0, 4, 2] == p[4, 2]).all()         # forward fill first
    assert (pc[0, 3, 5] == p[2, 5]).all() and (pc[0, 4, 5] == p[2, 5]).all()
