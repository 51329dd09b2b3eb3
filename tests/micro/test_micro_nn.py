"""micro.nn: the layers' shapes and parameters, and training down on a toy problem."""

import random

import pytest

from micro import Value
from micro.datasets import make_moons
from micro.nn import MLP, Layer, Neuron


def test_parameter_counts_and_output_shapes():
    random.seed(0)
    model = MLP(3, [4, 4, 1])
    assert len(model.parameters()) == (3 + 1) * 4 + (4 + 1) * 4 + (4 + 1) * 1
    assert isinstance(model([1.0, 2.0, 3.0]), Value)
    assert len(Layer(3, 2)([1.0, 2.0, 3.0])) == 2
    assert repr(model.layers[-1].neurons[0]) == "LinearNeuron(4)"


def test_neuron_rejects_the_wrong_number_of_inputs():
    with pytest.raises(ValueError):
        Neuron(3)([1.0, 2.0])


def test_training_drives_the_loss_down():
    random.seed(1)
    xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
    ys = [1.0, -1.0, -1.0, 1.0]
    model = MLP(3, [4, 4, 1])
    losses = []
    for _ in range(60):
        loss = sum((model(x) - y) ** 2 for x, y in zip(xs, ys, strict=True))
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= 0.02 * p.grad
        losses.append(loss.data)
    assert losses[-1] < 0.05 * losses[0]


def test_make_moons_is_balanced_and_repeatable():
    points, labels = make_moons(50, noise=0.1, seed=3)
    assert len(points) == len(labels) == 50
    assert labels.count(1.0) == labels.count(-1.0) == 25
    assert (points, labels) == make_moons(50, noise=0.1, seed=3)
    assert make_moons(50, noise=0.0)[0][0] == (1.0, 0.0)  # the upper moon starts at (1, 0)
