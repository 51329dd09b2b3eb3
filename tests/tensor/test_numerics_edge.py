"""Edge cases of the numpy backend and small engine behaviours, checked against torch."""

import pickle
import warnings

import pytest
import torch

import tensor as T


@pytest.mark.parametrize("name", ["bool", "float32", "float64", "int64", "float16"])
def test_dtypes_pickle_to_the_same_object(name):
    dtype = getattr(T, name)
    assert pickle.loads(pickle.dumps(dtype)) is dtype


@pytest.mark.parametrize(
    "expression",
    [lambda m: m.tensor([0.0, 1.0, -1.0]) / 0, lambda m: m.tensor([-1.0, 0.0]).log(),
     lambda m: m.tensor([-4.0]).sqrt(), lambda m: m.tensor([0.0]) ** -1.0],
)
def test_nan_and_inf_results_are_values_not_warnings(expression):
    expected = expression(torch).tolist()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = expression(T).tolist()
    assert str(got) == str(expected)


@pytest.mark.parametrize(
    "values", [-1.0, 2.0, [-1.0, 0.0, 3.0], [[-1.0, 2.0, 0.0], [3.0, -2.0, 1.0]]]
)
def test_relu_backward_zeroes_non_finite_grads_where_inactive_like_torch(values):
    def run(m):
        x = m.tensor(values, requires_grad=True)
        x.relu().backward(m.full(x.shape, float("nan")))
        return x.grad.flatten().tolist()

    assert str(run(T)) == str(run(torch))


def test_batched_grads_are_refused_rather_than_ignored():
    x = T.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match="is_grads_batched"):
        T.autograd.grad((x * 2).sum(), x, is_grads_batched=True)
