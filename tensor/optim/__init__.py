"""``tensor.optim``: optimizers with torch's update rules, parameter groups and state dicts.

:mod:`.optimizer` holds the shared machinery (``Optimizer``: groups, state,
``zero_grad``, ``step(closure)``, ``state_dict``/``load_state_dict``); each
algorithm (``SGD``, ``Adam``) is one file with its update formula in the
class docstring, written with in-place tensor operations under ``no_grad``.
"""

from .adam import Adam
from .optimizer import Optimizer
from .sgd import SGD

__all__ = ["Adam", "Optimizer", "SGD"]
