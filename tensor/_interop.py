"""Interop with other array libraries through DLPack (zero-copy on the same device).

``tensor.from_dlpack(torch_tensor)`` gives a tensor sharing the torch tensor's
memory; ``torch.from_dlpack(t)`` does the reverse through ``Tensor.__dlpack__``.
Host memory becomes a ``cpu`` tensor, GPU memory a ``cuda`` one (Triton backend); a
``cuda`` tensor exports its torch storage (host memory under Triton's interpreter).
"""

from __future__ import annotations

from ._tensor import Tensor
from .backends import backend_for, device

_DLPACK_DEVICES = {1: "cpu", 2: "cuda"}  # kDLCPU, kDLCUDA (a GPU's memory: the Triton backend)


def from_dlpack(obj) -> Tensor:
    """A tensor sharing memory with ``obj``, any object implementing ``__dlpack__``."""
    if isinstance(obj, Tensor):
        return obj.detach()
    kind, _ = obj.__dlpack_device__()
    if kind not in _DLPACK_DEVICES:
        raise RuntimeError(f"from_dlpack: DLPack device type {kind} is not supported (only cpu and cuda)")
    backend = backend_for(device(_DLPACK_DEVICES[kind]))
    return Tensor._make(backend.from_dlpack(obj), backend, False, None, 0, None)
