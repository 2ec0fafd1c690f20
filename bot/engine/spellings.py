"""How the engine's terms are written in an item, to show them to people.

Terms are stemmed, lowercased and without accents (:mod:`bot.engine.words`); ``/story
why`` shows the terms that matched in the item's own spelling ("Erdoğan", "U.S.
Department"). :func:`written_forms` reads the item's texts as the engine does and notes
how each term and phrase term is written there.
"""

from __future__ import annotations

import re
from collections import Counter

from bot.engine.capitals import cap_terms_in
from bot.engine.item_terms import clean_body
from bot.engine.words import (
    WORD,
    WORD_ASCII,
    find_words,
    folded,
    german_terms,
    letters_are_ascii,
    terms_in,
)


def written_forms(*texts: str, language: str = "en") -> dict[str, str]:
    """How each term of ``texts`` is written there: "classifi" → "classified", "u_s" → "U.S.".

    Terms are the engine's (stemmed, lowercased, accents dropped; two capitalised words
    in a row make a phrase term such as "dario_amodei"), which is right for comparing
    texts and wrong for showing them to people: ``/story why`` shows the terms that
    matched in the item's own spelling ("Erdoğan", not "erdogan"). A term written several
    ways takes its most frequent form (the first seen among equals); a phrase takes the
    text from its first word to its last as written, initials with their full stops
    ("U.S. Department" for "s_department").

    Args:
        texts: The item's headline, body and any other text it was read with.
        language: The item's language (:func:`bot.engine.language_id.item_language`),
            whose endings its terms lost (:mod:`bot.engine.stemmers`).

    Returns:
        A written form for every term and phrase term found in the texts.
    """
    seen: dict[str, Counter[str]] = {}
    # a fallback for the rare term only the engine's reading makes: words that folding
    # joins ("Memorials™"), a phrase across a line term_counts drops as page furniture
    fallback: dict[str, Counter[str]] = {}
    for text in texts:
        if not text:
            continue
        if letters_are_ascii(text):
            _note_forms(text, WORD_ASCII, seen, whole_words=True, language=language)
        else:  # word by word as written (a word may fold into several: unspaced scripts)
            _note_forms(text, WORD, seen, whole_words=False, language=language)
        cleaned = clean_body(text)
        if letters_are_ascii(cleaned):
            _note_forms(cleaned, WORD_ASCII, fallback, whole_words=True, language=language)
        else:
            _note_forms(folded(cleaned), WORD, fallback, whole_words=True, language=language)
    for term, forms in fallback.items():
        seen.setdefault(term, forms)
    return {term: forms.most_common(1)[0][0] for term, forms in seen.items()}


def _note_forms(
    text: str,
    pattern: re.Pattern[str],
    seen: dict[str, Counter[str]],
    *,
    whole_words: bool,
    language: str,
) -> None:
    """Count, into ``seen``, how ``text`` writes each term and phrase term (see above).

    ``whole_words``: each word of ``pattern`` is one word the engine reads (ASCII or
    folded text); otherwise each is folded and split as the engine would.
    """
    term_of = terms_in(language)
    previous: re.Match[str] | None = None
    for m in pattern.finditer(text):
        word = m.group()
        parts = [word] if whole_words else find_words(word)
        for part in parts:
            written = word if len(parts) == 1 else part
            # a German compound's parts are shown as the compound
            terms = german_terms(part) if language == "de" else (term_of(part),)
            for term in terms:
                if term is not None:
                    seen.setdefault(term, Counter())[written] += 1
        # two capitalised words in a row, whatever lies between them ("U.S",
        # "Paris, France", "(SIIA), TechNet"), as capitalised() pairs them
        if previous is not None and word[0].isupper() and previous.group()[0].isupper():
            start, end = previous.start(), m.end()
            initials = _INITIALS_BEFORE.search(text, max(0, start - 24), start + 1)
            if len(previous.group()) == 1 and initials is not None:
                start = initials.start()  # "U.S. Department", not "S. Department"
            if len(word) == 1 and text[end : end + 1] == ".":
                end += 1  # the initial's own full stop: "U.S."
            phrase = _phrase_term(previous.group(), word, language)
            seen.setdefault(phrase, Counter())[text[start:end]] += 1
        previous = m


# initials written with full stops, ending where a phrase's first word (one letter) starts
_INITIALS_BEFORE = re.compile(r"(?:(?<![^\W\d_])[^\W\d_]\.)+[^\W\d_]$")


def _phrase_term(first: str, second: str, language: str) -> str:
    """The phrase term of two capitalised words, as :func:`capitalised` makes it.

    (:func:`bot.engine.capitals.capitalised`, which reads them in running text.)
    """
    if not letters_are_ascii(first + second):
        first, second = folded(first), folded(second)  # as the engine reads them
    cap_term = cap_terms_in(language)
    return cap_term(first) + "_" + cap_term(second)
