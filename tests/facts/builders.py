"""Hand-built facts for tests: short constructors with sensible defaults."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from cds_service.facts.model import (
    Agent,
    Analyte,
    Flag,
    Intent,
    LabResult,
    MedicationFact,
    PatientFacts,
    PatientInfo,
    RangeSource,
    ReferenceRange,
)
from cds_service.knowledge.units import CANONICAL_UNIT

NOW = datetime(2026, 11, 21, 6, 0, tzinfo=UTC)


def ago(days: float = 0, hours: float = 0) -> datetime:
    return NOW - timedelta(days=days, hours=hours)


def lab(
    analyte: Analyte,
    value: str | None,
    *,
    at: datetime | None = None,
    comparator: str | None = None,
    low: str | None = None,
    high: str | None = None,
    flag: Flag | None = None,
    rid: str | None = None,
) -> LabResult:
    unit = CANONICAL_UNIT[analyte]
    rng = None
    if low is not None or high is not None:
        rng = ReferenceRange(
            Decimal(low) if low else None,
            Decimal(high) if high else None,
            unit,
            RangeSource.RESULT,
        )
    return LabResult(
        analyte=analyte,
        loinc="0000-0",
        time=at or ago(1),
        value=Decimal(value) if value is not None else None,
        unit=unit,
        comparator=comparator,
        reported=f"{value} {unit}",
        reference_range=rng,
        flag=flag,
        resource_id=rid,
    )


def med(
    resource_type: str = "MedicationRequest",
    status: str = "active",
    *,
    agent: Agent | None = Agent.DENOSUMAB,
    intent: Intent = Intent.ONCOLOGY,
    start: datetime | None = None,
    end: datetime | None = None,
    rid: str | None = None,
) -> MedicationFact:
    return MedicationFact(
        resource_type=resource_type,
        resource_id=rid,
        status=status,
        display="x",
        agent=agent,
        supplements=frozenset(),
        intent=intent,
        dose_mg=None,
        start=start,
        end=end,
        for_hypercalcemia=False,
    )


def facts(
    *labs: LabResult,
    medications: tuple[MedicationFact, ...] = (),
    birth_date: date | None = date(1966, 1, 1),
    gender: str = "female",
) -> PatientFacts:
    by: dict[Analyte, list[LabResult]] = {}
    for result in labs:
        by.setdefault(result.analyte, []).append(result)
    return PatientFacts(
        patient=PatientInfo(birth_date, gender, False),
        labs={a: tuple(sorted(rs, key=lambda r: r.time, reverse=True)) for a, rs in by.items()},
        conditions=(),
        medications=medications,
        imaging=(),
        dental=(),
    )
