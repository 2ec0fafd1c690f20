"""Corrections (``/story wrong``): what an admin says about one report changes what follows."""

from __future__ import annotations

import json
from dataclasses import replace

from test_engine_core import doc, story, warm_engine

from bot.engine import Engine, EngineConfig

# a neighbouring story of the same kind: another AI company's Pentagon deal
OPENAI_DEAL = doc(
    11,
    "OpenAI agrees Pentagon deal for classified networks",
    "OpenAI reached an agreement with the Pentagon to run its models on classified networks, "
    "Sam Altman said on Friday, days after Defense Secretary Pete Hegseth warned that AI "
    "companies refusing military terms could be labelled a supply chain risk. The deal covers "
    "intelligence analysis and logistics, and OpenAI said it keeps limits on domestic "
    "surveillance.",
    "https://news.example.com/openai-deal",
)
ALTMAN_MEMO = doc(
    12,
    "Altman defends OpenAI deal with the Pentagon",
    "Sam Altman defended the OpenAI agreement with the Pentagon in a memo to staff, saying the "
    "models will run on classified networks for intelligence analysis and logistics with limits "
    "on domestic surveillance. Hegseth had warned AI companies they could be labelled a supply "
    "chain risk. Some OpenAI employees signed a letter opposing the military deal.",
    "https://other.example.com/altman-memo",
    days=2,
)
AMODEI = doc(
    13,
    "Amodei says Anthropic and Pentagon close to Claude agreement",
    "Dario Amodei told staff that Anthropic and the Pentagon are close to an agreement on "
    "Claude, with limits on domestic surveillance and autonomous weapons, after Hegseth dropped "
    "the threat to call the company a supply chain risk.",
    "https://news.example.com/amodei",
    days=2,
)
# reports of the story in words its seeds do not use
RED_LINES = doc(
    21,
    "Claude maker publishes its red lines for government customers",
    "The San Francisco start-up behind Claude published the red lines of its usage policy for "
    "government customers on Monday: no mass monitoring of citizens and no weapons that select "
    "targets on their own. Lawmakers in Congress welcomed the usage policy.",
    "https://news.example.com/red-lines",
    days=3,
)
LAWMAKERS = doc(
    22,
    "Lawmakers back Claude maker's red lines",
    "Members of Congress backed the red lines in the usage policy of the company that makes "
    "Claude, saying government customers should accept limits on mass monitoring of citizens.",
    "https://other.example.com/lawmakers",
    days=4,
)


def judged(e: Engine, d):  # noqa: ANN001, ANN202 - a test helper
    (v,) = e.judge(d)
    return v.judgement


def test_a_report_said_not_to_be_the_story_holds_back_reports_like_it() -> None:
    untaught = warm_engine()
    assert judged(untaught, OPENAI_DEAL).on_topic  # the false alarm an admin corrects
    assert judged(untaught, ALTMAN_MEMO).on_topic  # and the next one, without a correction

    e = warm_engine()
    assert judged(e, OPENAI_DEAL).on_topic
    assert e.teach(1, OPENAI_DEAL, False)
    memo = judged(e, ALTMAN_MEMO)
    assert not memo.on_topic and memo.development is None
    assert memo.reason["held_back"]["like"] == OPENAI_DEAL.id
    assert memo.reason["held_back"]["score"] >= memo.score
    # the story itself is still taken
    assert judged(e, AMODEI).on_topic


def test_a_copy_of_a_report_said_not_to_be_the_story_is_judged_on_its_own() -> None:
    reprint = replace(
        OPENAI_DEAL,
        id=14,
        url="https://wire.example.net/openai",
        title=OPENAI_DEAL.title + " - Wire",
    )
    untaught = warm_engine()
    judged(untaught, OPENAI_DEAL)
    assert "copy" in judged(untaught, reprint).reason

    e = warm_engine()
    judged(e, OPENAI_DEAL)
    e.teach(1, OPENAI_DEAL, False)
    j = judged(e, reprint)
    assert not j.on_topic and "copy" not in j.reason and j.reason["held_back"]["like"] == 11


def test_a_report_said_to_be_the_story_counts_as_one_more_seed() -> None:
    untaught = warm_engine()
    assert not judged(untaught, RED_LINES).on_topic  # missed: none of the seeds' words
    assert not judged(untaught, LAWMAKERS).on_topic

    e = warm_engine()
    judged(e, RED_LINES)
    assert e.teach(1, RED_LINES, True)
    assert judged(e, LAWMAKERS).on_topic
    # and a copy of it is the story
    reprint = replace(RED_LINES, id=23, url="https://wire.example.net/red-lines")
    assert judged(e, reprint).reason["copy"]["of"] == RED_LINES.id


def test_a_withdrawn_correction_no_longer_acts() -> None:
    e = warm_engine()
    judged(e, OPENAI_DEAL)
    e.teach(1, OPENAI_DEAL, False)
    assert e.teach(1, OPENAI_DEAL, None)
    assert e.corrections(1) == {}
    assert judged(e, ALTMAN_MEMO).on_topic

    e = warm_engine()
    judged(e, RED_LINES)
    seed_profile = dict(e._stories[1].profile.seed)
    e.teach(1, RED_LINES, True)
    e.teach(1, RED_LINES, None)
    assert e._stories[1].profile.seed == seed_profile
    assert not judged(e, LAWMAKERS).on_topic


def test_a_withdrawn_not_the_story_makes_a_report_the_story_took_its_report_again() -> None:
    # "/story wrong" typed twice undoes it: another outlet's copy is again a copy of the
    # story's report, not a report judged on its own (which could alert again)
    reprint = replace(OPENAI_DEAL, id=14, url="https://wire.example.net/openai")
    e = warm_engine()
    judged(e, OPENAI_DEAL)
    e.teach(1, OPENAI_DEAL, False)
    e.teach(1, OPENAI_DEAL, None)
    assert judged(e, reprint).reason["copy"]["of"] == OPENAI_DEAL.id
    # and so after a snapshot between the two
    e = warm_engine()
    judged(e, OPENAI_DEAL)
    e.teach(1, OPENAI_DEAL, False)
    state = json.loads(json.dumps(e.snapshot(1)))
    assert state["corrections"]["taken"] == [OPENAI_DEAL.id]
    restored = Engine(EngineConfig())
    restored.track(story(), state)
    restored.teach(1, OPENAI_DEAL, None)
    assert judged(restored, reprint).reason["copy"]["of"] == OPENAI_DEAL.id


def test_a_report_the_story_missed_is_not_its_report_once_every_correction_is_withdrawn() -> None:
    # said to be the story, then not, then withdrawn: the story's own judgement stands
    reprint = replace(RED_LINES, id=23, url="https://wire.example.net/red-lines")
    e = warm_engine()
    assert not judged(e, RED_LINES).on_topic
    e.teach(1, RED_LINES, True)
    e.teach(1, RED_LINES, False)
    e.teach(1, RED_LINES, None)
    assert "copy" not in judged(e, reprint).reason


def test_the_same_correction_again_changes_nothing_and_a_new_label_replaces_it() -> None:
    e = warm_engine()
    judged(e, OPENAI_DEAL)
    assert e.teach(1, OPENAI_DEAL, False)
    before = e.snapshot(1)
    assert not e.teach(1, OPENAI_DEAL, False)
    assert e.snapshot(1) == before
    assert not e.teach(1, AMODEI, None)  # nothing to withdraw
    assert e.teach(1, OPENAI_DEAL, True)
    assert e.corrections(1) == {OPENAI_DEAL.id: True}
    assert judged(e, ALTMAN_MEMO).on_topic


def test_corrections_survive_a_snapshot() -> None:
    e = warm_engine()
    judged(e, OPENAI_DEAL)
    judged(e, RED_LINES)
    e.teach(1, OPENAI_DEAL, False)
    e.teach(1, RED_LINES, True)
    state = json.loads(json.dumps(e.snapshot(1)))
    restored = Engine(background=e.background_state())
    restored.track(story(), state)
    assert restored.corrections(1) == {OPENAI_DEAL.id: False, RED_LINES.id: True}
    assert restored.snapshot(1) == state
    for d in (ALTMAN_MEMO, LAWMAKERS, AMODEI):
        assert judged(restored, d).on_topic == judged(e, d).on_topic
    assert not judged(restored, replace(ALTMAN_MEMO, id=30)).on_topic


def test_a_snapshot_from_before_corrections_takes_a_correction() -> None:
    e = warm_engine()
    judged(e, RED_LINES)
    state = e.snapshot(1)
    del state["profile"]["n_seeds"]  # as written before corrections existed
    old = Engine(background=e.background_state())
    old.track(story(), state)
    assert old._stories[1].profile.n_seeds == len(story().seeds)
    old.teach(1, RED_LINES, True)
    assert judged(old, LAWMAKERS).on_topic


def test_reports_taught_beyond_the_cap_become_seeds_for_good() -> None:
    e = warm_engine(EngineConfig(correction_examples=2))
    profile = e._stories[1].profile
    for d in (RED_LINES, LAWMAKERS, AMODEI):
        judged(e, d)
        e.teach(1, d, True)
    assert list(profile.taught) == [LAWMAKERS.id, AMODEI.id]
    assert profile.n_seeds == len(story().seeds) + 1
    assert e.corrections(1) == {RED_LINES.id: True, LAWMAKERS.id: True, AMODEI.id: True}
    # the folded report stays in the profile: withdrawing it changes the label only
    e.teach(1, RED_LINES, None)
    assert "red" in profile.seed or "line" in profile.seed
