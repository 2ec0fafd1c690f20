"""A summary's sentences read in order: none leans on a sentence the summary left out."""

from __future__ import annotations

import pytest

from bot.engine.summary import leans_back, summarise, summary_text
from bot.engine.termstats import DocFreq
from bot.model import Citation

MEMO = (
    "In a memo to senior department leaders, Defense Secretary Pete Hegseth wrote that "
    "the review was closed without action."
)
SEPARATE = (
    "A separate notice from the budget office paused the directive that told civilian "
    "agencies to stop using the company's tools."
)
RESTART = (
    "Defense contractors began restarting their projects with the company's tools on Thursday."
)
LEDGER = "https://ledger.example/shelved"
COURIER = "https://courier.example/restart"
# the words of SEPARATE and RESTART weigh most: the memo ranks last on its own
CENTROID = {"agency": 1.0, "tool": 1.0, "directive": 0.8, "company": 0.8, "restart": 0.6}


def _pool() -> list[Citation]:
    return [
        Citation(MEMO, "Ledger", LEDGER),
        Citation(SEPARATE, "Ledger", LEDGER),
        Citation(RESTART, "Courier", COURIER),
    ]


def test_a_sentence_leaning_back_comes_with_the_one_before_it() -> None:
    pool = _pool()
    got = summarise(pool, CENTROID, [], DocFreq(), k=3)
    assert got == pool  # all three, in order: the memo is what "a separate" refers to
    got = summarise(pool, CENTROID, [], DocFreq(), k=2)
    # before: "A separate notice ..." opened the summary and the memo was left out
    assert got == [pool[0], pool[1]]
    assert summary_text(got).startswith("In a memo")


def test_without_room_for_both_the_sentence_it_leans_on_stands_alone() -> None:
    got = summarise(_pool(), CENTROID, [], DocFreq(), k=1)
    assert [c.sentence for c in got] == [MEMO]


def test_a_sentence_with_nothing_to_lean_on_is_left_out() -> None:
    # "But ..." opens its report: what it answers is not in the pool at all
    pool = [
        Citation(
            "But the company's tools stay barred at civilian agencies for now, officials said.",
            "Post",
            "https://post.example/a",
        ),
        Citation(RESTART, "Courier", COURIER),
    ]
    got = summarise(pool, CENTROID, [], DocFreq(), k=2)
    assert got == [pool[1]]
    # with nothing else to say, the summary is not left empty
    assert summarise(pool[:1], CENTROID, [], DocFreq(), k=2) == pool[:1]


def test_a_pronoun_may_follow_a_sentence_but_never_opens_the_summary() -> None:
    centroid = {"cousin": 1.0, "kill": 1.0, "rihanna": 0.8, "mourn": 0.6}
    her = Citation(
        "Her cousin, Tavon Alleyne, 21, was killed on Tuesday in Barbados.",
        "Wire",
        "https://wire.example/1",
    )
    mourns = Citation(
        "Rihanna is mourning the death of her cousin and calling for an end to gun violence.",
        "Daily",
        "https://daily.example/2",
    )
    # before: "Her cousin ..." alone, or first as it arrived first
    assert summarise([her, mourns], centroid, [], DocFreq(), k=1) == [mourns]
    assert summarise([her, mourns], centroid, [], DocFreq(), k=2) == [mourns]
    # after a sentence that names whom it may mean, it may stand
    assert summarise([mourns, her], centroid, [], DocFreq(), k=2) == [mourns, her]


def test_the_sentence_leaned_on_may_come_from_an_earlier_copy() -> None:
    # a copy ran the memo first; the leaning sentence follows the memo, not the copy's place
    pool = [
        Citation(MEMO, "Copy", "https://copy.example/1"),
        Citation(RESTART, "Courier", COURIER),
        Citation(MEMO, "Ledger", LEDGER),
        Citation(SEPARATE, "Ledger", LEDGER),
    ]
    got = summarise(pool, CENTROID, [], DocFreq(), k=3)
    assert [c.sentence for c in got] == [MEMO, SEPARATE, RESTART]


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (SEPARATE, True),
        ("However, the review could be reopened within a month, officials said.", True),
        ("But the senators said the agreement did not go far enough.", True),
        ("He said the agreement was a good start for the department.", True),
        ("“His recovery was amazing,” the team principal said on Sunday night.", True),
        ("That's the question many passengers asked after the flight returned.", True),
        ("The move comes a week after the department opened its review.", True),
        ("This photo released by the ministry shows the site of the crash.", True),
        ("This week the senators will hold a hearing on the agreement.", False),
        ("The decision to close the review was taken on Thursday, officials said.", False),
        ("Heavy rain flooded the town's main street on Monday morning.", False),
        ("Hegseth wrote that the review was closed without action on Thursday.", False),
        ("It was not immediately clear when the hearing would take place.", False),
        # German, Spanish and French openers for sentences in those languages
        (
            "Aber die Regierung hat die Prüfung am Donnerstag nicht mit einem Ergebnis beendet.",
            True,
        ),
        ("Die Regierung hat die Prüfung am Donnerstag nicht mit einem Ergebnis beendet.", False),
        (
            "Sin embargo, el gobierno cerró la revisión de los contratos el jueves, según fuentes del ministerio.",
            True,
        ),
        ("Esta semana el gobierno cerró la revisión de los contratos de la empresa.", False),
        (
            "Cependant, le gouvernement a clos l'examen des contrats jeudi, selon une source au ministère.",
            True,
        ),
        ("Il y a eu une réunion des sénateurs sur le contrat de la société jeudi.", False),
        # an English opener word in another language is not one
        (
            "Die neue Regelung gilt ab Montag, But-Verfahren sind nicht betroffen und bleiben.",
            False,
        ),
        ("He ha dicho que el gobierno cerró la revisión de los contratos el jueves.", False),
    ],
)
def test_leans_back(sentence: str, expected: bool) -> None:
    assert leans_back(sentence) is expected
