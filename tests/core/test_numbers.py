"""One rule for what a metric number is (fast tier)."""

import math

import numpy as np
import pandas as pd
import pytest

from kraken_core.numbers import finite_number


@pytest.mark.parametrize("value, expected", [
    (3, 3), (2.5, 2.5), ("12.5", 12.5), (np.int64(7), 7), (np.float32(0.5), 0.5), (pd.Series([1.5]).mean(), 1.5),
])
def test_numbers_are_plain_python_numbers(value, expected):
    result = finite_number(value)
    assert result == expected and type(result) in (int, float)


@pytest.mark.parametrize("value", [None, math.nan, math.inf, -math.inf, np.nan, pd.NA, True, "n/a", "", [1], {}])
def test_anything_else_is_none(value):
    assert finite_number(value) is None
