"""Tutorial 9: debugging autograd: NaNs, hooks, and in-place changes.

    python tutorials/09_debugging.py

Three things go wrong in practice. A NaN appears in some gradient and
spreads everywhere: anomaly detection stops at the backward node that made
it and shows where in *your* forward code that node was created. Gradients
are too large, or you want to see them in flight: hooks on tensors see (and
may replace) a gradient as backward passes it. And a tensor saved for the
backward was changed in place: autograd's version counters catch it and the
error says which tensor; the fix is an out-of-place op. Picture: the same
too-fast training run with and without a gradient-clipping hook.
"""

import math
import warnings

import matplotlib.pyplot as plt
from _tutorial import check, save

import tensor as torch

# ---------------------------------------------------------------------------
# 1. Where did the NaN come from?
#
# loss = sum(sqrt(x) * mask) with x = [1, 0, 4] and mask = [1, 0, 1]: the
# forward is fine (sqrt(0) = 0), but sqrt's backward is grad / (2 sqrt(x)),
# which at x = 0 is 0 / 0 = NaN, even though that element was masked away.
print("1. anomaly detection finds the op that made a NaN")
x = torch.tensor([1.0, 0.0, 4.0], requires_grad=True)
mask = torch.tensor([1.0, 0.0, 1.0])
(torch.sqrt(x) * mask).sum().backward()
print(f"  plain backward: x.grad = {x.grad.tolist()}  (a NaN, but from where?)")
assert math.isnan(x.grad.tolist()[1])

x.grad = None
with torch.autograd.detect_anomaly(), warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    root = torch.sqrt(x)  # <- the line anomaly mode points at
    loss = (root * mask).sum()
    try:
        loss.backward()
        raise AssertionError("anomaly mode must stop at the NaN")
    except RuntimeError as error:
        print(f"  with detect_anomaly: RuntimeError: {error}")
        assert "SqrtBackward0" in str(error)
trace = "\n".join(str(w.message) for w in caught)
forward_line = next(line for line in trace.splitlines() if "09_debugging.py" in line)
print(f"  ...and the warning before it shows where that node was made:\n    {forward_line.strip()}")
assert "Error detected in SqrtBackward0" in trace
# The fix: keep the masked elements out of sqrt's domain edge, e.g.
# sqrt(where(mask, x, 1)), so no 0 / 0 is ever formed.
x.grad = None
(torch.sqrt(torch.where(mask > 0, x, torch.ones_like(x))) * mask).sum().backward()
print(f"  fixed with where(): x.grad = {x.grad.tolist()}")
check("d/dx sqrt(x) at x = 4: 1 / (2 sqrt 4)", x.grad.tolist()[2], 0.25)
assert not any(math.isnan(v) for v in x.grad.tolist())

# ---------------------------------------------------------------------------
# 2. Hooks: a function registered on a tensor runs when its gradient is
#    computed; returning a tensor replaces the gradient.
print("2. hooks that print and clip gradients")
w = torch.tensor([0.5, -3.0, 8.0], requires_grad=True)
seen = []
handle_print = w.register_hook(lambda grad: seen.append(grad.tolist()))
handle_clip = w.register_hook(lambda grad: grad.clamp(-1.0, 1.0))
(w**2).sum().backward()  # raw gradient 2w = [1, -6, 16]
print(f"  the printing hook saw {seen[0]}; after the clipping hook, w.grad = {w.grad.tolist()}")
assert seen[0] == [1.0, -6.0, 16.0] and w.grad.tolist() == [1.0, -1.0, 1.0]
handle_print.remove()
handle_clip.remove()
w.grad = None
(w**2).sum().backward()
assert w.grad.tolist() == [1.0, -6.0, 16.0], "removed hooks no longer run"

# Hooks on intermediates see the gradient flowing through that point of the graph.
h = w * 2
arrived = []
h.register_hook(lambda grad: arrived.append(grad.tolist()))
(h**2).sum().backward()
print(f"  gradient arriving at h = 2w: {arrived[0]} (= 2h)")
assert arrived[0] == [2.0, -12.0, 32.0]

# ---------------------------------------------------------------------------
# 3. The in-place trap. exp saves its output for the backward (d exp = exp);
#    changing that output in place would make the backward use wrong numbers,
#    so autograd refuses, naming the tensor and its versions.
print("3. the in-place version error")
a = torch.tensor([1.0, 2.0], requires_grad=True)
b = a.exp()
b.add_(1)  # version 0 -> 1
try:
    b.sum().backward()
    raise AssertionError("backward through a modified saved tensor must fail")
except RuntimeError as error:
    print(f"  RuntimeError: {str(error)[:150]}...")
    assert "modified by an inplace operation" in str(error)
# The fix: out of place, b + 1 is a new tensor and the saved one is untouched.
b = a.exp()
c = b + 1
c.sum().backward()
check("d/da1 sum(exp(a) + 1) = exp(1)", a.grad.tolist()[0], math.e, 1e-6)


# ---------------------------------------------------------------------------
# 4. Clipping in practice: fit w in (w x - y)^2 with x = 3, y = 6 and a
#    learning rate too big for it (each step multiplies w - 2 by 1 - 2 x^2 lr
#    = -1.7). A hook clipping the gradient to [-1, 1] bounds each step by lr.
def train(clip: bool, steps: int = 30, lr: float = 0.15) -> list[float]:
    w = torch.tensor(0.0, dtype=torch.float64, requires_grad=True)
    if clip:
        w.register_hook(lambda grad: grad.clamp(-1.0, 1.0))
    losses = []
    for _ in range(steps):
        loss = (w * 3 - 6) ** 2
        losses.append(loss.item())
        loss.backward()
        with torch.no_grad():
            w -= lr * w.grad
        w.grad = None
    return losses


plain, clipped = train(clip=False), train(clip=True)
print(f"4. too-fast training: final loss without clipping {plain[-1]:.3g}, with clipping {clipped[-1]:.3g}")
assert plain[-1] > 1e6 and clipped[-1] < 1.0
figure, axes = plt.subplots(figsize=(7.5, 4.5))
axes.semilogy(plain, "o-", markersize=3, color="tab:red", label="no hook: diverges")
axes.semilogy(clipped, "o-", markersize=3, color="tab:green", label="hook clamps grad to [-1, 1]")
axes.set_title("Fitting w in (3w - 6)² with learning rate 0.15")
axes.set_xlabel("step")
axes.set_ylabel("loss (log scale)")
axes.grid(alpha=0.3, which="both")
axes.legend()
save(figure, "09_gradient_clipping_hook.png")
print("Anomaly mode for NaNs, hooks to watch or change gradients, out-of-place ops for saved tensors.")
