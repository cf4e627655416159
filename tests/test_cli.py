"""`cds-service evaluate` for developers testing with synthetic bundles."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from cds_service.cli import app
from cds_service.services.prefetch_templates import PATIENT_VIEW_PREFETCH

runner = CliRunner()


def _write(tmp_path: Path, name: str, data: Any) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data))
    return path


def test_evaluate_a_hook_request_prints_the_response(tmp_path: Path) -> None:
    request = {
        "hook": "patient-view",
        "hookInstance": "c0ffee00-0000-4000-8000-000000000001",
        "context": {"patientId": "p1", "userId": "Practitioner/u1"},
        "prefetch": dict.fromkeys(PATIENT_VIEW_PREFETCH),
    }
    result = runner.invoke(app, ["evaluate", str(_write(tmp_path, "req.json", request))])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"cards": []}


def test_evaluate_a_bundle_builds_the_prefetch_for_its_patient(tmp_path: Path) -> None:
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": "urn:uuid:abc", "resource": {"resourceType": "Patient", "id": "abc"}},
            {
                "resource": {
                    "resourceType": "Condition",
                    "id": "c1",
                    "subject": {"reference": "urn:uuid:abc"},
                    "code": {"text": "Hypertension"},
                    "recordedDate": "{{today-10d}}",
                }
            },
        ],
    }
    path = _write(tmp_path, "bundle.json", bundle)
    result = runner.invoke(app, ["evaluate", str(path), "--now", "2026-11-21T09:00:00Z"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"cards": []}


def test_a_bundle_with_two_patients_needs_patient(tmp_path: Path) -> None:
    bundle = {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": {"resourceType": "Patient", "id": i}} for i in ("a", "b")],
    }
    path = _write(tmp_path, "two.json", bundle)
    result = runner.invoke(app, ["evaluate", str(path)])
    assert result.exit_code == 2
    assert "--patient" in result.output
    assert runner.invoke(app, ["evaluate", str(path), "--patient", "b"]).exit_code == 0


def test_an_invalid_request_file_exits_2_with_the_reason(tmp_path: Path) -> None:
    path = _write(tmp_path, "bad.json", {"hook": "patient-view"})
    result = runner.invoke(app, ["evaluate", str(path)])
    assert result.exit_code == 2
    assert "hookInstance" in result.output


def test_a_bad_now_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path, "req.json", {})
    result = runner.invoke(app, ["evaluate", str(path), "--now", "yesterday"])
    assert result.exit_code != 0


def test_request_prints_the_hook_request_with_dates_resolved(tmp_path: Path) -> None:
    scenario = Path(__file__).resolve().parents[1] / "fhir_fixtures" / "scenarios"
    result = runner.invoke(
        app,
        ["request", str(scenario / "calcium-12.0-moderate.json"), "--now", "2026-11-21T09:00:00Z"],
    )
    assert result.exit_code == 0, result.output
    printed = result.stdout
    assert "{{" not in printed
    request = json.loads(printed)
    assert request["hook"] == "patient-view"
    assert "2026-11-1" in printed  # dated relative to --now
