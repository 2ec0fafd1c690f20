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
    assert "new developments alerted: 3 of 3" in text, text
    assert "alerts that are not a new development: 0" in text, text
    assert "unrelated items taken as on-topic: 0 of" in text, text
    assert text.count("== NEW DEVELOPMENT") == 3
