"""The everyday names of a first hour with torch (constants, limits, legacy constructors,
``new_*``, ``type()``, in-place initialisers, print options), each against torch."""

import pytest
from parity import error_of, same_in_both


def test_constants_and_version():
    def scenario(torch):
        return torch.inf, torch.pi, torch.e, str(torch.nan), torch.__version__.split(".")[:2]
    same_in_both(scenario)


@pytest.mark.parametrize("name", ["float32", "float64", "float16", "bfloat16"])
def test_finfo(name):
    def scenario(torch):
        info = torch.finfo(getattr(torch, name))
        return info.bits, info.eps, info.max, info.min, info.tiny, info.smallest_normal, info.resolution
    same_in_both(scenario)


@pytest.mark.parametrize("name", ["int64", "int32", "int16", "int8", "uint8"])
def test_iinfo(name):
    def scenario(torch):
        info = torch.iinfo(getattr(torch, name))
        return info.bits, info.min, info.max, error_of(lambda: torch.finfo(getattr(torch, name)))[0]
    same_in_both(scenario)


def test_finfo_default_and_iinfo_of_float():
    def scenario(torch):
        return torch.finfo().eps, error_of(lambda: torch.iinfo(torch.float32))[0]
    same_in_both(scenario)


def test_legacy_constructors_variable_and_as_tensor():
    import numpy as np

    def scenario(torch):
        array = np.arange(3.0)
        shared = torch.as_tensor(array)
        array[0] = 7.0  # as_tensor of a numpy array of the same dtype shares its memory
        t = torch.tensor([1.0, 2.0])
        variable = torch.autograd.Variable(t, requires_grad=True)
        return (torch.FloatTensor([1, 2]), torch.LongTensor([1.7, 2.2]), torch.DoubleTensor([[1]]),
                torch.BoolTensor([0, 1]), tuple(torch.LongTensor(2, 3).shape), shared,
                torch.as_tensor([1, 2], dtype=torch.float64), torch.as_tensor(t) is t,
                variable, variable.is_leaf, isinstance(t, torch.autograd.Variable))
    same_in_both(scenario)


def test_type_and_new_factories():
    def scenario(torch):
        x = torch.tensor([[1.5, 2.5]], dtype=torch.float64)
        y = (torch.ones(2, requires_grad=True) * 1).unbind()
        return (x.type(), x.type(torch.int64), x.type("torch.FloatTensor"), x.type(torch.IntTensor),
                x.new_zeros(2, 3), x.new_ones((2,)), x.new_full((2, 2), 7), x.new_tensor([1, 2]),
                x.new_zeros(2, dtype=torch.int64), tuple(x.new_empty(4).shape), x.new([3, 4]),
                tuple(x.new(2, 5).shape), y[1].output_nr, y[0].output_nr,
                torch.ones(2).output_nr, error_of(lambda: x.type("torch.NoSuchTensor"))[0])
    same_in_both(scenario)


def test_uniform_and_normal_initialisers():
    def scenario(torch):
        torch.manual_seed(0)
        w = torch.empty(2000, requires_grad=True)
        refused = error_of(lambda: w.uniform_())
        with torch.no_grad():
            uniform = w.uniform_(-2.0, 3.0)
        low_high = (bool(w.min() >= -2.0), bool(w.max() < 3.0), abs(float(w.mean()) - 0.5) < 0.15)
        w = w.detach().normal_(4.0, 0.5)
        moments = (abs(float(w.mean()) - 4.0) < 0.05, abs(float(w.std()) - 0.5) < 0.05)
        return refused, uniform is not None, low_high, moments, w.requires_grad
    same_in_both(scenario)


def test_threads_and_print_options():
    def scenario(torch):
        threads = torch.get_num_threads()
        torch.set_num_threads(threads)
        value = torch.tensor([1.23456, 100.5])
        torch.set_printoptions(precision=2)
        short = repr(value)
        torch.set_printoptions(profile="default")
        return torch.get_num_threads() == threads, short.replace("tensor", ""), repr(value)
    same_in_both(scenario)


OPS = {
    "floor_divide": lambda m: (m.tensor([5.0, -7.0]) // m.tensor([2.0, 2.0]), m.tensor([5, -7]) // 2,
                               7 // m.tensor([2, -3]), m.tensor([5, -7]) // 2.5, m.tensor([5.0]) // 0),
    "floor_divide_backward": lambda m: (m.ones(2, requires_grad=True) // 2).sum().backward(),
    "remainder_ints": lambda m: (m.tensor([5, -7]) % 2, 7 % m.tensor([2, -3]), 5.5 % m.tensor([2]),
                                 m.fmod(m.tensor([5, -7]), 3)),
    "rmod_backward": lambda m: (2.5 % m.ones(2, requires_grad=True)).sum().backward(),
    "integer_division_by_zero": lambda m: m.tensor([5]) // 0,
    "integer_remainder_by_zero": lambda m: m.tensor([5]) % m.tensor([0]),
    "cumsum_ints": lambda m: (m.tensor([5, 7]).cumsum(0), m.tensor([True, True]).cumsum(0),
                              m.tensor([[1.0, 2.0]]).cumsum(dim=1, dtype=m.float64)),
    "meshgrid_ij": lambda m: m.meshgrid(m.tensor([1, 2]), m.tensor([3, 4, 5]), indexing="ij"),
    "meshgrid_xy": lambda m: m.meshgrid([m.tensor([1, 2]), m.tensor([3, 4, 5])], indexing="xy"),
    "randperm": lambda m: (sorted(m.randperm(10).tolist()), m.randperm(4).dtype == m.int64,
                           m.randperm(3, dtype=m.float32).dtype == m.float32),
    "normal": lambda m: (tuple(m.normal(m.zeros(3), 1.0).shape), tuple(m.normal(2.0, 3.0, size=(2, 3)).shape),
                         tuple(m.normal(m.zeros(2, 1), m.ones(3)).shape)),
    "dot_dtypes": lambda m: m.dot(m.ones(2), m.ones(2, dtype=m.float64)),
    "dot_dims": lambda m: m.dot(m.ones(2, 2), m.ones(2)),
    "dot_not_tensor": lambda m: m.dot(m.ones(2), [1.0, 2.0]),
    "narrow_too_long": lambda m: m.ones(3).narrow(0, 2, 2),
    "topk_too_many": lambda m: m.ones(3).topk(4),
    "aliases": lambda m: (m.ones(2).not_equal(m.zeros(2)), m.less_equal(m.ones(2), 1), m.greater_equal(
        m.ones(2), 2), tuple(m.ones(2, 3).swapdims(0, 1).shape), m.absolute(m.tensor([-1.0])),
        True ^ m.tensor([True, False])),
    "numpy_keywords": lambda m: (m.ones(2, 3).sum(axis=1, keepdims=True), m.mean(m.ones(2, 3), axis=0),
                                 m.ones(2, 3).max(axis=1).values, m.zeros(size=(2, 3)), m.ones(size=[2])),
    "out": lambda m: (lambda out: (m.add(m.ones(2), 1, out=out), out))(m.empty(2)),
    "out_resized_when_empty": lambda m: (lambda out: (m.mul(m.ones(2), 3, out=out), tuple(out.shape)))(
        m.empty(0)),
    "out_refused_under_autograd": lambda m: m.exp(m.ones(2, requires_grad=True), out=m.empty(2)),
    "out_cannot_cast": lambda m: m.add(m.ones(2), 1, out=m.empty(2, dtype=m.int64)),
}


@pytest.mark.parametrize("case", OPS)
def test_everyday_ops(case):
    def scenario(torch):
        run = lambda: OPS[case](torch)  # noqa: E731
        return error_of(run) or run()
    same_in_both(scenario)
