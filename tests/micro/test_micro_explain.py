"""micro.explain_backward: the narrated backward pass against the chain rule worked by hand."""

import io
import math

import pytest

from micro import Value, explain_backward


def test_sum_times_c_by_hand():
    a, b, c = Value(2.0), Value(-1.0), Value(4.0)
    out = io.StringIO()
    explanation = explain_backward((a + b) * c, names={a: "a", b: "b", c: "c"}, file=out)
    assert out.getvalue() == str(explanation) + "\n"
    assert explanation.lines() == [
        "backward from mul#1 = 4, seeded with grad 1",
        "step 1: mul#1 (mul) receives grad 1",
        "  -> add#2: local 4 x 1 = 4",  # d/d(a+b) of (a+b)*c is c = 4
        "  -> c: local 1 x 1 = 1",  # d/dc is a+b = 1
        "step 2: add#2 (add) receives grad 4",
        "  -> a: local 1 x 4 = 4",
        "  -> b: local 1 x 4 = 4",
        "c.grad += 1 -> 1",
        "a.grad += 4 -> 4",
        "b.grad += 4 -> 4",
    ]
    assert (a.grad, b.grad, c.grad) == (4.0, 4.0, 1.0)


def test_sigmoid_neuron_steps_follow_the_chain_rule():
    x1, x2, w1, w2, b = Value(2.0), Value(0.0), Value(-3.0), Value(1.0), Value(6.8813735870195432)
    explanation = explain_backward((x1 * w1 + x2 * w2 + b).sigmoid(), file=None)
    s = 1.0 / (1.0 + math.exp(-(2.0 * -3.0 + 6.8813735870195432)))
    first = explanation.steps[0]
    assert first.op == "sigmoid" and first.incoming == 1.0
    assert first.edges[0].local == pytest.approx(s * (1.0 - s))
    assert [step.op for step in explanation.steps] == ["sigmoid", "add", "add", "mul", "mul"]
    assert w1.grad == pytest.approx(s * (1.0 - s) * 2.0)
    assert x1.grad == pytest.approx(s * (1.0 - s) * -3.0)
    assert w2.grad == 0.0 and b.grad == pytest.approx(s * (1.0 - s))
    for step in explanation.steps:
        for edge in step.edges:
            assert edge.gradient == pytest.approx(edge.local * step.incoming)


def test_shared_node_gathers_every_use():
    a = Value(3.0)
    b = a * a
    explanation = explain_backward(b + a, names={a: "a"}, file=None)
    edges = [edge for step in explanation.steps for edge in step.edges if edge.input == "a"]
    assert [(edge.use, edge.uses) for edge in edges] == [(1, 3), (2, 3), (3, 3)]
    assert [edge.total for edge in edges] == [1.0, 4.0, 7.0]  # 1, then + a, then + a
    assert "a is shared, use 3 of 3, gathered so far 7" in str(explanation)
    assert a.grad == 7.0  # d(a^2 + a)/da = 2a + 1


def test_leaves_accumulate_across_calls_as_backward_does():
    a, b = Value(2.0), Value(5.0)
    explain_backward(a * b, file=None)
    explanation = explain_backward(a * b, names={a: "a"}, file=None)
    assert explanation.leaves[0] == ("a", 5.0, 10.0)
    assert "a.grad += 5 -> 10" in explanation.lines()


def test_agrees_with_backward_on_a_deep_expression():
    def build():
        x, y = Value(0.3), Value(-1.2)
        return x, y, ((x * y).tanh() + x.exp() / (y * y + 1.0)).sin() * x

    x, y, out = build()
    explain_backward(out, file=None)
    x2, y2, out2 = build()
    out2.backward()
    assert (x.grad, y.grad) == (x2.grad, y2.grad)


def test_a_leaf_root_and_bad_input():
    a = Value(1.5)
    assert explain_backward(a, names={a: "a"}, file=None).lines()[-1] == "a.grad += 1 -> 1"
    with pytest.raises(TypeError, match="explain_backward takes a Value, got float"):
        explain_backward(1.5)
