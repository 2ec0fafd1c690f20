"""Reading a TOML file, with a one-line error for every way that can fail.

Opening, decoding and parsing a file fail in several ways, some with messages that point
at nothing a person can see (``tomllib`` on a byte-order mark, a file saved as UTF-16);
each becomes a ``ConfigError`` naming the file and what to do. The settings' config files and the
evaluation's engine configurations are read with this.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from bot.errors import ConfigError

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
