"""Value itself: construction, repr, identity hashing and every bad-input error."""

import pytest

from micro import Value


def test_data_is_float_and_grad_starts_at_zero():
    v = Value(3)
    assert type(v.data) is float and v.data == 3.0
    assert type(v.grad) is float and v.grad == 0.0


def test_repr_shows_data_and_grad():
    v = Value(1.5)
    v.grad = -2.0
    assert repr(v) == "Value(data=1.5, grad=-2.0)"


def test_slots_keep_nodes_small():
    assert not hasattr(Value(1.0), "__dict__")


def test_hash_and_equality_are_identity():
    a, b = Value(1.0), Value(1.0)
    assert a == a and a != b
    assert len({a, b, a}) == 2
    grads = {a: "first", b: "second"}
    assert grads[a] == "first" and grads[b] == "second"
    assert "__eq__" not in vars(Value)


@pytest.mark.parametrize(
    "data, type_name", [("a", "str"), (None, "NoneType"), ([1.0], "list"), (1j, "complex")]
)
def test_non_number_raises_type_error_naming_the_type(data, type_name):
    with pytest.raises(TypeError, match=f"got {type_name}"):
        Value(data)


def test_bool_is_rejected():
    # A bool is almost always a comparison result passed by mistake.
    with pytest.raises(TypeError, match="got bool"):
        Value(True)
    with pytest.raises(TypeError, match="got bool"):
        Value(1.0) * True


def test_value_of_a_value_is_rejected():
    with pytest.raises(TypeError, match="got Value"):
        Value(Value(1.0))


@pytest.mark.parametrize(
    "f, message",
    [
        (lambda v: v + "a", "add with a Value takes a real number.*got str"),
        (lambda v: "a" - v, "sub with a Value takes a real number.*got str"),
        (lambda v: v * None, "mul with a Value takes a real number.*got NoneType"),
        (lambda v: v / [1], "div with a Value takes a real number.*got list"),
        (lambda v: v ** "2", "pow with a Value takes a real number.*got str"),
    ],
)
def test_bad_operand_raises_type_error_naming_op_and_type(f, message):
    with pytest.raises(TypeError, match=message):
        f(Value(2.0))


@pytest.mark.parametrize(
    "data, f, message",
    [
        (0.0, lambda v: v.log(), r"log: input must be positive, got 0\.0"),
        (-2.0, lambda v: v.log(), r"log: input must be positive, got -2\.0"),
        (-2.0, lambda v: v.sqrt(), r"sqrt: input must be non-negative, got -2\.0"),
        (-8.0, lambda v: v ** (1 / 3), r"pow: negative base to the fractional power .*got -8\.0"),
        (-8.0, lambda v: v ** Value(0.5), r"pow: negative base .* 0\.5 .*got -8\.0"),
        (0.0, lambda v: v**-1, r"pow: zero to the negative power -1\.0 .*got 0\.0"),
        (0.0, lambda v: v ** Value(-2.0), r"pow: zero to the negative power -2\.0"),
        (0.0, lambda v: 1 / v, r"div: division of 1\.0 by zero, got 0\.0"),
        (0.0, lambda v: Value(3.0) / v, r"div: division of 3\.0 by zero"),
    ],
)
def test_domain_error_names_op_and_value_and_changes_nothing(data, f, message):
    v = Value(data)
    w = v * 2.0
    w.backward()
    before = [(x.data, x.grad, x._prev, x._local) for x in (v, w)]
    with pytest.raises(ValueError, match=message):
        f(v)
    assert [(x.data, x.grad, x._prev, x._local) for x in (v, w)] == before


def test_negative_base_to_an_integer_power_is_fine():
    v = Value(-2.0)
    out = v**3
    out.backward()
    assert (out.data, v.grad) == (-8.0, 12.0)
