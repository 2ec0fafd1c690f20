"""The periodic check of subscription owners (bot.member_check) against the fake Slack
and Discord servers: who is gone loses their subscriptions; a failure to check (a rate
limit that lasts, a 5xx, a token without users:read) removes nothing and is said once.

The real adapters' clients talk to the fakes at the wire; the real ``Commands`` removes
from a SQLite store; rate-limit waits go through an injected sleep (no real waiting).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from fakes.discord_fixtures import discord  # noqa: F401  (fixture)
from fakes.discord_server import (
    CHANNEL_ID,
    GUILD_ID,
    OTHER_CHANNEL_ID,
    OTHER_GUILD_ID,
    FakeDiscord,
)
from fakes.slack_fixtures import fake, store  # noqa: F401  (fixtures)
from fakes.slack_server import FakeSlack

from adapters.discord_chat import DiscordAdapter
from adapters.slack_chat import SlackAdapter
from bot.clock import ManualClock
from bot.commands import Commands
from bot.errors import PermanentDeliveryError
from bot.member_check import OwnerChecks
from bot.model import MessageKind, OutboundMessage, Target
from storage import SqlStore, open_store

DAY_S = 24 * 3600.0


class Waits:
    """The injected sleep: records what was asked, returns at once."""

    def __init__(self) -> None:
        self.asked: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.asked.append(seconds)


@pytest.fixture
def waits() -> Waits:
    return Waits()


@pytest.fixture
async def slack(fake: FakeSlack, store: SqlStore, waits: Waits) -> AsyncIterator[SlackAdapter]:
    adapter = SlackAdapter(
        bot_token="xoxb-test",
        app_token="xapp-test",
        commands=Commands(store, ManualClock()),
        api_base_url=fake.base_url,
        sleep=waits,
    )
    yield adapter
    await adapter.stop()


def subscribe(store: SqlStore, platform: str, user_id: str, query: str, channel: str) -> int:
    return store.add_subscription(platform, user_id, query, None, ManualClock().now(), channel).id


def owners(store: SqlStore, platform: str) -> set[str]:
    return {s.user_id for s in store.all_subscriptions() if s.platform == platform}


def checks(store: SqlStore, adapter: SlackAdapter | DiscordAdapter, waits: Waits) -> OwnerChecks:
    commands = Commands(store, ManualClock())
    return OwnerChecks(store, commands, [adapter.members], every_s=DAY_S, sleep=waits)


# ------------------------------------------------------------------ Slack


async def test_slack_owners_deactivated_or_unknown_lose_their_subscriptions(
    fake: FakeSlack,
    slack: SlackAdapter,
    store: SqlStore,
    waits: Waits,
    caplog: pytest.LogCaptureFixture,
) -> None:
    subscribe(store, "slack", "U0GONE", "pentagon", "C1")
    subscribe(store, "slack", "U0GONE", "hearing", "C1")
    subscribe(store, "slack", "U0DELETED", "deal", "C1")
    kept = subscribe(store, "slack", "U0STAYS", "pentagon", "C1")
    subscribe(store, "discord", "1400000000000000001", "pentagon", "1")  # not Slack's
    # deactivated while storybot was down: no user_change event ever reached it
    fake.users["U0GONE"] = {"deleted": True}
    fake.unknown_users.add("U0DELETED")
    with caplog.at_level(logging.INFO):
        [report] = await checks(store, slack, waits).run_once()
    assert owners(store, "slack") == {"U0STAYS"}
    assert [s.id for s in store.list_subscriptions("slack", "U0STAYS")] == [kept]
    assert owners(store, "discord") == {"1400000000000000001"}
    assert (report.owners, report.checked, report.gone_users, report.removed) == (3, 3, 2, 3)
    lines = [r.getMessage() for r in caplog.records]
    assert any(
        "slack user U0GONE left (their Slack account was deactivated)" in line for line in lines
    )
    assert any("slack user U0DELETED left (Slack no longer knows" in line for line in lines)
    assert (
        "subscription owners slack: checked 3 of 3 subscription owners: 2 owners gone, "
        "3 keyword subscriptions removed" in lines
    )
    assert len(fake.calls_to("users.info")) == 3


async def test_a_slack_rate_limit_is_waited_out_as_slack_asks(
    fake: FakeSlack, slack: SlackAdapter, store: SqlStore, waits: Waits
) -> None:
    subscribe(store, "slack", "U0GONE", "pentagon", "C1")
    fake.users["U0GONE"] = {"deleted": True}
    fake.fail_next(2, status=429, retry_after=7, method="users.info")
    [report] = await checks(store, slack, waits).run_once()
    assert waits.asked == [7.0, 7.0]
    assert report.removed == 1 and owners(store, "slack") == set()


@pytest.mark.parametrize(
    "failure",
    [
        {"status": 503},  # Slack down
        {"status": 500, "error": "internal_error"},
        {"disconnect": True},
        {"status": 429, "retry_after": 3600},  # longer than a run waits
    ],
)
async def test_a_failed_slack_lookup_removes_nothing(
    fake: FakeSlack,
    slack: SlackAdapter,
    store: SqlStore,
    waits: Waits,
    failure: dict[str, object],
) -> None:
    subscribe(store, "slack", "U0GONE", "pentagon", "C1")
    fake.users["U0GONE"] = {"deleted": True}
    fake.fail_next(5, method="users.info", **failure)  # type: ignore[arg-type]
    [report] = await checks(store, slack, waits).run_once()
    assert owners(store, "slack") == {"U0GONE"}, "a transient failure never removes"
    assert (report.checked, report.unchecked, report.removed) == (0, 1, 0)
    assert "asked again at the next check" in report.line()


async def test_a_token_without_users_read_is_reported_once_and_removes_nothing(
    fake: FakeSlack,
    slack: SlackAdapter,
    store: SqlStore,
    waits: Waits,
    caplog: pytest.LogCaptureFixture,
) -> None:
    for user in ("U0A", "U0B", "U0C"):
        subscribe(store, "slack", user, "pentagon", "C1")
    fake.users["U0A"] = {"deleted": True}
    fake.users_info_error = "missing_scope"
    check = checks(store, slack, waits)
    with caplog.at_level(logging.INFO):
        await check.run_once()
        await check.run_once()  # the next day: nothing changed, nothing said again
    assert owners(store, "slack") == {"U0A", "U0B", "U0C"}
    assert len(fake.calls_to("users.info")) == 2, "one try a run, not one per owner"
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors == [
        "slack: cannot check whether subscription owners are still members: users.info: "
        "missing_scope: SLACK_BOT_TOKEN lacks the users:read scope; add it to the app's bot "
        "token scopes (config/slack-manifest.yaml lists them) and reinstall the app to the "
        "workspace; their subscriptions are kept (asked again every 60 min until it works)"
    ]
    fake.users_info_error = None  # the app reinstalled with the scope
    caplog.clear()
    with caplog.at_level(logging.INFO):
        [report] = await check.run_once()
    assert owners(store, "slack") == {"U0B", "U0C"} and report.removed == 1
    assert "slack: subscription owners can be checked again" in caplog.messages


async def test_a_refused_slack_token_removes_nothing(
    fake: FakeSlack, slack: SlackAdapter, store: SqlStore, waits: Waits
) -> None:
    subscribe(store, "slack", "U0A", "pentagon", "C1")
    fake.users["U0A"] = {"deleted": True}
    fake.users_info_error = "token_revoked"
    [report] = await checks(store, slack, waits).run_once()
    assert owners(store, "slack") == {"U0A"}
    assert report.problem is not None and "token_revoked" in report.problem


# ------------------------------------------------------------------ stored runs


def stored_checks(
    store: SqlStore, adapter: SlackAdapter | DiscordAdapter, waits: Waits, clock: ManualClock
) -> OwnerChecks:
    """The service's checks as ``storybot run`` builds them: claimed and recorded at
    ``clock``'s time."""
    commands = Commands(store, clock)
    return OwnerChecks(store, commands, [adapter.members], every_s=DAY_S, sleep=waits, clock=clock)


async def test_a_run_is_recorded_and_a_restart_within_the_period_asks_nothing(
    fake: FakeSlack, slack: SlackAdapter, store: SqlStore, waits: Waits
) -> None:
    subscribe(store, "slack", "U0GONE", "pentagon", "C1")
    subscribe(store, "slack", "U0STAYS", "pentagon", "C1")
    fake.users["U0GONE"] = {"deleted": True}
    clock = ManualClock()
    started = clock.now()
    [report], wait = await stored_checks(store, slack, waits, clock).run_due()  # never ran
    assert report.removed == 1 and wait == DAY_S
    [run] = store.owner_check_runs()
    assert (run.platform, run.started_at, run.every_s) == ("slack", started, DAY_S)
    assert (run.owners, run.checked, run.gone_users, run.removed, run.problem) == (
        2,
        2,
        1,
        1,
        None,
    )
    # restarted two hours later: the last run is recent, Slack is not asked
    clock.advance(hours=2)
    restarted = stored_checks(store, slack, waits, clock)
    reports, wait = await restarted.run_due()
    assert reports == [] and wait == DAY_S - 2 * 3600
    assert len(fake.calls_to("users.info")) == 2
    # a period after the last run: due
    clock.advance(hours=22)
    [again], _ = await restarted.run_due()
    assert again.checked == 1 and len(fake.calls_to("users.info")) == 3
    assert store.owner_check_runs()[0].started_at == started + timedelta(days=1)


async def test_a_start_after_a_downtime_longer_than_the_period_checks_at_once(
    fake: FakeSlack, slack: SlackAdapter, store: SqlStore, waits: Waits
) -> None:
    subscribe(store, "slack", "U0GONE", "pentagon", "C1")
    clock = ManualClock()
    await stored_checks(store, slack, waits, clock).run_due()
    fake.users["U0GONE"] = {"deleted": True}  # while storybot was down for three days
    clock.advance(days=3)
    [report], _ = await stored_checks(store, slack, waits, clock).run_due()
    assert report.removed == 1 and owners(store, "slack") == set()


async def test_front_ends_on_one_database_ask_once_a_period(
    fake: FakeSlack, slack: SlackAdapter, store: SqlStore, waits: Waits, migrated_sqlite_url: str
) -> None:
    """`run --no-scheduler` started twice (or beside `run`): each process has its store;
    one of them asks Slack, the other waits for the next period."""
    for user in ("U0A", "U0B"):
        subscribe(store, "slack", user, "pentagon", "C1")
    other = open_store(migrated_sqlite_url)
    try:
        clock = ManualClock()
        first = stored_checks(store, slack, waits, clock)
        second = stored_checks(other, slack, waits, clock)
        (mine, wait_1), (theirs, wait_2) = [await first.run_due(), await second.run_due()]
        assert [len(mine), len(theirs)] == [1, 0]
        assert wait_1 == wait_2 == DAY_S
        assert len(fake.calls_to("users.info")) == 2, "each owner asked once"
    finally:
        other.close()


async def test_a_missing_scope_is_recorded_and_asked_again_within_the_hour(
    fake: FakeSlack, slack: SlackAdapter, store: SqlStore, waits: Waits
) -> None:
    subscribe(store, "slack", "U0A", "pentagon", "C1")
    fake.users["U0A"] = {"deleted": True}
    fake.users_info_error = "missing_scope"
    clock = ManualClock()
    check = stored_checks(store, slack, waits, clock)
    [report], wait = await check.run_due()
    assert wait == 3600.0, "a run stopped by a problem is due again in an hour"
    [run] = store.owner_check_runs()
    assert run.problem is not None and "users:read" in run.problem and run.removed == 0
    fake.users_info_error = None  # the app reinstalled with the scope
    clock.advance(minutes=59)
    assert (await check.run_due())[0] == []
    clock.advance(minutes=1)
    [report], wait = await check.run_due()
    assert report.removed == 1 and wait == DAY_S
    assert store.owner_check_runs()[0].problem is None


class Stop(Exception):
    pass


async def test_the_service_loop_sleeps_until_the_next_run_is_due(
    fake: FakeSlack, slack: SlackAdapter, store: SqlStore
) -> None:
    """``run_forever``: the first delay, then a run, then a period's sleep; a restart
    an hour later sleeps out what is left of the period."""
    subscribe(store, "slack", "U0A", "pentagon", "C1")
    clock = ManualClock()
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)
        if len(slept) == 3:
            raise Stop  # the service stopped (the clock stays)
        clock.advance(seconds)

    check = OwnerChecks(
        store, Commands(store, clock), [slack.members], DAY_S, sleep=sleep, clock=clock
    )
    with pytest.raises(Stop):
        await check.run_forever(60.0)
    assert slept == [60.0, DAY_S, DAY_S]
    assert len(fake.calls_to("users.info")) == 2  # at start (never ran), then a day later
    clock.advance(hours=1)  # the service restarted an hour after its last run
    slept.clear()
    restarted = OwnerChecks(
        store, Commands(store, clock), [slack.members], DAY_S, sleep=sleep, clock=clock
    )
    with pytest.raises(Stop):
        await restarted.run_forever(60.0)
    assert slept[:2] == [60.0, DAY_S - 3600 - 60]
    assert len(fake.calls_to("users.info")) == 3  # not at the restart: a day after the last
    assert slept[2] == DAY_S


# ------------------------------------------------------------------ Discord

ALICE = 1400000000000000001
BOB = 1400000000000000002
CAROL = 1400000000000000003
DAVE = 1400000000000000004


@pytest.fixture
async def discord_adapter(
    discord: FakeDiscord,  # noqa: F811
    store: SqlStore,
) -> AsyncIterator[DiscordAdapter]:
    discord.guild_ids = [GUILD_ID, OTHER_GUILD_ID]
    adapter = DiscordAdapter(
        "test-token",
        Commands(store, ManualClock()),
        api_url=discord.api_url,
        gateway_url=discord.gateway_url,
    )
    yield adapter
    await adapter.stop()


async def test_discord_members_who_left_every_server_they_subscribed_in_are_removed(
    discord: FakeDiscord,  # noqa: F811
    discord_adapter: DiscordAdapter,
    store: SqlStore,
    waits: Waits,
) -> None:
    # alice left the one server she subscribed in; bob left one of his two; carol's
    # account was deleted; dave stays
    subscribe(store, "discord", str(ALICE), "pentagon", str(CHANNEL_ID))
    subscribe(store, "discord", str(BOB), "pentagon", str(CHANNEL_ID))
    subscribe(store, "discord", str(BOB), "hearing", str(OTHER_CHANNEL_ID))
    subscribe(store, "discord", str(CAROL), "deal", str(OTHER_CHANNEL_ID))
    subscribe(store, "discord", str(DAVE), "deal", str(CHANNEL_ID))
    discord.left_members |= {(GUILD_ID, ALICE), (GUILD_ID, BOB)}
    discord.deleted_users.add(CAROL)
    [report] = await checks(store, discord_adapter, waits).run_once()
    assert owners(store, "discord") == {str(BOB), str(DAVE)}
    assert (report.owners, report.checked, report.gone_users, report.removed) == (4, 4, 2, 2)
    # Get Guild Member, once a server and owner (a REST call: no privileged intent)
    asked = {c.path for c in discord.calls_to("GET", r"/guilds/\d+/members/\d+")}
    assert f"/guilds/{GUILD_ID}/members/{ALICE}" in asked
    assert f"/guilds/{OTHER_GUILD_ID}/members/{CAROL}" in asked


async def test_a_failed_discord_lookup_removes_nothing(
    discord: FakeDiscord,  # noqa: F811
    discord_adapter: DiscordAdapter,
    store: SqlStore,
    waits: Waits,
) -> None:
    subscribe(store, "discord", str(ALICE), "pentagon", str(CHANNEL_ID))
    discord.left_members.add((GUILD_ID, ALICE))
    discord.fail_next(10, 503, path=r"/guilds/\d+/members/\d+", message="Service Unavailable")
    [report] = await checks(store, discord_adapter, waits).run_once()
    assert owners(store, "discord") == {str(ALICE)}
    assert (report.checked, report.unchecked) == (0, 1)


async def test_a_server_storybot_left_cannot_tell_and_keeps_the_subscription(
    discord: FakeDiscord,  # noqa: F811
    discord_adapter: DiscordAdapter,
    store: SqlStore,
    waits: Waits,
) -> None:
    subscribe(store, "discord", str(ALICE), "pentagon", str(OTHER_CHANNEL_ID))
    discord.guild_ids = [GUILD_ID]
    discord.left_guild_ids.add(OTHER_GUILD_ID)
    [report] = await checks(store, discord_adapter, waits).run_once()
    assert owners(store, "discord") == {str(ALICE)} and report.removed == 0


async def test_a_dm_refused_with_50007_asks_about_its_user_at_once(
    discord: FakeDiscord,  # noqa: F811
    discord_adapter: DiscordAdapter,
    store: SqlStore,
    waits: Waits,
) -> None:
    subscribe(store, "discord", str(ALICE), "pentagon", str(CHANNEL_ID))
    subscribe(store, "discord", str(DAVE), "pentagon", str(CHANNEL_ID))
    discord.left_members.add((GUILD_ID, ALICE))
    check = checks(store, discord_adapter, waits)
    discord_adapter.dm_refused = check.dm_refused("discord")
    discord.fail_next(
        1,
        403,
        path=r"/channels/\d+/messages",
        code=50007,
        message="Cannot send messages to this user",
    )
    message = OutboundMessage(kind=MessageKind.INFO, title="t", body="b")
    with pytest.raises(PermanentDeliveryError):
        await discord_adapter.post(
            Target("discord", user_id=str(ALICE)), message, idempotency_key="k1"
        )
    for task in list(check._tasks):
        await task
    assert owners(store, "discord") == {str(DAVE)}
    asked = [c.path for c in discord.calls_to("GET", r"/guilds/\d+/members/\d+")]
    assert asked == [f"/guilds/{GUILD_ID}/members/{ALICE}"], "only the refused user is asked"


async def test_a_dm_refused_with_50007_in_a_delivering_worker_asks_about_its_user_at_once(
    tmp_path,
    discord: FakeDiscord,  # noqa: F811
) -> None:
    """In scale-out a delivering worker sends the DMs (``storybot worker``: its sinks,
    no adapters), and no service's checks ever heard of one it was refused: the user was
    asked about only at the next periodic check, up to a day later."""
    import procrastinate
    from procrastinate.testing import InMemoryConnector
    from store_builders import write

    from adapters.app import build_app
    from adapters.jobs.sinks import close_sinks
    from adapters.jobs.tasks import Schedule, register
    from adapters.jobs.worker import add_delivery_sinks
    from bot.settings import load_settings

    discord.guild_ids = [GUILD_ID]
    settings = load_settings(
        env={
            "STORYBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}",
            "DISCORD_BOT_TOKEN": "test-token",
            "STORYBOT_DISCORD_API_URL": discord.api_url,
            "STORYBOT_DISCORD_GATEWAY_URL": discord.gateway_url,
        }
    )
    clock = ManualClock()
    app = build_app(settings, clock=clock)  # as `storybot worker` builds it: no adapters
    try:
        subscribe(app.store, "discord", str(ALICE), "pentagon", str(CHANNEL_ID))
        subscribe(app.store, "discord", str(DAVE), "pentagon", str(CHANNEL_ID))
        discord.left_members.add((GUILD_ID, ALICE))
        alice = Target("discord", user_id=str(ALICE))
        app.store.enqueue([write("match:1", target=alice)], clock.now())
        discord.fail_next(
            1,
            403,
            path=r"/channels/\d+/messages",
            code=50007,
            message="Cannot send messages to this user",
        )
        jobs = procrastinate.App(connector=InMemoryConnector())
        register(jobs, app, Schedule())
        asking = add_delivery_sinks(app)

        said = await jobs.tasks["storybot.deliver"](timestamp=0)

        assert said.startswith("posted 0,"), said
        assert asking is not None and asking.every_s == DAY_S
        await asking.asked()
        assert owners(app.store, "discord") == {str(DAVE)}
        asked = [c.path for c in discord.calls_to("GET", r"/guilds/\d+/members/\d+")]
        assert asked == [f"/guilds/{GUILD_ID}/members/{ALICE}"], "only the refused user is asked"
        # the periodic check is the service's alone: the worker ran none, claimed none
        assert app.store.owner_check_runs() == []
    finally:
        await close_sinks(dict(app.delivery.sinks))
        await app.aclose()


# ------------------------------------------------------------------ wiring


def _app_with_slack(tmp_path, fake: FakeSlack, config: str = ""):
    from adapters.app import add_adapter, build_app
    from adapters.chat_start import chat_adapters_from_settings
    from bot.settings import load_settings

    path = tmp_path / "storybot.toml"
    path.write_text(config)
    settings = load_settings(
        path,
        env={
            "STORYBOT_DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}",
            "SLACK_BOT_TOKEN": "xoxb-test",
            "SLACK_APP_TOKEN": "xapp-test",
            "STORYBOT_SLACK_API_URL": fake.base_url,
        },
    )
    app = build_app(settings)
    for adapter in chat_adapters_from_settings(app):
        add_adapter(app, adapter)
    return app


async def test_the_service_checks_owners_daily_by_default_and_not_when_turned_off(
    tmp_path, fake: FakeSlack
) -> None:
    from adapters.service import owner_checks

    app = _app_with_slack(tmp_path, fake)
    try:
        check = owner_checks(app)
        assert check is not None and check.every_s == DAY_S
        assert check.clock is app.clock, "runs claimed and recorded at the app's time"
        assert [x.platform for x in check.lookups] == ["slack"]
    finally:
        await app.aclose()
    off = _app_with_slack(tmp_path, fake, "[permissions]\ncheck_owners_hours = 0\n")
    try:
        assert owner_checks(off) is None
    finally:
        await off.aclose()


async def test_health_tells_what_the_service_recorded(
    fake: FakeSlack, slack: SlackAdapter, store: SqlStore, waits: Waits, migrated_sqlite_url: str
) -> None:
    """``storybot health``, another process, reads the run the service stored: a token
    without users:read is a warning there too, until a run works."""
    import io

    from adapters.health import health
    from bot.settings import load_settings

    subscribe(store, "slack", "U0A", "pentagon", "C1")
    fake.users_info_error = "missing_scope"
    clock = ManualClock()
    check = stored_checks(store, slack, waits, clock)
    await check.run_due()
    # health reads the service's environment: its Slack token set
    env = {"STORYBOT_DATABASE_URL": migrated_sqlite_url, "SLACK_BOT_TOKEN": "xoxb-test"}
    settings = load_settings(env=env)

    def owners_line() -> str:
        out = io.StringIO()
        health(settings, now=clock.now(), out=out)
        [line] = [x for x in out.getvalue().splitlines() if x.split(" ")[1] == "owners:"]
        return line

    assert owners_line().startswith(
        "warning owners: slack: cannot check whether subscription owners are still members "
        "(last asked 0 s ago): users.info: missing_scope: SLACK_BOT_TOKEN lacks the "
        "users:read scope"
    )
    fake.users_info_error = None
    clock.advance(hours=1)
    await check.run_due()
    assert owners_line() == (
        "ok owners: slack: checked 0 s ago, 1 of 1 subscription owner: 0 owners gone, "
        "0 keyword subscriptions removed (every 24 h)"
    )
