"""A list's ``x-gatewright-expand``: which item fields a request leaves out, and lists built without them."""

from __future__ import annotations

from typing import Any

import pytest
from multidict import MultiDict

from gatewright.mock.paging import Expand, ListPage
from gatewright.mock.resource_bodies import listed

EXPAND = Expand("expand", frozenset({"output", "usage", "input"}), "all")


@pytest.mark.parametrize(
    ("query", "left_out"),
    [
        ({}, {"output", "usage", "input"}),
        ({"expand": ""}, {"output", "usage", "input"}),
        ({"expand": "output"}, {"usage", "input"}),
        ({"expand": "output, usage"}, {"input"}),
        ({"expand": "all"}, set()),
        ({"expand": "usage,all"}, set()),
        ({"expand": "Output"}, {"output", "usage", "input"}),  # the words as the spec spells them
        ({"expand": "nothing"}, {"output", "usage", "input"}),
        (MultiDict([("expand", "output"), ("expand", "input")]), {"usage"}),  # the parameter twice
    ],
)
def test_the_fields_a_request_leaves_out(query: Any, left_out: set[str]) -> None:
    assert EXPAND.left_out(query) == left_out


def test_the_extension_is_read_or_ignored() -> None:
    assert Expand.of({"parameter": "expand", "fields": ["output"]}) == Expand("expand", frozenset({"output"}))
    assert Expand.of({"fields": ["output"]}) is None
    assert Expand.of(None) is None
    assert Expand("expand", frozenset({"output"})).left_out({"expand": "all"}) == {
        "output"
    }  # no word for all


def test_the_expand_parameter_filters_nothing() -> None:
    page = ListPage.of({"expand": "output", "purpose": "x"}, ["expand", "purpose"], expand=EXPAND)
    assert page.filters == (("purpose", ("x",)),) and page.omit == {"usage", "input"}
    assert ListPage.of({"expand": "output"}, ["expand"]).filters == (("expand", ("output",)),)  # undeclared


def test_a_list_leaves_the_fields_out_where_its_schema_lets_it() -> None:
    items = [{"id": "a", "output": 1, "usage": 2}, {"id": "b", "output": 3}]
    template = {"object": "list", "data": [{"id": "x", "output": 0, "usage": 0}]}
    body = listed(template, items, lambda value: True, omit=frozenset({"output", "usage"}))
    assert body["data"] == [{"id": "a"}, {"id": "b"}]  # the template's fields do not come back

    def requires_output(value: Any) -> bool:
        return all("output" in item for item in value["data"])

    kept = listed(template, items, requires_output, omit=frozenset({"output", "usage"}))
    assert [sorted(item) for item in kept["data"]] == [["id", "output", "usage"], ["id", "output", "usage"]]
