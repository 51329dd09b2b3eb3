"""Fused optimizer updates: one launch per parameter for SGD and for Adam/AdamW.

Each kernel reads a parameter, its gradient and its optimizer state once, and writes
the parameter and the state back in place, with the arithmetic of torch's
single-tensor (``foreach=False``) implementation step by step: the same operations in
the same order, the same fused multiply-adds where torch's CPU kernels use one
(``add(alpha=)`` and ``lerp`` are FMAs; ``addcmul`` is ``fma(value * t1, t2, self)``;
``addcdiv`` is ``self + value * t1 / t2`` with no FMA), the same scalars (computed in
Python double, as torch, then rounded to the compute dtype), and a rounding to the
parameter's dtype wherever torch materialises a tensor (a no-op for fp32/fp64, so fp16
and bf16 round as torch does between its ops). Division and square root are the
correctly rounded ones (``div_rn``, ``sqrt_rn``), as torch's. The kernels launch with
``enable_fp_fusion=False``: every FMA is an explicit ``tl.fma``, and the compiler may not
fuse any other multiply and add (AdamW's ``param * (1 - lr * wd)`` followed by the update
would otherwise become one FMA on a GPU, unlike torch's two rounded ops).

Scalars travel as the int64 bit pattern of the Python double (``_bits``), so fp64
parameters get fp64 scalars (a Python float argument would reach a kernel as fp32).

Tensors: the parameter, its gradient and the state tensors share one shape and may have
any strides (collapsed to at most three dims; more dims loop over the leading index).
"""

from __future__ import annotations

import struct
from itertools import product

import torch
import triton
import triton.language as tl

from ._common import (
    FLOAT_DTYPES,
    AotBuild,
    acc_dtype,
    bf16_to_fp32,
    cdiv,
    check_dtype,
    check_same_device,
    collapse_dims,
    launch,
    round_to_bf16,
)

BLOCK = 1024
"""Elements per program (8 warps on a GPU: 4 per thread)."""
NUM_WARPS = 8


def _bits(value: float) -> int:
    """The int64 bit pattern of a Python float (an fp64), to hand a kernel an exact fp64 scalar."""
    return struct.unpack("<q", struct.pack("<d", float(value)))[0]


@triton.jit
def _scalar(bits, COMPUTE: tl.constexpr):
    """The fp64 whose bits are ``bits``, rounded to the compute dtype (as torch casts a Scalar)."""
    return bits.to(tl.int64).to(tl.float64, bitcast=True).to(COMPUTE)


@triton.jit
def _round(x, DTYPE: tl.constexpr, COMPUTE: tl.constexpr):
    """``x`` rounded (to nearest even) to the parameter's dtype, as torch stores each intermediate tensor.

    bf16 is rounded on the fp32 bits (``round_to_bf16``): Triton's interpreter converts fp32 to
    bf16 by truncation (and flushes bf16 subnormals), so ``.to(tl.bfloat16)`` would be wrong there.
    """
    if DTYPE == tl.bfloat16:
        return bf16_to_fp32(round_to_bf16(x))
    else:
        return x.to(DTYPE).to(COMPUTE)


@triton.jit
def _narrow(x, DTYPE: tl.constexpr):
    """A value to store, in the parameter's dtype (bf16 by bits, see :func:`_round`)."""
    if DTYPE == tl.bfloat16:
        return round_to_bf16(x)
    else:
        return x.to(DTYPE)


@triton.jit
def _widen(x, COMPUTE: tl.constexpr):
    """A loaded value in the compute dtype (bf16 by bits: the interpreter flushes its subnormals)."""
    if x.dtype == tl.bfloat16:
        return bf16_to_fp32(x)
    else:
        return x.to(COMPUTE)


@triton.jit
def _alpha(bits, DTYPE: tl.constexpr, COMPUTE: tl.constexpr):
    """The ``alpha`` of torch's ``add(other, alpha=)``: torch rounds it to the tensor's dtype (half too)."""
    return _round(_scalar(bits, COMPUTE), DTYPE, COMPUTE)


@triton.jit
def _div(x, y, COMPUTE: tl.constexpr):
    if COMPUTE == tl.float64:
        return x / y
    else:
        return tl.div_rn(x, y)  # fp32 `/` is an approximate division on NVIDIA GPUs


@triton.jit
def _sqrt(x, COMPUTE: tl.constexpr):
    if COMPUTE == tl.float64:
        return tl.sqrt(x)
    else:
        return tl.sqrt_rn(x)


@triton.jit
def _index(BLOCK: tl.constexpr, N, SIZE1, SIZE2):
    """This program's flat element indices (int64), their mask, and their (i0, i1, i2) coordinates."""
    idx = tl.program_id(0).to(tl.int64) * BLOCK + tl.arange(0, BLOCK)
    i2 = idx % SIZE2
    rest = idx // SIZE2
    return idx < N, rest // SIZE1, rest % SIZE1, i2


@triton.jit(do_not_specialize=["lr_bits", "momentum_bits", "one_minus_dampening_bits", "weight_decay_bits"])
def _sgd_kernel(
    param_ptr, grad_ptr, buf_ptr,
    N, SIZE1, SIZE2,
    param_s0, param_s1, param_s2, grad_s0, grad_s1, grad_s2, buf_s0, buf_s1, buf_s2,
    lr_bits, momentum_bits, one_minus_dampening_bits, weight_decay_bits,
    WEIGHT_DECAY: tl.constexpr, MOMENTUM: tl.constexpr, NESTEROV: tl.constexpr, MAXIMIZE: tl.constexpr,
    FIRST_STEP: tl.constexpr, COMPUTE: tl.constexpr, BLOCK: tl.constexpr,
):
    """One SGD step in place on BLOCK elements of a parameter and its momentum buffer.

    Grid: ``cdiv(N, BLOCK)`` programs, 1-D; each owns BLOCK consecutive elements of the
    (collapsed, up to 3-d) shape, addressed through each tensor's own strides.
    Memory per element: loads param, grad (and buf when MOMENTUM and not FIRST_STEP),
    stores param (and buf when MOMENTUM): 3-5 x sizeof(dtype) bytes.

    Formula (torch's ``_single_tensor_sgd``; fma(a, b, c) = a * b + c rounded once):
        g = -grad if maximize else grad
        g = fma(param, weight_decay, g)                      if weight_decay != 0
        buf = g (first step) else fma(g, 1 - dampening, buf * momentum)   if momentum != 0
        g = fma(buf, momentum, g) if nesterov else buf      if momentum != 0
        param = fma(g, -lr, param)
    """
    mask, i0, i1, i2 = _index(BLOCK, N, SIZE1, SIZE2)
    param_ptrs = param_ptr + i0 * param_s0 + i1 * param_s1 + i2 * param_s2
    DTYPE: tl.constexpr = param_ptr.dtype.element_ty
    param = _widen(tl.load(param_ptrs, mask=mask), COMPUTE)
    grad = _widen(tl.load(grad_ptr + i0 * grad_s0 + i1 * grad_s1 + i2 * grad_s2, mask=mask), COMPUTE)
    if MAXIMIZE:
        grad = -grad
    if WEIGHT_DECAY:
        grad = _round(tl.fma(param, _alpha(weight_decay_bits, DTYPE, COMPUTE), grad), DTYPE, COMPUTE)
    if MOMENTUM:
        buf_ptrs = buf_ptr + i0 * buf_s0 + i1 * buf_s1 + i2 * buf_s2
        momentum = _scalar(momentum_bits, COMPUTE)
        if FIRST_STEP:
            buf = grad
        else:
            buf = _round(_widen(tl.load(buf_ptrs, mask=mask), COMPUTE) * momentum, DTYPE, COMPUTE)
            buf = _round(tl.fma(grad, _alpha(one_minus_dampening_bits, DTYPE, COMPUTE), buf), DTYPE, COMPUTE)
        tl.store(buf_ptrs, _narrow(buf, DTYPE), mask=mask)
        if NESTEROV:
            grad = _round(tl.fma(buf, _alpha(momentum_bits, DTYPE, COMPUTE), grad), DTYPE, COMPUTE)
        else:
            grad = buf
    param = _round(tl.fma(grad, -_alpha(lr_bits, DTYPE, COMPUTE), param), DTYPE, COMPUTE)
    tl.store(param_ptrs, _narrow(param, DTYPE), mask=mask)


@triton.jit(do_not_specialize=[
    "lerp_weight_bits", "beta2_bits", "one_minus_beta2_bits", "neg_step_size_bits",
    "bias_correction2_sqrt_bits", "eps_bits", "weight_decay_bits", "decay_factor_bits",
])
def _adam_kernel(
    param_ptr, grad_ptr, exp_avg_ptr, exp_avg_sq_ptr, max_exp_avg_sq_ptr,
    N, SIZE1, SIZE2,
    param_s0, param_s1, param_s2, grad_s0, grad_s1, grad_s2, exp_avg_s0, exp_avg_s1, exp_avg_s2,
    exp_avg_sq_s0, exp_avg_sq_s1, exp_avg_sq_s2, max_s0, max_s1, max_s2,
    lerp_weight_bits, beta2_bits, one_minus_beta2_bits, neg_step_size_bits,
    bias_correction2_sqrt_bits, eps_bits, weight_decay_bits, decay_factor_bits,
    WEIGHT_DECAY: tl.constexpr, DECOUPLED: tl.constexpr, AMSGRAD: tl.constexpr, MAXIMIZE: tl.constexpr,
    COMPUTE: tl.constexpr, BLOCK: tl.constexpr,
):
    """One Adam (AdamW when DECOUPLED) step in place on BLOCK elements of a parameter and its state.

    Grid: ``cdiv(N, BLOCK)`` programs, 1-D, as :func:`_sgd_kernel`. Memory per element: loads
    param, grad, exp_avg, exp_avg_sq (and max_exp_avg_sq if AMSGRAD), stores param, exp_avg,
    exp_avg_sq (and max_exp_avg_sq): 7-9 x sizeof(dtype) bytes.

    Formula (torch's ``_single_tensor_adam``; scalars from the host: w = 1 - beta1,
    step_size = lr / (1 - beta1^step), bc2_sqrt = sqrt(1 - beta2^step)):
        g = -grad if maximize else grad
        param = param * (1 - lr * weight_decay)        if decoupled and weight_decay != 0
        g = fma(param, weight_decay, g)                 if not decoupled and weight_decay != 0
        exp_avg = lerp(exp_avg, g, w) = fma(w, g - exp_avg, exp_avg) if |w| < 0.5
                                        else fma(w - 1, g - exp_avg, g)
        exp_avg_sq = fma((1 - beta2) * g, g, exp_avg_sq * beta2)
        max_exp_avg_sq = maximum(max_exp_avg_sq, exp_avg_sq)        if amsgrad (NaN propagates)
        denom = sqrt(exp_avg_sq or max_exp_avg_sq) / bc2_sqrt + eps
        param = param + (-step_size * exp_avg) / denom
    """
    mask, i0, i1, i2 = _index(BLOCK, N, SIZE1, SIZE2)
    DTYPE: tl.constexpr = param_ptr.dtype.element_ty
    param_ptrs = param_ptr + i0 * param_s0 + i1 * param_s1 + i2 * param_s2
    exp_avg_ptrs = exp_avg_ptr + i0 * exp_avg_s0 + i1 * exp_avg_s1 + i2 * exp_avg_s2
    exp_avg_sq_ptrs = exp_avg_sq_ptr + i0 * exp_avg_sq_s0 + i1 * exp_avg_sq_s1 + i2 * exp_avg_sq_s2
    param = _widen(tl.load(param_ptrs, mask=mask), COMPUTE)
    grad = _widen(tl.load(grad_ptr + i0 * grad_s0 + i1 * grad_s1 + i2 * grad_s2, mask=mask), COMPUTE)
    exp_avg = _widen(tl.load(exp_avg_ptrs, mask=mask), COMPUTE)
    exp_avg_sq = _widen(tl.load(exp_avg_sq_ptrs, mask=mask), COMPUTE)
    if MAXIMIZE:
        grad = -grad
    if WEIGHT_DECAY:
        if DECOUPLED:
            param = _round(param * _scalar(decay_factor_bits, COMPUTE), DTYPE, COMPUTE)
        else:
            grad = _round(tl.fma(param, _alpha(weight_decay_bits, DTYPE, COMPUTE), grad), DTYPE, COMPUTE)

    weight = _scalar(lerp_weight_bits, COMPUTE)
    small = tl.abs(weight) < 0.5
    coefficient = tl.where(small, weight, weight - 1.0)
    exp_avg = tl.fma(coefficient, grad - exp_avg, tl.where(small, exp_avg, grad))
    exp_avg = _round(exp_avg, DTYPE, COMPUTE)

    exp_avg_sq = _round(exp_avg_sq * _scalar(beta2_bits, COMPUTE), DTYPE, COMPUTE)
    scaled_grad = _scalar(one_minus_beta2_bits, COMPUTE) * grad
    exp_avg_sq = _round(tl.fma(scaled_grad, grad, exp_avg_sq), DTYPE, COMPUTE)

    second_moment = exp_avg_sq
    if AMSGRAD:
        max_ptrs = max_exp_avg_sq_ptr + i0 * max_s0 + i1 * max_s1 + i2 * max_s2
        max_exp_avg_sq = _widen(tl.load(max_ptrs, mask=mask), COMPUTE)
        second_moment = tl.maximum(max_exp_avg_sq, exp_avg_sq, propagate_nan=tl.PropagateNan.ALL)
        tl.store(max_ptrs, _narrow(second_moment, DTYPE), mask=mask)
    denom = _round(_sqrt(second_moment, COMPUTE), DTYPE, COMPUTE)
    denom = _round(_div(denom, _scalar(bias_correction2_sqrt_bits, COMPUTE), COMPUTE), DTYPE, COMPUTE)
    denom = _round(denom + _scalar(eps_bits, COMPUTE), DTYPE, COMPUTE)
    step = _div(_scalar(neg_step_size_bits, COMPUTE) * exp_avg, denom, COMPUTE)
    param = _round(param + step, DTYPE, COMPUTE)

    tl.store(exp_avg_ptrs, _narrow(exp_avg, DTYPE), mask=mask)
    tl.store(exp_avg_sq_ptrs, _narrow(exp_avg_sq, DTYPE), mask=mask)
    tl.store(param_ptrs, _narrow(param, DTYPE), mask=mask)


# ------------------------------------------------------------------- launchers

def _check_state(name: str, param: torch.Tensor, **state: torch.Tensor) -> None:
    """Every tensor: a torch.Tensor of param's dtype, shape and device; param a float dtype, writable."""
    if not isinstance(param, torch.Tensor):
        raise TypeError(f"triton_kernels.{name}: expected a torch.Tensor param, got {type(param).__name__}")
    check_dtype(name, param, FLOAT_DTYPES)
    for label, t in state.items():
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"triton_kernels.{name}: expected a torch.Tensor {label}, got {type(t).__name__}")
        if t.dtype != param.dtype:
            raise RuntimeError(
                f"triton_kernels.{name}: {label} has dtype {t.dtype} but param has dtype {param.dtype}"
            )
        if t.shape != param.shape:
            dim = next((i for i, (x, y) in enumerate(zip(param.shape, t.shape)) if x != y), 0)
            raise RuntimeError(
                f"The size of tensor a ({param.shape[dim] if param.dim() else 1}) must match the size of "
                f"tensor b ({t.shape[dim] if t.dim() else 1}) at non-singleton dimension {dim}"
            )
    check_same_device(name, param, *state.values())


def _check_writable(*tensors: torch.Tensor) -> None:
    """torch's refusal to write in place into a tensor whose elements share memory (stride 0)."""
    for t in tensors:
        if any(stride == 0 and size > 1 for size, stride in zip(t.shape, t.stride())):
            raise RuntimeError(
                "unsupported operation: more than one element of the written-to tensor refers to a single "
                "memory location. Please clone() the tensor before performing the operation."
            )


def _launch_update(kernel, tensors: list, scalars: list, flags: dict) -> None:
    """Launch ``kernel`` over the shared shape of ``tensors`` (any strides): 3 collapsed dims a launch."""
    shape = tuple(tensors[0].shape)
    collapsed, *strides = collapse_dims(shape, *(t.stride() for t in tensors))
    if collapsed[0] == 0:
        return
    if len(collapsed) > 3:
        # rare: a layout that does not collapse to 3 dims; one launch per leading index
        for index in product(*(range(n) for n in shape[:-3])):
            _launch_update(kernel, [t[index] for t in tensors], scalars, flags)
        return
    pad = 3 - len(collapsed)
    sizes = collapsed + (1,) * pad
    n = sizes[0] * sizes[1] * sizes[2]
    args = [*tensors, n, sizes[1], sizes[2]]
    for s in strides:
        args += [*s, *(0,) * pad]
    compute = acc_dtype(tensors[0].dtype)
    launch(kernel, (cdiv(n, BLOCK),), *args, *(_bits(v) for v in scalars), **flags,
           COMPUTE=compute, BLOCK=BLOCK, num_warps=NUM_WARPS, enable_fp_fusion=False)


def sgd_step_(
    param: torch.Tensor, grad: torch.Tensor, momentum_buffer: torch.Tensor | None, *, lr: float,
    momentum: float = 0.0, dampening: float = 0.0, nesterov: bool = False, weight_decay: float = 0.0,
    maximize: bool = False, first_step: bool = False,
) -> None:
    """One SGD step in place on ``param`` (and ``momentum_buffer``), in one launch.

    Bitwise torch's single-tensor SGD: ``g = grad`` (negated if ``maximize``);
    ``g += weight_decay * param``; with momentum ``buf = g`` on the ``first_step`` (the
    buffer's old contents are ignored) else ``buf = momentum * buf + (1 - dampening) * g``,
    then ``g = g + momentum * buf`` (nesterov) or ``g = buf``; ``param -= lr * g``.
    ``momentum_buffer`` (param's shape and dtype) is required when ``momentum != 0``.
    Errors (bad hyperparameters as torch.optim.SGD, shapes, dtypes) leave every tensor unchanged.
    """
    if lr < 0.0:
        raise ValueError(f"Invalid learning rate: {lr}")
    if momentum < 0.0:
        raise ValueError(f"Invalid momentum value: {momentum}")
    if weight_decay < 0.0:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")
    if nesterov and (momentum <= 0 or dampening != 0):
        raise ValueError("Nesterov momentum requires a momentum and zero dampening")
    if momentum != 0 and momentum_buffer is None:
        raise ValueError("triton_kernels.sgd_step_: momentum != 0 needs a momentum_buffer")
    state = {"grad": grad}
    if momentum != 0:
        state["momentum_buffer"] = momentum_buffer
    _check_state("sgd_step_", param, **state)
    _check_writable(param, *([momentum_buffer] if momentum != 0 else []))
    buffer = momentum_buffer if momentum != 0 else param
    flags = {"WEIGHT_DECAY": weight_decay != 0, "MOMENTUM": momentum != 0, "NESTEROV": nesterov,
             "MAXIMIZE": maximize, "FIRST_STEP": first_step}
    _launch_update(_sgd_kernel, [param, grad, buffer], [lr, momentum, 1 - dampening, weight_decay], flags)


def adam_step_(
    param: torch.Tensor, grad: torch.Tensor, exp_avg: torch.Tensor, exp_avg_sq: torch.Tensor,
    max_exp_avg_sq: torch.Tensor | None = None, *, step: int, lr: float, beta1: float, beta2: float,
    eps: float, weight_decay: float = 0.0, decoupled: bool = False, amsgrad: bool = False,
    maximize: bool = False,
) -> None:
    """One Adam (``decoupled=True``: AdamW) step in place on ``param`` and its state, in one launch.

    Bitwise torch's single-tensor Adam at step number ``step`` (1 for the first update):
    ``g = grad`` (negated if ``maximize``); L2 ``g += weight_decay * param`` or decoupled
    ``param *= 1 - lr * weight_decay``; ``exp_avg = lerp(exp_avg, g, 1 - beta1)``;
    ``exp_avg_sq = beta2 * exp_avg_sq + (1 - beta2) * g * g``; with ``amsgrad``
    ``max_exp_avg_sq = max(max_exp_avg_sq, exp_avg_sq)`` is used below instead;
    ``denom = sqrt(exp_avg_sq) / sqrt(1 - beta2^step) + eps``;
    ``param -= lr / (1 - beta1^step) * exp_avg / denom``.
    Errors (bad hyperparameters as torch.optim.Adam, shapes, dtypes) leave every tensor unchanged.
    """
    if lr < 0.0:
        raise ValueError(f"Invalid learning rate: {lr}")
    if eps < 0.0:
        raise ValueError(f"Invalid epsilon value: {eps}")
    for i, beta in enumerate((beta1, beta2)):
        if not 0.0 <= beta < 1.0:
            raise ValueError(f"Invalid beta parameter at index {i}: {beta}")
    if weight_decay < 0.0:
        raise ValueError(f"Invalid weight_decay value: {weight_decay}")
    if int(step) != step or step < 1:
        raise ValueError(f"triton_kernels.adam_step_: step must be a positive integer, got {step}")
    if amsgrad and max_exp_avg_sq is None:
        raise ValueError("triton_kernels.adam_step_: amsgrad needs max_exp_avg_sq")
    state = {"grad": grad, "exp_avg": exp_avg, "exp_avg_sq": exp_avg_sq}
    if amsgrad:
        state["max_exp_avg_sq"] = max_exp_avg_sq
    _check_state("adam_step_", param, **state)
    _check_writable(param, exp_avg, exp_avg_sq, *([max_exp_avg_sq] if amsgrad else []))
    # the scalars exactly as torch computes them, in Python double
    step = float(step)
    bias_correction1 = 1 - beta1**step
    bias_correction2 = 1 - beta2**step
    step_size = lr / bias_correction1
    scalars = [1 - beta1, beta2, 1 - beta2, -step_size, bias_correction2**0.5, eps, weight_decay,
               1 - lr * weight_decay]
    flags = {"WEIGHT_DECAY": weight_decay != 0, "DECOUPLED": decoupled, "AMSGRAD": amsgrad,
             "MAXIMIZE": maximize}
    tensors = [param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq if amsgrad else param]
    _launch_update(_adam_kernel, tensors, scalars, flags)


# ---------------------------------------------------- ahead-of-time builds

_TRITON_TYPE = {torch.float16: "fp16", torch.bfloat16: "bf16", torch.float32: "fp32", torch.float64: "fp64"}


def _aot_build(
    kernel, n_pointers: int, n_scalars: int, flags: dict, dtype: torch.dtype, label: str
) -> AotBuild:
    """The build the JIT makes for contiguous tensors of a large size: every tensor collapses to one
    dim (SIZE1 = SIZE2 = 1 and unit strides are constants, the padding strides 0), scalars are i64."""
    names = kernel.arg_names
    ty = _TRITON_TYPE[dtype]
    constexprs = {**flags, "COMPUTE": acc_dtype(dtype), "BLOCK": BLOCK, "SIZE1": 1, "SIZE2": 1}
    signature = {}
    divisible = []
    strides = names[n_pointers + 3: len(names) - n_scalars - len(flags) - 2]
    for i, name in enumerate(names):
        if i < n_pointers:
            signature[name] = f"*{ty}"
            divisible.append(name)
        elif name in constexprs:
            signature[name] = "constexpr"
        elif name in strides:
            if strides.index(name) % 3 == 0:
                constexprs[name] = 1
                signature[name] = "constexpr"
            else:
                signature[name] = "i32"
                divisible.append(name)
        elif name == "N":
            signature[name] = "i32"
            divisible.append(name)
        else:
            signature[name] = "i64"
    return AotBuild(kernel=kernel, signature=signature, constexprs=constexprs, dtype=ty, config=label,
                    num_warps=NUM_WARPS, num_stages=1, divisible=tuple(divisible),
                    options={"enable_fp_fusion": False})


def _aot_builds() -> list[AotBuild]:
    """SGD with nesterov momentum and weight decay, Adam with every branch, AdamW: per float dtype."""
    builds = []
    for dtype in FLOAT_DTYPES:
        sgd = dict(WEIGHT_DECAY=True, MOMENTUM=True, NESTEROV=True, MAXIMIZE=False, FIRST_STEP=False)
        builds.append(_aot_build(_sgd_kernel, 3, 4, sgd, dtype, f"BLOCK={BLOCK} w{NUM_WARPS} nesterov+wd"))
        for decoupled, amsgrad in ((False, True), (True, False)):
            flags = {"WEIGHT_DECAY": True, "DECOUPLED": decoupled, "AMSGRAD": amsgrad, "MAXIMIZE": False}
            variant = ("adamw" if decoupled else "adam+l2") + ("+amsgrad" if amsgrad else "")
            label = f"BLOCK={BLOCK} w{NUM_WARPS} {variant}"
            builds.append(_aot_build(_adam_kernel, 5, 8, flags, dtype, label))
    return builds


AOT_BUILDS: list[AotBuild] = _aot_builds()
