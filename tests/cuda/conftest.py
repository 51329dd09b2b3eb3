"""cuda tests: the Triton backend through Triton's interpreter (tests/conftest.py sets
``TRITON_INTERPRET=1``), on small shapes. The parity helper of tests/tensor is reused,
so that directory is made importable here."""

import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tensor"))


@pytest.fixture(autouse=True)
def _default_device_restored():
    """A test that changes the default device or dtype cannot leak it into the next test."""
    import tensor as T

    device, dtype = T.get_default_device(), T.get_default_dtype()
    yield
    T.set_default_device(device)
    T.set_default_dtype(dtype)
