"""Signs that suggest bone metastasis, not yet imaged (card topic `bone-metastasis-workup`).

Source: clinical-knowledge §3.2, after NCCN Breast Cancer v2.2015 (work-up pages):

    "A bone scan is indicated for patients presenting with localized bone pain or
    elevated alkaline phosphatase"; FDG PET/CT is an option.

    When  the patient is in scope (§1), has no known bone metastasis, has no bone
          imaging documented in the last 60 days (`BONE_IMAGING_LOOKBACK_DAYS`), and
          has at least one trigger:
            1. the current ALP (total, or bone-specific 1777-2) above its upper limit;
            2. hypercalcemia as in §3.1;
            3. an active bone-pain or pathological-fracture Condition dated in the
               last 90 days (`BONE_SYMPTOM_LOOKBACK_DAYS`),
    Then  `warning` when two or more kinds of trigger are present, or a pathological
          fracture, or total ALP > 2.5 × ULN (a numeric value and limit; a flag alone
          does not show it); `info` otherwise — an isolated mild ALP rise is common
          and non-specific (specificity 0.86). Suggestions, `at-most-one`: a draft
          whole-body bone scan (SNOMED 41747008) or a draft FDG PET/CT.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from cds_service.facts.labs import current_result, proves_greater, within_last
from cds_service.facts.model import (
    Analyte,
    ConditionFact,
    ConditionKind,
    ImagingFact,
    LabResult,
    PatientFacts,
)
from cds_service.facts.ranges import result_above_upper_limit, upper_limit
from cds_service.knowledge import thresholds as th
from cds_service.rules.findings import (
    Finding,
    Indicator,
    Order,
    Orderable,
    SelectionBehavior,
    SuggestionChoice,
    SuggestionKey,
    Topic,
    Trigger,
    TriggerKind,
    WorkupEvidence,
)
from cds_service.rules.hypercalcemia import hypercalcemic_calcium
from cds_service.rules.scope import excluded_data, has_known_bone_metastasis, is_in_scope

SYMPTOM_KINDS: tuple[tuple[ConditionKind, TriggerKind], ...] = (
    (ConditionKind.BONE_PAIN, TriggerKind.BONE_PAIN),
    (ConditionKind.PATHOLOGICAL_FRACTURE, TriggerKind.PATHOLOGICAL_FRACTURE),
)

# Two kinds of trigger, or more, make the card a warning (§3.2).
WARNING_TRIGGER_KINDS = 2


def recent_bone_imaging(facts: PatientFacts, now: datetime) -> tuple[ImagingFact, ...]:
    return tuple(
        i for i in facts.imaging if within_last(i.time, now, th.BONE_IMAGING_LOOKBACK_DAYS)
    )


def has_recent_bone_imaging(facts: PatientFacts, now: datetime) -> bool:
    return bool(recent_bone_imaging(facts, now))


def times_upper_limit(result: LabResult) -> Decimal | None:
    """Value ÷ numeric upper limit (own range, else default), for the card."""
    limit = upper_limit(result)
    if result.value is None or limit is None or limit.high is None or limit.high <= 0:
        return None
    return result.value / limit.high


def is_alp_above_warning_multiple(result: LabResult) -> bool:
    """Total ALP > 2.5 × ULN, shown by a numeric value and a numeric limit."""
    limit = upper_limit(result)
    if result.analyte is not Analyte.ALP or limit is None or limit.high is None:
        return False
    return proves_greater(result.value, result.comparator, th.ALP_WARNING_X_ULN * limit.high)


def alp_triggers(facts: PatientFacts, now: datetime) -> tuple[Trigger, ...]:
    triggers = []
    for analyte in (Analyte.ALP, Analyte.BONE_ALP):
        result = current_result(facts, analyte, now)
        if result is not None and result_above_upper_limit(result):
            triggers.append(
                Trigger(TriggerKind.ALP, lab=result, times_upper_limit=times_upper_limit(result))
            )
    return tuple(triggers)


def is_recent_active_symptom(condition: ConditionFact, now: datetime) -> bool:
    return condition.active and within_last(condition.date, now, th.BONE_SYMPTOM_LOOKBACK_DAYS)


def symptom_triggers(facts: PatientFacts, now: datetime) -> tuple[Trigger, ...]:
    return tuple(
        Trigger(trigger_kind, condition=condition)
        for condition_kind, trigger_kind in SYMPTOM_KINDS
        for condition in facts.conditions
        if condition_kind in condition.kinds and is_recent_active_symptom(condition, now)
    )


def triggers(facts: PatientFacts, now: datetime) -> tuple[Trigger, ...]:
    calcium = hypercalcemic_calcium(facts, now)
    hypercalcemia = (Trigger(TriggerKind.HYPERCALCEMIA, calcium=calcium),) if calcium else ()
    return alp_triggers(facts, now) + hypercalcemia + symptom_triggers(facts, now)


def indicator(found: tuple[Trigger, ...]) -> Indicator:
    kinds = {t.kind for t in found}
    if (
        len(kinds) >= WARNING_TRIGGER_KINDS
        or TriggerKind.PATHOLOGICAL_FRACTURE in kinds
        or any(t.lab is not None and is_alp_above_warning_multiple(t.lab) for t in found)
    ):
        return Indicator.WARNING
    return Indicator.INFO


def evaluate(facts: PatientFacts, now: datetime) -> Finding | None:
    if not is_in_scope(facts) or has_known_bone_metastasis(facts):
        return None
    if has_recent_bone_imaging(facts, now):
        return None
    found = triggers(facts, now)
    if not found:
        return None
    return Finding(
        topic=Topic.BONE_METASTASIS_WORKUP,
        indicator=indicator(found),
        evidence=WorkupEvidence(
            triggers=found,
            trigger_kinds=frozenset(t.kind for t in found),
            alp_above_warning_multiple=any(
                t.lab is not None and is_alp_above_warning_multiple(t.lab) for t in found
            ),
            older_imaging=tuple(
                sorted(
                    (i for i in facts.imaging if i.time is not None),
                    key=lambda i: i.time or now,
                    reverse=True,
                )
            ),
        ),
        suggestions=(
            SuggestionChoice(
                SuggestionKey.BONE_SCAN, (Order(Orderable.BONE_SCAN),), recommended=True
            ),
            SuggestionChoice(SuggestionKey.FDG_PET_CT, (Order(Orderable.FDG_PET_CT),)),
        ),
        selection=SelectionBehavior.AT_MOST_ONE,
        excluded=excluded_data(facts, "Observation", "Procedure", "DiagnosticReport"),
    )
