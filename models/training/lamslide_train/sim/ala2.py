"""Alanine dipeptide (ACE-ALA-NME) in implicit solvent: the structure, the system and long reference MD.

The structure is built from ideal internal coordinates and hydrogens are added by template (the same molecule as the
demo scene, scripts/make_demo_scenes.py); the force field is amber14 + GBn2 implicit solvent, Langevin dynamics at
300 K with 2 fs steps and H-bond constraints. `run_md` writes a frame every `frame_ps` and is resumable: it saves an
OpenMM checkpoint (positions, velocities, integrator random state) and the frames so far after every chunk, so an
interrupted run continues where it stopped and gives the same trajectory as an uninterrupted one.

Command line (Debian's /usr/bin/python3, from models/training):
  python3 -m lamslide_train.sim.ala2 --out data/ala2 --work runs/ala2_md
makes train.npz (20 ns), eval_a.npz (10 ns) and eval_b.npz (10 ns), each from its own seed.
"""
import argparse
import io
import json
import os
import random
import time

import numpy as np

TIMESTEP_FS = 2.0
TEMPERATURE_K = 300.0
FRICTION_PER_PS = 1.0
BUILD_SEED = 20250301

# name -> (nanoseconds, seed); separate seeds make the runs independent
RUNS = {"train": (20.0, 1101), "eval_a": (10.0, 2202), "eval_b": (10.0, 3303)}


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


def build_molecule(seed=BUILD_SEED):
    """Topology and positions of ACE-ALA-NME with hydrogens (deterministic for a given seed)."""
    from openmm import Platform
    from openmm import app
    from pdbfixer import PDBFixer
    fixer = PDBFixer(pdbfile=io.StringIO(heavy_atom_pdb()))
    fixer.findMissingResidues()
    fixer.findMissingAtoms()
    fixer.addMissingAtoms()
    # OpenMM places new hydrogens at random offsets (Python's `random`) before minimising them; seeding it and
    # minimising on the Reference platform is what makes the build reproducible.
    random.seed(seed)
    modeller = app.Modeller(fixer.topology, fixer.positions)
    modeller.addHydrogens(app.ForceField('amber14-all.xml'), pH=7.0, platform=Platform.getPlatformByName('Reference'))
    return modeller.topology, modeller.positions


def make_simulation(topology, seed, threads=1):
    from openmm import LangevinMiddleIntegrator, Platform, unit
    from openmm import app
    forcefield = app.ForceField('amber14-all.xml', 'implicit/gbn2.xml')
    system = forcefield.createSystem(topology, nonbondedMethod=app.NoCutoff, constraints=app.HBonds)
    integrator = LangevinMiddleIntegrator(TEMPERATURE_K * unit.kelvin, FRICTION_PER_PS / unit.picosecond,
                                          TIMESTEP_FS * unit.femtoseconds)
    integrator.setRandomNumberSeed(seed)
    platform = Platform.getPlatformByName('CPU')
    return app.Simulation(topology, system, integrator, platform, {'Threads': str(threads)})


def atom_table(topology):
    atoms = list(topology.atoms())
    return {
        "elements": [a.element.symbol for a in atoms],
        "names": [a.name for a in atoms],
        "residues": [a.residue.name for a in atoms],
        "resids": [int(a.residue.id) for a in atoms],
    }


def run_md(out_path, work_dir, ns, seed, frame_ps=1.0, chunk_frames=500, threads=1, log=print):
    """Writes out_path (npz: coords float32 [F, 22, 3] in Angstrom, time_ps, atom table) for `ns` nanoseconds of
    MD sampled every `frame_ps`; resumes from work_dir when a previous run was interrupted."""
    from openmm import unit
    if os.path.exists(out_path):
        log(f"{out_path} exists, skipped")
        return
    os.makedirs(work_dir, exist_ok=True)
    total = int(round(ns * 1000.0 / frame_ps))
    steps_per_frame = int(round(frame_ps * 1000.0 / TIMESTEP_FS))
    topology, positions = build_molecule()
    sim = make_simulation(topology, seed, threads)
    ck, prog = os.path.join(work_dir, "state.chk"), os.path.join(work_dir, "progress.json")
    done = 0
    if os.path.exists(ck) and os.path.exists(prog):
        with open(ck, "rb") as f:
            sim.context.loadCheckpoint(f.read())
        with open(prog) as f:
            done = json.load(f)["frames"]
        log(f"resumed at frame {done} / {total}")
    else:
        sim.context.setPositions(positions)
        sim.minimizeEnergy(maxIterations=500)
        sim.context.setVelocitiesToTemperature(TEMPERATURE_K * unit.kelvin, seed)
        sim.step(int(round(20.0 * 1000.0 / TIMESTEP_FS)))  # 20 ps equilibration, not recorded
    t_start = time.time()
    while done < total:
        n = min(chunk_frames, total - done)
        frames = np.zeros((n, topology.getNumAtoms(), 3), np.float32)
        for k in range(n):
            sim.step(steps_per_frame)
            st = sim.context.getState(getPositions=True)
            frames[k] = st.getPositions(asNumpy=True).value_in_unit(unit.angstrom)
        np.save(os.path.join(work_dir, f"chunk_{done:07d}.npy"), frames)
        # checkpoint after the chunk file exists: a crash in between repeats the chunk, never loses or doubles it
        tmp = ck + ".tmp"
        with open(tmp, "wb") as f:
            f.write(sim.context.createCheckpoint())
        os.replace(tmp, ck)
        done += n
        with open(prog + ".tmp", "w") as f:
            json.dump({"frames": done}, f)
        os.replace(prog + ".tmp", prog)
        rate = (done * frame_ps / 1000.0) / max(1e-9, (time.time() - t_start) / 86400.0)
        log(f"{os.path.basename(out_path)}: {done} / {total} frames ({rate:.0f} ns/day this session)")
    chunks = sorted(f for f in os.listdir(work_dir) if f.startswith("chunk_"))
    coords = np.concatenate([np.load(os.path.join(work_dir, f)) for f in chunks])[:total]
    table = atom_table(topology)
    np.savez_compressed(out_path + ".tmp.npz", coords=coords.astype(np.float32),
                        time_ps=(np.arange(1, total + 1) * frame_ps).astype(np.float32),
                        elements=np.array(table["elements"]), names=np.array(table["names"]),
                        residues=np.array(table["residues"]), resids=np.array(table["resids"], np.int32),
                        meta=np.array(json.dumps({"ns": ns, "seed": seed, "frame_ps": frame_ps,
                                                  "timestep_fs": TIMESTEP_FS, "temperature_k": TEMPERATURE_K,
                                                  "friction_per_ps": FRICTION_PER_PS,
                                                  "force_field": "amber14-all + implicit/gbn2",
                                                  "constraints": "HBonds", "equilibration_ps": 20})))
    os.replace(out_path + ".tmp.npz", out_path)
    log(f"wrote {out_path}: {coords.shape}")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default="data/ala2")
    ap.add_argument("--work", default="runs/ala2_md")
    ap.add_argument("--runs", default=",".join(RUNS), help="comma-separated subset of " + ",".join(RUNS))
    ap.add_argument("--ns", type=float, default=None, help="override the length of every run (tests)")
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args(argv)
    os.makedirs(a.out, exist_ok=True)
    for name in a.runs.split(","):
        ns, seed = RUNS[name]
        run_md(os.path.join(a.out, name + ".npz"), os.path.join(a.work, name), a.ns or ns, seed, threads=a.threads)


if __name__ == "__main__":
    main()
