"""Prints the markdown table of every model in models/index.json (for the README): val metrics and training cost."""
import json
import os

HERE = os.path.join(os.path.dirname(__file__), "..", "..")


def main():
    index = json.load(open(os.path.join(HERE, "index.json")))
    print("| model | fold | val windows / agents | CV ADE / FDE | minADE20 / minFDE20, ddim NFE 1 / 2 / 5 / 10 / 20 "
          "| euler NFE 10 | train wall |")
    print("|---|---|---|---|---|---|---|")
    for m in index["models"]:
        man = json.load(open(os.path.join(HERE, m["path"], "manifest.json")))
        me, pr = man["metrics"], man["provenance"]
        ddim = " / ".join(f"{me[f'ddim@{n}']['ade']:.2f}, {me[f'ddim@{n}']['fde']:.2f}" for n in (1, 2, 5, 10, 20)
                          if f"ddim@{n}" in me)
        eu = me.get("euler@10")
        print(f"| `{m['name']}` | {pr['fold']} | {me['windows']} / {me['agents']} | {me['baseline']['ade']:.2f} / "
              f"{me['baseline']['fde']:.2f} | {ddim} | {eu['ade']:.2f} / {eu['fde']:.2f} | "
              f"{pr['wall_s']['total'] / 60:.0f} min |")


if __name__ == "__main__":
    main()
