"""Stopping: a second SIGINT/SIGTERM stops now, and Ctrl-C is one line, never a traceback.

* ``StopSignals`` itself, in this process: the first signal asks for a stop, the second
  says so in one line and cuts the drain short, and a cleanup that blocks is ended after
  a bounded wait (the injected ``exit`` stands in for ``os._exit``); a third exits at once.
* The real ``storybot run`` and ``storybot worker`` (PostgreSQL) as subprocesses, held in
  a slow drain by a feed server that holds its answer: the second signal ends them within
  the bound with 130/143 and the log line; the poll cut short was not recorded, and the
  next ``poll --once`` (or worker) does it: nothing is lost.
* ``storybot demo`` and ``storybot poll --once`` interrupted with Ctrl-C: exit 130 and the
  one line ``storybot: interrupted`` on stderr, no traceback.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from checkout import STORYBOT, code_env
from faults import service_env, start_service
from feedbuilder import entry, rss
from feedserver import Route, feed_server  # noqa: F401  (fixture)
from sqlalchemy import create_engine, text
from test_scaleout import pg_db_url  # noqa: F401  (fixture: a fresh PostgreSQL database)

from adapters.signals import SECOND_SIGNAL, STOP_NOW_BOUND_S, StoppedNow, StopSignals
from storage import open_store


def _wait_for(path: Path, needle: str | re.Pattern[str], timeout: float = 30) -> None:
    """Wait until ``path`` holds ``needle`` (a text, or a pattern searched for)."""
    deadline = time.monotonic() + timeout

    def found() -> bool:
        text = path.read_text(errors="replace")
        return bool(needle.search(text)) if isinstance(needle, re.Pattern) else needle in text

    while not found():
        if time.monotonic() > deadline:
            raise AssertionError(f"{needle!r} not in {path.name}:\n{path.read_text()[-3000:]}")
        time.sleep(0.05)


def _signal_twice(
    proc: subprocess.Popen, sig: int, log: Path, draining: str | re.Pattern[str]
) -> float:
    """Signal ``proc``, wait for its ``draining`` log line, signal again: seconds to its exit."""
    proc.send_signal(sig)
    _wait_for(log, draining)
    second = time.monotonic()
    proc.send_signal(sig)
    proc.wait(timeout=30)
    return time.monotonic() - second


def _stopped_now(
    proc: subprocess.Popen,
    sig: int,
    code: int,
    log: Path,
    draining: str | re.Pattern[str],
    arrived: threading.Event,
    release: threading.Event,
) -> str:
    """Signal ``proc`` twice while its fetch of the held feed drains; its log, once it has
    ended with ``code`` within the bound after the second signal, saying so once."""
    try:
        assert arrived.wait(60), "the held feed was never fetched"
        took = _signal_twice(proc, sig, log, draining)
    finally:
        release.set()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    out = log.read_text()
    assert proc.returncode == code, out[-3000:]
    assert took < STOP_NOW_BOUND_S, f"took {took:.1f}s after the second signal"
    assert out.count(SECOND_SIGNAL) == 1, out
    return out


def _held_feed(feed_server) -> tuple[str, threading.Event, threading.Event]:  # noqa: F811
    """A feed whose answer waits until released (10 s at most): a fetch in flight."""
    return feed_server.add_held(
        "/held.xml", rss([entry(0, title="Harbour reopens after the storm")])
    )


def _store_with(db_url: str, feed_url: str) -> None:
    store = open_store(db_url)
    try:
        store.add_feed(feed_url, datetime.now(UTC), interval_s=900)
    finally:
        store.close()


def _poll_state(db_url: str) -> tuple[bool, int]:
    """(whether the feed's poll was recorded, how many items are stored)."""
    store = open_store(db_url)
    try:
        (feed,) = store.list_feeds()
        return feed.last_polled_at is not None, store.count_items()
    finally:
        store.close()


# --------------------------------------------------------------------------- StopSignals


async def test_a_second_signal_stops_now_and_a_blocked_cleanup_is_bounded(caplog):
    stop, hurried = asyncio.Event(), asyncio.Event()
    exits: list[tuple[int, float]] = []
    exited = threading.Event()

    def exit_(code: int) -> None:  # os._exit, observed
        exits.append((code, time.monotonic()))
        exited.set()

    signals = StopSignals(stop, on_hurry=hurried.set, bound_s=0.3, exit=exit_)
    signals.install(asyncio.get_running_loop())
    try:
        with caplog.at_level(logging.WARNING, logger="adapters.signals"):
            os.kill(os.getpid(), signal.SIGTERM)
            await asyncio.wait_for(stop.wait(), 10)
            assert not hurried.is_set() and caplog.records == []  # the first: a clean stop
            signals.raise_if_hurried()  # nothing to raise after a clean stop

            second_at = time.monotonic()
            os.kill(os.getpid(), signal.SIGINT)
            await asyncio.wait_for(hurried.wait(), 10)
            assert [r.getMessage() for r in caplog.records] == [SECOND_SIGNAL]
            # the cleanup never finishes here: after the bound the process exits anyway
            assert await asyncio.to_thread(exited.wait, 10)
            code, at = exits[0]
            assert code == 130 and at - second_at >= 0.3
            assert "cleanup did not finish within 0.3 s: exiting now" in caplog.text

            exited.clear()
            os.kill(os.getpid(), signal.SIGTERM)  # a third: at once
            assert await asyncio.to_thread(exited.wait, 10)
            assert exits[1][0] == 143
    finally:
        signals.uninstall()
        signals.cancel_bound()
    with pytest.raises(StoppedNow) as stopped:
        signals.raise_if_hurried()
    assert stopped.value.exit_code == 130


async def test_a_signal_while_already_stopping_stops_now():
    """A stop asked for otherwise (a rejected chat token, say): one signal stops now."""
    stop, hurried = asyncio.Event(), asyncio.Event()
    stop.set()
    signals = StopSignals(stop, on_hurry=hurried.set, exit=lambda code: None)
    signals.install(asyncio.get_running_loop())
    try:
        os.kill(os.getpid(), signal.SIGTERM)
        await asyncio.wait_for(hurried.wait(), 10)
        assert signals.hurried_by == signal.SIGTERM
    finally:
        signals.uninstall()
        signals.cancel_bound()


def test_a_signal_after_the_stop_finished_hurries_nothing(caplog):
    """``timeout`` sends SIGTERM to the process and to its group: two at once. The second,
    handled after a quick drain had ended, reported work cut short."""
    stop = asyncio.Event()
    hurried: list[bool] = []
    signals = StopSignals(stop, on_hurry=lambda: hurried.append(True), exit=lambda code: None)
    signals.received(signal.SIGTERM)
    assert stop.is_set() and not hurried
    signals.finished()
    with caplog.at_level(logging.WARNING, logger="adapters.signals"):
        signals.received(signal.SIGTERM)
    assert not hurried and caplog.records == [] and signals.hurried_by is None
    signals.raise_if_hurried()  # a clean stop: nothing to raise


# --------------------------------------------------------------------------- storybot run

SLOW_DRAIN = """
[polling]
tick_seconds = 0.5
timeout_s = 20
"""


@pytest.mark.slow
@pytest.mark.parametrize(
    ("sig", "code"), [(signal.SIGTERM, 143), (signal.SIGINT, 130)], ids=["SIGTERM", "SIGINT"]
)
def test_a_second_signal_stops_run_in_a_slow_drain_now_and_loses_nothing(
    tmp_path,
    feed_server,  # noqa: F811
    sig,
    code,
):
    url, arrived, release = _held_feed(feed_server)
    db_url = f"sqlite:///{tmp_path / 'storybot.db'}"
    _store_with(db_url, url)
    config = tmp_path / "slow.toml"
    config.write_text(SLOW_DRAIN, encoding="utf-8")
    env = service_env(db_url, {})
    log = tmp_path / "run.log"
    proc = start_service(str(config), env, log)
    # draining: the fetch is held
    out = _stopped_now(proc, sig, code, log, "stopping: finishing in-flight work", arrived, release)
    # closed cleanly, not ended by the bound; and no traceback
    assert "storybot stopped (cut short by a second signal)" in out, out
    assert "exiting now" not in out and "Traceback" not in out, out

    # Nothing lost: the poll cut short was not recorded, so the feed is still due ...
    assert _poll_state(db_url) == (False, 0)
    # ... and the next poll does it.
    done = subprocess.run(
        [sys.executable, "-m", "adapters.cli", "poll", "--once"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "polled 1 feed (1 ok" in done.stdout and "1 new item" in done.stdout, done.stdout
    assert _poll_state(db_url) == (True, 1)


# --------------------------------------------------------------------------- Ctrl-C


def _clean_env(**extra: str) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_", "STORYBOT_"))
    }
    return code_env(env, PYTHONUNBUFFERED="1", **extra)


# Runs the installed `storybot` script as the shell does, after putting a finder first on
# the import path that holds the start-up where it imports bot.settings (adapters.cli
# imports it): it says so on stdout, then waits on stdin, where the test's SIGINT finds it.
_HELD_START = """
import importlib.abc, runpy, sys

class Hold(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name == "bot.settings":
            sys.meta_path.remove(self)
            print("importing", flush=True)
            sys.stdin.readline()
        return None

sys.meta_path.insert(0, Hold())
sys.argv = [sys.argv[1], "ask", "status"]
runpy.run_path(sys.argv[0], run_name="__main__")
"""


@pytest.mark.slow
def test_ctrl_c_while_storybot_is_still_importing_is_one_line_too(tmp_path):
    """Ctrl-C a moment after `storybot ask status` starts, in its imports: not a traceback
    and exit -2, but what it says from then on (the console script's entry point catches
    it around the imports, adapters.entry)."""
    script = Path(sys.executable).parent / "storybot"
    assert script.exists(), "the console script is installed with storybot (pip install -e .)"
    proc = subprocess.Popen(
        [sys.executable, "-c", _HELD_START, str(script)],
        cwd=tmp_path,
        env=_clean_env(STORYBOT_DATABASE_URL=f"sqlite:///{tmp_path / 'storybot.db'}"),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline() == "importing\n"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert (proc.returncode, out, err) == (130, "", "storybot: interrupted\n")


@pytest.mark.slow
def test_ctrl_c_in_the_demo_is_one_line_without_a_traceback(tmp_path):
    """Interrupted as its service starts its first poll (a job APScheduler runs)."""
    proc = subprocess.Popen(
        [*STORYBOT, "demo", "--tick-seconds", "2"],
        cwd=tmp_path,
        env=_clean_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        for line in proc.stdout:
            if "feeds added" in line:
                break
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert (proc.returncode, err) == (130, "storybot: interrupted\n")


@pytest.mark.slow
def test_ctrl_c_in_poll_once_is_one_line_and_the_next_poll_does_the_work(
    tmp_path,
    feed_server,  # noqa: F811
):
    url, arrived, release = _held_feed(feed_server)
    db_url = f"sqlite:///{tmp_path / 'storybot.db'}"
    _store_with(db_url, url)
    env = _clean_env(STORYBOT_DATABASE_URL=db_url, STORYBOT_ALLOWED_HOSTS="127.0.0.1")
    proc = subprocess.Popen(
        [*STORYBOT, "poll", "--once"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert arrived.wait(60), "the feed was never fetched"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    finally:
        release.set()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert (proc.returncode, out, err) == (130, "", "storybot: interrupted\n")
    assert _poll_state(db_url) == (False, 0)
    done = subprocess.run(
        [*STORYBOT, "poll", "--once"], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0 and "1 new item" in done.stdout, done.stdout + done.stderr
    assert _poll_state(db_url) == (True, 1)


# --------------------------------------------------------------------------- storybot worker


def _worker(config: Path, env: dict[str, str], log: Path) -> subprocess.Popen:
    with log.open("ab") as out:
        return subprocess.Popen(
            [
                *STORYBOT,
                "--config",
                str(config),
                "worker",
                "--queues",
                "poll",
                "--heartbeat",
                "1",
                "--stalled-after",
                "4",
                "--stop-grace",
                "30",
            ],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )


@pytest.mark.slow
@pytest.mark.postgres
def test_a_second_sigterm_stops_a_draining_worker_now_and_its_poll_runs_again(
    tmp_path,
    pg_db_url,  # noqa: F811
    feed_server,  # noqa: F811
):
    url, arrived, release = _held_feed(feed_server)
    _store_with(pg_db_url, url)
    config = tmp_path / "worker.toml"
    config.write_text("[polling]\ntick_seconds = 1\n", encoding="utf-8")
    env = _clean_env(STORYBOT_DATABASE_URL=pg_db_url, STORYBOT_ALLOWED_HOSTS="127.0.0.1")
    log = tmp_path / "worker.log"
    proc = _worker(config, env, log)
    # the grace: 30 s; the jobs in flight are listed in any order (a periodic job may be
    # running too)
    draining = re.compile(r"waiting up to 30 s for [^\n]*storybot\.poll_feed\[")
    out = _stopped_now(proc, signal.SIGTERM, 143, log, draining, arrived, release)
    assert "stopped (cut short by a second signal)" in out and "exiting now" not in out, out

    # The job was cancelled, recorded as such, and the worker left cleanly (unregistered):
    # nothing waits for its heartbeat to be missed.
    engine = create_engine(pg_db_url)
    try:
        with engine.connect() as conn:
            jobs = conn.execute(
                text("SELECT status FROM procrastinate_jobs WHERE task_name = 'storybot.poll_feed'")
            ).scalars()
            # one aborted; the schedule job may have queued the same feed again meanwhile
            # (it is still due: its poll was cut short), which waits as 'todo'
            statuses = sorted(jobs)
            assert statuses[:1] == ["aborted"] and set(statuses[1:]) <= {"todo"}, statuses
            assert conn.execute(text("SELECT count(*) FROM procrastinate_workers")).scalar() == 0
    finally:
        engine.dispose()
    assert _poll_state(pg_db_url) == (False, 0), "the poll cut short was not recorded"

    # The next worker polls the feed: nothing was lost.
    proc = _worker(config, env, log)
    try:
        deadline = time.monotonic() + 60
        while _poll_state(pg_db_url) != (True, 1):
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.2)
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, log.read_text()[-3000:]


def test_ctrl_c_ends_chat_while_it_waits_for_a_line(tmp_path):
    """Waiting for the next command, ``storybot chat`` leaves at Ctrl-C, not at the next Enter.

    Its input stays open (a person who has typed nothing yet): the line is read in a
    thread, which must not keep the process alive after the interrupt.
    """
    proc = subprocess.Popen(
        [*STORYBOT, "chat"],
        cwd=tmp_path,
        env=_clean_env(),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write("stories\n")
        proc.stdin.flush()
        assert "No stories yet" in proc.stdout.readline()  # it answered: now it waits
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)  # stdin stays open: closing it would end chat at EOF anyway
        assert proc.stderr is not None
        err = proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert (proc.returncode, err) == (130, "storybot: interrupted\n")
