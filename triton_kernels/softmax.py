"""Softmax, log_softmax and cross_entropy: forward and VJP kernels over rows.

Every op here reduces along one dimension (``dim``, or the class dimension of
cross_entropy) and is computed row by row: a "row" is the 1-D slice along that
dimension, and rows are indexed by every other dimension. The launcher never
moves ``dim`` to the end with a copy: it drops ``dim`` from the shape and the
strides (a stride-aware view), collapses the remaining "row dimensions" that
are contiguous together in every operand (:func:`_common.collapse_dims`), and
passes up to ``MAX_ROW_DIMS`` row sizes and strides per operand to the kernel,
which unravels each row index into an offset. A row's elements are read at the
operand's stride along ``dim``. Outputs are new contiguous tensors.

Two paths per kernel, chosen on the host:

- one block: a program holds ``BLOCK_ROWS`` whole rows of ``BLOCK_N >=
  n_cols`` columns in registers, reads each input element once and writes each
  output once;
- online (``n_cols > MAX_ONE_BLOCK``, e.g. a 128K vocabulary): one program per
  ``BLOCK_ROWS`` rows loops over the columns in chunks of ``BLOCK_N``, keeping
  a running maximum ``m`` and a running sum ``s`` of ``exp(x - m)`` (rescaled
  by ``exp(m_old - m_new)`` when the maximum grows), then loops again to write.
  Registers stay bounded whatever the row length: nothing spills.

Launchers take a ``block=`` keyword (a power of two) that forces a chunk size:
below the row length it forces the online path, which is how the tests reach
both branches on small shapes.

Gradients are written into fresh buffers, never into an input: Triton stores
do not bump torch's version counter, so writing a gradient into the logits
(as Liger-Kernel's cross_entropy does) silently corrupts other users of them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import torch
import triton
import triton.language as tl

from ._common import (
    FLOAT_DTYPES,
    acc_dtype,
    block_size,
    cdiv,
    check_dtype,
    check_same_device,
    collapse_dims,
    launch,
)

MAX_ROW_DIMS = 4
"""Row dimensions a kernel unravels; rarer layouts launch once per slice of the leading dims."""

MAX_ONE_BLOCK = 16384
"""Longest row held in registers at once; longer rows take the online (looping) path."""

ONLINE_BLOCK = 4096
"""Chunk of columns per loop step on the online path."""

TILE = 4096
"""Elements per program (``BLOCK_ROWS * BLOCK_N``) when rows are short."""


# ------------------------------------------------------------------ jit helpers

@triton.jit
def _row_offsets(rows, d1, d2, d3, s0, s1, s2, s3):
    """Offset of each row (int64 indices) in an operand with row sizes (., d1, d2, d3), strides s0..s3."""
    i3 = rows % d3
    rest = rows // d3
    i2 = rest % d2
    rest = rest // d2
    i1 = rest % d1
    i0 = rest // d1
    return i0 * s0 + i1 * s1 + i2 * s2 + i3 * s3


@triton.jit
def _online_max_sum(m, s, x):
    """Fold a (rows, chunk) block ``x`` into the running row maximum ``m`` and sum ``s`` of ``exp(x - m)``.

    ``s_new = s * exp(m - m_new) + sum_j exp(x_j - m_new)``; a row that has seen
    only ``-inf`` so far keeps ``m = -inf, s = 0`` (no ``-inf - -inf`` NaN).
    """
    m_new = tl.maximum(m, tl.max(x, 1))
    shift = _finite_shift(m_new)
    s = s * tl.exp(m - shift) + tl.sum(tl.exp(x - shift[:, None]), 1)
    return m_new, s


@triton.jit
def _finite_shift(m):
    """The row maximum to subtract before ``exp``: 0 for a row of only ``-inf`` (avoids ``-inf - -inf``)."""
    return tl.where(m == float("-inf"), 0.0, m)


# ------------------------------------------------------------- softmax kernels

@triton.jit
def _softmax_forward_kernel(
    x_ptr, out_ptr, n_rows, n_cols, d1, d2, d3,
    xs0, xs1, xs2, xs3, x_col_stride,
    os0, os1, os2, os3, out_col_stride,
    LOG: tl.constexpr, ONE_BLOCK: tl.constexpr, ACC: tl.constexpr,
    BLOCK_ROWS: tl.constexpr, BLOCK_N: tl.constexpr,
):
    """softmax (``LOG=False``) or log_softmax (``LOG=True``) of each row.

    Grid: ``cdiv(n_rows, BLOCK_ROWS)``; block: ``BLOCK_ROWS`` rows x
    ``BLOCK_N`` columns. One block: loads each x once, stores each y once
    (2 x element bytes per element). Online: loads x twice, stores y once.
    ``m = max_j x_j, s = sum_j exp(x_j - m)``;
    ``softmax: y_j = exp(x_j - m) / s``, ``log_softmax: y_j = x_j - m - log(s)``.
    """
    rows = tl.program_id(0).to(tl.int64) * BLOCK_ROWS + tl.arange(0, BLOCK_ROWS)
    row_mask = rows < n_rows
    x_rows = x_ptr + _row_offsets(rows, d1, d2, d3, xs0, xs1, xs2, xs3)[:, None]
    out_rows = out_ptr + _row_offsets(rows, d1, d2, d3, os0, os1, os2, os3)[:, None]
    cols = tl.arange(0, BLOCK_N).to(tl.int64)[None, :]
    if ONE_BLOCK:
        mask = row_mask[:, None] & (cols < n_cols)
        x = tl.load(x_rows + cols * x_col_stride, mask=mask, other=float("-inf")).to(ACC)
        m = _finite_shift(tl.max(x, 1))
        e = tl.exp(x - m[:, None])
        s = tl.sum(e, 1)
        if LOG:
            y = x - (m + tl.log(s))[:, None]
        else:
            y = e / s[:, None]
        tl.store(out_rows + cols * out_col_stride, y, mask=mask)
    else:
        m = tl.full([BLOCK_ROWS], float("-inf"), ACC)
        s = tl.zeros([BLOCK_ROWS], ACC)
        for start in range(0, n_cols, BLOCK_N):
            c = start + cols
            mask = row_mask[:, None] & (c < n_cols)
            x = tl.load(x_rows + c * x_col_stride, mask=mask, other=float("-inf")).to(ACC)
            m, s = _online_max_sum(m, s, x)
        m = _finite_shift(m)
        log_s = m + tl.log(s)
        for start in range(0, n_cols, BLOCK_N):
            c = start + cols
            mask = row_mask[:, None] & (c < n_cols)
            x = tl.load(x_rows + c * x_col_stride, mask=mask, other=float("-inf")).to(ACC)
            if LOG:
                y = x - log_s[:, None]
            else:
                y = tl.exp(x - m[:, None]) / s[:, None]
            tl.store(out_rows + c * out_col_stride, y, mask=mask)


@triton.jit
def _softmax_backward_kernel(
    g_ptr, y_ptr, dx_ptr, n_rows, n_cols, d1, d2, d3,
    gs0, gs1, gs2, gs3, g_col_stride,
    ys0, ys1, ys2, ys3, y_col_stride,
    ds0, ds1, ds2, ds3, dx_col_stride,
    LOG: tl.constexpr, ONE_BLOCK: tl.constexpr, ACC: tl.constexpr,
    BLOCK_ROWS: tl.constexpr, BLOCK_N: tl.constexpr,
):
    """VJP of softmax / log_softmax from the forward OUTPUT ``y`` and the upstream gradient ``g``.

    Grid: ``cdiv(n_rows, BLOCK_ROWS)``; block: ``BLOCK_ROWS`` x ``BLOCK_N``.
    One block: loads g and y once, stores dx once (3 x element bytes per
    element); online: loads g and y twice.
    ``softmax: dx_j = y_j * (g_j - sum_k y_k g_k)``;
    ``log_softmax: dx_j = g_j - exp(y_j) * sum_k g_k``.
    """
    rows = tl.program_id(0).to(tl.int64) * BLOCK_ROWS + tl.arange(0, BLOCK_ROWS)
    row_mask = rows < n_rows
    g_rows = g_ptr + _row_offsets(rows, d1, d2, d3, gs0, gs1, gs2, gs3)[:, None]
    y_rows = y_ptr + _row_offsets(rows, d1, d2, d3, ys0, ys1, ys2, ys3)[:, None]
    dx_rows = dx_ptr + _row_offsets(rows, d1, d2, d3, ds0, ds1, ds2, ds3)[:, None]
    cols = tl.arange(0, BLOCK_N).to(tl.int64)[None, :]
    if ONE_BLOCK:
        mask = row_mask[:, None] & (cols < n_cols)
        g = tl.load(g_rows + cols * g_col_stride, mask=mask, other=0.0).to(ACC)
        y = tl.load(y_rows + cols * y_col_stride, mask=mask, other=0.0).to(ACC)
        if LOG:
            dx = g - tl.exp(y) * tl.sum(g, 1)[:, None]
        else:
            dx = y * (g - tl.sum(y * g, 1)[:, None])
        tl.store(dx_rows + cols * dx_col_stride, dx, mask=mask)
    else:
        total = tl.zeros([BLOCK_ROWS], ACC)
        for start in range(0, n_cols, BLOCK_N):
            c = start + cols
            mask = row_mask[:, None] & (c < n_cols)
            g = tl.load(g_rows + c * g_col_stride, mask=mask, other=0.0).to(ACC)
            if LOG:
                total += tl.sum(g, 1)
            else:
                y = tl.load(y_rows + c * y_col_stride, mask=mask, other=0.0).to(ACC)
                total += tl.sum(y * g, 1)
        for start in range(0, n_cols, BLOCK_N):
            c = start + cols
            mask = row_mask[:, None] & (c < n_cols)
            g = tl.load(g_rows + c * g_col_stride, mask=mask, other=0.0).to(ACC)
            y = tl.load(y_rows + c * y_col_stride, mask=mask, other=0.0).to(ACC)
            if LOG:
                dx = g - tl.exp(y) * total[:, None]
            else:
                dx = y * (g - total[:, None])
            tl.store(dx_rows + c * dx_col_stride, dx, mask=mask)


# ------------------------------------------------------------ host-side layout

def wrap_dim(dim: int, ndim: int) -> int:
    """``dim`` in ``[0, ndim)`` (0-d tensors accept -1 and 0), or torch's IndexError."""
    rank = max(ndim, 1)
    if not -rank <= dim < rank:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-rank}, {rank - 1}], but got {dim})"
        )
    return dim % rank


def _as_rows(x: torch.Tensor) -> torch.Tensor:
    """A 0-d tensor seen as one row of one element (a view); other tensors as they are."""
    return x.view(1) if x.dim() == 0 else x


def _drop(values: Sequence[int], dim: int) -> tuple[int, ...]:
    return tuple(values[:dim]) + tuple(values[dim + 1:])


def _at(t: torch.Tensor, offset: int) -> torch.Tensor:
    """A view whose data pointer is ``offset`` elements past ``t``'s (the kernel indexes from there)."""
    if offset == 0:
        return t
    return t.as_strided((1,), (1,), t.storage_offset() + offset)


def _row_blocks(
    row_shape: Sequence[int], *row_strides: Sequence[int]
) -> Iterator[tuple[tuple[int, ...], int, tuple[int, ...], tuple[tuple[int, ...], ...]]]:
    """Split the rows of every operand into launches the kernels can unravel.

    ``row_shape`` is the shape without the reduced dim and ``row_strides`` each
    operand's strides on it. Yields ``(offsets, n_rows, (d1, d2, d3), strides)``:
    element offsets of the launch's first row per operand, its row count, the
    three inner row sizes and, per operand, four row strides. A layout that
    collapses to more than ``MAX_ROW_DIMS`` dims yields one launch per index of
    its leading dims (views, no copy).
    """
    shape, *strides = collapse_dims(row_shape, *row_strides)
    lead = max(0, len(shape) - MAX_ROW_DIMS)
    inner = (1,) * (MAX_ROW_DIMS - len(shape) + lead) + tuple(shape[lead:])
    inner_strides = tuple((0,) * (MAX_ROW_DIMS - len(shape) + lead) + tuple(s[lead:]) for s in strides)
    n_rows = 1
    for n in inner:
        n_rows *= n
    lead_shape = tuple(shape[:lead])
    count = 1
    for n in lead_shape:
        count *= n
    for flat in range(count):
        offsets = [0] * len(strides)
        for axis in reversed(range(lead)):
            flat, index = divmod(flat, lead_shape[axis])
            for k, s in enumerate(strides):
                offsets[k] += index * s[axis]
        yield tuple(offsets), n_rows, inner[1:], inner_strides


def _launch_rows(kernel, operands: Sequence[torch.Tensor], row_shape: Sequence[int],
                 row_strides: Sequence[Sequence[int]], col_strides: Sequence[int | None], n_cols: int,
                 block: int | None, extra: Sequence = (), **constexprs) -> None:
    """Launch a row kernel over every row: picks the path, the blocks and the grid.

    The kernel's arguments are: every operand's pointer, then ``n_rows, n_cols,
    d1, d2, d3``, then per operand its four row strides and its stride along
    the reduced dim (``col_strides[k]``; ``None`` for an operand without that
    dim, such as cross_entropy's target), then ``extra``, then the constexprs.
    """
    block_n, one_block = _column_block(n_cols, block)
    block_rows = _rows_per_program(block_n, row_shape)
    num_warps = max(4, min(16, block_rows * block_n // 512))
    for offsets, n_rows, sizes, strides in _row_blocks(row_shape, *row_strides):
        stride_args = []
        for row_stride, col_stride in zip(strides, col_strides):
            stride_args += [*row_stride] + ([] if col_stride is None else [col_stride])
        pointers = [_at(t, off) for t, off in zip(operands, offsets)]
        launch(kernel, (cdiv(n_rows, block_rows),), *pointers, n_rows, n_cols, *sizes, *stride_args, *extra,
               ONE_BLOCK=one_block, BLOCK_ROWS=block_rows, BLOCK_N=block_n, num_warps=num_warps,
               **constexprs)


def _column_block(n_cols: int, block: int | None) -> tuple[int, bool]:
    """``(BLOCK_N, one_block)``: the whole row when it fits (or fits ``block``), else online chunks."""
    if block is not None:
        if block < 1 or block & (block - 1):
            raise ValueError(f"block must be a power of two, got {block}")
        return block, n_cols <= block
    if n_cols <= MAX_ONE_BLOCK:
        return block_size(n_cols, lo=16, hi=MAX_ONE_BLOCK), True
    return ONLINE_BLOCK, False


def _rows_per_program(block_n: int, row_shape: Sequence[int]) -> int:
    n_rows = 1
    for n in row_shape:
        n_rows *= n
    return max(1, min(TILE // block_n, triton.next_power_of_2(max(n_rows, 1))))


# --------------------------------------------------------- softmax launchers

def _check_rows(name: str, *tensors: torch.Tensor) -> None:
    """Float tensors of one dtype, shape and device (torch's error types), or raise before any launch."""
    for t in tensors:
        if not isinstance(t, torch.Tensor):
            raise TypeError(f"triton_kernels.{name}: expected a torch.Tensor, got {type(t).__name__}")
        check_dtype(name, t, FLOAT_DTYPES)
    check_same_device(name, *tensors)
    first = tensors[0]
    for t in tensors[1:]:
        if t.shape != first.shape:
            raise RuntimeError(
                f"{name}: expected tensors of the same shape, got {list(first.shape)} and {list(t.shape)}"
            )
        if t.dtype != first.dtype:
            raise RuntimeError(f"{name}: expected tensors of the same dtype, got {first.dtype} and {t.dtype}")


def _row_op(kernel, name: str, inputs: Sequence[torch.Tensor], dim: int, block: int | None,
            **constexprs) -> torch.Tensor:
    """Check ``inputs``, allocate the contiguous output and launch ``kernel`` over the rows along ``dim``."""
    _check_rows(name, *inputs)
    first = inputs[0]
    dim = wrap_dim(dim, first.dim())
    out = torch.empty(first.shape, dtype=first.dtype, device=first.device)
    if out.numel() == 0:
        return out
    operands = [_as_rows(t) for t in (*inputs, out)]
    _launch_rows(
        kernel, operands, _drop(operands[0].shape, dim),
        [_drop(t.stride(), dim) for t in operands], [t.stride(dim) for t in operands],
        operands[0].shape[dim], block, ACC=acc_dtype(first.dtype), **constexprs,
    )
    return out


def softmax(x: torch.Tensor, dim: int, *, block: int | None = None) -> torch.Tensor:
    """``softmax(x)_j = exp(x_j - m) / sum_k exp(x_k - m)`` along ``dim``, ``m = max_k x_k`` (one launch).

    Any strides; returns a new contiguous tensor of ``x``'s dtype (fp32
    accumulation for fp16/bf16). ``block`` forces the column chunk (tests).
    """
    return _row_op(_softmax_forward_kernel, "softmax", (x,), dim, block, LOG=False)


def log_softmax(x: torch.Tensor, dim: int, *, block: int | None = None) -> torch.Tensor:
    """``log_softmax(x)_j = x_j - m - log(sum_k exp(x_k - m))`` along ``dim`` (one launch)."""
    return _row_op(_softmax_forward_kernel, "log_softmax", (x,), dim, block, LOG=True)


def softmax_backward(grad: torch.Tensor, out: torch.Tensor, dim: int, *,
                     block: int | None = None) -> torch.Tensor:
    """VJP of softmax from its output ``y``: ``dx_j = y_j * (g_j - sum_k y_k g_k)`` (one launch)."""
    return _row_op(_softmax_backward_kernel, "softmax_backward", (grad, out), dim, block, LOG=False)


def log_softmax_backward(grad: torch.Tensor, out: torch.Tensor, dim: int, *,
                         block: int | None = None) -> torch.Tensor:
    """VJP of log_softmax from its output ``y``: ``dx_j = g_j - exp(y_j) * sum_k g_k`` (one launch)."""
    return _row_op(_softmax_backward_kernel, "log_softmax_backward", (grad, out), dim, block, LOG=True)
