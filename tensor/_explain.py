"""The backward pass told node by node: ``explain_backward(root)`` for tensors.

The same story as :func:`micro.explain.explain_backward`, told from the tensor
engine while it really runs: a pre-hook and a post-hook on every node of
``root``'s graph record, in the order the engine runs the nodes, the gradient
that arrived (``grad_outputs``) and what the node's backward sent to each input
(its vector-Jacobian product, summed back to the input's shape as the engine
does). For a node whose output has one element, the local derivative
d output / d input is the VJP of a gradient of 1, and ``sent = local x
incoming``. Contributions to a shared node add up; leaves (``AccumulateGrad``)
receive the sums in ``.grad``. The records and the text are micro's, so the
two narrations of one expression compare line for line.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Mapping
from typing import TextIO

from micro.explain import BackwardExplanation, Narrator

from ._ops import ones_like
from .autograd.graph import AccumulateGrad, _wrap, conform


def _op_name(node) -> str:
    """``MulBackward0`` -> ``mul`` (micro's op name); leaves have none."""
    if isinstance(node, AccumulateGrad):
        return ""
    return re.sub(r"Backward\d*$", "", node.name()).lower()


def _graph(root_node) -> tuple[list, dict]:
    """Every node reachable from ``root_node`` and how many edges lead into each."""
    nodes, uses, stack = [root_node], {}, [root_node]
    while stack:
        node = stack.pop()
        for next_node, _ in node.next_functions:
            if next_node is None:
                continue
            uses[next_node] = uses.get(next_node, 0) + 1
            if uses[next_node] == 1:
                nodes.append(next_node)
                stack.append(next_node)
    return nodes, uses


def _values(grad):
    """A gradient as Python numbers (a float for one element), None stays None."""
    if grad is None:
        return None
    return grad.item() if grad.numel() == 1 else grad.tolist()


def _local_derivatives(node, grad_output) -> list:
    """d output / d input per edge: the node's VJP of a gradient of ones (one-element outputs)."""
    if node.num_outputs != 1 or grad_output is None or grad_output.numel() != 1:
        return [None] * len(node.next_functions)
    ones = ones_like(grad_output)
    raw = node.apply([ones._data], False)
    backend = ones._backend
    return [
        None if grad is None or next_node is None else _values(_wrap(conform(meta, grad, False), backend))
        for (next_node, _), grad, meta in zip(node.next_functions, raw, node._input_meta)
    ]


def _node_names(names: Mapping | None) -> dict:
    """Names keyed by graph node: a tensor's ``grad_fn``, or its ``AccumulateGrad`` for a leaf."""
    result = {}
    for tensor, name in (names or {}).items():
        result[tensor._gradient_edge()[0]] = name
    return result


def explain_backward(root, names: Mapping | None = None, file: TextIO | None = sys.stdout
                     ) -> BackwardExplanation:
    """Run ``root.backward()`` and tell it node by node; print it to ``file`` (None: silent).

    ``root`` is a one-element tensor (as ``backward()`` without a gradient
    needs). For every node in the order the engine runs it, with g the
    gradient of its output arriving complete: each input that requires grad
    receives ``vjp(g)``, which for a one-element output is ``local * g`` with
    local = d output / d input; a shared input adds up its contributions,
    and leaves' ``.grad`` gain the sums (accumulating across calls, as
    ``backward()`` does). ``names`` labels tensors (``{a: "a"}``); a leaf
    with a ``name`` attribute is labelled by it. Returns micro's
    :class:`~micro.explain.BackwardExplanation`. Custom Functions' backward
    runs twice per node (once more for its local derivative).
    """
    root_node = root.grad_fn
    node_names = _node_names(names)
    nodes, uses = _graph(root_node) if root_node is not None else ([], {})
    for node in nodes:
        if isinstance(node, AccumulateGrad) and node not in node_names:
            name = getattr(node.variable, "name", None)
            if isinstance(name, str):
                node_names[node] = name
    narrator = Narrator(node_names, uses, lambda a, b: a + b, _values)
    explanation = BackwardExplanation(
        narrator.label(root_node or root, _op_name(root_node) if root_node else ""), _values(root))

    def after(node):
        def hook(grad_inputs, grad_outputs):
            incoming = grad_outputs[0] if len(grad_outputs) == 1 else None
            locals_ = _local_derivatives(node, incoming)
            sends = [
                (next_node, _op_name(next_node), local,
                 _wrap(conform(meta, grad._data, False), grad._backend))
                for (next_node, _), grad, meta, local in zip(
                    node.next_functions, grad_inputs, node._input_meta, locals_)
                if next_node is not None and grad is not None
            ]
            received = _values(incoming) if incoming is not None else [_values(g) for g in grad_outputs]
            narrator.step(explanation, node, _op_name(node), received, sends)

        return hook

    handles = [node.register_hook(after(node)) for node in nodes if not isinstance(node, AccumulateGrad)]
    try:
        root.backward()
    finally:
        for handle in handles:
            handle.remove()
    explanation.leaves = [
        (narrator.label(node, ""), _values(total), _values(node.variable.grad))
        for node, total in narrator.gathered.items()
        if isinstance(node, AccumulateGrad)
    ]
    if root_node is None:
        explanation.leaves = [(explanation.root, 1.0, _values(root.grad))]
    if file is not None:
        print(explanation, file=file)
    return explanation
