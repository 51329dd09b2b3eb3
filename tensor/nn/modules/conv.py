"""``Conv1d`` and ``Conv2d``: cross-correlation layers with torch's parameters and init."""

from __future__ import annotations

from ... import _ops
from ..._tensor import Tensor
from .. import functional as F
from ..parameter import Parameter
from .linear import reset_weight_and_bias
from .module import Module


def _tuple(value, n: int) -> tuple[int, ...]:
    return tuple(value) if isinstance(value, (tuple, list)) else (value,) * n


class _ConvNd(Module):
    """Shared state of the convolutions: ``weight`` (out, in / groups, *kernel_size) and
    ``bias`` (out,), both drawn as torch's ``reset_parameters`` (kaiming-uniform with
    a = sqrt(5), i.e. U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = in / groups * prod(kernel))."""

    _dims = 2

    def __init__(self, in_channels: int, out_channels: int, kernel_size, stride=1, padding=0,
                 dilation=1, groups: int = 1, bias: bool = True, padding_mode: str = "zeros",
                 device=None, dtype=None) -> None:
        super().__init__()
        n = self._dims
        if groups <= 0:
            raise ValueError("groups must be a positive integer")
        if in_channels % groups != 0:
            raise ValueError("in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("out_channels must be divisible by groups")
        if padding_mode not in ("zeros", "reflect", "replicate", "circular"):
            raise ValueError("padding_mode must be one of ['zeros', 'reflect', 'replicate', "
                             f"'circular'], but got padding_mode='{padding_mode}'")
        self.stride, self.dilation = _tuple(stride, n), _tuple(dilation, n)
        if isinstance(padding, str):
            if padding not in ("same", "valid"):
                raise ValueError(f"Invalid padding string '{padding}', should be one of "
                                 "['valid', 'same']")
            if padding == "same" and any(s != 1 for s in self.stride):
                raise ValueError("padding='same' is not supported for strided convolutions")
            self.padding = padding
        else:
            self.padding = _tuple(padding, n)
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = _tuple(kernel_size, n)
        self.output_padding = (0,) * n
        self.transposed = False
        self.groups, self.padding_mode = groups, padding_mode
        self.weight = Parameter(_ops.empty(out_channels, in_channels // groups,
                                           *self.kernel_size, dtype=dtype, device=device))
        if bias:
            self.bias = Parameter(_ops.empty(out_channels, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """weight ~ kaiming_uniform_(a=sqrt(5)); bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in))."""
        reset_weight_and_bias(self.weight, self.bias)

    def extra_repr(self) -> str:
        n = self._dims
        text = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}")
        if self.padding != (0,) * n:
            text += f", padding={self.padding}"
        if self.dilation != (1,) * n:
            text += f", dilation={self.dilation}"
        if self.groups != 1:
            text += f", groups={self.groups}"
        if self.bias is None:
            text += ", bias=False"
        if self.padding_mode != "zeros":
            text += f", padding_mode={self.padding_mode}"
        return text

    def _padded(self, input: Tensor) -> tuple[Tensor, object]:
        """(input, padding) for the functional call: with a padding_mode other than zeros
        the input is padded here (torch's _reversed_padding_repeated_twice) and the
        convolution itself pads nothing."""
        if self.padding_mode == "zeros":
            return input, self.padding
        if self.padding == "same":
            widths = F.same_padding(self.kernel_size, self.dilation)
        else:
            amounts = (0,) * self._dims if self.padding == "valid" else self.padding
            widths = [n for amount in reversed(amounts) for n in (amount, amount)]
        return F.pad(input, widths, mode=self.padding_mode), 0


class Conv1d(_ConvNd):
    """``Conv1d(in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
    groups=1, bias=True)``: out[n, o, i] = bias[o] + sum_{c, u} weight[o, c, u] x[n, c, i s + u d]
    (see :func:`tensor.nn.functional.conv1d`)."""

    _dims = 1

    def forward(self, input: Tensor) -> Tensor:
        input, padding = self._padded(input)
        return F.conv1d(input, self.weight, self.bias, self.stride, padding, self.dilation,
                        self.groups)


class Conv2d(_ConvNd):
    """``Conv2d(in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
    groups=1, bias=True)``: out[n, o, i, j] = bias[o] + sum_{c, u, v} weight[o, c, u, v]
    x[n, c, i s_h + u d_h, j s_w + v d_w] (see :func:`tensor.nn.functional.conv2d`)."""

    def forward(self, input: Tensor) -> Tensor:
        input, padding = self._padded(input)
        return F.conv2d(input, self.weight, self.bias, self.stride, padding, self.dilation,
                        self.groups)
