"""Translate storybot's neutral messages and replies into Slack Block Kit.

Everything shown in Slack comes from feeds or users, so nothing here trusts its input:

* Slack's three control characters (``&``, ``<``, ``>``) are always escaped, in every
  text object, so ``<!channel>``, ``<@U123>``, ``<#C1>`` or ``<http://evil|click>`` in a
  headline stay literal text and never become mentions or disguised links.
* Feed text goes into ``plain_text`` objects wherever Block Kit allows it (header,
  summary, sources, footer), which Slack never formats or parses for mentions.
* Where ``mrkdwn`` is unavoidable (link labels, the notification fallback ``text``),
  formatting characters (``*_~`` and the backtick) are neutralised with zero-width
  joiners on both sides, newlines are folded so no line can start a block quote, and
  the text object is ``verbatim`` so Slack does not auto-link channel names.
* Only ``http``/``https`` URLs become links; anything else is shown as plain text.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from bot.model import Link, MessageKind, OutboundMessage, Reply
from bot.render import source_list

Block = dict[str, Any]

ZWJ = "\u200d"
HEADER_MAX = 150  # Slack's limit for header blocks
TEXT_MAX = 3000  # Slack's limit for one text object
FALLBACK_MAX = 300
SUMMARY_MAX = 400  # an alert's summary: one or two lines
MAX_BLOCKS = 50
MAX_LINKS = 5

_FORMAT_CHARS = re.compile(r"([*_~`])")
_WHITESPACE = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def escape(text: str) -> str:
    """Escape Slack's three control characters: ``&``, ``<`` and ``>``.

    Args:
        text: Raw text from a feed or a user.

    Returns:
        Text in which no ``<...>`` sequence can be parsed as a mention or link.
    """
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def escape_mrkdwn(text: str) -> str:
    """Escape raw text for a ``mrkdwn`` object: one line, no formatting, no mentions.

    Args:
        text: Raw text from a feed or a user.

    Returns:
        Escaped single-line text whose ``*bold*``, ``_x_``, ``~x~`` and backticks do not
        format (each marker is wrapped in zero-width joiners).
    """
    one_line = _WHITESPACE.sub(" ", text).strip()
    return _FORMAT_CHARS.sub(f"{ZWJ}\\1{ZWJ}", escape(one_line))


def safe_url(url: str | None) -> str | None:
    """Return ``url`` escaped for use inside ``<url|label>``, or None if unsafe.

    Only absolute ``http``/``https`` URLs with a host pass. ``|`` is percent-encoded so
    the URL cannot smuggle its own label.

    Args:
        url: A URL from a feed.

    Returns:
        The escaped URL, or None when it must not be linked.
    """
    if not url or _CONTROL.search(url) or " " in url:
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    return escape(url.replace("|", "%7C"))


def truncate(text: str, limit: int) -> str:
    """Shorten ``text`` to at most ``limit`` characters, ending with an ellipsis if cut."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def fit(text: str, limit: int) -> str:
    """Escape ``text`` and shorten it so the escaped form fits in ``limit`` characters."""
    cut = limit
    while True:
        out = escape(truncate(text, cut))
        if len(out) <= limit:
            return out
        cut -= len(out) - limit


def plain(text: str, limit: int = TEXT_MAX) -> dict[str, Any]:
    """A ``plain_text`` object with escaped text that fits Slack's length ``limit``."""
    return {"type": "plain_text", "text": fit(text, limit) or " ", "emoji": True}


def link_mrkdwn(link: Link) -> str:
    """Render one link as ``<url|label>``, or just the label if the URL is unsafe."""
    label = escape_mrkdwn(truncate(link.label or link.url, 80))
    url = safe_url(link.url)
    return f"<{url}|{label}>" if url else label


def date_mrkdwn(when: datetime) -> str:
    """A Slack date token that shows ``when`` in each reader's own time zone."""
    aware = when if when.tzinfo else when.replace(tzinfo=UTC)
    fallback = aware.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(aware.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"


def summary_text(message: OutboundMessage) -> str:
    """The body as shown: one or two lines for alerts and notices, longer for digests."""
    if message.kind is MessageKind.DIGEST:
        return message.body
    lines = [line.strip() for line in message.body.splitlines() if line.strip()]
    return truncate("\n".join(lines[:2]), SUMMARY_MAX)


def fallback_text(message: OutboundMessage) -> str:
    """The notification text sent next to the blocks (``mrkdwn``, so fully neutralised)."""
    prefix = f"[{message.story_name}] " if message.story_name else ""
    text = prefix + message.title
    sources = source_list(message.sources)
    if sources:
        text += f" ({sources})"
    return escape_mrkdwn(truncate(text, FALLBACK_MAX))


def message_blocks(message: OutboundMessage) -> list[Block]:
    """Render an outbound message as Block Kit blocks.

    Args:
        message: The neutral message; all its text is treated as untrusted.

    Returns:
        A header (the headline), a plain-text summary, a context line with story name,
        sources and time, a line of links, and the footer, each only when present.
    """
    headline = " ".join(message.title.split()) or "(no headline)"  # headers are one line
    blocks: list[Block] = [{"type": "header", "text": plain(headline, HEADER_MAX)}]
    summary = summary_text(message)
    if summary:
        blocks.append({"type": "section", "text": plain(summary)})
    context: list[dict[str, Any]] = []
    if message.story_name:
        context.append(plain(message.story_name, 150))
    sources = source_list(message.sources)
    if sources:
        context.append(plain(sources, 300))
    if message.when:
        context.append({"type": "mrkdwn", "text": date_mrkdwn(message.when), "verbatim": True})
    if context:
        blocks.append({"type": "context", "elements": context})
    if message.links:
        links = " · ".join(link_mrkdwn(link) for link in message.links[:MAX_LINKS])
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": links, "verbatim": True}}
        )
    if message.footer:
        blocks.append({"type": "context", "elements": [plain(message.footer, 300)]})
    return blocks[:MAX_BLOCKS]


def thread_note_text(note: str) -> str:
    """The text of a threaded reply carrying a new fact (``mrkdwn``, neutralised)."""
    return escape_mrkdwn(truncate(note, TEXT_MAX // 2))


def reply_blocks(reply: Reply) -> list[Block]:
    """Render a command reply: its rich message if any, else its text as plain sections.

    Long text is split on line boundaries into several sections (Slack caps a text
    object at 3000 characters).
    """
    if reply.message is not None:
        return message_blocks(reply.message)
    blocks: list[Block] = []
    chunk: list[str] = []
    size = 0
    for line in reply.text.splitlines() or [""]:
        if chunk and size + len(line) + 1 > TEXT_MAX // 2:
            blocks.append({"type": "section", "text": plain("\n".join(chunk))})
            chunk, size = [], 0
        chunk.append(line)
        size += len(line) + 1
    blocks.append({"type": "section", "text": plain("\n".join(chunk))})
    return blocks[:MAX_BLOCKS]


def reply_text(reply: Reply) -> str:
    """The fallback ``text`` of a command reply (``mrkdwn``, neutralised)."""
    return escape_mrkdwn(truncate(reply.text, FALLBACK_MAX)) or " "
