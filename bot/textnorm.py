"""Word tokens for keyword matching: case-, accent- and plural-insensitive.

Both sides of a keyword match (the user's query and the item's text) go through
:func:`tokens`, so whatever this module does to a word it does to both, and matching
stays a plain equality of tokens. That is what gives word-boundary matching for free:
"AI" becomes the token ``ai`` and "said" the token ``said``, which are not equal.

The steps, and why:

* Unicode compatibility decomposition (NFKD) then dropping every combining mark, so
  "Élysée" and "Elysee" agree and ligatures such as "ﬁ" become "fi"; then recomposition
  (NFC). The kana voiced and semi-voiced sound marks are kept: they are no accents but
  part of the letter (バス "bus", パス "pass", ハス "lotus" are three words; half-width ﾊﾞｽ
  is バス), and Hangul stays in syllables, not jamo. So are the vowel signs and viramas of
  the scripts of India and Sri Lanka (Devanagari to Sinhala), which are letters of the
  word: "दिल्ली" (Delhi) is not "दलाल" (broker), nor "में" (in) "मैं" (I). Arabic's and
  Hebrew's vowel marks, which writers mostly leave out, are dropped.
* ``casefold`` rather than ``lower`` so "Straße" and "STRASSE" agree.
* A few letters that Unicode does not decompose but that readers take for accented
  ones are spelled plainly: Turkish dotless "ı" (without it "DİYARBAKIR" and
  "Diyarbakır", one word in two cases, were two keys), "ł", "ø", "æ", "œ", "ð", "þ",
  "ħ". Invisible characters inside a word (a soft hyphen, as feeds' ``&shy;`` gives,
  zero-width spaces) are dropped rather than splitting it.
* Tokens are runs of letters and digits; everything else (hyphens, apostrophes,
  underscores, dots) separates tokens. "supply-chain" and "U.S." therefore become two
  tokens each, and the query language matches them as phrases. A possessive "'s" (or
  "’s") is no token: "Trump's" is the token ``trump``.
* :func:`words` also gives each such compound written whole (:func:`whole_words`):
  "E-mail", "COVID-19", "A.I." and "10,000" are also ``email``, ``covid19``, ``ai`` and
  ``10000``, so that a query "email" finds "E-mail" (and a query "e-mail", a phrase,
  finds "Email": :class:`bot.query_tree.Term` looks for its words joined too). Inside a
  longer compound, a number with the letters before it is such a word too
  ("COVID-19-related" and "anti-COVID-19" are also ``covid19``): model and disease
  names are written so. A part that looks like a plural is kept in the name written
  whole as well: "SARS-CoV-2" is ``sarcov2`` (its parts folded) and ``sarscov2`` (the
  word a query writes whole, folded as one word). Not apart: "covid19" does not find "COVID 19", as "A380"
  must not find "a 380-page report".
* A name written with a symbol that is part of it (:func:`symbol_word`): "C++", "C#"
  and "F#" (one letter, then "++" or "#"), "AT&T" and "R&D" (an "&" between letters or
  digits, no space), ".NET" (a dot, then letters, at the start of a word or after a name
  in capitals: "ASP.NET") is also its key as written, lower case (``c++``, ``at&t``,
  ``.net``), which no token can equal. Its tokens alone are a single letter ("c") or
  words as common as "at" and "net": the key is what lets a query find the name.
* An acronym written in capitals whose letters spell a stop word ("US", "WHO") is also
  its dotted key (:func:`dotted`: ``u.s.``, ``w.h.o.``), which the query "U.S." looks for
  beside "U.S." itself: many outlets write "US". Its word written whole, ``us``, is too
  common to search for, so "US" stays a token ``us`` too. Not where the text around it is
  written in capitals ("HELP US FIND HIM"), where it is mostly the word.
* A deliberately small English plural folding (``talks``/``talk``, ``policies``/
  ``policy``, ``taxes``/``tax``, ``Israelis``/``Israeli``, ``Hindus``/``Hindu``). It
  only has to be consistent, not linguistically right: "series" folds to "sery" and
  "crisis" to "crisi" on both sides and still match themselves. Beyond the "-s" rules:

  - "-ies" is "-y" ("policies", "parties"), except for the nouns in "-ie"
    (:data:`_IE_NOUNS`: "movies", "cookies", "calories", "selfies" are "movie",
    "cookie", "calorie", "selfie").
  - "-oes" is "-o" ("heroes", "potatoes", "vetoes"), except for the few nouns in "-oe"
    (:data:`_OE_NOUNS`: "shoes", "toes", "foes", "canoes"). So "does" and "goes" fold
    to "do" and "go": the verbs, far commoner in news than the deer, and "doe" (as in
    "John Doe") becomes a key of its own, no longer a too-common word.
  - "-men" is "-man" ("men", "women", "gunmen", "policemen", "chairmen"), except for
    the words in "-men" that are no plural (:data:`_KEEP`: "omen", which would be
    "Oman", "Yemen", "amen", "abdomen"; and every "-umen", "-imen" and "-mmen":
    "acumen", "specimen", German "kommen"). Other languages' words in "-men" fold too,
    the same way on both sides (Spanish "examen" is "examan").
  - No fold lands on a month's or weekday's short form (:data:`_SHORT_DATES`):
    "Mars" stays "mars", not the "Mar" of "Mar 5" and "Mar-a-Lago"; nor on another
    word common in news where the plural reading is the rarer one (:data:`_KEEP`:
    "ISIS" is no "ISI", "Mets" no "met"); nor, by the plain "-s" rule, on a word too
    common to search for (the engine's stop words): "cans", "Wells" and "mines" were
    "can", "well" and "mine", so a subscription to them was refused as too common, and
    one made before matched every "can"; nor on a common given name
    (:data:`bot.given_names.GIVEN_NAMES`): "Williams", "Roberts", "Adams" and "Jens" are
    names of their own, not "William", "Robert", "Adam" and "Jen" (a given name whose
    "-s" form is an ordinary plural keeps folding: "marks", "bills", "grants",
    "Christians"). A few other proper names are kept where the fold lands on another
    word common in news (:data:`_KEEP`): "Hamas" is no "Hama" (the Syrian city),
    "Vegas" no "Vega", "Lagos" no "Lago" (Mar-a-Lago), "Frances" no "France", "Hans" no
    "Han", "Morales" no "morale"; nor are "goods" and "commons" the adjectives "good" and
    "common". Surnames and other names written like a plural keep their key where the
    fold lands on another word or name (:data:`bot.surnames.SURNAMES`, chosen by
    counting them in real news): "Davies" is no "Davy", "Rhodes" no "Rhode", "Reeves"
    no "Reeve", "Torres" no "Torre", "Givens" no "given", "Luis" no French "lui"; nor
    is the "-ies" of a given name in "-y" that name ("Harries", "Henries").
  - Plurals no ending rule can undo are listed (:data:`_IRREGULAR`): "children",
    "wives", "knives" (also ending compounds: "grandchildren", "housewives"), "buses",
    "viruses", "campuses" and other "-uses" of "-us" nouns (a rule would take "houses",
    "causes" and "uses", "US", with them), "crises", "gases", "wolves", "thieves".
    "lives" is "life": in news mostly the noun ("lives lost"); the verb ("she lives
    in") is then a form of "life" too, and a query "live" ("live coverage") no longer
    finds "lives", as it did when "lives" folded to "live". Other "-ives" stay
    ("olives", "conservatives", "drives"), and "leaves" is the verb's, not "leaf".

* Chinese and Japanese, written without spaces, become their overlapping character
  pairs ("台风登陆上海" → 台风 风登 登陆 陆上 上海): a query "上海" is the token 上海 and
  matches, and a longer query is a run of pairs that matches as a phrase. Thai, Lao,
  Myanmar and Khmer, also written without spaces between words, become overlapping
  character triples: their letters are an alphabet, not ideographs, and pairs of some
  forty letters are shared by most texts (on a Thai-lettered copy of a labelled English
  stream, pairs took 70 % of the off-topic items; triples tracked it about as well as
  the English). Before, a whole run between spaces was one token, which no other text
  shared, and nearly every report was missed.

Limitation: a one-character Chinese query (or a Thai one of one or two letters) matches
only where it stands alone.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from functools import lru_cache

from bot.given_names import GIVEN_NAMES
from bot.surnames import SURNAMES

__all__ = [
    "dotted",
    "fold",
    "has_unspaced",
    "joined",
    "split_unspaced",
    "strip_marks",
    "symbol_word",
    "tokens",
    "whole_words",
    "word_count",
    "words",
]

# The vowel signs, viramas and other combining marks of the scripts of India and Sri
# Lanka (Devanagari to Sinhala, U+0900-U+0DFF). Unlike an accent, such a mark is a letter
# of the word: without them "दिल्ली" (Delhi) and "दलाल" (broker) were one key, "दलल", and
# "में" (in) the letter "म". Keyword matching keeps them (``_normalise``) and reads them as
# part of a word; the story engine's :func:`strip_marks` still drops them, as it drops
# every mark, so that its measured decisions do not move.
_INDIC_MARKS = "".join(
    chr(cp) for cp in range(0x0900, 0x0E00) if unicodedata.category(chr(cp)).startswith("M")
)
_INDIC_MARK_SET = frozenset(_INDIC_MARKS)
# One character of a word: a letter or digit (``\w`` minus the underscore), or such a mark.
_WORD_CHAR = rf"(?:[^\W_]|[{_INDIC_MARKS}])"
_NOT_AFTER_WORD_CHAR = rf"(?<![^\W_])(?<![{_INDIC_MARKS}])"
# Letters and digits only; with the marks above where a text has one (_token_pattern: the
# pattern with them costs 80 % more on other text).
_TOKEN = re.compile(r"[^\W_]+")
_TOKEN_INDIC = re.compile(rf"{_WORD_CHAR}+")
_HAS_INDIC_MARK = re.compile(f"[{_INDIC_MARKS}]")

# A possessive "'s", taken off before the text is split: a token of its own, "s" would
# stand for it in a phrase ("Trump's wall" as "trump s wall"), which "Trump wall" lacks.
# (Taking it off costs less than a token pattern that keeps it: the scan skips to each
# apostrophe.)
_POSSESSIVE = re.compile(r"['\u2019]s(?![^\W_])")

# A separator inside a word (a letter or digit follows; _compounds checks what comes
# before): the pattern starts with it, so a scan skips to each candidate.
_INNER_SEPARATOR = re.compile(rf"[-\u2010.,](?={_WORD_CHAR})")

# Words written in parts that are also written whole: hyphenated ("e-mail", "COVID-19";
# "\u2010" is what NFKD makes of the non-breaking hyphen), single letters with dots
# ("A.I.", "U.N."), and numbers with thousands commas ("10,000"; not decimals: "3.5"
# is no "35"). Each alternative starts only where a word starts, and the possessive
# quantifiers never backtrack into a word. Only tried where _INNER_SEPARATOR finds a
# candidate: run over a whole body, the alternatives tried at every character cost more
# than splitting it into tokens.
_COMPOUND = re.compile(
    rf"{_NOT_AFTER_WORD_CHAR}{_WORD_CHAR}++(?:[-\u2010]{_WORD_CHAR}++)+"
    r"|(?<![^\W_.])[^\W\d_](?:\.[^\W\d_])+\.?(?![^\W_])"
    r"|(?<![^\W_.,])\d{1,3}(?:,\d{3})+(?![^\W_]|,\d)"
)

# Names written with a symbol that is part of them (see symbol_word). Each pattern starts
# with its symbol, so a scan skips to it at C speed; the word's start is checked after.
_SYMBOL_SUFFIX = re.compile(r"(?:\+\+|#)(?![^\W_+#])")  # C++, C#, F#
_SYMBOL_AMPERSAND = re.compile(r"& ?([^\W_]+)(?![^\W_]|&)")  # AT&T, R & D
_SYMBOL_DOT = re.compile(r"\.[^\W\d_][^\W_]+(?![^\W_])")  # .NET
# A query's word that is one of those names, written whole
_SYMBOL_WORD = re.compile(r"[^\W\d_](?:\+\+|#)|[^\W_]+&[^\W_]+|\.[^\W\d_][^\W_]+")

# A word of two to four capitals, as an acronym is written ("US", "WHO"): see _capitals.
# (A pattern that starts with its letters: the scan skips to each capital at C speed, a
# lookbehind for the word's start cost 20 % of tokenizing; _capitals checks the start.)
_CAPITALS = re.compile(r"[A-Z]{2,4}(?![^\W_])")
# A word in capitals just before or after it, a space between: "WHO IS", "HELP US".
_SHOUTED_BEFORE = re.compile(r"(?<![^\W_])[A-Z]{2,} $")
_SHOUTED_AFTER = re.compile(r" [A-Z]{2,}(?![^\W_])")
# How far either side of such a word _capitals looks to tell an acronym in ordinary text
# ("the US said") from text written all in capitals ("HELP US FIND HIM").
_CAPITALS_CONTEXT = 40

# Entries in each memo of a pure function of one word (here, in bot.engine.words,
# bot.engine.capitals and bot.engine.prior). A long-running service's vocabulary passes
# 100,000 distinct words within weeks (names, numbers, misspellings), so every such memo
# fills to its cap: at 2**17 entries the five of them held about 66 MB (140,000 distinct
# words read), at 2**15 about 21 MB. News repeats its common words, so 2**15 entries miss
# little more (on the 6,700 articles of the labelled streams, 12 % more misses of 2.3
# million lookups, each a few microseconds).
WORD_CACHE = 1 << 15

# Longer words are folded but not memoised: no word of any language is this long (the
# longest of the labelled streams has 31 letters), and a feed's "words" of 20 kB each,
# each a key of a memo, held hundreds of MB once a few 10 MiB fetches had been read.
CACHED_WORD_MAX = 100

# Words that look like plurals but are not, whose folding would collide with a common
# word ("news" -> "new", "Paris" -> French "pari", a bet, "omen" -> "Oman", "Hamas" ->
# "Hama") or change a word that folds nowhere else ("Yemen"). Words ending in "-umen", "-imen" and "-mmen"
# are never folded as "-men" plurals (see fold), so "acumen" or "specimen" need no entry.
_KEEP = frozenset(
    {
        "news",
        "paris",
        # the plural reading is the rarer one, the other word common in news
        "isis",  # not "ISI", Pakistan's intelligence agency
        "mets",  # the New York Mets, not "met"
        # names whose fold would land on another name or word common in news
        "frances",  # a given name, not "France"
        "hamas",  # not "Hama", the Syrian city
        "hans",  # a given name, not "Han" (Chinese, Korean: Han Duck-soo, Han Kang)
        "lagos",  # not the "Lago" of "Mar-a-Lago"
        "morales",  # a surname (Evo Morales), not "morale"
        "vegas",  # not "Vega" (the star, the rocket, a surname)
        # plurals whose singular noun news hardly writes, unlike the adjective
        "commons",  # the House of Commons, not "common"
        "goods",  # trade in goods, not "good"
        # "-men" that is no "-man" plural
        "abdomen",
        "amen",
        "bremen",
        "carmen",
        "cyclamen",
        "dolmen",
        "examen",
        "foramen",
        "germen",
        "hymen",
        "omen",
        "ramen",
        "semen",
        "stamen",
        "yemen",
    }
)
# Names written like a plural whose fold landed on another word or name ("Davies" was
# "davy", "Rhodes" "rhode", "Luis" the French "lui"): see bot.surnames. And the "-ies"
# of a given name in "-y" ("Harries", "Henries"), which would be that name: as no plain
# "-s" plural folds onto a given name, no "-ies" does. One set with the words above, so
# that fold still looks a word up once.
_KEEP |= SURNAMES | {
    name[:-1] + "ies" for name in GIVEN_NAMES if name.endswith("y") and name[-2] not in "aeiou"
}
_NOT_MEN_PLURAL = ("umen", "imen", "mmen")

# The short forms of months and weekdays, as datelines ("Mar 5", "Sept. 11") and names
# ("Mar-a-Lago") hold them: no plural folds onto one. "Mars" folded to "mar" found every
# March dateline; "mons" (the Belgian city) "Mon.", "thus" "Thu". A plural of such a word
# ("Jans") is missed instead, and a false notice costs more than that. ("wed", "sat" and
# "sun" are English words whose "-s" forms are theirs: "weds", "suns".)
_SHORT_DATES = frozenset(
    "jan feb mar apr jun jul aug sep sept oct nov dec mon tue tues thu thur thurs fri".split()
)

# Nouns in "-ie" whose plural is "-ies": every other "-ies" is a "-y" plural ("policies")
# or verb ("cries"). Read as "-y", "movies" was "movy", which "movie" is not: a
# subscription to either missed the other. Counted in the real text of shared/evaldata
# (movie 147 / movies 58, cookie 34 / cookies 57, hoodie, calorie, prairie, selfie,
# zombie, rookie: none written in "-y"); left out where the "-y" form is a word news writes
# too ("caddy", "hippy", "goody", "aunty", "eddy"), which would lose the plural instead.
_IE_NOUNS = frozenset(
    """
    beanie birdie bookie boogie brasserie brownie budgie cabbie calorie collie cookie
    coterie cutie foodie freebie genie goalie groupie homie hoodie indie junkie magpie
    menagerie movie necktie newbie oldie patisserie pinkie pixie prairie quickie reverie
    rookie rotisserie selfie smoothie sortie sweetie techie veggie wheelie yuppie zombie
    """.split()
)

# Nouns in "-oe" whose plural is "-oes": every other "-oes" is an "-o" plural ("heroes")
# or a verb of an "-o" one ("does", "goes"). Ending compounds ("horseshoes",
# "snowshoes") are found by their ending "shoes".
_OE_NOUNS = frozenset(
    {
        "aloe",
        "canoe",
        "floe",
        "foe",
        "hoe",
        "mistletoe",
        "oboe",
        "roe",
        "shoe",
        "sloe",
        "throe",
        "tiptoe",
        "toe",
        "woe",
    }
)

# Plurals that no ending rule undoes, each to its singular (then folded as a singular
# is: "viruses" is "virus", whose key is "viru"). The "-uses" of "-us" nouns are
# listed rather than ruled: "houses", "causes", "abuses" and "uses" are "-use" words.
_IRREGULAR = {
    "bonuses": "bonus",
    "buses": "bus",
    "busses": "bus",
    "campuses": "campus",
    "caucuses": "caucus",
    "censuses": "census",
    "choruses": "chorus",
    "circuses": "circus",
    "crises": "crisis",
    "fetuses": "fetus",
    "gases": "gas",
    "geniuses": "genius",
    "halves": "half",
    "lives": "life",
    "minibuses": "minibus",
    "shelves": "shelf",
    "statuses": "status",
    "surpluses": "surplus",
    "thieves": "thief",
    "viruses": "virus",
    "wolves": "wolf",
}
# Irregular plural endings, found at the end of compounds too ("grandchildren",
# "housewives", "penknives"): no other word ends so.
_IRREGULAR_ENDINGS = (("children", "child"), ("wives", "wife"), ("knives", "knife"))


# The kana voiced and semi-voiced sound marks, combining (as NFKD leaves them, also from
# the half-width forms): they are no accents but tell words apart, バス (bus) from パス
# (pass) and ハス (lotus), がん (cancer) from かん (can).
_KANA_VOICING = frozenset((0x3099, 0x309A))


class _MarkStripper(dict[int, int | None]):
    """A ``str.translate`` table that deletes combining marks, filled lazily.

    ``str.translate`` runs at C speed once a code point is cached; the category lookup
    happens once per distinct code point. The cap keeps hostile input from growing the
    table without bound (uncached code points are still translated correctly).
    """

    _CAP = 1 << 16

    def __init__(self, kept: frozenset[int]) -> None:
        super().__init__()
        self._kept = kept  # the marks not deleted

    def __missing__(self, cp: int) -> int | None:
        mark = unicodedata.category(chr(cp)).startswith("M")
        value = None if mark and cp not in self._kept else cp
        if len(self) < self._CAP:
            self[cp] = value
        return value


# strip_marks (the story engine): every mark but the kana's voicing
_STRIP_MARKS = _MarkStripper(_KANA_VOICING)
# keyword matching (_normalise): the Indic scripts' marks are kept too (see _INDIC_MARKS)
_STRIP_ACCENTS = _MarkStripper(_KANA_VOICING | frozenset(map(ord, _INDIC_MARKS)))

# Letters that NFKD leaves whole but readers type without their stroke or dot (see the
# module docstring), as casefold leaves them (lower case), and invisible characters
# dropped from inside words. Keyword matching only: strip_marks, which the story engine
# uses, keeps them.
_PLAIN_LETTERS = str.maketrans(
    {
        "\u0131": "i",  # ı
        "\u0142": "l",  # ł
        "\u00f8": "o",  # ø
        "\u00e6": "ae",  # æ
        "\u0153": "oe",  # œ
        "\u00f0": "d",  # ð
        "\u00fe": "th",  # þ
        "\u0127": "h",  # ħ
        "\u00ad": None,  # soft hyphen
        "\u200b": None,  # zero-width space
        "\u2060": None,  # word joiner
        "\ufeff": None,  # zero-width no-break space
    }
)
# translate() of a plain dict is slow for the characters it lacks: only where needed
_HAS_PLAIN_LETTERS = re.compile("[" + "".join(map(chr, _PLAIN_LETTERS)) + "]")


@lru_cache(maxsize=1)
def _stop_words() -> frozenset[str]:
    # imported here: bot.engine's modules import this one
    from bot.engine.stopwords import STOPWORDS

    return STOPWORDS


@lru_cache(maxsize=1)
def _no_plain_plural_onto() -> frozenset[str]:
    """The words no plain "-s" plural folds onto (see the module docstring).

    Months' and weekdays' short forms, stop words and common given names, as one set:
    one lookup a word.
    """
    return _SHORT_DATES | _stop_words() | GIVEN_NAMES


def fold(word: str) -> str:
    """Fold one lower-case token to its match key (simple English plurals).

    Args:
        word: A token as produced by the splitting step of :func:`tokens`.

    Returns:
        The token with a plural ending removed when it looks like one (see the module
        docstring for the rules and their exceptions).
    """
    if word in _KEEP:
        return word
    if word.endswith("men"):
        return word if word.endswith(_NOT_MEN_PLURAL) else word[:-3] + "man"
    if len(word) < 4 or not word.endswith(("s", "n")):
        return word
    singular = _IRREGULAR.get(word)
    if singular is not None:
        return fold(singular)
    for plural, singular in _IRREGULAR_ENDINGS:
        if word.endswith(plural):
            return word[: -len(plural)] + singular
    if word[-1] != "s":
        return word
    if word.endswith("oes"):
        stem = word[:-1]
        return stem if stem in _OE_NOUNS or word.endswith("shoes") else word[:-2]
    if word.endswith("ies") and len(word) > 4:
        stem = word[:-1]
        return stem if stem in _IE_NOUNS else word[:-3] + "y"
    if word.endswith(("sses", "shes", "ches", "xes", "zes")):
        return word[:-2]
    if word.endswith("ss") or word[:-1] in _no_plain_plural_onto():
        return word
    # "-us" and "-is" words are folded too: "Israelis", "Houthis" and "Hindus" are
    # plurals, and "crisis" (as "crisi") or "virus" still matches itself
    return word[:-1]


def strip_marks(text: str) -> str:
    """Remove accents and compatibility forms from ``text``, keeping its case.

    "São Paulo" becomes "Sao Paulo", "Erdoğan" "Erdogan", "ﬁnal" "final" and fullwidth
    letters plain ones; scripts whose letters carry their vowels as marks (Devanagari,
    Arabic) lose them, consistently on every side of a comparison. Kana keep their
    voicing marks (バス is not パス; half-width ﾊﾞｽ is バス). The story engine uses this
    so that a name spelled with and without its accent is one term.

    Args:
        text: Any text.

    Returns:
        The text decomposed (NFKD), without combining marks, recomposed (NFC, so Hangul
        syllables stay whole); ASCII text is returned as it is.
    """
    if text.isascii():
        return text
    return unicodedata.normalize("NFC", unicodedata.normalize("NFKD", text).translate(_STRIP_MARKS))


# Han ideographs (with extension A and compatibility forms) and kana; Thai, Lao, Myanmar
# and Khmer, also written without spaces between words
_UNSPACED_RUN = re.compile(
    r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
    r"\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff]+"
)


def _grams(match: re.Match[str]) -> str:
    run = match.group()
    n = 2 if run[0] >= "\u3040" else 3  # kana and Han from U+3040; the alphabets before
    if len(run) <= n:
        return f" {run} "
    return " " + " ".join(run[k : k + n] for k in range(len(run) - n + 1)) + " "


def split_unspaced(text: str) -> str:
    """Each run of Chinese or Japanese characters as its overlapping pairs, spaced.

    A run of Thai, Lao, Myanmar or Khmer becomes its overlapping triples (see the module
    docstring).

    Such text has no spaces between words and no dictionary is at hand; character pairs
    are the usual stand-in ("北京大学" → "北京 京大 大学"): a name of two characters is one
    pair, and two texts naming the same thing share its pairs.

    Args:
        text: Any text.

    Returns:
        The text with those runs replaced; other text unchanged.
    """
    return _UNSPACED_RUN.sub(_grams, text)


def has_unspaced(text: str) -> bool:
    """Whether ``text`` holds a run of a script written without spaces between words."""
    return _UNSPACED_RUN.search(text) is not None


def word_count(text: str) -> int:
    """How many words ``text`` has, where a run of Chinese or Japanese is its pairs.

    Such text (and Thai, Lao, Myanmar, Khmer) has no spaces between words, so splitting
    on spaces makes a whole paragraph one word; its character pairs or triples
    (:func:`split_unspaced`) are what the engine reads as its words. Text without such
    runs counts its space-separated words.

    Args:
        text: Any text.

    Returns:
        The number of words.
    """
    if not has_unspaced(text):
        return len(text.split())
    return len(split_unspaced(text).split())


def _normalise(text: str) -> str:
    """``text`` lower-cased, without accents, its Chinese and Japanese runs as pairs."""
    if text.isascii():
        # Fast path: most titles and many bodies are ASCII, where folding is just lower().
        return _POSSESSIVE.sub("", text.lower())
    # Unicode's "compatibility caseless match" (D145): casefolding and decomposing
    # can each expose work for the other, so the standard applies both twice.
    text = unicodedata.normalize("NFKD", text.casefold())
    text = unicodedata.normalize("NFKD", text.casefold()).translate(_STRIP_ACCENTS)
    # recomposed: a kana with its voicing mark is one letter again, and Hangul jamo
    # their syllables (a mark left alone is no letter: \W, a separator)
    text = unicodedata.normalize("NFC", text)
    if _HAS_PLAIN_LETTERS.search(text):
        text = text.translate(_PLAIN_LETTERS)
    return split_unspaced(_POSSESSIVE.sub("", text))


def _token_pattern(norm: str) -> re.Pattern[str]:
    """The pattern of the words of normalised text: runs of letters and digits, with the
    Indic marks (_INDIC_MARKS) where it has one."""
    if norm.isascii() or not _HAS_INDIC_MARK.search(norm):
        return _TOKEN  # nearly every text
    return _TOKEN_INDIC


def _is_word_char(c: str) -> bool:
    """Whether ``c`` is part of a word: a letter or digit, or an Indic mark (_WORD_CHAR)."""
    return c.isalnum() or c in _INDIC_MARK_SET


def _compounds(norm: str) -> list[re.Match[str]]:
    """The compounds (see _COMPOUND) of normalised text, as ``_COMPOUND.finditer`` finds them."""
    found = []
    end = -1  # where the last compound found ends: a separator before it is inside it
    for sep in _INNER_SEPARATOR.finditer(norm):
        i = sep.start()
        if i <= end or i == 0 or not _is_word_char(norm[i - 1]):
            continue
        start = i - 1  # the compound starts where the word before the separator does
        while start > 0 and _is_word_char(norm[start - 1]):
            start -= 1
        m = _COMPOUND.match(norm, start)
        if m is not None:
            found.append(m)
            end = m.end()
    return found


def _folded(words: list[str]) -> list[str]:
    if max(map(len, words), default=0) <= CACHED_WORD_MAX:
        return list(map(_fold_cached, words))  # nearly every text
    return [_fold_cached(w) if len(w) <= CACHED_WORD_MAX else fold(w) for w in words]


def tokens(text: str) -> list[str]:
    """Split text into normalised, plural-folded word tokens, in order.

    Args:
        text: Any text (a title, an article body, a query term).

    Returns:
        The match keys of the words of ``text``; empty if it has no letters or digits.
    """
    norm = _normalise(text)
    return _folded(_token_pattern(norm).findall(norm))


def whole_words(parts: tuple[str, ...] | list[str]) -> str:
    """The match key of a word written in ``parts`` (match keys), written whole.

    The parts' keys joined: "e-mails" (``e``, ``mail``) is ``email``, as "emails" is,
    and "F-35" ``f35``. :func:`words` gives it for each compound of a text, and a
    phrase of the query language looks for it too.
    """
    return "".join(parts)


def words(text: str) -> tuple[list[str], list[str]]:
    """:func:`tokens` of ``text``, and each of its compound words written whole.

    Args:
        text: Any text (an item's title or body).

    Returns:
        The tokens in order, and the :func:`whole_words` of each word written with
        hyphens ("e-mail"), dots between single letters ("A.I.") or thousands commas
        ("10,000"), in no particular order; for a longer compound, also each number
        with the letters before it written whole ("covid19" of "COVID-19-related");
        and the :func:`dotted` key of an acronym in capitals that spells a stop word
        ("u.s." of "US", see _capitals); and the :func:`symbol_word` key of a name
        written with its symbol ("c++" of "C++", "at&t" of "AT&T").
    """
    norm = _normalise(text)
    wholes: list[str] = _capitals(text)
    wholes.extend(_symbol_words(text))
    for m in _compounds(norm):
        c = m.group()
        wholes.extend(
            _compound_wholes(c) if len(c) <= CACHED_WORD_MAX else _compound_wholes_uncached(c)
        )
    return _folded(_token_pattern(norm).findall(norm)), wholes


def joined(text: str, acronyms: bool = True) -> list[str]:
    """:func:`tokens` of ``text``, each word written in parts as one token, written whole.

    A compound ("e-mail", "F-35", "10,000", "U.N.") is one token, its :func:`whole_words`
    ("email", "f35", "10000", "un"); dotted letters whose word written whole is too
    common to search for ("U.S.", "W.H.O.") are their :func:`dotted` key ("u.s."), and,
    with ``acronyms``, so is such an acronym written in capitals in ordinary text ("the US
    said", see _capitals). A phrase of the query language is found in these tokens too
    (:class:`bot.query_tree.Term`), so that it follows the rules of a single word: the phrase
    "U.S. military" finds "US military", "e-mail address" "email address", "UN Security
    Council" "U.N. Security Council". A longer compound is its whole only
    ("COVID-19-related" is ``covid19related``), not each name inside it.

    Args:
        text: Any text (an item's title or body, or a phrase of a query: a query writes
            "US" in any case, so it is read without ``acronyms``).
        acronyms: Whether an acronym in capitals is its dotted key.

    Returns:
        The tokens in order.
    """
    norm = _normalise(text)
    compounds = _compounds(norm)
    token = _token_pattern(norm)
    written = token.findall(norm)
    marked = _acronym_tokens(text, written) if acronyms else {}
    if not compounds and not marked:
        return _folded(written)
    folded = _folded(written)
    # the tokens each compound, then each acronym, stands for: (first, how many, key);
    # counted with findall between the compounds (C speed, no loop over every token)
    joins: list[tuple[int, int, str]] = []
    k = pos = 0
    for span in compounds:
        k += len(token.findall(norm, pos, span.start()))
        n = len(token.findall(span.group()))
        parts = folded[k : k + n]
        whole = whole_words(parts)
        letters = all(len(p) == 1 and p.isalpha() for p in parts)
        joins.append((k, n, dotted(parts) if letters and whole in _common_keys() else whole))
        k += n
        pos = span.end()
    joins.extend((i, 1, dotted(word)) for i, word in marked.items())
    out: list[str] = []
    i = 0
    for first, n, key in sorted(joins, key=lambda j: (j[0], -j[1])):  # compounds first
        if first < i:
            continue  # an acronym inside a compound ("anti-US"): the compound is the word
        out.extend(folded[i:first])
        out.append(key)
        i = first + n
    out.extend(folded[i:])
    return out


@lru_cache(maxsize=1)
def _common_keys() -> frozenset[str]:
    """The stop words as match keys (as bot.query reads too-common words)."""
    return frozenset(keys[0] for word in _stop_words() if len(keys := tokens(word)) == 1)


def _acronym_tokens(text: str, written: list[str]) -> dict[int, str]:
    """Where ``written`` (the tokens of ``text``, before folding) has an acronym that
    _capitals finds: index to word.

    _capitals reads ``text`` itself (its capitals), the tokens come from it normalised:
    the n-th occurrence of the word in ``text`` is taken for its n-th token, where the
    two counts agree (an accented "Ús", which is the token too, makes them differ: then
    that word is left unmarked, which can only miss a match).
    """
    acronyms = _capital_spans(text)
    if not acronyms:
        return {}
    marked: dict[int, str] = {}
    for word in {w for _, w in acronyms}:
        at = []
        i = -1
        try:
            while True:
                i = written.index(word, i + 1)
                at.append(i)
        except ValueError:
            pass
        starts = [m.start() for m in re.finditer(rf"\b{word}\b", text, re.IGNORECASE)]
        if len(at) != len(starts):
            continue
        index = dict(zip(starts, at, strict=True))
        for start, w in acronyms:
            if w == word and start in index:
                marked[index[start]] = word
    return marked


def dotted(letters: tuple[str, ...] | list[str] | str) -> str:
    """The key of an acronym written with dots, for one whose letters spell a stop word.

    "U.S." written whole is the word "us", too common to search for, so it keeps a key
    of its own: ``u.s.``, which no token can equal (tokens hold no dots). A query
    "U.S." (:class:`bot.query_tree.Term`) looks for it, and :func:`words` gives it for such an
    acronym written in capitals ("US", "WHO"), so that "U.S." finds the "US" of outlets
    that write it so, and "W.H.O." the "WHO".
    """
    return "".join(f"{letter}." for letter in letters)


def symbol_word(word: str) -> str | None:
    """The key of a name written with a symbol that is part of it, or None for other words.

    "C++", "C#" and "F#" (one letter, then "++" or "#"), "AT&T" and "R&D" (an "&" between
    letters or digits), ".NET" (a dot, then letters): their key is the name as written,
    lower case and without accents (``c++``, ``at&t``, ``.net``), which :func:`words` gives
    where a text writes the name (see _symbol_words). Their tokens alone would be a single
    letter or a word as common as "at" or "net".

    Args:
        word: A word as a query writes it.

    Returns:
        The key, or None if ``word`` is not such a name as a whole.
    """
    key = _normalise(word)
    return key if _SYMBOL_WORD.fullmatch(key) is not None else None


def _symbol_words(text: str) -> list[str]:
    """The :func:`symbol_word` keys of the names ``text`` writes with their symbol.

    A name counts where it is a word of its own: "C++" and "AT&T" with no letter or digit
    before them ("iC++" is none; "AT & T", "R & D" written apart are theirs), ".NET" after a space, a bracket or a quote, or after a
    name in capitals ("ASP.NET"), not inside a web address or file name ("example.net",
    "Node.js" is no ".js": a query writes those as words, which find them as phrases).
    """
    found = []
    if "+" in text or "#" in text:
        for m in _SYMBOL_SUFFIX.finditer(text):
            start = m.start() - 1  # the letter before the symbol
            if start < 0 or not text[start].isalpha() or (start and text[start - 1].isalnum()):
                continue
            found.append(_normalise(text[start : m.end()]))
    if "&" in text:
        for m in _SYMBOL_AMPERSAND.finditer(text):
            end = m.start() - (m.start() > 0 and text[m.start() - 1] == " ")
            start = end
            while start > 0 and text[start - 1].isalnum():
                start -= 1
            if start < end and (start == 0 or text[start - 1] not in "&_"):
                found.append(_normalise(f"{text[start:end]}&{m.group(1)}"))
    for m in _SYMBOL_DOT.finditer(text):
        start = m.start()
        before = text[start - 1] if start else " "
        if before.isalnum():
            # a name in capitals before the dot: "ASP.NET", not "example.net" or "U.S"
            begin = start
            while begin > 0 and text[begin - 1].isalnum():
                begin -= 1
            if not (text[begin:start].isupper() and m.group()[1:].isupper() and start - begin > 1):
                continue
        elif before in "._-/@:":
            continue  # a path or address: "../.env", "user@host.net"
        found.append(_normalise(m.group()))
    return found


def _capitals(text: str) -> list[str]:
    """The :func:`dotted` keys of the acronyms ``text`` writes in capitals as stop words.

    "US" and "WHO" in "the US and the WHO said" are ``u.s.`` and ``w.h.o.``. Not where
    the text around is written mostly in capitals, as headlines and transcripts shout:
    there "HELP US" is the word "us". Other acronyms ("NATO", "EU") are words searched as
    such already; a stop word's acronym with a digit or lower-case letter is none.
    """
    return [dotted(word) for _, word in _capital_spans(text)]


def _capital_spans(text: str) -> list[tuple[int, str]]:
    """Where _capitals finds an acronym: its start in ``text`` and its word, lower case."""
    found = []
    stop_words = _stop_words()
    for m in _CAPITALS.finditer(text):
        word = m.group().lower()
        start, end = m.span()
        if word not in stop_words or (start and text[start - 1].isalnum()):
            continue  # no stop word, or the end of a longer word ("NATO" holds "ATO")
        if _SHOUTED_BEFORE.search(text, max(0, start - 20), start) or _SHOUTED_AFTER.match(
            text, end
        ):
            continue  # "WHO IS MAX VERSTAPPEN? - Max Verstappen ...": a shouted title
        around = text[max(0, start - _CAPITALS_CONTEXT) : end + _CAPITALS_CONTEXT]
        if sum(c.islower() for c in around) > sum(c.isupper() for c in around):
            found.append((start, word))
    return found


def _compound_wholes_uncached(compound: str) -> tuple[str, ...]:
    """The compound written whole, and each designation inside a longer one.

    A designation is a run of parts that ends in a number written after letters
    ("COVID-19" in "COVID-19-related" and "anti-COVID-19", "SARS-CoV-2" and "CoV-2" in
    "SARS-CoV-2-positive", "F-35" in "F-35-style"): a query "covid19" finds those as it
    finds "COVID-19" alone. Runs of words alone are no such name: "well-to-do" holds no
    "todo", "up-to-date" no "todate".
    """
    written = _token_pattern(compound).findall(compound)
    parts = _folded(written)
    found = _designations(parts, whole_words)
    if parts != written:
        # a part that looks like a plural inside a name ("SARS" in "SARS-CoV-2" is
        # "sar"): the name written whole is also the word a query writes whole
        # ("sarscov2"), folded as one word
        found.extend(w for w in _designations(written, _fold_joined) if w not in found)
    return tuple(found)


def _fold_joined(parts: tuple[str, ...] | list[str]) -> str:
    return fold("".join(parts))


def _designations(
    parts: list[str], join: Callable[[tuple[str, ...] | list[str]], str]
) -> list[str]:
    """The compound of ``parts`` written whole, and each designation inside a longer one."""
    whole = join(parts)
    if len(parts) < 3:
        return [whole]
    found = [whole]
    for end in range(1, len(parts)):
        if parts[end].isdigit() and parts[end - 1].isalpha():
            found.extend(
                join(parts[start : end + 1])
                for start in range(end)
                if (start, end + 1) != (0, len(parts))
            )
    return found


# News repeats its compounds ("u.s.", "covid-19"): memoised as the words are, and as
# for them, not those longer than CACHED_WORD_MAX (a feed's "a-b-c-..." of 20 kB).
_compound_wholes = lru_cache(maxsize=WORD_CACHE)(_compound_wholes_uncached)


# Every item's title and body are tokenised for keyword matching, and news repeats its
# words: a pure function of the word, memoised (bounded).
_fold_cached = lru_cache(maxsize=WORD_CACHE)(fold)
