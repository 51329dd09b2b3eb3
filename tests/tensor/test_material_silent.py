"""Results that used to be silently wrong (found by differential fuzzing), each against torch.

Every scenario is written once as ``scenario(torch)``; torch's outcome (values,
gradients, dtypes, or the error type and message) is the expected one.
"""

import pytest
from parity import error_of, same_in_both

NAN, INF = float("nan"), float("inf")


def grads_of(fn, *values):
    """A scenario: leaves from ``values`` (float32, requiring grad), ``fn(m, *leaves).sum()``
    backward; returns the output and every leaf's gradient."""
    def scenario(torch):
        leaves = [torch.tensor(v, requires_grad=True) for v in values]
        out = fn(torch, *leaves)
        out.sum().backward()
        return out.detach(), [leaf.grad for leaf in leaves]
    return scenario


# ------------------------------------------------- index tensors are version-checked

def _index(torch, x, i):
    return x[i]


def _gather(torch, x, i):
    return torch.gather(x, 0, i)


def _index_put(torch, x, i):
    y = x * 1
    y[i] = x[:2] * 2
    return y


@pytest.mark.parametrize("op", [_index, _gather, _index_put], ids=lambda f: f.__name__[1:])
def test_changed_index_tensor_refuses_backward(op):
    def scenario(torch):
        x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
        i = torch.tensor([0, 2])
        y = op(torch, x, i)
        i[0] = 1
        return error_of(lambda: y.sum().backward()), x.grad
    same_in_both(scenario)


@pytest.mark.parametrize("reduction", ["max", "min", "sort"])
def test_changed_returned_indices_refuse_backward(reduction):
    def scenario(torch):
        x = torch.tensor([[1.0, 2.0, 0.5], [3.0, 0.0, 4.0]], requires_grad=True)
        values, indices = getattr(x, reduction)(1)
        indices.add_(0)  # any in-place change, even one that keeps the values
        return error_of(lambda: values.sum().backward()), x.grad
    same_in_both(scenario)


def test_changed_mask_refuses_backward():
    def scenario(torch):
        x = torch.ones(3, requires_grad=True)
        mask = torch.tensor([True, False, True])
        y = x[mask]
        mask[0] = False
        return error_of(lambda: y.sum().backward())
    same_in_both(scenario)


def test_unchanged_index_tensor_still_works_twice():
    same_in_both(grads_of(lambda m, x: x[m.tensor([0, 2, 2])] * x[m.tensor([1])], [1.0, 2.0, 3.0]))


# ------------------------------------------------------------------------ clamp

def test_clamp_tensor_bounds_gradients_at_and_across_bounds():
    def scenario(torch):
        x = torch.tensor([-1.0, 0.0, 1.0, 2.0, 3.0, NAN], requires_grad=True)
        low = torch.zeros(6, requires_grad=True)
        high = torch.tensor([2.0, 2.0, 2.0, 2.0, -1.0, 2.0], requires_grad=True)
        y = torch.clamp(x, low, high)
        y.backward(torch.arange(1.0, 7.0))
        results = [y, y.grad_fn.name(), x.grad, low.grad, high.grad]
        for bounds in ({"min": low}, {"max": high}):
            x.grad = None
            y = x.clamp(**bounds)
            y.backward(torch.arange(1.0, 7.0))
            results += [y, x.grad]
        return results
    same_in_both(scenario)


@pytest.mark.parametrize("case", ["int_float_bounds", "int_tensor_bound", "int_", "mixed", "broadcast_",
                                  "float64_bound"])
def test_clamp_dtypes_and_errors(case):
    def scenario(torch):
        ints = torch.tensor([1, 2, 3])
        run = {
            "int_float_bounds": lambda: ints.clamp(0.5, 2.5),
            "int_tensor_bound": lambda: torch.clamp(ints, torch.tensor(0.5)),
            "int_": lambda: ints.clamp_(torch.tensor([0.5])),
            "mixed": lambda: torch.clamp(torch.ones(2), 0.5, torch.ones(2)),
            "broadcast_": lambda: torch.ones(2).clamp_(torch.ones(3, 2)),
            "float64_bound": lambda: torch.ones(2).clamp(torch.zeros(2, dtype=torch.float64)),
        }[case]
        error = error_of(run)
        return error if error else run()
    same_in_both(scenario)


# ------------------------------------------------------------------ add / sub alpha

@pytest.mark.parametrize("case", ["scalar_first", "scalar_other", "int_scalar_other", "int_float_alpha",
                                  "sub_int_float_alpha", "float_tensor_int_alpha"])
def test_add_alpha(case):
    def scenario(torch):
        floats, ints = torch.tensor([1.0, 2.0]), torch.tensor([1, 2])
        run = {
            "scalar_first": lambda: torch.add(1.0, floats, alpha=2),
            "scalar_other": lambda: torch.add(floats, 3, alpha=2),
            "int_scalar_other": lambda: torch.add(ints, 3, alpha=2),
            "int_float_alpha": lambda: torch.add(ints, ints, alpha=0.5),
            "sub_int_float_alpha": lambda: torch.sub(ints, 1, alpha=2.0),
            "float_tensor_int_alpha": lambda: floats.sub(ints, alpha=3),
        }[case]
        error = error_of(run)
        return error if error else run()
    same_in_both(scenario)


# ------------------------------------------------------- unrepresentable values refused

@pytest.mark.parametrize("case", ["setitem_nan", "index_put_nan", "fill_inf", "masked_fill_nan",
                                  "masked_fill_tensor_nan", "full_int32_big", "full_float32_big",
                                  "int8_range", "uint8_wraps", "int_float_truncates", "setitem_none",
                                  "setitem_list", "setitem_str"])
def test_unrepresentable_values_refused(case):
    def scenario(torch):
        ints = torch.tensor([1, 2, 3])
        floats = torch.tensor([1.0, 2.0, 3.0])

        def assign(target, key, value):
            target[key] = value
            return target

        run = {
            "setitem_nan": lambda: assign(ints, 0, NAN),
            "index_put_nan": lambda: assign(ints, torch.tensor([0]), NAN),
            "fill_inf": lambda: ints.fill_(INF),
            "masked_fill_nan": lambda: ints.masked_fill_(ints > 1, NAN),
            "masked_fill_tensor_nan": lambda: ints.masked_fill(ints > 1, torch.tensor(NAN)),
            "full_int32_big": lambda: torch.full((2,), 2**40, dtype=torch.int32),
            "full_float32_big": lambda: torch.full((2,), 1e300),
            "int8_range": lambda: torch.full((1,), -129, dtype=torch.int8),
            "uint8_wraps": lambda: torch.full((1,), -129, dtype=torch.uint8),
            "int_float_truncates": lambda: assign(ints, 1, 2.7),
            "setitem_none": lambda: assign(floats, 0, None),
            "setitem_list": lambda: assign(floats, 0, [1.0]),
            "setitem_str": lambda: assign(floats, 0, "a"),
        }[case]
        error = error_of(run)
        return (error, ints, floats) if error else run()
    same_in_both(scenario)


# ------------------------------------------------- backward formulas at singular points

SINGULAR = {
    "pow_0_0": (lambda m, a, b: a ** b, [0.0, 0.0, 2.0], [0.0, 2.0, 0.0]),
    "pow_scalar_0": (lambda m, a: a ** 0, [0.0, 1.0]),
    "zero_rpow": (lambda m, a: 0 ** a, [0.0, 1.0, -1.0, NAN]),
    "negative_rpow": (lambda m, a: (-2.0) ** a, [1.0, 2.0]),
    "tiny_div": (lambda m, a, b: a / b, [1e-30, 1.0], [1e-30, 3.0]),
    "sign_nan": (lambda m, a: a.sign() + a.abs(), [NAN, -0.0, 2.0]),
    "abs_nan": (lambda m, a: a.abs(), [NAN, 1.0]),
    "norm_1_nan": (lambda m, a: a.norm(p=1), [NAN, 1.0]),
    "relu_nan": (lambda m, a: a.relu(), [NAN, 0.0, 1.0]),
    "max_nan": (lambda m, a: a.max() + a.min(), [NAN, 1.0, NAN]),
    "amax_nan": (lambda m, a: a.amax(0), [NAN, 1.0]),
    "maximum_nan": (lambda m, a, b: m.maximum(a, b), [NAN, 1.0, 1.0], [0.0, NAN, 1.0]),
    "minimum_nan": (lambda m, a, b: m.minimum(a, b), [NAN, 1.0, 1.0], [0.0, NAN, 1.0]),
    "prod_zeros": (lambda m, a: a.prod() + a.prod(0), [0.0, 2.0, 3.0]),
}


@pytest.mark.parametrize("case", SINGULAR)
def test_gradients_at_singular_points(case):
    fn, *values = SINGULAR[case]
    same_in_both(grads_of(fn, *values))


# ------------------------------------------------- integer results never require grad

@pytest.mark.parametrize("case", ["copy_into_int", "sum_int_dtype", "prod_int_dtype", "sum_int_no_grad",
                                  "to_long", "comparison"])
def test_integer_tensors_never_require_grad(case):
    def scenario(torch):
        x = torch.tensor([1.5, 2.5], requires_grad=True)

        def no_grad_sum():
            with torch.no_grad():
                return x.sum(dtype=torch.int64)

        def copy_into_int():
            ints = torch.tensor([1, 2])
            ints.copy_(x)
            return ints

        run = {
            "copy_into_int": copy_into_int,
            "sum_int_dtype": lambda: x.sum(dtype=torch.int64),
            "prod_int_dtype": lambda: x.prod(dtype=torch.int32),
            "sum_int_no_grad": no_grad_sum,
            "to_long": lambda: (x * 2).long(),
            "comparison": lambda: x * 2 > 3,
        }[case]
        error = error_of(run)
        if error:
            return error
        out = run()
        return out, out.requires_grad, out.grad_fn
    same_in_both(scenario)


# ------------------------------------------- ops save only what their backward needs

@pytest.mark.parametrize("expression", ["x * 3", "3 * x", "x / 4", "x * c", "c / x"])
def test_changing_an_unsaved_operand_is_no_version_error(expression):
    def scenario(torch):
        w = torch.tensor([1.0, 2.0], requires_grad=True)
        x = torch.tensor([3.0, 4.0])  # needs no grad: its value is needed only for c's gradient
        c = w * 1
        y = eval(expression, {"x": x, "c": c})
        x.add_(1)
        return error_of(lambda: y.sum().backward()), w.grad
    same_in_both(scenario)


# ------------------------------------------- spurious errors and leaked numpy errors

SPURIOUS = {
    "eq_none": lambda m: (m.ones(2) == None, m.ones(2) != None),  # noqa: E711
    "matmul_list": lambda m: m.matmul(m.ones(2), [1.0, 2.0]),
    "gather_list": lambda m: m.gather(m.ones(2), 0, [0]),
    "equal_list": lambda m: m.equal(m.ones(2), [1.0, 1.0]),
    "maximum_number": lambda m: m.maximum(m.ones(2), 0),
    "expanded_add_": lambda m: m.ones(1).expand(3).add_(1),
    "expanded_mul_": lambda m: m.ones(1, 2).expand(2, 2).mul_(2),
    "softmax_empty_dim": lambda m: m.ones(2, 0).softmax(1),
    "log_softmax_empty": lambda m: m.ones(0).log_softmax(0),
    "logsumexp_empty_dim": lambda m: m.ones(2, 0).logsumexp(1),
    "amax_empty_dim": lambda m: m.ones(0, 2).amax(0),
    "amin_empty": lambda m: m.ones(0, 2).amin(),
    "max_of_0d_along_dim": lambda m: tuple(m.tensor(2.0).max(0)),
    "min_of_0d_along_dim": lambda m: tuple(m.tensor(2.0).min(-1)),
    "int_pow_negative": lambda m: m.tensor([2, 3]) ** -1,
    "sign_bool": lambda m: m.tensor([True, False]).sign(),
    "round_int": lambda m: (m.tensor([1, 2]).round(), m.tensor([1, 2]).floor()),
    "floor_bool": lambda m: m.tensor([True]).floor(),
    "relu_bool": lambda m: m.tensor([True]).relu(),
    "abs_bool": lambda m: m.tensor([True]).abs(),
    "softmax_int": lambda m: m.tensor([1, 2]).softmax(0),
    "log_softmax_int_dim0": lambda m: m.tensor([[1, 2]]).log_softmax(0),
    "mm_bool": lambda m: m.mm(m.ones(2, 2, dtype=m.bool), m.ones(2, 2, dtype=m.bool)),
    "argmax_bool": lambda m: m.tensor([True, False]).argmax(),
    "allclose_dtypes": lambda m: m.allclose(m.ones(2), m.ones(2, dtype=m.float64)),
    "requires_grad_not_bool": lambda m: m.ones(2, requires_grad="yes"),
    "setitem_leading_one": lambda m: (lambda x: (x.__setitem__(0, m.ones(1)), x)[1])(m.zeros(3)),
    "mask_setitem_0d_other_dtype": lambda m: (lambda x: (x.__setitem__(x > 0, m.tensor(2)), x)[1])(
        m.ones(3)),
    "cat_only_empty": lambda m: m.cat([m.ones(0), m.ones(0)]),
}


@pytest.mark.parametrize("case", SPURIOUS)
def test_spurious_errors_gone(case):
    def scenario(torch):
        error = error_of(lambda: SPURIOUS[case](torch))
        return error[0] if error else SPURIOUS[case](torch)  # the error type must be torch's
    same_in_both(scenario)


@pytest.mark.parametrize("content", ["bad_json", "no_root", "missing_tensor", "not_a_dict", "deep",
                                     "object_array", "garbage"])
def test_malformed_archives_raise_one_clear_error(tmp_path, content):
    import json

    import numpy as np

    import tensor
    from tensor import serialization

    path = tmp_path / "bad.npz"
    header = {"format": serialization._FORMAT}
    deep = '{"type": "list", "items": [' * 50_000 + "]}" * 50_000
    structures = {
        "bad_json": "{not json", "no_root": json.dumps(header),
        "missing_tensor": json.dumps({**header, "root": {"type": "tensor", "key": "t9"}}),
        "not_a_dict": json.dumps([1]),
        "deep": json.dumps(header)[:-1] + ', "root": ' + deep + "}",
        "object_array": json.dumps({**header, "root": {"type": "tensor", "key": "x", "requires_grad": False,
                                                       "parameter": False}}),
    }
    if content == "garbage":
        path.write_bytes(b"PK\x03\x04 this is not a zip archive")
    else:
        arrays = {serialization._STRUCTURE: np.array(structures[content])}
        if content == "object_array":
            arrays["x"] = np.array([{"a": 1}], dtype=object)  # a pickle inside: must be refused
        np.savez(path, **arrays)
    with pytest.raises(RuntimeError, match="bad.npz"):
        tensor.load(path)
