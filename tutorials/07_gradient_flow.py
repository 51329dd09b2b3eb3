"""Tutorial 7: gradient flow, how activations pass gradients on (or do not).

    python tutorials/07_gradient_flow.py

Backpropagation multiplies local derivatives along every path. An
activation whose derivative is small shrinks every gradient passing through
it: sigmoid's derivative is at most 1/4, so through 20 sigmoid layers a
gradient shrinks by about 4^20 ~ 10^12 unless the weights compensate, and
the first layers stop learning (vanishing gradients). ReLU passes gradients
through unchanged where it is active. Part 1 draws ReLU, sigmoid, tanh, x^2
and sin with their autograd derivatives over [-3, 3]; part 2 measures the
gradient norm per layer of a deep stack of sigmoid and of ReLU layers.
"""

import math

import matplotlib.pyplot as plt
from _tutorial import check, save

import tensor as torch

# ---------------------------------------------------------------------------
# 1. Activations and their derivatives, each checked against the closed form.
print("1. derivatives over [-3, 3] from autograd, against the closed forms")
functions = [
    ("relu", torch.relu, lambda x: (x > 0).double()),
    ("sigmoid", torch.sigmoid, lambda x: torch.sigmoid(x) * (1 - torch.sigmoid(x))),
    ("tanh", torch.tanh, lambda x: 1 - torch.tanh(x) ** 2),
    ("x²", lambda x: x**2, lambda x: 2 * x),
    ("sin", torch.sin, torch.cos),
]
x = torch.linspace(-3, 3, 301, dtype=torch.float64, requires_grad=True)
figure, panels = plt.subplots(1, 5, figsize=(20, 4))
for axes, (name, fn, derivative) in zip(panels, functions):
    x.grad = None
    y = fn(x)
    y.sum().backward()  # d sum(f(x)) / dx_i = f'(x_i): all derivatives in one backward
    grid = x.detach()
    error = (x.grad - derivative(grid)).abs().max().item()
    check(f"{name}: max |autograd - closed form|", error, 0.0, 1e-12)
    axes.plot(grid.tolist(), y.detach().tolist(), color="tab:blue", label="f(x)")
    axes.plot(grid.tolist(), x.grad.tolist(), color="tab:red", linestyle="--", label="f'(x) from autograd")
    axes.axhline(0, color="black", linewidth=0.5)
    axes.set_title(name)
    axes.set_xlabel("x")
    axes.set_ylabel("value")
    axes.grid(alpha=0.3)
figure.legend(*panels[0].get_legend_handles_labels(), loc="lower center", ncol=2)
figure.suptitle("Activations f (solid) and their derivatives f' from backward() (dashed)")
figure.tight_layout(rect=(0, 0.08, 1, 1))
save(figure, "07_activation_derivatives.png")
print(f"  sigmoid's largest derivative: {max(functions[1][2](x.detach()).tolist()):.4f} (at 0; 1/4 exactly)")

# ---------------------------------------------------------------------------
# 2. A deep stack: 20 layers Linear(64, 64) + activation, the same He
#    initialisation (weights uniform, variance 2 / fan_in) for both, a batch
#    of 128 random inputs, loss = mean of the last layer's outputs.
#    After backward, the norm of each layer's weight gradient shows how much
#    of the loss's gradient reaches it.
print("2. gradient norm per layer, 20 layers deep")
depth, width = 20, 64


def layer_gradient_norms(activation) -> list[float]:
    torch.manual_seed(0)
    layers = [torch.nn.Linear(width, width) for _ in range(depth)]
    for layer in layers:  # He initialisation: keeps ReLU activations' scale layer to layer
        torch.nn.init.kaiming_uniform_(layer.weight, nonlinearity="relu")
        torch.nn.init.zeros_(layer.bias)
    h = torch.randn(128, width)
    for layer in layers:
        h = activation(layer(h))
    h.mean().backward()
    return [layer.weight.grad.norm().item() for layer in layers]


norms = {"sigmoid": layer_gradient_norms(torch.sigmoid), "relu": layer_gradient_norms(torch.relu)}
for name, values in norms.items():
    ratio = values[0] / values[-1]
    print(f"  {name:8s} layer 1: {values[0]:.2e}   layer {depth}: {values[-1]:.2e}   first/last {ratio:.1e}")
# Sigmoid: each layer multiplies the gradient by sigma' (at most 1/4) and by
# the weights (He init gives back about sqrt(2) of it), so the first layer
# gets a vanishing share. ReLU's derivative is 1 where active, and He init
# is made to keep the scale: the first layer gets a gradient of the same order.
assert norms["sigmoid"][0] / norms["sigmoid"][-1] < 1e-8, "sigmoid gradients vanish"
assert norms["relu"][0] / norms["relu"][-1] > 1e-2, "relu gradients reach the first layer"
ratio_per_layer = (norms["sigmoid"][0] / norms["sigmoid"][-1]) ** (1 / (depth - 1))
print(f"  sigmoid multiplies the gradient by {ratio_per_layer:.3f} per layer on average")
assert ratio_per_layer < 0.5

figure, axes = plt.subplots(figsize=(8, 5))
layers = list(range(1, depth + 1))
for name, color in (("sigmoid", "tab:blue"), ("relu", "tab:orange")):
    axes.semilogy(layers, norms[name], "o-", color=color, label=f"{name} layers")
axes.set_title(f"Gradient norm per layer: {depth} layers Linear({width}, {width}) + activation")
axes.set_xlabel("layer (1 = next to the input)")
axes.set_ylabel("‖d loss / d weight‖ (log scale)")
axes.set_xticks(layers)
axes.grid(alpha=0.3, which="both")
axes.legend()
save(figure, "07_gradient_norm_per_layer.png")
decades = -math.log10(norms["sigmoid"][0] / norms["sigmoid"][-1])
print(f"Through {depth} sigmoid layers the first layer's gradient is {decades:.0f} decades smaller.")
