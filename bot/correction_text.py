"""How replies name a correction (``/story wrong``): who said what about an item, and when.

Shared by ``/story wrong``'s replies (:mod:`bot.story_wrong`) and ``/story why``
(:mod:`bot.why_text`), so a correction reads the same wherever it is shown.
"""

from __future__ import annotations

from bot.mentions import Piece
from bot.model import Correction, Mention
from bot.render import say

# the console's one user: the operator at the terminal (adapters.console.CONSOLE_USER)
_CONSOLE = "console"


def who(correction: Correction, platform: str | None) -> tuple[Piece, ...]:
    """The admin who gave ``correction``, as a reply to someone on ``platform`` names them.

    Someone on the asker's own platform is a mention (:mod:`bot.mentions`), which Slack
    and Discord show as the person's name; the reply stands to the asker alone (replies
    naming corrections are ephemeral), and adapters send it so that it pings no one.
    Someone on another platform cannot be mentioned there: they are "an admin on Slack",
    without their id, which means nothing on another platform; the terminal, the
    operator's, gives the id too (the operator can look it up). In lower case: "an admin
    (@Jane Doe)", as "storybot" is written at the start of a sentence too.
    """
    if correction.platform == _CONSOLE:
        return ("storybot's operator (in the terminal)",)
    if correction.platform == platform:
        mention = Mention(correction.platform, correction.user_id, f"@{correction.user_id}")
        return ("an admin (", mention, ")")
    where = f"an admin on {correction.platform.capitalize()}"
    if platform == _CONSOLE:
        return (f"{where} ({correction.user_id})",)
    return (where,)


def said(
    correction: Correction, story_name: str, platform: str | None, decided: bool = True
) -> tuple[Piece, ...]:
    """One sentence: who said on which day that the item is (or is not) part of the story,
    and what that changed (not the decision shown above it: later ones)."""
    part = "part" if correction.on_topic else "not part"
    day = correction.created_at.strftime("%Y-%m-%d")
    first, *rest = who(correction, platform)
    if isinstance(first, str) and not first.startswith("storybot"):
        first = first[:1].upper() + first[1:]
    follows = (
        "reports like it are taken more readily"
        if correction.on_topic
        else "reports like it are held back"
    )
    stands = "the decision above stands, and " if decided else ""
    return (
        first,
        *rest,
        f" said on {day} this is {part} of {story_name}: {stands}since then {follows}.",
    )


def wrong_command(url: str, story_name: str | None, platform: str | None) -> str:
    """``/story wrong`` of ``url`` (and the story, when it must be named) as ``platform``
    types it: what undoes or redoes a correction."""
    if story_name is None:
        return say(platform, f"/story wrong {url}", f"/story wrong url:{url}")
    return say(
        platform, f"/story wrong {url} {story_name}", f"/story wrong url:{url} story:{story_name}"
    )
