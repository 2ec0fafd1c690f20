"""Building the neutral messages storybot sends: alerts, keyword notices and digests.

Each builder is a pure function from stored facts to an ``OutboundMessage``; adapters render
and escape it. Outbox keys are built here too, so that the pipeline, the digest job and the
tests agree on them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Sequence

from bot.model import (
    Binding,
    Citation,
    Development,
    Item,
    Link,
    MessageKind,
    OutboundMessage,
    Story,
    Subscription,
)
from bot.render import shorten

MAX_LINKS = 5
NOTICE_BODY_MAX = 300  # characters of an item's summary a notice quotes
DIGEST_LABEL_MAX = 60  # characters of a development's headline labelling its digest link


def alert_key(story_id: int, development: int, binding: Binding) -> str:
    """The idempotency key of the one alert a channel gets for a development."""
    return f"alert:{story_id}:{development}:{binding.platform}:{binding.channel_id}"


def notice_key(platform: str, user_id: str, item_id: int) -> str:
    """The idempotency key of the one notice a user gets for an item.

    Per user, not per subscription: a user whose subscriptions match an item twice gets
    one DM naming both. ``item_id`` is the first report of the item's text
    (:meth:`bot.engine.Engine.first_report`), so the copies of a wire report that other
    outlets print share the key of the first one.
    """
    return f"notice:{platform}:{user_id}:{item_id}"


def legacy_notice_key(subscription_id: int, item_id: int) -> str:
    """The key of a notice queued before notices were keyed per user (see the pipeline)."""
    return f"notice:{subscription_id}:{item_id}"


def digest_key(binding_id: int, period_start: datetime | None) -> str:
    stamp = period_start.strftime("%Y%m%dT%H%M%S") if period_start else "start"
    return f"digest:{binding_id}:{stamp}"


def _links(pairs: Sequence[tuple[str, str]]) -> tuple[Link, ...]:
    seen: set[str] = set()
    out = []
    for label, url in pairs:
        if url and url not in seen:
            seen.add(url)
            out.append(Link(label=label or url, url=url))
        if len(out) >= MAX_LINKS:
            break
    return tuple(out)


def citation_numbers(citations: Sequence[Citation]) -> dict[str, int]:
    """The marker number of each cited link: 1, 2, ... in order of first citation."""
    numbers: dict[str, int] = {}
    for c in citations:
        if c.url and c.url not in numbers:
            numbers[c.url] = len(numbers) + 1
    return numbers


def cited_summary(dev: Development) -> tuple[str, list[tuple[str, str]]]:
    """The summary with its sentences cited, and the links its markers point to.

    A run of sentences from one report with a link ends in a numbered marker (``[1]``),
    and the links start with ``[1] Outlet``; a run from a report without a link names
    its outlet in brackets. The development's other links (first reporter first) follow
    the cited ones. A development stored before citations existed keeps its plain
    summary.

    Returns:
        ``(body, links)`` with ``links`` as ``(label, url)`` pairs.
    """
    if not dev.citations:
        return dev.summary, list(dev.links)
    numbered = citation_numbers(dev.citations)
    cited_links: list[tuple[str, str]] = []
    runs: list[tuple[Citation, list[str]]] = []
    for c in dev.citations:
        if runs and (runs[-1][0].source, runs[-1][0].url) == (c.source, c.url):
            runs[-1][1].append(c.sentence)
        else:
            runs.append((c, [c.sentence]))
    parts = []
    for c, sentences in runs:
        text = " ".join(sentences)
        if c.url:
            n = numbered[c.url]
            if n > len(cited_links):
                cited_links.append((f"[{n}] {c.source or c.url}", c.url))
            parts.append(f"{text} [{n}]")
        elif c.source:
            parts.append(f"{text} ({c.source})")
        else:
            parts.append(text)
    rest = [(label, url) for label, url in dev.links if url not in numbered]
    return " ".join(parts), cited_links + rest


def alert_message(story: Story, dev: Development) -> OutboundMessage:
    """The alert for a development: headline, cited summary, sources, links, time.

    The time is when the development was first reported (its earliest report's
    publication, else fetch, time), not when storybot processed it: after a backlog poll
    or a restart, an alert must not date a day-old turn "now". Chat clients mark edits
    themselves.
    """
    count = dev.item_count
    footer = f"Development {dev.number} of {story.title}"
    if count > 1:
        footer += f" · {count} reports"
    body, links = cited_summary(dev)
    return OutboundMessage(
        kind=MessageKind.ALERT,
        title=dev.headline,
        body=body,
        story_name=story.name,
        sources=dev.sources,
        links=_links(links),
        when=dev.first_reported_at or dev.updated_at,
        footer=footer,
        citations=dev.citations,
    )


def notice_message(
    subs: Sequence[Subscription], item: Item, story: Story | None
) -> OutboundMessage:
    """A keyword-subscription match, sent by DM to the subscriber.

    Args:
        subs: The subscriber's subscriptions that matched the item (at least one).
        item: The item.
        story: The story to name, if the subscriptions are scoped to one.
    """
    body = shorten((item.summary or item.content or "").strip(), NOTICE_BODY_MAX)
    links = (Link(item.source, item.url),) if item.url else ()
    if len(subs) == 1:
        footer = f"Matched your subscription #{subs[0].id}: {subs[0].query}"
    else:
        footer = "Matched your subscriptions " + "; ".join(f"#{s.id}: {s.query}" for s in subs)
    return OutboundMessage(
        kind=MessageKind.NOTICE,
        title=item.title,
        body=body,
        story_name=story.name if story else None,
        sources=(item.source,),
        links=links,
        when=item.published or item.fetched_at,
        footer=footer,
    )


def digest_message(story: Story, devs: Sequence[Development], since: datetime | None) -> OutboundMessage:
    """One message listing several developments, for digest channels and alert overflow."""
    lines = []
    links: list[tuple[str, str]] = []
    sources: list[str] = []
    for dev in devs:
        lines.append(f"• {dev.headline}: {dev.summary}" if dev.summary else f"• {dev.headline}")
        if dev.links:
            links.append((shorten(dev.headline, DIGEST_LABEL_MAX), dev.links[0][1]))
        for s in dev.sources:
            if s not in sources:
                sources.append(s)
    n = len(devs)
    title = f"{n} new development{'s' if n != 1 else ''} in {story.title}"
    return OutboundMessage(
        kind=MessageKind.DIGEST,
        title=title,
        body="\n".join(lines),
        story_name=story.name,
        sources=tuple(sources),
        links=_links(links),
        when=max(d.updated_at for d in devs) if devs else since,
        footer="Digest",
    )
