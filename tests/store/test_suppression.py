"""Alert-fatigue control: an override with one of the card's reasons quiets its topic
for that patient for CDS_SUPPRESSION_DAYS, unless the topic comes back more severe."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from tests.store.support import REASON_SYSTEM, overridden, running, store_settings
from tests.support.app import EVALUATION_TIME

T0 = EVALUATION_TIME


def _topics(cards: list[dict[str, object]]) -> list[tuple[object, object]]:
    return sorted((c["source"]["topic"]["code"], c["indicator"]) for c in cards)  # type: ignore[index]


async def _override_first_card(app: object, **reason: object) -> None:
    cards = await app.hook("patient-1")  # type: ignore[attr-defined]
    await app.store.audit.flush(5)  # type: ignore[attr-defined]
    response = await app.feedback(overridden(cards[0]["uuid"], **reason))  # type: ignore[attr-defined]
    assert response.status_code == 200


async def test_overridden_topic_is_quiet_for_that_patient_only(tmp_path: Path, db_url: str) -> None:
    spec = (("calcium", "warning"), ("imaging", "info"))
    async with running(store_settings(tmp_path, db_url), cards=spec[:1]) as app:
        await _override_first_card(app)
        app.service.cards = list(spec)
        assert _topics(await app.hook("patient-1")) == [("imaging", "info")]
        assert _topics(await app.hook("patient-2")) == sorted(spec)


@pytest.mark.parametrize(
    ("overridden_as", "later", "shown"),
    [
        ("warning", "warning", False),
        ("warning", "info", False),
        ("warning", "critical", True),
        ("info", "warning", True),
        ("critical", "critical", True),
    ],
    ids=lambda v: str(v),
)
async def test_only_a_more_severe_card_breaks_the_quiet_and_critical_always_shows(
    tmp_path: Path, db_url: str, overridden_as: str, later: str, shown: bool
) -> None:
    async with running(store_settings(tmp_path, db_url), cards=[("calcium", overridden_as)]) as app:
        await _override_first_card(app)
        app.service.cards = [("calcium", later)]
        assert _topics(await app.hook("patient-1")) == ([("calcium", later)] if shown else [])


@pytest.mark.parametrize(
    "reason",
    [None, {"system": REASON_SYSTEM, "code": "not-one-of-the-cards-reasons"}],
    ids=["no-reason", "foreign-reason"],
)
async def test_override_without_one_of_the_cards_reasons_does_not_quiet(
    tmp_path: Path, db_url: str, reason: dict[str, str] | None
) -> None:
    async with running(store_settings(tmp_path, db_url)) as app:
        await _override_first_card(app, reason=reason)
        assert _topics(await app.hook("patient-1")) == [("calcium", "warning")]


async def test_quiet_lasts_the_configured_days_and_survives_restarts(
    tmp_path: Path, db_url: str
) -> None:
    settings = store_settings(tmp_path, db_url, suppression_days=30)
    async with running(settings, now=T0) as app:
        await _override_first_card(app)
    for days, expected in (
        (1, []),
        (29, []),
        (30, [("calcium", "warning")]),
        (45, [("calcium", "warning")]),
    ):
        async with running(settings, now=T0 + timedelta(days=days)) as app:
            assert _topics(await app.hook("patient-1")) == expected, days
