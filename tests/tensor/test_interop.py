"""Interop: numpy and DLPack both ways, zero-copy where devices allow."""

import numpy as np
import pytest
import torch

import tensor as T


def test_from_numpy_shares_memory_and_keeps_dtype():
    array = np.arange(6, dtype=np.float64).reshape(2, 3)
    t = T.from_numpy(array)
    assert t.dtype is T.float64 and t.shape == (2, 3)
    array[0, 0] = 7.0
    assert t.tolist()[0][0] == 7.0
    t.numpy()[1, 2] = -1.0
    assert array[1, 2] == -1.0


def test_numpy_refuses_tensors_that_require_grad_like_torch():
    t = T.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError) as ours:
        t.numpy()
    with pytest.raises(RuntimeError) as theirs:
        torch.ones(2, requires_grad=True).numpy()
    assert str(ours.value) == str(theirs.value)
    assert t.detach().numpy().tolist() == [1.0, 1.0]


def test_dlpack_from_torch_is_zero_copy_and_keeps_strides():
    source = torch.arange(12.0).reshape(3, 4)
    t = T.from_dlpack(source.t())
    assert t.shape == (4, 3) and t.stride() == source.t().stride()
    source[0, 1] = 100.0
    assert t.tolist()[1][0] == 100.0


def test_dlpack_to_torch_is_zero_copy():
    t = T.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=T.float64)
    back = torch.from_dlpack(t)
    assert back.dtype == torch.float64
    back[1, 1] = -4.0
    assert t.tolist() == [[1.0, 2.0], [3.0, -4.0]]
    assert back.data_ptr() == t.data_ptr()


def test_dlpack_refuses_tensors_that_require_grad_like_torch():
    with pytest.raises(BufferError) as ours:
        torch.from_dlpack(T.ones(2, requires_grad=True))
    with pytest.raises(BufferError) as theirs:
        torch.ones(2, requires_grad=True).__dlpack__()
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "bool"])
def test_dlpack_round_trip_dtypes(dtype):
    source = torch.tensor([1, 0, 1], dtype=getattr(torch, dtype))
    t = T.from_dlpack(source)
    assert t.dtype is getattr(T, dtype if dtype != "bool" else "bool")
    assert torch.equal(torch.from_dlpack(t), source)
