"""The parts of a German compound noun, so that "Brückeneinsturz" shares "Brücke".

Why: German writes a noun and its modifiers as one word. A story's seeds say
"Carolabrücke" and "Einsturz", a later report "Brückeneinsturz" and "Brückenzug", another
"Neubau": read as whole words they share nothing, and reports of the story score under
the threshold (the light stemmer, :mod:`bot.engine.stemmers`, only removes endings).
Retrieval on German news gains most of what decompounding can give from splitting a
compound into words of the language and indexing those beside the compound
(M. Braschler and B. Ripplinger, "How effective is stemming and decompounding for German
text retrieval?", Information Retrieval 7, 2004).

How: a word of a German item (told by :func:`bot.engine.language_id.language_of`), lower case
with accents folded as the engine reads it, of at least ``_MIN_COMPOUND`` letters, is
split into a modifier and a head where both are German words common enough to be known
(``wordfreq``'s German list, shipped inside the package and read offline, folded the
same way: the modifier one of its ``_LEXICON_SIZE`` most frequent words, the head one of
the ``_HEAD_RANK`` most frequent, as written or without its ending: "Spann-stähle" has
"Stahl"), each at least
``_MIN_PART`` letters, the modifier once a linking "s", "es", "n", "en" or "e" is taken
off where it is no word as written ("Verkehr-s-unfall"). The longest known head wins,
and a modifier that is itself a compound is split again. A word that is no two known
words ("Neubau": "neu" is too short to tell) is left whole. The whole word stays a
term; its parts are added beside it, and go through the light stemmer as every word
does ("brucken" is "bruck"). Items in any other language are not split: Dutch was
tried the same way and not kept, as "brandweer" (fire brigade) split into "brand" (fire)
and "weer" made an unrelated storm report score 0.15 against the test fire story.

Cost: the list is read once, when the first German item comes, without wordfreq's own
cache (which would keep the whole list, the process 66 MB larger): about 0.25 s of CPU
and 5 MB of words kept, the process about 20 MB larger after the read.
"""

from __future__ import annotations

from functools import lru_cache
from itertools import islice

from bot.engine.stemmers import german
from bot.textnorm import strip_marks

__all__ = ["german_parts"]

_MIN_COMPOUND = 8  # shorter words are hardly compounds of two known words of 4 letters
_MIN_PART = 4  # shorter parts ("neu", "rat") match too much by chance
_LEXICON_SIZE = 60_000  # a modifier is one of these words
_HEAD_RANK = 40_000  # a head is one of the commoner ones, as written or without its ending
# letters joining a modifier to its head (Fugenelemente), longest first
_LINKS = ("es", "en", "s", "n", "e")


@lru_cache(maxsize=1)
def _lexicon() -> dict[str, int]:
    """Known German words, folded as the engine reads them, with their frequency rank."""
    # imported here: only an item in German needs it (about 0.3 s, once). The file is
    # read without wordfreq's own cache, which would keep the whole list (the process
    # 66 MB larger) for the life of the process; what is kept is this dict (5 MB).
    from wordfreq import available_languages, read_cBpack

    by_frequency = (w for bucket in read_cBpack(available_languages()["de"]) for w in bucket)
    ranks: dict[str, int] = {}
    for rank, w in enumerate(islice(by_frequency, _LEXICON_SIZE)):
        if len(w) >= _MIN_PART:
            ranks.setdefault(strip_marks(w).lower(), rank)
    return ranks


def _modifier(part: str, known: dict[str, int]) -> str | None:
    """``part`` as a known word, with a linking element taken off where needed."""
    if part in known:
        return part
    for link in _LINKS:
        if part.endswith(link) and len(part) - len(link) >= _MIN_PART:
            bare = part[: -len(link)]
            if bare in known:
                return bare
    return None


@lru_cache(maxsize=8192)
def german_parts(word: str) -> tuple[str, ...]:
    """The known words a German compound is made of, modifier(s) first, head last.

    Args:
        word: A lower-case word with accents folded ("carolabrucke").

    Returns:
        The parts ("brucke" for "carolabrucke"; "brucke", "einsturz" for
        "bruckeneinsturz"), or ``()`` for a word that is no compound of known words.
    """
    if len(word) < _MIN_COMPOUND or not word.isalpha():
        return ()
    known = _lexicon()
    # the longest known head first: "straßenbahnhaltestelle" is "... + haltestelle"
    for cut in range(_MIN_PART, len(word) - _MIN_PART + 1):
        head = word[cut:]
        if min(known.get(head, _HEAD_RANK), known.get(german(head), _HEAD_RANK)) >= _HEAD_RANK:
            continue
        base = _modifier(word[:cut], known)
        if base is not None:
            return (*(german_parts(base) or (base,)), head)
    return ()
