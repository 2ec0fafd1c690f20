"""Settings: the shipped defaults, an optional TOML file, then the environment.

Precedence, lowest first: ``config/defaults.toml`` → the file given with ``--config`` →
environment variables. Secrets (tokens, signing secrets) are read from the environment only;
a config file that contains one is refused, so secrets never end up in a repository.

:func:`load_settings` reads the files (:mod:`bot.toml_file`), refuses secrets in the
``--config`` file (:mod:`bot.settings_secrets`), reads each table with its keys and values
checked (:mod:`bot.settings_tables`, :mod:`bot.settings_values`), takes what the
environment overrides (:mod:`bot.settings_env`, :mod:`bot.settings_summarizer`,
:mod:`bot.allowed_hosts`) and checks what only settings together tell (a default poll
interval below the minimum). It returns a :class:`bot.settings_types.Settings`; this
module holds the loader and what it alone uses.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Mapping

from bot.allowed_hosts import checked_allowed_hosts
from bot.engine.config import EngineConfig
from bot.errors import ConfigError
from bot.polling import PollPolicy
from bot.settings_env import endpoint, env_value
from bot.settings_secrets import refuse_secrets
from bot.settings_summarizer import summarizer_settings
from bot.settings_tables import read_section, read_table
from bot.settings_types import (
    DeliverySettings,
    DiscordSettings,
    EmbeddingSettings,
    PageSettings,
    PollingSettings,
    Settings,
    SlackSettings,
    StoryDecl,
    SummarizerSettings,
)
from bot.settings_values import check_zone, one_of
from bot.toml_file import read_toml
from bot.toml_text import toml_value
from bot.validate import feed_url_problem, normalise_feed_url

SLACK_MODES = ("socket", "http")
_BOOL = {
    "1": True,
    "true": True,
    "yes": True,
    "on": True,
    "0": False,
    "false": False,
    "no": False,
    "off": False,
}


# Tables of the config file that ``Settings`` does not keep as one object: their keys and
# types, for :func:`bot.settings_tables.read_section` to check and to refuse anything else
# (a misspelt ``[database] uri`` must not leave the data in the default database). A
# ``None`` default takes any value.
@dataclass(frozen=True)
class _DatabaseTable:
    url: str = ""
    # PostgreSQL connections the store of one process may open (the pool kept open, and
    # more while it is busy); the job queue's pool and the poller lock are apart from it.
    # SQLAlchemy's defaults, which every process had before these settings existed.
    pool_size: int = 5
    max_overflow: int = 10


@dataclass(frozen=True)
class _PermissionsTable:
    admin_commands: str = "admins"
    max_subscriptions: int = 10_000
    check_owners_hours: float = 24.0


@dataclass(frozen=True)
class _NetworkTable:
    allowed_hosts: tuple[str, ...] = ()


@dataclass(frozen=True)
class _FeedsTable:
    urls: tuple[str, ...] = ()


@dataclass(frozen=True)
class _StoryTable:
    name: Any = None
    seeds: tuple[str, ...] = ()
    title: Any = None


def _merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _merge(dict(out[key]), value)
        else:
            out[key] = value
    return out


# The longest a poller waits between two polls of a feed.
MAX_POLL_INTERVAL_S = PollPolicy.max_interval_s

# The longest period of the check of subscription owners, as the settings in seconds: a
# year. Longer, "now minus a period" left datetime's range (about 18 million hours) and
# every claim of a run failed.
MAX_CHECK_OWNERS_HOURS = 365 * 24


# The path a listener serves ([slack] http_path): what a request line's path can be
_URL_PATH = re.compile(r"/[^\s?#]*")


def _slack_mode(value: object) -> str | None:
    """``value`` as one of :data:`SLACK_MODES` whatever its case ("Socket", "HTTP"), or None."""
    return one_of(value, SLACK_MODES)


def _set_in(data: Mapping[str, Any], section: str, key: str) -> bool:
    table = data.get(section)
    return isinstance(table, Mapping) and key in table


def _database_url(
    env: Mapping[str, str], data: Mapping[str, Any], user: Mapping[str, Any], config_path: Any
) -> tuple[str, str]:
    """The database URL and where it came from (env var, config file, or the default).

    The source is kept with the settings so that a database that cannot be opened or
    written is blamed on what the operator actually set, not always on the env var.
    """
    from_env = env_value(env, "STORYBOT_DATABASE_URL")
    if from_env:
        return from_env, "STORYBOT_DATABASE_URL"
    if _set_in(user, "database", "url") and user["database"]["url"]:
        return str(user["database"]["url"]), f"{config_path}: [database] url"
    url = data.get("database", {}).get("url") or "sqlite:///storybot.db"
    return str(url), "the default database URL"


def _engine(raw: Any, where: str) -> dict[str, Any]:
    """Check the ``[engine]`` table now, so a bad value is a config error, not a traceback.

    The table is kept as a mapping (the app builds its ``EngineConfig`` from it); building
    one here runs the same checks (names, types, ranges) and reports them like every other
    section: ``ConfigError`` with the file and the setting.
    """
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where}: [engine] must be a table")
    try:
        EngineConfig.from_mapping(raw)
    except ValueError as exc:
        raise ConfigError(f"{where}: {exc}") from None
    return dict(raw)


def _outside_sections(path: str, keys: list[str], defaults: Mapping[str, Any]) -> str:
    """Say that ``keys`` were written above every ``[section]`` header of ``path``.

    A setting written at the top of the file (``timezone = "Europe/Berlin"``, no
    ``[delivery]`` line above it) is not a section, though it was reported as an unknown
    one; where the defaults have a setting of that name, the message names its section.
    """
    homes = []
    for key in keys:
        sections = [
            f"[{name}]"
            for name, table in defaults.items()
            if isinstance(table, dict) and key in table
        ]
        if sections:
            homes.append(f"{key} goes under {' or '.join(sections)}")
    where = f" ({'; '.join(homes)})" if homes else ""
    return (
        f"{path}: {', '.join(keys)}: a setting outside any section; settings go under "
        f"the [section] line of theirs, as in config/defaults.toml{where}"
    )


def load_settings(
    config_path: str | os.PathLike[str] | None = None,
    env: Mapping[str, str] | None = None,
) -> Settings:
    """Build settings from the defaults, an optional config file and the environment.

    Args:
        config_path: a TOML file overriding the defaults (``storybot --config PATH``);
            None for none (an empty path is refused).
        env: the environment to read (defaults to ``os.environ``); tests pass their own.

    Returns:
        The validated settings.

    Raises:
        ConfigError: a file is missing or invalid, or a value is wrong; the message names it.
    """
    from config import DEFAULTS_FILE

    env = os.environ if env is None else env
    if config_path is not None and not str(config_path).strip():
        # `--config "$CONF"` with CONF unset: not "no config file", which would run on the
        # defaults (a new database in the working directory) as if all were well
        raise ConfigError(
            "--config was given an empty path: give the TOML file, or leave --config out "
            "to use config/defaults.toml alone"
        )
    data = read_toml(DEFAULTS_FILE)
    where = str(DEFAULTS_FILE)
    user: dict[str, Any] = {}
    if config_path:
        user = read_toml(Path(config_path))
        refuse_secrets(user, str(config_path))
        known = {
            "database",
            "polling",
            "delivery",
            "permissions",
            "slack",
            "discord",
            "engine",
            "embeddings",
            "pages",
            "stories",
            "feeds",
            "network",
            "summarizer",
        }
        unknown = sorted(set(user) - known)
        loose = [key for key in unknown if not isinstance(user[key], (dict, list))]
        if loose:
            raise ConfigError(_outside_sections(str(config_path), loose, data))
        if unknown:
            raise ConfigError(
                f"{config_path}: unknown section(s): {', '.join(unknown)} (known: {', '.join(sorted(known))})"
            )
        data = _merge(data, user)
        where = str(config_path)

    polling = read_section(data, "polling", PollingSettings, where)
    if polling.min_interval_s > MAX_POLL_INTERVAL_S:
        # else the error below named default_interval_s, with a range no value is in
        raise ConfigError(
            f"{where}: [polling] min_interval_s must be at most {MAX_POLL_INTERVAL_S} seconds "
            f"(a day: every feed is polled at least daily), got {toml_value(polling.min_interval_s)}"
        )
    # the poller keeps every interval from min_interval_s to a day (bot.polling): a default
    # outside that would be stored with each new feed and silently not obeyed
    if not polling.min_interval_s <= polling.default_interval_s <= MAX_POLL_INTERVAL_S:
        # the operator may have set only one of the two: the other is named as the default,
        # not as a value to look for in a file that has none
        low = toml_value(polling.min_interval_s)
        if not _set_in(user, "polling", "min_interval_s"):
            low = f"{low}, the default"
        given = toml_value(polling.default_interval_s)
        if not _set_in(user, "polling", "default_interval_s"):
            given = f"{given} (the default)"
        raise ConfigError(
            f"{where}: [polling] default_interval_s must be from min_interval_s "
            f"({low}) to {MAX_POLL_INTERVAL_S} seconds, got {given}"
        )
    delivery = read_section(data, "delivery", DeliverySettings, where)
    delivery = replace(delivery, timezone=check_zone(delivery.timezone, where))
    slack_file = read_section(data, "slack", SlackSettings, where)
    file_mode = _slack_mode(slack_file.mode)
    if file_mode is None:
        raise ConfigError(
            f'{where}: [slack] mode must be "socket" or "http", got {toml_value(slack_file.mode)}'
        )
    if not _URL_PATH.fullmatch(slack_file.http_path):
        # else `run` in HTTP mode stopped with aiohttp's traceback ("path should be started
        # with /"), or listened on a path no request of Slack's can reach
        raise ConfigError(
            f"{where}: [slack] http_path must be a URL path: '/' and then no spaces, '?' or "
            f"'#' (e.g. \"/slack/events\"), got {toml_value(slack_file.http_path)}"
        )
    env_mode = env_value(env, "STORYBOT_SLACK_MODE")
    slack_mode = file_mode if env_mode is None else _slack_mode(env_mode)
    if slack_mode is None:
        raise ConfigError(
            f'STORYBOT_SLACK_MODE must be "socket" or "http", got {toml_value(env_mode)}'
        )
    discord_file = read_section(data, "discord", DiscordSettings, where)
    kind_from = where if _set_in(user, "summarizer", "kind") else str(DEFAULTS_FILE)
    summarizer = summarizer_settings(
        read_section(data, "summarizer", SummarizerSettings, where), env, where, kind_from
    )
    embeddings = read_section(data, "embeddings", EmbeddingSettings, where)
    if not isinstance(embeddings.enabled, bool):
        raise ConfigError(
            f"{where}: [embeddings] enabled must be true or false, "
            f"got {toml_value(embeddings.enabled)}"
        )
    flag = env.get("STORYBOT_EMBEDDINGS", "").strip()
    if flag:
        if flag.lower() not in _BOOL:
            raise ConfigError(
                f"STORYBOT_EMBEDDINGS must be one of {', '.join(sorted(_BOOL))}, "
                f"got {toml_value(flag)}"
            )
        embeddings = EmbeddingSettings(
            enabled=_BOOL[flag.lower()], batch_size=embeddings.batch_size
        )

    pages = read_section(data, "pages", PageSettings, where)
    if not isinstance(pages.enabled, bool):
        raise ConfigError(
            f"{where}: [pages] enabled must be true or false, got {toml_value(pages.enabled)}"
        )

    permissions = read_section(data, "permissions", _PermissionsTable, where)
    admin = one_of(permissions.admin_commands, ("admins", "everyone"))
    if admin is None:
        raise ConfigError(
            f'{where}: [permissions] admin_commands must be "admins" or "everyone", '
            f"got {toml_value(permissions.admin_commands)}"
        )
    hours = permissions.check_owners_hours
    if 0 < hours < 1 or hours > MAX_CHECK_OWNERS_HOURS:
        # one look-up per owner a run: more often than hourly only spends the rate limits;
        # a period beyond datetime's range failed every claim of a run (OverflowError)
        raise ConfigError(
            f"{where}: [permissions] check_owners_hours must be 0 (never) or from 1 to "
            f"{MAX_CHECK_OWNERS_HOURS:,} (a year), got {toml_value(hours)}"
        )

    database = read_section(data, "database", _DatabaseTable, where)  # the URL is read below
    db_url, db_source = _database_url(env, data, user, config_path)

    stories: list[StoryDecl] = []
    declared = data.get("stories", [])
    if not isinstance(declared, list):
        raise ConfigError(
            f"{where}: stories must be an array of tables: begin each story with [[stories]] "
            "(two brackets), then its name and seeds"
        )
    for i, raw in enumerate(declared):
        label = f"[[stories]] entry {i + 1}"
        if not isinstance(raw, Mapping):
            raise ConfigError(f"{where}: {label} needs a name and a list of seeds")
        decl = read_table(raw, "stories", _StoryTable, where, label)
        for key in ("name", "title"):  # `name = true` is no story called "True"
            value = getattr(decl, key)
            if value is not None and not isinstance(value, str):
                raise ConfigError(
                    f"{where}: {label} {key} must be a string, got {toml_value(value)}"
                )
        if not decl.name or not decl.seeds:
            raise ConfigError(f"{where}: {label} needs a name and a list of seeds")
        # names are matched ignoring case: a second entry of the same name (a block copied
        # and given new seeds, its name left as it was) would never be created, silently
        same = next(
            (n for n, s in enumerate(stories, 1) if s.name.casefold() == decl.name.casefold()),
            None,
        )
        if same is not None:
            first = stories[same - 1].name
            named = (
                f"are both named {toml_value(first)}"
                if first == decl.name
                else f"are named {toml_value(first)} and {toml_value(decl.name)}, one name "
                "to storybot (names "
                "are matched ignoring case)"
            )
            raise ConfigError(
                f"{where}: [[stories]] entries {same} and {i + 1} {named}: give each story "
                "a name of its own"
            )
        base = Path(where).parent if config_path else Path.cwd()
        seeds = tuple(s if "://" in s else str((base / s).resolve()) for s in decl.seeds)
        stories.append(StoryDecl(name=str(decl.name), seeds=seeds, title=decl.title))

    feeds = data.get("feeds", {})
    if not isinstance(feeds, Mapping):  # ``feeds = [...]`` outside any table: [feeds] urls
        feeds = {"urls": feeds}
    feed_urls = read_table(feeds, "feeds", _FeedsTable, where, "[feeds]").urls
    for url in feed_urls:
        problem = feed_url_problem(url)
        if problem:
            raise ConfigError(f"{where}: [feeds] {problem}")
    feed_urls = tuple(dict.fromkeys(normalise_feed_url(u) for u in feed_urls))

    allowed = checked_allowed_hosts(
        env.get("STORYBOT_ALLOWED_HOSTS", "").split(","), "STORYBOT_ALLOWED_HOSTS"
    )
    network = read_section(data, "network", _NetworkTable, where)
    allowed |= checked_allowed_hosts(network.allowed_hosts, f"{where}: [network] allowed_hosts")

    slack = SlackSettings(
        mode=slack_mode,
        http_port=slack_file.http_port,
        http_path=slack_file.http_path,
        bot_token=env_value(env, "SLACK_BOT_TOKEN"),
        app_token=env_value(env, "SLACK_APP_TOKEN"),
        signing_secret=env_value(env, "SLACK_SIGNING_SECRET"),
        api_url=endpoint(env, "STORYBOT_SLACK_API_URL", ("http", "https")),
    )
    if slack.bot_token and slack.mode == "socket" and not slack.app_token and slack.signing_secret:
        # A signing secret without an app token means the user wants HTTP mode.
        slack = SlackSettings(**{**slack.__dict__, "mode": "http"})
    discord = DiscordSettings(
        dev_guild_id=str(discord_file.dev_guild_id or ""),
        admin_servers=discord_file.admin_servers,
        token=env_value(env, "DISCORD_BOT_TOKEN"),
        api_url=endpoint(env, "STORYBOT_DISCORD_API_URL", ("http", "https")),
        gateway_url=endpoint(env, "STORYBOT_DISCORD_GATEWAY_URL", ("ws", "wss")),
    )
    engine = _engine(data.get("engine", {}), where)
    return Settings(
        database_url=db_url,
        database_source=db_source,
        database_pool_size=database.pool_size,
        database_max_overflow=database.max_overflow,
        polling=polling,
        delivery=delivery,
        admin_commands=admin,
        max_subscriptions=permissions.max_subscriptions,
        check_owners_hours=float(permissions.check_owners_hours),
        slack=slack,
        discord=discord,
        summarizer=summarizer,
        engine=engine,
        embeddings=embeddings,
        pages=pages,
        stories=tuple(stories),
        feeds=feed_urls,
        allowed_hosts=frozenset(allowed),
        config_path=str(config_path) if config_path else None,
    )
