"""``python -m triton_kernels.inspect [--json] [--check]``: compile every shipped kernel for sm_80 and sm_90.

No GPU is needed: each family module (``elementwise reduce matmul softmax index optim``)
lists its shipped (kernel, dtype, config) builds in ``AOT_BUILDS`` (see
:class:`triton_kernels._common.AotBuild`); this command compiles each build ahead of
time with ``triton.compile(ASTSource(...), target=GPUTarget("cuda", arch, 32))`` for
both architectures, as the JIT would specialise it (unit strides as constants,
divisibility-by-16 hints, given by the build), and reports per build and arch:

- ``registers`` and ``spill_bytes`` from the ``cuobjdump --dump-resource-usage`` shipped
  with Triton (spill bytes: the thread's stack frame plus local memory, which is where
  ptxas puts spilled registers; the kernels here have no local arrays);
- ``shared_bytes`` from the compiled kernel's metadata;
- ``tensor_core``: ``wgmma`` or ``mma`` if that instruction is in the PTX, else ``none``.

It must run without ``TRITON_INTERPRET`` (the interpreter compiles nothing): when that
variable is set, the command re-executes itself without it. ``--check`` exits non-zero on
a failed compile, a spill, shared memory over the arch's limit (227 KiB on sm_90, 163 KiB
on sm_80), or an fp16/bf16 matmul without ``wgmma`` on sm_90 / ``mma`` on sm_80.
Builds compile in parallel (``--jobs``, default: the number of CPUs).
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ProcessPoolExecutor

from ._common import interpreting

FAMILIES = ("elementwise", "reduce", "matmul", "softmax", "index", "optim")
ARCHS = (80, 90)
SHARED_LIMIT = {80: 163 * 1024, 90: 227 * 1024}
KEYS = ("kernel", "arch", "dtype", "config", "registers", "spill_bytes", "shared_bytes", "tensor_core")
_RESOURCES = re.compile(r"REG:(\d+)\s+STACK:(\d+)\s+SHARED:(\d+)\s+LOCAL:(\d+)")


def load_builds(families=FAMILIES) -> tuple[list[tuple[str, int]], list[str]]:
    """``(family, index)`` of every shipped build, and a note per family skipped (module or list missing)."""
    builds, notes = [], []
    for family in families:
        try:
            module = importlib.import_module(f"triton_kernels.{family}")
        except ModuleNotFoundError as error:
            if error.name != f"triton_kernels.{family}":
                raise
            notes.append(f"skipped {family}: triton_kernels/{family}.py does not exist yet")
            continue
        aot = getattr(module, "AOT_BUILDS", None)
        if aot is None:
            notes.append(f"skipped {family}: the module has no AOT_BUILDS list")
            continue
        builds += [(family, i) for i in range(len(aot))]
    return builds, notes


def _jit_function(kernel):
    """The JITFunction under autotune / heuristics wrappers."""
    while not hasattr(kernel, "arg_names") and hasattr(kernel, "fn"):
        kernel = kernel.fn
    return kernel


def _tools_dir() -> str:
    import triton

    return os.path.join(os.path.dirname(triton.__file__), "backends", "nvidia", "bin")


def resource_usage(cubin: bytes) -> tuple[int, int]:
    """``(registers, spill_bytes)`` of a cubin, read by Triton's bundled ``cuobjdump``."""
    with tempfile.NamedTemporaryFile(suffix=".cubin") as file:
        file.write(cubin)
        file.flush()
        result = subprocess.run(
            [os.path.join(_tools_dir(), "cuobjdump"), "--dump-resource-usage", file.name],
            capture_output=True, text=True, check=True,
        )
    match = _RESOURCES.search(result.stdout)
    if match is None:
        raise RuntimeError(f"cuobjdump printed no resource usage:\n{result.stdout}{result.stderr}")
    registers, stack, _, local = (int(g) for g in match.groups())
    return registers, stack + local


def tensor_core_instruction(ptx: str) -> str:
    """``wgmma`` (Hopper warpgroup MMA), ``mma`` (Ampere-style warp MMA) or ``none``, from the PTX."""
    if re.search(r"\bwgmma\.", ptx):
        return "wgmma"
    if re.search(r"\bmma\.sync\.", ptx):
        return "mma"
    return "none"


def compile_build(family: str, index: int, arch: int) -> dict:
    """Compile build ``index`` of ``family`` for ``sm_<arch>``; a row with :data:`KEYS` (plus ``error``)."""
    import triton
    from triton.backends.compiler import GPUTarget
    from triton.compiler import ASTSource

    build = importlib.import_module(f"triton_kernels.{family}").AOT_BUILDS[index]
    fn = _jit_function(build.kernel)
    row = {"kernel": f"{family}.{fn.__name__}", "arch": f"sm_{arch}", "dtype": build.dtype,
           "config": build.config, "registers": None, "spill_bytes": None, "shared_bytes": None,
           "tensor_core": None}
    attrs = {(fn.arg_names.index(name),): [["tt.divisibility", 16]] for name in build.divisible}
    try:
        compiled = triton.compile(
            ASTSource(fn=fn, signature=build.signature, constexprs=build.constexprs, attrs=attrs),
            target=GPUTarget("cuda", arch, 32),
            options={"num_warps": build.num_warps, "num_stages": build.num_stages,
                     **getattr(build, "options", {})},
        )
        row["registers"], row["spill_bytes"] = resource_usage(compiled.asm["cubin"])
        row["shared_bytes"] = compiled.metadata.shared
        row["tensor_core"] = tensor_core_instruction(compiled.asm["ptx"])
    except Exception as error:  # reported as a row: one broken build must not hide the others
        row["error"] = f"{type(error).__name__}: {str(error).strip().splitlines()[-1] if str(error) else ''}"
    return row


def _compile_task(task):
    return compile_build(*task)


def compile_all(builds, archs=ARCHS, jobs: int | None = None) -> list[dict]:
    """Rows for every build at every arch, compiled by ``jobs`` worker processes."""
    tasks = [(family, index, arch) for family, index in builds for arch in archs]
    jobs = jobs or os.cpu_count() or 1
    if jobs == 1 or len(tasks) <= 1:
        return [compile_build(*task) for task in tasks]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        return list(pool.map(_compile_task, tasks, chunksize=1))


def violations(rows: list[dict]) -> list[str]:
    """What breaks the shipping rules: failed compiles, spills, shared memory over the limit, and
    fp16/bf16 matmuls not on tensor cores (``mma`` on sm_80, ``wgmma`` on sm_90)."""
    problems = []
    for row in rows:
        name = f"{row['kernel']} {row['arch']} {row['dtype']} [{row['config']}]"
        if "error" in row:
            problems.append(f"{name}: does not compile: {row['error']}")
            continue
        if row["spill_bytes"]:
            problems.append(f"{name}: spills {row['spill_bytes']} bytes")
        arch = int(row["arch"].removeprefix("sm_"))
        if row["shared_bytes"] > SHARED_LIMIT[arch]:
            problems.append(f"{name}: {row['shared_bytes']} bytes of shared memory > {SHARED_LIMIT[arch]}")
        if row["kernel"].startswith("matmul.") and row["dtype"] in ("fp16", "bf16"):
            wanted = "wgmma" if arch >= 90 else "mma"
            if row["tensor_core"] != wanted:
                problems.append(f"{name}: tensor-core instruction {row['tensor_core']}, expected {wanted}")
    return problems


def format_table(rows: list[dict]) -> str:
    """The rows as an aligned text table (a failed compile shows its error in the last column)."""
    header = list(KEYS)
    lines = [[str(row.get(key) if "error" not in row or key in ("kernel", "arch", "dtype", "config")
                  else "-") for key in KEYS] + ([row["error"]] if "error" in row else []) for row in rows]
    widths = [max(len(cells[i]) for cells in [header, *lines]) for i in range(len(header))]
    out = ["  ".join(h.ljust(w) for h, w in zip(header, widths))]
    out.append("  ".join("-" * w for w in widths))
    out += ["  ".join(cell.ljust(w) for cell, w in zip(cells, widths + [0])).rstrip() for cells in lines]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m triton_kernels.inspect",
                                     description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the rows as a JSON list of objects")
    parser.add_argument("--check", action="store_true", help="exit 1 if a build breaks a shipping rule")
    parser.add_argument("--families", default=",".join(FAMILIES), help="comma-separated family modules")
    parser.add_argument("--sample", action="store_true",
                        help="a quick representative subset: the first build of each kernel (of each "
                             "dtype for the matmul)")
    parser.add_argument("--jobs", type=int, default=None, help="parallel compile processes")
    args = parser.parse_args(argv)
    if interpreting():
        # Before any family module is imported: under the interpreter @triton.jit makes no
        # compilable kernel, so start again in a process without TRITON_INTERPRET.
        env = {k: v for k, v in os.environ.items() if k != "TRITON_INTERPRET"}
        argv = sys.argv[1:] if argv is None else argv
        os.execve(sys.executable, [sys.executable, "-m", "triton_kernels.inspect", *argv], env)
    os.environ.setdefault("TRITON_DEFAULT_FP_FUSION", "1")  # the JIT's default in Triton 3.9, said explicitly

    builds, notes = load_builds(tuple(f for f in args.families.split(",") if f))
    if args.sample:
        builds = sample(builds)
    rows = compile_all(builds, jobs=args.jobs)
    if args.json:
        print(json.dumps([{key: row[key] for key in KEYS} for row in rows], indent=1))
    else:
        print(format_table(rows))
    for note in notes:
        print(note, file=sys.stderr)
    problems = violations(rows)
    for problem in problems:
        print(f"FAIL {problem}", file=sys.stderr)
    if not args.json:
        print(f"\n{len(rows)} builds compiled ({len(builds)} builds x {len(ARCHS)} arches), "
              f"{len(problems)} rule violations", file=sys.stderr)
    return 1 if args.check and problems else 0


def sample(builds: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """A quick representative subset: the first build of each kernel, and of each dtype of the matmul
    (whose fp16/bf16 builds carry the tensor-core rule)."""
    seen, kept = set(), []
    for family, index in builds:
        build = importlib.import_module(f"triton_kernels.{family}").AOT_BUILDS[index]
        key = (family, _jit_function(build.kernel).__name__, build.dtype if family == "matmul" else None)
        if key not in seen:
            seen.add(key)
            kept.append((family, index))
    return kept


if __name__ == "__main__":
    sys.exit(main())
