"""The ``storybot`` command line's words: its commands, their options, the checks of their
values and their help.

Apart from running a parsed command (:mod:`adapters.cli`) because this is an interface of
its own: the sub-command names and options are what other tools script against (cron
lines, supervisors, probes, docs/cli.md), so keep them stable. Building the parser loads
no SQLAlchemy and opens no database: what is mistyped is refused with a usage error
(exit 2) before any configuration or database is read, and ``--help`` and ``--version``
answer without either.

This module assembles the parser: the global options, then each sub-command from the
module that builds it (:mod:`adapters.cli_parsers_service`, :mod:`adapters.cli_ask`,
:mod:`adapters.cli_parsers_stories`, :mod:`adapters.cli_parsers_users`,
:mod:`adapters.cli_parsers_admin`, and ``eval`` from :mod:`bot.evaluation.cli`), then
what every sub-command shares: its description and the global options after it. The
checks of the values are :mod:`adapters.cli_types`'; the wording of what was mistyped,
:class:`adapters.cli_errors.Parser`'s.
"""

from __future__ import annotations

import argparse

from adapters.cli_ask import add_ask_parser
from adapters.cli_errors import Parser
from adapters.cli_parsers_admin import (
    add_db_copy_parser,
    add_db_upgrade_parser,
    add_discord_parser,
    add_health_parser,
    add_outbox_parser,
    add_prune_parser,
)
from adapters.cli_parsers_service import (
    add_chat_parser,
    add_demo_parser,
    add_poll_parser,
    add_run_parser,
    add_worker_parser,
)
from adapters.cli_parsers_stories import add_feeds_parser, add_story_parser
from adapters.cli_parsers_users import add_follows_parser, add_subscriptions_parser


def version() -> str:
    """The installed storybot's version, from its distribution's metadata (pyproject.toml)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("storybot")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "(version unknown: storybot is not installed; pip install -e .)"


def build_parser() -> argparse.ArgumentParser:
    """The ``storybot`` parser, every sub-command included.

    Returns:
        A parser whose ``parse_args`` refuses what is mistyped with a usage error (exit 2),
        reading no configuration and opening no database.
    """
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

    # in the order `storybot --help` lists them
    add_demo_parser(sub)
    add_run_parser(sub)
    add_chat_parser(sub)
    add_ask_parser(sub)
    add_poll_parser(sub)
    add_story_parser(sub)
    add_feeds_parser(sub)
    add_outbox_parser(sub)
    add_subscriptions_parser(sub)
    add_follows_parser(sub)
    add_prune_parser(sub)
    add_worker_parser(sub)
    add_db_upgrade_parser(sub)
    add_db_copy_parser(sub)
    add_health_parser(sub)
    add_discord_parser(sub)

    try:
        from bot.evaluation.cli import add_eval_parser

        add_eval_parser(sub)
    except ImportError:  # pragma: no cover - the harness ships with the package
        pass
    _describe(p)
    _global_options_after(p)
    return p


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
