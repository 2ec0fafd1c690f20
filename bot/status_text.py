"""What ``/story status`` and ``/story developments`` say about a story's developments.

Both list developments as the same entries: number, headline and date of the first
report ("first reported …", the outlets' clock, where status's "last report fetched …" is
storybot's); a lead (the first sentence of the summary, with the outlet and link it comes
from); the count of reports and their outlets. Each reply must fit one Discord embed
(:data:`STATUS_BODY_MAX`), and they make room differently:

- ``status`` shows the latest five developments whole and drops the oldest of them until
  the feed health and any delivery failure at its end fit; a line counts every
  development it leaves out and names the command that lists them.
- ``developments`` always lists :data:`DEVELOPMENTS_PAGE` entries a page, so the pages
  are numbered the same whatever they hold: entries shorter than an equal share of the
  page leave the rest to longer ones, and an entry too long for its share gives up room
  in a fixed order (see :func:`_status_entry`). A development later reports added facts
  to tells the newest of them and when it was updated: the page is where a digest sends
  readers for every updated development (status tells the latest few).

Pure: the handlers in ``bot.status_commands`` read the store and pass what they read in.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta, timezone, tzinfo

from bot.digest import digest_due
from bot.digest_schedule import shown_local, slots_text, zone_name
from bot.digest_text import DigestUpdate
from bot.duration import every as every_period
from bot.engine.sentences import split_sentences
from bot.model import Binding, DeliveryMode, Development, Story, digest_hours_in_range
from bot.ports import DevelopmentUpdate, StoryStats
from bot.render import (
    STATUS_UPDATES_MAX,
    clip,
    counted,
    developments_command,
    format_time,
    period_text,
    reader_url,
    repeats_headline,
    say,
    shorten,
    source_list,
)
from bot.thread_notes import fact_beyond, fact_text

# Developments a page of /story developments shows. A fixed size keeps the pages numbered
# the same whatever they hold; five are what /story status fits in one Discord embed with
# each lead whole (see STATUS_BODY_MAX), where ten such entries would take about twice
# that. An entry too long for its share of the page gives up room (see _status_entry).
DEVELOPMENTS_PAGE = 5

# The heading of /story status's developments: their lead sentences, and what later
# reports added to older ones, newest first, are the short "what's new" of the story (one
# line each, not repeated in another paragraph).
STATUS_NEWS_HEADING = "What's new (latest first):"

# Developments /story status tells as updated (what later reports added, see
# recent_updates), at most: STATUS_UPDATES_MAX (bot.render, which digests name too); and
# the development updates it reads to find them: the newest, however many the story has
# (Store.latest_development_updates)
STATUS_UPDATE_ROWS = 200

# A story whose newest news (a development's first report, an update's report) is older
# than this says for how long it has had none ("Nothing new for 6 days; ...")
STATUS_QUIET_AFTER = timedelta(days=1)

# characters of the body of /story status (all but its title line): one Discord embed
# description (4,096) with room for the backslashes Markdown escaping adds
STATUS_BODY_MAX = 3600

# characters of a development's lead sentence in /story status: whole for nearly every
# sentence the summariser keeps (at most 60 words), yet five developments, their links
# and the feed health stay within one Discord embed
STATUS_LEAD_MAX = 300

# An entry of /story developments with too little room for it (see _status_entry) cuts
# its lead sentence and its new fact to no less than this, then the outlets' names to this
ENTRY_LEAD_MIN = 80
ENTRY_OUTLET_MAX = 40


def status_lines(
    story: Story,
    stats: StoryStats,
    seed: Development | None,
    latest: list[Development],
    tail: list[str],
    platform: str | None,
    updates: Sequence[DigestUpdate] = (),
    now: datetime | None = None,
) -> list[str]:
    """The lines of ``/story status``: its title line, then its body.

    "What's new" lists the latest developments and the developments later reports added
    facts to (``updates``, see :func:`recent_updates`) as one list, newest news first: a
    development by its first report, an update by its newest report. A development that
    has an update is listed once, as updated. When the newest of them is older than
    :data:`STATUS_QUIET_AFTER` (by ``now``), a line under the heading says for how long
    nothing new came.

    Args:
        story: The story.
        stats: Its counts (``Store.story_stats``).
        seed: Its development 0 (the seed story), if stored.
        latest: Its latest new developments, newest first (at most five).
        tail: The lines that end the status and are never left out: the feed health,
            this channel's follow, a delivery failure.
        platform: Whose form of the commands the lines name.
        updates: What later reports added to its developments (:func:`recent_updates`).
        now: The time of the reply (no quiet-spell line without it).
    """
    lines = [f"{story.title} ({story.name})"]
    lines.append(
        f"{counted(len(story.seeds), 'seed article')} · {counted(stats.items_on_topic, 'report')} from "
        f"{counted(stats.sources, 'source')} · {counted(stats.copies, 'copy', 'copies')} folded · "
        f"{counted(stats.developments, 'new development')} · "
        + (
            f"last report fetched {format_time(stats.last_item_at)}"
            if stats.last_item_at
            else "no report yet"
        )
    )
    if seed and seed.item_count:
        lines.append(
            f"The seed story has been reported {counted(seed.item_count, 'time')}"
            + (f" ({source_list(seed.sources)})" if seed.sources else "")
        )
    news = _news(latest, updates)
    quiet = _quiet_line(news[0][0], now) if news and now else None
    head = [*lines, *([quiet] if quiet else [])]
    # The oldest news gives way before the feed health and a delivery failure at the end
    # would be cut off (one Discord embed, see STATUS_BODY_MAX); room is kept for the
    # line counting the older developments, with every development counted. Dropping the
    # oldest keeps the developments listed the newest ones, as the count's page assumes.
    most = _older_line(stats.developments, len(latest), story.name, platform)
    while len(news) > 1 and _status_size(head, [e for *_, e in news], tail, most) > STATUS_BODY_MAX:
        news.pop()
    numbers = {number for _, number, _ in news}
    # the older ones: left out for room, and those beyond the latest five
    hidden = max(0, stats.developments - len(numbers))
    if news:
        lines += ["", STATUS_NEWS_HEADING, *([quiet] if quiet else [])]
        lines += [line for *_, e in news for line in e]
        if hidden:
            # the page after the latest developments listed (all five: page 2)
            shown = sum(1 for d in latest if d.number in numbers)
            lines.append(_older_line(hidden, shown, story.name, platform))
    else:
        lines.append("No new developments yet beyond the seed story.")
    return lines + tail


def recent_updates(
    rows: Sequence[DevelopmentUpdate],
    since: datetime | None,
    most: int = STATUS_UPDATES_MAX,
) -> list[tuple[int, list[DevelopmentUpdate]]]:
    """The developments the latest updates added facts to, for ``/story status``.

    Args:
        rows: The story's latest development updates, newest commit first
            (``Store.latest_development_updates``).
        since: Only reports after this count (the first report of the oldest development
            status lists: older news is not "what's new"); None: all of ``rows``.
        most: How many developments, at most.

    Returns:
        Up to ``most`` developments (not the seed story) with at least one fact among
        those reports, each with its rows in commit order, the one with the newest
        report first. Reports that added no fact (a copy of the wire story) are counted
        beside a fact, but alone they make no update, as in digests.
    """
    by_number: dict[int, list[DevelopmentUpdate]] = {}
    for u in rows:
        if u.number > 0 and u.reported_at is not None and (since is None or u.reported_at > since):
            by_number.setdefault(u.number, []).append(u)
    found = [
        (number, list(reversed(found)))
        for number, found in by_number.items()
        if any(u.fact is not None for u in found)
    ]
    found.sort(key=lambda f: max(u.reported_at for u in f[1] if u.reported_at), reverse=True)
    return found[:most]


def status_update(dev: Development, rows: Sequence[DevelopmentUpdate]) -> DigestUpdate:
    """What ``rows`` (one development's, in commit order, see :func:`recent_updates`)
    added to ``dev``, as a digest's update carries it."""
    return DigestUpdate(
        dev,
        sum(u.reports for u in rows),
        tuple(dict.fromkeys(u.source for u in rows if u.reports and u.source)),
        tuple(dict.fromkeys((u.fact, u.url) for u in rows if u.fact is not None)),
        tuple(sorted(u.reported_at for u in rows if u.reported_at is not None)),
    )


def _news(
    latest: Sequence[Development], updates: Sequence[DigestUpdate]
) -> list[tuple[datetime, int, list[str]]]:
    """Status's entries, newest news first: (its time, its development's number, lines)."""
    updated = {u.development.number for u in updates}
    news = [
        (_first_report(d), d.number, _status_entry(d)) for d in latest if d.number not in updated
    ]
    news += [
        (
            u.reported[-1] if u.reported else _first_report(u.development),
            u.development.number,
            _update_entry(u),
        )
        for u in updates
    ]
    # stable: a tie keeps the developments' own order, newest first
    news.sort(key=lambda n: n[0], reverse=True)
    return news


def _first_report(dev: Development) -> datetime:
    return dev.first_reported_at or dev.created_at


def _update_entry(update: DigestUpdate) -> list[str]:
    """An updated development's lines in ``/story status``: its number, headline and the
    time of its newest report, then its first report's; the newest fact later reports
    added, with its report's link; how many reports added to it, and from whom."""
    dev = update.development
    newest = update.reported[-1] if update.reported else None
    lines = [
        f"{dev.number}. {clip(dev.headline, 120)} (updated {format_time(newest)}; "
        f"first reported {format_time(_first_report(dev))})"
    ]
    fact, url = update.facts[-1] if update.facts else ("", "")
    link = reader_url(url) if url else None
    if fact:
        lines.append(
            f"   New: {clip(fact_text(fact), STATUS_LEAD_MAX)}" + (f" <{link}>" if link else "")
        )
    more = counted(update.reports, "more report") if update.reports else ""
    if more and (named := source_list(update.sources)):
        more += f" ({named})"
    lines.append(
        "   " + " · ".join(p for p in (more, f"{counted(dev.item_count, 'report')} in all") if p)
    )
    return lines


def _quiet_line(newest: datetime, now: datetime) -> str | None:
    """ "Nothing new for 6 days; last: 2026-03-14 09:00 UTC." when the newest news is
    older than :data:`STATUS_QUIET_AFTER`, else None."""
    quiet = now - newest
    if quiet <= STATUS_QUIET_AFTER:
        return None
    return f"Nothing new for {counted(quiet // timedelta(days=1), 'day')}; last: {format_time(newest)}."


def follow_line(binding: Binding, now: datetime, zone: tzinfo = timezone.utc) -> str:
    """The status's line saying that the channel asking follows the story, and how."""
    if binding.mode is DeliveryMode.REALTIME:
        return "This channel follows this story (realtime)."
    every = digest_every(binding.digest_hours, binding.digest_anchor, zone)
    return f"This channel follows this story ({every}{next_digest(binding, now, zone)})."


def no_follow_line(story_name: str, platform: str | None) -> str:
    """The status's line for a channel that follows no story: how it gets the story's
    alerts (an admin's ``/story follow NAME`` there), as users on ``platform`` type it."""
    follow = say(platform, f"/story follow {story_name}", f"/story follow story:{story_name}")
    return f"This channel follows no story: admins get its alerts here with `{follow}`."


def console_no_follow_line(story_name: str) -> str:
    """The console's status line for a story it does not follow (see
    :func:`no_follow_line`): how it gets the story's alerts again, after an ``unfollow``."""
    return (
        f"The console does not follow this story: `/story follow {story_name}` has "
        "`storybot run` print its alerts."
    )


def digest_every(hours: float, anchor: datetime | None = None, zone: tzinfo = timezone.utc) -> str:
    """A binding's stored digest period as the digests really come ("a digest every 168
    hours" for ``inf``, see :func:`digest_hours_in_range`): what ``/story status`` and
    ``/story follow`` say, in minutes under an hour (:func:`bot.render.period_text`:
    "a digest every 15 minutes"); with its time of day, for ``digest HOURS at HH:MM`` (``anchor``,
    see :mod:`bot.digest_schedule`): "a digest every 24 hours at 09:00 Europe/Berlin", "a
    digest every 12 hours at 08:00 and 20:00 UTC"."""
    hours = digest_hours_in_range(hours)
    every = f"a digest {every_period(period_text(hours))}"
    if anchor is None:
        return every
    slots = slots_text(anchor, hours)
    if slots is None:
        return f"{every}, at times that move through the day"
    return f"{every} at {slots} {zone_name(zone)}"


def next_digest(binding: Binding, now: datetime, zone: tzinfo = timezone.utc) -> str:
    """ "; next at 2026-03-06 09:00 CET" for a digest channel (its next slot, or a period
    after its last digest or the follow), else ""."""
    if binding.mode is not DeliveryMode.DIGEST:
        return ""
    due = digest_due(binding, now, zone)
    return f"; next at {shown_local(max(due or now, now), zone)}"


def developments_body(
    story_name: str,
    devs: list[Development],
    total: int,
    page: int,
    pages: int,
    platform: str | None,
    updates: Sequence[DevelopmentUpdate] = (),
) -> list[str]:
    """The body of one page of ``/story developments`` (all but its title line).

    A development later reports added facts to says so in its entry: when it was updated
    (its newest report's time, as ``/story status`` dates an update) and the newest fact,
    with the link of the report that brought it (see :func:`page_news`).

    Args:
        story_name: The story's name, for the commands the footer names.
        devs: The page's developments, newest first.
        total: How many new developments the story has.
        page: This page's number, from 1.
        pages: How many pages there are.
        platform: Whose form of the commands the footer names.
        updates: What later commits added to the page's developments, in commit order
            (``Store.development_updates``).
    """
    heading = f"{counted(total, 'development')} after the seed story, newest first:"
    footer = _page_footer(story_name, page, pages, platform)
    news = page_news(updates)
    # The page always holds DEVELOPMENTS_PAGE entries (the next page starts where this one
    # ends) and fits one Discord embed: entries that need less than an equal share leave
    # the rest to those that need more, and an entry over its share gives up room.
    room = STATUS_BODY_MAX - _chars([heading, *footer]) - len(devs)
    whole = [_entry_lines(d, new=news.get(d.number)) for d in devs]
    cap = _share_cap([_chars(lines) for lines in whole], room)
    entries = [
        lines if cap is None or _chars(lines) <= cap else _status_entry(d, cap, news.get(d.number))
        for d, lines in zip(devs, whole, strict=True)
    ]
    return [heading, *(line for e in entries for line in e), *footer]


# A development's newest fact as its entry in /story developments tells it: the fact, its
# report's link ("" if none), and when the development was last updated (None: unknown)
EntryNews = tuple[str, str, datetime | None]


def page_news(updates: Sequence[DevelopmentUpdate]) -> dict[int, EntryNews]:
    """What ``/story developments`` tells of each development later reports added to.

    Args:
        updates: Development updates, in commit order (``Store.development_updates``).

    Returns:
        By development number (the seed story left out), its newest fact, its report's
        link and the time of its newest report (fact or not, as status's "updated").
        Reports that added no fact (a copy of the wire story) alone make no update, as in
        digests and status.
    """
    facts: dict[int, tuple[str, str]] = {}
    newest: dict[int, datetime] = {}
    for u in updates:
        if u.number <= 0:
            continue
        if u.fact is not None:
            facts[u.number] = (u.fact, u.url)
        if u.reported_at is not None and (
            u.number not in newest or u.reported_at > newest[u.number]
        ):
            newest[u.number] = u.reported_at
    return {n: (fact, url, newest.get(n)) for n, (fact, url) in facts.items()}


def _share_cap(sizes: list[int], room: int) -> int | None:
    """The most characters an entry may take so that entries of ``sizes`` fit ``room``
    together, the shorter ones whole (None: all fit whole)."""
    if sum(sizes) <= room:
        return None
    left = room
    ordered = sorted(sizes)
    for k, size in enumerate(ordered):
        share = left // (len(ordered) - k)
        if size > share:
            return share
        left -= size
    return None


def _status_entry(
    dev: Development, room: int | None = None, new: EntryNews | None = None
) -> list[str]:
    """A development's lines in ``/story status`` and ``/story developments``.

    Its number, headline and first-report date (and its last update's, with ``new``); its
    lead (see :func:`_lead`); with ``new``, the newest fact later reports added; its
    reports and outlets.

    Args:
        dev: The development.
        room: If given, the most characters the lines may take, joined by newlines. What
            does not fit gives way in this order: the lead and the new fact are cut at a
            word ("…"), sharing what room is left, to no less than ``ENTRY_LEAD_MIN``
            each; outlet names are cut to ``ENTRY_OUTLET_MAX``; the links are left out (a
            cut link would be a broken one); as a last resort, each line is cut.
        new: What later reports added (:func:`page_news`), if anything.
    """
    lines = _entry_lines(dev, new=new)
    if room is None or _chars(lines) <= room:
        return lines
    sentence = len(_lead_sentence(dev))
    fact = len(clip(fact_text(told), STATUS_LEAD_MAX)) if (told := _told_fact(dev, new)) else 0
    for outlet_max, links in ((None, True), (ENTRY_OUTLET_MAX, True), (ENTRY_OUTLET_MAX, False)):
        lines = _entry_lines(dev, outlet_max=outlet_max, links=links, new=new)
        over = _chars(lines) - room
        if over <= 0:
            return lines
        lead_max, fact_max = _cut_shares(sentence, fact, sentence + fact - over)
        if lead_max >= min(sentence, ENTRY_LEAD_MIN) and fact_max >= min(fact, ENTRY_LEAD_MIN):
            return _entry_lines(
                dev, lead_max, outlet_max=outlet_max, links=links, new=new, fact_max=fact_max
            )
    share = max(2, (room - len(lines) + 1) // len(lines))
    return [shorten(line, share) for line in lines]


def _cut_shares(lead: int, fact: int, budget: int) -> tuple[int, int]:
    """Characters for a lead of ``lead`` and a fact of ``fact`` in ``budget`` together:
    equal halves, a shorter one whole and the rest to the other."""
    half = budget // 2
    if lead <= half:
        return lead, budget - lead
    if fact <= half:
        return budget - fact, fact
    return half, budget - half


def _entry_lines(
    dev: Development,
    lead_max: int = STATUS_LEAD_MAX,
    *,
    outlet_max: int | None = None,
    links: bool = True,
    new: EntryNews | None = None,
    fact_max: int = STATUS_LEAD_MAX,
) -> list[str]:
    # Two clocks, each named: a development is dated when the outlets first reported it
    # (its earliest report's publication, else fetch, time), as its alert is; status's
    # "last report fetched" is when storybot last read one, which a backlog poll or a
    # feed's wrong dates set far from any publication.
    when = format_time(dev.first_reported_at or dev.created_at)
    updated = f"updated {format_time(new[2])}; " if new and new[2] else ""
    lines = [f"{dev.number}. {clip(dev.headline, 120)} ({updated}first reported {when})"]
    lead, link = _lead(dev, lead_max, outlet_max=outlet_max, links=links)
    if lead:
        lines.append(f"   {lead}")
    if fact := _told_fact(dev, new):
        shown = reader_url(new[1]) if new and new[1] and links else None
        lines.append(
            f"   New: {clip(fact_text(fact), fact_max)}" + (f" <{shown}>" if shown else "")
        )
    sources = [clip(s, outlet_max) for s in dev.sources] if outlet_max else dev.sources
    src = source_list(sources)
    lines.append(
        f"   {counted(dev.item_count, 'report')}"
        + (f" · {src}" if src else "")
        + (f" <{link}>" if link else "")
    )
    return lines


def _told_fact(dev: Development, new: EntryNews | None) -> str:
    """What an entry's "New:" line tells of the newest fact ("": no line).

    The report that brought it may also have given the summary its first sentence: the
    lead shows that sentence with that outlet and link, so the line tells only the
    fact's sentences after it (none: no line; the entry's "updated" still says when).
    """
    if not new:
        return ""
    if not dev.citations or repeats_headline(dev.citations[0].sentence, dev.headline):
        return new[0]  # no lead shown
    cited = dev.citations[0]
    return fact_beyond(new[0], cited.source, cited.sentence) or ""


def _chars(lines: list[str]) -> int:
    return len("\n".join(lines))


def _status_size(head: list[str], entries: list[list[str]], tail: list[str], older: str) -> int:
    """The characters of a status body made of these lines (its title line left out;
    ``head``'s last line goes under the heading: the quiet-spell line, if any)."""
    body = [*head[1:], "", STATUS_NEWS_HEADING, *(line for e in entries for line in e)]
    return len("\n".join([*body, older, *tail]))


def _older_line(n: int, shown: int, story_name: str, platform: str | None) -> str:
    """Status's count of the developments it leaves out, with the command that lists them.

    The command names the page that starts with the first one left out: status showed
    ``shown`` developments, newest first, as ``developments`` pages do, so after a whole
    page of them page 1 would only repeat what status just said.
    """
    page = shown // DEVELOPMENTS_PAGE + 1
    command = developments_command(story_name, platform, page if page > 1 else None)
    return f"… and {counted(n, 'older development')}: `{command}`"


def _lead(
    dev: Development,
    limit: int = STATUS_LEAD_MAX,
    *,
    outlet_max: int | None = None,
    links: bool = True,
) -> tuple[str, str | None]:
    """A development's lead for ``/story status``, and the link for its reports line.

    The lead is the first sentence of its summary, kept whole up to ``limit``
    (``STATUS_LEAD_MAX``), followed by the outlet it was taken from and that report's
    link, so the link next to the sentence is the one that says it (the summary may
    quote a later report than the first reporter). A summary stored without citations
    keeps the first reporter's link on the reports line, after the outlets it names.
    Links are shown as readers follow them, without the feed's tracking parameters
    (:func:`bot.render.reader_url`).
    ``outlet_max`` cuts the outlet's name; ``links=False`` leaves both links out.
    """
    lead = _lead_sentence(dev, limit)
    if repeats_headline(lead, dev.headline):
        # no sentence beyond the headline: no lead, and the link goes on the reports line
        cited_url = dev.citations[0].url if dev.citations else None
        first = cited_url or (dev.links[0][1] if dev.links else None)
        return "", reader_url(first) if first and links else None
    if dev.citations:
        cited = dev.citations[0]
        source = clip(cited.source, outlet_max) if outlet_max else cited.source
        url = reader_url(cited.url) if links and cited.url else None
        by = " ".join(part for part in (source, url and f"<{url}>") if part)
        return (f"{lead} — {by}" if by else lead), None
    first = reader_url(dev.links[0][1]) if dev.links and links else None
    return lead, first


def _lead_sentence(dev: Development, limit: int = STATUS_LEAD_MAX) -> str:
    """The sentence a development's lead quotes, in at most ``limit`` characters."""
    if dev.citations:
        return clip(dev.citations[0].sentence, limit)
    return _first_sentence(dev.summary, limit) if dev.summary else ""


def _first_sentence(text: str, limit: int = 250) -> str:
    # the engine's splitter knows "U.S." and "Mr." do not end a sentence
    sentences = split_sentences(text)
    return clip(sentences[0], limit) if sentences else ""


def _page_footer(story_name: str, page: int, pages: int, platform: str | None) -> list[str]:
    """The line under a page of developments saying where the others are; none for one page."""
    if pages == 1:
        return []
    if page < pages:
        return [
            f"Page {page} of {pages} · "
            f"`{developments_command(story_name, platform, page + 1)}` for older"
        ]
    return [
        f"Page {page} of {pages} · "
        f"`{developments_command(story_name, platform, page - 1)}` for newer"
    ]
