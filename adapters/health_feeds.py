"""``storybot health``'s feeds line: feeds failing, gone, moved or read in part, and a
network outage.

Warnings all: a restart fixes neither a broken feed nor this machine's network. Each
feed is said in ``storybot feeds list``'s words, the first few of each kind named.
"""

from __future__ import annotations

from collections.abc import Callable

from adapters.health_findings import OK, WARNING, Finding, it_or_them
from bot.clock import utc
from bot.feed_text import gone_note, moved_note, part_note
from bot.model import Feed
from bot.polling import is_gone_error, is_local_url, is_outage_error, without_outage_note
from bot.render import counted, shorten, shown_text, shown_url


def failing(feeds: list[Feed], max_failures: int) -> Finding:
    """Feeds that failed more than ``max_failures`` polls in a row, the worst named; then
    the feeds that need an operator however few polls they failed: gone, moved and read
    in part.

    First, though, whether the last poll reached no server at all: this machine's
    network down (``bot.polling.NetworkWatch``), which is no failure of the feeds and
    does not count towards theirs, but stops polling all the same.

    A feed whose server answered 410 Gone at its last poll (``bot.polling.is_gone_error``)
    is said from its first such answer, with the command that removes it: a 410 is not
    a failure that passes, and the feed is polled, backing off, until it is removed. A
    feed that moved permanently (``Feed.moved_to``) works, through the redirect, so no
    failure would ever say it: it is said with the commands that switch it. A feed whose
    last read read only part of it (``Feed.read_in_part``) works too, and loses the
    entries past that part: it is said with the part. Each in ``storybot feeds list``'s
    words (:func:`bot.feed_text.gone_note`, ``moved_note``, ``part_note``), the first few
    of each kind named (``FEEDS_NAMED``).
    """
    gone = [f for f in feeds if is_gone_error(f.last_error)]
    moved = [f for f in feeds if f.moved_to]
    part = [f for f in feeds if f.read_in_part]
    down = network_down(feeds)
    found = [down.detail] if down is not None else []
    bad = sorted(
        (f for f in feeds if f.error_count > max_failures and not is_gone_error(f.last_error)),
        key=lambda f: -f.error_count,
    )
    polls = f"more than {counted(max_failures, 'consecutive poll')}"
    if bad and down is None:
        worst = bad[0]
        error = shorten(" ".join(shown_text(worst.last_error or "").split()), 80)
        which = ", the worst" if len(bad) > 1 else ":"
        found.append(
            f"{counted(len(bad), 'feed')} failing for {polls}{which} {shown_url(worst.url)} "
            f"({counted(worst.error_count, 'failure')}: {error}); "
            f"storybot feeds list shows {it_or_them(len(bad))}"
        )
    found += _named(gone, gone_note, "gone")
    found += _named(moved, moved_note, "moved permanently")
    found += _named(part, part_note, "read in part")
    if not found:
        return Finding("feeds", OK, f"none failing for {polls}")
    return Finding("feeds", WARNING, "; ".join(found))


FEEDS_NAMED = 3  # gone, moved or part-read feeds named in the feeds line, of each kind


def _named(feeds: list[Feed], note: Callable[[Feed], str], kind: str) -> list[str]:
    """``feeds`` each named with its ``note``, the first ``FEEDS_NAMED`` of them; the
    others counted ("and 2 more gone (storybot feeds list shows them)")."""
    said = [f"{shown_url(f.url)} {note(f)}" for f in feeds[:FEEDS_NAMED]]
    more = len(feeds) - FEEDS_NAMED
    if more > 0:
        said.append(f"and {more} more {kind} (storybot feeds list shows {it_or_them(more)})")
    return said


def network_down(feeds: list[Feed]) -> Finding | None:
    """A warning if the last poll of the internet's feeds reached no server.

    The feeds polled together share a poll time: the outage excused some of them if any
    bears its note (their others failed otherwise, a timeout, or were not yet evidence).
    Feeds on this side of the network (``bot.polling.is_local_url``) say nothing of it.
    """
    polled = [f for f in feeds if f.last_polled_at is not None and not is_local_url(f.url)]
    if not polled:
        return None
    at = max(utc(f.last_polled_at) for f in polled)  # type: ignore[arg-type]
    excused = [
        f
        for f in polled
        if utc(f.last_polled_at) == at and is_outage_error(f.last_error)  # type: ignore[arg-type]
    ]
    if not excused:
        return None
    last = excused[0]
    alike = sum(1 for f in polled if is_outage_error(f.last_error))
    error = shown_text(without_outage_note(last.last_error))
    return Finding(
        "feeds",
        WARNING,
        f"the last poll reached no feed's server ({counted(alike, 'feed')} failed alike, "
        f"the last {shown_url(last.url)}: {shorten(' '.join(error.split()), 80)}): is this machine's "
        "network down? The feeds are polled at their interval meanwhile",
    )
