"""Turning a news item's text into the features the engine compares.

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
* **Entity-like terms** are the terms that appear capitalised *inside* a sentence (not
  only at its start) and numbers. Names, places, organisations and figures are what tell
  two stories of the same kind apart (two shootings, two product launches), so the
  relevance profile weighs them up. Title-cased headlines capitalise every word, so a
  headline's capitals count only when the headline is in sentence case.
* **Phrases** are runs of two or three consecutive capitalised words ("Rocky Mount",
  "Dario Amodei"), added as extra terms: a shared full name is far stronger evidence than
  two shared first names.
* **Sentences** are split on end punctuation followed by a capital or an opening quote
  (German „, French «, Spanish ¿ ¡ too), and on line breaks; they feed the extractive
  summaries.

Everything here is a pure function of the input text and a few constants, so an
analysis can be computed once per item and shared by every story that judges it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from functools import lru_cache, partial
from itertools import chain
from urllib.parse import unquote, urlsplit

from bot.engine.compounds import german_parts
from bot.engine.languages import (
    ELIDED,
    ENGLISH_MARKERS,
    MARKERS,
    SHARED_MARKERS,
    STOPWORDS_BY_LANGUAGE,
)
from bot.engine.stemmers import LIGHT_STEMMERS
from bot.engine.stopwords import STOPWORDS
from bot.textnorm import CACHED_WORD_MAX, WORD_CACHE, split_unspaced, strip_marks

# a letter of any script is ``[^\W\d_]`` (a word character that is neither digit nor "_")
_WORD = re.compile(r"[^\W\d_](?:[^\W\d_]|['’])*[^\W\d_]|[^\W\d_]|\d+(?:[.,:]\d+)*")
# the same where every letter is ASCII, about twice as fast (see find_words)
_WORD_ASCII = re.compile(r"[A-Za-z][A-Za-z'’]*[A-Za-z]|[A-Za-z]|\d+(?:[.,:]\d+)*")


def _upper_class() -> str:
    # the upper-case letters of the Basic Multilingual Plane as a character-class body,
    # built once: sentences of any cased script start with one
    ranges: list[list[int]] = []
    for cp in range(0x10000):
        if chr(cp).isupper():
            if ranges and ranges[-1][1] == cp - 1:
                ranges[-1][1] = cp
            else:
                ranges.append([cp, cp])
    return "".join(
        re.escape(chr(a)) + (f"-{re.escape(chr(b))}" if b > a else "") for a, b in ranges
    )


# a sentence ends at . ! ? followed by space and a capital or digit (any cased script), at
# the full-width stops of Chinese and Japanese (no space follows them), and at line breaks.
# Between the end mark and the space may come closing quotes and brackets, which stay with
# their sentence: English ” ’ " ' and ")" (up to three: "… he said. 'Go.'”"; quoted without
# them, a summary's sentence read "… released after "successful negotiations."), German “
# („…“) and French » (« … », with a space before it or not). Before the capital may come an
# opening one: English “ ‘ ", German „, French « (and a space), and Spanish opens a question
# or an exclamation with ¿ ¡ (after a quote or not: «¿Dónde …?»). A clock time's "a.m." or
# "p.m." before a weekday, a month, a time zone or "local"/"today"/"tonight" ends no
# sentence ("… at 9:30 p.m. Sunday at the hall.", "at 1:10 p.m. ET."): _NO_SPLIT.
_CLOSING = "\"'”’)"
_CLOSERS = "[" + _CLOSING + "]"
# the end mark of a clock time: "p.m." "A.M." (not the end of a word: "Islam."), "pm." "9PM."
_CLOCK = r"(?:(?<=[^A-Za-z][aApP]\.[mM]\.)|(?<=\d[aApP][mM]\.)|(?<=\d [aApP][mM]\.))"
# what a clock time goes on with in the same sentence (a month's short form with its full
# stop; "May" only before a day's number; Eastern … only as a time zone: "Eastern time")
_CLOCK_NEXT = (
    r"\(?(?:(?i:(?:mon|tues|wednes|thurs|fri|satur|sun)day|january|february|march|april|june"
    r"|july|august|september|october|november|december)\b"
    r"|(?i:mon|tues?|wed|thu|thurs?|fri|sat|sun|jan|feb|mar|apr|jun|jul|aug|sept?|oct|nov|dec)\."
    r"|(?i:may)(?=\s+\d)"
    r"|(?:[ECMP][SD]?T|AK[SD]T|HST|GMT|UTC|BST|CES?T|IST|JST|AE[SD]T)\b"
    r"|(?:local|today|tonight|LOCAL|TODAY|TONIGHT)\b"
    r"|(?:Eastern|Central|Mountain|Pacific)(?:\s+(?:[Tt]ime|Standard|Daylight)\b|(?=[,;.)])))"
)
_NO_SPLIT = r"(?!" + _CLOCK + r"[^\S\n]+" + _CLOCK_NEXT + r")"
_CLOSE = (
    r"(?:(?<=[.!?])|(?<=[.!?]" + _CLOSERS + r")|(?<=[.!?]" + _CLOSERS + r"{2})"
    r"|(?<=[.!?]" + _CLOSERS + r"{3})|(?<=[.!?][“»])|(?<=[.!?][^\S\n]»))" + _NO_SPLIT + r"\s+"
)
_OPEN = r"(?:[\"'“‘(„]|«\s?)?[¿¡]?"
_SENT_SPLIT = re.compile(
    _CLOSE + r"(?=" + _OPEN + r"[0-9" + _upper_class() + r"])|(?<=[。！？])\s*|\n+"
)
# the same for text whose letters are all ASCII (see letters_are_ascii)
_SENT_SPLIT_ASCII = re.compile(_CLOSE + r"(?=" + _OPEN + r"[A-Z0-9])|\n+")
# _SENT_SPLIT_ASCII's separators, each found with the end mark before it (a pattern that
# opens with a character class is searched for that class at C speed; one that opens with
# a look-behind is tried at every position of the text), the closing quotes that stay with
# their sentence in the group "kept": see _split_ascii
_SENT_END_ASCII = re.compile(
    r"[.!?](?P<kept>"
    + _CLOSERS
    + r"{1,3}|[“»]|[^\S\n]»)?"
    + _NO_SPLIT
    + r"\s+(?="
    + _OPEN
    + r"[A-Z0-9])|\n+"
)
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
# An abbreviation that ends no sentence: initials, a title before a name ("Rev. Jesse
# Jackson", "Police Supt. Garry McCarthy", "Lt. Col. Carl Yates": gva had about 200 titles
# split from their name), "St." (but see _STREET), "Mt." and "Ft." before a place, a month.
_ABBREV = re.compile(
    r"(?:^|\W)(?:[A-Z]\.|[A-Z]\.[A-Z]\.(?:[A-Z]\.)?|Mr\.|Mrs\.|Ms\.|Dr\.|St\.|ST\.|Sen\.|Rep\.|"
    r"Sens\.|Reps\.|Gov\.|Gen\.|Lt\.|Col\.|Maj\.|Sgt\.|Cpl\.|Pvt\.|Capt\.|Cpt\.|Cmdr\.|Adm\.|"
    r"Det\.|Insp\.|Supt\.|Rev\.|Msgr\.|Fr\.|Prof\.|Atty\.|Ald\.|Mt\.|Ft\.|Ave\.|Co\.|"
    r"Corp\.|vs\.|Jan\.|Feb\.|Mar\.|Apr\.|Aug\.|Sept?\.|Oct\.|Nov\.|Dec\.)$"
)
# An abbreviation that ends no sentence only before what it belongs to, which the next
# part's start tells: "No." before its number ("the No. 2 seed"; "Do I regret it? No.
# Will I ..." ends one), a name's "Jr." or "Sr." before the place named after the man
# ("Martin Luther King Jr. Boulevard", "John H. Stroger Jr. Hospital"); after a name,
# "Jr." ends about half of the sentences it closes ("... identified as Shawn Scott Jr.
# They performed ...") and "Sr." nearly all. A bracket after it goes on with its sentence:
# "state Sen. Thomas V. Mike Miller Jr. (D-Calvert), president of the Maryland Senate".
_NUMBER_ABBREV = re.compile(r"(?:^|\W)(?:No|Nos)\.$")
_NUMBER_NEXT = re.compile(r"\(?\d")
_NAME_SUFFIX = re.compile(r"(?:^|\W)(?:Jr|Sr|JR|SR)\.$")
_NAMED_PLACE = re.compile(
    r"(?:Day|Boulevard|Blvd|Avenue|Ave|Drive|Street|St|Road|Rd|Way|Place|Parkway|Pkwy|"
    r"Highway|Expressway|Freeway|Bridge|Park|Plaza|Square|Hospital|Medical|Memorial|"
    r"Children's|Children’s|College|University|Academy|School|High|Middle|Elementary|"
    r"Library|Center|Centre|Community|Recreation|Federal|Courthouse|Building|Stadium|"
    r"Airport|Hall|Church|Institute)\b|\("
)
# "St." after an ordinal is a street ("1700 E. 18th St.", "2224 First St."), which ends
# its sentence before a capital ("... at 1700 E. 18th St. Investigators say ...": gva had
# about 20 joined) unless the address goes on: a compass point ("2nd St. SW", "20th St.
# S."), what is named after the street ("10th St. Court E.", "16th St. Baptist Church"),
# a bracket, or a day ("... in the 4000 block of N. 19th St. Tuesday, was identified as
# ..."). A saint's possessive ("the 59th St. Patrick's Day parade") goes on too.
_STREET = re.compile(r"(?:St|ST)\.$")
_SPELLED_ORDINALS = (
    "First Second Third Fourth Fifth Sixth Seventh Eighth Ninth Tenth Eleventh Twelfth"
).split()
_ORDINAL = re.compile(
    r"\d+(?:st|nd|rd|th|ST|ND|RD|TH)|" + "|".join(f"{w}|{w.upper()}" for w in _SPELLED_ORDINALS)
)
_STREET_NEXT = re.compile(
    r"\(|(?:[NSEW]|NE|NW|SE|SW|N\.[EW]|S\.[EW]|North|South|East|West|Northeast|Northwest|"
    r"Southeast|Southwest|(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day|Court|Ct|Place|Pl|"
    r"Terrace|Ter|Bridge|Station|Terminal|Market|Mall|Pier|Park|Plaza|Church|Baptist|"
    r"School|Tunnel|Garage|Extension|Ext)\b|[^\W\d_]+['’]s\b"
)
# "Inc." ends its sentence before a capital (55 of 56 in the data: "CBS Radio Inc. All
# rights reserved.", "... Broadcasting Inc. Used under license.", "Red Hat bought Ansible
# Inc. As far as I know ...") unless a title in the company follows ("Apple Inc. CEO Tim
# Cook", "DREAMS, Inc. Founder Royce Stephens"), a bracket ("Apple Inc. (NASDAQ: AAPL)")
# or a number (a copyright's or a citation's year: "John Wiley & Sons, Inc. 2017.").
_INC = re.compile(r"(?:^|\W)(?:Inc|INC)\.$")
_INC_NEXT = re.compile(
    r"\(|\d|(?:CEO|CFO|COO|CTO|CIO|Chief|President|Chairman|Chairwoman|Chair|Founder|"
    r"Co-[Ff]ounder|Cofounder|Vice|Executive|Director|Managing|General|Senior|Spokesman|"
    r"Spokeswoman|Spokesperson|Head|Owner|Partner|Board|Treasurer|Secretary)\b"
)
# A day's or a month's short form that is also a word or a name ("Sun.", "Wed.", "DEC.",
# "Jun."), or written in capitals: it ends a sentence ("... told the Baltimore Sun.") unless
# the date it opens follows ("Thurs. July 28", "Sun. Dec. 31", "JAN. 5", "Jun. 6"), which
# _DATE_NEXT tells from the next part's start.
_DATE_SHORT = (
    "mon tue tues wed weds thu thur thurs fri sat sun "
    "jan feb mar apr jun jul aug sep sept oct nov dec"
).split()
# capitalised or in capitals: "the sun. 12 boats ..." ends a sentence
_DATE_ABBREV = re.compile(
    r"(?:^|\W)(?:" + "|".join(f"{w.title()}|{w.upper()}" for w in _DATE_SHORT) + r")\.,?$"
)
_DATE_NEXT = re.compile(
    r"\(?(?:\d|(?i:jan|feb|mar|apr|jun|jul|aug|sep|oct|nov|dec)[a-z]*\b|(?i:may)\s+\d)"
)


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


def _is_number(tok: str) -> bool:
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
        Text whose words :data:`_WORD` finds.
    """
    return text if letters_are_ascii(text) else _fold(text)


def _fold(text: str) -> str:
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
        return _WORD_ASCII.findall(text)
    return _WORD.findall(_fold(text))


def tokens(text: str, language: str = "en") -> list[str]:
    """Return the stemmed, stop-word-free terms of ``text`` in order.

    Args:
        text: Any text.
        language: The text's language as :func:`language_of` tells it: besides the
            English stop words, a text in German, Spanish, French, Italian, Portuguese
            or Dutch loses its own function words (:mod:`bot.engine.languages`).

    Returns:
        Terms; numbers are kept as written (without separators' trailing noise). A
        German compound's known parts follow its own term ("Brückeneinsturz":
        "bruckeneinsturz", "bruck", "einsturz"; :mod:`bot.engine.compounds`).
    """
    words = _real_words(find_words(text))
    if language == "en":
        return [t for t in map(_term, words) if t is not None]
    words = _without_function_words(words, language)
    if language == "de":
        return [t for w in words for t in _german_terms(w)]
    term = _terms_in(language)
    return [t for t in map(term, words) if t is not None]


@lru_cache(maxsize=WORD_CACHE // 4)
def _german_terms(raw: str) -> tuple[str, ...]:
    # the term of a German word and those of its parts if it is a compound of known words
    term = _terms_in("de")(raw)
    if term is None or _is_number(raw):
        return ()
    parts = german_parts(raw.lower().replace("ß", "ss"))
    part_terms = (_terms_in("de")(p) for p in parts)
    return (term, *(t for t in part_terms if t is not None and t != term))


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


def _unelided(word: str, language: str) -> str:
    # "l'incendie" -> "incendie", "qu'il" -> "il" (see bot.engine.languages.ELIDED)
    prefixes = ELIDED.get(language)
    if prefixes:
        head, sep, rest = word.replace("’", "'").partition("'")
        if sep and rest and head.lower() in prefixes:
            return rest
    return word


def _without_function_words(words: list[str], language: str) -> list[str]:
    stop = STOPWORDS_BY_LANGUAGE.get(language, frozenset())
    out = []
    for w in words:
        w = _unelided(w, language)
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
    # by ``stem_of``: English ones (stem) or another language's (_light_stem)
    if _is_number(raw):
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


def _light_stem(word: str, language: str) -> str:
    # a lowercased word of a text in another language without that language's endings
    # (bot.engine.stemmers), and without an English possessive, as stem() drops it
    return LIGHT_STEMMERS[language](word.removesuffix("'s"))


@lru_cache(maxsize=len(LIGHT_STEMMERS) + 1)
def _terms_in(language: str) -> Callable[[str], str | None]:
    """The memoised term function of a language's words (English: :func:`_term`)."""
    if language not in LIGHT_STEMMERS:
        return _term
    stem_of = partial(_light_stem, language=language)
    return lru_cache(maxsize=WORD_CACHE // 4)(partial(_word_term, stem_of=stem_of))


def is_title_case(title: str, language: str = "en") -> bool:
    """Whether a headline capitalises (nearly) every word, hiding which are names.

    Args:
        title: A headline.
        language: Its language (:func:`language_of`): its function words are left out.

    Returns:
        True when most non-stop words of the headline start with a capital.
    """
    found = find_words(title)
    if language != "en":
        found = _without_function_words(found, language)
    words = [w for w in found if not _is_number(w) and w.lower() not in STOPWORDS]
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
        language: The text's language (:func:`language_of`): a German, Spanish,
            French, Italian, Portuguese or Dutch function word ("Die", "El", "Le",
            "Il", "Os", "Het") is no part of a name, as an English one is not.

    Returns:
        ``(entity_terms, phrases)``: stemmed terms seen capitalised mid-sentence, and
        phrase terms ("rocky_mount") for runs of 2-3 capitalised words.
    """
    entities: set[str] = set()
    phrases: list[str] = []
    # decided (and folded) once for the whole text, not sentence by sentence
    ascii_letters = letters_are_ascii(text)
    word_pattern = _WORD_ASCII if ascii_letters else _WORD
    if not ascii_letters:
        text = _fold(text)
    stop = STOPWORDS_BY_LANGUAGE.get(language, frozenset())
    cap_term = _cap_terms_in(language)
    for sentence in _sentences(text, ascii_letters):
        words = word_pattern.findall(sentence)
        if stop:
            words = [_unelided(w, language) for w in words]
        if skip_capitals and _in_capitals(words):
            continue
        run: list[str] = []
        run_start = 0
        for i, w in enumerate(words + [""]):
            cap = (
                bool(w)
                and w[0].isupper()
                and len(w) <= CACHED_WORD_MAX  # no name: see _real_words
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


def split_sentences(text: str) -> list[str]:
    """Split text into sentences.

    Args:
        text: Running text; line breaks always end a sentence.

    Returns:
        Non-empty, whitespace-normalised sentences.
    """
    return _sentences(text, letters_are_ascii(text))


def _sentences(text: str, ascii_letters: bool) -> list[str]:
    # split_sentences, told whether every letter of ``text`` is ASCII: then the split
    # pattern's capitals need only be A-Z (the same splits, much cheaper)
    out: list[str] = []
    glue = False
    glue_before: re.Pattern[str] | None = None  # what the next part opens with to be glued
    for part in _split_ascii(text) if ascii_letters else _SENT_SPLIT.split(text):
        # one space between words, none around them: str.split's whitespace is the
        # pattern's \s (both are str.isspace), three times faster than a substitution
        part = " ".join(part.split())
        if not part:
            continue
        if out and (glue or (glue_before is not None and glue_before.match(part))):
            out[-1] = out[-1] + " " + part
        else:
            out.append(part)
        # "U.S. officials", "Mr. Smith", "Jan. 5": the period ended an abbreviation; a
        # quoted one ends none either: 'Ulysses "U.S." Floyd', "James “J.R.” Gustafson"
        words = part.rsplit(" ", 2)
        last = words[-1].rstrip(_CLOSING)
        street = (
            len(words) > 1
            and _STREET.search(last) is not None
            and _ORDINAL.fullmatch(words[-2]) is not None
        )
        glue = not street and bool(_ABBREV.search(last))
        glue_before = (
            None
            if glue or not last.endswith((".", ".,"))
            else _STREET_NEXT
            if street
            else _INC_NEXT
            if _INC.search(last)
            else _DATE_NEXT
            if _DATE_ABBREV.search(last)
            else _NUMBER_NEXT
            if _NUMBER_ABBREV.search(last)
            else _NAMED_PLACE
            if _NAME_SUFFIX.search(last)
            else None
        )
    return out


# Two sentences a scraped page joined without a space: a word of lower-case letters (two
# at least: "Ph.D", "St.Louis" are no sentence ends), its end mark and a capitalised word
# ("... deputies said.Deputies responded ..."). Not inside a web address ("www.Example.com":
# the word before is "www" or follows a dot or slash) nor after an abbreviation ("Mrs.Smith").
_RUN_ON = re.compile(r"(?<![\w.@/])(?!www\.)([^\W\d_]*[a-z]{2}[.!?])(?=[A-Z][a-z])")


def split_run_ons(sentences: Iterable[str]) -> list[str]:
    """``sentences`` with those that a page joined without a space split apart.

    Scraped bodies join paragraphs without a space ("... police said.The shooting
    happened ..."), which :func:`split_sentences` cannot tell from a word with a full stop
    in it; quoted in a summary, two sentences read as one garbled one. Only what a
    summary quotes is split this way (:func:`bot.engine.summary.candidate_sentences`):
    the text the engine judges keeps the sentences it was measured with.

    Args:
        sentences: Sentences as :func:`split_sentences` gives them.

    Returns:
        The sentences, each run-on one split where a word's end mark meets the next
        sentence's capital.
    """
    out: list[str] = []
    for sentence in sentences:
        start = 0
        for m in _RUN_ON.finditer(sentence):
            if _ABBREV.search(m.group(1)):
                continue
            out.append(sentence[start : m.end()])
            start = m.end()
        out.append(sentence[start:] if start else sentence)
    return [s for s in out if s]


def _split_ascii(text: str) -> list[str]:
    """``_SENT_SPLIT_ASCII.split(text)``, about twice as fast.

    Each match of ``_SENT_END_ASCII`` is a separator of the split with the end mark
    before it (kept with its sentence, as are the closing quotes after it: the group
    "kept") or a run of line breaks. The two patterns try the
    same separators in the same order: where the split's look-behind sees an end mark at
    ``p - 1``, the search matches from ``p - 1`` the same text after it, and a run of
    line breaks can start at neither ``p - 1`` (an end mark is no line break) nor inside
    a separator found before.
    """
    parts = []
    pos = 0
    for m in _SENT_END_ASCII.finditer(text):
        start = m.start()
        if text[start] != "\n":
            # the end mark stays with its sentence, and the closing quotes after it
            kept = m.end("kept")
            start = kept if kept > 0 else start + 1
        parts.append(text[pos:start])
        pos = m.end()
    parts.append(text[pos:])
    return parts


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


_END = (".", "!", "?", '"', "”", "'", "’", ")")


def clean_body(text: str) -> str:
    """Drop page chrome from a body: short lines that are not sentences.

    Extracted article text often keeps navigation, share buttons, video playlists and
    captions ("Share", "Copy Link", "1:47 Mother of defendant speaks Pause"). They are
    not the story, and in a seed they would become profile terms. A line is kept when it
    is long (a paragraph) or reads as a sentence.

    Args:
        text: Body text with line breaks.

    Returns:
        The body without chrome lines; the whole text if nothing would be left.
    """
    kept = []
    for line in text.splitlines():
        words = line.split()
        if len(words) >= 12 or (len(words) >= 5 and line.rstrip().endswith(_END)):
            kept.append(line)
    return "\n".join(kept) if kept else text


def term_counts(
    title: str, text: str, *, title_weight: int = 2, language: str | None = None
) -> tuple[Counter[str], set[str]]:
    """Count terms of an item, counting headline terms ``title_weight`` times.

    Args:
        title: The headline (outlet suffix is removed here).
        text: The body; may be empty.
        title_weight: How many times a headline term counts.
        language: The item's language (:func:`language_of`); told from the headline
            and body when None. A caller counting part of an item (its headline alone)
            passes the whole item's, which a few words could not tell.

    Returns:
        ``(counts, entities)``: term counts including capitalised phrases, and the set of
        entity-like terms (mid-sentence capitals, phrases, numbers).
    """
    lang = item_language(title, text) if language is None else language
    title = strip_outlet_suffix(title)
    text = clean_body(text)
    counts: Counter[str] = Counter()
    for t in tokens(title, lang):
        counts[t] += title_weight
    counts.update(tokens(text, lang))  # one each, in order (Counter's C loop)
    ents, phrases = capitalised(text, language=lang)
    if not is_title_case(title, lang):
        t_ents, t_phr = capitalised(title, skip_first=True, language=lang)
        ents |= t_ents
        phrases += t_phr
        for p in t_phr:
            counts[p] += title_weight - 1
    elif not text:
        # headline only and title-cased: runs of capitals still make phrases
        # (a headline in capitals too: it is title-cased in the same way)
        _, t_phr = capitalised(title, skip_first=False, skip_capitals=False, language=lang)
        phrases += t_phr
        for p in t_phr:
            counts[p] += title_weight - 1
    for p in phrases:
        counts[p] += 1
    entities = {e for e in ents if e in counts} | set(phrases)
    entities |= {t for t in counts if _is_number(t)}
    return counts, entities


_SLUG_SPLIT = re.compile(r"[-_+]+")


def url_slug(url: str) -> str:
    """The words of a link's slug: "…/2016/05/30/avon-park-suspect-turns-himself-in/".

    The last path segment that is a hyphenated phrase of at least three words (a file
    extension dropped, numbers and ids such as "idUSKCN1050U0" left out); "" when the link
    has none, as with a numeric id or a category path such as "/news/local/".

    Args:
        url: A link.

    Returns:
        The slug's words separated by spaces, or "".
    """
    try:
        path = unquote(urlsplit(url).path)
    except ValueError:
        return ""
    for segment in reversed([p for p in path.split("/") if p]):
        stem_, dot, ext = segment.rpartition(".")
        if dot and ext.isalpha() and len(ext) <= 5:
            segment = stem_
        words = [w for w in _SLUG_SPLIT.split(segment) if w.isalpha()]
        if len(words) >= 3:
            return " ".join(words)
    return ""


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
        language: The item's language (:func:`item_language`), whose endings its terms
            lost (:mod:`bot.engine.stemmers`).

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
            _note_forms(text, _WORD_ASCII, seen, whole_words=True, language=language)
        else:  # word by word as written (a word may fold into several: unspaced scripts)
            _note_forms(text, _WORD, seen, whole_words=False, language=language)
        cleaned = clean_body(text)
        if letters_are_ascii(cleaned):
            _note_forms(cleaned, _WORD_ASCII, fallback, whole_words=True, language=language)
        else:
            _note_forms(_fold(cleaned), _WORD, fallback, whole_words=True, language=language)
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
    term_of = _terms_in(language)
    previous: re.Match[str] | None = None
    for m in pattern.finditer(text):
        word = m.group()
        parts = [word] if whole_words else find_words(word)
        for part in parts:
            written = word if len(parts) == 1 else part
            # a German compound's parts are shown as the compound
            terms = _german_terms(part) if language == "de" else (term_of(part),)
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


def _light_cap_term(word: str, language: str) -> str:
    # _cap_term in a text in another language (bot.engine.stemmers)
    return _light_stem(word.lower().replace("’", "'"), language)


@lru_cache(maxsize=len(LIGHT_STEMMERS) + 1)
def _cap_terms_in(language: str) -> Callable[[str], str]:
    """The memoised term function of a language's capitalised words (see _terms_in)."""
    if language not in LIGHT_STEMMERS:
        return _cap_term
    return lru_cache(maxsize=WORD_CACHE // 8)(partial(_light_cap_term, language=language))


def _phrase_term(first: str, second: str, language: str) -> str:
    """The phrase term of two capitalised words, as :func:`capitalised` makes it."""
    if not letters_are_ascii(first + second):
        first, second = _fold(first), _fold(second)  # as the engine reads them
    cap_term = _cap_terms_in(language)
    return cap_term(first) + "_" + cap_term(second)
