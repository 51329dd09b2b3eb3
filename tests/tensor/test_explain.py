"""tensor.explain_backward: the engine's real run, told as micro tells it, checked against torch."""

import random
import re

import pytest
import torch

import micro
import tensor as T


def _expression(values, ops):
    """One formula left to right over `values` (Values or tensors): same graph in any engine."""
    out = values[0]
    for op, value in zip(ops, values[1:]):
        out = {"add": out + value, "sub": out - value, "mul": out * value, "div": out / value}[op]
        out = out.tanh() if op == "add" else out.sigmoid() if op == "mul" else out
    return out * values[0]


@pytest.mark.parametrize("seed", range(6))
def test_narrations_agree_line_for_line_with_micro(seed):
    rng = random.Random(seed)
    numbers = [rng.uniform(0.5, 2.0) for _ in range(4)]
    ops = [rng.choice(["add", "sub", "mul", "div"]) for _ in range(3)]
    values = [micro.Value(v) for v in numbers]
    tensors = [T.tensor(v, dtype=T.float64, requires_grad=True) for v in numbers]
    names = ["a", "b", "c", "d"]
    told_micro = micro.explain_backward(_expression(values, ops), dict(zip(values, names)), file=None)
    told_tensor = T.explain_backward(_expression(tensors, ops), dict(zip(tensors, names)), file=None)
    assert told_tensor.lines() == told_micro.lines()
    reference = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in numbers]
    _expression(reference, ops).backward()
    for mine, theirs in zip(tensors, reference):
        assert mine.grad.item() == pytest.approx(theirs.grad.item(), rel=1e-12)


def test_sigmoid_neuron_and_sum_times_c_agree_with_micro():
    def neuron(x1, x2, w1, w2, b):
        return (x1 * w1 + x2 * w2 + b).sigmoid()

    def sum_times_c(a, b, c):
        return (a + b) * c

    for fn, numbers in ((neuron, [2.0, 0.0, -3.0, 1.0, 6.88]), (sum_times_c, [2.0, -1.0, 4.0])):
        values = [micro.Value(v) for v in numbers]
        tensors = [T.tensor(v, dtype=T.float64, requires_grad=True) for v in numbers]
        for i, t in enumerate(tensors):
            t.name = f"in{i}"
        names = {v: f"in{i}" for i, v in enumerate(values)}
        assert (T.explain_backward(fn(*tensors), file=None).lines()
                == micro.explain_backward(fn(*values), names, file=None).lines())


def test_vectors_show_the_vjp_and_broadcasting_is_undone():
    x = T.tensor([1.0, 2.0, 3.0], requires_grad=True)
    w = T.tensor([[0.5], [-1.0]], requires_grad=True)
    x.name = "x"
    told = T.explain_backward((x * w).sum(), names={w: "w"}, file=None)
    assert told.lines() == [
        "backward from sum#1 = -3, seeded with grad 1",
        "step 1: sum#1 (sum) receives grad 1",
        "  -> mul#2: local [[1, 1, 1], [1, 1, 1]] x 1 = [[1, 1, 1], [1, 1, 1]]",
        "step 2: mul#2 (mul) receives grad [[1, 1, 1], [1, 1, 1]]",
        "  -> x: vjp [-0.5, -0.5, -0.5]",
        "  -> w: vjp [[6], [6]]",
        "x.grad += [-0.5, -0.5, -0.5] -> [-0.5, -0.5, -0.5]",
        "w.grad += [[6], [6]] -> [[6], [6]]",
    ]


def test_inputs_without_grad_are_not_told_and_hooks_are_removed():
    x = T.tensor(3.0)
    w = T.tensor(2.0, requires_grad=True)
    y = (x * w).exp()
    told = T.explain_backward(y, names={w: "w"}, file=None)
    assert [edge.input for step in told.steps for edge in step.edges] == ["mul#2", "w"]
    assert y.grad_fn._post_hooks is None or len(y.grad_fn._post_hooks) == 0
    assert w.grad.item() == pytest.approx(3.0 * torch.exp(torch.tensor(6.0)).item())


def test_non_scalar_root_raises_torchs_error_and_changes_nothing():
    x = T.tensor([1.0, 2.0], requires_grad=True)
    y = x * x
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        T.explain_backward(y, file=None)
    assert x.grad is None
    assert y.grad_fn._post_hooks is None or len(y.grad_fn._post_hooks) == 0


def test_engines_may_order_independent_branches_differently_but_tell_the_same_steps():
    # u is built after t but used first: micro visits in reverse depth-first order (t's node
    # first), tensor newest node first (u's node first); each step reads the same.
    def build(a, b, c, d):
        t = a * b
        u = c + d
        return u * t

    values = [micro.Value(v) for v in (1.5, -2.0, 0.5, 3.0)]
    tensors = [T.tensor(v, dtype=T.float64, requires_grad=True) for v in (1.5, -2.0, 0.5, 3.0)]
    names = ["a", "b", "c", "d"]
    told_micro = micro.explain_backward(build(*values), dict(zip(values, names)), file=None)
    told_tensor = T.explain_backward(build(*tensors), dict(zip(tensors, names)), file=None)
    assert [s.node for s in told_micro.steps] == ["mul#1", "mul#3", "add#2"]
    assert [s.node for s in told_tensor.steps] == ["mul#1", "add#2", "mul#3"]

    def unnumbered(told):
        return sorted(re.sub(r"^step \d+: ", "", line) for line in told.lines())

    assert unnumbered(told_tensor) == unnumbered(told_micro)
