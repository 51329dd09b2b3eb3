"""The Triton backend implements the whole backend interface the numpy backend defines."""

import inspect

import pytest

from tensor.backends import numpy_backend, triton_backend


def _public_functions(module):
    return {name: fn for name, fn in vars(module).items()
            if not name.startswith("_") and inspect.isfunction(fn)
            and (fn.__module__ == module.__name__ or fn.__module__ == "numpy")}


# Primitives the Triton backend lacks, with the reason (listed in triton_backend's docstring).
KNOWN_GAPS: dict[str, str] = {}


def test_every_numpy_backend_function_has_a_triton_counterpart_with_the_same_parameters():
    ours = _public_functions(triton_backend)
    missing = set(_public_functions(numpy_backend)) - set(ours)
    assert missing == KNOWN_GAPS.keys(), f"triton_backend lacks {sorted(missing - KNOWN_GAPS.keys())}"
    for name, fn in _public_functions(numpy_backend).items():
        if name in KNOWN_GAPS:
            continue
        expected = list(inspect.signature(fn).parameters)
        actual = list(inspect.signature(ours[name]).parameters)
        assert actual == expected, f"{name}{tuple(actual)} != numpy_backend.{name}{tuple(expected)}"


def test_module_attributes():
    assert triton_backend.device_type == "cuda" and numpy_backend.device_type == "cpu"
    assert triton_backend.TORCH_DEVICE.type in ("cpu", "cuda")


def test_memory_is_shared_tells_a_gradient_nothing_else_uses():
    """What lets AccumulateGrad keep a first gradient without a copy (torch's "steal")."""
    import torch

    shared = triton_backend.memory_is_shared
    # computed outside the asserts: pytest's assert rewriting keeps intermediates alive
    fresh = shared(torch.empty(6))
    view_of_temporary = shared(torch.empty(6).view(2, 3))  # the view is the memory's only user
    transposed_twice = shared(torch.empty(3, 2).t().t())
    assert not fresh and not view_of_temporary and not transposed_twice
    base = torch.empty(6)
    assert shared(base.view(2, 3))  # the base is alive
    other = torch.empty(6)
    first, second = other.view(2, 3), other.view(3, 2)
    del other
    assert shared(first) and shared(second)  # two views of one storage


@pytest.mark.parametrize("device", ["cpu", "cuda"])
def test_leaf_gradients_never_alias_each_other_or_the_given_gradient(device):
    import numpy as np

    import tensor as T

    x = T.ones(3, device=device, requires_grad=True)
    y = T.ones(3, device=device, requires_grad=True)
    (x + y).sum().backward()  # the same gradient object reaches both leaves
    x.grad.add_(1)
    assert y.grad.tolist() == [1.0, 1.0, 1.0]
    given = T.ones(3, device=device)
    z = T.zeros(3, device=device, requires_grad=True)
    z.backward(given)
    z.grad.mul_(5)
    assert given.tolist() == [1.0, 1.0, 1.0]
    w = T.ones(2, 3, device=device, requires_grad=True)
    (T.ones(4, 2, device=device) @ w).sum().backward()
    np.testing.assert_array_equal(w.grad.cpu().numpy(), np.full((2, 3), 4.0))
