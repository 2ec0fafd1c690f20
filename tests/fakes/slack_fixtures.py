"""Pytest fixtures shared by the Slack test modules: a started fake Slack and a SQLite store.

Import them into a test module: ``from fakes.slack_fixtures import fake, store``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from fakes.slack_server import FakeSlack
from storage import SqlStore, open_store


@pytest.fixture
def store(migrated_sqlite_url: str) -> Iterator[SqlStore]:
    opened = open_store(migrated_sqlite_url)
    yield opened
    opened.close()


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    server = FakeSlack()
    await server.start()
    yield server
    await server.stop()
