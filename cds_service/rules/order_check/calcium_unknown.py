"""`bma-order-calcium-unknown`: denosumab ordered without a recent calcium result.

Source: clinical-knowledge §6; Xgeva US PI (correct pre-existing hypocalcemia before
starting; monitor calcium).

    When  a draft denosumab order (any dose), and no calcium result — total,
          corrected or ionized, with a value (a comparator counts) — in the last 30
          days;
    Then  one `info` card: check calcium before starting, suggesting draft
          ServiceRequests for serum calcium (LOINC 17861-6) and albumin (1751-7).
"""

from __future__ import annotations

from datetime import datetime

from cds_service.facts.draft_orders import DraftOrders
from cds_service.facts.model import Agent, PatientFacts
from cds_service.knowledge import thresholds as th
from cds_service.rules.bma_safety import has_recent_calcium_result
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
from cds_service.rules.order_check.drafts import bma_drafts, excluded, of_agent


def evaluate(facts: PatientFacts, drafts: DraftOrders, now: datetime) -> list[Finding]:
    denosumab = of_agent(bma_drafts(drafts), Agent.DENOSUMAB)
    if not denosumab or has_recent_calcium_result(facts, now):
        return []
    return [
        Finding(
            topic=OrderTopic.CALCIUM_UNKNOWN,
            indicator=Indicator.INFO,
            evidence=OrderCheckEvidence(
                drafts=denosumab, calcium_lookback_days=th.CALCIUM_MONITORING_LOOKBACK_DAYS
            ),
            suggestions=(
                SuggestionChoice(
                    SuggestionKey.CALCIUM_AND_ALBUMIN,
                    (Order(Orderable.SERUM_CALCIUM), Order(Orderable.ALBUMIN)),
                    recommended=True,
                ),
            ),
            selection=SelectionBehavior.AT_MOST_ONE,
            excluded=excluded(facts, drafts, "Observation"),
        )
    ]
