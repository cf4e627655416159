"""The hook handler's work after the body is read, in process, without HTTP.

    evaluate = Evaluator(now)
    response_bytes = evaluate(body)

The same calls, in the same order, as `cds_service.api.hooks.call_service`: parse the
JSON (with the depth check), validate the CDS Hooks request, resolve prefetch (all of
it is present, so nothing is fetched), evaluate (facts → rules → cards) and serialise
the response.
"""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import httpx
import orjson

from cds_service.cards.content import load_content
from cds_service.facts.resources import collect
from cds_service.protocol.body import parse_json
from cds_service.protocol.fhir_client import FhirClient
from cds_service.protocol.models import parse_hook_request
from cds_service.protocol.prefetch import resolve_prefetch
from cds_service.services.advisor import BoneMetastasisAdvisor
from cds_service.services.dispatch import answer_hook
from cds_service.settings import Settings


class Evaluator:
    """`fetch=True`: a real FHIR client (requests without prefetch fetch from fhirServer)."""

    def __init__(
        self,
        now: datetime,
        data_dir: Path | None = None,
        *,
        fetch: bool = False,
        budget_seconds: float | None = None,
    ) -> None:
        extra: dict[str, object] = {"data_dir": data_dir} if data_dir is not None else {}
        if budget_seconds is not None:
            extra["fhir_time_budget_seconds"] = budget_seconds
        self.settings = Settings(auth_disabled=True, **extra)
        self.service = BoneMetastasisAdvisor(load_content(self.settings.cards_dir))
        self.now = now
        self._loop = asyncio.new_event_loop()
        settings = self.settings
        self._http = httpx.AsyncClient(timeout=settings.fhir_time_budget_seconds)
        self._client = FhirClient(
            self._http,
            max_pages=settings.fhir_max_pages if fetch else 1,
            max_response_bytes=settings.fhir_max_response_bytes if fetch else 1024,
        )

    async def _answer(self, body: bytes) -> bytes:
        settings = self.settings
        request = parse_hook_request(parse_json(body, max_depth=settings.max_json_depth))
        response = await answer_hook(
            self.service, request, fhir_client=self._client, settings=settings, now=self.now
        )
        return response.to_json()

    async def _fetched(self, body: bytes) -> int:
        request = parse_hook_request(parse_json(body, max_depth=self.settings.max_json_depth))
        result = await resolve_prefetch(
            self.service.descriptor.prefetch or {},
            request,
            self._client,
            budget_seconds=self.settings.fhir_time_budget_seconds,
        )
        return len(collect(result.data).of("Observation"))

    def fetched_observations(self, body: bytes) -> int:
        """How many distinct Observations the prefetch templates fetch for `body`."""
        return self._loop.run_until_complete(self._fetched(body))

    def __call__(self, body: bytes) -> bytes:
        return self._loop.run_until_complete(self._answer(body))

    def close(self) -> None:
        self._loop.run_until_complete(self._http.aclose())
        self._loop.close()


def median_seconds(
    work: Callable[[], object], *, min_runs: int = 5, max_runs: int = 200, budget: float = 3.0
) -> tuple[float, int]:
    """Median wall time of `work` over repeated runs (at least `min_runs`, within `budget`)."""
    work()  # warm-up: imports, caches, first-use compilation
    times: list[float] = []
    deadline = time.perf_counter() + budget
    while len(times) < min_runs or (len(times) < max_runs and time.perf_counter() < deadline):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times), len(times)


def interleaved_medians(
    body: bytes, evaluate: Callable[[bytes], bytes], *, rounds: int, budget: float
) -> tuple[float, float, int]:
    """Medians of `orjson.loads(body)` and `evaluate(body)`, measured alternately.

    Alternating the two keeps their ratio meaningful on a noisy, shared machine: a
    slow spell hits both.
    """
    evaluate(body)
    orjson.loads(body)
    parse: list[float] = []
    full: list[float] = []
    deadline = time.perf_counter() + budget
    while len(full) < rounds or (len(full) < 500 and time.perf_counter() < deadline):
        started = time.perf_counter()
        orjson.loads(body)
        middle = time.perf_counter()
        evaluate(body)
        parse.append(middle - started)
        full.append(time.perf_counter() - middle)
    return statistics.median(parse), statistics.median(full), len(full)
