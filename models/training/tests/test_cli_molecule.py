"""`lamslide sample` with md-small on molecules no model saw, drawn with RDKit: the XYZ and PDB it writes must be read
back by RDKit and MDTraj with the right atoms and frame count, and every bond of the molecule's topology must stay
within ±15 % of its length in the input in every sampled frame. Needs Node (the command line) and the built
models/md-small; skipped where either is missing (CI images without node)."""
import os
import shutil
import subprocess

import numpy as np
import pytest

from conftest import MODELS, REPO
from lamslide_train.sim import mmff
from lamslide_train.xyz import write_xyz

NODE = shutil.which("node")
MODEL = os.path.join(MODELS, "md-small")
pytestmark = pytest.mark.skipif(
    not NODE or not os.path.isfile(os.path.join(MODEL, "manifest.json"))
    or not os.path.isdir(os.path.join(REPO, "node_modules")),
    reason="needs node, node_modules and models/md-small")

ISATIN = "O=C1Nc2ccccc2C1=O"  # in no training list of the pipeline


def sample(scene, out, now, k=4):
    cmd = [NODE, os.path.join(REPO, "bin", "lamslide.mjs"), "sample", "--model", MODEL, "--scene", scene,
           "--now", str(now), "--k", str(k), "--threads", "1", "--out", out]
    r = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    return r


def xyz_frames(path):
    """The frames of a multi-frame XYZ as RDKit molecules (one XYZ block each)."""
    from rdkit import Chem
    lines = open(path).read().splitlines()
    out, i = [], 0
    while i < len(lines):
        n = int(lines[i])
        m = Chem.MolFromXYZBlock("\n".join(lines[i:i + n + 2]) + "\n")
        assert m is not None, f"RDKit cannot read the frame at line {i + 1} of {path}"
        out.append(m)
        i += n + 2
    return out


def check_bonds(positions, bonds, ref):
    d = np.linalg.norm(positions[:, bonds[:, 0]] - positions[:, bonds[:, 1]], axis=-1)
    worst = float(np.abs(d / ref - 1).max())
    assert worst <= 0.15, f"a bond left ±15 % of its input length (worst {worst * 100:.1f} %)"


def test_sample_a_molecule_no_model_saw(tmp_path):
    import mdtraj
    mol = mmff.prepare_conformer(ISATIN, 7)
    elements = [a.GetSymbol() for a in mol.GetAtoms()]
    bonds = mmff.bond_table(mol)
    rng = np.random.Generator(np.random.PCG64(7))
    pos, _, _ = mmff.simulate_trajectory(mol, mmff.MDConfig(equil_fast_ps=0.1, equil_ps=0.1), 300.0, rng, "isatin",
                                         n_frames=10)
    scene = str(tmp_path / "mol.xyz")
    write_xyz(scene, elements, pos, dt_fs=5)
    ref = np.linalg.norm(pos[:, bonds[:, 0]] - pos[:, bonds[:, 1]], axis=-1).mean(0)
    k, horizon, n = 4, 20, len(elements)
    sample(scene, str(tmp_path / "futures.xyz"), 9, k)
    sample(scene, str(tmp_path / "futures.pdb"), 9, k)
    frames = xyz_frames(str(tmp_path / "futures.xyz"))
    assert len(frames) == k * horizon
    for m in frames:
        assert [a.GetSymbol() for a in m.GetAtoms()] == elements
    xyz = np.stack([m.GetConformer().GetPositions() for m in frames])
    check_bonds(xyz, bonds, ref)
    t = mdtraj.load(str(tmp_path / "futures.pdb"))
    assert t.n_frames == k * horizon and t.n_atoms == n
    assert [a.element.symbol for a in t.topology.atoms] == elements
    np.testing.assert_allclose(t.xyz * 10, xyz, atol=2e-3)  # PDB keeps 3 decimals of Å; mdtraj works in nm
    tx = mdtraj.load_xyz(str(tmp_path / "futures.xyz"), top=t.topology)
    assert tx.n_frames == k * horizon
    np.testing.assert_allclose(tx.xyz * 10, xyz, atol=1e-4)


def test_sample_a_single_dropped_structure(tmp_path):
    """One RDKit conformer, no interval stated: it takes the model's, and one known frame is enough."""
    mol = mmff.prepare_conformer(ISATIN, 11)
    elements = [a.GetSymbol() for a in mol.GetAtoms()]
    x = mol.GetConformer().GetPositions()
    scene = str(tmp_path / "one.xyz")
    write_xyz(scene, elements, [x])
    r = sample(scene, str(tmp_path / "one-futures.xyz"), 0, 3)
    assert "interval" in r.stderr  # the note that the scene takes the model's frame interval
    frames = xyz_frames(str(tmp_path / "one-futures.xyz"))
    assert len(frames) == 3 * 20
    bonds = mmff.bond_table(mol)
    ref = np.linalg.norm(x[bonds[:, 0]] - x[bonds[:, 1]], axis=-1)
    check_bonds(np.stack([m.GetConformer().GetPositions() for m in frames]), bonds, ref)


def test_eval_on_a_molecule_no_model_saw():
    """`lamslide eval --json` on the tiopronin demo (MMFF MD at 5 fs, in no training list): the molecule protocol
    (mean over K = 5), and baselines equal to the ones computed here from the file."""
    import json
    scene = os.path.join(REPO, "public", "scenes", "tiopronin-mmff.xyz")
    cmd = [NODE, os.path.join(REPO, "bin", "lamslide.mjs"), "eval", "--model", MODEL, "--data", scene, "--json",
           "--stride", "40", "--max-windows", "3", "--ids", "sequential", "--threads", "1"]
    r = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["protocol"] == "mean" and out["k"] == 5 and out["windows"] == 3 and out["samples"] == 3 * 19
    lines = open(scene).read().splitlines()
    n = int(lines[0])
    frames = np.array([[[float(v) for v in ln.split()[1:4]] for ln in lines[f * (n + 2) + 2:(f + 1) * (n + 2)]]
                       for f in range(len(lines) // (n + 2))])
    ade, fde = [], []
    for s in (0, 40, 80):
        now, fut = frames[s + 9], frames[s + 10:s + 30]
        d = np.linalg.norm(fut - now[None], axis=-1)  # [20, n]
        ade.append(d.mean(0)), fde.append(d[-1])
    frozen = out["baselines"]["frozen"]
    assert abs(frozen["ade"] - np.concatenate(ade).mean()) < 1e-4
    assert abs(frozen["fde"] - np.concatenate(fde).mean()) < 1e-4
    assert np.isfinite(out["ade"]) and np.isfinite(out["fde"])
    cv = out["baselines"]["constant_velocity"]
    assert out["ade"] < cv["ade"], "md-small is worse than constant velocity on a molecule at 5 fs"
