"""Benchmarks: lucidgrad's tensor engine against torch on CPU, one thread each, alternated in one process.

Every workload is run by both libraries from the same inputs (checked to give
the same result before anything is timed), round by round in alternation (the
order flips from one round to the next) so that machine noise hits both. Each
round gives one time per library and their ratio, lucidgrad / torch; a row
prints the median times and the minimum and median of those per-round ratios.

Rows (issue 12's table; targets are printed beside the ratios, never asserted):

* 100-op chain: ``x <- tanh(x * b + a) - x * 0.5`` on 4-element float32
  tensors, 20 times (100 elementwise ops), then sum and backward. On tensors
  this small the cost is all per-op overhead (outputs, graph nodes, walking the
  graph). Target: at most 1.0x torch's time.
* 100 000-op chain: the same block 20 000 times, graph build + backward (and
  freeing the graph, as in the 100-op row), the cyclic GC at its defaults
  (enabled; an untimed ``gc.collect()`` before each run keeps one run's
  garbage out of the next). Target: at most 1.2x. The build alone (the
  forward) is its own row, for information, without a target. ``--quick`` runs
  10 000 ops instead, and its row names say so.
* second derivative: the 100-op chain, ``g, = autograd.grad(y.sum(), x,
  create_graph=True)`` then ``g.sum().backward()``. Target: at most 1.3x.
* MLP 784-512-256-10: one training step of ``Sequential(Linear(784, 512),
  ReLU, Linear(512, 256), ReLU, Linear(256, 10))`` on a float32 batch of 256,
  cross_entropy, backward, SGD with momentum 0.9. Matmuls dominate. Target: at
  most 1.05x. The first losses must agree within 1e-5 relative.
* MLP 784-64-64-10, batch 32, the same step: a small model where per-op
  overhead shows again. Target: at most 1.2x.

One thread for every library: ``torch.set_num_threads(1)``, numpy's BLAS
limited to one thread with threadpoolctl, and OPENBLAS/OMP/MKL_NUM_THREADS set
before numpy loads. Two-thread ratios are not evidence on this shared 2-core
machine: they swing up to 10x from run to run, because idle OpenMP and
OpenBLAS threads spin while the other library runs. ``--threads N`` runs every
row at N threads instead (the old two-thread run: ``--threads 2``); each row
name carries its thread count.

Run: ``python bench/bench_tensor.py`` (about a minute; ``--quick`` for a smoke
run of a few seconds; ``--profile [chain|chain_long|double|mlp|mlp_small]`` to
add a cProfile of lucidgrad's side of one workload, ``mlp`` when none is named).

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
import sys


def _threads_in(argv: list[str]) -> str | None:
    """The value of ``--threads`` in ``argv`` (None if absent), read before argparse runs."""
    for i, arg in enumerate(argv):
        if arg == "--threads" and i + 1 < len(argv):
            return argv[i + 1]
        if arg.startswith("--threads="):
            return arg.partition("=")[2]
    return None


# BLAS and OpenMP read their thread counts when numpy / torch load: fix them before anything
# imports numpy. Run as a script, the benchmark's own count wins; imported, an existing setting
# stays (main() limits the threads again at run time with threadpoolctl and torch.set_num_threads).
_THREADS_AT_LOAD = (_threads_in(sys.argv[1:]) if __name__ == "__main__" else None) or "1"
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    if __name__ == "__main__":
        os.environ[_variable] = _THREADS_AT_LOAD
    else:
        os.environ.setdefault(_variable, _THREADS_AT_LOAD)

import argparse  # noqa: E402
import cProfile  # noqa: E402
import gc  # noqa: E402
import pstats  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

CHAIN_BLOCKS = 20  # 5 ops per block: mul, add, tanh, mul, sub
LONG_CHAIN_BLOCKS = 20_000  # 100 000 ops
LONG_CHAIN_BLOCKS_QUICK = 2_000  # 10 000 ops in --quick
MLP_SIZES = (784, 512, 256, 10)
MLP_BATCH = 256
SMALL_MLP_SIZES = (784, 64, 64, 10)
SMALL_MLP_BATCH = 32

# Targets (issue 12): lucidgrad's time / torch's, per-round median; printed, never asserted.
TARGETS = {
    "chain": 1.0,
    "chain_long": 1.2,
    "chain_long_build": None,  # informative
    "double": 1.3,
    "mlp": 1.05,
    "mlp_small": 1.2,
}

# (rounds, calls per round) of each workload, full run and --quick.
SCHEDULE = {
    "chain": (21, 50),
    "chain_long": (5, 1),
    "double": (15, 10),
    "mlp": (9, 10),
    "mlp_small": (15, 50),
}
SCHEDULE_QUICK = {
    "chain": (3, 5),
    "chain_long": (2, 1),
    "double": (3, 3),
    "mlp": (2, 2),
    "mlp_small": (3, 5),
}


def _ops(blocks: int) -> str:
    return f"{5 * blocks:,}".replace(",", " ")


def _threads_label(threads: int) -> str:
    return f"{threads} thread" + ("" if threads == 1 else "s")


def _chain_inputs(lib):
    values = [[0.1, -0.2, 0.3, 0.4], [0.5, 0.25, -0.5, 1.0], [0.9, 1.1, -0.7, 0.3]]
    x0, a, b = (lib.tensor(v) for v in values)
    x0.requires_grad_(True)
    return x0, a, b


def _chain(lib, x, a, b, blocks: int):
    for _ in range(blocks):
        x = lib.tanh(x * b + a) - x * 0.5
    return x


def chain_step(lib, x0, a, b, blocks: int = CHAIN_BLOCKS):
    """One forward + backward of the chain; returns the leaf's gradient."""
    x0.grad = None
    _chain(lib, x0, a, b, blocks).sum().backward()
    return x0.grad


def make_chain(lib, blocks: int = CHAIN_BLOCKS):
    x0, a, b = _chain_inputs(lib)
    return lambda: chain_step(lib, x0, a, b, blocks)


def make_long_chain(lib, blocks: int):
    """A call builds the chain, backpropagates and frees it; returns (build seconds, total
    seconds, the leaf's gradient)."""
    x0, a, b = _chain_inputs(lib)
    clock = time.perf_counter

    def run():
        x0.grad = None
        start = clock()
        y = _chain(lib, x0, a, b, blocks).sum()
        built = clock()
        y.backward()
        del y  # the graph is freed inside the timed region, as in the 100-op row
        return built - start, clock() - start, x0.grad

    return run


def make_double(lib, blocks: int = CHAIN_BLOCKS):
    """create_graph=True: the chain's gradient as a graph, then its sum backpropagated."""
    x0, a, b = _chain_inputs(lib)
    grad = lib.autograd.grad

    def step():
        x0.grad = None
        y = _chain(lib, x0, a, b, blocks).sum()
        (g,) = grad(y, x0, create_graph=True)
        g.sum().backward()
        return x0.grad

    return step


def build_mlp(lib, sizes=MLP_SIZES):
    """The benchmark model in ``lib`` (torch or tensor)."""
    nn = lib.nn
    layers = []
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(nn.Linear(fan_in, fan_out))
        if i < len(sizes) - 2:
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


def make_mlp_steps(device: str = "cpu", sizes=MLP_SIZES, batch: int = MLP_BATCH) -> dict:
    """Both libraries' MLP steps, from the same initial weights and batch, on ``device``
    (torch's own cuda only when a GPU exists; under the interpreter torch stays on cpu)."""
    import numpy as np
    import torch

    import tensor

    torch_device = device if torch.cuda.is_available() else "cpu"
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, sizes[0])).astype(np.float32)
    y = rng.integers(0, sizes[-1], batch)
    tensor.manual_seed(0)
    ours = build_mlp(tensor, sizes)
    theirs = build_mlp(torch, sizes)
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    ours.to(device)
    theirs.to(torch_device)
    return {
        "tensor": make_mlp_step(tensor, ours, tensor.tensor(x, device=device),
                                tensor.tensor(y, device=device)),
        "torch": make_mlp_step(torch, theirs, torch.tensor(x, device=torch_device),
                               torch.tensor(y, device=torch_device)),
    }


def _order(names: list[str], round_index: int) -> list[str]:
    return names if round_index % 2 == 0 else names[::-1]


def time_rounds(fns: dict, rounds: int, repeat: int) -> dict[str, list[float]]:
    """Seconds per call of each function, one figure per round; the functions alternate
    within a round and the order flips from one round to the next."""
    for fn in fns.values():
        fn()
    samples = {name: [] for name in fns}
    for round_index in range(rounds):
        for name in _order(list(fns), round_index):
            fn = fns[name]
            start = time.perf_counter()
            for _ in range(repeat):
                fn()
            samples[name].append((time.perf_counter() - start) / repeat)
    return samples


def time_alternating(fns: dict, rounds: int, repeat: int) -> dict:
    """Median seconds per call of each function, alternating them round by round."""
    return {name: statistics.median(s) for name, s in time_rounds(fns, rounds, repeat).items()}


def _limit_threads(threads: int) -> None:
    import torch

    torch.set_num_threads(threads)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        print(f"note: threadpoolctl is not installed; numpy's BLAS threads rest on "
              f"OPENBLAS/OMP/MKL_NUM_THREADS={os.environ.get('OMP_NUM_THREADS')}", file=sys.stderr)
        return
    threadpool_limits(threads)


def _blas_threads() -> str:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "unknown (no threadpoolctl)"
    pools = [f"{pool['internal_api']} {pool['num_threads']}" for pool in threadpool_info()]
    return ", ".join(pools) or "none found"


def _check_close(got, want, what: str) -> None:
    got, want = got.tolist(), want.tolist()
    for g, w in zip(got, want):
        assert abs(g - w) <= 1e-5 * max(1.0, abs(w)), (what, got, want)


def _profile(fn, calls: int) -> None:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(calls):
        fn()
    profiler.disable()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(20)


def _row(name: str, samples: dict[str, list[float]], target) -> dict:
    ratios = [ours / theirs for ours, theirs in zip(samples["tensor"], samples["torch"])]
    return {
        "name": name,
        "tensor": statistics.median(samples["tensor"]),
        "torch": statistics.median(samples["torch"]),
        "ratio_min": min(ratios),
        "ratio_median": statistics.median(ratios),
        "ratios": ratios,
        "target": target,
        "rounds": len(ratios),
    }


def bench_chain(rounds: int, repeat: int, threads: int, profile: bool = False) -> dict:
    import torch

    import tensor

    steps = {"tensor": make_chain(tensor), "torch": make_chain(torch)}
    name = (f"{_ops(CHAIN_BLOCKS)}-op elementwise chain, fwd+bwd, 4 elements, "
            f"{_threads_label(threads)}")
    return _checked_row(steps, "chain gradient", name, TARGETS["chain"], rounds, repeat, profile)


def _checked_row(steps: dict, what: str, name: str, target, rounds: int, repeat: int,
                 profile: bool) -> dict:
    """Both libraries' results agree (``what``), then their alternated timings as a table row."""
    _check_close(steps["tensor"](), steps["torch"](), what)
    samples = time_rounds(steps, rounds, repeat)
    if profile:
        _profile(steps["tensor"], repeat)
    return _row(name, samples, target)


def bench_chain_long(rounds: int, blocks: int, threads: int, profile: bool = False) -> tuple[dict, dict]:
    """The long chain: (build + backward row, build-only row), GC at defaults."""
    import torch

    import tensor

    runs = {"tensor": make_long_chain(tensor, blocks), "torch": make_long_chain(torch, blocks)}
    _check_close(runs["tensor"]()[2], runs["torch"]()[2], "long chain gradient")
    build = {name: [] for name in runs}
    total = {name: [] for name in runs}
    for round_index in range(rounds):
        for name in _order(list(runs), round_index):
            gc.collect()  # untimed: the previous run's garbage stays out of this one
            built, whole, _ = runs[name]()
            build[name].append(built)
            total[name].append(whole)
    gc.collect()
    if profile:
        _profile(runs["tensor"], 1)
    ops, label = _ops(blocks), _threads_label(threads)
    return (
        _row(f"{ops}-op elementwise chain, graph build + backward, GC at defaults, {label}",
             total, TARGETS["chain_long"]),
        _row(f"{ops}-op elementwise chain, graph build only (forward), GC at defaults, {label}",
             build, TARGETS["chain_long_build"]),
    )


def bench_double(rounds: int, repeat: int, threads: int, profile: bool = False) -> dict:
    import torch

    import tensor

    steps = {"tensor": make_double(tensor), "torch": make_double(torch)}
    name = (f"create_graph=True second derivative of the {_ops(CHAIN_BLOCKS)}-op chain, 4 elements, "
            f"{_threads_label(threads)}")
    return _checked_row(steps, "second derivative", name, TARGETS["double"], rounds, repeat, profile)


def bench_mlp(rounds: int, repeat: int, threads: int, sizes=MLP_SIZES, batch: int = MLP_BATCH,
              target: float = TARGETS["mlp"], profile: bool = False) -> dict:
    steps = make_mlp_steps("cpu", sizes, batch)
    first = {name: step().item() for name, step in steps.items()}
    assert abs(first["tensor"] - first["torch"]) <= 1e-5 * abs(first["torch"]), first
    samples = time_rounds(steps, rounds, repeat)
    if profile:
        _profile(steps["tensor"], repeat)
    name = (f"MLP {'-'.join(map(str, sizes))} training step, batch {batch}, SGD momentum, "
            f"{_threads_label(threads)}")
    return _row(name, samples, target)


def mlp_matmuls(lib, sizes=MLP_SIZES, batch: int = MLP_BATCH):
    """The MLP step's matrix products alone, with its shapes and layouts (``x @ W.t()`` forward;
    ``g.t() @ h`` and ``g @ W`` backward; no input gradient for the first layer), on ``lib``'s
    own arrays: numpy's for lucidgrad's cpu backend, torch's tensors for torch."""
    import numpy as np

    rng = np.random.default_rng(0)
    acts = [rng.standard_normal((batch, n)).astype(np.float32) for n in sizes[:-1]]
    weights = [rng.standard_normal((n_out, n_in)).astype(np.float32) for n_in, n_out in zip(sizes, sizes[1:])]
    grads = [rng.standard_normal((batch, n)).astype(np.float32) for n in sizes[1:]]
    if lib == "torch":
        import torch

        acts, weights, grads = ([torch.from_numpy(a) for a in arrays] for arrays in (acts, weights, grads))
    matmul = np.matmul if lib == "numpy" else __import__("torch").matmul

    def products():
        for layer, (h, w, g) in enumerate(zip(acts, weights, grads)):
            matmul(h, w.T)  # forward
            matmul(g.T, h)  # weight gradient
            if layer:
                matmul(g, w)  # input gradient
    return products


def bench_mlp_matmuls(rounds: int, repeat: int, threads: int, step_row: dict) -> tuple[dict, dict]:
    """The MLP step's matmuls alone (numpy's BLAS against torch's), and the rest of the step:
    its time minus the matmuls' (medians), to tell the BLAS's share of the step's ratio."""
    samples = time_rounds({"tensor": mlp_matmuls("numpy"), "torch": mlp_matmuls("torch")}, rounds, repeat)
    label = _threads_label(threads)
    matmuls = _row(f"the same step's 8 matmuls alone: numpy's BLAS vs torch's, {label}", samples, None)
    rest = {name: step_row[name] - matmuls[name] for name in ("tensor", "torch")}
    ratio = rest["tensor"] / rest["torch"]
    rest_row = {"name": f"the same step without its matmuls (step minus matmuls, medians), {label}",
                **rest, "ratio_min": ratio, "ratio_median": ratio, "ratios": [ratio], "target": None,
                "rounds": 1}
    return matmuls, rest_row


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


def _format_time(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} us"
    if seconds < 1.0:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.3f} s"


def print_table(rows: dict) -> None:
    print("| benchmark | lucidgrad tensor | torch (CPU) | ratio min | ratio median (target) |")
    print("|---|---|---|---|---|")
    for row in rows.values():
        target = "no target" if row["target"] is None else f"<= {row['target']}"
        print(f"| {row['name']} | {_format_time(row['tensor'])} | {_format_time(row['torch'])} "
              f"| {row['ratio_min']:.2f} | {row['ratio_median']:.2f} ({target}) |")


PROFILE_CHOICES = ("chain", "chain_long", "double", "mlp", "mlp_small")


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="a few rounds only and a 10 000-op long chain (smoke run)")
    parser.add_argument("--threads", type=int, default=1,
                        help="threads for torch and numpy's BLAS (default 1; ratios at 2 swing widely)")
    parser.add_argument("--profile", nargs="?", const="mlp", choices=PROFILE_CHOICES, default=None,
                        help="cProfile lucidgrad's side of one workload (default: mlp)")
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu",
                        help="cuda: launches per phase of the MLP step (and its time on a GPU)")
    args = parser.parse_args(argv)
    _limit_threads(args.threads)
    if args.device == "cuda":
        _use_interpreter_without_gpu()
        return bench_mlp_cuda(*((2, 2) if args.quick else (9, 20)))

    import numpy as np
    import torch

    schedule = SCHEDULE_QUICK if args.quick else SCHEDULE
    long_blocks = LONG_CHAIN_BLOCKS_QUICK if args.quick else LONG_CHAIN_BLOCKS
    started = time.perf_counter()
    rows = {"chain": bench_chain(*schedule["chain"], args.threads, profile=args.profile == "chain")}
    rows["chain_long"], rows["chain_long_build"] = bench_chain_long(
        schedule["chain_long"][0], long_blocks, args.threads, profile=args.profile == "chain_long")
    rows["double"] = bench_double(*schedule["double"], args.threads, profile=args.profile == "double")
    rows["mlp"] = bench_mlp(*schedule["mlp"], args.threads, profile=args.profile == "mlp")
    rows["mlp_matmuls"], rows["mlp_rest"] = bench_mlp_matmuls(*schedule["mlp"], args.threads, rows["mlp"])
    rows["mlp_small"] = bench_mlp(*schedule["mlp_small"], args.threads, SMALL_MLP_SIZES, SMALL_MLP_BATCH,
                                  TARGETS["mlp_small"], profile=args.profile == "mlp_small")
    elapsed = time.perf_counter() - started

    print(f"Python {sys.version.split()[0]}, numpy {np.__version__}, torch {torch.__version__}; "
          f"threads: torch {torch.get_num_threads()}, BLAS {_blas_threads()}")
    print("rounds x calls per round: " + ", ".join(
        f"{key} {rounds}x{calls}" for key, (rounds, calls) in schedule.items()))
    print("ratio = lucidgrad's time / torch's, per round; times are medians over rounds\n")
    print_table(rows)
    print(f"\n({elapsed:.0f} s)")
    return rows


if __name__ == "__main__":
    main()
