"""The backward pass told node by node: `explain_backward(root)`.

`backward()` is one loop, but what it does is easier to believe when seen:
for every node, in the order the engine visits it, the gradient that arrived
(d root / d node), the local derivative of each input (d node / d input), and
what the chain rule sends on,

    sent = local * incoming

which adds into the input's gradient: a node used by several others (a
shared node) gathers one contribution per use, and its gradient is complete
only when all have arrived. The leaves' `.grad` receive the sums.

`explain_backward` runs the real `backward()` (so it has exactly its effect:
leaves accumulate) and returns a `BackwardExplanation`, a list of `Step`s
that also prints as text. The tensor engine's `tensor.explain_backward` fills
the same records and prints them with the same code, so the two narrations of
one expression can be compared line for line. Both name nodes alike: a name
you give (`names={a: "a"}`), else the op and a number counting unnamed
nodes in order of first appearance (`mul#1` is the root of `a * b`),
leaves `leaf#k`.

Number operands (`v + 2`) are constant leaves in micro, as in micrograd, and
get a gradient; in the tensor engine a Python number is not a node. The two
narrations agree line for line when every input is a Value / a tensor that
requires grad, and when the two engines visit the nodes in the same order
(micro: reverse depth-first post-order; tensor: newest node first, as torch),
which holds for expressions written as one formula and evaluated left to right.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TextIO

from micro.engine import Value, topological_order


def format_number(value: object) -> str:
    """A float as `%.4g`, a (nested) list of floats as `[a, b, ...]`, None as `-`."""
    if value is None:
        return "-"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(format_number(v) for v in value) + "]"
    number = float(value)
    return f"{number + 0.0:.4g}"  # + 0.0 turns -0.0 into 0.0


@dataclass(frozen=True)
class Edge:
    """One input of a step: what the chain rule sends it.

    `gradient = local * incoming` (for a one-element output; otherwise the
    vector-Jacobian product, and `local` is None). `use` counts this edge
    among the `uses` edges that lead into the input; `total` is the input's
    gradient gathered so far, this edge included.
    """

    input: str
    local: object
    gradient: object
    total: object
    use: int
    uses: int

    def line(self, incoming: object) -> str:
        if self.local is None:
            text = f"  -> {self.input}: vjp {format_number(self.gradient)}"
        else:
            text = (
                f"  -> {self.input}: local {format_number(self.local)} x {format_number(incoming)}"
                f" = {format_number(self.gradient)}"
            )
        if self.uses > 1:
            text += (
                f"; {self.input} is shared, use {self.use} of {self.uses},"
                f" gathered so far {format_number(self.total)}"
            )
        return text


@dataclass(frozen=True)
class Step:
    """One node run by the engine: its label, op, incoming gradient and edges."""

    index: int
    node: str
    op: str
    incoming: object
    edges: tuple[Edge, ...]

    def lines(self) -> list[str]:
        head = f"step {self.index}: {self.node} ({self.op}) receives grad {format_number(self.incoming)}"
        return [head] + [edge.line(self.incoming) for edge in self.edges]


@dataclass
class BackwardExplanation:
    """The narrated backward pass: `steps` in engine order, then each leaf's `.grad`.

    `leaves` lists (leaf label, gradient this pass added, `.grad` after) in
    order of first contribution. `lines()` / `str()` give the text.
    """

    root: str
    root_value: object
    steps: list[Step] = field(default_factory=list)
    leaves: list[tuple[str, object, object]] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [f"backward from {self.root} = {format_number(self.root_value)}, seeded with grad 1"]
        for step in self.steps:
            out.extend(step.lines())
        out.extend(
            f"{name}.grad += {format_number(added)} -> {format_number(after)}"
            for name, added, after in self.leaves
        )
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())


class Narrator:
    """Builds a `BackwardExplanation` from what an engine does, one step at a time.

    The engines differ only in how they find nodes, ops and numbers; this
    class holds what they share: node labels (given name, else `op#k` /
    `leaf#k` in order of first appearance), counting uses of shared nodes,
    and gathering each input's running gradient with the engine's `add`
    (`numbers` turns an engine's gradient into the floats the records keep).
    """

    def __init__(
        self,
        names: Mapping[Hashable, str],
        uses: Mapping[Hashable, int],
        add: Callable[[object, object], object],
        numbers: Callable[[object], object] = lambda gradient: gradient,
    ) -> None:
        self._names = dict(names)
        self._uses = uses
        self._add = add
        self._numbers = numbers
        self._labels: dict[Hashable, str] = {}
        self._unnamed = 0
        self._seen: dict[Hashable, int] = {}
        self.gathered: dict[Hashable, object] = {}

    def label(self, node: Hashable, op: str) -> str:
        """The node's name, else `op#k` (`leaf#k` if no op; k counts unnamed nodes), fixed at first sight."""
        if node not in self._labels:
            name = self._names.get(node)
            if name is None:
                self._unnamed += 1
                name = f"{op or 'leaf'}#{self._unnamed}"
            self._labels[node] = name
        return self._labels[node]

    def step(
        self,
        explanation: BackwardExplanation,
        node: Hashable,
        op: str,
        incoming: object,
        edges: Iterable[tuple[Hashable, str, object, object]],
    ) -> None:
        """Record one node's run; `edges` gives (input, input's op, local, sent) per input."""
        records = []
        for child, child_op, local, sent in edges:
            label = self.label(child, child_op)
            self._seen[child] = self._seen.get(child, 0) + 1
            total = sent if child not in self.gathered else self._add(self.gathered[child], sent)
            self.gathered[child] = total
            gradients = self._numbers(sent), self._numbers(total)
            records.append(Edge(label, local, *gradients, self._seen[child], self._uses[child]))
        index = len(explanation.steps) + 1
        explanation.steps.append(Step(index, self.label(node, op), op, incoming, tuple(records)))


def explain_backward(
    root: Value, names: Mapping[Value, str] | None = None, file: TextIO | None = sys.stdout
) -> BackwardExplanation:
    """Run `root.backward()` and tell it node by node; print it to `file` (None: silent).

    For every node in the engine's order (the reverse of
    `topological_order(root)`), with g = d root / d node arriving complete:
    each input receives `local * g`, where local = d node / d input is the
    number the op stored at forward time, and a shared input adds up
    its contributions. Leaves' `.grad` gain the sums (as `backward()` does:
    they accumulate across calls). `names` labels some Values (`{a: "a"}`).
    """
    if not isinstance(root, Value):
        raise TypeError(f"explain_backward takes a Value, got {type(root).__name__}")
    order = topological_order(root)
    uses: dict[Value, int] = {}
    for node in order:
        for child in node._prev:
            uses[child] = uses.get(child, 0) + 1
    root.backward()
    narrator = Narrator(names or {}, uses, lambda a, b: a + b)
    explanation = BackwardExplanation(narrator.label(root, root._op), root.data)
    for node in reversed(order):
        if node._prev:
            sends = (
                (child, child._op, local, local * node.grad)
                for child, local in zip(node._prev, node._local, strict=True)
            )
            narrator.step(explanation, node, node._op, node.grad, sends)
    explanation.leaves = [
        (narrator.label(leaf, ""), narrator.gathered[leaf], leaf.grad)
        for leaf in narrator.gathered
        if not leaf._prev
    ]
    if not root._prev:
        explanation.leaves = [(explanation.root, 1.0, root.grad)]
    if file is not None:
        print(explanation, file=file)
    return explanation
