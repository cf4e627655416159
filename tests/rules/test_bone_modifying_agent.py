"""§3.4 bone-modifying agent: on-a-BMA definition, indicator, suggestions, CrCl bands."""

from __future__ import annotations

from decimal import Decimal

import pytest

from cds_service.facts.model import Agent, Analyte, ConditionKind, Intent
from cds_service.rules import bone_modifying_agent as bma
from cds_service.rules.findings import (
    BoneModifyingAgentEvidence,
    Indicator,
    Orderable,
    SelectionBehavior,
    SuggestionKey,
)
from tests.rules.factories import (
    BONE_METASTASIS,
    BREAST_CANCER,
    NOW,
    condition,
    dental,
    facts,
    lab,
    med,
)

MBC = (BREAST_CANCER, BONE_METASTASIS)


def crcl_labs(creatinine: str) -> list:  # type: ignore[type-arg]
    # 66-year-old woman (born 1960-06-01), 72 kg: CrCl = 74 × 72 / (72 × Cr) × 0.85
    return [lab(Analyte.CREATININE, creatinine), lab(Analyte.WEIGHT, "72", 10)]


def evaluate(**kwargs):  # type: ignore[no-untyped-def]
    kwargs.setdefault("conditions", MBC)
    return bma.evaluate(facts(**kwargs), NOW)


@pytest.mark.parametrize(
    ("medication", "fires"),
    [
        pytest.param(
            med(Agent.DENOSUMAB, status="active", days_ago=400), False, id="standing-order"
        ),
        pytest.param(med(Agent.DENOSUMAB, status="on-hold"), False, id="on-hold-order"),
        pytest.param(
            med(Agent.DENOSUMAB, status="completed", days_ago=112), False, id="completed-16-weeks"
        ),
        pytest.param(
            med(Agent.DENOSUMAB, status="completed", days_ago=112.01),
            True,
            id="completed-just-over-16-weeks",
        ),
        pytest.param(med(Agent.DENOSUMAB, status="stopped"), True, id="stopped-does-not-count"),
        pytest.param(med(Agent.DENOSUMAB, status="cancelled"), True, id="cancelled-does-not-count"),
        pytest.param(
            med(Agent.ZOLEDRONIC_ACID, Intent.UNKNOWN), False, id="intent-unknown-counts-as-on-bma"
        ),
        pytest.param(
            med(Agent.DENOSUMAB, Intent.OSTEOPOROSIS, dose_mg="60"),
            True,
            id="osteoporosis-dose-not-enough",
        ),
        pytest.param(
            med(
                Agent.ZOLEDRONIC_ACID,
                resource_type="MedicationAdministration",
                status="completed",
                days_ago=112,
            ),
            False,
            id="administration-16-weeks",
        ),
    ],
)
def test_on_a_bma(medication, fires: bool) -> None:  # type: ignore[no-untyped-def]
    assert (evaluate(meds=[medication]) is not None) is fires


def test_requires_known_metastasis() -> None:
    assert evaluate(conditions=[BREAST_CANCER]) is None


@pytest.mark.parametrize(
    ("extra", "labs", "indicator"),
    [
        pytest.param((), [], Indicator.INFO, id="plain-info"),
        pytest.param(
            (condition(ConditionKind.PATHOLOGICAL_FRACTURE, days_ago=400, active=True),),
            [],
            Indicator.WARNING,
            id="active-fracture-warning",
        ),
        pytest.param(
            (condition(ConditionKind.PATHOLOGICAL_FRACTURE, days_ago=90, active=False),),
            [],
            Indicator.WARNING,
            id="fracture-90-days-warning",
        ),
        pytest.param(
            (condition(ConditionKind.PATHOLOGICAL_FRACTURE, days_ago=90.01, active=False),),
            [],
            Indicator.INFO,
            id="old-resolved-fracture-info",
        ),
        pytest.param(
            (), [lab(Analyte.TOTAL_CALCIUM, "10.6")], Indicator.WARNING, id="hypercalcemia-warning"
        ),
    ],
)
def test_indicator(extra: tuple, labs: list, indicator: Indicator) -> None:  # type: ignore[type-arg]
    finding = evaluate(conditions=(*MBC, *extra), labs=labs)
    assert finding is not None
    assert finding.indicator is indicator


# Band edges on exact values: the eGFR surrogate goes through the same bands (§4).
@pytest.mark.parametrize(
    ("egfr", "dose"),
    [
        pytest.param("60.01", "4.0", id="crcl-60.01-above-60"),
        pytest.param("60", "3.5", id="crcl-60-at-60"),
        pytest.param("50", "3.5", id="crcl-50-at-50"),
        pytest.param("49.99", "3.3", id="crcl-49.99-below-50"),
        pytest.param("40", "3.3", id="crcl-40-at-40"),
        pytest.param("39.99", "3.0", id="crcl-39.99-below-40"),
        pytest.param("30", "3.0", id="crcl-30-at-30"),
        pytest.param("29.99", None, id="crcl-29.99-below-30"),
    ],
)
def test_zoledronic_dose_bands(egfr: str, dose: str | None) -> None:
    finding = evaluate(labs=[lab(Analyte.EGFR, egfr)])
    assert finding is not None
    assert isinstance(finding.evidence, BoneModifyingAgentEvidence)
    expected = Decimal(dose) if dose else None
    assert finding.evidence.zoledronic_acid_dose_mg == expected
    keys = [s.key for s in finding.suggestions]
    assert (SuggestionKey.ZOLEDRONIC_ACID in keys) is (dose is not None)
    if dose:
        (zol,) = [s for s in finding.suggestions if s.key is SuggestionKey.ZOLEDRONIC_ACID]
        assert zol.orders[0].dose_mg == expected


@pytest.mark.parametrize(
    ("creatinine", "dose"),
    [
        pytest.param("1.0", "4.0", id="crcl-62.9-cockcroft-gault-full-dose"),
        pytest.param("2.5", None, id="crcl-25.2-cockcroft-gault-not-recommended"),
    ],
)
def test_cockcroft_gault_dose(creatinine: str, dose: str | None) -> None:
    finding = evaluate(labs=crcl_labs(creatinine))
    assert finding is not None
    assert isinstance(finding.evidence, BoneModifyingAgentEvidence)
    assert finding.evidence.renal.basis == "crcl"
    assert finding.evidence.zoledronic_acid_dose_mg == (Decimal(dose) if dose else None)


def test_renal_unknown_no_zoledronic_suggestion() -> None:
    finding = evaluate(labs=[lab(Analyte.CREATININE, "1.0")])  # no weight, no eGFR
    assert finding is not None
    assert isinstance(finding.evidence, BoneModifyingAgentEvidence)
    assert finding.evidence.renal.basis == "unknown"
    assert SuggestionKey.ZOLEDRONIC_ACID not in [s.key for s in finding.suggestions]


@pytest.mark.parametrize(
    ("egfr", "comparator", "dose"),
    [
        pytest.param("45", None, "3.3", id="egfr-45-surrogate"),
        pytest.param("60", ">", "4.0", id="egfr-above-60"),
        pytest.param("45", ">", None, id="egfr-above-45-undecided"),
    ],
)
def test_egfr_surrogate(egfr: str, comparator: str | None, dose: str | None) -> None:
    finding = evaluate(labs=[lab(Analyte.EGFR, egfr, comparator=comparator)])
    assert finding is not None
    assert isinstance(finding.evidence, BoneModifyingAgentEvidence)
    assert finding.evidence.zoledronic_acid_dose_mg == (Decimal(dose) if dose else None)


@pytest.mark.parametrize(
    ("calcium", "denosumab"),
    [
        pytest.param("8.5", True, id="calcium-8.5-at-lower-limit"),
        pytest.param("8.4", False, id="calcium-8.4-low-no-denosumab"),
    ],
)
def test_no_denosumab_when_calcium_low(calcium: str, denosumab: bool) -> None:
    finding = evaluate(labs=[lab(Analyte.TOTAL_CALCIUM, calcium)])
    assert finding is not None
    assert (SuggestionKey.DENOSUMAB in [s.key for s in finding.suggestions]) is denosumab


def test_dental_referral_with_each_drug_and_alone() -> None:
    finding = evaluate(labs=crcl_labs("1.0"))
    assert finding is not None
    assert finding.selection is SelectionBehavior.AT_MOST_ONE
    for suggestion in finding.suggestions:
        assert suggestion.orders[-1].orderable is Orderable.DENTAL_REFERRAL
    assert finding.suggestions[-1].key is SuggestionKey.DENTAL_REFERRAL


@pytest.mark.parametrize(
    ("days", "referral"),
    [
        pytest.param(183, False, id="dental-183-days-no-referral"),
        pytest.param(183.01, True, id="dental-just-over-183-days-referral"),
    ],
)
def test_recent_dental_care_drops_referral(days: float, referral: bool) -> None:
    finding = evaluate(labs=crcl_labs("1.0"), dental_care=[dental(days)])
    assert finding is not None
    orders = {o.orderable for s in finding.suggestions for o in s.orders}
    assert (Orderable.DENTAL_REFERRAL in orders) is referral


def test_osteoporosis_agent_is_named() -> None:
    prolia = med(Agent.DENOSUMAB, Intent.OSTEOPOROSIS, dose_mg="60")
    finding = evaluate(meds=[prolia])
    assert finding is not None
    assert isinstance(finding.evidence, BoneModifyingAgentEvidence)
    assert finding.evidence.osteoporosis_agents == (prolia,)
