"""Loss layers: each holds its options and calls the function of the same name in
:mod:`tensor.nn.functional`."""

from __future__ import annotations

from ..._tensor import Tensor
from .. import functional as F
from .module import Module


class MSELoss(Module):
    """reduce((input - target)^2) with ``reduction`` 'mean' | 'sum' | 'none'."""

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        self.reduction = reduction

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.mse_loss(input, target, reduction=self.reduction)


class _WeightedLoss(Module):
    """Shared state of the class-index losses: an optional per-class ``weight`` buffer."""

    def __init__(self, weight: Tensor | None, ignore_index: int, reduction: str) -> None:
        super().__init__()
        self.register_buffer("weight", weight)
        self.ignore_index = ignore_index
        self.reduction = reduction


class NLLLoss(_WeightedLoss):
    """-w[t] * input[t] per sample, for log-probability inputs and class-index targets."""

    def __init__(self, weight: Tensor | None = None, ignore_index: int = -100,
                 reduction: str = "mean") -> None:
        super().__init__(weight, ignore_index, reduction)

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.nll_loss(input, target, weight=self.weight, ignore_index=self.ignore_index,
                          reduction=self.reduction)


class CrossEntropyLoss(_WeightedLoss):
    """nll_loss(log_softmax(logits)) for class indices, or soft-target cross-entropy for
    class probabilities; see :func:`tensor.nn.functional.cross_entropy`."""

    def __init__(self, weight: Tensor | None = None, ignore_index: int = -100,
                 reduction: str = "mean", label_smoothing: float = 0.0) -> None:
        super().__init__(weight, ignore_index, reduction)
        self.label_smoothing = label_smoothing

    def forward(self, input: Tensor, target: Tensor) -> Tensor:
        return F.cross_entropy(input, target, weight=self.weight,
                               ignore_index=self.ignore_index, reduction=self.reduction,
                               label_smoothing=self.label_smoothing)
