"""Stories followed at once: an item another story reads far better is that story's.

Two sibling stories of one day (the US-Iran nuclear talks and the Russia-Ukraine peace
talks, both in Geneva, both led by the same envoys) share most of their words, so each
took the other's reports; see :mod:`bot.engine.rivals`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from test_engine_core import BACKGROUND

from bot.engine import Engine, EngineConfig, EngineDoc
from bot.model import SeedDoc, Story

T0 = datetime(2026, 2, 16, 8, tzinfo=UTC)

IRAN_SEEDS = (
    SeedDoc(
        "U.S. and Iran to hold a second round of nuclear talks in Geneva",
        "Envoys Steve Witkoff and Jared Kushner will meet Iranian Foreign Minister Abbas "
        "Araghchi in Geneva on Tuesday for a second round of talks on Iran's nuclear "
        "programme, with Oman mediating. Tehran wants sanctions relief; Washington wants "
        "limits on uranium enrichment.",
        "https://news.example.com/iran-talks",
        T0,
    ),
    SeedDoc(
        "Iran's top diplomat to attend indirect nuclear talks with U.S. in Geneva",
        "Abbas Araghchi travels to Geneva for indirect talks with the United States on Iran's "
        "nuclear programme, meeting Witkoff and Kushner through Omani mediators. Iran says "
        "uranium enrichment is not negotiable and asks for sanctions relief.",
        "https://other.example.com/araghchi-geneva",
        T0 + timedelta(hours=3),
    ),
)
UKRAINE_SEEDS = (
    SeedDoc(
        "Russian and Ukrainian officials meet in Geneva for U.S.-brokered peace talks",
        "Negotiators from Russia and Ukraine met in Geneva on Tuesday for peace talks brokered "
        "by the United States, with envoys Steve Witkoff and Jared Kushner in the room. Moscow "
        "demands the rest of the Donbas; Kyiv wants a ceasefire and security guarantees.",
        "https://news.example.com/ukraine-talks",
        T0,
    ),
    SeedDoc(
        "Low expectations as Ukraine and Russia open new round of talks in Geneva",
        "Ukrainian and Russian delegations began a third round of U.S.-brokered peace talks in "
        "Geneva, led on the American side by Witkoff and Kushner. Territory in the Donbas and "
        "a ceasefire are the sticking points, and Zelensky said expectations were low.",
        "https://other.example.com/ukraine-geneva",
        T0 + timedelta(hours=3),
    ),
)


def doc(i: int, title: str, text: str, hours: float = 30) -> EngineDoc:
    t = T0 + timedelta(hours=hours)
    return EngineDoc(i, title, text, f"https://wire.example.com/{i}", "example.com", t, t)


# a report of the Iran talks: Geneva, talks, the envoys, the U.S. are the Ukraine story's too
IRAN_PROGRESS = doc(
    1,
    "Iran says guiding principles agreed with U.S. at Geneva talks",
    "Abbas Araghchi said Iran and the United States agreed on guiding principles for a "
    "nuclear deal after talks with Witkoff and Kushner in Geneva on Tuesday, with Omani "
    "mediators. Sanctions relief and uranium enrichment remain open.",
)
# a report of the Ukraine talks, which the Iran story read as its own the same way
UKRAINE_DAY_ONE = doc(
    2,
    "First day of Russia-Ukraine peace talks ends in Geneva",
    "The first day of U.S.-brokered peace talks between Russia and Ukraine ended in Geneva "
    "with no breakthrough, Witkoff and Kushner said. Ukrainian negotiators rejected Moscow's "
    "demand for the rest of the Donbas and asked for a ceasefire.",
)


def engine(config: EngineConfig | None = None, stories: str = "both") -> Engine:
    """An engine that has read some unrelated news, following the Geneva stories."""
    e = Engine(config)
    for i, (title, text) in enumerate(BACKGROUND):
        e.observe(doc(1000 + i, title, text, hours=-48))
    if stories in ("both", "iran"):
        e.track(Story(1, "iran-talks", IRAN_SEEDS[0].title, IRAN_SEEDS, T0))
    if stories in ("both", "ukraine"):
        e.track(Story(2, "ukraine-talks", UKRAINE_SEEDS[0].title, UKRAINE_SEEDS, T0))
    return e


def judged(e: Engine, d: EngineDoc) -> dict[int, object]:
    return {v.judgement.story_id: v.judgement for v in e.judge(d)}


def test_siblings_took_each_others_reports_without_the_rule() -> None:
    # what the rule is for: each story alone takes the other's report
    off = EngineConfig(other_story_ratio=0)
    assert judged(engine(off), IRAN_PROGRESS)[2].on_topic
    assert judged(engine(off), UKRAINE_DAY_ONE)[1].on_topic


def test_a_report_another_story_reads_far_better_is_that_storys_alone() -> None:
    e = engine()
    iran = judged(e, IRAN_PROGRESS)
    assert iran[1].on_topic
    ukraine = iran[2]
    assert not ukraine.on_topic and ukraine.development is None
    other = ukraine.reason["other_story"]
    assert other["story"] == 1 and other["score"] == iran[1].reason["score"]
    assert other["times"] >= other["from"] == EngineConfig().other_story_ratio

    back = judged(e, UKRAINE_DAY_ONE)
    assert back[2].on_topic
    assert not back[1].on_topic and back[1].reason["other_story"]["story"] == 2


def test_one_story_followed_alone_decides_as_before() -> None:
    # the rule needs another followed story: alone, each takes the sibling's report
    assert judged(engine(stories="ukraine"), IRAN_PROGRESS)[2].on_topic
    assert judged(engine(stories="iran"), UKRAINE_DAY_ONE)[1].on_topic


# a report of both talks at once reads about as well for each story
BOTH_TALKS = doc(
    3,
    "U.S. envoys juggle Iran nuclear talks and Ukraine peace talks in Geneva",
    "Witkoff and Kushner shuttled between two sets of talks in Geneva on Tuesday: nuclear "
    "talks with Iran's Araghchi on uranium enrichment and sanctions relief, and peace talks "
    "between Russia and Ukraine on the Donbas and a ceasefire.",
)


def test_an_item_that_reads_as_well_for_both_stories_stays_in_both() -> None:
    both = judged(engine(), BOTH_TALKS)
    assert both[1].on_topic and both[2].on_topic
    assert "other_story" not in both[1].reason and "other_story" not in both[2].reason


def test_a_copy_of_a_storys_own_seed_stays_that_storys_whatever_another_reads() -> None:
    reprint = doc(4, UKRAINE_SEEDS[0].title, UKRAINE_SEEDS[0].text)
    verdicts = judged(engine(), reprint)
    assert verdicts[2].on_topic and "copy" in verdicts[2].reason
    assert not verdicts[1].on_topic
