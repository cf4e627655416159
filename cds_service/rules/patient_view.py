"""The patient-view rules, in one call.

    >>> evaluate_patient_view(facts, now)          # doctest: +SKIP
    [Finding(topic=<Topic.HYPERCALCEMIA: 'hypercalcemia'>, indicator=..., ...)]

Findings come in the order of clinical-knowledge §3 (3.3 spinal cord compression
first, as the one emergency; then 3.1, 3.2, 3.4, 3.5). A patient out of scope (§1: not
a breast cancer patient, or deceased) gets none.
"""

from __future__ import annotations

from datetime import datetime

from cds_service.facts.model import PatientFacts
from cds_service.rules import (
    bma_safety,
    bone_metastasis_workup,
    bone_modifying_agent,
    hypercalcemia,
    spinal_cord_compression,
)
from cds_service.rules.findings import Finding
from cds_service.rules.scope import is_in_scope


def evaluate_patient_view(facts: PatientFacts, now: datetime) -> list[Finding]:
    """Every finding of §3 for this patient at `now` (the caller's clock, never ours)."""
    if not is_in_scope(facts):
        return []
    single = (
        spinal_cord_compression.evaluate(facts, now),
        hypercalcemia.evaluate(facts, now),
        bone_metastasis_workup.evaluate(facts, now),
        bone_modifying_agent.evaluate(facts, now),
    )
    return [f for f in single if f is not None] + bma_safety.evaluate(facts, now)
