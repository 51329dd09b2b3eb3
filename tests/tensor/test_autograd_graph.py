"""Graph edge cases, each written once as ``scenario(m)`` and run with torch and with tensor:
long chains, diamonds, reused nodes, second backward, version errors, hooks, anomaly
detection and the graph's own objects (grad_fn, next_functions, AccumulateGrad)."""

import time
import warnings

from parity import error_of, same_in_both

import tensor as T


def test_chain_of_100000_ops_is_iterative_and_fast():
    x = T.tensor([1.0, 2.0, -0.5], dtype=T.float64, requires_grad=True)
    start = time.perf_counter()
    y = x
    for _ in range(100_000):
        y = y * 1.000001
    y.sum().backward()
    del y
    assert time.perf_counter() - start < 10
    expected = 1.000001 ** 100_000
    assert abs(x.grad.numpy() - expected).max() < 1e-9 * expected


def test_diamond():
    def diamond(m):
        x = m.tensor([1.5, -0.5, 0.25], dtype=m.float64, requires_grad=True)
        a = x * 2
        b, c = a.exp(), a.sin()
        (b * c + a).sum().backward()
        return x.grad
    same_in_both(diamond)


def test_reused_nodes_accumulate_every_path():
    def reused(m):
        x = m.tensor([[0.5, -1.0], [2.0, 0.1]], requires_grad=True)
        y = x * x
        z = y @ y + y * y.t() + y.sum(0) - y.mean()
        w = m.tensor([[1.0, 2.0], [3.0, 4.0]])
        z.backward(w)
        return x.grad
    same_in_both(reused)


def test_second_backward_with_retain_graph_accumulates():
    def twice(m):
        x = m.tensor([1.0, -2.0, 3.0], requires_grad=True)
        y = (x.exp() * x).sum()
        y.backward(retain_graph=True)
        first = x.grad.clone()
        y.backward()
        return first, x.grad
    same_in_both(twice)


def test_second_backward_without_retain_graph_raises():
    def twice(m):
        x = m.tensor([1.0, -2.0, 3.0], requires_grad=True)
        y = (x * x).sum()
        y.backward()
        error = error_of(y.backward)
        return error, x.grad
    same_in_both(twice)


def test_second_autograd_grad_without_retain_graph_raises():
    def twice(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x.exp().sum()
        first = m.autograd.grad(y, x)
        return first, error_of(lambda: m.autograd.grad(y, x))
    same_in_both(twice)


def test_modified_saved_input_raises_version_error():
    def modified(m):
        x = m.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * 1
        z = y * y
        y.add_(1)
        return error_of(lambda: z.sum().backward()), x.grad, y._version
    same_in_both(modified)


def test_modified_saved_output_raises_version_error():
    def modified(m):
        x = m.tensor([[1.0, 2.0], [3.0, 4.0]], dtype=m.float64, requires_grad=True)
        y = x.exp()
        y.mul_(2)
        return error_of(lambda: y.sum().backward()), x.grad, y._version
    same_in_both(modified)


def test_views_share_the_version_counter():
    def shared(m):
        x = m.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
        y = x * 1
        v = y.view(2, 2)
        s = v.sigmoid()  # saves its output, not v
        w = v * 2
        t = y[1:] * y[1:]
        y[0] = 0.0
        versions = (y._version, v._version)
        first = error_of(lambda: (t.sum() + w.sum()).backward(retain_graph=True))
        s.sum().backward()
        return versions, first, x.grad
    same_in_both(shared)


def test_hook_order_and_replacement():
    def hooks(m):
        log = []
        x = m.tensor([1.0, 2.0], requires_grad=True)
        y = x * 3
        y.register_hook(lambda g: log.append(("y first", g.tolist())))
        y.register_hook(lambda g: g * 10)
        y.register_hook(lambda g: log.append(("y third", g.tolist())))
        y.retain_grad()
        handle = x.register_hook(lambda g: log.append(("x", g.tolist())))
        x.register_hook(lambda g: g + 1)
        z = (y * y).sum()
        z.backward(retain_graph=True)
        first = (x.grad.clone(), y.grad.clone(), list(log))
        handle.remove()
        handle.remove()
        x.grad = None
        y.grad = None
        z.backward()
        return first, x.grad, y.grad, log
    same_in_both(hooks)


def test_retain_grad_on_non_leaves():
    def retained(m):
        x = m.tensor([0.5, 1.5], requires_grad=True)
        y = x.exp()
        y.retain_grad()
        z = y * y
        z.retain_grad()
        x.retain_grad()  # a no-op on leaves
        out = z.sum()
        out.backward(retain_graph=True)
        out.backward()
        return y.grad, z.grad, x.grad, y.retains_grad, x.retains_grad, y.is_leaf
    same_in_both(retained)


def test_grad_fn_hooks():
    def node_hooks(m):
        log = []
        x = m.tensor([1.0, -1.0], requires_grad=True)
        y = x.exp()
        y.grad_fn.register_prehook(lambda grads: log.append(("pre", grads[0].tolist())))
        y.grad_fn.register_hook(lambda grads_in, grads_out: (grads_in[0] * 2,))
        y.sum().backward()
        return x.grad, log
    same_in_both(node_hooks)


def test_nan_in_backward_is_an_anomaly():
    def anomaly(m):
        x = m.tensor([-1.0, 4.0], requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with m.autograd.detect_anomaly():
                y = x.sqrt()
                error = error_of(lambda: y.sum().backward())
        return error, x.grad
    same_in_both(anomaly)


def test_inf_is_not_an_anomaly():
    def infinite(m):
        x = m.tensor([0.0, 4.0], requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            m.autograd.set_detect_anomaly(True)
            try:
                x.sqrt().sum().backward()
            finally:
                m.autograd.set_detect_anomaly(False)
        return x.grad
    same_in_both(infinite)


def test_nan_without_anomaly_mode_flows_silently():
    def silent(m):
        x = m.tensor([-1.0, 4.0], requires_grad=True)
        x.sqrt().sum().backward()
        return x.grad
    same_in_both(silent)


def test_graph_objects():
    def structure(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        w = m.tensor(3.0)
        y = (x * w).exp().sum()
        sum_node = y.grad_fn
        exp_node = sum_node.next_functions[0][0]
        mul_node = exp_node.next_functions[0][0]
        accumulate = mul_node.next_functions[0][0]
        return (
            [type(n).__name__ for n in (sum_node, exp_node, mul_node, accumulate)],
            mul_node.next_functions[1],
            accumulate.variable is x,
            accumulate.next_functions,
            x.grad_fn, x.is_leaf, y.is_leaf, y.requires_grad, w.requires_grad,
        )
    same_in_both(structure)


def test_backward_and_grad_restricted_to_inputs():
    def restricted(m):
        a = m.tensor([1.0, 2.0], requires_grad=True)
        b = m.tensor([3.0, -1.0], requires_grad=True)
        y = (a * b).sum() + (a * a).sum()
        y.backward(inputs=[b], retain_graph=True)
        grads = m.autograd.grad(y, [a, b], retain_graph=True)
        unused = m.tensor([1.0], requires_grad=True)
        allowed = m.autograd.grad(y, [a, unused], allow_unused=True)
        return a.grad, b.grad, grads, allowed
    same_in_both(restricted)


def test_detach_and_grad_modes():
    def modes(m):
        x = m.tensor([1.0, 2.0], requires_grad=True)
        with m.no_grad():
            a = x * 2
            with m.enable_grad():
                b = x * 2
        with m.set_grad_enabled(False):
            c = x * 2
        with m.inference_mode():
            d = x + 1

        @m.no_grad()
        def decorated(t):
            return t * 2

        e = decorated(x)
        f = x.detach()
        f.add_(0)  # shares storage and version counter with x
        return ([t.requires_grad for t in (a, b, c, d, e, f)], x._version, m.is_grad_enabled(),
                (x.detach() * 2).grad_fn)
    same_in_both(modes)
