"""Command latency: ``/story status``, ``/story developments``, ``/story why <url>`` and
``subscriptions``.

Each command goes through the real ``bot.commands.Commands.handle`` (parsing, the
``SqlStore`` queries, formatting) on SQLite (a temporary file) and on PostgreSQL (a
throwaway database with a random name, dropped afterwards), each holding 1M items
(``--quick``: 10k) pre-filled with bulk Core INSERTs: one judgement per item, 10 stories
with 30 developments of 20 items each, 10,000 keyword subscriptions and 1,000 feeds.
``why`` asks about a different stored item each time (on- and off-topic ones);
``developments`` asks for a random page (of 6) of a random story, whose developments
later reports added facts to (the pre-fill's development updates).

Latency is wall-clock per call (``time.perf_counter``) after 5 warm-up calls; p50/p99
over the timed calls. Where a command's p99 misses the 50 ms target, its slowest SQL
statement (captured with SQLAlchemy's cursor events) is printed with its query plan
(SQLite ``EXPLAIN QUERY PLAN``, PostgreSQL ``EXPLAIN ANALYZE``).

``peak_rss_mb``: ``getrusage`` ru_maxrss of this process (the pre-fill included).

Usage: ``python -m benchmarks.commands [--quick] [--items N] [--calls K] [--backends sqlite,postgresql]``.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import random
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import event

from benchmarks.common import emit, peak_rss_mb, percentile, postgres_database, say
from benchmarks.prefill import (
    add_stories,
    bulk_feeds,
    bulk_items,
    bulk_subscriptions,
    load_stream,
    pick_stories,
    subscription_queries,
    vocabulary,
)
from bot.clock import ManualClock
from bot.commands import Commands
from bot.model import CommandRequest
from storage import open_store

TARGET_MS = 50.0


@contextmanager
def _sqlite_database(workdir: Path) -> Iterator[str]:
    path = workdir / "commands.db"
    try:
        yield f"sqlite:///{path}"
    finally:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


class StatementLog:
    """Captures the SQL statements run on an engine, with their durations."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.active = False
        self.statements: list[tuple[float, str, Any]] = []
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany) -> None:
        conn.info["bench_t0"] = time.perf_counter()

    def _after(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if self.active:
            self.statements.append(
                (time.perf_counter() - conn.info["bench_t0"], statement, parameters)
            )

    def explain_slowest(self) -> str:
        """Replay each captured SELECT (execute + fetch all) and explain the slowest two.

        Cursor events time ``execute`` only, and SQLite does its work while rows are
        fetched, so each statement is timed again here, rows included.
        """
        replayed = []
        with self.engine.connect() as conn:
            for _, statement, params in self.statements:
                if not statement.lstrip().upper().startswith("SELECT"):
                    continue
                started = time.perf_counter()
                conn.exec_driver_sql(statement, params).fetchall()
                replayed.append((time.perf_counter() - started, statement, params))
            if not replayed:
                return "(no SELECT captured)"
            prefix = (
                "EXPLAIN ANALYZE "
                if self.engine.dialect.name == "postgresql"
                else "EXPLAIN QUERY PLAN "
            )
            out = [
                (
                    f"  {len(self.statements)} statements; {len(replayed)} SELECTs replayed in "
                    f"{sum(r[0] for r in replayed) * 1000:.1f} ms (rows fetched)"
                )
            ]
            for duration, statement, params in sorted(replayed, key=lambda r: -r[0])[:2]:
                rows = conn.exec_driver_sql(prefix + statement, params).fetchall()
                plan = "\n".join("      " + " | ".join(str(c) for c in row) for row in rows)
                out.append(
                    f"  {duration * 1000:.1f} ms: {' '.join(statement.split())[:700]}\n"
                    f"    params: {str(params)[:200]}\n    plan:\n{plan}"
                )
        return "\n".join(out)


def _prefill(url: str, n_items: int) -> tuple[Any, list[str], list[str]]:
    """Build the store; returns (store, story names, item URLs to ask `why` about)."""
    store = open_store(url)
    stream = load_stream()
    stories, rest = pick_stories(stream, 10)
    rng = random.Random(11)
    now = datetime(2026, 3, 1, tzinfo=UTC)
    story_rows = add_stories(store, stories, now)
    feed_ids = bulk_feeds(store, 1000)
    words = vocabulary(rest)
    bulk_subscriptions(
        store, list(subscription_queries(words, 10_000, rng)), [s.id for s in story_rows], rng
    )
    for q in ("pentagon AND contract", '"supply chain"', "missile OR launch"):
        store.add_subscription("console", "asker", q, None, now)
    bulk_items(store, n_items, rest, [s.id for s in story_rows], feed_ids)
    urls = [f"https://prefill.example/item/{rng.randrange(n_items)}" for _ in range(2000)]
    return store, [s.name for s in story_rows], urls


async def _latencies(commands: Commands, texts: list[str]) -> list[float]:
    out = []
    for t in texts:
        req = CommandRequest(text=t, platform="console", user_id="asker", channel_id="channel-0")
        started = time.perf_counter()
        reply = await commands.handle(req)
        out.append((time.perf_counter() - started) * 1000)
        if not reply.ok:
            raise RuntimeError(f"/story {t} failed: {reply.text[:200]}")
    return out


def _profile(commands: Commands, texts: list[str]) -> str:
    prof = cProfile.Profile()
    prof.enable()
    asyncio.run(_latencies(commands, texts))
    prof.disable()
    out = io.StringIO()
    stats = pstats.Stats(prof, stream=out).sort_stats("cumulative")
    stats.print_stats(r"/(bot|storage|adapters)/", 12)
    return "\n".join(line for line in out.getvalue().splitlines() if line.strip())


def _run_backend(backend: str, url: str, n_items: int, calls: int) -> dict[str, dict[str, float]]:
    t0 = time.perf_counter()
    store, names, urls = _prefill(url, n_items)
    say(f"[{backend}] pre-filled {n_items:,} items in {time.perf_counter() - t0:.1f}s")
    commands = Commands(store, ManualClock(datetime(2026, 3, 2, tzinfo=UTC)))
    log = StatementLog(store.engine)
    rng = random.Random(5)
    workloads = {
        "status": [f"status {rng.choice(names)}" for _ in range(calls + 5)],
        "developments": [
            f"developments {rng.choice(names)} {rng.randint(1, 6)}" for _ in range(calls + 5)
        ],
        "why": [f"why {u}" for u in urls[: calls + 5]],
        "subscriptions": ["subscriptions"] * (calls + 5),
    }
    out: dict[str, dict[str, float]] = {}
    try:
        for name, texts in workloads.items():
            asyncio.run(_latencies(commands, texts[:5]))
            ms = asyncio.run(_latencies(commands, texts[5:]))
            p50, p99 = percentile(ms, 50), percentile(ms, 99)
            out[name] = {
                "p50_ms": round(p50, 2),
                "p99_ms": round(p99, 2),
                "mean_ms": round(statistics.fmean(ms), 2),
            }
            say(
                f"[{backend}] {name:>13}: p50 {p50:7.2f} ms  p99 {p99:7.2f} ms  ({len(ms)} calls)"
                + ("" if p99 <= TARGET_MS else "  MISSES the 50 ms target")
            )
            if p99 > TARGET_MS:
                log.statements.clear()
                log.active = True
                asyncio.run(_latencies(commands, texts[:1]))
                log.active = False
                say(f"[{backend}] slow {name}:\n{log.explain_slowest()}")
                say(
                    f"[{backend}] where {name} spends its time (cProfile, 10 calls):\n"
                    + _profile(commands, texts[:10])
                )
    finally:
        store.close()
    return out


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="10k items, 50 calls per command")
    ap.add_argument("--items", type=int, help="stored items (default 1,000,000; quick 10,000)")
    ap.add_argument("--calls", type=int, help="timed calls per command (default 300; quick 50)")
    ap.add_argument("--backends", default="sqlite,postgresql")
    args = ap.parse_args(argv)
    n_items = args.items or (10_000 if args.quick else 1_000_000)
    calls = args.calls or (50 if args.quick else 300)
    say(f"commands benchmark: {n_items:,} items, {calls} timed calls per command")
    p99: dict[str, dict[str, float]] = {}
    p50: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for backend in args.backends.split(","):
            db = _sqlite_database(Path(tmp)) if backend == "sqlite" else postgres_database()
            with db as url:
                res = _run_backend(backend, url, n_items, calls)
            p99[backend] = {k: v["p99_ms"] for k, v in res.items()}
            p50[backend] = {k: v["p50_ms"] for k, v in res.items()}
    worst = max(v for per in p99.values() for v in per.values())
    say(
        f"worst p99 {worst:.1f} ms; target <= {TARGET_MS:g} ms: {'met' if worst <= TARGET_MS else 'NOT met'}"
    )
    emit(
        {
            "mode": "quick" if args.quick else "full",
            "items": n_items,
            "calls": calls,
            "p99_ms": p99,
            "p50_ms": p50,
            "peak_rss_mb": peak_rss_mb(),
        }
    )


if __name__ == "__main__":
    main()
