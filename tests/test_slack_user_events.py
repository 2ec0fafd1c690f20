"""A Slack account deactivated: Slack's ``user_change`` event over Socket Mode removes
the user's keyword subscriptions (Slack would go on accepting their DMs).

The fake sends the event as Slack does (an ``events_api`` envelope); the real bolt app
acks it and the real ``Commands`` removes the subscriptions from the store.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import pytest
from fakes.slack_fixtures import fake, store  # noqa: F401  (fixtures)
from fakes.slack_server import FakeSlack

from adapters.slack_chat import SlackAdapter
from bot.clock import ManualClock
from bot.commands import Commands
from bot.subscriptions_gone import user_left
from storage import SqlStore


@pytest.fixture
async def changed() -> asyncio.Event:
    """Set when the commands say the subscriptions changed (the matcher's rebuild hook)."""
    return asyncio.Event()


@pytest.fixture
async def adapter(
    fake: FakeSlack, store: SqlStore, changed: asyncio.Event
) -> AsyncIterator[SlackAdapter]:
    commands = Commands(store, ManualClock(), on_subscriptions_changed=changed.set)
    started = SlackAdapter(
        bot_token="xoxb-test",
        app_token="xapp-test",
        commands=commands,
        api_base_url=fake.base_url,
    )
    await started.start()
    yield started
    await started.stop()


def subscribe(store: SqlStore, user_id: str, query: str) -> int:
    clock = ManualClock()
    return store.add_subscription("slack", user_id, query, None, clock.now(), "C1").id


async def test_a_deactivated_users_subscriptions_are_removed_and_logged(
    fake: FakeSlack,
    adapter: SlackAdapter,
    store: SqlStore,
    changed: asyncio.Event,
    caplog: pytest.LogCaptureFixture,
) -> None:
    first = subscribe(store, "U0GONE", "pentagon AND deal")
    second = subscribe(store, "U0GONE", "hearing")
    kept = subscribe(store, "U0STAYS", "pentagon")
    with caplog.at_level(logging.INFO, logger="bot.subscriptions_gone"):
        # a profile change first: Slack sends user_change for every change of a member
        profile = await fake.push_event(
            {"type": "user_change", "user": {"id": "U0STAYS", "deleted": False}}
        )
        gone = await fake.deactivate_user("U0GONE")
        await fake.wait_for(lambda: fake.ack_for(profile) and fake.ack_for(gone))
        await asyncio.wait_for(changed.wait(), 5)
    assert store.list_subscriptions("slack", "U0GONE") == []
    assert [s.id for s in store.list_subscriptions("slack", "U0STAYS")] == [kept]
    [line] = [r.getMessage() for r in caplog.records if r.name == "bot.subscriptions_gone"]
    assert "slack user U0GONE left (their Slack account was deactivated)" in line
    assert (
        f"removed their 2 keyword subscriptions (#{first} pentagon AND deal, #{second} hearing)"
        in line
    )


def test_a_deactivation_told_twice_removes_and_logs_once(
    store: SqlStore, caplog: pytest.LogCaptureFixture
) -> None:
    # Slack sends an event again when it thinks the ack was lost
    subscribe(store, "U0GONE", "pentagon")
    with caplog.at_level(logging.INFO, logger="bot.subscriptions_gone"):
        assert len(user_left(store, "slack", "U0GONE", "deactivated")) == 1
        assert user_left(store, "slack", "U0GONE", "deactivated") == []
    assert len([r for r in caplog.records if r.name == "bot.subscriptions_gone"]) == 1
