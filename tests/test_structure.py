"""The house rules, checked: thin pages, no import cycle, one controls table, one page registry."""

from __future__ import annotations

import ast
import dataclasses
from pathlib import Path

import pytest

from ui import controls, pages, resources

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("attention_core", "classroom", "ui", "views")


def _modules() -> dict[str, Path]:
    """The project's own modules: dotted name -> file."""
    found = {"app": ROOT / "app.py"}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The project modules that ``name`` imports (absolute, relative, and ``from pkg import module``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        out |= {t for t in targets if t in known and t != name}
    return out


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _imports(name, path, set(modules)) for name, path in modules.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle as a list of modules, or None (depth-first search with colours)."""
    colour, stack = dict.fromkeys(graph, 0), []

    def visit(node: str) -> list[str] | None:
        colour[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if colour[nxt] == 1:
                return stack[stack.index(nxt):] + [nxt]
            if colour[nxt] == 0 and (cycle := visit(nxt)):
                return cycle
        colour[node] = 2
        stack.pop()
        return None

    for node in sorted(graph):
        if colour[node] == 0 and (cycle := visit(node)):
            return cycle
    return None


def test_the_project_has_no_import_cycle():
    graph = import_graph()
    assert "ui.state" in graph["ui.readout"] and "attention_core" in graph["ui.state"]  # the graph sees imports
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph))


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_the_store_never_imports_streamlit():
    for path in (ROOT / "classroom").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        names |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        assert not any(m.split(".")[0] in ("streamlit", "altair", "ui", "views") for m in names), path.name


def test_arrows_point_down():
    graph = import_graph()
    for name, deps in graph.items():
        if name.startswith("attention_core"):
            assert not any(d.startswith(("ui", "views", "classroom")) or d == "app" for d in deps), name
        if name.startswith("classroom"):  # the class poll's store: below ui, beside the core
            assert not any(d.startswith(("ui", "views")) or d == "app" for d in deps), name
        if name.startswith("ui"):
            assert not any(d.startswith("views") or d == "app" for d in deps), name


@pytest.mark.parametrize("path", sorted((ROOT / "views").glob("*.py")), ids=lambda p: p.name)
def test_pages_are_thin_and_never_compute_attention(path):
    source = path.read_text(encoding="utf-8")
    assert len(source.splitlines()) <= 120, f"{path.name} has {len(source.splitlines())} lines"
    calls = {node.func.attr for node in ast.walk(ast.parse(source))
             if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)}
    assert not calls & {"self_attention", "attention", "train_projections", "softmax"}, path.name


@pytest.mark.parametrize("path", sorted((ROOT / "ui").glob("*.py")), ids=lambda p: p.name)
def test_ui_modules_stay_small(path):
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 300, path.name


def test_page_registry_is_the_one_list():
    assert [p.path for p in pages.PAGES] == sorted({p.path for p in pages.PAGES}, key=[p.path for p in
                                                                                        pages.PAGES].index)
    assert {p.path for p in pages.PAGES} == {f"views/{p.name}" for p in (ROOT / "views").glob("*.py")}
    assert sum(not p.url for p in pages.PAGES) == 1  # one default page
    assert "PAGES" in (ROOT / "app.py").read_text() and "views/" not in (ROOT / "app.py").read_text()


def test_settings_and_link_names_come_from_the_controls_table():
    sidebar_keys = [c.key for c in controls.CONTROLS if c.section]
    assert [f.name for f in dataclasses.fields(controls.Settings)] == sidebar_keys
    assert set(controls.LINK_NAMES) == {c.key for c in controls.CONTROLS if c.in_link}
    for c in controls.CONTROLS:
        if c.kind in ("select", "radio", "segmented", "tabs"):
            assert controls._accepts(c, c.options[c.default]) and not controls._accepts(c, "nope")
        if c.kind == "number":
            lo, hi = c.limits
            assert lo <= c.default <= hi
            assert controls._accepts(c, str(lo)) and not controls._accepts(c, str(hi + 1))
            assert controls._accepts(c, "1.5") == isinstance(c.default, float)  # whole-number rows refuse 1.5
            assert not controls._accepts(c, "-3" if lo >= 0 else "x") and not controls._accepts(c, "nan")


def test_training_store_evicts_the_oldest_run():
    store = resources.TrainingStore(size=2)
    calls = []

    def train(tag):
        return lambda: calls.append(tag) or tag

    assert store.get((1, 0, True), train("a")) == "a"
    assert store.get((2, 0, True), train("b")) == "b"
    assert store.get((1, 0, True), train("again")) == "a" and calls == ["a", "b"]  # cached: trained once
    assert store.get((3, 0, True), train("c")) == "c"
    assert list(store.runs) == [(2, 0, True), (3, 0, True)] and len(store.runs) == 2
