"""Autograd on cuda: gradcheck and gradgradcheck through the Triton kernels (fp64, tiny
shapes: the interpreter runs each program on the CPU), and device cross-validation: the same
random op graph gives the same values and gradients on cpu and on cuda."""

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

import tensor as T
import tensor.nn.functional as F


def _cuda64(*shape, seed=0, low=-1.0, high=1.0):
    values = np.random.default_rng(seed).uniform(low, high, shape)
    return T.tensor(values, dtype=T.float64, device="cuda", requires_grad=True)


GRADCHECKED = {
    "mul_exp_sum_broadcast": (lambda x, y: (x * y).exp().sum(0), ((2, 3), (3,))),
    "matmul_transposed": (lambda x, y: x.t() @ y, ((3, 2), (3, 2))),
    "softmax": (lambda x, y: T.softmax(x * y, dim=1), ((2, 3), (1, 3))),
    "linear_relu_cross_entropy": (
        lambda x, w: F.cross_entropy(T.relu(F.linear(x, w, w[0])), T.tensor([1, 0], device="cuda")),
        ((2, 3), (3, 3))),
    "tanh_sigmoid_mean": (lambda x, y: (x.tanh() - y.sigmoid()).mean(1), ((2, 3), (2, 3))),
}


SLOW = pytest.mark.slow


@pytest.mark.parametrize("name", [
    "mul_exp_sum_broadcast", "softmax", "linear_relu_cross_entropy",
    pytest.param("matmul_transposed", marks=SLOW), pytest.param("tanh_sigmoid_mean", marks=SLOW)])
def test_gradcheck_on_cuda(name):
    fn, shapes = GRADCHECKED[name]
    inputs = tuple(_cuda64(*shape, seed=i) for i, shape in enumerate(shapes))
    assert T.autograd.gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3)


def test_gradgradcheck_on_cuda_small():
    assert T.autograd.gradgradcheck(lambda x: (x.tanh() * x).sum(), (_cuda64(3),))


@SLOW
@pytest.mark.parametrize("name", ["mul_exp_sum_broadcast", "linear_relu_cross_entropy"])
def test_gradgradcheck_on_cuda(name):
    fn, shapes = GRADCHECKED[name]
    inputs = tuple(_cuda64(*shape, seed=i) for i, shape in enumerate(shapes))
    assert T.autograd.gradgradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3)


def test_second_derivative_runs_through_cuda_kernels():
    x = T.tensor([0.5, -1.0, 2.0], device="cuda", requires_grad=True)
    (g,) = T.autograd.grad((x ** 3).sum(), x, create_graph=True)
    g.sum().backward()
    assert g.device.type == "cuda" and x.grad.device.type == "cuda"
    np.testing.assert_allclose(x.grad.cpu().numpy(), [3.0, -6.0, 12.0])


# ------------------------------------------------------------- cross-validation

UNARY = [lambda t: t.exp() * 0.1, lambda t: t.tanh(), lambda t: t.sigmoid(), lambda t: T.relu(t),
         lambda t: t.sin(), lambda t: t * t, lambda t: T.softmax(t, dim=-1),
         lambda t: t.log_softmax(-1), lambda t: t - t.mean(-1, keepdim=True), lambda t: t.abs().sqrt()]
BINARY = [lambda a, b: a + b, lambda a, b: a * b, lambda a, b: a - b * 0.5,
          lambda a, b: T.maximum(a, b), lambda a, b: a @ b.t() @ b * 0.1, lambda a, b: T.where(a > b, a, b)]


def _run_graph(choices, arrays, device):
    """The op graph ``choices`` on ``device``: leaves, a chain of unary/binary ops that
    reuses earlier values, a sum; returns the output and the leaves' gradients on the host."""
    leaves = [T.tensor(a, device=device, requires_grad=True) for a in arrays]
    values = list(leaves)
    for kind, op, left, right in choices:
        a, b = values[left % len(values)], values[right % len(values)]
        values.append(UNARY[op % len(UNARY)](a) if kind == 0 else BINARY[op % len(BINARY)](a, b))
    out = sum(v.sum() for v in values[len(leaves):])
    out.backward()
    return out.item(), [None if leaf.grad is None else leaf.grad.cpu().numpy() for leaf in leaves]


@settings(max_examples=4, deadline=None, derandomize=True, phases=[Phase.explicit, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow])
@given(choices=st.lists(st.tuples(st.integers(0, 1), st.integers(0, 20), st.integers(0, 20),
                                  st.integers(0, 20)), min_size=3, max_size=8),
       seed=st.integers(0, 2**16))
def test_random_op_graph_same_on_cpu_and_cuda(choices, seed):
    rng = np.random.default_rng(seed)
    arrays = [rng.uniform(-1.5, 1.5, (3, 4)).astype(np.float32) for _ in range(2)]
    value_cpu, grads_cpu = _run_graph(choices, arrays, "cpu")
    value_cuda, grads_cuda = _run_graph(choices, arrays, "cuda")
    np.testing.assert_allclose(value_cuda, value_cpu, rtol=1e-5, atol=1e-5)
    for ours, expected in zip(grads_cuda, grads_cpu):
        assert (ours is None) == (expected is None)
        if expected is not None:
            np.testing.assert_allclose(ours, expected, rtol=1e-4, atol=1e-5)
