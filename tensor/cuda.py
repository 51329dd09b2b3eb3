"""``tensor.cuda``: the ``cuda`` device's namespace, as ``torch.cuda``.

``cuda`` tensors are served by the Triton backend (every compute primitive a
``triton_kernels`` launch). It is available when torch sees a GPU, and also
without one when Triton's interpreter is on (``TRITON_INTERPRET=1`` set before
triton is imported): the same kernels then run on the CPU, one program at a
time, so that ``device = "cuda" if torch.cuda.is_available() else "cpu"``
picks the Triton path everywhere.
"""

from __future__ import annotations

from .backends import backend_for, cuda_available, device


def is_available() -> bool:
    """True when a GPU is present or ``TRITON_INTERPRET=1`` is set."""
    return cuda_available()


def device_count() -> int:
    """The number of ``cuda`` devices: torch's count on a GPU machine, 1 under the interpreter
    (the host plays one device), 0 when neither is there."""
    if not cuda_available():
        return 0
    import torch

    return torch.cuda.device_count() if torch.cuda.is_available() else 1


def current_device() -> int:
    _backend()
    return 0


def manual_seed(seed: int) -> None:
    """Seed the ``cuda`` random generator (silently nothing when cuda is unavailable, as torch)."""
    if cuda_available():
        _backend().manual_seed(seed)


manual_seed_all = manual_seed


def synchronize(device=None) -> None:
    """Wait for every kernel launched on the device to finish (immediate under the interpreter)."""
    _backend()
    import torch

    if torch.cuda.is_available():
        torch.cuda.synchronize(device)


def _backend():
    """The Triton backend; torch's error with how to enable the interpreter when cuda is missing."""
    return backend_for(device("cuda"))
