"""Fixtures shared by every test module: an injected clock and a temporary SQLite URL."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from bot.clock import ManualClock


@pytest.fixture
def clock() -> ManualClock:
    """A clock that only moves when a test moves it."""
    return ManualClock(datetime(2026, 3, 5, 8, 0, tzinfo=timezone.utc))


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    """A fresh SQLite database file for one test."""
    return f"sqlite:///{tmp_path / 'storybot.db'}"
