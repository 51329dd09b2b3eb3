"""A numeric check of `backward()`: compare it with central differences.

    numeric_i = (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)

The difference is accurate to O(eps**2) plus rounding of order
|f| * machine_epsilon / eps, so with the default eps = 1e-6 a correct
gradient of a well-scaled function agrees to about 1e-8 or better.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import NamedTuple

from micro.engine import Value


class GradientCheck(NamedTuple):
    """The outcome of `check_gradients`: the worst mismatch and where it is."""

    max_abs_diff: float
    """max_i |analytic_i - numeric_i|."""
    worst_index: int
    """The input at which the maximum is reached."""
    analytic: list[float]
    """d f / d x_i from `backward()`."""
    numeric: list[float]
    """d f / d x_i from central differences."""

    def ok(self, tolerance: float = 1e-5) -> bool:
        """True when every analytic gradient is within `tolerance` of the numeric one."""
        return self.max_abs_diff <= tolerance


def check_gradients(
    f: Callable[..., Value], inputs: Sequence[float | Value], eps: float = 1e-6
) -> GradientCheck:
    """Compare `backward()` through `f` with central differences at `inputs`.

    `f` takes one Value per input and returns a Value, e.g.
    `check_gradients(lambda a, b: (a * b).tanh(), [0.3, -1.2])`. Fresh leaves
    are made from the inputs' numbers, so Values passed in are left unchanged.
    """
    point = [x.data if isinstance(x, Value) else float(x) for x in inputs]
    leaves = [Value(x) for x in point]
    f(*leaves).backward()
    analytic = [leaf.grad for leaf in leaves]

    def f_at(i: int, shift: float) -> float:
        shifted = point.copy()
        shifted[i] += shift
        return f(*(Value(x) for x in shifted)).data

    numeric = [(f_at(i, eps) - f_at(i, -eps)) / (2 * eps) for i in range(len(point))]
    # A nan anywhere is a mismatch, never hidden by max().
    diffs = [
        abs(a - n) if not math.isnan(a - n) else math.inf
        for a, n in zip(analytic, numeric, strict=True)
    ]
    worst = max(range(len(diffs)), key=diffs.__getitem__, default=0)
    return GradientCheck(diffs[worst] if diffs else 0.0, worst, analytic, numeric)
