"""The checks of single values of the config file: numbers, lists, IDs, time zones, choices.

Each takes a value as ``tomllib`` read it and returns it as the settings keep it, or raises
a ``ConfigError`` that names the file, the setting, what it takes and what it got (in
TOML's spelling, :mod:`bot.toml_text`). Checked when the settings are read, so a value
that makes no sense (a zero timeout, ``1.5`` bytes, a time zone typo, an ID with a
letter) stops storybot at start rather than surfacing later as a traceback or as a
service that silently does nothing. :mod:`bot.settings_tables` picks the check of each
key of a table; :mod:`bot.settings` calls the rest.
"""

from __future__ import annotations

from typing import Any, Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.engine.config import require_finite
from bot.errors import ConfigError
from bot.model import DIGEST_HOURS_RANGE, valid_digest_hours
from bot.toml_text import toml_value
from bot.zone_names import zone_names


def check_zone(name: str, where: str) -> str:
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


def _in_seconds(key: str) -> bool:
    return key.endswith(("_s", "_seconds"))


# TCP ports listened on: 0 would be a random one, 70000 none
_PORTS = frozenset({("slack", "http_port")})


def check_number(name: str, key: str, value: Any, default: Any, where: str) -> Any:
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


def check_strings(name: str, key: str, value: Any, where: str, label: str) -> tuple[str, ...]:
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
ID_SETTINGS: dict[tuple[str, str], str] = {("discord", "dev_guild_id"): "a server ID"}
_ID_DIGITS = 20
# List settings of such IDs: each written as a number or a string of digits.
ID_LISTS: dict[tuple[str, str], str] = {("discord", "admin_servers"): "server IDs"}


def is_numeric_id(text: str) -> bool:
    """Whether ``text`` is an ID of digits: ASCII digits, at most 20 (a 64-bit Discord
    snowflake), not all zeros. Not ``int()``: it takes "-5", "1_2" and " 7", and refuses
    more than 4,300 digits with its own error."""
    return text.isascii() and text.isdigit() and len(text) <= _ID_DIGITS and bool(text.strip("0"))


def check_id(name: str, key: str, value: Any, where: str) -> str:
    """``value`` for the ID setting ``[name] key`` as a string of digits ("" for none)."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return str(value)
    if isinstance(value, str):
        text = value.strip()
        if not text or is_numeric_id(text):
            return text
    raise ConfigError(
        f"{where}: [{name}] {key} must be {ID_SETTINGS[(name, key)]}, digits only (e.g. "
        f'{key} = 123456789012345678 or "123456789012345678"; "" for none), '
        f"got {toml_value(value)}"
    )


def check_ids(name: str, key: str, value: Any, where: str) -> tuple[str, ...]:
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
        f"{where}: [{name}] {key} must be a list of {ID_LISTS[(name, key)]}, digits only "
        f'(e.g. {key} = [123456789012345678, "234567890123456789"]; [] for none), got {got}'
    )


def one_of(value: object, choices: tuple[str, ...]) -> str | None:
    """``value`` as one of ``choices`` (all lower case) whatever its case, or None.

    Case is ignored as in STORYBOT_EMBEDDINGS: nothing else could be meant by "Socket",
    "Extractive" or "Everyone". Callers quote a refused value as it was typed.
    """
    folded = value.lower() if isinstance(value, str) else None
    return folded if folded in choices else None
