"""DiscordAdapter as a ChatSink: the real discord.py REST client against a fake Discord."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import discord
import pytest
from fakes.discord_fixtures import discord as fake  # noqa: F401  (fixture)
from fakes.discord_server import CHANNEL_ID, GUILD_ID, OTHER_CHANNEL_ID, USER_ID, FakeDiscord
from faults import Chaos

from adapters.discord_chat import DiscordAdapter
from adapters.discord_chat.adapter import nonce_for
from adapters.discord_chat.rate_limits import rate_limit_scope
from bot.commands import Commands
from bot.delivery import DeliveryWorker
from bot.errors import (
    MessageGone,
    PermanentDeliveryError,
    RateLimited,
    RateLimitScope,
    TokenRefused,
    TransientDeliveryError,
)
from bot.model import Link, MessageKind, OutboundMessage, Target
from bot.ports import OutboxWrite
from bot.subscriptions_gone import operator_removed
from storage import open_store

CHANNEL = Target("discord", channel_id=str(CHANNEL_ID))
OTHER_CHANNEL = Target("discord", channel_id=str(OTHER_CHANNEL_ID))
MESSAGES = r"/channels/\d+/messages"
KEY = "alert:story-1:dev-1:discord:channel"


@pytest.fixture
async def sink(fake: FakeDiscord, migrated_sqlite_url: str, clock) -> AsyncIterator[DiscordAdapter]:
    store = open_store(migrated_sqlite_url)
    adapter = DiscordAdapter(
        fake.token, Commands(store, clock), api_url=fake.api_url, gateway_url=fake.gateway_url
    )
    yield adapter
    await adapter.stop()
    store.close()


def alert(title: str = "@everyone Pentagon <@123> talks **resume**") -> OutboundMessage:
    return OutboundMessage(
        kind=MessageKind.ALERT,
        title=title,
        body="Officials met on Tuesday.",
        story_name="pentagon",
        sources=("Reuters", "AP", "BBC"),
        links=(Link("Reuters", "https://reuters.example/a"),),
    )


async def first_report_posted(
    fake: FakeDiscord, sink: DiscordAdapter, store, clock, nonce_window_s: float
) -> DeliveryWorker:
    """A delivery worker that has posted the alert "First report" under ``KEY``; the fake
    Discord remembers a nonce for ``nonce_window_s`` on the test's clock."""
    fake.nonce_window_s, fake.clock = nonce_window_s, lambda: clock.now().timestamp()
    worker = DeliveryWorker(store, {"discord": sink}, clock)
    store.enqueue([OutboxWrite(KEY, CHANNEL, alert("First report"))], clock.now())
    assert (await worker.deliver_due()).posted == 1
    return worker


async def test_post_sends_an_escaped_embed_without_mentions(fake: FakeDiscord, sink) -> None:
    message_id = await sink.post(CHANNEL, alert(), idempotency_key="alert:1:3:C")
    [call] = fake.calls_to("POST", MESSAGES)
    assert call.path == f"/channels/{CHANNEL_ID}/messages"
    assert call.headers["Authorization"] == f"Bot {fake.token}"
    body = call.json
    assert message_id == fake.messages[message_id]["id"]
    assert body["allowed_mentions"] == {"parse": []}
    assert body["nonce"] == nonce_for("alert:1:3:C") and body["enforce_nonce"] is True
    [embed] = body["embeds"]
    assert embed["title"] == "@\u200beveryone Pentagon <\u200b@123> talks \\*\\*resume\\*\\*"
    assert {"name": "Sources", "value": "Reuters, AP and 1 more", "inline": True} in embed["fields"]
    assert embed["author"]["name"] == "pentagon"


async def test_a_repeated_post_returns_the_first_message(fake: FakeDiscord, sink) -> None:
    first = await sink.post(CHANNEL, alert(), idempotency_key="alert:1:3:C")
    again = await sink.post(CHANNEL, alert(), idempotency_key="alert:1:3:C")
    other = await sink.post(CHANNEL, alert(), idempotency_key="alert:1:4:C")
    assert first == again != other
    assert len(nonce_for("alert:1:3:C")) <= 25


async def test_edit_replaces_the_embed(fake: FakeDiscord, sink) -> None:
    message_id = await sink.post(CHANNEL, alert(), idempotency_key="k")
    await sink.edit(CHANNEL, message_id, alert("Pentagon talks collapse"))
    [call] = fake.calls_to("PATCH", rf"/channels/{CHANNEL_ID}/messages/{message_id}")
    assert call.json["embeds"][0]["title"] == "Pentagon talks collapse"
    assert call.json["allowed_mentions"] == {"parse": []}


async def test_a_user_target_is_sent_as_a_direct_message(fake: FakeDiscord, sink) -> None:
    target = Target("discord", user_id=str(USER_ID))
    message_id = await sink.post(target, alert(), idempotency_key="notice:1")
    [dm] = fake.calls_to("POST", "/users/@me/channels")
    assert dm.json == {"recipient_id": USER_ID}
    [call] = fake.calls_to("POST", MESSAGES)
    assert call.path != f"/channels/{CHANNEL_ID}/messages"
    await sink.edit(target, message_id, alert("updated"))
    assert fake.calls_to("PATCH", rf"/channels/\d+/messages/{message_id}")


async def test_a_long_rate_limit_raises_rate_limited(fake: FakeDiscord, sink) -> None:
    fake.rate_limit_next(1, retry_after=60.0, path=MESSAGES)
    with pytest.raises(RateLimited) as caught:
        await sink.post(CHANNEL, alert(), idempotency_key="k")
    assert caught.value.retry_after_s == pytest.approx(60.0)
    assert len(fake.calls_to("POST", MESSAGES)) == 1  # not retried in-process


async def test_a_short_rate_limit_is_waited_out_by_discord_py(fake: FakeDiscord, sink) -> None:
    fake.rate_limit_next(1, retry_after=0.01, path=MESSAGES)
    assert await sink.post(CHANNEL, alert(), idempotency_key="k")
    assert len(fake.calls_to("POST", MESSAGES)) == 2


@pytest.mark.parametrize("path", [MESSAGES, rf"{MESSAGES}/\d+"])
async def test_a_rate_limit_waited_out_does_not_count_against_the_request_timeout(
    fake: FakeDiscord, sqlite_url: str, clock, path: str
) -> None:
    """discord.py waits out a 429 shorter than max_ratelimit_wait_s inside the send; the
    request timeout (as long, 30 s) counted that wait, so a rate limit of nearly 30 s
    was reported as "Discord unreachable" instead of being waited out and delivered.
    Here at a smaller scale: a 1 s request timeout, a 1.5 s rate limit (each request to
    the local fake has the second: at 0.2 s, a loaded machine could time out a post)."""
    store = open_store(sqlite_url)
    adapter = DiscordAdapter(
        fake.token,
        Commands(store, clock),
        api_url=fake.api_url,
        gateway_url=fake.gateway_url,
        request_timeout_s=1.0,
    )
    try:
        message_id = await adapter.post(CHANNEL, alert(), idempotency_key="k")
        method = "POST" if path == MESSAGES else "PATCH"
        before = len(fake.calls_to(method, path))
        fake.rate_limit_next(1, retry_after=1.5, path=path)
        if path == MESSAGES:
            second = await adapter.post(CHANNEL, alert("second"), idempotency_key="k2")
            assert fake.messages[second]["embeds"][0]["title"] == "second"
        else:
            await adapter.edit(CHANNEL, message_id, alert("updated"))
            assert fake.messages[message_id]["embeds"][0]["title"] == "updated"
        assert len(fake.calls_to(method, path)) - before == 2  # the 429, then the retry
    finally:
        await adapter.stop()
        store.close()


async def test_a_discord_that_does_not_answer_still_times_out(
    fake: FakeDiscord, sqlite_url: str, clock
) -> None:
    fake.chaos = Chaos(seed=1, slow=1.0, delay_s=0.6)  # every post answered late
    store = open_store(sqlite_url)
    adapter = DiscordAdapter(
        fake.token,
        Commands(store, clock),
        api_url=fake.api_url,
        gateway_url=fake.gateway_url,
        request_timeout_s=0.2,
    )
    try:
        with pytest.raises(TransientDeliveryError, match="unreachable"):
            await adapter.post(CHANNEL, alert(), idempotency_key="k")
    finally:
        await adapter.stop()
        store.close()


@pytest.mark.parametrize(
    ("status", "code", "text", "error"),
    [
        (404, 10003, "Unknown Channel", PermanentDeliveryError),
        (403, 50001, "Missing Access", PermanentDeliveryError),
        (403, 50013, "Missing Permissions", PermanentDeliveryError),
        # the token was reset: the operator fixes it, the message waits (not given up),
        # and the worker pauses Discord rather than asking once per message
        (401, 0, "401: Unauthorized", TokenRefused),
        (400, 50035, "Invalid Form Body", PermanentDeliveryError),
        (503, 0, "upstream connect error", TransientDeliveryError),
    ],
)
async def test_http_errors_map_to_delivery_errors(fake, sink, status, code, text, error) -> None:
    fake.fail_next(1, status, path=MESSAGES, code=code, message=text)
    with pytest.raises(error, match=text):
        await sink.post(CHANNEL, alert(), idempotency_key="k")


async def test_an_unknown_channel_is_permanent(fake: FakeDiscord, sink) -> None:
    fake.unknown_channels.add("999")
    with pytest.raises(PermanentDeliveryError, match="Unknown Channel"):
        await sink.post(Target("discord", channel_id="999"), alert(), idempotency_key="k")


async def test_an_alert_to_a_server_storybot_was_removed_from_says_to_add_it_again(
    fake: FakeDiscord, sink
) -> None:
    """Discord answers Missing Access (50001) for a channel of a server the bot is no
    longer in, as for one it may not see: the reason kept says both fixes."""
    fake.guild_ids.remove(GUILD_ID)
    fake.left_guild_ids.add(GUILD_ID)
    with pytest.raises(PermanentDeliveryError, match="Missing Access") as refused:
        await sink.post(CHANNEL, alert(), idempotency_key="k")
    assert "View Channel and Send Messages permissions in this channel" in str(refused.value)
    assert "or add it to the server again if it was removed" in str(refused.value)
    assert "`storybot follows remove discord:CHANNEL_ID`" in str(refused.value)


async def test_an_alert_to_a_deleted_channel_is_given_up_saying_it_was_deleted(
    fake: FakeDiscord, sink, sqlite_url, clock
) -> None:
    """Discord answers Unknown Channel (404, 10003) for a channel that was deleted. No one
    can type ``/story unfollow`` there any more: the reason kept (``storybot outbox``
    shows it) says what happened and what can be done, ``storybot follows remove``."""
    store = open_store(sqlite_url)
    worker = DeliveryWorker(store, {"discord": sink}, clock)
    store.enqueue([OutboxWrite(KEY, CHANNEL, alert())], clock.now())
    fake.unknown_channels.add(str(CHANNEL_ID))

    report = await worker.deliver_due()

    entry = store.get_outbox(KEY)
    assert report.dead == 1 and entry is not None and entry.dead and entry.attempts == 1
    reason = entry.last_error or ""
    assert "Discord 404: Unknown Channel" in reason
    assert "the channel was deleted: follow the story in another channel" in reason
    assert "until the operator runs `storybot follows remove discord:CHANNEL_ID`" in reason
    store.close()


async def test_editing_a_deleted_message_says_the_message_is_gone(fake: FakeDiscord, sink) -> None:
    with pytest.raises(MessageGone, match="Unknown Message"):
        await sink.edit(CHANNEL, "1234", alert())


async def test_editing_an_alert_another_bot_posted_says_the_message_is_gone(
    fake: FakeDiscord, sink
) -> None:
    # 50005: the alert was posted under another application's token (the bot replaced):
    # it can never be edited, so the worker posts the update anew instead of giving it up
    posted = await sink.post(CHANNEL, alert(), idempotency_key="k")
    fake.fail_next(
        1,
        403,
        path=rf"{MESSAGES}/\d+",
        code=50005,
        message="Cannot edit a message authored by another user",
    )
    with pytest.raises(MessageGone, match="another user"):
        await sink.edit(CHANNEL, posted, alert())


async def test_editing_a_message_id_that_is_no_discord_id_says_the_message_is_gone(
    fake: FakeDiscord, sink
) -> None:
    # e.g. a row written by hand: nothing to edit, and no retry could change that
    with pytest.raises(MessageGone, match="'1700000000.000100' is not a Discord id"):
        await sink.edit(CHANNEL, "1700000000.000100", alert())
    assert not fake.calls, "Discord is not asked"


async def test_an_update_to_a_deleted_alert_is_posted_as_a_new_message(
    fake: FakeDiscord, sink, sqlite_url, clock
) -> None:
    # Discord answers a nonce it saw in the last few minutes with that earlier message
    store = open_store(sqlite_url)
    worker = await first_report_posted(fake, sink, store, clock, 300.0)
    first = store.get_outbox(KEY).message_id  # type: ignore[union-attr]
    del fake.messages[first]  # someone deleted the alert in Discord
    clock.advance(600)  # the next report comes later than the nonce is remembered
    store.enqueue([OutboxWrite(KEY, CHANNEL, alert("Second report"))], clock.now())

    report = await worker.deliver_due()

    entry = store.get_outbox(KEY)
    assert (report.posted, report.dead) == (1, 0)
    assert entry is not None and not entry.dead and entry.message_id != first
    assert fake.messages[entry.message_id]["embeds"][0]["title"] == "Second report"
    store.close()


async def test_an_update_to_an_alert_deleted_within_minutes_is_posted_as_a_new_message(
    fake: FakeDiscord, sink, sqlite_url, clock
) -> None:
    """Someone deletes the alert at once and another outlet's report comes minutes later.

    Discord answers a post repeating the deleted alert's nonce within its window with
    Unknown Message and posts nothing, so the update must go under a nonce of its own,
    not be given up on (nor the channel said to refuse storybot)."""
    store = open_store(sqlite_url)
    worker = await first_report_posted(fake, sink, store, clock, 300.0)
    first = store.get_outbox(KEY).message_id  # type: ignore[union-attr]
    del fake.messages[first]  # deleted in Discord right away
    clock.advance(120)  # the next report comes within the nonce window
    store.enqueue([OutboxWrite(KEY, CHANNEL, alert("Second report"))], clock.now())

    report = await worker.deliver_due()

    entry = store.get_outbox(KEY)
    assert (report.posted, report.dead) == (1, 0)
    assert entry is not None and not entry.dead and entry.message_id not in (None, first)
    assert fake.messages[entry.message_id]["embeds"][0]["title"] == "Second report"
    assert store.delivery_failure(CHANNEL) is None
    store.close()


async def test_a_repost_after_a_deletion_is_posted_once_however_often_it_is_sent(
    fake: FakeDiscord, sink
) -> None:
    """A retried repost (its answer lost) finds the repost by its own nonce."""
    first = await sink.post(CHANNEL, alert(), idempotency_key="k")
    del fake.messages[first]
    again = await sink.post(CHANNEL, alert(), idempotency_key="k")
    retried = await sink.post(CHANNEL, alert(), idempotency_key="k")
    assert again == retried != first
    assert list(fake.messages) == [again]


async def test_an_unreachable_discord_is_transient(fake: FakeDiscord, sqlite_url, clock) -> None:
    port = fake.port
    await fake.__aexit__(None, None, None)  # nothing listens on the port any more
    store = open_store(sqlite_url)
    adapter = DiscordAdapter(
        fake.token, Commands(store, clock), api_url=f"http://127.0.0.1:{port}/api/v10"
    )
    try:
        with pytest.raises(TransientDeliveryError, match="unreachable"):
            await adapter.post(CHANNEL, alert(), idempotency_key="k")
    finally:
        await adapter.stop()
        store.close()


@pytest.mark.parametrize(
    "target",
    [
        Target("discord"),  # neither a channel nor a user
        Target("discord", channel_id="C0NEWS"),  # not a Discord id (a Slack channel's)
        Target("discord", user_id="alice"),
    ],
    ids=["no-channel-or-user", "channel-not-a-snowflake", "user-not-a-snowflake"],
)
async def test_a_target_no_message_can_reach_is_given_up_at_once(
    fake: FakeDiscord, sink, sqlite_url, clock, target: Target
) -> None:
    store = open_store(sqlite_url)
    worker = DeliveryWorker(store, {"discord": sink}, clock)
    store.enqueue([OutboxWrite("alert:nowhere", target, alert())], clock.now())

    report = await worker.deliver_due()

    entry = store.get_outbox("alert:nowhere")
    assert (report.dead, report.failed) == (1, 0)  # dead letter, not a retry later
    assert entry is not None and entry.dead and entry.attempts == 1
    assert "permanent" in (entry.last_error or "")
    assert fake.calls == []  # never asked Discord anything
    store.close()


def test_the_voice_warnings_are_not_logged_and_other_discord_warnings_are(
    sqlite_url, clock, monkeypatch, caplog
) -> None:
    import logging

    from discord.voice_client import VoiceClient

    # as in a fresh process without the voice extras: discord.Client() warns about both
    monkeypatch.setattr(VoiceClient, "warn_nacl", True)
    monkeypatch.setattr(VoiceClient, "warn_dave", True)
    store = open_store(sqlite_url)
    try:
        with caplog.at_level(logging.WARNING, logger="discord"):
            DiscordAdapter("token", Commands(store, clock))
            logging.getLogger("discord.client").warning("something else went wrong")
    finally:
        store.close()
    assert [r.getMessage() for r in caplog.records if r.name == "discord.client"] == [
        "something else went wrong"
    ]
    assert not VoiceClient.warn_nacl and not VoiceClient.warn_dave, "the Client did warn"


async def test_a_repost_whose_answer_was_lost_is_not_posted_again_once_the_deleted_alerts_nonce_expires(
    fake: FakeDiscord, sink, sqlite_url, clock
) -> None:
    """The alert is deleted at once; the update comes near the end of the deleted alert's
    nonce window. Its repost reaches Discord but the answer is lost (the connection
    drops). The retry, seconds later, comes after the deleted alert's nonce is forgotten:
    it must find the repost, not post the update a second time."""
    store = open_store(sqlite_url)
    worker = await first_report_posted(fake, sink, store, clock, 120.0)
    del fake.messages[store.get_outbox(KEY).message_id]  # type: ignore[union-attr]
    clock.advance(110)
    store.enqueue([OutboxWrite(KEY, CHANNEL, alert("Second report"))], clock.now())
    fake.lose_answer_of_next_post()  # the repost is posted; its answer is lost
    assert (await worker.deliver_due()).failed == 1
    clock.advance(30)  # the retry, after a back-off of seconds (and Discord's window)

    await worker.deliver_due()

    entry = store.get_outbox(KEY)
    assert entry is not None and entry.delivered_version == entry.version
    titles = [m["embeds"][0]["title"] for m in fake.messages.values()]
    assert titles == ["Second report"], "the update is in the channel once"
    assert fake.messages[entry.message_id]["embeds"][0]["title"] == "Second report"
    store.close()


async def test_a_repost_whose_answer_was_lost_then_rate_limited_is_not_posted_twice(
    fake: FakeDiscord, sink, sqlite_url, clock
) -> None:
    """The repost of a deleted alert reaches Discord but its answer is lost; its retry is
    answered 429. That 429 says the retry posted nothing, not that the lost attempt did
    not: the next retry, still within Discord's nonce window, must go under the lost
    attempt's nonce (Discord answers with that message), not a new one."""
    store = open_store(sqlite_url)
    worker = await first_report_posted(fake, sink, store, clock, 120.0)
    del fake.messages[store.get_outbox(KEY).message_id]  # type: ignore[union-attr]
    store.enqueue([OutboxWrite(KEY, CHANNEL, alert("Second report"))], clock.now())
    fake.lose_answer_of_next_post()  # the repost is posted; its answer is lost
    assert (await worker.deliver_due()).failed == 1
    clock.advance(5)
    fake.rate_limit_next(1, retry_after=40.0, path=MESSAGES)
    assert (await worker.deliver_due()).rate_limited == 1
    clock.advance(41)  # within the nonce window of the lost attempt

    await worker.deliver_due()

    entry = store.get_outbox(KEY)
    assert entry is not None and entry.delivered_version == entry.version
    titles = [m["embeds"][0]["title"] for m in fake.messages.values()]
    assert titles == ["Second report"], "the update is in the channel once"
    store.close()


async def test_a_repost_whose_answer_was_lost_is_retried_while_discord_remembers_its_nonce(
    fake: FakeDiscord, sink, sqlite_url, clock
) -> None:
    """The update's edits had failed a few times (Discord down), so its back-off is long;
    then the edit finds the alert deleted and the repost's answer is lost. Discord may have
    posted it: the retry must come while Discord remembers its nonce, as a first post's."""
    store = open_store(sqlite_url)
    worker = await first_report_posted(fake, sink, store, clock, 120.0)
    store.enqueue([OutboxWrite(KEY, CHANNEL, alert("Second report"))], clock.now())
    for _ in range(6):
        fake.fail_next(1, 503, path=rf"{MESSAGES}/\d+", message="upstream connect error")
        assert (await worker.deliver_due()).failed == 1
        clock.advance(3600)
    del fake.messages[store.get_outbox(KEY).message_id]  # type: ignore[union-attr]
    fake.lose_answer_of_next_post()

    assert (await worker.deliver_due()).failed == 1

    entry = store.get_outbox(KEY)
    assert entry is not None and entry.attempts == 7
    assert entry.next_attempt_at - clock.now() <= timedelta(seconds=sink.dedup_window_s / 2)
    store.close()


async def test_a_post_whose_answer_was_lost_then_whose_token_was_refused_is_posted_once(
    fake: FakeDiscord, sink, sqlite_url, clock
) -> None:
    """A first post reaches Discord but its answer is lost; its retry, seconds later, is
    answered 401 (the token refused for a moment). Once the token is good, the next ask
    must come while Discord remembers the lost post's nonce: the refusal paused Discord
    for 300 s, past the nonce's few minutes, and the alert was posted a second time."""
    store = open_store(sqlite_url)
    fake.nonce_window_s, fake.clock = 120.0, lambda: clock.now().timestamp()
    worker = DeliveryWorker(store, {"discord": sink}, clock)
    store.enqueue([OutboxWrite(KEY, CHANNEL, alert("First report"))], clock.now())
    fake.lose_answer_of_next_post()  # posted; the answer is lost
    assert (await worker.deliver_due()).failed == 1
    clock.advance(5)  # the retry's back-off is a second or two
    good_token, fake.token = fake.token, "rotated"  # Discord refuses the bot's token
    assert (await worker.deliver_due()).failed == 1
    fake.token = good_token  # and takes it again

    for _ in range(40):  # the service's ticks, 10 s apart
        clock.advance(10)
        await worker.deliver_due()

    entry = store.get_outbox(KEY)
    assert entry is not None and entry.delivered_version == entry.version
    titles = [m["embeds"][0]["title"] for m in fake.messages.values()]
    assert titles == ["First report"], "the alert is in the channel once"
    store.close()


async def test_a_post_whose_answer_was_lost_is_retried_in_time_though_an_edit_was_rate_limited(
    fake: FakeDiscord, sink, sqlite_url, clock
) -> None:
    """A first post reaches Discord but its answer is lost. In the round of its retry, the
    update of another alert, due before it, is answered 429 for five minutes: the round
    skips the retry, which must still come while Discord remembers the lost post's nonce
    (it was put off to the end of the 429's pause, and the alert posted twice)."""
    store = open_store(sqlite_url)
    fake.nonce_window_s, fake.clock = 120.0, lambda: clock.now().timestamp()
    worker = DeliveryWorker(store, {"discord": sink}, clock)
    store.enqueue([OutboxWrite("other", CHANNEL, alert("Other story"))], clock.now())
    assert (await worker.deliver_due()).posted == 1
    store.enqueue([OutboxWrite(KEY, CHANNEL, alert("First report"))], clock.now())
    fake.lose_answer_of_next_post()  # posted; the answer is lost
    assert (await worker.deliver_due()).failed == 1
    store.enqueue([OutboxWrite("other", CHANNEL, alert("Other story, updated"))], clock.now())
    clock.advance(5)  # the retry's back-off is a second or two
    fake.rate_limit_next(1, retry_after=300.0, path=rf"{MESSAGES}/\d+")
    report = await worker.deliver_due()
    assert (report.rate_limited, report.skipped) == (1, 1)

    for _ in range(40):  # the service's ticks, 10 s apart
        clock.advance(10)
        await worker.deliver_due()

    titles = sorted(m["embeds"][0]["title"] for m in fake.messages.values())
    assert titles == ["First report", "Other story, updated"], "each alert is there once"
    store.close()


async def test_a_second_masked_link_in_feed_text_is_not_posted_as_a_link(
    fake: FakeDiscord, sink
) -> None:
    # discord.utils.escape_markdown escaped only the first "[" of a line holding two
    # masked links, so the second reached Discord live: "bank.com" linking elsewhere.
    hostile = "Talks [1](2) resume: [bank.com](https://evil.example/login)"
    message = replace(alert(hostile), body=hostile)
    await sink.post(CHANNEL, message, idempotency_key="alert:1:5:C")
    [call] = fake.calls_to("POST", MESSAGES)
    [embed] = call.json["embeds"]
    for text in (embed["title"], embed["description"]):
        assert "[bank.com]" not in text.replace("\\[", "")
        assert text.count("\\[") == 2 and text.count("\\]") == 2


async def test_a_plain_send_without_its_own_mentions_setting_pings_nobody(
    fake: FakeDiscord, sink
) -> None:
    # Every send passes AllowedMentions.none(); the client's default covers one that
    # does not (discord.py would otherwise let @everyone in its content ping).
    await sink.post(CHANNEL, alert(), idempotency_key="alert:1:6:C")  # logs the client in
    await sink.client.get_partial_messageable(CHANNEL_ID).send("@everyone look")
    plain = fake.calls_to("POST", MESSAGES)[-1]
    assert plain.json["content"] == "@everyone look"
    assert plain.json["allowed_mentions"] == {"parse": []}


async def test_a_link_whose_encoded_address_is_too_long_for_discord_does_not_sink_the_alert(
    fake: FakeDiscord, sink
) -> None:
    # A feed's link in its own script (an IRI: Cyrillic, CJK...) is percent-encoded for
    # Discord, six characters to a Cyrillic letter: 1,300 characters here become 7,000.
    # Discord refuses an embed url over 2,048 ("Must be 2048 or fewer in length.", 400
    # Invalid Form Body), and the alert was given up; it is posted without that link.
    long_iri = "https://ria.example/" + "переговоры-" * 120
    assert len(long_iri) < 2048
    links = (Link("РИА", long_iri), Link("Reuters", "https://reuters.example/a"))
    message = replace(alert("Talks resume"), links=links)
    message_id = await sink.post(CHANNEL, message, idempotency_key="alert:1:7:C")
    [embed] = fake.messages[message_id]["embeds"]
    assert embed["url"] == "https://reuters.example/a"
    assert "[Reuters](https://reuters.example/a)" in str(embed["fields"])


async def test_an_oversized_message_is_refused_by_the_fake_as_by_discord(
    fake: FakeDiscord, sink
) -> None:
    # The fake holds messages to Discord's limits, so a rendering past them fails here.
    channel = await sink._channel(CHANNEL)
    with pytest.raises(discord.HTTPException) as refused:
        await channel.send("x" * 2001)
    assert refused.value.status == 400 and refused.value.code == 50035
    with pytest.raises(discord.HTTPException):
        await channel.send(embed=discord.Embed(title="t", url="https://a.example/" + "a" * 2040))
    assert not fake.posted_nonces() and not fake.messages


async def test_an_update_to_an_alert_discord_no_longer_lets_edit_is_posted_anew_without_pausing_discord(
    fake: FakeDiscord, sink, sqlite_url, clock
) -> None:
    """Discord caps the edits to messages older than an hour: past the cap it answers 429
    with code 30046. That refusal is the one alert's, not a rate limit of the bot: the
    update is posted as a new message, and the other channels' alerts are not held."""
    store = open_store(sqlite_url)
    fake.old_message_edits_per_hour = 0  # every edit of an hour-old message is over the cap
    worker = await first_report_posted(fake, sink, store, clock, 300.0)
    first = store.get_outbox(KEY).message_id  # type: ignore[union-attr]
    clock.advance(2 * 3600)  # the story develops hours later
    other = Target("discord", channel_id="1300000000000000009")
    store.enqueue(
        [
            OutboxWrite(KEY, CHANNEL, alert("Second report")),
            OutboxWrite("alert:story-2:dev-1:discord:channel", other, alert("Other story")),
        ],
        clock.now(),
    )

    report = await worker.deliver_due()

    entry = store.get_outbox(KEY)
    assert entry is not None and not entry.dead and entry.message_id not in (None, first)
    assert fake.messages[entry.message_id]["embeds"][0]["title"] == "Second report"
    assert (report.posted, report.rate_limited, report.dead) == (2, 0, 0)
    patched = fake.calls_to("PATCH", rf"{MESSAGES}/{first}")
    assert len(patched) == 1, "the capped edit is not retried in-process"
    store.close()


# ------------------------------------------------------------ what a 429 holds back


@pytest.mark.parametrize("scope", ["user", "shared"])
async def test_a_channels_rate_limit_holds_back_that_channel_only(
    fake: FakeDiscord, sink, sqlite_url, clock, scope
) -> None:
    """A 429 on one channel's messages bucket (not global) paused every Discord channel
    and every DM for its retry-after: one busy channel held back every other alert. Now
    the other channel's alert goes in the same round; the busy channel's next alert
    waits with the one refused, and both go once the limit has passed."""
    store = open_store(sqlite_url)
    worker = DeliveryWorker(store, {"discord": sink}, clock)
    store.enqueue(
        [
            OutboxWrite("busy-1", CHANNEL, alert("Busy one")),
            OutboxWrite("busy-2", CHANNEL, alert("Busy two")),
            OutboxWrite("calm", OTHER_CHANNEL, alert("Calm one")),
        ],
        clock.now(),
    )
    fake.rate_limit_next(1, retry_after=60.0, path=f"/channels/{CHANNEL_ID}/messages", scope=scope)

    report = await worker.deliver_due()

    assert (report.rate_limited, report.skipped, report.posted) == (1, 1, 1)
    assert [m["embeds"][0]["title"] for m in fake.messages.values()] == ["Calm one"]
    assert len(fake.calls_to("POST", f"/channels/{CHANNEL_ID}/messages")) == 1  # not asked again
    clock.advance(59)
    assert (await worker.deliver_due()).posted == 0, "the busy channel waits its retry-after"
    clock.advance(2)
    assert (await worker.deliver_due()).posted == 2
    titles = sorted(m["embeds"][0]["title"] for m in fake.messages.values())
    assert titles == ["Busy one", "Busy two", "Calm one"]
    store.close()


async def test_a_global_rate_limit_still_holds_back_every_channel(
    fake: FakeDiscord, sink, sqlite_url, clock
) -> None:
    store = open_store(sqlite_url)
    worker = DeliveryWorker(store, {"discord": sink}, clock)
    dm = Target("discord", user_id=str(USER_ID))
    store.enqueue(
        [
            OutboxWrite("busy", CHANNEL, alert("Busy one")),
            OutboxWrite("calm", OTHER_CHANNEL, alert("Calm one")),
            OutboxWrite("dm", dm, alert("A subscription")),
        ],
        clock.now(),
    )
    fake.rate_limit_next(1, retry_after=60.0, path=MESSAGES, scope="global")

    report = await worker.deliver_due()

    assert (report.rate_limited, report.skipped, report.posted) == (1, 2, 0)
    # the one post refused: no other channel asked, no DM opened
    assert len(fake.calls_to("POST", rf"{MESSAGES}|/users/@me/channels")) == 1
    clock.advance(61)
    assert (await worker.deliver_due()).posted == 3
    store.close()


async def test_a_rate_limit_on_opening_direct_messages_holds_back_every_dm_and_no_channel(
    fake: FakeDiscord, sink, sqlite_url, clock
) -> None:
    """Opening a DM (POST /users/@me/channels) has one bucket for every user: its 429
    holds back every DM, not the channels."""
    store = open_store(sqlite_url)
    worker = DeliveryWorker(store, {"discord": sink}, clock)
    store.enqueue(
        [
            OutboxWrite("dm-1", Target("discord", user_id=str(USER_ID)), alert("For one")),
            OutboxWrite("dm-2", Target("discord", user_id=str(USER_ID + 1)), alert("For two")),
            OutboxWrite("channel", CHANNEL, alert("For the channel")),
        ],
        clock.now(),
    )
    fake.rate_limit_next(1, retry_after=60.0, path="/users/@me/channels")

    report = await worker.deliver_due()

    assert (report.rate_limited, report.skipped, report.posted) == (1, 1, 1)
    assert len(fake.calls_to("POST", "/users/@me/channels")) == 1
    clock.advance(61)
    assert (await worker.deliver_due()).posted == 2
    store.close()


async def test_a_rate_limited_send_says_what_the_limit_holds_back(fake: FakeDiscord, sink) -> None:
    fake.rate_limit_next(1, retry_after=60.0, path=MESSAGES)
    with pytest.raises(RateLimited) as channel:
        await sink.post(CHANNEL, alert(), idempotency_key="k1")
    fake.rate_limit_next(1, retry_after=60.0, path=MESSAGES, scope="global")
    with pytest.raises(RateLimited) as everything:
        await sink.post(CHANNEL, alert(), idempotency_key="k2")
    message_id = await sink.post(CHANNEL, alert(), idempotency_key="k3")
    fake.rate_limit_next(1, retry_after=60.0, path=rf"{MESSAGES}/\d+")
    with pytest.raises(RateLimited) as edit:
        await sink.edit(CHANNEL, message_id, alert("Updated"))
    assert channel.value.scope is RateLimitScope.TARGET
    assert "this channel" in str(channel.value)
    assert everything.value.scope is RateLimitScope.PLATFORM
    assert edit.value.scope is RateLimitScope.TARGET


VIA = {"Via": "1.1 google"}


@pytest.mark.parametrize(
    ("method", "path", "headers", "body", "scope"),
    [
        ("POST", "/api/v10/channels/1/messages", VIA, {"global": False}, RateLimitScope.TARGET),
        ("PATCH", "/api/v10/channels/1/messages/2", VIA, {"global": False}, RateLimitScope.TARGET),
        (
            "POST",
            "/proxy/api/v10/channels/1/messages",
            {**VIA, "X-RateLimit-Scope": "shared"},
            {"global": False},
            RateLimitScope.TARGET,
        ),
        (
            "POST",
            "/api/v10/users/@me/channels",
            VIA,
            {"global": False},
            RateLimitScope.DIRECT_MESSAGES,
        ),
        # the bot's global limit, said in the body, in a header, or in the scope
        ("POST", "/api/v10/channels/1/messages", VIA, {"global": True}, RateLimitScope.PLATFORM),
        (
            "POST",
            "/api/v10/channels/1/messages",
            {**VIA, "X-RateLimit-Global": "true"},
            {},
            RateLimitScope.PLATFORM,
        ),
        (
            "POST",
            "/api/v10/channels/1/messages",
            {**VIA, "X-RateLimit-Scope": "global"},
            {},
            RateLimitScope.PLATFORM,
        ),
        # Cloudflare's ban of the address: no Via, or not Discord's JSON
        ("POST", "/api/v10/channels/1/messages", {}, {"global": False}, RateLimitScope.PLATFORM),
        ("POST", "/api/v10/channels/1/messages", VIA, None, RateLimitScope.PLATFORM),
        # a route whose bucket is not a channel's or the DMs'
        ("GET", "/api/v10/channels/1/messages", VIA, {"global": False}, RateLimitScope.PLATFORM),
        ("POST", "/api/v10/channels/1/typing", VIA, {"global": False}, RateLimitScope.PLATFORM),
        ("GET", "/api/v10/users/@me", VIA, {"global": False}, RateLimitScope.PLATFORM),
    ],
)
def test_what_a_429_holds_back(method, path, headers, body, scope) -> None:
    assert rate_limit_scope(method, path, headers, body) is scope


async def test_an_operators_removal_is_told_by_one_plain_escaped_dm(
    fake: FakeDiscord, sink, sqlite_url, clock
) -> None:
    """Queued by ``storybot subscriptions remove`` (the store's removal), posted to the
    fake Discord (strict about embeds): one DM for two subscriptions, the query escaped."""
    store = open_store(sqlite_url)
    user = str(USER_ID)
    a = store.add_subscription("discord", user, "@everyone **deal**", None, clock.now())
    b = store.add_subscription("discord", user, "hearing", None, clock.now())
    worker = DeliveryWorker(store, {"discord": sink}, clock)
    removed = store.remove_subscriptions([a.id, b.id], operator_removed(clock.now()))
    assert len(removed) == 2

    assert (await worker.deliver_due()).posted == 1
    [dm] = fake.calls_to("POST", "/users/@me/channels")
    assert dm.json == {"recipient_id": USER_ID}
    [call] = fake.calls_to("POST", MESSAGES)
    assert call.json["allowed_mentions"] == {"parse": []}
    [embed] = call.json["embeds"]
    assert embed["title"] == "2 keyword subscriptions of yours removed"
    assert embed["description"] == (
        f"An operator of this storybot removed your subscriptions "
        f"#{a.id} @\u200beveryone AND \\*\\*deal\\*\\*, #{b.id} hearing."
    ), embed["description"]
    assert "fields" not in embed or embed["fields"] == []
    store.close()


README = Path(__file__).resolve().parent.parent / "README.md"
_SEND = discord.Permissions(view_channel=True, send_messages=True, embed_links=True)
# What each REST route the sink calls needs of the bot (Discord's API reference): a
# channel it posts an embed in (View Channels, Send Messages, Embed Links) and edits it
# in; a DM it opens, which needs no permission. Logging in reads the bot's user and
# application.
ROUTE_PERMISSIONS = {
    ("GET", r"/users/@me"): discord.Permissions.none(),
    ("GET", r"/oauth2/applications/@me"): discord.Permissions.none(),
    ("POST", r"/users/@me/channels"): discord.Permissions.none(),
    ("POST", r"/channels/\d+/messages"): _SEND,
    ("PATCH", r"/channels/\d+/messages/\d+"): _SEND,
}


def readme_invite_permissions() -> list[int]:
    """The ``permissions=`` integers of the invite URLs in the README's Discord section."""
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Connecting Discord") :]
    section = section[: section.index("\n## ")]
    return [int(n) for n in re.findall(r"permissions=(\d+)", section)]


async def test_the_readme_invite_grants_every_permission_the_sink_uses(
    fake: FakeDiscord, sink
) -> None:
    message_id = await sink.post(CHANNEL, alert(), idempotency_key="alert:1")
    await sink.edit(CHANNEL, message_id, alert("Pentagon talks collapse"))
    await sink.post(Target("discord", user_id=str(USER_ID)), alert(), idempotency_key="dm:1")
    needed = discord.Permissions.none()
    for call in fake.calls:
        route = next(
            (r for r in ROUTE_PERMISSIONS if r[0] == call.method and re.fullmatch(r[1], call.path)),
            None,
        )
        assert route is not None, f"{call.method} {call.path}: add its permissions here"
        needed |= ROUTE_PERMISSIONS[route]
    invite, in_threads = readme_invite_permissions()
    assert invite == needed.value == 19456
    # following from inside a thread takes Send Messages in Threads besides
    assert in_threads == (needed | discord.Permissions(send_messages_in_threads=True)).value


@pytest.mark.parametrize(
    "path",
    [
        # where bots meet it: the post in the DM channel ("403 Forbidden (error code:
        # 40003): You are opening direct messages too fast.", from DMChannel.send)
        rf"/channels/{USER_ID + 100}/messages",
        "/users/@me/channels",  # opening the DM itself
    ],
)
async def test_opening_direct_messages_too_fast_holds_back_every_dm_and_gives_none_up(
    fake: FakeDiscord, sink, sqlite_url, clock, path: str
) -> None:
    """Discord answers a bot that opens DMs faster than it allows with 403 and JSON code
    40003, "You are opening direct messages too fast": a limit on opening DMs, not a
    refusal of the user, so the DM waits (with every other DM) and the channels go on."""
    store = open_store(sqlite_url)
    worker = DeliveryWorker(store, {"discord": sink}, clock)
    store.enqueue(
        [
            OutboxWrite("dm-1", Target("discord", user_id=str(USER_ID)), alert("For one")),
            OutboxWrite("dm-2", Target("discord", user_id=str(USER_ID + 1)), alert("For two")),
            OutboxWrite("channel", CHANNEL, alert("For the channel")),
        ],
        clock.now(),
    )
    fake.fail_next(
        1, 403, path=path, code=40003, message="You are opening direct messages too fast."
    )

    report = await worker.deliver_due()

    entry = store.get_outbox("dm-1")
    assert entry is not None and not entry.dead
    assert (report.dead, report.rate_limited, report.skipped, report.posted) == (0, 1, 1, 1)
    assert "opening direct messages too fast" in (entry.last_error or "")
    clock.advance(601)
    assert (await worker.deliver_due()).posted == 2
    store.close()
