"""Validating only the lab results the rules read changes no finding and no card.

The guard for `build_patient_facts(..., rule_windows=True)`, which both services use:
results outside the windows of `facts.history` are left out, and inside them each
analyte's candidates are validated newest first only as far as the readers of
`facts.lab_reads` go. On every scenario in fhir_fixtures/scenarios/ and
fhir_fixtures/order-sign/ and on the synthetic benchmark patients, against the facts
with every result validated (`rule_windows=False`):

- the findings are the same, apart from the list of data not used;
- the cards are the same, excluded-data lines included, once that list is cut to the
  results a rule would have read — worked out here from the complete facts, through the
  facts API, independently of `facts.lab_reads`.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from benchmarks.generate import hook_request, patient_bundle
from cds_service.cards.render import render_cards
from cds_service.devtools.relative_dates import resolve
from cds_service.facts.builder import build_patient_facts
from cds_service.facts.draft_orders import draft_order_facts
from cds_service.facts.labs import LOOKBACK_DAYS, current_result
from cds_service.facts.medications import zoledronic_course_start
from cds_service.facts.model import Analyte, ExcludedData, LabResult, PatientFacts
from cds_service.facts.observations import candidates
from cds_service.facts.resources import collect
from cds_service.knowledge import thresholds as th
from cds_service.rules import evaluate_patient_view
from cds_service.rules.findings import Finding
from cds_service.rules.order_check import evaluate_order_sign

NOW = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
FIXTURES = Path(__file__).resolve().parents[2] / "fhir_fixtures"
ORDER_SIGN_NOW = datetime.fromisoformat(
    json.loads((FIXTURES / "order-sign" / "manifest.json").read_text())["evaluation_time"]
)
CALCIUM = (Analyte.TOTAL_CALCIUM, Analyte.CORRECTED_CALCIUM, Analyte.IONIZED_CALCIUM)
BASELINE = timedelta(days=th.CREATININE_BASELINE_MAX_DAYS)
NEVER = datetime.max.replace(tzinfo=UTC)

Evaluate = Callable[[PatientFacts], list[Finding]]


@dataclasses.dataclass(frozen=True)
class Case:
    name: str
    prefetch: dict[str, Any]
    now: datetime
    context: dict[str, Any]

    def evaluate(self, facts: PatientFacts) -> list[Finding]:
        if "draftOrders" not in self.context:
            return evaluate_patient_view(facts, self.now)
        return evaluate_order_sign(facts, self._drafts(), self.now)

    def cards(self, findings: list[Finding]) -> list[Any]:
        drafts = self._drafts().by_id if "draftOrders" in self.context else None
        cards = render_cards(findings, patient_id="p", drafts=drafts)
        return [_without_uuids(card.model_dump(mode="json")) for card in cards]

    def _drafts(self) -> Any:
        return draft_order_facts(self.context["draftOrders"], self.prefetch)


def _without_uuids(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_uuids(v) for k, v in value.items() if k != "uuid"}
    if isinstance(value, list):
        return [_without_uuids(v) for v in value]
    return value


def _cases() -> list[Case]:
    found: list[Case] = []
    for folder, now in (("scenarios", NOW), ("order-sign", ORDER_SIGN_NOW)):
        for path in sorted((FIXTURES / folder).glob("*.json")):
            request = resolve(json.loads(path.read_text()), now)
            if isinstance(request.get("prefetch"), dict):
                name = f"{folder}/{path.stem}"
                found.append(Case(name, request["prefetch"], now, request.get("context", {})))
    for size in "SML":
        request = hook_request(patient_bundle(size, NOW))
        found.append(Case(f"bench-{size}", request["prefetch"], NOW, request["context"]))
    return found


CASES = _cases()


def _newest_with_value(
    facts: PatientFacts, analyte: Analyte, low: datetime, high: datetime, *, numeric: bool
) -> LabResult | None:
    for result in facts.results(analyte):  # newest first
        usable = result.is_numeric if numeric else result.value is not None
        if low <= result.time <= high and usable:
            return result
    return None


def read_spans(
    facts: PatientFacts, now: datetime
) -> dict[Analyte, list[tuple[datetime, datetime]]]:
    """From the complete facts: per analyte, the times whose results some rule reads."""
    spans: dict[Analyte, list[tuple[datetime, datetime]]] = {}
    for analyte, days in LOOKBACK_DAYS.items():
        if analyte in CALCIUM:  # has_recent_calcium_result
            days = max(days, th.CALCIUM_MONITORING_LOOKBACK_DAYS)
        low = now - timedelta(days=days)
        current = _newest_with_value(facts, analyte, low, NEVER, numeric=False)
        spans[analyte] = [(current.time if current else low, NEVER)]
    total = current_result(facts, Analyte.TOTAL_CALCIUM, now)
    if total is not None:  # paired_albumin
        spans[Analyte.ALBUMIN].append((total.time - th.ALBUMIN_PAIRING, NEVER))
    creatinine = current_result(facts, Analyte.CREATININE, now)
    if creatinine is not None and creatinine.is_numeric:  # creatinine_baseline
        start = zoledronic_course_start(facts, now)
        baseline = None
        if start is not None:
            baseline = _newest_with_value(
                facts, Analyte.CREATININE, start - BASELINE, start, numeric=True
            )
            spans[Analyte.CREATININE].append(
                (baseline.time if baseline else start - BASELINE, start)
            )
        if baseline is None:
            spans[Analyte.CREATININE].append((creatinine.time - BASELINE, creatinine.time))
    return spans


def would_be_read(case: Case, complete: PatientFacts) -> tuple[ExcludedData, ...]:
    """The complete facts' exclusions, less the lab results no rule would have read."""
    spans = read_spans(complete, case.now)
    found = {c.raw.get("id"): c for c in candidates(collect(case.prefetch))}
    kept = []
    for item in complete.excluded:
        if item.resource_type == "Observation":
            candidate = found[item.resource_id]
            moment = candidate.time
            if moment is not None and not any(
                low <= moment <= high for low, high in spans[candidate.analyte]
            ):
                continue
        kept.append(item)
    return tuple(kept)


def _without_excluded(finding: Finding) -> Finding:
    return dataclasses.replace(finding, excluded=())


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_same_findings_and_cards_reading_only_what_rules_read(case: Case) -> None:
    complete = build_patient_facts(case.prefetch, case.now)
    lazy = build_patient_facts(case.prefetch, case.now, rule_windows=True)
    full = case.evaluate(complete)
    fast = case.evaluate(lazy)
    assert [_without_excluded(f) for f in fast] == [_without_excluded(f) for f in full]
    assert not Counter(lazy.excluded) - Counter(complete.excluded)
    assert lazy.excluded == would_be_read(case, complete)
    reference = dataclasses.replace(complete, excluded=would_be_read(case, complete))
    assert case.cards(fast) == case.cards(case.evaluate(reference))
    assert lazy.conditions == complete.conditions
    assert lazy.medications == complete.medications


def test_the_guard_sees_exclusions_and_older_results() -> None:
    """The cases include unusable lab results, and patients whose rules read more than
    the current result (a creatinine baseline, a paired albumin)."""
    lazy = {c.name: build_patient_facts(c.prefetch, c.now, rule_windows=True) for c in CASES}
    assert any(e.resource_type == "Observation" for f in lazy.values() for e in f.excluded)
    assert len(lazy["bench-L"].results(Analyte.CREATININE)) >= 2
    assert lazy["bench-L"].results(Analyte.ALBUMIN)


# --- random lab histories: ties, gaps, unusable results at every place -----------------

_ANALYTES = {  # LOINC: (unit, low, high) — values around each threshold
    "17861-6": ("mg/dL", 6.5, 15.0),  # total calcium
    "1995-0": ("mmol/L", 0.8, 1.9),  # ionized calcium
    "1751-7": ("g/dL", 2.5, 4.8),  # albumin
    "2160-0": ("mg/dL", 0.5, 4.0),  # creatinine
    "98979-8": ("mL/min/{1.73_m2}", 20, 90),  # eGFR
    "29463-7": ("kg", 40, 90),  # weight
    "6768-6": ("U/L", 60, 400),  # ALP
}
_WEIGHTED = ["17861-6", "1751-7", "2160-0"] * 3 + sorted(_ANALYTES)
_BASE = hook_request(patient_bundle("S", NOW))  # in scope, on zoledronic acid
_DRAFTS = [
    resolve(json.loads((FIXTURES / "order-sign" / f"{name}.json").read_text()), NOW)["context"]
    for name in ("zoledronic-4.0-crcl-66-in-band", "calcium-30-days-old-denosumab")
]


def _stamp(moment: datetime, style: int) -> str:
    if style == 1:  # an offset, not UTC
        return moment.astimezone(timezone(timedelta(hours=-5))).isoformat()
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@st.composite
def _observation(draw: st.DrawFn, index: int) -> dict[str, Any]:
    loinc = draw(st.sampled_from(_WEIGHTED))
    unit, low, high = _ANALYTES[loinc]
    days = draw(st.sampled_from([40, 40, 40, 400]))  # mostly recent, some long ago
    hours = draw(st.integers(-24 * days, 48)) // 24 * 24  # a one-day grid: ties happen
    moment = NOW + timedelta(hours=hours)
    shape = draw(st.sampled_from(["plain"] * 6 + ["<", ">", "none", "bad", "unit", "untimed"]))
    value = round(draw(st.floats(low, high)), 2)
    quantity: dict[str, Any] = {"value": value, "unit": unit}
    if shape in ("<", ">"):
        quantity["comparator"] = shape
    elif shape == "bad":
        quantity["value"] = "not a number"  # fails FHIR validation
    elif shape == "unit":
        quantity["unit"] = "furlongs"
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": f"o{index}",
        "status": draw(st.sampled_from(["final"] * 5 + ["preliminary"])),
        "code": {"coding": [{"system": "http://loinc.org", "code": loinc}]},
    }
    if shape != "untimed":
        resource["effectiveDateTime"] = _stamp(moment, draw(st.integers(0, 1)))
    if shape != "none":
        resource["valueQuantity"] = quantity
    return resource


@st.composite
def _case(draw: st.DrawFn) -> Case:
    count = draw(st.integers(0, 24))
    observations = [draw(_observation(i)) for i in range(count)]
    prefetch = json.loads(json.dumps(_BASE["prefetch"]))
    for key in ("calcium", "albumin", "alp", "renal", "weight", "calcium-workup"):
        prefetch[key] = {"resourceType": "Bundle", "type": "searchset", "entry": []}
    prefetch["calcium"]["entry"] = [{"resource": o} for o in observations]
    start = NOW - timedelta(days=draw(st.integers(0, 400)))  # the zoledronic acid standing order
    prefetch["medication-requests"]["entry"][0]["resource"]["authoredOn"] = _stamp(start, 0)
    context = draw(st.sampled_from([_BASE["context"], *_DRAFTS]))
    return Case("random", prefetch, NOW, context)


def _lab(index: int, loinc: str, value: float, days: float, comparator: str = "") -> dict[str, Any]:
    unit = _ANALYTES[loinc][0]
    quantity = {"value": value, "unit": unit} | ({"comparator": comparator} if comparator else {})
    return {
        "resourceType": "Observation",
        "id": f"d{index}",
        "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": loinc}]},
        "effectiveDateTime": _stamp(NOW - timedelta(days=days), 0),
        "valueQuantity": quantity,
    }


def _directed(name: str, start_days: int, *observations: dict[str, Any]) -> Case:
    prefetch = json.loads(json.dumps(_BASE["prefetch"]))
    for key in ("calcium", "albumin", "alp", "renal", "weight", "calcium-workup"):
        prefetch[key] = {"resourceType": "Bundle", "type": "searchset", "entry": []}
    prefetch["calcium"]["entry"] = [{"resource": o} for o in observations]
    start = NOW - timedelta(days=start_days)
    prefetch["medication-requests"]["entry"][0]["resource"]["authoredOn"] = _stamp(start, 0)
    return Case(name, prefetch, NOW, _BASE["context"])


# Readers past the current result, each where the random cases rarely go.
DIRECTED = [
    _directed(  # the albumin paired with the calcium is not the newest albumin
        "albumin-paired-behind-a-newer-one",
        730,
        _lab(1, "17861-6", 10.3, 5),
        _lab(2, "1751-7", 4.2, 1),
        _lab(3, "1751-7", 3.0, 5),
    ),
    _directed(  # the baseline is the first numeric creatinine before the start
        "creatinine-baseline-behind-a-comparator",
        100,
        _lab(1, "2160-0", 1.9, 2),
        _lab(2, "2160-0", 1.0, 110, "<"),
        _lab(3, "2160-0", 1.0, 120),
    ),
    _directed(  # none in the 180 days up to the start: the earliest of the 180 days
        "creatinine-baseline-earliest-before-current",  # before the current one
        200,
        _lab(1, "2160-0", 1.9, 2),
        _lab(2, "2160-0", 1.6, 60),
        _lab(3, "2160-0", 1.0, 150),
        _lab(4, "2160-0", 0.8, 400),
    ),
]


@pytest.mark.parametrize("case", DIRECTED, ids=[c.name for c in DIRECTED])
def test_same_findings_and_cards_where_rules_read_further_back(case: Case) -> None:
    full = case.evaluate(build_patient_facts(case.prefetch, case.now))
    assert {f.topic for f in full} & {"hypercalcemia", "bma-safety"}  # the case bites
    test_same_findings_and_cards_reading_only_what_rules_read(case)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(case=_case())
def test_same_findings_and_cards_on_random_lab_histories(case: Case) -> None:
    test_same_findings_and_cards_reading_only_what_rules_read(case)
