"""One training step of bench_tensor's MLP (784-512-256-10, cross_entropy) on cuda:

- kernel launches per step (zero_grad, forward, backward, optimizer) within the issue's
  budget of 24, with SGD momentum and with Adam, counted by ``triton_kernels.count_launches``;
- no torch compute op is reached from ``tensor`` or ``triton_kernels`` code while the step
  runs (torch's compute functions are patched to raise when called from there);
- the same step on cpu and on cuda gives the same loss, gradients and updated weights
  within fp32 tolerance (device cross-validation).
"""

import copy
import os
import sys

import numpy as np
import pytest
import torch

import tensor as T
import tensor.nn.functional as F
import triton_kernels
from triton_kernels import count_launches

LAUNCH_BUDGET = 24
SIZES = (784, 512, 256, 10)
BATCH = 4

_PACKAGES = tuple(os.path.dirname(os.path.abspath(m.__file__)) + os.sep for m in (T, triton_kernels))

# torch's compute functions and methods (allocation, views, metadata and transfers are allowed).
TORCH_COMPUTE = [
    "add", "sub", "mul", "div", "neg", "pow", "exp", "log", "sqrt", "rsqrt", "tanh", "sigmoid", "relu",
    "abs", "sign", "clamp", "maximum", "minimum", "where", "matmul", "mm", "bmm", "addmm", "sum", "mean",
    "prod", "amax", "amin", "max", "min", "argmax", "argmin", "softmax", "log_softmax", "logsumexp",
    "gather", "scatter_add", "index_select", "index_add", "masked_fill", "cat", "stack", "full", "zeros",
    "ones", "zeros_like", "ones_like", "full_like", "eq", "ne", "lt", "le", "gt", "ge", "all", "any",
    "nonzero", "argsort", "sort", "isfinite", "isnan", "lerp", "addcmul", "addcdiv",
]
TENSOR_COMPUTE = [
    "__add__", "__radd__", "__iadd__", "__sub__", "__rsub__", "__isub__", "__mul__", "__rmul__",
    "__imul__", "__truediv__", "__rtruediv__", "__itruediv__", "__neg__", "__pow__", "__matmul__",
    "__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__", "__and__", "__or__", "__invert__",
    "__setitem__", "add", "add_", "sub", "sub_", "mul", "mul_", "div", "div_", "exp", "log", "sqrt",
    "sum", "mean", "max", "min", "amax", "clamp", "clamp_", "relu", "softmax", "log_softmax",
    "contiguous", "clone", "copy_", "fill_", "zero_", "to", "float", "double", "half", "masked_fill",
    "index_put_", "scatter_add", "gather", "argsort", "nonzero", "lerp_", "addcmul_", "addcdiv_",
    "sqrt_", "mm", "matmul", "t_", "abs", "neg", "pow", "where",
]


def _guarded(name, original):
    def guarded(*args, **kwargs):
        caller = sys._getframe(1).f_code.co_filename
        if caller.startswith(_PACKAGES):
            raise AssertionError(f"torch compute op {name} called from {caller}")
        return original(*args, **kwargs)

    return guarded


@pytest.fixture
def no_torch_compute(monkeypatch):
    """Make torch's compute ops raise when tensor or triton_kernels code calls them (Triton's
    interpreter, which moves data with torch, and the test itself stay free to)."""
    def install():
        for name in TORCH_COMPUTE:
            if hasattr(torch, name):
                monkeypatch.setattr(torch, name, _guarded(f"torch.{name}", getattr(torch, name)))
        for name in TENSOR_COMPUTE:
            if hasattr(torch.Tensor, name):
                monkeypatch.setattr(torch.Tensor, name,
                                    _guarded(f"Tensor.{name}", getattr(torch.Tensor, name)))

    return install


def _model_and_data():
    T.manual_seed(0)
    layers = []
    for i, (n_in, n_out) in enumerate(zip(SIZES, SIZES[1:])):
        layers.append(T.nn.Linear(n_in, n_out))
        if i < len(SIZES) - 2:
            layers.append(T.nn.ReLU())
    rng = np.random.default_rng(0)
    x = rng.standard_normal((BATCH, SIZES[0])).astype(np.float32)
    y = rng.integers(0, SIZES[-1], BATCH)
    return T.nn.Sequential(*layers), x, y


def _optimizer(name, params):
    if name == "sgd":
        return T.optim.SGD(params, lr=0.1, momentum=0.9)
    return T.optim.Adam(params, lr=1e-3)


def _step(model, optimizer, x, y, counts=None):
    """zero_grad, forward, backward, step; counts launches per phase into ``counts``."""
    phases = {}
    with count_launches() as phases["zero_grad"]:
        optimizer.zero_grad()
    with count_launches() as phases["forward"]:
        loss = F.cross_entropy(model(x), y)
    with count_launches() as phases["backward"]:
        loss.backward()
    with count_launches() as phases["optimizer"]:
        optimizer.step()
    if counts is not None:
        counts.update({name: count.total for name, count in phases.items()})
    return loss


def _grads_and_weights(model):
    return ([p.grad.cpu().numpy() for p in model.parameters()],
            [p.detach().cpu().numpy() for p in model.parameters()])


@pytest.mark.parametrize("optimizer_name", ["sgd", "adam"])
def test_training_step_on_cuda(optimizer_name, no_torch_compute):
    model, x, y = _model_and_data()
    cuda_model = copy.deepcopy(model).cuda()
    assert all(p.device.type == "cuda" for p in cuda_model.parameters())
    cpu_opt = _optimizer(optimizer_name, model.parameters())
    cuda_opt = _optimizer(optimizer_name, cuda_model.parameters())
    cx, cy = T.tensor(x, device="cuda"), T.tensor(y, device="cuda")

    cpu_losses = [_step(model, cpu_opt, T.tensor(x), T.tensor(y)).item() for _ in range(2)]
    _step(cuda_model, cuda_opt, cx, cy)  # first step: the optimizer's state is allocated
    counts = {}
    no_torch_compute()
    loss = _step(cuda_model, cuda_opt, cx, cy, counts)

    assert loss.grad_fn.name() == "NllLossBackward0"
    assert loss.grad_fn.next_functions[0][0].name() == "LogSoftmaxBackward0"
    assert sum(counts.values()) <= LAUNCH_BUDGET, counts
    assert counts["zero_grad"] == 0 and counts["optimizer"] == len(list(model.parameters())), counts

    np.testing.assert_allclose(loss.item(), cpu_losses[1], rtol=1e-5, atol=1e-6)
    (grads, weights), (cpu_grads, cpu_weights) = _grads_and_weights(cuda_model), _grads_and_weights(model)
    for ours, expected in zip(grads, cpu_grads):
        np.testing.assert_allclose(ours, expected, rtol=1e-4, atol=1e-6)
    # Adam divides by sqrt(v): where a gradient is ~0 its fp32 rounding moves a weight by up to
    # ~lr, so weights are compared to a small fraction of lr.
    for ours, expected in zip(weights, cpu_weights):
        np.testing.assert_allclose(ours, expected, rtol=1e-5, atol=1e-5)


def test_the_no_torch_compute_guard_catches_a_torch_op(no_torch_compute):
    x = T.tensor([3.0, 1.0, 2.0], device="cuda")
    no_torch_compute()
    with pytest.raises(AssertionError, match="torch compute op torch.argsort"):
        x.argsort()  # sort has no kernel here: the backend's documented torch use
    assert (x * 2).tolist() == [6.0, 2.0, 4.0]  # kernels pass the guard
