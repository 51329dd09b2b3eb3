"""``RMSprop``: gradient steps divided by a running root-mean-square of the gradients."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .. import _ops
from .._dtypes import float32
from .._tensor import Tensor
from .optimizer import Optimizer, check_hyperparameters


class RMSprop(Optimizer):
    """torch's RMSprop, update for each parameter p with gradient g:

    g <- -g if maximize;  g <- g + weight_decay * p
    v <- alpha v + (1 - alpha) g^2
    c <- c + (1 - alpha) (g - c),  s = sqrt(v - c^2)     [centered]   (else s = sqrt(v))
    b <- momentum b + g / (s + eps),  p <- p - lr b      [momentum > 0]
    p <- p - lr g / (s + eps)                            [otherwise]

    State: ``step`` (float32 0-d), ``square_avg`` (v), ``momentum_buffer`` (b, with
    momentum), ``grad_avg`` (c, when centered).
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 1e-2,
                 alpha: float = 0.99, eps: float = 1e-8, weight_decay: float = 0,
                 momentum: float = 0, centered: bool = False, *,
                 maximize: bool = False) -> None:
        check_hyperparameters(lr=lr, eps=eps, momentum=momentum, weight_decay=weight_decay,
                              alpha=alpha)
        defaults = {"lr": lr, "momentum": momentum, "alpha": alpha, "eps": eps,
                    "centered": centered, "weight_decay": weight_decay, "maximize": maximize}
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any], params: list[Tensor]) -> None:
        lr, alpha, eps = group["lr"], group["alpha"], group["eps"]
        momentum, weight_decay = group["momentum"], group["weight_decay"]
        for param in params:
            grad = -param.grad if group["maximize"] else param.grad
            state = self.state[param]
            if not state:
                state["step"] = _ops.tensor(0.0, dtype=float32)
                state["square_avg"] = _ops.zeros_like(param)
                if momentum > 0:
                    state["momentum_buffer"] = _ops.zeros_like(param)
                if group["centered"]:
                    state["grad_avg"] = _ops.zeros_like(param)
            state["step"].add_(1)
            if weight_decay != 0:
                grad = grad.add(param, alpha=weight_decay)
            square_avg = state["square_avg"]
            square_avg.mul_(alpha).add_(grad * grad * (1 - alpha))
            if group["centered"]:
                grad_avg = state["grad_avg"]
                grad_avg.add_(grad - grad_avg, alpha=1 - alpha)
                average = (square_avg - grad_avg * grad_avg).sqrt()
            else:
                average = square_avg.sqrt()
            average = average.add_(eps)
            if momentum > 0:
                buffer = state["momentum_buffer"]
                buffer.mul_(momentum).add_(grad / average)
                param.add_(buffer, alpha=-lr)
            else:
                param.add_(grad / average, alpha=-lr)
