"""/healthz and /readyz: outside auth, revealing nothing, 503 naming a failing check."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
import yaml

from cds_service.api import health
from cds_service.app import create_app
from tests.ops.support import TwoCardService
from tests.support.app import make_settings, running_client

PROBES = ("/healthz", "/readyz", "/metrics")


async def test_healthy_and_ready_by_default(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    ready = await client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {"status": "ready"}


async def test_cards_and_valuesets_are_checked(tmp_path: Path) -> None:
    app = create_app(make_settings(tmp_path))
    assert {"cards", "valuesets"} <= {name for name, _ in app.state.readiness_checks}


async def test_missing_card_content_makes_it_unready(tmp_path: Path) -> None:
    # The real advisor refuses to start without its cards; a stand-in lets the app run.
    settings = make_settings(tmp_path, cards_dir=tmp_path / "none")
    app = create_app(settings, services=[TwoCardService()])
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://cds.test") as client:
            assert (await client.get("/healthz")).status_code == 200
            ready = await client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json() == {"status": "not ready", "failing": ["cards"]}


async def test_a_registered_check_that_fails_raises_or_hangs_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = create_app(make_settings(tmp_path))
    for name, loads_content in app.state.readiness_checks:
        if name in ("cards", "valuesets"):
            await loads_content()  # once loaded, they answer at once
    monkeypatch.setattr(health, "CHECK_TIMEOUT_SECONDS", 0.05)

    async def broker() -> None:
        raise ConnectionError("amqp://cds:secret@mq/cds refused")  # never shown

    async def queue() -> bool:
        return False

    async def slow() -> None:
        await asyncio.sleep(5)

    async def fine() -> bool:
        return True

    for name, check in [("broker", broker), ("queue", queue), ("slow", slow), ("ok", fine)]:
        health.register_readiness_check(app, name, check)
    with pytest.raises(ValueError, match="twice"):
        health.register_readiness_check(app, "broker", fine)

    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://cds.test") as client:
            ready = await client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json() == {"status": "not ready", "failing": ["broker", "queue", "slow"]}
    assert "secret" not in ready.text


async def test_probes_need_no_jwt_when_auth_is_on(tmp_path: Path) -> None:
    issuers = tmp_path / "trusted-issuers.yaml"
    issuers.write_text(
        yaml.safe_dump({"issuers": [{"iss": "https://ehr.test", "jwks_url": "https://ehr.test/k"}]})
    )
    settings = make_settings(tmp_path, auth_disabled=False, trusted_issuers_file=issuers)
    async with running_client(settings) as client:
        assert (await client.get("/cds-services")).status_code == 401
        for path in PROBES:
            assert (await client.get(path)).status_code == 200, path


async def test_probes_reveal_no_configuration(tmp_path: Path) -> None:
    secret = "s3cret-audit-key-that-must-not-leak"
    database = f"sqlite:///{tmp_path}/probe-test.db"
    settings = make_settings(tmp_path, audit_hmac_secret=secret, database_url=database)
    async with running_client(settings) as client:
        bodies = [(await client.get(path)).text for path in PROBES]
    for body in bodies:
        for value in (secret, str(tmp_path), "sqlite", "probe-test"):
            assert value not in body
