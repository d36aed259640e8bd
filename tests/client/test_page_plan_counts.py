"""A plan of pages refuses a count below zero by name, whoever builds it."""

from __future__ import annotations

import pytest

from connector.errors import ConfigurationError
from connector.pagination import PagePlan


@pytest.mark.parametrize("count", [-1, -30])
def test_a_page_plan_refuses_a_negative_count_by_name(count: int) -> None:
    with pytest.raises(ConfigurationError) as info:
        PagePlan(10, 2, expected_items=count)
    assert str(info.value) == f"expected_items must be 0 or more, got {count}"
