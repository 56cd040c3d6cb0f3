"""The layout shows the architecture: no import cycles, dependencies point down, one
question per module, and no module hides a missing Patron module behind ``except ImportError``."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "patron"

# Lower layers never import higher ones: cli/serve → demo → report → jobs → act → analyze →
# collect → core. The report sits above the jobs so that every figure it shows is the
# figure a job (and so a command) computes.
LAYERS = {
    "core": 0,
    "exceptions": 0,
    "collect": 1,
    "data": 1,
    "analyze": 2,
    "act": 3,
    "jobs": 4,
    "report": 5,
    "demo": 6,
    "serve": 7,
    "cli": 7,
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(SRC.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, *, anywhere: bool) -> set[str]:
    """Patron modules ``path`` imports: at module level, or (``anywhere``) also in functions."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = _everywhere(tree) if anywhere else _module_level(tree.body)
    found = set()
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.startswith("patron"):
                found.add(node.module)
                found.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("patron"))
    return found


def _everywhere(node: ast.AST):
    """Every node, but not the imports made for type checkers only."""
    yield node
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and "TYPE_CHECKING" in ast.unparse(child.test):
            continue
        yield from _everywhere(child)


def _module_level(body: list[ast.stmt]):
    for node in body:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            continue
        if isinstance(node, ast.If | ast.Try):
            yield from _module_level(node.body)
            for handler in getattr(node, "handlers", []):
                yield from _module_level(handler.body)
            yield from _module_level(node.orelse)
            continue
        yield node


def _graph(*, anywhere: bool) -> dict[str, set[str]]:
    modules = {_module_name(p): p for p in SRC.rglob("*.py") if "migrations" not in p.parts}
    graph = {}
    for name, path in modules.items():
        targets = {t for t in _imports(path, anywhere=anywhere) if t in modules}
        graph[name] = {t for t in targets if t != name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = [0]

    def visit(v: str) -> None:
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def _package_parents(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    # A package's __init__ re-exporting its modules is not a cycle of meaning: count the
    # edges between modules only.
    packages = {m for m in graph if (SRC.parent / m.replace(".", "/") / "__init__.py").exists()}
    return {m: {t for t in ts if t not in packages} for m, ts in graph.items() if m not in packages}


def test_no_import_cycles() -> None:
    cycles = _cycles(_package_parents(_graph(anywhere=True)))
    assert cycles == [], "import cycles: " + "; ".join(" ↔ ".join(c) for c in cycles)


def test_dependencies_point_down() -> None:
    wrong = []
    for module, targets in _graph(anywhere=True).items():
        layer = LAYERS.get(module.split(".")[1] if "." in module else "", 0)
        for target in targets:
            target_layer = LAYERS.get(target.split(".")[1] if "." in target else "", 0)
            if target_layer > layer:
                wrong.append(f"{module} → {target}")
    assert wrong == [], "imports that point up: " + ", ".join(sorted(wrong))


def test_no_import_error_around_patron_modules() -> None:
    hidden = []
    for path in SRC.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Try):
                continue
            names = {ast.unparse(h.type) for h in node.handlers if h.type is not None}
            if not names & {"ImportError", "ModuleNotFoundError"}:
                continue
            if any(
                (isinstance(n, ast.ImportFrom) and (n.module or "").startswith("patron"))
                or (isinstance(n, ast.Import) and any(a.name.startswith("patron") for a in n.names))
                for n in ast.walk(ast.Module(body=node.body, type_ignores=[]))
            ):
                hidden.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert hidden == [], "except ImportError around Patron's own modules: " + ", ".join(hidden)


def test_modules_stay_small() -> None:
    large = {
        str(p.relative_to(SRC)): n
        for p in SRC.rglob("*.py")
        if "migrations" not in p.parts
        and (n := len(p.read_text(encoding="utf-8").splitlines())) > 650
    }
    assert large == {}, f"modules over 650 lines (split them by question): {large}"
