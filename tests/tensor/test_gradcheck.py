"""gradcheck / gradgradcheck against torch's on the same functions, and the lab helpers."""

import warnings

import numpy as np
import pytest
import torch
from torch.autograd.gradcheck import GradcheckError as TorchGradcheckError

import tensor as T
from tensor.autograd.gradcheck import GradcheckError, gradcheck, gradgradcheck

# (name, function of tensors that works for both libraries, input shapes)
FUNCTIONS = [
    ("mul", lambda a, b: a * b, [(3, 4), (4,)]),
    ("div", lambda a, b: a / (b * b + 1), [(2, 3), (2, 3)]),
    ("tanh_exp", lambda a, b: (a.tanh() * b.exp()).sum(), [(3,), (3,)]),
    ("matmul", lambda a, b: a @ b, [(2, 3), (3, 2)]),
    ("sigmoid_mean", lambda a: a.sigmoid().mean(), [(5,)]),
    ("two_outputs", lambda a, b: (a * b, a - b), [(3,), (3,)]),
    ("pow_sin", lambda a: a.sin() ** 2, [(2, 2)]),
    ("broadcast", lambda a, b: (a + b).exp(), [(3, 1), (1, 4)]),
]


def make_inputs(shapes, seed=0, dtype="float64"):
    rng = np.random.default_rng(seed)
    arrays = [rng.standard_normal(shape) for shape in shapes]
    ours = tuple(T.tensor(a, dtype=getattr(T, dtype), requires_grad=True) for a in arrays)
    theirs = tuple(torch.tensor(a, dtype=getattr(torch, dtype), requires_grad=True) for a in arrays)
    return ours, theirs


def square_function(function_base, factor: float):
    """x**2 as a custom Function whose backward gives factor * x (right only for factor 2)."""

    class Square(function_base):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * factor * x

    return Square


WrongSquare = square_function(T.autograd.Function, 1.0)
TorchWrongSquare = square_function(torch.autograd.Function, 1.0)
RightSquare = square_function(T.autograd.Function, 2.0)


@pytest.mark.parametrize("fast_mode", [False, True])
@pytest.mark.parametrize("name,fn,shapes", FUNCTIONS, ids=[f[0] for f in FUNCTIONS])
def test_gradcheck_passes_like_torch(name, fn, shapes, fast_mode):
    ours, theirs = make_inputs(shapes)
    assert torch.autograd.gradcheck(fn, theirs, fast_mode=fast_mode)
    assert gradcheck(fn, ours, fast_mode=fast_mode)


@pytest.mark.parametrize("name,fn,shapes", FUNCTIONS, ids=[f[0] for f in FUNCTIONS])
def test_gradgradcheck_passes_like_torch(name, fn, shapes):
    ours, theirs = make_inputs(shapes, seed=1)
    assert torch.autograd.gradgradcheck(fn, theirs)
    assert gradgradcheck(fn, ours)


def test_wrong_backward_fails_with_torchs_message():
    values = [[1.0, 2.0], [-0.5, 3.0]]
    x = T.tensor(values, dtype=T.float64, requires_grad=True)
    tx = torch.tensor(values, dtype=torch.float64, requires_grad=True)
    with pytest.raises(TorchGradcheckError) as theirs:
        torch.autograd.gradcheck(TorchWrongSquare.apply, (tx,))
    with pytest.raises(GradcheckError) as ours:
        gradcheck(WrongSquare.apply, (x,))
    assert str(ours.value) == str(theirs.value).replace("torch.", "tensor.")
    assert str(ours.value).startswith(
        "Jacobian mismatch for output 0 with respect to input 0,\nnumerical:")
    assert isinstance(ours.value, RuntimeError)
    assert T.autograd.GradcheckError is GradcheckError


def test_wrong_backward_returns_false_without_raising():
    x = T.tensor([0.5, -1.5, 2.0], dtype=T.float64, requires_grad=True)
    assert gradcheck(WrongSquare.apply, (x,), raise_exception=False) is False
    assert gradcheck(WrongSquare.apply, (x,), raise_exception=False, fast_mode=True) is False
    assert gradcheck(RightSquare.apply, (x,))
    assert gradgradcheck(RightSquare.apply, (x,))


def test_fast_mode_failure_reports_slow_mode_jacobians():
    x = T.tensor([0.5, -1.5], dtype=T.float64, requires_grad=True)
    with pytest.raises(GradcheckError, match="recompute numerical and analytical jacobians"):
        gradcheck(WrongSquare.apply, (x,), fast_mode=True)


def test_gradgradcheck_catches_a_wrong_second_derivative():
    class FrozenGrad(T.autograd.Function):
        """x**2 whose backward is right but not differentiable in x (2x detached)."""

        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return grad * (2 * x).detach()

    x = T.tensor([0.5, -1.5], dtype=T.float64, requires_grad=True)
    assert gradcheck(FrozenGrad.apply, (x,))
    assert gradgradcheck(FrozenGrad.apply, (x,), raise_exception=False) is False


def test_warns_on_float32_with_torchs_text():
    ours, theirs = make_inputs([(3,)], dtype="float32")
    with pytest.warns(UserWarning) as their_warnings:
        torch.autograd.gradcheck(lambda a: a * 2, theirs, eps=1e-3, atol=1e-2)
    with pytest.warns(UserWarning) as our_warnings:
        assert gradcheck(lambda a: a * 2, ours, eps=1e-3, atol=1e-2)
    expected = [str(w.message) for w in their_warnings if "Input #0" in str(w.message)]
    assert [str(w.message) for w in our_warnings] == expected
    assert expected[0].startswith(
        "Input #0 requires gradient and is not a double precision floating point or complex. "
        "This check will likely fail if all the inputs are not of double precision floating "
        "point or complex.")


def test_no_warning_on_float64():
    ours, _ = make_inputs([(3,)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert gradcheck(lambda a: a.exp(), ours)


def test_needs_an_input_requiring_grad():
    with pytest.raises(ValueError, match="at least one input tensor to require gradient"):
        gradcheck(lambda a: a * 2, (T.ones(2, dtype=T.float64),))


def test_inputs_are_left_as_they_were():
    x = T.tensor([0.25, -1.0, 3.0], dtype=T.float64, requires_grad=True)
    version_values = x.tolist()
    gradcheck(lambda a: (a * a).sum(), (x,))
    assert x.tolist() == version_values
    assert x.grad is None


def test_non_differentiable_output_must_have_zero_numerical_gradient():
    x = T.tensor([0.3, 1.7], dtype=T.float64, requires_grad=True)
    tx = torch.tensor([0.3, 1.7], dtype=torch.float64, requires_grad=True)
    assert gradcheck(lambda a: (a * 0).detach(), (x,))
    assert torch.autograd.gradcheck(lambda a: (a * 0).detach(), (tx,))
    # detach() shares storage, so the perturbation shows though no gradient can flow.
    with pytest.raises(GradcheckError, match="Numerical gradient for function expected to be zero"):
        gradcheck(lambda a: a.detach() * 2, (x,))
    with pytest.raises(RuntimeError, match="Numerical gradient for function expected to be zero"):
        torch.autograd.gradcheck(lambda a: a.detach() * 2, (tx,))


def test_undefined_output_grads_must_be_handled():
    class NoneUnaware(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.set_materialize_grads(False)
            return x * 3

        @staticmethod
        def backward(ctx, grad):
            return grad * 3

    x = T.tensor([1.0, 2.0], dtype=T.float64, requires_grad=True)
    assert gradcheck(NoneUnaware.apply, (x,), check_undefined_grad=False)
    with pytest.raises(GradcheckError, match="handle undefined output grads"):
        gradcheck(NoneUnaware.apply, (x,))


def test_reentrancy_check():
    calls = []

    class Drifting(T.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * 1

        @staticmethod
        def backward(ctx, grad):
            calls.append(1)
            return grad * (1 + 1e-7 * len(calls))

    x = T.tensor([1.0, 2.0], dtype=T.float64, requires_grad=True)
    with pytest.raises(GradcheckError, match="Backward is not reentrant"):
        gradcheck(Drifting.apply, (x,))
    assert gradcheck(Drifting.apply, (x,), nondet_tol=1e-3)


# ------------------------------------------------------------ lab helpers
def test_numerical_gradient_of_sum_of_squares():
    x = T.tensor([[1.0, -2.0], [0.5, 3.0]], dtype=T.float64, requires_grad=True)
    grad = T.numerical_gradient(lambda t: (t * t).sum(), x)
    assert grad.shape == x.shape
    np.testing.assert_allclose(np.array(grad.tolist()), 2 * np.array(x.tolist()), atol=1e-8)
    assert x.tolist() == [[1.0, -2.0], [0.5, 3.0]]


def test_numerical_gradient_accepts_plain_numbers():
    x = T.tensor([0.3, 0.9], dtype=T.float64)
    grad = T.numerical_gradient(lambda t: float((t.sin()).sum().item()), x)
    np.testing.assert_allclose(grad.tolist(), np.cos([0.3, 0.9]), atol=1e-8)


def test_check_gradients_matches_and_restores_grad():
    x = T.tensor([0.2, -0.7, 1.1], dtype=T.float64, requires_grad=True)
    x.grad = T.tensor([5.0, 5.0, 5.0], dtype=T.float64)
    match, max_diff = T.check_gradients(lambda t: (t.tanh() * t).sum(), x)
    assert match and max_diff < 1e-8
    assert x.grad.tolist() == [5.0, 5.0, 5.0]


def test_check_gradients_detects_a_wrong_backward():
    x = T.tensor([0.5, 1.5], dtype=T.float64, requires_grad=True)
    match, max_diff = T.check_gradients(lambda t: WrongSquare.apply(t).sum(), x)
    assert not match
    assert max_diff == pytest.approx(1.5, rel=1e-6)
    assert x.grad is None
