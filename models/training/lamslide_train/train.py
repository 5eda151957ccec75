"""The two training stages, with logging, checkpoints and resume.

Stage 1 trains the per-frame encoder/decoder; stage 2 trains the latent approximator on latents precomputed once
with the frozen (EMA) first stage, which is what makes CPU training affordable.
"""
import copy
import json
import math
import os
import time

import numpy as np
import torch

from .data import fill_known, normalise_window
from .nets import Approximator, BindingFirstStage, FirstStage, SlotApproximator


class Logger:
    def __init__(self, path):
        self.f = open(path, "a", buffering=1)

    def __call__(self, msg):
        line = f"{time.strftime('%H:%M:%S')} {msg}"
        print(line, flush=True)
        self.f.write(line + "\n")


class EMA:
    def __init__(self, model, decay=0.999):
        self.model = copy.deepcopy(model).eval()
        for p in self.model.parameters():
            p.requires_grad_(False)
        self.decay = decay

    @torch.no_grad()
    def update(self, model, step):
        d = min(self.decay, (1 + step) / (10 + step))
        for pe, pm in zip(self.model.parameters(), model.parameters()):
            pe.mul_(d).add_(pm.detach(), alpha=1 - d)
        for be, bm in zip(self.model.buffers(), model.buffers()):
            be.copy_(bm)


def lr_at(step, total, base, warmup=100):
    if step < warmup:
        return base * (step + 1) / warmup
    return base * 0.5 * (1 + math.cos(math.pi * min(1.0, (step - warmup) / max(1, total - warmup))))


def masked_losses(pred, true, mask):
    """Masked position MSE and inter-distance MSE; pred/true [B,N,D], mask [B,N]."""
    m = mask.unsqueeze(-1)
    mse = ((pred - true) ** 2 * m).sum() / (m.sum() * pred.shape[-1]).clamp(min=1)
    dp = torch.cdist(pred, pred)
    dt = torch.cdist(true, true)
    pm = mask.unsqueeze(-1) * mask.unsqueeze(-2)
    dist = ((dp - dt) ** 2 * pm).sum() / pm.sum().clamp(min=1)
    return mse, dist


def save_ckpt(path, **state):
    tmp = path + ".tmp"
    torch.save(state, tmp)
    os.replace(tmp, path)  # atomic, so an interruption never leaves a half-written checkpoint


def random_ids(rng, n, pool):
    return rng.permutation(pool)[:n].astype(np.int32)


def stage1_batch(windows, rng, cfg, batch):
    """Single frames from random windows, normalised as at inference, randomly rotated and re-identified."""
    idx = rng.integers(0, len(windows), batch)
    n_max = max(windows[i].pos.shape[1] for i in idx)
    pos = np.zeros((batch, n_max, 2), np.float32)
    mask = np.zeros((batch, n_max), np.float32)
    ids = np.zeros((batch, n_max), np.int32)
    now = cfg["observed"] - 1
    for b, i in enumerate(idx):
        w = windows[i]
        n = w.pos.shape[1]
        rel, _ = normalise_window(w, now, cfg["scale"], rng.uniform(0, 2 * np.pi), rng.normal(0, 0.3, 2))
        f = rng.integers(0, w.pos.shape[0])
        pos[b, :n] = rel[f]
        mask[b, :n] = w.mask[f]
        ids[b, :n] = random_ids(rng, n, cfg["pool"])
        # unused slots keep distinct ids so the padded decoder queries stay harmless
        if n < n_max:
            rest = np.setdiff1d(np.arange(cfg["pool"]), ids[b, :n])[: n_max - n]
            ids[b, n:] = rest
    return torch.from_numpy(pos), torch.from_numpy(ids), torch.from_numpy(mask)


def make_first_stage(cfg):
    if cfg["first_stage"] == "binding":
        return BindingFirstStage(d=2, pool=cfg["pool"], id_dim=cfg["id_dim"], L=cfg["L"], C=cfg["C"], seed=cfg["seed"],
                                 table=cfg.get("id_table", "orthogonal"))
    return FirstStage(d=2, pool=cfg["pool"], id_dim=cfg["id_dim"], L=cfg["L"], C=cfg["C"], hidden=cfg["hidden1"],
                      heads=4, enc_layers=cfg["enc_layers"], dec_layers=cfg["dec_layers"], seed=cfg["seed"])


def make_approximator(cfg):
    if cfg.get("approximator") == "slots":
        net = SlotApproximator(T=cfg["observed"] + cfg["future"], L=cfg["L"], C=cfg["C"], d=2, hidden=cfg["hidden2"],
                               heads=4, depth=cfg["depth2"], observed=cfg["observed"],
                               smooth_basis=cfg.get("smooth_basis", 0),
                               smooth_weighted=bool(cfg.get("smooth_weighted", 0)))
        if cfg.get("resvar"):
            net.set_resvar(cfg["resvar"])
        return net
    return Approximator(T=cfg["observed"] + cfg["future"], L=cfg["L"], C=cfg["C"], hidden=cfg["hidden2"],
                        heads=4, depth=cfg["depth2"], observed=cfg["observed"])


def fit(tag, model, lr, total, ema_decay, seed, ck, log, step_loss):
    """The loop both stages share: AdamW with warm-up and cosine decay, gradient clipping, an EMA of the weights,
    a log line every 50 steps, an atomic checkpoint every 200 steps and resume from the last one.
    step_loss(model, rng) -> (loss, text for the log)."""
    ema = EMA(model, ema_decay)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=1e-4)
    step, spent = 0, 0.0
    rng = np.random.default_rng(seed)
    if os.path.exists(ck):
        st = torch.load(ck)
        model.load_state_dict(st["model"]); ema.model.load_state_dict(st["ema"]); opt.load_state_dict(st["opt"])
        step, spent = st["step"], st["wall"]
        rng = np.random.default_rng([seed, step])
        log(f"{tag}: resumed at step {step}")
    t0 = time.time() - spent
    while step < total:
        for g in opt.param_groups:
            g["lr"] = lr_at(step, total, lr)
        loss, text = step_loss(model, rng)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        ema.update(model, step)
        step += 1
        if step % 50 == 0 or step == total:
            log(f"{tag} step {step}/{total} loss {loss.item():.5f} {text} wall {time.time() - t0:.0f}s")
        if step % 200 == 0 or step == total:
            save_ckpt(ck, model=model.state_dict(), ema=ema.model.state_dict(), opt=opt.state_dict(), step=step,
                      wall=time.time() - t0)
    return ema.model, time.time() - t0


def train_stage1(windows, cfg, run_dir, log):
    model = make_first_stage(cfg)
    if cfg["first_stage"] == "binding":
        log(f"stage1: binding code ({cfg.get('id_table', 'orthogonal')} ID table), nothing to train")
        return model.eval(), 0.0

    def step_loss(model, rng):
        pos, ids, mask = stage1_batch(windows, rng, cfg, cfg["batch1"])
        mse, dist = masked_losses(model.decode_raw(model.encode_raw(pos, ids, mask), ids), pos, mask)
        return mse + dist, f"rmse {math.sqrt(mse.item()) * cfg['scale']:.3f} m"

    return fit("stage1", model, cfg["lr1"], cfg["steps1"], 0.999, cfg["seed"], os.path.join(run_dir, "stage1.pt"),
               log, step_loss)


@torch.no_grad()
def recon_error(fs, windows, cfg, n_batches=20):
    """Mean per-entity reconstruction error in metres of the (EMA) first stage on `windows`."""
    rng = np.random.default_rng(123)
    errs = []
    for _ in range(n_batches):
        pos, ids, mask = stage1_batch(windows, rng, cfg, 128)
        pred = fs.decode(fs.encode(pos, ids, mask), ids)
        e = (pred - pos).norm(dim=-1) * cfg["scale"]
        errs.append((e * mask).sum().item() / mask.sum().item())
    return float(np.mean(errs))


@torch.no_grad()
def fit_latent_stats(fs, windows, cfg):
    rng = np.random.default_rng(7)
    zs = []
    for _ in range(20):
        pos, ids, mask = stage1_batch(windows, rng, cfg, 256)
        zs.append(fs.encode_raw(pos, ids, mask))
    z = torch.cat(zs)
    if cfg.get("id_table") == "slots":
        # One scale for every slot and no offset: slots stay interchangeable (the slot approximator shares its
        # weights across them) and an empty slot stays exactly zero.
        used = z.reshape(-1)[z.reshape(-1) != 0]
        fs.z_mu.zero_()
        fs.z_sd.fill_(float(used.std()))
        return
    fs.z_mu.copy_(z.mean(0))
    fs.z_sd.copy_(z.std(0).clamp(min=1e-3))


def augment_windows(windows, cfg, copies, seed, log):
    """Each window `copies` times, randomly rotated, centre-jittered and re-identified (normalised positions).

    With the binding first stage, encoding is one matrix product, so latents are made per batch from these
    (which also lets every batch pick its own number of known frames) instead of being stored.
    """
    rng = np.random.default_rng(seed)
    now = cfg["observed"] - 1
    items = []
    t0 = time.time()
    for w in windows:
        for _ in range(copies):
            rel, _ = normalise_window(w, now, cfg["scale"], rng.uniform(0, 2 * np.pi), rng.normal(0, 0.3, 2))
            items.append((rel, w.mask, random_ids(rng, rel.shape[1], cfg["pool"])))
    log(f"augmented {len(items)} windows in {time.time() - t0:.0f}s")
    return items


def stage2_batch(items, rng, cfg, batch):
    idx = rng.integers(0, len(items), batch)
    T = cfg["observed"] + cfg["future"]
    n_max = max(items[i][0].shape[1] for i in idx)
    pos = np.zeros((batch, T, n_max, 2), np.float32)
    mask = np.zeros((batch, T, n_max), np.float32)
    ids = np.zeros((batch, n_max), np.int32)
    for b, i in enumerate(idx):
        p, m, d = items[i]
        n = p.shape[1]
        pos[b, :, :n], mask[b, :, :n], ids[b, :n] = p, m, d
        if n < n_max:  # distinct unused ids for the padding
            ids[b, n:] = np.setdiff1d(np.arange(cfg["pool"]), d)[: n_max - n]
    # known frames: all observed frames half of the time, else a random shorter history ending at "now"
    obs = cfg["observed"]
    k = np.where(rng.random(batch) < 0.5, obs, rng.integers(1, obs + 1, batch))
    fr = np.arange(T)[None, :]
    known = ((fr >= obs - k[:, None]) & (fr < obs)).astype(np.float32)
    pc, mc, seen = fill_known(pos, mask, known)
    t = torch.from_numpy
    return t(pos), t(mask), t(ids), t(known), t(pc), t(mc), t(seen.astype(np.float32))


@torch.no_grad()
def encode_frames(fs, pos, ids, mask):
    """pos [B,T,n,D], ids [B,n], mask [B,T,n] -> latents [B,T,L,C]."""
    B, T, n, D = pos.shape
    z = fs.encode(pos.reshape(B * T, n, D), ids.repeat_interleave(T, 0), mask.reshape(B * T, n))
    return z.reshape(B, T, fs.L, fs.C)


def make_cond(z, known):
    """cond = z on known frames, the mean of the known latents elsewhere; cond_mask per (frame, latent)."""
    kw = known[:, :, None, None]
    mean = (z * kw).sum(1, keepdim=True) / kw.sum(1, keepdim=True).clamp(min=1)
    cond = z * kw + mean * (1 - kw)
    cmask = known[:, :, None].expand(-1, -1, z.shape[2]).to(torch.int32)
    return cond, cmask


def gvp(t):
    a = torch.sin(math.pi * t / 2)
    s = torch.cos(math.pi * t / 2)
    return a, s


def slot_weight(ids, mask, seen, E, L, C):
    """[B,T,L,C] weight of the slot code's coordinates: 1 for empty slots (target zero), mask for seen entities'
    slots, 0 for the slots of entities never seen in a known frame."""
    oh = (ids.unsqueeze(-1) == torch.arange(E, dtype=ids.dtype)).to(torch.float32)  # [B,n,E]
    used = torch.einsum("bn,bne->be", torch.ones_like(seen), oh)
    present = torch.einsum("btn,bne->bte", mask * seen[:, None, :], oh)
    w = present + (1.0 - used)[:, None, :]
    B, T = mask.shape[:2]
    return w.unsqueeze(-1).expand(B, T, E, 2).reshape(B, T, L, C)


@torch.no_grad()
def residual_var(items, fs, cfg, batches=20):
    """Per-frame variance of (latent - constant-velocity base) over occupied slots, in standardised units."""
    net = make_approximator(dict(cfg, resvar=None))
    rng = np.random.default_rng(99)
    T = cfg["observed"] + cfg["future"]
    num, den = torch.zeros(T), torch.zeros(T)
    for _ in range(batches):
        pos, mask, ids, known, pc, mc, seen = stage2_batch(items, rng, cfg, 64)
        z = encode_frames(fs, pos, ids, mask * seen[:, None, :])
        cond, cmask = make_cond(encode_frames(fs, pc, ids, mc), known)
        base, _, occ, _, _ = net.base_of(cond, cmask)
        w = slot_weight(ids, mask, seen, fs.ids_table.shape[1], cfg["L"], cfg["C"]) * (cmask == 0)[..., None]
        w = net.slots(w) * occ[:, :, None, None]
        r2 = (net.slots(z) - base) ** 2
        num += (r2 * w).sum(dim=(0, 1, 3))
        den += w.sum(dim=(0, 1, 3))
    return (num / den.clamp(min=1)).clamp(min=1e-4).tolist()


def train_stage2(items, fs, cfg, run_dir, log):
    for p in fs.parameters():
        p.requires_grad_(False)
    T, L = cfg["observed"] + cfg["future"], cfg["L"]

    def step_loss(model, rng):
        pos, mask, ids, known, pc, mc, seen = stage2_batch(items, rng, cfg, cfg["batch2"])
        B = pos.shape[0]
        # target: the window's latents of the entities seen in a known frame (the others cannot be predicted)
        z = encode_frames(fs, pos, ids, mask * seen[:, None, :])
        cond, cmask = make_cond(encode_frames(fs, pc, ids, mc), known)
        t = torch.rand(B) * (cfg["t1"] - cfg["t0"]) + cfg["t0"]
        a, s = gvp(t)
        x0 = torch.randn_like(z)
        xt = a[:, None, None, None] * z + s[:, None, None, None] * x0
        pred = model(xt, t, cond, cmask)
        w = 1.0 - known[:, :, None, None] * 0.9  # the known frames are given; weight the unknown ones most
        if cfg.get("id_table") == "slots":
            # a slot's frames where its entity is absent (it left the scene) have no target: leave them out
            w = w * slot_weight(ids, mask, seen, fs.ids_table.shape[1], L, cfg["C"])
        flow = ((pred - z) ** 2 * w).mean()
        # Decoded loss on every frame, for the entities seen in a known frame: the others have no way into the
        # conditioning, so their futures are unpredictable by construction (the samplers leave them out too).
        n = ids.shape[1]
        dec = fs.decode(pred.reshape(B * T, L, cfg["C"]), ids.repeat_interleave(T, 0))
        mse, dist = masked_losses(dec, pos.reshape(B * T, n, 2), (mask * seen[:, None, :]).reshape(B * T, n))
        loss = cfg["flow_w"] * flow + cfg["aux"] * (mse + dist)
        return loss, f"flow {flow.item():.4f} aux_rmse {math.sqrt(mse.item()) * cfg['scale']:.3f} m"

    return fit("stage2", make_approximator(cfg), cfg["lr2"], cfg["steps2"], cfg["ema"], cfg["seed"] + 1,
               os.path.join(run_dir, "stage2.pt"), log, step_loss)
