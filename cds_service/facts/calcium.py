"""The calcium value a decision uses (clinical-knowledge §2 "Albumin-corrected calcium").

Precedence: a current ionized calcium, else a current lab-corrected calcium (46099-8,
29265-6), else the current total calcium corrected for a paired albumin (within
±72 h, only when albumin < 4.0 g/dL: never downward), else the total calcium as
measured.

    corrected Ca (mg/dL) = measured Ca (mg/dL) + 0.8 × (4.0 − albumin (g/dL))

Adding a constant keeps an inequality true, so a total calcium sent as "> 15.0" is
corrected to "> 15.0 + δ" and keeps its comparator.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from cds_service.facts.labs import current_result
from cds_service.facts.model import (
    Analyte,
    Flag,
    LabResult,
    PatientFacts,
    RangeSource,
    ReferenceRange,
)
from cds_service.facts.ranges import (
    HIGH_FLAGS,
    above_upper_limit,
    below_lower_limit,
    default_range,
)
from cds_service.knowledge import thresholds as th


class CalciumKind(StrEnum):
    IONIZED = "ionized"
    LAB_CORRECTED = "lab-corrected"
    ALBUMIN_CORRECTED = "albumin-corrected"
    TOTAL = "total"


_ANALYTE = {
    CalciumKind.IONIZED: Analyte.IONIZED_CALCIUM,
    CalciumKind.LAB_CORRECTED: Analyte.CORRECTED_CALCIUM,
    CalciumKind.ALBUMIN_CORRECTED: Analyte.TOTAL_CALCIUM,
    CalciumKind.TOTAL: Analyte.TOTAL_CALCIUM,
}


@dataclass(frozen=True, slots=True)
class CalciumValue:
    """The calcium value used, how it was obtained, and the range it is judged by.

    `reference_range` is the measured result's own range (converted), else the
    default (source DEFAULT). `flag` is the measured result's interpretation; for an
    albumin-corrected value only a high flag is kept (an upward correction keeps a
    high value high, but says nothing of a low or normal one).
    """

    kind: CalciumKind
    value: Decimal
    unit: str
    comparator: str | None
    time: datetime
    reference_range: ReferenceRange
    flag: Flag | None
    measured: LabResult
    albumin: LabResult | None

    @property
    def is_numeric(self) -> bool:
        return self.comparator is None

    @property
    def is_ionized(self) -> bool:
        return self.kind is CalciumKind.IONIZED


def paired_albumin(facts: PatientFacts, calcium: LabResult) -> LabResult | None:
    """The numeric albumin closest in time to `calcium`, at most 72 h away (later wins ties)."""
    candidates = [
        a
        for a in facts.results(Analyte.ALBUMIN)
        if a.is_numeric and abs(a.time - calcium.time) <= th.ALBUMIN_PAIRING
    ]
    if not candidates:
        return None
    return min(candidates, key=lambda a: (abs(a.time - calcium.time), -a.time.timestamp()))


def albumin_corrected(measured_mg_dl: Decimal, albumin_g_dl: Decimal) -> Decimal:
    """measured + 0.8 × (4.0 − albumin); caller ensures albumin < 4.0 g/dL."""
    return measured_mg_dl + th.ALBUMIN_CORRECTION_SLOPE * (
        th.ALBUMIN_CORRECTION_REFERENCE_G_DL - albumin_g_dl
    )


def _range_of(result: LabResult, kind: CalciumKind) -> ReferenceRange:
    if result.reference_range is not None:
        return result.reference_range
    default = default_range(_ANALYTE[kind])
    assert default is not None  # every calcium analyte has a cited default
    return default


def _value(kind: CalciumKind, result: LabResult, albumin: LabResult | None) -> CalciumValue:
    assert result.value is not None
    value = result.value
    flag = result.flag
    if albumin is not None:
        assert albumin.value is not None
        value = albumin_corrected(value, albumin.value)
        flag = flag if flag in HIGH_FLAGS else None
    return CalciumValue(
        kind=kind,
        value=value,
        unit=result.unit,
        comparator=result.comparator,
        time=result.time,
        reference_range=_range_of(result, kind),
        flag=flag,
        measured=result,
        albumin=albumin,
    )


def current_calcium(facts: PatientFacts, now: datetime) -> CalciumValue | None:
    """The calcium value for the decision, by §2 precedence; None without a current one."""
    ionized = current_result(facts, Analyte.IONIZED_CALCIUM, now)
    if ionized is not None:
        return _value(CalciumKind.IONIZED, ionized, None)
    lab_corrected = current_result(facts, Analyte.CORRECTED_CALCIUM, now)
    if lab_corrected is not None:
        return _value(CalciumKind.LAB_CORRECTED, lab_corrected, None)
    total = current_result(facts, Analyte.TOTAL_CALCIUM, now)
    if total is None:
        return None
    albumin = paired_albumin(facts, total)
    if (
        albumin is not None
        and albumin.value is not None
        and albumin.value < th.ALBUMIN_CORRECTION_REFERENCE_G_DL
    ):
        return _value(CalciumKind.ALBUMIN_CORRECTED, total, albumin)
    return _value(CalciumKind.TOTAL, total, None)


def _own_range(cv: CalciumValue) -> ReferenceRange | None:
    return cv.reference_range if cv.reference_range.source is RangeSource.RESULT else None


def is_above_upper_limit(cv: CalciumValue) -> bool:
    """Strictly above the upper limit (own range, else flag, else default; §2)."""
    return above_upper_limit(
        cv.value, cv.comparator, _own_range(cv), cv.flag, default_range(_ANALYTE[cv.kind])
    )


def is_below_lower_limit(cv: CalciumValue) -> bool:
    """Strictly below the lower limit (own range, else flag, else default; §2)."""
    return below_lower_limit(
        cv.value, cv.comparator, _own_range(cv), cv.flag, default_range(_ANALYTE[cv.kind])
    )
