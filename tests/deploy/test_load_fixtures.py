"""`cds-service load-fixtures`, what compose's fhir-loader runs, against a real FHIR server."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from cds_service.cli import app
from tests.support.fhir_server import FhirServer

PATIENTS = Path(__file__).resolve().parents[2] / "fhir_fixtures" / "patients"

runner = CliRunner()


@pytest.mark.fhir_server
def test_the_demo_patients_load_with_their_dates_resolved(fhir_server: FhirServer) -> None:
    fhir_server.set_behaviour()
    now = "2031-02-03T04:05:06Z"  # unlike the session's clock: the reload must be visible
    result = runner.invoke(
        app,
        ["load-fixtures", "--fhir-server", fhir_server.base_url, "--directory", str(PATIENTS),
         "--now", now],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    bundles = sorted(PATIENTS.glob("*.json"))
    assert len(result.stdout.splitlines()) == len(bundles)

    first = json.loads(bundles[0].read_text())
    patient_id = first["entry"][0]["resource"]["id"]
    search = httpx.get(
        f"{fhir_server.base_url}/Observation",
        params={"patient": f"Patient/{patient_id}"},
        headers={"Accept": "application/fhir+json"},
    ).json()
    loaded = json.dumps(search)
    assert search["entry"], "the patient's observations were not loaded"
    assert "{{" not in loaded
    assert "2031-" in loaded


def test_an_unreachable_server_fails_after_the_wait(tmp_path: Path) -> None:
    (tmp_path / "one.json").write_text('{"resourceType": "Bundle", "type": "transaction"}')
    result = runner.invoke(
        app,
        ["load-fixtures", "--fhir-server", "http://127.0.0.1:9/fhir", "--directory",
         str(tmp_path), "--wait", "0"],
    )  # fmt: skip
    assert result.exit_code == 1
    assert "did not answer" in result.output
