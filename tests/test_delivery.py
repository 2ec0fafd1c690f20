"""The outbox worker against a real SQLite store and a scripted chat platform.

``ScriptedPlatform`` stands in for a chat service at the port (what Slack or Discord would
answer: an id, a 429, a 500, a permanent refusal); the worker and the store are real. The
Slack and Discord suites repeat the important cases at the wire with their fake servers.
"""

from __future__ import annotations

import random
from datetime import timedelta

import pytest

from bot.delivery import DeliveryWorker
from bot.errors import (
    MessageFrozen,
    MessageGone,
    PermanentDeliveryError,
    RateLimited,
    RateLimitScope,
    TokenRefused,
    TransientDeliveryError,
)
from bot.model import MessageKind, OutboundMessage, Target
from bot.ports import OutboxWrite
from storage import open_store


class ScriptedPlatform:
    """Answers each call with the next scripted outcome (an exception to raise, or None)."""

    platform = "chat"

    def __init__(self, script=()):
        self.script = list(script)
        self.posts: list[tuple[str, str]] = []  # (key, title)
        self.edits: list[tuple[str, str]] = []  # (message id, title)

    def _next(self):
        if self.script:
            outcome = self.script.pop(0)
            if outcome is not None:
                raise outcome

    async def post(self, target, message, *, idempotency_key):
        self._next()
        self.posts.append((idempotency_key, message.title))
        return f"m{len(self.posts)}"

    async def edit(self, target, message_id, message, *, since=None):
        self._next()
        self.edits.append((message_id, message.title))


TARGET = Target("chat", channel_id="C1")


def msg(title: str) -> OutboundMessage:
    return OutboundMessage(kind=MessageKind.ALERT, title=title, body="body")


@pytest.fixture
def store(migrated_sqlite_url):
    s = open_store(migrated_sqlite_url)
    yield s
    s.close()


def worker(store, platform, clock, **kw):
    return DeliveryWorker(store, {"chat": platform}, clock, rng=random.Random(7), **kw)


async def test_a_message_is_posted_once_and_an_update_edits_it(store, clock):
    platform = ScriptedPlatform()
    store.enqueue([OutboxWrite("k1", TARGET, msg("first"))], clock.now())
    w = worker(store, platform, clock)

    await w.deliver_due()
    await w.deliver_due()
    assert platform.posts == [("k1", "first")]

    store.enqueue([OutboxWrite("k1", TARGET, msg("better"))], clock.now())
    await w.deliver_due()
    await w.deliver_due()
    assert platform.posts == [("k1", "first")]
    assert platform.edits == [("m1", "better")]


async def test_an_update_to_a_deleted_message_is_posted_anew_and_edited_after(store, clock):
    platform = ScriptedPlatform()
    store.enqueue([OutboxWrite("k1", TARGET, msg("first"))], clock.now())
    w = worker(store, platform, clock)
    await w.deliver_due()
    platform.script = [MessageGone("message_not_found")]

    store.enqueue([OutboxWrite("k1", TARGET, msg("second"))], clock.now())
    await w.deliver_due()
    store.enqueue([OutboxWrite("k1", TARGET, msg("third"))], clock.now())
    await w.deliver_due()

    # the repost is a first post under the row's own key (crash recovery looks for it)
    assert platform.posts == [("k1", "first"), ("k1", "second")]
    assert platform.edits == [("m2", "third")]
    entry = store.get_outbox("k1")
    assert entry is not None and entry.message_id == "m2" and not entry.dead


async def test_an_update_the_platform_no_longer_lets_edit_leaves_the_alert_and_gives_up_nothing(
    store, clock
):
    # Slack's edit_window_closed: the channel works, the alert stands; giving the row up
    # made /story status there say storybot could not post, and a repost would come again
    # for every later report
    platform = ScriptedPlatform()
    store.enqueue([OutboxWrite("k1", TARGET, msg("first"))], clock.now())
    w = worker(store, platform, clock)
    await w.deliver_due()
    platform.script = [MessageFrozen("chat.update: edit_window_closed")]

    store.enqueue([OutboxWrite("k1", TARGET, msg("second"))], clock.now())
    report = await w.deliver_due()
    assert report.frozen == 1 and report.dead == 0 and report.posted == 0
    entry = store.get_outbox("k1")
    assert entry is not None and not entry.dead and entry.message_id == "m1"
    assert store.delivery_failure(TARGET) is None
    assert (await w.deliver_due()).frozen == 0  # delivered as far as it can be: not retried

    store.enqueue([OutboxWrite("k1", TARGET, msg("third"))], clock.now())
    await w.deliver_due()  # a later report tries the edit again
    assert platform.posts == [("k1", "first")]
    assert platform.edits == [("m1", "third")]


async def test_rate_limit_waits_for_retry_after_and_loses_nothing(store, clock):
    platform = ScriptedPlatform([RateLimited(30)])
    store.enqueue(
        [OutboxWrite("k1", TARGET, msg("a")), OutboxWrite("k2", TARGET, msg("b"))], clock.now()
    )
    w = worker(store, platform, clock)

    report = await w.deliver_due()
    assert report.rate_limited == 1 and platform.posts == []
    clock.advance(29)
    await w.deliver_due()
    assert platform.posts == [], "nothing is sent before Retry-After has passed"
    clock.advance(2)
    await w.deliver_due()
    assert sorted(k for k, _ in platform.posts) == ["k1", "k2"]


async def test_a_rate_limit_on_one_channel_holds_back_that_channel_only(store, clock):
    # a 429 that the platform said was one channel's paused the whole platform: every
    # other channel's alert and every DM waited for one busy channel
    other = Target("chat", channel_id="C2")
    dm = Target("chat", user_id="U1")
    platform = ScriptedPlatform([RateLimited(30, scope=RateLimitScope.TARGET)])
    store.enqueue(
        [
            OutboxWrite("k1", TARGET, msg("a")),
            OutboxWrite("k2", TARGET, msg("b")),
            OutboxWrite("k3", other, msg("c")),
            OutboxWrite("k4", dm, msg("d")),
        ],
        clock.now(),
    )
    w = worker(store, platform, clock)

    report = await w.deliver_due()
    assert (report.rate_limited, report.skipped, report.posted) == (1, 1, 2)
    assert sorted(k for k, _ in platform.posts) == ["k3", "k4"]
    entry = store.get_outbox("k2")
    assert entry is not None and "rate limited" in (entry.last_error or "")
    clock.advance(29)
    await w.deliver_due()
    assert len(platform.posts) == 2, "the channel waits for its Retry-After"
    clock.advance(2)
    await w.deliver_due()
    assert sorted(k for k, _ in platform.posts) == ["k1", "k2", "k3", "k4"]


async def test_a_rate_limit_on_opening_dms_holds_back_every_dm_and_no_channel(store, clock):
    platform = ScriptedPlatform([RateLimited(30, scope=RateLimitScope.DIRECT_MESSAGES)])
    store.enqueue(
        [
            OutboxWrite("k1", Target("chat", user_id="U1"), msg("a")),
            OutboxWrite("k2", Target("chat", user_id="U2"), msg("b")),
            OutboxWrite("k3", TARGET, msg("c")),
        ],
        clock.now(),
    )
    w = worker(store, platform, clock)

    report = await w.deliver_due()
    assert (report.rate_limited, report.skipped, report.posted) == (1, 1, 1)
    assert [k for k, _ in platform.posts] == ["k3"]
    clock.advance(31)
    await w.deliver_due()
    assert sorted(k for k, _ in platform.posts) == ["k1", "k2", "k3"]


async def test_a_rate_limit_on_one_dm_holds_back_that_user_only(store, clock):
    platform = ScriptedPlatform([RateLimited(30, scope=RateLimitScope.TARGET)])
    store.enqueue(
        [
            OutboxWrite("k1", Target("chat", user_id="U1"), msg("a")),
            OutboxWrite("k2", Target("chat", user_id="U1"), msg("b")),
            OutboxWrite("k3", Target("chat", user_id="U2"), msg("c")),
        ],
        clock.now(),
    )
    report = await worker(store, platform, clock).deliver_due()
    assert (report.rate_limited, report.skipped, report.posted) == (1, 1, 1)
    assert [k for k, _ in platform.posts] == ["k3"]


async def test_a_second_targets_rate_limit_that_may_be_wider_holds_back_the_whole_platform(
    store, clock
):
    # Slack answers its workspace-wide limit on posting with the same 429 as a channel's:
    # read as one channel's each, every channel with a row due was asked once a round
    # while the workspace limit held (up to a batch's worth of requests, 100)
    wider = RateLimited(30, scope=RateLimitScope.TARGET, may_be_wider=True)
    platform = ScriptedPlatform([wider, wider])
    targets = [Target("chat", channel_id=f"C{n}") for n in range(4)] + [
        Target("chat", user_id="U1")
    ]
    store.enqueue([OutboxWrite(f"k{n}", t, msg("a")) for n, t in enumerate(targets)], clock.now())
    w = worker(store, platform, clock)

    report = await w.deliver_due()
    assert (report.rate_limited, report.skipped, report.posted) == (2, 3, 0)
    assert platform.script == [] and platform.posts == []
    clock.advance(29)
    await w.deliver_due()
    assert platform.posts == [], "every target waits for the Retry-After"
    clock.advance(2)
    await w.deliver_due()
    assert len(platform.posts) == 5


async def test_rate_limits_the_platform_named_for_two_targets_hold_back_those_two_only(
    store, clock
):
    # Discord names the bucket it limits: two busy channels are two busy channels
    platform = ScriptedPlatform([RateLimited(30, scope=RateLimitScope.TARGET)] * 2)
    targets = [Target("chat", channel_id=f"C{n}") for n in range(3)]
    store.enqueue([OutboxWrite(f"k{n}", t, msg("a")) for n, t in enumerate(targets)], clock.now())
    report = await worker(store, platform, clock).deliver_due()
    assert (report.rate_limited, report.skipped, report.posted) == (2, 0, 1)
    assert [k for k, _ in platform.posts] == ["k2"]


async def test_a_refused_token_still_holds_back_a_channel_a_rate_limit_did_not(store, clock):
    # the pauses of one round add up: a channel's 429, then the token refused for the
    # next channel, holds back the third channel too
    platform = ScriptedPlatform(
        [RateLimited(30, scope=RateLimitScope.TARGET), TokenRefused("invalid_auth")]
    )
    store.enqueue(
        [
            OutboxWrite("k1", TARGET, msg("a")),
            OutboxWrite("k2", Target("chat", channel_id="C2"), msg("b")),
            OutboxWrite("k3", Target("chat", channel_id="C3"), msg("c")),
        ],
        clock.now(),
    )
    report = await worker(store, platform, clock).deliver_due()
    assert (report.rate_limited, report.failed, report.skipped, report.posted) == (1, 1, 1, 0)
    entry = store.get_outbox("k3")
    assert entry is not None and "invalid_auth" in (entry.last_error or "")


@pytest.mark.parametrize("retry_after", [float("inf"), 1e12, float("nan"), -5.0])
async def test_an_absurd_retry_after_holds_the_message_a_bounded_time_and_stops_nothing(
    store, clock, retry_after
):
    # a Retry-After of "inf" or 1e12 (a broken proxy; both parsers accept them) made the
    # wait overflow a datetime: deliver_due raised, the row stayed due and the rest of the
    # batch waited behind it on every tick
    platform = ScriptedPlatform([RateLimited(retry_after)])
    store.enqueue(
        [OutboxWrite("k1", TARGET, msg("a")), OutboxWrite("k2", TARGET, msg("b"))], clock.now()
    )
    w = worker(store, platform, clock)

    report = await w.deliver_due()
    assert report.rate_limited == 1 and platform.posts == []
    clock.advance(hours=1, seconds=1)
    await w.deliver_due()
    assert sorted(k for k, _ in platform.posts) == ["k1", "k2"]


async def test_a_refused_token_is_asked_once_a_pause_however_many_batches_wait(store, clock):
    # More messages wait than one round reads (the scale-out worker reads 20 a tick, run
    # 100): the platform is still asked once a pause, not once a batch, and every row
    # comes due again with the pause (not staggered a round apart for ever after).
    platform = ScriptedPlatform([TokenRefused("invalid_auth (check the token)")] * 1000)
    store.enqueue([OutboxWrite(f"k{n}", TARGET, msg("a")) for n in range(7)], clock.now())
    w = worker(store, platform, clock)

    refused = len(platform.script)
    for _ in range(3):  # three pauses, in rounds of 2 rows, 2 s apart
        for _ in range(int(DeliveryWorker.TOKEN_RETRY_S // 2)):
            await w.deliver_due(limit=2)
            clock.advance(2)
    assert refused - len(platform.script) == 3, "one question a pause"
    for n in range(7):
        entry = store.get_outbox(f"k{n}")
        assert entry is not None and not entry.dead and entry.attempts == 0
        assert "check the token" in (entry.last_error or "")
    platform.script.clear()  # a good token again
    clock.advance(DeliveryWorker.TOKEN_RETRY_S)
    for _ in range(4):
        await w.deliver_due(limit=2)
    assert sorted(k for k, _ in platform.posts) == sorted(f"k{n}" for n in range(7))


async def test_transient_errors_back_off_then_succeed(store, clock):
    platform = ScriptedPlatform([TransientDeliveryError("500"), TransientDeliveryError("timeout")])
    store.enqueue([OutboxWrite("k1", TARGET, msg("a"))], clock.now())
    w = worker(store, platform, clock)
    for _ in range(3):
        await w.deliver_due()
        clock.advance(hours=1)
    assert platform.posts == [("k1", "a")]
    assert store.outbox_counts()["delivered"] == 1


async def test_permanent_error_marks_the_row_dead_with_its_reason(store, clock):
    platform = ScriptedPlatform([PermanentDeliveryError("channel_not_found")])
    store.enqueue([OutboxWrite("k1", TARGET, msg("a"))], clock.now())
    w = worker(store, platform, clock)
    report = await w.deliver_due()
    assert report.dead == 1
    entry = store.get_outbox("k1")
    assert entry.dead and "channel_not_found" in entry.last_error
    clock.advance(hours=5)
    await w.deliver_due()
    assert platform.posts == []


async def test_gives_up_after_max_attempts(store, clock):
    platform = ScriptedPlatform([TransientDeliveryError("500")] * 10)
    store.enqueue([OutboxWrite("k1", TARGET, msg("a"))], clock.now())
    w = worker(store, platform, clock, max_attempts=3)
    for _ in range(5):
        await w.deliver_due()
        clock.advance(hours=2)
    assert store.get_outbox("k1").dead
    assert platform.posts == []


async def test_a_row_given_up_after_max_attempts_is_dated_when_it_was_given_up(store, clock):
    platform = ScriptedPlatform([TransientDeliveryError("500")] * 10)
    store.enqueue([OutboxWrite("k1", TARGET, msg("a"))], clock.now())
    w = worker(store, platform, clock, max_attempts=2)
    await w.deliver_due()
    clock.advance(hours=2)
    await w.deliver_due()
    # /story status dates the failure by it (and a later delivery there clears it)
    given_up = store.delivery_failure(TARGET)
    assert given_up is not None and given_up.dead and given_up.next_attempt_at == clock.now()


async def test_rows_for_a_platform_without_adapter_stay_queued(store, clock):
    store.enqueue([OutboxWrite("k1", Target("slack", channel_id="C9"), msg("a"))], clock.now())
    w = worker(store, ScriptedPlatform(), clock)
    report = await w.deliver_due()
    assert report.skipped == 0  # not read: left for a deliverer with a Slack sink
    assert store.outbox_counts()["pending"] == 1


async def test_a_delivered_row_survives_a_restart_without_being_sent_again(sqlite_url, clock):
    first = open_store(sqlite_url)
    first.enqueue([OutboxWrite("k1", TARGET, msg("a"))], clock.now())
    platform = ScriptedPlatform()
    await worker(first, platform, clock).deliver_due()
    first.close()

    again = open_store(sqlite_url)
    await worker(again, platform, clock).deliver_due()
    clock.advance(timedelta(days=1).total_seconds())
    await worker(again, platform, clock).deliver_due()
    assert platform.posts == [("k1", "a")]
    again.close()


class RecoveringPlatform(ScriptedPlatform):
    """A platform that can find what was posted under a key (as Slack does via metadata)."""

    async def find_posted(self, target, key, *, oldest=None):
        for i, (k, _) in enumerate(self.posts, 1):
            if k == key:
                return f"m{i}"
        return None


async def test_a_post_interrupted_by_a_crash_is_found_not_posted_twice(store, clock):
    platform = RecoveringPlatform()
    store.enqueue([OutboxWrite("k1", TARGET, msg("a"))], clock.now())
    entry = store.get_outbox("k1")
    # The dead process: it marked the post as started, the platform accepted it, and the
    # process died before recording the message id.
    store.mark_post_started(entry.id, clock.now())
    await platform.post(TARGET, entry.message, idempotency_key="k1")

    report = await worker(store, platform, clock).deliver_due()

    assert report.recovered == 1 and report.posted == 0
    assert platform.posts == [("k1", "a")]
    assert platform.edits == [("m1", "a")]
    assert store.get_outbox("k1").message_id == "m1"
    assert store.outbox_counts()["delivered"] == 1


async def test_a_post_that_never_reached_the_platform_is_posted_after_a_crash(store, clock):
    platform = RecoveringPlatform()
    store.enqueue([OutboxWrite("k1", TARGET, msg("a"))], clock.now())
    store.mark_post_started(store.get_outbox("k1").id, clock.now())

    await worker(store, platform, clock).deliver_due()

    assert platform.posts == [("k1", "a")]
    assert store.get_outbox("k1").post_started_at is None


async def test_a_rate_limited_post_needs_no_recovery_look_up(store, clock):
    class Counting(RecoveringPlatform):
        lookups = 0

        async def find_posted(self, target, key, *, oldest=None):
            Counting.lookups += 1
            return await super().find_posted(target, key, oldest=oldest)

    platform = Counting([RateLimited(5)])
    store.enqueue([OutboxWrite("k1", TARGET, msg("a"))], clock.now())
    w = worker(store, platform, clock)
    await w.deliver_due()
    assert store.get_outbox("k1").post_started_at is None, "a 429 means it was not posted"
    clock.advance(6)
    await w.deliver_due()
    assert platform.posts == [("k1", "a")] and Counting.lookups == 0


class LookingUpPlatform(RecoveringPlatform):
    """A platform whose look-ups answer from the script too (a 429 reading a channel)."""

    async def find_posted(self, target, key, *, oldest=None):
        self._next()
        return await super().find_posted(target, key, oldest=oldest)


@pytest.mark.parametrize(
    ("scope", "kinds", "held"),
    [
        # an edits pause: the edits and the look-ups (which edit the post they find)
        (RateLimitScope.EDITS, ["edit", "look-up", "edit", "post"], ["look-up", "edit"]),
        # a look-ups pause: the look-ups only
        (RateLimitScope.LOOKUPS, ["look-up", "edit", "look-up", "post"], ["look-up"]),
    ],
    ids=["edits", "look-ups"],
)
async def test_a_rate_limit_on_one_kind_of_call_holds_back_the_deliveries_that_make_it(
    store, clock, scope, kinds, held
):
    # Slack limits each method in the workspace: its 429 holds back the deliveries that
    # call the method, in every target, and the others go on (they waited for it, until
    # a 429 could name a kind of call)
    platform = LookingUpPlatform([RateLimited(30, scope=scope)])
    keys = [f"k{n}" for n in range(len(kinds))]
    targets = [Target("chat", channel_id=f"C{n}") for n in range(len(kinds))]
    store.enqueue(
        [OutboxWrite(k, t, msg("a")) for k, t in zip(keys, targets, strict=True)], clock.now()
    )
    for key, kind, target in zip(keys, kinds, targets, strict=True):
        entry = store.get_outbox(key)
        if kind == "edit":  # posted before; a later report bumps it
            store.mark_delivered(entry.id, entry.version, f"posted-{key}", clock.now())
            store.enqueue([OutboxWrite(key, target, msg("b"))], clock.now())
        elif kind == "look-up":  # an attempt was cut off: was it posted?
            store.mark_post_started(entry.id, clock.now())
    w = worker(store, platform, clock)

    report = await w.deliver_due()

    assert (report.rate_limited, report.skipped) == (1, len(held))
    entries = [store.get_outbox(key) for key in keys]
    pending = [e for e in entries if e.delivered_version < e.version]
    assert pending[0].key == keys[0]  # the delivery the platform answered with the 429
    assert [kinds[entries.index(e)] for e in pending[1:]] == held, "the others went on"
    for entry in pending:
        assert entry.attempts == 0 and "rate limited" in (entry.last_error or "")
        assert entry.next_attempt_at == clock.now() + timedelta(seconds=30)
    clock.advance(31)
    await w.deliver_due()
    for key in keys:
        entry = store.get_outbox(key)
        assert entry.delivered_version == entry.version and not entry.dead
