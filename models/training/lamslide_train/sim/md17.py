"""Real DFT molecular dynamics to check against: the MD17 ethanol snippet in ../shared/data/md17, read in place.

The file (see ../shared/data/md17/SOURCE.md) holds the first 2000 consecutive frames of MD17 ethanol, 0.5 fs
apart (MD17: 500 K, 0.5 fs steps), positions R in A and atomic numbers z. Models are evaluated on every 10th frame
(5 fs, the protocol of GeoTDM and LaM-SLidE), the same interval as the project's MMFF data (sim/mmff.py).
The file is never copied; `load` reads it where it lies.
"""
import os
from dataclasses import dataclass

import numpy as np

STEP_FS = 0.5          # MD17's time step: consecutive frames of the file are 0.5 fs apart
EVERY = 10             # take every 10th frame -> 5 fs
TEMPERATURE_K = 500.0  # MD17's temperature
ELEMENTS = {1: "H", 6: "C", 7: "N", 8: "O", 9: "F", 16: "S", 17: "Cl"}

# <repo>/models/training/lamslide_train/sim/md17.py: five dirname() steps give <repo>; shared/ lies beside it
_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
DATA_DIR = os.path.join(os.path.dirname(_ROOT), "shared", "data", "md17")
ETHANOL = os.path.join(DATA_DIR, "ethanol", "ethanol.npz")


@dataclass
class MD17Trajectory:
    path: str
    positions: np.ndarray       # float32 [F, N, 3], A
    atomic_numbers: np.ndarray  # int32 [N]
    elements: list              # chemical symbols [N]
    frame_interval_fs: float    # STEP_FS * every
    energies_kcal_mol: np.ndarray  # float64 [F] (total DFT energy of the kept frames)


def load(path=ETHANOL, every=EVERY):
    """Every `every`-th frame of an MD17 npz (keys R [F, N, 3] A, z [N], optionally E), positions in A."""
    if every < 1:
        raise ValueError(f"every must be >= 1, got {every}")
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: MD17 file not found (expected ../shared/data/md17 beside the repository)")
    with np.load(path, allow_pickle=False) as d:
        for key in ("R", "z"):
            if key not in d.files:
                raise ValueError(f"{path}: field {key!r} missing (has {', '.join(d.files)})")
        R, z = d["R"], d["z"]
        E = d["E"].reshape(-1) if "E" in d.files else np.full(len(R), np.nan)
    if R.ndim != 3 or R.shape[2] != 3:
        raise ValueError(f"{path}: field 'R' has shape {R.shape}, expected [F, N, 3]")
    if z.ndim != 1 or len(z) != R.shape[1]:
        raise ValueError(f"{path}: field 'z' has shape {z.shape}, but 'R' has {R.shape[1]} atoms")
    if len(E) != len(R):
        raise ValueError(f"{path}: field 'E' has {len(E)} frames, 'R' has {len(R)}")
    if not np.isfinite(R).all():
        raise ValueError(f"{path}: field 'R' has non-finite positions")
    unknown = sorted(set(int(a) for a in z) - set(ELEMENTS))
    if unknown:
        raise ValueError(f"{path}: field 'z' has atomic numbers {unknown} outside {sorted(ELEMENTS)}")
    return MD17Trajectory(path, R[::every].astype(np.float32), z.astype(np.int32),
                          [ELEMENTS[int(a)] for a in z], STEP_FS * every, E[::every].astype(np.float64))
