"""Who the patient-view rules apply to.

Source: clinical-knowledge §1.

    When  the patient has a breast cancer Condition (any clinicalStatus: a history of
          breast cancer is in scope, since recurrence in bone is what the service
          looks for) and is not deceased,
    Then  the patient-view rules are evaluated; otherwise no card is returned.

The facts layer has already dropped refuted and entered-in-error Conditions and
classified the rest by kind, so these definitions only read the kinds.
"""

from __future__ import annotations

from cds_service.facts.model import ConditionFact, ConditionKind, ExcludedData, PatientFacts


def is_deceased(facts: PatientFacts) -> bool:
    """Patient.deceasedBoolean true or deceasedDateTime set."""
    return facts.patient is not None and facts.patient.deceased


def breast_cancer_conditions(facts: PatientFacts) -> tuple[ConditionFact, ...]:
    return tuple(c for c in facts.conditions if ConditionKind.BREAST_CANCER in c.kinds)


def is_breast_cancer_patient(facts: PatientFacts) -> bool:
    return bool(breast_cancer_conditions(facts))


def is_in_scope(facts: PatientFacts) -> bool:
    """A breast cancer patient (history included) who is not deceased."""
    return is_breast_cancer_patient(facts) and not is_deceased(facts)


def bone_metastasis_conditions(facts: PatientFacts) -> tuple[ConditionFact, ...]:
    return tuple(c for c in facts.conditions if ConditionKind.BONE_METASTASIS in c.kinds)


def has_known_bone_metastasis(facts: PatientFacts) -> bool:
    """Any bone-metastasis Condition (§1), whatever its clinicalStatus or date."""
    return bool(bone_metastasis_conditions(facts))


def excluded_data(facts: PatientFacts, *resource_types: str) -> tuple[ExcludedData, ...]:
    """Data of these resource types the facts layer could not use, for the card."""
    return tuple(item for item in facts.excluded if item.resource_type in resource_types)
