"""``AdamW``: Adam with decoupled weight decay (Loshchilov & Hutter, 2019)."""

from __future__ import annotations

from collections.abc import Iterable

from .._tensor import Tensor
from .adam import Adam


class AdamW(Adam):
    """torch's AdamW: Adam's update with the weight decay applied to the parameter itself,
    p <- p (1 - lr weight_decay), before the moment update (not added to the gradient);
    weight_decay defaults to 1e-2. See :class:`Adam` for the rest of the rule."""

    def __init__(self, params: Iterable[Tensor] | Iterable[dict], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 maximize: bool = False) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         decoupled_weight_decay=True)
