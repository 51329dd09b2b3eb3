"""max/min (with and without dim), amax/amin, argmax/argmin, var/std, norm, prod,
logsumexp, all/any, floor/ceil/trunc, nonzero, sort/argsort, masked_fill, gather and
where(cond) against torch: values, dtypes, grad_fn names, gradients (ties, zeros) and errors."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import array_shapes
from parity import SETTINGS, check_parity
from same_error import assert_same_error

import tensor as T

# value sets: continuous, with ties (max/min/norm-inf split the gradient), with zeros (prod)
VALUES = {
    "real": lambda rng, shape: rng.standard_normal(shape),
    "ties": lambda rng, shape: rng.integers(-2, 3, shape).astype(float),
    "zeros": lambda rng, shape: rng.integers(0, 2, shape) * rng.uniform(0.5, 2, shape),
}

DIM_REDUCTIONS = {
    "max_dim": lambda m, x, d, k: x.max(d, keepdim=k).values,
    "max_dim_indices": lambda m, x, d, k: x.max(d, k)[1] * 1.0 + m.max(x, d, k)[0],
    "min_dim": lambda m, x, d, k: m.min(x, dim=d, keepdim=k)[0],
    "amax": lambda m, x, d, k: x.amax(d, keepdim=k),
    "amin": lambda m, x, d, k: m.amin(x, d, k),
    "argmax": lambda m, x, d, k: x.argmax(d, keepdim=k),
    "argmin": lambda m, x, d, k: m.argmin(x, dim=d, keepdim=k),
    "var": lambda m, x, d, k: x.var(d, keepdim=k),
    "var_biased": lambda m, x, d, k: m.var(x, d, unbiased=False, keepdim=k),
    "var_correction": lambda m, x, d, k: x.var(d, correction=0, keepdim=k),
    "std": lambda m, x, d, k: x.std(d, keepdim=k),
    "std_correction": lambda m, x, d, k: m.std(x, dim=d, correction=2, keepdim=k),
    "norm": lambda m, x, d, k: x.norm(dim=d, keepdim=k),
    "norm_1": lambda m, x, d, k: x.norm(1, d, k),
    "norm_inf": lambda m, x, d, k: m.norm(x, float("inf"), d, k),
    "norm_3": lambda m, x, d, k: x.norm(p=3, dim=d, keepdim=k),
    "prod": lambda m, x, d, k: x.prod(d, keepdim=k),
    "logsumexp": lambda m, x, d, k: x.logsumexp(d, keepdim=k),
    "all": lambda m, x, d, k: (x > -1).all(d, keepdim=k),
    "any": lambda m, x, d, k: m.any(x > 1, d, keepdim=k),
    "sort": lambda m, x, d, k: x.sort(d, descending=k).values * x.sort(d)[1],
    "argsort": lambda m, x, d, k: x.argsort(d, descending=k),
}
TUPLE_DIMS = {"amax", "amin", "var", "var_biased", "var_correction", "std", "std_correction",
              "norm", "norm_1", "norm_inf", "norm_3", "logsumexp", "all", "any"}

FULL_REDUCTIONS = {
    "max": lambda m, x: x.max(),
    "min": lambda m, x: m.min(x),
    "amax_all": lambda m, x: x.amax(),
    "argmax_all": lambda m, x: m.argmax(x, keepdim=True),
    "var_all": lambda m, x: x.var(),
    "std_all": lambda m, x: m.std(x, unbiased=False),
    "norm_all": lambda m, x: x.norm(),
    "norm_fro": lambda m, x: m.norm(x, "fro"),
    "norm_neg_inf": lambda m, x: x.norm(float("-inf")),
    "norm_0": lambda m, x: x.norm(0),
    "prod_all": lambda m, x: x.prod(),
    "logsumexp_all": lambda m, x: x.logsumexp(tuple(range(x.ndim))),
    "all_all": lambda m, x: (x != 0).all(),
    "any_all": lambda m, x: m.any(x > 1),
    "floor": lambda m, x: (x * 3).floor(),
    "ceil": lambda m, x: m.ceil(x * 3),
    "trunc": lambda m, x: (x * 3).trunc(),
    "masked_fill": lambda m, x: x.masked_fill(x > 0.5, -2.0) * x,
    "nonzero": lambda m, x: m.nonzero(x),
    "where_one": lambda m, x: m.stack(m.where(x > 0), 0) if x.ndim else m.where(x > 0)[0],
}


@st.composite
def reduction_input(draw, tuple_dims: bool):
    shape = draw(array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4))
    values = draw(st.sampled_from(sorted(VALUES)))
    ndim = len(shape)
    if tuple_dims and draw(st.booleans()):
        dim = tuple(draw(st.lists(st.integers(-ndim, ndim - 1), min_size=1, max_size=ndim,
                                  unique_by=lambda d: d % ndim)))
    else:
        dim = draw(st.integers(-ndim, ndim - 1))
    array = np.asarray(VALUES[values](np.random.default_rng(draw(st.integers(0, 2**32 - 1))), shape),
                       dtype=float)
    return array, dim, draw(st.booleans())


@pytest.mark.parametrize("name", sorted(DIM_REDUCTIONS))
@SETTINGS
@given(data=st.data())
def test_reductions_over_dims_match_torch(name, data):
    array, dim, keepdim = data.draw(reduction_input(name in TUPLE_DIMS))
    fn = DIM_REDUCTIONS[name]
    check_parity(lambda m, x: fn(m, x, dim, keepdim), [array])


@pytest.mark.parametrize("name", sorted(FULL_REDUCTIONS))
@SETTINGS
@given(shape=array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4),
       values=st.sampled_from(sorted(VALUES)), seed=st.integers(0, 2**32 - 1))
def test_full_reductions_and_elementwise_match_torch(name, shape, values, seed):
    array = np.asarray(VALUES[values](np.random.default_rng(seed), shape), dtype=float)
    check_parity(FULL_REDUCTIONS[name], [array])


@SETTINGS
@given(shape=array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=4), data=st.data())
def test_gather_matches_torch(shape, data):
    ndim = len(shape)
    dim = data.draw(st.integers(-ndim, ndim - 1))
    index_shape = [data.draw(st.integers(1, n)) for n in shape]
    index_shape[dim] = data.draw(st.integers(1, 5))
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    index = rng.integers(0, shape[dim], index_shape)
    check_parity(lambda m, x: x.gather(dim, m.tensor(index)) * 2, [rng.standard_normal(shape)])
    check_parity(lambda m, x: m.gather(x, dim, m.tensor(index).int()), [rng.standard_normal(shape)])


def test_max_with_dim_returns_named_values_and_indices():
    x = T.tensor([[1., 5., 5.], [7., 0., 7.]], requires_grad=True)
    out = x.max(1)
    assert out.values.tolist() == [5., 7.] and out.indices.tolist() == [1, 0]
    values, indices = T.min(x, 0, keepdim=True)
    assert values.shape == (1, 3) and indices.dtype is T.int64 and not indices.requires_grad
    out.values.sum().backward()
    assert x.grad.tolist() == [[0., 1., 0.], [1., 0., 0.]]
    assert T.max(x, T.zeros(3)).grad_fn.name() == "MaximumBackward0"


def test_second_derivatives_match_torch():
    values = np.array([[0.5, -1.0, 2.0], [1.5, 0.0, -0.5]])
    for fn in (lambda m, x: x.std(1).sum(), lambda m, x: x.norm(), lambda m, x: x.prod(1).sum(),
               lambda m, x: x.logsumexp(0).sum(), lambda m, x: x.var() * x.amax()):
        grads = []
        for module in (torch, T):
            x = module.tensor(values, requires_grad=True)
            (g,) = module.autograd.grad(fn(module, x), x, create_graph=True)
            (g * g).sum().backward()
            grads.append((g.detach().numpy().copy(), x.grad.numpy().copy()))
        np.testing.assert_allclose(grads[1][0], grads[0][0], rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(grads[1][1], grads[0][1], rtol=1e-10, atol=1e-12)


ERRORS = [
    lambda m: m.zeros(0).max(),
    lambda m: m.zeros(0, 3).max(0),
    lambda m: m.zeros(0, 3).argmax(),
    lambda m: m.zeros(2, 3).max(5),
    lambda m: m.zeros(2, 3).max(1, 2),
    lambda m: m.tensor([[1, 2]]).var(),
    lambda m: m.tensor([[1, 2]]).std(0),
    lambda m: m.tensor([[1, 2]]).norm(),
    lambda m: m.zeros(2, 3).amax((0, 0)),
    lambda m: m.zeros(2, 3).prod(2),
    lambda m: m.zeros(2, 3).logsumexp(3),
    lambda m: m.zeros(2, 3).masked_fill(m.zeros(2, 3), 1.0),
    lambda m: m.zeros(2, 3).gather(1, m.tensor([[0, 3]])),
    lambda m: m.zeros(2, 3).gather(1, m.tensor([[0, -1]])),
    lambda m: m.zeros(2, 3).gather(0, m.tensor([[0.0, 1.0]])),
    lambda m: m.zeros(2, 3).sort(2),
]


@pytest.mark.parametrize("fn", ERRORS)
def test_errors_match_torch(fn):
    assert_same_error(fn)
