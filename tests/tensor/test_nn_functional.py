"""tensor.nn.functional against torch.nn.functional: values and gradients for every
function, reduction, class weighting, ignore_index, label smoothing and target
layout, plus torch's errors (type and text) for bad input."""

import math
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from parity import SETTINGS, assert_same_tensor, build, output_gradient

import tensor as T
import tensor.nn  # noqa: F401  (makes T.nn available before the package wires it)


def assert_function_matches_torch(fn, inputs, seed=0):
    """``fn(m, *inputs)`` with m = torch and m = tensor (float arrays become leaves that
    require grad): the output and, after one backward with a random output gradient,
    every float input's grad."""
    t_leaves, t_args = build(torch, inputs)
    o_leaves, o_args = build(T, inputs)
    expected = fn(torch, *t_args)
    out = fn(T, *o_args)
    assert_same_tensor(out, expected, "value", "forward")
    assert out.requires_grad == expected.requires_grad
    gradient = output_gradient(tuple(expected.shape), str(expected.dtype).split(".")[-1], seed)
    expected.backward(torch.tensor(gradient))
    out.backward(T.tensor(gradient))
    for i, (ours, theirs) in enumerate(zip(o_leaves, t_leaves, strict=True)):
        if theirs is not None:
            assert_same_tensor(ours.grad, theirs.grad, "grad", f"grad of input {i}")


def logits(shape, dtype="float64", seed=0, scale=3.0):
    return (np.random.default_rng(seed).standard_normal(shape) * scale).astype(dtype)


def classes(shape, n_classes, seed=1):
    return np.random.default_rng(seed).integers(0, n_classes, shape).astype(np.int64)


REDUCTIONS = ["mean", "sum", "none"]


# ------------------------------------------------------------------ activations, linear

@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", ["relu", "sigmoid", "tanh"])
def test_activations(name, dtype):
    assert_function_matches_torch(lambda m, x: getattr(m.nn.functional, name)(x), [logits((4, 5), dtype)])


@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_family(name, dim):
    assert_function_matches_torch(lambda m, x: getattr(m.nn.functional, name)(x, dim=dim),
                                  [logits((3, 4, 5))])


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_is_stable_for_huge_logits(name):
    x = np.array([[1000.0, 0.0, -1000.0], [5e4, 5e4, 5e4]], dtype=np.float32)
    assert_function_matches_torch(lambda m, x: getattr(m.nn.functional, name)(x, dim=1), [x])


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("ndim", [1, 2, 3, 4])
def test_softmax_implicit_dim_warns_and_picks_torchs_dim(name, ndim):
    x = logits((2,) * ndim)
    with pytest.warns(UserWarning, match="Implicit dimension choice for " + name):
        ours = getattr(T.nn.functional, name)(T.tensor(x))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = getattr(torch.nn.functional, name)(torch.tensor(x))
    np.testing.assert_allclose(ours.numpy(), expected.numpy(), rtol=1e-12)


def test_relu_inplace():
    x = T.tensor([-1.0, 2.0, -3.0])
    out = T.nn.functional.relu(x, inplace=True)
    assert out is x and x.tolist() == [0.0, 2.0, 0.0]


@pytest.mark.parametrize("input_shape", [(4, 3), (2, 5, 3), (3,)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear(input_shape, bias):
    inputs = [logits(input_shape), logits((2, 3), seed=2)] + ([logits((2,), seed=3)] if bias else [])
    assert_function_matches_torch(lambda m, *xs: m.nn.functional.linear(*xs), inputs)


@pytest.mark.parametrize("input_shape", [(4, 5), (2, 4, 5), (5,)])
def test_linear_wrong_width_has_torchs_error(input_shape):
    def message(module):
        with pytest.raises(RuntimeError) as info:
            module.nn.functional.linear(module.ones(*input_shape), module.ones(2, 3))
        return str(info.value)

    assert message(T) == message(torch)
    assert "mat1 and mat2 shapes cannot be multiplied" in message(T)


@pytest.mark.parametrize("bias", [True, False])
def test_linear_dtype_mismatch_has_torchs_error(bias):
    def message(module):
        b = module.ones(2) if bias else None
        with pytest.raises(RuntimeError) as info:
            module.nn.functional.linear(module.ones(4, 3, dtype=module.float64),
                                        module.ones(2, 3), b)
        return str(info.value)

    assert message(T) == message(torch)


# ------------------------------------------------------------------ losses

@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_mse_loss(reduction, dtype):
    assert_function_matches_torch(lambda m, x, y: m.nn.functional.mse_loss(x, y, reduction=reduction),
                                  [logits((4, 3), dtype), logits((4, 3), dtype, seed=5)])


def test_mse_loss_broadcast_warns_like_torch():
    with pytest.warns(UserWarning) as ours:
        T.nn.functional.mse_loss(T.ones(4, 1), T.ones(4))
    with pytest.warns(UserWarning) as expected:
        torch.nn.functional.mse_loss(torch.ones(4, 1), torch.ones(4))
    assert str(ours[0].message) == str(expected[0].message)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ignore", [False, True])
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_cross_entropy_class_indices(reduction, weighted, ignore, smoothing):
    n, c = 7, 5
    target = classes((n,), c)
    ignore_index = -100
    if ignore:
        ignore_index = int(target[2])
    weight = np.linspace(0.5, 2.0, c) if weighted else None

    def fn(m, x, t):
        w = None if weight is None else m.tensor(weight)
        return m.nn.functional.cross_entropy(x, t, weight=w, ignore_index=ignore_index,
                                             reduction=reduction, label_smoothing=smoothing)

    assert_function_matches_torch(fn, [logits((n, c)), target])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("smoothing", [0.0, 0.3])
def test_cross_entropy_class_probabilities(reduction, weighted, smoothing):
    n, c = 6, 4
    probabilities = np.random.default_rng(3).dirichlet(np.ones(c), n)
    weight = np.linspace(0.5, 2.0, c) if weighted else None

    def fn(m, x, p):
        w = None if weight is None else m.tensor(weight)
        return m.nn.functional.cross_entropy(x, p, weight=w, reduction=reduction,
                                             label_smoothing=smoothing)

    assert_function_matches_torch(fn, [logits((n, c)), probabilities])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("smoothing", [0.0, 0.1])
def test_cross_entropy_spatial_and_unbatched(reduction, smoothing):
    def fn(m, x, t):
        return m.nn.functional.cross_entropy(x, t, reduction=reduction,
                                             label_smoothing=smoothing)

    assert_function_matches_torch(fn, [logits((2, 4, 3, 2)), classes((2, 3, 2), 4)])
    assert_function_matches_torch(fn, [logits((2, 4, 3)), classes((2, 3), 4)])
    assert_function_matches_torch(fn, [logits((4,)), np.array(2, dtype=np.int64)])


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_nll_loss(reduction):
    log_probs = torch.log_softmax(torch.tensor(logits((5, 3))), 1).numpy()
    target = np.array([0, 2, 1, 2, -100])
    weight = np.array([0.2, 1.0, 3.0])
    assert_function_matches_torch(
        lambda m, x, t: m.nn.functional.nll_loss(x, t, weight=m.tensor(weight),
                                                 reduction=reduction),
        [log_probs, target])


def test_cross_entropy_all_ignored_is_nan_like_torch():
    x, t = T.zeros(3, 4), T.tensor([-100, -100, -100])
    assert math.isnan(T.nn.functional.cross_entropy(x, t).item())


def test_cross_entropy_large_logits_are_finite():
    x = T.tensor([[1e4, -1e4, 0.0], [0.0, 3e4, -3e4]], requires_grad=True)
    loss = T.nn.functional.cross_entropy(x, T.tensor([1, 1]))
    loss.backward()
    expected = torch.nn.functional.cross_entropy(torch.tensor(x.detach().numpy()),
                                                 torch.tensor([1, 1]))
    assert loss.item() == pytest.approx(expected.item())
    assert np.isfinite(x.grad.numpy()).all()


@SETTINGS
@given(n=st.integers(1, 6), c=st.integers(1, 6), seed=st.integers(0, 2**16),
       reduction=st.sampled_from(REDUCTIONS))
def test_cross_entropy_any_shape(n, c, seed, reduction):
    assert_function_matches_torch(lambda m, x, t: m.nn.functional.cross_entropy(
                                      x, t, reduction=reduction),
                                  [logits((n, c), seed=seed), classes((n,), c, seed=seed)])


# ------------------------------------------------------------------ errors

def error_of(call, module):
    """(type name, message) of what ``call(module)`` raises."""
    with pytest.raises(Exception) as info:
        call(module)
    return type(info.value).__name__, str(info.value)


ERROR_CASES = {
    "target_too_big": lambda m: m.nn.functional.cross_entropy(m.zeros(4, 10),
                                                              m.tensor([1, 2, 12, 3])),
    "target_negative": lambda m: m.nn.functional.cross_entropy(m.zeros(4, 10),
                                                               m.tensor([1, -5, 12, 3])),
    "float_target_for_classes": lambda m: m.nn.functional.cross_entropy(
        m.zeros(4, 10), m.tensor([1.0, 2.0, 3.0, 3.0])),
    "int_target_for_probabilities": lambda m: m.nn.functional.cross_entropy(
        m.zeros(4, 10), m.zeros(4, 10, dtype=m.int64)),
    "int32_target": lambda m: m.nn.functional.cross_entropy(
        m.zeros(4, 10), m.tensor([1, 2, 3, 3], dtype=m.int32)),
    "batch_mismatch": lambda m: m.nn.functional.cross_entropy(m.zeros(4, 10),
                                                              m.tensor([1, 2, 3])),
    "multi_target": lambda m: m.nn.functional.cross_entropy(m.zeros(4, 10),
                                                            m.zeros(4, 9)),
    "spatial_target_shape": lambda m: m.nn.functional.nll_loss(
        m.zeros(4, 10, 3), m.zeros(4, 2, dtype=m.int64)),
    "ignore_index_with_probabilities": lambda m: m.nn.functional.cross_entropy(
        m.zeros(4, 10), m.zeros(4, 10), ignore_index=3),
    "weight_size": lambda m: m.nn.functional.cross_entropy(
        m.zeros(4, 10), m.tensor([1, 2, 3, 3]), weight=m.ones(3)),
    "label_smoothing_range": lambda m: m.nn.functional.cross_entropy(
        m.zeros(4, 10), m.tensor([1, 2, 3, 3]), label_smoothing=1.5),
    "bad_reduction": lambda m: m.nn.functional.cross_entropy(
        m.zeros(4, 10), m.tensor([1, 2, 3, 3]), reduction="bad"),
    "mse_bad_reduction": lambda m: m.nn.functional.mse_loss(m.zeros(4), m.zeros(4),
                                                            reduction="avg"),
    "nll_zero_dim_input": lambda m: m.nn.functional.nll_loss(m.tensor(1.0), m.tensor(3)),
    "nll_scalar_target_for_batch": lambda m: m.nn.functional.nll_loss(m.zeros(4, 10),
                                                                      m.tensor(3)),
}


@pytest.mark.parametrize("name", list(ERROR_CASES))
def test_errors_match_torch(name):
    assert error_of(ERROR_CASES[name], T) == error_of(ERROR_CASES[name], torch)


def test_out_of_range_target_leaves_grads_untouched():
    x = T.zeros(4, 10, requires_grad=True)
    T.nn.functional.cross_entropy(x, T.tensor([1, 2, 3, 4])).backward()
    before = x.grad.numpy().copy()
    with pytest.raises(IndexError, match="Target 12 is out of bounds."):
        T.nn.functional.cross_entropy(x, T.tensor([1, 2, 12, 3]))
    np.testing.assert_array_equal(x.grad.numpy(), before)
