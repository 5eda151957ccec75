"""Latent approximators: predict a window's latents x1 [B,T,L,C] from (x_t, t, cond, cond_mask).

- TransformerApproximator: the method's network over the T x L latent tokens (spatial + temporal attention); for
  first stages whose latent is shared by all entities (the learned one).
- SlotApproximator: for the slot binding code (each ID owns D latent coordinates): one token per slot.
"""
import math

import torch
from torch import nn

from .layers import NEG, AdaBlock, rope_table, timestep_embedding


def smooth_projection(future: int, nb: int, var=None) -> torch.Tensor:
    """Projection [F, F] onto span{tau, tau^2, ..., tau^nb}, tau = 1..F scaled to (0, 1]: smooth paths that leave
    "now" with zero offset (the base carries the position and velocity there). With `var` [F] it is the weighted
    least-squares fit with weights 1/var, so the large residuals of late frames do not leak into early ones."""
    tau = torch.arange(1, future + 1, dtype=torch.float64) / future
    phi = torch.stack([tau ** (i + 1) for i in range(nb)], dim=-1)
    w = torch.ones(future, dtype=torch.float64) if var is None else 1.0 / torch.as_tensor(var, dtype=torch.float64)
    pw = phi.T * w
    return (phi @ torch.linalg.solve(pw @ phi, pw)).to(torch.float32)


class TransformerApproximator(nn.Module):
    """Predicts the window's latents x1 from (x_t, t, cond, cond_mask); tokens are the T x L latents."""

    def __init__(self, T=20, L=4, C=64, hidden=128, heads=4, depth=4, observed=8, residual_var=0.25, base="velocity",
                 resvar=None):
        super().__init__()
        if base not in ("velocity", "last"):
            raise ValueError(f"base must be 'velocity' or 'last', got {base!r}")
        self.T, self.L, self.C, self.H, self.obs, self.base = T, L, C, hidden, observed, base
        # prior variance of (x1 - base): one constant, or per frame (measured by the build on precomputed latents)
        self.v = residual_var
        if resvar is not None:
            if len(resvar) != T:
                raise ValueError(f"resvar needs {T} values (one per frame), got {len(resvar)}")
            self.register_buffer("resvar", torch.as_tensor(resvar, dtype=torch.float32).reshape(1, T, 1, 1))
        else:
            self.resvar = None
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
        base = self.base_of(cond, cm)
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
        v = self.v if self.resvar is None else self.resvar
        den = a * a * v + s * s
        c_skip = a * v / den
        c_out = torch.sqrt(v * s * s / den)
        return base + c_skip * (x - a * base) + c_out * self.out(h)

    def base_of(self, cond, cm):
        """What the unknown frames start from ([B,T,L,C]; cm [B,T,L,1] float): the known latents themselves, and on
        the unknown frames the constant-velocity extrapolation of the last two known ones ("velocity"; "now" is always
        known, the frame before it may not be) or the last known latent ("last"). Both are affine combinations of
        latents, so they commute with the latent standardisation."""
        now = cond[:, self.obs - 1:self.obs]
        if self.base == "last":
            return cm * cond + (1.0 - cm) * now
        prev_known = cm[:, self.obs - 2:self.obs - 1, :1]
        vel = (now - cond[:, self.obs - 2:self.obs - 1]) * prev_known
        return cm * cond + (1.0 - cm) * (now + self.offsets * vel)


class SlotApproximator(nn.Module):
    """Approximator for the slot binding code (ID table = one-hot rows): one token per latent slot.

    With one-hot ID rows, latent row e holds the coordinates of the entity whose ID is e (zero if none), followed by
    its feature channels when the model has a vocabulary, so the [T, L, C] latent is also a [T, E, D + F] array of
    slot trajectories. This network shares its weights across slots: each slot's whole window (conditioning,
    constant-velocity base, noisy state, feature) becomes one token, the tokens of occupied slots attend to each other
    (the interactions), and each token emits its slot's trajectory; the feature channels are copied from the
    conditioning (a feature is fixed for the scene). With `pair_messages` K > 0, pairs of occupied slots also get
    rotation-invariant terms at "now" (distance, inverse square distance, radial and relative speed, the pair of
    features): an MLP of them gives each block's attention a bias per head, and K learned radial functions weight
    the unit vectors between the slots into K vector messages per slot (a learned force field), which enter the
    tokens. The latent contract is unchanged: the graph still maps (x, t, cond, cond_mask) [B, T, L, C] to x1_pred
    [B, T, L, C].
    """

    def __init__(self, T=20, L=4, C=64, d=2, hidden=128, heads=4, depth=2, observed=8, smooth_basis=4,
                 smooth_weighted=False, n_feats=0, pair_messages=0, base="velocity", state_messages=0,
                 absolute_now=True):
        super().__init__()
        if base not in ("velocity", "last"):
            raise ValueError(f"base must be 'velocity' or 'last', got {base!r}")
        self.base = base
        width = d + n_feats
        if (L * C) % width:
            raise ValueError(f"latent {L}x{C} is not a whole number of slots of {d} + {n_feats} coordinates")
        self.T, self.L, self.C, self.d, self.E, self.H, self.obs = T, L, C, d, L * C // width, hidden, observed
        self.W, self.n_feats, self.K, self.heads, self.depth = width, n_feats, pair_messages, heads, depth
        if state_messages and not pair_messages:
            raise ValueError("state messages need the pair terms (pair_messages > 0)")
        self.S = state_messages
        if not absolute_now and not pair_messages:
            raise ValueError("without the position at \"now\" in the tokens only the pair terms place the neighbours: "
                             "absolute_now=False needs pair_messages > 0")
        self.absolute_now = absolute_now
        self.nb, self.weighted = smooth_basis, smooth_weighted
        self.register_buffer("offsets", (torch.arange(T, dtype=torch.float32) - (observed - 1)).reshape(1, 1, T, 1))
        # prior variance of (x1 - base) per frame, measured on the training data before stage 2 (set_resvar)
        self.register_buffer("resvar", torch.full((T,), 0.25))
        if smooth_basis:
            self.register_buffer("proj_t", torch.zeros(T - observed, T - observed), persistent=False)
            self.set_resvar(self.resvar)
        feat = 2 * T * d + T + (2 if absolute_now else 1) * d + n_feats + pair_messages * d + state_messages * T * d
        self.inp = nn.Sequential(nn.Linear(feat, hidden), nn.GELU(), nn.Linear(hidden, hidden))
        if pair_messages:
            self.pair = nn.Sequential(nn.Linear(4 + n_feats * n_feats, hidden), nn.GELU(),
                                      nn.Linear(hidden, pair_messages + heads * depth + state_messages))
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
        """[B, T, L, C] -> [B, E, T, D + F]."""
        return z.reshape(z.shape[0], self.T, self.E, self.W).transpose(1, 2)

    def unslots(self, s):
        return s.transpose(1, 2).reshape(s.shape[0], self.T, self.L, self.C)

    def base_of(self, cond, cond_mask):
        """Per-slot constant-velocity extrapolation of the known frames' positions ([B, E, T, D]), the known mask
        [B, 1, T, 1], the occupancy of each slot [B, E], and the position and velocity at "now"."""
        c = self.slots(cond)
        if self.n_feats:
            c = c[..., :self.d]
        cm = cond_mask[:, :, 0].to(torch.float32).reshape(cond.shape[0], 1, self.T, 1)
        now = c[:, :, self.obs - 1:self.obs]
        prev_known = cm[:, :, self.obs - 2:self.obs - 1]
        vel = (now - c[:, :, self.obs - 2:self.obs - 1]) * prev_known
        # "last": the unknown frames start from "now" held (frames far apart compared with the motion's memory, as the
        # peptide's 1 ps frames, where a two-frame velocity extrapolates noise); the velocity still enters the pair terms
        if self.base == "velocity":
            base = cm * c + (1.0 - cm) * (now + self.offsets * vel)
        else:
            base = cm * c + (1.0 - cm) * now
        if self.n_feats:
            # an entity in the conditioning carries its feature's one-hot at "now"; an unused slot carries none
            occ = (self.features_of(cond).sum(dim=-1) > 0).to(torch.float32)
        else:
            # a slot is occupied when any known frame holds a non-zero coordinate (unused rows of the code are exact 0)
            occ = ((c.abs() * cm).sum(dim=(2, 3)) > 0).to(torch.float32)
        return base, cm, occ, now, vel

    def slot_base(self, cs, frame_mask, occ=None):
        """base_of on slot trajectories cs [B, E, T, D + F] with the known-frame mask [B, T]; `occ` [B, E] given
        (the slot graph) or, when None, derived from the conditioning as the full-latent graph must."""
        c = cs[..., :self.d] if self.n_feats else cs
        cm = frame_mask.to(torch.float32).reshape(cs.shape[0], 1, self.T, 1)
        now = c[:, :, self.obs - 1:self.obs]
        prev_known = cm[:, :, self.obs - 2:self.obs - 1]
        vel = (now - c[:, :, self.obs - 2:self.obs - 1]) * prev_known
        # "last": the unknown frames start from "now" held (frames far apart compared with the motion's memory, as the
        # peptide's 1 ps frames, where a two-frame velocity extrapolates noise); the velocity still enters the pair terms
        if self.base == "velocity":
            base = cm * c + (1.0 - cm) * (now + self.offsets * vel)
        else:
            base = cm * c + (1.0 - cm) * now
        if occ is not None:
            occ = occ.to(torch.float32)
        elif self.n_feats:
            # an entity in the conditioning carries its feature's one-hot at "now"; an unused slot carries none
            occ = (cs[:, :, self.obs - 1, self.d:].sum(dim=-1) > 0).to(torch.float32)
        else:
            # a slot is occupied when any known frame holds a non-zero coordinate (unused rows of the code are exact
            # 0); an entity standing exactly at the centre in every known frame is then taken for an empty slot,
            # which the slot graph's explicit occupancy avoids
            occ = ((c.abs() * cm).sum(dim=(2, 3)) > 0).to(torch.float32)
        return base, cm, occ, now, vel

    def features_of(self, cond):
        """Feature channels of every slot at "now" [B, E, F] (fixed for the scene)."""
        return self.slots(cond)[:, :, self.obs - 1, self.d:]

    def pair_terms(self, now, vel, occ, fnow, E=None):
        """Attention biases per block [depth][B, heads, E, E] and vector messages [B, E, K * D] of the slot pairs
        (E: the number of slots, the whole code's unless given)."""
        B, E, D = now.shape[0], self.E if E is None else E, self.d
        p = now[:, :, 0]                                                 # [B, E, D]
        v = vel[:, :, 0] * float(self.T - self.obs)                      # displacement over the horizon
        rel = p.unsqueeze(2) - p.unsqueeze(1)                            # [B, E, E, D]: x_i - x_j
        relv = v.unsqueeze(2) - v.unsqueeze(1)
        d2 = (rel * rel).sum(-1, keepdim=True)
        dist = torch.sqrt(d2 + 1e-6)
        inv = 1.0 / (d2 + 0.01)
        radial = (rel * relv).sum(-1, keepdim=True) / dist
        speed = torch.sqrt((relv * relv).sum(-1, keepdim=True) + 1e-6)
        parts = [dist, inv, radial, speed]
        if self.n_feats:
            parts.append((fnow.unsqueeze(2).unsqueeze(-1) * fnow.unsqueeze(1).unsqueeze(-2)).reshape(
                B, E, E, self.n_feats * self.n_feats))
        g = self.pair(torch.cat(parts, dim=-1))                          # [B, E, E, K + heads * depth]
        pm = occ.unsqueeze(2) * occ.unsqueeze(1)                         # both slots occupied
        w = g[..., :self.K] * pm.unsqueeze(-1)                           # [B, E, E, K]
        msg = torch.matmul(w.transpose(2, 3), rel / dist)                # [B, E, K, D]: sum_j w_k(ij) unit(x_i - x_j)
        nb = self.depth * self.heads
        # without state messages the slice is the one the shipped graphs were exported with (they re-export byte for byte)
        att = g[..., self.K:self.K + nb] if self.S else g[..., self.K:]
        bias = att.reshape(B, E, E, self.depth, self.heads).permute(3, 0, 4, 1, 2)
        ws = g[..., self.K + nb:] * pm.unsqueeze(-1) if self.S else None   # [B, E, E, S]
        return bias, msg.reshape(B, E, self.K * D), ws

    def state_terms(self, ws, dev):
        """S learned pair weights (functions of the pair at "now") applied to the noisy state: message s of slot i is
        sum_j w_s(ij) (dev_j - dev_i) over every frame [B, E, S * T * D]. Where x_t stands relative to the neighbours
        (a bond stretched by the noise, say) is then in each token directly, not only through attention."""
        B, E = dev.shape[:2]
        w = ws.permute(0, 3, 1, 2)                                       # [B, S, E, E]
        flat = dev.reshape(B, 1, E, -1)                                  # [B, 1, E, T * D]
        m = torch.matmul(w, flat) - w.sum(-1, keepdim=True) * flat      # [B, S, E, T * D]
        return m.permute(0, 2, 1, 3).reshape(B, E, -1)

    def input_mlp(self, parts):
        """self.inp of the token parts concatenated. With more than 7 parts the first layer is applied to two
        concatenations of at most 4 and summed (the same weights, split by columns): WebGPU runs a Concat with one
        storage buffer per input plus the output, and a device gets 8 per shader stage by default, so the 8 parts
        with state messages in one Concat failed there (SwiftShader), and the ONNX export merges nested Concats."""
        if len(parts) <= 7:
            return self.inp(torch.cat(parts, dim=-1))
        first, a, b = self.inp[0], torch.cat(parts[:4], dim=-1), torch.cat(parts[4:], dim=-1)
        n = a.shape[-1]
        h = a @ first.weight[:, :n].T + b @ first.weight[:, n:].T + first.bias
        return self.inp[2](self.inp[1](h))

    def motion_parts(self, base, now, dev, cm, vel, B, E):
        """The per-slot token inputs of its own motion (both forwards): base and noisy state about "now", the frame
        mask, velocity and, with absolute_now, "now" itself. Without it a token sees its own motion only, relative to
        where it stands at "now": the network cannot learn where in a training scene the walkways lie, and the
        neighbours enter through the pair terms."""
        parts = [(base - now).flatten(2), dev.flatten(2), cm.reshape(B, 1, self.T).expand(B, E, self.T)]
        return parts + ([now.flatten(2), vel.flatten(2)] if self.absolute_now else [vel.flatten(2)])

    def forward(self, x, t, cond, cond_mask):
        B = x.shape[0]
        base, cm, occ, now, vel = self.base_of(cond, cond_mask)
        a = torch.sin(0.5 * math.pi * t).reshape(B, 1, 1, 1)
        s = torch.cos(0.5 * math.pi * t).reshape(B, 1, 1, 1)
        xs = self.slots(x)
        if self.n_feats:
            xs = xs[..., :self.d]
        dev = xs - a * base
        parts = self.motion_parts(base, now, dev, cm, vel, B, self.E)
        fnow = self.features_of(cond) if self.n_feats else None
        if self.n_feats:
            parts.append(fnow)
        pair_bias = None
        if self.K:
            pair_bias, msg, ws = self.pair_terms(now, vel, occ, fnow)
            parts.append(msg)
            if self.S:
                parts.append(self.state_terms(ws, dev))
        h = self.input_mlp(parts)
        temb = self.t_mlp(timestep_embedding(t))
        bias = ((1.0 - occ) * NEG)[:, None, None, :]
        for i, blk in enumerate(self.blocks):
            h = blk.forward_masked(h, temb, bias if pair_bias is None else bias + pair_bias[i])
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
        out = base + r * occ[:, :, None, None]
        if self.n_feats:
            out = torch.cat([out, fnow.unsqueeze(2).expand(B, self.E, self.T, self.n_feats)], dim=-1)
        return self.unslots(out)

    def forward_slots(self, x, t, cond, frame_mask, occupied):
        """The slot graph (CONTRACT.md, "Slot approximator"): only the slots the caller gathered, x and cond
        [B, T, S, D + F] for any S, frame_mask [B, T] (1 on known frames), occupied [B, S] (1 where the slot holds an
        entity of the scene). The weights are shared by all slots and empty slots take no part, so this equals
        forward on the full latent for the gathered slots, at a cost that follows S instead of the whole code."""
        out = self.slot_forward(x.transpose(1, 2), t, cond.transpose(1, 2), frame_mask, occupied)
        return out.transpose(1, 2)

    def slot_forward(self, xs, t, cs, frame_mask, occupied):
        """x1 of the slot trajectories [B, E, T, D + F] (E = any number of slots)."""
        B, E = xs.shape[0], xs.shape[1]
        base, cm, occ, now, vel = self.slot_base(cs, frame_mask, occupied)
        a = torch.sin(0.5 * math.pi * t).reshape(B, 1, 1, 1)
        s = torch.cos(0.5 * math.pi * t).reshape(B, 1, 1, 1)
        if self.n_feats:
            xs = xs[..., :self.d]
        dev = xs - a * base
        parts = self.motion_parts(base, now, dev, cm, vel, B, E)
        fnow = cs[:, :, self.obs - 1, self.d:] if self.n_feats else None
        if self.n_feats:
            parts.append(fnow)
        pair_bias = None
        if self.K:
            pair_bias, msg, ws = self.pair_terms(now, vel, occ, fnow, E)
            parts.append(msg)
            if self.S:
                parts.append(self.state_terms(ws, dev))
        h = self.input_mlp(parts)
        temb = self.t_mlp(timestep_embedding(t))
        bias = ((1.0 - occ) * NEG)[:, None, None, :]
        for i, blk in enumerate(self.blocks):
            h = blk.forward_masked(h, temb, bias if pair_bias is None else bias + pair_bias[i])
        shift, scale = self.out_mod(temb).chunk(2, dim=-1)
        h = self.out_norm(h) * (1.0 + scale[:, None, :]) + shift[:, None, :]
        f = self.out(h).reshape(B, E, self.T, self.d)
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
        out = base + r * occ[:, :, None, None]
        if self.n_feats:
            out = torch.cat([out, fnow.unsqueeze(2).expand(B, E, self.T, self.n_feats)], dim=-1)
        return out


def has_slot_graph(net):
    """Whether the approximator can run on gathered slots (SlotApproximator.forward_slots: the slot graph)."""
    return hasattr(net, "forward_slots")


def make_approximator(cfg):
    """The approximator a ModelConfig describes (untrained; the slot one takes the measured resvar if set)."""
    a, f = cfg.approximator, cfg.first_stage
    if a.kind == "slots":
        net = SlotApproximator(T=cfg.T, L=f.L, C=f.C, d=cfg.dims, hidden=a.hidden, heads=a.heads, depth=a.depth,
                               observed=cfg.observed, smooth_basis=a.smooth_basis, smooth_weighted=a.smooth_weighted,
                               n_feats=len(cfg.features.vocab), pair_messages=a.pair_messages, base=a.base,
                               state_messages=a.state_messages, absolute_now=a.absolute_now)
        if a.resvar:
            net.set_resvar(a.resvar)
        return net
    return TransformerApproximator(T=cfg.T, L=f.L, C=f.C, hidden=a.hidden, heads=a.heads, depth=a.depth,
                                   observed=cfg.observed, base=a.base, resvar=a.resvar)
