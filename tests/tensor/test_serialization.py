"""tensor.save / tensor.load: tensors, model and optimizer state dicts round-trip through
an .npz file with no pickle, and the loaded state restores training exactly."""

import io
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

import tensor as T
import tensor.nn  # noqa: F401
import tensor.optim  # noqa: F401
from tensor.serialization import load, save


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "bool"])
@pytest.mark.parametrize("shape", [(), (3,), (2, 3, 4)])
def test_tensor_round_trip(tmp_path, dtype, shape):
    values = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape) % 3
    t = T.tensor(values.astype(dtype))
    path = tmp_path / "t.pt"
    save(t, path)
    loaded = load(path)
    assert isinstance(loaded, T.Tensor) and loaded.dtype == t.dtype and loaded.shape == t.shape
    np.testing.assert_array_equal(loaded.numpy(), t.numpy())


def test_exact_path_npz_contents_and_no_pickle(tmp_path):
    path = tmp_path / "model.pt"
    save({"w": T.ones(2), "nested": {"lr": 0.1}}, str(path))
    assert path.exists() and not (tmp_path / "model.pt.npz").exists()
    with zipfile.ZipFile(path) as archive:
        assert sorted(archive.namelist()) == ["__structure__.npy", "tensor_0.npy"]
    with np.load(path, allow_pickle=False) as arrays:
        assert arrays["tensor_0"].tolist() == [1.0, 1.0]


def test_nested_structures_keep_their_types(tmp_path):
    shared = T.tensor([1.5, -2.0])
    obj = OrderedDict(a=shared, b={0: [1, 2.5, float("inf"), None, True, "text"],
                                   "t": (0.9, 0.999)}, c=shared)
    path = tmp_path / "obj.npz"
    save(obj, path)
    loaded = load(path)
    assert type(loaded) is OrderedDict and list(loaded) == ["a", "b", "c"]
    assert loaded["a"] is loaded["c"]
    assert loaded["b"][0] == [1, 2.5, float("inf"), None, True, "text"]
    assert type(loaded["b"][0][0]) is int and type(loaded["b"][0][4]) is bool
    assert loaded["b"]["t"] == (0.9, 0.999)
    assert list(loaded["b"]) == [0, "t"]


def test_parameters_and_requires_grad_survive(tmp_path):
    path = tmp_path / "p.pt"
    save([T.nn.Parameter(T.ones(2)), T.ones(1, requires_grad=True), T.ones(1)], path)
    param, leaf, plain = load(path)
    assert isinstance(param, T.nn.Parameter) and param.requires_grad
    assert leaf.requires_grad and not isinstance(leaf, T.nn.Parameter)
    assert not plain.requires_grad


def test_file_objects(tmp_path):
    buffer = io.BytesIO()
    save({"x": T.arange(5)}, buffer)
    buffer.seek(0)
    assert load(buffer)["x"].tolist() == [0, 1, 2, 3, 4]


def test_unsupported_objects_are_refused(tmp_path):
    with pytest.raises(TypeError, match="tensor.save can store"):
        save({"f": lambda: 0}, tmp_path / "bad.pt")
    np.savez(tmp_path / "plain.npz", x=np.ones(2))
    with pytest.raises(RuntimeError, match="not a file written by tensor.save"):
        load(tmp_path / "plain.npz")


def test_model_and_optimizer_checkpoint_resumes_exactly(tmp_path):
    def model_and_optimizer():
        model = T.nn.Sequential(T.nn.Linear(3, 5), T.nn.Tanh(), T.nn.Linear(5, 2))
        return model, T.optim.Adam(model.parameters(), lr=0.01, amsgrad=True)

    x, y = T.randn(8, 3), T.randn(8, 2)

    def train(model, optimizer, steps):
        for _ in range(steps):
            optimizer.zero_grad()
            T.nn.functional.mse_loss(model(x), y).backward()
            optimizer.step()

    T.manual_seed(0)
    model, optimizer = model_and_optimizer()
    train(model, optimizer, 3)
    path = tmp_path / "checkpoint.pt"
    save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "epoch": 3}, path)
    train(model, optimizer, 4)

    restored_model, restored_optimizer = model_and_optimizer()
    checkpoint = load(path)
    restored_model.load_state_dict(checkpoint["model"])
    restored_optimizer.load_state_dict(checkpoint["optimizer"])
    assert checkpoint["epoch"] == 3
    train(restored_model, restored_optimizer, 4)
    for p, q in zip(model.parameters(), restored_model.parameters(), strict=True):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy())


def test_loading_a_mismatched_checkpoint_changes_nothing(tmp_path):
    path = tmp_path / "small.pt"
    save(T.nn.Linear(3, 2).state_dict(), path)
    model = T.nn.Linear(4, 2)
    before = model.weight.detach().numpy().copy()
    with pytest.raises(RuntimeError, match="size mismatch for weight"):
        model.load_state_dict(load(path))
    np.testing.assert_array_equal(model.weight.detach().numpy(), before)
