"""The stderr log: what each ``-v`` shows, and that no secret reaches a line."""

from __future__ import annotations

import io
import logging

import pytest

from adapters.log_setup import LIBRARIES, OURS, QUIETER, REDACTED, configure_logging, redact

BOT = "xoxb-1234-5678-AbCdEfGhIjKl"


@pytest.mark.parametrize(
    ("line", "secret_part"),
    [
        (f"headers: {{'Authorization': 'Bearer {BOT}'}}", BOT),
        (f"token={BOT}&channel=C1", BOT),
        ("app token xapp-1-A0B1-2345-abcdef", "xapp-1-A0B1-2345-abcdef"),
        ("refresh xoxe-1-My4xLTEy and user xoxp-9-8-7", "xoxe-1-My4xLTEy"),
        (
            "body: {'ok': True, 'url': 'wss://wss.slack.com/link/?ticket=2f8a-77&app_id=A1'}",
            "2f8a-77",
        ),
        (
            "url: https://hooks.slack.com/commands/T0/123456/AbCdEf, body: {}",
            "commands/T0/123456/AbCdEf",
        ),
        ('{"response_url": "https://example.test/response/env-2", "x": 1}', "env-2"),
        ("{'token': 'legacy-verification-token', 'team_id': 'T0'}", "legacy-verification"),
        ("Authorization: bearer abc.def.ghi", "abc.def.ghi"),
        (
            "Webhook ID 15 with POST https://discord.com/api/v10/interactions/15/aW50ZXJh"
            "Y3Rpb24_6MTIz/callback has returned status code 204",
            "aW50ZXJhY3Rpb24_6MTIz",
        ),
        (
            "Webhook ID 14 with PATCH https://discord.com/api/v10/webhooks/14/aW50ZXJhY3Rp"
            "b24-6MTIz/messages/@original?with_components=1 has returned status code 200",
            "aW50ZXJhY3Rpb24-6MTIz",
        ),
        # httpx logs each request's URL at -vv: STORYBOT_SUMMARIZER_URL may carry a password
        (
            "HTTP Request: POST http://storybot:s3cret-pw@127.0.0.1:8080/v1/chat/completions "
            '"HTTP/1.1 200 OK"',
            "s3cret-pw",
        ),
        ("connecting to postgresql+psycopg://bob:pg%40pw@db.internal/storybot", "pg%40pw"),
    ],
)
def test_credentials_the_chat_libraries_log_are_redacted(line, secret_part):
    shown = redact(line)
    assert secret_part not in shown and REDACTED in shown, shown


def test_a_url_password_is_redacted_and_the_rest_of_the_url_kept():
    shown = redact("POST http://storybot:s3cret-pw@127.0.0.1:8080/v1 and http://h:8080/a@b")
    assert shown == f"POST http://storybot:{REDACTED}@127.0.0.1:8080/v1 and http://h:8080/a@b"


def test_a_feed_urls_key_is_hidden_as_chat_hides_it_and_the_rest_kept():
    # the poller logs a failing feed by its URL (README: no level logs a key)
    line = (
        "feed https://TOK3NVALUE@news.example/rss?apikey=K3Y-VALUE&lang=en failed: "
        "redirect loop: https://news.example/feeds/9f2c4e0b7a1d5e3f8a6b/rss -> "
        "https://discord.com/api/v10/channels/123456789012345678/messages"
    )
    assert redact(line) == (
        "feed https://***@news.example/rss?apikey=***&lang=en failed: "
        "redirect loop: https://news.example/feeds/***/rss -> "
        "https://discord.com/api/v10/channels/123456789012345678/messages"
    )


def test_the_environments_secrets_are_redacted_by_value_and_the_rest_kept():
    discord = "MTAx.Gq8kzX-9f8e7d6c5b4a.secretpart"
    shown = redact(f"connecting with {discord} to team_id T0 at 10:00", [discord])
    assert shown == f"connecting with {REDACTED} to team_id T0 at 10:00"


@pytest.fixture
def restore_logging():
    root = logging.getLogger()
    names = [*OURS, *LIBRARIES, *QUIETER]
    saved = (list(root.handlers), root.level, {n: logging.getLogger(n).level for n in names})
    yield
    handlers, level, levels = saved
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, old in levels.items():
        logging.getLogger(name).setLevel(old)


def _logged(verbosity: int, env: dict[str, str] | None = None) -> str:
    out = io.StringIO()
    configure_logging(verbosity, env or {}, out)
    logging.getLogger("adapters.app").info("ours: info")
    logging.getLogger("storage.outbox").debug("ours: debug")
    logging.getLogger("slack_sdk.web.async_base_client").debug("slack_sdk: debug")
    logging.getLogger("slack_sdk.web.async_base_client").warning("slack_sdk: warning")
    logging.getLogger("storybot.slack.bolt").info("bolt: info")
    logging.getLogger("apscheduler.executors.default").info("apscheduler: info")
    logging.getLogger("adapters.slack_chat").info("posting with xoxb-9-9-secretsecret")
    logging.getLogger("adapters.discord_chat").info("token SECRETDISCORD.MTAx.Gq8kzX")
    return out.getvalue()


@pytest.mark.parametrize(
    ("verbosity", "shown"),
    [
        (0, {"ours: info", "slack_sdk: warning"}),
        (1, {"ours: info", "ours: debug", "slack_sdk: warning"}),
        (
            2,
            {
                "ours: info",
                "ours: debug",
                "slack_sdk: debug",
                "slack_sdk: warning",
                "bolt: info",
                "apscheduler: info",
            },
        ),
    ],
)
def test_v_adds_storybots_debug_and_vv_the_libraries(restore_logging, verbosity, shown):
    text = _logged(verbosity, {"DISCORD_BOT_TOKEN": "SECRETDISCORD.MTAx.Gq8kzX"})
    every = {
        "ours: info",
        "ours: debug",
        "slack_sdk: debug",
        "slack_sdk: warning",
        "bolt: info",
        "apscheduler: info",
    }
    assert {what for what in every if what in text} == shown, text
    assert "secretsecret" not in text and "SECRETDISCORD" not in text, text
    assert text.count(REDACTED) == 2
