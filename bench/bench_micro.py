"""micro.Value against micrograd's Value on the same MLP training step.

    python bench/bench_micro.py            # full run (about a minute)
    python bench/bench_micro.py --quick    # smoke run: one round, shallow chains

The model, data and loss are those of micrograd's demo.ipynb: a 2-16-16-1 ReLU
MLP on 100 two-moons points, max-margin loss sum((1 + -y*score).relu()) / n
plus L2 1e-4 * sum(p*p), one SGD step. The code below is written once and
run on either Value class, from the same initial weights, so both engines
build the same graph (checked: same node count, same loss).

Reported, as a markdown table:
- time per training step (forward, backward, update), median over rounds; the
  engines alternate in one process with the GC at its defaults, and a
  gc.collect() (untimed) before each engine's turn keeps one engine's garbage
  out of the other's timing;
- bytes per node of one forward graph (tracemalloc / nodes counted by traversal);
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
TARGET_TIME_RATIO = 0.20
TARGET_MEMORY_RATIO = 0.35


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


def bytes_per_node(value_class, points, labels) -> tuple[float, int]:
    model = GenericMLP(value_class)
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    loss = total_loss(value_class, model, points, labels)
    allocated = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    nodes = count_nodes(loss)
    return allocated / nodes, nodes


def time_steps(rounds: int, steps: int, points, labels, gc_enabled=True) -> dict[str, list[float]]:
    """Seconds per training step, one entry per round and engine; order alternates."""
    models = {name: GenericMLP(value_class) for name, value_class in ENGINES.items()}
    per_step: dict[str, list[float]] = {name: [] for name in ENGINES}
    for round_index in range(rounds):
        names = list(ENGINES) if round_index % 2 == 0 else list(reversed(ENGINES))
        for name in names:
            gc.collect()
            if not gc_enabled:
                gc.disable()
            start = time.perf_counter()
            for _ in range(steps):
                training_step(ENGINES[name], models[name], points, labels)
            per_step[name].append((time.perf_counter() - start) / steps)
            gc.enable()
    gc.collect()
    return per_step


def step_row(title: str, times: dict[str, list[float]], target: str) -> tuple[str, float]:
    """A table row for per-step times, and the median over rounds of the paired ratios."""
    ratio = statistics.median(
        ours / theirs for ours, theirs in zip(times["micro"], times["micrograd"], strict=True)
    )
    ms = {name: 1e3 * statistics.median(t) for name, t in times.items()}
    return (
        f"| {title} | {ms['micro']:.1f} | {ms['micrograd']:.1f} | {ratio:.3f} | {target} |",
        ratio,
    )


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
    args = parser.parse_args(argv)
    rounds = args.rounds or (1 if args.quick else 7)
    steps = 1 if args.quick else 3
    depths = CHAIN_DEPTHS[:3] if args.quick else CHAIN_DEPTHS

    points, labels = make_moons(100)

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

    memory = {
        name: bytes_per_node(value_class, points, labels) for name, value_class in ENGINES.items()
    }
    default_row, time_ratio = step_row(
        "training step, ms (GC at defaults)",
        time_steps(rounds, steps, points, labels),
        f"<= {TARGET_TIME_RATIO}",
    )
    no_gc_row, _ = step_row(
        "training step, ms (GC disabled)",
        time_steps(rounds, steps, points, labels, gc_enabled=False),
        "",
    )
    chains = {name: deepest_chain(name, depths) for name in ENGINES}
    memory_ratio = memory["micro"][0] / memory["micrograd"][0]

    print()
    print(f"Python {sys.version.split()[0]}, {rounds} rounds x {steps} steps, medians")
    print()
    print("| measure | micro | micrograd | micro / micrograd | target |")
    print("|---|---:|---:|---:|---:|")
    print(default_row)
    print(no_gc_row)
    print(f"| bytes per node | {memory['micro'][0]:.0f} | {memory['micrograd'][0]:.0f} "
          f"| {memory_ratio:.3f} | <= {TARGET_MEMORY_RATIO} |")  # fmt: skip
    print(f"| nodes per forward graph | {nodes['micro']} | {nodes['micrograd']} | "
          f"{nodes['micro'] / nodes['micrograd']:.3f} | 1 |")  # fmt: skip
    print(f"| deepest chain backpropagated (tried {', '.join(map(str, depths))}) "
          f"| {chains['micro']} | {chains['micrograd']} | | |")  # fmt: skip

    if nodes["micro"] != nodes["micrograd"] or not same_loss:
        print("error: the engines did not build the same graph", file=sys.stderr)
        return 1
    if not args.quick and (time_ratio > TARGET_TIME_RATIO or memory_ratio > TARGET_MEMORY_RATIO):
        print("note: a target was missed", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
