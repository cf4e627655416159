"""Prefetch, exactly as CDS Hooks 2.0 says.

For each of the service's prefetch templates:

- key present with a resource or Bundle → used as sent;
- key present with `null` → "no data": used as such, never fetched;
- key absent, or its value an OperationOutcome → fetched from `fhirServer` with the
  `fhirAuthorization` bearer token (the template rendered with the hook context).

What could not be had is reported per key in `PrefetchResult.failures`; the service
decides whether that data is needed (412) or not.

    >>> render_template("Patient/{{context.patientId}}", {"patientId": "123"})
    'Patient/123'
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from cds_service.errors import BadRequest
from cds_service.protocol.fhir_client import FhirClient
from cds_service.protocol.models import HookRequest

_TOKEN = re.compile(r"\{\{\s*([^{}\s]+)\s*\}\}")

# User tokens resolve from context.userId ("Practitioner/abc" → userPractitionerId = abc).
_USER_TOKENS = {
    "userPractitionerId": "Practitioner",
    "userPractitionerRoleId": "PractitionerRole",
    "userPatientId": "Patient",
    "userRelatedPersonId": "RelatedPerson",
}


def _token_value(token: str, context: Mapping[str, Any]) -> str | None:
    if token.startswith("context."):
        value = context.get(token.removeprefix("context."))
        # Only root-level primitive context fields are valid prefetch tokens.
        if isinstance(value, str | int | float) and not isinstance(value, bool):
            return str(value)
        return None
    resource_type = _USER_TOKENS.get(token)
    user_id = context.get("userId")
    if resource_type and isinstance(user_id, str) and user_id.startswith(f"{resource_type}/"):
        return user_id.removeprefix(f"{resource_type}/")
    return None


def render_template(template: str, context: Mapping[str, Any]) -> str | None:
    """The template with every token replaced, or None if a token has no value here."""
    missing = False

    def substitute(match: re.Match[str]) -> str:
        nonlocal missing
        value = _token_value(match.group(1), context)
        if value is None:
            missing = True
            return ""
        return quote(value, safe="")

    rendered = _TOKEN.sub(substitute, template)
    return None if missing else rendered


@dataclass
class PrefetchResult:
    data: dict[str, Any] = field(default_factory=dict)  # key → resource / Bundle / None
    failures: dict[str, str] = field(default_factory=dict)  # key → reason (no identifiers)
    fetched: set[str] = field(default_factory=set)  # keys obtained from the FHIR server


def _is_operation_outcome(value: Any) -> bool:
    return isinstance(value, dict) and value.get("resourceType") == "OperationOutcome"


def check_prefetch_shape(prefetch: Mapping[str, Any] | None, *, max_entries: int) -> None:
    """Refuse prefetch objects a client cannot have meant (too many keys, non-objects)."""
    if not prefetch:
        return
    if len(prefetch) > max_entries:
        raise BadRequest(
            f"prefetch has {len(prefetch)} entries; the limit is {max_entries}",
            expression="prefetch",
        )
    for key, value in prefetch.items():
        if value is not None and not isinstance(value, dict):
            raise BadRequest(
                f"prefetch.{key} must be a FHIR resource (JSON object) or null",
                expression=f"prefetch.{key}",
            )
        if isinstance(value, dict) and not isinstance(value.get("resourceType"), str):
            raise BadRequest(
                f"prefetch.{key} is not a FHIR resource: it has no resourceType",
                expression=f"prefetch.{key}",
            )
        if (
            isinstance(value, dict)
            and value.get("resourceType") == "Bundle"
            and not isinstance(value.get("entry", []), list)
        ):
            raise BadRequest(
                f"prefetch.{key}.entry must be a list of Bundle entries",
                expression=f"prefetch.{key}.entry",
            )


async def resolve_prefetch(
    templates: Mapping[str, str],
    request: HookRequest,
    client: FhirClient,
    *,
    budget_seconds: float,
) -> PrefetchResult:
    """Prefetched data per key, fetching what the client did not (or could not) send."""
    result = PrefetchResult()
    provided = request.prefetch or {}
    wanted: dict[str, str] = {}
    for key, template in templates.items():
        if key in provided and not _is_operation_outcome(provided[key]):
            result.data[key] = provided[key]
        else:
            wanted[key] = template
    if not wanted:
        return result
    if request.fhirServer is None:
        for key in wanted:
            result.failures[key] = "not prefetched, and the request names no fhirServer"
        return result

    context = request.context.model_dump()
    queries: dict[str, str] = {}
    for key, template in wanted.items():
        query = render_template(template, context)
        if query is None:
            result.failures[key] = "prefetch template has a token the context does not fill"
        else:
            queries[key] = query
    token = request.fhirAuthorization.access_token if request.fhirAuthorization else None
    fetched, failures = await client.fetch_all(
        request.fhirServer, queries, token=token, budget_seconds=budget_seconds
    )
    result.data.update(fetched)
    result.fetched.update(fetched)
    result.failures.update(failures)
    return result
