"""``save(obj, f)`` / ``load(f)``: tensors and state dicts in a numpy ``.npz`` archive.

The archive holds one array per tensor (``tensor_0``, ``tensor_1``, ...) and a
JSON description of the object's structure (``__structure__``): dicts (with
str, int, float, bool or None keys; ``OrderedDict`` kept as such), lists,
tuples, numbers, strings, None and tensors (with ``requires_grad`` and
whether they were ``Parameter``s). Nothing is pickled, and loading uses
``allow_pickle=False``, so loading a file never runs code from it.
A tensor shared by several entries is stored and restored once, so
sharing between them survives the round trip; views of one another do not.

This module is host I/O: it reads and writes storage through numpy
(``Tensor.numpy`` / ``tensor.from_numpy``), the one place above the backends
allowed to, since the file format is numpy's.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from collections import OrderedDict
from typing import IO, Any

import numpy as np

from . import _ops
from ._tensor import Tensor
from .nn.parameter import Parameter

_STRUCTURE = "__structure__"
_FORMAT = "lucidgrad.npz/1"
PathOrFile = str | os.PathLike | IO[bytes]


def save(obj: Any, f: PathOrFile) -> None:
    """Write ``obj`` (a tensor, or nested dicts/lists/tuples of tensors, numbers and strings,
    e.g. a model's or an optimizer's ``state_dict()``) to the path or binary file ``f``.

    A path is written exactly as given (no ``.npz`` suffix is added).
    """
    arrays: dict[str, np.ndarray] = {}
    tensor_keys: dict[int, str] = {}
    structure = {"format": _FORMAT, "root": _encode(obj, arrays, tensor_keys)}
    arrays[_STRUCTURE] = np.array(json.dumps(structure))
    if isinstance(f, (str, os.PathLike)):
        with open(f, "wb") as file:
            np.savez(file, **arrays)
    else:
        np.savez(f, **arrays)


def load(f: PathOrFile, map_location: Any = None, weights_only: bool = True) -> Any:
    """Read back what :func:`save` wrote. Tensors come back on the device they were saved
    from (a ``cuda`` tensor onto ``cuda``), or onto ``map_location`` when given (as
    ``Tensor.to``: ``map_location="cpu"`` loads cuda tensors on a machine without one);
    ``weights_only`` is accepted for torch compatibility (loading never executes code)."""
    source = f if isinstance(f, (str, os.PathLike)) else io.BytesIO(f.read())
    try:
        with np.load(source, allow_pickle=False) as archive:
            if not hasattr(archive, "files") or _STRUCTURE not in archive.files:
                raise RuntimeError(f"{f!r} is not a file written by tensor.save")
            structure = json.loads(str(archive[_STRUCTURE][()]))
            if not isinstance(structure, dict) or structure.get("format") != _FORMAT:
                found = structure.get("format") if isinstance(structure, dict) else None
                raise RuntimeError(f"{f!r}: unsupported tensor.save format: {found!r}")
            restored: dict[str, Tensor] = {}
            return _decode(structure["root"], archive, restored, map_location)
    except (KeyError, AttributeError, TypeError, ValueError, IndexError, RecursionError, EOFError,
            zipfile.BadZipFile) as error:
        # one error type for every malformed archive (pickled or object arrays are refused here too)
        raise RuntimeError(
            f"tensor.load: {f!r} is not a valid tensor.save archive ({type(error).__name__}: {error})"
        ) from None


def _encode(obj: Any, arrays: dict[str, np.ndarray], tensor_keys: dict[int, str]) -> Any:
    """The JSON description of ``obj``; tensors go into ``arrays`` (once each)."""
    if isinstance(obj, Tensor):
        key = tensor_keys.get(id(obj))
        if key is None:
            key = f"tensor_{len(tensor_keys)}"
            tensor_keys[id(obj)] = key
            arrays[key] = obj.detach().cpu().numpy()
        return {"type": "tensor", "key": key, "requires_grad": obj.requires_grad,
                "parameter": isinstance(obj, Parameter), "device": str(obj.device)}
    if obj is None or isinstance(obj, (bool, str)):
        return {"type": "value", "value": obj}
    if isinstance(obj, (int, float)):
        return {"type": type(obj).__name__, "value": repr(obj) if isinstance(obj, float) else obj}
    if isinstance(obj, dict):
        kind = "odict" if isinstance(obj, OrderedDict) else "dict"
        return {"type": kind, "items": [[_encode(k, arrays, tensor_keys),
                                         _encode(v, arrays, tensor_keys)]
                                        for k, v in obj.items()]}
    if isinstance(obj, (list, tuple)):
        return {"type": type(obj).__name__ if type(obj) in (list, tuple) else "list",
                "items": [_encode(v, arrays, tensor_keys) for v in obj]}
    raise TypeError(
        f"tensor.save can store tensors, numbers, strings, None and dicts/lists/tuples of them, "
        f"not {type(obj).__name__}"
    )


def _decode(node: dict, archive: Any, restored: dict[str, Tensor], map_location: Any) -> Any:
    kind = node["type"]
    if kind == "tensor":
        key = node["key"]
        if key not in restored:
            t = _ops.from_numpy(archive[key])
            location = node.get("device", "cpu") if map_location is None else map_location
            if location != "cpu":
                t = t.to(location)
            if node["parameter"]:
                t = Parameter(t, node["requires_grad"])
            elif node["requires_grad"]:
                t.requires_grad_(True)
            restored[key] = t
        return restored[key]
    if kind == "value":
        return node["value"]
    if kind == "int":
        return int(node["value"])
    if kind == "float":
        return float(node["value"])
    if kind in ("dict", "odict"):
        items = [(_decode(k, archive, restored, map_location),
                  _decode(v, archive, restored, map_location)) for k, v in node["items"]]
        return OrderedDict(items) if kind == "odict" else dict(items)
    items = [_decode(v, archive, restored, map_location) for v in node["items"]]
    return tuple(items) if kind == "tuple" else items
