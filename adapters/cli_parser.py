"""The ``storybot`` command line's words: its commands, their options, the checks of their
values and their help.

Apart from running a parsed command (:mod:`adapters.cli`) because this is an interface of
its own: the sub-command names and options are what other tools script against (cron
lines, supervisors, probes, docs/cli.md), so keep them stable. Building the parser loads
no SQLAlchemy and opens no database: what is mistyped is refused with a usage error
(exit 2) before any configuration or database is read, and ``--help`` and ``--version``
answer without either.
"""

from __future__ import annotations

import argparse
from typing import Any

from adapters.cli_ask import add_ask_parser
from adapters.cli_errors import Parser
from adapters.cli_types import (
    channel,
    count,
    message_id,
    minutes,
    positive_seconds,
    seconds,
    server_id,
    subscription_id,
    user,
)
from bot.settings import PollingSettings


def version() -> str:
    """The installed storybot's version, from its distribution's metadata (pyproject.toml)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("storybot")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "(version unknown: storybot is not installed; pip install -e .)"


# `story export NAME` and `story remove NAME`
_STORY_NAME_HELP = "the story, as `storybot story list` names it (in any case)"


def build_parser() -> argparse.ArgumentParser:
    p = Parser(
        prog="storybot",
        description="Follow a developing news story and post its developments to Slack, "
        "Discord or the console.",
        epilog="Database: STORYBOT_DATABASE_URL, or [database] url in the --config file "
        "(default: storybot.db in the working directory). See README.md for configuration.",
    )
    p.add_argument("--config", metavar="PATH", help="a TOML file overriding config/defaults.toml")
    p.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="log storybot's debug details; -vv also the libraries' (Slack, Discord, HTTP, "
        "the scheduler, migrations)",
    )
    # argparse prints it and exits 0 while parsing: before any config or database is read
    p.add_argument(
        "-V",
        "--version",
        action="version",
        version=f"storybot {version()}",
        help="print storybot X.Y.Z (the installed package's version) and exit",
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    d = sub.add_parser("demo", help="run the whole pipeline offline on bundled sample feeds")
    d.add_argument(
        "--database",
        metavar="URL",
        help="a new or empty database to keep what the demo stores (default: a temporary "
        "SQLite file); one holding stories or feeds is refused",
    )
    d.add_argument(
        "--hours",
        type=float,
        default=12.0,
        metavar="HOURS",
        help="simulated hours to run (default 12)",
    )
    d.add_argument(
        "--step-minutes",
        type=float,
        default=15.0,
        metavar="MINUTES",
        help="simulated minutes per scheduler tick (default 15)",
    )
    d.add_argument(
        "--tick-seconds",
        type=float,
        default=0.05,
        metavar="SECONDS",
        help="real seconds per scheduler tick (default 0.05)",
    )

    r = sub.add_parser(
        "run",
        help="run the service: scheduler, outbox worker and the chat adapters whose tokens are set",
    )
    r.add_argument(
        "--no-scheduler",
        action="store_true",
        help="only answer /story commands; `storybot worker` processes poll and deliver "
        "(scale-out; PostgreSQL only)",
    )
    sub.add_parser("chat", help="an interactive /story session in the terminal")
    add_ask_parser(sub)

    po = sub.add_parser("poll", help="poll the feeds that are due")
    po.add_argument(
        "--once", action="store_true", required=True, help="one cycle of the due feeds, then exit"
    )
    po.add_argument(
        "--all", dest="all_feeds", action="store_true", help="poll every feed now, due or not"
    )
    po.add_argument(
        "--deliver",
        action="store_true",
        help="then deliver the queued alerts to the console (also when no feed was due)",
    )

    st = sub.add_parser("story", help="manage stories").add_subparsers(
        dest="story_cmd", metavar="ACTION"
    )
    st.required = True
    sa = st.add_parser(
        "add",
        help="create a story from seed articles",
        # NAME first, as the README writes it: after --seed it would be taken for a seed;
        # wrapped under the first word after "usage: ", as argparse wraps the others
        usage="%(prog)s [-h] NAME --seed FILE_OR_URL [FILE_OR_URL ...]\n"
        + " " * len("usage: storybot story add ")
        + "[--title TITLE] [--config PATH] [-v]",
    )
    sa.add_argument(
        "name",
        metavar="NAME",
        help="a short name users type: letters, digits, '-', '_', '.', e.g. anthropic-pentagon",
    )
    sa.add_argument(
        "--seed",
        action="extend",
        nargs="+",
        required=True,
        metavar="FILE_OR_URL",
        help="seed articles: text or HTML files, or URLs (--seed a.txt b.txt, or --seed "
        "before each)",
    )
    sa.add_argument(
        "--title",
        help="the story title, one line of at most 200 characters (default: the first seed's "
        "title)",
    )
    st.add_parser("list", help="list stories")
    se = st.add_parser(
        "export",
        story_name=True,
        help="write a story's record: its seeds, the seed story and every development, "
        "oldest first, with their cited summaries and reports",
    )
    se.add_argument("name", metavar="NAME", help=_STORY_NAME_HELP)
    se.add_argument(
        "--format",
        dest="export_format",
        choices=("markdown", "json"),
        default="markdown",
        help="Markdown for people (the default) or JSON for scripts (docs/cli.md has its shape)",
    )
    se.add_argument(
        "--out",
        metavar="FILE",
        help="write to FILE (UTF-8) instead of standard output; an existing FILE is kept "
        "unless --force",
    )
    se.add_argument("--force", action="store_true", help="with --out: replace FILE if it exists")
    sr = st.add_parser(
        "remove",
        story_name=True,
        help="delete a story and its decisions, with the subscriptions "
        "to it and the channels' follows of it",
    )
    sr.add_argument("name", metavar="NAME", help=_STORY_NAME_HELP)
    sr.add_argument(
        "--yes",
        action="store_true",
        help="go ahead although users' subscriptions or channels' follows would be removed too",
    )

    fe = sub.add_parser("feeds", help="manage feeds").add_subparsers(
        dest="feeds_cmd", metavar="ACTION"
    )
    fe.required = True
    fa = fe.add_parser("add", help="add feeds to poll (checked now, fetched from the next poll on)")
    fa.add_argument(
        "url", nargs="+", metavar="URL", help="the feeds' URLs (RSS, Atom or JSON Feed)"
    )
    fa.add_argument(
        "--interval",
        type=int,
        metavar="SECONDS",
        help="base poll interval, from [polling] min_interval_s to 86400 (default: [polling] "
        f"default_interval_s, {PollingSettings.default_interval_s} as shipped); a feed already "
        "polled keeps its interval unless this is given",
    )
    fe.add_parser("list", help="feeds with their health and last error")
    fr = fe.add_parser("remove", help="stop polling feeds")
    fr.add_argument(
        "url",
        nargs="+",
        metavar="URL",
        help="each feed's URL or #number, as `storybot feeds list` shows them",
    )

    ob = sub.add_parser(
        "outbox",
        help="how many messages are pending, delivered and dead; the dead and pending ones with their errors",
    )
    ob.add_argument(
        "--limit",
        type=int,
        default=20,
        metavar="N",
        help="messages listed per state (default 20; 1 to 10000)",
    )
    instead = ob.add_mutually_exclusive_group()
    instead.add_argument(
        "--retry",
        nargs="*",
        type=message_id,
        metavar="ID",
        help="instead: deliver the dead messages (all of them, or those #IDs: all or none) "
        "again, e.g. once the bot is invited to the channel",
    )
    instead.add_argument(
        "--discard",
        nargs="*",
        type=message_id,
        metavar="ID",
        help="instead: delete the dead messages (all of them, with --yes, or those #IDs: all or "
        "none) that can never be delivered, e.g. to a deleted channel",
    )
    instead.add_argument(
        "--sent",
        nargs="?",
        const=24.0,
        type=float,
        metavar="HOURS",
        help="instead: what was delivered in the last HOURS hours (default 24), newest first",
    )
    ob.add_argument(
        "--yes", action="store_true", help="go ahead with --discard of every dead message"
    )
    _add_subscriptions_parser(sub)
    _add_follows_parser(sub)
    pr = sub.add_parser(
        "prune",
        help="give back the space of old off-topic items' text, of delivered DMs, "
        "digests and removal notices, and of development updates every follow has passed "
        "(keeps every item's identity and decision, and the text of items an admin "
        "corrected)",
    )
    pr.add_argument(
        "--older-than",
        type=float,
        required=True,
        metavar="DAYS",
        help="what was fetched or queued more than DAYS days ago (1 to 36500)",
    )
    pr.add_argument("--dry-run", action="store_true", help="only count what would go")
    wk = sub.add_parser(
        "worker",
        help="take poll, engine and delivery jobs from the shared PostgreSQL "
        "database (scale-out; run any number, on any machines)",
    )
    wk.add_argument(
        "--queues", metavar="LIST", help="comma-separated: poll,engine,deliver (default: all)"
    )
    wk.add_argument(
        "--concurrency", type=int, default=4, metavar="N", help="jobs run at once (default 4)"
    )
    wk.add_argument(
        "--heartbeat",
        type=positive_seconds,
        default=10.0,
        metavar="SECONDS",
        help="seconds between this worker's heartbeats (default 10)",
    )
    wk.add_argument(
        "--stalled-after",
        type=positive_seconds,
        default=30.0,
        metavar="SECONDS",
        help="a worker silent this long is dead and its jobs are retried (default 30)",
    )
    wk.add_argument(
        "--stop-grace",
        type=seconds,
        default=30.0,
        metavar="SECONDS",
        help="on SIGTERM/Ctrl-C, how long running jobs may take to finish before they are "
        "cancelled and run again later (default 30)",
    )
    wk.add_argument(
        "--no-listen",
        action="store_true",
        help="do not LISTEN for new jobs; find them by checking every --check-every seconds "
        "(behind a pooler in transaction mode, such as PgBouncer's, where LISTEN fails)",
    )
    wk.add_argument(
        "--check-every",
        type=positive_seconds,
        default=5.0,
        metavar="SECONDS",
        help="seconds between checks for new jobs when no notification came (default 5; "
        "with --no-listen the only way new jobs are found)",
    )
    sub.add_parser(
        "db-upgrade", help="apply database migrations and exit (the service also does it on start)"
    )
    dbc = sub.add_parser(
        "db-copy",
        help="copy the database into a new, empty one (SQLite to PostgreSQL, or back), with "
        "every storybot process stopped: every table in one transaction, ids going on after "
        "the copied ones, row counts checked",
    )
    dbc.add_argument(
        "--to",
        required=True,
        metavar="URL",
        help="the new database: empty (its tables are created) or holding storybot's empty "
        "tables, e.g. postgresql://storybot@db.example/storybot (a password is better in "
        "PGPASSWORD or ~/.pgpass than on the command line)",
    )
    dbc.add_argument(
        "--from",
        dest="from_url",
        metavar="URL",
        help="the database to copy (default: the configured one, STORYBOT_DATABASE_URL or "
        "[database] url); only read",
    )
    dbc.add_argument(
        "--yes",
        action="store_true",
        help="from PostgreSQL: go ahead although other sessions are connected to the source "
        "(ones that only read: psql, monitoring)",
    )
    he = sub.add_parser(
        "health",
        help="check that the database answers and can be written now, its schema is "
        "current, feeds are polled and items judged; warn of dead or unsent messages, of "
        "failing, gone, moved or part-read feeds and "
        "of a check of subscription owners that cannot work or has not run (for "
        "supervisors, probes and cron): exit 0, or 1 with the problems",
    )
    he.add_argument(
        "--max-age",
        type=minutes,
        metavar="MINUTES",
        help="a feed due for longer than this while no feed was polled is a problem; an item "
        "stored longer ago left unjudged by every story, or a message due longer and not sent, "
        "a warning (default: 3 x [polling] min_interval_s, or 3 x (tick_seconds + timeout_s) "
        "if longer: 15 with the default settings)",
    )
    he.add_argument(
        "--max-failures",
        type=count,
        default=5,
        metavar="N",
        help="warn of feeds that failed more than N polls in a row (default 5)",
    )
    he.add_argument(
        "--strict",
        action="store_true",
        help="warnings (items judged by no story, dead outbox messages, messages not sent "
        "in time or held by a refused bot token, failing, gone, moved or part-read feeds, "
        "subscription owners not checked) fail the check too",
    )

    dc = sub.add_parser("discord", help="Discord tools").add_subparsers(
        dest="discord_cmd", metavar="ACTION"
    )
    dc.required = True
    ds = dc.add_parser("sync", help="register the /story commands with Discord")
    where = ds.add_mutually_exclusive_group()
    where.add_argument(
        "--guild",
        type=server_id,
        metavar="ID",
        help="sync to one server (instant; for development); default: [discord] dev_guild_id if set",
    )
    where.add_argument(
        "--global",
        dest="global_",
        action="store_true",
        help="sync globally even when [discord] dev_guild_id is set (production)",
    )

    try:
        from bot.evaluation.cli import add_eval_parser

        add_eval_parser(sub)
    except ImportError:  # pragma: no cover - the harness ships with the package
        pass
    _describe(p)
    _global_options_after(p)
    return p


def _add_subscriptions_parser(sub) -> None:  # type: ignore[no-untyped-def]
    """``subscriptions [list] [--limit N] [--user PLATFORM:ID]`` and ``subscriptions remove``.

    The action is optional (``storybot subscriptions`` lists), so ``--limit`` and
    ``--user`` are the command's own and also ``list``'s and ``remove``'s (``--user``):
    given after the action they set the same value (``SUPPRESS``: not given, they leave it).
    """
    limit_help = "users listed, those holding the most first (default 20, at most 10000)"
    user_help = "PLATFORM:ID, e.g. slack:U024BE7LH or discord:80351110224678912"
    su = sub.add_parser(
        "subscriptions",
        help="users' keyword subscriptions: how many against [permissions] "
        "max_subscriptions, who holds the most; remove a user's",
    )
    su.add_argument("--limit", type=int, metavar="N", help=limit_help)

    def user_option(parser: argparse.ArgumentParser, what: str, **default: Any) -> None:
        # the same --user before or after the action (an action's own does not reset it)
        parser.add_argument(
            "--user", type=user, metavar="PLATFORM:ID", help=f"{what} ({user_help})", **default
        )

    user_option(su, "list one user's subscriptions")
    actions = su.add_subparsers(dest="subs_cmd", metavar="ACTION")
    sl = actions.add_parser("list", help="the default: the count, then the users holding the most")
    sl.add_argument("--limit", type=int, metavar="N", default=argparse.SUPPRESS, help=limit_help)
    user_option(sl, "list one user's subscriptions", default=argparse.SUPPRESS)
    sr = actions.add_parser(
        "remove", help="remove a user's subscriptions (--user ... --yes) or those IDs"
    )
    sr.add_argument(
        "ids",
        nargs="*",
        type=subscription_id,
        metavar="ID",
        help="subscriptions to remove, by the #IDs `--user` lists (all or none)",
    )
    user_option(sr, "remove all of one user's subscriptions, with --yes", default=argparse.SUPPRESS)
    sr.add_argument(
        "--yes", action="store_true", help="go ahead with removing all of --user's subscriptions"
    )
    sr.add_argument(
        "--quiet",
        action="store_true",
        help="do not tell the users by direct message (for spam accounts)",
    )


def _add_follows_parser(sub) -> None:  # type: ignore[no-untyped-def]
    """``follows [list]`` and ``follows remove CHANNEL [STORY]``."""
    fo = sub.add_parser(
        "follows",
        help="channels' follows of stories, with their given-up and pending messages; "
        "remove a channel's (one deleted or archived, that cannot /story unfollow)",
    )
    actions = fo.add_subparsers(dest="follows_cmd", metavar="ACTION")
    actions.add_parser("list", help="the default: every follow, by channel")
    fr = actions.add_parser(
        "remove",
        story_name=True,
        help="stop a channel following a story, or every story, as /story unfollow "
        "typed there would",
    )
    fr.add_argument(
        "channel",
        type=channel,
        metavar="CHANNEL",
        help="PLATFORM:ID as `storybot follows` lists it, e.g. slack:C024BE7LR or "
        "discord:1234567890123456789",
    )
    fr.add_argument(
        "story",
        nargs="?",
        metavar="STORY",
        help="the story to stop following (in any case); default: every story the channel follows",
    )


# sub-commands whose words are all theirs once they begin (`ask subscribe x -v` is a query)
_OWN_WORDS = frozenset({"ask"})


def _global_options_after(parser: argparse.ArgumentParser) -> None:
    """Let ``--config`` and ``-v`` come after the sub-command too: ``storybot poll --once -v``.

    Each sub-command's parser gets them with the default ``SUPPRESS``: given there, they
    set what the top-level option sets; not given, they leave the top-level value (or its
    default) alone. After ``ask`` they are taken only before the /story command's words
    (``storybot ask -v status``; no command starts with '-'): its positional is
    ``REMAINDER``, so from the command's first word on every word is the command's.
    """
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                where = (
                    "before the command's words" if name in _OWN_WORDS else "as before the command"
                )
                sub.add_argument(
                    "--config",
                    metavar="PATH",
                    default=argparse.SUPPRESS,
                    help=f"a TOML file overriding config/defaults.toml ({where})",
                )
                sub.add_argument(
                    "-v",
                    "--verbose",
                    action="count",
                    default=argparse.SUPPRESS,
                    help=f"log debug details; -vv more ({where})",
                )
                _global_options_after(sub)


def _describe(parser: argparse.ArgumentParser) -> None:
    """Give each sub-command's own ``--help`` the line ``storybot --help`` shows for it.

    Without a description, ``storybot chat --help`` would list only ``-h``: not what the
    command does.
    """
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help for a in action._choices_actions}
            for name, sub in action.choices.items():
                if sub.description is None and helps.get(name):
                    sub.description = helps[name]
                _describe(sub)
