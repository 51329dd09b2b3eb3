"""torch's semantics where ``tensor`` used to differ, each found by running real torch material,
each scenario written once as ``scenario(torch)`` and compared between torch and tensor."""

import pytest
from parity import error_of, same_in_both


def test_data_is_a_detached_tensor_sharing_storage():
    def data(torch):
        x = torch.ones(3, requires_grad=True)
        d = x.data
        facts = (type(d) is torch.Tensor, d.requires_grad, d.is_leaf, d.grad_fn, d._version,
                 d.data_ptr() == x.data_ptr())
        d.add_(1)  # invisible to autograd: x's version does not move
        return facts, x._version, x.detach(), repr(torch.ones(2).data).replace("tensor.", "")
    same_in_both(data)


def test_data_updates_in_training_loops():
    def updates(torch):
        w = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
        loss = (w * w).sum()
        loss.backward()
        w.data -= 0.1 * w.grad.data
        after_step = w.detach().clone()
        w.data.zero_()
        zeroed = w.detach().clone()
        w.data.copy_(torch.tensor([4.0, 5.0, 6.0]))
        y = (w * 2).sum()  # the graph still works after the in-place updates through .data
        y.backward()
        p = torch.nn.Parameter(torch.ones(2))
        return after_step, zeroed, w.detach(), w.grad, w.requires_grad, type(p.data) is torch.Tensor
    same_in_both(updates)


def test_data_assignment_swaps_storage():
    def swap(torch):
        x = torch.ones(3, requires_grad=True)
        x.data = torch.zeros(2, dtype=torch.float64)
        z = torch.ones(2)
        z.data = torch.arange(3)
        return x.detach(), str(x.dtype).split(".")[1], x.requires_grad, x.is_leaf, z
    same_in_both(swap)


@pytest.mark.parametrize("value", ["list", "array", "int_tensor"])
def test_data_assignment_refuses_what_torch_refuses(value):
    import numpy as np

    def assign(torch):
        x = torch.ones(2, requires_grad=True)
        new = {"list": [1.0, 2.0], "array": np.zeros(2),
               "int_tensor": torch.zeros(2, dtype=torch.int64)}[value]
        error = error_of(lambda: setattr(x, "data", new))
        return error, x.detach()
    same_in_both(assign)


def test_non_differentiable_outputs_reach_backward_as_zeros():
    def scenario(torch):
        seen = []

        class TwoOutputs(torch.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                scaled, indices = x * 2, torch.tensor([0, 1])
                marked = x * 3
                ctx.mark_non_differentiable(marked)
                return scaled, marked, indices

            @staticmethod
            def backward(ctx, grad_scaled, grad_marked, grad_indices):
                seen.extend([grad_marked, grad_indices])
                return grad_scaled * 2

        x = torch.ones(2, requires_grad=True)
        scaled, marked, indices = TwoOutputs.apply(x)
        scaled.sum().backward()
        return seen, x.grad, marked.requires_grad, indices.requires_grad
    same_in_both(scenario)


def test_numpy_of_a_tensor_requiring_grad():
    def scenario(torch):
        x = torch.ones(2, requires_grad=True)
        with torch.no_grad():
            allowed = x.numpy().tolist()
        return allowed, error_of(lambda: x.numpy())
    same_in_both(scenario)


def test_grad_mode_decorators_on_generators():
    def scenario(torch):
        @torch.no_grad()
        def steps(n):
            x = torch.ones(1, requires_grad=True)
            for _ in range(n):
                received = yield (x * 2).requires_grad, torch.is_grad_enabled()
                if received is not None:
                    yield received
            return "done"

        generator = steps(2)
        first = next(generator)
        between = torch.is_grad_enabled()  # the caller's mode holds between yields
        sent = generator.send("sent")
        rest = list(generator)

        @torch.enable_grad()
        def inner():
            yield torch.is_grad_enabled()

        with torch.no_grad():
            enabled = list(inner())
        return first, between, sent, rest, enabled, torch.is_grad_enabled()
    same_in_both(scenario)


def test_hook_on_an_output_that_gets_no_gradient():
    def scenario(torch):
        calls = []
        x = torch.ones(4, requires_grad=True)
        first, second = x.split(2)
        second.register_hook(lambda g: calls.append(("split", g)))
        a, b = x * 2, x * 3
        b.register_hook(lambda g: calls.append(("unused node", g)))
        (first.sum() + a.sum()).backward()
        return calls, x.grad
    same_in_both(scenario)


def test_retain_grad_does_not_keep_the_tensor_alive():
    import gc
    import weakref

    def scenario(torch):
        x = torch.ones(2, requires_grad=True)
        y = x * 2
        y.retain_grad()
        alive = weakref.ref(y)
        z = (y * 3).sum()
        del y
        gc.collect()
        z.backward()
        return alive() is None, x.grad
    same_in_both(scenario)


@pytest.mark.filterwarnings("ignore:Using a non-tuple sequence")
@pytest.mark.parametrize("index", ["slice_and_list", "lists", "list_of_ints", "ellipsis_list",
                                   "none_list", "tensor_list"])
def test_list_index_treated_as_torch_treats_it(index):
    def scenario(torch):
        x = torch.arange(12.0).reshape(3, 4)
        key = {
            "slice_and_list": lambda: [slice(0, 2), [0, 1]],
            "lists": lambda: [[0, 1], [1, 2]],
            "list_of_ints": lambda: [0, 2],
            "ellipsis_list": lambda: [Ellipsis, 1],
            "none_list": lambda: [None, 0],
            "tensor_list": lambda: [torch.tensor([0, 2]), 1],
        }[index]()
        read = x[key]
        x[key] = -1.0
        return read, x
    same_in_both(scenario)


def test_second_backward_after_setitem_freed_the_saved_values():
    def scenario(torch):
        x = torch.ones(3, requires_grad=True)
        y = x.exp()
        y.sum().backward()
        y[0] = 5
        return error_of(lambda: y.sum().backward())
    same_in_both(scenario)
