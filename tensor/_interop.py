"""Interop with other array libraries through DLPack (zero-copy on the same device).

``tensor.from_dlpack(torch_tensor)`` gives a tensor sharing the torch tensor's
memory; ``torch.from_dlpack(t)`` does the reverse through ``Tensor.__dlpack__``.
"""

from __future__ import annotations

from ._tensor import Tensor
from .backends import backend_for, device


def from_dlpack(obj) -> Tensor:
    """A tensor sharing memory with ``obj``, any object implementing ``__dlpack__``."""
    if isinstance(obj, Tensor):
        return obj.detach()
    kind, _ = obj.__dlpack_device__()
    if kind != 1:  # kDLCPU
        raise RuntimeError(f"from_dlpack: DLPack device type {kind} is not supported yet (only cpu)")
    backend = backend_for(device("cpu"))
    return Tensor._make(backend.from_dlpack(obj), backend, False, None, 0, None)
