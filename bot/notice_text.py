"""The DM a keyword subscription's match sends: the item's headline, its lead, and why.

A notice shows the item's headline without the outlet's suffix, the opening of its summary
(without a wire report's byline, a repeated headline or blog software's trailers), its
link labelled honestly, and a footer naming the subscriber's queries that matched and,
where it tells something, the words found. What every notice of one item shares is worked
out once (:class:`NoticeParts`): an item may match thousands of subscriptions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from bot.citations import shorten_prose
from bot.engine.analysis import item_time
from bot.engine.outlet_labels import strip_outlet_suffix
from bot.feed_trailers import without_trailers
from bot.link_labels import honest_label
from bot.model import Item, Link, MessageKind, OutboundMessage, Story, Subscription
from bot.query import Document, Query
from bot.render import repeats_headline

# characters of an item's summary a notice quotes: room for a whole lead sentence of up to
# about 60 words, so a DM does not stop a few words before its first full stop
NOTICE_BODY_MAX = 400


def _found(query: Query, doc: Document) -> str:
    """Which of ``query``'s words the item has, as a notice says them: " (found: a, b)".

    Only when that tells the reader something: for ``rail`` or ``pentagon AND dod`` every
    word was found, for ``"supply chain" OR hearing`` it says which one it was.
    """
    found = query.matched_terms(doc)
    if not found or found == query.terms():
        return ""
    return f" (found: {', '.join(sorted(found))})"


# A byline opening a feed's summary: "By" and names (capitalised words, a few particles),
# separated by commas or "and", ending its line or running into the all-capitals dateline
# ("By Olivia Le Poidevin GENEVA, Feb 17 (Reuters) - ..."). "By the time ..." and "By
# Monday night, ..." are news: a lower-case word or a comma ends the names elsewhere.
_NAME = r"(?:[A-Z][\w'’.-]*|de|del|der|van|von|da|di|al|bin|la|le)"
_BYLINE = re.compile(
    rf"^By\s+[A-Z][\w'’.-]*(?:[ \t]+{_NAME})*"
    rf"(?:(?:,[ \t]*|[ \t]+(?:and|&)[ \t]+)[A-Z][\w'’.-]*(?:[ \t]+{_NAME})*)*"
    r"(?:[ \t]*\n\s*|\s+(?=[A-Z]{2,}(?:[ /][A-Z]{2,})*\b[^a-z]))"
)


def notice_body(item: Item) -> str:
    """The text a notice of ``item`` shows: its summary, else its body, shortened,
    on one line, without the byline a wire report's summary opens with (see ``_BYLINE``),
    a first line that is the headline again, or the footer and "read more" link blog
    software ends it with (:func:`bot.feed_trailers.without_trailers`).

    One line: feeds hard-wrap their text ("makes the case that\\nvery large models"),
    and a chat that shows a notice's first lines showed half a sentence of it.
    """
    text = without_trailers((item.summary or item.content or "").strip(), item.title)
    text = _BYLINE.sub("", text, count=1)
    first, _, rest = text.partition("\n")
    headline = strip_outlet_suffix(item.title) or item.title
    if rest.strip() and (repeats_headline(first, headline) or repeats_headline(first, item.title)):
        text = rest
    return shorten_prose(" ".join(text.split()), NOTICE_BODY_MAX)


@dataclass(frozen=True)
class NoticeParts:
    """What every notice of one item shows, worked out once for the item.

    A caller writing many notices of an item (about 20 with 10,000 subscriptions) makes
    it once and passes it to each :func:`notice_message`: only the footer, naming the
    subscriber's queries, differs from one notice to the next.

    Attributes:
        doc: The item tokenized (``Document.from_text(item.title, item.text)``), which
            the footer's "found" words are looked up in.
        title: The headline without the outlet's suffix.
        body: :func:`notice_body`; empty when it only repeats the headline.
        links: The item's link, labelled honestly
            (:func:`bot.link_labels.honest_label`).
    """

    doc: Document
    title: str
    body: str
    links: tuple[Link, ...]

    @classmethod
    def of(cls, item: Item, doc: Document | None = None) -> NoticeParts:
        """The parts of ``item``'s notices (``doc``: ``item`` tokenized already)."""
        # the outlet is named once, on the sources line: not also as " - Outlet" here
        title = strip_outlet_suffix(item.title) or item.title
        body = notice_body(item)
        if repeats_headline(body, title) or repeats_headline(body, item.title):
            body = ""  # a feed that repeats its headline as the summary: shown once
        return cls(
            doc=doc if doc is not None else Document.from_text(item.title, item.text),
            title=title,
            body=body,
            links=(Link(honest_label(item.source, item.url), item.url),) if item.url else (),
        )


def notice_message(
    matched: Sequence[tuple[Subscription, Query]],
    item: Item,
    story: Story | None,
    parts: NoticeParts | None = None,
) -> OutboundMessage:
    """A keyword-subscription match, sent by DM to the subscriber.

    Args:
        matched: The subscriber's subscriptions that matched the item (at least one),
            each with its query as the matcher parsed it (not parsed again here).
        item: The item.
        story: The story to name, if the subscriptions are scoped to one.
        parts: :meth:`NoticeParts.of` ``item``, by a caller writing many notices of it;
            worked out here when not given.
    """
    if parts is None:
        parts = NoticeParts.of(item)
    # each named as /story subscribe and /story subscriptions name it (Query.describe)
    names = "; ".join(f"#{s.id}: {q.describe()}{_found(q, parts.doc)}" for s, q in matched)
    footer = f"Matched your subscription{'s' if len(matched) > 1 else ''} {names}"
    return OutboundMessage(
        kind=MessageKind.NOTICE,
        title=parts.title,
        body=parts.body,
        story_name=story.name if story else None,
        sources=(item.source,),
        links=parts.links,
        # a date later than the fetch is the feed's error (the engine's rule, item_time)
        when=item_time(item.published, item.fetched_at),
        footer=footer,
    )
