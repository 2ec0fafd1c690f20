"""Light stemmers for German, Spanish, French, Italian, Portuguese and Dutch items.

An item's plural, case and gender endings, in its language.

Why: the engine's :func:`bot.engine.words.stem` knows English endings only ("-s", "-ies",
"-ing", "-ed"). A German story's later reports write "Brücken" where its seeds wrote
"Brücke" and "des Einsturzes" for "der Einsturz"; a Spanish one "incendios" and
"incendio", "forestales" and "forestal"; a French one "pompiers" and "pompier". Read as
different terms, the words a story's reports share most count for nothing, and reports
score just under the threshold.

How: an item told to be in one of these languages (:func:`bot.engine.language_id.language_of`)
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


# Italian: masculine -o / plural -i, feminine -a / plural -e, and -e / -i; the "h" that
# keeps a "c" or "g" hard before -i and -e goes with the ending ("banche", "banca"), and
# the "i" of "-io", "-ia" ("incendio", "incendi"; "farmacia", "farmacie")
_ITALIAN_HARD = ("chi", "che", "ghi", "ghe")
_ITALIAN_VOWEL = ("a", "e", "i", "o")


def italian(word: str) -> str:
    """The stem of a lowercased Italian word: "incendio", "incendi" → "incend"."""
    for ending in _ITALIAN_HARD:
        if word.endswith(ending) and len(word) - 2 >= _MIN_STEM:
            return word[:-2]
    stem = _strip(word, _ITALIAN_VOWEL)
    return _strip(stem, ("i",)) if stem != word else stem


# Portuguese: "-ões" and "-ães" plurals of "-ão" ("eleições", "eleição"), "-ais" of
# "-al" ("nacionais", "nacional"), then plural -s (the "e" of "-es" goes with the final
# vowel: "mulheres", "mulher") and the final vowel (gender -a / -o, or -e)
_PORTUGUESE_PLURALS = {"oes": "ao", "aes": "ao", "ais": "al"}
_PORTUGUESE_VOWEL = ("a", "o", "e")


def portuguese(word: str) -> str:
    """The stem of a lowercased Portuguese word: "enchentes", "enchente" → "enchent"."""
    ending = word[-3:]
    if ending in _PORTUGUESE_PLURALS and len(word) - 3 >= _MIN_STEM - 1:
        word = word[:-3] + _PORTUGUESE_PLURALS[ending]
    return _strip(_strip(word, ("s",)), _PORTUGUESE_VOWEL)


# Dutch: plural -en ("dijken", "dijk") or -s ("slachtoffers"), the adjective's -e
# ("nieuwe", "nieuw"); a consonant doubled before -en is written once ("bruggen", "brug")
_DUTCH = ("en", "s", "e")


def dutch(word: str) -> str:
    """The stem of a lowercased Dutch word: "bruggen", "brug" → "brug"."""
    stem = _strip(word, _DUTCH)
    if stem != word and stem[-1] == stem[-2] and stem[-1] not in "aeiou":
        return stem[:-1]
    return stem


LIGHT_STEMMERS: dict[str, Callable[[str], str]] = {
    "de": german,
    "es": spanish,
    "fr": french,
    "it": italian,
    "pt": portuguese,
    "nl": dutch,
}
