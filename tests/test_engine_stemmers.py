"""The light stemmers of items in languages other than English (bot.engine.stemmers)."""

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
        ("it", ["terremoto", "terremoti"]),
        ("it", ["incendio", "incendi"]),  # -io, plural -i
        ("it", ["sfollato", "sfollata", "sfollati", "sfollate"]),  # gender and number
        ("it", ["banca", "banche"]),  # the "h" of a hard "c" before -e
        ("it", ["farmacia", "farmacie"]),
        ("pt", ["enchente", "enchentes"]),
        ("pt", ["eleicao", "eleicoes"]),  # eleição, eleições
        ("pt", ["alemao", "alemaes"]),  # alemão, alemães
        ("pt", ["nacional", "nacionais"]),
        ("pt", ["morador", "moradores"]),
        ("pt", ["desabrigado", "desabrigada", "desabrigados", "desabrigadas"]),
        ("nl", ["dijk", "dijken"]),
        ("nl", ["slachtoffer", "slachtoffers"]),
        ("nl", ["brug", "bruggen"]),  # a consonant doubled before -en
        ("nl", ["nieuw", "nieuwe"]),
    ],
)
def test_a_words_inflected_forms_share_one_stem(language: str, forms: list[str]) -> None:
    stem = LIGHT_STEMMERS[language]
    assert len({stem(f) for f in forms}) == 1, [stem(f) for f in forms]


@pytest.mark.parametrize(
    ("language", "word"),
    [
        ("de", "elbe"),
        ("de", "haus"),
        ("es", "pais"),
        ("es", "mes"),
        ("fr", "pays"),
        ("fr", "prix"),
        ("it", "lago"),
        ("it", "casa"),
        ("pt", "casa"),
        ("pt", "mais"),
        ("nl", "haven"),  # "haven" (port) is no plural of "hav"
        ("nl", "stad"),
    ],
)
def test_a_short_word_keeps_its_ending(language: str, word: str) -> None:
    # an ending is taken only where four letters are left: "Elbe" is no plural of "Elb"
    assert LIGHT_STEMMERS[language](word) == word


def test_different_words_keep_different_stems() -> None:
    de, es, fr = LIGHT_STEMMERS["de"], LIGHT_STEMMERS["es"], LIGHT_STEMMERS["fr"]
    assert de("brucke") != de("bruder")
    assert es("incendio") != es("incidente")
    assert fr("pompier") != fr("pompe")
    it, pt, nl = LIGHT_STEMMERS["it"], LIGHT_STEMMERS["pt"], LIGHT_STEMMERS["nl"]
    assert it("scossa") != it("scuola")
    assert pt("chuva") != pt("chuveiro")
    assert nl("brand") != nl("brandweer")
