"""Which updates of an item are material (:mod:`bot.revision`): table-driven."""

from __future__ import annotations

import pytest

from bot.revision import Revision, revision

TITLE = "Senators demand text of Anthropic-Pentagon AI deal - WRAL"
BODY = (
    "A bipartisan group of senators demanded the full text of the agreement. "
    "Five people were hurt in the crash. The committee will hold a hearing on March 18."
)

CASES = [
    # (what changed, new title, new body, headline changed, new sentences)
    ("nothing", TITLE, BODY, False, ()),
    (
        "spacing and case",
        "  SENATORS demand text of Anthropic-Pentagon AI deal - WRAL",
        BODY,
        False,
        (),
    ),
    (
        "outlet suffix",
        "Senators demand text of Anthropic-Pentagon AI deal | Reuters",
        BODY,
        False,
        (),
    ),
    ("punctuation", "Senators demand text of Anthropic–Pentagon AI deal!", BODY, False, ()),
    ("typo fixed", TITLE, BODY.replace("bipartisan", "bipartisian"), False, ()),
    ("headline typo", TITLE.replace("Senators", "Senatros"), BODY, False, ()),
    (
        "timestamp line",
        TITLE,
        BODY + "\nUpdated 10:42 a.m. EDT, March 5, 2026",
        False,
        (),
    ),
    ("markup", TITLE, BODY.replace("crash.", "crash. \n\n  "), False, ()),
    ("sentence dropped", TITLE, BODY.split(". ", 1)[1], False, ()),
    (
        "fact appended",
        TITLE,
        BODY + "\nUPDATE: Police said a suspect was arrested.",
        False,
        ("UPDATE: Police said a suspect was arrested.",),
    ),
    (
        "number changed",
        TITLE,
        BODY.replace("Five", "7"),
        False,
        ("7 people were hurt in the crash.",),
    ),
    (
        "headline rewritten",
        "Pentagon agrees to show senators the Anthropic deal",
        BODY,
        True,
        (),
    ),
    ("headline gains words", TITLE.replace("deal", "deal after leak"), BODY, True, ()),
    ("headline cut to a word", "Senators", BODY, True, ()),
]


@pytest.mark.parametrize(
    "title, body, headline, sentences", [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_revision(title, body, headline, sentences) -> None:
    change = revision(TITLE, BODY, title, body)
    assert change == Revision(headline, sentences)
    assert change.material == (headline or bool(sentences))


def test_a_headline_only_item_gaining_a_body_is_material() -> None:
    change = revision(TITLE, "", TITLE, "Police said a suspect was arrested on Friday.")
    assert change.material and change.new_sentences


TOLL = "The blast killed 5 people at the plant. 7 workers were taken to hospital."

NUMBER_CASES = [
    # (what changed, old body, new body, new sentences): numbers are compared per sentence
    (
        "toll raised to a number said elsewhere",
        TOLL,
        TOLL.replace("killed 5", "killed 7"),
        ("The blast killed 7 people at the plant.",),
    ),
    (
        "a number moved to another sentence",
        TOLL,
        "The blast killed 7 people at the plant. 5 workers were taken to hospital.",
        (
            "The blast killed 7 people at the plant.",
            "5 workers were taken to hospital.",
        ),
    ),
    (
        "sentences reordered",
        TOLL,
        "7 workers were taken to hospital. " + TOLL.split(". ")[0] + ".",
        (),
    ),
    ("the same numbers", TOLL, TOLL + " Updated 10:42 a.m. EDT", ()),
    (
        "toll raised to a number a sentence sharing only 'the' has",
        "The blast killed 5 people at the plant. 7 workers were taken to the hospital.",
        "The blast killed 7 people at the plant. 7 workers were taken to the hospital.",
        ("The blast killed 7 people at the plant.",),
    ),
    (
        "a fact negated",
        "The driver was arrested at the scene.",
        "The driver was not arrested at the scene.",
        ("The driver was not arrested at the scene.",),
    ),
    (
        "two sentences joined into one",
        "The quake killed 5 people. 12 were hurt.",
        "The quake killed 5 people and 12 were hurt.",
        (),
    ),
]


@pytest.mark.parametrize(
    "old, new, sentences", [c[1:] for c in NUMBER_CASES], ids=[c[0] for c in NUMBER_CASES]
)
def test_a_number_or_negation_is_new_unless_an_earlier_sentence_says_it(
    old, new, sentences
) -> None:
    assert revision("Plant blast", old, "Plant blast", new) == Revision(False, sentences)
