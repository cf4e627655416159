"""Generate the patient-view scenario fixtures and their manifest.

    .venv/bin/python fhir_fixtures/scenarios/_make.py          # rewrite the JSON files
    .venv/bin/python fhir_fixtures/scenarios/_make.py --check  # exit 1 if they are stale

Each scenario is one complete `patient-view` hook request (hook, hookInstance, context
and a prefetch with every key of the advisor's templates, present or `null`), named
after its case, in pairs on both sides of each edge of clinical-knowledge.md (§ numbers
below). Dates are relative tokens (`cds_service.devtools.relative_dates`) so the files
never go stale; the test resolves them and fixes the app clock at the same `now`.

`manifest.json` maps each file to the cards expected: topic, indicator, and for
`bma-safety` the problem, plus the evidence (values with units, dates; tokens allowed)
each card's summary or detail must show.

The generated JSON is committed; `tests/scenarios` checks it matches this script.
"""

from __future__ import annotations

import json
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
KEYS = (
    "patient",
    "conditions",
    "calcium",
    "albumin",
    "alp",
    "renal",
    "weight",
    "calcium-workup",
    "medication-requests",
    "medication-statements",
    "medication-administrations",
    "imaging-procedures",
    "imaging-reports",
    "imaging-studies",
)

SNOMED = "http://snomed.info/sct"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
LOINC = "http://loinc.org"
UCUM = "http://unitsofmeasure.org"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
INTERPRETATION = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
MCODE = "http://hl7.org/fhir/us/mcode/StructureDefinition/"

# LOINC → (display, prefetch key), as the advisor's templates ask for them.
LABS: dict[str, tuple[str, str]] = {
    "17861-6": ("Calcium [Mass/volume] in Serum or Plasma", "calcium"),
    "2000-8": ("Calcium [Moles/volume] in Serum or Plasma", "calcium"),
    "1995-0": ("Calcium.ionized [Moles/volume] in Serum or Plasma", "calcium"),
    "46099-8": ("Calcium corrected for albumin [Mass/volume] in Serum or Plasma", "calcium"),
    "1751-7": ("Albumin [Mass/volume] in Serum or Plasma", "albumin"),
    "6768-6": ("Alkaline phosphatase [Enzymatic activity/volume] in Serum or Plasma", "alp"),
    "1777-2": ("Alkaline phosphatase.bone [Enzymatic activity/volume] in Serum or Plasma", "alp"),
    "2160-0": ("Creatinine [Mass/volume] in Serum or Plasma", "renal"),
    "14682-9": ("Creatinine [Moles/volume] in Serum or Plasma", "renal"),
    "98979-8": ("Glomerular filtration rate/1.73 sq M.predicted [CKD-EPI 2021]", "renal"),
    "29463-7": ("Body weight", "weight"),
    "2731-8": ("Parathyrin.intact [Mass/volume] in Serum or Plasma", "calcium-workup"),
}
KEY_OF_TYPE = {
    "Condition": "conditions",
    "MedicationRequest": "medication-requests",
    "MedicationStatement": "medication-statements",
    "MedicationAdministration": "medication-administrations",
    "Procedure": "imaging-procedures",
    "DiagnosticReport": "imaging-reports",
    "ImagingStudy": "imaging-studies",
}
AGE_68 = "{{today-25017d}}"  # 68 years and about 180 days: 68 whatever `now` is

# --- resources ------------------------------------------------------------------------


def coding(system: str, code: str, display: str) -> dict[str, str]:
    return {"system": system, "code": code, "display": display}


def patient(gender: str = "female", birth: str = AGE_68, **extra: Any) -> dict[str, Any]:
    return {"resourceType": "Patient", "gender": gender, "birthDate": birth, **extra}


def condition(
    system: str,
    code: str,
    display: str,
    onset: str | None = "{{today-400d}}",
    *,
    clinical: str | None = "active",
    verification: str = "confirmed",
    **extra: Any,
) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Condition",
        "verificationStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                    "code": verification,
                }
            ]
        },
        "code": {"coding": [coding(system, code, display)], "text": display},
    }
    if clinical is not None:
        resource["clinicalStatus"] = {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                    "code": clinical,
                }
            ]
        }
    if onset is not None:
        resource["onsetDateTime"] = onset
    resource.update(extra)
    return resource


def breast_cancer(**kw: Any) -> dict[str, Any]:
    return condition(SNOMED, "254837009", "Malignant neoplasm of breast", **kw)


def bone_metastasis(**kw: Any) -> dict[str, Any]:
    return condition(SNOMED, "94222008", "Metastatic malignant neoplasm to bone", **kw)


def bone_pain(onset: str = "{{today-10d}}", **kw: Any) -> dict[str, Any]:
    return condition(SNOMED, "12584003", "Bone pain", onset, **kw)


def quantity(value: float, unit: str, *, ucum: bool = True) -> dict[str, Any]:
    q: dict[str, Any] = {"value": value, "unit": unit}
    if ucum:
        q.update(system=UCUM, code=unit.replace("µ", "u"))
    return q


def lab(
    loinc: str,
    value: float | None,
    unit: str,
    when: str | None = "{{now-2d}}",
    *,
    ucum: bool = True,
    status: str = "final",
    low: float | None = None,
    high: float | None = None,
    flag: str | None = None,
    comparator: str | None = None,
) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "status": status,
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/observation-category",
                        "code": "laboratory",
                    }
                ]
            }
        ],
        "code": {"coding": [coding(LOINC, loinc, LABS[loinc][0])]},
    }
    if when is not None:
        resource["effectiveDateTime"] = when
    if value is not None:
        resource["valueQuantity"] = quantity(value, unit, ucum=ucum)
        if comparator:
            resource["valueQuantity"]["comparator"] = comparator
    else:
        resource["dataAbsentReason"] = {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/data-absent-reason",
                    "code": "error",
                }
            ]
        }
    if low is not None or high is not None:
        rr: dict[str, Any] = {}
        if low is not None:
            rr["low"] = quantity(low, unit, ucum=ucum)
        if high is not None:
            rr["high"] = quantity(high, unit, ucum=ucum)
        resource["referenceRange"] = [rr]
    if flag:
        resource["interpretation"] = [{"coding": [{"system": INTERPRETATION, "code": flag}]}]
    return resource


def calcium(value: float, when: str = "{{now-2d}}", **kw: Any) -> dict[str, Any]:
    return lab("17861-6", value, "mg/dL", when, **kw)


def alp(value: float, when: str = "{{now-2d}}", **kw: Any) -> dict[str, Any]:
    return lab("6768-6", value, "U/L", when, **kw)


def medication(
    rxnorm: str,
    display: str,
    dose_mg: float | None = None,
    *,
    kind: str = "MedicationRequest",
    status: str = "active",
    when: str = "{{today-30d}}",
) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": kind,
        "status": status,
        "medicationCodeableConcept": {"coding": [coding(RXNORM, rxnorm, display)], "text": display},
    }
    dose = (
        {"doseQuantity": {"value": dose_mg, "unit": "mg", "system": UCUM, "code": "mg"}}
        if dose_mg is not None
        else None
    )
    if kind == "MedicationRequest":
        resource["intent"] = "order"
        resource["authoredOn"] = when
        if dose:
            resource["dosageInstruction"] = [{"doseAndRate": [dose]}]
    elif kind == "MedicationStatement":
        resource["effectiveDateTime"] = when
        if dose:
            resource["dosage"] = [{"doseAndRate": [dose]}]
    else:
        resource["effectiveDateTime"] = when
        if dose:
            resource["dosage"] = {"dose": dose["doseQuantity"]}
    return resource


def denosumab(dose_mg: float = 120, **kw: Any) -> dict[str, Any]:
    return medication("993449", "denosumab", dose_mg, **kw)


def zoledronic_4mg(**kw: Any) -> dict[str, Any]:
    return medication("1865665", "zoledronic acid 4 MG Injection", None, **kw)


def reclast_5mg(**kw: Any) -> dict[str, Any]:
    return medication("705824", "100 ML zoledronic acid 0.05 MG/ML Injection", None, **kw)


def bone_scan(when: str) -> dict[str, Any]:
    return {
        "resourceType": "Procedure",
        "status": "completed",
        "code": {"coding": [coding(SNOMED, "41747008", "Radioisotope scan of bone")]},
        "performedDateTime": when,
    }


def renal_inputs(weight_kg: float, creatinine_mg_dl: float = 1.0) -> list[dict[str, Any]]:
    """Weight and creatinine: for a 68-year-old man, CrCl = weight ÷ creatinine (§2)."""
    return [
        lab("29463-7", weight_kg, "kg", "{{now-5d}}"),
        lab("2160-0", creatinine_mg_dl, "mg/dL", "{{now-2d}}"),
    ]


# --- expectations ---------------------------------------------------------------------


@dataclass
class Card:
    topic: str
    indicator: str
    evidence: list[str]
    problem: str | None = None
    summary: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"topic": self.topic, "indicator": self.indicator}
        if self.problem:
            out["problem"] = self.problem
        out["evidence"] = self.evidence
        if self.summary:
            out["summary"] = self.summary
        return out


def hyper(indicator: str, *evidence: str, summary: str | None = None) -> Card:
    return Card("hypercalcemia", indicator, list(evidence), summary=[summary] if summary else [])


def workup(indicator: str, *evidence: str) -> Card:
    return Card("bone-metastasis-workup", indicator, list(evidence))


def bma(indicator: str, *evidence: str) -> Card:
    return Card("bone-modifying-agent", indicator, list(evidence))


def safety(problem: str, indicator: str, *evidence: str) -> Card:
    return Card("bma-safety", indicator, list(evidence), problem=problem)


def scc(*evidence: str) -> Card:
    return Card("spinal-cord-compression", "critical", list(evidence))


D2 = "{{today-2d}}"  # the date of a result taken `{{now-2d}}`


@dataclass
class Scenario:
    name: str
    why: str  # the case and the § of clinical-knowledge.md it checks
    resources: list[dict[str, Any]]
    cards: list[Card]
    patient: dict[str, Any] = field(default_factory=patient)
    null_keys: tuple[str, ...] = ()

    def request(self) -> dict[str, Any]:
        pid = self.name
        buckets: dict[str, list[dict[str, Any]]] = {key: [] for key in KEYS}
        for n, resource in enumerate(self.resources, start=1):
            resource = {**resource, "id": f"{resource['resourceType'].lower()[:4]}-{n}"}
            resource["subject"] = {"reference": f"Patient/{pid}"}
            kind = resource["resourceType"]
            key = LABS[resource["code"]["coding"][0]["code"]][1] if kind == "Observation" else None
            buckets[key or KEY_OF_TYPE[kind]].append(resource)
        prefetch: dict[str, Any] = {"patient": {**self.patient, "id": pid}}
        for key in KEYS[1:]:
            entries = buckets[key]
            prefetch[key] = {
                "resourceType": "Bundle",
                "type": "searchset",
                "total": len(entries),
                "entry": [
                    {
                        "fullUrl": f"https://ehr.example.org/fhir/{r['resourceType']}/{r['id']}",
                        "resource": r,
                        "search": {"mode": "match"},
                    }
                    for r in entries
                ],
            }
        for key in self.null_keys:
            assert not buckets.get(key), f"{self.name}: {key} is null but has data"
            prefetch[key] = None
        return {
            "hook": "patient-view",
            "hookInstance": str(uuid.uuid5(uuid.NAMESPACE_URL, f"scenario:{self.name}")),
            "context": {"userId": "Practitioner/scenario-clinician", "patientId": pid},
            "prefetch": prefetch,
        }


def bc() -> dict[str, Any]:
    return breast_cancer()


HYPER_106 = [calcium(10.6)]


def _calcium_pair(
    name: str, value: float, indicator: str, severity: str, shown: str, why: str
) -> Scenario:
    cards = [
        hyper(indicator, f"{shown} mg/dL", D2, summary=severity),
        workup("info", f"{shown} mg/dL", D2),
    ]
    return Scenario(name, why, [bc(), calcium(value)], cards)


SCENARIOS: list[Scenario] = [
    # --- §2/§3.1 total calcium at and above the default upper limit (10.5 mg/dL) ----------
    Scenario(
        "calcium-10.5-at-limit",
        "§2: 'above the upper reference limit' is strictly greater; 10.5 = ULN is not high",
        [bc(), calcium(10.5)],
        [],
    ),
    _calcium_pair(
        "calcium-10.6-just-above",
        10.6,
        "warning",
        "Mild",
        "10.6",
        "§3.1: 10.6 > 10.5 (default range) → mild hypercalcemia; §3.2 trigger 2 → work-up info",
    ),
    _calcium_pair(
        "calcium-11.9-mild",
        11.9,
        "warning",
        "Mild",
        "11.9",
        "§2 BMJ bands: mild < 12.0 mg/dL",
    ),
    _calcium_pair(
        "calcium-12.0-moderate",
        12.0,
        "warning",
        "Moderate",
        "12.0",
        "§2 BMJ bands: moderate from 12.0 mg/dL; still `warning`",
    ),
    _calcium_pair(
        "calcium-13.9-moderate-warning",
        13.9,
        "warning",
        "Moderate",
        "13.9",
        "§3.1: severe (critical) only from 14.0 mg/dL",
    ),
    _calcium_pair(
        "calcium-14.0-severe-critical",
        14.0,
        "critical",
        "Severe",
        "14.0",
        "§3.1: ≥ 14.0 mg/dL is severe → `critical`",
    ),
    Scenario(
        "calcium-3.49-mmol-below-severe",
        "§2: 3.49 mmol/L × 4.008 = 13.99 mg/dL, below 14.0 → `warning`",
        [bc(), lab("2000-8", 3.49, "mmol/L")],
        [
            hyper("warning", "13.99 mg/dL", "3.49 mmol/L", D2, summary="Moderate"),
            workup("info", "13.99 mg/dL", D2),
        ],
    ),
    Scenario(
        "calcium-3.50-mmol-severe",
        "§2: 3.50 mmol/L = 14.03 mg/dL, at or above 14.0 → `critical`",
        [bc(), lab("2000-8", 3.50, "mmol/L")],
        [
            hyper("critical", "14.03 mg/dL", "3.5 mmol/L", D2, summary="Severe"),
            workup("info", "14.03 mg/dL", D2),
        ],
    ),
    Scenario(
        "calcium-2.61-mmol-below-limit",
        "§2: 2.61 mmol/L = 10.46 mg/dL ≤ 10.5 → no card",
        [bc(), lab("2000-8", 2.61, "mmol/L")],
        [],
    ),
    Scenario(
        "calcium-2.62-mmol-just-above",
        "§2: thresholds compare the converted value: 2.62 mmol/L = 10.50096 mg/dL > 10.5",
        [bc(), lab("2000-8", 2.62, "mmol/L")],
        [hyper("warning", "10.5 mg/dL", "2.62 mmol/L", D2), workup("info", "2.62 mmol/L", D2)],
    ),
    Scenario(
        "calcium-MG-DL-uppercase-unit",
        "§2: 'MG/DL' in Quantity.unit without a UCUM code is mg/dL",
        [bc(), lab("17861-6", 10.6, "MG/DL", ucum=False)],
        [hyper("warning", "10.6 mg/dL", "10.6 MG/DL", D2), workup("info", "10.6 mg/dL", D2)],
    ),
    Scenario(
        "calcium-unknown-unit-no-card",
        "§2: a unit the service cannot convert (mg/L) is ignored, never guessed",
        [bc(), lab("17861-6", 106, "mg/L", ucum=False)],
        [],
    ),
    Scenario(
        "calcium-unknown-unit-reported-on-card",
        "§2: the ignored result is reported in the evidence of the card that is shown",
        [
            bc(),
            lab("17861-6", 130, "mg/L", ucum=False),
            alp(150),
        ],
        [workup("info", "150 U/L", D2, "unit the service cannot convert", "mg/L")],
    ),
    # --- lab-specific reference ranges, interpretation only ---------------------------
    Scenario(
        "calcium-10.3-lab-range-high",
        "§2: the result's own range (8.6–10.2) is used, not the default: 10.3 is high",
        [bc(), calcium(10.3, low=8.6, high=10.2)],
        [
            hyper("warning", "10.3 mg/dL", "8.6–10.2 mg/dL", "laboratory's own range", D2),
            workup("info", "10.3 mg/dL", D2),
        ],
    ),
    Scenario(
        "calcium-10.8-lab-range-normal",
        "§2: the result's own range (8.5–11.0) makes 10.8 normal although above the default",
        [bc(), calcium(10.8, low=8.5, high=11.0)],
        [],
    ),
    Scenario(
        "calcium-10.4-flag-H-no-range",
        "§2: no range → interpretation H counts as above the upper limit",
        [bc(), calcium(10.4, flag="H")],
        [
            hyper("warning", "10.4 mg/dL", "flagged high", D2),
            workup("info", "10.4 mg/dL", D2),
        ],
    ),
    Scenario(
        "calcium-10.7-flag-N-no-range",
        "§2: no range → interpretation N is normal, although 10.7 is above the default",
        [bc(), calcium(10.7, flag="N")],
        [],
    ),
    Scenario(
        "calcium-11.0-flag-HH-critical",
        "§3.1: interpretation HH is severe → `critical` whatever the value",
        [bc(), calcium(11.0, flag="HH")],
        [
            hyper("critical", "11.0 mg/dL", "flagged critically high", D2, summary="Severe"),
            workup("info", "11.0 mg/dL", D2),
        ],
    ),
    Scenario(
        "calcium-gt-14-comparator-critical",
        "§2: '>14.0' proves the high side (≥ 14.0) → severe",
        [bc(), calcium(14.0, comparator=">")],
        [hyper("critical", ">14.0", D2), workup("info", ">14.0", D2)],
    ),
    Scenario(
        "calcium-data-absent-no-card",
        "§2: a result with a dataAbsentReason is unusable",
        [bc(), lab("17861-6", None, "mg/dL")],
        [],
    ),
    # --- statuses ---------------------------------------------------------------------
    Scenario(
        "calcium-12.5-preliminary-ignored",
        "§2: only final/amended/corrected results count",
        [bc(), calcium(12.5, status="preliminary")],
        [],
    ),
    Scenario(
        "calcium-12.5-entered-in-error-ignored",
        "§2: entered-in-error results are ignored",
        [bc(), calcium(12.5, status="entered-in-error")],
        [],
    ),
    Scenario(
        "calcium-12.5-amended-counts",
        "§2: amended counts like final",
        [bc(), calcium(12.5, status="amended")],
        [hyper("warning", "12.5 mg/dL", D2), workup("info", "12.5 mg/dL", D2)],
    ),
    # --- calcium lookback (30 days) and future dates ----------------------------------
    Scenario(
        "calcium-lookback-30d-edge-counts",
        "§2: 'within the last 30 days' includes now − 30 × 24 h",
        [bc(), calcium(10.6, "{{now-720h}}")],
        [
            hyper("warning", "10.6 mg/dL", "{{today-30d}}"),
            workup("info", "10.6 mg/dL", "{{today-30d}}"),
        ],
    ),
    Scenario(
        "calcium-lookback-30d-plus-1h-too-old",
        "§2: one hour beyond the 30-day window: no current calcium",
        [bc(), calcium(10.6, "{{now-721h}}")],
        [],
    ),
    Scenario(
        "calcium-future-24h-counts",
        "§2: a result up to now + 1 day is current",
        [bc(), calcium(10.6, "{{now+24h}}")],
        [
            hyper("warning", "10.6 mg/dL", "{{today+1d}}"),
            workup("info", "10.6 mg/dL", "{{today+1d}}"),
        ],
    ),
    Scenario(
        "calcium-future-25h-ignored",
        "§2: a result dated beyond now + 1 day is ignored (and reported)",
        [bc(), calcium(12.0, "{{now+25h}}")],
        [],
    ),
    Scenario(
        "calcium-future-ignored-older-used",
        "§2: the future result is ignored and reported; the current 10.6 is used",
        [bc(), calcium(14.5, "{{now+3d}}"), calcium(10.6)],
        [
            hyper("warning", "10.6 mg/dL", D2, "dated in the future", summary="Mild"),
            workup("info", "10.6 mg/dL", D2),
        ],
    ),
    # --- ionized precedence, albumin correction ---------------------------------------
    Scenario(
        "ionized-normal-overrides-high-total",
        "§2: a current ionized calcium (1.25, normal) takes precedence over total 11.0",
        [bc(), calcium(11.0), lab("1995-0", 1.25, "mmol/L", "{{now-3d}}")],
        [],
    ),
    Scenario(
        "ionized-1.40-high-with-normal-total",
        "§2: ionized 1.40 > 1.32 mmol/L (default) → hypercalcemia although total is 9.5",
        [bc(), calcium(9.5), lab("1995-0", 1.40, "mmol/L", "{{now-3d}}")],
        [
            hyper("warning", "1.4 mmol/L", "Ionized calcium", "{{today-3d}}"),
            workup("info", "1.4 mmol/L", "{{today-3d}}"),
        ],
    ),
    Scenario(
        "ionized-1.80-not-severe",
        "§3.1: ionized is severe only when > 1.8 mmol/L",
        [bc(), lab("1995-0", 1.80, "mmol/L")],
        [hyper("warning", "1.8 mmol/L", D2), workup("info", "1.8 mmol/L", D2)],
    ),
    Scenario(
        "ionized-1.81-severe-critical",
        "§3.1: ionized > 1.8 mmol/L → `critical`",
        [bc(), lab("1995-0", 1.81, "mmol/L")],
        [hyper("critical", "1.81 mmol/L", D2), workup("info", "1.81 mmol/L", D2)],
    ),
    Scenario(
        "lab-corrected-calcium-used-as-is",
        "§2: a lab-corrected calcium (46099-8) is used as is, before total calcium",
        [bc(), calcium(9.8), lab("46099-8", 10.9, "mg/dL")],
        [
            hyper("warning", "10.9 mg/dL", "corrected by the laboratory", D2),
            workup("info", "10.9 mg/dL", D2),
        ],
    ),
    Scenario(
        "albumin-3.0-corrects-10.0-to-10.8",
        "§2: 10.0 + 0.8 × (4.0 − 3.0) = 10.8 mg/dL > 10.5 → hypercalcemia",
        [bc(), calcium(10.0), lab("1751-7", 3.0, "g/dL", "{{now-3d}}")],
        [
            hyper("warning", "10.8 mg/dL", "albumin **3.0 g/dL**", "{{today-3d}}", D2),
            workup("info", "10.8 mg/dL", D2),
        ],
    ),
    Scenario(
        "albumin-4.0-no-correction",
        "§2: correct only when albumin < 4.0 g/dL: 10.0 stays 10.0 → no card",
        [bc(), calcium(10.0), lab("1751-7", 4.0, "g/dL", "{{now-3d}}")],
        [],
    ),
    Scenario(
        "albumin-4.8-never-corrects-downward",
        "§2: high albumin never corrects down: 10.6 stays high",
        [bc(), calcium(10.6), lab("1751-7", 4.8, "g/dL")],
        [hyper("warning", "10.6 mg/dL", "Correction: none", D2), workup("info", "10.6 mg/dL", D2)],
    ),
    Scenario(
        "albumin-30-g-per-L-corrects",
        "§2: albumin 30 g/L = 3.0 g/dL; 10.0 → 10.8 mg/dL",
        [bc(), calcium(10.0), lab("1751-7", 30, "g/L", "{{now-1d}}")],
        [hyper("warning", "10.8 mg/dL", "3 g/dL", D2), workup("info", "10.8 mg/dL", D2)],
    ),
    Scenario(
        "albumin-72h-away-corrects",
        "§2: '±3 days' = at most 72 h apart: albumin 72 h before the calcium pairs",
        [bc(), calcium(10.0, "{{now-2d}}"), lab("1751-7", 3.0, "g/dL", "{{now-120h}}")],
        [hyper("warning", "10.8 mg/dL", "{{today-5d}}", D2), workup("info", "10.8 mg/dL", D2)],
    ),
    Scenario(
        "albumin-73h-away-no-correction",
        "§2: albumin 73 h from the calcium does not pair: 10.0 as measured → no card",
        [bc(), calcium(10.0, "{{now-2d}}"), lab("1751-7", 3.0, "g/dL", "{{now-121h}}")],
        [],
    ),
    Scenario(
        "albumin-corrected-13.3-to-14.1-critical",
        "§3.1: the corrected value decides severity: 13.3 + 0.8 × 1.0 = 14.1 → critical",
        [bc(), calcium(13.3), lab("1751-7", 3.0, "g/dL")],
        [hyper("critical", "14.1 mg/dL", D2, summary="Severe"), workup("info", "14.1 mg/dL", D2)],
    ),
    # --- ALP (§3.2 trigger 1; 90-day lookback; 2.5 × ULN) -----------------------------
    Scenario("alp-120-at-limit", "§2: ALP 120 U/L = default ULN → not high", [bc(), alp(120)], []),
    Scenario(
        "alp-121-just-above-info",
        "§3.2: an isolated mild ALP rise → work-up `info`",
        [bc(), alp(121)],
        [workup("info", "121 U/L", D2, "up to 120 U/L")],
    ),
    Scenario(
        "alp-300-at-2.5x-info",
        "§3.2: total ALP > 2.5 × ULN warns; 300 = 2.5 × 120 exactly is still `info`",
        [bc(), alp(300)],
        [workup("info", "300 U/L", D2, "2.5 × the upper limit")],
    ),
    Scenario(
        "alp-301-above-2.5x-warning",
        "§3.2: 301 > 2.5 × 120 → `warning`",
        [bc(), alp(301)],
        [workup("warning", "301 U/L", D2, "more than 2.5 × the upper limit")],
    ),
    Scenario(
        "alp-5.00-ukat-at-2.5x-info",
        "§2: µkat/L × 60 = U/L: 5.00 µkat/L = 300 U/L → `info`",
        [bc(), lab("6768-6", 5.00, "µkat/L")],
        [workup("info", "300.0 U/L", "5.0 µkat/L", D2)],
    ),
    Scenario(
        "alp-5.02-ukat-above-2.5x-warning",
        "§2: 5.02 µkat/L = 301.2 U/L > 300 → `warning`",
        [bc(), lab("6768-6", 5.02, "µkat/L")],
        [workup("warning", "301.20 U/L", "5.02 µkat/L", D2)],
    ),
    Scenario(
        "alp-301-IU-per-L-warning",
        "§2: IU/L is treated as U/L",
        [bc(), lab("6768-6", 301, "IU/L", ucum=False)],
        [workup("warning", "301 U/L", "301 IU/L", D2)],
    ),
    Scenario(
        "alp-140-lab-range-normal",
        "§2: the lab's range 40–150 U/L makes 140 normal although above the default 120",
        [bc(), alp(140, low=40, high=150)],
        [],
    ),
    Scenario(
        "alp-320-lab-range-147-info",
        "§3.2: 2.5 × the lab's ULN (147) = 367.5; 320 is high but not > 2.5 × → `info`",
        [bc(), alp(320, low=44, high=147)],
        [workup("info", "320 U/L", "44–147 U/L", D2)],
    ),
    Scenario(
        "alp-flag-H-only-info",
        "§6/§3.2: a flag alone shows 'above ULN' but not '> 2.5 × ULN' → `info`",
        [bc(), alp(100, flag="H")],
        [workup("info", "100 U/L", "flagged high", D2)],
    ),
    Scenario(
        "bone-alp-flag-H-info",
        "§3.2 trigger 1: a high bone-specific ALP (1777-2, by its flag; no default range)",
        [bc(), lab("1777-2", 35, "U/L", flag="H")],
        [workup("info", "35 U/L", "Bone-specific", D2)],
    ),
    Scenario(
        "alp-lookback-90d-edge-counts",
        "§2: ALP lookback 90 days includes now − 90 × 24 h",
        [bc(), alp(130, "{{now-2160h}}")],
        [workup("info", "130 U/L", "{{today-90d}}")],
    ),
    Scenario(
        "alp-lookback-90d-plus-1h-too-old",
        "§2: one hour beyond 90 days: no current ALP",
        [bc(), alp(130, "{{now-2161h}}")],
        [],
    ),
    # --- work-up triggers, kinds, imaging window --------------------------------------
    Scenario(
        "bone-pain-90d-edge-info",
        "§3.2 trigger 3: active bone pain dated now − 90 days → `info`",
        [bc(), bone_pain("{{now-2160h}}")],
        [workup("info", "Bone pain", "{{today-90d}}")],
    ),
    Scenario(
        "bone-pain-90d-plus-1h-no-card",
        "§3.2 trigger 3: bone pain 90 days + 1 h ago is not recent",
        [bc(), bone_pain("{{now-2161h}}")],
        [],
    ),
    Scenario(
        "bone-pain-resolved-no-card",
        "§3.2 trigger 3 needs an active Condition",
        [bc(), bone_pain(clinical="resolved")],
        [],
    ),
    Scenario(
        "pathological-fracture-warning",
        "§3.2: a pathological fracture alone → `warning`",
        [bc(), condition(SNOMED, "268029009", "Pathological fracture", "{{today-5d}}")],
        [workup("warning", "Pathological fracture", "{{today-5d}}")],
    ),
    Scenario(
        "alp-and-bone-pain-two-kinds-warning",
        "§3.2: two kinds of trigger (ALP, bone pain) → `warning`",
        [bc(), alp(150), bone_pain()],
        [workup("warning", "150 U/L", "Bone pain", "{{today-10d}}")],
    ),
    Scenario(
        "two-bone-pain-records-one-kind-info",
        "§3.2: two bone-pain records are one kind → `info`",
        [bc(), bone_pain("{{today-10d}}"), bone_pain("{{today-20d}}")],
        [workup("info", "Bone pain", "{{today-10d}}", "{{today-20d}}")],
    ),
    Scenario(
        "bone-scan-60d-edge-suppresses-workup",
        "§3.2: bone imaging at now − 60 days is 'in the last 60 days' → no work-up card",
        [bc(), alp(150), bone_scan("{{now-1440h}}")],
        [],
    ),
    Scenario(
        "bone-scan-60d-plus-1h-workup",
        "§3.2: imaging 60 days + 1 h ago no longer counts → work-up card",
        [bc(), alp(150), bone_scan("{{now-1441h}}")],
        [workup("info", "150 U/L", D2, "Last bone imaging on record: bone scan", "{{today-60d}}")],
    ),
    # --- scope (§1) -------------------------------------------------------------------
    Scenario(
        "no-breast-cancer-no-cards",
        "§1: hypercalcemia in a patient without breast cancer → no card",
        [calcium(12.5), condition(SNOMED, "38341003", "Hypertensive disorder")],
        [],
    ),
    Scenario(
        "family-history-429740004-not-in-scope",
        "§1: 429740004 is family history of breast cancer: not in scope",
        [
            condition(SNOMED, "429740004", "Family history of malignant neoplasm of breast"),
            calcium(12.5),
        ],
        [],
    ),
    Scenario(
        "breast-cancer-refuted-no-cards",
        "§1: a refuted breast cancer Condition does not count",
        [breast_cancer(verification="refuted"), calcium(12.5)],
        [],
    ),
    Scenario(
        "breast-cancer-entered-in-error-no-cards",
        "§1: an entered-in-error breast cancer Condition does not count",
        [breast_cancer(verification="entered-in-error"), calcium(12.5)],
        [],
    ),
    Scenario(
        "history-Z85.3-resolved-in-scope",
        "§1: ICD-10-CM Z85.3 (history), resolved, is in scope",
        [
            condition(
                ICD10CM,
                "Z85.3",
                "Personal history of malignant neoplasm of breast",
                "{{today-3000d}}",
                clinical="resolved",
            ),
            calcium(12.5),
        ],
        [hyper("warning", "12.5 mg/dL", D2), workup("info", "12.5 mg/dL", D2)],
    ),
    Scenario(
        "history-415076002-in-remission-in-scope",
        "§1: SNOMED 415076002 personal history, clinicalStatus remission, is in scope",
        [
            condition(
                SNOMED,
                "415076002",
                "Personal history of primary malignant neoplasm of breast",
                clinical="remission",
            ),
            alp(150),
        ],
        [workup("info", "150 U/L", D2)],
    ),
    Scenario(
        "male-breast-cancer-in-scope",
        "§1: breast cancer in a man (C50.921) is in scope",
        [
            condition(
                ICD10CM,
                "C50.921",
                "Malignant neoplasm of unspecified site of right male breast",
            ),
            calcium(10.6),
        ],
        [hyper("warning", "10.6 mg/dL", D2), workup("info", "10.6 mg/dL", D2)],
        patient=patient("male"),
    ),
    Scenario(
        "deceased-boolean-no-cards",
        "§1: a deceased patient gets no cards",
        [bc(), calcium(14.5)],
        [],
        patient=patient(deceasedBoolean=True),
    ),
    Scenario(
        "deceased-datetime-no-cards",
        "§1: deceasedDateTime set → no cards",
        [bc(), calcium(14.5)],
        [],
        patient=patient(deceasedDateTime="{{now-1d}}"),
    ),
    Scenario(
        "mcode-primary-and-secondary-bone",
        "§1: mCODE Primary (C50911, no dot) + Secondary (128462008) in a bone bodySite "
        "= known bone metastasis: BMA card (warning with hypercalcemia), no work-up",
        [
            condition(
                ICD10CM,
                "C50911",
                "Malignant neoplasm of unspecified site of right female breast",
                meta={"profile": [MCODE + "mcode-primary-cancer-condition"]},
            ),
            condition(
                SNOMED,
                "128462008",
                "Secondary malignant neoplastic disease",
                "{{today-20d}}",
                meta={"profile": [MCODE + "mcode-secondary-cancer-condition"]},
                bodySite=[
                    {"coding": [coding(SNOMED, "421060004", "Structure of vertebral column")]}
                ],
            ),
            calcium(10.6),
        ],
        [
            hyper("warning", "10.6 mg/dL", D2),
            bma("warning", "Secondary malignant neoplastic disease", "{{today-20d}}", "10.6 mg/dL"),
        ],
    ),
    Scenario(
        "mcode-secondary-liver-not-bone",
        "§1: a secondary in the liver is not bone metastasis → work-up, not BMA card",
        [
            condition(
                ICD10CM,
                "C50911",
                "Malignant neoplasm of unspecified site of right female breast",
                meta={"profile": [MCODE + "mcode-primary-cancer-condition"]},
            ),
            condition(
                SNOMED,
                "128462008",
                "Secondary malignant neoplastic disease",
                "{{today-20d}}",
                meta={"profile": [MCODE + "mcode-secondary-cancer-condition"]},
                bodySite=[{"coding": [coding(SNOMED, "10200004", "Liver structure")]}],
            ),
            calcium(10.6),
        ],
        [hyper("warning", "10.6 mg/dL", D2), workup("info", "10.6 mg/dL", D2)],
    ),
    Scenario(
        "mcode-secondary-bone-by-display",
        "§1: a bodySite code not in the list whose display names a bone ('femur') is bone",
        [
            bc(),
            condition(
                SNOMED,
                "128462008",
                "Secondary malignant neoplastic disease",
                "{{today-20d}}",
                meta={"profile": [MCODE + "mcode-secondary-cancer-condition"]},
                bodySite=[{"coding": [coding(SNOMED, "71341001", "Bone structure of femur")]}],
            ),
        ],
        [bma("info", "Secondary malignant neoplastic disease", "{{today-20d}}")],
    ),
    # --- prefetch with null keys ------------------------------------------------------
    Scenario(
        "prefetch-null-keys-calcium-only",
        "CDS Hooks: a null prefetch key is 'no data'; the cards rest on what was sent",
        [bc(), calcium(10.6)],
        [hyper("warning", "10.6 mg/dL", D2), workup("info", "10.6 mg/dL", D2)],
        null_keys=tuple(k for k in KEYS if k not in ("patient", "conditions", "calcium")),
    ),
    Scenario(
        "prefetch-null-conditions-no-cards",
        "§1: with conditions null, no breast cancer is known → no cards",
        [calcium(14.5)],
        [],
        null_keys=("conditions",),
    ),
    # --- spinal cord compression (§3.3; 14-day window) --------------------------------
    Scenario(
        "scc-neoplastic-14d-edge-critical",
        "§3.3 (a): compression due to metastasis dated now − 14 days → `critical`",
        [
            bc(),
            condition(
                SNOMED,
                "713425003",
                "Spinal cord compression due to metastasis to spine",
                "{{now-336h}}",
            ),
        ],
        [scc("Spinal cord compression due to metastasis to spine", "{{today-14d}}")],
    ),
    Scenario(
        "scc-neoplastic-14d-plus-1h-no-card",
        "§3.3: 14 days + 1 h ago is outside the window",
        [
            bc(),
            condition(
                SNOMED,
                "713425003",
                "Spinal cord compression due to metastasis to spine",
                "{{now-337h}}",
            ),
        ],
        [],
    ),
    Scenario(
        "scc-back-pain-with-red-flag-critical",
        "§3.3 (c): back pain + urinary retention, both in 14 days → `critical`",
        [
            bc(),
            condition(SNOMED, "161891005", "Backache", "{{today-3d}}"),
            condition(SNOMED, "267064002", "Retention of urine", "{{today-1d}}"),
        ],
        [scc("Backache", "Retention of urine", "{{today-3d}}", "{{today-1d}}")],
    ),
    Scenario(
        "scc-back-pain-red-flag-too-old",
        "§3.3 (c): the red flag must also be within 14 days",
        [
            bc(),
            condition(SNOMED, "161891005", "Backache", "{{today-3d}}"),
            condition(SNOMED, "267064002", "Retention of urine", "{{now-337h}}"),
        ],
        [],
    ),
    Scenario(
        "scc-back-pain-alone-no-card",
        "§3.3 (c): back pain without a red flag is not enough",
        [bc(), condition(SNOMED, "161891005", "Backache", "{{today-3d}}")],
        [],
    ),
    Scenario(
        "scc-resolved-no-card",
        "§3.3: the Condition must be active",
        [
            bc(),
            condition(
                SNOMED,
                "713425003",
                "Spinal cord compression due to metastasis to spine",
                "{{today-3d}}",
                clinical="resolved",
            ),
        ],
        [],
    ),
    # --- bone-modifying agent (§3.4, §4) ----------------------------------------------
    Scenario(
        "bone-mets-no-bma-info",
        "§3.4: known bone metastasis, no BMA → `info`",
        [bc(), bone_metastasis()],
        [bma("info", "Metastatic malignant neoplasm to bone", "{{today-400d}}")],
    ),
    Scenario(
        "bone-mets-denosumab-120-no-card",
        "§3.4: on denosumab 120 mg (oncology), calcium current → no card",
        [bc(), bone_metastasis(), denosumab(120), calcium(9.5)],
        [],
    ),
    Scenario(
        "bone-mets-denosumab-60-osteoporosis-dose",
        "§3.4: denosumab 60 mg is the osteoporosis dose: BMA card, naming it",
        [bc(), bone_metastasis(), denosumab(60), calcium(9.5)],
        [bma("info", "Osteoporosis-dose agent", "60 mg", "9.5 mg/dL", "{{today-30d}}")],
    ),
    Scenario(
        "bone-mets-zoledronic-4mg-no-card",
        "§3.4: on zoledronic acid 4 mg (oncology) → no card",
        [bc(), bone_metastasis(), zoledronic_4mg()],
        [],
    ),
    Scenario(
        "bone-mets-reclast-5mg-osteoporosis-dose",
        "§3.4: zoledronic acid 5 mg (Reclast) is not the oncology regimen",
        [bc(), bone_metastasis(), reclast_5mg()],
        [bma("info", "Osteoporosis-dose agent", "5 mg", "{{today-30d}}")],
    ),
    Scenario(
        "bone-mets-bma-completed-16w-edge-on-bma",
        "§3.4: a completed order authored now − 16 weeks still counts → no BMA card; "
        "§3.5 denosumab 120 mg without calcium in 30 days → bma-safety info",
        [
            bc(),
            bone_metastasis(),
            denosumab(120, status="completed", when="{{now-2688h}}"),
        ],
        [safety("denosumab-calcium-unmonitored", "info", "120 mg", "{{today-112d}}")],
    ),
    Scenario(
        "bone-mets-bma-completed-16w-plus-1h-off",
        "§3.4: completed 16 weeks + 1 h ago → not on a BMA → BMA card",
        [
            bc(),
            bone_metastasis(),
            denosumab(120, status="completed", when="{{now-2689h}}"),
        ],
        [bma("info", "Metastatic malignant neoplasm to bone", "{{today-400d}}")],
    ),
    Scenario(
        "bone-mets-bma-stopped-not-on-bma",
        "§3.4: a stopped order does not count",
        [bc(), bone_metastasis(), denosumab(120, status="stopped")],
        [bma("info", "Metastatic malignant neoplasm to bone", "{{today-400d}}")],
    ),
    Scenario(
        "bone-mets-hypercalcemia-bma-warning",
        "§3.4: known metastasis + hypercalcemia → BMA `warning`; no work-up (known mets)",
        [bc(), bone_metastasis(), calcium(11.0)],
        [hyper("warning", "11.0 mg/dL", D2), bma("warning", "11.0 mg/dL", "hypercalcemia", D2)],
    ),
    # --- CrCl bands (§4): 68-year-old man, creatinine 1.0 → CrCl = weight -------------
    *(
        Scenario(
            f"crcl-{weight:g}-zoledronic-{dose}",
            f"§4: CrCl {weight:g} mL/min → zoledronic acid {dose}",
            [
                condition(
                    ICD10CM,
                    "C50.921",
                    "Malignant neoplasm of unspecified site of right male breast",
                ),
                bone_metastasis(),
                *renal_inputs(weight),
            ],
            [bma("info", f"**{weight:g} mL/min**", "{{today-5d}}", D2, shown)],
            patient=patient("male"),
        )
        for weight, dose, shown in (
            (60.1, "4.0mg", "**4.0 mg**"),
            (60, "3.5mg", "**3.5 mg**"),
            (50, "3.5mg", "**3.5 mg**"),
            (49.9, "3.3mg", "**3.3 mg**"),
            (40, "3.3mg", "**3.3 mg**"),
            (39.9, "3.0mg", "**3.0 mg**"),
            (30, "3.0mg", "**3.0 mg**"),
            (29.9, "not-recommended", "**not recommended**"),
        )
    ),
    Scenario(
        "crcl-creatinine-umol-per-L",
        "§2: creatinine 88.42 µmol/L = 1.0 mg/dL → CrCl 55 → 3.5 mg",
        [
            bc(),
            bone_metastasis(),
            lab("29463-7", 55, "kg", "{{now-5d}}"),
            lab("14682-9", 88.42, "umol/L"),
        ],
        [bma("info", "**55 mL/min**", "**3.5 mg**", D2)],
        patient=patient("male"),
    ),
    # --- BMA safety (§3.5) ------------------------------------------------------------
    Scenario(
        "safety-zoledronic-crcl-29.9-warning",
        "§3.5: zoledronic acid and CrCl < 30 → bma-safety `warning`",
        [bc(), zoledronic_4mg(), *renal_inputs(29.9)],
        [safety("zoledronic-acid-low-crcl", "warning", "**29.9 mL/min**", D2)],
        patient=patient("male"),
    ),
    Scenario(
        "safety-zoledronic-crcl-30-ok",
        "§3.5: CrCl 30 is not < 30 → no card",
        [bc(), zoledronic_4mg(), *renal_inputs(30)],
        [],
        patient=patient("male"),
    ),
    Scenario(
        "safety-reclast-crcl-34.9-warning",
        "§3.5: the 5 mg product's limit is 35 mL/min",
        [bc(), reclast_5mg(), *renal_inputs(34.9)],
        [safety("zoledronic-acid-low-crcl", "warning", "**34.9 mL/min**", "below 35", D2)],
        patient=patient("male"),
    ),
    Scenario(
        "safety-reclast-crcl-35-ok",
        "§3.5: CrCl 35 is not < 35 → no card",
        [bc(), reclast_5mg(), *renal_inputs(35)],
        [],
        patient=patient("male"),
    ),
    Scenario(
        "safety-zoledronic-egfr-29-warning",
        "§3.5: without weight, a current eGFR < 30 stands in for CrCl",
        [bc(), zoledronic_4mg(), lab("98979-8", 29, "mL/min/{1.73_m2}")],
        [safety("zoledronic-acid-low-crcl", "warning", "eGFR 29", D2)],
    ),
    Scenario(
        "safety-creatinine-rise-0.5-warning",
        "§3.5: creatinine up 0.5 mg/dL from a normal baseline (1.0) → `warning`",
        [
            bc(),
            zoledronic_4mg(when="{{today-60d}}"),
            lab("2160-0", 1.0, "mg/dL", "{{now-65d}}"),
            lab("2160-0", 1.5, "mg/dL"),
        ],
        [
            safety(
                "zoledronic-acid-creatinine-rise",
                "warning",
                "1.5 mg/dL",
                "1.0 mg/dL",
                D2,
                "{{today-65d}}",
            )
        ],
    ),
    Scenario(
        "safety-creatinine-baseline-180d-before-old-start-warning",
        "§3.5: a course started 400 days ago takes its baseline from the 180 days up to"
        " its start (here at the bound: 1.0, 180 days before it) → 1.5 is up 0.5 → `warning`",
        [
            bc(),
            zoledronic_4mg(when="{{today-400d}}"),
            lab("2160-0", 1.0, "mg/dL", "{{today-580d}}"),
            lab("2160-0", 1.5, "mg/dL"),
        ],
        [
            safety(
                "zoledronic-acid-creatinine-rise",
                "warning",
                "1.5 mg/dL",
                "1.0 mg/dL",
                D2,
                "{{today-580d}}",
            )
        ],
    ),
    Scenario(
        "safety-creatinine-baseline-181d-before-old-start-no-card",
        "§3.5: 181 days before the start is outside its 180 days, and nothing is in the 180"
        " days before the current creatinine → no baseline → no card",
        [
            bc(),
            zoledronic_4mg(when="{{today-400d}}"),
            lab("2160-0", 1.0, "mg/dL", "{{today-581d}}"),
            lab("2160-0", 1.5, "mg/dL"),
        ],
        [],
    ),
    Scenario(
        "safety-creatinine-rise-0.49-no-card",
        "§3.5: a rise of 0.49 mg/dL is below the limit",
        [
            bc(),
            zoledronic_4mg(when="{{today-60d}}"),
            lab("2160-0", 1.0, "mg/dL", "{{now-65d}}"),
            lab("2160-0", 1.49, "mg/dL"),
        ],
        [],
    ),
    Scenario(
        "safety-denosumab-calcium-8.0-grade1-warning",
        "§3.5: denosumab and calcium 8.0 < 8.5 (grade 1) → `warning`",
        [bc(), denosumab(120), calcium(8.0)],
        [safety("denosumab-low-calcium", "warning", "8.0 mg/dL", D2, "grade 1")],
    ),
    Scenario(
        "safety-denosumab-calcium-7.0-grade2-warning",
        "§3.5: 7.0 mg/dL is grade 2 (< 8.0 – 7.0) → `warning`",
        [bc(), denosumab(120), calcium(7.0)],
        [safety("denosumab-low-calcium", "warning", "7.0 mg/dL", "grade 2", D2)],
    ),
    Scenario(
        "safety-denosumab-calcium-6.9-grade3-critical",
        "§3.5: < 7.0 mg/dL is grade 3 → `critical`",
        [bc(), denosumab(120), calcium(6.9)],
        [safety("denosumab-low-calcium", "critical", "6.9 mg/dL", "grade 3", D2)],
    ),
    Scenario(
        "safety-denosumab-120-no-calcium-info",
        "§3.5: denosumab 120 mg and no calcium in 30 days → `info`",
        [bc(), denosumab(120)],
        [safety("denosumab-calcium-unmonitored", "info", "120 mg", "{{today-30d}}")],
    ),
    Scenario(
        "safety-denosumab-60-egfr-29-no-calcium-warning",
        "§3.5: denosumab 60 mg, eGFR 29 (< 30), no calcium → `warning` (Prolia boxed warning)",
        [bc(), denosumab(60), lab("98979-8", 29, "mL/min/{1.73_m2}")],
        [safety("denosumab-60-ckd-calcium-unmonitored", "warning", "eGFR 29", D2)],
    ),
    Scenario(
        "safety-denosumab-60-egfr-30-no-card",
        "§3.5: eGFR 30 is not < 30 → no card",
        [bc(), denosumab(60), lab("98979-8", 30, "mL/min/{1.73_m2}")],
        [],
    ),
    # --- further edges found while reading the specification -------------------------
    Scenario(
        "safety-denosumab-calcium-lt-7.0-critical",
        "§2, §3.5: '<7.0' proves the calcium is below 7.0 mg/dL, CTCAE grade 3 → `critical`",
        [bc(), denosumab(120), calcium(7.0, comparator="<")],
        [safety("denosumab-low-calcium", "critical", "<7.0", "grade 3", D2)],
    ),
    Scenario(
        "safety-denosumab-calcium-le-7.0-warning",
        "§2, §3.5: '<=7.0' does not prove < 7.0 (grade 2 possible) → `warning`",
        [bc(), denosumab(120), calcium(7.0, comparator="<=")],
        [safety("denosumab-low-calcium", "warning", "<=7.0", "grade 2", D2)],
    ),
    Scenario(
        "calcium-gt-12.5-grade-3",
        "§2 CTCAE: '>12.5' proves > 12.5 mg/dL, grade 3 (> 12.5 – 13.5)",
        [bc(), calcium(12.5, comparator=">")],
        [
            hyper("warning", ">12.5", "grade 3", D2, summary="Moderate"),
            workup("info", ">12.5", D2),
        ],
    ),
    Scenario(
        "calcium-12.5-grade-2",
        "§2 CTCAE: 12.5 mg/dL is grade 2 (> 11.5 – 12.5)",
        [bc(), calcium(12.5)],
        [hyper("warning", "12.5 mg/dL", "grade 2", D2), workup("info", "12.5 mg/dL", D2)],
    ),
    Scenario(
        "bone-alp-no-range-no-flag-ignored",
        "§2: bone-specific ALP has no default range: without its own range or flag, no trigger",
        [bc(), lab("1777-2", 90, "U/L")],
        [],
    ),
    Scenario(
        "bone-alp-5x-own-range-still-info",
        "§3.2: '> 2.5 × ULN' is for total ALP only; a bone-specific ALP 5 × its ULN is `info`",
        [bc(), lab("1777-2", 100, "U/L", low=5, high=20)],
        [workup("info", "100 U/L", "5–20 U/L", D2)],
    ),
    Scenario(
        "total-and-bone-alp-one-kind-info",
        "§3.2: a high total and a high bone-specific ALP are one kind of trigger → `info`",
        [bc(), alp(150), lab("1777-2", 35, "U/L", flag="H")],
        [workup("info", "150 U/L", "35 U/L", D2)],
    ),
    Scenario(
        "bone-scan-not-done-does-not-count",
        "§3.2: only a completed or in-progress Procedure is bone imaging",
        [bc(), alp(150), bone_scan("{{now-10d}}") | {"status": "not-done"}],
        [workup("info", "150 U/L", D2)],
    ),
    Scenario(
        "pet-ct-report-preliminary-counts",
        "§3.2: a DiagnosticReport in any status but entered-in-error / cancelled counts",
        [
            bc(),
            alp(150),
            {
                "resourceType": "DiagnosticReport",
                "status": "preliminary",
                "code": {"coding": [coding(SNOMED, "432675001", "PET FDG imaging of whole body")]},
                "effectiveDateTime": "{{now-10d}}",
            },
        ],
        [],
    ),
    Scenario(
        "spine-mri-study-available-counts",
        "§3.2: an ImagingStudy (available) coded as whole-spine MRI counts",
        [
            bc(),
            alp(150),
            {
                "resourceType": "ImagingStudy",
                "status": "available",
                "procedureCode": [
                    {"coding": [coding(LOINC, "42698-1", "MR Cervical+Thoracic+Lumbar spine")]}
                ],
                "started": "{{now-10d}}",
            },
        ],
        [],
    ),
    Scenario(
        "bone-mets-refuted-workup-instead",
        "§1: a refuted bone metastasis is not known → work-up card, no BMA card",
        [bc(), bone_metastasis(verification="refuted"), alp(150)],
        [workup("info", "150 U/L", D2)],
    ),
    Scenario(
        "bone-mets-fracture-resolved-200d-info",
        "§3.4: a pathological fracture neither active nor in 90 days does not warn",
        [
            bc(),
            bone_metastasis(),
            condition(
                SNOMED, "268029009", "Pathological fracture", "{{today-200d}}", clinical="resolved"
            ),
        ],
        [bma("info", "Metastatic malignant neoplasm to bone", "{{today-400d}}")],
    ),
    Scenario(
        "bone-mets-fracture-active-200d-warning",
        "§3.4: an active pathological fracture, whatever its date → `warning`",
        [
            bc(),
            bone_metastasis(),
            condition(SNOMED, "268029009", "Pathological fracture", "{{today-200d}}"),
        ],
        [bma("warning", "Pathological fracture", "{{today-200d}}")],
    ),
    Scenario(
        "bone-mets-denosumab-intent-unknown-counts",
        "§4: denosumab without a dose is intent unknown: on a BMA (no BMA card), and the "
        "dose-specific calcium-monitoring checks do not apply",
        [bc(), bone_metastasis(), denosumab(None)],
        [],
    ),
    Scenario(
        "bone-mets-statement-active-counts",
        "§3.4: a MedicationStatement active, whatever its date, counts",
        [
            bc(),
            bone_metastasis(),
            zoledronic_4mg(kind="MedicationStatement", when="{{today-400d}}"),
        ],
        [],
    ),
    Scenario(
        "bone-mets-administration-16w-edge-counts",
        "§3.4: a MedicationAdministration completed now − 16 weeks counts",
        [
            bc(),
            bone_metastasis(),
            zoledronic_4mg(
                kind="MedicationAdministration", status="completed", when="{{now-2688h}}"
            ),
        ],
        [],
    ),
    Scenario(
        "bone-mets-administration-16w-plus-1h-off",
        "§3.4: a MedicationAdministration 16 weeks + 1 h ago does not count",
        [
            bc(),
            bone_metastasis(),
            zoledronic_4mg(
                kind="MedicationAdministration", status="completed", when="{{now-2689h}}"
            ),
        ],
        [bma("info", "Metastatic malignant neoplasm to bone", "{{today-400d}}")],
    ),
    Scenario(
        "crcl-gender-absent-uses-0.85",
        "§2: gender absent → unknown → × 0.85: 70 kg, 68 y, creatinine 1.0 → 59.5 → 3.5 mg",
        [bc(), bone_metastasis(), *renal_inputs(70)],
        [bma("info", "**59.5 mL/min**", "**3.5 mg**", D2)],
        patient={"resourceType": "Patient", "birthDate": AGE_68},
    ),
    Scenario(
        "crcl-male-70kg-4.0mg",
        "§2: the same man: 70 kg → 70 mL/min → 4.0 mg",
        [bc(), bone_metastasis(), *renal_inputs(70)],
        [bma("info", "**70 mL/min**", "**4.0 mg**", D2)],
        patient=patient("male"),
    ),
    Scenario(
        "safety-creatinine-rise-1.0-abnormal-baseline-warning",
        "§3.5: from an abnormal baseline (1.4) a rise of 1.0 mg/dL → `warning`",
        [
            bc(),
            zoledronic_4mg(when="{{today-60d}}"),
            lab("2160-0", 1.4, "mg/dL", "{{now-65d}}"),
            lab("2160-0", 2.4, "mg/dL"),
        ],
        [safety("zoledronic-acid-creatinine-rise", "warning", "2.4 mg/dL", "1.4 mg/dL", D2)],
    ),
    Scenario(
        "safety-creatinine-rise-0.99-abnormal-baseline-no-card",
        "§3.5: from an abnormal baseline (1.4) a rise of 0.99 is below the limit",
        [
            bc(),
            zoledronic_4mg(when="{{today-60d}}"),
            lab("2160-0", 1.4, "mg/dL", "{{now-65d}}"),
            lab("2160-0", 2.39, "mg/dL"),
        ],
        [],
    ),
    Scenario(
        "safety-denosumab-60-crcl-35-beats-egfr-25",
        "§3.5: CrCl when computable (35), else eGFR: the eGFR of 25 does not decide → no card",
        [bc(), denosumab(60), *renal_inputs(35), lab("98979-8", 25, "mL/min/{1.73_m2}")],
        [],
        patient=patient("male"),
    ),
    Scenario(
        "safety-denosumab-120-calcium-comparator-counts",
        "§3.5: a calcium result with a comparator ('>8.0') counts as monitored",
        [bc(), denosumab(120), calcium(8.0, comparator=">")],
        [],
    ),
    Scenario(
        "scc-G95.20-unstated-cause-critical",
        "§3.3 (b): ICD-10-CM G95.20 cord compression, unstated cause → `critical`",
        [bc(), condition(ICD10CM, "G95.20", "Cord compression, unspecified", "{{today-2d}}")],
        [scc("Cord compression, unspecified", "{{today-2d}}")],
    ),
    Scenario(
        "scc-1156266006-site-specified-not-counted",
        "§3.3: site-specified compression (1156266006) is not in (a) or (b)",
        [
            bc(),
            condition(
                SNOMED,
                "1156266006",
                "Compression of cervical spinal cord",
                "{{today-2d}}",
            ),
        ],
        [],
    ),
    Scenario(
        "scc-no-date-never-recent",
        "§2: a Condition with neither onset nor recordedDate is never recent",
        [
            bc(),
            condition(
                SNOMED, "713425003", "Spinal cord compression due to metastasis to spine", None
            ),
        ],
        [],
    ),
    Scenario(
        "scc-recorded-date-only-counts",
        "§2: without onset, the recordedDate dates the Condition",
        [
            bc(),
            condition(
                SNOMED,
                "713425003",
                "Spinal cord compression due to metastasis to spine",
                None,
                recordedDate="{{today-3d}}",
            ),
        ],
        [scc("Spinal cord compression due to metastasis to spine", "{{today-3d}}")],
    ),
    Scenario(
        "deceased-boolean-false-in-scope",
        "§1: deceasedBoolean false is alive",
        [bc(), calcium(10.6)],
        [hyper("warning", "10.6 mg/dL", D2), workup("info", "10.6 mg/dL", D2)],
        patient=patient(deceasedBoolean=False),
    ),
    Scenario(
        "calcium-effective-period-end-counts",
        "§2: the time of a result is effectivePeriod.end when there is no effectiveDateTime",
        [
            bc(),
            calcium(10.6, None)
            | {"effectivePeriod": {"start": "{{now-40d}}", "end": "{{now-2d}}"}},
        ],
        [hyper("warning", "10.6 mg/dL", D2), workup("info", "10.6 mg/dL", D2)],
    ),
    Scenario(
        "ionized-stale-total-used",
        "§2: an ionized calcium older than 30 days is not current; the total 10.6 is used",
        [bc(), calcium(10.6), lab("1995-0", 1.20, "mmol/L", "{{now-40d}}")],
        [hyper("warning", "Total calcium", "10.6 mg/dL", D2), workup("info", "10.6 mg/dL", D2)],
    ),
]


def build() -> dict[str, Any]:
    """File name → content, for every scenario file and the manifest."""
    names = [s.name for s in SCENARIOS]
    duplicates = {n for n in names if names.count(n) > 1}
    assert not duplicates, duplicates
    files: dict[str, Any] = {}
    manifest: dict[str, Any] = {}
    for scenario in SCENARIOS:
        file = f"{scenario.name}.json"
        files[file] = scenario.request()
        manifest[file] = {
            "why": scenario.why,
            "cards": [card.as_json() for card in scenario.cards],
        }
    files["manifest.json"] = {
        "about": (
            "Expected patient-view cards per scenario file: topic, indicator, problem "
            "(bma-safety), and evidence strings the card's summary or detail must show "
            "(relative-date tokens resolved at the evaluation time). Generated by _make.py."
        ),
        "scenarios": manifest,
    }
    return files


def dump(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def main(argv: list[str]) -> int:
    files = build()
    stale = [name for name, data in files.items() if _read(HERE / name) != dump(data)]
    if "--check" in argv:
        for name in stale:
            sys.stderr.write(f"stale: {name}\n")
        return 1 if stale else 0
    for name in stale:
        (HERE / name).write_text(dump(files[name]), encoding="utf-8")
    for path in HERE.glob("*.json"):
        if path.name not in files:
            path.unlink()
    return 0


def _read(path: Path) -> str | None:
    return path.read_text(encoding="utf-8") if path.exists() else None


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
