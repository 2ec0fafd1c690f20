"""When to poll a feed next, decided from the result of the last poll.

Scheduling is data: the outcome's ``next_poll_at`` is written to the feed row and the
scheduler polls whatever is due. This module only decides that time and the feed's new
status; it reads no clock (``now`` is passed in) and its jitter comes from an injected
``random.Random`` so tests are reproducible.

Rules:

- Success (200 or 304): the error count resets and the next poll is after the longest of
  the feed's own interval, the minimum interval, the server's ``Cache-Control: max-age``
  and the feed's ``<ttl>`` -- a server asking us to come back later is obeyed, one asking
  for more often than the minimum is not. Capped at ``max_interval_s`` (a day) so a
  typo'd ``ttl`` cannot silence a feed for weeks. A hint that made the wait longer than
  the feed's interval is recorded with what gave it (``Feed.asked_s``, ``asked_by``), so
  that ``/story feeds`` and ``storybot feeds list`` can say why the next poll is later
  than the interval they show; any other poll clears it.
- Failure: exponential back-off from the interval, doubling per consecutive failure up to
  ``max_backoff_s``, with jitter so that feeds failing together (one host down) do not
  retry in lockstep. A feed is never dropped: at the cap it keeps being tried, even one
  whose server answered 410 Gone; that one is told apart (:func:`is_gone_error`) for the
  operator, who decides whether to remove it.
- 429/503 with ``Retry-After``: never sooner than the server asked (up to a week, so a
  hostile value cannot park a feed forever).
- This machine's network down: a fetch that reached no server for a reason that may
  pass (``FetchResult.unreachable``: the resolver could not answer for now, a connection
  refused, unreachable or never completed) says nothing of its feed while no other host
  can be reached either. :class:`NetworkWatch` remembers the hosts of feeds that were fine and could
  not be reached since a server last answered; from two hosts on, failures that reached
  no server are the outage's: the feed keeps its error count and back-off (the
  interval, for a feed that was fine), so polling is at most one interval behind once
  the network returns, not hours, and the error says the network seems down
  (``storybot health`` reports it). One host alone may be down itself and backs off as
  any failing feed, as do feeds already failing (two dead feeds due together prove no
  outage) and, after a day (``OUTAGE_TRUST_S``), every feed. The first answer from any
  server (a 200, a 304, an HTTP error) ends it. A feed on this side of the network (on
  localhost, a private address or a local name: a self-hosted bridge) is neither: its
  answer says nothing of the internet, and its failure is its own.
- ETag, Last-Modified and body hash come from the result when present, else the feed
  keeps its previous ones (an error response carries none).
- A permanent redirect (301, 308) of the feed's URL is noted as where the feed moved
  (``Feed.moved_to``), for ``/story feeds`` and ``storybot feeds list`` to tell; the URL
  is not changed (the operator switches it). Each successful poll says it again, so one
  that is no longer redirected clears it; a failed poll keeps the last good one's.
- A body read only in part (``FetchResult.read_in_part``: the parser's bounds, or more
  entries than are read a poll) is noted (``Feed.read_in_part``) for the same commands
  and ``storybot health`` to tell: the entries past the part are lost, and the log says
  it once a run. A poll that reads the body whole clears it; one that reads nothing (a
  304, the same body again, a failure) keeps it, as nothing changed that it knows of.
"""

from __future__ import annotations

import ipaddress
import logging
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from bot.model import ASKED_BY_MAX_AGE, ASKED_BY_TTL, Feed, FeedStatus, FetchResult, FetchStatus
from bot.ports import PollOutcome

log = logging.getLogger(__name__)

# The longest a feed's Retry-After (429, 503) is obeyed: a week. A longer one, or "inf",
# waits this long; the fetcher's error says so (``adapters.feeds.fetcher``).
MAX_FEED_RETRY_AFTER_S = 7 * 86400
# Doubling stops mattering long before this; it only keeps 2.0 ** n finite.
_MAX_EXPONENT = 30
# Fraction of the back-off delay that jitter may take off (spreads synchronized retries).
_JITTER = 0.2
# Added to a feed's error when no host could be reached (see NetworkWatch); health finds it.
OUTAGE_NOTE = "no other feed's server could be reached either: is this machine's network down?"
# How a feed's last error starts when its server answered 410 Gone (see is_gone_error).
_GONE = re.compile(r"HTTP 410(?!\d)")
# Hosts that could not be reached, since a server last answered, that make an outage.
_OUTAGE_HOSTS = 2
# How long an outage excuses the feeds' failures (see NetworkWatch.excuses): a day.
OUTAGE_TRUST_S = 86400
# The longest wait a feed is recorded to have asked for (``Feed.asked_s``): what a 32-bit
# column holds; a longer <ttl> or max-age is a typo or a joke, and still waits a day.
_ASKED_MAX_S = 2**31 - 1
# Names that are never on the internet: RFC 6761 (localhost), mDNS (RFC 6762), RFC 8375,
# ICANN's private-use .internal, and the .lan many home routers hand out.
_LOCAL_SUFFIXES = (".localhost", ".local", ".home.arpa", ".internal", ".lan")


@dataclass(frozen=True)
class PollPolicy:
    """Poll scheduling settings, from the ``[polling]`` section of the config."""

    default_interval_s: int = 900
    min_interval_s: int = 300
    max_backoff_s: int = 21600
    max_interval_s: int = 86400
    # (no Retry-After cap here: MAX_FEED_RETRY_AFTER_S, which the fetcher's error names too)

    @classmethod
    def from_settings(cls, polling: Mapping[str, Any]) -> PollPolicy:
        """Build a policy from the ``[polling]`` settings mapping; unknown keys are ignored."""
        names = cls.__dataclass_fields__.keys()
        return cls(**{k: int(v) for k, v in polling.items() if k in names})


def _base_interval(feed: Feed, policy: PollPolicy) -> float:
    return float(max(policy.min_interval_s, feed.interval_s or policy.default_interval_s))


def _success_delay(feed: Feed, result: FetchResult, policy: PollPolicy) -> float:
    hints = [h for h in (result.max_age_s, result.ttl_s) if h is not None and h > 0]
    delay = max([_base_interval(feed, policy), *hints])
    return max(float(policy.min_interval_s), min(delay, float(policy.max_interval_s)))


def asked_wait(
    feed: Feed, result: FetchResult, policy: PollPolicy
) -> tuple[int, str] | tuple[None, None]:
    """How long a successful poll's feed asked to wait, and which of its hints asked it
    (``ASKED_BY_TTL``, ``ASKED_BY_MAX_AGE``), when that wait is longer than the feed's
    own interval: the next poll is later than the interval because the feed asked.

    The seconds are what the feed asked for, not the wait it got (capped at
    ``max_interval_s``); of two hints alike, the ``<ttl>`` is named.
    """
    hints = [(result.ttl_s, ASKED_BY_TTL), (result.max_age_s, ASKED_BY_MAX_AGE)]
    asked = [(h, by) for h, by in hints if h is not None and h > 0]
    if not asked:
        return None, None
    seconds, by = max(asked, key=lambda hint: hint[0])  # the first of equals: the <ttl>
    if seconds <= _base_interval(feed, policy):
        return None, None
    return int(min(seconds, float(_ASKED_MAX_S))), by


def backoff_delay(error_count: int, base_s: float, policy: PollPolicy, rng: random.Random) -> float:
    """Return the delay before retry number ``error_count`` (1 = first failure).

    Args:
        error_count: Consecutive failures so far, including this one (>= 1).
        base_s: The feed's normal interval, where back-off starts.
        policy: Supplies ``max_backoff_s`` and ``min_interval_s``.
        rng: Source of jitter.

    Returns:
        ``base_s * 2 ** (error_count - 1)`` capped at ``max_backoff_s``, less up to 20 %
        jitter, never below ``min_interval_s``.
    """
    exponent = min(max(error_count - 1, 0), _MAX_EXPONENT)
    cap = float(max(policy.max_backoff_s, policy.min_interval_s))
    raw = min(base_s * 2.0**exponent, cap)
    jittered = raw * (1.0 - _JITTER * rng.random())
    return max(float(policy.min_interval_s), jittered)


def is_outage_error(error: str | None) -> bool:
    """Whether a feed's last error was recorded while this machine's network was down."""
    return (error or "").endswith(f"({OUTAGE_NOTE})")


def is_gone_error(error: str | None) -> bool:
    """Whether a feed's last error is its server's 410 Gone: the feed was removed for good.

    Not transient, as other failures may be: the feed is still polled (backing off, never
    dropped: a 410 may be a server's mistake, and removing a feed is the operator's
    choice), so ``storybot health``, ``storybot feeds list`` and ``/story feeds`` say it
    from the first one. Told from the error's text, as the outage is: an HTTP error is
    recorded as ``HTTP <status> ...`` (``adapters.feeds.fetcher``; :func:`plan_next_poll`
    writes ``HTTP <status>`` for one that came with no message).
    """
    return _GONE.match(error or "") is not None


def without_outage_note(error: str | None) -> str:
    """A feed's last error without the outage's note (for a reply that names it apart)."""
    return (error or "").removesuffix(f" ({OUTAGE_NOTE})")


class NetworkWatch:
    """Tells this machine's network outage from the feeds' own failures, poll by poll.

    Kept by the process that records polls (the pipeline), across cycles: when the
    polls are spread out, a cycle may hold a single feed. Pure: it reads no clock (the
    polls' time is given).
    """

    def __init__(self) -> None:
        self._unreached: set[str] = set()  # hosts not reached since a server last answered
        self.down = False
        self.since: datetime | None = None  # when the outage was first told
        self._answered = False  # a server answered since this process started

    def observe(self, results: Sequence[tuple[Feed, FetchResult]], now: datetime) -> bool:
        """Take in a batch of polls; return whether its unreachable hosts are an outage.

        Only a feed that was fine before this poll is evidence: no error in a row, and
        no outage excusing its last failure once a server has answered in this process.
        Two dead feeds of two hosts, due together while nothing else is, are their own
        failures, not an outage, and back off as failing feeds: the first time (if they
        were fine), they are excused, but their next failure, after another feed's
        answer, is theirs. After a restart in the middle of an outage, feeds it excused
        are evidence until a server answers, so the outage is told again.

        Args:
            results: Polls made together (a chunk of a cycle, or one poll job's feed).
            now: The time of the polls (remembered as :attr:`since` when the outage
                is first told).

        Returns:
            True while no server answered since at least two hosts of feeds that were
            fine could not be reached (these polls included).
        """
        results = [(f, r) for f, r in results if not is_local_url(f.url)]
        if any(_answered(r) for _, r in results):
            if self.down:
                log.info("a feed's server answered again: the network is back")
            self._unreached.clear()
            self.down = False
            self.since = None
            self._answered = True
            return False
        for feed, result in results:
            if result.unreachable and self._was_fine(feed) and len(self._unreached) < _OUTAGE_HOSTS:
                self._unreached.add(_host(feed.url))
        if not self.down and len(self._unreached) >= _OUTAGE_HOSTS:
            log.warning(
                "no feed's server could be reached (%s...): this machine's network seems "
                "down; feeds are polled at their interval meanwhile, without backing off",
                ", ".join(sorted(self._unreached)),
            )
        self.down = len(self._unreached) >= _OUTAGE_HOSTS
        if self.down and self.since is None:
            self.since = now
        return self.down

    def _was_fine(self, feed: Feed) -> bool:
        """Whether the feed was fine before this poll (see :meth:`observe`)."""
        if feed.error_count:
            return False
        return not (self._answered and is_outage_error(feed.last_error))

    def excuses(self, now: datetime) -> bool:
        """Whether the feeds' failures are still put down to the outage at ``now``.

        For ``OUTAGE_TRUST_S`` from its start: an outage of longer than that is more
        likely feeds that died together (a small deployment's two feeds) than this
        machine's network, and from then on they back off as failing feeds do, so
        nothing is polled at its interval for ever.
        """
        if not self.down or self.since is None:
            return False
        return (now - self.since).total_seconds() < OUTAGE_TRUST_S

    def excused(self, feed: Feed, result: FetchResult, now: datetime) -> bool:
        """Whether this poll's failure is put down to the outage (after :meth:`observe`):
        it reached no server, of a feed on the internet, while the outage excuses."""
        return result.unreachable and not is_local_url(feed.url) and self.excuses(now)


def is_local_url(url: str) -> bool:
    """Whether ``url``'s host is on this side of the network, not the internet's:
    localhost, a loopback, private or link-local address, a name of one label (a
    container's) or under a local-only suffix (``.local``, ``.lan``, ``.home.arpa``...).

    Told from the URL, as the operator wrote it: a public-looking name that resolves to
    a private address is taken as remote.
    """
    host = _host(url).rstrip(".")
    try:
        return not ipaddress.ip_address(host.split("%", 1)[0]).is_global
    except ValueError:
        pass
    return host == "localhost" or "." not in host or host.endswith(_LOCAL_SUFFIXES)


def _answered(result: FetchResult) -> bool:
    """Whether a server answered the poll: a feed, a 304 or an HTTP error."""
    return result.status is not FetchStatus.ERROR or result.http_status is not None


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or url).lower()
    except ValueError:
        return url


def plan_polls(
    results: Sequence[tuple[Feed, FetchResult]],
    now: datetime,
    policy: PollPolicy,
    rng: random.Random,
    network: NetworkWatch,
) -> list[PollOutcome]:
    """Decide the new scheduling state of feeds polled together (see :func:`plan_next_poll`).

    Args:
        results: Each feed as it was before the poll, with what the fetcher reported.
        now: The time of the polls (aware UTC).
        policy: Interval and back-off settings.
        rng: Source of jitter.
        network: Told of these polls first; while it excuses failures (the network
            down, for less than ``OUTAGE_TRUST_S``), a feed on the internet that could
            not be reached keeps its error count and back-off
            (:meth:`NetworkWatch.excused`).

    Returns:
        One ``PollOutcome`` per feed, in order.
    """
    network.observe(results, now)
    return [
        plan_next_poll(feed, result, now, policy, rng, outage=network.excused(feed, result, now))
        for feed, result in results
    ]


def plan_next_poll(
    feed: Feed,
    result: FetchResult,
    now: datetime,
    policy: PollPolicy,
    rng: random.Random,
    *,
    outage: bool = False,
) -> PollOutcome:
    """Decide a feed's new scheduling state after one poll.

    Args:
        feed: The feed as it was before the poll.
        result: What the fetcher reported.
        now: The time of the poll (aware UTC).
        policy: Interval and back-off settings.
        rng: Source of jitter (seed it in tests).
        outage: The failure is this machine's network's, not the feed's
            (:class:`NetworkWatch`): the error count and back-off stay as they were.

    Returns:
        The ``PollOutcome`` to record: status, next poll time, error count, last error,
        validators (ETag, Last-Modified, body hash), title, where the feed moved,
        what part of it was read and how long it asked to wait past its interval.
    """
    if (
        result.status is FetchStatus.NOT_MODIFIED
        and result.ttl_s is None
        and feed.asked_by == ASKED_BY_TTL
        and feed.asked_s
    ):
        # a 304 or the same body again carries no <ttl>, but the body it did not send
        # again still asks it: else every unchanged read went back to the interval
        result = replace(result, ttl_s=float(feed.asked_s))
    # a failed poll leaves the move as the last good one saw it: no redirect is
    # followed past some failures, and a feed that moved and then broke still moved
    moved_to = feed.moved_to
    # only a poll that read a body knows what part of it was read
    read_in_part = result.read_in_part if result.status is FetchStatus.OK else feed.read_in_part
    # a failure's wait is its back-off (or its Retry-After), which its error says
    asked_s, asked_by = None, None
    if result.status in (FetchStatus.OK, FetchStatus.NOT_MODIFIED):
        status, error_count, last_error = FeedStatus.OK, 0, None
        delay = _success_delay(feed, result, policy)
        moved_to = result.moved_to
        asked_s, asked_by = asked_wait(feed, result, policy)
    elif outage:
        status, error_count = FeedStatus.ERROR, feed.error_count
        last_error = f"{result.error or 'fetch failed (no detail)'} ({OUTAGE_NOTE})"
        delay = backoff_delay(max(error_count, 1), _base_interval(feed, policy), policy, rng)
    else:
        status, error_count = FeedStatus.ERROR, feed.error_count + 1
        last_error = result.error or (
            f"HTTP {result.http_status}" if result.http_status else "fetch failed (no detail)"
        )
        delay = backoff_delay(error_count, _base_interval(feed, policy), policy, rng)
        if result.retry_after_s is not None and result.retry_after_s > 0:
            delay = max(delay, min(result.retry_after_s, float(MAX_FEED_RETRY_AFTER_S)))
    return PollOutcome(
        feed_id=feed.id,
        status=status,
        polled_at=now,
        next_poll_at=now + timedelta(seconds=delay),
        error_count=error_count,
        last_error=last_error,
        etag=result.etag or feed.etag,
        last_modified=result.last_modified or feed.last_modified,
        body_hash=result.body_hash or feed.body_hash,
        title=result.feed_title or feed.title,
        moved_to=moved_to,
        read_in_part=read_in_part,
        asked_s=asked_s,
        asked_by=asked_by,
    )
