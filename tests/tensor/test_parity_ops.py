"""Every op of the table in parity.py against torch: forward (values, dtype, shape,
grad_fn) and backward, over drawn shapes, layouts, dims and keepdim, in float64
and float32."""

import pytest
from hypothesis import given
from hypothesis import strategies as st
from parity import LAYOUTS, OPS, SETTINGS, check_parity, draw_inputs


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("case", OPS, ids=str)
@SETTINGS
@given(data=st.data())
def test_op_matches_torch(case, dtype, data):
    arrays, extra, seed = data.draw(draw_inputs(case, dtype))
    layout = data.draw(st.sampled_from(LAYOUTS))
    check_parity(lambda m, *xs: case.fn(m, *xs, *extra), arrays, layout, seed)
