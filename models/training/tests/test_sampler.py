"""The interpolant and the sampler schedule (CONTRACT.md, "Sampler"), and the metrics protocols."""
import math

import numpy as np
import pytest
import torch

from lamslide_train.metrics import ade_fde, constant_velocity, frozen, spread_skill
from lamslide_train.stages.interpolant import (alpha_sigma, d_alpha_sigma, gvp, sample_latents, solver_steps,
                                               time_grid)
from lamslide_train.stages.preprocess import Window


def test_gvp_path_and_its_derivatives():
    for t in np.linspace(0, 1, 11):
        a, s = alpha_sigma(t)
        assert a * a + s * s == pytest.approx(1.0)
        da, ds = d_alpha_sigma(t)
        h = 1e-6
        a1, s1 = alpha_sigma(t + h)
        a0, s0 = alpha_sigma(t - h)
        assert da == pytest.approx((a1 - a0) / (2 * h), abs=1e-6)
        assert ds == pytest.approx((s1 - s0) / (2 * h), abs=1e-6)
        ta, ts = gvp(torch.tensor([t], dtype=torch.float64))
        assert (float(ta), float(ts)) == pytest.approx((a, s))
    assert alpha_sigma(0) == pytest.approx((0, 1)) and alpha_sigma(1) == pytest.approx((1, 0), abs=1e-12)


def test_grid_and_steps():
    assert time_grid(4, 0.001, 0.999) == pytest.approx([0.001, 0.2505, 0.5, 0.7495, 0.999])
    assert [solver_steps(n, "ddim") for n in (1, 5)] == [1, 5]
    assert [solver_steps(n, "heun") for n in (2, 5, 10)] == [1, 2, 5]  # odd NFE: floor(NFE / 2) steps
    with pytest.raises(ValueError, match="too small"):
        solver_steps(1, "heun")
    with pytest.raises(ValueError, match="unknown solver"):
        solver_steps(4, "rk4")


class Constant:
    """A predictor that always returns the same x1 and counts its calls."""

    def __init__(self, x1):
        self.x1, self.calls, self.times = x1, 0, []

    def __call__(self, x, t, cond, cmask):
        self.calls += 1
        self.times.append(float(t[0]))
        assert t.dtype == torch.float32 and t.shape == (x.shape[0],)
        return self.x1.expand_as(x)


def exact(noise, x1, t0, t1):
    """The ODE solution for a constant x1: x0 stays (x_t0 - alpha x1) / sigma along the path."""
    a0, s0 = alpha_sigma(t0)
    a1, s1 = alpha_sigma(t1)
    x0 = (noise - a0 * x1) / s0
    return a1 * x1 + s1 * x0


def test_ddim_is_exact_for_a_constant_prediction_and_euler_heun_converge():
    g = torch.Generator().manual_seed(0)
    noise = torch.randn(3, 4, 2, 5, generator=g, dtype=torch.float64)
    x1 = torch.randn(1, 4, 2, 5, generator=g, dtype=torch.float64)
    want = exact(noise, x1, 0.001, 0.999)
    for nfe in (1, 2, 7):
        m = Constant(x1)
        got = sample_latents(m, noise, None, None, nfe, "ddim")
        assert m.calls == nfe and m.times == pytest.approx(time_grid(nfe, 0.001, 0.999)[:-1], abs=1e-7)
        assert torch.allclose(got, want, atol=1e-6)
    errs = {}
    for solver in ("euler", "heun"):
        for nfe in (4, 16, 64):
            m = Constant(x1)
            got = sample_latents(m, noise, None, None, nfe, solver)
            assert m.calls == (nfe if solver == "euler" else 2 * (nfe // 2))
            errs[solver, nfe] = float((got - want).abs().max())
    assert errs["euler", 64] < errs["euler", 16] < errs["euler", 4]
    assert errs["heun", 64] < errs["heun", 16] < errs["heun", 4]
    m = Constant(x1)
    sample_latents(m, noise, None, None, 5, "heun")
    assert m.calls == 4  # heun with odd NFE: NFE - 1 network calls


def scored_window(pos):
    pos = np.asarray(pos, np.float32)
    return Window(pos, np.ones(pos.shape[:2], np.float32), np.ones(pos.shape[1], bool), "made-up", 0)


def test_metrics_min_and_mean_over_samples():
    T, obs = 5, 2
    gt = np.zeros((T, 1, 2), np.float32)
    w = scored_window(gt)
    s = np.zeros((3, T, 1, 2), np.float32)
    s[0, obs:, 0, 0] = 1.0      # sample 0: 1 m off on every future frame
    s[1, obs:, 0, 0] = 3.0      # sample 1: 3 m off
    s[2, obs:, 0, 0] = [1, 2, 5]  # sample 2: ADE 8/3, FDE 5
    ade, fde = ade_fde([s], [w], obs, "min")
    assert ade.tolist() == pytest.approx([1.0]) and fde.tolist() == pytest.approx([1.0])
    ade, fde = ade_fde([s], [w], obs, "mean")
    assert ade.tolist() == pytest.approx([(1 + 3 + 8 / 3) / 3]) and fde.tolist() == pytest.approx([(1 + 3 + 5) / 3])
    with pytest.raises(ValueError, match="unknown metrics protocol"):
        ade_fde([s], [w], obs, "median")


def test_spread_skill_at_the_last_frame():
    T = 4
    gt = np.zeros((T, 2, 2), np.float32)
    gt[-1, 1] = [3.0, 4.0]
    w = scored_window(gt)
    s = np.zeros((2, T, 2, 2), np.float32)
    s[0, -1, 0], s[1, -1, 0] = [1.0, 0.0], [-1.0, 0.0]  # entity 0: mean on the truth, each sample 1 m from it
    s[:, -1, 1] = [0.0, 0.0]                               # entity 1: no spread, the mean 5 m off
    s[0, 1, 1] = 9.0                                       # earlier frames do not count
    spread, skill = spread_skill([s], [w])
    assert spread.tolist() == pytest.approx([1.0, 0.0]) and skill.tolist() == pytest.approx([0.0, 5.0])


def test_baselines_are_exact_on_their_own_motion():
    t = np.arange(8, dtype=np.float32)
    line = np.stack([t * 0.5, -t], axis=-1)[:, None, :]            # constant velocity
    still = np.repeat(np.array([[[1.0, 2.0]]], np.float32), 8, 0)   # at rest
    for fn, motion in ((constant_velocity, line), (frozen, still)):
        ade, fde = fn([scored_window(motion)], 3)
        assert ade.tolist() == pytest.approx([0.0], abs=1e-6) and fde.tolist() == pytest.approx([0.0], abs=1e-6)
    ade, fde = frozen([scored_window(line)], 3)  # frozen on a moving entity: its displacement
    assert fde.tolist() == pytest.approx([math.hypot(2.5, 5.0)])
