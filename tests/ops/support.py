"""A stand-in CDS Service with known cards, and helpers to read /metrics."""

from __future__ import annotations

import socket

import httpx
from prometheus_client.parser import text_string_to_metric_families

from cds_service.cards.schema import Card, Coding, Source
from cds_service.protocol.models import ServiceDescriptor
from cds_service.services.base import HookCall

SERVICE_ID = "ops-test-service"
HOOK_INSTANCE = "8c1a5a53-6a0e-4f55-9c0b-2d3f1d8f5e01"
PATIENT_ID = "patient-ops-7f3e9"


class TwoCardService:
    """Answers patient-view with a critical hypercalcemia card and an info card."""

    def __init__(self, *, prefetch: dict[str, str] | None = None) -> None:
        self.descriptor = ServiceDescriptor(
            hook="patient-view", id=SERVICE_ID, title="Ops", description="Ops", prefetch=prefetch
        )

    def evaluate(self, call: HookCall) -> list[Card]:
        return [
            Card(
                summary="Calcium high",
                indicator="critical",
                source=Source(
                    label="Test",
                    topic=Coding(system="https://example.org/cds-topics", code="hypercalcemia"),
                ),
            ),
            Card(summary="Note", indicator="info", source=Source(label="Test")),
        ]


def hook_request(**context: str) -> dict[str, object]:
    return {
        "hook": "patient-view",
        "hookInstance": HOOK_INSTANCE,
        "context": {"patientId": PATIENT_ID, "userId": "Practitioner/u1", **context},
    }


def closed_port() -> int:
    """A loopback port nothing listens on (connections are refused at once)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def scrape(client: httpx.AsyncClient) -> dict[tuple[str, frozenset[tuple[str, str]]], float]:
    """Every sample of GET /metrics, keyed by (sample name, labels)."""
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def delta(
    before: dict[tuple[str, frozenset[tuple[str, str]]], float],
    after: dict[tuple[str, frozenset[tuple[str, str]]], float],
    name: str,
    **labels: str,
) -> float:
    key = (name, frozenset(labels.items()))
    return after.get(key, 0.0) - before.get(key, 0.0)
