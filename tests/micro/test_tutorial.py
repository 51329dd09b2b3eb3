"""Tutorial 10 runs headless, writes its pictures and trains to high accuracy."""

import os
import re
import subprocess
import sys
from pathlib import Path

TUTORIAL = Path(__file__).resolve().parents[2] / "tutorials" / "10_micrograd_from_scratch.py"


def test_tutorial_10_runs_and_writes_its_outputs(tmp_path):
    env = {**os.environ, "LUCIDGRAD_OUT": str(tmp_path), "MPLBACKEND": "Agg"}
    result = subprocess.run(
        [sys.executable, str(TUTORIAL)], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr
    accuracy = re.search(r"^final train accuracy: ([\d.]+)%$", result.stdout, re.MULTILINE)
    assert accuracy and float(accuracy.group(1)) >= 95.0, result.stdout
    assert (tmp_path / "decision_boundary.png").read_bytes().startswith(b"\x89PNG")
    dot = (tmp_path / "neuron.dot").read_text()
    assert dot.startswith("digraph") and "{ relu | data" in dot and "{ w1 | data" in dot
