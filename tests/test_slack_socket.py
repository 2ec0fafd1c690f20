"""SlackAdapter in Socket Mode against the fake Slack, with the real ``Commands``.

The fake hands out a ws:// URL from ``apps.connections.open``; bolt's
``AsyncSocketModeHandler`` connects to it, receives ``slash_commands`` envelopes, acks
them and answers through ``response_url``.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest
from fakes.slack_fixtures import fake, store  # noqa: F401  (fixtures)
from fakes.slack_server import FakeSlack

from adapters.slack_chat import SlackAdapter, render
from bot.clock import ManualClock
from bot.commands import Commands
from bot.errors import ConfigError
from bot.model import FeedStatus, MessageKind, OutboundMessage, SeedDoc, Target
from bot.ports import ChatAdapter, PollOutcome
from storage import SqlStore

ACK_WINDOW_S = 3.0  # Slack drops commands not acked within 3 seconds


def make_adapter(fake: FakeSlack, store: SqlStore, **kw: object) -> SlackAdapter:
    args: dict[str, object] = {
        "bot_token": "xoxb-test",
        "app_token": "xapp-test",
        "commands": Commands(
            store, ManualClock(), admin_policy=str(kw.get("admin_policy", "admins"))
        ),
        "api_base_url": fake.base_url,
    }
    args.update(kw)
    return SlackAdapter(**args)  # type: ignore[arg-type]


@pytest.fixture
async def adapter(fake: FakeSlack, store: SqlStore) -> AsyncIterator[SlackAdapter]:
    started = make_adapter(fake, store)
    await started.start()
    yield started
    await started.stop()


async def run_command(fake: FakeSlack, text: str, **kw: str) -> tuple[dict, dict, float]:
    loop = asyncio.get_running_loop()
    sent = loop.time()
    envelope_id = await fake.push_slash_command(text, **kw)
    ack = await fake.wait_for(lambda: fake.ack_for(envelope_id))
    acked_after = loop.time() - sent
    response = await fake.wait_for(lambda: fake.response_for(envelope_id))
    return ack, response, acked_after


async def test_start_connects_with_the_app_token(fake: FakeSlack, adapter: SlackAdapter) -> None:
    [opened] = fake.calls_to("apps.connections.open")
    assert opened.token == "xapp-test"
    assert fake.calls_to("auth.test")[0].token == "xoxb-test"
    assert fake.connected


async def test_help_is_acked_in_time_and_answered_ephemerally(
    fake: FakeSlack, adapter: SlackAdapter
) -> None:
    ack, response, acked_after = await run_command(fake, "help")
    assert acked_after < ACK_WINDOW_S
    assert ack["envelope_id"].startswith("env-")
    assert response["response_type"] == "ephemeral"
    assert "storybot follows developing news stories" in response["blocks"][0]["text"]["text"]
    # mrkdwn so that links are clickable and `code` shows as code; verbatim, so that Slack
    # does not turn text into mentions or channel links (see slack_chat.render)
    assert response["blocks"][0]["text"]["type"] == "mrkdwn"
    assert response["blocks"][0]["text"].get("verbatim") is True


async def test_admin_commands_need_a_workspace_admin(
    fake: FakeSlack, adapter: SlackAdapter
) -> None:
    fake.users["UADMIN"] = {"is_admin": True}
    _, denied, _ = await run_command(fake, "follow nosuchstory", user_id="U0PLAIN")
    _, allowed, _ = await run_command(fake, "follow nosuchstory", user_id="UADMIN")
    assert "Only admins" in denied["text"]
    assert "Only admins" not in allowed["text"]
    assert "nosuchstory" in allowed["text"]


async def test_the_setting_an_admin_refusal_names_is_shown_as_code_to_copy(
    fake: FakeSlack, adapter: SlackAdapter
) -> None:
    # Outside a code span its "_" got invisible joiners (so that feed text cannot
    # format), and a line copied from Slack into the config file was no valid TOML key.
    _, denied, _ = await run_command(fake, "follow nosuchstory", user_id="U0PLAIN")
    shown = denied["blocks"][0]["text"]["text"]
    assert '`[permissions] admin_commands = "everyone"`' in shown
    assert '`[permissions] admin_commands = "everyone"`' in denied["text"]


@pytest.mark.parametrize(
    "failure",
    [
        {"status": 429, "retry_after": 3.0},
        {"status": 500},
        {"n": 2, "disconnect": True},  # the client's own retry is dropped too
    ],
)
async def test_the_first_command_after_start_is_answered_without_asking_slack_again_who_it_is(
    fake: FakeSlack, adapter: SlackAdapter, failure: dict[str, Any]
) -> None:
    # Bolt asked auth.test again on the first command although start() just had: when
    # that second call failed, the first /story command was answered "your installation
    # with this app is no longer available. Please reinstall this app" (a 429 or a 5xx),
    # or never acked at all (a dropped connection).
    fake.fail_next(method="auth.test", **failure)
    ack, response, _ = await run_command(fake, "help")
    assert "reinstall" not in str(ack).lower()
    assert "storybot follows developing news stories" in response["text"]
    assert len(fake.calls_to("auth.test")) == 1  # start()'s


@pytest.fixture
async def waits(fake: FakeSlack, store: SqlStore) -> AsyncIterator[list[float]]:
    """An adapter started with an injected sleep: the waits a rate limit asked for."""
    waited: list[float] = []

    async def sleep(seconds: float) -> None:  # tests never wait on the real clock
        waited.append(seconds)

    started = make_adapter(fake, store, sleep=sleep)
    await started.start()
    yield waited
    await started.stop()


async def test_rate_limited_admin_lookup_is_retried_not_refused(
    fake: FakeSlack, waits: list[float]
) -> None:
    fake.users["UADMIN"] = {"is_admin": True}
    fake.fail_next(1, status=429, retry_after=5, method="users.info")
    _, response, _ = await run_command(fake, "follow nosuchstory", user_id="UADMIN")
    assert "Only admins" not in response["text"]
    assert "nosuchstory" in response["text"]  # the command itself ran
    assert len(fake.calls_to("users.info")) == 2
    assert waits == [5]  # as long as Slack's Retry-After asked


@pytest.mark.parametrize(
    "text",
    [
        "status",
        "stories",
        "subscribe pentagon",
        "subscriptions",
        "unsubscribe pentagon",
        "feeds",
        "feeds list",
        "why https://news.example/a",
        "help follow",
    ],
)
async def test_commands_anyone_may_run_never_wait_for_the_admin_lookup(
    fake: FakeSlack, waits: list[float], text: str
) -> None:
    # a rate-limited users.info would hold the reply for Retry-After (up to ~10 s)
    fake.fail_next(3, status=429, retry_after=5, method="users.info")
    _, response, _ = await run_command(fake, text, user_id="U0PLAIN")
    assert "couldn't check your Slack role" not in response["text"]
    assert "Only admins" not in response["text"]
    assert fake.calls_to("users.info") == []
    assert waits == []


async def test_admin_lookup_rate_limited_too_long_asks_to_try_again(
    fake: FakeSlack, adapter: SlackAdapter
) -> None:
    fake.users["UADMIN"] = {"is_admin": True}
    fake.fail_next(1, status=429, retry_after=60, method="users.info")
    _, response, _ = await run_command(fake, "follow nosuchstory", user_id="UADMIN")
    assert "Only admins" not in response["text"]
    assert "couldn't check your Slack role right now" in response["text"]
    assert "try again in a moment" in response["text"]
    assert len(fake.calls_to("users.info")) == 1  # no retry: Slack asked for too long
    # the unknown answer is not cached: the same command a moment later works
    _, again, _ = await run_command(fake, "follow nosuchstory", user_id="UADMIN")
    assert "nosuchstory" in again["text"]


async def test_admin_lookup_failing_does_not_block_other_commands(
    fake: FakeSlack, adapter: SlackAdapter
) -> None:
    fake.fail_next(2, status=503, method="users.info")
    _, response, _ = await run_command(fake, "help", user_id="U0PLAIN")
    assert "storybot follows developing news stories" in response["blocks"][0]["text"]["text"]
    _, refused, _ = await run_command(fake, "feeds add https://news.example/rss", user_id="U0PLAIN")
    assert "couldn't check your Slack role right now" in refused["text"]  # not "not an admin"


async def test_admin_lookup_is_cached(fake: FakeSlack, adapter: SlackAdapter) -> None:
    await run_command(fake, "follow nosuchstory", user_id="U0SAME")
    await run_command(fake, "unfollow nosuchstory", user_id="U0SAME")
    assert [c.args["user"] for c in fake.calls_to("users.info")] == ["U0SAME"]


async def test_a_refused_admin_lookup_is_a_no(fake: FakeSlack, adapter: SlackAdapter) -> None:
    fake.users["UGONE"] = {"is_admin": True}
    fake.fail_next(1, status=200, error="user_not_found", method="users.info")
    _, response, _ = await run_command(fake, "follow nosuchstory", user_id="UGONE")
    assert "Only admins" in response["text"]


def shown(response: dict[str, Any]) -> str:
    """All the text of a response's blocks, as Slack shows it."""
    return "\n".join(b["text"]["text"] for b in response["blocks"] if "text" in b)


@pytest.mark.parametrize(
    "answer",
    [{"needed": "users:read", "provided": "chat:write,commands"}, {}],
    ids=["scope-named", "scope-not-named"],
)
async def test_an_admin_lookup_without_the_users_read_scope_says_what_to_fix(
    fake: FakeSlack, adapter: SlackAdapter, answer: dict[str, str]
) -> None:
    fake.users["UADMIN"] = {"is_admin": True}
    # {"ok": false, "error": "missing_scope", "needed": "users:read", ...}
    fake.fail_next(1, status=200, error="missing_scope", method="users.info", extra=answer)
    _, refused, _ = await run_command(fake, "follow nosuchstory", user_id="UADMIN")
    text = shown(refused)
    assert "Only admins" not in text  # not an untrue "you are no admin"
    assert "lacks the `users:read` scope" in text
    assert "add the `users:read` bot token scope" in text and "reinstall the app" in text
    assert "nosuchstory" not in text  # still a refusal: the command did not run
    assert refused["response_type"] == "ephemeral"
    # not remembered as the user's role: once the app has the scope, the command runs
    _, allowed, _ = await run_command(fake, "follow nosuchstory", user_id="UADMIN")
    assert "There is no story named 'nosuchstory'" in shown(allowed)


def add_feeds(store: SqlStore, count: int, title_words: int) -> list[str]:
    """``count`` polled feeds, each titled with ``title_words`` words; their URLs."""
    when = datetime(2026, 3, 5, 8, 0, tzinfo=UTC)
    urls = []
    for n in range(count):
        url = f"https://feeds.example/{n:02d}.xml"
        feed = store.add_feed(url, when)
        title = f"Feed {n} " + "headline " * title_words
        outcome = PollOutcome(feed.id, FeedStatus.OK, when, when, 0, None, None, None, None, title)
        store.record_poll(outcome)
        urls.append(url)
    return urls


def assert_within_slack_limits(message: dict[str, Any]) -> None:
    blocks = message["blocks"]
    assert len(blocks) <= render.MAX_BLOCKS
    texts = [b["text"]["text"] for b in blocks if "text" in b]
    assert all(len(text) <= render.TEXT_MAX for text in texts)
    assert sum(map(len, texts)) <= render.MESSAGE_TEXT_MAX  # msg_blocks_too_long otherwise


def feeds_shown(parts: list[dict[str, Any]]) -> list[str]:
    return re.findall(r"<(https://feeds\.example/\d+\.xml)>", "\n".join(map(shown, parts)))


async def test_a_reply_too_long_for_one_message_continues_in_the_next(
    fake: FakeSlack, store: SqlStore, adapter: SlackAdapter
) -> None:
    urls = add_feeds(store, 40, title_words=40)  # some 16,000 characters
    envelope_id = await fake.push_slash_command("feeds")
    parts = await fake.wait_for(
        lambda: (got := fake.responses_for(envelope_id)) and urls[-1] in str(got[-1]) and got
    )
    assert len(parts) > 1
    assert fake.refused == []
    for part in parts:
        assert part["response_type"] == "ephemeral"
        assert_within_slack_limits(part)
    assert feeds_shown(parts) == urls  # every feed, once, in order
    assert shown(parts[0]).startswith("40 feeds:")
    assert "not shown" not in str(parts)


async def test_a_reply_longer_than_slack_takes_says_how_much_it_leaves_out(
    fake: FakeSlack, store: SqlStore, adapter: SlackAdapter
) -> None:
    # 50 lines of nearly 3,000 characters: more than 50 blocks' worth, and far more than
    # the five messages Slack takes in answer to one command hold
    urls = add_feeds(store, 50, title_words=300)
    envelope_id = await fake.push_slash_command("feeds list")
    parts = await fake.wait_for(
        lambda: (got := fake.responses_for(envelope_id)) and "not shown" in str(got[-1]) and got
    )
    assert len(parts) == render.REPLY_MESSAGES_MAX
    assert fake.refused == []
    for part in parts:
        assert_within_slack_limits(part)
    listed = feeds_shown(parts)
    assert listed and listed == urls[: len(listed)]  # the first ones, in order
    left_out = len(urls) - len(listed)
    last = parts[-1]["blocks"][-1]["text"]["text"]
    assert last.startswith(f"… and {left_out} more lines not shown")
    assert "`storybot ask`" in last  # where the whole answer can be seen


async def test_everyone_policy_skips_users_info(fake: FakeSlack, store: SqlStore) -> None:
    adapter = make_adapter(fake, store, admin_policy="everyone")
    await adapter.start()
    try:
        _, response, _ = await run_command(fake, "follow nosuchstory")
    finally:
        await adapter.stop()
    assert fake.calls_to("users.info") == []
    assert "Only admins" not in response["text"]


async def test_hostile_command_text_is_echoed_inertly(
    fake: FakeSlack, adapter: SlackAdapter
) -> None:
    _, response, _ = await run_command(fake, "status <!channel>")
    assert "<!channel>" not in str(response)


async def test_a_story_name_copied_from_a_reply_is_read_as_the_name_it_shows(
    fake: FakeSlack, adapter: SlackAdapter, store: SqlStore
) -> None:
    # A reply shows "iran_deal" with zero-width joiners around the "_" (so that feed text
    # cannot format); invisible, they were copied with the name, and a command typed with
    # it answered "There is no story named 'iran_deal'. Known stories: iran_deal."
    store.add_story("iran_deal", "Iran deal talks", [_seed()], datetime(2026, 3, 5, tzinfo=UTC))
    _, listed, _ = await run_command(fake, "stories")
    shown = re.search(r"iran\S*deal", listed["blocks"][0]["text"]["text"])
    assert shown is not None and shown.group() != "iran_deal"  # what a copy takes
    _, response, _ = await run_command(fake, f"status {shown.group()}")
    assert "There is no story" not in response["text"]
    assert "Iran deal talks" in response["blocks"][0]["text"]["text"]


def _seed() -> SeedDoc:
    return SeedDoc(
        "Seed", "Seed text", "https://news.example/seed", datetime(2026, 3, 4, tzinfo=UTC)
    )


async def test_adapter_posts_alerts_as_a_chat_sink(fake: FakeSlack, adapter: SlackAdapter) -> None:
    chat: ChatAdapter = adapter  # checked by mypy: SlackAdapter satisfies the port
    message = OutboundMessage(MessageKind.ALERT, "Deal signed", "Body")
    ts = await chat.post(Target("slack", channel_id="C1"), message, idempotency_key="k1")
    await chat.edit(Target("slack", channel_id="C1"), ts, message)
    assert adapter.platform == "slack"
    assert [c.args["ts"] for c in fake.calls_to("chat.update")] == [ts]


async def test_rejected_app_token_fails_start_clearly(fake: FakeSlack, store: SqlStore) -> None:
    fake.invalid_tokens.add("xapp-revoked")
    adapter = make_adapter(fake, store, app_token="xapp-revoked")
    with pytest.raises(ConfigError, match="SLACK_APP_TOKEN"):
        await adapter.start()
    await adapter.stop()


async def test_rejected_bot_token_fails_start_clearly(fake: FakeSlack, store: SqlStore) -> None:
    fake.invalid_tokens.add("xoxb-revoked")
    adapter = make_adapter(fake, store, bot_token="xoxb-revoked")
    with pytest.raises(ConfigError, match="SLACK_BOT_TOKEN"):
        await adapter.start()


@pytest.mark.parametrize(
    ("kw", "needle"),
    [
        ({"app_token": None}, "SLACK_APP_TOKEN"),
        ({"mode": "http"}, "SLACK_SIGNING_SECRET"),
        ({"mode": "rtm"}, "mode"),
        ({"bot_token": ""}, "SLACK_BOT_TOKEN"),
        ({"admin_policy": "some"}, "admin"),
    ],
)
def test_config_errors_name_the_setting(
    fake: FakeSlack, store: SqlStore, kw: dict, needle: str
) -> None:
    with pytest.raises(ConfigError, match=needle):
        make_adapter(fake, store, **kw)


async def test_reconnects_when_slack_drops_the_socket(
    fake: FakeSlack, adapter: SlackAdapter
) -> None:
    await fake.drop_connections()
    await fake.wait_for(lambda: len(fake.calls_to("apps.connections.open")) == 2 and fake.connected)
    _, response, _ = await run_command(fake, "help")
    assert "storybot follows developing news stories" in response["text"]


async def test_a_slack_it_cannot_reach_at_start_is_retried_with_back_off(
    fake: FakeSlack, store: SqlStore, caplog: pytest.LogCaptureFixture
) -> None:
    from adapters.chat_start import start_adapter

    fake.fail_next(2, status=501, method="auth.test")
    adapter = make_adapter(fake, store)
    waits: list[float] = []

    async def no_wait(seconds: float) -> None:  # the injected sleep: tests never wait
        waits.append(seconds)

    try:
        assert await start_adapter(adapter, asyncio.Event(), sleep=no_wait)
    finally:
        await adapter.stop()
    assert waits == [1.0, 2.0]
    retries = [r.getMessage() for r in caplog.records if "retrying in" in r.getMessage()]
    assert len(retries) == 2 and all("\n" not in line for line in retries)
    assert "slack: cannot connect (attempt 1)" in retries[0]


async def test_a_rejected_token_at_start_stops_the_service_without_retrying(
    fake: FakeSlack, store: SqlStore
) -> None:
    from adapters.chat_start import start_adapter

    fake.invalid_tokens.add("xoxb-revoked")
    adapter = make_adapter(fake, store, bot_token="xoxb-revoked")
    waits: list[float] = []

    async def no_wait(seconds: float) -> None:
        waits.append(seconds)

    with pytest.raises(ConfigError, match="Slack rejected SLACK_BOT_TOKEN"):
        await start_adapter(adapter, asyncio.Event(), sleep=no_wait)
    assert waits == []


@pytest.mark.parametrize(
    ("method", "token"),
    [("auth.test", "SLACK_BOT_TOKEN"), ("apps.connections.open", "SLACK_APP_TOKEN")],
)
async def test_an_app_not_granted_the_workspace_stops_start_naming_the_token_and_what_to_do(
    fake: FakeSlack, store: SqlStore, method: str, token: str
) -> None:
    # team_access_not_granted was a refused bot token's TokenRefused: retried for ever,
    # naming SLACK_BOT_TOKEN even when apps.connections.open (the app-level token) said it
    from adapters.chat_start import start_adapter

    fake.fail_next(status=200, error="team_access_not_granted", method=method)
    adapter = make_adapter(fake, store)
    waits: list[float] = []

    async def no_wait(seconds: float) -> None:
        waits.append(seconds)

    try:
        with pytest.raises(ConfigError) as raised:
            await start_adapter(adapter, asyncio.Event(), sleep=no_wait)
    finally:
        await adapter.stop()
    assert str(raised.value) == (
        f"Slack refused {token} ({method}: team_access_not_granted): the Slack app is not "
        "installed in this workspace or not granted access to it: install it there (an "
        "org-wide app: an org admin grants it the workspace), then start storybot again"
    )
    assert waits == []


async def test_an_api_url_without_the_api_path_stops_start_naming_the_variable(
    fake: FakeSlack, store: SqlStore
) -> None:
    # STORYBOT_SLACK_API_URL set to the server's root: every method answers HTTP 404,
    # which no retry changes; the service stops with one line (exit 2), not a traceback
    from adapters.chat_start import start_adapter

    adapter = make_adapter(fake, store, api_base_url=fake.root)
    waits: list[float] = []

    async def no_wait(seconds: float) -> None:
        waits.append(seconds)

    with pytest.raises(ConfigError) as raised:
        await start_adapter(adapter, asyncio.Event(), sleep=no_wait)
    assert str(raised.value) == (
        f"Slack refused auth.test: HTTP 404 at {fake.root}/, so storybot cannot start: "
        "STORYBOT_SLACK_API_URL must be a Slack Web API base URL, such as Slack's own "
        "https://slack.com/api/ (with its path, /api/)"
    )
    assert waits == []


async def test_a_refusal_slack_would_repeat_stops_start_saying_what_slack_said(
    fake: FakeSlack, store: SqlStore
) -> None:
    fake.fail_next(status=200, error="invalid_arguments", method="apps.connections.open")
    adapter = make_adapter(fake, store)
    with pytest.raises(ConfigError) as raised:
        await adapter.start()
    await adapter.stop()
    assert str(raised.value) == (
        "Slack refused apps.connections.open: invalid_arguments at "
        f"{fake.base_url}, so storybot cannot start"
    )


@pytest.mark.parametrize(
    ("channel_id", "channel_name"), [("D0DM", "directmessage"), ("G0GROUP", "mpdm-alice--bob-1")]
)
async def test_follow_in_a_direct_message_asks_for_a_channel(
    fake: FakeSlack, waits: list[float], channel_id: str, channel_name: str
) -> None:
    fake.users["UADMIN"] = {"is_admin": True}
    _, response, _ = await run_command(
        fake, "follow pentagon", user_id="UADMIN", channel_id=channel_id, channel_name=channel_name
    )
    assert "works in a server channel, not in a direct message" in response["text"]
    assert "Only admins" not in response["text"]
    assert fake.calls_to("users.info") == []  # refused whoever asks: no role look-up


async def test_status_in_a_direct_message_still_answers(
    fake: FakeSlack, adapter: SlackAdapter
) -> None:
    _, response, _ = await run_command(
        fake, "stories", channel_id="D0DM", channel_name="directmessage"
    )
    assert "direct message" not in response["text"]


@pytest.mark.parametrize("command", ["status pentagon", "developments pentagon"])
async def test_status_and_developments_label_no_time_of_asking_as_reported(
    fake: FakeSlack, adapter: SlackAdapter, store: SqlStore, command: str
) -> None:
    # a digest's context says when its news was "reported"; a reply dates its
    # developments in its lines, and the time it was asked for is no report's
    from store_builders import T0, new_item

    from bot.ports import DevelopmentWrite

    add_story(store)
    _, item = store.ingest_item(new_item(1, at=T0))
    turn = DevelopmentWrite(store.get_story("pentagon").id, 1, "Turn 1", "Turn 1 came.", (item.id,))
    store.commit_decisions([], [turn], {}, [], T0)
    _, response, _ = await run_command(fake, command)
    contexts = [b for b in response["blocks"] if b["type"] == "context"]
    shown = [e["text"] for b in contexts for e in b["elements"]]
    assert shown == ["pentagon"], shown


async def test_a_rejected_token_stops_the_service_saying_why_not_naming_signals(
    fake: FakeSlack, store: SqlStore, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    from adapters.app import add_adapter, build_app
    from adapters.service import run_service
    from bot.settings import load_settings

    fake.invalid_tokens.add("xoxb-revoked")
    app = build_app(load_settings(env={}), store=store)
    add_adapter(app, make_adapter(fake, store, bot_token="xoxb-revoked"))
    with caplog.at_level(logging.INFO, logger="adapters.app"):
        with pytest.raises(ConfigError, match="Slack rejected SLACK_BOT_TOKEN"):
            await run_service(app)
    stopping = [r.getMessage() for r in caplog.records if r.getMessage().startswith("stopping")]
    assert stopping == [
        "stopping: Slack rejected SLACK_BOT_TOKEN (auth.test: invalid_auth); "
        "finishing in-flight work"
    ], caplog.text


@pytest.mark.parametrize("method", ["auth.test", "apps.connections.open"])
async def test_a_rate_limited_start_waits_as_long_as_slack_asks_then_connects(
    fake: FakeSlack, store: SqlStore, method: str
) -> None:
    # apps.connections.open is Tier 1 (about one call a minute): a supervisor restarting
    # the service quickly meets a 429, which is a wait, not a reason to stop the service
    from adapters.chat_start import start_adapter

    fake.fail_next(1, status=429, retry_after=42, method=method)
    adapter = make_adapter(fake, store)
    waits: list[float] = []

    async def no_wait(seconds: float) -> None:
        waits.append(seconds)

    try:
        assert await start_adapter(adapter, asyncio.Event(), sleep=no_wait)
        assert fake.connected
    finally:
        await adapter.stop()
    assert waits == [42.0]  # Retry-After, not the 1 s first back-off


@pytest.mark.parametrize(
    ("method", "setting"),
    [("auth.test", "SLACK_BOT_TOKEN"), ("apps.connections.open", "SLACK_APP_TOKEN")],
)
@pytest.mark.parametrize("code", ["token_revoked", "account_inactive", "not_authed"])
async def test_every_refused_token_code_at_start_is_a_config_error(
    fake: FakeSlack, store: SqlStore, method: str, setting: str, code: str
) -> None:
    fake.fail_next(status=200, error=code, method=method)
    adapter = make_adapter(fake, store)
    with pytest.raises(ConfigError, match=f"Slack rejected {setting} \\({method}: {code}\\)"):
        await adapter.start()
    await adapter.stop()


@pytest.mark.parametrize(
    ("retry_after", "said"), [(7 * 86400, "7 days"), (float("inf"), "forever")]
)
async def test_a_start_rate_limited_beyond_the_longest_back_off_is_tried_again_after_it(
    fake: FakeSlack,
    store: SqlStore,
    caplog: pytest.LogCaptureFixture,
    retry_after: float,
    said: str,
) -> None:
    # a Retry-After of a week (or "inf", from a broken proxy) must not leave `storybot run`
    # waiting that long after one log line: the wait is the longest back-off, and the
    # line says what Slack asked for
    from adapters.chat_start import START_RETRY_MAX_S, start_adapter

    fake.fail_next(1, status=429, retry_after=retry_after, method="apps.connections.open")
    adapter = make_adapter(fake, store)
    waits: list[float] = []

    async def no_wait(seconds: float) -> None:
        waits.append(seconds)

    try:
        assert await start_adapter(adapter, asyncio.Event(), sleep=no_wait)
        assert fake.connected
    finally:
        await adapter.stop()
    assert waits == [START_RETRY_MAX_S]
    retries = [r.getMessage() for r in caplog.records if "retrying in" in r.getMessage()]
    assert len(retries) == 1
    assert f"retry after {said}" in retries[0]
    assert retries[0].endswith("retrying in 5 min")


async def test_a_stop_during_a_rate_limited_start_wait_ends_the_wait(
    fake: FakeSlack, store: SqlStore
) -> None:
    from adapters.chat_start import start_adapter

    fake.fail_next(1, status=429, retry_after=60, method="auth.test")
    adapter = make_adapter(fake, store)
    stop = asyncio.Event()
    waiting = asyncio.Event()

    async def forever(seconds: float) -> None:  # a wait only the stop can end
        waiting.set()
        await asyncio.Event().wait()

    starting = asyncio.ensure_future(start_adapter(adapter, stop, sleep=forever))
    try:
        await asyncio.wait_for(waiting.wait(), 10)
        stop.set()
        assert await asyncio.wait_for(starting, 10) is False
        assert not fake.connected
        assert len(fake.calls_to("auth.test")) == 1
    finally:
        await adapter.stop()


@pytest.mark.parametrize("how", ["dropped", "disconnect"])
async def test_an_app_token_revoked_while_connected_is_said_once_and_retried_with_back_off(
    fake: FakeSlack, store: SqlStore, caplog: pytest.LogCaptureFixture, how: str
) -> None:
    # Slack drops the socket and refuses apps.connections.open from then on: slack_sdk
    # alone retried every ping interval with two multi-line ERRORs each time, none naming
    # SLACK_APP_TOKEN. Now: one line that names it, and waits that grow.
    waits: list[float] = []
    gate: asyncio.Queue[None] = asyncio.Queue()
    waiting: asyncio.Queue[float] = asyncio.Queue()

    async def held(seconds: float) -> None:  # the injected reconnect wait: the test ends it
        waits.append(seconds)
        waiting.put_nowait(seconds)
        await gate.get()

    async def next_wait() -> float:
        return await asyncio.wait_for(waiting.get(), 10)

    caplog.set_level(logging.INFO, logger="adapters.slack_chat.app_token")
    adapter = make_adapter(fake, store, reconnect_sleep=held)
    await adapter.start()
    try:
        fake.invalid_tokens.add("xapp-test")
        await lose_the_socket(fake, how)
        await next_wait()
        gate.put_nowait(None)
        await next_wait()
        assert waits[1] > waits[0] > 0
        assert len(fake.calls_to("apps.connections.open")) == 3  # start, then two refused
        errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
        assert [r.getMessage() for r in errors] == [
            "Slack rejected SLACK_APP_TOKEN (apps.connections.open: invalid_auth): /story "
            "commands on Slack are not answered until SLACK_APP_TOKEN is replaced (an app-level "
            "token with connections:write) and storybot restarted (alerts go out while "
            "SLACK_BOT_TOKEN works); asking Slack again with back-off, up to every 15 min"
        ], caplog.text
        # a refusal that ends (Slack had a bad moment) reconnects by itself
        fake.invalid_tokens.discard("xapp-test")
        gate.put_nowait(None)
        await fake.wait_for(lambda: fake.connected)
        _, response, _ = await run_command(fake, "help")
        assert "storybot follows developing news stories" in response["text"]
        assert any("Slack accepted SLACK_APP_TOKEN again" in r.getMessage() for r in caplog.records)
    finally:
        await adapter.stop()


@pytest.mark.parametrize("how", ["dropped", "disconnect"])
async def test_a_stop_while_the_app_token_is_refused_ends_the_reconnect_wait(
    fake: FakeSlack, store: SqlStore, caplog: pytest.LogCaptureFixture, how: str
) -> None:
    waiting = asyncio.Event()

    async def forever(seconds: float) -> None:
        waiting.set()
        await asyncio.Event().wait()

    adapter = make_adapter(fake, store, reconnect_sleep=forever)
    await adapter.start()
    fake.invalid_tokens.add("xapp-test")
    await lose_the_socket(fake, how)
    await asyncio.wait_for(waiting.wait(), 10)
    await asyncio.wait_for(adapter.stop(), 10)
    calls = len(fake.calls_to("apps.connections.open"))
    for _ in range(20):  # let any leftover reconnection run: there is none
        await asyncio.sleep(0)
    assert len(fake.calls_to("apps.connections.open")) == calls == 2
    mine = asyncio.current_task()
    left = [t for t in asyncio.all_tasks() if t is not mine and "socket_mode" in repr(t)]
    assert left == [], left
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR][1:] == []


async def lose_the_socket(fake: FakeSlack, how: str) -> None:
    """Slack closes the socket, or asks the client to reconnect (``disconnect``)."""
    if how == "dropped":
        await fake.drop_connections()
    else:
        await fake.send_disconnect("link_disabled")


def one_line_warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The WARNING-or-worse lines logged, each checked to be one line with no traceback."""
    loud = [r for r in caplog.records if r.levelno >= logging.WARNING]
    for record in loud:
        assert record.exc_info is None and "\n" not in record.getMessage(), caplog.text
    return [r.getMessage() for r in loud]


def ours(caplog: pytest.LogCaptureFixture) -> str:
    """The captured log without the fake server's own access lines (aiohttp.access, in
    this process: it logs the requests it serves, the ticket included; whether they are
    captured depends on the levels earlier tests left)."""
    return "\n".join(line for line in caplog.text.splitlines() if "aiohttp.access" not in line)


@pytest.mark.parametrize("how", ["refused", "tls", 410, 500])
async def test_a_socket_url_whose_handshake_fails_at_start_is_retried_with_a_new_url(
    fake: FakeSlack, store: SqlStore, caplog: pytest.LogCaptureFixture, how: int | str
) -> None:
    # slack_sdk's connect() retried the same URL every ping interval with a traceback and
    # never returned: start() hung, and start_adapter never got to try again
    from adapters.chat_start import start_adapter

    fake.break_next_sockets(1, how=how)
    adapter = make_adapter(fake, store)
    waits: list[float] = []

    async def no_wait(seconds: float) -> None:
        waits.append(seconds)

    try:
        assert await asyncio.wait_for(start_adapter(adapter, asyncio.Event(), sleep=no_wait), 10)
        _, response, _ = await run_command(fake, "help")
    finally:
        await adapter.stop()
    assert "storybot follows developing news stories" in response["text"]
    assert waits == [1.0]
    assert len(fake.calls_to("apps.connections.open")) == 2  # a new URL for the new attempt
    [warning] = one_line_warnings(caplog)
    assert warning.startswith("slack: cannot connect (attempt 1): Slack Socket Mode")
    assert warning.endswith("retrying in 1 s")
    expected = {"refused": "(Connection refused)", "tls": "(TLS: "}.get(str(how), f"HTTP {how}")
    assert expected in warning
    assert "ticket=" not in ours(caplog)


async def test_a_socket_handshake_never_answered_at_start_gives_up_after_the_start_timeout(
    fake: FakeSlack, store: SqlStore, caplog: pytest.LogCaptureFixture
) -> None:
    from adapters.chat_start import start_adapter

    fake.break_next_sockets(1, how="hang")
    adapter = make_adapter(fake, store, start_timeout_s=0.3)
    waits: list[float] = []

    async def no_wait(seconds: float) -> None:
        waits.append(seconds)
        # the retry, which should connect, gets time to spare on a loaded machine
        adapter.start_timeout_s = 30.0

    try:
        assert await asyncio.wait_for(start_adapter(adapter, asyncio.Event(), sleep=no_wait), 40)
        assert fake.connected
    finally:
        await adapter.stop()
    assert waits == [1.0]
    assert fake.handshakes == ["1", "2"]
    [warning] = one_line_warnings(caplog)
    assert "no WebSocket connection after 0.3 s" in warning


@pytest.mark.parametrize("how", ["stop", "cancel"])
async def test_a_stop_while_the_socket_handshake_hangs_ends_start(
    fake: FakeSlack, store: SqlStore, caplog: pytest.LogCaptureFixture, how: str
) -> None:
    from bot.errors import TransientDeliveryError

    fake.break_next_sockets(1, how="hang")
    adapter = make_adapter(fake, store)
    starting = asyncio.ensure_future(adapter.start())
    try:
        await fake.wait_for(lambda: fake.handshakes)
        if how == "stop":
            await asyncio.wait_for(adapter.stop(), 10)
            with pytest.raises(TransientDeliveryError, match="stopped"):
                await asyncio.wait_for(starting, 10)
        else:  # run_service cancels the start, then stops the adapter
            starting.cancel()
            with pytest.raises(asyncio.CancelledError):
                await asyncio.wait_for(starting, 10)
    finally:
        starting.cancel()
        await adapter.stop()
    for _ in range(20):
        await asyncio.sleep(0)
    mine = asyncio.current_task()
    left = [t for t in asyncio.all_tasks() if t is not mine and "socket_mode" in repr(t)]
    assert left == [], left
    assert not fake.connected
    assert one_line_warnings(caplog) == []
    assert "connected in Socket Mode" not in caplog.text


@pytest.mark.parametrize(("lost", "how"), [("dropped", "refused"), ("disconnect", 410)])
async def test_a_reconnection_whose_handshake_fails_asks_slack_for_a_new_url(
    fake: FakeSlack, store: SqlStore, caplog: pytest.LogCaptureFixture, lost: str, how: int | str
) -> None:
    # slack_sdk retried the one URL it had been given for the reconnection, every ping
    # interval with a traceback, forever: a URL that has expired never works again.
    # (slack_sdk waits one ping interval between tries on the real clock: a short one here)
    caplog.set_level(logging.INFO, logger="adapters.slack_chat.adapter")
    adapter = make_adapter(fake, store, ping_interval_s=0.2)
    await adapter.start()
    try:
        fake.break_next_sockets(2, how=how)
        await lose_the_socket(fake, lost)
        await fake.wait_for(
            lambda: len(fake.calls_to("apps.connections.open")) == 4 and fake.connected, 10
        )
        _, response, _ = await run_command(fake, "help")
    finally:
        await adapter.stop()
    assert "storybot follows developing news stories" in response["text"]
    [warning] = one_line_warnings(caplog)  # said once, however many tries fail
    assert warning.startswith("slack: Socket Mode reconnection failed")
    assert "ticket=" not in ours(caplog)
    assert "slack: Socket Mode reconnected" in caplog.text


@pytest.mark.parametrize("lost", ["dropped", "disconnect"])
async def test_a_stop_while_reconnections_fail_ends_them(
    fake: FakeSlack, store: SqlStore, caplog: pytest.LogCaptureFixture, lost: str
) -> None:
    adapter = make_adapter(fake, store, ping_interval_s=0.2)
    await adapter.start()
    fake.break_next_sockets(100, how=410)
    await lose_the_socket(fake, lost)
    await fake.wait_for(lambda: len(fake.handshakes) >= 3)  # the first and two failed tries
    await asyncio.wait_for(adapter.stop(), 10)
    calls = len(fake.calls_to("apps.connections.open"))
    for _ in range(20):
        await asyncio.sleep(0)
    mine = asyncio.current_task()
    left = [t for t in asyncio.all_tasks() if t is not mine and "socket_mode" in repr(t)]
    if lost == "disconnect":
        # slack_sdk reconnects on a `disconnect` message in a task of its own that close()
        # does not cancel: it ends by itself at the end of its ping-interval wait
        await asyncio.wait_for(asyncio.gather(*left), 10)
    else:
        assert left == [], left
    assert len(fake.calls_to("apps.connections.open")) == calls
    assert len(one_line_warnings(caplog)) == 1


async def test_swapped_tokens_fail_start_naming_the_setting(
    fake: FakeSlack, store: SqlStore
) -> None:
    # Slack takes an app-level token (xapp-) only for apps.connections.open
    adapter = make_adapter(fake, store, bot_token="xapp-test", app_token="xoxb-test")
    with pytest.raises(ConfigError, match="SLACK_BOT_TOKEN.*not_allowed_token_type"):
        await adapter.start()
    await adapter.stop()
    adapter = make_adapter(fake, store, app_token="xoxb-test")
    with pytest.raises(ConfigError, match="SLACK_APP_TOKEN.*not_allowed_token_type"):
        await adapter.start()
    await adapter.stop()


# ------------------------------------------ follow in a channel storybot cannot post in


def add_story(store: SqlStore, name: str = "pentagon") -> None:
    from store_builders import T0, seed

    store.add_story(name, name.title(), [seed(1), seed(2)], T0)


async def test_follow_in_a_private_channel_storybot_is_not_in_says_to_invite_it_first(
    fake: FakeSlack, adapter: SlackAdapter, store: SqlStore
) -> None:
    """Slack hides a private channel from an app not in it: the follow said it worked,
    and the first alert died with channel_not_found. It is refused now, saying what to do."""
    add_story(store)
    fake.users["UADMIN"] = {"is_admin": True}
    fake.uninvited.add("C0SECRET")
    _, refused, _ = await run_command(
        fake,
        "follow pentagon",
        user_id="UADMIN",
        channel_id="C0SECRET",
        channel_name="privategroup",
    )
    assert "now follows" not in refused["text"]
    assert "invite @storybot to this channel first (/invite @storybot)" in refused["text"]
    assert refused["response_type"] == "ephemeral"
    assert store.bindings_for_channel("slack", "C0SECRET") == []

    fake.uninvited.discard("C0SECRET")  # /invite @storybot
    _, followed, _ = await run_command(
        fake, "follow pentagon", user_id="UADMIN", channel_id="C0SECRET", channel_name="secret"
    )
    assert "This channel now follows pentagon" in followed["text"]
    assert len(store.bindings_for_channel("slack", "C0SECRET")) == 1


@pytest.mark.parametrize(
    "slack",
    [
        # a public channel it was never invited to: it posts there with chat:write.public
        {"not_member": True},
        # installed without the history scopes: it cannot tell, and follows as before
        {"fail": {"error": "missing_scope", "extra": {"needed": "groups:history"}}},
        # Slack busy or down: no reason to refuse
        {"fail": {"status": 429, "retry_after": 30}},
        {"fail": {"status": 503}},
    ],
    ids=["public-uninvited", "no-history-scope", "rate-limited", "slack-down"],
)
async def test_follow_where_storybot_can_post_or_cannot_tell_follows(
    fake: FakeSlack, adapter: SlackAdapter, store: SqlStore, slack: dict[str, Any]
) -> None:
    add_story(store)
    fake.users["UADMIN"] = {"is_admin": True}
    if slack.get("not_member"):
        fake.not_member.add("C0NEWS")
    if "fail" in slack:
        fake.fail_next(method="conversations.history", **{"status": 200, **slack["fail"]})
    _, followed, _ = await run_command(
        fake, "follow pentagon", user_id="UADMIN", channel_id="C0NEWS", channel_name="news"
    )
    assert "This channel now follows pentagon" in followed["text"]
    assert len(fake.calls_to("conversations.history")) == 1


async def test_only_an_admins_follow_asks_slack_about_the_channel(
    fake: FakeSlack, adapter: SlackAdapter, store: SqlStore
) -> None:
    add_story(store)
    fake.uninvited.add("C0SECRET")
    _, denied, _ = await run_command(
        fake, "follow pentagon", user_id="U0PLAIN", channel_id="C0SECRET"
    )
    _, status, _ = await run_command(fake, "status pentagon", channel_id="C0SECRET")
    assert "Only admins" in denied["text"]
    assert "invite" not in status["text"]
    assert fake.calls_to("conversations.history") == []
