#!/usr/bin/python3
"""Make the molecular demo scene in public/scenes/: alanine dipeptide (ACE-ALA-NME), short Langevin MD.

Run with Debian's Python (it has OpenMM 7.7 and PDBFixer):  /usr/bin/python3 scripts/make_demo_scenes.py
Deterministic: fixed seeds, CPU platform pinned to one thread.
"""
import io
import os
import random
import sys

import numpy as np
from openmm import LangevinMiddleIntegrator, Platform, unit
from openmm import app
from pdbfixer import PDBFixer

SEED = 20250301
FRAMES = 100
STEPS_PER_FRAME = 250  # 2 fs steps -> 0.5 ps between frames, 50 ps in all: enough to see the backbone swing
TIMESTEP_FS = 2.0
OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'public', 'scenes')
NAME = 'alanine-dipeptide'


def place(a, b, c, bond, angle, torsion):
    """Natural-extension reference frame: the atom d bonded to c, given bond |cd|, angle bcd and dihedral abcd."""
    angle, torsion = np.radians(angle), np.radians(torsion)
    bc = c - b
    bc /= np.linalg.norm(bc)
    n = np.cross(b - a, bc)
    n /= np.linalg.norm(n)
    m = np.cross(n, bc)
    local = np.array([-bond * np.cos(angle), bond * np.sin(angle) * np.cos(torsion), bond * np.sin(angle) * np.sin(torsion)])
    return c + local[0] * bc + local[1] * m + local[2] * n


def heavy_atom_pdb(phi=-80.0, psi=80.0):
    """Heavy atoms of ACE-ALA-NME from ideal internal coordinates; PDBFixer adds the hydrogens by template."""
    p = {}
    p['ACE CH3'] = np.array([0.0, 0.0, 0.0])
    p['ACE C'] = np.array([1.52, 0.0, 0.0])
    p['ACE O'] = place(np.array([0.0, 1.0, 0.0]), p['ACE CH3'], p['ACE C'], 1.23, 121, 0)
    p['ALA N'] = place(p['ACE O'], p['ACE CH3'], p['ACE C'], 1.33, 116, 180)
    p['ALA CA'] = place(p['ACE CH3'], p['ACE C'], p['ALA N'], 1.46, 122, 180)
    p['ALA C'] = place(p['ACE C'], p['ALA N'], p['ALA CA'], 1.52, 111, phi)
    # -122 degrees around N-CA gives the L enantiomer the amber templates expect.
    p['ALA CB'] = place(p['ALA C'], p['ALA N'], p['ALA CA'], 1.53, 110, -122)
    p['NME N'] = place(p['ALA N'], p['ALA CA'], p['ALA C'], 1.33, 116, psi)
    p['ALA O'] = place(p['ALA N'], p['ALA CA'], p['ALA C'], 1.23, 121, psi + 180)
    p['NME C'] = place(p['ALA CA'], p['ALA C'], p['NME N'], 1.46, 122, 180)
    order = ['ACE CH3', 'ACE C', 'ACE O', 'ALA N', 'ALA CA', 'ALA C', 'ALA O', 'ALA CB', 'NME N', 'NME C']
    resno = {'ACE': 1, 'ALA': 2, 'NME': 3}
    lines = ['SEQRES   1 A    3  ACE ALA NME']
    for i, key in enumerate(order):
        res, name = key.split()
        x = p[key]
        lines.append('ATOM  %5d %-4s %3s A%4d    %8.3f%8.3f%8.3f  1.00  0.00          %2s'
                     % (i + 1, ' ' + name if len(name) < 4 else name, res, resno[res], x[0], x[1], x[2], name[0]))
    lines.append('END')
    return '\n'.join(lines) + '\n'


def main():
    fixer = PDBFixer(pdbfile=io.StringIO(heavy_atom_pdb()))
    fixer.findMissingResidues()
    fixer.findMissingAtoms()
    fixer.addMissingAtoms()
    # OpenMM places new hydrogens at random offsets (Python's `random`) before minimising them; seeding it and
    # minimising on the Reference platform is what makes the whole script reproducible.
    random.seed(SEED)
    modeller = app.Modeller(fixer.topology, fixer.positions)
    modeller.addHydrogens(app.ForceField('amber14-all.xml'), pH=7.0, platform=Platform.getPlatformByName('Reference'))
    topology, positions = modeller.topology, modeller.positions

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
