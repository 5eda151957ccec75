"""The GVP interpolant and its probability-flow samplers (models/CONTRACT.md, "Sampler"), PyTorch side.

alpha(t) = sin(pi t / 2), sigma(t) = cos(pi t / 2); x_t = alpha x1 + sigma x0. The network predicts x1.
"""
import math

import torch


def alpha_sigma(t):
    return math.sin(math.pi * t / 2), math.cos(math.pi * t / 2)


def d_alpha_sigma(t):
    return math.pi / 2 * math.cos(math.pi * t / 2), -math.pi / 2 * math.sin(math.pi * t / 2)


def gvp(t: torch.Tensor):
    """alpha(t), sigma(t) of a batch of times (training)."""
    return torch.sin(math.pi * t / 2), torch.cos(math.pi * t / 2)


def solver_steps(nfe: int, solver: str) -> int:
    """Grid steps S for an NFE budget: heun makes two calls per step, so S = floor(NFE / 2)."""
    if solver not in ("euler", "heun", "ddim"):
        raise ValueError(f"unknown solver {solver!r} (euler, heun, ddim)")
    steps = nfe // 2 if solver == "heun" else nfe
    if steps < 1:
        raise ValueError(f"NFE {nfe} too small for solver {solver}")
    return steps


def time_grid(steps: int, t0: float, t1: float):
    return [t0 + (t1 - t0) * i / steps for i in range(steps + 1)]


@torch.no_grad()
def sample_latents(approx, noise, cond, cmask, nfe, solver="ddim", t0=0.001, t1=0.999):
    """Integrates the probability-flow ODE from `noise` at t0 to t1; returns x at t1. cond/cmask already expanded."""
    B = noise.shape[0]

    def predict(x, t):
        return approx(x, torch.full((B,), t, dtype=torch.float32), cond, cmask)

    def velocity(x, t, x1):
        a, s = alpha_sigma(t)
        da, ds = d_alpha_sigma(t)
        x0 = (x - a * x1) / s
        return da * x1 + ds * x0

    x = noise
    grid = time_grid(solver_steps(nfe, solver), t0, t1)
    for ta, tb in zip(grid[:-1], grid[1:]):
        x1 = predict(x, ta)
        if solver == "euler":
            x = x + (tb - ta) * velocity(x, ta, x1)
        elif solver == "ddim":
            a, s = alpha_sigma(ta)
            x0 = (x - a * x1) / s
            ab, sb = alpha_sigma(tb)
            x = ab * x1 + sb * x0
        else:  # heun
            v1 = velocity(x, ta, x1)
            xp = x + (tb - ta) * v1
            v2 = velocity(xp, tb, predict(xp, tb))
            x = x + (tb - ta) * 0.5 * (v1 + v2)
    return x
