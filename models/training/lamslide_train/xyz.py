"""Writes molecular trajectories of the pipeline's data as extended XYZ scenes that the app and `lamslide eval` read
(frames 5 fs apart, stated with dt= and dt_unit=), so the TypeScript side can be run on the card's windows.

  python3 -m lamslide_train.xyz --md17 OUT.xyz                        MD17 ethanol (shared/data/md17), every 10th frame
  python3 -m lamslide_train.xyz --mmff FILE.npz --trajectory R OUT.xyz  one trajectory of an MMFF file (sim/mmff.py)

The output is derived data: write it outside the repository or into a git-ignored folder (cache/), never commit it.
"""
import argparse

import numpy as np

from .sim import md17, mmff


def write_xyz(path, elements, frames, dt_fs=None):
    """Multi-frame extended XYZ: species and positions (Å); frame=k, dt= and dt_unit=fs on every comment line
    (without dt_fs: none of them, as for a structure that states no interval)."""
    with open(path, "w") as f:
        for k, x in enumerate(np.asarray(frames, np.float64)):
            extra = f" frame={k} dt={dt_fs:g} dt_unit=fs" if dt_fs else ""
            f.write(f"{len(elements)}\nProperties=species:S:1:pos:R:3{extra}\n")
            for e, p in zip(elements, x):
                f.write(f"{e:<2} {p[0]:12.6f} {p[1]:12.6f} {p[2]:12.6f}\n")


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python3 -m lamslide_train.xyz", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--md17", action="store_true", help="MD17 ethanol, every 10th frame (5 fs)")
    src.add_argument("--mmff", metavar="FILE", help="an MMFF file of sim/mmff.py")
    ap.add_argument("--trajectory", type=int, default=0, help="which of the MMFF file's trajectories")
    ap.add_argument("out")
    a = ap.parse_args(argv)
    if a.md17:
        t = md17.load()
        write_xyz(a.out, t.elements, t.positions, t.frame_interval_fs)
        print(f"{a.out}: MD17 ethanol, {len(t.positions)} frames x {t.frame_interval_fs:g} fs")
        return
    t = mmff.load(a.mmff)
    if not 0 <= a.trajectory < t.positions.shape[0]:
        raise SystemExit(f"--trajectory {a.trajectory}: {a.mmff} has trajectories 0..{t.positions.shape[0] - 1}")
    write_xyz(a.out, t.elements, t.positions[a.trajectory], t.frame_interval_fs)
    print(f"{a.out}: {t.name} at {t.temperature_k:g} K, trajectory {a.trajectory}, {t.positions.shape[1]} frames")


if __name__ == "__main__":
    main()
