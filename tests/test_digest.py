"""Digests: digest channels get their developments in one message every N hours, and a
realtime channel's developments over the hourly cap arrive in an overflow digest within
the hour."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from bot.alerts import alert_key, alert_message, digest_key, digest_message
from bot.digest import run_digests
from bot.model import DeliveryMode, SeedDoc, Target
from bot.ports import DevelopmentWrite, OutboxWrite
from storage import open_store

FAR_FUTURE = datetime(2100, 1, 1, tzinfo=timezone.utc)


@pytest.fixture
def store(sqlite_url):
    s = open_store(sqlite_url)
    yield s
    s.close()


def develop(store, story, number, clock):
    store.commit_decisions(
        [],
        [DevelopmentWrite(story.id, number, f"Turn {number}", f"What happened in turn {number}.")],
        {},
        [],
        clock.now(),
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


def test_a_digest_is_not_queued_twice_for_the_same_period(store, clock):
    story = store.add_story("s", "A story", [SeedDoc("t", "x")], clock.now())
    binding = store.bind(story.id, "console", "C1", DeliveryMode.DIGEST, 1, clock.now())
    develop(store, story, 1, clock)
    clock.advance(hours=2)
    run_digests(store, clock)
    # A crash before mark_digest_sent would run the same period again: same key, no copy.
    devs = store.developments_since(story.id, binding.created_at)
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
