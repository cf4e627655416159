"""`bma-order-renal-unknown`: zoledronic acid ordered without a usable renal function.

Source: clinical-knowledge §6, §2 "Renal function"; ASCO–CCO 2017 and Zometa US PI
(serum creatinine before each dose).

    When  a draft zoledronic acid order, and neither CrCl (Cockcroft–Gault: age, sex,
          current weight and current creatinine) nor a current eGFR can be had — for
          an order for hypercalcemia of malignancy, no current serum creatinine that
          decides the 4.5 mg/dL rule (an eGFR does not stand in there);
    Then  one `info` card naming those drafts: creatinine before each dose, with a
          suggested draft ServiceRequest for serum creatinine (LOINC 2160-0).
"""

from __future__ import annotations

from datetime import datetime

from cds_service.facts.draft_orders import DraftOrders
from cds_service.facts.labs import current_result, proves_less
from cds_service.facts.model import Agent, Analyte, LabResult, MedicationFact, PatientFacts
from cds_service.facts.renal import RenalFunction, renal_function
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
    of_agent,
)
from cds_service.rules.order_check.renal_dose import hcm_creatinine_too_high


def hcm_creatinine_known(creatinine: LabResult | None) -> bool:
    """A current creatinine that proves either side of 4.5 mg/dL."""
    if creatinine is None:
        return False
    return hcm_creatinine_too_high(creatinine) or proves_less(
        creatinine.value, creatinine.comparator, th.HCM_ZOLEDRONIC_MAX_CREATININE_MG_DL
    )


def renal_unknown_for(
    draft: MedicationFact, renal: RenalFunction, creatinine: LabResult | None
) -> bool:
    if is_for_hypercalcemia_of_malignancy(draft):
        return not hcm_creatinine_known(creatinine)
    return not renal.known


def evaluate(facts: PatientFacts, drafts: DraftOrders, now: datetime) -> list[Finding]:
    zoledronic = of_agent(bma_drafts(drafts), Agent.ZOLEDRONIC_ACID)
    if not zoledronic:
        return []
    renal = renal_function(facts, now)
    creatinine = current_result(facts, Analyte.CREATININE, now)
    unknown = tuple(d for d in zoledronic if renal_unknown_for(d, renal, creatinine))
    if not unknown:
        return []
    return [
        Finding(
            topic=OrderTopic.RENAL_UNKNOWN,
            indicator=Indicator.INFO,
            evidence=OrderCheckEvidence(drafts=unknown, renal=renal, creatinine=creatinine),
            suggestions=(
                SuggestionChoice(
                    SuggestionKey.CREATININE, (Order(Orderable.CREATININE),), recommended=True
                ),
            ),
            selection=SelectionBehavior.AT_MOST_ONE,
            excluded=excluded(facts, drafts, "Observation", "Patient"),
        )
    ]
