"""The service in process: an httpx client over ASGI, with the app's lifespan running."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from cds_service.app import create_app
from cds_service.clock import FixedClock
from cds_service.settings import Settings

EVALUATION_TIME = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
SHARED = Path(__file__).resolve().parents[2].parent / "shared"


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {"auth_disabled": True, "data_dir": tmp_path}
    values.update(overrides)
    return Settings(**values)


@asynccontextmanager
async def running_client(
    settings: Settings, *, now: datetime = EVALUATION_TIME
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, clock=FixedClock(now))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://cds.test") as client:
            yield client


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path)


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with running_client(settings) as client:
        yield client


@pytest.fixture
def client_with(tmp_path: Path) -> Callable[..., Any]:
    """`async with client_with(max_body_bytes=2048) as client:` — the app with overrides."""

    def factory(**overrides: Any) -> Any:
        return running_client(make_settings(tmp_path, **overrides))

    return factory


def shared_path(*parts: str) -> Path:
    """A file under ../shared, or skip the test saying it is missing."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"../shared is not beside the checkout ({path} missing)")
    return path
