"""`context.draftOrders` (order-sign) → the draft orders as `MedicationFact`s (§6).

The draft MedicationRequests are read exactly as prefetched ones are: each is
validated once with its `fhir.resources.R4B` model (one that fails is skipped and
reported in `DraftOrders.excluded`, never raised), then `medication_facts` recognises
the bone-modifying agents and supplements among them (codes at any RxNorm level,
names when codes are missing, dose from the first dosageInstruction or the product's
strength; `knowledge.drugs`). Drafts naming neither are left out. The facts keep the
order of the Bundle: the rules need to know which BMA draft comes "second".

A draft may point into the patient's record (medicationReference to a Medication,
reasonReference to a hypercalcemia Condition): references are resolved against the
draft Bundle first, then the prefetched resources.

    >>> drafts = draft_order_facts({"resourceType": "Bundle", "entry": []}, {})
    >>> drafts.medications, drafts.excluded
    ((), ())

The shape of `draftOrders` itself (a Bundle whose entries carry resources) is the
protocol's to check, before this is called.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cds_service.facts.medication_records import medication_facts
from cds_service.facts.model import ExcludedData, MedicationFact
from cds_service.facts.resources import Raw, Resources, collect

DRAFT_TYPE = "MedicationRequest"


@dataclass(frozen=True, slots=True)
class DraftOrders:
    """The draft medication orders of one order-sign request."""

    medications: tuple[MedicationFact, ...]  # BMA and supplement drafts, in Bundle order
    by_id: Mapping[str, Raw]  # every valid draft MedicationRequest with an id, as sent
    excluded: tuple[ExcludedData, ...]  # drafts that failed FHIR R4 validation


def draft_order_facts(draft_orders: Mapping[str, Any], prefetch: Mapping[str, Any]) -> DraftOrders:
    """The draft orders of `draft_orders` (a Bundle), read like prefetched resources."""
    drafts = collect({"draftOrders": draft_orders})
    valid = [raw for raw in drafts.of(DRAFT_TYPE) if drafts.validate(raw) is not None]
    found = Resources(
        by_type={DRAFT_TYPE: valid},
        by_reference=dict(drafts.by_reference),
        excluded=list(drafts.excluded),
    )
    for reference, raw in collect(prefetch).by_reference.items():
        found.by_reference.setdefault(reference, raw)
    medications = tuple(m for m in medication_facts(found) if m.resource_type == DRAFT_TYPE)
    by_id = {raw["id"]: raw for raw in valid if isinstance(raw.get("id"), str)}
    return DraftOrders(medications=medications, by_id=by_id, excluded=tuple(found.excluded))
