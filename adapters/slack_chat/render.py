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
* Command replies are ``mrkdwn`` too (:func:`reply_mrkdwn`, and :func:`reply_text` for
  their notification text), so that the URLs they name are clickable and their `code`
  spans (the commands storybot tells people to type) show as code. They are escaped the same way: the
  only links are the reply's own http(s) URLs (shown as themselves, never under a
  label), and outside code spans ``*_~`` are neutralised and no line can start a quote.
* The one mention storybot writes is its own: a Slack user the core names in a reply
  (``Reply.mentions``, see :mod:`bot.mentions`: the admin who corrected an item), written
  ``<@U123>`` so that Slack shows their name, and only for an id of a Slack user's shape
  (:func:`mention_mrkdwn`). The text around it is escaped as above, so a headline reading
  "<@U999>" stays text.

Nothing is ever cut mid-word, and every block stays within Block Kit's limits whatever
the input: a links line drops whole links it has no room for and counts them. A command
reply too long for one message continues in more (:func:`reply_pages`), up to the five
Slack takes in answer to a command; the lines beyond those are counted, not dropped.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any, Callable, Collection, Sequence
from urllib.parse import urlsplit

from bot.citations import ALERT_BODY_MAX, cited_links
from bot.digest_text import DIGEST_WHEN
from bot.mentions import Line, line_text, lines_of
from bot.model import Link, Mention, MessageKind, OutboundMessage, Reply
from bot.render import join_whole, reader_url, shorten, source_list

Block = dict[str, Any]

ZWJ = "\u200d"
HEADER_MAX = 150  # Slack's limit for header blocks
TEXT_MAX = 3000  # Slack's limit for one text object
FALLBACK_MAX = 300
# An alert's summary: as long as the core makes it (the same text as on Discord), so a
# fact added last to an updated alert, and its citation marker, are shown.
SUMMARY_MAX = ALERT_BODY_MAX
MAX_BLOCKS = 50
# Slack also refuses a message whose blocks hold too much text all together
# (``msg_blocks_too_long``). The limit is not documented: it was met at about 13,300
# characters of markdown blocks (slackapi/bolt-js#2509) and, by one team's count of their
# blocks' text, at 11,341 (bolt-js#2867), so a reply puts at most this much in one
# message, with a margin below both (five messages still carry 50,000 characters).
MESSAGE_TEXT_MAX = 10_000
# Slack takes at most five messages through one slash command's response_url.
REPLY_MESSAGES_MAX = 5
MORE_MAX = 300  # room kept in a reply's last message for the count of lines left out
LINK_LABEL_MAX = 80

_FORMAT_CHARS = re.compile(r"([*_~`])")
_CODE_SPAN = re.compile(r"(`[^`\n]+`)")  # a reply's `code`, kept (split keeps the spans)
_WHITESPACE = re.compile(r"\s+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
# In a command reply: a `code span`, a URL the reply wraps in <...>, or a bare URL.
# A bare URL does not end in punctuation: "see https://x.example/feed." links without the dot.
_REPLY_TOKEN = re.compile(
    r"(`[^`\n]+`)|<(https?://[^\s<>|]+)>|(https?://[^\s<>|]*[^\s<>|.,;:!?'\")\]])"
)
# A Slack user id: "U" (or "W" for an Enterprise Grid user), then capitals and digits.
_USER_ID = re.compile(r"[UW][A-Z0-9]+")


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
        format (each marker is wrapped in zero-width joiners), and which cannot start a
        block quote where it starts a line (a leading ``>`` gets a zero-width joiner
        before it: a thread note's facts start with their outlet's name).
    """
    one_line = _WHITESPACE.sub(" ", text).strip()
    escaped = _FORMAT_CHARS.sub(f"{ZWJ}\\1{ZWJ}", escape(one_line))
    return ZWJ + escaped if escaped.startswith("&gt;") else escaped


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
    """Shorten ``text`` to at most ``limit`` characters at a word, ending with "…" if cut.

    See :func:`bot.render.shorten`: only a first word longer than ``limit`` is cut inside.
    """
    return shorten(text, limit)


def fit(text: str, limit: int) -> str:
    """Escape ``text`` and shorten it so the escaped form fits in ``limit`` characters."""
    return escape(_shortened(text, limit, lambda t: len(escape(t))))


def _shortened(text: str, limit: int, size: Callable[[str], int]) -> str:
    """``text`` shortened at a word as little as needed for ``size(text) <= limit``.

    Escaping lengthens text by a varying amount ("&" becomes five characters), so the
    cut shrinks in proportion to the overshoot until the rendered text fits.
    """
    cut = limit
    while True:
        out = truncate(text, cut)
        rendered = size(out)
        if rendered <= limit or cut <= 1:
            return out
        cut = max(1, min(cut - 1, cut * limit // rendered))


def plain(text: str, limit: int = TEXT_MAX) -> dict[str, Any]:
    """A ``plain_text`` object with escaped text that fits Slack's length ``limit``."""
    return {"type": "plain_text", "text": fit(text, limit) or " ", "emoji": True}


def link_mrkdwn(link: Link) -> str:
    """Render one link as ``<url|label>``, or just the label if the URL is unsafe."""
    label = escape_mrkdwn(truncate(link.label or reader_url(link.url), LINK_LABEL_MAX))
    url = safe_url(reader_url(link.url))  # without ?utm_source=... (bot.render.reader_url)
    return f"<{url}|{label}>" if url else label


def links_mrkdwn(
    links: tuple[Link, ...] | list[Link], limit: int = TEXT_MAX, cited: Collection[int] = ()
) -> str:
    """The links line, ``<url|label> · <url|label>``, in at most ``limit`` characters.

    A link is kept or dropped whole (a cut URL would be a broken link): the ``cited``
    ones (places in ``links``) are taken first, then the others in order, and one that
    does not fit is skipped, so a very long tracking URL costs only itself. The kept
    links stay in their order (an alert's in number order); dropped links are counted:
    "… and 2 more".
    """
    return join_whole([link_mrkdwn(link) for link in links], " · ", limit, cited)


def date_mrkdwn(when: datetime) -> str:
    """A Slack date token that shows ``when`` in each reader's own time zone."""
    aware = when if when.tzinfo else when.replace(tzinfo=UTC)
    fallback = aware.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return f"<!date^{int(aware.timestamp())}^{{date_short_pretty}} {{time}}|{fallback}>"


def summary_text(message: OutboundMessage) -> str:
    """The body as shown: one or two lines for alerts and notices, all of a digest or of
    a plain message to a person (``INFO``).

    An alert's body comes from the core within ``SUMMARY_MAX`` and is shown whole; a
    longer one (a rewritten summary) is cut at a word with "…".
    """
    if message.kind in (MessageKind.DIGEST, MessageKind.INFO):
        return message.body
    lines = [line.strip() for line in message.body.splitlines() if line.strip()]
    return truncate("\n".join(lines[:2]), SUMMARY_MAX)


def _sections(lines: list[str], render: Callable[[list[str]], dict[str, Any]]) -> list[Block]:
    """Sections holding ``lines`` in order, each within Slack's text limit once rendered.

    Lines are never split across sections; ``render`` turns a chunk of lines into a
    text object (``plain`` or :func:`reply_mrkdwn`). A single line too long for a
    section is shortened at a word.
    """
    blocks: list[Block] = []
    chunk: list[str] = []
    for line in lines or [""]:
        line = _shortened(line, TEXT_MAX, lambda t: len(render([t])["text"]))
        if chunk and len(render([*chunk, line])["text"]) > TEXT_MAX:
            blocks.append({"type": "section", "text": render(chunk)})
            chunk = []
        chunk.append(line)
    blocks.append({"type": "section", "text": render(chunk)})
    return blocks


def _plain_lines(lines: list[str]) -> dict[str, Any]:
    """Lines as one escaped ``plain_text`` object, uncut (:func:`_sections` measures it)."""
    return {"type": "plain_text", "text": escape("\n".join(lines)) or " ", "emoji": True}


def fallback_text(message: OutboundMessage) -> str:
    """The notification text sent next to the blocks (``mrkdwn``, so fully neutralised)."""
    prefix = f"[{message.story_name}] " if message.story_name else ""
    text = prefix + headline(message)
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
    summary = summary_text(message)
    if not summary:
        body: list[Block] = []
    elif message.kind is MessageKind.DIGEST:  # one line per development, none cut off
        body = _digest_body(message, summary.splitlines())
    elif message.kind is MessageKind.INFO:  # a plain message to a person: all of it
        body = _sections(summary.splitlines(), _plain_lines)
    else:
        body = [{"type": "section", "text": plain(summary)}]
    return _blocks(message, body)


def digest_more_text(n: int) -> str:
    """The last line of a digest too long for one Slack message: what is left out."""
    return f"… and {n} more not shown: too long for one Slack message (/story status)"


def _digest_body(message: OutboundMessage, lines: list[str]) -> list[Block]:
    """A digest's sections: as many of its lines as fit one message, the rest counted.

    The core keeps a digest's text within ``DIGEST_BODY_MAX``, but Slack measures the
    escaped text, and "&", "<" and ">" take 4-5 characters each: headlines made of them
    could pass ``MESSAGE_TEXT_MAX`` and have the whole digest refused
    (``msg_blocks_too_long``) and given up. The longest leading run of lines that fits
    is found by halving (fewer lines are never longer), so hostile text with many short
    lines costs a few renderings, not one per line.
    """
    head, tail = _head(message), _tail(message)

    def body(n: int) -> list[Block]:
        shown = lines[:n] if n == len(lines) else [*lines[:n], digest_more_text(len(lines) - n)]
        return _sections(shown, _plain_lines)

    whole = body(len(lines))
    if _fits([*head, *whole, *tail]):
        return whole
    low, high = 0, len(lines) - 1  # body(low) is taken to fit; body(high + 1) does not
    while low < high:
        mid = (low + high + 1) // 2
        if _fits([*head, *body(mid), *tail]):
            low = mid
        else:
            high = mid - 1
    return body(low)


def _blocks(message: OutboundMessage, body: list[Block]) -> list[Block]:
    """The blocks of ``message`` around its rendered ``body`` sections."""
    tail = _tail(message)
    return [*_head(message), *body][: MAX_BLOCKS - len(tail)] + tail


def headline(message: OutboundMessage) -> str:
    """The headline as the header shows it: on one line, "(no headline)" for none.

    The fallback text says the same, so that a notification or a screen reader never
    gets an empty text for an item without a title.
    """
    return " ".join(message.title.split()) or "(no headline)"  # headers are one line


def _head(message: OutboundMessage) -> list[Block]:
    """The header block: the headline, on one line."""
    return [{"type": "header", "text": plain(headline(message), HEADER_MAX)}]


def _tail(message: OutboundMessage) -> list[Block]:
    """The blocks after the body: context (story, sources, time), links, footer."""
    context: list[dict[str, Any]] = []
    if message.story_name:
        context.append(plain(message.story_name, 150))
    sources = source_list(message.sources)
    if sources:
        context.append(plain(sources, 300))
    if message.when:
        when = date_mrkdwn(message.when)
        if message.kind is MessageKind.DIGEST:  # when its news was reported, labelled
            span = [t for t in (message.when_from, message.when) if t is not None]
            when = f"{DIGEST_WHEN} " + " – ".join(date_mrkdwn(t) for t in span)
        context.append({"type": "mrkdwn", "text": when, "verbatim": True})
    tail: list[Block] = []
    if context:
        tail.append({"type": "context", "elements": context})
    if message.links:
        links = links_mrkdwn(message.links, cited=cited_links(message))
        tail.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": links, "verbatim": True}}
        )
    if message.footer:
        tail.append({"type": "context", "elements": [plain(message.footer, 300)]})
    return tail


def thread_note_text(note: str, limit: int = TEXT_MAX // 2) -> str:
    """The text of a threaded reply carrying new facts (``mrkdwn``, neutralised).

    One fact a line, as in the alert's own "New" lines on Discord: each fact ends in its
    citation marker ("… [2]"), so a fact is kept whole when it fits and the rest counted
    ("… and 1 more"); one longer than the whole reply is cut at a word.
    """
    facts = [
        escape_mrkdwn(_shortened(line, limit, lambda t: len(escape_mrkdwn(t))))
        for line in note.splitlines()
        if line.strip()
    ]
    return join_whole(facts, "\n", limit)


def reply_mrkdwn(lines: Sequence[Line]) -> dict[str, Any]:
    """A command reply's lines as a ``verbatim`` ``mrkdwn`` object: links clickable.

    The reply is the bot's own text quoting feeds and users, so it is escaped like feed
    text, but its http(s) URLs (written ``<url>`` or bare) become links that show the
    URL itself (a label could disguise it) and its `code spans` are kept as code. Other
    ``*_~`` are neutralised, and a line starting with ``>`` is kept from quoting. A line
    that names someone (pieces: :func:`bot.mentions.lines_of`) has each mention written
    as :func:`mention_mrkdwn` writes it, and its text pieces escaped the same way.
    """
    out = []
    for line in lines:
        pieces = [line] if isinstance(line, str) else line
        text = "".join(
            mention_mrkdwn(p) if isinstance(p, Mention) else _reply_line(p) for p in pieces
        )
        out.append(ZWJ + text if text.lstrip().startswith("&gt;") else text)
    return {"type": "mrkdwn", "text": "\n".join(out) or " ", "verbatim": True}


def mention_mrkdwn(mention: Mention) -> str:
    """A Slack user storybot names in a reply: ``<@U123>``, which Slack shows as their name.

    Only a Slack user (``mention.platform``) with an id of a Slack user's shape
    (``U`` or ``W``, then capitals and digits) is written as a mention; anything else is
    its stand-in, escaped as reply text. A ``verbatim`` text object still reads such
    "manual parsing strings" (Slack's text object reference:
    https://docs.slack.dev/reference/block-kit/composition-objects/text-object).

    Who is notified: Slack has nothing like Discord's ``allowed_mentions``, so a mention
    in a message others see notifies the person named. An ephemeral slash-command
    response is "viewable to only the user who invoked the command" (slackapi/hubot-slack#221),
    and Slack's support said of ephemeral messages that they "aren't sent to our servers
    and only exist on the device that generated them" (quoted in mtthwhggns/tomatobot#58):
    the person named there is no recipient and gets no notification, so the mention need
    not be avoided there. Every reply naming an admin is ephemeral (``/story why``,
    ``/story wrong``); a reply others see shows the stand-in instead
    (:func:`reply_mentions`), so that a mention can never notify anyone.
    """
    if mention.platform == "slack" and _USER_ID.fullmatch(mention.user_id):
        return f"<@{mention.user_id}>"
    return _reply_plain(mention.shown)


def reply_mentions(reply: Reply) -> tuple[tuple[int, Mention], ...]:
    """The mentions of ``reply`` that are written as mentions: an ephemeral reply's, which
    notify no one (see :func:`mention_mrkdwn`); a reply others see shows each one's
    stand-in."""
    return reply.mentions if reply.ephemeral else ()


def _reply_line(line: str) -> str:
    """A reply's line (or the text of one beside a mention), escaped: its http(s) URLs
    links, its `code spans` code, everything else inert text."""
    parts = []
    last = 0
    for m in _REPLY_TOKEN.finditer(line):
        parts.append(_reply_plain(line[last : m.start()]))
        code, wrapped, bare = m.groups()
        # a web address the reply cut short ("…") is text: linked, it leads nowhere
        cut = (wrapped or bare or "").endswith("…")
        url = None if cut else safe_url(wrapped or bare)
        if code:
            parts.append(escape(code))
        elif url:
            parts.append(f"<{url}>")
        else:
            parts.append(_reply_plain(m.group(0)))
        last = m.end()
    parts.append(_reply_plain(line[last:]))
    return "".join(parts)


def _reply_plain(text: str) -> str:
    """Reply text outside code spans and links: escaped, ``*_~`` and stray backticks inert."""
    return _FORMAT_CHARS.sub(f"{ZWJ}\\1{ZWJ}", escape(_CONTROL.sub(" ", text)))


def reply_pages(reply: Reply) -> list[list[Block]]:
    """Render a command reply as the blocks of the messages that carry it, in order.

    The reply's lines are ``mrkdwn`` sections (see :func:`reply_mrkdwn`); a reply with a
    rich message (status) has that message's header first and its context and links
    last, around its body, which is reply text too. One message is usually enough. A
    longer reply continues in more messages, each within Slack's limits: ``MAX_BLOCKS``
    blocks, ``TEXT_MAX`` characters a section (lines are never split between sections)
    and ``MESSAGE_TEXT_MAX`` characters in all. Slack takes at most
    ``REPLY_MESSAGES_MAX`` messages in answer to a command: lines beyond those are
    counted in the last one (:func:`more_lines_text`), never dropped without a word.
    """
    if reply.message is None:
        return _paged([], lines_of(reply.text, reply_mentions(reply)) or [""], [])
    body = reply.message.body
    return _paged(_head(reply.message), body.splitlines() if body else [], _tail(reply.message))


def more_lines_text(n: int) -> str:
    """The last line of a reply too long for the messages Slack takes: what is left out."""
    lines = f"{n} more line{'s' if n != 1 else ''}"
    return (
        f"… and {lines} not shown: Slack takes at most {REPLY_MESSAGES_MAX} messages in "
        "answer to a command. Ask for less at a time; storybot's operator sees the whole "
        "answer with `storybot ask` in a terminal."
    )


def _paged(head: list[Block], lines: Sequence[Line], tail: list[Block]) -> list[list[Block]]:
    """``head``, sections holding ``lines`` and ``tail``, in as few messages as fit.

    Sections are filled line by line as long as the message they are in stays within
    Slack's limits. The last message Slack takes keeps room for ``tail`` and for the
    count of the lines that do not fit, so that both are always shown.
    """
    pages: list[list[Block]] = []
    page: list[Block] = list(head)
    chunk: list[Line] = []  # the lines of the section being filled, at the end of ``page``

    def fits(candidate: list[Line]) -> bool:
        section = _reply_section(candidate)
        if len(section["text"]["text"]) > TEXT_MAX:
            return False
        blocks = [*page, section]
        if len(pages) < REPLY_MESSAGES_MAX - 1:
            return _fits(blocks)
        return _fits([*blocks, *tail], extra_blocks=1, extra_text=MORE_MAX)

    for n, line in enumerate(lines):
        line = _fitted(line)
        while not fits([*chunk, line]):
            if chunk:  # this section is full: the line may start a new one in this message
                page.append(_reply_section(chunk))
                chunk = []
            elif len(pages) < REPLY_MESSAGES_MAX - 1 and page:  # this message is full
                pages.append(page)
                page = []
            else:  # the last message Slack takes is full
                more = {"type": "section", "text": reply_mrkdwn([more_lines_text(len(lines) - n)])}
                return [*pages, [*page, more, *tail]]
        chunk.append(line)
    if chunk:
        page.append(_reply_section(chunk))
    if tail and not _fits([*page, *tail]):  # not the last message: that kept room for it
        pages.append(page)
        page = []
    return [*pages, [*page, *tail]]


def _fitted(line: Line) -> Line:
    """A reply's line as one section holds it: shortened at a word if it is too long.

    A line naming someone that is too long (none is: the correction lines are short)
    is shortened as its plain text, its mentions given up for their stand-ins.
    """

    def size(candidate: Line) -> int:
        return len(reply_mrkdwn([candidate])["text"])

    if not isinstance(line, str):
        if size(line) <= TEXT_MAX:
            return line
        line = line_text(line)
    return _shortened(line, TEXT_MAX, size)


def _reply_section(lines: list[Line]) -> Block:
    return {"type": "section", "text": reply_mrkdwn(lines)}


def _fits(blocks: list[Block], extra_blocks: int = 0, extra_text: int = 0) -> bool:
    """Whether one message may hold ``blocks`` (and so many blocks and characters more)."""
    if len(blocks) + extra_blocks > MAX_BLOCKS:
        return False
    text = sum(len(obj["text"]) for block in blocks for obj in _text_objects(block))
    return text + extra_text <= MESSAGE_TEXT_MAX


def _text_objects(block: Block) -> list[dict[str, Any]]:
    """The text objects of a block: its ``text`` and its context ``elements``."""
    objects = [block["text"]] if "text" in block else []
    return objects + [e for e in block.get("elements", []) if "text" in e]


def reply_text(reply: Reply) -> str:
    """The fallback ``text`` of a command reply: one line of ``mrkdwn``, neutralised.

    As in the reply's blocks (:func:`reply_mrkdwn`), its `code spans` stay code (escaped,
    so nothing in them is a mention or a link), its mentions are written as
    :func:`mention_mrkdwn` writes them (those the cut leaves whole), and everything else
    is inert text. The spans are found line by line, as the blocks find them, before
    the lines are joined: a lone backtick in a headline must not pair with a command
    hint on a later line.
    """
    lines = []
    for line in lines_of(truncate(reply.text, FALLBACK_MAX), reply_mentions(reply)):
        pieces: list[str | Mention] = [line] if isinstance(line, str) else list(line)
        pieces = [p if isinstance(p, Mention) else _WHITESPACE.sub(" ", p) for p in pieces]
        if isinstance(pieces[0], str):
            pieces[0] = pieces[0].lstrip()
        if isinstance(pieces[-1], str):
            pieces[-1] = pieces[-1].rstrip()
        if pieces != [""]:
            lines.append(
                "".join(
                    mention_mrkdwn(p) if isinstance(p, Mention) else _fallback(p) for p in pieces
                )
            )
    text = " ".join(lines)
    return (ZWJ + text if text.startswith("&gt;") else text) or " "


def _fallback(text: str) -> str:
    """Fallback text outside mentions: its `code spans` escaped, the rest inert."""
    parts = _CODE_SPAN.split(text)
    return "".join(escape(p) if i % 2 else _reply_plain(p) for i, p in enumerate(parts))
