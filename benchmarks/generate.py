"""Synthetic breast cancer patients with bone metastases, in four sizes, as hook requests.

    bundle = patient_bundle("M", now)            # a FHIR transaction Bundle (PUTs)
    request = hook_request(bundle, now)          # a complete patient-view hook request

Every patient is in scope (female, active breast cancer, known bone metastasis, on
zoledronic acid for two years), so the whole rule path runs. Laboratory results come
as panels drawn on visit days spread over the years before `now`, the latest two days
ago: a metabolic panel (calcium, albumin, ALP, creatinine — the analytes the rules
read — plus ten others) and a blood count (six analytes), with a weight every fifth
visit. So about a fifth of the Observations are ones the service reads; the rest are
other labs. The generator is deterministic for a given size, `now` and seed.

The hook request answers every prefetch template from the Bundle the way a FHIR server
would (`cds_service.devtools.bundle_request`): each lab key gets the Observations of
its codes, the whole history (no `_count` cut), so a bigger patient means a bigger
request body. `python -m benchmarks.generate M > m.json` writes one.
"""

from __future__ import annotations

import math
import random
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson

from cds_service.devtools.bundle_request import hook_request_from_bundle
from cds_service.services.advisor import BoneMetastasisAdvisor

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
UCUM = "http://unitsofmeasure.org"


@dataclass(frozen=True, slots=True)
class Size:
    name: str
    observations: int
    conditions: int
    medications: int
    years: int


SIZES: dict[str, Size] = {
    s.name: s
    for s in (
        Size("S", 20, 3, 3, 1),
        Size("M", 200, 30, 20, 3),
        Size("L", 2_000, 60, 40, 5),
        Size("XL", 20_000, 120, 80, 10),
    )
}

# (LOINC, display, unit, low, high, usual low, usual high): the analytes the rules read.
_OURS = (
    ("17861-6", "Calcium [Mass/volume] in Serum or Plasma", "mg/dL", 8.5, 10.5, 8.8, 10.2),
    ("1751-7", "Albumin [Mass/volume] in Serum or Plasma", "g/dL", 3.5, 5.0, 3.6, 4.6),
    ("6768-6", "Alkaline phosphatase [Enzymatic activity/volume] in Serum or Plasma", "U/L",
     44, 147, 60, 140),
    ("2160-0", "Creatinine [Mass/volume] in Serum or Plasma", "mg/dL", 0.6, 1.1, 0.7, 1.0),
)  # fmt: skip
_OTHER_CMP = (
    ("2951-2", "Sodium [Moles/volume] in Serum or Plasma", "mmol/L", 135, 145, 136, 144),
    ("2823-3", "Potassium [Moles/volume] in Serum or Plasma", "mmol/L", 3.5, 5.1, 3.7, 4.9),
    ("2075-0", "Chloride [Moles/volume] in Serum or Plasma", "mmol/L", 98, 107, 99, 106),
    ("2028-9", "Carbon dioxide, total [Moles/volume] in Serum or Plasma", "mmol/L",
     22, 29, 23, 28),
    ("3094-0", "Urea nitrogen [Mass/volume] in Serum or Plasma", "mg/dL", 7, 20, 9, 18),
    ("2345-7", "Glucose [Mass/volume] in Serum or Plasma", "mg/dL", 70, 99, 75, 110),
    ("2885-2", "Protein [Mass/volume] in Serum or Plasma", "g/dL", 6.0, 8.3, 6.3, 7.9),
    ("1920-8", "Aspartate aminotransferase [Enzymatic activity/volume] in Serum or Plasma",
     "U/L", 10, 40, 14, 38),
    ("1742-6", "Alanine aminotransferase [Enzymatic activity/volume] in Serum or Plasma",
     "U/L", 7, 56, 12, 45),
    ("1975-2", "Bilirubin.total [Mass/volume] in Serum or Plasma", "mg/dL", 0.1, 1.2, 0.3, 1.0),
)  # fmt: skip
_CBC = (
    ("6690-2", "Leukocytes [#/volume] in Blood by Automated count", "10*3/uL", 4.5, 11, 4, 9),
    ("718-7", "Hemoglobin [Mass/volume] in Blood", "g/dL", 12, 15.5, 10.5, 13.5),
    ("4544-3", "Hematocrit [Volume Fraction] of Blood by Automated count", "%", 36, 46, 33, 41),
    ("777-3", "Platelets [#/volume] in Blood by Automated count", "10*3/uL", 150, 400, 160, 350),
    ("789-8", "Erythrocytes [#/volume] in Blood by Automated count", "10*6/uL",
     4.0, 5.2, 3.8, 4.8),
    ("787-2", "MCV [Entitic volume] by Automated count", "fL", 80, 100, 82, 96),
)  # fmt: skip
_WEIGHT = ("29463-7", "Body weight", "kg")
_OTHER_CONDITIONS = (
    ("38341003", "Hypertensive disorder"),
    ("44054006", "Diabetes mellitus type 2"),
    ("55822004", "Hyperlipidemia"),
    ("195967001", "Asthma"),
    ("35489007", "Depressive disorder"),
    ("399211009", "History of myocardial infarction"),
    ("40055000", "Chronic sinusitis"),
    ("271737000", "Anemia"),
    ("62315008", "Diarrhea"),
    ("422587007", "Nausea"),
)
_OTHER_MEDICATIONS = (
    ("200064", "letrozole 2.5 MG Oral Tablet"),
    ("314076", "lisinopril 10 MG Oral Tablet"),
    ("860975", "metformin hydrochloride 500 MG Oral Tablet"),
    ("617314", "atorvastatin 10 MG Oral Tablet"),
    ("197361", "amlodipine 5 MG Oral Tablet"),
    ("313782", "acetaminophen 325 MG Oral Tablet"),
)


def _instant(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _concept(system: str, code: str, display: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code, "display": display}], "text": display}


def _status(system_path: str, code: str) -> dict[str, Any]:
    return {
        "coding": [{"system": f"http://terminology.hl7.org/CodeSystem/{system_path}", "code": code}]
    }


class _Builder:
    def __init__(self, size: Size, now: datetime, seed: int) -> None:
        self.size = size
        self.now = now
        self.rng = random.Random(f"{size.name}-{seed}")
        self.pid = f"bench-{size.name.lower()}"
        self.subject = {"reference": f"Patient/{self.pid}"}
        self.entries: list[dict[str, Any]] = []
        self.counter = 0

    def add(self, resource: dict[str, Any]) -> None:
        self.counter += 1
        resource["id"] = f"{self.pid}-{resource['resourceType'].lower()}-{self.counter}"
        url = f"{resource['resourceType']}/{resource['id']}"
        self.entries.append({"resource": resource, "request": {"method": "PUT", "url": url}})

    def patient(self) -> None:
        self.entries.append(
            {
                "resource": {
                    "resourceType": "Patient",
                    "id": self.pid,
                    "name": [{"family": "Benchmark", "given": [self.size.name]}],
                    "gender": "female",
                    "birthDate": "1961-04-12",
                },
                "request": {"method": "PUT", "url": f"Patient/{self.pid}"},
            }
        )

    def condition(self, concept: dict[str, Any], onset: datetime) -> None:
        self.add(
            {
                "resourceType": "Condition",
                "clinicalStatus": _status("condition-clinical", "active"),
                "verificationStatus": _status("condition-ver-status", "confirmed"),
                "category": [_status("condition-category", "problem-list-item")],
                "code": concept,
                "subject": self.subject,
                "onsetDateTime": _instant(onset),
                "recordedDate": _instant(onset),
            }
        )

    def conditions(self) -> None:
        span = timedelta(days=365 * self.size.years)
        breast = _concept(SNOMED, "254837009", "Malignant neoplasm of breast")
        self.condition(breast, self.now - span - timedelta(days=30))
        bone = _concept(SNOMED, "94222008", "Secondary malignant neoplasm of bone")
        self.condition(bone, self.now - timedelta(days=800))
        for i in range(self.size.conditions - 2):
            code, display = _OTHER_CONDITIONS[i % len(_OTHER_CONDITIONS)]
            onset = self.now - timedelta(days=self.rng.randint(30, 365 * self.size.years + 30))
            self.condition(_concept(SNOMED, code, display), onset)

    def medications(self) -> None:
        # A standing zoledronic acid order (the course start two years ago, whose
        # creatinine baseline the rules look for) and monthly administrations.
        zoledronic = _concept(RXNORM, "1865665", "zoledronic acid 4 MG Injection")
        start = self.now - timedelta(days=730)
        self.add(
            {
                "resourceType": "MedicationRequest",
                "status": "active",
                "intent": "order",
                "medicationCodeableConcept": zoledronic,
                "subject": self.subject,
                "authoredOn": _instant(start),
                "dosageInstruction": [
                    {
                        "doseAndRate": [
                            {
                                "doseQuantity": {
                                    "value": 4,
                                    "unit": "mg",
                                    "system": UCUM,
                                    "code": "mg",
                                }
                            }
                        ]
                    }
                ],
            }
        )
        remaining = self.size.medications - 1
        for i in range(remaining // 2):
            given = self.now - timedelta(days=28 * i + 10)
            self.add(
                {
                    "resourceType": "MedicationAdministration",
                    "status": "completed",
                    "medicationCodeableConcept": zoledronic,
                    "subject": self.subject,
                    "effectiveDateTime": _instant(given),
                    "dosage": {"dose": {"value": 4, "unit": "mg", "system": UCUM, "code": "mg"}},
                }
            )
        for i in range(remaining - remaining // 2):
            code, display = _OTHER_MEDICATIONS[i % len(_OTHER_MEDICATIONS)]
            self.add(
                {
                    "resourceType": "MedicationStatement",
                    "status": "active",
                    "medicationCodeableConcept": _concept(RXNORM, code, display),
                    "subject": self.subject,
                    "effectivePeriod": {"start": _instant(self.now - timedelta(days=400 + i))},
                }
            )

    def lab(self, test: tuple[Any, ...], when: datetime, value: float) -> None:
        loinc, display, unit, low, high = test[:5]
        quantity = {"value": value, "unit": unit, "system": UCUM, "code": unit}
        self.add(
            {
                "resourceType": "Observation",
                "status": "final",
                "category": [_status("observation-category", "laboratory")],
                "code": _concept(LOINC, loinc, display),
                "subject": self.subject,
                "effectiveDateTime": _instant(when),
                "issued": _instant(when + timedelta(hours=3)),
                "valueQuantity": quantity,
                "referenceRange": [
                    {
                        "low": {"value": low, "unit": unit, "system": UCUM, "code": unit},
                        "high": {"value": high, "unit": unit, "system": UCUM, "code": unit},
                    }
                ],
            }
        )

    def weight(self, when: datetime) -> None:
        loinc, display, unit = _WEIGHT
        value = round(self.rng.uniform(62, 70), 1)
        self.add(
            {
                "resourceType": "Observation",
                "status": "final",
                "category": [_status("observation-category", "vital-signs")],
                "code": _concept(LOINC, loinc, display),
                "subject": self.subject,
                "effectiveDateTime": _instant(when),
                "valueQuantity": {"value": value, "unit": unit, "system": UCUM, "code": unit},
            }
        )

    def observations(self) -> None:
        per_visit = len(_OURS) + len(_OTHER_CMP) + len(_CBC) + 0.2  # + a weight every 5th
        visits = max(1, math.ceil(self.size.observations / per_visit))
        span = timedelta(days=365 * self.size.years)
        made = 0
        for visit in range(visits):
            # Evenly spread, newest first (the oldest visit is the one cut short); the
            # latest two days before now.
            when = self.now - timedelta(days=2) - span * visit / visits
            when = when.replace(hour=8, minute=self.rng.randint(0, 59), second=0, microsecond=0)
            latest = visit == 0
            for test in (*_OURS, *_OTHER_CMP, *_CBC):
                if made >= self.size.observations:
                    return
                value = round(self.rng.uniform(test[5], test[6]), 2)
                if latest and test[0] == "17861-6":
                    value = 11.2  # a mild hypercalcemia now: a card to render
                self.lab(test, when, value)
                made += 1
            if (visit % 5 == 0 or latest) and made < self.size.observations:
                self.weight(when)
                made += 1


def patient_bundle(size: str, now: datetime, *, seed: int = 1) -> dict[str, Any]:
    """A transaction Bundle holding one synthetic patient of `size` (S, M, L, XL)."""
    builder = _Builder(SIZES[size], now, seed)
    builder.patient()
    builder.conditions()
    builder.medications()
    builder.observations()
    return {"resourceType": "Bundle", "type": "transaction", "entry": builder.entries}


def hook_request(bundle: dict[str, Any], *, hook_instance: str | None = None) -> dict[str, Any]:
    """The patient-view request whose prefetch answers every template from `bundle`."""
    request = hook_request_from_bundle(bundle, BoneMetastasisAdvisor.descriptor)
    request["hookInstance"] = hook_instance or "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea"
    return request


def count_observations(request: dict[str, Any]) -> int:
    ids = {
        entry["resource"]["id"]
        for value in request["prefetch"].values()
        if isinstance(value, dict)
        for entry in value.get("entry") or ()
        if entry["resource"]["resourceType"] == "Observation"
    }
    return len(ids)


def main() -> None:
    size = sys.argv[1] if len(sys.argv) > 1 else "M"
    now = datetime.now(UTC).replace(microsecond=0)
    sys.stdout.buffer.write(orjson.dumps(hook_request(patient_bundle(size, now))))


if __name__ == "__main__":
    main()
