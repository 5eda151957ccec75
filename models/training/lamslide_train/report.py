"""Prints the markdown tables of the models in models/index.json (for the README): val metrics and training cost.
The pedestrian models share one table; the molecule models get one with their seen/unseen/DFT sets and both
baselines; the other domains (N-body, basketball) get one table with their own protocol (K, mean or min over the
samples, unit) and, where the build scored a held-out test split, its numbers."""
import json
import os

from .domains import get_domain

HERE = os.path.join(os.path.dirname(__file__), "..", "..")


def ddim_runs(me, digits):
    return " / ".join(f"{me[f'ddim@{n}']['ade']:.{digits}f}, {me[f'ddim@{n}']['fde']:.{digits}f}"
                      for n in (1, 2, 5, 10, 20) if f"ddim@{n}" in me)


def pedestrian_table(models):
    lines = ["| model | fold | val windows / agents | CV ADE / FDE | minADE20 / minFDE20, ddim NFE 1 / 2 / 5 / 10 / 20 "
             "| euler NFE 10 | leave-one-recording-out, ddim NFE 10 (CV) | train wall |",
             "|---|---|---|---|---|---|---|---|"]
    for m, man in models:
        me, pr = man["metrics"], man["provenance"]
        eu = me.get("euler@10")
        lo = me.get("loro", {}).get("summary")
        loro = (f"{lo['ade']:.2f} / {lo['fde']:.2f} ({lo['cv_ade']:.2f} / {lo['cv_fde']:.2f}), {lo['recordings']} "
                f"recordings" if lo else "n/a")
        lines.append(f"| `{m['name']}` | {pr['fold']} | {me['windows']} / {me['agents']} | {me['baseline']['ade']:.2f} / "
                     f"{me['baseline']['fde']:.2f} | {ddim_runs(me, 2)} | {eu['ade']:.2f} / {eu['fde']:.2f} | {loro} | "
                     f"{pr['wall_s']['total'] / 60:.0f} min |")
    return "\n".join(lines)


def systems_table(models):
    lines = ["| model | protocol | val windows / scored | CV ADE / FDE | ADE / FDE, ddim NFE 1 / 2 / 5 / 10 / 20 | "
             "euler NFE 10 | test split, default NFE (CV) | train wall |", "|---|---|---|---|---|---|---|---|"]
    for m, man in models:
        me, pr = man["metrics"], man["provenance"]
        dom = get_domain(man["domain"])
        k = me["protocol"]["k"]
        rule = f"{'best' if dom.protocol == 'min' else 'mean'} of {k}, {dom.length_unit}"
        eu = me.get("euler@10")
        test = me.get("test")
        d = man["sampler"]["default_nfe"]
        t = ""
        if test and f"ddim@{d}" in test:
            tb = test["baseline"]
            t = (f"{test[f'ddim@{d}']['ade']:.3f} / {test[f'ddim@{d}']['fde']:.3f} at NFE {d} "
                 f"({tb['ade']:.3f} / {tb['fde']:.3f}), {test['windows']} windows")
        lines.append(f"| `{m['name']}` | {rule} | {me['windows']} / {me[dom.scored_name]} {dom.scored_name} | "
                     f"{me['baseline']['ade']:.3f} / {me['baseline']['fde']:.3f} | {ddim_runs(me, 3)} | "
                     f"{eu['ade']:.3f} / {eu['fde']:.3f} | {t or '-'} | {pr['wall_s']['total'] / 60:.0f} min |")
    return "\n".join(lines)


def molecule_table(models):
    lines = ["| model | set | windows / atoms | ADE / FDE (mean of K = 5, ddim NFE 1 / 5 / 10) | frozen | "
             "constant velocity | train wall |", "|---|---|---|---|---|---|---|"]
    for m, man in models:
        me, pr = man["metrics"], man["provenance"]
        dflt = man["sampler"]["default_nfe"]
        sweep = " / ".join(f"{me[f'ddim@{n}']['ade']:.3f}, {me[f'ddim@{n}']['fde']:.3f}" for n in (1, 5, 10)
                           if f"ddim@{n}" in me)
        sets = [("val (held-out trajectories)", me["windows"], me["atoms"], sweep, me["baselines"])]
        for key, label in (("unseen", "unseen molecules"), ("dft_ethanol", "MD17 ethanol (DFT)")):
            if key in me:
                r = me[key]
                sets.append((label, r["windows"], r["atoms"], f"NFE {dflt}: {r['ade']:.3f}, {r['fde']:.3f}",
                             r["baselines"]))
        for i, (label, w, a, nums, b) in enumerate(sets):
            fr, cv = b["frozen"], b["constant velocity"]
            name = f"`{m['name']}`" if i == 0 else ""
            wall = f"{pr['wall_s']['total'] / 60:.0f} min" if i == 0 else ""
            lines.append(f"| {name} | {label} | {w} / {a} | {nums} | {fr['ade']:.3f} / {fr['fde']:.3f} | "
                         f"{cv['ade']:.3f} / {cv['fde']:.3f} | {wall} |")
    return "\n".join(lines)


def main():
    index = json.load(open(os.path.join(HERE, "index.json")))
    models = [(m, json.load(open(os.path.join(HERE, m["path"], "manifest.json")))) for m in index["models"]]
    ped = [x for x in models if x[1]["domain"] == "pedestrian"]
    mol = [x for x in models if x[1]["domain"] == "molecule"]
    other = [x for x in models if x[1]["domain"] not in ("pedestrian", "molecule")]
    if ped:
        print(pedestrian_table(ped))
    if mol:
        print()
        print(molecule_table(mol))
    if other:
        print()
        print(systems_table(other))


if __name__ == "__main__":
    main()
