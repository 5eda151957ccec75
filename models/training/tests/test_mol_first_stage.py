"""The learned molecular first stage: shapes, masking, permutation, augmentation, resume, export, shipped weights."""
import dataclasses
import os

import numpy as np
import pytest
import torch

from lamslide_train import mol_first_stage as mfs

ARTIFACT = os.path.join(os.path.dirname(os.path.dirname(__file__)), "artifacts", "mol_first_stage.pt")


def small_cfg(**kw):
    base = dict(hidden=32, heads=4, L=4, C=16, id_dim=32, enc_self=1, dec_self=1, dec_cross=1, n_freq=4)
    base.update(kw)
    return mfs.MolFirstStageConfig(**base)


def scene(rng, B, N, pool=32, F=7):
    pos = torch.from_numpy(rng.normal(size=(B, N, 3)).astype(np.float32))
    ids = torch.from_numpy(np.stack([rng.permutation(pool)[:N] for _ in range(B)]).astype(np.int32))
    feats = torch.from_numpy(rng.integers(0, F, (B, N)).astype(np.int32))
    return pos, ids, feats, torch.ones(B, N)


@pytest.mark.parametrize("binding", ["mul", "concat"])
def test_shapes_whatever_the_number_of_atoms(binding):
    cfg = small_cfg(binding=binding)
    m = mfs.MolFirstStage(cfg).eval()
    rng = np.random.default_rng(0)
    for N in (1, 7, 32):
        pos, ids, feats, mask = scene(rng, 3, N)
        z = m.encode(pos, ids, feats, mask)
        assert z.shape == (3, cfg.L, cfg.C)
        p, lg = m.decode(z, ids)
        assert p.shape == (3, N, 3) and lg.shape == (3, N, len(mfs.ELEMENTS))


def test_padded_atoms_do_not_change_the_latent():
    m = mfs.MolFirstStage(small_cfg()).eval()
    rng = np.random.default_rng(1)
    pos, ids, feats, mask = scene(rng, 2, 9)
    z = m.encode(pos, ids, feats, mask)
    # pad to 14 with garbage positions, other ids and features, masked out
    pad = 5
    pos2 = torch.cat([pos, torch.randn(2, pad, 3) * 50], 1)
    used = [set(r.tolist()) for r in ids]
    rest = torch.tensor([[i for i in range(32) if i not in u][:pad] for u in used], dtype=torch.int32)
    ids2 = torch.cat([ids, rest], 1)
    feats2 = torch.cat([feats, torch.full((2, pad), 3, dtype=torch.int32)], 1)
    mask2 = torch.cat([mask, torch.zeros(2, pad)], 1)
    z2 = m.encode(pos2, ids2, feats2, mask2)
    assert torch.allclose(z, z2, atol=1e-6)
    # a masked atom really is ignored: changing it changes nothing, unmasking it does change the latent
    mask3 = mask2.clone()
    mask3[:, 9] = 1
    assert not torch.allclose(z, m.encode(pos2, ids2, feats2, mask3), atol=1e-4)


def test_permuting_atoms_with_their_ids_permutes_the_decoded_positions():
    m = mfs.MolFirstStage(small_cfg()).eval()
    rng = np.random.default_rng(2)
    pos, ids, feats, mask = scene(rng, 2, 11)
    p, lg = m.decode(m.encode(pos, ids, feats, mask), ids)
    perm = torch.from_numpy(rng.permutation(11))
    pp, lgp = m.decode(m.encode(pos[:, perm], ids[:, perm], feats[:, perm], mask[:, perm]), ids[:, perm])
    assert torch.allclose(pp, p[:, perm], atol=1e-5)
    assert torch.allclose(lgp, lg[:, perm], atol=1e-5)
    # the ID, not the order, tells the decoder which atom it is asked about: other IDs give other answers
    other = (ids + 1) % 32
    assert not torch.allclose(m.decode(m.encode(pos, other, feats, mask), ids)[0], p, atol=1e-4)


def test_random_rotations_are_uniform_proper_rotations():
    rng = np.random.default_rng(3)
    R = mfs.random_rotations(rng, 4000)
    eye = np.broadcast_to(np.eye(3), R.shape)
    assert np.allclose(R @ R.transpose(0, 2, 1), eye, atol=1e-10)
    assert np.allclose(np.linalg.det(R), 1.0)
    # uniform on SO(3): a fixed vector lands uniformly on the sphere (mean ~ 0, second moment ~ I/3)
    v = R @ np.array([0.0, 0.0, 1.0])
    assert np.abs(v.mean(0)).max() < 0.05
    assert np.allclose(v.T @ v / len(v), np.eye(3) / 3, atol=0.03)


def test_normalisation_centres_rotates_shifts_and_scales():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(10, 3)) * 2 + 5
    R = mfs.random_rotations(rng, 1)[0]
    shift = np.array([0.1, -0.2, 0.05])
    y = mfs.normalise(x, R, shift, 2.0)
    assert np.allclose(y.mean(0), shift / 2.0)
    d = lambda a: np.linalg.norm(a[:, None] - a[None], axis=-1)  # noqa: E731
    assert np.allclose(d(y) * 2.0, d(x))
    assert np.allclose((y - shift / 2.0) * 2.0, (x - x.mean(0)) @ R.T)


def toy_molecules():
    """Two small synthetic molecules (no RDKit needed): frames are the base geometry plus small jitter."""
    rng = np.random.default_rng(5)
    out = []
    for name, n in (("a", 5), ("b", 8)):
        base = rng.normal(size=(n, 3)) * 1.5
        frames = (base + rng.normal(0, 0.05, (6, n, 3))).astype(np.float32)
        out.append(mfs.Molecule(name, rng.integers(0, 7, n).astype(np.int32), frames, "conformers"))
    return out


def test_training_resumes_from_its_checkpoint_exactly(tmp_path):
    mols = toy_molecules()
    data = (mols[:1], mols[1:], [])
    cfg = small_cfg(steps=6, batch=4, warmup=2, eval_every=3, ckpt_every=3, eval_frames=2)
    quiet = lambda s: None  # noqa: E731
    straight, _ = mfs.train(cfg, str(tmp_path / "straight"), log=quiet, molecules=data)
    # the same run interrupted after its step-3 checkpoint, then started again
    assert mfs.train(cfg, str(tmp_path / "resumed"), log=quiet, molecules=data, stop_at=3) == (None, None)
    assert not os.path.exists(tmp_path / "resumed" / "final.pt")
    logs = []
    resumed, report = mfs.train(cfg, str(tmp_path / "resumed"), log=logs.append, molecules=data)
    assert any("resumed at step 3" in line for line in logs)
    for (k, a), b in zip(straight.state_dict().items(), resumed.state_dict().values()):
        assert torch.equal(a, b), k
    assert report["steps"] == 6 and [h["step"] for h in report["history"]] == [3, 6]
    # a checkpoint of another configuration is refused, naming the file
    with pytest.raises(ValueError, match="checkpoint.pt: written with another config"):
        mfs.train(dataclasses.replace(cfg, lr=5e-4), str(tmp_path / "resumed"), log=quiet, molecules=data)
    # the saved final weights load back into the same EMA model
    loaded, lcfg = mfs.load(str(tmp_path / "resumed" / "final.pt"))
    assert lcfg == cfg
    for a, b in zip(loaded.state_dict().values(), resumed.state_dict().values()):
        assert torch.equal(a, b)


def test_batches_are_padded_with_distinct_unused_ids_and_refuse_too_many_atoms():
    cfg = small_cfg(subset=0.5)
    rng = np.random.default_rng(6)
    pos, ids, feats, mask = mfs.make_batch(toy_molecules(), rng, cfg, 16)
    for r in ids:
        assert len(set(r.tolist())) == len(r)  # injective, padding included
    n = mask.sum(1)
    assert torch.allclose((pos * mask[..., None]).sum(1) / n[:, None] * cfg.scale, torch.zeros(16, 3), atol=0.5)
    big = [(np.zeros((33, 3)), np.zeros(33, np.int32))]
    with pytest.raises(ValueError, match="33 atoms, more than the ID pool 32"):
        mfs.pack(big, np.eye(3)[None], np.zeros((1, 3)), rng, cfg)
    with pytest.raises(ValueError, match="atom 1 is 'Br'"):
        mfs.element_indices(["C", "Br"], where="x.xyz")


def test_onnx_export_is_valid_with_int32_inputs(tmp_path):
    onnx = pytest.importorskip("onnx")
    m = mfs.MolFirstStage(small_cfg())
    enc, dec = mfs.export_onnx(m, str(tmp_path))
    ge, gd = onnx.load(enc), onnx.load(dec)
    int32 = onnx.TensorProto.INT32
    types = {i.name: i.type.tensor_type.elem_type for i in ge.graph.input}
    assert types == {"pos": onnx.TensorProto.FLOAT, "ids": int32, "feats": int32, "mask": onnx.TensorProto.FLOAT}
    assert [o.name for o in gd.graph.output] == ["pos", "feat_logits"]
    assert {i.name: i.type.tensor_type.elem_type for i in gd.graph.input}["ids"] == int32
    for g in (ge, gd):
        meta = {p.key: p.value for p in g.metadata_props}
        assert meta == {"lamslide.id_pool": "32", "lamslide.format": "lamslide-model/2"}
        # no int64 data inside: every Cast goes to float or int32, never to int64
        for node in g.graph.node:
            if node.op_type == "Cast":
                to = [a.i for a in node.attribute if a.name == "to"][0]
                assert to != onnx.TensorProto.INT64, node.name


@pytest.mark.skipif(not os.path.exists(ARTIFACT), reason="no shipped first-stage weights")
def test_shipped_weights_reconstruct_an_unseen_molecule():
    """The shipped EMA weights on a molecule outside every training list (RDKit conformers, random rotation)."""
    pytest.importorskip("rdkit")
    model, cfg = mfs.load(ARTIFACT)
    torch.set_num_threads(1)
    mol = mfs.conformer_molecule("probe", "CC(C)(C)c1ccc(O)cc1", 4, 123, str(_tmp_cache()), cfg.pool)
    sets = mfs.eval_set([mol], cfg, 7, 8)
    r = mfs.evaluate(model, sets, cfg, standardised=True)["probe"]
    assert r["elements"] == 1.0
    assert r["rmsd"] < 0.1, r


def _tmp_cache():
    import tempfile
    return tempfile.mkdtemp(prefix="molfs-")
