"""``tensor.autograd.functional`` and ``tensor.func`` against torch's, on the same functions."""

import importlib

import pytest
from parity import error_of, same_in_both


def cube_sum(x):
    return (x ** 3).sum()


def two_outputs(x, y):
    return x * y.exp(), (x ** 2).sum() + y.sum()


def mixed(x, y):
    return (x ** 2 * y).sum() + (x * y).sin().sum()


def inputs(torch):
    return torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64), torch.tensor([0.5, -1.0, 2.0],
                                                                              dtype=torch.float64)


FUNCTIONAL = {
    "jacobian": lambda F, x, y, v: F.jacobian(lambda a: a.sin() * a, x),
    "jacobian_tuples": lambda F, x, y, v: F.jacobian(two_outputs, (x, y)),
    "jacobian_unused_input": lambda F, x, y, v: F.jacobian(lambda a, b: a * 2, (x, y)),
    "hessian": lambda F, x, y, v: F.hessian(cube_sum, x),
    "hessian_tuple": lambda F, x, y, v: F.hessian(mixed, (x, y)),
    "vjp_scalar": lambda F, x, y, v: F.vjp(cube_sum, x),
    "vjp": lambda F, x, y, v: F.vjp(two_outputs, (x, y), (v, v.sum())),
    "jvp": lambda F, x, y, v: F.jvp(two_outputs, (x, y), (v, v * 2)),
    "hvp": lambda F, x, y, v: F.hvp(mixed, (x, y), (v, v)),
    "vhp": lambda F, x, y, v: F.vhp(mixed, (x, y), (v, -v)),
    "vjp_needs_v": lambda F, x, y, v: F.vjp(lambda a: a * 2, x),
    "hessian_needs_scalar": lambda F, x, y, v: F.hessian(lambda a: a * 2, x),
    "bad_input_type": lambda F, x, y, v: F.jacobian(lambda a: a * 2, 3),
    "bad_v_size": lambda F, x, y, v: F.jvp(lambda a: a * 2, x, v[:2]),
    "strict_unused": lambda F, x, y, v: F.vjp(lambda a, b: a * 2, (x, y), v, strict=True),
}


@pytest.mark.parametrize("case", FUNCTIONAL)
def test_autograd_functional(case):
    def scenario(torch):
        x, y = inputs(torch)
        v = torch.tensor([1.0, 0.0, 2.0], dtype=torch.float64)
        run = lambda: FUNCTIONAL[case](torch.autograd.functional, x, y, v)  # noqa: E731
        return error_of(run) or run()
    same_in_both(scenario)


def test_functional_create_graph_differentiates_further():
    def scenario(torch):
        x = torch.tensor([1.0, 2.0], requires_grad=True)
        jac = torch.autograd.functional.jacobian(lambda a: a ** 3, x, create_graph=True)
        jac.sum().backward()
        _, product = torch.autograd.functional.hvp(cube_sum, x, torch.ones(2), create_graph=True)
        return jac, x.grad, product.requires_grad, jac.requires_grad
    same_in_both(scenario)


FUNC = {
    "grad": lambda fn, x, y: fn.grad(lambda a: (a.sin() * a).sum())(x),
    "grad_argnums": lambda fn, x, y: fn.grad(mixed, argnums=(0, 1))(x, y),
    "grad_and_value": lambda fn, x, y: fn.grad_and_value(mixed, argnums=1)(x, y),
    "grad_has_aux": lambda fn, x, y: fn.grad(lambda a: ((a ** 2).sum(), a * 2), has_aux=True)(x),
    "grad_of_grad": lambda fn, x, y: fn.grad(lambda a: fn.grad(cube_sum)(a).sum())(x),
    "vjp": lambda fn, x, y: (lambda out, f: (out, f(x * 0 + 1)))(*fn.vjp(lambda a: a.exp() * 2, x)),
    "jacrev": lambda fn, x, y: fn.jacrev(lambda a: a.exp() * a.sum())(x),
    "jacrev_argnums": lambda fn, x, y: fn.jacrev(mixed, argnums=(0, 1))(x, y),
    "hessian": lambda fn, x, y: fn.hessian(lambda a: (a.sin() * a).sum())(x),
    "grad_non_scalar": lambda fn, x, y: fn.grad(lambda a: a * 2)(x),
    "grad_bad_argnums": lambda fn, x, y: fn.grad(mixed, argnums=2)(x, y),
}


@pytest.mark.parametrize("case", FUNC)
def test_func_transforms(case):
    def scenario(torch):
        x, y = inputs(torch)
        func = importlib.import_module(torch.__name__ + ".func")
        run = lambda: FUNC[case](func, x, y)  # noqa: E731
        error = error_of(run)
        return error[0] if error else run()  # torch.func's wording is its own; the type must match
    same_in_both(scenario)
