"""Digests at a time of day: ``/story follow NAME digest HOURS at HH:MM``.

The slots are HH:MM in ``[delivery] timezone`` and every HOURS after it on the local wall
clock (bot.digest_schedule), so 09:00 stays 09:00 across a daylight-saving change. Times
here are in Europe/Berlin, whose summer time in 2026 starts on 29 March (02:00 CET becomes
03:00 CEST) and ends on 25 October (03:00 CEST becomes 02:00 CET).
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.clock import ManualClock
from bot.commands import Commands
from bot.digest import digest_due, run_digests
from bot.digest_schedule import first_slot, next_due, parse_at, shown_span
from bot.errors import UsageError
from bot.model import CommandRequest, DeliveryMode, SeedDoc
from bot.ports import DevelopmentWrite

pytest_plugins = ["store_fixtures"]  # store: SQLite and PostgreSQL

BERLIN = ZoneInfo("Europe/Berlin")
UTC = timezone.utc
FAR_FUTURE = datetime(2100, 1, 1, tzinfo=UTC)


def berlin(*args: int) -> datetime:
    """An instant given as Berlin's wall clock (first pass of a repeated hour)."""
    return datetime(*args, tzinfo=BERLIN).astimezone(UTC)


def slots(at: str, hours: float, followed: datetime, n: int) -> list[str]:
    """The first ``n`` due times of a follow made at ``followed``, on Berlin's clock,
    each counted from the one before (as digests sent on time record them)."""
    anchor = first_slot(parse_at(at), hours, followed, BERLIN)
    shown, since = [], followed
    for _ in range(n):
        since = next_due(anchor, hours, since, since, BERLIN)
        shown.append(since.astimezone(BERLIN).strftime("%m-%d %H:%M %Z"))
    return shown


# --------------------------------------------------------------------------- the time form


@pytest.mark.parametrize(
    ("word", "minute"),
    [("09:00", 540), ("9:00", 540), ("00:00", 0), ("23:59", 1439), ("17:30", 1050)],
)
def test_at_takes_hh_mm_on_the_24_hour_clock(word, minute):
    assert parse_at(word) == minute


@pytest.mark.parametrize(
    "word", ["25:00", "24:00", "9", "9am", "9:00am", "12:60", "9:5", "09.00", "0900", "", "-1:00"]
)
def test_at_refuses_other_forms_saying_the_one_it_takes(word):
    with pytest.raises(UsageError) as refused:
        parse_at(word)
    assert "HH:MM on the 24-hour clock, such as 09:00" in str(refused.value)
    assert f"not '{word}'" in str(refused.value)


# --------------------------------------------------------------------------- the slots


def test_a_daily_digest_stays_at_nine_local_across_both_daylight_saving_changes():
    spring = slots("09:00", 24, berlin(2026, 3, 27, 8, 0), 4)
    assert spring == ["03-27 09:00 CET", "03-28 09:00 CET", "03-29 09:00 CEST", "03-30 09:00 CEST"]
    # the day of the change is 23 hours long in real time, the day after it 24
    anchor = first_slot(540, 24, berlin(2026, 3, 28, 10, 0), BERLIN)
    due = next_due(anchor, 24, berlin(2026, 3, 28, 9, 0), berlin(2026, 3, 28, 10, 0), BERLIN)
    assert due - berlin(2026, 3, 28, 9, 0) == timedelta(hours=23)
    autumn = slots("09:00", 24, berlin(2026, 10, 24, 8, 0), 3)
    assert autumn == ["10-24 09:00 CEST", "10-25 09:00 CET", "10-26 09:00 CET"]


@pytest.mark.parametrize(
    ("at", "hours", "followed", "expected"),
    [
        # 12 h: 08:00 and 20:00, on both sides of the spring change
        (
            "08:00",
            12,
            (3, 28, 7, 0),
            ["03-28 08:00 CET", "03-28 20:00 CET", "03-29 08:00 CEST", "03-29 20:00 CEST"],
        ),
        # followed after today's 08:00: the next slot, 20:00, not 08:00 tomorrow
        ("08:00", 12, (3, 5, 15, 0), ["03-05 20:00 CET", "03-06 08:00 CET"]),
        # 6 h at 09:00: 03:00, 09:00, 15:00, 21:00 every day
        (
            "09:00",
            6,
            (3, 5, 10, 0),
            ["03-05 15:00 CET", "03-05 21:00 CET", "03-06 03:00 CET", "03-06 09:00 CET"],
        ),
        # a quarter of an hour, on the quarters from 09:00
        ("09:00", 0.25, (3, 5, 9, 5), ["03-05 09:15 CET", "03-05 09:30 CET", "03-05 09:45 CET"]),
        # followed after today's time: tomorrow
        ("09:00", 24, (3, 5, 15, 37), ["03-06 09:00 CET", "03-07 09:00 CET"]),
        # followed on the minute: that slot has passed (a digest of nothing), tomorrow's
        ("09:00", 24, (3, 5, 9, 0), ["03-06 09:00 CET", "03-07 09:00 CET"]),
        ("09:00", 24, (3, 5, 8, 59), ["03-05 09:00 CET", "03-06 09:00 CET"]),
        # weekly: the first 09:00 to come, then the same day each week, summer time or not
        ("09:00", 168, (3, 25, 10, 0), ["03-26 09:00 CET", "04-02 09:00 CEST"]),
    ],
)
def test_slots_of_each_period(at, hours, followed, expected):
    assert slots(at, hours, berlin(2026, *followed), len(expected)) == expected


def test_quarter_hours_through_the_skipped_and_the_repeated_hour():
    """Spring: the slots in the skipped hour (02:00-02:45) come an hour on by the clock,
    02:00 at 03:00, 02:15 with 03:15 (one instant: one digest). Autumn: each wall-clock
    quarter of the repeated hour once, at its first pass, then on from 03:00 CET (a
    75-minute wait), not a digest at every tick while the clock shows the hour again."""
    spring = slots("01:30", 0.25, berlin(2026, 3, 29, 1, 20), 6)
    assert spring == [
        "03-29 01:30 CET",
        "03-29 01:45 CET",
        "03-29 03:00 CEST",
        "03-29 03:15 CEST",  # 02:15 (skipped) and 03:15 are one instant: one digest
        "03-29 03:30 CEST",
        "03-29 03:45 CEST",
    ]
    autumn = slots("02:00", 0.25, berlin(2026, 10, 25, 1, 50), 6)
    assert autumn == [
        "10-25 02:00 CEST",
        "10-25 02:15 CEST",
        "10-25 02:30 CEST",
        "10-25 02:45 CEST",
        "10-25 03:00 CET",
        "10-25 03:15 CET",
    ]


@pytest.mark.parametrize(
    ("zone", "at", "back"),
    [
        # Berlin repeats 02:00-03:00 on 25 October; New York 01:00-02:00 on 1 November
        ("Europe/Berlin", "02:30", datetime(2026, 10, 25, 1, 10, tzinfo=UTC)),  # 02:10 CET
        ("America/New_York", "01:30", datetime(2026, 11, 1, 6, 10, tzinfo=UTC)),  # 01:10 EST
    ],
)
async def test_a_digest_caught_up_in_the_repeated_hour_is_not_sent_again_at_its_second_pass(
    store, zone, at, back
):
    """Down over the slot's first pass, storybot is back during the hour's second pass,
    20 minutes before the slot shows on the clock again: the digest it catches up with
    is that day's; the next is the next day's, not another 20 minutes later."""
    zone = ZoneInfo(zone)
    clock = ManualClock(back - timedelta(days=2))
    story = store.add_story("s", "A story", [SeedDoc("t", "x")], clock.now())
    await Commands(store, clock, zone=zone).handle(admin(f"follow s digest 24 at {at}"))
    clock.set(back - timedelta(days=1, hours=1))  # the day before, as usual
    develop(store, story, 1, clock)
    clock.set(back)
    develop(store, story, 2, clock)
    assert run_digests(store, clock, zone) == 1  # the catch-up
    sent = []
    for turn in range(3, 3 + 26 * 6):  # a development and a digest run every 10 minutes
        clock.advance(minutes=10)
        develop(store, story, turn, clock)
        if run_digests(store, clock, zone):
            sent.append(clock.now().astimezone(zone).strftime("%m-%d %H:%M"))
    day = back.astimezone(zone) + timedelta(days=1)
    assert sent == [f"{day:%m-%d} {at}"]


def test_a_period_that_divides_no_day_steps_on_by_the_wall_clock():
    """5 h from 09:00: 14:00, 19:00, 00:00, 05:00 ...; across the spring change one
    interval is 4 hours of real time, and the wall-clock steps go on."""
    shown = slots("09:00", 5, berlin(2026, 3, 28, 20, 0), 3)
    assert shown == ["03-29 00:00 CET", "03-29 05:00 CEST", "03-29 10:00 CEST"]


# --------------------------------------------------------------------------- end to end


def develop(store, story, number, clock):
    store.commit_decisions(
        [], [DevelopmentWrite(story.id, number, f"Turn {number}", "Text.")], {}, [], clock.now()
    )


def digest_times(store, zone=BERLIN) -> list[str]:
    found = [e for e in store.due_outbox(FAR_FUTURE, limit=100) if e.key.startswith("digest:")]
    return [e.created_at.astimezone(zone).strftime("%m-%d %H:%M") for e in found]


def admin(text: str) -> CommandRequest:
    return CommandRequest(text=text, platform="slack", user_id="U1", channel_id="C1", is_admin=True)


async def test_follow_digest_at_nine_in_berlin_posts_at_nine_each_day(store):
    """Followed at 15:37 the day before: no digest at 15:37, the first at 09:00 the next
    morning, then 09:00 each day through the spring change; a job that runs every few
    minutes sends each at its time, whatever time of day it runs."""
    clock = ManualClock(berlin(2026, 3, 27, 15, 37))
    story = store.add_story("s", "A story", [SeedDoc("t", "x")], clock.now())
    commands = Commands(store, clock, zone=BERLIN)
    reply = await commands.handle(admin("follow s digest 24 at 09:00"))
    assert reply.text == (
        "This channel now follows s: new developments are posted as a digest every 24 hours "
        "at 09:00 Europe/Berlin; next at 2026-03-28 09:00 CET."
    )
    sent = []
    for turn in range(1, 4):
        develop(store, story, turn, clock)
        while True:
            clock.advance(minutes=7)
            if run_digests(store, clock, BERLIN):
                sent.append(clock.now().astimezone(BERLIN).strftime("%m-%d %H:%M %Z"))
                break
    # the job ticks every 7 minutes from 15:37: the first tick at or after 09:00 (the
    # first lands on it), and a late tick does not move the next day's slot
    assert sent == ["03-28 09:00 CET", "03-29 09:06 CEST", "03-30 09:01 CEST"]
    status = await commands.handle(admin("status s"))
    assert (
        "This channel follows this story (a digest every 24 hours at 09:00 Europe/Berlin; "
        "next at 2026-03-31 09:00 CEST)." in status.text
    )


async def test_switching_a_digest_to_at_waits_for_the_slot_and_back_is_as_before(store):
    clock = ManualClock(berlin(2026, 3, 5, 15, 37))
    story = store.add_story("s", "A story", [SeedDoc("t", "x")], clock.now())
    commands = Commands(store, clock, zone=BERLIN)
    await commands.handle(admin("follow s digest 24"))
    clock.set(berlin(2026, 3, 6, 10, 0))
    develop(store, story, 1, clock)
    reply = await commands.handle(admin("follow s digest 24 at 09:00"))
    assert reply.text == (
        "This channel still follows s; new developments are now posted as a digest every "
        "24 hours at 09:00 Europe/Berlin; next at 2026-03-07 09:00 CET "
        "(before: as a digest every 24 hours)."
    )
    clock.set(berlin(2026, 3, 6, 15, 38))  # when the old period would have ended
    assert run_digests(store, clock, BERLIN) == 0
    clock.set(berlin(2026, 3, 7, 9, 0))
    assert run_digests(store, clock, BERLIN) == 1
    # the same again keeps the slots; without `at`, every 24 hours from the last digest
    again = await commands.handle(admin("follow s digest 24 at 9:00"))
    assert again.text.startswith("This channel already follows s:")
    await commands.handle(admin("follow s digest 24"))
    [binding] = store.list_bindings()
    assert binding.digest_anchor is None
    assert digest_due(binding, clock.now(), BERLIN) == berlin(2026, 3, 8, 9, 0)


async def test_a_clock_set_back_sends_what_is_new_then_keeps_the_slots(store):
    clock = ManualClock(berlin(2026, 3, 5, 8, 0))
    story = store.add_story("s", "A story", [SeedDoc("t", "x")], clock.now())
    commands = Commands(store, clock, zone=BERLIN)
    await commands.handle(admin("follow s digest 24 at 09:00"))
    clock.set(berlin(2026, 3, 6, 9, 0))
    develop(store, story, 1, clock)
    assert run_digests(store, clock, BERLIN) == 1  # 6 March 09:00 (5 March's had nothing)
    clock.set(berlin(2026, 3, 5, 12, 0))  # a day back
    develop(store, story, 2, clock)
    # recorded a day ahead: due now, rather than a day after the clock gets back there
    assert run_digests(store, clock, BERLIN) == 1
    [binding] = store.list_bindings()
    assert digest_due(binding, clock.now(), BERLIN) == berlin(2026, 3, 6, 9, 0)
    clock.set(berlin(2026, 3, 6, 8, 59))
    develop(store, story, 3, clock)
    assert run_digests(store, clock, BERLIN) == 0
    clock.set(berlin(2026, 3, 6, 9, 0))
    assert run_digests(store, clock, BERLIN) == 1
    assert sorted(digest_times(store)) == ["03-05 12:00", "03-06 09:00", "03-06 09:00"]


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("follow s digest 24 at 25:00", "`at` takes a time of day as HH:MM on the 24-hour clock"),
        ("follow s digest 24 at 9", "not '9'"),
        ("follow s digest at 9am", "not '9am'"),
        ("follow s digest 24 at", "`at` needs a time of day as HH:MM"),
        ("follow s digest 24 at 09:00 daily", "`follow` does not take 'daily'"),
        ("follow s realtime at 09:00", "`at` is a digest's time of day"),
        ("follow s at 09:00", "`/story follow s digest 24 at 09:00`"),
    ],
)
async def test_follow_with_a_bad_time_is_refused_saying_the_form(store, clock, text, said):
    store.add_story("s", "A story", [SeedDoc("t", "x")], clock.now())
    reply = await Commands(store, clock, zone=BERLIN).handle(admin(text))
    assert not reply.ok
    assert said in reply.text
    assert store.list_bindings() == []


async def test_utc_is_the_default_zone(store, clock):
    store.add_story("s", "A story", [SeedDoc("t", "x")], clock.now())  # 5 March 08:00 UTC
    reply = await Commands(store, clock).handle(admin("follow s digest 12 at 20:00"))
    # every slot of the day named, the one typed among them; 08:00 is now, so the next is 20:00
    assert reply.text.endswith(
        "as a digest every 12 hours at 08:00 and 20:00 UTC; next at 2026-03-05 20:00 UTC."
    )
    [binding] = store.list_bindings()
    assert binding.mode is DeliveryMode.DIGEST and binding.digest_hours == 12


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("digest 6 at 09:00", "every 6 hours at 03:00, 09:00, 15:00 and 21:00 UTC"),
        ("digest 8 at 23:30", "every 8 hours at 07:30, 15:30 and 23:30 UTC"),
        ("digest 24 at 09:00", "every 24 hours at 09:00 UTC"),
        ("digest 48 at 09:00", "every 48 hours at 09:00 UTC"),
        # more slots than are named: the day's first, as before
        ("digest 2 at 09:00", "every 2 hours at 01:00 UTC"),
        # a period that neither divides the day nor is whole days: no time of day names
        # it ("digest 5 at 23:59" read "every 5 hours at 08:59", its next slot)
        ("digest 5 at 09:00", "every 5 hours, at times that move through the day"),
        ("digest 5 at 23:59", "every 5 hours, at times that move through the day"),
        ("digest 2.5 at 09:00", "every 2.5 hours, at times that move through the day"),
        ("digest 30 at 09:00", "every 30 hours, at times that move through the day"),
    ],
)
async def test_a_follow_at_a_time_names_the_times_its_digests_come(store, clock, typed, shown):
    """A period that divides the day into a few slots names each, so the time typed is
    among them ("digest 6 at 09:00" did read "every 6 hours at 03:00")."""
    store.add_story("s", "A story", [SeedDoc("t", "x")], clock.now())
    reply = await Commands(store, clock).handle(admin(f"follow s {typed}"))
    assert reply.ok and f"as a digest {shown}; next at " in reply.text, reply.text


@pytest.mark.parametrize(
    ("start", "end", "zone", "shown"),
    [
        (
            berlin(2026, 3, 5, 9),
            berlin(2026, 3, 6, 9),
            BERLIN,
            "2026-03-05 09:00 – 2026-03-06 09:00 CET",
        ),
        (berlin(2026, 3, 6, 8), berlin(2026, 3, 6, 9), BERLIN, "2026-03-06 08:00 – 09:00 CET"),
        # across the change to summer time, each end with its own zone
        (
            berlin(2026, 3, 28, 9),
            berlin(2026, 3, 29, 9),
            BERLIN,
            "2026-03-28 09:00 CET – 2026-03-29 09:00 CEST",
        ),
        # the date on the channel's clock: 23:30 UTC is already the next day in Berlin
        (
            datetime(2026, 3, 5, 22, 30, tzinfo=UTC),
            datetime(2026, 3, 5, 23, 30, tzinfo=UTC),
            BERLIN,
            "2026-03-05 23:30 – 2026-03-06 00:30 CET",
        ),
        (
            datetime(2026, 3, 5, 22, 30, tzinfo=UTC),
            datetime(2026, 3, 5, 23, 30, tzinfo=UTC),
            UTC,
            "2026-03-05 22:30 – 23:30 UTC",
        ),
    ],
)
def test_a_digests_period_is_said_on_the_channels_clock(start, end, zone, shown):
    assert shown_span(start, end, zone) == shown


def test_a_digest_names_the_period_it_covers_in_the_configured_zone(store):
    """A digest said "Digest": it now says what span it stands for (from the last digest,
    or the follow, to now), on the clock of `[delivery] timezone`, beside when its news
    was reported."""
    clock = ManualClock(berlin(2026, 3, 5, 9))
    story = store.add_story("s", "A story", [SeedDoc("t", "x")], clock.now())
    store.bind(story.id, "console", "C1", DeliveryMode.DIGEST, 24, clock.now())
    for number in (1, 2):
        clock.advance(hours=1)
        store.commit_decisions(
            [],
            [DevelopmentWrite(story.id, number, f"Turn {number}", "It did.")],
            {},
            [],
            clock.now(),
        )
        clock.advance(hours=23)
        assert run_digests(store, clock, BERLIN) == 1
    footers = [e.message.footer for e in store.due_outbox(FAR_FUTURE, limit=10)]
    assert footers == [
        "Digest of 2026-03-05 09:00 – 2026-03-06 09:00 CET",
        "Digest of 2026-03-06 09:00 – 2026-03-07 09:00 CET",
    ]


def test_an_overflow_digest_says_it_holds_the_alerts_over_the_cap(store):
    clock = ManualClock(datetime(2026, 3, 5, 8, tzinfo=UTC))
    story = store.add_story("s", "A story", [SeedDoc("t", "x")], clock.now())
    store.bind(story.id, "console", "C1", DeliveryMode.REALTIME, 24, clock.now())
    clock.advance(minutes=20)
    store.commit_decisions(
        [], [DevelopmentWrite(story.id, 1, "Turn 1", "It did.")], {}, [], clock.now()
    )
    clock.advance(minutes=41)
    assert run_digests(store, clock, UTC) == 1
    [digest] = store.due_outbox(FAR_FUTURE, limit=10)
    assert digest.message.footer == (
        "Digest of 2026-03-05 08:00 – 09:01 UTC (alerts over this channel's hourly cap)"
    )


@pytest.mark.parametrize(
    ("zone", "at", "followed", "first"),
    [
        # Berlin skips 02:00-03:00 on 29 March: followed as the clock reads 03:00 (and at
        # 03:20), the day's 02:30 is still to come, at 03:30
        ("Europe/Berlin", "02:30", datetime(2026, 3, 29, 1, 0, tzinfo=UTC), "03-29 03:30 CEST"),
        ("Europe/Berlin", "02:30", datetime(2026, 3, 29, 1, 20, tzinfo=UTC), "03-29 03:30 CEST"),
        # New York skips 02:00-03:00 on 8 March
        ("America/New_York", "02:30", datetime(2026, 3, 8, 7, 0, tzinfo=UTC), "03-08 03:30 EDT"),
        # Santiago skips 00:00-01:00 on 6 September: the day starts at 01:00
        ("America/Santiago", "00:30", datetime(2026, 9, 6, 4, 0, tzinfo=UTC), "09-06 01:30 -03"),
    ],
)
@pytest.mark.parametrize("hours", [24, 36, 168])
async def test_a_follow_made_as_the_clocks_go_forward_gets_the_skipped_slot_an_hour_on(
    store, zone, at, followed, first, hours
):
    """A slot in the hour skipped in spring is due an hour on by the clock that day: a
    follow made at the change, or within the hour after it, before that time, gets its
    first digest then, as the reply says, not a period later (a weekly digest: 8 days)."""
    zone = ZoneInfo(zone)
    clock = ManualClock(followed)
    story = store.add_story("s", "A story", [SeedDoc("t", "x")], clock.now())
    reply = await Commands(store, clock, zone=zone).handle(
        admin(f"follow s digest {hours} at {at}")
    )
    assert reply.ok, reply.text
    develop(store, story, 1, clock)
    sent = []
    for _ in range(12 * 3):  # every 5 minutes for 3 hours
        clock.advance(minutes=5)
        if run_digests(store, clock, zone):
            sent.append(clock.now().astimezone(zone).strftime("%m-%d %H:%M %Z"))
    assert sent == [first]
    day, time, name = first.split()
    assert f"next at 2026-{day} {time} {name}" in reply.text
