"""triton_kernels.torch_ops against torch: values, gradients, and gradients of gradients.

Each op is one line of ``CASES``: our function, torch's, and how to make its
inputs. fp32 results and gradients are compared with torch's own ops;
``gradcheck`` / ``gradgradcheck`` run in fp64 through the interpreter on tiny
shapes (fast mode by default, the full Jacobians under ``-m slow``).
"""

import os
import sys

import pytest
import torch
import torch.nn.functional as F
from torch.utils._python_dispatch import TorchDispatchMode

import triton_kernels
from triton_kernels import count_launches
from triton_kernels import torch_ops as T

pytestmark = pytest.mark.filterwarnings("ignore:.*encountered in:RuntimeWarning")


def rand(*shape, dtype=torch.float32, seed=0):
    return torch.randn(shape, generator=torch.Generator().manual_seed(seed), dtype=dtype)


def transposed(*shape, dtype=torch.float32, seed=0):
    """A non-contiguous tensor of ``shape``: the transpose of a contiguous one."""
    return rand(*shape[::-1], dtype=dtype, seed=seed).t() if len(shape) == 2 else rand(*shape, dtype=dtype)


TARGET = torch.tensor([0, 3, -100, 2, 4])
TARGET_2D = torch.tensor([[0, 3, 1, 2, 4], [3, 3, 0, 1, 2]])
WEIGHT = torch.tensor([0.5, 1.0, 2.0, 1.5, 0.7])


def smoothed(cross_entropy):
    return lambda x: cross_entropy(x, TARGET[:3], label_smoothing=0.2, weight=WEIGHT.to(x.dtype),
                                   reduction="sum")


def k_dim(cross_entropy):
    return lambda x: cross_entropy(x, TARGET_2D, reduction="none", ignore_index=3)


def two(first, second):
    """Inputs of two operands: ``first(dtype)`` and ``second(dtype)``."""
    return lambda d: (first(d), second(d))


# name: (ours, torch's, inputs(dtype) -> tuple of tensors that get gradients, tolerance in fp32)
CASES = {
    "relu": (T.relu, F.relu, lambda d: (rand(3, 7, dtype=d),), 1e-5),
    "gelu": (T.gelu, F.gelu, lambda d: (transposed(7, 3, dtype=d),), 1e-5),
    "silu": (T.silu, F.silu, lambda d: (rand(3, 7, dtype=d)[:, ::2],), 1e-5),
    "tanh": (T.tanh, torch.tanh, lambda d: (rand(3, 7, dtype=d),), 1e-5),
    "sigmoid": (T.sigmoid, torch.sigmoid, lambda d: (transposed(5, 3, dtype=d),), 1e-5),
    "softmax": (lambda x: T.softmax(x, 0), lambda x: torch.softmax(x, 0),
                lambda d: (transposed(5, 7, dtype=d),), 1e-5),
    "log_softmax": (lambda x: T.log_softmax(x, -1), lambda x: torch.log_softmax(x, -1),
                    lambda d: (rand(2, 3, 5, dtype=d)[:, 1:],), 1e-5),
    "add": (lambda a, b: T.add(a, b, alpha=-1.5), lambda a, b: torch.add(a, b, alpha=-1.5),
            two(lambda d: rand(2, 1, 3, dtype=d), lambda d: transposed(4, 3, dtype=d, seed=1)), 1e-5),
    "add_scalar": (lambda a: T.add(2.5, a), lambda a: torch.add(2.5, a),
                   lambda d: (rand(4, 3, dtype=d),), 1e-5),
    "mul": (T.mul, torch.mul,
            two(lambda d: rand(2, 1, 3, dtype=d), lambda d: transposed(4, 3, dtype=d, seed=1)), 1e-5),
    "mul_scalar": (lambda a: T.mul(a, -3.0), lambda a: torch.mul(a, -3.0),
                   lambda d: (rand(4, 3, dtype=d),), 1e-5),
    "sum_all": (T.sum, torch.sum, lambda d: (transposed(3, 5, dtype=d),), 1e-5),
    "sum_dims": (lambda x: T.sum(x, (0, -1), keepdim=True), lambda x: torch.sum(x, (0, -1), keepdim=True),
                 lambda d: (rand(3, 4, 5, dtype=d),), 1e-5),
    "sum_dim": (lambda x: T.sum(x, 1), lambda x: torch.sum(x, 1), lambda d: (rand(3, 4, 5, dtype=d),), 1e-5),
    "matmul": (T.matmul, torch.matmul,
               two(lambda d: transposed(3, 5, dtype=d), lambda d: rand(5, 4, dtype=d, seed=1)), 1e-4),
    "matmul_batched": (T.matmul, torch.matmul,
                       two(lambda d: rand(2, 1, 2, 3, dtype=d), lambda d: rand(2, 3, 2, dtype=d, seed=1)),
                       1e-4),
    "matmul_vector": (T.matmul, torch.matmul,
                      two(lambda d: rand(5, dtype=d), lambda d: rand(2, 5, 3, dtype=d, seed=1)), 1e-4),
    "dot": (T.matmul, torch.matmul, two(lambda d: rand(5, dtype=d), lambda d: rand(10, dtype=d, seed=1)[::2]),
            1e-4),
    "linear_vector": (T.linear, F.linear,
                      lambda d: (rand(3, dtype=d), rand(4, 3, dtype=d, seed=1), rand(4, dtype=d, seed=2)),
                      1e-4),
    "linear": (T.linear, F.linear,
               lambda d: (rand(5, 3, dtype=d), transposed(4, 3, dtype=d, seed=1), rand(4, dtype=d, seed=2)),
               1e-4),
    "linear_3d_no_bias": (T.linear, F.linear,
                          two(lambda d: rand(2, 3, 3, dtype=d).transpose(0, 1),
                              lambda d: rand(4, 3, dtype=d, seed=1)), 1e-4),
    "cross_entropy": (lambda x: T.cross_entropy(x, TARGET), lambda x: F.cross_entropy(x, TARGET),
                      lambda d: (rand(5, 6, dtype=d),), 1e-5),
    "cross_entropy_weighted_smoothed": (smoothed(T.cross_entropy), smoothed(F.cross_entropy),
                                        lambda d: (transposed(3, 5, dtype=d),), 1e-5),
    "cross_entropy_none_k_dim": (k_dim(T.cross_entropy), k_dim(F.cross_entropy),
                                 lambda d: (rand(2, 5, 5, dtype=d).transpose(1, 2),), 1e-5),
}
NAMES = list(CASES)
DOUBLE_BACKWARD_BY_DEFAULT = ["softmax", "cross_entropy_weighted_smoothed", "gelu", "linear"]


def leaves(name, dtype):
    return [x.detach().clone().requires_grad_() for x in CASES[name][2](dtype)]


@pytest.mark.parametrize("name", NAMES)
def test_forward_and_backward_equal_torch_in_float32(name):
    ours, theirs, _, tol = CASES[name]
    mine, reference = leaves(name, torch.float32), leaves(name, torch.float32)
    out, expected = ours(*mine), theirs(*reference)
    assert out.dtype == expected.dtype and out.shape == expected.shape
    torch.testing.assert_close(out, expected, rtol=tol, atol=tol)
    upstream = rand(*out.shape, seed=7)
    out.backward(upstream)
    expected.backward(upstream)
    for x, y in zip(mine, reference):
        assert x.grad.dtype == y.grad.dtype and x.grad.shape == y.grad.shape
        torch.testing.assert_close(x.grad, y.grad, rtol=tol, atol=tol)


@pytest.mark.parametrize("name", NAMES)
def test_gradcheck_float64(name):
    assert torch.autograd.gradcheck(CASES[name][0], tuple(leaves(name, torch.float64)), fast_mode=True)


@pytest.mark.parametrize("name", DOUBLE_BACKWARD_BY_DEFAULT)
def test_gradgradcheck_float64(name):
    assert torch.autograd.gradgradcheck(CASES[name][0], tuple(leaves(name, torch.float64)), fast_mode=True)


FULL_CHECKS = ["relu", "gelu", "silu", "tanh", "sigmoid", "softmax", "log_softmax", "add", "mul", "sum_dims",
               "matmul_batched", "linear_3d_no_bias", "cross_entropy_weighted_smoothed",
               "cross_entropy_none_k_dim"]
"""One case per Function (the other cases differ only in shapes or options)."""


@pytest.mark.slow
@pytest.mark.parametrize("name", FULL_CHECKS)
def test_full_gradcheck_and_gradgradcheck_float64(name):
    inputs = tuple(leaves(name, torch.float64))
    assert torch.autograd.gradcheck(CASES[name][0], inputs)
    assert torch.autograd.gradgradcheck(CASES[name][0], inputs)


@pytest.mark.parametrize("name", ["mul", "tanh", "softmax", "cross_entropy_weighted_smoothed"])
def test_create_graph_backward_equals_the_fused_one(name):
    ours = CASES[name][0]
    inputs = leaves(name, torch.float32)
    out = ours(*inputs)
    upstream = rand(*out.shape, seed=3)
    fused = torch.autograd.grad(out, inputs, upstream, retain_graph=True)
    composed = torch.autograd.grad(out, inputs, upstream, create_graph=True)
    for a, b in zip(fused, composed):
        assert b.requires_grad
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("ours, theirs", [(T.tanh, torch.tanh), (T.sigmoid, torch.sigmoid), (T.gelu, F.gelu),
                                          (T.silu, F.silu), (lambda x: T.log_softmax(x, 0),
                                                             lambda x: torch.log_softmax(x, 0))],
                         ids=["tanh", "sigmoid", "gelu", "silu", "log_softmax"])
def test_third_derivatives_equal_torch(ours, theirs):
    def third(fn, x):
        x = x.clone().requires_grad_()
        y = fn(x)
        grads = []
        for _ in range(3):
            (y,) = torch.autograd.grad(y, x, torch.ones_like(y), create_graph=True)
            grads.append(y)
        return grads

    x = torch.linspace(-2.5, 2.0, 7, dtype=torch.float64)
    for a, b in zip(third(ours, x), third(theirs, x)):
        torch.testing.assert_close(a, b, rtol=1e-10, atol=1e-12)


def test_gradient_penalty_of_an_mlp_matches_torch():
    """Double backward end to end: d/dparams of |d loss / d x|^2 for linear-gelu-linear-cross_entropy."""
    params = [rand(6, 4, seed=1), rand(6, seed=2), rand(5, 6, seed=3), rand(5, seed=4)]
    x = rand(3, 4, seed=5)
    target = torch.tensor([1, 4, 0])

    def penalty(module_linear, module_gelu, module_cross_entropy):
        ps = [p.clone().requires_grad_() for p in params]
        xs = x.clone().requires_grad_()
        logits = module_linear(module_gelu(module_linear(xs, ps[0], ps[1])), ps[2], ps[3])
        loss = module_cross_entropy(logits, target)
        (grad_x,) = torch.autograd.grad(loss, xs, create_graph=True)
        (grad_x * grad_x).sum().backward()
        return [p.grad for p in ps]

    ours = penalty(T.linear, T.gelu, T.cross_entropy)
    theirs = penalty(F.linear, F.gelu, F.cross_entropy)
    for a, b in zip(ours, theirs):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("dtype, tol", [(torch.float16, 2e-3), (torch.bfloat16, 2e-2)])
def test_half_precision_mlp_against_torch_in_float32(dtype, tol):
    """Inputs rounded to the half type, then our half-precision run against torch's fp32 run of them."""
    x, weight, bias = rand(6, 8, seed=1), rand(5, 8, seed=2) * 0.3, rand(5, seed=3)
    target = torch.tensor([0, 1, 2, 3, 4, 0])
    ours = [t.to(dtype).requires_grad_() for t in (x, weight, bias)]
    reference = [t.detach().float().requires_grad_() for t in ours]
    loss = T.cross_entropy(T.softmax(T.gelu(T.linear(*ours)), 1), target)
    expected = F.cross_entropy(torch.softmax(F.gelu(F.linear(*reference)), 1), target)
    loss.backward()
    expected.backward()
    assert loss.dtype == dtype
    torch.testing.assert_close(loss.float(), expected, rtol=tol, atol=tol)
    for a, b in zip(ours, reference):
        assert a.grad.dtype == dtype
        torch.testing.assert_close(a.grad.float(), b.grad, rtol=tol, atol=tol)


# Only allocation, views and metadata may reach torch from a launcher or a backward.
_ALLOWED = {
    "empty.memory_format", "empty_strided.default", "as_strided.default", "view.default", "expand.default",
    "transpose.int", "t.default", "unsqueeze.default", "squeeze.dim", "permute.default", "detach.default",
    "alias.default", "select.int", "slice.Tensor", "_unsafe_view.default", "squeeze.dims",
    "promote_types.default",
}
_PACKAGE = os.path.dirname(triton_kernels.__file__)
_INTERPRETER = os.path.join("triton", "runtime", "interpreter.py")


class _RecordOps(TorchDispatchMode):
    """Records the aten ops that code of this package calls, leaving out Triton's interpreter (which
    copies CPU storages around each launch) and torch's engine (which adds gradients)."""

    def __init__(self):
        super().__init__()
        self.ops = set()

    def __torch_dispatch__(self, func, types, args=(), kwargs=None):
        files = []
        frame = sys._getframe()
        while frame is not None:
            files.append(frame.f_code.co_filename)
            frame = frame.f_back
        if any(f.startswith(_PACKAGE) for f in files) and not any(f.endswith(_INTERPRETER) for f in files):
            self.ops.add(f"{func._opname}.{func._overloadname}")
        return func(*args, **(kwargs or {}))


def test_forward_and_both_backwards_call_no_torch_compute_op():
    w1, b1, w2 = rand(6, 4, seed=1), rand(6, seed=2), rand(5, 6, seed=3)
    params = [p.requires_grad_() for p in (w1, b1, w2)]
    x = rand(3, 4, seed=5)
    target = torch.tensor([1, 4, 0])
    upstream = torch.ones(())
    with _RecordOps() as recorded, count_launches() as launches:
        hidden = T.relu(T.linear(x, params[0], params[1]))
        loss = T.cross_entropy(T.softmax(T.matmul(hidden, params[2].mT), -1), target)
        loss = T.add(T.mul(T.sum(T.tanh(hidden)), 0.5), loss)
        grads = torch.autograd.grad(loss, params, upstream, create_graph=True)
        torch.autograd.grad(T.sum(T.sigmoid(grads[0])), params, torch.ones(()))
    assert "empty.memory_format" in recorded.ops  # the recorder sees this package's calls
    assert recorded.ops <= _ALLOWED, sorted(recorded.ops - _ALLOWED)
    assert launches.total > 20


def test_bad_input_raises_torch_errors():
    with pytest.raises(RuntimeError, match=r"mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)"):
        T.linear(torch.randn(2, 3), torch.randn(5, 4))
    dot_error = r"inconsistent tensor size, expected tensor \[3\] and src \[4\]"
    for matmul in (T.matmul, torch.matmul):
        with pytest.raises(RuntimeError, match=dot_error):
            matmul(torch.randn(3), torch.randn(4))
    with pytest.raises(IndexError, match="Dimension out of range"):
        T.softmax(torch.randn(2, 3), 2)
    with pytest.raises(RuntimeError, match="dim appears multiple times"):
        T.sum(torch.randn(2, 3), (1, -1))
    with pytest.raises(ValueError, match="Expected input batch_size"):
        T.cross_entropy(torch.randn(3, 4), torch.tensor([0, 1]))
    weight = torch.rand(4, requires_grad=True)
    for cross_entropy in (T.cross_entropy, F.cross_entropy):
        with pytest.raises(RuntimeError, match="not differentiable with respect to argument 'weight'"):
            cross_entropy(torch.randn(3, 4), torch.tensor([0, 1, 2]), weight=weight)
