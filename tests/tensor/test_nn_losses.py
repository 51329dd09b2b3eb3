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


# ------------------------------------------------------------------- other losses

def probabilities(*shape):
    return RNG.uniform(0.05, 0.95, shape).astype("float64")


LOSSES = {
    "bce": (lambda m, x, t, **kw: m.nn.BCELoss(**kw)(x, t), probabilities, probabilities),
    "bce_weight": (lambda m, x, t, **kw: m.nn.BCELoss(
        weight=m.tensor([0.5, 2.0, 1.0], dtype=m.float64), **kw)(x, t),
        probabilities, probabilities),
    "bce_logits": (lambda m, x, t, **kw: m.nn.BCEWithLogitsLoss(**kw)(x * 10, t),
                   lambda *s: floats(*s, dtype="float64"), probabilities),
    "bce_logits_pos_weight": (lambda m, x, t, **kw: m.nn.BCEWithLogitsLoss(
        pos_weight=m.tensor([3.0, 0.5, 1.0], dtype=m.float64), **kw)(x, t),
        lambda *s: floats(*s, dtype="float64"), probabilities),
    "l1": (lambda m, x, t, **kw: m.nn.L1Loss(**kw)(x, t),
           lambda *s: floats(*s, dtype="float64"), lambda *s: floats(*s, dtype="float64")),
    "smooth_l1": (lambda m, x, t, **kw: m.nn.SmoothL1Loss(beta=0.5, **kw)(x, t),
                  lambda *s: floats(*s, dtype="float64"), lambda *s: floats(*s, dtype="float64")),
    "smooth_l1_beta0": (lambda m, x, t, **kw: m.nn.SmoothL1Loss(beta=0.0, **kw)(x, t),
                        lambda *s: floats(*s, dtype="float64"),
                        lambda *s: floats(*s, dtype="float64")),
    "huber": (lambda m, x, t, **kw: m.nn.HuberLoss(delta=0.7, **kw)(x, t),
              lambda *s: floats(*s, dtype="float64"), lambda *s: floats(*s, dtype="float64")),
    "kl_div": (lambda m, x, t, **kw: m.nn.KLDivLoss(**kw)(x.log_softmax(1), t),
               lambda *s: floats(*s, dtype="float64"), probabilities),
    "kl_div_log_target": (lambda m, x, t, **kw: m.nn.KLDivLoss(log_target=True, **kw)(
        x.log_softmax(1), t.log()), lambda *s: floats(*s, dtype="float64"), probabilities),
}


@pytest.mark.parametrize("name", list(LOSSES))
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_loss_values_and_grads_match_torch(name, reduction):
    call, draw_input, draw_target = LOSSES[name]
    input_array, target_array = draw_input(4, 3), draw_target(4, 3)
    if name.startswith("kl_div") and reduction == "mean":
        reduction = "batchmean"
    (x, tx), (t, tt) = pair(input_array), pair(target_array)
    out = call(T, x, t, reduction=reduction)
    expected = call(torch, tx, tt, reduction=reduction)
    assert_same_tensor(out, expected, "value", name)
    backward_both(out, expected)
    assert_same_grads([x, t], [tx, tt])


def test_kl_div_mean_warns_as_torch_and_zero_targets_give_zero():
    x, tx = pair(floats(2, 3, dtype="float64"))
    target = np.array([[0.0, 0.5, 0.5], [1.0, 0.0, 0.0]])
    with pytest.warns(UserWarning, match="batchmean") as ours:
        out = T.nn.functional.kl_div(x, T.tensor(target))
    with pytest.warns(UserWarning) as theirs:
        expected = torch.nn.functional.kl_div(tx, torch.tensor(target))
    assert str(ours[0].message) == str(theirs[0].message)
    assert_same_tensor(out, expected, "value", "kl_div mean")


def test_bce_clamps_the_log_as_torch():
    x, tx = pair(np.array([0.0, 1.0, 0.5]))
    target = np.array([1.0, 0.0, 1.0])
    out = T.nn.functional.binary_cross_entropy(x, T.tensor(target), reduction="none")
    expected = torch.nn.functional.binary_cross_entropy(tx, torch.tensor(target),
                                                        reduction="none")
    assert_same_tensor(out, expected, "value", "clamped bce")


@pytest.mark.parametrize("call", [
    lambda m: m.nn.functional.binary_cross_entropy(m.tensor([0.5, 1.5]), m.tensor([1.0, 0.0])),
    lambda m: m.nn.functional.binary_cross_entropy(m.tensor([[0.5, 0.2]]), m.tensor([1.0, 0.0])),
    lambda m: m.nn.functional.binary_cross_entropy_with_logits(m.zeros(2, 1), m.zeros(2)),
    lambda m: m.nn.functional.l1_loss(m.zeros(2), m.zeros(2), reduction="avg"),
    lambda m: m.nn.functional.smooth_l1_loss(m.zeros(2), m.zeros(2), beta=-1.0),
    lambda m: m.nn.functional.one_hot(m.tensor([0, 3]), 3),
    lambda m: m.nn.functional.one_hot(m.tensor([0, -1])),
    lambda m: m.nn.functional.one_hot(m.tensor([0.0])),
    lambda m: m.nn.functional.gelu(m.zeros(2), approximate="sigmoid"),
], ids=["bce-range", "bce-size", "logits-size", "reduction", "beta", "one-hot-big",
        "one-hot-negative", "one-hot-float", "gelu-approx"])
def test_loss_and_utility_errors_match_torch(call):
    assert_same_error(call)


# --------------------------------------------------------- functional utilities

def test_one_hot_normalize_cosine_similarity_pad_match_torch():
    labels = np.array([[0, 2], [1, 4]])
    for args in [(), (6,)]:
        ours = T.nn.functional.one_hot(T.tensor(labels), *args)
        theirs = torch.nn.functional.one_hot(torch.tensor(labels), *args)
        assert_same_tensor(ours, theirs, "value", "one_hot")
    (x, tx), (y, ty) = pair(floats(3, 4, dtype="float64")), pair(floats(1, 4, dtype="float64"))
    for ours, theirs in [
        (T.nn.functional.normalize(x), torch.nn.functional.normalize(tx)),
        (T.nn.functional.normalize(x, p=1.0, dim=0), torch.nn.functional.normalize(tx, 1.0, 0)),
        (T.nn.functional.cosine_similarity(x, y), torch.nn.functional.cosine_similarity(tx, ty)),
        (T.nn.functional.pad(x, (1, 2)), torch.nn.functional.pad(tx, (1, 2))),
        (T.nn.functional.pad(x, (0, -1, 2, 1), value=-3.0),
         torch.nn.functional.pad(tx, (0, -1, 2, 1), value=-3.0)),
    ]:
        assert_same_tensor(ours, theirs, "value", "forward")
        backward_both(ours, theirs)
    assert_same_grads([x, y], [tx, ty])


@pytest.mark.parametrize("name", ["gelu", "silu", "leaky_relu", "elu", "softplus", "hardtanh",
                                  "relu6"])
def test_activation_functions_match_torch_including_second_derivatives(name):
    x, tx = pair(floats(5, 4, dtype="float64") * 4)
    ours = getattr(T.nn.functional, name)(x)
    theirs = getattr(torch.nn.functional, name)(tx)
    assert_same_tensor(ours, theirs, "value", name)
    (g,) = T.autograd.grad(ours.sum(), x, create_graph=True)
    (tg,) = torch.autograd.grad(theirs.sum(), tx, create_graph=True)
    assert_same_tensor(g, tg, "grad", "first")
    (tg * tg).sum().backward()
    if g.requires_grad:
        (g * g).sum().backward()
        assert_same_grads([x], [tx])
    else:  # piecewise-linear: torch's graph exists but its derivative is zero
        assert not tx.grad.any()


# ------------------------------------------------------------------ nn.utils

@pytest.mark.parametrize("norm_type", [2.0, 1.0, float("inf")])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    grads = [floats(3, 2), floats(4)]
    ours = [T.zeros(g.shape, requires_grad=True) for g in grads]
    theirs = [torch.zeros(g.shape, requires_grad=True) for g in grads]
    for p, tp, g in zip(ours, theirs, grads):
        p.grad, tp.grad = T.tensor(g), torch.tensor(g)
    total = T.nn.utils.clip_grad_norm_(ours, max_norm, norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    assert_same_tensor(total, expected, "value", "total norm")
    assert_same_grads(ours, theirs)


def test_clip_grad_norm_nonfinite_error_and_clip_value():
    p = T.zeros(2, requires_grad=True)
    p.grad = T.tensor([float("nan"), 1.0])
    tp = torch.zeros(2, requires_grad=True)
    tp.grad = torch.tensor([float("nan"), 1.0])
    with pytest.raises(RuntimeError) as theirs:
        torch.nn.utils.clip_grad_norm_([tp], 1.0, error_if_nonfinite=True)
    with pytest.raises(RuntimeError) as ours:
        T.nn.utils.clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    assert str(ours.value) == str(theirs.value)
    assert T.equal(p.grad != p.grad, T.tensor([True, False]))  # left as it was (nan kept)
    q = T.zeros(3, requires_grad=True)
    q.grad = T.tensor([-2.0, 0.1, 5.0])
    T.nn.utils.clip_grad_value_(q, 1.0)
    assert T.equal(q.grad, T.tensor([-1.0, 0.1, 1.0]))


def test_parameters_to_vector_and_back():
    layer = T.nn.Linear(3, 2)
    vector = T.nn.utils.parameters_to_vector(layer.parameters())
    assert vector.shape == (8,)
    T.nn.utils.vector_to_parameters(T.arange(8.0), layer.parameters())
    assert T.equal(layer.weight, T.arange(6.0).reshape(2, 3))
    assert T.equal(layer.bias, T.tensor([6.0, 7.0]))
    with pytest.raises(TypeError, match="expected torch.Tensor, but got: list"):
        T.nn.utils.vector_to_parameters([1.0], layer.parameters())
