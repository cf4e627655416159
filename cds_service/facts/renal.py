"""Renal function for zoledronic acid dosing (clinical-knowledge §2 "Renal function", §4).

Cockcroft–Gault creatinine clearance from age (Patient.birthDate at `now`), sex
(× 0.85 unless Patient.gender is `male`), the current weight and the current serum
creatinine, both plain numbers. When it cannot be computed, a current eGFR stands in
(the card says so; an eGFR sent as "> 60" keeps its comparator). Otherwise renal
function is unknown — never assumed normal.

    >>> # (140 − 60) × 70 / (72 × 1.0) × 0.85 = 66.1 mL/min for a 60-year-old woman
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from cds_service.facts.labs import current_result, proves_greater, proves_less
from cds_service.facts.model import Analyte, LabResult, PatientFacts
from cds_service.knowledge import thresholds as th
from cds_service.knowledge.units import CANONICAL_UNIT

RenalBasis = Literal["crcl", "egfr", "unknown"]


@dataclass(frozen=True, slots=True)
class RenalFunction:
    """CrCl (or the eGFR standing in for it) with the inputs the card shows."""

    basis: RenalBasis
    value: Decimal | None  # mL/min (crcl) or mL/min/{1.73_m2} (egfr); None when unknown
    unit: str | None
    comparator: str | None  # only for an eGFR sent with one, e.g. "> 60"
    creatinine: LabResult | None
    weight: LabResult | None
    egfr: LabResult | None
    age_years: int | None
    sex_factor: Decimal | None  # 1 for male, 0.85 otherwise (crcl only)

    @property
    def known(self) -> bool:
        return self.basis != "unknown"

    def is_below(self, limit: Decimal) -> bool | None:
        """Proven < limit → True; proven ≥ limit → False; unknown or undecidable → None."""
        if self.value is None:
            return None
        if proves_less(self.value, self.comparator, limit):
            return True
        if proves_greater(self.value, self.comparator, limit, or_equal=True):
            return False
        return None


def age_in_years(birth_date: date, now: datetime) -> int:
    """Completed years at `now` (a 29 February birthday falls on 1 March)."""
    today = now.date()
    before_birthday = (today.month, today.day) < (birth_date.month, birth_date.day)
    return today.year - birth_date.year - int(before_birthday)


def cockcroft_gault(
    age_years: int, weight_kg: Decimal, creatinine_mg_dl: Decimal, *, male: bool
) -> Decimal:
    """(140 − age) × weight / (72 × creatinine), × 0.85 unless male (§2)."""
    crcl = (
        Decimal(th.COCKCROFT_GAULT_AGE_BASE - age_years)
        * weight_kg
        / (th.COCKCROFT_GAULT_DIVISOR * creatinine_mg_dl)
    )
    return crcl if male else crcl * th.COCKCROFT_GAULT_NON_MALE_FACTOR


def renal_function(facts: PatientFacts, now: datetime) -> RenalFunction:
    """CrCl when computable, else the current eGFR as a stated surrogate, else unknown."""
    creatinine = current_result(facts, Analyte.CREATININE, now)
    weight = current_result(facts, Analyte.WEIGHT, now)
    egfr = current_result(facts, Analyte.EGFR, now)
    patient = facts.patient
    age = (
        age_in_years(patient.birth_date, now)
        if patient is not None and patient.birth_date is not None
        else None
    )
    male = patient is not None and patient.gender == "male"
    factor = Decimal(1) if male else th.COCKCROFT_GAULT_NON_MALE_FACTOR
    if (
        age is not None
        and 0 <= age < th.COCKCROFT_GAULT_AGE_BASE
        and creatinine is not None
        and creatinine.is_numeric
        and creatinine.value is not None
        and creatinine.value > 0
        and weight is not None
        and weight.is_numeric
        and weight.value is not None
        and weight.value > 0
    ):
        crcl = cockcroft_gault(age, weight.value, creatinine.value, male=male)
        return RenalFunction(
            "crcl", crcl, th.CRCL_UNIT, None, creatinine, weight, egfr, age, factor
        )
    if egfr is not None and egfr.value is not None:
        return RenalFunction(
            "egfr",
            egfr.value,
            CANONICAL_UNIT[Analyte.EGFR],
            egfr.comparator,
            creatinine,
            weight,
            egfr,
            age,
            None,
        )
    return RenalFunction("unknown", None, None, None, creatinine, weight, None, age, None)
