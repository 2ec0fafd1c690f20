"""`storybot demo` end to end: sample feeds over simulated time, real scheduler and engine."""

from __future__ import annotations

import argparse
import io

from adapters.demo import run_demo


async def test_demo_folds_copies_alerts_each_new_turn_and_answers_status(tmp_path):
    out = io.StringIO()
    args = argparse.Namespace(database=f"sqlite:///{tmp_path / 'demo.db'}", hours=12.0,
                              step_minutes=15.0, tick_seconds=0.02, config=None)
    code = await run_demo(args, out)
    text = out.getvalue()
    assert code == 0, text
    assert "> /story status" in text and "Latest developments:" in text
    assert "KEYWORD MATCH" in text
    # The demo prints how the engine's judgements compare with the sample answers; the
    # engine's known misses (see CHANGELOG) are reported there, not hidden. What must hold:
    assert "unrelated items taken as on-topic: 0 of" in text, text
    # every genuine new turn of the sample story opens its own development and alerts
    assert "new developments alerted: 3 of 3" in text, text
    alerted = 3
    # the one known miss (an investors' piece that retells the seed story is taken for a
    # new turn, see README "The engine") must not grow
    assert int(text.split("alerts that are not a new development: ")[1].split("\n")[0]) <= 1, text
    assert text.count("== NEW DEVELOPMENT") == alerted + int(
        text.split("alerts that are not a new development: ")[1].split("\n")[0]
    ), "one alert per development, never one per copy"
