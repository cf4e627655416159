"""The one place the service reads the time; tests and the CLI pass their own clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass(frozen=True)
class FixedClock:
    """A clock stopped at one instant (for `cds-service evaluate --now` and tests)."""

    instant: datetime

    def now(self) -> datetime:
        return self.instant
