"""Who counts as a Slack admin for the admin ``/story`` commands, at the wire.

``users.info`` describes any user the bot can see, including people of another
organization in a Slack Connect channel (``team_id`` theirs, ``is_admin`` about their own
workspace), deactivated accounts and guests. Only an active, full member of storybot's
own workspace (the ``team_id`` of ``auth.test``) who is an admin or owner there may run
``follow``, ``feeds add`` and the rest; an org admin of an Enterprise Grid org counts
where storybot is installed in that org. Socket Mode and HTTP mode share the one
listener (``register_story_command``), so the socket path stands for both.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from fakes.slack_fixtures import fake, store  # noqa: F401  (fixtures)
from fakes.slack_server import TEAM_ID, FakeSlack

from adapters.slack_chat import SlackAdapter
from bot.clock import ManualClock
from bot.commands import Commands
from storage import SqlStore

REFUSED = "Only admins"


@pytest.fixture
async def adapter(fake: FakeSlack, store: SqlStore) -> AsyncIterator[SlackAdapter]:
    started = SlackAdapter(
        bot_token="xoxb-test",
        app_token="xapp-test",
        commands=Commands(store, ManualClock()),
        api_base_url=fake.base_url,
    )
    await started.start()
    yield started
    await started.stop()


async def follow_as(fake: FakeSlack, user_id: str) -> str:
    envelope_id = await fake.push_slash_command("follow nosuchstory", user_id=user_id)
    response = await fake.wait_for(lambda: fake.response_for(envelope_id))
    return str(response["text"])


@pytest.mark.parametrize(
    "user",
    [
        # a Slack Connect guest from another organization, an admin of their own
        {"is_admin": True, "team_id": "T0OTHERORG"},
        {"is_owner": True, "is_primary_owner": True, "team_id": "T0OTHERORG"},
        # Slack marks some external people as strangers (no shared profile)
        {"is_admin": True, "is_stranger": True},
        # a deactivated admin (a command sent before, or a cached session)
        {"is_admin": True, "deleted": True},
        # guests: single- and multi-channel
        {"is_admin": True, "is_restricted": True},
        {"is_admin": True, "is_ultra_restricted": True},
        # an app's bot user
        {"is_admin": True, "is_bot": True},
        # an admin of another workspace of the same Enterprise Grid org
        {"is_admin": True, "team_id": "T0SISTER", "enterprise_user": {"enterprise_id": "E0FAKE"}},
    ],
)
async def test_only_an_active_member_admin_of_this_workspace_is_an_admin(
    fake: FakeSlack, adapter: SlackAdapter, user: dict[str, Any]
) -> None:
    fake.users["UOUTSIDE"] = user
    assert REFUSED in await follow_as(fake, "UOUTSIDE")


@pytest.mark.parametrize(
    "user",
    [
        {"is_admin": True},
        {"is_owner": True},
        {"is_primary_owner": True, "is_owner": True, "team_id": TEAM_ID},
    ],
)
async def test_admins_and_owners_of_this_workspace_are_admins(
    fake: FakeSlack, adapter: SlackAdapter, user: dict[str, Any]
) -> None:
    fake.users["UADMIN"] = user
    answer = await follow_as(fake, "UADMIN")
    assert REFUSED not in answer and "nosuchstory" in answer


async def test_an_org_admin_counts_where_storybot_is_installed_in_that_org(
    fake: FakeSlack, store: SqlStore
) -> None:
    fake.enterprise_id = "E0FAKE"
    org_admin = {"enterprise_id": "E0FAKE", "is_admin": True}
    fake.users["UORG"] = {"team_id": "T0SISTER", "enterprise_user": org_admin}
    fake.users["UOTHERORG"] = {
        "team_id": "T0ELSE",
        "enterprise_user": {"enterprise_id": "E0ELSE", "is_admin": True},
    }
    started = SlackAdapter(
        bot_token="xoxb-test",
        app_token="xapp-test",
        commands=Commands(store, ManualClock()),
        api_base_url=fake.base_url,
    )
    await started.start()
    try:
        assert REFUSED not in await follow_as(fake, "UORG")
        assert REFUSED in await follow_as(fake, "UOTHERORG")
    finally:
        await started.stop()


async def test_admin_rights_are_unknown_not_granted_while_slack_cannot_say_whose_workspace(
    fake: FakeSlack, store: SqlStore
) -> None:
    # an AdminCheck used before start (no auth.test answer yet) asks Slack itself
    started = SlackAdapter(
        bot_token="xoxb-test",
        app_token="xapp-test",
        commands=Commands(store, ManualClock()),
        api_base_url=fake.base_url,
    )
    fake.users["UOUTSIDE"] = {"is_admin": True, "team_id": "T0OTHERORG"}
    fake.users["UADMIN"] = {"is_admin": True}
    assert await started.admins.is_admin("UOUTSIDE") is False
    assert await started.admins.is_admin("UADMIN") is True
