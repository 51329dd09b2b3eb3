"""``tensor.optim``: optimizers with torch's update rules, parameter groups and state dicts.

:mod:`.optimizer` holds the shared machinery (``Optimizer``: groups, state,
``zero_grad``, ``step(closure)``, ``state_dict``/``load_state_dict``); each
algorithm (``SGD``, ``Adam``, ``AdamW``, ``RMSprop``, ``Adagrad``) is one file with its update formula in the
class docstring, written with in-place tensor operations under ``no_grad``.
:mod:`.lr_scheduler` changes the groups' ``lr`` over training (``StepLR``, ``OneCycleLR``,
``ReduceLROnPlateau``, ...).
"""

from . import lr_scheduler
from .adagrad import Adagrad
from .adam import Adam
from .adamw import AdamW
from .optimizer import Optimizer
from .rmsprop import RMSprop
from .sgd import SGD

__all__ = ["Adagrad", "Adam", "AdamW", "Optimizer", "RMSprop", "SGD", "lr_scheduler"]
