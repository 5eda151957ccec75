"""The basketball adapter: the SportVU reader and its errors, windows (entities, scored players, the group feature,
strides, the pool), the score/train tarball extraction, the per-scenario metrics of the build's evaluation, and the
SOURCE.md counts on the staged data (skipped where it is not staged). The play simulator of the demo scene too."""
import io
import os
import tarfile

import numpy as np
import pytest
import torch

from conftest import DATA
from lamslide_train.build import evaluate
from lamslide_train.domains import DataError, get_domain
from lamslide_train.domains.basketball import (BasketballConfig, extract_score_train, read_sportvu, scenario_files,
                                               windows_of_file)
from lamslide_train.metrics import constant_velocity
from lamslide_train.sim import basketball as play
from lamslide_train.stages.approximator import make_approximator
from lamslide_train.stages.first_stage import make_first_stage
from lamslide_train.stages.training import Logger

DOMAIN = get_domain("basketball")


def write_play(path, frames=30, seed=0):
    pos, ids = play.simulate(frames, seed)
    path.write_text(play.sportvu_text(pos, ids))
    return pos, ids


def test_defaults_are_the_socialvae_setting():
    cfg = BasketballConfig().validate()
    assert (cfg.dims, cfg.observed, cfg.future, cfg.frame_interval) == (2, 8, 12, 0.12)
    assert cfg.features.key == "group" and cfg.vocab == ["PLAYER", "BALL"]
    assert cfg.evaluation.k == 20 and DOMAIN.protocol == "min" and DOMAIN.baselines == ("constant velocity",)
    assert (DOMAIN.length_unit, DOMAIN.time_unit) == ("ft", "s")
    assert cfg.training.augment == "reflection" and cfg.first_stage.pool >= 11


def test_reader_orders_agents_and_keeps_groups(tmp_path):
    p = tmp_path / "play.txt"
    pos, ids = write_play(p)
    fids, aids, xy, present, groups = read_sportvu(str(p))
    assert fids.tolist() == [12 * f for f in range(30)]
    assert aids.tolist() == sorted(ids.tolist()) and aids[0] == -1
    assert groups == ["BALL"] + ["PLAYER"] * 10 and present.all()
    order = np.argsort(ids)
    assert np.abs(xy - pos[:, order]).max() < 1e-5


@pytest.mark.parametrize("text, message", [
    ("0 1 1.0 2.0\n", "expected 5 columns 'frame agent x y group', got 4"),
    ("0 1 1.0 2.0 PLAYER extra\n", "got 6"),
    ("0 1 a 2.0 PLAYER\n", ":1: not a number"),
    ("0 1 1.0 nan PLAYER\n", "must be finite"),
    ("0 1 1.0 2.0 PLAYER\n12 1 1.0 2.0 BALL\n", ":2: agent 1 has group BALL, earlier PLAYER"),
    ("\n", "no rows"),
])
def test_reader_errors_name_the_line(tmp_path, text, message):
    p = tmp_path / "bad.txt"
    p.write_text(text)
    with pytest.raises(DataError, match=message):
        read_sportvu(str(p))


def test_unknown_group_is_refused(tmp_path):
    p = tmp_path / "ref.txt"
    p.write_text("".join(f"{12 * f} 1 {f}.0 2.0 REFEREE\n" for f in range(20)))
    with pytest.raises(DataError, match="entity 0 has group 'REFEREE', not in the vocabulary"):
        windows_of_file(str(p), BasketballConfig())


def test_windows_score_players_only(tmp_path):
    cfg = BasketballConfig()
    p = tmp_path / "play.txt"
    write_play(p, frames=30)
    ws = windows_of_file(str(p), cfg, 1, "rebound")
    assert [w.start for w in ws] == list(range(11))
    w = ws[3]
    assert w.pos.shape == (20, 11, 2) and w.source == "rebound/play.txt" and DOMAIN.part_of(w) == "rebound"
    assert w.feats.tolist() == [1] + [0] * 10            # BALL = 1, PLAYER = 0; the ball (id -1) first
    assert w.scored.tolist() == [False] + [True] * 10    # the ball is context only
    assert [w.start for w in windows_of_file(str(p), cfg, 4)] == [0, 4, 8]
    assert DOMAIN.part_of(windows_of_file(str(p), cfg)[0]) is None


def test_substitution_windows_and_the_pool(tmp_path):
    """A player leaves and another enters: windows spanning the change hold 12 agents, the two are not scored."""
    pos, ids = play.simulate(30, 1)
    lines = []
    for f in range(30):
        for i, a in enumerate(ids):
            a = 99 if (a == 12 and f >= 15) else a
            lines.append(f"{12 * f} {a} {pos[f, i, 0]:.4f} {pos[f, i, 1]:.4f} {'BALL' if a == -1 else 'PLAYER'}")
    p = tmp_path / "sub.txt"
    p.write_text("\n".join(lines))
    ws = windows_of_file(str(p), BasketballConfig())
    assert {w.pos.shape[1] for w in ws} == {12}
    assert all(int(w.scored.sum()) == 9 for w in ws)
    assert windows_of_file(str(p), BasketballConfig().replace(**{"first_stage.pool": 11, "first_stage.id_dim": 11,
                                                                 "first_stage.L": 11})) == []


def test_score_train_is_extracted_once_outside_the_data(tmp_path):
    root = tmp_path / "data"
    (root / "nba" / "score").mkdir(parents=True)
    with tarfile.open(root / "nba" / "score" / "train.tar.xz", "w:xz") as tar:
        for name in ("train/a.txt", "train/b.txt", "../evil.txt"):
            body = b"0 -1 1.0 2.0 BALL\n"
            info = tarfile.TarInfo(name)
            info.size = len(body)
            tar.addfile(info, io.BytesIO(body))
    cache = tmp_path / "cache"
    folder = extract_score_train(str(root), str(cache))
    assert sorted(os.listdir(folder)) == ["a.txt", "b.txt"] and folder.startswith(str(cache))
    assert not (tmp_path / "evil.txt").exists() and not (cache / "evil.txt").exists()
    os.remove(os.path.join(folder, "b.txt"))
    assert extract_score_train(str(root), str(cache)) == folder and os.listdir(folder) == ["a.txt"]  # not again
    with pytest.raises(DataError, match="train.tar.xz: missing"):
        extract_score_train(str(tmp_path / "nowhere"), str(tmp_path / "c2"))


def test_evaluation_reports_each_scenario(tmp_path):
    cfg = BasketballConfig().replace(**{"approximator.hidden": 16, "approximator.heads": 2, "approximator.depth": 1,
                                        "approximator.pair_messages": 2, "evaluation.k": 2}).validate()
    ws = []
    for i, part in enumerate(("rebound", "score", "score")):
        p = tmp_path / f"{part}{i}.txt"
        write_play(p, frames=22, seed=i)
        ws += windows_of_file(str(p), cfg, 1, part)
    torch.manual_seed(0)
    fs, ap = make_first_stage(cfg).eval(), make_approximator(cfg).eval()
    fs.z_sd.fill_(1.0)
    res = evaluate(fs, ap, ws, cfg, DOMAIN, Logger(str(tmp_path / "log")), nfes=[1])
    assert set(res["parts"]) == {"rebound", "score"}
    assert res["parts"]["rebound"]["windows"] == 3 and res["parts"]["score"]["players"] == 6 * 10
    cv = constant_velocity([w for w in ws if w.source.startswith("score")], cfg.observed)
    assert np.isclose(res["parts"]["score"]["baselines"]["constant velocity"]["ade"], cv[0].mean())
    run = res["ddim@1"]
    both = (run["parts"]["rebound"]["ade"] * 30 + run["parts"]["score"]["ade"] * 60) / 90
    assert np.isclose(run["ade"], both, rtol=1e-5) and res["players"] == 90


def test_the_play_simulator_is_a_plausible_possession():
    pos, ids = play.simulate(120, 3)
    assert pos.shape == (120, 11, 2) and ids[0] == -1 and len(set(ids.tolist())) == 11
    assert pos[..., 0].min() >= 0 and pos[..., 0].max() <= 94 and pos[..., 1].min() >= 0 and pos[..., 1].max() <= 50
    speed = np.linalg.norm(np.diff(pos, axis=0), axis=-1) / play.DT
    assert speed[:, 1:].max() <= play.PLAYER_VMAX + 1e-6 and 2 < speed[:, 1:].mean() < 10   # ft/s, as NBA players
    assert speed[:, 0].max() <= play.BALL_SPEED + 1e-6 and speed[:, 0].max() > 30           # at least one pass
    assert np.array_equal(play.simulate(120, 3)[0], pos)                                   # seeded
    assert np.linalg.norm(pos[:, 0] - play.BASKET, axis=-1).min() < 1.0                     # the shot reaches the rim


@pytest.fixture
def nba_root():
    if not os.path.isdir(os.path.join(DATA, "nba", "rebound", "val")):
        pytest.skip(f"NBA data not staged at {DATA}/nba (set LAMSLIDE_DATA)")
    return DATA


def test_staged_val_sets_have_the_source_counts(nba_root, tmp_path):
    """SOURCE.md: rebound/val holds 1,868 twenty-frame windows; every window scores its 10 players."""
    cfg = BasketballConfig()
    files = scenario_files(nba_root, str(tmp_path), "rebound", "val")
    assert len(files) == 375
    ws = [w for f in files for w in windows_of_file(f, cfg, 1, "rebound")]
    assert len(ws) == 1868 and sum(int(w.scored.sum()) for w in ws) == 18680
    a, f = constant_velocity(ws[:200], cfg.observed)
    assert 0.5 < a.mean() < 5 and f.mean() > a.mean()   # feet over 1.44 s
