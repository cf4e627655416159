"""`bma-order-dose-intent`: an osteoporosis-dose BMA ordered for bone metastasis.

Source: clinical-knowledge §6, §4; ASCO–CCO 2017 (the oncology regimens: denosumab
120 mg SC every 4 weeks, zoledronic acid 4 mg IV every 3–4 or 12 weeks); Prolia and
Reclast US PI (osteoporosis doses).

    When  the patient has known bone metastasis (§1: any primary cancer), and a draft
          order is an osteoporosis-dose product — denosumab 60 mg, zoledronic acid
          5 mg — or an oral bisphosphonate (§4 intent "osteoporosis");
    Then  a `warning` card for that draft: the oncology regimen is denosumab 120 mg
          q4w or zoledronic acid 4 mg. For denosumab 60 mg, a suggestion whose
          `update` action carries the draft with the oncology product and 120 mg;
          for zoledronic acid 5 mg, the 4 mg product at the dose of its CrCl band
          (§4; for hypercalcemia of malignancy 4 mg while creatinine < 4.5 mg/dL) —
          none when renal function is unknown or below 30 mL/min, as for the §3.4
          suggestion; none for an oral agent. Only the product and the dose change:
          the card asks the prescriber to review the interval.

This is the one order-sign check that needs known bone metastasis.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from cds_service.facts.draft_orders import DraftOrders
from cds_service.facts.labs import current_result, proves_less
from cds_service.facts.model import Agent, Analyte, Intent, MedicationFact, PatientFacts
from cds_service.facts.renal import renal_function
from cds_service.knowledge import thresholds as th
from cds_service.rules.findings import (
    DraftAction,
    DraftChange,
    Finding,
    Indicator,
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
from cds_service.rules.order_check.renal_dose import band_dose_mg
from cds_service.rules.scope import bone_metastasis_conditions


def is_osteoporosis_regimen(draft: MedicationFact) -> bool:
    """Denosumab 60 mg, zoledronic acid 5 mg, or an oral bisphosphonate (§4)."""
    return draft.agent is not None and draft.intent is Intent.OSTEOPOROSIS


def oncology_dose_mg(
    facts: PatientFacts, draft: MedicationFact, now: datetime
) -> tuple[Orderable, Decimal] | None:
    """The oncology product and dose the draft should become, when it can be chosen."""
    if draft.agent is Agent.DENOSUMAB:
        return Orderable.DENOSUMAB_ONCOLOGY, th.DENOSUMAB_ONCOLOGY_MG
    if draft.agent is not Agent.ZOLEDRONIC_ACID:
        return None  # an oral bisphosphonate: no oncology form to switch to
    if is_for_hypercalcemia_of_malignancy(draft):
        creatinine = current_result(facts, Analyte.CREATININE, now)
        if creatinine is not None and proves_less(
            creatinine.value, creatinine.comparator, th.HCM_ZOLEDRONIC_MAX_CREATININE_MG_DL
        ):
            return Orderable.ZOLEDRONIC_ACID_ONCOLOGY, th.ZOLEDRONIC_ONCOLOGY_MG
        return None
    band = band_dose_mg(renal_function(facts, now))
    return (Orderable.ZOLEDRONIC_ACID_ONCOLOGY, band) if band is not None else None


def check_draft(
    facts: PatientFacts, drafts: DraftOrders, draft: MedicationFact, now: datetime
) -> Finding | None:
    if not is_osteoporosis_regimen(draft):
        return None
    target = oncology_dose_mg(facts, draft, now)
    suggestions: tuple[SuggestionChoice, ...] = ()
    if target is not None and draft.resource_id is not None:
        product, dose = target
        change = DraftChange(DraftAction.UPDATE, draft.resource_id, dose_mg=dose, product=product)
        suggestions = (
            SuggestionChoice(
                SuggestionKey.ONCOLOGY_REGIMEN, (), recommended=True, changes=(change,)
            ),
        )
    return Finding(
        topic=OrderTopic.DOSE_INTENT,
        indicator=Indicator.WARNING,
        evidence=OrderCheckEvidence(
            drafts=(draft,),
            metastasis=bone_metastasis_conditions(facts),
            band_dose_mg=target[1] if target is not None else None,
        ),
        suggestions=suggestions,
        selection=SelectionBehavior.AT_MOST_ONE if suggestions else None,
        excluded=excluded(facts, drafts, "Condition"),
    )


def evaluate(facts: PatientFacts, drafts: DraftOrders, now: datetime) -> list[Finding]:
    if not bone_metastasis_conditions(facts):
        return []
    found = (check_draft(facts, drafts, d, now) for d in bma_drafts(drafts))
    return [f for f in found if f is not None]
