"""``SlackAdapter``: storybot's Slack app (slack-bolt ``AsyncApp``).

Two ways to receive ``/story`` commands:

* ``socket`` (default, nothing exposed to the internet): Socket Mode over a WebSocket
  opened with the app-level token (``xapp-...``).
* ``http``: Slack's Events API posts signed requests to ``http://host:port/path``;
  bolt verifies the signing secret and rejects bad or stale (> 5 min) signatures.

Outgoing messages go through ``SlackSink`` with a retry-free Web API client, so the
outbox worker alone owns retries and back-off.

A Socket Mode WebSocket whose handshake fails (connection refused, a TLS error, an HTTP
status answering the upgrade, a URL that has expired) is not retried the way slack_sdk
would alone, with the one URL it was given, every ping interval, a traceback each time,
``connect()`` never returning (see :class:`_SocketModeLog`): at start the attempt fails
with ``TransientDeliveryError`` (``start_adapter`` tries again with back-off and a new
URL), and a reconnection asks Slack for a new URL for each try.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import ssl
import sys
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import async_default_handlers
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack_chat.app_token import AppTokenRefusal
from adapters.slack_chat.commands import AdminCheck, register_story_command
from adapters.slack_chat.delivery_errors import error_code, map_error
from adapters.slack_chat.http_requests import events_app
from adapters.slack_chat.installation import Installation
from adapters.slack_chat.members import SlackMembers
from adapters.slack_chat.sink import FAILURES, PLATFORM, SlackSink
from adapters.slack_chat.user_events import register_user_events
from bot.duration import duration
from bot.errors import ConfigError, PermanentDeliveryError, TransientDeliveryError
from bot.model import OutboundMessage, Target
from bot.ports import CommandHandler
from bot.render import shown_url
from bot.toml_text import toml_value

log = logging.getLogger(__name__)

MODES = ("socket", "http")
SLACK_API_URL = AsyncWebClient.BASE_URL  # Slack's own Web API, "https://slack.com/api/"
AUTH_ERRORS = frozenset(
    {
        "invalid_auth",
        "not_authed",
        "token_revoked",
        "token_expired",
        "account_inactive",
        "not_allowed_token_type",
        "missing_scope",
    }
)
# The app is not installed in the token's workspace, or not granted it (an org-wide app of
# an Enterprise Grid org, which an org admin grants each workspace): no token change and no
# retry mends it, only an install or a grant. At start it stops storybot (exit 2) naming
# the token Slack refused it to, and what to do; while running, a post refused so waits
# for it as for a refused token (``delivery_errors.TOKEN_CODES``).
NOT_GRANTED = "team_access_not_granted"
NOT_GRANTED_HINT = (
    "the Slack app is not installed in this workspace or not granted access to it: install "
    "it there (an org-wide app: an org admin grants it the workspace), then start storybot "
    "again"
)


class SlackAdapter:
    """A Slack connection: ``ChatSink`` for alerts plus the ``/story`` command listener.

    Args:
        bot_token: Bot token (``xoxb-...``, env ``SLACK_BOT_TOKEN``).
        commands: The platform-neutral handler of ``/story`` commands.
        mode: ``"socket"`` (needs ``app_token``) or ``"http"`` (needs ``signing_secret``).
        app_token: App-level token with ``connections:write`` (``xapp-...``).
        signing_secret: The app's signing secret, for HTTP mode.
        api_base_url: Web API base URL (slack_sdk ``base_url``); None for Slack's own.
        admin_policy: Who may run admin commands: ``"admins"`` or ``"everyone"``.
        http_host: Interface the HTTP listener binds to.
        http_port: Port of the HTTP listener (0 picks a free one, see ``http_port``).
        http_path: Path Slack posts events and commands to.
        command: The slash command, as in the app manifest.
        admin_cache_s: How long a ``users.info`` admin answer is reused.
        ping_interval_s: Socket Mode ping interval (slack_sdk also waits this long between
            tries of a reconnection).
        start_timeout_s: How long ``start`` waits for the Socket Mode WebSocket to open
            (an attribute of the same name: a later ``start`` reads it again).
        sleep: How a rate-limited ``users.info`` waits for its retry, for an admin check
            and for :attr:`members` (injected by tests).
        reconnect_sleep: How a Socket Mode reconnection waits while Slack refuses the app
            token (:mod:`adapters.slack_chat.app_token`; injected by tests).

    Raises:
        ConfigError: An unknown mode or policy, or the token the mode needs is missing.
    """

    platform = PLATFORM

    def __init__(
        self,
        *,
        bot_token: str,
        commands: CommandHandler,
        mode: str = "socket",
        app_token: str | None = None,
        signing_secret: str | None = None,
        api_base_url: str | None = None,
        admin_policy: str = "admins",
        http_host: str = "0.0.0.0",
        http_port: int = 3000,
        http_path: str = "/slack/events",
        command: str = "/story",
        admin_cache_s: float = 60.0,
        ping_interval_s: float = 10.0,
        start_timeout_s: float = 30.0,
        sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
        reconnect_sleep: Callable[[float], Awaitable[Any]] = asyncio.sleep,
    ) -> None:
        _check_config(bot_token, mode, app_token, signing_secret)
        self.mode = mode
        self._app_token = app_token
        self._http = (http_host, http_port, http_path)
        self._signing_secret = signing_secret or ""
        self._ping_interval_s = ping_interval_s
        self.start_timeout_s = start_timeout_s
        self._reconnect_sleep = reconnect_sleep
        self._app_token_refusal: AppTokenRefusal | None = None
        base_url = _normalise_base_url(api_base_url)
        self.sink = SlackSink(SlackSink.make_client(bot_token, base_url))
        # The app's own client (commands, users.info, apps.connections.open) keeps
        # slack_sdk's default handler: one retry on a dropped connection, none on 429.
        client_args: dict[str, Any] = {"token": bot_token}
        if base_url:
            client_args["base_url"] = base_url
        self.client = AsyncWebClient(**client_args)
        bolt_logger = logging.getLogger("storybot.slack.bolt")
        if not any(isinstance(f, _UnusedTokenWarning) for f in bolt_logger.filters):
            bolt_logger.addFilter(_UnusedTokenWarning())
        # who storybot is, as start() learns it: bolt would ask auth.test again on the
        # first command, and answer it "reinstall this app" if that call failed
        self.installation = Installation(self.client)
        self.app = AsyncApp(
            name="storybot",
            client=self.client,
            authorize=self.installation,
            # "" rather than None: bolt would read SLACK_SIGNING_SECRET itself.
            signing_secret=signing_secret or "",
            logger=bolt_logger,
        )
        self.admins = AdminCheck(self.client, admin_policy, ttl_s=admin_cache_s, sleep=sleep)
        register_story_command(self.app, commands, self.admins, command)
        register_user_events(self.app, commands)  # a deactivated account's subscriptions go
        # ...and those of one whose event was missed: asked about now and then
        self.members = SlackMembers(self.client, sleep=sleep)
        self._socket: AsyncSocketModeHandler | None = None
        self._runner: web.AppRunner | None = None
        self._bound_port: int | None = None

    # ------------------------------------------------------------------ ChatSink

    async def post(self, target: Target, message: OutboundMessage, *, idempotency_key: str) -> str:
        """Post an alert (channel) or notice (DM); return the message ``ts``. See ``SlackSink``."""
        return await self.sink.post(target, message, idempotency_key=idempotency_key)

    async def edit(
        self,
        target: Target,
        message_id: str,
        message: OutboundMessage,
        *,
        since: datetime | None = None,
    ) -> None:
        """Replace a posted message (``chat.update``). See ``SlackSink.edit``."""
        await self.sink.edit(target, message_id, message, since=since)

    async def find_posted(
        self, target: Target, idempotency_key: str, *, oldest: datetime | str | None = None
    ) -> str | None:
        """The ``ts`` of a message posted earlier under ``idempotency_key``, if any.

        See ``SlackSink.find_posted``; for recovering deliveries interrupted by a crash.
        ``oldest`` may be a datetime (the outbox row's ``post_started_at``) or a Slack ts.
        """
        return await self.sink.find_posted(target, idempotency_key, oldest=oldest)

    # ------------------------------------------------------------------ lifecycle

    @property
    def http_port(self) -> int | None:
        """The port the HTTP listener is bound to, once started in HTTP mode."""
        return self._bound_port

    async def start(self) -> None:
        """Check the tokens with Slack, then connect (Socket Mode) or listen (HTTP).

        Raises:
            ConfigError: Slack rejected a token.
            TransientDeliveryError: Slack could not be reached, the Socket Mode WebSocket
                handshake failed or did not finish within ``start_timeout_s``, or ``stop``
                was called meanwhile.
        """
        auth = await self._check_token("auth.test", self.client.auth_test())
        self.admins.know_workspace(auth)  # whose admins count (see AdminCheck)
        self.installation.know(auth)  # what bolt authorizes each request with
        if self.mode == "socket":
            await self._start_socket_mode()
        else:
            await self._start_http()

    async def stop(self) -> None:
        """Disconnect Socket Mode or close the HTTP listener. Safe to call twice."""
        if self._app_token_refusal is not None:
            self._app_token_refusal.stop()  # a reconnection waiting on a refused token ends
        if self._socket is not None:
            socket, self._socket = self._socket, None
            await socket.close_async()
        if self._runner is not None:
            runner, self._runner = self._runner, None
            await runner.cleanup()

    async def _start_socket_mode(self) -> None:
        assert self._app_token is not None
        # Ask for the WebSocket URL ourselves first: slack_sdk's connect() retries a
        # rejected app token forever, we would rather fail start() with a clear error.
        opened = await self._check_token(
            "apps.connections.open", self.client.apps_connections_open(app_token=self._app_token)
        )
        # Reconnections ask for their URLs with a client of their own, whose retry handler
        # waits (saying so once) while Slack refuses the app token, instead of slack_sdk
        # trying every ping interval with two ERRORs a time.
        refusal = AppTokenRefusal(AUTH_ERRORS, sleep=self._reconnect_sleep)
        self._app_token_refusal = refusal
        reconnecting = AsyncWebClient(
            token=self.client.token,
            base_url=self.client.base_url,
            retry_handlers=[*async_default_handlers(), refusal],
        )
        watch = _SocketModeLog(logging.getLogger("storybot.slack.bolt"), self._ping_interval_s)
        handler = AsyncSocketModeHandler(
            self.app,
            self._app_token,
            logger=watch,
            web_client=reconnecting,
            ping_interval=self._ping_interval_s,
        )
        watch.client = handler.client
        handler.client.wss_uri = opened["url"]
        self._socket = handler
        await self._connect(handler, watch)
        log.info("slack: connected in Socket Mode")

    async def _connect(self, handler: AsyncSocketModeHandler, watch: _SocketModeLog) -> None:
        """Open the first WebSocket, or close the handler and raise why it did not open."""
        connecting = asyncio.ensure_future(handler.connect_async())
        failing = asyncio.ensure_future(watch.failed.wait())
        connected = False
        try:
            await asyncio.wait(
                {connecting, failing},
                timeout=self.start_timeout_s,
                return_when=asyncio.FIRST_COMPLETED,
            )
            if watch.failure is not None:
                raise TransientDeliveryError(f"Slack Socket Mode: {watch.failure}")
            if handler.client.closed:  # stop() closed it meanwhile
                raise TransientDeliveryError("Slack Socket Mode: stopped before it connected")
            if not connecting.done():
                raise TransientDeliveryError(
                    "Slack Socket Mode: no WebSocket connection after "
                    f"{duration(self.start_timeout_s)}"
                )
            connecting.result()
            connected = True
            watch.started = True
        finally:
            failing.cancel()
            if not connected:
                # a cancelled start too: slack_sdk's client would retry in the background
                connecting.cancel()
                if self._socket is handler:
                    self._socket = None
                await handler.close_async()

    async def _start_http(self) -> None:
        host, port, path = self._http
        runner = web.AppRunner(events_app(self.app, path, self._signing_secret))
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        await site.start()
        self._runner = runner
        self._bound_port = _bound_port(runner) or port
        log.info(
            "slack: listening for Events API requests on %s:%s%s", host, self._bound_port, path
        )

    async def _check_token(self, method: str, call: Any) -> Any:
        """``call``'s answer; what stops start() for good is a ``ConfigError`` naming why.

        A refused token names its variable, as does an app not installed in (or not
        granted) the workspace (``team_access_not_granted``), with what to do: the bot
        token's for ``auth.test``, the app-level token's for ``apps.connections.open``.
        Any other refusal that retrying cannot
        change (an HTTP 404 from a ``STORYBOT_SLACK_API_URL`` that is not the Web API's
        base URL, an error code Slack will give again) is one as well, naming the URL
        asked: a service that cannot start says so in one line (exit 2), not in a
        traceback. What may pass (5xx, 429, a dropped connection) is left to
        ``start_adapter``'s retries.
        """
        try:
            return await call
        except SlackApiError as exc:
            code = error_code(exc)
            which = "SLACK_APP_TOKEN" if method == "apps.connections.open" else "SLACK_BOT_TOKEN"
            if code in AUTH_ERRORS:
                raise ConfigError(f"Slack rejected {which} ({method}: {code})") from exc
            if code == NOT_GRANTED:
                # a refused bot token's hint otherwise, retried for ever (a TokenRefused)
                raise ConfigError(
                    f"Slack refused {which} ({method}: {code}): {NOT_GRANTED_HINT}"
                ) from exc
            error = map_error(method, exc)
            if isinstance(error, PermanentDeliveryError):
                raise ConfigError(self._refused_at_start(error, code)) from exc
            raise error from exc
        except FAILURES as exc:
            raise map_error(method, exc) from exc

    def _refused_at_start(self, error: PermanentDeliveryError, code: str | None) -> str:
        """Why start() cannot go on, for a refusal Slack would repeat on every try."""
        base = str(self.client.base_url)
        said = f"Slack refused {error} at {shown_url(base)}, so storybot cannot start"
        if code or base == SLACK_API_URL:
            return said
        # no Slack error code: something other than Slack's Web API answered
        return (
            f"{said}: STORYBOT_SLACK_API_URL must be a Slack Web API base URL, "
            f"such as Slack's own {SLACK_API_URL} (with its path, /api/)"
        )


# What slack_sdk's aiohttp SocketModeClient.connect() logs (with a traceback) when a
# WebSocket it opens fails, before it waits one ping interval and tries the same URL again,
# and what it logs once one is open.
SOCKET_FAILED = "Failed to connect (error:"
SOCKET_OPENED = "A new session ("


class _SocketModeLog(logging.Logger):
    """The logger of one Socket Mode client: what it says about failed WebSockets.

    slack_sdk's ``connect()`` does not raise when the WebSocket handshake fails: it logs
    ``Failed to connect`` with a traceback, waits one ping interval and tries the same URL
    again, with no end (the URL ``apps.connections.open`` gave does not work again once
    it has expired). Its log is the one thing it tells, so the client logs through this
    (its documented ``logger`` parameter):

    * at start (``started`` False) the failure is kept in ``failure`` and ``failed`` is
      set: the adapter closes the client and raises, ``start_adapter`` says it in one
      line and tries again with a new client and URL;
    * after start (a reconnection), the client's ``wss_uri`` is cleared, which makes its
      next try ask Slack for a new URL (``connect()`` does so when it has none), and the
      failure is one WARNING line until a WebSocket opens again (then one INFO line).

    The traceback goes to DEBUG. Everything else the client logs goes to ``parent`` (bolt's
    logger) as before, under its name and level. Not registered with ``logging``: one per
    client, dropped with it.
    """

    def __init__(self, parent: logging.Logger, ping_interval_s: float) -> None:
        super().__init__(parent.name)
        self.parent = parent
        self.client: Any = None  # the SocketModeClient logging through this
        self.started = False
        self.failure: str | None = None
        self.failed = asyncio.Event()
        self._ping_interval_s = ping_interval_s
        self._failing = False

    def isEnabledFor(self, level: int) -> bool:  # noqa: N802  (logging's name)
        assert self.parent is not None
        return self.parent.isEnabledFor(level)  # its level now, not as cached at creation

    def exception(self, msg: object, *args: Any, **kwargs: Any) -> None:
        if not self._connect_failed(msg):
            super().exception(msg, *args, **kwargs)

    def error(self, msg: object, *args: Any, **kwargs: Any) -> None:
        if not self._connect_failed(msg):
            super().error(msg, *args, **kwargs)

    def info(self, msg: object, *args: Any, **kwargs: Any) -> None:
        if str(msg).startswith(SOCKET_OPENED) and self._failing:
            self._failing = False
            log.info("slack: Socket Mode reconnected")
        super().info(msg, *args, **kwargs)

    def _connect_failed(self, msg: object) -> bool:
        """Handle slack_sdk's failed-connection line (in its ``except``); True if it was."""
        if not str(msg).startswith(SOCKET_FAILED):
            return False
        exc = sys.exc_info()[1]
        reason = _socket_failure(exc)
        log.debug("slack: Socket Mode connection failed: %s", reason, exc_info=exc)
        if not self.started:
            self.failure = reason
            self.failed.set()
            return True
        if self.client is not None:
            self.client.wss_uri = None  # the next try asks apps.connections.open for a new URL
        if not self._failing:
            self._failing = True
            log.warning(
                "slack: Socket Mode reconnection failed (%s); /story commands are not received "
                "until it succeeds; trying again with a new URL every %s",
                reason,
                duration(self._ping_interval_s),
            )
        return True


def _socket_failure(exc: BaseException | None) -> str:
    """Why a WebSocket did not open, in a few words (not its URL: it holds a ticket)."""
    if isinstance(exc, aiohttp.WSServerHandshakeError):
        return f"the WebSocket handshake was answered HTTP {exc.status}"
    if isinstance(exc, aiohttp.ClientConnectorError):
        cause = exc.os_error
        if isinstance(cause, ssl.SSLError):
            detail = f"TLS: {getattr(cause, 'verify_message', None) or cause.reason or cause}"
        elif isinstance(cause, socket.gaierror) and cause.strerror:
            detail = cause.strerror
        elif cause.errno and cause.errno > 0:
            detail = os.strerror(cause.errno)  # not asyncio's "Connect call failed (...)"
        else:
            detail = " ".join(str(cause).split()) or type(cause).__name__
        return f"cannot connect to {exc.host}:{exc.port} ({detail})"
    if isinstance(exc, asyncio.TimeoutError):
        return "the WebSocket handshake timed out"
    if exc is None:
        return "the WebSocket did not open"
    detail = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__


class _UnusedTokenWarning(logging.Filter):
    """Drops bolt's warnings that its ``token`` is not used.

    Bolt reads SLACK_BOT_TOKEN from the environment by itself and warns that it is
    ignored when a client is given ("`token` will be unused"), and that the client's token
    is when ``authorize`` is given ("`token` (or SLACK_BOT_TOKEN env variable) will be
    ignored"); we give both on purpose (the client for ``base_url``, ``authorize`` for
    :class:`Installation`), and each request still carries the bot token.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not message.startswith("As ") or "`token`" not in message


def _check_config(bot_token: str, mode: str, app_token: str | None, secret: str | None) -> None:
    if not bot_token:
        raise ConfigError("Slack needs a bot token: set SLACK_BOT_TOKEN (xoxb-...)")
    if mode not in MODES:
        raise ConfigError(f'[slack] mode must be "socket" or "http", got {toml_value(mode)}')
    if mode == "socket" and not app_token:
        raise ConfigError(
            "Slack Socket Mode needs an app-level token: set SLACK_APP_TOKEN (xapp-...)"
        )
    if mode == "http" and not secret:
        raise ConfigError("Slack HTTP mode needs the signing secret: set SLACK_SIGNING_SECRET")


def _normalise_base_url(url: str | None) -> str | None:
    if not url:
        return None
    return url if url.endswith("/") else url + "/"


def _bound_port(runner: web.AppRunner) -> int | None:
    for address in runner.addresses:
        if isinstance(address, tuple) and len(address) >= 2:
            return int(address[1])
    return None
