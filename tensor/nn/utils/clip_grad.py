"""Gradient clipping: rescale (``clip_grad_norm_``) or clamp (``clip_grad_value_``) the
``.grad`` of parameters in place, between ``backward()`` and ``optimizer.step()``."""

from __future__ import annotations

import math
from collections.abc import Iterable

from ... import _ops
from ..._tensor import Tensor
from ...autograd.grad_mode import no_grad


def _grads(parameters: Tensor | Iterable[Tensor]) -> list[Tensor]:
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float,
                    norm_type: float = 2.0, error_if_nonfinite: bool = False,
                    foreach: bool | None = None) -> Tensor:
    """Scale every gradient by min(1, max_norm / (total + 1e-6)), where total is the
    ``norm_type``-norm of all gradients together (the norm of their per-tensor norms);
    returns total (a 0-d tensor). ``error_if_nonfinite`` raises torch's RuntimeError for
    a nan/inf total instead of scaling by it."""
    grads = _grads(parameters)
    norm_type = float(norm_type)
    if not grads:
        return _ops.tensor(0.0)
    with no_grad():
        norms = _ops.stack([g.norm(norm_type) for g in grads])
        total = norms.norm(norm_type) if norm_type != math.inf else norms.max()
        if error_if_nonfinite and not math.isfinite(total.item()):
            raise RuntimeError(
                f"The total norm of order {norm_type} for gradients from `parameters` is "
                "non-finite, so it cannot be clipped. To disable this error and scale the "
                "gradients by the non-finite norm anyway, set `error_if_nonfinite=False`")
        coefficient = (max_norm / (total + 1e-6)).clamp(max=1.0)
        for grad in grads:
            grad.mul_(coefficient.to(grad.dtype))
    return total


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float,
                     foreach: bool | None = None) -> None:
    """Clamp every gradient elementwise into [-clip_value, clip_value]."""
    clip_value = float(clip_value)
    with no_grad():
        for grad in _grads(parameters):
            grad.clamp_(-clip_value, clip_value)
