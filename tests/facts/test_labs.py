from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from cds_service.facts.labs import current_result, proves_greater, proves_less, within_last
from cds_service.facts.model import Analyte
from tests.facts.builders import NOW, ago, facts, lab


@pytest.mark.parametrize(
    ("time", "expected"),
    [
        pytest.param(ago(30), True, id="exactly-30-days-included"),
        pytest.param(ago(30) - timedelta(seconds=1), False, id="30-days-plus-1s-excluded"),
        pytest.param(NOW + timedelta(days=1), True, id="now-plus-1-day-included"),
        pytest.param(NOW + timedelta(days=1, seconds=1), False, id="beyond-plus-1-day"),
        pytest.param(None, False, id="no-time-never"),
    ],
)
def test_within_last_edges(time, expected):
    assert within_last(time, NOW, 30) is expected


def test_current_result_is_most_recent_with_value_in_lookback():
    older = lab(Analyte.TOTAL_CALCIUM, "9.0", at=ago(10))
    absent = lab(Analyte.TOTAL_CALCIUM, None, at=ago(1))
    newest = lab(Analyte.TOTAL_CALCIUM, "11.0", at=ago(2), comparator=">")
    f = facts(older, absent, newest)
    assert current_result(f, Analyte.TOTAL_CALCIUM, NOW) is newest


@pytest.mark.parametrize(
    ("analyte", "days", "found"),
    [
        (Analyte.TOTAL_CALCIUM, 30, True),
        (Analyte.TOTAL_CALCIUM, 30.01, False),
        (Analyte.ALP, 90, True),
        (Analyte.ALP, 90.01, False),
        (Analyte.WEIGHT, 180, True),
        (Analyte.WEIGHT, 180.01, False),
        (Analyte.CREATININE, 30.01, False),
    ],
)
def test_current_result_lookbacks(analyte, days, found):
    result = lab(analyte, "1", at=ago(days))
    assert (current_result(facts(result), analyte, NOW) is result) is found


def test_future_result_not_current():
    f = facts(lab(Analyte.TOTAL_CALCIUM, "9", at=NOW + timedelta(days=1, minutes=1)))
    assert current_result(f, Analyte.TOTAL_CALCIUM, NOW) is None


@pytest.mark.parametrize(
    ("value", "comparator", "or_equal", "expected"),
    [
        ("14.0", None, True, True),
        ("13.99", None, True, False),
        ("14.0", None, False, False),
        ("14.0", ">", False, True),
        ("13.9", ">", False, False),
        ("14.0", ">=", False, False),
        ("14.0", ">=", True, True),
        ("15", "<", True, False),
        ("15", "<=", False, False),
    ],
)
def test_proves_greater(value, comparator, or_equal, expected):
    assert proves_greater(Decimal(value), comparator, Decimal("14.0"), or_equal=or_equal) is (
        expected
    )


@pytest.mark.parametrize(
    ("value", "comparator", "expected"),
    [
        ("8.4", None, True),
        ("8.5", None, False),
        ("8.5", "<", True),
        ("8.5", "<=", False),
        ("8.4", "<=", True),
        ("1", ">", False),
        ("1", ">=", False),
    ],
)
def test_proves_less(value, comparator, expected):
    assert proves_less(Decimal(value), comparator, Decimal("8.5")) is expected


def test_none_value_proves_nothing():
    assert not proves_greater(None, None, Decimal(1))
    assert not proves_less(None, None, Decimal(1))
