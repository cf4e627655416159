"""Prefetch (raw FHIR JSON) → `PatientFacts`.

    >>> from datetime import UTC, datetime
    >>> facts = build_patient_facts({"patient": None}, datetime(2026, 11, 21, tzinfo=UTC))
    >>> sorted(facts.missing), facts.patient
    (['patient'], None)

`prefetch` maps each key to a searchset / collection Bundle, a single resource, or
None ("no data": the key is recorded in `missing`). Resources are read by type from
every value, de-duplicated by (type, id), filtered by status and code before they are
validated (each once, with its `fhir.resources.R4B` model), and turned into facts.
Nothing here reads the clock: `now` is an argument.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from cds_service.facts.conditions import condition_facts, patient_info
from cds_service.facts.medication_records import medication_facts
from cds_service.facts.model import PatientFacts
from cds_service.facts.observations import lab_results
from cds_service.facts.procedures import dental_facts, imaging_facts
from cds_service.facts.resources import collect


def build_patient_facts(prefetch: Mapping[str, Any], now: datetime) -> PatientFacts:
    """The patient's clinical facts as of `now` (an aware datetime)."""
    found = collect(prefetch)
    patient = patient_info(found)
    labs = lab_results(found, now)
    conditions = condition_facts(found)
    medications = medication_facts(found)
    imaging = imaging_facts(found)
    dental = dental_facts(found)
    return PatientFacts(
        patient=patient,
        labs=labs,
        conditions=conditions,
        medications=medications,
        imaging=imaging,
        dental=dental,
        excluded=tuple(found.excluded),
        missing=frozenset(found.missing),
    )
