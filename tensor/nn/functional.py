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
    AddmmRelu,
    AsStrided,
    CrossEntropyLogSoftmax,
    CrossEntropyNllLoss,
    Gelu,
    MseLoss,
    NllLoss,
    NllLoss2d,
    ReluOfAddmm,
)
from .._tensor import Tensor
from ..autograd.grad_mode import no_grad

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


def gelu(input: Tensor, approximate: str = "none") -> Tensor:
    """gelu(x) = x Phi(x) = x / 2 (1 + erf(x / sqrt 2)); with ``approximate='tanh'``,
    x / 2 (1 + tanh(sqrt(2 / pi) (x + 0.044715 x^3)))."""
    if approximate not in ("none", "tanh"):
        raise RuntimeError("approximate argument must be either none or tanh.")
    return Gelu.apply(input, approximate)


def _refuse_inplace(name: str, inplace: bool) -> None:
    """In-place forms that are not written yet raise instead of silently copying."""
    if inplace:
        raise NotImplementedError(f"{name}(inplace=True) is not implemented; use inplace=False")


def silu(input: Tensor, inplace: bool = False) -> Tensor:
    """silu(x) = x sigmoid(x) (also called swish)."""
    _refuse_inplace("silu", inplace)
    return input * ops.sigmoid(input)


def leaky_relu(input: Tensor, negative_slope: float = 0.01, inplace: bool = False) -> Tensor:
    """leaky_relu(x) = x for x > 0, negative_slope * x otherwise (``inplace``: x is
    multiplied in place by that slope, 1 or negative_slope)."""
    if inplace:
        return input.mul_(ops.where(input > 0, 1.0, negative_slope).to(input.dtype))
    return ops.where(input > 0, input, input * negative_slope)


def elu(input: Tensor, alpha: float = 1.0, inplace: bool = False) -> Tensor:
    """elu(x) = x for x > 0, alpha (exp(x) - 1) otherwise (exp of min(x, 0), so large x
    cannot overflow into the unused branch's gradient)."""
    _refuse_inplace("elu", inplace)
    return ops.where(input > 0, input, alpha * (input.clamp(max=0).exp() - 1))


def softplus(input: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """softplus(x) = log(1 + exp(beta x)) / beta, and x itself where beta x > threshold."""
    scaled = input * beta
    smooth = (1 + scaled.clamp(max=threshold).exp()).log() / beta
    return ops.where(scaled > threshold, input, smooth)


def hardtanh(input: Tensor, min_val: float = -1.0, max_val: float = 1.0,
             inplace: bool = False) -> Tensor:
    """hardtanh(x) = clamp(x, min_val, max_val); gradient 1 strictly inside, 0 elsewhere."""
    _refuse_inplace("hardtanh", inplace)
    inside = (input > min_val) & (input < max_val)
    return ops.where(inside, input, input.clamp(min_val, max_val).detach())


def relu6(input: Tensor, inplace: bool = False) -> Tensor:
    """relu6(x) = min(max(x, 0), 6)."""
    return hardtanh(input, 0.0, 6.0, inplace)


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
    _check_linear_arguments(input, weight, bias)
    if bias is not None and input.dtype is not weight.dtype:
        # torch's addmm text; without a bias matmul raises torch's own (different) text.
        raise RuntimeError(
            "mat1 and mat2 must have the same dtype, but got "
            f"{ops.dtype_name(input.dtype)} and {ops.dtype_name(weight.dtype)}"
        )
    shape, weight_shape = input.shape, weight.shape
    in_features = shape[-1] if shape else 1
    if len(weight_shape) == 2 and in_features != weight_shape[1]:
        rows = math.prod(shape[:-1])
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({rows}x{in_features} and "
            f"{weight_shape[1]}x{weight_shape[0]})"
        )
    if bias is None:
        return ops.matmul(input, weight.t())
    if len(weight_shape) == 2 and (len(shape) == 2 or (shape and bias.ndim <= 1)):
        _check_bias_expands(bias, (math.prod(shape[:-1]), weight_shape[0]))
        if len(shape) == 2:
            return Addmm.apply(bias, input, weight.t())
        # torch flattens the batch dims into rows for one addmm and views the result back.
        rows = Addmm.apply(bias, input.reshape(-1, in_features), weight.t())
        return rows.view(*input.shape[:-1], weight.shape[0])
    return ops.matmul(input, weight.t()) + bias


def _check_linear_arguments(input, weight, bias) -> None:
    """torch's TypeError naming the first argument that is not a Tensor."""
    for position, (name, value) in enumerate((("input", input), ("weight", weight), ("bias", bias)), 1):
        if not (isinstance(value, Tensor) or (name == "bias" and value is None)):
            raise TypeError(f"linear(): argument '{name}' (position {position}) must be Tensor, "
                            f"not {type(value).__name__}")


def linear_relu(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """relu(linear(input, weight, bias)); for a 2-D input with a bias, one addmm kernel with
    the ReLU in its epilogue, recorded as torch records the two ops (ReluBackward0 over
    AddmmBackward0)."""
    _check_linear_arguments(input, weight, bias)
    fusable = (bias is not None and input.ndim == 2 and weight.ndim == 2
               and input.dtype is weight.dtype and input.shape[1] == weight.shape[1])
    if not fusable:
        return relu(linear(input, weight, bias))
    return ReluOfAddmm.apply(AddmmRelu.apply(bias, input, weight.t()))


def _check_bias_expands(bias: Tensor, target: tuple[int, int]) -> None:
    """torch's expand error when ``bias`` cannot broadcast to the (rows, out_features) result."""
    if bias.ndim > 2:
        raise RuntimeError(
            f"expand({_legacy_type_name(bias)}{{{list(bias.shape)}}}, size={list(target)}): the "
            f"number of sizes provided (2) must be greater or equal to the number of dimensions "
            f"in the tensor ({bias.ndim})")
    for offset in range(1, bias.ndim + 1):
        size, wanted = bias.shape[-offset], target[-offset]
        if size not in (1, wanted):
            raise RuntimeError(
                f"The expanded size of the tensor ({wanted}) must match the existing size "
                f"({size}) at non-singleton dimension {2 - offset}.  Target sizes: "
                f"{list(target)}.  Tensor sizes: {list(bias.shape)}")


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
    batch = input.shape[0]
    spatial = math.prod(input.shape[2:])
    if input.ndim == 3 or input.ndim > 4:
        # torch views these as (N, C, 1, -1) for its 2-d kernel, or (N, C, 0, 0) when empty, and
        # the target as (N, 1, -1) or (N, 0, 0): with no classes and a target that is not
        # empty, the two no longer match (torch's size mismatch, before any target check)
        viewed_input = [batch, classes, 1, spatial] if input.numel() else [batch, classes, 0, 0]
        viewed_target = [batch, 1, spatial] if target.numel() else [batch, 0, 0]
        if viewed_input[2:] != viewed_target[1:]:
            raise RuntimeError(f"size mismatch (got input: {viewed_input} , target: {viewed_target}")
    _check_target_range(target, classes, ignore_index)
    if input.ndim <= 2:
        return NllLoss.apply(input, target, weight, ignore_index, reduction)
    if input.ndim == 4:
        return NllLoss2d.apply(input, target, weight, ignore_index, reduction)
    # torch views other spatial layouts as (N, C, d, 1) for its 2-d kernel and back.
    out = NllLoss2d.apply(input.reshape(batch, classes, spatial, 1), target.reshape(batch, spatial, 1),
                          weight, ignore_index, reduction)
    return out.reshape(target.shape) if reduction == "none" else out


def _check_class_target(input: Tensor, target: Tensor) -> None:
    """Check an (input, class-index target) pair the way torch does (shapes, target dtype)."""
    shape, target_shape = input.shape, target.shape
    ndim, target_ndim = len(shape), len(target_shape)
    if ndim < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {ndim})")
    if ndim != 1:
        target_batch = target_shape[0] if target_ndim else 0
        if shape[0] != target_batch:
            raise ValueError(
                f"Expected input batch_size ({shape[0]}) to match target batch_size "
                f"({target_batch})."
            )
    if ndim <= 2 and target_ndim > 1:
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if ndim > 2 and tuple(target_shape[1:]) != tuple(shape[2:]):
        expected = [shape[0], *shape[2:]]
        raise RuntimeError(f"Expected target size {expected}, got {list(target_shape)}")
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
    if input.numel() == 0:  # torch: -(sum.fill_(nan))
        return -(terms.sum() * math.nan)
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
    # no classes: e / C is inf (0 * inf: nan), as torch's float division
    share = label_smoothing / classes if classes else math.copysign(math.inf, label_smoothing)
    if label_smoothing == 0:
        share = math.nan
    return (1 - label_smoothing) * nll + smooth * share


# ----------------------------------------------------------- padding, windows
def pad(input: Tensor, pad: tuple[int, ...] | list[int], mode: str = "constant",
        value: float | None = None) -> Tensor:
    """Pad the last len(pad) / 2 dims: ``pad`` = (left, right) for the last dim, then
    (top, bottom) for the one before, ...

    ``'constant'``: out = value outside, input inside (negative amounts crop);
    ``'reflect'``: mirrored without repeating the edge (x[1], x[0] | x[0], x[1], ...);
    ``'replicate'``: the edge value repeated; ``'circular'``: wrapped around. The three
    index the input (their gradient adds up where an element is read several times).
    """
    if mode != "constant":
        return _pad_by_index(input, pad, mode, value)
    if len(pad) % 2 != 0:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad) // 2 > input.ndim:
        raise RuntimeError("Padding length should be less than or equal to two times the "
                           "input dimension but got padding length "
                           f"{len(pad)} and input of dimension {input.ndim}")
    crop = [slice(None)] * input.ndim
    widths = [(0, 0)] * input.ndim
    for index in range(len(pad) // 2):
        dim = input.ndim - 1 - index
        before, after = pad[2 * index], pad[2 * index + 1]
        crop[dim] = slice(max(-before, 0), input.shape[dim] - max(-after, 0))
        widths[dim] = (max(before, 0), max(after, 0))
    if any(c != slice(None) for c in crop):
        input = input[tuple(crop)]
    if all(w == (0, 0) for w in widths):
        return input.clone()
    shape = [n + before + after for n, (before, after) in zip(input.shape, widths)]
    out = ops.full(shape, 0 if value is None else value, dtype=input.dtype, device=input.device)
    out[tuple(slice(before, before + n) for n, (before, _) in zip(input.shape, widths))] = input
    return out


def _pad_by_index(input: Tensor, pad, mode: str, value) -> Tensor:
    """reflect / replicate / circular padding as one index per padded dim."""
    if mode not in ("reflect", "replicate", "circular"):
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    dims = len(pad) // 2
    if len(pad) % 2 or dims > 3 or input.ndim not in (dims + 1, dims + 2):
        raise NotImplementedError(
            f"Padding size {len(pad)} is not supported for {input.ndim}D input tensor.\n"
            "Supported combinations for non-constant padding:\n"
            "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
            "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
            "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")
    out = input
    for index in range(dims):
        dim = input.ndim - 1 - index
        before, after, size = pad[2 * index], pad[2 * index + 1], input.shape[dim]
        if mode == "reflect" and (before >= size or after >= size):
            raise RuntimeError(
                f"Argument #4: Padding size should be less than the corresponding input "
                f"dimension, but got: padding ({before}, {after}) at dimension {dim} of input "
                f"{list(input.shape)}")
        if mode == "circular" and (before > size or after > size):
            raise RuntimeError("Padding value causes wrapping around more than once.")
        positions = []
        for k in range(-before, size + after):
            if mode == "replicate":
                positions.append(min(max(k, 0), size - 1))
            elif mode == "circular":
                positions.append(k % size)
            else:
                positions.append(-k if k < 0 else 2 * (size - 1) - k if k >= size else k)
        picked = ops.tensor(positions, device=input.device)
        out = out[(slice(None),) * dim + (picked,)]
    return out


def _pair(value) -> tuple[int, int]:
    return tuple(value) if isinstance(value, (tuple, list)) else (value, value)


def _windows(input: Tensor, kernel: tuple[int, int], stride: tuple[int, int],
             dilation: tuple[int, int]) -> Tensor:
    """The im2col view (N, C, out_h, out_w, kernel_h, kernel_w) of a padded (N, C, H, W)
    input, made with strides (no copy, no loop over pixels):

    windows[n, c, i, j, u, v] = input[n, c, i * stride_h + u * dilation_h, j * stride_w + v * dilation_w].
    """
    batch, channels, height, width = input.shape
    out_h = (height - dilation[0] * (kernel[0] - 1) - 1) // stride[0] + 1
    out_w = (width - dilation[1] * (kernel[1] - 1) - 1) // stride[1] + 1
    strides = (channels * height * width, height * width, stride[0] * width, stride[1],
               dilation[0] * width, dilation[1])
    return AsStrided.apply(input, (batch, channels, out_h, out_w, *kernel), strides)


# ----------------------------------------------------------------- convolution
def same_padding(kernel, dilation) -> tuple[int, ...]:
    """:func:`pad` amounts, last dim first, that keep a stride-1 convolution's output the
    size of its input: d (k - 1) per dim, the odd one on the right/bottom as torch."""
    amounts = []
    for k, d in zip(reversed(kernel), reversed(dilation)):
        total = d * (k - 1)
        amounts += [total // 2, total - total // 2]
    return tuple(amounts)


def _conv_padding(padding, kernel, dilation, stride) -> tuple[int, ...]:
    """(left, right, top, bottom) amounts for :func:`pad` from torch's ``padding``
    argument (int, tuple, 'valid' or 'same')."""
    if isinstance(padding, str):
        if padding == "valid":
            return (0, 0, 0, 0)
        if padding != "same":
            raise ValueError(f"Invalid padding string '{padding}', should be one of "
                             "{'valid', 'same'}")
        if any(s != 1 for s in stride):
            raise ValueError("padding='same' is not supported for strided convolutions")
        return same_padding(kernel, dilation)
    padding = _pair(padding)
    return (padding[1], padding[1], padding[0], padding[0])


def _conv2d(input: Tensor, weight: Tensor, bias: Tensor | None, stride, padding, dilation,
            groups: int, name: str, spatial: int, shapes: tuple) -> Tensor:
    """conv2d on (N, C, H, W) or (C, H, W) input; ``name``, ``spatial`` (1 or 2) and
    ``shapes`` (the caller's input and weight shapes) only shape the error texts."""
    stride, dilation = _pair(stride), _pair(dilation)
    if input.ndim not in (3, 4):
        raise RuntimeError(f"Expected 3D (unbatched) or 4D (batched) input to {name}, but got "
                           f"input of size: {list(input.shape)}")
    batched = input.ndim == 4
    x = input if batched else input.unsqueeze(0)
    out_channels, group_channels, kernel_h, kernel_w = weight.shape
    if x.shape[1] != group_channels * groups:
        raise RuntimeError(
            f"Given groups={groups}, weight of size {list(shapes[1])}, expected "
            f"input{list(shapes[0]) if batched else [1, *shapes[0]]} to have "
            f"{group_channels * groups} channels, but got {x.shape[1]} channels instead")
    _check_conv_dtypes(x, weight, bias)
    widths = _conv_padding(padding, (kernel_h, kernel_w), dilation, stride)
    x = (pad(x, widths) if any(widths) else x).contiguous()
    reach = (dilation[0] * (kernel_h - 1) + 1, dilation[1] * (kernel_w - 1) + 1)
    if x.shape[2] < reach[0] or x.shape[3] < reach[1]:
        size = " x ".join(str(n) for n in x.shape[4 - spatial:])
        kernel = " x ".join(str(n) for n in reach[2 - spatial:])
        raise RuntimeError(f"Calculated padded input size per channel: ({size}). Kernel size: "
                           f"({kernel}). Kernel size can't be greater than actual input size")
    windows = _windows(x, (kernel_h, kernel_w), stride, dilation)
    batch, _, out_h, out_w = windows.shape[:4]
    # (N, g, C/g, oh, ow, kh, kw) -> (g, N*oh*ow, C/g*kh*kw): one row per output pixel.
    columns = windows.reshape(batch, groups, group_channels, out_h, out_w, kernel_h, kernel_w)
    patch = group_channels * kernel_h * kernel_w
    columns = columns.permute(1, 0, 3, 4, 2, 5, 6).reshape(groups, batch * out_h * out_w, patch)
    kernels = weight.reshape(groups, out_channels // groups, patch)
    out = columns @ kernels.mT  # (g, N*oh*ow, O/g): the convolution is this one matmul
    out = out.reshape(groups, batch, out_h, out_w, out_channels // groups).permute(1, 0, 4, 2, 3)
    out = out.reshape(batch, out_channels, out_h, out_w)
    if bias is not None:
        out = out + bias.reshape(1, out_channels, 1, 1)
    return out if batched else out.squeeze(0)


_SCALAR_TYPE_NAMES = {"float32": "Float", "float64": "Double", "float16": "Half",
                      "bfloat16": "BFloat16"}


def _check_conv_dtypes(input: Tensor, weight: Tensor, bias: Tensor | None) -> None:
    """torch's errors for an input, weight or bias of different dtypes."""
    if bias is not None and bias.dtype is not input.dtype:
        names = [_SCALAR_TYPE_NAMES.get(t.dtype.name, t.dtype.name).lower() for t in (input, bias)]
        raise RuntimeError(f"Input type ({names[0]}) and bias type ({names[1]}) should be the same")
    if weight.dtype is not input.dtype:
        raise RuntimeError(
            f"expected scalar type {_SCALAR_TYPE_NAMES.get(input.dtype.name, input.dtype.name)}"
            f" but found {_SCALAR_TYPE_NAMES.get(weight.dtype.name, weight.dtype.name)}")


def conv2d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
           dilation=1, groups: int = 1) -> Tensor:
    """2-d cross-correlation, torch's ``F.conv2d``: for input (N, C, H, W) (or (C, H, W)) and
    weight (O, C/groups, kh, kw),

    out[n, o, i, j] = bias[o] + sum_{c, u, v} weight[o, c, u, v]
                      * x_pad[n, g(o) C/groups + c, i s_h + u d_h, j s_w + v d_w].

    Built as im2col (a strided view of the padded input, no copy per pixel) then one
    matmul per group, so it runs on the matmul path of each backend; gradients come
    from those ops. ``padding`` is an int, a pair, ``'valid'`` or ``'same'``.
    """
    return _conv2d(input, weight, bias, stride, padding, dilation, groups, "conv2d", 2,
                   (input.shape, weight.shape))


def conv1d(input: Tensor, weight: Tensor, bias: Tensor | None = None, stride=1, padding=0,
           dilation=1, groups: int = 1) -> Tensor:
    """1-d cross-correlation, torch's ``F.conv1d``: input (N, C, L) (or (C, L)), weight
    (O, C/groups, k); out[n, o, i] = bias[o] + sum_{c, u} weight[o, c, u] x_pad[n, c, i s + u d].
    Computed as :func:`conv2d` over a height-1 image."""
    if input.ndim not in (2, 3):
        raise RuntimeError("Expected 2D (unbatched) or 3D (batched) input to conv1d, but got "
                           f"input of size: {list(input.shape)}")
    one = lambda v: v[0] if isinstance(v, (tuple, list)) else v  # noqa: E731
    padding = padding if isinstance(padding, str) else (0, one(padding))
    out = _conv2d(input.unsqueeze(-2), weight.unsqueeze(-2), bias, (1, one(stride)), padding,
                  (1, one(dilation)), groups, "conv1d", 1, (input.shape, weight.shape))
    return out.squeeze(-2)


# ------------------------------------------------------------------- pooling
def _pool_geometry(size: int, kernel: int, stride: int, padding: int, dilation: int,
                   ceil_mode: bool) -> tuple[int, int]:
    """(output size, extra right padding) along one dim, torch's pooling size rule."""
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    out = (span + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    extra = max((out - 1) * stride + dilation * (kernel - 1) + 1 - (size + 2 * padding), 0)
    return out, extra


def _pool_stride(kernel: tuple[int, int], stride) -> tuple[int, int]:
    """A pool's stride: the kernel size when not given (None or empty), as torch."""
    return kernel if stride is None or stride == [] or stride == () else _pair(stride)


def _pooled_windows(input: Tensor, kernel_size, stride, padding, dilation, ceil_mode: bool,
                    fill: float, name: str) -> Tensor:
    """(N, C, out_h, out_w, kh * kw) windows of the input padded with ``fill``."""
    kernel = _pair(kernel_size)
    stride = _pool_stride(kernel, stride)
    padding, dilation = _pair(padding), _pair(dilation)
    if any(p > k // 2 for p, k in zip(padding, kernel)):
        raise RuntimeError("pad should be at most half of effective kernel size, but got "
                           f"pad={padding[0]}, kernel_size={kernel[0]} and dilation={dilation[0]}")
    if input.ndim not in (3, 4):
        raise RuntimeError(f"{name}: Expected 3D or 4D (batch mode) tensor with optional 0 dim "
                           f"batch size for input, but got:{list(input.shape)}")
    x = input if input.ndim == 4 else input.unsqueeze(0)
    geometry = [_pool_geometry(x.shape[2 + d], kernel[d], stride[d], padding[d], dilation[d],
                               ceil_mode) for d in range(2)]
    widths = (padding[1], padding[1] + geometry[1][1], padding[0], padding[0] + geometry[0][1])
    if geometry[0][0] < 1 or geometry[1][0] < 1:
        channels, height, width = x.shape[1:]
        raise RuntimeError(
            f"Given input size: ({channels}x{height}x{width}). Calculated output size: "
            f"({channels}x{geometry[0][0]}x{geometry[1][0]}). Output size is too small")
    x = (pad(x, widths, value=fill) if any(widths) else x).contiguous()
    windows = _windows(x, kernel, stride, dilation)
    return windows.reshape(*windows.shape[:4], kernel[0] * kernel[1])


def max_pool2d(input: Tensor, kernel_size, stride=None, padding=0, dilation=1,
               ceil_mode: bool = False, return_indices: bool = False) -> Tensor:
    """out[n, c, i, j] = max over the window at (i s_h - p_h, j s_w - p_w) (padding counts
    as -inf); the gradient goes to the window's first maximum, as torch's. With
    ``return_indices`` also the position of each maximum in its (H, W) plane,
    h * W + w (int64), as torch's."""
    windows = _pooled_windows(input, kernel_size, stride, padding, dilation, ceil_mode,
                              -math.inf, "max_pool2d")
    out, within = windows.max(-1)
    if return_indices:
        kernel, dilation, padding = _pair(kernel_size), _pair(dilation), _pair(padding)
        stride = _pool_stride(kernel, stride)
        rows = (ops.arange(out.shape[2], device=input.device) * stride[0] - padding[0]
                ).unsqueeze(1) + (within // kernel[1]) * dilation[0]
        cols = (ops.arange(out.shape[3], device=input.device) * stride[1] - padding[1]
                ) + (within % kernel[1]) * dilation[1]
        indices = rows * input.shape[-1] + cols
        if input.ndim == 3:
            out, indices = out.squeeze(0), indices.squeeze(0)
        return out, indices
    return out if input.ndim == 4 else out.squeeze(0)


def avg_pool2d(input: Tensor, kernel_size, stride=None, padding=0, ceil_mode: bool = False,
               count_include_pad: bool = True, divisor_override: int | None = None) -> Tensor:
    """out[n, c, i, j] = sum over the window / divisor, the divisor being kh * kw
    (``count_include_pad``, padding zeros counted), the number of input elements in the
    window (otherwise), or ``divisor_override``."""
    windows = _pooled_windows(input, kernel_size, stride, padding, 1, ceil_mode, 0.0,
                              "avg_pool2d")
    total = windows.sum(-1)
    if divisor_override is not None:
        out = total / divisor_override
    else:
        kernel = _pair(kernel_size)
        stride = _pool_stride(kernel, stride)
        counts = [_window_counts(total.shape[2 + d], input.shape[-2 + d], kernel[d], stride[d],
                                 _pair(padding)[d], count_include_pad) for d in range(2)]
        divisor = ops.tensor(counts[0], dtype=input.dtype, device=input.device).unsqueeze(1) \
            * ops.tensor(counts[1], dtype=input.dtype, device=input.device)
        out = total / divisor
    return out if input.ndim == 4 else out.squeeze(0)


def _window_counts(out_size: int, size: int, kernel: int, stride: int, padding: int,
                   count_include_pad: bool) -> list[int]:
    """torch's avg-pool divisor along one dim: the window clipped to the padded input
    (``count_include_pad``) or to the input itself."""
    counts = []
    for i in range(out_size):
        start = i * stride - padding
        end = min(start + kernel, size + padding)
        if not count_include_pad:
            start, end = max(start, 0), min(end, size)
        counts.append(end - start)
    return counts


def adaptive_avg_pool2d(input: Tensor, output_size) -> Tensor:
    """out[..., i, j] = mean of input[..., h0(i):h1(i), w0(j):w1(j)] with
    h0(i) = floor(i H / out_h), h1(i) = ceil((i + 1) H / out_h) (likewise for w), written
    as out = P_h @ x @ P_w^T with the averaging matrices P (out_h, H) and P_w (out_w, W).
    ``None`` in ``output_size`` keeps that input size."""
    sizes = _pair(output_size)
    height, width = input.shape[-2:]
    sizes = (height if sizes[0] is None else sizes[0], width if sizes[1] is None else sizes[1])
    rows = _averaging_matrix(sizes[0], height, input)
    cols = _averaging_matrix(sizes[1], width, input)
    return rows @ input @ cols.mT


def _averaging_matrix(out_size: int, in_size: int, like: Tensor) -> Tensor:
    """P (out_size, in_size) with P[i, k] = 1 / (end_i - start_i) for start_i <= k < end_i."""
    positions = ops.arange(in_size, device=like.device)
    starts = [(i * in_size) // out_size for i in range(out_size)]
    ends = [-((-(i + 1) * in_size) // out_size) for i in range(out_size)]
    start = ops.tensor(starts, device=like.device).unsqueeze(1)
    end = ops.tensor(ends, device=like.device).unsqueeze(1)
    inside = ((positions >= start) & (positions < end)).to(like.dtype)
    return inside / (end - start).to(like.dtype)


# ------------------------------------------------------ dropout, embedding, norms
def _check_dropout(p: float) -> None:
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _dropout_with_mask_shape(input: Tensor, p: float, training: bool, mask_shape,
                             inplace: bool) -> Tensor:
    """input * mask / (1 - p) with mask ~ Bernoulli(1 - p) drawn from the library's RNG
    (of ``mask_shape``, broadcast over the input); the input itself when not training or
    p = 0; zeros when p = 1."""
    _check_dropout(p)
    if not training or p == 0.0:
        return input
    if p == 1.0:
        return input.mul_(0.0) if inplace else input * 0.0
    keep = ops.rand(*mask_shape, device=input.device) >= p
    scale = keep.to(input.dtype) * (1.0 / (1.0 - p))
    return input.mul_(scale) if inplace else input * scale


def dropout(input: Tensor, p: float = 0.5, training: bool = True, inplace: bool = False) -> Tensor:
    """Zero each element with probability p and scale the rest by 1 / (1 - p) (training
    only): out = x * m / (1 - p), m ~ Bernoulli(1 - p) (``inplace``: x itself scaled)."""
    return _dropout_with_mask_shape(input, p, training, input.shape, inplace)


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True,
              inplace: bool = False) -> Tensor:
    """Zero whole channels: out[n, c] = x[n, c] * m[n, c] / (1 - p) for (N, C, H, W)
    input (or (C, H, W), one mask per channel)."""
    if input.ndim not in (3, 4):
        warnings.warn(
            f"dropout2d: Received a {input.ndim}-D input to dropout2d, which is deprecated and "
            "will result in an error in a future release. To retain the behavior and silence "
            "this warning, please use dropout instead. Note that dropout2d exists to provide "
            "channel-wise dropout on inputs with 2 spatial dimensions, a channel dimension, and "
            "an optional batch dimension (i.e. 3D or 4D inputs).", stacklevel=2)
    mask_shape = (*input.shape[:-2], 1, 1)
    return _dropout_with_mask_shape(input, p, training, mask_shape, inplace)


def embedding(input: Tensor, weight: Tensor, padding_idx: int | None = None,
              max_norm: float | None = None, norm_type: float = 2.0,
              scale_grad_by_freq: bool = False, sparse: bool = False) -> Tensor:
    """out[...] = weight[input[...]] (rows picked by index); the gradient of each row is the
    sum of the gradients of its picks (a scatter-add), and row ``padding_idx`` gets none.
    With ``max_norm`` the picked rows whose ``norm_type``-norm exceeds it are first scaled
    in place (outside autograd) by max_norm / (norm + 1e-7), as torch's embedding_renorm_.
    ``scale_grad_by_freq`` and ``sparse`` are not implemented."""
    if scale_grad_by_freq or sparse:
        raise NotImplementedError("embedding: scale_grad_by_freq and sparse are not implemented")
    if input.dtype.is_floating_point or input.dtype.name == "bool":
        raise RuntimeError(
            "Expected tensor for argument #1 'indices' to have one of the following scalar "
            f"types: Long, Int; but got {_legacy_type_name(input)} instead (while checking "
            "arguments for embedding)")
    rows = weight.shape[0]
    if padding_idx is not None:
        if padding_idx < 0:
            if padding_idx < -rows:
                raise AssertionError("Padding_idx must be within num_embeddings")
            padding_idx += rows
        elif padding_idx >= rows:
            raise AssertionError("Padding_idx must be within num_embeddings")
    if input.numel() and ((input < 0) | (input >= rows)).any().item():
        raise IndexError("index out of range in self")
    if max_norm is not None:
        with no_grad():
            flat = input.reshape(-1)
            rows = weight[flat]
            norms = rows.norm(norm_type, 1, keepdim=True)
            scale = ops.where(norms > max_norm, max_norm / (norms + 1e-7), 1.0)
            weight[flat] = rows * scale.to(weight.dtype)
    picked = weight[input]
    if padding_idx is None or not weight.requires_grad:
        return picked
    keep = (input != padding_idx).unsqueeze(-1)
    return ops.where(keep, picked, weight.detach()[input])


def _legacy_type_name(t: Tensor) -> str:
    names = {"float32": "FloatTensor", "float64": "DoubleTensor", "float16": "HalfTensor",
             "bool": "BoolTensor"}
    return "torch." + names.get(t.dtype.name, t.dtype.name)


def layer_norm(input: Tensor, normalized_shape, weight: Tensor | None = None,
               bias: Tensor | None = None, eps: float = 1e-5) -> Tensor:
    """y = (x - mean) / sqrt(var + eps) * weight + bias, mean and (biased) var taken over
    the last len(normalized_shape) dims."""
    normalized_shape = ((normalized_shape,) if isinstance(normalized_shape, int)
                        else tuple(normalized_shape))
    count = len(normalized_shape)
    if tuple(input.shape[input.ndim - count:]) != normalized_shape or input.ndim < count:
        raise RuntimeError(
            f"Given normalized_shape={list(normalized_shape)}, expected input with shape "
            f"[*, {', '.join(str(n) for n in normalized_shape)}], but got input of size"
            f"{_torch_size(input.shape)[len('torch.Size('):-1]}")
    dims = tuple(range(input.ndim - count, input.ndim))
    mean = input.mean(dims, keepdim=True)
    centered = input - mean
    variance = (centered * centered).mean(dims, keepdim=True)
    out = centered * (variance + eps).rsqrt()
    if weight is not None:
        out = out * weight
    return out if bias is None else out + bias


def batch_norm(input: Tensor, running_mean: Tensor | None, running_var: Tensor | None,
               weight: Tensor | None = None, bias: Tensor | None = None, training: bool = False,
               momentum: float = 0.1, eps: float = 1e-5) -> Tensor:
    """y = (x - mean) / sqrt(var + eps) * weight + bias per channel (dim 1).

    Training: mean and biased var of the batch (over every dim but 1), and the running
    statistics (when given) move in place: r <- (1 - momentum) r + momentum * s, with the
    unbiased batch variance for running_var, as torch. Otherwise the running ones are used.
    """
    if training:
        count = input.numel() // input.shape[1] if input.ndim > 1 else input.numel()
        if count <= 1:
            raise ValueError("Expected more than 1 value per channel when training, got input "
                             f"size {_torch_size(input.shape)}")
    shape = [1] * input.ndim
    shape[1] = input.shape[1]
    if training:
        dims = tuple(d for d in range(input.ndim) if d != 1)
        mean = input.mean(dims, keepdim=True)
        centered = input - mean
        variance = (centered * centered).mean(dims, keepdim=True)
        if running_mean is not None:
            with no_grad():
                unbiased = variance.reshape(-1) * (count / (count - 1))
                running_mean.mul_(1 - momentum).add_(mean.reshape(-1) * momentum)
                running_var.mul_(1 - momentum).add_(unbiased * momentum)
    else:
        mean, variance = running_mean.reshape(shape), running_var.reshape(shape)
        centered = input - mean
    out = centered * (variance + eps).rsqrt()
    if weight is not None:
        out = out * weight.reshape(shape)
    return out if bias is None else out + bias.reshape(shape)


# ------------------------------------------------------------------ more losses
def _check_same_size(input: Tensor, target: Tensor) -> None:
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(
            f"Using a target size ({_torch_size(target.shape)}) that is different to the input "
            f"size ({_torch_size(input.shape)}) is deprecated. Please ensure they have the same "
            "size.")


def binary_cross_entropy(input: Tensor, target: Tensor, weight: Tensor | None = None,
                         reduction: str = "mean") -> Tensor:
    """loss = -w (t log x + (1 - t) log(1 - x)) for probabilities x, each log clamped to
    >= -100 as torch's (so x = 0 or 1 gives a finite loss)."""
    _check_reduction(reduction)
    _check_same_size(input, target)
    if input.numel() and ((input < 0) | (input > 1)).any().item():
        raise RuntimeError("all elements of input should be between 0 and 1")
    losses = -(target * input.log().clamp(min=-100)
               + (1 - target) * (1 - input).log().clamp(min=-100))
    if weight is not None:
        losses = losses * weight
    return _reduce(losses, reduction)


def binary_cross_entropy_with_logits(input: Tensor, target: Tensor, weight: Tensor | None = None,
                                     reduction: str = "mean",
                                     pos_weight: Tensor | None = None) -> Tensor:
    """BCE of sigmoid(x) computed stably from the logits x:

    loss = (1 - t) x + (1 + (pos_weight - 1) t) (log(1 + exp(-|x|)) + max(-x, 0)), times w.
    """
    _check_reduction(reduction)
    if tuple(target.shape) != tuple(input.shape):
        raise ValueError(f"Target size ({_torch_size(target.shape)}) must be the same as input "
                         f"size ({_torch_size(input.shape)})")
    softplus_of_minus_x = (1 + (-input.abs()).exp()).log() + (-input).clamp(min=0)
    log_weight = 1 if pos_weight is None else (pos_weight - 1) * target + 1
    losses = (1 - target) * input + log_weight * softplus_of_minus_x
    if weight is not None:
        losses = losses * weight
    return _reduce(losses, reduction)


def l1_loss(input: Tensor, target: Tensor, reduction: str = "mean") -> Tensor:
    """loss = reduce(|input - target|)."""
    _check_reduction(reduction)
    return _reduce((input - target).abs(), reduction)


def smooth_l1_loss(input: Tensor, target: Tensor, reduction: str = "mean",
                   beta: float = 1.0) -> Tensor:
    """loss = 0.5 d^2 / beta where |d| < beta, |d| - beta / 2 elsewhere (d = input - target;
    plain |d| for beta = 0)."""
    _check_reduction(reduction)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    diff = input - target
    if beta == 0:
        return _reduce(diff.abs(), reduction)
    size = diff.abs()
    return _reduce(ops.where(size < beta, 0.5 * diff * diff / beta, size - 0.5 * beta), reduction)


def huber_loss(input: Tensor, target: Tensor, reduction: str = "mean",
               delta: float = 1.0) -> Tensor:
    """loss = 0.5 d^2 where |d| < delta, delta (|d| - delta / 2) elsewhere."""
    _check_reduction(reduction)
    diff = input - target
    size = diff.abs()
    return _reduce(ops.where(size < delta, 0.5 * diff * diff, delta * (size - 0.5 * delta)),
                   reduction)


def kl_div(input: Tensor, target: Tensor, reduction: str = "mean",
           log_target: bool = False) -> Tensor:
    """KL divergence with ``input`` holding log-probabilities:
    loss = t (log t - input) (0 where t = 0), or exp(t) (t - input) with ``log_target``;
    ``'batchmean'`` divides the sum by the batch size (the mathematical KL), ``'mean'`` by
    the element count (with torch's warning)."""
    if reduction not in (*_REDUCTIONS, "batchmean"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if reduction == "mean":
        warnings.warn(
            "reduction: 'mean' divides the total loss by both the batch size and the support "
            "size.'batchmean' divides only by the batch size, and aligns with the KL div math "
            "definition.'mean' will be changed to behave the same as 'batchmean' in the next "
            "major release.", stacklevel=2)
    if log_target:
        losses = target.exp() * (target - input)
    else:
        positive = target > 0
        losses = target * ops.where(positive, target, 1.0).log() - target * input
    if reduction == "batchmean":
        return losses.sum() / (input.shape[0] if input.ndim else 1)
    return _reduce(losses, reduction)


# ----------------------------------------------------------------- utilities
def one_hot(tensor: Tensor, num_classes: int = -1) -> Tensor:
    """out[..., c] = 1 where c == tensor[...], else 0 (int64), with num_classes = max + 1
    when -1."""
    if tensor.dtype.name != "int64":
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if tensor.numel() and (tensor < 0).any().item():
        raise RuntimeError("Class values must be non-negative.")
    if num_classes == -1:
        if tensor.numel() == 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
        num_classes = tensor.max().item() + 1
    elif tensor.numel() and (tensor >= num_classes).any().item():
        raise RuntimeError("Class values must be smaller than num_classes.")
    classes = ops.arange(num_classes, device=tensor.device)
    return (tensor.unsqueeze(-1) == classes).long()


def normalize(input: Tensor, p: float = 2.0, dim: int = 1, eps: float = 1e-12) -> Tensor:
    """out = x / max(||x||_p, eps) along ``dim``."""
    return input / input.norm(p, dim, keepdim=True).clamp(min=eps)


def cosine_similarity(x1: Tensor, x2: Tensor, dim: int = 1, eps: float = 1e-8) -> Tensor:
    """cos = sum(x1 x2) / (max(||x1||, eps) max(||x2||, eps)) along ``dim`` (inputs
    broadcast together)."""
    norm1 = x1.norm(2, dim, keepdim=True).clamp(min=eps)
    norm2 = x2.norm(2, dim, keepdim=True).clamp(min=eps)
    return ((x1 / norm1) * (x2 / norm2)).sum(dim)
