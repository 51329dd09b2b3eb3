"""Every op, and random graphs of ops, against PyTorch in float64.

`assert_matches_torch(f, inputs)` builds the same expression `f` once on micro
Values and once on float64 torch tensors (both understand the operators and
the methods `.tanh()`, `.log()`, ...), then compares the output and the
gradient of every input. Adding an op to the tests is one line of `OP_CASES`.
"""

import math

import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from micro import Value


def assert_matches_torch(f, inputs, rel=1e-12, abs=1e-12):
    """Return the micro output of f(*inputs) after checking value and grads against torch."""
    values = [Value(x) for x in inputs]
    out = f(*values)
    out.backward()
    tensors = [torch.tensor(float(x), dtype=torch.float64, requires_grad=True) for x in inputs]
    expected = f(*tensors)
    expected.backward()
    assert out.data == pytest.approx(expected.item(), rel=rel, abs=abs, nan_ok=True)
    for value, tensor in zip(values, tensors, strict=True):
        expected_grad = 0.0 if tensor.grad is None else tensor.grad.item()
        assert value.grad == pytest.approx(expected_grad, rel=rel, abs=abs, nan_ok=True)
    return out


# (op name of the output node, expression, inputs)
OP_CASES = [
    ("add", lambda a, b: a + b, (1.5, -2.25)),
    ("add", lambda a: a + 3, (1.5,)),
    ("add", lambda a: 3 + a, (1.5,)),
    ("sub", lambda a, b: a - b, (1.5, -2.25)),
    ("sub", lambda a: a - 3, (1.5,)),
    ("sub", lambda a: 1 - a, (1.5,)),
    ("mul", lambda a, b: a * b, (1.5, -2.25)),
    ("mul", lambda a: a * 3, (1.5,)),
    ("mul", lambda a: 2 * a, (1.5,)),
    ("div", lambda a, b: a / b, (1.5, -2.25)),
    ("div", lambda a: a / 4, (1.5,)),
    ("div", lambda a: 1 / a, (-1.5,)),
    ("pow", lambda a: a**2, (-1.5,)),
    ("pow", lambda a: a**3, (-1.5,)),
    ("pow", lambda a: a**-2, (-1.5,)),
    ("pow", lambda a: a**0.5, (2.5,)),
    ("pow", lambda a: a**0.5, (0.0,)),
    ("pow", lambda a: a**0, (0.0,)),
    ("pow", lambda a: a**2, (0.0,)),
    ("pow", lambda a: a**-1.5, (0.7,)),
    ("pow", lambda a, b: a**b, (1.7, -0.6)),
    ("pow", lambda a, b: a**b, (0.0, 2.0)),
    ("pow", lambda a: 2**a, (0.7,)),
    ("neg", lambda a: -a, (1.5,)),
    ("relu", lambda a: a.relu(), (1.5,)),
    ("relu", lambda a: a.relu(), (-1.5,)),
    ("relu", lambda a: a.relu(), (0.0,)),
    ("tanh", lambda a: a.tanh(), (0.8,)),
    ("tanh", lambda a: a.tanh(), (-30.0,)),
    ("sigmoid", lambda a: a.sigmoid(), (0.8,)),
    ("sigmoid", lambda a: a.sigmoid(), (-800.0,)),
    ("sigmoid", lambda a: a.sigmoid(), (800.0,)),
    ("exp", lambda a: a.exp(), (-1.3,)),
    ("log", lambda a: a.log(), (0.3,)),
    ("sin", lambda a: a.sin(), (2.1,)),
    ("cos", lambda a: a.cos(), (2.1,)),
    ("sqrt", lambda a: a.sqrt(), (2.1,)),
    ("sqrt", lambda a: a.sqrt(), (0.0,)),
    ("abs", lambda a: a.abs(), (-2.1,)),
    ("abs", lambda a: abs(a), (2.1,)),
    ("abs", lambda a: a.abs(), (0.0,)),
]


@pytest.mark.parametrize(
    "op, f, inputs", OP_CASES, ids=[f"{op}-{i}" for i, (op, _, _) in enumerate(OP_CASES)]
)
def test_op_matches_torch(op, f, inputs):
    out = assert_matches_torch(f, inputs)
    assert out._op == op


def test_every_op_of_the_table_is_tested():
    table = {"add", "sub", "mul", "div", "pow", "neg", "relu", "tanh", "sigmoid", "exp",
             "log", "sin", "cos", "sqrt", "abs"}  # fmt: skip
    assert {op for op, _, _ in OP_CASES} == table


# IEEE at the edges, as torch (float64) computes them: overflow to inf, nan from
# inf, subnormal operands, and an infinite gradient meeting relu's zero.
INF, SUBNORMAL = math.inf, 5e-324
IEEE_CASES = [
    ("exp overflows to inf", lambda a: a.exp(), (710.0,)),
    ("pow overflows to inf", lambda a: a**400, (10.0,)),
    ("pow overflows to -inf", lambda a: a**401, (-10.0,)),
    ("negative power of a subnormal", lambda a: a**-3, (-SUBNORMAL,)),
    ("pow, Value exponent, overflow", lambda a, b: a**b, (10.0, 400.0)),
    ("number ** Value, overflow", lambda a: 2**a, (2000.0,)),
    ("product overflows", lambda a, b: a * b, (1e300, 1e10)),
    ("subnormal a / a", lambda a: a / a, (SUBNORMAL,)),
    ("subnormal a / b", lambda a, b: a / b, (SUBNORMAL, SUBNORMAL)),
    ("tiny / tiny", lambda a, b: a / b, (1e-30, 1e-300)),
    ("sin of inf", lambda a: a.sin(), (INF,)),
    ("cos of -inf", lambda a: a.cos(), (-INF,)),
    ("sin of nan", lambda a: a.sin(), (math.nan,)),
    ("tanh of inf", lambda a: a.tanh(), (INF,)),
    ("exp of -inf", lambda a: a.exp(), (-INF,)),
    ("log of inf", lambda a: a.log(), (INF,)),
    ("relu masks an infinite gradient", lambda a: a.relu().sqrt(), (-1.0,)),
    ("relu at 0 masks too", lambda a: a.relu().sqrt(), (0.0,)),
    ("relu of nan passes nan", lambda a: a.relu(), (math.nan,)),
    ("mul by 0 does not mask", lambda a, b: (a * b).sqrt(), (2.0, 0.0)),
    ("sqrt at 0 times 0 is nan", lambda a: a.sqrt() * 0, (0.0,)),
    ("abs at 0 does not mask", lambda a: a.abs().sqrt(), (0.0,)),
    ("sigmoid of nan", lambda a: a.sigmoid(), (math.nan,)),
]


@pytest.mark.parametrize("name, f, inputs", IEEE_CASES, ids=[case[0] for case in IEEE_CASES])
def test_ieee_edge_matches_torch(name, f, inputs):
    assert_matches_torch(f, inputs)


# Ops for random graphs: each keeps its inputs inside its domain, so any
# composition is defined; the wrappers (x*x + 1, tanh) are ops of the graph too.
GRAPH_OPS = [
    lambda a, b: a + b,
    lambda a, b: a - b,
    lambda a, b: a * b,
    lambda a, b: a / (b * b + 1),
    lambda a, b: (a * a + 0.5) ** b.tanh(),
    lambda a, b: -a,
    lambda a, b: a**3,
    lambda a, b: 2 ** a.tanh(),
    lambda a, b: a.relu(),
    lambda a, b: a.tanh(),
    lambda a, b: a.sigmoid(),
    lambda a, b: a.tanh().exp(),
    lambda a, b: (a * a + 1).log(),
    lambda a, b: a.sin(),
    lambda a, b: a.cos(),
    lambda a, b: (a * a + 1).sqrt(),
    lambda a, b: a.abs(),
]


@st.composite
def programs(draw):
    """Leaf values and a list of (op, i, j): register k = op(reg[i], reg[j]), i, j < k."""
    leaves = draw(st.lists(st.floats(-2, 2), min_size=1, max_size=4))
    steps = []
    for k in range(draw(st.integers(1, 14))):
        registers = len(leaves) + k
        steps.append(
            (
                draw(st.integers(0, len(GRAPH_OPS) - 1)),
                draw(st.integers(0, registers - 1)),
                draw(st.integers(0, registers - 1)),
            )
        )
    return leaves, steps


def run_program(steps, *leaves):
    registers = list(leaves)
    for op, i, j in steps:
        registers.append(GRAPH_OPS[op](registers[i], registers[j]))
    # Sum a few registers so that nodes are shared by several paths to the root.
    return registers[-1] + registers[len(registers) // 2] * registers[0]


@settings(max_examples=300, deadline=None)
@given(programs())
def test_random_graphs_match_torch(program):
    leaves, steps = program
    out = run_program(steps, *(Value(x) for x in leaves)).data
    assume(math.isfinite(out) and abs(out) < 1e6)
    assert_matches_torch(lambda *xs: run_program(steps, *xs), leaves, rel=1e-9, abs=1e-9)
