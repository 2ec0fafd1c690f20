"""A development's summary says what its reports say about the story, not what a roundup
or a newsletter says about other news in the same item."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.engine import EngineDoc
from bot.engine.summary import off_story, summarise, without_opener
from bot.engine.termstats import DocFreq, Vector
from bot.engine.words import tokens
from bot.model import Citation
from tests.test_engine_core import T0, warm_engine

NPR = "https://npr.example/up-first"
JACKSON = "Longtime civil rights leader Jesse Jackson dies at age 84."
IRAN_AND = (
    "And, the U.S. and Iran are set for high-stakes negotiations today in Geneva about "
    "Iran's nuclear program."
)
IRAN = "The U.S. and Iran are set for high-stakes negotiations today in Geneva about Iran's nuclear program."
STORY = (
    "Iran and the United States hold a second round of nuclear talks in Geneva. Iran's "
    "foreign minister arrived in Geneva for indirect negotiations with the U.S. over Iran's "
    "nuclear program."
)


def _terms(text: str) -> Vector:
    tf: dict[str, float] = {}
    for t in tokens(text, "en"):
        tf[t] = tf.get(t, 0.0) + 1.0
    return tf


def _centroid(pool: list[Citation]) -> Vector:
    # a one-report development: its centroid is the report's own words
    return _terms(" ".join(c.sentence for c in pool))


def _sentences(got: list[Citation]) -> list[str]:
    return [c.sentence for c in got]


def test_a_newsletter_item_is_summarised_by_its_sentence_about_the_story() -> None:
    pool = [Citation(JACKSON, "NPR", NPR), Citation(IRAN_AND, "NPR", NPR)]
    got = summarise(pool, _centroid(pool), [], DocFreq(), k=3, story=_terms(STORY))
    # before: both, the Jackson one first (what /story status showed)
    assert _sentences(got) == [IRAN]
    assert (got[0].source, got[0].url) == ("NPR", NPR)
    # with no story to compare with, as before
    assert _sentences(summarise(pool, _centroid(pool), [], DocFreq(), k=3)) == [
        JACKSON,
        IRAN_AND,
    ]


def test_a_roundup_of_several_stories_opening_with_a_greeting() -> None:
    url = "https://daily.example/morning-briefing"
    pool = [
        Citation("Good morning, and welcome to your weekday briefing of the news.", "Daily", url),
        Citation(
            "A winter storm left thousands of homes without power across Texas on Monday.",
            "Daily",
            url,
        ),
        Citation(IRAN_AND, "Daily", url),
        Citation(
            "Also, the Winter Olympics closed with a record medal haul for Norway's skiers.",
            "Daily",
            url,
        ),
    ]
    got = summarise(pool, _centroid(pool), [], DocFreq(), k=3, story=_terms(STORY))
    assert _sentences(got) == [IRAN]
    assert off_story(pool, [_terms(c.sentence) for c in pool], _terms(STORY)) == {0, 1, 3}


def test_a_sentence_leaning_on_another_storys_sentence_is_not_quoted() -> None:
    # "He" is Jackson: an Iran story quotes neither
    url = "https://wire.example/roundup"
    pool = [
        Citation(JACKSON, "Wire", url),
        Citation("He ran for president twice and founded the Rainbow Coalition.", "Wire", url),
        Citation(IRAN_AND, "Wire", url),
        Citation(
            "Iran's foreign minister said the talks in Geneva would test U.S. intentions.",
            "Wire",
            url,
        ),
    ]
    got = summarise(pool, _centroid(pool), [], DocFreq(), k=3, story=_terms(STORY))
    assert _sentences(got) == [IRAN, pool[3].sentence]


def test_a_story_told_in_a_roundup_keeps_its_own_and() -> None:
    # the Jackson story, from the same newsletter: its sentence, and not the Iran one
    jackson = _terms("Civil rights leader Jesse Jackson dies at 84, his family said.")
    pool = [Citation(JACKSON, "NPR", NPR), Citation(IRAN_AND, "NPR", NPR)]
    got = summarise(pool, _centroid(pool), [], DocFreq(), k=3, story=jackson)
    assert _sentences(got) == [JACKSON]


def test_a_detail_on_the_reports_topic_is_kept_though_it_shares_nothing_with_the_story() -> None:
    # one topic (the two share "Iqbal" and the ceremony): nothing is off the story
    url = "https://dawn.example/iqbal"
    pool = [
        Citation(
            "Planning Minister Ahsan Iqbal will attend the oath-taking ceremony of "
            "Bangladesh's new prime minister Tarique Rahman.",
            "Dawn",
            url,
        ),
        Citation(
            "In a statement issued today, the foreign office said that Iqbal would represent "
            "Pakistan at the oath-taking ceremony.",
            "Dawn",
            url,
        ),
    ]
    story = _terms("Tarique Rahman sworn in as Bangladesh prime minister after election win.")
    assert off_story(pool, [_terms(c.sentence) for c in pool], story) == set()
    got = summarise(pool, _centroid(pool), [], DocFreq(), k=3, story=story)
    assert got == pool


def test_a_second_sentence_in_words_the_story_has_not_used_is_kept() -> None:
    # it shares no term with the story nor with the sentence before it, but it is no
    # other piece of news: only a roundup's additive opener or a first sentence is
    url = "https://time.example/iran-protesters"
    pool = [
        Citation(
            "Iranian protesters were heartened when Trump promised that help was on its way.",
            "TIME",
            url,
        ),
        Citation("Now, they feel betrayed by his lack of action.", "TIME", url),
    ]
    story = _terms("Iran protesters killed in crackdown as Trump weighs strikes on Iran.")
    assert off_story(pool, [_terms(c.sentence) for c in pool], story) == set()
    got = summarise(pool, _centroid(pool), [], DocFreq(), k=3, story=story)
    assert got == pool


def test_a_greeting_opening_a_newsletter_is_left_out() -> None:
    url = "https://news.example/briefing"
    pool = [
        Citation("Good morning, here is what you need to know to start your day.", "Brief", url),
        Citation(IRAN, "Brief", url),
        Citation(
            "Iran's foreign minister said the talks in Geneva would test U.S. intentions.",
            "Brief",
            url,
        ),
    ]
    got = summarise(pool, _centroid(pool), [], DocFreq(), k=3, story=_terms(STORY))
    assert _sentences(got) == [IRAN, pool[2].sentence]


def test_a_first_sentence_the_next_one_leans_on_stays_with_it() -> None:
    # "her" is Kylie Brewer: the two are one piece of news, whatever words they share
    url = "https://cbs.example/grok"
    pool = [
        Citation("Kylie Brewer isn't unaccustomed to harassment online.", "CBS", url),
        Citation(
            "But when people started using Grok-generated nudes of her on an OnlyFans "
            "account, it reached another level.",
            "CBS",
            url,
        ),
    ]
    story = _terms("Regulators open probes into Grok over sexualised deepfake images.")
    assert off_story(pool, [_terms(c.sentence) for c in pool], story) == set()
    assert summarise(pool, _centroid(pool), [], DocFreq(), k=3, story=story) == pool


def test_nothing_about_the_story_falls_back_to_the_summary_without_it() -> None:
    pool = [Citation(JACKSON, "NPR", NPR)]
    got = summarise(pool, _centroid(pool), [], DocFreq(), k=3, story=_terms(STORY))
    assert got == pool


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (IRAN_AND, IRAN),
        (
            "Also, the talks resume in Geneva on Tuesday morning.",
            "The talks resume in Geneva on Tuesday morning.",
        ),
        ("Meanwhile, the strait stays open to shipping for now.", None),  # goes on to a turn
        ("In addition to the two children, a teenager was shot in the foot.", None),
        ("And he said the talks were useful and serious.", None),  # "he" still leans back
        ("But the talks resume in Geneva on Tuesday morning.", None),  # not additive
        ("Andrew Smith said the talks resume in Geneva on Tuesday.", None),
    ],
)
def test_without_opener(sentence: str, expected: str | None) -> None:
    assert without_opener(sentence) == expected


def test_the_engine_summarises_a_newsletter_development_by_what_it_says_of_the_story() -> None:
    e = warm_engine()
    when = T0 + timedelta(days=2)
    newsletter = EngineDoc(
        7,
        "Pentagon designates Anthropic a supply chain risk. And, a winter storm hits Chicago",
        "Good morning, here is what you need to know to start your weekday. A winter storm "
        "dumped heavy snow on Chicago overnight, closing schools and cancelling flights at "
        "O'Hare airport. And, the Pentagon designated Anthropic a supply chain risk on "
        "Monday after Amodei refused Hegseth's terms for military use of Claude.",
        "https://news.example/newsletter",
        "Up First",
        when,
        when,
    )
    (v,) = e.judge(newsletter)
    assert v.judgement.on_topic and v.development is not None
    # before: the greeting, the storm, then the "And," sentence (the greeting was what
    # /story status showed)
    assert [c.sentence for c in v.development.citations] == [
        "The Pentagon designated Anthropic a supply chain risk on Monday after Amodei "
        "refused Hegseth's terms for military use of Claude."
    ]
    assert v.development.summary.startswith("The Pentagon designated Anthropic")
