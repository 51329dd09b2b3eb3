"""dtypes and torch's type-promotion rules.

A :class:`dtype` is a small named object (``tensor.float32``); each backend
maps it to its own storage type. Promotion follows torch's ``result_type``:
operands are ranked in three tiers (tensors with dimensions, zero-dim tensors,
Python numbers) and a lower tier only raises the result's *category* (bool <
integer < floating), never its width within a category. So ``float32 tensor *
float64 0-d tensor`` stays float32, ``int64 tensor * 2.5`` becomes the default
float dtype, and ``int32 tensor + int64 0-d tensor`` stays int32.
"""

from __future__ import annotations


class dtype:
    """A tensor element type, compared by identity like torch's dtypes."""

    __slots__ = ("name", "itemsize", "is_floating_point", "is_signed", "category", "_rank")

    is_complex = False

    def __init__(self, name: str, itemsize: int, category: int, rank: int, signed: bool = True):
        self.name = name
        self.itemsize = itemsize
        self.category = category  # 0 bool, 1 integer, 2 floating
        self.is_floating_point = category == 2
        self.is_signed = signed
        self._rank = rank

    def __repr__(self) -> str:
        return f"tensor.{self.name}"

    def __reduce__(self):
        return (_dtype_named, (self.name,))


BOOL, INTEGER, FLOATING = 0, 1, 2

bool_ = dtype("bool", 1, BOOL, 0, signed=False)
uint8 = dtype("uint8", 1, INTEGER, 1, signed=False)
int8 = dtype("int8", 1, INTEGER, 2)
int16 = dtype("int16", 2, INTEGER, 3)
int32 = dtype("int32", 4, INTEGER, 4)
int64 = dtype("int64", 8, INTEGER, 5)
float16 = dtype("float16", 2, FLOATING, 6)
bfloat16 = dtype("bfloat16", 2, FLOATING, 7)
float32 = dtype("float32", 4, FLOATING, 8)
float64 = dtype("float64", 8, FLOATING, 9)

ALL_DTYPES = (bool_, uint8, int8, int16, int32, int64, float16, bfloat16, float32, float64)
BY_NAME = {d.name: d for d in ALL_DTYPES}


def _dtype_named(name: str) -> dtype:
    """The dtype called ``name`` (how dtypes unpickle: as the same objects)."""
    return BY_NAME[name]

_default_float = [float32]


def get_default_dtype() -> dtype:
    """The dtype Python floats become (float32 unless changed)."""
    return _default_float[0]


def set_default_dtype(d: dtype) -> None:
    """Set the dtype Python floats become; only float32 and float64 are allowed, as in torch."""
    if d not in (float32, float64):
        raise TypeError(f"only floating-point types are supported as the default type, got {d}")
    _default_float[0] = d


def promote_types(a: dtype, b: dtype) -> dtype:
    """torch.promote_types: the smallest dtype both a and b convert to without losing kind."""
    if a is b:
        return a
    if a.category != b.category:
        return a if a.category > b.category else b
    if {a, b} == {float16, bfloat16}:
        return float32
    if {a, b} == {uint8, int8}:
        return int16
    return a if a._rank > b._rank else b


def scalar_dtype(value) -> dtype:
    """The dtype torch gives a Python number: bool, int64 or the default float."""
    if isinstance(value, bool):
        return bool_
    if isinstance(value, int):
        return int64
    return _default_float[0]


def result_type(dim_dtypes, zero_dim_dtypes, scalar_dtypes) -> dtype:
    """torch's three-tier promotion over tensor dtypes with dims, 0-d tensors and Python numbers."""
    result = None
    for tier in (dim_dtypes, zero_dim_dtypes, scalar_dtypes):
        tier_result = None
        for d in tier:
            tier_result = d if tier_result is None else promote_types(tier_result, d)
        if tier_result is None:
            continue
        if result is None:
            result = tier_result
        elif tier_result.category > result.category:
            result = promote_types(result, tier_result)
    return result


# (bits, eps, max, smallest normal, resolution) of each floating dtype, IEEE 754 / bfloat16.
_FLOAT_INFO = {
    "float16": (16, 0.0009765625, 65504.0, 6.103515625e-05, 0.001),
    "bfloat16": (16, 0.0078125, 3.3895313892515355e38, 1.1754943508222875e-38, 0.01),
    "float32": (32, 1.1920928955078125e-07, 3.4028234663852886e38, 1.1754943508222875e-38, 1e-06),
    "float64": (64, 2.220446049250313e-16, 1.7976931348623157e308, 2.2250738585072014e-308, 1e-15),
}


class finfo:
    """Machine limits of a floating dtype, as ``torch.finfo``: ``bits``, ``eps`` (1 to the next
    number), ``max``, ``min`` (= -max), ``tiny`` (= ``smallest_normal``), ``resolution``."""

    def __init__(self, type: dtype | None = None):  # noqa: A002 - torch's argument name
        type = get_default_dtype() if type is None else type
        if not isinstance(type, dtype) or not type.is_floating_point:
            raise TypeError("torch.finfo() requires a floating point input type. Use torch.iinfo to "
                            "handle 'torch.finfo'")
        self.bits, self.eps, self.max, self.tiny, self.resolution = _FLOAT_INFO[type.name]
        self.min = -self.max
        self.smallest_normal = self.tiny
        self.dtype = type.name

    def __repr__(self) -> str:
        return (f"finfo(resolution={self.resolution}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.tiny:g}, tiny={self.tiny:g}, "
                f"dtype={self.dtype})")


class iinfo:
    """Limits of an integer (or bool) dtype, as ``torch.iinfo``: ``bits``, ``min``, ``max``."""

    def __init__(self, type: dtype):  # noqa: A002 - torch's argument name
        if not isinstance(type, dtype) or type.is_floating_point:
            raise TypeError("torch.iinfo() requires an integer input type. Use torch.finfo to "
                            "handle 'torch.iinfo'")
        self.bits = 8 * type.itemsize
        if type is bool_:
            self.min, self.max = 0, 1
        elif type.is_signed:
            self.min, self.max = -(2 ** (self.bits - 1)), 2 ** (self.bits - 1) - 1
        else:
            self.min, self.max = 0, 2 ** self.bits - 1
        self.dtype = type.name

    def __repr__(self) -> str:
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"


def check_int64_scalar(value: int) -> None:
    """torch's OverflowError for a Python int that neither int64 nor uint64 can hold."""
    if not -(2 ** 63) <= value < 2 ** 64:
        raise OverflowError("int too big to convert" if value > 0
                            else "can't convert negative int to unsigned")


def wrap_int_scalar(value: int, dtype: dtype) -> int:
    """A Python int operand of an arithmetic op or comparison computed in ``dtype``, as torch converts it.

    torch makes a Scalar of it (int64, or uint64 up to 2**64; beyond: OverflowError) and
    casts that to an integer ``dtype`` as C does, wrapping modulo 2**bits: ``int32_tensor *
    2**40`` multiplies by 0 and ``int32_tensor < 2**40`` compares with 0. Float dtypes take
    the value as it is.
    """
    check_int64_scalar(value)
    if dtype.category != INTEGER:
        return value
    bits = 8 * dtype.itemsize
    value &= (1 << bits) - 1
    if dtype.is_signed and value >= 1 << (bits - 1):
        value -= 1 << bits
    return value
