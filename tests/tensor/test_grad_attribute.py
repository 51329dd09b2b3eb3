"""The ``.grad`` attribute: torch's warning when reading it on a non-leaf."""

import pytest
import torch

import tensor as T


def test_reading_grad_of_a_non_leaf_warns_like_torch():
    with pytest.warns(UserWarning) as ours:
        y = T.ones(2, requires_grad=True) * 2
        assert y.grad is None
    with pytest.warns(UserWarning) as theirs:
        z = torch.ones(2, requires_grad=True) * 2
        assert z.grad is None
    assert str(ours[0].message) == str(theirs[0].message).split(" (Triggered internally")[0]
