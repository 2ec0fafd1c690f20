"""``/story stories add`` end to end over Slack: the app as ``storybot run`` builds it, the
fake Slack's Socket Mode, and the seed articles on a local HTTP server."""

from __future__ import annotations

import pytest
from fakes.slack_fixtures import fake  # noqa: F401  (fixture)
from fakes.slack_server import FakeSlack
from feedserver import FeedServer, feed_server  # noqa: F401  (fixture)
from seed_pages import CHIPS_1, CHIPS_2

from adapters.app import build_app
from adapters.chat_start import chat_adapters_from_settings
from adapters.slack_chat import SlackAdapter
from bot.settings import load_settings

RESPONSE_WAIT_S = 30.0  # the pages are fetched and read before the answer


@pytest.fixture
async def app(fake: FakeSlack, migrated_sqlite_url, clock):
    settings = load_settings(
        env={
            "STORYBOT_DATABASE_URL": migrated_sqlite_url,
            "STORYBOT_ALLOWED_HOSTS": "127.0.0.1",
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_APP_TOKEN": "xapp-test",
            "STORYBOT_SLACK_API_URL": fake.base_url,
        }
    )
    built = build_app(settings, clock=clock)
    [adapter] = chat_adapters_from_settings(built)
    assert isinstance(adapter, SlackAdapter)
    built.adapters[adapter.platform] = adapter  # aclose() stops it
    await adapter.start()
    yield built
    await built.aclose()


async def answer(fake: FakeSlack, text: str, user_id: str) -> dict:
    envelope_id = await fake.push_slash_command(text, user_id=user_id)
    response = await fake.wait_for(lambda: fake.response_for(envelope_id), timeout=RESPONSE_WAIT_S)
    # the fallback text without the zero-width joiners that keep `code` from formatting
    return {**response, "text": response["text"].replace("\u200d", "")}


async def test_an_admin_adds_a_story_from_slack_links(fake: FakeSlack, app, feed_server) -> None:
    first = feed_server.add_feed("/chips-1", CHIPS_1, content_type="text/html")
    second = feed_server.add_feed("/chips-2", CHIPS_2, content_type="text/html")
    # Slack sends a pasted link as <url|label> or <url>
    text = f"stories add chips-act <{first}|Chipmakers win> <{second}> --title Chips Act"

    refused = await answer(fake, text, "U0PLAIN")
    assert "Only admins may use `stories add`" in refused["text"]
    assert feed_server.hits("/chips-1") == 0 and app.store.get_story("chips-act") is None

    fake.users["UADMIN"] = {"is_admin": True}
    created = await answer(fake, text, "UADMIN")
    assert created["response_type"] == "ephemeral"
    assert "Created story chips-act: Chips Act (2 seeds)" in created["text"]
    assert "Chipmakers win new subsidies under the Chips Act" in created["text"]
    story = app.store.get_story("chips-act")
    assert story is not None and [s.url for s in story.seeds] == [first, second]

    listed = await answer(fake, "stories", "U0PLAIN")
    assert "chips-act: Chips Act" in listed["text"]
