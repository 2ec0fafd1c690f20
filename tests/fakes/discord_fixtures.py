"""Pytest fixture for the fake Discord server, shared by the test modules that use it.

Import it into a test module: ``from fakes.discord_fixtures import discord``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from adapters.discord_chat.endpoints import current_endpoints, restore_endpoints
from fakes.discord_server import FakeDiscord


@pytest.fixture
async def discord() -> AsyncIterator[FakeDiscord]:
    """A fake Discord (REST + gateway) on port 0; discord.py's endpoints restored after."""
    saved = current_endpoints()  # the adapter repoints discord.py's class attributes
    try:
        async with FakeDiscord() as server:
            yield server
    finally:
        restore_endpoints(saved)
