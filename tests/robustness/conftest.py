"""Fixtures of the robustness suite: the misbehaving FHIR server and its "elsewhere"."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.misbehaving_fhir import Elsewhere, MisbehavingFhir


@pytest.fixture(scope="module")
def elsewhere() -> Iterator[Elsewhere]:
    with Elsewhere() as server:
        yield server


@pytest.fixture(scope="module")
def misbehaving_fhir(elsewhere: Elsewhere) -> Iterator[MisbehavingFhir]:
    with MisbehavingFhir(elsewhere.origin) as server:
        yield server


@pytest.fixture(autouse=True)
def _fresh_request_logs(request: pytest.FixtureRequest) -> None:
    """Each test starts with empty request logs on the loopback servers it uses."""
    for name in ("elsewhere", "misbehaving_fhir"):
        if name in request.fixturenames:
            request.getfixturevalue(name).requests.clear()
