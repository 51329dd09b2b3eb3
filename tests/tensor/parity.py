"""The torch-parity helper and the table of ops it is run over.

`check_parity(fn, inputs, ...)` builds the same inputs in torch and in
`tensor` (the same values, laid out contiguously, transposed, sliced or
expanded), runs `fn(module, *inputs)` with each module, and compares the
output (values, dtype, shape, grad_fn name, requires_grad) and, after a
backward with one random output gradient, the gradient of every leaf.

`OPS` lists every op once: a `Case` names the op, the expression (written
once for both modules: `lambda m, x: m.exp(x)`), how its inputs are drawn
and which values they may take. The parity, gradcheck and fused-vs-composed
tests all run over this one table, so adding an op to the tests is one line.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes, mutually_broadcastable_shapes

import tensor as T

SETTINGS = settings(max_examples=25, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# Forward and gradient tolerances per dtype: float64 tight, float32 grads rtol 1e-3.
TOLERANCES = {
    "float64": {"value": dict(rtol=1e-10, atol=1e-12), "grad": dict(rtol=1e-10, atol=1e-12)},
    "float32": {"value": dict(rtol=1e-5, atol=1e-6), "grad": dict(rtol=1e-3, atol=1e-5)},
}

LAYOUTS = ("contiguous", "transposed", "sliced", "expanded")


def dtype_name(dtype) -> str:
    """'float32' for torch.float32 and for tensor.float32."""
    return str(dtype).split(".")[-1]


def to_numpy(t) -> np.ndarray:
    t = t.detach()
    if isinstance(t, torch.Tensor) and t._is_zerotensor():  # torch's lazily-zero gradients
        return np.zeros(tuple(t.shape), dtype=dtype_name(t.dtype))
    return np.array(t.numpy(), copy=True)


# ------------------------------------------------------------------ inputs

def make_leaf(module, array: np.ndarray, layout: str, requires_grad: bool):
    """(leaf, input): the leaf holds the values; the input is them in the given layout.

    transposed: the leaf is stored with reversed dims and permuted back (a view);
    sliced: the leaf itself is a strided slice of a larger buffer (non-contiguous storage);
    expanded: the leaf holds the first row and is expanded (stride 0) to the full shape.
    """
    array = np.array(array, copy=True)
    ndim = array.ndim
    if layout == "transposed" and ndim >= 2:
        leaf = _with_grad(module.tensor(np.ascontiguousarray(array.transpose())), requires_grad)
        return leaf, leaf.permute(*reversed(range(ndim)))
    if layout == "sliced" and ndim >= 1:
        buffer = np.zeros(array.shape[:-1] + (2 * array.shape[-1],), dtype=array.dtype)
        buffer[..., ::2] = array
        leaf = module.from_numpy(buffer[..., ::2])
        leaf = _with_grad(leaf, requires_grad)
        return leaf, leaf
    if layout == "expanded" and ndim >= 1 and array.shape[0] > 1:
        leaf = _with_grad(module.tensor(array[:1]), requires_grad)
        return leaf, leaf.expand(*array.shape)
    leaf = _with_grad(module.tensor(array), requires_grad)
    return leaf, leaf


def _with_grad(leaf, requires_grad):
    return leaf.requires_grad_(True) if requires_grad else leaf


def layout_values(array: np.ndarray, layout: str) -> np.ndarray:
    """The values an input really has in ``layout`` (expanded repeats its first row)."""
    if layout == "expanded" and array.ndim >= 1 and array.shape[0] > 1:
        return np.broadcast_to(array[:1], array.shape).copy()
    return array


def build(module, inputs, layout: str = "contiguous", requires_grad: bool = True):
    """Leaves and inputs for ``module``: float arrays require grad, other arrays do not,
    anything else (numbers, dims) passes through."""
    leaves, args = [], []
    for x in inputs:
        if isinstance(x, np.ndarray):
            floating = np.issubdtype(x.dtype, np.floating)
            leaf, arg = make_leaf(module, x, layout if floating else "contiguous",
                                  requires_grad and floating)
            leaves.append(leaf if floating else None)
            args.append(arg)
        else:
            leaves.append(None)
            args.append(x)
    return leaves, args


# ------------------------------------------------------------------ comparison

def assert_close(actual, expected, dtype: str, kind: str, what: str):
    tol = TOLERANCES.get(dtype, TOLERANCES["float32"])[kind]
    np.testing.assert_allclose(actual, expected, equal_nan=True, err_msg=what, **tol)


def assert_same_tensor(ours, theirs, kind: str, what: str):
    """Same shape, dtype and values (within the dtype's tolerance)."""
    assert tuple(ours.shape) == tuple(theirs.shape), f"{what}: shape {ours.shape} != {theirs.shape}"
    assert dtype_name(ours.dtype) == dtype_name(theirs.dtype), (
        f"{what}: dtype {ours.dtype} != {theirs.dtype}")
    name = dtype_name(theirs.dtype)
    assert_close(to_numpy(ours), to_numpy(theirs), name, kind, what)


def output_gradient(out_shape, dtype: str, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.standard_normal(out_shape).astype(dtype)


def check_parity(fn: Callable, inputs, layout: str = "contiguous", seed: int = 0,
                 backward: bool = True):
    """Run ``fn(module, *inputs)`` in torch and in tensor; compare outputs and leaf grads."""
    t_leaves, t_args = build(torch, inputs, layout)
    o_leaves, o_args = build(T, inputs, layout)
    try:
        expected = fn(torch, *t_args)
    except Exception as error:  # torch refuses: tensor must refuse the same way
        with pytest.raises(type(error)) as raised:
            fn(T, *o_args)
        assert str(raised.value) == str(error)
        return None
    out = fn(T, *o_args)
    assert isinstance(out, T.Tensor), f"got {type(out).__name__}, not a Tensor"
    assert_same_tensor(out, expected, "value", "forward")
    assert out.requires_grad == expected.requires_grad, "requires_grad"
    expected_node = None if expected.grad_fn is None else expected.grad_fn.name()
    node = None if out.grad_fn is None else out.grad_fn.name()
    assert node == expected_node, f"grad_fn {node} != {expected_node}"
    if not (backward and expected.requires_grad):
        return out
    gradient = output_gradient(tuple(expected.shape), dtype_name(expected.dtype), seed)
    expected.backward(torch.tensor(gradient))
    out.backward(T.tensor(gradient))
    for i, (ours, theirs) in enumerate(zip(o_leaves, t_leaves)):
        if theirs is None:
            continue
        if theirs.grad is None:
            assert ours.grad is None, f"input {i}: torch has no grad, tensor has one"
            continue
        assert ours.grad is not None, f"input {i}: no grad"
        assert_same_tensor(ours.grad, theirs.grad, "grad", f"grad of input {i}")
    return out


# ------------------------------------------------------------------ the op table

DOMAINS = {
    "real": lambda rng, shape: rng.uniform(-2.0, 2.0, shape),
    "positive": lambda rng, shape: rng.uniform(0.3, 2.5, shape),
    # away from 0 (kinks of abs, relu, sign; poles of 1/x)
    "nonzero": lambda rng, shape: rng.choice([-1.0, 1.0], shape) * rng.uniform(0.2, 2.0, shape),
    "unit": lambda rng, shape: rng.uniform(-1.0, 1.0, shape),
}


@dataclasses.dataclass(frozen=True)
class Case:
    """One op: ``fn(module, *arrays, *extra)``.

    kind: 'unary' (one array of any shape), 'binary' (two mutually
    broadcastable arrays), 'reduce' (one array with >= 1 dim, plus a dim and
    keepdim drawn by the test; ``dims`` says whether dim is an int or a
    tuple), 'fixed' (arrays of the listed ``shapes``).
    """

    name: str
    fn: Callable
    kind: str = "unary"
    domain: str = "real"
    shapes: tuple = ()
    dims: str = "int"
    differentiable: bool = True

    def __str__(self) -> str:
        return self.name


def unary(name, fn, domain="real", **kw):
    return Case(name, fn, "unary", domain, **kw)


def binary(name, fn, domain="real", **kw):
    return Case(name, fn, "binary", domain, **kw)


def reduce(name, fn, dims="int", domain="real", **kw):
    return Case(name, fn, "reduce", domain, dims=dims, **kw)


def fixed(name, fn, *shapes, domain="real", **kw):
    return Case(name, fn, "fixed", domain, shapes=shapes, **kw)


OPS = [
    # arithmetic, broadcasting
    binary("add", lambda m, x, y: x + y),
    binary("add_alpha", lambda m, x, y: m.add(x, y, alpha=2.5)),
    binary("sub", lambda m, x, y: x - y),
    binary("sub_alpha", lambda m, x, y: m.sub(x, y, alpha=-0.5)),
    binary("mul", lambda m, x, y: x * y),
    binary("div", lambda m, x, y: x / y, domain="nonzero"),
    binary("pow_tensor", lambda m, x, y: x ** y, domain="positive"),
    binary("maximum", lambda m, x, y: m.maximum(x, y)),
    binary("minimum", lambda m, x, y: m.minimum(x, y)),
    binary("where", lambda m, x, y: m.where(x > y, x, y * 2)),
    binary("eq", lambda m, x, y: x == y, differentiable=False),
    binary("lt", lambda m, x, y: x < y, differentiable=False),
    binary("ge", lambda m, x, y: x >= y, differentiable=False),
    # with Python numbers, reflected forms
    unary("add_scalar", lambda m, x: x + 1.5),
    unary("radd_scalar", lambda m, x: 1.5 + x),
    unary("sub_scalar", lambda m, x: x - 2),
    unary("rsub_scalar", lambda m, x: 2 - x),
    unary("mul_scalar", lambda m, x: x * -3),
    unary("rmul_scalar", lambda m, x: 0.5 * x),
    unary("div_scalar", lambda m, x: x / 4),
    unary("rdiv_scalar", lambda m, x: 2 / x, domain="nonzero"),
    unary("neg", lambda m, x: -x),
    unary("pow_2", lambda m, x: x ** 2),
    unary("pow_3", lambda m, x: x ** 3),
    unary("pow_0", lambda m, x: x ** 0),
    unary("pow_half", lambda m, x: x ** 0.5, domain="positive"),
    unary("pow_minus", lambda m, x: x ** -1.5, domain="positive"),
    unary("rpow", lambda m, x: 2 ** x),
    unary("pow_method", lambda m, x: m.pow(x, 2.5), domain="positive"),
    # elementwise functions
    unary("exp", lambda m, x: m.exp(x)),
    unary("log", lambda m, x: m.log(x), domain="positive"),
    unary("sin", lambda m, x: m.sin(x)),
    unary("cos", lambda m, x: m.cos(x)),
    unary("tan", lambda m, x: m.tan(x), domain="unit"),
    unary("tanh", lambda m, x: m.tanh(x)),
    unary("sigmoid", lambda m, x: m.sigmoid(x)),
    unary("relu", lambda m, x: m.relu(x), domain="nonzero"),
    unary("sqrt", lambda m, x: m.sqrt(x), domain="positive"),
    unary("rsqrt", lambda m, x: m.rsqrt(x), domain="positive"),
    unary("abs", lambda m, x: m.abs(x), domain="nonzero"),
    unary("sign", lambda m, x: m.sign(x), domain="nonzero"),
    unary("round", lambda m, x: m.round(x * 3)),
    unary("ceil", lambda m, x: m.ceil(x * 3)),
    unary("floor", lambda m, x: (x * 3).floor()),
    unary("trunc", lambda m, x: m.trunc(x * 3)),
    unary("clamp", lambda m, x: m.clamp(x, -0.7, 0.9)),
    unary("clamp_min", lambda m, x: x.clamp(min=-0.3)),
    unary("clamp_max", lambda m, x: m.clamp(x, max=0.4)),
    fixed("clamp_tensor", lambda m, x, low, high: m.clamp(x, low, high + 1), (3, 4), (4,), (3, 1)),
    fixed("clamp_tensor_min", lambda m, x, low: x.clamp(min=low), (3, 4), (3, 4)),
    # everyday ops; where torch has a node of its own and ours is a composition, an outer * 2
    # gives both graphs the same top node (values and gradients are still compared)
    binary("remainder", lambda m, x, y: x % y, domain="nonzero"),
    unary("remainder_scalar", lambda m, x: m.remainder(x, 0.7)),
    binary("fmod", lambda m, x, y: m.fmod(x, y), domain="nonzero"),
    unary("fmod_scalar", lambda m, x: x.fmod(-0.7)),
    reduce("cumsum", lambda m, x, d, k: x.cumsum(d)),
    fixed("dot", lambda m, x, y: m.dot(x, y), (4,), (4,)),
    fixed("mv", lambda m, x, y: x.mv(y), (3, 4), (4,)),
    fixed("outer", lambda m, x, y: m.outer(x, y), (3,), (4,)),
    fixed("narrow", lambda m, x: x.narrow(1, -3, 2), (3, 4)),
    fixed("select_method", lambda m, x: m.select(x, 1, -1), (3, 4)),
    fixed("flip", lambda m, x: m.flip(x, (0, 2)) * 2, (2, 3, 4)),
    fixed("roll", lambda m, x: x.roll((1, -2), (0, 1)) * 2, (3, 4)),
    fixed("tril_triu", lambda m, x: x.tril(-1) * 2 + m.triu(x, 1), (2, 3, 4)),
    fixed("diag", lambda m, x, y: m.diag(x, 1) * 2 + m.diag(y, -1).sum(), (3, 4), (3,)),
    fixed("repeat", lambda m, x: x.repeat(2, 1, 3) * 2, (3, 4)),
    fixed("repeat_interleave", lambda m, x: x.repeat_interleave(2, dim=1) * 2, (3, 4)),
    fixed("index_select", lambda m, x: x.index_select(0, m.tensor([2, 0, 2])) * 2, (3, 4)),
    reduce("topk", lambda m, x, d, k: x.topk(1, d, largest=k).values * 2),
    reduce("kthvalue", lambda m, x, d, k: m.kthvalue(x, 1, d, keepdim=k).values * 2),
    fixed("einsum", lambda m, x, y: m.einsum("bij,bjk->bik", x, y) * 2 + m.einsum("ii->i", x[0, :, :3]).sum(),
          (2, 3, 4), (2, 4, 5)),
    fixed("cumprod", lambda m, x: x.cumprod(1) * 2, (3, 4)),
    fixed("scatter_add", lambda m, x, y: x.scatter_add(0, m.tensor([[0, 2, 1, 0], [2, 0, 0, 1]]), y) * 2,
          (3, 4), (2, 4)),
    fixed("scatter", lambda m, x, y: x.scatter(1, m.tensor([[0, 2], [3, 1], [2, 0]]), y) * 2, (3, 4), (3, 2)),
    fixed("index_add", lambda m, x, y: x.index_add(0, m.tensor([2, 0, 1]), y, alpha=2) * 2, (3, 4), (3, 4)),
    # scatter's reduce has no derivative in torch: its values, through a detached input
    fixed("scatter_reduce_arg", lambda m, x, y: x.detach().scatter(
        1, m.tensor([[0, 2], [3, 3], [2, 0]]), y.detach(), reduce="multiply").scatter_(
        0, m.tensor([[1, 1, 0, 2]]), 0.5, reduce="add") * x, (3, 4), (3, 2), differentiable=False),
    fixed("unique_dim", lambda m, x: m.unique(m.cat([x, x[:1]]).detach().round(), dim=0).sum(0) * x,
          (3, 4), differentiable=False),
    # int ** negative int tensor (0, or +-1 for a base of +-1), an int64 scalar past int64 (wraps)
    fixed("pow_int_negative", lambda m, x: x * (m.tensor([[2, -1, 1, 3]]) ** m.tensor([-1, -3, -2, 2])),
          (3, 4)),
    fixed("mul_int_wraps", lambda m, x: x * (m.tensor([1, 2, 3, 4]) * 2**63 == 0), (3, 4)),
    unary("exp_method", lambda m, x: x.exp().tanh().sigmoid()),
    # reductions
    unary("sum", lambda m, x: x.sum()),
    unary("mean", lambda m, x: m.mean(x)),
    reduce("sum_dim", lambda m, x, d, k: x.sum(d, keepdim=k)),
    reduce("sum_dims", lambda m, x, d, k: m.sum(x, d, keepdim=k), dims="tuple"),
    reduce("mean_dim", lambda m, x, d, k: x.mean(d, keepdim=k)),
    reduce("mean_dims", lambda m, x, d, k: m.mean(x, dim=d, keepdim=k), dims="tuple"),
    unary("max", lambda m, x: x.max()),
    unary("min", lambda m, x: m.min(x)),
    reduce("max_dim", lambda m, x, d, k: x.max(d, keepdim=k).values),
    reduce("min_dim", lambda m, x, d, k: m.min(x, d, k)[0]),
    reduce("max_indices", lambda m, x, d, k: m.max(x, dim=d, keepdim=k).indices,
           differentiable=False),
    reduce("amax", lambda m, x, d, k: m.amax(x, d, keepdim=k), dims="tuple"),
    reduce("amin", lambda m, x, d, k: x.amin(dim=d, keepdim=k), dims="tuple"),
    reduce("argmax", lambda m, x, d, k: x.argmax(d, keepdim=k), differentiable=False),
    unary("argmin", lambda m, x: m.argmin(x), differentiable=False),
    unary("var", lambda m, x: x.var()),
    reduce("var_dims", lambda m, x, d, k: x.var(d, keepdim=k), dims="tuple"),
    reduce("var_biased", lambda m, x, d, k: m.var(x, d, correction=0, keepdim=k)),
    unary("std", lambda m, x: m.std(x)),
    reduce("std_dims", lambda m, x, d, k: m.std(x, d, keepdim=k), dims="tuple"),
    unary("norm", lambda m, x: x.norm()),
    # away from 0: a slice of one element is |x|, whose second derivative near the kink is rounding noise
    reduce("norm_dim", lambda m, x, d, k: m.norm(x, dim=d, keepdim=k), domain="nonzero"),
    reduce("norm_1", lambda m, x, d, k: x.norm(p=1, dim=d, keepdim=k), domain="nonzero"),
    unary("prod", lambda m, x: x.prod()),
    reduce("prod_dim", lambda m, x, d, k: m.prod(x, d, keepdim=k)),
    fixed("prod_with_zero", lambda m, x: (x * m.tensor([[1.0, 0.0, 1.0], [1.0, 1.0, 1.0]])).prod(1),
          (2, 3)),
    reduce("logsumexp", lambda m, x, d, k: m.logsumexp(x, d, keepdim=k), dims="tuple"),
    reduce("softmax", lambda m, x, d, k: m.softmax(x, d)),
    reduce("log_softmax", lambda m, x, d, k: x.log_softmax(dim=d)),
    # contiguous results, as torch's: a view across the transposed order refuses in both
    fixed("softmax_t_view", lambda m, x: m.softmax(x.t(), 0).t().view(-1), (3, 4), differentiable=False),
    fixed("index_t_view", lambda m, x: x.t()[:, m.tensor([0, 2])].view(-1), (3, 4)),
    fixed("sum_bool_dim", lambda m, x: x.sum(dim=True), (3, 4), differentiable=False),
    # matmul family
    fixed("mm", lambda m, x, y: m.mm(x, y), (3, 4), (4, 5)),
    fixed("matmul_2d", lambda m, x, y: x @ y, (2, 3), (3, 1)),
    fixed("matmul_dot", lambda m, x, y: m.matmul(x, y), (4,), (4,)),
    fixed("matmul_mv", lambda m, x, y: x @ y, (3, 4), (4,)),
    fixed("matmul_vm", lambda m, x, y: x @ y, (4,), (4, 5)),
    fixed("matmul_batched", lambda m, x, y: x @ y, (2, 3, 4), (4, 5)),
    fixed("matmul_broadcast", lambda m, x, y: x @ y, (2, 1, 3, 4), (3, 4, 2)),
    fixed("matmul_vec_batched", lambda m, x, y: x @ y, (4,), (2, 4, 3)),
    fixed("matmul_batched_vec", lambda m, x, y: m.matmul(x, y), (2, 3, 4), (4,)),
    fixed("bmm", lambda m, x, y: m.bmm(x, y), (2, 3, 4), (2, 4, 5)),
    # shapes and views
    fixed("reshape", lambda m, x: x.reshape(4, 6), (2, 3, 4)),
    fixed("reshape_infer", lambda m, x: m.reshape(x, (-1, 2)), (2, 3, 4)),
    fixed("view", lambda m, x: x.view(6, 4), (2, 3, 4)),
    fixed("reshape_alias", lambda m, x: x.t().reshape(2, 2, 3), (3, 4)),
    fixed("flatten", lambda m, x: x.flatten(1), (2, 3, 4)),
    fixed("permute", lambda m, x: x.permute(2, 0, 1), (2, 3, 4)),
    fixed("transpose", lambda m, x: m.transpose(x, 0, -1), (2, 3, 4)),
    fixed("t", lambda m, x: x.t(), (3, 4)),
    fixed("T", lambda m, x: x.T, (3, 4)),
    fixed("mT", lambda m, x: x.mT, (2, 3, 4)),
    fixed("unsqueeze", lambda m, x: x.unsqueeze(-2), (3, 4)),
    fixed("squeeze", lambda m, x: x.squeeze(), (3, 1, 4)),
    fixed("squeeze_dim", lambda m, x: m.squeeze(x, 1), (3, 1, 4)),
    fixed("squeeze_dims", lambda m, x: x.squeeze((1, 3)), (3, 1, 4, 1)),
    fixed("expand", lambda m, x: x.expand(2, 3, 4), (3, 1)),
    fixed("expand_as", lambda m, x, y: x.expand_as(y), (1, 4), (3, 4)),
    fixed("sum_to_size", lambda m, x: x.sum_to_size(3, 1), (2, 3, 4)),
    fixed("view_chain", lambda m, x: x.t().reshape(-1).unsqueeze(0) * 2, (3, 4)),
    # copies and casts
    unary("clone", lambda m, x: x.clone()),
    fixed("contiguous", lambda m, x: x.t().contiguous(), (3, 4)),
    unary("to_double", lambda m, x: x.double() * 1),
    unary("to_float", lambda m, x: x.float() * 1),
    unary("to_long", lambda m, x: (x * 3).long(), differentiable=False),
    # in place (on non-leaves, and through a view into its base)
    fixed("add_", lambda m, x, y: (x * 1).add_(y * 1).add_(y, alpha=2), (3, 4), (4,)),
    fixed("sub_", lambda m, x, y: (x * 1).sub_(y), (3, 4), (4,)),
    fixed("mul_", lambda m, x, y: (x * 1).mul_(y), (3, 4), (3, 1)),
    fixed("div_", lambda m, x, y: (x * 1).div_(y), (3, 4), (4,), domain="positive"),
    fixed("iadd_imul", lambda m, x, y: _augmented(x * 1, y), (3, 4), (3, 4)),
    unary("pow_", lambda m, x: (x * 1).pow_(2)),
    unary("clamp_", lambda m, x: (x * 1).clamp_(-0.5, 0.5)),
    unary("exp_", lambda m, x: (x * 1).exp_()),
    unary("tanh_", lambda m, x: (x * 1).tanh_()),
    unary("sigmoid_", lambda m, x: (x * 1).sigmoid_()),
    unary("neg_", lambda m, x: (x * 1).neg_()),
    unary("relu_", lambda m, x: (x * 1).relu_(), domain="nonzero"),
    unary("sqrt_", lambda m, x: (x * 1).sqrt_(), domain="positive"),
    fixed("copy_", lambda m, x, y: (x * 1).copy_(y), (3, 4), (4,)),
    fixed("fill_zero_", lambda m, x: (x * 1).fill_(2.5) + (x * 1).zero_() + x, (3, 4)),
    fixed("fill_tensor_", lambda m, x, y: (x * 1).fill_(y.sum()), (3, 4), (2,)),
    fixed("zero_expanded", lambda m, x: x.detach()[:1].expand(3, 4).zero_() + x, (3, 4),
          differentiable=False),
    # indexing: basic (views), advanced (copies), and assignment
    fixed("alias", lambda m, x: x[...], (3, 4)),
    fixed("select", lambda m, x: x[1], (3, 4)),
    fixed("select_negative", lambda m, x: x[:, -1], (3, 4)),
    fixed("slice_step", lambda m, x: x[1:, ::2], (3, 5)),
    fixed("slice_newaxis", lambda m, x: x[..., None, 1:3], (2, 3, 4)),
    fixed("index_tensor", lambda m, x: x[m.tensor([0, 2, 0, -1])], (3, 4)),
    fixed("index_tensors", lambda m, x: x[m.tensor([0, 2, 0]), m.tensor([1, 1, 3])], (3, 4)),
    fixed("index_mixed", lambda m, x: x[1:, m.tensor([[0], [3]])], (3, 4)),
    fixed("index_mask", lambda m, x: x[x > 0], (3, 4)),
    fixed("gather", lambda m, x: m.gather(x, 1, m.tensor([[0, 0], [3, 1], [2, 2]])), (3, 4)),
    fixed("masked_fill", lambda m, x: x.masked_fill(x > 0.5, -1.0), (3, 4)),
    reduce("sort", lambda m, x, d, k: m.sort(x, d, descending=k).values),
    reduce("sort_indices", lambda m, x, d, k: x.sort(dim=d)[1], differentiable=False),
    reduce("argsort", lambda m, x, d, k: m.argsort(x, d, descending=k), differentiable=False),
    fixed("setitem", lambda m, x, y: _assigned(m, x * 1, y), (3, 4), (4,)),
    # joining and splitting
    fixed("cat", lambda m, x, y: m.cat([x, y * 2, x], dim=0), (2, 3), (1, 3)),
    fixed("cat_dim", lambda m, x, y: m.cat((x, y), -1), (2, 3), (2, 1)),
    fixed("stack", lambda m, x, y: m.stack([x, y, x], dim=1), (2, 3), (2, 3)),
    fixed("split", lambda m, x: _rejoined(m, m.split(x, 2, dim=1), 1), (3, 5)),
    fixed("split_sizes", lambda m, x: _rejoined(m, x.split([1, 3, 1], 1), 1), (3, 5)),
    fixed("chunk", lambda m, x: _rejoined(m, m.chunk(x, 3, dim=0), 0), (5, 2)),
    fixed("unbind", lambda m, x: _rejoined(m, x.unbind(1), 0), (3, 4)),
    fixed("inplace_view", lambda m, x: _through_view(x * 1), (3, 4)),
    # compositions that reuse inputs
    binary("diamond", lambda m, x, y: (x * y).exp() + (x * y).sin() * x),
    unary("reuse", lambda m, x: x * x * x + x / (1 + x * x)),
    # fused nn nodes (AddmmBackward0, NllLossBackward0, NllLoss2DBackward0, MseLossBackward0)
    fixed("linear", lambda m, x, w, b: m.nn.functional.linear(x, w, b), (3, 4), (2, 4), (2,)),
    fixed("cross_entropy", lambda m, x: m.nn.functional.cross_entropy(x, m.tensor([0, 3, 1])),
          (3, 4)),
    fixed("cross_entropy_no_classes", lambda m, x: m.nn.functional.cross_entropy(
        x, m.tensor([-100, -100]), reduction="sum")
        + m.nn.functional.cross_entropy(x, m.tensor([-100, -100])),
          (2, 0), differentiable=False),  # nan (0 / 0), as torch's; gradients are empty
    fixed("cross_entropy_2d", lambda m, x: m.nn.functional.cross_entropy(
        x, m.tensor([[[0, 1], [2, 0]], [[1, 1], [0, 2]]]), reduction="sum"), (2, 3, 2, 2)),
    fixed("mse_loss", lambda m, x, y: m.nn.functional.mse_loss(x, y), (3, 4), (3, 4)),
    # convolution through the strided im2col view (AsStridedBackward0; composite here, so
    # the outer sin gives both graphs one top node to compare); exact gelu (erf)
    fixed("conv2d", lambda m, x, w: m.nn.functional.conv2d(x, w, padding=1, stride=2).sin(),
          (1, 2, 5, 4), (3, 2, 3, 2)),
    unary("gelu", lambda m, x: m.nn.functional.gelu(x)),
    unary("gelu_tanh", lambda m, x: m.nn.functional.gelu(x, approximate="tanh")),
]

def _augmented(x, y):
    x += y
    x *= y
    x -= 1
    x /= 2
    return x


def _assigned(m, x, y):
    x[0] = 5.0
    x[:, 1] = y[1] * 2
    x[1] = y
    x[x > 1.5] = 0.5
    x[m.tensor([2, 0])] = y.exp()
    return x


def _rejoined(m, pieces, dim):
    """Every piece used differently, so each one's gradient is checked."""
    return m.cat([piece * (i + 1) for i, piece in enumerate(pieces)][::-1], dim=dim)


def _through_view(x):
    x.view(-1).mul_(3)
    x.transpose(0, 1).add_(1)
    return x


OP_NAMES = [case.name for case in OPS]
DIFFERENTIABLE = [case for case in OPS if case.differentiable]


# ------------------------------------------------------------------ drawing

@st.composite
def draw_inputs(draw, case: Case, dtype: str, max_side: int = 4):
    """Arrays (and dim, keepdim for reductions) for one example of ``case``."""
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    values = DOMAINS[case.domain]
    if case.kind == "unary":
        shapes = [draw(array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=max_side))]
    elif case.kind == "binary":
        drawn = draw(mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3,
                                                   min_side=1, max_side=max_side))
        shapes = list(drawn.input_shapes)
    elif case.kind == "reduce":
        shapes = [draw(array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=max_side))]
    else:
        shapes = list(case.shapes)
    arrays = [np.asarray(values(rng, shape), dtype=dtype) for shape in shapes]
    extra = []
    if case.kind == "reduce":
        ndim = len(shapes[0])
        if case.dims == "int":
            dim = draw(st.integers(-ndim, ndim - 1))
        else:
            dim = tuple(draw(st.lists(st.integers(-ndim, ndim - 1), min_size=1, max_size=ndim,
                                      unique_by=lambda d: d % ndim)))
        extra = [dim, draw(st.booleans())]
    return arrays, extra, seed


# ------------------------------------------------------------------ scenarios

def error_of(fn) -> tuple | None:
    """(exception type name, message) raised by ``fn()``, or None when it succeeds."""
    try:
        fn()
    except Exception as error:  # any error: torch's type and wording are the reference
        return type(error).__name__, str(error)
    return None


def assert_same_result(ours, theirs, where: str = "result"):
    """Tensors compare by shape, dtype and values; containers item by item; the rest by ==."""
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, T.Tensor), f"{where}: {type(ours).__name__} is not a Tensor"
        assert_same_tensor(ours, theirs, "grad", where)
    elif isinstance(theirs, (list, tuple)):
        assert isinstance(ours, (list, tuple)) and len(ours) == len(theirs), f"{where}: {ours!r}"
        for i, (o, t) in enumerate(zip(ours, theirs)):
            assert_same_result(o, t, f"{where}[{i}]")
    elif isinstance(theirs, dict):
        assert ours.keys() == theirs.keys(), where
        for key in theirs:
            assert_same_result(ours[key], theirs[key], f"{where}[{key!r}]")
    elif isinstance(theirs, float):
        assert ours == pytest.approx(theirs, rel=1e-6, abs=1e-9, nan_ok=True), where
    else:
        assert ours == theirs, f"{where}: {ours!r} != {theirs!r}"


def same_in_both(scenario):
    """Run ``scenario(module)`` with torch and with tensor; the results must be the same."""
    theirs = scenario(torch)
    ours = scenario(T)
    assert_same_result(ours, theirs, scenario.__name__)
    return ours
