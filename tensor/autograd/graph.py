"""The backward graph and the engine that walks it.

Every differentiable operation that records history creates one
:class:`Node` (torch calls it a ``grad_fn``): it knows its inputs' nodes
(``next_functions``), the shapes and dtypes its input gradients must have, and
how to turn the gradients of its outputs into gradients of its inputs. Leaves
that require grad get an :class:`AccumulateGrad` node which adds into
``.grad``.

:func:`run_backward` is the engine: it counts, with an iterative traversal,
how many edges lead into each node; then it runs nodes in reverse creation
order as soon as all their gradients have arrived (the same order torch uses),
summing gradients per node in an input buffer. Broadcasting is undone in one
place (:func:`conform`): each gradient is summed back to its input's
shape and cast to its dtype. Gradients flow as raw backend arrays when no
graph of the backward is being built (fast), and as Tensors when
``create_graph=True`` (so the backward itself is differentiable).
"""

from __future__ import annotations

import heapq
import itertools
import re
import sys
import traceback
import warnings
import weakref

from . import grad_mode

# The Tensor class; bound by tensor._tensor, which imports this module first.
Tensor = None

_sequence = itertools.count()
_hook_ids = itertools.count()

_FREED_MESSAGE = (
    "Trying to backward through the graph a second time (or directly access saved tensors "
    "after they have already been freed). Saved intermediate values of the graph are freed "
    "when you call .backward() or autograd.grad(). Specify retain_graph=True if you need to "
    "backward through the graph a second time or if you need to access saved tensors after "
    "calling backward."
)


class RemovableHandle:
    """Returned by ``register_hook``; ``remove()`` unregisters the hook (idempotent)."""

    __slots__ = ("_hooks_ref", "id")

    def __init__(self, hooks: dict):
        self._hooks_ref = weakref.ref(hooks) if hasattr(hooks, "__weakref__") else (lambda: hooks)
        self.id = next(_hook_ids)

    def remove(self) -> None:
        hooks = self._hooks_ref()
        if hooks is not None:
            hooks.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


class HookDict(dict):
    """A dict of hooks that handles can hold weakly."""

    __slots__ = ("__weakref__",)


def add_hook(hooks: HookDict, fn) -> RemovableHandle:
    handle = RemovableHandle(hooks)
    hooks[handle.id] = fn
    return handle


def conform(meta, grad, create_graph: bool):
    """Sum ``grad`` back to its input's shape (undoing broadcasting) and cast to its dtype.

    The one place where broadcasting is undone in the backward pass. ``meta`` is
    what a gradient flowing to that input must look like, ``(shape, dtype,
    backend)``: a plain tuple per input in the node's ``_input_meta`` (the
    cheapest allocation there is; lean nodes share theirs).
    """
    shape, dtype, backend = meta
    if create_graph:  # a Tensor: differentiable sum and cast, when needed
        if grad._backend.shape(grad._data) != shape:
            grad = grad.sum_to_size(shape)
        if grad._backend.dtype_of(grad._data) is not dtype:
            grad = grad.to(dtype)
        return grad
    return backend.conform(grad, shape, dtype)


class SavedTensor:
    """A tensor saved for backward, with the version it had when saved.

    An input is kept by reference. An output is kept as its storage and
    version counter only, and rebuilt on unpacking with the node as its
    ``grad_fn``: holding the output itself would make a reference cycle
    (output -> grad_fn -> output).
    """

    __slots__ = ("tensor", "data", "version_counter", "version", "output_nr", "requires_grad")

    def __init__(self, tensor, is_output: bool):
        self.version_counter = tensor._version_counter
        self.version = self.version_counter[0]
        if is_output:
            self.tensor = None
            self.data = tensor._data
            self.output_nr = tensor._output_nr
            self.requires_grad = tensor._requires_grad  # an output just made: its view is current
        else:
            self.tensor = tensor
            self.data = None

    def unpack_data(self, node):
        """The saved storage only (for VJPs on storage), after the same version check."""
        if self.version_counter[0] != self.version:
            self.unpack(node)  # raises torch's in-place error
        return self.data if self.tensor is None else self.tensor._data

    def unpack(self, node):
        if self.version_counter[0] != self.version:
            tensor = self.tensor
            if tensor is None:
                grad_fn, data = node, self.data
            else:
                grad_fn, data = tensor.grad_fn, tensor._data
            type_name = _legacy_type_name(tensor if tensor is not None else data, node)
            shape = list(node_backend(node).shape(data))
            where = ""
            if tensor is not None and tensor._base is not None:
                # torch regenerates a view whose base changed as an as_strided view of it
                where = f", which is output {tensor._output_nr} of AsStrided,"
            elif grad_fn is not None:
                output_nr = self.output_nr if tensor is None else tensor._output_nr
                where = f", which is output {output_nr} of {_short_name(grad_fn)},"
            raise RuntimeError(
                "one of the variables needed for gradient computation has been modified by an "
                f"inplace operation: [{type_name} {shape}]{where} is at version "
                f"{self.version_counter[0]}; expected version {self.version} instead. Hint: enable "
                "anomaly detection to find the operation that failed to compute its gradient, "
                "with torch.autograd.set_detect_anomaly(True, check_nan=False)."
            )
        if self.tensor is not None:
            return self.tensor
        return Tensor._make(
            self.data, node_backend(node), self.requires_grad, node, self.output_nr, self.version_counter
        )


_LEGACY = {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16",
           "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
           "bool": "Bool"}


def _legacy_type_name(tensor_or_data, node) -> str:
    if isinstance(tensor_or_data, Tensor):
        dtype, backend = tensor_or_data.dtype, tensor_or_data._backend
    else:
        backend = node_backend(node)
        dtype = backend.dtype_of(tensor_or_data)
    on_cuda = backend.device_type == "cuda"
    if dtype.name == "bool":
        # torch's legacy name for bool tensors differs from the others
        return "CUDABoolType" if on_cuda else "CPUBoolType"
    return f"torch.{'cuda.' if on_cuda else ''}{_LEGACY[dtype.name]}Tensor"


def _short_name(node) -> str:
    return re.sub(r"Backward\d*$", "", node.name())


def node_backend(node):
    for meta in node._input_meta:
        if meta is not None:
            return meta[2]
    from ..backends import numpy_backend

    return numpy_backend


class Node:
    """A backward function: maps gradients of an op's outputs to gradients of its inputs.

    Attributes mirror torch's: ``next_functions`` is a tuple of ``(node,
    output_nr)`` per input (``(None, 0)`` for inputs that need no gradient),
    ``name()`` is the class name (``MulBackward0``), ``register_hook`` and
    ``register_prehook`` add hooks on the node itself. The node is also the
    ``ctx`` its op's forward saved things on.
    """

    # Every node sets these (slots: no per-node dict for them); the rest are class
    # defaults that the few nodes needing them override (in the node's own __dict__).
    # ``next_functions`` is kept as two tuples, the nodes and their output numbers (the
    # engine reads the nodes; the numbers are most often a shared (0,) or (0, 0)).
    # ``_saved``/``_saved_output``: what the backward keeps (slots: a node that saves needs no
    # __dict__). ``_exact``: the node's VJP gives each input's gradient in that input's own
    # shape and dtype already (a lean elementwise node without broadcasting), so the engine
    # skips ``conform`` on its edges.
    __slots__ = ("_sequence_nr", "backend", "_next_nodes", "_next_nrs", "_input_meta", "_saved",
                 "_saved_output", "_exact", "__dict__", "__weakref__")
    num_outputs = 1
    _released = False
    _tensor_hooks = None
    _retained = None
    _post_hooks = None
    _pre_hooks = None
    # True once any of the four above is set: the engine's one test for the plain path.
    _hooked = False
    # A single-output op's VJP on storage, bound to the node (None: call ``apply``).
    _fused = None
    _forward_trace = None

    def __init__(self):
        self._sequence_nr = next(_sequence)
        self.backend = None
        self._next_nodes = self._next_nrs = ()
        self._input_meta = ()
        self._saved = self._saved_output = None
        self._exact = False

    @property
    def next_functions(self) -> tuple:
        """``(node, output_nr)`` per input, ``(None, 0)`` for one that needs no gradient."""
        return tuple(zip(self._next_nodes, self._next_nrs))

    @next_functions.setter
    def next_functions(self, edges) -> None:
        self._next_nodes = tuple(node for node, _ in edges)
        self._next_nrs = tuple(output_nr for _, output_nr in edges)

    def name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        return f"<{self.name()} object at {hex(id(self))}>"

    # -- saved tensors (the ctx side) ---------------------------------------
    def save_for_backward(self, *tensors) -> None:
        """Keep tensors (or None) for the backward, remembering their versions."""
        self._saved = tuple(None if t is None else SavedTensor(t, False) for t in tensors)

    @property
    def saved_tensors(self) -> tuple:
        """The saved tensors; raises if freed by a backward or modified in place since."""
        saved = self._saved
        if self._released and saved is None:
            raise RuntimeError(_FREED_MESSAGE)
        if saved is None:
            return ()
        return tuple(s.unpack(self) if type(s) is SavedTensor else s for s in saved)

    def release(self) -> None:
        """Free what was saved for backward (called after a backward without retain_graph)."""
        if self._saved is not None:
            self._saved = None
            self._released = True
        self._release_extra()

    def _release_extra(self) -> None:
        """Subclasses free further saved state here."""

    # -- hooks -----------------------------------------------------------------
    def register_hook(self, fn):
        """``fn(grad_inputs, grad_outputs)`` after the node runs; may return new grad_inputs."""
        if self._post_hooks is None:
            self._post_hooks = HookDict()
            self._hooked = True
        return add_hook(self._post_hooks, fn)

    def register_prehook(self, fn):
        """``fn(grad_outputs)`` before the node runs; may return new grad_outputs."""
        if self._pre_hooks is None:
            self._pre_hooks = HookDict()
            self._hooked = True
        return add_hook(self._pre_hooks, fn)

    def _tensor_hook_dict(self, output_nr: int) -> HookDict:
        if self._tensor_hooks is None:
            self._tensor_hooks = {}
            self._hooked = True
        return self._tensor_hooks.setdefault(output_nr, HookDict())

    # -- running -----------------------------------------------------------------
    def apply(self, grads: list, create_graph: bool) -> tuple:
        """Gradients of the inputs, one per ``next_functions`` entry (None where none)."""
        raise NotImplementedError(f"{self.name()} has no backward")


_SOLE_HOLDER_REFS = 4


class AccumulateGrad(Node):
    """The node of a leaf tensor that requires grad: adds the incoming gradient into ``.grad``."""

    _hooked = True  # always run by _run_node (tensor hooks, capture, accumulation)

    def __init__(self, variable):
        super().__init__()
        self.variable = variable
        self._sequence_nr = float("inf")

    def accumulate(self, grad, create_graph: bool) -> None:
        """``.grad = grad`` if unset, else add: in place, or out of place under create_graph.

        A first gradient is copied into ``.grad``, except (as torch's AccumulateGrad
        "steals" it) a contiguous gradient whose memory nothing else holds.
        """
        variable = self.variable
        # The engine's buffer, _run_node's and this frame's names, getrefcount's argument.
        sole_holder = not isinstance(grad, Tensor) and sys.getrefcount(grad) <= _SOLE_HOLDER_REFS
        if isinstance(grad, Tensor):
            new = grad if create_graph else grad.detach()
        else:
            new = Tensor._make(grad, variable._backend, False, None, 0, None)
        old = variable._grad
        if old is None:
            backend = new._backend
            if not create_graph and not (sole_holder and backend.is_plain_contiguous(grad)
                                         and not backend.memory_is_shared(grad)):
                new = Tensor._make(backend.copy(new._data), backend, False, None, 0, None)
            variable._grad = new
        elif create_graph or old.requires_grad:
            variable._grad = old + new
        else:
            old._backend.assign(old._data, old._backend.add(old._data, new._data))


def _wrap(grad, backend):
    if grad is None or isinstance(grad, Tensor):
        return grad
    return Tensor._make(grad, backend, False, None, 0, None)


def _unwrap(grad):
    return grad._data if isinstance(grad, Tensor) else grad


def _run_tensor_hooks(hooks, grad, backend, create_graph):
    for fn in list(hooks.values()):
        original = _wrap(grad, backend)
        result = fn(original)
        if result is not None:
            _check_hook_result(fn, original, result)
            grad = result if create_graph else _unwrap(result)
    return grad


def _check_hook_result(hook, original, result) -> None:
    """torch's checks of a tensor hook's replacement gradient: a Tensor, for a gradient that
    exists, of the same type (dtype and device) and the same size."""
    if original is None:
        raise RuntimeError("can't replace a None gradient with a non-None value")
    if not isinstance(result, Tensor):
        raise TypeError(f"expected Variable, but hook returned '{type(result).__name__}'")
    name = getattr(hook, "__name__", None)
    name = name if isinstance(name, str) else "<unknown>"
    was, got = _legacy_type_name(original, None), _legacy_type_name(result, None)
    if was != got:
        raise RuntimeError(f"hook '{name}' has changed the type of value (was {was} got {got})")
    if result.shape != original.shape:
        raise RuntimeError(f"hook '{name}' has changed the size of value")


def _retain(tensor, grad, create_graph):
    """retain_grad(): store a non-leaf's gradient in its ``.grad`` (adding on later calls)."""
    if isinstance(grad, Tensor):
        value = grad if create_graph else grad.detach()
    else:
        value = Tensor._make(grad, tensor._backend, False, None, 0, None)
    if tensor._grad is None:
        tensor._grad = value if create_graph else value.clone()
    else:
        tensor._grad = tensor._grad + value


def _collect(roots):
    """How many edges lead into each node reachable from ``roots`` (found iteratively)."""
    dependencies = {}  # a node is in it once an edge to it was seen: then it was stacked
    stack = list(roots)
    root_set = set(roots)
    get = dependencies.get
    while stack:
        for next_node in stack.pop()._next_nodes:
            if next_node is not None:
                count = get(next_node)
                if count is None:
                    dependencies[next_node] = 1
                    if next_node not in root_set:
                        stack.append(next_node)
                else:
                    dependencies[next_node] = count + 1
    return dependencies


def _needed(roots, dependencies, targets):
    """The nodes on some path from a root to a target node (for pruning to ``inputs``)."""
    remaining = dict(dependencies)
    order = []
    frontier = [n for n in roots if remaining.get(n, 0) == 0]
    while frontier:
        node = frontier.pop()
        order.append(node)
        for next_node in node._next_nodes:
            if next_node is not None:
                count = remaining[next_node] - 1
                remaining[next_node] = count
                if count == 0:
                    frontier.append(next_node)
    needed, runs = set(), set()
    for node in reversed(order):  # inputs before the nodes that use them
        for next_node in node._next_nodes:
            if next_node in needed:  # (None never is)
                runs.add(node)
                needed.add(node)
                break
        else:
            if node in targets:
                needed.add(node)
    return needed, runs


def run_backward(roots, root_grads, retain_graph: bool, create_graph: bool,
                 inputs=None, accumulate: bool = True):
    """Backpropagate ``root_grads`` from the ``(node, output_nr)`` pairs in ``roots``.

    With ``accumulate`` (``Tensor.backward``), leaves' ``.grad`` receive their
    gradients (only the leaves in ``inputs`` when given). Without it
    (``autograd.grad``), the gradients of ``inputs`` are returned instead, and
    nothing is written into any ``.grad``. Nodes that lead to no target are
    not run. Returns the captured gradients, aligned with ``inputs``.
    """
    root_nodes = []
    for node, _ in roots:
        if node not in root_nodes:
            root_nodes.append(node)
    dependencies = _collect(root_nodes)

    captures = {}  # (node, output_nr) -> (index in inputs, tensor)
    targets = None
    if inputs is not None:
        targets = set()
        for i, tensor in enumerate(inputs):
            node, output_nr = tensor._gradient_edge()
            captures[(node, output_nr)] = (i, tensor)
            targets.add(node)
        needed, runs = _needed(root_nodes, dependencies, targets)
        dependencies = {}
        for node in needed:
            for next_node in node._next_nodes:
                if next_node in needed:
                    dependencies[next_node] = dependencies.get(next_node, 0) + 1
    else:
        needed = runs = None
    captured = [None] * (len(inputs) if inputs is not None else 0)

    buffers = {}
    for (node, output_nr), grad in zip(roots, root_grads):
        buffer = buffers.setdefault(node, [None] * node.num_outputs)
        old = buffer[output_nr]
        if old is None or grad is None:
            buffer[output_nr] = grad if old is None else old
        else:
            buffer[output_nr] = _add(old, grad, node_backend(node))
    ready = [(-node._sequence_nr, id(node), node) for node in root_nodes if dependencies.get(node, 0) == 0]
    heapq.heapify(ready)
    anomaly = grad_mode.state.anomaly
    previous_mode = grad_mode.state.grad_enabled
    grad_mode.state.grad_enabled = create_graph
    captured_nodes = {node for node, _ in captures}  # these run through _run_node, as hooked ones
    fast = not create_graph  # then a node with a fused VJP is one call
    heappop, heappush = heapq.heappop, heapq.heappush
    pruning = needed is not None
    following = None  # the next node to run when it alone became ready (no heap needed)
    try:
        while following is not None or ready:
            if following is None:
                node = heappop(ready)[2]
            else:
                node, following = following, None
            grads = buffers.pop(node)
            if pruning and node not in needed:
                continue
            try:
                if node._hooked or anomaly or node in captured_nodes:
                    input_grads = _run_node(node, grads, create_graph, captures, captured,
                                            accumulate, targets, runs)
                    exact = False  # hooks may have replaced gradients: conform them all
                elif fast and node._fused is not None and grads[0] is not None:
                    input_grads = node._fused(grads[0])
                    exact = node._exact
                else:
                    input_grads = node.apply(grads, create_graph)
                    exact = node._exact
            except Exception:
                if anomaly and node._forward_trace is not None:
                    warnings.warn(
                        f"Error detected in {node.name()}. Traceback of forward call that caused "
                        "the error:\n" + "".join(node._forward_trace),
                        stacklevel=2,
                    )
                raise
            if not retain_graph:
                node.release()
            if input_grads is None:
                continue
            for next_node, output_nr, grad, meta in zip(node._next_nodes, node._next_nrs, input_grads,
                                                        node._input_meta):
                if next_node is None or (pruning and next_node not in needed):
                    continue
                buffer = buffers.get(next_node)
                if buffer is None:
                    buffer = buffers[next_node] = [None] * next_node.num_outputs
                if grad is not None:
                    # conform(meta, grad, create_graph), inlined: the engine's hottest call
                    if create_graph:
                        grad = conform(meta, grad, True)
                    elif not exact:
                        grad = meta[2].conform(grad, meta[0], meta[1])
                    old = buffer[output_nr]
                    buffer[output_nr] = grad if old is None else _add(old, grad, meta[2])
                remaining = dependencies[next_node] - 1
                dependencies[next_node] = remaining
                if remaining == 0:
                    # Ready. Run it next without the heap when nothing else waits (a chain);
                    # otherwise the heap orders the ready nodes (latest created first).
                    if following is None and not ready:
                        following = next_node
                    else:
                        if following is not None:
                            heappush(ready, (-following._sequence_nr, id(following), following))
                            following = None
                        heappush(ready, (-next_node._sequence_nr, id(next_node), next_node))
            # Drop this step's references to the gradients it sent, so that a leaf's
            # AccumulateGrad can tell whether it is a gradient's only holder.
            input_grads = grad = None
    finally:
        grad_mode.state.grad_enabled = previous_mode
    return captured


def _add(a, b, backend):
    """Sum two gradients for the same place: Tensor addition under create_graph, else the backend's."""
    if isinstance(a, Tensor):
        return a + b
    return backend.add(a, b)


def _run_node(node, grads, create_graph, captures, captured, accumulate, targets, runs):
    """Run one node: tensor hooks, retain_grad, capture, then its backward (or accumulation)."""
    backend = node_backend(node) if not isinstance(node, AccumulateGrad) else node.variable._backend
    # The gradients a node receives live where its outputs do: another device for a move.
    output_backend = getattr(node, "output_backend", backend)
    if node._tensor_hooks:
        for output_nr, hooks in node._tensor_hooks.items():
            if hooks:  # an output that got no gradient has its hooks called with None, as in torch
                grads[output_nr] = _run_tensor_hooks(hooks, grads[output_nr], output_backend, create_graph)
    if node._retained:
        for output_nr, tensor_ref in node._retained.items():
            tensor = tensor_ref()
            if tensor is not None and grads[output_nr] is not None:
                _retain(tensor, grads[output_nr], create_graph)
    if node._pre_hooks:
        wrapped = tuple(_wrap(g, output_backend) for g in grads)
        for fn in list(node._pre_hooks.values()):
            result = fn(wrapped)
            if result is not None:
                wrapped = tuple(result)
        grads = [g if create_graph else _unwrap(g) for g in wrapped]

    if isinstance(node, AccumulateGrad):
        variable = node.variable
        grad = grads[0]
        if grad is None:
            return None
        if variable._hooks:
            grad = _run_tensor_hooks(variable._hooks, grad, backend, create_graph)
        if (node, 0) in captures:
            captured[captures[(node, 0)][0]] = _wrap(grad, backend)
            if not accumulate:
                return None
        if accumulate and (targets is None or node in targets):
            node.accumulate(grad, create_graph)
        return None

    if captures:
        for output_nr, grad in enumerate(grads):
            capture = captures.get((node, output_nr))
            if capture is not None:
                captured[capture[0]] = _wrap(grad, output_backend)
                if accumulate and grad is not None:
                    _retain(capture[1], grad, create_graph)
        if runs is not None and node not in runs:
            return None

    input_grads = node.apply(grads, create_graph)
    if grad_mode.state.anomaly and grad_mode.state.anomaly_check_nan:
        for i, grad in enumerate(input_grads):
            if grad is not None and node_backend(node).isnan_any(_unwrap(grad)):
                raise RuntimeError(f"Function '{node.name()}' returned nan values in its {i}th output.")
    if node._post_hooks:
        wrapped_in = tuple(_wrap(g, backend) for g in input_grads)
        wrapped_out = tuple(_wrap(g, output_backend) for g in grads)
        for fn in list(node._post_hooks.values()):
            result = fn(wrapped_in, wrapped_out)
            if result is not None:
                wrapped_in = tuple(result)
        input_grads = [g if create_graph else _unwrap(g) for g in wrapped_in]
    return input_grads


def record_forward_trace(node) -> None:
    """Anomaly mode: remember where in the forward this node was made."""
    node._forward_trace = traceback.format_stack()[:-3]
