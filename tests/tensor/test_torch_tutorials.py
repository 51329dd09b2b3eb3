"""Typical autograd-tutorial code, each scenario written once as ``scenario(torch)`` and run
with torch itself and with ``tensor`` in its place: the results must be the same."""

import math

from parity import same_in_both


def test_basics():
    def basics(torch):
        x = torch.ones(2, 2, requires_grad=True)
        y = x + 2
        z = y * y * 3
        out = z.mean()
        out.backward()
        return x.grad, y.grad_fn.name(), z.grad_fn.name(), out.grad_fn.name(), out.item()
    same_in_both(basics)


def test_vector_jacobian_product():
    def vjp(torch):
        x = torch.tensor([0.3, -1.2, 2.0], requires_grad=True)
        y = x * 2
        while (y * y).sum().sqrt() < 1000:
            y = y * 2
        v = torch.tensor([0.1, 1.0, 0.0001], dtype=torch.float)
        y.backward(v)
        return y, x.grad
    same_in_both(vjp)


def test_chain_rule():
    def chain(torch):
        a = torch.tensor([2.0, 3.0], requires_grad=True)
        b = torch.tensor([6.0, 4.0], requires_grad=True)
        q = 3 * a ** 3 - b ** 2
        q.backward(gradient=torch.tensor([1.0, 1.0]))
        return a.grad, b.grad, a.grad == 9 * a ** 2, b.grad == -2 * b
    same_in_both(chain)


def test_gradients_accumulate_until_zeroed():
    def accumulate(torch):
        x = torch.tensor([1.0, 2.0], requires_grad=True)
        y = (x ** 2).sum()
        seen = []
        for _ in range(3):
            y.backward(retain_graph=True)
            seen.append(x.grad.clone())
        x.grad.zero_()
        y.backward(retain_graph=True)
        seen.append(x.grad.clone())
        x.grad = None
        y.backward()
        seen.append(x.grad)
        return seen
    same_in_both(accumulate)


def test_detach_and_no_grad():
    def detach(torch):
        x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
        w = torch.tensor([0.5, -1.0, 2.0], requires_grad=True)
        z = x * w
        z_det = z.detach()
        with torch.no_grad():
            frozen = x * w
        loss = (z * z_det).sum()  # z_det is a constant
        loss.backward()
        return z.requires_grad, z_det.requires_grad, frozen.requires_grad, x.grad, w.grad
    same_in_both(detach)


def test_higher_order_derivatives_up_to_the_fourth():
    def derivatives(torch):
        x = torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64, requires_grad=True)
        y = x ** 4 + torch.sin(x) * torch.exp(x / 2) + torch.tanh(x)
        found = []
        grad = y
        for _ in range(4):
            (grad,) = torch.autograd.grad(grad.sum(), x, create_graph=True)
            found.append(grad)
        return found
    same_in_both(derivatives)


def test_tanh_derivatives_on_a_grid():
    def tanh_grid(torch):
        x = torch.linspace(-3, 3, 25, requires_grad=True)
        y = torch.tanh(x)
        found = [y]
        for _ in range(3):
            (y,) = torch.autograd.grad(y, x, grad_outputs=torch.ones_like(y), create_graph=True)
            found.append(y)
        return found
    same_in_both(tanh_grid)


def test_custom_function():
    def custom(torch):
        class LegendrePolynomial3(torch.autograd.Function):
            @staticmethod
            def forward(ctx, input, scale):
                ctx.save_for_backward(input)
                ctx.scale = scale
                return 0.5 * (5 * input ** 3 - 3 * input) * scale

            @staticmethod
            def backward(ctx, grad_output):
                (input,) = ctx.saved_tensors
                return grad_output * 1.5 * (5 * input ** 2 - 1) * ctx.scale, None

        class Exp(torch.autograd.Function):
            @staticmethod
            def forward(ctx, i):
                result = i.exp()
                ctx.save_for_backward(result)
                return result

            @staticmethod
            def backward(ctx, grad_output):
                (result,) = ctx.saved_tensors
                return grad_output * result

        x = torch.tensor([0.1, -0.4, 0.9], dtype=torch.float64, requires_grad=True)
        p = LegendrePolynomial3.apply(x, 2.0)
        e = Exp.apply(p)
        e.sum().backward(create_graph=True)
        first = x.grad.clone()
        (second,) = torch.autograd.grad(x.grad.sum(), x)
        return p, e, first, second, p.grad_fn.name(), type(e.grad_fn).__name__
    same_in_both(custom)


def test_custom_function_needs_input_grad():
    def needs(torch):
        seen = []

        class Mul(torch.autograd.Function):
            @staticmethod
            def forward(ctx, a, b, label):
                ctx.save_for_backward(a, b)
                seen.append(ctx.needs_input_grad)
                return a * b

            @staticmethod
            def backward(ctx, grad):
                a, b = ctx.saved_tensors
                grad_a = grad * b if ctx.needs_input_grad[0] else None
                grad_b = grad * a if ctx.needs_input_grad[1] else None
                return grad_a, grad_b, None

        a = torch.tensor([1.0, 2.0], requires_grad=True)
        b = torch.tensor([3.0, 4.0])
        Mul.apply(a, b, "label").sum().backward()
        return seen, a.grad, b.grad
    same_in_both(needs)


def test_hooks_and_retain_grad():
    def hooks(torch):
        printed = []
        x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * 2
        y.retain_grad()
        y.register_hook(lambda grad: printed.append(grad.tolist()))
        handle = x.register_hook(lambda grad: grad * 2)  # double the gradient
        z = (y ** 2).sum()
        z.backward()
        handle.remove()
        return printed, y.grad, x.grad, y.is_leaf, y.retains_grad
    same_in_both(hooks)


def test_polynomial_fit_by_hand():
    """'Learning PyTorch with examples': fit a cubic to sin(x) with manual updates."""
    def fit(torch):
        x = torch.linspace(-math.pi, math.pi, 200, dtype=torch.float64)
        y = torch.sin(x)
        a = torch.tensor(0.1, dtype=torch.float64, requires_grad=True)
        b = torch.tensor(-0.2, dtype=torch.float64, requires_grad=True)
        c = torch.tensor(0.3, dtype=torch.float64, requires_grad=True)
        d = torch.tensor(0.05, dtype=torch.float64, requires_grad=True)
        learning_rate = 1e-6
        losses = []
        for _ in range(100):
            y_pred = a + b * x + c * x ** 2 + d * x ** 3
            loss = (y_pred - y).pow(2).sum()
            losses.append(loss.item())
            loss.backward()
            with torch.no_grad():
                for p in (a, b, c, d):
                    p -= learning_rate * p.grad
                    p.grad = None
        return losses, a, b, c, d
    same_in_both(fit)
