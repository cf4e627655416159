"""Bone metastasis without a bone-modifying agent (card topic `bone-modifying-agent`).

Source: clinical-knowledge §3.4, after Van Poznak C et al., ASCO–CCO focused update,
J Clin Oncol 2017;35:3978-86:

    "patients with breast cancer and bone metastases should receive a BMA (strong
    recommendation)" — denosumab 120 mg SC every 4 weeks, zoledronic acid 4 mg IV
    every 12 weeks or every 3–4 weeks, or pamidronate 90 mg IV every 3–4 weeks;

and Coleman R et al., ESMO 2020 (Ann Oncol 2020;31:1650-63): start zoledronate or
denosumab whether symptomatic or not [I, A].

    When  the patient is in scope (§1), has a known bone metastasis, and is not on a
          BMA at the oncology dose or of unknown intent (§3.4 statuses and 16-week
          window, `facts.medications.bma_exposures`),
    Then  `warning` if the patient has a pathological fracture (active, or dated in
          the last 90 days) or current hypercalcemia (§3.1), else `info`. The card
          states the current calcium, CrCl (or eGFR standing in, or "unknown") and the
          zoledronic acid dose it implies (§4 bands), and names any osteoporosis-dose
          agent the patient takes. Suggestions, `at-most-one`: draft denosumab 120 mg
          SC q4w (not when calcium is low); draft zoledronic acid at the CrCl dose
          q12w (not when CrCl < 30 or unknown); and a dental referral.

Dental referral and `at-most-one`: `selectionBehavior` governs every suggestion on the
card, so a separate dental suggestion would exclude the drug. The dental examination
comes before the first dose (ASCO 2017; Xgeva / Zometa PI), so each drug suggestion
also carries the dental referral as a second action (a suggestion's actions are AND'd),
and the dental referral alone is a suggestion of its own for the clinician who wants
the dentist first. When a dental consultation or referral is on record in the last
183 days (`DENTAL_LOOKBACK_DAYS`, the §6 definition), no referral is suggested.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from cds_service.facts.calcium import CalciumValue, current_calcium, is_below_lower_limit
from cds_service.facts.labs import within_last
from cds_service.facts.medications import bma_exposures
from cds_service.facts.model import (
    ConditionFact,
    ConditionKind,
    Intent,
    MedicationFact,
    PatientFacts,
)
from cds_service.facts.renal import RenalFunction, renal_function
from cds_service.knowledge import thresholds as th
from cds_service.rules.findings import (
    BoneModifyingAgentEvidence,
    Finding,
    Indicator,
    Order,
    Orderable,
    SelectionBehavior,
    SuggestionChoice,
    SuggestionKey,
    Topic,
)
from cds_service.rules.hypercalcemia import is_hypercalcemic
from cds_service.rules.scope import (
    bone_metastasis_conditions,
    excluded_data,
    has_known_bone_metastasis,
    is_in_scope,
)

# "On a BMA" for this card: the oncology regimen, or an agent whose intent is unknown.
COUNTING_INTENTS = frozenset({Intent.ONCOLOGY, Intent.UNKNOWN})


def is_on_oncology_bma(facts: PatientFacts, now: datetime) -> bool:
    return any(m.intent in COUNTING_INTENTS for m in bma_exposures(facts, now))


def osteoporosis_agents(facts: PatientFacts, now: datetime) -> tuple[MedicationFact, ...]:
    return tuple(m for m in bma_exposures(facts, now) if m.intent is Intent.OSTEOPOROSIS)


def pathological_fractures(facts: PatientFacts, now: datetime) -> tuple[ConditionFact, ...]:
    """An active pathological fracture, or one dated in the last 90 days (§3.4)."""
    return tuple(
        c
        for c in facts.conditions
        if ConditionKind.PATHOLOGICAL_FRACTURE in c.kinds
        and (c.active or within_last(c.date, now, th.BONE_SYMPTOM_LOOKBACK_DAYS))
    )


def is_calcium_low(calcium: CalciumValue | None) -> bool:
    return calcium is not None and is_below_lower_limit(calcium)


def zoledronic_acid_dose(renal: RenalFunction) -> Decimal | None:
    """§4 dose for the CrCl (or the eGFR standing in); None if < 30, unknown or undecidable.

    An eGFR sent as "> 60" proves only its bound: with a comparator, only the open top
    band (the full 4 mg) is decided, when the bound shows the value is in it.
    """
    below = renal.is_below(th.ZOLEDRONIC_NOT_RECOMMENDED_BELOW_CRCL)
    if renal.value is None or below is not False:
        return None
    if renal.comparator is None:
        return th.zoledronic_acid_dose_mg(renal.value)
    if renal.comparator not in (">", ">="):
        return None
    lowest = renal.value.next_plus() if renal.comparator == ">" else renal.value
    dose = th.zoledronic_acid_dose_mg(lowest)
    return dose if dose == th.ZOLEDRONIC_ONCOLOGY_MG else None


def has_recent_dental_care(facts: PatientFacts, now: datetime) -> bool:
    return any(within_last(d.time, now, th.DENTAL_LOOKBACK_DAYS) for d in facts.dental)


def suggestions(
    calcium_low: bool, dose_mg: Decimal | None, dental: bool
) -> tuple[SuggestionChoice, ...]:
    referral = (Order(Orderable.DENTAL_REFERRAL),) if dental else ()
    choices = []
    if not calcium_low:
        choices.append(
            SuggestionChoice(
                SuggestionKey.DENOSUMAB,
                (Order(Orderable.DENOSUMAB_ONCOLOGY, th.DENOSUMAB_ONCOLOGY_MG), *referral),
            )
        )
    if dose_mg is not None:
        choices.append(
            SuggestionChoice(
                SuggestionKey.ZOLEDRONIC_ACID,
                (Order(Orderable.ZOLEDRONIC_ACID_ONCOLOGY, dose_mg), *referral),
            )
        )
    if referral:
        choices.append(SuggestionChoice(SuggestionKey.DENTAL_REFERRAL, referral))
    return tuple(choices)


def evaluate(facts: PatientFacts, now: datetime) -> Finding | None:
    if not is_in_scope(facts) or not has_known_bone_metastasis(facts):
        return None
    if is_on_oncology_bma(facts, now):
        return None
    calcium = current_calcium(facts, now)
    renal = renal_function(facts, now)
    fractures = pathological_fractures(facts, now)
    hypercalcemia = is_hypercalcemic(facts, now)
    dose = zoledronic_acid_dose(renal)
    choices = suggestions(is_calcium_low(calcium), dose, not has_recent_dental_care(facts, now))
    return Finding(
        topic=Topic.BONE_MODIFYING_AGENT,
        indicator=Indicator.WARNING if fractures or hypercalcemia else Indicator.INFO,
        evidence=BoneModifyingAgentEvidence(
            metastasis=bone_metastasis_conditions(facts),
            calcium=calcium,
            calcium_low=is_calcium_low(calcium),
            hypercalcemia=hypercalcemia,
            pathological_fractures=fractures,
            renal=renal,
            zoledronic_acid_dose_mg=dose,
            osteoporosis_agents=osteoporosis_agents(facts, now),
        ),
        suggestions=choices,
        selection=SelectionBehavior.AT_MOST_ONE if choices else None,
        excluded=excluded_data(
            facts,
            "Observation",
            "MedicationRequest",
            "MedicationStatement",
            "MedicationAdministration",
        ),
    )
