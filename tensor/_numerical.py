"""Gradient helpers for numpy-style labs: central differences and a backward() check.

``numerical_gradient(f, x)`` estimates the gradient of a scalar function of
one tensor element by element::

    grad[i] = (f(x + eps e_i) - f(x - eps e_i)) / (2 eps)

accurate to O(eps^2) plus rounding of order ``|f| * machine_eps / eps``
(use float64 for a sharp comparison). ``check_gradients(f, x)`` compares it
with the gradient ``f(x).backward()`` puts into ``x.grad`` and reports the
largest absolute difference. The same scheme, in the same words, is
``micro.gradcheck`` for scalars; ``tensor.autograd.gradcheck`` is torch's
stricter whole-Jacobian check.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from .autograd.gradcheck import one_hot, perturbed


def _as_float(value) -> float:
    """A Python float from a one-element Tensor or a number."""
    if hasattr(value, "item"):
        if value.numel() != 1:
            raise RuntimeError(
                f"f must return a scalar, got a tensor of shape {tuple(value.shape)}"
            )
        return float(value.item())
    return float(value)


def numerical_gradient(f: Callable, x, epsilon: float = 1e-5):
    """Central-difference gradient of scalar ``f`` at ``x``, a Tensor of ``x``'s shape.

    ``grad[i] = (f(x + epsilon e_i) - f(x - epsilon e_i)) / (2 epsilon)``, with
    ``f`` returning a one-element Tensor or a number. ``f`` runs under
    ``no_grad`` on ``x`` itself, perturbed in place one element at a time and
    restored exactly.
    """
    import tensor as T

    values = []
    with T.no_grad():
        for index in range(x.numel()):
            step = one_hot(x, index, epsilon)
            with perturbed(x, step):
                plus = _as_float(f(x))
            with perturbed(x, -step):
                minus = _as_float(f(x))
            values.append((plus - minus) / (2 * epsilon))
    dtype = x.dtype if x.dtype.is_floating_point else T.get_default_dtype()
    return T.tensor(values, dtype=dtype, device=x.device).reshape(tuple(x.shape))


def check_gradients(f: Callable, x, epsilon: float = 1e-5,
                    tolerance: float = 1e-5) -> tuple[bool, float]:
    """Compare ``f(x).backward()``'s gradient of ``x`` with :func:`numerical_gradient`.

    Returns ``(max_diff <= tolerance, max_diff)`` with ``max_diff = max_i
    |analytical_i - numerical_i|`` (a nan anywhere counts as infinitely
    far). Only ``x`` receives the backward (``inputs=[x]``) and its
    ``.grad`` is put back as it was afterwards.
    """
    import tensor as T

    if not x.requires_grad:
        raise RuntimeError("check_gradients needs x to require grad: call x.requires_grad_()")
    saved_grad = x.grad
    x.grad = None
    try:
        with T.enable_grad():
            f(x).backward(inputs=[x])
        analytical = x.grad if x.grad is not None else T.zeros_like(x)
    finally:
        x.grad = saved_grad
    numerical = numerical_gradient(f, x, epsilon)
    differences = [
        abs(a - n) if not math.isnan(a - n) else math.inf
        for a, n in zip(analytical.reshape(-1).tolist(), numerical.reshape(-1).tolist())
    ]
    max_diff = max(differences, default=0.0)
    return max_diff <= tolerance, max_diff
