"""The derivative table: every differentiable op's forward and backward, side by side.

Read it like PyTorch's ``derivatives.yaml``: one class per op, named after
the op (the same names as :mod:`micro`'s table: add, sub, mul, div, pow, neg,
exp, log, sin, cos, tanh, sigmoid, relu, sqrt, abs, ...), whose
``node_name`` is the ``grad_fn`` name torch shows; the float functions of one
tensor (exp, log, sin, cos, tan, sqrt, rsqrt, tanh, sigmoid) are one row each
of the unary table, which :func:`unary` makes into such classes. In each:

* ``forward(ctx, ...)`` computes on backend storage (``ctx.backend``) and
  saves what the backward needs;
* ``backward(ctx, grad)`` is the formula, written with differentiable Tensor
  operations, so that ``create_graph=True`` differentiates it again;
* ``vjp(ctx, grad)``, where present, is the same formula on raw storage with
  a fused backend primitive, used when the backward itself is not recorded.

Gradients may come back with the broadcast shape: the engine sums them back
to each input's shape and casts to its dtype (one place, ``graph.conform``).

Ops that the lean path of :mod:`tensor.autograd.function` runs also say, as class
attributes, which backend ``primitive`` computes their forward and what they keep
(``saves_output``, ``saves_input``, ``save_operands``).
"""

from __future__ import annotations

from . import _dtypes as D
from ._tensor import Tensor
from .autograd.function import Op, apply_binary
from .autograd.graph import SavedTensor


def data(x):
    """Storage of a Tensor; Python numbers pass through."""
    return x._data if isinstance(x, Tensor) else x


def binary_dtype(a, b):
    """torch's result dtype for a binary op, or None when the backend's own rule agrees.

    The fast answer (None) covers two tensors of one dtype and a tensor with a
    Python number of its own kind; everything else goes through the full
    three-tier promotion of :func:`tensor._dtypes.result_type`.
    """
    if isinstance(a, Tensor):
        da = a._backend.dtype_of(a._data)
        if isinstance(b, Tensor):
            db = b._backend.dtype_of(b._data)
            if da is db:
                return None
            return _promote_tensors(a, da, b, db)
        return _promote_scalar(da, b)
    db = b._backend.dtype_of(b._data)
    return _promote_scalar(db, a)


def _promote_scalar(tensor_dtype, scalar):
    kind = D.scalar_dtype(scalar)
    if kind.category <= tensor_dtype.category:
        return None if tensor_dtype.category else tensor_dtype
    return D.promote_types(tensor_dtype, kind)


def _promote_tensors(a, da, b, db):
    a_dims, b_dims = a.ndim > 0, b.ndim > 0
    if a_dims == b_dims:
        return D.promote_types(da, db)
    dim_dtype, zero_dtype = (da, db) if a_dims else (db, da)
    return D.result_type((dim_dtype,), (zero_dtype,), ())


def float_dtype(dtype):
    """Integer and bool inputs of float-valued ops (exp, div, ...) compute in the default float."""
    return dtype if dtype.is_floating_point else D.get_default_dtype()


def unary(grad_fn, primitive, keeps, derivative, vjp=None, to_float=True):
    """An Op class (named from ``grad_fn``: ``ExpBackward0`` makes ``Exp``) from one row of the
    unary table: ``out = primitive(a)``, on float storage (integer and bool inputs in the
    default float) or, without ``to_float``, in the input's own dtype; keeping ``a``, ``out``
    or nothing (``keeps``: "a", "out", None) for ``derivative(grad, a, out)``, the input's
    gradient as Tensors; ``vjp(backend, grad, a, out)``, if given, computes it on storage."""
    name = grad_fn[: -len("Backward0")]
    keeps_output, keeps_input = keeps == "out", keeps == "a"

    def forward(ctx, a):
        return getattr(ctx.backend, primitive)(_float_data(ctx, a) if to_float else a._data)

    def backward(ctx, grad):
        if keeps_output:
            return derivative(grad, None, ctx.saved_output)
        return derivative(grad, ctx.saved_tensors[0] if keeps_input else None, None)

    namespace = {
        "__doc__": f"out = {primitive}(a); its derivative is its row of the unary table.",
        "__module__": __name__,
        "node_name": grad_fn, "primitive": primitive,
        "saves_output": keeps_output, "saves_input": keeps_input,
        "forward": staticmethod(forward), "backward": staticmethod(backward),
    }
    if vjp is not None:
        def fused(ctx, grad):
            if keeps_output:
                return (vjp(ctx.backend, grad, None, ctx.saved_output_data),)
            if keeps_input:
                return (vjp(ctx.backend, grad, ctx._saved[0].unpack_data(ctx), None),)
            return (vjp(ctx.backend, grad, None, None),)

        namespace["vjp"] = staticmethod(fused)
    return type(name, (Op,), namespace)


# ------------------------------------------------------------------ arithmetic

class Add(Op):
    """out = a + alpha * b;  da = grad,  db = alpha * grad."""

    node_name = "AddBackward0"
    n_inputs = 2
    primitive = "add"
    node_defaults = {"alpha": 1}  # the lean path's, which keeps nothing

    @staticmethod
    def forward(ctx, a, b, alpha=1):
        ctx.alpha = alpha
        other = _scaled(ctx, b, alpha)
        return ctx.backend.add(data(a), other, binary_dtype(a, b))

    @staticmethod
    def backward(ctx, grad):
        return grad, (grad if ctx.alpha == 1 else grad * ctx.alpha), None

    @staticmethod
    def vjp(ctx, grad):
        return grad, (grad if ctx.alpha == 1 else ctx.backend.mul(grad, ctx.alpha)), None


def _scaled(ctx, b, alpha):
    """alpha * b for add/sub: a Python number stays a Python number (so it keeps its weak dtype)."""
    if alpha == 1:
        return data(b)
    if type(alpha) is int and isinstance(b, Tensor):
        _check_int_alpha(alpha, b.dtype)
    return b * alpha if not isinstance(b, Tensor) else ctx.backend.mul(b._data, alpha)


def _check_int_alpha(alpha, dtype):
    """torch converts an int alpha strictly into the operands' dtype (arithmetic wraps scalars)."""
    from ._ops import _fitting

    _fitting(alpha, dtype)


class Sub(Op):
    """out = a - alpha * b;  da = grad,  db = -alpha * grad."""

    node_name = "SubBackward0"
    n_inputs = 2
    primitive = "sub"
    node_defaults = {"alpha": 1}

    @staticmethod
    def forward(ctx, a, b, alpha=1):
        ctx.alpha = alpha
        other = _scaled(ctx, b, alpha)
        return ctx.backend.sub(data(a), other, binary_dtype(a, b))

    @staticmethod
    def backward(ctx, grad):
        return grad, (-grad if ctx.alpha == 1 else grad * -ctx.alpha), None

    @staticmethod
    def vjp(ctx, grad):
        return grad, ctx.backend.mul(grad, -ctx.alpha), None


class Rsub(Op):
    """out = b - a  (for ``number - tensor``);  da = -grad."""

    node_name = "RsubBackward1"

    @staticmethod
    def forward(ctx, a, b):
        return ctx.backend.sub(data(b), data(a), binary_dtype(a, b))

    @staticmethod
    def backward(ctx, grad):
        return -grad, None


class Mul(Op):
    """out = a * b;  da = grad * b,  db = grad * a."""

    node_name = "MulBackward0"
    primitive = "mul"

    @staticmethod
    def save_operands(ctx, a, b, a_requires_grad, b_requires_grad):
        # _save_operands(ctx, a, b, keep_a=b_requires_grad, keep_b=a_requires_grad), inlined
        ctx._saved = (SavedTensor(a, False) if b_requires_grad else None,
                      (SavedTensor(b, False) if a_requires_grad else None) if isinstance(b, Tensor) else b)

    @staticmethod
    def forward(ctx, a, b):
        Mul.save_operands(ctx, a, b, _requires_grad(a), _requires_grad(b))
        return ctx.backend.mul(data(a), data(b), binary_dtype(a, b))

    @staticmethod
    def backward(ctx, grad):
        a, b = _unpack_pair(ctx)
        edges = ctx._next_nodes
        return ((grad * b if edges[0] is not None else None),
                (grad * a if edges[1] is not None else None))

    @staticmethod
    def vjp(ctx, grad):
        a, b = _pair_data(ctx)
        edges = ctx._next_nodes
        mul = ctx.backend.mul
        return ((mul(grad, b) if edges[0] is not None else None),
                (mul(grad, a) if edges[1] is not None else None))


class Div(Op):
    """out = a / b;  da = grad / b,  db = -grad * (a / b) / b (not a / b^2, which under- or
    overflows where a / b is fine)."""

    node_name = "DivBackward0"
    primitive = "div"

    @staticmethod
    def save_operands(ctx, a, b, a_requires_grad, b_requires_grad):
        _save_operands(ctx, a, b, keep_a=b_requires_grad, keep_b=True)

    @staticmethod
    def forward(ctx, a, b):
        Div.save_operands(ctx, a, b, _requires_grad(a), _requires_grad(b))
        dtype = binary_dtype(a, b)
        result = dtype if dtype is not None else (a if isinstance(a, Tensor) else b).dtype
        if not result.is_floating_point:
            dtype = D.get_default_dtype()
        return ctx.backend.div(data(a), data(b), dtype)

    @staticmethod
    def backward(ctx, grad):
        a, b = _unpack_pair(ctx)
        needs = ctx.needs_input_grad
        grad_a = grad / b if needs[0] else None
        grad_b = -grad * (a / b) / b if needs[1] else None
        return grad_a, grad_b


class Reciprocal(Op):
    """out = 1 / a;  da = -grad * out^2."""

    node_name = "ReciprocalBackward0"
    saves_output = True

    @staticmethod
    def forward(ctx, a):
        return ctx.backend.div(1, a._data, float_dtype(a.dtype))

    @staticmethod
    def backward(ctx, grad):
        out = ctx.saved_output
        return -grad * out * out


class Pow(Op):
    """out = a ** p for a number p;  da = grad * p * a^(p-1)."""

    node_name = "PowBackward0"
    n_inputs = 1

    @staticmethod
    def forward(ctx, a, exponent):
        ctx.exponent = exponent
        ctx.save_for_backward(a)
        return ctx.backend.pow(a._data, exponent, binary_dtype(a, exponent))

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        p = ctx.exponent
        if p == 0:
            return zeros_like(grad), None
        return grad * p * a ** (p - 1), None


class PowTensor(Op):
    """out = a ** b;  da = grad * b * a^(b-1) (0 where b == 0),
    db = grad * out * log(a) (0 where a == 0 and b >= 0), as torch masks them."""

    node_name = "PowBackward1"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return ctx.backend.pow(a._data, b._data, binary_dtype(a, b))

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        needs = ctx.needs_input_grad
        grad_a = where(b == 0, _zero_scalar(grad), grad * b * a ** (b - 1)) if needs[0] else None
        grad_b = None
        if needs[1]:
            safe_log = where((a == 0) & (b >= 0), zeros_like(a), a.log())
            grad_b = grad * a ** b * safe_log
        return grad_a, grad_b


class RPow(Op):
    """out = base ** b for a number base;  db = grad * out * log(base)
    (0 where base == 0 and b >= 0, i.e. out <= 1; nan for a negative base), as torch."""

    node_name = "PowBackward2"
    saves_output = True

    @staticmethod
    def forward(ctx, base, b):
        ctx.base = base
        return ctx.backend.pow(base, b._data, binary_dtype(base, b))

    @staticmethod
    def backward(ctx, grad):
        import math

        out = ctx.saved_output
        if ctx.base == 0:
            return None, grad * where(out <= 1, zeros_like(out), out * float("-inf"))
        return None, grad * out * (math.log(ctx.base) if ctx.base > 0 else math.nan)


# ------------------------------------------------------------ unary functions
#
# The float functions of one tensor, one row each (as derivatives.yaml states them): the op,
# its grad_fn name, the backend primitive of its forward, what its backward keeps (the input
# ``a`` or the output ``out``), the derivative as a formula of Tensors (so that
# ``create_graph=True`` differentiates it again), and where there is one, the same VJP on
# storage with a fused backend primitive. Integer and bool inputs compute in the default float.
#
#               grad_fn             forward    keeps  da, a formula of (grad, a, out)
Exp     = unary("ExpBackward0",     "exp",     "out", lambda grad, a, out: grad * out,
                vjp=lambda backend, grad, a, out: backend.mul(grad, out))
Log     = unary("LogBackward0",     "log",     "a",   lambda grad, a, out: grad / a)
Sin     = unary("SinBackward0",     "sin",     "a",   lambda grad, a, out: grad * a.cos())
Cos     = unary("CosBackward0",     "cos",     "a",   lambda grad, a, out: grad * -a.sin())
Tan     = unary("TanBackward0",     "tan",     "out", lambda grad, a, out: grad * (1 + out * out))
Sqrt    = unary("SqrtBackward0",    "sqrt",    "out", lambda grad, a, out: grad / (2 * out))
Rsqrt   = unary("RsqrtBackward0",   "rsqrt",   "out", lambda grad, a, out: -0.5 * grad * out * out * out)
# grad * (1 - out^2) and grad * out * (1 - out), recorded as torch's own backward ops (below):
Tanh    = unary("TanhBackward0",    "tanh",    "out", lambda grad, a, out: _tanh_backward(grad, out),
                vjp=lambda backend, grad, a, out: backend.tanh_backward(grad, out))
Sigmoid = unary("SigmoidBackward0", "sigmoid", "out", lambda grad, a, out: _sigmoid_backward(grad, out),
                vjp=lambda backend, grad, a, out: backend.sigmoid_backward(grad, out))
#
# The functions that keep their input's dtype (an integer tensor stays one). sign and the
# roundings are piecewise constant: their gradient is zeros not connected to the graph, as
# torch's. round is half to even, trunc towards zero.
#
#               grad_fn             forward    keeps  da, a formula of (grad, a, out)
Neg     = unary("NegBackward0",     "neg",     None,  lambda grad, a, out: -grad, to_float=False,
                vjp=lambda backend, grad, a, out: backend.neg(grad))
Abs     = unary("AbsBackward0",     "abs",     "a",   lambda grad, a, out: grad * a.sign(), to_float=False)
Sign    = unary("SignBackward0",    "sign",    None,  lambda grad, a, out: zeros_like(grad), to_float=False)
Round   = unary("RoundBackward0",   "round",   None,  lambda grad, a, out: zeros_like(grad), to_float=False)
Floor   = unary("FloorBackward0",   "floor",   None,  lambda grad, a, out: zeros_like(grad), to_float=False)
Ceil    = unary("CeilBackward0",    "ceil",    None,  lambda grad, a, out: zeros_like(grad), to_float=False)
Trunc   = unary("TruncBackward0",   "trunc",   None,  lambda grad, a, out: zeros_like(grad), to_float=False)


class TanhBackward(Op):
    """tanh's backward as an op of (grad, out), recorded under ``create_graph=True`` as torch's
    ``tanh_backward``: res = grad * (1 - out^2);  dgrad = ggrad * (1 - out^2),
    dout = -2 * ggrad * grad * out."""

    node_name = "TanhBackwardBackward0"
    primitive = "tanh_backward"

    @staticmethod
    def save_operands(ctx, grad, out, grad_requires_grad, out_requires_grad):
        ctx._saved = (SavedTensor(grad, False), SavedTensor(out, False))

    @staticmethod
    def forward(ctx, grad, out):
        ctx.save_for_backward(grad, out)
        return ctx.backend.tanh_backward(grad._data, out._data)

    @staticmethod
    def backward(ctx, grad_grad):
        grad, out = ctx.saved_tensors
        edges = ctx._next_nodes
        return (_tanh_backward(grad_grad, out) if edges[0] is not None else None,
                grad_grad * grad * (-2 * out) if edges[1] is not None else None)


class SigmoidBackward(Op):
    """sigmoid's backward as an op of (grad, out), recorded under ``create_graph=True`` as
    torch's ``sigmoid_backward``: res = grad * out * (1 - out);  dgrad = ggrad * out * (1 - out),
    dout = ggrad * grad * (1 - 2 out)."""

    node_name = "SigmoidBackwardBackward0"
    primitive = "sigmoid_backward"
    save_operands = TanhBackward.save_operands

    @staticmethod
    def forward(ctx, grad, out):
        ctx.save_for_backward(grad, out)
        return ctx.backend.sigmoid_backward(grad._data, out._data)

    @staticmethod
    def backward(ctx, grad_grad):
        grad, out = ctx.saved_tensors
        edges = ctx._next_nodes
        return (_sigmoid_backward(grad_grad, out) if edges[0] is not None else None,
                grad_grad * grad * (1 - 2 * out) if edges[1] is not None else None)


def _tanh_backward(grad, out):
    return _apply_pair(TanhBackward, grad, out)


def _sigmoid_backward(grad, out):
    return _apply_pair(SigmoidBackward, grad, out)


class Relu(Op):
    """out = max(a, 0);  da = grad where out > 0, else 0."""

    node_name = "ReluBackward0"
    primitive = "relu"
    saves_output = True

    @staticmethod
    def forward(ctx, a):
        return ctx.backend.relu(a._data)

    @staticmethod
    def backward(ctx, grad):
        return ThresholdBackward.apply(grad, ctx.saved_output)

    @staticmethod
    def vjp(ctx, grad):
        return (ctx.backend.relu_backward(grad, ctx.saved_output_data),)


class ThresholdBackward(Op):
    """relu's backward as an op of (grad, out): res = grad * (out > 0);
    dgrad = ggrad * (out > 0),  dout = 0.

    Recorded under ``create_graph=True`` so that the first derivative stays
    connected to relu's output, as torch's ``threshold_backward``: its own
    derivative is then 0 instead of "does not require grad".
    """

    node_name = "ThresholdBackwardBackward0"

    @staticmethod
    def forward(ctx, grad, out):
        ctx.save_for_backward(out)
        return ctx.backend.relu_backward(grad._data, out._data)

    @staticmethod
    def backward(ctx, grad_grad):
        (out,) = ctx.saved_tensors
        return ThresholdBackward.apply(grad_grad, out), zeros_like(out)

    @staticmethod
    def vjp(ctx, grad_grad):
        (out,) = ctx.saved_tensors
        backend = ctx.backend
        return backend.relu_backward(grad_grad, out._data), backend.full(out.shape, 0, out.dtype)


class FloorDivide(Op):
    """out = floor(a / b); torch implements no derivative (its node is ``NotImplemented``)."""

    node_name = "NotImplemented"
    primitive = "floor_divide"

    @staticmethod
    def forward(ctx, a, b):
        return getattr(ctx.backend, ctx._op.primitive)(data(a), data(b), binary_dtype(a, b))

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError(f"derivative for aten::{ctx._op.primitive} is not implemented")


class Unique(Op):
    """out = the distinct values of a (computed by the caller, passed as ``values``);
    torch implements no derivative (backward raises NotImplementedError)."""

    node_name = "Unique2Backward0"
    n_inputs = 1

    @staticmethod
    def forward(ctx, a, values):
        return values

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError("the derivative for '_unique2' is not implemented.")


class UniqueDim(Unique):
    """out = the distinct slices of a along a dim (computed by the caller, passed as ``values``);
    torch implements no derivative (backward raises NotImplementedError)."""

    node_name = "UniqueDimBackward0"

    @staticmethod
    def backward(ctx, grad):
        raise NotImplementedError("the derivative for 'unique_dim' is not implemented.")


class ScatterReduce(Op):
    """out = scatter(a, ..., src or value, reduce='add'|'multiply') (computed by the caller, passed
    as ``values``); torch implements no derivative (its node is ``NotImplemented``)."""

    node_name = "NotImplemented"
    n_inputs = 2

    @staticmethod
    def forward(ctx, a, src, values):
        return values

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError("derivative for aten::scatter is not implemented")


class RemainderOfNumber(FloorDivide):
    """out = number % b: torch implements no derivative for b here."""

    node_name = "NotImplemented"
    primitive = "remainder"


class Remainder(Op):
    """out = a - floor(a / b) * b (the sign of b);  da = grad,  db = -grad * floor(a / b)."""

    node_name = "RemainderBackward1"
    primitive = "remainder"
    rounding = "floor"

    @staticmethod
    def forward(ctx, a, b):
        _save_operands(ctx, a, b, keep_a=_requires_grad(b), keep_b=_requires_grad(b))
        return getattr(ctx.backend, ctx._op.primitive)(data(a), data(b), binary_dtype(a, b))

    @staticmethod
    def backward(ctx, grad):
        a, b = _unpack_pair(ctx)
        needs = ctx.needs_input_grad
        grad_b = -grad * RoundedDiv.apply(a, b, ctx._op.rounding) if needs[1] else None
        return grad if needs[0] else None, grad_b


class RoundedDiv(Op):
    """out = floor(a / b) or trunc(a / b) (torch's div with a rounding_mode);  da = db = 0,
    as zeros not connected to the graph (torch's DivBackward2)."""

    node_name = "DivBackward2"
    n_inputs = 2

    @staticmethod
    def forward(ctx, a, b, rounding):
        backend = ctx.backend
        quotient = backend.div(data(a), data(b), binary_dtype(a, b))
        return backend.floor(quotient) if rounding == "floor" else backend.trunc(quotient)

    @staticmethod
    def backward(ctx, grad):
        return zeros_like(grad), zeros_like(grad), None


class RemainderScalar(Remainder):
    node_name = "RemainderBackward0"


class Fmod(Remainder):
    """out = a - trunc(a / b) * b (the sign of a);  da = grad,  db = -grad * trunc(a / b)."""

    node_name = "FmodBackward1"
    primitive = "fmod"
    rounding = "trunc"


class FmodScalar(Fmod):
    node_name = "FmodBackward0"


class Cumsum(Op):
    """out[i] = sum of a[..i] along dim;  da = the reversed cumulative sum of grad along dim."""

    node_name = "CumsumBackward0"
    n_inputs = 1

    @staticmethod
    def forward(ctx, a, dim, dtype):
        ctx.dim = dim
        return ctx.backend.cumsum(a._data, dim, dtype)

    @staticmethod
    def backward(ctx, grad):
        from ._ops import flip

        dim = ctx.dim
        return flip(flip(grad, (dim,)).cumsum(dim), (dim,)), None, None


class Clamp(Op):
    """out = min(max(a, low), high);  da = grad where low <= a <= high, else 0."""

    node_name = "ClampBackward1"
    n_inputs = 1

    @staticmethod
    def forward(ctx, a, low, high):
        ctx.save_for_backward(a)
        ctx.low, ctx.high = low, high
        return ctx.backend.clamp(a._data, low, high)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        inside = ones_like(a, dtype=D.bool_)
        if ctx.low is not None:
            inside = inside & (a >= ctx.low)
        if ctx.high is not None:
            inside = inside & (a <= ctx.high)
        return grad * inside.to(grad.dtype), None, None


class ClampTensor(Op):
    """out = min(max(a, low), high) with tensor bounds (either may be None), broadcast;
    da = grad where low <= a <= high;  dlow = grad where a < low < high;
    dhigh = grad where a > high or high < low (torch's choice where the bounds cross)."""

    node_name = "ClampBackward0"

    @staticmethod
    def forward(ctx, a, low, high, dtype):
        ctx.save_for_backward(a, low, high)
        backend = ctx.backend
        arrays = [None if t is None else backend.astype(t._data, dtype) for t in (a, low, high)]
        return backend.clamp(*arrays)

    @staticmethod
    def backward(ctx, grad):
        a, low, high = ctx.saved_tensors
        needs = ctx.needs_input_grad
        zero = _zero_scalar(grad)
        inside = (a >= low) if high is None else (a <= high) if low is None else (a >= low) & (a <= high)
        grad_a = where(inside, grad, zero) if needs[0] else None
        grad_low = grad_high = None
        if needs[1]:
            below = a < low
            grad_low = where(below if high is None else below & (low < high), grad, zero)
        if needs[2]:
            above = a > high
            grad_high = where(above if low is None else above | (high < low), grad, zero)
        return grad_a, grad_low, grad_high, None


class Maximum(Op):
    """out = max(a, b);  the gradient goes to the larger input, split evenly on ties."""

    node_name = "MaximumBackward0"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return ctx.backend.maximum(a._data, b._data, binary_dtype(a, b))

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return _select_grads(grad, a < b, a > b, a == b)


class Minimum(Op):
    """out = min(a, b);  the gradient goes to the smaller input, split evenly on ties."""

    node_name = "MinimumBackward0"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return ctx.backend.minimum(a._data, b._data, binary_dtype(a, b))

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return _select_grads(grad, a > b, a < b, a == b)


def _select_grads(grad, a_loses, b_loses, tie):
    """The gradient to each input that does not lose, halved on ties; where a comparison
    is undecided (a nan) both get all of it, as torch's formula does."""
    half_tie = tie.to(grad.dtype) * 0.5
    weight_a = (~a_loses).to(grad.dtype) - half_tie
    weight_b = (~b_loses).to(grad.dtype) - half_tie
    return grad * weight_a, grad * weight_b


class Where(Op):
    """out = cond ? a : b;  da = grad where cond,  db = grad where not cond."""

    node_name = "WhereBackward0"

    n_inputs = 2

    @staticmethod
    def forward(ctx, a, b, cond):
        ctx.cond = cond
        return ctx.backend.where(cond._data, data(a), data(b), _where_dtype(a, b))

    @staticmethod
    def backward(ctx, grad):
        zero = zeros_like(grad)
        return where(ctx.cond, grad, zero), where(ctx.cond, zero, grad)


def _where_dtype(a, b):
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        return binary_dtype(a, b)
    return binary_dtype(a, b) if (isinstance(a, Tensor) or isinstance(b, Tensor)) else None


# ------------------------------------------------------------------ reductions

class Sum(Op):
    """out = sum(a) over dims;  da = grad broadcast back over the summed dims (the input's shape
    is its ``_input_meta``'s: ``sum()`` of a float tensor takes the lean path, which keeps
    nothing else)."""

    node_name = "SumBackward0"
    n_inputs = 1
    primitive = "sum"  # of all elements, the lean path's
    node_defaults = {"dims": None, "keepdim": False}

    @staticmethod
    def forward(ctx, a, dims, keepdim, dtype):
        ctx.dims, ctx.keepdim = dims, keepdim
        if dtype is None and not a.dtype.is_floating_point:
            dtype = D.int64
        return ctx.backend.sum(a._data, dims, keepdim, dtype)

    @staticmethod
    def backward(ctx, grad):
        return _expand_reduced(grad, ctx._input_meta[0][0], ctx.dims, ctx.keepdim), None, None, None

    @staticmethod
    def vjp(ctx, grad):
        return (_expand_reduced_data(ctx.backend, grad, ctx._input_meta[0][0], ctx.dims, ctx.keepdim),)


class SumDim(Sum):
    node_name = "SumBackward1"
    primitive = None


class Mean(Op):
    """out = mean(a) over dims;  da = grad / n broadcast back over the n reduced elements (the
    input's shape is its ``_input_meta``'s, as for Sum)."""

    node_name = "MeanBackward0"
    n_inputs = 1
    primitive = "mean"  # of all elements, the lean path's
    node_defaults = {"dims": None, "keepdim": False}

    @staticmethod
    def forward(ctx, a, dims, keepdim):
        ctx.dims, ctx.keepdim = dims, keepdim
        return ctx.backend.mean(a._data, dims, keepdim)

    @staticmethod
    def backward(ctx, grad):
        shape = ctx._input_meta[0][0]
        return (_expand_reduced(grad, shape, ctx.dims, ctx.keepdim) / _count(shape, ctx.dims),
                None, None)

    @staticmethod
    def vjp(ctx, grad):
        backend, shape = ctx.backend, ctx._input_meta[0][0]
        # grad / n, then broadcast: the same quotients, n times fewer divisions
        return (_expand_reduced_data(backend, backend.div(grad, _count(shape, ctx.dims)), shape,
                                     ctx.dims, ctx.keepdim),)


def _count(shape, dims):
    """How many elements a reduction over ``dims`` (None: all) of ``shape`` combines."""
    n = 1
    for d in (range(len(shape)) if dims is None else dims):
        n *= shape[d]
    return n


class MeanDim(Mean):
    node_name = "MeanBackward1"
    primitive = None


def _expand_reduced(grad, shape, dims, keepdim):
    """Broadcast a reduction's gradient back to the input's shape."""
    if dims is None:
        return grad.reshape([1] * len(shape)).expand(shape) if len(shape) else grad
    if not keepdim:
        for d in sorted(dims):
            grad = grad.unsqueeze(d)
    return grad.expand(shape)


def _expand_reduced_data(backend, grad, shape, dims, keepdim):
    """_expand_reduced on storage (the reductions' VJPs): the same broadcast view of ``grad``."""
    if dims is None:
        return backend.expand(backend.reshape(grad, (1,) * len(shape)), shape) if len(shape) else grad
    if not keepdim:
        kept = list(shape)
        for d in dims:
            kept[d] = 1
        grad = backend.reshape(grad, kept)
    return backend.expand(grad, shape)


# ---------------------------------------------------------------------- matmul

class Mm(Op):
    """out = a @ b for matrices;  da = grad @ b^T,  db = a^T @ grad."""

    node_name = "MmBackward0"

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return ctx.backend.matmul(a._data, b._data)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        needs = ctx.needs_input_grad
        return (grad @ b.mT if needs[0] else None), (a.mT @ grad if needs[1] else None)


class Matmul(Mm):
    """Batched/broadcast matmul (and vector cases): the same formulas; the engine sums
    gradients back over broadcast batch dims, and vectors are lifted to matrices."""

    node_name = "UnsafeViewBackward0"

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        needs = ctx.needs_input_grad
        a2 = a.unsqueeze(0) if a.ndim == 1 else a
        b2 = b.unsqueeze(-1) if b.ndim == 1 else b
        g = grad
        if a.ndim == 1:
            g = g.unsqueeze(-2)
        if b.ndim == 1:
            g = g.unsqueeze(-1)
        grad_a = grad_b = None
        if needs[0]:
            grad_a = g @ b2.mT
            if a.ndim == 1:
                grad_a = grad_a.squeeze(-2)
                if grad_a.ndim > 1:
                    grad_a = grad_a.sum_to_size(a.shape)
        if needs[1]:
            grad_b = a2.mT @ g
            if b.ndim == 1:
                grad_b = grad_b.squeeze(-1)
                if grad_b.ndim > 1:
                    grad_b = grad_b.sum_to_size(b.shape)
        return grad_a, grad_b


class Mv(Matmul):
    node_name = "MvBackward0"


class VecMat(Matmul):
    """vector @ matrix: torch multiplies the vector lifted to a row (mm) and squeezes
    the row away in place, so its node is the squeeze's."""

    node_name = "SqueezeBackward4"


class Bmm(Matmul):
    """``bmm``: batched matrices of one batch size (``@`` on them is UnsafeViewBackward0)."""

    node_name = "BmmBackward0"


class Dot(Mm):
    """out = a . b for vectors;  da = grad * b,  db = grad * a."""

    node_name = "DotBackward0"

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        needs = ctx.needs_input_grad
        return (grad * b if needs[0] else None), (grad * a if needs[1] else None)


# ------------------------------------------------------------ softmax family

class Softmax(Op):
    """out = exp(a) / sum(exp(a), dim);  da = out * (grad - sum(grad * out, dim))."""

    node_name = "SoftmaxBackward0"
    n_inputs = 1
    saves_output = True

    @staticmethod
    def forward(ctx, a, dim):
        ctx.dim = dim
        return ctx.backend.softmax(_float_data(ctx, a), dim)

    @staticmethod
    def backward(ctx, grad):
        out = ctx.saved_output
        return out * (grad - (grad * out).sum(ctx.dim, keepdim=True)), None

    @staticmethod
    def vjp(ctx, grad):
        return ctx.backend.softmax_backward(grad, ctx.saved_output_data, ctx.dim), None


class LogSoftmax(Op):
    """out = a - logsumexp(a, dim);  da = grad - exp(out) * sum(grad, dim)."""

    node_name = "LogSoftmaxBackward0"
    n_inputs = 1
    saves_output = True

    @staticmethod
    def forward(ctx, a, dim):
        ctx.dim = dim
        return ctx.backend.log_softmax(_float_data(ctx, a), dim)

    @staticmethod
    def backward(ctx, grad):
        out = ctx.saved_output
        return grad - out.exp() * grad.sum(ctx.dim, keepdim=True), None

    @staticmethod
    def vjp(ctx, grad):
        return ctx.backend.log_softmax_backward(grad, ctx.saved_output_data, ctx.dim), None


# ------------------------------------------------------------- copies, casts

class Clone(Op):
    """out = copy of a;  da = grad."""

    node_name = "CloneBackward0"

    @staticmethod
    def forward(ctx, a):
        return ctx.backend.copy(a._data)

    @staticmethod
    def backward(ctx, grad):
        return grad

    @staticmethod
    def vjp(ctx, grad):
        return (grad,)


class Contiguous(Clone):
    """out = a laid out contiguously (a copy);  da = grad."""

    @staticmethod
    def forward(ctx, a):
        return ctx.backend.contiguous(a._data)


class Copy(Op):
    """dst.copy_(src): out = src broadcast to dst's shape, cast to its dtype;  ddst = 0,  dsrc = grad."""

    node_name = "CopyBackwards"

    @staticmethod
    def forward(ctx, dst, src):
        backend = ctx.backend
        return backend.copy(backend.cast(backend.expand(src._data, dst.shape), dst.dtype))

    @staticmethod
    def backward(ctx, grad):
        return zeros_like(grad), grad


class Fill(Op):
    """a.fill_(value) for a number: out = value everywhere;  da = 0."""

    node_name = "FillBackward2"
    n_inputs = 1

    @staticmethod
    def forward(ctx, a, value):
        return ctx.backend.full(a.shape, value, a.dtype)

    @staticmethod
    def backward(ctx, grad):
        return zeros_like(grad), None


class FillTensor(Op):
    """a.fill_(value) for a 0-d tensor: out = value everywhere;  da = 0,  dvalue = sum(grad)."""

    node_name = "FillBackward3"

    @staticmethod
    def forward(ctx, a, value):
        backend = ctx.backend
        return backend.copy(backend.cast(backend.expand(value._data, a.shape), a.dtype))

    @staticmethod
    def backward(ctx, grad):
        return zeros_like(grad), grad.sum()


class ToCopy(Op):
    """out = a converted to another dtype;  da = grad (the engine casts it back)."""

    node_name = "ToCopyBackward0"
    n_inputs = 1

    @staticmethod
    def forward(ctx, a, dtype):
        return ctx.backend.astype(a._data, dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad, None

    @staticmethod
    def vjp(ctx, grad):
        return grad, None


# ------------------------------------------------------------------ views
# Each shares storage with its input (is_view): the output has the input's
# version counter and remembers its base, as torch's views do.

class View(Op):
    """out = a viewed with another shape;  da = grad reshaped back."""

    node_name = "ViewBackward0"
    n_inputs = 1
    is_view = True

    @staticmethod
    def forward(ctx, a, shape):
        ctx.shape = a.shape
        out = ctx.backend.reshape_view(a._data, shape)
        if out is None:
            raise RuntimeError(
                "view size is not compatible with input tensor's size and stride (at least one "
                "dimension spans across two contiguous subspaces). Use .reshape(...) instead."
            )
        return out

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.shape), None


class ReshapeAlias(View):
    """reshape of a non-contiguous tensor whose strides still allow a view
    (torch's ``_reshape_alias``; a contiguous one is a plain view);  da = grad reshaped back."""

    node_name = "ReshapeAliasBackward0"


class ReshapeCopy(Op):
    """out = a copied into another shape (when no view is possible);  da = grad reshaped back."""

    node_name = "UnsafeViewBackward0"
    n_inputs = 1

    @staticmethod
    def forward(ctx, a, shape):
        ctx.shape = a.shape
        return ctx.backend.reshape(a._data, shape)

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.shape), None


class Expand(Op):
    """out = a broadcast to a larger shape (stride 0);  da = grad summed back (by the engine)."""

    node_name = "ExpandBackward0"
    n_inputs = 1
    is_view = True

    @staticmethod
    def forward(ctx, a, shape):
        return ctx.backend.expand(a._data, shape)

    @staticmethod
    def backward(ctx, grad):
        return grad, None


class Permute(Op):
    """out = a with its dims reordered;  da = grad permuted by the inverse order."""

    node_name = "PermuteBackward0"
    n_inputs = 1
    is_view = True

    @staticmethod
    def forward(ctx, a, dims):
        ctx.dims = dims
        return ctx.backend.permute(a._data, dims)

    @staticmethod
    def backward(ctx, grad):
        inverse = [0] * len(ctx.dims)
        for i, d in enumerate(ctx.dims):
            inverse[d] = i
        return grad.permute(inverse), None


class Transpose(Permute):
    """out = a with two dims swapped;  da = grad with them swapped back."""

    node_name = "TransposeBackward0"


class TransposeMatrix(Permute):
    """out = a.t() (2-D transpose);  da = grad.t()."""

    node_name = "TBackward0"


class Squeeze(View):
    """out = a without its size-1 dims (``squeeze()``);  da = grad reshaped back."""

    node_name = "SqueezeBackward0"


class SqueezeDim(Squeeze):
    """``squeeze(dim)`` for one dim."""

    node_name = "SqueezeBackward1"


class SqueezeDims(Squeeze):
    """``squeeze(dims)`` for a tuple of dims."""

    node_name = "SqueezeBackward2"


class Unsqueeze(View):
    """out = a with a new size-1 dim;  da = grad reshaped back."""

    node_name = "UnsqueezeBackward0"


# -------------------------------------------------------------------- helpers

def _requires_grad(x) -> bool:
    return isinstance(x, Tensor) and x._requires_grad


def _save_operands(ctx, a, b, keep_a, keep_b):
    """Keep what the backward of a binary op needs, as ``ctx._saved = (a, b)``: a number as it
    is, a tensor operand (version-checked) only when ``keep_`` says the other input's gradient
    needs it (``x * c`` with ``c`` not requiring grad keeps nothing of ``x``, so changing ``x``
    in place later is no error, as in torch), None otherwise."""
    ctx._saved = (
        (SavedTensor(a, False) if keep_a else None) if isinstance(a, Tensor) else a,
        (SavedTensor(b, False) if keep_b else None) if isinstance(b, Tensor) else b,
    )


def _apply_pair(cls, a, b):
    """``cls.apply(a, b)`` for an op with a lean path (``primitive``, ``save_operands``)."""
    out = apply_binary(cls, a, b)
    return out if out is not None else cls.apply(a, b)


def _unpack_pair(ctx):
    """(a, b) as saved by _save_operands: Tensors, numbers, or None for an operand not kept."""
    a, b = _saved_pair(ctx)
    return (a.unpack(ctx) if type(a) is SavedTensor else a), (b.unpack(ctx) if type(b) is SavedTensor else b)


def _pair_data(ctx):
    """(a, b) as saved by _save_operands, as storage (for the VJPs on storage)."""
    a, b = _saved_pair(ctx)
    return ((a.unpack_data(ctx) if type(a) is SavedTensor else a),
            (b.unpack_data(ctx) if type(b) is SavedTensor else b))


def _saved_pair(ctx):
    saved = ctx._saved
    if saved is None:
        return ctx.saved_tensors  # freed by an earlier backward: raises torch's error
    return saved


def _float_data(ctx, a):
    dtype = a.dtype
    if dtype.is_floating_point:
        return a._data
    return ctx.backend.astype(a._data, D.get_default_dtype())


def where(cond, a, b):
    from ._ops import where as where_op

    return where_op(cond, a, b)


def zeros_like(t, dtype=None):
    from ._ops import zeros_like as zeros_like_op

    return zeros_like_op(t, dtype=dtype)


def _zero_scalar(t):
    from ._ops import zeros

    return zeros((), dtype=t.dtype, device=t.device)


def ones_like(t, dtype=None):
    from ._ops import ones_like as ones_like_op

    return ones_like_op(t, dtype=dtype)


# ------------------------------------------------------------ in-place on views

class CopySlices(Op):
    """An in-place change of a view, seen from its base: base' = base with view region <- src.

    d(base) = grad with the view region zeroed;  d(src) = the view region of grad.
    ``chain`` replays the view ops from the base to the view, on any tensor of
    the base's shape. torch's node names itself ``torch::autograd::CopySlices``.
    """

    node_name = "CopySlices"

    n_inputs = 2

    @staticmethod
    def forward(ctx, base, src, chain, new_base_data):
        ctx.chain = chain
        return new_base_data

    @staticmethod
    def backward(ctx, grad):
        from .autograd.grad_mode import no_grad

        with no_grad():
            mask = ones_like(grad)
            region = replay_view(mask, ctx.chain)
            if any(step == 0 and n > 1 for step, n in zip(region.stride(), region.shape)):
                # an expanded view was written: zeroing its region is torch's refused write too
                raise RuntimeError(
                    "unsupported operation: more than one element of the written-to tensor refers to a "
                    "single memory location. Please clone() the tensor before performing the operation.")
            region._data[...] = 0
        return grad * mask, replay_view(grad, ctx.chain), None, None


def replay_view(t, chain):
    """Apply the recorded view ops ``chain`` to ``t`` (a tensor shaped like their base)."""
    for op, extra in chain:
        t = op.apply(t, *extra)
    return t


# -------------------------------------------------------------------- indexing
# Basic indexing (ints, slices, None, ...) is a chain of view ops, one per index
# item, as torch builds it; advanced indexing (integer and boolean tensors) is
# one copying op. ``key`` is a tuple of slices, ints and index arrays (storage),
# ready for the backend.

class Select(Op):
    """out = a[..., index] along ``dim`` (a view, one dim fewer);  da = zeros with grad put at index."""

    node_name = "SelectBackward0"
    n_inputs = 1
    is_view = True

    @staticmethod
    def forward(ctx, a, dim, index):
        ctx.shape, ctx.key = a.shape, (slice(None),) * dim + (index,)
        return ctx.backend.view_index(a._data, ctx.key)

    @staticmethod
    def backward(ctx, grad):
        return IndexEmbed.apply(grad, ctx.shape, ctx.key, False), None, None

    @staticmethod
    def vjp(ctx, grad):
        backend = ctx.backend
        return backend.index_add_zeros(ctx.shape, backend.dtype_of(grad), ctx.key, grad, True), None, None


class Slice(Select):
    """out = a[start:stop:step] along ``dim`` (a view);  da = zeros with grad put in the slice."""

    node_name = "SliceBackward0"

    @staticmethod
    def forward(ctx, a, dim, start, stop, step):
        ctx.shape, ctx.key = a.shape, (slice(None),) * dim + (slice(start, stop, step),)
        return ctx.backend.view_index(a._data, ctx.key)


class Alias(Op):
    """out = a (``a[...]``: a view of all of a);  da = grad."""

    node_name = "AliasBackward0"
    is_view = True

    @staticmethod
    def forward(ctx, a):
        return ctx.backend.view_index(a._data, ())

    @staticmethod
    def backward(ctx, grad):
        return grad

    @staticmethod
    def vjp(ctx, grad):
        return (grad,)


class Index(Op):
    """out = a[key] with index tensors (a copy);  da = zeros with grad added at key (repeats add up)."""

    node_name = "IndexBackward0"
    n_inputs = 1

    @staticmethod
    def forward(ctx, a, key):
        ctx.shape, ctx.key = a.shape, key
        return ctx.backend.getitem(a._data, key)

    @staticmethod
    def backward(ctx, grad):
        return IndexEmbed.apply(grad, ctx.shape, ctx.key, True), None

    @staticmethod
    def vjp(ctx, grad):
        backend = ctx.backend
        return backend.index_add_zeros(ctx.shape, backend.dtype_of(grad), ctx.key, grad, False), None


class IndexEmbed(Op):
    """out = zeros(shape) with g added at key (the backward of indexing);  dg = grad[key]."""

    node_name = "IndexBackwardBackward0"
    n_inputs = 1

    @staticmethod
    def forward(ctx, g, shape, key, advanced):
        ctx.key = key
        return ctx.backend.index_add_zeros(shape, g.dtype, key, g._data, not advanced)

    @staticmethod
    def backward(ctx, grad):
        return Index.apply(grad, ctx.key), None, None, None


class IndexPut(Op):
    """out = a with a[key] = values (broadcast);  da = grad zeroed at key,  dvalues = grad[key]."""

    node_name = "IndexPutBackward0"
    n_inputs = 2

    @staticmethod
    def forward(ctx, a, values, key):
        ctx.key = key
        return ctx.backend.index_put(a._data, key, values._data, False)

    @staticmethod
    def backward(ctx, grad):
        needs = ctx.needs_input_grad
        grad_a = IndexPut.apply(grad, _zero_scalar(grad), ctx.key) if needs[0] else None
        grad_values = Index.apply(grad, ctx.key) if needs[1] else None
        return grad_a, grad_values, None

    @staticmethod
    def vjp(ctx, grad):
        backend = ctx.backend
        needs = ctx.needs_input_grad
        grad_a = backend.index_put(grad, ctx.key, 0, False) if needs[0] else None
        grad_values = backend.getitem(grad, ctx.key) if needs[1] else None
        return grad_a, grad_values, None


def _qualified_node_names(*ops) -> None:
    """torch's C++-only nodes answer name() with their namespace ('torch::autograd::CopySlices')."""
    for op in ops:
        node_class = op._node_class
        qualified = "torch::autograd::" + node_class.__name__
        op._node_class = type(node_class.__name__, (node_class,), {
            "name": lambda self, qualified=qualified: qualified,
            "__repr__": lambda self: f"<{type(self).__name__} object at {hex(id(self))}>",
        })


_qualified_node_names(CopySlices, Copy)


# ------------------------------------------------------------- joins and splits

class Cat(Op):
    """out = [a_1; a_2; ...] along ``dim``;  da_i = grad's slice of a_i's rows (an empty
    zero gradient for a skipped 1-D empty input, as torch's)."""

    node_name = "CatBackward0"

    @staticmethod
    def forward(ctx, *args):
        *tensors, dim, dtype = args
        ctx.dim = dim
        ctx.sizes = [None if _skipped_in_cat(t) else t.shape[dim] for t in tensors]
        backend = ctx.backend
        datas = [backend.cast(t._data, dtype) for t in tensors if not _skipped_in_cat(t)]
        if not datas:  # only 1-D empty tensors: the result is one of them
            datas = [backend.cast(tensors[0]._data, dtype)]
        return backend.concatenate(datas, dim)

    @staticmethod
    def backward(ctx, grad):
        grads, start = [], 0
        for size in ctx.sizes:
            if size is None:
                grads.append(_constant(ctx, _empty_cat_gradient(ctx, grad._data)))
                continue
            grads.append(Slice.apply(grad, ctx.dim, start, start + size, 1))
            start += size
        return (*grads, None, None)

    @staticmethod
    def vjp(ctx, grad):
        sizes = [s for s in ctx.sizes if s is not None]
        pieces = iter(ctx.backend.split(grad, sizes, ctx.dim))
        grads = (_empty_cat_gradient(ctx, grad) if s is None else next(pieces) for s in ctx.sizes)
        return (*grads, None, None)


def _empty_cat_gradient(ctx, grad_data):
    """The gradient of a 1-D empty input that cat left out: an empty (0,) array of grad's dtype."""
    return ctx.backend.full((0,), 0, ctx.backend.dtype_of(grad_data))


def _skipped_in_cat(t) -> bool:
    """torch's legacy rule: a 1-D empty tensor joins any cat (it is left out)."""
    return t.shape == (0,)


class Stack(Op):
    """out = a_1, a_2, ... stacked along a new ``dim``;  da_i = grad selected at i along dim."""

    node_name = "StackBackward0"

    @staticmethod
    def forward(ctx, *args):
        *tensors, dim, dtype = args
        ctx.dim, ctx.count = dim, len(tensors)
        backend = ctx.backend
        return backend.stack([backend.cast(t._data, dtype) for t in tensors], dim)

    @staticmethod
    def backward(ctx, grad):
        return (*(Select.apply(grad, ctx.dim, i) for i in range(ctx.count)), None, None)

    @staticmethod
    def vjp(ctx, grad):
        key = (slice(None),) * ctx.dim
        return (*(ctx.backend.getitem(grad, key + (i,)) for i in range(ctx.count)), None, None)


class SplitWithSizes(Op):
    """out_i = consecutive pieces of a along ``dim`` (views);  da = cat(grad_i), zeros for unused pieces."""

    node_name = "SplitWithSizesBackward0"
    n_inputs = 1
    is_view = True

    @staticmethod
    def forward(ctx, a, sizes, dim):
        ctx.shape, ctx.sizes, ctx.dim = a.shape, sizes, dim
        return ctx.backend.split(a._data, sizes, dim)

    @staticmethod
    def backward(ctx, *grads):
        from ._ops import cat, zeros

        like = next(g for g in grads if g is not None)
        pieces = []
        for grad, size in zip(grads, ctx.sizes):
            if grad is None:
                shape = ctx.shape[:ctx.dim] + (size,) + ctx.shape[ctx.dim + 1:]
                grad = zeros(shape, dtype=like.dtype, device=like.device)
            pieces.append(grad)
        return cat(pieces, ctx.dim), None, None


class Split(SplitWithSizes):
    """``split`` with one size (and ``chunk``): the same pieces and gradient."""

    node_name = "SplitBackward0"


class Unbind(Op):
    """out_i = a selected at i along ``dim`` (views);  da = stack(grad_i), zeros for unused ones."""

    node_name = "UnbindBackward0"
    n_inputs = 1
    is_view = True

    @staticmethod
    def forward(ctx, a, dim):
        ctx.shape, ctx.dim = a.shape, dim
        key = (slice(None),) * dim
        return tuple(ctx.backend.view_index(a._data, key + (i,)) for i in range(a.shape[dim]))

    @staticmethod
    def backward(ctx, *grads):
        from ._ops import stack

        like = next(g for g in grads if g is not None)
        filled = [zeros_like(like) if g is None else g for g in grads]
        return stack(filled, ctx.dim), None


# -------------------------------------------------------- more reductions
# ``dims`` is a sorted tuple of non-negative dims, or None for all of them.

def _ties(a, out, dims, keepdim, nan_ties=False):
    """1 where a equals its reduction result ``out`` (broadcast back), divided by the tie count;
    with ``nan_ties`` a nan result counts the nans as its ties (torch's max()/min())."""
    full = _expand_reduced(out, a.shape, dims, keepdim)
    hits = a == full
    if nan_ties:
        hits = hits | ((a != a) & (full != full))
    hits = hits.to(a.dtype)
    count = hits.sum() if dims is None else hits.sum(dims, keepdim=True)
    return hits / count


class Amax(Op):
    """out = max of a over dims;  da = grad split evenly among the elements equal to out."""

    node_name = "AmaxBackward0"
    n_inputs = 1
    saves_output = True
    reduce = "amax"
    nan_ties = False

    @staticmethod
    def forward(ctx, a, dims, keepdim):
        ctx.dims, ctx.keepdim = dims, keepdim
        ctx.save_for_backward(a)
        return getattr(ctx.backend, ctx.__class__._op.reduce)(a._data, dims, keepdim)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        spread = _expand_reduced(grad, a.shape, ctx.dims, ctx.keepdim)
        ties = _ties(a, ctx.saved_output, ctx.dims, ctx.keepdim, ctx._op.nan_ties)
        return spread * ties, None, None


class Amin(Amax):
    """out = min of a over dims;  da = grad split evenly among the elements equal to out."""

    node_name = "AminBackward0"
    reduce = "amin"


class MaxAll(Amax):
    """out = max(a) (no dim, a 0-d value);  da = grad split evenly among the maxima."""

    node_name = "MaxBackward1"
    nan_ties = True


class MinAll(Amin):
    """out = min(a) (no dim, a 0-d value);  da = grad split evenly among the minima."""

    node_name = "MinBackward1"
    nan_ties = True


class MaxDim(Op):
    """(values, indices) = max of a along dim;  da = grad put at indices along dim."""

    node_name = "MaxBackward0"
    n_inputs = 1
    reduce = "amax"
    arg = "argmax"

    @staticmethod
    def forward(ctx, a, dim, keepdim):
        op = ctx.__class__._op
        backend = ctx.backend
        indices = getattr(backend, op.arg)(a._data, dim, True)
        values = backend.take_along_axis(a._data, indices, dim)
        ctx.shape, ctx.dim, ctx.indices = a.shape, dim, indices
        if not keepdim:
            values, indices = values.squeeze(dim), indices.squeeze(dim)
        ctx.keepdim = keepdim
        return values, indices

    @staticmethod
    def backward(ctx, grad, grad_indices=None):
        if not ctx.keepdim:
            grad = grad.unsqueeze(ctx.dim)
        return ScatterAdd.apply(grad, ctx.shape, ctx.indices, ctx.dim), None, None


class MinDim(MaxDim):
    """(values, indices) = min of a along dim;  da = grad put at indices along dim."""

    node_name = "MinBackward0"
    arg = "argmin"


class Sort(Op):
    """(values, indices) = a sorted along dim;  da = grad put back at indices."""

    node_name = "SortBackward0"
    n_inputs = 1

    @staticmethod
    def forward(ctx, a, dim, descending):
        backend = ctx.backend
        indices = backend.argsort(a._data, dim, descending)
        ctx.shape, ctx.dim, ctx.indices, ctx.keepdim = a.shape, dim, indices, True
        return backend.take_along_axis(a._data, indices, dim), indices

    backward = MaxDim.backward


class Gather(Op):
    """out = a gathered along dim at index (out[i][j] = a[i][index[i][j]] for dim 1);
    da = zeros with grad added at index (repeats add up)."""

    node_name = "GatherBackward0"
    n_inputs = 1

    @staticmethod
    def forward(ctx, a, dim, indices):
        ctx.shape, ctx.dim, ctx.indices = a.shape, dim, indices
        return ctx.backend.gather(a._data, indices, dim)

    @staticmethod
    def backward(ctx, grad):
        return ScatterAdd.apply(grad, ctx.shape, ctx.indices, ctx.dim), None, None


class ScatterAdd(Op):
    """out = zeros(shape) with g added at indices along dim (the backward of gather, max, sort);
    dg = grad gathered at indices."""

    node_name = "ScatterAddBackward0"
    n_inputs = 1

    @staticmethod
    def forward(ctx, g, shape, indices, dim):
        ctx.indices, ctx.dim = indices, dim
        return ctx.backend.scatter_add_zeros(shape, g.dtype, indices, g._data, dim)

    @staticmethod
    def backward(ctx, grad):
        return Gather.apply(grad, ctx.dim, ctx.indices), None, None, None


class Var(Op):
    """out = sum((a - mean)^2) / (n - correction) over dims;  da = grad * 2 (a - mean) / (n - correction)."""

    node_name = "VarBackward0"
    n_inputs = 1

    @staticmethod
    def forward(ctx, a, dims, correction, keepdim):
        ctx.dims, ctx.correction, ctx.keepdim = dims, correction, keepdim
        ctx.save_for_backward(a)
        return ctx.backend.var(a._data, dims, correction, keepdim)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return _var_grad(ctx, a, _expand_reduced(grad, a.shape, ctx.dims, ctx.keepdim)), None, None, None


def _var_grad(ctx, a, spread):
    dims = ctx.dims if ctx.dims is not None else tuple(range(a.ndim))
    count = 1
    for d in dims:
        count *= a.shape[d]
    centred = a - a.mean(dims, keepdim=True) if dims else a - a
    return spread * centred * 2 / float(count - ctx.correction)


class Std(Var):
    """out = sqrt(var(a));  da = grad * (a - mean) / ((n - correction) * out), 0 where out = 0."""

    node_name = "StdBackward0"
    saves_output = True

    @staticmethod
    def forward(ctx, a, dims, correction, keepdim):
        ctx.dims, ctx.correction, ctx.keepdim = dims, correction, keepdim
        ctx.save_for_backward(a)
        return ctx.backend.std(a._data, dims, correction, keepdim)  # the root before any rounding

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        out = _expand_reduced(ctx.saved_output, a.shape, ctx.dims, ctx.keepdim)
        spread = _expand_reduced(grad, a.shape, ctx.dims, ctx.keepdim)
        scaled = where(out == 0, zeros_like(out), spread / where(out == 0, ones_like(out), 2 * out))
        return _var_grad(ctx, a, scaled), None, None, None


class Norm(Op):
    """out = (sum |a|^p)^(1/p) over dims;  da = grad * sign(a) |a|^(p-1) / out^(p-1), 0 where out = 0;
    p = inf: grad split evenly among the largest |a|, times sign(a);  p = 0 (a count): no gradient."""

    node_name = "LinalgVectorNormBackward0"
    n_inputs = 1
    saves_output = True

    @staticmethod
    def forward(ctx, a, p, dims, keepdim):
        ctx.p, ctx.dims, ctx.keepdim = p, dims, keepdim
        ctx.save_for_backward(a)
        return ctx.backend.norm(a._data, p, dims, keepdim)

    @staticmethod
    def backward(ctx, grad):
        import math

        (a,) = ctx.saved_tensors
        p = ctx.p
        spread = _expand_reduced(grad, a.shape, ctx.dims, ctx.keepdim)
        out = ctx.saved_output
        if p == 0:
            return None, None, None, None
        if p == 1:
            return spread * a.sign(), None, None, None
        if math.isinf(p):
            return spread * a.sign() * _ties(a.abs(), out, ctx.dims, ctx.keepdim), None, None, None
        full = _expand_reduced(out, a.shape, ctx.dims, ctx.keepdim)
        safe = where(full == 0, ones_like(full), full)
        if p == 2:
            scale = a / safe
        else:
            scale = a * a.abs() ** (p - 2) / safe ** (p - 1)
        return spread * where(full == 0, zeros_like(full), scale), None, None, None


class Prod(Op):
    """out = prod(a) over dim;  da = grad * (product of the other elements), exact with zeros."""

    node_name = "ProdBackward0"
    n_inputs = 1
    saves_output = True

    @staticmethod
    def forward(ctx, a, dims, keepdim, dtype):
        ctx.dims, ctx.keepdim = dims, keepdim
        ctx.save_for_backward(a)
        return ctx.backend.prod(a._data, dims, keepdim, dtype)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        if a.ndim == 0:
            return grad, None, None, None  # the product of one value is that value
        dims, keepdim = ctx.dims, ctx.keepdim
        zero = a == 0
        a_or_one = where(zero, ones_like(a), a)
        if dims is None:
            zero_count, product_of_rest = zero.sum(), a_or_one.prod()
        else:
            zero_count = zero.sum(dims, keepdim=True)
            product_of_rest = a_or_one.prod(dims[0], keepdim=True)
        out = _expand_reduced(ctx.saved_output, a.shape, dims, keepdim)
        others_at_zero = product_of_rest * (zero_count == 1).to(a.dtype)
        others = where(zero, others_at_zero.expand(a.shape), out / a_or_one)
        return _expand_reduced(grad, a.shape, dims, keepdim) * others, None, None, None


class ProdDim(Prod):
    node_name = "ProdBackward1"


class Logsumexp(Op):
    """out = log(sum(exp(a))) over dims (stabilised);  da = grad * exp(a - out)."""

    node_name = "LogsumexpBackward0"
    n_inputs = 1
    saves_output = True

    @staticmethod
    def forward(ctx, a, dims, keepdim):
        ctx.dims, ctx.keepdim = dims, keepdim
        ctx.save_for_backward(a)
        return ctx.backend.logsumexp(_float_data(ctx, a), dims, keepdim)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        out = _expand_reduced(ctx.saved_output, a.shape, ctx.dims, ctx.keepdim)
        return _expand_reduced(grad, a.shape, ctx.dims, ctx.keepdim) * (a - out).exp(), None, None


class MaskedFill(Op):
    """out = value where mask, else a;  da = grad where not mask,  dvalue = sum(grad where mask)."""

    node_name = "MaskedFillBackward0"
    n_inputs = 1

    @staticmethod
    def forward(ctx, a, mask, value):
        ctx.mask = mask
        return ctx.backend.where(mask._data, data(value), a._data, a.dtype)

    @staticmethod
    def backward(ctx, grad):
        return where(ctx.mask, zeros_like(grad), grad), None, None


# ------------------------------------------------ fused nn nodes (issue 11)
# Single nodes with torch's names for the layers and losses of tensor.nn, so that a
# model's graph reads as torch's: Linear -> AddmmBackward0, nll_loss ->
# NllLossBackward0 (over LogSoftmaxBackward0 for cross_entropy), mse_loss ->
# MseLossBackward0.

def _constant(ctx, storage):
    """A Tensor around backend storage that takes no part in the graph."""
    return Tensor._make(storage, ctx.backend, False, None, 0, None)


class Addmm(Op):
    """out = bias + mat1 @ mat2;  dbias = grad (summed to bias's shape by the engine),
    dmat1 = grad @ mat2^T,  dmat2 = mat1^T @ grad."""

    node_name = "AddmmBackward0"

    @staticmethod
    def forward(ctx, bias, mat1, mat2):
        ctx.save_for_backward(mat1, mat2)
        return ctx.backend.addmm(bias._data, mat1._data, mat2._data)

    @staticmethod
    def backward(ctx, grad):
        mat1, mat2 = ctx.saved_tensors
        needs = ctx.needs_input_grad
        return (grad if needs[0] else None,
                grad @ mat2.mT if needs[1] else None,
                mat1.mT @ grad if needs[2] else None)

    @staticmethod
    def vjp(ctx, grad):
        mat1, mat2 = ctx.saved_tensors
        needs = ctx.needs_input_grad
        backend = ctx.backend
        return (grad if needs[0] else None,
                backend.matmul(grad, backend.permute(mat2._data, (1, 0))) if needs[1] else None,
                _mat2_grad(backend, mat1._data, mat2._data, grad) if needs[2] else None)


class AddmmRelu(Addmm):
    """The AddmmBackward0 node of relu(bias + mat1 @ mat2) computed by one kernel: its
    output already holds the ReLU's values, read only by the ReluOfAddmm node above it;
    the backward is Addmm's (it needs mat1 and mat2, not the output)."""

    @staticmethod
    def forward(ctx, bias, mat1, mat2):
        ctx.save_for_backward(mat1, mat2)
        return ctx.backend.addmm_relu(bias._data, mat1._data, mat2._data)


class ReluOfAddmm(Relu):
    """The ReluBackward0 node over an AddmmRelu: the kernel applied the ReLU already, so the
    output is that storage; the backward is Relu's (from the saved output)."""

    @staticmethod
    def forward(ctx, a):
        return a._data


def _mat2_grad(backend, mat1, mat2, grad):
    """mat1^T @ grad laid out as mat2 is: for a transposed mat2 (Linear's weight.t()) it is
    computed as (grad^T @ mat1)^T, as torch does, so that the weight's gradient comes out
    contiguous and its AccumulateGrad can keep it without a copy."""
    if not backend.is_contiguous(mat2) and backend.is_contiguous(backend.permute(mat2, (1, 0))):
        return backend.permute(backend.matmul(backend.permute(grad, (1, 0)), mat1), (1, 0))
    return backend.matmul(backend.permute(mat1, (1, 0)), grad)


class NllLoss(Op):
    """Negative log-likelihood of class targets t for log-probabilities a with classes
    along dim 1 (dim 0 for a single sample of shape (C,)):

    loss_i = -w[t_i] * a[i, t_i],  with w[t_i] = 0 where t_i == ignore_index;
    'sum' adds the loss_i, 'mean' divides that by sum_i w[t_i], 'none' keeps them.
    da[i, c] = -w[t_i] * g_i  at c = t_i (0 elsewhere), g_i the loss_i's gradient.
    """

    node_name = "NllLossBackward0"
    n_inputs = 1

    @staticmethod
    def forward(ctx, a, target, weight, ignore_index, reduction):
        backend = ctx.backend
        class_dim = 0 if a.ndim == 1 else 1
        ignored = backend.eq(target._data, ignore_index)
        safe_target = backend.where(ignored, 0, target._data)
        weights = backend.astype(backend.logical_not(ignored), a.dtype)
        if weight is not None and a.shape[class_dim]:  # (no classes: every target is ignored)
            weights = backend.mul(weights, backend.getitem(weight._data, safe_target), a.dtype)
        index_shape = list(target.shape)
        index_shape.insert(class_dim, 1)
        index = backend.reshape(safe_target, tuple(index_shape))
        if a.shape[class_dim] == 0:  # no classes: every target is ignored (any other was refused)
            picked = backend.full(tuple(target.shape), 0, a.dtype)
        else:
            picked = backend.reshape(backend.gather(a._data, index, class_dim), tuple(target.shape))
        losses = backend.neg(backend.mul(picked, weights))
        ctx.shape, ctx.index, ctx.class_dim = a.shape, index, class_dim
        ctx.weights, ctx.reduction = weights, reduction
        if reduction == "none":
            return losses
        total = backend.sum(losses)
        if reduction == "sum":
            return total
        ctx.total_weight = backend.sum(weights)
        return backend.div(total, ctx.total_weight)

    @staticmethod
    def backward(ctx, grad):
        per_sample = -grad * _constant(ctx, ctx.weights)
        if ctx.reduction == "mean":
            per_sample = per_sample / _constant(ctx, ctx.total_weight)
        per_sample = per_sample.reshape(ctx.backend.shape(ctx.index))
        if ctx.shape[ctx.class_dim] == 0:  # no classes: an empty gradient
            return zeros_like(per_sample).expand(*ctx.shape) * 0, None, None, None, None
        return ScatterAdd.apply(per_sample, ctx.shape, ctx.index, ctx.class_dim), None, None, None, None

    @staticmethod
    def vjp(ctx, grad):
        backend = ctx.backend
        per_sample = backend.mul(backend.neg(grad), ctx.weights)
        if ctx.reduction == "mean":
            per_sample = backend.div(per_sample, ctx.total_weight)
        per_sample = backend.reshape(per_sample, backend.shape(ctx.index))
        if ctx.shape[ctx.class_dim] == 0:  # no classes: an empty gradient
            return backend.full(tuple(ctx.shape), 0, backend.dtype_of(grad)), None, None, None, None
        return (backend.scatter_add_zeros(ctx.shape, backend.dtype_of(grad), ctx.index,
                                          per_sample, ctx.class_dim),
                None, None, None, None)


class CrossEntropyLogSoftmax(Op):
    """The LogSoftmaxBackward0 node of a fused cross_entropy (see CrossEntropyNllLoss).

    Its output aliases the logits and is read only by the NllLossBackward0 node above
    it, whose kernel computes log_softmax and the loss together; the gradient that node
    sends is already d(loss)/d(logits), so this node passes it on: da = grad.
    """

    node_name = "LogSoftmaxBackward0"
    n_inputs = 1

    @staticmethod
    def forward(ctx, a, dim):
        return a._data

    @staticmethod
    def backward(ctx, grad):
        return grad, None

    @staticmethod
    def vjp(ctx, grad):
        return grad, None


class CrossEntropyNllLoss(Op):
    """cross_entropy(x, t) = nll_loss(log_softmax(x), t) for x (N, C) or (C,), fused: one
    backend call computes the loss and d(loss)/d(x) = w_t (softmax(x) - onehot(t))
    (divided by sum_n w_t for 'mean'); the backward scales that by grad (one kernel).
    With create_graph the gradient is that of the composed graph
    NllLoss(LogSoftmax(x)), built from differentiable ops, so it differentiates again.
    """

    node_name = "NllLossBackward0"
    n_inputs = 1

    @staticmethod
    def forward(ctx, x, target, weight, ignore_index, reduction, class_dim):
        ctx.save_for_backward(x)
        ctx.loss_args = (target, weight, ignore_index, reduction)
        ctx.class_dim = class_dim
        loss, ctx.grad_logits = ctx.backend.cross_entropy(
            x._data, target._data, None if weight is None else weight._data, ignore_index, reduction)
        return loss

    @staticmethod
    def backward(ctx, grad):
        from .autograd import grad as gradient_of

        (x,) = ctx.saved_tensors
        composed = NllLoss.apply(LogSoftmax.apply(x, ctx.class_dim), *ctx.loss_args)
        (grad_x,) = gradient_of(composed, x, grad, create_graph=True)
        return grad_x, None, None, None, None, None

    @staticmethod
    def vjp(ctx, grad):
        reduction = ctx.loss_args[3]
        return (ctx.backend.cross_entropy_backward(grad, ctx.grad_logits, reduction),
                None, None, None, None, None)


class NllLoss2d(NllLoss):
    """nll_loss over inputs with spatial dims (N, C, d1, ...): torch's name for that node."""

    node_name = "NllLoss2DBackward0"


class MseLoss(Op):
    """out = reduce((a - b)^2) ('mean' divides by the element count n, 'sum', 'none');
    da = 2 (a - b) grad (/ n for 'mean'),  db = -da."""

    node_name = "MseLossBackward0"
    n_inputs = 2

    @staticmethod
    def forward(ctx, a, b, reduction):
        backend = ctx.backend
        ctx.save_for_backward(a, b)
        diff = backend.sub(a._data, b._data, binary_dtype(a, b))
        squared = backend.mul(diff, diff)
        ctx.scale = 2.0 / max(backend.prod_of(backend.shape(diff)), 1) if reduction == "mean" else 2.0
        if reduction == "none":
            return squared
        return backend.sum(squared) if reduction == "sum" else backend.mean(squared)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        grad_a = (a - b) * (grad * ctx.scale)
        needs = ctx.needs_input_grad
        return (grad_a if needs[0] else None), (-grad_a if needs[1] else None), None

    @staticmethod
    def vjp(ctx, grad):
        a, b = ctx.saved_tensors
        backend = ctx.backend
        diff = backend.sub(a._data, b._data, binary_dtype(a, b))
        grad_a = backend.mul(diff, backend.mul(grad, ctx.scale))
        needs = ctx.needs_input_grad
        return (grad_a if needs[0] else None), (backend.neg(grad_a) if needs[1] else None), None


class AsStrided(Op):
    """out = the view of a's elements (in contiguous order) with ``shape`` and ``strides``
    (in elements) from ``offset``, e.g. the overlapping windows of im2col;
    da = every element of grad added back at the position it was read from."""

    node_name = "AsStridedBackward0"
    n_inputs = 1

    @staticmethod
    def forward(ctx, a, shape, strides, offset=0):
        ctx.shape, ctx.strides, ctx.offset = a.shape, strides, offset
        backend = ctx.backend
        return backend.as_strided(backend.contiguous(a._data), shape, strides, offset)

    @staticmethod
    def backward(ctx, grad):
        return AsStridedScatter.apply(grad, ctx.shape, ctx.strides, ctx.offset), None, None, None

    @staticmethod
    def vjp(ctx, grad):
        return ctx.backend.as_strided_backward(grad, ctx.shape, ctx.strides, ctx.offset), None, None, None


class AsStridedScatter(Op):
    """The adjoint of AsStrided: out = zeros(shape) with g's elements added where the strided
    view reads them;  dg = grad read through the same strided view."""

    node_name = "AsStridedScatterBackward0"
    n_inputs = 1

    @staticmethod
    def forward(ctx, g, shape, strides, offset=0):
        ctx.view_shape, ctx.strides, ctx.offset = g.shape, strides, offset
        return ctx.backend.as_strided_backward(ctx.backend.contiguous(g._data), shape, strides, offset)

    @staticmethod
    def backward(ctx, grad):
        return AsStrided.apply(grad, ctx.view_shape, ctx.strides, ctx.offset), None, None, None


class Erf(Op):
    """out = erf(a) (for the exact GELU);  da = grad * 2 / sqrt(pi) * exp(-a^2)."""

    node_name = "ErfBackward0"

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return ctx.backend.erf(_float_data(ctx, a))

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * (2 / 3.141592653589793 ** 0.5) * (-(a * a)).exp()


class Gelu(Op):
    """out = a Phi(a) = a / 2 (1 + erf(a / sqrt 2));
    da = grad (Phi(a) + a exp(-a^2 / 2) / sqrt(2 pi)).
    With approximate='tanh': out = a / 2 (1 + tanh(k (a + c a^3))), k = sqrt(2 / pi),
    c = 0.044715;  da = grad (1/2 (1 + t) + a / 2 (1 - t^2) k (1 + 3 c a^2)), t = tanh(...)."""

    node_name = "GeluBackward0"
    n_inputs = 1
    _k, _c = (2 / 3.141592653589793) ** 0.5, 0.044715

    @staticmethod
    def forward(ctx, a, approximate):
        ctx.save_for_backward(a)
        ctx.approximate = approximate
        backend = ctx.backend
        x = _float_data(ctx, a)
        if approximate == "tanh":
            cube = backend.mul(backend.mul(x, x), x)
            inner = backend.tanh(backend.mul(backend.add(x, backend.mul(cube, Gelu._c)), Gelu._k))
        else:
            inner = backend.erf(backend.mul(x, 0.5 ** 0.5))
        return backend.mul(backend.mul(x, 0.5), backend.add(inner, 1))

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        if ctx.approximate == "tanh":
            t = (Gelu._k * (a + Gelu._c * a * a * a)).tanh()
            slope = 0.5 * (1 + t) + 0.5 * a * (1 - t * t) * Gelu._k * (1 + 3 * Gelu._c * a * a)
        else:
            cdf = 0.5 * (1 + Erf.apply(a * 0.5 ** 0.5))
            slope = cdf + a * (-0.5 * a * a).exp() * (1 / (2 * 3.141592653589793) ** 0.5)
        return grad * slope, None
