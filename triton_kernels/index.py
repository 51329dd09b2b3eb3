"""Indexing: gather, scatter_add, index_select, index_add, index_put, masked_fill.

Reads (``gather``, ``index_select``, ``masked_fill``) are one strided launch
each: a program owns ``BLOCK`` output elements, unravels their linear index
(:func:`triton_kernels.reduce.unravel`) over the shape collapsed across every
operand's strides, and loads where the operands lie (broadcast dims have
stride 0, so ``index_select`` is ``gather`` through a stride-0 view of its
1-d index).

Writes that may collide (``scatter_add``, ``index_add``, ``index_put``) are
deterministic: no float atomics, the order of additions depends on the
shapes and index values alone, so results are bitwise reproducible. When the
indexed dim has few entries (one matching tile, e.g. the class dim of a
cross-entropy gather), each *output* element is owned by one program that
scans its slice's entries in order: one launch. Longer index dims take a
stable counting sort of the entries by output bucket (integer atomics count
them, a scan and a stable placement list each bucket's entries in index
order), then one program per bucket sums its entries: linear in the entries.
``index_put`` always takes the scan (cost: positions x index entries).

Index ranges are checked before any write launch, with the ``amin``/``amax``
kernels of :mod:`triton_kernels.reduce`, and raise torch's errors; negative
indices wrap only where torch wraps them (``index_put``).
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
    broadcast_shape,
    broadcast_strides,
    cdiv,
    check_same_device,
    collapse_dims,
    interpreting,
    launch,
    wrap_dim,
)
from .reduce import (
    MAX_STRIDED_DIMS,
    check_tensor,
    padded_dims,
    reduce,
    rounded_for,
    strided_offset,
    tile_elements,
    torch_dtype_name,
    unravel,
)

_INDEX_DTYPES = (torch.int32, torch.int64)
_NUM_WARPS = 8


# --------------------------------------------------------------------- kernels

@triton.jit
def _gather_kernel(
    x_ptr, index_ptr, out_ptr, n,
    n1, n2, n3, is0, is1, is2, is3, xs0, xs1, xs2, xs3,
    x_dim_stride, RANK: tl.constexpr, BLOCK: tl.constexpr,
):
    """out[i] = x[coords(i) with the indexed dim replaced by index[coords(i)]].

    Grid: ``cdiv(n, BLOCK)`` programs over the ``n`` output elements (the
    index's shape, collapsed with the index's and x's strides, x's stride on
    the indexed dim set to 0). Each element: one index load (8 bytes), one x
    load and one contiguous store (itemsize each). Formula (dim = d):
    out[..., j, ...] = x[..., index[..., j, ...], ...].
    """
    lin = tl.program_id(0).to(tl.int64) * BLOCK + tl.arange(0, BLOCK).to(tl.int64)
    mask = lin < n
    c0, c1, c2, c3 = unravel(lin, n1, n2, n3, RANK)
    idx = tl.load(index_ptr + c0 * is0 + c1 * is1 + c2 * is2 + c3 * is3, mask=mask, other=0).to(tl.int64)
    value = tl.load(x_ptr + c0 * xs0 + c1 * xs1 + c2 * xs2 + c3 * xs3 + idx * x_dim_stride, mask=mask)
    tl.store(out_ptr + lin, value, mask=mask)


@triton.jit
def _scatter_add_kernel(
    index_ptr, src_ptr, out_ptr, n_out, n_index, size,
    on1, on2, on3, m0, m1, m2, m3,
    is0, is1, is2, is3, ss0, ss1, ss2, ss3, os0, os1, os2, os3,
    index_dim_stride, src_dim_stride, out_dim_stride,
    RANK: tl.constexpr, ACC: tl.constexpr, BLOCK_O: tl.constexpr, BLOCK_J: tl.constexpr,
):
    """out[c, t] = sum_j src[c, j] * (index[c, j] == t), deterministic (no atomics).

    ``c`` are the coordinates on the other dims (at most four), ``t`` the
    position along the indexed dim (``size`` of them), ``j`` runs over the
    ``n_index`` index entries along that dim. Only ``c`` inside the index's
    region (``c_d < m_d``) receive anything. Grid: ``cdiv(n_out, BLOCK_O)``
    programs over the output elements (t fastest); each loops over j in
    ``BLOCK_J`` tiles in order, loading index (8 bytes) and matching src
    (itemsize) entries, and stores each output element once (itemsize).
    """
    o = tl.program_id(0).to(tl.int64) * BLOCK_O + tl.arange(0, BLOCK_O).to(tl.int64)
    out_mask = o < n_out
    t = o % size
    c0, c1, c2, c3 = unravel(o // size, on1, on2, on3, RANK)
    region = out_mask & (c0 < m0) & (c1 < m1) & (c2 < m2) & (c3 < m3)
    index_base = c0 * is0 + c1 * is1 + c2 * is2 + c3 * is3
    src_base = c0 * ss0 + c1 * ss1 + c2 * ss2 + c3 * ss3
    lanes = tl.arange(0, BLOCK_J).to(tl.int64)
    acc = tl.zeros([BLOCK_O, BLOCK_J], ACC)
    for start in range(0, n_index, BLOCK_J):
        j = start + lanes
        mask = region[:, None] & (j < n_index)[None, :]
        idx = tl.load(index_ptr + index_base[:, None] + j[None, :] * index_dim_stride, mask=mask, other=-1)
        hit = mask & (idx.to(tl.int64) == t[:, None])
        value = tl.load(src_ptr + src_base[:, None] + j[None, :] * src_dim_stride, mask=hit, other=0)
        acc += value.to(ACC)
    result = tl.sum(acc, axis=1)
    out_off = c0 * os0 + c1 * os1 + c2 * os2 + c3 * os3 + t * out_dim_stride
    tl.store(out_ptr + out_off, rounded_for(result, out_ptr), mask=out_mask)


@triton.jit
def _entry_key(index_ptr, lin, mask, n1, n2, n3, is0, is1, is2, is3, ks0, ks1, ks2, ks3, scale,
               RANK: tl.constexpr):
    """The output position (key) an entry adds into: sum_d c_d * ks_d + index[c] * scale."""
    c0, c1, c2, c3 = unravel(lin, n1, n2, n3, RANK)
    idx = tl.load(index_ptr + c0 * is0 + c1 * is1 + c2 * is2 + c3 * is3, mask=mask, other=0).to(tl.int64)
    return c0 * ks0 + c1 * ks1 + c2 * ks2 + c3 * ks3 + idx * scale, c0, c1, c2, c3


@triton.jit
def _bucket_count_kernel(
    index_ptr, counts_ptr, n_entries, n_chunks,
    n1, n2, n3, is0, is1, is2, is3, ks0, ks1, ks2, ks3, scale,
    BUCKET: tl.constexpr, RANK: tl.constexpr, CHUNK: tl.constexpr,
):
    """counts[bucket, chunk] = number of entries of ``chunk`` whose key falls in ``bucket``.

    Grid: one program per chunk of ``CHUNK`` index entries; bucket = key //
    BUCKET. Counting uses an integer ``atomic_add`` (the counts, hence every
    later step, do not depend on the order the atomics land in). Traffic:
    one index load (8 bytes) per entry.
    """
    chunk = tl.program_id(0).to(tl.int64)
    lin = chunk * CHUNK + tl.arange(0, CHUNK).to(tl.int64)
    mask = lin < n_entries
    key, c0, c1, c2, c3 = _entry_key(index_ptr, lin, mask, n1, n2, n3, is0, is1, is2, is3,
                                     ks0, ks1, ks2, ks3, scale, RANK)
    tl.atomic_add(counts_ptr + (key // BUCKET) * n_chunks + chunk, 1, mask=mask)


@triton.jit
def _exclusive_scan_kernel(counts_ptr, starts_ptr, n, BLOCK: tl.constexpr):
    """starts[i] = sum_{i' < i} counts[i'] for i <= n (starts[n] = the total). Grid: one program.

    It loops over ``counts`` in ``BLOCK`` tiles carrying the running total:
    one load and one store (8 bytes each) per entry.
    """
    lanes = tl.arange(0, BLOCK).to(tl.int64)
    carry = tl.zeros([1], tl.int64)
    for start in range(0, n, BLOCK):
        offs = start + lanes
        mask = offs < n
        counts = tl.load(counts_ptr + offs, mask=mask, other=0).to(tl.int64)
        inclusive = tl.cumsum(counts, axis=0)
        tl.store(starts_ptr + offs, carry + inclusive - counts, mask=mask)
        carry += tl.sum(counts, axis=0)
    tl.store(starts_ptr + n + tl.arange(0, 1), carry)


@triton.jit
def _bucket_place_kernel(
    index_ptr, starts_ptr, keys_ptr, offsets_ptr, n_entries, n_chunks,
    n1, n2, n3, is0, is1, is2, is3, ks0, ks1, ks2, ks3, scale, ss0, ss1, ss2, ss3,
    BUCKET: tl.constexpr, RANK: tl.constexpr, CHUNK: tl.constexpr,
):
    """A stable counting sort of the entries by bucket: keys[slot] = key, offsets[slot] = src offset.

    slot = starts[bucket, chunk] + (entries of the same bucket earlier in
    this chunk), so each bucket lists its entries in index order (stable,
    deterministic). Grid: one program per chunk; the in-chunk rank is a
    (CHUNK x CHUNK) comparison. Traffic per entry: one index load, two 8-byte
    stores.
    """
    chunk = tl.program_id(0).to(tl.int64)
    lanes = tl.arange(0, CHUNK).to(tl.int64)
    lin = chunk * CHUNK + lanes
    mask = lin < n_entries
    key, c0, c1, c2, c3 = _entry_key(index_ptr, lin, mask, n1, n2, n3, is0, is1, is2, is3,
                                     ks0, ks1, ks2, ks3, scale, RANK)
    bucket = key // BUCKET
    same_earlier = (bucket[:, None] == bucket[None, :]) & (lanes[None, :] < lanes[:, None]) & mask[None, :]
    rank = tl.sum(same_earlier.to(tl.int32), axis=1).to(tl.int64)
    slot = tl.load(starts_ptr + bucket * n_chunks + chunk, mask=mask, other=0) + rank
    tl.store(keys_ptr + slot, key, mask=mask)
    tl.store(offsets_ptr + slot, c0 * ss0 + c1 * ss1 + c2 * ss2 + c3 * ss3, mask=mask)


@triton.jit
def _segment_sum_kernel(
    src_ptr, keys_ptr, offsets_ptr, starts_ptr, out_ptr, base_ptr, n_out, n_chunks, size,
    on1, on2, on3, os0, os1, os2, os3, out_dim_stride, bn1, bn2, bn3, bs0, bs1, bs2, bs3,
    RANK: tl.constexpr, BASE_RANK: tl.constexpr, HAS_BASE: tl.constexpr, LAST: tl.constexpr,
    ACC: tl.constexpr, BUCKET: tl.constexpr, BLOCK_E: tl.constexpr,
):
    """out[o] = (base[o] +) the sum of src over the bucket's sorted entries whose key is o, in index order.

    With ``LAST`` (index_put without accumulate; needs a base): out[o] = src
    of the last entry whose key is o, or base[o] when there is none.

    Grid: one program per bucket of ``BUCKET`` consecutive outputs (o = c *
    size + t); it loops over the bucket's entries ``[starts[b, 0], starts[b +
    1, 0])`` in ``BLOCK_E`` tiles, loading key and offset (8 bytes each) and
    the src value (itemsize) once per entry, and stores each output once.
    Outputs no entry points at get 0 (or base). Traffic with a base: one more
    load per output.
    """
    b = tl.program_id(0).to(tl.int64)
    begin = tl.load(starts_ptr + b * n_chunks)
    end = tl.load(starts_ptr + (b + 1) * n_chunks)
    o = b * BUCKET + tl.arange(0, BUCKET).to(tl.int64)
    lanes = tl.arange(0, BLOCK_E).to(tl.int64)
    acc = tl.zeros([BUCKET, BLOCK_E], ACC)
    last = tl.full([BUCKET, BLOCK_E], -1, tl.int64)
    for start in range(begin, end, BLOCK_E):
        e = start + lanes
        mask = e < end
        hit = tl.load(keys_ptr + e, mask=mask, other=-1)[None, :] == o[:, None]
        if LAST:
            last = tl.maximum(last, tl.where(hit, e[None, :], -1))
        else:
            value = tl.load(src_ptr + tl.load(offsets_ptr + e, mask=mask, other=0), mask=mask, other=0)
            acc += tl.where(hit, value.to(ACC)[None, :], 0)
    result = tl.sum(acc, axis=1)
    if HAS_BASE:  # index_put: x (any strides, o its row-major position) plus the sums, or where no entry
        base_off = strided_offset(o, bn1, bn2, bn3, bs0, bs1, bs2, bs3, BASE_RANK)
        base = tl.load(base_ptr + base_off, mask=o < n_out, other=0).to(ACC)
        if LAST:
            winner = tl.max(last, axis=1)
            found = (winner >= 0) & (o < n_out)
            put = tl.load(src_ptr + tl.load(offsets_ptr + winner, mask=found, other=0), mask=found, other=0)
            result = tl.where(found, put.to(ACC), base)
        else:
            result += base
    t = o % size
    c0, c1, c2, c3 = unravel(o // size, on1, on2, on3, RANK)
    out_off = c0 * os0 + c1 * os1 + c2 * os2 + c3 * os3 + t * out_dim_stride
    tl.store(out_ptr + out_off, rounded_for(result, out_ptr), mask=o < n_out)


@triton.jit
def _flatten_index_kernel(
    flat_ptr, index_ptr, n, n1, n2, n3, is0, is1, is2, is3, size, stride,
    RANK: tl.constexpr, FIRST: tl.constexpr, BLOCK: tl.constexpr,
):
    """flat[b] (+)= wrap(index[b]) * stride: one index tensor's share of a linear position.

    Grid: ``cdiv(n, BLOCK)`` over the ``n`` entries of the broadcast index
    shape (the index read through its broadcast strides). Each entry: one
    index load, one load (unless ``FIRST``) and one store of ``flat`` (8 bytes
    each). wrap(i) = i + size if i < 0 else i (torch's negative indices).
    """
    lin = tl.program_id(0).to(tl.int64) * BLOCK + tl.arange(0, BLOCK).to(tl.int64)
    mask = lin < n
    c0, c1, c2, c3 = unravel(lin, n1, n2, n3, RANK)
    idx = tl.load(index_ptr + c0 * is0 + c1 * is1 + c2 * is2 + c3 * is3, mask=mask, other=0).to(tl.int64)
    idx = tl.where(idx < 0, idx + size, idx)
    if FIRST:
        flat = idx * stride
    else:
        flat = tl.load(flat_ptr + lin, mask=mask, other=0) + idx * stride
    tl.store(flat_ptr + lin, flat, mask=mask)


@triton.jit
def _index_put_kernel(
    x_ptr, flat_ptr, values_ptr, out_ptr, n_out, n_index, n_rest,
    pn1, pn2, pn3, ps0, ps1, ps2, ps3,
    rn1, rn2, rn3, rxs0, rxs1, rxs2, rxs3, rvs0, rvs1, rvs2, rvs3,
    bn1, bn2, bn3, bvs0, bvs1, bvs2, bvs3,
    P_RANK: tl.constexpr, R_RANK: tl.constexpr, B_RANK: tl.constexpr,
    ACCUMULATE: tl.constexpr, ACC: tl.constexpr, BLOCK_O: tl.constexpr, BLOCK_B: tl.constexpr,
):
    """out[p, r] = x[p, r] + sum_{b: flat[b] == p} values[b, r] (ACCUMULATE), else values[last such b, r].

    (Without ACCUMULATE, positions no b points at keep x[p, r].)

    ``p`` is the linear position over the indexed (leading) dims, ``r`` over
    the rest, ``b`` over the broadcast index shape. Grid: ``cdiv(n_out,
    BLOCK_O)`` programs over the output elements (r fastest); each loops over
    b in ``BLOCK_B`` tiles in order (deterministic, no atomics), loading
    ``flat`` (8 bytes) and the matching values (itemsize), then loads x and
    stores each output element once (itemsize each).
    """
    o = tl.program_id(0).to(tl.int64) * BLOCK_O + tl.arange(0, BLOCK_O).to(tl.int64)
    out_mask = o < n_out
    p = o // n_rest
    r = o % n_rest
    x_off = strided_offset(p, pn1, pn2, pn3, ps0, ps1, ps2, ps3, P_RANK) + \
        strided_offset(r, rn1, rn2, rn3, rxs0, rxs1, rxs2, rxs3, R_RANK)
    values_rest = strided_offset(r, rn1, rn2, rn3, rvs0, rvs1, rvs2, rvs3, R_RANK)
    lanes = tl.arange(0, BLOCK_B).to(tl.int64)
    acc = tl.zeros([BLOCK_O, BLOCK_B], ACC)
    last = tl.full([BLOCK_O, BLOCK_B], -1, tl.int64)
    for start in range(0, n_index, BLOCK_B):
        b = start + lanes
        b_mask = b < n_index
        flat = tl.load(flat_ptr + b, mask=b_mask, other=-1)
        hit = out_mask[:, None] & b_mask[None, :] & (flat[None, :] == p[:, None])
        if ACCUMULATE:
            values_b = strided_offset(b, bn1, bn2, bn3, bvs0, bvs1, bvs2, bvs3, B_RANK)
            values_off = values_rest[:, None] + values_b[None, :]
            acc += tl.load(values_ptr + values_off, mask=hit, other=0).to(ACC)
        else:
            last = tl.maximum(last, tl.where(hit, b[None, :], -1))
    x = tl.load(x_ptr + x_off, mask=out_mask, other=0)
    if ACCUMULATE:
        result = rounded_for(x.to(ACC) + tl.sum(acc, axis=1), out_ptr)
    else:
        winner = tl.max(last, axis=1)
        winner_b = strided_offset(tl.maximum(winner, 0), bn1, bn2, bn3, bvs0, bvs1, bvs2, bvs3, B_RANK)
        values_off = values_rest + winner_b
        put = tl.load(values_ptr + values_off, mask=out_mask & (winner >= 0), other=0)
        result = tl.where(winner >= 0, put, x)
    tl.store(out_ptr + o, result, mask=out_mask)


@triton.jit
def _masked_fill_kernel(
    x_ptr, mask_ptr, value_ptr, out_ptr, n,
    n1, n2, n3, xs0, xs1, xs2, xs3, ms0, ms1, ms2, ms3,
    RANK: tl.constexpr, BLOCK: tl.constexpr,
):
    """out = where(mask, value, x), mask broadcast to x's shape (stride 0), value a 0-d tensor.

    Grid: ``cdiv(n, BLOCK)`` programs over x's elements (shape collapsed with
    x's and the mask's strides). Each element: one x load (itemsize), one mask
    load (1 byte), one contiguous store (itemsize); the value once per program.
    """
    lin = tl.program_id(0).to(tl.int64) * BLOCK + tl.arange(0, BLOCK).to(tl.int64)
    in_range = lin < n
    c0, c1, c2, c3 = unravel(lin, n1, n2, n3, RANK)
    x = tl.load(x_ptr + c0 * xs0 + c1 * xs1 + c2 * xs2 + c3 * xs3, mask=in_range)
    fill = tl.load(mask_ptr + c0 * ms0 + c1 * ms1 + c2 * ms2 + c3 * ms3, mask=in_range, other=0) != 0
    value = tl.load(value_ptr)
    tl.store(out_ptr + lin, tl.where(fill, value, x), mask=in_range)


# ------------------------------------------------------------------ launchers

def _block(n: int) -> int:
    """Elements per program of the one-element-per-lane kernels: 1024 on a GPU, a tile in the interpreter."""
    tile = tile_elements()
    return block_size(n, lo=min(16, tile), hi=tile if interpreting() else min(1024, tile))


def _match_blocks(n_out: int, n_index: int) -> tuple[int, int]:
    """(outputs, index entries) per tile of the matching kernels: at most 256 entries, one tile in all."""
    block_index = block_size(n_index, lo=1, hi=min(256, tile_elements()))
    return block_size(n_out, lo=1, hi=max(1, tile_elements() // block_index)), block_index


def _index_range(index: torch.Tensor) -> tuple[int, int]:
    """(min, max) of a non-empty index tensor, by the reduce kernels (two launches, two scalar reads)."""
    return int(reduce("amin", index).item()), int(reduce("amax", index).item())


def _check_range(index: torch.Tensor, dim: int, size: int, *, wraps: bool, error=RuntimeError) -> None:
    """Raise torch's out-of-bounds error when an index is outside [0, size) ([-size, size) if it wraps)."""
    if index.numel() == 0:
        return
    low, high = _index_range(index)
    lowest = -size if wraps else 0
    bad = low if low < lowest else high if high >= size else None
    if bad is not None:
        raise error(f"index {bad} is out of bounds for dimension {dim} with size {size}")


def _as_dims(tensor: torch.Tensor) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(shape, strides) with a 0-d tensor seen as 1-d of one element."""
    if tensor.dim() == 0:
        return (1,), (0,)
    return tuple(tensor.shape), tuple(tensor.stride())


def _gather_launch(x: torch.Tensor, dim: int, index: torch.Tensor) -> torch.Tensor:
    """The gather launch, index already checked: out has index's shape."""
    out = torch.empty(index.shape, dtype=x.dtype, device=x.device)
    n = index.numel()
    if n == 0:
        return out
    shape, index_strides = _as_dims(index)
    x_strides = list(_as_dims(x)[1])
    x_dim_stride = x_strides[dim]
    x_strides[dim] = 0
    rank, sizes, (padded_index, padded_x) = padded_dims(shape, index_strides, x_strides)
    block = _block(n)
    launch(_gather_kernel, (cdiv(n, block),), x, index, out, n, *sizes, *padded_index, *padded_x,
           x_dim_stride, RANK=rank, BLOCK=block, num_warps=_NUM_WARPS)
    return out


def _check_index_tensor(name: str, index, message: str) -> None:
    if not isinstance(index, torch.Tensor):
        raise TypeError(f"triton_kernels.{name}: expected a torch.Tensor index, got {type(index).__name__}")
    if index.dtype not in _INDEX_DTYPES:
        raise RuntimeError(message)


def _check_no_larger(index: torch.Tensor, dim: int, other: torch.Tensor, what: str) -> None:
    for d in range(index.dim()):
        if d != dim and index.shape[d] > other.shape[d]:
            raise RuntimeError(
                f"Size does not match at dimension {d} expected index {list(index.shape)} to be no larger "
                f"than {what} {list(other.shape)} apart from dimension {dim}"
            )


def gather(x: torch.Tensor, dim: int, index: torch.Tensor) -> torch.Tensor:
    """``torch.gather(x, dim, index)``: out[..., j, ...] = x[..., index[..., j, ...], ...] (dim = the j axis).

    One launch after the range check (two reduction launches); out has
    index's shape. Negative or too large indices raise torch's RuntimeError.
    """
    check_tensor("gather", x)
    _check_index_tensor("gather", index, "gather(): Expected dtype int32/int64 for index")
    check_same_device("gather", x, index)
    dim = wrap_dim(dim, x.dim())
    if max(index.dim(), 1) != max(x.dim(), 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    _check_no_larger(index, dim, x, "self")
    _check_range(index, dim, _as_dims(x)[0][dim], wraps=False)
    return _gather_launch(x, dim, index)


def index_select(x: torch.Tensor, dim: int, index: torch.Tensor) -> torch.Tensor:
    """``torch.index_select(x, dim, index)``: out = x with dim's entries index[0], index[1], ...

    The gather kernel through a stride-0 view of the 1-d index (no copy); one
    launch after the range check.
    """
    check_tensor("index_select", x)
    _check_index_tensor("index_select", index, "index_select(): Expected dtype int32 or int64 for index")
    check_same_device("index_select", x, index)
    dim = wrap_dim(dim, x.dim())
    if index.dim() > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    size = _as_dims(x)[0][dim]
    if index.numel():
        low, high = _index_range(index)
        bad = low if low < 0 else high if high >= size else None
        if bad is not None:
            raise RuntimeError(f"INDICES element is out of DATA bounds, id={bad} axis_dim={size}")
    out_shape = list(x.shape)
    if x.dim():
        out_shape[dim] = index.numel()
    strides = [0] * len(out_shape)
    if x.dim():
        strides[dim] = index.stride(0) if index.dim() else 0
    return _gather_launch(x, dim, index.as_strided(out_shape, strides))


def _scatter_add_launch(shape: Sequence[int], dim: int, index: torch.Tensor, src: torch.Tensor):
    """zeros(shape) with src[c, j] added at [c, index[c, j]], deterministic; index already checked.

    Short index dims (at most one matching tile) take the one-launch matching
    kernel, where each output scans its slice's entries; longer ones the
    counting-sort path (:func:`_scatter_add_sorted`), linear in the entries.
    """
    shape = tuple(shape)
    out = torch.empty(shape, dtype=src.dtype, device=src.device)
    if out.numel() == 0:
        return out
    full = _as_dims(out)[0]
    others = [d for d in range(len(full)) if d != dim]
    if len(others) > MAX_STRIDED_DIMS:
        raise NotImplementedError(f"triton_kernels.scatter_add: at most {MAX_STRIDED_DIMS + 1} dims")
    pad = MAX_STRIDED_DIMS - len(others)

    def padded(values, fill):
        return (fill,) * pad + tuple(values[d] for d in others)

    out_strides = _as_dims(out)[1]
    out_args = (*padded(full, 1)[1:], *padded(out_strides, 0), out_strides[dim])
    acc = acc_dtype(src.dtype) if src.dtype.is_floating_point else tl.int64
    rank = max(len(others), 1)
    if _as_dims(index)[0][dim] <= _match_blocks(1, 1 << 30)[1]:
        _scatter_add_matching(out, dim, index, src, padded, out_args, acc, rank)
    else:
        _scatter_add_sorted(out, dim, index, src, out_args, acc, rank)
    return out


def _scatter_add_matching(out, dim, index, src, padded, out_args, acc, rank) -> None:
    """One launch of :func:`_scatter_add_kernel`: each output sums the matching entries of its slice."""
    index_shape, index_strides = _as_dims(index)
    src_strides = _as_dims(src)[1]
    n_out, n_index, size = out.numel(), index_shape[dim], _as_dims(out)[0][dim]
    sizes, out_strides, out_dim_stride = out_args[:3], out_args[3:7], out_args[7]
    block_o, block_j = _match_blocks(n_out, n_index)
    launch(
        _scatter_add_kernel, (cdiv(n_out, block_o),), index, src, out, n_out, n_index, size,
        *sizes, *padded(index_shape, 1), *padded(index_strides, 0), *padded(src_strides, 0), *out_strides,
        index_strides[dim], src_strides[dim], out_dim_stride,
        RANK=rank, ACC=acc, BLOCK_O=block_o, BLOCK_J=block_j, num_warps=_NUM_WARPS,
    )


def _scatter_add_sorted(out, dim, index, src, out_args, acc, rank) -> None:
    """scatter_add by :func:`_sorted_segment_sum`: key = (position over out's other dims) * size + index."""
    full = _as_dims(out)[0]
    size = full[dim]
    key_strides = [0] * len(full)
    for d in range(len(full)):
        if d != dim:
            key_strides[d] = size * math.prod(full[e] for e in range(d + 1, len(full)) if e != dim)
    index_shape, index_strides = _as_dims(index)
    _sorted_segment_sum(out, out_args, rank, acc, index_shape, index, index_strides, key_strides, 1,
                        src, _as_dims(src)[1], size)


def _sorted_segment_sum(out, out_args, rank, acc, entry_shape, index, index_strides, key_strides, scale,
                        src, src_strides, size, base=None, last=False) -> None:
    """out[o] = (base[o] +) sum of src[e] over the entries e whose key is o, summed in entry order.

    An entry ``e`` (a coordinate over ``entry_shape``) has key sum_d e_d *
    key_strides_d + index[e] * scale and source ``src[e]``; with ``last``,
    out[o] is the source of the last entry at o (or base[o]) instead. Counting sort of
    the entries by output bucket, then one program per bucket. Five launches:
    zero the (bucket x chunk) count table (elementwise fill_), count (integer
    atomics: the counts do not depend on their order), exclusive scan, stable
    placement, segment sums. Work is linear in the entries (times BUCKET
    compares).
    """
    from .elementwise import fill_

    n_out, n_entries = out.numel(), math.prod(entry_shape)
    entry_rank, entry_sizes, (entry_index, entry_keys, entry_src) = padded_dims(
        entry_shape, index_strides, key_strides, src_strides
    )
    entry_args = (*entry_sizes, *entry_index, *entry_keys, scale)
    chunk = block_size(n_entries, lo=1, hi=min(tile_elements(), 1024 if interpreting() else 64))
    bucket = block_size(n_out, lo=1, hi=min(64, tile_elements()))
    n_chunks, n_buckets = cdiv(n_entries, chunk), cdiv(n_out, bucket)
    counts = torch.empty(n_buckets * n_chunks, dtype=torch.int64, device=out.device)
    starts = torch.empty(n_buckets * n_chunks + 1, dtype=torch.int64, device=out.device)
    keys = torch.empty(n_entries, dtype=torch.int64, device=out.device)
    offsets = torch.empty(n_entries, dtype=torch.int64, device=out.device)
    fill_(counts, 0)
    launch(_bucket_count_kernel, (n_chunks,), index, counts, n_entries, n_chunks, *entry_args,
           BUCKET=bucket, RANK=entry_rank, CHUNK=chunk, num_warps=_NUM_WARPS)
    launch(_exclusive_scan_kernel, (1,), counts, starts, counts.numel(), BLOCK=_block(counts.numel()),
           num_warps=_NUM_WARPS)
    launch(_bucket_place_kernel, (n_chunks,), index, starts, keys, offsets, n_entries, n_chunks,
           *entry_args, *entry_src, BUCKET=bucket, RANK=entry_rank, CHUNK=chunk, num_warps=_NUM_WARPS)
    if base is None:
        base_rank, base_args = 1, (1, 1, 1, 0, 0, 0, 0)
    else:
        base_rank, base_sizes, (base_strides,) = padded_dims(*_as_dims(base))
        base_args = (*base_sizes, *base_strides)
    block_e = block_size(n_entries, lo=1, hi=max(1, tile_elements() // bucket))
    launch(_segment_sum_kernel, (n_buckets,), src, keys, offsets, starts, out, out if base is None else base,
           n_out, n_chunks, size, *out_args, *base_args,
           RANK=rank, BASE_RANK=base_rank, HAS_BASE=base is not None, LAST=last, ACC=acc, BUCKET=bucket,
           BLOCK_E=block_e, num_warps=_NUM_WARPS)


def scatter_add(shape: Sequence[int], dim: int, index: torch.Tensor, src: torch.Tensor) -> torch.Tensor:
    """``torch.zeros(shape).scatter_add(dim, index, src)``: the backward of :func:`gather`, deterministic.

    out[..., t, ...] = sum_j src[..., j, ...] * (index[..., j, ...] == t)
    over index's extent, summed in index order (deterministic). After the
    range check (two reduction launches): one launch when index's dim fits
    one matching tile (256 entries), else the five launches of the sorted
    path.
    """
    check_tensor("scatter_add", src)
    _check_index_tensor("scatter_add", index, "scatter(): Expected dtype int64 for index")
    check_same_device("scatter_add", index, src)
    shape = tuple(int(n) for n in shape)
    dim = wrap_dim(dim, len(shape))
    wrap_dim(dim, src.dim())
    if max(index.dim(), 1) != max(len(shape), 1) or max(src.dim(), 1) != max(len(shape), 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    full = shape or (1,)
    index_shape = _as_dims(index)[0]
    src_shape = _as_dims(src)[0]
    if any(n > src_shape[d] or (d != dim and n > full[d]) for d, n in enumerate(index_shape)):
        raise RuntimeError(
            f"Expected index {list(index.shape)} to be no larger than self {list(shape)} apart from "
            f"dimension {dim} and to be no larger size than src {list(src.shape)}"
        )
    _check_range(index, dim, full[dim], wraps=False)
    return _scatter_add_launch(shape, dim, index, src)


def index_add(shape: Sequence[int], dim: int, index: torch.Tensor, src: torch.Tensor) -> torch.Tensor:
    """``torch.zeros(shape).index_add(dim, index, src)``: the backward of :func:`index_select`, deterministic.

    out[..., t, ...] = sum_j src[..., j, ...] * (index[j] == t): scatter_add
    through a stride-0 view of the 1-d index (same launches).
    """
    check_tensor("index_add", src)
    got = torch_dtype_name(index.dtype)
    _check_index_tensor("index_add", index,
                        f"index_add_(): Expected dtype int32/int64 for index but got: {got}")
    check_same_device("index_add", index, src)
    shape = tuple(int(n) for n in shape)
    dim = wrap_dim(dim, len(shape))
    if index.dim() > 1:
        raise IndexError(
            f"index_add_(): Index is supposed to be a vector, but got dim: {index.dim()} with type: "
            f"{torch_dtype_name(index.dtype)} and size: {list(index.shape)}"
        )
    full = shape or (1,)
    if dim >= max(src.dim(), 1):
        raise RuntimeError(
            f"index_add_(): Indexing dim {dim} is out of bounds of the source tensor with dim {src.dim()}"
        )
    src_shape = _as_dims(src)[0]
    if index.numel() != src_shape[dim]:
        raise RuntimeError(
            f"index_add_(): Number of indices ({index.numel()}) should be equal to source.size(dim): "
            f"({src_shape[dim]}), for dim: {dim}"
        )
    if len(src_shape) != len(full) or any(src_shape[d] != full[d] for d in range(len(full)) if d != dim):
        raise RuntimeError(
            "source tensor shape must match self tensor shape, excluding the specified dimension. "
            f"Got self.shape = {list(shape)} source.shape = {list(src.shape)}"
        )
    _check_range(index, dim, full[dim], wraps=False)
    strides = [0] * len(src_shape)
    strides[dim] = index.stride(0) if index.dim() else 0
    return _scatter_add_launch(shape, dim, index.as_strided(src_shape, strides), src)


def index_put(x: torch.Tensor, indices: Sequence[torch.Tensor], values, accumulate: bool = False):
    """A new tensor: x with ``values`` put (or, with ``accumulate``, added) at ``x[indices]``.

    ``indices`` is a tuple of k int64/int32 tensors broadcast together to a
    shape B, indexing x's first k dims (negative entries wrap, as torch);
    ``values`` broadcasts to B + x.shape[k:]. With ``accumulate``,
    out[p] = x[p] + sum_{b: position(b) == p} values[b] (duplicates summed in
    b order, deterministic); without, out[p] = values[last b at p], or x[p].
    Launches: two range checks and one flattening launch per index tensor,
    then one scan over (positions x index entries), or, with more index
    entries than one matching tile, the five launches of the sorted segment
    sum (linear in the entries).
    """
    check_tensor("index_put", x)
    indices = tuple(indices)
    for index in indices:
        if isinstance(index, torch.Tensor) and index.dtype in (torch.bool, torch.uint8):
            raise NotImplementedError(
                "triton_kernels.index_put: mask (bool/byte) indices are not supported; pass the int64 "
                "positions (mask.nonzero(as_tuple=True))"
            )
        if not isinstance(index, torch.Tensor) or index.dtype not in _INDEX_DTYPES:
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    if isinstance(values, torch.Tensor):
        if values.dtype != x.dtype:
            raise RuntimeError(
                "Index put requires the source and destination dtypes match, got "
                f"{torch_dtype_name(x.dtype)} for the destination and {torch_dtype_name(values.dtype)} for "
                "the source."
            )
    else:
        values = torch.tensor(values, dtype=x.dtype, device=x.device)  # a host scalar: allocation, no compute
    check_same_device("index_put", x, values, *indices)
    k = len(indices)
    if k == 0:
        raise ValueError("triton_kernels.index_put: expected at least one index tensor")
    if k > x.dim():
        raise IndexError(f"too many indices for tensor of dimension {x.dim()} (got {k})")
    try:
        index_shape = tuple(torch.broadcast_shapes(*(index.shape for index in indices)))
    except RuntimeError:
        shapes = ", ".join(str(list(index.shape)) for index in indices)
        raise IndexError(
            f"shape mismatch: indexing tensors could not be broadcast together with shapes {shapes}"
        ) from None
    lead, rest = tuple(x.shape[:k]), tuple(x.shape[k:])
    result_shape = index_shape + rest
    try:
        if tuple(torch.broadcast_shapes(values.shape, result_shape)) != result_shape:
            raise RuntimeError
    except RuntimeError:
        raise RuntimeError(
            f"shape mismatch: value tensor of shape {list(values.shape)} cannot be broadcast to indexing "
            f"result of shape {list(result_shape)}"
        ) from None
    for d, index in enumerate(indices):
        _check_range(index, d, lead[d], wraps=True, error=IndexError)

    out = torch.empty(x.shape, dtype=x.dtype, device=x.device)
    n_index = math.prod(index_shape)
    flat = torch.empty(index_shape, dtype=torch.int64, device=x.device)
    position_strides = [math.prod(lead[d + 1:]) for d in range(k)]
    if n_index:
        for d, index in enumerate(indices):
            rank, sizes, (padded_index,) = padded_dims(index_shape, broadcast_strides(index, index_shape))
            block = _block(n_index)
            launch(_flatten_index_kernel, (cdiv(n_index, block),), flat, index, n_index, *sizes,
                   *padded_index, lead[d], position_strides[d],
                   RANK=rank, FIRST=d == 0, BLOCK=block, num_warps=_NUM_WARPS)
    n_out = out.numel()
    if n_out == 0:
        return out
    values_strides = broadcast_strides(values, result_shape)
    acc = acc_dtype(x.dtype) if x.dtype.is_floating_point else tl.int64
    n_rest = math.prod(rest)
    # the sorted path: entries (b, r) of the result shape, key = flat[b] * n_rest + r
    flat_strides = tuple(flat.stride()) + (0,) * len(rest)
    key_strides = (0,) * len(index_shape) + tuple(math.prod(rest[d + 1:]) for d in range(len(rest)))
    entry_dims = len(collapse_dims(result_shape, flat_strides, key_strides, values_strides)[0])
    if n_index > _match_blocks(1, 1 << 30)[1] and entry_dims <= MAX_STRIDED_DIMS:
        _sorted_segment_sum(out, (1, 1, 1, 0, 0, 0, 0, 1), 1, acc, result_shape, flat, flat_strides,
                            key_strides, n_rest, values, values_strides, n_out, base=x, last=not accumulate)
        return out
    p_rank, p_sizes, (p_strides,) = padded_dims(lead, x.stride()[:k])
    b = len(index_shape)
    r_rank, r_sizes, (rx_strides, rv_strides) = padded_dims(rest, x.stride()[k:], values_strides[b:])
    b_rank, b_sizes, (bv_strides,) = padded_dims(index_shape, values_strides[:b])
    block_o, block_b = _match_blocks(n_out, n_index)
    launch(
        _index_put_kernel, (cdiv(n_out, block_o),), x, flat, values, out, n_out, n_index, math.prod(rest),
        *p_sizes, *p_strides, *r_sizes, *rx_strides, *rv_strides, *b_sizes, *bv_strides,
        P_RANK=p_rank, R_RANK=r_rank, B_RANK=b_rank, ACCUMULATE=bool(accumulate),
        ACC=acc, BLOCK_O=block_o, BLOCK_B=block_b, num_warps=_NUM_WARPS,
    )
    return out


_MASK_DTYPE_NAMES = {torch.int64: "long int", torch.int32: "int", torch.uint8: "unsigned char",
                     torch.float32: "float", torch.float64: "double"}


def masked_fill(x: torch.Tensor, mask: torch.Tensor, value) -> torch.Tensor:
    """``x.masked_fill(mask, value)``: a new tensor, value where mask is True (mask broadcasts to x).

    out = where(mask, value, x); ``value`` is a Python scalar or a 0-d tensor
    (read on the device). One launch.
    """
    check_tensor("masked_fill", x)
    if not isinstance(mask, torch.Tensor):
        raise TypeError(f"triton_kernels.masked_fill: expected a tensor mask, not {type(mask).__name__}")
    if mask.dtype != torch.bool:
        name = _MASK_DTYPE_NAMES.get(mask.dtype, str(mask.dtype).removeprefix("torch."))
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype {name}")
    if isinstance(value, torch.Tensor):
        if value.dim() != 0:
            raise RuntimeError(
                "masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                f"{value.dim()} dimension(s)."
            )
        check_same_device("masked_fill", x, mask, value)
        if value.dtype != x.dtype:
            value = _cast_scalar(value, x.dtype)
    else:
        check_same_device("masked_fill", x, mask)
        value = torch.tensor(value, dtype=x.dtype, device=x.device)  # a host scalar: allocation, no compute
    shape = broadcast_shape(mask.shape, x.shape)
    out = torch.empty(shape, dtype=x.dtype, device=x.device)
    n = out.numel()
    if n == 0:
        return out
    full = shape or (1,)
    x_strides, mask_strides = broadcast_strides(x, full), broadcast_strides(mask, full)
    rank, sizes, (padded_x, padded_mask) = padded_dims(full, x_strides, mask_strides)
    block = _block(n)
    launch(_masked_fill_kernel, (cdiv(n, block),), x, mask, value, out, n, *sizes, *padded_x, *padded_mask,
           RANK=rank, BLOCK=block, num_warps=_NUM_WARPS)
    return out


def _cast_scalar(value: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """A 0-d tensor's value converted to ``dtype`` by a one-element kernel (no torch compute op)."""
    out = torch.empty((), dtype=dtype, device=value.device)
    launch(_cast_kernel, (1,), value, out, VIA_FP32=dtype == torch.bfloat16 and value.dtype == torch.float64)
    return out


@triton.jit
def _cast_kernel(src_ptr, dst_ptr, VIA_FP32: tl.constexpr):
    """dst = src converted to dst's dtype (one element; grid 1). fp64 -> bf16 goes through fp32.

    (Exact either way, as rounding to bf16 from the fp32 rounding is the
    same except at ties; the interpreter mis-converts fp64 -> bf16 directly.)
    """
    value = tl.load(src_ptr)
    if VIA_FP32:
        value = value.to(tl.float32)
    tl.store(dst_ptr, value.to(dst_ptr.dtype.element_ty))


# ------------------------------------------------------- ahead-of-time builds

_TRITON_TYPE = {torch.float16: "fp16", torch.bfloat16: "bf16", torch.float32: "fp32", torch.int64: "i64",
                torch.bool: "i1"}


def _build(kernel, dtype: torch.dtype, pointers: dict, constexprs: dict, config: str) -> AotBuild:
    """A build of ``kernel`` where every argument not a pointer or constexpr is an int64 size or stride."""
    signature = {
        name: "constexpr" if name in constexprs else pointers.get(name, "i64") for name in kernel.arg_names
    }
    return AotBuild(kernel=kernel, signature=signature, constexprs=constexprs, dtype=_TRITON_TYPE[dtype],
                    config=config, num_warps=_NUM_WARPS, divisible=tuple(pointers))


def _builds_for(dtype: torch.dtype) -> list[AotBuild]:
    data = f"*{_TRITON_TYPE[dtype]}"
    acc = acc_dtype(dtype)
    return [
        _build(_gather_kernel, dtype, {"x_ptr": data, "index_ptr": "*i64", "out_ptr": data},
               {"RANK": 2, "BLOCK": 1024}, "gather RANK=2 BLOCK=1024"),
        _build(_scatter_add_kernel, dtype, {"index_ptr": "*i64", "src_ptr": data, "out_ptr": data},
               {"RANK": 1, "ACC": acc, "BLOCK_O": 16, "BLOCK_J": 256},
               "scatter_add RANK=1 BLOCK_O=16 BLOCK_J=256"),
        _build(_index_put_kernel, dtype,
               {"x_ptr": data, "flat_ptr": "*i64", "values_ptr": data, "out_ptr": data},
               {"P_RANK": 1, "R_RANK": 1, "B_RANK": 1, "ACCUMULATE": True, "ACC": acc, "BLOCK_O": 16,
                "BLOCK_B": 256}, "index_put accumulate BLOCK_O=16 BLOCK_B=256"),
        _build(_segment_sum_kernel, dtype,
               {"src_ptr": data, "keys_ptr": "*i64", "offsets_ptr": "*i64", "starts_ptr": "*i64",
                "out_ptr": data, "base_ptr": data},
               {"RANK": 1, "BASE_RANK": 1, "HAS_BASE": True, "LAST": False, "ACC": acc, "BUCKET": 64,
                "BLOCK_E": 64},
               "segment_sum +base RANK=1 BUCKET=64 BLOCK_E=64"),
        _build(_masked_fill_kernel, dtype,
               {"x_ptr": data, "mask_ptr": "*i1", "value_ptr": data, "out_ptr": data},
               {"RANK": 2, "BLOCK": 1024}, "masked_fill RANK=2 BLOCK=1024"),
    ]


# the GPU blocks of the launchers (1024 elements; 16 x 256 for the matching loops)
AOT_BUILDS: list[AotBuild] = [
    build for dtype in (torch.float16, torch.bfloat16, torch.float32) for build in _builds_for(dtype)
] + [
    _build(_flatten_index_kernel, torch.int64, {"flat_ptr": "*i64", "index_ptr": "*i64"},
           {"RANK": 1, "FIRST": False, "BLOCK": 1024}, "flatten_index RANK=1 BLOCK=1024"),
    _build(_bucket_count_kernel, torch.int64, {"index_ptr": "*i64", "counts_ptr": "*i64"},
           {"BUCKET": 64, "RANK": 2, "CHUNK": 64}, "bucket_count RANK=2 BUCKET=64 CHUNK=64"),
    _build(_exclusive_scan_kernel, torch.int64, {"counts_ptr": "*i64", "starts_ptr": "*i64"},
           {"BLOCK": 1024}, "exclusive_scan BLOCK=1024"),
    _build(_bucket_place_kernel, torch.int64,
           {"index_ptr": "*i64", "starts_ptr": "*i64", "keys_ptr": "*i64", "offsets_ptr": "*i64"},
           {"BUCKET": 64, "RANK": 2, "CHUNK": 64}, "bucket_place RANK=2 BUCKET=64 CHUNK=64"),
]
