"""§3.5 BMA safety: one finding per problem, both sides of each edge."""

from __future__ import annotations

import pytest

from cds_service.facts.model import Agent, Analyte, Intent
from cds_service.rules import bma_safety
from cds_service.rules.findings import Finding, Indicator, SafetyProblem
from tests.rules.factories import BREAST_CANCER, NOW, facts, lab, med

XGEVA = med(Agent.DENOSUMAB, Intent.ONCOLOGY, dose_mg="120")
PROLIA = med(Agent.DENOSUMAB, Intent.OSTEOPOROSIS, dose_mg="60")
ZOMETA = med(Agent.ZOLEDRONIC_ACID, Intent.ONCOLOGY, dose_mg="4", days_ago=60)
RECLAST = med(Agent.ZOLEDRONIC_ACID, Intent.OSTEOPOROSIS, dose_mg="5", days_ago=60)
RECENT_CALCIUM = lab(Analyte.TOTAL_CALCIUM, "9.5", 3)


def problems(**kwargs) -> dict[SafetyProblem | None, Finding]:  # type: ignore[no-untyped-def]
    found = bma_safety.evaluate(facts(**kwargs), NOW)
    return {f.problem: f for f in found}


@pytest.mark.parametrize(
    ("calcium", "indicator"),
    [
        pytest.param("8.5", None, id="calcium-8.5-at-lower-limit"),
        pytest.param("8.4", Indicator.WARNING, id="calcium-8.4-just-below"),
        pytest.param("7.0", Indicator.WARNING, id="calcium-7.0-grade-2"),
        pytest.param("6.9", Indicator.CRITICAL, id="calcium-6.9-grade-3"),
    ],
)
def test_denosumab_low_calcium(calcium: str, indicator: Indicator | None) -> None:
    found = problems(meds=[PROLIA], labs=[lab(Analyte.TOTAL_CALCIUM, calcium)])
    finding = found.get(SafetyProblem.DENOSUMAB_LOW_CALCIUM)
    assert (finding.indicator if finding else None) is indicator


@pytest.mark.parametrize(
    ("ionized", "indicator"),
    [
        pytest.param("0.9", Indicator.WARNING, id="ionized-0.9-grade-2"),
        pytest.param("0.89", Indicator.CRITICAL, id="ionized-0.89-grade-3"),
    ],
)
def test_denosumab_low_ionized(ionized: str, indicator: Indicator) -> None:
    found = problems(meds=[XGEVA], labs=[lab(Analyte.IONIZED_CALCIUM, ionized)])
    assert found[SafetyProblem.DENOSUMAB_LOW_CALCIUM].indicator is indicator


@pytest.mark.parametrize(
    ("medication", "egfr", "fires"),
    [
        pytest.param(ZOMETA, "30", False, id="zometa-egfr-30-at-limit"),
        pytest.param(ZOMETA, "29.9", True, id="zometa-egfr-29.9-below"),
        pytest.param(RECLAST, "35", False, id="reclast-egfr-35-at-limit"),
        pytest.param(RECLAST, "34.9", True, id="reclast-egfr-34.9-below"),
        pytest.param(
            med(Agent.ZOLEDRONIC_ACID, Intent.UNKNOWN), "34.9", False, id="unknown-intent-uses-30"
        ),
    ],
)
def test_zoledronic_low_crcl(medication, egfr: str, fires: bool) -> None:  # type: ignore[no-untyped-def]
    found = problems(meds=[medication], labs=[lab(Analyte.EGFR, egfr), RECENT_CALCIUM])
    assert (SafetyProblem.ZOLEDRONIC_ACID_LOW_CRCL in found) is fires


def test_renal_unknown_is_not_low_crcl() -> None:
    assert problems(meds=[ZOMETA]) == {}


@pytest.mark.parametrize(
    ("baseline", "current", "fires"),
    [
        pytest.param("1.0", "1.49", False, id="normal-baseline-rise-0.49"),
        pytest.param("1.0", "1.5", True, id="normal-baseline-rise-0.5"),
        pytest.param("1.39", "1.89", True, id="baseline-1.39-is-normal-rise-0.5"),
        pytest.param("1.4", "1.9", False, id="baseline-1.4-is-abnormal-rise-0.5"),
        pytest.param("1.4", "2.39", False, id="abnormal-baseline-rise-0.99"),
        pytest.param("1.4", "2.4", True, id="abnormal-baseline-rise-1.0"),
    ],
)
def test_creatinine_rise(baseline: str, current: str, fires: bool) -> None:
    found = problems(
        meds=[ZOMETA],
        labs=[lab(Analyte.CREATININE, baseline, 70), lab(Analyte.CREATININE, current, 2)],
    )
    assert (SafetyProblem.ZOLEDRONIC_ACID_CREATININE_RISE in found) is fires


def test_baseline_more_than_180_days_before_start_falls_back() -> None:
    # course started 60 days ago; the only earlier creatinine is 241 days old (> 180 before
    # the start), so the baseline is the earliest in the 180 days before the current one.
    found = problems(
        meds=[ZOMETA],
        labs=[
            lab(Analyte.CREATININE, "0.8", 241),
            lab(Analyte.CREATININE, "1.2", 30),
            lab(Analyte.CREATININE, "1.7", 2),
        ],
    )
    finding = found[SafetyProblem.ZOLEDRONIC_ACID_CREATININE_RISE]
    assert finding.evidence.creatinine_baseline is not None  # type: ignore[union-attr]
    assert str(finding.evidence.creatinine_baseline.value) == "1.2"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("calcium_days", "fires"),
    [
        pytest.param(30, False, id="calcium-30-days-ago-monitored"),
        pytest.param(30.01, True, id="calcium-just-over-30-days-unmonitored"),
    ],
)
def test_xgeva_calcium_monitoring(calcium_days: float, fires: bool) -> None:
    found = problems(meds=[XGEVA], labs=[lab(Analyte.TOTAL_CALCIUM, "9.5", calcium_days)])
    assert (SafetyProblem.DENOSUMAB_CALCIUM_UNMONITORED in found) is fires
    if fires:
        assert found[SafetyProblem.DENOSUMAB_CALCIUM_UNMONITORED].indicator is Indicator.INFO


def test_calcium_with_comparator_counts_as_monitored() -> None:
    found = problems(meds=[XGEVA], labs=[lab(Analyte.TOTAL_CALCIUM, "5.0", 3, comparator="<")])
    assert SafetyProblem.DENOSUMAB_CALCIUM_UNMONITORED not in found


def test_unknown_intent_denosumab_gets_no_dose_checks() -> None:
    found = problems(meds=[med(Agent.DENOSUMAB, Intent.UNKNOWN)], labs=[lab(Analyte.EGFR, "20")])
    assert found == {}


@pytest.mark.parametrize(
    ("egfr", "calcium", "fires"),
    [
        pytest.param("30", [], False, id="prolia-egfr-30-at-limit"),
        pytest.param("29.9", [], True, id="prolia-egfr-29.9-no-calcium"),
        pytest.param("29.9", [RECENT_CALCIUM], False, id="prolia-egfr-29.9-calcium-checked"),
    ],
)
def test_prolia_advanced_ckd(egfr: str, calcium: list, fires: bool) -> None:  # type: ignore[type-arg]
    found = problems(meds=[PROLIA], labs=[lab(Analyte.EGFR, egfr), *calcium])
    assert (SafetyProblem.DENOSUMAB_60_CKD_CALCIUM_UNMONITORED in found) is fires


def test_one_finding_per_problem() -> None:
    found = bma_safety.evaluate(
        facts(
            meds=[XGEVA, ZOMETA],
            labs=[
                lab(Analyte.TOTAL_CALCIUM, "8.0"),
                lab(Analyte.EGFR, "20"),
                lab(Analyte.CREATININE, "1.0", 70),
                lab(Analyte.CREATININE, "2.0", 2),
            ],
        ),
        NOW,
    )
    assert sorted(f.problem for f in found if f.problem) == sorted(
        [
            SafetyProblem.DENOSUMAB_LOW_CALCIUM,
            SafetyProblem.ZOLEDRONIC_ACID_LOW_CRCL,
            SafetyProblem.ZOLEDRONIC_ACID_CREATININE_RISE,
        ]
    )


def test_not_on_a_bma_no_findings() -> None:
    stopped = med(Agent.DENOSUMAB, status="stopped")
    assert problems(meds=[stopped], conditions=[BREAST_CANCER]) == {}


@pytest.mark.parametrize(
    ("comparator", "indicator", "grade"),
    [
        pytest.param("<", Indicator.CRITICAL, 3, id="calcium-lt-7.0-proves-grade-3"),
        pytest.param("<=", Indicator.WARNING, 2, id="calcium-le-7.0-proves-grade-2"),
    ],
)
def test_denosumab_low_calcium_comparator_grade(
    comparator: str, indicator: Indicator, grade: int
) -> None:
    """§2: "<7.0" proves < 7.0 mg/dL, CTCAE grade 3 → critical (§3.5)."""
    found = problems(meds=[XGEVA], labs=[lab(Analyte.TOTAL_CALCIUM, "7.0", comparator=comparator)])
    finding = found[SafetyProblem.DENOSUMAB_LOW_CALCIUM]
    assert finding.indicator is indicator
    assert finding.evidence.ctcae_grade == grade  # type: ignore[union-attr]
