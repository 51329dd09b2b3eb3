"""``repr`` of a Tensor, character for character as torch prints it.

This is a compact rewrite of torch's ``torch/_tensor_str.py`` for the default
print options (precision 4, threshold 1000, edgeitems 3, linewidth 80):

* one :class:`_Formatter` looks at every value that will be shown and picks a
  mode: integers (``tensor([1, 2])``), floats that are all whole numbers
  (``tensor([1., 2.])``), fixed point (``tensor([1.5000, 2.2500])``) or
  scientific (``tensor([1.0000e-05, 1.0000e+05])``), and a common width so
  that columns line up;
* tensors with more than ``THRESHOLD`` elements are summarised: along every
  dimension longer than ``2 * EDGEITEMS`` only the first and last
  ``EDGEITEMS`` entries are shown, with ``...`` between them;
* rows wrap at ``LINEWIDTH`` characters, nested dimensions are separated by
  one blank line per level below the innermost;
* suffixes follow: ``device=`` (when not the default device), ``dtype=``
  (when not the default float dtype, int64 or bool), then ``grad_fn=<...>``
  or ``requires_grad=True``.

Values come from the backend as Python numbers (``backend.tolist``) and are
formatted with Python's float formatting, which is what torch does too.
"""

from __future__ import annotations

import math

from . import _dtypes as D
from .backends import get_default_device

PRECISION = 4
THRESHOLD = 1000
EDGEITEMS = 3
LINEWIDTH = 80


class _Formatter:
    """Chooses how every shown value of one tensor is written, and the common width.

    For floating dtypes, with ``nz`` the nonzero finite values:
    scientific mode when ``max|nz| / min|nz| > 1000`` or ``max|nz| > 1e8`` or
    ``min|nz| < 1e-4``; otherwise whole-number mode (``1.``) when every ``nz``
    equals its ceiling, else fixed point with ``PRECISION`` decimals.
    """

    def __init__(self, values: list, floating: bool):
        self.floating = floating
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        if not floating:
            self.max_width = max((len(f"{v}") for v in values), default=1)
            return
        nonzero_finite = [v for v in values if math.isfinite(v) and v != 0]
        if not nonzero_finite:
            return
        magnitudes = [abs(v) for v in nonzero_finite]
        smallest, largest = min(magnitudes), max(magnitudes)
        self.int_mode = all(v == math.ceil(v) for v in nonzero_finite)
        self.sci_mode = largest / smallest > 1000.0 or largest > 1.0e8 or smallest < 1.0e-4
        if self.sci_mode:
            widths = (len(f"{v:.{PRECISION}e}") for v in nonzero_finite)
        elif self.int_mode:
            widths = (len(f"{v:.0f}") + 1 for v in nonzero_finite)  # + 1 for the trailing '.'
        else:
            widths = (len(f"{v:.{PRECISION}f}") for v in nonzero_finite)
        self.max_width = max(widths)

    def format(self, value) -> str:
        """One value, right-aligned to the common width."""
        if not self.floating:
            text = f"{value}"
        elif self.sci_mode:
            text = f"{value:{self.max_width}.{PRECISION}e}"
        elif self.int_mode:
            text = f"{value:.0f}"
            if math.isfinite(value):
                text += "."
        else:
            text = f"{value:.{PRECISION}f}"
        return " " * (self.max_width - len(text)) + text


def _flatten(values, ndim: int) -> list:
    """All leaves of a nested list of depth ``ndim``, iteratively."""
    level = [values]
    for _ in range(ndim):
        level = [item for sub in level for item in sub]
    return level


def _vector_str(values: list, summarised: bool, indent: int, formatter: _Formatter) -> str:
    """``[a, b, c]`` wrapped so that each line fits in ``LINEWIDTH - indent`` columns."""
    element_length = formatter.max_width + 2  # the value, a comma and a space
    per_line = max(1, math.floor((LINEWIDTH - indent) / element_length))
    items = [formatter.format(v) for v in values]
    if summarised:
        items = items[:EDGEITEMS] + [" ..."] + items[EDGEITEMS:]
    lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"


def _nested_str(values, summarised: tuple, indent: int, formatter: _Formatter) -> str:
    """The bracketed text of a nested list; ``summarised[d]`` marks dims shown as edges."""
    ndim = len(summarised)
    if ndim == 0:
        return formatter.format(values)
    if ndim == 1:
        return _vector_str(values, summarised[0], indent, formatter)
    rows = [_nested_str(row, summarised[1:], indent + 1, formatter) for row in values]
    if summarised[0]:
        rows = rows[:EDGEITEMS] + ["..."] + rows[EDGEITEMS:]
    return "[" + ("," + "\n" * (ndim - 1) + " " * (indent + 1)).join(rows) + "]"


def _shown_values(t) -> tuple[object, tuple]:
    """Nested Python values of what will be printed, and which dims are summarised.

    A summarised dim keeps its first and last ``EDGEITEMS`` entries; the cut
    is made on backend storage so that a huge tensor is never listed whole.
    """
    backend, data = t._backend, t.detach()._data
    shape = tuple(t.shape)
    summarise = t.numel() > THRESHOLD
    summarised = tuple(summarise and size > 2 * EDGEITEMS for size in shape)
    for dim, cut in enumerate(summarised):
        if cut:
            head = (slice(None),) * dim + (slice(None, EDGEITEMS),)
            tail = (slice(None),) * dim + (slice(-EDGEITEMS, None),)
            edges = [backend.getitem(data, head), backend.getitem(data, tail)]
            data = backend.concatenate(edges, dim)
    return backend.tolist(data), summarised


def _add_suffixes(text: str, suffixes: list[str], indent: int) -> str:
    """Append ``, suffix`` items, breaking the line when it would pass ``LINEWIDTH``.

    torch measures the last line as ``len(text) - text.rfind('\\n') + 1``
    (two more than its length when there is no newline); kept for fidelity.
    """
    parts = [text]
    last_line_len = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > LINEWIDTH:
            parts.append(",\n" + " " * indent + suffix)
            last_line_len = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line_len += len(suffix) + 2
    parts.append(")")
    return "".join(parts)


def _device_suffix(t) -> list[str]:
    """``device='cuda:0'`` unless the tensor is on the default device (index 0)."""
    device = t.device
    if device.type == get_default_device().type and (device.index or 0) == 0:
        return []
    name = "cpu" if device.type == "cpu" else f"{device.type}:{device.index or 0}"
    return [f"device='{name}'"]


def tensor_repr(t) -> str:
    """torch's ``repr`` of a tensor: ``tensor([1.5000, 2.2500], grad_fn=<MulBackward0>)``."""
    type_name = type(t).__name__
    prefix = "tensor(" if type_name in ("Tensor", "Parameter") else f"{type_name}("
    indent = len(prefix)
    suffixes = _device_suffix(t)
    dtype, default_dtype = t.dtype, D.get_default_dtype()
    if t.numel() == 0:
        if t.dim() != 1:
            suffixes.append(f"size={tuple(t.shape)}")
        if dtype is not default_dtype:
            suffixes.append(f"dtype={dtype!r}")
        body = "[]"
    else:
        if dtype not in (default_dtype, D.int64, D.bool_):
            suffixes.append(f"dtype={dtype!r}")
        values, summarised = _shown_values(t)
        formatter = _Formatter(_flatten(values, len(summarised)), dtype.is_floating_point)
        body = _nested_str(values, summarised, indent, formatter)
    if t.grad_fn is not None:
        suffixes.append(f"grad_fn=<{t.grad_fn.name()}>")
    elif t.requires_grad:
        suffixes.append("requires_grad=True")
    return _add_suffixes(prefix + body, suffixes, indent)
