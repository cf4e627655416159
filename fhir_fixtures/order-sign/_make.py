"""Generate the order-sign scenario fixtures and their manifest (clinical-knowledge §6).

    .venv/bin/python fhir_fixtures/order-sign/_make.py          # rewrite the JSON files
    .venv/bin/python fhir_fixtures/order-sign/_make.py --check  # exit 1 if they are stale

Each scenario is one complete `order-sign` hook request for the
`bone-modifying-agent-order-check` service: context.draftOrders (a Bundle of draft
MedicationRequests) and a prefetch with every key of the service's templates, named
after its case, in pairs on both sides of each edge of §6. Dates are relative tokens
(`cds_service.devtools.relative_dates`); the test resolves them and fixes the app
clock at the same `now`.

The clean patient (`Patient`): female, 68 years old (born 25000 days ago), breast
cancer without bone metastasis, calcium 9.4 mg/dL, albumin 4.1 g/dL, creatinine
0.9 mg/dL, weight 70 kg (CrCl 66.1 mL/min: the 4.0 mg band), eGFR 75, vitamin D
(cholecalciferol) active, a dental consultation 90 days ago. Each case changes only
what its edge needs. For exact CrCl edges a man of 68 is used: CrCl = weight ÷
creatinine (e.g. 60 kg / 2.0 mg/dL = 30.0 mL/min).

`manifest.json` maps each file to the cards expected (topic and indicator, in any
order) and, where a card carries one, the action it suggests on a draft order.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
EVALUATION_TIME = "2026-11-21T09:00:00Z"  # tests/support/app.py EVALUATION_TIME
KEYS = (
    "patient",
    "conditions",
    "calcium",
    "albumin",
    "renal",
    "weight",
    "vitamin-d",
    "medication-requests",
    "medication-statements",
    "medication-administrations",
    "dental-procedures",
    "dental-referrals",
    "encounters",
)

SNOMED = "http://snomed.info/sct"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"

LABS: dict[str, tuple[str, str, str]] = {  # LOINC → display, unit, prefetch key
    "17861-6": ("Calcium [Mass/volume] in Serum or Plasma", "mg/dL", "calcium"),
    "1751-7": ("Albumin [Mass/volume] in Serum or Plasma", "g/dL", "albumin"),
    "2160-0": ("Creatinine [Mass/volume] in Serum or Plasma", "mg/dL", "renal"),
    "98979-8": (
        "Glomerular filtration rate/1.73 sq M.predicted [Volume Rate/Area] "
        "in Serum, Plasma or Blood by Creatinine-based formula (CKD-EPI 2021)",
        "mL/min/{1.73_m2}",
        "renal",
    ),
    "29463-7": ("Body weight", "kg", "weight"),
}

# --- building blocks ------------------------------------------------------------------


def _concept(system: str, code: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code, "display": display}], "text": display}


@dataclass(frozen=True)
class Lab:
    loinc: str
    value: float
    when: str  # relative token
    comparator: str | None = None
    low: float | None = None
    high: float | None = None


@dataclass(frozen=True)
class Med:
    """A MedicationRequest / Statement / Administration; a coded or a text-only drug."""

    kind: str
    id: str
    display: str
    status: str
    rxnorm: str | None = None
    dose_mg: float | None = None
    when: str = "{{now-10d}}"
    reason: tuple[str, str, str] | None = None  # (system, code, display)


@dataclass(frozen=True)
class Case:
    name: str
    about: str
    expected: tuple[tuple[str, str], ...]  # (topic, indicator)
    drafts: tuple[Med, ...]
    gender: str = "female"
    labs: tuple[Lab, ...] = ()
    conditions: tuple[tuple[str, str, str], ...] = ()
    meds: tuple[Med, ...] = ()
    dental: tuple[dict[str, Any], ...] = ()
    deceased: bool = False
    actions: tuple[dict[str, str], ...] = ()  # expected update / delete actions
    raw_drafts: tuple[dict[str, Any], ...] = field(default=())  # drafts as raw JSON


BREAST_CANCER = (ICD10CM, "C50.912", "Malignant neoplasm of unspecified site of left female breast")
BONE_METASTASIS = (SNOMED, "94222008", "Metastatic malignant neoplasm to bone")
HYPERCALCEMIA_OF_MALIGNANCY = (SNOMED, "47709007", "Humoral hypercalcemia of malignancy")


def calcium(value: float, when: str = "{{now-5d}}", **kw: Any) -> Lab:
    return Lab("17861-6", value, when, **kw)


def albumin(value: float, when: str = "{{now-5d}}") -> Lab:
    return Lab("1751-7", value, when)


def creatinine(value: float, when: str = "{{now-5d}}") -> Lab:
    return Lab("2160-0", value, when)


def egfr(value: float, when: str = "{{now-5d}}") -> Lab:
    return Lab("98979-8", value, when)


def weight(value: float, when: str = "{{now-10d}}") -> Lab:
    return Lab("29463-7", value, when)


CLEAN_LABS = (calcium(9.4), albumin(4.1), creatinine(0.9), weight(70), egfr(75))


def labs(*changed: Lab, drop: tuple[str, ...] = ()) -> tuple[Lab, ...]:
    """The clean labs with `changed` replacing those of the same LOINC, `drop` removed."""
    replaced = {lab.loinc for lab in changed}
    kept = tuple(lab for lab in CLEAN_LABS if lab.loinc not in replaced and lab.loinc not in drop)
    return kept + changed


def male_crcl(weight_kg: float, creatinine_mg_dl: float) -> dict[str, Any]:
    """A man of 68: CrCl = (140 − 68) × weight / (72 × creatinine) = weight ÷ creatinine."""
    return {
        "gender": "male",
        "labs": labs(weight(weight_kg), creatinine(creatinine_mg_dl), drop=("98979-8",)),
    }


VITAMIN_D = Med("MedicationRequest", "vitd", "cholecalciferol", "active", rxnorm="2418")
DENTAL_90 = {
    "resourceType": "Procedure",
    "id": "dental-consult",
    "status": "completed",
    "code": _concept(SNOMED, "34043003", "Dental consultation and report"),
    "performedDateTime": "{{now-90d}}",
}


def draft(
    id: str,
    display: str,
    rxnorm: str | None,
    dose_mg: float | None,
    reason: tuple[str, str, str] | None = None,
) -> Med:
    return Med("MedicationRequest", id, display, "draft", rxnorm, dose_mg, "{{now}}", reason)


def xgeva(id: str = "draft-denosumab") -> Med:
    return draft(id, "Xgeva (denosumab) 120 MG/1.7 ML injection", "1046399", 120)


def prolia(id: str = "draft-prolia") -> Med:
    return draft(id, "Prolia (denosumab) 60 MG/ML prefilled syringe", "993453", 60)


def zoledronic(dose: float | None = 4, id: str = "draft-zoledronic", **kw: Any) -> Med:
    return draft(id, "zoledronic acid 4 MG Injection", "1865665", dose, **kw)


def reclast(id: str = "draft-reclast") -> Med:
    return draft(id, "Reclast (zoledronic acid) 5 MG/100 ML injection", "705872", 5)


def alendronate(id: str = "draft-alendronate") -> Med:
    return draft(id, "alendronate 70 MG Oral Tablet", "46041", 70)


HCM = HYPERCALCEMIA_OF_MALIGNANCY


def case(name: str, about: str, expected: list[tuple[str, str]], **kw: Any) -> Case:
    kw.setdefault("drafts", (xgeva(),))
    kw.setdefault("labs", CLEAN_LABS)
    kw.setdefault("conditions", (BREAST_CANCER,))
    kw.setdefault("meds", (VITAMIN_D,))
    kw.setdefault("dental", (DENTAL_90,))
    return Case(name, about, tuple(expected), **kw)


H, CU, RD, RU, DE, SU, DI, DU = (
    "bma-order-hypocalcemia",
    "bma-order-calcium-unknown",
    "bma-order-renal-dose",
    "bma-order-renal-unknown",
    "bma-order-dental",
    "bma-order-supplements",
    "bma-order-dose-intent",
    "bma-order-duplicate",
)
INFO, WARNING, CRITICAL = "info", "warning", "critical"

CASES: list[Case] = [
    # --- baseline ----------------------------------------------------------------------
    case("baseline-xgeva-all-clear", "Denosumab 120 mg, every check passes", []),
    case(
        "non-bma-draft-ignored",
        "Only a non-BMA draft (amoxicillin), and no data at all: nothing to check",
        [],
        drafts=(draft("draft-amoxicillin", "Amoxicillin 500 MG Oral Capsule", "308182", 500),),
        labs=(),
        meds=(),
        dental=(),
    ),
    case(
        "no-breast-cancer-still-checked",
        "Drug-safety checks apply to every patient: no cancer Condition, no calcium result",
        [(CU, INFO)],
        conditions=(),
        labs=labs(drop=("17861-6",)),
    ),
    case(
        "deceased-patient-no-cards",
        "§1: a deceased patient gets no cards, even with problems",
        [],
        deceased=True,
        labs=labs(calcium(8.0)),
    ),
    # --- hypocalcemia (§2 low calcium) -------------------------------------------------
    case("calcium-8.5-at-lln-denosumab", "8.5 is not below 8.5", []),
    case(
        "calcium-8.4-below-lln-denosumab",
        "8.4 < 8.5 with denosumab: contraindicated",
        [(H, CRITICAL)],
        labs=labs(calcium(8.4)),
    ),
    case(
        "calcium-8.4-below-lln-zoledronic-acid",
        "8.4 < 8.5 with a bisphosphonate: warning",
        [(H, WARNING)],
        drafts=(zoledronic(4),),
        labs=labs(calcium(8.4)),
    ),
    case(
        "calcium-8.2-albumin-corrected-to-9.0",
        "§2 precedence: total 8.2 with albumin 3.0 corrects to 9.0, not low",
        [],
        labs=labs(calcium(8.2), albumin(3.0)),
    ),
    case(
        "calcium-8.7-below-own-range-8.8",
        "The laboratory's own range (8.8–10.2) decides, not the default",
        [(H, CRITICAL)],
        labs=labs(calcium(8.7, low=8.8, high=10.2)),
    ),
    # --- calcium unknown (denosumab, 30 days) ------------------------------------------
    case(
        "calcium-30-days-old-denosumab",
        "A calcium exactly 30 days old is within the last 30 days",
        [],
        labs=labs(calcium(9.4, "{{now-30d}}")),
    ),
    case(
        "calcium-31-days-old-denosumab",
        "A calcium 31 days old is not: check calcium",
        [(CU, INFO)],
        labs=labs(calcium(9.4, "{{now-31d}}")),
    ),
    case(
        "calcium-with-comparator-counts",
        "A calcium '> 9.0' is a calcium result (Rules of application)",
        [],
        labs=labs(calcium(9.0, comparator=">")),
    ),
    case(
        "calcium-unknown-not-for-zoledronic-acid",
        "No calcium, but the order is not denosumab: no calcium-unknown card",
        [],
        drafts=(zoledronic(4),),
        labs=labs(drop=("17861-6",)),
    ),
    case(
        "name-only-draft-recognised",
        "A draft naming Xgeva in text only, no calcium result",
        [(CU, INFO)],
        drafts=(draft("draft-named", "Xgeva 120 mg subcutaneous", None, 120),),
        labs=labs(drop=("17861-6",)),
    ),
    # --- renal dose: zoledronic acid 4 mg bands (0.05 mg tolerance) --------------------
    case(
        "zoledronic-4.0-crcl-66-in-band",
        "CrCl 66.1 → 4.0 mg, ordered 4.0",
        [],
        drafts=(zoledronic(4.0),),
    ),
    case(
        "zoledronic-3.95-crcl-66-0.05-off",
        "0.05 mg off the band: within tolerance",
        [],
        drafts=(zoledronic(3.95),),
    ),
    case(
        "zoledronic-3.94-crcl-66-0.06-off",
        "0.06 mg off the band: update to 4.0 mg",
        [(RD, WARNING)],
        drafts=(zoledronic(3.94),),
        actions=({"type": "update", "draft": "draft-zoledronic", "dose_mg": "4"},),
    ),
    case(
        "zoledronic-4.0-crcl-55-adjuvant-band-3.5",
        "Adjuvant use is banded too: CrCl 55.0 → 3.5 mg, ordered 4.0",
        [(RD, WARNING)],
        drafts=(zoledronic(4.0, reason=(SNOMED, "254837009", "Malignant neoplasm of breast")),),
        actions=({"type": "update", "draft": "draft-zoledronic", "dose_mg": "3.5"},),
        **male_crcl(55, 1.0),
    ),
    case(
        "zoledronic-3.0-crcl-30.0-band",
        "CrCl 30.0 is in the 3.0 mg band (not below 30)",
        [],
        drafts=(zoledronic(3.0),),
        **male_crcl(60, 2.0),
    ),
    case(
        "zoledronic-3.0-crcl-29.9-not-recommended",
        "CrCl 29.9 < 30: not recommended, no dose suggested",
        [(RD, WARNING)],
        drafts=(zoledronic(3.0),),
        **male_crcl(59.8, 2.0),
    ),
    case(
        "zoledronic-egfr-25-stands-in",
        "No weight: eGFR 25 stands in for CrCl, below 30",
        [(RD, WARNING)],
        drafts=(zoledronic(4.0),),
        labs=labs(egfr(25), drop=("29463-7",)),
    ),
    # --- hypercalcemia of malignancy: creatinine ≥ 4.5 only ----------------------------
    case(
        "hcm-creatinine-4.49",
        "HCM order, creatinine 4.49 (CrCl 13.4 would be banded): no card, no dental/supplements",
        [],
        drafts=(zoledronic(4.0, reason=HCM),),
        meds=(),
        dental=(),
        **{**male_crcl(60, 4.49), "labs": labs(creatinine(4.49), weight(60), calcium(13.0))},
    ),
    case(
        "hcm-creatinine-4.5",
        "HCM order, creatinine 4.5 ≥ 4.5",
        [(RD, WARNING)],
        drafts=(zoledronic(4.0, reason=HCM),),
        meds=(),
        dental=(),
        **{**male_crcl(60, 4.5), "labs": labs(creatinine(4.5), weight(60), calcium(13.0))},
    ),
    case(
        "hcm-no-creatinine-egfr-does-not-stand-in",
        "HCM order, eGFR 50 but no creatinine: renal function unknown for this rule",
        [(RU, INFO)],
        drafts=(zoledronic(4.0, reason=HCM),),
        labs=labs(egfr(50), calcium(13.0), drop=("2160-0",)),
    ),
    # --- Reclast 5 mg: CrCl < 35 ---------------------------------------------------------
    case(
        "reclast-5mg-crcl-35.0",
        "CrCl 35.0 is not below 35",
        [],
        drafts=(reclast(),),
        **male_crcl(70, 2.0),
    ),
    case(
        "reclast-5mg-crcl-34.9",
        "CrCl 34.9 < 35: contraindicated",
        [(RD, WARNING)],
        drafts=(reclast(),),
        **male_crcl(69.8, 2.0),
    ),
    # --- renal unknown ----------------------------------------------------------------
    case(
        "zoledronic-renal-unknown",
        "No creatinine, no eGFR: creatinine before the dose",
        [(RU, INFO)],
        drafts=(zoledronic(4.0),),
        labs=labs(drop=("2160-0", "98979-8")),
    ),
    case(
        "zoledronic-creatinine-31-days-old-renal-unknown",
        "A creatinine 31 days old is not current (and no eGFR)",
        [(RU, INFO)],
        drafts=(zoledronic(4.0),),
        labs=labs(creatinine(0.9, "{{now-31d}}"), drop=("98979-8",)),
    ),
    # --- dental (183 days) --------------------------------------------------------------
    case(
        "dental-183-days-ago",
        "A dental consultation 183 days ago counts",
        [],
        dental=({**DENTAL_90, "performedDateTime": "{{now-183d}}"},),
    ),
    case(
        "dental-184-days-ago",
        "184 days ago does not: refer to a dentist",
        [(DE, INFO)],
        dental=({**DENTAL_90, "performedDateTime": "{{now-184d}}"},),
    ),
    case(
        "dental-encounter-by-display",
        "A finished Encounter whose type names a dentist",
        [],
        dental=(
            {
                "resourceType": "Encounter",
                "id": "dentist-visit",
                "status": "finished",
                "class": {
                    "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode",
                    "code": "AMB",
                },
                "type": [{"text": "Visit to dentist"}],
                "period": {"start": "{{now-40d}}", "end": "{{now-40d}}"},
            },
        ),
    ),
    case(
        "dental-referral-active",
        "An active referral to a dentist (772071006) 20 days ago",
        [],
        dental=(
            {
                "resourceType": "ServiceRequest",
                "id": "dental-referral",
                "status": "active",
                "intent": "order",
                "code": _concept(SNOMED, "772071006", "Referral to dentist"),
                "subject": {"reference": "Patient/{patient}"},
                "authoredOn": "{{now-20d}}",
            },
        ),
    ),
    case("no-dental-care-on-record", "No dental care at all", [(DE, INFO)], dental=()),
    # --- supplements --------------------------------------------------------------------
    case(
        "supplement-none",
        "No calcium or vitamin D supplement",
        [(SU, INFO)],
        meds=(),
    ),
    case(
        "supplement-by-name-statement",
        "An active MedicationStatement naming calcium carbonate, no code",
        [],
        meds=(
            Med("MedicationStatement", "calcium-stmt", "Calcium carbonate 600 mg tablet", "active"),
        ),
    ),
    case(
        "supplement-leucovorin-calcium-not-counted",
        "Leucovorin calcium is not a calcium supplement",
        [(SU, INFO)],
        meds=(
            Med("MedicationRequest", "leucovorin", "Leucovorin calcium 50 MG Injection", "active"),
        ),
    ),
    case(
        "supplement-stopped-not-counted",
        "A stopped vitamin D order does not count",
        [(SU, INFO)],
        meds=(replace(VITAMIN_D, status="stopped"),),
    ),
    case(
        "supplement-among-drafts",
        "Calcium carbonate ordered with the BMA",
        [],
        meds=(),
        drafts=(
            xgeva(),
            draft("draft-calcium", "calcium carbonate 1250 MG Oral Tablet", "1897", 1250),
        ),
    ),
    case(
        "supplement-none-hypercalcemia-suppresses",
        "No supplement, but calcium 11.0 > 10.5: no supplement card",
        [],
        meds=(),
        labs=labs(calcium(11.0)),
    ),
    # --- dose intent (needs bone metastasis) --------------------------------------------
    case(
        "prolia-60-with-bone-metastasis",
        "Denosumab 60 mg for bone metastasis: update to 120 mg",
        [(DI, WARNING)],
        drafts=(prolia(),),
        conditions=(BREAST_CANCER, BONE_METASTASIS),
        actions=({"type": "update", "draft": "draft-prolia", "dose_mg": "120"},),
    ),
    case(
        "prolia-60-without-bone-metastasis",
        "Osteoporosis dose, no metastasis: fine",
        [],
        drafts=(prolia(),),
    ),
    case(
        "reclast-5mg-with-bone-metastasis",
        "Zoledronic acid 5 mg for bone metastasis: update to the 4 mg product at 4.0 mg",
        [(DI, WARNING)],
        drafts=(reclast(),),
        conditions=(BREAST_CANCER, BONE_METASTASIS),
        actions=({"type": "update", "draft": "draft-reclast", "dose_mg": "4"},),
    ),
    case(
        "alendronate-oral-with-bone-metastasis",
        "An oral bisphosphonate for bone metastasis: warning, no action",
        [(DI, WARNING)],
        drafts=(alendronate(),),
        conditions=(BREAST_CANCER, BONE_METASTASIS),
    ),
    # --- duplicates -----------------------------------------------------------------------
    case(
        "duplicate-other-agent-active-order",
        "Denosumab ordered while a zoledronic acid order is active",
        [(DU, WARNING)],
        meds=(
            VITAMIN_D,
            Med(
                "MedicationRequest",
                "zol-active",
                "zoledronic acid 4 MG Injection",
                "active",
                "1865665",
                4,
                "{{now-60d}}",
            ),
        ),
    ),
    case(
        "same-agent-next-dose-not-duplicate",
        "Denosumab given 28 days ago (completed order and administration): the next dose",
        [],
        meds=(
            VITAMIN_D,
            Med(
                "MedicationRequest",
                "dmab-done",
                "Xgeva",
                "completed",
                "1046399",
                120,
                "{{now-28d}}",
            ),
            Med(
                "MedicationAdministration",
                "dmab-given",
                "Xgeva",
                "completed",
                "1046399",
                120,
                "{{now-28d}}",
            ),
        ),
    ),
    case(
        "duplicate-same-agent-active-order",
        "Denosumab ordered while another denosumab order is still active",
        [(DU, WARNING)],
        meds=(
            VITAMIN_D,
            Med("MedicationRequest", "dmab-open", "Xgeva", "active", "1046399", 120, "{{now-28d}}"),
        ),
    ),
    case(
        "duplicate-two-drafts",
        "Denosumab then zoledronic acid in one Bundle: the second gets the card and a delete",
        [(DU, WARNING)],
        drafts=(xgeva(), zoledronic(4.0)),
        actions=({"type": "delete", "draft": "draft-zoledronic"},),
    ),
    case(
        "invalid-bma-draft-skipped",
        "A draft BMA that is not valid FHIR is skipped and reported, not a 500",
        [],
        raw_drafts=(
            {
                "resourceType": "MedicationRequest",
                "id": "draft-broken",
                "status": "draft",
                "intent": "order",
                "medicationCodeableConcept": _concept(RXNORM, "1046399", "Xgeva"),
                "subject": {"reference": "Patient/{patient}"},
                "authoredOn": "not a date",
            },
        ),
        drafts=(),
        labs=labs(drop=("17861-6",)),
    ),
]

# --- FHIR JSON ---------------------------------------------------------------------------


def _patient(c: Case) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "id": c.name,
        "gender": c.gender,
        "birthDate": "{{today-25000d}}",
    }
    if c.deceased:
        resource["deceasedBoolean"] = True
    return resource


def _observation(c: Case, index: int, lab: Lab) -> dict[str, Any]:
    display, unit, _ = LABS[lab.loinc]
    quantity: dict[str, Any] = {"value": lab.value, "unit": unit, "system": UCUM, "code": unit}
    if lab.comparator:
        quantity["comparator"] = lab.comparator
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": f"{c.name}-lab-{index}",
        "status": "final",
        "code": _concept(LOINC, lab.loinc, display),
        "subject": {"reference": f"Patient/{c.name}"},
        "effectiveDateTime": lab.when,
        "valueQuantity": quantity,
    }
    if lab.low is not None and lab.high is not None:
        resource["referenceRange"] = [
            {
                "low": {"value": lab.low, "unit": unit, "system": UCUM, "code": unit},
                "high": {"value": lab.high, "unit": unit, "system": UCUM, "code": unit},
            }
        ]
    return resource


def _condition(c: Case, index: int, code: tuple[str, str, str]) -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "id": f"{c.name}-condition-{index}",
        "clinicalStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                    "code": "active",
                }
            ]
        },
        "code": _concept(*code),
        "subject": {"reference": f"Patient/{c.name}"},
        "onsetDateTime": "{{today-400d}}",
    }


def _medication(c: Case, med: Med) -> dict[str, Any]:
    concept = _concept(RXNORM, med.rxnorm, med.display) if med.rxnorm else {"text": med.display}
    resource: dict[str, Any] = {
        "resourceType": med.kind,
        "id": med.id,
        "status": med.status,
        "medicationCodeableConcept": concept,
        "subject": {"reference": f"Patient/{c.name}"},
    }
    dose = (
        {"value": med.dose_mg, "unit": "mg", "system": UCUM, "code": "mg"}
        if med.dose_mg is not None
        else None
    )
    if med.kind == "MedicationRequest":
        resource["intent"] = "order"
        resource["authoredOn"] = med.when
        if dose:
            resource["dosageInstruction"] = [
                {"sequence": 1, "doseAndRate": [{"doseQuantity": dose}]}
            ]
        if med.reason:
            resource["reasonCode"] = [_concept(*med.reason)]
    elif med.kind == "MedicationStatement":
        resource["effectivePeriod"] = {"start": med.when}
    else:
        resource["effectiveDateTime"] = med.when
        if dose:
            resource["dosage"] = {"dose": dose}
    return resource


def _searchset(resources: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(resources),
        "entry": [{"resource": r} for r in resources],
    }


def _with_patient(value: Any, patient: str) -> Any:
    if isinstance(value, str):
        return value.replace("{patient}", patient)
    if isinstance(value, dict):
        return {k: _with_patient(v, patient) for k, v in value.items()}
    if isinstance(value, list):
        return [_with_patient(v, patient) for v in value]
    return value


def request(c: Case) -> dict[str, Any]:
    by_key: dict[str, list[dict[str, Any]]] = {key: [] for key in KEYS if key != "patient"}
    for index, lab in enumerate(c.labs):
        by_key[LABS[lab.loinc][2]].append(_observation(c, index, lab))
    for index, code in enumerate(c.conditions):
        by_key["conditions"].append(_condition(c, index, code))
    key_of = {
        "MedicationRequest": "medication-requests",
        "MedicationStatement": "medication-statements",
        "MedicationAdministration": "medication-administrations",
    }
    for med in c.meds:
        by_key[key_of[med.kind]].append(_medication(c, med))
    dental_key = {
        "Procedure": "dental-procedures",
        "ServiceRequest": "dental-referrals",
        "Encounter": "encounters",
    }
    for resource in c.dental:
        by_key[dental_key[resource["resourceType"]]].append(
            {**resource, "subject": {"reference": f"Patient/{c.name}"}}
        )
    drafts = [_medication(c, d) for d in c.drafts] + list(c.raw_drafts)
    prefetch: dict[str, Any] = {"patient": _patient(c)}
    prefetch.update({key: _searchset(by_key[key]) for key in KEYS if key != "patient"})
    return _with_patient(
        {
            "hook": "order-sign",
            "hookInstance": f"order-sign-{c.name}",
            "context": {
                "userId": "Practitioner/prescriber-1",
                "patientId": c.name,
                "draftOrders": {
                    "resourceType": "Bundle",
                    "type": "collection",
                    "entry": [{"resource": d} for d in drafts],
                },
            },
            "prefetch": prefetch,
        },
        c.name,
    )


def manifest() -> dict[str, Any]:
    return {
        "service": "bone-modifying-agent-order-check",
        "evaluation_time": EVALUATION_TIME,
        "scenarios": {
            f"{c.name}.json": {
                "about": c.about,
                "cards": [{"topic": t, "indicator": i} for t, i in c.expected],
                "actions": list(c.actions),
            }
            for c in CASES
        },
    }


def _dump(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def outputs() -> dict[Path, str]:
    files = {HERE / f"{c.name}.json": _dump(request(c)) for c in CASES}
    files[HERE / "manifest.json"] = _dump(manifest())
    return files


def main(argv: list[str]) -> int:
    names = [c.name for c in CASES]
    if len(names) != len(set(names)):
        raise SystemExit("duplicate case names")
    files = outputs()
    if "--check" in argv:
        stale = [p.name for p, text in files.items() if not p.exists() or p.read_text() != text]
        extra = [p.name for p in HERE.glob("*.json") if p not in files]
        if stale or extra:
            sys.stderr.write(f"stale: {stale}; not generated: {extra}\n")
            return 1
        return 0
    for path, text in files.items():
        path.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
