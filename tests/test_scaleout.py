"""Scale-out for real: three ``storybot worker`` processes share one PostgreSQL database.

A local feed server serves several feeds whose content changes in phases (copies of the
seed story and unrelated news, then new developments, then more reports of them); a fake
Slack at the wire receives the alerts and keyword notices. The worker that sends the first
post is SIGKILLed while Slack holds the answer, so the post is on Slack but not recorded.
At the end:

* every feed was polled, and never twice within one poll interval (except the one poll a
  killed worker may have left half done);
* every outbox message reached Slack exactly once (counted by idempotency key on the fake),
  including the one whose sender was killed: it was found by its key, not posted again;
* every item was judged, and each development was opened by exactly one item, its first.

Real processes, real PostgreSQL, real HTTP; the only fakes are the feed server and Slack.
Waiting is polling the shared database and the fakes with a deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import secrets
import signal
import time
from collections import defaultdict
from datetime import UTC, datetime
from email.utils import format_datetime
from itertools import pairwise
from pathlib import Path

import pytest
from checkout import STORYBOT, code_env
from fakes.slack_server import FakeSlack
from feedserver import FeedServer
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError
from store_fixtures import PG_SKIP_ENV, _pg_admin_url
from storyworld import as_entry as _as_entry
from storyworld import feed_of, samples

from adapters.demo import seed_files
from adapters.seeds import load_seed
from bot.model import DeliveryMode
from storage import open_store

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

INTERVAL_S = 5  # every feed's poll interval
N_FEEDS = 6
WORKERS = 3
DEADLINE_S = 100  # the whole scenario
CHANNEL = "C0NEWS"
USER = "U1"


# --------------------------------------------------------------------------- fakes


class TimedFeedServer(FeedServer):
    """The feed server, also noting when each request arrived."""

    def __init__(self) -> None:
        super().__init__()
        self.times: dict[str, list[float]] = defaultdict(list)

    async def _respond(self, request):
        with self._lock:
            self.times[request.path].append(time.time())
        return await super()._respond(request)


class HoldingSlack(FakeSlack):
    """Fake Slack that can hold the answer to one post (the sender dies meanwhile).

    Build it with ``ts_clock=time.time``: Slack's ``ts`` is the Unix time of the message,
    and recovery searches the history from the outbox row's ``post_started_at``.
    """

    def __post_init__(self) -> None:
        super().__post_init__()
        self.hold_channel: str | None = None  # hold the answer to the first post here
        self.held: list[tuple[str, str]] = []  # (token, ts) of the post whose answer was held

    async def _web_api(self, request):
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        response = await super()._web_api(request)
        if (
            request.match_info["method"] == "chat.postMessage"
            and self.hold_channel
            and not self.held
        ):
            body = json.loads(response.body)
            # an alert (it carries its outbox key), not an alert's threaded note
            alert = bool((body.get("message") or {}).get("metadata"))
            if body.get("ok") and body.get("channel") == self.hold_channel and alert:
                self.held.append((token, body["ts"]))
                await self._notify()
                await asyncio.sleep(60)  # the message is on Slack; its sender dies meanwhile
        return response


# --------------------------------------------------------------------------- fixtures


@pytest.fixture
def pg_db_url():
    """A brand-new PostgreSQL database for this test; dropped afterwards."""
    if os.environ.get(PG_SKIP_ENV) == "1":
        pytest.skip(f"{PG_SKIP_ENV}=1: PostgreSQL tests skipped")
    admin_url = _pg_admin_url()
    name = f"storybot_scaleout_{secrets.token_hex(6)}"
    _admin_execute(admin_url, f'CREATE DATABASE "{name}"')
    try:
        yield admin_url.set(drivername="postgresql", database=name).render_as_string(
            hide_password=False
        )
    finally:
        _admin_execute(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _admin_execute(admin_url, sql: str, attempts: int = 40) -> None:
    """Run ``sql`` on the admin database, waiting out a PostgreSQL restart (other suites
    restart the shared server to test recovery)."""
    for attempt in range(attempts):
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.execute(text(sql))
            return
        except OperationalError:
            if attempt == attempts - 1:
                raise
            time.sleep(0.5)  # fixture code, not the test: the server is coming back
        finally:
            admin.dispose()


@pytest.fixture
def timed_feed_server():
    server = TimedFeedServer().start()
    try:
        yield server
    finally:
        server.stop()


# --------------------------------------------------------------------------- helpers


def _config(tmp_path: Path) -> Path:
    path = tmp_path / "scaleout.toml"
    path.write_text(
        "[polling]\n"
        "tick_seconds = 1\n"
        f"default_interval_s = {INTERVAL_S}\n"
        f"min_interval_s = {INTERVAL_S}\n"
        "[delivery]\n"
        "tick_seconds = 1\n",
        encoding="utf-8",
    )
    return path


def _log_file(path: Path):
    return path.open("wb")  # closed by the test


async def _start_worker(i: int, db_url: str, slack: FakeSlack, config: Path, tmp_path: Path):
    env = code_env(
        {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("SLACK_", "DISCORD_", "STORYBOT_"))
        }
    )
    env.update(
        STORYBOT_DATABASE_URL=db_url,
        STORYBOT_ALLOWED_HOSTS="127.0.0.1",
        SLACK_BOT_TOKEN=f"xoxb-worker-{i}",
        STORYBOT_SLACK_API_URL=slack.base_url,
    )
    log = _log_file(tmp_path / f"worker{i}.log")
    proc = await asyncio.create_subprocess_exec(
        *STORYBOT,
        "--config",
        str(config),
        "worker",
        # The last worker leaves polling to the others: queues are a deployment choice.
        "--queues",
        "engine,deliver" if i == WORKERS - 1 else "poll,engine,deliver",
        "--concurrency",
        "3",
        "--heartbeat",
        "1",
        "--stalled-after",
        "4",
        env=env,
        cwd=str(tmp_path),
        stdout=log,
        stderr=asyncio.subprocess.STDOUT,
    )
    return proc, log


async def _until(predicate, what: str, deadline: float, step: float = 0.3):
    while not _holds(predicate):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        await asyncio.sleep(step)


def _holds(predicate) -> bool:
    try:
        return bool(predicate())
    except OperationalError:  # the shared server restarted under us: ask again
        return False


def _scalar(db, sql: str) -> int:
    with db.connect() as conn:
        return int(conn.execute(text(sql)).scalar() or 0)


def _publish(server: TimedFeedServer, feeds: dict[str, list]) -> float:
    """Serve new feed contents; returns when every feed serves them (a request after it does)."""
    for i, (path, entries) in enumerate(feeds.items()):
        # A changed body takes longer than a scheduler tick to arrive, so another poll of
        # the feed is queued meanwhile; it must find the feed not due when its turn comes.
        server.add_feed(path, feed_of(*entries, title=f"Outlet {i}"), etag=True, drip_s=1.5)
    return time.time()


def _phases() -> list[dict[str, list]]:
    """Feed contents over time: each phase adds entries to some feeds (published now)."""
    when = format_datetime(datetime.now(UTC), usegmt=True)

    def as_entry(item: dict, n: int):
        return _as_entry(item, n, published=when)

    paths = [f"/feed{i}.xml" for i in range(N_FEEDS)]
    copies = samples("copy", "seed")
    unrelated = samples("unrelated")
    devs = ("talks-deal", "designation-dropped", "congress-hearing")
    first = [samples("development", d)[0] for d in devs]
    later = [x for d in devs for x in samples("copy", d) + samples("update", d)]
    feeds: dict[str, list] = {p: [] for p in paths}
    for n, item in enumerate(copies[:N_FEEDS] + unrelated[:N_FEEDS]):
        feeds[paths[n % N_FEEDS]].append(as_entry(item, n))
    phase1 = {p: list(e) for p, e in feeds.items()}
    for n, item in enumerate(first):
        feeds[paths[n % N_FEEDS]].append(as_entry(item, 100 + n))
    phase2 = {p: list(e) for p, e in feeds.items()}
    for n, item in enumerate(later + unrelated[N_FEEDS:]):
        feeds[paths[(n + 3) % N_FEEDS]].append(as_entry(item, 200 + n))
    phase3 = {p: list(e) for p, e in feeds.items()}
    return [phase1, phase2, phase3]


# --------------------------------------------------------------------------- the test


async def test_three_workers_poll_judge_and_deliver_once_despite_a_sigkill(
    pg_db_url, timed_feed_server, tmp_path
):
    started = time.monotonic()
    deadline = started + DEADLINE_S
    server = timed_feed_server
    slack = HoldingSlack(ts_clock=time.time)
    await slack.start()
    now = datetime.now(UTC)

    # The story, its Slack channel, a keyword subscription (DM notices) and the feeds.
    store = open_store(pg_db_url)
    seeds = [load_seed(str(p)) for p in seed_files()]
    story = store.add_story("demo", seeds[0].title, seeds, now)
    store.bind(story.id, "slack", CHANNEL, DeliveryMode.REALTIME, 24, now)
    store.add_subscription("slack", USER, "pentagon", None, now)
    phases = _phases()
    _publish(server, phases[0])
    paths = list(phases[0])
    for path in paths:
        store.add_feed(server.url(path), now, interval_s=INTERVAL_S)
    store.close()
    db = create_engine(
        pg_db_url.replace("postgresql://", "postgresql+psycopg://", 1), pool_pre_ping=True
    )

    config = _config(tmp_path)
    workers = [await _start_worker(i, pg_db_url, slack, config, tmp_path) for i in range(WORKERS)]
    killed: int | None = None
    kill_at = 0.0
    try:
        # Phase 1: everything polled and judged once.
        await _until(lambda: all(server.hits(p) for p in paths), "every feed was polled", deadline)
        n1 = sum(len(v) for v in phases[0].values())
        await _until(
            lambda: _scalar(db, "SELECT count(DISTINCT item_id) FROM judgements") >= n1,
            "phase 1 items were judged",
            deadline,
        )

        # Phase 2: new developments. The sender of the first alert is killed while Slack
        # holds the answer: the alert is on Slack, the outbox does not know its id.
        slack.hold_channel = CHANNEL
        _publish(server, phases[1])
        changed = 0.0
        try:
            await slack.wait_for(lambda: slack.held, timeout=3 * INTERVAL_S)
        except TimeoutError:  # the engine waited for a second report: phase 3 brings it
            changed = _publish(server, phases[2])
            await slack.wait_for(lambda: slack.held, timeout=max(1.0, deadline - time.monotonic()))
        killed = int(slack.held[0][0].rsplit("-", 1)[1])
        proc, _ = workers[killed]
        proc.send_signal(signal.SIGKILL)
        await proc.wait()
        kill_at = time.time()

        # Phase 3: more reports of the developments (edits) and more news.
        if not changed:
            await asyncio.sleep(INTERVAL_S)  # let phase 2 be polled first
            changed = _publish(server, phases[2])

        def polled_since_change() -> bool:
            # A poll whose request reached the server after the change, and was recorded:
            # a poll that fetched the old body but was recorded after the change (a slow
            # body) does not count, or the last items would arrive after the checks below.
            with db.connect() as conn:
                polled = dict(
                    conn.execute(
                        text("SELECT url, extract(epoch FROM last_polled_at) FROM feeds")
                    ).all()
                )
            for path in paths:
                fetched = [t for t in server.times[path] if t > changed]
                recorded = polled.get(server.url(path))
                if not fetched or recorded is None or float(recorded) <= min(fetched):
                    return False
            return True

        await _until(polled_since_change, "every feed was polled after the last change", deadline)
        await _until(
            lambda: (
                _scalar(
                    db,
                    "SELECT count(*) FROM procrastinate_jobs WHERE queue_name = "
                    "'engine' AND status IN ('todo', 'doing')",
                )
                == 0
            ),
            "no judging job is left",
            deadline,
        )

        def n_items() -> int:
            return _scalar(db, "SELECT count(*) FROM items")

        await _until(
            lambda: (
                n_items() > 0
                and _scalar(
                    db,
                    "SELECT count(*) FROM items i WHERE NOT EXISTS "
                    "(SELECT 1 FROM judgements j WHERE j.item_id = i.id)",
                )
                == 0
            ),
            "every item was judged",
            deadline,
        )
        await _until(
            lambda: (
                _scalar(
                    db, "SELECT count(*) FROM outbox WHERE delivered_version < version AND NOT dead"
                )
                == 0
            ),
            "the outbox was delivered",
            deadline,
        )
        for i, (proc, _) in enumerate(workers):
            assert i == killed or proc.returncode is None, f"worker {i} died on its own"
    finally:
        for proc, _log in workers:
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
        for proc, log in workers:
            try:
                await asyncio.wait_for(proc.wait(), 15)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):  # it may have exited meanwhile
                    proc.kill()
                await proc.wait()
            log.close()
        await slack.stop()
    elapsed = time.monotonic() - started
    logs = {i: (tmp_path / f"worker{i}.log").read_text(errors="replace") for i in range(WORKERS)}

    # The survivors stopped cleanly on SIGTERM.
    for i, (proc, _) in enumerate(workers):
        if i != killed:
            assert proc.returncode == 0, f"worker {i} exit {proc.returncode}:\n{logs[i][-3000:]}"

    # Every feed polled; never twice within an interval, but for a poll the kill cut short.
    for path in paths:
        times = server.times[path]
        assert times, f"{path} never polled"
        early = [(a, b) for a, b in pairwise(times) if b - a < INTERVAL_S - 0.2]
        cut_short = [(a, b) for a, b in early if a <= kill_at <= b]
        assert len(early) == len(cut_short) <= 1, f"{path} polled too often: {early}"

    # Every outbox message reached Slack exactly once, by idempotency key.
    with db.connect() as conn:
        rows = conn.execute(
            text("SELECT key, message_id, delivered_version, version, dead FROM outbox")
        ).all()
    undelivered = [r for r in rows if r.delivered_version != r.version or r.dead]
    assert rows and not undelivered, (undelivered, {i: log[-2000:] for i, log in logs.items()})
    posted: dict[str, list[str]] = defaultdict(list)
    for messages in slack.messages.values():
        for m in messages:
            key = ((m.get("metadata") or {}).get("event_payload") or {}).get("key")
            if key:
                posted[key].append(m["ts"])
    assert {r.key for r in rows} == set(posted)
    assert {k: len(v) for k, v in posted.items() if len(v) != 1} == {}
    assert all(posted[r.key] == [r.message_id] for r in rows)
    held_ts = slack.held[0][1]
    held_key = next(k for k, ts in posted.items() if held_ts in ts)
    assert held_key.startswith("alert:")
    assert len(posted[held_key]) == 1, "the post whose sender was killed was not posted again"

    # Every item judged; each development opened by one item, its first.
    with db.connect() as conn:
        devs = conn.execute(
            text(
                "SELECT development, count(*) FILTER (WHERE new_development) AS opened, "
                "min(id) AS first_id, min(id) FILTER (WHERE new_development) AS opener_id "
                "FROM judgements WHERE on_topic AND development > 0 GROUP BY development "
                "ORDER BY development"
            )
        ).all()
        dev_rows = (
            conn.execute(text("SELECT number FROM developments WHERE number > 0 ORDER BY number"))
            .scalars()
            .all()
        )
        stalled = conn.execute(
            text(
                "SELECT task_name, status, attempts FROM procrastinate_jobs "
                "WHERE status <> 'succeeded' OR attempts > 0"
            )
        ).all()
    assert [d.development for d in devs] == list(dev_rows) == list(range(1, len(dev_rows) + 1))
    for d in devs:
        assert d.opened == 1 and d.opener_id == d.first_id, f"development {d.development}: {d}"
    alerts = {r.key for r in rows if r.key.startswith("alert:")}
    assert alerts == {f"alert:{story.id}:{n}:slack:{CHANNEL}" for n in dev_rows}
    senders = defaultdict(int)
    for c in slack.calls_to("chat.postMessage") + slack.calls_to("chat.update"):
        senders[c.token] += 1
    print(
        f"\nscale-out: {len(paths)} feeds, hits {[server.hits(p) for p in paths]}, "
        f"{n_items()} items, {len(dev_rows)} developments, {len(rows)} outbox rows "
        f"({len(alerts)} alerts), worker {killed} killed; jobs left: {stalled}; "
        f"chat.update calls {len(slack.calls_to('chat.update'))}; "
        f"posts+edits by token {dict(senders)}; {elapsed:.1f}s"
    )
    db.dispose()


async def test_a_worker_survives_its_database_going_away(pg_db_url, timed_feed_server, tmp_path):
    """The worker's database refuses connections for a few seconds and every connection is
    cut (as a PostgreSQL restart would do): procrastinate stops the worker when its
    heartbeat fails, ``storybot worker`` starts it again, and polling goes on."""
    deadline = time.monotonic() + 60
    server = timed_feed_server
    slack = HoldingSlack(ts_clock=time.time)
    await slack.start()
    now = datetime.now(UTC)
    store = open_store(pg_db_url)
    paths = ["/a.xml", "/b.xml"]
    for i, path in enumerate(paths):
        server.add_feed(path, feed_of(_as_entry(samples("unrelated")[i], i)), etag=True)
        store.add_feed(server.url(path), now, interval_s=INTERVAL_S)
    store.close()
    name = pg_db_url.rsplit("/", 1)[1]
    admin = create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    proc, log = await _start_worker(0, pg_db_url, slack, _config(tmp_path), tmp_path)
    try:
        await _until(lambda: all(server.hits(p) for p in paths), "both feeds were polled", deadline)
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false'))
            cut = conn.execute(
                text(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = :name"
                ),
                {"name": name},
            ).scalar()
        await asyncio.sleep(4)  # the database is unreachable for a few heartbeats
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true'))
        cut_at = time.time()
        assert cut, "the worker had connections to cut"
        await _until(
            lambda: all(any(t > cut_at for t in server.times[p]) for p in paths),
            "both feeds were polled again after the cut",
            deadline,
        )
        assert proc.returncode is None, "the worker process is still running"
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), 15)
        except TimeoutError:
            proc.kill()
            await proc.wait()
        log.close()
        await slack.stop()
        _admin_execute(_pg_admin_url(), f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
        admin.dispose()
    output = (tmp_path / "worker0.log").read_text(errors="replace")
    assert proc.returncode == 0, output[-3000:]
    restarts = output.count("restarting in")
    assert restarts >= 1, output[-3000:]
    print(f"\nconnections cut: {cut}; worker restarts logged: {restarts}")
