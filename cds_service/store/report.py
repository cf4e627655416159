"""`cds-service report`: how cards fare, per service, topic and indicator.

    rows = await build_report(engine, since=now - timedelta(days=30))
    render(rows, "table" | "json" | "csv", console)

For the cards issued since `since`: how many were issued, accepted (a suggestion
taken) and overridden; the acceptance and override rates (per card issued); the
override reasons given; and of the suggestions offered, the share accepted. Feedback
about cards the service has no record of issuing is counted apart (`unknown cards`).
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal

import orjson
from rich.console import Console
from rich.table import Table
from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from cds_service.cards.schema import INDICATOR_RANK
from cds_service.settings import Settings
from cds_service.store.engine import create_engine, database_url
from cds_service.store.schema import feedback, issued_cards

__all__ = ["FORMATS", "Report", "ReportRow", "build_report", "parse_since", "render", "run_report"]

Format = Literal["table", "json", "csv"]
FORMATS: tuple[Format, ...] = ("table", "json", "csv")
_RELATIVE = re.compile(r"^(\d+)([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


@dataclass
class ReportRow:
    service: str
    topic: str
    indicator: str
    issued: int = 0
    accepted: int = 0
    overridden: int = 0
    suggestions_offered: int = 0
    suggestions_accepted: int = 0
    override_reasons: dict[str, int] = field(default_factory=dict)

    @property
    def acceptance_rate(self) -> float | None:
        return self.accepted / self.issued if self.issued else None

    @property
    def override_rate(self) -> float | None:
        return self.overridden / self.issued if self.issued else None

    @property
    def suggestion_acceptance_rate(self) -> float | None:
        if not self.suggestions_offered:
            return None
        return self.suggestions_accepted / self.suggestions_offered

    def as_dict(self) -> dict[str, object]:
        return {
            **asdict(self),
            "acceptance_rate": _round(self.acceptance_rate),
            "override_rate": _round(self.override_rate),
            "suggestion_acceptance_rate": _round(self.suggestion_acceptance_rate),
        }


@dataclass
class Report:
    since: datetime
    rows: list[ReportRow]
    unknown_card_feedback: dict[str, int]  # service → feedback items about unknown cards


def parse_since(value: str, *, now: datetime) -> datetime:
    """`30d`, `12h`, `2w`, `90m`, or an ISO 8601 date or time (UTC if no offset)."""
    match = _RELATIVE.match(value.strip())
    if match:
        return now - timedelta(**{_UNITS[match[2]]: int(match[1])})
    moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


async def build_report(engine: AsyncEngine, *, since: datetime) -> Report:
    c, f = issued_cards, feedback
    key_columns = (c.c.service_id, func.coalesce(c.c.topic, "(none)"), c.c.indicator)
    issued_query = (
        select(*key_columns, func.count(), func.coalesce(func.sum(c.c.suggestion_count), 0))
        .where(c.c.issued_at >= since)
        .group_by(*key_columns)
    )
    feedback_query = (
        select(
            *key_columns,
            c.c.card_uuid,
            f.c.outcome,
            f.c.reason_code,
            f.c.reason_display,
            f.c.accepted_suggestions,
        )
        .join(f, and_(f.c.card_uuid == c.c.card_uuid, f.c.service_id == c.c.service_id))
        .where(c.c.issued_at >= since)
    )
    unknown_query = (
        select(f.c.service_id, func.count())
        .where(f.c.card_known.is_(False), f.c.received_at >= since)
        .group_by(f.c.service_id)
    )
    async with engine.connect() as conn:
        issued_rows = (await conn.execute(issued_query)).all()
        feedback_rows = (await conn.execute(feedback_query)).all()
        unknown_rows = (await conn.execute(unknown_query)).all()

    rows: dict[tuple[str, str, str], ReportRow] = {}
    for service, topic, indicator, count, offered in issued_rows:
        rows[(service, topic, indicator)] = ReportRow(
            service, topic, indicator, issued=count, suggestions_offered=int(offered)
        )
    accepted: dict[tuple[str, str, str], set[str]] = {}
    overridden: dict[tuple[str, str, str], set[str]] = {}
    suggestions: dict[tuple[str, str, str], set[str]] = {}
    reasons: dict[tuple[str, str, str], Counter[str]] = {}
    for service, topic, indicator, card, outcome, code, display, taken in feedback_rows:
        key = (service, topic, indicator)
        if outcome == "accepted":
            accepted.setdefault(key, set()).add(card)
            suggestions.setdefault(key, set()).update(f"{card}/{s}" for s in taken or ())
        else:
            overridden.setdefault(key, set()).add(card)
            reasons.setdefault(key, Counter())[display or code or "(no reason)"] += 1
    for key, row in rows.items():
        row.accepted = len(accepted.get(key, ()))
        row.overridden = len(overridden.get(key, ()))
        row.suggestions_accepted = len(suggestions.get(key, ()))
        row.override_reasons = dict(reasons.get(key, Counter()).most_common())
    ordered = sorted(
        rows.values(), key=lambda r: (r.service, r.topic, -INDICATOR_RANK.get(r.indicator, 0))
    )
    return Report(since, ordered, {service: n for service, n in unknown_rows})


async def run_report(settings: Settings, *, since: datetime, fmt: Format, console: Console) -> None:
    """`cds-service report`: read the configured database (never migrates it) and print."""
    engine = create_engine(database_url(settings))
    try:
        report = await build_report(engine, since=since)
    finally:
        await engine.dispose()
    render(report, fmt, console)


def render(report: Report, fmt: Format, console: Console) -> None:
    if fmt == "json":
        document = {
            "since": report.since.isoformat(),
            "rows": [row.as_dict() for row in report.rows],
            "unknown_card_feedback": report.unknown_card_feedback,
        }
        console.file.write(orjson.dumps(document, option=orjson.OPT_INDENT_2).decode() + "\n")
    elif fmt == "csv":
        console.file.write(_csv(report.rows))
    else:
        console.print(_table(report))


_CSV_FIELDS = (
    "service",
    "topic",
    "indicator",
    "issued",
    "accepted",
    "overridden",
    "acceptance_rate",
    "override_rate",
    "suggestions_offered",
    "suggestions_accepted",
    "suggestion_acceptance_rate",
    "override_reasons",
)


def _csv(rows: list[ReportRow]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=_CSV_FIELDS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        values = row.as_dict()
        values["override_reasons"] = "; ".join(f"{r}={n}" for r, n in row.override_reasons.items())
        writer.writerow({name: values[name] for name in _CSV_FIELDS})
    return out.getvalue()


def _table(report: Report) -> Table:
    table = Table(title=f"Cards since {report.since:%Y-%m-%d %H:%M} UTC")
    for name in ("Service", "Topic", "Indicator"):
        table.add_column(name)
    for name in ("Issued", "Accepted", "Overridden", "Accept %", "Override %", "Suggest. %"):
        table.add_column(name, justify="right")
    table.add_column("Override reasons")
    for row in report.rows:
        table.add_row(
            row.service,
            row.topic,
            row.indicator,
            str(row.issued),
            str(row.accepted),
            str(row.overridden),
            _percent(row.acceptance_rate),
            _percent(row.override_rate),
            _percent(row.suggestion_acceptance_rate),
            ", ".join(f"{r} ({n})" for r, n in row.override_reasons.items()),
        )
    unknown = sorted(report.unknown_card_feedback.items())
    if unknown:
        table.caption = "Feedback for unknown cards: " + ", ".join(f"{s} {n}" for s, n in unknown)
    return table


def _percent(rate: float | None) -> str:
    return "–" if rate is None else f"{rate:.0%}"


def _round(rate: float | None) -> float | None:
    return None if rate is None else round(rate, 4)
