"""Contention: /story writes and operator CLI commands while ``storybot run`` polls.

The question: on one database, does anything fail ("database is locked", a serialization
failure, a deadlock, a traceback), wait too long, or get lost when the poll pipeline
commits its cycles, chat users write at once and an operator runs CLI commands from a
second process?

One event loop runs what ``storybot run`` runs: ``Pipeline.poll_due`` over ``--feeds``
feeds served by a forked process (each request shows one item more, so every cycle stores
and judges new items; interval 5 s), against a store pre-filled with ``--items`` items
(``benchmarks/prefill.py``). Meanwhile ``--users`` users each run, in rounds, the same
sequence of /story commands through ``Commands.handle``: ``subscribe`` twice,
``unsubscribe`` one of them, ``follow`` (even users also ``unfollow``), ``feeds add`` (every
third also ``feeds remove``), and reads (``status``, ``developments``, ``why``). At the end
the store must hold exactly what the replies said (a lost write is counted).

Phases: ``cycles`` (commands while polling), ``prune`` (the same while ``SqlStore.prune``
blanks the old items' text in the same process, as ``storybot prune`` would from cron) and
``cli`` (``storybot feeds add``, ``subscriptions remove`` and ``outbox --retry`` run as
separate processes while polling and while a prune runs: exit codes and stderr).

Write transactions are timed from the moment they hold SQLite's write lock (after ``BEGIN
IMMEDIATE``) to their commit or rollback: ``hold_p50_ms``/``hold_max_ms``.

Usage: ``python -m benchmarks.contention [--backend sqlite|postgresql] [--items N]
[--feeds N] [--users N] [--rounds N]``; the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, text

from adapters.app import build_app
from benchmarks.common import emit, percentile, postgres_database, say
from benchmarks.load import INTERVAL_S, LoadFeedServer
from benchmarks.prefill import add_stories, bulk_feeds, bulk_items, load_stream, pick_stories
from bot.model import CommandRequest
from bot.settings import PollingSettings, Settings
from storage import open_store


class Holds:
    """Times every write transaction from its lock to its end, per thread."""

    def __init__(self, engine: Any) -> None:
        self.durations: list[float] = []
        self.lock = threading.Lock()
        event.listen(engine, "begin", self._begin)
        event.listen(engine, "commit", self._end)
        event.listen(engine, "rollback", self._end)

    def _begin(self, conn: Any) -> None:
        if conn.get_execution_options().get("storybot_begin") == "IMMEDIATE":
            conn.info["held_since"] = time.perf_counter()

    def _end(self, conn: Any) -> None:
        since = conn.info.pop("held_since", None)
        if since is not None:
            with self.lock:
                self.durations.append(time.perf_counter() - since)

    def summary(self, prefix: str, start: int = 0) -> dict[str, Any]:
        mine = self.durations[start:]
        return {
            f"{prefix}_writes": len(mine),
            f"{prefix}_hold_p50_ms": round(percentile(mine, 50) * 1000, 1),
            f"{prefix}_hold_p99_ms": round(percentile(mine, 99) * 1000, 1),
            f"{prefix}_hold_max_ms": round(max(mine, default=0) * 1000, 1),
        }


def _extra(port: int, k: int, r: int) -> str:
    """The feed user ``k`` adds in round ``r`` (a number: the feed server serves it)."""
    return f"http://127.0.0.1:{port}/f/{100_000 + 1000 * r + k}"


class Workload:
    """The users' command sequences and what the store must hold afterwards."""

    def __init__(self, app: Any, story: str, users: int, port: int) -> None:
        self.app, self.story, self.users, self.port = app, story, users, port
        self.latencies: Counter[str] = Counter()
        self.times: list[tuple[str, float]] = []
        self.failures: list[str] = []
        self.expected_subs: dict[str, set[str]] = {}
        self.rounds_done = 0

    async def _cmd(self, k: int, words: str, *, admin: bool = False) -> bool:
        req = CommandRequest(words, "slack", f"U{k}", f"C{k}", is_admin=admin)
        began = time.perf_counter()
        try:
            reply = await self.app.commands.handle(req)
            ok, said = reply.ok, reply.text
        except Exception as exc:  # noqa: BLE001 - counted: handle() promises never to raise
            ok, said = False, f"raised {type(exc).__name__}: {exc}"
        self.times.append((words.split()[0], time.perf_counter() - began))
        if not ok:
            self.failures.append(f"{words!r}: {said[:160]}")
        return ok

    async def user(self, k: int, r: int) -> None:
        subs = self.expected_subs.setdefault(f"U{k}", set())
        if await self._cmd(k, f"subscribe alpha{k}x{r}"):
            subs.add(f"alpha{k}x{r}")
        if await self._cmd(k, f"subscribe beta{k}x{r}"):
            subs.add(f"beta{k}x{r}")
        await self._cmd(k, f"status {self.story}")
        if await self._cmd(k, f"unsubscribe alpha{k}x{r}"):
            subs.discard(f"alpha{k}x{r}")
        await self._cmd(k, f"follow {self.story}", admin=True)
        if k % 2:
            await self._cmd(k, f"unfollow {self.story}", admin=True)
        await self._cmd(k, f"developments {self.story}")
        url = _extra(self.port, k, r)
        await self._cmd(k, f"feeds add {url}", admin=True)
        if k % 3 == 0:
            await self._cmd(k, f"feeds remove {url}", admin=True)
        await self._cmd(k, "why https://prefill.example/item/7")

    async def round(self, r: int) -> None:
        await asyncio.gather(*(self.user(k, r) for k in range(self.users)))
        self.rounds_done += 1

    def lost(self) -> list[str]:
        """What a reply said was done but the store does not hold (or holds undone)."""
        store, out = self.app.store, []
        for user, want in self.expected_subs.items():
            have = {s.query for s in store.list_subscriptions("slack", user)}
            if have != want:
                out.append(f"{user}: subscriptions {sorted(have ^ want)} differ")
        for k in range(self.users):
            followed = [b for b in store.bindings_for_channel("slack", f"C{k}")]
            if bool(followed) == bool(k % 2):
                out.append(f"C{k}: follows {len(followed)} stories")
        urls = {f.url for f in store.list_feeds()}
        for k in range(self.users):
            for r in range(self.rounds_done):
                there = _extra(self.port, k, r) in urls
                if there == (k % 3 == 0):
                    out.append(f"feed extra-{k}-{r}: stored={there}")
        return out

    def summary(self, prefix: str, start: int = 0, failures_start: int = 0) -> dict[str, Any]:
        mine = [t for _, t in self.times[start:]]
        writes = [
            t for name, t in self.times[start:] if name not in ("status", "developments", "why")
        ]
        return {
            f"{prefix}_commands": len(mine),
            f"{prefix}_p50_ms": round(percentile(mine, 50) * 1000, 1),
            f"{prefix}_p99_ms": round(percentile(mine, 99) * 1000, 1),
            f"{prefix}_max_ms": round(max(mine, default=0) * 1000, 1),
            f"{prefix}_write_p50_ms": round(percentile(writes, 50) * 1000, 1),
            f"{prefix}_write_p99_ms": round(percentile(writes, 99) * 1000, 1),
            f"{prefix}_failures": len(self.failures) - failures_start,
        }


def _cli(db_url: str, *words: str) -> tuple[int, float, str]:
    env = dict(
        os.environ,
        STORYBOT_DATABASE_URL=db_url,
        STORYBOT_ALLOWED_HOSTS="127.0.0.1",
        PYTHONPATH=os.getcwd(),
    )
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "adapters.entry", *words],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    last = (done.stderr.strip().splitlines() or [""])[-1]
    return done.returncode, time.perf_counter() - began, last[:200]


@contextmanager
def _database(backend: str, workdir: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{workdir / 'contention.db'}"
        return

    with postgres_database() as url:
        yield url


async def _measure(db_url: str, args: argparse.Namespace, server: LoadFeedServer) -> dict:
    polling = PollingSettings(
        per_host_concurrency=PollingSettings().concurrency,
        default_interval_s=INTERVAL_S,
        min_interval_s=INTERVAL_S,
    )
    settings = Settings(
        database_url=db_url, polling=polling, allowed_hosts=frozenset({"127.0.0.1"})
    )
    app = build_app(settings)
    holds = Holds(app.store.engine)
    story = app.store.list_stories()[0].name
    work = Workload(app, story, args.users, server.port)
    stop = asyncio.Event()
    cycles: list[float] = []
    poll_failures: list[str] = []

    async def poller() -> None:
        while not stop.is_set():
            began = time.perf_counter()
            try:
                await app.pipeline.poll_due()
            except Exception as exc:  # noqa: BLE001 - the service logs it and goes on
                poll_failures.append(f"{type(exc).__name__}: {str(exc)[:200]}")
            cycles.append(time.perf_counter() - began)
            try:
                await asyncio.wait_for(stop.wait(), 0.5)
            except TimeoutError:
                pass

    result: dict[str, Any] = {}
    poll_task = asyncio.create_task(poller())
    await asyncio.sleep(2.0)  # the first cycle is under way
    say("phase cycles ...")
    h0 = len(holds.durations)
    for r in range(args.rounds):
        await work.round(r)
    result.update(work.summary("cycles"))
    result.update(holds.summary("cycles", h0))

    say("phase prune ...")
    while not cycles:  # the first cycle stores the engine's statistics: prune reads them
        await asyncio.sleep(0.5)
    t0, f0, h0 = len(work.times), len(work.failures), len(holds.durations)
    cut = datetime.now(UTC) + timedelta(days=3650)

    def prune() -> tuple[float, Any]:
        began = time.perf_counter()
        report = app.store.prune(cut)
        return time.perf_counter() - began, report

    prune_task = asyncio.create_task(asyncio.to_thread(prune))
    await asyncio.sleep(0.05)
    r = args.rounds
    while not prune_task.done():
        await work.round(r)
        r += 1
    prune_s, report = await prune_task
    result.update(prune_s=round(prune_s, 2), pruned_items=report.items)
    result.update(work.summary("prune", t0, f0))
    result.update(holds.summary("prune", h0))

    say("phase cli ...")
    loop = asyncio.get_running_loop()
    cli_runs: list[tuple[str, int, float, str]] = []
    words_list = [
        ("feeds", "add", f"http://127.0.0.1:{server.port}/f/90000"),
        ("subscriptions", "remove", "--user", "slack:OPS", "--yes"),
        ("outbox", "--retry"),
    ]

    def ops_subscriptions() -> None:
        for q in ("ops one", "ops two"):
            app.store.add_subscription("slack", "OPS", q, None, datetime.now(UTC))

    ops_subscriptions()
    for words in words_list:  # while polling
        code, took, last = await loop.run_in_executor(None, _cli, db_url, *words)
        cli_runs.append((" ".join(words[:2]), code, took, last))
    # while a prune runs: a second prune has text to blank again only if items were
    # stored since; hold the write lock as a long prune would, by pruning with an
    # update of every item's text put back (the same statement shape, the same scan)
    with app.store.engine.begin() as conn:
        conn.execute(text("UPDATE items SET summary = 'back' WHERE summary = ''"))
    ops_subscriptions()
    prune_task = asyncio.create_task(asyncio.to_thread(prune))
    await asyncio.sleep(0.2)
    for words in words_list:
        code, took, last = await loop.run_in_executor(None, _cli, db_url, *words)
        cli_runs.append(("during prune: " + " ".join(words[:2]), code, took, last))
    prune2_s, _ = await prune_task
    result["prune2_s"] = round(prune2_s, 2)
    result["cli"] = [
        {"cmd": c, "exit": code, "s": round(took, 2), "stderr": last}
        for c, code, took, last in cli_runs
    ]

    stop.set()
    await poll_task
    result.update(
        poll_cycles=len(cycles),
        poll_cycle_max_s=round(max(cycles, default=0), 2),
        poll_failures=len(poll_failures),
        poll_failure_first=poll_failures[:1],
        lost_writes=work.lost(),
        failure_examples=work.failures[:5],
    )
    await app.aclose()
    return result


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    p.add_argument("--items", type=int, default=100_000)
    p.add_argument("--feeds", type=int, default=500)
    p.add_argument("--users", type=int, default=40)
    p.add_argument("--rounds", type=int, default=3)
    args = p.parse_args(argv)
    stream = load_stream()
    texts = [(x.title, x.summary or x.content) for x in stream if x.title]
    with (
        tempfile.TemporaryDirectory() as tmp,
        LoadFeedServer(texts) as server,
        _database(args.backend, Path(tmp)) as db_url,
    ):
        say(f"prefilling {args.items} items, {args.feeds} feeds ...")
        store = open_store(db_url)
        stories, rest = pick_stories(stream, 3)
        rows = add_stories(store, stories, datetime(2026, 1, 1, tzinfo=UTC))
        feed_ids = bulk_feeds(store, args.feeds, f"http://127.0.0.1:{server.port}/f/")
        bulk_items(store, args.items, rest, [s.id for s in rows], feed_ids)
        with store.engine.begin() as conn:
            conn.execute(text("UPDATE feeds SET interval_s = :s"), {"s": INTERVAL_S})
        store.close()
        result = asyncio.run(_measure(db_url, args, server))
    result.update(backend=args.backend, items=args.items, feeds=args.feeds, users=args.users)
    emit(result)


if __name__ == "__main__":
    main()
