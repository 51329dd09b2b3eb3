"""``install_as_torch()``: make ``import torch`` (and every ``torch.*`` submodule) load ``tensor``.

``import tensor as torch`` renames one module only: the next line of most
PyTorch material, ``import torch.nn as nn``, then loads the *real* torch's
``nn``, whose ``F.linear`` rejects our tensors with torch's baffling
``argument 'input' (position 1) must be Tensor, not Tensor``. Installing the
alias avoids that trap: ``sys.modules["torch"]`` becomes the ``tensor``
package, and an import hook answers every ``torch.X.Y`` with the module
``tensor.X.Y`` (the same module object, imported on first use), so
``import torch.nn.functional as F``, ``from torch.autograd import Function``
and ``from torch.utils.data import DataLoader`` all resolve to ours.

``python -m tensor script.py`` (see :mod:`tensor.__main__`) runs a script
with the alias installed.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys

ALIAS = "torch"
TARGET = "tensor"


class _AliasLoader(importlib.abc.Loader):
    """Hands the import system an already imported ``tensor.*`` module for a ``torch.*`` name."""

    def __init__(self, module):
        self.module = module
        self.original_spec = module.__spec__

    def create_module(self, spec):
        return self.module

    def exec_module(self, module):
        # The import system sets ``__spec__`` to the alias spec; the module keeps its real one.
        module.__spec__ = self.original_spec


class _AliasFinder(importlib.abc.MetaPathFinder):
    """Meta path finder: ``torch.X`` -> the module ``tensor.X``."""

    def find_spec(self, fullname, path=None, target=None):
        if not fullname.startswith(ALIAS + "."):
            return None
        real_name = TARGET + fullname[len(ALIAS):]
        try:
            module = importlib.import_module(real_name)
        except ModuleNotFoundError as error:
            if error.name != real_name:
                raise
            raise ModuleNotFoundError(
                f"No module named '{fullname}': install_as_torch() maps torch.* to tensor.*, "
                f"and tensor does not provide '{real_name}'",
                name=fullname,
            ) from None
        is_package = hasattr(module, "__path__")
        return importlib.machinery.ModuleSpec(
            fullname, _AliasLoader(module), is_package=is_package
        )


_FINDER = _AliasFinder()


def install_as_torch() -> None:
    """Make ``import torch`` and ``import torch.<sub>`` load ``tensor`` and ``tensor.<sub>``.

    Installed once (calling it again does nothing). Raises RuntimeError if the
    real torch was imported first: modules holding the real ``torch`` would
    then mix the two libraries' tensors.
    """
    target = sys.modules[TARGET]
    current = sys.modules.get(ALIAS)
    if current is target:
        return
    if current is not None:
        raise RuntimeError(
            "tensor.install_as_torch() was called after the real torch was imported "
            f"(from {getattr(current, '__file__', None)!r}); call it before any 'import torch', "
            "or run the script with 'python -m tensor script.py'"
        )
    sys.modules[ALIAS] = target
    for name, module in list(sys.modules.items()):
        if name.startswith(TARGET + ".") and module is not None:
            sys.modules.setdefault(ALIAS + name[len(TARGET):], module)
    if _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)
