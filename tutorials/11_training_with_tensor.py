"""Tutorial 11: training models with `tensor`, the PyTorch way.

    python tutorials/11_training_with_tensor.py

Everything so far in one loop: a model (`nn.Module`), a loss, an optimizer,
and per step `zero_grad()`, forward, `backward()`, `step()`. Three problems:
linear regression (whose answer is known in closed form, so the trained
weights can be checked), a two-layer network on a problem no line can fit
(y = sin(x)), and a classifier for scikit-learn's bundled 8x8 digits (no
download). Pictures: the fitted line, the loss curves, the sine fit, and a
grid of test digits with their predicted labels.
"""

import random

import matplotlib.pyplot as plt
from _tutorial import check, save
from sklearn.datasets import load_digits

import tensor as torch
import tensor.nn.functional as F

torch.manual_seed(0)
loss_curves = {}


def train(model, optimizer, loss_fn, x, y, steps: int) -> list[float]:
    """The training loop: per step zero_grad, forward, loss, backward, step; the losses."""
    losses = []
    for _ in range(steps):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return losses


# ---------------------------------------------------------------------------
# 1. Linear regression: y = 2.5 x - 1 + noise, fitted by nn.Linear(1, 1) and
#    SGD on the mean squared error. Least squares has a closed form:
#    slope = cov(x, y) / var(x), intercept = mean(y) - slope mean(x).
print("1. linear regression")
x = torch.linspace(-2, 2, 64, dtype=torch.float64).reshape(64, 1)
y = 2.5 * x - 1 + 0.4 * torch.randn(64, 1, dtype=torch.float64)
line = torch.nn.Linear(1, 1).double()
loss_curves["linear regression (MSE)"] = train(line, torch.optim.SGD(line.parameters(), lr=0.1),
                                               F.mse_loss, x, y, steps=200)
xc, yc = x - x.mean(), y - y.mean()
slope = ((xc * yc).sum() / (xc**2).sum()).item()
intercept = (y.mean() - slope * x.mean()).item()
check("trained slope vs least squares", line.weight.item(), slope, 1e-6)
check("trained intercept vs least squares", line.bias.item(), intercept, 1e-6)

figure, axes = plt.subplots(figsize=(7, 4.5))
axes.scatter(x.flatten().tolist(), y.flatten().tolist(), s=14, color="tab:gray",
             label="data: 2.5x - 1 + noise")
with torch.no_grad():
    axes.plot(x.flatten().tolist(), line(x).flatten().tolist(), color="tab:red", linewidth=2,
              label=f"nn.Linear after SGD: {line.weight.item():.3f} x {line.bias.item():+.3f}")
axes.plot(x.flatten().tolist(), (slope * x + intercept).flatten().tolist(), "k--",
          label=f"least squares: {slope:.3f} x {intercept:+.3f}")
axes.set_title("Linear regression: gradient descent reaches the least-squares line")
axes.set_xlabel("x")
axes.set_ylabel("y")
axes.legend()
save(figure, "11_fitted_line.png")

# ---------------------------------------------------------------------------
# 2. A two-layer network on y = sin(x) over [-3, 3]: a line cannot follow it,
#    32 tanh units can. Adam, full batch.
print("2. a two-layer network learns sin(x)")
x = torch.linspace(-3, 3, 200).reshape(200, 1)
y = torch.sin(x)
network = torch.nn.Sequential(torch.nn.Linear(1, 32), torch.nn.Tanh(), torch.nn.Linear(32, 1))
losses = train(network, torch.optim.Adam(network.parameters(), lr=0.02), F.mse_loss, x, y, steps=600)
loss_curves["two-layer network on sin(x) (MSE)"] = losses
xc, yc = x - x.mean(), y - y.mean()
line_mse = (yc - ((xc * yc).sum() / (xc**2).sum()) * xc).pow(2).mean().item()
print(f"  final MSE {losses[-1]:.2e}; the best straight line has MSE {line_mse:.3f}")
assert losses[-1] < 1e-3 < line_mse, "the network fits what a line cannot"

figure, axes = plt.subplots(figsize=(7, 4.5))
axes.plot(x.flatten().tolist(), y.flatten().tolist(), "k", linewidth=3, alpha=0.4, label="sin(x)")
with torch.no_grad():
    fitted = network(x).flatten().tolist()
axes.plot(x.flatten().tolist(), fitted, color="tab:red", label="Linear(1, 32) - Tanh - Linear(32, 1)")
axes.set_title(f"Two-layer network (32 tanh units) fitting sin(x): MSE {losses[-1]:.1e}")
axes.set_xlabel("x")
axes.set_ylabel("y")
axes.legend()
save(figure, "11_sine_fit.png")

# ---------------------------------------------------------------------------
# 3. Digits: 1797 8x8 images, 64 pixels each, 10 classes. A 64-64-10 MLP
#    with cross-entropy and Adam, minibatches of 64, 15 epochs.
print("3. the digits classifier")
digits = load_digits()
images = torch.tensor(digits.data / 16.0, dtype=torch.float32)
labels = torch.tensor(digits.target)
shuffler = random.Random(0)  # a fixed shuffle, so the split is the same every run
order = torch.tensor(shuffler.sample(range(len(labels)), len(labels)))
train_index, test_index = order[:1400], order[1400:]
x_train, y_train = images[train_index], labels[train_index]
x_test, y_test = images[test_index], labels[test_index]
model = torch.nn.Sequential(torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 10))
optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
losses = []
for _ in range(15):
    shuffle = torch.tensor(shuffler.sample(range(1400), 1400))  # a new minibatch order each epoch
    for start in range(0, 1400, 64):
        batch = shuffle[start:start + 64]
        losses += train(model, optimizer, F.cross_entropy, x_train[batch], y_train[batch], steps=1)
loss_curves["digits MLP (cross-entropy, per minibatch)"] = losses
with torch.no_grad():
    predicted = model(x_test).argmax(dim=1)
accuracy = (predicted == y_test).float().mean().item()
print(f"  test accuracy on {len(y_test)} held-out digits: {accuracy:.1%}")
assert accuracy > 0.93, "a small MLP reaches over 93% on held-out digits"

figure, grid = plt.subplots(4, 8, figsize=(10, 5.8))
for axes, image, label, guess in zip(grid.flat, x_test[:32], y_test[:32], predicted[:32]):
    axes.imshow(image.reshape(8, 8).tolist(), cmap="gray_r")
    right = guess.item() == label.item()
    axes.set_title(f"pred {guess.item()} (true {label.item()})", fontsize=8,
                   color="tab:green" if right else "tab:red")
    axes.set_xticks([])
    axes.set_yticks([])
figure.suptitle(f"Test digits with the MLP's predictions (green: right, red: wrong); accuracy {accuracy:.1%}")
figure.tight_layout()
save(figure, "11_digits_predictions.png")

figure, panels = plt.subplots(1, 3, figsize=(15, 4))
for axes, (name, curve) in zip(panels, loss_curves.items()):
    axes.semilogy(curve, color="tab:blue", label=name)
    axes.set_title(name)
    axes.set_xlabel("optimizer step")
    axes.set_ylabel("training loss (log scale)")
    axes.grid(alpha=0.3, which="both")
figure.suptitle("Training loss per step")
figure.tight_layout()
save(figure, "11_loss_curves.png")
print("zero_grad, forward, backward, step: the same four lines train every model.")
