"""Windows, current results and comparator-aware comparisons (clinical-knowledge §2).

>>> from datetime import UTC, datetime
>>> now = datetime(2026, 11, 21, tzinfo=UTC)
>>> within_last(datetime(2026, 10, 22, tzinfo=UTC), now, 30)
True
>>> proves_greater(Decimal("14.0"), ">", Decimal("14.0"))
True
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from decimal import Decimal

from cds_service.facts.model import Analyte, LabResult, PatientFacts
from cds_service.knowledge import thresholds as th

LOOKBACK_DAYS: Mapping[Analyte, int] = {
    Analyte.TOTAL_CALCIUM: th.CALCIUM_LOOKBACK_DAYS,
    Analyte.CORRECTED_CALCIUM: th.CALCIUM_LOOKBACK_DAYS,
    Analyte.IONIZED_CALCIUM: th.CALCIUM_LOOKBACK_DAYS,
    Analyte.ALBUMIN: th.ALBUMIN_LOOKBACK_DAYS,
    Analyte.CREATININE: th.CREATININE_LOOKBACK_DAYS,
    Analyte.EGFR: th.EGFR_LOOKBACK_DAYS,
    Analyte.ALP: th.ALP_LOOKBACK_DAYS,
    Analyte.BONE_ALP: th.ALP_LOOKBACK_DAYS,
    Analyte.WEIGHT: th.WEIGHT_LOOKBACK_DAYS,
    Analyte.VITAMIN_D: th.WORKUP_LOOKBACK_DAYS,
    Analyte.PTH: th.WORKUP_LOOKBACK_DAYS,
    Analyte.PTHRP: th.WORKUP_LOOKBACK_DAYS,
}

_HIGH_SIDE = frozenset({">", ">="})
_LOW_SIDE = frozenset({"<", "<="})


def within_last(time: datetime | None, now: datetime, days: int) -> bool:
    """§2: now − days × 24 h ≤ time ≤ now + 1 day, both ends included; None is never."""
    if time is None:
        return False
    return now - timedelta(days=days) <= time <= now + th.FUTURE_TOLERANCE


def is_future(time: datetime, now: datetime) -> bool:
    """§2: a result dated beyond now + 1 day is ignored and reported."""
    return time > now + th.FUTURE_TOLERANCE


def results_within(
    facts: PatientFacts, analyte: Analyte, now: datetime, days: int
) -> tuple[LabResult, ...]:
    """Results of `analyte` dated within the last `days` days, newest first."""
    found = [r for r in facts.results(analyte) if within_last(r.time, now, days)]
    return tuple(sorted(found, key=lambda r: r.time, reverse=True))


def current_result(facts: PatientFacts, analyte: Analyte, now: datetime) -> LabResult | None:
    """The most recent result of `analyte` in its lookback that carries a value.

    A result with a comparator is returned (it can still prove one side, see
    `proves_greater`); the caller checks `LabResult.is_numeric` where it needs a number.
    """
    for result in results_within(facts, analyte, now, LOOKBACK_DAYS[analyte]):
        if result.value is not None:
            return result
    return None


def proves_greater(
    value: Decimal | None, comparator: str | None, limit: Decimal, *, or_equal: bool = False
) -> bool:
    """Does a result prove the true value is > `limit` (≥ with `or_equal`)?

    A plain number is compared as is. `>` v proves > limit when v ≥ limit; `>=` v
    proves > limit when v > limit (and ≥ limit when v ≥ limit). `<`/`<=` prove nothing
    on the high side (§2).
    """
    if value is None:
        return False
    if comparator is None:
        return value >= limit if or_equal else value > limit
    if comparator == ">":
        return value >= limit
    if comparator == ">=":
        return value >= limit if or_equal else value > limit
    return False


def proves_less(
    value: Decimal | None, comparator: str | None, limit: Decimal, *, or_equal: bool = False
) -> bool:
    """Does a result prove the true value is < `limit` (≤ with `or_equal`)? Mirror of
    `proves_greater`: `<` v proves < limit when v ≤ limit; `>`/`>=` prove nothing."""
    if value is None:
        return False
    if comparator is None:
        return value <= limit if or_equal else value < limit
    if comparator == "<":
        return value <= limit
    if comparator == "<=":
        return value <= limit if or_equal else value < limit
    return False


def has_high_side_comparator(result: LabResult) -> bool:
    return result.comparator in _HIGH_SIDE


def has_low_side_comparator(result: LabResult) -> bool:
    return result.comparator in _LOW_SIDE
