"""Tutorial 2: gradient descent by hand.

    python tutorials/02_gradient_descent.py

The gradient points uphill; a small step against it goes down. Repeating
x <- x - lr * df/dx walks to a minimum. The update itself must not be
recorded by autograd (it is not part of the function), so it runs under
`torch.no_grad()`, and since backward() *adds* into .grad, the gradient is
zeroed after each step. Minimised here: f(x) = (x - 3)^2 + 1 (minimum 1 at
x = 3) and g(x) = x^2 (minimum 0 at 0), with learning rates too small, right,
and too big. Pictures: the descent path drawn on the curve, and the loss per
step.
"""

import matplotlib.pyplot as plt
from _tutorial import check, save

import tensor as torch


def descend(f, start: float, learning_rate: float, steps: int) -> list[tuple[float, float]]:
    """Gradient descent on f from `start`; the (x, f(x)) visited, start included."""
    x = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    path = []
    for _ in range(steps):
        loss = f(x)
        path.append((x.item(), loss.item()))
        loss.backward()  # x.grad = f'(x)
        with torch.no_grad():  # the update is not part of the function: do not record it
            x -= learning_rate * x.grad
        x.grad.zero_()  # backward() accumulates: clear before the next one
    path.append((x.item(), f(x).item()))
    return path


def parabola(x):
    return (x - 3) ** 2 + 1


def square(x):
    return x**2


# ---------------------------------------------------------------------------
# 1. One step, checked by hand: at x = 0, f'(0) = 2 (0 - 3) = -6, so with
#    lr = 0.1 the step goes to 0 - 0.1 * (-6) = 0.6.
print("1. one step of gradient descent on f(x) = (x - 3)^2 + 1")
check("x after one step from 0, lr 0.1", descend(parabola, 0.0, 0.1, 1)[-1][0], 0.6)

# ---------------------------------------------------------------------------
# 2. Why zero the gradient? Without zeroing, the second backward adds to the
#    first: .grad holds f'(x0) + f'(x1), not f'(x1).
x = torch.tensor(0.0, requires_grad=True)
parabola(x).backward()
parabola(x).backward()
check("grad after two backward() calls without zeroing (2 f'(0))", x.grad.item(), 2 * -6.0)

# ---------------------------------------------------------------------------
# 3. For f = (x - 3)^2 + 1 each step maps the distance to the minimum,
#    d = x - 3, to d (1 - 2 lr): it shrinks when 0 < lr < 1, jumps across
#    and grows when lr > 1. Three learning rates, 25 steps from x = -1.
print("2. (x - 3)^2 + 1 from x = -1, 25 steps")
rates = {0.02: "too small", 0.3: "about right", 1.05: "too big"}
paths = {}
for lr, verdict in rates.items():
    paths[lr] = descend(parabola, -1.0, lr, 25)
    final_x = paths[lr][-1][0]
    expected = 3 + (-1 - 3) * (1 - 2 * lr) ** 25
    print(f"  lr {lr:<5} ({verdict}): final x {final_x:.4f}")
    check(f"  final x, lr {lr}: 3 + (x0 - 3)(1 - 2 lr)^25", final_x, expected, 1e-3 * max(1, abs(expected)))
assert abs(paths[0.3][-1][0] - 3) < 1e-4, "lr 0.3 converges to the minimum x = 3"
assert abs(paths[1.05][-1][0] - 3) > 4, "lr 1.05 diverges"

# The same on g = x^2: d -> d (1 - 2 lr) too, minimum 0 at x = 0.
print("3. x^2 from x = 4, 25 steps")
square_paths = {lr: descend(square, 4.0, lr, 25) for lr in rates}
for lr in rates:
    check(f"  final x, lr {lr}: 4 (1 - 2 lr)^25", square_paths[lr][-1][0], 4 * (1 - 2 * lr) ** 25,
          1e-3 * max(1, abs(4 * (1 - 2 * lr) ** 25)))

# ---------------------------------------------------------------------------
# 4. Pictures: the path on the curve (one panel per rate), and loss per step.
colors = {0.02: "tab:blue", 0.3: "tab:green", 1.05: "tab:red"}
for name, f, fn_paths, label, (lo, hi) in (
    ("parabola", parabola, paths, "(x - 3)² + 1", (-4.0, 10.0)),
    ("square", square, square_paths, "x²", (-7.0, 7.0)),
):
    figure, panels = plt.subplots(1, 3, figsize=(14, 4), sharey=True)
    xs = torch.linspace(lo, hi, 200)
    for axes, (lr, path) in zip(panels, fn_paths.items()):
        axes.plot(xs.tolist(), f(xs).tolist(), color="black", label=f"f(x) = {label}")
        px = [min(max(p[0], lo), hi) for p in path]
        axes.plot(px, [f(torch.tensor(v)).item() for v in px], "o-", color=colors[lr], markersize=4,
                  linewidth=1, label=f"path, lr = {lr}")
        axes.plot(px[0], f(torch.tensor(px[0])).item(), "s", color="black", label="start")
        axes.set_ylim(-3, 1.5 * f(torch.tensor(hi)).item())  # room for the legend above the curve
        axes.set_title(f"lr = {lr}: {rates[lr]}")
        axes.set_xlabel("x")
        axes.legend(fontsize=8, loc="upper center")
    panels[0].set_ylabel("f(x)")
    figure.suptitle(f"Gradient descent on f(x) = {label}, 25 steps (points off the plot drawn at its edge)")
    figure.tight_layout()
    save(figure, f"02_descent_path_{name}.png")

figure, axes = plt.subplots(figsize=(7, 4.5))
for lr, path in paths.items():
    axes.semilogy(range(len(path)), [max(p[1] - 1, 1e-16) for p in path], "o-", markersize=3,
                  color=colors[lr], label=f"lr = {lr} ({rates[lr]})")
axes.set_title("Loss per step on f(x) = (x - 3)² + 1, shown as f(x) - min f")
axes.set_xlabel("step")
axes.set_ylabel("f(x) - 1 (log scale; exactly 0 drawn at 1e-16)")
axes.grid(alpha=0.3)
axes.legend()
save(figure, "02_loss_per_step.png")
print("Too small crawls, too big overshoots and diverges, the right rate converges in a few steps.")
