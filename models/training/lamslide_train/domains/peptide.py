"""Alanine dipeptide (model `ala2`): the project's OpenMM reference MD (data/ala2/README.md, sim/ala2.py), all 22
atoms with element features, 3-D, Å, one frame per ps. A molecule model in the manifest (domain "molecule", scope
the formula C6H12N2O2), built on the learned molecular first stage of md-small, frozen.

Data (every window lies inside one run; none crosses two):
- training: train.npz (20 ns) without its last `data.val_ns`, as segments of data.segment frames, every frame a
  possible segment start `data.segment_stride` apart; stage 2 cuts windows of observed + future frames from them;
- val: windows from the last `data.val_ns` of train.npz (held out of training), for the NFE sweep and the default
  NFE;
- evaluation: eval_a.npz (10 ns, its own seed) is the reference of the long-rollout metrics; eval_b.npz (10 ns,
  another seed) is a second, independent MD run scored the same way: the MD-versus-MD noise floor.

The long-rollout metrics (CONTRACT.md, "Evaluation protocols (v2)"): chained windows from a single start structure
(eval_a's first frames) out to data.rollout_ns, each window conditioned on the last `observed` generated frames;
Jensen-Shannon distances of the phi and psi histograms (100 bins each over [-180, 180)) and of the 2-D phi/psi
histogram (50 x 50) against eval_a, basin populations, bond stability and generated ns per wall-clock second.

Status: models/ala2 is shipped with the defaults below (the slot code, not md-small's learned first stage; its card
says why, with the numbers of the learned build and of the design probes). It beats the frozen baseline on val
windows (ADE 0.772 against 0.828 Å at NFE 1) but its chained rollouts come apart (0 of 2 x 10 ns keep every bond;
JSD phi/psi 0.84 against the MD floor of 0.17), so it is not yet a model of the dynamics. The first build with
md-small's learned first stage (frozen; 1500 stage-2 steps, 48 min) decoded the MD well (RMSD 0.038 Å on eval_a) but
no generated frame kept every bond within 15 %, with the same JSD. What the probes showed: superposing the futures on
"now" shrinks the residual the flow must place from a per-frame variance of about 2 to 0.1 (the molecule tumbles);
heavy-atom bonds then stay within a few per cent in single windows, the freely turning terminal methyl hydrogens do
not, and chained windows drift (at NFE 1 the bonds shrink window by window). Levers not tried: a longer build, an
equivariant approximator, internal coordinates for the methyl rotors, a bond-length loss on the samples.
"""
import dataclasses
import os
import time
from dataclasses import dataclass, field

import numpy as np

from .. import cardtext, metrics
from ..config import ApproximatorConfig, EvaluationConfig, FirstStageConfig, TrainingConfig
from ..stages.rollout import chained_rollout
from .base import DataError, Datasets, feature_indices
from .molecule import (TRAINING_DIR, MoleculeConfig, MoleculeDomain, distance_bonds, reconstruction, Reference,
                       trajectory_windows)

FORMULA = "C6H12N2O2"
RUNS = ("train", "eval_a", "eval_b")
# backbone torsions by (residue, atom name): phi = C(ACE)-N-CA-C, psi = N-CA-C-N(NME)
PHI = (("ACE", "C"), ("ALA", "N"), ("ALA", "CA"), ("ALA", "C"))
PSI = (("ALA", "N"), ("ALA", "CA"), ("ALA", "C"), ("NME", "N"))
BASINS = ("beta_c7eq", "pII_c5", "alpha_r", "alpha_l")
BASIN_LABELS = {"beta_c7eq": "β/C7eq", "pII_c5": "PII/C5", "alpha_r": "αR", "alpha_l": "αL"}


@dataclass
class PeptideData:
    # the reference MD (data/ala2/README.md), relative to models/training unless absolute
    ala2_dir: str = "data/ala2"
    val_ns: float = 2.0          # the last val_ns of train.npz are held out (val windows)
    segment: int = 60            # frames per training segment without `align` (stage 2 cuts windows of T from it)
    segment_stride: int = 2      # frames between segment (window) starts
    # The molecule tumbles: between two 1 ps frames the atoms move 2.2 Å RMS, 0.8 Å once the frames are rigidly
    # superposed (train.npz). With `align`, every window's future frames are superposed on "now" (Kabsch on the heavy
    # atoms), so the model samples the internal motion and not the tumbling; each training start gives two windows,
    # the known frames as recorded (as a dropped trajectory has them) and superposed too (as a chained rollout's
    # generated frames are). Training windows are then T frames long (no segments).
    align: bool = True
    val_stride: int = 20         # frames between val window starts
    rollout_ns: float = 10.0     # length of the long chained rollouts (the card's distribution metrics)
    rollouts: int = 2            # independent long rollouts (samples) from the start structure
    stability_stride: int = 10   # frames of the rollout checked for bond stability: every one (1) or every n-th


@dataclass
class PeptideConfig(MoleculeConfig):
    """ala2's recipe (the defaults): the slot code with element channels (each of the 22 atoms owns 3 + 7 latent
    coordinates), the slot approximator with pair terms between the atoms at "now" and 8 state messages (where the
    noisy state of an atom stands relative to its neighbours), "now" held as the base (at 1 ps a two-frame velocity
    is noise), the EDM-like loss weight, 4 known + 16 future frames of 1 ps. Why not md-small's learned first stage: the card
    (LEARNED_ATTEMPT)."""
    observed: int = 4
    future: int = 16
    frame_interval: float = 1.0   # ps
    first_stage: FirstStageConfig = field(default_factory=lambda: FirstStageConfig(
        kind="binding", id_table="slots", pool=32, id_dim=32, L=32, C=10, token="concat",
        # unused by the slot code; md-small's values, as the shipped build recorded them
        hidden=128, enc_layers=2, dec_layers=2, freq_sigma=0.3))
    approximator: ApproximatorConfig = field(default_factory=lambda: ApproximatorConfig(
        kind="slots", hidden=128, depth=3, heads=4, base="last", smooth_basis=0, pair_messages=16, state_messages=8))
    training: TrainingConfig = field(default_factory=lambda: TrainingConfig(
        seed=0, batch2=48, steps2=4000, lr2=1e-3, ema=0.995, flow_w=0.1, aux=1.0, copies=2, jitter=0.05,
        precompute=False, aux_frames=4, loss_weight="edm", cond_noise=0.15))
    evaluation: EvaluationConfig = field(default_factory=lambda: EvaluationConfig(
        stride=20, k=5, nfe=[1, 2, 5, 10], default_nfe=5, default_solver="ddim"))
    data: PeptideData = field(default_factory=PeptideData)


# ------------------------------------------------------------------------------------------------- reading

@dataclass
class Run:
    coords: np.ndarray   # [F, 22, 3] Å
    feats: np.ndarray    # [22] vocabulary indices
    phi: tuple           # atom indices of the phi torsion
    psi: tuple
    path: str


def ala2_dir(cfg) -> str:
    d = cfg.data.ala2_dir
    return d if os.path.isabs(d) else os.path.join(TRAINING_DIR, d)


def _torsion_atoms(names, residues, quad, path):
    out = []
    for res, name in quad:
        hit = [i for i, (r, n) in enumerate(zip(residues, names)) if r == res and n == name]
        if len(hit) != 1:
            raise DataError(f"{path}: expected one atom {name} in residue {res}, found {len(hit)}")
        out.append(hit[0])
    return tuple(out)


def read_run(cfg, name) -> Run:
    """One of the reference MD runs (train, eval_a, eval_b) of data.ala2_dir."""
    path = os.path.join(ala2_dir(cfg), f"{name}.npz")
    if not os.path.exists(path):
        raise DataError(f"{path}: reference MD run {name!r} not found (rebuild: data/ala2/README.md)")
    return read_npz(cfg, path)


def read_npz(cfg, path) -> Run:
    """A trajectory file of the reference MD's format, checked: 1 ps frames, the vocabulary, the pool, the backbone
    atoms."""
    try:
        with np.load(path, allow_pickle=False) as d:
            coords = np.asarray(d["coords"], np.float32)
            t = np.asarray(d["time_ps"], np.float64)
            elements, names, residues = list(d["elements"]), list(d["names"]), list(d["residues"])
    except (OSError, KeyError, ValueError) as e:
        raise DataError(f"{path}: {e}") from None
    if coords.ndim != 3 or coords.shape[2] != 3 or coords.shape[0] < cfg.T:
        raise DataError(f"{path}: coords must be [frames >= {cfg.T}, atoms, 3], got {list(coords.shape)}")
    if not np.isfinite(coords).all():
        raise DataError(f"{path}: coords hold non-finite values")
    step = np.diff(t)
    if len(step) and np.abs(step - cfg.frame_interval).max() > 1e-6:
        raise DataError(f"{path}: frames are {step[0]:g} ps apart, the model's are {cfg.frame_interval:g} ps")
    if coords.shape[1] > cfg.first_stage.pool:
        raise DataError(f"{path}: {coords.shape[1]} atoms, more than the ID pool {cfg.first_stage.pool}")
    feats = feature_indices(elements, cfg.vocab, "element", path)
    return Run(coords, feats, _torsion_atoms(names, residues, PHI, path), _torsion_atoms(names, residues, PSI, path),
               path)


def split_frame(cfg, run: Run) -> int:
    """First frame of train.npz's held-out tail."""
    cut = run.coords.shape[0] - int(round(cfg.data.val_ns * 1000 / cfg.frame_interval))
    if cut < cfg.data.segment:
        raise DataError(f"data.val_ns: {cfg.data.val_ns} ns leaves {cut} training frames of {run.path}")
    return cut


def heavy_atoms(cfg, feats) -> np.ndarray:
    return np.asarray([cfg.vocab[i] != "H" for i in feats])


def superpose(frames, ref, sel) -> np.ndarray:
    """frames [F, n, 3] each moved rigidly (rotation + translation) onto ref [n, 3], least squares over atoms sel."""
    f = np.asarray(frames, np.float64)
    r = np.asarray(ref, np.float64)
    cf, cr = f[:, sel].mean(1, keepdims=True), r[sel].mean(0)
    a, b = f[:, sel] - cf, r[sel] - cr
    h = np.einsum("fni,nj->fij", a, b)                       # covariance per frame
    u, _, vt = np.linalg.svd(h)
    d = np.sign(np.linalg.det(np.einsum("fij,fjk->fik", u, vt)))
    u[:, :, -1] *= d[:, None]                                 # a proper rotation, never a reflection
    rot = np.einsum("fij,fjk->fik", u, vt)                    # row vectors: x @ rot
    return (np.einsum("fni,fij->fnj", f - cf, rot) + cr).astype(np.float32)


def body_windows(cfg, coords, feats, source, starts, history=False, both=False):
    """Windows of T frames at `starts` with the future frames superposed on "now" (and the known frames too when
    `history`), or as recorded without data.align. With `both`: those with the known frames as recorded, then the
    same windows with them superposed too, from one superposition per window."""
    out = trajectory_windows(coords, feats, source, cfg.T, starts, 0)
    if not cfg.data.align:
        return out + trajectory_windows(coords, feats, source, cfg.T, starts, 0) if both else out
    sel, now = heavy_atoms(cfg, feats), cfg.observed - 1
    extra = []
    for w in out:
        moved = superpose(w.pos, w.pos[now], sel)
        if both:
            extra.append(dataclasses.replace(w, pos=moved))
        if history and not both:
            w.pos[:] = moved
        else:
            w.pos[now + 1:] = moved[now + 1:]
    return out + extra


def peptide_windows(cfg):
    """(train segments or windows, val windows, training frames) of train.npz."""
    d = cfg.data
    if d.segment < cfg.T:
        raise DataError(f"data.segment: a segment holds whole windows, need >= {cfg.T}, got {d.segment}")
    run = read_run(cfg, "train")
    cut = split_frame(cfg, run)
    if d.align:
        starts = list(range(0, cut - cfg.T + 1, d.segment_stride))
        train = body_windows(cfg, run.coords[:cut], run.feats, "ala2_train", starts, both=True)
    else:
        train = trajectory_windows(run.coords[:cut], run.feats, "ala2_train", d.segment,
                                   list(range(0, cut - d.segment + 1, d.segment_stride)), 0)
    tail = run.coords[cut:]
    val = body_windows(cfg, tail, run.feats, "ala2_train_tail", list(range(0, len(tail) - cfg.T + 1, d.val_stride)),
                       False)
    return train, val, cut


# ------------------------------------------------------------------------------------------------- torsions

def dihedral(pos, quad) -> np.ndarray:
    """Dihedral angles (degrees, in [-180, 180)) of atoms quad over frames pos [..., n, 3]."""
    a, b, c, e = (pos[..., i, :].astype(np.float64) for i in quad)
    b0, b1, b2 = a - b, c - b, e - c
    b1n = b1 / np.linalg.norm(b1, axis=-1, keepdims=True)
    v = b0 - (b0 * b1n).sum(-1, keepdims=True) * b1n
    w = b2 - (b2 * b1n).sum(-1, keepdims=True) * b1n
    x = (v * w).sum(-1)
    y = (np.cross(b1n, v) * w).sum(-1)
    ang = np.degrees(np.arctan2(y, x))
    return np.where(ang >= 180.0, ang - 360.0, ang)


def basin_populations(phi, psi) -> dict:
    """Fractions of frames per basin (data/ala2/README.md): beta/C7eq phi < -100, psi > 50 or psi < -150; PII/C5
    -100 <= phi < 0, same psi; alphaR phi < 0, -120 < psi < 50; alphaL phi > 0 (everything else with phi >= 0)."""
    phi, psi = np.asarray(phi).reshape(-1), np.asarray(psi).reshape(-1)
    ext = (psi > 50) | (psi < -150)
    out = {"beta_c7eq": (phi < -100) & ext, "pII_c5": (phi >= -100) & (phi < 0) & ext,
           "alpha_r": (phi < 0) & (psi > -120) & (psi <= 50), "alpha_l": phi >= 0}
    n = max(len(phi), 1)
    return {k: float(v.sum() / n) for k, v in out.items()}


TORSION_BINS = np.linspace(-180.0, 180.0, 101)   # 100 bins of 3.6°
TORSION_BINS_2D = np.linspace(-180.0, 180.0, 51)  # 50 x 50 bins of 7.2°


def torsion_histograms(phi, psi):
    phi, psi = np.asarray(phi).reshape(-1), np.asarray(psi).reshape(-1)
    h1 = np.histogram(phi, TORSION_BINS)[0].astype(np.float64)
    h2 = np.histogram(psi, TORSION_BINS)[0].astype(np.float64)
    h12 = np.histogram2d(phi, psi, [TORSION_BINS_2D, TORSION_BINS_2D])[0].reshape(-1)
    return h1, h2, h12


def torsion_distances(phi, psi, ref_phi, ref_psi) -> dict:
    """Jensen-Shannon distances (base 2) of phi, psi and the 2-D phi/psi histograms against a reference, and the
    basin populations of both with their largest absolute difference."""
    a, b = torsion_histograms(phi, psi), torsion_histograms(ref_phi, ref_psi)
    pop, ref = basin_populations(phi, psi), basin_populations(ref_phi, ref_psi)
    return {"js_phi": metrics.js_distance(a[0], b[0]), "js_psi": metrics.js_distance(a[1], b[1]),
            "js_phi_psi": metrics.js_distance(a[2], b[2]), "populations": pop,
            "max_population_error": max(abs(pop[k] - ref[k]) for k in BASINS)}


# ------------------------------------------------------------------------------------------------- metrics

def rollout_metrics(fs, approx, cfg, nfe, log, ref, floor, bonds):
    """The card's long-rollout numbers: K = data.rollouts chained rollouts of data.rollout_ns from the first frames
    of `ref` (eval_a); distances to it against those of `floor` (eval_b); `bonds` kept; speed."""
    d, e = cfg.data, cfg.evaluation
    frames = int(round(d.rollout_ns * 1000 / cfg.frame_interval))
    n_windows = -(-frames // cfg.future)
    start = trajectory_windows(ref.coords[:cfg.T], ref.feats, "ala2_eval_a", cfg.T, [0], 0)
    t0 = time.time()
    rolls = chained_rollout(fs, approx, start, cfg, d.rollouts, n_windows, nfe, e.default_solver,
                            cfg.training.seed + 7)[0]                      # [K, observed + n_windows * future, n, 3]
    wall = time.time() - t0
    gen = rolls[:, cfg.observed:cfg.observed + frames]
    if not np.isfinite(gen).all():
        raise DataError("the long rollout produced non-finite positions")
    log(f"rollout: {d.rollouts} x {frames} frames ({d.rollout_ns:g} ns) in {wall:.0f}s")
    rphi, rpsi = dihedral(ref.coords, ref.phi), dihedral(ref.coords, ref.psi)
    res = {"sampler": f"{e.default_solver}@{nfe}", "rollouts": d.rollouts, "frames": frames, "ns": d.rollout_ns,
           "windows": n_windows, "start": "eval_a frames 0..observed-1"}
    per = []
    for k in range(d.rollouts):
        per.append(torsion_distances(dihedral(gen[k], ref.phi), dihedral(gen[k], ref.psi), rphi, rpsi))
    res["per_rollout"] = per
    res["model"] = torsion_distances(dihedral(gen, ref.phi), dihedral(gen, ref.psi), rphi, rpsi)
    res["md_floor"] = torsion_distances(dihedral(floor.coords, ref.phi), dihedral(floor.coords, ref.psi), rphi, rpsi)
    res["reference_populations"] = basin_populations(rphi, rpsi)
    # reference length of each bond = eval_a's mean
    ref_len = metrics.bond_lengths(ref.coords[::10], bonds).mean(0)
    checked = gen[:, ::d.stability_stride]
    dev = metrics.bond_deviation(checked, bonds, ref_len)
    res["bonds"] = {"count": int(len(bonds)), "frames_checked_every": d.stability_stride,
                    "kept_fraction": float(metrics.bonds_kept(dev).mean()),
                    "frames_within_15pct": float((dev <= metrics.BOND_TOL).all(axis=-1).mean()),
                    "max_deviation": float(dev.max())}
    res["speed"] = {"wall_s": round(wall, 1), "ns_per_s": round(d.rollouts * d.rollout_ns / wall, 4),
                    "note": "PyTorch eager, one thread, K rollouts batched, this machine shared with other jobs"}
    log(f"rollout vs eval_a: {res['model']} | MD floor {res['md_floor']} | bonds {res['bonds']}")
    return res


def peptide_metrics(fs, approx, cfg, nfe, log):
    ref, floor = read_run(cfg, "eval_a"), read_run(cfg, "eval_b")
    # bonds from covalent radii on the start structure
    bonds = distance_bonds(ref.coords[0], [cfg.vocab[i] for i in ref.feats])
    res = rollout_metrics(fs, approx, cfg, nfe, log, ref, floor, bonds)
    refs = {"ala2": Reference(bonds, metrics.angle_triples(bonds), ref.coords[::50], ref.feats)}
    return {"long_rollout": res, "reconstruction_eval": reconstruction(fs, refs, cfg, per_ref=100)}


# ------------------------------------------------------------------------------------------------- the adapter

class PeptideDomain(MoleculeDomain):
    """The molecule domain for one system (alanine dipeptide): manifest domain "molecule", scope its formula."""
    config_class = PeptideConfig
    time_unit = "ps"

    def datasets(self, cfg, data_root):
        train, val, cut = peptide_windows(cfg)
        prov = {"data": "OpenMM reference MD of alanine dipeptide made by the project (data/ala2/README.md), read "
                        f"from {cfg.data.ala2_dir}",
                "train_segments": len(train), "train_windows": len(train), "val_windows": len(val),
                "train_ns": round(cut * cfg.frame_interval / 1000, 3)}
        return Datasets(train, val, val, prov)

    def probe_windows(self, cfg, data_root):
        return peptide_windows(cfg)[1]  # val windows

    def windows_of_paths(self, cfg, paths):
        """Windows of trajectory files (.npz as the reference MD's), or of the reference runs named (eval_a, ...)."""
        out = []
        for p in paths:
            run = read_npz(cfg, p) if os.path.isfile(p) else read_run(cfg, p)
            out += body_windows(cfg, run.coords, run.feats, os.path.basename(run.path)[:-4],
                                list(range(0, run.coords.shape[0] - cfg.T + 1, cfg.evaluation.stride)), False)
        return out

    def fixture_window(self, cfg):
        try:
            run = read_run(cfg, "eval_b")
        except DataError:
            return None
        return run.coords[:cfg.T], np.ones((cfg.T, run.coords.shape[1]), np.float32), run.feats

    def scope(self, cfg):
        return {"formula": FORMULA}

    def metrics_protocol(self, cfg):
        return {**super().metrics_protocol(cfg),
                "data": f"val: the last {cfg.data.val_ns:g} ns of the training run, held out"}

    def extra_metrics(self, fs, approx, cfg, data_root, nfe, log):
        return peptide_metrics(fs, approx, cfg, nfe, log)

    def rebuild_command(self, man, cfg):
        flags = cardtext.rebuild_flags(cfg, PeptideConfig())
        return (f"cd models/training && /usr/bin/python3 -m lamslide_train.build --domain peptide --out "
                f"../{man['name']} --threads 1{flags}")

    def card(self, man, cfg):
        return card_text(self, man, cfg)


# ------------------------------------------------------------------------------------------------- the card

def _speed(me):
    """The side-by-side speed table (manifest metrics.speed, written by `lamslide_train.bench_md --record`)."""
    sp = me.get("speed")
    if not sp:
        return ""
    md = next((r["ns_per_s"] for r in sp["rows"] if r["engine"].startswith("OpenMM")), None)

    def row(r):
        ratio = f"{r['ns_per_s'] / md:.1f}x" if md else "n/a"
        return f"| {r['engine']} | {r['ns_per_s']:.4f} | {r['ns_per_s'] * 86400:.0f} | {ratio} |"
    rows = "\n".join(row(r) for r in sp["rows"])
    return f"""**Speed, side by side** ({sp['frames']} frames per timed rollout, NFE {sp['nfe']}; {sp['note']}):

| engine | generated ns per s | ns per day | vs OpenMM |
|---|---|---|---|
{rows}

"""


def _pops(p):
    return " / ".join(f"{p[k]:.3f}" for k in BASINS)


# Why the shipped recipe is not the learned first stage: the first build's numbers (the same data and evaluation).
LEARNED_ATTEMPT = """**The learned first stage, tried first.** A build with md-small's learned first stage (frozen) and the
transformer approximator over its 16 x 64 shared latent (1500 steps x batch 32, 48 min on one shared core) decoded
the MD well (RMSD 0.038 Å on eval_a frames, elements 100 %), but its samples were not molecules: no generated frame
kept every bond within 15 % (median largest deviation 40 % at the first future frame), and its 2 x 10 ns rollouts
gave JSD φ/ψ 0.84 against the floor's 0.17, with αL at 0.38 against 0.00. A latent in which the atoms are superposed
leaves every bond to be placed by the approximator within a few hundredths of an ångström of the manifold, which a
briefly trained network did not do. This model therefore keeps the atoms in their own slots (as the N-body and
basketball models do) and gives the approximator the distances between atoms at "now" directly (pair terms).

"""


TRAINING_SEGMENTS = """- Training: the first {ns} ns of train.npz, {n} segments of {seg} frames
  ({stride} frames apart); each segment is encoded once by the frozen first stage with a random rotation, a
  random ID assignment and a centre jitter of {jitter} Å, and every batch cuts windows of {obs} +
  {fut} frames from them at random offsets. Each batch draws 1..{obs} known frames (all of them half
  of the time)."""

TRAINING_ALIGNED = """- Training: the first {ns} ns of train.npz, windows of {obs} + {fut} frames starting every {stride} frames. The
  molecule tumbles in the solvent: between two 1 ps frames its atoms move 2.2 Å RMS as recorded but 0.8 Å once the
  frames are superposed. So every window's future frames are superposed on "now" (least squares over the 10 heavy
  atoms, a rotation and a translation), and the model samples the internal motion, not the tumbling. Each start
  gives two windows, the known frames as recorded (as a dropped trajectory has them) and superposed on "now" too
  (as the generated frames of a chained rollout are): {n} windows, {copies} copies of each with a random
  rotation, a random ID assignment and a centre jitter of {jitter} Å. Each batch draws 1..{obs} known frames
  (all of them half of the time)."""


# The design probes of the shipped recipe, as measured on their checkpoints (numbers from their logs).
PROBES = """**Design probes** (same data and seed, one thread with other jobs on the machine; each a build stopped early and
looked at from its checkpoint: single windows of val, K = 2, ddim NFE 5, the median over sampled frames of the
largest of the 21 bond deviations, and chained rollouts from eval_a's start):

| probe | recipe | steps | median largest bond deviation | chained rollouts |
|---|---|---|---|---|
| a | slot code, futures as recorded (tumbling included), "now" held, 16 pair messages | 1000 | 0.76 | break within 0.5 ns (largest deviation 6.3) |
| b | a, futures superposed on "now" | 400 / 1200 | 0.62 / 0.54 | break |
| c | b + 8 state messages | 400 | 0.57 | |
| d | c + EDM-like loss weight | 600 / 1000 | 0.53 / 0.53 (heavy-atom bonds 0.05-0.10, methyl C-H 0.20-0.23) | break within 0.3 ns (4.7) |
| e (shipped) | d + conditioning noise up to 0.15 Å | 1200 | 0.52 | break: at NFE 1 the bonds shrink window by window (mean length ratio 0.81, 0.77, 0.61 after 1, 3, 5 windows) |
| e, final | as e | 4000 | 0.50 at NFE 2 (heavy-atom bonds 0.03-0.07, CB methyl C-H 0.11-0.15, terminal methyl C-H 0.24-0.32) | break (the table above) |

Superposing the futures is what made the residual small (per-frame prior variance about 2 as recorded, 0.09-0.16
superposed); the other levers each moved the bonds a little. The methyl hydrogens, which turn freely between two
frames 1 ps apart, are where every build is worst.

"""


def verdict(lr, val, fr) -> str:
    """What the numbers say, first: whether the chained rollouts keep the molecule, and the short windows against
    the frozen baseline."""
    b = lr.get("bonds", {})
    if not lr or b.get("kept_fraction", 0) >= 0.5:
        return ""
    m, fl = lr["model"], lr["md_floor"]
    short = ("below" if val["ade"] < fr["ade"] else "not below")
    return f"""**What the numbers say: this is not yet a model of alanine dipeptide's dynamics.** Its chained rollouts come
apart: in {b.get('kept_fraction', 0) * lr['rollouts']:.0f} of {lr['rollouts']} rollouts of {lr['ns']:g} ns every bond stayed within ±15 %, so
their φ/ψ statistics are those of a broken molecule (JSD φ/ψ {m['js_phi_psi']:.2f} against the MD floor of {fl['js_phi_psi']:.2f}; the αL
population is {m['populations']['alpha_l']:.2f} against the MD's {fl['populations']['alpha_l']:.3f}). Single windows are usable: the mean ADE over 16 ps is {short} the
frozen baseline's ({val['ade']:.3f} against {fr['ade']:.3f} Å), and the heavy-atom bonds of sampled frames are typically a few per
cent off (median 3-7 % at NFE 2; the hydrogens of the terminal methyls are not: design probes below). The page warns
before a horizon of more than one window.

"""


def card_text(domain, man, cfg):
    name, me, p = man["name"], man["metrics"], man["provenance"]
    d, f, tr, ev = cfg.data, cfg.first_stage, cfg.training, cfg.evaluation
    dflt = man["sampler"]["default_nfe"]
    val = me[f"ddim@{dflt}"]
    fr, cv = me["baselines"]["frozen"], me["baselines"]["constant velocity"]
    sweep = [f"| {v['solver']} | {v['nfe']} | {v['ade']:.3f} | {v['fde']:.3f} | {v['seconds']} |"
             for v in me.values() if isinstance(v, dict) and "nfe" in v and "solver" in v]
    lr = me.get("long_rollout", {})
    rec = me.get("reconstruction_eval")
    fsw = p.get("first_stage_weights", {})
    rows = []
    if lr:
        m, fl = lr["model"], lr["md_floor"]
        rows.append(f"| this model, {lr['rollouts']} rollouts of {lr['ns']:g} ns ({lr['sampler']}) | {m['js_phi']:.3f} | "
                    f"{m['js_psi']:.3f} | {m['js_phi_psi']:.3f} | {_pops(m['populations'])} | "
                    f"{m['max_population_error']:.3f} |")
        for i, r in enumerate(lr["per_rollout"]):
            rows.append(f"| rollout {i} alone | {r['js_phi']:.3f} | {r['js_psi']:.3f} | {r['js_phi_psi']:.3f} | "
                        f"{_pops(r['populations'])} | {r['max_population_error']:.3f} |")
        rows.append(f"| eval_b (independent MD, 10 ns): the floor | {fl['js_phi']:.3f} | {fl['js_psi']:.3f} | "
                    f"{fl['js_phi_psi']:.3f} | {_pops(fl['populations'])} | {fl['max_population_error']:.3f} |")
        rows.append(f"| eval_a (the reference) | 0 | 0 | 0 | {_pops(lr['reference_populations'])} | 0 |")
    model = "\n".join([cardtext.first_stage_text(cfg, me, p, "Å"), cardtext.approximator_text(cfg, p),
                       cardtext.loss_text(cfg, domain.length_unit)])
    b = lr.get("bonds", {})
    sp = lr.get("speed", {})
    return f"""# {name}

LaM-SLidE model of alanine dipeptide (ACE-ALA-NME, {FORMULA}, all 22 atoms with hydrogens, element features), 3-D,
Å, one frame per ps: from {cfg.observed} known frames (or fewer, down to one) it samples the next {cfg.future} frames
({cfg.future} ps) of every atom; chained, window after window, it generates long trajectories. Manifest domain
`molecule`, scope {FORMULA}: the app offers it for this molecule only. Built by `models/training` on this project's
CPU.

## Data
- The project's reference MD (data/ala2/README.md): OpenMM amber14 + GBn2 implicit solvent, 300 K, Langevin,
  2 fs steps, a frame every 1 ps. train.npz (20 ns, seed 1101), eval_a.npz and eval_b.npz (10 ns each, their own
  seeds).
""" + (TRAINING_ALIGNED if d.align else TRAINING_SEGMENTS).format(
        ns=p.get('train_ns', '?'), n=p['train_segments'], seg=d.segment, stride=d.segment_stride, jitter=tr.jitter,
        obs=cfg.observed, fut=cfg.future, copies=tr.copies) + f"""
- Val: the last {d.val_ns:g} ns of train.npz (never trained on), {me['windows']} windows {d.val_stride} frames apart{
  ", the known frames as recorded and the future superposed on now" if d.align else ""}.
- Long-rollout reference: eval_a (never trained on); eval_b, scored the same way, is the noise floor of a 10 ns MD.
- Normalisation: centre = centroid of the atoms at the last known frame, scale = {cfg.scale} Å, no rotation.

## Model
{model}
- Default sampler: `ddim`, NFE {dflt}.

## Metrics
""" + verdict(lr, val, fr) + f"""**Long rollouts against the reference MD.** {lr.get('rollouts', 0)} chained rollouts of {lr.get('ns', 0):g} ns
({lr.get('frames', 0)} frames, {lr.get('windows', 0)} windows each; every window conditioned on the last
{cfg.observed} generated frames, re-centred) from a single start structure (eval_a's first {cfg.observed} frames),
{lr.get('sampler', '')}. φ = C(ACE)-N-CA-C, ψ = N-CA-C-N(NME). Jensen-Shannon distance (base 2, 0 = identical,
1 = disjoint) of the φ and ψ histograms (100 bins each) and of the 2-D φ/ψ histogram (50 × 50) against eval_a;
basin populations β/C7eq / PII/C5 / αR / αL (data/ala2/README.md) and the largest difference from eval_a's.

| trajectory | JSD φ | JSD ψ | JSD φ/ψ | populations | largest population error |
|---|---|---|---|---|---|
{chr(10).join(rows)}

**Bond stability** over the rollouts ({b.get('count', 0)} bonds from covalent radii on the start structure,
reference length = eval_a's mean, every {b.get('frames_checked_every', 1)}th frame checked): fraction of rollouts in
which every bond stays within ±15 % in every checked frame **{b.get('kept_fraction', 0):.2f}**; fraction of checked
frames with every bond within ±15 %: {b.get('frames_within_15pct', 0):.4f}; largest deviation
{b.get('max_deviation', 0) * 100:.1f} %.

**Cost of the rollouts** in PyTorch (eager, one thread, {lr.get('rollouts', 0)} rollouts batched):
{sp.get('wall_s', 0)} s for {lr.get('rollouts', 0) * lr.get('ns', 0):g} ns, {sp.get('ns_per_s', 0)} generated ns per
wall-clock second. The reference MD ran at 200-970 ns/day (0.002-0.011 ns/s) on one core of this machine
(data/ala2/README.md). onnxruntime (WASM, Node and browser) is measured by `lamslide bench`.

""" + _speed(me) + f"""**Short windows** (val, K = {ev.k}, mean over the samples and over all 22 atoms, Å; ddim NFE {dflt}): ADE / FDE
**{val['ade']:.3f} / {val['fde']:.3f}**; frozen (last known frame repeated) {fr['ade']:.3f} / {fr['fde']:.3f};
constant velocity {cv['ade']:.3f} / {cv['fde']:.3f}. At 1 ps most of an atom's motion is thermal vibration that
no history predicts, so the mean over samples cannot beat the frozen frame by much; the distributions above are what
this model is for.

| solver | NFE | ADE | FDE | eval seconds |
|---|---|---|---|---|
{chr(10).join(sweep)}

""" + (f"""**First stage** on eval_a frames (every 50th frame, random rotations and IDs): RMSD {rec['rmsd']:.4f} Å
(largest {rec['rmsd_max']:.3f} Å), elements {rec['element_accuracy'] * 100:.2f} % right. It was trained on small
molecules only (md-small's first stage, never on alanine dipeptide).

""" if rec and f.kind == "learned" else "") + (LEARNED_ATTEMPT + PROBES if f.kind != "learned" else "") + f"""## Limits
- One molecule (scope {FORMULA}), one force field and solvent model (amber14 + GBn2, 300 K); a 1 ps frame
  interval (a 0.5 ps trajectory is offered every 2nd frame).
""" + ("""- The samples do not tumble or drift: their future frames keep the orientation and place of the last known
  frame (the training futures were superposed on "now"), and the ADE / FDE above compare with the recorded futures
  superposed the same way. The torsions, basins and bonds do not depend on it.
""" if d.align else "") + f"""- Trained on 18 ns: rare events (αL, φ > 0) are nearly absent from the training data.
- """ + ("The first stage's reconstruction error is part of every number above." if f.kind == "learned" else
            "The first stage is the exact slot code, not the method's learned encoder (see above why).") + f"""

## Cost
- """ + (f"""First stage: md-small's (`lamslide_train.mol_first_stage`, {fsw.get('steps', '?')} steps), loaded from
  `{f.weights}` (sha256 {str(fsw.get('sha256', '?'))[:16]}...) and frozen.""" if f.kind == "learned" else
         "First stage: none to train (the slot code).") + f"""
- Latents: {p['wall_s']['latents']:.0f} s. Approximator: {tr.steps2} steps x batch {tr.batch2},
  {p['wall_s']['stage2'] / 60:.0f} min wall. Evaluation: {p['wall_s']['eval'] / 60:.0f} min. Total
  {p['wall_s']['total'] / 60:.0f} min on {p['machine']} (torch {p['torch']}, {p.get('threads', 1)} thread, with other jobs
  on the machine).

## Rebuild
```
{domain.rebuild_command(man, cfg)}
```
"""


DOMAIN = PeptideDomain()
