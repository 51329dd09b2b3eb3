"""``tensor.nn``: layers, losses and their functional forms, mirroring ``torch.nn``.

* :mod:`.parameter` — ``Parameter``, the tensor type a module registers as a weight;
* :mod:`.modules` — ``Module`` (registration, traversal, state dicts, repr) and the
  layers built on it: ``Linear``, activations, ``Sequential``, losses;
* :mod:`.functional` — the same computations as functions (``F.linear``,
  ``F.cross_entropy``, ...), composed from differentiable tensor ops;
* :mod:`.init` — in-place initialisers (``kaiming_uniform_``, ``xavier_uniform_``, ...);
* :mod:`.utils` — ``clip_grad_norm_``, ``clip_grad_value_``, ``parameters_to_vector``,
  ``vector_to_parameters``.

Nothing here touches numpy: gradients come from the tensor engine's derivative table.
"""

from . import functional, init, utils
from .modules import *  # noqa: F403  (every layer; the list is modules.__all__)
from .modules import __all__ as _layers
from .parameter import Parameter

__all__ = [*_layers, "Parameter", "functional", "init", "utils"]
