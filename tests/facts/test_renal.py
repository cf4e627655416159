from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from cds_service.facts.model import Analyte
from cds_service.facts.renal import age_in_years, cockcroft_gault, renal_function
from tests.facts.builders import NOW, ago, facts, lab

CR = Analyte.CREATININE
WT = Analyte.WEIGHT


def test_crcl_female():
    f = facts(lab(CR, "1.0"), lab(WT, "70"), birth_date=date(1966, 11, 21))  # 60 today
    rf = renal_function(f, NOW)
    assert rf.basis == "crcl"
    assert rf.age_years == 60
    assert rf.sex_factor == Decimal("0.85")
    assert rf.value is not None
    assert rf.value.quantize(Decimal("0.01")) == Decimal("66.11")
    assert rf.unit == "mL/min"


@pytest.mark.parametrize(
    ("gender", "factor"), [("male", "1"), ("other", "0.85"), ("unknown", "0.85")]
)
def test_sex_factor(gender, factor):
    rf = renal_function(facts(lab(CR, "1.0"), lab(WT, "72"), gender=gender), NOW)
    assert rf.sex_factor == Decimal(factor)


def test_age_day_before_birthday():
    assert age_in_years(date(1966, 11, 22), NOW) == 59
    assert age_in_years(date(1966, 11, 21), NOW) == 60


def test_no_weight_uses_egfr_surrogate_with_comparator():
    rf = renal_function(facts(lab(CR, "1.0"), lab(Analyte.EGFR, "60", comparator=">")), NOW)
    assert rf.basis == "egfr"
    assert rf.comparator == ">"
    assert rf.is_below(Decimal("30")) is False
    assert rf.is_below(Decimal("90")) is None


def test_stale_weight_is_not_used():
    rf = renal_function(facts(lab(CR, "1.0"), lab(WT, "70", at=ago(181))), NOW)
    assert rf.basis == "unknown"
    assert rf.value is None
    assert rf.is_below(Decimal("30")) is None


def test_creatinine_with_comparator_cannot_compute():
    rf = renal_function(facts(lab(CR, "0.3", comparator="<"), lab(WT, "70")), NOW)
    assert rf.basis == "unknown"


def test_no_birth_date_unknown():
    rf = renal_function(facts(lab(CR, "1.0"), lab(WT, "70"), birth_date=None), NOW)
    assert rf.basis == "unknown"


def test_crcl_is_below():
    rf = renal_function(facts(lab(CR, "3.0"), lab(WT, "50")), NOW)
    assert rf.is_below(Decimal("30")) is True
    assert cockcroft_gault(40, Decimal(72), Decimal(1), male=True) == Decimal(100)
