"""Reading a JSON request body within limits: size, nesting depth, prefetch entries.

    >>> parse_json(b'{"a": [1, 2]}', max_depth=4)
    {'a': [1, 2]}

Anything a client sends that is not a JSON object within the limits raises
`BadRequest` or `PayloadTooLarge`, never an unhandled exception.
"""

from __future__ import annotations

from typing import Any

import orjson
from starlette.requests import Request

from cds_service.errors import BadRequest, PayloadTooLarge


async def read_body(request: Request, *, max_bytes: int) -> bytes:
    """The raw body, refused with 413 as soon as it passes `max_bytes`."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > max_bytes:
        raise PayloadTooLarge(f"Request body exceeds the limit of {max_bytes} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise PayloadTooLarge(f"Request body exceeds the limit of {max_bytes} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def parse_json(body: bytes, *, max_depth: int) -> Any:
    """Decode JSON and refuse documents nested deeper than `max_depth`."""
    if not body.strip():
        raise BadRequest("Request body is empty; a JSON object is required")
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"Request body is not valid JSON: {exc}") from exc
    _check_depth(data, max_depth)
    return data


def _check_depth(data: Any, max_depth: int) -> None:
    # Level by level: one list comprehension per container, no tuple per child. Only
    # dict and list nest (orjson yields nothing else that holds values).
    level: list[Any] = [data] if isinstance(data, dict | list) else []
    depth = 0
    while level:
        depth += 1
        if depth > max_depth:
            raise BadRequest(f"JSON nesting deeper than the limit of {max_depth} levels")
        below: list[Any] = []
        for node in level:
            children = node.values() if type(node) is dict else node
            below += [child for child in children if type(child) is dict or type(child) is list]
        level = below
