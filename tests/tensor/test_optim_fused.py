"""The cpu backend's fused SGD and Adam updates agree bitwise with the optimizers' tensor-op formulas.

The optimizers' ``_update_group`` is the readable formula; on cpu the numpy
backend's ``sgd_step_`` / ``adam_step_`` run it fused. Running the same
training twice, once with the fused update and once with the fused update
switched off (so the tensor ops run), must give identical parameters and
state, for every option; and both match torch (tests/tensor/test_optim.py).
"""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import tensor
from tensor.backends import numpy_backend

SGD_OPTIONS = st.fixed_dictionaries({
    "lr": st.sampled_from([0.1, 0.01, 1.0]),
    "momentum": st.sampled_from([0.0, 0.9, 0.5]),
    "dampening": st.sampled_from([0.0, 0.1]),
    "weight_decay": st.sampled_from([0.0, 0.01, 1]),
    "maximize": st.booleans(),
})
ADAM_OPTIONS = st.fixed_dictionaries({
    "lr": st.sampled_from([1e-3, 0.1]),
    "betas": st.sampled_from([(0.9, 0.999), (0.3, 0.5), (0.5, 0.9)]),
    "eps": st.sampled_from([1e-8, 1e-3]),
    "weight_decay": st.sampled_from([0.0, 0.01]),
    "amsgrad": st.booleans(),
    "maximize": st.booleans(),
    "decoupled_weight_decay": st.booleans(),
})


def _train(make_optimizer, dtype, fused: bool, steps: int = 4):
    """A few steps of a tiny least-squares problem; returns parameters and optimizer state."""
    with pytest.MonkeyPatch.context() as patch:
        if not fused:
            patch.delattr(numpy_backend, "sgd_step_")
            patch.delattr(numpy_backend, "adam_step_")
        rng = np.random.default_rng(0)
        w = tensor.tensor(rng.standard_normal((3, 4)), dtype=dtype, requires_grad=True)
        b = tensor.tensor(rng.standard_normal(4), dtype=dtype, requires_grad=True)
        x = tensor.tensor(rng.standard_normal((5, 3)), dtype=dtype)
        optimizer = make_optimizer([w, b])
        for _ in range(steps):
            optimizer.zero_grad()
            ((x @ w + b) ** 2).mean().backward()
            optimizer.step()
        state = [
            {key: value.numpy().copy() if isinstance(value, tensor.Tensor) else value
             for key, value in optimizer.state[p].items()}
            for p in (w, b)
        ]
        return [w.detach().numpy().copy(), b.detach().numpy().copy()], state, [w._version, b._version]


def _assert_same(fused, formula):
    (params_f, state_f, versions_f), (params_t, state_t, versions_t) = fused, formula
    for got, want in zip(params_f, params_t):
        assert got.dtype == want.dtype
        np.testing.assert_array_equal(got, want)
    for got, want in zip(state_f, state_t):
        assert got.keys() == want.keys()
        for key in got:
            np.testing.assert_array_equal(got[key], want[key])
    assert versions_f == versions_t


@settings(max_examples=25, deadline=None)
@given(options=SGD_OPTIONS, nesterov=st.booleans(), dtype=st.sampled_from(["float32", "float64"]))
def test_fused_sgd_is_bitwise_the_tensor_op_formula(options, nesterov, dtype):
    if nesterov and (options["momentum"] == 0 or options["dampening"] != 0):
        nesterov = False
    make = lambda params: tensor.optim.SGD(params, nesterov=nesterov, **options)  # noqa: E731
    dtype = getattr(tensor, dtype)
    _assert_same(_train(make, dtype, True), _train(make, dtype, False))


@settings(max_examples=25, deadline=None)
@given(options=ADAM_OPTIONS, dtype=st.sampled_from(["float32", "float64"]))
def test_fused_adam_is_bitwise_the_tensor_op_formula(options, dtype):
    make = lambda params: tensor.optim.Adam(params, **options)  # noqa: E731
    dtype = getattr(tensor, dtype)
    _assert_same(_train(make, dtype, True), _train(make, dtype, False))


@pytest.mark.parametrize("name", ["SGD", "Adam", "AdamW"])
def test_cpu_optimizers_take_the_fused_update(name, monkeypatch):
    """The cpu step really runs the backend's fused function (so the test above compares two paths)."""
    calls = []
    attribute = "sgd_step_" if name == "SGD" else "adam_step_"
    original = getattr(numpy_backend, attribute)
    monkeypatch.setattr(numpy_backend, attribute, lambda *a, **k: calls.append(1) or original(*a, **k))
    w = tensor.ones(3, requires_grad=True)
    optimizer = getattr(tensor.optim, name)([w], lr=0.1)
    (w * w).sum().backward()
    optimizer.step()
    assert calls == [1]
