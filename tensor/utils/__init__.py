"""``tensor.utils``: helpers beside the engine, as ``torch.utils``: :mod:`.data` (datasets,
samplers, ``DataLoader``, ``random_split``)."""

from . import data

__all__ = ["data"]
