"""The layers of ``tensor.nn``, one file per family as in torch:

``module`` (the ``Module`` base class), ``container`` (``Sequential ModuleList ModuleDict
ParameterList``), ``linear`` (``Linear Identity``), ``flatten`` (``Flatten Unflatten``),
``conv`` (``Conv1d Conv2d``), ``pooling`` (``MaxPool2d AvgPool2d AdaptiveAvgPool2d``),
``dropout`` (``Dropout Dropout2d``), ``sparse`` (``Embedding``), ``normalization``
(``LayerNorm BatchNorm1d BatchNorm2d``), ``activation`` (``ReLU Sigmoid Tanh Softmax
LogSoftmax Softmax2d GELU SiLU LeakyReLU ELU Softplus Hardtanh ReLU6``) and ``loss`` (``MSELoss
NLLLoss CrossEntropyLoss L1Loss SmoothL1Loss HuberLoss KLDivLoss BCELoss
BCEWithLogitsLoss``).
"""

from .activation import (
    ELU,
    GELU,
    Hardtanh,
    LeakyReLU,
    LogSoftmax,
    ReLU,
    ReLU6,
    Sigmoid,
    SiLU,
    Softmax,
    Softmax2d,
    Softplus,
    Tanh,
)
from .container import ModuleDict, ModuleList, ParameterList, Sequential
from .conv import Conv1d, Conv2d
from .dropout import Dropout, Dropout2d
from .flatten import Flatten, Unflatten
from .linear import Identity, Linear
from .loss import (
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HuberLoss,
    KLDivLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
    SmoothL1Loss,
)
from .module import Module
from .normalization import BatchNorm1d, BatchNorm2d, LayerNorm
from .pooling import AdaptiveAvgPool2d, AvgPool2d, MaxPool2d
from .sparse import Embedding

__all__ = [
    "AdaptiveAvgPool2d", "AvgPool2d", "BCELoss", "BCEWithLogitsLoss", "BatchNorm1d",
    "BatchNorm2d", "Conv1d", "Conv2d", "CrossEntropyLoss", "Dropout", "Dropout2d", "ELU",
    "Embedding", "Flatten", "GELU", "Hardtanh", "HuberLoss", "Identity", "KLDivLoss", "L1Loss",
    "LayerNorm", "LeakyReLU", "Linear", "LogSoftmax", "MSELoss", "MaxPool2d", "Module",
    "ModuleDict", "ModuleList", "NLLLoss", "ParameterList", "ReLU", "ReLU6", "SiLU", "Sequential",
    "Sigmoid", "SmoothL1Loss", "Softmax", "Softmax2d", "Softplus", "Tanh", "Unflatten",
]
