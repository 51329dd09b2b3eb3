"""One check for bad input: tensor raises torch's error type with torch's message."""

import pytest
import torch

import tensor as T


def assert_same_error(fn) -> None:
    """``fn(module)`` must raise in torch; it must raise the same type and message in tensor."""
    with pytest.raises(Exception) as expected:
        fn(torch)
    with pytest.raises(type(expected.value)) as raised:
        fn(T)
    assert str(raised.value) == str(expected.value)
