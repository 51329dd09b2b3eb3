"""Tutorial 4: backpropagation, one node at a time.

    python tutorials/04_backpropagation_step_by_step.py

backward() visits the graph from the output to the inputs. At each node it
holds g, the gradient of the output with respect to that node (complete,
because every node that uses it was visited first). The node's op knows its
local derivatives, d node / d input, and the chain rule sends

    local * g

to each input. An input used twice receives two such contributions, which
add. `explain_backward(root)` (in `micro` and in `tensor`) runs backward()
and prints exactly this, node by node, in the order the engine runs.

Two examples: (a + b) * c, and a sigmoid neuron sigmoid(w1 x1 + w2 x2 + b);
each checked against the chain rule worked by hand, and the two engines'
narrations compared line for line. Picture: the neuron's graph after backward.
"""

import math
import shutil

from _tutorial import OUT, announce, check

import micro
import tensor as torch

# ---------------------------------------------------------------------------
# 1. (a + b) * c at a = 2, b = -1, c = 4.
#
# By hand: let s = a + b = 1 and out = s * c = 4.
#   d out/d out = 1                         (the seed)
#   d out/d s   = c * 1 = 4                 (mul: local derivative of s is c)
#   d out/d c   = s * 1 = 1                 (mul: local derivative of c is s)
#   d out/d a   = 1 * 4 = 4,  d out/d b = 1 * 4 = 4   (add: local derivatives 1)
print("1. (a + b) * c, micro's narration:")
a, b, c = micro.Value(2.0), micro.Value(-1.0), micro.Value(4.0)
told = micro.explain_backward((a + b) * c, names={a: "a", b: "b", c: "c"})
check("d out/d a", a.grad, 4.0)
check("d out/d b", b.grad, 4.0)
check("d out/d c", c.grad, 1.0)
first = told.steps[0]
check("local derivative of s in step 1 (= c)", first.edges[0].local, 4.0)

print("   the tensor engine's narration of the same expression:")
ta, tb, tc = (torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (2.0, -1.0, 4.0))
told_tensor = torch.explain_backward((ta + tb) * tc, names={ta: "a", tb: "b", tc: "c"})
assert told_tensor.lines() == told.lines(), "the two engines tell the same backward pass"
print("   (the two narrations agree line for line)")

# ---------------------------------------------------------------------------
# 2. A sigmoid neuron: out = sigmoid(z), z = w1 x1 + w2 x2 + b.
#
# By hand, with sigma' = sigma (1 - sigma):
#   d out/d z  = sigma(z) (1 - sigma(z))
#   d out/d w1 = x1 * d out/d z,  d out/d x1 = w1 * d out/d z   (and so on)
#   d out/d b  = d out/d z
print("2. a sigmoid neuron, sigmoid(w1*x1 + w2*x2 + b):")
inputs = {"x1": 2.0, "x2": 0.0, "w1": -3.0, "w2": 1.0, "b": 6.8813735870195432}
values = {name: micro.Value(v) for name, v in inputs.items()}
x1, x2, w1, w2, bias = values.values()
neuron = (x1 * w1 + x2 * w2 + bias).sigmoid()
told = micro.explain_backward(neuron, names={v: k for k, v in values.items()})
z = 2.0 * -3.0 + 0.0 * 1.0 + 6.8813735870195432
dz = 1 / (1 + math.exp(-z)) * (1 - 1 / (1 + math.exp(-z)))
check("d out/d z = sigma(z)(1 - sigma(z))", told.steps[0].edges[0].local, dz)
check("d out/d w1 = x1 sigma'(z)", w1.grad, 2.0 * dz)
check("d out/d x1 = w1 sigma'(z)", x1.grad, -3.0 * dz)
check("d out/d w2 = x2 sigma'(z)", w2.grad, 0.0)
check("d out/d x2 = w2 sigma'(z)", x2.grad, 1.0 * dz)
check("d out/d b = sigma'(z)", bias.grad, dz)

tensors = {name: torch.tensor(v, dtype=torch.float64, requires_grad=True) for name, v in inputs.items()}
t_x1, t_x2, t_w1, t_w2, t_b = tensors.values()
told_tensor = torch.explain_backward((t_x1 * t_w1 + t_x2 * t_w2 + t_b).sigmoid(),
                                     names={v: k for k, v in tensors.items()}, file=None)
assert told_tensor.lines() == told.lines()
print("   the tensor engine tells the same, line for line")

# ---------------------------------------------------------------------------
# 3. A shared node: out = a * a + a uses a three times. Each use sends its
#    contribution and they add: d out/d a = a + a + 1 = 2a + 1.
print("3. a shared input, out = a*a + a at a = 3:")
a = micro.Value(3.0)
micro.explain_backward(a * a + a, names={a: "a"})
check("d out/d a = 2a + 1", a.grad, 7.0)

# ---------------------------------------------------------------------------
# 4. The picture: the neuron's graph, each box with its data and grad.
names = {v: k for k, v in values.items()}
(OUT / "04_neuron_graph.dot").write_text(micro.to_dot(neuron, labels=names))
if shutil.which("dot") or shutil.which("graphviz-pure"):
    micro.draw_dot(neuron, OUT / "04_neuron_graph.png", labels=names)
    announce(OUT / "04_neuron_graph.png")
else:
    print("  to render the picture: pip install graphviz-pure (or install Graphviz)")
print("Backpropagation is this loop: receive g, multiply by each local derivative, pass it on, add.")
