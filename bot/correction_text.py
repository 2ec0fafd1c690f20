"""How replies name a correction (``/story wrong``): who said what about an item, and when.

Shared by ``/story wrong``'s replies (:mod:`bot.story_wrong`) and ``/story why``
(:mod:`bot.why_text`), so a correction reads the same wherever it is shown.
"""

from __future__ import annotations

from bot.model import Correction
from bot.render import say

# the console's one user: the operator at the terminal (adapters.console.CONSOLE_USER)
_CONSOLE = "console"


def who(correction: Correction, platform: str | None) -> str:
    """The admin who gave ``correction``, as a reply to someone on ``platform`` names them.

    A Slack or Discord user is written as that platform writes a mention (``<@U123>``);
    the reply is escaped as every reply is, so it shows the id and pings no one. Someone
    on another platform than the asker's is named with the platform. In lower case: "an
    admin (<@U123>)", as "storybot" is written at the start of a sentence too.
    """
    if correction.platform == _CONSOLE:
        return "storybot's operator (in the terminal)"
    mention = f"<@{correction.user_id}>"
    if correction.platform == platform:
        return f"an admin ({mention})"
    return f"an admin on {correction.platform.capitalize()} ({mention})"


def said(
    correction: Correction, story_name: str, platform: str | None, decided: bool = True
) -> str:
    """One sentence: who said on which day that the item is (or is not) part of the story,
    and what that changed (not the decision shown above it: later ones)."""
    part = "part" if correction.on_topic else "not part"
    day = correction.created_at.strftime("%Y-%m-%d")
    speaker = who(correction, platform)
    speaker = speaker if speaker.startswith("storybot") else speaker[:1].upper() + speaker[1:]
    follows = (
        "reports like it are taken more readily"
        if correction.on_topic
        else "reports like it are held back"
    )
    stands = "the decision above stands, and " if decided else ""
    return f"{speaker} said on {day} this is {part} of {story_name}: {stands}since then {follows}."


def wrong_command(url: str, story_name: str | None, platform: str | None) -> str:
    """``/story wrong`` of ``url`` (and the story, when it must be named) as ``platform``
    types it: what undoes or redoes a correction."""
    if story_name is None:
        return say(platform, f"/story wrong {url}", f"/story wrong url:{url}")
    return say(
        platform, f"/story wrong {url} {story_name}", f"/story wrong url:{url} story:{story_name}"
    )
