"""An item that another followed story reads far better is not this story's.

The TDT protocol tracks one story at a time, and every rule of the engine was first
measured that way. The service follows all its stories at once, so when it judges an
item for one story it also knows how every other story reads it. Sibling events are the
costliest false alarms of the real feeds (docs/engine.md, "Unseen RSS data"): the US-Iran
nuclear talks and the Russia-Ukraine peace talks, held in Geneva on the same day and led
by the same envoys, share "talks", "Geneva", "U.S.", "Witkoff", "Kushner"; a user who
follows both got the Iran talks announced as a new development of the Ukraine story.

The rule: an item that a story would take (not as a copy of its own report or seed) is
not taken when another followed story also takes it and clears its own bar by
``other_story_ratio`` times as much (each story's decisive score over its threshold,
so stories with different bars compare fairly). The item stays the other story's.
An item that reads about as well for both stories (a report of the Hormuz drills held
during the Iran talks, for an Iran-talks story and a Hormuz story) stays in both; a
copy of a story's own report or seed is always that story's.

An item left to another story is not counted in this story's off-topic background
(:mod:`bot.engine.calibration`): it is the sibling's report, not this story's noise, and
counted it raised the story's bar over its own reports.

Nothing changes for an engine that follows one story, as the evaluation's protocol does;
``storybot eval track --together`` follows every target of a stream in one engine to
measure it. At the default ratio, 2.0, that turned away 124 false alarms over 20 runs and
lost no report; 1.5 lost two (docs/engine.md, "Stories followed together").
"""

from __future__ import annotations

from collections.abc import Sequence

from bot.engine.story_state import Assessment


def hold_back_for_others(readings: Sequence[Assessment], ratio: float) -> None:
    """Amend, in place, the readings of stories another story reads far better.

    Args:
        readings: Every tracked story's reading of one item.
        ratio: How many times as far past its own bar another story must read the item;
            0 turns the rule off.
    """
    if ratio <= 0 or len(readings) < 2:
        return
    takers = [p for p in readings if p.on_topic]
    if len(takers) < 2:
        return
    # decided on the readings before any is amended: one story's loss is no other's gain
    margins = [(p.margin, p) for p in takers]
    for p in takers:
        if p.copy is not None:
            continue
        best, rival = max(((m, q) for m, q in margins if q is not p), key=lambda mq: mq[0])
        own = max(p.margin, 0.0)
        if best > 0 and best >= ratio * own:
            p.on_topic = False
            p.reason["other_story"] = {
                "story": rival.story_id,
                "score": round(rival.score, 4),
                "threshold": round(rival.threshold, 4),
                # how many times as far past its bar the other story reads it
                "times": round(best / own, 2) if own > 0 else None,
                "from": ratio,
            }
