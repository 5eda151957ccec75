"""First stages: per-frame encoder (entities -> fixed-size latent L x C) and ID-queried decoder.

Both kinds share one interface, which the training loop, the sampler and the export use:
  encode(pos [B,N,D], ids [B,N] int32, mask [B,N], feats [B,N] int32 | None) -> latent [B,L,C] (standardised)
  decode_all(latent, ids) -> (pos [B,N,D], feat_logits [B,N,F] or None);  decode(latent, ids) -> pos
  encode_raw / decode_raw: the same without the latent standardisation (z_mu, z_sd)
"""
import math

import torch
from torch import nn

from .layers import NEG, Block, PosEmbed, one_hot_ids, orthogonal_id_table


FEATURE_LOGIT_GAIN = 10.0  # binding code: a feature channel reads 1 for the entity's token, 0 otherwise


class BindingFirstStage(nn.Module):
    """First stage as an exact binding code: latent = sum_i mask_i * e(id_i) (outer) v_i.

    v_i is the entity's position, followed (with a feature vocabulary of F tokens) by the one-hot row of its
    feature, so every ID owns a row of D + F latent coordinates. The ID table has orthonormal rows (P <= id_dim), so
    the decoder's read-out e(id_j)^T latent returns v_j exactly for any scene of up to P entities: no reconstruction
    error and no first-stage training. Feature logits are the feature channels times FEATURE_LOGIT_GAIN. This
    replaces the learned cross-attention encoder of the method, which on this project's CPU budget did not get below
    metres of reconstruction error (see the model cards). The latent [id_dim, D + F] is viewed as L x C, row-major.
    """

    def __init__(self, d=2, pool=96, id_dim=128, L=4, C=64, seed=0, table="orthogonal", n_feats=0):
        super().__init__()
        width = d + n_feats
        if pool > id_dim or id_dim * width != L * C:
            raise ValueError(f"need pool <= id_dim and id_dim * (d + n_feats) == L * C (got {pool}, {id_dim}, {d} + "
                             f"{n_feats}, {L}x{C})")
        self.d, self.pool, self.L, self.C, self.id_dim, self.n_feats, self.width = d, pool, L, C, id_dim, n_feats, width
        # "slots": one-hot rows, so every latent coordinate belongs to one ID and latent noise never leaks between
        # entities; "orthogonal": random orthonormal rows (every entity spread over every coordinate)
        tab = torch.eye(id_dim)[:pool] if table == "slots" else orthogonal_id_table(pool, id_dim, seed)
        self.register_buffer("ids_table", tab)
        self.register_buffer("z_mu", torch.zeros(L, C))
        self.register_buffer("z_sd", torch.ones(L, C))

    def id_emb(self, ids):
        return torch.matmul(one_hot_ids(ids, self.pool), self.ids_table)  # [B,N,E]

    def position_columns(self) -> torch.Tensor:
        """[L, C] bool: the latent coordinates that hold positions (the rest hold feature channels)."""
        col = torch.arange(self.width) < self.d
        return col.repeat(self.id_dim).reshape(self.L, self.C)

    def encode_raw(self, pos, ids, mask, feats=None):
        e = self.id_emb(ids) * mask.unsqueeze(-1)
        if self.n_feats:
            if feats is None:
                raise ValueError(f"this binding code has a vocabulary of {self.n_feats} features: feats [B,N] are "
                                 "required")
            pos = torch.cat([pos, one_hot_ids(feats, self.n_feats)], dim=-1)
        z = torch.matmul(e.transpose(1, 2), pos)  # [B,E,D+F]
        return z.reshape(z.shape[0], self.L, self.C)

    def encode(self, pos, ids, mask, feats=None):
        return (self.encode_raw(pos, ids, mask, feats) - self.z_mu) / self.z_sd

    def decode_raw_all(self, z, ids):
        zz = z.reshape(z.shape[0], self.id_dim, self.width)
        out = torch.matmul(self.id_emb(ids), zz)
        if not self.n_feats:
            return out, None
        return out[..., :self.d], out[..., self.d:] * FEATURE_LOGIT_GAIN

    def decode_raw(self, z, ids):
        return self.decode_raw_all(z, ids)[0]

    def decode_all(self, z, ids):
        return self.decode_raw_all(z * self.z_sd + self.z_mu, ids)

    def decode(self, z, ids):
        return self.decode_all(z, ids)[0]


class ConcatTokens(nn.Module):
    """Entity token = MLP(concat(position features, feature embedding, ID embedding)) (METHOD.md section 3).

    A token design is any module with this constructor and forward; register it in TOKENS and name it in
    first_stage.token to swap it in."""

    def __init__(self, hidden: int, feat_dim: int, id_dim: int):
        super().__init__()
        self.mlp = nn.Sequential(nn.Linear(hidden + feat_dim + id_dim, hidden), nn.GELU(), nn.Linear(hidden, hidden))

    def forward(self, pos_emb, feat_emb, id_emb):
        parts = [pos_emb] if feat_emb is None else [pos_emb, feat_emb]
        return self.mlp(torch.cat(parts + [id_emb], dim=-1))


TOKENS = {"concat": ConcatTokens}


class LearnedCoder(nn.Module):
    """What both learned first stages share: the latent normalisation (buffers z_mu, z_sd, fitted on the training
    data) around encode_raw and decode_raw_all, which a subclass defines."""

    def encode(self, pos, ids, mask, feats=None):
        return (self.encode_raw(pos, ids, mask, feats) - self.z_mu) / self.z_sd

    def decode_raw(self, z, ids):
        return self.decode_raw_all(z, ids)[0]

    def decode_all(self, z, ids):
        return self.decode_raw_all(z * self.z_sd + self.z_mu, ids)

    def decode(self, z, ids):
        return self.decode_all(z, ids)[0]


class FirstStage(LearnedCoder):
    """The method's learned first stage: L latent queries cross-attend to entity tokens (position features, a feature
    embedding when the model has a vocabulary, the ID embedding), then self-attention over the latents; the decoder's
    query of an entity is a linear map of its ID embedding alone, cross-attending to the latents, with a position
    head and (with a vocabulary) a feature-logit head."""

    def __init__(self, d=2, pool=96, id_dim=128, L=4, C=64, hidden=128, heads=4, enc_layers=2, dec_layers=2, seed=0,
                 n_feats=0, feat_dim=16, token="concat", dec_cross=2):
        super().__init__()
        self.d, self.pool, self.L, self.C, self.n_feats = d, pool, L, C, n_feats
        self.register_buffer("ids_table", orthogonal_id_table(pool, id_dim, seed))
        self.pos = PosEmbed(d, hidden)
        # feature embedding as a one-hot product (no int64 gather in the graph)
        self.feat_table = nn.Parameter(torch.randn(n_feats, feat_dim) * 0.02) if n_feats else None
        self.tokens = TOKENS[token](hidden, feat_dim if n_feats else 0, id_dim)
        self.queries = nn.Parameter(torch.randn(L, hidden) * 0.02)
        self.enc_cross = Block(hidden, heads, kv_dim=hidden)
        self.enc_self = nn.ModuleList([Block(hidden, heads) for _ in range(enc_layers)])
        self.to_latent = nn.Linear(hidden, C)
        self.from_latent = nn.Linear(C, hidden)
        self.dec_self = nn.ModuleList([Block(hidden, heads) for _ in range(dec_layers)])
        self.id_query = nn.Linear(id_dim, hidden)
        self.dec_cross = nn.ModuleList([Block(hidden, heads, kv_dim=hidden) for _ in range(dec_cross)])
        self.head = nn.Sequential(nn.LayerNorm(hidden), nn.Linear(hidden, d))
        self.feat_head = nn.Sequential(nn.LayerNorm(hidden), nn.Linear(hidden, n_feats)) if n_feats else None
        # latent standardisation, set after training and baked into the exported graphs
        self.register_buffer("z_mu", torch.zeros(L, C))
        self.register_buffer("z_sd", torch.ones(L, C))

    def id_emb(self, ids):
        return torch.matmul(one_hot_ids(ids, self.pool), self.ids_table)

    def feat_emb(self, feats):
        if not self.n_feats:
            return None
        if feats is None:
            raise ValueError(f"this first stage has a vocabulary of {self.n_feats} features: feats [B,N] are required")
        return torch.matmul(one_hot_ids(feats, self.n_feats), self.feat_table)

    def encode_raw(self, pos, ids, mask, feats=None):
        tok = self.tokens(self.pos(pos), self.feat_emb(feats), self.id_emb(ids))
        b = pos.shape[0]
        q = self.queries.unsqueeze(0).expand(b, -1, -1)
        bias = ((1.0 - mask) * NEG)[:, None, None, :]
        z = self.enc_cross(q, tok, bias)
        for blk in self.enc_self:
            z = blk(z)
        return self.to_latent(z)

    def decode_raw_all(self, z, ids):
        h = self.from_latent(z)
        for blk in self.dec_self:
            h = blk(h)
        q = self.id_query(self.id_emb(ids))
        for blk in self.dec_cross:
            q = blk(q, h)
        return self.head(q), (self.feat_head(q) if self.n_feats else None)


class RoutedFirstStage(LearnedCoder):
    """The learned first stage of the molecule models (first_stage.token "route"): the ID routes, it is not content.

    Encoder: an atom's token is MLP(raw coordinates + fixed random Fourier features, element embedding), with no
    ID in it; L learned latent queries cross-attend to the tokens with keys that are a linear map of the ID embedding
    alone, so the ID decides which latent rows an atom is written to, and the values are a linear map of the raw
    token (no normalisation on the value path): the latent is a superposition of tokens, L x C whatever N is.
    Then self-attention over the latents. Decoder: self-attention over the latent; an atom's query is a linear map of
    its ID embedding; the first cross-attention routes with the encoder's own logits (ID key . row query, plus a
    content term of the latent rows that starts at zero), so an atom reads back the rows its ID wrote to; further
    cross-attention blocks refine; heads give the position and the feature logits.

    This is the network of lamslide_train.mol_first_stage (binding "route", key_src "id", dec_route "tied") with
    the same parameter names, so its trained EMA weights load as they are (load_trained_first_stage).
    ID-dependent maps are applied to the P table rows once (one-hot [B,N,P] @ f(table)): exact for affine maps, and
    no int64 gather in the exported graphs.
    """

    def __init__(self, d=3, pool=32, id_dim=64, L=16, C=64, hidden=128, heads=8, enc_layers=2, dec_layers=2,
                 dec_cross=2, n_feats=7, n_freq=16, freq_sigma=1.0, route_gain=8.0, q_init=0.5, seed=0):
        super().__init__()
        if dec_cross < 1:
            raise ValueError(f"the routed decoder needs at least one cross-attention block, got {dec_cross}")
        H = hidden
        self.d, self.pool, self.L, self.C, self.n_feats = d, pool, L, C, n_feats
        self.register_buffer("ids_table", orthogonal_id_table(pool, id_dim, seed))
        self.register_buffer("freqs", torch.randn(d, n_freq, generator=torch.Generator().manual_seed(seed + 1))
                             * freq_sigma)
        # ID rows have norm <= 1 (entries ~ 1/sqrt(id_dim)); scaled by sqrt(id_dim) they enter every map at unit scale
        self.id_gain = math.sqrt(id_dim)
        pin = d + 2 * n_freq
        self.elem = nn.Linear(n_feats, H, bias=False) if n_feats else None
        self.tok = nn.Sequential(nn.Linear(pin + (H if n_feats else 0), H), nn.GELU(), nn.Linear(H, H), nn.LayerNorm(H))
        self.queries = nn.Parameter(torch.randn(L, H) * q_init)
        self.key_id = nn.Linear(id_dim, H)
        with torch.no_grad():
            self.key_id.weight.mul_(route_gain)
        self.enc_cross = Block(H, heads, kv_dim=H, value_norm=False)
        self.enc_self = nn.ModuleList([Block(H, heads) for _ in range(enc_layers)])
        self.to_latent = nn.Sequential(nn.LayerNorm(H), nn.Linear(H, C))
        self.from_latent = nn.Linear(C, H)
        self.dec_self = nn.ModuleList([Block(H, heads) for _ in range(dec_layers)])
        self.id_query = nn.Linear(id_dim, H)
        self.dec_cross = nn.ModuleList([Block(H, heads, kv_dim=H) for _ in range(dec_cross)])
        self.route_k = nn.Linear(H, H)  # content term of the decoder's row keys, from zero
        nn.init.zeros_(self.route_k.weight)
        nn.init.zeros_(self.route_k.bias)
        self.pos_head = nn.Sequential(nn.LayerNorm(H), nn.Linear(H, d))
        self.feat_head = nn.Sequential(nn.LayerNorm(H), nn.Linear(H, n_feats)) if n_feats else None
        self.register_buffer("z_mu", torch.zeros(L, C))
        self.register_buffer("z_sd", torch.ones(L, C))

    def per_id(self, oh, fn=None):
        """fn(ID row * sqrt(id_dim)) of every entity: one-hot [B,N,P] @ fn(table) [P,.]."""
        t = self.ids_table * self.id_gain
        return torch.matmul(oh, t if fn is None else fn(t))

    def id_keys(self, oh):
        """The encoder's routing keys of the entities, already projected by its cross-attention ([B,N,H])."""
        att = self.enc_cross.att
        return self.per_id(oh, lambda t: att.k(self.key_id(t)))

    def tokens(self, pos, feats):
        p = 2.0 * math.pi * torch.matmul(pos, self.freqs)
        parts = [pos, torch.sin(p), torch.cos(p)]
        if self.n_feats:
            if feats is None:
                raise ValueError(f"this first stage has a vocabulary of {self.n_feats} features: feats [B,N] are "
                                 "required")
            parts.append(self.elem(one_hot_ids(feats, self.n_feats)))
        return self.tok(torch.cat(parts, dim=-1))

    def encode_raw(self, pos, ids, mask, feats=None):
        oh = one_hot_ids(ids, self.pool)
        q = self.queries.unsqueeze(0).expand(pos.shape[0], -1, -1)
        z = self.enc_cross(q, self.tokens(pos, feats), ((1.0 - mask) * NEG)[:, None, None, :], k_proj=self.id_keys(oh))
        for blk in self.enc_self:
            z = blk(z)
        return self.to_latent(z)

    def _routed(self, blk, q, h, oh):
        """First decoder cross-attention: logits(j, l) = k_enc(id_j) . (q_enc(row l) + content(l)), softmax over the
        L rows, values from the latent rows."""
        enc = self.enc_cross.att
        rows = enc.split(enc.q(self.enc_cross.n1(self.queries)).unsqueeze(0))  # [1,h,L,dh]
        hn = blk.nkv(h)
        keys = rows + enc.split(self.route_k(hn))                             # [B,h,L,dh]
        kj = enc.split(self.id_keys(oh))                                       # [B,h,N,dh]
        att = torch.softmax(torch.matmul(kj, keys.transpose(-1, -2)) * (1.0 / math.sqrt(enc.dh)), dim=-1)
        out = torch.matmul(att, blk.att.split(blk.att.v(hn))).transpose(1, 2)
        q = q + blk.att.o(out.reshape(out.shape[0], out.shape[1], blk.att.h * blk.att.dh))
        return q + blk.mlp(blk.n2(q))

    def decode_raw_all(self, z, ids):
        h = self.from_latent(z)
        for blk in self.dec_self:
            h = blk(h)
        oh = one_hot_ids(ids, self.pool)
        q = self._routed(self.dec_cross[0], self.per_id(oh, self.id_query), h, oh)
        for blk in list(self.dec_cross)[1:]:
            q = blk(q, h)
        return self.pos_head(q), (self.feat_head(q) if self.n_feats else None)


# settings of a lamslide_train.mol_first_stage artifact -> the FirstStageConfig / ModelConfig field they must equal
_TRAINED = {"pool": "first_stage.pool", "L": "first_stage.L", "C": "first_stage.C", "hidden": "first_stage.hidden",
            "heads": "first_stage.heads", "id_dim": "first_stage.id_dim", "n_freq": "first_stage.n_freq",
            "freq_sigma": "first_stage.freq_sigma", "enc_self": "first_stage.enc_layers",
            "dec_self": "first_stage.dec_layers", "dec_cross": "first_stage.dec_cross",
            "route_gain": "first_stage.route_gain", "q_init": "first_stage.q_init", "seed": "training.seed",
            "scale": "scale"}
# the design choices of that module this network implements
_TRAINED_DESIGN = {"binding": "route", "key_src": "id", "dec_route": "tied", "kv_norm": False, "dec_bind": False,
                   "dec_index": False, "id_table": "orthogonal"}


def _get(cfg, path):
    for part in path.split("."):
        cfg = getattr(cfg, part)
    return cfg


def trained_first_stage_settings(path):
    """(settings dict, EMA state dict) of a first stage written by lamslide_train.mol_first_stage."""
    st = torch.load(path, map_location="cpu")
    if not isinstance(st, dict) or "config" not in st or "ema" not in st:
        raise ValueError(f"{path}: not a trained first stage (expected keys 'config' and 'ema')")
    return st["config"], st["ema"]


def load_trained_first_stage(fs, cfg, path):
    """Loads the EMA weights of a lamslide_train.mol_first_stage artifact into `fs` (a RoutedFirstStage made from
    `cfg`), after checking that every setting the network depends on equals the config's, naming the first that
    differs (and the vocabulary and normalisation scale, which the latents depend on too). Returns the settings."""
    settings, state = trained_first_stage_settings(path)
    if not isinstance(fs, RoutedFirstStage):
        raise ValueError(f"{path}: a trained routed first stage needs first_stage.token 'route', got "
                         f"{cfg.first_stage.token!r}")
    for key, want in _TRAINED_DESIGN.items():
        if settings.get(key, want) != want:
            raise ValueError(f"{path}: setting {key} is {settings.get(key)!r}; this network implements {want!r}")
    for key, field in _TRAINED.items():
        have, mine = settings.get(key), _get(cfg, field)
        if have is None or (float(have) != float(mine) if isinstance(mine, float) else have != mine):
            raise ValueError(f"{path}: setting {key} is {have!r}, but the config's {field} is {mine!r}")
    if list(settings.get("elements", [])) != list(cfg.vocab):
        raise ValueError(f"{path}: element vocabulary {list(settings.get('elements', []))} differs from the "
                         f"config's features.vocab {list(cfg.vocab)}")
    fs.load_state_dict(state)
    return settings


def make_first_stage(cfg):
    """The first stage a ModelConfig describes (untrained)."""
    f = cfg.first_stage
    if f.kind == "binding":
        return BindingFirstStage(d=cfg.dims, pool=f.pool, id_dim=f.id_dim, L=f.L, C=f.C, seed=cfg.training.seed,
                                 table=f.id_table, n_feats=len(cfg.features.vocab))
    if f.token == "route":
        return RoutedFirstStage(d=cfg.dims, pool=f.pool, id_dim=f.id_dim, L=f.L, C=f.C, hidden=f.hidden,
                                heads=f.heads, enc_layers=f.enc_layers, dec_layers=f.dec_layers, dec_cross=f.dec_cross,
                                n_feats=len(cfg.features.vocab), n_freq=f.n_freq, freq_sigma=f.freq_sigma,
                                route_gain=f.route_gain, q_init=f.q_init, seed=cfg.training.seed)
    return FirstStage(d=cfg.dims, pool=f.pool, id_dim=f.id_dim, L=f.L, C=f.C, hidden=f.hidden, heads=f.heads,
                      enc_layers=f.enc_layers, dec_layers=f.dec_layers, seed=cfg.training.seed,
                      n_feats=len(cfg.features.vocab), feat_dim=f.feat_dim, token=f.token, dec_cross=f.dec_cross)
