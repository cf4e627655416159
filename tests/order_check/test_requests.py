"""The order-sign service at the HTTP edge: discovery, malformed draftOrders, invalid
drafts, and the evidence its cards show."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from cds_service.settings import Settings
from tests.order_check.test_scenarios import NOW, SERVICE, call, load
from tests.support.app import running_client


@pytest.fixture
async def order_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with running_client(settings, now=NOW) as client:
        yield client


async def test_discovery_lists_both_services(order_client: httpx.AsyncClient) -> None:
    services = {s["id"]: s for s in (await order_client.get("/cds-services")).json()["services"]}
    assert services["bone-metastasis-advisor"]["hook"] == "patient-view"
    order_check = services[SERVICE]
    assert order_check["hook"] == "order-sign"
    assert "draftOrders" not in str(order_check["prefetch"])  # never a prefetch token
    assert {"patient", "calcium", "renal", "dental-procedures", "encounters"} <= set(
        order_check["prefetch"]
    )


@pytest.mark.parametrize(
    "draft_orders",
    [
        pytest.param(None, id="missing"),
        pytest.param([{"resourceType": "MedicationRequest"}], id="a-list"),
        pytest.param({"resourceType": "MedicationRequest", "id": "x"}, id="not-a-bundle"),
        pytest.param({"resourceType": "Bundle", "entry": {"resource": {}}}, id="entry-not-array"),
        pytest.param({"resourceType": "Bundle", "entry": [{"fullUrl": "x"}]}, id="no-resource"),
        pytest.param({"resourceType": "Bundle", "entry": ["x"]}, id="entry-not-object"),
    ],
)
async def test_malformed_draft_orders_is_a_400_naming_it(
    order_client: httpx.AsyncClient, draft_orders: Any
) -> None:
    body = load("baseline-xgeva-all-clear.json")
    if draft_orders is None:
        del body["context"]["draftOrders"]
    else:
        body["context"]["draftOrders"] = draft_orders
    response = await call(order_client, body)
    assert response.status_code == 400
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["expression"] == ["context.draftOrders"]


async def test_invalid_draft_is_skipped_and_the_valid_one_checked(
    order_client: httpx.AsyncClient,
) -> None:
    body = load("calcium-31-days-old-denosumab.json")
    broken = load("invalid-bma-draft-skipped.json")["context"]["draftOrders"]["entry"][0]
    body["context"]["draftOrders"]["entry"].insert(0, broken)
    response = await call(order_client, body)
    assert response.status_code == 200
    (card,) = response.json()["cards"]
    assert card["source"]["topic"]["code"] == "bma-order-calcium-unknown"
    assert "not valid FHIR" in card["detail"]  # reported on the card


async def test_patient_view_request_is_refused(order_client: httpx.AsyncClient) -> None:
    body = load("baseline-xgeva-all-clear.json")
    body["hook"] = "patient-view"
    response = await call(order_client, body)
    assert response.status_code == 400


async def test_cards_show_their_evidence(order_client: httpx.AsyncClient) -> None:
    def card_of(name: str) -> dict[str, Any]:
        return cards[name][0]

    names = [
        "zoledronic-3.94-crcl-66-0.06-off",
        "calcium-8.4-below-lln-denosumab",
        "dental-184-days-ago",
        "hcm-creatinine-4.5",
    ]
    cards = {n: (await call(order_client, load(f"{n}.json"))).json()["cards"] for n in names}
    renal = card_of("zoledronic-3.94-crcl-66-0.06-off")["detail"]
    assert "**3.94 mg**" in renal and "66.1 mL/min" in renal and "weight 70 kg" in renal
    assert "serum creatinine 0.9 mg/dL" in renal and "**4.0 mg**" in renal
    calcium = card_of("calcium-8.4-below-lln-denosumab")
    assert calcium["indicator"] == "critical"
    assert "8.4 mg/dL" in calcium["detail"] and "8.5–10.5 mg/dL" in calcium["detail"]
    assert "2026-11-16" in calcium["detail"]  # the result's date
    dental = card_of("dental-184-days-ago")["detail"]
    assert "2026-05-21" in dental  # the last dental care, 184 days before
    hcm = card_of("hcm-creatinine-4.5")["detail"]
    assert "4.5 mg/dL" in hcm and "hypercalcemia of malignancy" in hcm
    for card_list in cards.values():
        for card in card_list:
            assert card["overrideReasons"] and card["source"]["label"]
            assert len(card["summary"]) < 140
