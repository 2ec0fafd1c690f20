"""Words of a ``/story`` command's text as chat clients send them.

Two things chat does to what a user types: a client turns a typed ``--`` into a dash
(``--story`` arrives as ``—story``), and Slack sends a link as ``<https://x>`` or
``<https://x|label>`` (the label may hold spaces). The commands read both as meant.
"""

from __future__ import annotations

import re

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
