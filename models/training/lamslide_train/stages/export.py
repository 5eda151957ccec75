"""ONNX export (opset 17, int32 ids, dynamic batch/entity axes), fixtures and the manifest (models/CONTRACT.md).

Contract v2: with a feature vocabulary the encoder takes `feats` int32 [B,N] and the decoder returns `feat_logits`
[B,N,F]; every graph carries metadata_props lamslide.id_pool and lamslide.format; the manifest is
lamslide-model/2 (domain, first_stage {kind, layout}, features {key, vocab}, optional scope, units).
"""
import hashlib
import json
import os

import numpy as np
import onnx
import torch
from torch import nn

from .approximator import has_slot_graph
from .interpolant import sample_latents
from .preprocess import condition

MODEL_FORMAT = "lamslide-model/2"
GRAPHS = ("encoder", "approximator", "decoder")
# optional graph of slot-code models (CONTRACT.md, "Slot approximator"): the approximator on gathered slots only
SLOT_GRAPH = "slot_approximator"


class EncoderGraph(nn.Module):
    def __init__(self, fs):
        super().__init__()
        self.fs = fs

    def forward(self, pos, ids, mask, feats=None):
        return self.fs.encode(pos, ids, mask, feats)


class SlotGraph(nn.Module):
    """The slot approximator's gathered-slot forward as its own graph."""

    def __init__(self, approx):
        super().__init__()
        self.approx = approx

    def forward(self, x, t, cond, frame_mask, occupied):
        return self.approx.forward_slots(x, t, cond, frame_mask, occupied)


class DecoderGraph(nn.Module):
    def __init__(self, fs):
        super().__init__()
        self.fs = fs

    def forward(self, latent, ids):
        pos, logits = self.fs.decode_all(latent, ids)
        return pos if logits is None else (pos, logits)


def graph_io(cfg):
    """Input and output names of each graph for this config (CONTRACT.md, "Graphs" and "Graphs (v2)")."""
    v = bool(cfg.vocab)
    return {
        "encoder": (["pos", "ids", "mask"] + (["feats"] if v else []), ["latent"]),
        "approximator": (["x", "t", "cond", "cond_mask"], ["x1_pred"]),
        "decoder": (["latent", "ids"], ["pos"] + (["feat_logits"] if v else [])),
        SLOT_GRAPH: (["x", "t", "cond", "frame_mask", "occupied"], ["x1_pred"]),
    }


def graph_metadata(cfg):
    return {"lamslide.id_pool": str(cfg.first_stage.pool), "lamslide.format": MODEL_FORMAT}


def set_metadata(path, props):
    """Writes metadata_props into an exported graph (replacing keys it already has) and checks the model."""
    m = onnx.load(path)
    keep = [p for p in m.metadata_props if p.key not in props]
    del m.metadata_props[:]
    m.metadata_props.extend(keep)
    for k, v in props.items():
        m.metadata_props.add(key=k, value=v)
    onnx.checker.check_model(m)
    onnx.save(m, path)


def export_graphs(fs, approx, cfg, out_dir):
    T, L, C, D = cfg.T, cfg.first_stage.L, cfg.first_stage.C, cfg.dims
    io = graph_io(cfg)
    fs, approx = fs.eval(), approx.eval()
    n = min(5, cfg.first_stage.pool)
    pos = torch.randn(2, n, D)
    ids = torch.arange(n, dtype=torch.int32).repeat(2, 1)
    mask = torch.ones(2, n)
    ent = {0: "B", 1: "N"}
    enc_args = (pos, ids, mask) + ((torch.zeros(2, n, dtype=torch.int32),) if cfg.vocab else ())
    enc_in, enc_out = io["encoder"]
    torch.onnx.export(EncoderGraph(fs), enc_args, os.path.join(out_dir, "encoder.onnx"), opset_version=17,
                      input_names=enc_in, output_names=enc_out,
                      dynamic_axes={**{k: ent for k in enc_in}, "latent": {0: "B"}})
    x = torch.randn(2, T, L, C)
    t = torch.rand(2)
    cm = torch.ones(2, T, L, dtype=torch.int32)
    ap_in, ap_out = io["approximator"]
    torch.onnx.export(approx, (x, t, x, cm), os.path.join(out_dir, "approximator.onnx"), opset_version=17,
                      input_names=ap_in, output_names=ap_out, dynamic_axes={k: {0: "B"} for k in ap_in + ap_out})
    lat = torch.randn(2, L, C)
    dec_in, dec_out = io["decoder"]
    torch.onnx.export(DecoderGraph(fs), (lat, ids), os.path.join(out_dir, "decoder.onnx"), opset_version=17,
                      input_names=dec_in, output_names=dec_out,
                      dynamic_axes={"latent": {0: "B"}, "ids": ent, **{k: ent for k in dec_out}})
    graphs = GRAPHS
    if has_slot_graph(approx):
        export_slot_graph(approx, cfg, out_dir)
        graphs = GRAPHS + (SLOT_GRAPH,)
    for g in graphs:
        set_metadata(os.path.join(out_dir, f"{g}.onnx"), graph_metadata(cfg))


def slot_inputs(approx, cfg, B=2, S=5, generator=None):
    """Inputs of the slot graph: x, cond [B, T, S, W], frame_mask [B, T], occupied [B, S]."""
    T, W = cfg.T, approx.W
    x = torch.randn(B, T, S, W, generator=generator)
    cond = torch.randn(B, T, S, W, generator=generator)
    if approx.n_feats:  # feature channels hold a one-hot, as in a real conditioning
        hot = torch.zeros(B, S, approx.n_feats)
        hot[:, :, 0] = 1.0
        cond[..., approx.d:] = hot[:, None]
    fm = torch.zeros(B, T, dtype=torch.int32)
    fm[:, :cfg.observed] = 1
    occ = torch.ones(B, S)
    occ[0, S - 1] = 0.0
    return x, torch.tensor([0.1, 0.7][:B]), cond, fm, occ


@torch.no_grad()
def slot_fixture(approx, cfg):
    """The slot graph's fixture: its inputs from their own generator (so the other fixtures do not depend on whether
    the model has a slot graph) and the network's output."""
    sx, st, sc, sf, so = slot_inputs(approx, cfg, generator=torch.Generator().manual_seed(13))
    return {"inputs": {"x": tensor(sx), "t": tensor(st), "cond": tensor(sc), "frame_mask": tensor(sf),
                       "occupied": tensor(so)},
            "outputs": {"x1_pred": tensor(approx.forward_slots(sx, st, sc, sf, so))}}


def export_slot_graph(approx, cfg, out_dir):
    """slot_approximator.onnx with dynamic batch and slot axes."""
    names_in, names_out = graph_io(cfg)[SLOT_GRAPH]
    args = slot_inputs(approx, cfg)
    axes = {"x": {0: "B", 2: "S"}, "t": {0: "B"}, "cond": {0: "B", 2: "S"}, "frame_mask": {0: "B"},
            "occupied": {0: "B", 1: "S"}, "x1_pred": {0: "B", 2: "S"}}
    torch.onnx.export(SlotGraph(approx.eval()), args, os.path.join(out_dir, f"{SLOT_GRAPH}.onnx"), opset_version=17,
                      input_names=names_in, output_names=names_out, dynamic_axes=axes)


def tensor(a):
    a = np.asarray(a)
    dt = "int32" if a.dtype.kind in "iu" else "float32"
    conv = a.astype(np.int32 if dt == "int32" else np.float32)
    return {"dtype": dt, "shape": list(conv.shape), "data": [v.item() for v in conv.reshape(-1)]}


def synthetic_window(cfg, n=6, seed=5):
    """A made-up scene for the rollout fixture (walkers at constant velocity plus noise): no recorded data.
    Returns (pos [T,n,D], mask [T,n], feats [n] int32 or None)."""
    rng = np.random.default_rng(seed)
    T, D = cfg.T, cfg.dims
    start = rng.uniform(-4, 4, (n, D))
    vel = rng.normal(0, 0.5, (n, D))
    pos = start[None] + np.arange(T)[:, None, None] * vel[None] + rng.normal(0, 0.03, (T, n, D))
    mask = np.ones((T, n), np.float32)
    mask[:3, n - 1] = 0  # one walker enters late
    pos = (pos * mask[..., None]).astype(np.float32)
    feats = rng.integers(0, len(cfg.vocab), n).astype(np.int32) if cfg.vocab else None
    return pos, mask, feats


def fixture_ids(pool):
    """Two rows of five distinct IDs for the graph fixtures, reaching the top of the pool."""
    if pool < 6:
        raise ValueError(f"the fixtures need an ID pool of at least 6, got {pool}")
    row0 = [3, 17, 0, 42, pool - 1] if pool > 43 else [3, 1, 0, pool - 2, pool - 1]
    return torch.tensor([row0, [1, 2, 3, 4, 5]], dtype=torch.int32)


@torch.no_grad()
def write_fixtures(fs, approx, cfg, out_dir, window=None):
    """fixtures/fixtures.json: each graph on fixed inputs and one complete rollout from fixed noise.
    `window` = (pos [T,n,D], mask [T,n], feats [n] or None) in the length unit; default synthetic_window(cfg)."""
    os.makedirs(os.path.join(out_dir, "fixtures"), exist_ok=True)
    T, L, C, obs, D = cfg.T, cfg.first_stage.L, cfg.first_stage.C, cfg.observed, cfg.dims
    F = len(cfg.vocab)
    g = torch.Generator().manual_seed(11)
    fx = {}
    pos = torch.randn(2, 5, D, generator=g) * 0.5
    ids = fixture_ids(cfg.first_stage.pool)
    mask = torch.tensor([[1, 1, 1, 0, 1], [1, 1, 1, 1, 1]], dtype=torch.float32)
    feats = None
    if F:  # drawn from their own generator, so the other fixture inputs do not depend on the vocabulary
        feats = torch.randint(0, F, (2, 5), generator=torch.Generator().manual_seed(12), dtype=torch.int32)
        feats = feats * mask.to(torch.int32)  # padded entities (mask 0) get feature index 0
    enc_in = {"pos": tensor(pos), "ids": tensor(ids), "mask": tensor(mask)}
    if F:
        enc_in["feats"] = tensor(feats)
    fx["encoder"] = {"inputs": enc_in, "outputs": {"latent": tensor(fs.encode(pos, ids, mask, feats))}}
    x = torch.randn(2, T, L, C, generator=g)
    t = torch.tensor([0.1, 0.7])
    cond = torch.randn(2, T, L, C, generator=g)
    cm = torch.zeros(2, T, L, dtype=torch.int32)
    cm[:, :obs] = 1
    fx["approximator"] = {"inputs": {"x": tensor(x), "t": tensor(t), "cond": tensor(cond), "cond_mask": tensor(cm)},
                          "outputs": {"x1_pred": tensor(approx(x, t, cond, cm))}}
    if has_slot_graph(approx):
        fx[SLOT_GRAPH] = slot_fixture(approx, cfg)
    lat = torch.randn(2, L, C, generator=g)
    dpos, dlog = fs.decode_all(lat, ids)
    fx["decoder"] = {"inputs": {"latent": tensor(lat), "ids": tensor(ids)}, "outputs": {"pos": tensor(dpos)}}
    if F:
        fx["decoder"]["outputs"]["feat_logits"] = tensor(dlog)
    # one complete rollout from fixed noise
    wpos, wmask, wfeats = synthetic_window(cfg) if window is None else window
    n = wpos.shape[1]
    now = obs - 1
    centre = wpos[now][wmask[now] > 0].mean(axis=0)
    pn = (wpos - centre) / cfg.scale * wmask[..., None]
    wids = torch.arange(n, dtype=torch.int32)
    tf = None if wfeats is None else torch.from_numpy(np.asarray(wfeats, np.int32))[None]
    cond1, cm1, _ = condition(fs, pn[None].astype(np.float32), wmask[None], wids[None], obs, obs, tf)
    k, nfe, solver = 2, 5, "ddim"
    noise = torch.randn(k, T, L, C, generator=g)
    xs = sample_latents(approx, noise, cond1.repeat(k, 1, 1, 1), cm1.repeat(k, 1, 1), nfe, solver, cfg.interpolant.t0,
                        cfg.interpolant.t1)
    dec = fs.decode(xs.reshape(k * T, L, C), wids.repeat(k * T, 1)).reshape(k, T, n, D) * cfg.scale
    dec = dec + torch.from_numpy(centre.astype(np.float32))
    win = {"pos": tensor(wpos), "mask": tensor(wmask), "ids": tensor(wids)}
    if F:
        win["feats"] = tensor(np.asarray(wfeats, np.int32))
    fx["rollout"] = {"solver": solver, "nfe": nfe, "k": k, "known": obs, "window": win,
                     "center": [float(c) for c in centre], "noise": tensor(noise),
                     "cond": tensor(cond1), "cond_mask": tensor(cm1), "x_final": tensor(xs), "pos_out": tensor(dec)}
    with open(os.path.join(out_dir, "fixtures", "fixtures.json"), "w") as f:
        json.dump(fx, f)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def file_entries(out_dir, extra=("weights",)):
    """manifest.files: path and sha256 of the graphs, fixtures and (when written) weights.pt."""
    names = GRAPHS + ((SLOT_GRAPH,) if os.path.exists(os.path.join(out_dir, f"{SLOT_GRAPH}.onnx")) else ())
    files = {k: {"path": f"{k}.onnx", "sha256": sha256(os.path.join(out_dir, f"{k}.onnx"))} for k in names}
    if "weights" in extra and os.path.exists(os.path.join(out_dir, "weights.pt")):
        files["weights"] = {"path": "weights.pt", "sha256": sha256(os.path.join(out_dir, "weights.pt"))}
    files["fixtures"] = {"path": "fixtures/fixtures.json",
                         "sha256": sha256(os.path.join(out_dir, "fixtures", "fixtures.json"))}
    return files


def make_manifest(cfg, name, units, files, metrics, provenance, scope=None):
    """The lamslide-model/2 manifest. units = (length unit, time unit of the frame interval)."""
    length_unit, time_unit = units
    f = cfg.first_stage
    features = {"key": cfg.features.key, "vocab": list(cfg.vocab)} if cfg.vocab else {"vocab": []}
    man = {
        "format": MODEL_FORMAT, "name": name, "domain": cfg.domain, "dims": cfg.dims,
        "id_pool": f.pool, "latent": {"L": f.L, "C": f.C},
        "first_stage": {"kind": f.kind, "layout": f.layout},
        "frames": {"observed": cfg.observed, "future": cfg.future, "window": cfg.T, "min_observed": 1},
        "frame_interval": {"value": cfg.frame_interval, "unit": time_unit}, "length_unit": length_unit,
        "normalization": {"center": "last_observed_centroid", "scale": cfg.scale},
        "features": features,
    }
    if scope:
        man["scope"] = scope
    man.update({
        "interpolant": {"path": "gvp", "prediction": "data", "t0": cfg.interpolant.t0, "t1": cfg.interpolant.t1},
        "sampler": {"default_nfe": cfg.evaluation.default_nfe, "default_solver": cfg.evaluation.default_solver,
                    "solvers": ["euler", "heun", "ddim"]},
        "files": files, "metrics": metrics, "provenance": provenance,
    })
    return man
