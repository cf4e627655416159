"""§3.2 bone-metastasis work-up: triggers, windows, indicator."""

from __future__ import annotations

import pytest

from cds_service.facts.model import Analyte, ConditionKind, Flag, ImagingKind
from cds_service.rules import bone_metastasis_workup as workup
from cds_service.rules.findings import Indicator, SelectionBehavior, SuggestionKey
from tests.rules.factories import (
    BONE_METASTASIS,
    BREAST_CANCER,
    NOW,
    condition,
    facts,
    imaging,
    lab,
)


@pytest.mark.parametrize(
    ("value", "indicator"),
    [
        pytest.param("120", None, id="alp-120-at-limit"),
        pytest.param("121", Indicator.INFO, id="alp-121-just-above-info"),
        pytest.param("300", Indicator.INFO, id="alp-2.5x-uln-exactly-info"),
        pytest.param("301", Indicator.WARNING, id="alp-just-above-2.5x-uln-warning"),
    ],
)
def test_alp(value: str, indicator: Indicator | None) -> None:
    finding = workup.evaluate(facts(labs=[lab(Analyte.ALP, value, 10)]), NOW)
    assert (finding.indicator if finding else None) is indicator


def test_alp_flagged_high_without_range_is_a_trigger() -> None:
    finding = workup.evaluate(facts(labs=[lab(Analyte.ALP, "900", flag=Flag.HIGH)]), NOW)
    # no own range → flag decides "above"; the 2.5 × ULN uses the numeric default limit
    assert finding is not None


def test_bone_alp_needs_its_own_range() -> None:
    assert workup.evaluate(facts(labs=[lab(Analyte.BONE_ALP, "50")]), NOW) is None
    found = workup.evaluate(facts(labs=[lab(Analyte.BONE_ALP, "50", high="40")]), NOW)
    assert found is not None


def test_total_and_bone_alp_are_one_kind() -> None:
    finding = workup.evaluate(
        facts(labs=[lab(Analyte.ALP, "130"), lab(Analyte.BONE_ALP, "50", high="40")]), NOW
    )
    assert finding is not None
    assert finding.indicator is Indicator.INFO


@pytest.mark.parametrize(
    ("days", "fires"),
    [
        pytest.param(90, True, id="alp-90-days-in-lookback"),
        pytest.param(90.01, False, id="alp-just-over-90-days"),
    ],
)
def test_alp_lookback(days: float, fires: bool) -> None:
    assert (workup.evaluate(facts(labs=[lab(Analyte.ALP, "200", days)]), NOW) is not None) is fires


@pytest.mark.parametrize(
    ("days", "fires"),
    [
        pytest.param(90, True, id="bone-pain-90-days"),
        pytest.param(90.01, False, id="bone-pain-just-over-90-days"),
        pytest.param(None, False, id="bone-pain-undated"),
    ],
)
def test_bone_pain_window(days: float | None, fires: bool) -> None:
    pain = condition(ConditionKind.BONE_PAIN, days_ago=days)
    found = workup.evaluate(facts(conditions=[BREAST_CANCER, pain]), NOW)
    assert (found is not None) is fires


def test_inactive_bone_pain_does_not_count() -> None:
    pain = condition(ConditionKind.BONE_PAIN, days_ago=5, active=False)
    assert workup.evaluate(facts(conditions=[BREAST_CANCER, pain]), NOW) is None


def test_two_bone_pain_records_are_one_kind() -> None:
    pains = [condition(ConditionKind.BONE_PAIN, days_ago=d) for d in (3, 8)]
    finding = workup.evaluate(facts(conditions=[BREAST_CANCER, *pains]), NOW)
    assert finding is not None
    assert finding.indicator is Indicator.INFO


def test_fracture_alone_warns() -> None:
    fracture = condition(ConditionKind.PATHOLOGICAL_FRACTURE, days_ago=3)
    finding = workup.evaluate(facts(conditions=[BREAST_CANCER, fracture]), NOW)
    assert finding is not None
    assert finding.indicator is Indicator.WARNING


def test_two_kinds_warn() -> None:
    finding = workup.evaluate(
        facts(labs=[lab(Analyte.ALP, "130"), lab(Analyte.TOTAL_CALCIUM, "10.8")]), NOW
    )
    assert finding is not None
    assert finding.indicator is Indicator.WARNING


@pytest.mark.parametrize(
    ("days", "fires"),
    [
        pytest.param(60, False, id="bone-scan-60-days-suppresses"),
        pytest.param(60.01, True, id="bone-scan-just-over-60-days"),
        pytest.param(None, True, id="undated-imaging-does-not-suppress"),
    ],
)
def test_recent_imaging_suppresses(days: float | None, fires: bool) -> None:
    found = workup.evaluate(
        facts(labs=[lab(Analyte.ALP, "200")], images=[imaging(ImagingKind.BONE_SCAN, days)]), NOW
    )
    assert (found is not None) is fires


def test_known_metastasis_suppresses() -> None:
    found = workup.evaluate(
        facts(labs=[lab(Analyte.ALP, "200")], conditions=[BREAST_CANCER, BONE_METASTASIS]), NOW
    )
    assert found is None


def test_suggestions_are_alternatives() -> None:
    finding = workup.evaluate(facts(labs=[lab(Analyte.ALP, "200")]), NOW)
    assert finding is not None
    assert finding.selection is SelectionBehavior.AT_MOST_ONE
    assert [s.key for s in finding.suggestions] == [
        SuggestionKey.BONE_SCAN,
        SuggestionKey.FDG_PET_CT,
    ]
