"""Every order-sign scenario of fhir_fixtures/order-sign/ through the HTTP API.

Each fixture is resolved at the manifest's evaluation time, posted to the
`bone-modifying-agent-order-check` service with the app clock fixed at that time, and
its cards compared with the manifest: the (topic, indicator) pairs exactly, and the
update / delete actions on the request's draft orders.
"""

from __future__ import annotations

import json
import runpy
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

from cds_service.devtools.relative_dates import resolve
from cds_service.settings import Settings
from tests.support.app import EVALUATION_TIME, running_client

FIXTURES = Path(__file__).resolve().parents[2] / "fhir_fixtures" / "order-sign"
MANIFEST = json.loads((FIXTURES / "manifest.json").read_text(encoding="utf-8"))
SERVICE = MANIFEST["service"]
NOW = datetime.fromisoformat(MANIFEST["evaluation_time"].replace("Z", "+00:00"))
SCENARIOS: dict[str, dict[str, Any]] = MANIFEST["scenarios"]
TOPICS = {
    "bma-order-hypocalcemia",
    "bma-order-calcium-unknown",
    "bma-order-renal-dose",
    "bma-order-renal-unknown",
    "bma-order-dental",
    "bma-order-supplements",
    "bma-order-dose-intent",
    "bma-order-duplicate",
}


def load(name: str) -> dict[str, Any]:
    """A scenario's hook request (`name`, with or without .json), dates resolved at NOW."""
    path = FIXTURES / (name if name.endswith(".json") else f"{name}.json")
    data: dict[str, Any] = resolve(json.loads(path.read_text(encoding="utf-8")), NOW)
    return data


async def call(client: httpx.AsyncClient, body: dict[str, Any]) -> httpx.Response:
    return await client.post(f"/cds-services/{SERVICE}", json=body)


def test_manifest_matches_the_app_clock_and_the_files() -> None:
    assert NOW == EVALUATION_TIME
    files = {p.name for p in FIXTURES.glob("*.json")} - {"manifest.json"}
    assert files == set(SCENARIOS)
    assert len(SCENARIOS) >= 30


def test_fixtures_are_what_the_generator_makes() -> None:
    make = runpy.run_path(str(FIXTURES / "_make.py"))
    assert make["main"](["--check"]) == 0, "run fhir_fixtures/order-sign/_make.py"


def test_every_topic_fires_and_is_silent_somewhere() -> None:
    fired = {card["topic"] for s in SCENARIOS.values() for card in s["cards"]}
    assert fired == TOPICS


@pytest.fixture
async def order_client(settings: Settings) -> Any:
    async with running_client(settings, now=NOW) as client:
        yield client


@pytest.mark.parametrize("name", sorted(SCENARIOS))
async def test_scenario(order_client: httpx.AsyncClient, name: str) -> None:
    expected = SCENARIOS[name]
    body = load(name)
    response = await call(order_client, body)
    assert response.status_code == 200, response.text
    cards = response.json()["cards"]
    got = sorted((c["source"]["topic"]["code"], c["indicator"]) for c in cards)
    want = sorted((c["topic"], c["indicator"]) for c in expected["cards"])
    assert got == want, expected["about"]

    actions = [
        a
        for card in cards
        for suggestion in card.get("suggestions", [])
        for a in suggestion.get("actions", [])
        if a["type"] in ("update", "delete")
    ]
    drafts = {e["resource"]["id"]: e["resource"] for e in body["context"]["draftOrders"]["entry"]}
    assert len(actions) == len(expected["actions"])
    for action, want_action in zip(actions, expected["actions"], strict=True):
        assert action["type"] == want_action["type"]
        draft_id = want_action["draft"]
        assert draft_id in drafts
        if action["type"] == "delete":
            assert action["resourceId"] == f"MedicationRequest/{draft_id}"
            continue
        resource = action["resource"]
        assert resource["id"] == draft_id
        dose = resource["dosageInstruction"][0]["doseAndRate"][0]["doseQuantity"]
        assert Decimal(str(dose["value"])) == Decimal(want_action["dose_mg"])
        assert dose["code"] == "mg"
