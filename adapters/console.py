"""The console chat adapter: alerts print to the terminal, commands are read from it.

It is the embedded default: no tokens, no network. It implements the same ``ChatAdapter``
port as Slack and Discord, so the demo exercises the real outbox and delivery worker.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import sys
import threading
from collections import OrderedDict, deque
from datetime import UTC, datetime
from typing import Callable, TextIO

from bot.citations import cited_links
from bot.digest_text import DIGEST_WHEN
from bot.errors import PostUnverifiable
from bot.link_labels import MAX_LINKS
from bot.model import CommandRequest, MessageKind, OutboundMessage, Reply, Target
from bot.ports import CommandHandler
from bot.render import counted, reader_url, source_list
from bot.stories import CONSOLE_PLATFORM
from bot.thread_notes import shown_facts

CONSOLE = CONSOLE_PLATFORM
CONSOLE_CHANNEL = "terminal"
CONSOLE_USER = "operator"


# What ``OutboundMessage.when`` is, for each kind of message, as the console labels it.
_WHEN = {
    MessageKind.ALERT: "first reported",
    MessageKind.NOTICE: "published",
    MessageKind.DIGEST: DIGEST_WHEN,  # a span when its reports came at several times
}
# Links printed: as many as an alert carries (MAX_LINKS), so the console lists what Slack
# and Discord do; a digest's others are counted. Cited links are never the ones left out.
CONSOLE_LINKS = MAX_LINKS


def render_console(message: OutboundMessage, *, edited: bool = False) -> str:
    """Plain-text rendering with a marker for the kind of message.

    An edited alert's new fact (``thread_note``, a threaded reply on Slack) is printed
    after its summary, marked "new:", as Discord shows it in the edited embed; a fact
    the summary quotes is named, not printed again (:func:`bot.thread_notes.shown_facts`).
    """
    if message.kind is MessageKind.INFO:
        return _render_info(message)
    marker = {
        MessageKind.ALERT: "NEW DEVELOPMENT" if not edited else "UPDATED",
        MessageKind.NOTICE: "KEYWORD MATCH",
        MessageKind.DIGEST: "DIGEST",
    }[message.kind]
    story = f" [{message.story_name}]" if message.story_name else ""
    lines = [f"== {marker}{story}: {_one_line(message.title)}"]
    if message.body:
        lines += [f"   {line}" for line in message.body.splitlines() if line.strip()]
    lines += [f"   new: {fact}" for fact in shown_facts(message)]
    if message.sources:
        # a count only where there is something to count: "(1 outlet)" after one name
        count = f" ({counted(len(message.sources), 'outlet')})" if len(message.sources) > 1 else ""
        lines.append(f"   sources: {source_list(message.sources)}{count}")
    cited = cited_links(message)
    room = max(CONSOLE_LINKS, len(cited))
    shown = sorted(sorted(range(len(message.links)), key=lambda i: i not in cited)[:room])
    for i in shown:
        lines.append(f"   {message.links[i].label}: {reader_url(message.links[i].url)}")
    if len(message.links) > len(shown):
        lines.append(f"   … and {counted(len(message.links) - len(shown), 'more link')}")
    if message.when:
        span = [t for t in (message.when_from, message.when) if t]
        times = " – ".join(f"{_utc(t):%Y-%m-%d %H:%M}" for t in span)
        lines.append(f"   {_WHEN[message.kind]} {times} UTC")
    if message.footer:
        lines.append(f"   {message.footer}")
    return "\n".join(lines)


def _utc(when: datetime) -> datetime:
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).astimezone(UTC)


def _render_info(message: OutboundMessage) -> str:
    """A plain message to a person (their subscriptions removed): title, then body."""
    lines = [f"== STORYBOT: {_one_line(message.title)}"]
    lines += [f"   {line}" for line in message.body.splitlines() if line.strip()]
    return "\n".join(lines)


def _one_line(text: str) -> str:
    return " ".join(text.split())


# Messages the console remembers, newest last (the demo's check and tests read them):
# bounded, so `storybot run` or a worker printing alerts for months keeps no more.
CONSOLE_HISTORY = 1000
# Keys of the messages this process printed, newest last, for ``find_posted``: a delivery
# whose "delivered" write failed is retried within ticks (the outbox's back-off: an hour
# at most), long before this many later messages push its key out.
CONSOLE_PRINTED_KEYS = 10_000


class ConsoleAdapter:
    """Prints outgoing messages; answers commands typed at the terminal.

    ``posted`` and ``edited`` hold the last ``history`` messages of each kind.

    A message printed but not recorded as delivered (the database failed the write, or
    the process died) is looked for before it is printed again (``find_posted``, as the
    Slack sink looks in the channel): this process remembers the keys it printed and the
    message each id shows, so the retry neither prints it again nor redraws it as an
    update. What an earlier process printed it cannot know (a terminal keeps no record):
    ``PostUnverifiable``, and the delivery worker prints it again with a warning.
    """

    platform = CONSOLE

    def __init__(
        self, out: TextIO | None = None, *, show_edits: bool = True, history: int = CONSOLE_HISTORY
    ) -> None:
        self.out = out or sys.stdout
        self.show_edits = show_edits
        self._ids = itertools.count(1)
        self.posted: deque[tuple[str, OutboundMessage]] = deque(maxlen=history)
        self.edited: deque[tuple[str, OutboundMessage]] = deque(maxlen=history)
        # idempotency key -> (message id, the message that id shows now)
        self._printed: OrderedDict[str, tuple[str, OutboundMessage]] = OrderedDict()
        self._keys: dict[str, str] = {}  # message id -> its key, for edits

    async def post(self, target: Target, message: OutboundMessage, *, idempotency_key: str) -> str:
        message_id = f"console-{next(self._ids)}"
        self.posted.append((message_id, message))
        self._print(render_console(message), target)
        self._remember(idempotency_key, message_id, message)
        return message_id

    async def find_posted(
        self, target: Target, key: str, *, oldest: datetime | None = None
    ) -> str | None:
        """The id this process printed ``key``'s message under (see the class docstring).

        Raises:
            PostUnverifiable: not printed by this process; an earlier one may have.
        """
        printed = self._printed.get(key)
        if printed is None:
            raise PostUnverifiable(
                "the console keeps no record of what an earlier storybot process printed"
            )
        return printed[0]

    def _remember(self, key: str, message_id: str, message: OutboundMessage) -> None:
        self._printed[key] = (message_id, message)
        self._printed.move_to_end(key)
        self._keys[message_id] = key
        while len(self._printed) > CONSOLE_PRINTED_KEYS:
            _, (old_id, _) = self._printed.popitem(last=False)
            self._keys.pop(old_id, None)

    async def edit(
        self,
        target: Target,
        message_id: str,
        message: OutboundMessage,
        *,
        since: datetime | None = None,
    ) -> None:
        key = self._keys.get(message_id)
        if key is not None and self._printed[key][1] == message:
            return  # already shows it: a retry whose record failed, not an update
        self.edited.append((message_id, message))
        if key is not None:
            self._remember(key, message_id, message)
        if self.show_edits:
            self._print(render_console(message, edited=True), target)

    def _print(self, text: str, target: Target) -> None:
        if target.user_id:
            text = f"(DM to {target.user_id})\n{text}"
        print(text, file=self.out, flush=True)

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None


def console_request(text: str) -> CommandRequest:
    """A command typed by the local operator (who is an admin of their own terminal)."""
    return CommandRequest(
        text=text,
        platform=CONSOLE,
        user_id=CONSOLE_USER,
        channel_id=CONSOLE_CHANNEL,
        user_name=CONSOLE_USER,
        is_admin=True,
    )


# /story commands that only read (see asks_only_to_read) ...
_READING_ASKS = frozenset({"status", "developments", "subscriptions", "why"})
# ... and these, but for their subcommands that change things (`feeds add`, `stories remove`)
_LISTING_ASKS = frozenset({"feeds", "stories"})


# The optional "/story" before a command, as the README and Slack write commands: in any
# case, followed by whitespace or the end (`/storystatus` is no `status`). `storybot ask`
# and `storybot chat` both drop it (see without_story_prefix).
_STORY_PREFIX = re.compile(r"\s*/story(?:\s+|$)", re.IGNORECASE)
# what ends `storybot chat`, in any case (typed alone on its line, /story before it or not)
_QUIT_WORDS = frozenset({"quit", "exit"})


def without_story_prefix(text: str) -> str:
    """``text`` without a leading ``/story`` (see ``_STORY_PREFIX``) and the space after
    it; other text as it is: ``/STORY status`` is ``status``, ``/storystatus`` stays."""
    prefix = _STORY_PREFIX.match(text)
    return text[prefix.end() :] if prefix else text


def says_quit(line: str) -> bool:
    """Whether the line typed into ``storybot chat`` ends it: ``quit`` or ``exit``, in any
    case, with spaces around it or not (``/story`` before it is dropped first)."""
    return line.strip().lower() in _QUIT_WORDS


def _words(text: str) -> list[str]:
    """A command's words in lower case: command names are matched ignoring case, and a
    control character separates words, as the commands read them (``storable_text``)."""
    from bot.typed_text import storable_text

    return storable_text(text).lower().split()


def asks_only_help(text: str) -> bool:
    """Whether the /story command ``text`` only gets the help: ``help``, nothing, or an
    unknown command (answered with the help)."""
    from bot.commands import COMMANDS

    verb = _words(text)[:1]
    return verb in ([], ["help"]) or verb[0] not in {c.name for c in COMMANDS}


def asks_only_to_read(text: str) -> bool:
    """Whether the /story command ``text`` only reads (``status``, ``feeds``, ``why`` ...)."""
    words = _words(text)
    verb = words[0] if words else ""
    # `feeds` but `feeds add|remove` lists the feeds or says how to use it
    return verb in _READING_ASKS or (
        verb in _LISTING_ASKS and words[1:2] not in (["add"], ["remove"])
    )


def format_reply(reply: Reply) -> str:
    return reply.text if reply.ok else f"error: {reply.text}"


async def _read_in_thread(read: Callable[[str], str], prompt: str) -> str:
    """``read(prompt)`` in a daemon thread of its own, awaited.

    Not in the loop's default executor: a thread blocked in ``input()`` there is joined
    when ``asyncio.run`` shuts down, so after Ctrl-C ``storybot chat`` would hang until
    the next Enter. A daemon thread is left to the interpreter's exit instead.
    """
    loop = asyncio.get_running_loop()
    answer: asyncio.Future[str] = loop.create_future()

    def settle(value: str | None, error: BaseException | None) -> None:
        if answer.done():  # the reader was given up (cancelled)
            return
        if error is not None:
            answer.set_exception(error)
        else:
            answer.set_result(value or "")

    def run() -> None:
        try:
            value = read(prompt)
        except BaseException as exc:  # EOFError, KeyboardInterrupt: the caller decides
            _call_soon(loop, settle, None, exc)
            return
        _call_soon(loop, settle, value, None)

    threading.Thread(target=run, name="storybot-chat-input", daemon=True).start()
    return await answer


def _call_soon(loop: asyncio.AbstractEventLoop, fn: Callable[..., None], *args: object) -> None:
    try:
        loop.call_soon_threadsafe(fn, *args)
    except RuntimeError:  # the loop closed while the line was being read: nobody waits
        pass


async def interactive(
    commands: CommandHandler,
    read: Callable[[str], str] = input,
    out: TextIO | None = None,
    *,
    banner: bool = True,
) -> bool:
    """Read commands until EOF or ``quit`` and print the replies (``storybot chat``).

    Each line is read as ``storybot ask`` reads its words: a leading ``/story`` (any case,
    then a space or the end) is dropped, and ``--`` is a word like any other.

    ``banner`` (how to use it) is for a person at a terminal; piped input goes without.

    Returns:
        Whether a command that may store something succeeded: not only reads, help and
        refusals (a chat that made a new database for nothing removes it again).
    """
    out = out or sys.stdout
    if banner:
        print("storybot chat: type a command (help, status, subscribe ...), or quit.", file=out)
    changed = False
    while True:
        try:
            line = await _read_in_thread(read, "/story ")
        except (EOFError, KeyboardInterrupt):
            if banner:  # ends the prompt's line; piped input had no prompt, so no blank line
                print(file=out)
            return changed
        line = without_story_prefix(line.strip())
        if says_quit(line):
            return changed
        if not line:
            continue
        reply = await commands.handle(console_request(line))
        print(format_reply(reply), file=out, flush=True)
        if reply.ok and not (asks_only_help(line) or asks_only_to_read(line)):
            changed = True
