"""The cpu backend's fused optimizer updates: torch's SGD and Adam on numpy arrays, in place.

Each function is the same formula as the optimizer's tensor-op code in
:mod:`tensor.optim` (``SGD._update_group``, ``Adam._update_group``), step by
step in the same float operations, so its results are bitwise those of the
tensor ops (tests/tensor/test_optim_fused.py checks it); what it saves is the
per-op bookkeeping: no Tensor objects, no graph checks, and ``out=`` where
numpy can write in place. The cuda backend's versions are single Triton
kernels (``triton_kernels.optim``) with the same signatures.

A Python-number factor stays a Python number, so numpy treats it as a weak
scalar and computes in the arrays' dtype, as torch does.
"""

from __future__ import annotations

import numpy as np


def _add_scaled(a, b, alpha, out=None):
    """a + alpha * b, as the tensor ops compute ``a.add(b, alpha=alpha)``: alpha 1 adds b as is.
    With ``out`` (which may be ``a``), written there."""
    return np.add(a, b if alpha == 1 else np.multiply(b, alpha), out=out)


def sgd_step_(param, grad, momentum_buffer, *, lr, momentum=0.0, dampening=0.0, nesterov=False,
              weight_decay=0.0, maximize=False, first_step=False) -> None:
    """torch's SGD update of ``param`` (and ``momentum_buffer``) in place:

    g = -grad if maximize else grad;  g += weight_decay * param;
    b = g (first step) or momentum * b + (1 - dampening) * g;  g = g + momentum * b (nesterov) or b;
    param -= lr * g.
    """
    g = np.negative(grad) if maximize else grad
    if weight_decay != 0:
        g = _add_scaled(g, param, weight_decay)
    if momentum != 0:
        if first_step:
            np.copyto(momentum_buffer, g)
        else:
            np.multiply(momentum_buffer, momentum, out=momentum_buffer)
            _add_scaled(momentum_buffer, g, 1 - dampening, out=momentum_buffer)
        g = _add_scaled(g, momentum_buffer, momentum) if nesterov else momentum_buffer
    _add_scaled(param, g, -lr, out=param)


def adam_step_(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq=None, *, step, lr, beta1, beta2, eps,
               weight_decay=0.0, decoupled=False, amsgrad=False, maximize=False) -> None:
    """torch's Adam (AdamW with ``decoupled``) update at ``step`` in place:

    m = lerp(m, g, 1 - beta1);  v = beta2 v + (1 - beta2) g^2;  v_max = max(v_max, v) [amsgrad];
    param -= lr / (1 - beta1^step) * m / (sqrt(v) / sqrt(1 - beta2^step) + eps).
    """
    g = np.negative(grad) if maximize else grad
    if weight_decay != 0:
        if decoupled:
            np.multiply(param, 1 - lr * weight_decay, out=param)
        else:
            g = _add_scaled(g, param, weight_decay)
    weight = 1 - beta1
    if weight < 0.5:  # lerp with torch's two-sided formula (see tensor.optim.adam._lerp_)
        _add_scaled(exp_avg, np.subtract(g, exp_avg), weight, out=exp_avg)
    else:
        np.subtract(g, np.multiply(np.subtract(g, exp_avg), 1 - weight), out=exp_avg)
    np.multiply(exp_avg_sq, beta2, out=exp_avg_sq)
    np.add(exp_avg_sq, np.multiply(np.multiply(g, 1 - beta2), g), out=exp_avg_sq)
    step_size = lr / (1 - beta1**step)
    bias_correction2_sqrt = (1 - beta2**step) ** 0.5
    if amsgrad:
        np.maximum(max_exp_avg_sq, exp_avg_sq, out=max_exp_avg_sq)
        second_moment = max_exp_avg_sq
    else:
        second_moment = exp_avg_sq
    denom = np.add(np.true_divide(np.sqrt(second_moment), bias_correction2_sqrt), eps)
    _add_scaled(param, np.true_divide(exp_avg, denom), -step_size, out=param)
