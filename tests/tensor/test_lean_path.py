"""The lean dispatch path and engine fast paths keep every torch behaviour of the general path.

``apply_unary`` / ``apply_binary`` (tensor.autograd.function) take the common
elementwise case and fall back to ``Op.apply`` for anything else. These tests
run each op twice, on the lean path and forced onto the general path, and
require bitwise-equal values and gradients, the same dtype, shape, grad_fn
name, requires_grad and saved-tensor behaviour; then they check the cases
that must leave the lean path (and so keep torch's errors and promotion),
against torch.
"""

import gc

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import tensor
from tensor.autograd import function as function_module

BINARY = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b,
          "div": lambda a, b: a / b, "radd": lambda a, b: b + a, "rmul": lambda a, b: b * a}
UNARY = ["exp", "log", "sin", "cos", "tan", "tanh", "sigmoid", "sqrt", "rsqrt", "neg", "relu", "sign"]


def _force_general(patch):
    """Force every op onto the general path (Op.apply) inside ``patch``'s context."""
    import tensor._ops as ops

    for module in (function_module, ops):
        patch.setattr(module, "apply_unary", lambda cls, a: None)
        patch.setattr(module, "apply_binary", lambda cls, a, b: None)


def _run(fn, arrays, dtype, scalar):
    leaves = [tensor.tensor(a, dtype=dtype, requires_grad=True) for a in arrays]
    operands = list(leaves)
    if scalar is not None:
        operands[1] = scalar
    out = fn(*operands)
    out.sum().backward()
    return out, [leaf.grad for leaf in leaves[: 1 if scalar is not None else 2]]


def _same(lean, general):
    (out_l, grads_l), (out_g, grads_g) = lean, general
    assert out_l.dtype is out_g.dtype and out_l.shape == out_g.shape
    assert type(out_l.grad_fn).__name__ == type(out_g.grad_fn).__name__
    assert out_l.requires_grad == out_g.requires_grad
    np.testing.assert_array_equal(out_l.detach().numpy(), out_g.detach().numpy())
    for got, want in zip(grads_l, grads_g):
        assert (got is None) == (want is None)
        if got is not None:
            assert got.dtype is want.dtype
            np.testing.assert_array_equal(got.numpy(), want.numpy())


shapes = st.sampled_from([((3,), (3,)), ((2, 3), (3,)), ((2, 1), (1, 3)), ((), (2, 2)), ((4,), ())])


@settings(max_examples=60, deadline=None)
@given(name=st.sampled_from(sorted(BINARY)), pair=shapes, dtype=st.sampled_from(["float32", "float64"]),
       scalar=st.sampled_from([None, None, 2, -0.5, 3.25]), data=st.data())
def test_binary_lean_path_is_bitwise_the_general_path(name, pair, dtype, scalar, data):
    arrays = [data.draw(hnp.arrays(np.float64, shape, elements=st.floats(0.25, 4))) for shape in pair]
    dtype = getattr(tensor, dtype)
    lean = _run(BINARY[name], arrays, dtype, scalar)
    with pytest.MonkeyPatch.context() as patch:
        _force_general(patch)
        general = _run(BINARY[name], arrays, dtype, scalar)
    _same(lean, general)


@settings(max_examples=40, deadline=None)
@given(name=st.sampled_from(UNARY), shape=st.sampled_from([(), (3,), (2, 3)]),
       dtype=st.sampled_from(["float32", "float64"]), data=st.data())
def test_unary_lean_path_is_bitwise_the_general_path(name, shape, dtype, data):
    array = data.draw(hnp.arrays(np.float64, shape, elements=st.floats(0.25, 1.5)))
    dtype = getattr(tensor, dtype)
    fn = (lambda a: -a) if name == "neg" else (lambda a: getattr(tensor, name)(a))
    lean = _run(fn, [array], dtype, None)
    with pytest.MonkeyPatch.context() as patch:
        _force_general(patch)
        general = _run(fn, [array], dtype, None)
    _same(lean, general)


@pytest.mark.parametrize("make", [
    lambda m: (m.tensor([1, 2], dtype=m.int32), 2 ** 40),          # int overflow: torch's error
    lambda m: (m.tensor([1.0, 2.0]), m.tensor([1.0, 2.0, 3.0])),   # shapes that do not broadcast
    lambda m: (m.tensor([1.0, 2.0]), m.tensor([1.0, 2.0], dtype=m.float64)),  # promotion
    lambda m: (m.tensor([1, 2]), 0.5),                             # int tensor, float scalar
    lambda m: (m.tensor([1.0, 2.0], dtype=m.float16), 0.1),        # half: not a lean dtype
    lambda m: (m.tensor([True, False]), True),                     # bool
    lambda m: (m.tensor(2.0, dtype=m.float64), m.tensor([1.0, 2.0])),  # 0-d of another dtype
])
@pytest.mark.parametrize("op", ["add", "sub", "mul", "div"])
def test_cases_off_the_lean_path_behave_as_torch(make, op):
    def run(m):
        a, b = make(m)
        try:
            out = getattr(a, f"__{'truediv' if op == 'div' else op}__")(b)
        except Exception as error:  # noqa: BLE001 - compared with torch's
            return type(error).__name__
        return out.dtype, out.tolist()

    ours, theirs = run(tensor), run(torch)
    if isinstance(theirs, str):
        assert ours == theirs
    else:
        assert str(ours[0]).split(".")[-1] == str(theirs[0]).split(".")[-1]
        np.testing.assert_allclose(ours[1], theirs[1], rtol=1e-3)


def test_lean_path_respects_views_anomaly_and_no_grad():
    x = tensor.ones(2, 3, requires_grad=True)
    v = x[0]  # a view: general path
    assert type((v * 2).grad_fn).__name__ == "MulBackward0"
    with tensor.no_grad():
        y = x * 2
    assert not y.requires_grad and y.grad_fn is None
    with tensor.autograd.set_detect_anomaly(True):
        z = x * 2
        assert z.grad_fn._forward_trace is not None  # recorded by the general path


def test_lean_path_saves_only_what_backward_needs():
    """x * c with c not requiring grad keeps nothing of x: changing x in place later is no error."""
    x = tensor.ones(3, requires_grad=True)
    c = tensor.ones(3)
    h = x * 1.0
    y = h * c
    h.add_(1)  # h not saved by y's node
    y.sum().backward()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        h2 = x * 1.0
        out = c * h2  # c does not require grad, h2 does: c is saved, h2 is not
        out2 = h2 * h2  # both saved
        h2.mul_(2)
        (out + out2).sum().backward()


def test_lean_nodes_share_input_metadata_and_stay_few_gc_objects():
    """A chain of lean ops allocates few GC-tracked objects per op (the input metadata is shared)."""
    x0 = tensor.ones(4, requires_grad=True)
    b = tensor.ones(4)
    gc.collect()
    before = len(gc.get_objects())
    x = x0
    for _ in range(200):
        x = tensor.tanh(x * b + 1.0) - x * 0.5
    after = len(gc.get_objects())
    assert (after - before) / 1000 < 3.5, (after - before) / 1000  # 2.8 measured
    metas = {id(node._input_meta) for node in _nodes(x.grad_fn)}
    assert len(metas) <= 4  # one tuple per (shapes, dtype, backend) seen, not per node


def _nodes(root):
    seen, stack = set(), [root]
    while stack:
        node = stack.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        stack.extend(n for n, _ in node.next_functions)
    return [n for n in seen if type(n).__name__ != "AccumulateGrad"]


def test_accumulate_grad_takes_a_gradient_nothing_else_holds():
    """Linear's weight and bias gradients (views of temporaries) become .grad without a copy,
    while a gradient viewing memory the user holds is copied (changing .grad leaves it alone)."""
    linear = tensor.nn.Linear(5, 3)
    tensor.nn.functional.cross_entropy(tensor.relu(linear(tensor.randn(4, 5))),
                                       tensor.tensor([0, 1, 2, 0])).backward()
    assert linear.weight.grad.numpy().base is not None  # kept, not copied
    kept = tensor.ones(3, 2)

    class Returns(tensor.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, grad):
            return kept.t()

    a = tensor.ones(2, 3, requires_grad=True)
    Returns.apply(a).sum().backward()
    a.grad.add_(1)
    assert kept.sum().item() == 6.0
    hooked = []
    w = tensor.ones(3, requires_grad=True)
    w.register_hook(hooked.append)
    (w * 2).sum().backward()
    w.grad.add_(1)
    assert hooked[0].tolist() == [2.0, 2.0, 2.0]


@pytest.mark.parametrize("name", ["tanh", "sigmoid"])
def test_tanh_and_sigmoid_first_derivatives_are_torchs_backward_ops(name):
    """Under create_graph=True, tanh's and sigmoid's derivatives are recorded as torch records
    them (TanhBackwardBackward0 over (grad, out)), with torch's second and third derivatives."""
    def run(lib):
        x = lib.tensor([-1.5, 0.25, 2.0], dtype=lib.float64, requires_grad=True)
        w = lib.tensor([0.5, -2.0, 1.5], dtype=lib.float64, requires_grad=True)
        y = getattr(lib, name)(x)
        (g,) = lib.autograd.grad(y.sum(), x, create_graph=True)
        (gg,) = lib.autograd.grad((g * g * w).sum(), x, create_graph=True)
        gg.sum().backward()
        return type(g.grad_fn).__name__, g.tolist(), gg.tolist(), x.grad.tolist(), w.grad.tolist()

    ours, theirs = run(tensor), run(torch)
    assert ours[0] == theirs[0] == f"{name.capitalize()}BackwardBackward0"
    for got, want in zip(ours[1:], theirs[1:]):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_cross_entropys_common_case_is_bitwise_its_weighted_case(reduction, dtype):
    """cross_entropy without weights or ignored targets takes fewer numpy calls; with class weights
    of 1 the general formula runs, and both must give the same bits (loss and gradient)."""
    rng = np.random.default_rng(3)
    logits = rng.standard_normal((7, 5)) * 4
    target = tensor.tensor(rng.integers(0, 5, 7))

    def run(weight):
        x = tensor.tensor(logits, dtype=getattr(tensor, dtype), requires_grad=True)
        loss = tensor.nn.functional.cross_entropy(x, target, weight=weight, reduction=reduction)
        loss.sum().backward()
        return loss.detach().numpy(), x.grad.numpy()

    plain, weighted = run(None), run(tensor.ones(5, dtype=getattr(tensor, dtype)))
    for got, want in zip(plain, weighted):
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("device", ["cpu", "cuda"])
@pytest.mark.parametrize("op", ["add_", "fill_"])
def test_inplace_on_data_of_an_expanded_tensor_nothing_else_holds_as_torch(op, device):
    """Internal overlap is a matter of strides, not of who else holds the memory: ``.data`` of an
    expand()ed temporary still refuses add_ (torch's error) and lets fill_ write, as torch."""
    def run(lib, dev):
        d = lib.zeros(3, 1, device=dev).expand(3, 4).data
        try:
            getattr(d, op)(2)
        except RuntimeError as error:
            return str(error)
        return d.tolist()

    assert run(tensor, device) == run(torch, "cpu")


@settings(max_examples=40, deadline=None)
@given(name=st.sampled_from(["sum", "mean"]), shape=st.sampled_from([(), (1,), (3,), (2, 3), (2, 0)]),
       dtype=st.sampled_from(["float32", "float64"]), data=st.data())
def test_full_reductions_lean_path_is_bitwise_the_general_path(name, shape, dtype, data):
    array = data.draw(hnp.arrays(np.float64, shape, elements=st.floats(-4, 4)))
    dtype = getattr(tensor, dtype)

    def run():
        leaf = tensor.tensor(array, dtype=dtype, requires_grad=True)
        out = getattr(leaf, name)()
        (out * 3).backward()
        return out, [leaf.grad]

    lean = run()
    with pytest.MonkeyPatch.context() as patch:
        _force_general(patch)
        general = run()
    _same(lean, general)
    want = torch.tensor(array, dtype=getattr(torch, str(dtype).split(".")[1]), requires_grad=True)
    (getattr(want, name)() * 3).backward()
    np.testing.assert_allclose(lean[1][0].numpy(), want.grad.numpy(), rtol=1e-6)
    assert lean[1][0].stride() == want.grad.stride()


@settings(max_examples=40, deadline=None)
@given(name=st.sampled_from(["sum", "mean"]), shape=st.sampled_from([(3,), (2, 3), (2, 1, 4)]),
       keepdim=st.booleans(), data=st.data())
def test_reduction_vjps_on_storage_match_torch_first_and_second_order(name, shape, keepdim, data):
    # The fused VJP (no create_graph) and the Tensor backward (create_graph) of sum/mean over dims.
    dims = data.draw(st.lists(st.integers(0, len(shape) - 1), min_size=1, unique=True))
    array = data.draw(hnp.arrays(np.float64, shape, elements=st.floats(-2, 2)))
    results = []
    for lib in (tensor, torch):
        x = lib.tensor(array, dtype=lib.float64, requires_grad=True)
        y = getattr(x * x, name)(dim=dims, keepdim=keepdim)
        weights = lib.arange(y.numel(), dtype=lib.float64).reshape(y.shape) + 1
        (g,) = lib.autograd.grad((y * weights).sum(), x, create_graph=True)
        (gg,) = lib.autograd.grad((g * g).sum(), x)
        first = lib.autograd.grad(getattr(x * x, name)(dim=dims, keepdim=keepdim).sum(), x)[0]
        results.append([t.detach().numpy() for t in (y, g, gg, first)])
    for ours, theirs in zip(*results):
        np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("source, shape", [
    (np.array(2.5), (2, 3)), (np.array([[1.5]]), (4, 1, 2)), (np.array(1.0), ()),
    (np.array([7.0]), (3,)), (np.ones((2, 1)), (2, 3)), (np.array(1.0), (0, 3)),
])
def test_numpy_expand_is_broadcast_to_with_its_writability(source, shape):
    from tensor.backends import numpy_backend

    for writeable in (True, False):
        x = source.copy()
        x.flags.writeable = writeable
        got, want = numpy_backend.expand(x, shape), np.broadcast_to(x, shape)
        assert got.shape == want.shape and got.strides == want.strides and got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
        assert got.flags.writeable is writeable and np.shares_memory(got, x) == (x.size > 0 and got.size > 0)
    with pytest.raises(ValueError):
        numpy_backend.expand(np.array([1.0, 2.0]), (3,))


@pytest.mark.parametrize("shape, dim", [((0,), None), ((2, 0), None), ((2, 0), 1), ((0, 3), 0)])
def test_mean_of_an_empty_slice_is_nan_without_warnings_as_torch(shape, dim):
    import warnings

    results = []
    for lib in (tensor, torch):
        x = lib.zeros(shape, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            y = x.mean() if dim is None else x.mean(dim)
            y.sum().backward()
        results.append((y.detach().numpy(), x.grad.numpy()))
    (ours, our_grad), (theirs, their_grad) = results
    np.testing.assert_array_equal(ours, theirs)
    assert our_grad.shape == their_grad.shape


def test_exact_nodes_are_the_lean_ones_without_broadcasting():
    # The engine skips conform on an exact node's edges: only where the VJP gives each input's
    # own shape and dtype (a lean node whose operands share a shape, or a tensor and a number).
    x = tensor.ones(3, requires_grad=True)
    row = tensor.ones(2, 3, requires_grad=True)
    assert (x * x)._grad_fn._exact and (x * 2.0)._grad_fn._exact and x.exp()._grad_fn._exact
    assert x.sum()._grad_fn._exact
    assert not (row * x)._grad_fn._exact  # broadcasting: conform sums x's gradient back
    assert not (x.half() * 2)._grad_fn._exact  # the general path
    (row * x).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0, 2.0] and row.grad.shape == (2, 3)


@pytest.mark.parametrize("create_graph", [False, True])
@pytest.mark.parametrize("root", ["leaf", "exact", "sum"])
def test_a_root_gradient_of_another_dtype_is_cast_as_torch_casts_it(root, create_graph):
    results = []
    for lib in (tensor, torch):
        x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
        out = {"leaf": x, "exact": x * x, "sum": (x * x).sum()}[root]
        seed = lib.ones(out.shape, dtype=lib.float64)
        out.backward(seed, create_graph=create_graph)
        results.append((str(x.grad.dtype).split(".")[1], x.grad.tolist()))
    assert results[0] == results[1]


@pytest.mark.parametrize("shape", [(1,), (1, 1), (3,)])
def test_accumulated_gradient_of_a_reduction_has_torchs_strides(shape):
    # A reduction's gradient is a stride-0 view; AccumulateGrad must copy it rather than keep it,
    # even over size-1 dims (numpy calls such a view contiguous), as torch's layout contract does.
    strides = []
    for lib in (tensor, torch):
        x = lib.ones(shape, requires_grad=True)
        (x.sum() * 3).backward()  # the sum's gradient a temporary nothing else holds
        strides.append(x.grad.stride())
    assert strides[0] == strides[1]
