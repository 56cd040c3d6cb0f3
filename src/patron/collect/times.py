"""How the store's times and pages look: UTC-aware times, the current time, one page of results."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any


def aware(value: datetime | None) -> datetime | None:
    """Times come back naive from SQLite; the store keeps UTC, so say so."""
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def now() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)


@dataclass(frozen=True)
class Page:
    """One page of a search: the rows, how many match in all, and where the page starts."""

    items: list[Any]
    total: int
    page: int
    page_size: int
