"""Prefetch templates: what each service asks the EHR to send (or lets us fetch).

Templates stay inside the CDS Hooks 2.0 query restrictions: instance reads, type
searches by patient reference, token equality on `code` (comma-separated = OR),
`_sort` for most-recent-first and `_count`. Codes come from `knowledge.codes`, so a
code the rules read is a code the EHR is asked for.
"""

from __future__ import annotations

from collections.abc import Iterable

from cds_service.knowledge.codes import (
    BONE_SCAN,
    DENTAL,
    LOINC,
    LOINC_BY_ANALYTE,
    PET_CT,
    SPINE_MRI,
)

PATIENT = "{{context.patientId}}"


def _tokens(system: str, codes: Iterable[str]) -> str:
    return ",".join(f"{system}|{code}" for code in sorted(codes))


def _labs(*analytes: str, count: int) -> str:
    codes = set().union(*(LOINC_BY_ANALYTE[analyte] for analyte in analytes))
    return f"Observation?patient={PATIENT}&code={_tokens(LOINC, codes)}&_sort=-date&_count={count}"


def _dental_codes() -> str:
    return ",".join(f"{system}|{code}" for system, code in sorted(DENTAL.codes))


def _imaging_codes() -> str:
    pairs = sorted(BONE_SCAN.codes | PET_CT.codes | SPINE_MRI.codes)
    return ",".join(f"{system}|{code}" for system, code in pairs)


PATIENT_VIEW_PREFETCH: dict[str, str] = {
    "patient": f"Patient/{PATIENT}",
    "conditions": f"Condition?patient={PATIENT}",
    "calcium": _labs("total-calcium", "corrected-calcium", "ionized-calcium", count=50),
    "albumin": _labs("albumin", count=50),
    "alp": _labs("alkaline-phosphatase", "bone-specific-alkaline-phosphatase", count=20),
    # Creatinine history reaches back to the baseline of a zoledronic acid course (§3.5).
    "renal": _labs("creatinine", "egfr", count=100),
    "weight": _labs("body-weight", count=10),
    "calcium-workup": _labs("25-oh-vitamin-d", "pth", "pthrp", count=20),
    "medication-requests": f"MedicationRequest?patient={PATIENT}",
    "medication-statements": f"MedicationStatement?patient={PATIENT}",
    "medication-administrations": f"MedicationAdministration?patient={PATIENT}",
    "imaging-procedures": f"Procedure?patient={PATIENT}&code={_imaging_codes()}",
    "imaging-reports": f"DiagnosticReport?patient={PATIENT}&code={_imaging_codes()}",
    # ImagingStudy has no `code` search parameter in R4: the patient's studies, newest first.
    "imaging-studies": f"ImagingStudy?patient={PATIENT}&_sort=-started&_count=50",
}

# order-sign, `bone-modifying-agent-order-check` (clinical-knowledge §6). The draft
# orders come in context.draftOrders (never a prefetch token). Creatinine needs only
# the current result here (no course baseline), so fewer than patient-view asks for.
ORDER_SIGN_PREFETCH: dict[str, str] = {
    "patient": f"Patient/{PATIENT}",
    "conditions": f"Condition?patient={PATIENT}",
    "calcium": _labs("total-calcium", "corrected-calcium", "ionized-calcium", count=20),
    "albumin": _labs("albumin", count=20),
    "renal": _labs("creatinine", "egfr", count=20),
    "weight": _labs("body-weight", count=10),
    "vitamin-d": _labs("25-oh-vitamin-d", count=10),
    "medication-requests": f"MedicationRequest?patient={PATIENT}",
    "medication-statements": f"MedicationStatement?patient={PATIENT}",
    # §6 duplicate: "on a BMA" as in §3.4, which counts recent administrations.
    "medication-administrations": f"MedicationAdministration?patient={PATIENT}",
    "dental-procedures": f"Procedure?patient={PATIENT}&code={_dental_codes()}",
    "dental-referrals": f"ServiceRequest?patient={PATIENT}&code={_dental_codes()}",
    # A dental encounter may be named only in text (§6): the patient's encounters, newest
    # first; Encounter's `date` sort is the period.
    "encounters": f"Encounter?patient={PATIENT}&_sort=-date&_count=100",
}
