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
