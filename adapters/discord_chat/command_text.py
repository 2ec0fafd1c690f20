"""Build the neutral ``/story`` command text from Discord's typed options.

Discord hands us typed option values; ``bot.commands.Commands`` parses the text a user
would type after ``/story`` (``subscribe "supply chain" AND pentagon --story NAME``,
``follow NAME digest 6``, ``feeds add URL``, ``stories add NAME URL ... --title T``).
These pure functions bridge the two.

A story-name option is one word of that text. One holding words apart ("anthropic
pentagon", a title's words typed into ``story:``) would be taken apart there: ``status``
would refuse its second word, ``follow`` look for a story named by its first, ``stories
add`` read its second as a URL. Such a value is refused before any text is built, naming
it whole (:func:`spaced_story_name`).
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.stories import story_list, story_suggestion
from bot.validate import story_name_problem


def _word(value: object) -> str:
    """One option value with its whitespace collapsed (newlines would split commands)."""
    return " ".join(str(value).split())


def build(*parts: object) -> str:
    """Join the non-empty parts of a command with single spaces."""
    return " ".join(w for w in (_word(p) for p in parts if p is not None) if w)


def subscribe_text(query: str, story: str | None = None, *, verb: str = "subscribe") -> str:
    """``subscribe QUERY [--story NAME]``; the query keeps the user's own quoting.

    ``verb="unsubscribe"``: ``unsubscribe ID_OR_QUERY [--story NAME]``, the same shape.
    The story option is one value whatever it holds (:func:`_one_value`).
    """
    named = _word(story) if story else ""
    return build(verb, query, "--story" if named else None, _one_value(named) if named else None)


# what ``bot.command_args.split_story_option`` reads as a quote around a phrase
_QUOTES = '"\u201c\u201d\u201e\u201f\u00ab\u00bb\uff02'


def _one_value(value: str) -> str:
    """An option's value as one word after ``--story``: in quotes when it holds a space or
    starts with a dash, which the text after ``--story`` would otherwise read as keywords
    (``story:pentagon extra`` subscribed to "bakery AND extra" for pentagon) or as no name
    at all (``story:-x`` was "--story needs a story name after it", which no one typed).
    Quotes in it are dropped: no story's name holds one, and one would end the phrase.
    """
    if not value.startswith(("-", "\u2014", "\u2013")) and not set(value) & set(" " + _QUOTES):
        return value
    return '"' + "".join(c for c in value if c not in _QUOTES).strip() + '"'


def follow_text(
    story: str, mode: str | None = None, hours: float | None = None, at: str | None = None
) -> str:
    """``follow NAME [realtime | digest [HOURS] [at HH:MM]]``; hours or a time alone imply
    a digest. Hours or a time with ``mode:realtime`` are passed on, for the command to
    refuse as it refuses them typed (``follow NAME realtime 5``): dropping them would
    follow in real time someone who asked for something else."""
    at = _word(at) if at is not None else None
    if (hours is not None or at) and mode is None:
        mode = "digest"
    return build(
        "follow",
        story,
        mode,
        f"{hours:g}" if hours is not None else None,
        # one word: "9 am" would be read as the time "9" and a stray word
        "at" if at else None,
        at.replace(" ", "") if at else None,
    )


def stories_text(
    action: str | None = None,
    name: str | None = None,
    urls: str | None = None,
    title: str | None = None,
    yes: bool | None = None,
) -> str:
    """``stories [list | add NAME URL ... [--title T] | remove NAME [--yes]]``.

    ``urls`` is one option holding the URLs separated by spaces. The title goes last:
    ``stories add`` reads the rest of the text after ``--title`` as the title, so it needs
    no quoting whatever it holds.
    """
    return build(
        "stories",
        action,
        name,
        urls,
        "--yes" if yes else None,
        "--title" if title and title.strip() else None,
        title,
    )


def has_spaces(value: str | None) -> bool:
    """Whether a story-name option holds words apart (spaces at its ends do not count)."""
    return value is not None and len(value.split()) > 1


def spaced_story_name(value: str, names: Sequence[str] | None) -> str:
    """The refusal of a story-name option that holds words apart (see :func:`has_spaces`).

    It names the whole value and says the story-name rule (:func:`bot.validate.story_name_problem`).
    For a command that names a story there is (``names``: the known stories), it adds what
    the "no story named" reply adds (:func:`bot.stories.no_such_story`): the story meant
    (:func:`bot.stories.story_suggestion`, the same rule: first the words joined with "-",
    as a title's words, "anthropic pentagon", are mostly the name's); else the known
    stories. ``names`` None: the command names a new story (``stories add``), and the rule
    is all there is to say.
    """
    words = value.split()
    refusal = f"{story_name_problem(' '.join(words))}."
    if not names:
        return refusal
    if meant := story_suggestion(value, names):
        return f"{refusal}{meant}"
    return f"{refusal} Known stories: {story_list(list(names), 'discord')}."
