"""softmax / log_softmax / cross_entropy kernels against torch, through Triton's interpreter.

Both host-side paths are forced on small shapes: ``block=`` below the row
length takes the online (looping) path, ``block=None`` the one-block path.
"""

import pytest
import torch
import triton

from triton_kernels import count_launches
from triton_kernels import softmax as S

# masked-off lanes (rows past the end) compute on -inf padding, as they do on a GPU; numpy warns about it
pytestmark = pytest.mark.filterwarnings("ignore:.*encountered in:RuntimeWarning")

TOL = {torch.float32: 1e-5, torch.float64: 1e-12, torch.float16: 1e-2, torch.bfloat16: 2e-2}

FORWARD = [
    (S.softmax, torch.softmax),
    (S.log_softmax, torch.log_softmax),
]
BACKWARD = [
    (S.softmax_backward, torch.softmax, torch._softmax_backward_data),
    (S.log_softmax_backward, torch.log_softmax, torch._log_softmax_backward_data),
]


def online(n_cols):
    """A ``block`` that forces the online path in about three chunks (one block when ``n_cols`` is 1)."""
    return triton.next_power_of_2(max(1, n_cols // 3))


def close(actual, expected, dtype):
    """Same dtype, shape and contiguity, values within the dtype's tolerance (NaN where torch has NaN)."""
    assert actual.dtype == expected.dtype and actual.shape == expected.shape
    assert actual.is_contiguous()
    tol = TOL[dtype]
    torch.testing.assert_close(actual, expected, rtol=tol, atol=tol, equal_nan=True)


def layouts():
    """(name, tensor) pairs: contiguous, transposed, sliced with steps, broadcast (stride 0), 0-d, 1-D."""
    g = torch.Generator().manual_seed(0)
    base = torch.randn(6, 13, 9, generator=g)
    return [
        ("contiguous", torch.randn(7, 77, generator=g)),
        ("transposed", torch.randn(77, 7, generator=g).t()),
        ("sliced", base[1::2, ::3, 2:]),
        ("broadcast", torch.randn(1, 5, 1, generator=g).expand(3, 5, 4)),
        ("permuted", base.permute(2, 0, 1)),
        ("one-d", torch.randn(1025, generator=g)),
        ("zero-d", torch.tensor(0.5)),
    ]


@pytest.mark.parametrize("ours, theirs", FORWARD, ids=["softmax", "log_softmax"])
@pytest.mark.parametrize("name, x", layouts(), ids=[n for n, _ in layouts()])
def test_forward_every_dim_both_paths(ours, theirs, name, x):
    for dim in range(-max(x.dim(), 1), max(x.dim(), 1)):
        expected = theirs(x, dim)
        close(ours(x, dim), expected, x.dtype)
        close(ours(x, dim, block=online(x.shape[dim] if x.dim() else 1)), expected, x.dtype)


@pytest.mark.parametrize("ours, forward, theirs", BACKWARD, ids=["softmax", "log_softmax"])
@pytest.mark.parametrize("name, x", layouts(), ids=[n for n, _ in layouts()])
def test_backward_every_dim_both_paths(ours, forward, theirs, name, x):
    for dim in range(-max(x.dim(), 1), max(x.dim(), 1)):
        y = forward(x, dim)
        # a transposed upstream gradient where there are two dims
        grad = torch.randn(y.shape[::-1]).t() if y.dim() == 2 else torch.randn_like(y)
        expected = theirs(grad, y, dim, x.dtype)
        close(ours(grad, y, dim), expected, x.dtype)
        close(ours(grad, y, dim, block=online(y.shape[dim] if y.dim() else 1)), expected, x.dtype)


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float64])
def test_dtypes_against_a_float64_reference(dtype):
    x = (torch.randn(9, 300, dtype=torch.float64) * 4).to(dtype)
    grad = torch.randn(9, 300, dtype=torch.float64).to(dtype)
    for block in (None, 64):
        for ours, theirs in FORWARD:
            close(ours(x, 1, block=block), theirs(x.double(), 1).to(dtype), dtype)
        for ours, forward, theirs in BACKWARD:
            y = forward(x.double(), 1)
            expected = theirs(grad.double(), y, 1, torch.float64).to(dtype)
            close(ours(grad, y.to(dtype), 1, block=block), expected, dtype)


def test_more_row_dims_than_the_kernel_unravels_launches_per_slice():
    x = torch.randn(3, 2, 3, 2, 3, 2, 5)[..., ::2].permute(5, 4, 3, 2, 1, 0, 6)  # no two row dims merge
    assert x.dim() - 1 > S.MAX_ROW_DIMS
    with count_launches() as n:
        y = S.softmax(x, -1)
    close(y, torch.softmax(x, -1), x.dtype)
    assert n.total > 1
    close(S.log_softmax(x, 2, block=2), torch.log_softmax(x, 2), x.dtype)


def test_rows_of_minus_infinity_and_long_rows_on_the_online_path():
    x = torch.randn(4, 40)
    x[0, :30] = float("-inf")  # the first chunks of row 0 hold no finite value
    x[1] = float("-inf")  # all -inf: NaN, as torch
    x[2, 5] = 1e4
    for block in (None, 8):
        close(S.softmax(x, 1, block=block), torch.softmax(x, 1), x.dtype)
        close(S.log_softmax(x, 1, block=block), torch.log_softmax(x, 1), x.dtype)


def test_a_128k_row_takes_the_online_path_by_default():
    x = torch.randn(2, 131072) * 3
    assert not S._column_block(x.shape[1], None)[1]
    close(S.softmax(x, -1), torch.softmax(x, -1), x.dtype)
    y = torch.log_softmax(x, -1)
    grad = torch.randn_like(y)
    expected = torch._log_softmax_backward_data(grad, y, -1, x.dtype)
    close(S.log_softmax_backward(grad, y, -1), expected, x.dtype)


def test_one_launch_each_and_inputs_untouched():
    x = torch.randn(5, 6).t()
    before = x.clone()
    with count_launches() as n:
        y = S.softmax(x, 0)
        S.softmax_backward(torch.ones_like(y), y, 0)
    assert n.by_kernel == {"_softmax_forward_kernel": 1, "_softmax_backward_kernel": 1}
    assert torch.equal(x, before)


def test_empty_tensors_launch_nothing():
    with count_launches() as n:
        for shape, dim in (((0, 4), 1), ((3, 0), 1), ((3, 0), 0)):
            x = torch.randn(shape)
            close(S.softmax(x, dim), torch.softmax(x, dim), x.dtype)
    assert n.total == 0


def test_errors_match_torch():
    x = torch.randn(3, 4)
    with pytest.raises(IndexError) as ours:
        S.softmax(x, 2)
    with pytest.raises(IndexError) as theirs:
        torch.softmax(x, 2)
    assert str(ours.value) == str(theirs.value)
    with pytest.raises(TypeError, match="torch.int64"):
        S.softmax(torch.arange(4), 0)
    with pytest.raises(RuntimeError, match="same shape"):
        S.softmax_backward(torch.ones(3, 4), torch.ones(4, 3), 0)
    with pytest.raises(RuntimeError, match="same dtype"):
        S.log_softmax_backward(torch.ones(3, 4), torch.ones(3, 4, dtype=torch.float64), 0)
    with pytest.raises(ValueError, match="power of two"):
        S.softmax(x, 0, block=3)
