"""Leaving out lab results older than any rule reads (`facts.history`) changes no finding.

The guard for `build_patient_facts(..., rule_windows=True)`, which the advisor uses:
on every scenario in fhir_fixtures/scenarios/ and on the synthetic benchmark patients,
the findings are the same with and without the horizons, apart from the list of data
not used, which may only lose entries (unusable results too old to matter).
"""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from benchmarks.generate import hook_request, patient_bundle
from cds_service.devtools.relative_dates import resolve
from cds_service.facts.builder import build_patient_facts
from cds_service.rules import evaluate_patient_view
from cds_service.rules.findings import Finding

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
SCENARIOS = Path(__file__).resolve().parents[2] / "fhir_fixtures" / "scenarios"


def _prefetches() -> list[tuple[str, dict[str, Any]]]:
    found = [
        (path.stem, resolve(json.loads(path.read_text()), NOW).get("prefetch"))
        for path in sorted(SCENARIOS.glob("*.json"))
    ]
    found += [(f"bench-{s}", hook_request(patient_bundle(s, NOW))["prefetch"]) for s in "SML"]
    return [(name, prefetch) for name, prefetch in found if isinstance(prefetch, dict)]


def _without_excluded(finding: Finding) -> Finding:
    return dataclasses.replace(finding, excluded=())


@pytest.mark.parametrize(
    "prefetch", [p for _, p in _prefetches()], ids=[name for name, _ in _prefetches()]
)
def test_same_findings_with_rule_windows(prefetch: dict[str, Any]) -> None:
    complete = build_patient_facts(prefetch, NOW)
    windowed = build_patient_facts(prefetch, NOW, rule_windows=True)
    full = evaluate_patient_view(complete, NOW)
    fast = evaluate_patient_view(windowed, NOW)
    assert [_without_excluded(f) for f in fast] == [_without_excluded(f) for f in full]
    for short, long in zip(fast, full, strict=True):
        assert set(short.excluded) <= set(long.excluded)
    assert windowed.conditions == complete.conditions
    assert windowed.medications == complete.medications
