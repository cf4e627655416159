from __future__ import annotations

from decimal import Decimal

import pytest

from cds_service.knowledge import thresholds as th


@pytest.mark.parametrize(
    ("crcl", "dose"),
    [
        ("60.01", "4.0"),
        ("60", "3.5"),
        ("50", "3.5"),
        ("49.99", "3.3"),
        ("40", "3.3"),
        ("39.99", "3.0"),
        ("30", "3.0"),
        ("29.99", None),
    ],
)
def test_zoledronic_bands(crcl, dose):
    expected = Decimal(dose) if dose else None
    assert th.zoledronic_acid_dose_mg(Decimal(crcl)) == expected


@pytest.mark.parametrize(
    ("value", "grade"),
    [("10.6", 1), ("11.5", 1), ("11.51", 2), ("12.5", 2), ("12.51", 3), ("13.5", 3), ("13.51", 4)],
)
def test_ctcae_hypercalcemia(value, grade):
    assert th.ctcae_grade_high(Decimal(value), th.CTCAE_HYPERCALCEMIA_MG_DL) == grade


@pytest.mark.parametrize(
    ("value", "grade"),
    [("8.4", 1), ("8.0", 1), ("7.99", 2), ("7.0", 2), ("6.99", 3), ("6.0", 3), ("5.99", 4)],
)
def test_ctcae_hypocalcemia(value, grade):
    assert th.ctcae_grade_low(Decimal(value), th.CTCAE_HYPOCALCEMIA_MG_DL) == grade


def test_every_default_range_cites_a_source():
    for rng in (
        th.TOTAL_CALCIUM_DEFAULT_RANGE,
        th.IONIZED_CALCIUM_DEFAULT_RANGE,
        th.ALP_DEFAULT_RANGE,
        th.ALBUMIN_DEFAULT_RANGE,
    ):
        assert rng.source
        assert rng.high is not None
