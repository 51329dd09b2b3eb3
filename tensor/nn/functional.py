"""``tensor.nn.functional``: activations, ``linear`` and the losses, as functions.

Everything here is composed from differentiable tensor operations, so
gradients (and gradients of gradients) come from the derivative table in
:mod:`tensor._derivatives`; nothing here calls numpy. Argument checks come
first and raise torch's errors (type and text), before any computation.

Losses take torch's ``reduction``: ``'mean'`` (default), ``'sum'`` or
``'none'`` (one loss per element / sample).
"""

from __future__ import annotations

import math
import warnings

from .. import _ops as ops
from .._derivatives import (
    Addmm,
    CrossEntropyLogSoftmax,
    CrossEntropyNllLoss,
    MseLoss,
    NllLoss,
    NllLoss2d,
)
from .._tensor import Tensor

_REDUCTIONS = ("mean", "sum", "none")


def _check_reduction(reduction: str) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")


def _reduce(losses: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return losses.mean()
    if reduction == "sum":
        return losses.sum()
    return losses


# ------------------------------------------------------------- activations
def relu(input: Tensor, inplace: bool = False) -> Tensor:
    """relu(x) = max(x, 0)."""
    return input.clamp_(min=0) if inplace else ops.relu(input)


def sigmoid(input: Tensor) -> Tensor:
    """sigmoid(x) = 1 / (1 + exp(-x))."""
    return ops.sigmoid(input)


def tanh(input: Tensor) -> Tensor:
    """tanh(x) = (exp(x) - exp(-x)) / (exp(x) + exp(-x))."""
    return ops.tanh(input)


def _softmax_dim(name: str, ndim: int) -> int:
    """torch's legacy implicit dim (0 for 0-, 1- and 3-d inputs, else 1), with its warning."""
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. Change the call to include "
        "dim=X as an argument.",
        stacklevel=3,
    )
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Tensor, dim: int | None = None, dtype=None) -> Tensor:
    """softmax(x)_i = exp(x_i - max x) / sum_j exp(x_j - max x) along ``dim``."""
    if dim is None:
        dim = _softmax_dim("softmax", input.ndim)
    return ops.softmax(input, dim, dtype=dtype)


def log_softmax(input: Tensor, dim: int | None = None, dtype=None) -> Tensor:
    """log_softmax(x)_i = x_i - logsumexp(x) along ``dim``, computed stably (max subtracted)."""
    if dim is None:
        dim = _softmax_dim("log_softmax", input.ndim)
    return ops.log_softmax(input, dim, dtype=dtype)


# ------------------------------------------------------------------ linear
def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """linear(x) = x @ weight^T + bias, for ``weight`` of shape (out_features, in_features).

    ``input`` has shape (*, in_features); the result (*, out_features).
    """
    if bias is not None and input.dtype is not weight.dtype:
        # torch's addmm text; without a bias matmul raises torch's own (different) text.
        raise RuntimeError(
            "mat1 and mat2 must have the same dtype, but got "
            f"{ops.dtype_name(input.dtype)} and {ops.dtype_name(weight.dtype)}"
        )
    in_features = input.shape[-1] if input.ndim else 1
    if weight.ndim == 2 and in_features != weight.shape[1]:
        rows = math.prod(input.shape[:-1])
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({rows}x{in_features} and "
            f"{weight.shape[1]}x{weight.shape[0]})"
        )
    if bias is None:
        return ops.matmul(input, weight.t())
    if input.ndim == 2 and weight.ndim == 2:
        return Addmm.apply(bias, input, weight.t())
    if weight.ndim == 2 and input.ndim > 0:
        # torch flattens the batch dims into rows for one addmm and views the result back.
        rows = Addmm.apply(bias, input.reshape(-1, in_features), weight.t())
        return rows.view(*input.shape[:-1], weight.shape[0])
    return ops.matmul(input, weight.t()) + bias


# ------------------------------------------------------------------ losses
def mse_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """mse_loss = reduce((input - target)^2); warns, as torch does, when the shapes differ."""
    _check_reduction(reduction)
    if input.shape != target.shape:
        warnings.warn(
            f"Using a target size ({_torch_size(target.shape)}) that is different to the input "
            f"size ({_torch_size(input.shape)}). This will likely lead to incorrect results due "
            "to broadcasting. Please ensure they have the same size.",
            stacklevel=2,
        )
    return MseLoss.apply(input, target, reduction)


def _torch_size(shape) -> str:
    return f"torch.Size({list(shape)})"


def nll_loss(input: Tensor, target: Tensor, weight: Tensor | None = None,
             ignore_index: int = -100, reduction: str = "mean") -> Tensor:
    """Negative log-likelihood of class indices, ``input`` holding log-probabilities.

    For input (N, C) (or (C,), or (N, C, d1, ...) with target (N, d1, ...)):
    loss_n = -w[t_n] * input[n, t_n], with w[t_n] = 0 where t_n == ignore_index.
    ``'mean'`` is sum_n loss_n / sum_n w[t_n] (a weighted mean; 0/0 = nan when
    every target is ignored).
    """
    _check_reduction(reduction)
    _check_class_target(input, target)
    classes = input.shape[0 if input.ndim == 1 else 1]
    if weight is not None and (weight.ndim != 1 or weight.numel() != classes):
        raise RuntimeError(
            f"weight tensor should be defined either for all {classes} classes or no classes "
            f"but got weight tensor of shape: {list(weight.shape)}"
        )
    _check_target_range(target, classes, ignore_index)
    if input.ndim <= 2:
        return NllLoss.apply(input, target, weight, ignore_index, reduction)
    if input.ndim == 4:
        return NllLoss2d.apply(input, target, weight, ignore_index, reduction)
    # torch views other spatial layouts as (N, C, d, 1) for its 2-d kernel and back.
    batch, classes = input.shape[:2]
    out = NllLoss2d.apply(input.reshape(batch, classes, -1, 1), target.reshape(batch, -1, 1),
                          weight, ignore_index, reduction)
    return out.reshape(target.shape) if reduction == "none" else out


def _check_class_target(input: Tensor, target: Tensor) -> None:
    """Check an (input, class-index target) pair the way torch does (shapes, target dtype)."""
    if input.ndim < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {input.ndim})")
    if input.ndim != 1:
        target_batch = target.shape[0] if target.ndim else 0
        if input.shape[0] != target_batch:
            raise ValueError(
                f"Expected input batch_size ({input.shape[0]}) to match target batch_size "
                f"({target_batch})."
            )
    if input.ndim <= 2 and target.ndim > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if input.ndim > 2 and tuple(target.shape[1:]) != tuple(input.shape[2:]):
        expected = [input.shape[0], *input.shape[2:]]
        raise RuntimeError(f"Expected target size {expected}, got {list(target.shape)}")
    if target.dtype.name not in ("int64", "uint8"):
        raise RuntimeError(
            f"expected target dtype to be Long or Byte, but got {ops.dtype_name(target.dtype)}"
        )


def _check_target_range(target: Tensor, classes: int, ignore_index: int) -> None:
    """torch's IndexError for a target outside [0, classes) that is not ``ignore_index``."""
    if target.numel() == 0:
        return
    out_of_range = ((target < 0) | (target >= classes)) & (target != ignore_index)
    if out_of_range.any().item():
        raise IndexError(f"Target {target[out_of_range][0].item()} is out of bounds.")


def cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                  ignore_index: int = -100, reduction: str = "mean",
                  label_smoothing: float = 0.0) -> Tensor:
    """Cross-entropy between logits and targets, torch's three cases:

    * class indices (target (N,) int64):  nll_loss(log_softmax(input, 1), target);
    * with ``label_smoothing`` = e:  (1 - e) * nll + e / C * sum_c -w_c log_softmax_c
      (ignored targets contribute nothing; ``'mean'`` divides by the same weight
      total as nll);
    * class probabilities (float target of the input's shape):
      -sum_c w_c * p_c * log_softmax_c, with p smoothed to p (1 - e) + e / C;
      ``'mean'`` divides by the number of samples.

    log_softmax subtracts the row maximum (log-sum-exp), so large logits are safe.
    """
    _check_reduction(reduction)
    class_dim = 0 if input.ndim == 1 else 1
    if input.shape == target.shape:
        if not target.dtype.is_floating_point:
            raise RuntimeError(
                "Expected floating point type for target with class probabilities, got "
                f"{ops.dtype_name(target.dtype)}"
            )
        if ignore_index >= 0:
            raise RuntimeError("ignore_index is not supported for floating point target")
        _check_label_smoothing(label_smoothing)
        return _cross_entropy_probabilities(input, target, weight, reduction, label_smoothing,
                                            class_dim)
    if label_smoothing > 0.0:
        _check_label_smoothing(label_smoothing)
        return _cross_entropy_smoothed(input, target, weight, ignore_index, reduction,
                                       label_smoothing, class_dim)
    if input.ndim <= 2 and input.dtype.is_floating_point:
        return _fused_cross_entropy(input, target, weight, ignore_index, reduction, class_dim)
    return nll_loss(log_softmax(input, class_dim), target, weight, ignore_index, reduction)


def _fused_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None, ignore_index: int,
                         reduction: str, class_dim: int) -> Tensor:
    """cross_entropy of (N, C) or (C,) logits as one fused backend kernel (and one in the
    backward), with torch's graph: NllLossBackward0 over LogSoftmaxBackward0."""
    _check_class_target(input, target)
    classes = input.shape[class_dim]
    if weight is not None and (weight.ndim != 1 or weight.numel() != classes):
        raise RuntimeError(
            f"weight tensor should be defined either for all {classes} classes or no classes "
            f"but got weight tensor of shape: {list(weight.shape)}"
        )
    bad = target._backend.first_invalid_target(target._data, classes, ignore_index)
    if bad is not None:
        raise IndexError(f"Target {bad} is out of bounds.")
    log_probs = CrossEntropyLogSoftmax.apply(input, class_dim)
    return CrossEntropyNllLoss.apply(log_probs, target, weight, ignore_index, reduction, class_dim)


def _check_label_smoothing(label_smoothing: float) -> None:
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")


def _class_weight_view(weight: Tensor, ndim: int, class_dim: int) -> Tensor:
    """weight (C,) shaped to broadcast along the class dim of an ndim-d input."""
    shape = [1] * ndim
    shape[class_dim] = weight.shape[0]
    return weight.reshape(shape)


def _cross_entropy_probabilities(input: Tensor, target: Tensor, weight: Tensor | None,
                                 reduction: str, label_smoothing: float,
                                 class_dim: int) -> Tensor:
    classes = input.shape[class_dim]
    if weight is not None and (weight.ndim != 1 or weight.numel() != classes):
        raise RuntimeError(
            f"cross_entropy: weight tensor should be defined either for all {classes} classes or "
            f"no classes but got weight tensor of shape: {list(weight.shape)}"
        )
    log_probs = log_softmax(input, class_dim)
    if label_smoothing > 0.0:
        target = target * (1 - label_smoothing) + label_smoothing / classes
    terms = log_probs * target
    if weight is not None:
        terms = terms * _class_weight_view(weight, input.ndim, class_dim)
    if reduction == "none":
        return -terms.sum(class_dim)
    if reduction == "sum":
        return -terms.sum()
    return -terms.sum() / (input.numel() / classes)


def _cross_entropy_smoothed(input: Tensor, target: Tensor, weight: Tensor | None,
                            ignore_index: int, reduction: str, label_smoothing: float,
                            class_dim: int) -> Tensor:
    log_probs = log_softmax(input, class_dim)
    nll = nll_loss(log_probs, target, weight, ignore_index, reduction)
    classes = input.shape[class_dim]
    if weight is not None:
        log_probs = log_probs * _class_weight_view(weight, input.ndim, class_dim)
    kept = (target != ignore_index).to(input.dtype)
    smooth = -log_probs.sum(class_dim) * kept
    if reduction == "mean":
        if weight is not None:
            flat_target = ops.where(target == ignore_index, 0, target).reshape(-1)
            smooth = smooth.sum() / (weight[flat_target] * kept.reshape(-1)).sum()
        else:
            smooth = smooth.sum() / kept.sum()
    elif reduction == "sum":
        smooth = smooth.sum()
    return (1 - label_smoothing) * nll + smooth * (label_smoothing / classes)
