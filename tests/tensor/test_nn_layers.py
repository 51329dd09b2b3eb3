"""tensor.nn layers against torch.nn from the same weights: forward values, input and
parameter gradients, state_dict keys and buffers, repr, train/eval behaviour, default
initialisation and torch's errors; containers and Module traversal helpers."""

from collections import OrderedDict

import numpy as np
import pytest
import torch
from parity import assert_same_tensor
from same_error import assert_same_error

import tensor as T

RNG = np.random.default_rng(7)


def floats(*shape, dtype="float32"):
    return RNG.standard_normal(shape).astype(dtype)


def copy_weights(ours, theirs):
    """Give the torch module the exact parameters and buffers of ours."""
    state = {key: torch.tensor(value.numpy()) for key, value in ours.state_dict().items()}
    theirs.load_state_dict(state)


def run_both(build, input_array, train=True, dtype="float32"):
    """Build the layer in both libraries, same weights; forward and backward one random
    output gradient. Returns (ours, theirs, our input, their input, our out, their out)."""
    ours, theirs = build(T), build(torch)
    if dtype == "float64":
        ours, theirs = ours.double(), theirs.double()
    copy_weights(ours, theirs)
    ours.train(train)
    theirs.train(train)
    floating = np.issubdtype(input_array.dtype, np.floating)
    x = T.tensor(input_array, requires_grad=floating)
    tx = torch.tensor(input_array, requires_grad=floating)
    out, expected = ours(x), theirs(tx)
    assert_same_tensor(out, expected, "value", "forward")
    if expected.requires_grad:
        gradient = RNG.standard_normal(tuple(expected.shape)).astype(dtype)
        out.backward(T.tensor(gradient))
        expected.backward(torch.tensor(gradient))
        if floating:
            assert_same_tensor(x.grad, tx.grad, "grad", "input grad")
        our_params = dict(ours.named_parameters())
        for name, param in theirs.named_parameters():
            if param.grad is None:
                assert our_params[name].grad is None, name
            else:
                assert_same_tensor(our_params[name].grad, param.grad, "grad", name)
    return ours, theirs, x, tx, out, expected


def assert_same_state(ours, theirs):
    """Same state_dict keys in the same order, same values and dtypes."""
    our_state, their_state = ours.state_dict(), theirs.state_dict()
    assert list(our_state) == list(their_state)
    for key, value in their_state.items():
        assert_same_tensor(our_state[key], value, "value", key)


def same_shapes_and_names(build):
    ours, theirs = build(T), build(torch)
    assert repr(ours) == repr(theirs)
    assert [(n, tuple(p.shape)) for n, p in ours.named_parameters()] == [
        (n, tuple(p.shape)) for n, p in theirs.named_parameters()]
    assert list(ours.state_dict()) == list(theirs.state_dict())


# --------------------------------------------------------------------- layers

LAYERS = {
    "conv2d": (lambda m: m.nn.Conv2d(3, 4, 3), (2, 3, 7, 6)),
    "conv2d_stride_pad": (lambda m: m.nn.Conv2d(3, 4, (3, 2), stride=2, padding=1), (2, 3, 7, 6)),
    "conv2d_same_dilation": (lambda m: m.nn.Conv2d(2, 4, 3, padding="same", dilation=2),
                             (1, 2, 6, 6)),
    "conv2d_groups_nobias": (lambda m: m.nn.Conv2d(4, 6, 2, groups=2, bias=False), (2, 4, 5, 5)),
    "conv2d_unbatched": (lambda m: m.nn.Conv2d(3, 2, 3, padding=(0, 1)), (3, 5, 5)),
    "conv1d": (lambda m: m.nn.Conv1d(3, 5, 3, stride=2, padding=1), (2, 3, 9)),
    "conv1d_same": (lambda m: m.nn.Conv1d(2, 2, 4, padding="same"), (2, 2, 7)),
    "conv2d_reflect": (lambda m: m.nn.Conv2d(2, 3, 3, padding=1, padding_mode="reflect"),
                       (2, 2, 5, 6)),
    "conv2d_same_circular": (lambda m: m.nn.Conv2d(2, 3, (3, 2), padding="same",
                                                   padding_mode="circular"), (1, 2, 5, 6)),
    "conv1d_replicate": (lambda m: m.nn.Conv1d(2, 3, 3, padding=2, padding_mode="replicate"),
                         (2, 2, 6)),
    "maxpool": (lambda m: m.nn.MaxPool2d(2), (2, 3, 6, 7)),
    "maxpool_pad_ceil": (lambda m: m.nn.MaxPool2d(3, stride=2, padding=1, ceil_mode=True),
                         (1, 2, 8, 7)),
    "maxpool_dilation": (lambda m: m.nn.MaxPool2d((2, 3), stride=1, dilation=2), (1, 2, 6, 7)),
    "avgpool": (lambda m: m.nn.AvgPool2d(2), (2, 3, 6, 6)),
    "avgpool_pad": (lambda m: m.nn.AvgPool2d(3, stride=2, padding=1), (1, 2, 7, 6)),
    "avgpool_exclude_pad_ceil": (lambda m: m.nn.AvgPool2d(3, 2, 1, ceil_mode=True,
                                                          count_include_pad=False), (1, 2, 8, 7)),
    "avgpool_divisor": (lambda m: m.nn.AvgPool2d(2, divisor_override=3), (1, 2, 4, 4)),
    "adaptive_avgpool": (lambda m: m.nn.AdaptiveAvgPool2d((3, 2)), (2, 3, 7, 5)),
    "adaptive_avgpool_1": (lambda m: m.nn.AdaptiveAvgPool2d(1), (2, 3, 4, 4)),
    "layernorm": (lambda m: m.nn.LayerNorm(5), (3, 4, 5)),
    "layernorm_2d_noaffine": (lambda m: m.nn.LayerNorm((4, 5), elementwise_affine=False),
                              (3, 4, 5)),
    "batchnorm1d": (lambda m: m.nn.BatchNorm1d(4), (6, 4)),
    "batchnorm1d_3d": (lambda m: m.nn.BatchNorm1d(3, momentum=0.3), (4, 3, 5)),
    "batchnorm2d": (lambda m: m.nn.BatchNorm2d(3), (4, 3, 2, 3)),
    "batchnorm2d_cumulative": (lambda m: m.nn.BatchNorm2d(3, momentum=None), (4, 3, 2, 3)),
    "batchnorm2d_untracked": (lambda m: m.nn.BatchNorm2d(3, affine=False,
                                                         track_running_stats=False),
                              (4, 3, 2, 3)),
    "flatten": (lambda m: m.nn.Flatten(), (2, 3, 4)),
    "flatten_dims": (lambda m: m.nn.Flatten(0, 1), (2, 3, 4)),
    "unflatten": (lambda m: m.nn.Unflatten(1, (2, -1)), (3, 8)),
    "identity": (lambda m: m.nn.Identity(54, unused=1), (3, 2)),
    "gelu": (lambda m: m.nn.GELU(), (4, 5)),
    "gelu_tanh": (lambda m: m.nn.GELU(approximate="tanh"), (4, 5)),
    "silu": (lambda m: m.nn.SiLU(), (4, 5)),
    "leaky_relu": (lambda m: m.nn.LeakyReLU(0.2), (4, 5)),
    "elu": (lambda m: m.nn.ELU(alpha=0.7), (4, 5)),
    "softplus": (lambda m: m.nn.Softplus(beta=2.0, threshold=1.5), (4, 5)),
    "hardtanh": (lambda m: m.nn.Hardtanh(-0.5, 0.8), (4, 5)),
    "relu6": (lambda m: m.nn.ReLU6(), (4, 5)),
    "softmax2d": (lambda m: m.nn.Softmax2d(), (2, 3, 2, 2)),
    "sequential_cnn": (lambda m: m.nn.Sequential(
        m.nn.Conv2d(1, 4, 3, padding=1), m.nn.ReLU(), m.nn.MaxPool2d(2), m.nn.Flatten(),
        m.nn.Linear(16, 3)), (2, 1, 4, 4)),
}


@pytest.mark.parametrize("name", list(LAYERS))
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_layer_matches_torch_from_the_same_weights(name, dtype):
    build, shape = LAYERS[name]
    scale = 3.0 if name.startswith(("softplus", "hardtanh", "relu6", "elu")) else 1.0
    ours, theirs, *_ = run_both(build, floats(*shape, dtype=dtype) * scale, dtype=dtype)
    assert_same_state(ours, theirs)


@pytest.mark.parametrize("name", list(LAYERS))
def test_layer_repr_parameter_names_shapes_and_state_keys_match_torch(name):
    same_shapes_and_names(LAYERS[name][0])


@pytest.mark.parametrize("name", ["batchnorm1d", "batchnorm2d", "batchnorm2d_cumulative"])
def test_batchnorm_running_statistics_then_eval_match_torch(name):
    build, shape = LAYERS[name]
    ours, theirs = build(T), build(torch)
    for _ in range(3):
        batch = floats(*shape) * 2 + 1
        ours(T.tensor(batch))
        theirs(torch.tensor(batch))
    assert_same_state(ours, theirs)
    assert ours.num_batches_tracked.dtype == T.int64
    run_both(lambda m: ours if m is T else theirs, floats(*shape), train=False)


def test_batchnorm_state_dict_round_trip_and_eval_uses_loaded_statistics():
    ours = T.nn.BatchNorm1d(3)
    ours(T.tensor(floats(5, 3) * 3))
    restored = T.nn.BatchNorm1d(3)
    restored.load_state_dict(ours.state_dict())
    x = T.tensor(floats(4, 3))
    assert T.equal(ours.eval()(x), restored.eval()(x))


@pytest.mark.parametrize("call", [
    lambda m: m.nn.BatchNorm1d(3)(m.zeros(1, 3)),
    lambda m: m.nn.BatchNorm1d(3)(m.zeros(2, 3, 4, 5)),
    lambda m: m.nn.BatchNorm2d(3)(m.zeros(2, 3, 4)),
    lambda m: m.nn.Conv2d(3, 4, 3)(m.zeros(2, 5, 8, 8)),
    lambda m: m.nn.Conv2d(3, 4, 3)(m.zeros(2, 3)),
    lambda m: m.nn.Conv2d(3, 4, 5)(m.zeros(1, 3, 3, 3)),
    lambda m: m.nn.Conv1d(3, 4, 3)(m.zeros(2, 5, 8)),
    lambda m: m.nn.Conv2d(3, 4, 3, stride=2, padding="same"),
    lambda m: m.nn.Conv2d(3, 4, 3, groups=2),
    lambda m: m.nn.Dropout(1.5),
    lambda m: m.nn.LayerNorm(4)(m.zeros(2, 5)),
    lambda m: m.nn.Embedding(4, 2)(m.tensor([0.0, 1.0])),
    lambda m: m.nn.Embedding(4, 2)(m.tensor([4])),
    lambda m: m.nn.Embedding(4, 2)(m.tensor([-1])),
    lambda m: m.nn.MaxPool2d(3)(m.zeros(1, 3, 2, 2)),
    lambda m: m.nn.AvgPool2d(3)(m.zeros(3, 2, 2)),
    lambda m: m.nn.MaxPool2d(2, padding=2)(m.zeros(1, 1, 4, 4)),
    lambda m: m.nn.Conv2d(2, 4, 3)(m.zeros(1, 2, 5, 5, dtype=m.float64)),
    lambda m: m.nn.functional.conv2d(m.zeros(1, 2, 5, 5, dtype=m.float64), m.zeros(4, 2, 3, 3)),
    lambda m: m.nn.functional.linear(m.zeros(2, 3), m.zeros(4, 3), m.zeros(5)),
    lambda m: m.nn.functional.linear(m.zeros(5, 2, 3), m.zeros(4, 3), m.zeros(5)),
    lambda m: m.nn.functional.linear(m.zeros(5, 2, 3), m.zeros(4, 3), m.zeros(3, 4)),
    lambda m: m.nn.functional.linear(m.zeros(2, 3), m.zeros(4, 3), m.zeros(1, 1, 4)),
    lambda m: m.nn.Softmax2d()(m.zeros(2, 3)),
], ids=["bn-one-value", "bn1d-dims", "bn2d-dims", "conv-channels", "conv-dims", "conv-kernel",
        "conv1d-channels", "same-strided", "groups", "dropout-p", "layernorm-shape",
        "embedding-float", "embedding-above", "embedding-negative", "pool-too-small",
        "avgpool-too-small", "pool-padding", "conv-bias-dtype", "conv-weight-dtype",
        "linear-bias", "linear-3d-bias", "linear-3d-2d-bias", "linear-3d-bias-dims",
        "softmax2d-dims"])
def test_layer_errors_match_torch(call):
    assert_same_error(call)


# ------------------------------------------------------------- dropout, embedding

def test_dropout_train_eval_and_p_zero():
    x = T.randn(200, 50, requires_grad=True)
    layer = T.nn.Dropout(0.3)
    out = layer(x)
    kept = out != 0
    fraction = kept.float().mean().item()
    assert 0.65 < fraction < 0.75
    assert T.allclose(out[kept], (x[kept] / 0.7))
    out.sum().backward()
    assert T.allclose(x.grad, kept.float() / 0.7)
    assert layer.eval()(x) is x
    assert T.equal(T.nn.Dropout(0.0)(x), x)
    assert T.equal(T.nn.Dropout(1.0)(x), T.zeros_like(x))


def test_dropout_mask_comes_from_the_library_seed():
    T.manual_seed(3)
    first = T.nn.functional.dropout(T.ones(50))
    T.manual_seed(3)
    assert T.equal(first, T.nn.functional.dropout(T.ones(50)))


def test_dropout2d_zeroes_whole_channels():
    out = T.nn.Dropout2d(0.5)(T.ones(8, 16, 3, 3))
    per_channel = out.reshape(8, 16, 9)
    assert T.equal(per_channel.amax(-1), per_channel.amin(-1))
    assert set(np.unique(out.numpy())) <= {0.0, 2.0}


@pytest.mark.parametrize("padding_idx", [None, 1, -1])
def test_embedding_matches_torch_with_repeats_and_padding(padding_idx):
    indices = np.array([[0, 1, 3], [3, 3, 4]])

    def build(m):
        return m.nn.Embedding(5, 3, padding_idx=padding_idx)

    ours, theirs, *_ = run_both(build, indices)
    assert repr(ours) == repr(theirs)
    if padding_idx is not None:
        assert T.equal(ours.weight.grad[padding_idx], T.zeros(3))
        assert T.equal(build(T).weight[padding_idx], T.zeros(3))


def test_embedding_from_pretrained_is_frozen_by_default():
    weights = T.tensor(floats(4, 2))
    layer = T.nn.Embedding.from_pretrained(weights)
    assert not layer.weight.requires_grad
    assert T.equal(layer(T.tensor([2, 0])), weights[T.tensor([2, 0])])


# ------------------------------------------------------------------- init

@pytest.mark.parametrize("build", [
    lambda m: m.nn.Conv2d(6, 8, 5), lambda m: m.nn.Conv1d(4, 8, 3, groups=2),
], ids=["conv2d", "conv1d"])
def test_conv_default_init_bounds_match_torch(build):
    layer = build(T)
    fan_in = layer.weight[0].numel()
    bound = 1 / np.sqrt(fan_in)
    weights = layer.weight.detach().numpy()
    assert np.abs(weights).max() <= bound and np.abs(weights).max() > 0.8 * bound
    assert np.abs(layer.bias.detach().numpy()).max() <= bound


def test_embedding_and_norm_default_init():
    T.manual_seed(0)
    weight = T.nn.Embedding(400, 50).weight.detach().numpy()
    assert abs(weight.mean()) < 0.02 and abs(weight.std() - 1) < 0.02
    norm = T.nn.BatchNorm2d(3)
    assert T.equal(norm.weight, T.ones(3)) and T.equal(norm.running_var, T.ones(3))


# --------------------------------------------------------------- containers

def test_module_list_dict_and_parameter_list_match_torch():
    def build(m):
        net = m.nn.Module()
        net.blocks = m.nn.ModuleList([m.nn.Linear(2, 2) for _ in range(3)])
        net.blocks.append(m.nn.ReLU())
        net.blocks.insert(1, m.nn.Tanh())
        net.heads = m.nn.ModuleDict({"a": m.nn.Linear(2, 1), "b": m.nn.Identity()})
        net.scales = m.nn.ParameterList([m.nn.Parameter(m.ones(2)), m.zeros(3)])
        return net

    ours, theirs = build(T), build(torch)
    assert repr(ours.blocks) == repr(theirs.blocks)
    assert repr(ours.heads) == repr(theirs.heads)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in ours.named_modules()] == [n for n, _ in theirs.named_modules()]
    assert [n for n, _ in ours.named_children()] == [n for n, _ in theirs.named_children()]
    assert isinstance(ours.scales[1], T.nn.Parameter)
    assert len(ours.blocks) == 5 and isinstance(ours.blocks[-1], T.nn.ReLU)
    assert len(ours.blocks[1:3]) == 2 and type(ours.blocks[1:3]) is T.nn.ModuleList
    del ours.blocks[0]
    del theirs.blocks[0]
    assert repr(ours.blocks) == repr(theirs.blocks)
    assert list(ours.heads.keys()) == ["a", "b"] and "a" in ours.heads
    assert isinstance(ours.heads.pop("b"), T.nn.Identity)
    assert list(ours.heads) == ["a"]
    ours.blocks += [T.nn.Sigmoid()]
    assert isinstance(ours.blocks[-1], T.nn.Sigmoid)
    assert T.nn.ModuleList().__repr__() == "ModuleList()"


def test_parameter_list_repr_names_the_dtype_and_size():
    params = T.nn.ParameterList([T.nn.Parameter(T.ones(2, 3)), T.ones(3)])
    assert repr(params) == ("ParameterList(\n"
                            "    (0): Parameter containing: [tensor.float32 of size 2x3]\n"
                            "    (1): Parameter containing: [tensor.float32 of size 3]\n)")


def test_module_traversal_buffers_requires_grad_and_to_dtype():
    def build(m):
        net = m.nn.Sequential(OrderedDict(conv=m.nn.Conv2d(1, 2, 3), norm=m.nn.BatchNorm2d(2)))
        net.register_buffer("mask", m.ones(2))
        return net

    ours, theirs = build(T), build(torch)
    assert list(ours.state_dict()) == list(theirs.state_dict())
    visited = []
    ours.apply(lambda module: visited.append(type(module).__name__))
    assert visited == ["Conv2d", "BatchNorm2d", "Sequential"]
    ours.requires_grad_(False)
    assert not any(p.requires_grad for p in ours.parameters())
    ours.to(T.float64)
    assert ours.conv.weight.dtype == T.float64 and ours.norm.running_mean.dtype == T.float64
    assert ours.norm.num_batches_tracked.dtype == T.int64


def test_empty_batch_convolution_and_pooling_shapes_match_torch():
    for module in (T, torch):
        x = module.zeros(0, 3, 6, 6)
        conv = module.nn.functional.conv2d(x, module.zeros(2, 3, 3, 3))
        pool = module.nn.functional.max_pool2d(x, 2)
        assert tuple(conv.shape) == (0, 2, 4, 4) and tuple(pool.shape) == (0, 3, 3, 3)


def test_identity_flatten_unflatten_round_trip():
    x = T.tensor(floats(2, 3, 4))
    flat = T.nn.Flatten()(x)
    assert flat.shape == (2, 12)
    assert T.equal(T.nn.Unflatten(1, (3, 4))(flat), x)
    assert T.nn.Identity()(x) is x


def test_sixty_minute_blitz_neural_networks_tutorial_matches_torch():
    """The 60-minute blitz "Neural Networks" code, run in both libraries from one set of
    weights: output, the graph names it prints, gradients and one SGD step."""

    def build(torch_module):
        nn, F = torch_module.nn, torch_module.nn.functional  # noqa: N806

        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.conv1 = nn.Conv2d(1, 6, 5)
                self.conv2 = nn.Conv2d(6, 16, 5)
                self.fc1 = nn.Linear(16 * 5 * 5, 120)
                self.fc2 = nn.Linear(120, 84)
                self.fc3 = nn.Linear(84, 10)

            def forward(self, input):
                c1 = F.relu(self.conv1(input))
                s2 = F.max_pool2d(c1, (2, 2))
                c3 = F.relu(self.conv2(s2))
                s4 = F.max_pool2d(c3, 2)
                s4 = torch_module.flatten(s4, 1)
                f5 = F.relu(self.fc1(s4))
                f6 = F.relu(self.fc2(f5))
                return self.fc3(f6)

        return Net()

    ours, theirs = build(T), build(torch)
    copy_weights(ours, theirs)
    params = list(ours.parameters())
    assert len(params) == 10 and params[0].size() == (6, 1, 5, 5)
    image, target = floats(1, 1, 32, 32), floats(10).reshape(1, -1)
    results = []
    for module, net in ((T, ours), (torch, theirs)):
        output = net(module.tensor(image))
        loss = module.nn.MSELoss()(output, module.tensor(target))
        chain = [loss.grad_fn, loss.grad_fn.next_functions[0][0],
                 loss.grad_fn.next_functions[0][0].next_functions[0][0]]
        net.zero_grad()
        assert net.conv1.bias.grad is None
        loss.backward()
        optimizer = module.optim.SGD(net.parameters(), lr=0.01)
        optimizer.step()
        results.append((output, [type(node).__name__ for node in chain], net.conv1.bias.grad,
                        net(module.tensor(image))))
    (out, names, grad, after), (t_out, t_names, t_grad, t_after) = results
    assert names == [name.replace("torch::autograd::", "") for name in t_names]
    assert names == ["MseLossBackward0", "AddmmBackward0", "AccumulateGrad"]
    assert_same_tensor(out, t_out, "value", "output")
    assert_same_tensor(grad, t_grad, "grad", "conv1.bias.grad")
    assert_same_tensor(after, t_after, "grad", "after one SGD step")


def test_inplace_leaky_relu_and_dropout_write_into_their_input():
    x0 = floats(3, 4)
    grads = []
    for module in (T, torch):
        x = module.tensor(x0, requires_grad=True)
        y = x * 2
        out = module.nn.LeakyReLU(0.1, inplace=True)(y)
        assert out is y
        out.sum().backward()
        grads.append(x.grad)
    assert_same_tensor(grads[0], grads[1], "grad", "in-place leaky_relu")
    x = T.ones(50, requires_grad=True)
    y = x * 1
    out = T.nn.Dropout(0.5, inplace=True)(y)
    assert out is y and set(np.unique(y.detach().numpy())) <= {0.0, 2.0}
    out.sum().backward()
    assert T.equal(x.grad, y.detach())


@pytest.mark.parametrize("layer", ["ELU", "SiLU", "Hardtanh", "ReLU6"])
def test_inplace_forms_not_written_yet_refuse_instead_of_copying(layer):
    with pytest.raises(NotImplementedError, match="inplace=True"):
        getattr(T.nn, layer)(inplace=True)(T.ones(2) * 1)


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
@pytest.mark.parametrize("pads,shape", [((2, 1), (2, 3, 5)), ((1, 2, 2, 0), (1, 2, 4, 5)),
                                        ((1, 0, 0, 1, 1, 1), (1, 2, 3, 3, 3))], ids=str)
def test_pad_modes_match_torch(mode, pads, shape):
    def build(m):
        class Padded(m.nn.Module):
            def forward(self, x):
                return m.nn.functional.pad(x, pads, mode=mode) * 1
        return Padded()

    run_both(build, floats(*shape, dtype="float64"), dtype="float64")


@pytest.mark.parametrize("call", [
    lambda m: m.nn.functional.pad(m.zeros(1, 2, 3), (3, 0), mode="reflect"),
    lambda m: m.nn.functional.pad(m.zeros(3), (1, 1), mode="reflect"),
    lambda m: m.nn.functional.pad(m.zeros(1, 2, 3), (4, 0), mode="circular"),
    lambda m: m.nn.functional.pad(m.zeros(1, 2, 3), (1, 1), mode="zeros"),
    lambda m: m.nn.functional.pad(m.zeros(1, 2, 3), (1, 1), mode="reflect", value=2.0),
    lambda m: m.nn.functional.pad(m.zeros(1, 2, 3), (1, 1, 1)),
], ids=["reflect-size", "reflect-dims", "circular-wrap", "mode", "value", "odd"])
def test_pad_errors_match_torch(call):
    assert_same_error(call)


@pytest.mark.parametrize("options", [dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1,
                                                               ceil_mode=True),
                                     dict(kernel_size=(2, 3), stride=1, dilation=2)], ids=str)
@pytest.mark.parametrize("shape", [(2, 3, 7, 6), (3, 7, 6)], ids=str)
def test_max_pool_return_indices_match_torch(options, shape):
    x = floats(*shape)
    out, indices = T.nn.MaxPool2d(return_indices=True, **options)(T.tensor(x))
    t_out, t_indices = torch.nn.MaxPool2d(return_indices=True, **options)(torch.tensor(x))
    assert_same_tensor(out, t_out, "value", "pooled")
    assert_same_tensor(indices, t_indices, "value", "indices")


@pytest.mark.parametrize("norm_type", [2.0, 1.0])
def test_embedding_max_norm_renormalises_the_looked_up_rows_as_torch(norm_type):
    weights = floats(5, 3) * 2

    def build(m):
        layer = m.nn.Embedding(5, 3, max_norm=1.5, norm_type=norm_type)
        layer.load_state_dict({"weight": m.tensor(weights)})
        return layer

    ours, theirs, *_ = run_both(build, np.array([[0, 2], [2, 4]]))
    assert repr(ours) == repr(theirs)
    assert_same_tensor(ours.weight, theirs.weight, "value", "renormalised weight")


def test_word_embeddings_ngram_tutorial_runs_and_learns():
    """The N-gram language model of PyTorch's word-embedding tutorial, unchanged but for
    ``import tensor as torch`` and a shorter text."""
    torch_module = T
    nn, F, optim = torch_module.nn, torch_module.nn.functional, torch_module.optim  # noqa: N806
    torch_module.manual_seed(1)
    context_size, embedding_dim = 2, 10
    test_sentence = """When forty winters shall besiege thy brow,
    And dig deep trenches in thy beauty's field,
    Thy youth's proud livery so gazed on now,
    Will be a totter'd weed of small worth held""".split()
    ngrams = [([test_sentence[i - j - 1] for j in range(context_size)], test_sentence[i])
              for i in range(context_size, len(test_sentence))]
    vocab = set(test_sentence)
    word_to_ix = {word: i for i, word in enumerate(vocab)}

    class NGramLanguageModeler(nn.Module):
        def __init__(self, vocab_size, embedding_dim, context_size):
            super().__init__()
            self.embeddings = nn.Embedding(vocab_size, embedding_dim)
            self.linear1 = nn.Linear(context_size * embedding_dim, 128)
            self.linear2 = nn.Linear(128, vocab_size)

        def forward(self, inputs):
            embeds = self.embeddings(inputs).view((1, -1))
            out = F.relu(self.linear1(embeds))
            out = self.linear2(out)
            return F.log_softmax(out, dim=1)

    losses = []
    loss_function = nn.NLLLoss()
    model = NGramLanguageModeler(len(vocab), embedding_dim, context_size)
    optimizer = optim.SGD(model.parameters(), lr=0.01)
    for _ in range(5):
        total_loss = 0
        for context, target in ngrams:
            context_idxs = torch_module.tensor([word_to_ix[w] for w in context],
                                               dtype=torch_module.long)
            model.zero_grad()
            log_probs = model(context_idxs)
            loss = loss_function(log_probs, torch_module.tensor([word_to_ix[target]],
                                                                dtype=torch_module.long))
            loss.backward()
            optimizer.step()
            total_loss += loss.item()
        losses.append(total_loss)
    assert losses[-1] < losses[0]
    assert model.embeddings.weight[word_to_ix["beauty's"]].shape == (embedding_dim,)
