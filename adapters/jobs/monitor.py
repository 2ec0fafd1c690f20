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

from typing import Any

import procrastinate

from adapters.jobs.schema import conninfo
from bot.settings import load_settings


def monitoring_app() -> procrastinate.App:
    """A task-less procrastinate app on the database the settings name."""
    settings = load_settings()
    connector = procrastinate.PsycopgConnector(
        conninfo=conninfo(settings.database_url, settings.database_source)
    )
    return procrastinate.App(connector=connector)


def __getattr__(name: str) -> Any:
    if name == "app":
        return monitoring_app()
    raise AttributeError(name)
