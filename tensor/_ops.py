"""The public operations: argument handling in torch's style, then the op from the table.

Each function here checks and normalises its arguments the way torch does
(dims, dtypes, shapes, error messages), then calls the matching op of
:mod:`tensor._derivatives`, which does the computing and records the graph.
Functions are exported as ``tensor.<name>`` and bound as Tensor methods at
the bottom of this module.
"""

from __future__ import annotations

import builtins
import collections
import functools
import math
import numbers
import sys
import warnings

from . import _derivatives as F
from . import _dtypes as D
from ._tensor import _SCALAR_NAME, Size, Tensor, _normalize_dim
from .autograd import grad_mode
from .autograd.function import apply_binary, apply_unary, guard_indices
from .backends import as_device, backend_for, device_mismatch, seed_all_backends

_state = grad_mode.state


# ------------------------------------------------------------------ creation

def tensor(data, dtype=None, device=None, requires_grad=False) -> Tensor:
    """A new tensor copying ``data`` (lists, numbers, numpy arrays or a Tensor)."""
    backend = backend_for(as_device(device))
    if isinstance(data, Tensor):
        data = data.detach().cpu()._data
    return _created(backend.from_data(data, dtype), backend, requires_grad)


def _shape_arg(size) -> tuple:
    if len(size) == 1 and isinstance(size[0], (tuple, list, Size)):
        size = tuple(size[0])
    for s in size:
        if not isinstance(s, int) or isinstance(s, bool):
            raise TypeError(f"{type(s).__name__} object cannot be interpreted as an integer")
        if s < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {s}: {list(size)}")
    return tuple(size)


def _created(storage, backend, requires_grad) -> Tensor:
    """A new leaf; a factory's ``requires_grad=True`` has its own wording in torch.

    A ``requires_grad`` that is not a bool (None counts as False, as torch's) raises
    torch's TypeError naming the factory that called this one.
    """
    if requires_grad is None:
        requires_grad = False
    if not isinstance(requires_grad, bool):
        factory = sys._getframe(1).f_code.co_name
        raise TypeError(f"{factory}(): argument 'requires_grad' must be bool, "
                        f"not {type(requires_grad).__name__}")
    t = Tensor._make(storage, backend, False, None, 0, None)
    if requires_grad:
        if not t.dtype.is_floating_point:
            raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
        t.requires_grad_(True)
    return t


def _creation_dtype(dtype):
    return D.get_default_dtype() if dtype is None else dtype


def full(size, fill_value, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """A tensor of ``size`` filled with ``fill_value`` (dtype inferred from it, as torch)."""
    if dtype is None:
        dtype = D.scalar_dtype(fill_value)
    fill_value = _fitting(fill_value, dtype)
    backend = backend_for(as_device(device))
    return _created(backend.full(_shape_arg((size,) if isinstance(size, int) else (tuple(size),)),
                                 fill_value, dtype), backend, requires_grad)


_C_NAMES = {"int64": "int64_t", "int32": "int", "int16": "int16_t", "int8": "int8_t",
            "uint8": "uint8_t", "float32": "float", "float16": "c10::Half", "bfloat16": "c10::BFloat16"}
_FLOAT_MAX = {"float32": 3.4028234663852886e38, "float16": 65504.0, "bfloat16": 3.3895313892515355e38}


def _fitting(value, dtype):
    """``value`` as torch writes it into ``dtype``: a negative number wraps into uint8 (two's
    complement); a number the dtype cannot hold is refused (nan, inf or out-of-range values
    into an integer dtype, finite values beyond float32's range into float32)."""
    if type(value) is int:
        D.check_int64_scalar(value)  # beyond 64 bits: torch's OverflowError, whatever the dtype
    name = _C_NAMES.get(dtype.name)
    if name is None or isinstance(value, bool) or not isinstance(value, (int, float)):
        return value
    if dtype.is_floating_point:
        fits = not math.isfinite(value) or builtins.abs(value) <= _FLOAT_MAX[dtype.name]
    else:
        bits = 8 * dtype.itemsize
        high = 2 ** bits - 1 if dtype is D.uint8 else 2 ** (bits - 1) - 1
        low = -high if dtype is D.uint8 else -high - 1
        fits = math.isfinite(value) and low <= value <= high
    if not fits:
        raise RuntimeError(f"value cannot be converted to type {name} without overflow")
    return value % 256 if dtype is D.uint8 and value < 0 else value


def zeros(*size, dtype=None, device=None, requires_grad=False) -> Tensor:
    backend = backend_for(as_device(device))
    return _created(backend.full(_shape_arg(size), 0, _creation_dtype(dtype)), backend, requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False) -> Tensor:
    backend = backend_for(as_device(device))
    return _created(backend.full(_shape_arg(size), 1, _creation_dtype(dtype)), backend, requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False) -> Tensor:
    backend = backend_for(as_device(device))
    return _created(backend.empty(_shape_arg(size), _creation_dtype(dtype)), backend, requires_grad)


def _like(t, dtype, device):
    backend = t._backend if device is None else backend_for(as_device(device))
    return backend, (t.dtype if dtype is None else dtype)


def zeros_like(t, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    backend, dtype = _like(t, dtype, device)
    return _created(backend.full(t.shape, 0, dtype), backend, requires_grad)


def ones_like(t, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    backend, dtype = _like(t, dtype, device)
    return _created(backend.full(t.shape, 1, dtype), backend, requires_grad)


def full_like(t, fill_value, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    backend, dtype = _like(t, dtype, device)
    return _created(backend.full(t.shape, fill_value, dtype), backend, requires_grad)


def empty_like(t, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    backend, dtype = _like(t, dtype, device)
    return _created(backend.empty(t.shape, dtype), backend, requires_grad)


def rand_like(t, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    backend, dtype = _like(t, dtype, device)
    return _created(backend.rand(t.shape, dtype), backend, requires_grad)


def randn_like(t, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    backend, dtype = _like(t, dtype, device)
    return _created(backend.randn(t.shape, dtype), backend, requires_grad)


def arange(start, end=None, step=1, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Values from start (default 0) up to but excluding end, spaced by step."""
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if dtype is None:
        is_float = builtins.any(isinstance(v, builtins.float) for v in (start, end, step))
        dtype = D.get_default_dtype() if is_float else D.int64
    backend = backend_for(as_device(device))
    return _created(backend.arange(start, end, step, dtype), backend, requires_grad)


def linspace(start, end, steps, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """``steps`` evenly spaced values from start to end inclusive."""
    if steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    backend = backend_for(as_device(device))
    return _created(backend.linspace(start, end, steps, _creation_dtype(dtype)), backend, requires_grad)


def eye(n, m=None, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    backend = backend_for(as_device(device))
    return _created(backend.eye(n, n if m is None else m, _creation_dtype(dtype)), backend, requires_grad)


def rand(*size, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Uniform samples on [0, 1)."""
    backend = backend_for(as_device(device))
    return _created(backend.rand(_shape_arg(size), _creation_dtype(dtype)), backend, requires_grad)


def randn(*size, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Standard normal samples."""
    backend = backend_for(as_device(device))
    return _created(backend.randn(_shape_arg(size), _creation_dtype(dtype)), backend, requires_grad)


def randint(low, high=None, size=None, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Integers drawn uniformly from [low, high)."""
    if size is None:
        low, high, size = 0, low, high
    backend = backend_for(as_device(device))
    dtype = D.int64 if dtype is None else dtype
    return _created(backend.randint(low, high, _shape_arg((tuple(size),)), dtype), backend, requires_grad)


def manual_seed(seed: int):
    """Seed the random generator of every backend (results differ from torch's generator)."""
    seed_all_backends(seed)


def from_numpy(array) -> Tensor:
    """A cpu tensor sharing memory with ``array``."""
    backend = backend_for(as_device("cpu"))
    return Tensor._make(backend.wrap_numpy(array), backend, False, None, 0, None)


def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)


def numel(t: Tensor) -> int:
    return t.numel()


# ------------------------------------------------------------------ arithmetic

def _as_operand(x, like: Tensor):
    """Python numbers stay numbers; other array-likes become tensors on ``like``'s device.

    Tensors of another shape must broadcast with ``like`` (torch's error otherwise).
    """
    if isinstance(x, Tensor):
        if x._backend is not like._backend:
            x = _on_device_of(x, like)
        if x.shape != like.shape:
            _broadcast_shape(tuple(like.shape), tuple(x.shape))
        return x
    if isinstance(x, (int, float, bool)):
        return x
    if isinstance(x, complex):
        raise TypeError("complex numbers are not supported")
    return tensor(x, device=like.device)


def _on_device_of(x: Tensor, like: Tensor) -> Tensor:
    """A 0-d cpu tensor joins an op on another device as a scalar would (moved there), as in
    torch; any other tensor on another device is torch's device-mismatch error."""
    if x.ndim == 0 and x.device.type == "cpu":
        return to_dtype_device(x, None, like.device)
    raise device_mismatch(x.device, like.device)


def add(input, other, *, alpha=1) -> Tensor:
    """input + alpha * other, with broadcasting and torch's type promotion."""
    if isinstance(input, Tensor):
        if type(alpha) is int and alpha == 1:
            out = apply_binary(F.Add, input, other)
            if out is not None:
                return out
        other = _as_operand(other, input)
    _check_alpha(input, other, alpha)
    return F.Add.apply(input, other, alpha)


def sub(input, other, *, alpha=1) -> Tensor:
    """input - alpha * other (not for bool operands, as in torch)."""
    if isinstance(input, Tensor) and type(alpha) is int and alpha == 1:
        out = apply_binary(F.Sub, input, other)
        if out is not None:
            return out
    _check_not_bool_sub(input, other)
    if not isinstance(input, Tensor):
        return F.Rsub.apply(other, input) if alpha == 1 else F.Rsub.apply(other * alpha, input)
    other = _as_operand(other, input)
    _check_alpha(input, other, alpha)
    return F.Sub.apply(input, other, alpha)


def _check_alpha(input, other, alpha) -> None:
    """torch refuses a float ``alpha`` when the result is an integer or bool tensor."""
    if isinstance(alpha, float) and not isinstance(alpha, bool):
        dtypes = [D.scalar_dtype(x) if not isinstance(x, Tensor) else x.dtype for x in (input, other)]
        if not builtins.any(d.is_floating_point for d in dtypes):
            raise RuntimeError(
                "For integral input tensors, argument alpha must not be a floating point number."
            )


def _check_not_bool_sub(a, b):
    def is_bool(x):
        return isinstance(x, bool) or (isinstance(x, Tensor) and x.dtype is D.bool_)

    if is_bool(a) and is_bool(b):
        raise RuntimeError(
            "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or "
            "`logical_xor()` operator instead."
        )
    if is_bool(a) or is_bool(b):
        raise RuntimeError(
            "Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to "
            "invert a mask, use the `~` or `logical_not()` operator instead."
        )


def rsub(input, other) -> Tensor:
    """other - input (``number - tensor``)."""
    _check_not_bool_sub(input, other)
    return F.Rsub.apply(input, other)


def mul(input, other) -> Tensor:
    """input * other."""
    if not isinstance(input, Tensor):
        input, other = other, input
    out = apply_binary(F.Mul, input, other)
    if out is not None:
        return out
    return F.Mul.apply(input, _as_operand(other, input))


def div(input, other) -> Tensor:
    """input / other (true division: integers give floats)."""
    if not isinstance(input, Tensor):
        return F.Mul.apply(F.Reciprocal.apply(other), input)
    out = apply_binary(F.Div, input, other)
    if out is not None:
        return out
    return F.Div.apply(input, _as_operand(other, input))


true_divide = divide = div
multiply = mul
subtract = sub


def neg(input) -> Tensor:
    if isinstance(input, Tensor):
        out = apply_unary(F.Neg, input)
        if out is not None:
            return out
    if input.dtype is D.bool_:
        raise RuntimeError(
            "Negation, the `-` operator, on a bool tensor is not supported. If you are trying to "
            "invert a mask, use the `~` or `logical_not()` operator instead."
        )
    return F.Neg.apply(input)


negative = neg


def pow(input, exponent) -> Tensor:
    """input ** exponent (either may be a number).

    Two bool operands: torch has no bool pow kernel (NotImplementedError), except
    ``bool_tensor ** True`` (a copy) and ``bool_tensor ** False`` (ones).
    """
    if not isinstance(input, Tensor):
        if isinstance(input, bool) and exponent.dtype is D.bool_:
            raise NotImplementedError("\"pow\" not implemented for 'Bool'")
        return F.RPow.apply(input, exponent)
    if input.dtype is D.bool_:
        if isinstance(exponent, Tensor) and exponent.dtype is D.bool_:
            raise NotImplementedError("\"pow\" not implemented for 'Bool'")
        if isinstance(exponent, bool):
            return clone(input) if exponent else ones_like(input)
    _check_integer_power(input, exponent)
    if isinstance(exponent, Tensor):
        return F.PowTensor.apply(input, _as_operand(exponent, input))
    return F.Pow.apply(input, exponent)


def _check_integer_power(input, exponent) -> None:
    """An integer tensor to a negative integer number: torch's RuntimeError (numpy's is a ValueError);
    an integer exponent that the tensor's dtype cannot hold: torch's overflow errors (torch checks
    it against int64 first). Float tensors pay for none of it."""
    if input.is_floating_point():
        if input.dtype.itemsize == 2 and isinstance(exponent, (int, float)):
            _fitting(exponent, input.dtype)  # torch refuses an exponent that half precision cannot hold
        return
    if isinstance(exponent, int) and not isinstance(exponent, bool):
        if exponent < 0:
            D.check_int64_scalar(exponent)
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        if input.dtype is not D.bool_:
            D.check_int64_scalar(exponent)
            _fitting(exponent, D.int64)
            _fitting(exponent, input.dtype)


def _compare(op_name):
    def compare(input, other) -> Tensor:
        if not isinstance(input, Tensor):
            input, other = other, input
            op = _FLIPPED[op_name]
        else:
            op = op_name
        if other is None and op in ("eq", "ne"):
            return op == "ne"  # torch: t == None is False, t != None is True
        other = _as_operand(other, input)
        dtype = F.binary_dtype(input, other)
        backend = input._backend
        out = getattr(backend, op)(input._data, F.data(other), dtype)
        return Tensor._make(out, backend, False, None, 0, None)

    compare.__name__ = op_name
    compare.__doc__ = f"Elementwise ``{op_name}`` comparison with broadcasting; a bool tensor, no grad."
    return compare


_FLIPPED = {"eq": "eq", "ne": "ne", "lt": "gt", "le": "ge", "gt": "lt", "ge": "le"}
eq = _compare("eq")
ne = _compare("ne")
lt = _compare("lt")
le = _compare("le")
gt = _compare("gt")
ge = _compare("ge")
greater, greater_equal, less, less_equal, not_equal = gt, ge, lt, le, ne


def _logical(op_name):
    def logical(input, other) -> Tensor:
        if not isinstance(input, Tensor):
            input, other = other, input
        other = _as_operand(other, input)
        a, b = input, other
        dtype = F.binary_dtype(a, b) or a.dtype
        if dtype.is_floating_point:
            raise RuntimeError(f'"bitwise_{op_name}_cpu" not implemented for \'{dtype_name(dtype)}\'')
        backend = input._backend
        out = getattr(backend, "bitwise_" + op_name)(a._data, F.data(b))
        return Tensor._make(backend.cast(out, dtype), backend, False, None, 0, None)

    logical.__name__ = "bitwise_" + op_name
    return logical


def dtype_name(dtype) -> str:
    """torch's capitalised scalar type name: Float, Double, Long, Bool, ..."""
    return {"float32": "Float", "float64": "Double", "int64": "Long", "int32": "Int", "bool": "Bool",
            "float16": "Half", "bfloat16": "BFloat16", "int16": "Short", "int8": "Char",
            "uint8": "Byte"}[dtype.name]


bitwise_and = _logical("and")
bitwise_or = _logical("or")
bitwise_xor = _logical("xor")


def logical_not(input) -> Tensor:
    return Tensor._make(input._backend.logical_not(input._data), input._backend, False, None, 0, None)


def bitwise_not(input) -> Tensor:
    if input.dtype.is_floating_point:
        raise RuntimeError(f"\"bitwise_not_cpu\" not implemented for '{dtype_name(input.dtype)}'")
    return Tensor._make(input._backend.bitwise_not(input._data), input._backend, False, None, 0, None)


# --------------------------------------------------------------- unary functions

def _unary(op, name):
    if op.primitive is None:
        def fn(input) -> Tensor:
            return op.apply(input)
    else:
        def fn(input) -> Tensor:
            if isinstance(input, Tensor):
                out = apply_unary(op, input)
                if out is not None:
                    return out
            return op.apply(input)

    fn.__name__ = name
    fn.__doc__ = op.__doc__
    return fn


exp = _unary(F.Exp, "exp")
log = _unary(F.Log, "log")
sin = _unary(F.Sin, "sin")
cos = _unary(F.Cos, "cos")
tan = _unary(F.Tan, "tan")
tanh = _unary(F.Tanh, "tanh")
sigmoid = _unary(F.Sigmoid, "sigmoid")


def relu(input) -> Tensor:
    """max(input, 0) elementwise (not for bool tensors, as torch)."""
    if isinstance(input, Tensor):
        out = apply_unary(F.Relu, input)
        if out is not None:
            return out
    if input.dtype is D.bool_:
        raise RuntimeError("Boolean inputs not supported for relu")
    return F.Relu.apply(input)


relu.__doc__ += "\n\n" + F.Relu.__doc__
sqrt = _unary(F.Sqrt, "sqrt")
rsqrt = _unary(F.Rsqrt, "rsqrt")


def abs(input) -> Tensor:  # noqa: A001 - torch.abs
    """|input| elementwise (not for bool tensors: torch has no bool kernel)."""
    if input.dtype is D.bool_:
        raise NotImplementedError("\"abs_cpu\" not implemented for 'Bool'")
    return F.Abs.apply(input)


abs.__doc__ += "\n\n" + F.Abs.__doc__
sign = _unary(F.Sign, "sign")


def _rounding(op, name, doc):
    def fn(input) -> Tensor:
        if input.dtype is D.bool_:
            raise NotImplementedError(f"\"{name}_vml_cpu\" not implemented for 'Bool'")
        if not input.is_floating_point():
            return clone(input)  # integers are already whole: a copy of the same dtype, as torch
        return op.apply(input)

    fn.__name__ = name
    fn.__doc__ = f"{doc} elementwise; integer tensors are returned as a copy.\n\n{op.__doc__}"
    return fn


round = _rounding(F.Round, "round", "The nearest integer, half to even (as torch's)")
absolute = abs


def clamp(input, min=None, max=None) -> Tensor:
    """Limit values to [min, max] (either bound may be None)."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    bounds = [b for b in (min, max) if b is not None]
    if builtins.any(isinstance(b, Tensor) for b in bounds):
        if not builtins.all(isinstance(b, Tensor) for b in bounds):
            kinds = ", ".join("Tensor" if isinstance(b, Tensor) else type(b).__name__
                              for b in (input, min, max))
            raise TypeError(
                f"clamp() received an invalid combination of arguments - got ({kinds}), but expected "
                "one of:\n * (Tensor input, Tensor min = None, Tensor max = None, *, Tensor out = None)\n"
                " * (Tensor input, Number min = None, Number max = None, *, Tensor out = None)\n"
            )
        tensors = [input, *bounds]
        dtype = D.result_type(tuple(t.dtype for t in tensors if t.ndim),
                              tuple(t.dtype for t in tensors if not t.ndim), ())
        shape = tuple(input.shape)
        for bound in bounds:
            shape = _broadcast_shape(shape, tuple(bound.shape))
        return F.ClampTensor.apply(input, min, max, dtype)
    dtype = D.result_type((input.dtype,), (), tuple(D.scalar_dtype(b) for b in bounds))
    # torch converts a bound strictly into the result dtype (arithmetic wraps a number instead)
    min = _fitting(min, dtype)
    max = _fitting(max, dtype)
    if dtype is not input.dtype:
        input = input.to(dtype)  # an int tensor with float bounds clamps in float, as torch's
    return F.Clamp.apply(input, min, max)


clip = clamp


def maximum(input, other) -> Tensor:
    """The elementwise maximum of two tensors (nan wins, as torch)."""
    _check_tensor_argument("maximum", "other", other, 2)
    return F.Maximum.apply(input, _as_operand(other, input))


def minimum(input, other) -> Tensor:
    """The elementwise minimum of two tensors (nan wins, as torch)."""
    _check_tensor_argument("minimum", "other", other, 2)
    return F.Minimum.apply(input, _as_operand(other, input))


def where(condition, input=None, other=None):
    """Elementwise ``condition ? input : other`` (broadcasting); alone, nonzero(condition, as_tuple=True)."""
    if input is None and other is None:
        return nonzero(condition, as_tuple=True)
    like = condition
    if isinstance(input, Tensor):
        like = input
    elif isinstance(other, Tensor):
        like = other
    if condition.dtype is not D.bool_:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor "
                           f"with dtype {dtype_name(condition.dtype)}")
    for value in (input, other):
        if isinstance(value, (int, float)) and not isinstance(value, bool) and isinstance(like, Tensor):
            # torch's overflow errors for a number that the result dtype cannot hold (not for halves)
            result = D.result_type((like.dtype,), (), (D.scalar_dtype(value),))
            if type(value) is int:
                D.check_int64_scalar(value)
            if result not in (D.float16, D.bfloat16):
                _fitting(value, result)
    input = _as_operand(input, like)
    other = _as_operand(other, like)
    if not isinstance(input, Tensor) and not isinstance(other, Tensor):
        dtype = D.result_type((), (), (D.scalar_dtype(input), D.scalar_dtype(other)))
        input = full_like(condition, input, dtype=dtype)
    return F.Where.apply(input, other, condition)


# ------------------------------------------------------------------ reductions

def _dims(input, dim):
    """Normalise ``dim`` (int, tuple, list or None) to a sorted tuple of non-negative ints."""
    if dim is None:
        return None
    ndim = input.ndim
    if isinstance(dim, int):
        return (_normalize_dim(dim, ndim),) if ndim else ()
    dims = tuple(_normalize_dim(builtins.int(d) if isinstance(d, builtins.bool) else d, ndim) for d in dim)
    if len(set(dims)) != len(dims):
        repeated = next(d for d in dims if dims.count(d) > 1)
        raise RuntimeError(f"dim {repeated} appears multiple times in the list of dims")
    return tuple(sorted(dims)) if ndim else ()


def _dims_or_all(input, dim):
    """_dims, with an empty tuple or list meaning every dim (torch's sum/mean over dim=())."""
    dims = _dims(input, dim)
    return tuple(range(input.ndim)) if not dims else dims


def _check_autograd_dtype(input, dtype) -> None:
    """A reduction asked for an integer ``dtype`` of a tensor requiring grad: torch's error."""
    if dtype is not None and not dtype.is_floating_point and input.requires_grad and _state.grad_enabled:
        raise RuntimeError(f"Autograd not support dtype: {_SCALAR_NAME[dtype.name]}")


def sum(input, dim=None, keepdim=False, *, dtype=None) -> Tensor:
    """Sum over ``dim`` (all dims when None); ints and bools sum as int64."""
    if dim is None and dtype is None and isinstance(input, Tensor):
        out = apply_unary(F.Sum, input)  # a float tensor's sum of all elements: the lean path
        if out is not None:
            return out
    _check_autograd_dtype(input, dtype)
    if dim is None:
        return F.Sum.apply(input, None, False, dtype)
    return F.SumDim.apply(input, _dims_or_all(input, dim), keepdim, dtype)


def mean(input, dim=None, keepdim=False, *, dtype=None) -> Tensor:
    """Arithmetic mean over ``dim``; only floating dtypes, as in torch."""
    if dim is None and dtype is None and isinstance(input, Tensor):
        out = apply_unary(F.Mean, input)  # a float tensor's mean of all elements: the lean path
        if out is not None:
            return out
    if dtype is not None:
        input = input.to(dtype)
    if not input.dtype.is_floating_point:
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point or "
            f"complex dtype. Got: {dtype_name(input.dtype)}"
        )
    if dim is None:
        return F.Mean.apply(input, None, False)
    return F.MeanDim.apply(input, _dims_or_all(input, dim), keepdim)


def sum_to_size(input, *size) -> Tensor:
    """Sum ``input`` down to ``size`` (the inverse of broadcasting ``size`` up to input's shape)."""
    shape = _shape_arg(size)
    if tuple(input.shape) == shape:
        return input
    lead = input.ndim - len(shape)
    dims = tuple(range(lead)) + tuple(
        i + lead for i, n in enumerate(shape) if n == 1 and input.shape[i + lead] != 1
    )
    out = sum(input, dims, keepdim=True) if dims else input
    return out.reshape(shape) if lead else out


# ------------------------------------------------------- more reductions

class _ReturnTypes:
    """torch.return_types: (values, indices) namedtuples of max, min and sort."""

    max = collections.namedtuple("max", ["values", "indices"])
    min = collections.namedtuple("min", ["values", "indices"])
    sort = collections.namedtuple("sort", ["values", "indices"])
    topk = collections.namedtuple("topk", ["values", "indices"])
    kthvalue = collections.namedtuple("kthvalue", ["values", "indices"])


return_types = _ReturnTypes


def _reduce_all_or_dims(input, dim):
    """None for all dims (dim None or ()), else the normalised dims."""
    if dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0):
        return None
    return _dims(input, dim)


def _min_max(name, all_op, dim_op, maximum_fn):
    def reduce(input, dim=None, keepdim=False):
        if isinstance(dim, Tensor):
            return maximum_fn(input, dim)
        if dim is None:
            if input.numel() == 0:
                raise RuntimeError(
                    f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                    "Specify the reduction dim with the 'dim' argument."
                )
            return all_op.apply(input, None, False)
        if isinstance(dim, bool):
            from ._bool_dim import bool_dim_error

            raise bool_dim_error()
        if not isinstance(dim, int):
            raise TypeError(f"{name}(): argument 'dim' must be int, not {type(dim).__name__}")
        if not isinstance(keepdim, bool):
            raise TypeError(
                f"{name}(): argument 'keepdim' (position 2) must be bool, not {type(keepdim).__name__}"
            )
        d = _normalize_dim(dim, input.ndim)
        if input.ndim and input.shape[d] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
        if input.ndim == 0:  # a 0-d input reduces as a 1-element vector along dim 0
            values, indices = dim_op.apply(input.reshape(1), 0, False)
        else:
            values, indices = dim_op.apply(input, d, keepdim)
        guard_indices(values, (indices,))
        return getattr(return_types, name)(values, indices)

    reduce.__name__ = name
    reduce.__doc__ = (
        f"The {name}imum: over all elements (a 0-d tensor; the gradient splits evenly among ties), "
        f"or along ``dim`` as ``(values, indices)`` (the gradient goes to the index); with a tensor, "
        f"the elementwise {name}imum."
    )
    return reduce


max = _min_max("max", F.MaxAll, F.MaxDim, maximum)
min = _min_max("min", F.MinAll, F.MinDim, minimum)


def amax(input, dim=(), keepdim=False) -> Tensor:
    """The maximum over ``dim`` (all dims by default); the gradient splits evenly among ties."""
    return F.Amax.apply(input, _nonempty_reduction_dims("amax", input, dim), keepdim)


def amin(input, dim=(), keepdim=False) -> Tensor:
    """The minimum over ``dim`` (all dims by default); the gradient splits evenly among ties."""
    return F.Amin.apply(input, _nonempty_reduction_dims("amin", input, dim), keepdim)


def _nonempty_reduction_dims(name, input, dim):
    """The dims of a reduction without identity (amax, amin), refusing empty ones as torch."""
    dims = _reduce_all_or_dims(input, dim)
    if dims is None and input.numel() == 0:
        raise RuntimeError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                         "Specify the reduction dim with the 'dim' argument.")
    for d in dims or ():
        if input.ndim and input.shape[d] == 0:
            raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
    return dims


def _arg_reduce(name):
    def arg_reduce(input, dim=None, keepdim=False) -> Tensor:
        backend = input._backend
        if input.dtype is D.bool_:
            raise RuntimeError(f"{name}(): does not support bool input")
        if dim is None:
            if input.numel() == 0:
                raise IndexError(f"{name}(): Expected reduction dim to be specified for input.numel() == 0.")
            out = getattr(backend, name)(backend.reshape(input._data, (-1,)), 0, False)
            if keepdim:
                out = backend.reshape(out, (1,) * input.ndim)
        else:
            d = _normalize_dim(dim, input.ndim)
            if input.ndim == 0:
                out = backend.full((), 0, D.int64)
            else:
                if input.shape[d] == 0:
                    raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
                out = getattr(backend, name)(input._data, d, keepdim)
        return Tensor._make(out, backend, False, None, 0, None)

    arg_reduce.__name__ = name
    arg_reduce.__doc__ = f"Index of the {name[3:]}imum (in the flattened tensor when dim is None); int64."
    return arg_reduce


argmax = _arg_reduce("argmax")
argmin = _arg_reduce("argmin")


def _correction(name, unbiased, correction) -> builtins.float:
    if unbiased is not None and correction is not None:
        raise TypeError(f"{name}() received an invalid combination of arguments - got both 'unbiased' "
                        "and 'correction'")
    if correction is not None:
        return correction
    return 1 if unbiased is None or unbiased else 0


def _var_args(input, name, dim, unbiased, correction, keepdim=False):
    if not input.dtype.is_floating_point:
        raise RuntimeError("std and var only support floating point and complex dtypes")
    if isinstance(dim, bool):
        from ._bool_dim import bool_dim_error, passed_as_keyword

        # x.std(True) is unbiased (torch's (bool unbiased) signature, alone); x.std(dim=True) or
        # x.std(True, True) torch refuses
        if unbiased is not None or correction is not None or keepdim or passed_as_keyword("dim"):
            raise bool_dim_error()
        dim, unbiased = None, dim
    return _reduce_all_or_dims(input, dim), _correction(name, unbiased, correction)


def var(input, dim=None, unbiased=None, keepdim=False, *, correction=None) -> Tensor:
    """sum((x - mean)^2) / (n - correction) over ``dim``; correction 1 (unbiased) by default."""
    dims, corr = _var_args(input, "var", dim, unbiased, correction, keepdim)
    return F.Var.apply(input, dims, corr, keepdim)


def std(input, dim=None, unbiased=None, keepdim=False, *, correction=None) -> Tensor:
    """sqrt(var(x)) over ``dim``."""
    dims, corr = _var_args(input, "std", dim, unbiased, correction, keepdim)
    return F.Std.apply(input, dims, corr, keepdim)


def norm(input, p="fro", dim=None, keepdim=False, dtype=None) -> Tensor:
    """The vector p-norm over ``dim`` (all dims by default): p = 2 ('fro'), 1, inf, -inf, 0 or any number."""
    if dtype is not None:
        input = input.to(dtype)
    if not input.dtype.is_floating_point:
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as input. "
                           f"Got {dtype_name(input.dtype)}")
    if p is None or p == "fro":
        if isinstance(dim, (tuple, list)) and len(dim) > 2:
            listed = " ".join(str(d) for d in dim)
            raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got {listed}")
        p = 2
    if isinstance(p, str):
        raise RuntimeError(f"norm(): unsupported norm type {p!r} for vectors")
    return F.Norm.apply(input, builtins.float(p), _reduce_all_or_dims(input, dim), keepdim)


def prod(input, dim=None, keepdim=False, *, dtype=None) -> Tensor:
    """The product over all elements or along one ``dim``; ints and bools multiply as int64."""
    _check_autograd_dtype(input, dtype)
    if dtype is None and not input.dtype.is_floating_point:
        dtype = D.int64
    if dim is None:
        return F.Prod.apply(input, None, False, dtype)
    if not isinstance(dim, int):
        raise TypeError(f"prod(): argument 'dim' must be int, not {type(dim).__name__}")
    return F.ProdDim.apply(input, (_normalize_dim(dim, input.ndim),) if input.ndim else None, keepdim, dtype)


def logsumexp(input, dim, keepdim=False) -> Tensor:
    """log(sum(exp(x))) over ``dim``, computed stably (integers give floats)."""
    dims = _dims(input, dim)
    if not dims and input.ndim:
        dims = tuple(range(input.ndim))
    return F.Logsumexp.apply(input, dims if input.ndim else None, keepdim)


def _bool_reduce(name):
    def bool_reduce(input, dim=None, keepdim=False) -> Tensor:
        if isinstance(dim, (tuple, list)) and len(dim) == 0:
            return ne(input, False)  # torch reduces over no dim at all: elementwise
        dims = _reduce_all_or_dims(input, dim)
        backend = input._backend
        out = getattr(backend, name)(input._data, dims, keepdim if dims is not None else False)
        return Tensor._make(out, backend, False, None, 0, None)

    bool_reduce.__name__ = name
    bool_reduce.__doc__ = f"Whether {name} elements (over ``dim``) are nonzero; a bool tensor, no grad."
    return bool_reduce


all = _bool_reduce("all")
any = _bool_reduce("any")
floor = _rounding(F.Floor, "floor", "The largest integer not above the input")
ceil = _rounding(F.Ceil, "ceil", "The smallest integer not below the input")
trunc = _rounding(F.Trunc, "trunc", "The input rounded towards zero")
fix = trunc


def nonzero(input, *, as_tuple=False):
    """Indices of the nonzero elements: an (n, ndim) int64 tensor, or one index tensor per dim."""
    backend = input._backend
    if input.ndim == 0:
        count = 1 if input.item() else 0
        return (zeros(count, dtype=D.int64),) if as_tuple else zeros(count, 0, dtype=D.int64)
    positions = [backend.cast(p, D.int64) for p in backend.nonzero(input._data)]
    if as_tuple:
        return tuple(Tensor._make(p, backend, False, None, 0, None) for p in positions)
    return Tensor._make(backend.stack(positions, 1), backend, False, None, 0, None)


def sort(input, dim=-1, descending=False, stable=False) -> tuple:
    """(values, indices) sorted along ``dim`` (ties keep their order); the gradient goes back to its place."""
    if input.ndim == 0:
        return return_types.sort(input.clone(), zeros((), dtype=D.int64))
    values, indices = F.Sort.apply(input, _normalize_dim(dim, input.ndim), descending)
    guard_indices(values, (indices,))
    return return_types.sort(values, indices)


def argsort(input, dim=-1, descending=False, stable=False) -> Tensor:
    """The indices that sort ``input`` along ``dim``."""
    return sort(input, dim, descending, stable).indices


def masked_fill(input, mask, value) -> Tensor:
    """``value`` where ``mask`` is True, else input (mask broadcasts to input's shape)."""
    if mask.dtype is not D.bool_:
        raise RuntimeError(f"masked_fill_ only supports boolean masks, but got mask with dtype "
                           f"{_type_word(mask.dtype)}")
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError("masked_fill_ only supports a 0-dimensional value tensor, but got tensor "
                               f"with {value.ndim} dimension(s).")
        _fitting(value.item(), input.dtype)
        return where(mask, value.to(input.dtype), input)
    value = _fitting(value, input.dtype)
    _broadcast_shape(tuple(input.shape), tuple(mask.shape))
    return F.MaskedFill.apply(input, expand(mask, input.shape) if mask.shape != input.shape else mask, value)


def masked_fill_(self, mask, value):
    return _inplace(self, lambda s: masked_fill(s, mask, value), overlap="masked_fill_")


def gather(input, dim, index) -> Tensor:
    """out[i][j] = input[i][index[i][j]] along ``dim`` (for dim 1); an integer index of input's ndim."""
    _check_tensor_argument("gather", "index", index, 3)
    if index.dtype not in (D.int64, D.int32):
        raise RuntimeError("gather(): Expected dtype int32/int64 for index")
    d = _normalize_dim(dim, input.ndim)
    if index.ndim != input.ndim and not (index.ndim <= 1 and input.ndim <= 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    for k, (n, m) in enumerate(zip(index.shape, input.shape)):
        if k != d and n > m:
            raise RuntimeError(
                f"Size does not match at dimension {k} expected index {list(index.shape)} to be no "
                f"larger than self {list(input.shape)} apart from dimension {d}"
            )
    size = input.shape[d] if input.ndim else 1
    bad = input._backend.out_of_range(index._data, size, False)
    if bad is not None:
        raise RuntimeError(f"index {bad} is out of bounds for dimension {d} with size {size}")
    if input.ndim == 0 or index.ndim == 0:  # a 0-d operand gathers as a 1-element vector
        out = gather(reshape(input, (-1,)), 0, reshape(index, (-1,)) if index.ndim == 0 else index)
        return reshape(out, ()) if index.ndim == 0 else out
    return guard_indices(F.Gather.apply(input, d, input._backend.cast(index._data, D.int64)), (index,))


# ---------------------------------------------------------------------- matmul

def matmul(input, other) -> Tensor:
    """Matrix product with torch's rules for 1-D, 2-D and batched (broadcast) operands."""
    _check_tensor_argument("matmul", "input", input, 1)
    _check_tensor_argument("matmul", "other", other, 2)
    a_dim, b_dim = input.ndim, other.ndim
    if a_dim == 0 or b_dim == 0:
        raise RuntimeError(
            f"both arguments to matmul need to be at least 1D, but they are {a_dim}D and {b_dim}D"
        )
    if input.dtype is not other.dtype:
        raise RuntimeError(
            "expected m1 and m2 to have the same dtype, but got: "
            f"{_type_word(input.dtype)} != {_type_word(other.dtype)}"
        )
    a_shape, b_shape = input.shape, other.shape
    if a_dim == 1 and b_dim == 1:
        if a_shape[0] != b_shape[0]:
            raise RuntimeError(
                f"inconsistent tensor size, expected tensor [{a_shape[0]}] and src [{b_shape[0]}] to "
                f"have the same number of elements, but got {a_shape[0]} and {b_shape[0]} elements "
                "respectively"
            )
        return F.Dot.apply(input, other)
    if a_dim == 2 and b_dim == 1:
        if a_shape[1] != b_shape[0]:
            raise RuntimeError(
                f"size mismatch, got input ({a_shape[0]}), mat ({a_shape[0]}x{a_shape[1]}), "
                f"vec ({b_shape[0]})"
            )
        return F.Mv.apply(input, other)
    if a_dim == 2 and b_dim == 2:
        if a_shape[1] != b_shape[0]:
            raise RuntimeError(
                f"mat1 and mat2 shapes cannot be multiplied ({a_shape[0]}x{a_shape[1]} and "
                f"{b_shape[0]}x{b_shape[1]})"
            )
        return F.Mm.apply(input, other)
    k_a = a_shape[-1]
    k_b = b_shape[-2] if b_dim > 1 else b_shape[0]
    if k_a != k_b:
        if a_dim >= 2 and b_dim == 2:
            rows = math.prod(a_shape[:-1])
            raise RuntimeError(
                f"mat1 and mat2 shapes cannot be multiplied ({rows}x{k_a} and {b_shape[0]}x{b_shape[1]})"
            )
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: "
            f"[{math.prod(b_shape[:-2]) if b_dim > 2 else 1}, {k_a}] but got: "
            f"[{math.prod(b_shape[:-2]) if b_dim > 2 else 1}, {k_b}]."
        )
    batch_a = a_shape[:-2] if a_dim > 2 else ()
    batch_b = b_shape[:-2] if b_dim > 2 else ()
    _broadcast_shape(batch_a, batch_b)
    if a_dim == 1 and b_dim == 2:
        return F.VecMat.apply(input, other)
    return F.Matmul.apply(input, other)


def _type_word(dtype) -> str:
    return {"float32": "float", "float64": "double", "int64": "long int", "int32": "int",
            "float16": "c10::Half", "bfloat16": "c10::BFloat16", "bool": "bool"}.get(dtype.name, dtype.name)


def mm(input, mat2) -> Tensor:
    """Matrix product of two 2-D tensors."""
    if input.dtype is D.bool_:
        raise NotImplementedError("\"addmm_impl_cpu_\" not implemented for 'Bool'")
    if input.ndim != 2:
        raise RuntimeError("self must be a matrix")
    if mat2.ndim != 2:
        raise RuntimeError("mat2 must be a matrix")
    return matmul(input, mat2)


def bmm(input, mat2) -> Tensor:
    """Batched matrix product of two 3-D tensors with equal batch sizes."""
    if input.ndim != 3:
        raise RuntimeError("batch1 must be a 3D tensor")
    if mat2.ndim != 3:
        raise RuntimeError("batch2 must be a 3D tensor")
    if input.shape[0] != mat2.shape[0] or input.shape[2] != mat2.shape[1]:
        raise RuntimeError(
            f"Expected size for first two dimensions of batch2 tensor to be: [{input.shape[0]}, "
            f"{input.shape[2]}] but got: [{mat2.shape[0]}, {mat2.shape[1]}]."
        )
    if input.dtype is not mat2.dtype:
        raise RuntimeError(
            f"expected scalar type {dtype_name(input.dtype)} but found {dtype_name(mat2.dtype)}"
        )
    return F.Bmm.apply(input, mat2)


def _broadcast_shape(a, b) -> tuple:
    """The broadcast of two shapes, or torch's error naming the first mismatching dim."""
    ndim = builtins.max(len(a), len(b))
    out = []
    for i in range(ndim - 1, -1, -1):
        offset = ndim - 1 - i
        da = a[len(a) - 1 - offset] if offset < len(a) else 1
        db = b[len(b) - 1 - offset] if offset < len(b) else 1
        if da != db and da != 1 and db != 1:
            raise RuntimeError(
                f"The size of tensor a ({da}) must match the size of tensor b ({db}) at "
                f"non-singleton dimension {i}"
            )
        out.append(da if db == 1 else db)
    return tuple(reversed(out))


def broadcast_shapes(*shapes) -> Size:
    result = ()
    for s in shapes:
        result = _broadcast_shape(result, tuple(s))
    return Size(result)


# ------------------------------------------------------------ softmax family

def softmax(input, dim, dtype=None) -> Tensor:
    """exp(x) / sum(exp(x)) along ``dim``, computed stably (floating inputs only, as torch)."""
    if dtype is not None:
        input = input.to(dtype)
    return F.Softmax.apply(input, _softmax_dim("softmax", input, dim))


def log_softmax(input, dim, dtype=None) -> Tensor:
    """x - logsumexp(x) along ``dim`` (floating inputs only, as torch)."""
    if dtype is not None:
        input = input.to(dtype)
    return F.LogSoftmax.apply(input, _softmax_dim("log_softmax", input, dim))


def _softmax_dim(name, input, dim) -> int:
    d = _normalize_dim(dim, input.ndim)
    if not input.is_floating_point():
        kernel = "lastdim_kernel_impl" if d == input.ndim - 1 or input.ndim == 0 else "kernel_impl"
        raise NotImplementedError(f"\"{name}_{kernel}\" not implemented for '{dtype_name(input.dtype)}'")
    return d


# ------------------------------------------------------------------ shapes

def _size_arg(shape) -> tuple:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list, Size)):
        return tuple(shape[0])
    return tuple(shape)


def _infer_shape(shape, numel) -> tuple:
    """Resolve one -1 in ``shape``; torch's error when the sizes do not fit."""
    shape = tuple(int(s) for s in shape)
    unknown = [i for i, s in enumerate(shape) if s == -1]
    if len(unknown) > 1:
        raise RuntimeError("only one dimension can be inferred")
    for s in shape:
        if s < -1:
            raise RuntimeError(f"invalid shape dimension {s}")
    known = math.prod(s for s in shape if s != -1)
    if unknown:
        if known == 0 or numel % known:
            raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
        shape = shape[: unknown[0]] + (numel // known,) + shape[unknown[0] + 1:]
    elif known != numel:
        raise RuntimeError(f"shape '{list(shape)}' is invalid for input of size {numel}")
    return shape


def reshape(input, *shape) -> Tensor:
    """The same elements in a new shape: a view when strides allow, else a copy."""
    shape = _infer_shape(_size_arg(shape), input.numel())
    backend = input._backend
    if backend.is_contiguous(input._data):
        return F.View.apply(input, shape)
    if backend.reshape_view(input._data, shape) is not None:
        return F.ReshapeAlias.apply(input, shape)
    return F.ReshapeCopy.apply(input, shape)


def view(input, *shape) -> Tensor:
    """A view with a new shape (errors when the strides do not allow one)."""
    if len(shape) == 1 and isinstance(shape[0], D.dtype):
        raise NotImplementedError("view(dtype) is not supported")
    return F.View.apply(input, _infer_shape(_size_arg(shape), input.numel()))


def view_as(input, other) -> Tensor:
    return view(input, other.shape)


def reshape_as(input, other) -> Tensor:
    return reshape(input, other.shape)


def flatten(input, start_dim=0, end_dim=-1) -> Tensor:
    """Merge dims start_dim..end_dim into one."""
    ndim = input.ndim
    if ndim == 0:
        return reshape(input, 1)
    start = _normalize_dim(start_dim, ndim)
    end = _normalize_dim(end_dim, ndim)
    if start > end:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if start == end:
        return input
    shape = input.shape
    return reshape(input, shape[:start] + (math.prod(shape[start:end + 1]),) + shape[end + 1:])


def expand(input, *sizes) -> Tensor:
    """Broadcast to a larger shape without copying (-1 keeps a size)."""
    sizes = _size_arg(sizes)
    shape = input.shape
    if len(sizes) < len(shape):
        raise RuntimeError(
            f"expand({_legacy_type(input)}{{{list(shape)}}}, size={list(sizes)}): the number of "
            "sizes provided (" + str(len(sizes)) + ") must be greater or equal to the number of "
            f"dimensions in the tensor ({len(shape)})"
        )
    lead = len(sizes) - len(shape)
    target = []
    for i, s in enumerate(sizes):
        if i < lead:
            if s == -1:
                raise RuntimeError(
                    f"The expanded size of the tensor (-1) isn't allowed in a leading, "
                    f"non-existing dimension {i}"
                )
            target.append(s)
            continue
        current = shape[i - lead]
        if s == -1:
            s = current
        elif current != 1 and s != current:
            raise RuntimeError(
                f"The expanded size of the tensor ({s}) must match the existing size ({current}) "
                f"at non-singleton dimension {i}.  Target sizes: {list(sizes)}.  Tensor sizes: "
                f"{list(shape)}"
            )
        target.append(s)
    target = tuple(target)
    return F.Expand.apply(input, target)


def _legacy_type(t) -> str:
    return f"torch.{dtype_name(t.dtype)}Tensor"


def expand_as(input, other) -> Tensor:
    return expand(input, other.shape)


def permute(input, *dims) -> Tensor:
    """Reorder dims (a view)."""
    dims = _size_arg(dims)
    ndim = input.ndim
    if len(dims) != ndim:
        raise RuntimeError(
            "permute(sparse_coo): number of dimensions in the tensor input does not match the "
            f"length of the desired ordering of dimensions i.e. input.dim() = {ndim} is not equal "
            f"to len(dims) = {len(dims)}"
        )
    dims = tuple(_normalize_dim(d, ndim) for d in dims)
    if len(set(dims)) != ndim:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return F.Permute.apply(input, dims)


def transpose(input, dim0, dim1) -> Tensor:
    """Swap two dims (a view)."""
    ndim = input.ndim
    if ndim == 0:
        return F.Transpose.apply(input, ())
    d0, d1 = _normalize_dim(dim0, ndim), _normalize_dim(dim1, ndim)
    dims = list(range(ndim))
    dims[d0], dims[d1] = dims[d1], dims[d0]
    return F.Transpose.apply(input, tuple(dims))


swapaxes = swapdims = transpose


def t(input) -> Tensor:
    """Transpose a tensor of at most 2 dims."""
    ndim = input.ndim
    if ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {ndim}D")
    return F.TransposeMatrix.apply(input, _REVERSED_DIMS[ndim])


_REVERSED_DIMS = ((), (0,), (1, 0))


def _mT(input) -> Tensor:
    if input.ndim < 2:
        raise RuntimeError("tensor.mT is only supported on matrices or batches of matrices. Got 1-D tensor.")
    return transpose(input, -2, -1)


def _T(input) -> Tensor:
    return F.Permute.apply(input, tuple(reversed(range(input.ndim))))


def unsqueeze(input, dim) -> Tensor:
    """Insert a size-1 dim at ``dim`` (a view)."""
    ndim = input.ndim + 1
    d = _normalize_dim(dim, ndim)
    shape = input.shape
    return F.Unsqueeze.apply(input, shape[:d] + (1,) + shape[d:])


def squeeze(input, dim=None) -> Tensor:
    """Remove size-1 dims (all, or only those in ``dim``) (a view)."""
    shape = input.shape
    if dim is None:
        op = F.Squeeze
        dims = {i for i, s in enumerate(shape) if s == 1}
    else:
        op = F.SqueezeDims if isinstance(dim, (tuple, list)) else F.SqueezeDim
        dims = set(_dims(input, dim) or ())
        dims = {d for d in dims if shape[d] == 1}
    new_shape = tuple(s for i, s in enumerate(shape) if i not in dims)
    return op.apply(input, new_shape)


# ------------------------------------------------------------------ indexing

def _index_items(input, index) -> tuple:
    """``index`` as a tuple of ints, slices, None, Ellipsis, bools and index Tensors, checked as torch."""
    items = index if isinstance(index, tuple) else (index,)
    out = []
    for item in items:
        if item is None or item is Ellipsis or isinstance(item, (bool, slice)):
            out.append(item)
        elif isinstance(item, int):
            out.append(int(item))
        elif isinstance(item, Tensor):
            if item.dtype.is_floating_point:
                raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
            if item.ndim == 0 and item.dtype is not D.bool_ and item.dtype is not D.uint8:
                out.append(int(item.item()))
            elif item.ndim == 0:
                out.append(bool(item.item()))
            else:
                out.append(item)
        elif isinstance(item, (list, tuple)):
            out.append(_index_items(input, tensor(item))[0] if item else tensor(item, dtype=D.int64))
        elif isinstance(item, float):
            raise IndexError("only integers, slices (`:`), ellipsis (`...`), None and long or byte "
                             "Variables are valid indices (got float)")
        elif hasattr(item, "__index__"):
            out.append(item.__index__())
        else:
            raise TypeError(f"new(): invalid data type '{type(item).__name__}'")
    return tuple(out)


def _is_mask(item) -> bool:
    return isinstance(item, Tensor) and item.dtype in (D.bool_, D.uint8)


def _sequence_as_tuple(index):
    """torch's rule for a list index: one holding a slice, ``...``, None, a tensor or a sequence
    (and shorter than 32) is a tuple of indices (``x[[slice(0, 2), [0, 1]]]``); otherwise it is
    one integer index list."""
    if isinstance(index, list) and len(index) < 32 and builtins.any(
        item is None or item is Ellipsis or isinstance(item, (slice, Tensor, list, tuple))
        for item in index
    ):
        warnings.warn(
            "Using a non-tuple sequence for multidimensional indexing is deprecated and will be "
            "changed in pytorch 2.9; use x[tuple(seq)] instead of x[seq]. In pytorch 2.9 this will "
            "be interpreted as tensor index, x[torch.tensor(seq)], which will result either in an "
            "error or a different result", UserWarning, stacklevel=4)
        return tuple(index)
    return index


def _basic_index(input, index, for_setitem: bool):
    """Apply the basic part of ``index`` as a chain of views, as torch's applySlicing.

    Returns the view and the remaining advanced part: a list of ``(dim, tensor)``
    for index tensors and boolean masks, dims counted in the view. With
    ``for_setitem``, full slices are skipped (torch writes through ``x[:]``
    into ``x`` itself).
    """
    index = _sequence_as_tuple(index)
    items = _index_items(input, index)
    skip_full_slices = for_setitem or isinstance(index, tuple)
    ndim = input.ndim
    specified = builtins.sum(
        (item.ndim if _is_mask(item) else 1) for item in items
        if item is not None and item is not Ellipsis and not isinstance(item, bool)
    )
    if specified > ndim:
        raise IndexError(f"too many indices for tensor of dimension {ndim}")
    out, dim, advanced = input, 0, []
    for position, item in enumerate(items):
        if item is Ellipsis:
            dim += ndim - specified
        elif item is None:
            out = unsqueeze(out, dim)
            dim += 1
        elif isinstance(item, bool):
            out = unsqueeze(out, dim)
            advanced.append((dim, tensor([item])))
            dim += 1
        elif isinstance(item, int):
            size = out.shape[dim]
            if not -size <= item < size:
                raise IndexError(
                    f"index {item} is out of bounds for dimension {position} with size {size}"
                )
            out = F.Select.apply(out, dim, item + size if item < 0 else item)
        elif isinstance(item, slice):
            size = out.shape[dim]
            step = 1 if item.step is None else item.step
            if step == 0:
                raise ValueError("slice step cannot be zero")
            if step < 0:
                raise ValueError("step must be greater than zero")
            start, stop, _ = slice(item.start, item.stop, step).indices(size)
            stop = builtins.max(start, stop)
            whole = item.start in (None, 0) and step == 1 and (item.stop is None or item.stop >= size)
            if not (skip_full_slices and whole):
                out = F.Slice.apply(out, dim, start, stop, step)
            dim += 1
        else:
            advanced.append((dim, item))
            dim += item.ndim if _is_mask(item) else 1
    if out is input and not advanced and not for_setitem:
        out = F.Alias.apply(input)
    return out, advanced


def _advanced_key(view, advanced) -> tuple:
    """The backend key for index tensors and masks at their dims (slices elsewhere), checked as torch."""
    key = [slice(None)] * view.ndim
    backend = view._backend
    shape = view.shape
    arrays = []
    for dim, item in advanced:
        if _is_mask(item):
            mask_shape = item.shape
            for j, n in enumerate(mask_shape):
                if n != shape[dim + j]:
                    raise IndexError(
                        f"The shape of the mask {list(mask_shape)} at index {j} does not match the "
                        f"shape of the indexed tensor {list(shape)} at index {dim + j}"
                    )
            for j, positions in enumerate(backend.nonzero(item._data)):
                key[dim + j] = positions
                arrays.append((dim + j, positions))
        else:
            positions = backend.cast(item._data, D.int64)
            key[dim] = positions
            arrays.append((dim, positions))
    for ordinal, (dim, positions) in enumerate(arrays):
        size = shape[dim]
        bad = backend.out_of_range(positions, size)
        if bad is not None:
            raise IndexError(f"index {bad} is out of bounds for dimension {ordinal} with size {size}")
    try:
        backend.broadcast_shapes(*(backend.shape(p) for _, p in arrays))
    except ValueError:
        shapes = ", ".join(str(list(backend.shape(p))) for _, p in arrays)
        raise IndexError(
            f"shape mismatch: indexing tensors could not be broadcast together with shapes {shapes}"
        ) from None
    return tuple(key)


def _getitem(input, index) -> Tensor:
    """``input[index]``: ints, slices (positive steps), None, ``...``, index tensors and masks.

    Basic items make views (Select/Slice/Unsqueeze, or Alias for ``x[...]``);
    index tensors then gather a copy (Index), placing their dims as numpy and
    torch do.
    """
    view, advanced = _basic_index(input, index, for_setitem=False)
    if not advanced:
        return view
    index_tensors = tuple(item for _, item in advanced)
    return guard_indices(F.Index.apply(view, _advanced_key(view, advanced)), index_tensors)


def _setitem_scalar(value, view):
    """A number to assign as a 0-d tensor of view's dtype (into a half tensor a number beyond its
    range becomes inf, as torch's setitem writes it; fill_ would refuse it)."""
    if view.dtype in (D.float16, D.bfloat16):
        return full((), value, dtype=D.float64, device=view.device).to(view.dtype)
    return full((), value, dtype=view.dtype, device=view.device)


def _setitem(input, index, value) -> None:
    """``input[index] = value`` in place: a view's ``copy_``/``fill_``, or ``index_put_``.

    Numbers are cast to input's dtype; with index tensors a tensor value must
    have input's dtype and broadcast to the indexed shape (torch's errors).
    """
    if not isinstance(value, (Tensor, numbers.Number)):
        raise TypeError(f"can't assign a {type(value).__name__} to a "
                        f"torch.{_SCALAR_NAME[input.dtype.name]}Tensor")
    if not isinstance(value, Tensor):
        if type(value) is int and not -(2 ** 63) <= value < 2 ** 63:
            raise ValueError("Overflow when unpacking long long")
        if input.dtype not in (D.float16, D.bfloat16):  # torch writes inf into a half tensor
            value = _fitting(value, input.dtype)  # torch checks the value before the index
    view, advanced = _basic_index(input, index, for_setitem=True)
    if isinstance(value, Tensor) and value.ndim > view.ndim:
        extra = value.ndim - view.ndim
        if builtins.all(n == 1 for n in value.shape[:extra]):  # leading 1s drop, as torch's
            value = value.reshape(value.shape[extra:])
    if not advanced:
        if isinstance(value, Tensor):
            copy_(view, value)
        else:
            fill_(view, _setitem_scalar(value, view))
        return
    key = _advanced_key(view, advanced)
    if not isinstance(value, Tensor):
        value = _setitem_scalar(value, view)
    indexed_shape = view._backend.shape(view._backend.getitem(view._data, key))
    extra = value.ndim - len(indexed_shape)
    if extra > 0 and builtins.all(n == 1 for n in value.shape[:extra]):
        value = value.reshape(value.shape[extra:])
    try:
        fits = view._backend.broadcast_shapes(tuple(value.shape), indexed_shape) == indexed_shape
    except ValueError:
        fits = False
    if not fits:
        raise RuntimeError(
            f"shape mismatch: value tensor of shape {list(value.shape)} cannot be broadcast to "
            f"indexing result of shape {list(indexed_shape)}"
        )
    if value.dtype is not view.dtype and value.ndim == 0:
        value = value.to(view.dtype)  # a 0-d value is cast, as torch's masked/indexed fill
    if value.dtype is not view.dtype:
        raise RuntimeError(
            "Index put requires the source and destination dtypes match, got "
            f"{dtype_name(view.dtype)} for the destination and {dtype_name(value.dtype)} for the source."
        )
    index_tensors = tuple(item for _, item in advanced)
    # torch's index_put_ of one value through one mask is a masked_fill_ (which warns too)
    masked = len(advanced) == 1 and _is_mask(advanced[0][1]) and value.numel() == 1
    _inplace(view, lambda s, v: guard_indices(F.IndexPut.apply(s, v, key), index_tensors), value,
             overlap=("index_put_", "masked_fill_") if masked else "index_put_")


# ------------------------------------------------------------ joins and splits

def _tensor_list(tensors, fn_name: str) -> list:
    if isinstance(tensors, Tensor):
        raise TypeError(f"{fn_name}(): argument 'tensors' (position 1) must be tuple of Tensors, not Tensor")
    tensors = list(tensors)
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got {type(t).__name__}")
    return tensors


def _joined_dtype(tensors):
    return D.result_type(tuple(t.dtype for t in tensors), (), ())


def cat(tensors, dim=0) -> Tensor:
    """Join tensors along an existing ``dim`` (promoting dtypes; 1-D empty tensors are skipped)."""
    tensors = _tensor_list(tensors, "cat")
    if not tensors:
        raise ValueError("torch.cat(): expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if t.ndim == 0:
            raise RuntimeError(f"zero-dimensional tensor (at position {i}) cannot be concatenated")
    shaped = [t for t in tensors if not F._skipped_in_cat(t)] or tensors[:1]
    first = shaped[0]
    d = _normalize_dim(dim, first.ndim)
    for i, t in enumerate(tensors):
        if F._skipped_in_cat(t):
            continue
        if t.ndim != first.ndim:
            raise RuntimeError(f"Tensors must have same number of dimensions: got {first.ndim} and {t.ndim}")
        for k, (n, m) in enumerate(zip(first.shape, t.shape)):
            if k != d and n != m:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {d}. Expected size {n} but got "
                    f"size {m} for tensor number {i} in the list."
                )
    return F.Cat.apply(*tensors, d, _joined_dtype(tensors))


concat = concatenate = cat


def stack(tensors, dim=0) -> Tensor:
    """Join equally shaped tensors along a new ``dim``."""
    tensors = _tensor_list(tensors, "stack")
    if not tensors:
        raise RuntimeError("stack expects a non-empty TensorList")
    first = tensors[0]
    d = _normalize_dim(dim, first.ndim + 1)
    for i, t in enumerate(tensors):
        if t.shape != first.shape:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {list(first.shape)} at entry 0 "
                f"and {list(t.shape)} at entry {i}"
            )
    return F.Stack.apply(*tensors, d, _joined_dtype(tensors))


def split(tensor, split_size_or_sections, dim=0) -> tuple:
    """Views of consecutive pieces along ``dim``: of one size (the last may be smaller) or of listed sizes."""
    if tensor.ndim == 0:
        raise RuntimeError("split expects at least a 1-dimensional tensor")
    d = _normalize_dim(dim, tensor.ndim)
    length = tensor.shape[d]
    if isinstance(split_size_or_sections, int):
        size = split_size_or_sections
        if size < 0:
            raise RuntimeError(f"split expects split_size be non-negative, but got split_size={size}")
        if size == 0 and length != 0:
            raise RuntimeError(
                f"split_size can only be 0 if dimension size is 0, but got dimension size of {length}"
            )
        count = builtins.max(1, -(-length // size)) if size else 1
        sizes = [size] * (count - 1) + [length - size * (count - 1)]
        return F.Split.apply(tensor, sizes, d)
    sizes = [int(s) for s in split_size_or_sections]
    if builtins.any(s < 0 for s in sizes):
        raise RuntimeError(
            "split_with_sizes expects split_sizes have only non-negative entries, but got "
            f"split_sizes={sizes}"
        )
    if builtins.sum(sizes) != length:
        raise RuntimeError(
            f"split_with_sizes expects split_sizes to sum exactly to {length} (input tensor's size at "
            f"dimension {d}), but got split_sizes={sizes}"
        )
    return F.SplitWithSizes.apply(tensor, sizes, d)


def chunk(input, chunks, dim=0) -> tuple:
    """At most ``chunks`` pieces of equal size ceil(n / chunks) along ``dim`` (the last may be smaller)."""
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    if input.ndim == 0:
        raise RuntimeError("chunk expects at least a 1-dimensional tensor")
    d = _normalize_dim(dim, input.ndim)
    length = input.shape[d]
    if length == 0:
        return F.Split.apply(input, [0] * chunks, d)
    return split(input, -(-length // chunks), d)


def unbind(input, dim=0) -> tuple:
    """The slices along ``dim``, each without that dim (views)."""
    if input.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    return F.Unbind.apply(input, _normalize_dim(dim, input.ndim))


# ------------------------------------------------------ copies and conversion

def clone(input) -> Tensor:
    return F.Clone.apply(input)


def contiguous(input) -> Tensor:
    """Self when already contiguous, else a contiguous copy."""
    if input.is_contiguous():
        return input
    return F.Contiguous.apply(input)


def detach(input) -> Tensor:
    return input.detach()


def to_dtype_device(input, dtype, device, copy=False) -> Tensor:
    """Convert to ``dtype`` and/or move to ``device``; self when nothing changes (unless copy).

    A move is differentiable (``ToCopyBackward0``: the gradient moves back) and
    goes through the host: the source backend hands over a host array and the
    target backend uploads it (a transfer, no compute).
    """
    if device is not None and device.type != input.device.type:
        out = ToDevice.apply(input, backend_for(device), dtype)
    elif dtype is None or dtype is input.dtype:
        return clone(input) if copy else input
    else:
        out = F.ToCopy.apply(input, dtype)
    return out


def _transfer(data, source, target):
    """Storage of ``source`` (a backend) as storage of ``target``: through a host array."""
    host = data if source.device_type == "cpu" else source.to_host(data)
    return target.from_host(host) if target.device_type != "cpu" else host


class ToDevice(F.Op):
    """out = a on another device (optionally converted to ``dtype``);  da = grad moved back."""

    node_name = "ToCopyBackward0"
    n_inputs = 1
    changes_device = True

    @staticmethod
    def forward(ctx, a, backend, dtype):
        ctx.source, ctx.target, ctx.source_device = a._backend, backend, a.device
        ctx.output_backend = backend
        out = _transfer(a._data, a._backend, backend)
        return out if dtype is None else backend.cast(out, dtype)

    @staticmethod
    def backward(ctx, grad):
        return to_dtype_device(grad, None, ctx.source_device), None, None

    @staticmethod
    def vjp(ctx, grad):
        return _transfer(grad, ctx.target, ctx.source), None, None


# ------------------------------------------------------------- comparisons

def equal(input, other) -> bool:
    """True when both have the same shape and elements."""
    _check_tensor_argument("equal", "other", other, 2)
    return input._backend.array_equal(input._data, other._data)


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> Tensor:
    other_data = other._data if isinstance(other, Tensor) else other
    out = input._backend.isclose(input._data, other_data, rtol, atol, equal_nan)
    return Tensor._make(out, input._backend, False, None, 0, None)


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False) -> bool:
    """True when every |input - other| <= atol + rtol * |other| (one dtype, as torch)."""
    if isinstance(other, Tensor) and other.dtype is not input.dtype:
        raise RuntimeError(f"{dtype_name(input.dtype)} did not match {dtype_name(other.dtype)}")
    return bool(isclose(input, other, rtol, atol, equal_nan).all())


# ------------------------------------------------------------------ in place

_EXPANDED_WARNING = ("Use of {} on expanded tensors is deprecated. Please clone() the tensor before "
                     "performing this operation. This also applies to advanced indexing e.g. {}")
_EXPANDED_EXAMPLE = {"index_put_": "tensor[indices] = tensor", "masked_fill_": "tensor[mask] = scalar"}


def _inplace(self: Tensor, compute, *args, overlap=None) -> Tensor:
    """self <- compute(self, *args), written into self's storage, as torch's in-place ops.

    Checks come first (a leaf that requires grad, result shape and dtype) so a
    failing call changes nothing. When autograd is involved, the op is
    recorded on a snapshot of self's old value and self takes the result's
    place in the graph; a view's base is rebased through CopySlices.

    A self whose elements share memory (an ``expand``ed view) gets torch's "unsupported
    operation" error, except for the ops torch lets write it (``overlap``): ``""`` for
    fill_/zero_, or the op's name ("masked_fill_", "index_put_") for those torch warns about;
    then only the elements the op changes are written.
    """
    grad_on = _state.grad_enabled
    base = self._base
    overlapping = self._backend.has_internal_overlap(self._data)  # (x.data of a view too)
    if overlapping:
        if overlap is None:
            raise RuntimeError(
                "unsupported operation: more than one element of the written-to tensor refers to a "
                "single memory location. Please clone() the tensor before performing the operation.")
        for name in (overlap,) if isinstance(overlap, str) and overlap else overlap or ():
            warnings.warn(_EXPANDED_WARNING.format(name, _EXPANDED_EXAMPLE[name]), UserWarning, stacklevel=3)
    if base is not None and self._view_version != self._version_counter[0]:
        self._refresh_view()
    if grad_on:
        if self._requires_grad and self._grad_fn is None:
            raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
        if base is not None and base._requires_grad and base._grad_fn is None:
            raise RuntimeError(
                "a view of a leaf Variable that requires grad is being used in an in-place operation."
            )
    involves_grad = grad_on and (
        self._requires_grad
        or (base is not None and base._requires_grad)
        or builtins.any(isinstance(a, Tensor) and a._requires_grad for a in args)
    )
    backend = self._backend
    if not involves_grad:
        with grad_mode.no_grad():
            result = compute(self, *args)
        result = _fit_inplace_result(self, result)
        if overlapping:
            backend.assign_where(self._data, result._data, backend.ne(self._data, result._data))
        else:
            backend.assign(self._data, result._data)
        self._version_counter[0] += 1
        return self
    old = Tensor._make(backend.copy(self._data), backend, self._requires_grad, self._grad_fn,
                       self._output_nr, None)
    result = _fit_inplace_result(self, compute(old, *args))
    if base is not None and self._view_chain is None:
        raise RuntimeError(
            f"Output {self._output_nr} of {self._grad_fn.name() if self._grad_fn else 'a view op'} "
            "is a view and is being modified inplace. This view is the output of a function that "
            "returns multiple views. Such functions do not allow the output views to be modified "
            "inplace. You should replace the inplace operation by an out-of-place one."
        )
    if base is not None:
        old_base = Tensor._make(backend.copy(base._data), backend, base._requires_grad,
                                base._grad_fn, base._output_nr, None)
    if overlapping:
        backend.assign_where(self._data, result._data, backend.ne(self._data, result._data))
    else:
        backend.assign(self._data, result._data)
    self._version_counter[0] += 1
    if base is None:
        _take_place(self, result)
        return self
    rebased = F.CopySlices.apply(old_base, result, self._view_chain, base._data)
    _take_place(base, rebased)
    with grad_mode.enable_grad():
        _take_place(self, F.replay_view(base, self._view_chain))
    self._view_version = self._version_counter[0]
    return self


def _take_place(target: Tensor, source: Tensor) -> None:
    """Make ``target`` stand in the graph where ``source`` does (same node and output index)."""
    target._grad_fn = source._grad_fn
    target._output_nr = source._output_nr
    target._requires_grad = source._requires_grad
    if target._retains_grad and source._grad_fn is not None:
        target._retains_grad = False
        target.retain_grad()


def _fit_inplace_result(self: Tensor, result: Tensor) -> Tensor:
    """The result of an in-place op must keep self's shape and fit in self's dtype."""
    if result.shape != self.shape:
        raise RuntimeError(
            f"output with shape {list(self.shape)} doesn't match the broadcast shape "
            f"{list(result.shape)}"
        )
    if result.dtype is not self.dtype:
        if result.dtype.category > self.dtype.category:
            raise RuntimeError(
                f"result type {dtype_name(result.dtype)} can't be cast to the desired output type "
                f"{dtype_name(self.dtype)}"
            )
        result = result.to(self.dtype)
    return result


def add_(self, other, *, alpha=1):
    return _inplace(self, lambda s, o: add(s, o, alpha=alpha), other)


def sub_(self, other, *, alpha=1):
    return _inplace(self, lambda s, o: sub(s, o, alpha=alpha), other)


def mul_(self, other):
    return _inplace(self, mul, other)


def div_(self, other):
    return _inplace(self, div, other)


def pow_(self, exponent):
    return _inplace(self, pow, exponent)


def clamp_(self, min=None, max=None):
    return _inplace(self, lambda s: clamp(s, min, max))


def neg_(self):
    return _inplace(self, neg)


def exp_(self):
    return _inplace(self, exp)


def relu_(self):
    return _inplace(self, relu)


def sigmoid_(self):
    return _inplace(self, sigmoid)


def tanh_(self):
    return _inplace(self, tanh)


def sqrt_(self):
    return _inplace(self, sqrt)


def copy_(self, src):
    """Copy ``src``'s values (broadcast, cast) into self; gradient flows to src only."""
    if not isinstance(src, Tensor):
        src = tensor(src)
    expand(src, self.shape)
    return _inplace(self, F.Copy.apply, src)


def fill_(self, value):
    """Set every element to ``value`` (a number, or a 0-d tensor which then gets the summed gradient)."""
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError(
                f"fill_ only supports 0-dimension value tensor but got tensor with {value.ndim} dimensions."
            )
        return _inplace(self, F.FillTensor.apply, value)
    value = _fitting(value, self.dtype)
    return _inplace(self, lambda s: F.Fill.apply(s, value), overlap="")  # torch fills an expanded tensor


def zero_(self):
    """Set every element to 0."""
    return fill_(self, 0)


# ------------------------------------------------------------- everyday ops

def _integer_division_check(input, other) -> None:
    """torch raises for an integer division by zero (numpy would write 0)."""
    if type(other) is int and isinstance(input, Tensor):
        other = D.wrap_int_scalar(other, input.dtype)  # as the op converts it: int32 // 2**32 divides by 0
    divisor = other if isinstance(other, Tensor) else tensor(other)
    dividend_float = isinstance(input, float) or (isinstance(input, Tensor) and input.is_floating_point())
    if not dividend_float and not divisor.is_floating_point() and bool((divisor == 0).any()):
        raise RuntimeError("ZeroDivisionError")


def floor_divide(input, other) -> Tensor:
    """floor(input / other), elementwise (``//``); integers stay integers; no derivative (torch)."""
    if isinstance(input, Tensor):
        other = _as_operand(other, input)
    _integer_division_check(input, other)
    return F.FloorDivide.apply(input, other)


def remainder(input, other) -> Tensor:
    """input - floor(input / other) * other (``%``: the sign of the divisor, as Python's)."""
    if isinstance(input, Tensor):
        other = _as_operand(other, input)
    _integer_division_check(input, other)
    if not isinstance(input, Tensor):
        return F.RemainderOfNumber.apply(input, other)
    return (F.Remainder if isinstance(other, Tensor) else F.RemainderScalar).apply(input, other)


def fmod(input, other) -> Tensor:
    """input - trunc(input / other) * other (the sign of the dividend, as C's fmod)."""
    other = _as_operand(other, input)
    _integer_division_check(input, other)
    return (F.Fmod if isinstance(other, Tensor) else F.FmodScalar).apply(input, other)


def dot(input, other) -> Tensor:
    """sum(input * other) of two 1-D tensors of one dtype (torch's checks)."""
    _check_tensor_argument("dot", "tensor", other, 2)
    if input.ndim != 1 or other.ndim != 1:
        raise RuntimeError(f"1D tensors expected, but got {input.ndim}D and {other.ndim}D tensors")
    if input.dtype is not other.dtype:
        raise RuntimeError("dot : expected both vectors to have same dtype, but found "
                           f"{dtype_name(input.dtype)} and {dtype_name(other.dtype)}")
    return matmul(input, other)


def mv(input, vec) -> Tensor:
    """Matrix (n, m) times vector (m,)."""
    _check_tensor_argument("mv", "vec", vec, 2)
    if input.ndim != 2 or vec.ndim != 1:
        raise RuntimeError(f"vector + matrix @ vector expected, got 1, {input.ndim}, {vec.ndim}")
    return matmul(input, vec)


def outer(input, vec2) -> Tensor:
    """out[i, j] = input[i] * vec2[j] (torch computes it as a product: MulBackward0)."""
    _check_tensor_argument("outer", "vec2", vec2, 2)
    return mul(reshape(input, (-1, 1)), vec2)


def _check_tensor_argument(fn_name: str, arg_name: str, value, position: int) -> None:
    if not isinstance(value, Tensor):
        raise TypeError(f"{fn_name}(): argument '{arg_name}' (position {position}) must be Tensor, "
                        f"not {type(value).__name__}")


def narrow(input, dim: int, start: int, length: int) -> Tensor:
    """The view of ``length`` entries from ``start`` along ``dim`` (start may be negative)."""
    d = _normalize_dim(dim, input.ndim)
    size = input.shape[d]
    if start < 0:
        start += size
    if not 0 <= start <= size:
        raise IndexError(f"start out of range (expected to be in range of [{-size}, {size}], but got "
                         f"{start if start >= 0 else start - size})")
    if length < 0 or start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    return F.Slice.apply(input, d, start, start + length, 1)


def select(input, dim: int, index: int) -> Tensor:
    """The view at ``index`` along ``dim`` (that dim removed): ``x.select(0, i)`` is ``x[i]``."""
    d = _normalize_dim(dim, input.ndim)
    size = input.shape[d]
    if not -size <= index < size:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"{list(input.shape)} at dimension {dim}")
    return F.Select.apply(input, d, index % size)


def flip(input, *dims) -> Tensor:
    """The entries in reverse order along each of ``dims`` (a copy): ``flip(x, (0, 1))``,
    ``x.flip(0, 1)``."""
    dims = tuple(dims[0]) if len(dims) == 1 and isinstance(dims[0], (tuple, list)) else dims
    if input.ndim == 0:
        for d in dims:
            _normalize_dim(d, 0)
        return clone(input)
    key = [slice(None)] * input.ndim
    for d in (_normalize_dim(d, input.ndim) for d in dims):
        key[d] = arange(input.shape[d] - 1, -1, -1, device=input.device)
    out = input
    for d, item in enumerate(key):
        if isinstance(item, Tensor):
            out = index_select(out, d, item)
    return out if out is not input else clone(input)


def roll(input, shifts, dims=None) -> Tensor:
    """Entries shifted by ``shifts`` along ``dims``, wrapping around (flattened when dims is None)."""
    if dims is None:
        return roll(flatten(input), shifts, 0).reshape(input.shape)
    shifts = (shifts,) if isinstance(shifts, int) else tuple(shifts)
    dims = (dims,) if isinstance(dims, int) else tuple(dims)
    if len(shifts) != len(dims):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}")
    out = input
    for shift, dim in zip(shifts, dims):
        d = _normalize_dim(dim, input.ndim)
        n = input.shape[d]
        if n:
            out = index_select(out, d, remainder(arange(n, device=input.device) - shift, n))
    return out


def _triangle(input, diagonal: int, lower: bool) -> Tensor:
    if input.ndim < 2:
        raise RuntimeError(f"{'tril' if lower else 'triu'}: input tensor must have at least 2 dimensions")
    rows, cols = input.shape[-2], input.shape[-1]
    offset = arange(cols, device=input.device) - arange(rows, device=input.device).reshape(rows, 1)
    keep = offset <= diagonal if lower else offset >= diagonal
    return where(keep, input, zeros((), dtype=input.dtype, device=input.device))


def tril(input, diagonal: int = 0) -> Tensor:
    """The lower triangle (on and below the ``diagonal``-th diagonal) of the last two dims."""
    return _triangle(input, diagonal, True)


def triu(input, diagonal: int = 0) -> Tensor:
    """The upper triangle (on and above the ``diagonal``-th diagonal) of the last two dims."""
    return _triangle(input, diagonal, False)


def diag(input, diagonal: int = 0) -> Tensor:
    """A 1-D input becomes the ``diagonal``-th diagonal of a square matrix; of a 2-D input,
    the ``diagonal``-th diagonal as a 1-D tensor."""
    if input.ndim == 1:
        n = input.shape[0] + builtins.abs(diagonal)
        positions = arange(input.shape[0], device=input.device)
        rows = positions + builtins.max(-diagonal, 0)
        cols = positions + builtins.max(diagonal, 0)
        out = zeros(n, n, dtype=input.dtype, device=input.device)
        out[rows, cols] = input
        return out
    if input.ndim != 2:
        raise RuntimeError("diag(): Supports 1D or 2D tensors. Got " f"{input.ndim}D")
    rows, cols = input.shape
    length = builtins.max(0, builtins.min(rows + builtins.min(diagonal, 0), cols - builtins.max(diagonal, 0)))
    positions = arange(length, device=input.device)
    return input[positions + builtins.max(-diagonal, 0), positions + builtins.max(diagonal, 0)]


def cumsum(input, dim: int, *, dtype=None) -> Tensor:
    """out[i] = input[0] + ... + input[i] along ``dim`` (integers and bools sum as int64)."""
    _check_autograd_dtype(input, dtype)
    if dtype is None and not input.dtype.is_floating_point:
        dtype = D.int64
    d = _normalize_dim(dim, input.ndim) if input.ndim else 0
    if input.ndim == 0:
        return input.clone() if dtype is None else input.to(dtype)
    return F.Cumsum.apply(input, d, dtype)


def repeat(input, *sizes) -> Tensor:
    """The tensor tiled ``sizes[i]`` times along each dim (extra leading sizes add dims)."""
    sizes = _shape_arg(sizes)
    if len(sizes) < input.ndim:
        raise RuntimeError("Number of dimensions of repeat dims can not be smaller than number of "
                           "dimensions of tensor")
    shape = (1,) * (len(sizes) - input.ndim) + tuple(input.shape)
    interleaved = []
    for n in shape:
        interleaved += [1, n]
    tiled = []
    for r, n in zip(sizes, shape):
        tiled += [r, n]
    out = reshape(input, tuple(interleaved)).expand(*tiled)
    return reshape(out, tuple(r * n for r, n in zip(sizes, shape)))


def repeat_interleave(input, repeats, dim=None, *, output_size=None) -> Tensor:
    """Each entry repeated ``repeats`` times (an int, or a tensor of counts) along ``dim``
    (flattened when dim is None)."""
    if dim is None:
        input, dim = flatten(input), 0
    d = _normalize_dim(dim, input.ndim)
    if isinstance(repeats, Tensor) and repeats.numel() != 1:
        counts = repeats.tolist()
        if len(counts) != input.shape[d]:
            raise RuntimeError("repeats must have the same size as input along dim")
        index = tensor([i for i, c in enumerate(counts) for _ in range(c)], dtype=D.int64,
                       device=input.device)
        return index_select(input, d, index)
    count = int(repeats)
    if count < 0:
        raise RuntimeError("repeats can not be negative")
    expanded = unsqueeze(input, d + 1)
    shape = list(expanded.shape)
    shape[d + 1] = count
    out_shape = list(input.shape)
    out_shape[d] *= count
    return reshape(expanded.expand(*shape), tuple(out_shape))


def index_select(input, dim: int, index) -> Tensor:
    """The entries at ``index`` (a 1-D integer tensor) along ``dim``."""
    _check_tensor_argument("index_select", "index", index, 3)
    if index.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    if index.dtype not in (D.int64, D.int32):
        raise RuntimeError("index_select(): Expected dtype int32/int64 for index")
    d = _normalize_dim(dim, input.ndim) if input.ndim else 0
    if input.ndim == 0:
        return _getitem(input.reshape(1), index.reshape(-1)).reshape(index.shape)
    return _getitem(input, (slice(None),) * d + (index.reshape(-1),))


def topk(input, k: int, dim: int = -1, largest: bool = True, sorted: bool = True):  # noqa: A002
    """(values, indices) of the ``k`` largest (or smallest) entries along ``dim``, in order."""
    d = _normalize_dim(dim, input.ndim) if input.ndim else 0
    size = input.shape[d] if input.ndim else 1
    if not 0 <= k <= size:
        raise RuntimeError("selected index k out of range")
    values, indices = sort(input, d, descending=largest)
    if input.ndim == 0:
        return return_types.topk(values, indices)
    return return_types.topk(narrow(values, d, 0, k), narrow(indices, d, 0, k))


def kthvalue(input, k: int, dim: int = -1, keepdim: bool = False):
    """(values, indices) of the k-th smallest entry (1-based) along ``dim``."""
    d = _normalize_dim(dim, input.ndim) if input.ndim else 0
    size = input.shape[d] if input.ndim else 1
    if not 1 <= k <= size:
        raise IndexError(f"kthvalue(): selected number k out of range for dimension {d}")
    values, indices = sort(input, d)
    if input.ndim == 0:
        return return_types.kthvalue(values, indices)
    values, indices = narrow(values, d, k - 1, 1), narrow(indices, d, k - 1, 1)
    if not keepdim:
        values, indices = squeeze(values, d), squeeze(indices, d)
    return return_types.kthvalue(values, indices)


# ------------------------------------------------ einsum, cumprod, scatter, index_add, unique

def einsum(equation: str, *operands) -> Tensor:
    """Sum over the repeated subscripts of ``equation`` of the product of ``operands``:
    out[output letters] = sum over the other letters of prod_k operand_k[its letters].

    Composed from differentiable ops (diagonals by indexing, broadcast products, sums,
    permutes), so gradients come from those ops. Operands may also be given as one list.
    An ellipsis ('...') stands for the remaining (broadcast) dims, as in torch.
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not isinstance(equation, str):
        raise TypeError("einsum(): argument 'equation' (position 1) must be str, "
                        f"not {type(equation).__name__}")
    for k, x in enumerate(operands):
        _check_tensor_argument("einsum", "operands", x, k + 2)
    equation = equation.replace(" ", "")
    lhs, arrow, rhs = equation.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(operands):
        raise RuntimeError("einsum(): more operands were provided than specified in the equation"
                         if len(operands) > len(terms) else
                         "einsum(): fewer operands were provided than specified in the equation")
    if "..." in equation:
        terms, rhs, arrow = _einsum_ellipsis(equation, terms, rhs, arrow, operands)
        lhs = ",".join(terms)
    for k, term in enumerate(terms):
        if "." in term:
            raise RuntimeError(f"einsum(): found '.' for operand {k} that is not part of any ellipsis")
    for letter in lhs.replace(",", "") + rhs:
        if not letter.isascii() or not letter.isalpha():
            raise RuntimeError(f"einsum(): invalid subscript given at index {equation.index(letter)} in the "
                             "equation string, subscripts must be in [a-zA-Z]")
    letters = "".join(terms)
    if not arrow:
        rhs = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    for c in rhs:
        if c not in letters:
            raise RuntimeError(f"einsum(): output subscript {c} does not appear in the equation for any "
                             "input operand")
        if rhs.count(c) > 1:
            raise RuntimeError(f"einsum(): output subscript {c} appears more than once in the output")
    order = list(dict.fromkeys(letters))
    aligned, sizes = [], {}
    for k, (term, x) in enumerate(zip(terms, operands)):
        if len(term) != x.ndim:
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({len(term)}) does not "
                               f"match the number of dimensions ({x.ndim}) for operand {k} and no ellipsis "
                               "was given")
        x, term = _einsum_diagonals(x, term, k)
        for c, n in zip(term, x.shape):
            if sizes.get(c, 1) not in (1, n) and n != 1:
                raise RuntimeError(f"einsum(): subscript {c} has size {n} for operand {k} which does not "
                                   f"broadcast with previously seen size {sizes[c]}")
            if sizes.get(c, 1) == 1:
                sizes[c] = n
        x = permute(x, *sorted(range(len(term)), key=lambda i: order.index(term[i])))
        aligned.append(reshape(x, tuple(x.shape[sorted(term, key=order.index).index(c)] if c in term else 1
                                        for c in order)))
    acc = aligned[0]
    summed = set()
    for k in range(len(aligned)):
        if k:
            acc = mul(acc, aligned[k])
        later = "".join(terms[k + 1:]) + rhs
        dims = [i for i, c in enumerate(order) if c not in later and c not in summed]
        if dims:
            acc = sum(acc, dims, keepdim=True)
            summed.update(order[i] for i in dims)
    kept = [c for c in order if c in rhs]
    acc = reshape(acc, tuple(acc.shape[order.index(c)] for c in kept))
    return permute(acc, *(kept.index(c) for c in rhs)) if kept != list(rhs) else acc


def _einsum_ellipsis(equation: str, terms: list, rhs: str, arrow: str, operands) -> tuple:
    """The equation with each '...' spelled out as letters the equation does not use,
    right-aligned across operands (broadcasting); (terms, rhs, arrow) as if written out."""
    counts = []
    for k, (term, x) in enumerate(zip(terms, operands)):
        named = len(term.replace("...", ""))
        if "..." not in term:
            counts.append(0)
        elif x.ndim < named:
            raise RuntimeError(f"einsum(): the number of subscripts in the equation ({named}) is more than "
                               f"the number of dimensions ({x.ndim}) for operand {k}")
        else:
            counts.append(x.ndim - named)
    free = [c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" if c not in equation]
    spelled = "".join(free[:builtins.max(counts)])
    terms = [term.replace("...", spelled[len(spelled) - n:] if n else "") for term, n in zip(terms, counts)]
    if arrow:
        return terms, rhs.replace("...", spelled), arrow
    letters = "".join(terms)
    rest = sorted(c for c in set(letters) if letters.count(c) == 1 and c not in spelled)
    return terms, spelled + "".join(rest), "->"


def _einsum_diagonals(x, term: str, k: int):
    """x's diagonal over each subscript repeated within one operand ('ii' -> 'i'), as last dim."""
    while len(set(term)) != len(term):
        c = next(c for c in term if term.count(c) > 1)
        p, q = term.index(c), term.index(c, term.index(c) + 1)
        if x.shape[p] != x.shape[q]:
            raise RuntimeError(f"einsum(): subscript {c} is repeated for operand {k} but the sizes don't "
                               f"match, {x.shape[q]} != {x.shape[p]}")
        rest = [i for i in range(len(term)) if i not in (p, q)]
        x = permute(x, *rest, p, q)
        positions = arange(x.shape[-1], device=x.device)
        x = x[(slice(None),) * len(rest) + (positions, positions)]
        term = "".join(term[i] for i in rest) + c
    return x, term


def cumprod(input, dim: int, *, dtype=None) -> Tensor:
    """out[i] = input[0] * ... * input[i] along ``dim`` (integers and bools multiply as int64).

    A chain of products of the slices (stacked), so the gradient is exact where
    inputs are zero: d out[i] / d input[k] = prod of input[j] for j <= i, j != k.
    """
    _check_autograd_dtype(input, dtype)
    if dtype is None and not input.dtype.is_floating_point:
        dtype = D.int64
    x = input if dtype is None else input.to(dtype)
    if x.ndim == 0:
        return x.clone() if x is input else x
    d = _normalize_dim(dim, x.ndim)
    if x.shape[d] == 0:
        return x.clone() if x is input else x
    running = select(x, d, 0)
    parts = [running]
    for k in range(1, x.shape[d]):
        running = mul(running, select(x, d, k))
        parts.append(running)
    return stack(parts, d)


def _scatter_checks(name, input, dim, index, src):
    """torch's argument checks of scatter/scatter_add; the normalized dim."""
    _check_tensor_argument(name, "index", index, 3)
    if index.dtype not in (D.int64, D.int32):
        raise RuntimeError("scatter(): Expected dtype int32/int64 for index")
    if isinstance(src, Tensor) and src.dtype is not input.dtype:
        raise RuntimeError("scatter(): Expected self.dtype to be equal to src.dtype")
    d = _normalize_dim(dim, builtins.max(input.ndim, 1))
    ndim = builtins.max(input.ndim, 1)
    if builtins.max(index.ndim, 1) != ndim or (isinstance(src, Tensor) and builtins.max(src.ndim, 1) != ndim):
        raise RuntimeError("Index tensor must have the same number of dimensions as self tensor")
    shape = tuple(input.shape) or (1,)
    ishape = tuple(index.shape) or (1,)
    src_shape = (tuple(src.shape) or (1,)) if isinstance(src, Tensor) else ishape
    if builtins.any(k != d and n > m for k, (n, m) in enumerate(zip(ishape, shape))) or builtins.any(
            n > m for n, m in zip(ishape, src_shape)):
        tail = f" and to be no larger size than src {list(src.shape)}" if isinstance(src, Tensor) else ""
        raise RuntimeError(f"Expected index {list(index.shape)} to be no larger than self "
                           f"{list(input.shape)} apart from dimension {d}{tail}")
    bad = input._backend.out_of_range(index._data, shape[d], False)
    if bad is not None:
        raise RuntimeError(f"index {bad} is out of bounds for dimension {d} with size {shape[d]}")
    return d


def _scattered(input, d, index, src):
    """zeros(input's shape) with src (cut to index's shape) added at index along d."""
    ishape = tuple(index.shape) or (1,)
    part = reshape(src, ishape)[tuple(slice(0, n) for n in ishape)] if src.ndim else reshape(src, ishape)
    out = F.ScatterAdd.apply(part, tuple(input.shape) or (1,), reshape(index, ishape)._data, d)
    return guard_indices(reshape(out, input.shape), (index,))


def scatter_add(input, dim: int, index, src) -> Tensor:
    """out = input, then out[index[i][j]][j] += src[i][j] (for dim 0; repeats add up).

    d input = grad;  d src = grad gathered at index.
    """
    _check_tensor_argument("scatter_add", "src", src, 4)
    d = _scatter_checks("scatter_add", input, dim, index, src)
    return add(input, _scattered(input, d, index, src))


def scatter(input, dim: int, index, src=None, *, value=None, reduce=None) -> Tensor:
    """out = input, then out[index[i][j]][j] = src[i][j] (for dim 0), or = value (a number).

    d input = grad where nothing was written, else 0;  d src = grad gathered at index.
    Repeated indices (torch: which write wins is undefined) write their sum here.
    ``reduce='add'`` / ``'multiply'`` combine instead: out[index[i][j]][j] += (or *=) src[i][j],
    in order of i; torch has no derivative for these (the node is ``NotImplemented``).
    """
    if src is not None and not isinstance(src, Tensor):
        src, value = None, src
    if (src is None) == (value is None):
        raise TypeError("scatter() received an invalid combination of arguments: give src (a Tensor) "
                        "or value (a number)")
    d = _scatter_checks("scatter", input, dim, index, src)
    if reduce is not None:
        return _scatter_reduce(input, d, index, src, value, reduce)
    with grad_mode.no_grad():
        mask = ne(_scattered(input, d, index, ones(index.shape, dtype=D.int64, device=input.device)), 0)
    if src is None:
        return masked_fill(input, mask, value)
    return where(mask, _scattered(input, d, index, src), input)


_SCATTER_REDUCE_WARNED: list = []


def _scatter_reduce(input, d, index, src, value, reduce) -> Tensor:
    """scatter's ``reduce='add'|'multiply'``: each slice of index along d writes distinct
    elements, so the slices are combined into the output one after another (the order torch's
    kernel combines repeated indices in)."""
    if reduce not in ("add", "multiply"):
        raise RuntimeError("reduce argument must be either add or multiply.")
    if src is not None and not _SCATTER_REDUCE_WARNED:
        _SCATTER_REDUCE_WARNED.append(True)  # once per process, as torch's TORCH_WARN_ONCE
        warnings.warn("The reduce argument of torch.scatter with Tensor src is deprecated and will be "
                      "removed in a future PyTorch release. Use torch.scatter_reduce instead for more "
                      "reduction options.", UserWarning, stacklevel=3)
    with grad_mode.no_grad():
        out = input.detach()
        ishape = tuple(index.shape) or (1,)
        index = reshape(index, ishape)
        values = (reshape(src.detach(), tuple(src.shape) or (1,))[tuple(slice(0, n) for n in ishape)]
                  if src is not None else full(ishape, value, dtype=input.dtype, device=input.device))
        for i in range(ishape[d]):
            part = tuple(slice(i, i + 1) if k == d else slice(None) for k in range(len(ishape)))
            written = ne(_scattered(out, d, index[part], ones(index[part].shape, dtype=D.int64,
                                                              device=input.device)), 0)
            placed = _scattered(out, d, index[part], values[part])
            if reduce == "add":
                out = where(written, out + placed, out)
            else:
                out = where(written, out * placed, out)
    return F.ScatterReduce.apply(input, src, out._data)


def index_add(input, dim: int, index, source, *, alpha=1) -> Tensor:
    """out = input, then out[..., index[i], ...] += alpha * source[..., i, ...] along ``dim``.

    d input = grad;  d source = alpha * grad selected at index along dim.
    """
    _check_tensor_argument("index_add", "source", source, 4)
    _check_tensor_argument("index_add", "index", index, 3)
    if index.ndim > 1:
        raise IndexError(f"index_add_(): Index is supposed to be a vector, but got dim: {index.ndim} with "
                         f"type: {dtype_name(index.dtype)} and size: {list(index.shape)}")
    if index.dtype not in (D.int64, D.int32):
        raise RuntimeError("index_add_(): Expected dtype int32/int64 for index but got: "
                           f"{dtype_name(index.dtype)}")
    if source.dtype is not input.dtype:
        raise RuntimeError(f"index_add_(): self ({dtype_name(input.dtype)}) and source "
                           f"({dtype_name(source.dtype)}) must have the same scalar type")
    d = _normalize_dim(dim, builtins.max(input.ndim, 1))
    shape, sshape = tuple(input.shape) or (1,), tuple(source.shape) or (1,)
    if len(sshape) == len(shape) and sshape[d] != index.numel():
        raise RuntimeError(f"index_add_(): Number of indices ({index.numel()}) should be equal to "
                           f"source.size(dim): ({sshape[d]}), for dim: {d}")
    if len(sshape) != len(shape) or builtins.any(n != m for k, (n, m) in enumerate(zip(sshape, shape))
                                                 if k != d):
        raise RuntimeError("source tensor shape must match self tensor shape, excluding the specified "
                           f"dimension. Got self.shape = {list(input.shape)} "
                           f"source.shape = {list(source.shape)}")
    bad = input._backend.out_of_range(index._data, shape[d], False)
    if bad is not None:
        raise RuntimeError(f"index {bad} is out of bounds for dimension {d} with size {shape[d]}")
    column = tuple(-1 if k == d else 1 for k in range(len(shape)))
    expanded = reshape(index.to(D.int64), column).expand(*sshape)
    if alpha != 1:
        source = mul(source, alpha)
    added = _scattered(reshape(input, shape), d, expanded, reshape(source, sshape))
    return add(input, reshape(added, input.shape))


def scatter_add_(self, dim, index, src):
    # the tensors go in as arguments, so that one requiring grad records the op (as torch)
    return _inplace(self, lambda s, src: scatter_add(s, dim, index, src), src)


def scatter_(self, dim, index, src=None, *, value=None, reduce=None):
    return _inplace(self, lambda s, src: scatter(s, dim, index, src, value=value, reduce=reduce), src)


def index_add_(self, dim, index, source, *, alpha=1):
    return _inplace(self, lambda s, source: index_add(s, dim, index, source, alpha=alpha), source)


def unique(input, sorted: bool = True, return_inverse: bool = False, return_counts: bool = False,  # noqa: A002
           dim=None):
    """The distinct values of ``input`` in ascending order (flattened), with the index of
    each input entry in them (``return_inverse``) and how often each occurs
    (``return_counts``). Not differentiable (the output does not require grad). With ``dim``:
    the distinct slices along ``dim``, sorted lexicographically whatever ``sorted`` says (as
    torch's ``unique_dim``), the inverse and counts per slice."""
    if dim is not None:
        return _unique_dim(input, dim, return_inverse, return_counts)
    with grad_mode.no_grad():
        flat = reshape(input.detach(), (-1,))
        n = flat.shape[0]
        values, order = sort(flat, 0, stable=True)
        first = ones(builtins.min(n, 1), dtype=D.bool_, device=input.device)
        new = cat([first, ne(values[1:], values[:-1])]) if n else first
        results = [values[new]]
        if return_inverse:
            inverse = zeros(n, dtype=D.int64, device=input.device)
            if n:
                inverse[order] = cumsum(new, 0) - 1
            results.append(reshape(inverse, input.shape))
        if return_counts:
            starts = reshape(nonzero(new), (-1,))
            ends = cat([starts[1:], full((1,), n, dtype=D.int64, device=input.device)])
            results.append(ends - starts)
    results[0] = F.Unique.apply(input, results[0]._data)
    return results[0] if len(results) == 1 else tuple(results)


def _unique_dim(input, dim, return_inverse, return_counts):
    if not isinstance(dim, int) or isinstance(dim, builtins.bool):
        raise TypeError(f"unique_dim(): argument 'dim' (position 2) must be int, not {type(dim).__name__}")
    if input.ndim == 0:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    d = _normalize_dim(dim, input.ndim)
    if builtins.any(n == 0 for k, n in enumerate(input.shape) if k != d):
        raise RuntimeError(
            "There are 0 sized dimensions, and they aren't selected, so unique cannot be applied")
    backend = input._backend
    values, inverse, counts = backend.unique_dim(input._data, d)
    results = [F.UniqueDim.apply(input, values)]
    if return_inverse:
        results.append(Tensor._make(inverse, backend, False, None, 0, None))
    if return_counts:
        results.append(Tensor._make(counts, backend, False, None, 0, None))
    return results[0] if len(results) == 1 else tuple(results)


def randperm(n: int, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """A random permutation of 0 .. n-1 (the order that sorts n uniform draws)."""
    if n < 0:
        raise RuntimeError(f"randperm is only implemented for non-negative n, but got n={n}")
    out = argsort(rand(n, dtype=D.float64, device=device))
    return out.to(dtype) if dtype is not None else out


def normal(mean, std=1.0, size=None, *, dtype=None, device=None, requires_grad=False) -> Tensor:
    """Draws from N(mean, std^2): elementwise for tensor ``mean``/``std``, or of ``size``."""
    if isinstance(mean, Tensor) or isinstance(std, Tensor):
        like = mean if isinstance(mean, Tensor) else std
        shape = _broadcast_shape(tuple(mean.shape) if isinstance(mean, Tensor) else (),
                                 tuple(std.shape) if isinstance(std, Tensor) else ())
        with grad_mode.no_grad():
            return randn(*shape, dtype=like.dtype, device=like.device) * std + mean
    if size is None:
        raise TypeError("normal() missing the 'size' argument for float mean and std")
    out = randn(*_shape_arg((size,) if isinstance(size, int) else (tuple(size),)), dtype=dtype,
                device=device) * std + mean
    return out.requires_grad_(requires_grad) if requires_grad else out


def meshgrid(*tensors, indexing: str | None = None) -> tuple:
    """Coordinate grids: output i varies along dim i ('ij'); 'xy' swaps the first two dims.
    Without ``indexing`` torch warns and uses 'ij'."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing is None:
        warnings.warn(
            "torch.meshgrid: in an upcoming release, it will be required to pass the indexing "
            "argument.", UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but received: "
                           f"{indexing}")
    order = list(range(len(tensors)))
    if indexing == "xy" and len(tensors) >= 2:
        order[0], order[1] = 1, 0
    sizes = [tensors[i].numel() for i in order]
    grids = []
    for i, t in enumerate(tensors):
        shape = [1] * len(tensors)
        shape[order.index(i)] = -1
        grids.append(reshape(t, tuple(shape)).expand(*sizes))
    return tuple(grids)


not_equal = ne
less_equal = le
greater_equal = ge
absolute = abs
swapdims = transpose


# ------------------------------------------------------- torch's everyday extras

inf = math.inf
nan = math.nan
pi = math.pi
e = math.e
__version__ = "2.13.0+lucidgrad"  # the torch release whose semantics this package follows

_NUM_THREADS = [1]


def set_num_threads(n: int) -> None:
    """Record the intra-op thread count (numpy's BLAS picks its own; kept for torch's API)."""
    if not isinstance(n, int) or isinstance(n, bool) or n <= 0:
        raise RuntimeError("set_num_threads expects a positive integer")
    _NUM_THREADS[0] = n


def get_num_threads() -> int:
    """The thread count last set with :func:`set_num_threads` (1 by default)."""
    return _NUM_THREADS[0]


_PRINT_PROFILES = {"default": (4, 1000, 3, 80), "short": (2, 1000, 2, 80), "full": (4, math.inf, 3, 80)}


def set_printoptions(precision=None, threshold=None, edgeitems=None, linewidth=None, profile=None,
                     sci_mode=None) -> None:
    """How tensors print, as torch's: ``profile`` ('default', 'short', 'full') sets all four
    options, then any given one overrides it. ``sci_mode`` (forcing scientific notation on or
    off) is not supported and raises ValueError."""
    from . import _printing

    if sci_mode is not None:
        raise ValueError("set_printoptions(sci_mode=...) is not supported by lucidgrad")
    if profile is not None:
        if profile not in _PRINT_PROFILES:
            raise ValueError(f"set_printoptions: unknown profile {profile!r}")
        (_printing.PRECISION, _printing.THRESHOLD, _printing.EDGEITEMS,
         _printing.LINEWIDTH) = _PRINT_PROFILES[profile]
    for name, value in (("PRECISION", precision), ("THRESHOLD", threshold), ("EDGEITEMS", edgeitems),
                        ("LINEWIDTH", linewidth)):
        if value is not None:
            setattr(_printing, name, value)


def as_tensor(data, dtype=None, device=None) -> Tensor:
    """``data`` as a tensor, sharing memory when it already is one (or a numpy array) of the
    wanted dtype and device; otherwise a converted copy, as torch's."""
    if isinstance(data, Tensor):
        return to_dtype_device(data, dtype, None if device is None else as_device(device))
    backend = backend_for(as_device(device))
    if backend.device_type == "cpu" and backend.is_storage(data) and (
            dtype is None or backend.dtype_of(data) is dtype):
        return from_numpy(data)
    return tensor(data, dtype=dtype, device=device)


def _legacy_constructor(name: str, dtype):
    def constructor(*args, device=None) -> Tensor:
        """torch's legacy typed constructor: sizes (``LongTensor(2, 3)``, uninitialised) or data
        (``FloatTensor([1, 2])``)."""
        if len(args) == 1 and not isinstance(args[0], int):
            data = args[0]
            if isinstance(data, Tensor):
                return data.to(dtype)
            return tensor(data, dtype=dtype, device=device)
        return empty(*args, dtype=dtype, device=device)

    constructor.__name__ = constructor.__qualname__ = name
    return constructor


FloatTensor = _legacy_constructor("FloatTensor", D.float32)
DoubleTensor = _legacy_constructor("DoubleTensor", D.float64)
LongTensor = _legacy_constructor("LongTensor", D.int64)
IntTensor = _legacy_constructor("IntTensor", D.int32)
BoolTensor = _legacy_constructor("BoolTensor", D.bool_)
ByteTensor = _legacy_constructor("ByteTensor", D.uint8)

_LEGACY_TYPES = {"torch.FloatTensor": D.float32, "torch.DoubleTensor": D.float64,
                 "torch.LongTensor": D.int64, "torch.IntTensor": D.int32, "torch.BoolTensor": D.bool_,
                 "torch.ByteTensor": D.uint8, "torch.ShortTensor": D.int16,
                 "torch.CharTensor": D.int8, "torch.HalfTensor": D.float16}


def _type(self, dtype=None, non_blocking=False):
    """Without ``dtype``: the legacy type name ('torch.FloatTensor'); with a dtype, a type name or
    a legacy constructor: the tensor converted to it."""
    if dtype is None:
        return f"torch.{_SCALAR_NAME[self.dtype.name]}Tensor"
    if isinstance(dtype, str):
        if dtype not in _LEGACY_TYPES:
            raise ValueError(f"invalid type: '{dtype}'")
        dtype = _LEGACY_TYPES[dtype]
    elif callable(dtype) and not isinstance(dtype, D.dtype):
        dtype = _LEGACY_TYPES["torch." + dtype.__name__]
    return self.to(dtype)


def _new_factory(fn, name: str):
    def method(self, *size, dtype=None, device=None, requires_grad=False):
        return fn(*size, dtype=self.dtype if dtype is None else dtype,
                  device=self.device if device is None else device, requires_grad=requires_grad)

    method.__name__ = name
    method.__doc__ = f"``{fn.__name__}`` with this tensor's dtype and device (unless given)."
    return method


def _new_full(self, size, fill_value, *, dtype=None, device=None, requires_grad=False):
    """``full`` with this tensor's dtype and device (unless given)."""
    return full(size, fill_value, dtype=self.dtype if dtype is None else dtype,
                device=self.device if device is None else device, requires_grad=requires_grad)


def _new_tensor(self, data, *, dtype=None, device=None, requires_grad=False):
    """A copy of ``data`` with this tensor's dtype and device (unless given)."""
    return tensor(data, dtype=self.dtype if dtype is None else dtype,
                  device=self.device if device is None else device, requires_grad=requires_grad)


def _new(self, *args):
    """Legacy ``x.new(...)``: this tensor's dtype, from data or (uninitialised) sizes."""
    if len(args) == 1 and not isinstance(args[0], int):
        return tensor(args[0], dtype=self.dtype, device=self.device)
    return empty(*args, dtype=self.dtype, device=self.device)


def _output_nr(self) -> int:
    """Which output of its grad_fn this tensor is (0 for leaves)."""
    return self._output_nr


def _uniform_(self, a=0.0, b=1.0, *, generator=None):
    """Fill with values drawn uniformly from [a, b), in place (a leaf requiring grad only
    under ``no_grad``, as torch)."""
    return _fill_random(self, rand(*self.shape, dtype=self.dtype, device=self.device) * (b - a) + a)


def _normal_(self, mean=0.0, std=1.0, *, generator=None):
    """Fill with values drawn from N(mean, std^2), in place (a leaf requiring grad only under
    ``no_grad``, as torch)."""
    return _fill_random(self, randn(*self.shape, dtype=self.dtype, device=self.device) * std + mean)


def _fill_random(self, values):
    if _state.grad_enabled and self.requires_grad and self.is_leaf:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place operation.")
    with grad_mode.no_grad():
        return copy_(self, values)


# ------------------------------------------- keyword spellings torch also accepts

def _numpy_keywords(fn):
    """Accept numpy's ``axis=``/``keepdims=`` for torch's ``dim=``/``keepdim=``, as torch does."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if "axis" in kwargs:
            kwargs["dim"] = kwargs.pop("axis")
        if "keepdims" in kwargs:
            kwargs["keepdim"] = kwargs.pop("keepdims")
        return fn(*args, **kwargs)

    return wrapper


def _size_keyword(fn):
    """Accept ``size=`` for a creation function's sizes (``zeros(size=(2, 3))``), as torch does."""
    @functools.wraps(fn)
    def wrapper(*size, **kwargs):
        if "size" in kwargs:
            if size:
                raise TypeError(f"{fn.__name__}() got multiple values for argument 'size'")
            size = (kwargs.pop("size"),)
        return fn(*size, **kwargs)

    return wrapper


def _requires_grad_anywhere(values) -> bool:
    return builtins.any(
        (isinstance(v, Tensor) and v.requires_grad)
        or (isinstance(v, (list, tuple)) and _requires_grad_anywhere(v)) for v in values
    )


def _with_out(fn):
    """Accept ``out=``: the result is written into ``out`` (resized if its shape differs, with
    torch's warning when it was not empty) and ``out`` is returned; refused under autograd."""
    @functools.wraps(fn)
    def wrapper(*args, out=None, **kwargs):
        if out is None:
            return fn(*args, **kwargs)
        if _state.grad_enabled and _requires_grad_anywhere(list(args) + list(kwargs.values())):
            raise RuntimeError(
                f"{fn.__name__}(): functions with out=... arguments don't support automatic "
                "differentiation, but one of the arguments requires grad."
            )
        result = fn(*args, **kwargs)
        if result.dtype.category > out.dtype.category:
            raise RuntimeError(f"result type {dtype_name(result.dtype)} can't be cast to the desired "
                               f"output type {dtype_name(out.dtype)}")
        with grad_mode.no_grad():
            if out.shape != result.shape:
                if out.numel() != 0:
                    warnings.warn(
                        f"An output with one or more elements was resized since it had shape "
                        f"{list(out.shape)}, which does not match the required output shape "
                        f"{list(result.shape)}. This behavior is deprecated, and in a future PyTorch "
                        "release outputs will not be resized unless they have zero elements. You can "
                        "explicitly reuse an out tensor t by resizing it, inplace, to zero elements "
                        "with t.resize_(0).", UserWarning, stacklevel=2)
                out.data = result.to(out.dtype)
                out._version_counter[0] += 1
            else:
                copy_(out, result)
        return out

    return wrapper


# --------------------------------------------------------------- method table

def _reflected(fn):
    def method(self, other):
        return fn(other, self)

    return method


def _iop(inplace):
    def method(self, other):
        return inplace(self, other)

    return method


def _size_method(fn):
    def method(self, *size):
        return fn(self, *size)

    method.__name__ = fn.__name__
    method.__doc__ = fn.__doc__
    return method


sum, mean, max, min, amax, amin, argmax, argmin, var, std, norm, prod, logsumexp, all, any = (
    _numpy_keywords(fn) for fn in (sum, mean, max, min, amax, amin, argmax, argmin, var, std, norm, prod,
                                   logsumexp, all, any))
zeros, ones, empty, rand, randn = (_size_keyword(fn) for fn in (zeros, ones, empty, rand, randn))


def _lean_method(op, general):
    """``tensor <op> other``: the lean path tried first, without the function's own checks
    (``self`` is a Tensor and there is no alpha), then ``general(self, other)``."""
    def method(self, other):
        out = apply_binary(op, self, other)
        return out if out is not None else general(self, other)

    method.__name__ = method.__qualname__ = f"__{op.primitive}__"
    return method


_METHODS = {
    "__add__": _lean_method(F.Add, add), "__radd__": add, "__sub__": _lean_method(F.Sub, sub),
    "__rsub__": rsub, "__mul__": _lean_method(F.Mul, mul), "__rmul__": mul,
    "__truediv__": _lean_method(F.Div, div), "__rtruediv__": _reflected(div), "__pow__": pow,
    "__rpow__": _reflected(pow), "__matmul__": matmul, "__rmatmul__": _reflected(matmul),
    "__neg__": neg, "__abs__": abs, "__eq__": eq, "__ne__": ne, "__lt__": lt, "__le__": le,
    "__gt__": gt, "__ge__": ge, "__and__": bitwise_and, "__or__": bitwise_or,
    "__xor__": bitwise_xor, "__invert__": bitwise_not, "__rand__": bitwise_and,
    "__ror__": bitwise_or,
    "__getitem__": _getitem, "__setitem__": _setitem,
    "split": split, "chunk": chunk, "unbind": unbind,
    "__iadd__": _iop(add_), "__isub__": _iop(sub_), "__imul__": _iop(mul_),
    "__itruediv__": _iop(div_), "__ipow__": _iop(pow_),
    "add": add, "sub": sub, "mul": mul, "div": div, "true_divide": div, "multiply": mul,
    "subtract": sub, "divide": div, "neg": neg, "negative": neg, "pow": pow,
    "eq": eq, "ne": ne, "lt": lt, "le": le, "gt": gt, "ge": ge, "greater": gt, "less": lt,
    "exp": exp, "log": log, "sin": sin, "cos": cos, "tan": tan, "tanh": tanh,
    "sigmoid": sigmoid, "relu": relu, "sqrt": sqrt, "rsqrt": rsqrt, "abs": abs, "sign": sign,
    "round": round, "clamp": clamp, "clip": clamp, "maximum": maximum, "minimum": minimum,
    "logical_not": logical_not,
    "sum": sum, "mean": mean, "max": max, "min": min, "amax": amax, "amin": amin,
    "argmax": argmax, "argmin": argmin, "var": var, "std": std, "norm": norm, "prod": prod,
    "logsumexp": logsumexp, "all": all, "any": any, "floor": floor, "ceil": ceil, "trunc": trunc,
    "fix": trunc, "nonzero": nonzero, "sort": sort, "argsort": argsort, "masked_fill": masked_fill,
    "masked_fill_": masked_fill_, "gather": gather, "sum_to_size": _size_method(sum_to_size),
    "matmul": matmul, "mm": mm, "bmm": bmm, "softmax": softmax, "log_softmax": log_softmax,
    "reshape": _size_method(reshape), "view": _size_method(view), "view_as": view_as,
    "reshape_as": reshape_as, "flatten": flatten, "expand": _size_method(expand),
    "expand_as": expand_as, "permute": _size_method(permute), "transpose": transpose,
    "swapaxes": transpose, "t": t, "unsqueeze": unsqueeze, "squeeze": squeeze,
    "clone": clone, "contiguous": contiguous, "equal": equal, "isclose": isclose,
    "allclose": allclose,
    "add_": add_, "sub_": sub_, "mul_": mul_, "div_": div_, "pow_": pow_, "clamp_": clamp_,
    "neg_": neg_, "exp_": exp_, "relu_": relu_, "sigmoid_": sigmoid_, "tanh_": tanh_,
    "sqrt_": sqrt_, "copy_": copy_, "fill_": fill_, "zero_": zero_,
    "type": _type, "new_zeros": _new_factory(zeros, "new_zeros"), "new_ones": _new_factory(ones, "new_ones"),
    "new_empty": _new_factory(empty, "new_empty"), "new_full": _new_full, "new_tensor": _new_tensor,
    "new": _new, "uniform_": _uniform_, "normal_": _normal_,
    "floor_divide": floor_divide, "remainder": remainder, "fmod": fmod, "__floordiv__": floor_divide,
    "__rfloordiv__": _reflected(floor_divide), "__mod__": remainder, "__rmod__": _reflected(remainder),
    "__rxor__": bitwise_xor, "dot": dot, "mv": mv, "outer": outer, "narrow": narrow, "select": select,
    "flip": flip, "roll": roll, "tril": tril, "triu": triu, "diag": diag, "cumsum": cumsum,
    "repeat": repeat, "repeat_interleave": repeat_interleave, "index_select": index_select,
    "topk": topk, "kthvalue": kthvalue, "not_equal": ne, "less_equal": le, "greater_equal": ge,
    "absolute": abs, "swapdims": transpose, "cumprod": cumprod, "scatter": scatter,
    "scatter_add": scatter_add, "scatter_": scatter_, "scatter_add_": scatter_add_, "index_add": index_add,
    "index_add_": index_add_, "unique": unique,
}

for _name, _fn in _METHODS.items():
    setattr(Tensor, _name, _fn)
Tensor.T = property(_T)
Tensor.output_nr = property(_output_nr)

# out= on the common functions (methods do not take it, as in torch)
(add, sub, mul, div, pow, matmul, mm, bmm, exp, log, sin, cos, tanh, sigmoid, sqrt, abs, neg, clamp,
 maximum, minimum, where, cat, stack, sum, mean, cumsum, floor_divide, remainder) = (
    _with_out(fn) for fn in (add, sub, mul, div, pow, matmul, mm, bmm, exp, log, sin, cos, tanh,
                             sigmoid, sqrt, abs, neg, clamp, maximum, minimum, where, cat, stack, sum,
                             mean, cumsum, floor_divide, remainder))
Tensor.mT = property(_mT)

__all__ = [
    _name for _name, _value in list(globals().items())
    if not _name.startswith("_") and callable(_value)
    and getattr(_value, "__module__", None) == __name__
] + ["inf", "nan", "pi", "e", "__version__"]
