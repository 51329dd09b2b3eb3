"""softmax / log_softmax / cross_entropy kernels against torch, through Triton's interpreter.

Both host-side paths are forced on small shapes: ``block=`` below the row
length takes the online (looping) path, ``block=None`` the one-block path.
"""

import pytest
import torch
import torch.nn.functional as F
import triton
from hypothesis import given, settings
from hypothesis import strategies as st

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


def test_non_finite_values_as_torch():
    inf, nan = float("inf"), float("nan")
    x = torch.tensor([[inf, 1.0, 2.0], [nan, 1.0, 2.0], [-inf, 1.0, 2.0], [inf, inf, 0.0]])
    for block in (None, 2):
        for ours, theirs in FORWARD:
            close(ours(x, 1, block=block), theirs(x, 1), x.dtype)


def test_a_128k_row_takes_the_online_path_by_default():
    g = torch.Generator().manual_seed(6)
    x = torch.randn(2, 131072, generator=g) * 3
    assert not S._column_block(x.shape[1], None)[1]
    close(S.softmax(x, -1), torch.softmax(x, -1), x.dtype)
    y = torch.log_softmax(x, -1)
    grad = torch.randn(y.shape, generator=g)
    # torch's own fp32 result is off by up to 2e-4 here (a 131072-term sum): compare with float64
    expected = torch._log_softmax_backward_data(grad.double(), y.double(), -1, torch.float64).float()
    close(S.log_softmax_backward(grad, y, -1), expected, x.dtype)
    target = torch.tensor([5, 131071])
    check_cross_entropy(x, target, label_smoothing=0.1)  # a 128K vocabulary: cross_entropy's online path


def test_rows_of_4097_columns_fit_one_block():
    x = torch.randn(3, 4097, generator=torch.Generator().manual_seed(7))
    assert S._column_block(x.shape[1], None) == (8192, True)
    close(S.softmax(x, 1), torch.softmax(x, 1), x.dtype)
    check_cross_entropy(x, torch.tensor([0, 4096, 17]))


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


# ------------------------------------------------------------------ cross_entropy

def torch_cross_entropy(logits, target, **kwargs):
    """torch's loss and d(loss)/d(logits) for an upstream gradient of ones."""
    x = logits.detach().clone().requires_grad_()
    loss = F.cross_entropy(x, target, **kwargs)
    loss.backward(torch.ones_like(loss))
    return loss.detach(), x.grad


def check_cross_entropy(logits, target, dtype=None, block=None, **kwargs):
    """Our (loss, grad) equal torch's (computed in float64 and rounded when ``dtype`` is a half type)."""
    loss, grad = S.cross_entropy(logits, target, block=block, **kwargs)
    if dtype in (torch.float16, torch.bfloat16):
        weight = kwargs.get("weight")
        kwargs = dict(kwargs, weight=None if weight is None else weight.double())
        expected_loss, expected_grad = torch_cross_entropy(logits.double(), target, **kwargs)
        expected_loss, expected_grad = expected_loss.to(dtype), expected_grad.to(dtype)
    else:
        expected_loss, expected_grad = torch_cross_entropy(logits, target, **kwargs)
    close(loss, expected_loss, logits.dtype)
    close(grad, expected_grad, logits.dtype)
    return loss, grad


REDUCTIONS = ("none", "mean", "sum")

OPTIONS = [
    {},
    {"reduction": "sum"},
    {"reduction": "none"},
    {"weight": True},
    {"weight": True, "reduction": "sum"},
    {"weight": True, "reduction": "none"},
    {"label_smoothing": 0.2},
    {"label_smoothing": 0.3, "weight": True},
    {"label_smoothing": 0.3, "weight": True, "reduction": "none"},
    {"label_smoothing": 1.0, "reduction": "sum", "ignore_index": 4},
]


@pytest.mark.parametrize("options", OPTIONS, ids=[str(o) for o in OPTIONS])
def test_cross_entropy_matches_torch_on_both_paths(options):
    g = torch.Generator().manual_seed(2)
    logits = torch.randn(11, 9, generator=g) * 3
    target = torch.randint(0, 9, (11,), generator=g)
    target[[1, 6]] = options.get("ignore_index", -100)
    if options.get("weight"):
        options = dict(options, weight=torch.rand(9, generator=g) + 0.1)
    for block in (None, 4):
        check_cross_entropy(logits, target, block=block, **options)


def test_cross_entropy_strided_and_k_dimensional_inputs():
    g = torch.Generator().manual_seed(3)
    logits = torch.randn(9, 5, generator=g).t()  # (5, 9) transposed: classes read with stride 5
    target = torch.randint(0, 9, (10,), generator=g)[::2]
    weight = (torch.rand(18, generator=g) + 0.5)[::2]
    check_cross_entropy(logits, target, weight=weight, label_smoothing=0.1)
    logits = torch.randn(3, 2, 6, 7, generator=g).permute(0, 3, 2, 1)  # (3, 7 classes, 6, 2)
    target = torch.randint(0, 7, (3, 6, 2), generator=g)
    for options in ({}, {"reduction": "none", "label_smoothing": 0.1}, {"reduction": "sum"}):
        for block in (None, 2):
            check_cross_entropy(logits, target, block=block, **options)


def test_cross_entropy_one_dimensional_logits():
    logits = torch.randn(6)
    for reduction in REDUCTIONS:
        loss, grad = check_cross_entropy(logits, torch.tensor(2), reduction=reduction)
        # torch takes a (1,) target in its forward but its backward fails on it: compare with the 0-d one
        loss_1, grad_1 = S.cross_entropy(logits, torch.tensor([2]), reduction=reduction)
        assert torch.equal(loss_1, loss) and torch.equal(grad_1, grad)


def test_cross_entropy_dtypes_and_byte_targets():
    g = torch.Generator().manual_seed(4)
    x = torch.randn(6, 37, generator=g, dtype=torch.float64) * 2
    target = torch.randint(0, 37, (6,), generator=g)
    for dtype in (torch.float64, torch.float16, torch.bfloat16):
        weight = (torch.rand(37, generator=g, dtype=torch.float64) + 0.5).to(dtype)
        check_cross_entropy(x.to(dtype), target, dtype=dtype, weight=weight, label_smoothing=0.1)
        check_cross_entropy(x.to(dtype), target, dtype=dtype, block=8, reduction="sum")
    check_cross_entropy(x.float(), target.to(torch.uint8))


def test_cross_entropy_all_ignored_empty_and_out_of_range_targets():
    x = torch.randn(4, 5)
    x[0, 0] = float("inf")  # an ignored row's non-finite logits make its gradient NaN, as torch's
    ignored = torch.full((4,), -100)
    for options in ({}, {"label_smoothing": 0.1}, {"weight": torch.rand(5)}, {"reduction": "sum"}):
        loss, grad = check_cross_entropy(x, ignored, **options)
        assert torch.equal(grad[1:], torch.zeros_like(grad[1:])) and grad[0].isnan().all()
    for reduction in REDUCTIONS:
        check_cross_entropy(torch.randn(0, 5), torch.zeros(0, dtype=torch.long), reduction=reduction)
    loss, grad = S.cross_entropy(torch.randn(3, 5), torch.tensor([1, 7, -3]), reduction="none")
    assert torch.isnan(loss[1:]).all() and torch.isnan(grad[1:]).all() and not torch.isnan(loss[0])


def test_cross_entropy_launches_and_fresh_gradient_buffer():
    x = torch.randn(5, 8)
    before = x.clone()
    target = torch.tensor([0, 1, 2, 3, 4])
    for reduction, launches in (("none", 1), ("sum", 2), ("mean", 3)):
        with count_launches() as n:
            _, grad = S.cross_entropy(x, target, reduction=reduction)
        assert n.total == launches
        assert grad.data_ptr() != x.data_ptr()
    assert torch.equal(x, before)


def test_cross_entropy_more_row_dims_than_the_kernel_unravels():
    x = torch.randn(2, 3, 2, 3, 2, 3, 4).permute(5, 6, 4, 3, 2, 1, 0)  # 4 classes on dim 1, 6 row dims
    target = torch.randint(0, 4, (2, 3, 2, 3, 2, 3)).permute(5, 4, 3, 2, 1, 0)
    target[0, 0] = -100
    for options in ({}, {"weight": torch.rand(4)}, {"reduction": "none", "label_smoothing": 0.2}):
        check_cross_entropy(x, target, **options)


def test_cross_entropy_backward_scales_by_the_upstream_gradient():
    g = torch.Generator().manual_seed(5)
    x = torch.randn(3, 6, 4, generator=g).transpose(1, 2)  # (3, 4 classes, 6)
    target = torch.randint(0, 4, (3, 6), generator=g)
    for reduction in REDUCTIONS:
        _, grad = S.cross_entropy(x, target, reduction=reduction)
        upstream = torch.randn((3, 6) if reduction == "none" else (), generator=g)
        if reduction == "none":
            upstream = upstream.t().contiguous().t()
        leaf = x.clone().requires_grad_()
        F.cross_entropy(leaf, target, reduction=reduction).backward(upstream)
        with count_launches() as n:
            ours = S.cross_entropy_backward(upstream, grad, reduction)
        close(ours, leaf.grad, x.dtype)
        assert n.total == 1
    with pytest.raises(RuntimeError, match="grad_loss of shape"):
        S.cross_entropy_backward(torch.ones(3), grad, "mean")


def same_error(ours, theirs):
    with pytest.raises(Exception) as expected:
        theirs()
    with pytest.raises(type(expected.value)) as raised:
        ours()
    assert str(raised.value) == str(expected.value)


@pytest.mark.parametrize("args, kwargs", [
    ((torch.randn(3, 4), torch.tensor([0, 1])), {}),
    ((torch.randn(2, 3, 4), torch.zeros(2, 5, dtype=torch.long)), {}),
    ((torch.randn(4), torch.zeros(2, dtype=torch.long)), {}),
    ((torch.randn(3, 4), torch.tensor([0, 1, 2])), {"weight": torch.ones(2)}),
    ((torch.randn(3, 4), torch.tensor([0, 1, 2])), {"weight": torch.ones(4, dtype=torch.float64)}),
    ((torch.randn(3, 4), torch.tensor([0, 1, 2])), {"label_smoothing": 1.5}),
    ((torch.randn(3, 4), torch.tensor([0, 1, 2])), {"reduction": "foo"}),
    ((torch.randn(3, 4), torch.tensor([0, 1, 2], dtype=torch.int32)), {}),
    ((torch.randn(3, 4), torch.tensor([0.0, 1.0, 2.0])), {}),
], ids=["batch", "k-dim", "1d", "weight-shape", "weight-dtype", "smoothing", "reduction", "int32", "float"])
def test_cross_entropy_errors_match_torch(args, kwargs):
    same_error(lambda: S.cross_entropy(*args, **kwargs), lambda: F.cross_entropy(*args, **kwargs))


def test_cross_entropy_unsupported_inputs():
    with pytest.raises(TypeError, match="class-probability"):
        S.cross_entropy(torch.randn(3, 4), torch.rand(3, 4))
    with pytest.raises(TypeError, match="torch.int64"):
        S.cross_entropy(torch.arange(12).view(3, 4), torch.tensor([0, 1, 2]))


# ------------------------------------------------------------ generated layouts

@st.composite
def strided_tensors(draw):
    """A float32 tensor of 1-4 dims (sizes 1-9) seen through random slice steps and a permutation; a dim."""
    shape = draw(st.lists(st.integers(1, 9), min_size=1, max_size=4))
    steps = [draw(st.integers(1, 2)) for _ in shape]
    base = torch.randn([n * s for n, s in zip(shape, steps)], generator=torch.Generator().manual_seed(draw(
        st.integers(0, 2**16))))
    x = base[tuple(slice(None, None, s) for s in steps)]
    x = x.permute(draw(st.permutations(range(len(shape)))))
    return x, draw(st.integers(-x.dim(), x.dim() - 1))


@settings(max_examples=15, deadline=None)
@given(strided_tensors(), st.booleans())
def test_generated_layouts_forward_and_backward(case, force_online):
    x, dim = case
    block = online(x.shape[dim]) if force_online else None
    for (ours, theirs), (vjp, _, their_vjp) in zip(FORWARD, BACKWARD):
        y = ours(x, dim, block=block)
        close(y, theirs(x, dim), x.dtype)
        # an upstream gradient laid out in reverse (a permuted view)
        grad = torch.randn(x.shape[::-1]).permute(*reversed(range(x.dim())))
        close(vjp(grad, y, dim, block=block), their_vjp(grad, theirs(x, dim), dim, x.dtype), x.dtype)
