#!/usr/bin/python3
"""Make the molecular demo scene in public/scenes/: alanine dipeptide (ACE-ALA-NME), short Langevin MD.

Run with Debian's Python (it has OpenMM 7.7 and PDBFixer):  /usr/bin/python3 scripts/make_demo_scenes.py
Deterministic: fixed seeds, CPU platform pinned to one thread.
"""
import os
import sys

from openmm import LangevinMiddleIntegrator, Platform, unit
from openmm import app

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'models', 'training'))
from lamslide_train.sim.ala2 import build_molecule  # noqa: E402

SEED = 20250301
FRAMES = 100
STEPS_PER_FRAME = 250  # 2 fs steps -> 0.5 ps between frames, 50 ps in all: enough to see the backbone swing
TIMESTEP_FS = 2.0
OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'public', 'scenes')
NAME = 'alanine-dipeptide'


def main():
    # The same molecule as the pipeline's reference MD (models/training/lamslide_train/sim/ala2.py).
    topology, positions = build_molecule(SEED)

    forcefield = app.ForceField('amber14-all.xml', 'implicit/gbn2.xml')
    system = forcefield.createSystem(topology, nonbondedMethod=app.NoCutoff, constraints=app.HBonds)
    integrator = LangevinMiddleIntegrator(300 * unit.kelvin, 1.0 / unit.picosecond, TIMESTEP_FS * unit.femtoseconds)
    integrator.setRandomNumberSeed(SEED)
    platform = Platform.getPlatformByName('CPU')
    sim = app.Simulation(topology, system, integrator, platform, {'Threads': '1'})
    sim.context.setPositions(positions)
    sim.minimizeEnergy(maxIterations=500)
    sim.context.setVelocitiesToTemperature(300 * unit.kelvin, SEED)
    sim.step(2500)  # 5 ps equilibration, not recorded

    frames = []
    for _ in range(FRAMES):
        sim.step(STEPS_PER_FRAME)
        state = sim.context.getState(getPositions=True)
        frames.append(state.getPositions(asNumpy=True).value_in_unit(unit.angstrom))
    # Centre on the first frame's centroid so the viewer and models see coordinates near the origin.
    shift = frames[0].mean(axis=0)
    frames = [f - shift for f in frames]

    os.makedirs(OUT_DIR, exist_ok=True)
    dt_ps = STEPS_PER_FRAME * TIMESTEP_FS / 1000.0
    pdb_path = os.path.join(OUT_DIR, NAME + '.pdb')
    with open(pdb_path, 'w') as fh:
        fh.write('REMARK   1 ALANINE DIPEPTIDE, LANGEVIN MD 300 K, AMBER14 + GBN2, SEED %d\n' % SEED)
        fh.write('REMARK   2 FRAME INTERVAL %.3f PS\n' % dt_ps)
        for k, f in enumerate(frames):
            fh.write('MODEL     %4d\n' % (k + 1))
            # PDBFile.writeModel keeps the residue and atom names the viewer labels with.
            app.PDBFile.writeModel(topology, f * unit.angstrom, fh, modelIndex=None, keepIds=True)
            fh.write('ENDMDL\n')
        fh.write('END\n')

    elements = [a.element.symbol for a in topology.atoms()]
    xyz_path = os.path.join(OUT_DIR, NAME + '.xyz')
    with open(xyz_path, 'w') as fh:
        for k, f in enumerate(frames):
            fh.write('%d\n' % len(elements))
            # frame= and dt=/dt_unit= are what the app's extended-XYZ reader takes labels and the interval from.
            fh.write('Properties=species:S:1:pos:R:3 frame=%d dt=%g dt_unit=ps\n' % (k, dt_ps))
            for el, x in zip(elements, f):
                fh.write('%-2s %12.5f %12.5f %12.5f\n' % (el, x[0], x[1], x[2]))

    for path in (pdb_path, xyz_path):
        size = os.path.getsize(path)
        print('%s: %d atoms, %d frames, %.1f kB' % (os.path.relpath(path), len(elements), len(frames), size / 1024))
        if size > 1 << 20:
            sys.exit('demo file over 1 MB: ' + path)


if __name__ == '__main__':
    main()
