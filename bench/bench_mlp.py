"""One MLP training step, lucidgrad's tensor vs torch on the CPU, alternated in one process.

The step: Sequential(Linear(784, 512), ReLU, Linear(512, 256), ReLU, Linear(256, 10)),
a float32 batch of 256, cross_entropy, backward, SGD with momentum 0.9. Both
libraries start from the same weights and get the same batch, and both use 2
threads (BLAS threads for numpy are fixed through the environment before numpy
is imported; ``torch.set_num_threads(2)``). Rounds alternate the two libraries
so that machine noise hits both; the figures are the median and the best
(least disturbed) round's time per step.

    python bench/bench_mlp.py                 # ratio table
    python bench/bench_mlp.py --profile       # + cProfile of lucidgrad's step
"""

from __future__ import annotations

import os

for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_variable] = "2"

import argparse  # noqa: E402
import cProfile  # noqa: E402
import pstats  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402

import tensor  # noqa: E402
import tensor.nn  # noqa: E402, F401
import tensor.optim  # noqa: E402, F401

SIZES = (784, 512, 256, 10)
BATCH = 256


def build(lib):
    """The benchmark model, loss inputs and optimizer in ``lib`` (torch or tensor)."""
    nn = lib.nn
    layers = []
    for i, (fan_in, fan_out) in enumerate(zip(SIZES[:-1], SIZES[1:], strict=True)):
        layers.append(nn.Linear(fan_in, fan_out))
        if i < len(SIZES) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def make_step(lib, model, x, y):
    optimizer = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    cross_entropy = lib.nn.functional.cross_entropy

    def step():
        optimizer.zero_grad()
        loss = cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        return loss

    return step


def time_steps(step, count: int) -> float:
    """Seconds per step over ``count`` consecutive steps."""
    start = time.perf_counter()
    for _ in range(count):
        step()
    return (time.perf_counter() - start) / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--steps", type=int, default=20, help="steps per round and library")
    parser.add_argument("--profile", action="store_true", help="cProfile lucidgrad's steps")
    args = parser.parse_args()
    torch.set_num_threads(2)
    threadpool_note = ""
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(2)
        threadpool_note = " (threadpoolctl: 2)"
    except ImportError:
        pass

    rng = np.random.default_rng(0)
    x = rng.standard_normal((BATCH, SIZES[0])).astype(np.float32)
    y = rng.integers(0, SIZES[-1], BATCH)
    tensor.manual_seed(0)
    ours = build(tensor)
    theirs = build(torch)
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    steps = {
        "tensor": make_step(tensor, ours, tensor.tensor(x), tensor.tensor(y)),
        "torch": make_step(torch, theirs, torch.tensor(x), torch.tensor(y)),
    }
    first = {name: step().item() for name, step in steps.items()}
    for name in steps:
        time_steps(steps[name], 3)
    times: dict[str, list[float]] = {name: [] for name in steps}
    for _ in range(args.rounds):
        for name, step in steps.items():
            times[name].append(time_steps(step, args.steps))
    median = {name: statistics.median(values) for name, values in times.items()}
    print(f"MLP {SIZES} batch {BATCH} float32, cross_entropy + SGD(momentum=0.9), "
          f"2 threads{threadpool_note}; median of {args.rounds} rounds x {args.steps} steps")
    print(f"first-step loss: tensor {first['tensor']:.6f}  torch {first['torch']:.6f}")
    for name, value in median.items():
        spread = f"{min(times[name]) * 1e3:.2f}..{max(times[name]) * 1e3:.2f}"
        print(f"  {name:6s} {value * 1e3:8.2f} ms/step   (rounds: {spread} ms)")
    best = {name: min(values) for name, values in times.items()}
    print(f"ratio tensor / torch: median {median['tensor'] / median['torch']:.2f}x, "
          f"best round {best['tensor'] / best['torch']:.2f}x  (target <= 1.25x)")
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        time_steps(steps["tensor"], args.steps)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)


if __name__ == "__main__":
    main()
