"""Views made before an in-place change of their base (or a sibling view) see the change.

torch regenerates such a view's grad_fn by replaying the view on the base;
the gradients below are checked against torch.
"""

import pytest
import torch

import tensor as T


def _base_mul_then_old_view(lib):
    a = lib.ones(2, 2, requires_grad=True)
    b = a * 1
    v = b[0]
    b.mul_(3)
    v.sum().backward()
    return a.grad


def _sibling_view(lib):
    a = lib.ones(2, 2, requires_grad=True)
    b = a * 1
    v1, v2 = b[0], b[0]
    v1.mul_(3)
    (v2 * v2).sum().backward()
    return a.grad


def _view_of_untracked_base_joins_graph(lib):
    x = lib.tensor([1.0, 2.0], requires_grad=True)
    y = lib.zeros(3)
    v = y[:2]
    assert not v.requires_grad
    y[0] = x[0] * 2
    assert v.requires_grad and not v.is_leaf
    (v * v).sum().backward()
    return x.grad


def _transposed_view_after_setitem(lib):
    a = lib.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    b = a * 2
    t = b.t()
    b[1] = a[0] * 5
    (t * lib.tensor([[1.0, 2.0], [3.0, 4.0]])).sum().backward()
    return a.grad


@pytest.mark.parametrize(
    "scenario",
    [_base_mul_then_old_view, _sibling_view, _view_of_untracked_base_joins_graph,
     _transposed_view_after_setitem],
)
def test_stale_view_gradients_match_torch(scenario):
    ours = scenario(T)
    theirs = scenario(torch)
    assert ours.flatten().tolist() == pytest.approx(theirs.flatten().tolist(), rel=1e-6)

