"""The MMFF94 + BAOAB Langevin integrator (lamslide_train.sim.mmff), its files and the molecule set."""
import json
import os

import numpy as np
import pytest

from lamslide_train.sim import mmff
from lamslide_train.sim import molecule_set as ms

ASPIRIN = "CC(=O)Oc1ccccc1C(=O)O"


def equilibrated(smiles, temperature_k, seed=5, ps=0.5):
    mol = mmff.prepare_conformer(smiles, seed)
    forces = mmff.MMFFForces(mol)
    rng = np.random.default_rng(seed)
    v = mmff.maxwell_boltzmann(forces.masses, temperature_k, rng)
    integ = mmff.BAOAB(forces, forces.masses, 0.5, temperature_k, 20.0, rng)
    x, v, eg, _ = integ.run(mol.GetConformer().GetPositions(), v, int(ps * 2000))
    return mol, forces, x, v


def test_unit_constants_follow_si():
    from scipy import constants as c
    amu = c.physical_constants["atomic mass constant"][0]
    # 1 amu A^2/fs^2 = 1e7 J/mol (to 4e-10) = 1e7 / 4184 kcal/mol
    assert mmff.KCAL_PER_AMU_A2_FS2 == pytest.approx(amu * c.N_A * 1e10 / 4184.0, rel=1e-12)
    assert mmff.KCAL_PER_AMU_A2_FS2 == pytest.approx(1e7 / 4184.0, rel=1e-8)
    assert mmff.ACCEL * mmff.KCAL_PER_AMU_A2_FS2 == pytest.approx(1.0, rel=1e-14)
    assert mmff.KB_KCAL_PER_MOL_K == pytest.approx(c.k * c.N_A / 4184.0, rel=1e-12)


def test_vibration_period_matches_the_hessian_frequency():
    """Time units: an O-H stretch of water, run by the integrator, oscillates with the period that the MMFF
    Hessian gives through SI constants alone (independent of the integrator's conversion factor)."""
    from scipy import constants as c
    mol = mmff.prepare_conformer("O", 1)
    f = mmff.MMFFForces(mol)
    x0 = mol.GetConformer().GetPositions()
    n, h = f.n_atoms, 1e-4
    hess = np.zeros((3 * n, 3 * n))
    for k in range(3 * n):
        d = np.zeros(3 * n)
        d[k] = h
        hess[k] = (f(x0 + d.reshape(n, 3))[1] - f(x0 - d.reshape(n, 3))[1]).ravel() / (2 * h)
    w = 1.0 / np.sqrt(np.repeat(f.masses, 3))
    lam, vec = np.linalg.eigh(0.5 * (hess + hess.T) * np.outer(w, w))  # kcal/mol/A^2/amu
    # wavenumber from SI: omega = sqrt(lam * 4184 J/mol / (1e-20 m^2 * 1e-3 kg/mol))
    omega = np.sqrt(lam[-1] * 4184.0 / (1e-20 * amu_kg_per_mol(c)))  # rad/s
    wavenumber = omega / (2 * np.pi * c.c * 100)
    assert 3500 < wavenumber < 4100, wavenumber  # an O-H stretch
    period_fs = 2 * np.pi / omega * 1e15
    mode = (vec[:, -1] * w).reshape(n, 3)
    integ = mmff.BAOAB(f, f.masses, 0.05, 300.0, 0.0, np.random.default_rng(0))
    _, _, _, rec = integ.run(x0 + 0.005 * mode / np.abs(mode).max(), np.zeros((n, 3)), 2000, record_every=1)
    q = np.array([((r[0] - x0) * mode * f.masses[:, None]).sum() for r in rec])
    t = np.arange(1, len(q) + 1) * 0.05
    up = np.nonzero((q[:-1] < 0) & (q[1:] >= 0))[0]
    crossings = t[up] + 0.05 * (-q[up] / (q[up + 1] - q[up]))
    measured = np.diff(crossings).mean()
    assert len(crossings) >= 8
    assert measured == pytest.approx(period_fs, rel=0.005), (measured, period_fs)


def amu_kg_per_mol(c):
    return c.physical_constants["atomic mass constant"][0] * c.N_A


def test_cached_force_field_equals_a_rebuilt_one_along_a_trajectory():
    mol, forces, x, v = equilibrated(ASPIRIN, 500.0)
    worst = [0.0, 0.0]

    def checked(pos):
        e, g = forces(pos)
        e_ref, g_ref = forces.rebuilt(pos)
        worst[0] = max(worst[0], abs(e - e_ref))
        worst[1] = max(worst[1], np.abs(g - g_ref).max())
        return e, g

    integ = mmff.BAOAB(checked, forces.masses, 0.5, 500.0, 1.0, np.random.default_rng(3))
    integ.run(x, v, 300)
    assert worst[0] < 1e-9 and worst[1] < 1e-9, worst


def test_gradient_is_the_derivative_of_the_energy():
    _, forces, x, _ = equilibrated(ASPIRIN, 500.0)
    e, g = forces(x)
    h = 1e-5
    for i, k in [(0, 0), (5, 1), (12, 2), (20, 0)]:
        d = np.zeros_like(x)
        d[i, k] = h
        num = (forces(x + d)[0] - forces(x - d)[0]) / (2 * h)
        assert num == pytest.approx(g[i, k], abs=1e-5)


@pytest.mark.parametrize("smiles,temperature_k", [("CCO", 300.0), ("CCO", 500.0), (ASPIRIN, 300.0), (ASPIRIN, 500.0)])
def test_energy_is_conserved_without_friction(smiles, temperature_k):
    """NVE limit over 400 fs: no drift, and fluctuations that shrink as dt^2 (Verlet's shadow energy)."""
    mol, forces, x, v = equilibrated(smiles, temperature_k)
    spread = {}
    for dt in (0.5, 0.25):
        integ = mmff.BAOAB(forces, forces.masses, dt, temperature_k, 0.0, None)
        _, _, _, rec = integ.run(x, v, int(400 / dt), record_every=1)
        total = np.array([r[1] + r[2] for r in rec])
        per_100fs = int(100 / dt)
        drift = total[-per_100fs:].mean() - total[:per_100fs].mean()
        assert abs(drift) < 0.02, (dt, drift)
        assert np.abs(total - total[0]).max() < 0.2
        spread[dt] = total.std()
    assert spread[0.5] < 0.05
    assert 2.5 < spread[0.5] / spread[0.25] < 6.0, spread


@pytest.mark.parametrize("temperature_k", [300.0, 500.0])
def test_mean_kinetic_temperature_with_friction(temperature_k):
    """Production friction (1 / ps), 60 ps of aspirin: the mean kinetic temperature (3N - 3 degrees of freedom)
    is within 4 % of the bath (the standard error of the mean is about 1 % here)."""
    cfg = mmff.MDConfig()
    mol = mmff.prepare_conformer(ASPIRIN, 11)
    _, _, kin = mmff.simulate_trajectory(mol, cfg, temperature_k, np.random.default_rng(int(temperature_k)),
                                         n_frames=12000)
    dof = 3 * mol.GetNumAtoms() - 3
    t = 2 * kin / (dof * mmff.KB_KCAL_PER_MOL_K)
    assert t.mean() == pytest.approx(temperature_k, rel=0.04)
    # the bath temperature is a mean, not a floor: the instantaneous values spread around it
    assert t.std() / t.mean() == pytest.approx(np.sqrt(2.0 / dof), rel=0.25)


def test_centre_of_mass_stays_put():
    cfg = mmff.MDConfig()
    mol = mmff.prepare_conformer("CCO", 2)
    m = np.array([a.GetMass() for a in mol.GetAtoms()])
    pos, _, _ = mmff.simulate_trajectory(mol, cfg, 500.0, np.random.default_rng(0), n_frames=200)
    com = (pos * m[None, :, None]).sum(1) / m.sum()
    assert np.abs(com).max() < 1e-9


def test_conformer_is_seeded_minimised_and_centred():
    a = mmff.prepare_conformer(ASPIRIN, 42)
    b = mmff.prepare_conformer(ASPIRIN, 42)
    c = mmff.prepare_conformer(ASPIRIN, 43)
    xa, xb, xc = (m.GetConformer().GetPositions() for m in (a, b, c))
    assert np.array_equal(xa, xb)
    assert not np.allclose(xa, xc)
    m = np.array([at.GetMass() for at in a.GetAtoms()])
    assert np.abs((xa * m[:, None]).sum(0)).max() < 1e-9
    assert np.abs(mmff.MMFFForces(a)(xa)[1]).max() < 0.05  # minimised: forces near zero (kcal/mol/A)


def test_unstable_dynamics_are_refused():
    cfg = mmff.MDConfig(max_bond_strain=1e-4)
    with pytest.raises(RuntimeError, match="unstable dynamics"):
        mmff.simulate_trajectory(mmff.prepare_conformer("CCO", 1), cfg, 300.0, np.random.default_rng(0), "ethanol",
                                 n_frames=150)


SMALL = dict(trajectories=2, frames=30, equil_fast_ps=0.05, equil_ps=0.05)


def test_file_format_and_seeded_reproducibility(tmp_path):
    cfg = mmff.MDConfig(**SMALL)
    ethanol = ms.by_name("ethanol")
    p1, s1 = mmff.simulate_file(str(tmp_path / "a"), ethanol, 500.0, cfg)
    p2, _ = mmff.simulate_file(str(tmp_path / "b"), ethanol, 500.0, cfg)
    p3, _ = mmff.simulate_file(str(tmp_path / "c"), ethanol, 500.0, mmff.MDConfig(**SMALL, seed=7))
    assert s1 is not None and s1 > 0
    assert mmff.sha256_of(p1) == mmff.sha256_of(p2)
    t1, t3 = mmff.load(p1), mmff.load(p3)
    assert t1.positions.dtype == np.float32 and t1.positions.shape == (2, 30, 9, 3)
    assert not np.allclose(t1.positions, t3.positions)
    assert not np.allclose(t1.positions[0], t1.positions[1])  # trajectories are independent
    assert t1.elements == ["C", "C", "O", "H", "H", "H", "H", "H", "H"]
    assert list(t1.atomic_numbers) == [6, 6, 8, 1, 1, 1, 1, 1, 1]
    assert t1.frame_interval_fs == 5.0 and t1.temperature_k == 500.0 and t1.smiles == "CCO"
    assert sorted(map(tuple, t1.bonds.tolist())) == [(0, 1), (0, 3), (0, 4), (0, 5), (1, 2), (1, 6), (1, 7),
                                                     (2, 8)]
    assert t1.potential_kcal_mol.shape == (2, 30) and t1.kinetic_kcal_mol.shape == (2, 30)
    assert t1.meta["config"]["dt_fs"] == 0.5 and t1.meta["config"]["steps_per_frame"] == 10
    # a frame is 10 steps of 0.5 fs: the mean per-frame displacement is that of ~5 fs of thermal motion
    step = mmff.rms_step(t1.positions)
    assert 0.05 < step < 0.3
    with np.load(p1, allow_pickle=False) as d:
        assert float(d["dt_fs"]) == 0.5 and int(d["steps_per_frame"]) == 10 and int(d["seed"]) == cfg.seed


def test_generation_skips_finished_files_and_restarts_a_killed_one(tmp_path):
    out = str(tmp_path / "set")
    args = ["--out", out, "--molecules", "ethanol,benzene", "--temperatures", "300", "--trajectories", "1",
            "--frames", "20"]
    assert mmff.main(args) == 0
    first = {f: mmff.sha256_of(os.path.join(out, f)) for f in ("ethanol_300K.npz", "benzene_300K.npz")}
    manifest = os.path.join(out, "manifest.json")
    with open(manifest) as f:
        doc = json.load(f)
    assert {e["file"]: e["sha256"] for e in doc["files"]} == first
    # a killed run: benzene half written (only its .tmp exists)
    os.remove(os.path.join(out, "benzene_300K.npz"))
    with open(os.path.join(out, "benzene_300K.npz.tmp"), "wb") as f:
        f.write(b"partial")
    mtime = os.path.getmtime(os.path.join(out, "ethanol_300K.npz"))
    assert mmff.main(args) == 0
    assert os.path.getmtime(os.path.join(out, "ethanol_300K.npz")) == mtime  # skipped
    assert not os.path.exists(os.path.join(out, "benzene_300K.npz.tmp"))
    assert mmff.sha256_of(os.path.join(out, "benzene_300K.npz")) == first["benzene_300K.npz"]
    assert mmff.verify(out, manifest) == []
    assert mmff.main(["--out", out, "--verify", manifest]) == 0
    table = mmff.stats_table(out, [ms.by_name("ethanol"), ms.by_name("toluene")], [300.0, 500.0])
    assert "| ethanol | train | 9 | 0." in table and "| toluene | train | - | - | - | - | - |" in table
    # a file from another configuration is not silently kept
    with pytest.raises(RuntimeError, match="different configuration"):
        mmff.main(args[:-1] + ["25"])
    with open(os.path.join(out, "ethanol_300K.npz"), "r+b") as f:
        f.write(b"x")
    assert mmff.verify(out, manifest) == ["ethanol_300K.npz: sha256 differs from " + manifest]


def test_load_refuses_a_file_of_another_format(tmp_path):
    p = str(tmp_path / "bad.npz")
    np.savez(p, positions=np.zeros((2, 3)))
    with pytest.raises(ValueError, match="missing atomic_numbers"):
        mmff.load(p)


def test_friction_must_not_be_negative():
    with pytest.raises(ValueError, match="friction"):
        mmff.BAOAB(lambda x: (0.0, 0 * x), np.ones(2), 0.5, 300.0, -1.0, None)


# --- the molecule set -------------------------------------------------------------------------------------------

def test_molecule_set_is_valid():
    assert ms.check() == []
    assert ms.VOCAB == ("H", "C", "N", "O", "F", "S", "Cl")


def test_molecule_set_has_md17_drug_likes_and_an_unseen_split():
    from rdkit import Chem
    names = {m.name for m in ms.md17()}
    assert names == {"aspirin", "benzene", "ethanol", "malonaldehyde", "naphthalene", "salicylic_acid",
                     "toluene", "uracil"}
    assert all(m.split == "train" for m in ms.md17())
    assert len([m for m in ms.MOLECULES if m.source == "drug-like"]) >= 50
    unseen = ms.unseen()
    assert len(unseen) >= 10
    atoms = {m.name: Chem.AddHs(Chem.MolFromSmiles(m.smiles)).GetNumAtoms() for m in ms.MOLECULES}
    assert max(atoms.values()) == ms.MAX_ATOMS == 32
    sizes = sorted(atoms[m.name] for m in unseen)
    assert sizes[0] <= 10 and sizes[-1] >= 30 and len(set(s // 8 for s in sizes)) == 4  # 8-15, 16-23, 24-31, 32
    elements = lambda group: {a.GetSymbol() for m in group for a in Chem.AddHs(Chem.MolFromSmiles(m.smiles)).GetAtoms()}
    assert elements(unseen) <= elements(ms.training()) == set(ms.VOCAB)


def test_unseen_molecules_are_far_from_training_ones():
    from rdkit import Chem, DataStructs
    from rdkit.Chem import AllChem

    def fp(m):
        return AllChem.GetMorganFingerprintAsBitVect(Chem.MolFromSmiles(m.smiles), 2, 2048)
    train = [fp(m) for m in ms.training()]
    for m in ms.unseen():
        nearest = max(DataStructs.BulkTanimotoSimilarity(fp(m), train))
        assert nearest < 0.35, (m.name, nearest)


def test_check_names_the_problem():
    bad = [ms.Molecule("big", "C" * 11, "drug-like", "train"), ms.Molecule("br", "CBr", "drug-like", "train"),
           ms.Molecule("x", "C1CC", "drug-like", "train")]
    problems = ms.check(bad)
    assert any(p.startswith("big: 35 atoms") for p in problems)
    assert any(p.startswith("br: elements ['Br']") for p in problems)
    assert any(p.startswith("x: RDKit cannot parse") for p in problems)
    with pytest.raises(KeyError, match="unknown molecule 'nope'"):
        ms.by_name("nope")
