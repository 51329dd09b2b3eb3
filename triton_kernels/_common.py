"""What every kernel family shares: launching (and counting launches), dtypes, blocks, shapes.

Every launcher in this package starts its kernels through :func:`launch`, never
``kernel[grid](...)`` directly, so that :func:`count_launches` sees each one:
that is how the number of kernels a whole training step costs is measured
without a GPU.

Dtypes: kernels accumulate in :func:`acc_dtype` of their input (fp32 for
fp16/bf16/fp32, fp64 for fp64), passed to the kernel as a ``tl.constexpr``.

Shapes: :func:`collapse_dims` merges adjacent dimensions that are laid out
contiguously together in every operand, so that a strided kernel indexes as
few dimensions as possible (a contiguous tensor collapses to one).
"""

from __future__ import annotations

import os
import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

import torch
import triton
import triton.language as tl

# ------------------------------------------------------------------ launches

_counters = threading.local()


class LaunchCount:
    """Kernel launches seen inside one :func:`count_launches` block."""

    def __init__(self) -> None:
        self.by_kernel: Counter[str] = Counter()

    @property
    def total(self) -> int:
        return sum(self.by_kernel.values())

    def __repr__(self) -> str:
        return f"LaunchCount(total={self.total}, by_kernel={dict(self.by_kernel)})"


@contextmanager
def count_launches() -> Iterator[LaunchCount]:
    """Count the kernel launches made inside the block, by kernel name.

    ``with count_launches() as n: step(); print(n.total, n.by_kernel)``. Blocks
    nest: an inner block's launches count in the outer one too.
    """
    stack = _counters.__dict__.setdefault("stack", [])
    count = LaunchCount()
    stack.append(count)
    try:
        yield count
    finally:
        stack.remove(count)


def launch(kernel, grid, *args, **kwargs):
    """Launch ``kernel[grid](*args, **kwargs)`` and count it in every open :func:`count_launches`."""
    name = kernel_name(kernel)
    for count in getattr(_counters, "stack", ()):
        count.by_kernel[name] += 1
    return kernel[grid](*args, **kwargs)


def kernel_name(kernel) -> str:
    """The Python name of a ``@triton.jit`` (or autotuned / heuristics-wrapped) kernel."""
    fn = kernel
    while hasattr(fn, "fn"):
        fn = fn.fn
    return getattr(fn, "__name__", repr(kernel))


def interpreting() -> bool:
    """True when kernels run in Triton's CPU interpreter (``TRITON_INTERPRET=1``)."""
    return os.environ.get("TRITON_INTERPRET", "0") not in ("", "0")


# -------------------------------------------------------------------- dtypes

FLOAT_DTYPES = (torch.float16, torch.bfloat16, torch.float32, torch.float64)
INT_DTYPES = (torch.int8, torch.int16, torch.int32, torch.int64, torch.uint8)

_TL_DTYPE = {
    torch.float16: tl.float16,
    torch.bfloat16: tl.bfloat16,
    torch.float32: tl.float32,
    torch.float64: tl.float64,
    torch.int8: tl.int8,
    torch.int16: tl.int16,
    torch.int32: tl.int32,
    torch.int64: tl.int64,
    torch.uint8: tl.uint8,
    torch.bool: tl.int1,
}


def tl_dtype(dtype: torch.dtype):
    """The ``triton.language`` dtype for a torch dtype (``TypeError`` naming it if none)."""
    try:
        return _TL_DTYPE[dtype]
    except KeyError:
        raise TypeError(f"triton_kernels: unsupported dtype {dtype}") from None


def acc_dtype(dtype: torch.dtype):
    """The accumulator for ``dtype``: fp64 for fp64, fp32 for every other float (and for ints in means)."""
    return tl.float64 if dtype == torch.float64 else tl.float32


def check_dtype(name: str, x: torch.Tensor, allowed: Sequence[torch.dtype]) -> None:
    """Raise ``TypeError`` naming the op and the dtype when ``x.dtype`` is not in ``allowed``."""
    if x.dtype not in allowed:
        names = ", ".join(str(d) for d in allowed)
        raise TypeError(f"triton_kernels.{name}: unsupported dtype {x.dtype} (supported: {names})")


def check_same_device(name: str, *tensors: torch.Tensor) -> None:
    """Raise torch's RuntimeError when the tensors are not all on one device."""
    devices = {t.device for t in tensors if isinstance(t, torch.Tensor)}
    if len(devices) > 1:
        a, b = sorted(str(d) for d in devices)[:2]
        raise RuntimeError(
            f"Expected all tensors to be on the same device, but found at least two devices, {b} and {a}!"
        )


# -------------------------------------------------------------- blocks, grids

def block_size(n: int, lo: int = 16, hi: int = 4096) -> int:
    """The power of two covering ``n``, clamped to [lo, hi]."""
    return max(lo, min(hi, triton.next_power_of_2(max(int(n), 1))))


def cdiv(a: int, b: int) -> int:
    return -(-a // b)


# -------------------------------------------------------------------- shapes

def collapse_dims(shape: Sequence[int], *strides: Sequence[int]) -> tuple[tuple[int, ...], ...]:
    """Merge adjacent dims contiguous together in every operand; drop size-1 dims.

    Returns ``(shape, strides_0, strides_1, ...)`` with the fewest dims that
    index the same elements: dims ``i`` and ``i+1`` merge when, for every
    operand, ``stride[i] == stride[i+1] * shape[i+1]`` (a stride-0 broadcast
    dim merges with another stride-0 dim). A 0-d or all-ones shape gives one dim
    of size 1 (or 0 when the shape has a zero).
    """
    if any(n == 0 for n in shape):
        return ((0,),) + tuple((1,) for _ in strides)
    dims = [i for i, n in enumerate(shape) if n != 1]
    if not dims:
        return ((1,),) + tuple((1,) for _ in strides)
    out_shape = [shape[dims[0]]]
    out_strides = [[s[dims[0]]] for s in strides]
    for i in dims[1:]:
        n = shape[i]
        if all(st[-1] == s[i] * n for st, s in zip(out_strides, strides)):
            out_shape[-1] *= n
            for st, s in zip(out_strides, strides):
                st[-1] = s[i]
        else:
            out_shape.append(n)
            for st, s in zip(out_strides, strides):
                st.append(s[i])
    return (tuple(out_shape),) + tuple(tuple(st) for st in out_strides)


def broadcast_shape(*shapes: Sequence[int]) -> tuple[int, ...]:
    """The shape ``shapes`` broadcast to, with torch's RuntimeError when they do not broadcast.

    Shapes align at their last dim; each dim is the operands' common size,
    where a size of 1 stretches. The error names the first two clashing
    operands as torch does: "The size of tensor a (3) must match the size of
    tensor b (4) at non-singleton dimension 1".
    """
    rank = max((len(s) for s in shapes), default=0)
    out = [1] * rank
    owner = [0] * rank
    for k, shape in enumerate(shapes):
        for i, size in enumerate(shape, start=rank - len(shape)):
            if size == out[i] or size == 1:
                continue
            if out[i] != 1:
                first, second = (out[i], size) if owner[i] < k else (size, out[i])
                raise RuntimeError(
                    f"The size of tensor a ({first}) must match the size of tensor b ({second}) "
                    f"at non-singleton dimension {i}"
                )
            out[i], owner[i] = size, k
    return tuple(out)


def wrap_dim(dim: int, ndim: int) -> int:
    """torch's dim wrapping: ``dim`` in ``[0, ndim)`` (a 0-d tensor accepts -1 and 0), or its IndexError."""
    rank = max(ndim, 1)
    if not -rank <= dim < rank:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{-rank}, {rank - 1}], but got {dim})"
        )
    return dim % rank


def broadcast_strides(x: torch.Tensor, shape: Sequence[int]) -> tuple[int, ...]:
    """``x``'s strides seen at the broadcast ``shape``: stride 0 on broadcast dims, no copy."""
    lead = len(shape) - x.dim()
    strides = [0] * lead
    for size, stride, target in zip(x.shape, x.stride(), shape[lead:]):
        strides.append(0 if size == 1 and target != 1 else stride)
    return tuple(strides)


@triton.jit
def round_to_bf16(x):
    """fp32 ``x`` converted to bf16, rounded to nearest even, by bit arithmetic.

    Triton's 3.9 interpreter converts fp32 to bf16 by truncation (with or without
    ``fp_downcast_rounding="rtne"``) and flushes subnormals to zero; a GPU rounds to
    nearest even. This gives the GPU's (and torch's) bf16 on both. NaN stays a quiet NaN,
    overflow gives inf.
    """
    bits = x.to(tl.int32, bitcast=True)
    rounded = tl.where(x != x, bits | 0x400000, bits + 0x7FFF + ((bits >> 16) & 1))
    return (rounded >> 16).to(tl.int16).to(tl.bfloat16, bitcast=True)


@triton.jit
def bf16_to_fp32(x):
    """bf16 ``x`` widened to fp32 by bit arithmetic (exact; the interpreter flushes bf16 subnormals)."""
    return (x.to(tl.int16, bitcast=True).to(tl.int32) << 16).to(tl.float32, bitcast=True)


# ------------------------------------------------------- ahead-of-time builds

@dataclass(frozen=True)
class AotBuild:
    """One shipped (kernel, dtype, config) that ``python -m triton_kernels.inspect`` compiles for sm_80/sm_90.

    ``signature`` maps every kernel argument to a Triton type string
    (``"*fp32"``, ``"*bf16"``, ``"i32"``, ``"i64"``, ``"fp32"``, ``"constexpr"``),
    or, for a tuple argument (e.g. the strides of an N-d operand), to a tuple
    of such strings, one per element;
    ``constexprs`` gives the value of every ``constexpr`` argument by name
    (unit strides the JIT would specialise belong here too, as the JIT sees
    them: an element of a tuple argument is keyed ``(argument_index,
    element_index)``, as ``triton.compiler.ASTSource`` takes it);
    ``divisible`` names the pointer and integer arguments the JIT would mark
    divisible by 16. Each kernel module lists its shipped builds in a
    module-level ``AOT_BUILDS`` list of these records.
    """

    kernel: object
    signature: dict
    constexprs: dict
    dtype: str
    config: str
    num_warps: int = 4
    num_stages: int = 3
    divisible: tuple = field(default_factory=tuple)
    options: dict = field(default_factory=dict)  # more compile options, as given at launch (enable_fp_fusion)
