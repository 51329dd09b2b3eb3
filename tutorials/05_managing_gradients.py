"""Tutorial 5: managing gradients: accumulation, detach, no_grad, retain_graph, retain_grad.

    python tutorials/05_managing_gradients.py

`.grad` is a running sum: every backward() adds into it. That is a feature
(gradients of several losses or micro-batches add up) and a trap (a training
loop that forgets to zero them follows the sum of all past gradients). This
tutorial shows the tools that control what autograd records and keeps:
`detach()` (same memory, out of the graph) vs `clone()` (a copy, in the
graph), `no_grad` and `inference_mode`, `retain_graph` and the error without
it, `retain_grad()` for intermediates, and gradient accumulation over
micro-batches matching one big batch. Picture: .grad growing over calls, and
micro-batch vs full-batch gradients.
"""

import matplotlib.pyplot as plt
from _tutorial import check, save

import tensor as torch

# ---------------------------------------------------------------------------
# 1. Accumulation: three backward() calls of y = 3x add 3 each time.
print("1. .grad accumulates across backward() calls")
x = torch.tensor(1.0, requires_grad=True)
history = []
for _ in range(5):
    (3 * x).backward()
    history.append(x.grad.item())
print(f"  x.grad after each call: {history}")
assert history == [3.0, 6.0, 9.0, 12.0, 15.0]
x.grad = None  # what optimizer.zero_grad() does (set_to_none=True)
(3 * x).backward()
check("after setting .grad = None, one more call", x.grad.item(), 3.0)

# ---------------------------------------------------------------------------
# 2. detach() shares memory and leaves the graph; clone() copies and stays in it.
print("2. detach vs clone")
w = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
view = w.detach()
copy = w.clone()
print(f"  detach: requires_grad={view.requires_grad}, same memory={view.data_ptr() == w.data_ptr()}")
print(f"  clone:  requires_grad={copy.requires_grad}, grad_fn={copy.grad_fn.name()}, "
      f"same memory={copy.data_ptr() == w.data_ptr()}")
assert view.data_ptr() == w.data_ptr() and copy.data_ptr() != w.data_ptr()
with torch.no_grad():
    view[0] = 10.0  # writes through to w: they share storage
print(f"  after view[0] = 10: w = {w.tolist()}")
assert w.tolist() == [10.0, 2.0, 3.0]
(copy * copy).sum().backward()  # clone is differentiable: d/dw of sum(w^2) = 2w (w as when cloned)
print(f"  d sum(clone(w)^2)/dw = {w.grad.tolist()}")
assert w.grad.tolist() == [2.0, 4.0, 6.0]

# ---------------------------------------------------------------------------
# 3. no_grad and inference_mode: compute without recording.
print("3. no_grad and inference_mode")
with torch.no_grad():
    y = w * 2
print(f"  under no_grad: y.requires_grad = {y.requires_grad}, y.grad_fn = {y.grad_fn}")
assert not y.requires_grad and y.grad_fn is None
with torch.inference_mode():
    y = w * 2
print(f"  under inference_mode: y.requires_grad = {y.requires_grad}")
assert not y.requires_grad and torch.is_grad_enabled()

# ---------------------------------------------------------------------------
# 4. retain_graph: backward() frees what the graph saved; a second backward
#    through the same graph needs retain_graph=True the first time.
print("4. retain_graph")
x = torch.tensor(2.0, requires_grad=True)
y = torch.exp(x)  # exp saves its output for the backward
y.backward()
try:
    y.backward()
    raise AssertionError("a second backward must fail")
except RuntimeError as error:
    print(f"  second backward without retain_graph: RuntimeError: {str(error)[:70]}...")
    assert "backward through the graph a second time" in str(error)
x.grad = None
y = torch.exp(x)
y.backward(retain_graph=True)
y.backward()
twice = 2 * torch.exp(torch.tensor(2.0)).item()
check("two backward calls with retain_graph: 2 exp(2)", x.grad.item(), twice, 1e-5)

# ---------------------------------------------------------------------------
# 5. retain_grad(): intermediates do not keep .grad unless asked.
print("5. retain_grad on an intermediate")
w = torch.tensor([1.0, -2.0], requires_grad=True)
hidden = w * 3
hidden.retain_grad()
(hidden**2).sum().backward()
print(f"  hidden.grad = {hidden.grad.tolist()} (= 2 hidden), w.grad = {w.grad.tolist()} (= 3 * 2 hidden)")
assert hidden.grad.tolist() == [6.0, -12.0] and w.grad.tolist() == [18.0, -36.0]

# ---------------------------------------------------------------------------
# 6. Gradient accumulation: 4 micro-batches of 8, each loss scaled by 1/4,
#    give the same gradient as one batch of 32 (the mean loss is linear in
#    its terms). This is how large batches are trained with little memory.
print("6. micro-batches add up to the big batch")
torch.manual_seed(0)
inputs, targets = torch.randn(32, 3), torch.randn(32, 1)
model = torch.nn.Linear(3, 1)
loss_fn = torch.nn.MSELoss()
model.zero_grad()
loss_fn(model(inputs), targets).backward()
full = [p.grad.clone() for p in model.parameters()]
model.zero_grad()
for chunk_x, chunk_y in zip(inputs.split(8), targets.split(8)):
    (loss_fn(model(chunk_x), chunk_y) / 4).backward()
micro_batches = [p.grad.clone() for p in model.parameters()]
difference = max((a - b).abs().max().item() for a, b in zip(full, micro_batches))
check("largest |full - accumulated| over all parameters", difference, 0.0, 1e-6)

# ---------------------------------------------------------------------------
# 7. Pictures.
figure, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5))
left.plot(range(1, 6), history, "o-", label="x.grad after each backward()")
left.plot(range(1, 6), [3 * k for k in range(1, 6)], "k--", label="3 k (k calls, each adding dy/dx = 3)")
left.set_title("Gradients accumulate: y = 3x, backward() called k times")
left.set_xticks(range(1, 6))
left.set_xlabel("number of backward() calls k")
left.set_ylabel("x.grad")
left.legend()
names = [f"weight[{i}]" for i in range(3)] + ["bias"]
full_values = full[0].flatten().tolist() + full[1].tolist()
micro_values = micro_batches[0].flatten().tolist() + micro_batches[1].tolist()
positions = range(len(names))
right.bar([p - 0.2 for p in positions], full_values, width=0.4, label="one batch of 32")
right.bar([p + 0.2 for p in positions], micro_values, width=0.4, label="4 micro-batches of 8, losses / 4")
right.set_xticks(list(positions), names)
right.axhline(0, color="black", linewidth=0.5)
right.set_title("Gradient of the MSE loss of Linear(3, 1)")
right.set_xlabel("parameter")
right.set_ylabel("d loss / d parameter")
right.legend(loc="lower left")
save(figure, "05_gradient_accumulation.png")
print("Zero gradients between steps, detach to leave the graph, retain_graph to go through it twice.")
