"""bench/train_digits.py --device cuda: two epochs through the Triton backend give the same
per-epoch losses and test accuracy as on cpu (slow: the interpreter runs every kernel)."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "train_digits.py"


def _epochs(device, out_dir):
    env = dict(os.environ, LUCIDGRAD_OUT=str(out_dir))
    result = subprocess.run([sys.executable, str(SCRIPT), "--device", device, "--epochs", "2"],
                            capture_output=True, text=True, timeout=900, env=env, check=True)
    return [tuple(map(float, match)) for match in
            re.findall(r"train loss ([0-9.]+)  test accuracy ([0-9.]+)", result.stdout)]


@pytest.mark.slow
def test_train_digits_same_losses_on_cpu_and_cuda(tmp_path):
    on_cpu, on_cuda = _epochs("cpu", tmp_path), _epochs("cuda", tmp_path)
    assert len(on_cpu) == len(on_cuda) == 2
    for (loss_cpu, accuracy_cpu), (loss_cuda, accuracy_cuda) in zip(on_cpu, on_cuda):
        assert loss_cuda == pytest.approx(loss_cpu, abs=2e-4)
        assert accuracy_cuda == pytest.approx(accuracy_cpu, abs=3e-3)
