"""``Linear``: y = x W^T + b with torch's parameter layout and initialisation; ``Identity``."""

from __future__ import annotations

import math

from ... import _ops
from ..._tensor import Tensor
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module


def reset_weight_and_bias(weight: Tensor, bias: Tensor | None) -> None:
    """torch's reset_parameters of Linear and the convolutions: weight ~ kaiming_uniform_
    with a = sqrt(5), i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in)); bias ~ the same uniform."""
    init.kaiming_uniform_(weight, a=math.sqrt(5))
    if bias is not None:
        fan_in, _ = init._calculate_fan_in_and_fan_out(weight)
        bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
        init.uniform_(bias, -bound, bound)


class Identity(Module):
    """``Identity(*args, **kwargs)``: forward(x) = x (arguments are accepted and ignored,
    so it can stand in for any layer)."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__()

    def forward(self, input: Tensor) -> Tensor:
        return input


class Linear(Module):
    """``Linear(in_features, out_features, bias=True)``: y = x @ weight^T + bias.

    ``weight`` has shape (out_features, in_features) and starts
    kaiming-uniform with a = sqrt(5), i.e. U(-1/sqrt(in), 1/sqrt(in)); ``bias``
    starts U(-1/sqrt(in), 1/sqrt(in)), as torch's ``reset_parameters`` does.
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 device=None, dtype=None) -> None:
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(_ops.empty(out_features, in_features, dtype=dtype, device=device))
        if bias:
            self.bias = Parameter(_ops.empty(out_features, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Draw fresh weights: kaiming_uniform_(a=sqrt(5)) and a uniform bias in +-1/sqrt(fan_in)."""
        reset_weight_and_bias(self.weight, self.bias)

    def forward(self, input: Tensor) -> Tensor:
        return F.linear(input, self.weight, self.bias)  # one AddmmBackward0 node, as torch

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")
