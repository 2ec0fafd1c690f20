"""Translate neutral messages and replies into Discord embeds and message arguments.

Feed text is hostile: a headline may contain ``@everyone``, ``<@123>``, ``**markup**`` or
a masked link (``[bank.com](https://evil.example)``). Every piece of text goes through
:func:`escape_text` (Markdown escaped, mentions broken with a zero-width space) and every
send uses ``AllowedMentions.none()``, so even a missed escape cannot ping anyone. URLs are
only used as link targets when they are plain http(s) URLs; anything else is shown as
escaped text. The one mention storybot writes is its own: a Discord user the core names
in a reply (``Reply.mentions``, see :mod:`bot.mentions`: the admin who corrected an item),
written ``<@123>`` so that Discord shows their name, only for an id of digits
(:func:`mention_markdown`), and pinging no one all the same.

The escaping is our own, not ``discord.utils.escape_markdown``: that one escapes only the
first ``[`` of a line holding two
masked links (its pattern for a masked link takes both as one), so the second stayed a live disguised link, and the same pattern backtracks
cubically ("[](" repeated: 12,000 characters of a headline took over a minute of the
event loop). :func:`escape_markdown` escapes every Markdown character in one linear pass.

Every embed stays within Discord's limits whatever the input, including the 6000
characters of all its text together (:data:`EMBED_MAX`): text is cut at a word, a
links field keeps or drops whole links (short ones fit where a long tracking URL does
not) and counts those it drops, and the description gives up what the total lacks.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any, Collection
from urllib.parse import quote, urlsplit

import discord
from discord.utils import escape_mentions

from bot.citations import cited_links
from bot.digest_text import DIGEST_WHEN
from bot.mentions import pieces_of
from bot.model import Link, Mention, MessageKind, OutboundMessage, Reply
from bot.render import join_whole, reader_url, shorten, source_list
from bot.thread_notes import shown_facts

# Discord's documented embed limits.
TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELD_MAX = 1024
FOOTER_MAX = 2048
AUTHOR_MAX = 256
CONTENT_MAX = 2000
URL_MAX = 2048
EMBED_MAX = 6000  # title, description, field names and values, footer and author together
# A text reply too long for one embed continues in more messages, up to this many (more
# would bury the channel; the core already lists at most 50 feeds).
REPLY_MESSAGES_MAX = 5

COLOURS = {
    MessageKind.ALERT: discord.Colour.red(),
    MessageKind.NOTICE: discord.Colour.blue(),
    MessageKind.DIGEST: discord.Colour.dark_grey(),
    MessageKind.INFO: discord.Colour.gold(),
}

# A bare URL as Discord auto-links it: kept as it is (a backslash inside would become part
# of the link), and Discord's link rule takes it whole, brackets and all.
_BARE_URL = r"https?://[^\s<]+[^<.,:;\"')\]\s]"
# Everywhere: emphasis, strike, spoiler, code, masked-link brackets and the escape itself;
# at a line's start (after its indent): quote, heading, subtext and list markers.
_MARKDOWN = re.compile(rf"({_BARE_URL})|([\\*_~`|\[\]])|^([ \t]*)([>#-])", re.MULTILINE)
_URL_BRACKETS = re.compile(r"([\\\[\]])")
_MARKDOWN_CHAR = re.compile(r"([\\*_~`|\[\]])")
# user, nickname, role, channel and slash-command mentions; a timestamp ("<t:1700000000:R>"
# is shown as "in 3 days" in each reader's zone, so a headline could state any time)
_MENTION = re.compile(r"<(@[!&]?|#|/|t:)")
_ZWSP = "\u200b"
# A Discord user id: a snowflake, a 64-bit number in decimal.
_USER_ID = re.compile(r"[0-9]{1,20}")
_CODE_SPAN = re.compile(r"(`[^`\n]+`)")  # a reply's `code` (split keeps the spans)


def no_mentions() -> discord.AllowedMentions:
    """The allowed-mentions setting for every message storybot sends: nobody."""
    return discord.AllowedMentions.none()


def _escaped(match: re.Match[str]) -> str:
    url, char, indent, marker = match.groups()
    if url is not None and url.endswith("…"):
        # cut short (a reply echoing a long link): linked, it leads to a page that is
        # none; "\\:" keeps Discord from linking it, and its Markdown is escaped as text's
        scheme, rest = url.split("://", 1)
        return f"{scheme}\\://" + _MARKDOWN_CHAR.sub(r"\\\1", rest)
    if url is not None:
        return url
    return _escaped_markup(char, indent, marker)


def _escaped_in_label(match: re.Match[str]) -> str:
    url, char, indent, marker = match.groups()
    if url is not None:  # not auto-linked inside a link's text: its brackets would end it
        return _URL_BRACKETS.sub(r"\\\1", url)
    return _escaped_markup(char, indent, marker)


def _escaped_markup(char: str | None, indent: str, marker: str) -> str:
    if char is not None:
        return "\\" + char
    return f"{indent}\\{marker}"


def escape_markdown(text: str, *, label: bool = False) -> str:
    """Backslash every Markdown character of ``text``, bare URLs aside, in linear time.

    Every ``*_~`|[]`` and backslash is escaped wherever it stands, so no pairing of them
    can format or link (a masked link needs a bare ``[``), and a line's leading
    ``>``, ``#`` or ``-`` cannot start a quote, heading, subtext or list. In a link's
    ``label`` the brackets and backslashes of a bare URL are escaped too: nothing is
    auto-linked there, and its ``](`` would end the label early.
    """
    return _MARKDOWN.sub(_escaped_in_label if label else _escaped, text)


def escape_text(text: str, *, label: bool = False) -> str:
    """Make feed text inert in Discord: no Markdown, no mentions.

    ``discord.utils.escape_mentions`` only covers ``@everyone``, ``@here`` and 17-20 digit
    ids, so mention syntax with any id (``<@123>``, ``<@&1>``, ``<#1>``) is broken here too.
    """
    text = escape_markdown(text, label=label)
    text = _MENTION.sub(lambda m: "<" + _ZWSP + m[1], text)
    return escape_mentions(text)


def escape_reply(text: str) -> str:
    """Make a command reply inert as :func:`escape_text` does, but keep its `code spans`.

    A reply is storybot's own text quoting feeds and users; the commands it tells people
    to type are written as `code` (as Slack shows them, see
    ``adapters.slack_chat.render.reply_mrkdwn``). Discord shows an inline code span
    literally: no Markdown, mention or link inside one is rendered, so a span is kept
    as it is (a backtick-quoted piece of a headline included: it is as inert) and the
    text around it is escaped, stray backticks with it.
    """
    parts = _CODE_SPAN.split(text)
    return "".join(part if i % 2 else escape_text(part) for i, part in enumerate(parts))


def reply_markdown(reply: Reply) -> str:
    """A command reply's text as Discord shows it: escaped (:func:`escape_reply`) but for
    the Discord users storybot names in it (:func:`mention_markdown`).

    The text on either side of a mention is escaped on its own, so nothing in it can
    pair with anything in the other (a backtick, a bracket) or reach into the mention.
    """
    return "".join(
        mention_markdown(p) if isinstance(p, Mention) else escape_reply(p)
        for p in pieces_of(reply.text, reply.mentions)
    )


def mention_markdown(mention: Mention) -> str:
    """A Discord user storybot names in a reply: ``<@123>``, which Discord shows as their name.

    Only a Discord user (``mention.platform``) with an id of digits is written as a
    mention; anything else is its stand-in, escaped as reply text. It pings no one:
    every message storybot sends passes ``allowed_mentions`` of :func:`no_mentions`
    (the client has it as its default too), ``{"parse": []}`` on the wire: ``parse`` is
    "an array of allowed mention types to parse from the content", and with it empty and
    no ``users`` or ``roles`` listed, no mention in the message notifies anyone (Discord's
    allowed mentions object, https://discord.com/developers/docs/resources/message#allowed-mentions-object).
    Discord still shows the mention as the person's name. The replies naming an admin
    are ephemeral besides (``/story why`` and ``/story wrong``).
    """
    if mention.platform == "discord" and _USER_ID.fullmatch(mention.user_id):
        return f"<@{mention.user_id}>"
    return escape_reply(mention.shown)


def truncate(text: str, limit: int) -> str:
    """Cut ``text`` to ``limit`` characters at a word, marking the cut with an ellipsis.

    See :func:`bot.render.shorten`: only a first word longer than ``limit`` is cut inside.
    """
    return shorten(text, limit)


def safe_url(url: str | None) -> str | None:
    """Return ``url`` if it is a plain http(s) URL Discord will accept, else ``None``.

    The limit is the encoded URL's: a link in its own script (an IRI) grows up to nine
    characters a letter once percent-encoded, and Discord refuses an embed whose url is
    over ``URL_MAX`` (400 Invalid Form Body: the whole message is refused).
    """
    if not url or len(url) > URL_MAX:
        return None
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    # Characters that would end a Markdown link target or break the URL are percent-encoded.
    encoded = quote(url.strip(), safe=":/?#[]@!$&'*+,;=%~-._")
    return encoded if len(encoded) <= URL_MAX else None


def link_markdown(link: Link) -> str:
    """Render a link as ``[label](url)``, or as escaped text when the URL is unsafe."""
    url = safe_url(reader_url(link.url))  # without ?utm_source=... (bot.render.reader_url)
    # brackets escaped too: a citation's "[1] Outlet" label, or a web address in it
    # ("https://a.example](https://b.example)"), must not end the link text early
    label = escape_text(link.label or link.url, label=True)
    if url is None:
        return escape_text(f"{link.label}: {link.url}")
    return f"[{label}]({url})"


def message_embed(message: OutboundMessage, *, reply: bool = False) -> discord.Embed:
    """Build the embed for an alert, notice or digest.

    Args:
        message: The neutral message; all its text is raw feed text.
        reply: The message is a command reply's (``/story status``): its body is reply
            text, whose `code spans` stay code (:func:`escape_reply`).

    Returns:
        An embed with escaped title and summary, a "Sources" field ("Reuters, AP and 4
        more"), the links, the story name as author and ``message.when`` as timestamp,
        within Discord's limits (the description is shortened if the total is over).
    """
    first_url = next(
        (u for u in (safe_url(reader_url(link.url)) for link in message.links) if u), None
    )
    title = truncate(escape_text(message.title), TITLE_MAX)
    author = truncate(message.story_name, AUTHOR_MAX) if message.story_name else ""
    footer = truncate(message.footer, FOOTER_MAX) if message.footer else ""
    fields: list[tuple[str, str, bool]] = []
    if sources := source_list(message.sources):  # a field's value is required
        fields.append(("Sources", truncate(escape_text(sources), FIELD_MAX), True))
    if message.links:
        fields.append(("Links", links_value(message.links, cited=cited_links(message)), False))
    if facts := shown_facts(message):
        fields.append(("New", thread_note_value("\n".join(facts)), False))
    timestamp = message.when
    if message.kind is MessageKind.DIGEST and message.when:
        # when its news was reported, labelled, in each reader's zone: a field, as the
        # embed's own timestamp has no label (and the footer shows no "<t:…>" token)
        fields.append((DIGEST_WHEN.capitalize(), span_value(message), True))
        timestamp = None
    used = len(title) + len(author) + len(footer) + sum(len(n) + len(v) for n, v, _ in fields)
    embed = discord.Embed(
        title=title or None,
        url=first_url,
        description=_description(message, min(DESCRIPTION_MAX, EMBED_MAX - used), reply=reply),
        colour=COLOURS.get(message.kind),
        timestamp=timestamp,
    )
    if author:
        embed.set_author(name=author)
    for name, value, inline in fields:
        embed.add_field(name=name, value=value, inline=inline)
    if footer:
        embed.set_footer(text=footer)
    return embed


def span_value(message: OutboundMessage) -> str:
    """A digest's "Reported" field: ``<t:…:f>`` tokens, which Discord shows in each
    reader's zone and language, from ``when_from`` to ``when`` ("… – …"), or ``when``."""
    span = [t for t in (message.when_from, message.when) if t is not None]
    return " – ".join(f"<t:{int(_aware(t).timestamp())}:f>" for t in span)


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def thread_note_value(note: str, limit: int = FIELD_MAX) -> str:
    """The "New" field: the edit's new facts, one a line, each kept whole when it fits.

    ``note`` is the facts as shown beside the description (:func:`bot.thread_notes.shown_facts`:
    one the description quotes is named, not repeated).

    A fact ends in the citation marker of its link ("… [2]"); cutting the field's text at
    its limit would take the last fact's marker off. A fact that does not fit whole is
    counted ("… and 1 more"), and one longer than the whole field is cut at a word.
    """
    facts = [truncate(escape_text(line), limit) for line in note.splitlines() if line.strip()]
    return join_whole(facts, "\n", limit)


def links_value(
    links: tuple[Link, ...] | list[Link], limit: int = FIELD_MAX, cited: Collection[int] = ()
) -> str:
    """The "Links" field: one ``[label](url)`` per line, in at most ``limit`` characters.

    Links are kept or dropped whole: the ``cited`` ones (places in ``links``) are taken
    first, then the others in order; one too long for the room left is skipped, so the
    short labelled links after a long tracking URL still show. The kept links stay in
    their order (an alert's in number order); dropped links are counted: "… and 2 more".
    """
    return join_whole([link_markdown(link) for link in links], "\n", limit, cited)


def _description(
    message: OutboundMessage, limit: int = DESCRIPTION_MAX, *, reply: bool = False
) -> str | None:
    """The escaped body in at most ``limit`` characters: a digest keeps whole lines."""
    body = (escape_reply if reply else escape_text)(message.body) if message.body else ""
    if message.kind is MessageKind.DIGEST:
        return _truncate_lines(body, limit) or None
    return truncate(body, limit) or None


def _truncate_lines(text: str, limit: int) -> str:
    """Keep whole lines (a cut Markdown link would render as garbage)."""
    if len(text) <= limit:
        return text
    kept: list[str] = []
    for line in text.splitlines():
        if sum(len(k) + 1 for k in kept) + len(line) > limit - 2:
            break
        kept.append(line)
    if not kept:  # one line longer than the whole limit: cut it at a word
        return truncate(text.splitlines()[0] if text.strip() else text, limit)
    return "\n".join(kept + ["…"])


def message_kwargs(message: OutboundMessage) -> dict[str, Any]:
    """Keyword arguments for ``Messageable.send`` / ``PartialMessage.edit`` of a message."""
    return {"content": None, "embed": message_embed(message), "allowed_mentions": no_mentions()}


def reply_messages(reply: Reply) -> list[dict[str, Any]]:
    """The messages that carry ``reply``: one, unless its text is too long for an embed.

    A long text reply (``/story feeds`` with 50 feeds, a long ``why``) is split on line
    boundaries into embeds of at most ``DESCRIPTION_MAX`` characters, sent one after the
    other, at most :data:`REPLY_MESSAGES_MAX` of them; lines beyond that are counted in a
    last "… and N more lines" line rather than dropped without a word.

    Returns:
        Keyword arguments for an interaction response or follow-up (``content`` or
        ``embed``, ``ephemeral``, ``allowed_mentions``), one dict per message, in order.
        The text is escaped (it quotes user input and feed titles) but for its `code
        spans` and its mentions (:func:`reply_markdown`); a reply with a rich ``message``
        is that embed alone. ``allowed_mentions`` pings nobody, the mentions included.
    """
    text = reply_markdown(reply)
    base: dict[str, Any] = {"ephemeral": reply.ephemeral, "allowed_mentions": no_mentions()}
    if reply.message is not None:
        return [{**base, "embed": message_embed(reply.message, reply=True)}]
    if len(text) <= CONTENT_MAX:
        return [{**base, "content": text or "Done."}]
    pages = _pages(text.splitlines(), DESCRIPTION_MAX, REPLY_MESSAGES_MAX)
    return [{**base, "embed": discord.Embed(description=page)} for page in pages]


def _pages(lines: list[str], limit: int, most: int) -> list[str]:
    """``lines`` in at most ``most`` pages of at most ``limit`` characters, lines kept whole.

    A single line longer than a page is cut at a word. Lines that do not fit in ``most``
    pages are counted in the last page's final line.
    """
    pages: list[list[str]] = [[]]
    for n, line in enumerate(lines):
        line = truncate(line, limit)
        page = pages[-1]
        if page and len("\n".join([*page, line])) > limit:
            if len(pages) == most:
                return _with_more(pages, lines[n:], limit)
            pages.append([])
        pages[-1].append(line)
    return ["\n".join(page) for page in pages]


def _with_more(pages: list[list[str]], rest: list[str], limit: int) -> list[str]:
    """``pages`` joined, the last one ending in a count of the ``rest`` left out."""
    last = pages[-1]
    left = len(rest)
    while len(last) > 1 and len("\n".join([*last, _more_lines(left)])) > limit:
        last.pop()
        left += 1
    more = _more_lines(left)
    if len("\n".join([*last, more])) > limit:  # one line filling the page: make room
        last[0] = truncate(last[0], limit - len(more) - 1)
    return ["\n".join(page) for page in pages[:-1]] + ["\n".join([*last, more])]


def _more_lines(n: int) -> str:
    return f"… and {n} more line{'s' if n != 1 else ''}"
