"""Tutorial 6: higher-order derivatives, by differentiating the backward pass itself.

    python tutorials/06_higher_order_derivatives.py

With `create_graph=True`, the backward pass is recorded like any forward
computation, so the gradient it returns is itself differentiable.
`torch.autograd.grad(y, x, create_graph=True)` returns dy/dx as a tensor
with a grad_fn; differentiating that gives d^2y/dx^2, and so on. Here the
polynomial f(x) = x^4 - 2x^3 + 3x^2 - 5x + 1, whose derivatives are known in
closed form, is differentiated four times by autograd, checked at a point and
over a whole range. Picture: f, f', f'', f''' from autograd against the
closed forms.
"""

import matplotlib.pyplot as plt
from _tutorial import check, save

import tensor as torch


def f(x):
    return x**4 - 2 * x**3 + 3 * x**2 - 5 * x + 1


# The closed forms, by the power rule.
closed_forms = [
    ("f(x) = x⁴ - 2x³ + 3x² - 5x + 1", lambda x: x**4 - 2 * x**3 + 3 * x**2 - 5 * x + 1),
    ("f'(x) = 4x³ - 6x² + 6x - 5", lambda x: 4 * x**3 - 6 * x**2 + 6 * x - 5),
    ("f''(x) = 12x² - 12x + 6", lambda x: 12 * x**2 - 12 * x + 6),
    ("f'''(x) = 24x - 12", lambda x: 24 * x - 12),
    ("f''''(x) = 24", lambda x: 24.0 + 0 * x),
]


def derivatives(x, order: int) -> list:
    """[f(x), f'(x), ..., f^(order)(x)], each from autograd.grad of the previous one."""
    values = [f(x)]
    for _ in range(order):
        # sum(): autograd.grad needs a scalar output; for an elementwise f the
        # gradient of sum(f(x)) is f'(x) at every element.
        (next_derivative,) = torch.autograd.grad(values[-1].sum(), x, create_graph=True)
        values.append(next_derivative)
    return values


# ---------------------------------------------------------------------------
# 1. At one point, x = 1.5: four derivatives, each checked.
print("1. derivatives of f at x = 1.5")
x = torch.tensor(1.5, dtype=torch.float64, requires_grad=True)
values = derivatives(x, 4)
for order, (value, (name, exact)) in enumerate(zip(values, closed_forms)):
    print(f"  order {order}: grad_fn = {value.grad_fn.name() if value.grad_fn else None}")
    check(name.split(" =")[0] + " at 1.5", value.item(), exact(1.5), 1e-9)

# The 4th derivative is constant, so the 5th is 0: autograd says so too.
# (allow_unused with materialize_grads returns 0 rather than raising, should
# the 4th derivative's graph no longer reach x at all.)
(fifth,) = torch.autograd.grad(values[4], x, allow_unused=True, materialize_grads=True)
check("f'''''(1.5)", fifth.item(), 0.0)

# ---------------------------------------------------------------------------
# 2. Over a range: one tensor of 121 points, all derivatives at once.
print("2. over [-1.5, 2.5]: the largest |autograd - closed form| per order")
xs = torch.linspace(-1.5, 2.5, 121, dtype=torch.float64, requires_grad=True)
curves = derivatives(xs, 3)
grid = xs.detach()
for order, (curve, (_, exact)) in enumerate(zip(curves, closed_forms)):
    error = (curve.detach() - exact(grid)).abs().max().item()
    check(f"order {order}, max |autograd - closed form|", error, 0.0, 1e-9)

# ---------------------------------------------------------------------------
# 3. The picture: autograd (markers) on the closed forms (lines).
figure, panels = plt.subplots(2, 2, figsize=(11, 8))
for axes, curve, (name, exact), color in zip(panels.flat, curves, closed_forms,
                                              ["tab:blue", "tab:orange", "tab:green", "tab:red"]):
    axes.plot(grid.tolist(), exact(grid).tolist(), color="black", linewidth=1.5, label="closed form")
    axes.plot(grid.tolist()[::6], curve.detach().tolist()[::6], "o", color=color, markersize=5,
              label="autograd (create_graph=True)")
    axes.set_title(name)
    axes.set_xlabel("x")
    axes.set_ylabel(name.split(" =")[0])
    axes.grid(alpha=0.3)
    axes.legend(loc="upper center", fontsize=8)
figure.suptitle("f and its first three derivatives: autograd.grad of autograd.grad against the power rule")
figure.tight_layout()
save(figure, "06_higher_order_derivatives.png")
print("Each derivative is a graph too: differentiate it again with create_graph=True.")
