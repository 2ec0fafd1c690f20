"""What a mistyped name probably meant: one rule for every "did you mean" storybot says.

A chat command ("staus"), a ``storybot`` sub-command or flag ("stroy", "--onse") and a
story name ("antropic-pentagon", "anthropic_pentagon", "AnthropicPentagon") are all
typed by hand; the reply names the one meant when a single known name is close enough.
Case is ignored on both sides (a story may be called "Pentagon"), and the name is
given back as it is known, not as it was typed. A story's name is also typed as users
remember it: its words apart ("anthropic pentagon") or one of them ("anthropic"), which
no edit distance brings close to ``anthropic-pentagon``; :func:`stories_meant` finds
those too.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence

# How alike (difflib's ratio) a typed name must be to a known one: one letter wrong,
# missing or added in a name of four or more ("staus", "antropic-pentagon") is close.
CLOSE_ENOUGH = 0.75


def probably_meant(name: str, among: Iterable[str]) -> str | None:
    """The name in ``among`` a misspelt ``name`` probably is, as ``among`` spells it, or None.

    Case is ignored ("Subscribtions": "subscriptions"); callers to whom case matters
    (a one-letter flag: ``-V`` is not ``-v``) do not ask.
    """
    known = list(among)
    folded = [k.casefold() for k in known]
    close = difflib.get_close_matches(name.casefold(), folded, n=1, cutoff=CLOSE_ENOUGH)
    return known[folded.index(close[0])] if close else None


# The most stories a "did you mean" names: more containing the word typed point at none.
STORIES_MEANT_MAX = 3
# What separates the parts of a story's name, and the words of one typed apart.
_NAME_PARTS = re.compile(r"[\s._-]+")


def name_parts(name: str) -> list[str]:
    """The parts of a story's name, or of words typed for one, case ignored.

    "Anthropic Pentagon", "anthropic-pentagon", "anthropic_pentagon" and "anthropic.pentagon"
    all have the parts ``["anthropic", "pentagon"]``.
    """
    return [part for part in _NAME_PARTS.split(name.casefold()) if part]


def stories_spelled(typed: str, names: Iterable[str]) -> list[str]:
    """The stories whose name is ``typed``'s words joined with '-', '_' or '.', case ignored.

    "anthropic pentagon" (words a user typed apart, or quoted) is ``anthropic-pentagon``.
    Usually one; two when stories differ only in their separators.
    """
    parts = name_parts(typed)
    return [name for name in names if parts and name_parts(name) == parts]


def stories_meant(typed: str, names: Iterable[str], then: Sequence[str] = ()) -> list[str]:
    """The stories a name that names none probably means, as ``names`` spells them; at
    most :data:`STORIES_MEANT_MAX`, the likeliest first. One rule for every story
    "did you mean" (chat's commands, Discord's story options, the CLI).

    In order: the story ``typed`` spells with its words joined (:func:`stories_spelled`),
    with the words ``then`` typed after it, the longest run first (``follow anthropic
    pentagon digest`` names ``anthropic-pentagon``); else those a typo away, so joined
    (:func:`probably_meant`: "antropic pentagon"), and the stories of which it is
    the start or whole parts ("anthropic" or "pentagon": ``anthropic-pentagon``), when
    there are no more than :data:`STORIES_MEANT_MAX` (a word many names share points at
    none of them).

    Args:
        typed: The name as typed (it may hold words apart).
        names: The known stories.
        then: The words typed after it that the command refused or read otherwise.
    """
    known = list(names)
    runs = [" ".join([typed, *then[:end]]) for end in range(len(then), -1, -1)]
    for run in runs:
        if spelled := stories_spelled(run, known):
            return spelled[:STORIES_MEANT_MAX]
    # each run's (the words after a name may be the rest of it, or a mode and hours)
    close = [probably_meant("-".join(run.split()), known) for run in runs]
    close.append(probably_meant(typed, known))
    parts = name_parts(typed)
    containing = [name for name in known if parts and _contains(name_parts(name), parts)]
    if len(containing) > STORIES_MEANT_MAX:
        # a word many names share points at none of them, not even the one it is
        # closest to by length ("anthropic" is that close to "anthropic-chips")
        close = [name for name in close if name not in containing]
        containing = []
    meant = [name for name in close if name] + containing
    return list(dict.fromkeys(meant))[:STORIES_MEANT_MAX]


def _contains(name: list[str], typed: list[str]) -> bool:
    """Whether a name's parts start with ``typed`` ("anthropic-pen") or hold its parts in a
    run ("pentagon", "pentagon talks")."""
    if "-".join(name).startswith("-".join(typed)):
        return True
    return any(name[i : i + len(typed)] == typed for i in range(len(name) - len(typed) + 1))


def meant_list(meant: Sequence[str], quote: str = "`") -> str:
    """Names for a "did you mean": "`a`", "`a` or `b`", "`a`, `b` or `c`"."""
    shown = [f"{quote}{name}{quote}" for name in meant]
    return " or ".join(shown) if len(shown) < 3 else ", ".join(shown[:-1]) + " or " + shown[-1]


def did_you_mean(meant: Sequence[str]) -> str:
    """ " Did you mean `a` or `b`?" for chat, in backticks as chat suggests a command; ""
    for none."""
    return f" Did you mean {meant_list(meant)}?" if meant else ""
