"""Every target of a stream followed at once, in one engine, as the service follows stories.

The TDT protocol (:mod:`bot.evaluation.tracking`) gives each target an engine of its
own, so a story never learns what another followed story makes of an item. The service
follows all its stories in one engine, and a rule that weighs one story's reading of an
item against another's (:mod:`bot.engine.rivals`) can only be measured that way.

Here one engine reads the stream once, in order. A target's story is tracked right after
its last seed is read (the engine has read the stream up to there, as in the protocol),
judges every item from then on, as the service would, and is untracked after the last
item of its stream; its decisions on the items of its stream are scored as the protocol
scores them. With one target the decisions are the protocol's; with several, the stream
statistics differ a little (an item a story finds a copy of its own report is left out of
them, and now any followed story's copy is), and the stories' rules that look across
stories apply.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable

from bot.engine import Engine, EngineConfig
from bot.evaluation.data import StreamItem, Target
from bot.evaluation.tracking import (
    PREPARE_STEP,
    AnalysisCache,
    Decide,
    Decision,
    engine_doc,
    placement,
    target_story,
)


def together_decider(
    items: list[StreamItem],
    targets: list[Target],
    config: EngineConfig | None = None,
    progress: Callable[[int, int], None] | None = None,
    feedback: str | None = None,
) -> Decide:
    """Decisions of one engine following every target at once.

    The stream is read when this is called; the returned function hands out each
    target's decisions.

    Args:
        items: The whole sorted stream.
        targets: The targets followed (each by its event: events are unique).
        config: Engine configuration; the service defaults when None.
        progress: Told (items read, items to read) every ``PREPARE_STEP`` items and at
            the end.
        feedback: As :func:`bot.evaluation.tracking.engine_decider`'s: a simulated admin
            correcting each target's story right after its decisions on its stream.

    Returns:
        A function yielding a :class:`Decision` per item of a target's stream.
    """
    engine = Engine(config)
    cache = AnalysisCache(engine)
    starts: dict[int, list[int]] = defaultdict(list)  # last seed's index -> targets
    ends: dict[int, list[int]] = defaultdict(list)  # last stream item's index -> targets
    streams: list[set[int]] = []
    for k, t in enumerate(targets):
        starts[t.seeds[-1].index].append(k)
        ends[max(it.index for it in t.stream)].append(k)
        streams.append({it.index for it in t.stream})
    decisions: dict[str, list[Decision]] = {t.event: [] for t in targets}
    last = max(ends, default=-1)
    for n, item in enumerate(items[: last + 1], start=1):
        if engine.tracked():
            doc, analysis = (
                cache.get(item)
                if any(item.index in s for s in streams)
                else (engine_doc(item), None)
            )
            analysis = analysis if analysis is not None else engine.analyse(doc)
            for verdict in engine.judge(doc, analysis):
                j = verdict.judgement
                k = j.story_id - 1
                if item.index not in streams[k]:
                    continue  # before its seeds or past its window: not scored
                t = targets[k]
                if feedback is not None:
                    wrong = j.on_topic != (item.event == t.event)
                    if wrong and (j.on_topic or feedback == "all"):
                        engine.teach(j.story_id, doc, not j.on_topic, analysis)
                decisions[t.event].append(
                    Decision(item, j.on_topic, j.score, placement(j) if j.on_topic else None)
                )
        else:
            engine.observe(engine_doc(item))
        for k in starts.get(item.index, ()):
            engine.track(target_story(targets[k], story_id=k + 1))
        for k in ends.get(item.index, ()):
            engine.untrack(k + 1)
        if progress is not None and (n % PREPARE_STEP == 0 or n == last + 1):
            progress(n, last + 1)

    def decide(target: Target) -> Iterable[Decision]:
        return decisions[target.event]

    return decide
