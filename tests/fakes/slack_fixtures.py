"""Pytest fixtures shared by the Slack test modules: a started fake Slack and a SQLite store.

Import them into a test module: ``from fakes.slack_fixtures import fake, store``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from fakes.slack_server import FakeSlack
from storage import SqlStore, open_store


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqlStore]:
    opened = open_store(f"sqlite:///{tmp_path / 'storybot.db'}")
    yield opened
    opened.close()


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    server = FakeSlack()
    await server.start()
    yield server
    await server.stop()
