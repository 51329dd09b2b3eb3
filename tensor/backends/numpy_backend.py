"""The numpy backend: array primitives for device ``cpu``.

Storage is a ``numpy.ndarray``. Every function takes and returns ndarrays (or
Python scalars where noted) and knows nothing of autograd; the engine above
calls only these functions, so a second backend (Triton, for ``cuda``) slots in
by providing the same names. Views stay views: reshape, transpose, expand and
basic slicing return arrays sharing memory with their input whenever numpy
allows, exactly where torch would return a view.

Conventions: ``dtype`` arguments are :class:`tensor._dtypes.dtype` objects;
``axis`` is an int, a tuple of ints or ``None`` (all axes), already
normalised to non-negative values by the caller.
"""

from __future__ import annotations

import math

import numpy as np

from .. import _dtypes as D

name = "numpy"
device_type = "cpu"

_TO_NATIVE = {
    D.bool_: np.dtype(np.bool_),
    D.uint8: np.dtype(np.uint8),
    D.int8: np.dtype(np.int8),
    D.int16: np.dtype(np.int16),
    D.int32: np.dtype(np.int32),
    D.int64: np.dtype(np.int64),
    D.float16: np.dtype(np.float16),
    D.float32: np.dtype(np.float32),
    D.float64: np.dtype(np.float64),
}
_FROM_NATIVE = {v: k for k, v in _TO_NATIVE.items()}
_ndarray = np.ndarray


def native_dtype(dtype: D.dtype):
    """The numpy dtype that stores ``dtype``; bfloat16 has none on cpu, as in numpy."""
    try:
        return _TO_NATIVE[dtype]
    except KeyError:
        raise TypeError(f"{dtype} is not supported on device 'cpu' (numpy has no {dtype.name})") from None


def dtype_of(x) -> D.dtype:
    """The lucidgrad dtype of a stored array."""
    try:
        return _FROM_NATIVE[x.dtype]
    except KeyError:
        raise TypeError(f"numpy arrays of dtype {x.dtype} are not supported") from None


def is_storage(x) -> bool:
    return type(x) is _ndarray


def _arr(x):
    """numpy returns scalars from 0-d ufunc calls; the engine always wants arrays."""
    return x if type(x) is _ndarray else np.asarray(x)


# ----------------------------------------------------------------- creation

def from_data(data, dtype: D.dtype | None):
    """Storage from nested Python lists/numbers or an ndarray (copied).

    With ``dtype=None`` the dtype is inferred as torch does: Python floats ->
    default float, ints -> int64, bools -> bool, ndarrays and numpy scalars
    keep theirs; a sequence takes the promotion of its elements' dtypes.
    """
    if isinstance(data, (np.ndarray, np.generic)):
        if dtype is None:
            dtype_of(data)
            return np.array(data)
        return np.array(data, dtype=native_dtype(dtype))
    if dtype is None:
        arr = np.array(data)
        if arr.dtype.kind not in "fiub":
            raise TypeError(f"Could not infer dtype of {type(data).__name__}")
        return arr.astype(native_dtype(_infer_dtype(data, arr.dtype)))
    return np.array(data, dtype=native_dtype(dtype))


_PYTHON_SCALAR_DTYPES = {float: None, int: D.int64, bool: D.bool_}


def _infer_dtype(data, array_dtype) -> D.dtype:
    """torch's dtype for nested Python data: its elements' dtypes promoted together."""
    element_types = set()
    _collect_types(data, element_types)
    if element_types <= _PYTHON_SCALAR_DTYPES.keys():
        kind = array_dtype.kind
        if kind == "f":
            return D.get_default_dtype()
        return D.int64 if kind in "iu" else D.bool_
    result = None
    for element_type in element_types:
        if element_type in _PYTHON_SCALAR_DTYPES:
            element_dtype = _PYTHON_SCALAR_DTYPES[element_type] or D.get_default_dtype()
        else:
            element_dtype = _FROM_NATIVE[np.dtype(element_type)]
        result = element_dtype if result is None else D.promote_types(result, element_dtype)
    return result


def _collect_types(data, types: set) -> None:
    """The types of the leaves of nested lists/tuples (ndarrays count by their scalar type)."""
    if isinstance(data, (list, tuple)):
        if data and isinstance(data[0], (list, tuple, np.ndarray)):
            for item in data:
                _collect_types(item, types)
        else:
            types.update(map(type, data))
    elif isinstance(data, np.ndarray):
        types.add(data.dtype.type)
    else:
        types.add(type(data))


def wrap_numpy(array):
    """Use an existing ndarray as storage without copying (``from_numpy``)."""
    dtype_of(array)
    return array


def full(shape, value, dtype):
    return np.full(shape, value, dtype=native_dtype(dtype))


def empty(shape, dtype):
    return np.empty(shape, dtype=native_dtype(dtype))


def arange(start, end, step, dtype):
    return np.arange(start, end, step, dtype=native_dtype(dtype))


def linspace(start, end, steps, dtype):
    return np.linspace(start, end, steps, dtype=np.float64).astype(native_dtype(dtype))


def eye(n, m, dtype):
    return np.eye(n, m, dtype=native_dtype(dtype))


_rng = [np.random.default_rng()]


def manual_seed(seed: int) -> None:
    _rng[0] = np.random.default_rng(seed)


def rand(shape, dtype):
    return _rng[0].random(shape, dtype=np.float64).astype(native_dtype(dtype))


def randn(shape, dtype):
    return _rng[0].standard_normal(shape, dtype=np.float64).astype(native_dtype(dtype))


def randint(low, high, shape, dtype):
    return _rng[0].integers(low, high, shape).astype(native_dtype(dtype))


def uniform_(x, low, high):
    x[...] = _rng[0].uniform(low, high, x.shape)


def normal_(x, mean, std):
    x[...] = _rng[0].normal(mean, std, x.shape)


# ------------------------------------------------------------- metadata

def shape(x) -> tuple:
    return x.shape


def strides(x) -> tuple:
    """Strides in elements (torch's convention), not bytes."""
    size = x.itemsize
    return tuple(s // size for s in x.strides)


def is_contiguous(x) -> bool:
    return x.flags.c_contiguous


def memory_is_shared(x) -> bool:
    """True when another live array may use ``x``'s memory (numpy: ``x`` is a view)."""
    return x.base is not None


def data_ptr(x) -> int:
    return x.__array_interface__["data"][0]


def shares_memory(a, b) -> bool:
    return np.shares_memory(a, b)


def item(x):
    return x.item()


def tolist(x):
    return x.tolist()


def to_numpy(x):
    return x


def astype(x, dtype):
    """A copy converted to ``dtype`` (a fresh array even when the dtype matches)."""
    return x.astype(native_dtype(dtype))


def cast(x, dtype):
    """``x`` converted to ``dtype``, or ``x`` itself when it already has that dtype."""
    want = native_dtype(dtype)
    return x if x.dtype == want else x.astype(want)


def copy(x):
    return x.copy()


def contiguous(x):
    return np.ascontiguousarray(x)


def assign(dst, src) -> None:
    """Write ``src`` (array or scalar, broadcast) into ``dst`` in place."""
    np.copyto(dst, src, casting="unsafe")


def isnan_any(x) -> bool:
    return x.dtype.kind == "f" and bool(np.isnan(x).any())


def all_finite(x) -> bool:
    return x.dtype.kind != "f" or bool(np.isfinite(x).all())


# ----------------------------------------------------------- elementwise

def _binary(ufunc, quiet=False):
    def op(a, b, dtype=None):
        if quiet:
            with np.errstate(all="ignore"):
                return _arr(ufunc(a, b) if dtype is None else ufunc(a, b, dtype=_TO_NATIVE[dtype]))
        if dtype is None:
            return _arr(ufunc(a, b))
        return _arr(ufunc(a, b, dtype=_TO_NATIVE[dtype]))

    op.__name__ = ufunc.__name__
    op.__doc__ = f"Elementwise numpy.{ufunc.__name__} with broadcasting, computed in ``dtype``."
    return op


add = _binary(np.add)
sub = _binary(np.subtract)
mul = _binary(np.multiply)
# nan and inf are results, not warnings, as in torch
div = _binary(np.true_divide, quiet=True)
pow = _binary(np.power, quiet=True)
floor_divide = _binary(np.floor_divide, quiet=True)
remainder = _binary(np.remainder, quiet=True)  # the sign of the divisor, as Python's %
fmod = _binary(np.fmod, quiet=True)  # the sign of the dividend, as C's fmod
maximum = _binary(np.maximum)
minimum = _binary(np.minimum)
bitwise_and = _binary(np.bitwise_and)
bitwise_or = _binary(np.bitwise_or)
bitwise_xor = _binary(np.bitwise_xor)


def _compare(ufunc):
    def op(a, b, dtype=None):
        if dtype is not None:
            a = cast(a, dtype) if type(a) is _ndarray else a
            b = cast(b, dtype) if type(b) is _ndarray else b
        return _arr(ufunc(a, b))

    op.__name__ = ufunc.__name__
    op.__doc__ = f"Elementwise numpy.{ufunc.__name__} (bool result), compared in ``dtype``."
    return op


eq = _compare(np.equal)
ne = _compare(np.not_equal)
lt = _compare(np.less)
le = _compare(np.less_equal)
gt = _compare(np.greater)
ge = _compare(np.greater_equal)


def _unary(ufunc, quiet=False):
    def op(x):
        if quiet:
            with np.errstate(all="ignore"):
                return _arr(ufunc(x))
        return _arr(ufunc(x))

    op.__name__ = ufunc.__name__
    return op


neg = _unary(np.negative)
exp = _unary(np.exp)
log = _unary(np.log, quiet=True)
sin = _unary(np.sin)
cos = _unary(np.cos)
tan = _unary(np.tan, quiet=True)
tanh = _unary(np.tanh)
sqrt = _unary(np.sqrt, quiet=True)
abs = _unary(np.abs)


def sign(x):
    """-1, 0 or 1 elementwise; 0 for nan (as torch's); a bool tensor stays as it is."""
    if x.dtype == np.bool_:
        return x.copy()
    out = np.sign(x)
    if x.dtype.kind == "f":
        out = np.where(np.isnan(out), 0, out).astype(x.dtype, copy=False)
    return _arr(out)


round = _unary(np.rint)
logical_not = _unary(np.logical_not)
bitwise_not = _unary(np.invert)


def rsqrt(x):
    with np.errstate(all="ignore"):
        return _arr(1 / np.sqrt(x))


def sigmoid(x):
    """1 / (1 + exp(-x)), written to avoid overflow for large negative x."""
    out = np.exp(-np.abs(x))
    return _arr(np.where(x >= 0, 1 / (1 + out), out / (1 + out)).astype(x.dtype, copy=False))


def relu(x):
    return _arr(np.maximum(x, 0).astype(x.dtype, copy=False))


def clamp(x, low, high):
    if low is not None and high is not None:
        return _arr(np.minimum(np.maximum(x, low), high).astype(x.dtype, copy=False))
    if low is not None:
        return _arr(np.maximum(x, low).astype(x.dtype, copy=False))
    return _arr(np.minimum(x, high).astype(x.dtype, copy=False))


def where(cond, a, b, dtype=None):
    out = np.where(cond, a, b)
    return _arr(out if dtype is None else cast(_arr(out), dtype))


def isclose(a, b, rtol, atol, equal_nan):
    return _arr(np.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan))


def array_equal(a, b) -> bool:
    return a.shape == b.shape and bool(np.array_equal(a, b))


# -------------------------------------------------------------- fused VJPs

def tanh_backward(grad, out):
    """grad * (1 - out^2)."""
    return _arr(grad * (1 - out * out))


def sigmoid_backward(grad, out):
    """grad * out * (1 - out)."""
    return _arr(grad * out * (1 - out))


def relu_backward(grad, out):
    """0 where out <= 0, else grad (0 even where grad is nan or inf; grad where out is nan),
    as torch's threshold_backward."""
    positive = ~(out <= 0)
    result = _arr(np.multiply(grad, positive))
    if not np.isfinite(grad).all():
        result[~positive] = 0
    return result


def softmax_backward(grad, out, axis):
    """out * (grad - sum(grad * out, axis))."""
    return _arr(out * (grad - (grad * out).sum(axis=axis, keepdims=True)))


def log_softmax_backward(grad, out, axis):
    """grad - exp(out) * sum(grad, axis)."""
    return _arr(grad - np.exp(out) * grad.sum(axis=axis, keepdims=True))


# -------------------------------------------------------------- reductions

def sum(x, axis=None, keepdims=False, dtype=None):
    out = np.sum(x, axis=axis, keepdims=keepdims, dtype=None if dtype is None else _TO_NATIVE[dtype])
    return _arr(out)


def mean(x, axis=None, keepdims=False):
    return _arr(np.mean(x, axis=axis, keepdims=keepdims))


def prod(x, axis=None, keepdims=False, dtype=None):
    out = np.prod(x, axis=axis, keepdims=keepdims, dtype=None if dtype is None else _TO_NATIVE[dtype])
    return _arr(out)


def cumsum(x, axis, dtype=None):
    """Running sum along ``axis`` (in ``dtype`` when given)."""
    return _arr(np.cumsum(x, axis=axis, dtype=None if dtype is None else _TO_NATIVE[dtype]))


def amax(x, axis=None, keepdims=False):
    return _arr(np.amax(x, axis=axis, keepdims=keepdims))


def amin(x, axis=None, keepdims=False):
    return _arr(np.amin(x, axis=axis, keepdims=keepdims))


def argmax(x, axis=None, keepdims=False):
    return _arr(np.argmax(x, axis=axis, keepdims=keepdims).astype(np.int64, copy=False))


def argmin(x, axis=None, keepdims=False):
    return _arr(np.argmin(x, axis=axis, keepdims=keepdims).astype(np.int64, copy=False))


def var(x, axis=None, correction=1, keepdims=False):
    """sum((x - mean)^2) / (n - correction), computed as torch does on cpu.

    A reduction to one value is two-pass (mean first), as torch's; otherwise
    torch's Welford update gives exactly 0 for equal values, which matters to
    std's gradient (0 where std is 0): shifting by each block's first value
    does the same here, and makes equal values exactly zero before squaring.
    """
    axes = range(x.ndim) if axis is None else (axis,) if isinstance(axis, int) else axis
    if x.size != 0 and x.size != math.prod(x.shape[d] for d in axes):
        origin = x[tuple(slice(0, 1) if d in axes else slice(None) for d in range(x.ndim))]
        x = x - origin
    return _arr(np.var(x, axis=axis, ddof=correction, keepdims=keepdims))


def logsumexp(x, axis, keepdims=False):
    """log(sum(exp(x))) stabilised by the maximum along ``axis``."""
    m = np.amax(x, axis=axis, keepdims=True, initial=-np.inf)  # an empty axis gives -inf
    m = np.where(np.isfinite(m), m, 0)
    out = np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m
    if not keepdims:
        out = np.squeeze(out, axis=axis)
    return _arr(out.astype(x.dtype, copy=False))


def sum_to_shape(x, shape):
    """Sum ``x`` over the axes that broadcasting added or stretched, giving ``shape``.

    The one place where broadcasting is undone in the backward pass.
    """
    if x.shape == shape:
        return x
    lead = x.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        i + lead for i, n in enumerate(shape) if n == 1 and x.shape[i + lead] != 1
    )
    out = np.sum(x, axis=axes, keepdims=True) if axes else x
    return _arr(out.reshape(shape))


def softmax(x, axis):
    shifted = x - np.amax(x, axis=axis, keepdims=True, initial=-np.inf)
    e = np.exp(shifted)
    return _arr(e / e.sum(axis=axis, keepdims=True))


def log_softmax(x, axis):
    shifted = x - np.amax(x, axis=axis, keepdims=True, initial=-np.inf)
    return _arr(shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True)))


# ------------------------------------------------------------------ matmul

def matmul(a, b):
    return _arr(np.matmul(a, b))


# ------------------------------------------------------- shape and indexing

def reshape_view(x, shape):
    """A view with ``shape``, or None when the strides do not allow one."""
    out = x.view()
    try:
        out.shape = shape
    except AttributeError:
        return None
    return out


def reshape(x, shape):
    return x.reshape(shape)


def permute(x, axes):
    return x.transpose(axes)


def expand(x, shape):
    return np.broadcast_to(x, shape)


def getitem(x, index):
    return _arr(x[index])


def setitem(x, index, value) -> None:
    x[index] = value


def index_add_zeros(shape, dtype, index, values, basic: bool):
    """zeros(shape) with ``values`` added at ``index`` (duplicates accumulate)."""
    out = np.zeros(shape, dtype=native_dtype(dtype))
    if basic:
        out[index] += values
    else:
        np.add.at(out, index, values)
    return out


def take_along_axis(x, indices, axis):
    return np.take_along_axis(x, indices, axis=axis)


def scatter_along_axis_zeros(shape, dtype, indices, values, axis):
    """zeros(shape) with ``values`` put at ``indices`` along ``axis``."""
    out = np.zeros(shape, dtype=native_dtype(dtype))
    np.put_along_axis(out, indices, values, axis=axis)
    return out


def concatenate(arrays, axis):
    return np.concatenate(arrays, axis=axis)


def stack(arrays, axis):
    return np.stack(arrays, axis=axis)


def nonzero(x):
    return np.nonzero(x)


def broadcast_shapes(*shapes):
    return np.broadcast_shapes(*shapes)


def prod_of(shape) -> int:
    return math.prod(shape)


# ------------------------------------------------------------------ interop

def from_dlpack(obj):
    """Storage sharing memory with any DLPack producer on the host (torch tensors included)."""
    return np.from_dlpack(obj)


def to_dlpack(x, **kwargs):
    """A DLPack capsule of the storage (zero-copy)."""
    return x.__dlpack__(**kwargs)


def dlpack_device(x):
    return x.__dlpack_device__()


# ------------------------------------------- indexing, joins, more reductions

def view_index(x, key):
    """``x[key]`` for a basic key (ints, slices, None): always a view, also when 0-d."""
    return x[key + (Ellipsis,)]


def index_put(x, key, values, accumulate: bool):
    """A copy of ``x`` with ``values`` written (or, with ``accumulate``, added) at ``key``."""
    out = x.copy()
    if accumulate:
        np.add.at(out, key, values)
    else:
        out[key] = values
    return out


def split(x, sizes, axis):
    """Views of consecutive pieces of ``x`` along ``axis`` with the given ``sizes``."""
    bounds = np.cumsum(sizes)[:-1]
    return tuple(np.split(x, bounds, axis=axis))


def floor(x):
    return _arr(np.floor(x))


def ceil(x):
    return _arr(np.ceil(x))


def trunc(x):
    return _arr(np.trunc(x))


def all(x, axis=None, keepdims=False):
    return _arr(np.all(x, axis=axis, keepdims=keepdims))


def any(x, axis=None, keepdims=False):
    return _arr(np.any(x, axis=axis, keepdims=keepdims))


def argsort(x, axis, descending: bool, stable: bool = True):
    """Indices that sort ``x`` along ``axis`` (stable; NaN sorts last as in torch)."""
    if descending:
        order = np.flip(np.argsort(np.flip(x, axis=axis), axis=axis, kind="stable"), axis=axis)
        return _arr(x.shape[axis] - 1 - order).astype(np.int64, copy=False)
    return _arr(np.argsort(x, axis=axis, kind="stable")).astype(np.int64, copy=False)


def norm(x, ord, axis, keepdims=False):
    """The vector p-norm of ``x`` over ``axis`` (all axes when None), as linalg.vector_norm."""
    a = np.abs(x)
    if ord == math.inf:
        out = np.amax(a, axis=axis, keepdims=keepdims)
    elif ord == -math.inf:
        out = np.amin(a, axis=axis, keepdims=keepdims)
    elif ord == 0:
        out = np.sum(a != 0, axis=axis, keepdims=keepdims).astype(x.dtype)
    elif ord == 1:
        out = np.sum(a, axis=axis, keepdims=keepdims)
    elif ord == 2:
        out = np.sqrt(np.sum(a * a, axis=axis, keepdims=keepdims))
    else:
        out = np.sum(a ** ord, axis=axis, keepdims=keepdims) ** (1.0 / ord)
    return _arr(out).astype(x.dtype, copy=False)


def out_of_range(indices, size, allow_negative: bool = True):
    """The first index outside [-size, size) (or [0, size)), or None when all are in range."""
    bad = (indices < (-size if allow_negative else 0)) | (indices >= size)
    return int(indices[bad][0]) if bad.any() else None


def scatter_add_zeros(shape, dtype, indices, values, axis):
    """zeros(shape) with ``values`` added at ``indices`` along ``axis`` (repeats add up).

    ``indices`` may be smaller than ``shape`` in the other axes (torch's gather/scatter rule).
    """
    out = np.zeros(shape, dtype=native_dtype(dtype))
    grid = list(np.indices(indices.shape, sparse=True))
    grid[axis] = indices
    np.add.at(out, tuple(grid), values)
    return out


def gather(x, indices, axis):
    """out[i][j][k] = x[i][indices[i][j][k]][k] (for axis 1), as torch.gather."""
    grid = list(np.indices(indices.shape, sparse=True))
    grid[axis] = indices
    return _arr(x[tuple(grid)])


# ------------------------------------------------- nn primitives (issue 11)

def addmm(bias, mat1, mat2):
    """bias + mat1 @ mat2 for matrices mat1 (n, k), mat2 (k, m) and bias broadcast to (n, m)."""
    out = np.matmul(mat1, mat2)
    out += bias
    return _arr(out)


def as_strided(x, shape, strides, offset=0):
    """A view of ``x``'s memory with ``shape`` and ``strides`` (in elements) starting
    ``offset`` elements in, as ``torch.as_strided`` (``x`` must be contiguous).

    Windows may overlap (the im2col view of a convolution reads each pixel once per
    kernel position that covers it) and nothing is copied.
    """
    item = x.itemsize
    flat = x.reshape(-1)[offset:]
    return np.lib.stride_tricks.as_strided(
        flat, shape=tuple(shape), strides=tuple(s * item for s in strides), writeable=False)


def as_strided_backward(grad, input_shape, strides, offset=0):
    """The adjoint of :func:`as_strided`: zeros(input_shape) with every element of ``grad``
    added at the memory position it was read from (overlapping windows add up)."""
    size = math.prod(input_shape)
    positions = as_strided(np.arange(size, dtype=np.int64), grad.shape, strides, offset)
    summed = np.bincount(positions.reshape(-1), weights=grad.reshape(-1), minlength=size)
    return _arr(summed.astype(grad.dtype, copy=False).reshape(input_shape))


_erf = np.frompyfunc(math.erf, 1, 1)


def erf(x):
    """The error function 2/sqrt(pi) int_0^x exp(-t^2) dt elementwise (numpy has none: the
    standard library's, exact to the last bit of float64, applied per element)."""
    return _arr(np.asarray(_erf(x), dtype=x.dtype))


# ------------------------------------------ fused cross_entropy (cuda engineer, issue 8)

def cross_entropy(logits, target, weight, ignore_index, reduction):
    """nll_loss(log_softmax(logits), target) and its gradient d(loss)/d(logits) together.

    logits (N, C) or (C,) with class-index targets (N,) or (); per row, with p = softmax(x)
    and w_t = weight[t] (1 without weights; 0 where t == ignore_index):
    loss_n = -w_t log p_t,  dloss_n/dx = w_t (p - onehot(t)). 'mean' divides the summed
    loss and every gradient by sum_n w_t; 'none' keeps per-row losses and gradients.
    """
    rows = logits.reshape(-1, logits.shape[-1])
    targets = target.reshape(-1)
    log_probs = log_softmax(rows, 1)
    ignored = targets == ignore_index
    safe = np.where(ignored, 0, targets)
    weights = (~ignored).astype(rows.dtype)
    if weight is not None:
        weights = weights * weight[safe]
    picked = np.arange(len(targets))
    losses = -weights * log_probs[picked, safe]
    grad = np.exp(log_probs) * weights[:, None]
    grad[picked, safe] -= weights
    if reduction == "none":
        loss = losses.reshape(target.shape)
    elif reduction == "sum":
        loss = losses.sum()
    else:
        with np.errstate(all="ignore"):  # every target ignored: 0 / 0 = nan, as torch
            total = weights.sum()
            loss = losses.sum() / total
            grad = grad / total
    return _arr(np.asarray(loss, dtype=rows.dtype)), _arr(grad.reshape(logits.shape).astype(rows.dtype))


def cross_entropy_backward(grad_loss, grad_logits, reduction):
    """The saved d(loss)/d(logits) scaled by the upstream gradient (one per row for 'none')."""
    scale = grad_loss[..., None] if reduction == "none" and grad_logits.ndim > 1 else grad_loss
    return _arr(grad_logits * scale)


def first_invalid_target(target, classes, ignore_index):
    """The first class target outside [0, classes) that is not ``ignore_index``, or None."""
    bad = ((target < 0) | (target >= classes)) & (target != ignore_index)
    return int(target[bad][0]) if bad.any() else None


def addmm_relu(bias, mat1, mat2):
    """relu(bias + mat1 @ mat2) (a Linear followed by a ReLU)."""
    out = addmm(bias, mat1, mat2)
    return _arr(np.maximum(out, 0, out=out))
