"""``PLATFORM:ID``: how the operator's commands name a chat user or channel.

``storybot subscriptions --user slack:U024BE7LH`` and ``storybot follows remove
discord:1234567890123456789`` read one form, told apart from a typo the same way.
"""

from __future__ import annotations

# the platforms whose users subscribe and whose channels follow stories
PLATFORMS = ("slack", "discord", "console")


def parse_platform_id(text: str, kind: str, examples: str, how: str = "") -> tuple[str, str]:
    """``(platform, id)`` of a ``PLATFORM:ID`` value.

    The platform is matched ignoring case; the ID is kept as typed (Slack's are upper
    case). Whitespace around either is dropped.

    Args:
        text: The value as typed.
        kind: What it names, for the error ("user", "channel").
        examples: Two values of that kind, for the error.
        how: Where the operator finds such values, for the error (" as `storybot
            follows` lists it"), or "".

    Raises:
        ValueError: not ``PLATFORM:ID`` with a known platform and an ID without spaces.
    """
    platform, sep, ident = text.partition(":")
    platform, ident = platform.strip().lower(), ident.strip()
    if not sep or platform not in PLATFORMS or not ident or len(ident.split()) != 1:
        raise ValueError(
            f"not a {kind}: {text!r} (give PLATFORM:ID{how}, PLATFORM one of "
            f"{', '.join(PLATFORMS)}, e.g. {examples})"
        )
    return platform, ident
