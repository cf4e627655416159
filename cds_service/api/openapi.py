"""OpenAPI entries for routes that read their JSON body by hand (to enforce limits).

`openapi_extra` is copied into the document verbatim, so schemas go in with their
`$defs` inlined (a `#/$defs/...` reference there would point nowhere), and every
answer the route gives is documented, OperationOutcomes included.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


def inline_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema with every `$defs` reference resolved in place."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                return resolve(defs[ref.removeprefix("#/$defs/")])
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(item) for item in node]
        return node

    resolved: dict[str, Any] = resolve(schema)
    return resolved


OPERATION_OUTCOME_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["resourceType", "issue"],
    "properties": {
        "resourceType": {"const": "OperationOutcome"},
        "issue": {
            "type": "array",
            "minItems": 1,
            "items": {
                "type": "object",
                "required": ["severity", "code"],
                "properties": {
                    "severity": {"type": "string"},
                    "code": {"type": "string"},
                    "diagnostics": {"type": "string"},
                    "expression": {"type": "array", "items": {"type": "string"}},
                },
            },
        },
    },
}


def operation_doc(
    body: type[BaseModel], *, ok: dict[str, Any], problems: dict[str, str]
) -> dict[str, Any]:
    """`openapi_extra` for a POST route: its body, its 200, and each problem status."""
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": inline_schema(body)}},
        },
        "responses": {
            "200": ok,
            **{
                status: {
                    "description": description,
                    "content": {"application/json": {"schema": OPERATION_OUTCOME_SCHEMA}},
                }
                for status, description in problems.items()
            },
        },
    }
