"""bench/bench_tensor.py --device cuda runs end to end and reports launches within budget
(slow: the 784-512-256-10 step at batch 256 in Triton's interpreter takes a while)."""

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench" / "bench_tensor.py"


@pytest.mark.slow
def test_bench_tensor_cuda_prints_launches_per_phase_within_budget():
    result = subprocess.run([sys.executable, str(BENCH), "--device", "cuda", "--quick"],
                            capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stderr
    rows = {line.split("|")[1].strip(): [cell.strip() for cell in line.split("|")[2:-1]]
            for line in result.stdout.splitlines() if line.startswith("| SGD") or line.startswith("| Adam")}
    assert set(rows) == {"SGD momentum", "Adam"}, result.stdout
    for cells in rows.values():
        zero_grad, forward, backward, step, total = map(int, cells)
        assert zero_grad + forward + backward + step == total <= 24
        assert step == 6
    assert "step times need a GPU" in result.stdout
