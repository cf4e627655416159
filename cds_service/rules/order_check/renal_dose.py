"""`bma-order-renal-dose`: zoledronic acid ordered at a dose renal function does not allow.

Source: clinical-knowledge §6 and §4; Zometa US PI (dose by baseline CrCl, target AUC
0.66 mg·h/L; not recommended below 30 mL/min; hypercalcemia of malignancy: no
adjustment while serum creatinine < 4.5 mg/dL); Reclast US PI (contraindicated below
35 mL/min).

    When  a draft zoledronic acid order that is
          (a) for hypercalcemia of malignancy, and the current serum creatinine is
              ≥ 4.5 mg/dL — judged by creatinine only: neither the CrCl bands nor an
              eGFR apply to it;
          (b) the 5 mg product (Reclast), and CrCl < 35 mL/min;
          (c) any other zoledronic acid order (the 4 mg product, whatever its
              indication — adjuvant use included), and CrCl < 30 mL/min; or
          (d) as (c), and the ordered dose differs by more than 0.05 mg from the dose
              of its CrCl band (§4: > 60 → 4.0; 50–60 → 3.5; 40–< 50 → 3.3;
              30–< 40 → 3.0 mg);
          CrCl is Cockcroft–Gault, or a current eGFR standing in for it (the card
          says so);
    Then  a `warning` card for that draft; for (d) a suggestion whose `update` action
          carries the draft with the band's dose; none when the drug is not
          recommended.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from cds_service.facts.draft_orders import DraftOrders
from cds_service.facts.labs import current_result, proves_greater
from cds_service.facts.model import Agent, Analyte, LabResult, MedicationFact, PatientFacts
from cds_service.facts.renal import RenalFunction, renal_function
from cds_service.knowledge import thresholds as th
from cds_service.rules.findings import (
    DraftAction,
    DraftChange,
    Finding,
    Indicator,
    OrderCheckEvidence,
    OrderTopic,
    RenalDoseProblem,
    SelectionBehavior,
    SuggestionChoice,
    SuggestionKey,
)
from cds_service.rules.order_check.drafts import (
    bma_drafts,
    excluded,
    is_for_hypercalcemia_of_malignancy,
    is_zoledronic_acid_5_mg,
    of_agent,
)


def band_dose_mg(renal: RenalFunction) -> Decimal | None:
    """The §4 band's dose for this CrCl (or eGFR); None when below 30 or undecidable.

    A value sent with a comparator places the dose only when it proves the top band
    ("eGFR > 60" → 4.0 mg).
    """
    if renal.value is None or renal.is_below(th.ZOLEDRONIC_NOT_RECOMMENDED_BELOW_CRCL) is not False:
        return None
    if renal.comparator is None:
        return th.zoledronic_acid_dose_mg(renal.value)
    if proves_greater(renal.value, renal.comparator, th.ZOLEDRONIC_FULL_DOSE_ABOVE_CRCL):
        return th.ZOLEDRONIC_FULL_DOSE_MG
    return None


def hcm_creatinine_too_high(creatinine: LabResult | None) -> bool:
    """(a): the current creatinine is (proven) ≥ 4.5 mg/dL."""
    return creatinine is not None and proves_greater(
        creatinine.value,
        creatinine.comparator,
        th.HCM_ZOLEDRONIC_MAX_CREATININE_MG_DL,
        or_equal=True,
    )


def is_dose_mismatch(ordered_mg: Decimal | None, band_mg: Decimal | None) -> bool:
    """(d): |ordered − band| > 0.05 mg."""
    if ordered_mg is None or band_mg is None:
        return False
    return abs(ordered_mg - band_mg) > th.ZOLEDRONIC_DOSE_TOLERANCE_MG


def _finding(
    facts: PatientFacts,
    drafts: DraftOrders,
    draft: MedicationFact,
    evidence: OrderCheckEvidence,
    suggestions: tuple[SuggestionChoice, ...] = (),
) -> Finding:
    return Finding(
        topic=OrderTopic.RENAL_DOSE,
        indicator=Indicator.WARNING,
        evidence=evidence,
        suggestions=suggestions,
        selection=SelectionBehavior.AT_MOST_ONE if suggestions else None,
        excluded=excluded(facts, drafts, "Observation", "Patient"),
    )


def check_draft(
    facts: PatientFacts,
    drafts: DraftOrders,
    draft: MedicationFact,
    renal: RenalFunction,
    creatinine: LabResult | None,
) -> Finding | None:
    if is_for_hypercalcemia_of_malignancy(draft):
        if not hcm_creatinine_too_high(creatinine):
            return None
        evidence = OrderCheckEvidence(
            drafts=(draft,),
            renal_problem=RenalDoseProblem.HCM_CREATININE,
            creatinine=creatinine,
            creatinine_limit=th.HCM_ZOLEDRONIC_MAX_CREATININE_MG_DL,
        )
        return _finding(facts, drafts, draft, evidence)
    if is_zoledronic_acid_5_mg(draft):
        if renal.is_below(th.RECLAST_CONTRAINDICATED_BELOW_CRCL) is not True:
            return None
        evidence = OrderCheckEvidence(
            drafts=(draft,),
            renal=renal,
            renal_problem=RenalDoseProblem.RECLAST_CRCL,
            renal_limit=th.RECLAST_CONTRAINDICATED_BELOW_CRCL,
        )
        return _finding(facts, drafts, draft, evidence)
    if renal.is_below(th.ZOLEDRONIC_NOT_RECOMMENDED_BELOW_CRCL) is True:
        evidence = OrderCheckEvidence(
            drafts=(draft,),
            renal=renal,
            renal_problem=RenalDoseProblem.NOT_RECOMMENDED,
            renal_limit=th.ZOLEDRONIC_NOT_RECOMMENDED_BELOW_CRCL,
        )
        return _finding(facts, drafts, draft, evidence)
    band = band_dose_mg(renal)
    if not is_dose_mismatch(draft.dose_mg, band):
        return None
    evidence = OrderCheckEvidence(
        drafts=(draft,),
        renal=renal,
        renal_problem=RenalDoseProblem.DOSE_MISMATCH,
        band_dose_mg=band,
        dose_tolerance_mg=th.ZOLEDRONIC_DOSE_TOLERANCE_MG,
    )
    suggestions: tuple[SuggestionChoice, ...] = ()
    if draft.resource_id is not None:
        change = DraftChange(DraftAction.UPDATE, draft.resource_id, dose_mg=band)
        suggestions = (
            SuggestionChoice(SuggestionKey.RENAL_DOSE, (), recommended=True, changes=(change,)),
        )
    return _finding(facts, drafts, draft, evidence, suggestions)


def evaluate(facts: PatientFacts, drafts: DraftOrders, now: datetime) -> list[Finding]:
    zoledronic = of_agent(bma_drafts(drafts), Agent.ZOLEDRONIC_ACID)
    if not zoledronic:
        return []
    renal = renal_function(facts, now)
    creatinine = current_result(facts, Analyte.CREATININE, now)
    found = (check_draft(facts, drafts, d, renal, creatinine) for d in zoledronic)
    return [f for f in found if f is not None]
