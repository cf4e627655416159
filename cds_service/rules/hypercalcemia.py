"""Hypercalcemia in a breast cancer patient (card topic `hypercalcemia`).

Source: clinical-knowledge §3.1, after the Zometa (zoledronic acid) US prescribing
information, NCI CTCAE v5.0 and BMJ Best Practice "Hypercalcaemia":

    "hypercalcemia in breast cancer suggests bone metastasis or humoral hypercalcemia
    of malignancy (PTHrP), but also primary hyperparathyroidism, vitamin D excess,
    thiazides, lithium."

    When  the patient is in scope (§1) and the current calcium (§2 precedence:
          ionized, else lab-corrected, else albumin-corrected, else total) is above
          the upper reference limit,
    Then  `critical` if severe — the value used, when corrected or total calcium,
          ≥ 14.0 mg/dL; when ionized, > 1.8 mmol/L; or its interpretation is `HH` —
          and `warning` otherwise. The card gives the severity, the value, the CTCAE
          grade and one suggestion, "Order hypercalcemia work-up": draft orders for
          PTH (2731-8), PTHrP (2729-2) and 25-OH vitamin D (62292-8), leaving out any
          test with a current result (within `WORKUP_LOOKBACK_DAYS`).
"""

from __future__ import annotations

from datetime import datetime

from cds_service.facts.calcium import (
    CalciumKind,
    CalciumValue,
    current_calcium,
    is_above_upper_limit,
)
from cds_service.facts.labs import current_result, proves_greater
from cds_service.facts.model import Analyte, Flag, LabResult, PatientFacts
from cds_service.knowledge import thresholds as th
from cds_service.rules.findings import (
    Finding,
    HypercalcemiaEvidence,
    Indicator,
    Order,
    Orderable,
    SelectionBehavior,
    Severity,
    SuggestionChoice,
    SuggestionKey,
    Topic,
)
from cds_service.rules.scope import excluded_data, is_in_scope

# The work-up tests of §3.1 and the analyte whose current result makes each redundant.
WORKUP_TESTS: tuple[tuple[Analyte, Orderable], ...] = (
    (Analyte.PTH, Orderable.PTH),
    (Analyte.PTHRP, Orderable.PTHRP),
    (Analyte.VITAMIN_D, Orderable.VITAMIN_D),
)


def hypercalcemic_calcium(facts: PatientFacts, now: datetime) -> CalciumValue | None:
    """The current calcium when it is above its upper reference limit, else None."""
    calcium = current_calcium(facts, now)
    if calcium is None or not is_above_upper_limit(calcium):
        return None
    return calcium


def is_hypercalcemic(facts: PatientFacts, now: datetime) -> bool:
    return hypercalcemic_calcium(facts, now) is not None


def severity(calcium: CalciumValue) -> Severity:
    """BMJ Best Practice bands in mg/dL; for ionized calcium only the severe cut exists."""
    if calcium.flag is Flag.CRITICAL_HIGH:
        return Severity.SEVERE
    if calcium.kind is CalciumKind.IONIZED:
        if proves_greater(
            calcium.value, calcium.comparator, th.IONIZED_HYPERCALCEMIA_SEVERE_MMOL_L
        ):
            return Severity.SEVERE
        return Severity.NOT_SEVERE
    if proves_greater(
        calcium.value, calcium.comparator, th.HYPERCALCEMIA_SEVERE_MG_DL, or_equal=True
    ):
        return Severity.SEVERE
    if proves_greater(
        calcium.value, calcium.comparator, th.HYPERCALCEMIA_MODERATE_MG_DL, or_equal=True
    ):
        return Severity.MODERATE
    return Severity.MILD


def indicator(calcium: CalciumValue) -> Indicator:
    return Indicator.CRITICAL if severity(calcium) is Severity.SEVERE else Indicator.WARNING


def ctcae_grade(calcium: CalciumValue) -> int:
    """CTCAE v5.0 hypercalcemia grade of a value above the upper limit: the grade the
    value proves (§2 comparators). A value sent with `>` proves more than its bound, so
    ">12.5" is grade 3 (> 12.5 – 13.5) where a plain 12.5 is grade 2; a `<` value, or
    the flag alone (value within the numeric limits), proves grade 1.
    """
    cutoffs = (
        th.CTCAE_HYPERCALCEMIA_IONIZED_MMOL_L
        if calcium.kind is CalciumKind.IONIZED
        else th.CTCAE_HYPERCALCEMIA_MG_DL
    )
    grade = 1
    for next_grade, bound in enumerate(cutoffs, start=2):
        if proves_greater(calcium.value, calcium.comparator, bound):
            grade = next_grade
    return grade


def resulted_workup_tests(facts: PatientFacts, now: datetime) -> tuple[LabResult, ...]:
    """Work-up tests that already have a current result (left out of the suggestion)."""
    found = (current_result(facts, analyte, now) for analyte, _ in WORKUP_TESTS)
    return tuple(result for result in found if result is not None)


def workup_orders(facts: PatientFacts, now: datetime) -> tuple[Order, ...]:
    return tuple(
        Order(orderable)
        for analyte, orderable in WORKUP_TESTS
        if current_result(facts, analyte, now) is None
    )


def evaluate(facts: PatientFacts, now: datetime) -> Finding | None:
    if not is_in_scope(facts):
        return None
    calcium = hypercalcemic_calcium(facts, now)
    if calcium is None:
        return None
    orders = workup_orders(facts, now)
    suggestions = (
        (SuggestionChoice(SuggestionKey.HYPERCALCEMIA_WORKUP, orders, recommended=True),)
        if orders
        else ()
    )
    return Finding(
        topic=Topic.HYPERCALCEMIA,
        indicator=indicator(calcium),
        evidence=HypercalcemiaEvidence(
            calcium=calcium,
            severity=severity(calcium),
            ctcae_grade=ctcae_grade(calcium),
            already_resulted=resulted_workup_tests(facts, now),
        ),
        suggestions=suggestions,
        selection=SelectionBehavior.ANY if suggestions else None,
        excluded=excluded_data(facts, "Observation"),
    )
