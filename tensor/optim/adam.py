"""``Adam``: adaptive moment estimation (Kingma & Ba, 2015), torch's exact update."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .. import _ops
from .._dtypes import float32
from .._tensor import Tensor
from .optimizer import Optimizer, bump_versions, fused_update


class Adam(Optimizer):
    """torch's Adam, update for each parameter p with gradient g at step t = 1, 2, ...:

    g <- -g if maximize
    g <- g + weight_decay * p      (or p <- p (1 - lr weight_decay) if decoupled_weight_decay)
    m <- m + (1 - beta1) (g - m)                       (torch's lerp)
    v <- beta2 v + (1 - beta2) g^2
    v_max <- max(v_max, v), used instead of v           [amsgrad]
    p <- p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)

    State per parameter: ``step`` (a float32 0-d tensor, as torch keeps it),
    ``exp_avg`` (m), ``exp_avg_sq`` (v) and, with amsgrad, ``max_exp_avg_sq``.
    The tensor ops written here are the formula; the backends run it fused (the
    backend's ``adam_step_``: one kernel per parameter on cuda, in-place numpy on
    cpu), and use these ops only where a backend has no fused update.
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0, amsgrad: bool = False, *, maximize: bool = False,
                 decoupled_weight_decay: bool = False) -> None:
        if not 0.0 <= lr:
            raise ValueError(f"Invalid learning rate: {lr}")
        if not 0.0 <= eps:
            raise ValueError(f"Invalid epsilon value: {eps}")
        for index, beta in enumerate(betas):
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"Invalid beta parameter at index {index}: {beta}")
        if not 0.0 <= weight_decay:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "amsgrad": amsgrad, "maximize": maximize,
                    "decoupled_weight_decay": decoupled_weight_decay}
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any], params: list[Tensor]) -> None:
        lr, eps, weight_decay = group["lr"], group["eps"], group["weight_decay"]
        beta1, beta2 = group["betas"]
        for param in params:
            state = self.state[param]
            if not state:
                state["step"] = _ops.tensor(0.0, dtype=float32)
                state["exp_avg"] = _ops.zeros_like(param)
                state["exp_avg_sq"] = _ops.zeros_like(param)
                if group["amsgrad"]:
                    state["max_exp_avg_sq"] = _ops.zeros_like(param)
            exp_avg, exp_avg_sq = state["exp_avg"], state["exp_avg_sq"]
            state["step"].add_(1)
            step_ = fused_update(param, "adam_step_")
            if step_ is not None:
                _fused_step(step_, param, state, group)
                continue
            grad = -param.grad if group["maximize"] else param.grad
            if weight_decay != 0:
                if group["decoupled_weight_decay"]:
                    param.mul_(1 - lr * weight_decay)
                else:
                    grad = grad.add(param, alpha=weight_decay)
            _lerp_(exp_avg, grad, 1 - beta1)
            exp_avg_sq.mul_(beta2).add_(grad * (1 - beta2) * grad)
            step = state["step"].item()
            step_size = lr / (1 - beta1**step)
            bias_correction2_sqrt = (1 - beta2**step) ** 0.5
            if group["amsgrad"]:
                max_exp_avg_sq = state["max_exp_avg_sq"]
                max_exp_avg_sq.copy_(_ops.maximum(max_exp_avg_sq, exp_avg_sq))
                second_moment = max_exp_avg_sq
            else:
                second_moment = exp_avg_sq
            denom = (second_moment.sqrt() / bias_correction2_sqrt).add_(eps)
            param.add_(exp_avg / denom, alpha=-step_size)


def _fused_step(step_, param: Tensor, state: dict[str, Any], group: dict[str, Any]) -> None:
    """The whole update of ``param`` and its moments in one backend kernel (the same formula)."""
    beta1, beta2 = group["betas"]
    max_exp_avg_sq = state.get("max_exp_avg_sq")
    step_(param._data, param.grad._data, state["exp_avg"]._data, state["exp_avg_sq"]._data,
          None if max_exp_avg_sq is None else max_exp_avg_sq._data, step=state["step"].item(),
          lr=group["lr"], beta1=beta1, beta2=beta2, eps=group["eps"],
          weight_decay=group["weight_decay"], decoupled=group["decoupled_weight_decay"],
          amsgrad=group["amsgrad"], maximize=group["maximize"])
    bump_versions(param, state["exp_avg"], state["exp_avg_sq"], max_exp_avg_sq)
    if group["weight_decay"] != 0 and group["decoupled_weight_decay"]:
        bump_versions(param)  # torch's update changes the parameter twice then (mul_, then add)


def _lerp_(start: Tensor, end: Tensor, weight: float) -> Tensor:
    """start <- start + weight (end - start), with torch's two-sided formula for accuracy:
    end - (end - start)(1 - weight) when weight >= 0.5."""
    if weight < 0.5:
        return start.add_(end - start, alpha=weight)
    return start.copy_(end - (end - start) * (1 - weight))
