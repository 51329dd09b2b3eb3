"""Derivatives checked by numbers, in float64, for every differentiable op of the table.

* gradcheck: backward against central differences of <v, f(x)>;
* gradgradcheck: the derivative of the backward itself (create_graph=True)
  against central differences of the first-order backward;
* double backward against torch's (where torch's first-order backward is itself
  differentiable, ours must be too, with the same second derivatives);
* the two backward paths are equal: the fused ``vjp`` on raw storage
  (create_graph=False) and the composed formula (create_graph=True);
* every op of the derivative table is reached by some line of the table;
* the library's own ``tensor.autograd.gradcheck`` and ``gradgradcheck`` accept
  every op (the numpy checks above are the independent oracle for them).
"""

import numpy as np
import pytest
import torch
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from parity import DIFFERENTIABLE, OPS, SETTINGS, TOLERANCES, assert_same_tensor, draw_inputs

import tensor as T
from tensor import _derivatives
from tensor.autograd.function import Op

EPS = 1e-6
NUMERIC = dict(rtol=1e-3, atol=1e-5)  # torch.autograd.gradcheck's defaults
GRADCHECK_SETTINGS = settings(SETTINGS, max_examples=5)
FEW = settings(SETTINGS, max_examples=10)
# Cases whose output is not float64 cannot be checked by float64 differences.
CHECKED = [case for case in DIFFERENTIABLE if case.name != "to_float"]


def _leaves(module, arrays, **kw):
    return [module.tensor(a, requires_grad=True, **kw) for a in arrays]


def _grads(module, outputs, inputs, grad_outputs, create_graph=False):
    grads = module.autograd.grad(outputs, inputs, grad_outputs, create_graph=create_graph,
                                 allow_unused=True)
    return [module.zeros_like(x) if g is None else g for g, x in zip(grads, inputs)]


def _output(case, arrays, extra):
    with T.no_grad():
        return case.fn(T, *[T.tensor(a) for a in arrays], *extra).numpy()


def _numerical_gradient(scalar_fn, arrays):
    """d scalar_fn / d arrays by central differences (arrays are perturbed in place)."""
    grads = []
    for a in arrays:
        g = np.zeros_like(a)
        flat, flat_g = a.reshape(-1), g.reshape(-1)
        for i in range(flat.size):
            original = flat[i]
            flat[i] = original + EPS
            plus = scalar_fn()
            flat[i] = original - EPS
            minus = scalar_fn()
            flat[i] = original
            flat_g[i] = (plus - minus) / (2 * EPS)
        grads.append(g)
    return grads


def _first_order(case, arrays, extra, v):
    """The backward of ``case`` at ``arrays`` for output gradient ``v`` (no graph recorded)."""
    leaves = _leaves(T, arrays)
    out = case.fn(T, *leaves, *extra)
    return [g.numpy() for g in _grads(T, out, leaves, T.tensor(v))]


@pytest.mark.parametrize("case", CHECKED, ids=str)
@GRADCHECK_SETTINGS
@given(data=st.data())
def test_gradcheck(case, data):
    arrays, extra, seed = data.draw(draw_inputs(case, "float64", max_side=3))
    v = np.random.default_rng(seed).standard_normal(_output(case, arrays, extra).shape)
    analytical = _first_order(case, arrays, extra, v)
    numerical = _numerical_gradient(lambda: np.sum(v * _output(case, arrays, extra)), arrays)
    for i, (a, n) in enumerate(zip(analytical, numerical)):
        np.testing.assert_allclose(a, n, err_msg=f"input {i}", **NUMERIC)


@pytest.mark.parametrize("case", CHECKED, ids=str)
@settings(SETTINGS, max_examples=2)
@given(data=st.data())
def test_library_gradcheck_and_gradgradcheck_accept_the_op(case, data):
    arrays, extra, _ = data.draw(draw_inputs(case, "float64", max_side=3))
    # nan outputs (var of one element) cannot be checked by differences, as in torch
    assume(np.isfinite(_output(case, arrays, extra)).all())
    leaves = tuple(_leaves(T, arrays))

    def fn(*xs):
        return case.fn(T, *xs, *extra)

    assert T.autograd.gradcheck(fn, leaves, eps=EPS, **NUMERIC)
    assert T.autograd.gradgradcheck(fn, leaves, eps=EPS, **NUMERIC)


@pytest.mark.parametrize("case", CHECKED, ids=str)
@GRADCHECK_SETTINGS
@given(data=st.data())
def test_gradgradcheck(case, data):
    arrays, extra, seed = data.draw(draw_inputs(case, "float64", max_side=3))
    rng = np.random.default_rng(seed)
    v = rng.standard_normal(_output(case, arrays, extra).shape)
    u = [rng.standard_normal(a.shape) for a in arrays]

    leaves = _leaves(T, arrays)
    v_leaf = T.tensor(v, requires_grad=True)
    first = _grads(T, case.fn(T, *leaves, *extra), leaves, v_leaf, create_graph=True)
    total = sum((g * T.tensor(w)).sum() for g, w in zip(first, u))
    if total.requires_grad:
        analytical = [g.numpy() for g in _grads(T, total, leaves + [v_leaf], None)]
    else:  # a constant first derivative (sign, round, x ** 0): torch's is not connected either
        analytical = [np.zeros(x.shape) for x in arrays + [v]]

    def pairing():
        return sum(np.sum(g * w) for g, w in zip(_first_order(case, arrays, extra, v), u))

    numerical = _numerical_gradient(pairing, arrays + [v])
    for i, (a, n) in enumerate(zip(analytical, numerical)):
        np.testing.assert_allclose(a, n, err_msg=f"input {i}", **NUMERIC)


@pytest.mark.parametrize("case", DIFFERENTIABLE, ids=str)
@FEW
@given(data=st.data())
def test_double_backward_matches_torch(case, data):
    arrays, extra, seed = data.draw(draw_inputs(case, "float64"))
    results = []
    for module in (torch, T):
        leaves = _leaves(module, arrays)
        out = case.fn(module, *leaves, *extra)
        rng = np.random.default_rng(seed)
        v = module.tensor(rng.standard_normal(tuple(out.shape)), dtype=out.dtype)
        first = _grads(module, out, leaves, v, create_graph=True)
        total = sum((g * module.tensor(rng.standard_normal(tuple(g.shape)))).sum() for g in first)
        second = _grads(module, total, leaves, None) if total.requires_grad else []
        results.append((first, total.requires_grad, second))
    (theirs_first, theirs_differentiable, theirs_second), (first, differentiable, second) = results
    assert differentiable or not theirs_differentiable, "the create_graph backward requires grad"
    if not theirs_differentiable:
        second = []
    for i, (ours, theirs) in enumerate(zip(first + second, theirs_first + theirs_second)):
        assert_same_tensor(ours, theirs, "grad", f"gradient {i}")


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("case", DIFFERENTIABLE, ids=str)
@FEW
@given(data=st.data())
def test_fused_and_composed_backward_agree(case, dtype, data):
    """create_graph=False runs each op's vjp (where it has one), create_graph=True its
    composed formula; the gradients must agree."""
    arrays, extra, seed = data.draw(draw_inputs(case, dtype))
    grads = []
    for create_graph in (False, True):
        leaves = _leaves(T, arrays)
        out = case.fn(T, *leaves, *extra)
        v = T.tensor(np.random.default_rng(seed).standard_normal(tuple(out.shape)), dtype=out.dtype)
        out.backward(v, create_graph=create_graph)
        grads.append([None if leaf.grad is None else leaf.grad.detach().numpy()
                      for leaf in leaves])
    for fused, composed in zip(*grads):
        assert (fused is None) == (composed is None)
        if fused is not None:
            np.testing.assert_allclose(fused, composed, **TOLERANCES[dtype]["grad"])


def _graph_node_names(out) -> set:
    names, stack, seen = set(), [out.grad_fn], set()
    while stack:
        node = stack.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        names.add(type(node).__name__)
        stack.extend(next_node for next_node, _ in node.next_functions)
    return names


def _table_node_names() -> set:
    ops = [getattr(_derivatives, name) for name in dir(_derivatives)]
    return {op.node_name for op in ops
            if isinstance(op, type) and issubclass(op, Op) and op.node_name}


def _reached_node_names() -> set:
    rng = np.random.default_rng(0)
    reached = set()
    for case in OPS:
        shapes = case.shapes or ([(3, 4)] if case.kind != "binary" else [(3, 4), (3, 4)])
        arrays = [np.asarray(rng.uniform(0.3, 2.0, s)) for s in shapes]
        extra = [-1, False] if case.kind == "reduce" else []
        leaves = _leaves(T, arrays)
        try:
            out = case.fn(T, *leaves, *extra)
            if out.grad_fn is not None:
                reached |= _graph_node_names(out)
                for g in _grads(T, out, leaves, T.ones_like(out, requires_grad=True),
                                create_graph=True):
                    if g.grad_fn is not None:
                        reached |= _graph_node_names(g)
        except Exception:  # noqa: S110 - that case's own tests report the failure
            continue
    return reached


def test_every_op_of_the_derivative_table_is_tested():
    # NotImplemented (floor_divide's node, as torch's) only raises in backward: tested in
    # test_material_surface.py; so does unique's Unique2Backward0 (test_material_more.py) and
    # unique(dim=)'s UniqueDimBackward0 (test_material_last.py)
    missing = (_table_node_names() - _reached_node_names()
               - {"AccumulateGrad", "NotImplemented", "Unique2Backward0", "UniqueDimBackward0"})
    assert not missing, f"ops without a line in parity.OPS: {sorted(missing)}"


def test_every_vjp_is_tested():
    ops = [getattr(_derivatives, name) for name in dir(_derivatives)]
    fused = {op.node_name for op in ops
             if isinstance(op, type) and issubclass(op, Op) and op.vjp is not None and op.node_name}
    assert fused, "no op has a fused vjp"
    missing = fused - _reached_node_names()
    assert not missing, f"ops with a vjp but no line in parity.OPS: {sorted(missing)}"
