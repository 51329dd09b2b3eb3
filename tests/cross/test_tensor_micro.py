"""tensor and micro compute the same thing: each elementwise op both engines have, run
on random values through a float64 tensor, equals micro Values one element at a time,
in value and in gradient."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tensor as T
from micro import Value

TIGHT = dict(rtol=1e-12, atol=1e-14)
POSITIVE, REAL, NONZERO = "positive", "real", "nonzero"

# (name, expression written once for both engines, number of inputs, domain)
ELEMENTWISE = [
    ("add", lambda a, b: a + b, 2, REAL),
    ("add_number", lambda a: a + 1.5, 1, REAL),
    ("radd_number", lambda a: 1.5 + a, 1, REAL),
    ("sub", lambda a, b: a - b, 2, REAL),
    ("rsub_number", lambda a: 2 - a, 1, REAL),
    ("mul", lambda a, b: a * b, 2, REAL),
    ("rmul_number", lambda a: -3 * a, 1, REAL),
    ("div", lambda a, b: a / b, 2, NONZERO),
    ("rdiv_number", lambda a: 2 / a, 1, NONZERO),
    ("pow_number", lambda a: a ** 3, 1, REAL),
    ("pow_fraction", lambda a: a ** -0.5, 1, POSITIVE),
    ("pow_value", lambda a, b: a ** b, 2, POSITIVE),
    ("rpow", lambda a: 2 ** a, 1, REAL),
    ("neg", lambda a: -a, 1, REAL),
    ("relu", lambda a: a.relu(), 1, NONZERO),
    ("tanh", lambda a: a.tanh(), 1, REAL),
    ("sigmoid", lambda a: a.sigmoid(), 1, REAL),
    ("exp", lambda a: a.exp(), 1, REAL),
    ("log", lambda a: a.log(), 1, POSITIVE),
    ("sin", lambda a: a.sin(), 1, REAL),
    ("cos", lambda a: a.cos(), 1, REAL),
    ("sqrt", lambda a: a.sqrt(), 1, POSITIVE),
    ("abs", lambda a: a.abs(), 1, NONZERO),
    ("composed", lambda a, b: (a * b + a.exp()).tanh() * a - b.sigmoid() / (1 + a * a), 2, REAL),
]


def _values(rng, domain, n):
    if domain == POSITIVE:
        return rng.uniform(0.2, 3.0, n)
    if domain == NONZERO:
        return rng.choice([-1.0, 1.0], n) * rng.uniform(0.2, 3.0, n)
    return rng.uniform(-3.0, 3.0, n)


@pytest.mark.parametrize("name, fn, arity, domain", ELEMENTWISE, ids=[c[0] for c in ELEMENTWISE])
@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 12))
def test_tensor_equals_micro_elementwise(name, fn, arity, domain, seed, n):
    rng = np.random.default_rng(seed)
    columns = [_values(rng, domain, n) for _ in range(arity)]

    leaves = [T.tensor(c, dtype=T.float64, requires_grad=True) for c in columns]
    out = fn(*leaves)
    out.sum().backward()
    out_values = out.detach().numpy()

    for i in range(n):
        values = [Value(float(c[i])) for c in columns]
        result = fn(*values)
        result.backward()
        np.testing.assert_allclose(out_values[i], result.data, err_msg=f"value {i}", **TIGHT)
        for k, (leaf, value) in enumerate(zip(leaves, values)):
            np.testing.assert_allclose(leaf.grad.numpy()[i], value.grad,
                                       err_msg=f"grad of input {k} at {i}", **TIGHT)


def test_both_engines_name_the_same_ops():
    """The tensor derivative table has an op for every op of micro's table."""
    from micro import engine
    from tensor import _derivatives

    micro_ops = {"add", "sub", "mul", "div", "pow", "neg", "relu", "tanh", "sigmoid", "exp",
                 "log", "sin", "cos", "sqrt", "abs"}
    assert all(f"{op}     " in engine.__doc__ or f" {op} " in engine.__doc__ for op in micro_ops)
    tensor_ops = {name.lower() for name in dir(_derivatives)}
    assert micro_ops <= tensor_ops


def test_shared_graph_accumulates_the_same():
    """A value reused along many paths: both engines sum the same contributions."""
    x = 0.7
    value = Value(x)
    y = value
    leaf = T.tensor(x, dtype=T.float64, requires_grad=True)
    t = leaf
    for k in range(1, 30):
        y = y * value.sin() + k / (1 + y * y)
        t = t * leaf.sin() + k / (1 + t * t)
    y.backward()
    t.backward()
    assert math.isclose(t.item(), y.data, rel_tol=1e-12)
    assert math.isclose(leaf.grad.item(), value.grad, rel_tol=1e-10)
