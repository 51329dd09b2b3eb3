"""The ``cuda`` device's semantics against torch's: availability, creation, moves,
default device, dtypes, torch's error texts, Module.to, optimizer state, save/load."""

import os
import subprocess
import sys

import numpy as np
import pytest
import torch

import tensor as T

MISMATCH = ("Expected all tensors to be on the same device, but found at least two devices, "
            "cuda:0 and cpu!")


def test_cuda_is_available_under_the_interpreter():
    assert os.environ["TRITON_INTERPRET"] == "1"
    assert T.cuda.is_available()
    assert T.cuda.device_count() == 1
    T.cuda.synchronize()
    device = "cuda" if T.cuda.is_available() else "cpu"
    assert T.zeros(2, device=device).device == T.device("cuda", 0)


def test_without_gpu_or_interpreter_cuda_is_unavailable_and_says_how_to_enable_it():
    env = {k: v for k, v in os.environ.items() if k != "TRITON_INTERPRET"}
    script = (
        "import tensor as T\n"
        "print(T.cuda.is_available(), T.cuda.device_count())\n"
        "T.cuda.manual_seed(0)\n"
        "x = T.ones(2)\n"
        "try:\n"
        "    T.zeros(2, device='cuda')\n"
        "except RuntimeError as error:\n"
        "    print(error)\n"
        "try:\n"
        "    x.cuda()\n"
        "except RuntimeError as error:\n"
        "    print(type(error).__name__, x.device)\n"
    )
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True,
                            timeout=120, check=True)
    lines = result.stdout.splitlines()
    assert lines[0] == "False 0"
    assert lines[1].startswith("Torch not compiled with CUDA enabled") and "TRITON_INTERPRET=1" in lines[1]
    assert lines[2] == "RuntimeError cpu"


def test_device_prints_and_compares_as_torch():
    x = T.ones(2, 3, device="cuda")
    assert str(x.device) == str(torch.device("cuda", 0)) == "cuda:0"
    assert repr(x.device) == repr(torch.device("cuda", 0))
    assert x.is_cuda and not T.ones(1).is_cuda
    assert x.device.type == "cuda" and x.device.index == 0
    with pytest.raises(RuntimeError, match="invalid device ordinal"):
        T.zeros(1, device="cuda:1")


@pytest.mark.parametrize("make", [
    lambda m, d: m.tensor([[1.5, -2.0], [3.0, 4.25]], device=d),
    lambda m, d: m.tensor([1, 2, 3], device=d),
    lambda m, d: m.tensor([True, False], device=d),
    lambda m, d: m.tensor(2.5, dtype=m.float64, device=d),
    lambda m, d: m.zeros(2, 3, device=d),
    lambda m, d: m.ones((3,), dtype=m.int64, device=d),
    lambda m, d: m.full((2, 2), 7.5, device=d),
    lambda m, d: m.full((2,), True, device=d),
    lambda m, d: m.zeros_like(m.ones(2, 3, dtype=m.float64), device=d),
    lambda m, d: m.ones_like(m.ones(4), device=d),
    lambda m, d: m.full_like(m.ones(2, 2), -1.25, device=d),
    lambda m, d: m.arange(0, 5, 2, device=d),
    lambda m, d: m.arange(0.5, 3.0, 0.5, device=d),
    lambda m, d: m.linspace(-3, 3, 7, device=d),
    lambda m, d: m.eye(3, 2, device=d),
], ids=lambda f: "")
def test_creation_functions_on_cuda_match_torch(make):
    ours, theirs = make(T, "cuda"), make(torch, "cpu")
    assert ours.device == T.device("cuda", 0)
    assert str(ours.dtype).split(".")[-1] == str(theirs.dtype).split(".")[-1]
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.cpu().numpy(), theirs.numpy())


def test_random_creation_on_cuda_is_seeded_and_in_range():
    T.cuda.manual_seed(3)
    a = T.rand(4, 5, device="cuda")
    T.manual_seed(3)
    b = T.rand(4, 5, device="cuda")
    np.testing.assert_array_equal(a.cpu().numpy(), b.cpu().numpy())
    assert a.dtype is T.float32 and a.device.type == "cuda"
    assert 0 <= a.cpu().numpy().min() and a.cpu().numpy().max() < 1
    n = T.randn(200, dtype=T.float64, device="cuda").cpu().numpy()
    assert abs(n.mean()) < 0.3 and 0.7 < n.std() < 1.3
    k = T.randint(2, 5, (50,), device="cuda")
    assert k.dtype is T.int64 and set(k.tolist()) <= {2, 3, 4}


def test_set_default_device_cuda():
    T.set_default_device("cuda")
    assert T.zeros(2).device.type == "cuda"
    assert T.tensor([1.0]).device.type == "cuda"
    assert T.from_numpy(np.ones(2)).device.type == "cpu"  # as torch: from_numpy stays on cpu
    T.set_default_device(None)
    assert T.zeros(2).device.type == "cpu"


def test_moves_keep_values_and_gradients_flow_back_as_torch():
    values = np.array([[1.0, -2.0, 3.5], [0.25, 5.0, -6.0]], dtype=np.float32)
    results = {}
    for m, to_cuda in ((torch, lambda t: t.to(torch.float64)), (T, lambda t: t.cuda())):
        x = m.tensor(values, requires_grad=True)
        y = to_cuda(x)
        assert y.grad_fn.name() == "ToCopyBackward0"
        (y.cpu() * 3).sum().backward() if m is T else (y * 3).sum().backward()
        results[m.__name__] = x.grad.numpy()
    np.testing.assert_array_equal(results["tensor"], results["torch"])

    x = T.tensor(values)
    assert x.to("cuda").to(T.ones(1)).device.type == "cpu"
    y = x.to("cuda", T.float64)
    assert y.dtype is T.float64 and y.device.type == "cuda"
    assert y.to(device="cuda") is y and y.cuda() is y
    assert x.to(y).device.type == "cuda" and x.to(y).dtype is T.float64
    np.testing.assert_array_equal(y.cpu().numpy(), values.astype(np.float64))
    assert y.cpu().tolist() == values.astype(np.float64).tolist()
    assert T.tensor(y).device.type == "cpu" and T.tensor(y, device="cuda").device.type == "cuda"
    assert T.tensor(4.5, device="cuda").item() == 4.5


def test_mixing_devices_raises_torchs_error_and_changes_nothing():
    a = T.ones(2, 3, device="cuda", requires_grad=True)
    b = T.ones(2, 3, requires_grad=True)
    for fn in (lambda: a + b, lambda: b * a, lambda: a @ b.t(), lambda: T.where(a > 0, a, b),
               lambda: a < b, lambda: T.maximum(b, a)):
        with pytest.raises(RuntimeError) as raised:
            fn()
        assert str(raised.value) == MISMATCH
    with pytest.raises(RuntimeError, match="same device"):
        a.detach().add_(b)
    assert a.grad is None and b.grad is None and a._version == 0
    np.testing.assert_array_equal(a.detach().cpu().numpy(), np.ones((2, 3), np.float32))


def test_zero_dim_cpu_tensor_joins_a_cuda_op_as_a_scalar_as_torch():
    x = T.tensor([1.0, 2.0], device="cuda", requires_grad=True)
    s = T.tensor(3.0, requires_grad=True)
    y = x * s
    assert y.device.type == "cuda"
    y.sum().backward()
    assert s.grad.device.type == "cpu" and s.grad.item() == 3.0
    np.testing.assert_array_equal(x.grad.cpu().numpy(), [3.0, 3.0])


def test_numpy_on_cuda_raises_torchs_text():
    x = T.ones(2, device="cuda")
    with pytest.raises(TypeError) as raised:
        x.numpy()
    assert str(raised.value) == ("can't convert cuda:0 device type tensor to numpy. Use Tensor.cpu() "
                                 "to copy the tensor to host memory first.")


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float32", "float64", "int64", "bool"])
def test_dtypes_on_cuda(dtype):
    ours = T.tensor([1.5, -2.0, 0.0], dtype=getattr(T, dtype), device="cuda")
    theirs = torch.tensor([1.5, -2.0, 0.0], dtype=getattr(torch, dtype))
    assert ours.dtype is getattr(T, dtype)
    np.testing.assert_array_equal(ours.float().cpu().numpy(), theirs.float().numpy())
    if dtype == "bfloat16":
        with pytest.raises(TypeError, match="bfloat16"):
            ours.cpu()  # numpy, the cpu storage, has no bfloat16
    else:
        assert ours.cpu().dtype is ours.dtype


def test_module_to_moves_parameters_in_place_as_torch():
    T.manual_seed(0)
    model = T.nn.Sequential(T.nn.Linear(3, 4), T.nn.ReLU(), T.nn.Linear(4, 2))
    params = list(model.parameters())
    before = [p.detach().numpy().copy() for p in params]
    model(T.ones(5, 3)).sum().backward()
    assert model.cuda() is model
    assert [id(p) for p in model.parameters()] == [id(p) for p in params]
    for p, values in zip(model.parameters(), before):
        assert p.device.type == "cuda" and p.is_leaf and p.requires_grad
        assert p.grad.device.type == "cuda"
        np.testing.assert_array_equal(p.detach().cpu().numpy(), values)
    out = model(T.ones(5, 3, device="cuda"))
    assert out.device.type == "cuda"
    model.to("cpu")
    assert all(p.device.type == "cpu" for p in model.parameters())
    model.to(T.ones(1, device="cuda"))
    assert all(p.device.type == "cuda" for p in model.parameters())


def test_save_load_cuda_tensors(tmp_path):
    x = T.tensor([[1.0, 2.0], [3.0, 4.0]], device="cuda", requires_grad=True)
    state = {"x": x, "n": T.arange(3, device="cuda")}
    path = tmp_path / "state.npz"
    T.save(state, path)
    on_cpu = T.load(path, map_location="cpu")
    assert on_cpu["x"].device.type == "cpu" and on_cpu["x"].requires_grad
    np.testing.assert_array_equal(on_cpu["x"].detach().numpy(), [[1.0, 2.0], [3.0, 4.0]])
    on_cuda = T.load(path, map_location="cuda")
    assert on_cuda["n"].device.type == "cuda" and on_cuda["n"].tolist() == [0, 1, 2]


def test_version_error_names_the_cuda_tensor_type_as_torch():
    x = T.ones(3, device="cuda", requires_grad=True)
    y = x * 1
    z = y.sin()
    y.add_(1)
    with pytest.raises(RuntimeError, match=r"\[torch\.cuda\.FloatTensor \[3\]\]"):
        z.sum().backward()


def test_load_without_map_location_restores_cuda_tensors(tmp_path):
    path = tmp_path / "t.npz"
    T.save({"w": T.ones(2, device="cuda")}, path)
    assert T.load(path)["w"].device.type == "cuda"


def test_hooks_on_a_moved_tensor_see_gradients_on_its_device():
    x = T.ones(3, requires_grad=True)
    y = x.cuda()
    y.retain_grad()
    seen = []
    y.register_hook(lambda g: seen.append(str(g.device)))
    y.grad_fn.register_prehook(lambda grads: seen.append(str(grads[0].device)))
    (y * 2).sum().backward()
    assert seen == ["cuda:0", "cuda:0"]
    assert str(y.grad.device) == "cuda:0" and str(x.grad.device) == "cpu"
    (g,) = T.autograd.grad((y * 3).sum(), y)
    assert str(g.device) == "cuda:0"
