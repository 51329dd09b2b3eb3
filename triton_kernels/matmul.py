"""Matrix multiplication: tiled, batched, any strides, with an ``addmm`` epilogue (bias, ReLU).

One kernel, :func:`_matmul_kernel`, computes ``C[b] = act(A[b] @ B[b] + bias[b])`` for every
(broadcast) batch index ``b``. Operands are read where they lie: a transposed view only
swaps two strides, so the two backward products of ``C = A @ B``,
``dA = g @ B^T`` and ``dB = A^T @ g``, are this same kernel run on transposed views,
with no copy. Broadcast batch dims have stride 0.

Precision: the accumulator is fp32 for fp16/bf16/fp32 inputs and fp64 for fp64 (so
fp64 gradcheck works). ``tl.dot`` is given ``input_precision`` explicitly: ``"ieee"``
unless the module flag :data:`allow_tf32` is True (then ``"tf32"`` for fp32 inputs),
or the caller passes ``input_precision=``. Triton's interpreter ignores the precision
(it always computes ieee-like); the choice shows only on a GPU.

On a GPU the block shape is autotuned per dtype from :data:`CONFIGS`; Triton's CPU
interpreter cannot run more than one autotune config, so when interpreting one block
shape is chosen from the problem size (large blocks, few programs).
"""

from __future__ import annotations

import math
from itertools import product

import torch
import triton
import triton.language as tl

from ._common import (
    AotBuild,
    acc_dtype,
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
)

allow_tf32 = False
"""Like ``torch.backends.cuda.matmul.allow_tf32``: when True, fp32 matmuls use TF32 tensor cores."""

SUPPORTED_DTYPES = (torch.float16, torch.bfloat16, torch.float32, torch.float64)
PRECISIONS = ("ieee", "tf32", "tf32x3")
ACTIVATIONS = (None, "relu")

# Names torch uses in its matmul dtype error ("expected m1 and m2 to have the same dtype, but got: ...").
_C_TYPE_NAME = {
    torch.float16: "c10::Half", torch.bfloat16: "c10::BFloat16", torch.float32: "float",
    torch.float64: "double", torch.int64: "long int", torch.int32: "int", torch.bool: "bool",
}
# ... and in its addmm dtype error ("self and mat2 must have the same dtype, but got Half and Float").
_SCALAR_TYPE_NAME = {
    torch.float16: "Half", torch.bfloat16: "BFloat16", torch.float32: "Float", torch.float64: "Double",
    torch.int64: "Long", torch.int32: "Int", torch.bool: "Bool",
}


def _config(block_m, block_n, block_k, group_m, num_warps, num_stages) -> triton.Config:
    meta = {"BLOCK_M": block_m, "BLOCK_N": block_n, "BLOCK_K": block_k, "GROUP_M": group_m}
    return triton.Config(meta, num_warps=num_warps, num_stages=num_stages)


CONFIGS = {
    # fp16/bf16: tensor-core tiles (mma on sm_80, wgmma on sm_90); shared memory per stage is
    # (BLOCK_M + BLOCK_N) * BLOCK_K * 2 bytes.
    "half": [
        _config(128, 256, 64, 8, 8, 3),
        _config(128, 128, 64, 8, 4, 4),
        _config(64, 128, 64, 8, 4, 4),
    ],
    # fp32 (ieee: FMA, tf32: tensor cores); 4-byte operands halve the K block.
    "fp32": [
        _config(128, 128, 32, 8, 8, 3),
        _config(64, 128, 32, 8, 4, 4),
    ],
    # fp64: an fp64 accumulator tile of 64x64 is 32 KiB of registers over 4 warps.
    "fp64": [
        _config(64, 64, 16, 8, 4, 3),
    ],
}
"""Autotune configs per dtype family; every one is compiled by ``python -m triton_kernels.inspect``."""


def _config_family(dtype: torch.dtype) -> str:
    return {torch.float16: "half", torch.bfloat16: "half", torch.float32: "fp32"}.get(dtype, "fp64")


@triton.jit
def _matmul_kernel(
    a_ptr, b_ptr, c_ptr, bias_ptr,
    M, N, K, BATCH_INNER,
    stride_a_outer, stride_a_inner, stride_a_m, stride_a_k,
    stride_b_outer, stride_b_inner, stride_b_k, stride_b_n,
    stride_c_outer, stride_c_inner, stride_c_m, stride_c_n,
    stride_bias_outer, stride_bias_inner, stride_bias_m, stride_bias_n,
    HAS_BIAS: tl.constexpr, RELU: tl.constexpr, ACC_DTYPE: tl.constexpr, INPUT_PRECISION: tl.constexpr,
    INTERPRETER_BF16: tl.constexpr,
    BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr, BLOCK_K: tl.constexpr, GROUP_M: tl.constexpr,
):
    """C[b] = act(A[b] @ B[b] + bias[b]) for one BLOCK_M x BLOCK_N tile of one batch entry.

    Grid: 1-D, ``batch * cdiv(M, BLOCK_M) * cdiv(N, BLOCK_N)`` programs; program ``pid``
    works on batch entry ``pid // tiles`` (split into outer, inner = divmod(., BATCH_INNER)
    to index two batch dims of any strides) and, inside it, on a tile chosen in grouped
    order: GROUP_M consecutive row-tiles share each column-tile, so the B columns a
    group reads stay in L2 while its A rows are reused.

    Block: a BLOCK_M x BLOCK_K tile of A and a BLOCK_K x BLOCK_N tile of B per step of the
    K loop, multiplied by ``tl.dot`` into an ACC_DTYPE (fp32, or fp64 for fp64) accumulator;
    the K tail is masked with zeros. Epilogue: + bias (any broadcast strides), then ReLU
    if RELU, cast to C's dtype, masked store.

    Memory per program: loads (BLOCK_M + BLOCK_N) * K elements of A and B (each element of
    A is read cdiv(N, BLOCK_N) times over the grid, each of B cdiv(M, BLOCK_M) times,
    mostly from L2), loads BLOCK_M * BLOCK_N bias elements if HAS_BIAS, stores BLOCK_M *
    BLOCK_N elements of C. Flops: 2 * M * N * K per batch entry.
    """
    pid = tl.program_id(0)
    tiles_m = tl.cdiv(M, BLOCK_M)
    tiles_n = tl.cdiv(N, BLOCK_N)
    batch = pid // (tiles_m * tiles_n)
    tile = pid % (tiles_m * tiles_n)
    group_size = GROUP_M * tiles_n
    first_m = (tile // group_size) * GROUP_M
    group_m = tl.minimum(tiles_m - first_m, GROUP_M)
    pid_m = first_m + (tile % group_size) % group_m
    pid_n = (tile % group_size) // group_m

    batch_outer = (batch // BATCH_INNER).to(tl.int64)
    batch_inner = (batch % BATCH_INNER).to(tl.int64)
    a_ptr += batch_outer * stride_a_outer + batch_inner * stride_a_inner
    b_ptr += batch_outer * stride_b_outer + batch_inner * stride_b_inner

    offs_m = pid_m.to(tl.int64) * BLOCK_M + tl.arange(0, BLOCK_M)
    offs_n = pid_n.to(tl.int64) * BLOCK_N + tl.arange(0, BLOCK_N)
    # Rows/cols past the edge are wrapped back in range (their results are never stored),
    # so that only the K tail needs a load mask. (Masking M and N instead costs registers:
    # the fp32-ieee and fp64 NT builds then spill 8-24 bytes.)
    rows = offs_m % M
    cols = offs_n % N
    offs_k = tl.arange(0, BLOCK_K).to(tl.int64)
    acc = tl.zeros((BLOCK_M, BLOCK_N), dtype=ACC_DTYPE)
    for k0 in range(0, K, BLOCK_K):
        ks = k0 + offs_k
        a_tile = a_ptr + rows[:, None] * stride_a_m + ks[None, :] * stride_a_k
        b_tile = b_ptr + ks[:, None] * stride_b_k + cols[None, :] * stride_b_n
        a = tl.load(a_tile, mask=ks[None, :] < K, other=0.0)
        b = tl.load(b_tile, mask=ks[:, None] < K, other=0.0)
        if INTERPRETER_BF16:
            # Triton's interpreter multiplies bf16 tiles as their uint16 bit patterns: give it fp32
            # tiles (exact for bf16, as are the products a tensor core forms before fp32 accumulation).
            a = bf16_to_fp32(a)
            b = bf16_to_fp32(b)
        acc = tl.dot(a, b, acc, input_precision=INPUT_PRECISION, out_dtype=ACC_DTYPE)

    if HAS_BIAS:
        bias_ptr += batch_outer * stride_bias_outer + batch_inner * stride_bias_inner
        bias = tl.load(bias_ptr + rows[:, None] * stride_bias_m + cols[None, :] * stride_bias_n)
        acc += bias.to(ACC_DTYPE)
    if RELU:
        # not maximum(acc, 0): NaN stays NaN and -0.0 stays -0.0, as torch.relu
        acc = tl.where(acc < 0, 0.0, acc)

    c_ptr += batch_outer * stride_c_outer + batch_inner * stride_c_inner
    c_ptrs = c_ptr + offs_m[:, None] * stride_c_m + offs_n[None, :] * stride_c_n
    if INTERPRETER_BF16:
        c = round_to_bf16(acc)  # the interpreter's own fp32 -> bf16 conversion truncates
    else:
        c = acc.to(c_ptr.dtype.element_ty)
    tl.store(c_ptrs, c, mask=(offs_m[:, None] < M) & (offs_n[None, :] < N))


_AUTOTUNED = {
    family: triton.autotune(configs=configs, key=["M", "N", "K", "INPUT_PRECISION"])(_matmul_kernel)
    for family, configs in CONFIGS.items()
}


# --------------------------------------------------------------------- checks

def _check_operands(name: str, a: torch.Tensor, b: torch.Tensor) -> None:
    """torch.matmul's checks: tensors, at least 1-D, one dtype (a float one), one device."""
    for t in (a, b):
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"triton_kernels.{name}: expected torch.Tensor operands, got {type(t).__name__}")
    if a.dim() == 0 or b.dim() == 0:
        raise RuntimeError(
            f"both arguments to matmul need to be at least 1D, but they are {a.dim()}D and {b.dim()}D"
        )
    if a.dtype != b.dtype:
        raise RuntimeError(
            "expected m1 and m2 to have the same dtype, but got: "
            f"{_C_TYPE_NAME.get(a.dtype, a.dtype)} != {_C_TYPE_NAME.get(b.dtype, b.dtype)}"
        )
    if a.dtype not in SUPPORTED_DTYPES:
        names = ", ".join(str(d) for d in SUPPORTED_DTYPES)
        raise TypeError(f"triton_kernels.{name}: unsupported dtype {a.dtype} (supported: {names})")
    check_same_device(name, a, b)


def _check_inner_sizes(a: torch.Tensor, b: torch.Tensor, batch: tuple[int, ...]) -> None:
    """Raise torch.matmul's error (worded per operand ranks, as torch) when the K sizes differ."""
    k_a, k_b = a.shape[-1], b.shape[0] if b.dim() == 1 else b.shape[-2]
    if k_a == k_b:
        return
    if a.dim() == 1 and b.dim() == 1:
        raise RuntimeError(
            f"inconsistent tensor size, expected tensor [{k_a}] and src [{k_b}] to have the same number "
            f"of elements, but got {k_a} and {k_b} elements respectively"
        )
    if b.dim() == 1:
        rows = math.prod(a.shape[:-1])
        raise RuntimeError(f"size mismatch, got input ({rows}), mat ({rows}x{k_a}), vec ({k_b})")
    if b.dim() == 2:
        rows = math.prod(a.shape[:-1])
        raise RuntimeError(
            f"mat1 and mat2 shapes cannot be multiplied ({rows}x{k_a} and {k_b}x{b.shape[-1]})"
        )
    n_batch = math.prod(batch)
    raise RuntimeError(
        "Expected size for first two dimensions of batch2 tensor to be: "
        f"[{n_batch}, {k_a}] but got: [{n_batch}, {k_b}]."
    )


def _expanded_strides(t: torch.Tensor, shape: tuple[int, ...]) -> tuple[int, ...]:
    """``t``'s strides when expanded to ``shape`` (stride 0 on broadcast dims); torch's expand errors."""
    if t.dim() > len(shape):
        raise RuntimeError(
            f"expand({t.type()}{{{list(t.shape)}}}, size={list(shape)}): the number of sizes provided "
            f"({len(shape)}) must be greater or equal to the number of dimensions in the tensor ({t.dim()})"
        )
    lead = len(shape) - t.dim()
    strides = [0] * lead
    for i, (size, stride) in enumerate(zip(t.shape, t.stride())):
        target = shape[lead + i]
        if size != target and size != 1:
            raise RuntimeError(
                f"The expanded size of the tensor ({target}) must match the existing size ({size}) at "
                f"non-singleton dimension {lead + i}.  Target sizes: {list(shape)}.  "
                f"Tensor sizes: {list(t.shape)}"
            )
        strides.append(stride if size == target else 0)
    return tuple(strides)


def _precision(dtype: torch.dtype, input_precision: str | None) -> str:
    if input_precision is not None and input_precision not in PRECISIONS:
        raise ValueError(
            f"triton_kernels.matmul: input_precision must be one of {PRECISIONS}, got {input_precision!r}"
        )
    if dtype != torch.float32:
        return "ieee"  # tf32 only exists for fp32 operands
    if input_precision is None:
        return "tf32" if allow_tf32 else "ieee"
    return input_precision


# ------------------------------------------------------------------- launcher

def _interpreter_meta(m: int, n: int, k: int) -> dict:
    """One block shape for Triton's interpreter: each program costs ~5 ms, so few large ones."""
    return {
        "BLOCK_M": block_size(m, 16, 128), "BLOCK_N": block_size(n, 16, 128),
        "BLOCK_K": block_size(k, 16, 128), "GROUP_M": 8,
    }


def _offset(t: torch.Tensor, elements: int) -> torch.Tensor:
    """A 0-d view of ``t``'s storage ``elements`` past ``t``'s first element (a base pointer);
    an empty ``t`` (K = 0: never read) as it is."""
    return t.as_strided((), (), t.storage_offset() + elements) if t.numel() else t


def _matmul(name, a, b, bias=None, activation=None, input_precision=None) -> torch.Tensor:
    """C = act(a @ b + bias) with torch.matmul's shape rules; ``bias`` broadcasts to C's shape."""
    _check_operands(name, a, b)
    if activation not in ACTIVATIONS:
        raise ValueError(
            f"triton_kernels.{name}: activation must be one of {ACTIVATIONS}, got {activation!r}"
        )
    precision = _precision(a.dtype, input_precision)
    # 1-D operands become matrices (views), as torch.matmul: a (K,) -> (1, K), b (K,) -> (K, 1).
    a_mat = a.unsqueeze(0) if a.dim() == 1 else a
    b_mat = b.unsqueeze(-1) if b.dim() == 1 else b
    batch = broadcast_shape(a_mat.shape[:-2], b_mat.shape[:-2])
    _check_inner_sizes(a, b, batch)
    m, k = a_mat.shape[-2:]
    n = b_mat.shape[-1]
    full_shape = batch + (m, n)
    if bias is not None:
        if not isinstance(bias, torch.Tensor):
            raise TypeError(f"triton_kernels.{name}: expected a torch.Tensor bias, got {type(bias).__name__}")
        if bias.dtype != b.dtype:
            raise RuntimeError(
                "self and mat2 must have the same dtype, but got "
                f"{_SCALAR_TYPE_NAME.get(bias.dtype, bias.dtype)} and "
                f"{_SCALAR_TYPE_NAME.get(b.dtype, b.dtype)}"
            )
        check_same_device(name, a, bias)
        bias_strides = _expanded_strides(bias, full_shape)
    else:
        bias_strides = (0,) * len(full_shape)

    c = torch.empty(full_shape, dtype=a.dtype, device=a.device)
    out_shape = full_shape
    if a.dim() == 1:
        out_shape = out_shape[:-2] + out_shape[-1:]
    if b.dim() == 1:
        out_shape = out_shape[:-1]
    if c.numel() == 0:
        return c.view(out_shape)

    lead = len(batch)
    a_batch = broadcast_strides(a_mat, batch + (m, k))[:lead]
    b_batch = broadcast_strides(b_mat, batch + (k, n))[:lead]
    c_batch = c.stride()[:lead]
    batch_shape, *batch_strides = collapse_dims(batch, a_batch, b_batch, c_batch, bias_strides[:lead])
    # The kernel indexes two batch dims; more (rare: non-collapsible broadcasts) loop here.
    batch_shape = (1,) * (2 - len(batch_shape)) + batch_shape
    batch_strides = [(0,) * (len(batch_shape) - len(s)) + s for s in batch_strides]
    loop_dims = len(batch_shape) - 2
    matrix_strides = (
        (a_mat.stride(-2), a_mat.stride(-1)), (b_mat.stride(-2), b_mat.stride(-1)),
        (c.stride(-2), c.stride(-1)), bias_strides[-2:],
    )
    family = _config_family(a.dtype)
    fixed = {"HAS_BIAS": bias is not None, "RELU": activation == "relu",
             "ACC_DTYPE": acc_dtype(a.dtype), "INPUT_PRECISION": precision,
             "INTERPRETER_BF16": interpreting() and a.dtype == torch.bfloat16}
    n_batch = batch_shape[-2] * batch_shape[-1]
    for index in product(*(range(size) for size in batch_shape[:loop_dims])):
        operands = []
        strides = []
        for t, bs, ms in zip((a_mat, b_mat, c, c if bias is None else bias), batch_strides, matrix_strides):
            operands.append(_offset(t, sum(i * s for i, s in zip(index, bs))) if index else t)
            strides += [*bs[loop_dims:], *ms]
        args = (*operands, m, n, k, batch_shape[-1], *strides)
        if interpreting():
            meta = _interpreter_meta(m, n, k)
            grid = (n_batch * cdiv(m, meta["BLOCK_M"]) * cdiv(n, meta["BLOCK_N"]),)
            launch(_matmul_kernel, grid, *args, **fixed, **meta)
        else:
            def grid(meta):
                return (n_batch * triton.cdiv(m, meta["BLOCK_M"]) * triton.cdiv(n, meta["BLOCK_N"]),)
            launch(_AUTOTUNED[family], grid, *args, **fixed)
    return c.view(out_shape)


def matmul(a: torch.Tensor, b: torch.Tensor, input_precision: str | None = None) -> torch.Tensor:
    """``a @ b`` with torch.matmul's rules: 1-D, 2-D and batched (broadcast batch) operands, any strides.

    Formula: ``C[..., i, j] = sum_k A[..., i, k] * B[..., k, j]``, accumulated in fp32 (fp64 for
    fp64). A 1-D ``a`` is a row ``(1, K)`` and a 1-D ``b`` a column ``(K, 1)``, their unit dim
    dropped from the result. Batch dims broadcast (stride 0, no copy); transposed or sliced
    operands are read in place. ``input_precision``: ``"ieee"`` / ``"tf32"`` / ``"tf32x3"``
    for fp32 operands (default: ``"tf32"`` if :data:`allow_tf32` else ``"ieee"``). Returns a
    new contiguous tensor of the operands' dtype. Errors are torch.matmul's.
    """
    return _matmul("matmul", a, b, input_precision=input_precision)


def addmm(
    bias: torch.Tensor, a: torch.Tensor, b: torch.Tensor, activation: str | None = None,
    input_precision: str | None = None,
) -> torch.Tensor:
    """``activation(a @ b + bias)`` in one launch: the bias add and the ReLU run in the matmul's epilogue.

    Formula: ``C[..., i, j] = act(bias[..., i, j] + sum_k A[..., i, k] * B[..., k, j])`` with
    ``bias`` broadcast to the product's shape (``(N,)`` for ``Linear``; any strides) and
    ``act`` None (identity) or ``"relu"`` (``max(x, 0)``, NaN kept). Like torch.addmm for 2-D
    operands (its errors), and it also takes :func:`matmul`'s batched operands (so a
    ``Linear`` over a 3-D input needs no reshape). Accumulation and ``input_precision`` as
    :func:`matmul`; the bias is added to the fp32 (fp64) accumulator before the one rounding.
    """
    return _matmul("addmm", a, b, bias=bias, activation=activation, input_precision=input_precision)


# ---------------------------------------------------- ahead-of-time builds

_POINTERS = ("a_ptr", "b_ptr", "c_ptr", "bias_ptr")
_SIZES = ("M", "N", "K", "BATCH_INNER")
_STRIDES = tuple(
    f"stride_{op}_{d}" for op, dims in (
        ("a", ("outer", "inner", "m", "k")), ("b", ("outer", "inner", "k", "n")),
        ("c", ("outer", "inner", "m", "n")), ("bias", ("outer", "inner", "m", "n")),
    ) for d in dims
)
# Which stride is 1 (a JIT-specialised constant) per operand layout: NN is C = A @ B on
# row-major operands; NT is dA = g @ B^T (B^T's rows are B's columns); TN is dB = A^T @ g.
_LAYOUT_UNIT_STRIDES = {
    "NN": ("stride_a_k", "stride_b_n"),
    "NT": ("stride_a_k", "stride_b_k"),
    "TN": ("stride_a_m", "stride_b_n"),
}
_TRITON_TYPE = {torch.float16: "fp16", torch.bfloat16: "bf16", torch.float32: "fp32", torch.float64: "fp64"}


def _aot_build(
    dtype: torch.dtype, config: triton.Config, layout: str, precision: str, bias: bool
) -> AotBuild:
    """The build the JIT would make for a 4096-sized (batch 1) ``layout`` problem at ``config``."""
    ty = _TRITON_TYPE[dtype]
    # batch 1 (an empty batch shape) gives the inner batch dim stride 1 and the outer stride 0
    inner = {f"stride_{op}_inner" for op in ("a", "b", "c", "bias")}
    unit = set(_LAYOUT_UNIT_STRIDES[layout]) | {"stride_c_n", "stride_bias_n"} | inner
    signature = {p: f"*{ty}" for p in _POINTERS}
    signature.update({s: "i32" for s in _SIZES})
    signature.update({s: "constexpr" if s in unit else "i32" for s in _STRIDES})
    constexprs = {s: 1 for s in unit}
    constexprs["BATCH_INNER"] = 1
    signature["BATCH_INNER"] = "constexpr"
    constexprs.update({
        "HAS_BIAS": bias, "RELU": bias, "ACC_DTYPE": acc_dtype(dtype), "INPUT_PRECISION": precision,
        "INTERPRETER_BF16": False,
    })
    constexprs.update(config.kwargs)
    for name in ("HAS_BIAS", "RELU", "ACC_DTYPE", "INPUT_PRECISION", "INTERPRETER_BF16", *config.kwargs):
        signature[name] = "constexpr"
    divisible = _POINTERS + ("M", "N", "K") + tuple(s for s in _STRIDES if s not in unit)
    kw = config.kwargs
    label = (f"{layout} {kw['BLOCK_M']}x{kw['BLOCK_N']}x{kw['BLOCK_K']} g{kw['GROUP_M']} "
             f"w{config.num_warps} s{config.num_stages}{' bias+relu' if bias else ''}")
    label += f" {precision}" if dtype == torch.float32 else ""
    return AotBuild(
        kernel=_matmul_kernel, signature=signature, constexprs=constexprs, dtype=ty, config=label,
        num_warps=config.num_warps, num_stages=config.num_stages, divisible=divisible,
    )


def _aot_builds() -> list[AotBuild]:
    """Every autotune config in the forward (NN) layout; the first per dtype also as both backward
    layouts (NT, TN) and with the addmm epilogue; fp32 both ieee and tf32."""
    builds = []
    for dtype in SUPPORTED_DTYPES:
        configs = CONFIGS[_config_family(dtype)]
        for precision in ("ieee", "tf32") if dtype == torch.float32 else ("ieee",):
            for i, config in enumerate(configs):
                builds.append(_aot_build(dtype, config, "NN", precision, bias=False))
                if i == 0:
                    for layout in ("NT", "TN"):
                        builds.append(_aot_build(dtype, config, layout, precision, bias=False))
                    builds.append(_aot_build(dtype, config, "NN", precision, bias=True))
    return builds


AOT_BUILDS: list[AotBuild] = _aot_builds()
