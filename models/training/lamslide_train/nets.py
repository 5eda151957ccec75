"""Networks of the two stages, written so that they export to ONNX (opset 17) with int32 inputs.

Everything avoids int64 tensors inside the graph (WebGPU has no int64): IDs become one-hot rows multiplied
with the frozen ID table, and the known/unknown flag is blended as a float.
"""
import math

import torch
from torch import nn
import torch.nn.functional as F

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

    def forward(self, x, kv=None, bias=None, rope=None):
        kv = x if kv is None else kv
        q, k, v = self.split(self.q(x)), self.split(self.k(kv)), self.split(self.v(kv))
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
    """Pre-norm transformer block (self- or cross-attention, then MLP)."""

    def __init__(self, dim, heads, kv_dim=None, mlp=2):
        super().__init__()
        self.n1 = nn.LayerNorm(dim)
        self.nkv = nn.LayerNorm(kv_dim) if kv_dim else None
        self.att = MHA(dim, heads, kv_dim)
        self.n2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, dim * mlp), nn.GELU(), nn.Linear(dim * mlp, dim))

    def forward(self, x, kv=None, bias=None):
        if self.nkv is not None:
            x = x + self.att(self.n1(x), self.nkv(kv), bias)
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


class FirstStage(nn.Module):
    """Encoder (latent queries cross-attend to entity tokens) and ID-queried decoder."""

    def __init__(self, d=2, pool=96, id_dim=128, L=4, C=64, hidden=128, heads=4, enc_layers=2, dec_layers=2, seed=0):
        super().__init__()
        self.d, self.pool, self.L, self.C = d, pool, L, C
        self.register_buffer("ids_table", orthogonal_id_table(pool, id_dim, seed))
        self.pos = PosEmbed(d, hidden)
        self.tok = nn.Sequential(nn.Linear(hidden + id_dim, hidden), nn.GELU(), nn.Linear(hidden, hidden))
        self.queries = nn.Parameter(torch.randn(L, hidden) * 0.02)
        self.enc_cross = Block(hidden, heads, kv_dim=hidden)
        self.enc_self = nn.ModuleList([Block(hidden, heads) for _ in range(enc_layers)])
        self.to_latent = nn.Linear(hidden, C)
        self.from_latent = nn.Linear(C, hidden)
        self.dec_self = nn.ModuleList([Block(hidden, heads) for _ in range(dec_layers)])
        self.id_query = nn.Linear(id_dim, hidden)
        self.dec_cross = nn.ModuleList([Block(hidden, heads, kv_dim=hidden) for _ in range(2)])
        self.head = nn.Sequential(nn.LayerNorm(hidden), nn.Linear(hidden, d))
        # latent standardisation, set after training and baked into the exported graphs
        self.register_buffer("z_mu", torch.zeros(L, C))
        self.register_buffer("z_sd", torch.ones(L, C))

    def id_emb(self, ids):
        return torch.matmul(one_hot_ids(ids, self.pool), self.ids_table)

    def encode_raw(self, pos, ids, mask):
        tok = self.tok(torch.cat([self.pos(pos), self.id_emb(ids)], dim=-1))
        b = pos.shape[0]
        q = self.queries.unsqueeze(0).expand(b, -1, -1)
        bias = ((1.0 - mask) * NEG)[:, None, None, :]
        z = self.enc_cross(q, tok, bias)
        for blk in self.enc_self:
            z = blk(z)
        return self.to_latent(z)

    def encode(self, pos, ids, mask):
        return (self.encode_raw(pos, ids, mask) - self.z_mu) / self.z_sd

    def decode_raw(self, z, ids):
        h = self.from_latent(z)
        for blk in self.dec_self:
            h = blk(h)
        q = self.id_query(self.id_emb(ids))
        for blk in self.dec_cross:
            q = blk(q, h)
        return self.head(q)

    def decode(self, z, ids):
        return self.decode_raw(z * self.z_sd + self.z_mu, ids)


def timestep_embedding(t, dim=256):
    half = dim // 2
    freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32, device=t.device) / half)
    a = (t * 1000.0)[:, None] * freqs[None, :]
    return torch.cat([torch.cos(a), torch.sin(a)], dim=-1)


def smooth_projection(future: int, nb: int, var=None) -> torch.Tensor:
    """Projection [F, F] onto span{tau, tau^2, ..., tau^nb}, tau = 1..F scaled to (0, 1]: smooth paths that leave
    "now" with zero offset (the base carries the position and velocity there). With `var` [F] it is the weighted
    least-squares fit with weights 1/var, so the large residuals of late frames do not leak into early ones."""
    tau = torch.arange(1, future + 1, dtype=torch.float64) / future
    phi = torch.stack([tau ** (i + 1) for i in range(nb)], dim=-1)
    w = torch.ones(future, dtype=torch.float64) if var is None else 1.0 / torch.as_tensor(var, dtype=torch.float64)
    pw = phi.T * w
    return (phi @ torch.linalg.solve(pw @ phi, pw)).to(torch.float32)


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


class Approximator(nn.Module):
    """Predicts the window's latents x1 from (x_t, t, cond, cond_mask); tokens are the T x L latents."""

    def __init__(self, T=20, L=4, C=64, hidden=128, heads=4, depth=4, observed=8, residual_var=0.25):
        super().__init__()
        self.T, self.L, self.C, self.H, self.obs = T, L, C, hidden, observed
        self.v = residual_var
        # frame offsets from "now" for the constant-velocity base below
        self.register_buffer("offsets", (torch.arange(T, dtype=torch.float32) - (observed - 1)).reshape(1, T, 1, 1))
        self.in_x = nn.Linear(C, hidden)
        self.in_c = nn.Linear(C, hidden)
        self.known = nn.Parameter(torch.zeros(2, hidden))
        self.t_mlp = nn.Sequential(nn.Linear(256, hidden), nn.SiLU(), nn.Linear(hidden, hidden))
        self.spatial = nn.ModuleList([AdaBlock(hidden, heads) for _ in range(depth)])
        self.temporal = nn.ModuleList([AdaBlock(hidden, heads) for _ in range(depth)])
        dh = hidden // heads
        cs, ss = rope_table(L, dh)
        ct, st = rope_table(T, dh)
        self.register_buffer("rope_s_cos", cs)
        self.register_buffer("rope_s_sin", ss)
        self.register_buffer("rope_t_cos", ct)
        self.register_buffer("rope_t_sin", st)
        self.out_norm = nn.LayerNorm(hidden)
        self.out_mod = nn.Linear(hidden, 2 * hidden)
        self.out = nn.Linear(hidden, C)
        for m in (self.out_mod, self.out):
            nn.init.zeros_(m.weight)
            nn.init.zeros_(m.bias)

    def forward(self, x, t, cond, cond_mask):
        B = x.shape[0]
        T, L, H = self.T, self.L, self.H
        cm = cond_mask.to(torch.float32).unsqueeze(-1)
        # Constant-velocity base in latent space: "now" is always known; the frame before it may not be.
        # Extrapolation is an affine combination, so it commutes with the latent standardisation.
        now = cond[:, self.obs - 1:self.obs]
        prev_known = cm[:, self.obs - 2:self.obs - 1, :1]
        vel = (now - cond[:, self.obs - 2:self.obs - 1]) * prev_known
        base = cm * cond + (1.0 - cm) * (now + self.offsets * vel)
        h = self.in_x(x) + self.in_c(base) + cm * self.known[1] + (1.0 - cm) * self.known[0]
        temb = self.t_mlp(timestep_embedding(t))  # [B,H]
        temb_s = temb.unsqueeze(1).expand(B, T, H).reshape(B * T, H)
        temb_t = temb.unsqueeze(1).expand(B, L, H).reshape(B * L, H)
        rs = (self.rope_s_cos, self.rope_s_sin)
        rt = (self.rope_t_cos, self.rope_t_sin)
        for sp, tp in zip(self.spatial, self.temporal):
            h = sp(h.reshape(B * T, L, H), temb_s, rs).reshape(B, T, L, H)
            h = h.transpose(1, 2).reshape(B * L, T, H)
            h = tp(h, temb_t, rt).reshape(B, L, T, H).transpose(1, 2)
        shift, scale = self.out_mod(temb).chunk(2, dim=-1)
        h = self.out_norm(h) * (1.0 + scale[:, None, None, :]) + shift[:, None, None, :]
        # residual on the base: at initialisation the prediction is the known latents extrapolated at constant
        # velocity, so the network only has to learn how the future departs from that
        # Preconditioning (skip + scaled output): with r = x1 - base of variance v, the best linear guess of r from
        # x - alpha*base is c_skip * (x - alpha*base); the network adds c_out * F. Near t = 1 this copies x exactly,
        # so a small network does not have to carry the whole latent through its hidden width.
        a = torch.sin(0.5 * math.pi * t).reshape(B, 1, 1, 1)
        s = torch.cos(0.5 * math.pi * t).reshape(B, 1, 1, 1)
        den = a * a * self.v + s * s
        c_skip = a * self.v / den
        c_out = torch.sqrt(self.v * s * s / den)
        return base + c_skip * (x - a * base) + c_out * self.out(h)


class BindingFirstStage(nn.Module):
    """First stage as an exact orthogonal binding code: latent = sum_i mask_i * e(id_i) (outer) x_i.

    The ID table has orthonormal rows (P <= id_dim), so the decoder's read-out e(id_j)^T latent returns x_j exactly
    for any scene of up to P entities: no reconstruction error and no first-stage training. This replaces the learned
    cross-attention encoder of the method, which on this project's CPU budget did not get below metres of
    reconstruction error (see the model cards). The latent [id_dim, D] is viewed as L x C tokens, row-major.
    """

    def __init__(self, d=2, pool=96, id_dim=128, L=4, C=64, seed=0, table="orthogonal", **_):
        super().__init__()
        if pool > id_dim or id_dim * d != L * C:
            raise ValueError(f"need pool <= id_dim and id_dim * d == L * C (got {pool}, {id_dim}, {d}, {L}x{C})")
        self.d, self.pool, self.L, self.C, self.id_dim = d, pool, L, C, id_dim
        # "slots": one-hot rows, so every latent coordinate belongs to one ID and latent noise never leaks between
        # entities; "orthogonal": random orthonormal rows (every entity spread over every coordinate)
        tab = torch.eye(id_dim)[:pool] if table == "slots" else orthogonal_id_table(pool, id_dim, seed)
        self.register_buffer("ids_table", tab)
        self.register_buffer("z_mu", torch.zeros(L, C))
        self.register_buffer("z_sd", torch.ones(L, C))

    def id_emb(self, ids):
        return torch.matmul(one_hot_ids(ids, self.pool), self.ids_table)  # [B,N,E]

    def encode_raw(self, pos, ids, mask):
        e = self.id_emb(ids) * mask.unsqueeze(-1)
        z = torch.matmul(e.transpose(1, 2), pos)  # [B,E,D]
        return z.reshape(z.shape[0], self.L, self.C)

    def encode(self, pos, ids, mask):
        return (self.encode_raw(pos, ids, mask) - self.z_mu) / self.z_sd

    def decode_raw(self, z, ids):
        zz = z.reshape(z.shape[0], self.id_dim, self.d)
        return torch.matmul(self.id_emb(ids), zz)

    def decode(self, z, ids):
        return self.decode_raw(z * self.z_sd + self.z_mu, ids)


class SlotApproximator(nn.Module):
    """Approximator for the slot binding code (ID table = one-hot rows): one token per latent slot.

    With one-hot ID rows, latent row e holds the coordinates of the entity whose ID is e (zero if none), so the
    [T, L, C] latent is also a [T, E, D] array of slot trajectories. This network shares its weights across slots:
    each slot's whole window (conditioning, constant-velocity base, noisy state) becomes one token, the tokens of
    occupied slots attend to each other (the interactions), and each token emits its slot's trajectory. The latent
    contract is unchanged: the graph still maps (x, t, cond, cond_mask) [B, T, L, C] to x1_pred [B, T, L, C].
    """

    def __init__(self, T=20, L=4, C=64, d=2, hidden=128, heads=4, depth=2, observed=8, smooth_basis=4,
                 smooth_weighted=False):
        super().__init__()
        if (L * C) % d:
            raise ValueError(f"latent {L}x{C} is not a whole number of {d}-d slots")
        self.T, self.L, self.C, self.d, self.E, self.H, self.obs = T, L, C, d, L * C // d, hidden, observed
        self.nb, self.weighted = smooth_basis, smooth_weighted
        self.register_buffer("offsets", (torch.arange(T, dtype=torch.float32) - (observed - 1)).reshape(1, 1, T, 1))
        # prior variance of (x1 - base) per frame, measured on the training data before stage 2 (set_resvar)
        self.register_buffer("resvar", torch.full((T,), 0.25))
        if smooth_basis:
            self.register_buffer("proj_t", torch.zeros(T - observed, T - observed), persistent=False)
            self.set_resvar(self.resvar)
        feat = 2 * T * d + T + 2 * d
        self.inp = nn.Sequential(nn.Linear(feat, hidden), nn.GELU(), nn.Linear(hidden, hidden))
        self.t_mlp = nn.Sequential(nn.Linear(256, hidden), nn.SiLU(), nn.Linear(hidden, hidden))
        self.blocks = nn.ModuleList([AdaBlock(hidden, heads) for _ in range(depth)])
        self.out_norm = nn.LayerNorm(hidden)
        self.out_mod = nn.Linear(hidden, 2 * hidden)
        self.out = nn.Linear(hidden, T * d)
        for m in (self.out_mod, self.out):
            nn.init.zeros_(m.weight)
            nn.init.zeros_(m.bias)

    @torch.no_grad()
    def set_resvar(self, var):
        """Sets the per-frame prior variance and the future-frame projection that depends on it."""
        self.resvar.copy_(torch.as_tensor(var, dtype=torch.float32))
        if self.nb:
            fut = self.resvar[self.obs:] if self.weighted else None
            self.proj_t.copy_(smooth_projection(self.T - self.obs, self.nb, fut).T)

    def slots(self, z):
        """[B, T, L, C] -> [B, E, T, D]."""
        return z.reshape(z.shape[0], self.T, self.E, self.d).transpose(1, 2)

    def unslots(self, s):
        return s.transpose(1, 2).reshape(s.shape[0], self.T, self.L, self.C)

    def base_of(self, cond, cond_mask):
        """Per-slot constant-velocity extrapolation of the known frames ([B, E, T, D]), the known mask
        [B, 1, T, 1] and the occupancy of each slot [B, E]."""
        c = self.slots(cond)
        cm = cond_mask[:, :, 0].to(torch.float32).reshape(cond.shape[0], 1, self.T, 1)
        now = c[:, :, self.obs - 1:self.obs]
        prev_known = cm[:, :, self.obs - 2:self.obs - 1]
        vel = (now - c[:, :, self.obs - 2:self.obs - 1]) * prev_known
        base = cm * c + (1.0 - cm) * (now + self.offsets * vel)
        # a slot is occupied when any known frame holds a non-zero coordinate (unused rows of the code are exact 0)
        occ = ((c.abs() * cm).sum(dim=(2, 3)) > 0).to(torch.float32)
        return base, cm, occ, now, vel

    def forward(self, x, t, cond, cond_mask):
        B = x.shape[0]
        base, cm, occ, now, vel = self.base_of(cond, cond_mask)
        a = torch.sin(0.5 * math.pi * t).reshape(B, 1, 1, 1)
        s = torch.cos(0.5 * math.pi * t).reshape(B, 1, 1, 1)
        dev = self.slots(x) - a * base
        feats = torch.cat([(base - now).flatten(2), dev.flatten(2), cm.reshape(B, 1, self.T).expand(B, self.E, self.T),
                           now.flatten(2), vel.flatten(2)], dim=-1)
        h = self.inp(feats)
        temb = self.t_mlp(timestep_embedding(t))
        bias = ((1.0 - occ) * NEG)[:, None, None, :]
        for blk in self.blocks:
            h = blk.forward_masked(h, temb, bias)
        shift, scale = self.out_mod(temb).chunk(2, dim=-1)
        h = self.out_norm(h) * (1.0 + scale[:, None, :]) + shift[:, None, :]
        f = self.out(h).reshape(B, self.E, self.T, self.d)
        # Preconditioning with the measured per-frame prior variance v: c_skip * dev is the best linear guess of
        # (x1 - base) from x_t, so before training the sampler already draws Gaussian paths of the data's spread.
        v = self.resvar.reshape(1, 1, self.T, 1)
        den = a * a * v + s * s
        r = a * v / den * dev + torch.sqrt(v * s * s / den) * f
        if self.nb:
            # Future frames: the departure from the constant-velocity base is projected onto a few smooth functions
            # of the time since "now". Whatever noise x_t still carries then cannot come out as frame-to-frame
            # jitter; it can only bend the whole path, which is what a different sample should look like.
            past, fut = r[:, :, :self.obs], r[:, :, self.obs:]
            fut = torch.matmul(fut.transpose(2, 3), self.proj_t).transpose(2, 3)
            r = torch.cat([past, fut], dim=2)
        # empty slots stay exactly at their base (zero): they are never read, and carry no noise
        return self.unslots(base + r * occ[:, :, None, None])
