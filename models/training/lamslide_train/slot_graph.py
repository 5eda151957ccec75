"""Adds the slot graph (CONTRACT.md, "Slot approximator") to models built before it existed, from their weights.pt:

    python3 -m lamslide_train.slot_graph ../eth_ucy-zara1 ../nba ...

Writes slot_approximator.onnx (its metadata states the manifest's own format), adds the `slot_approximator`
fixture to fixtures/fixtures.json without touching the other fixtures, lists the graph in manifest.files with the
new fixture hash, and regenerates the card (cards.finalize). The three graphs of the contract are left as they are.
"""
import json
import os
import sys

import torch

from .cards import finalize
from .stages.approximator import has_slot_graph
from .stages.export import SLOT_GRAPH, export_slot_graph, graph_metadata, set_metadata, sha256, slot_fixture
from .weights import load_weights


@torch.no_grad()
def add_slot_graph(model_dir):
    fs, ap, cfg, _ = load_weights(model_dir)
    if not has_slot_graph(ap):
        raise SystemExit(f"{model_dir}: its approximator is not the slot approximator; it has no slot graph")
    man_path = os.path.join(model_dir, "manifest.json")
    with open(man_path) as f:
        man = json.load(f)
    ap = ap.eval()
    export_slot_graph(ap, cfg, model_dir)
    set_metadata(os.path.join(model_dir, f"{SLOT_GRAPH}.onnx"), {**graph_metadata(cfg), "lamslide.format": man["format"]})
    fx_path = os.path.join(model_dir, "fixtures", "fixtures.json")
    with open(fx_path) as f:
        fx = json.load(f)
    fx[SLOT_GRAPH] = slot_fixture(ap, cfg)  # the one write_fixtures writes, so a rebuild gives the same
    with open(fx_path, "w") as f:
        json.dump(fx, f)
    files = man["files"]
    files[SLOT_GRAPH] = {"path": f"{SLOT_GRAPH}.onnx", "sha256": sha256(os.path.join(model_dir, f"{SLOT_GRAPH}.onnx"))}
    files["fixtures"]["sha256"] = sha256(fx_path)
    # the graphs first, then weights and fixtures, as file_entries orders them
    order = ["encoder", "approximator", "decoder", SLOT_GRAPH, "weights", "fixtures"]
    man["files"] = {k: files[k] for k in order if k in files}
    with open(man_path, "w") as f:
        json.dump(man, f, indent=2)
    finalize(model_dir, man["provenance"].get("threads", 1))


if __name__ == "__main__":
    for d in sys.argv[1:]:
        add_slot_graph(d)
        print(f"{d}: slot graph added")
