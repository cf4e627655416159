"""The CDS Hooks specification's own examples go through our models unchanged."""

from __future__ import annotations

from typing import Any

import httpx
import orjson
import pytest

from cds_service.cards.schema import Action, CdsResponse, OverrideReason, Source
from cds_service.protocol.models import DiscoveryResponse, HookRequest
from tests.support.app import shared_path


def example(name: str) -> Any:
    return orjson.loads(shared_path("data", "cds-hooks-spec-examples", name).read_bytes())


def _without_none(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _without_none(v) for k, v in data.items() if v is not None}
    if isinstance(data, list):
        return [_without_none(v) for v in data]
    return data


@pytest.mark.parametrize("name", ["docs_02.json", "hl7_02.json", "docs_31.json", "hl7_39.json"])
def test_discovery_examples_parse(name: str) -> None:
    services = DiscoveryResponse.model_validate(example(name)).services
    assert services and all(service.id and service.hook for service in services)


@pytest.mark.parametrize("name", ["docs_04.json", "hl7_04.json", "hl7_07.json"])
def test_request_examples_parse(name: str) -> None:
    request = HookRequest.model_validate(example(name))
    assert request.context.patientId == "1288992"


@pytest.mark.parametrize("name", ["docs_15.json", "hl7_19.json", "docs_22.json", "hl7_27.json"])
def test_response_examples_round_trip(name: str) -> None:
    data = example(name)
    echoed = orjson.loads(CdsResponse.model_validate(data).to_json())
    # A card or suggestion sent without a uuid gets one (we always send them); the
    # rest of the example comes back exactly as it went in.
    for card, original in zip(echoed["cards"], data["cards"], strict=True):
        assert card.pop("uuid")
        original.pop("uuid", None)
        for suggestion in card.get("suggestions", []):
            assert suggestion.pop("uuid")
        for suggestion in original.get("suggestions", []):
            suggestion.pop("uuid", None)
    assert echoed == _without_none(data)


@pytest.mark.parametrize("name", ["docs_21.json", "hl7_26.json", "docs_23.json", "hl7_28.json"])
def test_examples_that_break_the_2_0_tables_are_refused_on_output(name: str) -> None:
    """These examples omit a REQUIRED field (action.description, card.indicator). We send
    what the 2.0.1 tables require, so our model refuses them rather than echo the gap."""
    with pytest.raises(ValueError, match=r"description|indicator"):
        CdsResponse.model_validate(example(name))


@pytest.mark.parametrize(
    "name",
    ["docs_17.json", "docs_18.json", "docs_19.json", "hl7_22.json", "hl7_23.json", "hl7_24.json"],
)
def test_action_examples_parse(name: str) -> None:
    action = Action.model_validate(example(name))
    assert (action.resource is not None) == (action.type != "delete")


@pytest.mark.parametrize("name", ["docs_20.json", "hl7_25.json"])
def test_override_reason_examples_parse(name: str) -> None:
    reasons = [OverrideReason.model_validate(r) for r in example(name)["overrideReasons"]]
    assert all(reason.display for reason in reasons)


@pytest.mark.parametrize("name", ["docs_16.json", "hl7_21.json"])
def test_source_examples_parse(name: str) -> None:
    assert Source.model_validate(example(name)["source"]).label


async def test_the_spec_request_example_gets_an_answer(client: httpx.AsyncClient) -> None:
    """hl7_04 names a fhirServer we cannot reach: what it did not prefetch is a 412."""
    response = await client.post(
        "/cds-services/bone-metastasis-advisor", json=example("hl7_04.json")
    )
    assert response.status_code in (200, 412)
    if response.status_code == 412:
        assert response.json()["resourceType"] == "OperationOutcome"


@pytest.mark.parametrize("name", ["docs_30.json", "hl7_38.json"])
async def test_the_extension_example_without_patient_id_is_refused_clearly(
    client: httpx.AsyncClient, name: str
) -> None:
    response = await client.post("/cds-services/bone-metastasis-advisor", json=example(name))
    assert response.status_code == 400
    assert "context.patientId" in response.json()["issue"][0]["diagnostics"]
