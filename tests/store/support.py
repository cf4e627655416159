"""A fake CDS Service whose cards the test chooses, and the app around it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import Executable, text

from cds_service.app import create_app
from cds_service.cards.schema import Card, Coding, OverrideReason, Source, Suggestion
from cds_service.clock import FixedClock
from cds_service.protocol.models import ServiceDescriptor
from cds_service.services.base import HookCall
from cds_service.settings import Settings
from cds_service.store.store import Store
from tests.support.app import EVALUATION_TIME, make_settings

SERVICE_ID = "fake-advisor"
TOPIC_SYSTEM = "https://example.org/cds/topics"
REASON_SYSTEM = "https://example.org/cds/override-reasons"
NOT_RELEVANT = {"system": REASON_SYSTEM, "code": "not-relevant", "display": "Not relevant"}
SECRET = "test-audit-secret-0123456789"


@dataclass
class FakeService:
    """Answers patient-view with one card per (topic, indicator) in `cards`."""

    cards: list[tuple[str, str]] = field(default_factory=lambda: [("calcium", "warning")])
    descriptor: ServiceDescriptor = field(
        default_factory=lambda: ServiceDescriptor(
            hook="patient-view", id=SERVICE_ID, title="Fake", description="Cards on demand"
        )
    )

    def evaluate(self, call: HookCall) -> list[Card]:
        return [
            Card(
                summary=f"{topic} ({indicator})",
                indicator=indicator,  # type: ignore[arg-type]
                source=Source(label="Test", topic=Coding(system=TOPIC_SYSTEM, code=topic)),
                suggestions=[Suggestion(label="Order it")],
                selectionBehavior="at-most-one",
                overrideReasons=[OverrideReason(**NOT_RELEVANT)],
            )
            for topic, indicator in self.cards
        ]


def store_settings(tmp_path: Path, db_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"database_url": db_url, "audit_hmac_secret": SECRET}
    values.update(overrides)
    return make_settings(tmp_path, **values)


@dataclass
class Running:
    app: FastAPI
    client: httpx.AsyncClient
    service: FakeService

    @property
    def store(self) -> Store:
        store: Store = self.app.state.store
        return store

    async def hook(self, patient: str = "patient-1") -> list[dict[str, Any]]:
        body = {
            "hook": "patient-view",
            "hookInstance": str(uuid.uuid4()),
            "context": {"patientId": patient, "userId": "Practitioner/1"},
        }
        response = await self.client.post(f"/cds-services/{SERVICE_ID}", json=body)
        assert response.status_code == 200, response.text
        cards: list[dict[str, Any]] = response.json()["cards"]
        return cards

    async def feedback(self, *items: dict[str, Any]) -> httpx.Response:
        return await self.client.post(
            f"/cds-services/{SERVICE_ID}/feedback", json={"feedback": list(items)}
        )

    async def rows(self, query: str | Executable) -> list[Any]:
        """Rows of raw SQL (values as the driver gives them) or of a SQLAlchemy query."""
        async with self.store.engine.connect() as conn:
            statement = text(query) if isinstance(query, str) else query
            return list((await conn.execute(statement)).all())


@asynccontextmanager
async def running(
    settings: Settings,
    *,
    now: datetime = EVALUATION_TIME,
    cards: Sequence[tuple[str, str]] = (("calcium", "warning"),),
) -> AsyncIterator[Running]:
    service = FakeService(list(cards))
    app = create_app(settings, clock=FixedClock(now), services=[service])
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://cds.test") as client:
            yield Running(app, client, service)


def overridden(
    card_uuid: str,
    *,
    reason: dict[str, str] | None = NOT_RELEVANT,
    at: str = "2026-11-21T09:05:00Z",
) -> dict[str, Any]:
    item: dict[str, Any] = {"card": card_uuid, "outcome": "overridden", "outcomeTimestamp": at}
    if reason is not None:
        item["overrideReason"] = {"reason": reason, "userComment": "Seen last week"}
    return item


def accepted(
    card_uuid: str, suggestion_uuid: str, *, at: str = "2026-11-21T09:05:00Z"
) -> dict[str, Any]:
    return {
        "card": card_uuid,
        "outcome": "accepted",
        "acceptedSuggestions": [{"id": suggestion_uuid}],
        "outcomeTimestamp": at,
    }
