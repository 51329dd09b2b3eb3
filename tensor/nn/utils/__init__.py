"""``tensor.nn.utils``: gradient clipping (:mod:`.clip_grad`) and flattening parameters to
one vector and back (:mod:`.convert_parameters`), as ``torch.nn.utils``."""

from .clip_grad import clip_grad_norm_, clip_grad_value_
from .convert_parameters import parameters_to_vector, vector_to_parameters

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector", "vector_to_parameters"]
