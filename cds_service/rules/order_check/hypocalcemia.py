"""`bma-order-hypocalcemia`: a bone-modifying agent ordered while calcium is low.

Source: clinical-knowledge §6; Xgeva and Prolia US PI (denosumab is contraindicated
in pre-existing hypocalcemia); Zometa / Reclast PI (correct hypocalcemia first).

    When  a draft BMA order, and low calcium (§2): the current calcium chosen by
          precedence (ionized, else lab-corrected, else albumin-corrected, else
          total) strictly below its lower limit (own range, else flag, else the
          default 8.5 mg/dL / 1.12 mmol/L);
    Then  one card: `critical` when denosumab is among the drafts (any dose),
          `warning` for a bisphosphonate. No suggestion.
"""

from __future__ import annotations

from datetime import datetime

from cds_service.facts.calcium import current_calcium, is_below_lower_limit
from cds_service.facts.draft_orders import DraftOrders
from cds_service.facts.model import Agent, PatientFacts
from cds_service.rules.bma_safety import hypocalcemia_grade
from cds_service.rules.findings import Finding, Indicator, OrderCheckEvidence, OrderTopic
from cds_service.rules.order_check.drafts import bma_drafts, excluded, of_agent


def evaluate(facts: PatientFacts, drafts: DraftOrders, now: datetime) -> list[Finding]:
    ordered = bma_drafts(drafts)
    calcium = current_calcium(facts, now)
    if not ordered or calcium is None or not is_below_lower_limit(calcium):
        return []
    denosumab = bool(of_agent(ordered, Agent.DENOSUMAB))
    return [
        Finding(
            topic=OrderTopic.HYPOCALCEMIA,
            indicator=Indicator.CRITICAL if denosumab else Indicator.WARNING,
            evidence=OrderCheckEvidence(
                drafts=ordered, calcium=calcium, ctcae_grade=hypocalcemia_grade(calcium)
            ),
            excluded=excluded(facts, drafts, "Observation"),
        )
    ]
