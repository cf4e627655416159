from __future__ import annotations

from decimal import Decimal

import pytest

from cds_service.facts.calcium import (
    CalciumKind,
    current_calcium,
    is_above_upper_limit,
    is_below_lower_limit,
)
from cds_service.facts.model import Analyte, Flag, RangeSource
from tests.facts.builders import NOW, ago, facts, lab

CA = Analyte.TOTAL_CALCIUM
ALB = Analyte.ALBUMIN


def test_no_calcium_is_none():
    assert current_calcium(facts(), NOW) is None


def test_precedence_ionized_over_lab_corrected_over_total():
    total = lab(CA, "11.0", at=ago(1))
    corrected = lab(Analyte.CORRECTED_CALCIUM, "10.9", at=ago(5))
    ionized = lab(Analyte.IONIZED_CALCIUM, "1.40", at=ago(20))
    cv = current_calcium(facts(total, corrected, ionized), NOW)
    assert cv is not None
    assert cv.kind is CalciumKind.IONIZED
    assert cv.unit == "mmol/L"
    assert cv.reference_range.source is RangeSource.DEFAULT
    assert cv.reference_range.high == Decimal("1.32")
    cv = current_calcium(facts(total, corrected), NOW)
    assert cv is not None
    assert cv.kind is CalciumKind.LAB_CORRECTED


def test_stale_ionized_does_not_take_precedence():
    total = lab(CA, "11.0", at=ago(1))
    ionized = lab(Analyte.IONIZED_CALCIUM, "1.40", at=ago(31))
    cv = current_calcium(facts(total, ionized), NOW)
    assert cv is not None
    assert cv.kind is CalciumKind.TOTAL


@pytest.mark.parametrize(
    ("albumin", "hours_apart", "kind", "value"),
    [
        pytest.param("3.0", 72, CalciumKind.ALBUMIN_CORRECTED, "10.8", id="72h-pairs"),
        pytest.param("3.0", -72, CalciumKind.ALBUMIN_CORRECTED, "10.8", id="minus-72h-pairs"),
        pytest.param("3.0", 72.01, CalciumKind.TOTAL, "10.0", id="just-over-72h-no-pair"),
        pytest.param("4.0", 0, CalciumKind.TOTAL, "10.0", id="albumin-4.0-no-correction"),
        pytest.param("3.99", 0, CalciumKind.ALBUMIN_CORRECTED, "10.008", id="albumin-3.99"),
        pytest.param("4.5", 0, CalciumKind.TOTAL, "10.0", id="never-downward"),
    ],
)
def test_albumin_correction(albumin, hours_apart, kind, value):
    total = lab(CA, "10.0", at=ago(5))
    alb = lab(ALB, albumin, at=ago(5, hours=-hours_apart))
    cv = current_calcium(facts(total, alb), NOW)
    assert cv is not None
    assert cv.kind is kind
    assert cv.value == Decimal(value)
    assert (cv.albumin is alb) is (kind is CalciumKind.ALBUMIN_CORRECTED)


def test_albumin_with_comparator_is_not_used():
    total = lab(CA, "10.0", at=ago(5))
    alb = lab(ALB, "2.0", at=ago(5), comparator="<")
    cv = current_calcium(facts(total, alb), NOW)
    assert cv is not None
    assert cv.kind is CalciumKind.TOTAL


def test_closest_albumin_is_paired():
    total = lab(CA, "10.0", at=ago(5))
    far = lab(ALB, "2.0", at=ago(7))
    near = lab(ALB, "3.0", at=ago(5, hours=10))
    cv = current_calcium(facts(total, far, near), NOW)
    assert cv is not None
    assert cv.albumin is near


def test_correction_keeps_comparator():
    total = lab(CA, "15.0", at=ago(1), comparator=">")
    alb = lab(ALB, "3.0", at=ago(1))
    cv = current_calcium(facts(total, alb), NOW)
    assert cv is not None
    assert cv.comparator == ">"
    assert cv.value == Decimal("15.8")
    assert is_above_upper_limit(cv)


@pytest.mark.parametrize(
    ("value", "comparator", "kwargs", "above", "below"),
    [
        pytest.param("10.5", None, {}, False, False, id="default-at-limit"),
        pytest.param("10.6", None, {}, True, False, id="default-just-above"),
        pytest.param("8.4", None, {}, False, True, id="default-just-below"),
        pytest.param("8.5", None, {}, False, False, id="default-at-low-limit"),
        pytest.param("10.6", None, {"high": "10.8"}, False, False, id="own-range-wins"),
        pytest.param("10.9", None, {"high": "10.8"}, True, False, id="own-range-above"),
        pytest.param("10.6", None, {"flag": Flag.NORMAL}, False, False, id="flag-before-default"),
        pytest.param("9.0", None, {"flag": Flag.HIGH}, True, False, id="flag-high"),
        pytest.param("9.0", None, {"flag": Flag.CRITICAL_LOW}, False, True, id="flag-critical-low"),
        pytest.param(
            "9.0",
            None,
            {"high": "10.2", "flag": Flag.HIGH},
            False,
            False,
            id="own-range-before-flag",
        ),
        pytest.param(
            "9.0",
            None,
            {"low": "8.8", "flag": Flag.HIGH},
            True,
            False,
            id="low-only-range-high-side-uses-flag",
        ),
        pytest.param("10.5", ">", {}, True, False, id="gt-at-limit-proves-high"),
        pytest.param("10.5", ">=", {}, False, False, id="ge-at-limit-proves-nothing"),
        pytest.param("10.6", ">=", {}, True, False, id="ge-above-limit-proves-high"),
        pytest.param("12", "<", {}, False, False, id="lt-unusable-for-high"),
        pytest.param("8.5", "<", {}, False, True, id="lt-at-low-limit-proves-low"),
        pytest.param("8.0", ">", {}, False, False, id="gt-unusable-for-low"),
    ],
)
def test_limits(value, comparator, kwargs, above, below):
    cv = current_calcium(facts(lab(CA, value, comparator=comparator, **kwargs)), NOW)
    assert cv is not None
    assert is_above_upper_limit(cv) is above
    assert is_below_lower_limit(cv) is below


def test_albumin_corrected_drops_low_or_normal_flag():
    total = lab(CA, "10.2", at=ago(1), flag=Flag.NORMAL)
    alb = lab(ALB, "2.5", at=ago(1))  # 10.2 + 1.2 = 11.4 > default 10.5
    cv = current_calcium(facts(total, alb), NOW)
    assert cv is not None
    assert cv.flag is None
    assert is_above_upper_limit(cv)


def test_albumin_corrected_keeps_high_flag():
    total = lab(CA, "10.2", at=ago(1), flag=Flag.CRITICAL_HIGH)
    alb = lab(ALB, "2.5", at=ago(1))
    cv = current_calcium(facts(total, alb), NOW)
    assert cv is not None
    assert cv.flag is Flag.CRITICAL_HIGH


def test_ionized_default_limits():
    cv = current_calcium(facts(lab(Analyte.IONIZED_CALCIUM, "1.11")), NOW)
    assert cv is not None
    assert is_below_lower_limit(cv)
    cv = current_calcium(facts(lab(Analyte.IONIZED_CALCIUM, "1.33")), NOW)
    assert cv is not None
    assert is_above_upper_limit(cv)
