"""A digest's message: several developments of a story, a line each, in one post.

Digest channels get one message a period (and a realtime channel one for the alerts over
its hourly cap): each new development's headline and first sentence, then the
developments an earlier digest listed that reports added facts to since
(:data:`UPDATES_HEADER`). Lines are kept whole within :data:`DIGEST_BODY_MAX` and those
left out are counted with where to read them, so no renderer has to cut the body. Its
time is when the news was reported (:func:`digest_span`); its footer, the period it
stands for (:func:`digest_footer`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone, tzinfo
from typing import Sequence

from bot.clock import utc
from bot.digest_schedule import shown_local, shown_span
from bot.engine.sentences import split_sentences
from bot.link_labels import message_links
from bot.model import Development, MessageKind, OutboundMessage, Story
from bot.render import (
    counted,
    developments_command,
    repeats_headline,
    shorten,
    source_list,
    status_command,
)
from bot.thread_notes import fact_text

DIGEST_LABEL_MAX = 60  # characters of a development's headline labelling its digest link
# A digest lists one line per development in at most this many characters: one Slack
# section and well within a Discord description. Developments past it are counted.
DIGEST_BODY_MAX = 2800
DIGEST_HEADLINE_MAX = 150  # characters of a development's headline in its digest line
DIGEST_SENTENCE_MAX = 160  # characters of its summary's first sentence when space is short
# ... and when every development's line fits the body with its whole first sentence (the
# engine keeps sentences of at most 60 words), the sentence is not cut at all
DIGEST_WHOLE_SENTENCE_MAX = 400
DIGEST_MAX_LINKS = 10  # one link per listed development, up to this many
_CLOSING_QUOTES = "\"'”’»)"  # what may follow a headline's own full stop


@dataclass(frozen=True)
class DigestUpdate:
    """A development an earlier digest listed, and what reports added to it since.

    Attributes:
        development: The development as it now reads.
        reports: How many reports joined it since the last digest (copies included).
        sources: Their outlets, first reporter first.
        facts: What they added, each as the edited alert's thread note says it
            (:func:`bot.alert_text.added_fact`, :func:`bot.alert_text.revised_fact`),
            with its report's link ("" if none).
        reported: When those reports were published (else fetched), earliest first: the
            digest's span of time counts them, not the development's first report.
    """

    development: Development
    reports: int
    sources: tuple[str, ...]
    facts: tuple[tuple[str, str], ...]
    reported: tuple[datetime, ...] = ()


UPDATES_HEADER = "Updated since the last digest:"
UPDATE_LABEL = " (update)"  # an update line's link, to the report that brought its fact
# What a digest's time (``when``, from ``when_from``) is, as every renderer labels it: when
# its news was reported (:func:`digest_span`), not when storybot processed it
DIGEST_WHEN = "reported"
DIGEST_FACT_MAX = 200  # characters of a fact in a digest's update line when space is short


def digest_message(
    story: Story,
    devs: Sequence[Development],
    since: datetime | None,
    platform: str | None = None,
    updates: Sequence[DigestUpdate] = (),
    *,
    until: datetime | None = None,
    zone: tzinfo = timezone.utc,
    overflow: bool = False,
) -> OutboundMessage:
    """One message listing several developments, for digest channels and alert overflow.

    Each development gets one line, its headline and the first sentence of its summary
    (:func:`digest_line`): the whole sentence when every line fits so, else both
    shortened at a word so that more developments are listed. Lines are kept whole while the body
    stays within ``DIGEST_BODY_MAX``; the developments that do not fit are counted in a
    last line that says where to read them, so none is dropped silently and no renderer
    has to cut the body (a cut would fall mid-word, hiding how many were left out).

    ``updates`` (developments an earlier digest listed that reports added facts to since)
    follow under :data:`UPDATES_HEADER`, one line each (:func:`digest_update_line`), in
    the room the new developments leave: they are the first thing cut, counted as the
    developments are. Each line's link goes to the report of its first fact.

    The footer names the period the digest covers (:func:`digest_footer`): from ``since``
    (the last digest, or the follow) to ``until`` (now), in ``zone``.
    """
    n = len(devs)
    # where to read the rest, as users on the digest's platform type it
    status = status_command(story.name, platform)
    more = f"… and {{n}} more: {status}"
    # status tells only the latest few updated developments; every entry of the
    # developments pages tells its newest fact, so that is where all of them are
    listed = f"{developments_command(story.name, platform)} tells their newest facts"
    more_updated = f"… and {{n}} more updated: {listed}"
    none_told = f"… {counted(len(updates), 'development')} updated: {listed}"
    room = DIGEST_BODY_MAX
    if updates:  # room kept for the header and the count of the updates left out
        counts = max(len(more_updated.format(n=len(updates))), len(none_told))
        room -= len(UPDATES_HEADER) + counts + 2
    whole = [digest_line(dev, DIGEST_WHOLE_SENTENCE_MAX) for dev in devs]
    if len("\n".join(whole)) <= room:  # room for every first sentence, uncut
        candidates = whole
    else:  # shorter lines, so that more developments are listed
        candidates = [digest_line(dev) for dev in devs]
    lines, shown_n = _fitting(candidates, more, room)
    shown = devs[:shown_n]
    links: list[tuple[str, str]] = []
    sources: list[str] = []
    for dev in shown:
        if dev.links:
            links.append((shorten(dev.headline, DIGEST_LABEL_MAX), dev.links[0][1]))
    for dev in devs:
        for s in dev.sources:
            if s not in sources:
                sources.append(s)
    if updates:
        left = DIGEST_BODY_MAX - sum(len(line) + 1 for line in lines) - len(UPDATES_HEADER) - 1
        whole = [digest_update_line(u, None) for u in updates]
        if len("\n".join(whole)) <= left:
            candidates = whole
        else:
            candidates = [digest_update_line(u) for u in updates]
        told, told_n = _fitting(candidates, more_updated, left, first_may_go=True)
        if not told_n:
            told = [none_told]
        lines += [UPDATES_HEADER, *told]
        for u in updates[:told_n]:
            # the report that brought the first fact (labelled as the update it is: it is
            # not the article the development's headline names), else the development's
            url = next((url for _, url in u.facts if url), "")
            if url:
                label = shorten(u.development.headline, DIGEST_LABEL_MAX - len(UPDATE_LABEL))
                links.append((label + UPDATE_LABEL, url))
            elif u.development.links:
                label = shorten(u.development.headline, DIGEST_LABEL_MAX)
                links.append((label, u.development.links[0][1]))
        for u in updates:
            for s in u.sources:
                if s not in sources:
                    sources.append(s)
    m = len(updates)
    if n and m:
        title = f"{n} new development{'s' if n != 1 else ''} and {m} updated in {story.title}"
    elif m:
        title = f"{m} development{'s' if m != 1 else ''} updated in {story.title}"
    else:
        title = f"{n} new development{'s' if n != 1 else ''} in {story.title}"
    first, last = digest_span(devs, updates, since)
    return OutboundMessage(
        kind=MessageKind.DIGEST,
        title=title,
        body="\n".join(lines),
        story_name=story.name,
        sources=tuple(sources),
        links=message_links(links, DIGEST_MAX_LINKS),
        when=last,
        when_from=first if first != last else None,
        footer=digest_footer(since, until, zone, overflow=overflow),
    )


def digest_footer(
    since: datetime | None, until: datetime | None, zone: tzinfo, *, overflow: bool = False
) -> str:
    """A digest's footer: the period it covers, as the channel's clock reads it.

    "Digest of 2026-03-05 09:00 – 2026-03-06 09:00 CET": what storybot found from the last
    digest (or the follow) to this one, in ``[delivery] timezone`` (``zone``). Beside the
    span of when its news was *reported* (``when``), which after a backlog poll is months
    earlier, this is the span it stands for, so a reader sees that nothing is missing
    between two digests. A realtime channel's overflow digest says it is one
    (``overflow``): the alerts over its hourly cap.
    """
    if until is None:
        return "Digest"
    until, since = utc(until), utc(since) if since is not None else None
    span = (
        f"of {shown_span(since, until, zone)}"
        if since is not None and since < until
        else f"up to {shown_local(until, zone)}"
    )
    cap = " (alerts over this channel's hourly cap)" if overflow else ""
    return f"Digest {span}{cap}"


def digest_span(
    devs: Sequence[Development], updates: Sequence[DigestUpdate], since: datetime | None
) -> tuple[datetime | None, datetime | None]:
    """When a digest's news was reported: the earliest and the latest of its new
    developments' first reports and its updates' reports (published, else fetched).

    Not when storybot processed them (``updated_at``): after a backlog poll that is today
    for news of months ago, while the alerts already give the first report's time. A
    development with no report time (none linked yet) counts from its ``created_at``;
    with no time at all, ``since`` (the last digest) is both.
    """
    times = [d.first_reported_at or d.created_at for d in devs]
    times += [t for u in updates for t in u.reported]
    if not times:
        return since, since
    return min(times), max(times)


def _fitting(
    candidates: Sequence[str], more: str, room: int, *, first_may_go: bool = False
) -> tuple[list[str], int]:
    """The leading ``candidates`` that fit ``room`` characters (a line each), then
    ``more`` counting the rest; and how many were kept.

    The first line is kept whatever its length unless ``first_may_go``: a digest says at
    least one development.
    """
    n = len(candidates)
    lines: list[str] = []
    size = 0
    for i, line in enumerate(candidates):
        # room for this line, and for the "and N more" line if others follow it
        tail = len(more.format(n=n - i - 1)) + 1 if i < n - 1 else 0
        if (lines or first_may_go) and size + len(line) + 1 + tail > room:
            break
        lines.append(line)
        size += len(line) + 1
    kept = len(lines)
    if lines and kept < n:
        lines.append(more.format(n=n - kept))
    return lines, kept


def digest_update_line(update: DigestUpdate, fact_max: int | None = DIGEST_FACT_MAX) -> str:
    """An updated development's line: "• Headline: 2 more reports (AP and BBC); new: AP:
    The toll rose to 59."

    Its facts are those of the edited alerts' thread notes, without their markers: "[2]"
    numbers a report among the development's links, which a digest does not list (the
    line's link goes to the report of its first fact). Each fact is cut at a word, with
    "…", past ``fact_max`` characters (None: kept whole).
    """
    dev = update.development
    headline = shorten(" ".join(dev.headline.split()), DIGEST_HEADLINE_MAX)
    facts = []
    for fact, _ in update.facts:
        text = fact_text(fact)
        facts.append(text if fact_max is None else shorten(text, fact_max))
    reports = ""
    if update.reports:
        reports = counted(update.reports, "more report")
        if named := source_list(update.sources):
            reports += f" ({named})"
        reports += "; "
    return f"• {headline}: {reports}new: {' '.join(facts)}"


def digest_line(dev: Development, sentence_max: int = DIGEST_SENTENCE_MAX) -> str:
    """A development's line in a digest: "• Headline: first sentence of its summary".

    The sentence is cut at a word, with "…", when it is longer than ``sentence_max``. A
    headline that ends a sentence of its own ("... Than He Thought.", "What's next for
    the talks?") is followed by the sentence without a colon, which would read ".:".
    """
    headline = shorten(" ".join(dev.headline.split()), DIGEST_HEADLINE_MAX)
    sentences = split_sentences(dev.summary) if dev.summary else []
    if not sentences or repeats_headline(sentences[0], dev.headline):
        return f"• {headline}"
    after = " " if headline.rstrip(_CLOSING_QUOTES).endswith((".", "?", "!")) else ": "
    return f"• {headline}{after}{shorten(sentences[0], sentence_max)}"
