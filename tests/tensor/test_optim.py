"""tensor.optim.SGD and Adam against torch.optim: every option of the update rule over
several steps, parameter groups, zero_grad, closures, state dicts, and torch's errors
(with nothing changed by a failed call)."""

import warnings

import numpy as np
import pytest
import torch

import tensor as T
import tensor.nn  # noqa: F401
import tensor.optim  # noqa: F401  (makes T.optim available before the package wires it)


def make_params(module, dtype, seed=0):
    rng = np.random.default_rng(seed)
    shapes = [(3, 4), (4,), (2, 3)]
    return [module.tensor(rng.standard_normal(s).astype(dtype), requires_grad=True)
            for s in shapes]


def objective(module, params):
    """A smooth loss with gradients of varied sizes and signs in every parameter."""
    w, b, v = params
    x = module.tensor(np.linspace(-1.0, 1.0, 8).reshape(2, 4).astype(str(w.dtype).split(".")[-1]))
    hidden = module.tanh(x @ w.t() + b[:3] * 0.5) @ v.t()
    return (hidden**2).sum() + (b**2).sum() * 0.3 + (w**3).mean()


def run(module, optimizer_name, options, dtype, steps, groups=False):
    params = make_params(module, dtype)
    optimizer_class = getattr(module.optim, optimizer_name)
    if groups:
        optimizer = optimizer_class([{"params": params[:2]},
                                     {"params": params[2:], "lr": 0.05}], **options)
    else:
        optimizer = optimizer_class(params, **options)
    # maximize climbs -objective: the same well-conditioned valley, so float32 stays close.
    sign = -1.0 if options.get("maximize") else 1.0
    history = []
    for _ in range(steps):
        optimizer.zero_grad()
        (sign * objective(module, params)).backward()
        optimizer.step()
        history.append([p.detach().numpy().copy() for p in params])
    return history, optimizer


SGD_OPTIONS = [
    dict(lr=0.1),
    dict(lr=0.1, momentum=0.9),
    dict(lr=0.1, momentum=0.9, dampening=0.5),
    dict(lr=0.1, momentum=0.9, nesterov=True),
    dict(lr=0.05, momentum=0.5, weight_decay=0.1),
    dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01, maximize=True),
]
ADAM_OPTIONS = [
    dict(),
    dict(lr=0.01),
    dict(lr=0.01, betas=(0.5, 0.9), eps=1e-6),
    dict(lr=0.01, betas=(0.3, 0.99)),
    dict(lr=0.01, weight_decay=0.1),
    dict(lr=0.01, amsgrad=True),
    dict(lr=0.01, weight_decay=0.1, amsgrad=True, maximize=True),
    dict(lr=0.01, weight_decay=0.1, decoupled_weight_decay=True),
]
CASES = [("SGD", o) for o in SGD_OPTIONS] + [("Adam", o) for o in ADAM_OPTIONS]


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("name,options", CASES, ids=lambda v: str(v))
def test_updates_match_torch(name, options, dtype):
    ours, _ = run(T, name, options, dtype, steps=12)
    expected, _ = run(torch, name, options, dtype, steps=12)
    tol = dict(rtol=1e-10, atol=1e-12) if dtype == "float64" else dict(rtol=2e-5, atol=2e-6)
    for step, (mine, theirs) in enumerate(zip(ours, expected, strict=True)):
        for i, (p, q) in enumerate(zip(mine, theirs, strict=True)):
            np.testing.assert_allclose(p, q, err_msg=f"step {step}, param {i}", **tol)


@pytest.mark.parametrize("name", ["SGD", "Adam"])
def test_param_groups_match_torch(name):
    options = dict(lr=0.01, momentum=0.9) if name == "SGD" else dict(lr=0.01)
    ours, optimizer = run(T, name, options, "float64", steps=5, groups=True)
    expected, reference = run(torch, name, options, "float64", steps=5, groups=True)
    for p, q in zip(ours[-1], expected[-1], strict=True):
        np.testing.assert_allclose(p, q, rtol=1e-10)
    assert [g["lr"] for g in optimizer.param_groups] == [0.01, 0.05]
    ours_keys = set(optimizer.param_groups[0])
    assert ours_keys <= set(reference.param_groups[0])
    assert {"params", "lr", "maximize", "weight_decay"} <= ours_keys


def test_state_layout_matches_torch():
    _, optimizer = run(T, "Adam", dict(amsgrad=True), "float32", steps=3)
    _, reference = run(torch, "Adam", dict(amsgrad=True), "float32", steps=3)
    ours, theirs = optimizer.state_dict(), reference.state_dict()
    assert list(ours["state"]) == list(theirs["state"]) == [0, 1, 2]
    assert list(ours["state"][0]) == list(theirs["state"][0])
    step = ours["state"][0]["step"]
    assert step.dtype == T.float32 and step.shape == () and step.item() == 3.0
    assert ours["param_groups"][0]["params"] == theirs["param_groups"][0]["params"]
    _, sgd = run(T, "SGD", dict(momentum=0.9), "float32", steps=2)
    assert list(sgd.state_dict()["state"][1]) == ["momentum_buffer"]


@pytest.mark.parametrize("name,options", [("SGD", dict(lr=0.1, momentum=0.9)),
                                          ("Adam", dict(lr=0.01, amsgrad=True))])
def test_state_dict_resumes_training_exactly(name, options):
    straight, _ = run(T, name, options, "float64", steps=6)
    params = make_params(T, "float64")
    optimizer = getattr(T.optim, name)(params, **options)
    for step in range(6):
        if step == 3:
            state = optimizer.state_dict()
            saved_params = [p.detach().clone() for p in params]
            params = [p.clone().requires_grad_(True) for p in saved_params]
            optimizer = getattr(T.optim, name)(params, lr=123.0)
            optimizer.load_state_dict(state)
            assert optimizer.param_groups[0]["lr"] == options["lr"]
        optimizer.zero_grad()
        objective(T, params).backward()
        optimizer.step()
    for p, q in zip(params, straight[-1], strict=True):
        np.testing.assert_array_equal(p.detach().numpy(), q)


def test_load_state_dict_casts_to_parameter_dtype_and_copies():
    _, optimizer = run(T, "Adam", {}, "float64", steps=1)
    params32 = make_params(T, "float32")
    target = T.optim.Adam(params32)
    state = optimizer.state_dict()
    target.load_state_dict(state)
    loaded = target.state[params32[0]]
    assert loaded["exp_avg"].dtype == T.float32 and loaded["step"].dtype == T.float32
    loaded["exp_avg"].add_(1.0)
    assert not np.array_equal(loaded["exp_avg"].numpy(),
                              state["state"][0]["exp_avg"].numpy().astype(np.float32))


def test_zero_grad_and_skipped_parameters():
    params = make_params(T, "float32")
    optimizer = T.optim.SGD(params, lr=0.1, momentum=0.9)
    objective(T, params).backward()
    optimizer.zero_grad(set_to_none=False)
    assert all(p.grad is not None and not p.grad.numpy().any() for p in params)
    optimizer.zero_grad()
    assert all(p.grad is None for p in params)
    before = [p.detach().numpy().copy() for p in params]
    (params[0] ** 2).sum().backward()
    optimizer.step()
    assert not np.array_equal(params[0].detach().numpy(), before[0])
    for p, b in zip(params[1:], before[1:], strict=True):
        np.testing.assert_array_equal(p.detach().numpy(), b)
    assert params[1] not in optimizer.state


def test_step_with_closure_returns_loss_and_runs_with_grad():
    params = make_params(T, "float64")
    optimizer = T.optim.Adam(params, lr=0.01)

    def closure():
        optimizer.zero_grad()
        loss = objective(T, params)
        loss.backward()
        return loss

    with T.no_grad():
        loss = optimizer.step(closure)
    assert isinstance(loss, T.Tensor) and params[0].grad is not None


def test_add_param_group_fills_defaults():
    params = make_params(T, "float32")
    optimizer = T.optim.SGD(params[:1], lr=0.1, momentum=0.9)
    optimizer.add_param_group({"params": params[1], "lr": 0.01})
    group = optimizer.param_groups[1]
    assert group["params"] == [params[1]] and group["lr"] == 0.01 and group["momentum"] == 0.9
    with pytest.raises(ValueError, match="some parameters appear in more than one parameter group"):
        optimizer.add_param_group({"params": [params[2], params[0]]})
    assert len(optimizer.param_groups) == 2


def test_repr_matches_torch_for_the_shown_keys():
    ours = repr(T.optim.SGD(make_params(T, "float32"), lr=0.1, momentum=0.9))
    theirs = repr(torch.optim.SGD(make_params(torch, "float32"), lr=0.1, momentum=0.9))
    their_lines = theirs.split("\n")
    assert all(line in their_lines for line in ours.split("\n"))
    assert ours.startswith("SGD (\nParameter Group 0\n    dampening: 0\n")


def init_error(module, make_args):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(Exception) as info:
            make_args(module)
    return type(info.value).__name__, str(info.value)


def _leaf(m):
    return m.nn.Parameter(m.ones(2))


INIT_ERRORS = {
    "non_leaf": lambda m: m.optim.SGD([_leaf(m) * 2], lr=0.1),
    "empty": lambda m: m.optim.SGD([], lr=0.1),
    "tensor_not_iterable": lambda m: m.optim.SGD(_leaf(m), lr=0.1),
    "not_a_tensor": lambda m: m.optim.Adam([1.0]),
    "set_of_params": lambda m: m.optim.SGD([{"params": {_leaf(m)}}], lr=0.1),
    "same_param_two_groups": lambda m: (lambda p: m.optim.SGD(
        [{"params": [p]}, {"params": [p]}], lr=0.1))(_leaf(m)),
    "duplicate_param_warns": lambda m: (lambda p: m.optim.SGD([p, p], lr=0.1))(_leaf(m)),
    "negative_lr": lambda m: m.optim.SGD([_leaf(m)], lr=-0.1),
    "negative_momentum": lambda m: m.optim.SGD([_leaf(m)], lr=0.1, momentum=-1),
    "negative_weight_decay": lambda m: m.optim.SGD([_leaf(m)], lr=0.1, weight_decay=-1),
    "nesterov_without_momentum": lambda m: m.optim.SGD([_leaf(m)], lr=0.1, nesterov=True),
    "adam_eps": lambda m: m.optim.Adam([_leaf(m)], eps=-1),
    "adam_beta0": lambda m: m.optim.Adam([_leaf(m)], betas=(1.0, 0.9)),
    "adam_beta1": lambda m: m.optim.Adam([_leaf(m)], betas=(0.9, 1.0)),
    "adam_weight_decay": lambda m: m.optim.Adam([_leaf(m)], weight_decay=-1),
    "adam_lr": lambda m: m.optim.Adam([_leaf(m)], lr=-1),
}


@pytest.mark.parametrize("name", list(INIT_ERRORS))
def test_construction_errors_match_torch(name):
    assert init_error(T, INIT_ERRORS[name]) == init_error(torch, INIT_ERRORS[name])


LOAD_ERRORS = {
    "group_count": {"state": {}, "param_groups": []},
    "group_size": {"state": {}, "param_groups": [{"params": [0, 1]}]},
}


@pytest.mark.parametrize("name", list(LOAD_ERRORS))
def test_load_state_dict_errors_match_torch_and_change_nothing(name):
    def error(module):
        _, optimizer = run(module, "Adam", {}, "float32", steps=2)
        before = {k: v.detach().numpy().copy()
                  for k, v in optimizer.state_dict()["state"][0].items()}
        with pytest.raises(Exception) as info:
            optimizer.load_state_dict(LOAD_ERRORS[name])
        after = optimizer.state_dict()["state"][0]
        for key, value in before.items():
            np.testing.assert_array_equal(after[key].detach().numpy(), value)
        return type(info.value).__name__, str(info.value)

    assert error(T) == error(torch)


def test_failed_closure_changes_nothing():
    history, optimizer = run(T, "Adam", dict(lr=0.01), "float32", steps=2)
    params = optimizer.param_groups[0]["params"]
    state_before = {k: v.numpy().copy() for k, v in optimizer.state[params[0]].items()}

    def closure():
        raise RuntimeError("closure failed")

    with pytest.raises(RuntimeError, match="closure failed"):
        optimizer.step(closure)
    for p, before in zip(params, history[-1], strict=True):
        np.testing.assert_array_equal(p.detach().numpy(), before)
    for key, value in optimizer.state[params[0]].items():
        np.testing.assert_array_equal(value.numpy(), state_before[key])
