"""The layers of ``tensor.nn``, one file per family as in torch:

``module`` (the ``Module`` base class), ``container`` (``Sequential``),
``linear`` (``Linear``), ``activation`` (``ReLU Sigmoid Tanh Softmax
LogSoftmax``) and ``loss`` (``MSELoss NLLLoss CrossEntropyLoss``).
"""

from .activation import LogSoftmax, ReLU, Sigmoid, Softmax, Tanh
from .container import Sequential
from .linear import Linear
from .loss import CrossEntropyLoss, MSELoss, NLLLoss
from .module import Module

__all__ = [
    "CrossEntropyLoss", "Linear", "LogSoftmax", "MSELoss", "Module", "NLLLoss", "ReLU",
    "Sequential", "Sigmoid", "Softmax", "Tanh",
]
