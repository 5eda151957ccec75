"""The two training stages, with logging, checkpoints and resume (shared by every domain).

Stage 1 trains the per-frame encoder/decoder (nothing to train for a binding code); stage 2 trains the latent
approximator on latents of the frozen (EMA) first stage. Batches come from Windows (stages/preprocess.py), so a
domain only has to deliver windows.
"""
import copy
import dataclasses
import math
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

from .approximator import has_slot_graph, make_approximator
from .first_stage import load_trained_first_stage, make_first_stage
from .interpolant import gvp
from .preprocess import encode_frames, fill_known, make_cond, normalise_window, random_reflection, random_rotation


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


def masked_losses(pred, true, mask, norm=None):
    """Masked position MSE and inter-distance MSE; pred/true [B,N,D], mask [B,N]. `norm` = (entities, pairs): fixed
    divisors instead of this batch's counts (size-bucketed batches, where the counts differ from batch to batch)."""
    m = mask.unsqueeze(-1)
    pm = mask.unsqueeze(-1) * mask.unsqueeze(-2)
    n_ent, n_pair = (m.sum().clamp(min=1), pm.sum().clamp(min=1)) if norm is None else norm
    mse = ((pred - true) ** 2 * m).sum() / (n_ent * pred.shape[-1])
    dp = torch.cdist(pred, pred)
    dt = torch.cdist(true, true)
    dist = ((dp - dt) ** 2 * pm).sum() / n_pair
    return mse, dist


def near_pair_loss(pred, true, mask, cut, n_ent):
    """Squared error of the decoded distances of the pairs closer than `cut` in `true` (a molecule's bonds), summed
    and divided by the entity count `n_ent`, so an entity's share does not depend on how many entities its window
    holds; pred/true [B,N,D], mask [B,N]."""
    dt = torch.cdist(true, true)
    near = (dt < cut) & (mask.unsqueeze(-1) * mask.unsqueeze(-2) > 0)
    near &= ~torch.eye(true.shape[1], dtype=torch.bool)
    return ((torch.cdist(pred, pred) - dt) ** 2 * near).sum() / n_ent


@torch.no_grad()
def batch_counts(items, cfg, batch, draws=50):
    """Mean entity-frames and entity pairs per frame-sum of stage-2 batches drawn the ordinary way (every window with
    the same chance, sizes mixed): the fixed divisors of the decoded losses under size-bucketed batches. Dividing by
    these instead of each batch's own counts keeps the objective of mixed batches, in which an entity's weight does not
    depend on how crowded its window is (measured: dividing by the per-batch counts of bucketed batches, which weights
    the entities of sparse windows up, cost eth's val minADE20 0.240 -> 0.268 m)."""
    rng = np.random.default_rng(123)
    plain = cfg.replace(**{"training.size_batches": False})
    ent, pairs = [], []
    for _ in range(draws):
        _, mask, _, _, _, _, seen, _ = stage2_batch(items, rng, plain, batch)
        m = mask * seen[:, None, :]
        ent.append(float(m.sum()))
        pairs.append(float((m.sum(-1) ** 2).sum()))
    return torch.tensor(np.mean(ent)), torch.tensor(np.mean(pairs))


def save_ckpt(path, **state):
    tmp = path + ".tmp"
    torch.save(state, tmp)
    os.replace(tmp, path)  # atomic, so an interruption never leaves a half-written checkpoint


def random_ids(rng, n, pool):
    return rng.permutation(pool)[:n].astype(np.int32)


def _pad_ids(ids_row, n, n_max, pool):
    """Distinct unused ids for the padding entries n..n_max-1 (the padded decoder queries stay harmless)."""
    if n < n_max:
        ids_row[n:] = np.setdiff1d(np.arange(pool), ids_row[:n])[: n_max - n]


def augment(w, rng, cfg):
    """A window normalised as at inference, randomly rotated (or reflected, training.augment), centre-jittered and,
    with training.speed_scale > 1, scaled about its centre; with training.time_reverse, played backwards half of the
    time (training augmentation). Returns (pos_n [T,n,D], mask [T,n]): the mask in the augmented frame order."""
    kind = cfg.training.augment
    if cfg.training.time_reverse and rng.random() < 0.5:  # no draw without the option (same stream as before)
        w = dataclasses.replace(w, pos=np.ascontiguousarray(w.pos[::-1]), mask=np.ascontiguousarray(w.mask[::-1]))
    turn = (random_rotation(rng, cfg.dims) if kind == "rotation" else
            random_reflection(rng, cfg.dims) if kind == "reflection" else None)
    rel, _ = normalise_window(w, cfg.observed - 1, cfg.scale, turn, rng.normal(0, cfg.training.jitter, cfg.dims))
    s = cfg.training.speed_scale
    if s > 1:
        # no draw at s = 1, so recipes without scaling see the same random stream as before the option existed
        rel = rel * np.float32(np.exp(rng.uniform(-np.log(s), np.log(s))))
    return rel, w.mask


def stage1_batch(windows, rng, cfg, batch):
    """Single frames from random windows, normalised as at inference, randomly rotated and re-identified.
    Returns (pos, ids, mask, feats or None) tensors."""
    idx = rng.integers(0, len(windows), batch)
    n_max = max(windows[i].pos.shape[1] for i in idx)
    D, pool = cfg.dims, cfg.first_stage.pool
    pos = np.zeros((batch, n_max, D), np.float32)
    mask = np.zeros((batch, n_max), np.float32)
    ids = np.zeros((batch, n_max), np.int32)
    feats = np.zeros((batch, n_max), np.int32) if cfg.vocab else None
    for b, i in enumerate(idx):
        w = windows[i]
        n = w.pos.shape[1]
        rel, m = augment(w, rng, cfg)
        f = rng.integers(0, w.pos.shape[0])
        pos[b, :n] = rel[f]
        mask[b, :n] = m[f]
        ids[b, :n] = random_ids(rng, n, pool)
        _pad_ids(ids[b], n, n_max, pool)
        if feats is not None:
            feats[b, :n] = w.feats
    t = torch.from_numpy
    return t(pos), t(ids), t(mask), (None if feats is None else t(feats))


def feature_loss(logits, feats, mask):
    """Masked cross-entropy of the feature logits [B,N,F] against feats [B,N]."""
    ce = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), feats.reshape(-1).long(), reduction="none")
    m = mask.reshape(-1)
    return (ce * m).sum() / m.sum().clamp(min=1)


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


TRAINING_DIR = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def first_stage_weights_path(cfg) -> str:
    w = cfg.first_stage.weights
    return w if os.path.isabs(w) else os.path.join(TRAINING_DIR, w)


def train_stage1(windows, cfg, run_dir, log, unit=""):
    model = make_first_stage(cfg)
    if cfg.first_stage.kind == "binding":
        log(f"stage1: binding code ({cfg.first_stage.id_table} ID table), nothing to train")
        return model.eval(), 0.0
    if cfg.first_stage.weights:
        path = first_stage_weights_path(cfg)
        if not os.path.exists(path):
            raise FileNotFoundError(f"first_stage.weights: {path} not found")
        load_trained_first_stage(model, cfg, path)
        log(f"stage1: loaded the trained first stage {path} (frozen)")
        return model.eval(), 0.0
    tr = cfg.training

    def step_loss(model, rng):
        pos, ids, mask, feats = stage1_batch(windows, rng, cfg, tr.batch1)
        pred, logits = model.decode_raw_all(model.encode_raw(pos, ids, mask, feats), ids)
        mse, dist = masked_losses(pred, pos, mask)
        loss, text = mse + dist, f"rmse {math.sqrt(mse.item()) * cfg.scale:.3f} {unit}".rstrip()
        if logits is not None:
            ce = feature_loss(logits, feats, mask)
            loss = loss + tr.feat_w * ce
            text += f" feat_ce {ce.item():.4f}"
        return loss, text

    return fit("stage1", model, tr.lr1, tr.steps1, tr.ema1, tr.seed, os.path.join(run_dir, "stage1.pt"), log,
               step_loss)


@torch.no_grad()
def recon_error(fs, windows, cfg, n_batches=20):
    """Mean per-entity reconstruction error (length unit) of the (EMA) first stage on `windows`, and the fraction of
    entities whose feature is decoded right (None without a vocabulary)."""
    rng = np.random.default_rng(123)
    errs, hits, count = [], 0.0, 0.0
    for _ in range(n_batches):
        pos, ids, mask, feats = stage1_batch(windows, rng, cfg, 128)
        pred, logits = fs.decode_all(fs.encode(pos, ids, mask, feats), ids)
        e = (pred - pos).norm(dim=-1) * cfg.scale
        errs.append((e * mask).sum().item() / mask.sum().item())
        if logits is not None:
            hits += ((logits.argmax(-1) == feats.long()).float() * mask).sum().item()
            count += mask.sum().item()
    return float(np.mean(errs)), (hits / count if count else None)


@torch.no_grad()
def fit_latent_stats(fs, windows, cfg):
    rng = np.random.default_rng(7)
    zs = []
    for _ in range(20):
        pos, ids, mask, feats = stage1_batch(windows, rng, cfg, 256)
        zs.append(fs.encode_raw(pos, ids, mask, feats))
    z = torch.cat(zs)
    if cfg.first_stage.layout == "slots":
        # One scale for every slot's positions and no offset: slots stay interchangeable (the slot approximator shares
        # its weights across them) and an empty slot stays exactly zero. Feature channels keep their 0/1 values.
        cols = fs.position_columns()
        pz = z[:, cols] if cfg.vocab else z
        used = pz.reshape(-1)[pz.reshape(-1) != 0]
        fs.z_mu.zero_()
        fs.z_sd.fill_(float(used.std()))
        if cfg.vocab:
            fs.z_sd[~cols] = 1.0
        return
    fs.z_mu.copy_(z.mean(0))
    fs.z_sd.copy_(z.std(0).clamp(min=1e-3))


def augment_windows(windows, cfg, copies, seed, log):
    """Each window `copies` times, randomly rotated, centre-jittered and re-identified (normalised positions).
    Items are (pos_n [T,n,D], mask [T,n], ids [n], feats [n] or None); latents are made per batch from these (which
    also lets every batch pick its own number of known frames) instead of being stored."""
    rng = np.random.default_rng(seed)
    items = []
    t0 = time.time()
    for w in windows:
        for _ in range(copies):
            rel, m = augment(w, rng, cfg)
            items.append((rel, m, random_ids(rng, rel.shape[1], cfg.first_stage.pool), w.feats))
    log(f"augmented {len(items)} windows in {time.time() - t0:.0f}s")
    return items


# Entity-count buckets of size-bucketed batches (upper bounds; a window above the last shares the last bucket).
SIZE_EDGES = (4, 8, 12, 16, 24, 32, 48, 64)
_size_buckets = {}


def size_bucketed(items, rng, batch):
    """Indices of a batch whose windows have similar entity counts: an anchor drawn uniformly, the rest uniformly
    (with replacement) from the anchor's bucket (SIZE_EDGES). A window's chance to be in a batch stays batch / len:
    its bucket is picked with probability |bucket| / len and it is then one of |bucket|."""
    # the list and its first and last items: a new list that happens to reuse a freed one's id is still told apart
    key = (id(items), len(items), id(items[0]), id(items[-1]))
    if key not in _size_buckets:
        n = np.array([it[0].shape[1] for it in items])
        b = np.searchsorted(np.array(SIZE_EDGES), n)  # bucket index per item
        _size_buckets.clear()
        _size_buckets[key] = (b, {k: np.nonzero(b == k)[0] for k in np.unique(b)})
    b, members = _size_buckets[key]
    anchor = int(rng.integers(0, len(items)))
    pool = members[b[anchor]]
    return np.concatenate([[anchor], pool[rng.integers(0, len(pool), batch - 1)]])


def stage2_batch(items, rng, cfg, batch):
    """Returns tensors (pos, mask, ids, known, pos_c, mask_c, seen, feats or None) of a batch of windows."""
    idx = size_bucketed(items, rng, batch) if cfg.training.size_batches else rng.integers(0, len(items), batch)
    T, D, pool = cfg.T, cfg.dims, cfg.first_stage.pool
    n_max = max(items[i][0].shape[1] for i in idx)
    pos = np.zeros((batch, T, n_max, D), np.float32)
    mask = np.zeros((batch, T, n_max), np.float32)
    ids = np.zeros((batch, n_max), np.int32)
    feats = np.zeros((batch, n_max), np.int32) if cfg.vocab else None
    for b, i in enumerate(idx):
        p, m, d, f = items[i]
        if p.shape[0] > T:
            # a segment longer than the window (the peptide runs): a window of T frames at a random offset
            o = int(rng.integers(0, p.shape[0] - T + 1))
            p, m = p[o:o + T], m[o:o + T]
        n = p.shape[1]
        pos[b, :, :n], mask[b, :, :n], ids[b, :n] = p, m, d
        _pad_ids(ids[b], n, n_max, pool)
        if feats is not None:
            feats[b, :n] = f
    # known frames: all observed frames half of the time, else a random shorter history ending at "now"
    obs = cfg.observed
    k = np.where(rng.random(batch) < 0.5, obs, rng.integers(1, obs + 1, batch))
    fr = np.arange(T)[None, :]
    known = ((fr >= obs - k[:, None]) & (fr < obs)).astype(np.float32)
    pc, mc, seen = fill_known(pos, mask, known)
    if cfg.training.cond_noise:
        # Known frames perturbed atom by atom (a standard deviation drawn per window from 0 .. cond_noise, in the
        # domain's unit) while the targets stay clean: a chained rollout conditions on generated frames, which are
        # never exact, and a model that only saw recorded ones lets the errors grow window after window.
        sd = rng.uniform(0.0, cfg.training.cond_noise / cfg.scale, batch).astype(np.float32)
        pc = (pc + rng.normal(size=pc.shape).astype(np.float32) * sd[:, None, None, None] * mc[..., None])
    t = torch.from_numpy
    return (t(pos), t(mask), t(ids), t(known), t(pc), t(mc), t(seen.astype(np.float32)),
            None if feats is None else t(feats))


def slot_width(cfg):
    """Latent coordinates per slot of the slot code: the position, then one channel per feature token."""
    return cfg.dims + len(cfg.vocab)


def slot_weight(ids, mask, seen, E, L, C, D):
    """[B,T,L,C] weight of the slot code's coordinates (D per slot): 1 for empty slots (target zero), mask for seen
    entities' slots, 0 for the slots of entities never seen in a known frame."""
    oh = (ids.unsqueeze(-1) == torch.arange(E, dtype=ids.dtype)).to(torch.float32)  # [B,n,E]
    used = torch.einsum("bn,bne->be", torch.ones_like(seen), oh)
    present = torch.einsum("btn,bne->bte", mask * seen[:, None, :], oh)
    w = present + (1.0 - used)[:, None, :]
    B, T = mask.shape[:2]
    return w.unsqueeze(-1).expand(B, T, E, D).reshape(B, T, L, C)


@torch.no_grad()
def residual_var(items, fs, cfg, batches=20):
    """Per-frame variance of (latent - constant-velocity base) over occupied slots, in standardised units."""
    net = make_approximator(cfg.replace(**{"approximator.resvar": None}))
    rng = np.random.default_rng(99)
    f = cfg.first_stage
    num, den = torch.zeros(cfg.T), torch.zeros(cfg.T)
    for _ in range(batches):
        pos, mask, ids, known, pc, mc, seen, feats = stage2_batch(items, rng, cfg, 64)
        z = encode_frames(fs, pos, ids, mask * seen[:, None, :], feats)
        cond, cmask = make_cond(encode_frames(fs, pc, ids, mc, feats), known)
        base, _, occ, _, _ = net.base_of(cond, cmask)
        w = slot_weight(ids, mask, seen, fs.ids_table.shape[1], f.L, f.C, slot_width(cfg)) * (cmask == 0)[..., None]
        w = net.slots(w)[..., :cfg.dims] * occ[:, :, None, None]
        r2 = (net.slots(z)[..., :cfg.dims] - base) ** 2
        num += (r2 * w).sum(dim=(0, 1, 3))
        den += w.sum(dim=(0, 1, 3))
    return (num / den.clamp(min=1)).clamp(min=1e-4).tolist()


def slot_predict(model, xt, t, cond, cmask, ids, occ):
    """model(xt, t, cond, cmask) [B,T,L,C] computed on the batch's own slots only: the slots of `ids` [B,n] (distinct
    per row, padding included) are gathered, SlotApproximator.forward_slots runs on them with occupancy `occ`
    [B,n] (1 for an entity seen in a known frame), and its prediction is put back into a latent whose other slots
    are 0, which is what the full graph predicts for them (empty slots stay at their base, 0). Same loss, same
    gradients, at the cost of n slots instead of the whole code's (the sampler's slot graph, CONTRACT.md)."""
    B, T = xt.shape[:2]
    E, W = model.E, model.W
    bi = torch.arange(B)[:, None].expand(B, ids.shape[1])
    il = ids.long()

    def gather(z):
        return z.reshape(B, T, E, W)[bi, :, il].transpose(1, 2)    # [B, T, n, W]
    pg = model.forward_slots(gather(xt), t, gather(cond), cmask[:, :, 0], occ)
    out = torch.zeros(B, E, T, W, dtype=pg.dtype).index_put((bi, il), pg.transpose(1, 2))
    return out.transpose(1, 2).reshape(B, T, model.L, model.C)


def edm_weight(model, t, T, t0, t1):
    """[B, T, 1, 1] weight of the latent MSE at flow times t (training.loss_weight "edm"): v / (c_out(t)^2 + v / 100)
    per frame (v its prior residual variance), normalised to mean 1 over a uniform t in [t0, t1]. With the
    preconditioned output (stages/approximator.py) the error of x1 at time t is c_out(t) times the network's, so an
    unweighted MSE gives the nearly clean states, where a sample's fine structure (bond lengths) is decided, almost
    no gradient; this gives every noise level nearly the same say (as EDM does), capped at 100 x near t = 1."""
    v = model.resvar.reshape(1, T) if getattr(model, "resvar", None) is not None else torch.full((1, T), model.v)

    def lam(tt):
        a, s = gvp(tt)
        a2, s2 = (a * a)[:, None], (s * s)[:, None]
        c2 = v * s2 / (a2 * v + s2)
        return v / (c2 + v / 100.0)
    norm = lam(torch.linspace(t0, t1, 1001)).mean(0, keepdim=True)
    return (lam(t) / norm).reshape(-1, T, 1, 1)


def train_stage2(items, fs, cfg, run_dir, log, unit=""):
    for p in fs.parameters():
        p.requires_grad_(False)
    T, L, C, tr = cfg.T, cfg.first_stage.L, cfg.first_stage.C, cfg.training
    i0, i1 = cfg.interpolant.t0, cfg.interpolant.t1

    norm = batch_counts(items, cfg, tr.batch2) if tr.size_batches else None

    def step_loss(model, rng):
        pos, mask, ids, known, pc, mc, seen, feats = stage2_batch(items, rng, cfg, tr.batch2)
        B = pos.shape[0]
        # target: the window's latents of the entities seen in a known frame (the others cannot be predicted)
        z = encode_frames(fs, pos, ids, mask * seen[:, None, :], feats)
        cond, cmask = make_cond(encode_frames(fs, pc, ids, mc, feats), known)
        t = torch.rand(B) * (i1 - i0) + i0
        a, s = gvp(t)
        x0 = torch.randn_like(z)
        xt = a[:, None, None, None] * z + s[:, None, None, None] * x0
        if has_slot_graph(model):
            # occupied: the entities seen in a known frame (the full graph infers the same from their coordinates)
            pred = slot_predict(model, xt, t, cond, cmask, ids, seen)
        else:
            pred = model(xt, t, cond, cmask)
        w = 1.0 - known[:, :, None, None] * 0.9  # the known frames are given; weight the unknown ones most
        if tr.loss_weight == "edm":
            w = w * edm_weight(model, t, T, i0, i1)
        if cfg.first_stage.layout == "slots":
            # a slot's frames where its entity is absent (it left the scene) have no target: leave them out
            w = w * slot_weight(ids, mask, seen, fs.ids_table.shape[1], L, C, slot_width(cfg))
        flow = ((pred - z) ** 2 * w).mean()
        # Decoded loss on every frame, for the entities seen in a known frame: the others have no way into the
        # conditioning, so their futures are unpredictable by construction (the samplers leave them out too).
        n = ids.shape[1]
        dec = fs.decode(pred.reshape(B * T, L, C), ids.repeat_interleave(T, 0))
        dm, true = (mask * seen[:, None, :]).reshape(B * T, n), pos.reshape(B * T, n, cfg.dims)
        mse, dist = masked_losses(dec, true, dm, norm)
        loss = tr.flow_w * flow + tr.aux * (mse + dist)
        if tr.bond_w:
            loss = loss + tr.bond_w * near_pair_loss(dec, true, dm, tr.bond_cut / cfg.scale,
                                                     dm.sum().clamp(min=1) if norm is None else norm[0])
        return loss, f"flow {flow.item():.4f} aux_rmse {math.sqrt(mse.item()) * cfg.scale:.3f} {unit}".rstrip()

    return fit("stage2", make_approximator(cfg), tr.lr2, tr.steps2, tr.ema, tr.seed + 1,
               os.path.join(run_dir, "stage2.pt"), log, step_loss)


# ---------------------------------------------------------------------------------- stage 2 on precomputed latents

@torch.no_grad()
def precompute_latents(windows, fs, cfg, copies, seed, log):
    """Stage-2 data encoded once (training.precompute): each window `copies` times, normalised around its middle
    frame's centroid with a centre jitter, randomly rotated and re-identified, every frame encoded by the frozen
    first stage. Windows may be longer than T (windows of T frames are cut from them per batch, so one encoding
    serves every offset). Items are (latents float16 [S,L,C], pos_n float32 [S,n,D], ids [n] int32, feats [n] or
    None). float16 keeps the bank small; its rounding (about 5e-4 of a standardised latent) is far below what
    stage 2 learns to predict."""
    rng = np.random.default_rng(seed)
    bank, t0, frames = [], time.time(), 0
    for i, w in enumerate(windows):
        if (w.mask < 1).any():
            raise ValueError(f"{w.source} (start {w.start}): precomputed latents need every entity in every frame "
                             "(an absent entity has no latent to predict); set training.precompute 0")
        S, n = w.pos.shape[:2]
        for _ in range(copies):
            rel, _ = normalise_window(w, S // 2, cfg.scale, random_rotation(rng, cfg.dims),
                                      rng.normal(0, cfg.training.jitter, cfg.dims))
            ids = random_ids(rng, n, cfg.first_stage.pool)
            feats = None if w.feats is None else torch.from_numpy(np.repeat(w.feats[None], S, 0))
            z = fs.encode(torch.from_numpy(rel), torch.from_numpy(np.repeat(ids[None], S, 0)), torch.ones(S, n), feats)
            bank.append((z.to(torch.float16), rel, ids, w.feats))
            frames += S
        if (i + 1) % 500 == 0:
            log(f"precomputed latents of {i + 1}/{len(windows)} windows ({frames} frames, {time.time() - t0:.0f}s)")
    log(f"precomputed latents: {len(bank)} windows, {frames} frames in {time.time() - t0:.0f}s")
    return bank


def bank_batch(bank, rng, cfg, batch):
    """Windows of T frames at random offsets of random bank items, with a random number of known frames (all of them
    half of the time, else 1..observed). Returns tensors (z [B,T,L,C], pos [B,T,n,D], mask [B,T,n], ids [B,n],
    known [B,T], feats [B,n] or None)."""
    T, D, pool, obs = cfg.T, cfg.dims, cfg.first_stage.pool, cfg.observed
    idx = rng.integers(0, len(bank), batch)
    n_max = max(bank[i][1].shape[1] for i in idx)
    L, C = bank[idx[0]][0].shape[1:]
    z = torch.zeros(batch, T, L, C)
    pos = np.zeros((batch, T, n_max, D), np.float32)
    mask = np.zeros((batch, T, n_max), np.float32)
    ids = np.zeros((batch, n_max), np.int32)
    feats = np.zeros((batch, n_max), np.int32) if cfg.vocab else None
    for b, i in enumerate(idx):
        zi, p, d, f = bank[i]
        o = rng.integers(0, p.shape[0] - T + 1)
        n = p.shape[1]
        z[b] = zi[o:o + T].to(torch.float32)
        pos[b, :, :n], mask[b, :, :n], ids[b, :n] = p[o:o + T], 1.0, d
        _pad_ids(ids[b], n, n_max, pool)
        if feats is not None:
            feats[b, :n] = f
    k = np.where(rng.random(batch) < 0.5, obs, rng.integers(1, obs + 1, batch))
    fr = np.arange(T)[None, :]
    known = ((fr >= obs - k[:, None]) & (fr < obs)).astype(np.float32)
    t = torch.from_numpy
    return z, t(pos), t(mask), t(ids), t(known), None if feats is None else t(feats)


@torch.no_grad()
def bank_residual_var(bank, cfg, batches=20):
    """Per-frame variance of (latent - the approximator's base) over the unknown frames, standardised units (the
    known frames get the mean of the others: the network sees them as given)."""
    net = make_approximator(cfg.replace(**{"approximator.resvar": None}))
    rng = np.random.default_rng(99)
    num, den = torch.zeros(cfg.T), torch.zeros(cfg.T)
    for _ in range(batches):
        z, _, _, _, known, _ = bank_batch(bank, rng, cfg, 64)
        cond, cmask = make_cond(z, known)
        r2 = ((z - net.base_of(cond, cmask.to(torch.float32).unsqueeze(-1))) ** 2).mean(dim=(2, 3))  # [B,T]
        w = 1.0 - known
        num += (r2 * w).sum(0)
        den += w.sum(0)
    var = num / den.clamp(min=1)
    var[den == 0] = var[den > 0].min()  # frames that are always known (at least "now")
    return var.clamp(min=1e-4).tolist()


def train_stage2_bank(bank, fs, cfg, run_dir, log, unit=""):
    """Stage 2 on precomputed latents: flow loss (latent MSE, known frames weighted 0.1) plus the decoded position
    and inter-distance losses on `aux_frames` random future frames (all T frames when 0)."""
    for p in fs.parameters():
        p.requires_grad_(False)
    T, L, C, tr = cfg.T, cfg.first_stage.L, cfg.first_stage.C, cfg.training
    i0, i1 = cfg.interpolant.t0, cfg.interpolant.t1

    def step_loss(model, rng):
        z, pos, mask, ids, known, feats = bank_batch(bank, rng, cfg, tr.batch2)
        B, n = ids.shape
        cond, cmask = make_cond(z, known)
        t = torch.rand(B) * (i1 - i0) + i0
        a, s = gvp(t)
        xt = a[:, None, None, None] * z + s[:, None, None, None] * torch.randn_like(z)
        if has_slot_graph(model):
            # every entity of a bank window is present in every frame; padding entries (mask 0) are not
            pred = slot_predict(model, xt, t, cond, cmask, ids, (mask.sum(dim=1) > 0).to(torch.float32))
        else:
            pred = model(xt, t, cond, cmask)
        w = 1.0 - known[:, :, None, None] * 0.9
        flow = ((pred - z) ** 2 * w).mean()
        fr = (np.arange(T) if not tr.aux_frames else
              np.sort(rng.choice(np.arange(cfg.observed, T), size=min(tr.aux_frames, cfg.future), replace=False)))
        Fa = len(fr)
        dec = fs.decode(pred[:, fr].reshape(B * Fa, L, C), ids.repeat_interleave(Fa, 0))
        mse, dist = masked_losses(dec, pos[:, fr].reshape(B * Fa, n, cfg.dims), mask[:, fr].reshape(B * Fa, n))
        loss = tr.flow_w * flow + tr.aux * (mse + dist)
        return loss, f"flow {flow.item():.4f} aux_rmse {math.sqrt(mse.item()) * cfg.scale:.3f} {unit}".rstrip()

    return fit("stage2", make_approximator(cfg), tr.lr2, tr.steps2, tr.ema, tr.seed + 1,
               os.path.join(run_dir, "stage2.pt"), log, step_loss)
