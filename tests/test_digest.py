"""Digests: digest channels get their developments in one message every N hours, and a
realtime channel's developments over the hourly cap arrive in an overflow digest within
the hour."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot.alert_text import alert_message
from bot.digest import ALERT_CAP_WINDOW, run_digests
from bot.digest_text import digest_message
from bot.model import DeliveryMode, SeedDoc, Target
from bot.outbox_keys import alert_key, digest_key
from bot.ports import DevelopmentWrite, OutboxWrite

pytest_plugins = ["store_fixtures"]  # store: SQLite and PostgreSQL

FAR_FUTURE = datetime(2100, 1, 1, tzinfo=timezone.utc)


def develop(store, story, number, clock, at=None):
    """Commit a new development, stamped ``at`` (the time judging began) or now."""
    store.commit_decisions(
        [],
        [DevelopmentWrite(story.id, number, f"Turn {number}", f"What happened in turn {number}.")],
        {},
        [],
        at or clock.now(),
    )


def digests(store):
    return [e for e in store.due_outbox(FAR_FUTURE, limit=100) if e.key.startswith("digest:")]


def test_digest_channel_gets_one_message_per_period_with_every_new_development(store, clock):
    story = store.add_story("s", "A story", [SeedDoc("t", "x")], clock.now())
    store.bind(story.id, "console", "C1", DeliveryMode.DIGEST, 6, clock.now())
    clock.advance(hours=1)
    develop(store, story, 1, clock)
    develop(store, story, 2, clock)

    assert run_digests(store, clock) == 0, "not due before 6 hours"
    clock.advance(hours=5, minutes=1)
    assert run_digests(store, clock) == 1
    [digest] = digests(store)
    assert digest.target == Target("console", channel_id="C1")
    assert digest.message.title == "2 new developments in A story"
    assert "Turn 1" in digest.message.body and "Turn 2" in digest.message.body

    assert run_digests(store, clock) == 0, "nothing new, nothing sent"
    clock.advance(hours=7)
    assert run_digests(store, clock) == 0


def test_realtime_overflow_goes_into_the_next_digest(store, clock):
    story = store.add_story("s", "A story", [SeedDoc("t", "x")], clock.now())
    binding = store.bind(story.id, "console", "C1", DeliveryMode.REALTIME, 24, clock.now())
    clock.advance(hours=1)
    develop(store, story, 1, clock)
    develop(store, story, 2, clock)
    # Development 1 was alerted in real time; 2 went over the cap and was not.
    dev1 = store.get_development(story.id, 1)
    store.enqueue(
        [OutboxWrite(alert_key(story.id, 1, binding), binding.target, alert_message(story, dev1))],
        clock.now(),
    )

    clock.advance(hours=24)
    assert run_digests(store, clock) == 1
    [digest] = digests(store)
    assert "Turn 2" in digest.message.body and "Turn 1" not in digest.message.body


def test_realtime_overflow_arrives_within_the_hour_not_a_day_later(store, clock):
    story = store.add_story("s", "A story", [SeedDoc("t", "x")], clock.now())
    # a realtime follow stores the default 24 digest hours; they must not delay the overflow
    binding = store.bind(story.id, "console", "C1", DeliveryMode.REALTIME, 24, clock.now())
    clock.advance(minutes=20)
    develop(store, story, 1, clock)
    develop(store, story, 2, clock)
    dev1 = store.get_development(story.id, 1)
    store.enqueue(  # 1 was alerted; 2 went over the cap
        [OutboxWrite(alert_key(story.id, 1, binding), binding.target, alert_message(story, dev1))],
        clock.now(),
    )
    assert run_digests(store, clock) == 0, "the cap window has not passed yet"
    clock.advance(minutes=41)  # an hour after the last look (the binding's creation)
    assert run_digests(store, clock) == 1
    [digest] = digests(store)
    assert digest.target == binding.target
    assert "Turn 2" in digest.message.body and "Turn 1" not in digest.message.body

    # later overflow comes in the next hour's digest, and an hour with none sends nothing
    clock.advance(minutes=30)
    develop(store, story, 3, clock)
    clock.advance(minutes=31)
    assert run_digests(store, clock) == 1
    assert "Turn 3" in digests(store)[-1].message.body
    clock.advance(hours=1, minutes=1)
    assert run_digests(store, clock) == 0


def test_digests_keep_their_period_after_the_clock_is_set_back(store, clock):
    # A clock a day fast, then corrected: the digest recorded a day ahead put the next one
    # a day and a period away.
    right = clock.now()
    story = store.add_story("s", "A story", [SeedDoc("t", "x")], right)
    store.bind(story.id, "console", "C1", DeliveryMode.DIGEST, 6, right)
    clock.advance(days=1)
    develop(store, story, 1, clock)
    assert run_digests(store, clock) == 1

    clock.set(right + timedelta(minutes=5))
    assert run_digests(store, clock) == 0, "nothing new: nothing sent, the period starts again"
    develop(store, story, 2, clock)
    clock.advance(hours=6, minutes=1)
    assert run_digests(store, clock) == 1
    assert sorted("Turn 2" in d.message.body for d in digests(store)) == [False, True]


def test_a_digest_is_not_queued_twice_for_the_same_period(store, clock):
    story = store.add_story("s", "A story", [SeedDoc("t", "x")], clock.now())
    binding = store.bind(story.id, "console", "C1", DeliveryMode.DIGEST, 1, clock.now())
    develop(store, story, 1, clock)
    clock.advance(hours=2)
    run_digests(store, clock)
    # The same period's digest written again (by hand here: a run records it in the same
    # transaction, so none repeats a period) is the same key: no copy.
    devs = [d for d in store.developments_after(story.id, 0)[0] if d.number > 0]
    store.enqueue(
        [
            OutboxWrite(
                digest_key(binding.id, binding.created_at),
                binding.target,
                digest_message(story, devs, binding.created_at),
                only_if_new=True,
            )
        ],
        clock.now(),
    )
    assert len(digests(store)) == 1


@pytest.mark.parametrize(
    ("mode", "period"),
    [(DeliveryMode.DIGEST, timedelta(hours=6)), (DeliveryMode.REALTIME, ALERT_CAP_WINDOW)],
)
def test_a_development_committed_after_a_digest_looked_but_stamped_before_it_comes_next(
    store, clock, mode, period
):
    """The pipeline stamps a development with the time judging began and commits later;
    a digest that runs in between must not leave it out of every digest (for a realtime
    channel: an alert the cap held back, which only the overflow digest sends)."""
    story = store.add_story("s", "A story", [SeedDoc("t", "x")], clock.now())
    binding = store.bind(story.id, "console", "C1", mode, 6, clock.now())
    clock.advance(period.total_seconds())
    judging_began = clock.now()
    clock.advance(seconds=30)  # judging takes a while; the digest job runs meanwhile
    assert run_digests(store, clock) == 0, "nothing committed yet"
    develop(store, story, 1, clock, at=judging_began)  # the commit, with its early stamp

    for _ in range(3):  # however long one waits, it comes exactly once
        clock.advance(period.total_seconds())
        run_digests(store, clock)
    [digest] = digests(store)
    assert digest.target == binding.target
    assert "Turn 1" in digest.message.body


def test_every_development_is_in_exactly_one_digest_however_commits_and_digests_interleave(
    store, clock
):
    """Developments stamped before, at and after digest runs, some committed just after a
    run: each is listed in one digest, none twice, none never."""
    story = store.add_story("s", "A story", [SeedDoc("t", "x")], clock.now())
    store.bind(story.id, "console", "C1", DeliveryMode.DIGEST, 1, clock.now())
    number = 0
    for round_ in range(6):
        stamped = clock.now()
        number += 1
        develop(store, story, number, clock)  # committed at its stamp
        clock.advance(hours=1)
        if round_ % 2:
            number += 1
            develop(store, story, number, clock, at=stamped)  # stamped an hour early
        run_digests(store, clock)
        number += 1
        develop(store, story, number, clock)  # stamped at the digest's own time
        run_digests(store, clock)  # not due again: nothing
    clock.advance(hours=1)
    run_digests(store, clock)

    listed = [
        line for d in digests(store) for line in d.message.body.splitlines() if "Turn" in line
    ]
    turns = sorted(int(line.split("Turn ")[1].split(":")[0].split()[0]) for line in listed)
    assert turns == list(range(1, number + 1))


def test_a_second_digest_run_that_read_the_same_binding_queues_nothing(store, clock):
    """Two digest jobs (say on two workers) that both read the binding before either
    recorded its run: the second finds the watermark moved and writes nothing."""
    story = store.add_story("s", "A story", [SeedDoc("t", "x")], clock.now())
    stale = store.bind(story.id, "console", "C1", DeliveryMode.DIGEST, 1, clock.now())
    develop(store, story, 1, clock)
    clock.advance(hours=2)
    assert run_digests(store, clock) == 1
    devs, through = store.developments_after(story.id, stale.digested_seq)
    write = OutboxWrite(
        digest_key(stale.id, clock.now()), stale.target, digest_message(story, devs, None)
    )
    assert store.queue_digest(stale.id, stale.digested_seq, through, [write], clock.now()) is False
    assert len(digests(store)) == 1


@pytest.mark.parametrize(
    ("stored", "used"),
    [
        (float("inf"), timedelta(hours=168)),  # a config's `default_digest_hours = inf`
        (1e300, timedelta(hours=168)),  # finite, and still beyond what a timedelta holds
        (10_000.0, timedelta(hours=168)),  # never, in practice
        (0.01, timedelta(minutes=15)),  # every 36 seconds
    ],
)
def test_digest_hours_stored_out_of_range_are_held_to_it_and_other_channels_still_get_theirs(
    store, clock, caplog, stored, used
):
    """A binding stored before the config file's default digest hours were checked may
    hold hours /story follow refuses: its digests come within the range, with a warning
    saying how to set them, and the channels after it still get theirs."""
    caplog.set_level("WARNING", logger="bot.digest")
    story = store.add_story("s", "A story", [SeedDoc("t", "x")], clock.now())
    odd = store.bind(story.id, "console", "C0", DeliveryMode.DIGEST, stored, clock.now())
    assert odd.digest_hours == stored, "stored as it was given, as an old release did"
    store.bind(story.id, "console", "C1", DeliveryMode.DIGEST, 1, clock.now())
    develop(store, story, 1, clock)

    created = clock.now()
    clock.advance(hours=1)
    assert run_digests(store, clock) == (2 if used <= timedelta(hours=1) else 1)
    assert Target("console", channel_id="C1") in {d.target for d in digests(store)}
    if used > timedelta(hours=1):
        clock.set(created + used - timedelta(minutes=1))
        run_digests(store, clock)
        assert Target("console", channel_id="C0") not in {d.target for d in digests(store)}
        clock.set(created + used)
        run_digests(store, clock)
    assert Target("console", channel_id="C0") in {d.target for d in digests(store)}
    [warning] = [r.getMessage() for r in caplog.records if "C0" in r.getMessage()]
    assert f"digest hours {stored:g}" in warning and "between 0.25 and 168" in warning
    assert "/story follow s digest HOURS" in warning
