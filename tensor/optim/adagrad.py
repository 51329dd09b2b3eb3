"""``Adagrad``: per-coordinate steps scaled by the accumulated squared gradients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .. import _ops
from .._dtypes import float32
from .._tensor import Tensor
from .optimizer import Optimizer, check_hyperparameters


class Adagrad(Optimizer):
    """torch's Adagrad, update for each parameter p with gradient g at step t = 1, 2, ...:

    g <- -g if maximize;  g <- g + weight_decay * p
    lr_t = lr / (1 + (t - 1) lr_decay)
    s <- s + g^2
    p <- p - lr_t g / (sqrt(s) + eps)

    State (made at construction, as torch): ``step`` (float32 0-d) and ``sum`` (s, starting
    at ``initial_accumulator_value``).
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 1e-2,
                 lr_decay: float = 0, weight_decay: float = 0,
                 initial_accumulator_value: float = 0, eps: float = 1e-10, *,
                 maximize: bool = False) -> None:
        check_hyperparameters(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                              initial_accumulator_value=initial_accumulator_value, eps=eps)
        defaults = {"lr": lr, "lr_decay": lr_decay, "eps": eps, "weight_decay": weight_decay,
                    "initial_accumulator_value": initial_accumulator_value,
                    "maximize": maximize}
        super().__init__(params, defaults)
        for group in self.param_groups:
            for param in group["params"]:
                state = self.state[param]
                state["step"] = _ops.tensor(0.0, dtype=float32)
                state["sum"] = _ops.full_like(param, group["initial_accumulator_value"])

    def _update_group(self, group: dict[str, Any], params: list[Tensor]) -> None:
        lr, lr_decay, eps = group["lr"], group["lr_decay"], group["eps"]
        weight_decay = group["weight_decay"]
        for param in params:
            grad = -param.grad if group["maximize"] else param.grad
            state = self.state[param]
            state["step"].add_(1)
            step = state["step"].item()
            if weight_decay != 0:
                grad = grad.add(param, alpha=weight_decay)
            step_lr = lr / (1 + (step - 1) * lr_decay)
            state["sum"].add_(grad * grad)
            param.add_(grad / state["sum"].sqrt().add_(eps), alpha=-step_lr)
