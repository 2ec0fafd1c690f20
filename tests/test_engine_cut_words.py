"""A word a feed cut off at the end of a summary ("... in the French resort of Ni...").

RSS summaries are often truncated mid-word with "..." or "…". The fragment is no word of
the text: counted, it is a term no other item has (the highest IDF of the item), which
pulls the item's score against its story down, and quoted, it ends a summary's sentence
in the middle of a word. These cases are taken from giveme5w1h's summaries.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adapters.demo import seed_files
from adapters.seeds import load_seed
from bot.engine import Engine, EngineConfig, EngineDoc
from bot.engine.analysis import analyse
from bot.engine.summary import candidate_sentences, citable
from bot.engine.text import term_counts
from bot.model import Story

NICE = "Tunisians, Algerians among dead in Nice attack"
NICE_CUT = (
    "Several Tunisians and Algerians were among the dead when a Tunisian-born man ploughed "
    "a truck into crowds in the French resort of Ni"
)


@pytest.mark.parametrize("ellipsis", ["...", "…", "...."])
def test_a_word_cut_off_at_the_end_of_a_summary_is_not_counted(ellipsis: str) -> None:
    counts, entities = term_counts(NICE, NICE_CUT + ellipsis)
    assert "ni" not in counts
    assert "ni" not in entities
    assert counts["resort"] == 1  # the words before it are read as before


def test_a_cut_off_word_is_no_part_of_a_name_either() -> None:
    counts, entities = term_counts(
        "African leaders' relatives named in leaked files",
        "Relatives of former Ghanaian president John Agyekum Kufuor were among African "
        "figures named in the Panama Pap...",
    )
    assert "pap" not in counts and "panama_pap" not in counts
    assert "panama" in entities


def test_an_item_cut_off_mid_word_scores_as_it_would_without_the_fragment() -> None:
    seeds = tuple(load_seed(str(p)) for p in seed_files())
    added = datetime(2026, 3, 5, tzinfo=UTC)
    at = datetime(2026, 3, 5, 10, tzinfo=UTC)
    body = (
        "Anthropic has reopened negotiations with the Pentagon over the military's use of "
        "its Claude models, people familiar with the talks said on Thursday, after "
    )

    def score(text: str) -> float:
        engine = Engine()  # each item judged first: judging one counts its words
        engine.track(Story(1, "demo", seeds[0].title, seeds, added))
        doc = EngineDoc(1, "Anthropic back in talks with the Pentagon", text, None, "F", at, at)
        (verdict,) = engine.judge(doc)
        return verdict.judgement.score

    # "Hegs..." for "Hegseth": a fragment no other item has
    assert score(body + "Hegs...") == pytest.approx(score(body + "..."))


def test_a_whole_word_the_item_says_elsewhere_is_kept() -> None:
    title = "Michael Sheen and Sarah Silverman joke about their split"
    cut = "The comedians joked they had consciously uncoupled as they announced their split..."
    whole = cut.removesuffix("...") + "."
    assert term_counts(title, cut) == term_counts(title, whole)


def test_a_word_said_nowhere_else_in_the_item_is_not_counted() -> None:
    # "slapping..." is a whole word, "travelli..." is not: the text cannot tell them
    # apart, and a word said once counts little, so neither counts (the headline's
    # "slapped" is the same term: see the next test)
    counts, _ = term_counts(
        "Tram derails in Croydon",
        "Seven people were killed in the morning rush hour. Investigators said the "
        "vehicle was travelli...",
    )
    assert "travelli" not in counts
    assert counts["vehicle"] == 1


def test_a_word_whose_term_the_headline_has_is_kept() -> None:
    counts, _ = term_counts(
        "Israel indicts teenage Palestinian girl who slapped soldiers",
        "Israel indicted a Palestinian girl on Monday who was filmed last month in the "
        "West Bank slapping...",
    )
    assert counts["slapp"] == 3  # twice for the headline, once for the body


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        # a spaced ellipsis follows a whole word
        ("The paper had avoided reporting revelations about the Communist ...", "communist"),
        # punctuation between the word and the ellipsis: the word ended there
        ("The second phase of a nationwide disarmament plan,…", "plan"),
        # a possessive ends where its word does
        ("Iran is in talks with the United States over Tehran's…", "tehran"),
        # an ellipsis inside the text cuts nothing
        ("Wait... officials said the evacuation order stays in place for now.", "wait"),
        ("The mayor paused... The evacuation order stays in place for now.", "paus"),
    ],
)
def test_a_word_not_cut_off_by_the_texts_last_ellipsis_is_counted(text: str, kept: str) -> None:
    counts, _ = term_counts("Evacuation order", text)
    assert counts[kept] == 1


def test_an_unspaced_script_is_not_cut() -> None:
    text = "警方表示，一名男子在市中心开枪打伤了三名路人…"
    assert term_counts("枪击", text) == term_counts("枪击", text.removesuffix("…"))


def test_the_analysis_of_an_item_leaves_the_fragment_out() -> None:
    a = analyse(NICE, NICE_CUT + "...", None, EngineConfig())
    assert "ni" not in a.tf and "ni" not in a.entities


def test_a_summary_does_not_quote_a_sentence_cut_off_when_it_has_another() -> None:
    body = "A truck ploughed into crowds celebrating Bastille Day on the seafront. " + NICE_CUT
    for ellipsis in ("...", "…"):
        assert candidate_sentences(NICE, body + ellipsis) == [
            "A truck ploughed into crowds celebrating Bastille Day on the seafront."
        ]


def test_a_summary_that_is_one_cut_off_sentence_is_still_quoted() -> None:
    # better the feed's words, visibly cut, than the headline alone
    assert candidate_sentences(NICE, NICE_CUT + "...") == [NICE_CUT + "..."]


def test_an_update_adding_a_cut_off_sentence_adds_nothing_to_quote() -> None:
    complete = "A truck ploughed into crowds celebrating Bastille Day on the seafront."
    cut = NICE_CUT + "..."
    assert citable([cut], body=[complete, cut]) == []
