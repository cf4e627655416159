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
    _check_depth(body, max_depth)
    return data


# Depth is read from the raw bytes, at C speed: only brackets outside strings count.
# In valid JSON (orjson has accepted the body) a backslash occurs only in a string and
# always starts a two-byte escape, read left to right as `bytes.replace` reads, so
# removing each `\\` and then each `\"` leaves `"` only as string delimiters. Of `"`
# and the brackets, any adjacent `""` can go: the number of quotes before every
# bracket keeps its parity. Quotes left enclose brackets inside strings: dropped.
_OPEN_CLOSE = bytes.maketrans(b"{}", b"[]")
_NOT_STRUCTURE = bytes(range(256)).translate(None, b'"[]{}')


def _brackets(body: bytes) -> bytes:
    """The body's `[` and `]` (for `{`, `}` too) outside strings, in order."""
    if b"\\" in body:
        body = body.replace(b"\\\\", b"").replace(b'\\"', b"")
    kept = body.translate(_OPEN_CLOSE, _NOT_STRUCTURE).replace(b'""', b"")
    if b'"' in kept:
        kept = b"".join(kept.split(b'"')[::2])
    return kept


def json_depth(body: bytes, *, limit: int) -> int:
    """Nesting depth of a valid JSON document (`{}` and `[1]` are 1, a scalar 0), or
    `limit + 1` if it is deeper than `limit`.

    >>> json_depth(b'{"a": [1, {"b": "]]]"}]}', limit=64)
    3

    Each pass removes the innermost pairs (`[]`, at C speed), so a document of depth d
    is empty after d passes; at most `limit + 1` passes are made.
    """
    brackets = _brackets(body)
    depth = 0
    while brackets and depth <= limit:
        brackets = brackets.replace(b"[]", b"")
        depth += 1
    return depth


def _check_depth(body: bytes, max_depth: int) -> None:
    if json_depth(body, limit=max_depth) > max_depth:
        raise BadRequest(f"JSON nesting deeper than the limit of {max_depth} levels")
