"""``storybot health``: one line per check, for process supervisors, probes and cron.

The checks read the database and change nothing (no migration, no new file):

* ``database``: it answers, and storybot can write it now (a SQLite file: a running
  service's note that its writes fail, or a probe of the write lock; a PostgreSQL
  database: not a standby, sessions not read-only, and the role may write every table
  of storybot's: see :func:`adapters.health_database.writes`).
* ``schema``: it is at the revision this code migrates to (``storybot run`` and
  ``storybot db-upgrade`` bring it there; a database behind it is what an upgrade of
  storybot without a restart looks like).
* ``polling``: something polls the feeds. It fails when a feed has been due for longer
  than ``max_age`` and no feed at all was polled within ``max_age``: the service polls
  every due feed at its next tick, so a feed left waiting that long while nothing polls
  means no ``storybot run`` (or no worker serving ``poll``) is running, or it is stuck.
  It measures how long due feeds have waited, not the time since the last poll, so
  feeds polled once a day (or backing off for hours) need no longer ``max_age``.
* ``judging``: with a story tracked, no recent item stored longer than ``max_age`` ago
  that no story has judged (a warning: see :func:`adapters.health_service.judging`).
* ``outbox``, ``delivery`` and ``feeds``: dead messages; messages due for longer than
  ``max_age`` and not sent (nothing delivers for their platform), or waiting because
  their platform refuses the bot's token (the delivery worker keeps them, never dead,
  and asks again every few minutes, so they are neither dead nor overdue); feeds that failed more
  than ``max_failures`` polls in a row, or a last poll that reached no feed's server (this
  machine's network down: the feeds do not count it as their failure), and feeds an
  operator must act on however few polls they failed: gone (their server answered 410),
  moved permanently (301/308; they work) or read in part (the parser's bounds, or more
  entries than a poll reads: they work, and lose the entries past the part). These are
  *warnings*: a supervisor restarts a process whose check fails, and a restart fixes
  neither a channel that refused the bot nor a broken feed (nor the network), so they do
  not fail the check (a probe failing on them would restart a working service in a loop).
  ``strict`` makes them problems, for a cron job whose failure tells a person.
* ``owners``: each platform's last check of subscription owners (``bot.member_check``,
  stored by the service that ran it): when, how many it checked and removed. A warning
  when it cannot work (a Slack token without ``users:read``), or when it has not run for
  twice its period while something polls (the service runs, and its check does not: a
  front end without the platform's token, or none at all beside the workers); a platform
  whose token is not set where health runs is told, not warned of (its token was removed:
  nothing checks it any more, and its row stays): see
  :func:`adapters.health_owners.owner_checks`.

The default ``max_age`` is :func:`default_max_age_s`.
"""

from __future__ import annotations

import sys
from datetime import datetime, timedelta
from typing import TextIO

from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from adapters.health_database import no_schema_finding, no_such_database, schema_finding, writes
from adapters.health_feeds import failing
from adapters.health_findings import OK, PROBLEM, WARNING, Finding
from adapters.health_owners import configured_platforms, owner_checks
from adapters.health_service import (
    OVERDUE_READ,
    delivering,
    judging,
    outbox_finding,
    polling,
    token_refused,
)
from bot.clock import utc
from bot.errors import ConfigError
from bot.ports import StoreBusy
from bot.settings import PollingSettings, Settings
from storage import open_store
from storage.migrate import (
    NewerSchema,
    NoStorybotSchema,
    SchemaRevision,
    schema_revision,
)

DEFAULT_MAX_FAILURES = 5


def default_max_age_s(polling: PollingSettings) -> float:
    """The ``--max-age`` default: 3 × the longer of ``min_interval_s`` and a tick + a fetch.

    15 minutes with the default settings (3 × 300 s). It bounds how long a feed may wait
    past its due time while nothing at all is polled. A running service takes a due feed
    at its next tick (``tick_seconds``) and records the poll once the feed is fetched
    (``timeout_s`` at most) and its items judged, chunk by chunk, so a restart or a slow
    cycle stays well inside it, while a stopped poller is noticed a quarter of an hour
    after a feed fell due. A longer tick or fetch timeout gives a longer default; a very
    short interval (a test config) a shorter one.
    """
    return 3 * max(float(polling.min_interval_s), polling.tick_seconds + polling.timeout_s)


def health(
    settings: Settings,
    *,
    now: datetime,
    max_age_s: float | None = None,
    max_failures: int = DEFAULT_MAX_FAILURES,
    strict: bool = False,
    out: TextIO | None = None,
) -> int:
    """Run the checks on the settings' database and print one line per check.

    Args:
        settings: Which database, and the ``[polling]`` settings for the default age.
        now: The time the checks compare with (the system clock on the command line).
        max_age_s: Overrides :func:`default_max_age_s`.
        max_failures: Feeds that failed more than this many polls in a row are reported.
        strict: Report warnings as problems (they then fail the check).
        out: Where the lines go (standard output).

    Returns:
        0 when every check is ok (warnings allowed unless ``strict``), else 1.

    Raises:
        ConfigError: the database does not exist (a SQLite file is never created; a
            PostgreSQL server answers that it has no such database) or its URL is
            unusable: the command line's exit code 2, as for the other commands that
            only read. A database server that does not answer is a problem (exit 1).
    """
    out = out or sys.stdout
    max_age = timedelta(
        seconds=default_max_age_s(settings.polling) if max_age_s is None else max_age_s
    )
    findings = check(settings, utc(now), max_age, max_failures)
    if strict:
        findings = [
            Finding(f.check, PROBLEM, f.detail) if f.status == WARNING else f for f in findings
        ]
    for finding in findings:
        print(finding.line(), file=out)
    return 1 if any(f.status == PROBLEM for f in findings) else 0


def check(
    settings: Settings, now: datetime, max_age: timedelta, max_failures: int
) -> list[Finding]:
    """The findings of every check, in order; see the module docstring."""
    from adapters.app import database_name

    name = database_name(settings).removeprefix("database ")
    try:
        store = open_store(
            settings.database_url,
            source=settings.database_source,
            upgrade=False,
            create=False,
            writable=False,
            pool_size=settings.database_pool_size,
            max_overflow=settings.database_max_overflow,
        )
    except ConfigError as exc:
        cause = exc.__cause__  # a SQLite file, refused untouched: what it holds
        if isinstance(cause, NoStorybotSchema):
            return [Finding("database", OK, f"{name} answers"), no_schema_finding(cause.tables)]
        if isinstance(cause, NewerSchema):  # a newer storybot's, another application's
            revision = SchemaRevision(cause.unknown, cause.head, cause.unknown)
            return [Finding("database", OK, f"{name} answers"), schema_finding(revision)]
        if not isinstance(cause, DBAPIError) or no_such_database(cause):
            raise  # no such database (file or PostgreSQL), a bad URL: the operator's, exit 2
        return [Finding("database", PROBLEM, str(exc))]
    try:
        findings: list[Finding] = []
        try:
            findings.append(writes(name, store.engine, now, settings.database_source))
            revision = schema_revision(store.engine)
        except SQLAlchemyError as exc:
            if findings and findings[0].status == PROBLEM and store.engine.dialect.name != "sqlite":
                # a role without the privileges, which says what to do, cannot read either
                return [*findings, Finding("database", PROBLEM, f"cannot read it: {_reason(exc)}")]
            return [Finding("database", PROBLEM, f"{name}: {_reason(exc)}")]
        findings.append(schema_finding(revision))
        if not revision.at_head:
            return findings  # the other checks read tables this code expects
        try:
            feeds = store.list_feeds()
            stories = store.list_stories()
            unjudged = (
                store.unjudged_items(min(utc(st.created_at) for st in stories), now - max_age)
                if stories
                else 0
            )
            outbox = store.outbox_counts()
            overdue = store.due_outbox(now - max_age, limit=OVERDUE_READ, queued_ahead=False)
            refused = [e for e in store.undelivered_outbox(False, OVERDUE_READ) if token_refused(e)]
            # a refused message no deliverer asked about again is overdue too: said once, as
            # refused (a good token and a restart is what it needs either way)
            held = {e.id for e in refused}
            runs = store.owner_check_runs()
        except (SQLAlchemyError, StoreBusy) as exc:
            return [*findings, Finding("database", PROBLEM, f"cannot read it: {_reason(exc)}")]
        polled = polling(feeds, now, max_age)
        return [
            *findings,
            polled,
            judging(bool(stories), unjudged, max_age),
            outbox_finding(outbox),
            delivering([e.target.platform for e in overdue if e.id not in held], max_age, refused),
            failing(feeds, max_failures),
            owner_checks(
                runs,
                now,
                settings.check_owners_hours,
                polled.status == OK,
                configured_platforms(settings),
            ),
        ]
    finally:
        store.close()


def _reason(exc: Exception) -> str:
    orig = getattr(exc, "orig", None)
    return " ".join(str(orig or exc).split())
