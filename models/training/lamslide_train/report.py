"""Prints the markdown tables of the models in models/index.json (for the README): val metrics and training cost,
one table for the pedestrian models and one for the molecule models."""
import json
import os

HERE = os.path.join(os.path.dirname(__file__), "..", "..")


def main():
    index = json.load(open(os.path.join(HERE, "index.json")))
    print("| model | fold | val windows / agents | CV ADE / FDE | minADE20 / minFDE20, ddim NFE 1 / 2 / 5 / 10 / 20 "
          "| euler NFE 10 | train wall |")
    print("|---|---|---|---|---|---|---|")
    mans = [(m, json.load(open(os.path.join(HERE, m["path"], "manifest.json")))) for m in index["models"]]
    for m, man in mans:
        if man["domain"] != "pedestrian":
            continue
        me, pr = man["metrics"], man["provenance"]
        ddim = " / ".join(f"{me[f'ddim@{n}']['ade']:.2f}, {me[f'ddim@{n}']['fde']:.2f}" for n in (1, 2, 5, 10, 20)
                          if f"ddim@{n}" in me)
        eu = me.get("euler@10")
        print(f"| `{m['name']}` | {pr['fold']} | {me['windows']} / {me['agents']} | {me['baseline']['ade']:.2f} / "
              f"{me['baseline']['fde']:.2f} | {ddim} | {eu['ade']:.2f} / {eu['fde']:.2f} | "
              f"{pr['wall_s']['total'] / 60:.0f} min |")
    mol = [(m, man) for m, man in mans if man["domain"] == "molecule"]
    if mol:
        print()
        print("| model | set | windows / atoms | ADE / FDE (mean of K = 5, ddim NFE 1 / 5 / 10) | frozen | "
              "constant velocity | train wall |")
        print("|---|---|---|---|---|---|---|")
    for m, man in mol:
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
            print(f"| {name} | {label} | {w} / {a} | {nums} | {fr['ade']:.3f} / {fr['fde']:.3f} | "
                  f"{cv['ade']:.3f} / {cv['fde']:.3f} | {wall} |")


if __name__ == "__main__":
    main()
