"""What a CDS Service is to the protocol layer: a descriptor and an evaluation.

    class MyService:
        descriptor = ServiceDescriptor(hook="patient-view", id="x", title="…", description="…")
        def evaluate(self, call: HookCall) -> list[Card]: ...

`evaluate` is synchronous and pure apart from its input: the clock, the network and
the database stay outside (the HTTP layer resolves prefetch and reads the clock).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from cds_service.cards.schema import Card
from cds_service.errors import PrefetchUnavailable
from cds_service.protocol.models import HookRequest, ServiceDescriptor
from cds_service.protocol.prefetch import PrefetchResult


@dataclass(frozen=True)
class HookCall:
    request: HookRequest
    prefetch: PrefetchResult
    now: datetime


class CdsService(Protocol):
    @property
    def descriptor(self) -> ServiceDescriptor: ...

    def evaluate(self, call: HookCall) -> list[Card]: ...


def require_prefetch(call: HookCall, keys: frozenset[str] | None = None) -> None:
    """Answer 412 when data the service needs (`keys`, or every key) could not be had."""
    failed = {
        key: reason
        for key, reason in sorted(call.prefetch.failures.items())
        if keys is None or key in keys
    }
    if failed:
        listed = "; ".join(f"{key}: {reason}" for key, reason in failed.items())
        raise PrefetchUnavailable(f"Required FHIR data could not be obtained ({listed})")
