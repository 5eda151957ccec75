#!/usr/bin/python3
"""Make the 5 fs molecule demo scene in public/scenes/: tiopronin (a thiol drug, C5H9NO3S, 19 atoms with
hydrogens) in MMFF94 Langevin MD at 300 K, 200 frames 5 fs apart (1 ps), written by the pipeline's own simulator
(models/training/lamslide_train/sim/mmff.py) as extended XYZ with dt=5 dt_unit=fs, the frame interval of md-small.

Tiopronin is in neither the molecule set of the pipeline (sim/molecule_set.py) nor any other training list: the
model never saw it (its largest Morgan Tanimoto similarity to a training molecule is 0.28, lactic acid).

Run with Debian's Python (RDKit, NumPy):  /usr/bin/python3 scripts/make_molecule_demo.py
Deterministic: a fixed seed for the conformer and the Langevin noise.
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'models', 'training'))
from lamslide_train.sim import mmff  # noqa: E402

NAME = 'tiopronin-mmff'
SMILES = 'CC(S)C(=O)NCC(=O)O'
SEED = 20250402
TEMPERATURE_K = 300.0
FRAMES = 200
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'public', 'scenes', NAME + '.xyz')


def main():
    cfg = mmff.MDConfig(seed=SEED)
    mol = mmff.prepare_conformer(SMILES, SEED)
    rng = np.random.Generator(np.random.PCG64(SEED))
    pos, _, _ = mmff.simulate_trajectory(mol, cfg, TEMPERATURE_K, rng, NAME, n_frames=FRAMES)
    elements = [a.GetSymbol() for a in mol.GetAtoms()]
    with open(OUT, 'w') as fh:
        for k, frame in enumerate(pos):
            fh.write('%d\n' % len(elements))
            fh.write('Properties=species:S:1:pos:R:3 frame=%d dt=%g dt_unit=fs\n' % (k, cfg.frame_interval_fs))
            for el, x in zip(elements, frame):
                fh.write('%-2s %12.5f %12.5f %12.5f\n' % (el, x[0], x[1], x[2]))
    size = os.path.getsize(OUT)
    print('%s: %d atoms, %d frames x %g fs, %.1f kB' % (os.path.relpath(OUT), len(elements), FRAMES,
                                                       cfg.frame_interval_fs, size / 1024))
    if size > 1 << 20:
        sys.exit('demo file over 1 MB: ' + OUT)


if __name__ == '__main__':
    main()
