"""Conditions → `ConditionFact`s classified by kind, and the Patient (clinical-knowledge §1, §2).

A Condition counts unless its verificationStatus is `refuted` or `entered-in-error`;
it is "active" when clinicalStatus is active, recurrence or relapse, or absent. Its
date is the onset (onsetDateTime, or onsetPeriod.start), else recordedDate.

Known bone metastasis (§1): a bone-metastasis code, or a SecondaryCancerCondition
(mCODE) whose code is a secondary malignant neoplasm and whose bodySite is a bone —
by code, or by a display word ("bone", "vertebra", "rib", "pelvi", "femur",
"sacrum", "skull", "spine"). The same code + bodySite pair is also read without the
mCODE profile: it says the same thing clinically (a judgement; see the report).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cds_service.facts.model import ConditionFact, ConditionKind, PatientInfo
from cds_service.facts.resources import (
    Raw,
    Resources,
    concept_display,
    raw_code_of,
    raw_codings,
    raw_texts,
    to_date,
    to_utc,
)
from cds_service.knowledge import codes as kc
from cds_service.knowledge.valuesets import canonical_system, normalize_code

EXCLUDED_VERIFICATION = frozenset({"refuted", "entered-in-error"})  # §1, §2
ACTIVE_CLINICAL = frozenset({"active", "recurrence", "relapse"})  # §2

_BY_CODE: tuple[tuple[ConditionKind, kc.CodeList], ...] = (
    (ConditionKind.BREAST_CANCER, kc.BREAST_CANCER),
    (ConditionKind.BONE_METASTASIS, kc.BONE_METASTASIS),
    (ConditionKind.BONE_PAIN, kc.BONE_PAIN),
    (ConditionKind.PATHOLOGICAL_FRACTURE, kc.PATHOLOGICAL_FRACTURE),
    (ConditionKind.CORD_COMPRESSION_NEOPLASTIC, kc.CORD_COMPRESSION_NEOPLASTIC),
    (ConditionKind.CORD_COMPRESSION_UNSTATED, kc.CORD_COMPRESSION_UNSTATED),
    (ConditionKind.BACK_PAIN, kc.BACK_PAIN),
    (ConditionKind.NEURO_RED_FLAG, kc.NEURO_RED_FLAG),
    (ConditionKind.HYPERCALCEMIA, kc.HYPERCALCEMIA),
)


def _bone_site(raw: Raw) -> bool:
    for site in raw.get("bodySite") or ():
        if any(kc.BONE_BODY_SITE.matches(s, c) for s, c, _ in raw_codings(site)):
            return True
        if any(kc.BONE_BODY_SITE.matches_text(t) for t in raw_texts(site)):
            return True
    return False


def classify(raw: Raw) -> tuple[frozenset[ConditionKind], str]:
    """The kinds a raw Condition belongs to and the coding that classified it first.

    Each coding is normalised, and each text folded, once for all the code lists.
    """
    kinds: set[ConditionKind] = set()
    first = ""
    concept = raw.get("code")
    codings = [
        (system, code, sys, normalize_code(sys, code))
        for system, code, _ in raw_codings(concept)
        if code
        for sys in (canonical_system(system),)
    ]
    for system, code, sys, norm in codings:
        for kind, code_list in _BY_CODE:
            if code_list.matches_normalized(sys, norm):
                kinds.add(kind)
                first = first or f"{system}|{code}"
    texts = [(text, kc.normalize_text(text)) for text in raw_texts(concept) if text]
    if ConditionKind.NEURO_RED_FLAG not in kinds and any(
        kc.NEURO_RED_FLAG.matches_folded(folded) for _, folded in texts
    ):
        kinds.add(ConditionKind.NEURO_RED_FLAG)  # unverified codes: display text only
        first = first or concept_display(concept)
    if ConditionKind.BONE_METASTASIS not in kinds:
        # A secondary malignancy with a bone bodySite: "system|code", else the display.
        secondary = next(
            (
                f"{system}|{code}"
                for system, code, sys, norm in codings
                if kc.SECONDARY_MALIGNANT_NEOPLASM.matches_normalized(sys, norm)
            ),
            None,
        ) or next(
            (
                text
                for text, folded in texts
                if kc.SECONDARY_MALIGNANT_NEOPLASM.matches_folded(folded)
            ),
            None,
        )
        if secondary is not None and _bone_site(raw):
            kinds.add(ConditionKind.BONE_METASTASIS)
            first = first or secondary
    return frozenset(kinds), first


def condition_date(condition: Any) -> datetime | None:
    """§2: onsetDateTime, or onsetPeriod.start, else recordedDate."""
    onset = to_utc(condition.onsetDateTime)
    if onset is None and condition.onsetPeriod is not None:
        onset = to_utc(condition.onsetPeriod.start)
    return onset or to_utc(condition.recordedDate)


def condition_facts(found: Resources) -> tuple[ConditionFact, ...]:
    facts: list[ConditionFact] = []
    for raw in found.of("Condition"):
        if raw_code_of(raw.get("verificationStatus")) in EXCLUDED_VERIFICATION:
            continue
        kinds, code = classify(raw)
        if not kinds:
            continue
        condition = found.validate(raw)
        if condition is None:
            continue
        clinical = raw_code_of(raw.get("clinicalStatus"))
        facts.append(
            ConditionFact(
                kinds=kinds,
                display=concept_display(raw.get("code")),
                code=code,
                active=clinical is None or clinical in ACTIVE_CLINICAL,
                date=condition_date(condition),
                resource_id=condition.id,
            )
        )
    return tuple(facts)


_GENDERS = frozenset({"male", "female", "other", "unknown"})


def patient_info(found: Resources) -> PatientInfo | None:
    """The first valid Patient: birthDate, gender (absent → unknown), deceased."""
    for raw in found.of("Patient"):
        patient = found.validate(raw)
        if patient is None:
            continue
        gender = patient.gender if patient.gender in _GENDERS else "unknown"
        deceased = bool(patient.deceasedBoolean) or patient.deceasedDateTime is not None
        return PatientInfo(to_date(patient.birthDate), gender, deceased)
    return None
