"""Functions: how an operation records itself in the graph.

Two kinds share one mechanism:

* :class:`Op` is the built-in kind (every op in :mod:`tensor._derivatives`).
  ``forward(ctx, *args)`` computes on backend storage and returns it;
  ``backward(ctx, grad)`` returns the input gradients written with
  differentiable Tensor operations (so ``create_graph=True`` gives
  derivatives of any order); an optional ``vjp(ctx, grad)`` computes the same
  on raw storage with a fused backend primitive and is used when no graph of
  the backward is wanted.
* :class:`Function` is torch's ``torch.autograd.Function`` for users:
  ``forward(ctx, *args)`` and ``backward(ctx, *grads)`` on Tensors, ``apply``,
  ``ctx.save_for_backward``, ``ctx.saved_tensors``, ``ctx.needs_input_grad``,
  ``ctx.mark_dirty``, ``ctx.mark_non_differentiable``,
  ``ctx.set_materialize_grads``.

In both, the ``ctx`` is the graph node itself, as in torch.
"""

from __future__ import annotations

from ..backends import device_mismatch
from . import grad_mode
from .graph import Node, SavedTensor, _sequence, record_forward_trace

_state = grad_mode.state
# The Tensor class; bound by tensor._tensor, which imports this module first.
Tensor = None


class OpNode(Node):
    """The node of a built-in op; its class is named as torch names it (``MulBackward0``)."""

    _op = None
    _index_guard = ()

    @property
    def saved_output(self):
        """The op's output, for backward formulas written in terms of it (exp, tanh, ...)."""
        saved = self._saved_output
        if saved is None:
            if self._released:
                from .graph import _FREED_MESSAGE

                raise RuntimeError(_FREED_MESSAGE)
            return None
        return saved.unpack(self)

    @property
    def saved_output_data(self):
        """Storage of the op's output (version-checked), for fused VJPs."""
        saved = self._saved_output
        if saved is None:
            return self.saved_output._data  # raises the freed-graph error, or None's
        return saved.unpack_data(self)

    def release(self) -> None:
        """Free what was saved for backward: inputs, output, index guards."""
        if self._saved is not None or self._saved_output is not None:
            self._saved = self._saved_output = None
            self._released = True
        if self._index_guard:
            self._index_guard = ()

    @property
    def needs_input_grad(self) -> tuple:
        return tuple(fn is not None for fn in self._next_nodes)

    def apply(self, grads, create_graph):
        op = self._op
        if self.num_outputs == 1 and not create_graph and not self._index_guard:
            # the common case first: one output, its fused VJP on storage
            grad = grads[0]
            if grad is None:
                return (None,) * len(self._next_nodes)
            if op.vjp is not None:
                return op.vjp(self, grad)
        if self.num_outputs > 1:
            if all(g is None for g in grads):
                return (None,) * len(self._next_nodes)
            grads = self._materialize(grads)
        elif grads[0] is None:
            return (None,) * len(self._next_nodes)
        for saved in self._index_guard:
            saved.unpack(self)  # raises torch's error if an index tensor changed in place
        if not create_graph and op.vjp is not None:
            return op.vjp(self, *grads)
        if create_graph and self.num_outputs == 1 and isinstance(grads[0], Tensor):
            result = op.backward(self, grads[0])  # the gradient is a Tensor already
            return result if type(result) is tuple else (result,)
        backend = self._input_meta_backend()
        tensor_grads = [
            g if g is None or isinstance(g, Tensor) else Tensor._make(g, backend, False, None, 0, None)
            for g in grads
        ]
        result = op.backward(self, *tensor_grads)
        if not isinstance(result, tuple):
            result = (result,)
        if create_graph:
            return result
        return tuple(None if g is None else g._data for g in result)

    def _materialize(self, grads):
        """Zeros for the outputs of a multi-output op that received no gradient."""
        backend = self._input_meta_backend()
        return [
            backend.full(shape, 0, dtype) if g is None else g
            for g, (shape, dtype) in zip(grads, self._output_info)
        ]

    def _input_meta_backend(self):
        for meta in self._input_meta:
            if meta is not None:
                return meta[2]
        return None


class Op:
    """Base of the built-in differentiable ops (see module docstring)."""

    node_name = None
    saves_output = False
    # True: the backward needs the (first) input, saved version-checked as ``ctx._saved``.
    saves_input = False
    is_view = False
    vjp = None
    # For the lean path (:func:`apply_unary`, :func:`apply_binary`): the backend function
    # that computes the forward on storage, and for a binary op
    # ``save_operands(ctx, a, b, a_requires_grad, b_requires_grad)``, what its backward keeps
    # (None: nothing).
    primitive = None
    save_operands = None
    # Class attributes of the op's node: defaults of what its forward sets on the ctx.
    node_defaults = {}
    # How many leading forward arguments are graph inputs (tensors or numbers
    # in their place); the rest are settings such as dims. None: all of them.
    n_inputs = None
    # True for an op whose output lives on another device (its forward sets
    # ``ctx.output_backend``): the output is wrapped for that backend.
    changes_device = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "node_name" in cls.__dict__ and cls.node_name is not None:
            # _fused: the op's VJP on storage as a method of the node (the engine's fast call)
            cls._node_class = type(cls.node_name, (OpNode,),
                                   {"_op": cls, "_fused": cls.vjp, **cls.node_defaults})

    @classmethod
    def apply(cls, *args):
        """Run the forward on storage and record a node when any input requires grad."""
        backend = None
        requires_grad = False
        inputs = args if cls.n_inputs is None else args[:cls.n_inputs]
        for a in inputs:
            if isinstance(a, Tensor):
                if backend is None:
                    backend, first = a._backend, a
                elif a._backend is not backend:
                    raise device_mismatch(a.device, first.device)
                if a._base is not None and a._view_version != a._version_counter[0]:
                    a._refresh_view()
                if a._requires_grad:
                    requires_grad = True
        ctx = cls._node_class()
        ctx.backend = backend
        data = cls.forward(ctx, *args)
        if cls.changes_device:
            backend = ctx.output_backend
        requires_grad = requires_grad and _state.grad_enabled
        if type(data) is tuple:
            return cls._wrap_outputs(ctx, args, data, backend, requires_grad)
        if requires_grad and not backend.dtype_of(data).is_floating_point:
            requires_grad = False  # integer and bool results never require grad, as in torch
        if not requires_grad:
            if cls.is_view:
                return _make_view(data, backend, False, None, args[0], cls, args[1:])
            return Tensor._make(data, backend, False, None, 0, None)
        _connect(ctx, inputs)
        if cls.is_view:
            out = _make_view(data, backend, True, ctx, args[0], cls, args[1:])
        else:
            out = Tensor._make(data, backend, True, ctx, 0, None)
        if cls.saves_output:
            ctx._saved_output = SavedTensor(out, True)
        elif cls.saves_input:
            ctx._saved = (SavedTensor(args[0], False),)
        return out

    @classmethod
    def _wrap_outputs(cls, ctx, args, datas, backend, requires_grad):
        if requires_grad:
            _connect(ctx, args[:cls.n_inputs])
            ctx.num_outputs = len(datas)
            ctx._fused = None  # several outputs: OpNode.apply materializes missing gradients
            ctx._output_info = tuple((backend.shape(d), backend.dtype_of(d)) for d in datas)
        outs = []
        for i, data in enumerate(datas):
            differentiable = requires_grad and backend.dtype_of(data).is_floating_point
            if cls.is_view:
                out = _make_view(data, backend, differentiable, ctx if differentiable else None,
                                 args[0], None, None)
                out._output_nr = i
            else:
                out = Tensor._make(data, backend, differentiable, ctx if differentiable else None, i, None)
            outs.append(out)
        return tuple(outs)


# ------------------------------------------------------------------ the lean path
#
# Most ops in a training loop or a chain of small ops are elementwise ops on float32 or
# float64 tensors of one dtype and one device (or a tensor and a Python number), with no view
# to refresh and anomaly mode off. For those the two functions below decide dtype,
# broadcasting and requires_grad with as few calls as possible and build the same node as
# Op.apply would (same class, edges, input metadata and saved values, so the same backward
# runs). Anything else makes them return None before computing anything (or after a failed
# computation, whose error the general path then raises with torch's wording): the caller
# takes the general path, Op.apply, which keeps every torch behaviour.
#
# Both write out the output tensor's and the node's fields rather than call a helper for
# them: a call costs about 75 ns here, 5-8% of a tiny op (measured by factoring them out).

def apply_unary(cls, a):
    """``cls``'s forward of one float tensor on the lean path, or None for the general path."""
    backend = a._backend
    data = a._data
    if a._base is not None or _state.anomaly:
        return None
    lean = backend.lean_unary(cls.primitive, data)  # dtype decided and computed
    if lean is None:
        return None
    result, dtype, shape = lean
    out = _new_tensor(Tensor)
    out._data = result
    out._backend = backend
    out._output_nr = 0
    out._version_counter = [0]
    if not (a._requires_grad and _state.grad_enabled):
        out._requires_grad = False
        out._grad_fn = None
        return out
    node = _new_node(cls._node_class)
    node._sequence_nr = next(_sequence)
    node.backend = backend
    a_node, a_nr = _edge(a)
    node._next_nodes = (a_node,)
    node._next_nrs = _ZERO_NR if a_nr == 0 else (a_nr,)
    key = (shape, None, dtype, backend)
    metas = _shared_metas.get(key)
    node._input_meta = metas if metas is not None else _share_metas(key, 1)
    node._exact = True  # elementwise: the VJP gives the input's shape and dtype
    out._requires_grad = True
    out._grad_fn = node
    node._saved_output = SavedTensor(out, True) if cls.saves_output else None
    node._saved = (SavedTensor(a, False),) if cls.saves_input else None
    return out


def apply_binary(cls, a, b):
    """``cls``'s forward of tensor ``a`` and tensor-or-number ``b`` on the lean path, or None for
    the general path. ``cls.save_operands`` keeps what the backward needs."""
    backend = a._backend
    if a._base is not None or _state.anomaly:
        return None
    if isinstance(b, Tensor):
        if b._backend is not backend or b._base is not None:
            return None
        b_data = b._data
        b_requires_grad = b._requires_grad
    elif type(b) is float or type(b) is int:
        b_data = b
        b_requires_grad = False
    else:
        return None
    a_data = a._data
    try:
        lean = backend.lean_binary(cls.primitive, a_data, b_data)  # dtype decided and computed
    except (ValueError, RuntimeError, OverflowError):
        return None  # shapes that do not broadcast, an int too large: the general path says so
    if lean is None:
        return None
    result, dtype, a_shape, b_shape = lean
    out = _new_tensor(Tensor)
    out._data = result
    out._backend = backend
    out._output_nr = 0
    out._version_counter = [0]
    a_requires_grad = a._requires_grad
    if not ((a_requires_grad or b_requires_grad) and _state.grad_enabled):
        out._requires_grad = False
        out._grad_fn = None
        return out
    node = _new_node(cls._node_class)
    node._sequence_nr = next(_sequence)
    node.backend = backend
    a_node, a_nr = _edge(a) if a_requires_grad else _NO_EDGE
    b_node, b_nr = _edge(b) if b_requires_grad else _NO_EDGE
    node._next_nodes = (a_node, b_node)
    node._next_nrs = _ZERO_NRS if a_nr == 0 and b_nr == 0 else (a_nr, b_nr)
    key = (a_shape if a_requires_grad else None, b_shape if b_requires_grad else None, dtype, backend)
    metas = _shared_metas.get(key)
    node._input_meta = metas if metas is not None else _share_metas(key, 2)
    # no broadcasting (one shape, or a number): each VJP gives its input's shape and dtype
    node._exact = b_shape is None or a_shape == b_shape
    node._saved_output = None
    if cls.save_operands is not None:
        cls.save_operands(node, a, b, a_requires_grad, b_requires_grad)
    else:
        node._saved = None
    out._requires_grad = True
    out._grad_fn = node
    return out


_NO_EDGE = (None, 0)
_ZERO_NR, _ZERO_NRS = (0,), (0, 0)  # the output numbers of most nodes' inputs, shared


def _edge(t):
    """``t._gradient_edge()`` for a tensor that requires grad, its common case inlined."""
    grad_fn = t._grad_fn
    return (grad_fn, t._output_nr) if grad_fn is not None else t._gradient_edge()


# The lean path's nodes share their ``_input_meta`` tuples: one per (shapes, dtype, backend)
# seen, instead of three new tuples per node for the garbage collector to walk on every
# pass over a large graph.
_shared_metas = {}


def _share_metas(key, n_inputs):
    """The ``_input_meta`` of a lean node with ``key = (a_shape, b_shape, dtype, backend)``."""
    a_shape, b_shape, dtype, backend = key
    metas = tuple(None if shape is None else (shape, dtype, backend) for shape in (a_shape, b_shape))
    if len(_shared_metas) >= 4096:  # many distinct shapes: start over rather than grow
        _shared_metas.clear()
    _shared_metas[key] = metas[:n_inputs]
    return metas[:n_inputs]
_new_tensor = _new_node = object.__new__  # the nodes' __init__ only numbers them, done inline


def guard_indices(out, index_tensors):
    """Make the backward of ``out``'s node refuse to run once an index tensor changed in place.

    Index tensors (of advanced indexing, gather, the indices that max/min(dim)
    and sort return) decide where the gradient goes; the node keeps their
    versions as torch saves them, and backward raises torch's in-place error
    instead of scattering the gradient to the wrong places. Returns ``out``.
    """
    node = out._grad_fn
    if node is not None and index_tensors:
        node._index_guard = tuple(SavedTensor(t, False) for t in index_tensors)
        node._fused = None  # OpNode.apply checks the guard first
    return out


def _connect(ctx, args) -> None:
    """Give the node its edges to the inputs' nodes and the inputs' shapes and dtypes."""
    nodes = []
    output_nrs = []
    metas = []
    for a in args:
        if isinstance(a, Tensor) and a._requires_grad:
            node, output_nr = _edge(a)
            nodes.append(node)
            output_nrs.append(output_nr)
            backend, data = a._backend, a._data
            metas.append((backend.shape(data), backend.dtype_of(data), backend))
        else:
            nodes.append(None)
            output_nrs.append(0)
            metas.append(None)
    ctx._next_nodes = tuple(nodes)
    ctx._next_nrs = tuple(output_nrs)
    ctx._input_meta = tuple(metas)
    if _state.anomaly:
        record_forward_trace(ctx)


def _make_view(data, backend, requires_grad, grad_fn, source, op, extra):
    """An output that shares storage with ``source``: same version counter, ``_base`` set.

    The chain of view ops from the base is kept so that an in-place change of
    the view can be replayed on the base's gradient (see Tensor._inplace).
    """
    out = Tensor._make(data, backend, requires_grad, grad_fn, 0, source._version_counter)
    base = source._base if source._base is not None else source
    out._base = base
    out._view_version = source._version_counter[0]
    chain = source._view_chain if source._base is not None else ()
    out._view_chain = chain + ((op, extra),) if op is not None and chain is not None else None
    return out


class _FunctionMeta(type):
    """Gives each user Function its own node class named ``<Name>Backward``, as torch does."""

    def __init__(cls, name, bases, namespace):
        super().__init__(name, bases, namespace)
        cls._node_class = type(name + "Backward", (FunctionCtx,), {"_function": cls})


class FunctionCtx(Node):
    """The ctx of a user Function, and its node in the graph."""

    _function = None
    _materialize_grads = True
    _dirty = ()
    _non_differentiable = ()
    _output_info = ()

    def mark_dirty(self, *tensors) -> None:
        """Declare inputs modified in place by forward (they become outputs)."""
        self._dirty = tensors

    def mark_non_differentiable(self, *tensors) -> None:
        """Declare outputs that get no gradient (e.g. indices)."""
        self._non_differentiable = tensors

    def set_materialize_grads(self, value: bool) -> None:
        """With False, backward receives None for outputs that got no gradient."""
        self._materialize_grads = value

    def apply(self, grads, create_graph):
        backend = self._backend
        tensor_grads = []
        for grad, info in zip(grads, self._output_info):
            if grad is None and self._materialize_grads and info is not None:
                shape, dtype = info
                grad = backend.full(shape, 0, dtype)
            if grad is not None and not isinstance(grad, Tensor):
                grad = Tensor._make(grad, backend, False, None, 0, None)
            tensor_grads.append(grad)
        result = self._function.backward(self, *tensor_grads)
        if not isinstance(result, tuple):
            result = (result,)
        n_inputs = len(self._next_nodes)
        if len(result) < n_inputs:
            raise RuntimeError(
                f"function {self.name()} returned an incorrect number of gradients "
                f"(expected {n_inputs}, got {len(result)})"
            )
        result = result[:n_inputs] if all(r is None for r in result[n_inputs:]) else result
        if len(result) != n_inputs:
            raise RuntimeError(
                f"function {self.name()} returned an incorrect number of gradients "
                f"(expected {n_inputs}, got {len(result)})"
            )
        out = []
        for grad, fn, meta in zip(result, self._next_nodes, self._input_meta):
            if grad is None or fn is None:
                out.append(None)
                continue
            if not isinstance(grad, Tensor):
                raise TypeError(f"{self.name()}.backward must return Tensors or None, got "
                                f"{type(grad).__name__}")
            if tuple(grad.shape) != tuple(meta[0]) and grad.numel() != 0:
                try:
                    backend.broadcast_shapes(meta[0], grad.shape)
                except ValueError:
                    raise RuntimeError(
                        f"Function {self.name()} returned an invalid gradient at index "
                        f"{len(out)} - got {list(grad.shape)} but expected shape compatible "
                        f"with {list(meta[0])}"
                    ) from None
            out.append(grad if create_graph else grad._data)
        return tuple(out)


class Function(metaclass=_FunctionMeta):
    """Base class for custom differentiable operations, as ``torch.autograd.Function``.

    Subclass it with static ``forward(ctx, *args)`` and ``backward(ctx,
    *grad_outputs)``, then call ``MyFunction.apply(*args)``. ``forward`` runs
    with grad recording off; ``backward`` returns one gradient (or None) per
    forward argument, and itself records a graph under ``create_graph=True``.
    """

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError("You must implement the forward function for custom autograd.Function.")

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError(
            "You must implement either the backward or vjp method for your custom "
            "autograd.Function to use it with backward mode AD."
        )

    @classmethod
    def apply(cls, *args, **kwargs):
        ctx = cls._node_class()
        tensor_args = [a for a in args if isinstance(a, Tensor)]
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        backend = tensor_args[0]._backend if tensor_args else None
        ctx._backend = backend
        with grad_mode.no_grad():
            outputs = cls.forward(ctx, *args, **kwargs)
        is_tuple = isinstance(outputs, tuple)
        outputs_tuple = outputs if is_tuple else (outputs,)
        requires_grad = _state.grad_enabled and any(ctx.needs_input_grad)
        if not requires_grad:
            return outputs
        _connect(ctx, args)
        input_ids = {id(a) for a in tensor_args}
        dirty_ids = {id(t) for t in ctx._dirty}
        non_diff_ids = {id(t) for t in ctx._non_differentiable}
        results = []
        infos = []
        for i, out in enumerate(outputs_tuple):
            if not isinstance(out, Tensor):
                results.append(out)
                infos.append(None)
                continue
            if id(out) in non_diff_ids or not out.dtype.is_floating_point:
                infos.append((out.shape, out.dtype))  # its backward input: zeros, as in torch
                if id(out) in input_ids and id(out) not in dirty_ids:
                    out = out.detach()
                out._requires_grad = False
                results.append(out)
                continue
            if id(out) in dirty_ids:
                if out._grad_fn is None and out._requires_grad:
                    raise RuntimeError(
                        "a leaf Variable that requires grad has been used in an in-place operation."
                    )
            elif id(out) in input_ids:
                out = out.view_as(out)
            out._grad_fn = ctx
            out._output_nr = i
            out._requires_grad = True
            infos.append((out.shape, out.dtype))
            results.append(out)
        ctx.num_outputs = len(outputs_tuple)
        ctx._output_info = tuple(infos)
        return tuple(results) if is_tuple else results[0]


class once_differentiable:
    """Decorator for a backward that cannot itself be differentiated (runs without recording)."""

    def __new__(cls, fn):
        import functools

        @functools.wraps(fn)
        def wrapper(ctx, *args):
            with grad_mode.no_grad():
                return fn(ctx, *args)

        return wrapper
