"""The Triton backend implements the whole backend interface the numpy backend defines."""

import inspect

from tensor.backends import numpy_backend, triton_backend


def _public_functions(module):
    return {name: fn for name, fn in vars(module).items()
            if not name.startswith("_") and inspect.isfunction(fn)
            and (fn.__module__ == module.__name__ or fn.__module__ == "numpy")}


# Primitives the Triton backend lacks, with the reason (listed in triton_backend's docstring).
KNOWN_GAPS = {"erf": "triton_kernels.elementwise has no erf op"}


def test_every_numpy_backend_function_has_a_triton_counterpart_with_the_same_parameters():
    ours = _public_functions(triton_backend)
    missing = set(_public_functions(numpy_backend)) - set(ours)
    assert missing == KNOWN_GAPS.keys(), f"triton_backend lacks {sorted(missing - KNOWN_GAPS.keys())}"
    for name, fn in _public_functions(numpy_backend).items():
        if name in KNOWN_GAPS:
            continue
        expected = list(inspect.signature(fn).parameters)
        actual = list(inspect.signature(ours[name]).parameters)
        assert actual == expected, f"{name}{tuple(actual)} != numpy_backend.{name}{tuple(expected)}"


def test_module_attributes():
    assert triton_backend.device_type == "cuda" and numpy_backend.device_type == "cpu"
    assert triton_backend.TORCH_DEVICE.type in ("cpu", "cuda")
