"""Tutorial 13: one expression, four engines.

    python tutorials/13_one_expression_four_engines.py

lucidgrad shows one algorithm, reverse-mode autodiff, three times. Here the
same computation runs in all of them and in PyTorch:

- `micro`: one Python float per Value, the chain rule one edge at a time;
- `tensor` on `cpu`: numpy arrays, PyTorch's API;
- `tensor` on `cuda`: the same code, every forward and backward op a Triton
  kernel from `triton_kernels`. Without a GPU, Triton's interpreter runs the
  kernels on the CPU (TRITON_INTERPRET=1, set below before triton loads), so
  the numbers are the kernels' own, only slower;
- `torch`, the reference.

The expression, for vectors x and w of 5 elements:

    f(x, w) = sum_i sigmoid( tanh(x_i w_i) + exp(x_i) / (w_i^2 + 1) )

Values and gradients are printed side by side and asserted equal (float64,
so the engines agree to ~1e-15). Picture: the gradients from each engine and
their distance from torch's.
"""

import os
import time
import warnings

import torch as real_torch

if not real_torch.cuda.is_available():
    os.environ.setdefault("TRITON_INTERPRET", "1")  # before triton is first imported

import matplotlib.pyplot as plt  # noqa: E402
from _tutorial import save  # noqa: E402

import micro  # noqa: E402
import tensor  # noqa: E402
from triton_kernels._common import count_launches  # noqa: E402

# The interpreter computes every lane of a block, masked-off lanes too, and
# numpy warns about their 0 / 0; those lanes are never stored. Silence that.
warnings.filterwarnings("ignore", category=RuntimeWarning, module="triton.runtime.interpreter")

X = [0.5, -1.2, 2.0, 0.1, -0.4]
W = [1.5, 0.3, -0.7, 2.2, -1.1]


def expression(x, w, sigmoid, tanh, exp):
    """f for one element (micro) or whole vectors (tensor, torch): the same formula."""
    return sigmoid(tanh(x * w) + exp(x) / (w * w + 1))


def run_micro():
    xs, ws = [micro.Value(v) for v in X], [micro.Value(v) for v in W]
    value = micro.Value
    f = sum((expression(x, w, value.sigmoid, value.tanh, value.exp) for x, w in zip(xs, ws)), value(0.0))
    f.backward()
    return f.data, [x.grad for x in xs], [w.grad for w in ws]


def run_library(lib, device):
    x = lib.tensor(X, dtype=lib.float64, device=device, requires_grad=True)
    w = lib.tensor(W, dtype=lib.float64, device=device, requires_grad=True)
    f = expression(x, w, lib.sigmoid, lib.tanh, lib.exp).sum()
    f.backward()
    return f.item(), x.grad.tolist(), w.grad.tolist()


device_note = "GPU" if real_torch.cuda.is_available() else "Triton interpreter on the CPU"
engines = {
    "micro": run_micro,
    "tensor cpu": lambda: run_library(tensor, "cpu"),
    f"tensor cuda ({device_note})": lambda: run_library(tensor, "cuda"),
    "torch": lambda: run_library(real_torch, "cpu"),
}
results, seconds, launches = {}, {}, {}
for name, run in engines.items():
    start = time.perf_counter()
    with count_launches() as counted:
        results[name] = run()
    seconds[name] = time.perf_counter() - start
    launches[name] = counted

# Only the cuda run goes through Triton: count its kernel launches.
cuda_name = next(name for name in engines if name.startswith("tensor cuda"))
print(f"{cuda_name}: {launches[cuda_name].total} Triton kernel launches, forward and backward:")
for kernel, count in sorted(launches[cuda_name].by_kernel.items()):
    print(f"  {kernel}: {count}")
assert launches[cuda_name].total > 0 and all(launches[n].total == 0 for n in engines if n != cuda_name)

# ---------------------------------------------------------------------------
# Side by side.
print(f"f(x, w) and its gradients, x = {X}, w = {W}")
width = max(len(name) for name in engines)
print(f"  {'engine':{width}s}  {'f':>18s}  {'df/dx_0':>12s}  {'df/dw_0':>12s}  seconds")
for name, (value, dx, dw) in results.items():
    print(f"  {name:{width}s}  {value:18.15f}  {dx[0]:12.9f}  {dw[0]:12.9f}  {seconds[name]:7.3f}")
print("  (seconds of the interpreter measure Python running each kernel program, not a GPU)")
print("  every gradient, df/dx and df/dw per element:")
for name, (_, dx, dw) in results.items():
    print(f"  {name:{width}s}  dx {[round(v, 6) for v in dx]}  dw {[round(v, 6) for v in dw]}")

reference = results["torch"]
distances = {}
for name, (value, dx, dw) in results.items():
    pairs = zip([value, *dx, *dw], [reference[0], *reference[1], *reference[2]])
    distance = max(abs(a - b) for a, b in pairs)
    distances[name] = distance
    print(f"  {name:{width}s}  largest |difference from torch| = {distance:.1e}")
    assert distance < 1e-12, f"{name} disagrees with torch by {distance}"
print("All four engines agree with torch to 1e-12 (values and gradients).")

# ---------------------------------------------------------------------------
# Picture: the gradients, one group of bars per element, one bar per engine;
# and each engine's largest distance from torch (log scale).
figure, (left, right) = plt.subplots(1, 2, figsize=(14, 4.8), gridspec_kw={"width_ratios": [2.2, 1]})
labels = [f"x_{i}" for i in range(len(X))] + [f"w_{i}" for i in range(len(W))]
count = len(engines)
for k, (name, (_, dx, dw)) in enumerate(results.items()):
    left.bar([i + (k - (count - 1) / 2) * 0.2 for i in range(len(labels))], dx + dw, width=0.2, label=name)
left.set_xticks(range(len(labels)), labels)
left.axhline(0, color="black", linewidth=0.5)
left.set_title("df/d(input) from each engine: the bars of a group are equal")
left.set_xlabel("input element")
left.set_ylabel("gradient")
left.legend(fontsize=8)
names = [name for name in engines if name != "torch"]
right.bar(range(len(names)), [max(distances[n], 1e-18) for n in names], color=["C0", "C1", "C2"])
right.set_yscale("log")
right.set_ylim(1e-18, 1e-10)
right.axhline(1e-12, color="tab:red", linestyle="--", label="tolerance asserted (1e-12)")
right.set_xticks(range(len(names)), [n.split(" (")[0] for n in names])
right.set_title("Largest |difference from torch| (0 drawn at 1e-18)")
right.set_xlabel("engine")
right.set_ylabel("absolute difference (log scale)")
right.legend(fontsize=8)
figure.tight_layout()
save(figure, "13_four_engines.png")
