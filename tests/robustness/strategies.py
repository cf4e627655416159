"""Hypothesis strategies for FHIR-shaped data: plausible structure, random content.

The resources are what an EHR might send: the right JSON types in the right places,
with random statuses, codes (ours and others), values, units, comparators, reference
ranges and dates of every FHIR precision. Years stay within 1900–2100; what lies
outside the types (a list as a status, year 0001 with a +14:00 offset) is probed by
the explicit cases in test_facts_properties.py.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import strategies as st

from cds_service.knowledge import codes, drugs

LOINC = codes.LOINC
SNOMED = codes.SNOMED
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
UCUM = "http://unitsofmeasure.org"

_OUR_LOINC = sorted({code for loincs in codes.LOINC_BY_ANALYTE.values() for code in loincs})
_UNITS = [
    "mg/dL",
    "mg/dl",
    "mmol/L",
    "mEq/L",
    "U/L",
    "[IU]/L",
    "ukat/L",
    "g/dL",
    "g/L",
    "umol/L",
    "mL/min/{1.73_m2}",
    "kg",
    "g",
    "[lb_av]",
    "ng/mL",
    "nmol/L",
    "pg/mL",
    "pmol/L",
    "%",
    "furlongs",
]
_USABLE = ["final", "amended", "corrected"]
_STATUSES = ["final", "amended", "corrected", "preliminary", "registered", "cancelled"]
_STATUSES += ["entered-in-error", "unknown", "FINAL", "", "active", "completed", "stopped"]

ids = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-.", min_size=1, max_size=8)


def _fhir_time(moment: datetime, precision: int, offset_minutes: int) -> str:
    zone = UTC if offset_minutes == 0 else None
    if precision == 0:
        return f"{moment.year:04d}"
    if precision == 1:
        return f"{moment.year:04d}-{moment.month:02d}"
    if precision == 2:
        return moment.date().isoformat()
    local = moment.replace(tzinfo=None) + timedelta(minutes=offset_minutes)
    sign = "+" if offset_minutes >= 0 else "-"
    hours, minutes = divmod(abs(offset_minutes), 60)
    suffix = "Z" if zone is UTC else f"{sign}{hours:02d}:{minutes:02d}"
    fraction = f".{moment.microsecond // 1000:03d}" if precision == 4 else ""
    return local.strftime("%Y-%m-%dT%H:%M:%S") + fraction + suffix


fhir_times = st.builds(
    _fhir_time,
    st.datetimes(min_value=datetime(1900, 1, 2), max_value=datetime(2100, 12, 30)),
    st.integers(0, 4),
    st.sampled_from([0, 0, 60, -300, 14 * 60, -12 * 60, 330]),
)
# Dates near the evaluation time, where the rules look (lookbacks, the future tolerance).
EVALUATION_TIME = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
recent_times = st.builds(
    _fhir_time,
    st.datetimes(
        min_value=(EVALUATION_TIME - timedelta(days=800)).replace(tzinfo=None),
        max_value=(EVALUATION_TIME + timedelta(days=3)).replace(tzinfo=None),
    ),
    st.integers(2, 4),
    st.sampled_from([0, 60, -300, 14 * 60, -12 * 60]),
)
any_time = st.one_of(fhir_times, recent_times, recent_times)

numbers = st.one_of(
    st.integers(-(10**6), 10**7),
    st.floats(min_value=-1e6, max_value=1e7, allow_nan=False, allow_infinity=False),
    st.sampled_from([0, 0.0001, 10.5, 10.6, 2.65, 14.0, 1e-9]),
)


def coding(system: st.SearchStrategy[str], code: st.SearchStrategy[str]) -> Any:
    return st.fixed_dictionaries(
        {"system": system, "code": code}, optional={"display": st.text(min_size=1, max_size=20)}
    )


def concept(*codings: st.SearchStrategy[Any]) -> Any:
    return st.fixed_dictionaries(
        {"coding": st.lists(st.one_of(*codings), min_size=0, max_size=2)},
        optional={"text": st.text(min_size=1, max_size=30)},
    )


def quantity(units: list[str] = _UNITS) -> Any:
    return st.fixed_dictionaries(
        {"value": numbers},
        optional={
            "unit": st.sampled_from(units),
            "code": st.sampled_from(units),
            "system": st.just(UCUM),
            "comparator": st.sampled_from(["<", "<=", ">=", ">"]),
        },
    )


def _simple_quantity() -> Any:
    return st.fixed_dictionaries(
        {"value": numbers},
        optional={"unit": st.sampled_from(_UNITS), "system": st.just(UCUM)},
    )


reference_range = st.fixed_dictionaries(
    {},
    optional={
        "low": _simple_quantity(),
        "high": _simple_quantity(),
        "type": concept(
            coding(
                st.just("http://terminology.hl7.org/CodeSystem/referencerange-meaning"),
                st.sampled_from(["normal", "treatment", "therapeutic"]),
            )
        ),
        "text": st.text(min_size=1, max_size=20),
    },
)

interpretation = concept(
    coding(
        st.sampled_from(
            ["http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation", "x"]
        ),
        st.sampled_from(["H", "HH", "L", "LL", "N", "HU", "<", ">", "A"]),
    )
)

_OURS = coding(st.just(LOINC), st.sampled_from(_OUR_LOINC))
_OTHERS = coding(st.sampled_from([LOINC, SNOMED, "urn:local"]), st.sampled_from(["13959-2", "1"]))
lab_code = st.fixed_dictionaries(
    {"coding": st.lists(st.one_of(_OURS, _OURS, _OURS, _OTHERS), min_size=1, max_size=2)}
)


@st.composite
def observations(draw: st.DrawFn) -> dict[str, Any]:
    obs: dict[str, Any] = {
        "resourceType": "Observation",
        "id": draw(ids),
        "status": draw(st.one_of(st.sampled_from(_USABLE), st.sampled_from(_STATUSES))),
        "code": draw(lab_code),
    }
    timing = draw(st.sampled_from(["dateTime", "period", "instant", "issued", "none"]))
    if timing == "dateTime":
        obs["effectiveDateTime"] = draw(any_time)
    elif timing == "period":
        obs["effectivePeriod"] = draw(
            st.fixed_dictionaries({}, optional={"start": any_time, "end": any_time})
        )
    elif timing == "instant":
        obs["effectiveInstant"] = draw(recent_times.filter(lambda t: "T" in t))
    elif timing == "issued":
        obs["issued"] = draw(recent_times.filter(lambda t: "T" in t))
    value = draw(st.sampled_from(["quantity", "quantity", "absent", "string", "none"]))
    if value == "quantity":
        obs["valueQuantity"] = draw(quantity())
    elif value == "absent":
        obs["dataAbsentReason"] = {"text": "not performed"}
    elif value == "string":
        obs["valueString"] = draw(st.text(min_size=1, max_size=10))
    if draw(st.booleans()):
        obs["referenceRange"] = draw(st.lists(reference_range, max_size=3))
    if draw(st.booleans()):
        obs["interpretation"] = draw(st.lists(interpretation, min_size=1, max_size=2))
    if draw(st.integers(0, 5)) == 0:
        obs["hasMember"] = [{"reference": f"Observation/{draw(ids)}"}]
    return obs


_CONDITION_CODES = sorted(codes.BREAST_CANCER.codes)[:5] + sorted(codes.BONE_METASTASIS.codes)[:5]
_CONDITION_CODES += [(SNOMED, "195967001"), ("urn:local", "x")]


@st.composite
def conditions(draw: st.DrawFn) -> dict[str, Any]:
    system, code = draw(st.sampled_from(_CONDITION_CODES))
    condition: dict[str, Any] = {
        "resourceType": "Condition",
        "id": draw(ids),
        "subject": {"reference": "Patient/p"},
        "code": {"coding": [{"system": system, "code": code}]},
    }
    status_system = "http://terminology.hl7.org/CodeSystem/condition-clinical"
    if draw(st.booleans()):
        status = draw(st.sampled_from(["active", "recurrence", "remission", "resolved", "x"]))
        condition["clinicalStatus"] = {"coding": [{"system": status_system, "code": status}]}
    if draw(st.booleans()):
        verification = draw(st.sampled_from(["confirmed", "refuted", "entered-in-error"]))
        condition["verificationStatus"] = {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                    "code": verification,
                }
            ]
        }
    if draw(st.booleans()):
        condition["onsetDateTime"] = draw(any_time)
    if draw(st.booleans()):
        condition["recordedDate"] = draw(any_time)
    return condition


_RXNORM = sorted(drugs.AGENT_BY_RXNORM)[:8] + sorted(drugs.SUPPLEMENTS_BY_RXNORM)[:3] + ["999"]
_MED_TEXT = ["denosumab 120 mg", "zoledronic acid 4 mg/100 mL", "Prolia 60 mg", "aspirin"]


@st.composite
def medications(draw: st.DrawFn) -> dict[str, Any]:
    kind = draw(
        st.sampled_from(["MedicationRequest", "MedicationStatement", "MedicationAdministration"])
    )
    med: dict[str, Any] = {
        "resourceType": kind,
        "id": draw(ids),
        "status": draw(
            st.sampled_from(["active", "completed", "stopped", "on-hold", "entered-in-error"])
        ),
        "subject": {"reference": "Patient/p"},
        "medicationCodeableConcept": {
            "coding": [{"system": RXNORM, "code": draw(st.sampled_from(_RXNORM))}],
            "text": draw(st.sampled_from(_MED_TEXT)),
        },
    }
    dose = draw(quantity(["mg", "mL", "g", "ug"]))
    dose.pop("comparator", None)
    if kind == "MedicationRequest":
        med["intent"] = "order"
        med["authoredOn"] = draw(any_time)
        med["dosageInstruction"] = [{"doseAndRate": [{"doseQuantity": dose}]}]
    elif kind == "MedicationStatement":
        med["effectivePeriod"] = draw(
            st.fixed_dictionaries({}, optional={"start": any_time, "end": any_time})
        )
        med["dosage"] = [{"doseAndRate": [{"doseQuantity": dose}]}]
    else:
        med["effectiveDateTime"] = draw(any_time)
        med["dosage"] = {"dose": dose}
    return med


patients = st.fixed_dictionaries(
    {"resourceType": st.just("Patient"), "id": ids},
    optional={
        "gender": st.sampled_from(["female", "male", "other", "unknown"]),
        "birthDate": fhir_times.map(lambda t: t[:10]),
        "deceasedBoolean": st.booleans(),
    },
)

resources = st.one_of(observations(), observations(), conditions(), medications(), patients)


def bundle(entries: st.SearchStrategy[dict[str, Any]]) -> Any:
    return st.lists(entries, max_size=8).map(
        lambda found: {
            "resourceType": "Bundle",
            "type": "searchset",
            "entry": [{"resource": resource} for resource in found],
        }
    )


prefetch_values = st.one_of(st.none(), resources, bundle(resources))
