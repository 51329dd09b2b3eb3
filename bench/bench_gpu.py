"""Every triton_kernels family against torch on one GPU; a smoke run through the interpreter without one.

    python bench/bench_gpu.py                 # on a GPU: the figures below
    python bench/bench_gpu.py --peak-gbs 3350 # give the peak bandwidth if torch cannot tell it
    python bench/bench_gpu.py --smoke         # tiny sizes (the default without a GPU)

On a GPU each case runs the Triton launcher and the torch op doing the same work on the
same inputs, each timed with ``triton.testing.do_bench`` (median ms), and reports:

- memory-bound kernels (elementwise, reductions, softmax, cross_entropy, index, optim;
  forward and backward): GB/s = bytes moved per call / time, against the GPU's peak
  bandwidth and against torch. Targets: >= 85% of peak and >= 1.0x torch's speed.
- matmul at 4096^3 (fp16, bf16, and fp32 with tf32 on both sides): TFLOP/s = 2 M N K /
  time for the forward ``A @ B`` and both backward products ``dA = g @ B^T`` and
  ``dB = A^T @ g`` (transposed views, no copy), against torch (cuBLAS). Targets: fp16/bf16
  >= 90% of cuBLAS; each backward within 10% of the forward's TFLOP/s.

Without a GPU nothing can be timed: the script sets ``TRITON_INTERPRET=1``, runs every case
once in Triton's CPU interpreter on tiny sizes, checks each result against torch's, and
prints the bytes and flops each kernel moves per call at the GPU sizes (and at the smoke
sizes it ran). It prints no speed figure: speed figures need a GPU.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass

import torch

if not torch.cuda.is_available():
    os.environ.setdefault("TRITON_INTERPRET", "1")  # before triton is imported

import torch.nn.functional as F  # noqa: E402

from triton_kernels import elementwise, index, matmul, optim, reduce, softmax  # noqa: E402

MEMORY_TARGET_OF_PEAK = 0.85
MEMORY_TARGET_VS_TORCH = 1.0
MATMUL_TARGET_VS_CUBLAS = 0.90
BACKWARD_WITHIN = 0.10


@dataclass
class Case:
    """One benchmark: the Triton call and torch's, their work per call, and how to compare results."""

    family: str
    name: str
    run: Callable[[], object]
    reference: Callable[[], object]
    bytes_moved: int
    flops: int = 0
    tolerance: float = 1e-4


def nbytes(*tensors: torch.Tensor) -> int:
    return sum(t.numel() * t.element_size() for t in tensors)


def memory_cases(n: int, rows: int, cols: int, vocab_rows: int, vocab: int, device) -> list[Case]:
    """The memory-bound cases: ``n`` elements, a (rows, cols) matrix, (vocab_rows, vocab) logits."""
    gen = _generator(device)

    def randn(*shape, dtype=torch.float32):
        return torch.randn(*shape, generator=gen, device=device, dtype=dtype)

    x, y, grad = randn(n), randn(n), randn(n)
    matrix, matrix_grad = randn(rows, cols), randn(rows, cols)
    probs = torch.softmax(matrix, dim=1)
    logits = randn(vocab_rows, vocab)
    target = torch.randint(0, vocab, (vocab_rows,), generator=gen, device=device)
    index_rows = torch.randint(0, cols, (rows, cols), generator=gen, device=device)
    param, adam_grad = randn(n), randn(n)
    row_sums = torch.empty(rows, device=device)

    def adam_pair():
        """Triton's adam_step_ and torch's Adam (fused on a GPU) from the same fresh state; the first
        call of each is the checked step 1, later (timed) calls keep stepping."""
        ours = [param.clone(), adam_grad, torch.zeros_like(param), torch.zeros_like(param)]
        p = param.clone().requires_grad_()
        p.grad = adam_grad.clone()
        on_gpu = p.device.type == "cuda"
        opt = torch.optim.Adam([p], lr=1e-3, fused=on_gpu or None, foreach=False if not on_gpu else None)
        hyper = dict(lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8)

        def run():
            optim.adam_step_(*ours, step=1, **hyper)
            return ours[0]

        def reference():
            opt.step()
            return p.detach()
        return run, reference

    adam_run, adam_reference = adam_pair()
    return [
        Case("elementwise", "add", lambda: elementwise.binary("add", x, y), lambda: x + y, nbytes(x, y, x)),
        Case("elementwise", "gelu", lambda: elementwise.unary("gelu", x), lambda: F.gelu(x), nbytes(x, x)),
        Case("elementwise", "gelu backward", lambda: elementwise.unary_backward("gelu", grad, x),
             lambda: torch.ops.aten.gelu_backward(grad, x), nbytes(grad, x, x)),
        Case("elementwise", "mul backward (both)", lambda: elementwise.mul_backward(grad, x, y),
             lambda: (grad * y, grad * x), nbytes(grad, x, y, x, y)),
        Case("reduce", "sum rows", lambda: reduce.reduce("sum", matrix, dims=(1,)), lambda: matrix.sum(1),
             nbytes(matrix, row_sums)),
        Case("reduce", "sum_to_shape (bias grad)", lambda: reduce.sum_to_shape(matrix, (cols,)),
             lambda: matrix.sum(0), nbytes(matrix) + cols * 4),
        Case("softmax", "softmax", lambda: softmax.softmax(matrix, 1), lambda: torch.softmax(matrix, 1),
             nbytes(matrix, matrix)),
        Case("softmax", "softmax backward", lambda: softmax.softmax_backward(matrix_grad, probs, 1),
             lambda: torch._softmax_backward_data(matrix_grad, probs, 1, matrix.dtype),
             nbytes(matrix_grad, probs, matrix)),
        Case("softmax", "cross_entropy (loss + grad)", lambda: softmax.cross_entropy(logits, target)[1],
             lambda: torch.func.grad(lambda z: F.cross_entropy(z, target))(logits),
             nbytes(logits, logits, target)),
        Case("index", "gather", lambda: index.gather(matrix, 1, index_rows),
             lambda: torch.gather(matrix, 1, index_rows), nbytes(index_rows, matrix, matrix)),
        Case("index", "scatter_add (gather backward)",
             lambda: index.scatter_add((rows, cols), 1, index_rows, matrix_grad),
             lambda: torch.zeros(rows, cols, device=device).scatter_add_(1, index_rows, matrix_grad),
             nbytes(index_rows, matrix_grad, matrix)),
        Case("optim", "adam_step_", adam_run, adam_reference, nbytes(param) * 7, tolerance=1e-3),
    ]


def _generator(device):
    """A seeded generator (none on the meta device, where only shapes are computed)."""
    return None if device.type == "meta" else torch.Generator(device=device).manual_seed(0)


def matmul_cases(m: int, n: int, k: int, device, dtypes) -> list[Case]:
    """C = A @ B and its two backward products on transposed views, per dtype (fp32 as tf32)."""
    cases = []
    gen = _generator(device)
    for dtype in dtypes:
        a = torch.randn(m, k, generator=gen, device=device).to(dtype)
        b = torch.randn(k, n, generator=gen, device=device).to(dtype)
        g = torch.randn(m, n, generator=gen, device=device).to(dtype)
        label = {torch.float16: "fp16", torch.bfloat16: "bf16", torch.float32: "fp32-tf32"}[dtype]
        precision = "tf32" if dtype == torch.float32 else None
        tolerance = 1e-2 if dtype != torch.float32 or device.type == "cuda" else 1e-4
        for name, lhs, rhs in (("A @ B", a, b), ("dA = g @ B^T", g, b.t()), ("dB = A^T @ g", a.t(), g)):
            cases.append(Case(
                "matmul", f"{label} {name}",
                lambda lhs=lhs, rhs=rhs, mode=precision: matmul.matmul(lhs, rhs, input_precision=mode),
                lambda lhs=lhs, rhs=rhs: lhs @ rhs,
                nbytes(lhs, rhs) + lhs.shape[0] * rhs.shape[1] * lhs.element_size(),
                flops=2 * lhs.shape[0] * rhs.shape[1] * lhs.shape[1], tolerance=tolerance,
            ))
    return cases


GPU_SIZES = dict(n=1 << 26, rows=8192, cols=8192, vocab_rows=4096, vocab=131072)
SMOKE_SIZES = dict(n=4096, rows=16, cols=256, vocab_rows=8, vocab=1000)
GPU_MATMUL = (4096, 4096, 4096)
SMOKE_MATMUL = (64, 48, 80)


def work_at(sizes: dict, matmul_shape, dtypes) -> dict[tuple[str, str], tuple[int, int]]:
    """(bytes, flops) per call of every case at ``sizes``, computed on the meta device (no memory)."""
    meta = torch.device("meta")
    cases = memory_cases(**sizes, device=meta) + matmul_cases(*matmul_shape, device=meta, dtypes=dtypes)
    return {(c.family, c.name): (c.bytes_moved, c.flops) for c in cases}


def check(case: Case) -> float:
    """Run the case once; the largest difference to torch's result, relative to its scale."""
    got, want = case.run(), case.reference()
    pairs = zip(got, want) if isinstance(got, tuple) else [(got, want)]
    worst = 0.0
    for ours, theirs in pairs:
        ours, theirs = ours.double(), theirs.double()
        worst = max(worst, ((ours - theirs).abs().max() / theirs.abs().max().clamp_min(1.0)).item())
    return worst


def peak_bandwidth_gbs(override: float | None) -> float | None:
    if override:
        return override
    props = torch.cuda.get_device_properties(0)
    clock_khz = getattr(props, "memory_clock_rate", None)
    bus_bits = getattr(props, "memory_bus_width", None)
    if clock_khz and bus_bits:
        return 2 * clock_khz * 1e3 * bus_bits / 8 / 1e9  # double data rate
    return None


def smoke(dtypes) -> int:
    """Run every case once at tiny sizes (in the interpreter without a GPU), checked against torch;
    print the work per call."""
    gpu_work = work_at(GPU_SIZES, GPU_MATMUL, dtypes)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    cases = memory_cases(**SMOKE_SIZES, device=device)
    cases += matmul_cases(*SMOKE_MATMUL, device=device, dtypes=dtypes)
    where = "on the GPU" if device.type == "cuda" else "in Triton's CPU interpreter (no GPU here)"
    print(f"Smoke run: each kernel ran once {where} at tiny sizes and was checked against torch.")
    print("Speed figures (GB/s, TFLOP/s, vs torch/cuBLAS) need a GPU benchmark run: none is printed.\n")
    header = ("family", "case", "MB/call @GPU size", "GFLOP/call @GPU size", "bytes @smoke", "vs torch")
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    failures = 0
    for case in cases:
        try:
            error = check(case)
            verdict = f"max rel diff {error:.1e}" + ("" if error <= case.tolerance else " FAIL")
            failures += error > case.tolerance
        except Exception as exc:  # a broken launcher is reported, and the run fails at the end
            verdict = f"FAIL {type(exc).__name__}: {exc}"
            failures += 1
        gpu_bytes, gpu_flops = gpu_work[(case.family, case.name)]
        flops = f"{gpu_flops / 1e9:.1f}" if gpu_flops else "-"
        cells = (case.family, case.name, f"{gpu_bytes / 1e6:.1f}", flops, str(case.bytes_moved), verdict)
        print("| " + " | ".join(cells) + " |")
    print(f"\nGPU sizes: {GPU_SIZES}, matmul {GPU_MATMUL}; smoke sizes: {SMOKE_SIZES}, matmul {SMOKE_MATMUL}")
    return 1 if failures else 0


def benchmark(dtypes, peak_override: float | None) -> int:
    """Time every case against torch on the GPU and print the figures with their targets."""
    from triton.testing import do_bench

    torch.backends.cuda.matmul.allow_tf32 = True  # torch's fp32 side of the tf32 comparison
    device = torch.device("cuda")
    peak = peak_bandwidth_gbs(peak_override)
    print(f"GPU: {torch.cuda.get_device_name(0)}; peak bandwidth "
          f"{f'{peak:.0f} GB/s' if peak else 'unknown (pass --peak-gbs)'}\n")
    print("| family | case | Triton | torch | vs torch | target |")
    print("|---|---|---|---|---|---|")
    misses = 0
    forward_tflops = {}
    cases = memory_cases(**GPU_SIZES, device=device) + matmul_cases(*GPU_MATMUL, device=device, dtypes=dtypes)
    for case in cases:
        error = check(case)
        ours_ms, torch_ms = do_bench(case.run), do_bench(case.reference)
        speedup = torch_ms / ours_ms
        if case.flops:
            ours, theirs = case.flops / ours_ms / 1e9, case.flops / torch_ms / 1e9
            label = case.name.split()[0]
            if "A @ B" in case.name:
                forward_tflops[label] = ours
                met = label == "fp32-tf32" or speedup >= MATMUL_TARGET_VS_CUBLAS
                target = f">= {MATMUL_TARGET_VS_CUBLAS:.0%} of cuBLAS"
                if label == "fp32-tf32":
                    target = "(reported; no target)"
            else:
                met = ours >= (1 - BACKWARD_WITHIN) * forward_tflops[label]
                target = f"within {BACKWARD_WITHIN:.0%} of forward"
            row = (f"{ours:.0f} TFLOP/s", f"{theirs:.0f} TFLOP/s")
        else:
            ours, theirs = case.bytes_moved / ours_ms / 1e6, case.bytes_moved / torch_ms / 1e6
            met = speedup >= MEMORY_TARGET_VS_TORCH and (peak is None or ours >= MEMORY_TARGET_OF_PEAK * peak)
            of_peak = f", {ours / peak:.0%} of peak" if peak else ""
            row = (f"{ours:.0f} GB/s{of_peak}", f"{theirs:.0f} GB/s")
            target = f">= {MEMORY_TARGET_OF_PEAK:.0%} peak, >= 1.0x torch"
        met = met and error <= case.tolerance
        misses += not met
        print(f"| {case.family} | {case.name} | {row[0]} | {row[1]} | {speedup:.2f}x | {target}: "
              f"{'met' if met else 'MISSED'} (max rel diff {error:.1e}) |")
    return 1 if misses else 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="interpreter-sized smoke run even on a GPU")
    parser.add_argument("--peak-gbs", type=float, default=None, help="the GPU's peak memory bandwidth")
    args = parser.parse_args(argv)
    dtypes = (torch.float16, torch.bfloat16, torch.float32)
    if args.smoke or not torch.cuda.is_available():
        return smoke(dtypes)
    return benchmark(dtypes, args.peak_gbs)


if __name__ == "__main__":
    sys.exit(main())
