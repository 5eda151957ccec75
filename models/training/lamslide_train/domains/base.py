"""What a domain adapter provides to the shared stages (see domains/__init__.py for how one is added).

A domain supplies data and words; the stages (first stage, approximator, interpolant, training, export) never look
at where windows came from. Everything a model is built with is in its config (a ModelConfig subclass the domain
owns); everything about the data (files, splits, units, the metrics protocol, the card's data and metrics text)
is in the adapter.
"""
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from ..config import ModelConfig
from ..stages.preprocess import Window


class DataError(ValueError):
    """Data that cannot be used; the message names the file (or entity) and the cause."""


@dataclass
class Datasets:
    train: list[Window]          # training windows (stage 1 draws frames of them, stage 2 whole windows)
    val: list[Window]            # held-out windows (reconstruction error)
    eval: list[Window]           # the windows the card's metrics are measured on
    provenance: dict = field(default_factory=dict)  # manifest provenance about the data (files, splits, counts)
    # held-out windows never used for a choice (N-body: the test simulations), scored with the ddim runs as well
    test: list[Window] | None = None


class Domain(ABC):
    name: ClassVar[str]                    # manifest "domain": pedestrian | molecule | nbody | basketball
    config_class: ClassVar[type[ModelConfig]]
    length_unit: ClassVar[str]             # manifest length_unit: m | Å | nm | ft | sim
    time_unit: ClassVar[str]               # manifest frame_interval.unit: s | ms | fs | ps | ns | sim
    protocol: ClassVar[str]                # metrics over the K samples: "min" or "mean" (metrics.py)
    baselines: ClassVar[tuple[str, ...]] = ("constant velocity",)  # names in metrics.BASELINES
    scored_name: ClassVar[str] = "scored"  # metrics key counting the scored entities ("agents" for pedestrians)

    # ------------------------------------------------------------------ config
    def default_config(self) -> ModelConfig:
        return self.config_class()

    def load_config(self, d: dict, where: str = "config") -> ModelConfig:
        """A stored config (weights.pt "cfg" or manifest provenance.training_config) of this domain."""
        return self.config_class.from_dict(d, where)

    # ------------------------------------------------------------------ data
    @abstractmethod
    def datasets(self, cfg: ModelConfig, data_root: str) -> Datasets:
        """Reads the data the config names (below data_root, read in place) as windows of cfg.T frames."""

    @abstractmethod
    def windows_of_paths(self, cfg: ModelConfig, paths: list[str]) -> list[Window]:
        """Every window (stride 1) of the given files or folders, for `python3 -m lamslide_train.evaluate`."""

    def fixture_window(self, cfg: ModelConfig):
        """The window of the rollout fixture: (pos [T,n,D], mask [T,n], feats [n] or None), or None for the
        synthetic walkers of stages/export.py."""
        return None

    def extra_metrics(self, fs, approx, cfg: ModelConfig, data_root: str, nfe: int, log) -> dict:
        """Metrics beyond the NFE sweep on the eval windows (other data sets, distributions, long rollouts), run by
        the build at the default NFE and merged into manifest metrics; none by default."""
        return {}

    def probe_windows(self, cfg: ModelConfig, data_root: str) -> list[Window]:
        """The windows `python3 -m lamslide_train.probe` compares recipes on (windows the card does not report)."""
        raise DataError(f"the {self.name} domain defines no probe windows")
    def part_of(self, w: Window) -> str | None:
        """The part (scenario) of the evaluation a window belongs to, when a domain reports its metrics per part
        as well (basketball: rebound, score); None: one set."""
        return None

    def scope(self, cfg: ModelConfig) -> dict | None:
        """manifest "scope" for a model made for one system, else None."""
        return None

    def metrics_protocol(self, cfg: ModelConfig) -> dict:
        """manifest metrics.protocol."""
        e = cfg.evaluation
        return {"data": "val", "rule": self.protocol, "k": e.k, "window_stride": e.stride,
                "known_frames": cfg.observed, "unit": self.length_unit, "seed": cfg.training.seed}

    # ------------------------------------------------------------------ card
    @abstractmethod
    def card(self, man: dict, cfg: ModelConfig) -> str:
        """card.md from the manifest and the config (use cardtext.py for the shared paragraphs)."""

    @abstractmethod
    def rebuild_command(self, man: dict, cfg: ModelConfig) -> str:
        """The command line that rebuilds this model (as the card and README print it)."""


def feature_indices(tokens, vocab, key, where) -> np.ndarray:
    """Vocabulary indices [n] int32 of the entities' feature tokens; an entity whose token is missing or not in the
    vocabulary is an error naming the entity, its value and the vocabulary (CONTRACT.md, "Entity features")."""
    index = {t: i for i, t in enumerate(vocab)}
    out = np.zeros(len(tokens), np.int32)
    for i, t in enumerate(tokens):
        if t not in index:
            raise DataError(f"{where}: entity {i} has {key} {t!r}, not in the vocabulary {list(vocab)}")
        out[i] = index[t]
    return out
