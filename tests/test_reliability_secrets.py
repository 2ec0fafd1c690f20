"""Issue #6, bullet 6: tokens never leak, and feed text never pings or injects markup.

Secrets: distinctive token values go through the paths that handle them - a rejected Slack
bot token, a rejected app token, a rejected Discord token, failing deliveries on both
platforms, a config file that contains a token - with every log record captured at DEBUG
(``caplog`` in process; stderr of ``storybot -vv run`` in a subprocess). No secret may
appear in a log line, an exception message, an outbox error or a ``/story`` reply.

Markup: an item whose title tries ``<!channel>``, ``@everyone``, user/role/channel
mentions and a disguised link is polled from a local feed, matched by keyword
subscriptions on both platforms and delivered through the outbox to the fake Slack and
the fake Discord; the recorded payloads must carry it inert.
"""

from __future__ import annotations

import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from checkout import code_env
from fakes.discord_server import USER_ID, FakeDiscord
from fakes.slack_server import FakeSlack
from faults import ThreadedLoop
from feedbuilder import entry, rss
from feedserver import FeedServer, feed_server_fixture  # noqa: F401 - the feed_server fixture

from adapters.app import build_app
from adapters.discord_chat import DiscordAdapter
from adapters.discord_chat.endpoints import current_endpoints, restore_endpoints
from adapters.slack_chat import SlackAdapter
from adapters.slack_chat.sink import SlackSink
from bot.commands import Commands
from bot.delivery import DeliveryWorker
from bot.errors import ConfigError
from bot.model import CommandRequest, MessageKind, OutboundMessage, Target
from bot.ports import OutboxWrite
from bot.settings import load_settings
from storage import open_store

SLACK_BOT = "xoxb-SECRETBOT-4242-7f3a9c"
SLACK_APP = "xapp-SECRETAPP-1-A0-9d8e7f"
SIGNING = "SECRETSIGNING0b1c2d3e4f5a6b7c8d"
DISCORD = "SECRETDISCORD.MTAx.Gq8kzX-9f8e7d6c5b4a"
SECRETS = (SLACK_BOT, SLACK_APP, SIGNING, DISCORD)
# Fragments too: a token cut by a log formatter or an error clip is still a leak.
FRAGMENTS = ("SECRETBOT", "SECRETAPP", "SECRETSIGNING", "SECRETDISCORD", "Gq8kzX")


def assert_clean(text: str, where: str) -> None:
    leaked = [f for f in FRAGMENTS if f in text]
    assert not leaked, (
        f"{where} leaks {leaked}: ...{text[max(0, text.find(leaked[0]) - 200) :][:400]}"
    )


def alert() -> OutboundMessage:
    return OutboundMessage(MessageKind.ALERT, "Talks resume", "Officials met.")


@pytest.fixture
def store(migrated_sqlite_url):
    opened = open_store(migrated_sqlite_url)
    yield opened
    opened.close()


async def test_secrets_never_reach_logs_errors_or_replies(caplog, store, clock, tmp_path) -> None:
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []  # exception texts and user-visible strings
    commands = Commands(store, clock)

    # Slack: a rejected bot token, then a rejected app token, then failing deliveries.
    slack = FakeSlack(invalid_tokens={SLACK_BOT})
    await slack.start()
    try:
        adapter = SlackAdapter(
            bot_token=SLACK_BOT, app_token=SLACK_APP, commands=commands, api_base_url=slack.base_url
        )
        with pytest.raises(ConfigError) as rejected:
            await adapter.start()
        seen.append(str(rejected.value))
        await adapter.stop()
        slack.invalid_tokens = {SLACK_APP}
        adapter = SlackAdapter(
            bot_token=SLACK_BOT, app_token=SLACK_APP, commands=commands, api_base_url=slack.base_url
        )
        with pytest.raises(ConfigError) as rejected:
            await adapter.start()
        seen.append(str(rejected.value))
        await adapter.stop()
        slack.invalid_tokens = set()
        sink = SlackSink(SlackSink.make_client(SLACK_BOT, slack.base_url, timeout=2))
        slack.fail_next(status=500)
        slack.fail_next(error="invalid_auth")
        slack.fail_next(disconnect=True)
        worker = DeliveryWorker(store, {"slack": sink}, clock)
        store.enqueue(
            [
                OutboxWrite(f"alert:{n}", Target("slack", channel_id="C1"), alert())
                for n in range(3)
            ],
            clock.now(),
        )
        report = await worker.deliver_due()
        seen.extend(report.errors)
    finally:
        await slack.stop()

    # Discord: a rejected token (start and delivery), then failing deliveries.
    saved = current_endpoints()
    try:
        async with FakeDiscord(token="the-right-token") as discord_fake:
            adapter = DiscordAdapter(
                DISCORD,
                commands,
                api_url=discord_fake.api_url,
                gateway_url=discord_fake.gateway_url,
                start_timeout_s=5,
            )
            with pytest.raises(Exception) as rejected:
                await adapter.start()
            seen.append(f"{type(rejected.value).__name__}: {rejected.value!r} {rejected.value}")
            await adapter.stop()
            adapter = DiscordAdapter(DISCORD, commands, api_url=discord_fake.api_url)
            store.enqueue(
                [
                    OutboxWrite(
                        "alert:d", Target("discord", channel_id="1300000000000000001"), alert()
                    )
                ],
                clock.now(),
            )
            report = await DeliveryWorker(store, {"discord": adapter}, clock).deliver_due()
            seen.extend(report.errors)
            await adapter.stop()
        async with FakeDiscord(token=DISCORD) as discord_fake:
            adapter = DiscordAdapter(DISCORD, commands, api_url=discord_fake.api_url)
            discord_fake.fail_next(1, 503)
            discord_fake.fail_next(1, 403, code=50001, message="Missing Access")
            store.enqueue(
                [
                    OutboxWrite(
                        f"alert:d{n}", Target("discord", channel_id="1300000000000000001"), alert()
                    )
                    for n in range(2)
                ],
                clock.now(),
            )
            report = await DeliveryWorker(store, {"discord": adapter}, clock).deliver_due()
            seen.extend(report.errors)
            await adapter.stop()
    finally:
        restore_endpoints(saved)

    # A config file with a token in it is refused without echoing the value.
    bad = tmp_path / "bad.toml"
    bad.write_text(f'[slack]\nbot_token = "{SLACK_BOT}"\n[discord]\ntoken = "{DISCORD}"\n')
    with pytest.raises(ConfigError) as refused:
        load_settings(bad, env={})
    seen.append(str(refused.value))

    # /story replies, with the secrets in the environment the settings came from.
    settings = load_settings(
        env={
            "SLACK_BOT_TOKEN": SLACK_BOT,
            "SLACK_APP_TOKEN": SLACK_APP,
            "SLACK_SIGNING_SECRET": SIGNING,
            "DISCORD_BOT_TOKEN": DISCORD,
            "STORYBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'app.db'}",
        }
    )
    seen.append(repr(settings))
    app = build_app(settings, clock=clock)
    try:
        for text in (
            "status",
            "stories",
            "feeds",
            "help",
            "subscriptions",
            "why https://x.example/a",
            "feeds add https://feeds.example/x.xml",
            f"feeds add {SLACK_BOT}",
        ):
            reply = await app.commands.handle(
                CommandRequest(text, "slack", "U1", "C1", is_admin=True)
            )
            seen.append(reply.text if SLACK_BOT not in text else reply.text.replace(SLACK_BOT, ""))
    finally:
        await app.aclose()

    seen.extend(
        str(e.last_error)
        for e in (
            store.get_outbox(k)
            for k in ["alert:0", "alert:1", "alert:2", "alert:d", "alert:d0", "alert:d1"]
        )
        if e
    )
    assert len(caplog.records) > 10, "the paths above should have logged"
    for record in caplog.records:
        assert_clean(record.getMessage(), f"log record {record.name}")
    assert_clean(caplog.text, "formatted logs (with tracebacks)")
    for text in seen:
        assert_clean(text, "an error or reply")


def _storybot(
    args: list[str], env: dict[str, str], cwd: Path, timeout: float = 60
) -> subprocess.CompletedProcess:
    full_env = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_", "STORYBOT_"))
    }
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "-m", "adapters.cli", *args],
        env=code_env(full_env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.mark.slow
def test_secrets_never_reach_the_stderr_of_the_service(tmp_path) -> None:
    loop = ThreadedLoop()
    slack = FakeSlack(invalid_tokens={SLACK_BOT})
    loop.run(slack.start())
    try:
        base = {
            "STORYBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'storybot.db'}",
        }
        rejected_slack = _storybot(
            ["-vv", "run"],
            {
                **base,
                "SLACK_BOT_TOKEN": SLACK_BOT,
                "SLACK_APP_TOKEN": SLACK_APP,
                "STORYBOT_SLACK_API_URL": slack.base_url,
            },
            tmp_path,
        )
        rejected_discord = _storybot(
            ["-vv", "run"],
            {
                **base,
                "DISCORD_BOT_TOKEN": DISCORD,
                "STORYBOT_DISCORD_API_URL": slack.root + "/nowhere/api/v10",
                "STORYBOT_DISCORD_GATEWAY_URL": "ws://127.0.0.1:9/",
            },
            tmp_path,
        )
        bad = tmp_path / "bad.toml"
        bad.write_text(f'[slack]\nsigning_secret = "{SIGNING}"\n')
        config_error = _storybot(["-vv", "--config", str(bad), "run"], base, tmp_path)
        half_configured = _storybot(
            ["-vv", "run"], {**base, "SLACK_BOT_TOKEN": SLACK_BOT}, tmp_path
        )
    finally:
        loop.run(slack.stop())
        loop.close()
    assert rejected_slack.returncode == 2 and "SLACK_BOT_TOKEN" in rejected_slack.stderr
    assert rejected_discord.returncode != 0
    assert config_error.returncode == 2 and "secret" in config_error.stderr
    assert half_configured.returncode == 2
    for name, run in (
        ("rejected Slack token", rejected_slack),
        ("rejected Discord token", rejected_discord),
        ("config error", config_error),
        ("half-configured Slack", half_configured),
    ):
        assert_clean(run.stderr + run.stdout, f"`storybot -vv run` with a {name}")


def _connected_service_log(tmp_path: Path, verbosity: str) -> str:
    """The stderr of ``storybot VERBOSITY run`` that connects to the fake Slack in Socket
    Mode and answers one slash command, until SIGTERM."""
    loop = ThreadedLoop()
    slack = FakeSlack()
    loop.run(slack.start())
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DISCORD_", "STORYBOT_"))
    }
    env.update(
        {
            "STORYBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'storybot.db'}",
            "SLACK_BOT_TOKEN": SLACK_BOT,
            "SLACK_APP_TOKEN": SLACK_APP,
            "STORYBOT_SLACK_API_URL": slack.base_url,
        }
    )
    service = subprocess.Popen(
        [sys.executable, "-m", "adapters.cli", verbosity, "run"],
        env=code_env(env),
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        loop.run(slack.wait_for(lambda: slack.connected, timeout=60))
        envelope = loop.run(slack.push_slash_command("subscribe rail"))
        # answered and acknowledged: a stop before the ack is sent logs bolt's error
        loop.run(
            slack.wait_for(
                lambda: slack.response_for(envelope) and slack.ack_for(envelope), timeout=30
            )
        )
    finally:
        service.terminate()
        _, err = service.communicate(timeout=60)
        loop.run(slack.stop())
        loop.close()
    assert service.returncode == 0, err
    return err


@pytest.mark.slow
def test_a_connected_service_logs_no_credential_even_at_vv(tmp_path) -> None:
    """At -vv slack_sdk and bolt log the wire: the Socket Mode URL with its ticket, each
    slash command's payload with its response_url and verification token."""
    err = _connected_service_log(tmp_path, "-vv")
    assert "storybot.slack.bolt: Received message" in err, "the wire detail is logged"
    assert_clean(err, "`storybot -vv run` connected")
    assert "ticket=(redacted)" in err and "ticket=1" not in err
    assert '"response_url": "(redacted)"' in err and "/response/env-" not in err
    assert "legacy-verification-token" not in err


@pytest.mark.slow
def test_v_shows_storybots_own_lines_without_the_libraries_wire_detail(tmp_path) -> None:
    err = _connected_service_log(tmp_path, "-v")
    assert "slack: connected in Socket Mode" in err
    assert "slack_sdk" not in err and "storybot.slack.bolt" not in err, err
    assert "apscheduler" not in err and "alembic" not in err, err


# --------------------------------------------------------------------------- markup

HOSTILE = (
    "<!channel> @everyone @here <!here> <@U0ADMIN> <@&123456> <#C0GENERAL> "
    "pentagon talks <https://evil.example/steal|official statement> **bold** `code` "
    "[click](https://evil.example/x) @\u200beveryone"
)


async def test_feed_text_never_pings_or_injects_markup_end_to_end(
    feed_server: FeedServer, store, clock, tmp_path
) -> None:
    slack = FakeSlack()
    await slack.start()
    saved = current_endpoints()
    try:
        async with FakeDiscord() as discord_fake:
            sink = SlackSink(SlackSink.make_client("xoxb-test", slack.base_url, timeout=5))
            discord = DiscordAdapter(
                discord_fake.token, Commands(store, clock), api_url=discord_fake.api_url
            )
            settings = load_settings(
                env={"STORYBOT_DATABASE_URL": "sqlite://", "STORYBOT_ALLOWED_HOSTS": "127.0.0.1"}
            )
            app = build_app(
                settings, store=store, clock=clock, adapters={"slack": sink, "discord": discord}
            )  # type: ignore[dict-item]
            for platform, user in (("slack", "U1"), ("discord", str(USER_ID))):
                reply = await app.commands.handle(
                    CommandRequest("subscribe pentagon", platform, user)
                )
                assert reply.ok, reply.text
            app.pipeline.invalidate_subscriptions()
            url = feed_server.add_feed(
                "/hostile.xml",
                rss(
                    [
                        entry(
                            1,
                            title=HOSTILE,
                            summary=HOSTILE,
                            link="https://news.example/a?<!channel>",
                            published="Thu, 05 Mar 2026 07:00:00 GMT",  # news to a subscriber
                        ),
                    ]
                ),
            )
            store.add_feed(url, clock.now())
            await app.pipeline.poll_due()
            report = await app.delivery.deliver_due()
            assert report.posted == 2, report
            await discord.stop()
    finally:
        restore_endpoints(saved)
        await slack.stop()

    [slack_call] = slack.calls_to("chat.postMessage")
    payload = json.dumps({k: slack_call.args.get(k) for k in ("text", "blocks")})
    for dangerous in (
        "<!channel>",
        "<!here>",
        "<@U0ADMIN>",
        "<#C0GENERAL>",
        "<https://evil.example",
        "<!everyone>",
    ):
        assert dangerous not in payload, f"Slack payload carries {dangerous!r}: {payload[:500]}"
    assert "&lt;!channel&gt;" in payload  # shown, inert

    [posted] = [m for m in discord_fake.messages.values() if m.get("nonce")]
    body = posted["source_body"]
    assert body.get("allowed_mentions") == {"parse": []}, body.get("allowed_mentions")
    embed = (body.get("embeds") or [{}])[0]
    texts = [
        body.get("content") or "",
        embed.get("title") or "",
        embed.get("description") or "",
        *(f.get("value") or "" for f in embed.get("fields") or []),
    ]
    for text in texts:
        for dangerous in ("@everyone", "@here", "<@U0ADMIN>", "<@&123456>", "<#C0GENERAL>"):
            assert dangerous not in text, f"Discord payload carries {dangerous!r}: {text[:300]}"
        # A Markdown link made of feed text (not escaped with a backslash) would disguise a URL.
        assert not re.search(r"(?<!\\)\[click\]\(", text), text[:300]
        assert not re.search(r"(?<!\\)\*\*bold", text), text[:300]
