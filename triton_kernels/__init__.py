"""Triton kernels for lucidgrad: forward and VJP (backward) kernels per op family.

What will live here (see ../shared/DESIGN.md): one module per op family
(elementwise, reduce, matmul, softmax, ...), each holding its ``@triton.jit``
forward and backward kernels and a launcher that takes torch tensors;
``triton_kernels.torch_ops`` exposing them as ``torch.autograd.Function``s; and
``python -m triton_kernels.inspect``, which compiles every shipped kernel ahead
of time for sm_80 and sm_90 and reports registers, spills and tensor-core use.

The package is empty until the Triton issue lands: importing it needs nothing.
"""
