"""Is a keyword subscription's owner still a member of the Slack workspace? (``users.info``)

:class:`bot.member_check.OwnerChecks` asks this about every owner now and then, for the
deactivations the ``user_change`` event did not tell (storybot down when it came, an app
made from a manifest without the event). ``users.info`` (bot scope ``users:read``, Tier 4:
100+ calls a minute) answers with the user, whose ``deleted`` is true once the account is
deactivated; a guest whose access ran out is deactivated too. ``user_not_found``: the
account no longer exists. Both are gone.

A rate limit (HTTP 429 with ``Retry-After``) is waited out, up to ``max_wait_s`` a time and
``tries`` times for one user; past that, as on a 5xx, a timeout or a dropped connection,
the user is left unchecked until the next run. A refused token or a missing scope
(``missing_scope``: the app was installed without ``users:read``) can work for no one: it
stops the run, with what to do.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack_chat.commands import USERS_READ
from adapters.slack_chat.delivery_errors import error_code, map_error, needed_scope
from adapters.slack_chat.sink import PLATFORM
from bot.duration import duration
from bot.errors import PermanentDeliveryError, RateLimited, TokenRefused
from bot.member_check import MEMBER, Membership, Presence

log = logging.getLogger(__name__)

DEACTIVATED = "their Slack account was deactivated"
NOT_FOUND = "Slack no longer knows their account (user_not_found)"


class SlackMembers:
    """:class:`bot.member_check.MemberLookup` for Slack.

    Args:
        client: The app's Web API client (no retry on 429 of its own).
        sleep: How a rate limit is waited out (injected by tests).
        max_wait_s: A ``Retry-After`` longer than this is not waited out.
        tries: ``users.info`` calls for one user at most (rate limits waited out between).
    """

    platform = PLATFORM

    def __init__(
        self,
        client: AsyncWebClient,
        *,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        max_wait_s: float = 120.0,
        tries: int = 5,
    ) -> None:
        self.client = client
        self._sleep = sleep
        self.max_wait_s = max_wait_s
        self.tries = tries

    async def membership(self, user_id: str, channel_ids: Sequence[str]) -> Membership:
        """``users.info`` about ``user_id`` (``channel_ids`` are not needed on Slack)."""
        for _ in range(self.tries):
            try:
                response = await self.client.users_info(user=user_id)
            except SlackApiError as exc:
                code = error_code(exc)
                if code == "user_not_found":
                    return Membership(Presence.GONE, NOT_FOUND)
                if code == "missing_scope":
                    scope = needed_scope(exc) or USERS_READ
                    return Membership(
                        Presence.UNKNOWN,
                        f"users.info: missing_scope: SLACK_BOT_TOKEN lacks the {scope} scope; "
                        "add it to the app's bot token scopes (config/slack-manifest.yaml "
                        "lists them) and reinstall the app to the workspace",
                        blocking=True,
                    )
                error = map_error("users.info", exc)
            except Exception as exc:  # noqa: BLE001 - a failed look-up is never "gone"
                error = map_error("users.info", exc)
            else:
                return _read(response.get("user"))
            if isinstance(error, TokenRefused):
                return Membership(Presence.UNKNOWN, str(error), blocking=True)
            if isinstance(error, RateLimited) and error.retry_after_s <= self.max_wait_s:
                log.debug(
                    "slack: users.info rate limited, waiting %s", duration(error.retry_after_s)
                )
                await self._sleep(error.retry_after_s)
                continue
            if isinstance(error, PermanentDeliveryError):
                # another refusal of this one user (user_not_visible...): not "gone"
                log.info("slack: users.info for %s refused: %s", user_id, error)
            return Membership(Presence.UNKNOWN, str(error))
        return Membership(
            Presence.UNKNOWN, f"users.info: still rate limited after {self.tries} tries"
        )


def _read(user: Any) -> Membership:
    """A ``users.info`` user: gone once deactivated (``deleted``)."""
    if isinstance(user, dict) and user.get("deleted") is True:
        return Membership(Presence.GONE, DEACTIVATED)
    return MEMBER
