"""`cds-service load-fixtures`, what compose's fhir-loader runs, against a real FHIR server."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from cds_service.cli import app
from cds_service.devtools.relative_dates import resolve
from tests.support.fhir_server import FhirServer

PATIENTS = Path(__file__).resolve().parents[2] / "fhir_fixtures" / "patients"

runner = CliRunner()


@pytest.mark.fhir_server
def test_the_demo_patients_load_with_their_dates_resolved(fhir_server: FhirServer) -> None:
    # The session's server is shared: reload at its own clock, so other tests see the
    # same data, after deleting one resource the reload must bring back.
    fhir_server.set_behaviour()
    first = json.loads(sorted(PATIENTS.glob("*.json"))[0].read_text())
    observation = next(
        e["resource"] for e in first["entry"] if e["resource"]["resourceType"] == "Observation"
    )
    url = f"{fhir_server.base_url}/Observation/{observation['id']}"
    assert httpx.delete(url).status_code in (200, 204)
    assert httpx.get(url).status_code in (404, 410)

    result = runner.invoke(
        app,
        ["load-fixtures", "--fhir-server", fhir_server.base_url, "--directory", str(PATIENTS),
         "--now", fhir_server.now.isoformat()],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert len(result.stdout.splitlines()) == len(list(PATIENTS.glob("*.json")))

    reloaded = httpx.get(url, headers={"Accept": "application/fhir+json"}).json()
    expected = resolve(observation, fhir_server.now)
    assert "{{" not in json.dumps(reloaded)
    for field in ("effectiveDateTime", "issued"):
        if field in expected:
            assert reloaded[field].startswith(expected[field][:19]), field


def test_an_unreachable_server_fails_after_the_wait(tmp_path: Path) -> None:
    (tmp_path / "one.json").write_text('{"resourceType": "Bundle", "type": "transaction"}')
    result = runner.invoke(
        app,
        ["load-fixtures", "--fhir-server", "http://127.0.0.1:9/fhir", "--directory",
         str(tmp_path), "--wait", "0"],
    )  # fmt: skip
    assert result.exit_code == 1
    assert "did not answer" in result.output
