"""bench/bench_tensor.py runs end to end (a smoke run: no timing is asserted).

The benchmark itself checks that both libraries agree (chain gradients, the
long chain's gradient, the second derivative, first MLP losses) before timing;
this test makes sure its --quick run (a few seconds) keeps running and prints
every row of its table, each at one thread and with its target where it has one.
"""

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_tensor.py"

# Row-name prefixes of the --quick run (its long chain has 10 000 ops, not 100 000), and
# the target each row prints in its ratio column (None: informative, no target).
ROWS = {
    "100-op elementwise chain, fwd+bwd": "(<= 1.0)",
    "10 000-op elementwise chain, graph build + backward, GC at defaults": "(<= 1.2)",
    "10 000-op elementwise chain, graph build only (forward)": "(no target)",
    "create_graph=True second derivative of the 100-op chain": "(<= 1.3)",
    "MLP 784-512-256-10 training step, batch 256": "(<= 1.05)",
    "the same step's 8 matmuls alone: numpy's BLAS vs torch's": "(no target)",
    "the same step without its matmuls": "(no target)",
    "MLP 784-64-64-10 training step, batch 32": "(<= 1.2)",
}


def test_bench_tensor_quick_run_prints_every_row():
    result = subprocess.run(
        [sys.executable, str(BENCH), "--quick"], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert "| benchmark | lucidgrad tensor | torch (CPU) | ratio min | ratio median (target) |" in lines
    cells = [
        [cell.strip() for cell in line.split("|")[1:-1]]
        for line in lines
        if line.startswith("| ") and not line.startswith("| benchmark")
    ]
    assert len(cells) == len(ROWS), result.stdout
    for (prefix, target), row in zip(ROWS.items(), cells):
        name, _ours, _theirs, _ratio_min, ratio_median = row
        assert name.startswith(prefix) and name.endswith(", 1 thread"), (prefix, name)
        assert ratio_median.endswith(target), (name, ratio_median)
