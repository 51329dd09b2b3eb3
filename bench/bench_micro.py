"""micro.Value against micrograd's Value on the same MLP training step.

    python bench/bench_micro.py            # full run (a few minutes: micrograd with its GC is slow)
    python bench/bench_micro.py --quick    # smoke run: one round, shallow chains

The model, data and loss are those of micrograd's demo.ipynb: a 2-16-16-1 ReLU
MLP on 100 two-moons points, max-margin loss sum((1 + -y*score).relu()) / n
plus L2 1e-4 * sum(p*p), one SGD step. The code below is written once and
run on either Value class, from the same initial weights, so both engines
build the same graph (checked: same node count, same loss).

Both engines are pure Python on one thread (no numpy, BLAS or OpenMP runs
here). Reported, as a markdown table:
- time per training step (forward, backward, update). Each round times four
  runs in one process, alternating the engines and, within an engine, the
  GC disabled and at its defaults; a gc.collect() (untimed) before each run
  keeps one run's garbage out of the next. Ratios are taken per round and
  summarised by their median and minimum;
- the cyclic GC's share of micro's step, 1 - (GC off) / (GC at defaults),
  per round, and the same for micrograd;
- GC-tracked objects per node and bytes per node of one forward graph
  (gc.get_objects / tracemalloc, divided by the nodes counted by traversal);
- the deepest chain y = y + x whose backward() succeeds at the default
  recursion limit (each depth tried in a fresh subprocess).
"""

from __future__ import annotations

import argparse
import gc
import math
import random
import statistics
import subprocess
import sys
import time
import tracemalloc

from micrograd.engine import Value as MicrogradValue

from micro import Value as MicroValue
from micro.datasets import make_moons

ENGINES = {"micro": MicroValue, "micrograd": MicrogradValue}
CHAIN_DEPTHS = [100, 1_000, 10_000, 100_000, 200_000]
# Targets (issue 12 and before): printed beside the figures, never asserted in a timed test.
TARGET_GC_OFF_RATIO = 0.45  # micro / micrograd, GC disabled for both
TARGET_GC_ON_RATIO = 0.20  # micro / micrograd, GC at defaults
TARGET_GC_SHARE = 0.10  # the cyclic GC's share of micro's step, GC at defaults
TARGET_MEMORY_RATIO = 0.35  # bytes per node, micro / micrograd


class GenericMLP:
    """A 2-16-16-1 ReLU MLP over any micrograd-style Value class (same graph as micrograd.nn)."""

    def __init__(self, value_class, sizes=(2, 16, 16, 1), seed: int = 1337):
        rng = random.Random(seed)
        self.layers = [
            [
                ([value_class(rng.uniform(-1, 1)) for _ in range(nin)], value_class(0.0))
                for _ in range(nout)
            ]
            for nin, nout in zip(sizes, sizes[1:], strict=False)
        ]

    def parameters(self):
        return [p for layer in self.layers for w, b in layer for p in (*w, b)]

    def __call__(self, x):
        for depth, layer in enumerate(self.layers):
            outputs = []
            for w, b in layer:
                act = b
                for wi, xi in zip(w, x, strict=True):
                    act = act + wi * xi
                outputs.append(act.relu() if depth < len(self.layers) - 1 else act)
            x = outputs
        return x[0]


def total_loss(value_class, model, points, labels):
    """micrograd demo.ipynb's loss: mean max-margin loss plus L2 regularization."""
    inputs = [[value_class(coordinate) for coordinate in point] for point in points]
    scores = [model(x) for x in inputs]
    losses = [(1 + -yi * score).relu() for yi, score in zip(labels, scores, strict=True)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * sum(p * p for p in model.parameters())
    return data_loss + reg_loss


def training_step(value_class, model, points, labels, learning_rate=0.5):
    loss = total_loss(value_class, model, points, labels)
    for p in model.parameters():
        p.grad = 0.0
    loss.backward()
    for p in model.parameters():
        p.data -= learning_rate * p.grad
    return loss.data


def count_nodes(root) -> int:
    """Distinct Values reachable from root (works for both engines' `_prev`)."""
    seen, stack = {root}, [root]
    while stack:
        for child in stack.pop()._prev:
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return len(seen)


def graph_footprint(value_class, points, labels) -> tuple[float, float, int]:
    """Bytes and GC-tracked objects per node of one forward graph, and its node count."""
    model = GenericMLP(value_class)
    gc.collect()
    gc.disable()
    tracked_before = len(gc.get_objects())
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    loss = total_loss(value_class, model, points, labels)
    allocated = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    tracked = len(gc.get_objects()) - tracked_before - 1  # the list gc.get_objects() returned
    gc.enable()
    nodes = count_nodes(loss)
    return allocated / nodes, tracked / nodes, nodes


def time_steps(rounds: int, steps: int, points, labels,
               engines=ENGINES) -> dict[tuple[str, bool], list[float]]:
    """Seconds per training step for every (engine, GC enabled) pair, one entry per round.

    Within a round the engines alternate, and so do GC off and on within an
    engine; the order flips from one round to the next.
    """
    models = {name: GenericMLP(value_class) for name, value_class in engines.items()}
    runs = [(name, gc_enabled) for name in engines for gc_enabled in (False, True)]
    per_step: dict[tuple[str, bool], list[float]] = {run: [] for run in runs}
    for round_index in range(rounds):
        for name, gc_enabled in runs if round_index % 2 == 0 else reversed(runs):
            gc.collect()
            if not gc_enabled:
                gc.disable()
            start = time.perf_counter()
            for _ in range(steps):
                training_step(engines[name], models[name], points, labels)
            per_step[name, gc_enabled].append((time.perf_counter() - start) / steps)
            gc.enable()
    gc.collect()
    return per_step


def gc_by_generation(value_class, points, labels, steps: int) -> dict[int, tuple[float, float]]:
    """Collections per step and their ms per step, by generation, GC at defaults (gc.callbacks)."""
    model = GenericMLP(value_class)
    spent = {generation: [0, 0.0] for generation in range(3)}
    started = {}

    def on_collect(phase, info):
        if phase == "start":
            started[info["generation"]] = time.perf_counter()
        else:
            spent[info["generation"]][0] += 1
            spent[info["generation"]][1] += time.perf_counter() - started[info["generation"]]

    gc.collect()
    gc.callbacks.append(on_collect)
    try:
        for _ in range(steps):
            training_step(value_class, model, points, labels)
    finally:
        gc.callbacks.remove(on_collect)
    return {g: (count / steps, 1e3 * seconds / steps) for g, (count, seconds) in spent.items()}


def summary(values: list[float]) -> str:
    """`median (min ...)` of per-round figures."""
    return f"{statistics.median(values):.3f} (min {min(values):.3f})"


def step_row(times, gc_enabled: bool, target: float) -> tuple[str, float]:
    """A table row for per-step times with the GC on or off, and the median per-round ratio."""
    micro, micrograd = times["micro", gc_enabled], times["micrograd", gc_enabled]
    ratios = [ours / theirs for ours, theirs in zip(micro, micrograd, strict=True)]
    title = f"training step, ms (GC {'at defaults' if gc_enabled else 'disabled for both'})"
    ms = [1e3 * statistics.median(t) for t in (micro, micrograd)]
    row = f"| {title} | {ms[0]:.1f} | {ms[1]:.1f} | {summary(ratios)} | <= {target} |"
    return row, statistics.median(ratios)


def gc_share_row(times) -> tuple[str, float]:
    """The cyclic GC's share of each engine's step, 1 - (GC off) / (GC on), per round."""
    shares = {
        name: [1.0 - off / on for off, on in zip(times[name, False], times[name, True], strict=True)]
        for name in ENGINES
    }
    micro, micrograd = (statistics.median(shares[name]) for name in ENGINES)
    row = (
        f"| the cyclic GC's share of the step (median, min over rounds) "
        f"| {summary(shares['micro'])} | {summary(shares['micrograd'])} | | <= {TARGET_GC_SHARE} |"
    )
    return row, micro


def _inline_ops() -> dict:
    """add, mul and relu with the node's seven slots stored in the op itself.

    The fastest form of an op, which micro/engine.py does not use: it builds
    every node through one `_node(...)` call so that each op stays one line.
    """
    from micro.engine import _constant

    new = object.__new__

    def add(self, other):
        other = other if isinstance(other, MicroValue) else _constant(other, "add")
        out = new(MicroValue)
        out.data = self.data + other.data
        out.grad = 0.0
        out._op = "add"
        out._a = self
        out._da = 1.0
        out._b = other
        out._db = 1.0
        return out

    def mul(self, other):
        other = other if isinstance(other, MicroValue) else _constant(other, "mul")
        out = new(MicroValue)
        out.data = self.data * other.data
        out.grad = 0.0
        out._op = "mul"
        out._a = self
        out._da = other.data
        out._b = other
        out._db = self.data
        return out

    def relu(self):
        out = new(MicroValue)
        out.data = self.data if self.data > 0.0 else 0.0
        out.grad = 0.0
        out._op = "relu"
        out._a = self
        out._da = 1.0 if self.data > 0.0 else 0.0
        out._b = None
        out._db = 0.0
        return out

    return {"__add__": add, "__mul__": mul, "relu": relu}


class BareValue:
    """The floor for the GC row: the least an engine with one object per node can do.

    One slotted object per node (data, grad, two inputs and their local
    derivatives), no op names, no checks, only the ops the demo step uses, and
    the same iterative backward as micro. Bench-only: it says how much of the
    cyclic GC's share is the price of one Python object per node, which every
    engine whose Values are Python objects pays.
    """

    __slots__ = ("data", "grad", "_a", "_da", "_b", "_db")

    def __init__(self, data, a=None, da=0.0, b=None, db=0.0):
        self.data, self.grad, self._a, self._da, self._b, self._db = data, 0.0, a, da, b, db

    @property
    def _prev(self):
        return tuple(v for v in (self._a, self._b) if v is not None)

    def __add__(self, other):
        other = other if type(other) is BareValue else BareValue(float(other))
        return BareValue(self.data + other.data, self, 1.0, other, 1.0)

    def __mul__(self, other):
        other = other if type(other) is BareValue else BareValue(float(other))
        return BareValue(self.data * other.data, self, other.data, other, self.data)

    __radd__, __rmul__ = __add__, __mul__

    def __neg__(self):
        return BareValue(-self.data, self, -1.0)

    def relu(self):
        positive = self.data > 0.0
        return BareValue(self.data if positive else 0.0, self, 1.0 if positive else 0.0)

    def backward(self):
        order, seen, stack = [], set(), [self]
        while stack:
            node = stack.pop()
            if node is None:
                order.append(stack.pop())
            elif node not in seen:
                seen.add(node)
                stack += [node, None] + [v for v in (node._b, node._a) if v is not None]
        self.grad = 1.0
        for node in reversed(order):
            if node._a is not None:
                node._a.grad += node._da * node.grad
                if node._b is not None:
                    node._b.grad += node._db * node.grad


def floor_shares(rounds: int, steps: int, points, labels) -> dict[str, tuple[list[float], list[float]]]:
    """The cyclic GC's share of the step and its seconds per step (GC on minus GC off), per
    round, for micro and for the bare floor engine."""
    engines = {"micro": MicroValue, "floor": BareValue}
    models = {name: GenericMLP(value_class) for name, value_class in engines.items()}
    losses = {name: total_loss(engines[name], model, points, labels) for name, model in models.items()}
    if (losses["micro"].data, count_nodes(losses["micro"])) != (
            losses["floor"].data, count_nodes(losses["floor"])):
        raise AssertionError("the floor engine builds another graph")
    del losses
    times = time_steps(rounds, steps, points, labels, engines)
    return {name: ([1.0 - off / on for off, on in zip(times[name, False], times[name, True], strict=True)],
                   [on - off for off, on in zip(times[name, False], times[name, True], strict=True)])
            for name in engines}


def readable_cost(rounds: int, points, labels) -> dict[str, list[float]]:
    """Per-round ratios inline / readable (GC off) of micro's forward and of its whole step."""
    readable = {name: getattr(MicroValue, name) for name in ("__add__", "__mul__", "relu")}
    forms = {"readable": readable, "inline": _inline_ops()}
    model = GenericMLP(MicroValue)
    times = {(form, part): [] for form in forms for part in ("forward", "step")}
    gc.collect()
    gc.disable()
    try:
        losses = []
        for ops in forms.values():  # the same graph either way
            for name, op in ops.items():
                setattr(MicroValue, name, op)
            loss = total_loss(MicroValue, model, points, labels)
            losses.append((loss.data, count_nodes(loss)))
        if losses[0] != losses[1]:
            raise AssertionError(f"inline ops build another graph: {losses}")
        for round_index in range(rounds):
            for form in forms if round_index % 2 == 0 else reversed(forms):
                for name, op in forms[form].items():
                    setattr(MicroValue, name, op)
                start = time.perf_counter()
                loss = total_loss(MicroValue, model, points, labels)
                times[form, "forward"].append(time.perf_counter() - start)
                del loss
                start = time.perf_counter()
                training_step(MicroValue, model, points, labels)
                times[form, "step"].append(time.perf_counter() - start)
    finally:
        for name, op in readable.items():
            setattr(MicroValue, name, op)
        gc.enable()
    return {
        part: [i / r for i, r in zip(times["inline", part], times["readable", part], strict=True)]
        for part in ("forward", "step")
    }


CHAIN_PROGRAM = """
import sys
from {module} import Value
x = Value(0.5)
y = x
for _ in range({depth}):
    y = y + x
y.backward()
assert x.grad == {depth} + 1
"""


def deepest_chain(engine: str, depths: list[int]) -> int:
    """The largest depth in `depths` whose chain backpropagates (0 if none)."""
    module = {"micro": "micro", "micrograd": "micrograd.engine"}[engine]
    deepest = 0
    for depth in depths:
        program = CHAIN_PROGRAM.format(module=module, depth=depth)
        if subprocess.run([sys.executable, "-c", program], capture_output=True).returncode:
            break
        deepest = depth
    return deepest


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fast smoke run, no targets")
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument(
        "--readable-cost",
        action="store_true",
        help="only measure what micro's one-line ops cost against slots stored inline",
    )
    args = parser.parse_args(argv)
    rounds = args.rounds or (1 if args.quick else 7)
    steps = 1 if args.quick else 3
    depths = CHAIN_DEPTHS[:3] if args.quick else CHAIN_DEPTHS

    points, labels = make_moons(100)
    if args.readable_cost:
        ratios = readable_cost(rounds * 3, points, labels)
        for part, values in ratios.items():
            print(f"inline / readable, {part} (GC off): {summary(values)}")
        return 0

    losses = {
        name: total_loss(value_class, GenericMLP(value_class), points, labels)
        for name, value_class in ENGINES.items()
    }
    nodes = {name: count_nodes(loss) for name, loss in losses.items()}
    same_loss = math.isclose(losses["micro"].data, losses["micrograd"].data, rel_tol=1e-12)
    del losses
    verdict = "match" if nodes["micro"] == nodes["micrograd"] else "MISMATCH"
    print(f"nodes in one forward graph: {nodes} -> {verdict}")
    print(f"first loss equal across engines: {same_loss}")

    footprint = {
        name: graph_footprint(value_class, points, labels) for name, value_class in ENGINES.items()
    }
    times = time_steps(rounds, steps, points, labels)
    no_gc_row, no_gc_ratio = step_row(times, False, TARGET_GC_OFF_RATIO)
    gc_row, gc_ratio = step_row(times, True, TARGET_GC_ON_RATIO)
    share_row, gc_share = gc_share_row(times)
    chains = {name: deepest_chain(name, depths) for name in ENGINES}
    memory_ratio = footprint["micro"][0] / footprint["micrograd"][0]

    print()
    print(f"Python {sys.version.split()[0]}, one thread, {rounds} rounds x {steps} steps")
    print()
    print("| measure | micro | micrograd | micro / micrograd, median of rounds (min) | target |")
    print("|---|---:|---:|---:|---:|")
    print(no_gc_row)
    print(gc_row)
    print(share_row)
    print(f"| GC-tracked objects per node | {footprint['micro'][1]:.2f} "
          f"| {footprint['micrograd'][1]:.2f} | | |")  # fmt: skip
    print(f"| bytes per node | {footprint['micro'][0]:.0f} | {footprint['micrograd'][0]:.0f} "
          f"| {memory_ratio:.3f} | <= {TARGET_MEMORY_RATIO} |")  # fmt: skip
    print(f"| nodes per forward graph | {nodes['micro']} | {nodes['micrograd']} | "
          f"{nodes['micro'] / nodes['micrograd']:.3f} | 1 |")  # fmt: skip
    print(f"| deepest chain backpropagated (tried {', '.join(map(str, depths))}) "
          f"| {chains['micro']} | {chains['micrograd']} | | 200000 |")  # fmt: skip
    floor = floor_shares(rounds, steps, points, labels)
    cells = {name: f"{summary(shares)}, {1e3 * statistics.median(seconds):.1f} ms per step"
             for name, (shares, seconds) in floor.items()}
    print(f"| the GC's share and time, micro against the floor: a bare engine, one slotted object "
          f"per node, no checks (same graph) | {cells['micro']} | floor {cells['floor']} | | |")
    by_generation = gc_by_generation(MicroValue, points, labels, 3 * steps)
    print()
    print("micro's cyclic GC per training step, by generation (collections, ms): " + ", ".join(
        f"gen{g} {count:.1f}, {ms:.1f} ms" for g, (count, ms) in by_generation.items()
    ))  # fmt: skip

    if nodes["micro"] != nodes["micrograd"] or not same_loss:
        print("error: the engines did not build the same graph", file=sys.stderr)
        return 1
    missed = [
        name
        for name, figure, target in [
            ("GC off", no_gc_ratio, TARGET_GC_OFF_RATIO),
            ("GC on", gc_ratio, TARGET_GC_ON_RATIO),
            ("GC share", gc_share, TARGET_GC_SHARE),
            ("memory", memory_ratio, TARGET_MEMORY_RATIO),
        ]
        if figure > target
    ]
    if not args.quick and missed:
        print(f"note: target missed: {', '.join(missed)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
