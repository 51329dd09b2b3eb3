"""cat, stack, split, chunk and unbind against torch: values, dtypes, grad_fn names,
gradients (also when only some pieces are used) and torch's errors."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from parity import SETTINGS, check_parity
from same_error import assert_same_error

import tensor as T


@st.composite
def joinable(draw):
    """Arrays that agree in every dim but ``dim``, and that dim (maybe negative)."""
    ndim = draw(st.integers(1, 3))
    shape = draw(st.lists(st.integers(1, 4), min_size=ndim, max_size=ndim))
    dim = draw(st.integers(-ndim, ndim - 1))
    count = draw(st.integers(1, 4))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    arrays = []
    for _ in range(count):
        own = list(shape)
        own[dim] = draw(st.integers(1, 3))
        arrays.append(rng.standard_normal(own))
    return arrays, dim


@SETTINGS
@given(joinable())
def test_cat_matches_torch(case):
    arrays, dim = case
    check_parity(lambda m, *xs: m.cat(xs, dim) * 1.5, arrays)
    check_parity(lambda m, *xs: m.cat(list(xs), dim=dim), arrays)


@SETTINGS
@given(joinable())
def test_stack_matches_torch(case):
    arrays, dim = case
    same = [np.resize(a, arrays[0].shape) for a in arrays]
    ndim = arrays[0].ndim
    check_parity(lambda m, *xs: m.stack(xs, dim), same)
    check_parity(lambda m, *xs: m.stack(xs, dim=ndim), same)


@SETTINGS
@given(st.lists(st.integers(1, 5), min_size=1, max_size=3), st.data())
def test_split_chunk_unbind_match_torch(shape, data):
    ndim = len(shape)
    dim = data.draw(st.integers(-ndim, ndim - 1))
    size = data.draw(st.integers(1, 6))
    chunks = data.draw(st.integers(1, 6))
    used = data.draw(st.integers(0, 10))
    array = np.random.default_rng(used).standard_normal(shape)
    length = shape[dim]
    sections = data.draw(st.lists(st.integers(0, length), min_size=1, max_size=3))
    sections.append(length - sum(sections))

    def pick(pieces):  # use one piece (others get no gradient) and all pieces
        return pieces[used % len(pieces)] * 2 + m_sum(pieces)

    def m_sum(pieces):
        return sum(p.sum() for p in pieces)

    check_parity(lambda m, x: pick(m.split(x, size, dim)), [array])
    check_parity(lambda m, x: pick(x.split(sections, dim)), [array])
    check_parity(lambda m, x: pick(m.chunk(x, chunks, dim)), [array])
    check_parity(lambda m, x: pick(x.unbind(dim)), [array])
    check_parity(lambda m, x: m.split(x, size, dim)[0], [array])
    check_parity(lambda m, x: x.chunk(chunks, dim)[-1], [array])
    check_parity(lambda m, x: m.unbind(x, dim)[0], [array])


def test_dtype_promotion_and_empty_pieces():
    for module in (torch, T):
        a = module.tensor([[1, 2]])
        assert str(module.cat([a, module.tensor([[True, False]])]).dtype).endswith("int64")
        assert str(module.cat([a.float(), a.double()]).dtype).endswith("float64")
        assert str(module.stack([a, a.float()]).dtype).endswith("float32")
        assert tuple(module.cat([a, module.zeros(0)]).shape) == (1, 2)
    assert [tuple(p.shape) for p in T.zeros(0, 2).chunk(3)] == [(0, 2)] * 3
    assert [tuple(p.shape) for p in T.zeros(6).chunk(4)] == [(2,)] * 3


def test_split_pieces_are_views_that_refuse_in_place():
    x = T.randn(4, 3, requires_grad=True)
    y = x * 1
    first, second = y.split(2)
    assert first._base is y and first._version_counter is y._version_counter
    with pytest.raises(RuntimeError, match="is a view and is being modified inplace"):
        first.mul_(2)
    with torch.no_grad():
        a, _ = T.arange(6.).split(3)
        a += 1


ERRORS = [
    lambda m: m.cat([m.zeros(2, 3), m.zeros(2, 2)]),
    lambda m: m.cat([m.zeros(2, 3), m.zeros(3, 3)], 1),
    lambda m: m.cat([]),
    lambda m: m.cat([m.zeros(2, 3), m.zeros(3)]),
    lambda m: m.cat([m.zeros(2, 3)], 2),
    lambda m: m.cat([m.tensor(1.), m.tensor(2.)]),
    lambda m: m.cat(m.zeros(2)),
    lambda m: m.cat([m.zeros(2), 1]),
    lambda m: m.stack([]),
    lambda m: m.stack([m.zeros(2, 3), m.zeros(3)]),
    lambda m: m.stack([m.zeros(2)], 2),
    lambda m: m.zeros(2, 3).split(0),
    lambda m: m.zeros(2, 3).split(-1),
    lambda m: m.zeros(2, 3).split([1, 1], 1),
    lambda m: m.tensor(1.).split(1),
    lambda m: m.zeros(3).chunk(0),
    lambda m: m.tensor(1.).unbind(),
    lambda m: m.zeros(3).unbind(1),
]


@pytest.mark.parametrize("fn", ERRORS)
def test_errors_match_torch(fn):
    assert_same_error(fn)
