"""Optimizers against torch.optim from the same start: AdamW, RMSprop (momentum, centered),
Adagrad (lr_decay, initial accumulator), SGD's nesterov/maximize and Adam's amsgrad/maximize;
several steps on the same losses, state dicts (keys, values, round trips), torch's errors."""

import numpy as np
import pytest
import torch
from parity import assert_same_tensor
from same_error import assert_same_error

import tensor as T

RNG = np.random.default_rng(5)
START = [RNG.standard_normal((3, 2)), RNG.standard_normal(4)]
TARGETS = [RNG.standard_normal((3, 2)), RNG.standard_normal(4)]

CONFIGS = {
    "adamw": ("AdamW", dict(lr=0.05)),
    "adamw_amsgrad": ("AdamW", dict(lr=0.05, weight_decay=0.1, amsgrad=True)),
    "adam_amsgrad_maximize": ("Adam", dict(lr=0.05, amsgrad=True, maximize=True,
                                           weight_decay=0.01)),
    "rmsprop": ("RMSprop", dict(lr=0.01)),
    "rmsprop_momentum_centered": ("RMSprop", dict(lr=0.01, momentum=0.9, centered=True,
                                                  weight_decay=0.1, alpha=0.9)),
    "rmsprop_maximize": ("RMSprop", dict(lr=0.01, momentum=0.5, maximize=True)),
    "adagrad": ("Adagrad", dict(lr=0.1)),
    "adagrad_decay": ("Adagrad", dict(lr=0.1, lr_decay=0.05, weight_decay=0.1,
                                      initial_accumulator_value=0.3, eps=1e-6)),
    "adagrad_maximize": ("Adagrad", dict(lr=0.1, maximize=True)),
    "sgd_nesterov": ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True, weight_decay=0.01)),
    "sgd_maximize": ("SGD", dict(lr=0.05, momentum=0.5, dampening=0.1, maximize=True)),
}


def train(module, name, steps=6):
    """Run ``steps`` optimizer steps on sum((p - target)^4); return params and optimizer."""
    algorithm, options = CONFIGS[name]
    params = [module.tensor(a, requires_grad=True) for a in START]
    optimizer = getattr(module.optim, algorithm)(params, **options)
    for _ in range(steps):
        optimizer.zero_grad()
        loss = sum(((p - module.tensor(t)) ** 4).sum() for p, t in zip(params, TARGETS))
        loss.backward()
        optimizer.step()
    return params, optimizer


@pytest.mark.parametrize("name", list(CONFIGS))
def test_optimizer_steps_match_torch(name):
    ours, our_optimizer = train(T, name)
    theirs, their_optimizer = train(torch, name)
    for p, tp in zip(ours, theirs):
        assert_same_tensor(p, tp, "value", name)
    our_state = our_optimizer.state_dict()
    their_state = their_optimizer.state_dict()
    assert our_state["state"].keys() == their_state["state"].keys()
    for index, values in their_state["state"].items():
        assert list(our_state["state"][index]) == list(values)
        for key, value in values.items():
            assert_same_tensor(our_state["state"][index][key], value, "value", key)
    ignored = {"foreach", "capturable", "differentiable", "fused"}
    their_group = {k: v for k, v in their_state["param_groups"][0].items() if k not in ignored}
    assert our_state["param_groups"][0] == their_group


@pytest.mark.parametrize("name", ["adamw", "rmsprop_momentum_centered", "adagrad_decay"])
def test_state_dict_round_trip_continues_identically(name):
    params, optimizer = train(T, name, steps=3)
    saved = optimizer.state_dict()
    clone = [p.detach().clone().requires_grad_(True) for p in params]
    algorithm, options = CONFIGS[name]
    restored = getattr(T.optim, algorithm)(clone, **options)
    restored.load_state_dict(saved)
    for group_params, opt in ((params, optimizer), (clone, restored)):
        opt.zero_grad()
        sum(((p - T.tensor(t)) ** 4).sum() for p, t in zip(group_params, TARGETS)).backward()
        opt.step()
    for p, q in zip(params, clone):
        assert T.equal(p, q)


def test_adagrad_state_exists_before_the_first_step_as_torch():
    p, tp = T.zeros(2, requires_grad=True), torch.zeros(2, requires_grad=True)
    ours = T.optim.Adagrad([p], initial_accumulator_value=0.5).state_dict()["state"]
    theirs = torch.optim.Adagrad([tp], initial_accumulator_value=0.5).state_dict()["state"]
    assert list(ours[0]) == list(theirs[0])
    assert_same_tensor(ours[0]["sum"], theirs[0]["sum"], "value", "sum")


@pytest.mark.parametrize("call", [
    lambda m: m.optim.RMSprop([m.zeros(1, requires_grad=True)], lr=-1),
    lambda m: m.optim.RMSprop([m.zeros(1, requires_grad=True)], alpha=-0.5),
    lambda m: m.optim.RMSprop([m.zeros(1, requires_grad=True)], momentum=-0.5),
    lambda m: m.optim.RMSprop([m.zeros(1, requires_grad=True)], eps=-1e-3),
    lambda m: m.optim.Adagrad([m.zeros(1, requires_grad=True)], lr_decay=-1),
    lambda m: m.optim.Adagrad([m.zeros(1, requires_grad=True)], initial_accumulator_value=-1),
    lambda m: m.optim.AdamW([m.zeros(1, requires_grad=True)], betas=(0.9, 1.0)),
    lambda m: m.optim.AdamW([m.zeros(1, requires_grad=True)], weight_decay=-1),
], ids=["lr", "alpha", "momentum", "eps", "lr_decay", "accumulator", "betas", "weight_decay"])
def test_invalid_hyperparameters_raise_torch_errors(call):
    assert_same_error(call)


def test_adamw_is_adam_with_decoupled_decay():
    assert issubclass(T.optim.AdamW, T.optim.Adam)
    group = T.optim.AdamW([T.zeros(1, requires_grad=True)]).param_groups[0]
    assert group["weight_decay"] == 1e-2 and group["decoupled_weight_decay"] is True
