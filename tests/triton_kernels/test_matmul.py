"""triton_kernels.matmul against torch, through Triton's interpreter (see tests/conftest.py)."""

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from triton_kernels import count_launches
from triton_kernels import matmul as mm

TOL = {torch.float32: 1e-4, torch.float64: 1e-10, torch.float16: 1e-2, torch.bfloat16: 1e-2}


def assert_close(got, want):
    """Values, shape and dtype equal to torch's, at the dtype's tolerance (relative to the scale)."""
    assert got.shape == want.shape and got.dtype == want.dtype
    assert got.is_contiguous()
    tol = TOL[want.dtype]
    scale = want.abs().max().item() if want.numel() else 1.0
    torch.testing.assert_close(got, want, rtol=tol, atol=tol * max(1.0, scale))


def reference(a, b, bias=None, activation=None):
    """torch's result computed in fp64 and rounded once, like an fp32-accumulating kernel."""
    out = torch.matmul(a.double(), b.double())
    if bias is not None:
        out = out + bias.double()
    if activation == "relu":
        out = torch.relu(out)
    return out.to(a.dtype)


def randn(*shape, dtype=torch.float32):
    return torch.randn(shape, dtype=dtype)


SHAPES = [
    ((5, 7), (7, 3)),
    ((1, 1), (1, 1)),
    ((77, 33), (33, 129)),         # ragged tiles on every edge
    ((1100, 20), (20, 17)),        # more row tiles than GROUP_M: grouped order across groups
    ((3,), (3,)),                  # dot: 0-d result
    ((6,), (6, 4)),
    ((4, 6), (6,)),
    ((2, 5, 7), (7, 3)),           # batched @ matrix: b broadcast with stride 0
    ((7,), (2, 7, 3)),
    ((2, 5, 7), (7,)),
    ((3, 5, 7), (3, 7, 4)),
    ((2, 1, 5, 7), (3, 7, 4)),     # broadcast batch
    ((2, 3, 1, 4, 5), (3, 2, 5, 6)),  # three batch dims that do not collapse: a host loop
    ((0, 5), (5, 3)),
    ((4, 0), (0, 3)),              # K = 0: zeros
    ((2, 3, 1, 4, 0), (3, 2, 0, 6)),  # K = 0 in the host loop
    ((4, 5), (5, 0)),
]


@pytest.mark.parametrize("shape_a, shape_b", SHAPES)
def test_matmul_shapes_fp32(shape_a, shape_b):
    a, b = randn(*shape_a), randn(*shape_b)
    assert_close(mm.matmul(a, b), torch.matmul(a, b))


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float64])
@pytest.mark.parametrize("shape_a, shape_b", [((37, 70), (70, 19)), ((2, 9, 17), (17, 5))])
def test_matmul_dtypes(dtype, shape_a, shape_b):
    a, b = randn(*shape_a, dtype=dtype), randn(*shape_b, dtype=dtype)
    assert_close(mm.matmul(a, b), reference(a, b))


def test_matmul_fp64_is_fp64_accurate():
    a = torch.randn(40, 300, dtype=torch.float64)
    b = torch.randn(300, 30, dtype=torch.float64)
    torch.testing.assert_close(mm.matmul(a, b), a @ b, rtol=1e-13, atol=1e-12)


def strided_views():
    """Operands in every layout torch can hand over: transposed, sliced, expanded, offset."""
    a_t = randn(9, 5).t()                  # (5, 9), column-major
    b_t = randn(6, 9).t()                  # (9, 6)
    a_slice = randn(10, 20)[1::2, 3:12]    # (5, 9), row stride 40
    b_slice = randn(9, 13)[:, ::2]         # (9, 7), column stride 2
    a_expand = randn(1, 9).expand(5, 9)    # stride 0 rows
    b_batch_t = randn(3, 6, 9).transpose(1, 2)
    return [(a_t, b_t), (a_slice, b_slice), (a_expand, b_t), (a_t, b_batch_t),
            (randn(4, 3, 5, 9).permute(1, 0, 2, 3), randn(9, 2))]


@pytest.mark.parametrize("case", range(5))
def test_matmul_strided_operands_in_one_launch(case):
    a, b = strided_views()[case]
    with count_launches() as launches:
        got = mm.matmul(a, b)
    assert launches.by_kernel == {"_matmul_kernel": 1}  # no copy kernel, no host loop
    assert_close(got, torch.matmul(a, b))


def test_backward_products_on_transposed_views():
    """dA = g @ B^T and dB = A^T @ g of C = A @ B, as torch's autograd, with no copy."""
    a = torch.randn(13, 21, dtype=torch.float64, requires_grad=True)
    b = torch.randn(21, 8, dtype=torch.float64, requires_grad=True)
    g = torch.randn(13, 8, dtype=torch.float64)
    (a @ b).backward(g)
    with count_launches() as launches:
        grad_a = mm.matmul(g, b.detach().t())
        grad_b = mm.matmul(a.detach().t(), g)
    assert launches.total == 2
    torch.testing.assert_close(grad_a, a.grad, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(grad_b, b.grad, rtol=1e-12, atol=1e-12)


def test_inputs_unchanged():
    a, b = randn(7, 5), randn(5, 3)
    a0, b0 = a.clone(), b.clone()
    mm.matmul(a, b)
    mm.addmm(randn(3), a, b, activation="relu")
    assert torch.equal(a, a0) and torch.equal(b, b0)


BIASES = [(3,), (1, 3), (5, 1), (5, 3), ()]


@pytest.mark.parametrize("bias_shape", BIASES)
@pytest.mark.parametrize("activation", [None, "relu"])
def test_addmm(bias_shape, activation):
    a, b, bias = randn(5, 7), randn(7, 3), randn(*bias_shape)
    want = torch.addmm(bias, a, b)
    if activation == "relu":
        want = torch.relu(want)
    with count_launches() as launches:
        got = mm.addmm(bias, a, b, activation=activation)
    assert launches.total == 1
    assert_close(got, want)


def test_addmm_strided_bias_and_batched_operands():
    bias = randn(2, 6)[:, ::2]                       # (2, 3) with stride 2
    a = randn(4, 2, 5, 7)
    b = randn(7, 3)
    got = mm.addmm(bias[:, None, :], a, b)           # bias (2, 1, 3) broadcast to (4, 2, 5, 3)
    assert_close(got, torch.matmul(a, b) + bias[:, None, :])


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float64])
def test_addmm_dtypes(dtype):
    a, b, bias = randn(9, 40, dtype=dtype), randn(40, 11, dtype=dtype), randn(11, dtype=dtype)
    assert_close(mm.addmm(bias, a, b, activation="relu"), reference(a, b, bias, "relu"))


def test_addmm_relu_keeps_nan_and_negative_zero():
    a = torch.tensor([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    b = torch.tensor([[float("nan"), -2.0, 0.0], [0.0, 0.0, 0.0]])
    bias = torch.tensor([0.0, 0.0, -0.0])
    got = mm.addmm(bias, a, b, activation="relu")
    want = torch.relu(torch.addmm(bias, a, b))
    assert torch.equal(got.isnan(), want.isnan())
    assert torch.equal(torch.signbit(got), torch.signbit(want))
    assert torch.equal(got.nan_to_num(), want.nan_to_num())


def test_zero_k_addmm_is_bias():
    bias = randn(4, 3)
    assert_close(mm.addmm(bias, randn(4, 0), randn(0, 3)), bias.clone())


def test_precision_choice(monkeypatch):
    assert mm._precision(torch.float32, None) == "ieee"
    assert mm._precision(torch.float32, "tf32x3") == "tf32x3"
    assert mm._precision(torch.float16, "tf32") == "ieee"
    monkeypatch.setattr(mm, "allow_tf32", True)
    assert mm._precision(torch.float32, None) == "tf32"
    assert mm._precision(torch.float64, None) == "ieee"
    a, b = randn(6, 5), randn(5, 4)
    assert_close(mm.matmul(a, b), a @ b)  # the interpreter computes tf32 as ieee


def torch_error(fn, *args):
    with pytest.raises(Exception) as info:
        fn(*args)
    return info.type, str(info.value)


ERROR_CASES = [
    ((2, 3), (4, 5)),
    ((2, 2, 3), (2, 4, 5)),
    ((2, 2, 3), (4, 5)),
    ((2, 3), (2, 4, 5)),
    ((2, 2, 3), (3, 3, 5)),
    ((3,), (4,)),
    ((3,), (4, 5)),
    ((2, 3), (4,)),
    ((2, 2, 3), (4,)),
    ((), (4,)),
    ((4,), ()),
]


@pytest.mark.parametrize("shape_a, shape_b", ERROR_CASES)
def test_matmul_errors_are_torchs(shape_a, shape_b):
    a, b = randn(*shape_a), randn(*shape_b)
    want = torch_error(torch.matmul, a, b)
    assert torch_error(mm.matmul, a, b) == want


@pytest.mark.parametrize("dtypes", [(torch.float32, torch.float64), (torch.float16, torch.bfloat16)])
def test_matmul_dtype_mismatch(dtypes):
    a, b = randn(2, 3, dtype=dtypes[0]), randn(3, 4, dtype=dtypes[1])
    assert torch_error(mm.matmul, a, b) == torch_error(torch.matmul, a, b)


@pytest.mark.parametrize("bias_shape, bias_dtype", [((3,), torch.float32), ((2, 5, 7), torch.float32),
                                                    ((5,), torch.float64)])
def test_addmm_bias_errors_are_torchs(bias_shape, bias_dtype):
    a, b, bias = randn(2, 3), randn(3, 5), randn(*bias_shape, dtype=bias_dtype)
    assert torch_error(mm.addmm, bias, a, b) == torch_error(torch.addmm, bias, a, b)


def test_unsupported_dtype_and_arguments():
    a = torch.ones(2, 3, dtype=torch.int64)
    with pytest.raises(TypeError, match="int64"):
        mm.matmul(a, a.t())
    with pytest.raises(TypeError, match="bool"):
        mm.matmul(a.bool(), a.t().bool())
    with pytest.raises(TypeError, match="Tensor"):
        mm.matmul(randn(2, 3), [[1.0]])
    with pytest.raises(ValueError, match="activation"):
        mm.addmm(randn(3), randn(2, 3), randn(3, 3), activation="gelu")
    with pytest.raises(ValueError, match="input_precision"):
        mm.matmul(randn(2, 3), randn(3, 3), input_precision="fast")


def test_device_mismatch_raises_before_launch():
    with count_launches() as launches, pytest.raises(RuntimeError, match="same device"):
        mm.matmul(randn(2, 3), torch.empty(3, 4, device="meta"))
    assert launches.total == 0


@settings(max_examples=15, deadline=None)
@given(
    m=st.integers(1, 40), n=st.integers(1, 40), k=st.integers(1, 40),
    batch=st.sampled_from([(), (2,), (1, 3)]),
    transpose_a=st.booleans(), transpose_b=st.booleans(),
)
def test_matmul_property(m, n, k, batch, transpose_a, transpose_b):
    a = randn(*batch, k, m).transpose(-1, -2) if transpose_a else randn(*batch, m, k)
    b = randn(*batch, n, k).transpose(-1, -2) if transpose_b else randn(*batch, k, n)
    assert_close(mm.matmul(a, b), torch.matmul(a, b))


def test_aot_builds_cover_every_config_and_layout():
    labels = [(build.dtype, build.config) for build in mm.AOT_BUILDS]
    assert len(labels) == len(set(labels))
    assert all(mm.CONFIGS.values())
    assert {b.dtype for b in mm.AOT_BUILDS} == {"fp16", "bf16", "fp32", "fp64"}
    assert {b.config.split()[0] for b in mm.AOT_BUILDS} == {"NN", "NT", "TN"}
    for build in mm.AOT_BUILDS:
        assert set(build.signature) == set(mm._matmul_kernel.arg_names)
        assert {n for n, t in build.signature.items() if t == "constexpr"} == set(build.constexprs)


def test_autotuned_launch_path(monkeypatch):
    """The GPU path (autotuner, grid from the chosen config) with one small config, which the
    interpreter can run: 70x50 outputs in 32x32 tiles, grouped by 2, K in steps of 16."""
    import triton

    config = triton.Config({"BLOCK_M": 32, "BLOCK_N": 32, "BLOCK_K": 16, "GROUP_M": 2}, num_warps=4)
    tuned = triton.autotune(configs=[config], key=["M", "N", "K", "INPUT_PRECISION"])(mm._matmul_kernel)
    monkeypatch.setitem(mm._AUTOTUNED, "fp32", tuned)
    monkeypatch.setattr(mm, "interpreting", lambda: False)
    a, b, bias = randn(70, 40), randn(40, 50), randn(50)
    with count_launches() as launches:
        got = mm.addmm(bias, a, b, activation="relu")
    assert launches.by_kernel == {"_matmul_kernel": 1}
    assert_close(got, torch.relu(torch.addmm(bias, a, b)))
    assert_close(mm.matmul(a.t().t(), b), a @ b)


class _MatMul(torch.autograd.Function):
    """C = A @ B with both VJPs as this module's matmul on transposed views (fp64 gradcheck)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return mm.matmul(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return mm.matmul(grad, b.transpose(-1, -2)), mm.matmul(a.transpose(-1, -2), grad)


def test_fp64_gradcheck():
    a = torch.randn(2, 3, dtype=torch.float64, requires_grad=True)
    b = torch.randn(2, 3, 2, dtype=torch.float64)[1].requires_grad_()  # a view at an offset
    assert torch.autograd.gradcheck(_MatMul.apply, (a, b), eps=1e-6, atol=1e-8, rtol=1e-6)
