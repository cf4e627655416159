"""Small raw FHIR JSON builders for extraction tests."""

from __future__ import annotations

from typing import Any

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
UCUM = "http://unitsofmeasure.org"


def bundle(*resources: dict[str, Any]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"resource": r} for r in resources],
    }


def obs(
    rid: str,
    loinc: str,
    value: float | None = None,
    unit: str | None = "mg/dL",
    *,
    when: str | None = "2026-11-20T08:00:00Z",
    status: str = "final",
    ucum: bool = False,
    **extra: Any,
) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": rid,
        "status": status,
        "code": {"coding": [{"system": LOINC, "code": loinc}]},
    }
    if when is not None:
        resource["effectiveDateTime"] = when
    if value is not None:
        quantity: dict[str, Any] = {"value": value}
        if unit is not None:
            quantity["unit"] = unit
            if ucum:
                quantity |= {"system": UCUM, "code": unit}
        resource["valueQuantity"] = quantity
    resource.update(extra)
    return resource


def condition(rid: str, system: str, code: str, display: str = "", **extra: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Condition",
        "id": rid,
        "subject": {"reference": "Patient/p"},
        "code": {"coding": [{"system": system, "code": code}]},
    }
    if display:
        resource["code"]["coding"][0]["display"] = display
    resource.update(extra)
    return resource


def status(system_suffix: str, code: str) -> dict[str, Any]:
    return {
        "coding": [
            {"system": f"http://terminology.hl7.org/CodeSystem/{system_suffix}", "code": code}
        ]
    }


def med_request(
    rid: str, concept: dict[str, Any], *, status: str = "active", **extra: Any
) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "MedicationRequest",
        "id": rid,
        "status": status,
        "intent": "order",
        "subject": {"reference": "Patient/p"},
        "medicationCodeableConcept": concept,
        "authoredOn": "2026-11-01",
    }
    resource.update(extra)
    return resource


def rx(code: str | None, display: str = "") -> dict[str, Any]:
    concept: dict[str, Any] = {"text": display} if display else {}
    if code:
        concept["coding"] = [{"system": RXNORM, "code": code}]
        if display:
            concept["coding"][0]["display"] = display
    return concept


def dose(value: float, unit: str) -> list[dict[str, Any]]:
    return [{"doseAndRate": [{"doseQuantity": {"value": value, "unit": unit}}]}]
