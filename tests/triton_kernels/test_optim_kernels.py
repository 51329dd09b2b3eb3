"""triton_kernels.optim against torch.optim's single-tensor (foreach=False) SGD and Adam, bit for bit.

torch's CPU ``Tensor.sqrt`` is vectorised through Sleef (within 0.5001 ulp, so not always
correctly rounded: about 1 element in 100 differs by one ulp from the IEEE square root),
while the kernel (like torch on CUDA) uses the correctly rounded one. The bitwise Adam
tests therefore run torch.optim.Adam with ``Tensor.sqrt`` replaced by numpy's correctly
rounded sqrt, every other op being torch's own; a separate test compares with the
unpatched torch within that one-ulp difference.

fp16/bf16: torch's CPU kernels compute the vectorised body of a tensor in fp32 and round
once per op (as the kernel does), but the last ``numel % 32`` elements (the scalar tail
of an AVX-512 loop) in half arithmetic, rounding ``alpha * other`` before the add. The
kernel does not imitate that artefact of torch's loop split: the bitwise half tests use
a numel that is a multiple of 64 (no tail), and a ragged half shape is compared within
half precision.
"""

import numpy as np
import pytest
import torch
import triton
import triton.language as tl

from triton_kernels import count_launches
from triton_kernels import optim as O
from triton_kernels._common import round_to_bf16

DTYPES = [torch.float32, torch.float64, torch.float16, torch.bfloat16]
STEPS = 4


def correctly_rounded_sqrt(t):
    """IEEE sqrt (numpy's) in t's dtype; half types through fp32, as torch computes them."""
    data = t.detach().cpu()
    if data.dtype in (torch.float16, torch.bfloat16):
        return torch.from_numpy(np.sqrt(data.float().numpy())).to(data.dtype)
    return torch.from_numpy(np.sqrt(data.numpy()))


@pytest.fixture
def ieee_sqrt(monkeypatch):
    monkeypatch.setattr(torch.Tensor, "sqrt", correctly_rounded_sqrt)


def make_problem(dtype, shape=None, steps=STEPS, seed=0):
    if shape is None:
        shape = (32, 48) if dtype in (torch.float16, torch.bfloat16) else (37, 29)
    gen = torch.Generator().manual_seed(seed)
    param = torch.randn(shape, generator=gen).to(dtype)
    grads = [torch.randn(shape, generator=gen).to(dtype) for _ in range(steps)]
    return param, grads


def assert_bitwise(got, want):
    assert got.dtype == want.dtype and got.shape == want.shape
    same = (got == want) | (got.isnan() & want.isnan())
    assert bool(same.all()), f"{int((~same).sum())} of {got.numel()} elements differ"


def run_torch_sgd(param, grads, **hyper):
    p = param.clone().requires_grad_()
    opt = torch.optim.SGD([p], foreach=False, **hyper)
    for g in grads:
        p.grad = g.clone()
        opt.step()
    return p.detach(), opt.state[p].get("momentum_buffer")


def run_kernel_sgd(param, grads, **hyper):
    p = param.clone()
    buf = torch.full_like(p, float("nan"))  # first_step must ignore the old contents
    for i, g in enumerate(grads):
        O.sgd_step_(p, g, buf, first_step=i == 0, **hyper)
    return p, buf


SGD_CASES = [
    dict(lr=0.1),
    dict(lr=0.05, weight_decay=0.01),
    dict(lr=0.1, momentum=0.9),
    dict(lr=0.1, momentum=0.9, dampening=0.3, weight_decay=1e-3),
    dict(lr=0.1, momentum=0.8, nesterov=True, weight_decay=1e-2),
    dict(lr=0.3, momentum=0.5, nesterov=True, maximize=True),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("hyper", SGD_CASES)
def test_sgd_bitwise(dtype, hyper):
    param, grads = make_problem(dtype)
    want_p, want_buf = run_torch_sgd(param, grads, **hyper)
    got_p, got_buf = run_kernel_sgd(param, grads, **hyper)
    assert_bitwise(got_p, want_p)
    if want_buf is not None:
        assert_bitwise(got_buf, want_buf)


def run_torch_adam(param, grads, decoupled=False, **hyper):
    p = param.clone().requires_grad_()
    opt = (torch.optim.AdamW if decoupled else torch.optim.Adam)([p], foreach=False, **hyper)
    for g in grads:
        p.grad = g.clone()
        opt.step()
    return p.detach(), opt.state[p]


def run_kernel_adam(param, grads, decoupled=False, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                    amsgrad=False, maximize=False):
    p = param.clone()
    exp_avg, exp_avg_sq, max_sq = (torch.zeros_like(p) for _ in range(3))
    for i, g in enumerate(grads):
        O.adam_step_(p, g, exp_avg, exp_avg_sq, max_sq if amsgrad else None, step=i + 1, lr=lr,
                     beta1=betas[0], beta2=betas[1], eps=eps, weight_decay=weight_decay, decoupled=decoupled,
                     amsgrad=amsgrad, maximize=maximize)
    return p, {"exp_avg": exp_avg, "exp_avg_sq": exp_avg_sq, "max_exp_avg_sq": max_sq}


ADAM_CASES = [
    dict(lr=1e-2),
    dict(lr=1e-2, betas=(0.3, 0.99), eps=1e-6),          # lerp weight 0.7 >= 0.5: torch's other branch
    dict(lr=1e-2, weight_decay=0.1),                      # L2 penalty on the gradient
    dict(lr=1e-2, weight_decay=0.1, decoupled=True),      # AdamW
    dict(lr=3e-2, amsgrad=True, maximize=True),
    dict(lr=1e-2, weight_decay=0.05, decoupled=True, amsgrad=True),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("hyper", ADAM_CASES)
def test_adam_bitwise(ieee_sqrt, dtype, hyper):
    if dtype == torch.float16:
        hyper = {**hyper, "eps": 1e-3}  # 1e-8 is 0 in fp16: both would divide by zero
    param, grads = make_problem(dtype)
    want_p, want_state = run_torch_adam(param, grads, **hyper)
    got_p, got_state = run_kernel_adam(param, grads, **hyper)
    assert_bitwise(got_p, want_p)
    names = ("exp_avg", "exp_avg_sq") + (("max_exp_avg_sq",) if hyper.get("amsgrad") else ())
    for name in names:
        assert_bitwise(got_state[name], want_state[name])


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16])
def test_half_ragged_within_half_precision(dtype):
    param, grads = make_problem(dtype, shape=(37, 29))
    want_p, _ = run_torch_sgd(param, grads, lr=0.1, momentum=0.9, weight_decay=0.01)
    got_p, _ = run_kernel_sgd(param, grads, lr=0.1, momentum=0.9, weight_decay=0.01)
    torch.testing.assert_close(got_p, want_p, rtol=1e-2, atol=1e-2)
    want_p, _ = run_torch_adam(param, grads, lr=1e-2, eps=1e-3)
    got_p, _ = run_kernel_adam(param, grads, lr=1e-2, eps=1e-3)
    torch.testing.assert_close(got_p, want_p, rtol=1e-2, atol=1e-2)


def test_adam_against_unpatched_torch_within_one_ulp_of_sqrt():
    param, grads = make_problem(torch.float32, shape=(64, 65), steps=5)
    want_p, want_state = run_torch_adam(param, grads, lr=1e-2, weight_decay=0.1, decoupled=True)
    got_p, got_state = run_kernel_adam(param, grads, lr=1e-2, weight_decay=0.1, decoupled=True)
    assert_bitwise(got_state["exp_avg"], want_state["exp_avg"])      # no sqrt on the way
    assert_bitwise(got_state["exp_avg_sq"], want_state["exp_avg_sq"])
    equal = (got_p == want_p).float().mean().item()
    assert equal > 0.95
    torch.testing.assert_close(got_p, want_p, rtol=2e-7, atol=1e-8)


def test_one_launch_per_step_and_in_place():
    param, grads = make_problem(torch.float32)
    p, exp_avg, exp_avg_sq = param.clone(), torch.zeros_like(param), torch.zeros_like(param)
    pointers = (p.data_ptr(), exp_avg.data_ptr(), exp_avg_sq.data_ptr())
    grad = grads[0].clone()
    with count_launches() as launches:
        O.adam_step_(p, grad, exp_avg, exp_avg_sq, step=1, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8)
        O.sgd_step_(p, grad, exp_avg, lr=0.1, momentum=0.9)
    assert launches.by_kernel == {"_adam_kernel": 1, "_sgd_kernel": 1}
    assert (p.data_ptr(), exp_avg.data_ptr(), exp_avg_sq.data_ptr()) == pointers
    assert torch.equal(grad, grads[0])
    assert not torch.equal(p, param)


@pytest.mark.parametrize("layout", ["transposed", "sliced", "4d", "0d", "empty"])
def test_strided_tensors(layout):
    """Parameters and state of any strides, updated where they lie, as torch updates them."""
    base, grads = make_problem(torch.float32, shape=(6, 10), steps=2)
    views = {
        "transposed": lambda t: t.t(),
        "sliced": lambda t: t[1::2, ::3],
        "4d": lambda t: t.reshape(2, 3, 2, 5).permute(3, 1, 0, 2)[::2],  # (3, 3, 2, 2): 4 dims, no collapse
        "0d": lambda t: t[2, 3],
        "empty": lambda t: t[:0],
    }[layout]
    storage = base.clone()
    p = views(storage)
    grad_view = views(grads[0].clone().t().contiguous().t())  # a column-major gradient
    exp_avg = torch.zeros_like(p)
    exp_avg_sq = torch.zeros(p.shape[::-1]).t() if p.dim() == 2 else torch.zeros_like(p)  # its own layout
    want_p, want_state = run_torch_adam(p.clone(), [grad_view.clone()], lr=0.01)
    O.adam_step_(p, grad_view, exp_avg, exp_avg_sq, step=1, lr=0.01, beta1=0.9, beta2=0.999, eps=1e-8)
    torch.testing.assert_close(p, want_p, rtol=2e-7, atol=0)
    assert_bitwise(exp_avg, want_state["exp_avg"])
    untouched = torch.ones_like(storage, dtype=torch.bool)
    views(untouched).fill_(False)
    assert torch.equal(storage[untouched], base[untouched])  # nothing outside the view was written


def test_first_step_ignores_buffer_and_momentum_zero_needs_none():
    param, grads = make_problem(torch.float32, steps=1)
    want, want_buf = run_torch_sgd(param, grads, lr=0.1, momentum=0.9)
    got = param.clone()
    buf = torch.full_like(got, 7.0)
    O.sgd_step_(got, grads[0], buf, lr=0.1, momentum=0.9, first_step=True)
    assert_bitwise(got, want)
    assert_bitwise(buf, want_buf)
    plain = param.clone()
    O.sgd_step_(plain, grads[0], None, lr=0.1)
    assert_bitwise(plain, run_torch_sgd(param, grads, lr=0.1)[0])


def unchanged_after(fn, *tensors):
    before = [t.clone() for t in tensors]
    with count_launches() as launches:
        fn()
    assert launches.total == 0
    for t, b in zip(tensors, before):
        assert torch.equal(t, b)


@pytest.mark.parametrize("hyper, message", [
    (dict(lr=-1.0), "Invalid learning rate: -1.0"),
    (dict(lr=0.1, momentum=-0.5), "Invalid momentum value: -0.5"),
    (dict(lr=0.1, weight_decay=-1.0), "Invalid weight_decay value: -1.0"),
    (dict(lr=0.1, nesterov=True), "Nesterov momentum requires a momentum and zero dampening"),
    (dict(lr=0.1, momentum=0.9, dampening=0.1, nesterov=True), "Nesterov momentum requires"),
])
def test_sgd_hyperparameter_errors_are_torchs(hyper, message):
    p, g, buf = torch.ones(3), torch.ones(3), torch.ones(3)
    with pytest.raises(ValueError, match=message):
        torch.optim.SGD([p.clone().requires_grad_()], foreach=False, **hyper)
    with pytest.raises(ValueError, match=message):
        unchanged_after(lambda: O.sgd_step_(p, g, buf, **hyper), p, g, buf)


@pytest.mark.parametrize("hyper, message", [
    (dict(lr=-1.0), "Invalid learning rate: -1.0"),
    (dict(eps=-1.0), "Invalid epsilon value: -1.0"),
    (dict(beta1=1.0), "Invalid beta parameter at index 0: 1.0"),
    (dict(beta2=-0.1), "Invalid beta parameter at index 1: -0.1"),
    (dict(weight_decay=-0.1), "Invalid weight_decay value: -0.1"),
])
def test_adam_hyperparameter_errors_are_torchs(hyper, message):
    defaults = dict(lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0)
    settings = {**defaults, **hyper}
    with pytest.raises(ValueError, match=message):
        torch.optim.Adam([torch.ones(1, requires_grad=True)], foreach=False, lr=settings["lr"],
                         betas=(settings["beta1"], settings["beta2"]), eps=settings["eps"],
                         weight_decay=settings["weight_decay"])
    p, g, m, v = (torch.ones(3) for _ in range(4))
    with pytest.raises(ValueError, match=message):
        unchanged_after(lambda: O.adam_step_(p, g, m, v, step=1, **settings), p, g, m, v)


def test_tensor_errors_change_nothing():
    p, g, m, v = (torch.ones(4) for _ in range(4))
    adam = dict(step=1, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8)
    with pytest.raises(RuntimeError, match=r"size of tensor a \(4\) must match the size of tensor b \(5\)"):
        unchanged_after(lambda: O.adam_step_(p, torch.ones(5), m, v, **adam), p, m, v)
    with pytest.raises(RuntimeError, match="dtype"):
        unchanged_after(lambda: O.sgd_step_(p, g.double(), None, lr=0.1), p)
    with pytest.raises(TypeError, match="int64"):
        q = torch.ones(4, dtype=torch.int64)
        unchanged_after(lambda: O.sgd_step_(q, q.clone(), None, lr=0.1), q)
    with pytest.raises(RuntimeError, match="same device"):
        unchanged_after(lambda: O.sgd_step_(p, torch.empty(4, device="meta"), None, lr=0.1), p)
    with pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        expanded = torch.ones(1).expand(4)
        unchanged_after(lambda: O.sgd_step_(expanded, g, None, lr=0.1), g)
    with pytest.raises(ValueError, match="momentum_buffer"):
        unchanged_after(lambda: O.sgd_step_(p, g, None, lr=0.1, momentum=0.9), p)
    with pytest.raises(ValueError, match="max_exp_avg_sq"):
        unchanged_after(lambda: O.adam_step_(p, g, m, v, amsgrad=True, **adam), p, m, v)
    with pytest.raises(ValueError, match="step"):
        unchanged_after(lambda: O.adam_step_(p, g, m, v, **{**adam, "step": 0}), p, m, v)


def test_expanded_gradient_is_read_in_place():
    """A stride-0 (expanded) gradient, as autograd hands out for sum(): read, never written."""
    param, _ = make_problem(torch.float32, shape=(5, 7), steps=0)
    grad = torch.full((1, 1), 0.5).expand(5, 7)
    want, _ = run_torch_sgd(param, [grad.clone()], lr=0.1, weight_decay=0.01)
    got = param.clone()
    O.sgd_step_(got, grad, None, lr=0.1, weight_decay=0.01)
    assert_bitwise(got, want)


def test_aot_builds():
    assert {b.dtype for b in O.AOT_BUILDS} == {"fp16", "bf16", "fp32", "fp64"}
    for build in O.AOT_BUILDS:
        assert set(build.signature) == set(build.kernel.arg_names)
        assert {n for n, t in build.signature.items() if t == "constexpr"} == set(build.constexprs)


@triton.jit
def _round_to_bf16_kernel(x_ptr, y_ptr, BLOCK: tl.constexpr):
    offsets = tl.arange(0, BLOCK)
    tl.store(y_ptr + offsets, round_to_bf16(tl.load(x_ptr + offsets)))


def test_round_to_bf16_is_torchs_rounding():
    """_common.round_to_bf16 (used where the interpreter's bf16 conversion truncates) rounds as torch."""
    ties = [1.0 + 2**-8, 1.0 + 3 * 2**-8, -(1.0 + 2**-8)]  # exactly halfway: to even
    special = ties + [1.9999999, 3.3895e38, float("inf"), float("-inf"), float("nan"), 0.0, -0.0]
    special += [1e-40, -3e-39]  # subnormal
    scales = 10.0 ** torch.randint(-30, 30, (1024 - len(special),))
    x = torch.cat([torch.tensor(special), torch.randn(1024 - len(special)) * scales])
    y = torch.empty(1024, dtype=torch.bfloat16)
    _round_to_bf16_kernel[(1,)](x, y, BLOCK=1024)
    assert_bitwise(y, x.to(torch.bfloat16))


def test_bf16_subnormals_survive_the_interpreter():
    """Tiny bf16 parameters and state (subnormal, below 1.2e-38) are read and written exactly."""
    param, grads = make_problem(torch.bfloat16, steps=2)
    param, grads = param * 1e-39, [g * 1e-39 for g in grads]
    assert (param.abs() < 1.17e-38).all() and (param != 0).any()
    want, want_buf = run_torch_sgd(param, grads, lr=0.5, momentum=0.5)
    got, got_buf = run_kernel_sgd(param, grads, lr=0.5, momentum=0.5)
    assert_bitwise(got, want)
    assert_bitwise(got_buf, want_buf)
