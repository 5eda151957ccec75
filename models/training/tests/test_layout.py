"""The package's shape: no import cycles, and the shared stages know nothing of domains or of the commands."""
import ast
import os

from conftest import TRAINING

PKG = os.path.join(TRAINING, "lamslide_train")


def module_imports():
    """module name -> the lamslide_train modules it imports (anywhere in the file, also inside functions)."""
    graph = {}
    for root, _, files in os.walk(PKG):
        for f in files:
            if not f.endswith(".py"):
                continue
            path = os.path.join(root, f)
            rel = os.path.relpath(path, TRAINING)[:-3].replace(os.sep, ".")
            name = rel[:-len(".__init__")] if rel.endswith(".__init__") else rel
            package = name if f == "__init__.py" else name.rsplit(".", 1)[0]
            deps = set()
            for node in ast.walk(ast.parse(open(path).read(), path)):
                if isinstance(node, ast.ImportFrom):
                    if node.level:
                        base = package.split(".")
                        base = base[:len(base) - node.level + 1]
                        mod = ".".join(base + ([node.module] if node.module else []))
                    else:
                        mod = node.module or ""
                    targets = [mod] + [f"{mod}.{a.name}" for a in node.names]
                elif isinstance(node, ast.Import):
                    targets = [a.name for a in node.names]
                else:
                    continue
                deps.update(t for t in targets if t.startswith("lamslide_train"))
            graph[name] = deps
    # keep only edges to modules that exist (an imported name may be a function, not a module)
    return {m: {d for d in deps if d in graph and d != m} for m, deps in graph.items()}


def test_no_import_cycles():
    graph = module_imports()
    assert "lamslide_train.build" in graph and "lamslide_train.stages.export" in graph
    state = {}

    def visit(m, path):
        state[m] = "open"
        for d in sorted(graph[m]):
            if state.get(d) == "open":
                raise AssertionError("import cycle: " + " -> ".join(path[path.index(d):] + [d]))
            if d not in state:
                visit(d, path + [d])
        state[m] = "done"

    for m in sorted(graph):
        if m not in state:
            visit(m, [m])


def test_stages_are_domain_free():
    for m, deps in module_imports().items():
        if m.startswith("lamslide_train.stages") or m in ("lamslide_train.config", "lamslide_train.metrics"):
            bad = [d for d in deps if not (d.startswith("lamslide_train.stages") or d == "lamslide_train.config")]
            assert not bad, f"{m} imports {bad}"
        if m.startswith("lamslide_train.domains"):
            bad = [d for d in deps if d.split(".")[1:2] in (["build"], ["cards"], ["weights"], ["evaluate"], ["bench_torch"])]
            assert not bad, f"{m} imports {bad}"
