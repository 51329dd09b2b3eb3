"""triton_kernels.index against torch, through Triton's interpreter (TRITON_INTERPRET=1, set by conftest).

gather / index_select / masked_fill compare exactly (they move values);
scatter_add / index_add / index_put(accumulate) compare at the reduction
tolerance and are checked to be bitwise reproducible with duplicate indices.
Layouts (transposed, sliced, expanded), ragged sizes, negative indices,
torch's errors (raised before any write launch), inputs never modified.
"""

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from triton_kernels import count_launches
from triton_kernels import index as I

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@pytest.fixture(autouse=True)
def _seeded():
    """Every test draws the same torch.randn values on every run (the hypothesis ones seed their own)."""
    torch.manual_seed(0)


def strided(tensor, kind, gen):
    """``tensor``'s values in a layout of ``kind``: contiguous, transposed or sliced."""
    if kind == "transposed" and tensor.dim() > 1:
        return tensor.transpose(0, -1).contiguous().transpose(0, -1)
    if kind == "sliced" and tensor.dim() > 0:
        big = torch.empty([2 * n for n in tensor.shape], dtype=tensor.dtype)
        view = big[tuple(slice(None, None, 2) for _ in tensor.shape)]
        view.copy_(tensor)
        return view
    return tensor


@st.composite
def gather_case(draw):
    rank = draw(st.integers(1, 4))
    shape = [draw(st.integers(1, 5)) for _ in range(rank)]
    dim = draw(st.integers(-rank, rank - 1))
    index_shape = [draw(st.integers(0 if d == dim % rank else 1, n + (2 if d == dim % rank else 0)))
                   for d, n in enumerate(shape)]
    index_shape = [min(n, shape[d]) if d != dim % rank else n for d, n in enumerate(index_shape)]
    gen = torch.Generator().manual_seed(draw(st.integers(0, 2**16)))
    dtype = draw(st.sampled_from([torch.float32, torch.float64, torch.int64, torch.float16]))
    x = torch.randn(shape, generator=gen, dtype=torch.float64).mul(10).to(dtype)
    index = torch.randint(0, shape[dim], index_shape, generator=gen)
    x = strided(x, draw(st.sampled_from(["contiguous", "transposed", "sliced"])), gen)
    index = strided(index, draw(st.sampled_from(["contiguous", "transposed", "sliced"])), gen)
    return x, dim, index, gen


def draw_shape(data, min_rank=1, min_size=1):
    """(rank, shape, generator) drawn for one example: rank up to 4, sizes up to 5."""
    rank = data.draw(st.integers(min_rank, 4))
    shape = [data.draw(st.integers(min_size, 5)) for _ in range(rank)]
    return rank, shape, torch.Generator().manual_seed(data.draw(st.integers(0, 2**16)))


def put_in_order(x, indices, values):
    """x with values[b] written at indices[b] for b in order (the last duplicate wins)."""
    out = x.clone()
    broadcast = torch.broadcast_shapes(*(i.shape for i in indices))
    rest = tuple(x.shape[len(indices):])
    flat_indices = [i.expand(broadcast).reshape(-1) for i in indices]
    flat_values = values.expand(tuple(broadcast) + rest).reshape(-1, *rest)
    for b in range(flat_indices[0].numel()):
        out[tuple(i[b] for i in flat_indices)] = flat_values[b]
    return out


def unchanged(*tensors):
    return [t.clone() for t in tensors]


def assert_unchanged(before, *tensors):
    for b, t in zip(before, tensors):
        assert torch.equal(b, t)


@SETTINGS
@given(case=gather_case())
def test_gather_and_its_scatter_add_backward(case):
    x, dim, index, gen = case
    before = unchanged(x, index)
    got = I.gather(x, dim, index)
    ref = torch.gather(x, dim, index)
    assert got.dtype == ref.dtype and got.shape == ref.shape and torch.equal(got, ref)
    if x.dtype.is_floating_point:
        src = torch.randn(index.shape, generator=gen, dtype=torch.float64).to(x.dtype)
        got = I.scatter_add(x.shape, dim, index, src)
        ref = torch.zeros(x.shape, dtype=x.dtype).scatter_add(dim, index, src)
        tol = 1e-2 if x.dtype == torch.float16 else 1e-5
        torch.testing.assert_close(got, ref, rtol=tol, atol=tol)
        # the backward of gather, as autograd computes it
        leaf = x.detach().double().requires_grad_()
        torch.gather(leaf, dim, index).backward(src.double())
        torch.testing.assert_close(got.double(), leaf.grad, rtol=tol, atol=tol)
    assert_unchanged(before, x, index)


@SETTINGS
@given(data=st.data())
def test_index_select_and_index_add(data):
    rank, shape, gen = draw_shape(data)
    dim = data.draw(st.integers(0, rank - 1))
    layout = data.draw(st.sampled_from(["contiguous", "transposed"]))
    x = strided(torch.randn(shape, generator=gen), layout, gen)
    index = torch.randint(0, shape[dim], (data.draw(st.integers(0, 7)),), generator=gen)
    if data.draw(st.booleans()):
        index = strided(index, "sliced", gen)
    before = unchanged(x, index)
    assert torch.equal(I.index_select(x, dim, index), torch.index_select(x, dim, index))
    src_shape = list(shape)
    src_shape[dim] = index.numel()
    src = torch.randn(src_shape, generator=gen)
    got = I.index_add(shape, dim, index, src)
    torch.testing.assert_close(got, torch.zeros(shape).index_add(dim, index, src), rtol=1e-5, atol=1e-5)
    assert_unchanged(before, x, index)


@SETTINGS
@given(data=st.data())
def test_index_put_matches_torch(data):
    rank, shape, gen = draw_shape(data)
    k = data.draw(st.integers(1, rank))
    dtype = data.draw(st.sampled_from([torch.float32, torch.float64, torch.int64]))
    x = (torch.randn(shape, generator=gen) * 10).to(dtype)
    x = strided(x, data.draw(st.sampled_from(["contiguous", "transposed", "sliced"])), gen)
    index_shape = [data.draw(st.integers(1, 3)) for _ in range(data.draw(st.integers(1, 2)))]
    indices = []
    for d in range(k):
        own = [n if data.draw(st.booleans()) else 1 for n in index_shape]  # broadcast against each other
        indices.append(torch.randint(-shape[d], shape[d], own, generator=gen))
    broadcast = list(torch.broadcast_shapes(*(i.shape for i in indices)))
    values_shape = broadcast + shape[k:]
    if data.draw(st.booleans()):
        values_shape = values_shape[data.draw(st.integers(0, len(values_shape))):]  # broadcast values
    values = (torch.randn(values_shape, generator=gen) * 10).to(dtype)
    accumulate = data.draw(st.booleans())
    before = unchanged(x, values, *indices)
    got = I.index_put(x, tuple(indices), values, accumulate=accumulate)
    if accumulate:
        ref = x.index_put(tuple(indices), values, accumulate=True)
        torch.testing.assert_close(got, ref, rtol=1e-5, atol=1e-5)
    else:
        # duplicates: torch leaves the winner unspecified; ours is the last, which a loop in order gives
        assert torch.equal(got, put_in_order(x, indices, values))
    assert_unchanged(before, x, values, *indices)


@SETTINGS
@given(data=st.data())
def test_masked_fill_matches_torch(data):
    rank, shape, gen = draw_shape(data, min_rank=0, min_size=0)
    dtypes = [torch.float32, torch.float64, torch.int64, torch.bool, torch.bfloat16]
    x = (torch.randn(shape, generator=gen) * 10).to(data.draw(st.sampled_from(dtypes)))
    x = strided(x, data.draw(st.sampled_from(["contiguous", "transposed", "sliced"])), gen)
    mask_shape = [n if data.draw(st.booleans()) else 1 for n in shape][data.draw(st.integers(0, rank)):]
    mask = torch.rand(mask_shape, generator=gen) > 0.5
    value = data.draw(st.sampled_from([2.5, -1, True, "tensor"]))
    if value == "tensor":
        value = torch.tensor(7.25, dtype=torch.float64)
    before = unchanged(x, mask)
    with count_launches() as launches:
        got = I.masked_fill(x, mask, value)
    ref = x.masked_fill(mask, value)
    assert got.dtype == ref.dtype and got.shape == ref.shape and torch.equal(got, ref)
    assert launches.total <= 2
    assert_unchanged(before, x, mask)


@pytest.mark.parametrize("n", [1, 7, 77, 1000, 1025, 4097])
def test_ragged_sizes(n):
    x = torch.randn(n, 3)
    index = torch.randint(0, n, (n, 3))
    assert torch.equal(I.gather(x, 0, index), torch.gather(x, 0, index))
    rows = torch.randint(0, n, (min(n, 77),))
    assert torch.equal(I.index_select(x, 0, rows), x[rows])
    src = torch.randn(rows.numel(), 3)
    torch.testing.assert_close(I.index_add((n, 3), 0, rows, src), torch.zeros(n, 3).index_add(0, rows, src))
    mask = torch.rand(n, 1) > 0.5
    assert torch.equal(I.masked_fill(x, mask, 0.0), x.masked_fill(mask, 0.0))


def test_duplicate_indices_accumulate_deterministically():
    index = torch.tensor([[0, 1, 0, 0, 2, 0, 1, 0]] * 3)
    src = torch.randn(3, 8) * 1e3
    first = I.scatter_add((3, 4), 1, index, src)
    torch.testing.assert_close(first, torch.zeros(3, 4).scatter_add(1, index, src), rtol=1e-5, atol=1e-2)
    for _ in range(2):
        assert torch.equal(I.scatter_add((3, 4), 1, index, src), first)
    rows = torch.tensor([1, 1, 0, 1, -3])
    values = torch.randn(5, 2)
    x = torch.randn(3, 2)
    got = I.index_put(x, (rows,), values, accumulate=True)
    torch.testing.assert_close(got, x.index_put((rows,), values, accumulate=True), rtol=1e-5, atol=1e-5)
    assert torch.equal(I.index_put(x, (rows,), values, accumulate=True), got)


def test_launch_counts():
    x = torch.randn(6, 5)
    index = torch.randint(0, 5, (6, 2))
    with count_launches() as launches:
        I.gather(x, 1, index)
    assert launches.by_kernel["_gather_kernel"] == 1 and launches.total == 3  # + amin, amax range check
    with count_launches() as launches:
        I.scatter_add((6, 5), 1, index, torch.randn(6, 2))
    assert launches.by_kernel["_scatter_add_kernel"] == 1 and launches.total == 3
    with count_launches() as launches:
        I.index_put(x, (index[:, 0], index[:, 1]), torch.tensor(1.0), accumulate=True)
    assert launches.by_kernel["_index_put_kernel"] == 1
    assert launches.by_kernel["_flatten_index_kernel"] == 2


def errors_of(fn, *args):
    try:
        fn(*args)
    except Exception as error:  # noqa: BLE001 - the test compares whatever torch raises
        return type(error), str(error)
    return None


@pytest.mark.parametrize("case", [
    ("gather", lambda x: (x, 1, torch.tensor([[-1]]))),
    ("gather", lambda x: (x, 1, torch.tensor([[3]]))),
    ("gather", lambda x: (x, 1, torch.tensor([[1.0]]))),
    ("gather", lambda x: (x, 1, torch.tensor([0]))),
    ("gather", lambda x: (x, 1, torch.zeros(3, 1, dtype=torch.long))),
    ("gather", lambda x: (x, 2, torch.zeros(2, 1, dtype=torch.long))),
    ("index_select", lambda x: (x, 1, torch.tensor([-1]))),
    ("index_select", lambda x: (x, 1, torch.tensor([3]))),
    ("index_select", lambda x: (x, 1, torch.tensor([[0]]))),
    ("index_select", lambda x: (x, 1, torch.tensor([0.0]))),
])
def test_read_errors_are_torchs(case):
    name, make_args = case
    x = torch.arange(6.0).view(2, 3)
    args = make_args(x)
    expected = errors_of(getattr(torch, name), *args)
    assert expected is not None
    with count_launches() as launches:
        assert errors_of(getattr(I, name), *args) == expected
    assert launches.by_kernel.get("_gather_kernel", 0) == 0


def test_write_errors_are_torchs_and_change_nothing():
    x = torch.arange(6.0).view(2, 3)
    before = x.clone()
    cases = [
        (lambda: torch.zeros(2, 3).scatter_add(1, torch.tensor([[3]]), torch.ones(1, 1)),
         lambda: I.scatter_add((2, 3), 1, torch.tensor([[3]]), torch.ones(1, 1))),
        (lambda: torch.zeros(2, 3).scatter_add(1, torch.tensor([[-1]]), torch.ones(1, 1)),
         lambda: I.scatter_add((2, 3), 1, torch.tensor([[-1]]), torch.ones(1, 1))),
        (lambda: torch.zeros(2, 3).scatter_add(1, torch.tensor([[0, 1]]), torch.ones(1, 1)),
         lambda: I.scatter_add((2, 3), 1, torch.tensor([[0, 1]]), torch.ones(1, 1))),
        (lambda: torch.zeros(2, 3).index_add(1, torch.tensor([3]), torch.ones(2, 1)),
         lambda: I.index_add((2, 3), 1, torch.tensor([3]), torch.ones(2, 1))),
        (lambda: torch.zeros(2, 3).index_add(1, torch.tensor([0]), torch.ones(2, 2)),
         lambda: I.index_add((2, 3), 1, torch.tensor([0]), torch.ones(2, 2))),
        (lambda: torch.zeros(2, 3).index_add(1, torch.tensor([0]), torch.ones(3, 1)),
         lambda: I.index_add((2, 3), 1, torch.tensor([0]), torch.ones(3, 1))),
        (lambda: torch.zeros(2, 3).index_add(1, torch.tensor([0.0]), torch.ones(2, 1)),
         lambda: I.index_add((2, 3), 1, torch.tensor([0.0]), torch.ones(2, 1))),
        (lambda: torch.zeros(2, 3).index_add(1, torch.tensor([[0]]), torch.ones(2, 1)),
         lambda: I.index_add((2, 3), 1, torch.tensor([[0]]), torch.ones(2, 1))),
        (lambda: x.index_put((torch.tensor([2]),), torch.tensor(5.0)),
         lambda: I.index_put(x, (torch.tensor([2]),), torch.tensor(5.0))),
        (lambda: x.index_put((torch.tensor([1]), torch.tensor([-4])), torch.tensor(5.0)),
         lambda: I.index_put(x, (torch.tensor([1]), torch.tensor([-4])), torch.tensor(5.0))),
        (lambda: x.index_put((torch.tensor([1, 0]), torch.tensor([0, 1, 2])), torch.tensor(5.0)),
         lambda: I.index_put(x, (torch.tensor([1, 0]), torch.tensor([0, 1, 2])), torch.tensor(5.0))),
        (lambda: x.index_put((torch.tensor([1, 0]),), torch.ones(3, 3)),
         lambda: I.index_put(x, (torch.tensor([1, 0]),), torch.ones(3, 3))),
        (lambda: x.index_put((torch.tensor([1.0]),), torch.ones(3)),
         lambda: I.index_put(x, (torch.tensor([1.0]),), torch.ones(3))),
        (lambda: x.index_put((torch.tensor([1]),) * 3, torch.tensor(5.0)),
         lambda: I.index_put(x, (torch.tensor([1]),) * 3, torch.tensor(5.0))),
        (lambda: x.index_put((torch.tensor([1]),), torch.tensor(5.0).double()),
         lambda: I.index_put(x, (torch.tensor([1]),), torch.tensor(5.0).double())),
        (lambda: x.masked_fill(torch.tensor([1, 0, 1]), 1.0),
         lambda: I.masked_fill(x, torch.tensor([1, 0, 1]), 1.0)),
        (lambda: x.masked_fill(torch.tensor([True, False]), 1.0),
         lambda: I.masked_fill(x, torch.tensor([True, False]), 1.0)),
        (lambda: x.masked_fill(torch.tensor([True, False, True]), torch.tensor([1.0, 2.0])),
         lambda: I.masked_fill(x, torch.tensor([True, False, True]), torch.tensor([1.0, 2.0]))),
    ]
    for ref, mine in cases:
        expected = errors_of(ref)
        assert expected is not None
        with count_launches() as launches:
            assert errors_of(mine) == expected
        assert not any(name in launches.by_kernel for name in
                       ("_scatter_add_kernel", "_index_put_kernel", "_masked_fill_kernel"))
    assert torch.equal(x, before)
    with pytest.raises(NotImplementedError, match="mask"):
        I.index_put(x, (torch.tensor([True, False]),), torch.tensor(1.0))
    with pytest.raises(TypeError, match="complex64"):
        I.gather(torch.zeros(2, dtype=torch.complex64), 0, torch.tensor([0]))


@pytest.mark.slow
def test_long_gather_and_scatter():
    x = torch.randn(4, 131072)
    index = torch.randint(0, 131072, (4, 4096))
    assert torch.equal(I.gather(x, 1, index), torch.gather(x, 1, index))
    src = torch.randn(4, 16)
    small = index[:, :16]
    torch.testing.assert_close(I.scatter_add((4, 4096), 1, small % 4096, src),
                               torch.zeros(4, 4096).scatter_add(1, small % 4096, src))
    positions = torch.randint(0, 8192, (131072,))
    grad = torch.randn(131072)
    torch.testing.assert_close(I.index_add((8192,), 0, positions, grad),
                               torch.zeros(8192).index_add(0, positions, grad), rtol=1e-5, atol=1e-4)


def test_small_tiles_cover_many_programs_and_loop_trips(monkeypatch):
    """Tiles of 16 elements: every kernel runs many programs, the matching loops many trips."""
    from triton_kernels import reduce as R

    monkeypatch.setattr(R, "tile_elements", lambda: 16)
    monkeypatch.setattr(I, "tile_elements", lambda: 16)
    x = torch.randn(3, 12)
    index = torch.randint(0, 12, (3, 20))
    assert torch.equal(I.gather(x.t(), 0, index.t()), torch.gather(x.t(), 0, index.t()))
    src = torch.randn(3, 20)
    expected = torch.zeros(3, 12).scatter_add(1, index, src)
    torch.testing.assert_close(I.scatter_add((3, 12), 1, index, src), expected)
    rows = torch.randint(-3, 3, (40,))
    values = torch.randn(40, 12)
    torch.testing.assert_close(I.index_put(x, (rows,), values, accumulate=True),
                               x.index_put((rows,), values, accumulate=True))
    unique = torch.randperm(3)[:2]
    assert torch.equal(I.index_put(x, (unique,), values[:2]), x.index_put((unique,), values[:2]))
    mask = torch.rand(12) > 0.5
    assert torch.equal(I.masked_fill(x, mask, -1.0), x.masked_fill(mask, -1.0))


def test_device_mismatch_raises_torchs_error_before_launching():
    x = torch.zeros(3)
    meta_index = torch.zeros(2, dtype=torch.long, device="meta")
    with count_launches() as launches:
        for call in (lambda: I.gather(x, 0, meta_index),
                     lambda: I.scatter_add((3,), 0, meta_index, torch.ones(2)),
                     lambda: I.index_put(x, (meta_index,), torch.tensor(1.0)),
                     lambda: I.masked_fill(x, torch.zeros(3, dtype=torch.bool, device="meta"), 1.0)):
            with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device"):
                call()
    assert launches.total == 0


@pytest.mark.parametrize("shape, dim, index_shape, layout", [
    ((4, 5, 3), 1, (3, 600, 2), "contiguous"),
    ((50,), 0, (1000,), "contiguous"),
    ((7, 300), 1, (7, 1000), "transposed"),
    ((300, 7), 0, (1000, 5), "sliced"),
    ((2, 3, 40, 2), 2, (2, 2, 300, 1), "transposed"),
])
def test_long_index_dims_take_the_sorted_path(shape, dim, index_shape, layout):
    gen = torch.Generator().manual_seed(7)
    index = strided(torch.randint(0, shape[dim], index_shape, generator=gen), layout, gen)
    src = strided(torch.randn(index_shape, generator=gen), layout, gen)
    with count_launches() as launches:
        got = I.scatter_add(shape, dim, index, src)
    assert launches.by_kernel["_segment_sum_kernel"] == 1 and launches.by_kernel["_scatter_add_kernel"] == 0
    torch.testing.assert_close(got, torch.zeros(shape).scatter_add(dim, index, src), rtol=1e-5, atol=1e-5)
    assert torch.equal(I.scatter_add(shape, dim, index, src), got)  # bitwise reproducible


def test_index_add_of_many_rows_is_linear_and_matches():
    positions = torch.randint(0, 5000, (40000,), generator=torch.Generator().manual_seed(3))
    grad = torch.randn(40000, generator=torch.Generator().manual_seed(4))
    with count_launches() as launches:
        got = I.index_add((5000,), 0, positions, grad)
    assert launches.by_kernel["_segment_sum_kernel"] == 1
    torch.testing.assert_close(got, torch.zeros(5000).index_add(0, positions, grad), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("accumulate", [True, False])
@pytest.mark.parametrize("case", ["rows", "pairs", "scalar"])
def test_index_put_with_many_entries_takes_the_sorted_path(case, accumulate):
    gen = torch.Generator().manual_seed(11)
    x = torch.randn(8, 50, generator=gen).t()  # transposed: (50, 8)
    if case == "rows":  # embedding-like backward: many rows, duplicates
        indices = (torch.randint(-50, 50, (700,), generator=gen),)
        values = torch.randn(700, 8, generator=gen)
    elif case == "pairs":  # two broadcast index tensors, values broadcast along the first index dim
        indices = (torch.randint(0, 50, (30, 20), generator=gen),
                   torch.randint(-8, 8, (1, 20), generator=gen))
        values = torch.randn(20, generator=gen)
    else:
        indices = (torch.randint(0, 50, (300,), generator=gen),)
        values = torch.tensor(1.5)
    with count_launches() as launches:
        got = I.index_put(x, indices, values, accumulate=accumulate)
    assert launches.by_kernel["_segment_sum_kernel"] == 1 and launches.by_kernel["_index_put_kernel"] == 0
    assert torch.equal(I.index_put(x, indices, values, accumulate=accumulate), got)
    if accumulate:
        torch.testing.assert_close(got, x.index_put(indices, values, accumulate=True), rtol=1e-5, atol=1e-5)
    else:  # duplicates: the last write wins, as a loop in index order gives
        assert torch.equal(got, put_in_order(x, indices, values))


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=gather_case(), accumulate=st.booleans())
def test_sorted_path_over_generated_layouts(case, accumulate):
    """With 16-element tiles every index dim over 16 takes the sorted path: generated shapes and layouts."""
    from unittest import mock

    from triton_kernels import reduce as R

    x, dim, index, gen = case
    if not x.dtype.is_floating_point or x.dtype == torch.float16:
        x = x.float()
    with mock.patch.object(R, "tile_elements", lambda: 16), mock.patch.object(I, "tile_elements", lambda: 16):
        src = torch.randn(index.shape, generator=gen, dtype=torch.float64).to(x.dtype)
        torch.testing.assert_close(I.scatter_add(x.shape, dim, index, src),
                                   torch.zeros(x.shape, dtype=x.dtype).scatter_add(dim, index, src))
        n_rows = 3 * x.shape[0] + 17
        rows = torch.randint(-x.shape[0], x.shape[0], (n_rows,), generator=gen)
        values = torch.randn((n_rows,) + tuple(x.shape[1:]), generator=gen, dtype=torch.float64).to(x.dtype)
        got = I.index_put(x, (rows,), values, accumulate=accumulate)
    if accumulate:
        torch.testing.assert_close(got, x.index_put((rows,), values, accumulate=True))
    else:
        assert torch.equal(got, put_in_order(x, (rows,), values))
