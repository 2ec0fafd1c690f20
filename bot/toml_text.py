"""A config file's value as TOML writes it, for the error messages that quote one.

A message about the config file quotes the value it refuses; quoted as Python writes it
(``repr``), ``true`` read "True", a string came in single quotes and a date as
``datetime.date(1979, 5, 27)``: words of a language the file is not written in, which
send the operator looking for a ``True`` in a file that has none. :func:`toml_value`
writes what ``tomllib`` read back in TOML's own spelling. It cannot give the text as
typed (``tomllib`` keeps no source text): ``5.00`` comes back as ``5.0`` and ``0x10`` as
``16``, but a number is written as an integer or a float as it was read as one, so
``5`` stays ``5`` and ``5.0`` stays ``5.0``.

An environment variable's value is a string, and the errors refusing one quote it the same
way (``STORYBOT_SLACK_MODE must be "socket" or "http", got "soket"``), as typed (not in
the lower case some are compared in): double quotes are how a shell, an env file and a
config file write that string, and where it begins and ends (a blank, a comma) shows.
"""

from __future__ import annotations

import datetime
import math
import re
from collections.abc import Mapping
from typing import Any

# How much of a value a message quotes: enough to recognise it, not a screenful
SHOWN_CHARS = 60

# TOML's short escapes in a basic string; every other character a terminal would not show
# as itself (control characters, format characters such as U+200B) is written \uXXXX
_ESCAPES = {
    "\b": "\\b",
    "\t": "\\t",
    "\n": "\\n",
    "\f": "\\f",
    "\r": "\\r",
    '"': '\\"',
    "\\": "\\\\",
}
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def toml_value(value: Any, limit: int = SHOWN_CHARS) -> str:
    """``value``, as read from a TOML file, written as TOML writes it, in ``limit`` characters.

    ``true``/``false``; integers and floats as Python reads them back (``5``, ``5.0``,
    ``1e+16``, ``nan``, ``inf``); strings in double quotes with TOML's escapes; dates and
    times in RFC 3339; arrays as ``[1, "a"]`` and tables inline as ``{ a = 1 }``. A value
    longer than ``limit`` is cut and ends with "…". ``None``,
    which no TOML file gives (a default of ours may), is "nothing".

    Args:
        value: What ``tomllib`` read (or a default of the same kind).
        limit: The most characters to show.

    Returns:
        The value in TOML's spelling, for "got ..." in an error message.
    """
    text = _written(value)
    # not bot.render.shorten (its import chain): the engine's config quotes values too
    return text if len(text) <= limit else text[: limit - 1] + "…"


def toml_string(text: str) -> str:
    """``text`` as a TOML basic string: in double quotes, with TOML's escapes."""
    return '"' + "".join(_escaped(ch) for ch in text) + '"'


def _escaped(ch: str) -> str:
    if ch in _ESCAPES:
        return _ESCAPES[ch]
    if ch.isprintable():
        return ch
    code = ord(ch)
    return f"\\u{code:04X}" if code <= 0xFFFF else f"\\U{code:08X}"


def _written(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):  # before int: True is an int to Python
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"  # TOML has no signed nan worth telling apart here
        return repr(value)  # 5.0, 1e+16, inf, -inf: all TOML floats as they are
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, (datetime.date, datetime.time)):  # datetime is a date too
        return value.isoformat()
    if isinstance(value, Mapping):
        pairs = [f"{_key(k)} = {_written(v)}" for k, v in value.items()]
        return "{ " + ", ".join(pairs) + " }" if pairs else "{}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_written(item) for item in value) + "]"
    return str(value)


def _key(key: Any) -> str:
    text = str(key)
    return text if _BARE_KEY.fullmatch(text) else toml_string(text)
