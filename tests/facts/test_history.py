"""Which lab result times a rule can read (`facts.history.lab_windows`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cds_service.facts.history import lab_windows
from cds_service.facts.model import Agent, Analyte, Intent, MedicationFact

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
COURSE_START = NOW - timedelta(days=730)  # zoledronic acid started two years ago


def zoledronic(start: datetime | None, *, status: str = "active") -> MedicationFact:
    """A zoledronic acid order: active, a standing order (the patient is on it)."""
    return MedicationFact(
        resource_type="MedicationRequest",
        resource_id="z",
        status=status,
        display="zoledronic acid 4 MG",
        agent=Agent.ZOLEDRONIC_ACID,
        supplements=frozenset(),
        intent=Intent.ONCOLOGY,
        dose_mg=None,
        start=start,
        end=None,
        for_hypercalcemia=False,
    )


@pytest.mark.parametrize(
    ("days_before_start", "read"),
    [
        (181, True),  # 180 days + the one day of slack
        (183, False),
        (180, True),  # the §3.5 baseline bound
        (0, True),  # on the start
        (-2, False),  # after the start, long before the recent horizon: no rule reads it
    ],
)
def test_creatinine_is_read_only_in_the_180_days_up_to_a_course_start(
    days_before_start: int, read: bool
) -> None:
    windows = lab_windows(NOW, [zoledronic(COURSE_START)])
    moment = COURSE_START - timedelta(days=days_before_start)
    assert windows.reads(Analyte.CREATININE, moment) is read


def test_recent_creatinine_reaches_back_30_plus_180_days() -> None:
    windows = lab_windows(NOW, [zoledronic(None)])
    assert windows.reads(Analyte.CREATININE, NOW - timedelta(days=210))
    assert not windows.reads(Analyte.CREATININE, NOW - timedelta(days=212))


def test_a_course_start_widens_creatinine_only() -> None:
    windows = lab_windows(NOW, [zoledronic(COURSE_START)])
    assert not windows.reads(Analyte.TOTAL_CALCIUM, COURSE_START)
    assert not windows.reads(Analyte.EGFR, COURSE_START)


def test_a_zoledronic_record_that_is_no_exposure_opens_no_baseline_window() -> None:
    # Completed two years ago: not "on zoledronic acid" (§3.4), so no course start.
    windows = lab_windows(NOW, [zoledronic(COURSE_START, status="completed")])
    assert not windows.reads(Analyte.CREATININE, COURSE_START - timedelta(days=10))
