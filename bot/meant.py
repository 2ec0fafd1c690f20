"""What a mistyped name probably meant: one rule for every "did you mean" storybot says.

A chat command ("staus"), a ``storybot`` sub-command or flag ("stroy", "--onse") and a
story name ("antropic-pentagon", "anthropic_pentagon", "AnthropicPentagon") are all
typed by hand; the reply names the one meant when a single known name is close enough.
Case is ignored on both sides (a story may be called "Pentagon"), and the name is
given back as it is known, not as it was typed.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

# How alike (difflib's ratio) a typed name must be to a known one: one letter wrong,
# missing or added in a name of four or more ("staus", "antropic-pentagon") is close.
CLOSE_ENOUGH = 0.75


def probably_meant(name: str, among: Iterable[str]) -> str | None:
    """The name in ``among`` a misspelt ``name`` probably is, as ``among`` spells it, or None.

    Case is ignored ("Subscribtions": "subscriptions"); callers to whom case matters
    (a one-letter flag: ``-V`` is not ``-v``) do not ask.
    """
    known = list(among)
    folded = [k.casefold() for k in known]
    close = difflib.get_close_matches(name.casefold(), folded, n=1, cutoff=CLOSE_ENOUGH)
    return known[folded.index(close[0])] if close else None
