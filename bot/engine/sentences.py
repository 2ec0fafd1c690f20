"""Splitting running text into sentences, for summaries and for finding names.

* **Sentences** are split on end punctuation followed by a capital or an opening quote
  (German „, French «, Spanish ¿ ¡ too), and on line breaks; they feed the extractive
  summaries, and a capital at a sentence's start tells less of a name than one inside it
  (:mod:`bot.engine.capitals`).
* An abbreviation ends no sentence ("Mr. Smith", "Jan. 5", "the No. 2 seed", "Apple Inc.
  CEO Tim Cook", "at 9:30 p.m. Sunday"); the patterns below say which, and what must
  follow those that end a sentence only sometimes.
* Text whose letters are all ASCII (most English news) takes a cheaper path that makes
  the same splits (:func:`_split_ascii`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.engine.words import letters_are_ascii


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
# the same for text whose letters are all ASCII (see bot.engine.words.letters_are_ascii)
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


def split_sentences(text: str) -> list[str]:
    """Split text into sentences.

    Args:
        text: Running text; line breaks always end a sentence.

    Returns:
        Non-empty, whitespace-normalised sentences.
    """
    return sentences_of(text, letters_are_ascii(text))


def sentences_of(text: str, ascii_letters: bool) -> list[str]:
    """:func:`split_sentences`, told whether every letter of ``text`` is ASCII.

    Then the split pattern's capitals need only be A-Z (the same splits, much cheaper):
    a caller that has checked the text already (:func:`bot.engine.capitals.capitalised`)
    saves checking it again.
    """
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
