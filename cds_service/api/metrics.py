"""`GET /metrics`: every metric in the default registry, in Prometheus text format.

The metric objects live in `cds_service.observability.metrics` (and the store's in
`cds_service.store.metrics`); this route only exposes them. It asks for no JWT, like
the health routes: protect it at the network (scrape from inside the cluster).

With `PROMETHEUS_MULTIPROC_DIR` set, the samples every uvicorn worker wrote there are
summed, so any worker answers for all of them.
"""

from __future__ import annotations

import importlib
import importlib.util
import os

from fastapi import APIRouter
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from starlette.responses import Response

import cds_service.observability.metrics  # noqa: F401 - registers the service's metrics

__all__ = ["router"]

# Modules that define metrics of their own, imported here so their metrics appear on
# /metrics (value 0) from the first scrape, before their code has first run.
_METRIC_MODULES = ("cds_service.store.metrics",)

for _module in _METRIC_MODULES:
    if importlib.util.find_spec(_module) is not None:
        importlib.import_module(_module)

router = APIRouter(tags=["operations"])


def _registry() -> CollectorRegistry:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return registry
    return REGISTRY


@router.get("/metrics", include_in_schema=False)
async def metrics() -> Response:
    return Response(generate_latest(_registry()), media_type=CONTENT_TYPE_LATEST)
