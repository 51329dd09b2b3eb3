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
from .graph import InputMeta, Node, SavedTensor, record_forward_trace

_state = grad_mode.state
# The Tensor class; bound by tensor._tensor, which imports this module first.
Tensor = None


class OpNode(Node):
    """The node of a built-in op; its class is named as torch names it (``MulBackward0``)."""

    _op = None
    _saved_output = None
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
        return self.saved_output._data

    def _release_extra(self) -> None:
        self._index_guard = ()
        if self._saved_output is not None:
            self._saved_output = None
            self._released = True

    @property
    def needs_input_grad(self) -> tuple:
        return tuple(fn is not None for fn, _ in self.next_functions)

    def apply(self, grads, create_graph):
        op = self._op
        if self.num_outputs > 1:
            if all(g is None for g in grads):
                return (None,) * len(self.next_functions)
            grads = self._materialize(grads)
        elif grads[0] is None:
            return (None,) * len(self.next_functions)
        for saved in self._index_guard:
            saved.unpack(self)  # raises torch's error if an index tensor changed in place
        if not create_graph and op.vjp is not None:
            return op.vjp(self, *grads)
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
                return meta.backend
        return None


class Op:
    """Base of the built-in differentiable ops (see module docstring)."""

    node_name = None
    saves_output = False
    is_view = False
    vjp = None
    # How many leading forward arguments are graph inputs (tensors or numbers
    # in their place); the rest are settings such as dims. None: all of them.
    n_inputs = None
    # True for an op whose output lives on another device (its forward sets
    # ``ctx.output_backend``): the output is wrapped for that backend.
    changes_device = False

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if "node_name" in cls.__dict__ and cls.node_name is not None:
            cls._node_class = type(cls.node_name, (OpNode,), {"_op": cls})

    @classmethod
    def apply(cls, *args):
        """Run the forward on storage and record a node when any input requires grad."""
        backend = None
        requires_grad = False
        for a in args[:cls.n_inputs]:
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
        _connect(ctx, args[:cls.n_inputs])
        if cls.is_view:
            out = _make_view(data, backend, True, ctx, args[0], cls, args[1:])
        else:
            out = Tensor._make(data, backend, True, ctx, 0, None)
        if cls.saves_output:
            ctx._saved_output = SavedTensor(out, True)
        return out

    @classmethod
    def _wrap_outputs(cls, ctx, args, datas, backend, requires_grad):
        if requires_grad:
            _connect(ctx, args[:cls.n_inputs])
            ctx.num_outputs = len(datas)
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
    return out


def _connect(ctx, args) -> None:
    """Give the node its edges to the inputs' nodes and the inputs' shapes and dtypes."""
    edges = []
    metas = []
    for a in args:
        if isinstance(a, Tensor) and a._requires_grad:
            edges.append(a._gradient_edge())
            metas.append(InputMeta(a._backend.shape(a._data), a.dtype, a._backend))
        else:
            edges.append((None, 0))
            metas.append(None)
    ctx.next_functions = tuple(edges)
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
        n_inputs = len(self.next_functions)
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
        for grad, (fn, _), meta in zip(result, self.next_functions, self._input_meta):
            if grad is None or fn is None:
                out.append(None)
                continue
            if not isinstance(grad, Tensor):
                raise TypeError(f"{self.name()}.backward must return Tensors or None, got "
                                f"{type(grad).__name__}")
            if tuple(grad.shape) != tuple(meta.shape) and grad.numel() != 0:
                try:
                    backend.broadcast_shapes(meta.shape, grad.shape)
                except ValueError:
                    raise RuntimeError(
                        f"Function {self.name()} returned an invalid gradient at index "
                        f"{len(out)} - got {list(grad.shape)} but expected shape compatible "
                        f"with {list(meta.shape)}"
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
