"""Draft FHIR R4 orders for suggestions, built from the codes in `knowledge`.

Every resource is `status: draft`, `intent: proposal`, with `subject` the patient of
the hook call (clinical-knowledge §6 last paragraph). The tests validate each one
with the `fhir.resources.R4B` models.

    >>> build_order(Order(Orderable.PTH), "p1")["code"]["coding"][0]["code"]
    '2731-8'
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from cds_service.knowledge.rule_thresholds import ORDERS, UCUM, Concept, OrderSpec
from cds_service.rules.findings import Order

DOSE_UNIT = "mg"  # every dose a rule chooses is in mg (findings.Order.dose_mg)


def _coding(concept: Concept) -> dict[str, str]:
    return {"system": concept.system, "code": concept.code, "display": concept.display}


def _concept(concept: Concept) -> dict[str, Any]:
    return {"coding": [_coding(concept)], "text": concept.display}


def _number(value: Decimal) -> int | float:
    """A JSON number (FHIR decimals are JSON numbers, never strings)."""
    return int(value) if value == value.to_integral_value() else float(value)


def spec_of(order: Order) -> OrderSpec:
    return ORDERS[order.orderable.value]


def _service_request(spec: OrderSpec, order: Order, patient_id: str) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "status": "draft",
        "intent": "proposal",
        "code": _concept(spec.concept),
        "subject": {"reference": f"Patient/{patient_id}"},
    }
    if order.stat:
        resource["priority"] = "stat"
    return resource


def _medication_request(spec: OrderSpec, order: Order, patient_id: str) -> dict[str, Any]:
    dosage: dict[str, Any] = {}
    if spec.interval_weeks is not None:
        dosage["timing"] = {
            "repeat": {"frequency": 1, "period": spec.interval_weeks, "periodUnit": "wk"}
        }
    if spec.route is not None:
        dosage["route"] = _concept(spec.route)
    if order.dose_mg is not None:
        dosage["doseAndRate"] = [
            {
                "doseQuantity": {
                    "value": _number(order.dose_mg),
                    "unit": DOSE_UNIT,
                    "system": UCUM,
                    "code": DOSE_UNIT,
                }
            }
        ]
    resource: dict[str, Any] = {
        "resourceType": "MedicationRequest",
        "status": "draft",
        "intent": "proposal",
        "medicationCodeableConcept": _concept(spec.concept),
        "subject": {"reference": f"Patient/{patient_id}"},
    }
    if dosage:
        resource["dosageInstruction"] = [dosage]
    if order.stat:
        resource["priority"] = "stat"
    return resource


def build_order(order: Order, patient_id: str) -> dict[str, Any]:
    """The draft resource for `order`, as a JSON-ready dict."""
    spec = spec_of(order)
    if spec.resource == "MedicationRequest":
        return _medication_request(spec, order, patient_id)
    return _service_request(spec, order, patient_id)
