"""The kernels as ``torch.autograd.Function``s: drop-in ops for torch users, differentiable twice (and more).

Each public function here takes and returns torch tensors; its forward is one
Triton launch (a launcher from ``elementwise``, ``reduce``, ``matmul`` or
``softmax``) and its backward is written with the same differentiable
Functions, so ``create_graph=True`` builds a graph of Triton ops and double
backward runs through Triton kernels (Liger-Kernel and attorch launch raw
kernels in their backward, so their second-order terms vanish).

Where a fused VJP kernel exists (``unary_backward``, ``mul_backward``,
``softmax_backward``, ``cross_entropy_backward``) the backward uses it: for
``unary_backward`` and ``softmax_backward`` the fused kernel is itself the
forward of a backward Function whose own backward is again Triton ops; for
``mul`` and ``cross_entropy`` the fused kernel serves ``create_graph=False``
and the composed, differentiable formula serves ``create_graph=True`` (a
backward runs with grad mode on exactly when it must build a graph).

Broadcasting is undone by ``_SumToShape`` (a ``reduce.sum_to_shape`` launch)
whose backward is ``_BroadcastTo`` (a strided copy of a stride-0 view) and
back: the pair closes under differentiation.

Use: ``from triton_kernels import torch_ops as T; loss = T.cross_entropy(T.linear(x, w, b), y)``.
Without a GPU, set ``TRITON_INTERPRET=1`` before importing triton and pass CPU tensors.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

from . import elementwise
from . import matmul as matmul_kernels
from . import reduce as reduce_kernels
from . import softmax as softmax_kernels
from ._common import wrap_dim

Operand = torch.Tensor | float | int

# ------------------------------------------------------------ broadcasting


class _BroadcastTo(torch.autograd.Function):
    """``x`` expanded to ``shape`` and materialised (one strided-copy launch); backward sums back."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, shape: tuple[int, ...]) -> torch.Tensor:
        ctx.input_shape = x.shape
        return elementwise.copy(x.expand(shape))

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        return _sum_to(grad, ctx.input_shape), None


class _SumToShape(torch.autograd.Function):
    """``x`` summed down to ``shape`` (undoing broadcasting; one launch); backward broadcasts back."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, shape: tuple[int, ...]) -> torch.Tensor:
        ctx.input_shape = x.shape
        return reduce_kernels.sum_to_shape(x, shape)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        return _broadcast_to(grad, ctx.input_shape), None


def _sum_to(x: torch.Tensor, shape: Sequence[int]) -> torch.Tensor:
    """``x.sum_to_size(shape)`` through Triton (no launch when the shapes already agree)."""
    shape = tuple(shape)
    return x if tuple(x.shape) == shape else _SumToShape.apply(x, shape)


def _broadcast_to(x: torch.Tensor, shape: Sequence[int]) -> torch.Tensor:
    shape = tuple(shape)
    return x if tuple(x.shape) == shape else _BroadcastTo.apply(x, shape)


def _shape(x: Operand) -> tuple[int, ...] | None:
    return tuple(x.shape) if isinstance(x, torch.Tensor) else None


# ------------------------------------------------------------- add, mul


class _Add(torch.autograd.Function):
    """``a + alpha * b`` with broadcasting; ``d/da = sum_to(g)``, ``d/db = sum_to(alpha g)``."""

    @staticmethod
    def forward(ctx, a: Operand, b: Operand, alpha: float) -> torch.Tensor:
        ctx.shapes = (_shape(a), _shape(b))
        ctx.alpha = alpha
        if alpha == 1:
            return elementwise.binary("add", a, b)
        return elementwise.binary("add", a, b, alpha=alpha)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        need_a, need_b, _ = ctx.needs_input_grad
        grad_a = _sum_to(grad, ctx.shapes[0]) if need_a else None
        grad_b = None
        if need_b:
            grad_b = _sum_to(grad if ctx.alpha == 1 else mul(grad, ctx.alpha), ctx.shapes[1])
        return grad_a, grad_b, None


def add(a: Operand, b: Operand, alpha: float = 1) -> torch.Tensor:
    """``a + alpha * b`` (torch.add), broadcasting; tensors or Python numbers (at least one tensor)."""
    return _Add.apply(a, b, alpha)


class _Mul(torch.autograd.Function):
    """``a * b`` with broadcasting; ``d/da = sum_to(g b)``, ``d/db = sum_to(g a)``."""

    @staticmethod
    def forward(ctx, a: Operand, b: Operand) -> torch.Tensor:
        tensors = [x for x in (a, b) if isinstance(x, torch.Tensor)]
        ctx.save_for_backward(*tensors)
        ctx.scalars = tuple(None if isinstance(x, torch.Tensor) else x for x in (a, b))
        return elementwise.binary("mul", a, b)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        saved = iter(ctx.saved_tensors)
        a, b = (next(saved) if scalar is None else scalar for scalar in ctx.scalars)
        need_a, need_b = ctx.needs_input_grad
        if torch.is_grad_enabled():  # create_graph: differentiable Triton ops
            grad_a = _sum_to(mul(grad, b), a.shape) if need_a else None
            grad_b = _sum_to(mul(grad, a), b.shape) if need_b else None
            return grad_a, grad_b
        grad_a, grad_b = elementwise.mul_backward(grad, a, b, need_a, need_b)  # both in one launch
        if need_a and grad_a.shape != a.shape:
            grad_a = reduce_kernels.sum_to_shape(grad_a, a.shape)
        if need_b and grad_b.shape != b.shape:
            grad_b = reduce_kernels.sum_to_shape(grad_b, b.shape)
        return grad_a, grad_b


def mul(a: Operand, b: Operand) -> torch.Tensor:
    """``a * b`` (torch.mul), broadcasting; a and b tensors or Python numbers (at least one tensor)."""
    return _Mul.apply(a, b)


# ------------------------------------------------------------------ sum


def _dims(dim, ndim: int) -> tuple[int, ...] | None:
    """``dim`` (None, an int or a sequence of ints, negative allowed) as sorted non-negative dims."""
    if dim is None:
        return None
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    wrapped = sorted({wrap_dim(d, ndim) for d in dims})
    if len(wrapped) != len(dims):
        raise RuntimeError("dim appears multiple times in the list of dims")
    return tuple(wrapped) if ndim else None


class _Sum(torch.autograd.Function):
    """``sum`` over ``dims``; backward broadcasts ``g`` (unsqueezed at ``dims``) back to the input's shape."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, dims: tuple[int, ...] | None, keepdim: bool) -> torch.Tensor:
        ctx.input_shape = x.shape
        ctx.dims = tuple(range(x.dim())) if dims is None else dims
        ctx.keepdim = keepdim
        return reduce_kernels.reduce("sum", x, dims, keepdim)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        if not ctx.keepdim:
            for d in ctx.dims:
                grad = grad.unsqueeze(d)  # a view
        return _broadcast_to(grad, ctx.input_shape), None, None


def sum(x: torch.Tensor, dim=None, keepdim: bool = False) -> torch.Tensor:  # shadows builtins.sum, as torch
    """``sum_{i in dim} x_i`` (torch.sum): ``dim`` None (all), an int or a tuple of ints; ``keepdim``."""
    return _Sum.apply(x, _dims(dim, x.dim()), keepdim)


# ---------------------------------------------------------- unary activations


_SAVES_OUTPUT = ("tanh", "sigmoid", "relu", "exp")
"""Ops whose VJP kernel reads the forward output; the others read the input."""

_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def _second_derivative_factor(op: str, saved: torch.Tensor):
    """``d/d saved`` of ``unary_backward(op, g, saved)`` divided by ``g``, written with differentiable ops.

    tanh (saved y): ``-2 y``; sigmoid (saved y): ``1 - 2 y``; exp (saved y): 1;
    gelu (saved x): ``phi(x) (2 - x^2)``; silu (saved x): ``s (1 - s) (2 + x (1 - 2 s))``,
    ``s = sigmoid(x)``; relu: None (its derivative is piecewise constant).
    """
    if op == "relu":
        return None
    if op == "tanh":
        return mul(saved, -2.0)
    if op == "sigmoid":
        return add(mul(saved, -2.0), 1.0)
    if op == "exp":
        return 1.0  # a number: the caller skips the multiplication
    if op == "gelu":
        square = mul(saved, saved)
        return mul(_unary(mul(square, -0.5), "exp"), add(mul(square, -_INV_SQRT_2PI), 2.0 * _INV_SQRT_2PI))
    if op == "silu":
        s = sigmoid(saved)
        return mul(mul(s, add(mul(s, -1.0), 1.0)), add(mul(saved, add(mul(s, -2.0), 1.0)), 2.0))
    raise ValueError(f"triton_kernels.torch_ops: no second derivative for {op!r}")


class _Unary(torch.autograd.Function):
    """``op(x)`` (one launch); backward: ``_UnaryBackward(g, saved)``, the fused VJP, differentiable."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, op: str) -> torch.Tensor:
        out = elementwise.unary(op, x)
        ctx.op = op
        ctx.save_for_backward(out if op in _SAVES_OUTPUT else x)
        return out

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        (saved,) = ctx.saved_tensors
        return _UnaryBackward.apply(grad, saved, ctx.op), None


class _UnaryBackward(torch.autograd.Function):
    """``g * op'(x)`` from ``saved`` (one fused launch). Linear in g, so ``d/dg`` is itself again;
    ``d/d saved = h g * factor(saved)`` (:func:`_second_derivative_factor`)."""

    @staticmethod
    def forward(ctx, grad: torch.Tensor, saved: torch.Tensor, op: str) -> torch.Tensor:
        ctx.op = op
        ctx.save_for_backward(grad, saved)
        return elementwise.unary_backward(op, grad, saved)

    @staticmethod
    def backward(ctx, grad_grad: torch.Tensor):
        grad, saved = ctx.saved_tensors
        need_grad, need_saved, _ = ctx.needs_input_grad
        d_grad = _UnaryBackward.apply(grad_grad, saved, ctx.op) if need_grad else None
        d_saved = None
        if need_saved:
            factor = _second_derivative_factor(ctx.op, saved)
            if factor is not None:
                product = mul(grad_grad, grad)
                d_saved = product if isinstance(factor, float) else mul(product, factor)
        return d_grad, d_saved, None


def _unary(x: torch.Tensor, op: str) -> torch.Tensor:
    return _Unary.apply(x, op)


def relu(x: torch.Tensor) -> torch.Tensor:
    """``max(x, 0)``; VJP ``g [y > 0]``."""
    return _unary(x, "relu")


def gelu(x: torch.Tensor) -> torch.Tensor:
    """``x Phi(x)`` (erf form, torch's default); VJP ``g (Phi(x) + x phi(x))``."""
    return _unary(x, "gelu")


def silu(x: torch.Tensor) -> torch.Tensor:
    """``x sigmoid(x)``; VJP ``g s (1 + x (1 - s))``, ``s = sigmoid(x)``."""
    return _unary(x, "silu")


def tanh(x: torch.Tensor) -> torch.Tensor:
    """``tanh(x)``; VJP ``g (1 - y^2)`` from the output y."""
    return _unary(x, "tanh")


def sigmoid(x: torch.Tensor) -> torch.Tensor:
    """``1 / (1 + exp(-x))``; VJP ``g y (1 - y)`` from the output y."""
    return _unary(x, "sigmoid")


# ------------------------------------------------------------------ softmax


class _Softmax(torch.autograd.Function):
    """softmax / log_softmax along ``dim`` (one launch); backward ``_SoftmaxBackward(g, y)``."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, dim: int, log: bool) -> torch.Tensor:
        out = (softmax_kernels.log_softmax if log else softmax_kernels.softmax)(x, dim)
        ctx.dim, ctx.log = dim, log
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        (out,) = ctx.saved_tensors
        return _SoftmaxBackward.apply(grad, out, ctx.dim, ctx.log), None, None


class _SoftmaxBackward(torch.autograd.Function):
    """The fused softmax / log_softmax VJP (one launch), differentiable in both ``g`` and ``y``.

    softmax, ``dx = y (g - s)``, ``s = sum y g``: ``d/dg = y (h - sum h y)``
    (the same VJP of h), ``d/dy = h (g - s) - g sum(h y)``. log_softmax,
    ``dx = g - p sum g``, ``p = exp(y)``: ``d/dg = h - sum(h p)``,
    ``d/dy = -h p sum g``. Sums run along ``dim`` with ``keepdim``.
    """

    @staticmethod
    def forward(ctx, grad: torch.Tensor, out: torch.Tensor, dim: int, log: bool) -> torch.Tensor:
        ctx.dim, ctx.log = dim, log
        ctx.save_for_backward(grad, out)
        if log:
            return softmax_kernels.log_softmax_backward(grad, out, dim)
        return softmax_kernels.softmax_backward(grad, out, dim)

    @staticmethod
    def backward(ctx, grad_grad: torch.Tensor):
        grad, out = ctx.saved_tensors
        need_grad, need_out, _, _ = ctx.needs_input_grad
        dim = ctx.dim
        d_grad = d_out = None
        if ctx.log:
            p = _unary(out, "exp")
            h_p = mul(grad_grad, p)
            if need_grad:
                d_grad = add(grad_grad, _Sum.apply(h_p, (dim,), True), alpha=-1)
            if need_out:
                d_out = mul(h_p, mul(_Sum.apply(grad, (dim,), True), -1.0))
        else:
            if need_grad:
                d_grad = _SoftmaxBackward.apply(grad_grad, out, dim, False)
            if need_out:
                s = _Sum.apply(mul(out, grad), (dim,), True)
                t = _Sum.apply(mul(grad_grad, out), (dim,), True)
                d_out = add(mul(grad_grad, add(grad, s, alpha=-1)), mul(grad, t), alpha=-1)
        return d_grad, d_out, None, None


def softmax(x: torch.Tensor, dim: int) -> torch.Tensor:
    """``exp(x_j - m) / sum_k exp(x_k - m)`` along ``dim``, ``m = max x``; VJP ``y (g - sum y g)``."""
    return _Softmax.apply(x, wrap_dim(dim, x.dim()), False)


def log_softmax(x: torch.Tensor, dim: int) -> torch.Tensor:
    """``x_j - m - log sum_k exp(x_k - m)`` along ``dim``; VJP ``g - exp(y) sum g``."""
    return _Softmax.apply(x, wrap_dim(dim, x.dim()), True)


# ------------------------------------------------------------ matmul, linear


class _Matmul(torch.autograd.Function):
    """``a @ b``, 2-D or batched (one launch); ``d/da = sum_to(g b^T)``, ``d/db = sum_to(a^T g)``."""

    @staticmethod
    def forward(ctx, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(a, b)
        return matmul_kernels.matmul(a, b)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        grad_a = _sum_to(_Matmul.apply(grad, b.mT), a.shape) if need_a else None  # transposed views
        grad_b = _sum_to(_Matmul.apply(a.mT, grad), b.shape) if need_b else None
        return grad_a, grad_b


def matmul(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """``a @ b`` (torch.matmul): ``C[..., i, j] = sum_k A[..., i, k] B[..., k, j]``; 1-D, 2-D, batched.

    A 1-D ``a`` is a row and a 1-D ``b`` a column (unsqueezed views, their unit
    dim dropped from the result), batch dims broadcast; errors are torch's.
    """
    if a.dim() >= 2 and b.dim() >= 2:
        return _Matmul.apply(a, b)
    if a.dim() == 0 or b.dim() == 0:
        return matmul_kernels.matmul(a, b)  # torch's error for 0-d operands
    if a.dim() == 1 and b.dim() == 1 and a.shape[0] != b.shape[0]:  # torch.dot's wording
        raise RuntimeError(
            f"inconsistent tensor size, expected tensor [{a.shape[0]}] and src [{b.shape[0]}] to have the "
            f"same number of elements, but got {a.shape[0]} and {b.shape[0]} elements respectively"
        )
    out = _Matmul.apply(a.unsqueeze(0) if a.dim() == 1 else a, b.unsqueeze(-1) if b.dim() == 1 else b)
    if a.dim() == 1:
        out = out.squeeze(-2)
    if b.dim() == 1:
        out = out.squeeze(-1)
    return out


class _Linear(torch.autograd.Function):
    """``x W^T + b`` with the bias added in the matmul's epilogue (one ``addmm`` launch).

    ``d/dx = g W``, ``d/dW = g^T x`` (batch dims folded into the rows, or summed),
    ``d/db = sum_to(g, (out,))``: all differentiable Functions.
    """

    @staticmethod
    def forward(ctx, x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
        ctx.save_for_backward(x, weight)
        ctx.bias_shape = None if bias is None else bias.shape
        if bias is None:
            return matmul_kernels.matmul(x, weight.mT)
        return matmul_kernels.addmm(bias, x, weight.mT)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        x, weight = ctx.saved_tensors
        need_x, need_weight, need_bias = ctx.needs_input_grad
        grad_x = _Matmul.apply(grad, weight) if need_x else None
        grad_weight = None
        if need_weight:
            rows_grad, rows_x = _as_matrix(grad), _as_matrix(x)
            if rows_grad is not None and rows_x is not None:
                grad_weight = _Matmul.apply(rows_grad.mT, rows_x)
            else:  # batch dims not viewable as rows: batched products, then one reduction
                grad_weight = _sum_to(_Matmul.apply(grad.mT, x), weight.shape)
        grad_bias = _sum_to(grad, ctx.bias_shape) if need_bias else None
        return grad_x, grad_weight, grad_bias


def _as_matrix(x: torch.Tensor) -> torch.Tensor | None:
    """``x`` viewed as a (rows, last dim) matrix without a copy, or None when no such view exists."""
    if x.dim() == 2:
        return x
    try:
        return x.view(-1, x.shape[-1])
    except RuntimeError:
        return None


def linear(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None = None) -> torch.Tensor:
    """``x W^T + b`` (torch.nn.functional.linear): ``y[..., o] = sum_i x[..., i] W[o, i] + b[o]``."""
    if x.dim() == 1:
        return _Linear.apply(x.unsqueeze(0), weight, bias).squeeze(0)
    return _Linear.apply(x, weight, bias)


# ------------------------------------------------------------- cross_entropy


class _CrossEntropy(torch.autograd.Function):
    """cross_entropy whose forward launch also writes ``d(loss)/d(logits)``; backward scales it.

    Without ``create_graph`` the backward is one ``cross_entropy_backward``
    launch. With it, the gradient is rebuilt as a differentiable function of
    the logits: ``grad_logits = A softmax(x) + B`` where ``A`` (per row) comes
    from the forward launch and ``B = grad_logits - A p`` is constant in x, so
    the second derivative is ``A`` times softmax's (through ``_Softmax``).
    """

    @staticmethod
    def forward(ctx, logits, target, weight, ignore_index, reduction, label_smoothing):
        loss, grad_logits, row_scale = softmax_kernels.cross_entropy(
            logits, target, weight, ignore_index, reduction, label_smoothing, return_row_scale=True
        )
        ctx.reduction = reduction
        ctx.save_for_backward(logits, grad_logits, row_scale)
        return loss

    @staticmethod
    def backward(ctx, grad_loss: torch.Tensor):
        logits, grad_logits, row_scale = ctx.saved_tensors
        if not torch.is_grad_enabled():
            grad = softmax_kernels.cross_entropy_backward(grad_loss, grad_logits, ctx.reduction)
            return grad, None, None, None, None, None
        class_dim = 1 if logits.dim() > 1 else 0
        scale = row_scale.unsqueeze(class_dim)  # a view, broadcast along the classes
        p = _Softmax.apply(logits, class_dim, False)
        constant = elementwise.binary("sub", grad_logits, elementwise.binary("mul", scale, p.detach()))
        upstream = grad_loss.unsqueeze(class_dim) if ctx.reduction == "none" else grad_loss
        grad = mul(add(mul(scale, p), constant), upstream)
        return grad, None, None, None, None, None


def cross_entropy(
    logits: torch.Tensor, target: torch.Tensor, ignore_index: int = -100, reduction: str = "mean",
    label_smoothing: float = 0.0, weight: torch.Tensor | None = None,
) -> torch.Tensor:
    """torch.nn.functional.cross_entropy with class-index targets (see ``softmax.cross_entropy``).

    ``loss_i = (1 - eps) w_t (lse_i - x_{i,t}) + eps / C (W lse_i - sum_c w_c x_{i,c})``, reduced by
    ``reduction``; the gradient of the logits comes from the forward launch.
    """
    if weight is not None and weight.requires_grad and torch.is_grad_enabled():
        raise RuntimeError(
            "The function 'nll_loss_forward' is not differentiable with respect to argument 'weight'. "
            "This input cannot have requires_grad True."
        )
    return _CrossEntropy.apply(logits, target, weight, ignore_index, reduction, label_smoothing)


__all__ = ["add", "cross_entropy", "gelu", "linear", "log_softmax", "matmul", "mul", "relu", "sigmoid",
           "silu", "softmax", "sum", "tanh"]
