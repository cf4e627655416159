"""`bma-order-dental`: a bone-modifying agent ordered without recent dental care.

Source: clinical-knowledge §6; ASCO–CCO 2017; Xgeva and Zometa US PI (osteonecrosis
of the jaw: dental examination and preventive dentistry before starting).

    When  a draft BMA order that is not for hypercalcemia of malignancy (urgent), and
          no dental consultation or referral in the last 183 days: a Procedure
          completed / in-progress or a ServiceRequest active / completed coded
          34043003 or 772071006, or an Encounter finished / in-progress / arrived of
          a dental type (type or serviceType coded so, or text / display naming
          dental care or a dentist) — as `facts.procedures.dental_facts` reads them;
    Then  one `info` card naming those drafts and the dates of the last dental care
          on record, suggesting a draft referral to a dentist (SNOMED 772071006).
"""

from __future__ import annotations

from datetime import UTC, datetime

from cds_service.facts.draft_orders import DraftOrders
from cds_service.facts.labs import within_last
from cds_service.facts.model import DentalCareFact, PatientFacts
from cds_service.knowledge import thresholds as th
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
)

_NEVER = datetime.min.replace(tzinfo=UTC)


def recent_dental_care(facts: PatientFacts, now: datetime) -> tuple[DentalCareFact, ...]:
    return tuple(d for d in facts.dental if within_last(d.time, now, th.DENTAL_LOOKBACK_DAYS))


def dental_care_newest_first(facts: PatientFacts) -> tuple[DentalCareFact, ...]:
    return tuple(sorted(facts.dental, key=lambda d: d.time or _NEVER, reverse=True))


def evaluate(facts: PatientFacts, drafts: DraftOrders, now: datetime) -> list[Finding]:
    elective = tuple(d for d in bma_drafts(drafts) if not is_for_hypercalcemia_of_malignancy(d))
    if not elective or recent_dental_care(facts, now):
        return []
    return [
        Finding(
            topic=OrderTopic.DENTAL,
            indicator=Indicator.INFO,
            evidence=OrderCheckEvidence(
                drafts=elective,
                dental=dental_care_newest_first(facts),
                dental_lookback_days=th.DENTAL_LOOKBACK_DAYS,
            ),
            suggestions=(
                SuggestionChoice(
                    SuggestionKey.DENTAL_REFERRAL,
                    (Order(Orderable.DENTAL_REFERRAL),),
                    recommended=True,
                ),
            ),
            selection=SelectionBehavior.AT_MOST_ONE,
            excluded=excluded(facts, drafts, "Procedure", "ServiceRequest", "Encounter"),
        )
    ]
