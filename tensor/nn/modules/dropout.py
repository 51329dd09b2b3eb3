"""``Dropout`` and ``Dropout2d``: random zeroing in training mode, identity in eval mode."""

from __future__ import annotations

from ..._tensor import Tensor
from .. import functional as F
from .module import Module


class _DropoutNd(Module):
    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if p < 0 or p > 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p, self.inplace = p, inplace

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """``Dropout(p=0.5)``: out = x * m / (1 - p), m ~ Bernoulli(1 - p) per element, while
    training; out = x in eval mode."""

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout(input, self.p, self.training, self.inplace)


class Dropout2d(_DropoutNd):
    """``Dropout2d(p=0.5)``: whole channels zeroed (one Bernoulli(1 - p) draw per (n, c)),
    the rest scaled by 1 / (1 - p), while training; identity in eval mode."""

    def forward(self, input: Tensor) -> Tensor:
        return F.dropout2d(input, self.p, self.training, self.inplace)
