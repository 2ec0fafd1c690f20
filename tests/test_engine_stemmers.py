"""The light stemmers of German, Spanish and French items (bot.engine.stemmers)."""

from __future__ import annotations

import pytest

from bot.engine.stemmers import LIGHT_STEMMERS


@pytest.mark.parametrize(
    ("language", "forms"),
    [
        ("de", ["brucke", "brucken"]),  # Brücke, Brücken
        ("de", ["einsturz", "einsturzes"]),  # der Einsturz, des Einsturzes
        ("de", ["kinder", "kindern"]),  # plural, dative plural
        ("de", ["spannstahle", "spannstahlen"]),
        ("es", ["incendio", "incendios"]),
        ("es", ["forestal", "forestales"]),
        ("es", ["vecino", "vecina", "vecinos", "vecinas"]),  # gender and number
        ("fr", ["pompier", "pompiers"]),
        ("fr", ["francais", "francaise", "francaises"]),
        ("fr", ["general", "generaux"]),  # -aux plurals of -al
    ],
)
def test_a_words_inflected_forms_share_one_stem(language: str, forms: list[str]) -> None:
    stem = LIGHT_STEMMERS[language]
    assert len({stem(f) for f in forms}) == 1, [stem(f) for f in forms]


@pytest.mark.parametrize(
    ("language", "word"),
    [("de", "elbe"), ("de", "haus"), ("es", "pais"), ("es", "mes"), ("fr", "pays"), ("fr", "prix")],
)
def test_a_short_word_keeps_its_ending(language: str, word: str) -> None:
    # an ending is taken only where four letters are left: "Elbe" is no plural of "Elb"
    assert LIGHT_STEMMERS[language](word) == word


def test_different_words_keep_different_stems() -> None:
    de, es, fr = LIGHT_STEMMERS["de"], LIGHT_STEMMERS["es"], LIGHT_STEMMERS["fr"]
    assert de("brucke") != de("bruder")
    assert es("incendio") != es("incidente")
    assert fr("pompier") != fr("pompe")
