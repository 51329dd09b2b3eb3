"""bench/bench_tensor.py runs end to end (a smoke run: no timing is asserted).

The benchmark itself checks that both libraries agree (chain gradients,
first MLP loss) before timing; this test makes sure it keeps running and
prints its table.
"""

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_tensor.py"


def test_bench_tensor_quick_run_prints_both_rows():
    result = subprocess.run(
        [sys.executable, str(BENCH), "--quick"], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    rows = [line for line in result.stdout.splitlines() if line.startswith("| ") and "ratio" not in line]
    names = [row.split("|")[1].strip() for row in rows if not row.startswith("|---")]
    assert any(name.startswith("100-op elementwise chain") for name in names), result.stdout
    assert any(name.startswith("MLP 784-512-256-10") for name in names), result.stdout
