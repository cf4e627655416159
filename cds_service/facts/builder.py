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
from cds_service.facts.history import lab_windows
from cds_service.facts.lab_reads import rule_read_results
from cds_service.facts.medication_records import medication_facts
from cds_service.facts.medications import course_start
from cds_service.facts.model import PatientFacts
from cds_service.facts.observations import Reader, candidates, lab_results
from cds_service.facts.procedures import dental_facts, imaging_facts
from cds_service.facts.resources import collect


def build_patient_facts(
    prefetch: Mapping[str, Any], now: datetime, *, rule_windows: bool = False
) -> PatientFacts:
    """The patient's clinical facts as of `now` (an aware datetime).

    With `rule_windows`, only the lab results a rule reads are validated and kept: those
    inside the windows of `facts.history`, and of those only as far as the readers of
    `facts.lab_reads` go, newest first. The findings are the same; the cost is that of
    a few results per analyte. Likewise only the medication records a rule reads are
    validated and kept (`facts.medication_records.rule_reads`: BMA records that can make
    the patient "on a BMA", active supplements). Without it, every result and record is
    kept and every one that cannot be used is reported (the complete facts contract).
    """
    found = collect(prefetch)
    patient = patient_info(found)
    # Medications first (the creatinine windows need the zoledronic acid starts);
    # their exclusions are still reported after those of labs and conditions.
    mark = len(found.excluded)
    medications = medication_facts(found, now if rule_windows else None)
    medication_excluded = found.excluded[mark:]
    del found.excluded[mark:]
    if rule_windows:
        start = course_start(medications, now)
        reader = Reader(found, now)
        labs, lab_excluded = rule_read_results(
            candidates(found, lab_windows(now, medications, start)), reader, now, start
        )
        found.excluded.extend(lab_excluded)
    else:
        labs = lab_results(found, now)
    conditions = condition_facts(found)
    found.excluded.extend(medication_excluded)
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
