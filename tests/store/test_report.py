"""`cds-service report` and `cds-service db upgrade`, on a scripted session."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from typer.testing import CliRunner, Result

from cds_service.cli import app as cli
from cds_service.settings import get_settings
from cds_service.store.migrate import head_revision
from cds_service.store.schema import metadata
from tests.store.support import NOT_RELEVANT, accepted, overridden, running, store_settings

runner = CliRunner()


async def invoke(args: list[str]) -> Result:
    """The CLI runs its own event loop: run it beside the test's, in a thread."""
    return await asyncio.to_thread(runner.invoke, cli, args)


@pytest.fixture
def cli_env(tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    monkeypatch.setenv("CDS_DATABASE_URL", db_url)
    monkeypatch.setenv("CDS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("COLUMNS", "200")  # rich wraps the table to the terminal width
    get_settings.cache_clear()
    yield {}
    get_settings.cache_clear()


async def _scripted_session(tmp_path: Path, db_url: str) -> None:
    """4 calcium warnings: 2 accepted, 1 overridden; 2 imaging infos: 1 overridden."""
    spec = (("calcium", "warning"),)
    async with running(store_settings(tmp_path, db_url), cards=spec) as app:
        calcium = [(await app.hook(f"patient-{n}"))[0] for n in range(4)]
        app.service.cards = [("imaging", "info")]
        imaging = [(await app.hook(f"patient-{n}"))[0] for n in range(2)]
        await app.store.audit.flush(5)
        items: list[dict[str, Any]] = [
            accepted(calcium[0]["uuid"], calcium[0]["suggestions"][0]["uuid"]),
            accepted(calcium[1]["uuid"], calcium[1]["suggestions"][0]["uuid"]),
            overridden(calcium[2]["uuid"]),
            overridden(imaging[0]["uuid"], reason=None),
            overridden("00000000-0000-4000-8000-000000000000"),
        ]
        assert (await app.feedback(*items)).status_code == 200


async def test_report_gives_rates_per_service_topic_and_indicator(
    tmp_path: Path, db_url: str, cli_env: dict[str, str]
) -> None:
    await _scripted_session(tmp_path, db_url)
    result = await invoke(["report", "--since", "36500d", "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    rows = {(r["topic"], r["indicator"]): r for r in report["rows"]}
    calcium, imaging = rows[("calcium", "warning")], rows[("imaging", "info")]
    assert (calcium["issued"], calcium["accepted"], calcium["overridden"]) == (4, 2, 1)
    assert (calcium["acceptance_rate"], calcium["override_rate"]) == (0.5, 0.25)
    assert calcium["override_reasons"] == {NOT_RELEVANT["display"]: 1}
    assert calcium["suggestion_acceptance_rate"] == 0.5
    assert (imaging["issued"], imaging["overridden"], imaging["override_rate"]) == (2, 1, 0.5)
    assert imaging["override_reasons"] == {"(no reason)": 1}
    assert report["unknown_card_feedback"] == {"fake-advisor": 1}

    table = await invoke(["report", "--since", "36500d"])
    assert table.exit_code == 0 and "calcium" in table.stdout
    csv = await invoke(["report", "--since", "36500d", "--format", "csv"])
    assert csv.stdout.splitlines()[0].startswith("service,topic,indicator,issued")
    assert len(csv.stdout.splitlines()) == 3


async def test_report_refuses_bad_options(cli_env: dict[str, str]) -> None:
    assert (await invoke(["report", "--format", "xml"])).exit_code == 2
    assert (await invoke(["report", "--since", "last tuesday"])).exit_code == 2


async def test_db_upgrade_builds_the_schema_the_code_expects(
    cli_env: dict[str, str], tmp_path: Path, db_url: str
) -> None:
    for _ in range(2):  # idempotent
        result = await invoke(["db", "upgrade"])
        assert result.exit_code == 0, result.output
        assert f"revision {head_revision()}" in result.stdout
    assert "password" not in result.stdout
    async with running(store_settings(tmp_path, db_url)) as app, app.store.engine.connect() as conn:
        diff = await conn.run_sync(
            lambda sync: compare_metadata(
                MigrationContext.configure(sync, opts={"compare_type": True}), metadata
            )
        )
    assert diff == []
