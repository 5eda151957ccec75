"""Training augmentation (stages/training.augment)."""
import numpy as np
import pytest
import torch

from lamslide_train.config import ConfigError
from lamslide_train.domains.pedestrian import PedestrianConfig
from lamslide_train.stages.preprocess import Window, normalise_window
from lamslide_train.stages.training import augment


def window(seed=0, T=20, n=5):
    rng = np.random.default_rng(seed)
    pos = np.cumsum(rng.normal(0, 0.4, (T, n, 2)), axis=0).astype(np.float32) + 3.0
    mask = np.ones((T, n), np.float32)
    mask[:4, 0] = 0  # an agent that arrives late: its absent frames must stay 0 after scaling
    return Window(pos * mask[..., None], mask, mask.all(0), "synthetic", 0)


def test_speed_scale_scales_each_window_about_its_centre_within_the_range():
    w = window()
    cfg = PedestrianConfig().replace(**{"training.speed_scale": 1.5, "training.augment": "none",
                                        "training.jitter": 0.0}).validate()
    plain, _ = normalise_window(w, cfg.observed - 1, cfg.scale)
    rng = np.random.default_rng(1)
    factors = []
    for _ in range(200):
        rel, _ = augment(w, rng, cfg)
        f = np.linalg.norm(rel) / np.linalg.norm(plain)
        np.testing.assert_allclose(rel, plain * f, atol=1e-5)   # one factor for the whole window
        assert np.all(rel[:4, 0] == 0)
        factors.append(f)
    factors = np.log(factors)
    assert factors.min() >= -np.log(1.5) - 1e-6 and factors.max() <= np.log(1.5) + 1e-6
    # log-uniform: both halves of the range are drawn about equally often
    assert 0.4 < np.mean(factors > 0) < 0.6 and factors.max() > 0.8 * np.log(1.5)


def test_no_speed_scale_leaves_the_random_stream_and_the_windows_as_they_were():
    w = window()
    cfg = PedestrianConfig().validate()
    assert cfg.training.speed_scale == 1.0
    a, b = np.random.default_rng(3), np.random.default_rng(3)
    rel, _ = augment(w, a, cfg)
    # what augment did before the option: a rotation, a jitter, the normalisation
    from lamslide_train.stages.preprocess import random_rotation
    turn = random_rotation(b, 2)
    want, _ = normalise_window(w, cfg.observed - 1, cfg.scale, turn, b.normal(0, cfg.training.jitter, 2))
    np.testing.assert_array_equal(rel, want)
    assert a.random() == b.random()


def test_speed_scale_below_one_is_refused():
    with pytest.raises(ConfigError, match="training.speed_scale: must be >= 1"):
        PedestrianConfig().replace(**{"training.speed_scale": 0.8}).validate()


def test_time_reverse_plays_half_the_windows_backwards_with_their_masks():
    w = window()
    cfg = PedestrianConfig().replace(**{"training.time_reverse": True, "training.augment": "none",
                                        "training.jitter": 0.0}).validate()
    rev = Window(np.ascontiguousarray(w.pos[::-1]), np.ascontiguousarray(w.mask[::-1]), w.scored, "r", 0)
    fwd_want, _ = normalise_window(w, cfg.observed - 1, cfg.scale)
    rev_want, _ = normalise_window(rev, cfg.observed - 1, cfg.scale)
    rng = np.random.default_rng(5)
    backwards = 0
    for _ in range(100):
        rel, m = augment(w, rng, cfg)
        if np.array_equal(m, w.mask) and np.allclose(rel, fwd_want, atol=1e-6):
            continue
        # backwards: the late arrival leaves at the end instead, and "now" is the 8th frame from the end
        np.testing.assert_allclose(rel, rev_want, atol=1e-6)
        assert np.array_equal(m, w.mask[::-1]) and np.all(m[-4:, 0] == 0) and np.all(rel[-4:, 0] == 0)
        backwards += 1
    assert 35 < backwards < 65


def test_near_pair_loss_counts_only_the_bonds_of_present_atoms():
    from lamslide_train.stages.training import near_pair_loss
    # a chain of three atoms 1 apart along x and a fourth far away; the first bond stretched by 0.1 in pred
    true = torch.tensor([[[0.0, 0, 0], [1, 0, 0], [2, 0, 0], [9, 0, 0]]])
    pred = true.clone()
    pred[0, 0, 0] = -0.1
    mask = torch.ones(1, 4)
    # bonds 0-1 and 1-2 are near (cut 1.5), counted in both directions; 0-2 (distance 2) and the far atom are not
    assert near_pair_loss(pred, true, mask, 1.5, 4.0).item() == pytest.approx(2 * 0.1 ** 2 / 4)
    # a cut that takes in 0-2 as well adds its error (2.1 against 2)
    assert near_pair_loss(pred, true, mask, 2.5, 4.0).item() == pytest.approx(4 * 0.1 ** 2 / 4)
    # an absent atom's pairs are left out
    mask[0, 0] = 0
    assert near_pair_loss(pred, true, mask, 2.5, 4.0).item() == 0.0


def test_the_near_pair_loss_needs_per_batch_latents():
    from lamslide_train.domains.molecule import MoleculeConfig
    cfg = MoleculeConfig().replace(**{"training.bond_w": 1.0, "training.precompute": True})
    with pytest.raises(ConfigError, match="training.bond_w"):
        cfg.validate()
    with pytest.raises(ConfigError, match="bond_cut"):
        MoleculeConfig().replace(**{"training.bond_cut": 0.0}).validate()
