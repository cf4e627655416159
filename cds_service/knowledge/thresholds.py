"""Every clinical number the service uses, with its unit and its source.

Sources are cited by the section of `clinical-knowledge.md` (the project's clinical
specification) and the primary source it names. Quantities are `Decimal` in the
canonical unit of their analyte (`knowledge.units.CANONICAL_UNIT`); the unit is part
of each name. This module imports nothing from the service.

    >>> from cds_service.knowledge.thresholds import zoledronic_acid_dose_mg
    >>> zoledronic_acid_dose_mg(Decimal("55"))
    Decimal('3.5')
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

# --- windows (clinical-knowledge §2 "Windows and dates") ----------------------------
# "Within the last N days": now − N × 24 h ≤ t ≤ now + FUTURE_TOLERANCE.
FUTURE_TOLERANCE = timedelta(days=1)  # §2: results beyond now + 1 day are ignored
DAYS_PER_WEEK = 7  # §2: N weeks = 7N days
SIX_MONTHS_DAYS = 183  # §2: 6 months = 183 days

# Lookbacks for the "current" result of each analyte (§2 "Lookback").
CALCIUM_LOOKBACK_DAYS = 30  # total, corrected and ionized calcium
ALBUMIN_LOOKBACK_DAYS = 30
CREATININE_LOOKBACK_DAYS = 30
EGFR_LOOKBACK_DAYS = 30
ALP_LOOKBACK_DAYS = 90  # total and bone-specific ALP
WEIGHT_LOOKBACK_DAYS = 180
# Vitamin D, PTH, PTHrP: §2 names no lookback. §3.1 leaves out of the work-up "any
# test with a current result"; the calcium window (30 days) is used, so an older
# result does not suppress a work-up of the current episode.
WORKUP_LOOKBACK_DAYS = 30

# Albumin pairing for the albumin-corrected calcium: "±3 days" = at most 72 h (§2).
ALBUMIN_PAIRING = timedelta(hours=72)

# Rule windows (§3).
BONE_IMAGING_LOOKBACK_DAYS = 60  # §3.2: no bone imaging in the last 60 days
BONE_SYMPTOM_LOOKBACK_DAYS = 90  # §3.2 trigger 3, §3.4 pathological fracture
CORD_COMPRESSION_LOOKBACK_DAYS = 14  # §3.3
BMA_COMPLETED_LOOKBACK_DAYS = 16 * DAYS_PER_WEEK  # §3.4: completed in the last 16 weeks
CALCIUM_MONITORING_LOOKBACK_DAYS = 30  # §3.5, §6: no calcium result in the last 30 days
DENTAL_LOOKBACK_DAYS = SIX_MONTHS_DAYS  # §6 bma-order-dental: 183 days
CREATININE_BASELINE_MAX_DAYS = 180  # §3.5: baseline at most 180 days before course start

# --- default reference ranges (§2 "Reference ranges") -------------------------------


@dataclass(frozen=True, slots=True)
class DefaultRange:
    """A cited default reference range, in the analyte's canonical unit."""

    low: Decimal | None
    high: Decimal | None
    unit: str
    source: str


# Total calcium (also used for calcium corrected for albumin, same analyte and unit).
TOTAL_CALCIUM_DEFAULT_RANGE = DefaultRange(
    Decimal("8.5"),
    Decimal("10.5"),
    "mg/dL",
    "CMDT laboratory reference table; MSD Manual (hypercalcemia > 10.4 mg/dL / 2.60 mmol/L)",
)
IONIZED_CALCIUM_DEFAULT_RANGE = DefaultRange(
    Decimal("1.12"), Decimal("1.32"), "mmol/L", "Common adult range (clinical-knowledge §2)"
)
ALP_DEFAULT_RANGE = DefaultRange(
    None,
    Decimal("120"),
    "U/L",
    "Adult upper limit 120 U/L (Danish multi-method study 2026; CMDT 41–133; "
    "commonly cited 44–147)",
)
ALBUMIN_DEFAULT_RANGE = DefaultRange(
    Decimal("3.5"), Decimal("5.0"), "g/dL", "Common adult range (clinical-knowledge §2)"
)
# Bone-specific ALP (1777-2) has no default: only its own range or interpretation (§2).

# --- albumin correction (§2; Zometa US PI, after Payne BMJ 1973) ---------------------
# corrected Ca (mg/dL) = measured Ca (mg/dL) + 0.8 × (4.0 − albumin (g/dL)),
# applied only when albumin < 4.0 g/dL (never downward).
ALBUMIN_CORRECTION_SLOPE = Decimal("0.8")  # mg/dL calcium per g/dL albumin
ALBUMIN_CORRECTION_REFERENCE_G_DL = Decimal("4.0")

# --- hypercalcemia severity (§2, §3.1; BMJ Best Practice) ---------------------------
HYPERCALCEMIA_MODERATE_MG_DL = Decimal("12.0")  # moderate from 12.0 mg/dL (≈ 3.0 mmol/L)
HYPERCALCEMIA_SEVERE_MG_DL = Decimal("14.0")  # severe at ≥ 14.0 mg/dL (≈ 3.5 mmol/L)
IONIZED_HYPERCALCEMIA_SEVERE_MMOL_L = Decimal("1.8")  # severe when > 1.8 mmol/L (§3.1)
# Zometa US PI: zoledronic acid 4 mg for hypercalcemia of malignancy, corrected Ca ≥ 12.
HCM_ZOLEDRONIC_MIN_CORRECTED_CA_MG_DL = Decimal("12.0")

# --- CTCAE v5.0 grades (§2 "Severity grades"; pharmaverse/admiral ncictcaev5.json) ---
# Each tuple holds the exclusive lower bounds (hyper-) or exclusive upper bounds
# (hypo-) of grades 2, 3 and 4; grade 1 is anything beyond the reference limit.
CTCAE_HYPERCALCEMIA_MG_DL = (Decimal("11.5"), Decimal("12.5"), Decimal("13.5"))
CTCAE_HYPERCALCEMIA_IONIZED_MMOL_L = (Decimal("1.5"), Decimal("1.6"), Decimal("1.8"))
CTCAE_HYPOCALCEMIA_MG_DL = (Decimal("8.0"), Decimal("7.0"), Decimal("6.0"))
CTCAE_HYPOCALCEMIA_IONIZED_MMOL_L = (Decimal("1.0"), Decimal("0.9"), Decimal("0.8"))
CTCAE_ALP_INCREASED_X_ULN = (Decimal("2.5"), Decimal("5.0"), Decimal("20.0"))  # × ULN

# §3.2: total ALP > 2.5 × ULN raises the work-up card to `warning`.
ALP_WARNING_X_ULN = Decimal("2.5")
# §3.5: denosumab and low calcium is `critical` from CTCAE grade 3.
HYPOCALCEMIA_CRITICAL_CTCAE_GRADE = 3


def ctcae_grade_high(value: Decimal, cutoffs: tuple[Decimal, Decimal, Decimal]) -> int:
    """Grade (1–4) of a value already known to be above the upper limit.

    >>> ctcae_grade_high(Decimal("12.5"), CTCAE_HYPERCALCEMIA_MG_DL)
    2
    """
    grade = 1
    for next_grade, bound in enumerate(cutoffs, start=2):
        if value > bound:
            grade = next_grade
    return grade


def ctcae_grade_low(value: Decimal, cutoffs: tuple[Decimal, Decimal, Decimal]) -> int:
    """Grade (1–4) of a value already known to be below the lower limit.

    >>> ctcae_grade_low(Decimal("6.9"), CTCAE_HYPOCALCEMIA_MG_DL)
    3
    """
    grade = 1
    for next_grade, bound in enumerate(cutoffs, start=2):
        if value < bound:
            grade = next_grade
    return grade


# --- renal function (§2 "Renal function"; Cockcroft–Gault) --------------------------
# CrCl (mL/min) = (140 − age) × weight (kg) / (72 × creatinine (mg/dL)), × 0.85 unless male.
COCKCROFT_GAULT_AGE_BASE = 140  # years
COCKCROFT_GAULT_DIVISOR = Decimal("72")
COCKCROFT_GAULT_NON_MALE_FACTOR = Decimal("0.85")  # female, other, unknown (§2)
CRCL_UNIT = "mL/min"

# --- zoledronic acid (§4; Zometa / Reclast US PI) -----------------------------------
ZOLEDRONIC_NOT_RECOMMENDED_BELOW_CRCL = Decimal("30")  # mL/min, Zometa PI
RECLAST_CONTRAINDICATED_BELOW_CRCL = Decimal("35")  # mL/min, Reclast PI (5 mg)
HCM_ZOLEDRONIC_MAX_CREATININE_MG_DL = Decimal("4.5")  # no adjustment below (Zometa PI)
# §3.5 creatinine rise (Zometa PI): from a normal baseline (< 1.4 mg/dL) by ≥ 0.5 mg/dL,
# from an abnormal baseline (≥ 1.4 mg/dL) by ≥ 1.0 mg/dL; withhold until within 10 %.
CREATININE_NORMAL_BASELINE_BELOW_MG_DL = Decimal("1.4")
CREATININE_RISE_FROM_NORMAL_MG_DL = Decimal("0.5")
CREATININE_RISE_FROM_ABNORMAL_MG_DL = Decimal("1.0")
CREATININE_RECOVERY_FRACTION = Decimal("0.10")
# §6 bma-order-renal-dose: ordered dose differs from the band by more than 0.05 mg.
ZOLEDRONIC_DOSE_TOLERANCE_MG = Decimal("0.05")
# The top band of `zoledronic_acid_dose_mg` (§4: CrCl > 60 → 4.0 mg), named so that a
# renal value sent with a comparator ("eGFR > 60") can be placed in it (§6 renal-dose).
ZOLEDRONIC_FULL_DOSE_ABOVE_CRCL = Decimal("60")  # mL/min
ZOLEDRONIC_FULL_DOSE_MG = Decimal("4.0")


def zoledronic_acid_dose_mg(crcl_ml_min: Decimal) -> Decimal | None:
    """Zometa 4 mg dose for bone metastases by baseline CrCl (§4); None = not recommended.

    Bands on real numbers: > 60 → 4.0; 50–60 → 3.5; 40–< 50 → 3.3; 30–< 40 → 3.0.
    """
    if crcl_ml_min > Decimal("60"):
        return Decimal("4.0")
    if crcl_ml_min >= Decimal("50"):
        return Decimal("3.5")
    if crcl_ml_min >= Decimal("40"):
        return Decimal("3.3")
    if crcl_ml_min >= ZOLEDRONIC_NOT_RECOMMENDED_BELOW_CRCL:
        return Decimal("3.0")
    return None


# --- bone-modifying agent doses (§4) ------------------------------------------------
DENOSUMAB_ONCOLOGY_MG = Decimal("120")  # Xgeva: 120 mg SC q4w
DENOSUMAB_OSTEOPOROSIS_MG = Decimal("60")  # Prolia: 60 mg SC q6 months
ZOLEDRONIC_ONCOLOGY_MG = Decimal("4")  # Zometa: 4 mg IV
ZOLEDRONIC_OSTEOPOROSIS_MG = Decimal("5")  # Reclast: 5 mg IV yearly
PAMIDRONATE_ONCOLOGY_MG = Decimal("90")  # 90 mg IV q3–4w
# Dose matching: a product's nominal dose is matched within this relative tolerance,
# so 1.7 mL × 70 mg/mL = 119 mg is the 120 mg oncology dose (§4, codes-verified.md).
DOSE_MATCH_RELATIVE_TOLERANCE = Decimal("0.02")
