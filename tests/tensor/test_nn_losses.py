"""Losses of tensor.nn against torch.nn: the fused single nodes (Linear as AddmmBackward0,
cross_entropy as NllLossBackward0 over LogSoftmaxBackward0, mse_loss as MseLossBackward0),
their fused and composed (create_graph) backward paths, and the other losses."""

import numpy as np
import pytest
import torch
from parity import assert_same_tensor
from same_error import assert_same_error

import tensor as T

RNG = np.random.default_rng(11)


def pair(array, requires_grad=True):
    """The same leaf in tensor and in torch."""
    return (T.tensor(array, requires_grad=requires_grad),
            torch.tensor(array, requires_grad=requires_grad))


def floats(*shape, dtype="float32"):
    return RNG.standard_normal(shape).astype(dtype)


def backward_both(ours, theirs, create_graph=False):
    """Backpropagate one random output gradient through both graphs."""
    gradient = floats(*theirs.shape, dtype=str(theirs.dtype).split(".")[-1])
    ours.backward(T.tensor(gradient), create_graph=create_graph)
    theirs.backward(torch.tensor(gradient), create_graph=create_graph)


def assert_same_grads(our_leaves, their_leaves):
    for i, (ours, theirs) in enumerate(zip(our_leaves, their_leaves)):
        assert_same_tensor(ours.grad, theirs.grad, "grad", f"grad of input {i}")


def node_names(out):
    """grad_fn name of ``out`` and of the nodes it points to."""
    return type(out.grad_fn).__name__, [None if fn is None else type(fn).__name__
                                        for fn, _ in out.grad_fn.next_functions]


# ---------------------------------------------------------------- Linear -> Addmm

@pytest.mark.parametrize("shape", [(5, 4), (2, 3, 4), (4,), (0, 4)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_graph_values_and_grads_match_torch(shape, bias):
    (x, tx), (w, tw) = pair(floats(*shape)), pair(floats(3, 4))
    b, tb = pair(floats(3)) if bias else (None, None)
    out, expected = T.nn.functional.linear(x, w, b), torch.nn.functional.linear(tx, tw, tb)
    # Without a bias torch reaches its matmul through mm nodes; the outer node is the same.
    compared = node_names if bias or len(shape) == 2 else (lambda t: node_names(t)[0])
    assert compared(out) == compared(expected)
    assert_same_tensor(out, expected, "value", "linear")
    backward_both(out, expected)
    assert_same_grads([x, w] + ([b] if bias else []), [tx, tw] + ([tb] if bias else []))


def test_linear_module_is_one_addmm_node_with_torch_edges():
    layer = T.nn.Linear(4, 3)
    out = layer(T.randn(2, 4))
    names = node_names(out)
    assert names == ("AddmmBackward0", ["AccumulateGrad", None, "TBackward0"])
    assert out.grad_fn.next_functions[0][0].variable is layer.bias


@pytest.mark.parametrize("create_graph", [False, True])
def test_addmm_second_derivative_matches_torch(create_graph):
    (x, tx), (w, tw), (b, tb) = pair(floats(3, 4, dtype="float64")), pair(
        floats(2, 4, dtype="float64")), pair(floats(2, dtype="float64"))
    out = (T.nn.functional.linear(x, w, b) ** 2).sum()
    expected = (torch.nn.functional.linear(tx, tw, tb) ** 2).sum()
    (gx,) = T.autograd.grad(out, x, create_graph=True)
    (tgx,) = torch.autograd.grad(expected, tx, create_graph=True)
    assert_same_tensor(gx, tgx, "grad", "first derivative")
    (gx * gx).sum().backward()
    (tgx * tgx).sum().backward()
    assert_same_grads([w, b], [tw, tb])


# ------------------------------------------------- cross_entropy -> NllLoss(LogSoftmax)

CLASS_SHAPES = [((6, 5), (6,)), ((5,), ()), ((2, 5, 3), (2, 3)), ((2, 5, 3, 2), (2, 3, 2))]


@pytest.mark.parametrize("shapes", CLASS_SHAPES, ids=str)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("weighted", [False, True])
def test_cross_entropy_node_values_and_grads_match_torch(shapes, reduction, weighted):
    input_shape, target_shape = shapes
    x, tx = pair(floats(*input_shape))
    target = RNG.integers(0, 5, target_shape)
    if target.ndim:
        target.flat[0] = -100  # one ignored target
    weight = RNG.uniform(0.5, 2, 5).astype("float32") if weighted else None
    out = T.nn.functional.cross_entropy(
        x, T.tensor(target), weight=None if weight is None else T.tensor(weight),
        reduction=reduction)
    expected = torch.nn.functional.cross_entropy(
        tx, torch.tensor(target), weight=None if weight is None else torch.tensor(weight),
        reduction=reduction)
    assert_same_tensor(out, expected, "value", "cross_entropy")
    assert node_names(out) == node_names(expected)
    backward_both(out, expected)
    assert_same_grads([x], [tx])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_nll_loss_fused_and_composed_backward_agree_and_differentiate(reduction):
    (x, tx) = pair(floats(4, 3, dtype="float64"))
    target = [2, 0, -100, 1]
    out = T.nn.functional.nll_loss(x.log_softmax(1), T.tensor(target), reduction=reduction)
    expected = torch.nn.functional.nll_loss(tx.log_softmax(1), torch.tensor(target),
                                            reduction=reduction)
    (fused,) = T.autograd.grad(out.sum(), x, retain_graph=True)
    (composed,) = T.autograd.grad(out.sum(), x, create_graph=True)
    (theirs,) = torch.autograd.grad(expected.sum(), tx, create_graph=True)
    assert_same_tensor(fused, theirs, "grad", "fused")
    assert_same_tensor(composed, theirs, "grad", "composed")
    (composed.exp().sum()).backward()
    (theirs.exp().sum()).backward()
    assert_same_grads([x], [tx])


def test_nll_loss_all_ignored_mean_is_nan_as_torch():
    x, tx = pair(floats(2, 3))
    out = T.nn.functional.cross_entropy(x, T.tensor([-100, -100]))
    expected = torch.nn.functional.cross_entropy(tx, torch.tensor([-100, -100]))
    assert_same_tensor(out, expected, "value", "all ignored")


@pytest.mark.parametrize("call", [
    lambda m: m.nn.functional.nll_loss(m.zeros(2, 3), m.tensor([0, 3])),
    lambda m: m.nn.functional.nll_loss(m.zeros(2, 3), m.tensor([0, -1])),
    lambda m: m.nn.functional.nll_loss(m.zeros(2, 3), m.tensor([0, 1]), weight=m.ones(4)),
    lambda m: m.nn.functional.nll_loss(m.zeros(2, 3), m.tensor([0.0, 1.0])),
    lambda m: m.nn.functional.nll_loss(m.zeros(2, 3), m.tensor([0, 1, 2])),
    lambda m: m.nn.functional.nll_loss(m.zeros(2, 3, 4), m.tensor([[0, 1], [1, 0]])),
    lambda m: m.nn.functional.cross_entropy(m.zeros(2, 3), m.tensor([0, 1]), reduction="avg"),
], ids=["above", "negative", "weight-size", "float-target", "batch", "spatial", "reduction"])
def test_class_loss_errors_match_torch(call):
    assert_same_error(call)


# --------------------------------------------------------------- mse_loss -> MseLoss

@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("create_graph", [False, True])
def test_mse_loss_node_values_and_grads_match_torch(reduction, create_graph):
    (x, tx), (y, ty) = pair(floats(3, 4, dtype="float64")), pair(floats(3, 4, dtype="float64"))
    out = T.nn.functional.mse_loss(x, y, reduction=reduction)
    expected = torch.nn.functional.mse_loss(tx, ty, reduction=reduction)
    assert node_names(out) == node_names(expected)
    assert_same_tensor(out, expected, "value", "mse_loss")
    backward_both(out, expected, create_graph=create_graph)
    assert_same_grads([x, y], [tx, ty])
    if create_graph:
        (x.grad * y).sum().backward()
        (tx.grad * ty).sum().backward()
        assert_same_grads([x, y], [tx, ty])


def test_mse_loss_broadcast_target_warns_and_matches_torch():
    (x, tx), (y, ty) = pair(floats(3, 4)), pair(floats(4))
    with pytest.warns(UserWarning, match="different to the input size") as ours:
        out = T.nn.functional.mse_loss(x, y)
    with pytest.warns(UserWarning) as theirs:
        expected = torch.nn.functional.mse_loss(tx, ty)
    assert str(ours[0].message) == str(theirs[0].message)
    assert_same_tensor(out, expected, "value", "broadcast mse")
    backward_both(out, expected)
    assert_same_grads([x, y], [tx, ty])
