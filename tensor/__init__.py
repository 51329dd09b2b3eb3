"""tensor: a tensor autograd engine with PyTorch's semantics (``import tensor as torch``).

Where to find things:

* :mod:`tensor._tensor` — the Tensor class (storage + autograd bookkeeping);
* :mod:`tensor._ops` — the public operations, argument handling as torch's;
* :mod:`tensor._derivatives` — the derivative table: each op's forward and backward;
* :mod:`tensor.autograd` — the engine (``graph``), ``Function``, grad modes,
  ``backward``/``grad``, gradcheck;
* :mod:`tensor.backends` — array primitives per device (numpy for ``cpu``);
  nothing above this line calls numpy;
* :mod:`tensor._dtypes` — dtypes and torch's promotion rules.
"""

from __future__ import annotations

from . import autograd
from ._dtypes import (
    bfloat16,
    dtype,
    finfo,
    float16,
    float32,
    float64,
    get_default_dtype,
    iinfo,
    int8,
    int16,
    int32,
    int64,
    promote_types,
    set_default_dtype,
    uint8,
)
from ._dtypes import (
    bool_ as bool,  # noqa: A001 - torch.bool
)
from ._explain import explain_backward
from ._interop import from_dlpack
from ._numerical import check_gradients, numerical_gradient
from ._ops import *  # noqa: F403
from ._tensor import Size, Tensor
from ._torch_alias import install_as_torch
from ._viz import draw_dot, to_dot
from .autograd import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from .backends import device, get_default_device, set_default_device

float = float32  # noqa: A001
double = float64
half = float16
long = int64
int = int32  # noqa: A001
short = int16

from . import cuda, func, nn, optim, utils  # noqa: E402  (they build on everything above)
from .serialization import load, save  # noqa: E402
from .utils.data import Generator  # noqa: E402  (seeds DataLoader shuffles, random_split)
