"""``storybot health`` tells at once that the database cannot be written now.

It judged polling by how long due feeds had waited (``--max-age``, 15 min), so for the
first minutes of a full disk or of a write lock held by another process it said "ok"
while every poll cycle failed to store anything. Now the database line is a problem from
the first failed write: a running service's note in its poller lock file (see
``storage.write_state``), or health's own probe of the write lock. Real SQLite files;
the lock is held by a second connection the test opens and closes, with a busy timeout
of 0 (no wait on the real clock); a full disk is a running ``storybot run`` whose files
may not grow (``resource.prlimit``).
"""

from __future__ import annotations

import io
import os
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from feedbuilder import entry, rss
from feedserver import FeedServer, feed_server  # noqa: F401  (fixture)

import storage.engine
from adapters.app import build_app
from adapters.health import health
from bot.clock import ManualClock
from bot.ports import StoreBusy
from bot.scheduler import Service, Ticks
from bot.settings import load_settings
from storage import open_store
from storage.poller_lock import poller_lock
from storage.write_state import NOTE_SIZE, WriteWatch, note_path, note_record, write_failure

T0 = datetime(2026, 3, 5, 10, 0, tzinfo=UTC)


def _settings(url: str):
    return load_settings(env={"STORYBOT_DATABASE_URL": url, "STORYBOT_ALLOWED_HOSTS": "127.0.0.1"})


def _health(url: str, now: datetime) -> tuple[int, str]:
    out = io.StringIO()
    code = health(_settings(url), now=now, out=out)
    return code, out.getvalue()


def _database_line(text: str) -> str:
    return next(line for line in text.splitlines() if " database: " in line)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'storybot.db'}"
    open_store(url).close()
    yield url


@pytest.fixture
def no_busy_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(storage.engine, "BUSY_TIMEOUT_MS", 0)  # no wait on the real clock


def _hold(path: Path) -> sqlite3.Connection:
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    return holder


def test_a_write_lock_another_process_holds_is_a_problem_at_once(
    db: str, tmp_path: Path, no_busy_wait: None
) -> None:
    code, out = _health(db, T0)
    assert code == 0 and _database_line(out).startswith("ok database: "), out
    holder = _hold(tmp_path / "storybot.db")
    try:
        code, out = _health(db, T0)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    line = _database_line(out)
    assert code == 1, out
    assert line.startswith("problem database: ") and "cannot be written now" in line, line
    assert "database is locked" in line and "another process" in line, line
    assert "ok polling" in out  # the rest is still read and told
    code, out = _health(db, T0)
    assert code == 0 and _database_line(out).startswith("ok database: "), out


def test_a_database_file_with_a_hard_link_is_a_warning(db: str, tmp_path: Path) -> None:
    # two names keep two journals (SQLite resolves only symbolic links) and two poller
    # lock files: said, without failing the check (exit 0); --strict makes it a problem
    path = tmp_path / "storybot.db"
    (tmp_path / "copy-by-link.db").hardlink_to(path)
    code, out = _health(db, T0)
    line = _database_line(out)
    assert code == 0, out
    assert line.startswith(f"warning database: {path} "), line
    assert "answers, but its file has another name (a hard link)" in line, line
    assert "keep one name" in line, line
    out_strict = io.StringIO()
    assert health(_settings(db), now=T0, out=out_strict, strict=True) == 1
    (tmp_path / "copy-by-link.db").unlink()
    (tmp_path / "by-symlink.db").symlink_to(path)
    code, out = _health(db, T0)
    assert code == 0 and _database_line(out).startswith(f"ok database: {path} "), out


@pytest.mark.parametrize("read_only", ["mode=ro", "immutable=1"])
def test_a_url_that_opens_the_file_read_only_is_a_problem(
    db: str, tmp_path: Path, read_only: str
) -> None:
    # SQLite takes the write lock through such a connection: the probe alone said "ok"
    path = tmp_path / "storybot.db"
    code, out = _health(f"sqlite:///file:{path}?{read_only}&uri=true", T0)
    line = _database_line(out)
    assert code == 1, out
    assert line.startswith(f"problem database: {path} ") and f"read-only ({read_only})" in line
    assert f"drop {read_only} from the URL" in line, line
    code, out = _health(f"sqlite:///file:{path}?uri=true", T0)  # the same file, writable
    assert code == 0 and _database_line(out).startswith(f"ok database: {path} "), out


async def test_a_service_whose_poll_cannot_write_notes_it_and_health_tells_it(
    db: str,
    tmp_path: Path,
    no_busy_wait: None,
    feed_server: FeedServer,  # noqa: F811
) -> None:
    """The service's own failure, since when and why; gone once its poll works again."""
    feed = feed_server.add_feed("/news.xml", rss([entry(0, title="Harbour reopens")]))
    clock = ManualClock(T0)
    app = build_app(_settings(db), clock=clock)
    app.store.add_feed(feed, T0 - timedelta(hours=1), interval_s=900)
    with poller_lock(app.store.engine, "storybot run") as lock:  # type: ignore[attr-defined]
        service = Service(
            app.pipeline,
            app.delivery,
            app.store,
            clock,
            Ticks(poll_s=3600, deliver_s=3600, digest_s=3600),
            on_outcome=WriteWatch(lock.note_writes, clock.now),
        )
        service.start(at_once=False)
        try:
            holder = _hold(tmp_path / "storybot.db")
            try:
                await service.run_now("poll")
                clock.advance(minutes=2)
                await service.run_now("poll")  # still failing: since the first failure
            finally:
                holder.execute("ROLLBACK")
                holder.close()
            # the lock is free now (no probe would see anything): the note tells
            code, out = _health(db, T0 + timedelta(minutes=3))
            line = _database_line(out)
            assert code == 1, out
            assert f"storybot run (pid {os.getpid()}) cannot write it" in line, line
            assert "its poll job has failed since 2026-03-05 10:00 UTC (3 min ago)" in line, line
            assert "database is locked" in line, line
            await service.run_now("poll")  # it can write again
            code, out = _health(db, T0 + timedelta(minutes=4))
            assert _database_line(out).startswith("ok database: "), out
            assert app.store.count_items() == 1
        finally:
            await service.stop()
            await app.aclose()
            app.store.close()


def test_a_note_left_by_a_process_that_has_ended_is_not_a_problem(db: str, tmp_path: Path) -> None:
    """A service that crashed with a failure noted: the polling check tells a stopped
    service; its last note must not make a healthy database look unwritable for good."""
    ended = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    pid = int(ended.stdout)
    record = note_record("storybot run", ("poll", T0, "database or disk is full"))
    note_path(tmp_path / "storybot.db").write_bytes(
        record.replace(f'"pid": {os.getpid()}'.encode(), f'"pid": {pid}'.encode()).ljust(NOTE_SIZE)
    )
    code, out = _health(db, T0)
    assert code == 0 and _database_line(out).startswith("ok database: "), out


@pytest.mark.parametrize(
    ("error", "said"),
    [
        (StoreBusy("the database is locked by another writer"), "database is locked"),
        (RuntimeError("a bug"), None),
        (ValueError("a feed's bad date"), None),
    ],
)
def test_only_errors_of_writing_count(error: Exception, said: str | None) -> None:
    reason = write_failure(error)
    assert (reason is None) if said is None else (said in (reason or "")), reason


def test_a_job_failing_for_another_reason_keeps_the_note_as_it_was() -> None:
    notes: list[object] = []
    now = iter([T0, T0 + timedelta(minutes=1), T0 + timedelta(minutes=2)])
    watch = WriteWatch(notes.append, lambda: next(now))
    watch("poll", StoreBusy("locked"))
    watch("poll", StoreBusy("locked"))  # the same: not rewritten
    watch("deliver", RuntimeError("a platform's odd answer"))  # tells nothing of writes
    watch("deliver", None)  # works: poll still cannot write
    assert len(notes) == 1 and notes[0][:2] == ("poll", T0)  # type: ignore[index]
    watch("poll", None)
    assert notes[-1] is None


def _without_room_after(pid: int, limit: int) -> int:
    import resource

    _, hard = resource.prlimit(pid, resource.RLIMIT_FSIZE)
    resource.prlimit(pid, resource.RLIMIT_FSIZE, (limit, hard))
    return hard


@pytest.mark.slow
def test_health_says_at_once_that_a_running_service_meets_a_full_disk(
    tmp_path: Path,
    feed_server: FeedServer,  # noqa: F811
) -> None:
    """A real ``storybot run`` whose files may not grow past 4 KiB (as on a full disk):
    its first failed poll makes health's database line a problem naming the disk, long
    before feeds have waited ``--max-age``; once there is room it is ok again."""
    import resource
    import signal

    from checkout import ROOT
    from faults import FAST_CONFIG, service_env

    if not hasattr(resource, "prlimit"):
        pytest.skip("needs resource.prlimit (Linux) to limit the running service's files")
    url = f"sqlite:///{tmp_path / 'storybot.db'}"
    store = open_store(url)
    feed = feed_server.add_feed("/news.xml", rss([entry(0, title="zebra one")]))
    store.add_feed(feed, datetime.now(UTC), interval_s=2)
    store.close()
    config = tmp_path / "fast.toml"
    config.write_text(FAST_CONFIG)
    log = tmp_path / "run.log"
    with open(log, "wb") as output:
        proc = subprocess.Popen(
            [sys.executable, "-m", "adapters.cli", "--config", str(config), "run"],
            env=service_env(url, {}),
            cwd=ROOT,
            stdout=output,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )

    def wait_for(what: str, predicate) -> None:
        deadline = time.monotonic() + 60
        while not predicate():
            assert proc.poll() is None, log.read_text()
            assert time.monotonic() < deadline, f"no {what}: {log.read_text()[-3000:]}"
            time.sleep(0.2)

    def items() -> int:
        reader = open_store(url, create=False, writable=False, start=False)
        try:
            return reader.count_items()
        finally:
            reader.close()

    try:
        wait_for("first item", lambda: items() == 1)
        hard = _without_room_after(proc.pid, 4096)  # the disk is full
        feed_server.add_feed(
            "/news.xml", rss([entry(0, title="zebra one"), entry(1, title="zebra two")])
        )
        wait_for("failed poll", lambda: "poll job failed" in log.read_text())
        code, out = _health(url, datetime.now(UTC))
        line = _database_line(out)
        assert code == 1, out
        assert f"storybot run (pid {proc.pid}) cannot write it: its poll job" in line, line
        assert "disk is full" in line or "disk I/O error" in line, line
        assert "free some space" in line, line
        assert "ok polling" in out, out  # what the polling line alone still said
        resource.prlimit(proc.pid, resource.RLIMIT_FSIZE, (hard, hard))  # room again
        wait_for("poll that works again", lambda: "poll job works again" in log.read_text())
        code, out = _health(url, datetime.now(UTC))
        assert code == 0 and _database_line(out).startswith("ok database: "), out
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, log.read_text()[-3000:]
