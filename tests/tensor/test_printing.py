"""repr of tensors against torch's, character for character.

Each case builds one numpy array, gives it to both libraries and compares
``repr`` after renaming torch's ``torch.`` to ``tensor.``.
"""

import re

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import tensor as T

DTYPES = [np.float32, np.float64, np.float16, np.int64, np.int32, np.int16, np.uint8, np.bool_]


def torch_repr(t: torch.Tensor) -> str:
    return repr(t).replace("torch.", "tensor.")


def join_suffix_lines(text: str) -> str:
    return re.sub(r",\n +(dtype=|grad_fn=|requires_grad=)", r", \1", text)


def assert_same_text(ours: T.Tensor, theirs: torch.Tensor) -> None:
    """Equal reprs; suffix line breaks may differ where ``tensor.`` is one character
    longer than ``torch.`` and so reaches the line width one dtype name earlier."""
    ours_text, expected = repr(ours), torch_repr(theirs)
    if "dtype=" in expected:
        ours_text, expected = join_suffix_lines(ours_text), join_suffix_lines(expected)
    assert ours_text == expected


def assert_same_repr(array: np.ndarray, requires_grad: bool = False) -> None:
    assert_same_text(T.tensor(array.copy(), requires_grad=requires_grad),
                     torch.from_numpy(array.copy()).requires_grad_(requires_grad))


def make_array(values: np.ndarray, dtype) -> np.ndarray:
    """Cast float64 values to dtype as a plain ndarray (bools by sign)."""
    if dtype is np.bool_:
        return np.asarray(values > 0)
    with np.errstate(invalid="ignore", over="ignore"):
        if np.issubdtype(dtype, np.integer):
            info = np.iinfo(dtype)
            values = np.clip(np.nan_to_num(values), info.min, info.max)
        return np.asarray(values.astype(dtype))


# Value regimes that switch torch's formatter between its modes.
REGIMES = {
    "fixed": lambda a, rng: a,
    "whole": lambda a, rng: np.round(a * 10),
    "scientific": lambda a, rng: a * 10.0 ** rng.integers(-9, 10, size=a.shape),
    "tiny": lambda a, rng: a * 1e-6,
    "huge": lambda a, rng: a * 1e9,
    "wide": lambda a, rng: a * 1000,
}


shapes = st.one_of(
    st.lists(st.integers(0, 6), min_size=0, max_size=4).map(tuple),
    st.sampled_from([(1001,), (40, 30), (3, 20, 20), (2, 1000), (1000, 2), (7, 7, 7, 7), (6, 200)]),
)


@settings(max_examples=300, deadline=None)
@given(
    shape=shapes,
    regime=st.sampled_from(sorted(REGIMES)),
    dtype=st.sampled_from(DTYPES),
    specials=st.sampled_from([None, "nan", "inf", "-inf", "-0", "all"]),
    seed=st.integers(0, 2**32 - 1),
)
def test_repr_matches_torch(shape, regime, dtype, specials, seed):
    rng = np.random.default_rng(seed)
    values = REGIMES[regime](rng.standard_normal(shape), rng)
    flat = values.reshape(-1)
    if specials and flat.size and np.issubdtype(dtype, np.floating):
        picks = {"nan": [np.nan], "inf": [np.inf], "-inf": [-np.inf], "-0": [-0.0],
                 "all": [np.nan, np.inf, -np.inf, -0.0]}[specials]
        for value in picks:
            flat[rng.integers(flat.size)] = value
    assert_same_repr(make_array(values, dtype))


@pytest.mark.parametrize("data", [
    1.5, 0.0, -0.0, 3, True, float("nan"), float("-inf"), 1e-5, 123456789.0,
    [1.0, 2.0], [1.5, 2.25], [1e-5, 1e5], [0.0, -0.0], [1, -2, 30], [True, False],
    [float("nan"), 1.0], [float("inf"), -float("inf")], [[1.0, 2.5], [3.0, 4.0]],
    [[[1, 2], [3, 4]], [[5, 6], [7, 8]]], [[]], [],
])
def test_literals(data):
    expected = torch_repr(torch.tensor(data))
    assert repr(T.tensor(data)) == expected


def test_examples_from_the_brief():
    assert repr(T.tensor(1.5)) == "tensor(1.5000)"
    assert repr(T.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert repr(T.tensor([1e-5, 1e5])) == "tensor([1.0000e-05, 1.0000e+05])"
    assert repr(T.tensor([1.0], dtype=T.float64)) == "tensor([1.], dtype=tensor.float64)"


def test_summarised_large_tensors():
    assert repr(T.arange(2000)) == torch_repr(torch.arange(2000))
    assert repr(T.zeros(100, 100)) == torch_repr(torch.zeros(100, 100))
    assert "..." in repr(T.ones(1001))
    assert "..." not in repr(T.ones(1000))


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int32", "bool"])
@pytest.mark.parametrize("shape", [(0,), (0, 3), (2, 0, 1)])
def test_empty(dtype, shape):
    expected = torch_repr(torch.zeros(shape, dtype=getattr(torch, dtype)))
    assert repr(T.zeros(shape, dtype=getattr(T, dtype))) == expected


@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (30,), (8, 12)])
def test_requires_grad_and_grad_fn(shape):
    values = np.random.default_rng(0).standard_normal(shape)
    assert_same_repr(values, requires_grad=True)
    assert_same_repr(values.astype(np.float32), requires_grad=True)
    x, tx = T.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
    for ours, theirs in [(x * 2, tx * 2), (x.exp(), tx.exp()), (x.sum(), tx.sum()),
                         (x + 1, tx + 1), (x.tanh(), tx.tanh())]:
        assert_same_text(ours, theirs)


def test_suffix_wraps_past_the_line_width():
    values = np.linspace(-1, 1, 12, dtype=np.float32).reshape(2, 6)
    x, tx = T.tensor(values, requires_grad=True), torch.tensor(values, requires_grad=True)
    assert repr(x * 100) == torch_repr(tx * 100)
    assert repr(x * 100).endswith("100.0000]],\n       grad_fn=<MulBackward0>)")


def test_default_dtype_float64_shows_float32():
    T.set_default_dtype(T.float64)
    torch.set_default_dtype(torch.float64)
    try:
        for dtype in ("float32", "float64"):
            ours = T.tensor([1.5, 2.0], dtype=getattr(T, dtype))
            theirs = torch.tensor([1.5, 2.0], dtype=getattr(torch, dtype))
            assert repr(ours) == torch_repr(theirs)
    finally:
        T.set_default_dtype(T.float32)
        torch.set_default_dtype(torch.float32)


def test_str_is_repr_and_views_print_their_values():
    values = np.arange(24.0).reshape(4, 6)
    x, tx = T.tensor(values), torch.tensor(values)
    assert repr(x.t()) == torch_repr(tx.t())
    assert repr(x[1:, ::2]) == torch_repr(tx[1:, ::2])
    assert str(x) == repr(x)
