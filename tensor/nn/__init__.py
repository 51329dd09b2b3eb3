"""``tensor.nn``: layers, losses and their functional forms, mirroring ``torch.nn``.

* :mod:`.parameter` — ``Parameter``, the tensor type a module registers as a weight;
* :mod:`.modules` — ``Module`` (registration, traversal, state dicts, repr) and the
  layers built on it: ``Linear``, activations, ``Sequential``, losses;
* :mod:`.functional` — the same computations as functions (``F.linear``,
  ``F.cross_entropy``, ...), composed from differentiable tensor ops;
* :mod:`.init` — in-place initialisers (``kaiming_uniform_``, ``xavier_uniform_``, ...).

Nothing here touches numpy: gradients come from the tensor engine's derivative table.
"""

from . import functional, init
from .modules import (
    CrossEntropyLoss,
    Linear,
    LogSoftmax,
    Module,
    MSELoss,
    NLLLoss,
    ReLU,
    Sequential,
    Sigmoid,
    Softmax,
    Tanh,
)
from .parameter import Parameter

__all__ = [
    "CrossEntropyLoss", "Linear", "LogSoftmax", "MSELoss", "Module", "NLLLoss", "Parameter",
    "ReLU", "Sequential", "Sigmoid", "Softmax", "Tanh", "functional", "init",
]
