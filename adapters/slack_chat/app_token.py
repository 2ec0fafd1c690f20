"""Socket Mode reconnections while Slack refuses the app-level token.

When ``SLACK_APP_TOKEN`` is revoked while storybot is connected, Slack drops the socket
and every ``apps.connections.open`` slack_sdk makes to reconnect answers ``invalid_auth``.
slack_sdk alone then tries again every ping interval, logging two multi-line ERRORs each
time, none of which names the setting.

:class:`AppTokenRefusal` is a retry handler (slack_sdk's documented way to customise
retries: ``retry_handlers`` on the Web API client, a subclass of ``AsyncRetryHandler``)
on the client the Socket Mode client reconnects with. A refused ``apps.connections.open``
is said once, in a line naming ``SLACK_APP_TOKEN``, and the reconnection waits, longer
each time, inside that one call: slack_sdk's other reconnection attempts find it in
progress and leave it be, so they log nothing either. A token Slack accepts again (a
refusal in error) reconnects by itself.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from bot.duration import duration

log = logging.getLogger(__name__)

FIRST_WAIT_S = 60.0  # apps.connections.open is Tier 1: about one call a minute
MAX_WAIT_S = 900.0
# slack_sdk makes at most 100 attempts of one call (then raises None): the refusal is
# given back to it before that, once a day or so, and its next attempt waits on here.
MAX_RETRIES = 98
METHOD = "apps.connections.open"


class AppTokenRefusal(AsyncRetryHandler):
    """Holds Socket Mode reconnections, with back-off, while Slack refuses the app token.

    Args:
        refused_codes: The ``error`` codes that mean the token itself was refused.
        sleep: How a wait is waited (tests pass one they control).
        first_wait_s: The first wait; each next one doubles, up to ``max_wait_s``.
    """

    def __init__(
        self,
        refused_codes: frozenset[str],
        *,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        first_wait_s: float = FIRST_WAIT_S,
        max_wait_s: float = MAX_WAIT_S,
    ) -> None:
        super().__init__(max_retry_count=MAX_RETRIES)
        self._codes = refused_codes
        self._sleep = sleep
        self._first_wait_s = first_wait_s
        self._max_wait_s = max_wait_s
        self._refusals = 0  # in a row, across calls: the back-off does not start over
        self._stopped = asyncio.Event()

    def stop(self) -> None:
        """End a wait in progress and retry nothing more (the adapter is stopping)."""
        self._stopped.set()

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or not request.url.rstrip("/").endswith(METHOD):
            return False
        body = response.body if isinstance(response.body, dict) else {}
        if body.get("ok") is True:
            if self._refusals:
                log.info("slack: Slack accepted SLACK_APP_TOKEN again; reconnecting Socket Mode")
            self._refusals = 0
            return False
        code = str(body.get("error") or "")
        if code not in self._codes or self._stopped.is_set():
            return False
        if not self._refusals:
            log.error(
                "Slack rejected SLACK_APP_TOKEN (%s: %s): /story commands on Slack are not "
                "answered until SLACK_APP_TOKEN is replaced (an app-level token with "
                "connections:write) and storybot restarted (alerts go out while "
                "SLACK_BOT_TOKEN works); asking Slack again with back-off, up to every %s",
                METHOD,
                code,
                duration(self._max_wait_s),
            )
        self._refusals += 1
        return True

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        state.next_attempt_requested = True
        wait = min(self._first_wait_s * 2 ** min(self._refusals - 1, 30), self._max_wait_s)
        log.debug(
            "slack: app token refused %d times; asking again in %s", self._refusals, duration(wait)
        )
        sleeping = asyncio.ensure_future(self._sleep(wait))
        stopping = asyncio.ensure_future(self._stopped.wait())
        try:
            await asyncio.wait({sleeping, stopping}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeping.cancel()
            stopping.cancel()
        if self._stopped.is_set():
            # the Socket Mode client is closing: end the reconnection quietly (a task of
            # slack_sdk's that close() may not cancel itself)
            raise asyncio.CancelledError
        state.increment_current_attempt()
