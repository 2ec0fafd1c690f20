"""The sub-commands that run storybot: ``demo``, ``run``, ``chat``, ``poll`` and ``worker``.

Their options are what cron lines, supervisors and containers start storybot with, so
keep them stable (``ask``, which also runs it, is :mod:`adapters.cli_ask`'s). Each
builder adds one sub-command to the parser :func:`adapters.cli_parser.build_parser` makes.
"""

from __future__ import annotations

from typing import Any

from adapters.cli_types import positive_seconds, seconds


def add_demo_parser(sub: Any) -> None:
    """``demo``: the whole pipeline offline, on the bundled sample feeds."""
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


def add_run_parser(sub: Any) -> None:
    """``run [--no-scheduler]``: the service."""
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


def add_chat_parser(sub: Any) -> None:
    """``chat``: an interactive /story session in the terminal."""
    sub.add_parser("chat", help="an interactive /story session in the terminal")


def add_poll_parser(sub: Any) -> None:
    """``poll --once [--all] [--deliver]``: one cycle of the due feeds."""
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


def add_worker_parser(sub: Any) -> None:
    """``worker``: poll, engine and delivery jobs from the shared PostgreSQL database."""
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
