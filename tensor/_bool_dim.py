"""torch's TypeError for a bool passed where a dim is expected (``x.sum(dim=True)``).

torch's argument parser words that error after the call as written: which function, which
signatures it has, the argument's position (counted without ``self`` for a method, with
``input`` for ``torch.fn``) or keyword, and, when several signatures could take that many
arguments, the types of everything passed::

    softmax(): argument 'dim' (position 1) must be int, not bool
    sum() received an invalid combination of arguments - got (dim=bool, ), but expected one of:
     * (*, torch.dtype dtype = None)
     * (tuple of ints dim, bool keepdim = False, *, torch.dtype dtype = None)

Only the error path pays for this: :func:`bool_dim_error` finds the public op on the call
stack, reads the call expression at the user's call site (its source position, Python
3.11+) to learn the call's form, and fills in torch's signatures below. When any of that is
unavailable it falls back to ``argument 'dim' must be int, not bool``. (The parser's
"didn't match because ..." notes under each signature are not reproduced.)
"""

from __future__ import annotations

import ast
import linecache
import os
import sys
import types

_PACKAGE = os.path.dirname(os.path.abspath(__file__))

# torch's parameters (method form, without self) for the ops with one signature
_SINGLE = {
    "softmax": [("dim", "int"), ("dtype", "torch.dtype")],
    "log_softmax": [("dim", "int"), ("dtype", "torch.dtype")],
    "unsqueeze": [("dim", "int")],
    "argmax": [("dim", "int"), ("keepdim", "bool")],
    "argmin": [("dim", "int"), ("keepdim", "bool")],
    "amax": [("dim", "tuple of ints"), ("keepdim", "bool")],
    "amin": [("dim", "tuple of ints"), ("keepdim", "bool")],
    "cumsum": [("dim", "int")],
    "cumprod": [("dim", "int")],
    "transpose": [("dim0", "int"), ("dim1", "int")],
    "flatten": [("start_dim", "int"), ("end_dim", "int")],
    "logsumexp": [("dim", "tuple of ints"), ("keepdim", "bool")],
    "gather": [("dim", "int"), ("index", "Tensor")],
    "select": [("dim", "int"), ("index", "int")],
    "topk": [("k", "int"), ("dim", "int"), ("largest", "bool"), ("sorted", "bool")],
    "kthvalue": [("k", "int"), ("dim", "int"), ("keepdim", "bool")],
    "index_select": [("dim", "int"), ("index", "Tensor")],
    "chunk": [("chunks", "int"), ("dim", "int")],
    "unbind": [("dim", "int")],
    "size": [("dim", "int")],
    "stride": [("dim", "int")],
    "index_add": [("dim", "int"), ("index", "Tensor"), ("source", "Tensor")],
    "scatter_add": [("dim", "int"), ("index", "Tensor"), ("src", "Tensor")],
    "roll": [("shifts", "tuple of ints"), ("dims", "tuple of ints")],
    "flip": [("dims", "tuple of ints")],
}
# torch.cat / torch.stack exist only as functions
_FUNCTION_ONLY = {
    "cat": [("tensors", "tuple of Tensors"), ("dim", "int")],
    "stack": [("tensors", "tuple of Tensors"), ("dim", "int")],
}
# (method signatures, function signatures) of the ops with several
_MULTI = {
    "sum": (["(*, torch.dtype dtype = None)",
             "(tuple of ints dim, bool keepdim = False, *, torch.dtype dtype = None)"],
            ["(Tensor input, *, torch.dtype dtype = None)",
             "(Tensor input, tuple of ints dim, bool keepdim = False, *, torch.dtype dtype = None, "
             "Tensor out = None)"]),
    "mean": (["(*, torch.dtype dtype = None)",
              "(tuple of ints dim, bool keepdim = False, *, torch.dtype dtype = None)"],
             ["(Tensor input, *, torch.dtype dtype = None, Tensor out = None)",
              "(Tensor input, tuple of ints dim, bool keepdim = False, *, torch.dtype dtype = None, "
              "Tensor out = None)"]),
    "prod": (["(*, torch.dtype dtype = None)",
              "(int dim, bool keepdim = False, *, torch.dtype dtype = None)"],
             ["(Tensor input, *, torch.dtype dtype = None)",
              "(Tensor input, int dim, bool keepdim = False, *, torch.dtype dtype = None, "
              "Tensor out = None)"]),
    "squeeze": (["()", "(int dim)", "(tuple of ints dim)"],
                ["(Tensor input)", "(Tensor input, int dim)", "(Tensor input, tuple of ints dim)"]),
    "max": (["()", "(Tensor other)", "(int dim, bool keepdim = False)"],
            ["(Tensor input, *, Tensor out = None)", "(Tensor input, Tensor other, *, Tensor out = None)",
             "(Tensor input, int dim, bool keepdim = False, *, tuple of Tensors out = None)"]),
    "min": (["()", "(Tensor other)", "(int dim, bool keepdim = False)"],
            ["(Tensor input, *, Tensor out = None)", "(Tensor input, Tensor other, *, Tensor out = None)",
             "(Tensor input, int dim, bool keepdim = False, *, tuple of Tensors out = None)"]),
    "sort": (["(*, bool stable, int dim = -1, bool descending = False)",
              "(int dim = -1, bool descending = False)"],
             ["(Tensor input, *, bool stable, int dim = -1, bool descending = False, "
              "tuple of Tensors out = None)",
              "(Tensor input, int dim = -1, bool descending = False, *, tuple of Tensors out = None)"]),
    "argsort": (["(*, bool stable, int dim = -1, bool descending = False)",
                 "(int dim = -1, bool descending = False)"],
                ["(Tensor input, *, bool stable, int dim = -1, bool descending = False, Tensor out = None)",
                 "(Tensor input, int dim = -1, bool descending = False)"]),
    "all": (["()", "(tuple of ints dim = None, bool keepdim = False)", "(int dim, bool keepdim = False)"],
            ["(Tensor input, *, Tensor out = None)",
             "(Tensor input, tuple of ints dim = None, bool keepdim = False, *, Tensor out = None)",
             "(Tensor input, int dim, bool keepdim = False, *, Tensor out = None)"]),
    "any": (["()", "(tuple of ints dim = None, bool keepdim = False)", "(int dim, bool keepdim = False)"],
            ["(Tensor input, *, Tensor out = None)",
             "(Tensor input, tuple of ints dim = None, bool keepdim = False, *, Tensor out = None)",
             "(Tensor input, int dim, bool keepdim = False, *, Tensor out = None)"]),
    "narrow": (["(int dim, Tensor start, int length)", "(int dim, int start, int length)"],
               ["(Tensor input, int dim, Tensor start, int length)",
                "(Tensor input, int dim, int start, int length)"]),
    "repeat_interleave": (["(Tensor repeats, int dim = None, *, int output_size = None)",
                           "(int repeats, int dim = None, *, int output_size = None)"],
                          ["(Tensor input, Tensor repeats, int dim = None, *, int output_size = None)",
                           "(Tensor repeats, *, int output_size = None)",
                           "(Tensor input, int repeats, int dim = None, *, int output_size = None)"]),
    "scatter": (["(int dim, Tensor index, Tensor src)", "(int dim, Tensor index, Tensor src, *, str reduce)",
                 "(int dim, Tensor index, Number value)",
                 "(int dim, Tensor index, Number value, *, str reduce)"],
                ["(Tensor input, int dim, Tensor index, Tensor src, *, Tensor out = None)",
                 "(Tensor input, int dim, Tensor index, Tensor src, *, str reduce, Tensor out = None)",
                 "(Tensor input, int dim, Tensor index, Number value, *, Tensor out = None)",
                 "(Tensor input, int dim, Tensor index, Number value, *, str reduce, Tensor out = None)"]),
}
_VAR_SIGNATURES = (
    ["(tuple of ints dim, bool unbiased = True, bool keepdim = False)",
     "(tuple of ints dim = None, *, Number correction = None, bool keepdim = False)",
     "(bool unbiased = True)"],
    ["(Tensor input, tuple of ints dim, bool unbiased = True, bool keepdim = False, *, Tensor out = None)",
     "(Tensor input, tuple of ints dim = None, *, Number correction = None, bool keepdim = False, "
     "Tensor out = None)",
     "(Tensor input, bool unbiased = True)"])
# torch.split / Tensor.split are Python functions handing (self, split_size, dim) on positionally
_SPLIT_SIGNATURES = ["(Tensor input, int split_size, int dim = 0)",
                     "(Tensor input, tuple of ints split_size, int dim = 0)"]
_DIM_TYPES = ("int", "tuple of ints")
_FALLBACK = "argument 'dim' must be int, not bool"


def bool_dim_error() -> TypeError:
    """The TypeError torch raises for the call on the stack that passed a bool as a dim."""
    try:
        message = _torch_message(sys._getframe(1))
    except Exception:  # noqa: BLE001 - wording is best effort; the error type is what matters
        message = None
    return TypeError(message or _FALLBACK)


def _in_package(frame) -> bool:
    return frame.f_code.co_filename.startswith(_PACKAGE)


def _op_name(frame) -> str | None:
    """The torch op a frame of ours implements, or None."""
    name = frame.f_code.co_name
    if name in ("reduce", "bool_reduce", "arg_reduce"):  # made per op by a factory (min/max, ...)
        name = frame.f_locals.get("name")
    if name in _SINGLE or name in _MULTI or name in _FUNCTION_ONLY or name in ("split", "norm", "std", "var"):
        return name
    return None


def _torch_message(frame) -> str | None:
    op_frame, name = None, None
    while frame is not None and _in_package(frame):
        found = _op_name(frame)
        if found is not None:
            op_frame, name = frame, found
        frame = frame.f_back
    if op_frame is None:
        return None
    if name in ("softmax", "log_softmax") and op_frame.f_code.co_filename.endswith(
            os.path.join("nn", "functional.py")):
        # F.softmax(input, dim) calls input.softmax(dim): torch words it for that call
        return f"{name}(): argument 'dim' (position 1) must be int, not bool"
    if name == "norm":  # Tensor.norm hands dim on to linalg.vector_norm as a list
        return ("linalg_vector_norm(): argument 'dim' (position 3) must be tuple of ints, but found element "
                "of type bool at pos 0")
    site = _call_site(_caller(op_frame))
    if site is None:
        return None
    method, positional, keywords = site[:3]
    args = _passed(op_frame, method, positional, keywords, site[3])
    if args is None:
        return None
    if name in ("std", "var"):
        return _combination(name, _got(args), _VAR_SIGNATURES[0 if method else 1], args)
    if name == "split":  # torch's split hands (self, split_size, dim) on positionally
        full = [(None, value) for _, value in args]
        if method:
            full.insert(0, (None, op_frame.f_locals.get("tensor")))
        return _combination("split", _got(full), _SPLIT_SIGNATURES, full)
    if name in _FUNCTION_ONLY:
        return _single(name, _FUNCTION_ONLY[name], args)
    if name in _SINGLE:
        params = _SINGLE[name] if method else [("input", "Tensor")] + _SINGLE[name]
        return _single(name, params, args)
    signatures = _MULTI[name][0 if method else 1]
    parsed = [_parse(s) for s in signatures]
    plausible = [p for p in parsed if p[0] <= len(args) <= p[1]]
    if len(plausible) == 1:
        return _single(name, plausible[0][2], args)
    return _combination(name, _got(args), signatures, args)


def passed_as_keyword(param: str) -> bool:
    """Whether the public op below the caller was given ``param`` by keyword (False when that
    cannot be told). For ops whose meaning of a bool depends on it (``x.std(True)`` is
    unbiased, ``x.std(dim=True)`` an error)."""
    try:
        frame = sys._getframe(1)
        op_frame = None
        while frame is not None and _in_package(frame):
            if _op_name(frame) is not None:
                op_frame = frame
            frame = frame.f_back
        site = _call_site(_caller(op_frame)) if op_frame is not None else None
        return site is not None and param in site[2]
    except Exception:  # noqa: BLE001
        return False


def _caller(op_frame):
    """The frame that called the public op (past our keyword-spelling wrappers)."""
    caller = op_frame.f_back
    while caller is not None and _in_package(caller) and caller.f_code.co_name == "wrapper":
        caller = caller.f_back
    return caller


def _got(args) -> str:
    """torch's "got (...)": the positional types, then the keywords (in reverse order, as its
    map hands them out); with keywords only, each is followed by ", "."""
    positional_types = [_type_name(value) for key, value in args if key is None]
    keyword_types = [f"{key}={_type_name(value)}" for key, value in reversed(args) if key is not None]
    if positional_types:
        return ", ".join(positional_types + keyword_types)
    return "".join(k + ", " for k in keyword_types)


def _combination(name, got, signatures, args) -> str:
    listed = "".join(f" * {s}\n{_why_not(s, args)}" for s in signatures)
    return (f"{name}() received an invalid combination of arguments - got ({got}), but expected one of:\n"
            f"{listed}")


def _why_not(signature, args) -> str:
    """torch's note under a signature whose argument count matches the call (its count takes
    "*" and an empty "()" as one argument each)."""
    body = signature.strip()[1:-1]
    items = [p.strip() for p in body.split(",")]
    named = {}
    for item in items:
        declaration = item.partition(" = ")[0]
        if declaration != "*" and declaration:
            kind, _, param = declaration.rpartition(" ")
            named[param] = kind
    if len(args) != len(items):
        return ""
    wrong = [key for key, _ in args if key is not None and key not in named]
    if wrong:
        return "      didn't match because some of the keywords were incorrect: " + ", ".join(wrong) + "\n"
    positional_kinds = [item.partition(" = ")[0].rpartition(" ")[0] for item in items if item]
    positional_kinds = positional_kinds[:items.index("*")] if "*" in items else positional_kinds
    parts = []
    position = 0
    for key, value in args:
        if key is None:
            kind = positional_kinds[position] if position < len(positional_kinds) else None
            position += 1
        else:
            kind = named.get(key)
        text = _type_name(value)
        text = text if kind is not None and _matches(value, kind) else f"!{text}!"
        parts.append(text if key is None else f"{key}={text}")
    return "      didn't match because some of the arguments have invalid types: (" + ", ".join(parts) + ")\n"


def _matches(value, kind) -> bool:
    from ._dtypes import dtype
    from ._tensor import Tensor

    if kind == "Tensor":
        return isinstance(value, Tensor)
    if kind == "int":
        return type(value) is int
    if kind == "bool":  # torch's note marks a bool given for a bool too
        return False
    if kind == "float":
        return type(value) in (int, float)
    if kind == "Number":  # torch's note marks a number given for a Number too
        return False
    if kind.startswith("tuple of"):
        return isinstance(value, (tuple, list))
    if kind == "torch.dtype":
        return isinstance(value, dtype)
    if kind == "str":
        return isinstance(value, str)
    return True


def _single(name, params, args) -> str | None:
    """torch's one-signature wording: the first parameter (in the signature's order) given a bool
    where it takes a dim."""
    positional = [value for key, value in args if key is None]
    keywords = {key: value for key, value in args if key is not None}
    for index, (param, kind) in enumerate(params):
        if index < len(positional):
            value, where = positional[index], f" (position {index + 1})"
        elif param in keywords:
            value, where = keywords[param], ""
        else:
            continue
        if type(value) is bool and kind in _DIM_TYPES:
            return f"{name}(): argument '{param}'{where} must be {kind}, not bool"
    return None


def _parse(signature):
    """(fewest arguments, most arguments, positional parameters) of a signature's text."""
    body = signature.strip()[1:-1]
    params, least, most, keyword_only = [], 0, 0, False
    for item in (p.strip() for p in body.split(",") if p.strip()):
        if item == "*":
            keyword_only = True
            continue
        most += 1
        declaration, _, default = item.partition(" = ")
        kind, _, param = declaration.rpartition(" ")
        if not default:
            least += 1
        if not keyword_only:
            params.append((param, kind))
    return least, most, params


_UNKNOWN = object()


def _passed(op_frame, method, positional, keywords, values):
    """[(keyword or None, value)] as the user passed them (without self for a method): the values
    the call site shows (literals and names), else read from our op's parameters."""
    code = op_frame.f_code
    names = code.co_varnames[:code.co_argcount + code.co_kwonlyargcount]
    varargs = code.co_flags & 0x04
    local = op_frame.f_locals
    offset = 1 if method else 0
    args = []
    for i in range(positional):
        value = values[i]
        if value is _UNKNOWN:
            if varargs or i + offset >= len(names):
                return None
            value = local[names[i + offset]]
        args.append((None, value))
    for j, key in enumerate(keywords):
        value = values[positional + j]
        if value is _UNKNOWN:
            value = local.get(key, local.get("dim") if key == "axis" else None)
        args.append((key, value))
    return args


def _call_site(frame):
    """(method call?, positional count, keyword names) of the call being made in ``frame``."""
    if frame is None or sys.version_info < (3, 11):
        return None
    code = frame.f_code
    positions = list(code.co_positions())
    index = frame.f_lasti // 2
    if not 0 <= index < len(positions):
        return None
    line, end_line, column, end_column = positions[index]
    if None in (line, end_line, column, end_column):
        return None
    lines = linecache.getlines(code.co_filename, frame.f_globals)
    if len(lines) < end_line:
        return None
    chunk = [text.encode() for text in lines[line - 1:end_line]]
    if line == end_line:
        source = chunk[0][column:end_column]
    else:
        source = chunk[0][column:] + b"".join(chunk[1:-1]) + chunk[-1][:end_column]
    call = ast.parse(b"(" + source + b")", mode="eval").body
    if not isinstance(call, ast.Call):
        return None
    if any(isinstance(a, ast.Starred) for a in call.args) or any(k.arg is None for k in call.keywords):
        return None
    method = False
    if isinstance(call.func, ast.Attribute):
        receiver = _resolve(call.func.value, frame)
        method = not isinstance(receiver, (types.ModuleType, type))
    values = [_literal(node, frame) for node in call.args + [k.value for k in call.keywords]]
    return method, len(call.args), [k.arg for k in call.keywords], values


def _literal(node, frame):
    """An argument's value where the source shows it without running anything (a constant, a
    name, a module attribute such as ``torch.float32``), else _UNKNOWN."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, (ast.Name, ast.Attribute)):
        found = _resolve(node, frame)
        return _UNKNOWN if found is None else found
    return _UNKNOWN


def _resolve(node, frame):
    """The object a dotted name (``torch``, ``torch.nn.functional``) stands for, else None."""
    if isinstance(node, ast.Name):
        for scope in (frame.f_locals, frame.f_globals, frame.f_builtins):
            if node.id in scope:
                return scope[node.id]
        return None
    if isinstance(node, ast.Attribute):
        owner = _resolve(node.value, frame)
        if isinstance(owner, types.ModuleType):
            return getattr(owner, node.attr, None)
    return None


def _type_name(value) -> str:
    from ._dtypes import dtype
    from ._tensor import Tensor

    if isinstance(value, Tensor):
        return "Tensor"
    if isinstance(value, dtype):
        return "torch.dtype"
    return type(value).__name__
