"""Validating only the lab results and medication records the rules read changes no
finding and no card.

The guard for `build_patient_facts(..., rule_windows=True)`, which both services use:
results outside the windows of `facts.history` are left out, and inside them each
analyte's candidates are validated newest first only as far as the readers of
`facts.lab_reads` go; medication records are validated only when a rule can read them
(`facts.medication_records.rule_reads`). On every scenario in fhir_fixtures/scenarios/
and fhir_fixtures/order-sign/, on the synthetic benchmark patients and on random lab
and medication histories, against the facts with everything validated
(`rule_windows=False`):

- the findings are the same, apart from the list of data not used;
- the medication facts are the complete ones that a rule reads (`is_exposure`, or an
  active supplement as `rules.order_check.supplements` counts it);
- the cards are the same, excluded-data lines included, once that list is cut to the
  results and records a rule would have read — worked out here from the complete facts
  and the raw records, independently of `facts.lab_reads` and `rule_reads`.
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
from cds_service.facts.medication_records import medication_concept
from cds_service.facts.medications import is_exposure, zoledronic_course_start
from cds_service.facts.model import (
    Agent,
    Analyte,
    ExcludedData,
    Intent,
    LabResult,
    MedicationFact,
    PatientFacts,
    Supplement,
)
from cds_service.facts.observations import candidates
from cds_service.facts.resources import Raw, collect, to_utc
from cds_service.knowledge import thresholds as th
from cds_service.rules import evaluate_patient_view
from cds_service.rules.findings import Finding
from cds_service.rules.order_check import evaluate_order_sign
from cds_service.rules.order_check.supplements import is_active_supplement

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


def read_medication(medication: MedicationFact, now: datetime) -> bool:
    """Does any rule read this record? Every reader of `PatientFacts.medications` goes
    through `is_exposure` (bma_exposures, course_start; the duplicate check's open
    orders are active / on-hold requests, exposures too) or `is_active_supplement`."""
    return is_exposure(medication, now) or is_active_supplement(medication)


def _date(value: object) -> datetime | bool | None:
    """A raw date, None when absent, True when unreadable (validation must decide)."""
    if value is None:
        return None
    return (to_utc(value) if isinstance(value, str) else None) or True


def _fact_of_raw(raw: Raw, kind: str, agent: bool, now: datetime) -> MedicationFact:
    """The status and §2 dates of a record that failed validation, as a fact. A date
    that cannot be read is taken as `now`: the record is read when its status is."""
    period = raw.get("effectivePeriod") or {}
    if not isinstance(period, dict):
        period = {"start": True}
    if kind == "MedicationRequest":
        start, end = _date(raw.get("authoredOn")), None
    elif kind == "MedicationAdministration":
        start, end = _date(raw.get("effectiveDateTime")), None
        if start is None:
            start = _date(period.get("start"))
    elif raw.get("effectiveDateTime") is not None:
        start = end = _date(raw.get("effectiveDateTime"))
    elif period.get("start") is not None or period.get("end") is not None:
        start, end = _date(period.get("start")), _date(period.get("end"))
        start = end if start is None else start
    else:
        start = end = _date(raw.get("dateAsserted"))
    if start is True or end is True:
        start = end = now
    assert not isinstance(start, bool) and not isinstance(end, bool)
    return MedicationFact(
        resource_type=kind,
        resource_id=None,
        status=str(raw.get("status", "")),
        display="",
        agent=Agent.DENOSUMAB if agent else None,
        supplements=frozenset() if agent else frozenset({Supplement.CALCIUM}),
        intent=Intent.UNKNOWN,
        dose_mg=None,
        start=start,
        end=end,
        for_hypercalcemia=False,
    )


def would_be_read(case: Case, complete: PatientFacts) -> tuple[ExcludedData, ...]:
    """The complete facts' exclusions, less the lab results and medication records no
    rule would have read."""
    spans = read_spans(complete, case.now)
    resources = collect(case.prefetch)
    found = {c.raw.get("id"): c for c in candidates(resources)}
    kept = []
    for item in complete.excluded:
        if item.resource_type == "Observation":
            candidate = found[item.resource_id]
            moment = candidate.time
            if moment is not None and not any(
                low <= moment <= high for low, high in spans[candidate.analyte]
            ):
                continue
        if item.resource_type.startswith("Medication"):
            raw = resources.by_reference[f"{item.resource_type}/{item.resource_id}"]
            concept = medication_concept(raw, resources)
            agent = _agent_named(concept)
            fact = _fact_of_raw(raw, item.resource_type, agent, case.now)
            if not read_medication(fact, case.now):
                continue
        kept.append(item)
    return tuple(kept)


def _agent_named(concept: Raw | None) -> bool:
    """Is the (recognised) medication of an excluded record a BMA, not a supplement?"""
    records = build_patient_facts(
        {
            "m": {
                "resourceType": "MedicationRequest",
                "id": "probe",
                "status": "active",
                "intent": "order",
                "subject": {"reference": "Patient/p"},
                "medicationCodeableConcept": concept,
            }
        },
        NOW,
    ).medications
    assert len(records) == 1
    return records[0].agent is not None


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
    read = tuple(m for m in complete.medications if read_medication(m, case.now))
    assert lazy.medications == read


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


# --- random medication histories: statuses, dates, agents, invalid records -------------

_MED_KINDS = ("MedicationRequest", "MedicationStatement", "MedicationAdministration")
_MED_KEYS = {
    "MedicationRequest": "medication-requests",
    "MedicationStatement": "medication-statements",
    "MedicationAdministration": "medication-administrations",
}
_STATUSES = (
    "active",
    "on-hold",
    "completed",
    "in-progress",
    "stopped",
    "cancelled",
    "entered-in-error",
    "draft",
    "not-done",
    "intended",
    "unknown",
)
_AGENTS = (  # (RxNorm code or None, display): BMAs at each intent, supplements, others
    ("1865665", "zoledronic acid 4 MG Injection"),
    (None, "Zoledronic acid 5 mg in 100 mL (Reclast)"),
    ("1046399", "Xgeva"),
    ("993453", "Prolia"),
    (None, "denosumab 120 mg"),
    ("46041", "alendronate"),
    (None, "pamidronate 90 mg"),
    (None, "calcium carbonate 500 mg"),
    ("2418", "cholecalciferol"),
    (None, "leucovorin calcium"),
    ("860975", "metformin"),
)
_MED_DAYS = (-3, -1, 0, 1, 10, 111, 112, 113, 200, 800)  # around the 16-week bound


def _med_date(draw: st.DrawFn, days: int) -> str:
    moment = NOW - timedelta(days=days, hours=draw(st.sampled_from([0, 0, 5, -5])))
    style = draw(st.sampled_from(["Z", "Z", "offset", "date", "month", "junk"]))
    if style == "offset":
        return _stamp(moment, 1)
    if style == "date":
        return moment.date().isoformat()
    if style == "month":
        return moment.strftime("%Y-%m")
    if style == "junk":
        return "last spring"  # fails FHIR validation and `to_utc`
    return _stamp(moment, 0)


@st.composite
def _medication(draw: st.DrawFn, index: int) -> dict[str, Any]:
    kind = draw(st.sampled_from(_MED_KINDS))
    code, display = draw(st.sampled_from(_AGENTS))
    concept: dict[str, Any] = {"text": display}
    if code is not None:
        concept["coding"] = [
            {"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": code}
        ]
    resource: dict[str, Any] = {
        "resourceType": kind,
        "id": f"m{index}",
        "status": draw(st.sampled_from(_STATUSES)),
        "subject": {"reference": "Patient/p"},
        "medicationCodeableConcept": concept,
    }
    dose = {"value": draw(st.sampled_from([4, 5, 60, 120, "x"])), "unit": "mg"}  # "x": invalid
    days = draw(st.sampled_from(_MED_DAYS))
    dated = draw(st.sampled_from(["one", "one", "one", "period", "none"]))
    if kind == "MedicationRequest":
        resource["intent"] = "order"
        if dated != "none":
            resource["authoredOn"] = _med_date(draw, days)
        resource["dosageInstruction"] = [{"doseAndRate": [{"doseQuantity": dose}]}]
    elif kind == "MedicationAdministration":
        if dated == "one":
            resource["effectiveDateTime"] = _med_date(draw, days)
        elif dated == "period":
            resource["effectivePeriod"] = {"start": _med_date(draw, days)}
        resource["dosage"] = {"dose": dose}
    else:
        shape = draw(st.sampled_from(["point", "start", "start-end", "end", "asserted", "none"]))
        if shape == "point":
            resource["effectiveDateTime"] = _med_date(draw, days)
        elif shape in ("start", "start-end"):
            resource["effectivePeriod"] = {"start": _med_date(draw, days)}
            if shape == "start-end":
                end_days = draw(st.sampled_from([d for d in _MED_DAYS if d <= days]))
                resource["effectivePeriod"]["end"] = _med_date(draw, end_days)
        elif shape == "end":
            resource["effectivePeriod"] = {"end": _med_date(draw, days)}
        elif shape == "asserted":
            resource["dateAsserted"] = _med_date(draw, days)
        resource["dosage"] = [{"doseAndRate": [{"doseQuantity": dose}]}]
    return resource


@st.composite
def _medication_case(draw: st.DrawFn) -> Case:
    records = [draw(_medication(i)) for i in range(draw(st.integers(0, 8)))]
    prefetch = json.loads(json.dumps(_BASE["prefetch"]))
    for key in _MED_KEYS.values():
        prefetch[key] = {"resourceType": "Bundle", "type": "searchset", "entry": []}
    for record in records:
        prefetch[_MED_KEYS[record["resourceType"]]]["entry"].append({"resource": record})
    context = draw(st.sampled_from([_BASE["context"], *_DRAFTS]))
    return Case("random-medications", prefetch, NOW, context)


@settings(max_examples=400, deadline=None, derandomize=True, database=None)
@given(case=_medication_case())
def test_same_findings_and_cards_on_random_medication_histories(case: Case) -> None:
    test_same_findings_and_cards_reading_only_what_rules_read(case)
