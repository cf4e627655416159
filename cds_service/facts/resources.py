"""Raw FHIR JSON → the resources the facts layer reads: collection, validation, times.

Prefetch values are searchset / collection Bundles, single resources, or None ("no
data"). Resources are gathered from all values by resource type (never by key name)
and de-duplicated by (type, id). Extractors filter the raw dicts by type, status and
code first (cheap set look-ups) and only then validate each survivor once with its
`fhir.resources.R4B` model; a resource that fails validation is skipped and reported.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from importlib import import_module
from typing import Any

from pydantic import ValidationError

from cds_service.facts.model import ExcludedData, ExclusionReason

_MODULE_OF = {
    "Observation": "observation",
    "Condition": "condition",
    "Patient": "patient",
    "MedicationRequest": "medicationrequest",
    "MedicationStatement": "medicationstatement",
    "MedicationAdministration": "medicationadministration",
    "Medication": "medication",
    "Procedure": "procedure",
    "DiagnosticReport": "diagnosticreport",
    "ImagingStudy": "imagingstudy",
    "ServiceRequest": "servicerequest",
    "Encounter": "encounter",
}
_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{2}))?$")

Raw = Mapping[str, Any]


@dataclass
class Resources:
    """Raw resources by type, plus what could not be used, gathered while reading."""

    by_type: dict[str, list[Raw]] = field(default_factory=dict)
    by_reference: dict[str, Raw] = field(default_factory=dict)  # "Type/id" → raw
    missing: set[str] = field(default_factory=set)
    excluded: list[ExcludedData] = field(default_factory=list)

    def of(self, resource_type: str) -> list[Raw]:
        return self.by_type.get(resource_type, [])

    def exclude(self, raw: Raw, reason: ExclusionReason, detail: str) -> None:
        self.excluded.append(excluded_data(raw, reason, detail))

    def validate(self, raw: Raw) -> Any | None:
        """The R4B model of `raw`, or None (reported) when it does not validate."""
        resource, excluded = validated(raw)
        if excluded is not None:
            self.excluded.append(excluded)
        return resource


def validated(raw: Raw) -> tuple[Any | None, ExcludedData | None]:
    """The R4B model of `raw`, or None and the exclusion to report (for a caller that
    reports in an order of its own, as `facts.lab_reads` does)."""
    resource_type = str(raw.get("resourceType", ""))
    try:
        module = _MODULE_OF[resource_type]
        model = getattr(import_module(f"fhir.resources.R4B.{module}"), resource_type)
        return model.model_validate(raw), None
    except (ValidationError, KeyError, ValueError, TypeError) as exc:
        return None, excluded_data(raw, ExclusionReason.INVALID_RESOURCE, _summary(exc))


def excluded_data(raw: Raw, reason: ExclusionReason, detail: str) -> ExcludedData:
    """What a card and the log say of a resource that could not be used."""
    return ExcludedData(str(raw.get("resourceType", "")), _id(raw), reason, detail)


def _id(raw: Raw) -> str | None:
    value = raw.get("id")
    return value if isinstance(value, str) else None


def _summary(exc: Exception) -> str:
    """A validation failure without the offending values (they may identify a patient)."""
    if isinstance(exc, ValidationError):
        places = sorted({".".join(str(p) for p in err["loc"]) for err in exc.errors()})
        return f"failed FHIR R4 validation at {', '.join(places[:5])}"
    return f"failed FHIR R4 validation ({type(exc).__name__})"


def _resources_in(value: Any) -> Iterator[Raw]:
    if isinstance(value, list):
        for item in value:
            yield from _resources_in(item)
    elif isinstance(value, Mapping):
        if value.get("resourceType") == "Bundle":
            entries = value.get("entry")
            for entry in entries if isinstance(entries, list) else ():
                resource = entry.get("resource") if isinstance(entry, Mapping) else None
                if not isinstance(resource, Mapping):
                    continue
                resource_type = resource.get("resourceType")
                if resource_type == "Bundle":
                    yield from _resources_in(resource)
                elif isinstance(resource_type, str):  # the usual entry: no recursion
                    yield resource
        elif isinstance(value.get("resourceType"), str):
            yield value


def collect(prefetch: Mapping[str, Any]) -> Resources:
    """Gather resources from every prefetch value; None values are recorded as missing."""
    found = Resources()
    seen: set[tuple[str, str]] = set()
    for key, value in prefetch.items():
        if value is None:
            found.missing.add(key)
            continue
        for raw in _resources_in(value):
            resource_type = raw["resourceType"]
            rid = _id(raw)
            if rid is not None:
                if (resource_type, rid) in seen:
                    continue
                seen.add((resource_type, rid))
                found.by_reference[f"{resource_type}/{rid}"] = raw
            found.by_type.setdefault(resource_type, []).append(raw)
    return found


# --- times (clinical-knowledge §2 "Windows and dates") ----------------------------------


def to_utc(value: object) -> datetime | None:
    """An aware UTC datetime from a FHIR date / dateTime / instant.

    A date without a time is 00:00 UTC of that day (§2); a partial date ("2026-11",
    "2026", left as a string by fhir.resources) is the first instant of that period;
    a dateTime without a zone (not valid FHIR) is read as UTC.
    """
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        try:
            return value.astimezone(UTC)
        except OverflowError:  # e.g. 0001-01-01T00:00:00+14:00: no instant in UTC
            return None
    if isinstance(value, date):
        return datetime.combine(value, time(0), tzinfo=UTC)
    if isinstance(value, str):
        match = _PARTIAL_DATE.match(value.strip())
        if match:
            return datetime(int(match.group(1)), int(match.group(2) or 1), 1, tzinfo=UTC)
        try:
            return to_utc(datetime.fromisoformat(value.strip().replace("Z", "+00:00")))
        except ValueError:
            return None
    return None


def to_date(value: object) -> date | None:
    """A birth date; a partial one is its first day (the oldest age: the cautious CrCl)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    moment = to_utc(value)
    return moment.date() if moment else None


def period_time(period: Any, *, prefer_end: bool = True) -> datetime | None:
    """A Period's end (else start), or its start (else end) with prefer_end=False."""
    if period is None:
        return None
    first, second = (period.end, period.start) if prefer_end else (period.start, period.end)
    return to_utc(first) or to_utc(second)


# --- codings ----------------------------------------------------------------------------


def _str(raw: Mapping[str, Any], key: str) -> str | None:
    value = raw.get(key)
    return value if isinstance(value, str) else None


def raw_str(raw: Mapping[str, Any], key: str) -> str | None:
    """A string field of a resource not yet validated; anything else (a list, a number) is
    None, so hostile shapes fall through filters instead of raising."""
    return _str(raw, key)


def raw_codings(concept: object) -> Iterator[tuple[str | None, str | None, str | None]]:
    """(system, code, display) of a raw CodeableConcept."""
    if not isinstance(concept, Mapping):
        return
    codings = concept.get("coding")
    for coding in codings if isinstance(codings, list) else ():
        if isinstance(coding, Mapping):
            yield _str(coding, "system"), _str(coding, "code"), _str(coding, "display")


def raw_texts(concept: object) -> Iterator[str]:
    """CodeableConcept.text and every coding display of a raw concept."""
    if not isinstance(concept, Mapping):
        return
    text = concept.get("text")
    if isinstance(text, str):
        yield text
    for _, _, display in raw_codings(concept):
        if isinstance(display, str):
            yield display


def concept_display(concept: object) -> str:
    """The text a card shows for a raw CodeableConcept."""
    return next(raw_texts(concept), "")


def raw_code_of(concept: object) -> str | None:
    """The `code` of a raw CodeableConcept's first coding (e.g. a status)."""
    for _, code, _ in raw_codings(concept):
        if isinstance(code, str):
            return code
    return None
