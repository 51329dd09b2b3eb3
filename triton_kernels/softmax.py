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

import struct
from collections.abc import Iterator, Sequence

import torch
import triton
import triton.language as tl

from ._common import (
    FLOAT_DTYPES,
    AotBuild,
    acc_dtype,
    block_size,
    cdiv,
    check_dtype,
    check_same_device,
    collapse_dims,
    launch,
    wrap_dim,
)

MAX_ROW_DIMS = 4
"""Row dimensions a kernel unravels; rarer layouts launch once per slice of the leading dims."""

MAX_ONE_BLOCK = 16384
"""Longest row held in registers at once; longer rows take the online (looping) path."""

MAX_ONE_BLOCK_CROSS_ENTROPY = 8192
"""cross_entropy holds more per element (logits, weights): its 16K one-block build spills on sm_90."""

ONLINE_BLOCK = 4096
"""Chunk of columns per loop step on the online path."""

TILE = 4096
"""Elements per program (``BLOCK_ROWS * BLOCK_N``) when rows are short."""


# ------------------------------------------------------------------ jit helpers

@triton.jit
def _row_offsets(rows, ROW_DIMS: tl.constexpr, d1, d2, d3, s0, s1, s2, s3):
    """Offset of each row (int64 indices) in an operand with row sizes (., d1, d2, d3), strides s0..s3.

    With one row dim (``ROW_DIMS == 1``, e.g. any 2-D tensor) the offset is
    ``rows * s3``: no int64 div/mod, and a unit row stride stays visible to
    the compiler, which then coalesces loads along the rows.
    """
    if ROW_DIMS == 1:
        return rows * s3
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
    LOG: tl.constexpr, ONE_BLOCK: tl.constexpr, ACC: tl.constexpr, ROW_DIMS: tl.constexpr,
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
    x_rows = x_ptr + _row_offsets(rows, ROW_DIMS, d1, d2, d3, xs0, xs1, xs2, xs3)[:, None]
    out_rows = out_ptr + _row_offsets(rows, ROW_DIMS, d1, d2, d3, os0, os1, os2, os3)[:, None]
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
    LOG: tl.constexpr, ONE_BLOCK: tl.constexpr, ACC: tl.constexpr, ROW_DIMS: tl.constexpr,
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
    g_rows = g_ptr + _row_offsets(rows, ROW_DIMS, d1, d2, d3, gs0, gs1, gs2, gs3)[:, None]
    y_rows = y_ptr + _row_offsets(rows, ROW_DIMS, d1, d2, d3, ys0, ys1, ys2, ys3)[:, None]
    dx_rows = dx_ptr + _row_offsets(rows, ROW_DIMS, d1, d2, d3, ds0, ds1, ds2, ds3)[:, None]
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


# ------------------------------------------------------- cross_entropy kernels

@triton.jit
def _cross_entropy_kernel(
    x_ptr, target_ptr, grad_ptr, loss_ptr, row_scale_ptr, n_rows, n_cols, d1, d2, d3,
    xs0, xs1, xs2, xs3, x_col_stride,
    ts0, ts1, ts2, ts3,
    gs0, gs1, gs2, gs3, grad_col_stride,
    ls0, ls1, ls2, ls3,
    rs0, rs1, rs2, rs3,
    weight_ptr, weight_stride, total_weight_ptr, ignore_index, smoothing_hi, smoothing_lo,
    HAS_WEIGHT: tl.constexpr, SMOOTH: tl.constexpr, MEAN: tl.constexpr, WRITE_ROW_SCALE: tl.constexpr,
    ACC: tl.constexpr,
    ROW_DIMS: tl.constexpr, ONE_BLOCK: tl.constexpr, BLOCK_ROWS: tl.constexpr, BLOCK_N: tl.constexpr,
):
    """Per-row cross-entropy loss and, in the same pass, its gradient with respect to the logits.

    Grid: ``cdiv(n_rows, BLOCK_ROWS)``; block: ``BLOCK_ROWS`` rows x
    ``BLOCK_N`` classes. Loads each logit once (one block) or twice (online),
    one target and one weight per row, the weights once per row when
    smoothing; stores one gradient per logit (into a fresh buffer, never the
    logits) and one loss per row. With ``lse = log sum_c exp(x_c)``,
    ``p_c = exp(x_c - lse)``, ``W = sum_c w_c`` (``w = 1`` without weights)
    and ``eps`` the label smoothing over ``C`` classes:
    ``loss = (1 - eps) w_t (lse - x_t) + eps / C (W lse - sum_c w_c x_c)``,
    ``dloss/dx_c = (1 - eps) w_t (p_c - [c = t]) + eps / C (W p_c - w_c)``,
    both 0 where ``t == ignore_index``; the gradient is divided by the total
    weight of the batch (``total_weight_ptr``) when ``MEAN``. A target
    outside ``[0, C)`` gives NaN (no out-of-bounds access). With
    ``WRITE_ROW_SCALE`` it also stores, per row, the factor ``A`` of
    ``p`` in the gradient, ``grad = A p + (terms constant in x)``:
    ``A = [t != ignore] (1 - eps) w_t + eps W / C`` (over the total weight
    for ``MEAN``), which is all a second derivative needs. ``eps`` arrives as
    two fp32 scalars ``smoothing_hi + smoothing_lo`` (Triton passes Python
    floats as fp32), so that fp64 runs see it to about 48 bits.
    """
    smoothing = tl.cast(smoothing_hi, ACC) + tl.cast(smoothing_lo, ACC)
    rows = tl.program_id(0).to(tl.int64) * BLOCK_ROWS + tl.arange(0, BLOCK_ROWS)
    row_mask = rows < n_rows
    x_rows = x_ptr + _row_offsets(rows, ROW_DIMS, d1, d2, d3, xs0, xs1, xs2, xs3)
    grad_rows = grad_ptr + _row_offsets(rows, ROW_DIMS, d1, d2, d3, gs0, gs1, gs2, gs3)[:, None]
    target = tl.load(target_ptr + _row_offsets(rows, ROW_DIMS, d1, d2, d3, ts0, ts1, ts2, ts3), mask=row_mask,
                     other=ignore_index).to(tl.int64)
    valid = row_mask & (target != ignore_index)
    in_range = (target >= 0) & (target < n_cols)
    safe_target = tl.where(in_range, target, 0)
    x_target = tl.load(x_rows + safe_target * x_col_stride, mask=valid & in_range, other=0.0).to(ACC)
    x_target = tl.where(in_range, x_target, float("nan"))
    if HAS_WEIGHT:
        w_target = tl.load(weight_ptr + safe_target * weight_stride, mask=valid & in_range, other=0.0).to(ACC)
    else:
        w_target = tl.full([BLOCK_ROWS], 1.0, ACC)
    w_target = tl.where(valid & ~in_range, float("nan"), w_target)
    x_rows = x_rows[:, None]
    cols = tl.arange(0, BLOCK_N).to(tl.int64)[None, :]

    stats = (tl.full([BLOCK_ROWS], float("-inf"), ACC), tl.zeros([BLOCK_ROWS], ACC),
             tl.zeros([BLOCK_ROWS], ACC), tl.zeros([BLOCK_ROWS], ACC))
    if ONE_BLOCK:  # the row stays in registers between the two passes
        mask, x, w = _cross_entropy_chunk(x_rows, x_col_stride, weight_ptr, weight_stride, cols, row_mask,
                                          n_cols, HAS_WEIGHT, ACC)
        stats = _cross_entropy_fold(stats, x, w, mask, SMOOTH)
    else:
        for start in range(0, n_cols, BLOCK_N):
            mask, x, w = _cross_entropy_chunk(x_rows, x_col_stride, weight_ptr, weight_stride, start + cols,
                                              row_mask, n_cols, HAS_WEIGHT, ACC)
            stats = _cross_entropy_fold(stats, x, w, mask, SMOOTH)
    m, s, sum_wx, sum_w = stats
    lse = _finite_shift(m) + tl.log(s)
    loss = w_target * (lse - x_target)
    if SMOOTH:
        loss = (1.0 - smoothing) * loss + smoothing / n_cols * (sum_w * lse - sum_wx)
    loss = tl.where(valid, loss, 0.0)
    tl.store(loss_ptr + _row_offsets(rows, ROW_DIMS, d1, d2, d3, ls0, ls1, ls2, ls3), loss, mask=row_mask)

    scale = 1.0
    if MEAN:
        scale = 1.0 / tl.load(total_weight_ptr)
    keep = valid[:, None]  # ignored rows get 0 * grad: 0, or NaN where their logits are not finite, as torch
    if WRITE_ROW_SCALE:
        row_scale = w_target
        if SMOOTH:
            row_scale = (1.0 - smoothing) * row_scale + smoothing / n_cols * sum_w
        tl.store(row_scale_ptr + _row_offsets(rows, ROW_DIMS, d1, d2, d3, rs0, rs1, rs2, rs3),
                 tl.where(valid, row_scale * scale, 0.0), mask=row_mask)
    if ONE_BLOCK:
        grad = _cross_entropy_grad(x, w, cols, target, w_target, lse, sum_w, smoothing, n_cols, SMOOTH)
        tl.store(grad_rows + cols * grad_col_stride, tl.where(keep, grad * scale, grad * 0.0), mask=mask)
    else:
        for start in range(0, n_cols, BLOCK_N):
            c = start + cols
            mask, x, w = _cross_entropy_chunk(x_rows, x_col_stride, weight_ptr, weight_stride, c, row_mask,
                                              n_cols, HAS_WEIGHT, ACC)
            grad = _cross_entropy_grad(x, w, c, target, w_target, lse, sum_w, smoothing, n_cols, SMOOTH)
            tl.store(grad_rows + c * grad_col_stride, tl.where(keep, grad * scale, grad * 0.0), mask=mask)


@triton.jit
def _cross_entropy_fold(stats, x, w, mask, SMOOTH: tl.constexpr):
    """Fold a (rows, chunk) block of logits into ``(max, sum exp, sum w_c x_c, sum w_c)`` per row."""
    m, s, sum_wx, sum_w = stats
    m, s = _online_max_sum(m, s, x)
    if SMOOTH:
        sum_wx += tl.sum(tl.where(mask, w * x, 0.0), 1)
        sum_w += tl.sum(w, 1)
    return m, s, sum_wx, sum_w


@triton.jit
def _cross_entropy_grad(x, w, cols, target, w_target, lse, sum_w, smoothing, n_cols, SMOOTH: tl.constexpr):
    """``(1 - eps) w_t (p_c - [c = t]) + eps / C (W p_c - w_c)`` on a (rows, chunk) block.

    ``p = exp(x - lse)``; ``w`` holds the chunk's class weights.
    """
    p = tl.exp(x - lse[:, None])
    grad = w_target[:, None] * (p - tl.where(cols == target[:, None], 1.0, 0.0))
    if SMOOTH:
        grad = (1.0 - smoothing) * grad + smoothing / n_cols * (sum_w[:, None] * p - w)
    return grad


@triton.jit
def _cross_entropy_chunk(x_rows, x_col_stride, weight_ptr, weight_stride, cols, row_mask, n_cols,
                         HAS_WEIGHT: tl.constexpr, ACC: tl.constexpr):
    """``(mask, x, w)`` of a (rows, chunk) block of columns: the logits (-inf where masked) and the class
    weights (0 where masked, 1 without weights)."""
    mask = row_mask[:, None] & (cols < n_cols)
    x = tl.load(x_rows + cols * x_col_stride, mask=mask, other=float("-inf")).to(ACC)
    if HAS_WEIGHT:
        w = tl.load(weight_ptr + cols * weight_stride, mask=mask, other=0.0).to(ACC)
    else:
        w = tl.where(mask, 1.0, 0.0).to(ACC)
    return mask, x, w


@triton.jit
def _cross_entropy_total_weight_kernel(
    target_ptr, weight_ptr, out_ptr, n_rows, n_cols, d1, d2, d3, ts0, ts1, ts2, ts3,
    weight_stride, ignore_index, accumulate,
    HAS_WEIGHT: tl.constexpr, ACC: tl.constexpr, ROW_DIMS: tl.constexpr, BLOCK: tl.constexpr,
):
    """The denominator of ``reduction="mean"``: ``sum_i w_{t_i}`` over rows whose target is not ignored.

    Grid: ``(1,)`` (one program, deterministic); block: ``BLOCK`` rows per
    loop step. Loads one target (and one weight) per row, stores one value
    (added to the stored one when ``accumulate``, for layouts split into
    several launches). A target outside ``[0, C)`` counts as NaN.
    """
    total = tl.zeros([BLOCK], ACC)
    for start in range(0, n_rows, BLOCK):
        rows = start + tl.arange(0, BLOCK).to(tl.int64)
        row_mask = rows < n_rows
        target_offsets = _row_offsets(rows, ROW_DIMS, d1, d2, d3, ts0, ts1, ts2, ts3)
        target = tl.load(target_ptr + target_offsets, mask=row_mask, other=ignore_index).to(tl.int64)
        valid = row_mask & (target != ignore_index)
        in_range = (target >= 0) & (target < n_cols)
        if HAS_WEIGHT:
            w = tl.load(weight_ptr + tl.where(in_range, target, 0) * weight_stride, mask=valid & in_range,
                        other=0.0).to(ACC)
        else:
            w = tl.full([BLOCK], 1.0, ACC)
        w = tl.where(in_range, w, float("nan"))
        total += tl.where(valid, w, 0.0)
    result = tl.sum(total, 0)
    if accumulate:
        result += tl.load(out_ptr)
    tl.store(out_ptr, result)


@triton.jit
def _cross_entropy_reduce_kernel(loss_ptr, total_weight_ptr, out_ptr, n, MEAN: tl.constexpr,
                                 ACC: tl.constexpr, BLOCK: tl.constexpr):
    """``sum_i loss_i`` (``MEAN``: divided by the total weight) of the contiguous per-row losses.

    Grid: ``(1,)`` (one program, deterministic order); block: ``BLOCK``
    losses per loop step. Loads each per-row loss once, stores one value.
    """
    total = tl.zeros([BLOCK], ACC)
    for start in range(0, n, BLOCK):
        offsets = start + tl.arange(0, BLOCK).to(tl.int64)
        total += tl.load(loss_ptr + offsets, mask=offsets < n, other=0.0).to(ACC)
    result = tl.sum(total, 0)
    if MEAN:
        result = result / tl.load(total_weight_ptr)
    tl.store(out_ptr, result)


@triton.jit
def _scale_rows_kernel(
    g_ptr, scale_ptr, out_ptr, n_rows, n_cols, d1, d2, d3,
    gs0, gs1, gs2, gs3, g_col_stride,
    ss0, ss1, ss2, ss3,
    os0, os1, os2, os3, out_col_stride,
    ACC: tl.constexpr, ROW_DIMS: tl.constexpr, ONE_BLOCK: tl.constexpr, BLOCK_ROWS: tl.constexpr,
    BLOCK_N: tl.constexpr,
):
    """cross_entropy's backward: ``out[row, c] = g[row, c] * scale[row]`` (``scale`` stride 0 for a scalar).

    Grid: ``cdiv(n_rows, BLOCK_ROWS)``; block: ``BLOCK_ROWS`` x ``BLOCK_N``;
    one loop over the columns serves both paths (a single step when
    ``ONE_BLOCK``). Loads each g once and one scale per row, stores each out
    once.
    """
    rows = tl.program_id(0).to(tl.int64) * BLOCK_ROWS + tl.arange(0, BLOCK_ROWS)
    row_mask = rows < n_rows
    scale = tl.load(scale_ptr + _row_offsets(rows, ROW_DIMS, d1, d2, d3, ss0, ss1, ss2, ss3), mask=row_mask,
                    other=0.0).to(ACC)[:, None]
    g_rows = g_ptr + _row_offsets(rows, ROW_DIMS, d1, d2, d3, gs0, gs1, gs2, gs3)[:, None]
    out_rows = out_ptr + _row_offsets(rows, ROW_DIMS, d1, d2, d3, os0, os1, os2, os3)[:, None]
    cols = tl.arange(0, BLOCK_N).to(tl.int64)[None, :]
    for start in range(0, n_cols, BLOCK_N):
        c = start + cols
        mask = row_mask[:, None] & (c < n_cols)
        g = tl.load(g_rows + c * g_col_stride, mask=mask, other=0.0).to(ACC)
        tl.store(out_rows + c * out_col_stride, g * scale, mask=mask)


# ------------------------------------------------------------ host-side layout

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
    operand's strides on it. Yields ``(offsets, n_rows, row_dims, (d1, d2, d3), strides)``:
    element offsets of the launch's first row per operand, its row count, how
    many row dims the kernel must unravel (1 to ``MAX_ROW_DIMS``), the
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
        yield tuple(offsets), n_rows, len(shape) - lead, inner[1:], inner_strides


def _launch_rows(kernel, operands: Sequence[torch.Tensor], row_shape: Sequence[int],
                 row_strides: Sequence[Sequence[int]], col_strides: Sequence[int | None], n_cols: int,
                 block: int | None, extra: Sequence = (), max_one_block: int = MAX_ONE_BLOCK,
                 **constexprs) -> None:
    """Launch a row kernel over every row: picks the path, the blocks and the grid.

    The kernel's arguments are: every operand's pointer, then ``n_rows, n_cols,
    d1, d2, d3``, then per operand its four row strides and its stride along
    the reduced dim (``col_strides[k]``; ``None`` for an operand without that
    dim, such as cross_entropy's target), then ``extra``, then the constexprs.
    Rows longer than ``max_one_block`` take the online path.
    """
    block_n, one_block = _column_block(n_cols, block, max_one_block)
    block_rows = _rows_per_program(block_n, row_shape)
    num_warps = max(4, min(16, block_rows * block_n // 512))
    for offsets, n_rows, row_dims, sizes, strides in _row_blocks(row_shape, *row_strides):
        stride_args = []
        for row_stride, col_stride in zip(strides, col_strides):
            stride_args += [*row_stride] + ([] if col_stride is None else [col_stride])
        pointers = [_at(t, off) for t, off in zip(operands, offsets)]
        launch(kernel, (cdiv(n_rows, block_rows),), *pointers, n_rows, n_cols, *sizes, *stride_args, *extra,
               ONE_BLOCK=one_block, ROW_DIMS=row_dims, BLOCK_ROWS=block_rows, BLOCK_N=block_n,
               num_warps=num_warps, **constexprs)


def _column_block(n_cols: int, block: int | None, max_one_block: int = MAX_ONE_BLOCK) -> tuple[int, bool]:
    """``(BLOCK_N, one_block)``: the whole row when it fits (or fits ``block``), else online chunks."""
    if block is not None:
        if block < 1 or block & (block - 1):
            raise ValueError(f"block must be a power of two, got {block}")
        return block, n_cols <= block
    if n_cols <= max_one_block:
        return block_size(n_cols, lo=16, hi=max_one_block), True
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


# --------------------------------------------------- cross_entropy launchers

REDUCTIONS = ("none", "mean", "sum")

REDUCE_BLOCK = 1024
"""Rows per loop step of the one-program reductions (total weight, loss sum)."""


def _check_cross_entropy(logits, target, weight, reduction, label_smoothing) -> tuple[int, ...]:
    """Raise torch's error for bad cross_entropy input; return the row shape (logits without class dim)."""
    if reduction not in REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    check_dtype("cross_entropy", logits, FLOAT_DTYPES)
    if target.dtype.is_floating_point and target.shape == logits.shape:
        raise TypeError("triton_kernels.cross_entropy: class-probability (float) targets are not supported")
    if target.dtype not in (torch.int64, torch.uint8):
        name = {torch.int32: "Int", torch.int16: "Short", torch.int8: "Char", torch.bool: "Bool",
                torch.float32: "Float", torch.float64: "Double", torch.float16: "Half",
                torch.bfloat16: "BFloat16"}.get(target.dtype, str(target.dtype))
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got {name}")
    check_same_device("cross_entropy", logits, target, weight)
    if logits.dim() == 0:
        raise IndexError("Dimension out of range (expected to be in range of [-1, 0], but got 1)")
    n_classes = logits.shape[1] if logits.dim() > 1 else logits.shape[0]
    if weight is not None:
        if weight.shape != (n_classes,):
            raise RuntimeError(
                f"weight tensor should be defined either for all {n_classes} classes or no classes but got "
                f"weight tensor of shape: {list(weight.shape)}"
            )
        if weight.dtype != logits.dtype:
            expected, found = _TORCH_NAMES.get(logits.dtype), _TORCH_NAMES.get(weight.dtype, weight.dtype)
            raise RuntimeError(f"expected scalar type {expected} but found {found}")
    if not 0.0 <= label_smoothing <= 1.0:
        raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: {label_smoothing}")
    if logits.dim() == 1:
        if target.dim() > 1 or target.numel() != 1:
            raise ValueError(
                f"For 1D input, 1D target must have size 1, but got target size: {target.numel()}"
            )
        return ()
    if logits.dim() == 2 and target.dim() == 1 and target.shape[0] != logits.shape[0]:
        raise ValueError(
            f"Expected input batch_size ({logits.shape[0]}) to match target batch_size ({target.shape[0]})."
        )
    row_shape = (logits.shape[0],) + tuple(logits.shape[2:])
    if tuple(target.shape) != row_shape:
        raise RuntimeError(f"Expected target size {list(row_shape)}, got {list(target.shape)}")
    return row_shape


_TORCH_NAMES = {torch.float16: "Half", torch.bfloat16: "BFloat16", torch.float32: "Float",
                torch.float64: "Double"}


def cross_entropy(
    logits: torch.Tensor, target: torch.Tensor, weight: torch.Tensor | None = None, ignore_index: int = -100,
    reduction: str = "mean", label_smoothing: float = 0.0, *, block: int | None = None,
    return_row_scale: bool = False,
) -> tuple[torch.Tensor, ...]:
    """torch's ``F.cross_entropy`` with class-index targets, and ``d(loss)/d(logits)`` from the same pass.

    ``logits`` is ``(C,)``, ``(N, C)`` or ``(N, C, d1, ...)`` with the classes
    on dim 1 (dim 0 when 1-D), any strides; ``target`` holds class indices
    (int64 or uint8) of the row shape. Per row, with ``lse = logsumexp(x)``,
    weights ``w`` (1 without), ``W = sum_c w_c`` and ``eps = label_smoothing``:
    ``loss = (1 - eps) w_t (lse - x_t) + eps / C (W lse - sum_c w_c x_c)``, 0
    where ``t == ignore_index``. ``reduction``: ``"none"`` (the per-row
    losses), ``"sum"``, or ``"mean"`` = ``sum / sum_{i not ignored} w_{t_i}``
    (NaN when every target is ignored, as torch). Returns ``(loss,
    grad_logits)``: ``grad_logits`` is a new contiguous tensor, the gradient of
    the loss for an upstream gradient of 1 (of each row's own loss for
    ``"none"``). Launches: the row kernel (plus, for ``"mean"``, the total
    weight before it and, for ``"mean"``/``"sum"``, one reduction after it).

    ``return_row_scale=True`` also returns, from the same launch, the per-row
    factor ``A`` (row shape, logits' dtype) with ``grad_logits = A softmax(x)
    + (terms constant in the logits)``: what a second derivative needs.
    """
    row_shape = _check_cross_entropy(logits, target, weight, reduction, label_smoothing)
    acc = acc_dtype(logits.dtype)
    accumulator = torch.float64 if acc == tl.float64 else torch.float32
    loss_dtype = logits.dtype if reduction == "none" else accumulator
    grad = torch.empty(logits.shape, dtype=logits.dtype, device=logits.device)
    row_losses = torch.empty(row_shape, dtype=loss_dtype, device=logits.device)
    row_scale = torch.empty(row_shape, dtype=logits.dtype, device=logits.device) if return_row_scale else None
    n_classes = logits.shape[1] if logits.dim() > 1 else logits.shape[0]
    has_weight = weight is not None
    weight_arg = (weight, weight.stride(0)) if has_weight else (logits, 0)  # unused pointer without weights
    targets = target.view(()) if logits.dim() == 1 else target
    total_weight = None
    if reduction == "mean":
        total_weight = torch.empty((1,), dtype=loss_dtype, device=logits.device)
        _launch_total_weight(targets, weight_arg, total_weight, row_shape, n_classes, ignore_index,
                             has_weight, acc)
    if grad.numel() != 0:
        class_dim = 1 if logits.dim() > 1 else 0
        scale_operand = row_losses if row_scale is None else row_scale  # an unused pointer when not asked
        operands = (logits, targets, grad, row_losses, scale_operand)
        row_strides = [_drop(logits.stride(), class_dim), targets.stride(), _drop(grad.stride(), class_dim),
                       row_losses.stride(), scale_operand.stride()]
        _launch_rows(
            _cross_entropy_kernel, operands, row_shape, row_strides,
            (logits.stride(class_dim), None, grad.stride(class_dim), None, None), n_classes, block,
            extra=(*weight_arg, total_weight if total_weight is not None else row_losses, ignore_index,
                   *_split_float(label_smoothing)),
            max_one_block=MAX_ONE_BLOCK_CROSS_ENTROPY, HAS_WEIGHT=has_weight, SMOOTH=label_smoothing > 0,
            MEAN=reduction == "mean", WRITE_ROW_SCALE=return_row_scale, ACC=acc,
        )
    if reduction == "none":
        loss = row_losses
    else:
        loss = torch.empty((), dtype=logits.dtype, device=logits.device)
        launch(_cross_entropy_reduce_kernel, (1,), row_losses,
               total_weight if total_weight is not None else loss, loss, row_losses.numel(),
               MEAN=reduction == "mean", ACC=acc, BLOCK=REDUCE_BLOCK)
    return (loss, grad, row_scale) if return_row_scale else (loss, grad)


def _split_float(value: float) -> tuple[float, float]:
    """``(hi, lo)``, both exact fp32 numbers, with ``hi + lo`` equal to ``value`` to about 48 bits."""
    hi = _to_fp32(value)
    return hi, _to_fp32(value - hi)


def _to_fp32(value: float) -> float:
    return struct.unpack("f", struct.pack("f", value))[0]


def _launch_total_weight(target, weight_arg, out, row_shape, n_classes, ignore_index, has_weight,
                         acc) -> None:
    """``out[0] = sum_i w_{t_i}`` over the rows whose target is not ignored (one program per launch)."""
    if 0 in row_shape:
        launch(_cross_entropy_reduce_kernel, (1,), out, out, out, 0, MEAN=False, ACC=acc, BLOCK=16)
        return
    for index, (offsets, n_rows, row_dims, sizes, strides) in enumerate(
            _row_blocks(row_shape, target.stride())):
        launch(_cross_entropy_total_weight_kernel, (1,), _at(target, offsets[0]), weight_arg[0], out, n_rows,
               n_classes, *sizes, *strides[0], weight_arg[1], ignore_index, int(index > 0),
               HAS_WEIGHT=has_weight, ACC=acc, ROW_DIMS=row_dims, BLOCK=REDUCE_BLOCK)


def cross_entropy_backward(grad_loss: torch.Tensor, grad_logits: torch.Tensor,
                           reduction: str) -> torch.Tensor:
    """``grad_logits * grad_loss``: the saved gradient scaled by the upstream gradient (one launch).

    ``grad_loss`` is 0-d for ``"mean"``/``"sum"`` and has the row shape
    (``grad_logits`` without its class dim, dim 1) for ``"none"``; returns a
    new contiguous tensor of ``grad_logits``' shape and dtype.
    """
    if reduction not in REDUCTIONS:
        raise ValueError(f"{reduction} is not a valid value for reduction")
    check_dtype("cross_entropy_backward", grad_logits, FLOAT_DTYPES)
    check_dtype("cross_entropy_backward", grad_loss, FLOAT_DTYPES)
    check_same_device("cross_entropy_backward", grad_loss, grad_logits)
    class_dim = 1 if grad_logits.dim() > 1 else 0
    row_shape = _drop(grad_logits.shape, class_dim)
    expected = row_shape if reduction == "none" else ()
    if tuple(grad_loss.shape) != tuple(expected):
        raise RuntimeError(
            f"cross_entropy_backward: expected grad_loss of shape {list(expected)} for reduction "
            f"'{reduction}', got {list(grad_loss.shape)}"
        )
    out = torch.empty(grad_logits.shape, dtype=grad_logits.dtype, device=grad_logits.device)
    if out.numel() == 0:
        return out
    scale_strides = grad_loss.stride() if reduction == "none" else (0,) * len(row_shape)
    _launch_rows(
        _scale_rows_kernel, (grad_logits, grad_loss, out), row_shape,
        [_drop(grad_logits.stride(), class_dim), scale_strides, _drop(out.stride(), class_dim)],
        (grad_logits.stride(class_dim), None, out.stride(class_dim)), grad_logits.shape[class_dim], None,
        max_one_block=ONLINE_BLOCK, ACC=acc_dtype(grad_logits.dtype),
    )
    return out


# ------------------------------------------------------- ahead-of-time builds

_AOT_TYPES = {torch.float16: "fp16", torch.bfloat16: "bf16", torch.float32: "fp32", torch.float64: "fp64"}


def _aot_build(kernel, dtype: torch.dtype, block_rows: int, block_n: int, one_block: bool,
               reduced_dim_first: bool = False, **constexprs) -> AotBuild:
    """A row kernel on a contiguous matrix, as the JIT sees it.

    The matrix is ``(rows, n_cols)`` reduced along its last dim, or with
    ``reduced_dim_first`` ``(n_cols, rows)`` reduced along dim 0 (softmax over
    dim 0: the rows are the contiguous axis). One row dim (``ROW_DIMS = 1``;
    ``d3`` is the runtime row count). The JIT turns arguments equal to 1 into
    constants: the padding row sizes ``d1 = d2 = 1``, the unit strides (along
    the reduced dim, or along the rows when it comes first, and the rows of
    the operands without a column dim: target, per-row losses and scales); the
    other strides are i32, and it marks the ones divisible by 16 (here the
    sizes and strides of a matrix with a multiple of 16 columns), which lets
    loads and stores vectorise. Pointers are of ``dtype`` except the int64
    target and the accumulator-typed total weight.
    """
    values = {"d1": 1, "d2": 1, "ROW_DIMS": 1, "ONE_BLOCK": one_block, "BLOCK_ROWS": block_rows,
              "BLOCK_N": block_n, "ACC": acc_dtype(dtype), **constexprs}
    with_columns = [name[: -len("_col_stride")] for name in kernel.arg_names if name.endswith("_col_stride")]
    row_strides = [f"{name[0]}s3" for name in with_columns]
    col_strides = [f"{name}_col_stride" for name in with_columns]
    unit, divisible = (row_strides, col_strides) if reduced_dim_first else (col_strides, row_strides)
    unit += ["ts3", "ls3", "rs3", "ss3"]
    values.update({name: 1 for name in kernel.arg_names if name in unit})
    accumulator = "fp64" if dtype == torch.float64 else "fp32"
    special = {"target_ptr": "*i64", "total_weight_ptr": f"*{accumulator}", "smoothing_hi": "fp32",
               "smoothing_lo": "fp32"}
    if constexprs.get("MEAN"):  # per-row losses of a reduced loss are kept in the accumulator's dtype
        special["loss_ptr"] = f"*{accumulator}"
    signature = {}
    for name in kernel.arg_names:
        if name in values:
            signature[name] = "constexpr"
        elif name in special:
            signature[name] = special[name]
        else:
            signature[name] = f"*{_AOT_TYPES[dtype]}" if name.endswith("_ptr") else "i32"
    flags = "".join(f" {k}={int(v)}" for k, v in constexprs.items() if isinstance(v, bool))
    path = ("one-block" if one_block else "online") + (" dim=0" if reduced_dim_first else "")
    config = f"BLOCK_ROWS={block_rows} BLOCK_N={block_n} {path}{flags}"
    pointers = [name for name in kernel.arg_names if name.endswith("_ptr")]
    sizes = ["n_cols"] + (["n_rows"] if reduced_dim_first else [])
    return AotBuild(kernel=kernel, signature=signature, constexprs=values, dtype=_AOT_TYPES[dtype],
                    config=config, num_warps=max(4, min(16, block_rows * block_n // 512)),
                    divisible=tuple(pointers + sizes + divisible))


def _single_program_build(kernel, dtype: torch.dtype, **constexprs) -> AotBuild:
    """One of cross_entropy's one-program reductions (total weight, loss sum) at ``REDUCE_BLOCK``."""
    accumulator = "fp64" if dtype == torch.float64 else "fp32"
    values = {"ACC": acc_dtype(dtype), "BLOCK": REDUCE_BLOCK, **constexprs}
    if kernel is _cross_entropy_total_weight_kernel:
        values.update({"d1": 1, "d2": 1, "ROW_DIMS": 1, "ts3": 1})
    types = {"target_ptr": "*i64", "weight_ptr": f"*{_AOT_TYPES[dtype]}", "out_ptr": f"*{accumulator}",
             "loss_ptr": f"*{accumulator}", "total_weight_ptr": f"*{accumulator}"}
    if kernel is _cross_entropy_reduce_kernel:
        types["out_ptr"] = f"*{_AOT_TYPES[dtype]}"
    signature = {name: "constexpr" if name in values else types.get(name, "i32") for name in kernel.arg_names}
    flags = " ".join(f"{k}={int(v)}" for k, v in constexprs.items())
    return AotBuild(kernel=kernel, signature=signature, constexprs=values, dtype=_AOT_TYPES[dtype],
                    config=f"BLOCK={REDUCE_BLOCK} {flags}".strip(), num_warps=4,
                    divisible=tuple(name for name in kernel.arg_names if name.endswith("_ptr")))


_ROW_CONFIGS = (  # (BLOCK_ROWS, BLOCK_N, one block): short rows, the longest one-block row, the online path
    (4, 1024, True), (1, MAX_ONE_BLOCK, True), (1, ONLINE_BLOCK, False),
)

AOT_BUILDS: list[AotBuild] = [
    build
    for dtype in (torch.bfloat16, torch.float32)
    for rows, block_n, one_block in _ROW_CONFIGS
    for build in (
        _aot_build(_softmax_forward_kernel, dtype, rows, block_n, one_block, LOG=False),
        _aot_build(_softmax_backward_kernel, dtype, rows, block_n, one_block, LOG=False),
    )
] + [
    build
    for dtype in (torch.bfloat16, torch.float32)
    for rows, block_n, one_block in ((1, MAX_ONE_BLOCK_CROSS_ENTROPY, True), (1, ONLINE_BLOCK, False))
    for build in (
        _aot_build(_cross_entropy_kernel, dtype, rows, block_n, one_block, HAS_WEIGHT=True, SMOOTH=True,
                   MEAN=True, WRITE_ROW_SCALE=True),
        _aot_build(_scale_rows_kernel, dtype, 4 if one_block else 1, 1024 if one_block else ONLINE_BLOCK,
                   one_block),
    )
] + [
    _aot_build(_softmax_forward_kernel, torch.float32, 1, MAX_ONE_BLOCK, True, LOG=True),
    _aot_build(_softmax_forward_kernel, torch.float32, 16, 256, True, reduced_dim_first=True, LOG=False),
    _aot_build(_softmax_backward_kernel, torch.float32, 16, 256, True, reduced_dim_first=True, LOG=False),
    _aot_build(_softmax_backward_kernel, torch.float32, 1, MAX_ONE_BLOCK, True, LOG=True),
    _aot_build(_cross_entropy_kernel, torch.float32, 4, 1024, True, HAS_WEIGHT=False, SMOOTH=False,
               MEAN=False, WRITE_ROW_SCALE=False),
    _single_program_build(_cross_entropy_total_weight_kernel, torch.float32, HAS_WEIGHT=True),
    _single_program_build(_cross_entropy_reduce_kernel, torch.float32, MEAN=True),
]
