"""Fetching FHIR data from the EHR's server, within one time budget per hook call.

    client = FhirClient(httpx.AsyncClient(), max_pages=10, max_response_bytes=20_000_000)
    data, failures = await client.fetch_all(
        "https://ehr.example.org/fhir", {"patient": "Patient/123"}, token="…", budget_seconds=3)

Queries run concurrently. The bearer token goes only to the `fhirServer` origin: a
`link[next]` or redirect elsewhere is refused, never followed. Failure reasons name the
problem, never the query (it carries the patient id) nor the token.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any
from urllib.parse import urlsplit

import httpx
import orjson

from cds_service.observability import metrics

logger = logging.getLogger(__name__)

FHIR_JSON = "application/fhir+json"


class FhirFetchError(Exception):
    """One prefetch query could not be answered; `str(exc)` is safe to log."""

    def __init__(self, message: str, *, kind: str = "unexpected") -> None:
        super().__init__(message)
        self.kind = kind  # a metrics.FHIR_FETCH_ERROR_KINDS label


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    default_port = {"https": 443, "http": 80}.get(parts.scheme)
    return parts.scheme, (parts.hostname or "").lower(), parts.port or default_port


class FhirClient:
    def __init__(self, http: httpx.AsyncClient, *, max_pages: int, max_response_bytes: int) -> None:
        self._http = http
        self._max_pages = max_pages
        self._max_bytes = max_response_bytes

    async def fetch_all(
        self,
        base_url: str,
        queries: dict[str, str],
        *,
        token: str | None,
        budget_seconds: float,
    ) -> tuple[dict[str, Any], dict[str, str]]:
        """Results and failures per key; whatever is unfinished at the budget fails."""
        headers = {"Accept": FHIR_JSON}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        tasks = {
            key: asyncio.create_task(self._fetch(base_url, query, headers))
            for key, query in queries.items()
        }
        results: dict[str, Any] = {}
        failures: dict[str, str] = {}
        if not tasks:
            return results, failures
        await asyncio.wait(tasks.values(), timeout=budget_seconds)
        for key, task in tasks.items():
            if not task.done():
                task.cancel()
                failures[key] = f"FHIR server did not answer within {budget_seconds:g} s"
                metrics.record_fhir_fetch_error("timeout")
                continue
            exc = task.exception()
            if exc is None:
                results[key] = task.result()
            elif isinstance(exc, FhirFetchError):
                failures[key] = str(exc)
                metrics.record_fhir_fetch_error(exc.kind)
            else:  # pragma: no cover - a defect, but never a 500 for the client
                logger.error("unexpected FHIR fetch error", exc_info=exc)
                failures[key] = "FHIR fetch failed unexpectedly"
                metrics.record_fhir_fetch_error("unexpected")
        for key, reason in failures.items():
            logger.warning("prefetch key not obtained", extra={"key": key, "reason": reason})
        return results, failures

    async def _fetch(self, base_url: str, query: str, headers: dict[str, str]) -> Any:
        url = f"{base_url}/{query.lstrip('/')}"
        started = time.perf_counter()
        first = await self._get_json(url, headers)
        if first.get("resourceType") != "Bundle" or first.get("type") != "searchset":
            return first
        entries: list[Any] = list(first.get("entry") or [])
        page, origin = first, _origin(base_url)
        for _ in range(self._max_pages - 1):
            next_url = _next_link(page)
            if next_url is None:
                break
            if _origin(next_url) != origin:
                raise FhirFetchError(
                    "searchset next link points to another host; refused", kind="foreign_link"
                )
            page = await self._get_json(next_url, headers)
            entries.extend(page.get("entry") or [])
        logger.debug("FHIR query done", extra={"ms": round((time.perf_counter() - started) * 1000)})
        merged = {key: value for key, value in first.items() if key not in ("entry", "link")}
        if entries:
            merged["entry"] = entries
        return merged

    async def _get_json(self, url: str, headers: dict[str, str]) -> dict[str, Any]:
        started = time.perf_counter()
        try:
            return await self._get_json_untimed(url, headers)
        finally:
            metrics.FHIR_FETCH_SECONDS.observe(time.perf_counter() - started)

    async def _get_json_untimed(self, url: str, headers: dict[str, str]) -> dict[str, Any]:
        try:
            async with self._http.stream("GET", url, headers=headers) as response:
                if response.status_code != 200:
                    raise FhirFetchError(
                        f"FHIR server answered HTTP {response.status_code}", kind="http_status"
                    )
                body = bytearray()
                async for chunk in response.aiter_bytes():
                    body.extend(chunk)
                    if len(body) > self._max_bytes:
                        raise FhirFetchError(
                            f"FHIR response larger than {self._max_bytes} bytes; refused",
                            kind="too_large",
                        )
        except httpx.HTTPError as exc:
            raise FhirFetchError(
                f"FHIR server unreachable ({type(exc).__name__})", kind="unreachable"
            ) from exc
        try:
            data = orjson.loads(bytes(body))
        except orjson.JSONDecodeError as exc:
            raise FhirFetchError(
                "FHIR server answered with invalid JSON", kind="invalid_json"
            ) from exc
        if not isinstance(data, dict) or not isinstance(data.get("resourceType"), str):
            raise FhirFetchError(
                "FHIR server answered with something other than a resource",
                kind="not_a_resource",
            )
        if data["resourceType"] == "OperationOutcome":
            raise FhirFetchError(
                "FHIR server answered with an OperationOutcome", kind="operation_outcome"
            )
        return data


def _next_link(bundle: dict[str, Any]) -> str | None:
    for link in bundle.get("link") or []:
        if isinstance(link, dict) and link.get("relation") == "next":
            url = link.get("url")
            return url if isinstance(url, str) else None
    return None
