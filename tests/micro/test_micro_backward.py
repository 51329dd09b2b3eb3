"""backward(): shared nodes, depth, accumulation, and a graph free of reference cycles."""

import gc
import sys

import pytest
from micrograd.engine import Value as MicrogradValue

from micro import Value, topological_order
from micro.nn import MLP


def test_diamond():
    a = Value(3.0)
    b, c = a * 2, a.tanh()
    d = b * c
    d.backward()
    t = a.tanh().data
    assert a.grad == pytest.approx(2 * t + 6 * (1 - t * t), rel=1e-15)
    assert (b.grad, c.grad) == (t, 6.0)


def test_reused_node_is_exact():
    a = Value(-4.0)
    b = a + a
    c = b * a  # 2 a**2
    c.backward()
    assert a.grad == 4 * -4.0
    assert b.grad == -4.0


def test_same_input_twice_in_one_op():
    a = Value(3.0)
    (a * a).backward()
    assert a.grad == 6.0


def test_topological_order_puts_inputs_first():
    a, b = Value(1.0), Value(2.0)
    c = a * b
    d = c + a
    order = topological_order(d)
    assert order[-1] is d
    assert order.index(c) > max(order.index(a), order.index(b))
    assert len(order) == len(set(order)) == 4


@pytest.mark.parametrize("depth", [200_000])
def test_deep_chain_at_default_recursion_limit(depth):
    assert sys.getrecursionlimit() <= 1000
    x = Value(0.5)
    y = x
    for _ in range(depth):
        y = y + x
    y.backward()
    assert x.grad == depth + 1
    y = y.tanh()  # deeper still, through a unary op
    y.backward()
    del y  # freeing a deep graph must not overflow the C stack either


def test_leaves_accumulate_across_calls_until_zeroed():
    a, b = Value(2.0), Value(5.0)
    c = a * b
    c.backward()
    c.backward()
    assert (a.grad, b.grad) == (10.0, 4.0)
    assert c.grad == 1.0  # an interior node holds the latest pass only
    a.grad = b.grad = 0.0
    c.backward()
    assert (a.grad, b.grad) == (5.0, 2.0)


def test_two_roots_sharing_a_subgraph_match_pytorch_accumulation():
    a = Value(2.0)
    c = a * a
    (c * 3).backward()  # d/da = 6a
    (c + 1).backward()  # d/da = 2a; c's old gradient must not leak into a
    assert a.grad == 6 * 2.0 + 2 * 2.0


def test_backward_of_a_leaf_seeds_one():
    a = Value(2.0)
    a.backward()
    a.backward()
    assert a.grad == 2.0


def test_zero_grad():
    model = MLP(3, [4, 1])
    model([1.0, -2.0, 0.5]).backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def _ten_thousand_op_graph(value_class):
    # 100 rows of 33 (mul, add, relu) steps, summed: shallow enough for micrograd.
    x = value_class(0.1)
    total = value_class(0.0)
    for _ in range(100):
        y = value_class(0.2)
        for _ in range(33):
            y = (y * x + 1.0).relu()
        total = total + y
    total.backward()
    return total


def _garbage_after_dropping(build):
    """gc.collect() after building (GC off) and dropping a graph: objects in cycles."""
    gc.collect()
    gc.disable()
    try:
        root = build()
        del root
        return gc.collect()
    finally:
        gc.enable()


def test_dropped_graph_leaves_nothing_for_the_gc():
    assert _garbage_after_dropping(lambda: _ten_thousand_op_graph(Value)) == 0


def test_cycle_check_catches_closure_graphs():
    # micrograd's nodes hold closures over themselves: the same check must fail there.
    assert _garbage_after_dropping(lambda: _ten_thousand_op_graph(MicrogradValue)) > 10_000
