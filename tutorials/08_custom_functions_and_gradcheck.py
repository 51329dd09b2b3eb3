"""Tutorial 8: custom autograd Functions, and checking their gradients.

    python tutorials/08_custom_functions_and_gradcheck.py

When an op is not built in, or its derivative should be something other
than the true one, you write a `torch.autograd.Function`: a `forward(ctx,
...)` that computes the output and saves what the backward needs, and a
`backward(ctx, grad_output)` that returns one gradient per input (the
vector-Jacobian product: grad_output times the Jacobian). Four examples: a
ReLU, a straight-through estimator, a weighted sum with a non-tensor
argument, and softmax with its backward derived by hand. `gradcheck`
compares a backward with finite differences; it passes on the correct ones
and fails, with a report, on a deliberately wrong one. Picture: the Jacobians
of the wrong backward next to the numerical ones.
"""

import matplotlib.pyplot as plt
from _tutorial import check, save

import tensor as torch
from tensor.autograd import Function, gradcheck

torch.manual_seed(0)


# ---------------------------------------------------------------------------
# 1. ReLU: forward max(x, 0); backward passes grad where x > 0.
class MyReLU(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        (x,) = ctx.saved_tensors
        return grad_output * (x > 0).to(grad_output.dtype)


# ---------------------------------------------------------------------------
# 2. Straight-through estimator: forward rounds (derivative 0 almost
#    everywhere, useless for learning), backward pretends it was the
#    identity and passes the gradient straight through.
class RoundStraightThrough(Function):
    @staticmethod
    def forward(ctx, x):
        return torch.round(x)

    @staticmethod
    def backward(ctx, grad_output):
        return grad_output


# ---------------------------------------------------------------------------
# 3. A weighted sum with a non-tensor argument: y = weight * (a + b), where
#    weight is a Python float. backward returns one value per forward
#    argument: None for the float, which has no gradient.
class WeightedSum(Function):
    @staticmethod
    def forward(ctx, a, b, weight: float):
        ctx.weight = weight
        return weight * (a + b)

    @staticmethod
    def backward(ctx, grad_output):
        return ctx.weight * grad_output, ctx.weight * grad_output, None


# ---------------------------------------------------------------------------
# 4. Softmax, s_i = exp(x_i) / sum_j exp(x_j). Its Jacobian is
#    d s_i / d x_j = s_i (delta_ij - s_j), so the VJP with g is
#    (J^T g)_j = sum_i g_i s_i (delta_ij - s_j) = s_j (g_j - sum_i g_i s_i):
#    no Jacobian needs to be built, only one dot product per row.
class MySoftmax(Function):
    @staticmethod
    def forward(ctx, x):
        shifted = x - x.max(dim=-1, keepdim=True).values  # same result, no overflow
        s = shifted.exp() / shifted.exp().sum(dim=-1, keepdim=True)
        ctx.save_for_backward(s)
        return s

    @staticmethod
    def backward(ctx, grad_output):
        (s,) = ctx.saved_tensors
        return s * (grad_output - (grad_output * s).sum(dim=-1, keepdim=True))


# The same softmax with a classic mistake: forgetting the - s_j part.
class WrongSoftmax(MySoftmax):
    @staticmethod
    def backward(ctx, grad_output):
        (s,) = ctx.saved_tensors
        return s * grad_output


print("1. custom Functions against the built-in ops")
x = torch.randn(4, 5, dtype=torch.float64, requires_grad=True)
g = torch.randn(4, 5, dtype=torch.float64)
for name, mine, builtin in (
    ("relu", MyReLU.apply, torch.relu),
    ("softmax", MySoftmax.apply, lambda t: torch.softmax(t, dim=-1)),
):
    (mine_grad,) = torch.autograd.grad(mine(x), x, g)
    (builtin_grad,) = torch.autograd.grad(builtin(x), x, g)
    difference = (mine_grad - builtin_grad).abs().max().item()
    check(f"{name}: max |custom VJP - built-in VJP|", difference, 0.0, 1e-12)

v = torch.tensor([0.2, 1.7, -0.6], requires_grad=True)
rounded = RoundStraightThrough.apply(v)
(rounded * torch.tensor([1.0, 2.0, 3.0])).sum().backward()
print(f"  straight-through: round([0.2, 1.7, -0.6]) = {rounded.tolist()}, grad = {v.grad.tolist()}")
assert rounded.tolist() == [0.0, 2.0, -1.0] and v.grad.tolist() == [1.0, 2.0, 3.0]

a = torch.tensor([1.0, 2.0], requires_grad=True)
b = torch.tensor([3.0, 4.0], requires_grad=True)
WeightedSum.apply(a, b, 0.5).sum().backward()
print(f"  weighted sum with weight 0.5: a.grad = {a.grad.tolist()}, b.grad = {b.grad.tolist()}")
assert a.grad.tolist() == [0.5, 0.5] and b.grad.tolist() == [0.5, 0.5]

# ---------------------------------------------------------------------------
# 5. gradcheck: perturb each input element by eps, measure the output change
#    (central differences), and compare that numerical Jacobian with the one
#    the backward implies. It wants float64 (float32 rounding is larger
#    than its tolerances).
print("2. gradcheck")
x = torch.randn(3, 4, dtype=torch.float64, requires_grad=True)
w_a = torch.randn(3, dtype=torch.float64, requires_grad=True)
w_b = torch.randn(3, dtype=torch.float64, requires_grad=True)
results = {
    "MyReLU": gradcheck(MyReLU.apply, (x,)),
    "WeightedSum": gradcheck(lambda p, q: WeightedSum.apply(p, q, 0.5), (w_a, w_b)),
    "MySoftmax": gradcheck(MySoftmax.apply, (x,)),
    "WrongSoftmax": gradcheck(WrongSoftmax.apply, (x,), raise_exception=False),
}
for name, passed in results.items():
    print(f"  gradcheck({name}): {passed}")
assert results["MySoftmax"] and results["MyReLU"] and results["WeightedSum"] and not results["WrongSoftmax"]
# The straight-through estimator fails gradcheck, on purpose: its backward is
# not the derivative of its forward (that is the point of it).
assert not gradcheck(RoundStraightThrough.apply, (x * 3,), raise_exception=False)

# With raise_exception (the default) the failure explains itself: which
# output and input disagree, and both Jacobians, numerical (the truth, to
# O(eps^2)) and analytical (what the backward computes).
small = torch.randn(1, 3, dtype=torch.float64, requires_grad=True)
try:
    gradcheck(WrongSoftmax.apply, (small,))
    raise AssertionError("the wrong backward must fail gradcheck")
except RuntimeError as error:
    report = str(error)
print("  the report for the wrong softmax backward:")
print("    " + report.replace("\n", "\n    "))
assert "Jacobian mismatch for output 0 with respect to input 0" in report
# Reading it: numerical row j is d s / d x_j; the diagonal s_j (1 - s_j) is
# smaller than what the wrong backward claims (s_j), and the off-diagonal
# -s_i s_j entries are missing (0) from the analytical Jacobian.


# ---------------------------------------------------------------------------
# 6. Picture: the Jacobians of softmax at one point, built column by column
#    from VJPs with unit vectors (numerical, correct backward, wrong backward).
def jacobian(fn, point):
    rows = []
    for i in range(point.shape[-1]):
        unit = torch.zeros_like(point)
        unit[0, i] = 1.0
        (row,) = torch.autograd.grad(fn(point), point, unit)
        rows.append(row[0].tolist())
    return rows


def numerical_jacobian(point, eps=1e-6):
    columns = []
    for j in range(point.shape[-1]):
        step = torch.zeros_like(point)
        step[0, j] = eps
        columns.append(((torch.softmax(point + step, -1) - torch.softmax(point - step, -1)) / (2 * eps))[0])
    return [[columns[j][i].item() for j in range(len(columns))] for i in range(len(columns))]


point = torch.tensor([[1.0, 2.0, 0.5, -1.0]], dtype=torch.float64, requires_grad=True)
matrices = {
    "numerical (central differences)": numerical_jacobian(point.detach()),
    "MySoftmax.backward": jacobian(MySoftmax.apply, point),
    "WrongSoftmax.backward": jacobian(WrongSoftmax.apply, point),
}
worst = max(abs(p - q) for r, t in zip(*list(matrices.values())[:2]) for p, q in zip(r, t))
check("max |numerical - MySoftmax Jacobian|", worst, 0.0, 1e-8)
figure, panels = plt.subplots(1, 3, figsize=(14, 4.3))
for axes, (name, matrix) in zip(panels, matrices.items()):
    image = axes.imshow(matrix, cmap="RdBu_r", vmin=-0.8, vmax=0.8)
    for i, row in enumerate(matrix):
        for j, value in enumerate(row):
            axes.text(j, i, f"{value:.2f}", ha="center", va="center", fontsize=8)
    axes.set_title(name)
    axes.set_xlabel("input index j")
    axes.set_ylabel("output index i")
    axes.set_xticks(range(4))
    axes.set_yticks(range(4))
figure.colorbar(image, ax=panels, label="d softmax_i / d x_j")
figure.suptitle("Softmax Jacobian at x = [1, 2, 0.5, -1]: the wrong backward misses -s_i s_j")
save(figure, "08_softmax_jacobians.png")
print("Write the backward, then let gradcheck compare it with finite differences before trusting it.")
