"""Suspected metastatic spinal cord compression (card topic `spinal-cord-compression`).

Source: clinical-knowledge §3.3, after NICE NG234 (2023) "Spinal metastases and
metastatic spinal cord compression" and ESMO 2020 bone health guideline. NICE asks
for urgent MRI in anyone with a cancer history and symptoms of MSCC, since
compression is often the first sign of bone metastasis.

    When  the patient is in scope (§1; a history of breast cancer is enough) and has an
          active Condition dated in the last 14 days (`CORD_COMPRESSION_LOOKBACK_DAYS`)
          that is
            (a) spinal cord compression due to metastasis or neoplasm, or
            (b) spinal cord or cauda equina compression of unstated cause, or
            (c) back pain, together with an active neurological red flag also dated
                in the last 14 days,
          (the codes of each are the facts layer's: traumatic, degenerative, infective
          or site-specified compression does not count),
    Then  `critical`: whole-spine MRI within 24 hours, dexamethasone 16 mg, urgent
          oncology / spinal surgery / radiotherapy referral; one suggestion, a draft
          whole-spine MRI with priority `stat`.
"""

from __future__ import annotations

from datetime import datetime

from cds_service.facts.labs import within_last
from cds_service.facts.model import ConditionFact, ConditionKind, PatientFacts
from cds_service.knowledge import thresholds as th
from cds_service.rules.findings import (
    CordCompressionEvidence,
    Finding,
    Indicator,
    Order,
    Orderable,
    SelectionBehavior,
    SuggestionChoice,
    SuggestionKey,
    Topic,
)
from cds_service.rules.scope import excluded_data, is_in_scope

COMPRESSION_KINDS = frozenset(
    {ConditionKind.CORD_COMPRESSION_NEOPLASTIC, ConditionKind.CORD_COMPRESSION_UNSTATED}
)


def is_recent_active(condition: ConditionFact, now: datetime) -> bool:
    """Active (§2) and dated in the last 14 days; an undated Condition is never recent."""
    return condition.active and within_last(condition.date, now, th.CORD_COMPRESSION_LOOKBACK_DAYS)


def recent_active(
    facts: PatientFacts, now: datetime, kinds: frozenset[ConditionKind]
) -> tuple[ConditionFact, ...]:
    return tuple(c for c in facts.conditions if c.kinds & kinds and is_recent_active(c, now))


def compression_conditions(facts: PatientFacts, now: datetime) -> tuple[ConditionFact, ...]:
    """§3.3 (a) and (b)."""
    return recent_active(facts, now, COMPRESSION_KINDS)


def back_pain_with_red_flag(
    facts: PatientFacts, now: datetime
) -> tuple[tuple[ConditionFact, ...], tuple[ConditionFact, ...]]:
    """§3.3 (c): recent back pain and recent red flags, both or neither."""
    back_pain = recent_active(facts, now, frozenset({ConditionKind.BACK_PAIN}))
    red_flags = recent_active(facts, now, frozenset({ConditionKind.NEURO_RED_FLAG}))
    if back_pain and red_flags:
        return back_pain, red_flags
    return (), ()


def has_suspected_cord_compression(facts: PatientFacts, now: datetime) -> bool:
    back_pain, _ = back_pain_with_red_flag(facts, now)
    return bool(compression_conditions(facts, now) or back_pain)


def evaluate(facts: PatientFacts, now: datetime) -> Finding | None:
    if not is_in_scope(facts) or not has_suspected_cord_compression(facts, now):
        return None
    back_pain, red_flags = back_pain_with_red_flag(facts, now)
    return Finding(
        topic=Topic.SPINAL_CORD_COMPRESSION,
        indicator=Indicator.CRITICAL,
        evidence=CordCompressionEvidence(
            compression=compression_conditions(facts, now),
            back_pain=back_pain,
            red_flags=red_flags,
        ),
        suggestions=(
            SuggestionChoice(
                SuggestionKey.WHOLE_SPINE_MRI,
                (Order(Orderable.WHOLE_SPINE_MRI, stat=True),),
                recommended=True,
            ),
        ),
        selection=SelectionBehavior.ANY,
        excluded=excluded_data(facts, "Condition"),
    )
