"""``SGD``: stochastic gradient descent with momentum, dampening, Nesterov and weight decay."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .. import _ops
from .._tensor import Tensor
from .optimizer import Optimizer, bump_versions, fused_update


class SGD(Optimizer):
    """torch's SGD, update for each parameter p with gradient g (per step t):

    g <- -g if maximize;  g <- g + weight_decay * p
    b <- g (t = 1),  b <- momentum * b + (1 - dampening) * g (t > 1)      [if momentum != 0]
    g <- g + momentum * b (nesterov)  or  g <- b                          [if momentum != 0]
    p <- p - lr * g

    The momentum buffer ``b`` is ``state[p]["momentum_buffer"]``.
    The tensor ops written here are the formula; the backends run it fused (the
    backend's ``sgd_step_``: one kernel per parameter on cuda, in-place numpy on
    cpu), and use these ops only where a backend has no fused update.
    """

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 1e-3,
                 momentum: float = 0, dampening: float = 0, weight_decay: float = 0,
                 nesterov: bool = False, *, maximize: bool = False) -> None:
        if lr < 0.0:
            raise ValueError(f"Invalid learning rate: {lr}")
        if momentum < 0.0:
            raise ValueError(f"Invalid momentum value: {momentum}")
        if weight_decay < 0.0:
            raise ValueError(f"Invalid weight_decay value: {weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening,
                    "weight_decay": weight_decay, "nesterov": nesterov, "maximize": maximize}
        super().__init__(params, defaults)

    def _update_group(self, group: dict[str, Any], params: list[Tensor]) -> None:
        lr, momentum, dampening = group["lr"], group["momentum"], group["dampening"]
        weight_decay, nesterov = group["weight_decay"], group["nesterov"]
        for param in params:
            step_ = fused_update(param, "sgd_step_")
            if step_ is not None:
                self._fused_step(step_, param, group)
                continue
            grad = -param.grad if group["maximize"] else param.grad
            if weight_decay != 0:
                grad = grad.add(param, alpha=weight_decay)
            if momentum != 0:
                state = self.state[param]
                buffer = state.get("momentum_buffer")
                if buffer is None:
                    buffer = grad.clone().detach()
                    state["momentum_buffer"] = buffer
                else:
                    buffer.mul_(momentum).add_(grad, alpha=1 - dampening)
                grad = grad.add(buffer, alpha=momentum) if nesterov else buffer
            param.add_(grad, alpha=-lr)

    def _fused_step(self, step_, param: Tensor, group: dict[str, Any]) -> None:
        """The whole update of ``param`` (and its momentum buffer) in one backend kernel."""
        buffer = None
        first_step = False
        if group["momentum"] != 0:
            state = self.state[param]
            buffer = state.get("momentum_buffer")
            first_step = buffer is None
            if first_step:
                buffer = state["momentum_buffer"] = _ops.empty_like(param)
        step_(param._data, param.grad._data, None if buffer is None else buffer._data,
              lr=group["lr"], momentum=group["momentum"], dampening=group["dampening"],
              nesterov=group["nesterov"], weight_decay=group["weight_decay"],
              maximize=group["maximize"], first_step=first_step)
        bump_versions(param, buffer)
