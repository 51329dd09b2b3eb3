"""``Parameter``: a Tensor that a :class:`~tensor.nn.Module` registers as one of its weights.

A Parameter is an ordinary leaf Tensor (it shares storage with the tensor it
wraps, as torch's does) whose only extra meaning is for ``Module.__setattr__``:
assigning one to a module attribute adds it to ``module.parameters()``.
Operations on a Parameter return plain Tensors.
"""

from __future__ import annotations

from .._tensor import Tensor


class Parameter(Tensor):
    """``Parameter(data=None, requires_grad=True)``: a module weight (a leaf that requires grad).

    ``data`` defaults to an empty float tensor; the Parameter shares its storage
    and version counter, so in-place updates through either are seen by both.
    """

    def __new__(cls, data: Tensor | None = None, requires_grad: bool = True) -> Parameter:
        if data is None:
            from .. import _ops

            data = _ops.empty(0)
        if not isinstance(data, Tensor):
            raise TypeError(
                f"Parameter data must be a Tensor, but got {type(data).__name__}"
            )
        param = cls._make(data._data, data._backend, False, None, 0, data._version_counter)
        if requires_grad:
            param.requires_grad_(True)
        return param

    def __init__(self, data: Tensor | None = None, requires_grad: bool = True) -> None:
        # Everything happens in __new__; Tensor.__init__ must not rebuild the storage.
        pass

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo: dict) -> Parameter:
        if id(self) in memo:
            return memo[id(self)]
        result = type(self)(self.detach().clone(), self.requires_grad)
        memo[id(self)] = result
        return result

    def __reduce_ex__(self, protocol):
        return (_rebuild_parameter, (self.detach().clone(), self.requires_grad))


def _rebuild_parameter(data: Tensor, requires_grad: bool) -> Parameter:
    return Parameter(data, requires_grad)
