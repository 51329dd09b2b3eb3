"""Train an MLP or a small CNN on scikit-learn's 8x8 digits with lucidgrad's tensor (or torch).

The data set ships with scikit-learn (1797 images, 64 pixels, 10 classes; no
download). Pixels are scaled to [0, 1] and standardised with the training
set's statistics; 25% of the images (stratified) are held out for testing.
The model, Linear(64, 128) - ReLU - Linear(128, 64) - ReLU - Linear(64, 10),
trains with cross_entropy and Adam on shuffled mini-batches. The script is
written once against the torch API and runs on either library: with
``--torch`` the same initial weights (drawn by lucidgrad from ``--seed``) and
the same batch order go through torch, so the two runs can be compared line
by line. Each epoch prints the mean training loss and the test accuracy; the
loss curve goes to ``$LUCIDGRAD_OUT`` (default ``./tutorial_output/``).

``--model cnn`` trains Conv2d(1, 16, 3, padding=1) - ReLU - MaxPool2d(2) - Flatten -
Linear(256, 10) on the images as (1, 8, 8); the convolution runs as im2col (a strided
view) and one matmul. ``--threads 1`` limits torch and the BLAS under numpy to one
thread, for a like-for-like time per epoch.

    python bench/train_digits.py                                    # lucidgrad MLP
    python bench/train_digits.py --torch                            # the identical run in torch
    python bench/train_digits.py --model cnn --epochs 15 --threads 1  # the CNN, one thread
"""

from __future__ import annotations

import argparse
import contextlib
import os
import time
from pathlib import Path

import numpy as np

import tensor
import tensor.nn  # noqa: F401
import tensor.optim  # noqa: F401

HIDDEN = (128, 64)


def load_data(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(x_train, y_train, x_test, y_test): float32 standardised pixels, int64 labels."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    x = digits.data.astype(np.float32) / 16.0
    x_train, x_test, y_train, y_test = train_test_split(
        x, digits.target.astype(np.int64), test_size=0.25, random_state=seed,
        stratify=digits.target)
    mean, std = x_train.mean(0), x_train.std(0) + 1e-6
    return (x_train - mean) / std, y_train, (x_test - mean) / std, y_test


CNN_CHANNELS = 16


def build_cnn(lib):
    """Conv2d(1, 16, 3, padding=1) - ReLU - MaxPool2d(2) - Flatten - Linear(16 * 4 * 4, 10)."""
    nn = lib.nn
    return nn.Sequential(nn.Conv2d(1, CNN_CHANNELS, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(CNN_CHANNELS * 4 * 4, 10))


def build(lib, model: str, widths: tuple[int, ...]):
    """The MLP of ``widths`` or the CNN, in ``lib``."""
    return build_cnn(lib) if model == "cnn" else build_model(lib, widths)


def build_model(lib, widths: tuple[int, ...]):
    """Linear layers of the given widths with ReLU between them, in ``lib``."""
    layers = []
    for i, (fan_in, fan_out) in enumerate(zip(widths[:-1], widths[1:], strict=True)):
        layers.append(lib.nn.Linear(fan_in, fan_out))
        if i < len(widths) - 2:
            layers.append(lib.nn.ReLU())
    return lib.nn.Sequential(*layers)


def initial_state(model: str, widths: tuple[int, ...], seed: int) -> dict[str, np.ndarray]:
    """Initial weights drawn by lucidgrad (torch's init scheme), as numpy arrays."""
    tensor.manual_seed(seed)
    return {k: v.numpy().copy() for k, v in build(tensor, model, widths).state_dict().items()}


def accuracy(lib, model, x: np.ndarray, y: np.ndarray, device: str = "cpu") -> float:
    """Fraction of ``x`` whose highest logit is the label."""
    with lib.no_grad():
        logits = model(lib.tensor(x, device=device)).cpu().numpy()
    return float((logits.argmax(1) == y).mean())


def train(lib, args) -> tuple[list[float], float, float]:
    """Train; returns (loss per epoch, final test accuracy, seconds)."""
    x_train, y_train, x_test, y_test = load_data(args.seed)
    widths = (x_train.shape[1], *HIDDEN, 10)
    if args.model == "cnn":
        x_train, x_test = x_train.reshape(-1, 1, 8, 8), x_test.reshape(-1, 1, 8, 8)
    model = build(lib, args.model, widths)
    model.load_state_dict({k: lib.tensor(v)
                           for k, v in initial_state(args.model, widths, args.seed).items()})
    # torch itself goes to cuda only with a GPU; tensor's cuda also runs through Triton's interpreter
    device = args.device if lib is tensor or lib.cuda.is_available() else "cpu"
    model.to(device)
    optimizer = lib.optim.Adam(model.parameters(), lr=args.lr)
    rng = np.random.default_rng(args.seed)
    losses = []
    start = time.perf_counter()
    for epoch in range(1, args.epochs + 1):
        model.train()
        order = rng.permutation(len(x_train))
        total, count = 0.0, 0
        for begin in range(0, len(order), args.batch_size):
            batch = order[begin:begin + args.batch_size]
            optimizer.zero_grad()
            loss = lib.nn.functional.cross_entropy(model(lib.tensor(x_train[batch], device=device)),
                                                   lib.tensor(y_train[batch], device=device))
            loss.backward()
            optimizer.step()
            total += loss.item() * len(batch)
            count += len(batch)
        losses.append(total / count)
        model.eval()
        test_accuracy = accuracy(lib, model, x_test, y_test, device)
        print(f"epoch {epoch:3d}  train loss {losses[-1]:.4f}  test accuracy "
              f"{test_accuracy:.4f}  ({time.perf_counter() - start:.1f} s)", flush=True)
    return losses, test_accuracy, time.perf_counter() - start


def plot(losses: list[float], name: str, model: str) -> Path:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    out_dir = Path(os.environ.get("LUCIDGRAD_OUT", "tutorial_output"))
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / (f"digits_loss_{name}.png" if model == "mlp"
                      else f"digits_loss_{model}_{name}.png")
    figure, axes = plt.subplots(figsize=(6, 4))
    axes.plot(range(1, len(losses) + 1), losses, marker="o")
    axes.set(xlabel="epoch", ylabel="mean training loss (cross-entropy)", yscale="log",
             title=f"{model.upper()} on 8x8 digits ({name})")
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))  # epochs are whole numbers
    figure.tight_layout()
    figure.savefig(path, dpi=100)
    plt.close(figure)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--torch", action="store_true", help="run the identical model in torch")
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model", choices=("mlp", "cnn"), default="mlp")
    parser.add_argument("--threads", type=int, default=None,
                        help="limit torch and numpy's BLAS to this many threads")
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu",
                        help="cuda: lucidgrad's Triton backend (Triton's CPU interpreter without a GPU)")
    args = parser.parse_args()
    if args.device == "cuda":
        import torch

        if not torch.cuda.is_available():
            os.environ["TRITON_INTERPRET"] = "1"  # before triton is first imported
    if args.torch:
        import torch as lib
    else:
        lib = tensor
    name = "torch" if args.torch else "lucidgrad"
    limits = contextlib.nullcontext()
    if args.threads is not None:
        from threadpoolctl import threadpool_limits

        limits = threadpool_limits(args.threads)
        if args.torch:
            lib.set_num_threads(args.threads)
    with limits:
        losses, test_accuracy, seconds = train(lib, args)
    path = plot(losses, name, args.model)
    print(f"{name} {args.model}: test accuracy {test_accuracy:.4f} after {args.epochs} epochs in "
          f"{seconds:.1f} s ({seconds / args.epochs:.2f} s per epoch); loss curve: {path}")


if __name__ == "__main__":
    main()
