"""The slot graph (CONTRACT.md, "Slot approximator"): the slot approximator on gathered slots only equals the
full-latent graph on those slots, whatever the IDs and the padding, and its explicit occupancy counts an entity
that stands exactly at the centre, which the full graph takes for an empty slot."""
import onnx
import pytest
import torch

from lamslide_train.domains.pedestrian import PedestrianConfig
from lamslide_train.stages.approximator import SlotApproximator
from lamslide_train.stages.export import SLOT_GRAPH, export_graphs, file_entries, write_fixtures
from lamslide_train.stages.first_stage import make_first_stage
from lamslide_train.stages.approximator import make_approximator


def net_of(F=0, K=0, S=0, T=7, obs=3, D=2, E=12, nb=2, seed=0, absolute_now=True):
    torch.manual_seed(seed)
    net = SlotApproximator(T=T, L=E, C=D + F, d=D, hidden=16, heads=2, depth=2, observed=obs, smooth_basis=nb,
                           n_feats=F, pair_messages=K, state_messages=S, absolute_now=absolute_now).eval()
    net.set_resvar(torch.linspace(0.01, 0.2, T))
    with torch.no_grad():
        for p in net.parameters():
            p.add_(torch.randn_like(p) * 0.2)
    return net


def full_inputs(net, ids, B=2, seed=1, known=None):
    """x, cond [B,T,E,W] over the whole code with the slots `ids` occupied on the known frames."""
    g = torch.Generator().manual_seed(seed)
    T, E, W, d, obs = net.T, net.E, net.W, net.d, net.obs
    known = obs if known is None else known
    x = torch.randn(B, T, E, W, generator=g)
    cond = torch.zeros(B, T, E, W)
    for e in ids:
        cond[:, :obs, e, :d] = torch.randn(B, obs, d, generator=g)
        if net.n_feats:
            cond[:, :, e, d + int(e) % net.n_feats] = 1.0
    fm = torch.zeros(B, T, dtype=torch.int32)
    fm[:, obs - known:obs] = 1
    cond[:, :obs - known] = 0.0
    return x, cond, fm


@pytest.mark.parametrize("F,K,S,absolute", [(0, 0, 0, True), (0, 4, 0, True), (2, 4, 3, True), (0, 4, 0, False)])
def test_gathered_slots_give_the_full_graph_s_prediction(F, K, S, absolute):
    net = net_of(F=F, K=K, S=S, absolute_now=absolute)
    ids = [7, 0, 11, 3]
    x, cond, fm = full_inputs(net, ids)
    t = torch.tensor([0.2, 0.8])
    full = net(x.reshape(2, net.T, net.L, net.C), t, cond.reshape(2, net.T, net.L, net.C),
               fm[:, :, None].expand(2, net.T, net.L).to(torch.int32)).reshape(2, net.T, net.E, net.W)
    # the scene's slots in another order, plus two padding slots (occupied 0, arbitrary noise, zero conditioning)
    idx = torch.tensor(ids)
    xs = torch.cat([x[:, :, idx], torch.randn(2, net.T, 2, net.W)], dim=2)
    cs = torch.cat([cond[:, :, idx], torch.zeros(2, net.T, 2, net.W)], dim=2)
    occ = torch.tensor([[1.0] * 4 + [0.0] * 2] * 2)
    got = net.forward_slots(xs, t, cs, fm, occ)
    assert got.shape == xs.shape
    assert torch.allclose(got[:, :, :4], full[:, :, idx], atol=1e-5)
    assert torch.equal(got[:, :, 4:, :net.d], torch.zeros(2, net.T, 2, net.d))  # padding stays at its base, 0


def test_explicit_occupancy_counts_an_entity_at_the_centre():
    net = net_of()
    x, cond, fm = full_inputs(net, [2], known=1)
    cond[:, :, 2] = 0.0  # a lone pedestrian with one known frame stands at the centre (0, 0)
    t = torch.tensor([0.5, 0.5])
    full = net(x.reshape(2, net.T, net.L, net.C), t, cond.reshape(2, net.T, net.L, net.C),
               fm[:, :, None].expand(2, net.T, net.L).to(torch.int32)).reshape(2, net.T, net.E, net.W)
    assert torch.equal(full[:, :, 2], torch.zeros(2, net.T, net.W))  # the full graph: an empty slot, no motion
    got = net.forward_slots(x[:, :, 2:3], t, cond[:, :, 2:3], fm, torch.ones(2, 1))
    assert got[:, net.obs:].abs().max() > 1e-3  # the slot graph: an entity, whose future the network predicts


def test_export_writes_the_slot_graph_with_dynamic_slots_and_lists_it(tmp_path):
    cfg = PedestrianConfig().replace(**{"approximator.hidden": 16, "approximator.heads": 2,
                                        "approximator.depth": 1}).validate()
    fs, ap = make_first_stage(cfg).eval(), make_approximator(cfg).eval()
    export_graphs(fs, ap, cfg, str(tmp_path))
    write_fixtures(fs, ap, cfg, str(tmp_path))
    g = onnx.load(str(tmp_path / f"{SLOT_GRAPH}.onnx"))
    onnx.checker.check_model(g)
    assert [i.name for i in g.graph.input] == ["x", "t", "cond", "frame_mask", "occupied"]
    dims = [d.dim_param or d.dim_value for d in g.graph.input[0].type.tensor_type.shape.dim]
    assert dims == ["B", cfg.T, "S", cfg.dims]
    meta = {p.key: p.value for p in g.metadata_props}
    assert meta["lamslide.id_pool"] == str(cfg.first_stage.pool)
    assert SLOT_GRAPH in file_entries(str(tmp_path))


def test_a_transformer_model_has_no_slot_graph(tmp_path):
    from lamslide_train.contract_model import tiny_config
    cfg = tiny_config()
    export_graphs(make_first_stage(cfg), make_approximator(cfg), cfg, str(tmp_path))
    assert not (tmp_path / f"{SLOT_GRAPH}.onnx").exists()


def test_training_on_gathered_slots_gives_the_full_graph_s_prediction_and_gradients():
    """stages/training.slot_predict: stage 2 runs the approximator on each batch's own slots; the prediction and
    every parameter's gradient of a loss on it are those of the full graph."""
    import numpy as np
    from lamslide_train.stages.preprocess import Window, encode_frames, make_cond
    from lamslide_train.stages.training import augment_windows, slot_predict, stage2_batch
    cfg = PedestrianConfig().replace(**{"approximator.hidden": 16, "approximator.heads": 2,
                                        "approximator.depth": 2}).validate()
    fs, ap = make_first_stage(cfg).eval(), make_approximator(cfg)
    with torch.no_grad():
        for p in ap.parameters():
            p.add_(torch.randn_like(p) * 0.1)
    rng = np.random.default_rng(0)
    wins = []
    for i in range(6):
        n = 3 + i
        pos = rng.normal(0, 3, (cfg.T, n, 2)).astype(np.float32) + np.arange(cfg.T)[:, None, None] * 0.3
        mask = np.ones((cfg.T, n), np.float32)
        mask[:4, -1] = 0  # one walker enters late (not seen in every known frame count)
        wins.append(Window(pos * mask[..., None], mask, mask.all(0), "synthetic", 0))
    items = augment_windows(wins, cfg, 2, 1, lambda *_: None)
    pos, mask, ids, known, pc, mc, seen, feats = stage2_batch(items, rng, cfg, 8)
    cond, cmask = make_cond(encode_frames(fs, pc, ids, mc, feats), known)
    z = encode_frames(fs, pos, ids, mask * seen[:, None, :], feats)
    t = torch.rand(8) * 0.9 + 0.05
    xt = torch.sin(0.5 * torch.pi * t)[:, None, None, None] * z + torch.cos(0.5 * torch.pi * t)[:, None, None, None] * \
        torch.randn_like(z)
    grads = []
    preds = []
    for gathered in (False, True):
        ap.zero_grad()
        pred = slot_predict(ap, xt, t, cond, cmask, ids, seen) if gathered else ap(xt, t, cond, cmask)
        ((pred - z) ** 2).mean().backward()
        preds.append(pred.detach())
        grads.append([p.grad.clone() for p in ap.parameters()])
    assert torch.allclose(preds[0], preds[1], atol=1e-5)
    for g0, g1 in zip(*grads):
        assert torch.allclose(g0, g1, atol=1e-6, rtol=1e-4)


def test_size_bucketed_batches_keep_every_window_s_chance_and_one_size_per_batch():
    import numpy as np
    from lamslide_train.stages.training import SIZE_EDGES, size_bucketed
    rng = np.random.default_rng(0)
    ns = [3] * 50 + [10] * 30 + [70] * 20
    items = [(np.zeros((20, n, 2), np.float32),) for n in ns]
    count = np.zeros(len(items))
    for _ in range(4000):
        idx = size_bucketed(items, rng, 8)
        assert len(idx) == 8 and len({int(np.searchsorted(np.array(SIZE_EDGES), ns[i])) for i in idx}) == 1
        np.add.at(count, idx, 1)
    share = count / count.mean()
    # each window expected in 8 / 100 of the batches: 320 draws, a standard deviation of about 6 %
    assert 0.7 < share.min() and share.max() < 1.3


def test_fixed_loss_divisors_equal_the_batch_s_own_counts_when_given_them():
    from lamslide_train.stages.training import masked_losses
    g = torch.Generator().manual_seed(0)
    pred, true = torch.randn(6, 5, 2, generator=g), torch.randn(6, 5, 2, generator=g)
    mask = (torch.rand(6, 5, generator=g) > 0.3).to(torch.float32)
    own = (mask.sum(), (mask.sum(-1) ** 2).sum())
    a, b = masked_losses(pred, true, mask), masked_losses(pred, true, mask, own)
    assert torch.allclose(a[0], b[0]) and torch.allclose(a[1], b[1])
    # twice the divisors: half the losses (a sparse batch is not weighted up)
    c = masked_losses(pred, true, mask, (2 * own[0], 2 * own[1]))
    assert torch.allclose(c[0], a[0] / 2) and torch.allclose(c[1], a[1] / 2)
