"""Quiet the two warnings discord.py logs about voice, which storybot never uses.

``discord.Client()`` warns once per process that PyNaCl and davey are not installed,
"voice will NOT be supported": true, and of no concern to a bot that only sends text,
yet logged at WARNING on every start (and read by operators as something to fix).
Exactly those two messages are dropped, by a filter on the ``discord.client`` logger;
every other discord.py warning still shows.
"""

from __future__ import annotations

import logging

VOICE_WARNINGS = frozenset(
    {
        "PyNaCl is not installed, voice will NOT be supported",
        "davey is not installed, voice will NOT be supported",
    }
)


class VoiceWarningFilter(logging.Filter):
    """Drops discord.py's "… is not installed, voice will NOT be supported" warnings."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.levelno == logging.WARNING and record.getMessage() in VOICE_WARNINGS)


def quiet_voice_warnings() -> None:
    """Install :class:`VoiceWarningFilter` on ``discord.client`` once (before a Client is made)."""
    logger = logging.getLogger("discord.client")
    if not any(isinstance(f, VoiceWarningFilter) for f in logger.filters):
        logger.addFilter(VoiceWarningFilter())
