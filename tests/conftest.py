"""Fixtures shared by every test module: an injected clock, a temporary SQLite URL, and an
environment without the shell's stray ``STORYBOT_`` variables."""

from __future__ import annotations

import os
from datetime import datetime, timezone

import pytest

from bot.clock import ManualClock
from bot.settings import unknown_variables


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
