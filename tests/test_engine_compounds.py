"""German compounds split into known words (bot.engine.compounds)."""

from __future__ import annotations

import pytest

from bot.engine.compounds import german_parts


@pytest.mark.parametrize(
    ("word", "parts"),
    [
        ("bruckeneinsturz", ("brucken", "einsturz")),  # Brückeneinsturz
        ("verkehrsunfall", ("verkehrs", "unfall")),
        ("bundesregierung", ("bundes", "regierung")),
        ("staatsanwaltschaft", ("staats", "anwalt", "schaft")),  # the modifier split again
        ("strassenbahnen", ("strassen", "bahnen")),  # "Straßenbahnen", "ß" written "ss"
        ("spannstahle", ("spann", "stahle")),  # a head known without its ending: "Stahl"
        ("carolabrucke", ("carola", "brucke")),
    ],
)
def test_a_compound_of_known_words_is_split(word: str, parts: tuple[str, ...]) -> None:
    assert german_parts(word) == parts


@pytest.mark.parametrize(
    "word",
    [
        "neubau",  # "neu" is too short a part to tell
        "dresdner",
        "brucke",  # too short to be a compound of two known words
        "regierung",  # a word as known: no part left over of four letters
        "abc123defghi",  # not letters only
    ],
)
def test_a_word_that_is_no_compound_of_known_words_is_left_whole(word: str) -> None:
    assert german_parts(word) == ()
