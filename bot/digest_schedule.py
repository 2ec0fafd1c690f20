"""When a digest channel's next digest is due: a period after the last, or at a time of day.

``/story follow NAME digest HOURS`` alone counts each period from the follow or the last
digest. ``... digest HOURS at HH:MM`` pins the digests to the installation's wall clock
(``[delivery] timezone``): they are due at HH:MM and every HOURS after it, so
``digest 24 at 09:00`` is 09:00 each day and ``digest 12 at 08:00`` is 08:00 and 20:00.

The binding keeps an *anchor*: the first slot, as a local wall-clock time with no zone
(``Binding.digest_anchor``). Slots are the anchor plus whole periods counted on the local
wall clock, not in elapsed time, so 09:00 stays 09:00 across a daylight-saving change.
That holds for every period: one that divides a day (12, 6, 0.25 h) hits the same local
times each day, and one of whole days (48, 168 h) the same time every second day or
every week; any other period (5 h, 36 h) steps on from the anchor by the wall clock, so
the interval that spans a change is an hour longer or shorter in real time. A slot in the
hour skipped in spring comes at the same time after it by the clock (02:30 is due at
03:30); one in the hour repeated in autumn, at its first pass.

The anchor is read in the zone configured now: changing ``[delivery] timezone`` keeps
"09:00", in the new zone. It holds a date only so that periods longer than a day know
which days are theirs.

Pure: the clock's time and the zone are passed in.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone, tzinfo

from bot.clock import CLOCK_SET_BACK_SLACK
from bot.errors import UsageError
from bot.render import clip

DAY = timedelta(days=1)

# The one form ``at`` takes: 24-hour clock, hours with one or two digits, two of minutes
# ("9:00", "09:00", "17:30"). "9" and "9am" are refused rather than guessed at: "9" could
# be an hour or a period, and am/pm invites "12am" mistakes.
_AT = re.compile(r"(\d{1,2}):(\d{2})")
AT_FORM = "a time of day as HH:MM on the 24-hour clock, such as 09:00 or 17:30"


def parse_at(word: str) -> int:
    """The minute of the day ``word`` (``HH:MM``) names, or a usage error saying the form.

    Raises:
        UsageError: ``word`` is not ``H:MM`` or ``HH:MM`` from 00:00 to 23:59.
    """
    match = _AT.fullmatch(word.strip())
    if match:
        hour, minute = int(match.group(1)), int(match.group(2))
        if hour < 24 and minute < 60:
            return hour * 60 + minute
    raise UsageError(f"`at` takes {AT_FORM}, not '{clip(word, 30)}'.")


def at_text(minute: int) -> str:
    """A minute of the day as ``HH:MM``."""
    return f"{minute // 60:02d}:{minute % 60:02d}"


def zone_name(zone: tzinfo) -> str:
    """A zone as the config file names it ("Europe/Berlin", "UTC")."""
    return str(getattr(zone, "key", None) or zone.tzname(None) or "UTC")


def local(when: datetime, zone: tzinfo) -> datetime:
    """``when`` (aware) as a naive wall-clock time in ``zone``."""
    return when.astimezone(zone).replace(tzinfo=None)


def first_slot(at_minute: int, hours: float, now: datetime, zone: tzinfo) -> datetime:
    """The anchor of a follow made at ``now``: its first slot, a naive local time.

    The first of HH:MM today plus whole steps that is after ``now``, where a step is
    the period, or a day for a period of a day or more: ``digest 12 at 08:00`` followed at
    15:00 starts at 20:00; ``digest 24 at 09:00`` or ``digest 168 at 09:00`` followed at
    10:00, at 09:00 tomorrow (a weekly digest falls on that day of the week).
    """
    step = min(timedelta(hours=hours), DAY)
    today = local(now, zone).replace(hour=0, minute=0, second=0, microsecond=0)
    slot = today + timedelta(minutes=at_minute)
    # from a step before today's time on (a period under a day may have a slot earlier)
    slot -= step * ((slot - today) // step)
    while _instant(slot, zone) <= now:
        slot += step
    return slot


def next_due(
    anchor: datetime, hours: float, since: datetime, now: datetime, zone: tzinfo
) -> datetime:
    """When the digest after ``since`` (the last one, or the follow) is due, aware UTC.

    The first slot (``anchor`` plus whole periods on the local wall clock) later than
    ``since``, and none before the anchor: a follow's first digest is at its first slot,
    not at an earlier one its period would reach back to. An anchor more than a period
    ahead of ``now`` was set before the clock was set back; it then bounds nothing.
    """
    period = timedelta(hours=hours)
    slot = anchor
    if _instant(anchor, zone) > now + period + CLOCK_SET_BACK_SLACK:
        # the slots before the anchor are as good: step back to the one before since
        behind = (anchor - local(since, zone)) // period + 1
        slot = anchor - period * max(behind, 0)
    after = local(since, zone)
    if after >= slot:
        first = slot
        slot += period * ((after - slot) // period + 1)
        slot = _skipped_before(first, slot, period, since, zone)
    # local times lose which pass of an hour repeated in autumn they were: a slot whose
    # first pass is not later than since was had (a digest sent during the second pass,
    # catching up after a restart, covered it), so the next slot is due, not the slot's
    # second pass (a second digest minutes after the first)
    while True:
        due = _instant(slot.replace(fold=0), zone)
        if due > since:
            return due
        slot += period


def _skipped_before(
    first: datetime, slot: datetime, period: timedelta, since: datetime, zone: tzinfo
) -> datetime:
    """``slot`` (the first slot after ``since`` on the wall clock), or an earlier one in
    the hour the clocks skipped just before ``since`` that is still to come.

    A slot in the skipped hour is due an hour on by the clock (02:30 at 03:30), so when
    ``since`` is in the hour after the change its wall time is before ``since``'s and it
    is still ahead: a follow made at 03:00 gets that day's 02:30 at 03:30, not a period
    later. Only slots no earlier than ``first`` count, and only when the clock went
    forward in the day before ``since`` (the look back is as long as the jump was).
    """
    jump = _offset(since, zone) - _offset(since - DAY, zone)
    if jump <= timedelta(0):
        return slot
    after = local(since, zone)
    best, due = slot, _instant(slot, zone)
    earlier = slot - period
    while earlier >= first and earlier > after - jump:
        # slots in the skipped hour come later the later their wall time: keep the first
        when = _instant(earlier, zone)
        if since < when <= due:
            best, due = earlier, when
        earlier -= period
    return best


def _offset(when: datetime, zone: tzinfo) -> timedelta:
    """``zone``'s offset from UTC at ``when`` (aware)."""
    return when.astimezone(zone).utcoffset() or timedelta(0)


def _instant(wall: datetime, zone: tzinfo) -> datetime:
    """A naive local time in ``zone`` as aware UTC (a time skipped in spring: an hour on)."""
    return wall.replace(tzinfo=zone).astimezone(timezone.utc)


def shown_local(when: datetime, zone: tzinfo) -> str:
    """``when`` as replies show a local time: "2026-03-06 09:00 CET"."""
    return when.astimezone(zone).strftime("%Y-%m-%d %H:%M %Z")


def shown_span(start: datetime, end: datetime, zone: tzinfo) -> str:
    """From ``start`` to ``end`` as replies show local times, the date and the zone said
    once where they are the same: "2026-03-05 09:00 – 2026-03-06 09:00 CET",
    "2026-03-06 08:00 – 09:00 UTC"; "2026-03-28 09:00 CET – 2026-03-29 09:00 CEST" across a
    daylight-saving change."""
    first, last = start.astimezone(zone), end.astimezone(zone)
    if first.tzname() != last.tzname():
        return f"{shown_local(start, zone)} – {shown_local(end, zone)}"
    until = f"{last:%H:%M}" if first.date() == last.date() else f"{last:%Y-%m-%d %H:%M}"
    return f"{first:%Y-%m-%d %H:%M} – {until} {last:%Z}"


# A period that divides the day into at most this many slots names each of them ("at
# 03:00, 09:00, 15:00 and 21:00"): the time typed is one of them, and naming only the
# day's first would read as if it had been ignored
_SLOTS_NAMED = 4


def slots_text(anchor: datetime, hours: float) -> str | None:
    """The times of day a ``digest HOURS at HH:MM`` schedule posts at: every slot when
    the period divides the day into a few ("08:00 and 20:00"), the day's first when into
    more ("every 2 hours at 01:00"), the anchor's for whole days; None when the period
    neither divides the day nor is whole days (``digest 5 at 09:00``: its times move
    through the day, so no time of day names them)."""
    period = round(hours * 60)
    day = 24 * 60
    if abs(hours * 60 - period) >= 1e-9 or (day % period and period % day):
        return None
    first = at_of(anchor, hours)
    slots = day // period if period < day else 1
    if not 1 < slots <= _SLOTS_NAMED:
        return at_text(first)
    times = [at_text(first + n * period) for n in range(slots)]
    return f"{', '.join(times[:-1])} and {times[-1]}"


def at_of(anchor: datetime, hours: float) -> int:
    """The minute of the day a schedule is named by: the anchor's, or for a period that
    divides a day the day's first slot (``digest 12 at 20:00`` is "at 08:00")."""
    minute = anchor.hour * 60 + anchor.minute
    period = round(hours * 60)
    if hours < 24 and abs(hours * 60 - period) < 1e-9 and (24 * 60) % period == 0:
        return minute % period
    return minute
