"""Pictures of a computation graph: DOT text always, rendered images with Graphviz.

One box per Value, left to right from the leaves to the root. An op's box
reads `op | data | grad`; a leaf's box reads `data | grad` (or its label).
`to_dot` needs nothing installed; `draw_dot` renders the same graph through
the `graphviz` Python package and Graphviz's `dot` program.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator, Mapping

from micro.engine import Value, topological_order


def _boxes(
    root: Value, labels: Mapping[Value, str] | None
) -> Iterator[tuple[str, str, tuple[str, ...]]]:
    """(node name, record label, names of its inputs) for every node, inputs first."""
    names: dict[Value, str] = {}
    for index, node in enumerate(topological_order(root)):
        names[node] = f"v{index}"
        fields = [f"data {node.data:.4g}", f"grad {node.grad:.4g}"]
        if labels and node in labels:
            fields.insert(0, labels[node])
        if node._op:
            fields.insert(0, node._op)
        yield names[node], "{ " + " | ".join(fields) + " }", tuple(names[c] for c in node._prev)


def to_dot(root: Value, labels: Mapping[Value, str] | None = None) -> str:
    """The graph that computes `root` as Graphviz DOT text.

    `labels` optionally names some Values (e.g. `{w: "w1"}`); the name is shown
    in the Value's box. Edges run from each input to the Value it feeds, in the
    order of the op's arguments.
    """
    lines = ["digraph {", "  rankdir=LR;", "  node [shape=record];"]
    for name, label, inputs in _boxes(root, labels):
        escaped = label.replace('"', '\\"')
        lines.append(f'  {name} [label="{escaped}"];')
        lines.extend(f"  {source} -> {name};" for source in inputs)
    lines.append("}")
    return "\n".join(lines) + "\n"


def draw_dot(
    root: Value,
    path: str | os.PathLike[str] | None = None,
    labels: Mapping[Value, str] | None = None,
):
    """The graph that computes `root` as a `graphviz.Digraph`, rendered to `path` if given.

    The image format follows the suffix of `path` (`graph.svg`, `graph.png`).
    Needs the `graphviz` Python package and Graphviz's `dot` program; raises
    ImportError or RuntimeError saying which is missing (`to_dot` needs neither).
    """
    try:
        import graphviz
    except ImportError as error:
        raise ImportError(
            "draw_dot needs the graphviz Python package (pip install graphviz); "
            "to_dot(root) gives the DOT text without it"
        ) from error
    if shutil.which("dot") is None:
        raise RuntimeError(
            "draw_dot needs Graphviz's `dot` program on PATH to render "
            "(e.g. apt install graphviz); to_dot(root) gives the DOT text without it"
        )
    graph = graphviz.Digraph(graph_attr={"rankdir": "LR"}, node_attr={"shape": "record"})
    for name, label, inputs in _boxes(root, labels):
        graph.node(name, label)
        for source in inputs:
            graph.edge(source, name)
    if path is not None:
        graph.render(outfile=os.fspath(path), cleanup=True)
    return graph
