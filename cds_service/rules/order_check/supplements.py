"""`bma-order-supplements`: a bone-modifying agent ordered without calcium / vitamin D.

Source: clinical-knowledge §6; Xgeva US PI (calcium and vitamin D as necessary to
prevent hypocalcemia); Zometa US PI (calcium 500 mg and vitamin D 400 IU daily).

    When  a draft BMA order; no calcium or vitamin D supplement active — a
          MedicationRequest active / on-hold or a MedicationStatement active — nor
          among the draft orders, recognised by the codes of codes-verified.md or by
          the names calcium carbonate / citrate / gluconate / lactate / phosphate,
          cholecalciferol, ergocalciferol, vitamin D (never leucovorin calcium or
          another drug that is a calcium salt; `knowledge.drugs`); no current
          hypercalcemia (§3.1: current calcium above the upper limit); and no draft
          order for hypercalcemia of malignancy;
    Then  one `info` card, suggesting draft MedicationRequests for calcium 500 mg and
          vitamin D 400 IU daily.
"""

from __future__ import annotations

from datetime import datetime

from cds_service.facts.calcium import current_calcium, is_above_upper_limit
from cds_service.facts.draft_orders import DraftOrders
from cds_service.facts.model import MedicationFact, PatientFacts
from cds_service.rules.findings import (
    Finding,
    Indicator,
    Order,
    Orderable,
    OrderCheckEvidence,
    OrderTopic,
    SelectionBehavior,
    SuggestionChoice,
    SuggestionKey,
)
from cds_service.rules.order_check.drafts import (
    bma_drafts,
    excluded,
    is_for_hypercalcemia_of_malignancy,
    supplement_drafts,
)

# FHIR statuses that make a supplement "active" (§6).
_ACTIVE = {
    "MedicationRequest": frozenset({"active", "on-hold"}),
    "MedicationStatement": frozenset({"active"}),
}


def is_active_supplement(medication: MedicationFact) -> bool:
    return bool(medication.supplements) and medication.status in _ACTIVE.get(
        medication.resource_type, frozenset()
    )


def has_supplement(facts: PatientFacts, drafts: DraftOrders) -> bool:
    return any(is_active_supplement(m) for m in facts.medications) or bool(
        supplement_drafts(drafts)
    )


def has_current_hypercalcemia(facts: PatientFacts, now: datetime) -> bool:
    calcium = current_calcium(facts, now)
    return calcium is not None and is_above_upper_limit(calcium)


def evaluate(facts: PatientFacts, drafts: DraftOrders, now: datetime) -> list[Finding]:
    ordered = bma_drafts(drafts)
    if (
        not ordered
        or has_supplement(facts, drafts)
        or has_current_hypercalcemia(facts, now)
        or any(is_for_hypercalcemia_of_malignancy(d) for d in ordered)
    ):
        return []
    return [
        Finding(
            topic=OrderTopic.SUPPLEMENTS,
            indicator=Indicator.INFO,
            evidence=OrderCheckEvidence(drafts=ordered),
            suggestions=(
                SuggestionChoice(
                    SuggestionKey.SUPPLEMENTS,
                    (Order(Orderable.CALCIUM_SUPPLEMENT), Order(Orderable.VITAMIN_D_SUPPLEMENT)),
                    recommended=True,
                ),
            ),
            selection=SelectionBehavior.AT_MOST_ONE,
            excluded=excluded(
                facts, drafts, "Observation", "MedicationRequest", "MedicationStatement"
            ),
        )
    ]
