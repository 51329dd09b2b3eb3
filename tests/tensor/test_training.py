"""Whole training runs against torch from the same initial weights: linear regression
with SGD, a two-layer classifier with SGD-momentum and Adam for 100 steps (losses agree
to float32 rounding), and the digits benchmark script end to end."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

import tensor as T
import tensor.nn  # noqa: F401
import tensor.optim  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]


def same_model(build):
    """``build(module)`` in tensor and in torch, torch given tensor's initial weights."""
    T.manual_seed(0)
    ours, theirs = build(T), build(torch)
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})
    return ours, theirs


def train(module, model, make_optimizer, loss_fn, x, y, steps):
    optimizer = make_optimizer(module, model.parameters())
    x, y = module.tensor(x), module.tensor(y)
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = loss_fn(module, model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


def assert_same_run(build, make_optimizer, loss_fn, x, y, steps=100, rtol=1e-5):
    ours, theirs = same_model(build)
    our_losses = train(T, ours, make_optimizer, loss_fn, x, y, steps)
    their_losses = train(torch, theirs, make_optimizer, loss_fn, x, y, steps)
    np.testing.assert_allclose(our_losses, their_losses, rtol=rtol, atol=1e-7)
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters(), strict=True):
        np.testing.assert_allclose(p.detach().numpy(), q.detach().numpy(), rtol=1e-4,
                                   atol=1e-5, err_msg=name)
    return our_losses


def test_linear_regression_matches_torch():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((64, 3)).astype(np.float32)
    y = (x @ np.array([[2.0], [-3.0], [0.5]]) + 1.0).astype(np.float32)
    losses = assert_same_run(
        lambda m: m.nn.Linear(3, 1),
        lambda m, params: m.optim.SGD(params, lr=0.1),
        lambda m, out, target: m.nn.functional.mse_loss(out, target),
        x, y)
    assert losses[-1] < 1e-6 < losses[0]


def two_layer(m):
    return m.nn.Sequential(m.nn.Linear(4, 16), m.nn.Tanh(), m.nn.Linear(16, 3))


@pytest.mark.parametrize("optimizer", ["sgd_momentum", "adam"])
def test_two_layer_classifier_matches_torch(optimizer):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((96, 4)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64) + (x[:, 1] > 0.5).astype(np.int64)
    make = {
        "sgd_momentum": lambda m, params: m.optim.SGD(params, lr=0.1, momentum=0.9,
                                                      weight_decay=1e-4),
        "adam": lambda m, params: m.optim.Adam(params, lr=0.01),
    }[optimizer]
    losses = assert_same_run(two_layer, make,
                             lambda m, out, target: m.nn.functional.cross_entropy(out, target),
                             x, y)
    assert losses[-1] < 0.3 * losses[0]


def test_digits_script_runs_and_learns(tmp_path):
    env = dict(os.environ, LUCIDGRAD_OUT=str(tmp_path))
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "train_digits.py"), "--epochs", "3"],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=120, check=True)
    lines = result.stdout.strip().split("\n")
    assert [line.split()[1] for line in lines[:3]] == ["1", "2", "3"]
    accuracy = float(lines[-1].split("test accuracy ")[1].split()[0])
    assert accuracy > 0.9
    assert (tmp_path / "digits_loss_lucidgrad.png").stat().st_size > 1000
