"""ONNX export, contract v1 and v2: graph inputs/outputs (names, int32/float32, dynamic B and N), metadata_props,
onnx.checker, the manifest writer and the fixtures. There is no onnxruntime for Python here: the numbers of the
exported graphs are checked against these fixtures by onnxruntime-web in Node (test/models/v2-tiny.test.ts replays
the committed test/models/v2-tiny, which the last test here pins to what this exporter writes today)."""
import json
import os

import numpy as np
import onnx
from onnx import numpy_helper
import pytest
import torch

from conftest import REPO
from lamslide_train.contract_model import tiny_model, write_contract_model
from lamslide_train.domains.pedestrian import PedestrianConfig
from lamslide_train.stages.approximator import make_approximator
from lamslide_train.stages.export import export_graphs, sha256, write_fixtures
from lamslide_train.stages.first_stage import make_first_stage

FLOAT, INT32 = onnx.TensorProto.FLOAT, onnx.TensorProto.INT32
COMMITTED = os.path.join(REPO, "test", "models", "v2-tiny")


def signature(values):
    """name -> (element type, dims as ints or 'sym')."""
    out = {}
    for v in values:
        tt = v.type.tensor_type
        out[v.name] = (tt.elem_type, [d.dim_value if d.HasField("dim_value") else "sym" for d in tt.shape.dim])
    return out


def load_graphs(folder):
    graphs = {}
    for g in ("encoder", "approximator", "decoder"):
        m = onnx.load(os.path.join(folder, f"{g}.onnx"))
        onnx.checker.check_model(m, full_check=True)
        assert [o.version for o in m.opset_import if o.domain in ("", "ai.onnx")] == [17]
        graphs[g] = m
    return graphs


def check_common(graphs, T, L, C, pool):
    for g, m in graphs.items():
        assert {p.key: p.value for p in m.metadata_props} == {"lamslide.id_pool": str(pool),
                                                              "lamslide.format": "lamslide-model/2"}, g
    ap = graphs["approximator"]
    assert signature(ap.graph.input) == {"x": (FLOAT, ["sym", T, L, C]), "t": (FLOAT, ["sym"]),
                                         "cond": (FLOAT, ["sym", T, L, C]), "cond_mask": (INT32, ["sym", T, L])}
    assert signature(ap.graph.output) == {"x1_pred": (FLOAT, ["sym", T, L, C])}


def tiny_v1():
    cfg = PedestrianConfig().replace(**{
        "observed": 3, "future": 2, "first_stage.pool": 8, "first_stage.id_dim": 8, "first_stage.L": 2,
        "first_stage.C": 8, "approximator.hidden": 16, "approximator.heads": 2, "approximator.depth": 1}).validate()
    torch.manual_seed(0)
    fs, ap = make_first_stage(cfg).eval(), make_approximator(cfg).eval()
    ap.set_resvar(torch.linspace(0.01, 0.1, cfg.T))
    with torch.no_grad():
        for p in ap.parameters():
            p.add_(torch.randn_like(p) * 0.1)
    return cfg, fs, ap


def test_v1_style_export(tmp_path):
    cfg, fs, ap = tiny_v1()
    export_graphs(fs, ap, cfg, str(tmp_path))
    write_fixtures(fs, ap, cfg, str(tmp_path))
    graphs = load_graphs(str(tmp_path))
    check_common(graphs, cfg.T, 2, 8, 8)
    assert signature(graphs["encoder"].graph.input) == {"pos": (FLOAT, ["sym", "sym", 2]), "ids": (INT32, ["sym", "sym"]),
                                                        "mask": (FLOAT, ["sym", "sym"])}
    assert signature(graphs["decoder"].graph.output) == {"pos": (FLOAT, ["sym", "sym", 2])}
    with open(tmp_path / "fixtures" / "fixtures.json") as f:
        fx = json.load(f)
    assert "feats" not in fx["encoder"]["inputs"] and "feat_logits" not in fx["decoder"]["outputs"]
    assert "feats" not in fx["rollout"]["window"]
    # the fixtures are the PyTorch model's outputs on the recorded inputs
    t = {k: torch.tensor(v["data"]).reshape(v["shape"]) for k, v in fx["decoder"]["inputs"].items()}
    want = fs.decode(t["latent"].float(), t["ids"].to(torch.int32))
    assert np.allclose(want.detach().numpy().ravel(), fx["decoder"]["outputs"]["pos"]["data"], atol=1e-6)
    r = fx["rollout"]
    assert r["pos_out"]["shape"] == [2, cfg.T, 6, 2] and r["x_final"]["shape"] == [2, cfg.T, 2, 8]


def test_v2_export_with_features(tmp_path):
    man = write_contract_model(str(tmp_path))
    cfg, fs, ap = tiny_model()
    F = len(cfg.vocab)
    graphs = load_graphs(str(tmp_path))
    check_common(graphs, cfg.T, 4, 8, 8)
    assert signature(graphs["encoder"].graph.input) == {
        "pos": (FLOAT, ["sym", "sym", 3]), "ids": (INT32, ["sym", "sym"]), "mask": (FLOAT, ["sym", "sym"]),
        "feats": (INT32, ["sym", "sym"])}
    assert list(signature(graphs["encoder"].graph.output)) == ["latent"]
    assert signature(graphs["decoder"].graph.input) == {"latent": (FLOAT, ["sym", 4, 8]), "ids": (INT32, ["sym", "sym"])}
    dec_out = signature(graphs["decoder"].graph.output)
    assert dec_out["pos"] == (FLOAT, ["sym", "sym", 3])
    assert dec_out["feat_logits"][0] == FLOAT and dec_out["feat_logits"][1][2] == F
    # no int64 value crosses a graph boundary (WebGPU has none)
    for m in graphs.values():
        for v in list(m.graph.input) + list(m.graph.output):
            assert v.type.tensor_type.elem_type in (FLOAT, INT32)
    # manifest v2
    assert man["format"] == "lamslide-model/2" and man["domain"] == "molecule" and man["dims"] == 3
    assert man["first_stage"] == {"kind": "learned", "layout": "shared"}
    assert man["features"] == {"key": "element", "vocab": ["H", "C", "N", "O"]}
    assert man["length_unit"] == "Å" and man["frame_interval"] == {"value": 5.0, "unit": "fs"}
    assert "scope" not in man
    for k, f in man["files"].items():
        assert sha256(os.path.join(str(tmp_path), f["path"])) == f["sha256"], k
    with open(tmp_path / "manifest.json", encoding="utf-8") as f:
        assert json.load(f) == man
    # fixtures v2
    with open(tmp_path / "fixtures" / "fixtures.json") as f:
        fx = json.load(f)
    enc = fx["encoder"]["inputs"]
    assert enc["feats"]["dtype"] == "int32" and enc["feats"]["shape"] == [2, 5]
    feats = np.array(enc["feats"]["data"]).reshape(2, 5)
    mask = np.array(enc["mask"]["data"]).reshape(2, 5)
    assert ((feats >= 0) & (feats < F)).all() and (feats[mask == 0] == 0).all()
    assert fx["decoder"]["outputs"]["feat_logits"]["shape"] == [2, 5, F]
    win = fx["rollout"]["window"]
    assert win["feats"]["dtype"] == "int32" and win["feats"]["shape"] == [win["pos"]["shape"][1]]
    # PyTorch on the fixture inputs gives the fixture outputs (features included)
    t = {k: torch.tensor(v["data"]).reshape(v["shape"]) for k, v in enc.items()}
    z = fs.encode(t["pos"].float(), t["ids"].to(torch.int32), t["mask"].float(), t["feats"].to(torch.int32))
    assert np.allclose(z.detach().numpy().ravel(), fx["encoder"]["outputs"]["latent"]["data"], atol=1e-6)


def test_a_vocabulary_needs_room_in_the_binding_code():
    """A binding code carries a vocabulary as F more channels per ID (tests/test_slot_features.py): the latent must
    hold id_dim x (dims + F) coordinates."""
    cfg = PedestrianConfig().replace(**{"features.key": "group", "features.vocab": ["PLAYER", "BALL"]})
    with pytest.raises(ValueError, match=r"id_dim \* \(dims \+ vocabulary size\) == L \* C"):
        cfg.validate()
    cfg.replace(**{"first_stage.C": 128}).validate()


def numbers(a, b, path="fixtures"):
    """Walks two fixture files; returns the largest absolute difference of their tensors (structure must match)."""
    if isinstance(a, dict) and "dtype" in a:
        assert (a["dtype"], a["shape"]) == (b["dtype"], b["shape"]), path
        x, y = np.asarray(a["data"], np.float64), np.asarray(b["data"], np.float64)
        return float(np.abs(x - y).max()) if x.size else 0.0
    if isinstance(a, dict):
        assert set(a) == set(b), (path, set(a) ^ set(b))
        return max([numbers(a[k], b[k], f"{path}.{k}") for k in a] or [0.0])
    if isinstance(a, list) and a and isinstance(a[0], dict):
        return max(numbers(x, y, f"{path}[{i}]") for i, (x, y) in enumerate(zip(a, b)))
    assert a == b, (path, a, b)
    return 0.0


def test_committed_contract_model_is_what_the_exporter_writes(tmp_path):
    """test/models/v2-tiny (replayed by onnxruntime-web in test/models/v2-tiny.test.ts) must be regenerated with
    `python3 -m lamslide_train.contract_model --out ../../test/models/v2-tiny` when the exporter changes."""
    if not os.path.isdir(COMMITTED):
        pytest.skip(f"{COMMITTED} missing")
    write_contract_model(str(tmp_path))
    with open(os.path.join(COMMITTED, "fixtures", "fixtures.json")) as f, \
            open(tmp_path / "fixtures" / "fixtures.json") as g:
        # a few float32 units in the last place: the committed model was written on another CPU (test_shipped.ULPS)
        assert numbers(json.load(f), json.load(g)) <= 2e-5
    for name in ("encoder", "approximator", "decoder"):
        old, new = onnx.load(os.path.join(COMMITTED, f"{name}.onnx")), onnx.load(str(tmp_path / f"{name}.onnx"))
        # the ops, inputs and outputs byte for byte; the weights to a few float32 ULPs, since the orthogonal ID table
        # comes from a QR decomposition whose LAPACK rounds differently on another CPU (measured 2.7e-7)
        for part in ("node", "input", "output"):
            assert [x.SerializeToString() for x in getattr(old.graph, part)] == \
                [x.SerializeToString() for x in getattr(new.graph, part)], (name, part)
        wo = {i.name: numpy_helper.to_array(i) for i in old.graph.initializer}
        wn = {i.name: numpy_helper.to_array(i) for i in new.graph.initializer}
        assert wo.keys() == wn.keys(), name
        for k in wo:
            assert wo[k].dtype == wn[k].dtype and wo[k].shape == wn[k].shape, (name, k)
            assert np.abs(wo[k].astype(np.float64) - wn[k].astype(np.float64)).max(initial=0.0) <= 2e-5, (name, k)
        assert list(old.metadata_props) == list(new.metadata_props), name
    with open(os.path.join(COMMITTED, "manifest.json"), encoding="utf-8") as f:
        committed = json.load(f)
    with open(tmp_path / "manifest.json", encoding="utf-8") as f:
        fresh = json.load(f)
    for m in (committed, fresh):
        m.pop("files")
        m["provenance"].pop("torch")
    assert committed == fresh


@pytest.mark.parametrize("pool", [6, 7, 8, 43, 44, 96, 200])
def test_fixture_ids_are_distinct_and_inside_the_pool(pool):
    from lamslide_train.stages.export import fixture_ids
    ids = fixture_ids(pool)
    assert ids.dtype == torch.int32 and ids.shape == (2, 5)
    for row in ids.tolist():
        assert len(set(row)) == 5 and 0 <= min(row) and max(row) < pool
    assert pool - 1 in ids[0].tolist()  # the top of the pool is exercised


def test_fixtures_need_a_pool_of_six():
    from lamslide_train.stages.export import fixture_ids
    with pytest.raises(ValueError, match="at least 6"):
        fixture_ids(5)
