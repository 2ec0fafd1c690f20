"""Fixtures shared by every test module: an injected clock, a temporary SQLite URL (empty,
or migrated), and an environment without the shell's stray ``STORYBOT_`` variables."""

from __future__ import annotations

import os
import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.settings_env import unknown_variables
from storage import open_store


@pytest.fixture(autouse=True)
def _no_stray_storybot_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test runs without the ``STORYBOT_`` variables of the shell that storybot does
    not read: every command warns of each on stderr, and a test that pins a command's
    stderr would fail on a machine that happens to set one (``STORYBOT_FOO=1 pytest``)."""
    for name, _ in unknown_variables(os.environ):
        monkeypatch.delenv(name)


@pytest.fixture
def clock() -> ManualClock:
    """A clock that only moves when a test moves it."""
    return ManualClock(datetime(2026, 3, 5, 8, 0, tzinfo=timezone.utc))


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    """A fresh SQLite database file for one test."""
    return f"sqlite:///{tmp_path / 'storybot.db'}"


@pytest.fixture(scope="session")
def sqlite_migrated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty SQLite file migrated to head once for the session, and closed: the
    original that ``migrated_sqlite_url`` copies (running every migration again for each
    test that only needs a store took a fifth of a second a test)."""
    path = tmp_path_factory.mktemp("migrated") / "storybot.db"
    open_store(f"sqlite:///{path}").close()
    return path


@pytest.fixture
def migrated_sqlite_url(tmp_path, sqlite_migrated: Path) -> str:
    """``sqlite_url``'s file, already migrated to head and empty (a copy of
    ``sqlite_migrated``): ``open_store`` opens it as storybot opens its database at every
    start but the first. For tests of a store, not of its creation (those use
    ``sqlite_url``, or ``pg_url`` and the migration tests)."""
    shutil.copyfile(sqlite_migrated, tmp_path / "storybot.db")
    return f"sqlite:///{tmp_path / 'storybot.db'}"


# ------------------------------------------------ a hung test, a leftover log handler


def pytest_configure(config: pytest.Config) -> None:
    """Watch every test for a hang (:mod:`hang_report`); stderr is copied now, before
    pytest captures it for the tests."""
    from hang_report import HangWatch, database_activity, report_after

    def report() -> list[str]:
        from store_fixtures import admin_url_text  # not before the tests import it

        return database_activity(admin_url_text())

    exit_s = float(config.getini("faulthandler_timeout") or 0)
    if exit_s > 0:
        config.stash[_HANG_WATCH] = HangWatch(
            os.dup(2),
            report,
            report_after(exit_s),
            exit_s,
        )


def pytest_unconfigure(config: pytest.Config) -> None:
    watch = config.stash.get(_HANG_WATCH, None)
    if watch is not None:
        watch.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None):
    """Each test runs under the hang watch, and leaves the root logger's handlers as it
    found them (:mod:`log_isolation`: a command run in-process installs storybot's)."""
    from log_isolation import root_logging_restored

    watch = item.config.stash.get(_HANG_WATCH, None)
    if watch is not None:
        watch.start(item.nodeid)
    try:
        with root_logging_restored():
            return (yield)
    finally:
        if watch is not None:
            watch.cancel()


_HANG_WATCH = pytest.StashKey["HangWatch"]()
