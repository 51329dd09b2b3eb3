"""Backends: array primitives per device. The engine above never calls numpy or torch.

``cpu`` is served by :mod:`.numpy_backend`. ``cuda`` will be served by a Triton
backend (storage in torch CUDA tensors, every compute primitive a Triton
kernel) once the Triton issue lands; until then asking for it raises.
"""

from __future__ import annotations

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


def backend_for(dev: device):
    """The backend module serving ``dev``."""
    if dev.type == "cpu":
        return numpy_backend
    raise RuntimeError(
        "Torch not compiled with CUDA enabled: lucidgrad's cuda device (Triton backend) "
        "is not available yet"
    )
