"""Indexing ``x[...]`` and ``x[...] = v`` against torch: values, views, grad_fn names,
gradients (also through in-place changes of views, CopySlices) and torch's errors."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from parity import SETTINGS, check_parity

import tensor as T

SHAPE = (3, 4, 2)


@st.composite
def basic_items(draw, shape=SHAPE):
    """A tuple of ints, slices (positive steps), None and at most one Ellipsis that fits ``shape``."""
    items, dim = [], 0
    ellipsis_used = False
    for _ in range(draw(st.integers(0, 5))):
        kind = draw(st.sampled_from(["int", "slice", "none", "ellipsis"]))
        if kind == "none":
            items.append(None)
        elif kind == "ellipsis" and not ellipsis_used:
            ellipsis_used = True
            items.append(Ellipsis)
            dim = len(shape) - sum(1 for i in items if i not in (None, Ellipsis)) + 0
        elif dim < len(shape) and kind in ("int", "slice"):
            size = shape[dim]
            if kind == "int":
                items.append(draw(st.integers(-size, size - 1)))
            else:
                bound = st.none() | st.integers(-size - 2, size + 2)
                items.append(slice(draw(bound), draw(bound), draw(st.none() | st.integers(1, 3))))
            dim += 1
    return tuple(items)


@SETTINGS
@given(basic_items())
def test_basic_indexing_matches_torch(index):
    array = np.random.default_rng(0).standard_normal(SHAPE)
    out = check_parity(lambda m, x: x[index], [array])
    if out is not None:
        assert out._base is not None and out._version_counter is not None


@st.composite
def advanced_index(draw):
    """An index mixing index lists/tensors and boolean masks with basic items."""
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    pattern = draw(st.sampled_from([
        "list", "tensor2d", "two", "two_apart", "mask_full", "mask_lead", "int_then_list",
        "slice_list", "list_none", "ellipsis_list", "repeated",
    ]))

    def ints(size, shape=(3,)):
        drawn = rng.integers(-size, size, shape)
        return lambda m: m.tensor(drawn)

    masks = {n: rng.random(SHAPE[:n]) > 0.4 for n in (1, 2, 3)}
    rows, pairs, cols, depth, wide = ints(3), ints(3, (2, 2)), ints(4), ints(2), ints(4, (2, 1))
    return pattern, {
        "list": lambda m: [2, 0, -1],
        "tensor2d": lambda m: pairs(m),
        "two": lambda m: (rows(m), cols(m)),
        "two_apart": lambda m: (rows(m), slice(None), depth(m)),
        "mask_full": lambda m: m.tensor(masks[3]),
        "mask_lead": lambda m: (m.tensor(masks[2]), 1),
        "int_then_list": lambda m: (1, slice(None), [1, 0]),
        "slice_list": lambda m: (slice(1, None), wide(m)),
        "list_none": lambda m: (None, [0, 2], None, slice(None, None, 2)),
        "ellipsis_list": lambda m: (Ellipsis, [1, 1, 0]),
        "repeated": lambda m: [0, 0, 2, 0],
    }[pattern]


@SETTINGS
@given(advanced_index())
def test_advanced_indexing_matches_torch(case):
    _, make = case
    array = np.random.default_rng(1).standard_normal(SHAPE)
    check_parity(lambda m, x: x[make(m)], [array])


def test_views_and_copies():
    x = T.arange(6.).reshape(2, 3).clone()
    row = x[0]
    assert row._base is x and row._version_counter is x._version_counter
    row[1] = 10.
    assert x[0, 1].item() == 10. and x._version == 1
    picked = x[[0]]
    assert picked._base is None
    picked[0, 0] = -1.
    assert x[0, 0].item() == 0.
    scalar = T.arange(3)[1]
    assert scalar.shape == () and scalar._base is not None
    assert [t.item() for t in T.tensor([1, 2, 3])] == [1, 2, 3]
    assert x[...].grad_fn is None and x.requires_grad_()[...].grad_fn.name() == "AliasBackward0"


def run_both(code: str):
    """Run ``code`` with m = torch and m = tensor; return (torch result, ours) as lists or errors."""
    results = []
    for module in (torch, T):
        env = {"m": module, "np": np}
        try:
            exec(code, env)
        except Exception as error:  # compared by type and message
            results.append((type(error).__name__, str(error)))
            continue
        results.append(_plain(env.get("r")))
    return results


def _plain(value):
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "detach"):
        return np.round(np.asarray(value.detach().numpy(), dtype=float), 9).tolist()
    return value


LEAF = "x = m.tensor(np.arange(6.).reshape(3, 2) * 0.5 - 1, requires_grad=True); "
SETITEM_CASES = [
    "y = x * 1; y[0] = 5.; y.sum().backward(); r = (y.grad_fn.name(), y._version, x.grad, y)",
    "y = x * 1; y[[0, 2]] = 7.; (y * y).sum().backward(); r = (y.grad_fn.name(), y._version, x.grad, y)",
    "y = x * 1; y[y > 0] = 0.; (y * y).sum().backward(); r = (y.grad_fn.name(), x.grad, y)",
    "y = x * 1; y[...] = 2.; (y * y).sum().backward(); r = (y.grad_fn.name(), x.grad, y)",
    "y = x * 1; y[:] = 2.; (y * y).sum().backward(); r = (y.grad_fn.name(), x.grad, y)",
    "y = x * 1; y[:, 0] += 1; (y * y).sum().backward(); r = (y.grad_fn.name(), x.grad, y)",
    "y = x * 1; y[0].mul_(2); (y * y).sum().backward(); r = (y.grad_fn.name(), x.grad, y)",
    "y = x * 1; y[1:, 1].mul_(x[0, 0]); (y * y).sum().backward(); r = (x.grad, y)",
    "y = x * 1; y[0][1] = 3.; y.sum().backward(); r = (y, x.grad)",
    "y = x * 1; v = y.t(); v[0] = x[:, 1]; (y * y).sum().backward(); r = (y, x.grad, y.grad_fn.name())",
    "y = x * 1; v = y.view(6); v[::2] = 0.; (y * y).sum().backward(); r = (y, x.grad)",
    "y = x * 1; z = y[0]; z.add_(1); r = (z, y, z._version, y._version)",
    "y = x * 1; z = y[[0]]; z.add_(1); r = (y, y._version, z._version)",
    "y = x * 1; y[0] = x[1] * x[2]; y[1:].exp_(); (y * y).sum().backward(); r = (y, x.grad)",
    "y = x * 1; y.copy_(x * 3); (y * y).sum().backward(); r = (y.grad_fn.name(), x.grad)",
    "y = x * 1; y.fill_(2.); (y * y).sum().backward(); r = (y.grad_fn.name(), x.grad)",
    "y = m.zeros(3); y[0] = x[0, 0] * 2; y[1:] = x[1]; (y * y).sum().backward(); "
    "r = (y.grad_fn.name(), x.grad, y)",
    "y = m.zeros(3, 2); y[[0, 0, 1]] = x[0] * 3; (y * y).sum().backward(); r = (y.grad_fn.name(), x.grad, y)",
    "y = m.zeros(3, 2); y[1, [0, 1]] = x[0] * 3; (y * y).sum().backward(); r = (y.grad_fn.name(), x.grad, y)",
    "y = m.zeros(3, 2); y[y == 0] = x.reshape(-1); (y * y).sum().backward(); "
    "r = (y.grad_fn.name(), x.grad, y)",
    "y = m.zeros(3, 2, dtype=m.float64); y[1:, :] = x[:2] ** 2; y.sum().backward(); r = (x.grad, y)",
    "y = m.zeros(3, dtype=m.long); y[0] = 2.7; y[[1]] = 5; r = y",
    "y = m.zeros(3); y[[0, 0]] = m.tensor([1., 2.]); r = y",
    "y = x.detach(); y[[0]] = m.ones(1, 1, 2); r = y",
    "y = x.detach(); y[0:2] = m.tensor([1, 2]); r = y",
    "y = x[1:, None, ..., m.tensor([1, 0, 1])]; (y * y).sum().backward(); "
    "r = (y.grad_fn.name(), x.grad, y.shape)",
    "y = x[[1, 0], [1, 1]]; g, = m.autograd.grad(y.pow(2).sum(), x, create_graph=True); "
    "g.sum().backward(); r = (g, x.grad)",
    "y = x[0]; g, = m.autograd.grad(y.sum() * y.sum(), x, create_graph=True); g.sum().backward(); "
    "r = (g, x.grad)",
    "y = x * 1; y[0] = 1.; g, = m.autograd.grad((y * y).sum(), x, create_graph=True); "
    "g.sum().backward(); r = (g, x.grad)",
    # errors: leaves, shapes, dtypes, bounds (and nothing changes)
    "x[0] = 1.",
    "x[[0]] = 1.",
    "x[...] = 1.",
    "y = x.detach(); y[[0]] = m.ones(3)",
    "y = x.detach(); y[[0]] = m.tensor([1, 2])",
    "y = x.detach(); y[0:2] = m.ones(3)",
    "y = x.detach(); y[[5]] = 1.",
    "y = x.detach(); y[0, 0, 0] = 1.",
    "y = x.detach().clone(); "
    "y2 = y.clone()\ntry:\n    y[[0]] = m.ones(3)\nexcept RuntimeError:\n    pass\nr = (y - y2, y._version)",
]


@pytest.mark.parametrize("code", SETITEM_CASES)
def test_setitem_and_in_place_on_views_match_torch(code):
    expected, ours = run_both(LEAF + code)
    assert ours == expected


GETITEM_ERRORS = [
    "x[3]", "x[-4]", "x[0, 5]", "x[None, 0, 7]", "x[..., None, 4]", "x[0, ..., 2]",
    "x[0, 0, 0]", "x[::-1]", "x[:, ::0]", "x[[3]]", "x[:, [1, 7]]",
    "x[[0, 1], [0, 1, 0]]", "x[m.tensor([0.])]", "x[m.tensor([True, False])]",
    "x[m.zeros(3, 3, dtype=m.bool)]", "x[1.5]", "x['a']",
]


@pytest.mark.parametrize("code", GETITEM_ERRORS)
def test_getitem_errors_match_torch(code):
    expected, ours = run_both(LEAF + code)
    assert isinstance(expected, tuple) and ours == expected


def test_in_place_on_view_of_leaf_raises_and_changes_nothing():
    x = T.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad"):
        x[0] = 2.
    with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad"):
        x[1:].mul_(2)
    assert x.tolist() == [1., 1., 1.] and x._version == 0
    with T.no_grad():
        x[0] = 2.
    assert x.tolist() == [2., 1., 1.] and x.is_leaf
