"""The scalar autograd engine: `Value`, one float that remembers how it was made.

Every op computes its output and, right beside it, the local derivative
d(out)/d(input) of each input, stored as plain floats at forward time. The chain
rule then needs nothing but one multiply-add per edge of the graph,

    input.grad += local * out.grad

which `Value.backward` applies to every node in reverse topological order,
iteratively, so a graph may be as deep as memory allows. A node keeps floats,
not closures, so the graph holds no reference cycles and reference counting
frees it the moment the last name for its root goes away.

The table of derivatives, one row per op (the names are those of the tensor
engine and of PyTorch's derivatives.yaml); the methods of `Value` below follow
it row by row:

    op       out                     d(out)/d(a)          d(out)/d(b)
    add      a + b                   1                    1
    sub      a - b                   1                    -1
    mul      a * b                   b                    a
    div      a / b                   1 / b                -a / b**2
    pow      a ** b                  b * a**(b-1)         out * log(a)
    neg      -a                      -1
    relu     max(a, 0)               1 if a > 0 else 0
    tanh     tanh(a)                 1 - out**2
    sigmoid  1 / (1 + exp(-a))       out * (1 - out)
    exp      exp(a)                  out
    log      log(a)                  1 / a
    sin      sin(a)                  cos(a)
    cos      cos(a)                  -sin(a)
    sqrt     sqrt(a)                 1 / (2 * out)
    abs      |a|                     sign(a)

A number operand (`v + 2`, `2 ** v`) becomes a constant leaf `Value`, as in
micrograd, so every edge of the graph joins two Values. Leaves accumulate
`.grad` across `backward()` calls until zeroed, as in PyTorch; an interior
node's `.grad` holds d(root)/d(node) from the latest `backward()`.
"""

from __future__ import annotations

import math
from numbers import Real

# Shared local-derivative tuples: the ops whose derivatives are constants
# allocate nothing for them.
_ONE_ONE = (1.0, 1.0)
_ONE_MINUS_ONE = (1.0, -1.0)
_ONE = (1.0,)
_ZERO = (0.0,)
_MINUS_ONE = (-1.0,)


def _as_float(data: object, what: str) -> float:
    """Return `data` as a float; raise TypeError naming its type if it is not a number.

    bool is rejected: `Value(True)` is far more often a bug than a wish for 1.0.
    """
    if isinstance(data, Real) and not isinstance(data, bool):
        return float(data)
    raise TypeError(f"{what} takes a real number (int or float), got {type(data).__name__}")


def _operand(other: object, op: str) -> Value:
    """The other operand of a binary op as a Value: a number becomes a constant leaf."""
    if isinstance(other, Value):
        return other
    return Value(_as_float(other, f"{op} with a Value"))


def _domain_error(op: str, message: str, value: float) -> ValueError:
    return ValueError(f"{op}: {message}, got {value!r}")


def _power_rule(base: float, exponent: float) -> float:
    """d(base**exponent)/d(base) = exponent * base**(exponent - 1), also at base 0.

    At base 0 the formula's `0 ** (exponent - 1)` is a division by zero when
    exponent < 1; the limit is 0 for exponent 0 and +inf for 0 < exponent < 1
    (as in PyTorch). Negative exponents never reach here at base 0.
    """
    if exponent == 0.0:
        return 0.0
    if base == 0.0 and exponent < 1.0:
        return math.inf
    return exponent * base ** (exponent - 1.0)


def _check_power(base: float, exponent: float) -> None:
    """Raise ValueError where base**exponent is not a real number."""
    if base < 0.0 and not exponent.is_integer():
        raise _domain_error(
            "pow", f"negative base to the fractional power {exponent!r} is not real", base
        )
    if base == 0.0 and exponent < 0.0:
        raise _domain_error("pow", f"zero to the negative power {exponent!r} is undefined", base)


class Value:
    """A scalar in a computation graph: its `data`, its `grad`, and how it was made.

    `Value(x)` makes a leaf from a real number x (int or float; bool and
    Value are refused with TypeError). The ops fill the other fields: `_prev`
    holds the inputs (a tuple, so the order is fixed), `_local` the matching
    local derivatives d(self)/d(input), and `_op` the op's name. Values hash
    and compare by identity, so they can live in sets and dicts.
    """

    __slots__ = ("data", "grad", "_prev", "_local", "_op")

    def __init__(
        self,
        data: float,
        _prev: tuple[Value, ...] = (),
        _local: tuple[float, ...] = (),
        _op: str = "",
    ) -> None:
        self.data = data if type(data) is float else _as_float(data, "Value()")
        self.grad = 0.0
        self._prev = _prev
        self._local = _local
        self._op = _op

    def __repr__(self) -> str:
        return f"Value(data={self.data}, grad={self.grad})"

    # ---- binary ops: out, then (d out/d a, d out/d b) ----

    def __add__(self, other: Value | float) -> Value:
        """add: a + b; local derivatives (1, 1)."""
        other = _operand(other, "add")
        return Value(self.data + other.data, (self, other), _ONE_ONE, "add")

    def __sub__(self, other: Value | float) -> Value:
        """sub: a - b; local derivatives (1, -1)."""
        other = _operand(other, "sub")
        return Value(self.data - other.data, (self, other), _ONE_MINUS_ONE, "sub")

    def __mul__(self, other: Value | float) -> Value:
        """mul: a * b; local derivatives (b, a)."""
        other = _operand(other, "mul")
        return Value(self.data * other.data, (self, other), (other.data, self.data), "mul")

    def __truediv__(self, other: Value | float) -> Value:
        """div: a / b; local derivatives (1/b, -a/b**2)."""
        other = _operand(other, "div")
        a, b = self.data, other.data
        if b == 0.0:
            raise _domain_error("div", f"division of {a!r} by zero", b)
        return Value(a / b, (self, other), (1.0 / b, -a / (b * b)), "div")

    def __pow__(self, other: Value | float) -> Value:
        """pow: a ** b; local derivatives (b * a**(b-1), out * log(a)).

        With a number exponent n the node has one input and local n * a**(n-1).
        With a Value exponent d/db = out * log(a) is 0 at a = 0 and nan for a
        negative base (whose power is real only for integer b), as in PyTorch.
        """
        if not isinstance(other, Value):
            exponent = _as_float(other, "pow with a Value")
            _check_power(self.data, exponent)
            out = self.data**exponent
            return Value(out, (self,), (_power_rule(self.data, exponent),), "pow")
        a, b = self.data, other.data
        _check_power(a, b)
        out = a**b
        d_exponent = out * math.log(a) if a > 0.0 else (0.0 if a == 0.0 else math.nan)
        return Value(out, (self, other), (_power_rule(a, b), d_exponent), "pow")

    # ---- reflected forms: `2 * v` is mul(2, v), with the number as input a ----

    def __radd__(self, other: float) -> Value:
        return _operand(other, "add") + self

    def __rsub__(self, other: float) -> Value:
        return _operand(other, "sub") - self

    def __rmul__(self, other: float) -> Value:
        return _operand(other, "mul") * self

    def __rtruediv__(self, other: float) -> Value:
        return _operand(other, "div") / self

    def __rpow__(self, other: float) -> Value:
        return _operand(other, "pow") ** self

    # ---- unary ops: out, then d out/d a ----

    def __neg__(self) -> Value:
        """neg: -a; local derivative -1."""
        return Value(-self.data, (self,), _MINUS_ONE, "neg")

    def relu(self) -> Value:
        """relu: max(a, 0); local derivative 1 if a > 0 else 0."""
        if self.data > 0.0:
            return Value(self.data, (self,), _ONE, "relu")
        return Value(0.0, (self,), _ZERO, "relu")

    def tanh(self) -> Value:
        """tanh: tanh(a); local derivative 1 - out**2."""
        out = math.tanh(self.data)
        return Value(out, (self,), (1.0 - out * out,), "tanh")

    def sigmoid(self) -> Value:
        """sigmoid: 1 / (1 + exp(-a)); local derivative out * (1 - out).

        Computed from exp(-|a|) so that no exponent overflows.
        """
        e = math.exp(-abs(self.data))
        out = 1.0 / (1.0 + e) if self.data >= 0.0 else e / (1.0 + e)
        return Value(out, (self,), (out * (1.0 - out),), "sigmoid")

    def exp(self) -> Value:
        """exp: exp(a); local derivative out."""
        out = math.exp(self.data)
        return Value(out, (self,), (out,), "exp")

    def log(self) -> Value:
        """log: natural log(a), defined for a > 0; local derivative 1/a."""
        if self.data <= 0.0:
            raise _domain_error("log", "input must be positive", self.data)
        return Value(math.log(self.data), (self,), (1.0 / self.data,), "log")

    def sin(self) -> Value:
        """sin: sin(a); local derivative cos(a)."""
        return Value(math.sin(self.data), (self,), (math.cos(self.data),), "sin")

    def cos(self) -> Value:
        """cos: cos(a); local derivative -sin(a)."""
        return Value(math.cos(self.data), (self,), (-math.sin(self.data),), "cos")

    def sqrt(self) -> Value:
        """sqrt: sqrt(a), defined for a >= 0; local derivative 1/(2 out) (+inf at 0)."""
        if self.data < 0.0:
            raise _domain_error("sqrt", "input must be non-negative", self.data)
        out = math.sqrt(self.data)
        return Value(out, (self,), (0.5 / out if out else math.inf,), "sqrt")

    def abs(self) -> Value:
        """abs: |a|; local derivative sign(a) (0 at 0, as in PyTorch)."""
        a = self.data
        return Value(abs(a), (self,), _ONE if a > 0.0 else _MINUS_ONE if a < 0.0 else _ZERO, "abs")

    __abs__ = abs

    # ---- reverse mode ----

    def backward(self) -> None:
        """Fill `.grad` of every node the root depends on with d(root)/d(node).

        Seeds the root with 1.0 and visits nodes in reverse topological order,
        so a node's gradient is complete before it passes it on:
        child.grad += local * node.grad for every (child, local) edge.
        Interior nodes start each call from 0; leaves keep accumulating.
        """
        order = topological_order(self)
        for node in order:
            if node._prev:
                node.grad = 0.0
        self.grad += 1.0
        for node in reversed(order):
            grad = node.grad
            # Equal lengths by construction; strict=True would cost ~15% of backward().
            for child, local in zip(node._prev, node._local, strict=False):
                child.grad += local * grad


def topological_order(root: Value) -> list[Value]:
    """Every node `root` depends on, each after all of its inputs; `root` last.

    Depth-first, with an explicit stack instead of recursion: an entry
    (node, True) means "all of node's inputs are placed, place node". Inputs
    are pushed last-first so that they are placed in argument order.
    """
    order: list[Value] = []
    visited: set[Value] = set()
    stack: list[tuple[Value, bool]] = [(root, False)]
    while stack:
        node, inputs_done = stack.pop()
        if inputs_done:
            order.append(node)
        elif node not in visited:
            visited.add(node)
            stack.append((node, True))
            for child in reversed(node._prev):
                if child not in visited:
                    stack.append((child, False))
    return order
