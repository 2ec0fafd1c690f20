"""Settings: the shipped defaults, an optional TOML file, then the environment.

Precedence, lowest first: ``config/defaults.toml`` → the file given with ``--config`` →
environment variables. Secrets (tokens, signing secrets) are read from the environment only;
a config file that contains one is refused, so secrets never end up in a repository.
"""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
from dataclasses import dataclass, field, replace
from datetime import tzinfo
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.engine.config import EngineConfig, require_finite
from bot.errors import ConfigError
from bot.model import DIGEST_HOURS_RANGE, valid_digest_hours
from bot.polling import PollPolicy
from bot.render import is_secret_param, shown_url
from bot.toml_text import toml_value
from bot.validate import feed_url_problem, normalise_feed_url
from bot.zone_names import zone_names

SECRET_ENV = (
    "SLACK_BOT_TOKEN",
    "SLACK_APP_TOKEN",
    "SLACK_SIGNING_SECRET",
    "DISCORD_BOT_TOKEN",
    "STORYBOT_SUMMARIZER_API_KEY",
)
# Every STORYBOT_ variable storybot reads: the service's, then the test suite's and the
# benchmarks'. Any other is a typo (or a variable of another release): warned about, since
# ignoring it silently leaves the operator believing it took effect.
ENVIRONMENT = (
    "STORYBOT_DATABASE_URL",
    "STORYBOT_ALLOWED_HOSTS",
    "STORYBOT_SLACK_API_URL",
    "STORYBOT_SLACK_MODE",
    "STORYBOT_DISCORD_API_URL",
    "STORYBOT_DISCORD_GATEWAY_URL",
    "STORYBOT_EMBEDDINGS",
    "STORYBOT_SUMMARIZER",
    "STORYBOT_SUMMARIZER_URL",
    "STORYBOT_SUMMARIZER_MODEL",
    "STORYBOT_SUMMARIZER_API_KEY",
    "STORYBOT_TEST_POSTGRES_URL",
    "STORYBOT_SKIP_POSTGRES",
    "STORYBOT_SHARED",
    "STORYBOT_EVALDATA",
    "STORYBOT_BENCH_POSTGRES_URL",
)
_SECRET_KEYS = {
    "token",
    "bot_token",
    "app_token",
    "signing_secret",
    "secret",
    "password",
    "api_key",
}
# Settings only the environment gives (secrets, and the chat endpoints tests and proxies
# point elsewhere): a config file setting one would be ignored, so it is refused, naming
# the variable; nor are they among the settings an unknown key is told of
_FROM_ENV_ONLY = {
    ("slack", "bot_token"): "SLACK_BOT_TOKEN",
    ("slack", "app_token"): "SLACK_APP_TOKEN",
    ("slack", "signing_secret"): "SLACK_SIGNING_SECRET",
    ("slack", "api_url"): "STORYBOT_SLACK_API_URL",
    ("discord", "token"): "DISCORD_BOT_TOKEN",
    ("discord", "api_url"): "STORYBOT_DISCORD_API_URL",
    ("discord", "gateway_url"): "STORYBOT_DISCORD_GATEWAY_URL",
    ("summarizer", "api_key"): "STORYBOT_SUMMARIZER_API_KEY",
}
# URLs of the config file that may carry a password, and the variable to give them in instead
_URL_ENV = {"database.url": "STORYBOT_DATABASE_URL", "summarizer.url": "STORYBOT_SUMMARIZER_URL"}
SUMMARIZER_KINDS = ("extractive", "openai")
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


@dataclass(frozen=True)
class PollingSettings:
    tick_seconds: float = 30.0
    default_interval_s: int = 900
    min_interval_s: int = 300
    max_backoff_s: int = 21600
    timeout_s: float = 20.0
    max_body_bytes: int = 10 * 1024 * 1024
    max_entries_per_fetch: int = 500
    concurrency: int = 32
    per_host_concurrency: int = 2


@dataclass(frozen=True)
class DeliverySettings:
    tick_seconds: float = 2.0
    max_attempts: int = 20
    max_backoff_s: int = 3600
    default_max_per_hour: int = 10
    default_digest_hours: float = 24.0
    # keyword DMs only for items published at most this many days before they were
    # fetched (undated items always); 0: no limit. A feed's first poll lists its old
    # entries too (years old, some of them): news to storybot, not to a subscriber.
    notice_max_age_days: float = 7.0
    # the zone of `/story follow NAME digest HOURS at HH:MM` (an IANA name): checked at
    # start, so a typo stops the service rather than every such digest
    timezone: str = "UTC"

    @property
    def zone(self) -> tzinfo:
        """``timezone`` as a zone (the name was checked when the settings were read)."""
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class SlackSettings:
    mode: str = "socket"
    http_port: int = 3000
    http_path: str = "/slack/events"
    bot_token: str | None = field(default=None, repr=False)
    app_token: str | None = field(default=None, repr=False)
    signing_secret: str | None = field(default=None, repr=False)
    api_url: str | None = None

    @property
    def enabled(self) -> bool:
        if not self.bot_token:
            return False
        return bool(self.app_token) if self.mode == "socket" else bool(self.signing_secret)


@dataclass(frozen=True)
class DiscordSettings:
    dev_guild_id: str = ""
    # The servers (IDs, as digits) whose admins may change what every channel shares:
    # stories add|remove, feeds add|remove. Empty: the one server storybot is in, while it
    # is in only one (adapters/discord_chat/adapter.install_access).
    admin_servers: tuple[str, ...] = ()
    token: str | None = field(default=None, repr=False)
    api_url: str | None = None
    gateway_url: str | None = None

    @property
    def enabled(self) -> bool:
        return bool(self.token)


@dataclass(frozen=True)
class EmbeddingSettings:
    """Dense sentence embeddings as an extra relevance signal (needs the 'embed' extra)."""

    enabled: bool = False
    batch_size: int = 32


@dataclass(frozen=True)
class PageSettings:
    """Reading the linked page of an item whose feed gave no body (a headline-only feed).

    Off by default: it sends a request to each such article's site. Turned on, a new
    item with fewer than 8 words of summary and content has its link fetched (the feed
    fetcher's SSRF guard, ``max_bytes`` and ``timeout_s``) and is judged on the page's
    main text, as the engine judges full articles; a page whose failure may pass (a
    refused or dropped connection, HTTP 408, 429 or 5xx) is tried ``retries`` more times.
    If it still fails, or timed out, its item waits up to ``wait_s`` for the page (tried
    again 1, 3, 7, ... minutes later, at each poll tick that is due) before it is judged on
    its headline; 0 judges it on its headline at once. A page that failed for good (404, a
    refused address, no article text) leaves the item judged on its headline.
    """

    enabled: bool = False
    timeout_s: float = 15.0
    max_bytes: int = 5 * 1024 * 1024
    concurrency: int = 8
    per_host_concurrency: int = 2
    max_chars: int = 20_000
    retries: int = 2  # further tries of a page refused, dropped or answered 408/429/5xx
    retry_delay_s: float = 2.0  # before the first of them; doubled for each next one
    wait_s: float = 600.0  # how long an item may wait for a page that may come back


@dataclass(frozen=True)
class SummarizerSettings:
    """Who writes the summaries channels read.

    ``extractive`` (the default): the engine's cited sentences, nothing leaves the
    machine. ``openai``: an OpenAI-compatible Chat Completions API at ``url`` (OpenAI, or a
    self-hosted server such as vLLM or llama.cpp) rewrites each alert's sentences at
    delivery; the key comes from ``STORYBOT_SUMMARIZER_API_KEY``.
    """

    kind: str = "extractive"
    url: str = ""
    model: str = ""
    timeout_s: float = 20.0
    max_words: int = 80
    api_key: str | None = field(default=None, repr=False)

    @property
    def enabled(self) -> bool:
        return self.kind != "extractive"


@dataclass(frozen=True)
class StoryDecl:
    """A story declared in the config file: created on start if missing."""

    name: str
    seeds: tuple[str, ...]
    title: str | None = None


# Tables of the config file that ``Settings`` does not keep as one object: their keys and
# types, for ``_section`` to check and to refuse anything else (a misspelt ``[database]
# uri`` must not leave the data in the default database). A ``None`` default takes any value.
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


@dataclass(frozen=True)
class Settings:
    # not in repr: a PostgreSQL URL may hold a password (storage.engine.describe hides it)
    database_url: str = field(default="sqlite:///storybot.db", repr=False)
    # Where database_url came from, for error messages about it (see _database_url).
    database_source: str = "the default database URL"
    # [database] pool_size and max_overflow: see _DatabaseTable (PostgreSQL only)
    database_pool_size: int = 5
    database_max_overflow: int = 10
    polling: PollingSettings = PollingSettings()
    delivery: DeliverySettings = DeliverySettings()
    admin_commands: str = "admins"
    # keyword subscriptions the installation takes, everyone's together (0: no cap): each
    # is matched against every new item, so accounts without number must not grow it
    # without bound; /story subscribe is refused beyond it
    max_subscriptions: int = 10_000
    # how often the service asks Slack and Discord whether each subscription's owner is
    # still a member (bot.member_check), and at start when the last check is that old;
    # 0: never
    check_owners_hours: float = 24.0
    slack: SlackSettings = SlackSettings()
    discord: DiscordSettings = DiscordSettings()
    summarizer: SummarizerSettings = SummarizerSettings()
    engine: Mapping[str, Any] = field(default_factory=dict)
    embeddings: EmbeddingSettings = EmbeddingSettings()
    pages: PageSettings = PageSettings()
    stories: tuple[StoryDecl, ...] = ()
    feeds: tuple[str, ...] = ()
    allowed_hosts: frozenset[str] = frozenset()
    config_path: str | None = None


# UTF-8's byte-order mark, which Windows editors write (Notepad, PowerShell's Out-File):
# TOML allows it at the start (toml-lang/toml#437), but tomllib refuses it with "Invalid
# statement (at line 1, column 1)", which points at nothing a person can see
_BOM = "\ufeff"


def read_toml(path: Path) -> dict[str, Any]:
    """A TOML file's tables; a ConfigError in one line for every way reading it can fail."""
    try:
        with path.open("rb") as fh:
            data = fh.read()
        return tomllib.loads(data.decode("utf-8").removeprefix(_BOM))
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except IsADirectoryError:
        raise ConfigError(f"config path is a directory, not a file: {path}") from None
    except PermissionError:
        raise ConfigError(f"cannot read config file {path}: permission denied") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        # an editor's "Unicode" (UTF-16) or a Latin-1 "é": TOML is UTF-8 only
        raise ConfigError(
            f"config file {path} is not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at "
            f"offset {exc.start}): TOML files are UTF-8; save it as UTF-8"
        ) from None
    except ValueError as exc:
        # valid TOML Python will not read: an integer of more than 4,300 digits
        reason = str(exc).partition(";")[0]  # not Python's advice to raise its limit
        raise ConfigError(f"config file {path} has a value that cannot be read: {reason}") from None


def _merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _merge(dict(out[key]), value)
        else:
            out[key] = value
    return out


# libpq options named like a credential that name a file: a config file may give them
_FILE_PARAMS = frozenset({"sslkey"})


def _has_password(url: Any) -> bool:
    """Whether ``url`` holds a password: in its user info, or as a query parameter named
    like a credential (libpq's ``?password=``, a summarizer's ``?api_key=``)."""
    if not isinstance(url, str):
        return False
    try:
        parts = urlsplit(url.strip())
        if parts.password:
            return True
    except ValueError:
        return False
    return any(
        value and is_secret_param(name) and name.lower() not in _FILE_PARAMS
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
    )


# Values shaped like the secrets storybot is given, whatever key they were pasted under:
# refused (and not repeated) before any setting's own check would echo one in its error.
_TOKEN_SHAPES = (
    (re.compile(r"(?:xox[abposre]|xapp)-[A-Za-z0-9-]{10,}"), "a Slack token"),
    (
        re.compile(r"[A-Za-z0-9_-]{23,28}\.[A-Za-z0-9_-]{6,7}\.[A-Za-z0-9_-]{27,}"),
        "a Discord bot token",
    ),
    (re.compile(r"sk-[A-Za-z0-9_-]{20,}"), "an API key"),
)


def _token_kind(value: object) -> str | None:
    """What secret a config value (or an item of a list of them) looks like ("a Slack
    token"), or None."""
    if isinstance(value, list):
        return next((kind for kind in map(_token_kind, value) if kind), None)
    if not isinstance(value, str):
        return None
    text = value.strip()
    return next((kind for shape, kind in _TOKEN_SHAPES if shape.fullmatch(text)), None)


def _refuse_secrets(data: Mapping[str, Any], where: str, path: str = "") -> None:
    for key, value in data.items():
        dotted = f"{path}.{key}" if path else key
        if isinstance(value, Mapping):
            _refuse_secrets(value, where, dotted)
        elif key.lower() in _SECRET_KEYS and value:
            variable = _FROM_ENV_ONLY.get((path, key))
            if variable:  # a token of a known setting: the one variable that sets it
                raise ConfigError(
                    f"{where}: [{path}] {key}: {variable} sets this, read only from the "
                    "environment (it looks like a secret, and secrets never go in a config "
                    "file): set that variable and remove this line"
                )
            raise ConfigError(
                f"{where}: '{dotted}' looks like a secret; secrets are read from the environment "
                f"only ({', '.join(SECRET_ENV)})"
            )
        elif (kind := _token_kind(value)) is not None:
            raise ConfigError(
                f"{where}: '{dotted}' holds what looks like {kind}; secrets are read from "
                f"the environment only ({', '.join(SECRET_ENV)}): remove it from this file "
                "(and revoke it if the file was shared)"
            )
        elif dotted in _URL_ENV and _has_password(value):
            raise ConfigError(
                f"{where}: '{dotted}' contains a password or key; secrets are read from the environment "
                f"only: set {_URL_ENV[dotted]} instead"
            )


def _check_zone(name: str, where: str) -> str:
    """A ``[delivery] timezone`` as the IANA database spells it, in any letter case
    ("europe/berlin" is "Europe/Berlin"); refused, naming the closest known names, if
    this machine knows no such zone (:mod:`bot.zone_names`)."""
    problem = ""
    # "/" and ".." would name a file outside the zone database, "" none at all
    if name.strip() and name == name.strip() and not name.startswith("/") and ".." not in name:
        try:
            # the usual case, a name as the database spells it, needs no scan of the whole
            # database (tens of milliseconds at every command's start); a file system that
            # ignores case (macOS) loads "utc" here too, and keeps it as written
            ZoneInfo(name)
            return name
        except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: "Europe", a folder
            pass
        names = zone_names()
        known = names.canonical(name)
        if known is not None:
            return known
        if not names.by_folded:  # no /usr/share/zoneinfo and no tzdata package
            problem = "; this machine has no time zone database: install the tzdata package"
        elif close := names.closest(name):
            quoted = [f'"{c}"' for c in close]
            shown = quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"
            problem = f" (did you mean {shown}?)"
    raise ConfigError(
        f"{where}: [delivery] timezone must be an IANA time zone name such as "
        f'"Europe/Berlin" or "UTC", got {toml_value(name)}{problem}'
    )


# The longest a poller waits between two polls of a feed.
MAX_POLL_INTERVAL_S = PollPolicy.max_interval_s

# The smallest value a numeric setting may take, where zero (or less) makes no sense: a
# zero timeout fails every fetch, zero attempts never delivers, zero concurrency never
# polls. Keys are (section, setting); ``True`` in the third place means "more than".
_MINIMUM: dict[tuple[str, str], tuple[float, bool]] = {
    # 0 would be no limit at all to SQLAlchemy, the opposite of what it says
    ("database", "pool_size"): (1, False),
    ("polling", "tick_seconds"): (0, True),
    ("polling", "default_interval_s"): (1, False),
    ("polling", "min_interval_s"): (1, False),
    ("polling", "max_backoff_s"): (1, False),
    ("polling", "timeout_s"): (0, True),
    ("polling", "max_body_bytes"): (1, False),
    ("polling", "max_entries_per_fetch"): (1, False),
    ("polling", "concurrency"): (1, False),
    ("polling", "per_host_concurrency"): (1, False),
    ("delivery", "tick_seconds"): (0, True),
    ("delivery", "max_attempts"): (1, False),
    ("delivery", "max_backoff_s"): (1, False),
    ("delivery", "default_max_per_hour"): (1, False),
    ("summarizer", "timeout_s"): (0, True),
    ("summarizer", "max_words"): (1, False),
    ("pages", "timeout_s"): (0, True),
    ("pages", "max_bytes"): (1, False),
    ("pages", "concurrency"): (1, False),
    ("pages", "per_host_concurrency"): (1, False),
    ("pages", "max_chars"): (1, False),
    ("embeddings", "batch_size"): (1, False),
}


# Settings held to the range of a command that takes the same value: the check (True when
# in range) and the range as the message says it. A default digest period outside what
# `/story follow NAME digest HOURS` takes would give every plain `follow NAME digest` a
# digest every few seconds, or never.
_RANGES: dict[tuple[str, str], tuple[Callable[[float], bool], str]] = {
    ("delivery", "default_digest_hours"): (
        valid_digest_hours,
        f"a number {DIGEST_HOURS_RANGE} (the hours /story follow NAME digest HOURS takes)",
    ),
}

# The largest value a numeric setting may take, where more is a mistake that would stall
# the service: [pages] retries waits retry_delay_s, then twice as long for each next try,
# inside the poll cycle (10 retries of 2 s: 34 minutes; 30: 68 years).
_MAXIMUM: dict[tuple[str, str], int] = {
    ("pages", "retries"): 10,
    ("delivery", "notice_max_age_days"): 36500,
}

# The longest duration a setting in seconds (``..._s``, ``tick_seconds``) may give. Far
# above any use, and far below what overflows: a finite 1e15 passed every check and
# `run` then ended in the scheduler's or the pipeline's OverflowError traceback.
MAX_SECONDS = 365 * 86400


# The longest period of the check of subscription owners, as the settings in seconds: a
# year. Longer, "now minus a period" left datetime's range (about 18 million hours) and
# every claim of a run failed.
MAX_CHECK_OWNERS_HOURS = 365 * 24


def _in_seconds(key: str) -> bool:
    return key.endswith(("_s", "_seconds"))


# TCP ports listened on: 0 would be a random one, 70000 none
_PORTS = frozenset({("slack", "http_port")})
# The path a listener serves ([slack] http_path): what a request line's path can be
_URL_PATH = re.compile(r"/[^\s?#]*")


def _check_number(name: str, key: str, value: Any, default: Any, where: str) -> Any:
    """``value`` for the numeric setting ``[name] key``, or a ConfigError naming the range.

    Integer settings (byte counts, attempts, concurrency) take whole numbers only: ``1.5``
    bytes is refused rather than silently used as a float.
    """
    whole = isinstance(default, int)
    if (name, key) in _PORTS:
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 65535:
            raise ConfigError(
                f"{where}: [{name}] {key} must be a port, from 1 to 65535, got {toml_value(value)}"
            )
        return value
    low, strict = _MINIMUM.get((name, key), (0, False))
    high = _MAXIMUM.get((name, key))
    if strict:
        allowed = f"a number greater than {low:g}"
    elif high is not None:
        allowed = f"{'a whole number' if whole else 'a number'} from {low:g} to {high:g}"
    else:
        allowed = f"{'a whole number' if whole else 'a number'} of at least {low:g}"
    number = not isinstance(value, bool) and isinstance(value, (int, float))
    if number:
        try:  # as [engine] refuses them: nan passes every comparison below, inf overflows
            require_finite(f"[{name}] {key}", value)
        except ValueError as exc:
            raise ConfigError(f"{where}: {exc}") from None
    if (name, key) in _RANGES:
        in_range, allowed = _RANGES[(name, key)]
        out = not number or not in_range(value)
    else:
        out = not number or (value <= low if strict else value < low)
        out = out or (high is not None and value > high)
    if out or (whole and not float(value).is_integer()):
        raise ConfigError(f"{where}: [{name}] {key} must be {allowed}, got {toml_value(value)}")
    if _in_seconds(key) and value > MAX_SECONDS:
        raise ConfigError(
            f"{where}: [{name}] {key} must be at most {MAX_SECONDS:,} seconds (a year), "
            f"got {toml_value(value)}"
        )
    return int(value) if whole else value


# List settings: what their strings are, and an example, for the message refusing
# anything but a list of strings (a string alone would be read character by character).
_STRING_LISTS: dict[tuple[str, str], tuple[str, str]] = {
    ("network", "allowed_hosts"): ("strings", '["127.0.0.1"]'),
    ("feeds", "urls"): ("URLs", '["https://example.com/feed.xml"]'),
    ("stories", "seeds"): ("file paths or URLs", '["seeds/article.txt"]'),
}


def _check_strings(name: str, key: str, value: Any, where: str, label: str) -> tuple[str, ...]:
    """``value`` for the list setting ``key`` of ``label``, or a ConfigError with an example."""
    what, example = _STRING_LISTS.get((name, key), ("strings", '["..."]'))
    if isinstance(value, (list, tuple)):
        wrong = next((item for item in value if not isinstance(item, str)), None)
        if wrong is None:
            return tuple(value)
        got = f"{toml_value(wrong)} in the list"
    else:
        got = toml_value(value)
    raise ConfigError(
        f"{where}: {label} {key} must be a list of {what}, e.g. {key} = {example}, got {got}"
    )


# String settings that hold a numeric ID: TOML lets them be written as a number, which is
# kept as its digits; anything but digits (or "", none) is refused now, not when it is used.
_ID_SETTINGS: dict[tuple[str, str], str] = {("discord", "dev_guild_id"): "a server ID"}
_ID_DIGITS = 20
# List settings of such IDs: each written as a number or a string of digits.
_ID_LISTS: dict[tuple[str, str], str] = {("discord", "admin_servers"): "server IDs"}


def is_numeric_id(text: str) -> bool:
    """Whether ``text`` is an ID of digits: ASCII digits, at most 20 (a 64-bit Discord
    snowflake), not all zeros. Not ``int()``: it takes "-5", "1_2" and " 7", and refuses
    more than 4,300 digits with its own error."""
    return text.isascii() and text.isdigit() and len(text) <= _ID_DIGITS and bool(text.strip("0"))


def _check_id(name: str, key: str, value: Any, where: str) -> str:
    """``value`` for the ID setting ``[name] key`` as a string of digits ("" for none)."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return str(value)
    if isinstance(value, str):
        text = value.strip()
        if not text or is_numeric_id(text):
            return text
    raise ConfigError(
        f"{where}: [{name}] {key} must be {_ID_SETTINGS[(name, key)]}, digits only (e.g. "
        f'{key} = 123456789012345678 or "123456789012345678"; "" for none), '
        f"got {toml_value(value)}"
    )


def _check_ids(name: str, key: str, value: Any, where: str) -> tuple[str, ...]:
    """``value`` for the list setting ``[name] key`` of IDs, each as a string of digits."""
    wrong: Any = value
    if isinstance(value, (list, tuple)):
        ids = []
        for item in value:
            if isinstance(item, int) and not isinstance(item, bool):
                text = str(item)
            elif isinstance(item, str):
                text = item.strip()
            else:
                break
            if not is_numeric_id(text):
                break
            ids.append(text)
        else:
            return tuple(dict.fromkeys(ids))
        wrong = item
    got = toml_value(wrong) + (" in the list" if wrong is not value else "")
    raise ConfigError(
        f"{where}: [{name}] {key} must be a list of {_ID_LISTS[(name, key)]}, digits only "
        f'(e.g. {key} = [123456789012345678, "234567890123456789"]; [] for none), got {got}'
    )


def _section(data: Mapping[str, Any], name: str, cls: type, where: str) -> Any:
    """The table ``[name]`` of ``data`` as a ``cls``; a ConfigError for a wrong key or type."""
    return _table(data.get(name, {}), name, cls, where, f"[{name}]")


def _table(raw: Any, name: str, cls: type, where: str, label: str) -> Any:
    """``raw`` as a ``cls``, or a ConfigError naming ``label``: an unknown key, a wrong type.

    Each key's type is its default's in ``cls``: numbers are checked with their range
    (``_MINIMUM``), a tuple is a list of strings, a string a string; ``None`` takes anything.
    """
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where}: {label} must be a table")
    for key in raw:
        if (name, key) in _FROM_ENV_ONLY:
            raise ConfigError(
                f"{where}: {label} {key}: {_FROM_ENV_ONLY[(name, key)]} sets this, read only "
                "from the environment: set that variable and remove this line"
            )
    allowed = {
        f
        for f in cls.__dataclass_fields__  # type: ignore[attr-defined]
        if (name, f) not in _FROM_ENV_ONLY
    }
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise ConfigError(
            f"{where}: unknown setting(s) in {label}: {', '.join(unknown)} "
            f"(known: {', '.join(sorted(allowed))})"
        )
    kwargs = {}
    for key, value in raw.items():
        default = cls.__dataclass_fields__[key].default  # type: ignore[attr-defined]
        if isinstance(default, bool) or default is None:
            kwargs[key] = value
        elif isinstance(default, (int, float)):
            kwargs[key] = _check_number(name, key, value, default, where)
        elif (name, key) in _ID_SETTINGS:
            kwargs[key] = _check_id(name, key, value, where)
        elif (name, key) in _ID_LISTS:
            kwargs[key] = _check_ids(name, key, value, where)
        elif isinstance(default, tuple):
            kwargs[key] = _check_strings(name, key, value, where, label)
        elif isinstance(default, str) and not isinstance(value, str):
            raise ConfigError(f"{where}: {label} {key} must be a string, got {toml_value(value)}")
        else:
            kwargs[key] = value
    return cls(**kwargs)


_SUMMARIZER_ENV = {"url": "STORYBOT_SUMMARIZER_URL", "model": "STORYBOT_SUMMARIZER_MODEL"}


def _env_value(env: Mapping[str, str], name: str) -> str | None:
    """The variable ``name`` of ``env``, stripped; None when it is unset or empty.

    Stripped because no token, key or URL holds a blank at either end, and an env-file
    line's trailing blank would otherwise be sent with a token (refused as invalid).

    Empty is unset (``NAME=`` in an EnvironmentFile, a compose file's ``${VAR}`` of an unset
    VAR), as for STORYBOT_DATABASE_URL and the tokens: not a value to refuse, nor a blank
    overriding the config file.
    """
    return env.get(name, "").strip() or None


def _one_of(value: object, choices: tuple[str, ...]) -> str | None:
    """``value`` as one of ``choices`` (all lower case) whatever its case, or None.

    Case is ignored as in STORYBOT_EMBEDDINGS: nothing else could be meant by "Socket",
    "Extractive" or "Everyone". Callers quote a refused value as it was typed.
    """
    folded = value.lower() if isinstance(value, str) else None
    return folded if folded in choices else None


def _slack_mode(value: object) -> str | None:
    """``value`` as one of :data:`SLACK_MODES` whatever its case ("Socket", "HTTP"), or None."""
    return _one_of(value, SLACK_MODES)


def _summarizer(
    file: SummarizerSettings, env: Mapping[str, str], where: str, kind_from: str
) -> SummarizerSettings:
    """The summarizer settings, env over file; errors name where ``kind`` was set.

    ``kind_from`` is the file that set ``[summarizer] kind``; when STORYBOT_SUMMARIZER
    chose it, that variable is named instead, since that is what the operator changed.
    """
    from_env = _env_value(env, "STORYBOT_SUMMARIZER")
    if from_env is not None:
        kind = from_env
        kind_from = f"STORYBOT_SUMMARIZER={toml_value(kind)}"
    else:
        kind = file.kind
        kind_from = f"{kind_from}: [summarizer] kind = {toml_value(kind)}"
    chosen = _one_of(kind, SUMMARIZER_KINDS)
    if chosen is None:
        raise ConfigError(
            f"{kind_from}: the summarizer kind must be one of {', '.join(SUMMARIZER_KINDS)}"
        )
    kind = chosen
    out = SummarizerSettings(
        kind=kind,
        url=_env_value(env, "STORYBOT_SUMMARIZER_URL") or file.url,
        model=_env_value(env, "STORYBOT_SUMMARIZER_MODEL") or file.model,
        timeout_s=file.timeout_s,
        max_words=file.max_words,
        api_key=_env_value(env, "STORYBOT_SUMMARIZER_API_KEY"),
    )
    if out.enabled:
        missing = [name for name in ("url", "model") if not getattr(out, name)]
        if missing:
            raise ConfigError(
                f"{kind_from} needs {' and '.join(missing)}: set [summarizer] "
                f"{' and '.join(missing)} in the config file or "
                f"{' and '.join(_SUMMARIZER_ENV[m] for m in missing)} "
                '(e.g. url = "https://api.openai.com/v1", model = "gpt-4o-mini")'
            )
        if not _http_url_usable(out.url):
            # else every alert failed over to the extractive summary, with a warning in
            # the log: a configuration error looking like an outage of the API
            url_from = (
                "STORYBOT_SUMMARIZER_URL"
                if _env_value(env, "STORYBOT_SUMMARIZER_URL")
                else f"{where}: [summarizer] url"
            )
            raise ConfigError(
                f"{url_from} must be an http(s) URL with a host and a port from 1 to 65535 "
                f"(if it has one), got {toml_value(shown_url(out.url))}"
            )
    return out


def _http_url_usable(url: str) -> bool:
    """Whether ``url`` is an http(s) URL a client can call: a host, and a port (if it
    gives one) from 1 to 65535."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port  # read only when asked: ":99999" and ":abc" raise then
    except ValueError:  # "http://[::1" and the like
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname) and port != 0


def _endpoint(env: Mapping[str, str], name: str, schemes: tuple[str, str]) -> str | None:
    """A chat platform's base URL from the environment (None: the platform's own).

    Checked here: a value that is no URL would otherwise surface as a traceback of the
    HTTP client (`storybot discord sync`) or as a connection `storybot run` retries
    for ever with back-off, a configuration error looking like an outage.

    Raises:
        ConfigError: It is not a URL of one of ``schemes`` with a host, or its port
            is not from 1 to 65535.
    """
    value = _env_value(env, name)  # blanks alone are unset; blanks around are not its
    if value is None:
        return None
    try:
        parts = urlsplit(value)
        usable = parts.scheme.lower() in schemes and bool(parts.hostname)
    except ValueError:  # "http://[::1" and the like
        usable = False
    if not usable:
        kind = "an http(s) URL" if schemes[0] == "http" else "a ws(s) URL"
        raise ConfigError(f"{name} must be {kind} with a host, got {toml_value(shown_url(value))}")
    try:  # urlsplit reads the port only when asked: ":99999" and ":abc" raise then
        port = parts.port
    except ValueError:
        port = 0
    if port == 0:
        raise ConfigError(
            f"{name} must have a port from 1 to 65535, got {toml_value(shown_url(value))}"
        )
    return value


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
    from_env = _env_value(env, "STORYBOT_DATABASE_URL")
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


_HOST_PORT = re.compile(r"\[(?P<v6>[^\]]*)\]:\d+|(?P<host>[^:]*):\d+")
_ALLOWED_HOST_KINDS = (
    "an IP address (127.0.0.1, ::1), a network (CIDR: 10.0.0.0/8) or a host name "
    "(letters, digits, hyphens and dots: feeds.internal)"
)


def _host_name_problem(name: str) -> str | None:
    """What makes ``name`` no host name, in a few words; None if it is one.

    Labels of letters (any script: an IDN is a name), digits, hyphens (not first or last)
    and underscores (internal names such as Docker services have them), 1 to 63
    characters each, 253 in all; a trailing dot is the root. A name whose last label is
    all digits would be an IPv4 address, and is not one.
    """
    name = name[:-1] if name.endswith(".") else name
    labels = name.split(".")
    if not name or len(name) > 253 or any(not 0 < len(label) <= 63 for label in labels):
        return "not a host name"
    if any(not (ch.isalnum() or ch in "-_") for ch in name.replace(".", "")):
        return "not a host name"
    if any(label.startswith("-") or label.endswith("-") for label in labels):
        return 'not a host name (a part of a name cannot start or end with "-")'
    if labels[-1].isascii() and labels[-1].isdigit():
        return "not an IP address"
    return None


def _is_ip(entry: str) -> bool:
    """Whether ``entry`` is an IP address or a CIDR network (an IPv6 address may be in
    brackets)."""
    bare = entry[1:-1] if entry.startswith("[") and entry.endswith("]") else entry
    try:
        ipaddress.ip_network(bare, strict=False)
    except ValueError:
        return False
    return True


def allowed_host_problem(entry: str) -> str | None:
    """Say what is wrong with an entry of the SSRF guard's allow list, or None.

    An entry is an IP address, a CIDR network or a host name (an IDN too), and it allows
    every port: ``127.0.0.1:33433`` is refused, not read as ``127.0.0.1`` (it would allow
    more than it says) nor as a name (it would silently allow nothing), and so is a URL.
    ``STORYBOT_ALLOWED_HOSTS`` and ``[network] allowed_hosts`` are checked with this, and
    ``adapters.feeds.netguard.AddressGuard`` refuses what it refuses.

    Args:
        entry: One entry, stripped; an empty one is no entry, and not checked here.

    Returns:
        A one-line message naming the entry and what to write instead, or None.
    """
    shown = toml_value(entry)
    if "/" in entry and "://" not in entry:
        if _is_ip(entry):
            return None
        return f'{shown} is not a network (an address, "/" and a prefix length: 10.0.0.0/8)'
    if _is_ip(entry):
        return None
    if "*" in entry:
        return (
            f"{shown}: wildcards are not supported; list each host name, or the network "
            "(CIDR) of their addresses"
        )
    if "://" in entry:
        try:
            host = urlsplit(entry).hostname
        except ValueError:
            host = None
        instead = f": write its host only, {toml_value(host)}" if host else ""
        return f"{shown} is a URL, not a host{instead}; it must be {_ALLOWED_HOST_KINDS}"
    port = _HOST_PORT.fullmatch(entry)
    if port:
        host = port["v6"] if port["v6"] is not None else port["host"]
        names = port["v6"] is None  # "[...]" holds an IPv6 address, not a name
        if _is_ip(host) or (names and _host_name_problem(host) is None):
            return (
                f"{shown} has a port; ports are not part of an allowed host (it allows all "
                f"of the host's ports): write {toml_value(host)}"
            )
    problem = _host_name_problem(entry)
    return f"{shown} is {problem}; it must be {_ALLOWED_HOST_KINDS}" if problem else None


def checked_allowed_hosts(entries: Iterable[str], source: str) -> set[str]:
    """The allow list's entries, stripped and in lower case; a ConfigError naming
    ``source`` (the variable or config key) and the first bad entry. Empty entries (of
    ``a,,b``) are skipped."""
    allowed = set()
    for raw in entries:
        entry = raw.strip()
        if not entry:
            continue
        problem = allowed_host_problem(entry)  # named as it was written, not lowered
        if problem:
            raise ConfigError(f"{source}: {problem}")
        allowed.add(entry.lower())
    return allowed


def unknown_variables(env: Mapping[str, str]) -> list[tuple[str, str | None]]:
    """The ``STORYBOT_`` variables of ``env`` that storybot does not read, in name order.

    Args:
        env: An environment.

    Returns:
        ``(name, the known name it is closest to, or None)`` for each: what a warning
        needs to say which variable was probably meant.
    """
    import difflib

    return [
        (name, next(iter(difflib.get_close_matches(name, ENVIRONMENT, n=1, cutoff=0.8)), None))
        for name in sorted(env)
        if name.startswith("STORYBOT_") and name not in ENVIRONMENT
    ]


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
        _refuse_secrets(user, str(config_path))
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

    polling = _section(data, "polling", PollingSettings, where)
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
    delivery = _section(data, "delivery", DeliverySettings, where)
    delivery = replace(delivery, timezone=_check_zone(delivery.timezone, where))
    slack_file = _section(data, "slack", SlackSettings, where)
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
    env_mode = _env_value(env, "STORYBOT_SLACK_MODE")
    slack_mode = file_mode if env_mode is None else _slack_mode(env_mode)
    if slack_mode is None:
        raise ConfigError(
            f'STORYBOT_SLACK_MODE must be "socket" or "http", got {toml_value(env_mode)}'
        )
    discord_file = _section(data, "discord", DiscordSettings, where)
    kind_from = where if _set_in(user, "summarizer", "kind") else str(DEFAULTS_FILE)
    summarizer = _summarizer(
        _section(data, "summarizer", SummarizerSettings, where), env, where, kind_from
    )
    embeddings = _section(data, "embeddings", EmbeddingSettings, where)
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

    pages = _section(data, "pages", PageSettings, where)
    if not isinstance(pages.enabled, bool):
        raise ConfigError(
            f"{where}: [pages] enabled must be true or false, got {toml_value(pages.enabled)}"
        )

    permissions = _section(data, "permissions", _PermissionsTable, where)
    admin = _one_of(permissions.admin_commands, ("admins", "everyone"))
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

    database = _section(data, "database", _DatabaseTable, where)  # the URL is read below
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
        decl = _table(raw, "stories", _StoryTable, where, label)
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
    feed_urls = _table(feeds, "feeds", _FeedsTable, where, "[feeds]").urls
    for url in feed_urls:
        problem = feed_url_problem(url)
        if problem:
            raise ConfigError(f"{where}: [feeds] {problem}")
    feed_urls = tuple(dict.fromkeys(normalise_feed_url(u) for u in feed_urls))

    allowed = checked_allowed_hosts(
        env.get("STORYBOT_ALLOWED_HOSTS", "").split(","), "STORYBOT_ALLOWED_HOSTS"
    )
    network = _section(data, "network", _NetworkTable, where)
    allowed |= checked_allowed_hosts(network.allowed_hosts, f"{where}: [network] allowed_hosts")

    slack = SlackSettings(
        mode=slack_mode,
        http_port=slack_file.http_port,
        http_path=slack_file.http_path,
        bot_token=_env_value(env, "SLACK_BOT_TOKEN"),
        app_token=_env_value(env, "SLACK_APP_TOKEN"),
        signing_secret=_env_value(env, "SLACK_SIGNING_SECRET"),
        api_url=_endpoint(env, "STORYBOT_SLACK_API_URL", ("http", "https")),
    )
    if slack.bot_token and slack.mode == "socket" and not slack.app_token and slack.signing_secret:
        # A signing secret without an app token means the user wants HTTP mode.
        slack = SlackSettings(**{**slack.__dict__, "mode": "http"})
    discord = DiscordSettings(
        dev_guild_id=str(discord_file.dev_guild_id or ""),
        admin_servers=discord_file.admin_servers,
        token=_env_value(env, "DISCORD_BOT_TOKEN"),
        api_url=_endpoint(env, "STORYBOT_DISCORD_API_URL", ("http", "https")),
        gateway_url=_endpoint(env, "STORYBOT_DISCORD_GATEWAY_URL", ("ws", "wss")),
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
