"""ONNX export (opset 17, int32 ids, dynamic batch/entity axes), fixtures, manifest and model card."""
import hashlib
import json
import os

import numpy as np
import torch
from torch import nn

from .sampler import condition, sample_latents


class EncoderGraph(nn.Module):
    def __init__(self, fs):
        super().__init__()
        self.fs = fs

    def forward(self, pos, ids, mask):
        return self.fs.encode(pos, ids, mask)


class DecoderGraph(nn.Module):
    def __init__(self, fs):
        super().__init__()
        self.fs = fs

    def forward(self, latent, ids):
        return self.fs.decode(latent, ids)


def export_graphs(fs, approx, cfg, out_dir):
    T, L, C = cfg["observed"] + cfg["future"], cfg["L"], cfg["C"]
    fs, approx = fs.eval(), approx.eval()
    pos = torch.randn(2, 5, 2)
    ids = torch.arange(5, dtype=torch.int32).repeat(2, 1)
    mask = torch.ones(2, 5)
    torch.onnx.export(EncoderGraph(fs), (pos, ids, mask), os.path.join(out_dir, "encoder.onnx"), opset_version=17,
                      input_names=["pos", "ids", "mask"], output_names=["latent"],
                      dynamic_axes={"pos": {0: "B", 1: "N"}, "ids": {0: "B", 1: "N"}, "mask": {0: "B", 1: "N"},
                                    "latent": {0: "B"}})
    x = torch.randn(2, T, L, C)
    t = torch.rand(2)
    cm = torch.ones(2, T, L, dtype=torch.int32)
    torch.onnx.export(approx, (x, t, x, cm), os.path.join(out_dir, "approximator.onnx"), opset_version=17,
                      input_names=["x", "t", "cond", "cond_mask"], output_names=["x1_pred"],
                      dynamic_axes={k: {0: "B"} for k in ["x", "t", "cond", "cond_mask", "x1_pred"]})
    lat = torch.randn(2, L, C)
    torch.onnx.export(DecoderGraph(fs), (lat, ids), os.path.join(out_dir, "decoder.onnx"), opset_version=17,
                      input_names=["latent", "ids"], output_names=["pos"],
                      dynamic_axes={"latent": {0: "B"}, "ids": {0: "B", 1: "N"}, "pos": {0: "B", 1: "N"}})


def tensor(a):
    a = np.asarray(a)
    dt = "int32" if a.dtype.kind in "iu" else "float32"
    conv = a.astype(np.int32 if dt == "int32" else np.float32)
    return {"dtype": dt, "shape": list(conv.shape), "data": [v.item() for v in conv.reshape(-1)]}


def synthetic_window(cfg, n=6, seed=5):
    """A made-up scene for the rollout fixture (walkers at constant velocity plus noise): no recorded data."""
    rng = np.random.default_rng(seed)
    T = cfg["observed"] + cfg["future"]
    start = rng.uniform(-4, 4, (n, 2))
    vel = rng.normal(0, 0.5, (n, 2))
    pos = start[None] + np.arange(T)[:, None, None] * vel[None] + rng.normal(0, 0.03, (T, n, 2))
    mask = np.ones((T, n), np.float32)
    mask[:3, n - 1] = 0  # one walker enters late
    pos = (pos * mask[..., None]).astype(np.float32)
    return pos, mask


@torch.no_grad()
def write_fixtures(fs, approx, cfg, out_dir):
    os.makedirs(os.path.join(out_dir, "fixtures"), exist_ok=True)
    T, L, C, obs = cfg["observed"] + cfg["future"], cfg["L"], cfg["C"], cfg["observed"]
    g = torch.Generator().manual_seed(11)
    fx = {}
    pos = torch.randn(2, 5, 2, generator=g) * 0.5
    ids = torch.tensor([[3, 17, 0, 42, 95], [1, 2, 3, 4, 5]], dtype=torch.int32)
    mask = torch.tensor([[1, 1, 1, 0, 1], [1, 1, 1, 1, 1]], dtype=torch.float32)
    fx["encoder"] = {"inputs": {"pos": tensor(pos), "ids": tensor(ids), "mask": tensor(mask)},
                     "outputs": {"latent": tensor(fs.encode(pos, ids, mask))}}
    x = torch.randn(2, T, L, C, generator=g)
    t = torch.tensor([0.1, 0.7])
    cond = torch.randn(2, T, L, C, generator=g)
    cm = torch.zeros(2, T, L, dtype=torch.int32)
    cm[:, :obs] = 1
    fx["approximator"] = {"inputs": {"x": tensor(x), "t": tensor(t), "cond": tensor(cond), "cond_mask": tensor(cm)},
                          "outputs": {"x1_pred": tensor(approx(x, t, cond, cm))}}
    lat = torch.randn(2, L, C, generator=g)
    fx["decoder"] = {"inputs": {"latent": tensor(lat), "ids": tensor(ids)},
                     "outputs": {"pos": tensor(fs.decode(lat, ids))}}
    # one complete rollout from fixed noise
    wpos, wmask = synthetic_window(cfg)
    n = wpos.shape[1]
    now = obs - 1
    centre = wpos[now][wmask[now] > 0].mean(axis=0)
    pn = (wpos - centre) / cfg["scale"] * wmask[..., None]
    wids = torch.arange(n, dtype=torch.int32)
    cond1, cm1, _ = condition(fs, pn[None].astype(np.float32), wmask[None], wids[None], obs, obs)
    k, nfe, solver = 2, 5, "ddim"
    noise = torch.randn(k, T, L, C, generator=g)
    xs = sample_latents(approx, noise, cond1.repeat(k, 1, 1, 1), cm1.repeat(k, 1, 1), nfe, solver, cfg["t0"], cfg["t1"])
    dec = fs.decode(xs.reshape(k * T, L, C), wids.repeat(k * T, 1)).reshape(k, T, n, 2) * cfg["scale"]
    dec = dec + torch.from_numpy(centre.astype(np.float32))
    fx["rollout"] = {"solver": solver, "nfe": nfe, "k": k, "known": obs,
                     "window": {"pos": tensor(wpos), "mask": tensor(wmask), "ids": tensor(wids)},
                     "center": [float(centre[0]), float(centre[1])], "noise": tensor(noise),
                     "cond": tensor(cond1), "cond_mask": tensor(cm1), "x_final": tensor(xs), "pos_out": tensor(dec)}
    with open(os.path.join(out_dir, "fixtures", "fixtures.json"), "w") as f:
        json.dump(fx, f)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
