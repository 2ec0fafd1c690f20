"""An outlet's label on a headline (" - Reuters", " | AP News"), taken off before reading it.

Left in, such a label is a rare term shared by every report of one outlet, and on a
headline it outweighs the headline's own words: a story seeded from that outlet would
accept all of it. :func:`strip_outlet_suffix` removes it; what the outlet prints in its
bodies is :mod:`bot.engine.outlets`' concern.
"""

from __future__ import annotations

import re

_SUFFIX_TITLE = re.compile(r"\s*(?:\||::| - | — | – )\s*[^|:\-—–]{2,40}$")
# the separators of _SUFFIX_TITLE: what comes before the first one is a headline's lead
_SUFFIX_SEP = re.compile(r"\s*(?:\||::| - | — | – )\s*")
_SUFFIX_PARTS_MAX = 8  # trailing label parts strip_outlet_suffix removes, at most
# a headline part after a spaced separator that names a broadcaster or site: "KSLA News 12
# Shreveport, Louisiana News Weather & Sports", "wave3.com-Louisville News, Weather & Sports"
_OUTLET_SEP = re.compile(r"\s+(?:\||::|-|—|–)\s+")
_OUTLET_WORD = re.compile(
    r"\b(?:news|weather|sports|tv|radio|newschannel)\b|\w\.(?:com|net|org)\b", re.IGNORECASE
)


def strip_outlet_suffix(title: str) -> str:
    """Remove an outlet suffix such as " - Reuters", " | AP News" or ":: WRAL.com".

    Long broadcaster labels ("- KSLA News 12 Shreveport, Louisiana News Weather &
    Sports") hold commas and separators of their own; a tail after a spaced separator
    that names news, weather, sports, TV, radio or a web domain is taken as one. Left in,
    such a label is a rare term shared by every report of one outlet, and on a headline
    it outweighs the headline's own words: a story seeded from that outlet would accept
    all of it.

    Short trailing parts ("- WMC Action News 5 - Memphis, Tennessee") are removed one by
    one, for labels of several parts, but only while a part has no more words than the
    headline's lead (the text before its first separator): a label is shorter than the
    headline it follows, so "Mass Shooting – Killed – Male Teen – Malik Padgett
    (Greenwood, SC)" and "Oakland birthday shooting - 2 gunmen, 7 victims" are kept whole.
    A label with outlet words still goes after a short headline ("Man shot dead - WCIV-TV
    | ABC News 4 - Charleston News, Sports, Weather"), by the tail rule above.

    Args:
        title: A headline.

    Returns:
        The headline without a trailing outlet label (repeatedly, for "A - B | C").
    """
    # One space between words: the patterns' "\s*" over a long run of spaces would
    # backtrack quadratically (feed titles are normalised already; seeds' need not be).
    t = " ".join(title.split())
    # an outlet label is not longer than the headline it follows: a part after a
    # separator with more words than the lead (the text before the first separator) is
    # the headline's own ("Mass Shooting – Killed – Male Teen – Malik Padgett (Greenwood,
    # SC)", "Oakland birthday shooting - 2 gunmen, 7 victims")
    lead = -1  # counted at the first candidate (most headlines have none)
    # Each part removed costs a scan of the title: a hostile one of thousands of short
    # parts ("x - x - x ...") would cost a scan per part, quadratic in its length. No
    # outlet label has more parts than this.
    for _ in range(_SUFFIX_PARTS_MAX):
        prev = t
        m = _SUFFIX_TITLE.search(t)
        # keep at least a few words: "Trump - Clinton" is a headline, not a suffix
        if m and len(t[: m.start()].split()) >= 3:
            if lead < 0:
                lead = _words(_SUFFIX_SEP.split(t, maxsplit=1)[0])
            if _words(t[m.start() :]) <= lead:
                t = t[: m.start()].strip()
        if prev == t:
            break
    for m in _OUTLET_SEP.finditer(t):
        # the first separator after which everything is an outlet's label (long labels
        # hold separators and commas of their own, which the rule above refuses); the
        # tail's length is checked first: counting the words before every separator of
        # a long title would be quadratic
        if len(t) - m.end() > 100:
            continue
        tail = t[m.end() :]
        if len(t[: m.start()].split()) >= 3 and _OUTLET_WORD.search(tail):
            return t[: m.start()].strip()
    return t


def _words(text: str) -> int:
    # words of a headline part, separators and other bare punctuation left out
    return sum(1 for w in text.split() if any(c.isalnum() for c in w))
