"""No import cycle between the modules of `listbridge`.

A cycle is a strongly connected component of more than one module in grimp's import
graph (imports under `TYPE_CHECKING` included: they tie the modules together all the
same). Imports of a package count as imports of its `__init__`, so an `__init__` that
imports a submodule which imports the package back is a cycle too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

import grimp

Edges = Callable[[str], Iterable[str]]


class _Tarjan:
    """Tarjan's algorithm, iterative so that a long import chain cannot overflow the stack."""

    def __init__(self, edges: Edges) -> None:
        self.edges = edges
        self.index: dict[str, int] = {}
        self.low: dict[str, int] = {}
        self.stack: list[str] = []
        self.on_stack: set[str] = set()

    def components_from(self, root: str) -> Iterator[set[str]]:
        work = [self._visit(root)]
        while work:
            node, successors = work[-1]
            successor = next(
                (s for s in successors if s not in self.index or s in self.on_stack), None
            )
            if successor is None:
                work.pop()
                if work:
                    self.low[work[-1][0]] = min(self.low[work[-1][0]], self.low[node])
                if self.low[node] == self.index[node]:
                    yield self._pop_component(node)
            elif successor in self.index:
                self.low[node] = min(self.low[node], self.index[successor])
            else:
                work.append(self._visit(successor))

    def _visit(self, node: str) -> tuple[str, Iterator[str]]:
        self.index[node] = self.low[node] = len(self.index)
        self.stack.append(node)
        self.on_stack.add(node)
        return node, iter(sorted(self.edges(node)))

    def _pop_component(self, root: str) -> set[str]:
        component: set[str] = set()
        while root not in component:
            component.add(self.stack.pop())
        self.on_stack -= component
        return component


def strongly_connected(nodes: Iterable[str], edges: Edges) -> Iterator[set[str]]:
    tarjan = _Tarjan(edges)
    for root in sorted(nodes):
        if root not in tarjan.index:
            yield from tarjan.components_from(root)


def cycles(graph: grimp.ImportGraph) -> list[set[str]]:
    components = strongly_connected(graph.modules, graph.find_modules_directly_imported_by)
    return [component for component in components if len(component) > 1]


def describe(graph: grimp.ImportGraph, cycle: set[str]) -> str:
    lines = [f"cycle of {len(cycle)} modules: {', '.join(sorted(cycle))}"]
    for importer in sorted(cycle):
        for imported in sorted(graph.find_modules_directly_imported_by(importer) & cycle):
            details = graph.get_import_details(importer=importer, imported=imported)
            where = ", ".join(str(detail["line_number"]) for detail in details)
            lines.append(f"  {importer} imports {imported} (line {where})")
    return "\n".join(lines)


def test_no_import_cycle_in_listbridge() -> None:
    graph = grimp.build_graph("listbridge", cache_dir=None)
    found = cycles(graph)
    assert not found, "\n".join(describe(graph, cycle) for cycle in found)


def test_strongly_connected_finds_each_cycle_and_only_cycles() -> None:
    imports = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": {"e"}, "e": {"d"}, "f": {"a"}}
    components = strongly_connected(imports, lambda node: imports.get(node, set()))
    assert sorted(map(sorted, components)) == [["a", "b", "c"], ["d", "e"], ["f"]]


def test_strongly_connected_follows_a_chain_longer_than_the_recursion_limit() -> None:
    chain = {f"m{i}": {f"m{i + 1}"} for i in range(5000)} | {"m5000": {"m0"}}
    (component,) = strongly_connected(chain, lambda node: chain[node])
    assert len(component) == 5001
