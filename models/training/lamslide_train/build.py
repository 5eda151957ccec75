"""Builds one model from scratch: data -> stage 1 -> latents -> stage 2 -> evaluation -> ONNX export -> card.

Usage (from models/training, with Debian's /usr/bin/python3):
  python3 -m lamslide_train.build --fold eth --out ../eth_ucy-eth --threads 1
  python3 -m lamslide_train.build --domain pedestrian --help      (every config field of the domain as a flag)
The flags are the config's fields (config.py, domains/<domain>.py) under their flat names; what is not given keeps
the domain's default. Interrupted runs resume from runs/<name>/stage{1,2}.pt when started again with the same
arguments.
"""
import argparse
import json
import os
import platform
import subprocess
import time

import numpy as np
import torch

from .cards import choose_default_nfe, finalize, trained_first_stage_provenance
from .config import ConfigError, add_cli_flags, apply_cli, differing_fields
from .domains import DOMAINS, domain_of, get_domain, recipe_of
from .metrics import BASELINES, ade_fde, part_means
from .stages.export import export_graphs, file_entries, make_manifest, sha256, write_fixtures
from .stages.first_stage import trained_first_stage_settings
from .stages.rollout import rollout_windows
from .stages.training import (Logger, augment_windows, bank_residual_var, fit_latent_stats,
                              precompute_latents, recon_error, residual_var, train_stage1, train_stage2,
                              train_stage2_bank)
from .weights import save_weights

HERE = os.path.dirname(os.path.abspath(__file__))
DATA_ROOT = os.path.join(HERE, "..", "..", "..", "..", "shared", "data")


def evaluate(fs, approx, windows, cfg, domain, log, solvers=("ddim",), nfes=None):
    """The domain's metrics protocol on `windows`: every baseline, then each solver x NFE (K = evaluation.k).
    A domain whose windows belong to parts (Domain.part_of) also gets every number per part ("parts")."""
    obs, unit = cfg.observed, domain.length_unit
    res = {}
    raw = {name: BASELINES[name](windows, obs) for name in domain.baselines}
    bases = {name: [float(a.mean()) for a in v] for name, v in raw.items()}
    first = domain.baselines[0]
    res["baseline"] = {"name": first, "ade": bases[first][0], "fde": bases[first][1]}
    if len(bases) > 1:
        res["baselines"] = {k: {"ade": v[0], "fde": v[1]} for k, v in bases.items()}
    parts = [domain.part_of(w) for w in windows]
    labels = None
    if any(p is not None for p in parts):
        labels = np.repeat(np.array([str(p) for p in parts]), [int(w.scored.sum()) for w in windows])
        res["parts"] = {p: {"windows": sum(1 for q in parts if str(q) == p),
                            domain.scored_name: int((labels == p).sum()),
                            "baselines": {n: part_means(*raw[n], labels)[p] for n in domain.baselines}}
                        for p in sorted(set(labels.tolist()))}
    count = 0
    for solver in solvers:
        for nfe in nfes or cfg.evaluation.nfe:
            if solver == "heun" and nfe < 2:
                continue
            t0 = time.time()
            s = rollout_windows(fs, approx, windows, cfg, cfg.evaluation.k, nfe, solver, cfg.training.seed)
            ade, fde = ade_fde(s, windows, obs, domain.protocol)
            count = len(ade)
            res[f"{solver}@{nfe}"] = {"solver": solver, "nfe": nfe, "ade": float(ade.mean()), "fde": float(fde.mean()),
                                      "seconds": round(time.time() - t0, 1)}
            if labels is not None:
                res[f"{solver}@{nfe}"]["parts"] = part_means(ade, fde, labels)
            log(f"eval {solver} nfe {nfe}: {domain.protocol}ADE {ade.mean():.3f} {domain.protocol}FDE "
                f"{fde.mean():.3f} {unit} (baseline {first} {bases[first][0]:.3f}/{bases[first][1]:.3f}) "
                f"{domain.scored_name} {len(ade)} {time.time() - t0:.0f}s")
    res[domain.scored_name] = int(count)
    res["windows"] = len(windows)
    return res


def git_commit():
    try:
        return subprocess.check_output(["git", "rev-parse", "HEAD"], text=True, cwd=HERE,
                                       stderr=subprocess.DEVNULL).strip()
    except Exception:
        return "unknown"


def check_run_recipe(run_dir, cfg):
    """The run folder is named after the model, so a second build of the same name with other flags would resume
    the first one's checkpoints and ship them under the new recipe. The folder keeps the recipe it was started with
    (recipe.json); a build with another one is refused, naming the fields that differ."""
    path = os.path.join(run_dir, "recipe.json")
    mine = recipe_of(cfg.to_dict())
    if os.path.exists(path):
        with open(path) as f:
            diff = differing_fields(recipe_of(json.load(f), path), mine)
        if diff:
            raise SystemExit(f"{run_dir} holds checkpoints of another recipe (differs in {', '.join(diff)}): remove "
                             f"that folder or pass another --runs")
        return
    old = [c for c in ("stage1.pt", "stage2.pt") if os.path.exists(os.path.join(run_dir, c))]
    if old:
        raise SystemExit(f"{run_dir} holds checkpoints ({', '.join(old)}) but no recipe.json (a run started before "
                         f"builds recorded their recipe), so they may be of another recipe: remove that folder or pass "
                         f"another --runs")
    with open(path, "w") as f:
        json.dump(mine, f, indent=1, sort_keys=True)


def build(cfg, out, data_root, runs, threads, log):
    """Trains, evaluates and exports the model `cfg` describes into the folder `out`; returns the manifest."""
    domain = domain_of(cfg)
    cfg.validate()
    name = os.path.basename(os.path.normpath(out))
    run_dir = os.path.join(runs, name)
    os.makedirs(run_dir, exist_ok=True)
    check_run_recipe(run_dir, cfg)
    os.makedirs(out, exist_ok=True)
    unit = domain.length_unit
    torch.manual_seed(cfg.training.seed)

    ds = domain.datasets(cfg, data_root)
    log(f"windows: train {len(ds.train)} val {len(ds.val)} (eval {len(ds.eval)})")
    wall = {}
    t_all = time.time()

    fs, wall["stage1"] = train_stage1(ds.train, cfg, run_dir, log, unit)
    fit_latent_stats(fs, ds.train, cfg)
    recon, feat_acc = recon_error(fs, ds.val, cfg)
    log(f"first stage val reconstruction error {recon:.3f} {unit}"
        + (f", feature accuracy {feat_acc:.4f}" if feat_acc is not None else ""))

    t0 = time.time()
    if cfg.training.precompute:
        items = precompute_latents(ds.train, fs, cfg, cfg.training.copies, cfg.training.seed + 2, log)
        wall["latents"] = time.time() - t0
        cfg.approximator.resvar = [round(v, 6) for v in bank_residual_var(items, cfg)]
        log(f"per-frame residual variance {cfg.approximator.resvar}")
        approx, wall["stage2"] = train_stage2_bank(items, fs, cfg, run_dir, log, unit)
    else:
        items = augment_windows(ds.train, cfg, cfg.training.copies, cfg.training.seed + 2, log)
        wall["latents"] = time.time() - t0
        if cfg.approximator.kind == "slots":
            cfg.approximator.resvar = [round(v, 6) for v in residual_var(items, fs, cfg)]
            log(f"per-frame residual variance {cfg.approximator.resvar}")
        approx, wall["stage2"] = train_stage2(items, fs, cfg, run_dir, log, unit)
    del items

    t0 = time.time()
    fs.eval(); approx.eval()
    metrics = evaluate(fs, approx, ds.eval, cfg, domain, log, solvers=("ddim",))
    metrics.update({k: v for k, v in evaluate(fs, approx, ds.eval, cfg, domain, log, solvers=("euler",),
                                               nfes=[10]).items() if "@" in k})
    # domain metrics beyond the NFE sweep (other data sets, distributions, long rollouts) at the default NFE
    metrics.update(domain.extra_metrics(fs, approx, cfg, data_root, choose_default_nfe(metrics), log))
    if ds.test:
        log(f"held-out test windows: {len(ds.test)}")
        metrics["test"] = evaluate(fs, approx, ds.test, cfg, domain, log, solvers=("ddim",))
    wall["eval"] = time.time() - t0
    wall["total"] = time.time() - t_all

    export_graphs(fs, approx, cfg, out)
    write_fixtures(fs, approx, cfg, out, domain.fixture_window(cfg))
    save_weights(os.path.join(out, "weights.pt"), cfg, fs, approx)
    prov = {
        **ds.provenance,
        "steps": {"stage1": cfg.training.steps1 if cfg.first_stage.kind == "learned" and not cfg.first_stage.weights
                  else 0,
                  "stage2": cfg.training.steps2},
        "wall_s": {k: round(v, 1) for k, v in wall.items()},
        "params_first_stage": sum(p.numel() for p in fs.parameters()),
        "params_approximator": sum(p.numel() for p in approx.parameters()),
        "seed": cfg.training.seed, "commit": git_commit(), "torch": torch.__version__,
        "machine": f"{platform.machine()} CPU, {os.cpu_count()} cores",
    }
    if cfg.first_stage.weights:
        prov["first_stage_weights"] = trained_first_stage_provenance(cfg)
    me = {"protocol": domain.metrics_protocol(cfg), "reconstruction_error": round(recon, 4)}
    if feat_acc is not None:
        me["feature_accuracy"] = round(feat_acc, 4)
    manifest = make_manifest(cfg, name, (domain.length_unit, domain.time_unit), file_entries(out), {**me, **metrics},
                             prov, domain.scope(cfg))
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
    finalize(out, threads)
    log(f"done {name}: total {wall['total']:.0f}s")
    return manifest


def parse_args(argv=None):
    """(argparse namespace, validated config) of a build command line; the flags are the domain config's fields."""
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--domain", default="pedestrian", choices=list(DOMAINS))
    known, _ = pre.parse_known_args(argv)
    domain = get_domain(known.domain)
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--domain", default="pedestrian", choices=list(DOMAINS), help="which domain's config and data")
    ap.add_argument("--out", required=True, help="model folder to write, e.g. ../eth_ucy-eth")
    ap.add_argument("--data", default=DATA_ROOT,
                    help="data root, read in place (default: ../shared/data of the repository)")
    ap.add_argument("--runs", default=os.path.join(HERE, "..", "runs"), help="logs and checkpoints")
    ap.add_argument("--threads", type=int, default=2)
    dest = add_cli_flags(ap, domain.default_config())
    a = ap.parse_args(argv)
    try:
        cfg = apply_cli(domain.default_config(), a, dest).validate()
    except ConfigError as e:
        ap.error(str(e))
    return a, cfg


def main(argv=None):
    a, cfg = parse_args(argv)
    torch.set_num_threads(a.threads)
    name = os.path.basename(os.path.normpath(a.out))
    os.makedirs(os.path.join(a.runs, name), exist_ok=True)
    log = Logger(os.path.join(a.runs, name, "train.log"))
    log(f"build {name} domain {cfg.domain} cfg {json.dumps(cfg.to_dict())}")
    return build(cfg, a.out, a.data, a.runs, a.threads, log)


if __name__ == "__main__":
    main()
