"""Bone imaging (clinical-knowledge §3.2) and dental care (§6) → `ImagingFact`, `DentalCareFact`.

Bone imaging: a Procedure completed or in-progress, a DiagnosticReport in any status
but entered-in-error or cancelled, or an ImagingStudy registered or available, coded
as a bone scan, FDG PET/CT or (whole-)spine MRI (`knowledge.codes`). Dated by
performedDateTime, or performedPeriod / effectivePeriod end (else start), or
effectiveDateTime, or started.

Dental care: a Procedure completed / in-progress or a ServiceRequest active /
completed coded 34043003 or 772071006; or an Encounter finished / in-progress /
arrived whose type or serviceType carries those codes or whose text or display names
dental care or a dentist.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime
from typing import Any

from cds_service.facts.model import DentalCareFact, ImagingFact, ImagingKind
from cds_service.facts.resources import (
    Raw,
    Resources,
    concept_display,
    period_time,
    raw_codings,
    raw_str,
    raw_texts,
    to_utc,
)
from cds_service.knowledge import codes as kc

_IMAGING_KINDS = (
    (ImagingKind.BONE_SCAN, kc.BONE_SCAN),
    (ImagingKind.PET_CT, kc.PET_CT),
    (ImagingKind.SPINE_MRI, kc.SPINE_MRI),
)
_PROCEDURE_DONE = frozenset({"completed", "in-progress"})
_REPORT_NOT = frozenset({"entered-in-error", "cancelled"})
_STUDY_OK = frozenset({"registered", "available"})
_REQUEST_OK = frozenset({"active", "completed"})
_ENCOUNTER_OK = frozenset({"finished", "in-progress", "arrived"})


def _concepts(raw: Raw) -> list[Any]:
    if raw.get("resourceType") == "ImagingStudy":
        return list(raw.get("procedureCode") or ())
    return [raw.get("code")]


def _imaging_kind(concepts: Iterable[Any]) -> tuple[ImagingKind, Any] | None:
    for concept in concepts:
        for system, code, _ in raw_codings(concept):
            for kind, code_list in _IMAGING_KINDS:
                if code_list.matches(system, code):
                    return kind, concept
    return None


def _imaging_time(resource: Any) -> datetime | None:
    kind = resource.get_resource_type()
    if kind == "Procedure":
        return to_utc(resource.performedDateTime) or period_time(resource.performedPeriod)
    if kind == "DiagnosticReport":
        return period_time(resource.effectivePeriod) or to_utc(resource.effectiveDateTime)
    return to_utc(resource.started)


def _imaging_candidates(found: Resources) -> Iterator[Raw]:
    for raw in found.of("Procedure"):
        if raw_str(raw, "status") in _PROCEDURE_DONE:
            yield raw
    for raw in found.of("DiagnosticReport"):
        if raw_str(raw, "status") not in _REPORT_NOT:
            yield raw
    for raw in found.of("ImagingStudy"):
        if raw_str(raw, "status") in _STUDY_OK:
            yield raw


def imaging_facts(found: Resources) -> tuple[ImagingFact, ...]:
    facts: list[ImagingFact] = []
    for raw in _imaging_candidates(found):
        match = _imaging_kind(_concepts(raw))
        if match is None:
            continue
        resource = found.validate(raw)
        if resource is None:
            continue
        kind, concept = match
        facts.append(
            ImagingFact(
                kind=kind,
                time=_imaging_time(resource),
                resource_type=resource.get_resource_type(),
                resource_id=resource.id,
                display=concept_display(concept),
            )
        )
    return tuple(facts)


def _coded_dental(concepts: Iterable[Any]) -> Any | None:
    for concept in concepts:
        if any(kc.DENTAL.matches(s, c) for s, c, _ in raw_codings(concept)):
            return concept
    return None


def _named_dental(concepts: Iterable[Any]) -> Any | None:
    for concept in concepts:
        if any(kc.DENTAL.matches_text(t) for t in raw_texts(concept)):
            return concept
    return None


def _dental_time(resource: Any) -> datetime | None:
    kind = resource.get_resource_type()
    if kind == "Procedure":
        return to_utc(resource.performedDateTime) or period_time(resource.performedPeriod)
    if kind == "ServiceRequest":
        return (
            to_utc(resource.authoredOn)
            or to_utc(resource.occurrenceDateTime)
            or period_time(resource.occurrencePeriod)
        )
    return period_time(resource.period)


def dental_facts(found: Resources) -> tuple[DentalCareFact, ...]:
    candidates: list[tuple[Raw, Any]] = []
    for raw in found.of("Procedure"):
        if raw_str(raw, "status") in _PROCEDURE_DONE:
            concept = _coded_dental([raw.get("code")])
            if concept is not None:
                candidates.append((raw, concept))
    for raw in found.of("ServiceRequest"):
        if raw_str(raw, "status") in _REQUEST_OK:
            concept = _coded_dental([raw.get("code")])
            if concept is not None:
                candidates.append((raw, concept))
    for raw in found.of("Encounter"):
        if raw_str(raw, "status") in _ENCOUNTER_OK:
            concepts = [*(raw.get("type") or ()), raw.get("serviceType")]
            concept = _coded_dental(concepts) or _named_dental(concepts)
            if concept is not None:
                candidates.append((raw, concept))
    facts: list[DentalCareFact] = []
    for raw, concept in candidates:
        resource = found.validate(raw)
        if resource is None:
            continue
        facts.append(
            DentalCareFact(
                time=_dental_time(resource),
                resource_type=resource.get_resource_type(),
                resource_id=resource.id,
                display=concept_display(concept),
            )
        )
    return tuple(facts)
