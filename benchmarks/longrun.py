"""Long-run engine benchmark: does judging get slower as a service reads for weeks?

What is measured: the real :class:`bot.engine.Engine` (no database, no pipeline) with 10
tracked stories judging a long stream, block by block. The stream is the three labelled
streams (``../shared/evaldata/streams``, read in place: 6,846 items, 6,806 without the
stories' 40 seeds), replayed as many times as needed: each pass gets new item ids, URLs
with the pass number and dates shifted by the stream's span, so every item is new to the
engine (its text is not: a replayed text is a syndicated copy of one read a pass earlier:
the stream-wide copy index (``stream_copy_cap``, 1,000) has forgotten it by then at 6,806
items a pass, but a story's own copy index (its last ``copy_index_cap`` = 300 on-topic
reports) still holds its on-topic reports of the previous pass, so from the second pass on
those come back as copies; a real stream brings new reports instead). The stories are the
10 events with most items (their first 4 items are the seeds), as in
``benchmarks.engine``.

Per block (default 2,500 items) it prints: items per CPU second (``time.process_time``
over the block's ``Engine.judge`` calls only), items per wall second, the hit rates over
the block and sizes of the per-word memos (``bot.engine.prior.doc_share``, the
``_SHARES`` dict in ``bot.engine.termstats``, ``bot.engine.words``' ``_term``,
``bot.engine.capitals``' ``_cap_term``, ``bot.textnorm``'s fold), the stream table's size,
the stories' snapshot bytes, and the process RSS (``/proc/self/statm``; peak from
``getrusage``).

Baseline: none in the same run. The question is whether the engine's own cost per item
grows with what it has read, so the reference is its first blocks; a naive all-pairs
comparison (``benchmarks.engine``) grows with the store by construction and says nothing
about that. ``--unbounded`` runs the same engine with every per-word memo unbounded
(the memos are pure functions of the word, so decisions are the same), to see what the
caps cost in a long run; it is a separate process so both start cold.

Usage: ``python -m benchmarks.longrun [--quick] [--items N] [--block B] [--unbounded]``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from adapters.runtime import tune_gc_for_service
from benchmarks.common import emit, peak_rss_mb, say
from benchmarks.prefill import NewsItem, load_stream, pick_stories
from bot.model import SeedDoc, Story

START = datetime(2026, 1, 1, tzinfo=UTC)


def _rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[1])
    return round(pages * os.sysconf("SC_PAGE_SIZE") / 2**20, 1)


def _unbind_caps() -> None:
    """Make every per-word memo unbounded (``--unbounded``), before any engine exists."""
    import bot.engine.capitals as capitals
    import bot.engine.prior as prior
    import bot.engine.termstats as termstats
    import bot.engine.words as words
    import bot.textnorm as textnorm

    prior.doc_share = lru_cache(maxsize=None)(prior.doc_share.__wrapped__)
    termstats.doc_share = prior.doc_share
    termstats._Shares._CAP = 1 << 62
    words._term = lru_cache(maxsize=None)(words._term.__wrapped__)
    capitals._cap_term = lru_cache(maxsize=None)(capitals._cap_term.__wrapped__)
    textnorm._fold_cached = lru_cache(maxsize=None)(textnorm.fold)


def _memos() -> dict[str, object]:
    import bot.engine.capitals as capitals
    import bot.engine.prior as prior
    import bot.engine.words as words
    import bot.textnorm as textnorm

    return {
        "doc_share": prior.doc_share,
        "term": words._term,
        "cap_term": capitals._cap_term,
        "fold": textnorm._fold_cached,
    }


def _replay(stream: list[NewsItem], n: int):
    """``n`` items: the stream again and again, each pass new ids, URLs and dates."""
    dated = [x.published for x in stream if x.published is not None]
    span = (max(dated) - min(dated)) + timedelta(days=1) if dated else timedelta(days=30)
    from bot.engine.types import EngineDoc

    k = 0
    rep = 0
    while k < n:
        shift = span * rep
        for x in stream:
            if k >= n:
                return
            published = (x.published or START) + shift
            url = f"{x.url}#r{rep}" if x.url else None
            yield EngineDoc(
                id=k + 1_000_000,
                title=x.title,
                text=x.content or x.summary,
                url=url,
                source=x.source,
                published=published,
                seen_at=published,
            )
            k += 1
        rep += 1


def run(total: int, block: int, unbounded: bool) -> dict:
    if unbounded:
        _unbind_caps()
    import bot.engine.termstats as termstats
    from bot.engine import Engine

    stream = load_stream()
    picked, rest = pick_stories(stream, 10)
    engine = Engine()
    for i, (_event, seeds) in enumerate(picked):
        engine.track(
            Story(
                id=i + 1,
                name=f"story-{i}",
                title=seeds[0].title[:200],
                seeds=tuple(
                    SeedDoc(s.title, s.content or s.summary, s.url, s.published) for s in seeds
                ),
                created_at=START,
            )
        )
    memos = _memos()
    # the process tuning `storybot run`, `worker` and `poll` apply after building the app
    tune_gc_for_service()
    say(
        f"longrun: {len(rest)} stream items replayed to {total:,}, 10 stories, blocks of "
        f"{block:,}, per-word memos {'UNBOUNDED' if unbounded else 'as shipped'}"
    )
    before = {k: m.cache_info() for k, m in memos.items()}  # type: ignore[attr-defined]
    blocks = []
    passes: list[dict] = []
    pass_cpu = 0.0
    cpu = wall = 0.0
    done = on_topic = 0
    digest = 0
    for doc in _replay(rest, total):
        c0, w0 = time.process_time(), time.perf_counter()
        verdicts = engine.judge(doc)
        spent = time.process_time() - c0
        cpu += spent
        pass_cpu += spent
        wall += time.perf_counter() - w0
        done += 1
        if done % len(rest) == 0 or done == total:
            n = done - len(rest) * len(passes)
            passes.append({"items": n, "items_per_cpu_s": round(n / pass_cpu, 1)})
            say(
                f"pass {len(passes)} over the stream: {n:,} items, "
                f"{passes[-1]['items_per_cpu_s']} items/CPU-s"
            )
            pass_cpu = 0.0
        for v in verdicts:
            on_topic += v.judgement.on_topic
            digest = (digest * 31 + hash(round(v.judgement.score, 9))) & 0xFFFFFFFF
        if done % block == 0 or done == total:
            n = done - (blocks[-1]["done"] if blocks else 0)
            info = {k: m.cache_info() for k, m in memos.items()}  # type: ignore[attr-defined]
            hit, miss = {}, {}
            for k, i in info.items():
                h, m = i.hits - before[k].hits, i.misses - before[k].misses
                hit[k] = round(h / (h + m), 4) if h + m else None
                miss[k] = m
            before = info
            state_bytes = sum(
                len(json.dumps(engine.snapshot(s), separators=(",", ":"))) for s in engine.tracked()
            )
            row = {
                "done": done,
                "items_per_cpu_s": round(n / cpu, 1),
                "items_per_s": round(n / wall, 1),
                "hit": hit,
                "misses": miss,
                "size": {k: i.currsize for k, i in info.items()}
                | {"shares": len(termstats._SHARES)},
                "df_terms": len(engine._stream.df),
                "state_kb": round(state_bytes / 1024, 1),
                "on_topic": on_topic,
                "rss_mb": _rss_mb(),
            }
            blocks.append(row)
            say(
                f"[{done:>7,}] {row['items_per_cpu_s']:7.1f} items/CPU-s "
                f"{row['items_per_s']:7.1f} items/s | hit "
                + " ".join(f"{k} {v:.3f}" if v is not None else f"{k} -" for k, v in hit.items())
                + f" | doc_share misses {miss['doc_share']}"
                + " | size "
                + " ".join(f"{k} {v}" for k, v in row["size"].items())
                + f" | df {row['df_terms']} | state {row['state_kb']} kB | "
                f"on-topic {on_topic} | RSS {row['rss_mb']} MB"
            )
            cpu = wall = 0.0
            on_topic = 0
    first, last = blocks[0]["items_per_cpu_s"], blocks[-1]["items_per_cpu_s"]
    say(
        f"items/CPU-s first block {first}, last block {last} "
        f"(last/first {last / first:.2f}); peak RSS {peak_rss_mb()} MB"
    )
    return {
        "mode": "unbounded" if unbounded else "shipped",
        "items": total,
        "block": block,
        "blocks": blocks,
        "passes": passes,
        "first_items_per_cpu_s": first,
        "last_items_per_cpu_s": last,
        "last_over_first": round(last / first, 3),
        "score_digest": digest,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="3,000 items in blocks of 1,000")
    ap.add_argument("--items", type=int, help="items judged (default 40,000; quick 3,000)")
    ap.add_argument("--block", type=int, help="items per block (default 2,500; quick 1,000)")
    ap.add_argument(
        "--unbounded", action="store_true", help="every per-word memo unbounded (reference)"
    )
    args = ap.parse_args(argv)
    total = args.items or (3000 if args.quick else 40_000)
    block = args.block or (1000 if args.quick else 2500)
    result = run(total, block, args.unbounded)
    result["quick"] = args.quick
    emit(result)


if __name__ == "__main__":
    main()
