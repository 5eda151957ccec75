"""A made-up domain for the tests, written the way a real one plugs in (domains/__init__.py): a config subclass
with its defaults and an adapter with data, units, protocol and card. 3-D particles on circular orbits whose
element decides the radius; contract v2 (element vocabulary, learned first stage, transformer approximator)."""
from dataclasses import dataclass, field

import numpy as np

from lamslide_train import cardtext
from lamslide_train.config import (ApproximatorConfig, EvaluationConfig, FeaturesConfig, FirstStageConfig,
                                   ModelConfig, TrainingConfig)
from lamslide_train.domains.base import DataError, Datasets, Domain, feature_indices
from lamslide_train.stages.preprocess import Window


@dataclass
class ToyData:
    windows: int = 24   # per split
    entities: int = 4


@dataclass
class ToyConfig(ModelConfig):
    domain: str = "toy"
    dims: int = 3
    observed: int = 3
    future: int = 2
    frame_interval: float = 1.0
    scale: float = 2.0
    features: FeaturesConfig = field(default_factory=lambda: FeaturesConfig(key="element", vocab=["H", "C", "O"]))
    first_stage: FirstStageConfig = field(default_factory=lambda: FirstStageConfig(
        kind="learned", id_table="orthogonal", pool=8, id_dim=8, L=4, C=8, hidden=16, heads=2, feat_dim=4))
    approximator: ApproximatorConfig = field(default_factory=lambda: ApproximatorConfig(
        kind="transformer", hidden=16, heads=2, depth=1))
    training: TrainingConfig = field(default_factory=lambda: TrainingConfig(
        batch1=8, steps1=6, batch2=4, steps2=6, copies=2, jitter=0.1))
    evaluation: EvaluationConfig = field(default_factory=lambda: EvaluationConfig(
        stride=1, k=2, nfe=[1, 2], default_nfe=2))
    data: ToyData = field(default_factory=ToyData)


RADIUS = {"H": 0.5, "C": 1.0, "O": 1.5}


def orbit_windows(cfg, n_win, seed):
    rng = np.random.default_rng(seed)
    out = []
    for s in range(n_win):
        tokens = [cfg.vocab[i] for i in rng.integers(0, len(cfg.vocab), cfg.data.entities)]
        phase = rng.uniform(0, 2 * np.pi, cfg.data.entities)
        t = np.arange(cfg.T)[:, None] * 0.3 + phase[None]
        r = np.array([RADIUS[k] for k in tokens])[None]
        pos = np.stack([r * np.cos(t), r * np.sin(t), 0.1 * t], axis=-1).astype(np.float32)
        n = cfg.data.entities
        out.append(Window(pos, np.ones((cfg.T, n), np.float32), np.ones(n, bool), f"orbit{seed}", s,
                          feature_indices(tokens, cfg.vocab, "element", f"orbit{seed}[{s}]")))
    return out


class ToyDomain(Domain):
    name = "toy"
    config_class = ToyConfig
    length_unit = "sim"
    time_unit = "sim"
    protocol = "mean"
    baselines = ("constant velocity", "frozen")
    scored_name = "atoms"

    def datasets(self, cfg, data_root):
        tr = orbit_windows(cfg, cfg.data.windows, 1)
        va = orbit_windows(cfg, cfg.data.windows, 2)
        return Datasets(tr, va, va, {"data": "made-up orbits", "train_windows": len(tr)})

    def windows_of_paths(self, cfg, paths):
        raise DataError("the toy domain reads no files")

    def card(self, man, cfg):
        me, p = man["metrics"], man["provenance"]
        rows = "\n".join(f"| {v['solver']} | {v['nfe']} | {v['ade']:.3f} | {v['fde']:.3f} |"
                         for v in me.values() if isinstance(v, dict) and "nfe" in v)
        return (f"# {man['name']}\n\n## Model\n{cardtext.first_stage_text(cfg, me, p, 'sim')}\n"
                f"{cardtext.approximator_text(cfg, p)}\n{cardtext.loss_text(cfg, self.length_unit)}\n\n## Metrics\n{rows}\n\n"
                f"## Cost\n{cardtext.cost_text(cfg, p)}\n\n## Rebuild\n```\n{self.rebuild_command(man, cfg)}\n```\n")

    def rebuild_command(self, man, cfg):
        flags = cardtext.rebuild_flags(cfg, ToyConfig())
        return f"python3 -m lamslide_train.build --domain toy --out ../{man['name']}{flags}"


TOY = ToyDomain()
