"""Domain adapters, by manifest domain name.

Adding a domain (molecule, nbody, basketball):
1. domains/<name>.py: a `XConfig(ModelConfig)` dataclass with the domain's defaults (dims, observed/future,
   frame_interval, scale, features {key, vocab}, the stage sections) and, if it needs one, a `data` section naming
   what to train on; and an adapter `XDomain(Domain)` (domains/base.py): units, metrics protocol ("min"/"mean"),
   baselines, `datasets(cfg, data_root)` returning Windows (feats = vocabulary indices via feature_indices), the
   card text, the rebuild command. Simulators that make the data live in sim/.
2. Register its instance in DOMAINS below.
Then `python3 -m lamslide_train.build --domain <name> ...` trains, evaluates, exports (contract v2) and writes the
card with the shared stages; nothing in stages/ changes.
"""
import json

from ..config import ConfigError, ModelConfig
from .base import DataError, Datasets, Domain, feature_indices
from .basketball import DOMAIN as BASKETBALL
from .molecule import DOMAIN as MOLECULE
from .nbody import DOMAIN as NBODY
from .pedestrian import DOMAIN as PEDESTRIAN
from .peptide import DOMAIN as PEPTIDE

DOMAINS: dict[str, Domain] = {d.name: d for d in (PEDESTRIAN, MOLECULE, NBODY, BASKETBALL)}
# a model of one molecule: manifest domain "molecule", its own adapter (build --domain peptide)
DOMAINS["peptide"] = PEPTIDE

__all__ = ["DOMAINS", "DataError", "Datasets", "Domain", "domain_of", "feature_indices", "get_domain", "load_config"]


def get_domain(name: str) -> Domain:
    if name not in DOMAINS:
        raise ConfigError(f"domain: unknown domain {name!r} (known: {', '.join(DOMAINS)})")
    return DOMAINS[name]


def domain_of(cfg: ModelConfig) -> Domain:
    """The adapter a config was made by: the one whose config class it is, else the one of its domain name."""
    for d in DOMAINS.values():
        if type(cfg) is d.config_class:
            return d
    return get_domain(cfg.domain)


def load_config(d: dict, where: str = "config") -> ModelConfig:
    """Any stored config: the nested form names its domain; the flat form of the first builds is pedestrian."""
    if not isinstance(d, dict):
        raise ConfigError(f"{where}: expected an object, got {type(d).__name__}")
    if "format" not in d:
        return PEDESTRIAN.load_config(d, where)
    if d.get("domain") == "molecule" and isinstance(d.get("data"), dict) and "ala2_dir" in d["data"]:
        return PEPTIDE.load_config(d, where)  # the peptide model's data section names its reference MD
    return get_domain(d.get("domain", "")).load_config(d, where)


def recipe_of(d: dict, where: str = "recipe", ignore=("approximator.resvar",)) -> dict:
    """A stored config as two recipes are compared: loaded, so fields added after it was stored take their defaults,
    and without the `section.field`s in `ignore` (by default the residual variance, which training measures)."""
    r = load_config(json.loads(json.dumps(d)), where).to_dict()
    for name in ignore:
        section, key = name.split(".")
        r.get(section, {}).pop(key, None)
    return r
