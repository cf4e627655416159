"""MedicationRequest / Statement / Administration → `MedicationFact`s (clinical-knowledge §4).

The medication is medicationCodeableConcept, or the Medication that
medicationReference points to (contained `#id`, or `Medication/id` in the data).
A bone-modifying agent is recognised by a verified RxNorm code at any level or by
name (`knowledge.drugs`); the dose is the first dosage's doseQuantity in mg — a dose
in mL with a product concentration in mg/mL is multiplied out (1.7 mL × 70 mg/mL =
119 mg), and any other dose unit ("1 syringe") takes the product's strength when the
product states it. Intent then follows §4 (`drugs.intent_for_dose`); a product whose
code fixes the dose and no usable dose given keeps the product's intent.

Dates (§2 "Medication dates"), as `facts.medications` reads them: request →
`start` = authoredOn; administration → `start` = effectiveDateTime or
effectivePeriod.start; statement → effectivePeriod (`start`, `end`; no end =
ongoing), or a single effectiveDateTime / dateAsserted stored as `start` = `end`.

Given `now` (the services' `rule_windows` facts), only the records some rule reads are
validated and kept (`rule_reads`), decided from the raw JSON by status and date:

- a bone-modifying agent, when it can make the patient "on a BMA"
  (`facts.medications.is_exposure`, §3.4 / §3.5: every reader of BMA records — the
  bone-modifying-agent card and its osteoporosis-dose mention, bma-safety, the
  zoledronic acid course start, the order-sign duplicate check, whose "other order
  still active" is an active / on-hold request and so an exposure too);
- a calcium / vitamin D supplement, when `rules.order_check.supplements` counts it
  active (request active / on-hold, statement active; §6).

Every other record is left out unvalidated, and so not reported if invalid. A date the
raw JSON gives in a form `to_utc` cannot read keeps the record (validation decides).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

from cds_service.facts.labs import within_last
from cds_service.facts.medications import RECENT_STATUSES, STANDING_STATUSES, window_time_of
from cds_service.facts.model import Agent, Intent, MedicationFact, Supplement
from cds_service.facts.resources import (
    Raw,
    Resources,
    concept_display,
    raw_codings,
    raw_texts,
    to_utc,
)
from cds_service.knowledge import codes as kc
from cds_service.knowledge import drugs
from cds_service.knowledge import thresholds as th
from cds_service.knowledge.valuesets import RXNORM

MEDICATION_TYPES = ("MedicationRequest", "MedicationStatement", "MedicationAdministration")
_MG_UNITS = frozenset({"mg", "milligram", "milligrams"})
_ML_UNITS = frozenset({"ml", "milliliter", "millilitre"})
_ORAL_ROUTE = "26643006"  # SNOMED Oral route


def medication_concept(raw: Raw, found: Resources) -> Raw | None:
    """medicationCodeableConcept, or the code of the referenced / contained Medication."""
    concept = raw.get("medicationCodeableConcept")
    if isinstance(concept, dict):
        return concept
    reference = (raw.get("medicationReference") or {}).get("reference")
    if not isinstance(reference, str):
        return None
    medication: Raw | None = None
    if reference.startswith("#"):
        for contained in raw.get("contained") or ():
            if isinstance(contained, dict) and contained.get("id") == reference[1:]:
                medication = contained
    else:
        # "Medication/1", "Medication/1/_history/2" or an absolute URL: match "Type/id".
        parts = reference.split("/_history/")[0].rstrip("/").split("/")
        medication = found.by_reference.get("/".join(parts[-2:]))
    code = medication.get("code") if medication else None
    return code if isinstance(code, dict) else None


def _product_of(concept: Raw) -> drugs.Product | None:
    """From verified codes first (product, then agent), then from names."""
    agent: str | None = None
    for system, code, _ in raw_codings(concept):
        if system != RXNORM or not isinstance(code, str):
            continue
        product = drugs.PRODUCT_BY_RXNORM.get(code)
        if product is not None:
            return product
        agent = agent or drugs.AGENT_BY_RXNORM.get(code)
    for text in raw_texts(concept):
        named = drugs.classify_product(text)
        if named is not None and (agent is None or named.agent == agent):
            return named
    if agent is not None:
        return drugs.Product(agent, None, drugs.intent_for_dose(agent, None))
    return None


def _supplements_of(concept: Raw) -> frozenset[str]:
    kinds: set[str] = set()
    for system, code, _ in raw_codings(concept):
        if system == RXNORM and isinstance(code, str):
            kinds |= drugs.SUPPLEMENTS_BY_RXNORM.get(code, frozenset())
    for text in raw_texts(concept):
        kinds |= drugs.supplements_named(text)
    return frozenset(kinds)


def _dosages(resource: Any) -> Iterator[Any]:
    """(dose Quantity, route concept) of the first dosage, for each resource type."""
    if resource.get_resource_type() == "MedicationAdministration":
        if resource.dosage is not None:
            yield resource.dosage.dose, resource.dosage.route
        return
    dosages = (
        resource.dosageInstruction
        if resource.get_resource_type() == "MedicationRequest"
        else resource.dosage
    )
    for dosage in (dosages or ())[:1]:
        dose = None
        for dose_and_rate in dosage.doseAndRate or ():
            if dose_and_rate.doseQuantity is not None:
                dose = dose_and_rate.doseQuantity
                break
        yield dose, dosage.route


def _dose_mg(resource: Any, product: drugs.Product, concept: Raw) -> tuple[Decimal | None, bool]:
    """The dose in mg (§4), and whether the route is oral."""
    oral = any(drugs.is_oral_text(t) for t in raw_texts(concept))
    # A code that fixes an oral ibandronate product (ibandronate Pill) is oral too.
    oral = oral or (product.agent == drugs.IBANDRONATE and product.intent == drugs.OSTEOPOROSIS)
    for dose, route in _dosages(resource):
        if route is not None:
            oral = oral or any(c.code == _ORAL_ROUTE for c in route.coding or ())
            oral = oral or "oral" in (route.text or "").casefold()
        if dose is None or dose.value is None:
            continue
        unit = (dose.code or dose.unit or "").strip().casefold()
        if unit in _MG_UNITS:
            return Decimal(dose.value), oral
        if unit == "g":
            return Decimal(dose.value) * 1000, oral
        if unit in _ML_UNITS:
            concentration = _concentration(concept)
            if concentration is not None:
                return Decimal(dose.value) * concentration, oral
    return product.dose_mg, oral


def _concentration(concept: Raw) -> Decimal | None:
    """mg/mL stated in a product display ("… 70 MG/ML Injection")."""
    for text in raw_texts(concept):
        concentration = drugs.concentration_mg_per_ml(text)
        if concentration is not None:
            return concentration
    return None


def _times(resource: Any) -> tuple[datetime | None, datetime | None]:
    kind = resource.get_resource_type()
    if kind == "MedicationRequest":
        return to_utc(resource.authoredOn), None
    if kind == "MedicationAdministration":
        start = to_utc(resource.effectiveDateTime)
        if start is None and resource.effectivePeriod is not None:
            start = to_utc(resource.effectivePeriod.start)
        return start, None
    point = to_utc(resource.effectiveDateTime)
    if point is not None:
        return point, point
    period = resource.effectivePeriod
    if period is not None and (period.start or period.end):
        start, end = to_utc(period.start), to_utc(period.end)
        return start or end, end
    asserted = to_utc(resource.dateAsserted)
    return asserted, asserted


def _for_hypercalcemia(raw: Raw, found: Resources) -> bool:
    """reasonCode / reasonReference names hypercalcemia (codes-verified, or its display)."""
    concepts = list(raw.get("reasonCode") or ())
    for ref in raw.get("reasonReference") or ():
        target = found.by_reference.get(str((ref or {}).get("reference", "")))
        if target is not None:
            concepts.append(target.get("code"))
    for concept in concepts:
        if any(kc.HYPERCALCEMIA.matches(s, c) for s, c, _ in raw_codings(concept)):
            return True
        if any("hypercalc" in kc.normalize_text(t) for t in raw_texts(concept)):
            return True
    return False


# §6 / `rules.order_check.supplements`: the statuses of an active supplement.
SUPPLEMENT_ACTIVE = {
    "MedicationRequest": frozenset({"active", "on-hold"}),
    "MedicationStatement": frozenset({"active"}),
}
_UNREADABLE = object()  # a raw date `to_utc` cannot read: the record is kept


def _raw_time(value: object) -> object:
    """`to_utc` of a raw date field: None when absent, `_UNREADABLE` when unreadable."""
    if value is None:
        return None
    moment = to_utc(value) if isinstance(value, str) else None
    return _UNREADABLE if moment is None else moment


def _raw_times(raw: Raw, kind: str) -> tuple[object, object]:
    """`_times` from the raw JSON (either may be `_UNREADABLE`)."""
    if kind == "MedicationRequest":
        return _raw_time(raw.get("authoredOn")), None
    point = _raw_time(raw.get("effectiveDateTime"))
    period = raw.get("effectivePeriod")
    if period is not None and not isinstance(period, dict):
        return _UNREADABLE, None
    period = period or {}
    if kind == "MedicationAdministration":
        if point is None:
            point = _raw_time(period.get("start"))
        return point, None
    if point is not None:
        return point, point
    if period.get("start") is not None or period.get("end") is not None:
        start, end = _raw_time(period.get("start")), _raw_time(period.get("end"))
        return start if start is not None else end, end
    asserted = _raw_time(raw.get("dateAsserted"))
    return asserted, asserted


def rule_reads(raw: Raw, kind: str, is_agent: bool, now: datetime) -> bool:
    """Can a rule read this BMA (`is_agent`) or supplement record? (see the module text)"""
    status = str(raw.get("status", ""))
    if not is_agent:
        return status in SUPPLEMENT_ACTIVE.get(kind, frozenset())
    if status in STANDING_STATUSES[kind]:
        return True
    if status not in RECENT_STATUSES[kind]:
        return False
    start, end = _raw_times(raw, kind)
    if start is _UNREADABLE or end is _UNREADABLE:
        return True
    assert start is None or isinstance(start, datetime)
    assert end is None or isinstance(end, datetime)
    moment = window_time_of(kind, start, end, now)
    return within_last(moment, now, th.BMA_COMPLETED_LOOKBACK_DAYS)


def medication_facts(found: Resources, now: datetime | None = None) -> tuple[MedicationFact, ...]:
    """The BMA and supplement records; with `now`, only those `rule_reads` keeps."""
    facts: list[MedicationFact] = []
    for kind in MEDICATION_TYPES:
        for raw in found.of(kind):
            concept = medication_concept(raw, found)
            if concept is None:
                continue
            product = _product_of(concept)
            supplements = frozenset() if product else _supplements_of(concept)
            if product is None and not supplements:
                continue
            if now is not None and not rule_reads(raw, kind, product is not None, now):
                continue
            resource = found.validate(raw)
            if resource is None:
                continue
            dose: Decimal | None = None
            intent = Intent.UNKNOWN
            if product is not None:
                dose, oral = _dose_mg(resource, product, concept)
                intent = Intent(
                    drugs.intent_for_dose(product.agent, dose, oral=oral)
                    if dose is not None or oral
                    else product.intent
                )
            start, end = _times(resource)
            facts.append(
                MedicationFact(
                    resource_type=kind,
                    resource_id=resource.id,
                    status=str(raw.get("status", "")),
                    display=concept_display(concept),
                    agent=Agent(product.agent) if product else None,
                    supplements=frozenset(Supplement(s) for s in supplements),
                    intent=intent,
                    dose_mg=dose,
                    start=start,
                    end=end,
                    for_hypercalcemia=_for_hypercalcemia(raw, found),
                )
            )
    return tuple(facts)
