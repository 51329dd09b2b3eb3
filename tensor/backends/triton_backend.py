"""The Triton backend: array primitives for device ``cuda``, each compute primitive a kernel.

Storage is a ``torch.Tensor``: a CUDA tensor when torch sees a GPU, a CPU
tensor when Triton runs in its interpreter (``TRITON_INTERPRET=1``, no GPU),
where the very same kernels execute on host memory. The functions have the
names and meanings of :mod:`.numpy_backend` (the engine above calls only
those), so nothing above the backend line knows which device it runs on.

Every compute primitive is a launch of a ``triton_kernels`` launcher
(elementwise, reduce, matmul, softmax, index, optim). torch itself is used
only for what follows, and nowhere else:

- allocation: ``torch.empty`` / ``torch.empty_strided`` (``full`` is an
  allocation followed by the ``fill_`` kernel);
- views and metadata: ``view``, ``permute``, ``expand``, ``as_strided``,
  basic indexing (ints, slices, None), ``split``, ``unsqueeze``, strides, shapes;
- host/device transfer: ``torch.from_numpy``, ``.to(device)``, ``.cpu()``,
  ``.item()``, ``.tolist()``, DLPack;
- random numbers: ``torch.rand`` / ``randn`` / ``randint`` / ``uniform_`` /
  ``normal_`` with this backend's ``torch.Generator``;
- checks of index values that must raise torch's errors before a kernel runs
  (``out_of_range``, and ``first_invalid_target`` in each cross_entropy): the
  indices are copied to the host and checked there with numpy (a transfer and
  a synchronisation, where torch's CUDA kernels assert on the device);
- ``memory_is_shared`` reads torch's storage use count (metadata);
- creation utilities with no kernel here, never in a training step:
  ``torch.arange``, ``torch.linspace``, ``torch.eye``;
- utilities with no kernel here, never in a training step of the MLPs of the
  tests and benchmarks: ``torch.nonzero`` (boolean masks), ``torch.argsort``
  (sort), ``torch.cumsum``, and advanced indexing keys that mix several index
  tensors with slices in ``getitem``, ``setitem``, ``index_add_zeros`` and
  ``index_put`` (``Tensor.__getitem__`` / ``aten.index_put_``; a single index
  tensor uses the ``index_select`` kernel, a key of only index tensors the
  ``index_put`` kernel); ``unique(dim=...)`` (``unique_dim``), on the host by
  the numpy backend, its results copied back.

Conventions as in :mod:`.numpy_backend`: ``dtype`` arguments are
:class:`tensor._dtypes.dtype` objects; ``axis`` is an int, a tuple of ints or
``None`` (all axes), already non-negative.
"""

from __future__ import annotations

import builtins
import importlib
import itertools
import math
import sys

import torch

from .. import _dtypes as D
from . import last_seed, numpy_backend

name = "triton"
device_type = "cuda"

#: Where storage lives: the GPU, or host memory when Triton interprets.
TORCH_DEVICE = torch.device("cuda" if torch.cuda.is_available() else "cpu")

_TO_NATIVE = {
    D.bool_: torch.bool,
    D.uint8: torch.uint8,
    D.int8: torch.int8,
    D.int16: torch.int16,
    D.int32: torch.int32,
    D.int64: torch.int64,
    D.float16: torch.float16,
    D.bfloat16: torch.bfloat16,
    D.float32: torch.float32,
    D.float64: torch.float64,
}
_FROM_NATIVE = {v: k for k, v in _TO_NATIVE.items()}
_Tensor = torch.Tensor

class _Kernels:
    """A ``triton_kernels`` module, imported at its first use (kernel families land one by one)."""

    def __init__(self, module: str):
        self._module = "triton_kernels." + module

    def __getattr__(self, attr):
        return getattr(importlib.import_module(self._module), attr)


def kernels(module: str) -> _Kernels:
    return _Kernels(module)


elementwise = kernels("elementwise")
reduce = kernels("reduce")
matmul_kernels = kernels("matmul")
softmax_kernels = kernels("softmax")
index_kernels = kernels("index")
optim = kernels("optim")


def native_dtype(dtype: D.dtype) -> torch.dtype:
    """The torch dtype that stores ``dtype``."""
    return _TO_NATIVE[dtype]


def _native(dtype):
    return None if dtype is None else _TO_NATIVE[dtype]


def dtype_of(x) -> D.dtype:
    """The lucidgrad dtype of a stored tensor."""
    try:
        return _FROM_NATIVE[x.dtype]
    except KeyError:
        raise TypeError(f"torch tensors of dtype {x.dtype} are not supported") from None


_LEAN = {torch.float32: D.float32, torch.float64: D.float64}


def is_storage(x) -> bool:
    return type(x) is _Tensor


def _axes(axis):
    """numpy's ``axis`` (None, int or tuple) as the kernels' ``dims`` (None or a tuple)."""
    return (axis,) if isinstance(axis, int) else axis


# ----------------------------------------------------------------- creation

def from_data(data, dtype: D.dtype | None):
    """Storage from nested Python lists/numbers, an ndarray or a torch tensor (copied).

    The dtype is inferred exactly as on cpu (the numpy backend reads the data
    on the host); float16/bfloat16 values go up as float32 and are cast on the
    device, since numpy has no bfloat16.
    """
    if isinstance(data, _Tensor):
        host = data.detach()
        if dtype is None:
            dtype_of(host)
            return copy(_upload(host))
        return astype(_upload(host), dtype)
    if dtype in (D.bfloat16, D.float16):
        return astype(_upload(torch.from_numpy(numpy_backend.from_data(data, D.float32))), dtype)
    return _upload(torch.from_numpy(numpy_backend.from_data(data, dtype)))


def _upload(host: torch.Tensor) -> torch.Tensor:
    """A host tensor moved to the storage device (a transfer; no copy under the interpreter)."""
    return host if host.device == TORCH_DEVICE else host.to(TORCH_DEVICE)


def wrap_numpy(array):
    """Storage holding an ndarray's values: shared under the interpreter, copied to a GPU."""
    numpy_backend.dtype_of(array)
    return _upload(torch.from_numpy(array))


def from_host(array):
    """Storage from a cpu (numpy) storage array: a host-to-device transfer (a copy)."""
    if TORCH_DEVICE.type == "cpu":
        array = numpy_backend.copy(array)
    return _upload(torch.from_numpy(array))


def to_host(x):
    """A numpy copy of the storage on the host: a device-to-host transfer.

    bfloat16 has no numpy dtype, so a bfloat16 tensor cannot move to ``cpu``
    (the TypeError names it): cast it to float32 on cuda first.
    """
    if x.dtype == torch.bfloat16:
        numpy_backend.native_dtype(D.bfloat16)
    return x.detach().cpu().numpy().copy()


def full(shape, value, dtype):
    """A new tensor of ``shape`` filled with ``value``: ``torch.empty`` plus the ``fill_`` kernel."""
    out = torch.empty(tuple(shape), dtype=_TO_NATIVE[dtype], device=TORCH_DEVICE)
    if out.numel():
        elementwise.fill_(out, value)
    return out


def empty(shape, dtype):
    return torch.empty(tuple(shape), dtype=_TO_NATIVE[dtype], device=TORCH_DEVICE)


def arange(start, end, step, dtype):
    return torch.arange(start, end, step, dtype=_TO_NATIVE[dtype], device=TORCH_DEVICE)


def linspace(start, end, steps, dtype):
    values = torch.linspace(start, end, steps, dtype=torch.float64, device=TORCH_DEVICE)
    return values if dtype is D.float64 else cast(values, dtype)


def eye(n, m, dtype):
    return torch.eye(n, m, dtype=_TO_NATIVE[dtype], device=TORCH_DEVICE)


_generator = [torch.Generator(device=TORCH_DEVICE)]
if last_seed() is not None:
    _generator[0].manual_seed(last_seed())


def manual_seed(seed: int) -> None:
    _generator[0].manual_seed(seed)


def _random(sample, shape, dtype):
    """Random values drawn in float64 (as the cpu backend draws them), cast to ``dtype``."""
    values = sample(tuple(shape), generator=_generator[0], dtype=torch.float64, device=TORCH_DEVICE)
    return values if dtype is D.float64 else cast(values, dtype)


def rand(shape, dtype):
    return _random(torch.rand, shape, dtype)


def randn(shape, dtype):
    return _random(torch.randn, shape, dtype)


def randint(low, high, shape, dtype):
    return torch.randint(low, high, tuple(shape), generator=_generator[0], dtype=_TO_NATIVE[dtype],
                         device=TORCH_DEVICE)


def uniform_(x, low, high):
    x.uniform_(low, high, generator=_generator[0])


def normal_(x, mean, std):
    x.normal_(mean, std, generator=_generator[0])


# ------------------------------------------------------------- metadata

def shape(x) -> tuple:
    return tuple(x.shape)


def strides(x) -> tuple:
    return x.stride()


def is_contiguous(x) -> bool:
    return x.is_contiguous()


def is_plain_contiguous(x) -> bool:
    """Contiguous with no stride 0, even over a dim of size 1 (which a broadcast view has):
    torch's layout contract for a gradient AccumulateGrad may keep as it is."""
    return x.is_contiguous() and 0 not in x.stride()


def has_internal_overlap(x) -> bool:
    """True when elements of ``x`` share memory: a stride of 0 over a dim longer than 1 (expand),
    in a tensor with elements (an empty one may carry any strides)."""
    strides = x.stride()
    return 0 in strides and x.numel() > 1 and builtins.any(s == 0 and n > 1 for s, n in zip(strides, x.shape))


def memory_is_shared(x) -> bool:
    """True when another live tensor may use ``x``'s memory.

    A tensor holds its storage once; a view also through its base, which is
    shared only if the base is alive in Python beyond this check or the
    storage has yet more users (another view, say).
    """
    users = torch._C._storage_Use_Count(x.untyped_storage()._cdata)
    base = x._base
    if base is None:
        return users > 2
    return users > 3 or sys.getrefcount(base) > 3


def data_ptr(x) -> int:
    return x.data_ptr()


def shares_memory(a, b) -> bool:
    return a.untyped_storage().data_ptr() == b.untyped_storage().data_ptr()


def item(x):
    return x.item()


def tolist(x):
    return x.tolist()


def to_numpy(x):
    return to_host(x)


def astype(x, dtype):
    """A new contiguous tensor converted to ``dtype`` (a fresh tensor even when the dtype matches)."""
    return elementwise.cast(x, _TO_NATIVE[dtype])


def cast(x, dtype):
    """``x`` converted to ``dtype``, or ``x`` itself when it already has that dtype."""
    want = _TO_NATIVE[dtype]
    return x if x.dtype == want else elementwise.cast(x, want)


def conform(x, shape, dtype):
    """A gradient made to fit its input: summed back to ``shape`` (undoing broadcasting, one
    kernel) and cast to ``dtype`` (the engine's one call per edge in the backward)."""
    if tuple(x.shape) != tuple(shape):
        x = reduce.sum_to_shape(x, tuple(shape))
    want = _TO_NATIVE[dtype]
    return x if x.dtype == want else elementwise.cast(x, want)


def copy(x):
    return elementwise.copy(x)


def contiguous(x):
    return x if x.is_contiguous() else elementwise.copy(x)


def assign(dst, src) -> None:
    """Write ``src`` (storage or scalar, broadcast, cast) into ``dst`` in place."""
    elementwise.copy_(dst, src)


def assign_where(dst, src, mask) -> None:
    """Write ``src`` into ``dst`` only where ``mask``, in place.

    A ``dst`` whose elements share memory (stride 0 along a dim, an ``expand``ed view: the
    kernels refuse to write it whole) is written one slice along those dims at a time, each
    slice keeping the current value where its mask is False, so an element left out never
    overwrites one written (as numpy's ``copyto(where=)``).
    """
    shared = [d for d, (n, s) in enumerate(zip(dst.shape, dst.stride())) if n > 1 and s == 0]
    if not shared:
        elementwise.copy_(dst, elementwise.where(mask, src, dst))
        return
    src = src.expand(dst.shape) if isinstance(src, _Tensor) else src
    mask = mask.expand(dst.shape)
    for position in itertools.product(*(range(dst.shape[d]) for d in shared)):
        key = [slice(None)] * dst.dim()
        for d, i in zip(shared, position):
            key[d] = i
        key = tuple(key)
        part = dst[key]
        part_src = src[key] if isinstance(src, _Tensor) else src
        elementwise.copy_(part, elementwise.where(mask[key], part_src, part))


def isnan_any(x) -> bool:
    if not x.dtype.is_floating_point:
        return False
    return bool(reduce.reduce("any", elementwise.binary("ne", x, x)).item())


def all_finite(x) -> bool:
    return not x.dtype.is_floating_point or reduce.all_finite(x)


# ----------------------------------------------------------- elementwise

def _binary(op_name):
    def op(a, b, dtype=None):
        if type(b) is int or type(a) is int:
            a, b = _int_operands(a, b, dtype)
        return elementwise.binary(op_name, a, b, dtype=_native(dtype))

    op.__name__ = op_name
    op.__doc__ = f"Elementwise ``{op_name}`` with broadcasting, computed in ``dtype``: one kernel."
    return op


def _int_operands(a, b, dtype):
    """(a, b) with a Python int operand converted as torch converts it into the dtype the op
    computes in (:func:`tensor._dtypes.wrap_int_scalar`: wrapped into an integer dtype,
    torch's OverflowError beyond 64 bits), as the numpy backend does."""
    if dtype is None:
        dtype = _FROM_NATIVE[(a if isinstance(a, _Tensor) else b).dtype]
    if type(a) is int:
        a = D.wrap_int_scalar(a, dtype)
    if type(b) is int:
        b = D.wrap_int_scalar(b, dtype)
    return a, b


add = _binary("add")
sub = _binary("sub")
floor_divide = _binary("floor_divide")
remainder = _binary("remainder")
fmod = _binary("fmod")
mul = _binary("mul")
div = _binary("div")
pow = _binary("pow")
maximum = _binary("maximum")
minimum = _binary("minimum")
bitwise_and = _binary("bitwise_and")
bitwise_or = _binary("bitwise_or")
bitwise_xor = _binary("bitwise_xor")
eq = _binary("eq")
ne = _binary("ne")
lt = _binary("lt")
le = _binary("le")
gt = _binary("gt")
ge = _binary("ge")


def _unary(op_name):
    def op(x):
        return elementwise.unary(op_name, x)

    op.__name__ = op_name
    op.__doc__ = f"Elementwise ``{op_name}``: one kernel."
    return op


neg = _unary("neg")
exp = _unary("exp")
log = _unary("log")
sin = _unary("sin")
cos = _unary("cos")
tan = _unary("tan")
tanh = _unary("tanh")
erf = _unary("erf")
sqrt = _unary("sqrt")
rsqrt = _unary("rsqrt")
abs = _unary("abs")
sign = _unary("sign")
round = _unary("round")
floor = _unary("floor")
ceil = _unary("ceil")
trunc = _unary("trunc")
sigmoid = _unary("sigmoid")
relu = _unary("relu")
logical_not = _unary("logical_not")
bitwise_not = _unary("bitwise_not")


def clamp(x, low, high):
    return elementwise.clamp(x, low, high)


def where(cond, a, b, dtype=None):
    return elementwise.where(cond, a, b, dtype=_native(dtype))


def isclose(a, b, rtol, atol, equal_nan):
    return elementwise.isclose(a, b, rtol, atol, equal_nan)


def array_equal(a, b) -> bool:
    if tuple(a.shape) != tuple(b.shape):
        return False
    return bool(reduce.reduce("all", elementwise.binary("eq", a, b)).item())


# -------------------------------------------------------------- fused VJPs

def tanh_backward(grad, out):
    """grad * (1 - out^2): one kernel."""
    return elementwise.unary_backward("tanh", grad, out)


def sigmoid_backward(grad, out):
    """grad * out * (1 - out): one kernel."""
    return elementwise.unary_backward("sigmoid", grad, out)


def relu_backward(grad, out):
    """grad where out > 0, else 0 (also where grad is nan or inf): one kernel."""
    return elementwise.unary_backward("relu", grad, out)


def softmax_backward(grad, out, axis):
    """out * (grad - sum(grad * out, axis)): one kernel."""
    return softmax_kernels.softmax_backward(grad, out, axis)


def log_softmax_backward(grad, out, axis):
    """grad - exp(out) * sum(grad, axis): one kernel."""
    return softmax_kernels.log_softmax_backward(grad, out, axis)


# -------------------------------------------------------------- reductions

def _reduction(op_name, with_dtype):
    if with_dtype:
        def op(x, axis=None, keepdims=False, dtype=None):
            return reduce.reduce(op_name, x, _axes(axis), keepdims, _native(dtype))
    else:
        def op(x, axis=None, keepdims=False):
            return reduce.reduce(op_name, x, _axes(axis), keepdims)

    op.__name__ = op_name
    op.__doc__ = f"``{op_name}`` over ``axis`` (all axes when None): one reduction kernel."
    return op


sum = _reduction("sum", True)
prod = _reduction("prod", True)
mean = _reduction("mean", False)
amax = _reduction("amax", False)
amin = _reduction("amin", False)
all = _reduction("all", False)
any = _reduction("any", False)


def logsumexp(x, axis, keepdims=False):
    """log(sum(exp(x))) stabilised by the maximum along ``axis``: one kernel."""
    return reduce.reduce("logsumexp", x, _axes(axis), keepdims)


def argmax(x, axis=None, keepdims=False):
    return reduce.argmax(x, axis, keepdims)


def argmin(x, axis=None, keepdims=False):
    return reduce.argmin(x, axis, keepdims)


def var(x, axis=None, correction=1, keepdims=False):
    """sum((x - mean)^2) / (n - correction) over ``axis`` (exactly 0 for equal values)."""
    return reduce.var(x, _axes(axis), correction, keepdims)


def std(x, axis=None, correction=1, keepdims=False):
    """sqrt(var(x)) (the kernels accumulate in fp32, so a float32 variance beyond float32's
    range is inf here, where torch's cpu takes the root in double first)."""
    return elementwise.unary("sqrt", var(x, axis, correction, keepdims))


def norm(x, ord, axis, keepdims=False):
    """The vector p-norm of ``x`` over ``axis`` (all axes when None), as linalg.vector_norm."""
    return reduce.norm(x, ord, _axes(axis), keepdims)


def sum_to_shape(x, shape):
    """Sum ``x`` over the axes that broadcasting added or stretched, giving ``shape``: one kernel."""
    if tuple(x.shape) == tuple(shape):
        return x
    return reduce.sum_to_shape(x, tuple(shape))


def softmax(x, axis):
    return softmax_kernels.softmax(x, axis)


def log_softmax(x, axis):
    return softmax_kernels.log_softmax(x, axis)


# ------------------------------------------------------------------ matmul

def matmul(a, b):
    """a @ b with numpy's (and torch's) rules for 1-D, 2-D and batched operands: one kernel."""
    return matmul_kernels.matmul(a, b)


def addmm(bias, mat1, mat2):
    """bias + mat1 @ mat2, the bias added in the matmul's epilogue: one kernel."""
    return matmul_kernels.addmm(bias, mat1, mat2)


# ------------------------------------------------------- shape and indexing

def reshape_view(x, shape):
    """A view with ``shape``, or None when the strides do not allow one."""
    try:
        return x.view(tuple(shape))
    except RuntimeError:
        return None


def reshape(x, shape):
    view = reshape_view(x, shape)
    return view if view is not None else elementwise.copy(x).view(tuple(shape))


def permute(x, axes):
    return x.permute(tuple(axes))


def expand(x, shape):
    return x.expand(tuple(shape))


def _is_basic(key) -> bool:
    return not builtins.any(isinstance(k, _Tensor) for k in _full_key(key))


def getitem(x, index):
    """``x[key]``: a view for basic keys; for index tensors a copy, made by the
    ``index_select`` kernel when the key holds one index tensor, else by torch's
    indexing (see the module docstring)."""
    key = _full_key(index)
    tensors = [i for i, k in enumerate(key) if isinstance(k, _Tensor)]
    if not tensors:
        return x[key]
    if len(tensors) > 1 or key[tensors[0]].dtype == torch.bool:
        return x[key]
    position = tensors[0]
    indices = key[position]
    view = x[key[:position] + (slice(None),) + key[position + 1:]]
    dim = _dim_after_basic(key[:position], x.dim() - builtins.sum(
        1 for k in key if k is not None and k is not Ellipsis))
    size = view.shape[dim]
    flat = reshape(elementwise.binary("remainder", indices, size), (-1,))
    out = index_kernels.index_select(view, dim, flat)
    return out.view(view.shape[:dim] + indices.shape + view.shape[dim + 1:])


def _dim_after_basic(items, ellipsis_dims: int) -> int:
    """The dim of the result that the item after ``items`` lands on, under basic indexing."""
    dim = 0
    for item in items:
        if item is Ellipsis:
            dim += ellipsis_dims
        elif not isinstance(item, int):
            dim += 1
    return dim


def setitem(x, index, value) -> None:
    """Write ``value`` into ``x[index]`` in place (basic keys: the copy kernel into the view)."""
    if _is_basic(index):
        elementwise.copy_(x[index], value)
    else:
        _index_put_(x, _full_key(index), value if is_storage(value) else full((), value, dtype_of(x)), False)


def index_add_zeros(shape, dtype, index, values, basic: bool):
    """zeros(shape) with ``values`` added at ``index`` (repeated indices accumulate)."""
    out = full(shape, 0, dtype)
    if basic or _is_basic(index):
        elementwise.copy_(out[index], values)
    else:
        _index_put_(out, _full_key(index), values if is_storage(values) else full((), values, dtype), True)
    return out


def _index_put_(x, key, values, accumulate: bool) -> None:
    """torch's ``index_put_`` for a key of index tensors and slices: the slices are applied
    as a view first and stand as None (a full dim) among the index tensors."""
    view = x[tuple(k if isinstance(k, slice) else slice(None) for k in key)]
    torch.ops.aten.index_put_(view, [None if isinstance(k, slice) else k for k in key], values, accumulate)


def _full_key(key):
    return key if isinstance(key, tuple) else (key,)


def take_along_axis(x, indices, axis):
    return index_kernels.gather(x, axis, indices)


def scatter_along_axis_zeros(shape, dtype, indices, values, axis):
    """zeros(shape) with ``values`` put at ``indices`` along ``axis`` (indices are distinct there)."""
    return index_kernels.scatter_add(tuple(shape), axis, indices, cast(values, dtype))


def concatenate(arrays, axis):
    """One new tensor; each piece written into its slice by the copy kernel."""
    first = arrays[0]
    sizes = [a.shape[axis] for a in arrays]
    out_shape = list(first.shape)
    out_shape[axis] = builtins.sum(sizes)
    out = torch.empty(out_shape, dtype=first.dtype, device=TORCH_DEVICE)
    for piece, part in zip(out.split(sizes, axis), arrays):
        if piece.numel():
            elementwise.copy_(piece, part)
    return out


def stack(arrays, axis):
    return concatenate([a.unsqueeze(axis) for a in arrays], axis)


def nonzero(x):
    return torch.nonzero(x, as_tuple=True)


def broadcast_shapes(*shapes):
    return numpy_backend.broadcast_shapes(*shapes)


def prod_of(shape) -> int:
    return math.prod(shape)


# ------------------------------------------------------------------ interop

def from_dlpack(obj):
    """Storage sharing memory with a DLPack producer on this backend's device."""
    return torch.from_dlpack(obj)


def to_dlpack(x, **kwargs):
    return x.__dlpack__(**kwargs)


def dlpack_device(x):
    return x.__dlpack_device__()


# ------------------------------------------- indexing, joins, more reductions

def view_index(x, key):
    """``x[key]`` for a basic key (ints, slices, None): always a view, also when 0-d."""
    return x[key + (Ellipsis,)]


def index_put(x, key, values, accumulate: bool):
    """A copy of ``x`` with ``values`` written (or, with ``accumulate``, added) at ``key``."""
    if not is_storage(values):
        values = full((), values, dtype_of(x))
    key = _full_key(key)
    if len(key) == x.dim() and builtins.all(isinstance(k, _Tensor) for k in key):
        return index_kernels.index_put(x, key, values, accumulate=accumulate)
    out = elementwise.copy(x)
    if _is_basic(key) and not accumulate:
        elementwise.copy_(out[key], values)
    else:
        _index_put_(out, key, values, accumulate)
    return out


def split(x, sizes, axis):
    """Views of consecutive pieces of ``x`` along ``axis`` with the given ``sizes``."""
    return tuple(x.split(list(sizes), axis))


def cumsum(x, axis, dtype=None):
    """Running sum along ``axis`` (in ``dtype`` when given): torch.cumsum, no kernel here."""
    return torch.cumsum(x, dim=axis, dtype=_native(dtype))


def argsort(x, axis, descending: bool, stable: bool = True):
    """Indices that sort ``x`` along ``axis`` (torch.argsort, stable: no kernel here)."""
    return torch.argsort(x, dim=axis, descending=descending, stable=True)


def out_of_range(indices, size, allow_negative: bool = True):
    """The first index outside [-size, size) (or [0, size)), or None (checked on the host)."""
    return numpy_backend.out_of_range(to_host(indices), size, allow_negative)


def scatter_add_zeros(shape, dtype, indices, values, axis):
    """zeros(shape) with ``values`` added at ``indices`` along ``axis`` (repeats add up)."""
    return index_kernels.scatter_add(tuple(shape), axis, indices, cast(values, dtype))


def gather(x, indices, axis):
    """out[i][j][k] = x[i][indices[i][j][k]][k] (for axis 1), as torch.gather: one kernel."""
    return index_kernels.gather(x, axis, indices)


# ------------------------------------------------- nn primitives (issue 11)

def as_strided(x, shape, strides, offset=0):
    """A view of ``x``'s memory with ``shape`` and ``strides`` (in elements) starting
    ``offset`` elements in (``x`` contiguous; windows may overlap; nothing is copied)."""
    return x.as_strided(tuple(shape), tuple(strides), x.storage_offset() + offset)


def as_strided_backward(grad, input_shape, strides, offset=0):
    """The adjoint of :func:`as_strided`: zeros(input_shape) with every element of ``grad``
    added at the memory position it was read from (overlapping windows add up): the
    deterministic ``index_add`` kernel over the positions the view read."""
    size = math.prod(input_shape)
    positions = as_strided(torch.arange(size, dtype=torch.int64, device=TORCH_DEVICE), grad.shape,
                           strides, offset)
    summed = index_kernels.index_add((size,), 0, reshape(positions, (-1,)), reshape(grad, (-1,)))
    return summed.view(tuple(input_shape))


# ------------------------------------------------------ fused optimizer updates

def sgd_step_(param, grad, momentum_buffer, *, lr, momentum=0.0, dampening=0.0, nesterov=False,
              weight_decay=0.0, maximize=False, first_step=False) -> None:
    """torch's SGD update of ``param`` (and ``momentum_buffer``) in place, one kernel:

    g = -grad if maximize else grad;  g += weight_decay * param;
    b = g (first step) or momentum * b + (1 - dampening) * g;  g = g + momentum * b (nesterov) or b;
    param -= lr * g.
    """
    optim.sgd_step_(param, grad, momentum_buffer, lr=lr, momentum=momentum, dampening=dampening,
                    nesterov=nesterov, weight_decay=weight_decay, maximize=maximize, first_step=first_step)


def adam_step_(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq=None, *, step, lr, beta1, beta2, eps,
               weight_decay=0.0, decoupled=False, amsgrad=False, maximize=False) -> None:
    """torch's Adam (AdamW with ``decoupled``) update at ``step`` in place, one kernel:

    m = lerp(m, g, 1 - beta1);  v = beta2 v + (1 - beta2) g^2;  v_max = max(v_max, v) [amsgrad];
    param -= lr / (1 - beta1^step) * m / (sqrt(v) / sqrt(1 - beta2^step) + eps).
    """
    optim.adam_step_(param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, step=step, lr=lr, beta1=beta1,
                     beta2=beta2, eps=eps, weight_decay=weight_decay, decoupled=decoupled,
                     amsgrad=amsgrad, maximize=maximize)


# ------------------------------------------------------------ fused cross_entropy

def cross_entropy(logits, target, weight, ignore_index, reduction):
    """nll_loss(log_softmax(logits), target) and d(loss)/d(logits) from one row kernel
    (plus, for 'mean', the total weight before it and one reduction after it):
    loss_n = -w_t log softmax(x)_t,  dloss_n/dx = w_t (softmax(x) - onehot(t)) (/ sum w_t for 'mean').
    No classes (every target ignored; the caller refused any other): losses 0, 'mean' 0 / 0 = nan."""
    if logits.shape[-1] == 0:
        dtype = _FROM_NATIVE[logits.dtype]
        if reduction == "none":
            loss = full(tuple(target.shape), 0, dtype)
        else:
            loss = full((), math.nan if reduction == "mean" else 0, dtype)
        return loss, empty(tuple(logits.shape), dtype)
    return softmax_kernels.cross_entropy(logits, target, weight, ignore_index, reduction)


def cross_entropy_backward(grad_loss, grad_logits, reduction):
    """The saved d(loss)/d(logits) scaled by the upstream gradient: one kernel."""
    return softmax_kernels.cross_entropy_backward(grad_loss, grad_logits, reduction)


def unique_dim(x, axis):
    """(values, inverse, counts) of the distinct slices of ``x`` along ``axis`` (torch's
    ``unique_dim``): no kernel here; computed on the host by the numpy backend and copied back
    (a transfer and a synchronisation, never in a training step)."""
    return tuple(from_host(a) for a in numpy_backend.unique_dim(to_host(x), axis))


def first_invalid_target(target, classes, ignore_index):
    """The first class target outside [0, classes) that is not ``ignore_index``, or None
    (checked on the host: a transfer, no kernel)."""
    return numpy_backend.first_invalid_target(to_host(target), classes, ignore_index)


def addmm_relu(bias, mat1, mat2):
    """relu(bias + mat1 @ mat2): one kernel, the bias and the ReLU in the matmul's epilogue."""
    return matmul_kernels.addmm(bias, mat1, mat2, activation="relu")


def lean_binary(name, a, b):
    """``(result, dtype, a's shape, b's shape)`` of the binary primitive ``name`` on storage ``a``
    and ``b`` (storage or a Python number, whose shape is None) when the kernels' own rule gives
    torch's result: float32 or float64 storage of one dtype, or with a Python number; None
    otherwise, having computed nothing (the engine's lean path, as the numpy backend's)."""
    dtype = _LEAN.get(a.dtype)
    if dtype is None:
        return None
    if type(b) is _Tensor:
        if b.dtype != a.dtype:
            return None
        b_shape = tuple(b.shape)
    else:
        b_shape = None
    return _LEAN_PRIMITIVES[name](a, b), dtype, tuple(a.shape), b_shape


def lean_unary(name, a):
    """``(result, dtype, a's shape)`` of the unary primitive ``name`` on float32 or float64
    storage ``a``; None for any other dtype, having computed nothing (the engine's lean path)."""
    dtype = _LEAN.get(a.dtype)
    if dtype is None:
        return None
    return _FUNCTIONS[name](a), dtype, tuple(a.shape)


_LEAN_PRIMITIVES = {"add": add, "sub": sub, "mul": mul, "div": div, "tanh_backward": tanh_backward,
                    "sigmoid_backward": sigmoid_backward}


_FUNCTIONS = globals()  # lean_unary's primitives, by name
