"""Every error of the autograd surface, against torch: same exception type, same message,
and the failed call changes nothing (data, .grad and _version of the tensors involved).

Each case is ``case(m) -> (tensors to watch, failing call)``, written once for both modules.
"""

import numpy as np
import pytest
from parity import error_of, to_numpy

import tensor as T


def _leaf(m, values=(1.0, 2.0, 3.0)):
    return m.tensor(list(values), requires_grad=True)


def _with_grad(m):
    x = _leaf(m)
    (x * x).sum().backward()
    return x


def _second_backward(m):
    x = _with_grad(m)
    y = (x * x).sum()
    y.backward()
    return [x], y.backward


def _modified_saved(m):
    x = _with_grad(m)
    y = x * 1
    z = y * y
    y.add_(1)
    return [x, y], lambda: z.sum().backward()


def _leaf_inplace(m):
    x = _with_grad(m)
    return [x], lambda: x.add_(1)


def _view_of_leaf_inplace(m):
    x = _with_grad(m)
    return [x], lambda: x[1:].mul_(2)


def _anomaly(m):
    x = m.tensor([-1.0, 4.0], requires_grad=True)

    def run():
        with m.autograd.detect_anomaly():
            x.sqrt().sum().backward()
    return [x], run


def _unused(m):
    x, unused = _leaf(m), _leaf(m)
    return [x, unused], lambda: m.autograd.grad((x * 2).sum(), unused)


def _unused_indexed(m):
    x, unused = _leaf(m), _leaf(m)
    return [x, unused], lambda: m.autograd.grad((x * 2).sum(), [x, unused])


def _non_leaf_requires_grad(m):
    y = _leaf(m) * 2

    def run():
        y.requires_grad = False
    return [y], run


def _inplace_shape(m):
    x = m.ones(3)
    return [x], lambda: x.add_(m.ones(2, 3))


def _inplace_dtype(m):
    x = m.ones(3, dtype=m.int64)
    return [x], lambda: x.mul_(1.5)


def _failing_op(action):
    """A case whose call fails without touching a tensor that requires grad."""
    def case(m):
        x = _with_grad(m)
        return [x], lambda: action(m, x)
    return case


CASES = {
    "implicit grad of non-scalar": _failing_op(lambda m, x: (x * 2).backward()),
    "no grad_fn": _failing_op(lambda m, x: m.tensor([1.0, 2.0]).sum().backward()),
    "no grad_fn second element": _failing_op(
        lambda m, x: m.autograd.backward([x.sum(), m.tensor(1.0)])),
    "second backward": _second_backward,
    "modified saved tensor": _modified_saved,
    "leaf in place": _leaf_inplace,
    "view of leaf in place": _view_of_leaf_inplace,
    "nan anomaly": _anomaly,
    "unused input": _unused,
    "unused input of several": _unused_indexed,
    "requires_grad of non-leaf": _non_leaf_requires_grad,
    "hook without grad": _failing_op(lambda m, x: m.ones(2).register_hook(lambda g: g)),
    "retain_grad without grad": _failing_op(lambda m, x: m.ones(2).retain_grad()),
    "integer requires grad": _failing_op(lambda m, x: m.tensor([1, 2], requires_grad=True)),
    "integer requires_grad_": _failing_op(lambda m, x: m.arange(3).requires_grad_()),
    "numpy of requires grad": _failing_op(lambda m, x: x.numpy()),
    "mm shapes": _failing_op(lambda m, x: m.ones(2, 3) @ m.ones(4, 5)),
    "broadcast shapes": _failing_op(lambda m, x: m.ones(2, 3) + m.ones(2, 4)),
    "broadcast shapes of grad": _failing_op(lambda m, x: x * m.ones(2)),
    "grad_output shape": _failing_op(lambda m, x: (x * 2).backward(m.ones(2))),
    "in-place result shape": _inplace_shape,
    "in-place result dtype": _inplace_dtype,
    "view not possible": _failing_op(lambda m, x: m.ones(3, 4).t().view(12)),
    "reshape size": _failing_op(lambda m, x: x.reshape(2, 2)),
    "expand size": _failing_op(lambda m, x: x.expand(2, 4)),
    "item of many": _failing_op(lambda m, x: x.item()),
    "bool of many": _failing_op(lambda m, x: bool(x > 0)),
    "mean of integers": _failing_op(lambda m, x: m.arange(4).mean()),
    "bool subtraction": _failing_op(lambda m, x: m.tensor([True]) - m.tensor([False])),
    "matmul of 0-d": _failing_op(lambda m, x: m.matmul(m.tensor(1.0), x)),
    "matmul dtypes": _failing_op(lambda m, x: m.ones(2, 2) @ m.ones(2, 2, dtype=m.float64)),
    "where condition dtype": _failing_op(lambda m, x: m.where(x, x, x)),
    "clamp without bounds": _failing_op(lambda m, x: m.clamp(x)),
    "sum dim out of range": _failing_op(lambda m, x: x.sum(1)),
    "softmax dim out of range": _failing_op(lambda m, x: m.softmax(x, -2)),
    "transpose dim out of range": _failing_op(lambda m, x: m.ones(2, 3).transpose(0, 2)),
    "unsqueeze dim out of range": _failing_op(lambda m, x: x.unsqueeze(3)),
    "size dim out of range": _failing_op(lambda m, x: x.size(4)),
    "index out of range": _failing_op(lambda m, x: x[3]),
    "second index out of range": _failing_op(lambda m, x: m.ones(2, 3)[:, -4]),
    "too many indices": _failing_op(lambda m, x: x[0, 0]),
    "tensor index out of range": _failing_op(lambda m, x: x[m.tensor([0, 5])]),
    "negative step": _failing_op(lambda m, x: x[::-1]),
    "cat dim out of range": _failing_op(lambda m, x: m.cat([x, x], dim=1)),
    "cat shapes": _failing_op(lambda m, x: m.cat([m.ones(2, 3), m.ones(2, 4)])),
    "stack shapes": _failing_op(lambda m, x: m.stack([m.ones(2), m.ones(3)])),
    "grad assignment shape": _failing_op(lambda m, x: setattr(x, "grad", m.ones(2))),
}


def _state(tensors):
    return [(to_numpy(t), None if t.grad is None else to_numpy(t.grad), t._version)
            for t in tensors]


@pytest.mark.parametrize("name", list(CASES))
def test_error_matches_torch_and_changes_nothing(name):
    import torch

    case = CASES[name]
    outcomes = []
    for module in (torch, T):
        tensors, action = case(module)
        before = _state(tensors)
        error = error_of(action)
        outcomes.append((error, before, _state(tensors)))
    (expected, _, torch_after), (error, before, after) = outcomes
    assert expected is not None, "torch raises"
    assert error == expected
    for (data, grad, version), (data_after, grad_after, version_after), torch_state in zip(
            before, after, torch_after):
        np.testing.assert_array_equal(data_after, torch_state[0])
        np.testing.assert_array_equal(data_after, data)
        assert (grad_after is None) == (grad is None)
        if grad is not None:
            np.testing.assert_array_equal(grad_after, grad)
        assert version_after == version == torch_state[2]
