"""A small simulator of one half-court basketball possession, for demo scenes and test fixtures (never a copy of
tracking data): 10 players and the ball on a 94 x 50 ft court, a frame every 0.12 s, SportVU text out.

The play: five attackers bring the ball up from the back court to a half-court set (point guard at the top of the
key, two wings, a corner, a post) facing the basket at x = 88.75 ft; the ball handler dribbles; a few passes go
around the arc (the ball flies straight at a fixed speed to where the receiver will be); after each pass the
passer cuts to the rim and comes back out; the last receiver shoots, the ball flies to the rim and drops off it,
and the bigs crash the boards. Each defender stays goal-side of his man, shaded toward the ball. Every player
steers toward his target with a bounded speed and acceleration (a smooth, human-like path); small seeded noise
varies the targets.

  python3 -m lamslide_train.sim.basketball --out play.txt [--seed N] [--frames 100]
"""
import argparse

import numpy as np

COURT = (94.0, 50.0)
BASKET = np.array([88.75, 25.0])       # right-hand rim: 5.25 ft from the baseline, on the long axis
DT = 0.12                               # seconds per frame (SportVU, about 8.3 Hz)
FRAME_STEP = 12                         # frame ids step by 12, as in the SportVU files
SUBSTEPS = 6
BALL_SPEED = 38.0                       # ft/s of a pass or a shot
PLAYER_VMAX = 17.0                      # ft/s
PLAYER_AMAX = 14.0                      # ft/s^2
BALL_ID = -1
OFFENSE_IDS = (11, 12, 13, 14, 15)
DEFENSE_IDS = (21, 22, 23, 24, 25)
# half-court set of the attackers (PG, SG, SF, PF, C), facing the right-hand basket
SPOTS = np.array([[66.0, 25.0], [71.0, 42.0], [71.0, 8.0], [88.0, 46.5], [82.0, 31.0]])


class Play:
    def __init__(self, seed=0):
        self.rng = np.random.default_rng(seed)
        r = self.rng
        self.spots = SPOTS + r.normal(0, 1.5, SPOTS.shape)
        # back court start: attackers spread across x 30..50, defenders a step ahead of them (closer to the basket)
        self.off = np.column_stack([r.uniform(32, 50, 5), self.spots[:, 1] + r.normal(0, 3, 5)])
        self.deff = self.off + np.array([6.0, 0.0]) + r.normal(0, 1.0, (5, 2))
        self.v_off = np.tile([[6.0, 0.0]], (5, 1))
        self.v_def = np.tile([[6.0, 0.0]], (5, 1))
        self.holder = 0                      # attacker holding the ball, or -1 while it flies
        self.ball = self.off[0].copy()
        self.flight = None                   # (start, end, t0, duration, then): a pass or a shot
        self.cutter = None                   # (attacker, time the cut ends)
        self.t = 0.0
        # passes: (time, receiver); then the shot by the last receiver
        order = [int(i) for i in r.permutation([1, 2, 3, 4])[:3]]
        times = np.cumsum(r.uniform(1.4, 2.0, len(order))) + 3.0
        self.passes = list(zip(times.tolist(), order))
        self.shot_time = float(times[-1] + r.uniform(1.0, 1.5))
        self.shot_done = False
        self.on_rim = None                   # time the ball leaves the rim after the shot
        self.rebound_spot = BASKET + np.array([-4.0, r.choice([-1.0, 1.0]) * 5.0])

    # ------------------------------------------------------------------ targets
    def offense_targets(self):
        tgt = self.spots.copy()
        if self.t < 3.0:   # bring the ball up: stream toward the set
            tgt = self.off + np.clip(self.spots - self.off, -12.0, 12.0)
        if self.cutter is not None:
            i, until = self.cutter
            if self.t < until - 1.0:
                tgt[i] = BASKET + np.array([-3.0, 2.0 * np.sign(self.spots[i, 1] - 25.0)])
            elif self.t >= until:
                self.cutter = None
        if self.shot_done:  # crash the boards: the bigs go to the rim, the guards get back
            tgt[3] = self.rebound_spot
            tgt[4] = BASKET + np.array([-5.0, 0.0])
            tgt[0] = np.array([60.0, 25.0])
        return tgt

    def defense_targets(self):
        # goal-side of the man, a third of the way to the basket, shaded toward the ball
        tgt = self.off + 0.3 * (BASKET - self.off) + 0.15 * (self.ball - self.off)
        if self.shot_done:
            tgt[3] = self.rebound_spot + np.array([1.5, 0.0])
            tgt[4] = BASKET + np.array([-3.0, -1.0])
        return tgt

    # ------------------------------------------------------------------ motion
    @staticmethod
    def steer(x, v, target, dt):
        d = target - x
        dist = np.linalg.norm(d, axis=1, keepdims=True)
        want = d / np.maximum(dist, 1e-6) * np.minimum(PLAYER_VMAX, dist / 0.6)
        a = (want - v) / 0.35
        na = np.linalg.norm(a, axis=1, keepdims=True)
        a = a * np.minimum(1.0, PLAYER_AMAX / np.maximum(na, 1e-6))
        v = v + a * dt
        x = x + v * dt
        return np.clip(x, [0.5, 0.5], [COURT[0] - 0.5, COURT[1] - 0.5]), v

    def throw(self, end, then):
        d = float(np.linalg.norm(end - self.ball))
        self.flight = (self.ball.copy(), end.copy(), self.t, max(d / BALL_SPEED, DT), then)
        self.holder = -1

    def events(self):
        if self.flight is None and self.holder >= 0 and self.passes and self.t >= self.passes[0][0]:
            _, to = self.passes.pop(0)
            # aim where the receiver will be when the ball arrives (two refinements of the flight time)
            lead = self.off[to].copy()
            for _ in range(2):
                lead = self.off[to] + self.v_off[to] * float(np.linalg.norm(lead - self.ball)) / BALL_SPEED
            self.cutter = (self.holder, self.t + 2.6)
            self.throw(lead, ("catch", to))
        elif self.flight is None and self.holder >= 0 and not self.passes and not self.shot_done \
                and self.t >= self.shot_time:
            self.throw(BASKET.copy(), ("rim", None))
            self.shot_done = True

    def step_ball(self, dt):
        if self.flight is not None:
            a, b, t0, dur, (what, who) = self.flight
            u = min(1.0, (self.t - t0) / dur)
            self.ball = a + (b - a) * u
            if u >= 1.0:
                self.flight = None
                if what == "catch":
                    self.holder = who
                else:  # rolls on the rim for a moment
                    self.on_rim = self.t + 0.4
        elif self.on_rim is not None:
            if self.t < self.on_rim:
                a = 2 * np.pi * (self.on_rim - self.t) / 0.4
                self.ball = BASKET + 0.75 * np.array([np.cos(a), np.sin(a)]) - np.array([0.75, 0.0])
            else:  # and falls off toward the rebound spot, where the power forward takes it
                self.on_rim = None
                self.throw(self.rebound_spot + self.rng.normal(0, 0.5, 2), ("catch", 3))
        elif self.holder >= 0:
            # dribble: the ball bounces beside the holder, on his side away from the basket
            side = np.array([0.0, 1.2 if self.off[self.holder, 1] < 25 else -1.2])
            bounce = 0.6 * np.sin(2 * np.pi * self.t / 0.5)
            want = self.off[self.holder] + side + np.array([bounce * 0.3, 0.0])
            # the ball never jumps: it moves to the hand at most at pass speed (a catch a step away, a crossover)
            d = want - self.ball
            n = float(np.linalg.norm(d))
            self.ball = self.ball + d * min(1.0, BALL_SPEED * dt / max(n, 1e-9))

    def advance(self):
        dt = DT / SUBSTEPS
        for _ in range(SUBSTEPS):
            self.events()
            to, td = self.offense_targets(), self.defense_targets()
            self.off, self.v_off = self.steer(self.off, self.v_off, to, dt)
            self.deff, self.v_def = self.steer(self.deff, self.v_def, td, dt)
            self.t += dt
            self.step_ball(dt)

    def state(self):
        """[11, 2]: the ball, then the five attackers, then the five defenders."""
        return np.vstack([self.ball[None], self.off, self.deff])


def simulate(frames=100, seed=0):
    """Positions [frames, 11, 2] in feet (row 0 the ball, rows 1-5 the attackers, 6-10 the defenders) and the agent
    ids [11] (the ball -1, as in the SportVU files)."""
    play = Play(seed)
    out = np.zeros((frames, 11, 2))
    for f in range(frames):
        out[f] = play.state()
        play.advance()
    ids = np.array((BALL_ID,) + OFFENSE_IDS + DEFENSE_IDS)
    return out, ids


def sportvu_text(pos, ids):
    """SportVU text: `frame agent x y group`, frame ids 0, 12, 24, ...; the ball first in every frame."""
    lines = []
    for f in range(pos.shape[0]):
        for i, a in enumerate(ids):
            x, y = pos[f, i]
            lines.append(f"{f * FRAME_STEP} {a} {x:.6f} {y:.6f} {'BALL' if a == BALL_ID else 'PLAYER'}")
    return "\n".join(lines) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--frames", type=int, default=100)
    a = ap.parse_args(argv)
    pos, ids = simulate(a.frames, a.seed)
    with open(a.out, "w") as f:
        f.write(sportvu_text(pos, ids))


if __name__ == "__main__":
    main()
