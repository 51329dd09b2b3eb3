"""``tensor.func``: function transforms as ``torch.func``, over reverse mode (no ``vmap``).

* ``grad(f, argnums=0, has_aux=False)(*args)`` = df/d args[argnums] for a
  function returning one element;
* ``grad_and_value(f, ...)(*args)`` = (that gradient, f(*args));
* ``vjp(f, *primals)`` = (f(*primals), vjp_fn) with vjp_fn(v) = v^T J for
  every primal;
* ``jacrev(f, argnums=0)(*args)`` = the Jacobian (one backward per output
  element), of shape output.shape + input.shape;
* ``hessian(f, argnums=0)(*args)`` = jacrev(jacrev(f)).

Transforms compose (``grad(grad(f))``): each one differentiates with
``create_graph=True`` against inputs that stay connected to an enclosing
transform's graph, and detaches its results only at the outermost level.
The arguments being differentiated are Tensors (torch also accepts pytrees).
"""

from __future__ import annotations

from . import autograd
from ._tensor import Tensor
from .autograd.grad_mode import enable_grad

__all__ = ["grad", "grad_and_value", "vjp", "jacrev", "hessian"]


def _argnums_tuple(argnums, n_args: int) -> tuple:
    numbers = argnums if isinstance(argnums, tuple) else (argnums,)
    for a in numbers:
        if not isinstance(a, int):
            raise RuntimeError(f"argnums must be int or Tuple[int, ...], got: {type(argnums)}")
        if not -n_args <= a < n_args:
            raise RuntimeError(
                f"Got argnums={a}, but only {n_args} positional inputs were given"
            )
    return tuple(a % n_args for a in numbers)


def _track(x) -> Tensor:
    """An input to differentiate against, still connected to an enclosing transform's graph."""
    if not isinstance(x, Tensor):
        raise TypeError(f"torch.func transforms differentiate Tensors, got {type(x).__name__}")
    return x.view_as(x) if x.requires_grad else x.detach().requires_grad_(True)


def _split_aux(out, has_aux: bool):
    if not has_aux:
        return out, None
    if not (isinstance(out, tuple) and len(out) == 2):
        raise RuntimeError(
            "grad_and_value(f)(*args): output of function f should be a tuple: (output, aux) "
            "if has_aux is True"
        )
    return out


def _gradients(outputs, inputs, grad_outputs) -> tuple:
    """Gradients with create_graph (so transforms nest); zeros for inputs that are not used."""
    from ._ops import zeros_like

    live = [(o, g) for o, g in zip(outputs, grad_outputs) if o.requires_grad]
    if not live:
        return tuple(zeros_like(x) for x in inputs)
    grads = autograd.grad([o for o, _ in live], inputs, [g for _, g in live], create_graph=True,
                          allow_unused=True)
    return tuple(zeros_like(x) if g is None else g for g, x in zip(grads, inputs))


def _detached_unless_nested(values, nested: bool):
    if nested:
        return values
    if isinstance(values, Tensor):
        return values.detach()
    if isinstance(values, (tuple, list)):
        return type(values)(_detached_unless_nested(v, False) for v in values)
    return values


def grad_and_value(func, argnums=0, has_aux: bool = False):
    """A function returning (d func / d args[argnums], func(*args)); func returns one element.

    With ``has_aux`` func returns (output, aux) and the value is (output, aux).
    """

    def wrapper(*args, **kwargs):
        numbers = _argnums_tuple(argnums, len(args))
        nested = any(isinstance(args[i], Tensor) and args[i].requires_grad for i in numbers)
        args = list(args)
        for i in numbers:
            args[i] = _track(args[i])
        with enable_grad():
            output, aux = _split_aux(func(*args, **kwargs), has_aux)
            if not isinstance(output, Tensor):
                raise RuntimeError(
                    f"grad_and_value(f)(*args): Expected f(*args) to return a Tensor, got {type(output)}"
                )
            if output.numel() != 1:
                raise RuntimeError(
                    "grad_and_value(f)(*args): Expected f(*args) to return a scalar Tensor, got tensor "
                    f"with {output.ndim} dims. Maybe you wanted to use the vjp or jacrev APIs instead?"
                )
            grads = _gradients((output,), [args[i] for i in numbers], (None,))
        grads = grads if isinstance(argnums, tuple) else grads[0]
        value = (output, aux) if has_aux else output
        return _detached_unless_nested(grads, nested), _detached_unless_nested(value, nested)

    return wrapper


def grad(func, argnums=0, has_aux: bool = False):
    """A function returning d func / d args[argnums] (with ``has_aux``: (gradient, aux))."""
    both = grad_and_value(func, argnums, has_aux)

    def wrapper(*args, **kwargs):
        gradients, value = both(*args, **kwargs)
        return (gradients, value[1]) if has_aux else gradients

    return wrapper


def vjp(func, *primals, has_aux: bool = False):
    """(func(*primals), vjp_fn): ``vjp_fn(v)`` returns v^T J for every primal, as a tuple."""
    nested = any(isinstance(p, Tensor) and p.requires_grad for p in primals)
    tracked = [_track(p) for p in primals]
    with enable_grad():
        output, aux = _split_aux(func(*tracked), has_aux)
    outputs = output if isinstance(output, tuple) else (output,)

    def vjp_fn(cotangents):
        cotangents = cotangents if isinstance(cotangents, tuple) else (cotangents,)
        if len(cotangents) != len(outputs):
            raise RuntimeError(
                f"Expected pytree structure of cotangents to be the same as pytree structure of "
                f"outputs to the function. cotangents has {len(cotangents)} tensors, outputs "
                f"{len(outputs)}"
            )
        for c, o in zip(cotangents, outputs):
            if tuple(c.shape) != tuple(o.shape):
                raise RuntimeError(
                    f"Mismatch in shape: grad_output[0] has a shape of torch.Size({list(c.shape)}) "
                    f"and output[0] has a shape of torch.Size({list(o.shape)})."
                )
        with enable_grad():
            return _detached_unless_nested(_gradients(outputs, tracked, cotangents), nested)

    result = (_detached_unless_nested(output, nested), vjp_fn)
    return result + (aux,) if has_aux else result


def jacrev(func, argnums=0, has_aux: bool = False):
    """A function returning the Jacobian of func w.r.t. args[argnums] (reverse mode, one backward
    per output element), each of shape output.shape + input.shape."""

    def wrapper(*args, **kwargs):
        from ._ops import stack, zeros

        numbers = _argnums_tuple(argnums, len(args))
        nested = any(isinstance(args[i], Tensor) and args[i].requires_grad for i in numbers)
        args = list(args)
        for i in numbers:
            args[i] = _track(args[i])
        inputs = [args[i] for i in numbers]
        with enable_grad():
            output, aux = _split_aux(func(*args, **kwargs), has_aux)
            rows = []
            for k in range(output.numel()):
                unit = zeros(output.numel(), dtype=output.dtype, device=output.device)
                unit[k] = 1
                rows.append(_gradients((output,), inputs, (unit.reshape(output.shape),)))
        blocks = []
        for j, x in enumerate(inputs):
            shape = tuple(output.shape) + tuple(x.shape)
            blocks.append(stack([row[j] for row in rows]).reshape(shape) if rows
                          else zeros(shape, dtype=x.dtype, device=x.device))
        jac = tuple(blocks) if isinstance(argnums, tuple) else blocks[0]
        jac = _detached_unless_nested(jac, nested)
        return (jac, _detached_unless_nested(aux, nested)) if has_aux else jac

    return wrapper


def hessian(func, argnums=0):
    """A function returning the Hessian of func w.r.t. args[argnums]: jacrev(jacrev(func))."""
    return jacrev(jacrev(func, argnums), argnums)
