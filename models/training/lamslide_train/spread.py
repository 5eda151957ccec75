"""Spread of a model's K samples against the truth (issue #12: best-of-K rewards spread; issue #9: are a molecule
model's K futures one path?).

  python3 -m lamslide_train.spread --model ../eth_ucy-eth [--scales 1,1.2,1.4] [--nfe 10] [--data-root DIR]
  python3 -m lamslide_train.spread --model ../md-small --nfes 1,2,5,10 [--sets probe,val,unseen] [--json]

On every window of the model's val files (stride 1, ten times the card's every-10th windows; K = evaluation.k,
ddim, agents present in all frames, seed 0), for each noise scale (the starting noise multiplied by it, a sampling
temperature; 1 is how every shipped number is sampled): minADE / minFDE and, at the last frame, the samples' spread
about their mean beside that mean's distance to the truth (metrics.spread_skill). A ratio well below sqrt((K - 1) / (K + 1))
means the samples are too tight for best-of-K, and a scale above 1 would be worth measuring on the
leave-one-recording-out proxy; a ratio near it, with minADE rising as the scale grows, means they are not.

A small-molecule model (md-small) is scored under its own protocol instead: ADE / FDE averaged over K = 5 samples
(the MD17 convention, which rewards the mean path) beside the best of the K, and the same spread and skill, for each
NFE of --nfes (ddim; one step from pure noise lands near the conditional mean, so NFE is the knob that spreads the
samples), on the windows of --sets: probe (the unseen molecules' probe trajectories, for choosing), val and unseen
(the card's reported sets). For K = 5 the calibrated ratio is about sqrt(4 / 6) = 0.82.
"""
import argparse
import json
import math
import os
import time

import torch

from .domains import domain_of, get_domain
from .domains import molecule as mol
from .metrics import ade_fde, spread_skill
from .stages.rollout import rollout_windows
from .weights import load_model


def calibrated_ratio(k: int) -> float:
    """The spread / skill ratio that K draws of the true distribution give (metrics.spread_skill)."""
    return math.sqrt((k - 1) / (k + 1))


def one_row(fs, ap, cfg, windows, nfe, scale, protocols):
    t0 = time.time()
    s = rollout_windows(fs, ap, windows, cfg, cfg.evaluation.k, nfe, "ddim", cfg.training.seed, noise_scale=scale)
    row = {"nfe": nfe, "scale": scale}
    for rule in protocols:
        ade, fde = ade_fde(s, windows, cfg.observed, rule)
        pre = "" if rule == protocols[0] else f"{rule}_"
        row.update({pre + "ade": float(ade.mean()), pre + "fde": float(fde.mean())})
    spread, skill = spread_skill(s, windows)
    row.update({"spread": float(spread.mean()), "skill": float(skill.mean()),
                "ratio": float(spread.mean() / skill.mean()), "agents": int(len(spread)),
                "seconds": round(time.time() - t0, 1)})
    return row


def measure(fs, ap, cfg, windows, scales, nfe, log=print):
    rows = []
    for sc in scales:
        rows.append(one_row(fs, ap, cfg, windows, nfe, sc, ("min",)))
        r = rows[-1]
        log(f"scale {sc:g}: minADE {r['ade']:.3f} minFDE {r['fde']:.3f} spread {r['spread']:.3f} "
            f"skill {r['skill']:.3f} ratio {r['ratio']:.3f} ({r['seconds']:.0f}s)")
    return rows


def measure_molecule(fs, ap, cfg, windows, nfes, scales=(1.0,), log=print):
    """Per NFE and noise scale: mean-of-K ADE / FDE (the card's rule), best-of-K (min_ade / min_fde), spread, skill,
    ratio."""
    rows = []
    for nfe in nfes:
        for sc in scales:
            rows.append(one_row(fs, ap, cfg, windows, nfe, sc, ("mean", "min")))
            r = rows[-1]
            log(f"NFE {nfe}, noise x {sc:g}: ADE {r['ade']:.3f} FDE {r['fde']:.3f} (best of K {r['min_ade']:.3f} / "
                f"{r['min_fde']:.3f}) spread {r['spread']:.4f} skill {r['skill']:.3f} ratio {r['ratio']:.3f} "
                f"({r['seconds']:.0f}s)")
    return rows


MOLECULE_SETS = tuple(mol.SPREAD_SETS)  # probe, val, unseen


def approximator_sha256(model_dir) -> str:
    """The manifest's hash of the approximator graph: names the weights a JSON line was measured on, so a card quotes
    only lines of its own build."""
    with open(os.path.join(model_dir, "manifest.json"), encoding="utf-8") as f:
        return json.load(f)["files"]["approximator"]["sha256"]


def molecule_windows(cfg, name):
    if name == "probe":
        return mol.unseen_windows(cfg, proxy=True)
    if name == "unseen":
        return mol.unseen_windows(cfg, proxy=False)
    return mol.training_windows(cfg)[1]


def numbers(text, what, cast):
    try:
        out = [cast(x) for x in text.split(",") if x]
    except ValueError:
        raise SystemExit(f"{what}: expected numbers separated by commas, got {text!r}")
    if not out or min(out) <= 0:
        raise SystemExit(f"{what}: every value must be > 0, got {text!r}")
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, help="a pedestrian or small-molecule model folder (weights.pt)")
    ap.add_argument("--scales", default=None, help="comma-separated noise scales, each > 0 (default: pedestrian "
                                                 "1,1.2,1.4; molecule 1)")
    ap.add_argument("--nfe", type=int, default=0, help="pedestrian: ddim steps (default: the model's default NFE)")
    ap.add_argument("--nfes", default=None, help="molecule: comma-separated ddim step counts (default 1,2,5,10)")
    ap.add_argument("--sets", default=None,
                    help=f"molecule: comma-separated window sets ({', '.join(MOLECULE_SETS)}; default probe)")
    ap.add_argument("--data-root", default=os.path.join(os.path.dirname(__file__), "..", "..", "..", "..", "shared",
                                                       "data"),
                    help="pedestrian: the ETH/UCY data (a molecule model reads its config's data.md_dir)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--json", action="store_true", help="print JSON instead of lines (a molecule model: one per set)")
    a = ap.parse_args(argv)
    scales = None if a.scales is None else numbers(a.scales, "--scales", float)
    nfes = numbers("1,2,5,10" if a.nfes is None else a.nfes, "--nfes", int)
    sets = [x for x in ("probe" if a.sets is None else a.sets).split(",") if x]
    bad = [x for x in sets if x not in MOLECULE_SETS]
    if not sets or bad:
        raise SystemExit(f"--sets: expected some of {', '.join(MOLECULE_SETS)}, got {a.sets!r}")
    torch.set_num_threads(a.threads)
    fs, model, cfg = load_model(a.model)
    if domain_of(cfg) is get_domain("molecule"):   # md-small; ala2 (manifest domain molecule too) has its own adapter
        if a.nfe:
            raise SystemExit(f"{a.model}: --nfe is for pedestrian models; a molecule model takes --nfes")
        log = (lambda *_: None) if a.json else print
        graph = approximator_sha256(a.model)
        for name in sets:
            log(f"{name}:")
            rows = measure_molecule(fs, model, cfg, molecule_windows(cfg, name), nfes, scales or [1.0], log=log)
            if a.json:
                k = cfg.evaluation.k
                print(json.dumps({"model": os.path.basename(os.path.abspath(a.model)), "set": name, "k": k,
                                  "calibrated_ratio": round(calibrated_ratio(k), 3),
                                  "approximator_sha256": graph, "rows": rows}), flush=True)
        return
    if cfg.domain != "pedestrian":
        raise SystemExit(f"{a.model}: a {type(domain_of(cfg)).__name__} model; the spread probe scores pedestrian "
                         "and small-molecule models")
    if a.nfes is not None or a.sets is not None:
        raise SystemExit(f"{a.model}: --nfes and --sets are for small-molecule models; a pedestrian model takes --nfe")
    windows = get_domain("pedestrian").datasets(cfg, a.data_root).val
    nfe = a.nfe or cfg.evaluation.default_nfe
    rows = measure(fs, model, cfg, windows, scales or [1.0, 1.2, 1.4], nfe, log=(lambda *_: None) if a.json else print)
    if a.json:
        print(json.dumps({"model": os.path.basename(os.path.abspath(a.model)), "nfe": nfe, "k": cfg.evaluation.k,
                          "rows": rows}))


if __name__ == "__main__":
    main()
