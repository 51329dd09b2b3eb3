"""The parity table of tests/tensor/parity.py run on ``cuda`` (the Triton backend through the
interpreter): every op's forward (values, dtype, shape, grad_fn) and backward against torch,
over drawn shapes and layouts, with the table's own helper. Small shapes and one example
per op (float32) keep the interpreter's cost down; the slow run draws four more per op in
float64."""

import types

import numpy as np
import parity
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import tensor as T


class OnCuda(types.ModuleType):
    """``tensor`` as the parity helper sees it, with every tensor it makes put on ``cuda``."""

    def __init__(self):
        super().__init__("tensor_on_cuda")

    def __getattr__(self, name):
        return getattr(T, name)

    @staticmethod
    def tensor(data, *args, **kwargs):
        kwargs.setdefault("device", "cuda")
        return T.tensor(data, *args, **kwargs)

    @staticmethod
    def from_numpy(array):
        """A cuda tensor with ``array``'s values; a non-contiguous array gives a strided view."""
        if array.flags.c_contiguous:
            return T.tensor(array, device="cuda")
        wide = T.zeros(array.shape[:-1] + (2 * array.shape[-1],), dtype=getattr(T, array.dtype.name),
                       device="cuda")
        view = wide[..., ::2]
        view.copy_(T.tensor(np.ascontiguousarray(array), device="cuda"))
        return view


def host_numpy(t):
    """parity.to_numpy for tensors on either device (cuda ones are copied to the host first)."""
    if isinstance(t, T.Tensor):
        t = t.detach().cpu()
    return _to_numpy(t)


_to_numpy = parity.to_numpy


@pytest.fixture
def on_cuda(monkeypatch):
    monkeypatch.setattr(parity, "T", OnCuda())
    monkeypatch.setattr(parity, "to_numpy", host_numpy)


FEW = settings(max_examples=1, deadline=None, derandomize=True,
               suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                      HealthCheck.function_scoped_fixture])
MORE = settings(FEW, max_examples=4)


def _run(case, dtype, data):
    arrays, extra, seed = data.draw(parity.draw_inputs(case, dtype, max_side=3))
    layout = data.draw(st.sampled_from(parity.LAYOUTS))
    out = parity.check_parity(lambda m, *xs: case.fn(m, *xs, *extra), arrays, layout, seed)
    if out is not None:
        assert out.device.type == "cuda", f"{case.name} left cuda"


# Ops the Triton backend cannot run yet, each with the reason (the test fails if one starts working).
NOT_ON_CUDA: dict[str, str] = {}


# Known differences that show only for some drawn layouts (so not strict).
LAYOUT_DIFFERENCES = {
    "inplace_view": "elementwise kernels return contiguous outputs where torch keeps a transposed "
                    "input's stride order, so x.view(-1) of such a result works on cuda and raises in torch",
}


def _cases():
    params = []
    for case in parity.OPS:
        if case.name in NOT_ON_CUDA:
            case = pytest.param(case, marks=pytest.mark.xfail(reason=NOT_ON_CUDA[case.name], strict=True))
        elif case.name in LAYOUT_DIFFERENCES:
            case = pytest.param(case, marks=pytest.mark.xfail(reason=LAYOUT_DIFFERENCES[case.name],
                                                              strict=False))
        params.append(case)
    return params


@pytest.mark.parametrize("case", _cases(), ids=str)
@FEW
@given(data=st.data())
def test_op_matches_torch_on_cuda(on_cuda, case, data):
    _run(case, "float32", data)


@pytest.mark.slow
@pytest.mark.parametrize("case", _cases(), ids=str)
@MORE
@given(data=st.data())
def test_op_matches_torch_on_cuda_in_float64(on_cuda, case, data):
    _run(case, "float64", data)
