"""Words and terms: how the engine reads the words of a news item's text.

The engine works on bags of terms, not on raw strings, and every comparison it makes
(relevance, developments, summaries) uses the same analysis, so it lives here once.

* **Terms** are lowercased words with stop words removed and a light suffix-stripping
  stemmer (plurals, ``-ing``, ``-ed``), plus numbers. A deliberately small stemmer:
  news vocabulary is dominated by names, places and numbers, which aggressive stemmers
  mangle ("Rocky Mount" must not collide with "mounting"). Hyphenated words are split
  into their parts: "Ex-Habersham deputy" and "Lacey-area shooting" name the places the
  story's other reports name as "Habersham" and "Lacey" (on gva headlines alone, joined
  compounds hid the one shared place name of several on-topic reports).
* **Any script**: words are runs of letters of any alphabet; accents are dropped
  ("Erdoğan" and "Erdogan" are one term) and Chinese and Japanese text, written without
  spaces, is split into overlapping character pairs (Thai, Lao, Myanmar and Khmer into
  triples: see :mod:`bot.textnorm`). Stop words and the stemmer are
  English; other languages rely on the stream's own statistics to weigh common words
  down.

The rest of the engine's text reading builds on these words: the language an item is
written in (:mod:`bot.engine.language_id`), its sentences (:mod:`bot.engine.sentences`),
its names (:mod:`bot.engine.capitals`) and its bag of terms
(:mod:`bot.engine.item_terms`). Everything here is a pure function of the input text and
a few constants, so an analysis can be computed once per item and shared by every story
that judges it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache, partial

from bot.engine.compounds import german_parts
from bot.engine.languages import ELIDED, STOPWORDS_BY_LANGUAGE
from bot.engine.stemmers import LIGHT_STEMMERS
from bot.engine.stopwords import STOPWORDS
from bot.textnorm import CACHED_WORD_MAX, WORD_CACHE, split_unspaced, strip_marks

# a letter of any script is ``[^\W\d_]`` (a word character that is neither digit nor "_")
WORD = re.compile(r"[^\W\d_](?:[^\W\d_]|['’])*[^\W\d_]|[^\W\d_]|\d+(?:[.,:]\d+)*")
# the same where every letter is ASCII, about twice as fast (see find_words)
WORD_ASCII = re.compile(r"[A-Za-z][A-Za-z'’]*[A-Za-z]|[A-Za-z]|\d+(?:[.,:]\d+)*")


def stem(word: str) -> str:
    """Strip common English inflections from a lowercased word.

    Args:
        word: A lowercased word.

    Returns:
        The word without possessive, plural, ``-ing`` or ``-ed`` endings (only when a
        stem of at least three letters remains).
    """
    if word.endswith(("'s", "’s")):
        word = word[:-2]
    n = len(word)
    if n > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if n > 5 and word.endswith("ing"):
        return word[:-3]
    if n > 4 and word.endswith("ed") and not word.endswith("eed"):
        return word[:-2]
    if n > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def is_number(tok: str) -> bool:
    """Whether a word :func:`find_words` found is a number (it starts with a digit)."""
    return tok[0].isdigit()


# A character that folding can change: anything beyond ASCII but the no-break space and
# the General Punctuation block (curly quotes, dashes, "…"), which separate words (or, "’",
# join them) folded or not. English news is rarely pure ASCII because of its quotes and
# dashes; text without such a character keeps to the ASCII path (see find_words).
_NEEDS_FOLDING = re.compile(r"[^\x00-\x7f\u00a0\u2000-\u206f]")


def words_of(text: str) -> str:
    """``text`` made ready for word splitting in any script.

    Accents and compatibility forms are removed (:func:`bot.textnorm.strip_marks`:
    "São Paulo" and "Sao Paulo" give the same terms), and each run of Chinese or
    Japanese characters becomes its overlapping character pairs
    (:func:`bot.textnorm.split_unspaced`), as keyword matching reads them. ASCII text is
    returned unchanged.

    Args:
        text: Any text.

    Returns:
        Text whose words :data:`WORD` finds.
    """
    return text if letters_are_ascii(text) else folded(text)


def folded(text: str) -> str:
    """``text`` made ready for word splitting, ASCII or not (:func:`words_of` without its check)."""
    return split_unspaced(strip_marks(text))


def letters_are_ascii(text: str) -> bool:
    """Whether folding leaves ``text`` as it is: ASCII but for quotes, dashes and the like."""
    return text.isascii() or not _NEEDS_FOLDING.search(text)


def find_words(text: str) -> list[str]:
    """The words and numbers of ``text`` in any script, as written (see :func:`words_of`).

    Text whose letters are all ASCII (most English news, curly quotes and dashes aside)
    takes an ASCII-only pattern, about twice as fast and the same words.
    """
    if letters_are_ascii(text):
        return WORD_ASCII.findall(text)
    return WORD.findall(folded(text))


def tokens(text: str, language: str = "en") -> list[str]:
    """Return the stemmed, stop-word-free terms of ``text`` in order.

    Args:
        text: Any text.
        language: The text's language as :func:`bot.engine.language_id.language_of`
            tells it: besides the English stop words, a text in German, Spanish, French,
            Italian, Portuguese or Dutch loses its own function words
            (:mod:`bot.engine.languages`).

    Returns:
        Terms; numbers are kept as written (without separators' trailing noise). A
        German compound's known parts follow its own term ("Brückeneinsturz":
        "bruckeneinsturz", "bruck", "einsturz"; :mod:`bot.engine.compounds`).
    """
    words = _real_words(find_words(text))
    if language == "en":
        return [t for t in map(_term, words) if t is not None]
    words = without_function_words(words, language)
    if language == "de":
        return [t for w in words for t in german_terms(w)]
    term = terms_in(language)
    return [t for t in map(term, words) if t is not None]


@lru_cache(maxsize=WORD_CACHE // 4)
def german_terms(raw: str) -> tuple[str, ...]:
    """The term of a German word and those of its parts if it is a compound of known words."""
    term = terms_in("de")(raw)
    if term is None or is_number(raw):
        return ()
    parts = german_parts(raw.lower().replace("ß", "ss"))
    part_terms = (terms_in("de")(p) for p in parts)
    return (term, *(t for t in part_terms if t is not None and t != term))


def unelided(word: str, language: str) -> str:
    """A word without an elided article or pronoun of ``language`` before it.

    "l'incendie" -> "incendie", "qu'il" -> "il" (see bot.engine.languages.ELIDED).
    """
    prefixes = ELIDED.get(language)
    if prefixes:
        head, sep, rest = word.replace("’", "'").partition("'")
        if sep and rest and head.lower() in prefixes:
            return rest
    return word


def without_function_words(words: list[str], language: str) -> list[str]:
    """``words`` without ``language``'s function words, each first :func:`unelided`."""
    stop = STOPWORDS_BY_LANGUAGE.get(language, frozenset())
    out = []
    for w in words:
        w = unelided(w, language)
        if w.lower() not in stop:
            out.append(w)
    return out


def _real_words(words: list[str]) -> list[str]:
    # A "word" longer than CACHED_WORD_MAX (a run of letters or digits in a hostile feed)
    # is no term: it would be memoised (see bot.textnorm) and kept in the stored document
    # frequencies, 5 MB for one such word.
    if max(map(len, words), default=0) <= CACHED_WORD_MAX:
        return words
    return [w for w in words if len(w) <= CACHED_WORD_MAX]


def _word_term(raw: str, stem_of: Callable[[str], str]) -> str | None:
    # The term of one word (None: a stop word or a single letter), its endings taken off
    # by ``stem_of``: English ones (stem) or another language's (light_stem)
    if is_number(raw):
        return raw.replace(",", "")
    low = raw.lower().replace("’", "'")
    if low in STOPWORDS or len(low) < 2:
        return None
    st = stem_of(low)
    return None if st in STOPWORDS else st


@lru_cache(maxsize=WORD_CACHE)
def _term(raw: str) -> str | None:
    # The term of one English word. A pure function of the word, memoised: news text
    # repeats its words, and every item is tokenised several times (title, body, title
    # alone), so most words are seen before.
    return _word_term(raw, stem)


def light_stem(word: str, language: str) -> str:
    """A lowercased word of a text in another language without that language's endings.

    Those endings are bot.engine.stemmers'; an English possessive goes too, as
    :func:`stem` drops it.
    """
    return LIGHT_STEMMERS[language](word.removesuffix("'s"))


@lru_cache(maxsize=len(LIGHT_STEMMERS) + 1)
def terms_in(language: str) -> Callable[[str], str | None]:
    """The memoised term function of a language's words (English: :func:`_term`)."""
    if language not in LIGHT_STEMMERS:
        return _term
    stem_of = partial(light_stem, language=language)
    return lru_cache(maxsize=WORD_CACHE // 4)(partial(_word_term, stem_of=stem_of))
