"""Sentence splitting of ASCII text: the fast search gives the look-behind pattern's splits.

``bot.engine.text._split_ascii`` finds the separators with a pattern that opens with the
end mark (searched for at C speed) instead of splitting on ``_SENT_SPLIT_ASCII``, whose
look-behind is tried at every position; the sentences, and every decision built on them,
must not change. A sentence's whitespace is normalised with ``str.split``, whose
whitespace is the pattern's ``\\s``.
"""

from __future__ import annotations

import random
import re

import pytest

from bot.engine.summary import candidate_sentences
from bot.engine.text import _SENT_SPLIT_ASCII, _split_ascii, capitalised, split_sentences

CASES = [
    "",
    "\n",
    "!\n\n",
    ".A",
    "One. Two",
    "a.\n\nb",  # no capital after the stop: the line breaks split alone
    "Wait?! Yes",  # two end marks: the split falls after the last
    'He said." Next one',  # the closing quote goes with the separator
    "He said.” (Next) one",
    "end.\nNext",
    "x. \n Y",
    "Shots at 9.30 p.m. 3 hurt",
    "U.S. officials met Mr. Smith. Then 'They left.'\n\n\nEnd",
    "A.  \t B.\r\nC?\x0b D!\x1c E",
]


@pytest.mark.parametrize("text", CASES)
def test_split_ascii_splits_as_the_look_behind_pattern(text: str) -> None:
    assert _split_ascii(text) == _SENT_SPLIT_ASCII.split(text)


def test_split_ascii_splits_as_the_look_behind_pattern_on_random_text() -> None:
    # every character either pattern looks at, and a few it does not, in random order
    rng = random.Random(5)
    alphabet = ".!?\"'”’)“‘( \n\t\r\x0b\x0c\x1c\u00a0aAbZ09,;-"
    for _ in range(20000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24)))
        assert _split_ascii(text) == _SENT_SPLIT_ASCII.split(text), repr(text)


def test_sentences_have_their_whitespace_of_any_kind_normalised() -> None:
    text = "Police  said\u00a0so.\u2003 Two\x1cmen\tfled. \n\n  Then   nothing"
    expected = [
        re.sub(r"\s+", " ", s).strip() for s in ("Police  said\u00a0so.", "Two\x1cmen\tfled.")
    ]
    assert split_sentences(text) == [*expected, "Then nothing"]


def test_a_sentence_in_capitals_is_told_by_its_words_of_two_letters_or_more() -> None:
    # "A" and "I" count for nothing: two capitals of four words is not most of them
    assert capitalised("Then I saw A MAN run. Police said Rocky Mount.")[1] == ["rocky_mount"]
    # three of five words in capitals: the sentence is skipped, the next one is read
    ents, phrases = capitalised("Then THE MAN SAW Bob. Police said Rocky Mount.")
    assert phrases == ["rocky_mount"] and "bob" not in ents


# German, French and Spanish open a sentence with „ « ¿ ¡ and close a quotation with “ »
# (French with a space before it): before, each of these came out as one sentence, and an
# update summary quoted the whole paragraph or nothing of it. The closing quote stays with
# its sentence (an English one goes with the separator, as it always did).
QUOTED = [
    (
        "„Wir sind schockiert“, sagte der Bürgermeister. „Die Brücke ist weg.“ Die Polizei"
        " ermittelt.",
        [
            "„Wir sind schockiert“, sagte der Bürgermeister.",
            "„Die Brücke ist weg.“",
            "Die Polizei ermittelt.",
        ],
    ),
    (  # the same with ASCII letters only: the ASCII fast path
        "„Wir sind schockiert“, sagte der Sprecher. „Die Bahn steht.“ Die Polizei ermittelt.",
        [
            "„Wir sind schockiert“, sagte der Sprecher.",
            "„Die Bahn steht.“",
            "Die Polizei ermittelt.",
        ],
    ),
    (
        "« Nous sommes choqués », a déclaré le maire. « Le pont a disparu. » La police enquête.",
        [
            "« Nous sommes choqués », a déclaré le maire.",
            "« Le pont a disparu. »",
            "La police enquête.",
        ],
    ),
    (  # French spacing with no-break spaces, and guillemets without spaces
        "Le maire a parlé.\u00a0«\u202fLe pont a disparu.\u202f» La police enquête. «Rien.» Fin.",
        ["Le maire a parlé.", "« Le pont a disparu. »", "La police enquête.", "«Rien.»", "Fin."],
    ),
    ("¿Qué pasó? ¡El fuego sigue!", ["¿Qué pasó?", "¡El fuego sigue!"]),
    (  # a question inside quotes
        "Dijo el alcalde. «¿Dónde está el puente?» Nadie lo sabe.",
        ["Dijo el alcalde.", "«¿Dónde está el puente?»", "Nadie lo sabe."],
    ),
    (  # a guillemet after a space is no closing one where no full stop comes before it
        "Related article » Police said. Read more »",
        ["Related article » Police said.", "Read more »"],
    ),
]


@pytest.mark.parametrize(("text", "expected"), QUOTED)
def test_german_french_and_spanish_quotes_open_and_close_sentences(
    text: str, expected: list[str]
) -> None:
    assert split_sentences(text) == expected


def test_split_ascii_splits_as_the_look_behind_pattern_with_other_languages_quotes() -> None:
    rng = random.Random(7)
    alphabet = ".!?\"'”’)“‘(„«»¿¡ \n\t\u00a0\u202faAbZ09,"
    for _ in range(20000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24)))
        assert _split_ascii(text) == _SENT_SPLIT_ASCII.split(text), repr(text)


# Scraped pages join paragraphs without a space ("... deputies said.Deputies responded
# ..."): a summary quoted the two as one sentence (gva: 39 of 1,828 cited sentences). The
# sentences a summary may quote are split there: a word of lower-case letters, its end
# mark, and a capitalised word, with no space between them.
RUN_ON = [
    (
        "Four people were shot in Perris, deputies said.Deputies responded to a report of "
        "shots fired at about noon on Sunday.",
        [
            "Four people were shot in Perris, deputies said.",
            "Deputies responded to a report of shots fired at about noon on Sunday.",
        ],
    ),
    (
        "Relatives identified the victim as a three-year-old boy.Relatives drove him to the "
        "hospital, where he is in good condition!Police are still looking for the shooter.",
        [
            "Relatives identified the victim as a three-year-old boy.",
            "Relatives drove him to the hospital, where he is in good condition!",
            "Police are still looking for the shooter.",
        ],
    ),
]


@pytest.mark.parametrize(("text", "expected"), RUN_ON)
def test_a_summary_splits_sentences_joined_without_a_space(text: str, expected: list[str]) -> None:
    assert candidate_sentences("Headline", text) == expected


@pytest.mark.parametrize(
    "text",
    [
        # abbreviations, initials, web addresses and names written with a full stop
        "The suspect, Mrs.Smith of Gary, was arrested by police on Monday night.",
        "He studied at St.Louis University and holds a Ph.D.Then he moved to Ohio.",
        "Details were posted at www.Example.com and on the city's own page today.",
        "Readers found the report on News.com.au and shared it widely on Monday.",
    ],
)
def test_a_summary_keeps_a_full_stop_inside_a_word_that_ends_no_sentence(text: str) -> None:
    assert candidate_sentences("Headline", text) == [text]
