"""The slot binding code with feature channels and the slot approximator that carries them (the N-body and
basketball models): exact decoding of positions and features, the latent standardisation, feature channels copied
through the approximator, empty slots, the pairwise terms' symmetries, the reflection augmentation, and the
contract v2 graphs of such a model."""
import json

import numpy as np
import onnx
import pytest
import torch

from lamslide_train.config import ConfigError
from lamslide_train.domains.basketball import BasketballConfig
from lamslide_train.domains.nbody import NBodyConfig
from lamslide_train.stages.approximator import SlotApproximator, make_approximator
from lamslide_train.stages.export import export_graphs, write_fixtures
from lamslide_train.stages.first_stage import FEATURE_LOGIT_GAIN, BindingFirstStage, make_first_stage
from lamslide_train.stages.preprocess import Window, random_reflection, random_rotation
from lamslide_train.stages.training import fit_latent_stats, slot_weight


def scene(B=3, N=5, D=3, pool=8, F=2, seed=0):
    g = torch.Generator().manual_seed(seed)
    pos = torch.randn(B, N, D, generator=g)
    ids = torch.stack([torch.randperm(pool, generator=g)[:N] for _ in range(B)]).to(torch.int32)
    feats = torch.randint(0, F, (B, N), generator=g, dtype=torch.int32)
    mask = torch.ones(B, N)
    mask[0, -1] = 0
    return pos, ids, mask, feats


def test_binding_code_with_features_decodes_positions_and_features_exactly():
    fs = BindingFirstStage(d=3, pool=8, id_dim=8, L=8, C=5, table="slots", n_feats=2)
    fs.z_sd.fill_(0.5)
    pos, ids, mask, feats = scene()
    z = fs.encode(pos, ids, mask, feats)
    assert z.shape == (3, 8, 5)
    back, logits = fs.decode_all(z, ids)
    m = mask.bool()
    assert torch.allclose(back[m], pos[m], atol=1e-5)
    assert torch.equal(logits.argmax(-1)[m], feats.long()[m])
    assert torch.allclose(logits[m].max(-1).values, torch.full((int(m.sum()),), FEATURE_LOGIT_GAIN), atol=1e-4)
    assert torch.allclose(logits[0, -1], torch.zeros(2)) and torch.allclose(back[0, -1], torch.zeros(3))
    # ID i owns latent coordinates [5i, 5i + 5): its position, then the one-hot feature
    flat = fs.encode_raw(pos, ids, mask, feats).reshape(3, -1)
    i = int(ids[1, 0])
    assert torch.equal(flat[1, 5 * i:5 * i + 3], pos[1, 0])
    assert flat[1, 5 * i + 3 + int(feats[1, 0])] == 1 and flat[1, 5 * i + 3:5 * i + 5].sum() == 1
    cols = fs.position_columns()
    assert cols.shape == (8, 5) and int(cols.sum()) == 24 and cols.reshape(-1)[:5].tolist() == [True] * 3 + [False] * 2
    with pytest.raises(ValueError, match="feats \\[B,N\\] are required"):
        fs.encode(pos, ids, mask)


def test_latent_standardisation_scales_positions_only():
    cfg = NBodyConfig().validate()
    fs = make_first_stage(cfg)
    rng = np.random.default_rng(0)
    ws = [Window(rng.normal(0, 2.0, (cfg.T, 5, 3)).astype(np.float32), np.ones((cfg.T, 5), np.float32),
                 np.ones(5, bool), "w", 0, np.array([0, 1, 1, 0, 1], np.int32)) for _ in range(8)]
    fit_latent_stats(fs, ws, cfg)
    cols = fs.position_columns()
    assert torch.all(fs.z_sd[~cols] == 1.0) and torch.all(fs.z_mu == 0)
    sd = float(fs.z_sd[cols][0])
    assert torch.all(fs.z_sd[cols] == sd) and 1.5 < sd < 3.5  # the spread of the positions, not of the 0/1 channels


def slot_net(F=2, K=4, T=7, obs=3, D=3, E=8, seed=0):
    torch.manual_seed(seed)
    net = SlotApproximator(T=T, L=E, C=D + F, d=D, hidden=16, heads=2, depth=2, observed=obs, smooth_basis=0,
                           n_feats=F, pair_messages=K).eval()
    net.set_resvar(torch.linspace(0.01, 0.2, T))
    with torch.no_grad():
        for p in net.parameters():
            p.add_(torch.randn_like(p) * 0.2)
    return net


def slot_cond(B=2, T=7, obs=3, D=3, F=2, E=8, occupied=(0, 2, 5), seed=1):
    """cond [B,T,E*(D+F)] with the given slots occupied on the known frames (positions and a one-hot feature)."""
    g = torch.Generator().manual_seed(seed)
    s = torch.zeros(B, E, T, D + F)
    for e in occupied:
        s[:, e, :obs, :D] = torch.randn(B, obs, D, generator=g)
        s[:, e, :obs, D + (e % F)] = 1.0
    cm = torch.zeros(B, T, E, dtype=torch.int32)
    cm[:, :obs] = 1
    cond = s.transpose(1, 2).reshape(B, T, E, D + F)
    return cond, cm


def test_slot_approximator_copies_features_and_keeps_empty_slots_zero():
    net = slot_net()
    cond, cm = slot_cond()
    x = torch.randn(2, 7, 8, 5)
    out = net(x, torch.tensor([0.3, 0.9]), cond, cm)
    s = net.slots(out)                                   # [B, E, T, D + F]
    fnow = net.slots(cond)[:, :, 2, 3:]                  # features at "now"
    assert torch.equal(s[..., 3:], fnow.unsqueeze(2).expand(2, 8, 7, 2))  # every frame, exactly
    empty = [1, 3, 4, 6, 7]
    assert (s[:, empty] == 0).all()
    assert not (s[:, [0, 2, 5], 3:, :3] == 0).all()
    _, _, occ, _, _ = net.base_of(cond, cm)
    assert occ.tolist() == [[1, 0, 1, 0, 0, 1, 0, 0]] * 2
    # a slot at the origin is occupied too (its feature says so), unlike in a code without features
    cond0 = cond.clone()
    cond0[:, :3, 0, :3] = 0
    assert net.base_of(cond0, cm)[2][0, 0] == 1


def test_pair_terms_are_rotation_invariant_and_the_messages_rotate():
    net = slot_net()
    cond, cm = slot_cond()
    base, _, occ, now, vel = net.base_of(cond, cm)
    fnow = net.features_of(cond)
    bias, msg, _ = net.pair_terms(now, vel, occ, fnow)
    R = torch.from_numpy(random_rotation(np.random.default_rng(3), 3))
    bias_r, msg_r, _ = net.pair_terms(now @ R.T, vel @ R.T, occ, fnow)
    assert torch.allclose(bias, bias_r, atol=1e-5)
    assert torch.allclose(msg.reshape(2, 8, -1, 3) @ R.T, msg_r.reshape(2, 8, -1, 3), atol=1e-5)
    assert (msg.reshape(2, 8, -1, 3)[:, [1, 3, 4, 6, 7]] == 0).all()  # empty slots send and receive nothing
    # the pair of features enters: another feature of one particle changes the terms
    f2 = fnow.clone()
    f2[:, 0] = f2[:, 0].flip(-1)
    assert not torch.allclose(net.pair_terms(now, vel, occ, f2)[0], bias, atol=1e-4)


def test_state_messages_rotate_with_the_state_and_ignore_empty_slots():
    torch.manual_seed(0)
    net = SlotApproximator(T=7, L=8, C=5, d=3, hidden=16, heads=2, depth=1, observed=3, smooth_basis=0, n_feats=2,
                           pair_messages=2, state_messages=3).eval()
    with torch.no_grad():
        for p in net.pair.parameters():
            p.add_(torch.randn_like(p))
    cond, cm = slot_cond()
    base, _, occ, now, vel = net.base_of(cond, cm)
    ws = net.pair_terms(now, vel, occ, net.features_of(cond))[2]
    assert ws.shape == (2, 8, 8, 3) and (ws[:, [1, 3, 4, 6, 7]] == 0).all() and (ws[:, :, [1, 3, 4, 6, 7]] == 0).all()
    dev = torch.randn(2, 8, 7, 3)
    m = net.state_terms(ws, dev).reshape(2, 8, 3, 7, 3)
    R = torch.from_numpy(random_rotation(np.random.default_rng(5), 3)).to(torch.float32)
    # float32 rounding: the message is sum_j w (dev_j) - (sum_j w) dev_i with pair weights up to ~170 here, so it
    # cancels terms of order |w| |dev|; the bound is a few ULPs of that (measured 4.6e-5 on one CPU, below 1e-5 on another)
    tol = 1e-6 * float(ws.abs().max() * dev.abs().max())
    assert torch.allclose(m @ R.T, net.state_terms(ws, dev @ R.T).reshape(2, 8, 3, 7, 3), atol=tol)
    # a common shift of every slot's state carries no message (only where the slots stand relative to each other)
    assert torch.allclose(net.state_terms(ws, dev + torch.tensor([1.0, -2.0, 0.5])), net.state_terms(ws, dev),
                          atol=tol)
    # by hand for slot 0: sum_j w_s(0j) (dev_j - dev_0)
    want = sum(ws[0, 0, j, 1] * (dev[0, j] - dev[0, 0]) for j in range(8))
    assert torch.allclose(m[0, 0, 1], want, atol=1e-5)
    out = net(torch.randn(2, 7, 8, 5), torch.full((2,), 0.4), cond, cm)
    assert out.shape == (2, 7, 8, 5) and torch.isfinite(out).all()
    with pytest.raises(ValueError, match="state messages need the pair terms"):
        SlotApproximator(T=6, L=8, C=5, d=3, observed=3, n_feats=2, state_messages=3)


def test_reflection_augmentation_flips_axes():
    rng = np.random.default_rng(0)
    seen = set()
    for _ in range(40):
        m = random_reflection(rng, 2)
        assert m.dtype == np.float32 and np.array_equal(np.abs(m), np.eye(2))
        seen.add(tuple(np.diag(m)))
    assert seen == {(1, 1), (1, -1), (-1, 1), (-1, -1)}


def test_slot_weight_covers_the_feature_channels():
    ids = torch.tensor([[2, 0]], dtype=torch.int32)
    mask = torch.ones(1, 4, 2)
    mask[0, 3, 1] = 0
    seen = torch.ones(1, 2)
    w = slot_weight(ids, mask, seen, 4, 4, 5, 5).reshape(1, 4, 4, 5)
    assert torch.all(w[0, :, 2] == 1) and torch.all(w[0, :, [1, 3]] == 1)   # entity 0's slot; empty slots
    assert torch.all(w[0, :3, 0] == 1) and torch.all(w[0, 3, 0] == 0)      # entity 1 absent in frame 3


def test_config_checks_the_slot_width():
    cfg = NBodyConfig().validate()
    assert cfg.first_stage.L * cfg.first_stage.C == cfg.first_stage.id_dim * (3 + 2)
    with pytest.raises(ConfigError, match=r"id_dim \* \(dims \+ vocabulary size\) == L \* C"):
        cfg.replace(**{"first_stage.C": 3}).validate()
    with pytest.raises(ConfigError, match="only the slot approximator has pairwise terms"):
        cfg.replace(**{"first_stage.kind": "learned", "first_stage.id_table": "orthogonal",
                       "approximator.kind": "transformer"}).validate()
    BasketballConfig().validate()


@pytest.mark.parametrize("cfg_class", [NBodyConfig, BasketballConfig])
def test_feature_slot_model_exports_v2_graphs(cfg_class, tmp_path):
    cfg = cfg_class().replace(**{"approximator.hidden": 16, "approximator.heads": 2, "approximator.depth": 1}).validate()
    fs, ap = make_first_stage(cfg).eval(), make_approximator(cfg).eval()
    with torch.no_grad():
        for p in ap.parameters():
            p.add_(torch.randn_like(p) * 0.1)
    export_graphs(fs, ap, cfg, str(tmp_path))
    write_fixtures(fs, ap, cfg, str(tmp_path))
    enc, dec = onnx.load(str(tmp_path / "encoder.onnx")), onnx.load(str(tmp_path / "decoder.onnx"))
    assert [i.name for i in enc.graph.input] == ["pos", "ids", "mask", "feats"]
    assert [o.name for o in dec.graph.output] == ["pos", "feat_logits"]
    with open(tmp_path / "fixtures" / "fixtures.json") as f:
        fx = json.load(f)
    r = fx["rollout"]
    n = r["window"]["pos"]["shape"][1]
    assert r["window"]["feats"]["shape"] == [n] and fx["decoder"]["outputs"]["feat_logits"]["shape"][2] == 2
    # the sampled latents still carry every entity's feature exactly (copied through the approximator)
    xs = torch.tensor(r["x_final"]["data"]).reshape(r["x_final"]["shape"])
    ids = torch.arange(n, dtype=torch.int32)
    _, logits = fs.decode_all(xs.reshape(-1, cfg.first_stage.L, cfg.first_stage.C), ids.repeat(xs.shape[0] * cfg.T, 1))
    want = torch.tensor(r["window"]["feats"]["data"]).repeat(xs.shape[0] * cfg.T, 1)
    assert torch.equal(logits.argmax(-1), want.long())


def test_input_mlp_of_eight_parts_equals_one_concatenation_and_exports_no_concat_of_eight(tmp_path):
    torch.manual_seed(2)
    net = SlotApproximator(T=7, L=8, C=5, d=3, hidden=16, heads=2, depth=1, observed=3, smooth_basis=0, n_feats=2,
                           pair_messages=2, state_messages=3).eval()
    widths = [3, 5, 7, 2, 4, 6, 1, 8]
    parts = [torch.randn(2, 8, w) for w in widths]
    net.inp[0] = torch.nn.Linear(sum(widths), 16)
    assert torch.allclose(net.input_mlp(parts), net.inp(torch.cat(parts, dim=-1)), atol=1e-5)
    import onnx
    from lamslide_train.stages.export import export_graphs
    from lamslide_train.stages.first_stage import make_first_stage
    from lamslide_train.domains.peptide import PeptideConfig
    cfg = PeptideConfig().replace(**{"approximator.hidden": 16, "approximator.heads": 2, "approximator.depth": 1,
                                     "approximator.pair_messages": 2, "approximator.state_messages": 2})
    from lamslide_train.stages.approximator import make_approximator
    export_graphs(make_first_stage(cfg), make_approximator(cfg), cfg, str(tmp_path))
    g = onnx.load(str(tmp_path / "approximator.onnx")).graph
    assert max(len(n.input) for n in g.node if n.op_type == "Concat") <= 7
