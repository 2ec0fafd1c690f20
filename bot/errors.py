"""Errors the core understands, raised by adapters and handled by the delivery worker."""

from __future__ import annotations


class DeliveryError(Exception):
    """A chat platform did not accept a message."""


class RateLimited(DeliveryError):
    """The platform said 429; try again after ``retry_after_s`` seconds."""

    def __init__(self, retry_after_s: float, message: str = "rate limited") -> None:
        super().__init__(f"{message} (retry after {retry_after_s:g}s)")
        self.retry_after_s = retry_after_s


class TransientDeliveryError(DeliveryError):
    """A 5xx, a timeout or a dropped connection: worth retrying with back-off."""


class PermanentDeliveryError(DeliveryError):
    """The message can never be delivered as is (unknown channel, missing permission)."""


class ConfigError(Exception):
    """A configuration value is wrong; the message names the setting and what is allowed."""


class UserError(Exception):
    """A command was used wrongly; the message is shown to the user as is."""


class UsageError(UserError):
    """A command's words do not fit its usage (missing argument, unknown command name).

    Shown like any ``UserError``; kept apart so ``storybot ask`` can exit 2 (bad usage)
    rather than 1 (the command ran and reported a failure), as the README's exit codes say.
    """
