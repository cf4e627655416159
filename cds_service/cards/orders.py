"""Draft FHIR R4 orders for suggestions, built from the codes in `knowledge`.

Every resource is `status: draft`, `intent: proposal`, with `subject` the patient of
the hook call (clinical-knowledge §6 last paragraph). The tests validate each one
with the `fhir.resources.R4B` models.

    >>> build_order(Order(Orderable.PTH), "p1")["code"]["coding"][0]["code"]
    '2731-8'
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from cds_service.knowledge.rule_thresholds import ORDERS, UCUM, Concept, FixedDose, OrderSpec
from cds_service.rules.findings import DraftChange, Order, Orderable

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
    elif spec.interval_days is not None:
        dosage["timing"] = {
            "repeat": {"frequency": 1, "period": spec.interval_days, "periodUnit": "d"}
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
    elif spec.dose is not None:
        dosage["doseAndRate"] = [{"doseQuantity": _fixed_quantity(spec.dose)}]
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


def _fixed_quantity(dose: FixedDose) -> dict[str, Any]:
    return {
        "value": _number(dose.value),
        "unit": dose.unit_display,
        "system": UCUM,
        "code": dose.unit,
    }


def _mg(value: Decimal) -> dict[str, Any]:
    return {"value": _number(value), "unit": DOSE_UNIT, "system": UCUM, "code": DOSE_UNIT}


def _set_dose(resource: dict[str, Any], dose_mg: Decimal) -> None:
    """The first dosageInstruction's doseQuantity becomes `dose_mg` mg (§6: the ordered
    dose is read there); a draft dosed by product strength alone gets one."""
    dosages = resource.get("dosageInstruction")
    if not isinstance(dosages, list) or not dosages:
        resource["dosageInstruction"] = dosages = [{}]
    first = dosages[0]
    for dose_and_rate in first.get("doseAndRate") or ():
        if "doseQuantity" in dose_and_rate:
            dose_and_rate["doseQuantity"] = _mg(dose_mg)
            return
    first.setdefault("doseAndRate", []).insert(0, {"doseQuantity": _mg(dose_mg)})


def _set_product(resource: dict[str, Any], orderable: Orderable) -> None:
    """medication[x] becomes the orderable's product; a contained Medication that only
    the replaced reference used goes with it."""
    reference = (resource.pop("medicationReference", None) or {}).get("reference")
    if isinstance(reference, str) and reference.startswith("#"):
        kept = [c for c in resource.get("contained") or () if c.get("id") != reference[1:]]
        if kept:
            resource["contained"] = kept
        else:
            resource.pop("contained", None)
    resource["medicationCodeableConcept"] = _concept(ORDERS[orderable.value].concept)


def updated_draft(draft: Mapping[str, Any], change: DraftChange) -> dict[str, Any]:
    """The whole draft order as the EHR sent it, with only the changed fields changed."""
    resource = copy.deepcopy(dict(draft))
    if change.product is not None:
        _set_product(resource, change.product)
    if change.dose_mg is not None:
        _set_dose(resource, change.dose_mg)
    return resource
