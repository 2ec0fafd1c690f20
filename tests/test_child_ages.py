"""A headline about a child of another age is another story (bot.engine.ages, age_zone)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.engine import Engine, EngineConfig, EngineDoc
from bot.engine.ages import child_ages
from bot.model import SeedDoc, Story

T0 = datetime(2016, 5, 20, 12, tzinfo=UTC)


@pytest.mark.parametrize(
    ("headline", "ages"),
    [
        ("Suspect arrested in shooting of 2-year old Detroit girl", {"2y"}),
        ("Two-year-old shot in crossfire in Minneapolis is identified", {"2y"}),
        ("Girl, 2, shot in argument, declared brain-dead", {"2y"}),
        ("Police: one of two girls, 7 and 5, critically shot", {"5y", "7y"}),
        ("Bismarck man arrested after 6-month-old baby is shot", {"6m"}),
        ("Toddler, 3, finds gun; 4-week-old sister unhurt", {"3y", "4w"}),
        ("13-YEAR-OLD IN CRITICAL CONDITION AFTER SHOOTING", {"13y"}),
        # adults' ages are as often the suspect's as the victim's: not read
        ("Man, 23, arrested in death of 1-year-old Compton girl", {"1y"}),
        ("19-year-old charged in fatal shooting", set()),
        # numbers that are no ages
        ("1 dead, 5 injured in 2 shootings at the University of Illinois", set()),
        ("13 shot at Connecticut house party", set()),
        ("Boy 2016 yearbook photo", set()),
        ("Son 3-4 years in prison", set()),
        ("Teen 17 years on: the case reopened", set()),
        ("Jesse Jackson dies at 84", set()),
        ("", set()),
    ],
)
def test_child_ages_reads_the_ages_of_children_a_headline_names(headline, ages) -> None:
    assert child_ages(headline) == ages


SEEDS = (
    SeedDoc(
        "Suspect arrested in Detroit shooting, 2-year-old girl still in critical condition",
        "",
        None,
        T0,
    ),
    SeedDoc("Suspect arrested in shooting of 2-year old Detroit girl", "", None, T0),
    SeedDoc("Girl, 2, shot in argument, declared brain-dead", "", None, T0),
)
BACKGROUND = [
    "Storm brings snow to the Midwest",
    "Central bank holds interest rates",
    "Football club signs striker from Benfica",
    "Company reports quarterly earnings on cloud",
    "Wildfire forces evacuations in California",
    "Apple unveils new iPhone with faster chip",
    "Man shot outside bar on east side, police say",
    "Police investigate overnight shooting downtown",
    "Woman in critical condition after shooting on west side",
    "Teen shot in argument outside store",
    "Girl hurt in crash on highway",
    "Two arrested after shooting at party",
]


def doc(i: int, title: str, days: float = 1) -> EngineDoc:
    t = T0 + timedelta(days=days)
    return EngineDoc(i, title, "", None, "example.com", t, t)


def engine(config: EngineConfig | None = None, seeds: tuple[SeedDoc, ...] = SEEDS) -> Engine:
    e = Engine(config)
    for i, title in enumerate(BACKGROUND):
        e.observe(doc(1000 + i, title, days=-1))
    e.track(Story(1, "detroit-girl", seeds[0].title, seeds, T0))
    return e


# shares "shot" and "critical condition" with the story, and names another child
OTHER_CHILD = "4-year-old boy shot on east side, in critical condition"


def test_a_headline_about_a_child_of_another_age_is_off_topic() -> None:
    (v,) = engine().judge(doc(1, OTHER_CHILD))
    j = v.judgement
    assert not j.on_topic
    assert j.reason["other_ages"] == {"item": ["4y"], "story": ["2y"]}
    # without the rule the same headline is taken: the rule, not the words, turned it away
    (w,) = engine(EngineConfig(age_zone=0)).judge(doc(1, OTHER_CHILD))
    assert w.judgement.on_topic and "other_ages" not in w.judgement.reason


def test_a_headline_naming_the_storys_child_or_no_child_is_judged_on_its_words() -> None:
    e = engine()
    (same,) = e.judge(doc(1, "2-year-old girl shot in argument dies, in critical condition"))
    (none,) = e.judge(doc(2, "Girl shot in argument in Detroit: suspect in critical condition"))
    assert same.judgement.on_topic and none.judgement.on_topic
    assert "other_ages" not in same.judgement.reason
    assert "other_ages" not in none.judgement.reason


def test_a_story_whose_headlines_name_no_child_is_not_affected() -> None:
    seeds = tuple(
        SeedDoc(
            s.title.replace("2-year-old ", "")
            .replace("2-year old ", "")
            .replace("Girl, 2,", "Girl"),
            "",
            None,
            T0,
        )
        for s in SEEDS
    )
    assert not any(child_ages(s.title) for s in seeds)
    (v,) = engine(seeds=seeds).judge(doc(1, OTHER_CHILD))
    assert "other_ages" not in v.judgement.reason


def test_a_report_the_story_takes_adds_its_childs_age() -> None:
    # the news corrects an age: a report naming both ages is taken (it names the
    # story's), and from then on the corrected age is the story's too
    e = engine()
    (both,) = e.judge(doc(1, "Police: girl shot in argument was a 3-year-old, not 2-year-old"))
    assert both.judgement.on_topic
    (v,) = e.judge(doc(2, "3-year-old girl shot in argument, in critical condition", days=2))
    assert v.judgement.on_topic and "other_ages" not in v.judgement.reason


def test_a_headline_far_above_the_threshold_keeps_its_place() -> None:
    # an age the news corrected, in a headline that reads like the story's own
    title = "Suspect arrested in Detroit shooting, 3-year-old girl still in critical condition"
    (strict,) = engine(EngineConfig(age_zone=50)).judge(doc(1, title))
    assert not strict.judgement.on_topic and "other_ages" in strict.judgement.reason
    (v,) = engine().judge(doc(1, title))
    assert v.judgement.score >= EngineConfig().age_zone * v.judgement.reason["threshold"]
    assert v.judgement.on_topic


def test_the_storys_ages_survive_a_snapshot() -> None:
    e = engine()
    e.judge(doc(1, "Police: girl shot in argument was a 3-year-old, not 2-year-old"))
    state = e.snapshot(1)
    assert state["ages"] == {"seeds": ["2y"], "reports": {"2y": 1, "3y": 1}}
    detroit = Story(1, "detroit-girl", SEEDS[0].title, SEEDS, T0)
    strict = EngineConfig(age_zone=50)  # restored so that the ages alone decide below
    restored = Engine(strict)
    restored.track(detroit, state)
    assert restored.snapshot(1)["ages"] == state["ages"]
    # a snapshot from before ages starts from the seeds' headlines
    old = Engine(strict)
    old.track(detroit, {k: v for k, v in state.items() if k != "ages"})
    assert old.snapshot(1)["ages"] == {"seeds": ["2y"], "reports": {}}
    # one from before they were counted (a list): the seeds' for good, the rest a report's
    listed = Engine(strict)
    listed.track(detroit, state | {"ages": ["2y", "3y"]})
    assert listed.snapshot(1)["ages"] == {"seeds": ["2y"], "reports": {"3y": 1}}
    # and the rule reads the restored ages: a headline about the 3-year-old is the story's
    three = doc(2, "3-year-old girl shot in argument, in critical condition", days=2)
    for restored_engine in (restored, listed):
        (v,) = restored_engine.judge(three)
        assert "other_ages" not in v.judgement.reason
    (v,) = old.judge(three)
    assert v.judgement.reason["other_ages"] == {"item": ["3y"], "story": ["2y"]}


FOUR = "4-year-old girl shot in argument in Detroit, in critical condition"
ANOTHER_FOUR = "4-year-old girl hurt in drive-by shooting returns home"


def test_a_report_an_admin_says_is_not_the_story_takes_its_childs_age_with_it() -> None:
    e = engine(EngineConfig(age_zone=50))  # any other child's age turns a headline away
    both = doc(1, "Police: girl shot in argument was a 4-year-old, not 2-year-old")
    (taken,) = e.judge(both)  # it names the story's age too
    assert taken.judgement.on_topic
    assert e.snapshot(1)["ages"]["reports"] == {"2y": 1, "4y": 1}
    assert e.teach(1, both, False)
    assert e.snapshot(1)["ages"]["reports"] == {}
    (v,) = e.judge(doc(2, ANOTHER_FOUR, days=2))
    assert v.judgement.reason.get("other_ages") == {"item": ["4y"], "story": ["2y"]}
    # said to be the story after all: its ages are back
    assert e.teach(1, both, True)
    assert e.snapshot(1)["ages"]["reports"] == {"2y": 1, "4y": 1}


def test_an_age_another_report_or_a_seed_names_stays_when_one_report_is_said_wrong() -> None:
    e = engine(EngineConfig(age_zone=1.0))
    e.judge(doc(1, FOUR))
    e.judge(doc(2, "Girl, 4, shot in argument in Detroit, police say", days=2))
    assert e.snapshot(1)["ages"]["reports"] == {"4y": 2}
    e.teach(1, doc(1, FOUR), False)
    assert e.snapshot(1)["ages"]["reports"] == {"4y": 1}
    # a seed's age is the story's whatever an admin says of a report naming it
    (two,) = e.judge(doc(3, "Suspect arrested in shooting of 2-year-old girl, police say", days=3))
    assert two.judgement.on_topic
    e.teach(1, doc(3, "Suspect arrested in shooting of 2-year-old girl, police say"), False)
    assert e.snapshot(1)["ages"] == {"seeds": ["2y"], "reports": {"4y": 1}}


def test_a_report_judged_again_after_an_update_counts_its_childs_age_once() -> None:
    e = engine(EngineConfig(age_zone=1.0))
    e.judge(doc(1, FOUR))
    e.judge(doc(1, FOUR, days=1.5))  # the same item judged again
    assert e.snapshot(1)["ages"]["reports"] == {"4y": 1}


def test_an_item_with_a_body_is_judged_on_its_body_whatever_age_its_headline_names() -> None:
    # a body names the town and the people; on full text the rule cost reports
    body = (
        "A 4-year-old boy was shot in an argument on the east side and is in critical "
        "condition, police said. A suspect was arrested in the Detroit shooting."
    )
    strict = EngineConfig(age_zone=50)  # any headline-only item of another age is turned away
    (v,) = engine(strict).judge(EngineDoc(1, OTHER_CHILD, body, None, "example.com", T0, T0))
    assert not v.judgement.reason["headline_only"]
    assert v.judgement.on_topic and "other_ages" not in v.judgement.reason
    (h,) = engine(strict).judge(doc(2, OTHER_CHILD))
    assert not h.judgement.on_topic and "other_ages" in h.judgement.reason


def test_the_evaluation_harness_keeps_each_items_ages(tmp_path) -> None:
    # the harness packs each analysis to share it across targets: the ages must survive
    import json

    from bot.evaluation.data import load_stream
    from bot.evaluation.tracking import AnalysisCache

    path = tmp_path / "s.jsonl"
    row = {"id": "a", "event": "e", "title": OTHER_CHILD, "summary": None, "content": None}
    path.write_text(json.dumps(row | {"url": None, "published": None}) + "\n")
    (item,) = load_stream(path)
    cache = AnalysisCache(Engine())
    cache.get(item)
    assert cache.get(item)[1].ages == {"4y"}
