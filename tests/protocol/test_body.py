"""The depth limit read from raw bytes agrees with the nesting of the parsed document."""

from __future__ import annotations

from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cds_service.errors import BadRequest
from cds_service.protocol.body import json_depth, parse_json


def nesting(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max(map(nesting, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(nesting, value), default=0)
    return 0


# Strings made of what could fool a byte scan: quotes, backslashes, brackets.
tricky_text = st.text(alphabet='"\\[]{}\\"a\u00e9\u0000\n', max_size=8)
documents = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**63), 2**63 - 1) | tricky_text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(tricky_text, inner, max_size=4),
    max_leaves=40,
)


@settings(max_examples=400, deadline=None)
@given(documents, st.booleans())
def test_byte_depth_is_the_nesting_of_the_document(document: Any, indented: bool) -> None:
    option = orjson.OPT_INDENT_2 if indented else 0
    assert json_depth(orjson.dumps(document, option=option), limit=64) == nesting(document)


@pytest.mark.parametrize(
    ("body", "depth"),
    [
        (b'"]]]"', 0),
        (b"[]", 1),
        (b'{"a": "\\\\"}', 1),  # an escaped backslash ends just before the closing quote
        (b'["\\"[", ["\\\\", "]"]]', 2),
        (b'{"\\"": {"\\\\\\"{": [[]]}}', 4),
        (b' [ [ ] , { "k" : [ ] } ] ', 3),
    ],
)
def test_byte_depth_of_tricky_strings(body: bytes, depth: int) -> None:
    assert nesting(orjson.loads(body)) == depth
    assert json_depth(body, limit=64) == depth
    assert json_depth(body, limit=depth) == depth
    if depth > 1:  # one level short: reported as limit + 1, whatever the true depth
        assert json_depth(body, limit=depth - 2) == depth - 1


def test_a_document_at_the_limit_passes_and_one_deeper_is_refused() -> None:
    assert parse_json(b"[[[1]]]", max_depth=3) == [[[1]]]
    with pytest.raises(BadRequest, match="nesting deeper than the limit of 2"):
        parse_json(b'[[["]"]]]', max_depth=2)
