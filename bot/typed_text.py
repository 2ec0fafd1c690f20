"""What users type, read as the ``/story`` commands read it: pure text helpers.

:func:`storable_text` is every command's text (and the user's name) before it is parsed:
controls as spaces, invisible and bidirectional characters dropped. Whoever tells one
command from another before it is answered (the console, ``storybot ask``) reads it so
too, and needs none of the handlers' imports for it. Beside it, the other readings of
typed words that the handlers share: a list of subscription numbers (``unsubscribe 3 4``)
and whether a word is a link (``why`` and ``wrong`` take one).
"""

from __future__ import annotations

import ipaddress
import re
from typing import Sequence
from urllib.parse import urlsplit

from bot.command_words import Number
from bot.identity import BIDI_CONTROLS
from bot.model import Subscription

# What no one types and no database stores as text: control characters (PostgreSQL
# refuses NUL; C1 and ESC are terminal codes) and half a surrogate pair (a chat payload's
# JSON may spell one; it has no UTF-8). Controls separate words, as whitespace would.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Bidirectional embeddings, overrides and isolates are dropped, as they are from feed
# text (no word is split where a client put an isolate): a story's title or a query shown
# in a channel or the operator's terminal could otherwise turn the text after it around.
# So are the invisible characters a copied command brings along, which would make a
# command or story name typed right an unknown one ("Unknown command 'status'. Did you
# mean `status`?"): the zero-width space, word joiner and byte order mark and the soft
# hyphen (dropped inside words when keywords are matched, bot.textnorm), and the
# left-to-right, right-to-left and Arabic letter marks. The joiners (U+200C, U+200D) are
# kept: they are part of how Persian words and emoji sequences are written.
_DROPPED = re.compile(f"[{BIDI_CONTROLS}\u00ad\u061c\u200b\u200e\u200f\u2060\ufeff]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def storable_text(text: str) -> str:
    """``text`` as commands read it: controls as spaces, bidirectional controls and
    invisible characters (a zero-width space...) dropped, half a surrogate pair as U+FFFD.

    Whoever tells one command from another before it is answered (``storybot ask``
    choosing the database to answer from) reads the words so too: ``status`` then DEL is
    the command ``status``.
    """
    return _SURROGATE.sub("\ufffd", _CONTROLS.sub(" ", _DROPPED.sub("", text)))


_NUMBER_LIST = re.compile(r"#?\d+(?:[\s,]+#?\d+)+")


def several_numbers(
    typed: str, subs: list[Subscription]
) -> tuple[list[Subscription], list[Number]]:
    """The subscriptions ``3 4`` or ``#3, #4`` names, and the numbers that are not the user's.

    Read so only when the words are no subscription's keywords (checked first) and no
    story is named, and all or nothing: with a number that is not the user's, no
    subscription is returned, only those numbers (the reply names them). Words that are
    not such a list give two empty lists.
    """
    if not _NUMBER_LIST.fullmatch(typed.strip()):
        return [], []
    wanted = {Number(n) for n in re.findall(r"\d+", typed)}
    found = [s for s in subs if s.id in wanted]
    missing = sorted(wanted - {s.id for s in found})
    return ([], missing) if missing else (found, [])


def numbered(noun: str, numbers: Sequence[int]) -> str:
    """``subscription #9`` or ``subscriptions #8, #9``."""
    return noun + ("s " if len(numbers) > 1 else " ") + ", ".join(f"#{n}" for n in numbers)


def is_link(text: str) -> bool:
    """Whether ``text`` is a link: a scheme and a host, or pasted without its scheme as
    browsers show it (``news.example/a``, ``192.0.2.7/a``), a host name with a dot.

    "17", "-1", "abc" and "1.5" are none.
    """
    typed = "://" in text
    try:
        host = urlsplit(text if typed else f"//{text}").hostname
    except ValueError:  # an unbalanced "[" of an IPv6 address
        return False
    if not host or typed or ":" in host:  # ":": an IPv6 address in brackets
        return bool(host)
    labels = host.removesuffix(".").split(".")
    if len(labels) < 2 or not all(labels):
        return False
    try:
        ipaddress.IPv4Address(host)
    except ValueError:
        return any(c.isalpha() for c in labels[-1])  # a top-level domain: no number
    return True
