"""Backends: array primitives per device. The engine above never calls numpy or torch.

``cpu`` is served by :mod:`.numpy_backend`; ``cuda`` by :mod:`.triton_backend`
(storage in torch tensors, every compute primitive a kernel of ``triton_kernels``),
imported only when a ``cuda`` tensor is first made. ``cuda`` exists when torch sees
a GPU or when ``TRITON_INTERPRET=1`` is set (then the storage is host memory and
the kernels run in Triton's CPU interpreter).
"""

from __future__ import annotations

import os
import sys

from . import numpy_backend


class device:
    """Where a tensor's storage lives: ``device('cpu')``, ``device('cuda', 0)``."""

    __slots__ = ("type", "index")

    def __init__(self, type: str | device, index: int | None = None):
        if isinstance(type, device):
            type, index = type.type, type.index
        if ":" in type:
            type, _, idx = type.partition(":")
            index = int(idx)
        if type not in ("cpu", "cuda"):
            raise RuntimeError(
                "Expected one of cpu, cuda device type at start of device string: " + type
            )
        self.type = type
        self.index = index

    def __repr__(self) -> str:
        if self.index is None:
            return f"device(type='{self.type}')"
        return f"device(type='{self.type}', index={self.index})"

    def __str__(self) -> str:
        return self.type if self.index is None else f"{self.type}:{self.index}"

    def __eq__(self, other) -> bool:
        if isinstance(other, str):
            other = device(other)
        return isinstance(other, device) and (self.type, self.index) == (other.type, other.index)

    def __hash__(self) -> int:
        return hash((self.type, self.index))


CPU = device("cpu")
_default_device = [CPU]


def get_default_device() -> device:
    return _default_device[0]


def set_default_device(dev) -> None:
    """Where creation functions put tensors when no ``device=`` is given."""
    _default_device[0] = CPU if dev is None else as_device(dev)


def as_device(dev) -> device:
    if dev is None:
        return _default_device[0]
    if isinstance(dev, device):
        return dev
    return device(dev)


def device_mismatch(*devices: device) -> RuntimeError:
    """torch's error for an op given tensors on two devices (the cuda device named first)."""
    first, second = sorted({str(d) for d in devices}, key=lambda name: not name.startswith("cuda"))[:2]
    return RuntimeError("Expected all tensors to be on the same device, but found at least two "
                        f"devices, {first} and {second}!")


_last_seed: list[int | None] = [None]


def seed_all_backends(seed: int) -> None:
    """Seed every device's generator (``manual_seed``); the cuda one also when its backend is
    imported later, so seeding never imports torch by itself."""
    _last_seed[0] = seed
    numpy_backend.manual_seed(seed)
    triton_backend = sys.modules.get(__name__ + ".triton_backend")
    if triton_backend is not None:
        triton_backend.manual_seed(seed)


def last_seed() -> int | None:
    """The seed of the last :func:`seed_all_backends` (None before any)."""
    return _last_seed[0]


def cuda_available() -> bool:
    """True when a GPU is present or Triton's interpreter is switched on (``TRITON_INTERPRET=1``)."""
    if os.environ.get("TRITON_INTERPRET", "0") not in ("", "0"):
        return True
    try:
        import torch
    except ImportError:
        return False
    return torch.cuda.is_available()


def backend_for(dev: device):
    """The backend module serving ``dev``."""
    if dev.type == "cpu":
        return numpy_backend
    if not cuda_available():
        raise RuntimeError(
            "Torch not compiled with CUDA enabled: no GPU is visible. To run the cuda device "
            "on this CPU through Triton's interpreter, set TRITON_INTERPRET=1 in the environment "
            "before tensor (and triton) are imported."
        )
    if dev.index not in (None, 0):
        raise RuntimeError(
            "CUDA error: invalid device ordinal\nCUDA kernel errors might be asynchronously reported "
            "at some other API call, so the stacktrace below might be incorrect."
        )
    from . import triton_backend

    return triton_backend
