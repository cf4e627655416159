"""Typed clinical facts: what the rules read, already in canonical units.

The facts layer turns FHIR R4 resources into these immutable values; rules never
see FHIR JSON. Quantities are `Decimal` in the canonical unit of their analyte
(`knowledge.units.CANONICAL_UNIT`); times are timezone-aware UTC datetimes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum


class Analyte(StrEnum):
    TOTAL_CALCIUM = "total-calcium"
    CORRECTED_CALCIUM = "corrected-calcium"  # reported corrected by the lab
    IONIZED_CALCIUM = "ionized-calcium"
    ALP = "alkaline-phosphatase"
    BONE_ALP = "bone-specific-alkaline-phosphatase"
    ALBUMIN = "albumin"
    CREATININE = "creatinine"
    EGFR = "egfr"
    WEIGHT = "body-weight"
    VITAMIN_D = "25-oh-vitamin-d"
    PTH = "pth"
    PTHRP = "pthrp"


class RangeSource(StrEnum):
    RESULT = "result"  # the Observation's own referenceRange
    DEFAULT = "default"  # the service's cited default (knowledge.thresholds)


class Flag(StrEnum):
    """Observation.interpretation, reduced to what the rules use."""

    HIGH = "high"  # H, HU, >
    CRITICAL_HIGH = "critical-high"  # HH
    LOW = "low"  # L, LU, <
    CRITICAL_LOW = "critical-low"  # LL
    NORMAL = "normal"  # N


@dataclass(frozen=True, slots=True)
class ReferenceRange:
    low: Decimal | None
    high: Decimal | None
    unit: str
    source: RangeSource


@dataclass(frozen=True, slots=True)
class LabResult:
    """One usable-status (final/amended/corrected) laboratory Observation."""

    analyte: Analyte
    loinc: str
    time: datetime
    value: Decimal | None  # canonical unit; None with dataAbsentReason or no valueQuantity
    unit: str  # canonical unit of the analyte
    comparator: str | None  # '<', '<=', '>', '>=' as sent
    reported: str  # the value as the lab sent it, e.g. "2.65 mmol/L", for the card
    reference_range: ReferenceRange | None  # the result's own, converted; None if absent
    flag: Flag | None
    resource_id: str | None

    @property
    def is_numeric(self) -> bool:
        """A plain number: usable for thresholds on both sides."""
        return self.value is not None and self.comparator is None


class ConditionKind(StrEnum):
    BREAST_CANCER = "breast-cancer"  # incl. personal history (Z85.3, 415076002)
    BONE_METASTASIS = "bone-metastasis"
    BONE_PAIN = "bone-pain"
    PATHOLOGICAL_FRACTURE = "pathological-fracture"
    CORD_COMPRESSION_NEOPLASTIC = "cord-compression-neoplastic"  # §3.3 (a)
    CORD_COMPRESSION_UNSTATED = "cord-compression-unstated"  # §3.3 (b)
    BACK_PAIN = "back-pain"
    NEURO_RED_FLAG = "neurological-red-flag"
    HYPERCALCEMIA = "hypercalcemia"


@dataclass(frozen=True, slots=True)
class ConditionFact:
    """A Condition that is not refuted or entered-in-error, classified by kind."""

    kinds: frozenset[ConditionKind]
    display: str
    code: str  # "system|code" of the coding that classified it
    active: bool  # clinicalStatus active / recurrence / relapse, or absent
    date: datetime | None  # onset (dateTime or period start), else recordedDate
    resource_id: str | None


class Agent(StrEnum):
    DENOSUMAB = "denosumab"
    ZOLEDRONIC_ACID = "zoledronic-acid"
    PAMIDRONATE = "pamidronate"
    IBANDRONATE = "ibandronate"
    ALENDRONATE = "alendronate"
    RISEDRONATE = "risedronate"
    ETIDRONATE = "etidronate"


class Intent(StrEnum):
    ONCOLOGY = "oncology"
    OSTEOPOROSIS = "osteoporosis"
    UNKNOWN = "unknown"


class Supplement(StrEnum):
    CALCIUM = "calcium"
    VITAMIN_D = "vitamin-d"


@dataclass(frozen=True, slots=True)
class MedicationFact:
    """A MedicationRequest / MedicationStatement / MedicationAdministration of interest."""

    resource_type: str
    resource_id: str | None
    status: str
    display: str
    agent: Agent | None  # a bone-modifying agent, or None for a supplement
    supplements: frozenset[Supplement]
    intent: Intent
    dose_mg: Decimal | None
    start: datetime | None  # authoredOn / effective start / dateAsserted (§2 medication dates)
    end: datetime | None  # effectivePeriod.end; None means ongoing or not given
    for_hypercalcemia: bool  # reasonCode / reasonReference names hypercalcemia


class ImagingKind(StrEnum):
    BONE_SCAN = "bone-scan"
    PET_CT = "fdg-pet-ct"
    SPINE_MRI = "whole-spine-mri"


@dataclass(frozen=True, slots=True)
class ImagingFact:
    """Bone imaging documented by a Procedure, DiagnosticReport or ImagingStudy."""

    kind: ImagingKind
    time: datetime | None
    resource_type: str
    resource_id: str | None
    display: str


@dataclass(frozen=True, slots=True)
class DentalCareFact:
    """A dental consultation, referral or encounter (order-sign §6)."""

    time: datetime | None
    resource_type: str
    resource_id: str | None
    display: str


@dataclass(frozen=True, slots=True)
class PatientInfo:
    birth_date: date | None
    gender: str  # male | female | other | unknown (absent → unknown)
    deceased: bool


class ExclusionReason(StrEnum):
    INVALID_RESOURCE = "invalid-resource"  # failed fhir.resources validation
    UNKNOWN_UNIT = "unknown-unit"  # a unit the service cannot convert
    FUTURE_DATE = "future-date"  # dated beyond now + 1 day
    NO_DATE = "no-date"  # a result with no usable time


@dataclass(frozen=True, slots=True)
class ExcludedData:
    """Data the service saw but could not use; shown on cards and logged."""

    resource_type: str
    resource_id: str | None
    reason: ExclusionReason
    detail: str  # human-readable, no patient identifiers


@dataclass(frozen=True, slots=True)
class PatientFacts:
    patient: PatientInfo | None
    labs: dict[Analyte, tuple[LabResult, ...]]  # each newest first
    conditions: tuple[ConditionFact, ...]
    medications: tuple[MedicationFact, ...]
    imaging: tuple[ImagingFact, ...]
    dental: tuple[DentalCareFact, ...]
    excluded: tuple[ExcludedData, ...] = ()
    missing: frozenset[str] = field(default_factory=frozenset)  # prefetch keys with no data

    def results(self, analyte: Analyte) -> tuple[LabResult, ...]:
        return self.labs.get(analyte, ())
