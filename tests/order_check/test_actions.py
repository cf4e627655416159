"""Suggestions of the order-sign cards: actions that reference the request's draft
orders, update actions that change only the dose / product, and suggested resources
that are valid FHIR R4 (validated with fhir.resources R4B)."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fhir.resources.R4B.medicationrequest import MedicationRequest
from fhir.resources.R4B.servicerequest import ServiceRequest

from cds_service.settings import Settings
from tests.order_check.test_scenarios import NOW, SCENARIOS, call, load
from tests.support.app import running_client

MODELS = {"ServiceRequest": ServiceRequest, "MedicationRequest": MedicationRequest}


@pytest.fixture
async def order_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with running_client(settings, now=NOW) as client:
        yield client


def actions_of(cards: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        action
        for card in cards
        for suggestion in card.get("suggestions", [])
        for action in suggestion.get("actions", [])
    ]


def drafts_of(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["resource"]["id"]: e["resource"] for e in body["context"]["draftOrders"]["entry"]}


WITH_SUGGESTIONS = sorted(
    name
    for name, s in SCENARIOS.items()
    if s["actions"]
    or {c["topic"] for c in s["cards"]}
    & {
        "bma-order-calcium-unknown",
        "bma-order-renal-unknown",
        "bma-order-dental",
        "bma-order-supplements",
    }
)


@pytest.mark.parametrize("name", WITH_SUGGESTIONS)
async def test_suggested_resources_are_valid_r4_and_reference_the_request(
    order_client: httpx.AsyncClient, name: str
) -> None:
    body = load(name)
    cards = (await call(order_client, body)).json()["cards"]
    actions = actions_of(cards)
    assert actions
    patient = f"Patient/{body['context']['patientId']}"
    drafts = drafts_of(body)
    for action in actions:
        if action["type"] == "delete":
            kind, _, draft_id = action["resourceId"].partition("/")
            assert kind == "MedicationRequest"
            assert draft_id in drafts
            continue
        resource = MODELS[action["resource"]["resourceType"]].model_validate(action["resource"])
        assert resource.subject.reference == patient
        if action["type"] == "create":
            assert resource.status == "draft"
            assert resource.intent == "proposal"
        else:
            assert action["type"] == "update"
            assert resource.id in drafts  # the draft order of this request


@pytest.mark.parametrize(
    ("name", "changed"),
    [
        ("zoledronic-3.94-crcl-66-0.06-off", {"dosageInstruction"}),
        ("zoledronic-4.0-crcl-55-adjuvant-band-3.5", {"dosageInstruction"}),
        ("prolia-60-with-bone-metastasis", {"dosageInstruction", "medicationCodeableConcept"}),
        ("reclast-5mg-with-bone-metastasis", {"dosageInstruction", "medicationCodeableConcept"}),
    ],
)
async def test_update_changes_only_dose_and_product(
    order_client: httpx.AsyncClient, name: str, changed: set[str]
) -> None:
    body = load(name)
    (update,) = [
        a
        for a in actions_of((await call(order_client, body)).json()["cards"])
        if a["type"] == "update"
    ]
    updated = update["resource"]
    draft = drafts_of(body)[updated["id"]]
    assert set(updated) == set(draft)
    assert {k for k in draft if draft[k] != updated[k]} == changed
    # Within the dosage only the dose changed.
    before = copy.deepcopy(draft["dosageInstruction"])
    after = copy.deepcopy(updated["dosageInstruction"])
    before[0]["doseAndRate"][0].pop("doseQuantity")
    after[0]["doseAndRate"][0].pop("doseQuantity")
    assert before == after


async def test_second_draft_gets_one_card_with_delete(order_client: httpx.AsyncClient) -> None:
    body = load("duplicate-two-drafts.json")
    cards = (await call(order_client, body)).json()["cards"]
    duplicate = [c for c in cards if c["source"]["topic"]["code"] == "bma-order-duplicate"]
    assert len(duplicate) == 1
    (delete,) = actions_of(duplicate)
    _first, second = body["context"]["draftOrders"]["entry"]
    assert delete == {
        "type": "delete",
        "description": delete["description"],
        "resourceId": f"MedicationRequest/{second['resource']['id']}",
    }


async def test_bundle_order_decides_which_draft_is_second(order_client: httpx.AsyncClient) -> None:
    body = load("duplicate-two-drafts.json")
    body["context"]["draftOrders"]["entry"].reverse()
    cards = (await call(order_client, body)).json()["cards"]
    (delete,) = [a for a in actions_of(cards) if a["type"] == "delete"]
    assert delete["resourceId"] == "MedicationRequest/draft-denosumab"


async def test_not_recommended_has_no_dose_suggestion(order_client: httpx.AsyncClient) -> None:
    body = load("zoledronic-3.0-crcl-29.9-not-recommended.json")
    (card,) = (await call(order_client, body)).json()["cards"]
    assert "suggestions" not in card
    assert "29.9" in card["summary"]
