"""`POST /cds-services/{service_id}`: call a CDS Service.

The body is read and checked by hand (size, depth, JSON, CDS Hooks fields) so every
problem becomes a 4xx OperationOutcome that names it; then prefetch is resolved,
the service evaluates, and the cards go back as `{"cards": [...]}`.
"""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from starlette.responses import Response

from cds_service.api.deps import ClockDep, FhirClientDep, RegistryDep, SettingsDep, StoreDep
from cds_service.api.openapi import inline_schema, operation_doc
from cds_service.cards.schema import CdsResponse
from cds_service.observability.logging import bind_request
from cds_service.protocol.body import parse_json, read_body
from cds_service.protocol.models import HookRequest, parse_hook_request
from cds_service.services.dispatch import answer_hook

logger = logging.getLogger(__name__)

router = APIRouter(tags=["hooks"])


_OPENAPI_BODY = operation_doc(
    HookRequest,
    ok={"content": {"application/json": {"schema": inline_schema(CdsResponse)}}},
    problems={
        "400": "The body breaks the CDS Hooks contract (JSON, fields, nesting, prefetch)",
        "401": "No valid JWT from the EHR",
        "404": "No CDS Service with that id",
        "412": "Data the service needs could be neither prefetched nor fetched",
        "413": "The body is over the size limit",
    },
)


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
