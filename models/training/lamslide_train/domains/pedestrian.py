"""Pedestrians: ETH/UCY (Social-GAN leave-one-scene-out splits in shared/data/eth_ucy), 2-D, metres, 0.4 s frames,
minADE/minFDE over K = 20 (models/CONTRACT.md, "Evaluation protocol")."""
import glob
import os
from dataclasses import dataclass, field

import numpy as np

from .. import cardtext
from ..config import (ApproximatorConfig, EvaluationConfig, FeaturesConfig, FirstStageConfig, InterpolantConfig,
                      ModelConfig, TrainingConfig)
from ..stages.preprocess import Window
from .base import DataError, Datasets, Domain

FOLDS = ("eth", "hotel", "univ", "zara1", "zara2")


@dataclass
class PedestrianData:
    # "all": every recording's train split; a fold: only that fold's train/ (numbers on its val/).
    # "" = not recorded (configs stored before the data choice was part of the config)
    fold: str = field(default="", metadata={"choices": ("",) + FOLDS + ("all",), "required": True})
    # leave-one-recording-out (lamslide_train.loro): a recording of the fold (file name without _train/_val.txt)
    # left out of training; its train and val files together become the evaluation windows. "" = none
    holdout: str = ""


@dataclass
class PedestrianConfig(ModelConfig):
    """The six shipped ETH/UCY models' recipe (the defaults; their weights.pt store exactly these values)."""
    domain: str = "pedestrian"
    dims: int = 2
    observed: int = 8
    future: int = 12
    frame_interval: float = 0.4
    scale: float = 5.0
    features: FeaturesConfig = field(default_factory=FeaturesConfig)
    interpolant: InterpolantConfig = field(default_factory=lambda: InterpolantConfig(t0=0.001, t1=0.999))
    first_stage: FirstStageConfig = field(default_factory=lambda: FirstStageConfig(
        kind="binding", id_table="slots", pool=96, id_dim=128, L=4, C=64, hidden=64, heads=4, enc_layers=1,
        dec_layers=1))
    approximator: ApproximatorConfig = field(default_factory=lambda: ApproximatorConfig(
        kind="slots", hidden=128, depth=2, heads=4, smooth_basis=2, smooth_weighted=True))
    training: TrainingConfig = field(default_factory=lambda: TrainingConfig(
        seed=0, batch1=96, steps1=800, lr1=2e-3, ema1=0.999, batch2=48, steps2=1500, lr2=1e-3, ema=0.995, flow_w=0.1,
        aux=1.0, copies=6, jitter=0.3))
    evaluation: EvaluationConfig = field(default_factory=lambda: EvaluationConfig(
        stride=10, k=20, nfe=[1, 2, 5, 10, 20], default_nfe=10, default_solver="ddim"))
    data: PedestrianData = field(default_factory=PedestrianData)


# Flat configs (weights.pt of models built before config.py) that lack a key were built before that option existed,
# with this behaviour.
LEGACY = {"smooth_weighted": 0, "smooth_basis": 0, "approximator": "transformer", "id_table": "orthogonal"}


# ------------------------------------------------------------------------------------------------- ETH/UCY files

def read_ethucy(path: str):
    """Returns (frame_ids [F], ped_ids [A], pos [F, A, 2], present [F, A])."""
    try:
        raw = np.loadtxt(path, dtype=np.float64, ndmin=2)
    except ValueError as e:
        raise DataError(f"{path}: not a 'frame id x y' table ({e})") from None
    if raw.shape[1] < 4:
        raise DataError(f"{path}: expected 4 columns (frame id x y), got {raw.shape[1]}")
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
    """Every window of T consecutive distinct frame ids (stride 1). Entities: present in any window frame, in
    ascending pedestrian id; scored: present in all T. Windows with more entities than the pool are skipped, and
    (need_scored) windows without a scored entity."""
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
        if not seen:
            raise DataError(f"no ETH/UCY files for split {split} under {data_root}/eth_ucy")
        return [seen[k] for k in sorted(seen)]
    files = sorted(glob.glob(os.path.join(data_root, "eth_ucy", fold, split, "*.txt")))
    if not files:
        raise DataError(f"no files for fold {fold}/{split} under {data_root}/eth_ucy")
    return files


def recording_of(path: str) -> str:
    """The recording a split file belongs to: its name without _train.txt / _val.txt / .txt."""
    name = os.path.basename(path)
    for tail in ("_train.txt", "_val.txt", "_test.txt", ".txt"):
        if name.endswith(tail):
            return name[:-len(tail)]
    return name


def recordings_of(paths) -> list:
    return sorted({recording_of(p) for p in paths})


def load_windows(files, T=20, max_entities=96):
    ws = []
    for p in files:
        ws.extend(windows_of_file(p, T, max_entities))
    return ws


# ------------------------------------------------------------------------------------------------- the adapter

class PedestrianDomain(Domain):
    name = "pedestrian"
    config_class = PedestrianConfig
    length_unit = "m"
    time_unit = "s"
    protocol = "min"
    baselines = ("constant velocity",)
    scored_name = "agents"

    def load_config(self, d, where="config"):
        if isinstance(d, dict) and "format" not in d:  # flat: built before config.py
            return PedestrianConfig.from_flat(d, LEGACY, where)
        return PedestrianConfig.from_dict(d, where)

    def datasets(self, cfg, data_root):
        fold = cfg.data.fold
        if fold not in FOLDS + ("all",):
            raise DataError(f"data.fold: choose one of {', '.join(FOLDS + ('all',))} (got {fold!r})")
        train_files = fold_files(data_root, fold, "train")
        val_files = fold_files(data_root, fold, "val")
        holdout = cfg.data.holdout
        if holdout:
            names = recordings_of(train_files + val_files)
            if holdout not in names:
                raise DataError(f"data.holdout: {holdout!r} is not a recording of fold {fold} "
                                f"(its recordings: {', '.join(names)})")
            # the held-out recording's train and val files are the evaluation; the others' train files train
            val_files = [p for p in train_files + val_files if recording_of(p) == holdout]
            train_files = [p for p in train_files if recording_of(p) != holdout]
        pool = cfg.first_stage.pool
        tw = load_windows(train_files, cfg.T, pool)
        vw = load_windows(val_files, cfg.T, pool)
        ev = [w for w in vw if w.start % cfg.evaluation.stride == 0]
        prov = {"data": "ETH/UCY (Social-GAN leave-one-scene-out splits, as staged in shared/data/eth_ucy)",
                "fold": fold, "train_files": [os.path.basename(p) for p in train_files],
                "val_files": [os.path.basename(p) for p in val_files], "train_windows": len(tw)}
        if holdout:
            prov["holdout"] = holdout
        return Datasets(tw, vw, ev, prov)

    def windows_of_paths(self, cfg, paths):
        files = []
        for d in paths:
            files += sorted(glob.glob(os.path.join(d, "*.txt"))) if os.path.isdir(d) else [d]
        if not files:
            raise DataError(f"no ETH/UCY files in {', '.join(paths)}")
        return load_windows(files, cfg.T, cfg.first_stage.pool)

    def metrics_protocol(self, cfg):
        e = cfg.evaluation
        return {"data": "val", "rule": self.protocol, "k": e.k, "window_stride": e.stride,
                "known_frames": cfg.observed, "ids": "sequential in ascending source id", "unit": self.length_unit,
                "seed": cfg.training.seed}

    def rebuild_command(self, man, cfg):
        fold = man["provenance"]["fold"]
        flags = cardtext.rebuild_flags(cfg, PedestrianConfig(), skip=("fold",))
        return (f"cd models/training && /usr/bin/python3 -m lamslide_train.build --fold {fold} --out ../{man['name']} "
                f"--threads 1{flags}")

    def card(self, man, cfg):
        name, me, p = man["name"], man["metrics"], man["provenance"]
        fold = p["fold"]
        base = me["baseline"]
        rows = [f"| {v['solver']} | {v['nfe']} | {v['ade']:.3f} | {v['fde']:.3f} | "
                f"{(v['ade'] / base['ade'] - 1) * 100:+.0f}% | {v['seconds']} |"
                for v in me.values() if isinstance(v, dict) and "nfe" in v and "solver" in v]
        ddim = sorted((v for v in me.values() if isinstance(v, dict) and v.get("solver") == "ddim"),
                      key=lambda v: v["nfe"])
        ok_nfe = [v["nfe"] for v in ddim if v["ade"] <= 0.7 * base["ade"]]
        bad_nfe = [v["nfe"] for v in ddim if v["ade"] > 0.7 * base["ade"]]
        dflt = man["sampler"]["default_nfe"]
        ade_txt = (("met at the default NFE " + str(dflt)) if dflt in ok_nfe else f"**not met** at the default NFE {dflt}")
        ade_txt += f" (met at NFE {', '.join(map(str, ok_nfe)) or 'none'}"
        ade_txt += f"; not at NFE {', '.join(map(str, bad_nfe))})" if bad_nfe else ")"
        d5, d20 = me.get("ddim@5"), me.get("ddim@20")
        fold_txt = ("all recordings: every train split for training, every val split for choosing the default NFE and "
                    "for the numbers below. For the app; never for leave-one-scene-out evaluation"
                    if fold == "all" else
                    f"fold `{fold}`: trained only on `eth_ucy/{fold}/train`, numbers below on `eth_ucy/{fold}/val`; the "
                    f"held-out scene of this fold was never read")
        f, tr, ev = cfg.first_stage, cfg.training, cfg.evaluation
        scale_txt = (f", a scaling about the centre by a factor drawn log-uniformly from 1/{tr.speed_scale:g} .. "
                     f"{tr.speed_scale:g} (speeds and spacings)" if tr.speed_scale > 1 else "")
        rev_txt = ", a time reversal of half of them" if tr.time_reverse else ""
        size_txt = ("; a batch's windows come from one bucket of similar entity counts (each window keeping its "
                    "chance to be drawn), so the approximator runs on few padded slots" if tr.size_batches else "")
        model = "\n".join([
            cardtext.first_stage_text(cfg, me, p, "m", "(A learned encoder/decoder of 200k parameters was still metres "
                                                       "off after 800 CPU steps.)"),
            cardtext.approximator_text(cfg, p), cardtext.loss_text(cfg, "m")])
        return f"""# {name}

LaM-SLidE pedestrian model (ETH/UCY), {cfg.dims}-D, built by `models/training` on this project's CPU.

## Data
- {fold_txt}.
- Windows of {cfg.observed} observed + {cfg.future} future frames at {cfg.frame_interval} s over the sorted
  distinct frame ids of each file (models/CONTRACT.md). A window's scene holds every entity present in any of its
  frames (at most {f.pool}, the ID pool; the largest ETH/UCY window holds 93).
- Training windows: {p['train_windows']}, each augmented {tr.copies}x with a random rotation, a centre jitter
  ({tr.jitter} m){scale_txt}{rev_txt} and a random ID assignment; every batch draws 1..{cfg.observed} known frames (all of them half the time){size_txt}.
- Train files: {', '.join(p['train_files'])}.
- Val files: {', '.join(p['val_files'])}.
- Normalisation: centre = centroid of the agents present at the last observed frame, scale = {cfg.scale} m.

## Model
{model}
- Default sampler: `ddim`, NFE {man['sampler']['default_nfe']} (chosen on val: smallest minADE20 + minFDE20).

## Metrics (val, K = {ev.k}, best of K, metres)
{me['windows']} windows (every {ev.stride}th window start), {me['agents']} scored agents (present in all
{cfg.T} frames), all {cfg.observed} frames known, IDs 0..n-1, seed {tr.seed}.
Constant-velocity baseline (same windows and agents, same code): ADE {base['ade']:.3f}, FDE {base['fde']:.3f}.

| solver | NFE | minADE20 | minFDE20 | ADE vs CV | eval seconds |
|---|---|---|---|---|---|
{chr(10).join(rows)}

Against the issue's floor: minADE20 at least 30% below the CV ADE: {ade_txt}; NFE 5 no
worse than NFE 20 by more than 10%: {'met' if d5 and d20 and d5['ade'] <= 1.1 * d20['ade'] else 'not met'}.
{gap_text(me, base)}
{loro_text(me.get("loro"), ev.stride)}
## Cost
{cardtext.cost_text(cfg, p)}

## Rebuild
```
{self.rebuild_command(man, cfg)}
```
"""


def loro_text(loro, stride):
    """The card's leave-one-recording-out section (lamslide_train.loro, attached to the manifest), or ""."""
    if not loro:
        return ""
    rows = [f"| {r} | {v['windows']} | {v['agents']} | {v['ade']:.3f} | {v['fde']:.3f} | {v['cv_ade']:.3f} | "
            f"{v['cv_fde']:.3f} |" for r, v in sorted(loro["recordings"].items())]
    s = loro["summary"]
    rows.append(f"| **all, agent-weighted** | | {s['agents']} | **{s['ade']:.3f}** | **{s['fde']:.3f}** | "
                f"{s['cv_ade']:.3f} | {s['cv_fde']:.3f} |")
    return f"""
## Leave-one-recording-out proxy (a recording never seen)
The val files above come from the same recordings as the train files, so they overstate how the model does on a
new scene. The same recipe was trained {s['recordings']} more times, each time without one of the fold's recordings
(its train and val files), and scored on that whole recording (K = 20, NFE {loro['nfe']} ddim, every {stride}th
window, seed 0; `python3 -m lamslide_train.loro`). Recipes are chosen by this number, not by val.

| held-out recording | windows | agents | minADE20 | minFDE20 | CV ADE | CV FDE |
|---|---|---|---|---|---|---|
{chr(10).join(rows)}
"""


def gap_text(me, base):
    ddim = [v for v in me.values() if isinstance(v, dict) and v.get("solver") == "ddim"]
    worst = max(ddim, key=lambda v: v["ade"])
    best = min(ddim, key=lambda v: v["ade"])
    return (f"Best minADE20 {best['ade']:.3f} m (NFE {best['nfe']}), worst {worst['ade']:.3f} m (NFE {worst['nfe']}); "
            f"the published level for this benchmark (0.21 / 0.35 m averaged over the five folds) is not reached."
            + (" NFE 1 is one step from pure noise: it returns close to the conditional mean, so its K samples barely"
               " spread." if me.get("ddim@1", {}).get("ade", 0) > 0.7 * base["ade"] else ""))


DOMAIN = PedestrianDomain()
