"""Discovery: GET /cds-services lists the services with prefetch templates the EHR can run."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

import httpx

ALLOWED_DATE_PREFIXES = ("eq", "lt", "gt", "ge", "le")
TOKEN = re.compile(r"\{\{[^}]+\}\}")


async def test_discovery_lists_the_advisor(client: httpx.AsyncClient) -> None:
    response = await client.get("/cds-services")
    assert response.status_code == 200
    services = {service["id"]: service for service in response.json()["services"]}
    advisor = services["bone-metastasis-advisor"]
    assert advisor["hook"] == "patient-view"
    assert advisor["title"] and advisor["description"]
    assert "Patient/{{context.patientId}}" in advisor["prefetch"].values()


async def test_discovery_has_no_null_or_empty_fields(client: httpx.AsyncClient) -> None:
    for service in (await client.get("/cds-services")).json()["services"]:
        for value in service.values():
            assert value not in (None, "", [], {})


def _check_template(template: str) -> None:
    """CDS Hooks 2.0 'Prefetch query restrictions'."""
    parts = urlsplit(TOKEN.sub("x", template))
    resource_type, _, instance = parts.path.partition("/")
    assert re.fullmatch(r"[A-Z][A-Za-z]+", resource_type), template
    if instance:
        assert not parts.query, f"a read takes no parameters: {template}"
        return
    for name, value in parse_qsl(parts.query):
        base, _, modifier = name.partition(":")
        if base in ("_count", "_sort"):
            continue
        if base in ("patient", "subject"):
            assert not modifier, template
        elif base in ("date", "authoredon", "effective", "onset-date"):
            assert value[:2] in ALLOWED_DATE_PREFIXES, template
        else:  # a token parameter: equality, or :in
            assert modifier in ("", "in"), template


async def test_prefetch_templates_stay_inside_the_query_restrictions(
    client: httpx.AsyncClient,
) -> None:
    for service in (await client.get("/cds-services")).json()["services"]:
        for template in service.get("prefetch", {}).values():
            _check_template(template)
