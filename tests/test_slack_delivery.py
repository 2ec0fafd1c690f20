"""The lead's outbox worker delivering through SlackSink to the fake Slack.

Real store, real ``DeliveryWorker``, real slack_sdk: only Slack itself is faked.
"""

from __future__ import annotations

import asyncio
import logging
import random
from dataclasses import replace
from datetime import timedelta

import pytest
from fakes.slack_fixtures import fake, store  # noqa: F401  (fixtures)
from fakes.slack_server import FakeSlack
from faults import Chaos

from adapters.slack_chat.sink import SlackSink
from bot.clock import ManualClock
from bot.delivery import DeliveryWorker
from bot.model import MessageKind, OutboundMessage, Target
from bot.ports import OutboxWrite
from bot.subscriptions_gone import story_removed
from storage import SqlStore

TARGET = Target("slack", channel_id="C0NEWS")
KEY = "alert:story-1:dev-1:slack:C0NEWS"


def alert(title: str) -> OutboundMessage:
    return OutboundMessage(MessageKind.ALERT, title, "Summary.", sources=("Reuters", "AP"))


@pytest.fixture
def worker(fake: FakeSlack, store: SqlStore, clock: ManualClock) -> DeliveryWorker:
    sink = SlackSink(SlackSink.make_client("xoxb-test", fake.base_url, timeout=5))
    return DeliveryWorker(store, {"slack": sink}, clock)


async def test_first_alert_is_posted_then_edited(
    fake: FakeSlack, store: SqlStore, clock: ManualClock, worker: DeliveryWorker
) -> None:
    store.enqueue([OutboxWrite(KEY, TARGET, alert("First report"))], clock.now())
    assert (await worker.deliver_due()).posted == 1
    [post] = fake.calls_to("chat.postMessage")
    assert post.args["metadata"]["event_payload"] == {"key": KEY}
    ts = store.get_outbox(KEY).message_id  # type: ignore[union-attr]
    assert ts == fake.messages["C0NEWS"][0]["ts"]

    store.enqueue([OutboxWrite(KEY, TARGET, alert("Second report"))], clock.now())
    assert (await worker.deliver_due()).edited == 1
    [update] = fake.calls_to("chat.update")
    assert update.args["ts"] == ts
    assert fake.messages["C0NEWS"][0]["blocks"][0]["text"]["text"] == "Second report"


async def test_an_update_to_a_deleted_alert_is_posted_as_a_new_message(
    fake: FakeSlack, store: SqlStore, clock: ManualClock, worker: DeliveryWorker
) -> None:
    store.enqueue([OutboxWrite(KEY, TARGET, alert("First report"))], clock.now())
    await worker.deliver_due()
    first = store.get_outbox(KEY).message_id  # type: ignore[union-attr]
    fake.messages["C0NEWS"].clear()  # someone deleted the alert in Slack
    store.enqueue([OutboxWrite(KEY, TARGET, alert("Second report"))], clock.now())

    report = await worker.deliver_due()

    entry = store.get_outbox(KEY)
    assert (report.posted, report.dead) == (1, 0)
    assert entry is not None and not entry.dead and entry.message_id != first
    [message] = fake.messages["C0NEWS"]
    assert message["ts"] == entry.message_id
    assert message["blocks"][0]["text"]["text"] == "Second report"


async def test_429_defers_by_retry_after(
    fake: FakeSlack, store: SqlStore, clock: ManualClock, worker: DeliveryWorker
) -> None:
    store.enqueue([OutboxWrite(KEY, TARGET, alert("Report"))], clock.now())
    fake.fail_next(status=429, retry_after=42)
    assert (await worker.deliver_due()).rate_limited == 1
    entry = store.get_outbox(KEY)
    assert entry is not None and entry.message_id is None
    assert entry.next_attempt_at == clock.now() + timedelta(seconds=42)
    assert len(fake.calls_to("chat.postMessage")) == 1
    clock.advance(42)
    assert (await worker.deliver_due()).posted == 1


# ------------------------------------------ what a 429 holds back
#
# chat.postMessage: "It will generally allow an app to post 1 message per second to a
# specific channel. There are limits governing your app's relationship with the entire
# workspace above that" (Slack's chat.postMessage reference). The tiered methods are
# limited per method and workspace (see adapters.slack_chat.delivery_errors).

OTHER = Target("slack", channel_id="C0SPORTS")
OTHER_KEY = "alert:story-2:dev-1:slack:C0SPORTS"


async def test_a_429_posting_in_one_channel_holds_back_that_channel_only(
    fake: FakeSlack, store: SqlStore, clock: ManualClock, worker: DeliveryWorker
) -> None:
    """One busy channel's 429 held back every Slack channel's alerts and every DM for
    the round."""
    dm_key = "notice:1:slack:U0READER"
    store.enqueue(
        [
            OutboxWrite(f"{KEY}:1", TARGET, alert("First")),
            OutboxWrite(f"{KEY}:2", TARGET, alert("Second")),
            OutboxWrite(OTHER_KEY, OTHER, alert("Other channel")),
            OutboxWrite(dm_key, Target("slack", user_id="U0READER"), alert("Match")),
        ],
        clock.now(),
    )
    fake.fail_next(status=429, retry_after=30, method="chat.postMessage", channel="C0NEWS")

    report = await worker.deliver_due()

    assert (report.rate_limited, report.skipped, report.posted) == (1, 1, 2)
    assert "C0NEWS" not in fake.messages
    assert len(fake.messages["C0SPORTS"]) == 1 and len(fake.messages["DU0READER"]) == 1
    waiting = store.get_outbox(f"{KEY}:2")
    assert waiting is not None and "chat.postMessage: ratelimited" in (waiting.last_error or "")
    assert waiting.next_attempt_at == clock.now() + timedelta(seconds=30)
    clock.advance(31)
    assert (await worker.deliver_due()).posted == 2
    assert len(fake.messages["C0NEWS"]) == 2


async def test_a_429_in_a_second_channel_within_a_round_holds_back_all_of_slack(
    fake: FakeSlack, store: SqlStore, clock: ManualClock, worker: DeliveryWorker
) -> None:
    """Slack answers its workspace-wide limit on posting with the same 429 as a channel's:
    read as one channel's each, it would cost a request to every channel with alerts due,
    each round, while Slack asks the app to wait."""
    channels = [Target("slack", channel_id=f"C0{n}") for n in range(5)]
    keys = [f"alert:story-1:dev-1:slack:{t.channel_id}" for t in channels]
    store.enqueue(
        [OutboxWrite(key, t, alert("Report")) for key, t in zip(keys, channels, strict=True)],
        clock.now(),
    )
    fake.fail_next(5, status=429, retry_after=30, method="chat.postMessage")

    report = await worker.deliver_due()

    assert len(fake.calls_to("chat.postMessage")) == 2, "Slack asked once per channel"
    assert (report.rate_limited, report.skipped, report.posted) == (2, 3, 0)
    for key in keys:
        entry = store.get_outbox(key)
        assert entry is not None and entry.next_attempt_at == clock.now() + timedelta(seconds=30)


async def test_a_429_opening_a_dm_holds_back_the_dms_and_no_channel(
    fake: FakeSlack, store: SqlStore, clock: ManualClock, worker: DeliveryWorker
) -> None:
    """conversations.open is called only to open a DM, and its limit is its own."""
    store.enqueue(
        [
            OutboxWrite("notice:1:slack:U1", Target("slack", user_id="U1"), alert("Match")),
            OutboxWrite("notice:2:slack:U2", Target("slack", user_id="U2"), alert("Match")),
            OutboxWrite(KEY, TARGET, alert("Report")),
        ],
        clock.now(),
    )
    fake.fail_next(status=429, retry_after=30, method="conversations.open")

    report = await worker.deliver_due()

    assert (report.rate_limited, report.skipped, report.posted) == (1, 1, 1)
    assert list(fake.messages) == ["C0NEWS"]
    assert len(fake.calls_to("conversations.open")) == 1


async def test_a_429_editing_an_alert_holds_back_the_edits_while_new_alerts_and_dms_go_out(
    fake: FakeSlack, store: SqlStore, clock: ManualClock, worker: DeliveryWorker
) -> None:
    """chat.update is limited per method in the workspace: "Calls to other methods on
    behalf of this workspace are not restricted". Its 429 held back all of Slack: a new
    development's alert, in the same channel or another, and every DM waited for a
    busy edit."""
    second = "alert:story-1:dev-2:slack:C0NEWS"
    store.enqueue(
        [
            OutboxWrite(KEY, TARGET, alert("First report")),
            OutboxWrite(second, TARGET, alert("Second development")),
        ],
        clock.now(),
    )
    assert (await worker.deliver_due()).posted == 2
    clock.advance(1)
    new_here = "alert:story-1:dev-3:slack:C0NEWS"
    dm_key = "notice:1:slack:U0READER"
    store.enqueue(
        [
            # the two edits are due first (their rows were queued first)
            OutboxWrite(KEY, TARGET, alert("First report, updated")),
            OutboxWrite(second, TARGET, alert("Second development, updated")),
            OutboxWrite(new_here, TARGET, alert("Third development")),
            OutboxWrite(OTHER_KEY, OTHER, alert("Other channel")),
            OutboxWrite(dm_key, Target("slack", user_id="U0READER"), alert("Match")),
        ],
        clock.now(),
    )
    fake.fail_next(status=429, retry_after=30, method="chat.update")

    report = await worker.deliver_due()

    assert (report.rate_limited, report.skipped, report.posted, report.edited) == (1, 1, 3, 0)
    assert len(fake.calls_to("chat.update")) == 1, "the second edit waits without asking"
    assert sorted(fake.posted_keys()) == sorted([KEY, second, new_here, OTHER_KEY, dm_key])
    for key in (KEY, second):
        entry = store.get_outbox(key)
        assert entry is not None and not entry.dead and entry.attempts == 0
        assert entry.delivered_version < entry.version  # the update still pending
        assert "chat.update: ratelimited" in (entry.last_error or "")
        assert entry.next_attempt_at == clock.now() + timedelta(seconds=30)
    clock.advance(29)
    assert (await worker.deliver_due()).edited == 0
    assert len(fake.calls_to("chat.update")) == 1, "no edit within the Retry-After"
    clock.advance(2)
    assert (await worker.deliver_due()).edited == 2
    titles = [m["blocks"][0]["text"]["text"] for m in fake.messages["C0NEWS"]]
    assert titles == ["First report, updated", "Second development, updated", "Third development"]


@pytest.mark.parametrize("method", ["conversations.replies", "conversations.join"])
async def test_a_429_reading_an_alerts_thread_holds_back_the_edits_while_new_alerts_go_out(
    fake: FakeSlack, store: SqlStore, clock: ManualClock, worker: DeliveryWorker, method: str
) -> None:
    """An edit with a thread note reads the thread first (conversations.replies), joining
    a public channel the bot posts in without being a member (conversations.join): only
    edits call them, each limited per method in the workspace. Their 429 held back all
    of Slack: the other channel's new alert waited."""
    if method == "conversations.join":
        fake.not_member.add("C0NEWS")  # posted there with chat:write.public
    store.enqueue(
        [
            OutboxWrite(KEY, TARGET, alert("First report")),
            OutboxWrite(OTHER_KEY, OTHER, alert("B")),
        ],
        clock.now(),
    )
    assert (await worker.deliver_due()).posted == 2
    clock.advance(1)
    new_key = "alert:story-2:dev-2:slack:C0SPORTS"
    update = replace(alert("Second report"), thread_note="*AP* confirms")
    store.enqueue(
        [
            OutboxWrite(KEY, TARGET, update),
            OutboxWrite(OTHER_KEY, OTHER, alert("B, updated")),
            OutboxWrite(new_key, OTHER, alert("A new development")),
        ],
        clock.now(),
    )
    fake.fail_next(status=429, retry_after=30, method=method)

    report = await worker.deliver_due()

    assert (report.rate_limited, report.skipped, report.posted, report.edited) == (1, 1, 1, 0)
    assert len(fake.calls_to(method)) == 1
    assert len(fake.calls_to("chat.update")) == 1, "the other alert's edit waits"
    assert new_key in fake.posted_keys()
    waiting = store.get_outbox(OTHER_KEY)
    assert waiting is not None and waiting.attempts == 0
    assert f"{method}: ratelimited" in (waiting.last_error or "")
    clock.advance(31)
    assert (await worker.deliver_due()).edited == 2
    alert_ts = store.get_outbox(KEY).message_id  # type: ignore[union-attr]
    assert len(fake.thread_replies("C0NEWS", str(alert_ts))) == 1  # the note, once


async def test_a_429_looking_up_a_cut_off_post_holds_back_the_look_ups_while_edits_and_posts_go(
    fake: FakeSlack, store: SqlStore, clock: ManualClock, worker: DeliveryWorker
) -> None:
    """conversations.history is read only to look for a post cut off by a crash or a
    timeout, and is limited per method in the workspace. Its 429 held back all of Slack:
    the edits and new alerts due after the look-up waited with it."""
    cut_off = "alert:story-1:dev-2:slack:C0NEWS"
    store.enqueue(
        [OutboxWrite(cut_off, TARGET, alert("Cut off")), OutboxWrite(OTHER_KEY, OTHER, alert("B"))],
        clock.now(),
    )
    fake.fail_next(disconnect=True, method="chat.postMessage", channel="C0NEWS")
    assert (await worker.deliver_due()).posted == 1
    # the edit is made due after the look-up: a 429 puts it off past the look-up's back-off
    store.enqueue([OutboxWrite(OTHER_KEY, OTHER, alert("B, updated"))], clock.now())
    fake.fail_next(status=429, retry_after=60, method="chat.update")
    assert (await worker.deliver_due()).rate_limited == 1
    clock.advance(60)
    new_key = "alert:story-2:dev-2:slack:C0SPORTS"
    store.enqueue([OutboxWrite(new_key, OTHER, alert("A new development"))], clock.now())
    fake.fail_next(status=429, retry_after=30, method="conversations.history")

    report = await worker.deliver_due()

    assert (report.rate_limited, report.skipped, report.edited, report.posted) == (1, 0, 1, 1)
    assert len(fake.calls_to("conversations.history")) == 1
    entry = store.get_outbox(cut_off)
    assert entry is not None and entry.post_started_at is not None and entry.attempts == 1
    assert entry.next_attempt_at == clock.now() + timedelta(seconds=30)
    clock.advance(30)
    assert (await worker.deliver_due()).posted == 1  # looked up, not found: posted once
    assert sorted(fake.posted_keys()) == sorted([OTHER_KEY, cut_off, new_key])


@pytest.mark.parametrize("status", [200, 429], ids=["ok-false", "http-429"])
async def test_a_workspace_over_slacks_message_limit_holds_back_all_of_slack_and_loses_nothing(
    fake: FakeSlack, store: SqlStore, clock: ManualClock, status: int
) -> None:
    """``message_limit_exceeded`` ("Members on this team are sending too many messages"):
    a free workspace sent too much in a short time, every channel alike. It was taken for
    a refusal of the message, and the alert was given up. Slack answers it with ``ok:
    false`` or with a 429 without ``Retry-After``: the wait is the default one, never
    counted towards giving up (two attempts would otherwise be the end here)."""
    client = SlackSink.make_client("xoxb-test", fake.base_url)  # type: ignore[arg-type]
    worker = DeliveryWorker(store, {"slack": SlackSink(client)}, clock, max_attempts=2)
    keys = [KEY, OTHER_KEY]
    store.enqueue(
        [OutboxWrite(KEY, TARGET, alert("Report")), OutboxWrite(OTHER_KEY, OTHER, alert("Other"))],
        clock.now(),
    )
    fake.fail_next(3, status=status, error="message_limit_exceeded", method="chat.postMessage")
    for _ in range(3):
        report = await worker.deliver_due()
        # asked once a round: the other channel waits with the first
        assert (report.dead, report.rate_limited, report.skipped, report.posted) == (0, 1, 1, 0)
        for key in keys:
            entry = store.get_outbox(key)
            assert entry is not None and not entry.dead and entry.attempts == 0
            assert "message_limit_exceeded" in (entry.last_error or "")
            assert entry.next_attempt_at == clock.now() + timedelta(seconds=30)
        clock.advance(30)
    assert (await worker.deliver_due()).posted == 2  # Slack takes messages again
    assert sorted(fake.posted_keys()) == sorted(keys)
    assert len(fake.calls_to("chat.postMessage")) == 5


async def test_archived_channel_kills_the_row(
    fake: FakeSlack, store: SqlStore, clock: ManualClock, worker: DeliveryWorker
) -> None:
    store.enqueue([OutboxWrite(KEY, TARGET, alert("Report"))], clock.now())
    fake.fail_next(status=200, error="is_archived")
    assert (await worker.deliver_due()).dead == 1
    entry = store.get_outbox(KEY)
    assert entry is not None and entry.dead and "is_archived" in (entry.last_error or "")


async def test_a_revoked_bot_token_keeps_the_alerts_queued_until_a_good_token_is_back(
    fake: FakeSlack, store: SqlStore, clock: ManualClock, worker: DeliveryWorker
) -> None:
    keys = [f"{KEY}:{n}" for n in range(3)]
    store.enqueue([OutboxWrite(key, TARGET, alert("Report")) for key in keys], clock.now())
    fake.invalid_tokens = {"xoxb-test"}  # revoked, or the app reinstalled with a new one
    report = await worker.deliver_due()
    # one refusal says it for every message: Slack is asked once, the rest wait with it
    assert report.dead == 0 and (report.failed, report.skipped) == (1, 2)
    assert len(fake.calls_to("chat.postMessage")) == 1
    for key in keys:
        entry = store.get_outbox(key)
        assert entry is not None and not entry.dead
        assert "invalid_auth" in (entry.last_error or "")
        assert "SLACK_BOT_TOKEN" in (entry.last_error or "")  # says what to fix
    fake.invalid_tokens = set()  # the operator put a good token back
    clock.advance(3600)
    assert (await worker.deliver_due()).posted == 3
    assert sorted(fake.posted_keys()) == sorted(keys)


async def test_a_refused_token_never_gives_the_alerts_up_and_asks_slack_once_a_pause(
    fake: FakeSlack, store: SqlStore, clock: ManualClock
) -> None:
    # A token refused over a weekend must not turn every queued alert dead after
    # max_attempts (a few hours): the messages are fine, the platform refuses them all.
    client = SlackSink.make_client("xoxb-test", fake.base_url)  # type: ignore[arg-type]
    worker = DeliveryWorker(store, {"slack": SlackSink(client)}, clock, max_attempts=3)
    keys = [f"{KEY}:{n}" for n in range(3)]
    store.enqueue([OutboxWrite(key, TARGET, alert("Report")) for key in keys], clock.now())
    fake.invalid_tokens = {"xoxb-test"}
    for _ in range(48):  # two days of rounds an hour apart
        report = await worker.deliver_due()
        assert report.dead == 0 and report.posted == 0
        clock.advance(3600)
    assert len(fake.calls_to("chat.postMessage")) == 48  # one question a round, not three
    for key in keys:
        entry = store.get_outbox(key)
        assert entry is not None and not entry.dead and entry.attempts == 0
        assert "SLACK_BOT_TOKEN" in (entry.last_error or "")  # what to fix, on every row
        assert entry.next_attempt_at <= clock.now() + timedelta(
            seconds=DeliveryWorker.TOKEN_RETRY_S
        )
    fake.invalid_tokens = set()  # a good token again
    assert (await worker.deliver_due()).posted == 3


# ------------------------------------------ recovery in a public channel the bot is not in
#
# With chat:write.public the bot posts in a public channel it was never invited to, but it
# cannot read that channel's history (not_in_channel) until it joins (channels:join).

CLIENT_TIMEOUT_S = 0.2  # a "slow" answer takes 0.5 s: past the timeout, a short real wait


@pytest.fixture
def short_worker(fake: FakeSlack, store: SqlStore, clock: ManualClock) -> DeliveryWorker:
    fake.ts_clock = lambda: clock.now().timestamp()  # message ts near the worker's clock
    fake.not_member.add(TARGET.channel_id)  # type: ignore[arg-type]
    client = SlackSink.make_client("xoxb-test", fake.base_url, timeout=CLIENT_TIMEOUT_S)  # type: ignore[arg-type]
    return DeliveryWorker(store, {"slack": SlackSink(client)}, clock, rng=random.Random(1))


async def first_attempt_fails(
    fake: FakeSlack, store: SqlStore, clock: ManualClock, worker: DeliveryWorker, *, landed: bool
) -> None:
    """Queue one alert; its post times out after Slack accepted it (``landed``) or is cut
    off before Slack saw it. Either way the worker cannot know, and keeps post_started_at."""
    store.enqueue([OutboxWrite(KEY, TARGET, alert("Report"))], clock.now())
    if landed:
        fake.chaos = Chaos(seed=1, slow=1.0, delay_s=0.5)
        fake.chaos_methods = frozenset({"chat.postMessage"})
    else:
        fake.fail_next(disconnect=True, method="chat.postMessage")
    assert (await worker.deliver_due()).failed == 1
    fake.chaos = None
    assert fake.posted_keys() == ([KEY] if landed else [])
    entry = store.get_outbox(KEY)
    assert entry is not None and entry.post_started_at is not None and entry.message_id is None
    clock.advance(seconds=10)


async def test_timed_out_post_in_unjoined_channel_is_recovered_after_joining(
    fake: FakeSlack, store: SqlStore, clock: ManualClock, short_worker: DeliveryWorker
) -> None:
    await first_attempt_fails(fake, store, clock, short_worker, landed=True)
    report = await short_worker.deliver_due()
    assert (report.recovered, report.posted, report.dead) == (1, 0, 0)
    assert [c.args["channel"] for c in fake.calls_to("conversations.join")] == ["C0NEWS"]
    assert fake.posted_keys() == [KEY]  # no duplicate
    entry = store.get_outbox(KEY)
    assert entry is not None and entry.delivered_at is not None and not entry.dead
    assert entry.message_id == fake.messages["C0NEWS"][0]["ts"]


async def test_post_that_never_landed_in_unjoined_channel_is_posted_once(
    fake: FakeSlack, store: SqlStore, clock: ManualClock, short_worker: DeliveryWorker
) -> None:
    await first_attempt_fails(fake, store, clock, short_worker, landed=False)
    report = await short_worker.deliver_due()
    assert (report.recovered, report.posted, report.dead) == (0, 1, 0)
    assert len(fake.calls_to("conversations.join")) == 1
    assert fake.posted_keys() == [KEY]
    entry = store.get_outbox(KEY)
    assert entry is not None and entry.delivered_at is not None and not entry.dead


@pytest.mark.parametrize("landed", [True, False], ids=["landed", "not-landed"])
async def test_refused_join_posts_again_with_a_warning(
    fake: FakeSlack,
    store: SqlStore,
    clock: ManualClock,
    short_worker: DeliveryWorker,
    caplog: pytest.LogCaptureFixture,
    landed: bool,
) -> None:
    """No channels:join scope: whether the first post landed cannot be checked. A possible
    duplicate is better than a lost alert."""
    fake.join_error = "missing_scope"
    await first_attempt_fails(fake, store, clock, short_worker, landed=landed)
    with caplog.at_level(logging.WARNING, logger="bot.delivery"):
        report = await short_worker.deliver_due()
    assert (report.posted, report.unverified, report.dead) == (1, 1, 0)
    assert fake.posted_keys() == ([KEY, KEY] if landed else [KEY])
    entry = store.get_outbox(KEY)
    assert entry is not None and entry.delivered_at is not None and not entry.dead
    assert entry.message_id == fake.messages["C0NEWS"][-1]["ts"]
    [warning] = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert KEY in warning.getMessage() and "duplicate" in warning.getMessage()
    assert "missing_scope" in warning.getMessage()


async def test_refused_join_then_refused_post_gives_up_with_the_posts_error(
    fake: FakeSlack, store: SqlStore, clock: ManualClock, short_worker: DeliveryWorker
) -> None:
    """The channel was archived after the first attempt: the join cannot verify and the
    post itself fails for good; the post's error decides, as without the look-up."""
    await first_attempt_fails(fake, store, clock, short_worker, landed=False)
    fake.archived.add("C0NEWS")
    report = await short_worker.deliver_due()
    assert (report.posted, report.unverified, report.dead) == (0, 1, 1)
    entry = store.get_outbox(KEY)
    assert entry is not None and entry.dead
    assert "chat.postMessage: is_archived" in (entry.last_error or "")


async def test_rate_limited_join_keeps_the_post_started_mark(
    fake: FakeSlack, store: SqlStore, clock: ManualClock, short_worker: DeliveryWorker
) -> None:
    """A 429 on the join says nothing about the earlier post: look it up again later."""
    await first_attempt_fails(fake, store, clock, short_worker, landed=True)
    fake.fail_next(status=429, retry_after=5, method="conversations.join")
    assert (await short_worker.deliver_due()).rate_limited == 1
    entry = store.get_outbox(KEY)
    assert entry is not None and entry.post_started_at is not None
    clock.advance(seconds=10)
    assert (await short_worker.deliver_due()).recovered == 1
    assert fake.posted_keys() == [KEY]


async def test_a_dm_taken_back_while_the_worker_delivers_its_batch_is_not_sent(
    fake: FakeSlack, store: SqlStore, clock: ManualClock, worker: DeliveryWorker
) -> None:
    """The worker reads a batch of due rows, then posts them one by one: a row taken back
    (an unsubscribe) after the batch was read must not be posted from that stale copy."""
    sub = store.add_subscription("slack", "U1", "rail", None, clock.now())
    store.enqueue(
        [
            OutboxWrite("alert:first", TARGET, alert("First report")),
            OutboxWrite(
                "notice:slack:U1:7",
                Target("slack", user_id="U1"),
                alert("Rail strike"),
                only_if_new=True,
                subscription_ids=(sub.id,),
            ),
        ],
        clock.now(),
    )
    held = fake.hold_next("chat.postMessage")  # the first post of the batch, in flight
    delivering = asyncio.create_task(worker.deliver_due())
    await held.reached.wait()
    assert store.remove_subscription("slack", "U1", sub.id)  # /story unsubscribe rail
    assert store.get_outbox("notice:slack:U1:7") is None, "taken back"
    held.release()
    report = await delivering
    assert (report.posted, report.withdrawn) == (1, 1)
    assert len(fake.calls_to("chat.postMessage")) == 1, "the DM was sent after all"
    assert store.outbox_counts()["pending"] == 0


# ------------------------------------------ a bot token without a scope it needs
#
# A scope is fixed by the operator (add it, reinstall the app), as a token is: the
# messages are fine and every one to Slack would be refused alike.

SCOPES = "commands,users:read,channels:history,groups:history,im:history,channels:join"


async def test_a_token_without_chat_write_keeps_the_alerts_queued_until_the_scope_is_added(
    fake: FakeSlack, store: SqlStore, clock: ManualClock, worker: DeliveryWorker
) -> None:
    keys = [f"{KEY}:{n}" for n in range(3)]
    store.enqueue([OutboxWrite(key, TARGET, alert("Report")) for key in keys], clock.now())
    fake.fail_next(
        status=200,
        error="missing_scope",
        method="chat.postMessage",
        extra={"needed": "chat:write", "provided": SCOPES},
    )
    report = await worker.deliver_due()
    # Slack is asked once; the other messages wait with the one it refused
    assert report.dead == 0 and (report.failed, report.skipped) == (1, 2)
    for key in keys:
        entry = store.get_outbox(key)
        assert entry is not None and not entry.dead and entry.attempts == 0
        assert "missing_scope" in (entry.last_error or "")
        assert "chat:write" in (entry.last_error or "")  # says what to add
        assert "reinstall" in (entry.last_error or "")
    clock.advance(seconds=DeliveryWorker.TOKEN_RETRY_S)  # the app reinstalled meanwhile
    assert (await worker.deliver_due()).posted == 3
    assert sorted(fake.posted_keys()) == sorted(keys)


async def test_a_token_without_im_write_gives_a_notice_up_saying_which_scope_and_alerts_go_on(
    fake: FakeSlack, store: SqlStore, clock: ManualClock, worker: DeliveryWorker
) -> None:
    """Only direct messages need im:write: pausing all of Slack for it would hold every
    channel's alerts back behind the notices. The notice is given up, saying what to add
    (``storybot outbox --retry`` sends it once the scope is there)."""
    dm_key = "notice:1:slack:U0READER"
    store.enqueue(
        [
            OutboxWrite(dm_key, Target("slack", user_id="U0READER"), alert("Match")),
            OutboxWrite(KEY, TARGET, alert("Report")),
        ],
        clock.now(),
    )
    fake.fail_next(
        status=200,
        error="missing_scope",
        method="conversations.open",
        extra={"needed": "im:write", "provided": SCOPES},
    )
    report = await worker.deliver_due()
    assert (report.posted, report.dead, report.skipped) == (1, 1, 0)
    notice = store.get_outbox(dm_key)
    assert notice is not None and notice.dead
    assert "im:write" in (notice.last_error or "") and "reinstall" in (notice.last_error or "")


async def test_a_removed_storys_subscribers_get_one_plain_escaped_dm_each(
    fake: FakeSlack, store: SqlStore, clock: ManualClock, worker: DeliveryWorker
) -> None:
    """Queued by the story's removal, posted to the fake Slack (which checks the blocks as
    Slack does): a plain message, the user's query escaped, no keyword-match parts."""
    story = store.add_story("pentagon", "Pentagon", [], clock.now())
    a = store.add_subscription("slack", "U1", "deal <!channel>", story.id, clock.now())
    b = store.add_subscription("slack", "U1", "hearing", story.id, clock.now())
    store.add_subscription("slack", "U2", "rail", None, clock.now())
    assert store.remove_story("pentagon", story_removed("pentagon", clock.now()))

    report = await worker.deliver_due()
    assert report.posted == 1 and report.dead == 0
    [dm] = fake.messages["DU1"]
    assert "DU2" not in fake.messages
    assert [block["type"] for block in dm["blocks"]] == ["header", "section"]
    assert dm["blocks"][0]["text"]["text"] == "2 keyword subscriptions of yours removed"
    body = dm["blocks"][1]["text"]
    assert body["type"] == "plain_text"
    assert body["text"].startswith(
        f"The story pentagon was removed by an admin, and with it your subscriptions "
        f"#{a.id} deal AND &lt;!channel&gt;, #{b.id} hearing. /story subscribe &lt;keywords&gt;"
    ), body["text"]
    assert "<!channel>" not in str(dm), "no mention"
    assert store.outbox_counts()["pending"] == 0
    # the removal is over: delivered once, nothing queued again
    assert (await worker.deliver_due()).posted == 0
