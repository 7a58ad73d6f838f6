"""No import circles inside sim/ (issue 9): the module import graph, function-level imports
included, has no cycle. A circle that only works because one side imports inside a function
is still a circle: the two modules cannot be read, tested or changed alone.

Imports under ``if __name__ == "__main__":`` count too (a command's module that imports what
imports it back is a circle to a reader all the same); imports under ``if TYPE_CHECKING:``
are left out (read by type checkers only, never run).
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import networkx as nx

SIM = Path(__file__).resolve().parents[1] / "sim"


def _module(path: Path) -> str:
    parts = list(path.relative_to(SIM.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking_block(node: ast.AST) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and (
        isinstance(test, ast.Name) and test.id == "TYPE_CHECKING"
        or isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _imports(tree: ast.AST, package: str):
    """Every module name an import statement names (``from a import b``: ``a`` and ``a.b``),
    relative imports resolved, ``TYPE_CHECKING`` blocks skipped."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if _is_type_checking_block(node):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(up + ([base] if base else []))
            yield base
            yield from (f"{base}.{a.name}" for a in node.names)
        stack.extend(ast.iter_child_nodes(node))


def import_graph() -> nx.DiGraph:
    files = {_module(p): p for p in SIM.rglob("*.py")}
    graph = nx.DiGraph()
    graph.add_nodes_from(files)
    for name, path in files.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for target in _imports(ast.parse(path.read_text(encoding="utf-8")), package):
            # importing a.b.c runs a/__init__.py and a/b/__init__.py too (except the
            # packages this module is in: they are being imported already)
            parts = target.split(".")
            for k in range(1, len(parts) + 1):
                head = ".".join(parts[:k])
                implicit_ancestor = k < len(parts) and name.startswith(head + ".")
                if head in files and head != name and not implicit_ancestor:
                    graph.add_edge(name, head)
    return graph


def test_the_graph_sees_function_level_imports():
    graph = import_graph()
    assert len(graph) > 40
    # sim.config.validation imports sim.experiments.plan inside check_design only
    assert graph.has_edge("sim.config.validation", "sim.experiments.plan")
    assert graph.has_edge("sim.mesa.model", "sim.mesa.collect")


def test_no_import_circle_inside_sim():
    graph = import_graph()
    cycles = sorted((c for c in nx.simple_cycles(graph)), key=len)
    shown = [" -> ".join([*c, c[0]]) for c in cycles[:10]]
    assert not cycles, f"{len(cycles)} import circle(s) inside sim/, e.g.\n" + "\n".join(shown)


def test_a_circle_is_found(tmp_path, monkeypatch):
    """The check can fail: two modules that import each other inside functions."""
    (tmp_path / "sim").mkdir()
    (tmp_path / "sim" / "__init__.py").write_text("")
    (tmp_path / "sim" / "a.py").write_text("def f():\n    from sim.b import g\n")
    (tmp_path / "sim" / "b.py").write_text("def g():\n    from sim import a\n")
    monkeypatch.setattr(sys.modules[__name__], "SIM", tmp_path / "sim")
    assert list(nx.simple_cycles(import_graph())) == [["sim.a", "sim.b"]] or \
        list(nx.simple_cycles(import_graph())) == [["sim.b", "sim.a"]]


def test_only_the_entry_point_imports_the_command_line():
    """The report, the sweep and the app stand on their own: nothing but ``python -m sim``
    (sim/__main__.py) reaches the command line's package (sim/cli/), directly or through
    another module."""
    graph = import_graph()
    cli = {m for m in graph if m == "sim.cli" or m.startswith("sim.cli.")}  # relayout: keep
    reaching = {m for m in graph if m not in cli and nx.descendants(graph, m) & cli}
    assert reaching == {"sim.__main__"}
