"""The words of a link's slug, read with an item whose body says little.

Many links name their report in a hyphenated last segment
("…/avon-park-suspect-turns-himself-in/"); for an item with no body or a short one, those
words add to its headline's (:mod:`bot.engine.analysis`), and ``/story why`` shows them.
"""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

_SLUG_SPLIT = re.compile(r"[-_+]+")


def url_slug(url: str) -> str:
    """The words of a link's slug: "…/2016/05/30/avon-park-suspect-turns-himself-in/".

    The last path segment that is a hyphenated phrase of at least three words (a file
    extension dropped, numbers and ids such as "idUSKCN1050U0" left out); "" when the link
    has none, as with a numeric id or a category path such as "/news/local/".

    Args:
        url: A link.

    Returns:
        The slug's words separated by spaces, or "".
    """
    try:
        path = unquote(urlsplit(url).path)
    except ValueError:
        return ""
    for segment in reversed([p for p in path.split("/") if p]):
        stem_, dot, ext = segment.rpartition(".")
        if dot and ext.isalpha() and len(ext) <= 5:
            segment = stem_
        words = [w for w in _SLUG_SPLIT.split(segment) if w.isalpha()]
        if len(words) >= 3:
            return " ".join(words)
    return ""
