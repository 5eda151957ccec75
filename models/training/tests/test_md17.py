"""The MD17 ethanol reader (lamslide_train.sim.md17), against ../shared/data/md17/SOURCE.md."""
import os
import re

import numpy as np
import pytest

from lamslide_train.sim import md17, mmff

SOURCE = os.path.join(md17.DATA_DIR, "SOURCE.md")
needs_data = pytest.mark.skipif(not os.path.exists(md17.ETHANOL), reason=f"{md17.ETHANOL} is not on this machine")


@needs_data
def test_shapes_and_atoms_match_source_md():
    with open(SOURCE) as f:
        source = f.read()
    frames, atoms = map(int, re.search(r"`R` \((\d+), (\d+), 3\)", source).groups())
    z = [int(a) for a in re.search(r"atomic numbers `\[([\d, ]+)\]`", source).group(1).split(",")]
    full = md17.load(every=1)
    assert full.positions.shape == (frames, atoms, 3) == (2000, 9, 3)
    assert list(full.atomic_numbers) == z
    assert full.elements == ["C", "C", "O", "H", "H", "H", "H", "H", "H"]
    t = md17.load()
    assert t.positions.shape == (frames // 10, atoms, 3) and t.positions.dtype == np.float32
    assert t.frame_interval_fs == 5.0
    np.testing.assert_array_equal(t.positions, full.positions[::10])
    # every 10th frame, in place: the kept frames are the file's frames 0, 10, 20, ...
    with np.load(md17.ETHANOL) as d:
        np.testing.assert_allclose(t.positions[3], d["R"][30], atol=1e-6)


@needs_data
def test_the_half_femtosecond_spacing_gives_the_stated_temperature():
    """SOURCE.md states 500 K and 0.5 fs between frames. Velocities from central differences at that spacing give a
    mean kinetic energy of 3N/2 k (500 K) over the 1 ps, steady from quarter to quarter; a spacing of 0.25 fs or
    1 fs would give 4x or 1/4 of it. So the 5 fs frame interval (every 10th frame) is right. (The centre of mass
    is held still, so per actual degree of freedom, 3N - 3, the same energy is 563 K.)"""
    with open(SOURCE) as f:
        source = f.read()
    assert "500 K" in source and "0.5 fs" in source
    full = md17.load(every=1)
    from rdkit import Chem
    table = Chem.GetPeriodicTable()
    m = np.array([table.GetAtomicWeight(int(a)) for a in full.atomic_numbers])
    x = full.positions.astype(np.float64)
    com = (x * m[None, :, None]).sum(1) / m.sum()
    assert np.abs(com - com[0]).max() < 1e-3  # centre of mass fixed
    v = (x[2:] - x[:-2]) / (2 * md17.STEP_FS)
    ke = 0.5 * (m[None, :, None] * v ** 2).sum((1, 2)) * mmff.KCAL_PER_AMU_A2_FS2
    temperature = 2 * ke / (3 * len(m) * mmff.KB_KCAL_PER_MOL_K)
    quarters = [q.mean() for q in np.array_split(temperature, 4)]
    assert quarters == pytest.approx([md17.TEMPERATURE_K] * 4, rel=0.1), quarters
    # consecutive frames are one time step apart, not a stride: per-step moves are ~0.01-0.05 A
    step = np.linalg.norm(np.diff(x, axis=0), axis=-1)
    assert step.max() < 0.06


def test_missing_fields_and_bad_shapes_are_named(tmp_path):
    p = str(tmp_path / "x.npz")
    np.savez(p, R=np.zeros((4, 3, 3)))
    with pytest.raises(ValueError, match="field 'z' missing"):
        md17.load(p)
    np.savez(p, R=np.zeros((4, 3, 3)), z=np.array([6, 1]))
    with pytest.raises(ValueError, match="field 'z' has shape"):
        md17.load(p)
    np.savez(p, R=np.zeros((4, 2, 3)), z=np.array([6, 35]))
    with pytest.raises(ValueError, match=r"atomic numbers \[35\]"):
        md17.load(p)
    with pytest.raises(FileNotFoundError, match="not found"):
        md17.load(str(tmp_path / "none.npz"))
