"""Small-molecule MD of our own: MMFF94 forces from RDKit, Langevin dynamics (BAOAB) written here.

Protocol (the every-10th-frame protocol of MD17): 0.5 fs steps, a frame every 10 steps (5 fs), at 300 K and 500 K,
in vacuum, all atoms (explicit hydrogens), the centre of mass held still (as in MD17's DFT runs).

Integrator: BAOAB splitting of Langevin dynamics (Leimkuhler & Matthews 2013): half kick (B), half drift (A), the
exact Ornstein-Uhlenbeck velocity update (O), half drift (A), half kick (B); one force evaluation per step. With no
friction it is velocity Verlet, so the NVE limit is exact symplectic Verlet. After O the centre-of-mass velocity is
removed; MMFF forces sum to zero, so the total momentum stays zero and the kinetic temperature counts 3N - 3
degrees of freedom. Because the momentum projection is orthogonal in the mass metric, O stays an exact
Ornstein-Uhlenbeck step on the remaining 3N - 3 velocity coordinates.

Friction: 1 / ps. The training windows are 30 frames = 150 fs; over that span the thermostat replaces
1 - exp(-0.15) = 14 % of a velocity's memory, so inside a window the motion is close to Hamiltonian (like MD17's
thermostatted DFT dynamics), while the kinetic energy still relaxes to the bath in about 1 / (2 gamma) = 0.5 ps.
Equilibration uses a stronger friction first (20 / ps for 0.5 ps, then 0.5 ps at the production friction), so
every trajectory starts thermalised even though the minimised conformer starts with no potential energy.

Forces: RDKit's MMFF94 force field is set up once per trajectory and evaluated at each step with CalcEnergy(pos)
followed by CalcGrad(pos). In RDKit 2022.09, CalcGrad(pos) alone reuses a distance cache that only CalcEnergy(pos)
(or Initialize()) resets, so a reused force field returns the gradient of stale distances (measured here on ethanol
at 300 K: the total energy went from 13 to 314 kcal/mol in 10 fs and to NaN by 30 fs). Calling CalcEnergy(pos) first
gives exactly the gradient of a force field built at those positions (tests/test_mmff.py checks equality along a
trajectory and energy conservation), at a fraction of the cost of a rebuild (measured for aspirin, 21 atoms: a build
142 us, energy + gradient 20 us).

Units: RDKit energies kcal/mol, gradients kcal/mol/A, masses amu; positions A, time fs, velocities A/fs.
1 amu A^2/fs^2 = 2390.057 kcal/mol, so a = -grad / m * 4.184e-4 A/fs^2.

Command line (Debian's /usr/bin/python3, from models/training):
  python3 -m lamslide_train.sim.mmff [--out cache/molecules] [--molecules all|train|unseen|md17|name,...]
                                     [--temperatures 300,500] [--trajectories R] [--frames F] [--seed S]
  python3 -m lamslide_train.sim.mmff --verify data/molecules/manifest.json [--out DIR]
  python3 -m lamslide_train.sim.mmff --stats [--out DIR]
writes one <name>_<T>K.npz per (molecule, temperature); finished files are skipped, so a killed run restarts at the
file it was writing. The file format is described in data/molecules/README.md and in `write_npz`'s caller
`simulate_file`.
"""
import argparse
import hashlib
import io
import json
import os
import sys
import time
import zipfile
import zlib
from dataclasses import asdict, dataclass

import numpy as np

from . import molecule_set

# CODATA 2018 (exact where SI fixes them); kcal is the thermochemical calorie times 1000.
AMU_KG = 1.66053906660e-27
AVOGADRO = 6.02214076e23
BOLTZMANN_J_PER_K = 1.380649e-23
KCAL_J = 4184.0
KCAL_PER_AMU_A2_FS2 = AMU_KG * 1e-20 / 1e-30 * AVOGADRO / KCAL_J  # 1 amu A^2 / fs^2 in kcal/mol (~2390.057)
ACCEL = 1.0 / KCAL_PER_AMU_A2_FS2                                 # (kcal/mol/A) / amu -> A / fs^2
KB_KCAL_PER_MOL_K = BOLTZMANN_J_PER_K * AVOGADRO / KCAL_J          # ~0.0019872

FORMAT_VERSION = 1
DEFAULT_OUT = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                           "cache", "molecules")


@dataclass(frozen=True)
class MDConfig:
    """Everything that determines a generated file (stored in each file's `meta`)."""
    dt_fs: float = 0.5
    steps_per_frame: int = 10
    friction_per_ps: float = 1.0
    equil_fast_ps: float = 0.5          # first equilibration phase, at equil_friction_per_ps
    equil_friction_per_ps: float = 20.0
    equil_ps: float = 0.5               # second phase, at the production friction
    trajectories: int = 12              # independent runs per (molecule, temperature), each from its own conformer
    frames: int = 2000                  # recorded frames per trajectory (the first is the equilibrated state)
    seed: int = 20250917
    max_bond_strain: float = 0.5        # a bond stretched or compressed beyond this fraction aborts the run

    @property
    def frame_interval_fs(self):
        return self.dt_fs * self.steps_per_frame


class MMFFForces:
    """MMFF94 energy (kcal/mol) and gradient (kcal/mol/A) of one molecule with explicit hydrogens, at any positions.

    The force field is built once; each call evaluates CalcEnergy(pos) before CalcGrad(pos), because in RDKit
    2022.09 CalcGrad(pos) alone reuses distances cached at the previous CalcEnergy/Initialize.
    """

    def __init__(self, mol, variant="MMFF94"):
        from rdkit import Chem
        from rdkit.Chem import rdForceFieldHelpers as ffh
        from rdkit.ForceField import rdForceField  # noqa: F401 - registers the Python classes the helpers return
        if mol.GetNumConformers() == 0:
            raise ValueError("MMFFForces: the molecule has no conformer")
        self.mol = Chem.Mol(mol)  # our own copy: the force field keeps pointers into its conformer
        self.variant = variant
        self.props = ffh.MMFFGetMoleculeProperties(self.mol, mmffVariant=variant)
        if self.props is None or not ffh.MMFFHasAllMoleculeParams(self.mol):
            raise ValueError(f"MMFFForces: no {variant} parameters for {Chem.MolToSmiles(Chem.RemoveHs(mol))}")
        # nonBondedThresh is a distance (A) at setup: every pair of a <= 32-atom molecule is far inside 100 A.
        self.ff = ffh.MMFFGetMoleculeForceField(self.mol, self.props, nonBondedThresh=100.0,
                                                ignoreInterfragInteractions=False)
        self.n_atoms = self.mol.GetNumAtoms()
        self.masses = np.array([a.GetMass() for a in self.mol.GetAtoms()], np.float64)

    def __call__(self, x):
        p = np.ascontiguousarray(x, np.float64).ravel().tolist()
        # CalcEnergy(pos) resets the distance cache (ForceField::initDistanceMatrix) that CalcGrad(pos) reads without
        # resetting: see ForceField::distance / calcEnergy(double *pos) / calcGrad(double *pos, double *grad) in
        # rdkit/rdkit Code/ForceField/ForceField.cpp (Release_2022_09). No upstream issue found for it.
        e = self.ff.CalcEnergy(p)
        g = np.asarray(self.ff.CalcGrad(p), np.float64).reshape(self.n_atoms, 3)
        return e, g

    def rebuilt(self, x):
        """The same quantities from a force field built at x (the slow reference path, for checks)."""
        from rdkit import Chem
        from rdkit.Chem import rdForceFieldHelpers as ffh
        from rdkit.Geometry import Point3D
        m = Chem.Mol(self.mol)
        conf = m.GetConformer()
        for i, (a, b, c) in enumerate(np.asarray(x, np.float64)):
            conf.SetAtomPosition(i, Point3D(float(a), float(b), float(c)))
        ff = ffh.MMFFGetMoleculeForceField(m, self.props, nonBondedThresh=100.0, ignoreInterfragInteractions=False)
        return ff.CalcEnergy(), np.asarray(ff.CalcGrad(), np.float64).reshape(self.n_atoms, 3)


def kinetic_energy(v, masses):
    """kcal/mol from velocities in A/fs and masses in amu."""
    return 0.5 * float((masses[:, None] * v * v).sum()) * KCAL_PER_AMU_A2_FS2


def kinetic_temperature(v, masses, fixed_com=True):
    dof = 3 * len(masses) - (3 if fixed_com else 0)
    return 2.0 * kinetic_energy(v, masses) / (dof * KB_KCAL_PER_MOL_K)


def remove_com_velocity(v, masses):
    return v - (masses[:, None] * v).sum(0) / masses.sum()


def maxwell_boltzmann(masses, temperature_k, rng, fixed_com=True):
    """Velocities (A/fs) drawn at temperature_k; with fixed_com the centre-of-mass velocity is removed."""
    sd = np.sqrt(KB_KCAL_PER_MOL_K * temperature_k * ACCEL / masses)[:, None]
    v = sd * rng.standard_normal((len(masses), 3))
    return remove_com_velocity(v, masses) if fixed_com else v


class BAOAB:
    """Langevin dynamics, BAOAB splitting, on an MMFFForces (or any callable x -> (energy, gradient)).

    friction_per_ps = 0 gives velocity Verlet (NVE) and draws no random numbers.
    """

    def __init__(self, forces, masses, dt_fs, temperature_k, friction_per_ps, rng, fixed_com=True):
        self.forces, self.masses, self.dt = forces, np.asarray(masses, np.float64), float(dt_fs)
        self.rng, self.fixed_com, self.temperature_k = rng, fixed_com, float(temperature_k)
        self.set_friction(friction_per_ps)

    def set_friction(self, friction_per_ps):
        if friction_per_ps < 0:
            raise ValueError(f"friction must be >= 0, got {friction_per_ps}")
        self.friction_per_ps = float(friction_per_ps)
        self.c1 = float(np.exp(-self.friction_per_ps * 1e-3 * self.dt))
        self.noise = (np.sqrt((1.0 - self.c1 ** 2) * KB_KCAL_PER_MOL_K * self.temperature_k * ACCEL / self.masses)
                      [:, None])

    def run(self, x, v, n_steps, record_every=0, energy_grad=None):
        """Advances (x, v) by n_steps. Returns (x, v, (e, g) at x, records) where records holds, every
        record_every steps, (positions, potential energy, kinetic energy)."""
        x = np.array(x, np.float64)
        v = np.array(v, np.float64)
        e, g = energy_grad if energy_grad is not None else self.forces(x)
        kick = (0.5 * self.dt * ACCEL / self.masses)[:, None]
        half = 0.5 * self.dt
        c1, noise, rng, masses = self.c1, self.noise, self.rng, self.masses
        stochastic = self.friction_per_ps > 0
        inv_total = masses[:, None] / masses.sum()
        forces = self.forces
        records = []
        shape = x.shape
        for step in range(1, n_steps + 1):
            v -= kick * g                                          # B
            x += half * v                                          # A
            if stochastic:
                v *= c1                                            # O
                v += noise * rng.standard_normal(shape)
                if self.fixed_com:
                    v -= (inv_total * v).sum(0)
            x += half * v                                          # A
            e, g = forces(x)
            v -= kick * g                                          # B
            if record_every and step % record_every == 0:
                records.append((x.copy(), e, kinetic_energy(v, masses)))
        return x, v, (e, g), records


def prepare_conformer(smiles, conformer_seed):
    """Molecule with explicit hydrogens and one conformer: ETKDG (v3) with the given seed, MMFF94-minimised to
    convergence, centre of mass at the origin."""
    from rdkit import Chem
    from rdkit.Chem import rdDistGeom
    from rdkit.Chem import rdForceFieldHelpers as ffh
    from rdkit.Geometry import Point3D
    base = Chem.MolFromSmiles(smiles)
    if base is None:
        raise ValueError(f"prepare_conformer: RDKit cannot parse SMILES {smiles!r}")
    mol = Chem.AddHs(base)
    params = rdDistGeom.ETKDGv3()
    params.randomSeed = int(conformer_seed)
    params.numThreads = 1
    if rdDistGeom.EmbedMolecule(mol, params) < 0:
        raise RuntimeError(f"prepare_conformer: ETKDG found no conformer for {smiles!r} (seed {conformer_seed})")
    for _ in range(50):
        if ffh.MMFFOptimizeMolecule(mol, mmffVariant="MMFF94", maxIters=2000) == 0:
            break
    else:
        raise RuntimeError(f"prepare_conformer: MMFF minimisation of {smiles!r} did not converge")
    masses = np.array([a.GetMass() for a in mol.GetAtoms()])
    x = mol.GetConformer().GetPositions()
    x -= (masses[:, None] * x).sum(0) / masses.sum()
    conf = mol.GetConformer()
    for i, p in enumerate(x):
        conf.SetAtomPosition(i, Point3D(*map(float, p)))
    return mol


def bond_table(mol):
    return np.array([[b.GetBeginAtomIdx(), b.GetEndAtomIdx()] for b in mol.GetBonds()], np.int32).reshape(-1, 2)


def _bond_lengths(x, bonds):
    return np.linalg.norm(x[..., bonds[:, 0], :] - x[..., bonds[:, 1], :], axis=-1)


def _seed_words(cfg, name):
    return [cfg.seed, zlib.crc32(name.encode("utf-8"))]


def conformer_seeds(cfg, name):
    """One ETKDG seed per trajectory; the same for every temperature, so 300 K and 500 K start alike."""
    ss = np.random.SeedSequence(_seed_words(cfg, name) + [0])
    return [int(s) for s in ss.generate_state(cfg.trajectories, np.uint32) % (2 ** 31 - 1)]


def trajectory_rngs(cfg, name, temperature_k):
    ss = np.random.SeedSequence(_seed_words(cfg, name) + [1, int(round(temperature_k * 1000))])
    return [np.random.Generator(np.random.PCG64(s)) for s in ss.spawn(cfg.trajectories)]


def simulate_trajectory(mol, cfg, temperature_k, rng, label="", n_frames=None):
    """One equilibrated Langevin trajectory from mol's conformer. Returns (positions float64 [F, N, 3],
    potential [F], kinetic [F]) in A and kcal/mol, frame 0 being the equilibrated state."""
    n_frames = cfg.frames if n_frames is None else n_frames
    forces = MMFFForces(mol)
    m = forces.masses
    x = mol.GetConformer().GetPositions()
    v = maxwell_boltzmann(m, temperature_k, rng)
    integ = BAOAB(forces, m, cfg.dt_fs, temperature_k, cfg.equil_friction_per_ps, rng)
    x, v, eg, _ = integ.run(x, v, int(round(cfg.equil_fast_ps * 1000 / cfg.dt_fs)))
    integ.set_friction(cfg.friction_per_ps)
    x, v, eg, _ = integ.run(x, v, int(round(cfg.equil_ps * 1000 / cfg.dt_fs)), energy_grad=eg)
    pos = np.empty((n_frames,) + x.shape)
    pot = np.empty(n_frames)
    kin = np.empty(n_frames)
    pos[0], pot[0], kin[0] = x, eg[0], kinetic_energy(v, m)
    bonds = bond_table(mol)
    ref = _bond_lengths(mol.GetConformer().GetPositions(), bonds)
    done = 1
    chunk = 100  # frames between stability checks
    while done < n_frames:
        n = min(chunk, n_frames - done)
        x, v, eg, rec = integ.run(x, v, n * cfg.steps_per_frame, record_every=cfg.steps_per_frame, energy_grad=eg)
        for k, (xk, ek, kk) in enumerate(rec):
            pos[done + k], pot[done + k], kin[done + k] = xk, ek, kk
        seg = pos[done:done + n]
        strain = np.abs(_bond_lengths(seg, bonds) / ref - 1.0).max() if len(bonds) else 0.0
        if not np.isfinite(seg).all() or strain > cfg.max_bond_strain:
            raise RuntimeError(f"{label}: unstable dynamics at frame {done + n} (bond strain {strain:.2f}, limit "
                               f"{cfg.max_bond_strain}); positions are not usable")
        done += n
    return pos, pot, kin


def write_npz(path, arrays):
    """A .npz (readable by numpy.load without pickle) whose bytes depend only on the arrays: fixed entry order and
    timestamps, so rebuilt files can be checked by sha256. Written to path + '.tmp' and renamed when complete."""
    tmp = path + ".tmp"
    with zipfile.ZipFile(tmp, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for key in sorted(arrays):
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.asanyarray(arrays[key]), allow_pickle=False)
            info = zipfile.ZipInfo(key + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, buf.getvalue())
    with open(tmp, "rb") as f:
        os.fsync(f.fileno())
    os.replace(tmp, path)


def file_name(name, temperature_k):
    return f"{name}_{int(round(temperature_k))}K.npz"


def _meta(cfg, mol_entry, temperature_k, conf_seeds):
    import rdkit
    return {"format_version": FORMAT_VERSION, "molecule": mol_entry.name, "smiles": mol_entry.smiles,
            "split": mol_entry.split, "source": mol_entry.source, "temperature_k": float(temperature_k),
            "config": asdict(cfg), "frame_interval_fs": cfg.frame_interval_fs, "conformer_seeds": conf_seeds,
            "force_field": "MMFF94 (RDKit), vacuum, dielectric 1", "integrator": "BAOAB Langevin, fixed centre of mass",
            "units": {"positions": "angstrom", "energies": "kcal/mol", "time": "fs"},
            "versions": {"rdkit": rdkit.__version__, "numpy": np.__version__}}


def simulate_file(out_dir, mol_entry, temperature_k, cfg, log=print):
    """Writes <out_dir>/<name>_<T>K.npz with
      positions            float32 [R, F, N, 3]  A; R independent trajectories of F frames, 5 fs apart
      atomic_numbers       int32 [N];  elements  str [N];  bonds int32 [B, 2] (atom indices, from the SMILES graph)
      potential_kcal_mol, kinetic_kcal_mol   float32 [R, F]
      smiles, name (str), temperature_k, dt_fs, frame_interval_fs (float64), steps_per_frame, seed (int64),
      conformer_seeds int64 [R], meta (JSON string: the full configuration and library versions).
    Returns (path, seconds), or (path, None) when the file already exists with the same configuration."""
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, file_name(mol_entry.name, temperature_k))
    seeds = conformer_seeds(cfg, mol_entry.name)
    meta = _meta(cfg, mol_entry, temperature_k, seeds)
    if os.path.exists(path):
        try:
            with np.load(path, allow_pickle=False) as old:
                old_meta = json.loads(str(old["meta"]))
        except Exception as err:  # noqa: BLE001 - any unreadable file gets the same clear message
            raise RuntimeError(f"{path}: exists but cannot be read ({err}); delete it to regenerate") from err
        if old_meta["config"] != meta["config"] or old_meta["smiles"] != meta["smiles"]:
            raise RuntimeError(f"{path}: exists with a different configuration ({old_meta['config']}, "
                               f"{old_meta['smiles']}); delete it or write to another --out")
        return path, None
    t0 = time.process_time()
    trajs, pots, kins = [], [], []
    z = None
    rngs = trajectory_rngs(cfg, mol_entry.name, temperature_k)
    for r, (cs, rng) in enumerate(zip(seeds, rngs)):
        mol = prepare_conformer(mol_entry.smiles, cs)
        if z is None:
            z = np.array([a.GetAtomicNum() for a in mol.GetAtoms()], np.int32)
            elements = np.array([a.GetSymbol() for a in mol.GetAtoms()])
            bonds = bond_table(mol)
        label = f"{mol_entry.name} {temperature_k:g} K trajectory {r}"
        pos, pot, kin = simulate_trajectory(mol, cfg, temperature_k, rng, label)
        trajs.append(pos.astype(np.float32))
        pots.append(pot.astype(np.float32))
        kins.append(kin.astype(np.float32))
    write_npz(path, {
        "positions": np.stack(trajs), "atomic_numbers": z, "elements": elements, "bonds": bonds,
        "potential_kcal_mol": np.stack(pots), "kinetic_kcal_mol": np.stack(kins),
        "smiles": np.array(mol_entry.smiles), "name": np.array(mol_entry.name),
        "temperature_k": np.float64(temperature_k), "dt_fs": np.float64(cfg.dt_fs),
        "frame_interval_fs": np.float64(cfg.frame_interval_fs), "steps_per_frame": np.int64(cfg.steps_per_frame),
        "seed": np.int64(cfg.seed), "conformer_seeds": np.array(seeds, np.int64),
        "meta": np.array(json.dumps(meta, sort_keys=True)),
    })
    return path, time.process_time() - t0


@dataclass
class Trajectories:
    """One generated file, checked on load."""
    path: str
    positions: np.ndarray      # float32 [R, F, N, 3] A
    atomic_numbers: np.ndarray  # int32 [N]
    elements: list
    bonds: np.ndarray          # int32 [B, 2]
    smiles: str
    name: str
    temperature_k: float
    frame_interval_fs: float
    potential_kcal_mol: np.ndarray
    kinetic_kcal_mol: np.ndarray
    meta: dict


def load(path):
    """Reads a generated file; a file of another format or with inconsistent shapes is refused, naming the field."""
    with np.load(path, allow_pickle=False) as d:
        missing = [k for k in ("positions", "atomic_numbers", "elements", "bonds", "meta") if k not in d.files]
        if missing:
            raise ValueError(f"{path}: not a generated molecule file (missing {', '.join(missing)})")
        meta = json.loads(str(d["meta"]))
        if meta.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"{path}: format_version {meta.get('format_version')}, this reader knows {FORMAT_VERSION}")
        pos = d["positions"]
        z = d["atomic_numbers"]
        if pos.ndim != 4 or pos.shape[2] != len(z) or pos.shape[3] != 3:
            raise ValueError(f"{path}: positions has shape {pos.shape}, expected [R, F, {len(z)}, 3]")
        bonds = d["bonds"]
        if bonds.size and (bonds.min() < 0 or bonds.max() >= len(z)):
            raise ValueError(f"{path}: bonds refer to atoms outside 0..{len(z) - 1}")
        return Trajectories(path, pos, z, [str(e) for e in d["elements"]], bonds, str(d["smiles"]), str(d["name"]),
                            float(d["temperature_k"]), float(d["frame_interval_fs"]), d["potential_kcal_mol"],
                            d["kinetic_kcal_mol"], meta)


def sha256_of(path):
    with open(path, "rb") as f:
        return hashlib.file_digest(f, "sha256").hexdigest()


def write_manifest(out_dir, entries, temperatures, cfg, timings):
    files = []
    for m in entries:
        for t in temperatures:
            p = os.path.join(out_dir, file_name(m.name, t))
            if not os.path.exists(p):
                continue
            tr = load(p)
            files.append({"file": os.path.basename(p), "molecule": m.name, "split": m.split, "source": m.source,
                          "temperature_k": float(t), "atoms": int(tr.positions.shape[2]),
                          "trajectories": int(tr.positions.shape[0]), "frames": int(tr.positions.shape[1]),
                          "bytes": os.path.getsize(p), "sha256": sha256_of(p),
                          "cpu_seconds": timings.get(os.path.basename(p))})
    import rdkit
    doc = {"format_version": FORMAT_VERSION, "config": asdict(cfg), "frame_interval_fs": cfg.frame_interval_fs,
           "temperatures_k": [float(t) for t in temperatures],
           "versions": {"rdkit": rdkit.__version__, "numpy": np.__version__, "python": sys.version.split()[0]},
           "total_bytes": sum(f["bytes"] for f in files), "files": files}
    path = os.path.join(out_dir, "manifest.json")
    with open(path + ".tmp", "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    os.replace(path + ".tmp", path)
    return path, doc


def verify(out_dir, manifest_path):
    """Compares every file listed in a manifest with the one in out_dir; returns a list of problems."""
    with open(manifest_path) as f:
        doc = json.load(f)
    problems = []
    for entry in doc["files"]:
        p = os.path.join(out_dir, entry["file"])
        if not os.path.exists(p):
            problems.append(f"{entry['file']}: missing in {out_dir}")
        elif sha256_of(p) != entry["sha256"]:
            problems.append(f"{entry['file']}: sha256 differs from {manifest_path}")
    return problems


def rms_step(positions):
    """RMS displacement between consecutive frames, over atoms and frame pairs: [..., F, N, 3] -> A."""
    d = np.diff(np.asarray(positions, np.float64), axis=-3)
    return float(np.sqrt((d ** 2).sum(-1).mean()))


def mean_temperature(tr):
    """Mean kinetic temperature of a loaded file (3N - 3 degrees of freedom: the centre of mass is fixed)."""
    dof = 3 * tr.positions.shape[2] - 3
    return float(2.0 * np.mean(tr.kinetic_kcal_mol, dtype=np.float64) / (dof * KB_KCAL_PER_MOL_K))


def stats_table(out_dir, entries, temperatures):
    """Markdown table per molecule: atoms, RMS displacement per frame and mean kinetic temperature at each
    temperature."""
    head = ("| molecule | split | atoms | " + " | ".join(f"RMS step {t:g} K (A)" for t in temperatures) + " | "
            + " | ".join(f"mean T at {t:g} K" for t in temperatures) + " |")
    lines = [head, "|---|---|---:|" + "---:|" * (2 * len(temperatures))]
    for m in entries:
        steps, temps, atoms = [], [], None
        for t in temperatures:
            p = os.path.join(out_dir, file_name(m.name, t))
            if os.path.exists(p):
                tr = load(p)
                atoms = tr.positions.shape[2]
                steps.append(f"{rms_step(tr.positions):.4f}")
                temps.append(f"{mean_temperature(tr):.0f}")
            else:
                steps.append("-")
                temps.append("-")
        lines.append(f"| {m.name} | {m.split} | {atoms if atoms is not None else '-'} | " + " | ".join(steps)
                     + " | " + " | ".join(temps) + " |")
    return "\n".join(lines)


def ethanol_comparison(out_dir, md17_path=None):
    """Markdown table: RMS displacement per 5 fs frame of ethanol, all atoms / carbon and oxygen / hydrogen, for
    our MMFF files beside the real DFT MD17 snippet (every 10th frame, 500 K)."""
    from . import md17

    def row(label, pos, z):
        heavy = np.asarray(z) != 1
        return (f"| {label} | {len(pos) if pos.ndim == 3 else pos.shape[0] * pos.shape[1]} | {rms_step(pos):.4f} | "
                f"{rms_step(pos[..., heavy, :]):.4f} | {rms_step(pos[..., ~heavy, :]):.4f} |")
    lines = ["| ethanol | frames | RMS step, all atoms (A) | C, O | H |", "|---|---:|---:|---:|---:|"]
    for t in (300.0, 500.0):
        p = os.path.join(out_dir, file_name("ethanol", t))
        if os.path.exists(p):
            tr = load(p)
            lines.append(row(f"MMFF94, BAOAB, {t:g} K", tr.positions, tr.atomic_numbers))
    ref = md17.load(md17_path or md17.ETHANOL)
    lines.append(row("DFT (MD17), 500 K", ref.positions, ref.atomic_numbers))
    return "\n".join(lines)


def _select(spec):
    if spec in ("all", "train", "unseen", "md17"):
        return {"all": molecule_set.MOLECULES, "train": molecule_set.training(), "unseen": molecule_set.unseen(),
                "md17": molecule_set.md17()}[spec]
    return [molecule_set.by_name(n) for n in spec.split(",") if n]


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python3 -m lamslide_train.sim.mmff", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    d = MDConfig()
    ap.add_argument("--out", default=DEFAULT_OUT, help="output folder (default: models/training/cache/molecules)")
    ap.add_argument("--molecules", default="all", help="all | train | unseen | md17 | comma-separated names")
    ap.add_argument("--temperatures", default="300,500", help="kelvin, comma-separated")
    ap.add_argument("--trajectories", type=int, default=d.trajectories, help="independent runs per file")
    ap.add_argument("--frames", type=int, default=d.frames, help="recorded 5 fs frames per trajectory")
    ap.add_argument("--seed", type=int, default=d.seed)
    ap.add_argument("--verify", metavar="MANIFEST", help="check the files in --out against a manifest's sha256")
    ap.add_argument("--stats", action="store_true", help="print the per-molecule statistics table")
    a = ap.parse_args(argv)
    entries = _select(a.molecules)
    temps = [float(t) for t in a.temperatures.split(",") if t]
    if a.verify:
        problems = verify(a.out, a.verify)
        for p in problems:
            print(p)
        print("verified: all files match" if not problems else f"{len(problems)} problem(s)")
        return 1 if problems else 0
    if a.stats:
        print(stats_table(a.out, entries, temps))
        print()
        print(ethanol_comparison(a.out))
        return 0
    if a.frames < 2 or a.trajectories < 1:
        ap.error("--frames must be >= 2 and --trajectories >= 1")
    cfg = MDConfig(trajectories=a.trajectories, frames=a.frames, seed=a.seed)
    os.makedirs(a.out, exist_ok=True)
    for f in os.listdir(a.out):
        if f.endswith(".tmp"):  # left by a killed run: that file is regenerated from its start
            os.remove(os.path.join(a.out, f))
    timing_path = os.path.join(a.out, "timings.json")
    timings = {}
    if os.path.exists(timing_path):
        with open(timing_path) as f:
            timings = json.load(f)
    todo = [(m, t) for m in entries for t in temps]
    t_start = time.time()
    for i, (m, t) in enumerate(todo):
        path, secs = simulate_file(a.out, m, t, cfg)
        name = os.path.basename(path)
        if secs is None:
            print(f"[{i + 1}/{len(todo)}] {name} exists, skipped", flush=True)
            continue
        timings[name] = round(secs, 2)
        with open(timing_path + ".tmp", "w") as f:
            json.dump(timings, f, indent=1, sort_keys=True)
        os.replace(timing_path + ".tmp", timing_path)
        steps = cfg.trajectories * ((cfg.frames - 1) * cfg.steps_per_frame
                                    + (cfg.equil_fast_ps + cfg.equil_ps) * 1000 / cfg.dt_fs)
        print(f"[{i + 1}/{len(todo)}] {name}: {secs:.1f} CPU s, {secs / steps * 1e6:.0f} us/step, "
              f"{os.path.getsize(path) / 1e6:.2f} MB, {time.time() - t_start:.0f} s wall so far", flush=True)
    mpath, doc = write_manifest(a.out, entries, temps, cfg, timings)
    print(f"wrote {mpath}: {len(doc['files'])} files, {doc['total_bytes'] / 1e6:.1f} MB", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
