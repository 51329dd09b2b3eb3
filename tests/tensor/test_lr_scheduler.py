"""Learning-rate schedulers against torch.optim.lr_scheduler: the lr (and cycled momentum)
after every step, get_last_lr, state_dict keys and round trips, the step-order warning."""

import warnings

import pytest
import torch

import tensor as T

SCHEDULES = {
    "step": lambda m, o: m.optim.lr_scheduler.StepLR(o, step_size=3, gamma=0.5),
    "multistep": lambda m, o: m.optim.lr_scheduler.MultiStepLR(o, [2, 5, 5], gamma=0.3),
    "exponential": lambda m, o: m.optim.lr_scheduler.ExponentialLR(o, 0.9),
    "cosine": lambda m, o: m.optim.lr_scheduler.CosineAnnealingLR(o, T_max=4, eta_min=0.01),
    "lambda": lambda m, o: m.optim.lr_scheduler.LambdaLR(o, lambda epoch: 0.95 ** epoch),
    "lambda_per_group": lambda m, o: m.optim.lr_scheduler.LambdaLR(
        o, [lambda e: 1 / (e + 1), lambda e: e + 1]),
    "linear": lambda m, o: m.optim.lr_scheduler.LinearLR(o, 0.25, 1.0, total_iters=4),
    "onecycle_cos": lambda m, o: m.optim.lr_scheduler.OneCycleLR(o, [1.0, 0.5], total_steps=12),
    "onecycle_linear_3phase": lambda m, o: m.optim.lr_scheduler.OneCycleLR(
        o, 1.0, epochs=3, steps_per_epoch=4, anneal_strategy="linear", three_phase=True),
}


def build(module, schedule, algorithm="SGD"):
    first = module.zeros(2, requires_grad=True)
    second = module.zeros(3, requires_grad=True)
    options = {"momentum": 0.9} if algorithm == "SGD" else {}
    optimizer = getattr(module.optim, algorithm)(
        [{"params": [first]}, {"params": [second], "lr": 0.3}], lr=0.1, **options)
    return [first, second], optimizer, SCHEDULES[schedule](module, optimizer)


def history(module, schedule, steps=11, algorithm="SGD"):
    params, optimizer, scheduler = build(module, schedule, algorithm)
    seen = list(scheduler.get_last_lr())
    for _ in range(steps):
        for p in params:
            p.grad = module.ones_like(p)
        optimizer.step()
        scheduler.step()
        momenta = [g.get("momentum", g.get("betas", (None,))[0]) for g in optimizer.param_groups]
        seen += list(scheduler.get_last_lr()) + momenta
    return seen, scheduler


@pytest.mark.parametrize("schedule", list(SCHEDULES))
def test_learning_rates_match_torch_every_step(schedule):
    ours, our_scheduler = history(T, schedule)
    theirs, their_scheduler = history(torch, schedule)
    assert ours == pytest.approx(theirs, rel=1e-12, abs=1e-15)
    assert set(our_scheduler.state_dict()) == set(their_scheduler.state_dict())


def test_onecycle_cycles_adam_beta1_as_torch():
    ours, _ = history(T, "onecycle_cos", algorithm="Adam")
    theirs, _ = history(torch, "onecycle_cos", algorithm="Adam")
    assert ours == pytest.approx(theirs, rel=1e-12)


def test_onecycle_past_total_steps_raises_torch_error():
    def run(module):
        _, optimizer, scheduler = build(module, "onecycle_cos")
        for _ in range(13):
            optimizer.step()
            scheduler.step()
    with pytest.raises(ValueError) as theirs:
        run(torch)
    with pytest.raises(ValueError) as ours:
        run(T)
    assert str(ours.value) == str(theirs.value)


def test_scheduler_state_dict_round_trip_resumes_the_schedule():
    _, optimizer, scheduler = build(T, "cosine")
    for _ in range(3):
        optimizer.step()
        scheduler.step()
    saved = scheduler.state_dict()
    _, optimizer2, resumed = build(T, "cosine")
    resumed.load_state_dict(saved)
    optimizer2.load_state_dict(optimizer.state_dict())
    for opt, sched in ((optimizer, scheduler), (optimizer2, resumed)):
        opt.step()
        sched.step()
    assert resumed.get_last_lr() == scheduler.get_last_lr()


def test_scheduler_step_before_optimizer_step_warns_as_torch():
    messages = []
    for module in (torch, T):
        _, _, scheduler = build(module, "step")
        with pytest.warns(UserWarning) as caught:
            scheduler.step()
        messages.append(str(caught[0].message))
    assert messages[0] == messages[1]
    _, optimizer, scheduler = build(T, "step")
    optimizer.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        scheduler.step()


@pytest.mark.parametrize("mode,threshold_mode", [("min", "rel"), ("max", "abs")])
def test_reduce_lr_on_plateau_matches_torch(mode, threshold_mode):
    metrics = [1.0, 0.9, 0.95, 0.95, 0.96, 0.97, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1]
    results = []
    for module in (T, torch):
        _, optimizer, _ = build(module, "step")
        scheduler = module.optim.lr_scheduler.ReduceLROnPlateau(
            optimizer, mode=mode, factor=0.5, patience=1, threshold=0.01,
            threshold_mode=threshold_mode, cooldown=1, min_lr=[0.02, 0.0])
        lrs = []
        for value in metrics:
            optimizer.step()
            scheduler.step(value)
            lrs += scheduler.get_last_lr()
        results.append(lrs)
    assert results[0] == pytest.approx(results[1], rel=1e-12)


@pytest.mark.parametrize("call", [
    lambda m: m.optim.lr_scheduler.StepLR("not an optimizer", 2),
    lambda m: m.optim.lr_scheduler.LinearLR(m.optim.SGD([m.zeros(1, requires_grad=True)],
                                                        lr=0.1), start_factor=0),
    lambda m: m.optim.lr_scheduler.OneCycleLR(m.optim.SGD([m.zeros(1, requires_grad=True)],
                                                          lr=0.1), 1.0),
    lambda m: m.optim.lr_scheduler.ReduceLROnPlateau(
        m.optim.SGD([m.zeros(1, requires_grad=True)], lr=0.1), factor=1.0),
], ids=["type", "start-factor", "steps", "factor"])
def test_scheduler_errors_match_torch(call):
    with pytest.raises(Exception) as theirs:
        call(torch)
    with pytest.raises(type(theirs.value)) as ours:
        call(T)
    assert str(ours.value) == str(theirs.value)
