"""The digits CNN of bench/train_digits.py (Conv2d - ReLU - MaxPool2d - Flatten - Linear):
the same per-epoch losses as torch from the same weights and batches, and (slow) >= 97%
test accuracy."""

import argparse
import importlib.util
from pathlib import Path

import numpy as np
import pytest
import torch

import tensor as T

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "train_digits.py"


def load_script():
    spec = importlib.util.spec_from_file_location("train_digits", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def options(epochs):
    return argparse.Namespace(seed=0, epochs=epochs, batch_size=32, lr=1e-3, model="cnn",
                              device="cpu", threads=None)


def test_cnn_graph_reads_as_torch_up_to_the_convolution():
    model = load_script().build_cnn(T)
    out = model(T.randn(2, 1, 8, 8))
    assert type(out.grad_fn).__name__ == "AddmmBackward0"
    assert repr(model) == repr(load_script().build_cnn(torch))


def test_cnn_per_epoch_losses_match_torch(capsys):
    script = load_script()
    ours, our_accuracy, _ = script.train(T, options(2))
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # torch's thread pool crawls on a shared 2-core machine
    try:
        theirs, their_accuracy, _ = script.train(torch, options(2))
    finally:
        torch.set_num_threads(threads)
    np.testing.assert_allclose(ours, theirs, rtol=1e-4)
    assert abs(our_accuracy - their_accuracy) <= 1 / 450
    assert ours[1] < ours[0]


@pytest.mark.slow
def test_cnn_reaches_97_percent_on_the_test_set(capsys):
    losses, accuracy, _ = load_script().train(T, options(15))
    assert accuracy >= 0.97
    assert losses[-1] < 0.1
