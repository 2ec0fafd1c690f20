"""The operator's upkeep sub-commands: ``outbox``, ``prune``, ``db-upgrade``, ``db-copy``,
``health`` and ``discord``.

What an operator runs beside the service to look after it: the messages waiting or
given up, the space old items hold, the database's schema and home, the health check
supervisors and probes call, the /story commands' registration with Discord. Each
builder adds one sub-command to the parser :func:`adapters.cli_parser.build_parser` makes.
"""

from __future__ import annotations

from typing import Any

from adapters.cli_types import count, message_id, minutes, server_id


def add_outbox_parser(sub: Any) -> None:
    """``outbox [--limit N] [--retry|--discard [ID ...]|--sent [HOURS]] [--yes]``."""
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


def add_prune_parser(sub: Any) -> None:
    """``prune --older-than DAYS [--dry-run]``."""
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


def add_db_upgrade_parser(sub: Any) -> None:
    """``db-upgrade``: the database's migrations."""
    sub.add_parser(
        "db-upgrade", help="apply database migrations and exit (the service also does it on start)"
    )


def add_db_copy_parser(sub: Any) -> None:
    """``db-copy --to URL [--from URL] [--yes]``."""
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


def add_health_parser(sub: Any) -> None:
    """``health [--max-age MINUTES] [--max-failures N] [--strict]``."""
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


def add_discord_parser(sub: Any) -> None:
    """``discord sync [--guild ID | --global]``."""
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
