"""Laboratory Observations → `LabResult`s in canonical units (clinical-knowledge §2).

Only Observations whose own code is a LOINC code of an analyte count (a `hasMember`
panel is read through its members, which arrive as Observations of their own; the
distractor 13959-2 is in no analyte). Status must be final, amended or corrected —
checked here, since fhir.resources does not enforce the code's value set. Time:
effectiveDateTime, else effectivePeriod.end (else .start), else effectiveInstant,
else issued; a result without a time, dated beyond now + 1 day, or in a unit that
cannot be converted is left out and reported.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from cds_service.facts.history import LabWindows
from cds_service.facts.labs import is_future
from cds_service.facts.model import (
    Analyte,
    ExcludedData,
    ExclusionReason,
    Flag,
    LabResult,
    RangeSource,
    ReferenceRange,
)
from cds_service.facts.resources import (
    Raw,
    Resources,
    excluded_data,
    period_time,
    raw_str,
    to_utc,
    validated,
)
from cds_service.knowledge.codes import ANALYTE_BY_LOINC, LOINC
from cds_service.knowledge.units import CANONICAL_UNIT, UnknownUnit, to_canonical

USABLE_STATUSES = frozenset({"final", "amended", "corrected"})  # §2

# v3 ObservationInterpretation (§2): H, HU, > high; HH critical high; L, LU, < low;
# LL critical low; N normal. Also read from the older v2 table 0078 and without system.
_INTERPRETATION_SYSTEMS = frozenset(
    {
        "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation",
        "http://hl7.org/fhir/v2/0078",
        "http://terminology.hl7.org/CodeSystem/v2-0078",
        None,
    }
)
_FLAGS = {
    "H": Flag.HIGH,
    "HU": Flag.HIGH,
    ">": Flag.HIGH,
    "HH": Flag.CRITICAL_HIGH,
    "L": Flag.LOW,
    "LU": Flag.LOW,
    "<": Flag.LOW,
    "LL": Flag.CRITICAL_LOW,
    "N": Flag.NORMAL,
}
# When several interpretations are sent, the most severe is kept.
_FLAG_RANK = {
    Flag.CRITICAL_HIGH: 0,
    Flag.CRITICAL_LOW: 1,
    Flag.HIGH: 2,
    Flag.LOW: 3,
    Flag.NORMAL: 4,
}
_NORMAL_RANGE_TYPE = "normal"  # referencerange-meaning


_ANALYTE_OF_CODE = {code: Analyte(analyte) for code, analyte in ANALYTE_BY_LOINC.items()}


def analyte_of(raw: Raw) -> tuple[Analyte, str] | None:
    """The analyte and LOINC code of a raw Observation's own code, if it is one of ours.

    Run on every Observation of a request, so written out rather than through
    `raw_codings`; hostile shapes (a concept or coding that is not an object, a code
    that is not a string) are passed over the same way.
    """
    concept = raw.get("code")
    codings = concept.get("coding") if isinstance(concept, Mapping) else None
    for coding in codings if isinstance(codings, list) else ():
        if isinstance(coding, Mapping) and coding.get("system") == LOINC:
            code = coding.get("code")
            if isinstance(code, str):
                analyte = _ANALYTE_OF_CODE.get(code.strip())
                if analyte is not None:
                    return analyte, code.strip()
    return None


def result_time(obs: Any) -> datetime | None:
    """§2: effectiveDateTime, else effectivePeriod.end (else .start), else
    effectiveInstant, else issued."""
    return (
        to_utc(obs.effectiveDateTime)
        or period_time(obs.effectivePeriod)
        or to_utc(obs.effectiveInstant)
        or to_utc(obs.issued)
    )


def _instant(value: object) -> datetime | None:
    """`to_utc`, with a short cut for the usual case: a dateTime string in UTC, which
    `datetime.fromisoformat` reads alone. Anything else (an offset, a date, a partial
    date, a string it refuses) goes through `to_utc`, so the result is the same."""
    if isinstance(value, str):
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            return to_utc(value)
        if moment.tzinfo is UTC:
            return moment
    return to_utc(value)


def _raw_time(raw: Raw) -> datetime | None:
    period = raw.get("effectivePeriod")
    period = period if isinstance(period, Mapping) else {}
    return (
        _instant(raw.get("effectiveDateTime"))
        or _instant(period.get("end"))
        or _instant(period.get("start"))
        or _instant(raw.get("effectiveInstant"))
        or _instant(raw.get("issued"))
    )


def inherited_times(found: Resources) -> dict[str, datetime]:
    """ "Observation/id" → the time of the report or panel that holds it.

    An Observation without a time of its own, listed in a DiagnosticReport.result or a
    panel's hasMember, takes that container's time (the FHIR core "ghp" example dates
    only its report). Propagated down nested panels.
    """
    times: dict[str, datetime] = {}
    pending: list[tuple[Raw, datetime]] = []
    for raw in found.of("DiagnosticReport"):
        moment = _raw_time(raw)
        if moment is not None:
            pending.append((raw, moment))
    for raw in found.of("Observation"):
        moment = _raw_time(raw)
        if moment is not None and raw.get("hasMember"):
            pending.append((raw, moment))
    while pending:
        container, moment = pending.pop()
        members = container.get("result") or container.get("hasMember")
        for member in members if isinstance(members, list) else ():
            if not isinstance(member, dict):
                continue
            reference = str(member.get("reference", ""))
            if reference in times or not reference.startswith("Observation/"):
                continue
            times[reference] = moment
            child = found.by_reference.get(reference)
            if child is not None and child.get("hasMember") and _raw_time(child) is None:
                pending.append((child, moment))
    return times


def _flag(obs: Any) -> Flag | None:
    flags: list[Flag] = []
    for concept in obs.interpretation or ():
        for coding in concept.coding or ():
            if coding.system in _INTERPRETATION_SYSTEMS and coding.code in _FLAGS:
                flags.append(_FLAGS[coding.code])
    return min(flags, key=_FLAG_RANK.__getitem__) if flags else None


def _convert(analyte: Analyte, quantity: Any, fallback: Any) -> Decimal | None:
    """A Quantity's value in the canonical unit; its unit defaults to `fallback`'s."""
    if quantity is None or quantity.value is None:
        return None
    source = quantity if (quantity.unit or quantity.code) else fallback
    return to_canonical(
        analyte,
        Decimal(quantity.value),
        unit=source.unit if source else None,
        code=source.code if source else None,
        system=source.system if source else None,
    )


def _is_normal_range(entry: Any) -> bool:
    if not entry.appliesTo and entry.type is None:
        return True
    codes = {c.code for c in (entry.type.coding or ())} if entry.type else set()
    return _NORMAL_RANGE_TYPE in codes


def _reference_range(analyte: Analyte, obs: Any) -> ReferenceRange | None:
    """The entry without appliesTo (or typed normal), converted; None if unusable."""
    for entry in obs.referenceRange or ():
        if not _is_normal_range(entry):
            continue
        try:
            low = _convert(analyte, entry.low, obs.valueQuantity)
            high = _convert(analyte, entry.high, obs.valueQuantity)
        except UnknownUnit:
            return None
        if low is None and high is None:
            return None
        return ReferenceRange(low, high, CANONICAL_UNIT[analyte], RangeSource.RESULT)
    return None


def _reported(quantity: Any) -> str:
    if quantity is None or quantity.value is None:
        return "no value"
    unit = quantity.unit or quantity.code or ""
    return f"{quantity.comparator or ''}{quantity.value} {unit}".strip()


def lab_result(
    analyte: Analyte,
    loinc: str,
    obs: Any,
    now: datetime,
    raw: Raw,
    container_time: datetime | None = None,
) -> LabResult | ExcludedData:
    """The result of a validated Observation, or why it cannot be used (to report)."""
    moment = result_time(obs) or container_time
    if moment is None:
        return excluded_data(raw, ExclusionReason.NO_DATE, f"{analyte} result without a time")
    if is_future(moment, now):
        return excluded_data(
            raw, ExclusionReason.FUTURE_DATE, f"{analyte} result dated in the future"
        )
    quantity = obs.valueQuantity
    value: Decimal | None = None
    comparator: str | None = None
    if obs.dataAbsentReason is None and quantity is not None and quantity.value is not None:
        try:
            value = _convert(analyte, quantity, None)
        except UnknownUnit as exc:
            return excluded_data(raw, ExclusionReason.UNKNOWN_UNIT, str(exc))
        comparator = quantity.comparator
    return LabResult(
        analyte=analyte,
        loinc=loinc,
        time=moment,
        value=value,
        unit=CANONICAL_UNIT[analyte],
        comparator=comparator,
        reported=_reported(quantity if value is not None else None),
        reference_range=_reference_range(analyte, obs),
        flag=_flag(obs),
        resource_id=obs.id,
    )


@dataclass(frozen=True, slots=True)
class Candidate:
    """A raw Observation past the cheap filters (status, code, windows), not yet validated."""

    index: int  # its place among the request's Observations: the order of reports
    analyte: Analyte
    loinc: str
    time: datetime | None  # its own time read from the raw JSON; None: a container may date it
    raw: Raw


def candidates(found: Resources, windows: LabWindows | None = None) -> list[Candidate]:
    """The Observations worth validating, in the order they came.

    With `windows` (`facts.history.lab_windows`), a result whose own time no rule reads
    is left out. One without a time of its own is always kept (a container may date it).
    """
    kept: list[Candidate] = []
    for index, raw in enumerate(found.of("Observation")):
        if raw_str(raw, "status") not in USABLE_STATUSES:
            continue
        match = analyte_of(raw)
        if match is None:
            continue
        own_time = _raw_time(raw)
        if windows is not None and own_time is not None and not windows.reads(match[0], own_time):
            continue
        kept.append(Candidate(index, match[0], match[1], own_time, raw))
    return kept


class Reader:
    """Validates candidates into results, dating untimed ones by their containers."""

    def __init__(self, found: Resources, now: datetime) -> None:
        self._found = found
        self._now = now
        self._containers: dict[str, datetime] | None = None

    def __call__(self, candidate: Candidate) -> LabResult | ExcludedData:
        obs, invalid = validated(candidate.raw)
        if obs is None:
            assert invalid is not None
            return invalid
        container_time = None
        if result_time(obs) is None:
            if self._containers is None:
                self._containers = inherited_times(self._found)
            container_time = self._containers.get(f"Observation/{obs.id}")
        return lab_result(
            candidate.analyte, candidate.loinc, obs, self._now, candidate.raw, container_time
        )


def newest_first(
    results: list[LabResult],
) -> tuple[LabResult, ...]:
    """Results (in the order their Observations came) sorted newest first; ties keep it."""
    return tuple(sorted(results, key=lambda r: r.time, reverse=True))


def lab_results(found: Resources, now: datetime) -> dict[Analyte, tuple[LabResult, ...]]:
    """Every usable-status result of the service's analytes, newest first per analyte;
    each Observation validated, each one that cannot be used reported."""
    read = Reader(found, now)
    by_analyte: dict[Analyte, list[LabResult]] = {}
    for candidate in candidates(found):
        outcome = read(candidate)
        if isinstance(outcome, ExcludedData):
            found.excluded.append(outcome)
        else:
            by_analyte.setdefault(candidate.analyte, []).append(outcome)
    return {analyte: newest_first(results) for analyte, results in by_analyte.items()}
