"""Smoke test of bench/bench_micro.py --quick: it runs and both engines build the same graph.

No timing is asserted here; the benchmark itself reports the numbers.
"""

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_micro.py"


def test_quick_bench_runs_and_node_counts_match():
    result = subprocess.run(
        [sys.executable, str(BENCH), "--quick"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "-> match" in result.stdout
    assert "first loss equal across engines: True" in result.stdout
    for row in ("| training step, ms (GC at defaults) |", "| bytes per node |",
                "| training step, ms (GC disabled for both) |",
                "| the cyclic GC's share of the step", "| GC-tracked objects per node |",
                "| nodes per forward graph |", "| deepest chain backpropagated",
                "| the GC's share and time, micro against the floor"):  # fmt: skip
        assert row in result.stdout
    tracked_row = next(line for line in result.stdout.splitlines() if "GC-tracked objects" in line)
    micro_tracked = float(tracked_row.split("|")[2])
    assert 0.9 < micro_tracked <= 1.0  # one per node; the graph's few leaves were made before
    assert "micro's cyclic GC per training step, by generation" in result.stdout


def test_readable_cost_runs_and_builds_the_same_graph():
    # The inline forms must build micro's graph exactly; the run raises if they do not.
    result = subprocess.run(
        [sys.executable, str(BENCH), "--readable-cost", "--rounds", "1"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    for part in ("forward", "step"):
        assert f"inline / readable, {part} (GC off): " in result.stdout


def test_floor_engine_builds_micros_graph_and_gradients():
    # The floor row is only meaningful if the bare engine does the same work as micro.
    sys.path.insert(0, str(BENCH.parent))
    try:
        import bench_micro
    finally:
        sys.path.remove(str(BENCH.parent))
    points, labels = bench_micro.make_moons(20)
    losses = {}
    for name, value_class in (("micro", bench_micro.MicroValue), ("floor", bench_micro.BareValue)):
        model = bench_micro.GenericMLP(value_class)
        loss = bench_micro.total_loss(value_class, model, points, labels)
        loss.backward()
        losses[name] = (loss.data, bench_micro.count_nodes(loss), [p.grad for p in model.parameters()])
    assert losses["micro"] == losses["floor"]
