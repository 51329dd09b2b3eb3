"""Reductions: sum, mean, prod, amax/amin, max/min with indices, arg*, var/std, logsumexp, all/any, norm.

Every reduction is a row reduction. The launcher looks at the input through a
stride-aware view (metadata only, never a copy): the kept dims in their
order make the *rows*, the reduced dims in their order make each row's
*columns*, and each group is collapsed (:func:`collapse_dims`) to at most four
strided dims. One kernel launch then reduces every row: a program owns
``BLOCK_M`` rows and loops over their columns ``BLOCK_N`` at a time, keeping
one accumulator per (row, lane) and combining the lanes at the end, so the
order of additions is fixed by the shapes alone (deterministic, no atomics).

Accumulators are fp32 for fp16/bf16/fp32, fp64 for fp64 and int64 for
integers and bool (as torch sums integers). ``var``/``std`` use a shifted
two-pass formula whose first pass is shifted by the row's first element, so
equal values give exactly 0 (as torch's Welford); ``logsumexp`` is the stable
``m + log(sum(exp(x - m)))``; max/min propagate nan and pick the first
occurrence on ties, as torch.

Two kernels serve everything: :func:`_reduce_rows_kernel` (sums, products,
logical folds, norms, logsumexp, var) and :func:`_extremum_rows_kernel`
(max/min values and indices). ``sum_to_shape`` (undoing broadcasting in a
backward) is one launch of the first.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import triton
import triton.language as tl

from ._common import (
    AotBuild,
    acc_dtype,
    block_size,
    cdiv,
    check_dtype,
    collapse_dims,
    interpreting,
    launch,
    round_to_bf16,
    tl_dtype,
    wrap_dim,
)

# the ops of _reduce_rows_kernel (constexpr codes)
_SUM = tl.constexpr(0)
_PROD = tl.constexpr(1)
_ALL = tl.constexpr(2)
_ANY = tl.constexpr(3)
_MEAN = tl.constexpr(4)
_NORM0 = tl.constexpr(5)  # count of nonzeros
_NORM1 = tl.constexpr(6)  # sum |x|
_NORM2 = tl.constexpr(7)  # sqrt(sum x^2)
_NORMP = tl.constexpr(8)  # (sum |x|^p)^(1/p)
_LOGSUMEXP = tl.constexpr(9)
_VAR = tl.constexpr(10)
_STD = tl.constexpr(11)
_ALL_FINITE = tl.constexpr(12)

REDUCE_OPS = ("sum", "mean", "prod", "amax", "amin", "all", "any", "logsumexp")

# the same codes, by name, for the launchers
_OP_CODE = {
    "sum": 0, "prod": 1, "all": 2, "any": 3, "mean": 4, "norm0": 5, "norm1": 6, "norm2": 7, "normp": 8,
    "logsumexp": 9, "var": 10, "std": 11, "all_finite": 12,
}
MAX_STRIDED_DIMS = 4  # strided dims per group (kept / reduced) after collapsing
_NUM_WARPS = 8  # for a 4096-element tile: 16 elements per thread
_ALL_DTYPES = (
    torch.float16, torch.bfloat16, torch.float32, torch.float64,
    torch.int8, torch.int16, torch.int32, torch.int64, torch.uint8, torch.bool,
)
_FLOATS = (torch.float16, torch.bfloat16, torch.float32, torch.float64)
_HALVES = (torch.float16, torch.bfloat16)


# --------------------------------------------------------------------- kernels

@triton.jit
def unravel(lin, n1, n2, n3, RANK: tl.constexpr):
    """Row-major coordinates ``(c0, c1, c2, c3)`` of the int64 linear index ``lin`` over ``(n0, n1, n2, n3)``.

    Only the last ``RANK`` dims are real (the others have size 1, coordinate
    0), and ``n0`` is never needed: c3 = lin % n3, c2 = lin // n3 % n2, ...
    """
    zero = lin * 0
    if RANK == 1:
        c3, c2, c1, c0 = lin, zero, zero, zero
    else:
        c3 = lin % n3
        rest = lin // n3
        if RANK == 2:
            c2, c1, c0 = rest, zero, zero
        else:
            c2 = rest % n2
            rest = rest // n2
            if RANK == 3:
                c1, c0 = rest, zero
            else:
                c1 = rest % n1
                c0 = rest // n1
    return c0, c1, c2, c3


@triton.jit
def strided_offset(lin, n1, n2, n3, s0, s1, s2, s3, RANK: tl.constexpr):
    """Memory offset of the linear index ``lin`` over a strided shape: sum_d unravel(lin)_d * s_d."""
    if RANK == 1:
        off = lin * s3
    else:
        c0, c1, c2, c3 = unravel(lin, n1, n2, n3, RANK)
        off = c0 * s0 + c1 * s1 + c2 * s2 + c3 * s3
    return off


@triton.jit
def rounded_for(value, ptr):
    """``value`` converted for a store through ``ptr``: to nearest (even) on every backend.

    bf16 goes through :func:`round_to_bf16` (the interpreter's own
    conversion truncates); other dtypes convert directly.
    """
    if ptr.dtype.element_ty == tl.bfloat16:
        out = round_to_bf16(value.to(tl.float32))
    else:
        out = value.to(ptr.dtype.element_ty)
    return out


@triton.jit
def _load_tile(x_ptr, row_off, row_mask, cols, n_cols, cn1, cn2, cn3, cs0, cs1, cs2, cs3,
               COL_RANK: tl.constexpr, CAST: tl.constexpr, ACC: tl.constexpr):
    """Load the (rows x cols) tile of x as ACC (through CAST), with its mask (masked elements read 0)."""
    mask = row_mask[:, None] & (cols < n_cols)[None, :]
    off = row_off[:, None] + strided_offset(cols, cn1, cn2, cn3, cs0, cs1, cs2, cs3, COL_RANK)[None, :]
    return tl.load(x_ptr + off, mask=mask, other=0).to(CAST).to(ACC), mask


@triton.jit
def _reduce_rows_kernel(
    x_ptr, out_ptr, n_rows, n_cols,
    rn1, rn2, rn3, rs0, rs1, rs2, rs3,
    cn1, cn2, cn3, cs0, cs1, cs2, cs3,
    p, correction,
    OP: tl.constexpr, ROW_RANK: tl.constexpr, COL_RANK: tl.constexpr,
    ACC: tl.constexpr, CAST: tl.constexpr, BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr,
):
    """Reduce each row of a strided (rows x columns) view of ``x`` to one value.

    Grid: ``cdiv(n_rows, BLOCK_M)`` programs; program ``i`` owns rows
    ``[i*BLOCK_M, (i+1)*BLOCK_M)`` and loops over their ``n_cols`` columns
    in ``BLOCK_N`` tiles (two loops for logsumexp and var/std). Row ``r``'s
    column ``c`` lives at ``offset_rows(r) + offset_cols(c)`` (each a strided
    index over at most four dims). Traffic: one load of each element per loop
    (bytes = itemsize), one store per row.

    Formulas, with ``a = x.to(CAST).to(ACC)`` over a row of n elements:
    sum = sum a; mean = sum a / n; prod = prod a; all = prod (a != 0);
    any = max (a != 0); norm0 = sum (a != 0); norm1 = sum |a|; norm2 =
    sqrt(sum a^2); normp = (sum |a|^p)^(1/p); logsumexp = m + log(sum exp(a
    - m)) with m = max a (0 when |m| = inf); var = (sum d^2 - (sum d)^2 / n)
    / max(n - correction, 0) with d = a - K, K = x0 + sum (a - x0) / n (so
    equal values give exactly 0); std = sqrt(var); all_finite = all(a - a == 0).
    """
    pid = tl.program_id(0).to(tl.int64)
    rows = pid * BLOCK_M + tl.arange(0, BLOCK_M).to(tl.int64)
    row_mask = rows < n_rows
    row_off = strided_offset(rows, rn1, rn2, rn3, rs0, rs1, rs2, rs3, ROW_RANK)
    lanes = tl.arange(0, BLOCK_N).to(tl.int64)
    n = n_cols.to(ACC)

    shift = tl.zeros([BLOCK_M], ACC)
    if OP == _LOGSUMEXP:
        run = tl.full([BLOCK_M, BLOCK_N], float("-inf"), ACC)
        for start in range(0, n_cols, BLOCK_N):
            a, mask = _load_tile(x_ptr, row_off, row_mask, start + lanes, n_cols,
                                 cn1, cn2, cn3, cs0, cs1, cs2, cs3, COL_RANK, CAST, ACC)
            run = tl.maximum(run, tl.where(mask, a, float("-inf")))
        shift = tl.max(run, axis=1)
        shift = tl.where(tl.abs(shift) == float("inf"), 0.0, shift).to(ACC)
    if (OP == _VAR) | (OP == _STD):
        first = tl.load(x_ptr + row_off, mask=row_mask & (rows * 0 < n_cols), other=0).to(CAST).to(ACC)
        run = tl.zeros([BLOCK_M, BLOCK_N], ACC)
        for start in range(0, n_cols, BLOCK_N):
            a, mask = _load_tile(x_ptr, row_off, row_mask, start + lanes, n_cols,
                                 cn1, cn2, cn3, cs0, cs1, cs2, cs3, COL_RANK, CAST, ACC)
            run += tl.where(mask, a - first[:, None], 0)
        shift = first + tl.sum(run, axis=1) / n

    if (OP == _PROD) | (OP == _ALL) | (OP == _ALL_FINITE):
        acc = tl.full([BLOCK_M, BLOCK_N], 1, ACC)
    else:
        acc = tl.zeros([BLOCK_M, BLOCK_N], ACC)
    acc2 = tl.zeros([BLOCK_M, BLOCK_N], ACC)
    for start in range(0, n_cols, BLOCK_N):
        a, mask = _load_tile(x_ptr, row_off, row_mask, start + lanes, n_cols,
                             cn1, cn2, cn3, cs0, cs1, cs2, cs3, COL_RANK, CAST, ACC)
        if (OP == _SUM) | (OP == _MEAN):
            acc += a
        elif OP == _PROD:
            acc *= tl.where(mask, a, 1)
        elif OP == _ALL:
            acc = tl.where(mask & (a == 0), 0, acc)
        elif OP == _ALL_FINITE:
            acc = tl.where(mask & ((a - a) != 0), 0, acc)
        elif OP == _ANY:
            acc = tl.where(mask & (a != 0), 1, acc)
        elif OP == _NORM0:
            acc += tl.where(mask & (a != 0), 1.0, 0.0).to(ACC)
        elif OP == _NORM1:
            acc += tl.abs(a)
        elif OP == _NORM2:
            acc += a * a
        elif OP == _NORMP:
            magnitude = tl.abs(a)
            powered = tl.exp2(p * tl.log2(tl.where(magnitude == 0, 1, magnitude)))
            powered = tl.where(magnitude == 0, tl.where(p > 0, 0.0, float("inf")), powered)
            acc += tl.where(mask, powered, 0)
        elif OP == _LOGSUMEXP:
            acc += tl.where(mask, tl.exp(a - shift[:, None]), 0)
        else:  # var, std
            d = tl.where(mask, a - shift[:, None], 0)
            acc += d * d
            acc2 += d

    if (OP == _PROD) | (OP == _ALL) | (OP == _ALL_FINITE):
        result = tl.reduce(acc, 1, _multiply)
    elif OP == _ANY:
        result = tl.max(acc, axis=1)
    else:
        result = tl.sum(acc, axis=1)
    if OP == _MEAN:
        result = result / n
    elif OP == _NORM2:
        result = tl.sqrt(result)
    elif OP == _NORMP:
        root = tl.exp2(tl.log2(tl.where(result == 0, 1, result)) / p)
        result = tl.where(result == 0, tl.where(p > 0, 0.0, float("inf")), root).to(ACC)
    elif OP == _LOGSUMEXP:
        result = tl.log(result) + shift
    elif (OP == _VAR) | (OP == _STD):
        total = tl.sum(acc2, axis=1)
        result = (result - total * total / n) / tl.maximum(n - correction, 0.0).to(ACC)
        if OP == _STD:
            result = tl.sqrt(result)
    tl.store(out_ptr + rows, rounded_for(result, out_ptr), mask=row_mask)


@triton.jit
def _multiply(a, b):
    return a * b


@triton.jit
def _extremum_rows_kernel(
    x_ptr, values_ptr, indices_ptr, n_rows, n_cols,
    rn1, rn2, rn3, rs0, rs1, rs2, rs3,
    cn1, cn2, cn3, cs0, cs1, cs2, cs3,
    lowest,
    IS_MAX: tl.constexpr, ABS: tl.constexpr, STORE_VALUES: tl.constexpr, STORE_INDICES: tl.constexpr,
    IS_FLOAT: tl.constexpr, CMP: tl.constexpr,
    ROW_RANK: tl.constexpr, COL_RANK: tl.constexpr, BLOCK_M: tl.constexpr, BLOCK_N: tl.constexpr,
):
    """Max (or min) of each row of a strided (rows x columns) view, with its first index.

    Grid: ``cdiv(n_rows, BLOCK_M)`` programs, each owning ``BLOCK_M`` rows and
    looping over their columns ``BLOCK_N`` at a time. Each (row, lane) keeps
    its best value and that value's column; a later column replaces it only
    when strictly better or when it is the first nan, so each lane keeps its
    first occurrence; the lanes then combine to the row's extremum and the
    smallest column holding it. Values are compared in ``CMP``: x's own
    dtype (exact, also for int64), fp32 for fp16/bf16 (exact too). Traffic:
    one load per element (itemsize bytes), one value store (itemsize) and
    one index store (8 bytes) per row.

    Formula: value = max_c v[c] (nan if any v[c] is nan), index = min{c :
    v[c] == value (or is nan)}, with v = |x| when ABS (the inf-norms), and
    ``lowest`` the value no element is below (above, for min).
    """
    pid = tl.program_id(0).to(tl.int64)
    rows = pid * BLOCK_M + tl.arange(0, BLOCK_M).to(tl.int64)
    row_mask = rows < n_rows
    row_off = strided_offset(rows, rn1, rn2, rn3, rs0, rs1, rs2, rs3, ROW_RANK)
    lanes = tl.arange(0, BLOCK_N).to(tl.int64)
    unseen = 9223372036854775807  # int64 max: the lane has seen no column yet

    best = tl.full([BLOCK_M, BLOCK_N], lowest, CMP)
    best_col = tl.full([BLOCK_M, BLOCK_N], unseen, tl.int64)
    for start in range(0, n_cols, BLOCK_N):
        cols = start + lanes
        mask = row_mask[:, None] & (cols < n_cols)[None, :]
        off = row_off[:, None] + strided_offset(cols, cn1, cn2, cn3, cs0, cs1, cs2, cs3, COL_RANK)[None, :]
        v = tl.load(x_ptr + off, mask=mask, other=lowest).to(CMP)
        if ABS:
            v = tl.abs(v)
        if IS_MAX:
            better = v > best
        else:
            better = v < best
        take = mask & (better | ((v != v) & (best == best)) | (best_col == unseen))
        best = tl.where(take, v, best)
        best_col = tl.where(take, cols[None, :], best_col)

    is_nan = best != best
    row_has_nan = tl.max(is_nan.to(tl.int32), axis=1) > 0
    finite_best = tl.where(is_nan, lowest, best)
    if IS_MAX:
        value = tl.max(finite_best, axis=1)
    else:
        value = tl.min(finite_best, axis=1)
    holds = tl.where(row_has_nan[:, None], is_nan, best == value[:, None])
    index = tl.min(tl.where(holds, best_col, unseen), axis=1)
    if STORE_VALUES:
        if IS_FLOAT:
            value = tl.where(row_has_nan, float("nan"), value)
        tl.store(values_ptr + rows, value.to(values_ptr.dtype.element_ty), mask=row_mask)
    if STORE_INDICES:
        tl.store(indices_ptr + rows, index, mask=row_mask)


# ------------------------------------------------------------------ launchers

def check_tensor(name: str, x, allowed=_ALL_DTYPES) -> None:
    """TypeError unless ``x`` is a torch.Tensor of an ``allowed`` dtype (the error names the dtype)."""
    if not isinstance(x, torch.Tensor):
        raise TypeError(f"triton_kernels.{name}: expected a torch.Tensor, got {type(x).__name__}")
    check_dtype(name, x, allowed)


def _normalize_dims(x: torch.Tensor, dims) -> tuple[int, ...]:
    """The reduced dims in the caller's order: all for None or (), else each wrapped; duplicates raise."""
    if dims is None:
        return tuple(range(x.dim()))
    if isinstance(dims, int):
        dims = (dims,)
    wrapped = [wrap_dim(d, x.dim()) for d in dims]
    if not wrapped:
        return tuple(range(x.dim()))
    for i, d in enumerate(wrapped):
        if d in wrapped[:i]:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    return tuple(d for d in wrapped if d < x.dim())


def _dims_given(dims) -> bool:
    """Whether the caller named reduction dims (None and () mean all dims)."""
    return isinstance(dims, int) or (dims is not None and len(tuple(dims)) > 0)


def _output_shape(x: torch.Tensor, dims: tuple[int, ...], keepdim: bool) -> tuple[int, ...]:
    if keepdim:
        return tuple(1 if d in dims else n for d, n in enumerate(x.shape))
    return tuple(n for d, n in enumerate(x.shape) if d not in dims)


def padded_dims(shape: Sequence[int], *strides: Sequence[int]) -> tuple[int, tuple, tuple]:
    """(rank, sizes n1..n3, strides s0..s3 per operand) of a shape collapsed over every operand's strides.

    The kernels' :func:`unravel` form: at most four dims, padded on the left
    with size-1 dims of stride 0; ``NotImplementedError`` when more than four
    dims remain after :func:`collapse_dims`.
    """
    collapsed = collapse_dims(shape, *strides)
    cshape, cstrides = collapsed[0], collapsed[1:]
    rank = len(cshape)
    if rank > MAX_STRIDED_DIMS:
        raise NotImplementedError(
            f"triton_kernels: {rank} strided dims remain after collapsing {tuple(shape)} "
            f"(at most {MAX_STRIDED_DIMS})"
        )
    pad = MAX_STRIDED_DIMS - rank
    sizes = ((1,) * pad + tuple(cshape))[1:]
    return rank, sizes, tuple((0,) * pad + tuple(st) for st in cstrides)


def _group(shape: Sequence[int], strides: Sequence[int]) -> tuple[int, int, tuple[int, ...]]:
    """(count, rank, kernel args) of one group of dims: sizes n1..n3, strides s0..s3."""
    rank, sizes, (padded_strides,) = padded_dims(shape, strides)
    return math.prod(shape), rank, sizes + padded_strides


def _row_view(x: torch.Tensor, dims: tuple[int, ...]):
    """(n_rows, n_cols, row_rank, col_rank, args): x as rows (kept dims) by columns (reduced dims)."""
    kept = [d for d in range(x.dim()) if d not in dims]
    dims = sorted(dims)
    n_rows, row_rank, row_args = _group([x.shape[d] for d in kept], [x.stride(d) for d in kept])
    n_cols, col_rank, col_args = _group([x.shape[d] for d in dims], [x.stride(d) for d in dims])
    return n_rows, n_cols, row_rank, col_rank, row_args + col_args


def tile_elements() -> int:
    """Elements per program tile: 4096 on a GPU, 16384 in the interpreter (where each program costs ~5 ms).

    Tests lower it (monkeypatch) to force many programs and many loop trips on small shapes.
    """
    return 16384 if interpreting() else 4096


def _blocks(n_rows: int, n_cols: int, args: tuple) -> tuple[int, int]:
    """(BLOCK_M, BLOCK_N): a power-of-two tile of at most :func:`tile_elements` elements.

    Columns first (a program owns whole short rows), except when the rows are
    the contiguous axis and the columns strided (a reduction over a leading
    dim): then up to 64 rows per program, so that each column step reads a
    contiguous run of memory.
    """
    tile = tile_elements()
    row_stride, col_stride = args[6], args[13]
    if row_stride == 1 and col_stride != 1 and n_rows > 1:
        block_m = block_size(n_rows, lo=1, hi=min(64, tile))
        return block_m, block_size(n_cols, lo=1, hi=max(1, tile // block_m))
    block_n = block_size(n_cols, lo=1, hi=tile)
    return block_size(n_rows, lo=1, hi=tile // block_n), block_n


def _launch_rows(op: str, x: torch.Tensor, dims, keepdim: bool, out_dtype, cast_dtype,
                 p: float = 2.0, correction: float = 0.0) -> torch.Tensor:
    out = torch.empty(_output_shape(x, dims, keepdim), dtype=out_dtype, device=x.device)
    n_rows, n_cols, row_rank, col_rank, args = _row_view(x, dims)
    if n_rows == 0:
        return out
    if out_dtype in _FLOATS or cast_dtype in _FLOATS:
        acc = acc_dtype(torch.float64 if torch.float64 in (out_dtype, cast_dtype) else torch.float32)
    else:
        acc = tl.int64
    block_m, block_n = _blocks(n_rows, n_cols, args)
    launch(
        _reduce_rows_kernel, (cdiv(n_rows, block_m),),
        x, out, n_rows, n_cols, *args, float(p), float(correction),
        OP=_OP_CODE[op], ROW_RANK=row_rank, COL_RANK=col_rank, ACC=acc, CAST=tl_dtype(cast_dtype),
        BLOCK_M=block_m, BLOCK_N=block_n, num_warps=_NUM_WARPS,
    )
    return out


def _empty_extremum_error(name: str, x: torch.Tensor, dims: tuple[int, ...], dim_given: bool):
    if not dim_given:
        if name in ("argmax", "argmin"):
            return IndexError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0.")
        return RuntimeError(
            f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
            "Specify the reduction dim with the 'dim' argument."
        )
    empty_dim = next(d for d in dims if x.shape[d] == 0)
    return IndexError(f"{name}(): Expected reduction dim {empty_dim} to have non-zero size.")


def _lowest(dtype: torch.dtype, is_max: bool):
    """The value no element of ``dtype`` is below (for max) or above (for min)."""
    if dtype == torch.bool:
        return 0 if is_max else 1
    if dtype in _FLOATS:
        return float("-inf") if is_max else float("inf")
    info = torch.iinfo(dtype)
    return info.min if is_max else info.max


def _extremum(name: str, x: torch.Tensor, dims, keepdim: bool, *, is_max: bool, values: bool, indices: bool,
              dim_given: bool, absolute: bool = False):
    """Launch :func:`_extremum_rows_kernel`; returns (values or None, indices or None)."""
    out_shape = _output_shape(x, dims, keepdim)
    n_rows, n_cols, row_rank, col_rank, args = _row_view(x, dims)
    if n_cols == 0:
        raise _empty_extremum_error(name, x, dims, dim_given)
    value_out = torch.empty(out_shape, dtype=x.dtype, device=x.device) if values else None
    index_out = torch.empty(out_shape, dtype=torch.int64, device=x.device) if indices else None
    if n_rows == 0:
        return value_out, index_out
    block_m, block_n = _blocks(n_rows, n_cols, args)
    launch(
        _extremum_rows_kernel, (cdiv(n_rows, block_m),), x,
        value_out if values else x, index_out if indices else x, n_rows, n_cols, *args,
        _lowest(x.dtype, is_max),
        IS_MAX=is_max, ABS=absolute, STORE_VALUES=values, STORE_INDICES=indices,
        IS_FLOAT=x.dtype in _FLOATS, CMP=tl.float32 if x.dtype in _HALVES else tl_dtype(x.dtype),
        ROW_RANK=row_rank, COL_RANK=col_rank, BLOCK_M=block_m, BLOCK_N=block_n, num_warps=_NUM_WARPS,
    )
    return value_out, index_out


def reduce(op: str, x: torch.Tensor, dims=None, keepdim: bool = False, dtype: torch.dtype | None = None):
    """Reduce ``x`` over ``dims`` (None: all) with one launch, as ``torch.<op>(x, dims, keepdim)``.

    ``op`` is one of :data:`REDUCE_OPS`: sum = sum x, mean = sum x / n, prod =
    prod x, amax / amin = max x / min x (nan if any x is nan), all / any =
    and / or of (x != 0), logsumexp = m + log(sum exp(x - m)), m = max x.
    ``dtype`` (sum, prod, mean only) casts x before accumulating and is the
    result's dtype; by default sum/prod of integers and bool give int64.
    Accumulation is fp32 for fp16/bf16/fp32, fp64 for fp64, int64 for integers.
    """
    if op not in REDUCE_OPS:
        raise ValueError(f"triton_kernels.reduce: unknown op {op!r} (one of {', '.join(REDUCE_OPS)})")
    check_tensor(op, x)
    if dtype is not None and op not in ("sum", "prod", "mean"):
        raise TypeError(f"triton_kernels.reduce: {op} takes no dtype argument")
    if dtype is not None:
        tl_dtype(dtype)
    reduced = _normalize_dims(x, dims)
    if op in ("amax", "amin"):
        values, _ = _extremum(op, x, reduced, keepdim, is_max=op == "amax", values=True, indices=False,
                              dim_given=_dims_given(dims))
        return values
    if op in ("all", "any"):
        return _launch_rows(op, x, reduced, keepdim, torch.bool, x.dtype)
    if op == "mean":
        result_dtype = dtype or x.dtype
        if result_dtype not in _FLOATS:
            raise RuntimeError(
                "mean(): could not infer output dtype. Input dtype must be either a floating point or "
                f"complex dtype. Got: {torch_dtype_name(result_dtype)}"
            )
        return _launch_rows("mean", x, reduced, keepdim, result_dtype, result_dtype)
    if op == "logsumexp":
        result_dtype = x.dtype if x.dtype in _FLOATS else torch.float32
        return _launch_rows(op, x, reduced, keepdim, result_dtype, result_dtype)
    result_dtype = dtype or (x.dtype if x.dtype in _FLOATS else torch.int64)
    return _launch_rows(op, x, reduced, keepdim, result_dtype, result_dtype)


def torch_dtype_name(dtype: torch.dtype) -> str:
    """The name torch's C++ error messages give a dtype (Float, Long, BFloat16, ...)."""
    names = {torch.float32: "Float", torch.float64: "Double", torch.float16: "Half",
             torch.bfloat16: "BFloat16", torch.int64: "Long", torch.int32: "Int", torch.int16: "Short",
             torch.int8: "Char", torch.uint8: "Byte", torch.bool: "Bool"}
    return names.get(dtype, str(dtype).removeprefix("torch."))


def _check_float(name: str, x: torch.Tensor, message: str) -> None:
    check_tensor(name, x)
    if x.dtype not in _FLOATS:
        raise RuntimeError(message)


def norm(x: torch.Tensor, p: float = 2.0, dims=None, keepdim: bool = False) -> torch.Tensor:
    """Vector p-norm over ``dims``, as ``torch.linalg.vector_norm(x, p, dims, keepdim)``; one launch.

    ||x||_p = (sum |x|^p)^(1/p); p = 0 counts nonzeros, p = inf / -inf give
    max |x| / min |x| (which raise on an empty reduction, as torch).
    """
    check_tensor("norm", x)
    _check_float("norm", x, "linalg.vector_norm: Expected a floating point or complex tensor as input. "
                 f"Got {torch_dtype_name(x.dtype)}")
    reduced = _normalize_dims(x, dims)
    p = float(p)
    n_cols = math.prod(x.shape[d] for d in reduced)
    if n_cols == 0 and (p < 0 or math.isinf(p)):
        if dims is None:
            where = "on an empty tensor because"
        else:  # torch's message lacks the space before "because"
            empty_dim = next(d for d in reduced if x.shape[d] == 0)
            where = f"on the dimension {empty_dim}because this dimension is empty and"
        raise RuntimeError(
            f"linalg.vector_norm cannot compute the {p:g} norm {where} "
            "the operation does not have an identity"
        )
    if math.isinf(p):
        values, _ = _extremum("norm", x, reduced, keepdim, is_max=p > 0, values=True, indices=False,
                              dim_given=True, absolute=True)
        return values
    op = {0.0: "norm0", 1.0: "norm1", 2.0: "norm2"}.get(p, "normp")
    return _launch_rows(op, x, reduced, keepdim, x.dtype, x.dtype, p=p)


def var(x: torch.Tensor, dims=None, correction: float = 1, keepdim: bool = False) -> torch.Tensor:
    """Variance over ``dims``, as ``torch.var(x, dims, correction=correction, keepdim=keepdim)``; one launch.

    var = sum (x - mean)^2 / max(n - correction, 0), computed shifted two-pass
    (exactly 0 when all values are equal, nan/inf when n - correction <= 0).
    """
    return _var_or_std("var", x, dims, correction, keepdim)


def std(x: torch.Tensor, dims=None, correction: float = 1, keepdim: bool = False) -> torch.Tensor:
    """Standard deviation over ``dims``: sqrt(:func:`var`), as ``torch.std``; one launch."""
    return _var_or_std("std", x, dims, correction, keepdim)


def _var_or_std(op: str, x, dims, correction, keepdim):
    _check_float(op, x, "std and var only support floating point and complex dtypes")
    dims = _normalize_dims(x, dims)
    return _launch_rows(op, x, dims, keepdim, x.dtype, x.dtype, correction=correction)


def max_dim(x: torch.Tensor, dim: int, keepdim: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """(values, indices) of the max along ``dim``, as ``torch.max(x, dim, keepdim)``; one launch.

    The index is the first occurrence of the max; a nan is the max (first nan wins).
    """
    return _extremum_along("max", x, dim, keepdim, is_max=True)


def min_dim(x: torch.Tensor, dim: int, keepdim: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
    """(values, indices) of the min along ``dim``, as ``torch.min(x, dim, keepdim)``; one launch."""
    return _extremum_along("min", x, dim, keepdim, is_max=False)


def _extremum_along(name: str, x, dim, keepdim, *, is_max: bool):
    check_tensor(name, x)
    dims = _normalize_dims(x, (dim,))
    return _extremum(name, x, dims, keepdim, is_max=is_max, values=True, indices=True, dim_given=True)


def argmax(x: torch.Tensor, dim: int | None = None, keepdim: bool = False) -> torch.Tensor:
    """Index of the first max along ``dim`` (None: of the flattened x), as ``torch.argmax``; one launch."""
    return _arg_extremum("argmax", x, dim, keepdim, is_max=True)


def argmin(x: torch.Tensor, dim: int | None = None, keepdim: bool = False) -> torch.Tensor:
    """Index of the first min along ``dim`` (None: of the flattened x), as ``torch.argmin``; one launch."""
    return _arg_extremum("argmin", x, dim, keepdim, is_max=False)


def _arg_extremum(name: str, x, dim, keepdim, *, is_max: bool):
    check_tensor(name, x)
    dims = _normalize_dims(x, None if dim is None else (dim,))
    _, indices = _extremum(name, x, dims, keepdim, is_max=is_max, values=False, indices=True,
                           dim_given=dim is not None)
    if dim is None and not keepdim:
        return indices.view(())
    return indices


def sum_to_shape(x: torch.Tensor, shape: Sequence[int]) -> torch.Tensor:
    """Sum ``x`` down to ``shape`` (undo broadcasting), as ``x.sum_to_size(shape)``; one launch.

    Reduces the leading dims ``shape`` lacks and every dim where ``shape`` has
    1 and x does not; the result is a new contiguous tensor of ``shape``.
    """
    check_tensor("sum_to_shape", x)
    shape = tuple(int(n) for n in shape)
    lead = x.dim() - len(shape)
    if lead < 0 or any(n != 1 and n != m for n, m in zip(shape, x.shape[lead:])):
        raise RuntimeError(
            f"size {{{list(shape)}}} is not expandable to size "
            f"{{{list(x.shape)}}}."
        )
    broadcast = tuple(lead + i for i, n in enumerate(shape) if n == 1 and x.shape[lead + i] != 1)
    dims = tuple(range(lead)) + broadcast
    result_dtype = x.dtype if x.dtype in _FLOATS or not dims else torch.int64  # as torch.sum / a copy
    out = _launch_rows("sum", x, dims, True, result_dtype, result_dtype)
    return out.view(shape)


def all_finite(x: torch.Tensor) -> bool:
    """True when every element of ``x`` is finite (no nan, no inf); one launch and one scalar read."""
    check_tensor("all_finite", x)
    if x.dtype not in _FLOATS:
        return True
    finite = _launch_rows("all_finite", x, tuple(range(x.dim())), False, torch.bool, x.dtype)
    return bool(finite.item())


# ------------------------------------------------------- ahead-of-time builds

_TRITON_TYPE = {torch.float16: "fp16", torch.bfloat16: "bf16", torch.float32: "fp32", torch.float64: "fp64"}


def _contiguous_rows_build(kernel, dtype: torch.dtype, pointers: dict, scalars: dict, constexprs: dict,
                           config: str, leading: bool = False) -> AotBuild:
    """The build of a row kernel on a contiguous matrix reduced along one dim, as the JIT sees it.

    One row dim and one column dim (``ROW_RANK = COL_RANK = 1``); the padding
    sizes (1) and the unit stride (of the columns when reducing the last dim,
    of the rows when reducing the ``leading`` one) are constants, the padding
    strides (0) and the other stride int64. ``pointers`` and ``scalars`` give
    the other arguments' types, ``constexprs`` the kernel's own constexpr values.
    """
    types = {**pointers, **scalars, "n_rows": "i64", "n_cols": "i64"}
    values = {"ROW_RANK": 1, "COL_RANK": 1, "rs3" if leading else "cs3": 1, **constexprs}
    for group in "rc":
        values.update({f"{group}n1": 1, f"{group}n2": 1, f"{group}n3": 1})
        types.update({f"{group}s{i}": "i64" for i in range(4)})
    signature = {name: "constexpr" if name in values else types[name] for name in kernel.arg_names}
    return AotBuild(
        kernel=kernel, signature=signature, constexprs=values, dtype=_TRITON_TYPE[dtype], config=config,
        num_warps=_NUM_WARPS, divisible=tuple(pointers),
    )


def _row_build(op: str, dtype: torch.dtype, block_m: int, block_n: int, leading: bool = False) -> AotBuild:
    pointer = f"*{_TRITON_TYPE[dtype]}"
    return _contiguous_rows_build(
        _reduce_rows_kernel, dtype, {"x_ptr": pointer, "out_ptr": pointer},
        {"p": "fp32", "correction": "fp32"},
        {"OP": _OP_CODE[op], "ACC": acc_dtype(dtype), "CAST": tl_dtype(dtype), "BLOCK_M": block_m,
         "BLOCK_N": block_n},
        f"{op}{' dim 0' if leading else ''} BLOCK_M={block_m} BLOCK_N={block_n}", leading,
    )


def _extremum_build(dtype: torch.dtype, block_m: int, block_n: int) -> AotBuild:
    pointer = f"*{_TRITON_TYPE[dtype]}"
    return _contiguous_rows_build(
        _extremum_rows_kernel, dtype, {"x_ptr": pointer, "values_ptr": pointer, "indices_ptr": "*i64"},
        {"lowest": "fp32"},
        {"IS_MAX": True, "ABS": False, "STORE_VALUES": True, "STORE_INDICES": True, "IS_FLOAT": True,
         "CMP": acc_dtype(dtype), "BLOCK_M": block_m, "BLOCK_N": block_n},
        f"max_dim BLOCK_M={block_m} BLOCK_N={block_n}",
    )


# the GPU tiles of _blocks: long rows (1 x 4096), short rows (64 x 64), a leading dim (64 x 64)
AOT_BUILDS: list[AotBuild] = [
    build
    for dtype in (torch.float16, torch.bfloat16, torch.float32)
    for build in (
        _row_build("sum", dtype, 1, 4096),
        _row_build("sum", dtype, 64, 64),
        _row_build("sum", dtype, 64, 64, leading=True),
        _row_build("logsumexp", dtype, 1, 4096),
        _row_build("var", dtype, 1, 4096),
        _extremum_build(dtype, 1, 4096),
        _extremum_build(dtype, 64, 64),
    )
]
