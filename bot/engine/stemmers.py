"""Light stemmers for German, Spanish and French: an item's plural and case endings.

Why: the engine's :func:`bot.engine.text.stem` knows English endings only ("-s", "-ies",
"-ing", "-ed"). A German story's later reports write "Brücken" where its seeds wrote
"Brücke" and "des Einsturzes" for "der Einsturz"; a Spanish one "incendios" and
"incendio", "forestales" and "forestal"; a French one "pompiers" and "pompier". Read as
different terms, the words a story's reports share most count for nothing, and reports
score just under the threshold.

How: an item told to be in German, Spanish or French (:func:`bot.engine.text.language_of`)
has each word's inflectional ending removed, in its language, instead of the English
ones: plural, case and gender endings only, never derivational suffixes, and only where
a stem of at least four letters is left. Light stemming of this kind (rather than a full
Snowball stemmer) is what retrieval studies of these languages found to do as well or
better for news search (J. Savoy, "Light stemming approaches for the French, Portuguese,
German and Hungarian languages", ACM SAC 2006). The rules only have to be consistent:
"bruck" is no word, but "Brücke" and "Brücken" both give it. Words arrive lowercased
with accents removed ("brucken", "einsturzes"), as the engine reads them.
"""

from __future__ import annotations

from collections.abc import Callable

__all__ = ["LIGHT_STEMMERS"]

# shortest stem an ending is taken from
_MIN_STEM = 4


def _strip(word: str, endings: tuple[str, ...]) -> str:
    """``word`` without the first of ``endings`` it ends with, if enough is left."""
    for ending in endings:
        if word.endswith(ending) and len(word) - len(ending) >= _MIN_STEM:
            return word[: -len(ending)]
    return word


# German noun and adjective endings: plural (-en, -n, -e, -er, -s), genitive (-es, -s),
# dative plural (-ern, -en), adjective declension (-em, -es, -er, -en, -e); longest first
_GERMAN = ("ern", "em", "en", "er", "es", "e", "n", "s")


def german(word: str) -> str:
    """The stem of a lowercased German word: "brucken", "brucke" → "bruck".

    "ß" is written "ss" ("Straße" and "Strasse", as Swiss German and headlines in
    capitals write it, are one term).
    """
    return _strip(word.replace("ß", "ss"), _GERMAN)


# Spanish plural (-es after a consonant, -s) then the gender vowel (-a, -o) or final -e
_SPANISH_PLURAL = ("es", "s")
_SPANISH_VOWEL = ("a", "o", "e")


def spanish(word: str) -> str:
    """The stem of a lowercased Spanish word: "incendios", "incendio" → "incendi"."""
    return _strip(_strip(word, _SPANISH_PLURAL), _SPANISH_VOWEL)


# French: "-aux" plurals of "-al" ("generaux", "general"), then plural -s / -x, the
# feminine -e, and an -s that was the masculine's own ("francaises", "francaise" and
# "francais" all give "francai")
def french(word: str) -> str:
    """The stem of a lowercased French word: "pompiers", "pompier" → "pompier"."""
    if word.endswith("aux") and len(word) - 3 >= _MIN_STEM - 1:
        return word[:-3] + "al"
    return _strip(_strip(_strip(word, ("s", "x")), ("e",)), ("s",))


LIGHT_STEMMERS: dict[str, Callable[[str], str]] = {"de": german, "es": spanish, "fr": french}
