"""Hand-built PatientFacts for rule and card tests: every value in its canonical unit.

Times are given as days before `NOW`, so scenarios read like the clinical text
("calcium 2 days ago", "bone pain 91 days ago").
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from cds_service.facts.model import (
    Agent,
    Analyte,
    ConditionFact,
    ConditionKind,
    DentalCareFact,
    ExcludedData,
    ExclusionReason,
    Flag,
    ImagingFact,
    ImagingKind,
    Intent,
    LabResult,
    MedicationFact,
    PatientFacts,
    PatientInfo,
    RangeSource,
    ReferenceRange,
)
from cds_service.knowledge.units import CANONICAL_UNIT

NOW = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)

LOINC = {
    Analyte.TOTAL_CALCIUM: "17861-6",
    Analyte.CORRECTED_CALCIUM: "46099-8",
    Analyte.IONIZED_CALCIUM: "1995-0",
    Analyte.ALP: "6768-6",
    Analyte.BONE_ALP: "1777-2",
    Analyte.ALBUMIN: "1751-7",
    Analyte.CREATININE: "2160-0",
    Analyte.EGFR: "98979-8",
    Analyte.WEIGHT: "29463-7",
    Analyte.VITAMIN_D: "62292-8",
    Analyte.PTH: "2731-8",
    Analyte.PTHRP: "2729-2",
}


def ago(days: float) -> datetime:
    return NOW - timedelta(days=days)


def lab(
    analyte: Analyte,
    value: str | None,
    days_ago: float = 1,
    *,
    comparator: str | None = None,
    low: str | None = None,
    high: str | None = None,
    flag: Flag | None = None,
) -> LabResult:
    unit = CANONICAL_UNIT[analyte]
    own = (
        ReferenceRange(
            Decimal(low) if low else None,
            Decimal(high) if high else None,
            unit,
            RangeSource.RESULT,
        )
        if low or high
        else None
    )
    return LabResult(
        analyte=analyte,
        loinc=LOINC[analyte],
        time=ago(days_ago),
        value=Decimal(value) if value is not None else None,
        unit=unit,
        comparator=comparator,
        reported=f"{comparator or ''}{value} {unit}",
        reference_range=own,
        flag=flag,
        resource_id=f"obs-{analyte}-{days_ago}",
    )


def condition(
    *kinds: ConditionKind,
    days_ago: float | None = 5,
    active: bool = True,
    display: str | None = None,
) -> ConditionFact:
    return ConditionFact(
        kinds=frozenset(kinds),
        display=display or " / ".join(k.value for k in kinds),
        code="http://snomed.info/sct|0000",
        active=active,
        date=ago(days_ago) if days_ago is not None else None,
        resource_id=f"cond-{'-'.join(kinds)}",
    )


def med(
    agent: Agent,
    intent: Intent = Intent.ONCOLOGY,
    *,
    resource_type: str = "MedicationRequest",
    status: str = "active",
    dose_mg: str | None = None,
    days_ago: float | None = 10,
    end_days_ago: float | None = None,
) -> MedicationFact:
    return MedicationFact(
        resource_type=resource_type,
        resource_id=f"med-{agent}",
        status=status,
        display=f"{agent} {dose_mg or ''} mg",
        agent=agent,
        supplements=frozenset(),
        intent=intent,
        dose_mg=Decimal(dose_mg) if dose_mg else None,
        start=ago(days_ago) if days_ago is not None else None,
        end=ago(end_days_ago) if end_days_ago is not None else None,
        for_hypercalcemia=False,
    )


def imaging(kind: ImagingKind, days_ago: float | None) -> ImagingFact:
    return ImagingFact(
        kind=kind,
        time=ago(days_ago) if days_ago is not None else None,
        resource_type="Procedure",
        resource_id=f"img-{kind}",
        display=kind.value,
    )


def dental(days_ago: float) -> DentalCareFact:
    return DentalCareFact(
        time=ago(days_ago), resource_type="Procedure", resource_id="dental", display="Dental"
    )


BREAST_CANCER = condition(ConditionKind.BREAST_CANCER, days_ago=900, active=False)
BONE_METASTASIS = condition(ConditionKind.BONE_METASTASIS, days_ago=40)
UNKNOWN_UNIT = ExcludedData(
    "Observation", "obs-x", ExclusionReason.UNKNOWN_UNIT, "calcium in mg/L? [unit 'mg%']"
)


def facts(
    *,
    labs: Iterable[LabResult] = (),
    conditions: Iterable[ConditionFact] = (BREAST_CANCER,),
    meds: Iterable[MedicationFact] = (),
    images: Iterable[ImagingFact] = (),
    dental_care: Iterable[DentalCareFact] = (),
    birth_date: date | None = date(1960, 6, 1),
    gender: str = "female",
    deceased: bool = False,
    excluded: Iterable[ExcludedData] = (),
) -> PatientFacts:
    grouped: dict[Analyte, list[LabResult]] = defaultdict(list)
    for result in labs:
        grouped[result.analyte].append(result)
    return PatientFacts(
        patient=PatientInfo(birth_date=birth_date, gender=gender, deceased=deceased),
        labs={
            a: tuple(sorted(rs, key=lambda r: r.time, reverse=True)) for a, rs in grouped.items()
        },
        conditions=tuple(conditions),
        medications=tuple(meds),
        imaging=tuple(images),
        dental=tuple(dental_care),
        excluded=tuple(excluded),
    )
