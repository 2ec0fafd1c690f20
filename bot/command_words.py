"""Words of a ``/story`` command's text as chat clients send them.

Two things chat does to what a user types: a client turns a typed ``--`` into a dash
(``--story`` arrives as ``—story``), and Slack sends a link as ``<https://x>`` or
``<https://x|label>`` (the label may hold spaces). The commands read both as meant.

Also read here, the same way for every command: where the command's name ends (at any
whitespace: Slack sends the text of several lines), a number (a page, a subscription's
or a feed's number), however many digits it has, and a quoted run of words, one argument
(a story's name typed as remembered, ``"anthropic pentagon"``).
"""

from __future__ import annotations

import re

from bot.query_lexer import QUOTE_CHARS, SINGLE_QUOTE_CHARS
from bot.render import clip

# Chat clients turn a typed "--" into a dash ("--story" arrives as "—story"): read as "--".
_DASHES = ("\u2014", "\u2013")

_SLACK_LINK = re.compile(r"<(https?://[^\s|<>]+)(?:\|[^<>]*)?>", re.IGNORECASE)


def option_word(word: str) -> str | None:
    """``word`` as an option (``--story=x`` gives ``story=x``), or None if it is no option."""
    for dash in _DASHES:
        if word.startswith(dash):
            return word[len(dash) :]
    return word[2:] if word.startswith("--") else None


def unlink(text: str) -> str:
    """``text`` with each Slack link (``<https://x|label>``, ``<https://x>``) as its URL."""
    return _SLACK_LINK.sub(r"\1", text)


def command_words(text: str) -> tuple[str, str]:
    """The command's name in ``text`` (what follows ``/story``), in lower case, and the rest.

    Any whitespace ends the name, as it separates the arguments: a tab, a line break
    (Slack sends the text of several lines as typed), a non-breaking space.
    """
    parts = text.split(None, 1)
    name = parts[0].lower() if parts else ""
    return name, parts[1].strip() if len(parts) > 1 else ""


# The most digits a number in a command is read with. Every page, subscription and feed
# number is far shorter (the store's id columns are 32-bit on PostgreSQL: it looks up no
# number beyond them); a longer one names nothing. int() refuses a number of more than
# 4,300 digits.
NUMBER_DIGITS = 18
# what a longer number is read as: more than any page or number storybot gives out
_BEYOND = 10**NUMBER_DIGITS


class Number(int):
    """A whole number a user typed: an int to compare with, shown in replies as typed.

    One of more than :data:`NUMBER_DIGITS` digits is read as ``10**NUMBER_DIGITS``, which
    names no page, subscription or feed, so it gets the reply of any number that names
    nothing; that reply echoes it as typed, shortened ("1111111111111111111…").
    """

    typed: str

    def __new__(cls, digits: str) -> Number:
        significant = digits.lstrip("0") or "0"
        value = int(significant) if len(significant) <= NUMBER_DIGITS else _BEYOND
        number = super().__new__(cls, value)
        number.typed = digits
        return number

    def __str__(self) -> str:
        return clip(self.typed, 20) if self >= _BEYOND else int.__str__(self)


def number(word: str) -> Number | None:
    """The whole number ``word`` is (decimal digits alone: no sign, no "#"), or None.

    Any number of digits is read (see :class:`Number`); digits are those ``int()`` reads
    ("٣" too, not "²").
    """
    return Number(word) if word.isdecimal() else None


# A quoted argument: "anthropic pentagon", “anthropic pentagon”, 'anthropic pentagon',
# from a quote opening a word to one closing a word (an apostrophe inside a word, as in
# o'brien, opens nothing)
_QD = re.escape(QUOTE_CHARS)
_QS = re.escape(SINGLE_QUOTE_CHARS)
_ARGUMENT = re.compile(
    rf"(?<!\S)(?:[{_QD}](?P<double>[^{_QD}]*)[{_QD}]|[{_QS}](?P<single>[^{_QS}]*)[{_QS}])(?!\S)"
    r"|\S+"
)


def argument_words(rest: str) -> list[str]:
    """The words of a command's text, a quoted run of words being one (without its quotes).

    A story's name typed as remembered, ``status "anthropic pentagon"``, is one argument,
    not a name and a word the command does not take; what it names is each command's to
    say (``status`` reads the story its words spell; others name it in their refusal:
    :func:`bot.stories.story_suggestion`). Empty quotes are no word.
    """
    words = []
    for match in _ARGUMENT.finditer(rest):
        quoted = match.group("double")
        if quoted is None:
            quoted = match.group("single")
        if quoted is None:
            words.append(match.group())
        elif quoted.split():
            words.append(" ".join(quoted.split()))
    return words
