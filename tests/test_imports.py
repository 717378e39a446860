"""The package's import graph: no cycles among ``odforecast`` modules, no module sharing its name
with a function, and a light ``import odforecast``.

The graph is read from the source with :mod:`ast` (nothing is imported): an edge for every
``import odforecast...`` / ``from odforecast... import ...`` statement, at module level or inside
a function, except under ``if TYPE_CHECKING:``.  ``from odforecast.x import y`` is an edge to
``odforecast.x.y`` when that is a module, else to ``odforecast.x``.  Only explicit statements
count: Python running a parent package's ``__init__`` before a submodule is not an edge, and a
package's ``__init__`` importing (re-exporting) its own submodules is allowed, so those edges are
left out.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "odforecast"

#: Libraries ``import odforecast`` must not load (they load when a public name is first used).
HEAVY = ("pandas", "pymc", "matplotlib", "xarray", "arviz", "scipy", "statsmodels")


@dataclass(frozen=True)
class Edge:
    """``source`` imports ``target`` at ``where`` (``path:line``) by ``statement``."""

    source: str
    target: str
    where: str
    statement: str


def module_files(root: Path) -> dict[str, Path]:
    """Dotted module name -> file, for every ``.py`` file under the package ``root``."""
    modules = {}
    for path in sorted(root.rglob("*.py")):
        parts = [root.name, *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _import_nodes(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement, at any depth, except inside ``if TYPE_CHECKING:`` bodies (their
    ``else:`` branches run, so they count)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            yield node
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        stack.extend(ast.iter_child_nodes(node))


def _known(name: str, modules: dict[str, Path]) -> str | None:
    """``name`` if it is a module, else its longest prefix that is one."""
    parts = name.split(".")
    while parts:
        if ".".join(parts) in modules:
            return ".".join(parts)
        parts.pop()
    return None


def import_edges(modules: dict[str, Path]) -> list[Edge]:
    """The edges of the import graph of ``modules`` (see the module docstring for the rules)."""
    top = min(modules, key=len)  # the package itself; paths are shown from its parent folder
    shown_from = modules[top].parent.parent
    edges = []
    for source, path in modules.items():
        is_package = path.name == "__init__.py"
        package = source if is_package else source.rpartition(".")[0]
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in _import_nodes(tree):
            if isinstance(node, ast.Import):
                named = [alias.name for alias in node.names]
            else:
                base = node.module or ""
                if node.level:  # relative: from the package, up level - 1
                    anchor = package.split(".")
                    anchor = anchor[:len(anchor) - (node.level - 1)]
                    base = ".".join([*anchor, base] if base else anchor)
                named = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base
                         for alias in node.names]
            for name in dict.fromkeys(named):  # one edge per statement and target
                target = _known(name, modules)
                if target is None or target == source:
                    continue
                if is_package and target.startswith(source + "."):
                    continue  # a package importing its own submodules
                edges.append(Edge(source, target, f"{path.relative_to(shown_from)}:{node.lineno}",
                                  ast.unparse(node)))
    return edges


def strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components of ``graph`` with more than one node."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _shortest_path(graph: dict[str, set[str]], start: str, goal: str,
                   inside: set[str]) -> list[str]:
    """A shortest path ``start`` -> ``goal`` through the nodes ``inside`` (breadth first)."""
    previous: dict[str, str | None] = {start: None}
    queue = [start]
    for node in queue:
        if node == goal:
            break
        for nxt in sorted(graph.get(node, ())):
            if nxt in inside and nxt not in previous:
                previous[nxt] = node
                queue.append(nxt)
    path = [goal]
    while previous[path[-1]] is not None:
        path.append(previous[path[-1]])
    return path[::-1]


def cycles(edges: list[Edge]) -> list[list[str]]:
    """Cycles covering every edge that lies on one: for each such edge ``a -> b`` a shortest
    ``a -> b -> ... -> a`` (each listed once, starting from its smallest module)."""
    graph: dict[str, set[str]] = {}
    for edge in edges:
        graph.setdefault(edge.source, set()).add(edge.target)
    found: dict[tuple[str, ...], None] = {}
    for component in strongly_connected(graph):
        inside = set(component)
        for source in component:
            for target in sorted(graph[source] & inside):
                loop = [source, *_shortest_path(graph, target, source, inside)][:-1]
                turn = loop.index(min(loop))
                found[tuple(loop[turn:] + loop[:turn])] = None
    return [list(loop) for loop in found]


def describe(loop: list[str], edges: list[Edge]) -> str:
    """``a -> b -> a`` and, under it, the import statements forming each step."""
    lines = [" -> ".join([*loop, loop[0]])]
    for source, target in zip(loop, [*loop[1:], loop[0]], strict=True):
        for edge in edges:
            if edge.source == source and edge.target == target:
                lines.append(f"    {edge.where}: {edge.statement}")
    return "\n".join(lines)


def test_no_import_cycles():
    edges = import_edges(module_files(PACKAGE))
    assert edges, "no imports found: is PACKAGE the source tree?"
    found = cycles(edges)
    report = "\n".join(describe(loop, edges) for loop in found)
    assert not found, f"{len(found)} import cycle(s) among odforecast modules:\n{report}"


def test_cycle_finder_reads_the_rules(tmp_path):
    # a tiny package: pkg.a <-> pkg.b through a relative import and a function-level import;
    # TYPE_CHECKING imports, the __init__ re-exporting its submodules and imports of the parent
    # package do not count
    root = tmp_path / "pkg"
    (root / "sub").mkdir(parents=True)
    (root / "__init__.py").write_text("from pkg.a import f\nfrom .sub import c\n")
    (root / "a.py").write_text("from . import b\n\ndef f():\n    import pkg\n")
    (root / "b.py").write_text("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
                               "    from pkg.sub import c\n"
                               "def g():\n    from pkg.a import f\n")
    (root / "sub" / "__init__.py").write_text("")
    (root / "sub" / "c.py").write_text("from ..a import f\n")
    modules = module_files(root)
    assert set(modules) == {"pkg", "pkg.a", "pkg.b", "pkg.sub", "pkg.sub.c"}
    pairs = {(e.source, e.target) for e in import_edges(modules)}
    assert pairs == {("pkg.a", "pkg.b"), ("pkg.a", "pkg"), ("pkg.b", "pkg.a"),
                     ("pkg.sub.c", "pkg.a")}
    assert cycles(import_edges(modules)) == [["pkg.a", "pkg.b"]]


def test_import_is_light():
    code = (f"import sys, json; import odforecast; "
            f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert json.loads(out.stdout) == [], f"import odforecast pulled in {out.stdout.strip()}"


def test_no_module_shares_its_name_with_a_public_name_of_its_package():
    # a package exporting a function under a submodule's name (odforecast.reproduce, once both
    # a package and a function) loses that name to the module when the module is imported
    modules = module_files(PACKAGE)
    clashes = []
    for name, path in modules.items():
        if path.name != "__init__.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        exported = set()
        for node in tree.body:
            if isinstance(node, ast.Assign | ast.AnnAssign) and isinstance(node.value, ast.Dict):
                target = node.targets[0] if isinstance(node, ast.Assign) else node.target
                if isinstance(target, ast.Name) and target.id == "_LAZY":
                    exported |= {k.value for k in node.value.keys
                                 if isinstance(k, ast.Constant)}
            if isinstance(node, ast.Assign) and any(
                    isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets):
                exported |= {e.value for e in ast.walk(node.value)
                             if isinstance(e, ast.Constant) and isinstance(e.value, str)}
        children = {m.rpartition(".")[2] for m in modules if m.rpartition(".")[0] == name}
        clashes += [f"{name}.{child}" for child in sorted(children & exported)]
    assert not clashes, f"names that are both a module and a public name: {clashes}"


def test_functions_stay_functions_after_their_modules_are_imported():
    # importing a submodule binds it as an attribute of its parent package: with distinct names
    # the functions users call are not replaced, whichever is touched first
    code = """
import inspect
import odforecast.reproduction
import odforecast.reproduction.run
import odforecast.evaluate.backtesting
import odforecast
import odforecast.evaluate
from odforecast.reproduction import reproduce
print(inspect.isfunction(odforecast.reproduce), callable(odforecast.reproduce),
      inspect.isfunction(odforecast.evaluate.backtest), callable(odforecast.evaluate.backtest),
      odforecast.reproduce is reproduce,
      odforecast.evaluate.backtest is odforecast.evaluate.backtesting.backtest,
      odforecast.backtest is odforecast.evaluate.backtest,
      inspect.ismodule(odforecast.reproduction), inspect.ismodule(odforecast.evaluate.backtesting))
"""
    for first in ("", "odforecast.reproduce; odforecast.evaluate.backtest\n"):
        script = ("import odforecast, odforecast.evaluate\n" + first if first else "") + code
        out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                             check=True)
        assert out.stdout.split() == ["True"] * 9, (first, out.stdout, out.stderr)
