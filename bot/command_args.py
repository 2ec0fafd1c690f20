"""The arguments of a ``/story`` command: how many words it takes, a page number, ``--story``.

Each mistake is a usage error that quotes what was not understood and shows the
command's usage (from :mod:`bot.command_specs`), in the form the user's platform writes
it. Words the chat client changed on the way (a dash for ``--``, Slack's ``<url|label>``)
are read by :mod:`bot.command_words`, which ``stories add|remove`` (:mod:`bot.story_admin`)
share; those sit below the command table, and this module above it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.command_specs import usage
from bot.command_words import Number, argument_words, number, option_word
from bot.digest_schedule import AT_FORM, parse_at
from bot.errors import UsageError
from bot.meant import stories_spelled
from bot.ports import Store
from bot.query_lexer import QUOTE_CHARS, SINGLE_QUOTE_CHARS
from bot.render import OPTION_PLATFORMS, clip, say
from bot.stories import words_meant
from bot.validate import find_story


def arguments(
    command: str,
    rest: str,
    most: int,
    platform: str | None = None,
    store: Store | None = None,
    name_at: int = 0,
) -> list[str]:
    """The words of a command that takes at most ``most`` of them (:func:`argument_words`).

    More words than the command reads are a usage error rather than silently dropped:
    the user meant something by them (``follow NAME realtime 5``), and ignoring them
    would do something else without saying so. Where word ``name_at`` is a story's name
    (``store`` given), the error says the story probably meant: the words may be its
    name's, typed apart (:func:`bot.stories.words_meant`).
    """
    words = argument_words(rest)
    if len(words) > most:
        extra = clip(" ".join(words[most:]), 40)
        meant = words_meant(store, words[name_at:]) if store is not None else ""
        raise UsageError(
            f"`{command}` does not take '{extra}'.{meant} Usage: {usage(command, platform)}"
        )
    return words


def story_read(store: Store, words: list[str]) -> str | None:
    """The name of the one story ``words``, typed apart or quoted, name; None if not one.

    The story so named as typed (one stored before names had no spaces), else the one the
    words spell joined with '-', '_' or '.' (:func:`bot.meant.stories_spelled`:
    "anthropic pentagon" is ``anthropic-pentagon``). For commands that only show a
    story: see :func:`status_argument`.
    """
    typed = " ".join(words)
    if not typed:
        return None
    if (story := find_story(store, typed)) is not None:
        return story.name
    spelled = stories_spelled(typed, [s.name for s in store.list_stories()])
    return spelled[0] if len(spelled) == 1 else None


def _apart(words: list[str]) -> bool:
    """Whether ``words`` hold a story's name apart: several, or one quoted with spaces."""
    return len(words) > 1 or any(" " in word for word in words)


def status_argument(store: Store, rest: str, platform: str | None) -> str | None:
    """The story ``status`` names (None: the channel's or the only one).

    Its words apart, or quoted, that spell one story's name are that story (``status
    anthropic pentagon``): ``status`` takes no other word, so they can mean nothing
    else, and it changes nothing, its reply naming the story it shows. Other words are
    refused with the story probably meant (:func:`arguments`).
    """
    words = argument_words(rest)
    if _apart(words) and (name := story_read(store, words)) is not None:
        return name
    words = arguments("status", rest, 1, platform, store)
    return words[0] if words else None


# a word meant as a number (a page), right or wrong: "2", "0", "-1", "1.5"
_NUMBERISH = re.compile(r"[+-]?\d[\d.,]*")


def _page_number(word: str, platform: str | None) -> Number:
    """A page number from 1, or a usage error saying what a page number is.

    A number of any length is one: a page past the last is answered as such, naming it.
    """
    page = number(word.removeprefix("+"))
    if page is not None and page >= 1:
        return page
    raise UsageError(
        f"'{clip(word, 20)}' is not a page number: pages are numbered 1, 2, 3 … from the "
        f"newest developments. Usage: {usage('developments', platform)}"
    )


def developments_arguments(store: Store, rest: str, platform: str | None) -> tuple[str | None, int]:
    """The story (None: the channel's or the only one) and page of ``developments``.

    ``developments 2`` is page 2, unless a story is named "2" (names may be digits).
    Words the command would refuse (``developments anthropic pentagon 2``) that spell
    one story's name, with or without a page after them, are that story, as
    :func:`status_argument` reads them; read the two ways, they are refused.
    """
    words = argument_words(rest)
    if _apart(words[:1] if len(words) == 2 and _NUMBERISH.fullmatch(words[1]) else words):
        readings = set()
        if len(words) > 1 and _NUMBERISH.fullmatch(words[-1]):
            if (name := story_read(store, words[:-1])) is not None:
                readings.add((name, words[-1]))
        if (name := story_read(store, words)) is not None:
            readings.add((name, ""))
        if len(readings) == 1:
            name, page = readings.pop()
            return name, _page_number(page, platform) if page else 1
    words = arguments("developments", rest, 2, platform, store)
    if len(words) == 2:
        return words[0], _page_number(words[1], platform)
    if words and _NUMBERISH.fullmatch(words[0]) and not find_story(store, words[0]):
        return None, _page_number(words[0], platform)
    return (words[0] if words else None), 1


# a digest's period: a number of hours, perhaps with its unit ("6", "1.5", "2h", "2H")
_HOURS = re.compile(r"([+-]?(?:\d+(?:\.\d*)?|\.\d+))h?", re.IGNORECASE)


def digest_hours(word: str) -> float:
    """The hours of ``follow NAME digest HOURS``, or a usage error saying their form.

    A number, whole or with a decimal point, optionally followed by one "h"; whether it
    is in the range is the caller's check (``bot.model.valid_digest_hours``).
    """
    if match := _HOURS.fullmatch(word):
        return float(match.group(1))
    raise UsageError(
        f"Digest hours must be a number of hours such as 6 or 1.5, not '{clip(word, 30)}'."
    )


def follow_at(words: list[str], platform: str | None = None) -> tuple[list[str], int | None]:
    """``follow``'s words without ``at HH:MM``, and the minute of the day it names.

    ``at`` is looked for after the story's name (a story may be called "at"), and must
    end the command: ``follow NAME digest 24 at 09:00``.

    Raises:
        UsageError: ``at`` without a time, a time not in the form ``HH:MM``, or words
            after it.
    """
    at = next((i for i, w in enumerate(words) if i and w.lower() == "at"), None)
    if at is None:
        return words, None
    time = words[at + 1 :]
    if not time:
        raise UsageError(f"`at` needs {AT_FORM}. Usage: {usage('follow', platform)}")
    if len(time) > 1:
        extra = clip(" ".join(time[1:]), 40)
        raise UsageError(f"`follow` does not take '{extra}'. Usage: {usage('follow', platform)}")
    return words[:at], parse_at(time[0])


# The words of a command's text as the query language reads them: a "quoted phrase" is
# one segment, so an option inside quotes is a searched phrase, not an option. Every
# character belongs to one segment, so the text can be rebuilt without the options.
# Typographic quotes count as quotes here too, as they do in the query language.
_Q = re.escape(QUOTE_CHARS)
_SEGMENT = re.compile(
    rf"(?P<space>\s+)|(?P<phrase>[{_Q}][^{_Q}]*[{_Q}])|(?P<quote>[{_Q}])|(?P<word>[^\s{_Q}]+)"
)


def split_story_option(
    rest: str, command: str = "subscribe", platform: str | None = None
) -> tuple[str, str | None]:
    """Take ``--story NAME`` out of a command's text; return the rest and the name.

    The option may stand anywhere, with any spacing, as ``--story NAME``, ``--story=NAME``
    (or the older ``-s NAME`` and ``story:NAME``), the name perhaps in quotes, double or
    single (``--story 'anthropic pentagon'``, ``--story="anthropic pentagon"``); the rest
    keeps the user's own text and quoting. A word starting with ``--`` is never searched for: in the query language it
    would be a double negation, i.e. the word itself, so ``--stroy x`` would silently
    search for "stroy". ``--story`` without a name, given twice, or any other ``--word``
    is a usage error instead. The words after the name stay the rest's here;
    :func:`story_option` reads them as the name's too.
    """
    option = _split(rest, command, platform)
    return option.text(), option.story


@dataclass(frozen=True)
class StoryOption:
    """A command's text read for ``--story NAME`` (:func:`story_option`).

    Attributes:
        text: The rest of the text (the keywords), without the option.
        story: The story's name as the store spells it, or as typed when it names none
            (None: no ``--story``).
        after: When it names none, the plain words typed right after it, which may be
            the rest of it (for the "did you mean": ``no_such_story``'s ``then``).
    """

    text: str
    story: str | None
    after: tuple[str, ...] = ()


def story_option(store: Store, rest: str, command: str, platform: str | None = None) -> StoryOption:
    """``--story NAME`` of ``subscribe`` or ``unsubscribe``, its name read as users type it.

    The plain words typed right after the name may be keywords (``--story anthropic
    pentagon``: the story anthropic, "pentagon" among the keywords) or the rest of the
    name typed apart (``anthropic-pentagon``), which ``status anthropic pentagon`` reads
    so (:func:`story_read`). When one of those readings is a story, it is the one meant
    (the reply names the story); when several are, which one is not guessed: the
    command is refused naming each, as the command that says it, and nothing changes.

    Raises:
        UsageError: The option's own mistakes (:func:`split_story_option`), or a name
            read as several stories.
    """
    option = _split(rest, command, platform)
    if option.story is None:
        return StoryOption(option.text(), None)
    names = [s.name for s in store.list_stories()]
    after = option.words_after()
    readings: dict[str, int] = {}  # story -> how many of the words after the name it takes
    for taken in range(len(after) + 1):
        words = [option.story, *after[:taken]]
        if taken and len(" ".join(words)) > _LONGEST_NAME_READ:
            break
        if taken or _apart(words):
            found = _spelled(" ".join(words), names)
        else:  # one word, as before: "anthropic_pentagon" is a typo, said as such
            found = [story.name] if (story := find_story(store, option.story)) else []
        for name in found:
            readings.setdefault(name, taken)
    if not readings:
        return StoryOption(option.text(), option.story, tuple(after))
    if len(readings) > 1:
        raise _read_several_ways(option, readings, command, platform)
    ((name, taken),) = readings.items()
    return StoryOption(option.text(taken), name)


# The longest run of words tried as a story's name typed apart: a name has at most 64
# characters, and a pasted paragraph after --story is not tried word by word.
_LONGEST_NAME_READ = 100


def _spelled(typed: str, names: list[str]) -> list[str]:
    """The story named ``typed`` ignoring case (one stored before names had no spaces),
    else the one story its words spell (:func:`story_read`, on names already read)."""
    exact = [name for name in names if name.casefold() == typed.casefold()]
    spelled = exact or stories_spelled(typed, names)
    return spelled if len(spelled) == 1 else []


_WAYS = {2: "two", 3: "three"}
# what a command's usage calls its keywords (typed, and as Discord's option), said where
# a reading of ``--story`` leaves none
_NO_KEYWORDS = {
    "subscribe": ("<keywords>", "<keywords>"),
    "unsubscribe": ("<id|keywords>", "<id | keywords>"),
}


def _read_several_ways(
    option: _Option, readings: dict[str, int], command: str, platform: str | None
) -> UsageError:
    """The refusal of a ``--story`` name that reads as several stories (see
    :func:`story_option`): each reading, shortest name first, and the commands that say
    each, the name typed apart first (that is how it was typed)."""
    ordered = sorted(readings.items(), key=lambda reading: reading[1])
    most = ordered[-1][1]  # the words after the name that any reading takes
    said = []
    for name, taken in ordered:
        left = " ".join(option.words_after()[taken:most])
        said.append(
            f"the story `{name}`" + (f" with '{clip(left, 40)}' among the keywords" if left else "")
        )
    option_name = "query" if command == "subscribe" else "target"
    retyped = []
    for name, taken in reversed(ordered):
        # a reading that takes every word leaves none to search for: said with what the
        # command needs in their place, as its usage names it, so that it can be typed
        keywords = (
            clip(option.text(taken), 60) or _NO_KEYWORDS[command][platform in OPTION_PLATFORMS]
        )
        retyped.append(
            say(
                platform,
                f"`/story {command} {keywords} --story {name}`",
                f"`/story {command} {option_name}:{keywords} story:{name}`",
            )
        )
    done = "subscribed" if command == "subscribe" else "removed"
    ways = _WAYS.get(len(ordered), str(len(ordered)))
    return UsageError(
        f"`{clip(option.typed(most), 80)}` reads {ways} ways: {', '.join(said[:-1])}, or "
        f"{said[-1]}. Nothing was {done}. Say {', '.join(retyped[:-1])} or {retyped[-1]}."
    )


@dataclass(frozen=True)
class _Option:
    """A command's text split at ``--story``: its segments (:data:`_SEGMENT`) other than
    the option's, the name, and which of those segments are the plain words typed right
    after the name."""

    kept: tuple[str, ...]
    story: str | None
    after: tuple[int, ...]  # indexes in ``kept``
    # the option as typed: with its name, then with each further word after it
    spans: tuple[str, ...]

    def words_after(self) -> list[str]:
        return [self.kept[i] for i in self.after]

    def typed(self, words: int = 0) -> str:
        """The option as typed, with the first ``words`` words after its name."""
        return self.spans[words] if self.spans else ""

    def text(self, taken: int = 0) -> str:
        """The rest of the text, without the first ``taken`` words after the name; the
        spaces around what was taken out become one."""
        gone = set(self.after[:taken])
        kept = [t for j, t in enumerate(self.kept) if j not in gone]
        return "".join(
            " " if t.isspace() else t
            for j, t in enumerate(kept)
            if not (t.isspace() and j and kept[j - 1].isspace())
        ).strip()


def _split(rest: str, command: str, platform: str | None) -> _Option:
    """``rest`` split at ``--story NAME`` (see :func:`split_story_option`)."""
    hint = f"Usage: {usage(command, platform)}"
    segments = [(m.lastgroup, m.group(), m.start(), m.end()) for m in _SEGMENT.finditer(rest)]
    kept: list[str] = []
    story: str | None = None
    after: list[int] = []
    typed: list[str] = []
    # from the option on, while only plain words (and spaces) follow its name: where
    # the option as typed began, and the words after the name (see story_option)
    began: int | None = None
    i = 0
    while i < len(segments):
        kind, text, at, end = segments[i]
        i += 1
        option = option_word(text) if kind == "word" else None
        if (
            kind == "word"
            and text.startswith("story:")
            and (len(text) > len("story:") or _quoted_next(segments, i, end))
        ):
            option = "story=" + text[len("story:") :]
        elif text == "-s" and kind == "word":
            option = "story"
        if option is None:
            if began is not None and kind == "word" and not text.startswith("-"):
                after.append(len(kept))
                typed.append(rest[began:end])
            elif began is not None and kind != "space":
                began = None
            kept.append(text)
            if kind == "quote":  # unbalanced: the query parser explains it
                kept.extend(t for _, t, _, _ in segments[i:])
                break
            continue
        name, has_value, value = option.partition("=")
        if name.lower() != "story":
            shown = clip(text, 40)
            raise UsageError(
                f"'{shown}' is not an option: {command} has only --story NAME. "
                f"To leave a word out, write one dash (-word). {hint}"
            )
        began = None
        if not has_value:
            while i < len(segments) and segments[i][0] == "space":
                i += 1
            nxt = segments[i] if i < len(segments) else None
            if nxt is not None and nxt[0] in ("word", "phrase") and not nxt[1].startswith("-"):
                value = nxt[1]
                end = nxt[3]
                i += 1
        elif not value and _quoted_next(segments, i, end):
            # --story="anthropic pentagon": the name in quotes right after its sign
            value, end = segments[i][1], segments[i][3]
            i += 1
        opened = value[:1] in SINGLE_QUOTE_CHARS and not (
            len(value) > 1 and value[-1] in SINGLE_QUOTE_CHARS
        )
        if opened and (closing := _single_quote_end(segments, i)) is not None:
            # --story 'anthropic pentagon': the words up to the closing quote, which
            # (quoting words, as the query language reads them) are one name
            value += rest[end : segments[closing][3]]
            end = segments[closing][3]
            i = closing + 1
        value = " ".join(value.strip(QUOTE_CHARS + SINGLE_QUOTE_CHARS).split())
        if not value:
            raise UsageError(f"--story needs a story name after it. {hint}")
        # the same story twice (typed in the keywords and given as Discord's story
        # option) says nothing ambiguous
        if story is not None and story.casefold() != value.casefold():
            raise UsageError(
                f"--story is given twice ({story}, {clip(value, 60)}): give one story. {hint}"
            )
        if story is None:
            story, after, began, typed = value, [], at, [rest[at:end]]
    return _Option(tuple(kept), story, tuple(after), tuple(typed))


def _quoted_next(segments: list[tuple[str | None, str, int, int]], i: int, end: int) -> bool:
    """Whether segment ``i`` is a quoted phrase right after the one ending at ``end``."""
    return i < len(segments) and segments[i][0] == "phrase" and segments[i][2] == end


def _single_quote_end(segments: list[tuple[str | None, str, int, int]], i: int) -> int | None:
    """The segment from ``i`` on that ends with a single quote closing the one a story's
    name began with (only words and spaces between: a name holds no quotes), or None
    when no word does."""
    for j in range(i, len(segments)):
        kind, text = segments[j][:2]
        if kind == "space":
            continue
        if kind != "word":
            return None
        if text[-1] in SINGLE_QUOTE_CHARS:
            return j
    return None
