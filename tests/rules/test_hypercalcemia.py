"""§3.1 hypercalcemia: both sides of every threshold."""

from __future__ import annotations

import pytest

from cds_service.facts.model import Analyte, Flag
from cds_service.rules import hypercalcemia
from cds_service.rules.findings import HypercalcemiaEvidence, Indicator, Orderable, Severity
from tests.rules.factories import NOW, facts, lab


def evaluate(*labs):  # type: ignore[no-untyped-def]
    return hypercalcemia.evaluate(facts(labs=labs), NOW)


@pytest.mark.parametrize(
    ("value", "fires"),
    [
        pytest.param("10.5", False, id="calcium-10.5-at-limit"),
        pytest.param("10.6", True, id="calcium-10.6-just-above"),
    ],
)
def test_upper_limit_is_strict(value: str, fires: bool) -> None:
    assert (evaluate(lab(Analyte.TOTAL_CALCIUM, value)) is not None) is fires


@pytest.mark.parametrize(
    ("value", "severity", "indicator", "grade"),
    [
        pytest.param("11.5", Severity.MILD, Indicator.WARNING, 1, id="calcium-11.5-grade-1-edge"),
        pytest.param("11.6", Severity.MILD, Indicator.WARNING, 2, id="calcium-11.6-grade-2"),
        pytest.param("11.9", Severity.MILD, Indicator.WARNING, 2, id="calcium-11.9-mild"),
        pytest.param("12.0", Severity.MODERATE, Indicator.WARNING, 2, id="calcium-12.0-moderate"),
        pytest.param("12.5", Severity.MODERATE, Indicator.WARNING, 2, id="calcium-12.5-grade-2"),
        pytest.param("12.6", Severity.MODERATE, Indicator.WARNING, 3, id="calcium-12.6-grade-3"),
        pytest.param("13.5", Severity.MODERATE, Indicator.WARNING, 3, id="calcium-13.5-grade-3"),
        pytest.param("13.6", Severity.MODERATE, Indicator.WARNING, 4, id="calcium-13.6-grade-4"),
        pytest.param("13.9", Severity.MODERATE, Indicator.WARNING, 4, id="calcium-13.9-moderate"),
        pytest.param("14.0", Severity.SEVERE, Indicator.CRITICAL, 4, id="calcium-14.0-severe"),
    ],
)
def test_severity_and_grade(
    value: str, severity: Severity, indicator: Indicator, grade: int
) -> None:
    finding = evaluate(lab(Analyte.TOTAL_CALCIUM, value))
    assert finding is not None
    assert isinstance(finding.evidence, HypercalcemiaEvidence)
    assert finding.evidence.severity is severity
    assert finding.indicator is indicator
    assert finding.evidence.ctcae_grade == grade


@pytest.mark.parametrize(
    ("value", "indicator"),
    [
        pytest.param("1.8", Indicator.WARNING, id="ionized-1.8-at-severe-cut"),
        pytest.param("1.81", Indicator.CRITICAL, id="ionized-1.81-severe"),
    ],
)
def test_ionized_severe_cut(value: str, indicator: Indicator) -> None:
    finding = evaluate(lab(Analyte.IONIZED_CALCIUM, value), lab(Analyte.TOTAL_CALCIUM, "9.0"))
    assert finding is not None
    assert finding.indicator is indicator


def test_ionized_takes_precedence_over_high_total() -> None:
    assert (
        evaluate(lab(Analyte.IONIZED_CALCIUM, "1.25"), lab(Analyte.TOTAL_CALCIUM, "13.0")) is None
    )


def test_hh_flag_is_critical() -> None:
    finding = evaluate(lab(Analyte.TOTAL_CALCIUM, "11.0", flag=Flag.CRITICAL_HIGH))
    assert finding is not None
    assert finding.indicator is Indicator.CRITICAL


@pytest.mark.parametrize(
    ("albumin", "fires"),
    [
        pytest.param("4.0", False, id="albumin-4.0-no-correction"),
        pytest.param("3.9", True, id="albumin-3.9-corrects-10.5-to-10.58"),
    ],
)
def test_albumin_correction_unmasks(albumin: str, fires: bool) -> None:
    found = evaluate(lab(Analyte.TOTAL_CALCIUM, "10.5", 1), lab(Analyte.ALBUMIN, albumin, 1))
    assert (found is not None) is fires


@pytest.mark.parametrize(
    ("days", "fires"),
    [
        pytest.param(30, True, id="calcium-30-days-in-lookback"),
        pytest.param(30.01, False, id="calcium-just-over-30-days"),
    ],
)
def test_calcium_lookback(days: float, fires: bool) -> None:
    assert (evaluate(lab(Analyte.TOTAL_CALCIUM, "12.0", days)) is not None) is fires


def test_lab_range_wins_over_default() -> None:
    assert evaluate(lab(Analyte.TOTAL_CALCIUM, "10.6", low="8.6", high="10.8")) is None


def test_comparator_proves_high_side() -> None:
    finding = evaluate(lab(Analyte.TOTAL_CALCIUM, "14.0", comparator=">"))
    assert finding is not None
    assert finding.indicator is Indicator.CRITICAL


@pytest.mark.parametrize(
    ("comparator", "grade"),
    [
        pytest.param(None, 2, id="calcium-12.5-grade-2"),
        pytest.param(">=", 2, id="calcium-ge-12.5-proves-grade-2"),
        pytest.param(">", 3, id="calcium-gt-12.5-proves-grade-3"),
    ],
)
def test_comparator_grade_at_a_ctcae_bound(comparator: str | None, grade: int) -> None:
    """§2: ">12.5" proves > 12.5 mg/dL, CTCAE grade 3 (> 12.5 – 13.5)."""
    finding = evaluate(lab(Analyte.TOTAL_CALCIUM, "12.5", comparator=comparator))
    assert finding is not None
    assert isinstance(finding.evidence, HypercalcemiaEvidence)
    assert finding.evidence.ctcae_grade == grade


def test_workup_leaves_out_tests_with_a_current_result() -> None:
    finding = evaluate(
        lab(Analyte.TOTAL_CALCIUM, "12.0"),
        lab(Analyte.PTH, "80", 5),
        lab(Analyte.VITAMIN_D, "30", 40),
    )
    assert finding is not None
    (suggestion,) = finding.suggestions
    assert [o.orderable for o in suggestion.orders] == [Orderable.PTHRP, Orderable.VITAMIN_D]


def test_no_suggestion_when_every_test_is_resulted() -> None:
    finding = evaluate(
        lab(Analyte.TOTAL_CALCIUM, "12.0"),
        lab(Analyte.PTH, "80"),
        lab(Analyte.PTHRP, "3"),
        lab(Analyte.VITAMIN_D, "30"),
    )
    assert finding is not None
    assert finding.suggestions == ()
    assert finding.selection is None
