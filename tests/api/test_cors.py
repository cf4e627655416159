"""CORS for browser-based clients such as the CDS Hooks sandbox."""

from __future__ import annotations

import httpx

SANDBOX = "https://sandbox.cds-hooks.org"


async def test_req_208_preflight_allows_authorization_and_content_type(
    client: httpx.AsyncClient,
) -> None:
    response = await client.options(
        "/cds-services/bone-metastasis-advisor",
        headers={
            "Origin": SANDBOX,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == SANDBOX
    allowed = response.headers["access-control-allow-headers"].lower()
    assert "authorization" in allowed and "content-type" in allowed
    assert "access-control-allow-credentials" not in response.headers


async def test_an_origin_not_configured_is_not_allowed(client: httpx.AsyncClient) -> None:
    response = await client.get("/cds-services", headers={"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in response.headers


async def test_wildcard_origin_never_comes_with_credentials(client_with) -> None:  # type: ignore[no-untyped-def]
    async with client_with(cors_allowed_origins=["*"]) as client:
        response = await client.get("/cds-services", headers={"Origin": "https://any.example"})
        assert response.headers["access-control-allow-origin"] == "*"
        assert "access-control-allow-credentials" not in response.headers
