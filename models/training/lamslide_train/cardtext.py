"""Paragraphs of a model card that depend on the shared stages, not on the domain: the first stage, the
approximator, the loss, the training cost and the rebuild flags. A domain's card (domains/<name>.py) composes them
with its own data and metrics text; cards.py writes the result."""
import shlex
from .config import ModelConfig, leaves
from .stages.first_stage import FEATURE_LOGIT_GAIN

WORDS = {1: "one", 2: "two", 3: "three"}


def feature_gain() -> float:
    return FEATURE_LOGIT_GAIN


def recon_value(me: dict):
    """The first stage's reconstruction error from manifest metrics (builds before v2 named it with the unit)."""
    return me.get("reconstruction_error", me.get("reconstruction_error_m"))


def first_stage_text(cfg: ModelConfig, me: dict, p: dict, unit: str, binding_note: str = "") -> str:
    f, D = cfg.first_stage, cfg.dims
    recon = recon_value(me)
    if f.kind == "binding" and f.id_table == "slots" and cfg.vocab:
        F = len(cfg.vocab)
        return f"""- IDs: pool P = {f.pool}; the ID table is one-hot: ID i owns row i of a {f.id_dim} x ({D} + {F}) latent.
- First stage: an exact binding code instead of the learned cross-attention encoder of the method:
  latent = sum over present entities of id_row (outer) [position, one-hot {cfg.features.key}], viewed as
  L x C = {f.L} x {f.C}; the decoder reads entity j back as id_row_j . latent: {D} position coordinates and {F}
  {cfg.features.key} channels ({', '.join(cfg.vocab)}), which times {feature_gain():g} are the feature logits. Each ID owns
  {D + F} latent coordinates (its slot), so the latent is a fixed-size array of slot trajectories that carry their
  entity's {cfg.features.key}. Reconstruction error {recon:.1e} {unit} on val, {cfg.features.key} accuracy
  {me.get('feature_accuracy', 1.0) * 100:.0f}%, no trainable parameters.{" " + binding_note if binding_note else ""}"""
    if f.kind == "binding" and f.id_table == "slots":
        return f"""- IDs: pool P = {f.pool}; the ID table is one-hot: ID i owns row i of a {f.id_dim} x {D} latent.
- First stage: an exact binding code instead of the learned cross-attention encoder of the method:
  latent = sum over present entities of id_row (outer) position, viewed as L x C = {f.L} x {f.C}; the decoder
  reads entity j back as id_row_j . latent. With one-hot rows each ID owns {WORDS.get(D, D)} latent coordinates (its slot), so
  the latent is a fixed-size array of slot trajectories. Reconstruction error {recon:.1e} {unit} on val, no trainable
  parameters.{" " + binding_note if binding_note else ""}"""
    if f.kind == "binding":
        return f"""- IDs: pool P = {f.pool}, a frozen table of orthonormal {f.id_dim}-dim rows.
- First stage: an exact orthogonal binding code instead of the learned cross-attention encoder of the method:
  latent = sum over present entities of id_row (outer) position, viewed as L x C = {f.L} x {f.C}; the decoder
  reads entity j back as id_row_j . latent. Reconstruction error {recon:.1e} {unit} on val, no trainable parameters."""
    art = "an" if cfg.features.key[:1] in ("a", "e", "i", "o", "u") else "a"
    feat = f", {art} {cfg.features.key} embedding ({len(cfg.vocab)} tokens: {', '.join(cfg.vocab)})" if cfg.vocab else ""
    acc = me.get("feature_accuracy")
    acc_txt = f", {cfg.features.key} accuracy {acc * 100:.1f}%" if acc is not None else ""
    if f.token == "route":
        token = (f"entity token = MLP of position features (raw + random Fourier){feat}; the ID does not enter the "
                 "token but routes it: the attention keys of the encoder are a linear map of the ID embedding alone, "
                 "and the decoder's first cross-attention reuses those routing logits")
    else:
        token = f"entity token = {f.token} MLP of position features (raw + random Fourier){feat} and the ID embedding"
    return f"""- IDs: pool P = {f.pool}, a frozen table of orthonormal {f.id_dim}-dim rows.
- First stage (learned, METHOD.md section 3): {token}; L x C = {f.L} x {f.C} learned queries cross-attend to the tokens, then
  {f.enc_layers} self-attention block(s); the decoder's query of an entity is a linear map of its ID embedding alone,
  after {f.dec_layers} self-attention block(s) over the latent, with a position head{" and " + art + " " + cfg.features.key + "-logit head" if cfg.vocab else ""}.
  Hidden {f.hidden}, {f.heads} heads, {p.get('params_first_stage', 0):,} parameters. Reconstruction error
  {recon:.3g} {unit} on val{acc_txt}."""


def approximator_text(cfg: ModelConfig, p: dict) -> str:
    a, it = cfg.approximator, cfg.interpolant
    base = ("the last known latent held over the unknown frames" if a.base == "last" else
            "a constant-velocity extrapolation of the known latents")
    if a.kind == "slots":
        wls = ("; a least-squares fit weighted by 1 / that variance, so the wide late frames do not leak into the "
               "early ones" if a.smooth_weighted else "; an unweighted least-squares fit")
        proj = (f"""on the future frames the
  residual is projected onto {a.smooth_basis} smooth functions of the time since "now" (tau, ..., tau^{a.smooth_basis}{wls}),
  so the sampled paths cannot jitter from frame to frame.""" if a.smooth_basis else "no smoothing projection.")
        # the velocity wording is that of the shipped pedestrian and system cards (they regenerate byte for byte)
        window = ("its \"now\" held over\n  the unknown frames" if a.base == "last" else
                  "a\n  constant-velocity extrapolation of them")
        out_base = "its \"now\" held" if a.base == "last" else "constant-velocity base"
        feat = (f"; the slot's {cfg.features.key} channels enter its token and are copied unchanged to every "
                "frame of the output" if cfg.vocab else "")
        pair = (f"""
- Pairwise terms at "now" between occupied slots (rotation-invariant: distance, inverse square distance, radial and
  relative speed{", the pair of " + cfg.features.key + "s" if cfg.vocab else ""}): an MLP of them gives every block's attention a
  bias per head, and {a.pair_messages} learned radial functions weight the unit vectors between the slots into
  {a.pair_messages} vector messages per slot (a learned force field), which enter the tokens.""" if a.pair_messages else "")
        if not a.absolute_now:
            pair += """
- No absolute positions in the tokens: a slot's window enters relative to where it stands at "now" (translation
  invariance per entity), so the network cannot learn where the walkways of the training scenes lie; where the
  neighbours stand reaches a token through the pairwise terms alone."""
        if a.state_messages:
            pair += f"""
- State messages: {a.state_messages} more learned functions of each pair at "now" weight where the slots' noisy states
  x_t stand relative to each other (sum over j of w(ij) (x_t,j - x_t,i), every frame) into every token, so a bond
  stretched by the noise is in the token itself, not only reachable through attention."""
        return f"""- Approximator (slot approximator): one token per slot holding that slot's whole window (known frames, {window}, the noisy state x_t{feat}); weights shared by all slots; {a.depth} blocks of
  attention among occupied slots + MLP with adaLN time modulation, hidden {a.hidden}, {a.heads} heads,
  {p['params_approximator']:,} parameters. GVP interpolant, data prediction, t in [{it.t0}, {it.t1}].{pair}
- Output: {out_base} + preconditioned residual (skip from x_t and a t-scaled network output, both
  weighted by the per-frame variance of the residual measured on the training data); {proj} Empty slots stay exactly zero.
- Slot graph (CONTRACT.md, "Slot approximator"): the same network exported a second time on the slots a scene
  occupies only, with each slot's occupancy given rather than inferred from its coordinates; the sampler uses it,
  so a rollout's cost follows the number of entities instead of the {cfg.first_stage.L * cfg.first_stage.C // (cfg.dims + len(cfg.vocab))} slots of the code."""
    return f"""- Approximator: {a.depth} blocks of spatial + temporal parallel attention/MLP with adaLN time modulation and
  rotary positions over the T x L latent tokens, hidden {a.hidden}, {a.heads} heads, {p['params_approximator']:,} parameters. GVP
  interpolant, data prediction, t in [{it.t0}, {it.t1}]. Output: {base} plus
  a skip from x_t and a t-scaled network residual."""


def loss_text(cfg: ModelConfig, unit: str) -> str:
    tr = cfg.training
    slots = " (a slot's frames where its entity is absent are left out)" if cfg.first_stage.layout == "slots" else ""
    if tr.aux == 1.0 and not tr.aux_frames:
        return f"""- Loss: decoded position MSE + inter-distance MSE on every frame for the entities seen in a known frame, plus
  {tr.flow_w} x latent MSE{slots}. EMA of the weights (decay {tr.ema}) exported."""
    # aux_frames only thins the decoded losses of latents encoded once (training.precompute); per-batch latents are
    # decoded on every frame
    frames = f"{tr.aux_frames} random future frames per window" if tr.aux_frames and tr.precompute else "every frame"
    edm = ("; the latent MSE is weighted by 1 / c_out(t)^2 (capped at 100, mean 1 over t), so the nearly clean "
           "flow times, where the fine structure is decided, count as much as the noisy ones" if tr.loss_weight == "edm"
           else "")
    if tr.bond_w:
        edm += (f"; plus {tr.bond_w:g} x the squared error of the decoded distances of the pairs closer than "
                f"{tr.bond_cut:g} {unit} in the true frame (the bonds), per entity, on every frame, which the "
                "all-pairs distance term weighs by about 1/n")
    if tr.cond_noise:
        edm += (f"; the known frames are perturbed atom by atom (a standard deviation drawn per window from 0 to "
                f"{tr.cond_noise:g} {unit}) while the targets stay clean, because a chained rollout conditions "
                "on generated frames")
    # the shipped cards without these options keep their line breaks (they regenerate byte for byte)
    ema = f"\n  EMA of the weights (decay {tr.ema}) exported." if edm else f" EMA of the weights (decay {tr.ema}) exported."
    return f"""- Loss: {tr.flow_w} x latent MSE (known frames weighted 0.1){slots} + {tr.aux} x (decoded position MSE +
  inter-distance MSE) on {frames}, decoded by the frozen first stage{edm}.{ema}"""


def cost_text(cfg: ModelConfig, p: dict) -> str:
    tr, w = cfg.training, p["wall_s"]
    first = ("First stage: nothing to train." if cfg.first_stage.kind == "binding" else
             f"First stage: {tr.steps1} steps x batch {tr.batch1}, {w['stage1']:.0f} s wall.")
    return f"""- {first} Augmentation: {w['latents']:.0f} s.
- Approximator: {tr.steps2} steps x batch {tr.batch2}, {w['stage2']:.0f} s wall.
- Evaluation above: {w['eval']:.0f} s. Total {w['total'] / 60:.1f} min on {p['machine']}
  (torch {p['torch']}, {p.get('threads', 1)} thread, with other jobs on the machine)."""


def rebuild_flags(cfg: ModelConfig, defaults: ModelConfig, skip=()) -> str:
    """The build flags where this model's config differs from the domain's defaults (flat names, as the build
    command takes them)."""
    want = dict(((path, (f, v)) for path, f, v in leaves(cfg)))
    out = ""
    for path, f, dv in leaves(defaults):
        key = f.metadata.get("flat", f.name)
        if f.name == "domain" or not f.metadata.get("cli", True) or key in skip:
            continue
        have = want[path][1]
        if have != dv:
            val = ",".join(map(str, have)) if isinstance(have, list) else int(have) if isinstance(have, bool) else have
            # quoted for the shell: an empty value (no first-stage weights) must stay an argument
            out += f" --{key.replace('_', '-')} {shlex.quote(str(val))}"
    return out
