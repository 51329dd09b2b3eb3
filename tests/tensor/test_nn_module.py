"""tensor.nn.Module, Parameter, Linear, Sequential and the layer classes against torch.nn:
registration order, traversal, modes, state dicts (and their errors, text included),
conversions, repr and initialisation."""

import copy
import math
from collections import OrderedDict

import numpy as np
import pytest
import torch

import tensor as T
import tensor.nn  # noqa: F401  (makes T.nn available before the package wires it)


def build_net(module):
    """The same small model built with torch.nn or tensor.nn."""
    nn = module.nn

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 4, bias=False))
            self.scale = nn.Parameter(module.ones(4))
            self.head = nn.Linear(4, 2)
            self.register_buffer("offset", module.zeros(2))
            self.register_buffer("scratch", module.zeros(1), persistent=False)

        def forward(self, x):
            return self.head(self.body(x) * self.scale) + self.offset

    return Net()


def copy_weights(ours, theirs):
    """Give the torch module ``theirs`` the exact weights of ``ours``."""
    theirs.load_state_dict({k: torch.tensor(v.numpy()) for k, v in ours.state_dict().items()})


def test_registration_and_traversal_match_torch():
    ours, theirs = build_net(T), build_net(torch)
    names = [n for n, _ in ours.named_parameters()]
    assert names == [n for n, _ in theirs.named_parameters()]
    assert names == ["scale", "body.0.weight", "body.0.bias", "body.2.weight", "head.weight",
                     "head.bias"]
    assert [p.shape for p in ours.parameters()] == [tuple(p.shape) for p in theirs.parameters()]
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]
    assert [type(m).__name__ for m in ours.children()] == ["Sequential", "Linear"]
    assert [n for n, _ in ours.named_buffers()] == [n for n, _ in theirs.named_buffers()]
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert all(isinstance(p, T.nn.Parameter) for p in ours.parameters())
    assert [n for n, _ in ours.body.named_parameters(prefix="body")] == names[1:4]
    assert [n for n, _ in ours.named_parameters(recurse=False)] == ["scale"]


def test_forward_matches_torch_with_copied_weights():
    ours, theirs = build_net(T), build_net(torch)
    copy_weights(ours, theirs)
    x = np.random.default_rng(0).standard_normal((5, 3)).astype(np.float32)
    out, expected = ours(T.tensor(x)), theirs(torch.tensor(x))
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), rtol=1e-5,
                               atol=1e-6)
    out.sum().backward()
    expected.sum().backward()
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters(), strict=True):
        np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-5, atol=1e-6,
                                   err_msg=name)


def test_shared_parameters_are_listed_once_but_saved_under_every_name():
    nn = T.nn
    shared = nn.Linear(2, 2)
    model = nn.Sequential(shared, nn.ReLU(), shared)
    assert len(list(model.parameters())) == 2
    assert list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert len(list(model.modules())) == 3


def test_reassignment_and_deletion():
    model = T.nn.Linear(2, 3)
    model.bias = None
    assert [n for n, _ in model.named_parameters()] == ["weight"]
    assert model.bias is None
    model.extra = T.nn.Parameter(T.zeros(1))
    del model.extra
    assert [n for n, _ in model.named_parameters()] == ["weight"]
    with pytest.raises(AttributeError, match="'Linear' object has no attribute 'extra'"):
        _ = model.extra
    model.note = "plain attribute"
    assert model.note == "plain attribute" and "note" not in model.state_dict()


REGISTRATION_ERRORS = {
    "tensor_as_parameter": lambda m, mod: mod.register_parameter("x", m.ones(1)),
    "dot_in_name": lambda m, mod: mod.register_parameter("a.b", None),
    "empty_name": lambda m, mod: mod.register_parameter("", None),
    "name_not_str": lambda m, mod: mod.register_parameter(3, None),
    "existing_attribute": lambda m, mod: mod.register_parameter("forward", None),
    "buffer_not_tensor": lambda m, mod: mod.register_buffer("b", 3),
    "module_not_module": lambda m, mod: mod.add_module("c", 3),
    "module_dot_name": lambda m, mod: mod.add_module("c.d", m.nn.ReLU()),
    "tensor_over_parameter": lambda m, mod: setattr(mod, "weight", m.ones(1)),
    "train_not_bool": lambda m, mod: mod.train(1),
    "missing_forward": lambda m, mod: m.nn.Module()(),
    "no_attribute": lambda m, mod: mod.nothere,
}


@pytest.mark.parametrize("name", list(REGISTRATION_ERRORS))
def test_registration_errors_match_torch(name):
    def error(module):
        with pytest.raises(Exception) as info:
            REGISTRATION_ERRORS[name](module, module.nn.Linear(2, 2))
        return type(info.value).__name__, str(info.value)

    assert error(T) == error(torch)


@pytest.mark.parametrize("module", [T, torch], ids=["tensor", "torch"])
def test_assignment_before_init_errors_like_torch(module):
    class Early(module.nn.Module):
        def __init__(self):
            self.w = module.nn.Parameter(module.ones(1))

    with pytest.raises(AttributeError,
                       match=r"cannot assign parameters before Module.__init__\(\) call"):
        Early()


def test_train_eval_apply_requires_grad():
    model = build_net(T)
    assert model.training and model.body[1].training
    assert model.eval() is model
    assert not any(m.training for m in model.modules())
    model.train()
    assert all(m.training for m in model.modules())
    visited = []
    model.apply(lambda m: visited.append(type(m).__name__))
    expected = []
    build_net(torch).apply(lambda m: expected.append(type(m).__name__))
    assert visited == expected
    model.requires_grad_(False)
    assert not any(p.requires_grad for p in model.parameters())


@pytest.mark.parametrize("set_to_none", [True, False])
def test_zero_grad(set_to_none):
    model = T.nn.Linear(3, 2)
    model(T.ones(4, 3)).sum().backward()
    model.zero_grad(set_to_none=set_to_none)
    for p in model.parameters():
        if set_to_none:
            assert p.grad is None
        else:
            assert p.grad is not None and not p.grad.numpy().any()


def test_state_dict_shares_storage_and_round_trips():
    source, target = build_net(T), build_net(T)
    state = source.state_dict()
    assert not state["head.weight"].requires_grad
    result = target.load_state_dict(state)
    assert repr(result) == "<All keys matched successfully>"
    for (name, p), q in zip(source.named_parameters(), target.parameters(), strict=True):
        np.testing.assert_array_equal(p.detach().numpy(), q.detach().numpy(), err_msg=name)
    with T.no_grad():
        source.head.bias.add_(1.0)
    np.testing.assert_array_equal(state["head.bias"].numpy(), source.head.bias.detach().numpy())
    assert list(source.state_dict(keep_vars=True).values())[0] is source.scale


def load_error(module, state_dict_from, strict=True):
    model = module.nn.Linear(3, 2)
    with pytest.raises(Exception) as info:
        model.load_state_dict(state_dict_from(module), strict=strict)
    return type(info.value).__name__, str(info.value).replace("torch.Size", "tensor.Size")


LOAD_ERRORS = {
    "missing": lambda m: {"weight": m.zeros(2, 3)},
    "unexpected": lambda m: {"weight": m.zeros(2, 3), "bias": m.zeros(2), "foo": m.zeros(1)},
    "everything": lambda m: {"weight": m.zeros(3, 3), "foo": m.zeros(1), "bar": m.zeros(1)},
    "not_a_tensor": lambda m: {"weight": 1, "bias": m.zeros(2)},
    "size_mismatch": lambda m: {"weight": m.zeros(2, 3), "bias": m.zeros(5)},
}


@pytest.mark.parametrize("name", list(LOAD_ERRORS))
def test_load_state_dict_errors_match_torch_and_change_nothing(name):
    assert load_error(T, LOAD_ERRORS[name]) == load_error(torch, LOAD_ERRORS[name])
    model = T.nn.Linear(3, 2)
    before = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    with pytest.raises(RuntimeError, match="Error\\(s\\) in loading state_dict for Linear"):
        model.load_state_dict(LOAD_ERRORS[name](T))
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(value.numpy(), before[key])


def test_load_state_dict_not_strict_reports_keys():
    model, reference = T.nn.Linear(3, 2), torch.nn.Linear(3, 2)
    ours = model.load_state_dict({"weight": T.ones(2, 3), "foo": T.ones(1)}, strict=False)
    theirs = reference.load_state_dict({"weight": torch.ones(2, 3), "foo": torch.ones(1)},
                                       strict=False)
    assert ours == (["bias"], ["foo"]) and repr(ours) == repr(theirs)
    assert model.weight.detach().numpy().tolist() == [[1.0] * 3] * 2
    assert load_error(T, LOAD_ERRORS["size_mismatch"], strict=False) == \
        load_error(torch, LOAD_ERRORS["size_mismatch"], strict=False)
    with pytest.raises(TypeError, match="Expected state_dict to be dict-like"):
        model.load_state_dict([1])


def test_load_state_dict_casts_and_keeps_parameter_objects():
    model = T.nn.Linear(2, 1)
    weight = model.weight
    model.load_state_dict({"weight": T.tensor([[1.0, 2.0]], dtype=T.float64),
                           "bias": T.tensor([3.0], dtype=T.float64)})
    assert model.weight is weight and weight.dtype == T.float32 and weight.requires_grad
    assert weight.detach().numpy().tolist() == [[1.0, 2.0]]


def test_to_double_float_keep_parameters_and_convert_grads():
    model = build_net(T)
    model(T.ones(1, 3)).sum().backward()
    weight = model.head.weight
    assert model.double() is model
    assert model.head.weight is weight and weight.dtype == T.float64
    assert weight.grad.dtype == T.float64 and model.offset.dtype == T.float64
    out = model(T.ones(1, 3, dtype=T.float64))
    assert out.dtype == T.float64
    model.to(T.float32)
    assert all(p.dtype == T.float32 for p in model.parameters())
    model.to(dtype=T.float64).float()
    assert all(p.dtype == T.float32 for p in model.parameters())
    with pytest.raises(TypeError, match="nn.Module.to only accepts floating point"):
        model.to(T.int64)


def test_deepcopy_gives_independent_parameters():
    model = T.nn.Sequential(T.nn.Linear(2, 2))
    clone = copy.deepcopy(model)
    assert isinstance(clone[0].weight, T.nn.Parameter) and clone[0].weight.requires_grad
    with T.no_grad():
        clone[0].weight.fill_(0.0)
    assert model[0].weight.detach().numpy().any()


def test_repr_matches_torch():
    def layers(module):
        nn = module.nn
        return nn.Sequential(
            nn.Linear(2, 3), nn.ReLU(), nn.Sequential(nn.Tanh(), nn.Softmax(dim=1)),
            nn.LogSoftmax(1), nn.MSELoss(), nn.CrossEntropyLoss(), nn.NLLLoss(), nn.Sigmoid(),
            nn.Linear(3, 3, bias=False), nn.ReLU(inplace=True), nn.Softmax())

    assert repr(layers(T)) == repr(layers(torch))
    assert repr(build_net(T)) == repr(build_net(torch))


def test_parameter():
    p = T.nn.Parameter(T.tensor([1.0, 2.0]))
    assert repr(p) == repr(torch.nn.Parameter(torch.tensor([1.0, 2.0])))
    assert p.requires_grad and p.is_leaf and isinstance(p, T.Tensor)
    assert not T.nn.Parameter(T.ones(1), requires_grad=False).requires_grad
    assert T.nn.Parameter().shape == (0,)
    data = T.zeros(2)
    shared = T.nn.Parameter(data)
    with T.no_grad():
        shared.add_(1.0)
    assert data.tolist() == [1.0, 1.0]
    assert type(p * 2) is T.Tensor


def test_sequential_indexing():
    nn = T.nn
    model = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(3, 1))
    assert len(model) == 3 and isinstance(model[-1], nn.Linear)
    assert [type(m).__name__ for m in model] == ["Linear", "ReLU", "Linear"]
    head = model[:2]
    assert isinstance(head, nn.Sequential) and len(head) == 2 and head[0] is model[0]
    with pytest.raises(IndexError, match="index 3 is out of range"):
        model[3]
    model[1] = nn.Tanh()
    assert isinstance(model[1], nn.Tanh)
    model.append(nn.Sigmoid())
    del model[0]
    assert [n for n, _ in model.named_children()] == ["0", "1", "2"]
    named = nn.Sequential(OrderedDict(first=nn.Linear(2, 2), act=nn.ReLU()))
    assert [n for n, _ in named.named_children()] == ["first", "act"]
    assert named(T.ones(3, 2)).shape == (3, 2)


def test_layers_match_their_functions():
    x = T.tensor([[-1.0, 0.5, 2.0]])
    nn, F = T.nn, T.nn.functional
    for layer, fn in [(nn.ReLU(), F.relu), (nn.Sigmoid(), F.sigmoid), (nn.Tanh(), F.tanh),
                      (nn.Softmax(1), lambda t: F.softmax(t, 1)),
                      (nn.LogSoftmax(dim=1), lambda t: F.log_softmax(t, 1))]:
        assert layer(x).tolist() == fn(x).tolist()
    target = T.tensor([2])
    weight = T.tensor([1.0, 2.0, 3.0])
    loss = nn.CrossEntropyLoss(weight=weight, reduction="sum", label_smoothing=0.1)
    assert loss(x, target).item() == F.cross_entropy(x, target, weight=weight, reduction="sum",
                                                     label_smoothing=0.1).item()
    assert "weight" in loss.state_dict()
    assert nn.NLLLoss(ignore_index=2)(x, target).item() != nn.NLLLoss()(x, target).item()
    assert nn.MSELoss(reduction="none")(x, x * 2).shape == (1, 3)


@pytest.mark.parametrize("fan_in,fan_out", [(784, 512), (3, 1), (1, 7)])
def test_linear_initialisation_is_torchs_distribution(fan_in, fan_out):
    T.manual_seed(0)
    layer = T.nn.Linear(fan_in, fan_out)
    bound = 1 / math.sqrt(fan_in)
    weight, bias = layer.weight.detach().numpy(), layer.bias.detach().numpy()
    assert weight.shape == (fan_out, fan_in) and weight.dtype == np.float32
    assert np.abs(weight).max() <= bound and np.abs(bias).max() <= bound
    if weight.size > 1000:
        # U(-b, b) has standard deviation b / sqrt(3)
        assert weight.std() == pytest.approx(bound / math.sqrt(3), rel=0.02)
        assert abs(weight.mean()) < 0.01 * bound


def test_linear_dtype_keyword():
    layer = T.nn.Linear(2, 3, dtype=T.float64)
    assert layer.weight.dtype == T.float64 and layer(T.ones(1, 2, dtype=T.float64)).shape == (1, 3)


@pytest.mark.parametrize("nonlinearity,param", [("linear", None), ("sigmoid", None),
                                                ("tanh", None), ("relu", None),
                                                ("leaky_relu", None), ("leaky_relu", 0.2),
                                                ("selu", None), ("conv2d", None)])
def test_calculate_gain_matches_torch(nonlinearity, param):
    assert T.nn.init.calculate_gain(nonlinearity, param) == \
        torch.nn.init.calculate_gain(nonlinearity, param)


def test_init_functions_fill_parameters_in_place():
    init = T.nn.init
    T.manual_seed(0)
    p = T.nn.Parameter(T.empty(300, 200))
    assert init.uniform_(p, -0.5, 2.0) is p and p.requires_grad and p.is_leaf
    values = p.detach().numpy()
    assert values.min() >= -0.5 and values.max() <= 2.0 and abs(values.mean() - 0.75) < 0.02
    init.normal_(p, mean=3.0, std=0.5)
    assert p.detach().numpy().mean() == pytest.approx(3.0, abs=0.01)
    assert p.detach().numpy().std() == pytest.approx(0.5, rel=0.02)
    bound = math.sqrt(6.0 / 500)
    init.xavier_uniform_(p)
    assert np.abs(p.detach().numpy()).max() <= bound
    assert p.detach().numpy().std() == pytest.approx(bound / math.sqrt(3), rel=0.02)
    init.kaiming_uniform_(p, mode="fan_out", nonlinearity="relu")
    bound = math.sqrt(2.0) * math.sqrt(3.0 / 300)
    assert np.abs(p.detach().numpy()).max() <= bound
    assert p.detach().numpy().std() == pytest.approx(bound / math.sqrt(3), rel=0.02)
    init.constant_(p, 0.25)
    assert (p.detach().numpy() == 0.25).all()
    assert not init.zeros_(p).detach().numpy().any()
    assert (init.ones_(p).detach().numpy() == 1.0).all()


@pytest.mark.parametrize("name", ["kaiming_uniform_", "xavier_uniform_"])
def test_fan_of_a_vector_errors_like_torch(name):
    messages = []
    for module in (T, torch):
        with pytest.raises(ValueError) as info:
            getattr(module.nn.init, name)(module.ones(3))
        messages.append(str(info.value))
    assert messages[0] == messages[1]


def test_get_submodule():
    model = build_net(T)
    assert model.get_submodule("body.2") is model.body[2]
    assert model.get_submodule("") is model
    with pytest.raises(AttributeError, match="Sequential has no attribute `7`"):
        model.get_submodule("body.7")
