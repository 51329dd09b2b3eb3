"""Issue 10's remaining everyday ops against torch: einsum, cumprod, scatter/scatter_add
(functional and in place), index_add/index_add_, unique (values, gradients, errors)."""

import numpy as np
import pytest
from parity import assert_same_result, error_of, same_in_both
from same_error import assert_same_error

EINSUM_CASES = [
    ("ij,jk->ik", [(3, 4), (4, 5)]),            # matmul
    ("ij,jk", [(3, 4), (4, 5)]),                # implicit output
    ("bij,bjk->bik", [(2, 3, 4), (2, 4, 5)]),   # batched matmul
    ("i,j->ij", [(3,), (4,)]),                  # outer
    ("ii->", [(4, 4)]),                         # trace
    ("ii->i", [(4, 4)]),                        # diagonal
    ("iij->j", [(3, 3, 2)]),
    ("ij->ji", [(3, 4)]),                       # transpose
    ("ji", [(3, 4)]),                           # implicit transpose
    ("ij->j", [(3, 4)]),                        # sum over an index
    ("ij,ij->", [(3, 4), (3, 4)]),
    ("i,i->i", [(3,), (3,)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]),
    ("bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)]),
    ("ij,j->i", [(3, 1), (4,)]),                # size-1 dim broadcasts as in torch
]


def _leaves(torch, shapes, seed=0):
    rng = np.random.default_rng(seed)
    return [torch.tensor(rng.standard_normal(s), requires_grad=True) for s in shapes]


def _value_and_grads(torch, fn, shapes):
    leaves = _leaves(torch, shapes)
    out = fn(torch, *leaves)
    weights = torch.tensor(np.random.default_rng(1).standard_normal(tuple(out.shape)))
    (out * weights).sum().backward()
    return out.detach(), [leaf.grad for leaf in leaves]


@pytest.mark.parametrize("equation, shapes", EINSUM_CASES)
def test_einsum_values_and_gradients(equation, shapes):
    def einsum(torch):
        return _value_and_grads(torch, lambda m, *xs: m.einsum(equation, *xs), shapes)
    same_in_both(einsum)


def test_einsum_operands_as_a_list_and_float32():
    def einsum_list(torch):
        a, b = torch.ones(2, 3), torch.arange(6.0).reshape(3, 2)
        return torch.einsum("ij,jk->ik", [a, b]), torch.einsum("i j , j k -> i k", a, b)
    same_in_both(einsum_list)


@pytest.mark.parametrize("call", [
    lambda m: m.einsum("ij,jk->ik", m.ones(2, 3)),
    lambda m: m.einsum("ij->ik", m.ones(2, 3)),
    lambda m: m.einsum("ijk->ij", m.ones(2, 3)),
    lambda m: m.einsum("ii->i", m.ones(2, 3)),
    lambda m: m.einsum("ij->ii", m.ones(2, 3)),
    lambda m: m.einsum("i1->i", m.ones(2, 3)),
])
def test_einsum_errors(call):
    assert_same_error(call)


@pytest.mark.parametrize("equation, shapes", [
    ("...ij,...jk->...ik", [(2, 3, 4), (2, 4, 5)]),
    ("...ij,...jk", [(2, 3, 4), (4, 5)]),       # broadcast batch, implicit output
    ("b...,b...->b", [(2, 3, 4), (2, 3, 4)]),
    ("...ii->...i", [(2, 3, 3)]),
    ("i...->...", [(3, 2, 4)]),
    ("...,...->...", [(1, 3), (2, 1)]),
    ("ij...->ji...", [(2, 3)]),                 # an empty ellipsis
    ("...ij->", [(2, 3, 4)]),
])
def test_einsum_ellipsis(equation, shapes):
    def einsum(torch):
        return _value_and_grads(torch, lambda m, *xs: m.einsum(equation, *xs), shapes)
    same_in_both(einsum)


@pytest.mark.parametrize("equation", ["...ijk->", "i..j->ij", "i.j->ij"])
def test_einsum_ellipsis_errors(equation):
    assert_same_error(lambda m: m.einsum(equation, m.ones(2, 3)))


@pytest.mark.parametrize("rows", [
    [[1.0, 2.0, 3.0, 4.0], [0.5, -2.0, 1.5, 3.0]],   # no zero
    [[1.0, 0.0, 2.0, 3.0], [0.0, 0.0, 2.0, 1.0]],    # one zero, two zeros in a row
    [[2.0, 3.0, 0.0, 5.0], [-1.0, 4.0, 2.0, 0.0]],   # zero later, zero last
])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cumprod_values_and_gradients_with_zeros(rows, dim):
    def cumprod(torch):
        x = torch.tensor(rows, dtype=torch.float64, requires_grad=True)
        out = torch.cumprod(x, dim)
        weights = torch.arange(1.0, 9.0, dtype=torch.float64).reshape(2, 4)
        (out * weights).sum().backward()
        return out.detach(), x.grad
    same_in_both(cumprod)


def test_cumprod_dtypes_and_edge_shapes():
    def cumprod(torch):
        ints = torch.tensor([[1, 2], [3, 4]])
        return (torch.cumprod(ints, 0), torch.tensor([True, False, True]).cumprod(0),
                torch.cumprod(ints, 1, dtype=torch.float64), torch.cumprod(torch.tensor(3.0), 0),
                torch.cumprod(torch.ones(2, 0), 1), torch.ones(3).cumprod(dim=0))
    same_in_both(cumprod)
    assert_same_error(lambda m: m.cumprod(m.ones(2, 3), 2))


def test_cumprod_second_derivative():
    def second(torch):
        x = torch.tensor([2.0, 0.0, 3.0, -1.0], dtype=torch.float64, requires_grad=True)
        (g,) = torch.autograd.grad(torch.cumprod(x, 0).sum(), x, create_graph=True)
        (h,) = torch.autograd.grad(g.sum(), x)
        return g.detach(), h
    same_in_both(second)


SCATTER_INDEX = [[0, 2, 1, 0], [2, 0, 0, 1]]


def test_scatter_add_values_and_gradients():
    def scatter_add(torch):
        x = torch.ones(3, 4, dtype=torch.float64, requires_grad=True)
        src = torch.arange(1.0, 9.0, dtype=torch.float64).reshape(2, 4).requires_grad_()
        out = torch.scatter_add(x, 0, torch.tensor(SCATTER_INDEX), src)
        out2 = x.scatter_add(1, torch.tensor([[3, 3], [0, 1], [2, 2]]), src.reshape(4, 2)[:3])
        (out * torch.arange(12.0, dtype=torch.float64).reshape(3, 4) + out2 * 3).sum().backward()
        return out.detach(), out2.detach(), x.grad, src.grad
    same_in_both(scatter_add)


def test_scatter_values_and_gradients():
    def scatter(torch):
        x = torch.ones(3, 4, dtype=torch.float64, requires_grad=True)
        src = torch.arange(1.0, 7.0, dtype=torch.float64).reshape(3, 2).requires_grad_()
        out = torch.scatter(x, 1, torch.tensor([[0, 2], [3, 1], [2, 0]]), src)
        filled = x.scatter(0, torch.tensor([[2, 1, 0, 2]]), 7.5)
        (out * torch.arange(12.0, dtype=torch.float64).reshape(3, 4) + filled).sum().backward()
        return out.detach(), filled.detach(), x.grad, src.grad
    same_in_both(scatter)


def test_scatter_and_index_add_in_place():
    def in_place(torch):
        a = torch.zeros(3, 5)
        a.scatter_(1, torch.tensor([[1], [3], [0]]), 1.5)
        b = torch.zeros(3, 4)
        b.scatter_add_(0, torch.tensor(SCATTER_INDEX), torch.ones(2, 4))
        c = torch.zeros(3, 4)
        c.scatter_(0, torch.tensor([[2, 1, 0, 1]]), torch.arange(1.0, 5.0).reshape(1, 4))
        d = torch.ones(5, 3)
        result = d.index_add_(0, torch.tensor([0, 4, 2]), torch.arange(9.0).reshape(3, 3), alpha=-1)
        return a, b, c, d, result is d, d._version if hasattr(d, "_version") else None
    same_in_both(in_place)


def test_in_place_scatter_records_the_graph():
    def graph(torch):
        leaf = torch.ones(3, 4, requires_grad=True)
        src = torch.full((2, 4), 2.0, requires_grad=True)
        y = leaf * 3
        y.scatter_add_(0, torch.tensor(SCATTER_INDEX), src)
        y.index_add_(1, torch.tensor([3, 3]), src.t()[:3] * 1.0)
        (y * torch.arange(12.0).reshape(3, 4)).sum().backward()
        return y.detach(), leaf.grad, src.grad
    same_in_both(graph)
    assert_same_error(lambda m: m.ones(2, requires_grad=True).index_add_(0, m.tensor([0]), m.ones(1)))


def test_index_add_values_and_gradients():
    def index_add(torch):
        x = torch.ones(5, 3, dtype=torch.float64, requires_grad=True)
        src = torch.arange(9.0, dtype=torch.float64).reshape(3, 3).requires_grad_()
        out = x.index_add(0, torch.tensor([0, 4, 0]), src, alpha=2)
        out2 = torch.index_add(x, 1, torch.tensor([2, 1, 2], dtype=torch.int32), src[:, :3].repeat(5, 1)[:5])
        (out * torch.arange(15.0, dtype=torch.float64).reshape(5, 3) + out2).sum().backward()
        return out.detach(), out2.detach(), x.grad, src.grad
    same_in_both(index_add)


@pytest.mark.parametrize("call", [
    lambda m: m.ones(3, 4).scatter_add(0, m.tensor([[0.0, 1.0]]), m.ones(1, 2)),
    lambda m: m.ones(3, 4).scatter(0, m.tensor([[0, 1]], dtype=m.int16), 2.0),
    lambda m: m.ones(3, 4).scatter_add(0, m.tensor([[0, 3]]), m.ones(1, 2)),
    lambda m: m.ones(3, 4).scatter_add(0, m.tensor([[0, -1]]), m.ones(1, 2)),
    lambda m: m.ones(3, 4).scatter_add(0, m.tensor([[0, 1]]), m.ones(1, 2, dtype=m.float64)),
    lambda m: m.ones(3, 4).scatter(0, m.tensor([[0, 1]]), m.ones(1, 2, dtype=m.float64)),
    lambda m: m.ones(3, 4).scatter_add(0, m.tensor([0, 1]), m.ones(1, 2)),
    lambda m: m.ones(3, 4).scatter_add(2, m.tensor([[0, 1]]), m.ones(1, 2)),
    lambda m: m.ones(3, 4).scatter(0, m.tensor([[0, 1, 2, 0, 1]]), m.ones(1, 5)),
    lambda m: m.ones(3, 4).scatter(0, m.tensor([[0, 1, 2]]), m.ones(1, 2)),
    lambda m: m.scatter_add(m.ones(3, 4), 0, [[0, 1]], m.ones(1, 2)),
    lambda m: m.ones(5, 3).index_add(0, m.tensor([0, 5]), m.ones(2, 3)),
    lambda m: m.ones(5, 3).index_add(0, m.tensor([0, -1]), m.ones(2, 3)),
    lambda m: m.ones(5, 3).index_add(0, m.tensor([0, 1]), m.ones(2, 3, dtype=m.float64)),
    lambda m: m.ones(5, 3).index_add(0, m.tensor([[0, 1]]), m.ones(2, 3)),
    lambda m: m.ones(5, 3).index_add(0, m.tensor([0.0, 1.0]), m.ones(2, 3)),
    lambda m: m.ones(5, 3).index_add(0, m.tensor([0, 1]), m.ones(3, 3)),
    lambda m: m.ones(5, 3).index_add(0, m.tensor([0, 1]), m.ones(2, 4)),
    lambda m: m.ones(5, 3).index_add(0, m.tensor([0, 1]), m.ones(2, 3, 1)),
])
def test_scatter_and_index_add_errors(call):
    assert_same_error(call)


def test_scatter_needs_src_or_value():
    import torch

    import tensor
    assert error_of(lambda: tensor.ones(3, 4).scatter(0, tensor.tensor([[0, 1]])))[0] == error_of(
        lambda: torch.ones(3, 4).scatter(0, torch.tensor([[0, 1]])))[0] == "TypeError"


def test_int32_index_is_accepted():
    def int32(torch):
        index = torch.tensor([[0, 2]], dtype=torch.int32)
        return (torch.ones(3, 4).scatter_add(0, index, torch.full((1, 2), 2.0)),
                torch.ones(3, 4).scatter(0, index, 5.0))
    same_in_both(int32)


def test_failed_in_place_scatter_changes_nothing():
    import tensor
    x = tensor.ones(3, 4)
    with pytest.raises(RuntimeError):
        x.scatter_add_(0, tensor.tensor([[0, 5]]), tensor.ones(1, 2))
    assert x.tolist() == [[1.0] * 4] * 3 and x._version == 0


@pytest.mark.parametrize("values", [
    [3, 1, 2, 3, 1, 5], [[2.0, 1.0], [2.0, 7.0]], [4], [], [True, False, True], [-0.5, 2.5, -0.5, 1e9],
])
def test_unique(values):
    def unique(torch):
        x = torch.tensor(values)
        return (torch.unique(x), x.unique(return_inverse=True), x.unique(return_counts=True),
                torch.unique(x, sorted=True, return_inverse=True, return_counts=True))
    same_in_both(unique)


def test_unique_is_not_differentiable():
    def unique(torch):
        x = torch.tensor([2.0, 1.0, 2.0], requires_grad=True)
        out, inverse, counts = torch.unique(x, return_inverse=True, return_counts=True)
        return (out.requires_grad, out.grad_fn.name(), inverse.requires_grad, counts.requires_grad,
                error_of(lambda: out.sum().backward()))
    same_in_both(unique)


def test_unique_result_layout_matches_torch():
    import torch

    import tensor
    ours = tensor.unique(tensor.tensor([[5, 1], [1, 5]]), return_inverse=True)
    theirs = torch.unique(torch.tensor([[5, 1], [1, 5]]), return_inverse=True)
    assert_same_result(ours, theirs)


@pytest.mark.parametrize("equation, shapes", [
    ("i,i->i", [(2,), (3,)]), ("ij,ij->ij", [(2, 3), (3, 3)]), ("ij,j->i", [(2, 3), (4,)]),
    ("i->i", [(2,), (2,)]),
])
def test_einsum_size_errors(equation, shapes):
    assert_same_error(lambda m: m.einsum(equation, *[m.ones(s) for s in shapes]))


# ---------------------------------------------------------------- errors as torch's

NAN = float("nan")


@pytest.mark.parametrize("make", [
    lambda m, p: m.optim.Adam(p, lr=NAN),
    lambda m, p: m.optim.Adam(p, eps=NAN),
    lambda m, p: m.optim.Adam(p, weight_decay=NAN),
    lambda m, p: m.optim.Adam(p, betas=(NAN, 0.9)),
    lambda m, p: m.optim.AdamW(p, lr=NAN),
    lambda m, p: m.optim.AdamW(p, eps=NAN),
    lambda m, p: m.optim.RMSprop(p, lr=NAN),
    lambda m, p: m.optim.RMSprop(p, alpha=NAN),
    lambda m, p: m.optim.RMSprop(p, momentum=NAN),
    lambda m, p: m.optim.Adagrad(p, lr=NAN),
    lambda m, p: m.optim.Adagrad(p, lr_decay=NAN),
    lambda m, p: m.optim.Adagrad(p, initial_accumulator_value=NAN),
    lambda m, p: m.optim.Adam(p, lr=-1.0),
])
def test_optimizers_refuse_nan_hyperparameters(make):
    assert_same_error(lambda m: make(m, [m.nn.Parameter(m.ones(2))]))


def test_sgd_accepts_nan_hyperparameters_as_torch():
    # torch's SGD checks `lr < 0.0` (and momentum, weight_decay): nan passes.
    def sgd(torch):
        groups = [torch.optim.SGD([torch.nn.Parameter(torch.ones(2))], **kw).param_groups[0]
                  for kw in ({"lr": NAN}, {"lr": 0.1, "momentum": NAN}, {"lr": 0.1, "weight_decay": NAN})]
        return [str(g[k]) for g, k in zip(groups, ("lr", "momentum", "weight_decay"))]
    same_in_both(sgd)


@pytest.mark.parametrize("call", [
    lambda m: m.nn.Linear(2, 3)([1.0, 2.0]),
    lambda m: m.nn.Linear(2, 3, bias=False)((1.0, 2.0)),
    lambda m: m.nn.functional.linear([1.0, 2.0], m.ones(3, 2)),
    lambda m: m.nn.functional.linear(m.ones(2), [[1.0, 2.0]]),
    lambda m: m.nn.functional.linear(m.ones(2), m.ones(3, 2), 3),
    lambda m: m.nn.Sequential(m.nn.Linear(2, 3), m.nn.ReLU())([1.0, 2.0]),
])
def test_linear_of_a_non_tensor(call):
    assert_same_error(call)


@pytest.mark.parametrize("call", [
    lambda m: m.ones(2, requires_grad="yes"),
    lambda m: m.tensor([1.0], requires_grad="yes"),
    lambda m: m.zeros_like(m.ones(2), requires_grad=1),
    lambda m: m.ones(2).requires_grad_("yes"),
    lambda m: m.ones(2).requires_grad_(None),
])
def test_requires_grad_not_a_bool(call):
    assert_same_error(call)


def test_requires_grad_setter_and_none():
    assert_same_error(lambda m: setattr(m.ones(2), "requires_grad", "yes"))

    def none(torch):
        return torch.full((2,), 1.0, requires_grad=None).requires_grad
    same_in_both(none)


@pytest.mark.parametrize("reduce", ["sum", "mean"])
@pytest.mark.parametrize("dim", [(), []])
@pytest.mark.parametrize("keepdim", [False, True])
def test_sum_and_mean_over_no_dims_reduce_everything(reduce, dim, keepdim):
    def over_nothing(torch):
        x = torch.arange(6.0).reshape(2, 3).requires_grad_()
        out = getattr(x, reduce)(dim, keepdim=keepdim)
        out.sum().backward()
        return out.detach(), out.grad_fn.name(), x.grad, getattr(torch.tensor(3.0), reduce)(dim)
    same_in_both(over_nothing)


@pytest.mark.parametrize("reduce", ["all", "any"])
@pytest.mark.parametrize("dim", [(), []])
@pytest.mark.parametrize("keepdim", [False, True])
def test_all_and_any_over_no_dims_are_elementwise(reduce, dim, keepdim):
    def over_nothing(torch):
        return [getattr(x, reduce)(dim, keepdim=keepdim) for x in (
            torch.tensor([[1.0, 0.0], [2.0, 3.0]]), torch.tensor(2), torch.tensor([True, False]))]
    same_in_both(over_nothing)


@pytest.mark.parametrize("call", [
    lambda m: m.ones(2, 3).sum(True),
    lambda m: m.ones(2, 3).mean(False),
    lambda m: m.ones(2, 3).softmax(True),
    lambda m: m.ones(2, 3).unsqueeze(True),
    lambda m: m.ones(2, 3).cumsum(True),
    lambda m: m.ones(2, 3).transpose(True, 0),
    lambda m: m.ones(2, 3).max(True),
])
def test_bool_as_a_dim_is_refused(call):
    import torch

    import tensor
    theirs, ours = error_of(lambda: call(torch)), error_of(lambda: call(tensor))
    assert theirs[0] == "TypeError" and ours is not None and ours[0] == "TypeError", ours


def test_bools_inside_a_tuple_of_dims_count_as_ints():
    def tuple_dims(torch):
        return torch.arange(6.0).reshape(2, 3).sum((0, True))
    same_in_both(tuple_dims)


@pytest.mark.parametrize("call", [
    lambda m: m.tensor(5.0).gather(0, m.tensor(0)),
    lambda m: m.tensor(5.0).gather(-1, m.tensor(0)),
    lambda m: m.tensor(5.0).gather(0, m.tensor([0, 0])),
    lambda m: m.tensor([5.0, 6.0]).gather(0, m.tensor(1)),
])
def test_gather_with_0d_operands(call):
    def gathered(torch):
        out = call(torch)
        return out, out.shape
    same_in_both(gathered)

    def gradient(torch):
        x = torch.tensor(5.0, requires_grad=True)
        out = x.gather(0, torch.tensor([0, 0, 0]))
        out.sum().backward()
        return out.grad_fn.name(), x.grad
    same_in_both(gradient)


@pytest.mark.parametrize("call", [
    lambda m: m.tensor(5.0).gather(1, m.tensor(0)),
    lambda m: m.tensor(5.0).gather(0, m.tensor(1)),
    lambda m: m.tensor(5.0).gather(0, m.tensor([[0]])),
    lambda m: m.ones(2, 2).gather(0, m.tensor(0)),
])
def test_gather_0d_errors(call):
    assert_same_error(call)


@pytest.mark.parametrize("dim", [0, 1, -1])
@pytest.mark.parametrize("empty_first", [True, False])
def test_cat_gives_a_skipped_empty_input_an_empty_gradient(dim, empty_first):
    def skipped(torch):
        empty = torch.zeros(0, requires_grad=True)
        x = torch.ones(2, 3, dtype=torch.float64, requires_grad=True)
        out = torch.cat([empty, x] if empty_first else [x, empty], dim)
        (out * 2).sum().backward()
        return out.detach(), empty.grad, x.grad
    same_in_both(skipped)


def test_cat_of_empty_vectors_gradients():
    def vectors(torch):
        empty, other = torch.zeros(0, requires_grad=True), torch.zeros(0, requires_grad=True)
        out = torch.cat([empty, torch.ones(3, requires_grad=True), other])
        out.sum().backward()
        only_empty = torch.zeros(0, requires_grad=True)
        torch.cat([only_empty, torch.zeros(0)]).sum().backward()
        return empty.grad, other.grad, only_empty.grad
    same_in_both(vectors)


def test_unique_on_cuda():
    import torch

    import tensor
    if not tensor.cuda.is_available():
        pytest.skip("no cuda device and no Triton interpreter")
    values = [3, 1, 2, 3, 1, 5]
    ours = tensor.unique(tensor.tensor(values, device="cuda"), return_inverse=True, return_counts=True)
    assert all(t.device.type == "cuda" for t in ours)
    assert_same_result(tuple(t.cpu() for t in ours),
                       torch.unique(torch.tensor(values), return_inverse=True, return_counts=True))
