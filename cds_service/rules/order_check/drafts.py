"""The draft orders the order-sign checks look at, and what they share (§6).

Source: clinical-knowledge §6, §4.

    A draft bone-modifying agent is a draft MedicationRequest of `context.draftOrders`
    that names a BMA (§4: RxNorm code at any level, or name); the ordered dose is
    doseQuantity (mg) of its first dosageInstruction, else the product's strength.
    An order "for hypercalcemia of malignancy" names a hypercalcemia code of
    codes-verified.md (or says "hypercalc…") in reasonCode / reasonReference.

These are drug-safety checks: they apply to every patient, breast cancer or not
(only `bma-order-dose-intent` needs known bone metastasis); a deceased patient
(§1) gets no cards.
"""

from __future__ import annotations

from cds_service.facts.draft_orders import DraftOrders
from cds_service.facts.model import Agent, ExcludedData, MedicationFact, PatientFacts
from cds_service.rules.bma_safety import is_reclast
from cds_service.rules.scope import excluded_data


def bma_drafts(drafts: DraftOrders) -> tuple[MedicationFact, ...]:
    """The draft orders that name a bone-modifying agent, in Bundle order."""
    return tuple(d for d in drafts.medications if d.agent is not None)


def supplement_drafts(drafts: DraftOrders) -> tuple[MedicationFact, ...]:
    """The draft orders for calcium or vitamin D."""
    return tuple(d for d in drafts.medications if d.supplements)


def of_agent(drafts: tuple[MedicationFact, ...], agent: Agent) -> tuple[MedicationFact, ...]:
    return tuple(d for d in drafts if d.agent is agent)


def is_for_hypercalcemia_of_malignancy(draft: MedicationFact) -> bool:
    """reasonCode / reasonReference names hypercalcemia (§4, §6)."""
    return draft.for_hypercalcemia


def is_zoledronic_acid_5_mg(draft: MedicationFact) -> bool:
    """The 5 mg (Reclast) product: osteoporosis intent, or a 5 mg dose (§4)."""
    return draft.agent is Agent.ZOLEDRONIC_ACID and is_reclast(draft)


def excluded(
    facts: PatientFacts, drafts: DraftOrders, *resource_types: str
) -> tuple[ExcludedData, ...]:
    """Drafts that failed validation, and the patient's data of these types not used."""
    return drafts.excluded + excluded_data(facts, *resource_types)
