"""A small neural-network library on `Value`, as in micrograd.

    Neuron:  out = relu(b + sum_i w_i * x_i)       (linear when nonlin=False)
    Layer:   nout Neurons reading the same inputs
    MLP:     Layers in sequence; the last one is linear, so it gives raw scores

Weights start uniform in [-1, 1] (from the `random` module: call
`random.seed` for repeatable runs), biases at 0.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from micro.engine import Value


class Module:
    """Anything with parameters: `parameters()` lists them, `zero_grad()` zeroes their grads."""

    def parameters(self) -> list[Value]:
        return []

    def zero_grad(self) -> None:
        """Set every parameter's `.grad` to 0.0 (gradients accumulate until then)."""
        for p in self.parameters():
            p.grad = 0.0


class Neuron(Module):
    """relu(b + w . x), or b + w . x when `nonlin` is False."""

    def __init__(self, nin: int, nonlin: bool = True) -> None:
        self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0.0)
        self.nonlin = nonlin

    def __call__(self, x: Sequence[Value | float]) -> Value:
        act = self.b
        for wi, xi in zip(self.w, x, strict=True):
            act = act + wi * xi
        return act.relu() if self.nonlin else act

    def parameters(self) -> list[Value]:
        return self.w + [self.b]

    def __repr__(self) -> str:
        return f"{'ReLU' if self.nonlin else 'Linear'}Neuron({len(self.w)})"


class Layer(Module):
    """`nout` neurons on the same `nin` inputs; returns a list, or one Value when nout == 1."""

    def __init__(self, nin: int, nout: int, nonlin: bool = True) -> None:
        self.neurons = [Neuron(nin, nonlin) for _ in range(nout)]

    def __call__(self, x: Sequence[Value | float]) -> Value | list[Value]:
        out = [n(x) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self) -> list[Value]:
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self) -> str:
        return f"Layer of [{', '.join(str(n) for n in self.neurons)}]"


class MLP(Module):
    """A multi-layer perceptron: `MLP(2, [16, 16, 1])` maps 2 inputs to 1 score.

    Every layer but the last applies relu; the last is linear.
    """

    def __init__(self, nin: int, nouts: Sequence[int]) -> None:
        sizes = [nin, *nouts]
        self.layers = [
            Layer(sizes[i], sizes[i + 1], nonlin=i != len(nouts) - 1) for i in range(len(nouts))
        ]

    def __call__(self, x: Sequence[Value | float]) -> Value | list[Value]:
        for layer in self.layers:
            x = layer(x)
        return x

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(str(layer) for layer in self.layers)}]"
