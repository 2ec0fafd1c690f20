"""An entry's date as both parsing paths read it: feedparser's date parsers, with the time
zones they misread written as the offsets they stand for.

feedparser's RFC 822 parser knows the zone names of RFC 822 itself (UT, GMT, the US
zones, MET and MEST) and a numeric offset; any other name it reads as UTC, so a feed of
Berlin's ("Tue, 17 Feb 2026 10:00:00 CET") dated its entries an hour late, one of Tokyo's
(JST) nine hours, Sydney's (AEDT) eleven. An offset written after "GMT" or "UTC" with a
one-digit hour ("GMT+2", "UTC+5:30") it reads as no date at all, so such an entry counted
as published when it was fetched: a feed's old entries were news on its first poll, and
keyword subscribers were told of them (``[delivery] notice_max_age_days`` goes by the
date). Here such a zone is written as its offset ("+0100") before feedparser reads the
date; any date feedparser reads right is handed to it unchanged.

Ambiguous names are read as news feeds mean them most often: IST as India's (+05:30, not
Ireland's or Israel's), BST as British Summer Time (+01:00, not Bangladesh's); CST and AST
stay feedparser's (the US and Atlantic zones).
"""

from __future__ import annotations

import re
import time
from typing import Any

from feedparser.datetimes import _parse_date

# Zone names feedparser's table lacks, as minutes east of UTC.
ZONE_MINUTES = {
    "wet": 0,
    "west": 60,
    "bst": 60,
    "cet": 60,
    "cest": 120,
    "eet": 120,
    "eest": 180,
    "msk": 180,
    "wat": 60,
    "cat": 120,
    "sast": 120,
    "eat": 180,
    "pkt": 300,
    "ist": 330,
    "ict": 420,
    "wib": 420,
    "hkt": 480,
    "sgt": 480,
    "pht": 480,
    "awst": 480,
    "jst": 540,
    "kst": 540,
    "acst": 570,
    "acdt": 630,
    "aest": 600,
    "aedt": 660,
    "nzst": 720,
    "nzdt": 780,
    "hst": -600,
    "akst": -540,
    "akdt": -480,
    "nst": -210,
    "ndt": -150,
    "brt": -180,
    "art": -180,
}
# A time of day, then the zone that ends the date: a name, or GMT/UTC/UT and an offset.
_ZONE_AFTER_TIME = re.compile(
    r"(?P<time>\d{1,2}:\d{2}(?::\d{2})?)\s*"
    r"(?:(?P<name>[A-Za-z]{3,4})|(?:GMT|UTC|UT)\s*(?P<sign>[+-])(?P<hours>\d{1,2})(?::?(?P<minutes>\d{2}))?)"
    r"\s*$",
    re.IGNORECASE,
)


def with_numeric_zone(text: str) -> str | None:
    """``text`` with a zone feedparser misreads written as its offset ("+0100"); None when
    there is none (the text is read as it is)."""
    m = _ZONE_AFTER_TIME.search(text)
    if m is None:
        return None
    if m.group("name") is not None:
        minutes = ZONE_MINUTES.get(m.group("name").lower())
        if minutes is None:
            return None  # feedparser's own (GMT, EST, MET, ...), or a name nobody knows
    else:
        hours, extra = int(m.group("hours")), int(m.group("minutes") or 0)
        if hours > 14 or extra > 59:
            return None
        minutes = (hours * 60 + extra) * (-1 if m.group("sign") == "-" else 1)
    sign = "-" if minutes < 0 else "+"
    offset = f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"
    return f"{text[: m.start()]}{m.group('time')} {offset}"


def feed_date(text: str | None) -> time.struct_time | None:
    """The UTC ``struct_time`` of a date as a feed writes it, or None (feedparser's date
    parsers, with :func:`with_numeric_zone`)."""
    if not text:
        return None
    result: time.struct_time | None = _parse_date(with_numeric_zone(text) or text)
    return result


def entry_date(raw: Any, parsed: Any) -> Any:
    """feedparser's parsed date of an entry (``parsed``), read again from its text
    (``raw``) when that names a zone feedparser misreads."""
    if isinstance(raw, str):
        mended = with_numeric_zone(raw)
        if mended is not None:
            return _parse_date(mended)
    return parsed
