"""Leave-one-recording-out (LORO) proxy of a pedestrian recipe on a new scene (issue #12).

A fold's val files come from the same recordings as its train files, so its val numbers overstate how the model
does on a recording it never saw (the fold's test scene). The proxy holds out one whole recording of the fold at a
time: the recipe trains on the train files of the fold's other recordings, and is scored on the held-out
recording's train and val files (the card's protocol: K = 20, NFE `--nfe`, every `evaluation.stride`-th window,
agents present in all 20 frames, seed 0), beside constant velocity on the same windows.

  python3 -m lamslide_train.loro --fold eth --out artifacts/loro/eth.json [--recordings a,b] [recipe flags]
  python3 -m lamslide_train.loro --attach ../eth_ucy-eth artifacts/loro/eth.json   (into manifest and card)
  python3 -m lamslide_train.loro --compare artifacts/loro artifacts/loro-scale      (two recipes, fold by fold)
  python3 -m lamslide_train.loro --compare artifacts/loro artifacts/loro-speed2 --partial   (a candidate stopped early)

The recipe flags are those of `lamslide_train.build` (config fields). One JSON per fold and recipe; recordings
already in it are skipped, and an interrupted training resumes from runs/loro-<key>/stage2.pt, so the command can be
started again after an interruption. Folds that leave out the same pair of recordings train the same model: the run
folder is named by recipe and training files, so the second fold reuses the first's. The summary weights each
recording by its scored agents.
"""
import argparse
import fcntl
import hashlib
import json
import os
import time

import numpy as np
import torch

from .config import add_cli_flags, apply_cli, differing_fields
from .domains import get_domain, recipe_of
from .domains.pedestrian import fold_files, recordings_of
from .metrics import BASELINES, ade_fde
from .stages.rollout import rollout_windows
from .stages.training import Logger, augment_windows, fit_latent_stats, residual_var, train_stage1, train_stage2


def summary(recs):
    """Agent-weighted means over the held-out recordings (and the plain mean over recordings)."""
    if not recs:
        return {}
    w = np.array([r["agents"] for r in recs.values()], np.float64)
    out = {"recordings": len(recs), "agents": int(w.sum())}
    for k in ("ade", "fde", "cv_ade", "cv_fde"):
        v = np.array([r[k] for r in recs.values()])
        out[k] = float((v * w).sum() / w.sum())
        out[f"{k}_per_recording_mean"] = float(v.mean())
    return out


def run_recording(cfg, rec, data_root, runs, nfe, log):
    domain = get_domain("pedestrian")
    c = cfg.replace(**{"data.holdout": rec})
    c.validate()
    ds = domain.datasets(c, data_root)
    run_dir = os.path.join(runs, "loro-" + training_key(c, ds.provenance["train_files"]))
    os.makedirs(run_dir, exist_ok=True)
    with open(os.path.join(run_dir, "lock"), "w") as lock:
        # another fold's LORO may be training this very model (below): wait for it, then resume at its end
        fcntl.flock(lock, fcntl.LOCK_EX)
        return _run_recording(c, ds, rec, run_dir, nfe, log)


def training_key(c, train_files):
    """A run folder's name: what the LORO model is trained on and how. Two folds share a model when they leave out
    the same pair of recordings (fold eth without biwi_hotel trains on exactly the files of fold hotel without
    biwi_eth), so the second fold resumes the first one's finished training instead of repeating it."""
    recipe = comparable(c.to_dict())
    recipe.get("data", {}).pop("fold", None)
    blob = json.dumps({"recipe": recipe, "train_files": sorted(train_files)}, sort_keys=True)
    return hashlib.sha1(blob.encode()).hexdigest()[:16]


def _run_recording(c, ds, rec, run_dir, nfe, log):
    torch.manual_seed(c.training.seed)
    t0 = time.time()
    fs, _ = train_stage1(ds.train, c, run_dir, log)
    fit_latent_stats(fs, ds.train, c)
    items = augment_windows(ds.train, c, c.training.copies, c.training.seed + 2, log)
    if c.approximator.kind == "slots":
        c.approximator.resvar = [round(v, 6) for v in residual_var(items, fs, c)]
    t_prep = time.time() - t0
    approx, s2 = train_stage2(items, fs, c, run_dir, log)  # s2: the training's own wall time, also when reused
    del items
    train_s = t_prep + s2
    fs.eval()
    approx.eval()
    t1 = time.time()
    s = rollout_windows(fs, approx, ds.eval, c, c.evaluation.k, nfe, "ddim", c.training.seed)
    ade, fde = ade_fde(s, ds.eval, c.observed, "min")
    cv_ade, cv_fde = BASELINES["constant velocity"](ds.eval, c.observed)
    res = {"windows": len(ds.eval), "agents": int(len(ade)), "ade": float(ade.mean()), "fde": float(fde.mean()),
           "cv_ade": float(cv_ade.mean()), "cv_fde": float(cv_fde.mean()), "train_files": ds.provenance["train_files"],
           "eval_files": ds.provenance["val_files"], "train_windows": len(ds.train), "train_s": round(train_s, 1),
           "eval_s": round(time.time() - t1, 1)}
    log(f"LORO {c.data.fold}/{rec}: minADE {res['ade']:.3f} minFDE {res['fde']:.3f} (CV {res['cv_ade']:.3f}/"
        f"{res['cv_fde']:.3f}) on {res['agents']} agents of {res['windows']} windows; train {train_s:.0f}s")
    return res


def comparable(recipe):
    """A recipe as LORO runs compare it: without the fold's data choice and the measured residual variance, and with
    the defaults of fields added after it was stored (a stored recipe lacks them)."""
    return recipe_of(recipe, "LORO recipe", ("data.holdout", "approximator.resvar")) if recipe else {}


def attach(model_dir, loro_json):
    """Puts a fold's LORO results into the model's manifest (metrics.loro) and regenerates its card. Refuses results
    of another fold or recipe than the model's own."""
    from .cards import finalize
    from .domains import load_config
    with open(os.path.join(model_dir, "manifest.json")) as f:
        man = json.load(f)
    cfg = load_config(torch.load(os.path.join(model_dir, "weights.pt"))["cfg"], f"{model_dir}/weights.pt cfg")
    with open(loro_json) as f:
        doc = json.load(f)
    fold = man["provenance"].get("fold")
    if doc["fold"] != fold:
        raise SystemExit(f"{loro_json} is fold {doc['fold']}, {model_dir} is fold {fold}")
    mine = comparable(cfg.replace(**{"data.fold": fold}).to_dict())
    diff = differing_fields(comparable(doc["recipe"]), mine)
    if diff:
        raise SystemExit(f"{loro_json} was run with another recipe than {model_dir} (differs in {', '.join(diff)})")
    man["metrics"]["loro"] = {"nfe": doc["nfe"], "recordings": doc["recordings"], "summary": doc["summary"]}
    with open(os.path.join(model_dir, "manifest.json"), "w") as f:
        json.dump(man, f, indent=2)
    finalize(model_dir, man["provenance"].get("threads", 1))


def compare(base_dir, cand_dir, folds=("eth", "hotel", "univ", "zara1", "zara2"), partial=False):
    """Markdown rows comparing two recipes' LORO JSONs fold by fold: agent-weighted and per-recording means, and
    the candidate's change in the per-recording mean of minADE + minFDE (each held-out recording one new scene).
    With `partial`, a candidate stopped early is compared on the recordings both runs hold (the row says how many
    of the fold's) and a fold it never ran is listed as such; without it, either is refused."""
    rows = ["| fold | shipped, agent-weighted | candidate, agent-weighted | shipped, per recording | "
            "candidate, per recording | change |", "|---|---|---|---|---|---|"]
    for f in folds:
        paths = [os.path.join(d, f"{f}.json") for d in (base_dir, cand_dir)]
        if partial and not os.path.exists(paths[1]):
            rows.append(f"| {f} | | not run | | | |")
            continue
        docs = []
        for path in paths:
            with open(path) as fh:
                docs.append(json.load(fh))
        base, cand = (doc["recordings"] for doc in docs)
        note = ""
        if set(base) != set(cand):
            if not (partial and set(cand) < set(base)):
                raise SystemExit(f"{f}: the two LORO runs hold different recordings; finish both first")
            base = {k: v for k, v in base.items() if k in cand}
            note = f" ({len(cand)} of {len(docs[0]['recordings'])} recordings)"
        o, n = summary(base), summary(cand)
        po, pn = (x["ade_per_recording_mean"] + x["fde_per_recording_mean"] for x in (o, n))
        rows.append(f"| {f} | {o['ade']:.3f} / {o['fde']:.3f} | {n['ade']:.3f} / {n['fde']:.3f} | "
                    f"{o['ade_per_recording_mean']:.3f} / {o['fde_per_recording_mean']:.3f} | "
                    f"{n['ade_per_recording_mean']:.3f} / {n['fde_per_recording_mean']:.3f} | "
                    f"{100 * (pn - po) / po:+.1f} %{note} |")
    return "\n".join(rows)


def main(argv=None):
    import sys
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--compare"]:
        partial = "--partial" in argv
        argv = [x for x in argv if x != "--partial"]
        if len(argv) != 3:
            raise SystemExit("usage: python3 -m lamslide_train.loro --compare <shipped loro folder> <candidate folder> "
                             "[--partial]")
        return print(compare(argv[1], argv[2], partial=partial))
    if argv[:1] == ["--attach"]:
        if len(argv) != 3:
            raise SystemExit("usage: python3 -m lamslide_train.loro --attach <model folder> <loro json>")
        return attach(argv[1], argv[2])
    domain = get_domain("pedestrian")
    base = domain.default_config()
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True, help="JSON of the results (read first: recordings in it are skipped)")
    ap.add_argument("--recordings", default="", help="comma-separated recordings of the fold (default: all)")
    ap.add_argument("--nfe", type=int, default=10)
    ap.add_argument("--data-root", default=os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "shared",
                                                       "data"))
    ap.add_argument("--runs", default="runs")
    ap.add_argument("--threads", type=int, default=1)
    dest = add_cli_flags(ap, base)
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    cfg = apply_cli(base, a, dest)
    cfg.validate()
    fold = cfg.data.fold
    if fold == "all":
        raise SystemExit("--fold all has no held-out scene to stand in for; choose a fold")
    names = recordings_of(fold_files(a.data_root, fold, "train") + fold_files(a.data_root, fold, "val"))
    want = [r for r in a.recordings.split(",") if r] or names
    for r in want:
        if r not in names:
            raise SystemExit(f"--recordings: {r!r} is not a recording of fold {fold} ({', '.join(names)})")
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    recipe = comparable(cfg.to_dict())
    doc = {"fold": fold, "nfe": a.nfe, "recipe": recipe, "recordings": {}}
    if os.path.exists(a.out):
        with open(a.out) as f:
            old = json.load(f)
        if comparable(old.get("recipe", {})) != recipe or old.get("nfe") != a.nfe:
            raise SystemExit(f"{a.out} holds another recipe or NFE; give another --out")
        doc = old
    log = Logger(os.path.splitext(a.out)[0] + ".log")
    for r in want:
        if r in doc["recordings"]:
            log(f"LORO {fold}/{r}: already in {a.out}")
            continue
        doc["recordings"][r] = run_recording(cfg, r, a.data_root, a.runs, a.nfe, log)
        doc["summary"] = summary(doc["recordings"])
        tmp = a.out + ".tmp"
        with open(tmp, "w") as f:
            json.dump(doc, f, indent=1)
        os.replace(tmp, a.out)
    s = doc.get("summary", {})
    if s:
        log(f"LORO {fold}: {s['recordings']} recordings, {s['agents']} agents: minADE {s['ade']:.3f} minFDE "
            f"{s['fde']:.3f} (CV {s['cv_ade']:.3f}/{s['cv_fde']:.3f})")


if __name__ == "__main__":
    main()
