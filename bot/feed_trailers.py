"""What blog software appends to a feed entry's excerpt: its footer and "read more" link.

WordPress ends every RSS excerpt with a footer naming the post and the site ("The post
Obama shuts down alien buzz ... appeared first on Boston.com.", or "... first appeared
on ..."), and themes end a cut excerpt with a link to the rest: "… Continue reading →",
"… Continue reading <title> →", "... Read more", "[…]". Read as the entry's text they
are neither news nor the outlet's words about the news: a keyword DM showed the footer
after the excerpt, and an alert could quote it as the report's sentence.

:func:`without_trailers` takes them off the end of a text, for what users read (a
notice's text, the sentences a summary may quote); relevance, copies and developments
read the text as it came (their figures were measured so). Only the end is looked at,
and only these shapes: a sentence that says "read more" in prose ("You can read more
about it in my guide.") is the writer's and stays.
"""

from __future__ import annotations

import re

# WordPress's footer: "The post <title> appeared first on <site>." ("first appeared on"
# in some versions), a paragraph of its own after the excerpt, naming the entry's own
# title (all 256 footers of the real-world corpus do): a sentence of the text ("The
# post office ... appeared first on the list ...") is not one.
_FOOTER_VERBS = ("appeared first on", "first appeared on")
_SITE_MAX = 120  # characters of the site's name that ends the footer
# An excerpt's link to the rest, ending the text: its label after the cut's ellipsis
# ("… Continue reading", "... Read more", "[…] Read More »"), or its label and arrow
# ("Continue reading →", "Continue reading <the post's title> →", "Read more »").
_LABELS = (
    "Continue reading",
    "Continue Reading",
    "Keep reading",
    "Read more",
    "Read More",
    "READ MORE",
)
_LABEL = "(?:" + "|".join(_LABELS) + ")"
_ARROW = r"(?:→|»|›|>>|&raquo;)"
_MORE_AFTER_CUT = re.compile(rf"(…|\.\.\.|\[…\]|\[\.\.\.\])\s*{_LABEL}\s*{_ARROW}?\s*\Z")
_MORE_WITH_ARROW = re.compile(rf"(?:^|\s){_LABEL}(?:\s[^\n]{{1,200}}?)?\s*{_ARROW}\s*\Z")
# WordPress's own mark of a cut excerpt, "[…]" or "[...]", ending it: shown as the "…"
# that marks a cut everywhere else ("… humble blog, […]" reads "… humble blog…").
_BRACKETED_CUT = re.compile(r"\s*\[(?:…|\.\.\.)\]\s*\Z")
_CUT_MARKS = ("[…]", "[...]")
# a cut after a sentence's end needs no "…": "... mountains. […]" reads "... mountains."
_SENTENCE_END = (".", "!", "?", "…")
_CLOSING = "\"'”’)"
_PASSES = 3  # a footer after a link after a bracketed cut, at most


def without_trailers(text: str, title: str = "") -> str:
    """``text`` without the footer and "read more" link blog software ended it with.

    Args:
        text: An entry's summary or body, as stored (paragraphs on lines of their own).
        title: The entry's headline, which a WordPress footer names; without it, the
            footer is not looked for.

    Returns:
        The text without them: empty when they were all of it, ending in "…" where a
        link to the rest followed a cut. Anything else is returned unchanged.
    """
    for _ in range(_PASSES):
        before = text
        text = _without_more_link(_without_footer(text, title))
        if text == before:
            break
    return text


def _without_footer(text: str, title: str) -> str:
    """``text`` without WordPress's "The post <title> appeared first on <site>." ending it."""
    title = " ".join(title.split())
    if not title or "The post " not in text:
        return text
    for verb in _FOOTER_VERBS:
        footer = f"The post {title} {verb} "
        at = text.rfind(footer)
        site = text[at + len(footer) :].strip() if at > 0 else ""
        if site and text[at - 1] == "\n" and "\n" not in site and len(site) <= _SITE_MAX:
            return text[:at].rstrip()
    return text


def _without_more_link(text: str) -> str:
    """``text`` without the link to the rest of the post that ends it."""
    # Each shape holds one of the labels or a bracketed cut, written as such: a text
    # with none (nearly every one) is not searched. A search tries the pattern from
    # every position of the text, and a notice's text can be a whole article.
    if any(label in text for label in _LABELS):
        if m := _MORE_AFTER_CUT.search(text):
            return _cut_at(text[: m.start()])
        if m := _MORE_WITH_ARROW.search(text):
            return text[: m.start()].rstrip()
    if any(mark in text for mark in _CUT_MARKS) and (m := _BRACKETED_CUT.search(text)):
        return _cut_at(text[: m.start()])
    return text


def _cut_at(head: str) -> str:
    """``head`` ended with the "…" of a cut, unless it ends a sentence there (an empty
    text stays empty)."""
    head = head.rstrip().rstrip(",;:").rstrip()
    if not head or head.rstrip(_CLOSING).endswith(_SENTENCE_END):
        return head
    return head + "…"
