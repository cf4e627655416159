"""Feedback endpoint: stored before 200, refused with 400/404, 503 when it cannot be kept."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from cds_service.store.engine import create_engine
from tests.store.support import SERVICE_ID, accepted, overridden, running, store_settings
from tests.support.app import shared_path

SPEC_EXAMPLES = ("hl7_29.json", "hl7_30.json", "hl7_31.json")


async def test_spec_examples_are_stored_and_flagged_as_unknown_cards(
    tmp_path: Path, db_url: str
) -> None:
    async with running(store_settings(tmp_path, db_url)) as app:
        for name in SPEC_EXAMPLES:
            body = json.loads(shared_path("data", "cds-hooks-spec-examples", name).read_text())
            response = await app.client.post(f"/cds-services/{SERVICE_ID}/feedback", json=body)
            assert response.status_code == 200, response.text
        rows = await app.rows(
            "SELECT card_uuid, outcome, reason_code, card_known FROM feedback ORDER BY id"
        )
    assert [(r[0], r[1], r[2], bool(r[3])) for r in rows] == [
        ("4e0a3a1e-3283-4575-ab82-028d55fe2719", "accepted", None, False),
        ("f6b95768-b1c8-40dc-8385-bf3504b82ffb", "overridden", None, False),
        ("9368d37b-283f-44a0-93ea-547cebab93ed", "overridden", "d7ecf885", False),
    ]


async def test_feedback_on_an_issued_card_is_stored_as_known(tmp_path: Path, db_url: str) -> None:
    async with running(store_settings(tmp_path, db_url)) as app:
        (card,) = await app.hook()
        await app.store.audit.flush(5)
        response = await app.feedback(accepted(card["uuid"], card["suggestions"][0]["uuid"]))
        assert response.status_code == 200
        rows = await app.rows("SELECT card_known, accepted_suggestions FROM feedback")
    assert bool(rows[0][0]) is True
    assert card["suggestions"][0]["uuid"] in str(rows[0][1])


async def test_duplicate_deliveries_are_stored_once(tmp_path: Path, db_url: str) -> None:
    item = overridden("9368d37b-283f-44a0-93ea-547cebab93ed")
    async with running(store_settings(tmp_path, db_url)) as app:
        assert (await app.feedback(item)).status_code == 200
        assert (await app.feedback(item, item)).status_code == 200
        later = overridden("9368d37b-283f-44a0-93ea-547cebab93ed", at="2026-11-21T10:00:00Z")
        assert (await app.feedback(item, later)).status_code == 200
        rows = await app.rows("SELECT outcome_timestamp FROM feedback")
    assert len(rows) == 2


async def test_store_down_answers_503_and_keeps_nothing(
    tmp_path: Path, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with running(store_settings(tmp_path, db_url)) as app:
        healthy = app.store.engine
        dead = create_engine(_dead_url(db_url, tmp_path))
        monkeypatch.setattr(app.store, "engine", dead)
        try:
            response = await app.feedback(overridden("f6b95768-b1c8-40dc-8385-bf3504b82ffb"))
            ready = await app.client.get("/readyz")
        finally:
            monkeypatch.setattr(app.store, "engine", healthy)
            await dead.dispose()
        assert response.status_code == 503
        assert response.json()["issue"][0]["code"] == "transient"
        assert ready.status_code == 503 and "database" in ready.json()["failing"]
        assert await app.rows("SELECT id FROM feedback") == []


def _dead_url(db_url: str, tmp_path: Path) -> Any:
    """A database that cannot be reached: a port nothing listens on, a directory not there."""
    if db_url.startswith("sqlite"):
        return make_url(f"sqlite+aiosqlite:///{tmp_path / 'missing' / 'dir' / 'x.sqlite3'}")
    return make_url(db_url).set(port=1)


async def test_unknown_service_is_404(tmp_path: Path, sqlite_url: str) -> None:
    async with running(store_settings(tmp_path, sqlite_url)) as app:
        response = await app.client.post(
            "/cds-services/no-such-service/feedback",
            json={"feedback": [overridden("f6b95768-b1c8-40dc-8385-bf3504b82ffb")]},
        )
    assert response.status_code == 404
    assert response.json()["resourceType"] == "OperationOutcome"


_VALID = overridden("f6b95768-b1c8-40dc-8385-bf3504b82ffb")


@pytest.mark.parametrize(
    ("case", "body"),
    [
        ("not-json", b"{feedback"),
        ("not-an-object", b"[]"),
        ("no-feedback-array", json.dumps({"cards": []}).encode()),
        ("empty-feedback-array", json.dumps({"feedback": []}).encode()),
        ("outcome-unknown", json.dumps({"feedback": [{**_VALID, "outcome": "ignored"}]}).encode()),
        (
            "card-missing",
            json.dumps(
                {
                    "feedback": [
                        {"outcome": "overridden", "outcomeTimestamp": "2026-11-21T09:00:00Z"}
                    ]
                }
            ).encode(),
        ),
        (
            "timestamp-without-offset",
            json.dumps(
                {"feedback": [{**_VALID, "outcomeTimestamp": "2026-11-21T09:00:00"}]}
            ).encode(),
        ),
        (
            "timestamp-not-a-time",
            json.dumps({"feedback": [{**_VALID, "outcomeTimestamp": "yesterday"}]}).encode(),
        ),
        (
            "accepted-without-suggestions",
            json.dumps(
                {"feedback": [{**_VALID, "outcome": "accepted", "overrideReason": None}]}
            ).encode(),
        ),
        (
            "override-reason-empty",
            json.dumps({"feedback": [{**_VALID, "overrideReason": {}}]}).encode(),
        ),
        (
            "reason-without-code",
            json.dumps(
                {"feedback": [{**_VALID, "overrideReason": {"reason": {"system": "x"}}}]}
            ).encode(),
        ),
    ],
)
async def test_invalid_feedback_is_400_with_an_operation_outcome(
    tmp_path: Path, sqlite_url: str, case: str, body: bytes
) -> None:
    async with running(store_settings(tmp_path, sqlite_url)) as app:
        response = await app.client.post(
            f"/cds-services/{SERVICE_ID}/feedback",
            content=body,
            headers={"content-type": "application/json"},
        )
        stored = await app.rows("SELECT id FROM feedback")
    assert response.status_code == 400, (case, response.text)
    outcome = response.json()
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["diagnostics"]
    assert stored == []
