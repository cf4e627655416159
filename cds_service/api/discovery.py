"""`GET /cds-services`: the services this deployment offers."""

from __future__ import annotations

from fastapi import APIRouter

from cds_service.api.deps import RegistryDep
from cds_service.protocol.models import DiscoveryResponse

router = APIRouter(tags=["discovery"])


@router.get(
    "/cds-services",
    response_model=DiscoveryResponse,
    response_model_exclude_none=True,
    summary="CDS Hooks discovery",
)
async def discovery(registry: RegistryDep) -> DiscoveryResponse:
    return DiscoveryResponse(services=[service.descriptor for service in registry])
