"""Pictures of the backward graph: DOT text, and rendering through Graphviz.

``to_dot(t)`` walks ``t.grad_fn`` and its ``next_functions`` (iteratively,
so graphs of any depth work) and writes one box per backward node: its
``name()`` (``MulBackward0``) and the shape of the tensor it produced; leaf
nodes (``AccumulateGrad``) show their variable's ``name`` attribute when it
has one, and its shape. Edges run the way the data flowed in the forward,
from each node in ``next_functions`` to the node that used it. Node ids are
``n0, n1, ...`` in breadth-first order from the root, so the same graph
always gives the same text. ``draw_dot`` renders that text with the
``graphviz`` package and Graphviz's ``dot`` program, or ``graphviz-pure``
where ``dot`` is not installed (micro's :func:`micro.graph.render`).
"""

from __future__ import annotations

import os
from collections import deque

from micro.graph import check_renderer, render

from .autograd.graph import AccumulateGrad

_ROOT_COLOR = "darkolivegreen1"
_LEAF_COLOR = "lightblue"


def _quote(text: str) -> str:
    """A DOT string literal (backslashes and quotes escaped, newlines as ``\\n``)."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _shape_text(shape) -> str:
    return str(tuple(shape))


def _leaf_label(variable) -> str:
    name = getattr(variable, "name", None)
    shape = _shape_text(variable.shape)
    return f"{name}\n{shape}" if isinstance(name, str) else shape


def _node_label(node, shapes: dict) -> str:
    """``MulBackward0`` over the shape(s) of what the node's op produced."""
    if isinstance(node, AccumulateGrad):
        return _leaf_label(node.variable)
    produced = shapes.get(node, {})
    text = ", ".join(_shape_text(produced[k]) for k in sorted(produced))
    return f"{node.name()}\n{text}" if text else node.name()


def to_dot(t) -> str:
    """Graphviz DOT text of the backward graph that computes ``t``.

    A tensor without ``grad_fn`` gives a single box (its leaf, or the
    tensor's shape with "no grad" when it does not require grad).
    """
    lines = ["digraph {", '  node [shape=box, style=filled, fillcolor=white, fontname="monospace"];']
    root = t.grad_fn
    if root is None:
        label = _leaf_label(t) if t.requires_grad else f"{_shape_text(t.shape)}\nno grad"
        color = _LEAF_COLOR if t.requires_grad else _ROOT_COLOR
        lines.append(f"  n0 [label={_quote(label)}, fillcolor={color}];")
        lines.append("}")
        return "\n".join(lines) + "\n"

    ids = {root: "n0"}
    order = [root]
    shapes = {root: {t._output_nr: tuple(t.shape)}}
    edges = []
    queue = deque([root])
    while queue:
        node = queue.popleft()
        metas = getattr(node, "_input_meta", ())
        for position, (next_node, output_nr) in enumerate(node.next_functions):
            if next_node is None:
                continue
            if next_node not in ids:
                ids[next_node] = f"n{len(ids)}"
                order.append(next_node)
                queue.append(next_node)
            meta = metas[position] if position < len(metas) else None
            if meta is not None:
                shapes.setdefault(next_node, {})[output_nr] = tuple(meta[0])
            edges.append((ids[next_node], ids[node]))

    for node in order:
        label = _quote(_node_label(node, shapes))
        if node is root:
            lines.append(f"  {ids[node]} [label={label}, fillcolor={_ROOT_COLOR}];")
        elif isinstance(node, AccumulateGrad):
            lines.append(f"  {ids[node]} [label={label}, fillcolor={_LEAF_COLOR}];")
        else:
            lines.append(f"  {ids[node]} [label={label}];")
    lines.extend(f"  {source} -> {target};" for source, target in edges)
    lines.append("}")
    return "\n".join(lines) + "\n"


def draw_dot(t, path: str | os.PathLike[str] | None = None, format: str = "svg"):
    """Render :func:`to_dot` with Graphviz; returns the ``graphviz.Source``.

    With ``path``, writes the picture there (``format`` is the suffix added
    when ``path`` has none). Needs the ``graphviz`` Python package and a
    renderer: Graphviz's ``dot`` program, else ``graphviz-pure``; raises
    RuntimeError saying how to install whichever is missing (:func:`to_dot`
    needs neither).
    """
    try:
        import graphviz
    except ImportError as error:
        raise RuntimeError(
            "draw_dot needs the graphviz Python package (pip install graphviz) and "
            "Graphviz's `dot` program; to_dot(t) gives the DOT text without them"
        ) from error
    check_renderer()
    source = graphviz.Source(to_dot(t), format=format)
    if path is not None:
        path = os.fspath(path)
        if not os.path.splitext(path)[1]:
            path = f"{path}.{format}"
        render(source, path)
    return source
