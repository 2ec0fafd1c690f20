"""Which language an item is written in, as far as its function words tell.

Besides the English stop words, an item in German, Spanish, French, Italian, Portuguese
or Dutch loses its own function words and endings when its terms are read
(:mod:`bot.engine.languages`, :mod:`bot.engine.stemmers`). Its headline, its body and
its lead are all read in the language :func:`item_language` tells from the whole item,
so that a term means the same in each of them. Anything not told apart is "en", read as
the engine always read it.
"""

from __future__ import annotations

from collections import Counter
from itertools import chain

from bot.engine.languages import ENGLISH_MARKERS, MARKERS, SHARED_MARKERS
from bot.engine.words import find_words

# the text language_of reads: an item's headline and the start of its body
_LANGUAGE_SAMPLE = 1000
# different function words of another language an item needs (and more than English ones):
# an article has dozens; a line of Spanish page furniture under an English report
# ("Para ver más de ... en Facebook, inicia sesión o crea una cuenta") has three
_LANGUAGE_MIN_HITS = 4


def _marker_languages() -> dict[str, tuple[str, ...]]:
    # each marker word's languages (bot.engine.languages): ("en",) for the English ones,
    # and more than one for a word a later language shares (SHARED_MARKERS: "que" is
    # ("es", "pt"))
    languages: dict[str, tuple[str, ...]] = {
        w: (lang,) for lang, words in MARKERS.items() for w in words
    }
    for w, more in SHARED_MARKERS.items():
        languages[w] += more
    return languages | dict.fromkeys(ENGLISH_MARKERS, ("en",))


_MARKER_LANGUAGES = _marker_languages()


def language_of(text: str) -> str:
    """The language of ``text`` as far as its stop words go: "de", "es", "fr", "it",
    "pt", "nl" (the languages of :data:`bot.engine.languages.MARKERS`) or "en".

    Counted from the function words of its first ``_LANGUAGE_SAMPLE`` characters (but
    those written in capitals: "EST" is a time zone, not French "est"): a
    language is told when at least ``_LANGUAGE_MIN_HITS`` different words of it are there
    and more than of the English ones (:data:`bot.engine.languages.MARKERS`; a Spanish,
    French or German word that a later language shares counts for both,
    :data:`bot.engine.languages.SHARED_MARKERS`), and more than of any other. Different
    words: an English headline read with its link's slug holds "Punta del Este" twice,
    four Spanish words but two different ones. Anything else, English or a language
    without a list, is "en": read as the engine always read it.

    Args:
        text: An item's headline and body (or any part of them).

    Returns:
        A language code.
    """
    # the languages of each different marker word ("que": Spanish and Portuguese)
    words = {
        w.lower() for w in find_words(text[:_LANGUAGE_SAMPLE]) if len(w) < 2 or not w.isupper()
    }
    found = Counter(
        chain.from_iterable(map(_MARKER_LANGUAGES.__getitem__, words & _MARKER_LANGUAGES.keys()))
    )
    english = found.get("en", 0)
    best, n = "en", 0
    for lang in MARKERS:  # the first of equals, in MARKERS' order
        if found.get(lang, 0) > n:
            best, n = lang, found[lang]
    return best if n >= _LANGUAGE_MIN_HITS and n > english else "en"


def item_language(title: str, text: str) -> str:
    """The language of an item (:func:`language_of` of its headline and body).

    One function for every reading of an item (its terms, its headline's, its lead's),
    so that all of them read it in the same language.
    """
    return language_of(f"{title}\n{text}")
