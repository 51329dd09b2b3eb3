"""Tutorial 1: gradients, what a derivative says and how autograd gets it.

    python tutorials/01_gradients.py

A derivative is a slope: f'(x) says how much f(x) moves per unit move of x,
near x. Autograd computes it exactly (to rounding), not by nudging x: every
operation records how it was made, and `backward()` applies the chain rule
from the output back to the inputs. Here: `requires_grad`, `backward` and
`.grad` for y = x^2 + 3x + 1, then several variables at once, and a picture of
the function with tangent lines whose slopes come from autograd.

The code uses `import tensor as torch`: lucidgrad's tensor engine follows
PyTorch's API, so every line below also runs with the real torch.
"""

import matplotlib.pyplot as plt
from _tutorial import check, save

import tensor as torch

# ---------------------------------------------------------------------------
# 1. One variable.
#
# `requires_grad=True` asks autograd to record what is computed from x.
# y is then a tensor that remembers its history (`y.grad_fn`), and
# `y.backward()` fills `x.grad` with dy/dx evaluated at this x.
print("1. y = x^2 + 3x + 1 at x = 2")
x = torch.tensor(2.0, requires_grad=True)
y = x**2 + 3 * x + 1
y.backward()
print(f"  y = {y.item()}, made by {y.grad_fn.name()}")
# By hand: dy/dx = 2x + 3 = 7 at x = 2.
check("dy/dx at x = 2", x.grad.item(), 2 * 2.0 + 3)

# The derivative is a local statement: nudge x by a small h and y moves by
# about h * dy/dx. A finite difference agrees to about h.
h = 1e-3
f = lambda v: v**2 + 3 * v + 1  # noqa: E731
check("(f(2 + h) - f(2)) / h, h = 1e-3", (f(2.0 + h) - f(2.0)) / h, 7.0, tolerance=2e-3)

# ---------------------------------------------------------------------------
# 2. Several variables: one backward gives every partial derivative.
#
# z = a * b + sin(a) depends on a and b. dz/da = b + cos(a), dz/db = a.
print("2. z = a*b + sin(a) at a = 1.5, b = -2")
a = torch.tensor(1.5, requires_grad=True)
b = torch.tensor(-2.0, requires_grad=True)
z = a * b + torch.sin(a)
z.backward()
check("dz/da = b + cos(a)", a.grad.item(), -2.0 + torch.cos(torch.tensor(1.5)).item(), 1e-6)
check("dz/db = a", b.grad.item(), 1.5)

# A vector input: y = sum(x^2) has gradient 2x, one entry per element.
v = torch.tensor([1.0, -2.0, 0.5], requires_grad=True)
(v**2).sum().backward()
print(f"  d sum(v^2)/dv = {v.grad.tolist()}   (maths: 2v = {[2 * e for e in [1.0, -2.0, 0.5]]})")
assert v.grad.tolist() == [2.0, -4.0, 1.0]

# ---------------------------------------------------------------------------
# 3. The picture: f with its tangent lines.
#
# At each point x0, autograd gives the slope f'(x0); the tangent line
# t(x) = f(x0) + f'(x0) (x - x0) touches the curve there and follows it
# nearby. Each slope is checked against the closed form 2 x0 + 3.
print("3. tangent lines of f(x) = x^2 + 3x + 1")
xs = torch.linspace(-5, 2, 200)
figure, axes = plt.subplots(figsize=(7, 5))
axes.plot(xs.tolist(), f(xs).tolist(), color="black", linewidth=2, label="f(x) = x² + 3x + 1")
colors = ["tab:red", "tab:orange", "tab:green", "tab:blue", "tab:purple"]
for x0, color in zip([-4.0, -2.5, -1.5, 0.0, 1.0], colors):
    point = torch.tensor(x0, requires_grad=True)
    value = f(point)
    value.backward()
    slope = point.grad.item()
    check(f"slope at x = {x0}", slope, 2 * x0 + 3)
    near = torch.linspace(x0 - 1.2, x0 + 1.2, 2)
    axes.plot(near.tolist(), (value.item() + slope * (near - x0)).tolist(), color=color,
              linestyle="--", label=f"tangent at x = {x0}: slope {slope:g}")
    axes.plot([x0], [value.item()], "o", color=color)
axes.set_title("f(x) = x² + 3x + 1 and tangent lines with slopes from autograd")
axes.set_xlabel("x")
axes.set_ylabel("f(x)")
axes.set_ylim(-5, 15)
axes.grid(alpha=0.3)
axes.legend(loc="upper center", fontsize=8)
save(figure, "01_tangent_lines.png")
print("Slopes from backward() match 2x + 3 everywhere: autograd gives exact derivatives.")
