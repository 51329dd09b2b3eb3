"""dtype inference and promotion, grad_fn names, identity hashing and the numpy-lab
conveniences, each against torch."""

import itertools

import numpy as np
import pytest
import torch
from parity import dtype_name, error_of, same_in_both

import tensor as T


@pytest.mark.parametrize("data", [1.5, 2, True, [1.0, 2.0], [1, 2], [True, False], [[1, 2.5]],
                                  np.float64(1.5), np.array([1.0, 2.0]),
                                  np.array([1.0], dtype=np.float32), np.array([1, 2]),
                                  np.array([True])])
def test_creation_infers_torch_dtype(data):
    assert dtype_name(T.tensor(data).dtype) == dtype_name(torch.tensor(data).dtype)


def test_creation_functions_dtypes():
    def created(m):
        return [dtype_name(t.dtype) for t in (
            m.zeros(2), m.ones(2, dtype=m.float64), m.full((2,), 3), m.full((2,), 3.0),
            m.full((2,), True), m.arange(3), m.arange(3.0), m.arange(0, 1, 0.5), m.linspace(0, 1, 3),
            m.eye(2), m.rand(2), m.randn(2), m.randint(0, 5, (2,)), m.zeros_like(m.ones(2, dtype=m.int64)),
            m.from_numpy(np.zeros(2)), m.tensor(3.0).long(), m.tensor(3).float(), m.tensor(3).double(),
            m.tensor([1.5]).bool(),
        )]
    same_in_both(created)


OPERANDS = {
    "bool tensor": lambda m: m.tensor([True, False]),
    "int tensor": lambda m: m.tensor([1, 2]),
    "float32 tensor": lambda m: m.tensor([1.5, 2.5]),
    "float64 tensor": lambda m: m.tensor([1.5, 2.5], dtype=m.float64),
    "bool 0-d": lambda m: m.tensor(True),
    "int 0-d": lambda m: m.tensor(3),
    "float32 0-d": lambda m: m.tensor(2.5),
    "float64 0-d": lambda m: m.tensor(2.5, dtype=m.float64),
    "python bool": lambda m: True,
    "python int": lambda m: 2,
    "python float": lambda m: 2.5,
}
BINARY = {"add": lambda a, b: a + b, "mul": lambda a, b: a * b, "div": lambda a, b: a / b,
          "sub": lambda a, b: a - b, "pow": lambda a, b: a ** b}
PAIRS = [(a, b) for a, b in itertools.product(OPERANDS, OPERANDS)
         if "tensor" in a or "0-d" in a]


@pytest.mark.parametrize("op", ["add", "mul", "div", "sub", "pow"])
@pytest.mark.parametrize("left, right", PAIRS)
def test_binary_promotion_matches_torch(op, left, right):
    def result_dtype(m):
        a, b = OPERANDS[left](m), OPERANDS[right](m)
        error = error_of(lambda: BINARY[op](a, b))
        return error[0] if error else dtype_name(BINARY[op](a, b).dtype)

    assert result_dtype(T) == result_dtype(torch)


def test_float_ops_of_integers_give_the_default_float():
    def floats(m):
        i = m.tensor([1, 4])
        return [dtype_name(t.dtype) for t in (
            i / i, i * 2.5, i.exp(), m.sqrt(i), i.sigmoid(), i.sum(), m.tensor([True]).sum(),
            i.mean(dtype=m.float64), (i > 1), m.where(i > 1, i, 0.5), i.float() @ i.float(),
        )]
    same_in_both(floats)


def test_grad_dtype_follows_the_input():
    def grads(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        w = m.tensor([3.0, 4.0], dtype=m.float64, requires_grad=True)
        (x * w.float()).sum().backward()
        y = x.double().sum()
        return x.grad, w.grad, dtype_name(y.dtype), y.grad_fn.next_functions[0][0].name()
    same_in_both(grads)


def test_grad_fn_names():
    def names(m):
        x = m.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        outs = [x + 1, 1 - x, x * x, x / 2, x ** 2, x ** x, 2 ** x, -x, x.exp(), x.log(),
                x.tanh(), x.sigmoid(), x.relu(), x.sqrt(), x.abs(), x.sum(), x.sum(0), x.mean(),
                x.mean(1), x @ x, x.t(), x.T, x.reshape(4), x.view(4), x.unsqueeze(0),
                x.expand(3, 2, 2), x.permute(1, 0), x.transpose(0, 1), x.softmax(0),
                x.log_softmax(1), x.clone(), x.double(), x.clamp(0, 1), m.maximum(x, x),
                m.where(x > 2, x, x), x[0], x[:, 1:], x[m.tensor([1, 0])], m.cat([x, x]),
                m.stack([x, x])]
        return [t.grad_fn.name() for t in outs]
    same_in_both(names)


def test_tensors_hash_by_identity_and_compare_elementwise():
    def identity(m):
        a, b = m.tensor([1.0, 2.0]), m.tensor([1.0, 2.0])
        seen = {a, b, a}
        table = {a: "a", b: "b"}
        return len(seen), table[a], table[b], (a == b), a in seen, hash(a) == hash(a)
    same_in_both(identity)


def test_numpy_lab_style():
    x = T.Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    assert x.requires_grad and x.is_leaf and x.dtype is T.float32
    assert isinstance(x.data, T.Tensor) and not x.data.requires_grad
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[2, 4], [6, 8]])
    x.zero_grad()
    np.testing.assert_array_equal(x.grad.numpy(), np.zeros((2, 2)))
    x.data = x.data - 0.5 * x.data  # a plain update outside autograd, as in numpy labs
    np.testing.assert_array_equal(x.detach().numpy(), [[0.5, 1.0], [1.5, 2.0]])
    assert x.grad_fn is None and x._version == 0
