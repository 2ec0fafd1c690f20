"""The ``storybot`` command line.

Every sub-command builds the app through :func:`adapters.app.build_app`, so the CLI, the
service, the demo and the tests share one wiring. This module runs a parsed command: the
checks of the database before it is opened, then the command. Its words and options, their
checks and help, are :mod:`adapters.cli_parser`'s.

Exit codes (the README's Operations section lists them): 0 success, 1 the command ran
and reported a failure, 2 bad usage or configuration, 75 (``EX_TEMPFAIL`` of
sysexits.h) the database server could not be reached at start (worth retrying, which a
configuration error is not), 130/143 a second Ctrl-C/SIGTERM cut a stop short.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Iterator, Sequence

from adapters.cli_parser import build_parser
from adapters.signals import StoppedNow
from bot.duration import duration
from bot.errors import ConfigError, DatabaseUnavailable, TryAgainLater, UserError
from bot.settings import Settings, load_settings
from bot.settings_env import unknown_variables
from bot.toml_text import toml_value

if TYPE_CHECKING:
    from storage import StartHint

# the database server cannot be reached now: EX_TEMPFAIL, "try again later" (sysexits.h)
EXIT_DATABASE_UNAVAILABLE = 75

# `outbox --sent HOURS` and `demo --hours` at most: a leap year
MAX_HOURS = 24 * 366
# `demo`: the other flags' bounds, and the most scheduler ticks --hours/--step-minutes make
MAX_STEP_MINUTES = 24 * 60
MAX_TICK_SECONDS = 60
MAX_DEMO_TICKS = 1_000_000


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``storybot`` console command."""
    args = build_parser().parse_args(argv)
    from adapters.log_setup import configure_logging

    # -v: storybot's debug lines; -vv: the libraries' too (see adapters.log_setup)
    configure_logging(args.verbose, os.environ)
    try:
        return _run(args)
    except (DatabaseUnavailable, TryAgainLater) as exc:  # a supervisor retries it, not 2
        print(f"storybot: error: {exc}", file=sys.stderr)
        return EXIT_DATABASE_UNAVAILABLE
    except (ConfigError, UserError) as exc:
        print(f"storybot: error: {exc}", file=sys.stderr)
        return 2
    except StoppedNow as exc:  # a second signal cut `run`/`worker`'s stop short; it said so
        return exc.exit_code
    except KeyboardInterrupt:
        # Ctrl-C outside the service's own handling (demo, poll --once, a start-up):
        # one line, no traceback; what was not recorded is done again at the next run
        print("storybot: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # Output piped into a command that stopped reading (`| head`): not an error.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _warn_of_unknown_variables() -> None:
    """One stderr line per ``STORYBOT_`` variable storybot does not read (a typo: ignored)."""
    for name, meant in unknown_variables(os.environ):
        hint = f" (did you mean {meant}?)" if meant else ""
        print(
            f"storybot: warning: {name} is not a storybot variable and is ignored{hint}",
            file=sys.stderr,
        )


def _run(args: argparse.Namespace) -> int:
    cmd = args.command
    _warn_of_unknown_variables()
    if cmd == "eval":
        if args.engine_config and not os.path.exists(args.engine_config):
            raise UserError(f"engine config file not found: {args.engine_config}")
        from adapters.embeddings import load_embedder
        from bot.engine import EngineConfig
        from bot.evaluation.cli import run_eval

        # measure the [engine] settings the service runs with: config/defaults.toml and,
        # with --config, that file's, read by the service's own loader
        service = EngineConfig.from_mapping(load_settings(args.config).engine)
        return run_eval(args, make_embedder=load_embedder, service_config=service)
    if cmd == "demo":
        _check_demo_args(args)
        from adapters.demo import run_demo

        return asyncio.run(run_demo(args))
    settings = load_settings(args.config)
    if _in_memory(settings.database_url) and (
        cmd in ("health", "db-upgrade") or _needs_existing(args, settings)
    ):
        raise ConfigError(
            f"the database URL {toml_value(settings.database_url)} ({settings.database_source}) "
            "is an in-memory SQLite database, new and empty for each command: there is "
            f"nothing for `storybot {_command_name(args)}` to use; give a file, e.g. "
            "sqlite:///storybot.db"
        )
    if cmd == "health":
        from adapters.health import health
        from bot.clock import SystemClock

        # before build_app: it would migrate the schema and add the config's stories
        return health(
            settings,
            now=SystemClock().now(),
            max_age_s=None if args.max_age is None else args.max_age * 60,
            max_failures=args.max_failures,
            strict=args.strict,
        )
    if cmd == "db-copy":
        from adapters.db_copy import db_copy

        # before build_app: it would migrate the source, and add the config's stories to it
        return db_copy(settings, args)
    if cmd == "discord":
        guild = args.guild
        if guild is None and not args.global_ and settings.discord.dev_guild_id:
            guild = int(settings.discord.dev_guild_id)
        return asyncio.run(_discord_sync(settings, guild))
    from adapters.app import build_app
    from adapters.declared import declared_missing
    from storage import check_store_writable, open_store

    if cmd == "run" and args.no_scheduler:
        _check_front_end(settings)
    from adapters.opening_checks import check_before_opening

    reads_only, no_data = _reads_only(args), cmd == "ask" and _asks_no_data(args)
    opens_existing = no_data or cmd == "db-upgrade" or _needs_existing(args, settings)
    # a refused command creates no database
    check_before_opening(
        settings, args, new_database=not opens_existing and _starts_database(settings, args)
    )
    if not (reads_only or no_data) and _in_memory(settings.database_url):
        print(
            f"storybot: warning: the database URL {toml_value(settings.database_url)} "
            f"({settings.database_source}) is an in-memory SQLite database: nothing this "
            "command stores is kept after it exits; give a file, e.g. sqlite:///storybot.db",
            file=sys.stderr,
        )
    # A command refused for what was typed (checked by the commands themselves, on the
    # data) must not leave behind the empty SQLite file opening it made: see operator.ask.
    args.new_database = (
        _new_sqlite_file(settings)
        if cmd in ("ask", "chat") and not (reads_only or no_data)
        else None
    )
    store = None
    if no_data:
        # help, or an unknown command (answered with the help): touch no database; its
        # log lines (-v) name the one it uses as what it is, not as the database's URL
        store = open_store("sqlite://", source=HELP_DATABASE)
    elif opens_existing:
        # A read in the wrong directory must not create (and then report) an empty
        # database, nor may an upgrade report one "at the latest schema", nor a prune
        # (from cron, in the home directory) or a removal report one it found nothing in;
        # the stories and feeds the config file declares are added to a database that
        # exists (so it must be writable when one is missing: a reader otherwise takes no
        # write lock, see storage.open_store's ``writable``). An empty one (a new
        # PostgreSQL database, an empty file) is no storybot database yet: only
        # db-upgrade creates the tables there.
        with _quiet_storage(cmd == "db-upgrade"):  # it prints what it upgraded: once
            store = open_store(
                settings.database_url,
                source=settings.database_source,
                create=False,
                writable=not reads_only,
                start=cmd == "db-upgrade",
                pool_size=settings.database_pool_size,
                max_overflow=settings.database_max_overflow,
                to_start=_to_start(settings),
            )
        try:
            if reads_only and declared_missing(settings, store):
                # the config file's stories and feeds are added to it: a write after all
                check_store_writable(store, settings.database_source)
        except BaseException:
            store.close()
            raise
    # a new file is watched from just after its opening made the tables: the config's
    # stories and feeds are added after that (reading their seeds takes a while, and
    # another storybot may store things in the new file meanwhile), so a database that
    # holds them is kept, as one anything else wrote to is
    watch = args.new_database is not None
    app = build_app(settings, store=store, declared=not (no_data or watch))
    if watch:
        from adapters.declared import apply_declared
        from adapters.operator import NewDatabase

        args.new_database = NewDatabase(args.new_database)
        apply_declared(app)
    if cmd in ("run", "worker", "poll"):
        from adapters.runtime import tune_gc_for_service

        tune_gc_for_service()  # long-running (or long) processes: see adapters.runtime
    try:
        return _dispatch(app, args)
    finally:
        if cmd not in ("run", "chat", "poll", "ask", "worker"):
            asyncio.run(app.fetcher.aclose())
            app.store.close()


# What `ask`'s help is answered from, as the log names it (for where a URL came from)
HELP_DATABASE = "a throwaway in-memory database: ask only shows the help"


def _to_start(settings: Settings) -> StartHint:
    """What starts a new database here, as a command needing one that exists says it:
    ``story add`` (storage's default), or where the config file declares stories, a first
    poll (or ``run``) with that file, which starts it with them (``story add`` would add one
    more)."""
    from storage import START, StartHint

    if not (settings.stories and settings.config_path):
        return START
    config = shlex.quote(settings.config_path)
    first = f"`storybot --config {config} poll --once` (or `run`)"
    theirs = f"with the stories {settings.config_path} declares"
    return StartHint(
        new=f"run {first} to start a new one here {theirs}",
        creates=f"{first} creates them {theirs}",
    )


def _in_memory(url: str) -> bool:
    from storage.engine import sqlite_memory_url

    return sqlite_memory_url(url)


def _asks_no_data(args: argparse.Namespace) -> bool:
    """Whether ``ask`` only prints the help: ``help``, nothing, or an unknown command."""
    from adapters.console import asks_only_help

    return asks_only_help(" ".join(args.text))


def _new_sqlite_file(settings: Settings) -> Path | None:
    """The SQLite file the database URL names if it does not exist yet, else None.

    Raises:
        ConfigError: the URL cannot be parsed, or the file is behind a directory this
            process may not enter (whether it exists cannot be told).
    """
    from storage.engine import check_sqlite_enterable, parse_url, sqlite_file

    url = parse_url(settings.database_url, settings.database_source)
    check_sqlite_enterable(url, settings.database_source)
    path = sqlite_file(url)
    return path if path is not None and not path.exists() else None


def _creates_sqlite_file(settings: Settings) -> bool:
    """Whether opening the database would create its SQLite file (False for a URL that
    cannot be parsed, or a file behind a directory this process may not enter: opening
    it says what is wrong with it, after what was typed)."""
    try:
        return _new_sqlite_file(settings) is not None
    except ConfigError:
        return False


def _starts_database(settings: Settings, args: argparse.Namespace) -> bool:
    """Whether a command that adds things would start a new database: create its SQLite
    file, or storybot's tables in an empty one ("an empty database counts as none"). An
    existing database is probed only where it matters: for ``story add``'s seeds and the
    config file's ``[feeds]`` and ``[[stories]]`` (see
    :func:`adapters.opening_checks.check_before_opening`)."""
    if _creates_sqlite_file(settings):
        return True
    adds_story = args.command == "story" and args.story_cmd == "add"
    if not (adds_story or settings.feeds or settings.stories):
        return False
    from storage import is_empty_database

    return is_empty_database(settings.database_url, settings.database_source)


def _check_front_end(settings: Settings) -> None:
    """Refuse ``run --no-scheduler`` on a database ``storybot worker`` cannot use.

    Without the scheduler this process only answers /story commands: workers poll, judge
    and deliver, and they need PostgreSQL (their job queue lives there). On SQLite no
    worker can run, so nothing would ever be polled or delivered, silently.

    Raises:
        UserError: the database is not PostgreSQL.
    """
    from adapters.app import database_name
    from storage.engine import parse_url

    if parse_url(settings.database_url, settings.database_source).get_backend_name() == (
        "postgresql"
    ):
        return
    raise UserError(
        f"run --no-scheduler leaves polling and delivery to `storybot worker` processes, which "
        f"need PostgreSQL, but the {database_name(settings)} is not PostgreSQL: nothing would "
        "poll or deliver. Run `storybot run` (without --no-scheduler) on this database, or set "
        "STORYBOT_DATABASE_URL to the PostgreSQL database the workers use"
    )


def _reads_only(args: argparse.Namespace) -> bool:
    """Whether the command only reads the database (so it must exist).

    Commands that add things (``story add``, ``feeds add``, ``ask "subscribe ..."``, ``run``)
    create a missing SQLite file as a first start does. A reading command never does,
    even when the config file declares stories or feeds: they are added to a database
    that exists (which must then be writable), never to a new one made for a read.
    """
    cmd, action = args.command, _action(args)
    if cmd == "outbox":
        return args.retry is None and args.discard is None  # they write: see _takes_away
    if cmd == "story":
        return action in ("list", "export")
    if cmd == "feeds":
        return action == "list"
    if cmd in ("subscriptions", "follows"):
        return action in (None, "list")
    if cmd == "ask":
        from adapters.console import asks_only_to_read

        return asks_only_to_read(" ".join(args.text))
    return False


@contextlib.contextmanager
def _quiet_storage(quiet: bool) -> Iterator[None]:
    """While the block runs, ``storage`` logs warnings only, if ``quiet``."""
    logger = logging.getLogger("storage")
    level = logger.level
    if quiet:
        logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def _needs_existing(args: argparse.Namespace, settings: Settings) -> bool:
    """Whether the command works on a database that exists, and never starts one: it
    reads, removes, prunes or requeues, or polls with nothing declared to start one with
    (``db-upgrade``, ``health`` and ``ask``'s help aside)."""
    return _reads_only(args) or _takes_away(args) or _polls_nothing(args, settings)


# the attribute holding the action of each command that has actions (``story list``)
_ACTION_DEST = {
    "story": "story_cmd",
    "feeds": "feeds_cmd",
    "subscriptions": "subs_cmd",
    "follows": "follows_cmd",
}


def _action(args: argparse.Namespace) -> str | None:
    """The command's action (``list`` of ``story list``); None for a command without
    actions, or one given none (``storybot follows``)."""
    dest = _ACTION_DEST.get(args.command)
    return getattr(args, dest, None) if dest else None


def _command_name(args: argparse.Namespace) -> str:
    """The command as typed, for a message: ``story list``, ``ask``, ``health``."""
    action = _action(args)
    return f"{args.command} {action}" if action else args.command


def _takes_away(args: argparse.Namespace) -> bool:
    """Whether the command only removes, prunes or requeues (so the database must exist).

    It writes, but a database it would create is empty: nothing to remove, and a
    ``prune`` run by cron in the wrong directory would report "0 items" forever. So does
    ``outbox --retry`` (and ``--discard``), which was opened as a reading command, not
    checked for a file it may not write, and so ended in a traceback on one.
    """
    cmd = args.command
    if cmd == "prune" or (cmd == "outbox" and (args.retry, args.discard) != (None, None)):
        return True
    return cmd in _ACTION_DEST and _action(args) == "remove"


def _polls_nothing(args: argparse.Namespace, settings: Settings) -> bool:
    """Whether ``poll --once`` would poll a database it creates: one with nothing to poll.

    Run by cron in the wrong directory, it made an empty database there and said "no
    feeds yet" (exit 0) at every run while the real database went unpolled; so it needs
    a database that exists, unless the config file declares stories or feeds to start
    one with (a first start, as ``storybot run`` makes).
    """
    return args.command == "poll" and not (settings.stories or settings.feeds)


def _dispatch(app, args: argparse.Namespace) -> int:  # noqa: C901 - a flat dispatch table
    from adapters import operator

    cmd = args.command
    if cmd == "db-upgrade":
        # the default is relative to the working directory: say which database it was
        from adapters.app import database_name

        upgraded = app.store.schema_upgrade
        if upgraded is not None:  # say what moved: an upgrade of storybot is checked by it
            print(f"{database_name(app.settings)}: {upgraded.describe()}")
        else:
            print(f"{database_name(app.settings)} is at the latest schema")
        return 0
    if cmd == "story":
        from adapters.stories_admin import story

        return story(app, args)
    if cmd == "feeds":
        from adapters.feeds_admin import feeds

        return feeds(app, args)
    if cmd == "outbox":
        if not 1 <= args.limit <= 10_000:
            raise UserError("--limit must be a whole number from 1 to 10000")
        if args.yes and args.discard is None:
            raise UserError("--yes goes with --discard (storybot outbox --discard --yes)")
        from adapters import outbox_admin
        from adapters.cli_output import check_range

        if args.retry is not None:
            return outbox_admin.retry_dead(app, args.retry or None)
        if args.discard is not None:
            return outbox_admin.discard_dead(app, args.discard or None, yes=args.yes)
        if args.sent is not None:
            check_range("--sent", args.sent, 0, MAX_HOURS, "hour", above_low=True)
            return outbox_admin.sent(app, args.sent, args.limit)
        return outbox_admin.outbox(app, args.limit)
    if cmd == "subscriptions":
        from adapters.subscription_admin import subscriptions

        return subscriptions(app, args)
    if cmd == "follows":
        from adapters.follow_admin import follows

        return follows(app, args)
    if cmd == "prune":
        from adapters.prune_admin import prune

        return prune(app, args.older_than, args.dry_run)
    if cmd == "ask":
        return asyncio.run(operator.ask(app, " ".join(args.text), new_database=args.new_database))
    if cmd == "chat":
        return asyncio.run(operator.chat(app, new_database=args.new_database))
    if cmd == "poll":
        return asyncio.run(operator.poll_once(app, deliver=args.deliver, all_feeds=args.all_feeds))
    if cmd == "run":
        return asyncio.run(operator.run(app, scheduler=not args.no_scheduler))
    if cmd == "worker":
        from adapters.jobs.cli import worker

        return asyncio.run(worker(app, args))
    raise UserError(f"unknown command {cmd}")


def _check_demo_args(args: argparse.Namespace) -> None:
    """Refuse demo flags the simulation cannot run with (each a UserError naming its flag).

    Every one must be finite and more than 0: a zero step divides by zero, a negative tick
    hangs the scheduler (its interval trigger never finds a next run), and a zero tick is
    not "no pause": APScheduler turns a 0 s interval into 1 s, so no poll runs between
    the steps. Hours and step make the number of ticks, which is bounded too.
    """
    from adapters.cli_output import check_range

    check_range("--hours", args.hours, 0, MAX_HOURS, "hour", above_low=True)
    check_range("--step-minutes", args.step_minutes, 0, MAX_STEP_MINUTES, "minute", above_low=True)
    check_range("--tick-seconds", args.tick_seconds, 0, MAX_TICK_SECONDS, "second", above_low=True)
    if args.hours * 60 / args.step_minutes > MAX_DEMO_TICKS:
        raise UserError(
            f"--hours {args.hours:g} in steps of --step-minutes {args.step_minutes:g} is more "
            f"than {MAX_DEMO_TICKS} scheduler ticks: give fewer hours or longer steps"
        )


async def _discord_sync(settings, guild: int | None) -> int:
    if not settings.discord.token:
        raise UserError(
            "DISCORD_BOT_TOKEN is not set; `storybot discord sync` needs the bot token."
        )
    import aiohttp
    import discord

    from adapters.discord_chat import sync_commands
    from adapters.discord_chat.sync import NotInServer

    api = settings.discord.api_url or "https://discord.com/api/v10"
    try:
        names = await sync_commands(
            settings.discord.token,
            guild,
            api_url=settings.discord.api_url,
            gateway_url=settings.discord.gateway_url,
        )
    except discord.LoginFailure:
        # a configuration error, as `run` treats it (exit 2), not a traceback
        raise UserError(
            "Discord rejected DISCORD_BOT_TOKEN (revoked, reset, or not a bot token): copy "
            "the token from the Developer Portal's Bot page"
        ) from None
    except NotInServer as exc:
        print(f"storybot: error: {exc}", file=sys.stderr)
        return 1
    except discord.RateLimited as exc:  # not an HTTPException
        print(
            "storybot: error: Discord rate-limited the commands (it limits how often they are "
            f"registered); nothing was registered: try again in {duration(exc.retry_after)}",
            file=sys.stderr,
        )
        return 1
    except discord.HTTPException as exc:
        print(f"storybot: error: Discord refused the commands: {exc}", file=sys.stderr)
        return 1
    except (aiohttp.ClientError, OSError, asyncio.TimeoutError) as exc:
        print(
            f"storybot: error: could not reach Discord at {api}: {exc or type(exc).__name__}; "
            "nothing was registered, try again",
            file=sys.stderr,
        )
        return 1
    where = (
        f"server {guild}"
        if guild is not None
        else "all servers (global; may take up to an hour to appear)"
    )
    print(f"synced {len(names)} commands to {where}: {', '.join(names)}")
    if guild is None and not settings.discord.admin_servers:
        print(
            "note: every server that adds the bot now has /story; stories add|remove and "
            "feeds add|remove run on Discord only while storybot is in one server unless "
            "[discord] admin_servers lists the servers whose admins manage it (and untick "
            "Public Bot in the Developer Portal to keep strangers from adding it)"
        )
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
