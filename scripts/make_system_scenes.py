#!/usr/bin/python3
"""Make the N-body and basketball demo scenes in public/scenes/ with the project's own simulators.

- charged-nbody.csv / .extxyz: one simulation of the charged 5-particle system (models/training/lamslide_train/
  sim/nbody.py, the NRI/EGNN/GeoTDM constants), 60 frames x 0.1 time units, from a seed that no training, val or
  test simulation uses (those are seed 43 with split codes 1-3).
- basketball-play.txt: one half-court possession from the small play simulator (sim/basketball.py): 10 players and
  the ball on a 94 x 50 ft court, 120 frames x 0.12 s, SportVU text `frame agent x y group` (frame ids step by 12).
  Made up by the simulator, never a copy of tracking data.

Run with Debian's Python:  /usr/bin/python3 scripts/make_system_scenes.py   (deterministic: fixed seeds)
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'models', 'training'))
from lamslide_train.sim import basketball, nbody  # noqa: E402

OUT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'public', 'scenes')
NBODY_SEED, NBODY_SPLIT_CODE = 20250301, 5   # a stream of its own (sim.nbody.SPLITS uses codes 1-3 with seed 43)
NBODY_FRAMES = 60
PLAY_SEED, PLAY_FRAMES = 3, 120


def nbody_extxyz(loc, charges):
    """The same simulation as extended XYZ: no species (particles have no element), an integer charge per particle."""
    out = []
    for f in range(loc.shape[0]):
        out.append(str(loc.shape[1]))
        out.append(f'Properties=pos:R:3:charge:I:1 kind=nbody dt={nbody.FRAME_INTERVAL:g} frame={f}')
        for i in range(loc.shape[1]):
            x, y, z = loc[f, i]
            out.append(f'{x:.6f} {y:.6f} {z:.6f} {int(charges[i]):d}')
    return '\n'.join(out) + '\n'


def main():
    q, x, v = nbody.initial_states(NBODY_SEED, NBODY_SPLIT_CODE, np.array([0]))
    loc, _ = nbody.simulate(q, x, v, steps=(NBODY_FRAMES + 1) * nbody.SAMPLE_FREQ)
    loc = loc[0, :NBODY_FRAMES]
    with open(os.path.join(OUT_DIR, 'charged-nbody.csv'), 'w') as f:
        f.write(nbody.scene_csv(loc, q[0], name='charged-nbody'))
    with open(os.path.join(OUT_DIR, 'charged-nbody.extxyz'), 'w') as f:
        f.write(nbody_extxyz(loc, q[0]))
    pos, ids = basketball.simulate(PLAY_FRAMES, PLAY_SEED)
    with open(os.path.join(OUT_DIR, 'basketball-play.txt'), 'w') as f:
        f.write(basketball.sportvu_text(pos, ids))
    print(f'wrote charged-nbody.csv/.extxyz ({NBODY_FRAMES} frames, charges {q[0].astype(int).tolist()}) and '
          f'basketball-play.txt ({PLAY_FRAMES} frames)')


if __name__ == '__main__':
    main()
