"""Benchmark: lucidgrad's tensor engine against torch on CPU, alternated in one process.

The chain benchmark builds ``x <- tanh(x * b + a) - x * 0.5`` on 4-element
float32 tensors, 20 times (100 elementwise ops), sums it, and runs backward:
on tensors this small the cost is all per-op overhead (creating outputs and
graph nodes, walking the graph), which is what the engine has to keep lean.

Run: ``python bench/bench_tensor.py`` (``--quick`` for a smoke run). Prints a
markdown table of median times and the ratio ours/torch (target <= 2.0).
"""

from __future__ import annotations

import argparse
import statistics
import time

CHAIN_BLOCKS = 20  # 5 ops per block: mul, add, tanh, mul, sub


def chain_step(lib, x0, a, b):
    """One forward + backward of the 100-op chain; returns the leaf's gradient."""
    x0.grad = None
    x = x0
    for _ in range(CHAIN_BLOCKS):
        x = lib.tanh(x * b + a) - x * 0.5
    x.sum().backward()
    return x0.grad


def _make_inputs(lib, values):
    x0 = lib.tensor(values[0], requires_grad=True)
    a = lib.tensor(values[1])
    b = lib.tensor(values[2])
    return x0, a, b


def time_alternating(fns: dict, rounds: int, repeat: int) -> dict:
    """Median seconds per call of each function, alternating them round by round."""
    samples = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            start = time.perf_counter()
            for _ in range(repeat):
                fn()
            samples[name].append((time.perf_counter() - start) / repeat)
    return {name: statistics.median(s) for name, s in samples.items()}


def bench_chain(rounds: int, repeat: int) -> dict:
    import torch

    import tensor

    torch.set_num_threads(2)
    values = [[0.1, -0.2, 0.3, 0.4], [0.5, 0.25, -0.5, 1.0], [0.9, 1.1, -0.7, 0.3]]
    ours = _make_inputs(tensor, values)
    theirs = _make_inputs(torch, values)
    got = chain_step(tensor, *ours).tolist()
    want = chain_step(torch, *theirs).tolist()
    for g, w in zip(got, want):
        assert abs(g - w) <= 1e-5 * max(1.0, abs(w)), (got, want)
    times = time_alternating(
        {"tensor": lambda: chain_step(tensor, *ours), "torch": lambda: chain_step(torch, *theirs)},
        rounds, repeat,
    )
    times["ratio"] = times["tensor"] / times["torch"]
    return times


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few rounds only (smoke run)")
    args = parser.parse_args(argv)
    rounds, repeat = (3, 5) if args.quick else (15, 50)
    chain = bench_chain(rounds, repeat)
    print("| benchmark | lucidgrad tensor | torch (CPU) | ratio (target) |")
    print("|---|---|---|---|")
    print(f"| 100-op elementwise chain, fwd+bwd, 4 elements | {chain['tensor'] * 1e6:.0f} us "
          f"| {chain['torch'] * 1e6:.0f} us | {chain['ratio']:.2f} (<= 2.0) |")
    return {"chain": chain}


if __name__ == "__main__":
    main()
