"""Autograd: the public entry points of the engine (``tensor.autograd``, as ``torch.autograd``).

``backward`` and ``grad`` validate their arguments the way torch does, seed
the output gradients and hand over to the engine in :mod:`.graph`.
:class:`Function` is the base for custom ops; grad modes and anomaly
detection are in :mod:`.grad_mode`; ``gradcheck`` and ``gradgradcheck``
compare analytical against numerical derivatives.
"""

from __future__ import annotations

from .function import Function, FunctionCtx, once_differentiable
from .grad_mode import (
    detect_anomaly,
    enable_grad,
    inference_mode,
    is_anomaly_enabled,
    is_grad_enabled,
    no_grad,
    set_detect_anomaly,
    set_grad_enabled,
)
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .graph import Node, run_backward

# The Tensor class; bound by tensor._tensor, which imports this package first.
Tensor = None

__all__ = [
    "Function", "FunctionCtx", "once_differentiable", "backward", "grad", "Node",
    "no_grad", "enable_grad", "inference_mode", "set_grad_enabled", "is_grad_enabled",
    "set_detect_anomaly", "detect_anomaly", "is_anomaly_enabled",
    "gradcheck", "gradgradcheck", "GradcheckError", "Variable", "functional",
]


def _as_tuple(x):
    if x is None:
        return None
    if isinstance(x, Tensor):
        return (x,)
    return tuple(x)


def _seed(outputs, grad_outputs, create_graph):
    """The ``(node, output_nr)`` roots and their starting gradients, with torch's checks."""
    if grad_outputs is None:
        grad_outputs = (None,) * len(outputs)
    if len(grad_outputs) != len(outputs):
        raise RuntimeError(
            f"grad requires one gradient per output: got {len(grad_outputs)} gradients for "
            f"{len(outputs)} outputs"
        )
    roots, grads = [], []
    for i, (out, g) in enumerate(zip(outputs, grad_outputs)):
        if not out.requires_grad:
            raise RuntimeError(
                f"element {i} of tensors does not require grad and does not have a grad_fn"
            )
        if g is None:
            if out.numel() != 1:
                raise RuntimeError("grad can be implicitly created only for scalar outputs")
            if not out.dtype.is_floating_point:
                raise RuntimeError(
                    f"grad can be implicitly created only for real scalar outputs but got {out.dtype}"
                )
            ones = out._backend.full(out._backend.shape(out._data), 1, out.dtype)
            roots.append(out._gradient_edge())
            grads.append(Tensor._make(ones, out._backend, False, None, 0, None) if create_graph else ones)
            continue  # a Tensor only where the backward is recorded
        if not isinstance(g, Tensor):
            g = Tensor._make(out._backend.full(out._backend.shape(out._data), g, out.dtype),
                             out._backend, False, None, 0, None)
        elif tuple(g.shape) != tuple(out.shape):
            raise RuntimeError(
                f"Mismatch in shape: grad_output[{i}] has a shape of torch.Size({list(g.shape)}) "
                f"and output[{i}] has a shape of torch.Size({list(out.shape)})."
            )
        if g.dtype is not out.dtype:  # cast to the output's dtype, as torch's engine does
            g = g.to(out.dtype)
        roots.append(out._gradient_edge())
        grads.append(g if create_graph else g._data)
    return roots, grads


def backward(tensors, grad_tensors=None, retain_graph=None, create_graph=False, inputs=None):
    """Accumulate the gradients of ``tensors`` into the ``.grad`` of the leaves.

    ``grad_tensors`` seeds each output (required for non-scalars);
    ``retain_graph`` (default: ``create_graph``) keeps saved tensors for a
    second backward; ``create_graph`` records the backward for higher-order
    derivatives; ``inputs`` limits accumulation to those tensors.
    """
    tensors = _as_tuple(tensors)
    grad_tensors = _as_tuple(grad_tensors)
    if retain_graph is None:
        retain_graph = create_graph
    input_list = _as_tuple(inputs)
    if input_list is not None and len(input_list) == 0:
        raise RuntimeError("`inputs` argument to `backward()` cannot be empty.")
    roots, grads = _seed(tensors, grad_tensors, create_graph)
    run_backward(roots, grads, retain_graph, create_graph, inputs=input_list, accumulate=True)


def grad(outputs, inputs, grad_outputs=None, retain_graph=None, create_graph=False,
         only_inputs=True, allow_unused=None, is_grads_batched=False, materialize_grads=False):
    """The gradients of ``outputs`` with respect to ``inputs``, returned (``.grad`` untouched).

    Raises when an input was not used in the graph unless ``allow_unused``
    (then its gradient is None, or zeros with ``materialize_grads``).
    """
    if is_grads_batched:
        raise RuntimeError("autograd.grad(is_grads_batched=True) is not supported by lucidgrad")
    outputs = _as_tuple(outputs)
    inputs_tuple = _as_tuple(inputs)
    grad_outputs = _as_tuple(grad_outputs)
    if allow_unused is None:
        allow_unused = materialize_grads
    if retain_graph is None:
        retain_graph = create_graph
    for t in inputs_tuple:
        if not t.requires_grad:
            raise RuntimeError("One of the differentiated Tensors does not require grad")
    roots, grads = _seed(outputs, grad_outputs, create_graph)
    result = run_backward(roots, grads, retain_graph, create_graph, inputs=inputs_tuple,
                          accumulate=False)
    final = []
    for i, (g, t) in enumerate(zip(result, inputs_tuple)):
        if g is None:
            if not allow_unused:
                raise RuntimeError(
                    f"The differentiated Tensor at index {i} appears to not have been used in the "
                    "graph. Set allow_unused=True if this is the desired behavior."
                )
            if materialize_grads:
                from .._ops import zeros_like

                g = zeros_like(t)
        elif g.requires_grad and not create_graph:
            g = g.detach()
        final.append(g)
    return tuple(final)


class _VariableMeta(type):
    def __instancecheck__(cls, obj) -> bool:
        return isinstance(obj, Tensor)


class Variable(metaclass=_VariableMeta):
    """torch's deprecated ``Variable(data, requires_grad=False)``: it returns a Tensor (sharing
    ``data``'s storage, a leaf), and every Tensor is an instance of it."""

    def __new__(cls, data, requires_grad: bool = False, volatile: bool = False):
        if not isinstance(data, Tensor):
            raise TypeError(f"Variable data has to be a tensor, but got {type(data).__name__}")
        return data.detach().requires_grad_(requires_grad)


from . import functional  # noqa: E402  (built on grad above)
