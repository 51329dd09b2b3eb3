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
    div      a / b                   1 / b                -out / b  (= -a / b**2)
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

Arithmetic follows IEEE as PyTorch does: an overflow gives inf (`Value(710.0).exp()`,
`Value(10.0) ** 400`) and sin or cos of inf gives nan, while a domain error
(log of a non-positive, sqrt of a negative, a negative base to a fractional
power, zero to a negative power, division by zero) raises ValueError.

A node is a single object: every op has at most two inputs, so the inputs
and their local derivatives sit in fixed slots (`_a`, `_da`, `_b`, `_db`)
rather than in tuples. The cyclic garbage collector then tracks one object
per node (micrograd's nodes make about seven: a set, a closure and its
cells), which is most of micro's speed when the collector is on.
"""

from __future__ import annotations

import math
from numbers import Real


def _as_float(data: object, what: str) -> float:
    """Return `data` as a float; raise TypeError naming its type if it is not a number.

    bool is rejected: `Value(True)` is far more often a bug than a wish for 1.0.
    """
    if isinstance(data, Real) and not isinstance(data, bool):
        return float(data)
    raise TypeError(f"{what} takes a real number (int or float), got {type(data).__name__}")


def _constant(number: object, op: str) -> Value:
    """A number operand of a binary op as a constant leaf Value (TypeError if not a number)."""
    return Value(_as_float(number, f"{op} with a Value"))


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
    return exponent * _pow(base, exponent - 1.0)


def _pow(base: float, exponent: float) -> float:
    """base ** exponent, with IEEE's signed inf where it overflows (Python raises OverflowError)."""
    try:
        return base**exponent
    except OverflowError:
        return -math.inf if base < 0.0 and exponent % 2.0 == 1.0 else math.inf


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
    Value are refused with TypeError). An op's output also records its op's
    name `_op`, its inputs `_a` and `_b` (None where the op has fewer), and
    beside each input its local derivative d(self)/d(input), `_da` and `_db`.
    `_prev` and `_local` give the same as tuples in argument order. Values
    hash and compare by identity, so they can live in sets and dicts.

    Two fixed slots rather than tuples of inputs and derivatives: a node is
    then one object, the only one the cyclic garbage collector tracks for it.
    A new op may still be written as in micrograd,
    `Value(out, (a, b), (d_out_da, d_out_db), "name")`, with up to two inputs.
    """

    __slots__ = ("data", "grad", "_op", "_a", "_da", "_b", "_db")

    def __init__(
        self,
        data: float,
        _prev: tuple[Value, ...] = (),
        _local: tuple[float, ...] = (),
        _op: str = "",
    ) -> None:
        if len(_prev) > 2 or len(_local) != len(_prev):
            raise ValueError(
                f"a Value has up to two inputs, each with one local derivative; "
                f"got {len(_prev)} inputs and {len(_local)} local derivatives"
            )
        self.data = data if type(data) is float else _as_float(data, "Value()")
        self.grad = 0.0
        self._op = _op
        self._a, self._b = (*_prev, None, None)[:2]
        self._da, self._db = (*_local, 0.0, 0.0)[:2]

    def __repr__(self) -> str:
        return f"Value(data={self.data}, grad={self.grad})"

    @property
    def _prev(self) -> tuple[Value, ...]:
        """The inputs in argument order: () for a leaf, (a,) or (a, b)."""
        if self._a is None:
            return ()
        return (self._a,) if self._b is None else (self._a, self._b)

    @property
    def _local(self) -> tuple[float, ...]:
        """The local derivatives d(self)/d(input), matching `_prev`."""
        if self._a is None:
            return ()
        return (self._da,) if self._b is None else (self._da, self._db)

    # ---- binary ops: out, then (d out/d a, d out/d b) ----

    def __add__(self, other: Value | float) -> Value:
        """add: a + b; local derivatives (1, 1)."""
        other = other if isinstance(other, Value) else _constant(other, "add")
        return _node(self.data + other.data, "add", self, 1.0, other, 1.0)

    def __sub__(self, other: Value | float) -> Value:
        """sub: a - b; local derivatives (1, -1)."""
        other = other if isinstance(other, Value) else _constant(other, "sub")
        return _node(self.data - other.data, "sub", self, 1.0, other, -1.0)

    def __mul__(self, other: Value | float) -> Value:
        """mul: a * b; local derivatives (b, a)."""
        other = other if isinstance(other, Value) else _constant(other, "mul")
        return _node(self.data * other.data, "mul", self, other.data, other, self.data)

    def __truediv__(self, other: Value | float) -> Value:
        """div: a / b; local derivatives (1/b, -out/b), as PyTorch computes -a/b**2.

        -out/b rather than -a/(b*b): b*b underflows to 0 for a subnormal b.
        """
        other = other if isinstance(other, Value) else _constant(other, "div")
        a, b = self.data, other.data
        if b == 0.0:
            raise _domain_error("div", f"division of {a!r} by zero", b)
        out = a / b
        return _node(out, "div", self, 1.0 / b, other, -out / b)

    def __pow__(self, other: Value | float) -> Value:
        """pow: a ** b; local derivatives (b * a**(b-1), out * log(a)).

        With a number exponent n the node has one input and local n * a**(n-1).
        With a Value exponent d/db = out * log(a) is 0 at a = 0 and nan for a
        negative base (whose power is real only for integer b), as in PyTorch.
        """
        if not isinstance(other, Value):
            exponent = _as_float(other, "pow with a Value")
            _check_power(self.data, exponent)
            out = _pow(self.data, exponent)
            return _node(out, "pow", self, _power_rule(self.data, exponent))
        a, b = self.data, other.data
        _check_power(a, b)
        out = _pow(a, b)
        d_exponent = out * math.log(a) if a > 0.0 else (0.0 if a == 0.0 else math.nan)
        return _node(out, "pow", self, _power_rule(a, b), other, d_exponent)

    # ---- reflected forms: `2 * v` is mul(2, v), with the number as input a ----

    def __radd__(self, other: float) -> Value:
        return _constant(other, "add") + self

    def __rsub__(self, other: float) -> Value:
        return _constant(other, "sub") - self

    def __rmul__(self, other: float) -> Value:
        return _constant(other, "mul") * self

    def __rtruediv__(self, other: float) -> Value:
        return _constant(other, "div") / self

    def __rpow__(self, other: float) -> Value:
        return _constant(other, "pow") ** self

    # ---- unary ops: out, then d out/d a ----

    def __neg__(self) -> Value:
        """neg: -a; local derivative -1."""
        return _node(-self.data, "neg", self, -1.0)

    def relu(self) -> Value:
        """relu: max(a, 0); local derivative 1 if a > 0 else 0 (nan passes, as in PyTorch).

        Where a <= 0 the input receives exactly 0, even from an inf or nan
        gradient (`backward` masks it, as PyTorch's relu does).
        """
        if self.data <= 0.0:
            return _node(0.0, "relu", self, 0.0)
        return _node(self.data, "relu", self, 1.0)

    def tanh(self) -> Value:
        """tanh: tanh(a); local derivative 1 - out**2."""
        out = math.tanh(self.data)
        return _node(out, "tanh", self, 1.0 - out * out)

    def sigmoid(self) -> Value:
        """sigmoid: 1 / (1 + exp(-a)); local derivative out * (1 - out).

        Computed from exp(-|a|) so that no exponent overflows.
        """
        e = math.exp(-abs(self.data))
        out = 1.0 / (1.0 + e) if self.data >= 0.0 else e / (1.0 + e)
        return _node(out, "sigmoid", self, out * (1.0 - out))

    def exp(self) -> Value:
        """exp: exp(a); local derivative out (inf once exp overflows, a > 709.78)."""
        try:
            out = math.exp(self.data)
        except OverflowError:
            out = math.inf
        return _node(out, "exp", self, out)

    def log(self) -> Value:
        """log: natural log(a), defined for a > 0; local derivative 1/a."""
        if self.data <= 0.0:
            raise _domain_error("log", "input must be positive", self.data)
        return _node(math.log(self.data), "log", self, 1.0 / self.data)

    def sin(self) -> Value:
        """sin: sin(a); local derivative cos(a) (both nan at a = +-inf)."""
        a = self.data if math.isfinite(self.data) else math.nan  # math.sin(inf) raises
        return _node(math.sin(a), "sin", self, math.cos(a))

    def cos(self) -> Value:
        """cos: cos(a); local derivative -sin(a) (both nan at a = +-inf)."""
        a = self.data if math.isfinite(self.data) else math.nan  # math.cos(inf) raises
        return _node(math.cos(a), "cos", self, -math.sin(a))

    def sqrt(self) -> Value:
        """sqrt: sqrt(a), defined for a >= 0; local derivative 1/(2 out) (+inf at 0)."""
        if self.data < 0.0:
            raise _domain_error("sqrt", "input must be non-negative", self.data)
        out = math.sqrt(self.data)
        return _node(out, "sqrt", self, 0.5 / out if out else math.inf)

    def abs(self) -> Value:
        """abs: |a|; local derivative sign(a) (0 at 0, as in PyTorch)."""
        a = self.data
        return _node(abs(a), "abs", self, 1.0 if a > 0.0 else -1.0 if a < 0.0 else 0.0)

    __abs__ = abs

    # ---- reverse mode ----

    def backward(self) -> None:
        """Fill `.grad` of every node the root depends on with d(root)/d(node).

        Seeds the root with 1.0 and visits nodes in reverse topological order,
        so a node's gradient is complete before it passes it on:
        a.grad += da * node.grad (and b.grad += db * node.grad) at every node.
        Interior nodes start each call from 0; leaves keep accumulating.
        """
        order = topological_order(self)
        for node in order:
            if node._a is not None:
                node.grad = 0.0
        self.grad += 1.0
        for node in reversed(order):
            a = node._a
            if a is not None:  # a leaf passes nothing on
                grad = node.grad
                if node._da or node._op != "relu":  # relu masks: 0, not 0 * inf = nan
                    a.grad += node._da * grad
                b = node._b
                if b is not None:
                    b.grad += node._db * grad


def _node(out: float, op: str, a: Value, da: float, b: Value | None = None, db: float = 0.0) -> Value:
    """The Value `out` made by `op` from input a (and b), with local derivatives da (and db).

    Filled slot by slot on a bare instance: a third faster than calling
    `Value(...)`, whose constructor is for leaves.
    """
    node = _new_value(Value)
    node.data = out
    node.grad = 0.0
    node._op = op
    node._a = a
    node._da = da
    node._b = b
    node._db = db
    return node


_new_value = object.__new__


def topological_order(root: Value) -> list[Value]:
    """Every node `root` depends on, each after all of its inputs; `root` last.

    Depth-first, with an explicit stack instead of recursion. Entering a node
    pushes it back with a None above it, then its inputs above that; once the
    inputs are placed, the None comes off the stack and the node under it is
    placed. Inputs are pushed last-first so that they are placed in argument
    order.
    """
    order: list[Value] = []
    visited: set[Value] = set()
    stack: list[Value | None] = [root]
    while stack:
        node = stack.pop()
        if node is None:  # the node under the marker has all its inputs placed
            order.append(stack.pop())
        elif node not in visited:
            visited.add(node)
            stack.append(node)
            stack.append(None)
            if node._b is not None and node._b not in visited:
                stack.append(node._b)
            if node._a is not None and node._a not in visited:
                stack.append(node._a)
    return order
