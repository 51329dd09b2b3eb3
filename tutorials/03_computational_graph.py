"""Tutorial 3: the computational graph autograd builds while you compute.

    python tutorials/03_computational_graph.py

Every operation on a tensor that requires grad adds a node to a graph: the
node (`grad_fn`) knows how to send a gradient back to its inputs, and
`next_functions` links it to the nodes that made those inputs. Leaves (the
tensors you made yourself) end the graph in `AccumulateGrad` nodes, which
write `.grad`. The graph is rebuilt on every forward, so Python control flow
(if, for) shapes it: a *dynamic* graph. Pictures: the graph of one expression
drawn by both of lucidgrad's engines, `micro` (one box per number) and
`tensor` (one box per backward node).
"""

import shutil

from _tutorial import OUT, announce, check

import micro
import tensor as torch

# ---------------------------------------------------------------------------
# 1. grad_fn and next_functions: walking the graph by hand.
#
# e = (a + b) * tanh(a): a and b are leaves; the sum, the tanh and the
# product are intermediates, each with a grad_fn.
print("1. the graph of e = (a + b) * tanh(a)")
a = torch.tensor(0.5, requires_grad=True)
b = torch.tensor(-2.0, requires_grad=True)
s = a + b
t = torch.tanh(a)
e = s * t
print(f"  e.grad_fn = {e.grad_fn.name()}")
for node, _ in e.grad_fn.next_functions:
    print(f"    next: {node.name()} -> {[n.name() for n, _ in node.next_functions]}")
names = [n.name() for n, _ in e.grad_fn.next_functions]
assert names == ["AddBackward0", "TanhBackward0"], names

# Leaves vs intermediates: leaves have no grad_fn and is_leaf is True; their
# AccumulateGrad node holds them as `.variable`.
print(f"  a.is_leaf = {a.is_leaf}, a.grad_fn = {a.grad_fn}; s.is_leaf = {s.is_leaf}")
accumulate = e.grad_fn.next_functions[0][0].next_functions[0][0]
assert accumulate.name() == "AccumulateGrad" and accumulate.variable is a
assert a.is_leaf and not s.is_leaf and a.grad_fn is None

# backward() walks exactly this graph. a feeds two nodes, so its gradient is
# a sum of two paths: de/da = tanh(a) + (a + b) (1 - tanh(a)^2).
e.backward()
ta = torch.tanh(torch.tensor(0.5)).item()
check("de/da = tanh(a) + (a + b)(1 - tanh(a)^2)", a.grad.item(), ta + (0.5 - 2.0) * (1 - ta**2), 1e-6)
check("de/db = tanh(a)", b.grad.item(), ta, 1e-6)

# Tensors made without requires_grad are not in the graph at all, and
# results computed only from them have no grad_fn.
c = torch.tensor(3.0)
print(f"  (c * 2).grad_fn = {(c * 2).grad_fn}  (c does not require grad)")
assert (c * 2).grad_fn is None and (c * a).grad_fn is not None

# ---------------------------------------------------------------------------
# 2. A dynamic graph: the forward is plain Python, so the graph follows the
#    branch taken. Here f squares x until it exceeds 10: how many squarings
#    happen depends on x, and so does the graph and the derivative.
print("2. dynamic graphs: square until above 10")


def square_until_big(x):
    y, steps = x, 0
    while y.item() <= 10:
        y = y * y
        steps += 1
    return y, steps


for start in (1.5, 4.0):
    x = torch.tensor(start, requires_grad=True)
    y, steps = square_until_big(x)
    y.backward()
    depth, node = 0, y.grad_fn
    while node is not None and node.name() != "AccumulateGrad":
        depth, node = depth + 1, node.next_functions[0][0]
    # y = x^(2^steps), so dy/dx = 2^steps * x^(2^steps - 1).
    power = 2**steps
    print(f"  x = {start}: {steps} squarings, {depth} MulBackward0 nodes, y = x^{power}")
    assert depth == steps
    check(f"dy/dx at x = {start}: {power} x^{power - 1}", x.grad.item(), power * start ** (power - 1),
          1e-5 * power * start ** (power - 1))

# ---------------------------------------------------------------------------
# 3. Pictures of one expression in both engines.
#
# micro's graph has a box per Value (forward data and grad); tensor's has a
# box per backward node (its name and shape), as torch's graph does. Same
# expression: e = (a + b) * tanh(a).
print("3. pictures of the graph of e = (a + b) * tanh(a)")
ma, mb = micro.Value(0.5), micro.Value(-2.0)
me = (ma + mb) * ma.tanh()
me.backward()
assert abs(ma.grad - a.grad.item()) < 1e-6 and abs(mb.grad - b.grad.item()) < 1e-6
(OUT / "03_graph_micro.dot").write_text(micro.to_dot(me, labels={ma: "a", mb: "b"}))
a.name, b.name = "a", "b"
(OUT / "03_graph_tensor.dot").write_text(torch.to_dot(e))
print(f"  DOT text written to {OUT / '03_graph_micro.dot'} and {OUT / '03_graph_tensor.dot'}")
if shutil.which("dot") or shutil.which("graphviz-pure"):
    micro.draw_dot(me, OUT / "03_graph_micro.png", labels={ma: "a", mb: "b"})
    announce(OUT / "03_graph_micro.png")
    torch.draw_dot(e, OUT / "03_graph_tensor.png", format="png")
    announce(OUT / "03_graph_tensor.png")
else:
    print("  to render the pictures: pip install graphviz-pure (or install Graphviz)")
print("Same graph twice: micro shows every number, tensor every backward node; both run it backwards.")
