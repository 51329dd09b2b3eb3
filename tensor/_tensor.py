"""The Tensor: storage from a backend plus the autograd bookkeeping torch keeps.

A Tensor holds backend storage (``_data``: an ndarray on ``cpu``), whether it
requires grad, its ``grad_fn`` node and output index, its ``.grad``, a version
counter shared with its views, and, for views, the base tensor and the chain
of view ops leading to it. Operations live in :mod:`tensor._ops` (argument
handling) and :mod:`tensor._derivatives` (forward and backward formulas);
this module binds them as methods and implements what is about the tensor
itself: construction, properties, conversion, backward, hooks and in-place
updates.
"""

from __future__ import annotations

import warnings
import weakref

from . import _dtypes as D
from .autograd import grad_mode
from .autograd.graph import AccumulateGrad, HookDict, add_hook
from .backends import CPU, as_device, backend_for, device

_state = grad_mode.state


class Tensor:
    """An n-dimensional array with PyTorch's autograd semantics.

    ``Tensor(data, requires_grad=False)`` is torch's legacy constructor:
    Python data becomes the default float dtype (``Tensor([1, 2])`` is
    float32, as in torch). One deliberate difference serves numpy-style
    autograd labs: a floating numpy array keeps its dtype, so float64 lab data
    stays float64 and numerical gradient checks keep their precision.
    """

    # Every tensor sets these six; the rest keep the class defaults below until set
    # (on a minority of tensors), so that making a tensor costs six attribute writes.
    __slots__ = (
        "_data", "_backend", "_requires_grad", "_grad_fn", "_output_nr", "_version_counter",
        "__weakref__", "__dict__",
    )
    _grad = None
    _base = None  # for views: the tensor whose storage they share
    _view_chain = None
    _view_version = 0
    _hooks = None
    _retains_grad = False
    _accumulator = None
    # Let numpy defer to Tensor's reflected operators (ndarray * Tensor -> Tensor).
    __array_priority__ = 1000

    def __init__(self, data=None, requires_grad: bool = False, dtype=None, device=None):
        if data is None:
            data = []
        dev = as_device(device)
        backend = backend_for(dev)
        if isinstance(data, Tensor):
            storage = backend.copy(data._data) if dtype is None else backend.astype(data._data, dtype)
        else:
            storage = backend.from_data(data, dtype)
            if dtype is None and not backend.dtype_of(storage).is_floating_point:
                storage = backend.astype(storage, D.get_default_dtype())
        _init(self, storage, backend, False, None, 0, None)
        if requires_grad:
            self.requires_grad_(True)

    @classmethod
    def _make(cls, data, backend, requires_grad, grad_fn, output_nr, version_counter):
        """Fast internal constructor around existing storage (no copy, no checks)."""
        t = object.__new__(cls)
        _init(t, data, backend, requires_grad, grad_fn, output_nr, version_counter)
        return t

    # ------------------------------------------------------------ properties
    @property
    def data(self) -> Tensor:
        """A tensor sharing this one's storage, detached and not requiring grad (torch's ``.data``).

        Unlike :meth:`detach`, it has its own version counter: in-place changes
        made through it (``p.data.zero_()``, ``w.data -= lr * w.grad``) are
        invisible to autograd, as in torch. ``.numpy()`` gives the array.
        """
        return Tensor._make(self._data, self._backend, False, None, 0, None)

    @data.setter
    def data(self, value: Tensor):
        """``x.data = t``: x now uses t's storage (shape, dtype and device follow t), as torch's."""
        if not isinstance(value, Tensor):
            kind = type(value)
            name = kind.__name__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__name__}"
            raise TypeError(f"Variable data has to be a tensor, but got {name}")
        if self._requires_grad and not value.dtype.is_floating_point:
            raise RuntimeError(
                "data set to a tensor that requires gradients must be floating point or complex dtype"
            )
        self._data = value._data
        self._backend = value._backend

    @property
    def grad(self):
        """Gradient accumulated by backward (a Tensor), or None.

        Reading it on a non-leaf that does not retain its grad warns, as torch does.
        """
        if self._grad_fn is not None and not self._retains_grad and self._grad is None:
            warnings.warn(_NON_LEAF_GRAD_WARNING, UserWarning, stacklevel=2)
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(
                    "assigned grad expected to be a Tensor or None but got grad of type "
                    + type(value).__name__
                )
            if value.shape != self.shape:
                raise RuntimeError(
                    f"attempting to assign a gradient of size '{list(value.shape)}' to a tensor of "
                    f"size '{list(self.shape)}'. Please ensure that the gradient and the tensor are "
                    "the same size"
                )
            if value.dtype is not self.dtype:
                raise RuntimeError(
                    f"attempting to assign a gradient with dtype '{_C_TYPE[value.dtype.name]}' to a "
                    f"tensor with grad_dtype '{_SCALAR_NAME[self.dtype.name]}'. The gradient must "
                    "match the tensor's grad_dtype (defaults to the tensor's dtype). You can set the "
                    "tensor's grad_dtype attribute with a specific dtype, or None to allow any dtype. "
                    "Set grad_dtype with caution. Diverging the dtypes of a tensor and its gradient "
                    "may break downstream systems that assume they match."
                )
        self._grad = value

    @grad.deleter
    def grad(self):
        self._grad = None

    @property
    def grad_fn(self):
        """The node that made this tensor (None for leaves)."""
        if self._base is not None and self._view_version != self._version_counter[0]:
            self._refresh_view()
        return self._grad_fn

    @property
    def requires_grad(self) -> bool:
        if self._base is not None and self._view_version != self._version_counter[0]:
            self._refresh_view()
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool):
        if not isinstance(value, bool):
            raise RuntimeError("requires_grad must be a bool")
        self.requires_grad_(value)

    @property
    def is_leaf(self) -> bool:
        """True for tensors not made by a recorded op (their grads go to ``.grad``)."""
        return self.grad_fn is None

    @property
    def retains_grad(self) -> bool:
        return self._retains_grad

    @property
    def shape(self) -> Size:
        return Size(self._backend.shape(self._data))

    @property
    def dtype(self) -> D.dtype:
        return self._backend.dtype_of(self._data)

    @property
    def device(self) -> device:
        return CPU if self._backend.device_type == "cpu" else device(self._backend.device_type, 0)

    @property
    def is_cuda(self) -> bool:
        return self._backend.device_type == "cuda"

    @property
    def ndim(self) -> int:
        return len(self._backend.shape(self._data))

    @property
    def _version(self) -> int:
        return self._version_counter[0]

    def is_floating_point(self) -> bool:
        return self.dtype.is_floating_point

    def size(self, dim: int | None = None):
        """The shape, or the size of one dimension."""
        shape = self._backend.shape(self._data)
        if dim is None:
            return Size(shape)
        return shape[_normalize_dim(dim, len(shape))]

    def dim(self) -> int:
        return len(self._backend.shape(self._data))

    def numel(self) -> int:
        return self._backend.prod_of(self._backend.shape(self._data))

    nelement = numel

    def element_size(self) -> int:
        return self.dtype.itemsize

    def stride(self, dim: int | None = None):
        strides = self._backend.strides(self._data)
        return strides if dim is None else strides[_normalize_dim(dim, len(strides))]

    def is_contiguous(self) -> bool:
        return self._backend.is_contiguous(self._data)

    def data_ptr(self) -> int:
        return self._backend.data_ptr(self._data)

    def __len__(self) -> int:
        shape = self._backend.shape(self._data)
        if not shape:
            raise TypeError("len() of a 0-d tensor")
        return shape[0]

    def __hash__(self) -> int:
        return id(self)

    # ----------------------------------------------------------- conversion
    def item(self):
        """The single value as a Python number."""
        if self.numel() != 1:
            raise RuntimeError(
                f"a Tensor with {self.numel()} elements cannot be converted to Scalar"
            )
        return self._backend.item(self._data)

    def tolist(self):
        return self._backend.tolist(self._data)

    def numpy(self, force: bool = False):
        """The storage as a numpy array (shared memory on cpu); allowed for a tensor requiring
        grad only under ``no_grad`` (or with ``force=True``), as torch."""
        if self._requires_grad and not force and _state.grad_enabled:
            raise RuntimeError(
                "Can't call numpy() on Tensor that requires grad. Use tensor.detach().numpy() instead."
            )
        if self._backend.device_type != "cpu":
            raise TypeError(
                "can't convert cuda:0 device type tensor to numpy. Use Tensor.cpu() to copy the "
                "tensor to host memory first."
            )
        return self._backend.to_numpy(self._data)

    def __array__(self, dtype=None, copy=None):
        array = self.detach().numpy()
        return array if dtype is None else array.astype(dtype)

    def __bool__(self) -> bool:
        if self.numel() != 1:
            raise RuntimeError(
                "Boolean value of Tensor with more than one value is ambiguous"
            )
        return bool(self.item())

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self.dtype.is_floating_point or self.numel() != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __iter__(self):
        if self.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(len(self)))

    def __repr__(self) -> str:
        from ._printing import tensor_repr

        return tensor_repr(self)

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        if self.ndim == 0:
            return format(self.item(), spec)
        return repr(self)

    def __dlpack__(self, **kwargs):
        """Export the storage through DLPack (zero-copy), e.g. for ``torch.from_dlpack``."""
        if self._requires_grad:
            raise BufferError("Can't export tensors that require gradient, use tensor.detach()")
        return self._backend.to_dlpack(self._data, **kwargs)

    def __dlpack_device__(self):
        return self._backend.dlpack_device(self._data)

    def __reduce_ex__(self, protocol):
        return (_rebuild, (self.detach().cpu().numpy().copy(), self._requires_grad))

    # --------------------------------------------------------------- autograd
    def _refresh_view(self) -> None:
        """Re-derive a view's place in the graph after its storage changed in place.

        When the base (or another view of it) was modified in place, the
        base's history now ends in CopySlices; this view's old grad_fn no
        longer describes it. As torch does, replay the view ops on the base.
        """
        self._view_version = self._version_counter[0]
        base = self._base
        if self._view_chain is None or not base._requires_grad:
            return
        from ._derivatives import replay_view

        with grad_mode.enable_grad():
            fresh = replay_view(base, self._view_chain)
        self._grad_fn = fresh._grad_fn
        self._output_nr = fresh._output_nr
        self._requires_grad = fresh._requires_grad

    def _gradient_edge(self):
        """(node, output_nr) where this tensor's gradient enters the graph."""
        if self._base is not None and self._view_version != self._version_counter[0]:
            self._refresh_view()
        if self._grad_fn is not None:
            return self._grad_fn, self._output_nr
        accumulator = self._accumulator() if self._accumulator is not None else None
        if accumulator is None:
            accumulator = AccumulateGrad(self)
            self._accumulator = weakref.ref(accumulator)
        return accumulator, 0

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set requires_grad on a leaf (in place); returns self."""
        if not isinstance(requires_grad, bool):
            raise TypeError("requires_grad_(): argument 'requires_grad' (position 1) must be bool, "
                            f"not {type(requires_grad).__name__}")
        if self._grad_fn is not None:
            if requires_grad:
                return self
            raise RuntimeError(
                "you can only change requires_grad flags of leaf variables. If you want to use a "
                "computed variable in a subgraph that doesn't require differentiation use "
                "var_no_grad = var.detach()."
            )
        if requires_grad and not self.dtype.is_floating_point:
            raise RuntimeError("only Tensors of floating point dtype can require gradients")
        self._requires_grad = bool(requires_grad)
        return self

    def retain_grad(self) -> None:
        """Keep this non-leaf's gradient in ``.grad`` during backward."""
        if not self._requires_grad:
            raise RuntimeError("can't retain_grad on Tensor that has requires_grad=False")
        if self._grad_fn is None or self._retains_grad:
            return
        node = self._grad_fn
        if node._retained is None:
            node._retained = {}
            node._hooked = True
        node._retained[self._output_nr] = weakref.ref(self)
        self._retains_grad = True

    def register_hook(self, hook):
        """``hook(grad)`` runs when this tensor's gradient is computed; may return a replacement.

        Returns a handle whose ``remove()`` unregisters the hook.
        """
        if not self._requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self._grad_fn is not None:
            return add_hook(self._grad_fn._tensor_hook_dict(self._output_nr), hook)
        if self._hooks is None:
            self._hooks = HookDict()
        return add_hook(self._hooks, hook)

    def backward(self, gradient=None, retain_graph=None, create_graph=False, inputs=None):
        """Accumulate d(self)/d(leaf) into every leaf's ``.grad`` (see autograd.backward)."""
        from .autograd import backward

        backward(self, gradient, retain_graph, create_graph, inputs=inputs)

    def detach(self) -> Tensor:
        """A tensor sharing storage (and version counter) with self, outside the graph."""
        t = Tensor._make(self._data, self._backend, False, None, 0, self._version_counter)
        return t

    def detach_(self) -> Tensor:
        """Make self a leaf that does not require grad, in place."""
        if self._base is not None and self._grad_fn is not None:
            raise RuntimeError(
                "Can't detach views in-place. Use detach() instead. If you are using "
                "DistributedDataParallel (DDP) for training, and gradient_as_bucket_view is set "
                "as True, gradients are views of DDP buckets, and hence detach_() cannot be "
                "called on these gradients. To fix this error, please refer to the "
                "Optimizer.zero_grad() function in torch/optim/optimizer.py as the solution."
            )
        self._grad_fn = None
        self._output_nr = 0
        self._requires_grad = False
        return self

    def zero_grad(self) -> None:
        """Numpy-lab style: reset this tensor's ``.grad`` to zeros (when set)."""
        if self._grad is not None:
            self._grad._backend.assign(self._grad._data, 0)

    # ----------------------------------------------------------- conversion
    def to(self, *args, **kwargs) -> Tensor:
        """Convert dtype and/or device: ``to(dtype)``, ``to(device)``, ``to(other)``, keywords."""
        dtype = kwargs.pop("dtype", None)
        dev = kwargs.pop("device", None)
        copy = kwargs.pop("copy", False)
        kwargs.pop("non_blocking", None)
        if kwargs:
            raise TypeError(f"to() got an unexpected keyword argument '{next(iter(kwargs))}'")
        for arg in args:
            if isinstance(arg, D.dtype):
                dtype = arg
            elif isinstance(arg, Tensor):
                dtype, dev = arg.dtype, arg.device
            elif isinstance(arg, (str, device)):
                dev = arg
            else:
                raise TypeError(f"to() received an invalid combination of arguments: {arg!r}")
        from ._ops import to_dtype_device

        return to_dtype_device(self, dtype, None if dev is None else as_device(dev), copy)

    def cpu(self) -> Tensor:
        return self.to("cpu")

    def cuda(self, device=None) -> Tensor:
        return self.to("cuda" if device is None else device)

    def float(self) -> Tensor:
        return self.to(D.float32)

    def double(self) -> Tensor:
        return self.to(D.float64)

    def half(self) -> Tensor:
        return self.to(D.float16)

    def long(self) -> Tensor:
        return self.to(D.int64)

    def int(self) -> Tensor:
        return self.to(D.int32)

    def bool(self) -> Tensor:
        return self.to(D.bool_)

    def type_as(self, other: Tensor) -> Tensor:
        return self.to(other.dtype)


_NON_LEAF_GRAD_WARNING = (
    "The .grad attribute of a Tensor that is not a leaf Tensor is being accessed. Its .grad attribute "
    "won't be populated during autograd.backward(). If you indeed want the .grad field to be populated "
    "for a non-leaf Tensor, use .retain_grad() on the non-leaf Tensor. If you access the non-leaf "
    "Tensor by mistake, make sure you access the leaf Tensor instead. See "
    "github.com/pytorch/pytorch/pull/30531 for more information."
)

_C_TYPE = {"float32": "float", "float64": "double", "float16": "c10::Half", "bfloat16": "c10::BFloat16",
           "int64": "long int", "int32": "int", "int16": "short int", "int8": "signed char",
           "uint8": "unsigned char", "bool": "bool"}
_SCALAR_NAME = {"float32": "Float", "float64": "Double", "float16": "Half", "bfloat16": "BFloat16",
                "int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
                "bool": "Bool"}


def _init(t, data, backend, requires_grad, grad_fn, output_nr, version_counter):
    t._data = data
    t._backend = backend
    t._requires_grad = requires_grad
    t._grad_fn = grad_fn
    t._output_nr = output_nr
    t._version_counter = [0] if version_counter is None else version_counter


def _rebuild(array, requires_grad):
    from ._ops import from_numpy

    return from_numpy(array).requires_grad_(requires_grad)


class Size(tuple):
    """A tensor's shape: a tuple that prints like torch's ``torch.Size([2, 3])``."""

    def __repr__(self) -> str:
        return f"tensor.Size({list(self)})"

    def numel(self) -> int:
        n = 1
        for s in self:
            n *= s
        return n


def _normalize_dim(dim: int, ndim: int) -> int:
    """A dim in range [-ndim, ndim-1] made non-negative; IndexError with torch's wording otherwise.

    A bool is not a dim (TypeError, as torch's argument parser; inside a tuple of dims
    torch takes it as 0/1, which callers of tuples do by converting first).
    """
    if isinstance(dim, bool):
        from ._bool_dim import bool_dim_error

        raise bool_dim_error()  # torch's wording for the call as written
    low, high = (-ndim, ndim - 1) if ndim > 0 else (-1, 0)
    if not low <= dim <= high:
        raise IndexError(
            f"Dimension out of range (expected to be in range of [{low}, {high}], but got {dim})"
        )
    return dim + ndim if dim < 0 and ndim > 0 else (0 if ndim == 0 else dim)


def _bind_tensor_class() -> None:
    """The autograd modules are imported before Tensor exists; give them the class once it does."""
    from . import autograd
    from .autograd import function, graph

    autograd.Tensor = function.Tensor = graph.Tensor = Tensor


_bind_tensor_class()
