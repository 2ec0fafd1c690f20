"""A table of the config file read into a settings dataclass, every key checked.

The dataclass is the table's schema: its fields are the keys the table takes and each
default's type says how its value is checked (:mod:`bot.settings_values`). A key it does
not have is refused, naming the keys it does (a misspelt ``[database] uri`` must not leave
the data in the default database), and so is a key only the environment sets
(:data:`bot.settings_secrets.FROM_ENV_ONLY`), naming its variable.
"""

from __future__ import annotations

from typing import Any, Mapping

from bot.errors import ConfigError
from bot.settings_secrets import FROM_ENV_ONLY
from bot.settings_values import (
    ID_LISTS,
    ID_SETTINGS,
    check_id,
    check_ids,
    check_number,
    check_strings,
)
from bot.toml_text import toml_value


def read_section(data: Mapping[str, Any], name: str, cls: type, where: str) -> Any:
    """The table ``[name]`` of ``data`` as a ``cls``; a ConfigError for a wrong key or type."""
    return read_table(data.get(name, {}), name, cls, where, f"[{name}]")


def read_table(raw: Any, name: str, cls: type, where: str, label: str) -> Any:
    """``raw`` as a ``cls``, or a ConfigError naming ``label``: an unknown key, a wrong type.

    Each key's type is its default's in ``cls``: numbers are checked with their range
    (:func:`bot.settings_values.check_number`), a tuple is a list of strings, a string a
    string; ``None`` takes anything.
    """
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{where}: {label} must be a table")
    for key in raw:
        if (name, key) in FROM_ENV_ONLY:
            raise ConfigError(
                f"{where}: {label} {key}: {FROM_ENV_ONLY[(name, key)]} sets this, read only "
                "from the environment: set that variable and remove this line"
            )
    allowed = {
        f
        for f in cls.__dataclass_fields__  # type: ignore[attr-defined]
        if (name, f) not in FROM_ENV_ONLY
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
            kwargs[key] = check_number(name, key, value, default, where)
        elif (name, key) in ID_SETTINGS:
            kwargs[key] = check_id(name, key, value, where)
        elif (name, key) in ID_LISTS:
            kwargs[key] = check_ids(name, key, value, where)
        elif isinstance(default, tuple):
            kwargs[key] = check_strings(name, key, value, where, label)
        elif isinstance(default, str) and not isinstance(value, str):
            raise ConfigError(f"{where}: {label} {key} must be a string, got {toml_value(value)}")
        else:
            kwargs[key] = value
    return cls(**kwargs)
