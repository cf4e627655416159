"""`POST /cds-services/{service_id}/feedback`: what the clinician did with a card.

The body is read within the request limits and checked against the CDS Hooks 2.0
Feedback section (400 naming the problem otherwise); an unknown service is 404. The
items are committed to the store before the answer: 200 means stored (including
duplicate deliveries, stored once, and items about cards this service has no record
of, stored and flagged); 503 means nothing was kept and the client should retry.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from cds_service.api.deps import ClockDep, RegistryDep, SettingsDep, StoreDep
from cds_service.api.openapi import operation_doc
from cds_service.observability.logging import bind_request
from cds_service.protocol.body import parse_json, read_body
from cds_service.protocol.feedback import FeedbackRequest, parse_feedback_request

router = APIRouter(tags=["feedback"])

_OPENAPI_BODY = operation_doc(
    FeedbackRequest,
    ok={"description": "Feedback stored (duplicates once; unknown cards stored and flagged)"},
    problems={
        "400": "The body does not follow the CDS Hooks Feedback section",
        "401": "No valid JWT from the EHR",
        "404": "No CDS Service with that id",
        "413": "The body is over the size limit",
        "503": "The feedback could not be stored; nothing was kept, retry later",
    },
)


@router.post(
    "/cds-services/{service_id}/feedback",
    openapi_extra=_OPENAPI_BODY,
    summary="Report what happened to cards",
)
async def post_feedback(
    service_id: str,
    request: Request,
    registry: RegistryDep,
    settings: SettingsDep,
    clock: ClockDep,
    store: StoreDep,
) -> Response:
    registry.get(service_id)
    bind_request(service=service_id)
    body = await read_body(request, max_bytes=settings.max_body_bytes)
    feedback = parse_feedback_request(parse_json(body, max_depth=settings.max_json_depth))
    await store.record_feedback(service_id, feedback.feedback, received_at=clock.now())
    return Response(status_code=200)
