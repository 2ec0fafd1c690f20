"""Issue #6, bullet 2: failing chat APIs lose no alert and send none twice.

The real ``DeliveryWorker`` delivers 1,000 queued alerts (500 to the fake Slack, 500 to the
fake Discord, through the real slack_sdk and discord.py clients) while both fakes answer a
seeded random mix of 429s with Retry-After, 5xx, answers slower than the client's timeout
(after the post took effect) and dropped connections (before and after the post took
effect). Time is an injected clock that the test advances instead of sleeping; the only
real waits are the short client timeouts. Every alert must appear exactly once on the fakes
(counted by the Slack metadata key and the Discord nonce), carrying its latest version.
"""

from __future__ import annotations

import random
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from fakes.discord_server import FakeDiscord
from fakes.slack_server import FakeSlack
from faults import (
    DROP_AFTER_ACCEPT,
    DROP_BEFORE,
    RATE_LIMIT,
    SERVER_ERROR,
    SLOW_AFTER_ACCEPT,
    Chaos,
    counts,
)

from adapters.discord_chat import DiscordAdapter
from adapters.discord_chat.adapter import nonce_for
from adapters.discord_chat.endpoints import current_endpoints, restore_endpoints
from adapters.slack_chat.sink import SlackSink
from bot.clock import ManualClock
from bot.commands import Commands
from bot.delivery import DeliveryWorker
from bot.model import MessageKind, OutboundMessage, Target
from bot.ports import OutboxWrite
from storage import SqlStore, open_store

SLACK_ALERTS = 500
DISCORD_ALERTS = 500
CLIENT_TIMEOUT_S = 0.2  # a "slow" answer takes 0.5 s: past the timeout, yet a short real wait


def alert(n: int, version: int) -> OutboundMessage:
    return OutboundMessage(MessageKind.ALERT, f"Development {n} v{version}", f"Summary {n}.")


def slack_target(n: int) -> Target:
    return Target("slack", channel_id=f"C{n % 20:04d}")


def discord_target(n: int) -> Target:
    return Target("discord", channel_id=str(1300000000000000100 + n % 10))


@pytest.fixture
def clock() -> ManualClock:
    # Near real time: Slack message ts are derived from it, as Slack's are from its clock.
    return ManualClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def store(migrated_sqlite_url) -> AsyncIterator[SqlStore]:
    opened = open_store(migrated_sqlite_url)
    yield opened
    opened.close()


@pytest.fixture
async def slack(clock: ManualClock) -> AsyncIterator[FakeSlack]:
    chaos = Chaos(
        seed=6001,
        rate_limit=0.05,
        server_error=0.05,
        slow=0.02,
        drop=0.03,
        drop_after=0.03,
        retry_after_s=(1, 30),
        delay_s=0.5,
    )
    server = FakeSlack(chaos=chaos, ts_clock=lambda: clock.now().timestamp(), history_page_size=200)
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def discord_fake(clock: ManualClock) -> AsyncIterator[FakeDiscord]:
    chaos = Chaos(
        seed=6002,
        rate_limit=0.02,
        server_error=0.05,
        slow=0.02,
        drop=0.03,
        drop_after=0.03,
        # discord.py waits out 429s of up to 30 s itself (really sleeping); longer ones
        # reach the worker, which reschedules on the injected clock.
        retry_after_s=(31, 60),
        # 500/502 are retried inside discord.py after real 1-9 s sleeps; 503 is not.
        statuses=(503,),
        delay_s=0.5,
    )
    saved = current_endpoints()
    try:
        async with FakeDiscord(
            chaos=chaos, nonce_window_s=300, clock=lambda: clock.now().timestamp()
        ) as server:
            yield server
    finally:
        restore_endpoints(saved)


async def deliver_everything(
    worker: DeliveryWorker, store: SqlStore, clock: ManualClock, on_round=None
) -> int:
    """Run delivery rounds, advancing the clock 10 s between them, until nothing is pending."""
    rounds = 0
    while store.outbox_counts()["pending"]:
        await worker.deliver_due(limit=100)
        clock.advance(seconds=10)
        rounds += 1
        if on_round:
            on_round(rounds)
        assert rounds < 3000, f"outbox not drained: {store.outbox_counts()}"
    return rounds


@pytest.mark.slow
async def test_a_thousand_alerts_through_failing_apis_arrive_exactly_once(
    slack: FakeSlack, discord_fake: FakeDiscord, store: SqlStore, clock: ManualClock, tmp_path
) -> None:
    sink = SlackSink(SlackSink.make_client("xoxb-test", slack.base_url, timeout=CLIENT_TIMEOUT_S))  # type: ignore[arg-type]
    discord = DiscordAdapter(
        discord_fake.token,
        Commands(store, clock),
        api_url=discord_fake.api_url,
        gateway_url=discord_fake.gateway_url,
        request_timeout_s=CLIENT_TIMEOUT_S,
    )
    worker = DeliveryWorker(store, {"slack": sink, "discord": discord}, clock, rng=random.Random(6))
    slack_keys = {f"alert:s{n}": slack_target(n) for n in range(SLACK_ALERTS)}
    discord_keys = {f"alert:d{n}": discord_target(n) for n in range(DISCORD_ALERTS)}
    everything = {**slack_keys, **discord_keys}
    store.enqueue(
        [OutboxWrite(k, t, alert(i, 1)) for i, (k, t) in enumerate(everything.items())], clock.now()
    )
    updated = list(everything)[::5]  # a later report edits one alert in five

    def update_some(rounds: int) -> None:
        if rounds == 3:  # some are posted by now, some not yet: both paths get an edit
            index = list(everything)
            store.enqueue(
                [OutboxWrite(k, everything[k], alert(index.index(k), 2)) for k in updated],
                clock.now(),
            )

    try:
        await deliver_everything(worker, store, clock, on_round=update_some)
    finally:
        await discord.stop()

    assert store.outbox_counts()["dead"] == 0
    for fake, name in ((slack.chaos, "slack"), (discord_fake.chaos, "discord")):
        for fault in (RATE_LIMIT, SERVER_ERROR, SLOW_AFTER_ACCEPT, DROP_BEFORE, DROP_AFTER_ACCEPT):
            assert fake.counts.get(fault, 0) > 0, f"{name}: fault {fault} never injected"

    slack_posts = counts(slack.posted_keys())
    assert set(slack_posts) == set(slack_keys), "every Slack alert arrives"
    assert {k: n for k, n in slack_posts.items() if n > 1} == {}, "no Slack alert twice"
    by_nonce = {nonce_for(k): k for k in discord_keys}
    discord_posts = counts(by_nonce[n] for n in discord_fake.posted_nonces())
    assert set(discord_posts) == set(discord_keys), "every Discord alert arrives"
    assert {k: n for k, n in discord_posts.items() if n > 1} == {}, "no Discord alert twice"

    # The latest version is what people see.
    slack_text = {
        m["metadata"]["event_payload"]["key"]: m["text"]
        for msgs in slack.messages.values()
        for m in msgs
    }
    discord_title = {
        by_nonce[m["nonce"]]: m["embeds"][0]["title"]
        for m in discord_fake.messages.values()
        if m.get("nonce") in by_nonce
    }
    for key in updated:
        shown = slack_text.get(key) or discord_title.get(key)
        assert shown is not None and " v2" in shown, (key, shown)


# --------------------------------------------------------------------------- the cases, one by one


async def test_a_rate_limited_recovery_lookup_does_not_forget_an_accepted_post(
    store: SqlStore, clock: ManualClock
) -> None:
    """Slack accepted the post but answered too late; the look-up that would find it gets
    a 429. The next attempt must still look it up, not post a second copy."""
    slack = FakeSlack(ts_clock=lambda: clock.now().timestamp(), history_page_size=200)
    await slack.start()
    sink = SlackSink(SlackSink.make_client("xoxb-test", slack.base_url, timeout=CLIENT_TIMEOUT_S))  # type: ignore[arg-type]
    worker = DeliveryWorker(store, {"slack": sink}, clock, rng=random.Random(1))
    try:
        store.enqueue([OutboxWrite("alert:one", slack_target(1), alert(1, 1))], clock.now())
        slack.chaos = Chaos(seed=1, slow=1.0, delay_s=0.5)
        assert (await worker.deliver_due()).failed == 1  # timed out, yet posted
        slack.chaos = None
        slack.fail_next(status=429, retry_after=5, method="conversations.history")
        clock.advance(seconds=10)
        assert (await worker.deliver_due()).rate_limited == 1
        clock.advance(seconds=10)
        assert (await worker.deliver_due()).recovered == 1
    finally:
        await slack.stop()
    assert slack.posted_keys() == ["alert:one"]


async def test_a_discord_post_is_retried_within_the_nonce_window(
    store: SqlStore, clock: ManualClock
) -> None:
    """Discord accepted the post but the connection dropped; then it rate limits for longer
    than its nonce window. The retry must come inside the window (Discord then returns the
    first message) rather than after the Retry-After, which would post a copy."""
    saved = current_endpoints()
    async with FakeDiscord(nonce_window_s=300, clock=lambda: clock.now().timestamp()) as fake:
        discord = DiscordAdapter(
            fake.token,
            Commands(store, clock),
            api_url=fake.api_url,
            request_timeout_s=CLIENT_TIMEOUT_S,
        )
        worker = DeliveryWorker(store, {"discord": discord}, clock, rng=random.Random(1))
        try:
            store.enqueue([OutboxWrite("alert:one", discord_target(1), alert(1, 1))], clock.now())
            fake.chaos = Chaos(seed=1, drop_after=1.0)
            assert (await worker.deliver_due()).failed == 1
            fake.chaos = None
            fake.rate_limit_next(1, retry_after=400, path=r"/channels/\d+/messages")
            for _ in range(200):
                clock.advance(seconds=5)
                await worker.deliver_due()
                if not store.outbox_counts()["pending"]:
                    break
        finally:
            await discord.stop()
            restore_endpoints(saved)
        assert fake.posted_nonces() == [nonce_for("alert:one")]


async def test_a_discord_that_never_answers_is_a_transient_failure_in_bounded_time(
    store: SqlStore, clock: ManualClock
) -> None:
    import time

    from bot.errors import TransientDeliveryError

    saved = current_endpoints()
    async with FakeDiscord(chaos=Chaos(seed=1, slow=1.0, delay_s=3)) as fake:
        discord = DiscordAdapter(
            fake.token,
            Commands(store, clock),
            api_url=fake.api_url,
            request_timeout_s=CLIENT_TIMEOUT_S,
        )
        started = time.monotonic()
        try:
            with pytest.raises(TransientDeliveryError):
                await discord.post(discord_target(1), alert(1, 1), idempotency_key="alert:one")
        finally:
            await discord.stop()
            restore_endpoints(saved)
        assert time.monotonic() - started < 1.5


async def test_rate_limits_never_count_towards_giving_up(
    store: SqlStore, clock: ManualClock
) -> None:
    slack = FakeSlack()
    await slack.start()
    sink = SlackSink(SlackSink.make_client("xoxb-test", slack.base_url, timeout=2))
    worker = DeliveryWorker(store, {"slack": sink}, clock, max_attempts=5, rng=random.Random(1))
    try:
        store.enqueue([OutboxWrite("alert:one", slack_target(1), alert(1, 1))], clock.now())
        slack.fail_next(6, status=429, retry_after=1, method="chat.postMessage")
        slack.fail_next(1, status=503, method="chat.postMessage")
        for _ in range(20):
            await worker.deliver_due()
            clock.advance(seconds=60)
    finally:
        await slack.stop()
    assert store.outbox_counts()["dead"] == 0
    assert slack.posted_keys() == ["alert:one"]
