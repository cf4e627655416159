"""Hostile hook calls: limits at their edge and one past it, huge strings, unicode
edge cases, FHIR resources of the wrong type or shape. Each is a 4xx OperationOutcome
or is skipped and answered; never a 500, never slow.

(tests/api/test_hook_errors.py covers the plain malformed bodies and one case past
each limit; here are the edges and the nastier inputs.)
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cds_service.services.prefetch_templates import PATIENT_VIEW_PREFETCH
from tests.robustness.strategies import prefetch_values
from tests.support.app import make_settings, running_client

URL = "/cds-services/bone-metastasis-advisor"
QUICK_SECONDS = 1.0

BREAST_CANCER = {
    "resourceType": "Condition",
    "id": "c1",
    "subject": {"reference": "Patient/p1"},
    "clinicalStatus": {
        "coding": [
            {
                "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                "code": "active",
            }
        ]
    },
    "code": {"coding": [{"system": "http://snomed.info/sct", "code": "254837009"}]},
}
PATIENT = {"resourceType": "Patient", "id": "p1", "gender": "female", "birthDate": "1960-01-01"}


def searchset(*resources: Any) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"resource": r} for r in resources],
    }


def in_scope_prefetch(**overrides: Any) -> dict[str, Any]:
    """Every key empty, with a breast cancer patient, so the rules read what is sent."""
    prefetch: dict[str, Any] = {key: searchset() for key in PATIENT_VIEW_PREFETCH}
    prefetch["patient"] = PATIENT
    prefetch["conditions"] = searchset(BREAST_CANCER)
    prefetch.update(overrides)
    return prefetch


def hook_request(**overrides: Any) -> dict[str, Any]:
    request: dict[str, Any] = {
        "hook": "patient-view",
        "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
        "context": {"patientId": "p1", "userId": "Practitioner/u1"},
        "prefetch": in_scope_prefetch(),
    }
    request.update(overrides)
    return request


def assert_handled(response: httpx.Response, *statuses: int) -> None:
    """A 4xx OperationOutcome or a CDS Hooks answer; never a 5xx."""
    assert response.status_code < 500, response.text[:2000]
    if statuses:
        assert response.status_code in statuses, response.text[:2000]
    body = response.json()
    if response.status_code >= 400:
        assert body["resourceType"] == "OperationOutcome"
        assert body["issue"][0]["diagnostics"]
        assert len(response.content) < 4096  # the problem is named, the input not echoed
    else:
        assert isinstance(body["cards"], list)


Call = Callable[[Any], tuple[httpx.Response, float]]
LIMITS = {"max_body_bytes": 8192, "max_json_depth": 16, "max_prefetch_entries": 14}


@contextmanager
def blocking_service(tmp_path: Path, **overrides: Any) -> Iterator[Call]:
    """`call(body) -> (response, seconds)` on one app for a whole module: building the
    app costs most of a second, and Hypothesis tests are synchronous anyway."""
    runner = asyncio.Runner()
    context = running_client(make_settings(tmp_path, **overrides))
    client = runner.run(context.__aenter__())
    try:
        yield lambda body: runner.run(post(client, body))
    finally:
        runner.run(context.__aexit__(None, None, None))
        runner.close()


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Call]:
    with blocking_service(tmp_path_factory.mktemp("hostile"), fhir_time_budget_seconds=0.5) as call:
        yield call


@pytest.fixture(scope="module")
def limited(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Call]:
    """The service with small limits, so their edges are cheap to reach."""
    with blocking_service(tmp_path_factory.mktemp("limited"), **LIMITS) as call:
        yield call


async def post(client: httpx.AsyncClient, body: Any) -> tuple[httpx.Response, float]:
    started = time.perf_counter()
    response = await client.post(URL, content=body, headers={"content-type": "application/json"})
    return response, time.perf_counter() - started


def padded_to(size: int) -> bytes:
    """A valid hook request of exactly `size` bytes (an extra field carries the padding)."""
    body = orjson.dumps(hook_request(padding=""))
    return orjson.dumps(hook_request(padding="x" * (size - len(body))))


# --- limits: at the limit passes, one over is refused --------------------------------


@pytest.mark.parametrize(("over", "status"), [(0, 200), (1, 413)], ids=["at-limit", "one-over"])
@pytest.mark.parametrize("streamed", [False, True], ids=["content-length", "chunked"])
def test_body_size_edge(limited: Call, over: int, status: int, streamed: bool) -> None:
    limit = LIMITS["max_body_bytes"]
    body = padded_to(limit + over)
    assert len(body) == limit + over
    content: Any = body
    if streamed:  # no Content-Length: the limit is enforced while reading

        async def chunks() -> AsyncIterator[bytes]:
            for start in range(0, len(body), 1000):
                yield body[start : start + 1000]

        content = chunks()
    response, _ = limited(content)
    assert_handled(response, status)


def nested(levels: int) -> Any:
    """`levels` containers, alternating object and array, around a string."""
    value: Any = "leaf"
    for level in range(levels):
        value = {"a": value} if level % 2 else [value]
    return value


@pytest.mark.parametrize(("extra", "status"), [(0, 200), (1, 400)], ids=["at-limit", "one-over"])
def test_nesting_depth_edge(limited: Call, extra: int, status: int) -> None:
    limit = LIMITS["max_json_depth"]
    # The request object is level 1; its `deep` field holds the remaining levels.
    body = orjson.dumps(hook_request(deep=nested(limit - 1 + extra)))
    response, _ = limited(body)
    assert_handled(response, status)


def test_nesting_beyond_the_json_parser_is_400(service: Call) -> None:
    body = b'{"deep": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    response, elapsed = service(body)
    assert_handled(response, 400)
    assert elapsed < QUICK_SECONDS


@pytest.mark.parametrize(("extra", "status"), [(0, 200), (1, 400)], ids=["at-limit", "one-over"])
def test_prefetch_entries_edge(limited: Call, extra: int, status: int) -> None:
    limit = LIMITS["max_prefetch_entries"]
    assert limit == len(PATIENT_VIEW_PREFETCH)
    prefetch = in_scope_prefetch(**{f"unasked-{i}": None for i in range(extra)})
    response, _ = limited(orjson.dumps(hook_request(prefetch=prefetch)))
    assert_handled(response, status)


# --- huge strings and many keys: refused or answered, quickly ------------------------

FIVE_MB = 5 * 1024 * 1024


@pytest.mark.parametrize(
    ("field", "status"),
    [
        ("hookInstance", 400),
        ("hook", 400),
        ("patientId", 400),
        ("prefetch-key", 400),
        ("fhirServer", 400),
        ("extension", 200),
    ],
)
def test_a_5_mb_string_is_answered_quickly(service: Call, field: str, status: int) -> None:
    huge = "x" * FIVE_MB
    request = hook_request()
    if field == "patientId":
        request["context"]["patientId"] = huge
    elif field == "prefetch-key":
        request["prefetch"] = {huge: None}
        request["prefetch"].update({f"k{i}": None for i in range(60)})
    elif field == "fhirServer":
        request["fhirServer"] = "https://" + huge
        request["prefetch"] = {}
    elif field == "extension":
        request["extension"] = {"note": huge}
    else:
        request[field] = huge
    response, elapsed = service(orjson.dumps(request))
    assert_handled(response, status)
    assert elapsed < QUICK_SECONDS


def test_a_hundred_thousand_keys_are_answered_quickly(service: Call) -> None:
    request = hook_request(extension={f"k{i}": i for i in range(100_000)})
    response, elapsed = service(orjson.dumps(request))
    assert_handled(response, 200)
    assert elapsed < QUICK_SECONDS


# --- unicode ------------------------------------------------------------------------


def raw_request(hook_instance: str, patient_id: str) -> bytes:
    """A request whose two strings are spliced in as raw JSON string contents."""
    return (
        b'{"hook": "patient-view", "hookInstance": "' + hook_instance.encode() + b'", '
        b'"context": {"patientId": "'
        + patient_id.encode()
        + b'"}, "prefetch": '
        + orjson.dumps(in_scope_prefetch())
        + b"}"
    )


@pytest.mark.parametrize(
    ("hook_instance", "patient_id", "status"),
    [
        pytest.param("\\ud800", "p1", 400, id="lone-high-surrogate"),
        pytest.param("a", "\\udfff", 400, id="lone-low-surrogate-in-id"),
        pytest.param("a", "p\\u0000", 400, id="nul-in-id"),
        pytest.param("a\\u0000b", "p1", 200, id="nul-in-hook-instance"),
        pytest.param("a", "p\\u202e1", 400, id="rtl-override-in-id"),
        pytest.param("a", "p\\u200f1", 400, id="rtl-mark-in-id"),
        pytest.param("a", "p\\u200b1", 400, id="zero-width-space-in-id"),
        pytest.param("a", "\\ufeffp1", 400, id="bom-in-id"),
        pytest.param("a", "p\\u00851", 400, id="c1-control-in-id"),
        pytest.param("\\ud83d\\ude00", "\\ud83d\\ude00", 200, id="emoji-pair"),
        pytest.param("\u05d0\u05d1", "\u00e9\u00e8", 200, id="hebrew-and-accents"),
        pytest.param("a", "p\\n1", 400, id="newline-in-id"),
    ],
)
def test_unicode_edge_cases(
    service: Call, hook_instance: str, patient_id: str, status: int
) -> None:
    response, _ = service(raw_request(hook_instance, patient_id))
    assert_handled(response, status)


@pytest.mark.parametrize(
    "body",
    [b"\xc0\xaf", b'{"hook": "\xed\xa0\x80"}', b'{"a": "\x00"}', b"\x00" * 100],
    ids=["overlong-utf8", "encoded-surrogate", "raw-nul-in-string", "nul-bytes"],
)
def test_invalid_utf8_and_raw_control_bytes_are_400(service: Call, body: bytes) -> None:
    response, _ = service(body)
    assert_handled(response, 400)


# --- FHIR data of the wrong type or shape under a prefetch key -----------------------

OBSERVATION = {
    "resourceType": "Observation",
    "id": "o1",
    "status": "final",
    "code": {"coding": [{"system": "http://loinc.org", "code": "17861-6"}]},
    "effectiveDateTime": "2026-11-20T08:00:00Z",
    "valueQuantity": {"value": 12.5, "unit": "mg/dL"},
}
WRONG_DATA: dict[str, tuple[dict[str, Any], int]] = {
    "condition-under-patient": ({"patient": BREAST_CANCER}, 200),
    "patient-in-calcium-bundle": ({"calcium": searchset(PATIENT, OBSERVATION)}, 200),
    "observation-under-conditions": ({"conditions": searchset(OBSERVATION)}, 200),
    "unknown-resource-type": ({"calcium": searchset({"resourceType": "Foo", "id": "x"})}, 200),
    "resource-type-not-a-string": ({"calcium": searchset({"resourceType": 5})}, 200),
    "entries-without-resource": (
        {"calcium": {"resourceType": "Bundle", "entry": [{}, {"fullUrl": "x"}, None, 3]}},
        200,
    ),
    "entry-not-a-list": ({"calcium": {"resourceType": "Bundle", "entry": {"a": 1}}}, 400),
    "entry-a-number": ({"calcium": {"resourceType": "Bundle", "entry": 5}}, 400),
    "bundle-in-bundle": ({"calcium": searchset(searchset(OBSERVATION))}, 200),
    "invalid-observation": ({"calcium": searchset({**OBSERVATION, "valueQuantity": "x"})}, 200),
    "operation-outcome-without-server": (
        {"calcium": {"resourceType": "OperationOutcome", "issue": []}},
        412,
    ),
    "no-resource-type": ({"calcium": {"entry": []}}, 400),
    "a-list-not-a-resource": ({"calcium": [OBSERVATION]}, 400),
}


@pytest.mark.parametrize("name", list(WRONG_DATA))
def test_fhir_data_of_the_wrong_type_or_shape(service: Call, name: str) -> None:
    overrides, status = WRONG_DATA[name]
    request = hook_request(prefetch=in_scope_prefetch(**overrides))
    response, _ = service(orjson.dumps(request))
    assert_handled(response, status)


# --- the whole endpoint over random input: never a 500 --------------------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=10,
)
top_level = st.fixed_dictionaries(
    {},
    optional={
        "hook": st.one_of(st.just("patient-view"), json_values),
        "hookInstance": st.one_of(st.just("abc"), json_values),
        "fhirServer": st.one_of(st.just("http://127.0.0.1:9/fhir"), json_values),
        "context": st.one_of(
            st.fixed_dictionaries(
                {"patientId": st.one_of(st.just("p1"), st.text(max_size=70), json_values)},
                optional={"userId": json_values, "encounterId": json_values},
            ),
            json_values,
        ),
        "extension": json_values,
    },
)
prefetch_maps = st.dictionaries(
    st.sampled_from([*PATIENT_VIEW_PREFETCH, "other"]),
    st.one_of(prefetch_values, json_values),
    max_size=8,
)


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(request=top_level, prefetch=st.one_of(st.none(), prefetch_maps, json_values))
def test_the_endpoint_never_answers_500(
    service: Call, request: dict[str, Any], prefetch: Any
) -> None:
    body = dict(request)
    if prefetch is not None:
        body["prefetch"] = prefetch
    response, _ = service(orjson.dumps(body, option=orjson.OPT_NON_STR_KEYS))
    assert_handled(response)


@settings(
    max_examples=100,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.dictionaries(st.sampled_from(list(PATIENT_VIEW_PREFETCH)), prefetch_values))
def test_in_scope_patients_with_random_data_never_get_500(
    service: Call, data: dict[str, Any]
) -> None:
    """The rules and cards run too: the patient has breast cancer, the rest is random."""
    request = hook_request(prefetch=in_scope_prefetch(**data))
    request["prefetch"]["conditions"] = searchset(BREAST_CANCER)
    response, _ = service(orjson.dumps(request))
    assert_handled(response)
