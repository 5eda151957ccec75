"""First stages: per-frame encoder (entities -> fixed-size latent L x C) and ID-queried decoder.

Both kinds share one interface, which the training loop, the sampler and the export use:
  encode(pos [B,N,D], ids [B,N] int32, mask [B,N], feats [B,N] int32 | None) -> latent [B,L,C] (standardised)
  decode_all(latent, ids) -> (pos [B,N,D], feat_logits [B,N,F] or None);  decode(latent, ids) -> pos
  encode_raw / decode_raw: the same without the latent standardisation (z_mu, z_sd)
"""
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


class FirstStage(nn.Module):
    """The method's learned first stage: L latent queries cross-attend to entity tokens (position features, a feature
    embedding when the model has a vocabulary, the ID embedding), then self-attention over the latents; the decoder's
    query of an entity is a linear map of its ID embedding alone, cross-attending to the latents, with a position
    head and (with a vocabulary) a feature-logit head."""

    def __init__(self, d=2, pool=96, id_dim=128, L=4, C=64, hidden=128, heads=4, enc_layers=2, dec_layers=2, seed=0,
                 n_feats=0, feat_dim=16, token="concat"):
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
        self.dec_cross = nn.ModuleList([Block(hidden, heads, kv_dim=hidden) for _ in range(2)])
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

    def encode(self, pos, ids, mask, feats=None):
        return (self.encode_raw(pos, ids, mask, feats) - self.z_mu) / self.z_sd

    def decode_raw_all(self, z, ids):
        h = self.from_latent(z)
        for blk in self.dec_self:
            h = blk(h)
        q = self.id_query(self.id_emb(ids))
        for blk in self.dec_cross:
            q = blk(q, h)
        return self.head(q), (self.feat_head(q) if self.n_feats else None)

    def decode_raw(self, z, ids):
        return self.decode_raw_all(z, ids)[0]

    def decode_all(self, z, ids):
        return self.decode_raw_all(z * self.z_sd + self.z_mu, ids)

    def decode(self, z, ids):
        return self.decode_all(z, ids)[0]


def make_first_stage(cfg):
    """The first stage a ModelConfig describes (untrained)."""
    f = cfg.first_stage
    if f.kind == "binding":
        return BindingFirstStage(d=cfg.dims, pool=f.pool, id_dim=f.id_dim, L=f.L, C=f.C, seed=cfg.training.seed,
                                 table=f.id_table, n_feats=len(cfg.features.vocab))
    return FirstStage(d=cfg.dims, pool=f.pool, id_dim=f.id_dim, L=f.L, C=f.C, hidden=f.hidden, heads=f.heads,
                      enc_layers=f.enc_layers, dec_layers=f.dec_layers, seed=cfg.training.seed,
                      n_feats=len(cfg.features.vocab), feat_dim=f.feat_dim, token=f.token)
