"""Column types shared by the models.

SQLite has no timezone-aware timestamp: SQLAlchemy stores ``DateTime`` there as an ISO
string and drops the offset. :class:`UTCDateTime` therefore converts every value to UTC
on the way in (stored naive on SQLite, so that string order is time order) and returns
aware UTC datetimes on the way out, whatever the backend.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


def as_utc(value: datetime) -> datetime:
    """Return ``value`` as aware UTC; naive values are taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp that always goes in and comes out as timezone-aware UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        value = as_utc(value)
        if dialect.name == "sqlite":
            # A fixed naive format keeps lexical order equal to time order in SQLite.
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return as_utc(value)


# SQL NULL (not JSON 'null') for None, so "IS NULL" works on both backends.
JsonDoc = JSON(none_as_null=True)
