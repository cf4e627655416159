"""How far back the rules read each analyte's results: older ones need not be validated.

Validating a FHIR resource costs some 60 times parsing it, and a patient's record
holds years of laboratory results of which the rules read weeks. Every reader of lab
history goes through `facts.labs` (the lookbacks of `current_result`,
`results_within`), `facts.calcium.paired_albumin` (±72 h of the current calcium) or
`facts.medications.creatinine_baseline` (180 days before the current creatinine, or
before the start of the zoledronic acid course — which may be years ago). So a result
dated before its analyte's horizon can change no finding:

    calcium (total, corrected, ionized), vitamin D, PTH, PTHrP   now − 30 d
    albumin            now − 30 d − 72 h  (paired with a 30-day calcium)
    ALP, bone ALP      now − 90 d
    weight             now − 180 d
    eGFR               now − 30 d
    creatinine         now − 30 d − 180 d; and before it, only [start − 180 d, start]
                       for the zoledronic acid course start (§3.5, as
                       `facts.medications.zoledronic_course_start` finds it)

One day of slack is added to each bound, so a time read from the raw JSON and the same
time read from the validated resource can never fall on different sides of one.
A reader that looks further back must widen its analyte here; tests/benchmarks holds
the guard (cards with and without horizons are the same on every scenario).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from cds_service.facts.labs import LOOKBACK_DAYS
from cds_service.facts.medications import course_start
from cds_service.facts.model import Analyte, MedicationFact
from cds_service.knowledge import thresholds as th

_SLACK = timedelta(days=1)
_CALCIUM = (Analyte.TOTAL_CALCIUM, Analyte.CORRECTED_CALCIUM, Analyte.IONIZED_CALCIUM)


def _days(days: int) -> timedelta:
    return timedelta(days=days)


@dataclass(frozen=True, slots=True)
class LabWindows:
    """When a rule can read a result: after its analyte's horizon, or (creatinine) in
    the 180 days up to the zoledronic acid course start (the §3.5 baseline)."""

    horizons: Mapping[Analyte, datetime]
    creatinine_baseline: tuple[datetime, datetime] | None = None  # (from, to)

    def reads(self, analyte: Analyte, moment: datetime) -> bool:
        if moment >= self.horizons[analyte]:
            return True
        window = self.creatinine_baseline
        return (
            analyte is Analyte.CREATININE
            and window is not None
            and window[0] <= moment <= window[1]
        )


def lab_windows(
    now: datetime, medications: Sequence[MedicationFact], start: datetime | None = None
) -> LabWindows:
    """The result times any rule reads, per analyte (see the module table).

    `start` is the zoledronic acid course start when the caller has it already.
    """
    back = {analyte: _days(days) for analyte, days in LOOKBACK_DAYS.items()}
    for analyte in _CALCIUM:
        back[analyte] = max(back[analyte], _days(th.CALCIUM_MONITORING_LOOKBACK_DAYS))
    back[Analyte.ALBUMIN] = max(
        back[Analyte.ALBUMIN], _days(th.CALCIUM_LOOKBACK_DAYS) + th.ALBUMIN_PAIRING
    )
    baseline = _days(th.CREATININE_BASELINE_MAX_DAYS)
    back[Analyte.CREATININE] = back[Analyte.CREATININE] + baseline
    horizons = {analyte: now - delta - _SLACK for analyte, delta in back.items()}
    # §3.5 looks for the baseline in the 180 days up to the course start, which is
    # computed as `creatinine_baseline` computes it, from the same medication facts.
    start = start or course_start(medications, now)
    if start is None:
        return LabWindows(horizons)
    return LabWindows(horizons, (start - baseline - _SLACK, start + _SLACK))
