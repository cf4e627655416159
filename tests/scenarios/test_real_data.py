"""Real-world-shaped data (../shared/data) through `cds-service evaluate`.

Every Bundle of `synthea/` and `fhir-examples/` is evaluated by the CLI (typer's
CliRunner, and one real subprocess) twice:

1. as it is: none of these patients has breast cancer (§1), so there are no cards;
2. with a breast cancer Condition (SNOMED 254837009, onset 400 days before `now`) and
   one total calcium of 11.0 mg/dL (17861-6, no range of its own: the default
   8.5–10.5 applies) taken one day before `now` added: exactly the cards worked out
   below from each patient's own data.

`now` is ten days after the newest Observation of the bundle (their dates are years
old), so the added calcium is current and is nine days from any albumin in the data:
no albumin pairs with it (±72 h, §2) and it is used as measured — mild hypercalcemia
(`warning`, §3.1). None of these bundles holds an ionized or lab-corrected calcium
(which would take precedence), a bone metastasis, bone imaging, bone pain, a
pathological fracture, a compression or a bone-modifying agent that is current
(checked below), so the hypercalcemia is also the one trigger of the bone-metastasis
work-up (§3.2, `info`) — except where a current raised ALP adds a second kind of
trigger (`warning`). Deceased patients (§1) get no cards whatever their data.

The FHIR core examples carry no Patient (their Observations point at one), so a
Patient with that id is added for both runs; the lab series is a Bundle of report
Bundles and is flattened first. Their Observations have no time of their own (only
their DiagnosticReport is dated, and the advisor's prefetch asks for imaging reports
only): per §2 they have no time, are left out and reported, and cannot trigger.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from typer.testing import CliRunner

from cds_service.cli import app
from tests.support.app import SHARED, shared_path

runner = CliRunner()
SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
CLI = str(Path(sys.executable).parent / "cds-service")  # the installed entry point

HYPERCALCEMIA = ("hypercalcemia", "warning")
WORKUP_INFO = ("bone-metastasis-workup", "info")
WORKUP_WARNING = ("bone-metastasis-workup", "warning")
ALIVE = [HYPERCALCEMIA, WORKUP_INFO]

# file-name prefix → the cards expected with breast cancer and calcium 11.0 added.
EXPECTED: dict[str, list[tuple[str, str]]] = {
    # Living patients: hypercalcemia (11.0 > 10.5, mild → warning) + work-up info
    # (hypercalcemia the only trigger). ALP, where present, is either older than 90
    # days at `now` or ≤ 120 U/L (Synthea sends no range: the default ULN applies).
    "Abdul_Koepp": ALIVE,  # man: male breast cancer is in scope (§1); no calcium of his own
    "Addie_Tremblay": ALIVE,  # no calcium or ALP in the data
    "Alfreda_Wyman": ALIVE,  # calcium 8.93 on the anchor day is older than the added one
    # ALP 134.87 U/L on the anchor day (10 days before now, within 90; > 120): a second
    # kind of trigger → work-up `warning` (§3.2). Her albumin 3.72 is 9 days from the
    # added calcium: no correction.
    "Angelic_Mueller": [HYPERCALCEMIA, WORKUP_WARNING],
    "Courtney_Schinner": ALIVE,  # no calcium or ALP
    "Jordan_Cruickshank": ALIVE,  # ALP 37.9 IU/L in 2017: far older than 90 days
    "Juliette_Padberg": ALIVE,  # no calcium or ALP
    "Liz_Conn": ALIVE,  # no calcium or ALP
    "Martina_Murazik": ALIVE,  # ALP 34.5 U/L: normal
    "Thanh_Mosciski": ALIVE,  # ALP 111.7 U/L: ≤ 120; colon cancer is not breast cancer
    # Deceased (Patient.deceasedDateTime set): out of scope, no cards (§1). Adan and
    # Fletcher have prostate cancer (Adan "metastasis from prostate", not a bone code);
    # Cathryn is on alendronate; Fletcher has a pathological fracture from 1993 —
    # none of it matters for a deceased patient.
    "Adan_Pulido": [],
    "Cathryn_Windler": [],
    "Eleonor_Becker": [],
    "Fletcher_Hyatt": [],
    "Loma_Johns": [],
    "Micha_Kertzmann": [],
    "Michele_Wolf": [],
    "Oda_Gerlach": [],
    "Tiera_Boyle": [],
    "Vicenta_Maggio": [],
    # FHIR core examples: their own calcium (2.38 mmol/L), ALP (108, up to 708 U/L) and
    # albumin have no time (see the module docstring), so only the added calcium counts.
    "bundle-ghp-general-health-panel": ALIVE,
    "bundle-lab-series-alp-rising": ALIVE,
}


def _bundles() -> list[Path]:
    if not SHARED.exists():
        return []
    paths = sorted((SHARED / "data" / "synthea").glob("*.json"))
    paths += sorted((SHARED / "data" / "fhir-examples").glob("bundle-*.json"))
    return paths


def _ids() -> list[Any]:
    found = _bundles()
    if not found:
        return [pytest.param(None, id="shared-data-missing")]
    return [pytest.param(p, id=p.stem.split("_")[0] if "_" in p.stem else p.stem) for p in found]


def _expected(path: Path) -> list[tuple[str, str]]:
    matches = [cards for prefix, cards in EXPECTED.items() if path.stem.startswith(prefix)]
    assert len(matches) == 1, f"no expectation written for {path.name}"
    return matches[0]


def _time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _flatten(bundle: dict[str, Any]) -> list[dict[str, Any]]:
    """Entries, with nested Bundles' entries lifted up (the lab series)."""
    entries = []
    for entry in bundle.get("entry") or []:
        resource = entry.get("resource") or {}
        if resource.get("resourceType") == "Bundle":
            entries.extend(_flatten(resource))
        else:
            entries.append(entry)
    return entries


def prepared(path: Path) -> tuple[dict[str, Any], str, datetime]:
    """The bundle as the CLI can read it, a reference to its patient, and `now`."""
    bundle = orjson.loads(path.read_bytes())
    entries = _flatten(bundle)
    resources = [e["resource"] for e in entries]
    patients = [e for e in entries if e["resource"]["resourceType"] == "Patient"]
    if patients:
        full_url = patients[0].get("fullUrl") or f"Patient/{patients[0]['resource']['id']}"
        reference = full_url
    else:
        # FHIR core examples: add the Patient their Observations name (first one).
        reference = next(
            r["subject"]["reference"]
            for r in resources
            if r.get("resourceType") == "Observation" and r.get("subject")
        )
        resource = {"resourceType": "Patient", "id": reference.split("/")[-1]}
        entries.insert(0, {"resource": {**resource, "gender": "female"}})
        entries = [
            e
            for e in entries
            if (e["resource"].get("subject") or {}).get("reference", reference) == reference
        ]
    times = [
        _time(r[key])
        for r in resources
        if r.get("resourceType") in ("Observation", "DiagnosticReport")
        for key in ("effectiveDateTime",)
        if isinstance(r.get(key), str)
    ]
    now = max(times) + timedelta(days=10)
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}, reference, now


def with_breast_cancer_and_calcium(
    bundle: dict[str, Any], reference: str, now: datetime
) -> dict[str, Any]:
    def iso(moment: datetime) -> str:
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    added = [
        {
            "fullUrl": "urn:uuid:0e3e1f52-6f6a-4c47-9d1b-b0a1c0c0ffee",
            "resource": {
                "resourceType": "Condition",
                "id": "added-breast-cancer",
                "clinicalStatus": {
                    "coding": [
                        {
                            "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                            "code": "active",
                        }
                    ]
                },
                "code": {
                    "coding": [
                        {
                            "system": SNOMED,
                            "code": "254837009",
                            "display": "Malignant neoplasm of breast",
                        }
                    ]
                },
                "subject": {"reference": reference},
                "onsetDateTime": iso(now - timedelta(days=400)),
            },
        },
        {
            "fullUrl": "urn:uuid:0e3e1f52-6f6a-4c47-9d1b-b0a1c0c0ffef",
            "resource": {
                "resourceType": "Observation",
                "id": "added-calcium",
                "status": "final",
                "code": {"coding": [{"system": LOINC, "code": "17861-6"}]},
                "subject": {"reference": reference},
                "effectiveDateTime": iso(now - timedelta(days=1)),
                "valueQuantity": {"value": 11.0, "unit": "mg/dL", "system": UCUM, "code": "mg/dL"},
            },
        },
    ]
    return {**bundle, "entry": [*bundle["entry"], *added]}


def evaluate(tmp_path: Path, bundle: dict[str, Any], now: datetime) -> list[dict[str, Any]]:
    file = tmp_path / "bundle.json"
    file.write_bytes(orjson.dumps(bundle))
    result = runner.invoke(app, ["evaluate", str(file), "--now", now.isoformat()])
    assert result.exit_code == 0, result.output
    cards: list[dict[str, Any]] = json.loads(result.stdout)["cards"]
    return cards


@pytest.mark.parametrize("path", _ids())
def test_bundle_without_breast_cancer_gives_no_cards(tmp_path: Path, path: Path | None) -> None:
    if path is None:
        shared_path("data", "synthea")  # skips, saying ../shared is missing
        return
    bundle, _, now = prepared(path)
    assert evaluate(tmp_path, bundle, now) == []


@pytest.mark.parametrize("path", _ids())
def test_bundle_with_breast_cancer_and_raised_calcium(tmp_path: Path, path: Path | None) -> None:
    if path is None:
        shared_path("data", "synthea")
        return
    bundle, reference, now = prepared(path)
    cards = evaluate(tmp_path, with_breast_cancer_and_calcium(bundle, reference, now), now)
    got = Counter((c["source"]["topic"]["code"], c["indicator"]) for c in cards)
    assert got == Counter(_expected(path)), json.dumps(cards, indent=1)[:3000]
    calcium_day = (now - timedelta(days=1)).date().isoformat()
    for card in cards:
        assert "11.0 mg/dL" in card["detail"] and calcium_day in card["detail"], card["detail"]


def test_cli_as_a_subprocess(tmp_path: Path) -> None:
    """The installed entry point, in its own process, on the smallest Synthea bundle."""
    path = min(shared_path("data", "synthea").glob("*.json"), key=lambda p: p.stat().st_size)
    bundle, reference, now = prepared(path)
    file = tmp_path / "bundle.json"
    file.write_bytes(orjson.dumps(with_breast_cancer_and_calcium(bundle, reference, now)))
    completed = subprocess.run(
        [CLI, "evaluate", str(file), "--now", now.isoformat()],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    cards = json.loads(completed.stdout)["cards"]
    got = Counter((c["source"]["topic"]["code"], c["indicator"]) for c in cards)
    assert got == Counter(_expected(path))
