"""The spread probe (lamslide_train.spread): the noise scale reaches the sampler, and bad scales are refused."""
import os

import numpy as np
import pytest

from conftest import MODELS
from lamslide_train.spread import main, measure
from lamslide_train.stages.preprocess import Window
from lamslide_train.stages.rollout import rollout_windows
from lamslide_train.weights import load_model


def walkers(T=20, n=3):
    t = np.arange(T, dtype=np.float32)[:, None]
    pos = np.stack([np.concatenate([0.5 * t + i, 0.1 * t - 2 * i], axis=1) for i in range(n)], axis=1)
    return Window(pos.astype(np.float32), np.ones((T, n), np.float32), np.ones(n, bool), "made-up", 0)


@pytest.fixture(scope="module")
def hotel():
    path = os.path.join(MODELS, "eth_ucy-hotel")
    if not os.path.isfile(os.path.join(path, "weights.pt")):
        pytest.skip("models/eth_ucy-hotel is not built")
    return load_model(path)


def test_noise_scale_zero_collapses_the_samples_and_one_is_the_default(hotel):
    fs, ap, cfg = hotel
    w = [walkers()]
    default = rollout_windows(fs, ap, w, cfg, 4, 2, "ddim", 0)[0]
    one = rollout_windows(fs, ap, w, cfg, 4, 2, "ddim", 0, noise_scale=1.0)[0]
    zero = rollout_windows(fs, ap, w, cfg, 4, 2, "ddim", 0, noise_scale=0.0)[0]
    assert np.array_equal(default, one)
    assert np.abs(default[1:] - default[:1]).max() > 1e-3          # K samples of real noise differ
    assert np.abs(zero[1:] - zero[:1]).max() < 1e-5                 # without noise they coincide
    rows = measure(fs, ap, cfg.replace(**{"evaluation.k": 4}), w, [0.0, 1.0], 2, log=lambda *_: None)
    assert rows[0]["spread"] < 1e-5 < rows[1]["spread"] and rows[1]["ratio"] > 0


@pytest.mark.parametrize("scales", ["a,b", "0", "1,-1", ""])
def test_bad_scales_are_refused_before_anything_loads(scales):
    with pytest.raises(SystemExit, match="--scales"):
        main(["--model", "/nonexistent", "--scales", scales])
