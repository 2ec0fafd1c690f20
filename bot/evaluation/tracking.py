"""The TDT tracking protocol, run with the real :class:`bot.engine.Engine`.

For each target a fresh engine tracks a story built from the target's seed items and
reads the target's stream online, in order, through :meth:`Engine.judge` (the service's
decision path). Each item's analysis (tokenisation, entities, MinHash) depends only on
the item and the configuration, so it is computed once and shared across targets;
that is what keeps a whole run of the gva stream within the time budget.

With an embedder (``storybot eval track --embeddings``) the engines are the service's
engine with the same embedder. A model is the slow part, so every text the run needs
(each target's seeds and stream) is embedded once, in one batched call, before the first
target, and every engine reads the vectors from that memo.
"""

from __future__ import annotations

import json
import multiprocessing
import os
from array import array
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import IO, Any, NamedTuple

from bot.engine import Engine, EngineConfig, EngineDoc
from bot.engine.analysis import Analysis
from bot.engine.dedup import Fingerprint
from bot.engine.semantic import Dense, as_unit, embedding_text
from bot.engine.termstats import Vector, unit
from bot.evaluation.data import StreamItem, Target
from bot.evaluation.metrics import (
    DevelopmentCounts,
    TrackCounts,
    detection_cost,
    development_rates,
)
from bot.model import Judgement, SeedDoc, Story
from bot.ports import Embedder

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def engine_doc(item: StreamItem) -> EngineDoc:
    """The stream item as the service would hand it to the engine."""
    when = item.published or _EPOCH
    return EngineDoc(
        id=item.index,
        title=item.title,
        text=item.text,
        url=item.url,
        source=item.source,
        published=item.published,
        seen_at=when,
    )


def target_story(target: Target, story_id: int = 1) -> Story:
    """A story whose seeds are the target's seed items."""
    seeds = tuple(SeedDoc(s.title, s.text, s.url, s.published) for s in target.seeds)
    created = max((s.published for s in target.seeds if s.published), default=_EPOCH)
    return Story(story_id, target.event, target.seeds[0].title, seeds, created)


class _Packed(NamedTuple):
    """An :class:`Analysis` as :class:`AnalysisCache` keeps it: under half its size.

    The vectors' terms are one string per distinct term for the whole run and their
    weights a float array; the unit vector is not kept (it is ``unit(tf)``, computed the
    same way again) and the MinHash signature is an integer array.
    """

    doc: EngineDoc
    terms: tuple[str, ...]
    weights: array[float]
    entities: frozenset[str]
    sig: array[int]
    fp: Fingerprint  # its title, url and size (its ``sig`` is the array above)
    headline_only: bool
    title_terms: tuple[str, ...] | None  # None: the headline's vector is ``tf`` itself
    title_weights: array[float] | None
    ages: frozenset[str]


class AnalysisCache:
    """Per-item analyses computed once and shared by every target's engine.

    Each is kept packed (see :class:`_Packed`: on gva about 12 KB instead of 26 KB) and
    unpacked when asked for, equal to the analysis computed, term order included: a
    long stream's targets judge tens of thousands of items, all kept for the run.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._cache: dict[int, _Packed] = {}
        self._words: dict[str, str] = {}  # one string per term for every packed vector

    def __contains__(self, item: StreamItem) -> bool:
        return item.index in self._cache

    def __len__(self) -> int:
        return len(self._cache)

    def get(self, item: StreamItem) -> tuple[EngineDoc, Analysis]:
        hit = self._cache.get(item.index)
        if hit is not None:
            return hit.doc, _unpack(hit)
        doc = engine_doc(item)
        analysis = self._engine.analyse(doc)
        self._cache[item.index] = self._pack(doc, analysis)
        return doc, analysis

    def _pack(self, doc: EngineDoc, a: Analysis) -> _Packed:
        words = self._words
        terms = tuple([words.setdefault(t, t) for t in a.tf])
        title: tuple[tuple[str, ...], array[float]] | tuple[None, None] = (None, None)
        if a.title_tf is not a.tf:
            title = (tuple([words.setdefault(t, t) for t in a.title_tf]), _floats(a.title_tf))
        return _Packed(
            doc,
            terms,
            _floats(a.tf),
            a.entities,
            array("Q", a.fp.sig),
            replace(a.fp, sig=()),
            a.headline_only,
            title[0],
            title[1],
            a.ages,
        )


def _floats(vec: Vector) -> array[float]:
    return array("d", vec.values())


def _unpack(p: _Packed) -> Analysis:
    tf = dict(zip(p.terms, p.weights, strict=True))
    title_tf = tf
    if p.title_terms is not None and p.title_weights is not None:
        title_tf = dict(zip(p.title_terms, p.title_weights, strict=True))
    fp = replace(p.fp, sig=tuple(p.sig))
    return Analysis(tf, unit(tf), p.entities, fp, p.headline_only, title_tf, p.ages)


class MemoEmbedder:
    """An embedder that computes each distinct text once per run (items and seeds alike)."""

    def __init__(self, embedder: Embedder) -> None:
        self.name = embedder.name
        self._embedder = embedder
        self._memo: dict[str, Sequence[float]] = {}

    def embed(self, texts: Sequence[str]) -> list[Sequence[float]]:
        missing = list(dict.fromkeys(t for t in texts if t not in self._memo))
        if missing:
            self._memo.update(zip(missing, self._embedder.embed(missing), strict=True))
        return [self._memo[t] for t in texts]


def _item_text(item: StreamItem) -> str:
    return embedding_text(item.title, item.text)


class Decision(NamedTuple):
    """One judgement of a target's stream item.

    ``development`` says where a taken item went, for a system with developments:
    ``"new"`` (it opened one: the service would alert), ``"joined"`` (an existing one) or
    ``"copy"`` (a copy of an earlier report or seed, in its original's); None when the
    item was not taken or the system has no developments (the baseline).
    """

    item: StreamItem
    on_topic: bool
    score: float
    development: str | None = None


Decide = Callable[[Target], Iterable[Decision]]

# engine_decider tells its progress every this many items
PREPARE_STEP = 100


def engine_decider(
    items: list[StreamItem],
    targets: list[Target],
    config: EngineConfig | None = None,
    embedder: Embedder | None = None,
    progress: Callable[[int, int], None] | None = None,
    cache: AnalysisCache | None = None,
    feedback: str | None = None,
) -> Decide:
    """Decisions of the real engine, one fresh engine per target.

    Like the service, an engine learns the stream's term statistics from every item it
    reads; a story is added to an engine that has read the stream up to the target's
    last seed (unlabelled past items only: no look-ahead), via
    :meth:`Engine.observe` and :meth:`Engine.background_state`.

    Args:
        items: The whole sorted stream.
        targets: The targets that will be decided.
        config: Engine configuration; the service defaults when None.
        embedder: A sentence-embedding model, as the service would be given with
            embeddings on; None for the default (term statistics only) engine.
        progress: Told (items done, items) while the stream is read and analysed,
            every ``PREPARE_STEP`` items and at the end: on a large stream this comes
            before the first target is decided and takes a while (gva: about 15 s).
        cache: Where the analyses of the items the targets judge are kept (an empty
            cache over an engine of ``config``); a new one when None. Items read only for
            the stream's statistics are not kept.
        feedback: A simulated admin correcting the engine as ``/story wrong`` does,
            right after each decision, with the gold label: ``"alerts"`` corrects every
            item taken that is not the target's, ``"all"`` every missed report too; None
            (the protocol's run) corrects nothing. The corrected decision itself stands.

    Returns:
        A function yielding a :class:`Decision` per item of a target's stream.
    """
    reader = Engine(config)
    cache = cache if cache is not None else AnalysisCache(reader)
    # the items some target will judge: only theirs are kept; an item read only for the
    # stream's statistics is analysed, counted and let go (on a long stream with few
    # targets most items are, and each analysis holds its vectors: ~27 KB on gva)
    judged = {it.index for t in targets for it in t.stream}
    wanted = {t.seeds[-1].index for t in targets}
    # each target's statistics, packed (see _pack_background): a table of up to
    # max_vocab terms per target, hundreds of targets on a long stream
    backgrounds: dict[int, _Background] = {}
    last = max(wanted, default=-1)
    to_read = items[: last + 1]
    # the targets' stream items not read above, once each, in the order first met
    later = {it.index: it for t in targets for it in t.stream if it.index > last}
    steps, done = len(to_read) + len(later), 0

    def step(n: int = 1) -> None:
        nonlocal done
        before, done = done, done + n
        if progress is not None and (
            done // PREPARE_STEP > before // PREPARE_STEP or done == steps
        ):
            progress(done, steps)

    for item in to_read:
        if item.index in judged:
            doc, analysis = cache.get(item)
            reader.observe(doc, analysis)
        else:
            reader.observe(engine_doc(item))
        if item.index in wanted:
            backgrounds[item.index] = _pack_background(reader.background_state())
        step()

    # every stream item analysed now, once: processes forked to decide targets
    # (run_tracking's jobs) share these instead of each analysing the items again
    for item in later.values():
        cache.get(item)
        step()

    memo: MemoEmbedder | None = None
    units: dict[int, Dense] = {}
    if embedder is not None:
        # one call, as before: slices would batch the texts otherwise (the model pads
        # each batch to its longest text), which may move the figures measured so far
        memo = MemoEmbedder(embedder)
        needed = {it.index: it for t in targets for it in (*t.seeds, *t.stream)}
        ordered = [needed[i] for i in sorted(needed)]
        vectors = memo.embed([_item_text(it) for it in ordered])
        units = {it.index: as_unit(v) for it, v in zip(ordered, vectors, strict=True)}

    def decide(target: Target) -> Iterable[Decision]:
        background = _unpack_background(backgrounds[target.seeds[-1].index])
        engine = Engine(config, background=background, embedder=memo)
        story = target_story(target)
        engine.track(story)
        for item in target.stream:
            doc, analysis = cache.get(item)
            (verdict,) = engine.judge(doc, analysis, units.get(item.index))
            j = verdict.judgement
            if feedback is not None:
                wrong = j.on_topic != (item.event == target.event)
                if wrong and (j.on_topic or feedback == "all"):
                    engine.teach(story.id, doc, not j.on_topic, analysis)
            yield Decision(item, j.on_topic, j.score, placement(j) if j.on_topic else None)

    return decide


class _Background(NamedTuple):
    """An engine's :meth:`Engine.background_state` as kept until its target is decided:
    the table's terms (the reader's own strings) and counts in arrays, not a dict."""

    rest: dict[str, Any]  # the state without its table
    terms: tuple[str, ...]
    counts: array[int]


def _pack_background(state: dict[str, Any]) -> _Background:
    df = state.pop("df")
    return _Background(state, tuple(df), array("q", df.values()))


def _unpack_background(packed: _Background) -> dict[str, Any]:
    return {**packed.rest, "df": dict(zip(packed.terms, packed.counts, strict=True))}


def placement(judgement: Judgement) -> str:
    """Where a taken item went, as a :class:`Decision`'s ``development`` says it.

    ``"copy"`` for a copy of an earlier report or of a seed, ``"new"`` for a report that
    opened a development (the service would alert), ``"joined"`` for one that joined an
    existing development. Shared by every decider built on the engine.
    """
    if "copy" in judgement.reason:  # of an earlier report, or of a seed
        return "copy"
    return "new" if judgement.new_development else "joined"


def run_tracking(
    targets: list[Target],
    decide: Decide,
    decisions: IO[str] | None = None,
    jobs: int = 1,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Run the protocol over targets and macro-average the detection cost.

    Args:
        targets: The targets (see :func:`bot.evaluation.data.build_targets`).
        decide: The system under test.
        decisions: Optional text stream receiving one JSON line per judgement.
        jobs: Processes that decide targets at once. Targets are independent (each has
            its own engine), so the figures and the decision lines, written in target
            order, are the same for any number; more than one forks this process (the
            stream, its analyses and ``decide`` are shared, not copied), so it is for
            a command's own process, not for one running threads.
        progress: Called with (targets done, targets) as each target's results arrive.

    Returns:
        ``{"targets", "p_miss", "p_fa", "c_norm"}``, and ``"developments"`` (see
        :func:`bot.evaluation.metrics.development_rates`) when ``decide`` places taken
        items in developments.
    """
    want_rows = decisions is not None
    # forking is what makes sharing the stream cheap; where there is none (Windows), one
    if jobs > 1 and len(targets) > 1 and "fork" in multiprocessing.get_all_start_methods():
        results: Iterable[tuple[TrackCounts, list[str]]] = _in_processes(
            targets, decide, want_rows, jobs
        )
    else:
        results = (_track_one(t, decide, want_rows) for t in targets)
    runs = []
    for counts, rows in results:
        runs.append(counts)
        if decisions is not None:
            decisions.writelines(rows)
        if progress is not None:
            progress(len(runs), len(targets))
    result: dict[str, Any] = {"targets": len(runs), **detection_cost(runs)}
    developments = development_rates(runs)
    if developments is not None:
        result["developments"] = developments
    return result


def _track_one(target: Target, decide: Decide, want_rows: bool) -> tuple[TrackCounts, list[str]]:
    """One target's counts, and its decision lines when wanted."""
    on = missed = off = fa = 0
    # taken items by (of the target's own event, where they went: new, joined or copy)
    placed: Counter[tuple[bool, str]] = Counter()
    rows: list[str] = []
    for item, on_topic, score, development in decide(target):
        own = item.event == target.event
        if own:
            on += 1
            missed += not on_topic
        else:
            off += 1
            fa += on_topic
        if development is not None:
            placed[own, development] += 1
        if want_rows:
            row = {
                "target": target.event,
                "item": item.id,
                "on_topic": on_topic,
                "score": round(score, 6),
            }
            rows.append(json.dumps(row) + "\n")
    devs = (
        DevelopmentCounts(
            placed[True, "new"] + placed[True, "joined"],
            placed[True, "new"],
            placed[False, "new"] + placed[False, "joined"],
            placed[False, "new"],
        )
        if placed  # copies count here too: the system places items in developments
        else None
    )
    return TrackCounts(on, missed, off, fa, devs), rows


# what forked workers decide: set by the parent just before it forks them
_SHARED: tuple[list[Target], Decide, bool] | None = None


def _track_shared(index: int) -> tuple[TrackCounts, list[str]]:
    assert _SHARED is not None
    targets, decide, want_rows = _SHARED
    return _track_one(targets[index], decide, want_rows)


def _in_processes(
    targets: list[Target], decide: Decide, want_rows: bool, jobs: int
) -> Iterator[tuple[TrackCounts, list[str]]]:
    """Each target decided in one of ``jobs`` forked processes; results in target order,
    each as soon as it and those before it are done."""
    global _SHARED
    _SHARED = (targets, decide, want_rows)
    try:
        with multiprocessing.get_context("fork").Pool(min(jobs, len(targets))) as pool:
            yield from pool.imap(_track_shared, range(len(targets)), chunksize=1)
    finally:
        _SHARED = None


def default_jobs(targets: list[Target]) -> int:
    """Processes worth forking for a run: one for a short run, up to 4 (the CPUs) else.

    A process costs a fork and its own copy of whatever it writes; below about 50,000
    judgements (a dated gva run is 21,000, about 15 s) one process is as fast.
    """
    judgements = sum(len(t.stream) for t in targets)
    if judgements < 50_000:
        return 1
    try:
        cpus = len(os.sched_getaffinity(0))  # the CPUs this process may use
    except AttributeError:  # not on every platform
        cpus = os.cpu_count() or 1
    return max(1, min(4, cpus))
