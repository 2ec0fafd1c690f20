"""The ``storybot`` command line's argument types: the checks of a flag's or word's value.

Each takes the word as typed and returns the value the command runs with, or raises
:class:`argparse.ArgumentTypeError` with what was wrong, so a mistyped value is a usage
error (exit 2) saying what the value must be (a range, a form such as ``#12`` or
``PLATFORM:ID``), refused before any configuration or database is read. The limits the
checks hold values to (:data:`MAX_MESSAGE_ID`, :data:`MAX_AGE_MINUTES`) live beside the
checks that apply them. Kept apart from the sub-commands' builders
(``adapters.cli_parsers_*``) because several of them share a check.
"""

from __future__ import annotations

import argparse

from bot.settings_values import is_numeric_id


def _number(text: str, unit: str, *, positive: bool) -> float:
    """A finite number of ``unit``: more than 0 if ``positive``, else 0 or more."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    above = value > 0 if positive else value >= 0  # False for nan, as value < inf is
    if not (above and value < float("inf")):
        least = "more than 0" if positive else "0 or more"
        raise argparse.ArgumentTypeError(f"not a number of {unit} ({least}): {text!r}")
    return value


def seconds(text: str) -> float:
    """A duration option: a finite number of seconds, 0 or more."""
    return _number(text, "seconds", positive=False)


def positive_seconds(text: str) -> float:
    """A period option: a finite number of seconds, more than 0 (0 would loop unpaused)."""
    return _number(text, "seconds", positive=True)


# the largest id a message can have (storage.models.MAX_ROW_ID, not imported: the parser
# loads no SQLAlchemy): a larger id was "integer out of range" on PostgreSQL, and beyond
# 2**63 an overflow on SQLite
MAX_MESSAGE_ID = 2**31 - 1


def message_id(text: str) -> int:
    """An ``outbox --retry``/``--discard`` id as ``storybot outbox`` shows it: ``12`` or ``#12``.

    ASCII digits, from 1 to the largest id a row can have: ``int`` alone also took ``-5``,
    ``0`` and ``1_2`` (ids no message has), and an id too large for the column failed in
    the query, a traceback instead of a usage error.
    """
    digits = text.removeprefix("#")
    if digits.isascii() and digits.isdigit() and 0 < int(digits) <= MAX_MESSAGE_ID:
        return int(digits)
    raise argparse.ArgumentTypeError(
        f"not a message id: {text!r} (give the #IDs storybot outbox lists, e.g. 12 or #12)"
    )


# ``health --max-age`` at most: about 1,900 years, far inside what a timedelta holds
MAX_AGE_MINUTES = 1_000_000_000


def minutes(text: str) -> float:
    """``health --max-age``: a finite number of minutes, more than 0 (and not absurd)."""
    value = _number(text, "minutes", positive=True)
    if value > MAX_AGE_MINUTES:
        raise argparse.ArgumentTypeError(
            f"too many minutes: {text!r} (at most {MAX_AGE_MINUTES:,})"
        )
    return value


def count(text: str) -> int:
    """A whole number, 0 or more."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        raise argparse.ArgumentTypeError(f"not a whole number (0 or more): {text!r}")
    return value


def server_id(text: str) -> int:
    """``discord sync --guild``: a server ID, ASCII digits and more than 0.

    As ``[discord] dev_guild_id`` is checked (``bot.settings_values``). ``int`` alone took ``0``,
    ``-5`` and ``1_2``: the commands went to a server that does not exist, Discord's
    refusal came back as a bare 404, and for ``0`` the success line said "all servers".
    """
    digits = text.strip()
    if not is_numeric_id(digits):
        raise argparse.ArgumentTypeError(
            f"not a server ID: {text!r} (the server's number, e.g. 123456789012345678: "
            "right-click the server with Developer Mode on, Copy Server ID)"
        )
    return int(digits)


def user(text: str) -> tuple[str, str]:
    """A ``subscriptions --user``: ``PLATFORM:ID`` (see ``subscription_admin.parse_user``)."""
    from adapters.subscription_admin import parse_user

    try:
        return parse_user(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def subscription_id(text: str) -> int:
    """A subscription id as ``storybot subscriptions`` and ``/story`` show it: ``12`` or ``#12``."""
    digits = text.removeprefix("#")
    if digits.isascii() and digits.isdigit() and 0 < int(digits) <= MAX_MESSAGE_ID:
        return int(digits)
    raise argparse.ArgumentTypeError(
        f"not a subscription id: {text!r} (give the #IDs `storybot subscriptions --user "
        "PLATFORM:ID` lists, e.g. 12 or #12)"
    )


def channel(text: str) -> tuple[str, str]:
    """A ``follows remove`` CHANNEL: ``PLATFORM:ID`` (see ``follow_admin.parse_channel``)."""
    from adapters.follow_admin import parse_channel

    try:
        return parse_channel(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
