"""``tensor.autograd.functional``: derivatives of whole functions, as ``torch.autograd.functional``.

Everything here is built on reverse mode (:func:`tensor.autograd.grad`):

* ``vjp(f, x, v)`` = v^T J, one backward;
* ``jvp(f, x, v)`` = J v, by the double-backward trick: J v = d/du [u^T J] v,
  where u^T J is itself a differentiable function of a dummy u;
* ``jacobian(f, x)``: one backward per output element (J[i] = e_i^T J);
* ``hessian(f, x)`` = jacobian of the gradient;
* ``vhp(f, x, v)`` = v^T H (a backward through the gradient) and
  ``hvp(f, x, v)`` = H v (the double-backward trick on the gradient).

As in torch, ``inputs`` is a Tensor or a tuple of Tensors (results follow the
same structure), outputs are detached unless ``create_graph=True``, and an
input the function does not use gets a zero derivative (``strict=True``
raises instead).
"""

from __future__ import annotations

from . import grad as _grad
from .grad_mode import enable_grad

__all__ = ["vjp", "jvp", "jacobian", "hessian", "vhp", "hvp"]


def _as_tensor_tuple(value, arg_name: str, fn_name: str):
    """(tuple of Tensors, was it a tuple) with torch's type check."""
    from .._tensor import Tensor

    is_tuple = isinstance(value, (tuple, list))
    values = tuple(value) if is_tuple else (value,)
    for i, v in enumerate(values):
        if not isinstance(v, Tensor):
            where = f"the value at index {i}" if is_tuple else f"the given {arg_name}"
            raise TypeError(
                f"The {arg_name} given to {fn_name} must be either a Tensor or a tuple of Tensors "
                f"but {where} has type {type(v)}."
            )
    return values, is_tuple


def _tracked(inputs, create_graph: bool) -> tuple:
    """Fresh inputs to differentiate against: connected to the caller's graph under create_graph."""
    return tuple(
        x.view_as(x) if create_graph and x.requires_grad else x.detach().requires_grad_(True)
        for x in inputs
    )


def _outputs(func, inputs, fn_name: str):
    with enable_grad():
        out = func(*inputs)
    return _as_tensor_tuple(out, "outputs of the user-provided function", fn_name)


def _derivative(outputs, inputs, grad_outputs, create_graph: bool, strict: bool, what: str) -> tuple:
    """d(outputs)/d(inputs) contracted with grad_outputs; zeros for unused inputs unless strict."""
    from .._ops import zeros_like

    connected = [(o, g) for o, g in zip(outputs, grad_outputs) if o.requires_grad]
    if connected:
        grads = _grad([o for o, _ in connected], inputs, [g for _, g in connected],
                      retain_graph=True, create_graph=create_graph, allow_unused=True)
    else:
        grads = (None,) * len(inputs)
    result = []
    for i, (g, x) in enumerate(zip(grads, inputs)):
        if g is None:
            if strict:
                raise RuntimeError(
                    f"The output of the user-provided function is independent of input {i}. This is "
                    f"not allowed in strict mode{what}."
                )
            g = zeros_like(x)
        result.append(g)
    return tuple(result)


def _finish(values, create_graph: bool, is_tuple: bool):
    values = tuple(v if create_graph else v.detach() for v in values)
    return values if is_tuple else values[0]


def _check_v(v, like, fn_name: str, allow_none_when_scalar: bool):
    """``v`` as a tuple matching ``like`` in number and shapes (torch's checks)."""
    if v is None:
        if allow_none_when_scalar and len(like) == 1 and like[0].numel() == 1:
            from .._ops import ones_like

            return (ones_like(like[0]),)
        raise RuntimeError(
            "The vector v can only be None if the user-provided function returns a single Tensor "
            "with a single element."
        )
    values, v_tuple = _as_tensor_tuple(v, "v", fn_name)
    if len(values) != len(like):
        raise RuntimeError(f"v is a tuple of invalid length: should be {len(like)} but got {len(values)}.")
    for i, (a, b) in enumerate(zip(values, like)):
        if tuple(a.shape) != tuple(b.shape):
            raise RuntimeError(
                f"{f'Entry {i} in v' if v_tuple else 'v'} has invalid size: should be "
                f"torch.Size({list(b.shape)}) but got "
                f"torch.Size({list(a.shape)})."
            )
    return values


def vjp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), v^T J): the vector-Jacobian product, one backward pass."""
    inputs, inputs_tuple = _as_tensor_tuple(inputs, "inputs", "vjp")
    inputs = _tracked(inputs, create_graph)
    outputs, outputs_tuple = _outputs(func, inputs, "vjp")
    v = _check_v(v, outputs, "vjp", allow_none_when_scalar=True)
    result = _derivative(outputs, inputs, v, create_graph, strict, "")
    return _finish(outputs, create_graph, outputs_tuple), _finish(result, create_graph, inputs_tuple)


def jvp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), J v): the Jacobian-vector product by the double-backward trick.

    With u a dummy cotangent, g(u) = u^T J is linear in u, and J v = (dg/du)^T v.
    """
    from .._ops import zeros_like

    inputs, inputs_tuple = _as_tensor_tuple(inputs, "inputs", "jvp")
    v = _check_v(v, inputs, "jvp", allow_none_when_scalar=True)
    inputs = _tracked(inputs, create_graph)
    outputs, outputs_tuple = _outputs(func, inputs, "jvp")
    dummies = tuple(zeros_like(o).requires_grad_(True) for o in outputs)
    with enable_grad():
        cotangent_map = _derivative(outputs, inputs, dummies, True, strict, "")
    result = _derivative(cotangent_map, dummies, v, create_graph, False, "")
    return _finish(outputs, create_graph, outputs_tuple), _finish(result, create_graph, outputs_tuple)


def jacobian(func, inputs, create_graph: bool = False, strict: bool = False, vectorize: bool = False,
             strategy: str = "reverse-mode"):
    """J[i][j] = d outputs[i] / d inputs[j], each of shape outputs[i].shape + inputs[j].shape.

    One backward per output element (row e_k^T J). A single Tensor input (or
    output) drops that level of tuple, as torch's.
    """
    from .._ops import stack, zeros

    if strategy != "reverse-mode":
        raise ValueError("lucidgrad's jacobian computes with strategy='reverse-mode' only")
    inputs, inputs_tuple = _as_tensor_tuple(inputs, "inputs", "jacobian")
    inputs = _tracked(inputs, create_graph)
    outputs, outputs_tuple = _outputs(func, inputs, "jacobian")
    per_output = []
    for out in outputs:
        rows = [[] for _ in inputs]
        for k in range(out.numel()):
            unit = zeros(out.numel(), dtype=out.dtype, device=out.device)
            unit[k] = 1
            grads = _derivative((out,), inputs, (unit.reshape(out.shape),), create_graph, strict, "")
            for j, g in enumerate(grads):
                rows[j].append(g)
        blocks = []
        for x, row in zip(inputs, rows):
            if row:
                block = stack(row).reshape(tuple(out.shape) + tuple(x.shape))
            else:
                block = zeros(tuple(out.shape) + tuple(x.shape), dtype=x.dtype, device=x.device)
            blocks.append(block if create_graph else block.detach())
        per_output.append(tuple(blocks) if inputs_tuple else blocks[0])
    return tuple(per_output) if outputs_tuple else per_output[0]


def _scalar_function(func, fn_name: str):
    def scalar_func(*inputs):
        out = func(*inputs)
        outputs, is_tuple = _as_tensor_tuple(out, "outputs of the user-provided function", fn_name)
        if is_tuple and len(outputs) != 1:
            raise RuntimeError(f"The function given to {fn_name} should return a single Tensor")
        if outputs[0].numel() != 1:
            raise RuntimeError(
                f"The Tensor returned by the function given to {fn_name} should contain a single element"
            )
        return outputs[0].reshape(())

    return scalar_func


def hessian(func, inputs, create_graph: bool = False, strict: bool = False, vectorize: bool = False,
            outer_jacobian_strategy: str = "reverse-mode"):
    """H[i][j] = d^2 func / d inputs[i] d inputs[j] (func returns one element): the jacobian
    of the gradient."""
    inputs_tuple = isinstance(inputs, (tuple, list))
    scalar_func = _scalar_function(func, "hessian")

    def gradient(*xs):
        return jacobian(scalar_func, xs, create_graph=True, strict=strict)

    result = jacobian(gradient, tuple(inputs) if inputs_tuple else (inputs,), create_graph, strict)
    if inputs_tuple:
        return result
    return result[0][0]


def vhp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), v^T H): a backward pass through the gradient (func returns one element)."""
    inputs, inputs_tuple = _as_tensor_tuple(inputs, "inputs", "vhp")
    v = _check_v(v, inputs, "vhp", allow_none_when_scalar=True)
    inputs = _tracked(inputs, create_graph)
    with enable_grad():
        output = _scalar_function(func, "vhp")(*inputs)
        gradient = _derivative((output,), inputs, (None,), True, strict, "")
    result = _derivative(gradient, inputs, v, create_graph, strict, "")
    return _finish((output,), create_graph, False), _finish(result, create_graph, inputs_tuple)


def hvp(func, inputs, v=None, create_graph: bool = False, strict: bool = False):
    """(func(inputs), H v) by the double-backward trick on the gradient: with u a dummy,
    g(u) = u^T H is linear in u and H v = (dg/du)^T v."""
    from .._ops import zeros_like

    inputs, inputs_tuple = _as_tensor_tuple(inputs, "inputs", "hvp")
    v = _check_v(v, inputs, "hvp", allow_none_when_scalar=True)
    inputs = _tracked(inputs, create_graph)
    with enable_grad():
        output = _scalar_function(func, "hvp")(*inputs)
        gradient = _derivative((output,), inputs, (None,), True, strict, "")
        dummies = tuple(zeros_like(x).requires_grad_(True) for x in inputs)
        back = _derivative(gradient, inputs, dummies, True, strict, "")
    result = _derivative(back, dummies, v, create_graph, False, "")
    return _finish((output,), create_graph, False), _finish(result, create_graph, inputs_tuple)
