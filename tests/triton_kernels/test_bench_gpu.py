"""bench/bench_gpu.py: without a GPU it smoke-runs every family in the interpreter and times nothing."""

import importlib.util
import os
import subprocess
import sys

import torch

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(ROOT, "bench", "bench_gpu.py")


def load_bench():
    spec = importlib.util.spec_from_file_location("bench_gpu", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_smoke_run_checks_every_family_and_prints_no_speed():
    env = {**os.environ, "TRITON_INTERPRET": "1"}
    result = subprocess.run([sys.executable, SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "need a GPU" in out
    assert "GB/s |" not in out and "TFLOP/s |" not in out  # no speed figure without a GPU
    rows = [line.split(" | ") for line in out.splitlines() if line.startswith("| ") and "---" not in line][1:]
    families = {row[0].strip("| ") for row in rows}
    assert families == {"elementwise", "reduce", "softmax", "index", "optim", "matmul"}
    assert all("max rel diff" in row[-1] and "FAIL" not in row[-1] for row in rows)
    by_name = {row[1]: row for row in rows}
    assert by_name["adam_step_"][2] == f"{7 * 4 * 2**26 / 1e6:.1f}"  # p, g, m, v read; p, m, v written
    assert by_name["fp16 A @ B"][3] == f"{2 * 4096**3 / 1e9:.1f}"  # 2 M N K
    assert by_name["fp16 dB = A^T @ g"][2] == f"{3 * 4096 * 4096 * 2 / 1e6:.1f}"


def test_check_reports_a_wrong_result():
    bench = load_bench()
    wrong = bench.Case("x", "wrong", lambda: torch.ones(3), lambda: torch.zeros(3), bytes_moved=24)
    pair = (torch.ones(3), torch.ones(2))
    right = bench.Case("x", "right", lambda: pair, lambda: tuple(t.clone() for t in pair), bytes_moved=20)
    assert bench.check(wrong) == 1.0
    assert bench.check(right) == 0.0
