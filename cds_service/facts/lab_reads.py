"""The laboratory results the rules read, validated newest first and no further.

Validating a FHIR Observation costs some 60 times parsing it, and of the results inside
an analyte's window (`facts.history`) the rules read only the newest few. Every reader
of lab results, and the results it reads (clinical-knowledge §2, §3.5, §6):

    current_result (facts.labs)     every analyte: the results from the newest one dated
                                    (on or after its lookback start), down to the first
                                    one that carries a value — the current result
    has_recent_calcium_result       calcium: the same, down to the first with a value in
      (rules.bma_safety)            the monitoring lookback, which may be the longer one
    paired_albumin (facts.calcium)  albumin: every result from 72 h before the current
                                    total calcium onwards
    creatinine_baseline             creatinine, when the current one is numeric: in the
      (facts.medications)           180 days up to the zoledronic acid course start, the
                                    results down to the first numeric one; if there is
                                    none, every result in the 180 days before the current

So the candidates (usable status, one of our codes, inside the windows) of each analyte
are sorted newest first by the time read from their raw JSON, and each is validated only
when one of these readers reaches it. A candidate that fails validation, is in an
unknown unit or is dated in the future is reported as before, and the reader goes on to
the next; one the readers never reach is neither validated nor reported. Results that
tie on time are read together. A candidate without a time of its own (a report or panel
may date it) is always validated, first.

The order rests on one assumption: a validated result has the time read from its raw
JSON. It is checked on every result; should one ever differ, every candidate is
validated (the windowed facts, as complete as before). Readers that look further must be
added here; tests/benchmarks/test_rule_windows.py holds the guard (the same findings and
cards with all results validated, on every scenario and benchmark patient).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from cds_service.facts.labs import LOOKBACK_DAYS
from cds_service.facts.model import Analyte, ExcludedData, LabResult
from cds_service.facts.observations import Candidate, Reader, newest_first
from cds_service.knowledge import thresholds as th

_CALCIUM = (Analyte.TOTAL_CALCIUM, Analyte.CORRECTED_CALCIUM, Analyte.IONIZED_CALCIUM)
_BASELINE = timedelta(days=th.CREATININE_BASELINE_MAX_DAYS)

Outcome = LabResult | ExcludedData


class _OutOfOrder(Exception):
    """A validated result's time is not the time its raw JSON gave."""


@dataclass(slots=True)
class _Entry:
    candidate: Candidate
    time: datetime  # the raw time (for an untimed candidate, its validated result's)
    outcome: Outcome | None = None  # None: not validated yet


class _History:
    """One analyte's candidates, newest first; read on demand."""

    def __init__(self, entries: list[_Entry], read: Reader) -> None:
        self._entries = entries
        self._read = read

    def between(self, low: datetime, high: datetime | None = None) -> Iterator[LabResult]:
        """Results dated from `low` to `high` (both included), newest first."""
        for entry in self._entries:
            if entry.time < low:
                return
            if high is not None and entry.time > high:
                continue
            if entry.outcome is None:
                entry.outcome = self._read(entry.candidate)
                if isinstance(entry.outcome, LabResult) and entry.outcome.time != entry.time:
                    raise _OutOfOrder
            if isinstance(entry.outcome, LabResult):
                yield entry.outcome

    def through(self, low: datetime, high: datetime | None = None) -> None:
        """Read every result from `low` to `high`."""
        for _ in self.between(low, high):
            pass

    def first(self, low: datetime, high: datetime | None, numeric: bool) -> LabResult | None:
        """The newest result from `low` to `high` with a value (a plain number if
        `numeric`), and those tied with it; None after reading them all."""
        for result in self.between(low, high):
            if result.is_numeric if numeric else result.value is not None:
                self.through(result.time, high)
                return result
        return None


def _read_as_the_rules_do(
    histories: Mapping[Analyte, _History], now: datetime, course_start: datetime | None
) -> None:
    current: dict[Analyte, LabResult | None] = {}
    for analyte, history in histories.items():
        days = LOOKBACK_DAYS[analyte]
        if analyte in _CALCIUM:
            days = max(days, th.CALCIUM_MONITORING_LOOKBACK_DAYS)
        found = history.first(now - timedelta(days=days), None, numeric=False)
        lookback_start = now - timedelta(days=LOOKBACK_DAYS[analyte])
        current[analyte] = found if found is not None and found.time >= lookback_start else None
    total = current.get(Analyte.TOTAL_CALCIUM)
    albumin = histories.get(Analyte.ALBUMIN)
    if total is not None and albumin is not None:
        albumin.through(total.time - th.ALBUMIN_PAIRING)
    creatinine = current.get(Analyte.CREATININE)
    if creatinine is not None and creatinine.is_numeric:
        _read_baseline(histories[Analyte.CREATININE], creatinine, course_start)


def _read_baseline(history: _History, creatinine: LabResult, course_start: datetime | None) -> None:
    """§3.5 (`creatinine_baseline`): back from the course start to its first numeric
    result; without one, the 180 days before the current creatinine."""
    if course_start is not None:
        low = course_start - _BASELINE
        if history.first(low, course_start, numeric=True) is not None:
            return
    history.through(creatinine.time - _BASELINE, creatinine.time)


def rule_read_results(
    candidates: list[Candidate],
    read: Reader,
    now: datetime,
    course_start: datetime | None,
) -> tuple[dict[Analyte, tuple[LabResult, ...]], list[ExcludedData]]:
    """The results the readers reach, newest first per analyte, and the exclusions among
    the candidates validated (in the order the Observations came).

    `course_start` is the zoledronic acid course start (`facts.medications.course_start`).
    """
    entries: list[_Entry] = []
    dated: list[_Entry] = []
    for candidate in candidates:
        if candidate.time is not None:
            entry = _Entry(candidate, candidate.time)
            dated.append(entry)
        else:  # validated first; reported (if it cannot be used) whatever its time
            outcome = read(candidate)
            entry = _Entry(candidate, now, outcome)
            if isinstance(outcome, LabResult):
                entry.time = outcome.time
                dated.append(entry)
        entries.append(entry)
    by_analyte: dict[Analyte, list[_Entry]] = {}
    for entry in sorted(dated, key=lambda e: e.time, reverse=True):  # stable: ties keep order
        by_analyte.setdefault(entry.candidate.analyte, []).append(entry)
    histories = {analyte: _History(group, read) for analyte, group in by_analyte.items()}
    try:
        _read_as_the_rules_do(histories, now, course_start)
    except _OutOfOrder:
        for entry in entries:
            if entry.outcome is None:
                entry.outcome = read(entry.candidate)
    results: dict[Analyte, list[LabResult]] = {}
    excluded: list[ExcludedData] = []
    for entry in entries:  # in the order the Observations came
        if isinstance(entry.outcome, LabResult):
            results.setdefault(entry.candidate.analyte, []).append(entry.outcome)
        elif entry.outcome is not None:
            excluded.append(entry.outcome)
    return {analyte: newest_first(found) for analyte, found in results.items()}, excluded
