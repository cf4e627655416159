"""Who is "on a BMA", and the zoledronic acid course (clinical-knowledge §3.4, §3.5).

On a bone-modifying agent (§3.4; any intent here — callers filter by `Intent`):

- MedicationRequest active or on-hold (whatever its authoredOn: standing orders
  count), or completed with authoredOn in the last 16 weeks;
- MedicationStatement active or on-hold (whatever its date), or completed with its
  effective time in the last 16 weeks;
- MedicationAdministration completed or in-progress in the last 16 weeks.

No other status counts. Dates (§2 "Medication dates") as the facts layer stores them
in `MedicationFact`: `start` is authoredOn (request), the effective start
(administration), or for a statement effectiveDateTime / effectivePeriod.start /
dateAsserted; `end` is, for a statement, effectivePeriod.end, or the same instant as
`start` when the statement is dated by a single time (effectiveDateTime or
dateAsserted). So a statement with `start` and no `end` is an ongoing period, which
is within any window it has begun by.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from cds_service.facts.labs import current_result, within_last
from cds_service.facts.model import (
    Agent,
    Analyte,
    LabResult,
    MedicationFact,
    PatientFacts,
)
from cds_service.knowledge import thresholds as th

STANDING_STATUSES = {
    "MedicationRequest": frozenset({"active", "on-hold"}),
    "MedicationStatement": frozenset({"active", "on-hold"}),
    "MedicationAdministration": frozenset(),
}
RECENT_STATUSES = {
    "MedicationRequest": frozenset({"completed"}),
    "MedicationStatement": frozenset({"completed"}),
    "MedicationAdministration": frozenset({"completed", "in-progress"}),
}
_STANDING = STANDING_STATUSES
_RECENT = RECENT_STATUSES


def window_time(medication: MedicationFact, now: datetime) -> datetime | None:
    """The time tested against a window: a statement's end (ongoing → now), else start."""
    return window_time_of(medication.resource_type, medication.start, medication.end, now)


def window_time_of(
    kind: str, start: datetime | None, end: datetime | None, now: datetime
) -> datetime | None:
    """`window_time` from a record's type and dates (`facts.medication_records` tests
    raw records with it before validating them)."""
    if kind == "MedicationStatement":
        if end is not None:
            return end
        if start is not None and start <= now + th.FUTURE_TOLERANCE:
            return now  # an effectivePeriod without end: ongoing
        return None
    return start


def is_exposure(medication: MedicationFact, now: datetime) -> bool:
    """Does this bone-modifying-agent record make the patient "on a BMA" (§3.4)?"""
    if medication.agent is None:
        return False
    kind = medication.resource_type
    if medication.status in _STANDING.get(kind, frozenset()):
        return True
    if medication.status in _RECENT.get(kind, frozenset()):
        return within_last(window_time(medication, now), now, th.BMA_COMPLETED_LOOKBACK_DAYS)
    return False


def bma_exposures(facts: PatientFacts, now: datetime) -> tuple[MedicationFact, ...]:
    """The BMA records that make the patient "on a BMA", any intent (§3.4, §3.5)."""
    return tuple(m for m in facts.medications if is_exposure(m, now))


def zoledronic_course_start(facts: PatientFacts, now: datetime) -> datetime | None:
    """§3.5: the earliest start among the zoledronic acid records of `bma_exposures`
    (a standing order's authoredOn included); None when none has a date."""
    return course_start(facts.medications, now)


def course_start(medications: Iterable[MedicationFact], now: datetime) -> datetime | None:
    """`zoledronic_course_start` from the medication facts alone (`facts.history` needs
    it before the lab results are read)."""
    starts = [
        m.start
        for m in medications
        if m.agent is Agent.ZOLEDRONIC_ACID and m.start is not None and is_exposure(m, now)
    ]
    return min(starts) if starts else None


def creatinine_baseline(facts: PatientFacts, now: datetime) -> LabResult | None:
    """§3.5 baseline creatinine for the current zoledronic acid course.

    The latest numeric creatinine on or before the course start, at most 180 days
    before it; if none, the earliest numeric creatinine in the 180 days before the
    current one (excluding the current one itself). None without a current numeric
    creatinine or without a baseline.
    """
    current = current_result(facts, Analyte.CREATININE, now)
    if current is None or not current.is_numeric:
        return None
    numeric = [r for r in facts.results(Analyte.CREATININE) if r.is_numeric]
    limit = timedelta(days=th.CREATININE_BASELINE_MAX_DAYS)
    start = zoledronic_course_start(facts, now)
    if start is not None:
        before_start = [r for r in numeric if start - limit <= r.time <= start]
        if before_start:
            return max(before_start, key=lambda r: r.time)
    before_current = [
        r for r in numeric if current.time - limit <= r.time < current.time and r is not current
    ]
    if before_current:
        return min(before_current, key=lambda r: r.time)
    return None
