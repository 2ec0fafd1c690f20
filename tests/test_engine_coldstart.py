"""Cold start: a story added to an engine that has read nothing yet (the demo sample data).

Right after ``storybot story add`` there are no stream statistics. The general-language
prior (:mod:`bot.engine.prior`) and the seeds themselves are all the engine knows of
which words are common; these tests pin what that must be enough for.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.demo import seed_files
from adapters.demo.feedserver import DATA_DIR
from adapters.seeds import load_seed
from bot.engine import Engine, EngineDoc
from bot.engine.prior import doc_share
from bot.engine.termstats import DocFreq, WithinStory
from bot.model import Story

TIMELINE = json.loads((DATA_DIR / "timeline.json").read_text(encoding="utf-8"))
WHEN = datetime(2026, 3, 5, 10, tzinfo=UTC)


def _item(guid: str) -> dict:
    return next(i for i in TIMELINE["items"] if i["guid"] == guid)


def _story() -> Story:
    seeds = tuple(load_seed(str(p)) for p in seed_files())
    return Story(1, "demo", seeds[0].title, seeds, datetime(2026, 3, 5, tzinfo=UTC))


def _judge_first(guid: str):
    """The judgement of one sample item read first after the seeds, by a fresh engine."""
    engine = Engine()
    engine.track(_story())
    i = _item(guid)
    doc = EngineDoc(1, i["title"], i.get("content") or i["summary"], i["url"], "x", WHEN, WHEN)
    (verdict,) = engine.judge(doc)
    return verdict.judgement


# ------------------------------------------------------------------ the prior


@pytest.mark.parametrize(
    ("common", "rare"),
    [("said", "department"), ("department", "pentagon"), ("pentagon", "anthropic")],
)
def test_prior_knows_which_words_are_common(common, rare):
    assert doc_share(common) > doc_share(rare)


def test_prior_share_of_a_stem_sums_its_surface_forms():
    # "talk" stands for talk, talks, talked, talking
    assert doc_share("talk") > doc_share("talks") > 0


def test_prior_share_is_the_same_whatever_the_hash_seed():
    # A stem's surface forms are summed in one order, not in a set's, which moves with
    # PYTHONHASHSEED: float addition is not associative, and with a set "act", "allow"
    # and "application" came out one unit in the last place apart from one process to
    # the next (so could a score at a threshold, and with it a decision).
    code = (
        "from bot.engine.prior import doc_share; "
        "print([doc_share(t).hex() for t in ('act', 'allow', 'application')])"
    )
    repo = Path(__file__).resolve().parents[1]
    outputs = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={**os.environ, "PYTHONHASHSEED": str(seed)},
            cwd=repo,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in range(1, 7)
    }
    assert len(outputs) == 1, outputs


def test_prior_share_of_a_phrase_is_that_of_its_rarest_word():
    assert doc_share("dario_amodei") == min(doc_share("dario"), doc_share("amodei"))


def test_prior_decides_on_an_empty_stream_and_fades_as_the_stream_grows():
    df = DocFreq(prior_docs=20.0)
    assert df.idf("anthropic") > df.idf("pentagon") > df.idf("department") > df.idf("said")
    for _ in range(5000):
        df.add(["filler"])
    # with a long stream every unseen term looks alike again: the prior has faded
    assert math.isclose(df.idf("anthropic"), df.idf("said"), rel_tol=0.01)


# ------------------------------------------------------------------ relevance


@pytest.mark.parametrize("guid", ["cl-u01", "gmb-u02"])
def test_a_hard_negative_sharing_a_name_is_off_topic_from_the_first_item(guid):
    # cl-u01: a Pentagon budget report, no Anthropic; gmb-u02: AWS news naming Anthropic once
    assert _item(guid)["kind"] == "unrelated"
    j = _judge_first(guid)
    assert not j.on_topic, j.reason


@pytest.mark.parametrize(
    "guid", [i["guid"] for i in TIMELINE["items"] if i["kind"] in ("development", "update")]
)
def test_every_report_of_the_story_is_on_topic_from_the_first_item(guid):
    j = _judge_first(guid)
    assert j.on_topic, j.reason


# ------------------------------------------------------------------ developments


_OPEN = pytest.mark.xfail(
    strict=True,
    reason="open: within-story similarity to the seeds of this new turn (ww-003 0.093) "
    "is above that of a rehash (gmb-003 0.059) and near the seeds' own (0.05-0.11); "
    "bag-of-words cannot tell them apart on the sample data (cl-004 opens one since "
    "hyphenated words are split)",
)


@pytest.mark.parametrize(
    "guid",
    [
        pytest.param("ww-003", marks=_OPEN),
        "cl-004",
        "ww-004",
    ],
)
def test_a_new_turn_right_after_the_seeds_opens_a_development(guid):
    assert _item(guid)["kind"] == "development"
    j = _judge_first(guid)
    assert j.on_topic and j.new_development, j.reason


def test_within_story_weights_discount_what_every_report_shares():
    stream, story = DocFreq(prior_docs=20.0), DocFreq(prior_docs=0.0)
    for _ in range(5):
        story.add(["anthropic", "pentagon"])
    story.add(["anthropic", "pentagon", "lawsuit"])
    w = WithinStory(stream, story)
    assert w.idf("lawsuit") > 5 * w.idf("anthropic")
    assert w.idf("hearing") > w.idf("lawsuit")  # not in the story at all
