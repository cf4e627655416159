from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from cds_service.facts.builder import build_patient_facts
from cds_service.facts.model import Analyte, ExclusionReason, Flag, RangeSource
from cds_service.facts.observations import candidates
from cds_service.facts.resources import collect, to_utc
from tests.facts.fhir import LOINC, bundle, obs

NOW = datetime(2026, 11, 21, 6, 0, tzinfo=UTC)
CA = Analyte.TOTAL_CALCIUM


def labs(*resources, now=NOW):
    return build_patient_facts({"labs": bundle(*resources)}, now)


@pytest.mark.parametrize(
    ("status", "counted"),
    [
        ("final", True),
        ("amended", True),
        ("corrected", True),
        ("preliminary", False),
        ("registered", False),
        ("cancelled", False),
        ("entered-in-error", False),
        ("unknown", False),
    ],
)
def test_status(status, counted):
    facts = labs(obs("a", "17861-6", 9.5, status=status))
    assert bool(facts.results(CA)) is counted


@pytest.mark.parametrize(
    ("when", "kept"),
    [
        ("2026-11-22T06:00:00Z", True),  # exactly now + 1 day
        ("2026-11-22T06:00:01Z", False),  # beyond
        ("2026-11-22", True),  # date only: 00:00 UTC
        ("2026-11-23", False),
        ("2026-12", False),  # partial date: first instant, 1 December
        ("2026-11", True),
    ],
)
def test_future_results_excluded_and_reported(when, kept):
    facts = labs(obs("a", "17861-6", 9.5, when=when))
    assert bool(facts.results(CA)) is kept
    reasons = [e.reason for e in facts.excluded]
    assert (ExclusionReason.FUTURE_DATE in reasons) is not kept


def test_date_without_time_is_midnight_utc():
    (result,) = labs(obs("a", "17861-6", 9.5, when="2026-11-02")).results(CA)
    assert result.time == datetime(2026, 11, 2, tzinfo=UTC)


def test_time_resolution_order():
    period = obs(
        "p",
        "17861-6",
        9.5,
        when=None,
        effectivePeriod={"start": "2026-11-01", "end": "2026-11-03T00:00:00Z"},
        issued="2026-11-10T00:00:00Z",
    )
    start_only = obs("s", "17861-6", 9.5, when=None, effectivePeriod={"start": "2026-11-04"})
    issued = obs("i", "17861-6", 9.5, when=None, issued="2026-11-05T10:00:00+02:00")
    times = {r.resource_id: r.time for r in labs(period, start_only, issued).results(CA)}
    assert times == {
        "p": datetime(2026, 11, 3, tzinfo=UTC),
        "s": datetime(2026, 11, 4, tzinfo=UTC),
        "i": datetime(2026, 11, 5, 8, tzinfo=UTC),
    }


def test_no_time_is_reported():
    facts = labs(obs("a", "17861-6", 9.5, when=None))
    assert facts.results(CA) == ()
    assert facts.excluded[0].reason is ExclusionReason.NO_DATE


def test_data_absent_reason_and_missing_value_give_none():
    absent = obs("a", "17861-6", 9.5, dataAbsentReason={"coding": [{"code": "error"}]})
    novalue = obs("b", "17861-6", None)
    results = labs(absent, novalue).results(CA)
    assert [r.value for r in results] == [None, None]


def test_comparator_kept():
    high = obs("a", "2000-8", 3.5, "mmol/L")
    high["valueQuantity"]["comparator"] = ">"
    (result,) = labs(high).results(CA)
    assert result.comparator == ">"
    assert result.value == Decimal("14.0280")
    assert result.reported == ">3.5 mmol/L"
    assert not result.is_numeric


@pytest.mark.parametrize(
    ("unit", "ucum", "value"),
    [
        ("MG/DL", False, "9.5"),
        ("mg/dl", False, "9.5"),
        ("mg/dL", True, "9.5"),
        ("mmol/L", True, "38.076"),
    ],
)
def test_units_accepted(unit, ucum, value):
    (result,) = labs(obs("a", "17861-6", 9.5, unit, ucum=ucum)).results(CA)
    assert result.value == Decimal(value)
    assert result.unit == "mg/dL"


def test_unknown_unit_refused_and_reported():
    facts = labs(obs("a", "17861-6", 9.5, "mg"))
    assert facts.results(CA) == ()
    (excluded,) = facts.excluded
    assert excluded.reason is ExclusionReason.UNKNOWN_UNIT
    assert excluded.resource_id == "a"


def test_reference_range_converted_and_applies_to_skipped():
    ranges = [
        {
            "low": {"value": 2.0, "unit": "mmol/L"},
            "high": {"value": 2.5, "unit": "mmol/L"},
            "appliesTo": [{"text": "pregnancy"}],
        },
        {"low": {"value": 2.25, "unit": "mmol/L"}, "high": {"value": 2.65, "unit": "mmol/L"}},
    ]
    (result,) = labs(obs("a", "2000-8", 2.38, "mmol/L", referenceRange=ranges)).results(CA)
    assert result.reference_range is not None
    assert result.reference_range.source is RangeSource.RESULT
    assert result.reference_range.low == Decimal("9.01800")
    assert result.reference_range.high == Decimal("10.62120")


def test_reference_range_without_unit_takes_the_value_unit():
    ranges = [{"high": {"value": 2.6}}]
    (result,) = labs(obs("a", "2000-8", 2.38, "mmol/L", referenceRange=ranges)).results(CA)
    assert result.reference_range is not None
    assert result.reference_range.high == Decimal("10.4208")


@pytest.mark.parametrize(
    ("codes", "flag"),
    [
        (["H"], Flag.HIGH),
        (["HU"], Flag.HIGH),
        ([">"], Flag.HIGH),
        (["HH"], Flag.CRITICAL_HIGH),
        (["L"], Flag.LOW),
        (["LL"], Flag.CRITICAL_LOW),
        (["<"], Flag.LOW),
        (["N"], Flag.NORMAL),
        (["N", "HH"], Flag.CRITICAL_HIGH),
        (["A"], None),
    ],
)
def test_interpretation(codes, flag):
    system = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"
    interpretation = [{"coding": [{"system": system, "code": c}]} for c in codes]
    (result,) = labs(obs("a", "17861-6", 9.5, interpretation=interpretation)).results(CA)
    assert result.flag is flag


def test_distractor_not_counted():
    facts = labs(obs("a", "13959-2", 1.2, "mmol/L"))
    assert facts.labs == {}


def test_panel_members_read_with_panel_time():
    panel = {
        "resourceType": "Observation",
        "id": "panel",
        "status": "final",
        "code": {"coding": [{"system": LOINC, "code": "24323-8"}]},
        "effectiveDateTime": "2026-11-19T00:00:00Z",
        "hasMember": [{"reference": "Observation/m1"}],
    }
    member = obs("m1", "17861-6", 9.5, when=None)
    own = obs("m2", "1751-7", 3.5, "g/dL", when="2026-11-18")
    facts = labs(panel, member, own)
    (ca,) = facts.results(CA)
    assert ca.time == datetime(2026, 11, 19, tzinfo=UTC)
    assert len(facts.results(Analyte.ALBUMIN)) == 1


def test_invalid_resource_skipped_and_reported():
    bad = obs("a", "17861-6", 9.5)
    bad["valueQuantity"]["value"] = "not a number"
    good = obs("b", "17861-6", 9.6)
    facts = labs(bad, good)
    assert [r.resource_id for r in facts.results(CA)] == ["b"]
    (excluded,) = facts.excluded
    assert excluded.reason is ExclusionReason.INVALID_RESOURCE
    assert "not a number" not in excluded.detail


def test_dedupe_and_missing_keys():
    one = obs("a", "17861-6", 9.5)
    facts = build_patient_facts({"a": bundle(one), "b": one, "c": None, "d": bundle()}, NOW)
    assert len(facts.results(CA)) == 1
    assert facts.missing == frozenset({"c"})


def test_newest_first():
    facts = labs(
        obs("old", "17861-6", 9.0, when="2026-11-01"),
        obs("new", "17861-6", 9.1, when="2026-11-20"),
    )
    assert [r.resource_id for r in facts.results(CA)] == ["new", "old"]


@pytest.mark.parametrize(
    "when",
    [
        "2026-11-20T08:00:00Z",
        "2026-11-20T08:00:00+00:00",
        "2026-11-20T08:00:00.123456789Z",
        "2026-11-20T03:00:00-05:00",  # an offset: the same instant as 08:00Z
        "2026-11-21T00:30:00+14:00",
        "0001-01-01T00:00:00+14:00",  # no instant in UTC
        "2026-11-20T08:00:00",  # no zone (not valid FHIR): read as UTC
        "2026-11-20",
        "2026-11",
        "2026",
        " 2026-11-20T08:00:00Z ",
        "2026-11-20T08:00:00z",
        "not a date",
        "",
    ],
)
def test_the_prefilter_reads_a_time_as_to_utc_does(when):
    """`candidates` orders and windows by the raw time: it must be `to_utc`'s, offsets
    included, or a result could be validated out of its place."""
    found = collect({"labs": bundle(obs("a", "17861-6", 9.5, when=when))})
    (candidate,) = candidates(found)
    assert candidate.time == to_utc(when)
    assert candidate.time is None or candidate.time.utcoffset() == timedelta(0)
