from __future__ import annotations

from datetime import timedelta

import pytest

from cds_service.facts.medications import (
    bma_exposures,
    creatinine_baseline,
    zoledronic_course_start,
)
from cds_service.facts.model import Agent, Analyte
from tests.facts.builders import NOW, ago, facts, lab, med

WEEKS_16 = 112


@pytest.mark.parametrize(
    ("kind", "status", "start", "end", "on"),
    [
        ("MedicationRequest", "active", ago(1000), None, True),
        ("MedicationRequest", "on-hold", None, None, True),
        ("MedicationRequest", "completed", ago(WEEKS_16), None, True),
        ("MedicationRequest", "completed", ago(WEEKS_16, hours=1), None, False),
        ("MedicationRequest", "stopped", ago(1), None, False),
        ("MedicationRequest", "cancelled", ago(1), None, False),
        ("MedicationRequest", "draft", ago(1), None, False),
        ("MedicationRequest", "entered-in-error", ago(1), None, False),
        ("MedicationStatement", "active", None, None, True),
        ("MedicationStatement", "completed", ago(200), ago(WEEKS_16), True),
        ("MedicationStatement", "completed", ago(200), ago(WEEKS_16 + 1), False),
        ("MedicationStatement", "completed", ago(300), None, True),  # ongoing period
        ("MedicationStatement", "not-taken", ago(1), ago(1), False),
        ("MedicationStatement", "intended", ago(1), ago(1), False),
        ("MedicationAdministration", "completed", ago(WEEKS_16), None, True),
        ("MedicationAdministration", "in-progress", ago(1), None, True),
        ("MedicationAdministration", "completed", ago(WEEKS_16 + 1), None, False),
        ("MedicationAdministration", "not-done", ago(1), None, False),
        ("MedicationAdministration", "completed", None, None, False),
    ],
)
def test_on_a_bma(kind, status, start, end, on):
    m = med(kind, status, start=start, end=end)
    assert (bma_exposures(facts(medications=(m,)), NOW) == (m,)) is on


def test_supplement_is_not_exposure():
    m = med(agent=None)
    assert bma_exposures(facts(medications=(m,)), NOW) == ()


def test_course_start_earliest_zoledronic_exposure():
    standing = med(agent=Agent.ZOLEDRONIC_ACID, start=ago(400))
    given = med("MedicationAdministration", "completed", agent=Agent.ZOLEDRONIC_ACID, start=ago(20))
    stale = med("MedicationRequest", "completed", agent=Agent.ZOLEDRONIC_ACID, start=ago(500))
    deno = med(start=ago(900))
    f = facts(medications=(standing, given, stale, deno))
    assert zoledronic_course_start(f, NOW) == ago(400)


def test_baseline_before_course_start():
    start = ago(60)
    f = facts(
        lab(Analyte.CREATININE, "0.8", at=start - timedelta(days=180)),
        lab(Analyte.CREATININE, "0.9", at=start - timedelta(days=10)),
        lab(Analyte.CREATININE, "1.5", at=ago(2)),
        medications=(med(agent=Agent.ZOLEDRONIC_ACID, start=start),),
    )
    baseline = creatinine_baseline(f, NOW)
    assert baseline is not None
    assert str(baseline.value) == "0.9"


def test_baseline_limited_to_180_days_before_start_then_fallback():
    start = ago(60)
    f = facts(
        lab(Analyte.CREATININE, "0.8", at=start - timedelta(days=181)),
        lab(Analyte.CREATININE, "1.0", at=ago(40)),
        lab(Analyte.CREATININE, "1.1", at=ago(30)),
        lab(Analyte.CREATININE, "1.5", at=ago(2)),
        medications=(med(agent=Agent.ZOLEDRONIC_ACID, start=start),),
    )
    baseline = creatinine_baseline(f, NOW)
    assert baseline is not None
    assert str(baseline.value) == "1.0"  # earliest in the 180 days before the current


def test_no_baseline_without_other_creatinine():
    f = facts(lab(Analyte.CREATININE, "1.5", at=ago(2)))
    assert creatinine_baseline(f, NOW) is None
