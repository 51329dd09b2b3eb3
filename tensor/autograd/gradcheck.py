"""``gradcheck`` and ``gradgradcheck``: autograd checked against finite differences, as in torch.

For a function ``f`` of inputs ``x_1 .. x_m`` (those that require grad) with
differentiable outputs ``y_1 .. y_k``, the Jacobian ``J_ij = dy_i / dx_j`` is
formed twice, as a matrix of shape ``(x_j.numel(), y_i.numel())``:

* numerically, one column per input element ``e``, by central differences::

      J[e, :] = (f(x + eps * e) - f(x - eps * e)) / (2 * eps)

  where the input's storage is perturbed in place and restored afterwards;
* analytically, one row per output element ``o``, by a vector-Jacobian
  product with the one-hot ``grad_output`` ``o``::

      J[:, o] = tensor.autograd.grad(y_i, x, o)

and the two must agree elementwise: ``|analytical - numerical| <= atol +
rtol * |numerical|`` (``allclose``). The analytical Jacobian is computed twice
and must not change (by more than ``nondet_tol``). ``fast_mode`` compares the
scalars ``v^T J u`` for random unit vectors ``u`` (inputs) and ``v``
(outputs) instead of whole Jacobians, with ``atol`` scaled by ``sum(u) *
sum(v)``. Two further checks run, as torch's do: a zero ``grad_output`` must
give zero (or no) input gradients of the inputs' dtypes and shapes, and
backward must accept undefined (``None``) output gradients
(``check_undefined_grad``).

``gradgradcheck`` applies ``gradcheck`` to the function ``(inputs,
grad_outputs) -> autograd.grad(f(inputs), inputs, grad_outputs,
create_graph=True)``, checking second derivatives.
"""

from __future__ import annotations

import contextlib
import math
import random
import warnings
from collections.abc import Callable, Sequence

from .. import _dtypes as D
from .graph import run_backward

__all__ = ["GradcheckError", "gradcheck", "gradgradcheck"]


class GradcheckError(RuntimeError):
    """Raised by gradcheck and gradgradcheck when a check fails."""


FAST_FAIL_SLOW_OK_MSG = """
Fast gradcheck failed but element-wise differences are small. This means that the
test might've passed in slow_mode!
If you are adding a new operator, please file an issue and then use one of the
workarounds. The workaround depends on how your test invokes gradcheck/gradgradcheck:
If the test
- manually invokes gradcheck/gradgradcheck, then call gradcheck/gradgradcheck
  with `fast_mode=False` as a keyword argument.
""".strip()


def _tensor_api():
    """The package namespace (imported late: this module loads while the package does)."""
    import tensor

    return tensor


def _is_tensor(x) -> bool:
    from .._tensor import Tensor

    return isinstance(x, Tensor)


def _as_tuple(x) -> tuple:
    if isinstance(x, tuple):
        return x
    if isinstance(x, list):
        return tuple(x)
    return (x,)


def _values(t) -> list:
    """The elements of ``t`` as a flat list of Python numbers, in row-major order."""
    return t.reshape(-1).tolist()


def _vector(values: Sequence[float], like, shape=None):
    """A tensor with ``like``'s dtype and device holding ``values`` (reshaped to ``shape``)."""
    T = _tensor_api()
    out = T.tensor(list(values), dtype=like.dtype, device=like.device)
    return out.reshape(tuple(like.shape) if shape is None else shape)


def one_hot(like, index: int, value: float = 1.0):
    """Zeros shaped like ``like`` except ``value`` at flat position ``index``."""
    values = [0.0] * like.numel()
    values[index] = value
    return _vector(values, like)


def _matrix(rows: list, n_cols: int, like):
    """A ``(len(rows), n_cols)`` tensor of ``like``'s dtype and device."""
    T = _tensor_api()
    if not rows or n_cols == 0:
        return T.zeros((len(rows), n_cols), dtype=like.dtype, device=like.device)
    return T.tensor(rows, dtype=like.dtype, device=like.device)


def _allclose(analytical, numerical, rtol: float, atol: float) -> bool:
    """``allclose`` after promoting both to a common dtype, as torch's gradcheck does."""
    T = _tensor_api()
    common = D.promote_types(analytical.dtype, numerical.dtype)
    return T.allclose(analytical.to(dtype=common), numerical.to(dtype=common), rtol=rtol, atol=atol)


def _mismatch_message(analytical, numerical, output_idx: int, input_idx: int) -> str:
    return (
        f"Jacobian mismatch for output {output_idx:d} with respect to input {input_idx:d},\n"
        f"numerical:{numerical}\nanalytical:{analytical}\n"
    )


# ----------------------------------------------------------------- input checks
def _check_inputs(inputs: tuple) -> list[int]:
    """Positions of the inputs that require grad; warns on non-float64, rejects stride 0."""
    positions = []
    for idx, inp in enumerate(inputs):
        if not (_is_tensor(inp) and inp.requires_grad):
            continue
        if inp.dtype is not D.float64:
            warnings.warn(
                f"Input #{idx} requires gradient and "
                "is not a double precision floating point or complex. "
                "This check will likely fail if all the inputs are "
                "not of double precision floating point or complex. ",
                stacklevel=4,
            )
        strides = inp._backend.strides(inp._data)
        if not all(stride > 0 or size <= 1 for stride, size in zip(strides, inp.shape)):
            raise RuntimeError(
                f"The {idx}th input has a dimension with stride 0. gradcheck only "
                "supports inputs that are non-overlapping to be able to "
                "compute the numerical gradients correctly. You should call "
                ".contiguous on the input before passing it to gradcheck."
            )
        positions.append(idx)
    if not positions:
        raise ValueError(
            "gradcheck expects at least one input tensor to require gradient, "
            "but none of them have requires_grad=True."
        )
    return positions


def _differentiable_outputs(outputs) -> tuple:
    return tuple(o for o in _as_tuple(outputs) if o.requires_grad)


# ------------------------------------------------------------ numerical side
@contextlib.contextmanager
def perturbed(x, delta):
    """Inside the block ``x``'s storage holds ``x + delta``; afterwards exactly its old values.

    The write bypasses autograd and the version counter, as torch's
    perturbation of ``x.data`` does, so graphs built from ``x`` stay usable.
    """
    original = x._backend.copy(x._data)
    x._backend.assign(x._data, (x.detach() + delta)._data)
    try:
        yield
    finally:
        x._backend.assign(x._data, original)


def _finite_difference(func, inputs: tuple, x, delta, norm: float, out_positions) -> list:
    """``(f(x + delta) - f(x - delta)) / (2 * norm)`` per output in ``out_positions``, flat."""
    evaluations = []
    for step in (-delta, delta):
        with perturbed(x, step):
            outputs = _as_tuple(func(*inputs))
            evaluations.append([outputs[k].detach().clone() for k in out_positions])
    columns = []
    for a, b in zip(*evaluations):
        if tuple(a.shape) != tuple(b.shape) or a.dtype is not b.dtype:
            raise AssertionError(
                f"Expected `func` to return outputs with the same shape and dtype when inputs "
                f"are perturbed by {norm}, but got: shapes {tuple(a.shape)} and "
                f"{tuple(b.shape)}, dtypes {a.dtype} and {b.dtype}."
            )
        columns.append(((b - a) / (2 * norm)).reshape(-1))
    return columns


def _numerical_jacobians(func, inputs: tuple, positions, outputs: tuple, out_positions,
                         eps: float) -> list[list]:
    """``result[j][i]``: numerical Jacobian of output ``out_positions[i]`` w.r.t. input ``positions[j]``."""
    jacobians = []
    for position in positions:
        x = inputs[position]
        rows = [[] for _ in out_positions]
        for flat_index in range(x.numel()):
            delta = one_hot(x, flat_index, eps)
            for row, column in zip(rows, _finite_difference(func, inputs, x, delta, eps,
                                                            out_positions)):
                row.append(_values(column))
        jacobians.append([
            _matrix(row, outputs[k].numel(), outputs[k]) for row, k in zip(rows, out_positions)
        ])
    return jacobians


def _float_positions(outputs: tuple) -> list[int]:
    return [k for k, o in enumerate(outputs) if _is_tensor(o) and o.dtype.is_floating_point]


def _check_no_differentiable_outputs(func, inputs, positions, func_out, eps) -> None:
    """With no output requiring grad, every numerical derivative must be zero."""
    outputs = _as_tuple(func_out)
    for per_input in _numerical_jacobians(func, inputs, positions, outputs,
                                          _float_positions(outputs), eps):
        for jacobian in per_input:
            if any(v != 0 for v in _values(jacobian)):
                raise GradcheckError("Numerical gradient for function expected to be zero")


# ----------------------------------------------------------- analytical side
def _vjp(output, diff_inputs: list, grad_output) -> tuple:
    T = _tensor_api()
    return T.autograd.grad(output, diff_inputs, grad_output, retain_graph=True,
                           allow_unused=True)


def _vjp_columns(output, diff_inputs: list, grad_outputs, check_grad_dtypes: bool) -> list[list]:
    """``result[j]``: for each grad_output, the flat gradient of ``diff_inputs[j]`` (zeros if unused)."""
    columns = [[] for _ in diff_inputs]
    for grad_output in grad_outputs:
        for column, inp, grad in zip(columns, diff_inputs, _vjp(output, diff_inputs, grad_output)):
            if grad is None:
                column.append([0.0] * inp.numel())
                continue
            if tuple(grad.shape) != tuple(inp.shape):
                raise GradcheckError("Analytical gradient has incorrect size")
            if check_grad_dtypes and grad.dtype is not inp.dtype:
                raise GradcheckError("Gradient has dtype mismatch")
            column.append(_values(grad))
    return columns


def _reentrant(first: list[list], second: list[list], nondet_tol: float) -> bool:
    """Two runs agree: ``max |first - second| <= nondet_tol`` (NaNs compare as agreeing, as in torch)."""
    return not any(
        abs(a - b) > nondet_tol
        for col_1, col_2 in zip(first, second)
        for vec_1, vec_2 in zip(col_1, col_2)
        for a, b in zip(vec_1, vec_2)
    )


def _analytical_columns(output, diff_inputs, grad_outputs, nondet_tol, check_grad_dtypes):
    """VJPs for each grad_output, computed twice and checked for reentrancy."""
    first = _vjp_columns(output, diff_inputs, grad_outputs, check_grad_dtypes)
    second = _vjp_columns(output, diff_inputs, grad_outputs, check_grad_dtypes)
    if not _reentrant(first, second, nondet_tol):
        raise GradcheckError(
            "Backward is not reentrant, i.e., running backward with "
            "same input and grad_output multiple times gives different values, "
            "although analytical gradient matches numerical gradient."
            f"The tolerance for nondeterminism was {nondet_tol}."
        )
    return first


def _analytical_jacobians(output, diff_inputs, nondet_tol, check_grad_dtypes) -> list:
    """``result[j]``: the ``(x_j.numel(), output.numel())`` Jacobian from one VJP per output element."""
    basis = [one_hot(output, k) for k in range(output.numel())]
    columns = _analytical_columns(output, diff_inputs, basis, nondet_tol, check_grad_dtypes)
    return [
        _matrix([list(row) for row in zip(*column)] if column else [[]] * inp.numel(),
                output.numel(), inp)
        for column, inp in zip(columns, diff_inputs)
    ]


# ---------------------------------------------------------------- the checks
def _slow_check(func, inputs, positions, func_out, eps, rtol, atol, nondet_tol,
                check_grad_dtypes) -> None:
    all_outputs = _as_tuple(func_out)
    out_positions = [k for k, o in enumerate(all_outputs) if o.requires_grad]
    diff_inputs = [inputs[p] for p in positions]
    numerical = _numerical_jacobians(func, inputs, positions, all_outputs, out_positions, eps)
    for i, k in enumerate(out_positions):
        analytical = _analytical_jacobians(all_outputs[k], diff_inputs, nondet_tol,
                                           check_grad_dtypes)
        for j, a in enumerate(analytical):
            n = numerical[j][i]
            if not _allclose(a, n, rtol, atol):
                raise GradcheckError(_mismatch_message(a, n, i, j))


def _random_unit_vector(like, rng: random.Random):
    """Uniform [0, 1) entries scaled to unit length, flat, with ``like``'s dtype (torch's ``u``, ``v``)."""
    values = [rng.random() for _ in range(like.numel())]
    norm = math.sqrt(sum(v * v for v in values)) or 1.0
    return _vector([v / norm for v in values], like, (like.numel(),))


def _fast_check(func, inputs, positions, func_out, eps, rtol, atol, nondet_tol,
                check_grad_dtypes) -> None:
    """Compare ``v^T J u`` from finite differences along ``u`` with ``(v^T J) . u`` from one VJP."""
    all_outputs = _as_tuple(func_out)
    out_positions = [k for k, o in enumerate(all_outputs) if o.requires_grad]
    diff_inputs = [inputs[p] for p in positions]
    rng = random.Random(0)  # a private generator: the user's random state is left alone
    all_u = [_random_unit_vector(x, rng) for x in diff_inputs]
    all_v = [_random_unit_vector(all_outputs[k], rng) for k in out_positions]
    numerical = []  # numerical[j][i] = v_i . (J_ij u_j)
    for x, u in zip(diff_inputs, all_u):
        directional = _finite_difference(func, inputs, x, u.reshape(tuple(x.shape)) * eps, eps,
                                         out_positions)
        numerical.append([(v * ju).sum() for v, ju in zip(all_v, directional)])
    for i, (k, v) in enumerate(zip(out_positions, all_v)):
        output = all_outputs[k]
        columns = _analytical_columns(output, diff_inputs, [v.reshape(tuple(output.shape))],
                                      nondet_tol, check_grad_dtypes)
        for j, (column, u) in enumerate(zip(columns, all_u)):
            a = (_vector(column[0], u, (u.numel(),)) * u).sum()
            n = numerical[j][i]
            scaled_atol = atol * float(u.sum()) * float(v.sum())
            if not _allclose(a, n, rtol, scaled_atol):
                raise GradcheckError(
                    _mismatch_message(a, n, i, j)
                    + _slow_mode_details(func, inputs, positions, all_outputs, j, k, rtol, atol,
                                         eps)
                )


def _slow_mode_details(func, inputs, positions, outputs, input_idx, output_position, rtol, atol,
                       eps) -> str:
    """The whole Jacobians of one failing pair, appended to a fast-mode failure message."""
    numerical = _numerical_jacobians(func, inputs, [positions[input_idx]], outputs,
                                     [output_position], eps)[0][0]
    analytical = _analytical_jacobians(outputs[output_position], [inputs[positions[input_idx]]],
                                       math.inf, False)[0]
    differences = [abs(a - b) for a, b in zip(_values(numerical), _values(analytical))]
    max_diff = max(differences, default=0.0)
    msg = (
        "\nThe above quantities relating the numerical and analytical jacobians are computed \n"
        "in fast mode. See: https://github.com/pytorch/pytorch/issues/53876 for more background \n"
        "about fast mode. Below, we recompute numerical and analytical jacobians in slow mode:\n\n"
        f"Numerical:\n {numerical}\n"
        f"Analytical:\n{analytical}\n\n"
        f"The max per-element difference (slow mode) is: {max_diff}.\n"
    )
    if _allclose(analytical, numerical, rtol, atol):
        msg += FAST_FAIL_SLOW_OK_MSG
    return msg


def _check_backward_mul_by_grad_output(outputs: tuple, diff_inputs: list) -> None:
    """Zero output gradients must give zero input gradients of the inputs' dtypes and shapes."""
    T = _tensor_api()
    grads = T.autograd.grad(list(outputs), diff_inputs, [T.zeros_like(o) for o in outputs],
                            allow_unused=True)
    for grad, inp in zip(grads, diff_inputs):
        if grad is None:
            continue
        if any(v != 0 for v in _values(grad)):
            raise GradcheckError("backward not multiplied by grad_output")
        if grad.dtype is not inp.dtype:
            raise GradcheckError("grad is incorrect type")
        if grad.device != inp.device:
            raise GradcheckError("grad is incorrect device")
        if tuple(grad.shape) != tuple(inp.shape):
            raise GradcheckError("grad is incorrect size")


def _check_undefined_grad(func, inputs: tuple, diff_inputs: list) -> None:
    """Backward must accept undefined (None) output gradients and give None or zeros.

    First every differentiable output's gradient is undefined, then (with
    several outputs) each one's in turn while the others get zeros.
    """
    T = _tensor_api()
    n_outputs = len(_differentiable_outputs(func(*inputs)))
    patterns = [[True] * n_outputs]
    if n_outputs > 1:
        patterns += [[k == undefined for k in range(n_outputs)] for undefined in range(n_outputs)]
    for pattern in patterns:
        outputs = _differentiable_outputs(func(*inputs))
        roots = [o._gradient_edge() for o in outputs]
        root_grads = [None if undefined else T.zeros_like(o)._data
                      for o, undefined in zip(outputs, pattern)]
        try:
            grads = run_backward(roots, root_grads, retain_graph=False, create_graph=False,
                                 inputs=diff_inputs, accumulate=False)
        except (RuntimeError, TypeError) as error:
            raise GradcheckError(
                "Expected backward function to handle undefined output grads. "
                'Please look at "Notes about undefined output gradients" in '
                '"tools/autograd/derivatives.yaml"'
            ) from error
        if any(g is not None and any(v != 0 for v in _values(g)) for g in grads):
            raise GradcheckError(
                "Expected all input grads to be undefined or zero when all output grads are "
                'undefined or zero. Please look at "Notes about undefined output gradients" in '
                '"tools/autograd/derivatives.yaml"'
            )


def _gradcheck(func, inputs, eps, atol, rtol, nondet_tol, check_undefined_grad,
               check_grad_dtypes, fast_mode) -> bool:
    inputs = _as_tuple(inputs)
    positions = _check_inputs(inputs)
    func_out = func(*inputs)
    outputs = _differentiable_outputs(func_out)
    if not outputs:
        _check_no_differentiable_outputs(func, inputs, positions, func_out, eps)
        return True
    check = _fast_check if fast_mode else _slow_check
    check(func, inputs, positions, func_out, eps, rtol, atol, nondet_tol, check_grad_dtypes)
    diff_inputs = [inputs[p] for p in positions]
    _check_backward_mul_by_grad_output(outputs, diff_inputs)
    if check_undefined_grad:
        _check_undefined_grad(func, inputs, diff_inputs)
    return True


def gradcheck(
    func: Callable,
    inputs,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    nondet_tol: float = 0.0,
    check_undefined_grad: bool = True,
    check_grad_dtypes: bool = False,
    fast_mode: bool = False,
) -> bool:
    """Check autograd's gradients of ``func`` at ``inputs`` against central differences.

    For every input ``x_j`` that requires grad and every differentiable
    output ``y_i``: ``allclose(J_analytical, J_numerical, rtol, atol)`` with
    ``J_numerical[e, :] = (f(x + eps e) - f(x - eps e)) / (2 eps)`` and
    ``J_analytical[:, o] = autograd.grad(y_i, x_j, one_hot(o))``. Inputs
    should be float64 (others get a warning). Returns True, or on failure
    raises :class:`GradcheckError` (``raise_exception=True``) or returns False.
    """
    try:
        return _gradcheck(func, inputs, eps, atol, rtol, nondet_tol, check_undefined_grad,
                          check_grad_dtypes, fast_mode)
    except GradcheckError:
        if raise_exception:
            raise
        return False


def _random_grad_output(output, rng: random.Random):
    """Uniform values in [-1, 1) shaped like ``output``, requiring grad (float64 for non-floats)."""
    T = _tensor_api()
    dtype = output.dtype if output.dtype.is_floating_point else D.float64
    values = [rng.uniform(-1.0, 1.0) for _ in range(output.numel())]
    return T.tensor(values, dtype=dtype, device=output.device).reshape(
        tuple(output.shape)).requires_grad_(True)


def gradgradcheck(
    func: Callable,
    inputs,
    grad_outputs=None,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
    nondet_tol: float = 0.0,
    check_undefined_grad: bool = True,
    check_grad_dtypes: bool = False,
    fast_mode: bool = False,
) -> bool:
    """Check second derivatives: gradcheck of ``(x, g) -> autograd.grad(func(x), x, g, create_graph=True)``.

    ``grad_outputs`` default to random tensors in [-1, 1) (a fixed seed, so
    the check is repeatable) that require grad, one per differentiable output.
    """
    T = _tensor_api()
    inputs = _as_tuple(inputs)
    if grad_outputs is None:
        rng = random.Random(0)
        grad_outputs = tuple(_random_grad_output(o, rng)
                             for o in _differentiable_outputs(func(*inputs)))
    else:
        grad_outputs = _as_tuple(grad_outputs)
    n_grads = len(grad_outputs)
    diff_positions = {i for i, x in enumerate(inputs) if _is_tensor(x) and x.requires_grad}

    def first_derivatives(*args):
        input_args, grad_args = args[:len(args) - n_grads], args[len(args) - n_grads:]
        outputs = _differentiable_outputs(func(*input_args))
        diff_inputs = [x for i, x in enumerate(input_args) if i in diff_positions]
        grads = T.autograd.grad(list(outputs), diff_inputs, list(grad_args), create_graph=True,
                                allow_unused=True)
        return tuple(g for g in grads if g is not None)

    return gradcheck(first_derivatives, inputs + grad_outputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception, nondet_tol=nondet_tol,
                     check_undefined_grad=check_undefined_grad,
                     check_grad_dtypes=check_grad_dtypes, fast_mode=fast_mode)
