"""The facts layer on public example data in ../shared/data (skipped when absent)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from cds_service.facts.builder import build_patient_facts
from cds_service.facts.model import Analyte, ConditionKind, Flag, RangeSource

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
pytestmark = pytest.mark.skipif(not DATA.is_dir(), reason="../shared/data not present")


def load(relative: str) -> object:
    return json.loads((DATA / relative).read_text(encoding="utf-8"))


def test_ghp_calcium_converted_with_its_range_and_distractor_ignored():
    bundle = load("fhir-examples/bundle-ghp-general-health-panel.json")
    facts = build_patient_facts({"labs": bundle}, datetime(2015, 8, 20, tzinfo=UTC))
    (calcium,) = facts.results(Analyte.TOTAL_CALCIUM)
    assert calcium.loinc == "2000-8"
    assert calcium.value is not None
    assert calcium.value.quantize(Decimal("0.01")) == Decimal("9.54")
    assert calcium.reported == "2.38 mmol/L"
    assert calcium.reference_range is not None
    assert calcium.reference_range.source is RangeSource.RESULT
    assert calcium.reference_range.low is not None
    assert calcium.reference_range.high is not None
    assert calcium.reference_range.low.quantize(Decimal("0.01")) == Decimal("9.02")
    assert calcium.reference_range.high.quantize(Decimal("0.01")) == Decimal("10.62")
    assert not facts.results(Analyte.IONIZED_CALCIUM)  # 13959-2 is not counted
    (alp,) = facts.results(Analyte.ALP)
    assert alp.value == Decimal(108)


def test_us_core_serum_calcium_without_ucum_code():
    resource = load("fhir-examples/us-core-observation-serum-calcium.json")
    facts = build_patient_facts({"obs": resource}, datetime(2005, 7, 10, tzinfo=UTC))
    (calcium,) = facts.results(Analyte.TOTAL_CALCIUM)
    assert calcium.value == Decimal("7.7")
    assert calcium.flag is Flag.LOW
    assert calcium.time == datetime(2005, 7, 5, tzinfo=UTC)


def test_alp_series():
    bundle = load("fhir-examples/bundle-lab-series-alp-rising.json")
    facts = build_patient_facts({"labs": bundle}, datetime(2100, 1, 1, tzinfo=UTC))
    values = [r.value for r in facts.results(Analyte.ALP) if r.value is not None]
    assert Decimal(708) in values


def test_synthea_bundles_build_without_errors():
    paths = sorted((DATA / "synthea").glob("*.json"))
    assert paths
    now = datetime(2026, 11, 21, tzinfo=UTC)
    total_calcium = 0
    for path in paths:
        facts = build_patient_facts({"everything": load(f"synthea/{path.name}")}, now)
        assert facts.patient is not None
        total_calcium += len(facts.results(Analyte.TOTAL_CALCIUM))
        assert all(e.reason.value != "invalid-resource" for e in facts.excluded)
        for result in facts.results(Analyte.TOTAL_CALCIUM):
            assert result.value is not None
            assert Decimal("8.5") <= result.value <= Decimal("10.2")  # Synthea's range
    assert total_calcium > 0


def test_bulk_breast_cancer_conditions_in_scope():
    lines = DATA / "synthea" / "bulk-breast-cancer-patient-129c6ac7-conditions.ndjson"
    resources = [json.loads(line) for line in lines.read_text().splitlines() if line.strip()]
    facts = build_patient_facts({"conditions": resources}, datetime(2026, 11, 21, tzinfo=UTC))
    assert any(ConditionKind.BREAST_CANCER in c.kinds for c in facts.conditions)
