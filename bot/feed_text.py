"""What the commands say about the polled feeds: ``/story feeds`` and status's feed health.

A failing feed fails quietly (its story just stops hearing from that outlet), so the
status of every story ends with the feeds' health: how many are ok, failing or not
polled yet, the longest-failing few with their errors, the feeds whose URL redirects
permanently and those whose last read read only part of them (they work, so nothing
else would say it), and the headline-only items still waiting for their linked pages. ``/story feeds`` lists each feed with its state
and next poll, where a feed moved with the commands that switch it, that a feed's
server said it is gone for good (410) with the command that removes it, and that its
last read read only part of it (:func:`part_note`: the entries past it are lost, and a
working feed's state would never say it), and that the feed asked to be read less often
than its interval (:func:`asked_note`: its ``<ttl>`` or its server's max-age put its
next poll later than the interval shown beside it).

The operator's command line says the last two in words of its own (its commands, no
chat markup), once for ``storybot feeds list`` and ``storybot health``:
:func:`moved_note` and :func:`gone_note`.
"""

from __future__ import annotations

from bot.duration import duration
from bot.model import ASKED_BY_MAX_AGE, ASKED_BY_TTL, Feed, FeedStatus
from bot.polling import is_gone_error, is_outage_error, without_outage_note
from bot.ports import Store
from bot.render import clip, counted, format_time, say, shown_text, shown_url

FAILING_SHOWN = 3  # failing feeds named in the status's feed health
# How much of a moved feed's new address is shown (it came in a server's Location header)
_MOVED_SHOWN = 300
# How much of what part of a feed was read is shown (our words: about 150 characters)
_PART_SHOWN = 300
# How much of a feed's address the status's feed health shows: it names up to nine feeds
# and is never left out, so nine addresses of 2,048 characters would push the story's news
# out of one message (``/story feeds`` shows them whole)
_HEALTH_URL_SHOWN = 100


def feed_health(store: Store, platform: str | None = None) -> str:
    """The feed health that ends ``/story status`` (one line, then one per problem)."""
    counts = store.feed_status_counts()
    if not sum(counts.values()):
        return f"Feeds: none yet (add one with `{_feeds_add(platform)}`)."
    ok, failing, new = (counts[FeedStatus.OK], counts[FeedStatus.ERROR], counts[FeedStatus.NEW])
    line = f"Feeds: {ok} ok, {failing} failing, {new} not polled yet."
    shown = store.failing_feeds(FAILING_SHOWN)
    for f in shown:
        count, error = _failures(f)
        line += f"\n  failing: {_health_url(f.url)} ({count}): {clip(shown_text(error), 120)}"
    # the count says how many fail: never let the lines seem to be all of them
    if failing > len(shown):
        line += f"\n  … and {failing - len(shown)} more failing (`/story feeds` shows each feed and its last error)."
    # working feeds polled through a redirect: their state says nothing of it
    moved = store.moved_feeds(FAILING_SHOWN + 1)
    line += _named_working_feeds(
        "moved permanently",
        [f"{_health_url(f.url)} to {_health_url(f.moved_to or '')}" for f in moved],
        f"`/story feeds` says how to switch {'it' if len(moved) == 1 else 'them'}",
    )
    # working feeds whose last read lost the entries past what it read: likewise
    part = store.feeds_read_in_part(FAILING_SHOWN + 1)
    line += _named_working_feeds(
        "read in part",
        [_health_url(f.url) for f in part],
        "the entries past the part read are lost: `/story feeds` says which part",
    )
    waiting = store.count_page_waits()
    if waiting:  # [pages]: their sites failed in a way that may pass
        line += (
            "\n  1 headline-only item waits for its linked page, which could not be read yet."
            if waiting == 1
            else f"\n  {waiting} headline-only items wait for their linked pages, which "
            "could not be read yet."
        )
    return line


def _named_working_feeds(what: str, shown: list[str], why: str) -> str:
    """The feed health's lines of working feeds with something to say (``shown``: up to
    one more than ``FAILING_SHOWN``, so that "… and more" knows there are more), and
    ``why`` it matters once after them; "" for none."""
    if not shown:
        return ""
    lines = "".join(f"\n  {what}: {text}" for text in shown[:FAILING_SHOWN])
    more = f"\n  … and more {what}" if len(shown) > FAILING_SHOWN else ""
    return f"{lines}{more} ({why})."


def _health_url(url: str) -> str:
    """A feed's address as the feed health names it: whole when short, else its start
    (scheme and host) and its end (the feed's file) around an ellipsis."""
    url = " ".join(shown_url(url).split())
    if len(url) <= _HEALTH_URL_SHOWN:
        return url
    tail = _HEALTH_URL_SHOWN // 3
    return f"{url[: _HEALTH_URL_SHOWN - tail - 1]}…{url[-tail:]}"


def feeds_list(store: Store, platform: str | None = None) -> str:
    """``/story feeds``: each polled feed (the first 50) with its state and next poll."""
    feeds = store.list_feeds()
    if not feeds:
        return f"No feeds yet. Admins add one with `{_feeds_add(platform)}`."
    lines = [f"{counted(len(feeds), 'feed')}:"]
    for f in feeds[:50]:
        state = f.status.value
        if f.status is FeedStatus.ERROR:
            count, error = _failures(f)
            # the count is of failures in a row: since the last good read, or, for a
            # feed never read, since it was added
            since = (
                f"last read {format_time(f.last_ok_at)}"
                if f.last_ok_at
                else "never read since it was added"
            )
            state += f" ({count}; {since}): {clip(shown_text(error), 100)}"
        # an untitled feed (not fetched yet, or no <title>) is named by its URL once
        # a key in the URL is hidden: everyone in the channel may list the feeds
        named = f"{f.title} <{shown_url(f.url)}>" if f.title else f"<{shown_url(f.url)}>"
        # last: it names two commands, and the feed's state and next poll read first
        moved = f" · {moved_hint(f, platform)}" if f.moved_to else ""
        gone = f" · {gone_hint(f, platform)}" if is_gone_error(f.last_error) else ""
        part = f" · {part_note(f)}" if f.read_in_part else ""
        asked = f" · {note}" if (note := asked_note(f)) else ""
        lines.append(
            f"• #{f.id} {named} · {state} · next poll {format_time(f.next_poll_at)}"
            f"{asked}{part}{gone}{moved}"
        )
    if len(feeds) > 50:
        lines.append(f"… and {len(feeds) - 50} more (`storybot feeds list` shows all).")
    return "\n".join(lines)


def moved_hint(f: Feed, platform: str | None) -> str:
    """What a feed that moved permanently (``Feed.moved_to``) is told with: where to, and
    the commands that switch it, as users on ``platform`` type them.

    The feed keeps working through the redirect, so its state alone would never say
    it; the URL is not switched for the admins (a 301 may be a misconfigured server's,
    and the new address one they would not poll): removing the feed and adding the new
    address keeps its items.
    """
    new = clip(shown_url(f.moved_to or ""), _MOVED_SHOWN)
    add = say(platform, f"/story feeds add {new}", f"/story feeds add url:{new}")
    return (
        f"moved permanently to <{new}>: admins switch it with `{_feeds_remove(f, platform)}` "
        f"then `{add}` (its items are kept)"
    )


def gone_hint(f: Feed, platform: str | None) -> str:
    """What a feed whose server answered 410 Gone (:func:`bot.polling.is_gone_error`) is
    told with: that it is still polled, and the command that removes it.

    Its state says "HTTP 410 Gone", clipped with the rest of its error; a 410 is not a
    failure that passes, yet the feed is polled for ever (backing off): whether the
    feed is really gone, and so removed, is the admins' call.
    """
    return (
        "gone for good (its server answered 410) but still polled: admins remove it with "
        f"`{_feeds_remove(f, platform)}`"
    )


def moved_note(f: Feed) -> str:
    """Where a feed that moved permanently (``Feed.moved_to``) went, and the commands that
    switch it, as the operator's command line says it (``storybot feeds list``,
    ``storybot health``); :func:`moved_hint` is chat's."""
    new = shown_url(f.moved_to or "")
    return (
        f"moved permanently to {new}: storybot feeds remove #{f.id} "
        f"then storybot feeds add {new} keeps its items"
    )


def gone_note(f: Feed) -> str:
    """That a feed's server answered 410 Gone and the command that removes it, as the
    operator's command line says it; :func:`gone_hint` is chat's."""
    return (
        "gone for good (its server answered 410) but still polled: "
        f"storybot feeds remove #{f.id} removes it"
    )


def part_note(f: Feed) -> str:
    """That a feed's last read read only part of it (``Feed.read_in_part``), and which:
    said alike in chat (``/story feeds``) and on the operator's command line
    (``storybot feeds list``, ``storybot health``), as it names no command."""
    return f"read in part: {clip(f.read_in_part or '', _PART_SHOWN)}"


# What asked a feed to be read less often (``Feed.asked_by``), as the note names it
_ASKED_BY = {
    ASKED_BY_TTL: "its <ttl>",
    ASKED_BY_MAX_AGE: "its server's Cache-Control: max-age",
}


def asked_note(f: Feed) -> str | None:
    """Why a working feed's next poll is later than its interval, when the feed asked for
    it (``Feed.asked_s``, ``asked_by``): "the feed asks to be read at most every 24 h (its
    <ttl>)"; None when its own interval (or a failure's back-off, which its error says)
    set it.

    Said alike in chat and on the operator's command line, as it names no command. A
    wait longer than storybot's longest (``[polling] max_interval_s``, a day) is said
    with the wait it got (the next poll is then sooner than the feed asked); an interval
    raised since past the wait asked makes the note moot, and it is not said.
    """
    if f.status is not FeedStatus.OK or not f.asked_s or f.asked_s <= f.interval_s:
        return None
    note = f"the feed asks to be read at most every {duration(f.asked_s)}"
    if f.asked_by in _ASKED_BY:
        note += f" ({_ASKED_BY[f.asked_by]})"
    if f.last_polled_at is not None:
        waits = (f.next_poll_at - f.last_polled_at).total_seconds()
        if 0 < waits < f.asked_s - 1:
            note += f"; storybot waits no more than {duration(waits)}"
    return note


def _feeds_remove(f: Feed, platform: str | None) -> str:
    """The command that removes feed ``f``, as users on ``platform`` type it."""
    return say(platform, f"/story feeds remove #{f.id}", f"/story feeds remove url:#{f.id}")


def _failures(f: Feed) -> tuple[str, str]:
    """How a failing feed's failures are counted in a reply, and its error to show.

    A failure this machine's network outage excused is not the feed's (its count stays
    0): the reply says the network seems down, first, where a clipped error would cut
    the outage's note off and leave an unexplained "failed 0× in a row".
    """
    if is_outage_error(f.last_error):
        return "network down?", without_outage_note(f.last_error)
    return f"failed {f.error_count}× in a row", f.last_error or ""


def _feeds_add(platform: str | None) -> str:
    """The command that adds a feed, as users on ``platform`` write it."""
    return say(platform, "/story feeds add URL", "/story feeds add url:URL")
