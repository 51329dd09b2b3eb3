"""Triton kernels for lucidgrad: forward and VJP (backward) kernels per op family.

One module per family, each holding its ``@triton.jit`` kernels and the
launchers (functions on torch tensors that check their input, pick blocks and
grids, and launch through :func:`triton_kernels._common.launch`):

- ``elementwise``: unary and binary ops over any shapes and strides, casts, copies, fused VJPs;
- ``reduce``: sum, mean, prod, amax/amin, max/min with indices, arg*, var/std, logsumexp, all/any,
  norm, and ``sum_to_shape`` (undoing broadcasting in a backward);
- ``matmul``: tiled (batched, any strides) matmul and ``addmm`` with a fused bias/ReLU epilogue;
- ``softmax``: softmax, log_softmax and cross_entropy, forward and VJP;
- ``index``: gather, scatter-add, index_select / index_put, masked_fill;
- ``optim``: fused SGD and Adam updates;
- ``torch_ops``: ``torch.autograd.Function``s over the kernels, differentiable twice;
- ``inspect``: ``python -m triton_kernels.inspect`` compiles every kernel for sm_80 and sm_90.

Without a GPU, set ``TRITON_INTERPRET=1`` before triton is imported and the
kernels run on CPU torch tensors through Triton's interpreter.
``count_launches()`` counts kernel launches by kernel name.
"""

from ._common import count_launches, interpreting

__all__ = ["count_launches", "interpreting"]
