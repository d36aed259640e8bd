"""The words of the argument checks' messages: the article before what a value should
be, and a client without a configuration refused as not a client."""

from __future__ import annotations

from typing import Any

import pytest

from connector.errors import ValidationError
from connector.operations.checks import check_client, check_ids


@pytest.mark.parametrize(
    ("what", "article"),
    [
        ("annotation id", "an"),
        ("embedding id", "an"),
        ("input id", "an"),
        ("operation id", "an"),
        ("user id", "an"),
        ("concept id", "a"),
    ],
)
def test_the_article_follows_the_first_letter_of_what_is_asked_for(what: str, article: str) -> None:
    with pytest.raises(ValidationError) as info:
        check_ids("ids", 42, what)
    assert str(info.value).startswith(f"ids must be {article} {what} or a list of {what}s, got ")


def test_an_object_with_the_endpoints_but_no_configuration_is_not_a_client() -> None:
    class Lookalike:
        def get_dataset(self, dataset_id: str) -> dict[str, Any]:
            return {"id": dataset_id}

    with pytest.raises(ValidationError) as info:
        check_client(Lookalike())
    assert info.value.argument == "client"
    assert "must be a ClarifaiClient" in str(info.value)
