"""`build_patient_facts` over random FHIR-shaped data: it never raises, and every lab
result it keeps is in its analyte's canonical unit and dated no later than now + 1 day.

The explicit cases below are shapes outside the types the strategies draw (a list as
a status, an int as a coding list, year 0001 at +14:00): each must be skipped and
reported, never raise.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cds_service.facts.builder import build_patient_facts
from cds_service.facts.model import ReferenceRange
from cds_service.knowledge.thresholds import FUTURE_TOLERANCE
from cds_service.knowledge.units import CANONICAL_UNIT
from tests.robustness.strategies import EVALUATION_TIME, prefetch_values

PREFETCH_KEYS = ["patient", "conditions", "calcium", "renal", "medication-requests", "extra"]

prefetches = st.dictionaries(st.sampled_from(PREFETCH_KEYS), prefetch_values, max_size=6)


@settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(prefetch=prefetches)
def test_facts_from_random_fhir_data(prefetch: dict[str, Any]) -> None:
    facts = build_patient_facts(prefetch, EVALUATION_TIME)

    latest = EVALUATION_TIME + FUTURE_TOLERANCE
    for analyte, results in facts.labs.items():
        assert [r.time for r in results] == sorted((r.time for r in results), reverse=True)
        for result in results:
            assert result.analyte == analyte
            assert result.unit == CANONICAL_UNIT[analyte]
            assert result.time.utcoffset() is not None
            assert result.time <= latest
            if isinstance(result.reference_range, ReferenceRange):
                assert result.reference_range.unit == CANONICAL_UNIT[analyte]
    for excluded in facts.excluded:
        assert excluded.detail
    assert facts.missing == {key for key, value in prefetch.items() if value is None}


def _obs(**fields: Any) -> dict[str, Any]:
    loinc = {"system": "http://loinc.org", "code": "17861-6"}
    return {
        "resourceType": "Observation",
        "id": "o1",
        "status": "final",
        "code": {"coding": [loinc]},
        "valueQuantity": {"value": 10.2, "unit": "mg/dL"},
        **fields,
    }


def _in_bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"resource": r} for r in resources],
    }


def _report(**fields: Any) -> dict[str, Any]:
    return {
        "resourceType": "DiagnosticReport",
        "id": "d1",
        "status": "final",
        "code": {"text": "panel"},
        "effectiveDateTime": "2026-11-20",
        **fields,
    }


HOSTILE_SHAPES: dict[str, dict[str, Any]] = {
    # name: prefetch
    "entry-not-a-list-string": {"calcium": {"resourceType": "Bundle", "entry": "x"}},
    "entry-not-a-list-object": {"calcium": {"resourceType": "Bundle", "entry": {}}},
    "entry-an-int": {"calcium": {"resourceType": "Bundle", "entry": 5}},
    "entries-without-resource": {
        "calcium": {"resourceType": "Bundle", "entry": [{}, None, 1, "x", {"resource": 5}]}
    },
    "unknown-resource-type": {
        "calcium": _in_bundle({"resourceType": "Foo", "id": "x"}, {"resourceType": 5})
    },
    "condition-under-patient": {"patient": {"resourceType": "Condition", "id": "c"}},
    "patient-in-calcium-bundle": {
        "calcium": _in_bundle({"resourceType": "Patient", "id": "p", "birthDate": "x"})
    },
    "id-not-a-string": {"calcium": _obs(id=5)},
    "effective-period-a-string": {"calcium": _obs(effectivePeriod="x")},
    "status-a-list": {"calcium": _obs(status=["final"])},
    "coding-an-int": {"calcium": _obs(code={"coding": 5})},
    "has-member-strings": {
        "calcium": _in_bundle(
            _obs(id="o2", effectiveDateTime="2026-11-20", hasMember=["x", 5]), _obs()
        )
    },
    "report-result-not-references": {"calcium": _in_bundle(_report(result=[5]), _obs())},
    "condition-code-an-int": {
        "conditions": {"resourceType": "Condition", "id": "c", "code": {"coding": [{"code": 5}]}}
    },
    "time-year-1-at-plus-14h": {"calcium": _obs(effectiveDateTime="0001-01-01T00:00:00+14:00")},
    "time-year-9999-at-minus-14h": {"calcium": _obs(effectiveDateTime="9999-12-31T23:59:59-14:00")},
    "value-1e999999": {"calcium": _obs(valueQuantity={"value": "1e999999"})},
}


@pytest.mark.parametrize("name", list(HOSTILE_SHAPES))
def test_a_hostile_shape_is_skipped_not_raised(name: str) -> None:
    prefetch = HOSTILE_SHAPES[name]
    facts = build_patient_facts(prefetch, EVALUATION_TIME)
    for results in facts.labs.values():
        for result in results:
            assert result.time <= EVALUATION_TIME + FUTURE_TOLERANCE
