"""Table-driven tests for bot.polling.plan_next_poll (seeded rng, injected times)."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from bot.model import Feed, FeedStatus, FetchResult, FetchStatus
from bot.polling import (
    OUTAGE_TRUST_S,
    NetworkWatch,
    PollPolicy,
    backoff_delay,
    is_outage_error,
    plan_next_poll,
    plan_polls,
)
from bot.ports import PollOutcome

NOW = datetime(2026, 3, 5, 8, 0, tzinfo=UTC)
POLICY = PollPolicy(default_interval_s=900, min_interval_s=300, max_backoff_s=21600)
FEED = Feed(
    id=7,
    url="https://example.com/feed",
    title="Example",
    status=FeedStatus.OK,
    next_poll_at=NOW,
    etag='"old"',
    last_modified="Mon, 02 Mar 2026 00:00:00 GMT",
    body_hash="oldhash",
    interval_s=900,
)
OK = FetchResult(FetchStatus.OK, http_status=200)
NOT_MODIFIED = FetchResult(FetchStatus.NOT_MODIFIED, http_status=304)
ERROR = FetchResult(
    FetchStatus.ERROR, error="could not connect to example.com:443: connection refused"
)


def _delay(feed: Feed, result: FetchResult, seed: int = 1, policy: PollPolicy = POLICY) -> float:
    outcome = plan_next_poll(feed, result, NOW, policy, random.Random(seed))
    return (outcome.next_poll_at - NOW).total_seconds()


@pytest.mark.parametrize(
    ("feed", "result", "expected_s"),
    [
        (FEED, OK, 900),
        (FEED, NOT_MODIFIED, 900),
        (replace(FEED, interval_s=60), OK, 300),  # never more often than min_interval
        (replace(FEED, interval_s=0), OK, 900),  # unset interval: the default
        (FEED, replace(OK, max_age_s=3600), 3600),  # server asks for longer: obeyed
        (FEED, replace(OK, max_age_s=10), 900),  # server asks for shorter: ignored
        (FEED, replace(OK, ttl_s=7200, max_age_s=600), 7200),
        (FEED, replace(OK, ttl_s=10 * 86400), 86400),  # capped at a day
        (replace(FEED, interval_s=2 * 86400), OK, 86400),
    ],
)
def test_success_interval(feed: Feed, result: FetchResult, expected_s: float) -> None:
    assert _delay(feed, result) == expected_s


@pytest.mark.parametrize("result", [OK, NOT_MODIFIED])
def test_success_resets_errors_and_sets_status(result: FetchResult) -> None:
    feed = replace(FEED, status=FeedStatus.ERROR, error_count=5, last_error="HTTP 500")
    outcome = plan_next_poll(feed, result, NOW, POLICY, random.Random(0))
    assert (outcome.status, outcome.error_count, outcome.last_error) == (FeedStatus.OK, 0, None)
    assert outcome.feed_id == 7 and outcome.polled_at == NOW


@pytest.mark.parametrize(
    ("error_count_before", "low", "high"),
    [
        (0, 720, 900),  # first failure: the interval, less up to 20 % jitter
        (1, 1440, 1800),
        (2, 2880, 3600),
        (4, 11520, 14400),
        (5, 17280, 21600),  # 900 * 32 = 28800 > cap
        (50, 17280, 21600),  # stays at the cap, never dropped
        (10_000, 17280, 21600),  # no overflow
    ],
)
def test_error_backoff(error_count_before: int, low: float, high: float) -> None:
    feed = replace(FEED, error_count=error_count_before)
    for seed in range(20):
        outcome = plan_next_poll(feed, ERROR, NOW, POLICY, random.Random(seed))
        delay = (outcome.next_poll_at - NOW).total_seconds()
        assert low <= delay <= high
        assert outcome.status == FeedStatus.ERROR
        assert outcome.error_count == error_count_before + 1
        assert outcome.last_error == ERROR.error


def test_backoff_jitter_spreads_and_is_reproducible() -> None:
    delays = {_delay(replace(FEED, error_count=3), ERROR, seed=s) for s in range(10)}
    assert len(delays) > 5
    assert _delay(FEED, ERROR, seed=42) == _delay(FEED, ERROR, seed=42)


def test_backoff_never_below_min_interval() -> None:
    policy = PollPolicy(min_interval_s=300, max_backoff_s=21600)
    for seed in range(50):
        assert backoff_delay(1, 300, policy, random.Random(seed)) >= 300


@pytest.mark.parametrize(
    ("retry_after_s", "expected_min", "expected_max"),
    [
        (7200.0, 7200, 7200),  # longer than the back-off: honoured exactly
        (10.0, 720, 900),  # shorter: the back-off wins
        (30 * 86400.0, 7 * 86400, 7 * 86400),  # absurd: capped at a week
        (None, 720, 900),
    ],
)
def test_retry_after(retry_after_s: float | None, expected_min: float, expected_max: float) -> None:
    result = FetchResult(
        FetchStatus.ERROR, http_status=429, retry_after_s=retry_after_s, error="HTTP 429"
    )
    assert expected_min <= _delay(FEED, result) <= expected_max


@pytest.mark.parametrize(
    ("result", "expected"),
    [
        (OK, ('"old"', "Mon, 02 Mar 2026 00:00:00 GMT", "oldhash")),
        (
            replace(OK, etag='"new"', body_hash="newhash"),
            ('"new"', "Mon, 02 Mar 2026 00:00:00 GMT", "newhash"),
        ),
        (
            replace(NOT_MODIFIED, last_modified="Thu, 05 Mar 2026 07:00:00 GMT"),
            ('"old"', "Thu, 05 Mar 2026 07:00:00 GMT", "oldhash"),
        ),
        (ERROR, ('"old"', "Mon, 02 Mar 2026 00:00:00 GMT", "oldhash")),
    ],
)
def test_validators_kept_or_replaced(result: FetchResult, expected: tuple[str, str, str]) -> None:
    outcome = plan_next_poll(FEED, result, NOW, POLICY, random.Random(0))
    assert (outcome.etag, outcome.last_modified, outcome.body_hash) == expected


@pytest.mark.parametrize(
    ("result", "expected_title"),
    [(OK, "Example"), (replace(OK, feed_title="New Title"), "New Title"), (ERROR, "Example")],
)
def test_title(result: FetchResult, expected_title: str) -> None:
    assert plan_next_poll(FEED, result, NOW, POLICY, random.Random(0)).title == expected_title


def test_error_without_message_still_explains() -> None:
    outcome = plan_next_poll(
        FEED, FetchResult(FetchStatus.ERROR, http_status=500), NOW, POLICY, random.Random(0)
    )
    assert outcome.last_error == "HTTP 500"


def test_new_feed_first_failure() -> None:
    feed = replace(FEED, status=FeedStatus.NEW, etag=None, last_modified=None, body_hash=None)
    outcome = plan_next_poll(feed, ERROR, NOW, POLICY, random.Random(3))
    assert outcome.status == FeedStatus.ERROR and outcome.error_count == 1
    assert outcome.next_poll_at > NOW + timedelta(seconds=299)


def test_policy_from_settings_ignores_other_keys() -> None:
    settings = {
        "tick_seconds": 30,
        "default_interval_s": 600,
        "min_interval_s": 120,
        "max_backoff_s": 3600,
        "timeout_s": 20,
        "concurrency": 32,
    }
    assert PollPolicy.from_settings(settings) == PollPolicy(600, 120, 3600)


# --------------------------------------------------------------------------- network outage

UNREACHABLE = FetchResult(
    FetchStatus.ERROR,
    error="DNS lookup failed for example.com: Temporary failure in name resolution",
    unreachable=True,
)


def _feeds(*hosts: str, error_count: int = 0) -> list[Feed]:
    return [
        replace(FEED, id=n, url=f"https://{host}/feed", error_count=error_count)
        for n, host in enumerate(hosts, 1)
    ]


def _cycle(
    watch: NetworkWatch,
    pairs: list[tuple[Feed, FetchResult]],
    seed: int = 1,
    now: datetime = NOW,
) -> list[PollOutcome]:
    return plan_polls(pairs, now, POLICY, random.Random(seed), watch)


def test_a_cycle_that_reached_no_host_is_the_networks_outage_and_grows_no_back_off() -> None:
    watch = NetworkWatch()
    healthy, failing = _feeds("a.example", "b.example"), _feeds("c.example", error_count=3)
    for cycle in range(30):  # hours of outage: every feed polled, none reached, each time
        outcomes = _cycle(watch, [(f, UNREACHABLE) for f in healthy + failing], seed=cycle)
        delays = [(o.next_poll_at - NOW).total_seconds() for o in outcomes]
        assert [o.error_count for o in outcomes] == [0, 0, 3], "no failure of the feeds' own"
        assert all(720 <= d <= 900 for d in delays[:2]), "the feed's interval, as before"
        assert 2880 <= delays[2] <= 3600, "a feed failing before keeps its back-off"
        assert all(o.status is FeedStatus.ERROR for o in outcomes)
        assert all(is_outage_error(o.last_error) for o in outcomes)
        assert all((o.last_error or "").startswith(UNREACHABLE.error or "?") for o in outcomes)
    assert watch.down


@pytest.mark.parametrize(
    "answered",
    [
        OK,
        NOT_MODIFIED,
        FetchResult(FetchStatus.ERROR, http_status=503, error="HTTP 503"),  # a server answered
    ],
)
def test_hosts_that_cannot_be_reached_while_another_answers_back_off_as_failing_feeds(
    answered: FetchResult,
) -> None:
    watch = NetworkWatch()
    down_a, down_b, up = _feeds("a.example", "b.example", "c.example", error_count=2)
    outcomes = _cycle(watch, [(down_a, UNREACHABLE), (down_b, UNREACHABLE), (up, answered)])
    assert [o.error_count for o in outcomes[:2]] == [3, 3]
    assert not any(is_outage_error(o.last_error) for o in outcomes)
    assert not watch.down


def test_one_host_that_cannot_be_reached_is_that_hosts_failure() -> None:
    # Two feeds of one host, polled alone cycle after cycle: the host may be down, so the
    # machine's network is not blamed (nothing says it is).
    watch = NetworkWatch()
    feeds = [replace(f, url=f"https://a.example/feed{f.id}") for f in _feeds("x", "y")]
    for count in range(1, 4):
        outcomes = _cycle(watch, [(f, UNREACHABLE) for f in feeds])
        assert [o.error_count for o in outcomes] == [count, count]
        feeds = [replace(f, error_count=count) for f in feeds]
    assert not watch.down


def test_the_outage_is_told_across_cycles_and_ends_with_the_first_answer() -> None:
    # Few feeds are due at once (their polls spread out): the watch remembers the hosts
    # that could not be reached since the last answer from any server.
    watch = NetworkWatch()
    a, b, c = _feeds("a.example", "b.example", "c.example")
    [first] = _cycle(watch, [(a, UNREACHABLE)])
    assert first.error_count == 1, "one host alone: its own failure, for all we know"
    [second] = _cycle(watch, [(b, UNREACHABLE)])
    assert second.error_count == 0 and is_outage_error(second.last_error)
    [third] = _cycle(watch, [(replace(a, error_count=1), UNREACHABLE)])
    assert third.error_count == 1 and is_outage_error(third.last_error)
    [back] = _cycle(watch, [(c, OK)])
    assert back.error_count == 0 and not watch.down
    [fourth] = _cycle(watch, [(b, UNREACHABLE)])
    assert fourth.error_count == 1, "the network answered since: the host's own failure"


def test_two_dead_feeds_due_together_alone_are_their_own_failures_not_an_outage() -> None:
    # Two feeds already failing, of two hosts, due together while nothing else is, cycle
    # after cycle (others answering between): they back off, as failing feeds do.
    watch = NetworkWatch()
    dead = _feeds("a.example", "b.example", error_count=1)
    for count in range(2, 6):
        outcomes = _cycle(watch, [(f, UNREACHABLE) for f in dead])
        assert [o.error_count for o in outcomes] == [count, count]
        assert not any(is_outage_error(o.last_error) for o in outcomes)
        _cycle(watch, [(_feeds("c.example")[0], OK)])
        dead = [replace(f, error_count=count) for f in dead]
    assert not watch.down


def test_two_fine_feeds_that_die_together_are_excused_once_then_back_off() -> None:
    # Two feeds of two hosts die at once and are due together while nothing else is:
    # that looks like an outage, once. Once another feed's server has answered, their
    # next failures are their own, although the excuse left their error count at 0.
    watch = NetworkWatch()
    dead = _feeds("a.example", "b.example")
    first = _cycle(watch, [(f, UNREACHABLE) for f in dead])
    assert [o.error_count for o in first] == [0, 0] and watch.down
    _cycle(watch, [(_feeds("c.example")[0], OK)])
    dead = [replace(f, last_error=o.last_error) for f, o in zip(dead, first, strict=True)]
    for count in range(1, 4):
        outcomes = _cycle(watch, [(f, UNREACHABLE) for f in dead])
        assert [o.error_count for o in outcomes] == [count, count]
        assert not any(is_outage_error(o.last_error) for o in outcomes)
        _cycle(watch, [(_feeds("c.example")[0], OK)])
        dead = [
            replace(f, error_count=o.error_count, last_error=o.last_error)
            for f, o in zip(dead, outcomes, strict=True)
        ]


def test_a_restart_in_the_middle_of_an_outage_tells_it_again() -> None:
    # The feeds the outage excused (error count 0, the outage's note on their error) are
    # evidence for a new process, which has seen no server answer yet.
    excused = _cycle(NetworkWatch(), [(f, UNREACHABLE) for f in _feeds("a.example", "b.example")])
    feeds = [
        replace(f, last_error=o.last_error)
        for f, o in zip(_feeds("a.example", "b.example"), excused, strict=True)
    ]
    restarted = NetworkWatch()
    outcomes = _cycle(restarted, [(f, UNREACHABLE) for f in feeds])
    assert [o.error_count for o in outcomes] == [0, 0] and restarted.down


def test_an_outage_excuses_the_feeds_for_a_day_then_they_back_off_again() -> None:
    # Two feeds that died together in a small deployment look like an outage; after a
    # day of it they back off as failing feeds, so nothing is polled at its interval
    # for ever (and health, which reads error counts, then names them).
    watch = NetworkWatch()
    feeds = _feeds("a.example", "b.example")
    hour = timedelta(hours=1)
    for h in range(24):
        outcomes = _cycle(watch, [(f, UNREACHABLE) for f in feeds], now=NOW + h * hour)
        assert [o.error_count for o in outcomes] == [0, 0], f"hour {h}"
    assert watch.since == NOW
    later = _cycle(
        watch, [(f, UNREACHABLE) for f in feeds], now=NOW + timedelta(seconds=OUTAGE_TRUST_S)
    )
    assert [o.error_count for o in later] == [1, 1]
    assert watch.down, "the network is still said to be down: nothing answered"


def test_failures_that_may_not_pass_are_never_the_networks() -> None:
    watch = NetworkWatch()
    refused = FetchResult(FetchStatus.ERROR, error="refused: 10.0.0.1 is a private address")
    pairs = [(f, refused) for f in _feeds("a.example", "b.example")]
    assert [o.error_count for o in _cycle(watch, pairs)] == [1, 1]
    assert not watch.down


@pytest.mark.parametrize(
    "local",
    [
        "http://localhost:3000/bridge?feed=1",
        "http://127.0.0.1:8080/feed",
        "http://[::1]/feed",
        "http://192.168.1.20/rss",
        "http://rss-bridge/feed",  # a compose service's name
        "http://nas.local/feed",
        "http://freshrss.home.arpa/feed",
    ],
)
def test_a_feed_on_this_side_of_the_network_answering_does_not_hide_the_outage(
    local: str,
) -> None:
    # A self-hosted bridge on localhost or the LAN answers while the internet is out of
    # reach (with its own 5xx, or from its cache): that says nothing of the internet.
    # The remote feeds due with it must not back off for the outage, cycle after cycle.
    watch = NetworkWatch()
    remote = _feeds("a.example", "b.example")
    bridge = replace(FEED, id=9, url=local)
    for cycle in range(5):
        outcomes = _cycle(watch, [*((f, UNREACHABLE) for f in remote), (bridge, OK)], seed=cycle)
        assert [o.error_count for o in outcomes] == [0, 0, 0], f"cycle {cycle}"
        assert all(is_outage_error(o.last_error) for o in outcomes[:2])
    assert watch.down and watch.since == NOW


def test_a_local_feed_that_cannot_be_reached_is_its_own_failure_not_an_outage() -> None:
    # The bridge's container is down (refused on loopback) and one remote host is
    # unreachable: one host of the internet proves no outage, and the bridge's failure
    # is its own whatever the internet does.
    watch = NetworkWatch()
    [remote] = _feeds("a.example")
    bridge = replace(FEED, id=9, url="http://localhost:3000/feed")
    outcomes = _cycle(watch, [(remote, UNREACHABLE), (bridge, UNREACHABLE)])
    assert [o.error_count for o in outcomes] == [1, 1]
    assert not watch.down
    # ...and while the internet is out of reach, the bridge down is still its own failure
    others = _feeds("b.example", "c.example")
    outcomes = _cycle(watch, [*((f, UNREACHABLE) for f in others), (bridge, UNREACHABLE)])
    assert [o.error_count for o in outcomes] == [0, 0, 1]
    assert not is_outage_error(outcomes[2].last_error)


PART = "the first 2.0 MiB of 3.4 MiB (XML the fast parser cannot read; the lenient one reads at most 2 MiB)"


@pytest.mark.parametrize(
    ("before", "result", "after"),
    [
        (None, replace(OK, read_in_part=PART), PART),  # a read in part says so
        (PART, OK, None),  # a read of it whole clears it
        (
            PART,
            replace(OK, read_in_part="the first 500 of 501 entries"),
            "the first 500 of 501 entries",
        ),
        (PART, NOT_MODIFIED, PART),  # read nothing (304, the same body): as it was
        (PART, ERROR, PART),  # nor does a failure read anything
    ],
    ids=["cut", "whole", "cut otherwise", "not modified", "failed"],
)
def test_what_part_of_a_feed_was_read_is_what_its_last_read_read(
    before: str | None, result: FetchResult, after: str | None
) -> None:
    feed = replace(FEED, read_in_part=before)
    outcome = plan_next_poll(feed, result, NOW, POLICY, random.Random(1))
    assert outcome.read_in_part == after


@pytest.mark.parametrize(
    ("feed", "result", "asked"),
    [
        (FEED, replace(OK, ttl_s=86400), (86400, "ttl")),  # past its interval: told
        (FEED, replace(NOT_MODIFIED, max_age_s=3600), (3600, "max-age")),
        (FEED, replace(OK, ttl_s=7200, max_age_s=3600), (7200, "ttl")),  # the longer asked
        (FEED, replace(OK, ttl_s=3600, max_age_s=7200), (7200, "max-age")),
        (FEED, replace(OK, ttl_s=3600, max_age_s=3600), (3600, "ttl")),
        (FEED, replace(OK, ttl_s=10 * 86400), (10 * 86400, "ttl")),  # asked, not the cap
        (FEED, replace(OK, max_age_s=1e300), (2**31 - 1, "max-age")),  # a column's worth
        (FEED, replace(OK, ttl_s=900), (None, None)),  # no later than its interval
        (replace(FEED, interval_s=60), replace(OK, ttl_s=300), (None, None)),  # the minimum's
        (FEED, OK, (None, None)),
        (FEED, replace(ERROR, retry_after_s=86400), (None, None)),  # a failure's back-off
    ],
    ids=[
        "ttl",
        "max-age",
        "ttl longer",
        "max-age longer",
        "equal",
        "past the cap",
        "huge",
        "not longer",
        "min interval",
        "none",
        "failed",
    ],
)
def test_a_poll_records_how_long_the_feed_asked_to_wait_past_its_interval(
    feed: Feed, result: FetchResult, asked: tuple[int | None, str | None]
) -> None:
    # "every 300 s" beside a next poll a day away: the lists say the feed asked for it
    before = replace(feed, asked_s=3600, asked_by="max-age")  # each poll says it again
    outcome = plan_next_poll(before, result, NOW, POLICY, random.Random(1))
    assert (outcome.asked_s, outcome.asked_by) == asked


def test_an_unchanged_poll_keeps_to_the_ttl_of_the_body_it_did_not_send_again() -> None:
    # a 304 or the same body carries no <ttl>: the feed was polled at its interval again
    # after every unchanged read, as often as it had asked not to be
    before = replace(FEED, asked_s=86400, asked_by="ttl")
    outcome = plan_next_poll(before, NOT_MODIFIED, NOW, POLICY, random.Random(1))
    assert outcome.next_poll_at == NOW + timedelta(seconds=86400)
    assert (outcome.asked_s, outcome.asked_by) == (86400, "ttl")
    # a body read again says its <ttl> itself: a feed that dropped it is read as asked now
    outcome = plan_next_poll(before, OK, NOW, POLICY, random.Random(1))
    assert outcome.next_poll_at == NOW + timedelta(seconds=900)
    assert (outcome.asked_s, outcome.asked_by) == (None, None)
    # a server's max-age is said again (or not) by each answer, a 304 too
    before = replace(FEED, asked_s=7200, asked_by="max-age")
    outcome = plan_next_poll(before, NOT_MODIFIED, NOW, POLICY, random.Random(1))
    assert outcome.next_poll_at == NOW + timedelta(seconds=900)
