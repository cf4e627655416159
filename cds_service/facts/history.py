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
    creatinine         now − 30 d − 180 d, or the earliest zoledronic acid start − 180 d

One day of slack is added to each, so a time read from the raw JSON and the same time
read from the validated resource can never fall on different sides of a horizon.
A reader that looks further back must widen its analyte here; tests/benchmarks holds
the guard (cards with and without horizons are the same on every scenario).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta

from cds_service.facts.labs import LOOKBACK_DAYS
from cds_service.facts.model import Agent, Analyte, MedicationFact
from cds_service.knowledge import thresholds as th

_SLACK = timedelta(days=1)
_CALCIUM = (Analyte.TOTAL_CALCIUM, Analyte.CORRECTED_CALCIUM, Analyte.IONIZED_CALCIUM)


def _days(days: int) -> timedelta:
    return timedelta(days=days)


def lab_horizons(
    now: datetime, medications: Iterable[MedicationFact]
) -> Mapping[Analyte, datetime]:
    """The earliest result time any rule reads, per analyte (see the module table)."""
    back = {analyte: _days(days) for analyte, days in LOOKBACK_DAYS.items()}
    for analyte in _CALCIUM:
        back[analyte] = max(back[analyte], _days(th.CALCIUM_MONITORING_LOOKBACK_DAYS))
    back[Analyte.ALBUMIN] = max(
        back[Analyte.ALBUMIN], _days(th.CALCIUM_LOOKBACK_DAYS) + th.ALBUMIN_PAIRING
    )
    baseline = _days(th.CREATININE_BASELINE_MAX_DAYS)
    back[Analyte.CREATININE] = back[Analyte.CREATININE] + baseline
    horizons = {analyte: now - delta - _SLACK for analyte, delta in back.items()}
    # The course start is the earliest zoledronic acid start among the exposures; any
    # zoledronic acid record's start is a superset of those, whatever its status.
    starts = [
        m.start for m in medications if m.agent is Agent.ZOLEDRONIC_ACID and m.start is not None
    ]
    if starts:
        horizons[Analyte.CREATININE] = min(
            horizons[Analyte.CREATININE], min(starts) - baseline - _SLACK
        )
    return horizons
