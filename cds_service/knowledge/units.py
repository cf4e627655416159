"""Canonical units per analyte and exact conversions into them (clinical-knowledge §2).

    >>> to_canonical("total-calcium", Decimal("2.38"), unit="mmol/L")
    Decimal('9.53904')
    >>> to_canonical("total-calcium", Decimal("9.5"), unit="MG/DL")
    Decimal('9.5')
    >>> to_canonical("total-calcium", Decimal("9.5"), unit="mg")
    Traceback (most recent call last):
    ...
    cds_service.knowledge.units.UnknownUnit: unit 'mg' is not a known unit of total-calcium

Keys are the analyte string values (the `facts.model.Analyte` values): knowledge
imports nothing from the service.

**Matching a unit.** A Quantity's UCUM code (system `http://unitsofmeasure.org`, or
no system) is tried first, then its human-readable `unit`. Each analyte accepts a
closed list of spellings; a spelling is compared after removing spaces, writing the
micro sign (µ U+00B5, μ U+03BC) as `u`, and folding case. UCUM itself is
case-sensitive (`mL` millilitre, `ML` is not valid case-sensitive UCUM), but it also
defines a case-insensitive form in which `MG/DL` is mg/dL and `UMOL/L` µmol/L, and
within one analyte's closed list no two spellings fold to the same key with a
different meaning (checked at import: `_build` raises on such a collision). So case
folding is unambiguous here, and a unit outside the list is refused (`UnknownUnit`),
never converted by guess.

**Factors** (exact Decimals; the source of each is beside it). Calcium: molar mass
40.078 g/mol, so mmol/L × 4.008 = mg/dL (the §2 factor, 0.02 % from 4.0078) and
mEq/L × 2.004 (calcium is divalent); ionized calcium is canonical in mmol/L, and a
mass result is divided by the same 4.008 so both directions agree.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

UCUM_SYSTEM = "http://unitsofmeasure.org"


class UnknownUnit(ValueError):
    """A unit the service cannot convert for this analyte; the result is not used."""


CANONICAL_UNIT: Mapping[str, str] = {
    "total-calcium": "mg/dL",
    "corrected-calcium": "mg/dL",
    "ionized-calcium": "mmol/L",
    "alkaline-phosphatase": "U/L",
    "bone-specific-alkaline-phosphatase": "U/L",
    "albumin": "g/dL",
    "creatinine": "mg/dL",
    "egfr": "mL/min/{1.73_m2}",
    "body-weight": "kg",
    "25-oh-vitamin-d": "ng/mL",
    "pth": "pg/mL",
    "pthrp": "pmol/L",
}

_ONE = Decimal(1)
# §2: mmol/L × 4.008 = mg/dL (molar mass of calcium 40.078 g/mol); mEq/L × 2.004.
_CA_MMOL_TO_MG_DL = Decimal("4.008")
_CA_MEQ_TO_MG_DL = Decimal("2.004")
# §2: creatinine µmol/L ÷ 88.42 = mg/dL (molar mass 113.12 g/mol).
_CREATININE_UMOL_PER_MG_DL = Decimal("88.42")
# Avoirdupois pound, exact by definition (UCUM [lb_av] = 0.45359237 kg).
_KG_PER_LB = Decimal("0.45359237")
# 25-OH vitamin D: 1 ng/mL = 2.496 nmol/L (molar mass of 25-OH-D3 400.64 g/mol; the
# factor laboratories and the Vitamin D Standardization Program use).
_VITD_NMOL_PER_NG_ML = Decimal("2.496")

_MASS_CA = {"mg/dL": _ONE, "mg/dl": _ONE, "mmol/L": _CA_MMOL_TO_MG_DL, "mEq/L": _CA_MEQ_TO_MG_DL}
_EGFR_SPELLINGS = (
    "mL/min/{1.73_m2}",
    "mL/min/1.73_m2",
    "mL/min/1.73m2",
    "mL/min/{1.73m2}",
    "mL/min/1.73m^2",
    "mL/min/1.73m²",
    "mL/min/[1.73_m2]",
    "mL/min/1.73 m2",
    # The eGFR LOINC codes are by definition normalised to 1.73 m² body surface, and
    # many systems (Synthea among them) write the unit as plain "mL/min": same number.
    "mL/min",
)

# analyte → spelling → factor to multiply by to get the canonical unit. A factor given
# as a (numerator, divisor) pair divides, so that e.g. µmol/L ÷ 88.42 stays exact.
_Factor = Decimal | tuple[Decimal, Decimal]
_SPELLINGS: Mapping[str, Mapping[str, _Factor]] = {
    "total-calcium": _MASS_CA,
    "corrected-calcium": _MASS_CA,
    "ionized-calcium": {
        "mmol/L": _ONE,
        "mEq/L": Decimal("0.5"),  # divalent
        "mg/dL": (_ONE, _CA_MMOL_TO_MG_DL),  # §2: mg/dL × 0.2495 ≈ ÷ 4.008
    },
    # §2: µkat/L × 60 = U/L; IU/L and [IU]/L are treated as U/L (enzyme activity).
    "alkaline-phosphatase": {
        "U/L": _ONE,
        "[IU]/L": _ONE,
        "IU/L": _ONE,
        "ukat/L": Decimal(60),
    },
    "bone-specific-alkaline-phosphatase": {
        "U/L": _ONE,
        "[IU]/L": _ONE,
        "IU/L": _ONE,
        "ukat/L": Decimal(60),
    },
    "albumin": {"g/dL": _ONE, "g/L": (_ONE, Decimal(10))},  # §2: g/L ÷ 10
    "creatinine": {
        "mg/dL": _ONE,
        "umol/L": (_ONE, _CREATININE_UMOL_PER_MG_DL),
        "mmol/L": (Decimal(1000), _CREATININE_UMOL_PER_MG_DL),  # 1 mmol = 1000 µmol
    },
    "egfr": dict.fromkeys(_EGFR_SPELLINGS, _ONE),
    "body-weight": {
        "kg": _ONE,
        "g": (_ONE, Decimal(1000)),
        "[lb_av]": _KG_PER_LB,
        "lb": _KG_PER_LB,
        "lbs": _KG_PER_LB,
    },
    "25-oh-vitamin-d": {
        "ng/mL": _ONE,
        "ug/L": _ONE,  # same quantity
        "nmol/L": (_ONE, _VITD_NMOL_PER_NG_ML),
    },
    "pth": {"pg/mL": _ONE, "ng/L": _ONE},  # same quantity
    "pthrp": {"pmol/L": _ONE},
}


def unit_key(spelling: str) -> str:
    """The comparison key of a unit spelling: no spaces, micro as `u`, case folded."""
    return (
        spelling.strip().replace(" ", "").replace("\u00b5", "u").replace("\u03bc", "u").casefold()
    )


def _build() -> dict[str, dict[str, _Factor]]:
    table: dict[str, dict[str, _Factor]] = {}
    for analyte, spellings in _SPELLINGS.items():
        keyed: dict[str, _Factor] = {}
        for spelling, factor in spellings.items():
            key = unit_key(spelling)
            if key in keyed and keyed[key] != factor:
                raise RuntimeError(f"ambiguous unit spelling {spelling!r} for {analyte}")
            keyed[key] = factor
        table[analyte] = keyed
    return table


_TABLE = _build()


def accepted_units(analyte: str) -> tuple[str, ...]:
    """The spellings accepted for `analyte` (before case folding), for messages and tests."""
    return tuple(_SPELLINGS.get(analyte, {}))


def _factor(analyte: str, code: str | None, system: str | None, unit: str | None) -> _Factor:
    table = _TABLE.get(analyte)
    if table is None:
        raise UnknownUnit(f"no unit table for {analyte}")
    candidates: list[str] = []
    if code and (system is None or system == UCUM_SYSTEM):
        candidates.append(code)
    if unit:
        candidates.append(unit)
    for candidate in candidates:
        factor = table.get(unit_key(candidate))
        if factor is not None:
            return factor
    shown = code or unit or ""
    raise UnknownUnit(f"unit {shown!r} is not a known unit of {analyte}")


def to_canonical(
    analyte: str,
    value: Decimal,
    *,
    unit: str | None = None,
    code: str | None = None,
    system: str | None = None,
) -> Decimal:
    """`value` in the canonical unit of `analyte`; raises `UnknownUnit` if not convertible.

    A quantity without any unit is refused too: a bare number has no unit to trust.
    """
    factor = _factor(analyte, code, system, unit)
    if isinstance(factor, tuple):
        numerator, divisor = factor
        return value * numerator / divisor
    return value * factor
