"""Differential fuzzing against torch: random op programs run statement by statement in both.

Hypothesis draws a program: one or two leaves (shape, dtype, layout and values
including 0, -0, nan, +-inf and extremes) and a few statements, each an op
from ``UNARY``/``BINARY`` applied to earlier values. Both libraries run every
statement; torch is the oracle for each one:

* it raises -> tensor raises the same exception type, and no existing value
  changed (a failed op changes nothing);
* it succeeds -> same shape, dtype, values (nan where nan), requires_grad and
  grad_fn name;

then a backward through every float result (leaf gradients compared) and, for
float64 leaves, a double backward through the gradients (``create_graph=True``;
float32 second derivatives of these programs cancel large terms, so rounding
rather than semantics would decide).

The default run is short (60 programs of 3 statements); ``pytest -m slow
tests/tensor/test_fuzz.py`` runs 800 programs of 5 statements.
"""

from __future__ import annotations

import math
import os
import warnings

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from parity import dtype_name, make_leaf, to_numpy

import tensor as T

# Special values; 1e-30 and 1e30 are left out: gradients that cancel at 1e29 (x/x) keep a
# rounding residue in torch that no tolerance tells from a bug (tiny_div in test_material_silent).
SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, -2.0, 3.0, 1e-3, -1e3, math.inf, -math.inf, math.nan]

# One-argument ops: (name, fn(module, x)). Each line is a statement a program may contain.
UNARY = [
    ("exp", lambda m, x: x.exp()), ("log", lambda m, x: m.log(x)), ("sqrt", lambda m, x: x.sqrt()),
    ("abs", lambda m, x: x.abs()), ("sign", lambda m, x: m.sign(x)), ("relu", lambda m, x: x.relu()),
    ("sigmoid", lambda m, x: x.sigmoid()), ("tanh", lambda m, x: m.tanh(x)), ("neg", lambda m, x: -x),
    ("sin", lambda m, x: x.sin()), ("mul_2", lambda m, x: x * 2), ("div_3", lambda m, x: x / 3),
    ("rdiv", lambda m, x: 1 / x), ("square", lambda m, x: x ** 2), ("pow_half", lambda m, x: x ** 0.5),
    ("rpow", lambda m, x: 2.0 ** x), ("add_1", lambda m, x: x + 1), ("rsub", lambda m, x: 1 - x),
    ("sum", lambda m, x: x.sum()), ("sum_0", lambda m, x: x.sum(0)), ("mean", lambda m, x: x.mean()),
    ("max", lambda m, x: x.max()), ("min_dim", lambda m, x: x.min(-1).values),
    ("amax", lambda m, x: x.amax(-1)),
    ("clamp", lambda m, x: x.clamp(-0.5, 0.5)), ("clamp_min", lambda m, x: x.clamp(min=0)),
    ("round", lambda m, x: x.round()), ("floor", lambda m, x: x.floor()),
    ("getitem_0", lambda m, x: x[0]), ("getitem_step", lambda m, x: x[..., ::2]),
    ("getitem_index", lambda m, x: x[m.tensor([0, 0])]), ("getitem_mask", lambda m, x: x[x > 0]),
    ("reshape", lambda m, x: x.reshape(-1)), ("unsqueeze", lambda m, x: x.unsqueeze(0)),
    ("t", lambda m, x: x.t()), ("flip", lambda m, x: x.flip(0)), ("cumsum", lambda m, x: x.cumsum(0)),
    ("sort", lambda m, x: x.sort(-1).values), ("argmax", lambda m, x: x.argmax()),
    ("clone_add_", lambda m, x: x.clone().add_(1)), ("mul_scalar_", lambda m, x: (x * 1).mul_(2)),
    ("gt", lambda m, x: x > 0), ("to_long", lambda m, x: x.long()), ("to_double", lambda m, x: x.double()),
    ("where", lambda m, x: m.where(x > 0, x, 0.0)), ("masked_fill", lambda m, x: x.masked_fill(x < 0, 1.0)),
    ("repeat", lambda m, x: x.repeat(2)), ("tril", lambda m, x: x.tril()),
    ("remainder", lambda m, x: x % 1.5), ("floor_divide", lambda m, x: (x // 2).detach()),
    ("sum_int_dtype", lambda m, x: x.sum(dtype=m.int64)), ("setitem_nan", lambda m, x: _setitem(x, m.nan)),
]

# Left out until fixed (known gaps, see the report of issue 10): matmul of mixed bool/float
# operands (torch's error type depends on the order and on empty shapes), int ** negative int
# tensors (numpy refuses, torch computes), the double backward of prod at zeros and of
# remainder/fmod by a tensor (torch keeps a zero-derivative node for the rounded quotient).
BINARY = [
    ("add", lambda m, x, y: x + y), ("sub", lambda m, x, y: x - y), ("mul", lambda m, x, y: x * y),
    ("div", lambda m, x, y: x / y), ("pow", lambda m, x, y: x ** (y if y.is_floating_point() else y.abs())),
    ("maximum", lambda m, x, y: m.maximum(x, y)), ("minimum", lambda m, x, y: m.minimum(x, y)),
    ("where", lambda m, x, y: m.where(x > y, x, y)),
    ("cat", lambda m, x, y: m.cat([x, y])),
    ("stack", lambda m, x, y: m.stack([x, y])), ("clamp_tensor", lambda m, x, y: x.clamp(min=y)),
    ("add_alpha", lambda m, x, y: m.add(x, y, alpha=2)), ("eq", lambda m, x, y: x == y),
    ("copy_", lambda m, x, y: (x * 1).copy_(y)),
]


def _setitem(x, value):
    x = x * 1
    x[..., 0] = value
    return x


@st.composite
def programs(draw, n_statements: int):
    """(leaf specs, statements): each leaf is (values, layout, requires_grad); each statement
    ('unary', op index, arg) or ('binary', op index, arg, arg), args indexing earlier values."""
    shape = draw(st.lists(st.integers(0, 3), min_size=0, max_size=3).map(tuple))
    n_leaves = draw(st.integers(1, 2))
    leaves = []
    for _ in range(n_leaves):
        dtype = draw(st.sampled_from(["float32", "float64", "float32", "int64"]))
        leaf_shape = shape if draw(st.booleans()) else shape[1:]
        size = int(np.prod(leaf_shape)) if leaf_shape else 1
        if dtype == "int64":
            values = draw(st.lists(st.integers(-3, 3), min_size=size, max_size=size))
        else:
            values = draw(st.lists(st.one_of(st.sampled_from(SPECIAL),
                                             st.floats(-3, 3, allow_nan=False, width=32)),
                                   min_size=size, max_size=size))
        array = np.array(values, dtype=dtype).reshape(leaf_shape)
        layout = draw(st.sampled_from(["contiguous", "transposed", "expanded"]))
        leaves.append((array, layout, dtype != "int64" and draw(st.booleans())))
    statements = []
    for k in range(n_statements):
        available = n_leaves + k
        if draw(st.booleans()):
            statements.append(("unary", draw(st.integers(0, len(UNARY) - 1)),
                               draw(st.integers(0, available - 1))))
        else:
            statements.append(("binary", draw(st.integers(0, len(BINARY) - 1)),
                               draw(st.integers(0, available - 1)), draw(st.integers(0, available - 1))))
    return leaves, statements


def _outcome(fn, *args, **kwargs):
    """(fn(*args, **kwargs), None), or (None, the exception it raised)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(*args, **kwargs), None
    except Exception as error:  # the oracle's exception type is what matters
        return None, error


def _assert_same_value(ours, theirs, where: str, gradient: bool = False):
    """Same shape, dtype and values; gradients (rounded differently) get parity.py's grad tolerances."""
    if isinstance(theirs, torch.Tensor):
        assert isinstance(ours, T.Tensor), f"{where}: got {type(ours).__name__}"
        assert tuple(ours.shape) == tuple(theirs.shape), f"{where}: shape {ours.shape} != {theirs.shape}"
        assert dtype_name(ours.dtype) == dtype_name(theirs.dtype), f"{where}: {ours.dtype} != {theirs.dtype}"
        tight = dtype_name(theirs.dtype) == "float64"
        rtol, atol = (1e-9, 1e-12) if tight else ((1e-3, 1e-5) if gradient else (2e-5, 1e-6))
        np.testing.assert_allclose(to_numpy(ours), to_numpy(theirs), equal_nan=True, err_msg=where,
                                   rtol=rtol, atol=atol)
    else:
        assert ours == theirs, f"{where}: {ours!r} != {theirs!r}"


# torch nodes that are compositions here (README, known differences): grad_fn names differ.
COMPOSED = {"FlipBackward0", "RollBackward0", "TrilBackward0", "RepeatBackward0", "SortBackward0",
            "CumsumBackward0"}


def _assert_same_node(ours, theirs, where: str):
    assert ours.requires_grad == theirs.requires_grad, f"{where}: requires_grad"
    theirs_name = None if theirs.grad_fn is None else theirs.grad_fn.name()
    ours_name = None if ours.grad_fn is None else ours.grad_fn.name()
    if theirs_name not in COMPOSED:
        assert ours_name == theirs_name, f"{where}: grad_fn {ours_name} != {theirs_name}"


def run_program(leaves, statements):
    """Run the program in both libraries, comparing after every statement and after backward."""
    values = {torch: [], T: []}
    grad_leaves = {torch: [], T: []}
    for array, layout, requires_grad in leaves:
        for m in (torch, T):
            leaf, arg = make_leaf(m, array, layout, requires_grad)
            values[m].append(arg)
            if requires_grad:
                grad_leaves[m].append(leaf)
    for step, statement in enumerate(statements):
        kind, op, *args = statement
        name, fn = (UNARY if kind == "unary" else BINARY)[op]
        where = f"statement {step}: {name}{tuple(args)}"
        expected, error = _outcome(fn, torch, *(values[torch][a] for a in args))
        before = [to_numpy(v) for v in values[T]]
        got, our_error = _outcome(fn, T, *(values[T][a] for a in args))
        if error is not None:
            assert our_error is not None, (
                f"{where}: torch raised {type(error).__name__}: {error}; tensor did not")
            assert type(our_error) is type(error), (
                f"{where}: {type(our_error).__name__}: {our_error} != {type(error).__name__}: {error}")
            for i, (old, now) in enumerate(zip(before, values[T])):
                np.testing.assert_array_equal(to_numpy(now), old, err_msg=f"{where}: value {i} changed")
            for m in (torch, T):  # a failed statement yields its first argument, so indices stay valid
                values[m].append(values[m][args[0]])
            continue
        assert our_error is None, f"{where}: tensor raised {type(our_error).__name__}: {our_error}"
        _assert_same_value(got, expected, where)
        _assert_same_node(got, expected, where)
        values[torch].append(expected)
        values[T].append(got)
    _compare_backward(values, grad_leaves)


def _loss(m, values):
    parts = [v.sum() * (i + 1) for i, v in enumerate(values)
             if v.requires_grad and v.dtype in (m.float32, m.float64)]
    return sum(parts[1:], parts[0]) if parts else None


def _compare_backward(values, grad_leaves):
    losses = {m: _loss(m, values[m]) for m in (torch, T)}
    if losses[torch] is None or not grad_leaves[torch]:
        return
    results = {}
    for m in (torch, T):
        results[m] = _outcome(m.autograd.grad, losses[m], grad_leaves[m], create_graph=True,
                              allow_unused=True)
    (expected, error), (got, our_error) = results[torch], results[T]
    if error is not None:
        assert our_error is not None and type(our_error) is type(error), (
            f"backward: torch {type(error).__name__}: {error}; tensor {our_error!r}")
        return
    assert our_error is None, f"backward: tensor raised {our_error!r}"
    for i, (g_ours, g_theirs) in enumerate(zip(got, expected)):
        assert (g_ours is None) == (g_theirs is None), f"grad {i}: None in one library only"
        if g_theirs is not None:
            _assert_same_value(g_ours, g_theirs, f"grad {i}", gradient=True)
    seconds = {m: [g for g in (got if m is T else expected) if g is not None and g.requires_grad]
               for m in (torch, T)}
    assert len(seconds[T]) == len(seconds[torch]), "double backward: different grads require grad"
    if not seconds[torch] or any(leaf.dtype != torch.float64 for leaf in grad_leaves[torch]):
        return  # float32 second derivatives cancel large terms: rounding, not semantics, differs
    second = {}
    for m in (torch, T):
        total = sum((g.sum() for g in seconds[m][1:]), seconds[m][0].sum())
        second[m] = _outcome(m.autograd.grad, total, grad_leaves[m], allow_unused=True)
    (expected2, error2), (got2, our_error2) = second[torch], second[T]
    if error2 is not None:
        assert our_error2 is not None and type(our_error2) is type(error2), (
            f"double backward: torch {type(error2).__name__}: {error2}; tensor {our_error2!r}")
        return
    assert our_error2 is None, f"double backward: tensor raised {our_error2!r}"
    for i, (g_ours, g_theirs) in enumerate(zip(got2, expected2)):
        if g_theirs is None:
            continue  # torch may leave an unused double-backward input None where we give zeros
        assert g_ours is not None, f"second grad {i}: None in tensor only"
        _assert_same_value(g_ours, g_theirs, f"second grad {i}", gradient=True)


FAST = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                suppress_health_check=list(HealthCheck))
# The long run is a fixed (derandomized) set of programs, so CI is reproducible;
# LUCIDGRAD_FUZZ_EXPLORE=1 draws fresh ones to look for new mismatches.
EXPLORE = bool(os.environ.get("LUCIDGRAD_FUZZ_EXPLORE"))
LONG = settings(max_examples=800, deadline=None, suppress_health_check=list(HealthCheck),
                derandomize=not EXPLORE, database=None if not EXPLORE else settings.default.database)


@FAST
@given(programs(n_statements=3))
def test_fuzz_programs_match_torch(program):
    run_program(*program)


@pytest.mark.slow
@LONG
@given(programs(n_statements=5))
def test_fuzz_programs_match_torch_long(program):
    run_program(*program)
