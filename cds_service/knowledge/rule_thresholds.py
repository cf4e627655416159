"""Numbers and order codes the patient-view rules and cards need that the other
knowledge modules do not (yet) hold.

Kept apart so the modules could be written in parallel; each constant names its source
and unit, as in `thresholds.py`. Candidates to move to `thresholds.py` / `codes.py`.
Like the rest of `knowledge`, this module imports nothing from the service: orderables
are keyed by the string values of `rules.findings.Orderable`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

# --- numbers ------------------------------------------------------------------------

# §3.5; Prolia (denosumab 60 mg) boxed warning, FDA 2024: severe hypocalcemia in
# advanced chronic kidney disease — CrCl (when computable, else eGFR) < 30 mL/min.
PROLIA_ADVANCED_CKD_BELOW_CRCL = Decimal("30")  # mL/min (or mL/min/1.73 m² for eGFR)

# §3.4 suggestions: the oncology regimens' intervals (Xgeva PI: 120 mg SC every 4 weeks;
# Zometa PI and ASCO–CCO 2017: 4 mg IV every 12 weeks, the de-escalated interval).
DENOSUMAB_ONCOLOGY_INTERVAL_WEEKS = 4
ZOLEDRONIC_ACID_SUGGESTED_INTERVAL_WEEKS = 12

# --- code systems -------------------------------------------------------------------

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
UCUM = "http://unitsofmeasure.org"


@dataclass(frozen=True, slots=True)
class Concept:
    system: str
    code: str
    display: str


@dataclass(frozen=True, slots=True)
class FixedDose:
    """A dose the order itself fixes (not chosen by a rule), in a UCUM unit."""

    value: Decimal
    unit: str  # UCUM code, e.g. "mg", "[iU]"
    unit_display: str  # Quantity.unit as a clinician reads it


@dataclass(frozen=True, slots=True)
class OrderSpec:
    """What a suggested draft order asks for.

    `resource` is "ServiceRequest" or "MedicationRequest". For a medication, `route`
    and `interval_weeks` (or `interval_days`) complete the dosage; the dose (mg) is the
    rule's, unless the order fixes it (`dose`).
    """

    resource: str
    concept: Concept
    route: Concept | None = None
    interval_weeks: int | None = None
    interval_days: int | None = None
    dose: FixedDose | None = None


# Routes: SNOMED CT qualifier values of the FHIR R4 "SNOMED CT Route Codes" value set
# (not in codes-verified.md, which lists no routes).
ROUTE_SUBCUTANEOUS = Concept(SNOMED, "34206005", "Subcutaneous route")
ROUTE_INTRAVENOUS = Concept(SNOMED, "47625008", "Intravenous route")
ROUTE_ORAL = Concept(SNOMED, "26643006", "Oral route")

# §6 bma-order-supplements; Zometa US PI: "an oral calcium supplement of 500 mg and a
# multiple vitamin containing 400 IU of vitamin D daily" (Xgeva PI: calcium and vitamin
# D as necessary). Elemental calcium, hence the ingredient "calcium" (CV 1895).
SUPPLEMENT_CALCIUM_DOSE = FixedDose(Decimal("500"), "mg", "mg")
SUPPLEMENT_VITAMIN_D_DOSE = FixedDose(Decimal("400"), "[iU]", "IU")
SUPPLEMENT_INTERVAL_DAYS = 1

# Codes: clinical-knowledge §3 and codes-verified.md (all verified there unless noted).
ORDERS: Mapping[str, OrderSpec] = {
    # §3.1 work-up (LOINC; 2731-8 display as in VSAC 762.1222.129).
    "pth": OrderSpec(
        "ServiceRequest",
        Concept(LOINC, "2731-8", "Parathyrin.intact [Mass/volume] in Serum or Plasma"),
    ),
    "pthrp": OrderSpec(
        "ServiceRequest",
        Concept(LOINC, "2729-2", "Parathyrin related protein [Moles/volume] in Serum or Plasma"),
    ),
    "25-oh-vitamin-d": OrderSpec(
        "ServiceRequest",
        Concept(
            LOINC,
            "62292-8",
            "25-Hydroxyvitamin D2+25-Hydroxyvitamin D3 [Mass/volume] in Serum or Plasma",
        ),
    ),
    # §3.2 imaging.
    "bone-scan": OrderSpec(
        "ServiceRequest", Concept(SNOMED, "41747008", "Radioisotope scan of bone")
    ),
    "fdg-pet-ct": OrderSpec(
        "ServiceRequest", Concept(SNOMED, "432675001", "PET FDG imaging of whole body")
    ),
    # §3.3: NICE NG234 asks for MRI of the whole spine; no contrast is needed to show
    # compression, so the without-contrast code is suggested.
    "whole-spine-mri": OrderSpec(
        "ServiceRequest",
        Concept(
            SNOMED,
            "411611000119102",
            "MRI of cervical, thoracic, and lumbar spine without contrast",
        ),
    ),
    # §3.4: referral for dental evaluation.
    "dental-referral": OrderSpec(
        "ServiceRequest", Concept(SNOMED, "772071006", "Referral to dentist")
    ),
    # §3.4 / §4: denosumab 120 mg SC q4w — the ingredient (verified IN 993449), since the
    # 120 mg product codes (1046398 / 1046402) are unverified; the dose says 120 mg.
    "denosumab-oncology": OrderSpec(
        "MedicationRequest",
        Concept(RXNORM, "993449", "denosumab"),
        route=ROUTE_SUBCUTANEOUS,
        interval_weeks=DENOSUMAB_ONCOLOGY_INTERVAL_WEEKS,
    ),
    # §6 bma-order-calcium-unknown: serum calcium and albumin (LOINC, §2 table).
    "serum-calcium": OrderSpec(
        "ServiceRequest",
        Concept(LOINC, "17861-6", "Calcium [Mass/volume] in Serum or Plasma"),
    ),
    "albumin": OrderSpec(
        "ServiceRequest",
        Concept(LOINC, "1751-7", "Albumin [Mass/volume] in Serum or Plasma"),
    ),
    # §6 bma-order-renal-unknown: serum creatinine (CV 2160-0).
    "creatinine": OrderSpec(
        "ServiceRequest",
        Concept(LOINC, "2160-0", "Creatinine [Mass/volume] in Serum or Plasma"),
    ),
    # §6 bma-order-supplements: calcium + vitamin D daily (CV: calcium 1895,
    # cholecalciferol 2418; doses of the Zometa PI above). Two orders, one per
    # ingredient: the combination tablets have no verified code.
    "calcium-supplement": OrderSpec(
        "MedicationRequest",
        Concept(RXNORM, "1895", "calcium"),
        route=ROUTE_ORAL,
        interval_days=SUPPLEMENT_INTERVAL_DAYS,
        dose=SUPPLEMENT_CALCIUM_DOSE,
    ),
    "vitamin-d-supplement": OrderSpec(
        "MedicationRequest",
        Concept(RXNORM, "2418", "cholecalciferol"),
        route=ROUTE_ORAL,
        interval_days=SUPPLEMENT_INTERVAL_DAYS,
        dose=SUPPLEMENT_VITAMIN_D_DOSE,
    ),
    # §3.4 / §4: the 4 mg product (verified 1865665), given at the CrCl-adjusted dose.
    "zoledronic-acid-oncology": OrderSpec(
        "MedicationRequest",
        Concept(RXNORM, "1865665", "zoledronic acid 4 MG Injection"),
        route=ROUTE_INTRAVENOUS,
        interval_weeks=ZOLEDRONIC_ACID_SUGGESTED_INTERVAL_WEEKS,
    ),
}
