"""Tutorial 10: backpropagation from scratch, on plain Python floats.

    python tutorials/10_micrograd_from_scratch.py

What you will see: a number that remembers how it was made, the chain rule
run backwards through a graph of such numbers, and a small neural network
trained with nothing else, to separate two interleaving moons. Outputs go to
$LUCIDGRAD_OUT (default ./tutorial_output/): the decision boundary and the
loss curve as PNGs, and the graph of one neuron as DOT text (plus SVG when
Graphviz's `dot` or graphviz-pure is installed). Runs headless in about ten seconds.
"""

import random
import shutil

import matplotlib.pyplot as plt
from _tutorial import OUT, announce, save  # pictures to $LUCIDGRAD_OUT, headless (Agg)

from micro import Value, check_gradients, draw_dot, to_dot
from micro.datasets import make_moons
from micro.nn import MLP, Neuron

# ---------------------------------------------------------------------------
# 1. A Value remembers how it was made.
#
# `c = a * b` computes c's number, and also records that c came from a and b
# by `mul`, together with the local derivatives dc/da = b and dc/db = a, as
# plain numbers. Nothing else is needed to differentiate later.
a, b = Value(2.0), Value(-3.0)
c = a * b
d = c + a.tanh()
print(f"d = a*b + tanh(a) = {d.data:.4f}, made by {d._op!r} from {len(d._prev)} inputs")

# ---------------------------------------------------------------------------
# 2. backward() is the chain rule, applied from the output to the inputs.
#
# d.backward() sets dd/dd = 1 and visits every node after all the nodes that
# use it (reverse topological order). Each node passes its gradient to its
# inputs, multiplied by the local derivative stored on the edge:
#     input.grad += local * node.grad
# Where a value is used twice (a feeds both the mul and the tanh) the two
# contributions add up: dd/da = b + (1 - tanh(a)**2).
d.backward()
print(f"dd/da = {a.grad:.6f}   (by hand: {-3.0 + (1 - a.tanh().data ** 2):.6f})")
print(f"dd/db = {b.grad:.6f}   (by hand: {2.0:.6f})")

# Never trust a derivative you have not checked: central differences
# (f(x + eps) - f(x - eps)) / 2 eps agree with backward() to ~1e-9.
check = check_gradients(lambda a, b: a * b + a.tanh(), [2.0, -3.0])
print(f"gradient check: worst |backward - numeric| = {check.max_abs_diff:.1e}")

# ---------------------------------------------------------------------------
# 3. A neuron is a small graph: relu(w1*x1 + w2*x2 + b).
#
# Its picture shows every intermediate Value with its data and, after
# backward(), its grad: how much the output moves per unit move of that box.
random.seed(1337)
neuron = Neuron(2)
x = [Value(1.0), Value(-2.0)]
y = neuron(x)
y.backward()
names = {neuron.w[0]: "w1", neuron.w[1]: "w2", neuron.b: "b", x[0]: "x1", x[1]: "x2"}
(OUT / "neuron.dot").write_text(to_dot(y, labels=names))
if shutil.which("dot") or shutil.which("graphviz-pure"):
    draw_dot(y, OUT / "neuron.svg", labels=names)
    announce(OUT / "neuron.svg")
print(f"graph of one neuron written to {OUT / 'neuron.dot'}")

# ---------------------------------------------------------------------------
# 4. The data: two moons, labels -1 and +1, not separable by a straight line.
points, labels = make_moons(100, noise=0.1, seed=0)

# ---------------------------------------------------------------------------
# 5. The model and the loss.
#
# An MLP with two hidden layers of 16 ReLU neurons gives one score per point;
# its sign is the predicted class. The max-margin loss relu(1 - y * score)
# is zero once a point is on the right side with margin 1, so training pushes
# only on the points still wrong or too close. A little L2 penalty on the
# weights keeps the boundary smooth.
model = MLP(2, [16, 16, 1])
print(f"model: MLP(2, [16, 16, 1]) with {len(model.parameters())} parameters")


def loss_and_accuracy():
    scores = [model(point) for point in points]
    losses = [(1 + -label * score).relu() for label, score in zip(labels, scores, strict=True)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = 1e-4 * sum(p * p for p in model.parameters())
    correct = [(label > 0) == (score.data > 0) for label, score in zip(labels, scores, strict=True)]
    return data_loss + reg_loss, sum(correct) / len(correct)


# ---------------------------------------------------------------------------
# 6. Training: forward, zero the old gradients, backward, step downhill.
#
# Gradients accumulate across backward() calls (as in PyTorch), so they must
# be zeroed each step. The learning rate decays from 1.0 to 0.1. The step is
# a function so that its graph (about 66 000 Values) is freed when it returns:
# a graph is garbage as soon as nothing refers to its output, and keeping the
# last one alive while building the next would only give Python's garbage
# collector more objects to look through.
def train_step(learning_rate):
    loss, accuracy = loss_and_accuracy()
    model.zero_grad()
    loss.backward()
    for p in model.parameters():
        p.data -= learning_rate * p.grad
    return loss.data, accuracy


steps = 60
history = []
for step in range(steps):
    loss, accuracy = train_step(learning_rate=1.0 - 0.9 * step / steps)
    history.append((loss, accuracy))
    if step % 10 == 0 or step == steps - 1:
        print(f"step {step:3d}  loss {loss:.4f}  accuracy {accuracy:.0%}")

accuracy = loss_and_accuracy()[1]
print(f"final train accuracy: {accuracy:.1%}")

# ---------------------------------------------------------------------------
# 7. The decision boundary: the model's score over a grid of the plane.
xs = [-1.6 + 4.2 * i / 39 for i in range(40)]
ys = [-1.2 + 2.8 * j / 29 for j in range(30)]
grid = [[model([gx, gy]).data for gx in xs] for gy in ys]
figure, axes = plt.subplots(figsize=(6, 4.5))
axes.contourf(xs, ys, grid, levels=[-1e9, 0, 1e9], colors=["#fbb4ae", "#b3cde3"], alpha=0.8)
for label, color, name in ((-1, "#e41a1c", "class -1"), (1, "#377eb8", "class +1")):
    members = [p for p, t in zip(points, labels, strict=True) if t == label]
    axes.scatter([p[0] for p in members], [p[1] for p in members], c=color, edgecolors="k", s=25,
                 label=f"{name} (training point)")
axes.scatter([], [], marker="s", c="#fbb4ae", label="predicted -1 (score < 0)")
axes.scatter([], [], marker="s", c="#b3cde3", label="predicted +1 (score > 0)")
axes.set_title(f"micro.nn.MLP(2, [16, 16, 1]) on two moons: train accuracy {accuracy:.0%}")
axes.set_xlabel("x1")
axes.set_ylabel("x2")
axes.legend(loc="lower left", fontsize=8)
save(figure, "decision_boundary.png")

# ---------------------------------------------------------------------------
# 8. The loss curve: the loss (data + L2 penalty) and accuracy per step.
figure, loss_axes = plt.subplots(figsize=(7, 4))
loss_axes.plot([h[0] for h in history], color="tab:blue", label="loss (max-margin + L2)")
loss_axes.set_xlabel("training step")
loss_axes.set_ylabel("loss")
accuracy_axes = loss_axes.twinx()
accuracy_axes.plot([h[1] for h in history], color="tab:orange", label="train accuracy")
accuracy_axes.set_ylabel("train accuracy")
accuracy_axes.set_ylim(0, 1.05)
lines = loss_axes.get_legend_handles_labels()
more = accuracy_axes.get_legend_handles_labels()
loss_axes.legend(lines[0] + more[0], lines[1] + more[1], loc="center right")
loss_axes.set_title("Training micro.nn.MLP on two moons: loss and accuracy per step")
save(figure, "loss_curve.png")
