"""Answering one hook call, the same way for the HTTP endpoint and the CLI."""

from __future__ import annotations

from datetime import datetime

from cds_service.cards.schema import CdsResponse
from cds_service.errors import HookMismatch
from cds_service.protocol.fhir_client import FhirClient
from cds_service.protocol.models import HookRequest
from cds_service.protocol.prefetch import check_prefetch_shape, resolve_prefetch
from cds_service.services.base import CdsService, HookCall
from cds_service.settings import Settings


async def answer_hook(
    service: CdsService,
    request: HookRequest,
    *,
    fhir_client: FhirClient,
    settings: Settings,
    now: datetime,
) -> CdsResponse:
    descriptor = service.descriptor
    if request.hook != descriptor.hook:
        raise HookMismatch(
            f"Service '{descriptor.id}' answers the '{descriptor.hook}' hook, "
            f"not '{request.hook[:64]}'",
            expression="hook",
        )
    check_prefetch_shape(request.prefetch, max_entries=settings.max_prefetch_entries)
    prefetch = await resolve_prefetch(
        descriptor.prefetch or {},
        request,
        fhir_client,
        budget_seconds=settings.fhir_time_budget_seconds,
    )
    cards = service.evaluate(HookCall(request=request, prefetch=prefetch, now=now))
    return CdsResponse(cards=cards)
