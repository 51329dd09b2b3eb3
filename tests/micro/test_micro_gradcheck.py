"""check_gradients: agrees with correct derivatives, exposes a wrong one."""

import math

import pytest

from micro import GradientCheck, Value, check_gradients


def test_correct_gradients_agree():
    result = check_gradients(lambda a, b: (a * b).tanh() + a.exp() / b, [0.3, -1.2])
    assert isinstance(result, GradientCheck)
    assert result.max_abs_diff < 1e-8 and result.ok()
    assert len(result.analytic) == len(result.numeric) == 2


def test_a_wrong_derivative_is_reported_with_its_input():
    def sin_with_wrong_derivative(x):
        # A deliberately broken op: sin's value with sin (not cos) as derivative.
        return Value(math.sin(x.data), (x,), (math.sin(x.data),), "sin")

    result = check_gradients(lambda a, b: a * 2 + sin_with_wrong_derivative(b), [0.5, 1.0])
    assert result.worst_index == 1
    assert result.max_abs_diff == pytest.approx(abs(math.sin(1.0) - math.cos(1.0)), rel=1e-6)
    assert not result.ok()


def test_values_passed_in_are_left_unchanged():
    x = Value(0.7)
    check_gradients(lambda a: a * a, [x])
    assert (x.data, x.grad) == (0.7, 0.0)
