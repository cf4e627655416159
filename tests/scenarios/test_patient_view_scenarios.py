"""Every scenario in fhir_fixtures/scenarios runs through the HTTP API and gets exactly
the cards its manifest expects.

The scenarios are hook requests with relative-date tokens; they are resolved at
`EVALUATION_TIME` and the app's clock is fixed at the same instant. Compared: the exact
multiset of (topic, indicator, problem), and for each expected card that its summary or
detail shows its evidence (values with units, and dates).
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from cds_service.devtools.relative_dates import resolve
from cds_service.services.prefetch_templates import PATIENT_VIEW_PREFETCH
from tests.support.app import EVALUATION_TIME, make_settings, running_client

SCENARIOS = Path(__file__).resolve().parents[2] / "fhir_fixtures" / "scenarios"
MANIFEST: dict[str, Any] = json.loads((SCENARIOS / "manifest.json").read_text())["scenarios"]
URL = "/cds-services/bone-metastasis-advisor"
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _params() -> list[Any]:
    params = []
    for file, expected in sorted(MANIFEST.items()):
        marks = []
        if expected.get("xfail"):
            marks.append(pytest.mark.xfail(strict=True, reason=expected["xfail"]))
        params.append(pytest.param(file, id=file.removesuffix(".json"), marks=marks))
    return params


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def client(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[httpx.AsyncClient]:
    """One app for the module (its start-up migrates a database): clock at EVALUATION_TIME."""
    settings = make_settings(tmp_path_factory.mktemp("scenarios"))
    async with running_client(settings, now=EVALUATION_TIME) as client:
        yield client


def _key(card: dict[str, Any]) -> tuple[str, str, str | None]:
    return (card["topic"], card["indicator"], card.get("problem"))


def _returned_key(card: dict[str, Any]) -> tuple[str, str, str | None]:
    """(topic, indicator, problem); a bma-safety card's problem is read from its summary."""
    topic = card["source"]["topic"]["code"]
    return (topic, card["indicator"], _problem_of(card) if topic == "bma-safety" else None)


# Each bma-safety problem has its own summary wording (cards/bma-safety.yaml).
_PROBLEM_SUMMARY = {
    "denosumab-low-calcium": "Denosumab with low calcium",
    "zoledronic-acid-low-crcl": "Zoledronic acid with",
    "zoledronic-acid-creatinine-rise": "Zoledronic acid: creatinine up",
    "denosumab-calcium-unmonitored": "Denosumab 120 mg and no calcium",
    "denosumab-60-ckd-calcium-unmonitored": "Denosumab 60 mg,",
}


def _problem_of(card: dict[str, Any]) -> str | None:
    found = [p for p, start in _PROBLEM_SUMMARY.items() if card["summary"].startswith(start)]
    return found[0] if len(found) == 1 else None


def test_the_scenario_set_is_complete_and_current() -> None:
    """At least 60 scenarios, each a complete hook request, the manifest naming each
    one, and the files exactly what `_make.py` generates."""
    files = {p.name for p in SCENARIOS.glob("*.json")} - {"manifest.json"}
    assert files == set(MANIFEST)
    assert len(files) >= 60
    for file in files:
        request = json.loads((SCENARIOS / file).read_text())
        assert request["hook"] == "patient-view"
        assert {"hookInstance", "context", "prefetch"} <= request.keys()
        assert set(request["prefetch"]) == set(PATIENT_VIEW_PREFETCH), file
    spec = importlib.util.spec_from_file_location("scenario_make", SCENARIOS / "_make.py")
    assert spec is not None and spec.loader is not None
    make = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = make  # its dataclasses look their module up
    spec.loader.exec_module(make)
    stale = [
        name
        for name, data in make.build().items()
        if (SCENARIOS / name).read_text() != make.dump(data)
    ]
    assert not stale, "run .venv/bin/python fhir_fixtures/scenarios/_make.py"


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize("file", _params())
async def test_scenario(client: httpx.AsyncClient, file: str) -> None:
    expected = MANIFEST[file]
    request = resolve(json.loads((SCENARIOS / file).read_text()), EVALUATION_TIME)
    response = await client.post(URL, json=request)
    assert response.status_code == 200, response.text
    cards = response.json()["cards"]
    got = Counter(_returned_key(card) for card in cards)
    want = Counter(_key(card) for card in expected["cards"])
    assert got == want, f"{expected['why']}\n{json.dumps(cards, indent=1)[:4000]}"
    for card in expected["cards"]:
        evidence = [resolve(text, EVALUATION_TIME) for text in card["evidence"]]
        assert any(ISO_DATE.search(text) for text in evidence), f"{file}: evidence without a date"
        matching = [c for c in cards if _returned_key(c) == _key(card)]
        shown = [c["summary"] + "\n" + c.get("detail", "") for c in matching]
        missing = [t for t in evidence if not any(t in text for text in shown)]
        assert not missing, f"{file}: {card['topic']} does not show {missing}:\n{shown}"
        for text in card.get("summary", []):
            assert any(text in c["summary"] for c in matching), (file, text)
        # Every card shows dated evidence: at least one date in its detail.
        assert all(ISO_DATE.search(c.get("detail", "")) for c in matching), file
