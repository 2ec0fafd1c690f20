"""Short hand-written items, as a user types them into a feed to try storybot out.

A headline and one sentence, judged by a fresh engine right after the story was added
from the sample seeds (the five articles in ``adapters/demo/data/seeds``, the same as
``../shared/seeds``): one about the story must be taken, one about something else that
shares a name with it must not. The misses the engine has on such items are marked
``xfail(strict=True)`` with the reason, so a change that mends one shows.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adapters.demo import seed_files
from adapters.seeds import load_seed
from bot.engine import Engine, EngineDoc
from bot.model import Judgement, Story, has_body

ADDED = datetime(2026, 3, 5, tzinfo=UTC)
TYPED = datetime(2026, 3, 5, 10, tzinfo=UTC)


def _judge(title: str, sentence: str) -> Judgement:
    engine = Engine()
    seeds = tuple(load_seed(str(p)) for p in seed_files())
    engine.track(Story(1, "demo", seeds[0].title, seeds, ADDED))
    (verdict,) = engine.judge(EngineDoc(1, title, sentence, None, "My test feed", TYPED, TYPED))
    return verdict.judgement


@pytest.mark.parametrize(
    ("title", "sentence"),
    [
        (
            "Test: Anthropic back in talks with the Pentagon",
            "Anthropic has reopened negotiations with the Pentagon over the military's use "
            "of Claude.",
        ),
        (
            "Anthropic and Pentagon close to a deal on Claude",
            "Dario Amodei is said to be near an agreement that would avoid a supply chain "
            "risk label.",
        ),
        (
            "Pentagon drops supply chain risk threat against Anthropic",
            "Defense officials said Anthropic's Claude models may keep being used by the military.",
        ),
        (
            "Hegseth meets Amodei",
            "The defense secretary and Anthropic's chief executive met on Thursday to "
            "discuss Claude.",
        ),
        pytest.param(
            "Test item",
            "Anthropic resumed talks with the Department of Defense about Claude and "
            "autonomous weapons.",
            marks=pytest.mark.xfail(
                strict=True,
                reason="a body that only just passes (0.103 against 0.1) under a headline "
                "sharing nothing with the story is taken for a neighbouring story "
                "(uncorroborated, EngineConfig.headline_corroboration)",
            ),
        ),
    ],
)
def test_a_short_item_about_the_story_is_taken(title, sentence):
    j = _judge(title, sentence)
    assert j.on_topic, j.reason


@pytest.mark.parametrize(
    ("title", "sentence"),
    [
        (
            "Pentagon orders more submarines",
            "The Navy will buy two more attack submarines from shipyards in Virginia, "
            "officials said.",
        ),
        (
            "Anthropic opens office in Tokyo",
            "The San Francisco AI startup said it would hire 50 people in Japan this year.",
        ),
        (
            "Claude Monet painting sells for record price",
            "A water lilies canvas by Claude Monet sold for $80 million at auction in New York.",
        ),
        (
            "Trump signs executive order on tariffs",
            "The president raised tariffs on imported steel and aluminium on Friday.",
        ),
        pytest.param(
            "Anthropic releases new Claude model for coders",
            "The AI company said its latest model writes software faster and costs less.",
            marks=pytest.mark.xfail(
                strict=True,
                reason="two of the story's names (Anthropic, Claude) and its words model, "
                "AI and company score 0.102 against 0.1: one sentence has too few other "
                "words to tell a product launch from the story",
            ),
        ),
    ],
)
def test_a_short_item_about_something_else_sharing_a_name_is_not_taken(title, sentence):
    j = _judge(title, sentence)
    assert not j.on_topic, j.reason


@pytest.mark.parametrize(
    ("text", "body"),
    [
        (None, False),
        ("", False),
        ("one two three four five six seven", False),
        ("one two three four five six seven eight", True),
        ("  one\ttwo\nthree  four five six seven  ", False),
        (" one two three four five six seven eight nine ten " * 5000, True),
    ],
)
def test_a_body_is_eight_words_or_more_however_they_are_spaced(
    text: str | None, body: bool
) -> None:
    assert has_body(text) is body
