"""Media captions are not an item's text when the item has text of its own.

Media RSS's ``<media:description>`` describes a picture or a video: a photo caption
("Steve Witkoff and Jared Kushner in Israel last October."), a credit line. feedparser
reads it as one more description: after the item's ``<description>`` it becomes the
item's *content* (so the caption is the body storybot judges and quotes, and the
description only its summary), and before it the caption is the *summary* (so a
keyword DM quotes the caption; after the full text, it replaces the summary). Of the
200 real feeds of the evaluation corpus, the New York Times (40 items) and ABC News
Australia (25) had the caption read as the whole content, The Week (50) and El País (54)
as the content's first paragraph, NDTV (19) and Rest of World (3) as the summary.

So both parsing paths set the captions aside: an entry's summary and content come from
its other elements, and only an entry with none (a video feed whose only text is the
video's description) is read with its captions, exactly as feedparser reads it.
feedparser has no switch for this, so its path parses the document with each
``<prefix:description>`` of a prefix bound to the Media RSS namespace renamed to an
element it does not know (:func:`set_captions_aside`); the fast path skips those same
elements, and leaves the document to feedparser when it finds one the renaming would
not catch (a caption in the default namespace, or the tag written in a CDATA section).
"""

from __future__ import annotations

import re

MEDIA_RSS = frozenset({"http://search.yahoo.com/mrss/", "http://search.yahoo.com/mrss"})
_DECLARED = re.compile(
    rb"""xmlns:([A-Za-z_][\w.-]*)\s*=\s*["']http://search\.yahoo\.com/mrss/?["']"""
)
# what the renamed caption is called: feedparser keeps an unknown element's text under
# its name and gives it no other meaning
_ASIDE = b"storybot_caption"


def caption_prefixes(data: bytes) -> frozenset[str]:
    """The prefixes ``data`` binds to the Media RSS namespace (usually just "media")."""
    return frozenset(m.group(1).decode() for m in _DECLARED.finditer(data))


def _tags(prefixes: frozenset[str]) -> re.Pattern[bytes]:
    names = b"|".join(re.escape(p.encode()) for p in sorted(prefixes))
    # attributes go too ("type"): an unknown element with attributes would have
    # feedparser keep them instead of its text
    return re.compile(rb"<(/?)(" + names + rb"):description\b[^>]*?(/?)>")


def caption_tags(data: bytes) -> int:
    """How many caption start tags :func:`set_captions_aside` renames in ``data``."""
    prefixes = caption_prefixes(data)
    if not prefixes:
        return 0
    return sum(1 for m in _tags(prefixes).finditer(data) if not m.group(1))


def set_captions_aside(data: bytes) -> bytes:
    """``data`` (UTF-8) with each Media RSS caption element renamed out of feedparser's
    way: ``<media:description type="plain">`` becomes ``<media:storybot_caption>``."""
    prefixes = caption_prefixes(data)
    if not prefixes:
        return data
    return _tags(prefixes).sub(
        lambda m: b"<%s%s:%s%s>" % (*m.group(1, 2), _ASIDE, m.group(3)), data
    )
