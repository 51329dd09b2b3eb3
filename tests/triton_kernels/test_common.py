"""triton_kernels._common: shape collapsing, broadcasting, dtype maps, block choice and the launch counter.

``collapse_dims`` is checked by its defining property (the collapsed shape and
strides visit the same memory offsets in the same order, for every operand)
over generated shapes and strides; ``broadcast_shape`` against torch's own
broadcasting, errors included.
"""

import itertools

import pytest
import torch
import triton
import triton.language as tl
from hypothesis import given, settings
from hypothesis import strategies as st

from triton_kernels import _common as C
from triton_kernels import count_launches


def offsets(shape, strides):
    """Every element's memory offset, in row-major order of ``shape``."""
    indices = itertools.product(*(range(n) for n in shape))
    return [sum(i * s for i, s in zip(index, strides)) for index in indices]


@st.composite
def shapes_and_strides(draw):
    rank = draw(st.integers(0, 5))
    shape = tuple(draw(st.lists(st.integers(0, 4), min_size=rank, max_size=rank)))
    operands = draw(st.integers(1, 3))
    strides = []
    for _ in range(operands):
        layout = draw(st.sampled_from(["contiguous", "permuted", "random"]))
        if layout == "random":
            strides.append(tuple(draw(st.lists(st.integers(0, 40), min_size=rank, max_size=rank))))
            continue
        order = list(range(rank))
        if layout == "permuted":
            order = draw(st.permutations(order))
        contiguous = [0] * rank
        step = 1
        for d in reversed(order):
            contiguous[d] = step
            step *= max(shape[d], 1)
        strides.append(tuple(contiguous))
    return shape, strides


@settings(max_examples=200, deadline=None)
@given(shapes_and_strides())
def test_collapse_dims_visits_the_same_offsets(case):
    shape, strides = case
    collapsed = C.collapse_dims(shape, *strides)
    new_shape, new_strides = collapsed[0], collapsed[1:]
    assert len(new_strides) == len(strides)
    assert all(len(s) == len(new_shape) for s in new_strides)
    for old, new in zip(strides, new_strides):
        assert offsets(new_shape, new) == offsets(shape, old)
    assert 1 <= len(new_shape) <= max(len(shape), 1)


def test_collapse_dims_examples():
    assert C.collapse_dims((2, 3, 4), (12, 4, 1)) == ((24,), (1,))  # contiguous: one dim
    assert C.collapse_dims((2, 3, 4), (12, 4, 1), (1, 2, 6)) == ((2, 3, 4), (12, 4, 1), (1, 2, 6))
    assert C.collapse_dims((2, 3, 4), (0, 0, 1)) == ((6, 4), (0, 1))  # broadcast dims merge together
    assert C.collapse_dims((5, 1, 3), (3, 99, 1)) == ((15,), (1,))  # size-1 dims vanish
    assert C.collapse_dims((), ()) == ((1,), (1,))
    assert C.collapse_dims((3, 0), (1, 1)) == ((0,), (1,))
    assert C.collapse_dims((4, 6), (12, 1)) == ((4, 6), (12, 1))  # a sliced row stays its own dim


@pytest.mark.parametrize("shapes", [[(3, 1), (1, 4)], [(), (2, 3)], [(5, 1, 3), (4, 1), (1,)],
                                    [(0, 3), (1, 3)], [(3,), (3, 4)], [(2, 3), (4, 3)],
                                    [(5, 1, 3), (4, 3), (2, 3)], [(2, 0), (3, 1)]])
def test_broadcast_shape_as_torch(shapes):
    tensors = [torch.empty(s) for s in shapes]
    try:
        expected = tuple(torch.broadcast_tensors(*tensors)[0].shape)
    except RuntimeError:
        with pytest.raises(RuntimeError) as mine:
            C.broadcast_shape(*shapes)
        a, b = tensors[0], tensors[1]
        if len(shapes) == 2:
            with pytest.raises(RuntimeError) as theirs:
                a + b
            assert str(mine.value) == str(theirs.value)
        assert "must match the size of tensor b" in str(mine.value)
        return
    assert C.broadcast_shape(*shapes) == expected


def test_broadcast_strides_put_zero_on_stretched_dims():
    x = torch.empty(3, 1, 4).transpose(0, 2)  # (4, 1, 3) with strides (1, 4, 4)
    assert C.broadcast_strides(x, (2, 4, 5, 3)) == (0, 1, 0, 4)
    assert torch.empty(3).expand(2, 3).stride() == C.broadcast_strides(torch.empty(3), (2, 3))


def test_dtype_maps():
    assert C.tl_dtype(torch.bfloat16) == tl.bfloat16 and C.tl_dtype(torch.bool) == tl.int1
    with pytest.raises(TypeError, match="complex64"):
        C.tl_dtype(torch.complex64)
    assert C.acc_dtype(torch.float16) == tl.float32 and C.acc_dtype(torch.float64) == tl.float64
    with pytest.raises(TypeError, match=r"triton_kernels.op: unsupported dtype torch.int32"):
        C.check_dtype("op", torch.ones(1, dtype=torch.int32), C.FLOAT_DTYPES)
    C.check_dtype("op", torch.ones(1), C.FLOAT_DTYPES)


def test_check_same_device():
    C.check_same_device("op", torch.ones(1), torch.ones(2), 3.0)
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device"):
        C.check_same_device("op", torch.ones(1), torch.ones(1, device="meta"))


def test_block_size_and_cdiv():
    assert [C.block_size(n) for n in (0, 1, 16, 17, 1000, 10**6)] == [16, 16, 16, 32, 1024, 4096]
    assert C.block_size(5, lo=1, hi=4) == 4
    assert [C.cdiv(a, 4) for a in (0, 1, 4, 5)] == [0, 1, 1, 2]


@triton.jit
def _fill_kernel(out_ptr, value, BLOCK: tl.constexpr):
    offsets = tl.arange(0, BLOCK)
    tl.store(out_ptr + offsets, tl.zeros([BLOCK], tl.float32) + value)


def test_count_launches_nests_and_names_kernels():
    out = torch.empty(16)
    with count_launches() as outer:
        C.launch(_fill_kernel, (1,), out, 2.0, BLOCK=16)
        with count_launches() as inner:
            C.launch(_fill_kernel, (1,), out, 3.0, BLOCK=16)
    C.launch(_fill_kernel, (1,), out, 4.0, BLOCK=16)
    assert inner.total == 1 and outer.total == 2
    assert outer.by_kernel == {"_fill_kernel": 2}
    assert torch.equal(out, torch.full((16,), 4.0))
    assert C.kernel_name(_fill_kernel) == "_fill_kernel"
    assert "total=2" in repr(outer)
