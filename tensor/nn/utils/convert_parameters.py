"""All parameters as one flat vector, and back."""

from __future__ import annotations

from collections.abc import Iterable

from ... import _ops
from ..._tensor import Tensor
from ..modules.module import typename


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """cat(p.view(-1) for p in parameters): one 1-d tensor (differentiable)."""
    return _ops.cat([param.reshape(-1) for param in parameters])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Give each parameter, in order, the next p.numel() values of ``vec`` (its data is
    replaced by that slice viewed to its shape, as torch)."""
    if not isinstance(vec, Tensor):
        raise TypeError(f"expected torch.Tensor, but got: {typename(vec)}")
    pointer = 0
    for param in parameters:
        count = param.numel()
        param.data = vec[pointer:pointer + count].detach().view_as(param)
        pointer += count
