"""A procrastinate app for procrastinate's own CLI, to watch and steer storybot's jobs.

    PROCRASTINATE_APP=adapters.jobs.monitor.app procrastinate shell
    procrastinate> list_queues
    procrastinate> list_jobs status=failed
    procrastinate> retry 42

``app`` is built when the CLI asks for it (a module ``__getattr__``), on the database
named by ``STORYBOT_DATABASE_URL``, so importing this module has no side effects. It carries no tasks: it is for looking at
jobs, locks and queues, not for running them (that is ``storybot worker``).
"""

from __future__ import annotations

import sys
from typing import Any

import procrastinate

from adapters.jobs.schema import conninfo, pool_kwargs
from bot.errors import ConfigError, UserError
from bot.settings import load_settings


def monitoring_app() -> procrastinate.App:
    """A task-less procrastinate app on the database STORYBOT_DATABASE_URL names.

    procrastinate's CLI has no way to pass storybot's ``--config``, so only the
    environment can name the workers' database here. A URL it cannot use (none set: the
    SQLite default; a bad one) is one line saying so, exit 2, as storybot's own commands
    do: raised, it came out of procrastinate's CLI as a traceback.
    """
    try:
        settings = load_settings()
        dsn = conninfo(settings.database_url, settings.database_source, user="the job monitor")
    except (ConfigError, UserError) as exc:
        print(
            f"storybot: error: {exc} (the job monitor reads STORYBOT_DATABASE_URL, never a "
            "config file: set it to the workers' database)",
            file=sys.stderr,
        )
        raise SystemExit(2) from None
    connector = procrastinate.PsycopgConnector(conninfo=dsn, **pool_kwargs(settings.database_url))
    return procrastinate.App(connector=connector)


def __getattr__(name: str) -> Any:
    if name == "app":
        return monitoring_app()
    raise AttributeError(name)
