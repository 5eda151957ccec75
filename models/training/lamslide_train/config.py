"""Typed model configurations: one dataclass per model, with sections for the first stage, the approximator,
training and evaluation, and a domain subclass (domains/<name>.py) holding that domain's defaults and data choice.

A configuration is stored as JSON in weights.pt ("cfg") and in the manifest (provenance.training_config):

  {"format": "lamslide-config/1", "domain": "pedestrian", "dims": 2, ..., "first_stage": {...}, ...}

Models built before this module existed store a flat dictionary ({"first_stage": "binding", "pool": 96, ...}); each
leaf field names its flat key (`flat`, default: the field name), so `from_flat` reads those and `to_flat` writes
them back unchanged, and the build command's flags are the same flat names (`--steps2`, `--eval-nfe`, ...).

This module knows no domain: domains/__init__.py maps a stored "domain" to its config class.
"""
from __future__ import annotations

import copy
import dataclasses
import types
import typing
from dataclasses import dataclass, field

CONFIG_FORMAT = "lamslide-config/1"


class ConfigError(ValueError):
    """A configuration value that cannot be used; the message names the field (dotted path) and the cause."""


def differing_fields(a: dict, b: dict) -> list[str]:
    """The fields in which two nested config dicts differ, as `section.field` (a top-level value by its name)."""
    names = set()
    for s in set(a) | set(b):
        x, y = a.get(s), b.get(s)
        if isinstance(x, dict) or isinstance(y, dict):
            x, y = x if isinstance(x, dict) else {}, y if isinstance(y, dict) else {}
            names |= {f"{s}.{k}" for k in set(x) | set(y) if x.get(k) != y.get(k)}
        elif x != y:
            names.add(s)
    return sorted(names)


def flat(name: str, **kw):
    """Field metadata: the key of this field in the flat (legacy) dictionary and on the command line."""
    return {"flat": name, **kw}


# ---------------------------------------------------------------------------------------------------- sections

@dataclass
class FeaturesConfig:
    """Per-entity features (CONTRACT.md, contract v2): a token of `vocab` per entity, fed to the encoder as an index,
    predicted by the decoder as logits. An empty vocabulary means no feats input and no feat_logits output."""
    key: str = field(default="", metadata=flat("feature_key", choices=("", "element", "group", "charge")))
    vocab: list[str] = field(default_factory=list)


@dataclass
class InterpolantConfig:
    """GVP interpolant with data prediction; the sampler integrates from t0 to t1."""
    t0: float = 0.001
    t1: float = 0.999


@dataclass
class FirstStageConfig:
    kind: str = field(default="binding", metadata=flat("first_stage", choices=("binding", "learned")))
    # binding: "slots" (one-hot rows: ID i owns latent coordinates [i*D, (i+1)*D)) or "orthogonal" (random
    # orthonormal rows); the learned first stage always uses a frozen orthogonal table
    id_table: str = field(default="slots", metadata={"choices": ("slots", "orthogonal")})
    pool: int = 96
    id_dim: int = 128
    L: int = 4
    C: int = 64
    # learned first stage only
    hidden: int = field(default=64, metadata=flat("hidden1"))
    heads: int = field(default=4, metadata=flat("heads1"))
    enc_layers: int = 1
    dec_layers: int = 1
    dec_cross: int = 2  # cross-attention blocks of the decoder's ID queries
    # entity-token design of the learned encoder (stages/first_stage.py): "concat" = MLP(position features, feature
    # embedding, ID embedding) (FirstStage); "route" = the ID does not enter the token but routes it: the encoder's
    # attention keys are a linear map of the ID embedding alone, and the decoder's first cross-attention reuses those
    # routing logits (RoutedFirstStage, the molecule models' first stage)
    token: str = field(default="concat", metadata={"choices": ("concat", "route")})
    feat_dim: int = 16  # width of the feature embedding (concat; route embeds features at the hidden width)
    n_freq: int = 16          # random Fourier features per coordinate (route)
    freq_sigma: float = 2.0   # their frequency scale, cycles per normalised unit (route)
    route_gain: float = 8.0   # initial gain of the ID keys (route)
    q_init: float = 0.5       # standard deviation of the initial latent queries (route)
    # a trained first stage to load instead of training stage 1 (path relative to models/training, e.g.
    # artifacts/mol_first_stage.pt written by lamslide_train.mol_first_stage); "" = train it in the build
    weights: str = field(default="", metadata=flat("first_stage_weights"))

    @property
    def layout(self) -> str:
        """Manifest first_stage.layout: "slots" when every ID owns its own latent coordinates, else "shared"."""
        return "slots" if self.kind == "binding" and self.id_table == "slots" else "shared"


@dataclass
class ApproximatorConfig:
    kind: str = field(default="slots", metadata=flat("approximator", choices=("slots", "transformer")))
    hidden: int = field(default=128, metadata=flat("hidden2"))
    depth: int = field(default=2, metadata=flat("depth2"))
    heads: int = field(default=4, metadata=flat("heads2"))
    # transformer approximator: what the unknown frames start from before the network's residual: "velocity" =
    # the last two known latents extrapolated at constant velocity, "last" = the last known latent held (molecules at
    # 5 fs: bond vibrations make a two-frame velocity a poor guess, see the md-small card)
    base: str = field(default="velocity", metadata={"choices": ("velocity", "last")})
    # slot approximator: future-frame residual projected onto tau..tau^smooth_basis (0: no projection), fitted with
    # weights 1 / resvar when smooth_weighted
    smooth_basis: int = 2
    smooth_weighted: bool = True
    # slot approximator: pairwise terms between occupied slots at "now" (rotation-invariant attention biases and
    # `pair_messages` learned radial vector messages, stages/approximator.py); 0 = none (the pedestrian models)
    pair_messages: int = 0
    # slot approximator: S learned pair weights applied to the noisy state (every slot's token gets
    # sum_j w_s(ij) (x_t,j - x_t,i)); needs pair_messages > 0; 0 = none
    state_messages: int = 0
    # slot approximator: every token holds its slot's position at "now" in the scene's centred frame (True, the
    # shipped models), or only its motion relative to that position (False: translation invariance per entity, the
    # neighbours placed by the pair terms alone; needs pair_messages > 0)
    absolute_now: bool = True
    # per-frame prior variance of the residual over the base, measured by the build (not a flag); the slot
    # approximator always has it, the transformer when the build precomputes latents (else a constant 0.25)
    resvar: list[float] | None = field(default=None, metadata={"cli": False})


@dataclass
class TrainingConfig:
    seed: int = 0
    batch1: int = 96
    steps1: int = 800
    lr1: float = 2e-3
    ema1: float = 0.999
    batch2: int = 48
    steps2: int = 1500
    lr2: float = 1e-3
    ema: float = 0.995
    flow_w: float = 0.1   # weight of the latent MSE in stage 2
    aux: float = 1.0      # weight of the decoded position + inter-distance losses in stage 2
    feat_w: float = 0.1   # weight of the feature cross-entropy in stage 1 (models with a vocabulary)
    copies: int = 6       # augmented copies of every training window for stage 2
    jitter: float = 0.3   # standard deviation of the centre jitter, in the domain's length unit
    # stage 2 on latents encoded once by the frozen first stage (METHOD.md section 4) instead of per batch: every
    # augmented training window (which may be longer than T; windows of T frames are cut from it at random offsets)
    # is encoded when the build starts. Needs every entity present in every frame (molecules, N-body)
    precompute: bool = False
    aux_frames: int = 0   # frames per window decoded for the auxiliary position losses (0: all T)
    # weight of the latent MSE over the flow time: "uniform", or "edm" = 1 / c_out(t)^2 (stages/training.edm_weight;
    # per-batch latents only)
    loss_weight: str = field(default="uniform", metadata={"choices": ("uniform", "edm")})
    # known frames of stage-2 batches perturbed atom by atom with a standard deviation drawn per window from
    # 0 .. cond_noise (domain length unit; the targets stay clean), for chained rollouts; per-batch latents only
    cond_noise: float = 0.0
    # orientation augmentation: a uniformly random rotation, or a random reflection of each axis (the symmetries of
    # a court: x -> -x and y -> -y about the centre), or none
    augment: str = field(default="rotation", metadata={"choices": ("rotation", "reflection", "none")})
    # every augmented window scaled about its centre by a factor drawn log-uniformly from [1/speed_scale,
    # speed_scale]: speeds and spacings both change, as between scenes walked at another pace or calibrated by
    # another homography; 1 = none
    speed_scale: float = 1.0
    # each augmented window played backwards with probability 1/2 (a walked path reversed is still a walk); the
    # frames are reversed before the window is normalised at its "now" frame
    time_reverse: bool = False
    # stage-2 batches of windows with similar entity counts (stages/training.size_bucketed): the slot approximator
    # then runs on few padded slots per batch; every window keeps the same chance to be drawn. Per-batch latents only
    size_batches: bool = False
    # weight of a decoded distance loss over near pairs only: entities closer than bond_cut (domain length unit) in
    # the true frame, i.e. a molecule's bonds, which the all-pairs inter-distance loss of `aux` weighs by about 1/n;
    # 0 = off. Per-batch latents only
    bond_w: float = 0.0
    bond_cut: float = 2.0


@dataclass
class EvaluationConfig:
    stride: int = field(default=10, metadata=flat("eval_stride"))
    k: int = field(default=20, metadata=flat("eval_k"))
    nfe: list[int] = field(default_factory=lambda: [1, 2, 5, 10, 20], metadata=flat("eval_nfe"))
    default_nfe: int = 10
    default_solver: str = field(default="ddim", metadata={"choices": ("euler", "heun", "ddim")})


SECTIONS = ("features", "interpolant", "first_stage", "approximator", "training", "evaluation")


@dataclass
class ModelConfig:
    """What every model has. A domain subclass sets `domain`, the defaults, and adds a `data` section if it needs
    one (which data to train on); shared stages read only the fields here."""
    domain: str = ""
    dims: int = 2
    observed: int = 8
    future: int = 12
    frame_interval: float = 0.4
    scale: float = 1.0   # positions are divided by this after centring (length unit of the domain)
    features: FeaturesConfig = field(default_factory=FeaturesConfig)
    interpolant: InterpolantConfig = field(default_factory=InterpolantConfig)
    first_stage: FirstStageConfig = field(default_factory=FirstStageConfig)
    approximator: ApproximatorConfig = field(default_factory=ApproximatorConfig)
    training: TrainingConfig = field(default_factory=TrainingConfig)
    evaluation: EvaluationConfig = field(default_factory=EvaluationConfig)

    @property
    def T(self) -> int:
        return self.observed + self.future

    @property
    def vocab(self) -> list[str]:
        return self.features.vocab

    def validate(self) -> "ModelConfig":
        """Raises ConfigError naming the first inconsistent field; returns self."""
        for path, f, v in leaves(self):
            ch = f.metadata.get("choices")
            if ch is not None and v not in ch:
                raise ConfigError(f"{path}: must be one of {', '.join(map(repr, ch))}, got {v!r}")
        fs, ap = self.first_stage, self.approximator
        if self.dims not in (2, 3):
            raise ConfigError(f"dims: must be 2 or 3, got {self.dims}")
        if self.observed < 2 or self.future < 1:
            raise ConfigError(f"observed/future: need observed >= 2 (the constant-velocity base uses two frames) and "
                              f"future >= 1, got {self.observed}/{self.future}")
        if not self.scale > 0:
            raise ConfigError(f"scale: must be > 0, got {self.scale}")
        if not self.training.speed_scale >= 1:
            raise ConfigError(f"training.speed_scale: must be >= 1 (1 = no scaling), got {self.training.speed_scale}")
        if not 0 <= self.interpolant.t0 < self.interpolant.t1 <= 1:
            raise ConfigError(f"interpolant: need 0 <= t0 < t1 <= 1, got {self.interpolant.t0}, {self.interpolant.t1}")
        if bool(self.features.key) != bool(self.features.vocab):
            raise ConfigError(f"features: key and vocab go together (key {self.features.key!r}, "
                              f"{len(self.features.vocab)} tokens)")
        if len(set(self.features.vocab)) != len(self.features.vocab):
            raise ConfigError(f"features.vocab: tokens must be distinct, got {self.features.vocab}")
        if fs.kind == "learned" and fs.id_table != "orthogonal":
            raise ConfigError("first_stage.id_table: the learned first stage uses a frozen orthogonal ID table; set "
                              f"'orthogonal', got {fs.id_table!r}")
        # a binding code gives every ID a row of dims position coordinates plus one channel per feature token
        width = self.dims + len(self.features.vocab)
        if fs.kind == "binding" and (fs.pool > fs.id_dim or fs.id_dim * width != fs.L * fs.C):
            raise ConfigError(f"first_stage: a binding code needs pool <= id_dim and id_dim * (dims + vocabulary size) "
                              f"== L * C, got pool {fs.pool}, id_dim {fs.id_dim}, dims {self.dims}, vocabulary "
                              f"{len(self.features.vocab)}, L x C {fs.L} x {fs.C}")
        if fs.token == "route" and (fs.kind != "learned" or fs.dec_cross < 1):
            raise ConfigError("first_stage.token: 'route' is a learned first stage with at least one decoder "
                              f"cross-attention (it reuses the routing there), got kind {fs.kind!r}, dec_cross "
                              f"{fs.dec_cross}")
        if fs.weights and fs.kind != "learned":
            raise ConfigError(f"first_stage.weights: only a learned first stage loads weights, got kind {fs.kind!r}")
        if ap.kind == "slots" and fs.layout != "slots":
            raise ConfigError("approximator.kind: the slot approximator needs the slot layout (first_stage.kind "
                              f"'binding', id_table 'slots'), got {fs.kind!r}/{fs.id_table!r}")
        if ap.pair_messages and ap.kind != "slots":
            raise ConfigError(f"approximator.pair_messages: only the slot approximator has pairwise terms, got kind "
                              f"{ap.kind!r}")
        if ap.state_messages and not ap.pair_messages:
            raise ConfigError(f"approximator.state_messages: needs the pair terms (pair_messages > 0), got "
                              f"{ap.state_messages} state messages without them")
        if not ap.absolute_now and not ap.pair_messages:
            raise ConfigError("approximator.absolute_now: False leaves the neighbours' positions to the pair terms, "
                              "so it needs approximator.pair_messages > 0")
        if ap.pair_messages < 0:
            raise ConfigError(f"approximator.pair_messages: must be >= 0, got {ap.pair_messages}")
        if not 0 <= self.training.aux_frames <= self.T:
            raise ConfigError(f"training.aux_frames: need 0 .. {self.T} (0 = all frames), got {self.training.aux_frames}")
        if not (self.training.bond_w >= 0 and self.training.bond_cut > 0):
            raise ConfigError(f"training.bond_w / bond_cut: need bond_w >= 0 and bond_cut > 0, got "
                              f"{self.training.bond_w} / {self.training.bond_cut}")
        if self.training.bond_w and self.training.precompute:
            raise ConfigError("training.bond_w: the near-pair loss is trained on per-batch latents; set "
                              "training.precompute 0")
        if self.training.precompute and ap.kind == "slots":
            raise ConfigError("training.precompute: the slot approximator trains on per-batch latents (its loss "
                              "leaves out the slots of absent entities), set precompute 0")
        if ap.resvar is not None and len(ap.resvar) != self.T:
            raise ConfigError(f"approximator.resvar: needs {self.T} values (one per window frame), got {len(ap.resvar)}")
        for name, hid, heads in (("first_stage", fs.hidden, fs.heads), ("approximator", ap.hidden, ap.heads)):
            if hid % heads or (hid // heads) % 2:
                raise ConfigError(f"{name}: hidden ({hid}) must be a multiple of 2 * heads ({heads})")
        return self

    # ------------------------------------------------------------------ serialisation
    def to_dict(self) -> dict:
        """The nested JSON form stored in weights.pt and manifests."""
        return {"format": CONFIG_FORMAT, **_to_json(self)}

    def to_flat(self) -> dict:
        """The flat form: every leaf under its flat key (None-valued leaves without a value are left out)."""
        out = {}
        for path, f, v in leaves(self):
            key = f.metadata.get("flat", f.name)
            if key in out:
                raise ConfigError(f"{path}: flat key {key!r} is used twice")
            if v is not None:
                out[key] = _to_json(v)
        return out

    @classmethod
    def from_dict(cls, d: dict, where: str = "config") -> "ModelConfig":
        """Reads the nested form (checks the format, the domain, every key and every type)."""
        if not isinstance(d, dict):
            raise ConfigError(f"{where}: expected an object, got {type(d).__name__}")
        if d.get("format") != CONFIG_FORMAT:
            raise ConfigError(f"{where}.format: expected {CONFIG_FORMAT!r}, got {d.get('format')!r}")
        body = {k: v for k, v in d.items() if k != "format"}
        cfg = _from_json(cls, body, where)
        if cls.domain_default() and cfg.domain != cls.domain_default():
            raise ConfigError(f"{where}.domain: {cls.__name__} is for {cls.domain_default()!r}, got {cfg.domain!r}")
        return cfg

    @classmethod
    def from_flat(cls, d: dict, legacy: dict | None = None, where: str = "config") -> "ModelConfig":
        """Reads the flat form. Keys it lacks take `legacy[key]` (the value that an option had before it existed),
        else the default; unknown keys are an error."""
        if not isinstance(d, dict):
            raise ConfigError(f"{where}: expected an object, got {type(d).__name__}")
        cfg = cls()
        seen = set()
        legacy = legacy or {}
        for path, f, _ in leaves(cfg):
            key = f.metadata.get("flat", f.name)
            if key in d:
                val = d[key]
            elif key in legacy:
                val = legacy[key]
            else:
                continue
            seen.add(key)
            set_path(cfg, path, _coerce(_hint_of(cfg, path), val, f"{where}.{key}"))
        extra = sorted(set(d) - seen)
        if extra:
            raise ConfigError(f"{where}: unknown key(s) {', '.join(map(repr, extra))} for {cls.__name__}")
        return cfg

    @classmethod
    def domain_default(cls) -> str:
        return cls.__dataclass_fields__["domain"].default

    def replace(self, **changes) -> "ModelConfig":
        """A copy with dotted paths changed: cfg.replace(**{"training.steps2": 10})."""
        out = copy.deepcopy(self)
        for path, val in changes.items():
            set_path(out, path, val)
        return out


# ---------------------------------------------------------------------------------------------------- helpers

def leaves(obj, prefix=""):
    """(dotted path, dataclass field, value) of every non-dataclass field, depth first in declaration order."""
    for f in dataclasses.fields(obj):
        v = getattr(obj, f.name)
        p = f"{prefix}{f.name}"
        if dataclasses.is_dataclass(v):
            yield from leaves(v, p + ".")
        else:
            yield p, f, v


def set_path(obj, path: str, value):
    *head, last = path.split(".")
    for h in head:
        obj = getattr(obj, h)
    if last not in {f.name for f in dataclasses.fields(obj)}:
        raise ConfigError(f"{path}: no such field")
    setattr(obj, last, value)


def _hints(cls):
    return typing.get_type_hints(cls)


def _hint_of(obj, path: str):
    *head, last = path.split(".")
    for h in head:
        obj = getattr(obj, h)
    return _hints(type(obj))[last]


def _to_json(v):
    if dataclasses.is_dataclass(v):
        return {f.name: _to_json(getattr(v, f.name)) for f in dataclasses.fields(v)}
    if isinstance(v, list):
        return [_to_json(x) for x in v]
    return v


def _from_json(cls, d, where):
    if not isinstance(d, dict):
        raise ConfigError(f"{where}: expected an object, got {type(d).__name__}")
    hints = _hints(cls)
    names = [f.name for f in dataclasses.fields(cls)]
    extra = sorted(set(d) - set(names))
    if extra:
        raise ConfigError(f"{where}: unknown key(s) {', '.join(map(repr, extra))}")
    kw = {}
    for n in names:
        if n in d:
            kw[n] = _coerce(hints[n], d[n], f"{where}.{n}")
    return cls(**kw)


def _coerce(hint, v, where):
    """Checks `v` against the type hint (int, float, bool, str, list[...], X | None, a dataclass); ints are accepted
    for floats and 0/1 for bools (the flat form stored flags as 0/1)."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(hint)
        if v is None and type(None) in args:
            return None
        (inner,) = [a for a in args if a is not type(None)]
        return _coerce(inner, v, where)
    if dataclasses.is_dataclass(hint):
        return _from_json(hint, v, where)
    if origin is list:
        if not isinstance(v, (list, tuple)):
            raise ConfigError(f"{where}: expected a list, got {v!r}")
        (inner,) = typing.get_args(hint)
        return [_coerce(inner, x, f"{where}[{i}]") for i, x in enumerate(v)]
    if hint is bool:
        if isinstance(v, bool):
            return v
        if isinstance(v, int) and v in (0, 1):
            return bool(v)
        raise ConfigError(f"{where}: expected true/false, got {v!r}")
    if hint is int:
        if isinstance(v, bool) or not isinstance(v, int):
            raise ConfigError(f"{where}: expected an integer, got {v!r}")
        return v
    if hint is float:
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            raise ConfigError(f"{where}: expected a number, got {v!r}")
        return float(v)
    if hint is str:
        if not isinstance(v, str):
            raise ConfigError(f"{where}: expected a string, got {v!r}")
        return v
    raise ConfigError(f"{where}: unsupported type {hint}")


def parse_cli_value(hint, text: str, where: str):
    """A command-line string as a value of `hint` (lists: comma separated; bools: 0/1/true/false)."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        (hint,) = [a for a in typing.get_args(hint) if a is not type(None)]
        origin = typing.get_origin(hint)
    if origin is list:
        (inner,) = typing.get_args(hint)
        return [parse_cli_value(inner, s, where) for s in text.split(",") if s != ""]
    try:
        if hint is bool:
            low = text.lower()
            if low not in ("0", "1", "true", "false"):
                raise ValueError(text)
            return low in ("1", "true")
        if hint is int:
            return int(text)
        if hint is float:
            return float(text)
        return text
    except ValueError:
        raise ConfigError(f"{where}: cannot read {text!r} as {getattr(hint, '__name__', hint)}") from None


def add_cli_flags(ap, cfg: ModelConfig):
    """One flag per leaf field (its flat name, '_' as '-'), defaulting to the value in `cfg`; returns the mapping
    argparse destination -> (dotted path, type hint) for `apply_cli`. Fields with metadata required=True must be
    given; "" is then not a valid choice."""
    dest = {}
    for path, f, v in leaves(cfg):
        if f.name == "domain" or not f.metadata.get("cli", True):
            continue
        key = f.metadata.get("flat", f.name)
        required = bool(f.metadata.get("required"))
        shown = ",".join(map(str, v)) if isinstance(v, list) else v
        kw = {"metavar": "VALUE", "help": f"{path} (required)" if required else f"{path} (default: {shown})"}
        if f.metadata.get("choices"):
            kw["choices"] = [c for c in f.metadata["choices"] if not (required and c == "")]
            kw.pop("metavar")
        ap.add_argument("--" + key.replace("_", "-"), dest=f"cfg__{key}", default=None, required=required, **kw)
        dest[f"cfg__{key}"] = (path, _hint_of(cfg, path))
    return dest


def apply_cli(cfg: ModelConfig, args, dest) -> ModelConfig:
    out = cfg.replace()
    for d, (path, hint) in dest.items():
        text = getattr(args, d)
        if text is not None:
            set_path(out, path, parse_cli_value(hint, text, "--" + d[5:].replace("_", "-")))
    return out
