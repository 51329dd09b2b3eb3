"""Elementwise kernels: unary and binary ops, casts and copies, and the fused VJPs, over any strides.

Everything here runs through ONE kernel, :func:`_elementwise_kernel`: up to
four inputs (tensors of any strides, or Python scalars passed by value) and up
to two outputs, combined by a compile-time op switch, :func:`_apply`, that
writes each formula exactly once. The launcher, :func:`_launch`, broadcasts the
operands to one shape (stride 0 on broadcast dims: nothing is copied), merges
adjacent dims that are contiguous together in every operand
(:func:`triton_kernels._common.collapse_dims`), and launches the kernel
specialised on the rank left:

- rank 1 with unit strides is the contiguous fast path: offsets are the linear
  index itself (the JIT specialises a stride equal to 1 to a constant, so
  loads vectorise), no division;
- ranks 2..``MAX_RANK`` decompose the linear index into coordinates with one
  int64 div/mod per dim, shared by every operand;
- more than ``MAX_RANK`` dims that cannot be merged (rare: it takes
  ``MAX_RANK + 1`` dims that are all sliced or permuted against each other)
  launch once per index of the leading dims, on views.

Python scalars travel as 64 bits in an ``i64`` argument (a float's IEEE-754
bits, an int's value), so fp64 scalars keep all their digits, and join the
computation unrounded in the compute dtype (torch's "opmath"). Half-precision
operands compute in fp32 and round once at the store; fp64 computes in fp64.
bf16 converts by bit arithmetic (``_common.round_to_bf16``/``bf16_to_fp32``),
identical on a GPU and in the interpreter (whose own bf16 casts truncate).

The interpreter has no libdevice: tanh, expm1, log1p, gelu, atan2 and pow are
written here from exp, log, erf, sqrt and polynomials.

Public launchers (the kernel API contract): ``unary``, ``binary``, ``clamp``,
``where``, ``isclose``, ``cast``, ``copy``, ``copy_``, ``fill_``,
``unary_backward``, ``mul_backward``, ``div_backward``, ``pow_backward``.
Supported dtypes: float16, bfloat16, float32, float64, int64, bool.

Known differences from torch: an integer tensor divided (floor_divide,
remainder, fmod) by a tensor holding 0 gives an unspecified value where torch
raises "ZeroDivisionError" (a kernel cannot raise; a Python scalar 0 does
raise); torch's CPU ``add`` (unlike its ``mul``) rounds a Python scalar to
fp16/bf16 first, so fp16 ``x + 0.7`` can differ from torch on CPU by one
ulp. fp32 pow computes in fp64 (correctly rounded in practice, slower on
GPUs with few fp64 units). On a GPU, fp32 exp/log/sin/cos are Triton's
(approximate, a few ulps) where the interpreter uses numpy's, so the tests'
tolerances, not bitwise equality, are what GPU results are held to.
"""

from __future__ import annotations

import itertools
import math
import numbers
import struct
from collections.abc import Sequence

import torch
import triton
import triton.language as tl

from ._common import (
    FLOAT_DTYPES,
    AotBuild,
    bf16_to_fp32,
    block_size,
    broadcast_shape,
    broadcast_strides,
    cdiv,
    check_same_device,
    collapse_dims,
    interpreting,
    launch,
    round_to_bf16,
    tl_dtype,
)

Scalar = bool | int | float
Operand = torch.Tensor | Scalar

MAX_RANK = 5
"""Collapsed ranks with their own specialisation; more dims launch once per leading index."""

INTERPRETER_MAX_BLOCK = 1 << 16
"""Largest block in the interpreter, where a program costs milliseconds whatever its size (GPUs: 1024)."""

SUPPORTED_DTYPES = FLOAT_DTYPES + (torch.int64, torch.bool)


class UnsupportedDtypeError(TypeError, NotImplementedError):
    """An op torch does not define for a dtype: torch raises NotImplementedError, the contract TypeError."""


# ============================================================== scalar maths
# Each helper works on fp32 and fp64 blocks; fp16/bf16 reach them as fp32.
# ``tl.full(x.shape, 0, x.dtype)`` stands for ``tl.zeros_like(x)``: the same
# code on a GPU, but a builtin, where zeros_like is a jit function that the
# interpreter re-patches on every call (~2 ms each).

@triton.jit
def _div(a, b):
    """IEEE division (Triton's fp32 ``/`` is an approximate division on GPUs)."""
    if b.dtype == tl.float32:
        return tl.div_rn(a + tl.full(b.shape, 0, b.dtype), b)
    else:
        return a / b


@triton.jit
def _sqrt(x):
    """IEEE square root (``tl.sqrt`` is approximate on GPUs for fp32)."""
    if x.dtype == tl.float32:
        return tl.sqrt_rn(x)
    else:
        return tl.sqrt(x)


@triton.jit
def _expm1(x):
    """exp(x) - 1 without cancellation near 0 (Kahan): (u - 1) * x / log(u) with u = exp(x)."""
    u = tl.exp(x)
    um1 = u - 1.0
    small = tl.abs(x) < 0.5
    near = um1 * _div(x, tl.log(tl.where(small, u, 2.0)))
    return tl.where(um1 == 0.0, x, tl.where(small, near, um1))


@triton.jit
def _log1p(x):
    """log(1 + x) without cancellation near 0 (Kahan): log(u) * x / (u - 1) with u = 1 + x."""
    u = 1.0 + x
    small = tl.abs(x) < 0.5
    near = tl.log(u) * _div(x, tl.where(small, u - 1.0, 1.0))
    return tl.where(u == 1.0, x, tl.where(small, near, tl.log(u)))


@triton.jit
def _tanh(x):
    """tanh(x) = -expm1(-2|x|) / (2 + expm1(-2|x|)), with x's sign."""
    t = _expm1(-2.0 * tl.abs(x))
    r = _div(-t, 2.0 + t)
    return tl.where(x < 0, -r, r)


@triton.jit
def _sigmoid(x):
    """sigmoid(x) = 1 / (1 + exp(-x)), from e = exp(-|x|) so nothing overflows: p or e * p."""
    e = tl.exp(-tl.abs(x))
    p = _div(1.0, 1.0 + e)
    return tl.where(x >= 0, p, e * p)


@triton.jit
def _gelu_tanh_inner(x):
    """sqrt(2/pi) * (x + 0.044715 x^3), the argument of gelu's tanh form."""
    return 0.7978845608028654 * (x + 0.044715 * x * x * x)


@triton.jit
def _is_odd_integer(b):
    """b is an integer and odd (float b)."""
    return (tl.floor(b) == b) & (tl.abs(b - 2.0 * tl.floor(0.5 * b)) == 1.0)


@triton.jit
def _pow_float(a, b):
    """a ** b for floats as C's pow: |a|^b = exp2(b log2|a|) with pow's sign and special cases.

    fp32 goes through fp64 so that exp2's relative error, |b log2 a| ulps,
    stays far below an fp32 ulp (x ** 1 is x, x ** 2 is x * x after rounding).
    """
    if a.dtype == tl.float32:
        return _pow_fp64(a.to(tl.float64), b.to(tl.float64)).to(tl.float32)
    else:
        return _pow_fp64(a, b)


@triton.jit
def _pow_fp64(a, b):
    """pow in fp64, the body of :func:`_pow_float`."""
    b_integer = tl.floor(b) == b
    b_odd = _is_odd_integer(b)
    magnitude = tl.exp2(b * tl.log2(tl.abs(a)))
    a_negative = (a < 0) | ((a == 0) & (_div(1.0, a) < 0))  # -0.0 counts as negative
    r = tl.where(a_negative & b_odd, -magnitude, tl.where((a < 0) & ~b_integer, float("nan"), magnitude))
    r = tl.where((a == float("-inf")) & ~b_integer & (b == b), tl.where(b > 0, float("inf"), 0.0), r)
    r = tl.where((a == -1.0) & (tl.abs(b) == float("inf")), 1.0, r)
    return tl.where((b == 0) | (a == 1.0), 1.0, r)


@triton.jit
def _pow_int(a, b):
    """a ** b for integers by square-and-multiply over b's bits; b < 0 gives 0 except for a = +-1."""
    result = tl.full(a.shape, 1, a.dtype) + tl.full(b.shape, 0, b.dtype)
    base = a + tl.full(b.shape, 0, b.dtype)
    e = tl.maximum(b, 0)
    for _ in range(63):
        result = tl.where((e & 1) == 1, result * base, result)
        base = base * base
        e = e >> 1
    negative = tl.where(a == 1, 1, tl.where(a == -1, tl.where((b & 1) == 1, -1, 1), 0))
    return tl.where(b < 0, negative, result)


@triton.jit
def _atan(x):
    """atan(x): Cephes' range reduction (to |x| <= 0.66) and rational approximation."""
    ax = tl.abs(x)
    big = ax > 2.414213562373095  # tan(3 pi / 8)
    mid = (ax > 0.66) & ~big
    z = tl.where(big, _div(-1.0, ax), tl.where(mid, _div(ax - 1.0, ax + 1.0), ax))
    zero = tl.full(x.shape, 0, x.dtype)  # constants enter in x's dtype (a bare literal in tl.where: fp32)
    y0 = tl.where(big, zero + 1.5707963267948966, tl.where(mid, zero + 0.7853981633974483, zero))
    zz = z * z
    p = (((-8.750608600031904e-1 * zz - 1.615753718733365e1) * zz - 7.500855792314705e1) * zz
         - 1.228866684490136e2) * zz - 6.485021904942025e1
    q = ((((zz + 2.485846490142306e1) * zz + 1.650270098316988e2) * zz + 4.328810604912903e2) * zz
         + 4.853903996359137e2) * zz + 1.945506571482614e2
    r = z * zz * _div(p, q) + z
    r = r + tl.where(big, zero + 6.123233995736766e-17, tl.where(mid, zero + 3.061616997868383e-17, zero))
    r = y0 + r
    return tl.where(x < 0, -r, r)


@triton.jit
def _atan2(y, x):
    """atan2(y, x): atan(y / x) moved to the quadrant of (x, y), with C's signed zeros and infinities."""
    both_inf = (tl.abs(x) == float("inf")) & (tl.abs(y) == float("inf"))
    base = _atan(_div(tl.abs(y), tl.abs(x)))
    base = tl.where(both_inf, tl.full(base.shape, 0, base.dtype) + 0.7853981633974483, base)
    x_negative = (x < 0) | ((x == 0) & (_div(1.0, x) < 0))
    pi = tl.full(base.shape, 0, base.dtype) + 3.141592653589793  # in base's dtype, not fp32
    r = tl.where(x_negative, pi - base, base)
    r = tl.where((x == 0) & (y == 0), tl.where(x_negative, pi, 0.0), r)
    y_negative = (y < 0) | ((y == 0) & (_div(1.0, y) < 0))
    r = tl.where(y_negative, -r, r)
    return tl.where((x != x) | (y != y), x + y, r)


@triton.jit
def _round_half_even(x):
    """round(x), halves to even as torch: floor(x) + (frac > 1/2, or frac == 1/2 and floor odd)."""
    f = tl.floor(x)
    frac = x - f
    f_odd = (f - 2.0 * tl.floor(0.5 * f)) == 1.0
    up = (frac > 0.5) | ((frac == 0.5) & f_odd)
    return tl.where(up, f + 1.0, f)


@triton.jit
def _trunc(x):
    """x rounded toward zero."""
    return tl.where(x < 0, tl.ceil(x), tl.floor(x))


@triton.jit
def _sign(x):
    """sign(x) in {-1, 0, 1} (0 for nan, as torch)."""
    return (x > 0).to(x.dtype) - (x < 0).to(x.dtype)


@triton.jit
def _remainder(a, b):
    """Python's modulo: the remainder with the divisor's sign, fmod(a, b) + b when the signs differ.

    Triton's ``%`` is C's fmod on floats and C's truncating remainder on
    integers: both carry the dividend's sign.
    """
    m = a % b
    return tl.where((m != 0) & ((m < 0) != (b < 0)), m + b, m)


@triton.jit
def _floor_divide(a, b, IS_FLOAT: tl.constexpr):
    """floor(a / b) as torch: from fmod, so exact (ints: truncating division, minus 1 if signs differ)."""
    if IS_FLOAT:
        m = a % b
        d = _div(a - m, b)
        d = tl.where((m != 0) & ((b < 0) != (m < 0)), d - 1.0, d)
        fd = tl.floor(d)
        fd = tl.where(d - fd > 0.5, fd + 1.0, fd)
        zero = tl.where(_div(a, b) < 0, -0.0, 0.0)
        return tl.where(b == 0, _div(a, b), tl.where(d != 0, fd, zero))
    else:
        q = a // b
        r = a % b
        return tl.where((r != 0) & ((r < 0) != (b < 0)), q - 1, q)


@triton.jit
def _maximum(a, b):
    """max(a, b), nan if either is nan."""
    return tl.where(a != a, a, tl.where(b != b, b, tl.where(a > b, a, b)))


@triton.jit
def _minimum(a, b):
    """min(a, b), nan if either is nan."""
    return tl.where(a != a, a, tl.where(b != b, b, tl.where(a < b, a, b)))


# =================================================================== the switch

@triton.jit
def _apply(OP: tl.constexpr, x, y, z, w, IS_FLOAT: tl.constexpr):
    """Every formula, once: returns (first output, second output) of ``OP`` on inputs x, y, z, w.

    Inputs are already cast to the compute dtype (fp32 for fp16/bf16, fp64,
    int64 or bool). Single-output ops return their result twice. ``*_backward``
    ops take the upstream gradient first.
    """
    # ---- unary
    if OP == "identity":
        r = x
    elif OP == "neg":
        r = -x
    elif OP == "exp":
        r = tl.exp(x)
    elif OP == "log":
        r = tl.log(x)
    elif OP == "log1p":
        r = _log1p(x)
    elif OP == "expm1":
        r = _expm1(x)
    elif OP == "sin":
        r = tl.sin(x)
    elif OP == "cos":
        r = tl.cos(x)
    elif OP == "tan":
        r = _div(tl.sin(x), tl.cos(x))
    elif OP == "tanh":
        r = _tanh(x)
    elif OP == "sigmoid":
        r = _sigmoid(x)
    elif OP == "relu":
        r = tl.where(x < 0, 0, x)  # nan stays nan
    elif OP == "erf":
        r = tl.math.erf(x)
    elif OP == "gelu":
        r = 0.5 * x * (1.0 + tl.math.erf(x * 0.7071067811865476))
    elif OP == "gelu_tanh":
        r = 0.5 * x * (1.0 + _tanh(_gelu_tanh_inner(x)))
    elif OP == "silu":
        r = x * _sigmoid(x)
    elif OP == "sqrt":
        r = _sqrt(x)
    elif OP == "rsqrt":
        r = _div(1.0, _sqrt(x))
    elif OP == "abs":
        r = tl.where(x < 0, -x, x)
    elif OP == "sign":
        r = _sign(x)
    elif OP == "floor":
        r = tl.floor(x)
    elif OP == "ceil":
        r = tl.ceil(x)
    elif OP == "trunc":
        r = _trunc(x)
    elif OP == "round":
        r = _round_half_even(x)
    elif OP == "reciprocal":
        r = _div(1.0, x)
    elif OP == "logical_not":
        r = x == 0
    elif OP == "bitwise_not":
        r = ~x
    # ---- binary
    elif OP == "add":
        r = x + y
    elif OP == "add_scaled":  # x + alpha * y, alpha = z
        r = x + z * y
    elif OP == "sub":
        r = x - y
    elif OP == "sub_scaled":
        r = x - z * y
    elif OP == "mul":
        r = x * y
    elif OP == "div":
        r = _div(x, y)
    elif OP == "pow":
        if IS_FLOAT:
            r = _pow_float(x, y)
        else:
            r = _pow_int(x, y)
    elif OP == "maximum":
        r = _maximum(x, y)
    elif OP == "minimum":
        r = _minimum(x, y)
    elif OP == "eq":
        r = x == y
    elif OP == "ne":
        r = x != y
    elif OP == "lt":
        r = x < y
    elif OP == "le":
        r = x <= y
    elif OP == "gt":
        r = x > y
    elif OP == "ge":
        r = x >= y
    elif OP == "logical_and":
        r = (x != 0) & (y != 0)
    elif OP == "logical_or":
        r = (x != 0) | (y != 0)
    elif OP == "logical_xor":
        r = (x != 0) != (y != 0)
    elif OP == "bitwise_and":
        r = x & y
    elif OP == "bitwise_or":
        r = x | y
    elif OP == "bitwise_xor":
        r = x ^ y
    elif OP == "floor_divide":
        r = _floor_divide(x, y, IS_FLOAT)
    elif OP == "remainder":
        r = _remainder(x, y)
    elif OP == "fmod":  # the dividend's sign (see _remainder)
        r = x % y
    elif OP == "atan2":
        r = _atan2(x, y)
    # ---- with scalar parameters
    elif OP == "clamp":  # min(max(x, low), high); a nan anywhere gives nan
        r = _minimum(_maximum(x, y), z)
    elif OP == "clamp_min":
        r = _maximum(x, y)
    elif OP == "clamp_max":
        r = _minimum(x, y)
    elif OP == "where":
        r = tl.where(x != 0, y, z)
    elif OP == "isclose" or OP == "isclose_equal_nan":  # |x - y| <= atol + rtol |y|, z = rtol, w = atol
        finite = (tl.abs(x) != float("inf")) & (tl.abs(y) != float("inf"))
        r = (x == y) | (finite & (tl.abs(x - y) <= w + z * tl.abs(y)))
        if OP == "isclose_equal_nan":
            r = r | ((x != x) & (y != y))
    # ---- VJPs of unary ops: x = grad, y = saved (the output for tanh..rsqrt, else the input)
    elif OP == "tanh_backward":
        r = x * (1.0 - y * y)
    elif OP == "sigmoid_backward":
        r = x * (1.0 - y) * y
    elif OP == "relu_backward":
        r = tl.where(y <= 0, 0, x)
    elif OP == "exp_backward":
        r = x * y
    elif OP == "sqrt_backward":
        r = _div(x, 2.0 * y)
    elif OP == "rsqrt_backward":
        r = -0.5 * x * y * y * y
    elif OP == "neg_backward":
        r = -x
    elif OP == "log_backward":
        r = _div(x, y)
    elif OP == "log1p_backward":
        r = _div(x, y + 1.0)
    elif OP == "expm1_backward":
        r = x * tl.exp(y)
    elif OP == "sin_backward":
        r = x * tl.cos(y)
    elif OP == "cos_backward":
        r = -x * tl.sin(y)
    elif OP == "tan_backward":
        t = _div(tl.sin(y), tl.cos(y))
        r = x * (1.0 + t * t)
    elif OP == "erf_backward":
        r = x * 1.1283791670955126 * tl.exp(-y * y)
    elif OP == "gelu_backward":
        cdf = 0.5 * (1.0 + tl.math.erf(y * 0.7071067811865476))
        pdf = tl.exp(-0.5 * y * y) * 0.3989422804014327
        r = x * (cdf + y * pdf)
    elif OP == "gelu_tanh_backward":
        t = _tanh(_gelu_tanh_inner(y))
        inner_derivative = 0.7978845608028654 * (1.0 + 3.0 * 0.044715 * y * y)
        r = x * (0.5 * (1.0 + t) + 0.5 * y * (1.0 - t * t) * inner_derivative)
    elif OP == "silu_backward":
        s = _sigmoid(y)
        r = x * s * (1.0 + y * (1.0 - s))
    elif OP == "abs_backward":
        r = x * _sign(y)
    elif OP == "reciprocal_backward":
        r = -_div(x, y * y)
    elif OP == "zero_backward":  # sign, floor, ceil, trunc, round: zero almost everywhere
        r = tl.full(x.shape, 0, x.dtype)
    # ---- VJPs of binary ops: x = grad, y = a, z = b (w = out for pow)
    elif OP == "mul_backward":
        r = x * z
        r2 = x * y
    elif OP == "div_backward":
        r = _div(x, z)
        r2 = -x * _div(_div(y, z), z)
    elif OP == "pow_backward":
        if IS_FLOAT:
            r = tl.where(z == 0, 0.0, x * z * _pow_float(y, z - 1.0))
        else:
            r = tl.where(z == 0, 0, x * z * _pow_int(y, z - 1))
        r2 = x * tl.where((y == 0) & (z >= 0), 0.0, w * tl.log(y))
    else:
        tl.static_assert(False, "unknown elementwise op")
    if OP != "mul_backward" and OP != "div_backward" and OP != "pow_backward":
        r2 = r
    return r, r2


# =================================================================== the kernel

@triton.jit
def _strided_offsets(index, sizes, strides, RANK: tl.constexpr):
    """Memory offsets (int64) of the elements at linear ``index`` of a row-major ``sizes`` block.

    offset = sum_d coord_d * strides[d], coord_d = (index // prod(sizes[d+1:])) % sizes[d];
    rank 1 is ``index * strides[0]`` (no division).
    """
    offsets = index * strides[RANK - 1]
    if RANK > 1:
        offsets = (index % sizes[RANK - 1]) * strides[RANK - 1]
        rest = index // sizes[RANK - 1]
        for d in tl.static_range(RANK - 2, 0, -1):
            offsets += (rest % sizes[d]) * strides[d]
            rest = rest // sizes[d]
        offsets += rest * strides[0]
    return offsets


@triton.jit
def _convert(value, DTYPE: tl.constexpr):
    """``value.to(DTYPE)`` rounded as torch rounds it, on a GPU and in the interpreter alike.

    torch converts fp64 to fp16/bf16 through fp32 (rounding twice); bf16 goes
    through :func:`round_to_bf16` / :func:`bf16_to_fp32` (bit arithmetic),
    because Triton 3.9's interpreter truncates to bf16 and flushes its
    subnormals. Callers use it only where one of these cases can arise.
    """
    if value.dtype == tl.bfloat16:
        value = bf16_to_fp32(value)
    if DTYPE == tl.bfloat16:
        return round_to_bf16(value.to(tl.float32))
    elif value.dtype == tl.float64 and DTYPE.primitive_bitwidth == 16:
        return value.to(tl.float32).to(DTYPE)
    else:
        return value.to(DTYPE)


@triton.jit
def _load_operand(ptr, bits, index, mask, sizes, strides, IS_SCALAR: tl.constexpr,
                  CAST: tl.constexpr, COMPUTE: tl.constexpr, RANK: tl.constexpr):
    """One input at ``index`` cast to CAST then COMPUTE: loaded where it lies, or decoded from scalar bits.

    A Python scalar joins the computation unrounded, in COMPUTE (torch's
    "opmath": fp16 x * 0.1 multiplies by fp32 0.1, not by fp16 0.1).
    """
    if IS_SCALAR:
        if COMPUTE.is_floating():
            value = bits.to(tl.int64).to(tl.float64, bitcast=True)
        else:
            value = bits.to(tl.int64)
        return tl.broadcast_to(value, index.shape).to(COMPUTE)
    value = tl.load(ptr + _strided_offsets(index, sizes, strides, RANK), mask=mask)
    if value.dtype == tl.bfloat16 or CAST.primitive_bitwidth == 16:
        return _convert(_convert(value, CAST), COMPUTE)
    else:
        return value.to(CAST).to(COMPUTE)


@triton.jit
def _elementwise_kernel(in0, in1, in2, in3, bits0, bits1, bits2, bits3, out0, out1, n, sizes,
                        strides0, strides1, strides2, strides3, out_strides0, out_strides1,
                        OP: tl.constexpr, N_IN: tl.constexpr, SCALARS: tl.constexpr, STORE: tl.constexpr,
                        CAST: tl.constexpr, COMPUTE: tl.constexpr, CAST_FIRST: tl.constexpr,
                        RANK: tl.constexpr, BLOCK: tl.constexpr):
    """out0, out1 = OP(in0, in1, in2, in3) elementwise over ``n`` elements of shape ``sizes``.

    Grid: (cdiv(n, BLOCK),); each program handles BLOCK consecutive linear
    indices (int64) of the collapsed shape ``sizes`` (RANK dims), masked at
    the ragged end. Each tensor operand has its own strides (0 on broadcast
    dims); bit ``i`` of SCALARS marks input i as a Python scalar passed in
    ``bits{i}`` (no load); bit j of STORE says whether out{j} is written.
    Traffic per element: one load per tensor input (its dtype's bytes, fewer
    when a broadcast dim re-reads the same cache line) and one store per
    stored output. Inputs are cast to CAST then computed in COMPUTE (fp32 for
    fp16/bf16); input 0 keeps its dtype when CAST_FIRST is False (``where``'s
    condition). Outputs round once to their own dtype at the store.
    """
    pid = tl.program_id(0).to(tl.int64)
    index = pid * BLOCK + tl.arange(0, BLOCK).to(tl.int64)
    mask = index < n
    if CAST_FIRST:
        x = _load_operand(in0, bits0, index, mask, sizes, strides0, SCALARS & 1, CAST, COMPUTE, RANK)
    else:
        x = _load_operand(in0, bits0, index, mask, sizes, strides0, SCALARS & 1,
                          in0.dtype.element_ty, in0.dtype.element_ty, RANK)
    y = x
    z = x
    w = x
    if N_IN > 1:
        y = _load_operand(in1, bits1, index, mask, sizes, strides1, (SCALARS >> 1) & 1, CAST, COMPUTE, RANK)
    if N_IN > 2:
        z = _load_operand(in2, bits2, index, mask, sizes, strides2, (SCALARS >> 2) & 1, CAST, COMPUTE, RANK)
    if N_IN > 3:
        w = _load_operand(in3, bits3, index, mask, sizes, strides3, (SCALARS >> 3) & 1, CAST, COMPUTE, RANK)
    r0, r1 = _apply(OP, x, y, z, w, COMPUTE.is_floating())
    if out0.dtype.element_ty.primitive_bitwidth == 16:  # half outputs round as torch (see _convert)
        r0 = _convert(r0, out0.dtype.element_ty)
        r1 = _convert(r1, out1.dtype.element_ty)
    if STORE & 1:
        offsets = _strided_offsets(index, sizes, out_strides0, RANK)
        tl.store(out0 + offsets, r0.to(out0.dtype.element_ty), mask=mask)
    if STORE & 2:
        offsets = _strided_offsets(index, sizes, out_strides1, RANK)
        tl.store(out1 + offsets, r1.to(out1.dtype.element_ty), mask=mask)


# ================================================================= the launcher

def _compute_dtype(dtype: torch.dtype) -> torch.dtype:
    """The dtype a kernel computes in for operands cast to ``dtype``: fp32 for half types."""
    return torch.float32 if dtype in (torch.float16, torch.bfloat16) else dtype


def _scalar_bits(value: Scalar, dtype: torch.dtype) -> int:
    """A Python scalar as the kernel's i64 argument: IEEE-754 bits for float dtypes, else its value."""
    if dtype.is_floating_point:
        return struct.unpack("<q", struct.pack("<d", float(value)))[0]
    if dtype == torch.bool:
        return int(bool(value))
    if isinstance(value, float) and not math.isfinite(value):
        raise RuntimeError(f"value cannot be converted to type {_type_name(dtype)} without overflow")
    integer = int(value)
    if not -(2**63) <= integer < 2**63:
        raise RuntimeError(f"value cannot be converted to type {_type_name(dtype)} without overflow")
    return integer


def _type_name(dtype: torch.dtype) -> str:
    return {torch.int64: "int64_t", torch.bool: "bool"}.get(dtype, str(dtype).removeprefix("torch."))


def _launch(op: str, inputs: Sequence[Operand], outputs: Sequence[torch.Tensor | None], cast: torch.dtype,
            cast_first: bool = True) -> None:
    """Run ``op`` over ``inputs`` (tensors broadcast to the outputs' shape, or scalars) into ``outputs``.

    ``outputs`` holds one or two tensors of the broadcast shape (any strides;
    ``None`` for an output not wanted); inputs are cast to ``cast`` and
    computed in :func:`_compute_dtype` of it. One launch (per leading index
    when more than ``MAX_RANK`` dims remain after collapsing).
    """
    stored = [t for t in outputs if t is not None]
    shape = tuple(stored[0].shape)
    n = stored[0].numel()
    if n == 0:
        return
    tensors = [t for t in inputs if isinstance(t, torch.Tensor)] + stored
    collapsed = collapse_dims(shape, *(broadcast_strides(t, shape) for t in tensors))
    sizes, tensor_strides = collapsed[0], list(collapsed[1:])
    strides_of = {}
    for t in tensors:
        strides_of[id(t)] = tensor_strides.pop(0)
    lead = max(0, len(sizes) - MAX_RANK)
    rank = len(sizes) - lead
    zeros = (0,) * rank
    compute = _compute_dtype(cast)
    for lead_index in itertools.product(*(range(s) for s in sizes[:lead])):
        def view(t, lead_index=lead_index):
            """``t`` at this leading index, seen with the trailing (collapsed) sizes and strides."""
            if not lead:
                return t  # the kernel only needs the base pointer, and it is t's own
            strides = strides_of[id(t)]
            offset = t.storage_offset() + sum(i * s for i, s in zip(lead_index, strides[:lead]))
            return t.as_strided(sizes[lead:], strides[lead:], offset)
        ptrs, bits, strides, scalar_mask = [], [], [], 0
        for i, x in enumerate(inputs):
            if isinstance(x, torch.Tensor):
                ptrs.append(view(x))
                bits.append(0)
                strides.append(strides_of[id(x)][lead:])
            else:
                scalar_mask |= 1 << i
                ptrs.append(stored[0])
                bits.append(_scalar_bits(x, compute))
                strides.append(zeros)
        out_views = [view(t) if t is not None else stored[0] for t in outputs]
        out_strides = [strides_of[id(t)][lead:] if t is not None else zeros for t in outputs]
        pad = 4 - len(inputs)
        ptrs += [stored[0]] * pad
        bits += [0] * pad
        strides += [zeros] * pad
        out_views += [stored[0]] * (2 - len(outputs))
        out_strides += [zeros] * (2 - len(outputs))
        store = sum(1 << j for j, t in enumerate(outputs) if t is not None)
        count = math.prod(sizes[lead:])
        block = block_size(count, lo=16, hi=INTERPRETER_MAX_BLOCK) if interpreting() else 1024
        launch(_elementwise_kernel, (cdiv(count, block),), *ptrs, *bits, *out_views, count,
               tuple(sizes[lead:]), *strides, *out_strides, OP=op, N_IN=len(inputs), SCALARS=scalar_mask,
               STORE=store, CAST=tl_dtype(cast), COMPUTE=tl_dtype(compute), CAST_FIRST=cast_first,
               RANK=rank, BLOCK=block, num_warps=4 if rank == 1 else 8)


# ============================================================== argument checks

def _check_dtypes(name: str, *operands: Operand) -> None:
    for x in operands:
        if isinstance(x, torch.Tensor) and x.dtype not in SUPPORTED_DTYPES:
            names = ", ".join(str(d) for d in SUPPORTED_DTYPES)
            raise TypeError(f"triton_kernels.{name}: unsupported dtype {x.dtype} (supported: {names})")


def _check_operands(name: str, *operands: Operand) -> tuple[int, ...]:
    """Check types, dtypes and devices of ``operands``; return their broadcast shape (torch's errors)."""
    tensors = [x for x in operands if isinstance(x, torch.Tensor)]
    if not tensors:
        raise TypeError(f"triton_kernels.{name}: expected at least one tensor operand")
    for x in operands:
        if not isinstance(x, (torch.Tensor, numbers.Real)):  # numpy's real scalars too
            kind = type(x).__name__
            raise TypeError(f"triton_kernels.{name}: expected a tensor or a Python scalar, got {kind}")
    _check_dtypes(name, *tensors)
    check_same_device(name, *tensors)
    return broadcast_shape(*(t.shape for t in tensors))


def _result_type(*operands: Operand) -> torch.dtype:
    """torch's type promotion over tensors and Python scalars (``torch.result_type``'s rules, any count).

    Three priority groups, each promoted within itself: dimensioned tensors,
    0-d tensors, Python scalars (float -> the default dtype, int -> int64). A
    lower group only matters when it is of a higher category (bool < integer
    < floating) than the groups above it.
    """
    def promote(dtypes):
        result = None
        for d in dtypes:
            result = d if result is None else torch.promote_types(result, d)
        return result

    def scalar_dtype(x):
        if isinstance(x, bool):
            return torch.bool
        return torch.int64 if isinstance(x, numbers.Integral) else torch.get_default_dtype()

    def combine(higher, lower):
        if higher is None:
            return lower
        if lower is None or higher.is_floating_point:
            return higher
        if higher == torch.bool or lower.is_floating_point:
            return torch.promote_types(higher, lower)
        return higher

    tensors = [x for x in operands if isinstance(x, torch.Tensor)]
    dimensioned = promote(t.dtype for t in tensors if t.dim() > 0)
    zero_dim = promote(t.dtype for t in tensors if t.dim() == 0)
    scalars = promote(scalar_dtype(x) for x in operands if not isinstance(x, torch.Tensor))
    return combine(dimensioned, combine(zero_dim, scalars))


def _unsupported(op: str, dtype: torch.dtype) -> UnsupportedDtypeError:
    name = {torch.bool: "Bool", torch.float32: "Float", torch.float64: "Double", torch.float16: "Half",
            torch.bfloat16: "BFloat16", torch.int64: "Long"}[dtype]
    return UnsupportedDtypeError(f'"{op}" not implemented for \'{name}\'')


def _empty(shape: Sequence[int], dtype: torch.dtype, like: Sequence[Operand]) -> torch.Tensor:
    device = next(x.device for x in like if isinstance(x, torch.Tensor))
    return torch.empty(tuple(shape), dtype=dtype, device=device)


# ======================================================================== unary

FLOAT_UNARY_OPS = ("exp", "log", "log1p", "expm1", "sin", "cos", "tan", "tanh", "sigmoid", "erf", "gelu",
                   "gelu_tanh", "silu", "sqrt", "rsqrt", "reciprocal")
"""Unary ops defined on floats: integer and bool inputs compute in the default float dtype, as torch."""
ROUNDING_OPS = ("floor", "ceil", "trunc", "round")
UNARY_OPS = FLOAT_UNARY_OPS + ROUNDING_OPS + ("neg", "relu", "abs", "sign", "logical_not", "bitwise_not")


def _unary_kernel_op(op: str, dtype: torch.dtype) -> str:
    """The kernel's op for ``op`` on ``dtype`` (identity where torch returns the input), or torch's error."""
    if dtype == torch.bool:
        if op == "neg":
            raise RuntimeError(
                "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert "
                "a mask, use the `~` or `logical_not()` operator instead."
            )
        if op == "relu":
            raise RuntimeError("Boolean inputs not supported for relu")
        if op in ROUNDING_OPS or op == "abs":
            raise _unsupported(op, dtype)
        if op == "sign":
            return "identity"
        if op == "bitwise_not":
            return "logical_not"
    elif not dtype.is_floating_point and op in ROUNDING_OPS:
        return "identity"
    if dtype.is_floating_point and op == "bitwise_not":
        raise _unsupported(op, dtype)
    return op


def unary(op: str, x: torch.Tensor, dtype: torch.dtype | None = None) -> torch.Tensor:
    """``op(x)`` elementwise, a new contiguous tensor; one launch.

    ``op`` is one of :data:`UNARY_OPS`: neg exp log log1p expm1 sin cos tan
    tanh sigmoid relu erf gelu (x Phi(x) = x (1 + erf(x / sqrt 2)) / 2), gelu_tanh
    (x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) / 2), silu (x sigmoid(x)),
    sqrt rsqrt abs sign floor ceil trunc round (halves to even) reciprocal
    logical_not bitwise_not. ``dtype`` is the dtype x is cast to, computed
    in (fp32 for fp16/bf16) and returned in; by default x's dtype, or the
    default float dtype for a float op on integers or bools, as torch.
    ``logical_not`` returns bool.
    """
    if op not in UNARY_OPS:
        raise ValueError(f"triton_kernels.unary: unknown op {op!r} (expected one of {', '.join(UNARY_OPS)})")
    shape = _check_operands(f"unary({op!r})", x)
    if dtype is None:
        float_op = op in FLOAT_UNARY_OPS and not x.dtype.is_floating_point
        dtype = torch.get_default_dtype() if float_op else x.dtype
    _check_dtypes(f"unary({op!r})", torch.empty((), dtype=dtype, device="meta"))
    kernel_op = _unary_kernel_op(op, dtype)
    out = _empty(shape, torch.bool if op == "logical_not" else dtype, [x])
    _launch(kernel_op, [x], [out], dtype)
    return out


# ======================================================================= binary

FLOAT_BINARY_OPS = ("div", "atan2")
"""Binary ops defined on floats: integer and bool operands compute in the default float dtype."""
COMPARISON_OPS = ("eq", "ne", "lt", "le", "gt", "ge")
LOGICAL_OPS = ("logical_and", "logical_or", "logical_xor")
BITWISE_OPS = ("bitwise_and", "bitwise_or", "bitwise_xor")
BINARY_OPS = ("add", "sub", "mul", "div", "pow", "maximum", "minimum", "floor_divide", "remainder", "fmod",
              "atan2") + COMPARISON_OPS + LOGICAL_OPS + BITWISE_OPS
_BOOL_ARITHMETIC = {"add": "logical_or", "mul": "logical_and",
                    "maximum": "logical_or", "minimum": "logical_and"}
"""torch's arithmetic on bools is logical: True + True is True."""
_DIVISIONS = ("floor_divide", "remainder")


def _binary_kernel_op(op: str, dtype: torch.dtype, b: Operand) -> str:
    """The kernel's op for ``op`` computed in ``dtype``, or torch's error for a combination it refuses."""
    if dtype == torch.bool:
        if op in ("pow",) + _DIVISIONS + ("fmod",):
            raise _unsupported(op, dtype)
        return _BOOL_ARITHMETIC.get(op, op)
    if dtype.is_floating_point and op in BITWISE_OPS:
        raise _unsupported(op, dtype)
    if not dtype.is_floating_point and not isinstance(b, torch.Tensor):
        if op == "pow" and b < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        if op in _DIVISIONS + ("fmod",) and b == 0:
            raise RuntimeError("ZeroDivisionError")
    return op


def _check_bool_subtraction(a: Operand, b: Operand) -> None:
    """torch refuses a bool operand (tensor or Python bool) in a subtraction."""
    bools = [x.dtype == torch.bool if isinstance(x, torch.Tensor) else isinstance(x, bool) for x in (a, b)]
    if all(bools):
        raise RuntimeError(
            "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
            "`logical_xor()` operator instead."
        )
    if any(bools):
        raise RuntimeError(
            "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert "
            "a mask, use the `~` or `logical_not()` operator instead."
        )


def binary(op: str, a: Operand, b: Operand, dtype: torch.dtype | None = None,
           alpha: Scalar = 1) -> torch.Tensor:
    """``op(a, b)`` elementwise with torch's broadcasting and type promotion; one launch.

    ``a`` and ``b`` are tensors or Python scalars (at least one tensor).
    ``op`` is one of :data:`BINARY_OPS`: add (a + alpha b), sub (a - alpha b),
    mul, div (true division), pow, maximum/minimum (nan wins), eq ne lt le gt
    ge, logical_and/or/xor, bitwise_and/or/xor, floor_divide (floor(a / b)),
    remainder (a - floor(a / b) b, the divisor's sign), fmod (the dividend's
    sign), atan2. ``dtype`` is the dtype both operands are cast to before
    computing (default: ``torch.result_type(a, b)``, the default float dtype
    for div/atan2 of integers); the result has that dtype, or bool for
    comparisons and logical ops.
    """
    if op not in BINARY_OPS:
        names = ", ".join(BINARY_OPS)
        raise ValueError(f"triton_kernels.binary: unknown op {op!r} (expected one of {names})")
    shape = _check_operands(f"binary({op!r})", a, b)
    if dtype is None:
        dtype = _result_type(a, b)
        if op in FLOAT_BINARY_OPS and not dtype.is_floating_point:
            dtype = torch.get_default_dtype()
    _check_dtypes(f"binary({op!r})", torch.empty((), dtype=dtype, device="meta"))
    if op == "sub":
        _check_bool_subtraction(a, b)
    kernel_op = _binary_kernel_op(op, dtype, b)
    inputs: list[Operand] = [a, b]
    if alpha != 1:
        if op not in ("add", "sub"):
            raise TypeError(f"triton_kernels.binary: alpha is only for add and sub, not {op!r}")
        if isinstance(alpha, float) and not dtype.is_floating_point:
            raise RuntimeError(
                "For integral input tensors, argument alpha must not be a floating point number."
            )
        kernel_op += "_scaled"
        inputs.append(alpha)
    boolean = op in COMPARISON_OPS + LOGICAL_OPS
    out = _empty(shape, torch.bool if boolean else dtype, [a, b])
    _launch(kernel_op, inputs, [out], dtype)
    return out


# ================================================================ clamp, where

def clamp(x: torch.Tensor, low: Operand | None = None, high: Operand | None = None) -> torch.Tensor:
    """``min(max(x, low), high)`` elementwise (a bound of None is absent; nan anywhere gives nan); one launch.

    Bounds are Python scalars or tensors (broadcast with x, as torch). The
    result dtype is torch's promotion of x with the bounds (an integer tensor
    clamped to 0.5 becomes float). When low > high every element is high.
    """
    if low is None and high is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    bounds = [v for v in (low, high) if v is not None]
    shape = _check_operands("clamp", x, *bounds)
    dtype = _result_type(x, *bounds)
    op = "clamp" if len(bounds) == 2 else ("clamp_min" if low is not None else "clamp_max")
    if dtype == torch.bool:
        raise _unsupported("clamp", dtype)
    out = _empty(shape, dtype, [x])
    _launch(op, [x, *bounds], [out], dtype)
    return out


def where(cond: torch.Tensor, a: Operand, b: Operand, dtype: torch.dtype | None = None) -> torch.Tensor:
    """``a`` where ``cond`` else ``b``, all three broadcast together; one launch.

    ``cond`` is a bool tensor; ``a`` and ``b`` are tensors or Python scalars,
    cast to ``dtype`` (default: their promoted dtype, as torch).
    """
    if not isinstance(cond, torch.Tensor):
        raise TypeError(f"triton_kernels.where: condition must be a tensor, got {type(cond).__name__}")
    if cond.dtype != torch.bool:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor with dtype "
                           f"{_unsupported('', cond.dtype).args[0].split(chr(39))[1]}")
    shape = _check_operands("where", cond, a, b)
    if dtype is None:
        dtype = _result_type(a, b)
    out = _empty(shape, dtype, [cond])
    _launch("where", [cond, a, b], [out], dtype, cast_first=False)
    return out


def isclose(a: torch.Tensor, b: torch.Tensor, rtol: float = 1e-05, atol: float = 1e-08,
            equal_nan: bool = False) -> torch.Tensor:
    """``a == b or |a - b| <= atol + rtol |b|`` elementwise (both finite; nan == nan when ``equal_nan``).

    Both tensors must have one dtype (torch's rule); integers and bools
    compare in fp64. One launch; returns a bool tensor.
    """
    shape = _check_operands("isclose", a, b)
    if not isinstance(a, torch.Tensor) or not isinstance(b, torch.Tensor):
        raise TypeError("triton_kernels.isclose: expected two tensors")
    if a.dtype != b.dtype:
        names = [_unsupported("", d).args[0].split(chr(39))[1] for d in (a.dtype, b.dtype)]
        raise RuntimeError(f"{names[0]} did not match {names[1]}")
    if rtol < 0 or atol < 0:
        raise RuntimeError(f"{'rtol' if rtol < 0 else 'atol'} must be greater than or equal to zero, but got "
                           f"{rtol if rtol < 0 else atol}")
    dtype = a.dtype if a.dtype.is_floating_point else torch.float64
    out = _empty(shape, torch.bool, [a])
    _launch("isclose_equal_nan" if equal_nan else "isclose", [a, b, float(rtol), float(atol)], [out], dtype)
    return out


# ============================================================ casts and copies

def cast(x: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """``x`` converted to ``dtype`` as torch's ``x.to(dtype)``, a new contiguous tensor; one launch.

    Floats to integers truncate toward zero; anything to bool is ``x != 0``.
    """
    shape = _check_operands("cast", x)
    _check_dtypes("cast", torch.empty((), dtype=dtype, device="meta"))
    out = _empty(shape, dtype, [x])
    _launch("identity", [x], [out], dtype)
    return out


def copy(x: torch.Tensor) -> torch.Tensor:
    """A contiguous copy of ``x`` (same dtype), read where it lies; one launch."""
    return cast(x, x.dtype)


def _storage_span(t: torch.Tensor) -> tuple[int, int]:
    """The byte range [start, end) of ``t``'s elements in its storage."""
    start = t.storage_offset()
    end = start + sum((n - 1) * s for n, s in zip(t.shape, t.stride())) + 1
    return start * t.element_size(), end * t.element_size()


def _check_writable(dst: torch.Tensor, *sources: Operand) -> None:
    """torch's errors for a destination that aliases itself, or overlaps a source without being it."""
    if any(n > 1 and s == 0 for n, s in zip(dst.shape, dst.stride())):
        raise RuntimeError(
            "unsupported operation: more than one element of the written-to tensor refers to a single memory "
            "location. Please clone() the tensor before performing the operation."
        )
    for src in sources:
        if not isinstance(src, torch.Tensor) or src.numel() == 0 or dst.numel() == 0:
            continue
        if src.untyped_storage().data_ptr() != dst.untyped_storage().data_ptr():
            continue
        layout = (src.storage_offset(), src.stride(), src.dtype)
        same = layout == (dst.storage_offset(), dst.stride(), dst.dtype)
        (a0, a1), (b0, b1) = _storage_span(src), _storage_span(dst)
        if not same and a0 < b1 and b0 < a1:
            raise RuntimeError(
                "unsupported operation: some elements of the input tensor and the written-to tensor refer "
                "to a single memory location. Please clone() the tensor before performing the operation."
            )


def copy_(dst: torch.Tensor, src: Operand) -> torch.Tensor:
    """Write ``src`` (broadcast to ``dst.shape``, cast to ``dst.dtype``) into ``dst``; one launch.

    ``dst`` may be any strided view without self-overlap; ``src`` a tensor
    or a Python scalar. Returns ``dst``.
    """
    shape = _check_operands("copy_", dst, src)
    if tuple(shape) != tuple(dst.shape):
        raise RuntimeError(
            f"output with shape {list(dst.shape)} doesn't match the broadcast shape {list(shape)}"
        )
    _check_writable(dst, src)
    _launch("identity", [src], [dst], dst.dtype)
    return dst


def fill_(dst: torch.Tensor, value: Scalar | torch.Tensor) -> torch.Tensor:
    """Set every element of ``dst`` (any strided view) to ``value`` (a scalar or 0-d tensor); one launch."""
    if isinstance(value, torch.Tensor) and value.dim() != 0:
        raise RuntimeError(
            f"fill_ only supports 0-dimension value tensor but got tensor with {value.dim()} dimensions."
        )
    return copy_(dst, value)


# ================================================================= fused VJPs

SAVED_OUTPUT_OPS = ("tanh", "sigmoid", "relu", "exp", "sqrt", "rsqrt")
"""Unary ops whose VJP reads the forward output; every other op's VJP reads the forward input."""


def unary_backward(op: str, grad: torch.Tensor, saved: torch.Tensor) -> torch.Tensor:
    """The gradient of ``unary(op, x)``'s input from the upstream ``grad``; one launch.

    ``saved`` is the forward output y for tanh (g (1 - y^2)), sigmoid
    (g y (1 - y)), relu (g [y > 0]), exp (g y), sqrt (g / (2 y)), rsqrt
    (-g y^3 / 2), and the forward input x for the rest: neg (-g), log (g / x),
    log1p (g / (1 + x)), expm1 (g e^x), sin (g cos x), cos (-g sin x), tan
    (g (1 + tan^2 x)), erf (g 2 exp(-x^2) / sqrt(pi)), gelu (g (Phi(x) + x phi(x))), gelu_tanh (torch's
    formula), silu (g s (1 + x (1 - s)), s = sigmoid x), abs (g sign x),
    reciprocal (-g / x^2); sign, floor, ceil, trunc, round give zeros.
    """
    if op not in UNARY_OPS:
        raise ValueError(f"triton_kernels.unary_backward: unknown op {op!r}")
    if op in ("logical_not", "bitwise_not"):
        raise RuntimeError(f"the derivative for '{op}' is not implemented.")
    shape = _check_operands(f"unary_backward({op!r})", grad, saved)
    dtype = _result_type(grad, saved)
    if not dtype.is_floating_point:
        raise TypeError(f"triton_kernels.unary_backward: gradients must be floating point, got {dtype}")
    kernel_op = "zero_backward" if op in ROUNDING_OPS + ("sign",) else op + "_backward"
    out = _empty(shape, dtype, [grad])
    _launch(kernel_op, [grad, saved], [out], dtype)
    return out


def _binary_backward(op: str, grad: torch.Tensor, inputs: Sequence[Operand], need_a: bool,
                     need_b: bool) -> tuple[torch.Tensor | None, torch.Tensor | None]:
    """Both input gradients of a binary op in one launch, unreduced (broadcast shape), None if unneeded."""
    shape = _check_operands(op, grad, *inputs)
    dtype = _result_type(grad, *inputs)
    if not dtype.is_floating_point:
        raise TypeError(f"triton_kernels.{op}: gradients must be floating point, got {dtype}")
    outputs = [_empty(shape, dtype, [grad]) if need else None for need in (need_a, need_b)]
    if need_a or need_b:
        _launch(op, [grad, *inputs], outputs, dtype)
    return outputs[0], outputs[1]


def mul_backward(grad: torch.Tensor, a: Operand, b: Operand, need_a: bool = True,
                 need_b: bool = True) -> tuple[torch.Tensor | None, torch.Tensor | None]:
    """VJP of ``a * b``: (g b, g a) at the broadcast shape (the caller sums each to its input's shape)."""
    return _binary_backward("mul_backward", grad, [a, b], need_a, need_b)


def div_backward(grad: torch.Tensor, a: Operand, b: Operand, need_a: bool = True,
                 need_b: bool = True) -> tuple[torch.Tensor | None, torch.Tensor | None]:
    """VJP of ``a / b``: (g / b, -g (a / b) / b), as torch computes them, at the broadcast shape."""
    return _binary_backward("div_backward", grad, [a, b], need_a, need_b)


def pow_backward(grad: torch.Tensor, a: Operand, b: Operand, out: torch.Tensor, need_a: bool = True,
                 need_b: bool = True) -> tuple[torch.Tensor | None, torch.Tensor | None]:
    """VJP of ``out = a ** b`` as torch: (g b a^(b-1), 0 where b = 0; g out log a, 0 where a = 0, b >= 0)."""
    return _binary_backward("pow_backward", grad, [a, b, out], need_a, need_b)


# ============================================================ ahead-of-time builds

_AOT_TYPES = {torch.float16: "fp16", torch.bfloat16: "bf16", torch.float32: "fp32", torch.bool: "i1"}


def _aot_build(op: str, dtype: torch.dtype, n_in: int, rank: int, n_out: int = 1,
               out_dtype: torch.dtype | None = None) -> AotBuild:
    """The build a GPU launch of ``op`` compiles, on contiguous (rank 1) or ``rank``-d strided operands.

    Mirrors the JIT's specialisation: at rank 1 every stride is 1, a constant;
    unused operand slots hold pointers as at launch; pointers and ``n`` are
    divisible by 16 (the usual case, which lets rank 1 use 16-byte vector
    loads); BLOCK=1024, 4 warps at rank 1 and 8 when strided (int64 div/mod
    need the registers).
    """
    pointer = "*" + _AOT_TYPES[dtype]
    out_pointer = "*" + _AOT_TYPES[out_dtype or dtype]
    tuple_type = ("i64",) * rank
    names = [f"in{i}" for i in range(4)] + [f"bits{i}" for i in range(4)] + ["out0", "out1", "n", "sizes"]
    names += [f"strides{i}" for i in range(4)] + ["out_strides0", "out_strides1"]
    signature = {name: pointer for name in names[:4]}
    signature.update({name: "i64" for name in names[4:8]})
    signature.update({"out0": out_pointer, "out1": out_pointer, "n": "i64", "sizes": tuple_type})
    signature.update({name: tuple_type for name in names[12:]})
    constexprs = {"OP": op, "N_IN": n_in, "SCALARS": 0, "STORE": (1 << n_out) - 1, "CAST": tl_dtype(dtype),
                  "COMPUTE": tl_dtype(_compute_dtype(dtype)), "CAST_FIRST": True, "RANK": rank,
                  "BLOCK": 1024}
    signature.update({name: "constexpr" for name in constexprs})
    if rank == 1:
        used = list(range(12, 12 + n_in)) + list(range(16, 16 + n_out))
        constexprs.update({(index, 0): 1 for index in used})
    return AotBuild(kernel=_elementwise_kernel, signature=signature, constexprs=constexprs,
                    dtype=_AOT_TYPES[dtype], config=f"{op} rank={rank} BLOCK=1024",
                    num_warps=4 if rank == 1 else 8, num_stages=1,
                    divisible=tuple(names[:4]) + ("out0", "out1", "n"))


_AOT_OPS = {  # op: (inputs, outputs)
    "identity": (1, 1), "add": (2, 1), "mul": (2, 1), "div": (2, 1), "exp": (1, 1), "log": (1, 1),
    "tanh": (1, 1), "sigmoid": (1, 1), "relu": (1, 1), "gelu": (1, 1), "silu": (1, 1),
    "tanh_backward": (2, 1), "gelu_backward": (2, 1), "mul_backward": (3, 2), "div_backward": (3, 2),
}
AOT_BUILDS: list[AotBuild] = [
    _aot_build(op, dtype, n_in, 1, n_out)
    for dtype in (torch.float16, torch.bfloat16, torch.float32)
    for op, (n_in, n_out) in _AOT_OPS.items()
] + [
    _aot_build(op, dtype, n_in, MAX_RANK)
    for dtype in (torch.float16, torch.bfloat16, torch.float32)
    for op, n_in in (("identity", 1), ("add", 2))
] + [
    _aot_build("pow", torch.float32, 2, 1),
    _aot_build("atan2", torch.float32, 2, 1),
    _aot_build("lt", torch.float32, 2, 1, out_dtype=torch.bool),
]
"""Shipped (op, dtype, layout) builds: ``python -m triton_kernels.inspect`` compiles them for sm_80/sm_90."""
