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
