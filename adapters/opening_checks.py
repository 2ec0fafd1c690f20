"""Refuse what the command line or the settings rule out, before the store is opened.

Opening the store of a command that adds things creates a missing SQLite database; a
command refused for what was typed must leave none behind, so what needs no data is
checked here first (:func:`check_before_opening`), with the checks of each command's own
module (``adapters.stories_admin``, ``adapters.feeds_admin``, ``adapters.prune_admin``).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TextIO, cast

from adapters.app import make_address_guard
from adapters.chat_start import check_chat_settings
from adapters.cli_output import Unbroken, check_range
from adapters.declared import declared_seed, declared_title, refuse_declared_feed
from adapters.feeds_admin import admit_feed_urls, feed_interval
from adapters.prune_admin import PRUNE_MAX_DAYS
from adapters.stories_admin import check_export_out, read_seeds, typed_story
from bot.errors import ConfigError
from bot.settings import Settings


def check_before_opening(
    settings: Settings, args: argparse.Namespace, *, new_database: bool = False
) -> None:
    """Refuse what the command line or the settings rule out, before the store is opened.

    A command that adds things creates a missing SQLite database (as a first start
    does); one refused for what was typed must not leave an empty database behind:
    ``feeds add`` of a URL or interval the poller would refuse, ``story add`` of a name
    users could not type, a bad ``--title`` or a seed given twice, ``prune`` of a
    nonsensical age, ``worker`` on a database that is not PostgreSQL, ``run`` with a Slack
    token that cannot start. What needs the data (an unknown story, a name in use) is
    checked after, on the store. The feed URLs admitted here are noted on ``args``
    (``admitted_urls``): :func:`adapters.feeds_admin.feeds` then adds them without
    resolving each host again; so is ``story add``'s title (``typed_title``, on one line,
    or None).

    Where the command would start a new database (``new_database``: create its SQLite
    file, or storybot's tables in an empty database, which counts as none), it also reads
    ``story add``'s seeds first (no name can be in use in a new database; elsewhere a name
    in use is refused before any seed is fetched), noted on ``args`` (``read_seeds``, and
    ``seeds_out`` where their lines went), and refuses a ``[feeds]`` URL of the config
    file on a host the poller refuses and a declared story's seed file that cannot be read
    (in a database that exists, such a feed or seed is refused when added, see
    :func:`adapters.declared.apply_declared`).

    Raises:
        UserError: the command is refused (exit 2).
        ConfigError: the settings rule it out (exit 2).
    """
    cmd = args.command
    if new_database and settings.feeds:
        with make_address_guard(settings) as guard:
            for url in settings.feeds:
                refuse_declared_feed(settings, guard.refusal, url)
    if new_database:
        # every declared story will be created: a name users could not type, a bad title
        # or a seed file that cannot be read is refused now (reading a file twice costs
        # nothing; a URL is fetched once, when it is added)
        for decl in settings.stories:
            declared_title(settings, decl)
            for source in decl.seeds:
                if "://" not in source:
                    declared_seed(settings, decl.name, source)
    if cmd == "story" and args.story_cmd == "add":
        args.typed_title = typed_story(args)
        if new_database:
            # a database that cannot be created is said at once, not after the seeds
            # were read (some fetched) for nothing
            _check_database_directory(settings)
            out = Unbroken(sys.stdout)
            try:
                args.read_seeds = read_seeds(args.seed, settings.allowed_hosts, cast(TextIO, out))
            except BaseException:
                out.close()
                raise
            args.seeds_out = out
    elif cmd == "story" and args.story_cmd == "export":
        check_export_out(args)
    elif cmd == "feeds" and args.feeds_cmd == "add":
        feed_interval(settings, args.interval)
        with make_address_guard(settings) as guard:
            asyncio.run(admit_feed_urls(args.url, guard.refusal))
        # feeds() adds these without resolving each host again
        args.admitted_urls = list(args.url)
    elif cmd == "prune":
        check_range("--older-than", args.older_than, 1, PRUNE_MAX_DAYS, "day")
    elif cmd == "worker":
        from adapters.jobs.cli import check_worker

        check_worker(settings, args)
    elif cmd == "run":
        check_chat_settings(settings)


def _check_database_directory(settings: Settings) -> None:
    """Refuse a new SQLite database in a directory that does not exist, or one this
    process cannot write (or a file it cannot write), as opening it would
    (:func:`storage.engine.check_sqlite_directory`, :func:`storage.check_sqlite_writable`);
    a URL that cannot be parsed is left to the opening, which says what is wrong with it.

    Raises:
        ConfigError: the database's directory does not exist or cannot be written.
    """
    from storage import check_sqlite_writable
    from storage.engine import check_sqlite_directory, parse_url

    try:
        url = parse_url(settings.database_url, settings.database_source)
    except ConfigError:
        return
    check_sqlite_directory(url, settings.database_source)
    check_sqlite_writable(url, settings.database_source)
