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
                "| nodes per forward graph |", "| deepest chain backpropagated"):  # fmt: skip
        assert row in result.stdout
