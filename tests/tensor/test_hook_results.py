"""What a tensor hook may return, against torch: None or a Tensor of the gradient's own type
(dtype and device) and size; anything else raises torch's error and writes no gradient."""

import pytest
import torch

import tensor


class _NamelessHook:
    def __call__(self, grad):
        return grad.double()


HOOKS = {
    "doubled": (lambda lib: lambda g: g * 2),
    "none": (lambda lib: lambda g: None),
    "dtype": (lambda lib: lambda g: g.double()),
    "half": (lambda lib: lambda g: g.to(lib.float16)),
    "slice": (lambda lib: lambda g: g[:2]),
    "reshape": (lambda lib: lambda g: g.reshape(1, 3)),
    "expand": (lambda lib: lambda g: g.expand(2, 3)),
    "number": (lambda lib: lambda g: 3),
    "list": (lambda lib: lambda g: [1.0, 2.0, 3.0]),
    "nameless": (lambda lib: _NamelessHook()),
}


def _outcome(lib, hook, on_leaf):
    x = lib.ones(3, requires_grad=True)
    y = x * 2
    (x if on_leaf else y).register_hook(HOOKS[hook](lib))
    try:
        (y * y).sum().backward()
    except Exception as error:  # noqa: BLE001 - the error is the outcome compared
        return type(error), str(error), x.grad
    return None, None, x.grad.tolist()


@pytest.mark.parametrize("on_leaf", [False, True])
@pytest.mark.parametrize("hook", sorted(HOOKS))
def test_hook_results_are_checked_as_torch_checks_them(hook, on_leaf):
    ours, theirs = _outcome(tensor, hook, on_leaf), _outcome(torch, hook, on_leaf)
    assert ours == theirs


def test_a_hook_cannot_replace_a_missing_gradient():
    outcomes = []
    for lib in (tensor, torch):
        x = lib.ones(4, requires_grad=True)
        a, b = x.split(2)
        b.register_hook(lambda g, lib=lib: lib.ones(2))
        with pytest.raises(RuntimeError) as error:
            a.sum().backward()
        outcomes.append((str(error.value), x.grad))
    assert outcomes[0] == outcomes[1] == ("can't replace a None gradient with a non-None value", None)


@pytest.mark.parametrize("device", ["cpu", "cuda"])
def test_hook_type_names_carry_the_device(device):
    x = tensor.ones(3, device=device, requires_grad=True)
    y = x * 2
    y.register_hook(lambda g: g.double())
    prefix = "torch.cuda." if device == "cuda" else "torch."
    with pytest.raises(RuntimeError, match=rf"hook '<lambda>' has changed the type of value "
                                           rf"\(was {prefix}FloatTensor got {prefix}DoubleTensor\)"):
        y.sum().backward()
