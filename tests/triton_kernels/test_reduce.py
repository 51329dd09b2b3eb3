"""triton_kernels.reduce against torch, through Triton's interpreter (TRITON_INTERPRET=1, set by conftest).

Every launcher is compared with torch's op on values, dtype and shape, over
generated shapes, reduced dims, keepdim and layouts (contiguous, transposed,
sliced, stride-0 expanded), the ragged sizes of the issue, ties, nan, empty
reductions and torch's errors; inputs are never modified and each call is one
launch.
"""

import math

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from triton_kernels import count_launches
from triton_kernels import reduce as R

SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(autouse=True)
def _seeded():
    """Every test draws the same torch.randn values on every run (the hypothesis ones seed their own)."""
    torch.manual_seed(0)
TOL = {torch.float32: 1e-4, torch.float64: 1e-10, torch.float16: 1e-2, torch.bfloat16: 2e-2}


def torch_reduce(op, x, dims, keepdim=False, dtype=None):
    """torch's answer for reduce(op, x, dims, keepdim, dtype); prod (one dim per call in torch) folds dims."""
    all_dims = tuple(range(x.dim())) if not dims else tuple(dims)
    if op in ("amax", "amin") and not dims:
        all_dims = ()  # torch's default: all dims, with its "reduction dim to be specified" error when empty
    if op == "prod":
        out = x if dtype is None else x.to(dtype)
        if x.dim() == 0:
            return out.prod(dtype=dtype)
        for d in sorted(all_dims, reverse=True):
            out = out.prod(d, keepdim=keepdim)
        return out
    kwargs = {"dtype": dtype} if dtype is not None else {}
    if x.dim() == 0:
        return getattr(torch, op)(x, **kwargs) if op in ("sum", "mean", "prod", "all", "any") else \
            getattr(torch, op)(x, 0)
    return getattr(torch, op)(x, all_dims, keepdim=keepdim, **kwargs)


def torch_or_error(ref_fn, fn, *args):
    """torch's ``ref_fn(*args)``; when torch raises, assert ``fn(*args)`` raises the same error."""
    try:
        return ref_fn(*args)
    except (IndexError, RuntimeError) as error:
        with pytest.raises(type(error)) as mine:
            fn(*args)
        assert str(mine.value) == str(error)
        return None


def assert_matches(got, ref, tol=None):
    assert got.shape == ref.shape, (got.shape, ref.shape)
    assert got.dtype == ref.dtype, (got.dtype, ref.dtype)
    if got.dtype.is_floating_point:
        tol = TOL[got.dtype] if tol is None else tol
        torch.testing.assert_close(got, ref, rtol=tol, atol=tol, equal_nan=True)
    else:
        assert torch.equal(got, ref), (got, ref)


@st.composite
def layouts(draw, dtype=torch.float32, max_rank=4, max_size=6):
    """A tensor of random shape in a random layout: contiguous, permuted, sliced or expanded."""
    rank = draw(st.integers(0, max_rank))
    shape = [draw(st.integers(0, max_size)) for _ in range(rank)]
    kind = draw(st.sampled_from(["contiguous", "permuted", "sliced", "expanded"]))
    seed = draw(st.integers(0, 2**16))
    gen = torch.Generator().manual_seed(seed)

    def make(s):
        if dtype.is_floating_point:
            return torch.randn(s, generator=gen, dtype=torch.float64).to(dtype)
        if dtype == torch.bool:
            return torch.randint(0, 2, s, generator=gen).bool()
        return torch.randint(-5, 6, s, generator=gen, dtype=dtype)

    if kind == "permuted" and rank > 1:
        perm = draw(st.permutations(range(rank)))
        inverse = [perm.index(i) for i in range(rank)]
        x = make([shape[p] for p in perm]).permute(inverse)
    elif kind == "sliced" and rank > 0:
        x = make([2 * n + 1 for n in shape])[tuple(slice(1, None, 2) for _ in shape)]
    elif kind == "expanded" and rank > 0:
        x = make([1 if i % 2 == 0 else n for i, n in enumerate(shape)]).expand(shape)
    else:
        x = make(shape)
    assert list(x.shape) == shape
    return x


@st.composite
def reduced_dims(draw, x):
    if draw(st.booleans()) or x.dim() == 0:
        return None
    dims = draw(st.lists(st.integers(0, x.dim() - 1), min_size=1, unique=True))
    return tuple(dims)


@st.composite
def float_case(draw):
    """(x, dims, keepdim): an fp32/fp64 tensor in some layout, its reduced dims and keepdim."""
    x = draw(layouts(dtype=draw(st.sampled_from([torch.float32, torch.float64]))))
    return x, draw(reduced_dims(x)), draw(st.booleans())


def check_op(op, x, dims, keepdim, dtype=None):
    before = x.clone()
    with count_launches() as launches:
        got = R.reduce(op, x, dims, keepdim, dtype)
    assert_matches(got, torch_reduce(op, x, dims, keepdim, dtype))
    assert torch.equal(x, before)
    assert launches.total <= 1


@pytest.mark.parametrize("op", ["sum", "mean", "prod", "logsumexp", "all", "any"])
@SETTINGS
@given(data=st.data())
def test_row_ops_match_torch(op, data):
    check_op(op, *data.draw(float_case()))


@pytest.mark.parametrize("op", ["amax", "amin"])
@SETTINGS
@given(data=st.data())
def test_amax_amin_match_torch(op, data):
    dtype = data.draw(st.sampled_from([torch.float32, torch.float64, torch.int64, torch.bool]))
    x = data.draw(layouts(dtype=dtype))
    dims = data.draw(reduced_dims(x))
    if torch_or_error(torch_reduce, R.reduce, op, x, dims) is not None:
        check_op(op, x, dims, data.draw(st.booleans()))


@pytest.mark.parametrize("op", ["sum", "mean", "amax", "logsumexp"])
@SETTINGS
@given(data=st.data())
def test_half_types_match_torch_in_fp32(op, data):
    x = data.draw(layouts(dtype=data.draw(st.sampled_from([torch.float16, torch.bfloat16]))))
    dims = data.draw(reduced_dims(x))
    keepdim = data.draw(st.booleans())
    reference = torch_or_error(torch_reduce, R.reduce, op, x.float(), dims, keepdim)
    if reference is not None:
        assert_matches(R.reduce(op, x, dims, keepdim), reference.to(x.dtype))


def test_device_mismatch_and_non_tensors_raise():
    with pytest.raises(TypeError, match="expected a torch.Tensor"):
        R.reduce("sum", [1.0, 2.0])
    with pytest.raises(TypeError, match="int8|complex"):
        R.var(torch.zeros(2, dtype=torch.complex64))


@pytest.mark.parametrize("op", ["sum", "prod"])
@SETTINGS
@given(data=st.data())
def test_integer_and_bool_sums_accumulate_in_int64(op, data):
    x = data.draw(layouts(dtype=data.draw(st.sampled_from([torch.int64, torch.int32, torch.bool]))))
    check_op(op, x, data.draw(reduced_dims(x)), data.draw(st.booleans()))


@SETTINGS
@given(data=st.data())
def test_var_std_match_torch(data):
    x, dims, keepdim = data.draw(float_case())
    correction = data.draw(st.sampled_from([0, 1, 2]))
    for name in ("var", "std"):
        before = x.clone()
        got = getattr(R, name)(x, dims, correction=correction, keepdim=keepdim)
        ref = getattr(torch, name)(x, dims, correction=correction, keepdim=keepdim)
        assert_matches(got, ref)
        assert torch.equal(x, before)


@SETTINGS
@given(data=st.data())
def test_norm_matches_torch(data):
    x, dims, keepdim = data.draw(float_case())
    p = data.draw(st.sampled_from([2.0, 1.0, 0.0, 3.0, 0.5, -1.0, math.inf, -math.inf]))
    ref = torch_or_error(torch.linalg.vector_norm, R.norm, x, p, dims, keepdim)
    if ref is not None:
        assert_matches(R.norm(x, p, dims, keepdim), ref)


@SETTINGS
@given(data=st.data())
def test_max_min_dim_and_arg_match_torch(data):
    dtype = data.draw(st.sampled_from([torch.float32, torch.float64, torch.int64]))
    x = data.draw(layouts(dtype=dtype))
    if dtype.is_floating_point:
        if data.draw(st.booleans()):
            x = x.round()  # many ties
        if data.draw(st.booleans()):  # some nans (and infs): nan wins, its first occurrence is the index
            x = torch.where(torch.rand(x.shape) < 0.2, float("nan"), x)
            x = torch.where(torch.rand(x.shape) < 0.1, -float("inf"), x)
    dim = data.draw(st.integers(-max(x.dim(), 1), max(x.dim(), 1) - 1))
    keepdim = data.draw(st.booleans())
    for name, mine in (("max", R.max_dim), ("min", R.min_dim)):
        ref = torch_or_error(getattr(torch, name), mine, x, dim, keepdim)
        if ref is None:
            continue
        values, indices = ref
        with count_launches() as launches:
            got_values, got_indices = mine(x, dim, keepdim)
        assert launches.total <= 1
        assert_matches(got_values, values)
        assert_matches(got_indices, indices)
    for name in ("argmax", "argmin"):
        arg_dim = data.draw(st.sampled_from([None, dim]))
        ref = torch_or_error(getattr(torch, name), getattr(R, name), x, arg_dim, keepdim)
        if ref is not None:
            assert_matches(getattr(R, name)(x, arg_dim, keepdim), ref)


@pytest.mark.parametrize("n", [0, 1, 7, 77, 1000, 1025, 4097])
def test_ragged_sizes(n):
    x = torch.randn(n, dtype=torch.float32)
    assert_matches(R.reduce("sum", x), x.sum())
    assert_matches(R.reduce("mean", x), x.mean())
    matrix = torch.randn(n, 3)
    assert_matches(R.reduce("sum", matrix, (0,)), matrix.sum(0))
    assert_matches(R.reduce("amax", matrix, (1,)), matrix.amax(1))
    assert_matches(R.var(matrix.t(), (1,)), matrix.t().var(1))
    if n:
        assert_matches(R.argmax(x), x.argmax())
        assert_matches(R.reduce("logsumexp", x, (0,)), torch.logsumexp(x, 0))


def test_sum_to_shape_undoes_broadcasting_in_one_launch():
    x = torch.randn(4, 5, 3, 6)
    for shape in [(5, 1, 6), (1, 3, 1), (6,), (), (4, 5, 3, 6), (1, 1, 1, 1), (5, 3, 1)]:
        with count_launches() as launches:
            got = R.sum_to_shape(x, shape)
        assert launches.total == 1
        assert_matches(got, x.sum_to_size(shape) if shape else x.sum())
    expanded = torch.randn(5, 1, 6).expand(4, 5, 3, 6)
    assert_matches(R.sum_to_shape(expanded, (5, 3, 1)), expanded.sum_to_size(5, 3, 1))
    with pytest.raises(RuntimeError, match=r"size \{\[5\]\} is not expandable to size \{\[4, 5, 3, 6\]\}"):
        R.sum_to_shape(x, (5,))


def test_half_types_accumulate_in_fp32():
    x = torch.randn(300, 37, dtype=torch.float64)
    for dtype in (torch.float16, torch.bfloat16):
        half = x.to(dtype)
        for op in ("sum", "mean", "amax", "logsumexp"):
            got = R.reduce(op, half, (1,))
            ref = torch_reduce(op, half.float(), (1,)).to(dtype)
            assert_matches(got, ref)
        assert_matches(R.var(half.t(), (0,)), half.float().t().var(0).to(dtype))
        assert_matches(R.reduce("sum", half, dtype=torch.float32), half.sum(dtype=torch.float32), tol=1e-3)


def test_var_of_equal_values_is_exactly_zero():
    for value in (0.1, 1e4 + 0.3, -7.77):
        x = torch.full((3, 1001), value)
        assert torch.equal(R.var(x, (1,)), torch.zeros(3))
        assert torch.equal(R.std(x), torch.zeros(()))
    assert torch.isnan(R.var(torch.ones(1)))
    assert torch.isinf(R.var(torch.tensor([1.0, 2.0]), correction=2))


def test_nan_propagates_and_ties_pick_first():
    x = torch.tensor([[1.0, 3.0, 3.0, float("nan"), 3.0, float("nan")], [2.0, 5.0, 5.0, 1.0, 5.0, -1.0]])
    for name, mine in (("max", R.max_dim), ("min", R.min_dim)):
        values, indices = getattr(torch, name)(x, 1)
        got_values, got_indices = mine(x, 1)
        assert_matches(got_values, values)
        assert_matches(got_indices, indices)
    assert_matches(R.reduce("amax", x, (1,)), x.amax(1))
    assert_matches(R.argmax(x), x.argmax())
    assert_matches(R.reduce("sum", x, (1,)), x.sum(1))
    assert_matches(R.reduce("logsumexp", x, (1,)), torch.logsumexp(x, 1))
    inf = torch.tensor([[float("inf"), 1.0], [float("-inf"), float("-inf")]])
    assert_matches(R.reduce("logsumexp", inf, (1,)), torch.logsumexp(inf, 1))
    assert R.all_finite(torch.ones(5)) and not R.all_finite(x) and not R.all_finite(inf)
    assert R.all_finite(torch.empty(0))


def test_errors_are_torchs():
    x = torch.randn(3, 4)
    with pytest.raises(IndexError, match=r"out of range \(expected to be in range of \[-2, 1\], but got 2\)"):
        R.reduce("sum", x, (2,))
    with pytest.raises(RuntimeError, match="dim 0 appears multiple times in the list of dims"):
        R.reduce("sum", x, (0, -2))
    with pytest.raises(RuntimeError, match="mean\\(\\): could not infer output dtype.*Got: Long"):
        R.reduce("mean", x.long())
    with pytest.raises(RuntimeError, match="std and var only support floating point"):
        R.var(x.long())
    with pytest.raises(IndexError, match=r"amax\(\): Expected reduction dim 0 to have non-zero size."):
        R.reduce("amax", torch.empty(0, 3), (0,))
    with pytest.raises(RuntimeError, match=r"amin\(\): Expected reduction dim to be specified"):
        R.reduce("amin", torch.empty(0, 3))
    with pytest.raises(IndexError, match=r"argmax\(\): Expected reduction dim to be specified"):
        R.argmax(torch.empty(0))
    with pytest.raises(TypeError, match="complex64"):
        R.reduce("sum", x.to(torch.complex64))
    with pytest.raises(ValueError, match="unknown op"):
        R.reduce("median", x)
    assert_matches(R.reduce("sum", torch.empty(0, 3), (0,)), torch.zeros(3))
    assert_matches(R.reduce("prod", torch.empty(2, 0), (1,)), torch.ones(2))


def test_more_strided_dims_than_the_kernel_indexes_raise_clearly():
    x = torch.randn(2, 3, 2, 3, 2, 3).permute(5, 3, 1, 4, 2, 0)[..., ::2]  # 6 dims no two of which merge
    with pytest.raises(NotImplementedError, match="strided dims remain after collapsing"):
        R.reduce("sum", x, (5,))
    assert_matches(R.reduce("sum", x.contiguous(), (5,)), x.sum(5))


@pytest.mark.slow
def test_long_rows():
    x = torch.randn(2, 131072)
    for op in ("sum", "mean", "amax", "logsumexp"):
        assert_matches(R.reduce(op, x, (1,)), torch_reduce(op, x, (1,)))
    assert_matches(R.var(x, (1,)), x.var(1))
    assert_matches(R.argmax(x, 1), x.argmax(1))
    assert_matches(R.reduce("sum", x.t(), (0,)), x.sum(1))


@pytest.fixture
def small_tiles(monkeypatch):
    """Tiles of 16 elements: many programs and many loop trips on small shapes (every host-side branch)."""
    monkeypatch.setattr(R, "tile_elements", lambda: 16)


@pytest.mark.parametrize("op", ["sum", "amax", "logsumexp"])
def test_small_tiles_loop_over_columns_and_rows(small_tiles, op):
    x = torch.randn(7, 37).round()
    for dims in [(1,), None]:
        for layout in (x, x.t()[::2]):
            check_op(op, layout, dims, keepdim=False)
    assert_matches(R.var(x, (1,)), x.var(1))
    assert_matches(R.argmax(x.t(), 1), x.t().argmax(1))
    assert_matches(R.norm(x, 3.0, (0,)), torch.linalg.vector_norm(x, 3.0, (0,)))


def test_integers_stay_exact_beyond_float_precision():
    big = torch.tensor([[2**62 + 1, 2**62 + 3, 2**62 + 2], [-(2**62) - 5, 3, -(2**62) - 4]])
    assert_matches(R.reduce("amax", big, (1,)), big.amax(1))
    assert_matches(R.reduce("amin", big, (1,)), big.amin(1))
    assert_matches(R.argmax(big, 1), big.argmax(1))
    assert_matches(R.reduce("sum", big[:, :2] // 4, (1,)), (big[:, :2] // 4).sum(1))
    small = torch.arange(6, dtype=torch.int32).view(2, 3)
    assert_matches(R.sum_to_shape(small, (2, 3)), small)
    assert_matches(R.sum_to_shape(small, (1, 3)), small.sum_to_size(1, 3))


def test_bf16_results_round_to_nearest_as_torch():
    x = (torch.randint(-100, 100, (64, 7)) / 8).to(torch.bfloat16)  # exact fp32 sums: only rounding differs
    assert torch.equal(R.reduce("sum", x, (1,)), x.sum(1))
    assert torch.equal(R.sum_to_shape(x, (1, 7)), x.sum_to_size(1, 7))
