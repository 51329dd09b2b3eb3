"""Containers: ``Sequential`` (modules applied one after another), ``ModuleList`` and
``ModuleDict`` (modules held by position or key, registered so that their parameters
are the owner's), ``ParameterList`` (parameters held by position)."""

from __future__ import annotations

import operator
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

from ..._tensor import Tensor
from .. import functional as F
from ..parameter import Parameter
from .activation import ReLU
from .linear import Linear
from .module import Module, _addindent


def _key_at(keys: list[str], index: Any) -> str:
    """The key at list position ``index`` (negative counts from the end), torch's IndexError
    outside."""
    size = len(keys)
    position = operator.index(index)
    if not -size <= position < size:
        raise IndexError(f"index {position} is out of range")
    return keys[position % size]


def _renumber(registry: OrderedDict) -> None:
    """Rename the entries "0", "1", ... in order (after a deletion or insertion), as torch."""
    values = list(registry.values())
    registry.clear()
    for position, value in enumerate(values):
        registry[str(position)] = value


class Sequential(Module):
    """``Sequential(m0, m1, ...)`` or ``Sequential(OrderedDict(name=module))``:
    forward(x) = m_last(...m1(m0(x))).

    Children are named ``"0"``, ``"1"``, ... (or by the dict's keys);
    ``seq[i]`` (negative too), ``seq[a:b]`` (a new Sequential), ``len``,
    iteration, ``seq[i] = m``, ``del seq[i]`` and ``append`` work as in torch.
    """

    def __init__(self, *args: Module) -> None:
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for name, module in args[0].items():
                self.add_module(name, module)
        else:
            for index, module in enumerate(args):
                self.add_module(str(index), module)

    def _key_at(self, index: Any) -> str:
        return _key_at(list(self._modules), index)

    def __getitem__(self, index: int | slice) -> Module:
        if isinstance(index, slice):
            return type(self)(OrderedDict(list(self._modules.items())[index]))
        return self._modules[self._key_at(index)]

    def __setitem__(self, index: int, module: Module) -> None:
        setattr(self, self._key_at(index), module)

    def __delitem__(self, index: int | slice) -> None:
        keys = list(self._modules)[index] if isinstance(index, slice) else [self._key_at(index)]
        for key in keys:
            del self._modules[key]
        _renumber(self._modules)

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def append(self, module: Module) -> Sequential:
        """Add ``module`` at the end; returns self."""
        self.add_module(str(len(self)), module)
        return self

    def forward(self, input: Any) -> Any:
        """Each module applied in turn; a ``Linear`` followed by a ``ReLU`` runs as one
        fused addmm-with-ReLU kernel (the same values and graph as the two modules)."""
        modules = list(self)
        position = 0
        while position < len(modules):
            module = modules[position]
            following = modules[position + 1] if position + 1 < len(modules) else None
            if type(module) is Linear and type(following) is ReLU and not following.inplace:
                input = F.linear_relu(input, module.weight, module.bias)
                position += 2
            else:
                input = module(input)
                position += 1
        return input


class _IndexedList(Module):
    """What ModuleList and ParameterList share: entries kept in one registry under their
    positions "0", "1", ..., read by index (negative too) or slice, counted, iterated,
    extended."""

    _registry = "_modules"

    def _entries(self) -> OrderedDict:
        return self.__dict__[self._registry]

    def __getitem__(self, index: int | slice) -> Any:
        entries = self._entries()
        if isinstance(index, slice):
            return type(self)(list(entries.values())[index])
        return entries[_key_at(list(entries), index)]

    def __len__(self) -> int:
        return len(self._entries())

    def __iter__(self) -> Iterator[Any]:
        return iter(self._entries().values())

    def __iadd__(self, values: Any) -> Any:
        return self.extend(values)

    def append(self, value: Any) -> Any:
        raise NotImplementedError

    def extend(self, values: Any) -> Any:
        """Append every entry of an iterable; returns self."""
        if not hasattr(values, "__iter__"):
            raise TypeError(f"{type(self).__name__}.extend should be called with an iterable, "
                            f"but got {type(values).__name__}")
        for value in values:
            self.append(value)
        return self


class ModuleList(_IndexedList):
    """``ModuleList(modules=None)``: a list of modules, each registered under its position
    ("0", "1", ...), so that ``parameters()``, ``to()``, ``state_dict()`` see them. It has no
    ``forward``: the owner decides how to call them.

    Indexing (negative too), slices (a new ModuleList), ``len``, iteration, ``append``,
    ``extend``, ``insert``, ``pop``, ``+=``, ``+``, ``del`` and assignment work as in torch;
    the repr folds runs of equal modules into ``(0-2): 3 x Linear(...)`` as torch's does.
    """

    def __init__(self, modules: Any = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __setitem__(self, index: int, module: Module) -> None:
        setattr(self, _key_at(list(self._modules), index), module)

    def __delitem__(self, index: int | slice) -> None:
        keys = list(self._modules)
        for key in (keys[index] if isinstance(index, slice) else [_key_at(keys, index)]):
            del self._modules[key]
        _renumber(self._modules)

    def __add__(self, other: ModuleList) -> ModuleList:
        return type(self)([*self, *other])

    def append(self, module: Module) -> ModuleList:
        """Add ``module`` at the end; returns self."""
        self.add_module(str(len(self)), module)
        return self

    def insert(self, index: int, module: Module) -> None:
        """Put ``module`` before position ``index``; later modules move up one."""
        modules = list(self._modules.values())
        modules.insert(index, module)
        self._modules.clear()
        for module_ in modules:
            self.append(module_)

    def pop(self, index: int = -1) -> Module:
        """Remove and return the module at ``index``."""
        module = self[index]
        del self[index]
        return module

    def __repr__(self) -> str:
        reprs = [repr(module) for module in self]
        if not reprs:
            return "ModuleList()"
        lines, start = [], 0
        while start < len(reprs):
            end = start
            while end + 1 < len(reprs) and reprs[end + 1] == reprs[start]:
                end += 1
            body = _addindent(reprs[start], 2)
            if end == start:
                lines.append(f"({start}): {body}")
            else:
                lines.append(f"({start}-{end}): {end - start + 1} x {body}")
            start = end + 1
        return "ModuleList(\n  " + "\n  ".join(lines) + "\n)"


class ModuleDict(Module):
    """``ModuleDict(modules=None)``: modules by string key, in insertion order, registered
    as children (``md["conv"]``, ``in``, ``keys/values/items``, ``update``, ``pop``,
    ``clear``, ``len``, iteration over the keys)."""

    def __init__(self, modules: Any = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        del self._modules[key]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __contains__(self, key: str) -> bool:
        return key in self._modules

    def keys(self):
        """The keys, in insertion order."""
        return self._modules.keys()

    def values(self):
        """The modules, in insertion order."""
        return self._modules.values()

    def items(self):
        """(key, module) pairs, in insertion order."""
        return self._modules.items()

    def pop(self, key: str) -> Module:
        """Remove and return the module under ``key``."""
        module = self[key]
        del self[key]
        return module

    def clear(self) -> None:
        """Remove every module."""
        self._modules.clear()

    def update(self, modules: Any) -> None:
        """Add (or replace) modules from a mapping or an iterable of (key, module) pairs."""
        pairs = modules.items() if hasattr(modules, "items") else modules
        for key, module in pairs:
            self[key] = module


class ParameterList(_IndexedList):
    """``ParameterList(values=None)``: parameters by position ("0", "1", ...), registered so
    that ``parameters()`` and ``state_dict()`` see them. A plain Tensor added to it becomes
    a Parameter, as in torch."""

    _registry = "_parameters"

    def __init__(self, values: Any = None) -> None:
        super().__init__()
        if values is not None:
            self.extend(values)

    def __setitem__(self, index: int, param: Tensor) -> None:
        self.register_parameter(_key_at(list(self._parameters), index), _as_parameter(param))

    def append(self, value: Tensor) -> ParameterList:
        """Add ``value`` (wrapped in a Parameter if it is a plain Tensor) at the end."""
        self.register_parameter(str(len(self)), _as_parameter(value))
        return self

    def extra_repr(self) -> str:
        lines = []
        for index, param in enumerate(self):
            size = "x".join(str(n) for n in param.shape)
            lines.append(f"({index}): Parameter containing: [{param.dtype} of size {size}]")
        return "\n".join(lines)

    def __repr__(self) -> str:
        lines = self.extra_repr()
        if not lines:
            return "ParameterList()"
        return "ParameterList(\n    " + lines.replace("\n", "\n    ") + "\n)"


def _as_parameter(value: Tensor) -> Parameter:
    if isinstance(value, Tensor) and not isinstance(value, Parameter):
        return Parameter(value)
    return value
