"""A local fake of Slack for tests: the Web API, Socket Mode and ``response_url``.

The real slack_sdk / slack-bolt code talks to it, configured only by ``base_url`` (the
Web API) and the WebSocket URL that the fake's ``apps.connections.open`` hands out.

* Web API: ``POST|GET /api/<method>`` records every call (method, arguments from the
  query, form or JSON body, and the bearer token) and answers like Slack.
  A call with the wrong kind of token is refused (``not_allowed_token_type``):
  ``apps.connections.open`` takes only an app-level token (``xapp-``), every other
  method only another. ``fail_next`` scripts failures (of any call, of one method, of the
  calls naming one channel): HTTP 429 with ``Retry-After``, 5xx, dropped connections or
  ``ok: false`` error codes.
* Messages: ``chat.postMessage`` and ``chat.update`` refuse what Slack refuses: no text
  and no blocks (``no_text``), blocks beyond Block Kit's limits (``invalid_blocks``: more
  than 50 blocks, a header over 150 characters, a section's text over 3,000, a context
  block of more than 10 elements...), a ``text`` over 40,000 characters
  (``msg_too_long``) and blocks holding more than 11,000 characters of text in all
  (``msg_blocks_too_long``, see ``BLOCKS_TEXT_MAX``).
* Threads: a ``chat.postMessage`` with ``thread_ts`` is a reply. As in Slack,
  ``conversations.history`` lists only top-level messages and ``conversations.replies``
  lists a thread (its parent first, then the replies, oldest first, paged like history).
* ``hold_next`` keeps the answer to one call back until the test releases it: the call
  is in flight (the platform has done it, the caller has not heard), the moment a crash
  or a concurrent writer is made to fall into.
* Channel membership: channels in ``not_member`` are public channels the bot was never
  invited to. As with the ``chat:write.public`` scope, ``chat.postMessage`` still works
  there, but ``conversations.history`` answers ``not_in_channel``. ``conversations.join``
  makes the bot a member, unless ``join_error`` scripts a refusal (``missing_scope`` when
  the app lacks ``channels:join``), or the channel is in ``private``
  (``method_not_supported_for_channel_type``) or ``archived`` (``is_archived``; there
  ``chat.postMessage`` answers ``is_archived`` too and ``chat.update`` ``is_inactive``).
  Channels in ``uninvited`` are private channels the bot was never invited to: Slack
  hides them from it, so every call naming one answers ``channel_not_found`` (posting,
  editing, reading history or a thread, joining) until ``/invite @storybot`` (removing it
  from the set).
* Socket Mode: ``GET /link/`` is the WebSocket. The fake sends ``hello``, pushes
  ``slash_commands`` envelopes and Events API events (``events_api`` envelopes,
  ``push_event``; ``deactivate_user`` sends the ``user_change`` Slack sends when an admin
  deactivates an account) on request, and records the acks the client sends back.
  ``break_next_sockets`` makes the next URLs ``apps.connections.open`` hands out fail at
  the WebSocket handshake, on every try (as an expired URL does): a port nothing listens
  on, a failing TLS handshake, an HTTP status answering the upgrade (410 for an expired
  URL, 500), or an upgrade never answered. ``handshakes`` records the tickets of the handshakes the fake saw.
* ``POST /response/<envelope_id>``: the ``response_url`` of pushed commands; every
  message posted there is recorded. As Slack does, it takes at most five messages per
  URL and refuses a message over Block Kit's limits (more than 50 blocks, a text object
  over 3,000 characters); refusals are recorded in ``refused``.

Bound to 127.0.0.1 port 0; waits use conditions with timeouts, never sleeps.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

from aiohttp import WSMsgType, web

from adapters.loopback_server import serve_on_loopback

BOT_USER_ID = "UBOT"
RESPONSES_PER_URL = 5  # Slack: up to five responses to one command, within 30 minutes
TEAM_ID = "T0FAKE"
APP_ID = "A0FAKE"


@dataclass
class Call:
    """One Web API call as the fake received it."""

    method: str
    args: dict[str, Any]
    token: str | None
    http_method: str


@dataclass
class Failure:
    """A scripted failure for the next matching call."""

    status: int = 500
    error: str | None = None  # Slack error code for the JSON body
    retry_after: float | None = None
    disconnect: bool = False
    method: str | None = None  # None: any method
    extra: dict[str, Any] | None = None  # more fields of the error body ("needed": ...)
    channel: str | None = None  # only a call naming this channel; None: any call


@dataclass
class Hold:
    """A call whose answer is held back (see ``FakeSlack.hold_next``)."""

    method: str
    where: Callable[[dict[str, Any]], bool] | None = None
    drop: bool = False  # once released, drop the connection instead of answering
    reached: asyncio.Event = field(default_factory=asyncio.Event)  # the call was made
    released: asyncio.Event = field(default_factory=asyncio.Event)  # the answer may go

    def release(self) -> None:
        self.released.set()


@dataclass
class Posted:
    """A message sent to a ``response_url``."""

    envelope_id: str
    body: dict[str, Any]


@dataclass
class FakeSlack:
    """The fake Slack server. ``await start()`` it, use ``base_url``, ``await stop()``."""

    users: dict[str, dict[str, Any]] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    acks: list[dict[str, Any]] = field(default_factory=list)
    responses: list[Posted] = field(default_factory=list)
    refused: list[Posted] = field(default_factory=list)  # response_url posts Slack refuses
    invalid_tokens: set[str] = field(default_factory=set)
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # channel -> posted
    # Seeded random faults (tests/faults.Chaos) for the methods in chaos_methods; None: off.
    chaos: Any = None
    chaos_methods: frozenset[str] = frozenset(
        {"chat.postMessage", "chat.update", "conversations.history"}
    )
    # Message ts from this clock (Unix seconds), like Slack's; None: a fixed 2023 base.
    ts_clock: Callable[[], float] | None = None
    history_page_size: int = 2  # conversations.history page size (small to exercise paging)
    # Public channels the bot is not a member of (history: not_in_channel; posting works).
    not_member: set[str] = field(default_factory=set)
    private: set[str] = field(default_factory=set)  # conversations.join is not possible
    # Private channels the bot is not in: hidden from it (channel_not_found everywhere).
    uninvited: set[str] = field(default_factory=set)
    archived: set[str] = field(default_factory=set)  # conversations.join: is_archived
    # An error code every conversations.join answers with, e.g. "missing_scope"; None: joins.
    join_error: str | None = None
    # the Enterprise Grid org of the workspace (auth.test's enterprise_id); None: none
    enterprise_id: str | None = None
    bot_scopes: str = "chat:write,chat:write.public,channels:history,groups:history,im:history"
    # Accounts Slack no longer knows (deleted for good): users.info answers user_not_found.
    unknown_users: set[str] = field(default_factory=set)
    # An error code every users.info answers with, e.g. "missing_scope" (an app installed
    # without users:read: Slack names the scope in ``needed``); None: answers.
    users_info_error: str | None = None

    def __post_init__(self) -> None:
        self._failures: list[Failure] = []
        self._holds: list[Hold] = []
        self._sockets: list[web.WebSocketResponse] = []
        self._ts = itertools.count(1)
        self._ids = itertools.count(1)
        self._changed = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self.handshakes: list[str] = []  # tickets of the WebSocket handshakes seen
        self._to_break: list[int | str] = []  # how the next URLs handed out fail
        self._broken: dict[str, int | str] = {}  # ticket -> how its handshake fails
        self._unanswered = asyncio.Event()  # set at stop: hung handshakes, late answers end
        self._closed_port: socket.socket | None = None

    # ------------------------------------------------------------------ lifecycle

    @property
    def root(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """The Web API base URL to give slack_sdk (``base_url``)."""
        return f"{self.root}/api/"

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._web_api)
        app.router.add_get("/link/", self._socket_mode)
        app.router.add_post("/response/{envelope_id}", self._response_url)
        self._runner, self.port = await serve_on_loopback(app, shutdown_timeout=1)

    async def stop(self) -> None:
        self._unanswered.set()
        for ws in list(self._sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()
        if self._closed_port is not None:
            self._closed_port.close()

    # ------------------------------------------------------------------ scripting

    def fail_next(
        self,
        n: int = 1,
        *,
        status: int = 500,
        error: str | None = None,
        retry_after: float | None = None,
        disconnect: bool = False,
        method: str | None = None,
        extra: dict[str, Any] | None = None,
        channel: str | None = None,
    ) -> None:
        """Make the next ``n`` calls (of ``method``, or any; naming ``channel``, or any) fail.

        Args:
            n: How many calls fail.
            status: HTTP status (429, 500, 503, or 200 with ``error``).
            error: Slack error code in an ``ok: false`` JSON body; None for a text body.
            retry_after: Seconds for the ``Retry-After`` header.
            disconnect: Drop the connection without answering.
            method: Only calls of this Web API method fail.
            extra: More fields of the ``ok: false`` body, e.g. ``{"needed": "users:read"}``
                as Slack adds to ``missing_scope``.
            channel: Only calls whose ``channel`` argument is this fail.
        """
        for _ in range(n):
            self._failures.append(
                Failure(status, error, retry_after, disconnect, method, extra, channel)
            )

    def hold_next(
        self,
        method: str,
        where: Callable[[dict[str, Any]], bool] | None = None,
        *,
        drop: bool = False,
    ) -> Hold:
        """Hold back the answer to the next call of ``method`` (whose args pass ``where``).

        The call is carried out (a post is posted), then its answer waits until
        ``release()``: await ``reached`` to act while it is in flight. With ``drop`` the
        answer is then lost (the connection is dropped), as in a timeout after Slack
        accepted the call.
        """
        hold = Hold(method, where, drop)
        self._holds.append(hold)
        return hold

    def break_next_sockets(self, n: int = 1, *, how: int | str = "refused") -> None:
        """Make the WebSocket handshake of the next ``n`` URLs handed out fail, every time.

        Args:
            n: How many ``apps.connections.open`` answers hand out a broken URL.
            how: ``"refused"`` (nothing listens on the URL's port: connection refused),
                ``"tls"`` (a ``wss://`` URL whose TLS handshake fails), an HTTP status
                answering the upgrade (410 as for an expired URL, 500), or ``"hang"`` (the
                upgrade is never answered).
        """
        self._to_break.extend([how] * n)

    def thread_replies(self, channel: str, thread_ts: str) -> list[dict[str, Any]]:
        """The replies posted in the thread of ``thread_ts``, oldest first."""
        return [
            m
            for m in self.messages.get(channel, [])
            if m.get("thread_ts") == thread_ts and m["ts"] != thread_ts
        ]

    def user_reply(self, channel: str, thread_ts: str, text: str) -> str:
        """A person's reply in the thread of ``thread_ts`` (not the bot's); returns its ts."""
        ts = self._next_ts()
        self.messages.setdefault(channel, []).append(
            {"type": "message", "text": text, "ts": ts, "user": "U0READER", "thread_ts": thread_ts}
        )
        return ts

    def calls_to(self, method: str) -> list[Call]:
        """The recorded calls of one Web API method, oldest first."""
        return [c for c in self.calls if c.method == method]

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 5.0) -> Any:
        """Wait until ``predicate()`` is truthy and return its value."""
        async with self._changed:
            return await asyncio.wait_for(self._changed.wait_for(predicate), timeout)

    async def _notify(self) -> None:
        async with self._changed:
            self._changed.notify_all()

    # ------------------------------------------------------------------ Socket Mode

    @property
    def connected(self) -> bool:
        return any(not ws.closed for ws in self._sockets)

    async def push_slash_command(
        self,
        text: str,
        *,
        user_id: str = "U1",
        user_name: str = "alice",
        channel_id: str = "C1",
        channel_name: str = "news",
        command: str = "/story",
    ) -> str:
        """Send a ``slash_commands`` envelope over the open Socket Mode connection.

        Returns:
            The envelope id, to match the ack and the ``response_url`` post.
        """
        await self.wait_for(lambda: self.connected)
        envelope_id = f"env-{next(self._ids)}"
        payload = self.slash_command_payload(
            text,
            user_id=user_id,
            user_name=user_name,
            channel_id=channel_id,
            channel_name=channel_name,
            command=command,
            envelope_id=envelope_id,
        )
        envelope = {
            "envelope_id": envelope_id,
            "type": "slash_commands",
            "accepts_response_payload": True,
            "payload": payload,
        }
        ws = [w for w in self._sockets if not w.closed][-1]
        await ws.send_str(json.dumps(envelope))
        return envelope_id

    async def push_event(self, event: dict[str, Any]) -> str:
        """Send an Events API event over the open Socket Mode connection, as Slack does:
        an ``events_api`` envelope whose payload is the ``event_callback`` an HTTP request
        would carry. Returns the envelope id, to match the ack."""
        await self.wait_for(lambda: self.connected)
        envelope_id = f"env-{next(self._ids)}"
        envelope = {
            "envelope_id": envelope_id,
            "type": "events_api",
            "accepts_response_payload": False,
            "retry_attempt": 0,
            "retry_reason": "",
            "payload": self.event_callback(event),
        }
        ws = [w for w in self._sockets if not w.closed][-1]
        await ws.send_str(json.dumps(envelope))
        return envelope_id

    def event_callback(self, event: dict[str, Any]) -> dict[str, Any]:
        """The outer ``event_callback`` of an Events API event (also an HTTP request body)."""
        n = next(self._ids)
        return {
            "token": "legacy-verification-token",
            "team_id": TEAM_ID,
            "api_app_id": APP_ID,
            "event": {**event, "event_ts": f"1700000000.{n:06d}"},
            "type": "event_callback",
            "event_id": f"Ev{n:08d}",
            "event_time": 1700000000,
            "authorizations": [
                {
                    "enterprise_id": self.enterprise_id,
                    "team_id": TEAM_ID,
                    "user_id": BOT_USER_ID,
                    "is_bot": True,
                    "is_enterprise_install": False,
                }
            ],
            "is_ext_shared_channel": False,
            "event_context": f"4-fake-{n}",
        }

    async def deactivate_user(self, user_id: str) -> str:
        """An admin deactivates ``user_id``: ``users.info`` says ``deleted`` from now on,
        and Slack sends a ``user_change`` event with the user as ``users.info`` shows them
        (it posts to their DM all the same: python-slack-sdk#1156). Returns the envelope id."""
        self.users.setdefault(user_id, {})["deleted"] = True
        user = self._api_users_info({"user": user_id}, None)["user"]
        return await self.push_event({"type": "user_change", "user": user, "cache_ts": 1700000000})

    def slash_command_payload(
        self,
        text: str,
        *,
        user_id: str = "U1",
        user_name: str = "alice",
        channel_id: str = "C1",
        channel_name: str = "news",
        command: str = "/story",
        envelope_id: str | None = None,
    ) -> dict[str, str]:
        """A slash-command payload shaped like Slack's (also the HTTP form fields).

        Slack names a direct message's channel ``directmessage`` (its id starts with
        ``D``) and a group DM's ``mpdm-<members>``.
        """
        envelope_id = envelope_id or f"http-{next(self._ids)}"
        return {
            "token": "legacy-verification-token",
            "team_id": TEAM_ID,
            "team_domain": "fake",
            "channel_id": channel_id,
            "channel_name": channel_name,
            "user_id": user_id,
            "user_name": user_name,
            "command": command,
            "text": text,
            "api_app_id": APP_ID,
            "is_enterprise_install": "false",
            "response_url": f"{self.root}/response/{envelope_id}",
            "trigger_id": f"trigger-{envelope_id}",
        }

    async def drop_connections(self) -> None:
        """Close every Socket Mode connection from the server side (as Slack does on
        deploys); a well-behaved client opens a new one."""
        for ws in list(self._sockets):
            await ws.close()
        await self._notify()

    async def send_disconnect(self, reason: str = "refresh_requested") -> None:
        """Send every Socket Mode connection Slack's ``disconnect`` message (the client is
        to open a new connection; Slack closes this one soon after)."""
        for ws in list(self._sockets):
            await ws.send_str(json.dumps({"type": "disconnect", "reason": reason}))

    def ack_for(self, envelope_id: str) -> dict[str, Any] | None:
        return next((a for a in self.acks if a.get("envelope_id") == envelope_id), None)

    def response_for(self, envelope_id: str) -> dict[str, Any] | None:
        return next((r.body for r in self.responses if r.envelope_id == envelope_id), None)

    def responses_for(self, envelope_id: str) -> list[dict[str, Any]]:
        """Every message posted to one command's ``response_url``, in order."""
        return [r.body for r in self.responses if r.envelope_id == envelope_id]

    async def _socket_mode(self, request: web.Request) -> web.StreamResponse:
        ticket = request.query.get("ticket", "")
        self.handshakes.append(ticket)
        await self._notify()
        how = self._broken.get(ticket)
        if how == "hang":
            await self._unanswered.wait()  # until the fake stops
            return web.Response(status=503)
        if isinstance(how, int):
            return web.Response(status=how, text="the WebSocket URL is not valid")
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._sockets.append(ws)
        hello = {
            "type": "hello",
            "num_connections": 1,
            "connection_info": {"app_id": APP_ID},
            "debug_info": {"host": "fake"},
        }
        await ws.send_str(json.dumps(hello))
        await self._notify()
        async for msg in ws:
            if msg.type == WSMsgType.TEXT:
                data = json.loads(msg.data)
                if "envelope_id" in data:
                    self.acks.append(data)
                    await self._notify()
        await self._notify()
        return ws

    async def _response_url(self, request: web.Request) -> web.Response:
        posted = Posted(request.match_info["envelope_id"], await request.json())
        refusal = None
        if len(self.responses_for(posted.envelope_id)) >= RESPONSES_PER_URL:
            refusal = web.Response(status=404, text="used_url")
        elif not _within_block_kit_limits(posted.body.get("blocks") or []):
            refusal = web.Response(status=400, text="invalid_blocks")
        (self.refused if refusal else self.responses).append(posted)
        await self._notify()
        return refusal or web.Response(text="ok")

    # ------------------------------------------------------------------ Web API

    async def _web_api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        args: dict[str, Any] = dict(request.query)
        if request.can_read_body:
            raw = await request.text()
            if request.content_type == "application/json":
                args.update(json.loads(raw or "{}"))
            else:
                args.update(parse_qsl(raw))
        auth = request.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ") if auth else args.get("token")
        self.calls.append(Call(method, args, token, request.method))
        await self._notify()

        failure = self._take_failure(method, args)
        if failure is not None:
            return self._failure_response(request, failure)
        if token in self.invalid_tokens or not token:
            return _error("invalid_auth" if token else "not_authed")
        # apps.connections.open takes only an app-level token (xapp-..., connections:write);
        # the methods a bot calls take no app-level token
        if (method == "apps.connections.open") != token.startswith("xapp-"):
            return _error("not_allowed_token_type")
        handler = getattr(self, "_api_" + method.replace(".", "_"), None)
        if handler is None:
            return _error("unknown_method")
        if str(args.get("channel")) in self.uninvited:
            return _error("channel_not_found")
        fault = (
            self.chaos.pick() if self.chaos is not None and method in self.chaos_methods else None
        )
        if fault == "429":
            return self._failure_response(
                request, Failure(429, "ratelimited", self.chaos.retry_after())
            )
        if fault == "5xx":
            return self._failure_response(request, Failure(self.chaos.status()))
        if fault == "drop":
            return self._failure_response(request, Failure(disconnect=True))
        try:
            answer = web.json_response({"ok": True, **handler(args, token)})
        except _ApiError as refused:
            return web.json_response({"ok": False, "error": refused.code, **refused.extra})
        await self._notify()
        hold = next(
            (h for h in self._holds if h.method == method and (h.where is None or h.where(args))),
            None,
        )
        if hold is not None:
            self._holds.remove(hold)
            hold.reached.set()
            await hold.released.wait()
            if hold.drop:
                return self._failure_response(request, Failure(disconnect=True))
        if fault == "drop-after":
            return self._failure_response(request, Failure(disconnect=True))
        if fault == "slow":
            await self.chaos.answer_late(self._unanswered)  # the client has given up by now
        return answer

    def _take_failure(self, method: str, args: dict[str, Any]) -> Failure | None:
        for i, failure in enumerate(self._failures):
            if failure.method in (None, method) and failure.channel in (
                None,
                str(args.get("channel")),
            ):
                return self._failures.pop(i)
        return None

    def _failure_response(self, request: web.Request, failure: Failure) -> web.StreamResponse:
        if failure.disconnect:
            assert request.transport is not None
            request.transport.close()
            return web.Response(status=500)
        headers = {}
        if failure.retry_after is not None:
            headers["Retry-After"] = f"{failure.retry_after:g}"
        if failure.error is None and failure.status != 429:
            return web.Response(
                status=failure.status, text="Internal Server Error", headers=headers
            )
        body = {"ok": False, "error": failure.error or "ratelimited", **(failure.extra or {})}
        return web.json_response(body, status=failure.status, headers=headers)

    def _next_ts(self) -> str:
        base = int(self.ts_clock()) if self.ts_clock is not None else 1700000000
        return f"{base}.{next(self._ts):06d}"

    def posted_keys(self) -> list[str]:
        """The idempotency key in the metadata of every posted top-level message."""
        return [
            str(((m.get("metadata") or {}).get("event_payload") or {}).get("key"))
            for msgs in self.messages.values()
            for m in msgs
            if m.get("metadata") and not _is_reply(m)
        ]

    def _api_auth_test(self, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        return {
            "url": "https://fake.slack.com/",
            "team": "Fake",
            "user": "storybot",
            "team_id": TEAM_ID,
            "user_id": BOT_USER_ID,
            "bot_id": "B0FAKE",
            **({"enterprise_id": self.enterprise_id} if self.enterprise_id else {}),
        }

    def _api_apps_connections_open(self, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        ticket = str(next(self._ids))
        port = self.port
        if self._to_break:
            how = self._broken[ticket] = self._to_break.pop(0)
            if how == "refused":
                port = self._port_nothing_listens_on()
            elif how == "tls":  # TLS to the plain-HTTP server: the TLS handshake fails
                return {"url": f"wss://127.0.0.1:{port}/link/?ticket={ticket}"}
        return {"url": f"ws://127.0.0.1:{port}/link/?ticket={ticket}"}

    def _port_nothing_listens_on(self) -> int:
        # bound but not listening: connections are refused, and no one else gets the port
        if self._closed_port is None:
            self._closed_port = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self._closed_port.bind(("127.0.0.1", 0))
        return int(self._closed_port.getsockname()[1])

    def _api_chat_postMessage(self, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        if str(args.get("channel")) in self.archived:
            raise _ApiError("is_archived")
        _check_message(args)
        ts = self._next_ts()
        message = {
            "type": "message",
            "text": args.get("text"),
            "ts": ts,
            "bot_id": "B0FAKE",
            "blocks": args.get("blocks"),
            "metadata": args.get("metadata"),
        }
        if args.get("thread_ts"):
            message["thread_ts"] = str(args["thread_ts"])
        self.messages.setdefault(str(args.get("channel")), []).append(message)
        return {"channel": args.get("channel"), "ts": ts, "message": message}

    def _api_chat_update(self, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        if str(args.get("channel")) in self.archived:
            # Slack's chat.update: "cannot be edited within a frozen, archived or deleted
            # channel" (not is_archived, which chat.postMessage answers)
            raise _ApiError("is_inactive")
        _check_message(args)
        for message in self.messages.get(str(args.get("channel")), []):
            if message["ts"] == args.get("ts"):
                message.update(text=args.get("text"), blocks=args.get("blocks"))
                break
        else:  # never posted, or deleted since (as Slack answers)
            raise _ApiError("message_not_found")
        return {"channel": args.get("channel"), "ts": args.get("ts"), "text": args.get("text")}

    def _api_conversations_join(self, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        """Join a public channel; the bot is then a member (its history can be read)."""
        channel = str(args.get("channel"))
        if self.join_error == "missing_scope":
            raise _ApiError("missing_scope", needed="channels:join", provided=self.bot_scopes)
        if self.join_error:
            raise _ApiError(self.join_error)
        if channel in self.archived:
            raise _ApiError("is_archived")
        if channel in self.private:
            raise _ApiError("method_not_supported_for_channel_type")
        answer: dict[str, Any] = {"channel": {"id": channel, "is_channel": True, "is_member": True}}
        if channel not in self.not_member:
            answer["warning"] = "already_in_channel"
        self.not_member.discard(channel)
        return answer

    def _api_conversations_history(self, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        """Newest first, two per page (so paging is exercised), metadata on request."""
        if str(args.get("channel")) in self.not_member:
            raise _ApiError("not_in_channel")
        posted = sorted(self.messages.get(str(args.get("channel")), []), key=lambda m: m["ts"])
        oldest = str(args.get("oldest") or "0")
        newest_first = [m for m in reversed(posted) if m["ts"] > oldest and not _is_reply(m)]
        start = int(args.get("cursor") or 0)
        size = self.history_page_size
        page = newest_first[start : start + size]
        with_metadata = str(args.get("include_all_metadata")) in ("1", "true", "True")
        page = [
            m if with_metadata else {k: v for k, v in m.items() if k != "metadata"} for m in page
        ]
        more = start + size < len(newest_first)
        return {
            "messages": page,
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + size) if more else ""},
        }

    def _api_conversations_replies(self, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        """A thread: its parent, then its replies, oldest first, paged; metadata on request."""
        channel, ts = str(args.get("channel")), str(args.get("ts"))
        if channel in self.not_member:
            raise _ApiError("not_in_channel")
        parent = [m for m in self.messages.get(channel, []) if m["ts"] == ts]
        if not parent:
            raise _ApiError("thread_not_found")
        # Slack's oldest/latest bound the replies (exclusive unless inclusive); the parent
        # is listed first whatever they say, so the fake does not count on its absence.
        oldest, latest = str(args.get("oldest") or "0"), str(args.get("latest") or "9" * 10)
        inclusive = str(args.get("inclusive")) in ("1", "true", "True")
        replies = [
            m
            for m in sorted(self.thread_replies(channel, ts), key=lambda m: m["ts"])
            if (oldest <= m["ts"] <= latest if inclusive else oldest < m["ts"] < latest)
        ]
        thread = parent + replies
        start = int(args.get("cursor") or 0)
        size = self.history_page_size
        with_metadata = str(args.get("include_all_metadata")) in ("1", "true", "True")
        page = [
            m if with_metadata else {k: v for k, v in m.items() if k != "metadata"}
            for m in thread[start : start + size]
        ]
        more = start + size < len(thread)
        return {
            "messages": page,
            "has_more": more,
            "response_metadata": {"next_cursor": str(start + size) if more else ""},
        }

    def _api_chat_postEphemeral(self, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        return {"message_ts": self._next_ts()}

    def _api_conversations_open(self, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        users = str(args.get("users", ""))
        return {"channel": {"id": "D" + users.split(",")[0]}}

    def _api_users_info(self, args: dict[str, Any], token: str | None) -> dict[str, Any]:
        user_id = str(args.get("user"))
        if self.users_info_error == "missing_scope":
            raise _ApiError("missing_scope", needed="users:read", provided=self.bot_scopes)
        if self.users_info_error is not None:
            raise _ApiError(self.users_info_error)
        if user_id in self.unknown_users:
            raise _ApiError("user_not_found")
        user = {
            "id": user_id,
            "name": user_id.lower(),
            "is_admin": False,
            "is_owner": False,
            "is_primary_owner": False,
            "is_bot": False,
            # as Slack describes every user: their home workspace and account state
            "team_id": TEAM_ID,
            "deleted": False,
            "is_restricted": False,
            "is_ultra_restricted": False,
        }
        user.update(self.users.get(user_id, {}))
        return {"user": user}


def _is_reply(message: dict[str, Any]) -> bool:
    """A threaded reply (not its thread's parent)."""
    return bool(message.get("thread_ts")) and message["thread_ts"] != message["ts"]


class _ApiError(Exception):
    """Raised by a ``_api_*`` handler: Slack refuses the call (HTTP 200, ``ok: false``)."""

    def __init__(self, code: str, **extra: Any) -> None:
        super().__init__(code)
        self.code = code
        self.extra = extra


def _within_block_kit_limits(blocks: list[dict[str, Any]]) -> bool:
    """Whether Slack takes these blocks (Block Kit reference, blocks and text objects).

    At most 50 blocks; a header's text is ``plain_text`` of 1 to 150 characters; a
    section's text 1 to 3,000 characters, its ``fields`` at most 10 of up to 2,000; a
    context block at most 10 elements, each text within 3,000. Slack answers anything
    else with ``invalid_blocks`` (chat.postMessage, chat.update) or an HTTP 400
    (a ``response_url``).
    """
    if not isinstance(blocks, list) or len(blocks) > 50:
        return False
    for block in blocks:
        kind = block.get("type")
        text = block.get("text")
        if kind == "header":
            if not _text_fits(text, 150) or text.get("type") != "plain_text":
                return False
        elif kind == "section":
            fields = block.get("fields") or []
            if text is None and not fields:
                return False
            if text is not None and not _text_fits(text, 3000):
                return False
            if len(fields) > 10 or not all(_text_fits(f, 2000) for f in fields):
                return False
        elif kind == "context":
            elements = block.get("elements") or []
            if not 1 <= len(elements) <= 10:
                return False
            if not all(_text_fits(e, 3000) for e in elements if e.get("type") != "image"):
                return False
    return True


def _text_fits(obj: Any, limit: int) -> bool:
    """A text object whose text has 1 to ``limit`` characters."""
    if not isinstance(obj, dict) or obj.get("type") not in ("plain_text", "mrkdwn"):
        return False
    return 1 <= len(str(obj.get("text") or "")) <= limit


def _blocks_arg(args: dict[str, Any]) -> list[dict[str, Any]] | None:
    """The ``blocks`` argument of a Web API call: a JSON array, or its URL-encoded text."""
    blocks = args.get("blocks")
    if isinstance(blocks, str):
        try:
            blocks = json.loads(blocks)
        except ValueError:
            raise _ApiError("invalid_blocks_format") from None
    return blocks


# Slack refuses a chat.postMessage or chat.update whose blocks hold too much text all
# together (``msg_blocks_too_long``). The limit is not documented; the fewest characters
# seen refused were 11,341 (slackapi/bolt-js#2867; 13,297 in bolt-js#2509), so the fake
# refuses more than 11,000. A ``response_url`` took the same blocks (bolt-js#2867): not
# checked there.
BLOCKS_TEXT_MAX = 11_000
MESSAGE_TEXT_MAX = 40_000  # the ``text`` argument: "Message text is too long" beyond it


def _check_message(args: dict[str, Any]) -> None:
    """Refuse a message as Slack does: no content (``no_text``), invalid blocks, text too
    long (``msg_too_long``) or blocks holding too much text (``msg_blocks_too_long``)."""
    blocks = _blocks_arg(args)
    text = str(args.get("text") or "")
    if not blocks and not text.strip():
        raise _ApiError("no_text")
    if len(text) > MESSAGE_TEXT_MAX:
        raise _ApiError("msg_too_long")
    if blocks and not _within_block_kit_limits(blocks):
        raise _ApiError("invalid_blocks")
    if blocks and sum(map(len, _texts(blocks))) > BLOCKS_TEXT_MAX:
        raise _ApiError("msg_blocks_too_long")


def _texts(blocks: list[dict[str, Any]]) -> list[str]:
    """The text of every text object in ``blocks``: a block's text, fields and elements."""
    objects = [b.get("text") for b in blocks] + [
        o for b in blocks for o in [*(b.get("fields") or []), *(b.get("elements") or [])]
    ]
    return [str(o.get("text") or "") for o in objects if isinstance(o, dict)]


def _error(code: str, status: int = 200) -> web.Response:
    return web.json_response({"ok": False, "error": code}, status=status)
