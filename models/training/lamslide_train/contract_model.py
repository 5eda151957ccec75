"""A tiny model folder with every contract v2 feature, for the contract tests of both sides.

3-D, an element vocabulary (encoder input `feats`, decoder output `feat_logits`), the learned first stage and the
transformer approximator, lamslide-model/2 manifest, graph metadata and fixtures. Untrained: every parameter is
drawn at random (also the zero-initialised output layers), so that every path of every graph moves the numbers
the fixtures record. It models nothing; it only pins the contract.

  python3 -m lamslide_train.contract_model --out ../../test/models/v2-tiny

writes the copy that `test/models/v2-tiny.test.ts` replays with onnxruntime-web (tests/test_export.py checks that
the committed copy is what this module writes today).
"""
import argparse
import json
import os

import torch

from .config import (ApproximatorConfig, EvaluationConfig, FeaturesConfig, FirstStageConfig, ModelConfig,
                     TrainingConfig)
from .stages.approximator import make_approximator
from .stages.export import export_graphs, file_entries, make_manifest, write_fixtures
from .stages.first_stage import make_first_stage

NAME = "v2-tiny"


def tiny_config() -> ModelConfig:
    return ModelConfig(
        domain="molecule", dims=3, observed=3, future=4, frame_interval=5.0, scale=2.0,
        features=FeaturesConfig(key="element", vocab=["H", "C", "N", "O"]),
        first_stage=FirstStageConfig(kind="learned", id_table="orthogonal", pool=8, id_dim=8, L=4, C=8, hidden=16,
                                     heads=2, enc_layers=1, dec_layers=1, feat_dim=4),
        approximator=ApproximatorConfig(kind="transformer", hidden=16, depth=1, heads=2),
        training=TrainingConfig(seed=3),
        evaluation=EvaluationConfig(default_nfe=5, default_solver="ddim"),
    ).validate()


@torch.no_grad()
def tiny_model(seed=3):
    """(cfg, first stage, approximator) with random parameters and a non-trivial latent standardisation."""
    cfg = tiny_config()
    torch.manual_seed(seed)
    fs, ap = make_first_stage(cfg), make_approximator(cfg)
    g = torch.Generator().manual_seed(seed)
    for net in (fs, ap):
        for p in net.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * 0.3)
    fs.z_mu.copy_(torch.randn(fs.z_mu.shape, generator=g) * 0.1)
    fs.z_sd.copy_(torch.rand(fs.z_sd.shape, generator=g) + 0.5)
    return cfg, fs.eval(), ap.eval()


def write_contract_model(out):
    cfg, fs, ap = tiny_model()
    os.makedirs(out, exist_ok=True)
    export_graphs(fs, ap, cfg, out)
    write_fixtures(fs, ap, cfg, out)
    prov = {"data": "none: random parameters, for contract tests only (lamslide_train.contract_model)",
            "params_first_stage": sum(p.numel() for p in fs.parameters()),
            "params_approximator": sum(p.numel() for p in ap.parameters()),
            "training_config": cfg.to_dict(), "torch": torch.__version__}
    man = make_manifest(cfg, NAME, ("Å", "fs"), file_entries(out), {}, prov)
    with open(os.path.join(out, "manifest.json"), "w", encoding="utf-8") as f:
        json.dump(man, f, indent=2, ensure_ascii=False)
        f.write("\n")
    return man


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    a = ap.parse_args(argv)
    torch.set_num_threads(1)
    write_contract_model(a.out)
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
