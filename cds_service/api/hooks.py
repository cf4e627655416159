"""`POST /cds-services/{service_id}`: call a CDS Service.

The body is read and checked by hand (size, depth, JSON, CDS Hooks fields) so every
problem becomes a 4xx OperationOutcome that names it; then prefetch is resolved,
the service evaluates, and the cards go back as `{"cards": [...]}`.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import APIRouter, Request
from starlette.responses import Response

from cds_service.api.deps import ClockDep, FhirClientDep, RegistryDep, SettingsDep, StoreDep
from cds_service.cards.schema import CdsResponse
from cds_service.observability.logging import bind_request
from cds_service.protocol.body import parse_json, read_body
from cds_service.protocol.models import HookRequest, parse_hook_request
from cds_service.services.dispatch import answer_hook

logger = logging.getLogger(__name__)

router = APIRouter(tags=["hooks"])


def _inline(schema: dict[str, Any]) -> dict[str, Any]:
    """A pydantic JSON schema with its `$defs` inlined: `openapi_extra` is copied into the
    document verbatim, where a `#/$defs/...` reference would point nowhere."""
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


_OPERATION_OUTCOME: dict[str, Any] = {
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
_PROBLEMS = {
    "400": "The body breaks the CDS Hooks contract (JSON, fields, nesting, prefetch)",
    "401": "No valid JWT from the EHR",
    "404": "No CDS Service with that id",
    "412": "Data the service needs could be neither prefetched nor fetched",
    "413": "The body is over the size limit",
}

_OPENAPI_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {"application/json": {"schema": _inline(HookRequest.model_json_schema())}},
    },
    "responses": {
        "200": {
            "content": {"application/json": {"schema": _inline(CdsResponse.model_json_schema())}}
        },
        **{
            status: {
                "description": description,
                "content": {"application/json": {"schema": _OPERATION_OUTCOME}},
            }
            for status, description in _PROBLEMS.items()
        },
    },
}


@router.post(
    "/cds-services/{service_id}", openapi_extra=_OPENAPI_BODY, summary="Call a CDS Service"
)
async def call_service(
    service_id: str,
    request: Request,
    registry: RegistryDep,
    settings: SettingsDep,
    clock: ClockDep,
    fhir_client: FhirClientDep,
    store: StoreDep,
) -> Response:
    service = registry.get(service_id)
    body = await read_body(request, max_bytes=settings.max_body_bytes)
    hook_request = parse_hook_request(parse_json(body, max_depth=settings.max_json_depth))
    bind_request(hook_instance=hook_request.hookInstance, service=service_id)
    now = clock.now()
    response = await answer_hook(
        service, hook_request, fhir_client=fhir_client, settings=settings, now=now
    )
    # Alert-fatigue suppression and the audit trail (cds_service/store): bounded, never fails.
    response = await store.screen_cards(service_id, hook_request, response, now=now)
    return Response(response.to_json(), media_type="application/json")
