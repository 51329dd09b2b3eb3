"""micro: reverse-mode automatic differentiation on plain Python floats.

The first of lucidgrad's three engines, small enough to read in one sitting
and needing nothing but the standard library:

- `micro.engine`: `Value`, its ops with their local derivatives side by side
  (the table of derivatives is the module docstring), and the iterative
  `backward()`.
- `micro.nn`: `Neuron`, `Layer`, `MLP`, as in micrograd.
- `micro.graph`: `to_dot` (DOT text) and `draw_dot` (rendered with Graphviz).
- `micro.explain`: `explain_backward`, the backward pass told node by node.
- `micro.gradcheck`: `check_gradients`, backward() against central differences.
- `micro.datasets`: `make_moons`, toy 2-D data for tutorials and benchmarks.

    >>> from micro import Value
    >>> a, b = Value(2.0), Value(-3.0)
    >>> c = a * b + a.tanh()
    >>> c.backward()
    >>> round(a.grad, 6), b.grad
    (-2.929349, 2.0)
"""

from micro.engine import Value, topological_order
from micro.explain import explain_backward
from micro.gradcheck import GradientCheck, check_gradients
from micro.graph import draw_dot, to_dot

__all__ = [
    "GradientCheck",
    "Value",
    "check_gradients",
    "draw_dot",
    "explain_backward",
    "to_dot",
    "topological_order",
]
