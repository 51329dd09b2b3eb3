"""triton_kernels.elementwise against torch, in Triton's interpreter (TRITON_INTERPRET=1, set by conftest).

One parity helper compares a launcher's result with torch's on dtype, shape
and values (nan where torch has nan); every op runs on edge values (0, -0,
halves, inf, nan, huge, tiny) in each dtype the interpreter runs, and
hypothesis draws shapes, layouts (contiguous, transposed, sliced, stride-0
expanded) and values. bfloat16 runs too: the kernels convert it by bit
arithmetic (``_common.round_to_bf16``), which the interpreter gets right.
"""

import math
import os
import subprocess
import sys

import numpy as np
import pytest
import torch
import torch.nn.functional as F
import triton
import triton.language as tl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from triton_kernels import count_launches
from triton_kernels import elementwise as E

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")  # numpy's inf/nan warnings in kernels

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
TOL = {torch.float32: 1e-5, torch.float64: 1e-10, torch.float16: 1e-2, torch.bfloat16: 2e-2}
EDGE = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 1.5, 2.5, -2.5, 3.0, 0.49999997, 1e-8, -1e-8, 1e-3, 7.25, -7.25,
        1e4, -1e4, 30.0, -30.0, 88.0, -100.0, 1e30, -1e30, math.inf, -math.inf, math.nan]
FLOATS = (torch.float32, torch.float64, torch.float16, torch.bfloat16)
HALVES = (torch.float16, torch.bfloat16)

TORCH_UNARY = {
    "gelu": F.gelu, "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"), "silu": F.silu, "relu": torch.relu,
}


def torch_unary(op):
    return TORCH_UNARY.get(op) or getattr(torch, op)


def assert_matches(mine, ref, tol=None):
    """Same dtype, shape and values (nan where torch has nan, inf where torch has inf) within ``tol``."""
    assert mine.dtype == ref.dtype, (mine.dtype, ref.dtype)
    assert mine.shape == ref.shape, (mine.shape, ref.shape)
    assert mine.is_contiguous()
    tol = TOL.get(ref.dtype, 0) if tol is None else tol
    if ref.dtype.is_floating_point:
        torch.testing.assert_close(mine.double(), ref.double(), rtol=tol, atol=tol, equal_nan=True)
    else:
        assert torch.equal(mine, ref), (mine, ref)


def edge_tensor(dtype, extra=()):
    values = torch.tensor(EDGE + list(extra), dtype=torch.float64)
    return values.to(dtype)


def assert_same_error(error, call):
    """``call()`` raises ``error``'s type; for torch's "not implemented for 'Bool'" the dtype part matches."""
    message = str(error)
    expected = message[message.index("not implemented"):] if "not implemented for" in message else message
    with pytest.raises(type(error)) as mine:
        call()
    assert expected in str(mine.value)


def int_tensor():
    return torch.tensor([0, 1, -1, 2, -2, 3, -7, 7, 100, -100, 12345, 2**40, -(2**40)], dtype=torch.int64)


# ----------------------------------------------------------------------- unary

@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("op", E.UNARY_OPS)
def test_unary_float_edges(op, dtype):
    if op == "bitwise_not":
        with pytest.raises(TypeError, match="bitwise_not"):
            E.unary(op, edge_tensor(dtype))
        return
    x = edge_tensor(dtype)
    if op == "gelu":  # torch's vectorised fp32 gelu gives nan at +inf; its scalar path and fp64 give inf
        ref = torch_unary(op)(x.double()).to(dtype)
    elif dtype in HALVES:  # torch's half kernels compute in fp32 too, from the same half inputs
        ref = torch_unary(op)(x.float()).to(torch.bool if op == "logical_not" else dtype)
    else:
        ref = torch_unary(op)(x)
    assert_matches(E.unary(op, x), ref)


@pytest.mark.parametrize("op", E.UNARY_OPS)
@pytest.mark.parametrize("dtype", [torch.int64, torch.bool])
def test_unary_integer_and_bool(op, dtype):
    x = int_tensor() if dtype == torch.int64 else torch.tensor([True, False, True])
    if op in ("gelu", "gelu_tanh", "silu"):  # torch has no integer gelu/silu: compare in the default float
        ref = torch_unary(op)(x.float())
    else:
        try:
            ref = torch_unary(op)(x)
        except (RuntimeError, NotImplementedError) as error:
            assert_same_error(error, lambda: E.unary(op, x))
            return
    assert_matches(E.unary(op, x), ref)


def test_unary_dtype_argument_casts_first():
    x = torch.tensor([1.0001, 2.5, -3.75, 1e5], dtype=torch.float32)
    assert_matches(E.unary("neg", x, dtype=torch.float16), -(x.half()))
    integers = torch.tensor([1, 2, 3])
    assert_matches(E.unary("exp", integers, dtype=torch.float64), integers.double().exp())


def test_round_is_half_to_even_and_exact_near_half():
    x = torch.tensor([0.5, 1.5, 2.5, -0.5, -1.5, 0.49999997, -0.49999997, 8388607.5, 4503599627370495.5],
                     dtype=torch.float64)
    assert_matches(E.unary("round", x), torch.round(x), tol=0)
    x32 = x[:7].float()
    assert_matches(E.unary("round", x32), torch.round(x32), tol=0)


def test_tanh_expm1_log1p_keep_relative_precision_near_zero():
    x = torch.tensor([1e-12, -3e-9, 2e-6, -1e-4, 0.3], dtype=torch.float64)
    for op in ("tanh", "expm1", "log1p", "sigmoid"):
        torch.testing.assert_close(E.unary(op, x), torch_unary(op)(x), rtol=1e-13, atol=0)


# ---------------------------------------------------------------------- binary

def torch_binary(op, a, b):
    return getattr(torch, op)(a, b)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("op", E.BINARY_OPS)
def test_binary_float_edges(op, dtype):
    a = edge_tensor(dtype)[:, None]
    b = edge_tensor(dtype)[None, ::2]  # every pair of edge values, broadcast, b sliced
    if op in E.BITWISE_OPS:
        with pytest.raises(TypeError, match=op):
            E.binary(op, a, b)
        return
    if dtype in HALVES:
        ref = torch_binary(op, a.float(), b.float())
        ref = ref if ref.dtype == torch.bool else ref.to(dtype)
    else:
        ref = torch_binary(op, a, b)
    if op == "pow" and dtype != torch.float64:  # exp2(b log2 a) carries |b log2 a| ulps
        finite = ref.isfinite() & (ref.abs() < 1e25)
        assert_matches(E.binary(op, a, b)[finite], ref[finite], tol=TOL[dtype] * 30)
        assert_matches(E.binary(op, a, b)[~finite], ref[~finite])
        return
    assert_matches(E.binary(op, a, b), ref)


@pytest.mark.parametrize("op", E.BINARY_OPS)
@pytest.mark.parametrize("dtype", [torch.int64, torch.bool])
def test_binary_integer_and_bool(op, dtype):
    if dtype == torch.int64:
        a = int_tensor()[:, None]
        b = int_tensor()[None, :]
        if op in ("floor_divide", "remainder", "fmod"):
            b = b[:, b[0] != 0]  # integer division by a zero tensor element is not detected (see module doc)
        if op == "pow":
            a, b = a.clamp(-100, 100), b.clamp(-3, 9)
    else:
        a = torch.tensor([True, False])[:, None]
        b = torch.tensor([True, False])[None, :]
    try:
        ref = torch_binary(op, a, b)
    except (RuntimeError, NotImplementedError) as error:
        assert_same_error(error, lambda: E.binary(op, a, b))
        return
    assert_matches(E.binary(op, a, b), ref)


@pytest.mark.parametrize("op,scalar", [("add", 2.5), ("add", 3), ("mul", -0.1), ("sub", 1e-3), ("div", 3),
                                       ("pow", 2.0), ("pow", 0.5), ("pow", -1), ("maximum", 0.0), ("lt", 0.5),
                                       ("remainder", -1.5), ("floor_divide", 2), ("eq", True)])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.int64])
def test_binary_scalar_operands(op, scalar, dtype):
    x = edge_tensor(torch.float64)[:20].to(dtype) if dtype != torch.int64 else int_tensor()[:11]
    if op == "maximum":
        ref = torch.maximum(x, torch.tensor(scalar))  # a 0-d tensor promotes as a Python scalar here
    else:
        try:
            ref = torch_binary(op, x, scalar)
        except RuntimeError as error:
            assert_same_error(error, lambda: E.binary(op, x, scalar))
            return
    assert_matches(E.binary(op, x, scalar), ref)
    if op in ("sub", "div", "pow"):  # scalar first
        reflected = {"sub": lambda: scalar - x, "div": lambda: scalar / x, "pow": lambda: scalar ** x}[op]()
        if not (op == "pow" and dtype == torch.int64 and x.min() < 0):
            assert_matches(E.binary(op, scalar, x), reflected)


def test_numpy_scalars_are_python_scalars():
    x = torch.tensor([1, 2, 3])
    assert_matches(E.binary("mul", x, np.int64(3)), x * 3)
    assert_matches(E.binary("add", x, np.float64(0.5)), x + 0.5)


@pytest.mark.parametrize("dtype", HALVES)
def test_half_tensor_with_a_python_scalar_computes_in_fp32_as_torch(dtype):
    x = torch.linspace(1, 2000, 2001).to(dtype)
    for scalar in (0.1, 1 / 3, 0.7):
        assert torch.equal(E.binary("mul", x, scalar), x * scalar)  # fp32 0.1, not half 0.1
        assert torch.equal(E.binary("div", x, scalar), x / scalar)


def test_fp64_scalars_keep_all_their_digits():
    x = torch.tensor([1.0, 2.0], dtype=torch.float64)
    assert torch.equal(E.binary("add", x, 0.1), x + 0.1)
    assert torch.equal(E.binary("mul", x, 1 / 3), x * (1 / 3))
    big = torch.tensor([2**53, -(2**62)], dtype=torch.int64)
    assert torch.equal(E.binary("add", big, 2**61 + 1), big + (2**61 + 1))


def test_alpha():
    a, b = torch.randn(3, 4), torch.randn(4)
    assert_matches(E.binary("add", a, b, alpha=2.5), torch.add(a, b, alpha=2.5))
    assert_matches(E.binary("sub", a, b, alpha=-3), torch.sub(a, b, alpha=-3))
    i = torch.arange(5)
    assert_matches(E.binary("add", i, i, alpha=3), torch.add(i, i, alpha=3))
    with pytest.raises(RuntimeError, match="alpha must not be a floating point"):
        E.binary("add", i, i, alpha=0.5)
    with pytest.raises(TypeError, match="alpha"):
        E.binary("mul", a, b, alpha=2)


def test_binary_dtype_argument_and_promotion():
    a = torch.tensor([1.0001, 2.0, 3.0])
    b = torch.tensor([1, 2, 4])
    assert_matches(E.binary("mul", a, b), a * b)  # float32 * int64 -> float32
    assert_matches(E.binary("div", b, b), b / b)  # int / int -> float32
    assert_matches(E.binary("add", a, torch.tensor(2.0, dtype=torch.float64)), a + torch.tensor(2.0).double())
    assert_matches(E.binary("add", a, b, dtype=torch.float16), a.half() + b.half())
    assert_matches(E.binary("lt", a, b, dtype=torch.int64), a.long() < b)


# ------------------------------------------------------------ layouts, sizes

LAYOUTS = ("contiguous", "transposed", "sliced", "expanded", "offset")


SPECIAL = torch.tensor([0.0, -0.0, math.inf, -math.inf, math.nan, 0.5, -2.5, 1e30], dtype=torch.float64)


def identical(a, b):
    """Same dtype, shape and bits-equal values, nan matching nan."""
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if not a.dtype.is_floating_point:
        return torch.equal(a, b)
    return torch.equal(a.isnan(), b.isnan()) and torch.equal(a.nan_to_num(0.0), b.nan_to_num(0.0))


def make_layout(shape, layout, dtype, seed, special=True):
    """A tensor of ``shape`` laid out as ``layout``, its elements read where they lie (no copy).

    Values are normal, scaled by 3, with about one in six (per a seed bit)
    replaced by an edge value (0, -0, +-inf, nan, a half, 1e30).
    """
    gen = torch.Generator().manual_seed(seed)

    def values(s):
        v = torch.randn(s, generator=gen, dtype=torch.float64) * 3
        if special and seed % 2 and dtype.is_floating_point:
            pick = torch.randint(0, 6 * len(SPECIAL), s, generator=gen)
            v = torch.where(pick < len(SPECIAL), SPECIAL[pick.clamp(max=len(SPECIAL) - 1)], v)
        return v.to(dtype) if dtype != torch.bool else v > 0
    if layout == "transposed":
        return values(tuple(reversed(shape))).permute(tuple(reversed(range(len(shape)))))
    if layout == "sliced":
        big = values(tuple(2 * n + 1 for n in shape))
        return big[tuple(slice(1, None, 2) for _ in shape)]
    if layout == "expanded":
        small = values(tuple(1 if i % 2 == 0 else n for i, n in enumerate(shape)))
        return small.expand(tuple(shape))
    if layout == "offset":
        return values((int(math.prod(shape)) + 3,))[3:].view(shape)
    return values(shape)


shapes = st.lists(st.integers(1, 6), min_size=0, max_size=4).map(tuple)
layouts = st.sampled_from(LAYOUTS)


@SETTINGS
@given(shape=shapes, layout_a=layouts, layout_b=layouts, drop=st.integers(0, 2),
       op=st.sampled_from(["add", "mul", "div", "maximum", "gt", "atan2", "pow", "remainder"]),
       dtype=st.sampled_from([torch.float32, torch.float64]), seed=st.integers(0, 2**16))
def test_binary_any_layout(shape, layout_a, layout_b, drop, op, dtype, seed):
    a = make_layout(shape, layout_a, dtype, seed)
    b = make_layout(shape[drop:], layout_b, dtype, seed + 1)  # fewer dims: broadcast
    a_before, b_before = a.clone(), b.clone()
    with count_launches() as n:
        mine = E.binary(op, a, b)
    ref = torch_binary(op, a, b)
    tol = TOL[dtype] * (30 if op == "pow" and dtype == torch.float32 else 1)
    assert_matches(mine, ref, tol)
    assert n.total == (1 if mine.numel() else 0)
    assert identical(a, a_before) and identical(b, b_before)


@SETTINGS
@given(shape=shapes, layout=layouts, op=st.sampled_from(E.UNARY_OPS[:-1]),
       dtype=st.sampled_from(FLOATS), seed=st.integers(0, 2**16))
def test_unary_any_layout(shape, layout, op, dtype, seed):
    x = make_layout(shape, layout, dtype, seed)
    before = x.clone()
    ref = torch_unary(op)(x if dtype not in HALVES else x.float())
    if dtype in HALVES and ref.dtype != torch.bool:
        ref = ref.to(dtype)
    assert_matches(E.unary(op, x), ref)
    assert identical(x, before)


@pytest.mark.parametrize("n", [0, 1, 7, 77, 1000, 1025, 4097])
def test_ragged_sizes_with_small_blocks(n, monkeypatch):
    monkeypatch.setattr(E, "INTERPRETER_MAX_BLOCK", 256)  # several programs, the last one ragged
    x = torch.randn(n)
    y = torch.randn(2 * n)[::2]
    with count_launches() as count:
        mine = E.binary("mul", x, y)
    assert_matches(mine, x * y)
    assert count.by_kernel.get("_elementwise_kernel", 0) == (1 if n else 0)
    assert_matches(E.unary("sigmoid", y), torch.sigmoid(y))


def test_more_dims_than_max_rank_launch_per_leading_index():
    shape = (2, 3, 2, 3, 2, 3, 2)  # every dim sliced: nothing collapses
    base = torch.randn(tuple(2 * n for n in shape), dtype=torch.float64)
    x = base[tuple(slice(None, None, 2) for _ in shape)]
    reverse = (5, 4, 3, 2, 1, 0)
    y = torch.randn(shape[1:], dtype=torch.float64).permute(reverse).contiguous().permute(reverse)
    assert_matches(E.binary("sub", x, y), x - y)
    dst = torch.zeros(tuple(2 * n for n in shape), dtype=torch.float32)
    inside = tuple(slice(1, None, 2) for _ in shape)
    E.copy_(dst[inside], x)
    assert torch.equal(dst[inside], x.float())
    dst[inside] = 0
    assert not dst.any()  # nothing written outside the view


def test_offsets_are_int64():
    """The offset arithmetic of every kernel, at indices and strides far beyond 2**31."""
    @triton.jit
    def offsets_kernel(index_ptr, out_ptr, sizes, strides, RANK: tl.constexpr, BLOCK: tl.constexpr):
        i = tl.arange(0, BLOCK)
        tl.store(out_ptr + i, E._strided_offsets(tl.load(index_ptr + i), sizes, strides, RANK))

    sizes, strides = (3, 2**20, 2**21), (2**40 + 5, 1, 2**19 + 3)
    index = torch.tensor([0, 1, 2**31 + 7, 2**41 - 1, 3 * 2**41 - 1, 2**32, 12345678901, 5])
    out = torch.empty_like(index)
    offsets_kernel[(1,)](index, out, sizes, strides, RANK=3, BLOCK=8)
    expected = []
    for i in index.tolist():
        c2, rest = i % sizes[2], i // sizes[2]
        expected.append((rest // sizes[1]) * strides[0] + (rest % sizes[1]) * strides[1] + c2 * strides[2])
    assert out.tolist() == expected


# ----------------------------------------------------------- where, clamp, isclose

@SETTINGS
@given(shape=shapes, layouts_=st.tuples(layouts, layouts, layouts), seed=st.integers(0, 2**16),
       scalar=st.sampled_from([None, "a", "b"]))
def test_where(shape, layouts_, seed, scalar):
    cond = make_layout(shape, layouts_[0], torch.bool, seed)
    a = make_layout(shape[1:], layouts_[1], torch.float32, seed + 1)
    b = make_layout(shape, layouts_[2], torch.float64, seed + 2)
    if scalar == "a":
        a = 2.5
    if scalar == "b":
        b = -1
    assert_matches(E.where(cond, a, b), torch.where(cond, a, b))


def test_where_errors_and_dtype():
    with pytest.raises(RuntimeError, match="where expected condition to be a boolean tensor, but got a "
                                           "tensor with dtype Float"):
        E.where(torch.ones(2), 1.0, 0.0)
    cond = torch.tensor([True, False])
    assert_matches(E.where(cond, 1.0, 0), torch.where(cond, 1.0, 0))
    assert_matches(E.where(cond, torch.tensor([1, 2]), 0.5, dtype=torch.float64),
                   torch.where(cond, torch.tensor([1.0, 2.0]).double(), 0.5))


@pytest.mark.parametrize("low,high", [(-1.0, 1.0), (None, 0.5), (-0.5, None), (2.0, 1.0), (0, 3),
                                      (math.nan, 1.0)])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.int64])
def test_clamp(low, high, dtype):
    x = edge_tensor(torch.float64).to(dtype) if dtype != torch.int64 else int_tensor()
    assert_matches(E.clamp(x, low, high), torch.clamp(x, low, high))


def test_clamp_with_tensor_bounds_broadcasts():
    x, low, high = torch.randn(3, 4), torch.randn(4) - 0.5, torch.randn(3, 1, dtype=torch.float64) + 0.5
    assert_matches(E.clamp(x, low, high), torch.clamp(x, low, high))
    assert_matches(E.clamp(x, None, high), torch.clamp(x, None, high))


def test_clamp_needs_a_bound():
    with pytest.raises(RuntimeError, match="At least one of 'min' or 'max' must not be None"):
        E.clamp(torch.ones(2))


@pytest.mark.parametrize("equal_nan", [False, True])
@pytest.mark.parametrize("rtol,atol", [(1e-5, 1e-8), (0.0, 0.0), (0.1, 1.0)])
def test_isclose(rtol, atol, equal_nan):
    a = edge_tensor(torch.float64)[:, None]
    b = (edge_tensor(torch.float64) * 1.05)[None, :]
    assert_matches(E.isclose(a, b, rtol, atol, equal_nan), torch.isclose(a, b, rtol, atol, equal_nan))
    i, j = int_tensor(), int_tensor().flip(0)
    assert_matches(E.isclose(i, j, rtol, atol, equal_nan), torch.isclose(i, j, rtol, atol, equal_nan))


def test_isclose_errors():
    with pytest.raises(RuntimeError, match="Float did not match Double"):
        E.isclose(torch.ones(2), torch.ones(2, dtype=torch.float64))


# ------------------------------------------------------------ casts, copies

CAST_DTYPES = (torch.float32, torch.float64, torch.float16, torch.bfloat16, torch.int64, torch.bool)


@pytest.mark.parametrize("src_dtype", CAST_DTYPES)
@pytest.mark.parametrize("dst_dtype", CAST_DTYPES)
def test_cast(src_dtype, dst_dtype):
    values = torch.tensor([0.0, -0.0, 1.0, -1.5, 2.7, -2.7, 65504.0, 1e-3, 100.25, 3.0], dtype=torch.float64)
    x = values.to(src_dtype)[::2]
    assert_matches(E.cast(x, dst_dtype), x.to(dst_dtype), tol=0)


def test_cast_to_half_rounds_as_torch():
    """torch converts fp64 to fp16 through fp32 (two roundings): 1 + 2^-11 + 2^-30 becomes 1.0, as here."""
    x = torch.tensor([1.0 + 2**-11 + 2**-30, -1.0 - 2**-11 - 2**-40, 1.0 + 2**-11, 1.0 + 3 * 2**-11 - 2**-35,
                      65519.0, 65520.0, 1e-8, -3.0000001, 2.0**-24 + 2.0**-50, math.inf, math.nan,
                      1.0 + 2**-8 + 2**-30, 3e38, 1e-40, -2.0**-130 - 2.0**-140], dtype=torch.float64)
    for half in HALVES:
        assert_matches(E.cast(x, half), x.to(half), tol=0)
        assert_matches(E.cast(x.float(), half), x.float().to(half), tol=0)
        assert_matches(E.binary("add", x, 0.0, dtype=half), x.to(half), tol=0)


def test_copy_is_a_new_contiguous_tensor():
    x = torch.randn(4, 6).t()[1:, ::2]
    with count_launches() as n:
        y = E.copy(x)
    assert n.total == 1 and y.is_contiguous() and y.data_ptr() != x.data_ptr()
    assert_matches(y, x.contiguous(), tol=0)


@SETTINGS
@given(shape=shapes, dst_layout=st.sampled_from(["contiguous", "transposed", "sliced", "offset"]),
       src_layout=layouts, drop=st.integers(0, 2), seed=st.integers(0, 2**16),
       dtypes=st.tuples(st.sampled_from(CAST_DTYPES), st.sampled_from(CAST_DTYPES)))
def test_copy_into_any_view(shape, dst_layout, src_layout, drop, seed, dtypes):
    dst = make_layout(shape, dst_layout, dtypes[0], seed)
    src = make_layout(shape[drop:], src_layout, dtypes[1], seed + 1, special=dtypes[0].is_floating_point)
    expected = dst.clone().copy_(src)  # (nan and inf to an integer are undefined: not drawn)
    src_before = src.clone()
    assert E.copy_(dst, src) is dst
    assert identical(dst, expected)
    assert identical(src, src_before)


def test_copy_writes_only_the_view():
    storage = torch.zeros(5, 8)
    view = storage.t()[2:6:2]  # (2, 5) with strides (2, 8)
    E.copy_(view, torch.arange(5.0))
    expected = torch.zeros(5, 8)
    expected.t()[2:6:2] = torch.arange(5.0)
    assert torch.equal(storage, expected)


@pytest.mark.parametrize("value", [2.5, -3, True, math.inf, 0.1, 1 / 3, torch.tensor(7.5).double()])
@pytest.mark.parametrize("dtype", CAST_DTYPES)
def test_fill_(value, dtype):
    if dtype == torch.int64 and value is math.inf:
        with pytest.raises(RuntimeError, match="cannot be converted to type int64_t without overflow"):
            E.fill_(torch.zeros(3, dtype=dtype), value)
        return
    dst = torch.zeros(6, 5, dtype=dtype).t()[:, 1:]
    assert E.fill_(dst, value) is dst
    assert torch.equal(dst, torch.zeros(5, 5, dtype=dtype).fill_(value))


def test_copy_and_fill_errors_change_nothing():
    dst = torch.zeros(3)
    with pytest.raises(RuntimeError, match=r"output with shape \[3\] doesn.t match the broadcast shape"):
        E.copy_(dst, torch.ones(2, 3))
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        E.copy_(torch.zeros(3).expand(2, 3), torch.ones(2, 3))
    x = torch.arange(9.0).reshape(3, 3)
    with pytest.raises(RuntimeError, match="some elements of the input tensor and the written-to tensor"):
        E.copy_(x, x.t())
    with pytest.raises(RuntimeError, match="fill_ only supports 0-dimension value tensor"):
        E.fill_(dst, torch.ones(2))
    assert torch.equal(dst, torch.zeros(3)) and torch.equal(x, torch.arange(9.0).reshape(3, 3))
    E.copy_(x, x)  # the same view: each element is read before it is written
    assert torch.equal(x, torch.arange(9.0).reshape(3, 3))


# ---------------------------------------------------------------- fused VJPs

DIFFERENTIABLE = [op for op in E.UNARY_OPS if op not in ("logical_not", "bitwise_not")]


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("op", DIFFERENTIABLE)
def test_unary_backward_matches_autograd(op, dtype):
    x = torch.tensor([-2.3, -1.0, -0.4, 0.0, 0.3, 0.7, 1.0, 2.9, 6.0], dtype=dtype)
    if op in ("log", "sqrt", "rsqrt"):
        x = x.abs() + 0.1
    if op == "log1p":
        x = x.clamp(min=-0.9)
    x.requires_grad_(True)
    y = torch_unary(op)(x)
    g = torch.linspace(-1.5, 2.0, x.numel(), dtype=dtype)
    (ref,) = torch.autograd.grad(y, x, g)
    saved = y.detach() if op in E.SAVED_OUTPUT_OPS else x.detach()
    with count_launches() as n:
        mine = E.unary_backward(op, g, saved)
    assert n.total == 1
    assert_matches(mine, ref, tol=TOL[dtype] * 10)


def test_unary_backward_half_and_errors():
    x = torch.randn(33).half()
    y = torch.tanh(x.float()).half()
    g = torch.randn(33).half()
    assert_matches(E.unary_backward("tanh", g, y), (g.float() * (1 - y.float() ** 2)).half())
    with pytest.raises(RuntimeError, match="the derivative for 'logical_not' is not implemented"):
        E.unary_backward("logical_not", g, x)
    with pytest.raises(ValueError, match="unknown op"):
        E.unary_backward("frobnicate", g, x)


@pytest.mark.parametrize("op", ["mul", "div", "pow"])
@pytest.mark.parametrize("need", [(True, True), (True, False), (False, True)])
def test_binary_backward_matches_autograd(op, need):
    a = torch.tensor([[0.0, 1.5, -2.0, 3.0, 0.25]], dtype=torch.float64).t()  # (5, 1)
    b = torch.tensor([[0.0, 2.0, -1.0, 0.5]], dtype=torch.float64)  # (1, 4): broadcast to (5, 4)
    if op == "div":
        b = b + 0.75
    if op == "pow":  # 0 ** negative has infinite gradients (see test_pow_backward_masks_as_torch)
        a = a.abs() + 0.5
    a.requires_grad_(True)
    b.requires_grad_(True)
    out = getattr(torch, op)(a, b)
    g = torch.randn(out.shape, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    ref_a, ref_b = torch.autograd.grad(out, (a, b), g)
    fn = {"mul": E.mul_backward, "div": E.div_backward, "pow": E.pow_backward}[op]
    extra = (out.detach(),) if op == "pow" else ()
    with count_launches() as n:
        ga, gb = fn(g, a.detach(), b.detach(), *extra, need_a=need[0], need_b=need[1])
    assert n.total == 1
    for mine, ref, wanted in ((ga, ref_a, need[0]), (gb, ref_b, need[1])):
        if not wanted:
            assert mine is None
            continue
        assert mine.shape == out.shape  # unreduced: the caller sums to the input's shape
        torch.testing.assert_close(mine.sum_to_size(ref.shape), ref, rtol=1e-10, atol=1e-12)


def test_binary_backward_scalar_operand():
    x = torch.tensor([0.5, 1.0, 2.0], requires_grad=True)
    (ref,) = torch.autograd.grad(x ** 3.0, x, torch.ones(3))
    ga, gb = E.pow_backward(torch.ones(3), x.detach(), 3.0, x.detach() ** 3, need_b=False)
    assert gb is None
    assert_matches(ga, ref)
    ga, _ = E.mul_backward(torch.ones(3), x.detach(), 2.0, need_b=False)
    assert_matches(ga, torch.full((3,), 2.0))


def test_pow_backward_masks_as_torch():
    a = torch.tensor([0.0, 0.0, 0.0, 2.0], dtype=torch.float64, requires_grad=True)
    b = torch.tensor([0.0, 2.0, -1.0, 0.0], dtype=torch.float64, requires_grad=True)
    out = a ** b
    ref_a, ref_b = torch.autograd.grad(out, (a, b), torch.ones(4, dtype=torch.float64))
    ga, gb = E.pow_backward(torch.ones(4, dtype=torch.float64), a.detach(), b.detach(), out.detach())
    assert_matches(ga, ref_a)
    assert_matches(gb, ref_b)


# ------------------------------------------------------------------- errors

def test_unsupported_dtype_is_a_type_error_naming_it():
    for bad in (torch.ones(3, dtype=torch.int32), torch.ones(3, dtype=torch.complex64)):
        with pytest.raises(TypeError, match=str(bad.dtype)):
            E.unary("exp", bad)
        with pytest.raises(TypeError, match=str(bad.dtype)):
            E.binary("add", torch.ones(3), bad)
    with pytest.raises(TypeError, match="int32"):
        E.cast(torch.ones(3), torch.int32)
    with pytest.raises(NotImplementedError, match="not implemented for 'Bool'"):
        E.unary("abs", torch.ones(3, dtype=torch.bool))


def test_bad_input_errors_as_torch():
    a, b = torch.ones(3, 4), torch.ones(3)
    with pytest.raises(RuntimeError) as error:
        a + b
    with pytest.raises(RuntimeError) as mine:
        E.binary("add", a, b)
    assert str(mine.value) == str(error.value)
    with pytest.raises(RuntimeError, match="Expected all tensors to be on the same device"):
        E.binary("mul", a, torch.ones(3, 4, device="meta"))
    with pytest.raises(ValueError, match="unknown op"):
        E.binary("matmul", a, a)
    with pytest.raises(ValueError, match="unknown op"):
        E.unary("erfinv", a)
    with pytest.raises(TypeError, match="at least one tensor"):
        E.binary("add", 1, 2)
    with pytest.raises(TypeError, match="tensor or a Python scalar"):
        E.binary("add", a, [1, 2])
    with pytest.raises(RuntimeError, match="Integers to negative integer powers are not allowed."):
        E.binary("pow", torch.arange(3), -2)
    with pytest.raises(RuntimeError, match="ZeroDivisionError"):
        E.binary("floor_divide", torch.arange(3), 0)
    assert torch.equal(a, torch.ones(3, 4)) and torch.equal(b, torch.ones(3))


def test_one_launch_per_call_and_inputs_untouched():
    x, y = torch.randn(3, 5), torch.randn(5)
    x_before, y_before = x.clone(), y.clone()
    calls = [lambda: E.unary("gelu", x), lambda: E.binary("add", x, y), lambda: E.where(x > 0, x, y),
             lambda: E.clamp(x, -1, 1), lambda: E.cast(x, torch.float16), lambda: E.fill_(x.clone(), 1),
             lambda: E.mul_backward(x, x, y), lambda: E.isclose(x, x), lambda: E.copy_(x.clone(), y),
             lambda: E.unary_backward("gelu", y, x), lambda: E.div_backward(x, y, x),
             lambda: E.pow_backward(x, x, y, x), lambda: E.copy(x.t())]
    for call in calls:
        with count_launches() as n:
            call()
        assert n.total == n.by_kernel["_elementwise_kernel"] == 1
        assert identical(x, x_before) and identical(y, y_before)


def test_aot_builds_name_every_kernel_argument():
    assert len(E.AOT_BUILDS) >= 40
    names = E._elementwise_kernel.arg_names
    dtypes = {build.dtype for build in E.AOT_BUILDS}
    assert {"fp16", "bf16", "fp32"} <= dtypes
    for build in E.AOT_BUILDS:
        assert list(build.signature) == names
        constexpr_names = {k for k in build.constexprs if isinstance(k, str)}
        assert constexpr_names == {n for n, t in build.signature.items() if t == "constexpr"}


# ------------------------------------------------------------------ slow sweeps

SLOW_SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SWEEP_DTYPES = FLOATS + (torch.int64, torch.bool)


@pytest.mark.slow
@SLOW_SETTINGS
@given(shape=shapes, layout_a=layouts, layout_b=layouts, drop=st.integers(0, 2),
       op=st.sampled_from(E.BINARY_OPS), dtype=st.sampled_from(SWEEP_DTYPES),
       scalar=st.sampled_from([None, 0.75, -2, True]),
       seed=st.integers(0, 2**16))
def test_every_binary_op_dtype_layout_and_scalar(shape, layout_a, layout_b, drop, op, dtype, scalar, seed):
    a = make_layout(shape, layout_a, dtype, seed)
    b = make_layout(shape[drop:], layout_b, dtype, seed + 1) if scalar is None else scalar
    if op in ("floor_divide", "remainder", "fmod") and not dtype.is_floating_point:
        b = E.where(b == 0, 1, b) if isinstance(b, torch.Tensor) else (b or 1)
    if op == "pow" and dtype == torch.int64:
        b = b.abs() if isinstance(b, torch.Tensor) else abs(b)
    try:
        try:
            ref = torch_binary(op, a, b)
        except TypeError:  # a torch function without a Python-scalar overload: the scalar as a tensor
            ref = torch_binary(op, a, torch.tensor(b, dtype=torch.result_type(a, b)))
    except (RuntimeError, NotImplementedError) as error:
        assert_same_error(error, lambda: E.binary(op, a, b))
        return
    tol = None
    if op == "pow" and dtype in HALVES:
        tol = 2e-2
    assert_matches(E.binary(op, a, b), ref, tol)


@pytest.mark.slow
@SLOW_SETTINGS
@given(shape=shapes, layout=layouts, op=st.sampled_from(E.UNARY_OPS), dtype=st.sampled_from(SWEEP_DTYPES),
       seed=st.integers(0, 2**16))
def test_every_unary_op_dtype_and_layout(shape, layout, op, dtype, seed):
    x = make_layout(shape, layout, dtype, seed)
    try:
        ref = torch_unary(op)(x)
    except (RuntimeError, NotImplementedError) as error:
        if op in ("gelu", "gelu_tanh", "silu") and not dtype.is_floating_point:
            ref = torch_unary(op)(x.float())  # ours computes integers in the default float dtype
        else:
            assert_same_error(error, lambda: E.unary(op, x))
            return
    if op == "gelu" and dtype == torch.float32:
        ref = torch_unary(op)(x.double()).float()  # torch's vectorised fp32 gelu: nan at +inf
    assert_matches(E.unary(op, x), ref)


@pytest.mark.slow
@SLOW_SETTINGS
@given(shape=shapes, layouts_=st.tuples(layouts, layouts), op=st.sampled_from(DIFFERENTIABLE),
       dtype=st.sampled_from([torch.float32, torch.float64]), seed=st.integers(0, 2**16))
def test_unary_backward_any_layout(shape, layouts_, op, dtype, seed):
    x = make_layout(shape, layouts_[0], dtype, seed)
    if op in ("log", "sqrt", "rsqrt", "log1p"):
        x = E.unary("abs", x) + 0.25
    leaf = x.detach().clone().requires_grad_(True)
    y = torch_unary(op)(leaf)
    g = make_layout(shape, layouts_[1], dtype, seed + 1)
    (ref,) = torch.autograd.grad(y, leaf, g)
    saved = y.detach() if op in E.SAVED_OUTPUT_OPS else x
    mine = E.unary_backward(op, g, saved)
    assert mine.dtype == ref.dtype and mine.shape == ref.shape and mine.is_contiguous()
    tol = TOL[dtype] * 10
    got = mine.double()
    as_torch = torch.isclose(got, ref.double(), rtol=tol, atol=tol, equal_nan=True)
    if as_torch.all():
        return
    # An element may differ from torch's where the formula cancels (g (1 + out) for expm1 near
    # -1, Phi(x) = (1 + erf(x / sqrt 2)) / 2 in gelu's left tail, (1 + tanh u) / 2 and
    # 1 - tanh(u)^2 times x (1 + 0.134 x^2) in gelu_tanh's): there torch is not the truth
    # either, so such an element must be float64's result within that cancellation's
    # rounding, |g| ulp(1) (1 + |x| (1 + 0.134 x^2)) for gelu_tanh (x up to 10, beyond which
    # tanh is exactly +-1), |g| ulp(1) for the others.
    leaf64 = x.double().requires_grad_(True)
    (truth,) = torch.autograd.grad(torch_unary(op)(leaf64), leaf64, g.double())
    size = x.double().abs().clamp(max=10) if op == "gelu_tanh" else torch.zeros_like(truth)
    bound = tol * (truth.abs() + 1) + g.double().abs() * torch.finfo(dtype).eps * (
        1 + size * (1 + 0.134 * size**2))
    as_truth = torch.isclose(got, truth, equal_nan=True) | ((got - truth).abs() <= bound)
    assert (as_torch | as_truth).all(), (got, ref, truth)


def test_subtraction_with_a_bool_operand_errors_as_torch():
    x, mask = torch.ones(2), torch.tensor([True, False])
    for a, b in ((x, True), (mask, x), (mask, 1), (mask, mask)):
        with pytest.raises(RuntimeError) as theirs:
            torch.sub(a, b)
        with pytest.raises(RuntimeError) as mine:
            E.binary("sub", a, b)
        assert str(mine.value) == str(theirs.value)


_PTX_SCRIPT = """
import re, sys
import triton
from triton.backends.compiler import GPUTarget
from triton.compiler import ASTSource
from triton_kernels.elementwise import AOT_BUILDS
for index in map(int, sys.argv[1:]):
    build = AOT_BUILDS[index]
    names = list(build.signature)
    attrs = {(names.index(n),): [["tt.divisibility", 16]] for n in build.divisible}
    source = ASTSource(fn=build.kernel, signature=build.signature, constexprs=build.constexprs, attrs=attrs)
    compiled = triton.compile(source, target=GPUTarget("cuda", 80, 32),
                              options={"num_warps": build.num_warps, "num_stages": build.num_stages})
    print(index, " ".join(sorted(set(re.findall(r"(?:ld|st)\\.global[.\\w]*", compiled.asm["ptx"])))))
"""


@pytest.mark.slow
def test_contiguous_builds_use_16_byte_vector_memory_access(tmp_path):
    """The rank-1 fast path compiles (sm_80, no GPU needed) to 16-byte loads and stores; rank 5 to scalar."""
    picks = {i: b for i, b in enumerate(E.AOT_BUILDS) if b.config.startswith(("add ", "mul_backward "))}
    env = {k: v for k, v in os.environ.items() if k != "TRITON_INTERPRET"}
    env.update(TRITON_CACHE_DIR=str(tmp_path / "cache"), TRITON_DEFAULT_FP_FUSION="1")
    result = subprocess.run([sys.executable, "-c", _PTX_SCRIPT, *map(str, picks)], env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = dict(line.split(" ", 1) for line in result.stdout.strip().splitlines())
    assert len(lines) == len(picks) >= 8
    for index, build in picks.items():
        accesses = lines[str(index)]
        if "rank=1" in build.config:
            assert "ld.global.v4.b32" in accesses and "st.global.v4.b32" in accesses, (build.config, accesses)
        else:
            assert ".v4" not in accesses, (build.config, accesses)
