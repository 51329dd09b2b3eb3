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

import builtins
import functools
import math
import sys
import warnings

import numpy as np

from .. import _dtypes as D
from .numpy_optim import adam_step_, sgd_step_  # noqa: F401 - the optimizers' fused updates

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


_LEAN = {np.dtype(np.float32): D.float32, np.dtype(np.float64): D.float64}


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
    try:
        return np.array(data, dtype=native_dtype(dtype))
    except OverflowError:  # a Python int out of dtype's range
        return _from_out_of_range(data, dtype)


def _from_out_of_range(data, dtype):
    """torch's conversion of Python ints that numpy refuses for ``dtype``: beyond int64 its
    ValueError; beyond the dtype its RuntimeError; a negative int into uint8 wraps (-1 -> 255)."""
    arr = np.array(data)
    if arr.dtype.kind in "uO":  # numpy's uint64 or object: a value of 2**63 or more
        raise ValueError("Overflow when unpacking long long")
    if dtype.category == D.INTEGER:
        info = D.iinfo(dtype)
        low = -info.max if dtype is D.uint8 else info.min
        if arr.size and (arr.min() < low or arr.max() > info.max):
            raise RuntimeError(f"value cannot be converted to type {dtype.name} without overflow")
    return arr.astype(np.int64).astype(native_dtype(dtype))


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


def is_plain_contiguous(x) -> bool:
    """Contiguous with no stride 0, even over a dim of size 1 (which a broadcast view has):
    torch's layout contract for a gradient AccumulateGrad may keep as it is."""
    return x.flags.c_contiguous and 0 not in x.strides


def memory_is_shared(x) -> bool:
    """True when another live object may use ``x``'s memory: ``x`` is a view of an array that
    something besides ``x`` holds (another view, a name), or of a buffer numpy does not own.
    (A view of a temporary, such as a transposed matmul result, is ``x``'s alone.)"""
    base = x.base
    if base is None:
        return False
    # x's own reference, this frame's name and getrefcount's argument: 3 when x is the only holder
    return type(base) is not _ndarray or sys.getrefcount(base) > 3


def has_internal_overlap(x) -> bool:
    """True when elements of ``x`` share memory: a stride of 0 over a dim longer than 1 (expand),
    in a tensor with elements (an empty one may carry any strides)."""
    strides = x.strides
    return 0 in strides and x.size > 1 and builtins.any(s == 0 and n > 1 for s, n in zip(strides, x.shape))


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


def conform(x, shape, dtype):
    """A gradient made to fit its input: summed back to ``shape`` (undoing broadcasting) and
    cast to ``dtype`` (the engine's one call per edge in the backward)."""
    if x.shape != shape:
        x = sum_to_shape(x, shape)
    want = _TO_NATIVE[dtype]  # a dtype of this backend's tensors: always there
    return x if x.dtype == want else x.astype(want)


def copy(x):
    return x.copy()


def contiguous(x):
    return np.ascontiguousarray(x)


def assign(dst, src) -> None:
    """Write ``src`` (array or scalar, broadcast) into ``dst`` in place."""
    np.copyto(dst, src, casting="unsafe")


def assign_where(dst, src, mask) -> None:
    """Write ``src`` into ``dst`` in place only where ``mask`` (so, into a ``dst`` whose elements
    share memory, an element left out does not overwrite one written)."""
    np.copyto(dst, src, casting="unsafe", where=mask)


def isnan_any(x) -> bool:
    return x.dtype.kind == "f" and bool(np.isnan(x).any())


def all_finite(x) -> bool:
    return x.dtype.kind != "f" or bool(np.isfinite(x).all())


# ----------------------------------------------------------- elementwise

_INT64_MIN, _INT64_MAX = -(2 ** 63), 2 ** 63 - 1


def _binary(ufunc, quiet=False):
    def op(a, b, dtype=None):
        # a Python int beyond int64: torch's OverflowError (numpy would take it as a float)
        if (type(b) is int and not _INT64_MIN <= b <= _INT64_MAX) or (
                type(a) is int and not _INT64_MIN <= a <= _INT64_MAX):
            a, b = _int_operands(a, b, dtype)
        try:
            if quiet:
                with np.errstate(all="ignore"):
                    return _arr(ufunc(a, b) if dtype is None else ufunc(a, b, dtype=_TO_NATIVE[dtype]))
            if dtype is None:
                out = ufunc(a, b)
                return out if type(out) is _ndarray else np.asarray(out)  # _arr(out), inlined
            return _arr(ufunc(a, b, dtype=_TO_NATIVE[dtype]))
        except OverflowError:  # numpy refuses a Python int out of an integer dtype's range
            wrapped_a, wrapped_b = _int_operands(a, b, dtype)
            if (type(a) is not int or wrapped_a == a) and (type(b) is not int or wrapped_b == b):
                raise
            return op(wrapped_a, wrapped_b, dtype)

    op.__name__ = ufunc.__name__
    op.__doc__ = f"Elementwise numpy.{ufunc.__name__} with broadcasting, computed in ``dtype``."
    return op


def _int_operands(a, b, dtype):
    """(a, b) with a Python int operand converted as torch converts it into the dtype the op
    computes in (:func:`tensor._dtypes.wrap_int_scalar`: wrapped into an integer dtype,
    torch's OverflowError beyond 64 bits)."""
    if dtype is None:
        array = a if type(a) is _ndarray else b
        dtype = _FROM_NATIVE[array.dtype]
    if type(a) is int:
        a = D.wrap_int_scalar(a, dtype)
    if type(b) is int:
        b = D.wrap_int_scalar(b, dtype)
    return a, b


add = _binary(np.add)
sub = _binary(np.subtract)
mul = _binary(np.multiply)
# nan and inf are results, not warnings, as in torch
div = _binary(np.true_divide, quiet=True)
_power = _binary(np.power, quiet=True)


def pow(a, b, dtype=None):
    """a ** b elementwise; integers to negative integer powers as torch computes them (numpy
    refuses them): 0, except 1 for a base of 1 and +-1 for a base of -1."""
    try:
        return _power(a, b, dtype)
    except ValueError:  # only integer dtypes get here: floats never pay for the check
        if dtype is None:
            dtype = _FROM_NATIVE[(a if type(a) is _ndarray else b).dtype]
        native = _TO_NATIVE[dtype]
        a, b = _int_operands(a, b, dtype)
        a = np.asarray(a).astype(native, copy=False)
        b = np.asarray(b).astype(native, copy=False)
        negative = b < 0
        out = np.power(a, np.where(negative, 0, b).astype(native, copy=False))
        unit = np.where(a == 1, 1, np.where(a == -1, np.where((b & 1) == 1, -1, 1), 0))
        return _arr(np.where(negative, unit, out).astype(native, copy=False))
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
        # a Python int compared as torch converts it (numpy compares exactly): 0..127 fit every dtype
        if (type(b) is int and not 0 <= b <= 127) or (type(a) is int and not 0 <= a <= 127):
            a, b = _int_operands(a, b, dtype)
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
        out = ufunc(x)
        return out if type(out) is _ndarray else np.asarray(out)

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
    result = grad * (1 - out * out)
    return result if type(result) is _ndarray else np.asarray(result)


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
    # np.add.reduce is what np.sum calls for an ndarray, without its 1 us of dispatch
    out = _add_reduce(x, axis=axis, dtype=None if dtype is None else _TO_NATIVE[dtype], keepdims=keepdims)
    return out if type(out) is _ndarray else np.asarray(out)  # _arr(out), inlined


_add_reduce = np.add.reduce


def mean(x, axis=None, keepdims=False):
    if x.size == 0:  # nan for an empty slice, as torch gives it: without numpy's warnings
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore", RuntimeWarning)
            return _arr(np.mean(x, axis=axis, keepdims=keepdims))
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

    Half and single precision accumulate in double and are rounded once at the end (so
    ``var`` of ``[1e30, 1, 2]`` is inf in float32 only because the result is, and ``std``
    takes its square root before rounding: see :func:`std`). A reduction to one value is
    two-pass, as torch's: the mean in x's own dtype, then the squared deviations in double;
    otherwise torch's Welford update gives exactly 0 for equal values, which matters to
    std's gradient (0 where std is 0): shifting by each block's first value does the same
    here, and makes equal values exactly zero before squaring.
    """
    out = _var64(x, axis, correction, keepdims)
    return _arr(out) if x.dtype == np.float64 else _rounded(out, x.dtype)


def std(x, axis=None, correction=1, keepdims=False):
    """sqrt(var(x)), the root taken in double before rounding to x's dtype (as torch on cpu)."""
    out = np.sqrt(_var64(x, axis, correction, keepdims))
    return _arr(out) if x.dtype == np.float64 else _rounded(out, x.dtype)


def _rounded(out, dtype):
    """A double result rounded to ``dtype`` (beyond its range: inf, quietly)."""
    with np.errstate(over="ignore"):
        return _arr(np.asarray(out).astype(dtype))


def _var64(x, axis, correction, keepdims):
    """:func:`var` in double (float64 input: in float64 throughout)."""
    axes = range(x.ndim) if axis is None else (axis,) if isinstance(axis, int) else axis
    count = math.prod(x.shape[d] for d in axes)
    wide = x if x.dtype == np.float64 else x.astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        if x.size != 0 and x.size == count:
            mean = float(np.mean(x))  # torch: self.mean() in x's dtype, then double deviations
            centred = wide - mean
            squares = np.sum(centred * centred, axis=axis, keepdims=keepdims)
            return squares / max(count - correction, 0)
        if x.size != 0:
            origin = wide[tuple(slice(0, 1) if d in axes else slice(None) for d in range(x.ndim))]
            wide = wide - origin
        if count - correction <= 0:  # torch divides by max(0, n - correction): inf, or nan for 0 / 0
            centred = wide - np.mean(wide, axis=axis, keepdims=True)
            return np.sum(centred * centred, axis=axis, keepdims=keepdims) / 0.0
        return np.var(wide, axis=axis, ddof=correction, keepdims=keepdims)

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
    out = _add_reduce(x, axis=axes, keepdims=True) if axes else x  # np.sum's own call
    return _arr(out.reshape(shape))


def softmax(x, axis):
    x = np.ascontiguousarray(x)  # torch's result is contiguous, whatever the input's layout
    shifted = x - np.amax(x, axis=axis, keepdims=True, initial=-np.inf)
    e = np.exp(shifted)
    return _arr(e / e.sum(axis=axis, keepdims=True))


def log_softmax(x, axis):
    x = np.ascontiguousarray(x)  # torch's result is contiguous, whatever the input's layout
    if x.shape[axis] == 0:
        shifted = x - np.amax(x, axis=axis, keepdims=True, initial=-np.inf)
        with np.errstate(divide="ignore"):  # an empty dim: log(0) of an empty sum, quietly
            return _arr(shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True)))
    shifted = x - x.max(axis=axis, keepdims=True)
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
    """A stride-0 view, writable where x is (as torch's: ``x.expand(3, 4).zero_()`` writes x;
    the ops that refuse such a target check its strides first)."""
    if x.size == 1 and x.ndim <= len(shape) and builtins.min(shape, default=1) >= 1:
        # one element to every place (a reduction's gradient): broadcast_to's very view (every
        # stride 0, as broadcast_to gives a size-1 dim too) in a tenth of its time
        return np.ndarray(shape, x.dtype, x, 0, (0,) * len(shape))  # writable where x is
    out = np.broadcast_to(x, shape)
    if x.flags.writeable:
        out.flags.writeable = True
    return out


def getitem(x, index):
    out = x[index]
    if type(index) is tuple and out.ndim > 1 and builtins.any(type(k) is _ndarray for k in index):
        return _torch_index_layout(x, index, out)
    return _arr(out)


def _torch_index_layout(x, key, out):
    """``out = x[key]`` (advanced indexing; ``key`` holds ``slice(None)`` or an index array per
    dim) laid out as torch's index kernel lays it out, a copy where numpy's layout differs.

    torch iterates over a restrided view of x (stride 0 along the index dims) and the
    broadcast index tensors, orders the dims by their strides (TensorIterator's
    ``reorder_dimensions``: an insertion sort that leaves a pair in place where an operand
    has stride 0 in either dim) and allocates the output dense in that order. So ``x.t()[:,
    idx]`` is contiguous, where numpy's result is not (and a later ``.view`` would fail).
    """
    dims = [d for d, k in enumerate(key) if type(k) is _ndarray]
    arrays = [key[d] for d in dims]
    index_shape = np.broadcast_shapes(*(a.shape for a in arrays))
    if dims == list(range(dims[0], dims[0] + len(dims))):
        before, after = list(range(dims[0])), list(range(dims[-1] + 1, x.ndim))
    else:  # indexed dims apart: torch (and numpy) move them to the front
        before, after = [], [d for d in range(x.ndim) if d not in dims]
    shape = [x.shape[d] for d in before] + list(index_shape) + [x.shape[d] for d in after]
    if tuple(shape) != out.shape:
        return _arr(out)
    x_strides = strides(x)
    n_index = len(index_shape)
    operands = [[x_strides[d] for d in before] + [0] * n_index + [x_strides[d] for d in after]]
    for a in arrays:
        # expanded to the index shape: stride 0 along new or stretched dims (a size-1 dim keeps its own)
        a_strides, offset = strides(a), n_index - a.ndim
        own = [a_strides[i - offset] if i >= offset and a.shape[i - offset] == n else 0
               for i, n in enumerate(index_shape)]
        lead = own[0] * index_shape[0] if own else 1
        trail = own[-1] if own else 1
        # index.reshape((1,) * len(before) + shape + (1,) * len(after)), then broadcast
        operand = [lead] * len(before) + own + [trail] * len(after)
        operands.append([0 if n != 1 and (i < len(before) or i >= len(before) + n_index) else st
                         for i, (st, n) in enumerate(zip(operand, shape))])

    def should_swap(dim0, dim1):
        for operand in operands:
            stride0, stride1 = operand[dim0], operand[dim1]
            if stride0 == 0 or stride1 == 0:
                continue
            if stride0 != stride1:
                return 1 if stride0 > stride1 else -1
            if shape[dim0] > shape[dim1]:
                return 1
        return 0

    perm = list(range(len(shape)))[::-1]  # fastest first
    for i in range(1, len(perm)):
        dim1 = i
        for dim0 in range(i - 1, -1, -1):
            comparison = should_swap(perm[dim0], perm[dim1])
            if comparison > 0:
                perm[dim0], perm[dim1] = perm[dim1], perm[dim0]
                dim1 = dim0
            elif comparison < 0:
                break
    order = perm[::-1]  # slowest first
    result = np.ascontiguousarray(out.transpose(order)).transpose(np.argsort(order))
    target, step = [0] * len(shape), 1
    for d in perm:  # dense in perm's order, size-1 dims included (numpy leaves theirs as they come)
        target[d] = step
        step *= shape[d]
    if strides(result) != tuple(target):
        result = np.lib.stride_tricks.as_strided(result, result.shape, [t * result.itemsize for t in target])
    return result


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
    """The vector p-norm of ``x`` over ``axis`` (all axes when None), as linalg.vector_norm on cpu:
    half precision accumulates in single (single in single, so ``norm([1e30, 1e30])`` is inf as
    torch's); a norm of one element is its absolute value (so ``norm([1e30])`` is 1e30)."""
    axes = range(x.ndim) if axis is None else (axis,) if isinstance(axis, int) else axis
    if ord != 0 and x.size != 0 and math.prod(x.shape[d] for d in axes) == 1:
        out = np.abs(x)
        return _arr(out.reshape(np.sum(out, axis=axis, keepdims=keepdims).shape))
    wide = x.astype(np.float32) if x.dtype == np.float16 else x
    a = np.abs(wide)
    with np.errstate(over="ignore", under="ignore"):
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
            with np.errstate(divide="ignore"):
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
    targets = target.reshape(-1)
    rows = logits.reshape(targets.size, logits.shape[-1])
    log_probs = log_softmax(rows, 1)
    ignored = targets == ignore_index
    if weight is None and rows.shape[1] and not ignored.any():
        return _cross_entropy_plain(logits, target, targets, rows, log_probs, reduction)
    safe = np.where(ignored, 0, targets)
    weights = (~ignored).astype(rows.dtype)
    if rows.shape[1] == 0:  # no classes: every target is ignored (the caller refused any other)
        losses, grad = np.zeros(len(targets), rows.dtype), np.zeros(rows.shape, rows.dtype)
    else:
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


def _cross_entropy_plain(logits, target, targets, rows, log_probs, reduction):
    """cross_entropy's common case, no class weights and no ignored target: every w_t is 1,
    so the same arithmetic in fewer numpy calls (bitwise the general case's results)."""
    picked = np.arange(len(targets))
    losses = -log_probs[picked, targets]
    grad = np.exp(log_probs)
    grad[picked, targets] -= 1
    if reduction == "none":
        loss = losses.reshape(target.shape)
    elif reduction == "sum":
        loss = losses.sum()
    else:
        total = rows.dtype.type(len(targets))
        loss = losses.sum() / total
        grad /= total
    return _arr(np.asarray(loss, dtype=rows.dtype)), _arr(grad.reshape(logits.shape))


def cross_entropy_backward(grad_loss, grad_logits, reduction):
    """The saved d(loss)/d(logits) scaled by the upstream gradient (one per row for 'none')."""
    scale = grad_loss[..., None] if reduction == "none" and grad_logits.ndim > 1 else grad_loss
    return _arr(grad_logits * scale)


def unique_dim(x, axis):
    """(values, inverse, counts) of the distinct slices of ``x`` along ``axis``, as torch's
    ``unique_dim``: the slices sorted lexicographically (torch's comparator: where neither element
    is less, nan included, the next element decides), a slice merged into the one before it when
    all their elements are == (so one holding nan never is), the first of a run kept."""
    moved = np.moveaxis(x, axis, 0)
    n = moved.shape[0]
    rows = moved.reshape(n, math.prod(moved.shape[1:]))
    if rows.dtype.kind == "f" and np.isnan(rows).any():
        order = np.array(sorted(range(n), key=functools.cmp_to_key(lambda a, b: _row_order(rows, a, b))),
                         dtype=np.int64)
    elif rows.shape[1]:
        order = np.lexsort(rows.T[::-1])
    else:
        order = np.arange(n)
    ordered = rows[order]
    new = np.ones(n, dtype=bool)
    if n > 1:
        new[1:] = np.any(ordered[1:] != ordered[:-1], axis=1)
    group = np.cumsum(new) - 1
    inverse = np.empty(n, dtype=np.int64)
    inverse[order] = group
    counts = np.bincount(group, minlength=int(new.sum())).astype(np.int64)
    values = ordered[new].reshape((-1,) + moved.shape[1:])
    return np.ascontiguousarray(np.moveaxis(values, 0, axis)), inverse, counts


def _row_order(rows, a, b):
    """torch's lexicographic comparator over two rows: -1, 1 or 0 (no element decides)."""
    for left, right in zip(rows[a], rows[b]):
        if left < right:
            return -1
        if left > right:
            return 1
    return 0


def first_invalid_target(target, classes, ignore_index):
    """The first class target outside [0, classes) that is not ``ignore_index``, or None."""
    if target.size == 0 or (target.min() >= 0 and target.max() < classes):
        return None
    bad = ((target < 0) | (target >= classes)) & (target != ignore_index)
    return int(target[bad][0]) if bad.any() else None


def addmm_relu(bias, mat1, mat2):
    """relu(bias + mat1 @ mat2) (a Linear followed by a ReLU)."""
    out = addmm(bias, mat1, mat2)
    return _arr(np.maximum(out, 0, out=out))


# ------------------------------------------------------------- the lean path

_EXACT_INT = 2 ** 53  # a Python int numpy takes as a weak float scalar without rounding surprises
_LEAN_UFUNCS = {"add": np.add, "sub": np.subtract, "mul": np.multiply}
_LEAN_UNARY_UFUNCS = {"neg": np.negative, "exp": np.exp, "sin": np.sin, "cos": np.cos, "tanh": np.tanh}
_LEAN_BINARY = {"div": div, "tanh_backward": tanh_backward, "sigmoid_backward": sigmoid_backward}


def lean_binary(name, a, b):
    """``(result, dtype, a's shape, b's shape)`` of the binary primitive ``name`` on storage ``a``
    and ``b`` (storage or a Python number, whose shape is None) when numpy's own rules give
    torch's result: float32 or float64 storage of one dtype, or with a Python float or a not too
    large int (numpy 2 takes a number as weak, as torch does). None otherwise, having computed
    nothing: the engine takes its general path. (The engine's lean path: the dtype decision,
    the ufunc and the shapes its node records, in one call.)"""
    dtype = _LEAN.get(a.dtype)
    if dtype is None:
        return None
    if type(b) is _ndarray:
        if b.dtype != a.dtype:
            return None
        b_shape = b.shape
    elif type(b) is int and not -_EXACT_INT <= b <= _EXACT_INT:
        return None
    else:
        b_shape = None
    ufunc = _LEAN_UFUNCS.get(name)
    if ufunc is None:
        return _LEAN_BINARY[name](a, b), dtype, a.shape, b_shape
    out = ufunc(a, b)
    return (out if type(out) is _ndarray else np.asarray(out)), dtype, a.shape, b_shape


def lean_unary(name, a):
    """``(result, dtype, a's shape)`` of the unary primitive ``name`` on float32 or float64
    storage ``a``; None for any other dtype, having computed nothing (the engine's lean path)."""
    dtype = _LEAN.get(a.dtype)
    if dtype is None:
        return None
    ufunc = _LEAN_UNARY_UFUNCS.get(name)
    if ufunc is None:
        return _FUNCTIONS[name](a), dtype, a.shape
    out = ufunc(a)  # the ufuncs that _unary wraps without an errstate, called directly
    return (out if type(out) is _ndarray else np.asarray(out)), dtype, a.shape


_FUNCTIONS = globals()  # lean_unary's primitives, by name
