"""Building blocks of the networks, written so that they export to ONNX (opset 17) with int32 inputs.

Everything avoids int64 tensors inside the graph (WebGPU has no int64): IDs and feature indices become one-hot rows
(a comparison with a float range) multiplied with a table, and the known/unknown flag is blended as a float.
"""
import math

import torch
from torch import nn

NEG = -1.0e4  # additive mask bias; finite so that an all-masked row gives a uniform softmax, not NaN


def orthogonal_id_table(pool: int, dim: int, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    a = torch.randn(max(pool, dim), min(pool, dim), generator=g)
    q, _ = torch.linalg.qr(a)
    table = q[:pool, :dim] if pool >= dim else q[:dim, :pool].T
    # max-norm 1 rows, as in the method description
    return table / table.norm(dim=-1, keepdim=True).clamp(min=1.0)


def one_hot_ids(ids: torch.Tensor, pool: int) -> torch.Tensor:
    ar = torch.arange(pool, dtype=ids.dtype, device=ids.device)
    return (ids.unsqueeze(-1) == ar).to(torch.float32)


class MHA(nn.Module):
    def __init__(self, dim: int, heads: int, kv_dim: int | None = None):
        super().__init__()
        self.h = heads
        self.dh = dim // heads
        kv_dim = kv_dim or dim
        self.q = nn.Linear(dim, dim)
        self.k = nn.Linear(kv_dim, dim)
        self.v = nn.Linear(kv_dim, dim)
        self.o = nn.Linear(dim, dim)

    def split(self, x):
        b, n, _ = x.shape
        return x.reshape(b, n, self.h, self.dh).transpose(1, 2)

    def forward(self, x, kv=None, bias=None, rope=None, v_in=None, k_proj=None):
        """v_in: the values' source when it is not kv; k_proj: keys already projected by self.k (kv then feeds the
        values only)."""
        kv = x if kv is None else kv
        q = self.split(self.q(x))
        k = self.split(self.k(kv) if k_proj is None else k_proj)
        v = self.split(self.v(kv if v_in is None else v_in))
        if rope is not None:
            q, k = apply_rope(q, rope), apply_rope(k, rope)
        att = torch.matmul(q, k.transpose(-1, -2)) * (1.0 / math.sqrt(self.dh))
        if bias is not None:
            att = att + bias
        att = torch.softmax(att, dim=-1)
        out = torch.matmul(att, v).transpose(1, 2)
        b, n = out.shape[0], out.shape[1]
        return self.o(out.reshape(b, n, self.h * self.dh))


def rope_table(length: int, dim: int):
    half = dim // 2
    freqs = 1.0 / (10000 ** (torch.arange(half, dtype=torch.float32) / half))
    ang = torch.arange(length, dtype=torch.float32)[:, None] * freqs[None, :]
    return torch.cos(ang), torch.sin(ang)


def apply_rope(x, rope):
    cos, sin = rope
    half = x.shape[-1] // 2
    x1, x2 = x[..., :half], x[..., half:]
    return torch.cat([x1 * cos - x2 * sin, x1 * sin + x2 * cos], dim=-1)


class Block(nn.Module):
    """Pre-norm transformer block (self- or cross-attention, then MLP). A cross-attention block normalises its keys'
    source; with value_norm False its values are a linear map of the raw source (so a latent written by it is a sum
    of linear maps of the tokens), and k_proj gives keys computed elsewhere (the routed first stage's ID keys)."""

    def __init__(self, dim, heads, kv_dim=None, mlp=2, value_norm=True):
        super().__init__()
        self.n1 = nn.LayerNorm(dim)
        self.nkv = nn.LayerNorm(kv_dim) if kv_dim else None
        self.value_norm = value_norm
        self.att = MHA(dim, heads, kv_dim)
        self.n2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, dim * mlp), nn.GELU(), nn.Linear(dim * mlp, dim))

    def forward(self, x, kv=None, bias=None, k_proj=None):
        if self.nkv is not None:
            h = self.n1(x)
            x = x + self.att(h, self.nkv(kv), bias, v_in=None if self.value_norm else kv, k_proj=k_proj)
        else:
            x = x + self.att(self.n1(x), None, bias)
        return x + self.mlp(self.n2(x))


class PosEmbed(nn.Module):
    """Raw coordinates plus fixed random Fourier features, then a linear map."""

    def __init__(self, d: int, out: int, n_freq: int = 16, sigma: float = 2.0, seed: int = 1):
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        self.register_buffer("B", torch.randn(d, n_freq, generator=g) * sigma)
        self.lin = nn.Linear(d + 2 * n_freq, out)

    def forward(self, x):
        p = 2 * math.pi * torch.matmul(x, self.B)
        return self.lin(torch.cat([x, torch.sin(p), torch.cos(p)], dim=-1))


def timestep_embedding(t, dim=256):
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32, device=t.device) / half)
    a = (t * 1000.0)[:, None] * freqs[None, :]
    return torch.cat([torch.cos(a), torch.sin(a)], dim=-1)


class AdaBlock(nn.Module):
    """Parallel attention + MLP block, modulated by the time embedding (shift, scale, two gates)."""

    def __init__(self, dim, heads, mlp=2):
        super().__init__()
        self.norm = nn.LayerNorm(dim)
        self.att = MHA(dim, heads)
        self.mlp = nn.Sequential(nn.Linear(dim, dim * mlp), nn.GELU(), nn.Linear(dim * mlp, dim))
        self.mod = nn.Linear(dim, 4 * dim)
        nn.init.zeros_(self.mod.weight)
        nn.init.zeros_(self.mod.bias)

    def forward(self, x, temb, rope):
        # x [B', S, H]; temb [B', H]
        shift, scale, g1, g2 = self.mod(temb).unsqueeze(1).chunk(4, dim=-1)
        h = self.norm(x) * (1.0 + scale) + shift
        return x + (1.0 + g1) * self.att(h, rope=rope) + (1.0 + g2) * self.mlp(h)

    def forward_masked(self, x, temb, bias):
        """Same block over a set (no positions), keys masked by an additive bias [B, 1, 1, S]."""
        shift, scale, g1, g2 = self.mod(temb).unsqueeze(1).chunk(4, dim=-1)
        h = self.norm(x) * (1.0 + scale) + shift
        return x + (1.0 + g1) * self.att(h, bias=bias) + (1.0 + g2) * self.mlp(h)
