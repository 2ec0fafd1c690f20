"""A message's links as chat shows them: deduplicated, few, and labelled honestly.

Chat shows a link's label, not its address, and labels come from feeds (an outlet's name,
a headline): :func:`honest_label` adds the link's own host to a label that names another
web address, so a feed cannot disguise a link to anywhere. :func:`message_links` makes the
links of every alert, notice and digest so.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Sequence
from urllib.parse import urlsplit

from bot.model import Link
from bot.render import shorten

MAX_LINKS = 5


# A web address in a label: "bank.com", "https://bank.com/login", "Log in at bank.co.uk",
# in any script ("bаnk.com" with a Cyrillic "а" looks like the bank's). A name of one
# letter is an abbreviation ("N.Korea fires missile", "W.Va. man arrested"), unless the
# label spells it as an address ("https://x.com", "www.x.com").
_DISGUISED_LABEL_MAX = 40
# The host added, its end kept: the site is the end of a host, and a long one
# ("bank.com.login-….evil.example") must not push it past the label's end, where chat
# cuts a label (Slack at 80 characters: 40 + " (" + 36 + ")" fits).
_SHOWN_HOST_MAX = 36
_LABEL_HOST = re.compile(
    r"(?<![\w.-])(?:(?:https?://|www\.)(?:[^\W_]|-)+|(?:[^\W_]|-){2,})"
    r"(?:\.(?:[^\W_]|-)+)*\.[^\W\d_]{2,}(?![\w-])",
    re.IGNORECASE,
)
# An ideographic full stop between Latin letters or digits reads as a dot (IDNA and
# browsers take it for one); in Chinese or Japanese text it ends a sentence.
_IDEOGRAPHIC_DOT = re.compile(r"(?<=[A-Za-z0-9-])[\u3002\uff61](?=[A-Za-z0-9])")


def _as_read(label: str) -> str:
    """``label`` as a reader reads it: look-alike dots as dots (NFKC maps the fullwidth,
    small and one-dot-leader forms to "."), invisible characters (zero-width spaces and
    joiners, word joiner, soft hyphen: format characters) gone."""
    text = "".join(ch for ch in label if unicodedata.category(ch) != "Cf")
    return _IDEOGRAPHIC_DOT.sub(".", unicodedata.normalize("NFKC", text))


def honest_label(label: str, url: str) -> str:
    """``label`` for a link to ``url``, with the link's own host added if it names another.

    Link labels come from feeds (an outlet's name, a headline), and chat shows the label,
    not the address: a feed titled "bank.com", or a headline "https://bank.com/login",
    would disguise a link to anywhere. A label naming a web address that is not the
    link's host (nor a domain of it: "reuters.com" for www.reuters.com) is followed by
    the host the link goes to: "bank.com (evil.example)".
    """
    try:
        host = (urlsplit(url).hostname or "").removeprefix("www.")
    except ValueError:
        return label
    if not host:
        return label
    for named in _LABEL_HOST.findall(_as_read(label)):
        named = named.lower().split("://")[-1].removeprefix("www.")
        if host != named and not host.endswith("." + named):
            # the label shortened, and a long host cut at its start: chat cuts a long
            # label at its end
            if len(host) > _SHOWN_HOST_MAX:
                host = "…" + host[-(_SHOWN_HOST_MAX - 1) :]
            return f"{shorten(label, _DISGUISED_LABEL_MAX)} ({host})"
    return label


def message_links(pairs: Sequence[tuple[str, str]], most: int = MAX_LINKS) -> tuple[Link, ...]:
    """Links for ``(label, url)`` pairs: each address once, at most ``most``, labelled
    honestly (:func:`honest_label`); a pair without a label is labelled with its address."""
    seen: set[str] = set()
    out = []
    for label, url in pairs:
        if url and url not in seen:
            seen.add(url)
            out.append(Link(label=honest_label(label, url) if label else url, url=url))
        if len(out) >= most:
            break
    return tuple(out)
