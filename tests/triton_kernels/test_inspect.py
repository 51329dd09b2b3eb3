"""``python -m triton_kernels.inspect``: every shipped kernel compiles for sm_80 and sm_90 within the rules.

The compiles run in a subprocess started WITH ``TRITON_INTERPRET=1`` (as this test process
has it): the command must re-execute itself without it. The default run compiles the
representative ``--sample`` (every kernel, every matmul dtype); the slow run compiles
every build and applies ``--check``. Each uses a fresh Triton cache, so nothing passes
from an earlier compile.
"""

import json
import os
import subprocess
import sys

import pytest

from triton_kernels import inspect as aot

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def run_inspect(tmp_path, *args):
    env = {**os.environ, "TRITON_INTERPRET": "1", "TRITON_CACHE_DIR": str(tmp_path / "triton-cache")}
    return subprocess.run([sys.executable, "-m", "triton_kernels.inspect", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=1800)


def shipped_builds(sample_only):
    builds, _ = aot.load_builds()
    return aot.sample(builds) if sample_only else builds


def check_rows(rows, builds):
    assert all(list(row) == list(aot.KEYS) for row in rows)  # exactly these keys, in this order
    assert len(rows) == 2 * len(builds)
    assert [row["arch"] for row in rows] == ["sm_80", "sm_90"] * len(builds)  # both arches per build
    for row in rows:
        assert row["registers"] is not None, f"{row} did not compile"
    assert aot.violations(rows) == []
    half_matmuls = [r for r in rows if r["kernel"].startswith("matmul.") and r["dtype"] in {"fp16", "bf16"}]
    assert {(r["arch"], r["tensor_core"]) for r in half_matmuls} == {("sm_80", "mma"), ("sm_90", "wgmma")}


def test_sample_compiles_for_both_arches_within_the_rules(tmp_path):
    result = run_inspect(tmp_path, "--json", "--sample")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    check_rows(rows, shipped_builds(sample_only=True))
    families = {row["kernel"].split(".")[0] for row in rows}
    assert {"matmul", "optim"} <= families


@pytest.mark.slow
def test_every_build_compiles_for_both_arches_within_the_rules(tmp_path):
    result = run_inspect(tmp_path, "--json", "--check")
    assert result.returncode == 0, result.stderr
    check_rows(json.loads(result.stdout), shipped_builds(sample_only=False))


def test_table_and_check_exit_code(tmp_path):
    result = run_inspect(tmp_path, "--families", "optim", "--sample", "--check")
    assert result.returncode == 0, result.stderr
    header, rule, *lines = result.stdout.strip().splitlines()
    assert header.split() == list(aot.KEYS)
    assert set(rule.replace(" ", "")) == {"-"}
    assert len(lines) == 2 * len(aot.sample(aot.load_builds(("optim",))[0]))
    assert all(line.split()[0].startswith("optim.") for line in lines)
    assert "0 rule violations" in result.stderr


def test_missing_family_is_skipped_with_a_note():
    builds, notes = aot.load_builds(("optim", "no_such_family"))
    assert builds and all(family == "optim" for family, _ in builds)
    assert notes == ["skipped no_such_family: triton_kernels/no_such_family.py does not exist yet"]


def test_tensor_core_instruction_from_ptx():
    hopper = "wgmma.mma_async.sync.aligned.m64n128k16.f32.bf16.bf16 {...}"
    assert aot.tensor_core_instruction(hopper) == "wgmma"
    assert aot.tensor_core_instruction("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {...}") == "mma"
    assert aot.tensor_core_instruction("fma.rn.f32 %f1, %f2, %f3, %f4;") == "none"


def row(**overrides):
    base = {"kernel": "matmul._matmul_kernel", "arch": "sm_90", "dtype": "bf16", "config": "c",
            "registers": 200, "spill_bytes": 0, "shared_bytes": 1000, "tensor_core": "wgmma"}
    return {**base, **overrides}


def test_violations_catch_each_rule():
    assert aot.violations([row(), row(arch="sm_80", tensor_core="mma")]) == []
    assert "spills 8 bytes" in aot.violations([row(spill_bytes=8)])[0]
    assert "shared memory" in aot.violations([row(shared_bytes=228 * 1024)])[0]
    assert aot.violations([row(arch="sm_80", tensor_core="mma", shared_bytes=163 * 1024)]) == []
    over = row(arch="sm_80", tensor_core="mma", shared_bytes=164 * 1024)
    assert "shared memory" in aot.violations([over])[0]
    assert "expected wgmma" in aot.violations([row(tensor_core="mma")])[0]
    assert "expected mma" in aot.violations([row(arch="sm_80", tensor_core="none")])[0]
    assert aot.violations([row(dtype="fp32", tensor_core="none")]) == []
    assert "does not compile" in aot.violations([row(error="CompilationError: x")])[0]


def test_format_table_aligns_columns():
    text = aot.format_table([row(), row(kernel="optim._adam_kernel", tensor_core="none", error="Boom: x")])
    header, rule, first, second = text.splitlines()
    assert header.index("registers") == first.index("200")
    assert second.split()[:2] == ["optim._adam_kernel", "sm_90"] and second.endswith("Boom: x")
