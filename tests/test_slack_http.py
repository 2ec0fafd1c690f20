"""SlackAdapter in HTTP (Events API) mode: signed slash commands in, replies out.

Requests are signed the way Slack signs them (``SignatureVerifier.generate_signature``,
as in bolt's own scenario tests); bolt rejects bad and stale signatures with 401.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator
from urllib.parse import urlencode

import aiohttp
import pytest
from fakes.slack_fixtures import fake, store  # noqa: F401  (fixtures)
from fakes.slack_server import FakeSlack
from slack_sdk.signature import SignatureVerifier

from adapters.slack_chat import SlackAdapter
from bot.clock import ManualClock
from bot.commands import Commands
from storage import SqlStore

SECRET = "test-signing-secret"
PATH = "/slack/events"


@pytest.fixture
async def adapter(fake: FakeSlack, store: SqlStore) -> AsyncIterator[SlackAdapter]:
    started = SlackAdapter(
        bot_token="xoxb-test",
        mode="http",
        signing_secret=SECRET,
        commands=Commands(store, ManualClock()),
        api_base_url=fake.base_url,
        http_host="127.0.0.1",
        http_port=0,
        http_path=PATH,
    )
    await started.start()
    yield started
    await started.stop()


def signed(body: str, timestamp: int, secret: str = SECRET) -> dict[str, str]:
    signature = SignatureVerifier(secret).generate_signature(timestamp=str(timestamp), body=body)
    assert signature is not None
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": str(timestamp),
        "X-Slack-Signature": signature,
    }


async def send(adapter: SlackAdapter, body: str | bytes, headers: dict[str, str]) -> int:
    url = f"http://127.0.0.1:{adapter.http_port}{PATH}"
    data = body.encode() if isinstance(body, str) else body
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=data, headers=headers) as response,
    ):
        return response.status


async def test_signed_command_is_acked_and_answered(fake: FakeSlack, adapter: SlackAdapter) -> None:
    payload = fake.slash_command_payload("help", envelope_id="cmd-1")
    body = urlencode(payload)
    assert await send(adapter, body, signed(body, int(time.time()))) == 200
    response = await fake.wait_for(lambda: fake.response_for("cmd-1"))
    assert response["response_type"] == "ephemeral"
    assert "storybot follows developing news stories" in response["text"]
    assert fake.calls_to("apps.connections.open") == []  # no Socket Mode in HTTP mode


async def test_wrong_signature_is_401(fake: FakeSlack, adapter: SlackAdapter) -> None:
    body = urlencode(fake.slash_command_payload("help", envelope_id="cmd-2"))
    assert await send(adapter, body, signed(body, int(time.time()), secret="wrong")) == 401
    assert fake.responses == []


async def test_tampered_body_is_401(fake: FakeSlack, adapter: SlackAdapter) -> None:
    body = urlencode(fake.slash_command_payload("help", envelope_id="cmd-3"))
    headers = signed(body, int(time.time()))
    assert await send(adapter, body.replace("help", "feeds"), headers) == 401


async def test_stale_timestamp_is_401(fake: FakeSlack, adapter: SlackAdapter) -> None:
    body = urlencode(fake.slash_command_payload("help", envelope_id="cmd-4"))
    six_minutes_ago = int(time.time()) - 6 * 60
    assert await send(adapter, body, signed(body, six_minutes_ago)) == 401


async def test_missing_signature_is_401(fake: FakeSlack, adapter: SlackAdapter) -> None:
    body = urlencode(fake.slash_command_payload("help", envelope_id="cmd-5"))
    assert await send(adapter, body, {"Content-Type": "application/x-www-form-urlencoded"}) == 401


async def test_url_verification_challenge(adapter: SlackAdapter) -> None:
    body = '{"type": "url_verification", "token": "t", "challenge": "c-123"}'
    headers = {**signed(body, int(time.time())), "Content-Type": "application/json"}
    url = f"http://127.0.0.1:{adapter.http_port}{PATH}"
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=body.encode(), headers=headers) as response,
    ):
        assert response.status == 200
        assert (await response.json())["challenge"] == "c-123"


@pytest.mark.parametrize("timestamp", ["abc", "1e3", "12.5"])
async def test_a_timestamp_that_is_not_a_number_is_401_not_a_server_error(
    fake: FakeSlack, adapter: SlackAdapter, caplog: pytest.LogCaptureFixture, timestamp: str
) -> None:
    body = urlencode(fake.slash_command_payload("help", envelope_id="cmd-6"))
    headers = {**signed(body, int(time.time())), "X-Slack-Request-Timestamp": timestamp}
    assert await send(adapter, body, headers) == 401
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert fake.responses == []


async def test_a_deactivation_sent_as_an_events_api_request_removes_the_subscriptions(
    fake: FakeSlack, store: SqlStore
) -> None:
    # the manifest's event_subscriptions request_url is the slash command's URL
    changed = asyncio.Event()
    started = SlackAdapter(
        bot_token="xoxb-test",
        mode="http",
        signing_secret=SECRET,
        commands=Commands(store, ManualClock(), on_subscriptions_changed=changed.set),
        api_base_url=fake.base_url,
        http_host="127.0.0.1",
        http_port=0,
        http_path=PATH,
    )
    store.add_subscription("slack", "U0GONE", "pentagon", None, ManualClock().now())
    await started.start()
    try:
        user = {"id": "U0GONE", "team_id": "T0FAKE", "deleted": True, "name": "gone"}
        body = json.dumps(fake.event_callback({"type": "user_change", "user": user}))
        headers = {**signed(body, int(time.time())), "Content-Type": "application/json"}
        assert await send(started, body, headers) == 200
        await asyncio.wait_for(changed.wait(), 5)
    finally:
        await started.stop()
    assert store.list_subscriptions("slack", "U0GONE") == []


# What bolt's parse of the body or its signature check let out as a 500 (with an ERROR
# traceback in the log) before it could refuse an unsigned request.
UNSIGNED_JUNK = [
    ("application/json", b"[]"),
    ("application/json", b"null"),
    ("application/json", b"1"),
    ("application/json", b"{"),
    ("application/x-www-form-urlencoded", b"payload=%5B%5D"),
    ("application/x-www-form-urlencoded", b"payload=%7B"),
    ("application/x-www-form-urlencoded", b"text=\xff\xfe"),  # not UTF-8
]


@pytest.mark.parametrize(("content_type", "body"), UNSIGNED_JUNK)
async def test_an_unsigned_request_whatever_its_body_is_401_not_a_server_error(
    fake: FakeSlack,
    adapter: SlackAdapter,
    caplog: pytest.LogCaptureFixture,
    content_type: str,
    body: bytes,
) -> None:
    headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": str(int(time.time())),
        "X-Slack-Signature": "v0=" + "0" * 64,
    }
    assert await send(adapter, body, headers) == 401
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert fake.responses == []


async def test_a_signature_beyond_ascii_is_401_not_a_server_error(
    fake: FakeSlack, adapter: SlackAdapter, caplog: pytest.LogCaptureFixture
) -> None:
    body = urlencode(fake.slash_command_payload("help", envelope_id="cmd-7"))
    # sent as UTF-8 bytes, which aiohttp reads back as the characters they are
    signature = "v0=caf\u00e9".encode().decode("latin-1")
    headers = {**signed(body, int(time.time())), "X-Slack-Signature": signature}
    assert await send(adapter, body, headers) == 401
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert fake.responses == []


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("subscribe payload", {}),
        ("help", {"channel_name": "payload-team"}),
        ("help", {"user_name": "payloadguy"}),
    ],
)
async def test_a_command_with_payload_in_its_form_is_run(
    fake: FakeSlack, adapter: SlackAdapter, text: str, where: dict[str, str]
) -> None:
    # bolt takes a form holding "payload" anywhere for an interactivity request
    # (payload={json}) and, with no such field, read the command as empty: a 404
    payload = fake.slash_command_payload(text, envelope_id="cmd-8", **where)
    body = urlencode(payload)
    assert await send(adapter, body, signed(body, int(time.time()))) == 200
    response = await fake.wait_for(lambda: fake.response_for("cmd-8"))
    assert response["response_type"] == "ephemeral"
    expected = "payload" if text.startswith("subscribe") else "storybot follows"
    assert expected in response["text"]


async def test_an_interactivity_payload_is_still_read_as_one(
    adapter: SlackAdapter, caplog: pytest.LogCaptureFixture
) -> None:
    # a form whose payload field is the JSON of a block action (no listener: bolt's 404)
    action = {"type": "block_actions", "team": {"id": "T0FAKE"}, "user": {"id": "U1"}}
    body = urlencode({"payload": json.dumps(action)})
    assert await send(adapter, body, signed(body, int(time.time()))) == 404
    assert "Unhandled request ({'type': 'block_actions'" in caplog.text
