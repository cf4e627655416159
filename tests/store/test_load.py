"""Feedback under load: concurrent clients lose nothing, and a server killed mid-load
has kept every item it answered 200 for."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, func, select
from sqlalchemy.engine import make_url

from cds_service.store.schema import feedback
from tests.store.support import overridden, running, store_settings

CLIENTS = 20
ITEMS = 2000
PER_REQUEST = 5
KILL_AFTER = 100  # acknowledged items before the SIGKILL
SERVE_SERVICE = "bone-metastasis-advisor"  # the default deployment's service


def _items(n: int) -> list[dict[str, Any]]:
    return [overridden(str(uuid.uuid4()), reason=None) for _ in range(n)]


async def test_twenty_concurrent_clients_store_exactly_two_thousand_items(
    tmp_path: Path, db_url: str
) -> None:
    items = _items(ITEMS)
    batches = [items[i : i + PER_REQUEST] for i in range(0, ITEMS, PER_REQUEST)]
    async with running(store_settings(tmp_path, db_url)) as app:

        async def client(mine: list[list[dict[str, Any]]]) -> None:
            for batch in mine:
                response = await app.feedback(*batch)
                assert response.status_code == 200, response.text

        await asyncio.gather(*(client(batches[n::CLIENTS]) for n in range(CLIENTS)))
        assert await app.rows(select(func.count()).select_from(feedback)) == [(ITEMS,)]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _serve(tmp_path: Path, db_url: str, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "CDS_DATABASE_URL": db_url,
        "CDS_DATA_DIR": str(tmp_path),
        "CDS_AUTH_DISABLED": "true",
        "CDS_LOG_LEVEL": "WARNING",
    }
    cli = Path(sys.executable).with_name("cds-service")
    log = tmp_path / f"serve-{port}.log"
    with log.open("ab") as stderr:
        process = subprocess.Popen(
            [str(cli), "serve", "--host", "127.0.0.1", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return process
        except httpx.TransportError:
            pass
        if process.poll() is not None:
            break
        time.sleep(0.05)
    process.kill()
    process.wait()
    raise AssertionError(f"server did not start: {log.read_text()[-3000:]}")


def _stored_cards(db_url: str) -> set[str]:
    url = make_url(db_url)
    url = url.set(
        drivername="sqlite" if url.get_backend_name() == "sqlite" else "postgresql+psycopg"
    )
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {row[0] for row in conn.execute(select(feedback.c.card_uuid))}
    finally:
        engine.dispose()


async def test_items_answered_200_survive_sigkill_of_the_server(
    tmp_path: Path, db_url: str
) -> None:
    port = _free_port()
    server = _serve(tmp_path, db_url, port)
    acknowledged: set[str] = set()
    failed = 0
    base = f"http://127.0.0.1:{port}/cds-services/{SERVE_SERVICE}/feedback"
    try:
        async with httpx.AsyncClient(timeout=5) as http:

            async def client() -> None:
                nonlocal failed
                while True:
                    item = _items(1)[0]
                    try:
                        response = await http.post(base, json={"feedback": [item]})
                    except httpx.TransportError:
                        failed += 1
                        return
                    if response.status_code == 200:
                        acknowledged.add(item["card"])

            async def killer() -> None:
                while len(acknowledged) < KILL_AFTER:
                    await asyncio.sleep(0.01)
                server.send_signal(signal.SIGKILL)

            await asyncio.wait_for(asyncio.gather(killer(), *(client() for _ in range(10))), 60)
    finally:
        server.kill()
        server.wait()
    assert failed  # the load really was cut off mid-flight
    restarted = _serve(tmp_path, db_url, port)
    try:
        ready = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=5)
    finally:
        restarted.terminate()
        restarted.wait(10)
    assert ready.status_code == 200, ready.text
    missing = acknowledged - _stored_cards(db_url)
    assert not missing, f"{len(missing)} of {len(acknowledged)} acknowledged items lost"
