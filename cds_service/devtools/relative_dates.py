"""Relative dates in fixtures, so synthetic data never goes stale.

A JSON string that is exactly one of these tokens is replaced, relative to `now`:

    "{{now}}"          → now as an instant ("2026-11-21T06:00:00Z")
    "{{now-30d}}"      → 30 days before now (units: d, h, m, w)
    "{{now+1d}}"       → 1 day after now
    "{{today-5d}}"     → a date without time ("2026-11-16"), 5 days before today

    >>> from datetime import datetime, UTC
    >>> resolve({"effectiveDateTime": "{{now-2d}}"}, datetime(2026, 11, 21, tzinfo=UTC))
    {'effectiveDateTime': '2026-11-19T00:00:00Z'}
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

_TOKEN = re.compile(r"^\{\{(now|today)(?:([+-])(\d+(?:\.\d+)?)([dhmw]))?\}\}$")
_UNIT = {"d": "days", "h": "hours", "m": "minutes", "w": "weeks"}


def _render(match: re.Match[str], now: datetime) -> str:
    anchor, sign, amount, unit = match.groups()
    moment = now
    if sign:
        delta = timedelta(**{_UNIT[unit]: float(amount)})
        moment = now + delta if sign == "+" else now - delta
    if anchor == "today":
        return moment.date().isoformat()
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def resolve(data: Any, now: datetime) -> Any:
    """Return a copy of `data` with every relative-date token replaced."""
    if isinstance(data, str):
        match = _TOKEN.match(data)
        return _render(match, now) if match else data
    if isinstance(data, dict):
        return {key: resolve(value, now) for key, value in data.items()}
    if isinstance(data, list):
        return [resolve(item, now) for item in data]
    return data
