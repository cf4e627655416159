"""`bma-order-duplicate`: a second bone-modifying agent.

Source: clinical-knowledge §6, §3.4; ASCO–CCO 2017 (one agent; no combination).

    When  a draft BMA order, and
          (a) the patient is on a different BMA (§3.4 "on a BMA", any dose: a
              MedicationRequest active / on-hold or completed in 16 weeks, a
              MedicationStatement active / on-hold or completed in 16 weeks, a
              MedicationAdministration completed / in-progress in 16 weeks); or
          (b) the same agent has another order (a MedicationRequest, not a
              MedicationStatement; not this draft) still active or on-hold — a
              scheduled next dose of the agent the patient already receives (given
              before, no open order) is not a duplicate; or
          (c) an earlier draft in the draftOrders Bundle is a BMA (the later one is
              "the second");
    Then  one `warning` card for that draft (when switching agents, stop the other);
          for (c) a suggestion whose `delete` action names the draft
          (`MedicationRequest/<id>`); none for an existing order.
"""

from __future__ import annotations

from datetime import datetime

from cds_service.facts.draft_orders import DraftOrders
from cds_service.facts.medications import bma_exposures
from cds_service.facts.model import MedicationFact, PatientFacts
from cds_service.rules.findings import (
    DraftAction,
    DraftChange,
    Finding,
    Indicator,
    OrderCheckEvidence,
    OrderTopic,
    SelectionBehavior,
    SuggestionChoice,
    SuggestionKey,
)
from cds_service.rules.order_check.drafts import bma_drafts, excluded

ORDER = "MedicationRequest"
_STILL_OPEN = frozenset({"active", "on-hold"})  # FHIR MedicationRequest.status


def other_agents_on(
    facts: PatientFacts, draft: MedicationFact, now: datetime
) -> tuple[MedicationFact, ...]:
    """(a) The records that put the patient on a BMA other than the draft's."""
    return tuple(m for m in bma_exposures(facts, now) if m.agent is not draft.agent)


def open_orders_of_same_agent(
    facts: PatientFacts, draft: MedicationFact
) -> tuple[MedicationFact, ...]:
    """(b) Other orders of the draft's agent still active or on-hold."""
    return tuple(
        m
        for m in facts.medications
        if m.resource_type == ORDER
        and m.agent is draft.agent
        and m.status in _STILL_OPEN
        and (draft.resource_id is None or m.resource_id != draft.resource_id)
    )


def evaluate(facts: PatientFacts, drafts: DraftOrders, now: datetime) -> list[Finding]:
    ordered = bma_drafts(drafts)
    findings: list[Finding] = []
    for position, draft in enumerate(ordered):
        existing = other_agents_on(facts, draft, now) + open_orders_of_same_agent(facts, draft)
        earlier = ordered[:position]
        if not existing and not earlier:
            continue
        suggestions: tuple[SuggestionChoice, ...] = ()
        if earlier and draft.resource_id is not None:
            change = DraftChange(DraftAction.DELETE, draft.resource_id)
            suggestions = (SuggestionChoice(SuggestionKey.REMOVE_DUPLICATE, (), changes=(change,)),)
        findings.append(
            Finding(
                topic=OrderTopic.DUPLICATE,
                indicator=Indicator.WARNING,
                evidence=OrderCheckEvidence(
                    drafts=(draft,), existing=existing, earlier_drafts=earlier
                ),
                suggestions=suggestions,
                selection=SelectionBehavior.AT_MOST_ONE if suggestions else None,
                excluded=excluded(
                    facts,
                    drafts,
                    "MedicationRequest",
                    "MedicationStatement",
                    "MedicationAdministration",
                ),
            )
        )
    return findings
