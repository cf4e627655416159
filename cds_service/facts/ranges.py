"""Reference limits of a result: its own range, else its interpretation, else defaults.

clinical-knowledge §2 "Reference ranges": use the result's own referenceRange
(converted to the canonical unit); if there is none, Observation.interpretation; if
neither, the cited defaults of `knowledge.thresholds`. Applied per side: a range with
only a low limit says nothing about the high side, so the high side falls back to the
interpretation, then to the default. "Above the upper limit" is strictly greater,
"below the lower limit" strictly less; comparators count only in the direction they
prove (`proves_greater` / `proves_less`).
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from cds_service.facts.labs import proves_greater, proves_less
from cds_service.facts.model import Analyte, Flag, LabResult, RangeSource, ReferenceRange
from cds_service.knowledge import thresholds as th

HIGH_FLAGS = frozenset({Flag.HIGH, Flag.CRITICAL_HIGH})
LOW_FLAGS = frozenset({Flag.LOW, Flag.CRITICAL_LOW})

_DEFAULTS: Mapping[Analyte, th.DefaultRange] = {
    Analyte.TOTAL_CALCIUM: th.TOTAL_CALCIUM_DEFAULT_RANGE,
    Analyte.CORRECTED_CALCIUM: th.TOTAL_CALCIUM_DEFAULT_RANGE,
    Analyte.IONIZED_CALCIUM: th.IONIZED_CALCIUM_DEFAULT_RANGE,
    Analyte.ALP: th.ALP_DEFAULT_RANGE,
    Analyte.ALBUMIN: th.ALBUMIN_DEFAULT_RANGE,
}


def default_range(analyte: Analyte) -> ReferenceRange | None:
    """The cited default range of `analyte`, or None (e.g. bone-specific ALP)."""
    default = _DEFAULTS.get(analyte)
    if default is None:
        return None
    return ReferenceRange(default.low, default.high, default.unit, RangeSource.DEFAULT)


def default_range_source(analyte: Analyte) -> str | None:
    """The citation of the default range, for the card."""
    default = _DEFAULTS.get(analyte)
    return default.source if default else None


def above_upper_limit(
    value: Decimal | None,
    comparator: str | None,
    own: ReferenceRange | None,
    flag: Flag | None,
    default: ReferenceRange | None,
) -> bool:
    """Strictly above the upper limit, choosing the limit as §2 says (see module doc)."""
    if own is not None and own.high is not None:
        return proves_greater(value, comparator, own.high)
    if flag is not None:
        return flag in HIGH_FLAGS
    if default is not None and default.high is not None:
        return proves_greater(value, comparator, default.high)
    return False


def below_lower_limit(
    value: Decimal | None,
    comparator: str | None,
    own: ReferenceRange | None,
    flag: Flag | None,
    default: ReferenceRange | None,
) -> bool:
    """Strictly below the lower limit, choosing the limit as §2 says (see module doc)."""
    if own is not None and own.low is not None:
        return proves_less(value, comparator, own.low)
    if flag is not None:
        return flag in LOW_FLAGS
    if default is not None and default.low is not None:
        return proves_less(value, comparator, default.low)
    return False


def result_above_upper_limit(result: LabResult) -> bool:
    """E.g. §3.2 trigger 1: current ALP (total or bone-specific) above its upper limit."""
    return above_upper_limit(
        result.value,
        result.comparator,
        result.reference_range,
        result.flag,
        default_range(result.analyte),
    )


def result_below_lower_limit(result: LabResult) -> bool:
    return below_lower_limit(
        result.value,
        result.comparator,
        result.reference_range,
        result.flag,
        default_range(result.analyte),
    )


def upper_limit(result: LabResult) -> ReferenceRange | None:
    """The range whose numeric `high` applies to `result`: its own, else the default.

    For multiples of the ULN (§3.2 "total ALP > 2.5 × ULN", which needs a numeric value
    and limit: a flag alone does not show it). None when no numeric high is known.
    """
    own = result.reference_range
    if own is not None and own.high is not None:
        return own
    default = default_range(result.analyte)
    if default is not None and default.high is not None:
        return default
    return None
