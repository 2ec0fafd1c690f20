"""Entity-like terms and phrases: the capitalised words of running text.

* **Entity-like terms** are the terms that appear capitalised *inside* a sentence (not
  only at its start) and numbers. Names, places, organisations and figures are what tell
  two stories of the same kind apart (two shootings, two product launches), so the
  relevance profile weighs them up. Title-cased headlines capitalise every word, so a
  headline's capitals count only when the headline is in sentence case
  (:func:`is_title_case`).
* **Phrases** are runs of two or three consecutive capitalised words ("Rocky Mount",
  "Dario Amodei"), added as extra terms: a shared full name is far stronger evidence than
  two shared first names.

A sentence written in capitals tells nothing about which of its words are names and is
skipped (:func:`capitalised`).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache, partial

from bot.engine.languages import STOPWORDS_BY_LANGUAGE
from bot.engine.sentences import sentences_of
from bot.engine.stemmers import LIGHT_STEMMERS
from bot.engine.stopwords import STOPWORDS
from bot.engine.words import (
    WORD,
    WORD_ASCII,
    find_words,
    folded,
    is_number,
    letters_are_ascii,
    light_stem,
    stem,
    unelided,
    without_function_words,
)
from bot.textnorm import CACHED_WORD_MAX, WORD_CACHE


def is_title_case(title: str, language: str = "en") -> bool:
    """Whether a headline capitalises (nearly) every word, hiding which are names.

    Args:
        title: A headline.
        language: Its language (:func:`bot.engine.language_id.language_of`): its function
            words are left out.

    Returns:
        True when most non-stop words of the headline start with a capital.
    """
    found = find_words(title)
    if language != "en":
        found = without_function_words(found, language)
    words = [w for w in found if not is_number(w) and w.lower() not in STOPWORDS]
    if len(words) < 3:
        return True
    caps = sum(1 for w in words if w[0].isupper())
    return caps >= 0.7 * len(words)


def capitalised(
    text: str, *, skip_first: bool = True, skip_capitals: bool = True, language: str = "en"
) -> tuple[set[str], list[str]]:
    """Find entity-like terms and capitalised phrases in running text.

    A capitalised word at the start of a sentence is ambiguous, so by default it counts
    only as part of a longer capitalised run. A sentence written in capitals ("POLICE
    SAY THE SUSPECT FLED", a wire service's all-caps copy, a page's "BREAKING NEWS"
    line) tells nothing about which of its words are names: read as running text, every
    word would be an entity and every pair of words a phrase, and a story seeded from
    such text would weigh all its words up alike (gva in capitals: tracking C_norm
    0.067 → 0.167). Such sentences are skipped by default.

    Args:
        text: Running text (one or more sentences).
        skip_first: Ignore a lone capitalised word at a sentence start.
        skip_capitals: Ignore sentences most of whose words are written in capitals.
        language: The text's language (:func:`bot.engine.language_id.language_of`): a
            German, Spanish, French, Italian, Portuguese or Dutch function word ("Die",
            "El", "Le", "Il", "Os", "Het") is no part of a name, as an English one is not.

    Returns:
        ``(entity_terms, phrases)``: stemmed terms seen capitalised mid-sentence, and
        phrase terms ("rocky_mount") for runs of 2-3 capitalised words.
    """
    entities: set[str] = set()
    phrases: list[str] = []
    # decided (and folded) once for the whole text, not sentence by sentence
    ascii_letters = letters_are_ascii(text)
    word_pattern = WORD_ASCII if ascii_letters else WORD
    if not ascii_letters:
        text = folded(text)
    stop = STOPWORDS_BY_LANGUAGE.get(language, frozenset())
    cap_term = cap_terms_in(language)
    for sentence in sentences_of(text, ascii_letters):
        words = word_pattern.findall(sentence)
        if stop:
            words = [unelided(w, language) for w in words]
        if skip_capitals and _in_capitals(words):
            continue
        run: list[str] = []
        run_start = 0
        for i, w in enumerate(words + [""]):
            cap = (
                bool(w)
                and w[0].isupper()
                and len(w) <= CACHED_WORD_MAX  # no name: see bot.engine.words
                and w.lower() not in STOPWORDS
                and w.lower() not in stop
            )
            if cap:
                if not run:
                    run_start = i
                run.append(w)
                continue
            if run:
                terms = [cap_term(x) for x in run]
                if len(run) >= 2:
                    entities.update(terms)
                    for k in range(len(terms) - 1):
                        phrases.append(terms[k] + "_" + terms[k + 1])
                elif not (skip_first and run_start == 0):
                    entities.update(terms)
                run = []
    return entities, phrases


def _in_capitals(words: list[str]) -> bool:
    # whether most words of a sentence are written in capitals (two letters or more, so
    # "A" and "I" count for nothing; acronyms such as "NATO" or "U.S." in an ordinary
    # sentence stay well below half of its words)
    upper = sum(map(str.isupper, words))  # with the one-letter words: at least as many
    if upper * 2 <= len(words) or upper < 2:
        return False
    upper = sum(1 for w in words if len(w) > 1 and w.isupper())
    return upper * 2 > len(words) and upper >= 2


@lru_cache(maxsize=WORD_CACHE // 2)
def _cap_term(word: str) -> str:
    # the term of a capitalised word inside a run (memoised: a pure function of the word)
    return stem(word.lower().replace("’", "'"))


def _light_cap_term(word: str, language: str) -> str:
    # _cap_term in a text in another language (bot.engine.stemmers)
    return light_stem(word.lower().replace("’", "'"), language)


@lru_cache(maxsize=len(LIGHT_STEMMERS) + 1)
def cap_terms_in(language: str) -> Callable[[str], str]:
    """The memoised term function of a language's capitalised words.

    See :func:`bot.engine.words.terms_in`.
    """
    if language not in LIGHT_STEMMERS:
        return _cap_term
    return lru_cache(maxsize=WORD_CACHE // 8)(partial(_light_cap_term, language=language))
