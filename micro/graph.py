"""Pictures of a computation graph: DOT text always, rendered images with Graphviz.

One box per Value, left to right from the leaves to the root. An op's box
reads `op | data | grad`; a leaf's box reads `data | grad` (or its label).
`to_dot` needs nothing installed; `draw_dot` renders the same graph through
the `graphviz` Python package and Graphviz's `dot` program, or, where `dot`
is not installed, the `graphviz-pure` program (`pip install graphviz-pure`, a
self-contained `dot`-compatible renderer). `render` does that choice for both
engines' `draw_dot`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
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


RENDERER_MISSING = (
    "draw_dot needs Graphviz's `dot` program on PATH to render: `pip install graphviz-pure` "
    "(a self-contained dot-compatible program) or install Graphviz (`apt-get install graphviz`, "
    "`brew install graphviz`, `conda install graphviz`); to_dot gives the DOT text without it"
)


def check_renderer() -> None:
    """Raise RuntimeError saying what to install unless `dot` or `graphviz-pure` is on PATH."""
    if shutil.which("dot") is None and shutil.which("graphviz-pure") is None:
        raise RuntimeError(RENDERER_MISSING)


def render(graph, path: str) -> None:
    """Write the picture of a `graphviz` graph or source to `path`; the format is its suffix.

    Graphviz's `dot` renders when it is on PATH (through the graph's own
    `render`); otherwise `graphviz-pure -T<format> -o <path>` reads the DOT
    text on stdin. RuntimeError if neither is installed or rendering fails.
    """
    if shutil.which("dot") is not None:
        graph.render(outfile=path, cleanup=True)
        return
    program = shutil.which("graphviz-pure")
    if program is None:
        raise RuntimeError(RENDERER_MISSING)
    image_format = os.path.splitext(path)[1].lstrip(".") or "svg"
    result = subprocess.run(
        [program, f"-T{image_format}", "-o", path], input=graph.source, text=True, capture_output=True
    )
    if result.returncode != 0:
        raise RuntimeError(f"graphviz-pure could not render {path}: {result.stderr.strip()}")


def draw_dot(
    root: Value,
    path: str | os.PathLike[str] | None = None,
    labels: Mapping[Value, str] | None = None,
):
    """The graph that computes `root` as a `graphviz.Digraph`, rendered to `path` if given.

    The image format follows the suffix of `path` (`graph.svg`, `graph.png`).
    Needs the `graphviz` Python package and a renderer: Graphviz's `dot`
    program, else `graphviz-pure`; raises ImportError or RuntimeError saying
    what to install (`to_dot` needs neither).
    """
    try:
        import graphviz
    except ImportError as error:
        raise ImportError(
            "draw_dot needs the graphviz Python package (pip install graphviz); "
            "to_dot(root) gives the DOT text without it"
        ) from error
    check_renderer()
    graph = graphviz.Digraph(graph_attr={"rankdir": "LR"}, node_attr={"shape": "record"})
    for name, label, inputs in _boxes(root, labels):
        graph.node(name, label)
        for source in inputs:
            graph.edge(source, name)
    if path is not None:
        render(graph, os.fspath(path))
    return graph
