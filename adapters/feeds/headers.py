"""Parse the HTTP caching and rate-limit headers that drive poll scheduling."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

_MAX_AGE = re.compile(r"(?:^|[,\s])max-age\s*=\s*\"?(\d+)", re.IGNORECASE)


def _http_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_retry_after(
    value: str | None, date_header: str | None = None, now: datetime | None = None
) -> float | None:
    """Parse ``Retry-After``: delta seconds or an HTTP date.

    Args:
        value: The header value.
        date_header: The response's ``Date`` header; a date-valued Retry-After is taken
            relative to it, which is immune to skew between our clock and the server's.
        now: Fallback reference time when there is no usable Date header.

    Returns:
        Seconds to wait (>= 0), or None if absent or unparseable.
    """
    if not value or not value.strip():
        return None
    text = value.strip()
    if text.isascii() and text.isdigit():  # "²" is a digit to isdigit(), no number to float()
        return float(text)
    when = _http_date(text)
    if when is None:
        return None
    reference = _http_date(date_header) or now or datetime.now(UTC)
    return max(0.0, (when - reference).total_seconds())


def parse_max_age(cache_control: str | None, age: str | None = None) -> float | None:
    """Return how many more seconds the response stays fresh: the Cache-Control header's
    ``max-age`` less its ``Age`` header (RFC 9111, 4.2.3), or None without a ``max-age``.

    A response a cache (a CDN) held for a while before it came is that much older: with
    ``max-age=3600`` and ``Age: 3500`` the feed is fresh again in 100 s, not in an hour.
    An ``Age`` that is no number of seconds is ignored; the result is never below 0.
    """
    if not cache_control:
        return None
    match = _MAX_AGE.search(cache_control)
    if not match:
        return None
    held = age.strip() if age else ""
    return max(0.0, float(match.group(1)) - (float(held) if held.isdigit() else 0.0))
