"""Benchmarks: lucidgrad's tensor engine against torch on CPU, alternated in one process.

Two workloads, each run by both libraries from the same inputs, round by
round in alternation so that machine noise hits both; figures are medians.

* chain: ``x <- tanh(x * b + a) - x * 0.5`` on 4-element float32 tensors, 20
  times (100 elementwise ops), then sum and backward. On tensors this small
  the cost is all per-op overhead (outputs, graph nodes, walking the graph).
  Target: at most 2.0x torch's time.
* mlp: one training step of ``Sequential(Linear(784, 512), ReLU,
  Linear(512, 256), ReLU, Linear(256, 10))`` on a float32 batch of 256 with
  cross_entropy, backward and SGD with momentum 0.9, both libraries on 2
  threads. Matmuls dominate. Target: at most 1.25x torch's time.

Run: ``python bench/bench_tensor.py`` (``--quick`` for a smoke run,
``--profile`` to add a cProfile of lucidgrad's MLP step).

``--device cuda`` runs the MLP step on lucidgrad's cuda device (the Triton
backend) instead: it prints the kernel launches of each phase of one step
(zero_grad, forward, backward, optimizer; counted by
``triton_kernels.count_launches``, target <= 24 in all) and, on a machine with
a GPU, the step time against torch's on the same GPU. Without a GPU it sets
``TRITON_INTERPRET=1`` and runs the kernels in Triton's CPU interpreter, where
launch counts are exact but times say nothing about a GPU, so none is printed.
"""

from __future__ import annotations

import os

# BLAS reads its thread count when numpy loads: fix it before anything imports numpy.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "2")

import argparse  # noqa: E402
import cProfile  # noqa: E402
import pstats  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

CHAIN_BLOCKS = 20  # 5 ops per block: mul, add, tanh, mul, sub
MLP_SIZES = (784, 512, 256, 10)
MLP_BATCH = 256
THREADS = 2


def chain_step(lib, x0, a, b):
    """One forward + backward of the 100-op chain; returns the leaf's gradient."""
    x0.grad = None
    x = x0
    for _ in range(CHAIN_BLOCKS):
        x = lib.tanh(x * b + a) - x * 0.5
    x.sum().backward()
    return x0.grad


def make_chain(lib):
    values = [[0.1, -0.2, 0.3, 0.4], [0.5, 0.25, -0.5, 1.0], [0.9, 1.1, -0.7, 0.3]]
    x0, a, b = (lib.tensor(v) for v in values)
    x0.requires_grad_(True)
    return lambda: chain_step(lib, x0, a, b)


def build_mlp(lib):
    """The benchmark model in ``lib`` (torch or tensor)."""
    nn = lib.nn
    layers = []
    for i, (fan_in, fan_out) in enumerate(zip(MLP_SIZES[:-1], MLP_SIZES[1:])):
        layers.append(nn.Linear(fan_in, fan_out))
        if i < len(MLP_SIZES) - 2:
            layers.append(nn.ReLU())
    return nn.Sequential(*layers)


def make_mlp_step(lib, model, x, y):
    optimizer = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    cross_entropy = lib.nn.functional.cross_entropy

    def step():
        optimizer.zero_grad()
        loss = cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        return loss

    return step


def make_mlp_steps(device: str = "cpu") -> dict:
    """Both libraries' MLP steps, from the same initial weights and batch, on ``device``
    (torch's own cuda only when a GPU exists; under the interpreter torch stays on cpu)."""
    import numpy as np
    import torch

    import tensor

    torch_device = device if torch.cuda.is_available() else "cpu"
    rng = np.random.default_rng(0)
    x = rng.standard_normal((MLP_BATCH, MLP_SIZES[0])).astype(np.float32)
    y = rng.integers(0, MLP_SIZES[-1], MLP_BATCH)
    tensor.manual_seed(0)
    ours = build_mlp(tensor)
    theirs = build_mlp(torch)
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    ours.to(device)
    theirs.to(torch_device)
    return {
        "tensor": make_mlp_step(tensor, ours, tensor.tensor(x, device=device),
                                tensor.tensor(y, device=device)),
        "torch": make_mlp_step(torch, theirs, torch.tensor(x, device=torch_device),
                               torch.tensor(y, device=torch_device)),
    }


def time_alternating(fns: dict, rounds: int, repeat: int) -> dict:
    """Median seconds per call of each function, alternating them round by round."""
    for fn in fns.values():
        fn()
    samples = {name: [] for name in fns}
    for _ in range(rounds):
        for name, fn in fns.items():
            start = time.perf_counter()
            for _ in range(repeat):
                fn()
            samples[name].append((time.perf_counter() - start) / repeat)
    return {name: statistics.median(s) for name, s in samples.items()}


def _limit_threads() -> None:
    import torch

    torch.set_num_threads(THREADS)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return
    threadpool_limits(THREADS)


def bench_chain(rounds: int, repeat: int) -> dict:
    import torch

    import tensor

    steps = {"tensor": make_chain(tensor), "torch": make_chain(torch)}
    got, want = steps["tensor"]().tolist(), steps["torch"]().tolist()
    for g, w in zip(got, want):
        assert abs(g - w) <= 1e-5 * max(1.0, abs(w)), (got, want)
    return time_alternating(steps, rounds, repeat)


def bench_mlp(rounds: int, repeat: int, profile: bool = False) -> dict:
    steps = make_mlp_steps()
    first = {name: step().item() for name, step in steps.items()}
    assert abs(first["tensor"] - first["torch"]) <= 1e-5 * abs(first["torch"]), first
    times = time_alternating(steps, rounds, repeat)
    if profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(repeat):
            steps["tensor"]()
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(20)
    return times


def launches_per_phase(model, optimizer, x, y, cross_entropy) -> dict:
    """Kernel launches of each phase of one training step (by kernel name), on cuda."""
    from triton_kernels import count_launches

    phases = {}
    with count_launches() as phases["zero_grad"]:
        optimizer.zero_grad()
    with count_launches() as phases["forward"]:
        loss = cross_entropy(model(x), y)
    with count_launches() as phases["backward"]:
        loss.backward()
    with count_launches() as phases["optimizer"]:
        optimizer.step()
    return phases


def bench_mlp_cuda(rounds: int, repeat: int) -> dict:
    """Launches per phase of the MLP step on cuda (SGD momentum and Adam) and, with a GPU,
    its time against torch's."""
    import numpy as np
    import torch

    import tensor

    steps = make_mlp_steps("cuda")
    first = {name: step().item() for name, step in steps.items()}
    assert abs(first["tensor"] - first["torch"]) <= 1e-5 * abs(first["torch"]), first
    rng = np.random.default_rng(0)
    x = tensor.tensor(rng.standard_normal((MLP_BATCH, MLP_SIZES[0])).astype(np.float32), device="cuda")
    y = tensor.tensor(rng.integers(0, MLP_SIZES[-1], MLP_BATCH), device="cuda")
    cross_entropy = tensor.nn.functional.cross_entropy
    counts = {}
    for name, make in (("SGD momentum", lambda p: tensor.optim.SGD(p, lr=0.01, momentum=0.9)),
                       ("Adam", lambda p: tensor.optim.Adam(p, lr=1e-3))):
        tensor.manual_seed(0)
        model = build_mlp(tensor).cuda()
        optimizer = make(model.parameters())
        launches_per_phase(model, optimizer, x, y, cross_entropy)  # the optimizer's state is made
        counts[name] = launches_per_phase(model, optimizer, x, y, cross_entropy)
    print("| optimizer | zero_grad | forward | backward | optimizer step | total (target <= 24) |")
    print("|---|---|---|---|---|---|")
    for name, phases in counts.items():
        total = sum(count.total for count in phases.values())
        cells = " | ".join(str(phases[phase].total) for phase in ("zero_grad", "forward", "backward",
                                                                    "optimizer"))
        print(f"| {name} | {cells} | {total} |")
    for name, phases in counts.items():
        print(f"\n{name} kernels per phase:")
        for phase, count in phases.items():
            print(f"  {phase}: {dict(count.by_kernel)}")
    result = {"launches": {name: {phase: count.total for phase, count in phases.items()}
                           for name, phases in counts.items()}}
    if torch.cuda.is_available() and os.environ.get("TRITON_INTERPRET", "0") in ("", "0"):
        def synchronized(step):
            def run():
                step()
                torch.cuda.synchronize()
            return run

        times = time_alternating({name: synchronized(step) for name, step in steps.items()},
                                 rounds, repeat)
        print(f"\nstep time on {torch.cuda.get_device_name()}: lucidgrad {times['tensor'] * 1e3:.2f} ms, "
              f"torch {times['torch'] * 1e3:.2f} ms, ratio {times['tensor'] / times['torch']:.2f}")
        result["mlp"] = times
    else:
        print("\nno GPU: the kernels ran in Triton's CPU interpreter (TRITON_INTERPRET=1); launch "
              "counts are exact, step times need a GPU and are not measured here.")
    return result


def _use_interpreter_without_gpu() -> None:
    """Without a GPU, cuda runs through Triton's interpreter: switch it on before triton loads."""
    import torch

    if not torch.cuda.is_available():
        os.environ["TRITON_INTERPRET"] = "1"


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few rounds only (smoke run)")
    parser.add_argument("--profile", action="store_true", help="cProfile lucidgrad's MLP step")
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu",
                        help="cuda: launches per phase of the MLP step (and its time on a GPU)")
    args = parser.parse_args(argv)
    _limit_threads()
    if args.device == "cuda":
        _use_interpreter_without_gpu()
        return bench_mlp_cuda(*((2, 2) if args.quick else (9, 20)))
    chain = bench_chain(*((3, 5) if args.quick else (15, 50)))
    mlp = bench_mlp(*((2, 2) if args.quick else (9, 20)), profile=args.profile)
    rows = [
        ("100-op elementwise chain, fwd+bwd, 4 elements", chain, 2.0, 1e6, "us"),
        (f"MLP {'-'.join(map(str, MLP_SIZES))} training step, batch {MLP_BATCH}, SGD momentum, "
         f"{THREADS} threads", mlp, 1.25, 1e3, "ms"),
    ]
    print("| benchmark | lucidgrad tensor | torch (CPU) | ratio (target) |")
    print("|---|---|---|---|")
    for name, times, target, scale, unit in rows:
        times["ratio"] = times["tensor"] / times["torch"]
        print(f"| {name} | {times['tensor'] * scale:.1f} {unit} | {times['torch'] * scale:.1f} {unit} "
              f"| {times['ratio']:.2f} (<= {target}) |")
    return {"chain": chain, "mlp": mlp}


if __name__ == "__main__":
    main()
