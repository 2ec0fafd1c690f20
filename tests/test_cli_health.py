"""``storybot health``: the check supervisors, probes and cron run, on SQLite and PostgreSQL.

Polls are made by the real pipeline against a local feed server; the time they are
recorded at comes from an injected clock (a poll "two hours ago" is a poll made with a
clock two hours behind), and ``adapters.health.health`` takes the time it checks at.
"""

from __future__ import annotations

import argparse
import io
import itertools
import re
import socket
import sqlite3
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from alembic import command
from alembic.script import ScriptDirectory
from feedbuilder import entry, rss
from feedserver import feed_server  # noqa: F401  (fixture)
from psycopg import errors
from sqlalchemy.exc import OperationalError
from store_builders import CHANNEL, DM, new_item, seed, write

from adapters import feeds_admin, operator
from adapters.app import build_app
from adapters.cli import main
from adapters.health import default_max_age_s, health
from adapters.health_database import no_such_database
from adapters.health_feeds import failing
from adapters.health_service import delivering, outbox_finding
from bot.clock import ManualClock
from bot.delivery import DeliveryWorker
from bot.errors import RateLimited, TokenRefused
from bot.model import Feed, FeedStatus, Judgement, OwnerCheckRun, PageWait
from bot.polling import OUTAGE_NOTE
from bot.ports import PollOutcome
from bot.settings import PollingSettings, load_settings
from storage import open_store
from storage.migrate import alembic_config, migration_connection, schema_revision

# the newest migration: a new one must not break these tests
HEAD = ScriptDirectory.from_config(alembic_config()).get_current_head()

pytest_plugins = ["store_fixtures"]  # db_url (SQLite and PostgreSQL), pg_url


@pytest.fixture
def env(db_url, tmp_path, monkeypatch):
    """The CLI's environment on ``db_url`` (a SQLite file, or the PostgreSQL test database)."""
    monkeypatch.setenv("STORYBOT_DATABASE_URL", db_url)
    monkeypatch.setenv("STORYBOT_ALLOWED_HOSTS", "127.0.0.1")
    monkeypatch.chdir(tmp_path)
    return db_url


def _add_feed(url: str, feed_server, now: datetime) -> str:  # noqa: F811
    feed_url = feed_server.add_feed("/news.xml", rss([entry(0, title="Harbour reopens")]))
    store = open_store(url)
    try:
        store.add_feed(feed_url, now, interval_s=900)
    finally:
        store.close()
    return feed_url


async def _poll_at(url: str, when: datetime, exit_code: int = 0) -> None:
    """One poll cycle of the real pipeline, its clock set to ``when`` (``exit_code``: 1
    when a feed is to fail)."""
    settings = load_settings(
        env={"STORYBOT_DATABASE_URL": url, "STORYBOT_ALLOWED_HOSTS": "127.0.0.1"}
    )
    app = build_app(settings, clock=ManualClock(when))
    assert await operator.poll_once(app, out=io.StringIO()) == exit_code


async def _feeds_list(url: str) -> str:
    """What ``storybot feeds list`` prints (in a test already running an event loop)."""
    settings = load_settings(env={"STORYBOT_DATABASE_URL": url})
    app = build_app(settings)
    try:
        out = io.StringIO()
        assert feeds_admin.feeds(app, argparse.Namespace(feeds_cmd="list"), out) == 0
        return out.getvalue()
    finally:
        await app.aclose()


def _lines(text: str) -> dict[str, str]:
    """{check: "status detail"} from health's output."""
    out = {}
    for line in text.splitlines():
        status, rest = line.split(" ", 1)
        check, detail = rest.split(": ", 1)
        out[check] = f"{status} {detail}"
    return out


def test_healthy_after_a_poll(env, feed_server, capsys):  # noqa: F811
    _add_feed(env, feed_server, datetime.now(UTC))
    assert main(["poll", "--once"]) == 0
    capsys.readouterr()
    assert main(["health"]) == 0
    out = capsys.readouterr().out
    lines = _lines(out)
    assert list(lines) == [
        "database",
        "schema",
        "polling",
        "judging",
        "outbox",
        "delivery",
        "feeds",
        "owners",
    ], out
    assert all(v.startswith("ok ") for v in lines.values()), out
    assert lines["owners"] == (
        "ok no check of subscription owners yet (`storybot run` with a Slack or Discord "
        "token checks them a minute after it starts)"
    )
    assert lines["schema"] == f"ok at the latest revision ({HEAD})"
    # an age under 10 s is said in tenths ("0.3 s"), which the real clock decides
    assert re.fullmatch(r"ok last poll \d+(\.\d)? s ago; 0 of 1 feed due now", lines["polling"]), (
        out
    )


async def test_unhealthy_when_due_feeds_wait_longer_than_max_age_and_nothing_polled(
    env,
    feed_server,  # noqa: F811
    capsys,
):
    now = datetime.now(UTC)
    _add_feed(env, feed_server, now - timedelta(hours=3))
    await _poll_at(env, now - timedelta(hours=2))  # due again 15 min later; nothing polled since
    assert main(["health"]) == 1
    lines = _lines(capsys.readouterr().out)
    assert lines["polling"].startswith(
        "problem last poll 2 h ago, and 1 feed due for more than 15 min (waiting since "
    ), lines
    assert "is `storybot run` (or a worker serving the poll queue) running?" in lines["polling"]
    assert lines["database"].startswith("ok ") and lines["feeds"].startswith("ok ")
    # a longer --max-age tolerates it
    assert main(["health", "--max-age", "120"]) == 0
    assert _lines(capsys.readouterr().out)["polling"].startswith("ok last poll 2 h ago;")


async def test_the_age_that_fails_is_how_long_a_due_feed_waited(env, feed_server):  # noqa: F811
    t0 = datetime(2026, 3, 5, 8, 0, tzinfo=UTC)
    _add_feed(env, feed_server, t0)
    await _poll_at(env, t0)  # next poll due at 08:15
    settings = load_settings(env={"STORYBOT_DATABASE_URL": env})

    def at(minutes: float, **kw) -> tuple[int, str]:
        out = io.StringIO()
        code = health(settings, now=t0 + timedelta(minutes=minutes), out=out, **kw)
        return code, _lines(out.getvalue())["polling"]

    assert at(10) == (0, "ok last poll 10 min ago; 0 of 1 feed due now")
    # due since 08:15: waiting 15 min is not more than the 15 min default
    assert at(30) == (0, "ok last poll 30 min ago; 1 of 1 feed due now")
    code, line = at(31)
    assert code == 1 and line.startswith("problem last poll 31 min ago, and 1 feed due"), line
    assert "(waiting since 2026-03-05 08:15 UTC)" in line
    assert at(31, max_age_s=20 * 60)[0] == 0
    # a feed polled once a day needs no longer age: only the wait after it fell due counts
    store = open_store(env)
    (feed,) = store.list_feeds()
    store.record_poll(
        PollOutcome(feed.id, FeedStatus.OK, t0, t0 + timedelta(days=1), 0, None, None, None, None)
    )
    store.close()
    assert at(23 * 60) == (0, "ok last poll 23 h ago; 0 of 1 feed due now")
    assert at(24 * 60 + 14)[0] == 0
    assert at(24 * 60 + 16)[0] == 1


def test_recent_items_no_story_judged_are_a_warning_that_nothing_judges(env):
    # scale-out with no worker serving the engine queue (or its judging jobs failing):
    # polling and delivery look fine while no alert can come
    now = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)
    store = open_store(env)
    try:
        story = store.add_story("pentagon", "Talks", [seed(1)], now - timedelta(hours=3))
        at = now - timedelta(hours=1)
        _, before = store.ingest_item(new_item(1, at=now - timedelta(hours=4)))  # pre-story
        _, judged = store.ingest_item(new_item(2, at=at))
        _, waiting = store.ingest_item(new_item(3, at=at))  # held for its linked page
        for n in (4, 5):
            store.ingest_item(new_item(n, at=at))  # stored an hour ago, never judged
        store.ingest_item(new_item(6, at=now - timedelta(minutes=5)))  # still in its cycle
        store.commit_decisions(
            [Judgement(story.id, judged.id, on_topic=False, score=0.01)], [], {}, [], at
        )
        store.hold_for_pages([PageWait(waiting.id, at, at + timedelta(minutes=1))])
    finally:
        store.close()
    out = io.StringIO()
    settings = load_settings(env={"STORYBOT_DATABASE_URL": env})
    assert health(settings, now=now, out=out) == 0  # a warning: see adapters.health_service.judging
    assert _lines(out.getvalue())["judging"] == (
        "warning 2 recent items stored more than 15 min ago and judged by no story: is a "
        "worker serving the engine queue running? (failed judging jobs: procrastinate shell, "
        "list_jobs status=failed)"
    )
    out = io.StringIO()
    assert health(settings, now=now, strict=True, out=out) == 1


def test_without_a_story_unjudged_items_are_the_backlog_not_a_fault(env):
    now = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)
    store = open_store(env)
    try:
        store.ingest_item(new_item(1, at=now - timedelta(hours=1)))
    finally:
        store.close()
    out = io.StringIO()
    assert health(load_settings(env={"STORYBOT_DATABASE_URL": env}), now=now, out=out) == 0
    assert _lines(out.getvalue())["judging"] == "ok no story is tracked"


def test_a_fresh_install_without_feeds_is_healthy_and_says_so(env, capsys):
    open_store(env).close()
    assert main(["health"]) == 0
    assert _lines(capsys.readouterr().out)["polling"] == (
        "ok no feeds to poll (storybot feeds add URL)"
    )


def test_the_default_max_age_follows_the_polling_settings():
    assert default_max_age_s(PollingSettings()) == 900  # 3 x min_interval_s 300
    fast = PollingSettings(tick_seconds=0.5, min_interval_s=1, timeout_s=5)
    assert default_max_age_s(fast) == 16.5  # 3 x (a tick + a fetch)


def test_dead_messages_and_failing_feeds_are_warnings_unless_strict(env, capsys):
    now = datetime.now(UTC)
    store = open_store(env)
    try:
        feed = store.add_feed("https://broken.example/feed.xml", now, interval_s=900)
        store.record_poll(
            PollOutcome(
                feed.id,
                FeedStatus.ERROR,
                now,
                now + timedelta(hours=6),
                7,
                "HTTP 500",
                None,
                None,
                None,
            )
        )
        ok = store.add_feed("https://fine.example/feed.xml", now, interval_s=900)
        store.record_poll(
            PollOutcome(
                ok.id,
                FeedStatus.ERROR,
                now,
                now + timedelta(hours=1),
                5,
                "HTTP 503",
                None,
                None,
                None,
            )
        )
        store.enqueue([write("notice:1:1", DM)], now)
        store.mark_attempt_failed(
            store.get_outbox("notice:1:1").id, "channel_not_found", now, dead=True
        )
    finally:
        store.close()
    assert main(["health"]) == 0
    lines = _lines(capsys.readouterr().out)
    assert lines["outbox"] == (
        "warning 1 dead message, given up on (storybot outbox lists it; "
        "storybot outbox --retry sends it again; storybot outbox --discard deletes it if it "
        "can never be delivered)"
    )
    assert lines["feeds"] == (
        "warning 1 feed failing for more than 5 consecutive polls: "
        "https://broken.example/feed.xml (7 failures: HTTP 500); storybot feeds list shows it"
    )
    assert main(["health", "--max-failures", "7"]) == 0
    assert _lines(capsys.readouterr().out)["feeds"].startswith("ok none failing")
    assert main(["health", "--strict"]) == 1
    lines = _lines(capsys.readouterr().out)
    assert lines["outbox"].startswith("problem 1 dead message")
    assert lines["feeds"].startswith("problem 1 feed failing")


@pytest.mark.parametrize(
    ("minutes", "said"),
    [(15, "15 min"), (2.5, "2.5 min"), (90, "90 min"), (150, "2 h 30 min"), (3000, "3000 min")],
)
def test_a_threshold_is_said_as_given_not_rounded(minutes, said):
    """ "nothing waiting for more than 2 min" is untrue under a 2.5-min ``--max-age``:
    something may wait 2 min 20 s. An age is rounded down; the threshold it is held to is
    said exactly (in the flag's minutes where a rounder unit would not be exact)."""
    age = timedelta(minutes=minutes)
    assert delivering([], age).detail == f"nothing waiting for more than {said}"
    assert delivering(["slack"], age).detail.startswith(f"1 message due for more than {said} ")


def test_findings_say_it_of_one_and_them_of_several():
    """ "1 dead message ... lists them", "1 feed failing ..., the worst URL ... shows them":
    one of a thing is "it", and one failing feed is not "the worst" of them."""
    assert outbox_finding({"dead": 2}).detail == (
        "2 dead messages, given up on (storybot outbox lists them; "
        "storybot outbox --retry sends them again; storybot outbox --discard deletes them if "
        "they can never be delivered)"
    )
    age = timedelta(minutes=15)
    assert delivering(["slack"], age).detail == (
        "1 message due for more than 15 min and not sent (1 for slack): is a deliverer "
        "with that platform's token running? (storybot outbox lists it)"
    )
    t = datetime(2026, 3, 1, tzinfo=UTC)
    feeds = [
        Feed(n, f"https://f{n}.example/rss", None, FeedStatus.ERROR, t, t, None, n * 10, "HTTP 500")
        for n in (1, 2)
    ]
    assert failing(feeds, 5).detail == (
        "2 feeds failing for more than 5 consecutive polls, the worst https://f2.example/rss "
        "(20 failures: HTTP 500); storybot feeds list shows them"
    )


def test_console_messages_left_due_say_what_ends_them_not_a_missing_token():
    """The console's follows and subscriptions (made while no chat token was set) queue
    messages only a run without chat tokens prints: once Slack is set up they wait for
    good, and no token is missing. The line says which commands end them."""
    age = timedelta(minutes=15)
    detail = delivering(["console", "slack", "console"], age).detail
    assert detail == (
        "1 message due for more than 15 min and not sent (1 for slack): is a deliverer "
        "with that platform's token running?; 2 messages for the console due for more "
        "than 15 min and not sent: only storybot run without chat tokens prints them (the "
        "console's follows and subscriptions were made while no chat token was set; "
        "storybot follows remove console:terminal and storybot subscriptions remove --user "
        "console:operator --yes --quiet end them and take back what they queued) "
        "(storybot outbox lists them)"
    )


def test_a_missing_database_is_exit_2_and_is_not_created(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("STORYBOT_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    assert main(["health"]) == 2
    captured = capsys.readouterr()
    assert f"no database at {tmp_path / 'storybot.db'} (the default database URL)" in captured.err
    assert captured.out == ""
    assert list(tmp_path.iterdir()) == []


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_url(request, tmp_path) -> str:
    """An empty database: a new SQLite file, or a new PostgreSQL schema."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'old.db'}"
    return request.getfixturevalue("pg_url")


def test_a_schema_behind_head_is_reported_and_left_as_it_is(empty_url, monkeypatch, capsys):
    store = open_store(empty_url)
    config = alembic_config()
    with migration_connection(store.engine) as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, "0010")  # as an older storybot left it
    store.close()
    monkeypatch.setenv("STORYBOT_DATABASE_URL", empty_url)
    assert main(["health"]) == 1
    out = capsys.readouterr().out
    assert out.splitlines()[1:] == [
        f"problem schema: at revision 0010, behind {HEAD}: run `storybot db-upgrade` "
        "(or restart the service, which upgrades it on start)"
    ], out
    assert out.startswith("ok database: ")
    store = open_store(empty_url, upgrade=False)
    assert schema_revision(store.engine).current == ("0010",), "health migrated nothing"
    store.close()


def test_a_schema_a_newer_storybot_migrated_is_reported(tmp_path, monkeypatch, capsys):
    from sqlalchemy import text

    url = f"sqlite:///{tmp_path / 'newer.db'}"
    store = open_store(url)
    with store.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    store.close()
    monkeypatch.setenv("STORYBOT_DATABASE_URL", url)
    assert main(["health"]) == 1
    assert _lines(capsys.readouterr().out)["schema"] == (
        f"problem at revision 0099, which this storybot ({HEAD}) does not know: "
        "a newer storybot migrated it"
    )


def test_another_applications_alembic_revision_is_reported_as_such(tmp_path, monkeypatch, capsys):
    from sqlalchemy import text

    url = f"sqlite:///{tmp_path / 'other.db'}"
    store = open_store(url, upgrade=False)
    with store.engine.begin() as conn:
        conn.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)"))
        conn.execute(text("INSERT INTO alembic_version VALUES ('3f2a9c1b7e0d')"))
    store.close()
    monkeypatch.setenv("STORYBOT_DATABASE_URL", url)
    assert main(["health"]) == 1
    said = _lines(capsys.readouterr().out)["schema"]
    assert said.startswith("problem at revision 3f2a9c1b7e0d, which is not one of storybot's"), said
    assert "newer storybot" not in said, said


def test_a_database_that_is_not_storybots_is_reported(empty_url, monkeypatch, capsys):
    if empty_url.startswith("sqlite"):
        open_store(empty_url, upgrade=False).close()  # an empty SQLite file
    monkeypatch.setenv("STORYBOT_DATABASE_URL", empty_url)
    assert main(["health"]) == 1
    assert "problem schema: no storybot tables" in capsys.readouterr().out


def test_a_database_holding_other_tables_is_reported_as_not_storybots(
    tmp_path, monkeypatch, capsys
):
    url = f"sqlite:///{tmp_path / 'other.db'}"
    with sqlite3.connect(tmp_path / "other.db") as conn:
        conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY)")
    conn.close()
    monkeypatch.setenv("STORYBOT_DATABASE_URL", url)
    assert main(["health"]) == 1
    out = capsys.readouterr().out
    assert _lines(out)["database"].startswith(f"ok {tmp_path / 'other.db'} "), out
    assert _lines(out)["schema"] == (
        "problem no storybot tables: not a storybot database (it holds other tables: users)"
    )
    # left exactly as it was, as every other command leaves it: not even switched to WAL
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.db"]
    with sqlite3.connect(tmp_path / "other.db") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    conn.close()


def test_another_applications_alembic_sqlite_file_is_reported_and_left_as_it_was(
    tmp_path, monkeypatch, capsys
):
    # made by SQLite itself (no WAL, as most tools), with that application's revision
    with sqlite3.connect(tmp_path / "other.db") as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
        conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
        conn.execute("INSERT INTO alembic_version VALUES ('3f2a9c1b7e0d')")
    conn.close()
    before = (tmp_path / "other.db").read_bytes()
    monkeypatch.setenv("STORYBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'other.db'}")
    assert main(["health"]) == 1
    out = capsys.readouterr().out
    assert _lines(out)["database"].startswith(f"ok {tmp_path / 'other.db'} "), out
    said = _lines(out)["schema"]
    assert said.startswith("problem at revision 3f2a9c1b7e0d, which is not one of storybot's"), said
    # left exactly as it was, as every other command leaves it: not even switched to WAL
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.db"]
    assert (tmp_path / "other.db").read_bytes() == before
    with sqlite3.connect(tmp_path / "other.db") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    conn.close()


def test_an_empty_sqlite_file_is_reported_and_left_empty(tmp_path, monkeypatch, capsys):
    (tmp_path / "e.db").touch()
    monkeypatch.setenv("STORYBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'e.db'}")
    assert main(["health"]) == 1
    assert _lines(capsys.readouterr().out)["schema"] == (
        "problem no storybot tables: an empty database, never started "
        "(`storybot db-upgrade` creates them)"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.db"]
    assert (tmp_path / "e.db").stat().st_size == 0


def test_a_database_server_that_does_not_answer_is_a_problem(monkeypatch, capsys):
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("STORYBOT_DATABASE_URL", f"postgresql://storybot@127.0.0.1:{port}/sb")
    assert main(["health"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("problem database: cannot open the database ") and "refused" in out
    assert len(out.splitlines()) == 1, out


@pytest.mark.postgres
def test_a_postgresql_database_that_does_not_exist_is_exit_2_as_a_missing_file_is(
    pg_database, monkeypatch, capsys
):
    missing = pg_database.set(database="storybot_never_created")
    monkeypatch.setenv("STORYBOT_DATABASE_URL", missing.render_as_string(hide_password=False))
    assert main(["health"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("storybot: error: cannot open the database ")
    assert 'database "storybot_never_created" does not exist' in captured.err
    assert len(captured.err.splitlines()) == 1, captured.err


@pytest.mark.parametrize(
    ("error", "missing"),
    [
        # what psycopg 3 raises for a failed connection: text, no SQLSTATE
        (psycopg.OperationalError('... failed: FATAL:  database "sb" does not exist'), True),
        # a server speaking French, with the SQLSTATE the driver passed on
        (errors.InvalidCatalogName("FATAL:  la base de données « sb » n'existe pas"), True),
        (errors.InvalidCatalogName("FATAL:  Datenbank »sb« existiert nicht"), True),
        # other SQLSTATEs are other problems, whatever the text says
        (errors.InvalidPassword('FATAL:  database "sb" does not exist'), False),
        # without a SQLSTATE only the English text is known (see no_such_database)
        (psycopg.OperationalError("FATAL:  la base de données « sb » n'existe pas"), False),
        (psycopg.OperationalError("connection refused"), False),
    ],
)
def test_no_such_database_is_told_by_sqlstate_and_else_by_its_english_text(error, missing):
    assert no_such_database(OperationalError("connect", None, error)) is missing


@pytest.mark.parametrize("given", ["0", "-5", "nan", "soon"])
def test_max_age_must_be_minutes_more_than_0(capsys, given):
    with pytest.raises(SystemExit) as done:
        main(["health", "--max-age", given])
    assert done.value.code == 2
    assert "not a number of minutes (more than 0)" in capsys.readouterr().err


@pytest.mark.parametrize("given", ["1e300", "1e13"])
def test_an_absurd_max_age_is_a_usage_error_not_a_traceback(capsys, given):
    with pytest.raises(SystemExit) as done:  # once an OverflowError out of timedelta
        main(["health", "--max-age", given])
    assert done.value.code == 2
    assert f"too many minutes: '{given}' (at most 1,000,000,000)" in capsys.readouterr().err


def test_messages_due_long_ago_and_not_sent_are_a_warning_naming_their_platform(env, capsys):
    """Nothing delivers for their platform: no deliverer running, or none with its token."""
    now = datetime.now(UTC)
    store = open_store(env)
    try:
        store.enqueue([write("notice:1:1", DM), write("notice:1:2", DM)], now - timedelta(hours=1))
        store.enqueue([write("notice:1:3", DM)], now - timedelta(minutes=5))  # due, not overdue
    finally:
        store.close()
    assert main(["health"]) == 0
    lines = _lines(capsys.readouterr().out)
    assert lines["delivery"] == (
        "warning 2 messages due for more than 15 min and not sent (2 for discord): is a "
        "deliverer with that platform's token running? (storybot outbox lists them)"
    )
    assert main(["health", "--max-age", "120"]) == 0
    assert _lines(capsys.readouterr().out)["delivery"] == ("ok nothing waiting for more than 2 h")
    assert main(["health", "--strict"]) == 1
    assert _lines(capsys.readouterr().out)["delivery"].startswith("problem 2 messages")


class _RefusingPlatform:
    """A chat platform that refuses the bot's token, at the port (as Discord's 401 is)."""

    platform = "discord"

    async def post(self, target, message, *, idempotency_key):
        raise TokenRefused("Discord 401: 401: Unauthorized (check DISCORD_BOT_TOKEN)")

    async def edit(self, target, message_id, message, *, since=None):
        raise TokenRefused("Discord 401: 401: Unauthorized (check DISCORD_BOT_TOKEN)")


async def test_messages_held_by_a_refused_bot_token_are_a_warning_saying_so(env, capsys):
    """A refused token never turns the messages dead and keeps them from being overdue
    (each waits for the platform's next question, five minutes off): without this check a
    token revoked for a weekend left every line ok while nothing was delivered."""
    now = datetime.now(UTC)
    store = open_store(env)
    try:
        store.enqueue([write("notice:1:1", DM), write("notice:1:2", DM)], now - timedelta(hours=3))
        clock = ManualClock(now - timedelta(hours=3))
        worker = DeliveryWorker(store, {"discord": _RefusingPlatform()}, clock)
        for _ in range(36):  # three hours of refusals, a round every 5 minutes
            await worker.deliver_due()
            clock.advance(minutes=5)
    finally:
        store.close()
    assert main(["health"]) == 0
    lines = _lines(capsys.readouterr().out)
    assert lines["outbox"] == "ok no dead messages; 2 pending"
    assert lines["delivery"] == (
        "warning 2 messages waiting because the platform refuses the bot's token "
        "(2 for discord: TokenRefused: Discord 401: 401: Unauthorized (check "
        "DISCORD_BOT_TOKEN)); set a good token and restart (storybot outbox lists them)"
    )
    assert main(["health", "--strict"]) == 1
    assert _lines(capsys.readouterr().out)["delivery"].startswith("problem 2 messages waiting")


class _EchoingPlatform(_RefusingPlatform):
    """A platform (a proxy in its place) whose refusal echoes the request's token."""

    async def post(self, target, message, *, idempotency_key):
        raise TokenRefused("Discord 401: bad token MTIz.discord-bot-token-value (Bearer sk-KEY99)")


async def test_a_refused_tokens_error_is_shown_without_the_token(env, capsys, monkeypatch):
    monkeypatch.setenv("DISCORD_BOT_TOKEN", "MTIz.discord-bot-token-value")
    now = datetime.now(UTC)
    store = open_store(env)
    try:
        store.enqueue([write("notice:1:1", DM)], now - timedelta(hours=1))
        await DeliveryWorker(store, {"discord": _EchoingPlatform()}, ManualClock(now)).deliver_due()
    finally:
        store.close()
    assert main(["health"]) == 0
    out = capsys.readouterr().out
    assert "waiting because the platform refuses the bot's token" in out, out
    assert "discord-bot-token-value" not in out and "KEY99" not in out, out


async def test_a_message_held_by_a_refused_token_and_left_overdue_is_counted_once(env, capsys):
    """Refused for an hour, then nothing asked again (the service stopped): the one
    message is both refused and overdue, and was counted in each sentence, "1 message ...;
    1 message ... (storybot outbox lists them)", which reads as two."""
    now = datetime.now(UTC)
    store = open_store(env)
    try:
        store.enqueue([write("notice:1:1", DM)], now - timedelta(hours=3))
        clock = ManualClock(now - timedelta(hours=3))
        worker = DeliveryWorker(store, {"discord": _RefusingPlatform()}, clock)
        for _ in range(12):  # an hour of refusals, then no deliverer for two hours
            await worker.deliver_due()
            clock.advance(minutes=5)
    finally:
        store.close()
    assert main(["health"]) == 0
    assert _lines(capsys.readouterr().out)["delivery"] == (
        "warning 1 message waiting because the platform refuses the bot's token "
        "(1 for discord: TokenRefused: Discord 401: 401: Unauthorized (check "
        "DISCORD_BOT_TOKEN)); set a good token and restart (storybot outbox lists it)"
    )


class _ScopelessPlatform:
    """Slack answering missing_scope to every post, as the Slack adapter words it."""

    platform = "slack"

    async def post(self, target, message, *, idempotency_key):
        raise TokenRefused(
            "chat.postMessage: missing_scope (SLACK_BOT_TOKEN lacks the chat:write scope: "
            "add it to the app's bot token scopes (config/slack-manifest.yaml lists them) "
            "and reinstall the app to the workspace)"
        )

    async def edit(self, target, message_id, message, *, since=None):
        raise AssertionError("nothing was posted to edit")


async def test_messages_held_by_a_missing_scope_say_to_reinstall_the_app_not_to_restart(
    env, capsys
):
    """A token without chat:write is held like a refused one, but the token is good: the
    fix is the scope and a reinstall of the app, and the worker asks again by itself."""
    now = datetime.now(UTC)
    store = open_store(env)
    try:
        store.enqueue([write("alert:1:1", CHANNEL)], now - timedelta(hours=1))
        clock = ManualClock(now - timedelta(hours=1))
        worker = DeliveryWorker(store, {"slack": _ScopelessPlatform()}, clock)
        for _ in range(12):
            await worker.deliver_due()
            clock.advance(minutes=5)
    finally:
        store.close()
    assert main(["health"]) == 0
    line = _lines(capsys.readouterr().out)["delivery"]
    assert line.startswith(
        "warning 1 message waiting because the bot's token lacks a scope (1 for slack: "
        "TokenRefused: chat.postMessage: missing_scope (SLACK_BOT_TOKEN lacks the chat:write"
    )
    assert line.endswith(
        "add it to the app and reinstall the app (no restart: they are sent at the next "
        "try, within 5 minutes) (storybot outbox lists it)"
    )
    assert "set a good token" not in line


class _GoodAgainPlatform:
    """Refuses the bot's token, then takes it again and posts one message before a 429."""

    platform = "discord"

    def __init__(self) -> None:
        self.script: list[Exception | None] = [
            TokenRefused("Discord 401: 401: Unauthorized (check DISCORD_BOT_TOKEN)"),
            None,  # the good token is back: posted
            RateLimited(600.0, "Discord rate limit"),
        ]

    async def post(self, target, message, *, idempotency_key):
        outcome = self.script.pop(0) if self.script else None
        if outcome is not None:
            raise outcome
        return "1500000000000000001"


async def test_messages_waiting_out_a_rate_limit_once_the_token_is_good_are_not_called_refused(
    env, capsys
):
    """The token was refused; a good one is back, and its first round posts one message
    and is then answered 429. The messages the round leaves for the Retry-After were
    refused once, but wait for the rate limit now: health must not say the token is
    refused (it did, for up to one Retry-After)."""
    now = datetime.now(UTC)
    store = open_store(env)
    try:
        store.enqueue([write(f"notice:1:{n}", DM) for n in range(1, 5)], now - timedelta(minutes=6))
        clock = ManualClock(now - timedelta(minutes=6))
        worker = DeliveryWorker(store, {"discord": _GoodAgainPlatform()}, clock)
        assert (await worker.deliver_due()).failed == 1  # refused: every message waits
        clock.advance(seconds=DeliveryWorker.TOKEN_RETRY_S)
        report = await worker.deliver_due()
        assert (report.posted, report.rate_limited, report.skipped) == (1, 1, 2)
    finally:
        store.close()
    assert main(["health"]) == 0
    assert _lines(capsys.readouterr().out)["delivery"] == (
        "ok nothing waiting for more than 15 min"
    )


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
def test_the_network_outage_is_told_from_the_last_polls_whatever_their_order(order) -> None:
    """The last cycle's feeds share a poll time: one excused by the outage, one that
    timed out (counted, as a timeout proves nothing), and a bridge on localhost that
    answered (the internet is out of reach, not the loopback). Health must tell the
    outage whichever comes first in the store's order (it took the first of the ties,
    and a local feed polled last hid the outage)."""
    t = datetime(2026, 3, 1, tzinfo=UTC)
    note = (
        f"DNS lookup failed for a.example: Temporary failure (in name resolution) ({OUTAGE_NOTE})"
    )
    feeds = [
        Feed(1, "https://a.example/rss", None, FeedStatus.ERROR, t, t, None, 0, note),
        Feed(2, "https://b.example/rss", None, FeedStatus.ERROR, t, t, None, 1, "timed out"),
        Feed(3, "http://localhost:3000/bridge", None, FeedStatus.OK, t, t, t, 0, None),
    ]
    finding = failing([feeds[n] for n in order], 5)
    assert finding.status == "warning"
    assert finding.detail.startswith("the last poll reached no feed's server (1 feed failed")
    assert "https://a.example/rss: DNS lookup failed" in finding.detail


def test_a_failing_feed_is_named_with_its_key_hidden_as_chat_shows_it() -> None:
    t = datetime(2026, 3, 1, tzinfo=UTC)
    error = "redirect loop: https://news.example/rss?apikey=K3Y"
    feed = Feed(
        1, "https://bob:s3cret@news.example/rss", None, FeedStatus.ERROR, t, t, None, 7, error
    )
    finding = failing([feed], 5)
    assert "s3cret" not in finding.detail and "K3Y" not in finding.detail
    assert "https://bob:***@news.example/rss (7 failures: redirect loop: " in finding.detail
    assert "https://news.example/rss?apikey=***" in finding.detail


async def test_a_feed_whose_server_answered_410_is_a_warning_from_its_first_answer(
    env,
    feed_server,  # noqa: F811
    capsys,
):
    """A 410 is no failure that passes: the feed is polled for ever (backing off, never
    dropped), so health names it at once, far below ``--max-failures``, with the command
    that removes it, as ``feeds list`` says it; ``--strict`` fails on it."""
    now = datetime.now(UTC)
    gone = feed_server.add_status("/gone.xml", 410)
    store = open_store(env)
    try:
        feed = store.add_feed(gone, now, interval_s=900)
    finally:
        store.close()
    await _poll_at(env, now, exit_code=1)
    assert main(["health"]) == 0
    line = _lines(capsys.readouterr().out)["feeds"]
    note = (
        "gone for good (its server answered 410) but still polled: "
        f"storybot feeds remove #{feed.id} removes it"
    )
    assert line == f"warning {gone} {note}"
    listed = await _feeds_list(env)
    assert f"\t{note}\t1 failure: HTTP 410 Gone: the feed was removed permanently" in listed
    assert main(["health", "--strict"]) == 1
    assert _lines(capsys.readouterr().out)["feeds"] == f"problem {gone} {note}"


async def test_a_feed_moved_permanently_is_a_warning_in_feeds_lists_words(
    env,
    feed_server,  # noqa: F811
    capsys,
):
    """A moved feed works through the redirect, so no failure says it: health names it,
    where it went and the commands that switch it, as ``feeds list`` does."""
    now = datetime.now(UTC)
    feed_server.add_feed("/new.xml", rss([entry(0, title="Harbour reopens")]))
    old, new = (
        feed_server.add_redirect("/old.xml", "/new.xml", status=301),
        feed_server.url("/new.xml"),
    )
    store = open_store(env)
    try:
        feed = store.add_feed(old, now, interval_s=900)
    finally:
        store.close()
    await _poll_at(env, now)
    assert main(["health"]) == 0
    line = _lines(capsys.readouterr().out)["feeds"]
    note = (
        f"moved permanently to {new}: storybot feeds remove #{feed.id} "
        f"then storybot feeds add {new} keeps its items"
    )
    assert line == f"warning {old} {note}"
    assert f"\t{note}" in await _feeds_list(env)
    assert main(["health", "--strict"]) == 1
    assert _lines(capsys.readouterr().out)["feeds"] == f"problem {old} {note}"


async def test_a_feed_read_in_part_is_a_warning_in_feeds_lists_words(
    env,
    feed_server,  # noqa: F811
    capsys,
):
    """A feed read in part works, and loses the entries past what was read: only the
    log said it, once a run. Health names it with the part, as ``feeds list`` does; a
    read of it whole clears it."""
    now = datetime.now(UTC)
    many = feed_server.add_feed("/many.xml", rss([entry(n) for n in range(501)]))
    store = open_store(env)
    try:
        store.add_feed(many, now, interval_s=900)
    finally:
        store.close()
    await _poll_at(env, now)
    assert main(["health"]) == 0
    line = _lines(capsys.readouterr().out)["feeds"]
    note = "read in part: the first 500 of 501 entries (at most 500 are read a poll)"
    assert line == f"warning {many} {note}"
    assert f"\t{note}" in await _feeds_list(env)
    assert main(["health", "--strict"]) == 1
    assert _lines(capsys.readouterr().out)["feeds"] == f"problem {many} {note}"

    feed_server.add_feed("/many.xml", rss([entry(n) for n in range(500)]))
    await _poll_at(env, now + timedelta(hours=1))
    assert main(["health"]) == 0
    assert _lines(capsys.readouterr().out)["feeds"].startswith("ok ")


def test_gone_and_moved_feeds_are_said_beside_the_failing_ones_each_once() -> None:
    """A gone feed that also failed more than ``--max-failures`` polls is said as gone
    (what to do about it), not again as failing; moved feeds follow; past three of a
    kind the others are counted."""
    t = datetime(2026, 3, 1, tzinfo=UTC)
    gone_error = "HTTP 410 Gone: the feed was removed permanently"

    def feed(n: int, failures: int = 0, error: str | None = None, moved: str | None = None):
        status = FeedStatus.ERROR if error else FeedStatus.OK
        return Feed(
            n,
            f"https://f{n}.example/rss",
            None,
            status,
            t,
            t,
            None,
            failures,
            error,
            moved_to=moved,
        )

    feeds = [
        feed(1, 9, gone_error),
        feed(2, 7, "HTTP 500 Internal Server Error: server error"),
        feed(3, 0, None, "https://new.example/rss"),
    ]
    finding = failing(feeds, 5)
    assert finding.status == "warning"
    assert finding.detail == (
        "1 feed failing for more than 5 consecutive polls: https://f2.example/rss "
        "(7 failures: HTTP 500 Internal Server Error: server error); storybot feeds list "
        "shows it; https://f1.example/rss gone for good (its server answered 410) but still "
        "polled: storybot feeds remove #1 removes it; https://f3.example/rss moved "
        "permanently to https://new.example/rss: storybot feeds remove #3 then storybot "
        "feeds add https://new.example/rss keeps its items"
    )
    many = [feed(n, 1, "HTTP 410") for n in range(1, 6)]
    detail = failing(many, 5).detail
    assert detail.count("gone for good") == 3
    assert detail.endswith("; and 2 more gone (storybot feeds list shows them)")
    # a 404, a 4100 or a failure that names 410 elsewhere is not a gone feed
    for error in ("HTTP 404 Not Found: feed not found (check the URL)", "HTTP 4100", "x HTTP 410"):
        assert failing([feed(1, 1, error)], 5).status == "ok"


# ---------------------------------------------------------------- subscription owners

DAY = timedelta(days=1)


def _owner_run(url: str, platform: str, started: datetime, **kw) -> None:
    """What the service stores of a check of ``platform``'s subscription owners that
    started at ``started`` and took a minute (``finished_at=None``: still running)."""
    store = open_store(url)
    try:
        assert store.claim_owner_check(platform, started, DAY.total_seconds(), 3600.0)
        fields = {"finished_at": started + timedelta(minutes=1), "every_s": DAY.total_seconds()}
        fields.update(kw)
        if fields["finished_at"] is not None:
            store.finish_owner_check(OwnerCheckRun(platform, started, **fields))
    finally:
        store.close()


# both platforms' tokens, as the service's environment (which health reads) sets them
TOKENS = {"SLACK_BOT_TOKEN": "xoxb-test", "DISCORD_BOT_TOKEN": "discord-test"}


def _owners_at(
    url: str, now: datetime, config=None, tokens: dict[str, str] = TOKENS, **kw
) -> tuple[int, str]:
    """health's exit code and owners line at ``now`` (``config``: a config file;
    ``tokens``: the platforms' token variables set)."""
    settings = load_settings(config, env={"STORYBOT_DATABASE_URL": url, **tokens})
    out = io.StringIO()
    code = health(settings, now=now, out=out, **kw)
    return code, _lines(out.getvalue())["owners"]


def test_the_owners_line_tells_each_platforms_last_check(env):
    now = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)
    _owner_run(env, "slack", now - timedelta(hours=3), owners=4, checked=4, gone_users=1, removed=2)
    _owner_run(env, "discord", now - timedelta(minutes=5), finished_at=None)
    code, line = _owners_at(env, now)
    assert code == 0
    assert line == (
        "ok discord: a check started 5 min ago and has not finished (every 24 h); "
        "slack: checked 2 h 59 min ago, 4 of 4 subscription owners: 1 owner gone, 2 keyword "
        "subscriptions removed (every 24 h)"
    )


def test_a_check_that_cannot_work_is_a_warning(env):
    now = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)
    _owner_run(
        env,
        "slack",
        now - timedelta(minutes=30),
        owners=3,
        unchecked=3,
        problem="users.info: missing_scope: SLACK_BOT_TOKEN lacks the users:read scope",
    )
    code, line = _owners_at(env, now)
    assert code == 0, "a warning: a restart does not add a scope"
    assert line == (
        "warning slack: cannot check whether subscription owners are still members (last "
        "asked 29 min ago): users.info: missing_scope: SLACK_BOT_TOKEN lacks the users:read "
        "scope; their subscriptions are kept (asked again every hour until it works)"
    )
    assert _owners_at(env, now, strict=True)[0] == 1


def test_a_check_not_run_for_twice_its_period_while_the_service_runs_is_a_warning(env):
    now = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)
    _owner_run(env, "slack", now - 2 * DAY + timedelta(minutes=1), checked=2, owners=2)
    # no feeds: polling is ok, nothing says the service is down
    code, line = _owners_at(env, now)
    assert (code, line.split(" ", 1)[0]) == (0, "ok"), "2 days less 2 minutes is not more"
    code, line = _owners_at(env, now + timedelta(minutes=3))
    assert code == 0
    assert line == (
        "warning slack: checked 2 days ago, 2 of 2 subscription owners: 0 owners gone, 0 "
        "keyword subscriptions removed, more than twice its period (24 h) ago: is `storybot "
        "run` (or `run --no-scheduler`) running with the Slack token?"
    )
    assert _owners_at(env, now + timedelta(minutes=3), strict=True)[0] == 1


def test_an_old_check_while_nothing_polls_is_told_not_warned(env):
    """The service stopped: polling's problem says so; the owners line adds no warning."""
    now = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)
    store = open_store(env)
    try:
        store.add_feed("https://a.example/rss", now - timedelta(days=3), interval_s=900)
    finally:
        store.close()
    _owner_run(env, "discord", now - 3 * DAY, checked=1, owners=1)
    code, line = _owners_at(env, now)
    assert code == 1  # polling's problem
    assert line == (
        "ok discord: checked 2 days ago, 1 of 1 subscription owner: 0 owners gone, 0 keyword "
        "subscriptions removed, more than twice its period (24 h) ago, while nothing polls"
    )


def test_owner_checks_turned_off_are_said_so(env, tmp_path):
    now = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)
    _owner_run(env, "slack", now - 5 * DAY)
    config = tmp_path / "storybot.toml"
    config.write_text("[permissions]\ncheck_owners_hours = 0\n")
    assert _owners_at(env, now, config) == (
        0,
        "ok not checked ([permissions] check_owners_hours = 0)",
    )


def test_a_platform_no_longer_configured_is_told_not_warned(env):
    """Slack's token was removed: the service no longer runs its check, and its row stays
    (nothing clears it). Health, reading the service's environment, says the platform is
    not configured and tells its last check, as ok: it warned for good while polling was
    ok. With the token set, the same row is still a warning."""
    now = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)
    _owner_run(env, "slack", now - 5 * DAY, checked=2, owners=2)
    _owner_run(env, "discord", now - timedelta(hours=1), checked=1, owners=1)
    discord_only = {"DISCORD_BOT_TOKEN": "discord-test"}
    code, line = _owners_at(env, now, tokens=discord_only, strict=True)
    assert code == 0
    assert line == (
        "ok discord: checked 59 min ago, 1 of 1 subscription owner: 0 owners gone, 0 keyword "
        "subscriptions removed (every 24 h); slack: not configured (SLACK_BOT_TOKEN is not "
        "set), not checked since: checked 4 days ago, 2 of 2 subscription owners: 0 owners "
        "gone, 0 keyword subscriptions removed"
    )
    code, line = _owners_at(env, now, strict=True)
    assert code == 1 and line.startswith("problem discord: ")
    assert "slack: checked 4 days ago" in line and "with the Slack token?" in line


def test_a_check_that_could_not_work_on_a_platform_no_longer_configured_is_told_not_warned(
    env,
):
    now = datetime(2026, 3, 5, 12, 0, tzinfo=UTC)
    _owner_run(
        env,
        "slack",
        now - timedelta(minutes=30),
        owners=3,
        unchecked=3,
        problem="users.info: missing_scope",
    )
    assert _owners_at(env, now, tokens={}, strict=True) == (
        0,
        "ok slack: not configured (SLACK_BOT_TOKEN is not set), not checked since: asked 29 "
        "min ago, it could not check: users.info: missing_scope",
    )
