"""The method's learned first stage for molecules (METHOD.md section 3): a shared, ID-addressed latent.

Encoder: each atom becomes one token from its position features (raw coordinates + fixed random Fourier features),
an element embedding and its ID embedding; L learned latent queries cross-attend to the tokens (padding masked out),
then self-attention blocks run over the L latents. The latent is L x C whatever the number of atoms N is, and the
atoms are superposed in it: no latent row or coordinate belongs to one ID. Decoder: self-attention over the latent,
then a query per atom made from its ID embedding alone cross-attends to it; heads give the position (D = 3) and the
element logits.

Binding (config `binding`): "mul" makes the token MLP(position features, element) * (W id_emb + b), a multiplicative
binding of what an atom is to which ID it has; "concat" is MLP([position features, element, id_emb]) as written in
METHOD.md. The encoder's values are a linear map of the token (no LayerNorm on the value path unless `kv_norm`),
so the latent is a sum of bound tokens the decoder can take apart.

Everything exports to ONNX opset 17 with int32 ids/feats and no int64 data tensors (one-hot by comparison with an
int32 range, finite mask bias). The module holds its data (RDKit conformers or MMFF trajectories),
augmentation, losses, a resumable training loop with EMA, evaluation and export.

Run: python3 -m lamslide_train.mol_first_stage train --out runs/mol_fs [--set key=value ...]
     python3 -m lamslide_train.mol_first_stage evaluate --weights runs/mol_fs/final.pt
     python3 -m lamslide_train.mol_first_stage export --weights runs/mol_fs/final.pt --out /tmp/onnx
"""
import argparse
import copy
import dataclasses
import glob
import hashlib
import json
import math
import os
import sys
import time
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import nn

from .stages.layers import orthogonal_id_table
from .stages.training import Logger

ELEMENTS = ("H", "C", "N", "O", "F", "S", "Cl")
NEG = -1.0e4  # additive mask bias; finite so an all-masked row gives a uniform softmax, not NaN

HERE = os.path.dirname(os.path.abspath(__file__))
TRAINING_DIR = os.path.dirname(HERE)


@dataclass
class MolFirstStageConfig:
    """Network and training settings (all of them are stored with the weights)."""
    # network
    pool: int = 32                 # P: IDs 0..P-1
    L: int = 16                    # latent queries
    C: int = 64                    # latent width
    hidden: int = 128
    heads: int = 8
    id_dim: int = 64               # width of the ID table rows
    id_table: str = "orthogonal"   # "orthogonal": frozen orthogonal rows of norm <= 1; "learned": trained from that
    binding: str = "route"         # how the ID enters the token (the encoder's values):
                                   # "route": not at all, the ID only routes (keys); "add": u(pos, element) + W id;
                                   # "mul": u * (W id + b); "concat": MLP([pos features, element, id])
    kv_norm: bool = False          # LayerNorm on the encoder's keys/values (False: values linear in the token)
    n_freq: int = 16               # random Fourier features per position
    freq_sigma: float = 1.0        # their frequency scale, cycles per normalised unit
    enc_self: int = 2
    dec_self: int = 2
    dec_cross: int = 2
    dec_bind: bool = False         # multiply the decoder's query stream by a second linear map of the ID embedding
    key_src: str = "id"         # encoder keys from the bound token ("token") or from the ID embedding alone ("id")
    route_gain: float = 8.0        # initial gain of the ID keys (larger: sharper routing at initialisation)
    q_init: float = 0.5            # standard deviation of the initial latent queries
    dec_route: str = "tied"        # "tied": the decoder's first cross-attention routes atom j to latent row l with
                                   # the encoder's own logits (ID key . row query) plus a content term learned from 0
    dec_index: bool = False        # learned per-latent-row embedding added in the decoder (keys can tell rows apart)
    elements: tuple = ELEMENTS
    scale: float = 2.0             # Angstrom per normalised unit (positions are centred on their centroid)
    seed: int = 0
    # training
    steps: int = 3000
    batch: int = 64
    lr: float = 1e-3
    warmup: int = 200
    min_lr: float = 0.0            # fraction of lr the cosine decays to
    weight_decay: float = 1e-4
    ema: float = 0.999
    w_dist: float = 1.0            # inter-distance loss weight
    w_ce: float = 0.1              # element cross-entropy weight
    ce_balance: float = 0.0        # element weights frequency ** -ce_balance (0: plain cross-entropy)
    geo_loss: str = "mse"          # "mse": mse + w_dist * dist + w_ce * ce; "log": log(mse + w_dist * dist) +
                                   # w_ce * log(ce): each term's gradient keeps its size as that term shrinks, so
                                   # neither the positions nor the elements stop being learned once the other
                                   # term dominates the sum ("log_geo": only the geometry term in log)
    noise_lo: float = 0.02         # Gaussian noise (Angstrom) added to conformer frames, drawn per frame in [lo, hi]
    noise_hi: float = 0.10
    md_noise: float = 0.0          # noise added to MD frames
    translate: float = 0.1         # random translation after centring, Angstrom (standard deviation per axis)
    subset: float = 0.0            # probability of training on a random connected-agnostic subset of the atoms
    conformers: int = 10           # ETKDG conformers per molecule
    data: str = "conformers"       # "conformers" | "md" | "both"
    train_names: list = field(default_factory=list)   # empty: every training molecule of the chosen source
    eval_names: list = field(default_factory=list)    # unseen molecules for the probe numbers
    eval_frames: int = 16          # frames per molecule in the fixed evaluation sets
    eval_every: int = 500
    ckpt_every: int = 100
    log_every_s: float = 120.0


# --------------------------------------------------------------------------------------------------------------
# network


class Attention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.h, self.dh = heads, dim // heads
        self.q, self.k, self.v, self.o = (nn.Linear(dim, dim) for _ in range(4))

    def split(self, x):
        b, n, _ = x.shape
        return x.reshape(b, n, self.h, self.dh).transpose(1, 2)

    def forward(self, x, kv, bias=None, v_in=None, k_proj=None):
        """k_proj: keys already projected by self.k (then kv is not used for them)."""
        q = self.split(self.q(x))
        k = self.split(self.k(kv) if k_proj is None else k_proj)
        v = self.split(self.v(kv if v_in is None else v_in))
        att = torch.matmul(q, k.transpose(-1, -2)) * (1.0 / math.sqrt(self.dh))
        if bias is not None:
            att = att + bias
        out = torch.matmul(torch.softmax(att, dim=-1), v).transpose(1, 2)
        return self.o(out.reshape(out.shape[0], out.shape[1], self.h * self.dh))


class Block(nn.Module):
    """Pre-norm attention + MLP block; self-attention when kv is None. With value_norm False the values of a
    cross-attention are a linear map of the raw keys' source (the keys still see it normalised)."""

    def __init__(self, dim, heads, cross=False, value_norm=True, mlp=2):
        super().__init__()
        self.n1 = nn.LayerNorm(dim)
        self.nkv = nn.LayerNorm(dim) if cross else None
        self.value_norm = value_norm
        self.att = Attention(dim, heads)
        self.n2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, mlp * dim), nn.GELU(), nn.Linear(mlp * dim, dim))

    def forward(self, x, kv=None, bias=None, k_proj=None):
        h = self.n1(x)
        if kv is None:
            x = x + self.att(h, h, bias)
        else:
            kn = self.nkv(kv)
            x = x + self.att(h, kn, bias, v_in=kn if self.value_norm else kv, k_proj=k_proj)
        return x + self.mlp(self.n2(x))


class MolFirstStage(nn.Module):
    def __init__(self, cfg: MolFirstStageConfig):
        super().__init__()
        self.cfg = cfg
        P, E, H, F = cfg.pool, cfg.id_dim, cfg.hidden, len(cfg.elements)
        self.pool, self.L, self.C, self.F = P, cfg.L, cfg.C, F
        tab = orthogonal_id_table(P, E, cfg.seed)
        if cfg.id_table == "learned":
            self.ids_table = nn.Parameter(tab)
        elif cfg.id_table == "orthogonal":
            self.register_buffer("ids_table", tab)
        else:
            raise ValueError(f"id_table must be 'orthogonal' or 'learned', not {cfg.id_table!r}")
        # int32 ranges for one-hot by comparison (no int64 inside the exported graphs)
        self.register_buffer("id_range", torch.arange(P, dtype=torch.int32), persistent=False)
        self.register_buffer("feat_range", torch.arange(F, dtype=torch.int32), persistent=False)
        g = torch.Generator().manual_seed(cfg.seed + 1)
        self.register_buffer("freqs", torch.randn(3, cfg.n_freq, generator=g) * cfg.freq_sigma)
        pin = 3 + 2 * cfg.n_freq
        self.elem = nn.Linear(F, H, bias=False)
        # ID rows have norm <= 1 (entries ~ 1/sqrt(E)); they enter every linear map scaled by sqrt(E) so that
        # bound tokens and ID queries start at unit scale (at 1/sqrt(E) the ID signal drowned in the biases)
        self.id_gain = math.sqrt(E)
        if cfg.binding in ("mul", "route", "add"):
            self.tok = nn.Sequential(nn.Linear(pin + H, H), nn.GELU(), nn.Linear(H, H), nn.LayerNorm(H))
            self.bind = nn.Linear(E, H) if cfg.binding in ("mul", "add") else None
        elif cfg.binding == "concat":
            self.tok = nn.Sequential(nn.Linear(pin + H + E, H), nn.GELU(), nn.Linear(H, H))
            self.bind = None
        else:
            raise ValueError(f"binding must be 'route', 'add', 'mul' or 'concat', not {cfg.binding!r}")
        if cfg.binding == "route" and cfg.key_src != "id":
            raise ValueError("binding 'route' needs key_src 'id' (otherwise nothing tells the atoms apart)")
        self.queries = nn.Parameter(torch.randn(cfg.L, H) * cfg.q_init)
        if cfg.key_src not in ("token", "id"):
            raise ValueError(f"key_src must be 'token' or 'id', not {cfg.key_src!r}")
        self.key_id = nn.Linear(E, H) if cfg.key_src == "id" else None
        if self.key_id is not None:
            with torch.no_grad():
                self.key_id.weight.mul_(cfg.route_gain)
        self.row_emb = nn.Parameter(torch.randn(cfg.L, H) * 0.5) if cfg.dec_index else None
        self.enc_cross = Block(H, cfg.heads, cross=True, value_norm=cfg.kv_norm)
        self.enc_self = nn.ModuleList([Block(H, cfg.heads) for _ in range(cfg.enc_self)])
        self.to_latent = nn.Sequential(nn.LayerNorm(H), nn.Linear(H, cfg.C))
        self.from_latent = nn.Linear(cfg.C, H)
        self.dec_self = nn.ModuleList([Block(H, cfg.heads) for _ in range(cfg.dec_self)])
        self.id_query = nn.Linear(E, H)
        self.dec_cross = nn.ModuleList([Block(H, cfg.heads, cross=True) for _ in range(cfg.dec_cross)])
        self.unbind = nn.Linear(E, H) if cfg.dec_bind else None
        if cfg.dec_route not in ("free", "tied"):
            raise ValueError(f"dec_route must be 'free' or 'tied', not {cfg.dec_route!r}")
        if cfg.dec_route == "tied":
            if cfg.key_src != "id":
                raise ValueError("dec_route 'tied' needs key_src 'id' (the routing logits must depend on the ID alone)")
            self.route_k = nn.Linear(H, H)   # content term of the row keys, starts at zero
            nn.init.zeros_(self.route_k.weight)
            nn.init.zeros_(self.route_k.bias)
        self.pos_head = nn.Sequential(nn.LayerNorm(H), nn.Linear(H, 3))
        self.feat_head = nn.Sequential(nn.LayerNorm(H), nn.Linear(H, F))
        # latent standardisation (set after training from the training data, baked into the exported encoder)
        self.register_buffer("z_mu", torch.zeros(cfg.L, cfg.C))
        self.register_buffer("z_sd", torch.ones(cfg.L, cfg.C))

    def id_onehot(self, ids):
        return (ids.unsqueeze(-1) == self.id_range).to(torch.float32)

    def per_id(self, oh, fn=None):
        """fn(ID table row * sqrt(id_dim)) for every atom, as one-hot [B,N,P] @ fn(table) [P,.]: exact for affine
        fn (one-hot rows sum to 1) and cheaper than applying fn per atom."""
        t = self.ids_table * self.id_gain
        return torch.matmul(oh, t if fn is None else fn(t))

    def id_keys(self, oh):
        """The encoder's routing keys of the atoms (projected), [B,N,H]."""
        att = self.enc_cross.att
        return self.per_id(oh, lambda t: att.k(self.key_id(t)))

    def pos_features(self, pos):
        p = 2.0 * math.pi * torch.matmul(pos, self.freqs)
        return torch.cat([pos, torch.sin(p), torch.cos(p)], dim=-1)

    def tokens(self, pos, oh, feats):
        el = self.elem((feats.unsqueeze(-1) == self.feat_range).to(torch.float32))
        b = self.cfg.binding
        if b == "concat":
            return self.tok(torch.cat([self.pos_features(pos), el, self.per_id(oh)], dim=-1))
        u = self.tok(torch.cat([self.pos_features(pos), el], dim=-1))
        if b == "mul":
            return u * self.per_id(oh, self.bind)
        if b == "add":
            return u + self.per_id(oh, self.bind)
        return u

    def encode_raw(self, pos, ids, feats, mask):
        oh = self.id_onehot(ids)
        tok = self.tokens(pos, oh, feats)
        q = self.queries.unsqueeze(0).expand(pos.shape[0], -1, -1)
        keys = self.id_keys(oh) if self.key_id is not None else None
        z = self.enc_cross(q, tok, ((1.0 - mask) * NEG)[:, None, None, :], k_proj=keys)
        for blk in self.enc_self:
            z = blk(z)
        return self.to_latent(z)

    def decode_raw(self, z, ids):
        h = self.from_latent(z)
        if self.row_emb is not None:
            h = h + self.row_emb
        for blk in self.dec_self:
            h = blk(h)
        oh = self.id_onehot(ids)
        q = self.per_id(oh, self.id_query)
        blocks = list(self.dec_cross)
        if self.cfg.dec_route == "tied":
            q = self.tied_route(blocks.pop(0), q, h, oh)
        for blk in blocks:
            q = blk(q, h)
        if self.unbind is not None:
            q = q * self.per_id(oh, self.unbind)
        return self.pos_head(q), self.feat_head(q)

    def tied_route(self, blk, q, h, oh):
        """First decoder cross-attention with the encoder's routing: logits(j, l) = k_enc(id_j) . q_enc(l) (+ a
        learned content term of row l), softmax over the L rows; values from the latent rows. At initialisation an
        atom therefore reads the rows its ID was written to, so there is a gradient from the first step."""
        enc = self.enc_cross.att
        qr = enc.split(enc.q(self.enc_cross.n1(self.queries)).unsqueeze(0))            # [1,h,L,dh]
        hn = blk.nkv(h)
        keys = qr + enc.split(self.route_k(hn))                                          # [B,h,L,dh]
        kj = enc.split(self.id_keys(oh))                                                 # [B,h,N,dh]
        att = torch.softmax(torch.matmul(kj, keys.transpose(-1, -2)) * (1.0 / math.sqrt(enc.dh)), dim=-1)
        v = blk.att.split(blk.att.v(hn))
        out = torch.matmul(att, v).transpose(1, 2)
        out = blk.att.o(out.reshape(out.shape[0], out.shape[1], blk.att.h * blk.att.dh))
        q = q + out
        return q + blk.mlp(blk.n2(q))

    def encode(self, pos, ids, feats, mask):
        """pos [B,N,3] normalised, ids int32 [B,N], feats int32 [B,N], mask float32 [B,N] -> latent [B,L,C]."""
        return (self.encode_raw(pos, ids, feats, mask) - self.z_mu) / self.z_sd

    def decode(self, latent, ids):
        """latent [B,L,C], ids int32 [B,N] -> (pos [B,N,3] normalised, feat_logits [B,N,F])."""
        return self.decode_raw(latent * self.z_sd + self.z_mu, ids)


def count_params(model):
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


# --------------------------------------------------------------------------------------------------------------
# molecules and frames

# Drug-like molecules (elements H C N O F S Cl, at most 32 atoms with hydrogens) that this first stage may add to
# the training side. Any molecule a molecule set holds out is removed from this list before training (by canonical SMILES).
EXTRA_MOLECULES = (
    ("paracetamol", "CC(=O)Nc1ccc(O)cc1"), ("caffeine", "Cn1cnc2c1c(=O)n(C)c(=O)n2C"),
    ("nicotine", "CN1CCCC1c1cccnc1"), ("phenol", "Oc1ccccc1"), ("aniline", "Nc1ccccc1"), ("pyridine", "c1ccncc1"),
    ("acetanilide", "CC(=O)Nc1ccccc1"), ("benzoic_acid", "O=C(O)c1ccccc1"), ("chlorobenzene", "Clc1ccccc1"),
    ("fluorobenzene", "Fc1ccccc1"), ("thiophene", "c1ccsc1"), ("methionine", "CSCCC(N)C(=O)O"),
    ("cysteine", "NC(CS)C(=O)O"), ("glycine", "NCC(=O)O"), ("alanine", "CC(N)C(=O)O"), ("serine", "NC(CO)C(=O)O"),
    ("proline", "OC(=O)C1CCCN1"), ("valine", "CC(C)C(N)C(=O)O"), ("threonine", "CC(O)C(N)C(=O)O"),
    ("histamine", "NCCc1c[nH]cn1"), ("dopamine", "NCCc1ccc(O)c(O)c1"), ("serotonin", "NCCc1c[nH]c2ccc(O)cc12"),
    ("gaba", "NCCCC(=O)O"), ("urea", "NC(N)=O"), ("acetone", "CC(C)=O"), ("acetic_acid", "CC(=O)O"),
    ("dmso", "CS(C)=O"), ("imidazole", "c1c[nH]cn1"), ("indole", "c1ccc2[nH]ccc2c1"),
    ("quinoline", "c1ccc2ncccc2c1"), ("coumarin", "O=c1ccc2ccccc2o1"), ("vanillin", "COc1cc(C=O)ccc1O"),
    ("fluorouracil", "O=c1[nH]cc(F)c(=O)[nH]1"), ("nitrobenzene", "O=[N+]([O-])c1ccccc1"),
    ("sulfanilamide", "Nc1ccc(S(N)(=O)=O)cc1"), ("metformin", "CN(C)C(=N)NC(N)=N"),
    ("acetylcysteine", "CC(=O)NC(CS)C(=O)O"), ("theophylline", "Cn1c(=O)c2[nH]cnc2n(C)c1=O"),
    ("benzocaine", "CCOC(=O)c1ccc(N)cc1"), ("phenylalanine", "NC(Cc1ccccc1)C(=O)O"),
    ("tyrosine", "NC(Cc1ccc(O)cc1)C(=O)O"), ("salicylamide", "NC(=O)c1ccccc1O"),
    ("methyl_salicylate", "COC(=O)c1ccccc1O"), ("chlorzoxazone", "O=c1[nH]c2cc(Cl)ccc2o1"),
    ("allopurinol", "O=c1[nH]cnc2[nH]ncc12"), ("pyrazinamide", "NC(=O)c1cnccn1"), ("isoniazid", "NNC(=O)c1ccncc1"),
    ("barbital", "CCC1(CC)C(=O)NC(=O)NC1=O"), ("ethosuximide", "CCC1(C)CC(=O)NC1=O"),
    ("thymine", "Cc1c[nH]c(=O)[nH]c1=O"), ("cytosine", "Nc1cc[nH]c(=O)n1"), ("adenine", "Nc1ncnc2[nH]cnc12"),
    ("guanine", "Nc1nc2[nH]cnc2c(=O)[nH]1"), ("menthol", "CC(C)C1CCC(C)CC1O"), ("camphor", "CC1(C)C2CCC1(C)C(=O)C2"),
    ("limonene", "CC1=CCC(C(C)=C)CC1"), ("propofol", "CC(C)c1cccc(C(C)C)c1O"), ("amphetamine", "CC(N)Cc1ccccc1"),
    ("ephedrine", "CNC(C)C(O)c1ccccc1"), ("captopril", "CC(CS)C(=O)N1CCCC1C(=O)O"),
    ("valproic_acid", "CCCC(CCC)C(=O)O"), ("phenobarbital", "CCC1(c2ccccc2)C(=O)NC(=O)NC1=O"),
    ("hydrochlorothiazide", "NS(=O)(=O)c1cc2c(cc1Cl)NCNS2(=O)=O"), ("metronidazole", "Cc1ncc([N+](=O)[O-])n1CCO"),
    ("tranexamic_acid", "NCC1CCC(C(=O)O)CC1"), ("baclofen", "NCC(CC(=O)O)c1ccc(Cl)cc1"),
    ("chlorophenol", "Oc1ccc(Cl)cc1"), ("trifluorotoluene", "FC(F)(F)c1ccccc1"), ("thioanisole", "CSc1ccccc1"),
    ("mephenesin", "Cc1ccccc1OCC(O)CO"), ("benzamide", "NC(=O)c1ccccc1"),
    ("leucine", "CC(C)CC(N)C(=O)O"), ("isoleucine", "CCC(C)C(N)C(=O)O"), ("asparagine", "NC(=O)CC(N)C(=O)O"),
    ("glutamine", "NC(=O)CCC(N)C(=O)O"), ("aspartic_acid", "NC(CC(=O)O)C(=O)O"),
    ("glutamic_acid", "NC(CCC(=O)O)C(=O)O"), ("histidine", "NC(Cc1c[nH]cn1)C(=O)O"), ("lysine", "NCCCCC(N)C(=O)O"),
    ("naproxen", "COc1ccc2cc(C(C)C(=O)O)ccc2c1"), ("mexiletine", "CC(N)COc1c(C)cccc1C"),
    ("phenylephrine", "CNCC(O)c1cccc(O)c1"), ("ketamine", "CNC1(CCCCC1=O)c1ccccc1Cl"),
    ("diclofenac", "OC(=O)Cc1ccccc1Nc1c(Cl)cccc1Cl"), ("chlorpropamide", "CCCNC(=O)NS(=O)(=O)c1ccc(Cl)cc1"),
    ("butalbital", "CC(C)CC1(CC=C)C(=O)NC(=O)NC1=O"), ("phentermine", "CC(C)(N)Cc1ccccc1"),
    ("amantadine", "NC12CC3CC(CC(C3)C1)C2"), ("methimazole", "Cn1cc[nH]c1=S"),
    ("carbimazole", "CCOC(=O)n1ccn(C)c1=S"), ("hydralazine", "NNc1nncc2ccccc12"),
    ("pemoline", "NC1=NC(=O)C(O1)c1ccccc1"), ("phenytoin", "O=C1NC(=O)C(c2ccccc2)(c2ccccc2)N1"),
    ("ethinamate", "C#CC1(OC(N)=O)CCCCC1"), ("tolazoline", "C(C1=NCCN1)c1ccccc1"),
    ("naphazoline", "C(C1=NCCN1)c1cccc2ccccc12"), ("clonidine", "Clc1cccc(Cl)c1NC1=NCCN1"),
    ("nitrofurantoin", "O=C1CN(/N=C/c2ccc([N+](=O)[O-])o2)C(=O)N1"),
    ("furosemide", "NS(=O)(=O)c1cc(C(=O)O)c(NCc2ccco2)cc1Cl"), ("sulfadiazine", "Nc1ccc(S(=O)(=O)Nc2ncccn2)cc1"),
    ("sulfacetamide", "CC(=O)NS(=O)(=O)c1ccc(N)cc1"), ("sulfaguanidine", "NC(N)=NS(=O)(=O)c1ccc(N)cc1"),
    ("dimethyl_fumarate", "COC(=O)/C=C/C(=O)OC"), ("citric_acid", "OC(=O)CC(O)(CC(=O)O)C(=O)O"),
    ("ascorbic_acid", "OCC(O)C1OC(=O)C(O)=C1O"), ("glucose", "OCC1OC(O)C(O)C(O)C1O"), ("glycerol", "OCC(O)CO"),
    ("tetrahydrofuran", "C1CCOC1"), ("dioxane", "C1COCCO1"), ("dimethylformamide", "CN(C)C=O"),
    ("methylpyrrolidone", "CN1CCCC1=O"), ("thiophenol", "Sc1ccccc1"), ("benzyl_chloride", "ClCc1ccccc1"),
    ("dichloromethane", "ClCCl"), ("chloroform", "ClC(Cl)Cl"), ("hexafluorobenzene", "Fc1c(F)c(F)c(F)c(F)c1F"),
    ("oxazole", "c1cocn1"), ("isoxazole", "c1cnoc1"), ("pyrazole", "c1cn[nH]c1"), ("triazole", "c1nc[nH]n1"),
    ("tetrazole", "c1nnn[nH]1"), ("purine", "c1ncc2[nH]cnc2n1"), ("quinoxaline", "c1ccc2nccnc2c1"),
    ("isoquinoline", "c1ccc2cnccc2c1"), ("carbazole", "c1ccc2c(c1)[nH]c1ccccc12"),
    ("dibenzofuran", "c1ccc2c(c1)oc1ccccc12"), ("phenothiazine", "c1ccc2c(c1)Nc1ccccc1S2"),
    ("acridine", "c1ccc2nc3ccccc3cc2c1"), ("biphenyl", "c1ccc(-c2ccccc2)cc1"),
    ("diphenyl_ether", "c1ccc(Oc2ccccc2)cc1"), ("benzophenone", "O=C(c1ccccc1)c1ccccc1"),
    ("anthraquinone", "O=C1c2ccccc2C(=O)c2ccccc12"), ("fluorene", "c1ccc2c(c1)Cc1ccccc12"),
    ("anthracene", "c1ccc2cc3ccccc3cc2c1"), ("adamantane", "C1C2CC3CC1CC(C2)C3"), ("cyclohexanone", "O=C1CCCCC1"),
    ("caprolactam", "O=C1CCCCCN1"), ("piperazine", "C1CNCCN1"), ("thiomorpholine", "C1CSCCN1"),
)
MD17 = (
    ("aspirin", "CC(=O)Oc1ccccc1C(=O)O"), ("benzene", "c1ccccc1"), ("ethanol", "CCO"), ("malonaldehyde", "O=CCC=O"),
    ("naphthalene", "c1ccc2ccccc2c1"), ("salicylic_acid", "O=C(O)c1ccccc1O"), ("toluene", "Cc1ccccc1"),
    ("uracil", "O=c1cc[nH]c(=O)[nH]1"),
)
# held out of the probes when no molecule set defines a split
PROBE_UNSEEN = ("serotonin", "vanillin", "captopril", "hydrochlorothiazide", "baclofen", "theophylline",
                "propofol", "metronidazole")


@dataclass
class Molecule:
    name: str
    feats: np.ndarray        # int32 [N], indices into the element vocabulary
    frames: np.ndarray       # float32 [M, N, 3], Angstrom
    kind: str                # "conformers" (noise is added when sampled) or "md"


def structure_key(smiles):
    """Canonical SMILES (Debian's RDKit has no InChI)."""
    from rdkit import Chem
    return Chem.MolToSmiles(Chem.MolFromSmiles(smiles))


def element_indices(symbols, vocab=ELEMENTS, where=""):
    out = []
    for i, s in enumerate(symbols):
        if s not in vocab:
            raise ValueError(f"{where}: atom {i} is {s!r}, not in the element vocabulary {list(vocab)}")
        out.append(vocab.index(s))
    return np.asarray(out, np.int32)


def conformer_molecule(name, smiles, n_conf, seed, cache_dir, pool=32):
    """ETKDG conformers, MMFF94-minimised (cached as .npz keyed by SMILES, count and seed)."""
    key = hashlib.sha1(f"{smiles}|{n_conf}|{seed}".encode()).hexdigest()[:12]
    path = os.path.join(cache_dir, f"{name}-{key}.npz")
    if os.path.exists(path):
        d = np.load(path)
        return Molecule(name, d["feats"], d["frames"], "conformers")
    from rdkit import Chem
    from rdkit.Chem import AllChem
    mol = Chem.AddHs(Chem.MolFromSmiles(smiles))
    if mol.GetNumAtoms() > pool:
        raise ValueError(f"{name} ({smiles}): {mol.GetNumAtoms()} atoms, more than the ID pool {pool}")
    params = AllChem.ETKDGv3()
    params.randomSeed = seed
    cids = list(AllChem.EmbedMultipleConfs(mol, numConfs=n_conf, params=params))
    if not cids:
        raise RuntimeError(f"{name} ({smiles}): ETKDG found no conformer (seed {seed})")
    AllChem.MMFFOptimizeMoleculeConfs(mol, maxIters=2000)
    frames = np.stack([mol.GetConformer(c).GetPositions() for c in cids]).astype(np.float32)
    feats = element_indices([a.GetSymbol() for a in mol.GetAtoms()], where=f"{name} ({smiles})")
    os.makedirs(cache_dir, exist_ok=True)
    tmp = path + ".tmp.npz"
    np.savez(tmp, feats=feats, frames=frames)
    os.replace(tmp, path)
    return Molecule(name, feats, frames, "conformers")


def md_molecule(paths, stride=10):
    """Frames of one molecule's MMFF trajectories (lamslide_train.sim.mmff files: `positions` [R,F,N,3] Angstrom,
    `elements` [N], `name`), every `stride`-th frame of every trajectory and temperature."""
    frames, feats, name = [], None, None
    for p in paths:
        with np.load(p) as d:
            f = element_indices([str(e) for e in d["elements"]], where=p)
            if feats is not None and not np.array_equal(f, feats):
                raise ValueError(f"{p}: elements differ from the other trajectories of {name}")
            feats, name = f, str(d["name"])
            x = np.asarray(d["positions"], np.float32)
        frames.append(x[..., ::stride, :, :].reshape(-1, len(f), 3))
    return Molecule(name, feats, np.concatenate(frames), "md")


def molecule_set_split():
    """(train, unseen) lists of (name, smiles) from lamslide_train.sim.molecule_set, or None without it."""
    try:
        from .sim import molecule_set as ms
    except ImportError:
        return None
    return [(m.name, m.smiles) for m in ms.training()], [(m.name, m.smiles) for m in ms.unseen()]


def extra_training_molecules(train, unseen, max_similarity=0.35):
    """EXTRA_MOLECULES that are neither in `train` nor `unseen` (by canonical SMILES) and whose Tanimoto similarity
    (Morgan radius 2, 2048 bits) to every unseen molecule stays below max_similarity, the rule the molecule set
    uses for its own split: the additions make the training side broader, not closer to the unseen molecules."""
    from rdkit import Chem, DataStructs
    from rdkit.Chem import AllChem

    def fp(smi):
        return AllChem.GetMorganFingerprintAsBitVect(Chem.MolFromSmiles(smi), 2, 2048)

    known = {structure_key(s) for _, s in list(train) + list(unseen)}
    fps = [fp(s) for _, s in unseen]
    out = []
    for name, smi in EXTRA_MOLECULES:
        if structure_key(smi) in known:
            continue
        if fps and max(DataStructs.BulkTanimotoSimilarity(fp(smi), fps)) >= max_similarity:
            continue
        out.append((f"extra_{name}", smi))
    return out


def random_rotations(rng, n):
    """n uniformly distributed rotation matrices [n,3,3] (from unit quaternions)."""
    q = rng.normal(size=(n, 4))
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    w, x, y, z = q.T
    return np.stack([
        np.stack([1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)], -1),
        np.stack([2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)], -1),
        np.stack([2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)], -1),
    ], 1)


def normalise(frame, rot, shift, scale):
    """Centre on the centroid, rotate, shift (Angstrom), divide by scale."""
    x = frame - frame.mean(0, keepdims=True)
    return ((x @ rot.T) + shift) / scale


def make_batch(mols, rng, cfg: MolFirstStageConfig, batch):
    """Random frames of random molecules, noised (conformers), rotated, shifted, re-identified, padded."""
    mi = rng.integers(0, len(mols), batch)
    items = []
    for m in mi:
        mol = mols[m]
        x = mol.frames[rng.integers(0, len(mol.frames))].astype(np.float64)
        sig = rng.uniform(cfg.noise_lo, cfg.noise_hi) if mol.kind == "conformers" else cfg.md_noise
        if sig > 0:
            x = x + rng.normal(0, sig, x.shape)
        f = mol.feats
        if cfg.subset > 0 and rng.random() < cfg.subset and len(f) > 3:
            keep = np.sort(rng.permutation(len(f))[: rng.integers(3, len(f) + 1)])
            x, f = x[keep], f[keep]
        items.append((x, f))
    rots = random_rotations(rng, batch)
    return pack(items, rots, rng.normal(0, cfg.translate, (batch, 3)), rng, cfg)


def pack(items, rots, shifts, rng, cfg):
    n_max = max(len(f) for _, f in items)
    B = len(items)
    pos = np.zeros((B, n_max, 3), np.float32)
    ids = np.zeros((B, n_max), np.int32)
    feats = np.zeros((B, n_max), np.int32)
    mask = np.zeros((B, n_max), np.float32)
    for b, (x, f) in enumerate(items):
        n = len(f)
        if n > cfg.pool:
            raise ValueError(f"{n} atoms, more than the ID pool {cfg.pool}")
        perm = rng.permutation(cfg.pool).astype(np.int32)
        pos[b, :n] = normalise(x, rots[b], shifts[b], cfg.scale)
        feats[b, :n] = f
        mask[b, :n] = 1.0
        ids[b] = perm[:n_max]  # padding takes distinct unused IDs (mask 0), as the app does
    return tuple(torch.from_numpy(a) for a in (pos, ids, feats, mask))


def eval_set(mols, cfg, seed, frames_per_mol):
    """A fixed list of batches (one per molecule) of evaluation frames: rotated, noised like training (conformers
    get the middle of the noise range), fixed random IDs."""
    rng = np.random.default_rng(seed)
    out = []
    for mol in mols:
        fi = rng.choice(len(mol.frames), size=frames_per_mol, replace=len(mol.frames) < frames_per_mol)
        items = []
        for i in fi:
            x = mol.frames[i].astype(np.float64)
            if mol.kind == "conformers":
                x = x + rng.normal(0, 0.5 * (cfg.noise_lo + cfg.noise_hi), x.shape)
            items.append((x, mol.feats))
        rots = random_rotations(rng, len(items))
        out.append((mol.name, pack(items, rots, np.zeros((len(items), 3)), rng, cfg)))
    return out


# --------------------------------------------------------------------------------------------------------------
# losses, evaluation


def element_weights(mols, cfg):
    """Per-element cross-entropy weights (frequency ** -cfg.ce_balance over the training atoms, mean 1 per atom);
    None for plain cross-entropy. Rare elements (S, F, Cl) get more weight so they are not guessed as C or O."""
    if cfg.ce_balance <= 0:
        return None
    counts = np.ones(len(cfg.elements))
    for m in mols:
        counts += np.bincount(m.feats, minlength=len(cfg.elements))
    w = (counts / counts.sum()) ** -cfg.ce_balance
    w /= (w * counts).sum() / counts.sum()
    return torch.tensor(w, dtype=torch.float32)


def losses(model, pos, ids, feats, mask, cfg, ce_weight=None):
    """Masked position MSE, inter-distance MSE and element cross-entropy (normalised units)."""
    p, logits = model.decode_raw(model.encode_raw(pos, ids, feats, mask), ids)
    m = mask.unsqueeze(-1)
    cnt = mask.sum().clamp(min=1)
    mse = ((p - pos) ** 2 * m).sum() / (3 * cnt)
    pm = mask.unsqueeze(-1) * mask.unsqueeze(-2)
    dist = ((torch.cdist(p, p) - torch.cdist(pos, pos)) ** 2 * pm).sum() / pm.sum().clamp(min=1)
    ce = (nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), feats.reshape(-1).long(),
                                      weight=ce_weight, reduction="none") * mask.reshape(-1)).sum() / cnt
    return mse, dist, ce


@torch.no_grad()
def evaluate(model, sets, cfg, standardised=False):
    """Per molecule: mean over frames of the frame RMSD (Angstrom, no alignment) and element accuracy."""
    res = {}
    for name, (pos, ids, feats, mask) in sets:
        if standardised:
            p, lg = model.decode(model.encode(pos, ids, feats, mask), ids)
        else:
            p, lg = model.decode_raw(model.encode_raw(pos, ids, feats, mask), ids)
        sq = ((p - pos) ** 2).sum(-1) * mask
        rmsd = torch.sqrt(sq.sum(1) / mask.sum(1)) * cfg.scale
        acc = ((lg.argmax(-1).to(torch.int32) == feats).float() * mask).sum() / mask.sum()
        res[name] = {"rmsd": float(rmsd.mean()), "rmsd_max": float(rmsd.max()), "elements": float(acc),
                     "atoms": int(mask[0].sum())}
    return res


def summarise(res):
    if not res:
        return {"rmsd": float("nan"), "elements": float("nan")}
    w = np.array([r["atoms"] for r in res.values()], float)
    return {"rmsd": float(np.mean([r["rmsd"] for r in res.values()])),
            "rmsd_max": float(np.max([r["rmsd_max"] for r in res.values()])),
            "elements": float(np.sum([r["elements"] * a for r, a in zip(res.values(), w)]) / w.sum())}


@torch.no_grad()
def fit_latent_stats(model, mols, cfg, batches=16, seed=11):
    rng = np.random.default_rng(seed)
    zs = [model.encode_raw(*make_batch(mols, rng, cfg, 128)) for _ in range(batches)]
    z = torch.cat(zs)
    model.z_mu.copy_(z.mean(0))
    model.z_sd.copy_(z.std(0).clamp(min=1e-3))


# --------------------------------------------------------------------------------------------------------------
# training


def lr_at(step, cfg):
    if step < cfg.warmup:
        return cfg.lr * (step + 1) / cfg.warmup
    u = min(1.0, (step - cfg.warmup) / max(1, cfg.steps - cfg.warmup))
    return cfg.lr * (cfg.min_lr + (1 - cfg.min_lr) * 0.5 * (1 + math.cos(math.pi * u)))


def save_atomic(path, obj):
    tmp = path + ".tmp"
    torch.save(obj, tmp)
    os.replace(tmp, path)  # an interruption never leaves a half-written file


def load_molecules(cfg, log=print):
    """(training molecules, unseen molecules as conformers, unseen molecules as MD frames) for cfg.data.

    With lamslide_train.sim.molecule_set: its training molecules plus extra_training_molecules(); its unseen ones
    are never trained on. Without it (a checkout that lacks the set): MD17 + EXTRA_MOLECULES minus PROBE_UNSEEN."""
    cache = os.path.join(TRAINING_DIR, "cache", "mol_first_stage")
    split = molecule_set_split()
    if split is None:
        pool = list(MD17) + list(EXTRA_MOLECULES)
        names = cfg.eval_names or PROBE_UNSEEN
        unseen = [m for m in pool if m[0] in names]
        train = [m for m in pool if m[0] not in names]
        extra = []
    else:
        train, unseen = split
        extra = extra_training_molecules(train, unseen)
        if cfg.eval_names:
            unseen = [u for u in unseen if u[0] in cfg.eval_names]
    if cfg.train_names:
        train = [m for m in train if m[0] in cfg.train_names]
    conf = [conformer_molecule(n, s, cfg.conformers, cfg.seed + 7, cache, cfg.pool) for n, s in train + extra]
    un = [conformer_molecule(n, s, cfg.conformers, cfg.seed + 9, cache, cfg.pool) for n, s in unseen]
    tr, un_md = conf, []
    if cfg.data in ("md", "both"):
        md_tr, un_md = md_sets({n for n, _ in train}, {n for n, _ in unseen})
        if not md_tr:
            raise FileNotFoundError(f"data={cfg.data!r}: no trajectories of training molecules in {md_dir()}")
        # "both": MD frames of the set's training molecules and conformers of the extra molecules
        tr = md_tr if cfg.data == "md" else md_tr + conf[len(train):]
    log(f"data: {len(tr)} training molecules ({sum(m.kind == 'md' for m in tr)} from MD, {len(extra)} extra), "
        f"{len(un)} unseen ({', '.join(n for n, _ in unseen)}), {len(un_md)} unseen with MD frames")
    return tr, un, un_md


def md_dir():
    return os.environ.get("LAMSLIDE_MOL_MD", os.path.join(TRAINING_DIR, "cache", "molecules"))


def md_sets(train_names, unseen_names, stride=10):
    """MD molecules of the training and the unseen names found in md_dir() (files <name>_<T>K.npz)."""
    by_name = {}
    for p in sorted(glob.glob(os.path.join(md_dir(), "*K.npz"))):
        by_name.setdefault(os.path.basename(p).rsplit("_", 1)[0], []).append(p)
    tr = [md_molecule(ps, stride) for n, ps in sorted(by_name.items()) if n in train_names]
    # unseen: one set per file (molecule and temperature), so the numbers can be given per temperature
    un = []
    for n, ps in sorted(by_name.items()):
        if n in unseen_names:
            for p in ps:
                m = md_molecule([p], stride)
                un.append(dataclasses.replace(m, name=os.path.basename(p)[:-4]))
    return tr, un


def train(cfg: MolFirstStageConfig, out_dir, log=None, molecules=None, stop_at=None):
    """Trains into out_dir (resuming from out_dir/checkpoint.pt); `molecules` = (train, unseen, unseen MD) lists
    of Molecule, loaded by load_molecules(cfg) when not given. stop_at: leave after that step's checkpoint, as an
    interruption would (returns None)."""
    for key, allowed in (("geo_loss", ("mse", "log", "log_geo")), ("data", ("conformers", "md", "both"))):
        if getattr(cfg, key) not in allowed:
            raise ValueError(f"config {key} = {getattr(cfg, key)!r}: expected one of {allowed}")
    os.makedirs(out_dir, exist_ok=True)
    log = log or Logger(os.path.join(out_dir, "train.log"))
    torch.set_num_threads(1)
    torch.manual_seed(cfg.seed)
    tr, un, un_md = molecules or load_molecules(cfg, log)
    ev_train = eval_set(tr[: min(len(tr), 16)], cfg, 101, cfg.eval_frames)
    ev_unseen = eval_set(un, cfg, 202, cfg.eval_frames)
    ev_unseen_md = eval_set(un_md, cfg, 303, 4 * cfg.eval_frames)
    ce_weight = element_weights(tr, cfg)
    model = MolFirstStage(cfg)
    ema = copy.deepcopy(model).eval()
    for p in ema.parameters():
        p.requires_grad_(False)
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=cfg.lr,
                            weight_decay=cfg.weight_decay)
    ck = os.path.join(out_dir, "checkpoint.pt")
    step, wall, history = 0, 0.0, []
    rng = np.random.default_rng(cfg.seed)
    if os.path.exists(ck):
        st = torch.load(ck)
        if st["config"] != dataclasses.asdict(cfg):
            raise ValueError(f"{ck}: written with another config; delete it or train into another --out")
        model.load_state_dict(st["model"])
        ema.load_state_dict(st["ema"])
        opt.load_state_dict(st["opt"])
        step, wall, history = st["step"], st["wall"], st["history"]
        rng.bit_generator.state = st["rng"]
        log(f"resumed at step {step} ({wall:.0f}s trained)")
    else:
        log(f"config {json.dumps(dataclasses.asdict(cfg))}")
        log(f"parameters {count_params(model)}")
    t0 = time.time() - wall
    last_log = time.time()
    acc = np.zeros(4)
    nacc = 0

    def checkpoint():
        save_atomic(ck, {"config": dataclasses.asdict(cfg), "model": model.state_dict(), "ema": ema.state_dict(),
                         "opt": opt.state_dict(), "step": step, "wall": time.time() - t0, "history": history,
                         "rng": rng.bit_generator.state})

    while step < cfg.steps:
        for g in opt.param_groups:
            g["lr"] = lr_at(step, cfg)
        batch = make_batch(tr, rng, cfg, cfg.batch)
        mse, dist, ce = losses(model, *batch, cfg, ce_weight)
        geo = mse + cfg.w_dist * dist
        if cfg.geo_loss == "log":
            loss = torch.log(geo + 1e-12) + cfg.w_ce * torch.log(ce + 1e-12)
        elif cfg.geo_loss == "log_geo":
            loss = torch.log(geo + 1e-12) + cfg.w_ce * ce
        else:
            loss = geo + cfg.w_ce * ce
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        with torch.no_grad():
            d = min(cfg.ema, (1 + step) / (10 + step))
            for pe, pm in zip(ema.parameters(), model.parameters()):
                pe.mul_(d).add_(pm.detach(), alpha=1 - d)
            for be, bm in zip(ema.buffers(), model.buffers()):
                be.copy_(bm)
        step += 1
        acc += [loss.item(), mse.item(), dist.item(), ce.item()]
        nacc += 1
        if time.time() - last_log > cfg.log_every_s or step == cfg.steps:
            a = acc / max(nacc, 1)
            log(f"step {step}/{cfg.steps} lr {lr_at(step, cfg):.2e} loss {a[0]:.3e} rmse {math.sqrt(a[1] * 3) * cfg.scale:.4f} A "
                f"dist {a[2]:.2e} ce {a[3]:.2e} wall {time.time() - t0:.0f}s")
            acc[:] = 0
            nacc = 0
            last_log = time.time()
        if step % cfg.eval_every == 0 or step == cfg.steps:
            s_tr, s_un = summarise(evaluate(ema, ev_train, cfg)), summarise(evaluate(ema, ev_unseen, cfg))
            h = {"step": step, "wall_s": round(time.time() - t0, 1), "train": s_tr, "unseen": s_un}
            msg = (f"eval step {step}: train rmsd {s_tr['rmsd']:.4f} A elements {100 * s_tr['elements']:.2f}% | "
                   f"unseen rmsd {s_un['rmsd']:.4f} A (max {s_un['rmsd_max']:.3f}) elements "
                   f"{100 * s_un['elements']:.2f}%")
            if ev_unseen_md:
                h["unseen_md"] = s_md = summarise(evaluate(ema, ev_unseen_md, cfg))
                msg += (f" | unseen MD rmsd {s_md['rmsd']:.4f} A (max {s_md['rmsd_max']:.3f}) elements "
                        f"{100 * s_md['elements']:.2f}%")
            history.append(h)
            log(msg)
        if step % cfg.ckpt_every == 0 or step == cfg.steps:
            checkpoint()
            if stop_at is not None and step >= stop_at:
                return None, None
    wall = time.time() - t0
    fit_latent_stats(ema, tr, cfg)
    final = {"train": evaluate(ema, ev_train, cfg, standardised=True),
             "unseen": evaluate(ema, ev_unseen, cfg, standardised=True)}
    if un_md:
        final["unseen_md"] = evaluate(ema, ev_unseen_md, cfg, standardised=True)
    summary = {k: summarise(v) for k, v in final.items()}
    save_atomic(os.path.join(out_dir, "final.pt"), {"config": dataclasses.asdict(cfg), "ema": ema.state_dict()})
    report = {"config": dataclasses.asdict(cfg), "parameters": count_params(model), "steps": step,
              "wall_s": round(wall, 1), "latent": [cfg.L, cfg.C], "summary": summary, "per_molecule": final,
              "history": history}
    with open(os.path.join(out_dir, "result.json"), "w") as f:
        json.dump(report, f, indent=1)
    log(f"done: {json.dumps(summary)}")
    return ema, report


def config_from(d):
    d = dict(d)
    d["elements"] = tuple(d.get("elements", ELEMENTS))
    return MolFirstStageConfig(**d)


def load(path):
    """An EMA first stage from a final.pt (or an artifact): returns (model in eval mode, config)."""
    st = torch.load(path, map_location="cpu")
    cfg = config_from(st["config"])
    m = MolFirstStage(cfg)
    m.load_state_dict(st["ema"])
    return m.eval(), cfg


# --------------------------------------------------------------------------------------------------------------
# ONNX export


class EncoderGraph(nn.Module):
    def __init__(self, fs):
        super().__init__()
        self.fs = fs

    def forward(self, pos, ids, feats, mask):
        return self.fs.encode(pos, ids, feats, mask)


class DecoderGraph(nn.Module):
    def __init__(self, fs):
        super().__init__()
        self.fs = fs

    def forward(self, latent, ids):
        return self.fs.decode(latent, ids)


def export_onnx(model, out_dir):
    """encoder.onnx (pos, ids, feats, mask -> latent) and decoder.onnx (latent, ids -> pos, feat_logits), opset 17,
    B and N dynamic, with the v2 metadata; each graph is checked with onnx.checker."""
    import onnx
    os.makedirs(out_dir, exist_ok=True)
    model = model.eval()
    B, N = 2, 5
    pos = torch.randn(B, N, 3)
    ids = torch.arange(N, dtype=torch.int32).repeat(B, 1)
    feats = torch.zeros(B, N, dtype=torch.int32)
    mask = torch.ones(B, N)
    enc = os.path.join(out_dir, "encoder.onnx")
    dec = os.path.join(out_dir, "decoder.onnx")
    dyn = {0: "B", 1: "N"}
    torch.onnx.export(EncoderGraph(model), (pos, ids, feats, mask), enc, opset_version=17,
                      input_names=["pos", "ids", "feats", "mask"], output_names=["latent"],
                      dynamic_axes={"pos": dyn, "ids": dyn, "feats": dyn, "mask": dyn, "latent": {0: "B"}})
    lat = torch.randn(B, model.L, model.C)
    torch.onnx.export(DecoderGraph(model), (lat, ids), dec, opset_version=17, input_names=["latent", "ids"],
                      output_names=["pos", "feat_logits"],
                      dynamic_axes={"latent": {0: "B"}, "ids": dyn, "pos": dyn, "feat_logits": dyn})
    for p in (enc, dec):
        g = onnx.load(p)
        for k, v in (("lamslide.id_pool", str(model.pool)), ("lamslide.format", "lamslide-model/2")):
            e = g.metadata_props.add()
            e.key, e.value = k, v
        onnx.checker.check_model(g)
        onnx.save(g, p)
    return enc, dec


# --------------------------------------------------------------------------------------------------------------
# command line


def parse_set(pairs):
    """key=value overrides, typed from the config's defaults (lists: comma-separated)."""
    base = dataclasses.asdict(MolFirstStageConfig())
    out = {}
    for kv in pairs or []:
        if "=" not in kv:
            raise SystemExit(f"--set {kv!r}: expected key=value")
        k, v = kv.split("=", 1)
        if k not in base:
            raise SystemExit(f"--set {k}: no such setting (settings: {', '.join(base)})")
        t = type(base[k])
        if t is bool:
            out[k] = v.lower() in ("1", "true", "yes")
        elif t in (list, tuple):
            out[k] = [s for s in v.split(",") if s]
        else:
            out[k] = t(v)
    return out


def main(argv=None):
    ap = argparse.ArgumentParser(prog="python3 -m lamslide_train.mol_first_stage", description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train", help="train (resumes from OUT/checkpoint.pt)")
    t.add_argument("--out", required=True)
    t.add_argument("--config", help="JSON file with settings")
    t.add_argument("--set", nargs="*", help="key=value overrides")
    e = sub.add_parser("evaluate", help="reconstruction RMSD and element accuracy of saved weights")
    e.add_argument("--weights", required=True)
    x = sub.add_parser("export", help="ONNX encoder and decoder of saved weights")
    x.add_argument("--weights", required=True)
    x.add_argument("--out", required=True)
    a = ap.parse_args(argv)
    if a.cmd == "train":
        d = {}
        if a.config:
            with open(a.config) as f:
                d.update(json.load(f))
        d.update(parse_set(a.set))
        cfg = config_from(dataclasses.asdict(MolFirstStageConfig()) | d)
        train(cfg, a.out)
    elif a.cmd == "evaluate":
        torch.set_num_threads(1)
        model, cfg = load(a.weights)
        tr, un, un_md = load_molecules(cfg)
        out = {"unseen": summarise(evaluate(model, eval_set(un, cfg, 202, cfg.eval_frames), cfg, True))}
        if un_md:
            out["unseen_md"] = summarise(evaluate(model, eval_set(un_md, cfg, 303, 4 * cfg.eval_frames), cfg, True))
        print(json.dumps(out, indent=1))
    elif a.cmd == "export":
        model, _ = load(a.weights)
        for p in export_onnx(model, a.out):
            print(p)


if __name__ == "__main__":
    sys.exit(main())
