"""A local fake Discord (REST API + gateway websocket) for tests.

The real ``discord.Client`` runs against it unchanged: point ``discord.http.Route.BASE``
at :attr:`FakeDiscord.api_url` and ``DiscordWebSocket.DEFAULT_GATEWAY`` at
:attr:`FakeDiscord.gateway_url` (the adapter does both from its ``api_url`` and
``gateway_url`` arguments).

REST: every request is recorded in :attr:`FakeDiscord.calls`; a few endpoints answer with
realistic objects (users, applications, commands, messages, DM channels, interaction
callbacks, webhook follow-ups). :meth:`FakeDiscord.fail_next` makes the next N matching
calls fail, e.g. with a 429 carrying Discord's rate-limit headers and body. A message
(posted, edited, an interaction's response or follow-up) over Discord's length limits is
refused as Discord refuses it: 400 Invalid Form Body (code 50035), nothing posted.

Interactions keep what the user sees (:meth:`FakeDiscord.interaction_messages`): a deferred
response is a "thinking..." message (flag LOADING) that the first follow-up fills, keeping
the defer's visibility; the original response can be fetched, edited (which also ends the
loading state) and deleted through ``/webhooks/{application.id}/{token}/messages/@original``,
follow-ups through ``.../messages/{message.id}``, as Discord documents.

Gateway: HELLO, then READY (with the application id) and a GUILD_CREATE for each of
:attr:`FakeDiscord.guild_ids` after IDENTIFY (or a close with ``identify_close_code``, as
Discord refuses a session; ``close_gateway`` closes live sessions with a code); heartbeats
are ACKed. A RESUME of a session the fake still has (:attr:`FakeDiscord.sessions`) is
answered RESUMED, of any other INVALID_SESSION (op 9, false), and
:meth:`FakeDiscord.request_reconnect` sends op 7 RECONNECT. Frames are zlib-stream
compressed (one compressobj per connection, each frame ending in a Z_SYNC_FLUSH) when the
client asks for ``compress=zlib-stream``, which discord.py does unless a zstd module is
installed. :meth:`FakeDiscord.interact`
dispatches an INTERACTION_CREATE for a ``/story ...`` command.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import time
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Self

from aiohttp import WSMsgType, web

from adapters.loopback_server import serve_on_loopback

APP_ID = 1100000000000000001  # a bot user's id equals its application's id
GUILD_ID = 1200000000000000001
CHANNEL_ID = 1300000000000000001
ADMIN_ROLE_ID = 1200000000000000002  # GUILD_ID's "Mods"; another guild's is its id + 1
# A second server, for an install in several (FakeDiscord.guild_ids); its one channel
OTHER_GUILD_ID = 1200000000000000101
OTHER_CHANNEL_ID = 1300000000000000101
USER_ID = 1400000000000000001
# A public thread in CHANNEL_ID (FakeDiscord.interaction(..., thread=True) is typed in it)
THREAD_ID = 1310000000000000001
MANAGE_GUILD = 1 << 5
# Permission bits (Discord's Permissions topic) the fake checks a message post against
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
SEND_MESSAGES_IN_THREADS = 1 << 38
# What the README's invite grants the bot's role: View Channels, Send Messages, Embed Links
INVITED = VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS
# A new server's @everyone, as Discord makes it (no Send Messages in Threads among these)
EVERYONE = VIEW_CHANNEL | SEND_MESSAGES | EMBED_LINKS | ATTACH_FILES | READ_MESSAGE_HISTORY
EPHEMERAL = 1 << 6  # message flags
LOADING = 1 << 7  # a deferred interaction response still "thinking"
OPTION_TYPES = {str: 3, int: 4, bool: 5, float: 10}


@dataclass
class Call:
    """One recorded REST request."""

    method: str
    path: str  # without the /api/v10 prefix
    query: dict[str, str]
    json: Any
    headers: dict[str, str]


@dataclass
class Failure:
    """A scripted error answer for the next ``count`` matching requests."""

    status: int
    count: int
    path_pattern: str | None
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


def shown(text: str) -> str:
    """``text`` as Discord shows it: a backslash before punctuation escapes it and is hidden."""
    return re.sub(r"\\([^0-9A-Za-z\s])", r"\1", text)


# Where a message is written: a channel's messages, an interaction's response and follow-ups.
_MESSAGE_PATHS = (
    r"/channels/\d+/messages(?:/\d+)?"
    r"|/interactions/\d+/[^/]+/callback"
    r"|/webhooks/\d+/[^/]+(?:/messages/(?:@original|\d+))?"
)
# Discord's message limits: "content ... (up to 2000 characters)" (Create Message) and the
# embed limits table; a longer value is refused "Must be N or fewer in length." Discord counts
# code points (discord-api-docs#1315), as len() does. An embed's url too is held to 2048
# (Discord's answer to a longer one: embeds.0.url "Must be 2048 or fewer in length.").
CONTENT_MAX = 2000
INTERACTION_ANSWER_S = 3.0  # an interaction is answered (or deferred) within 3 seconds
INTERACTION_TOKEN_S = 15 * 60.0  # its token takes follow-ups and edits for 15 minutes
EMBED_LIMITS = {"title": 256, "description": 4096, "url": 2048}
EMBED_TOTAL_MAX = 6000
EMBEDS_MAX = 10  # embeds in one message ("Up to 10 rich embeds")
FIELDS_MAX = 25  # fields in one embed
REQUIRED = {"_errors": [{"code": "BASE_TYPE_REQUIRED", "message": "This field is required"}]}


def invalid_message(body: dict[str, Any] | None) -> dict[str, Any]:
    """The ``errors`` of Discord's 400 Invalid Form Body (50035) for ``body``; {} if none."""

    def too_long(limit: int) -> dict[str, Any]:
        message = f"Must be {limit} or fewer in length."
        return {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH", "message": message}]}

    errors: dict[str, Any] = {}
    body = body or {}
    if len(body.get("content") or "") > CONTENT_MAX:
        errors["content"] = too_long(CONTENT_MAX)
    embeds: dict[str, Any] = {}
    if len(body.get("embeds") or []) > EMBEDS_MAX:
        embeds["_errors"] = too_long(EMBEDS_MAX)["_errors"]
    total = 0
    for n, embed in enumerate(body.get("embeds") or []):
        wrong = {k: too_long(v) for k, v in EMBED_LIMITS.items() if len(embed.get(k) or "") > v}
        if len(embed.get("fields") or []) > FIELDS_MAX:
            wrong["fields"] = {"_errors": too_long(FIELDS_MAX)["_errors"]}
        for i, field_ in enumerate(embed.get("fields") or []):
            for part, limit in (("name", 256), ("value", 1024)):
                if len(field_.get(part) or "") > limit:
                    wrong.setdefault("fields", {}).setdefault(str(i), {})[part] = too_long(limit)
            # a field's name and value are required: empty or blank, Discord refuses them
            for part in ("name", "value"):
                if not str(field_.get(part) or "").strip():
                    wrong.setdefault("fields", {}).setdefault(str(i), {})[part] = REQUIRED
        if len((embed.get("footer") or {}).get("text") or "") > 2048:
            wrong["footer"] = {"text": too_long(2048)}
        if len((embed.get("author") or {}).get("name") or "") > 256:
            wrong["author"] = {"name": too_long(256)}
        total += sum(len(embed.get(k) or "") for k in ("title", "description"))
        total += len((embed.get("footer") or {}).get("text") or "")
        total += len((embed.get("author") or {}).get("name") or "")
        total += sum(
            len(f.get("name") or "") + len(f.get("value") or "") for f in embed.get("fields") or []
        )
        if wrong:
            embeds[str(n)] = wrong
    if total > EMBED_TOTAL_MAX:
        embeds.setdefault("0", {})["_errors"] = [
            {
                "code": "MAX_EMBED_SIZE_EXCEEDED",
                "message": "Embed size exceeds maximum size of 6000",
            }
        ]
    if embeds:
        errors["embeds"] = embeds
    return errors


# Application commands as Discord checks a bulk overwrite (Application Commands: naming,
# the command and option structures, and the limits: 25 options a command or subcommand,
# 25 choices an option, names 1-32 lowercase word characters, descriptions 1-100, choice
# names 1-100 and string values up to 100, required options before optional ones, and
# "a maximum of 8000 characters for combined name, description, and value properties for
# each command, its options (including subcommands and groups), and choices"). One
# invalid command refuses the whole overwrite: 400 Invalid Form Body, nothing registered.
COMMANDS_MAX = 100
COMMAND_OPTIONS_MAX = 25
COMMAND_CHOICES_MAX = 25
COMMAND_TEXT_MAX = 8000
SUBCOMMAND, SUBCOMMAND_GROUP = 1, 2


def _field_error(code: str, message: str) -> dict[str, Any]:
    return {"_errors": [{"code": code, "message": message}]}


def _bad_length(low: int, high: int) -> dict[str, Any]:
    return _field_error("BASE_TYPE_BAD_LENGTH", f"Must be between {low} and {high} in length.")


def _name_ok(name: Any) -> bool:
    return (
        isinstance(name, str)
        and 1 <= len(name) <= 32
        and all(c.isalnum() or c in "-_'" for c in name)
        and name == name.lower()
    )


def _command_text(node: dict[str, Any]) -> int:
    """The characters of names, descriptions and choice names and values under ``node``."""
    size = len(node.get("name") or "") + len(node.get("description") or "")
    for choice in node.get("choices") or []:
        size += len(str(choice.get("name") or "")) + len(str(choice.get("value") or ""))
    return size + sum(_command_text(o) for o in node.get("options") or [])


def _invalid_options(options: list[dict[str, Any]], parent_type: int | None) -> dict[str, Any]:
    errors: dict[str, Any] = {}
    if len(options) > COMMAND_OPTIONS_MAX:
        errors["_errors"] = [
            {"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 25 or fewer in length."}
        ]
    names = [o.get("name") for o in options]
    seen_optional = False
    for i, option in enumerate(options):
        wrong = _invalid_node(option)
        kind = option.get("type")
        nests = kind in (SUBCOMMAND, SUBCOMMAND_GROUP)
        if parent_type == SUBCOMMAND_GROUP and kind != SUBCOMMAND:
            wrong.setdefault("type", _field_error("BASE_TYPE_CHOICES", "Must be a subcommand."))
        if parent_type == SUBCOMMAND and nests:
            wrong.setdefault("type", _field_error("BASE_TYPE_CHOICES", "Cannot nest here."))
        if names.count(option.get("name")) > 1:
            wrong.setdefault(
                "name", _field_error("APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS", "Taken.")
            )
        if not nests:
            if option.get("required") and seen_optional:
                wrong.setdefault(
                    "required",
                    _field_error(
                        "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                        "Required options must be placed before non-required options",
                    ),
                )
            seen_optional = seen_optional or not option.get("required")
        choices = option.get("choices") or []
        if len(choices) > COMMAND_CHOICES_MAX:
            wrong["choices"] = _field_error(
                "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length."
            )
        for n, choice in enumerate(choices):
            bad: dict[str, Any] = {}
            if not 1 <= len(str(choice.get("name") or "")) <= 100:
                bad["name"] = _bad_length(1, 100)
            if isinstance(choice.get("value"), str) and len(choice["value"]) > 100:
                bad["value"] = _bad_length(1, 100)
            if bad:
                wrong.setdefault("choices", {})[str(n)] = bad
        if nests:
            nested = _invalid_options(option.get("options") or [], kind)
            if nested:
                wrong["options"] = nested
        if wrong:
            errors[str(i)] = wrong
    return errors


def _invalid_node(node: dict[str, Any]) -> dict[str, Any]:
    wrong: dict[str, Any] = {}
    if not _name_ok(node.get("name")):
        wrong["name"] = _field_error("APPLICATION_COMMAND_INVALID_NAME", "Command name is invalid")
    if not 1 <= len(node.get("description") or "") <= 100:
        wrong["description"] = _bad_length(1, 100)
    return wrong


def invalid_commands(commands: list[dict[str, Any]]) -> dict[str, Any]:
    """The ``errors`` of Discord's 400 Invalid Form Body for a bulk overwrite; {} if valid."""
    errors: dict[str, Any] = {}
    if len(commands) > COMMANDS_MAX:
        errors["_errors"] = [
            {"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 100 or fewer in length."}
        ]
    names = [c.get("name") for c in commands]
    for i, command in enumerate(commands):
        wrong = _invalid_node(command)
        if names.count(command.get("name")) > 1:
            wrong.setdefault(
                "name", _field_error("APPLICATION_COMMANDS_DUPLICATE_NAME", "Duplicate name")
            )
        options = _invalid_options(command.get("options") or [], None)
        if options:
            wrong["options"] = options
        if _command_text(command) > COMMAND_TEXT_MAX:
            wrong.setdefault("_errors", []).append(
                {
                    "code": "APPLICATION_COMMAND_TOO_LARGE",
                    "message": f"Command exceeds maximum size ({COMMAND_TEXT_MAX})",
                }
            )
        if wrong:
            errors[str(i)] = wrong
    return errors


def _drop(request: web.Request) -> web.Response:
    """Close the connection without an answer."""
    assert request.transport is not None
    request.transport.close()
    return web.Response(status=500)


def _now_iso() -> str:
    return datetime.now(UTC).isoformat()


class FakeDiscord:
    """A fake Discord server on 127.0.0.1 (random port). Use as ``async with``."""

    def __init__(
        self,
        token: str = "test-token",
        *,
        chaos: Any = None,
        nonce_window_s: float | None = None,
        clock: Any = time.time,
    ) -> None:
        """Args:
        token: The bot token the fake accepts.
        chaos: Seeded random faults (``tests/faults.Chaos``) for message posts and edits.
        nonce_window_s: How long an enforced nonce is remembered (Discord: "a few
            minutes"); None remembers it forever.
        clock: Unix seconds for the nonce window (an injected test clock).
        """
        self.token = token
        self.chaos = chaos
        self.nonce_window_s = nonce_window_s
        self.clock = clock
        self._nonce_at: dict[str, float] = {}
        self.calls: list[Call] = []
        self.messages: dict[str, dict[str, Any]] = {}
        self.commands: dict[int | None, list[dict[str, Any]]] = {}  # guild id (None=global)
        # The servers the bot is in, as READY and GUILD_CREATE tell it; each has one text
        # channel (channel_of) and a "Mods" role with Manage Server (its id + 1).
        self.guild_ids: list[int] = [GUILD_ID]
        self.callbacks: list[dict[str, Any]] = []  # interaction callback bodies, in order
        self.unknown_channels: set[str] = set()
        self.forbidden_channels: set[str] = set()  # the bot cannot see them: Missing Access
        # The bot's permissions in a channel or thread (its roles' and @everyone's, with the
        # channel's overwrites), where they are not EVERYONE | INVITED: interactions carry
        # them as app_permissions, and a message post is refused without them as Discord
        # refuses it (403 Missing Access, 50001; Missing Permissions, 50013).
        self.bot_permissions: dict[int, int] = {}
        self.thread_parents: dict[int, int] = {THREAD_ID: CHANNEL_ID}
        # Servers the app's commands were added to without the bot (a command typed in a
        # server the bot is not in puts it here), and servers the bot was removed from
        # (leave_guild; without a gateway, add to it and take it out of guild_ids)
        self.commands_only_guilds: set[int] = set()
        self.left_guild_ids: set[int] = set()
        # Members of the servers, as Get Guild Member answers (GET /guilds/{g}/members/{u}):
        # everyone is a member of every server the bot is in except (server, user) pairs
        # here (10007 Unknown Member: they left) and deleted accounts (10013 Unknown User).
        self.left_members: set[tuple[int, int]] = set()
        self.deleted_users: set[int] = set()
        self.gateway_queries: list[dict[str, str]] = []
        self.identify: dict[str, Any] | None = None
        self.identified = asyncio.Event()  # READY sent
        # Gateway sessions that can be resumed: session id -> the last sequence number sent
        # in it. RESUME of one of them is answered RESUMED, of any other INVALID_SESSION
        # (op 9, false: identify anew), as Discord answers a session it no longer has.
        self.sessions: dict[str, int] = {}
        self.resumes: list[dict[str, Any]] = []  # the RESUME payloads received
        self.sessions_ready = 0  # READY sent (IDENTIFY answered), over all connections
        self.sessions_resumed = 0  # RESUMED sent
        self._gateway_event = asyncio.Condition()
        self.identify_received = asyncio.Event()  # IDENTIFY received, answered or not
        self.send_ready = True  # False: IDENTIFY goes unanswered (a gateway that hangs)
        # A close code IDENTIFY is answered with instead of READY, as Discord refuses a
        # session: 4004 (authentication failed), 4014 (disallowed intents)...; None: READY.
        self.identify_close_code: int | None = None
        # Discord caps the edits to messages older than an hour (its number is not
        # published: "We don't put rate limit details in our documentation", discord-api-docs
        # #4413); past it an edit is answered 429 with JSON code 30046, as a rate limit
        # carrying "an error code for some limits" (Rate Limits: Rate Limit Response
        # Structure). Counted over the last hour of the fake's clock.
        self.old_message_edits_per_hour = 3
        self._old_edits: list[float] = []  # clock times of the edits to old messages
        self._posted_at: dict[str, float] = {}  # message id -> clock time it was posted
        # Interaction tokens: when each was issued (the fake's clock) and which were
        # answered. Discord: "Interaction tokens are valid for 15 minutes ... but you must
        # send an initial response within 3 seconds of receiving the event" (Receiving and
        # Responding); an interaction is answered once.
        self._issued: dict[str, float] = {}
        self._answered: set[str] = set()
        self._lose_posted = 0  # answers of message posts to lose once they posted (see below)
        self._failures: list[Failure] = []
        self._ids = itertools.count(1500000000000000001)
        self._nonces: dict[str, str] = {}
        self._originals: dict[str, str] = {}  # interaction token -> its response message id
        self._followups: dict[str, list[str]] = {}  # interaction token -> follow-up ids
        self._sockets: list[_GatewayConnection] = []
        self._call_event = asyncio.Condition()
        self._runner: web.AppRunner | None = None
        self._stopping = asyncio.Event()  # set at exit: answers held late end
        self.port = 0

    # ------------------------------------------------------------------ lifecycle

    async def __aenter__(self) -> Self:
        app = web.Application()
        app.router.add_get("/gateway/", self._gateway)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        self._runner, self.port = await serve_on_loopback(app)
        return self

    async def __aexit__(self, *exc: object) -> None:
        self._stopping.set()
        for conn in list(self._sockets):
            await conn.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway/"

    # ------------------------------------------------------------------ scripting

    def fail_next(
        self,
        count: int,
        status: int,
        *,
        path: str | None = None,
        code: int = 0,
        message: str = "error",
    ) -> None:
        """Answer the next ``count`` requests whose path matches regex ``path`` with an error."""
        self._failures.append(Failure(status, count, path, {"message": message, "code": code}))

    def rate_limit_next(
        self,
        count: int,
        retry_after: float,
        *,
        path: str | None = None,
        scope: str = "user",
    ) -> None:
        """Answer the next ``count`` matching requests with a 429 as Discord sends it.

        ``scope`` is its ``X-RateLimit-Scope``: "user" (the bot's limit on the route, for
        the route's channel), "shared" (the channel's, whoever posts) or "global" (the
        bot's global limit, which also says ``"global": true`` in the body and
        ``X-RateLimit-Global: true``).
        """
        reset = time.time() + retry_after
        headers = {
            "Retry-After": str(max(1, round(retry_after))),
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": f"{reset:.3f}",
            "X-RateLimit-Reset-After": f"{retry_after:.3f}",
            "X-RateLimit-Bucket": "fakebucket",
            "X-RateLimit-Scope": scope,
        }
        if scope == "global":
            headers["X-RateLimit-Global"] = "true"
        body = {
            "message": "You are being rate limited.",
            "retry_after": retry_after,
            "global": scope == "global",
        }
        self._failures.append(Failure(429, count, path, body, headers))

    def lose_answer_of_next_post(self, count: int = 1) -> None:
        """Drop the connection after each of the next ``count`` message posts that post a
        message (not one answered with an error or with an earlier message): Discord
        posted it, the client never hears so."""
        self._lose_posted += count

    def calls_to(self, method: str, path_pattern: str) -> list[Call]:
        """Recorded calls with this method whose path fully matches the regex."""
        return [c for c in self.calls if c.method == method and re.fullmatch(path_pattern, c.path)]

    async def wait_for_call(
        self, method: str, path_pattern: str, timeout: float = 5.0, *, count: int = 1
    ) -> Call:
        """Wait until ``count`` matching calls have been recorded and return the last of them."""

        def found() -> bool:
            return len(self.calls_to(method, path_pattern)) >= count

        async with self._call_event:
            await asyncio.wait_for(self._call_event.wait_for(found), timeout)
        return self.calls_to(method, path_pattern)[count - 1]

    # ------------------------------------------------------------------ REST

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        body = await request.read()
        payload = json.loads(body) if body and request.content_type == "application/json" else None
        call = Call(request.method, path, dict(request.query), payload, dict(request.headers))
        self.calls.append(call)
        async with self._call_event:
            self._call_event.notify_all()
        if request.headers.get("Authorization") != f"Bot {self.token}" and not path.startswith(
            ("/webhooks/", "/interactions/")
        ):
            return self._error(401, {"message": "401: Unauthorized", "code": 0})
        failure = self._take_failure(path)
        if failure is not None:
            return self._error(failure.status, failure.body, failure.headers)
        fault = None
        if (
            self.chaos is not None
            and request.method in ("POST", "PATCH")
            and re.fullmatch(r"/channels/\d+/messages(/\d+)?", path)
        ):
            fault = self.chaos.pick()
        if fault == "429":
            return self._rate_limited(self.chaos.retry_after())
        if fault == "5xx":
            status = self.chaos.status()
            return self._error(status, {"message": f"{status}: Service Unavailable", "code": 0})
        if fault == "drop":
            return _drop(request)
        before = len(self.messages)
        status, data = self._answer(call)
        if self._lose_posted and request.method == "POST" and len(self.messages) > before:
            self._lose_posted -= 1
            return _drop(request)
        if fault == "drop-after":
            return _drop(request)
        if fault == "slow":
            await self.chaos.answer_late(self._stopping)  # the client has given up by now
        if status == 429:  # a limit of Discord's own with a JSON code (30046)
            wait = float(data["retry_after"])
            return self._json(status, data, {"Retry-After": str(max(1, round(wait)))})
        return self._json(status, data)

    def _rate_limited(self, retry_after: float) -> web.Response:
        headers = {
            "Retry-After": str(max(1, round(retry_after))),
            "X-RateLimit-Limit": "5",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset-After": f"{retry_after:.3f}",
            "X-RateLimit-Bucket": "fakebucket",
            "X-RateLimit-Scope": "user",
        }
        body = {
            "message": "You are being rate limited.",
            "retry_after": retry_after,
            "global": False,
        }
        return self._error(429, body, headers)

    def posted_nonces(self) -> list[str]:
        """The nonce of every message posted to a channel (one entry per message)."""
        return [
            str(m.get("nonce"))
            for m in self.messages.values()
            if m.get("nonce") and not str(m.get("channel_id", "")).startswith("webhook")
        ]

    def _take_failure(self, path: str) -> Failure | None:
        for failure in self._failures:
            if failure.count > 0 and (
                failure.path_pattern is None or re.fullmatch(failure.path_pattern, path)
            ):
                failure.count -= 1
                return failure
        return None

    def _json(self, status: int, data: Any, headers: dict[str, str] | None = None) -> web.Response:
        base = {
            # Cloudflare adds Via; discord.py treats a 429 without it as a Cloudflare ban.
            "Via": "1.1 google",
            "X-RateLimit-Limit": "50",
            "X-RateLimit-Remaining": "49",
            "X-RateLimit-Reset-After": "1.000",
            "X-RateLimit-Bucket": "fakebucket",
        }
        base.update(headers or {})
        if data is None:
            return web.Response(status=204, headers=base)
        # Exactly "application/json": discord.py does not parse bodies typed with a charset.
        base["Content-Type"] = "application/json"
        return web.Response(body=json.dumps(data).encode(), status=status, headers=base)

    def _error(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None):
        return self._json(status, body, headers)

    def _answer(self, call: Call) -> tuple[int, Any]:
        m, p = call.method, call.path
        if m in ("POST", "PATCH") and re.fullmatch(_MESSAGE_PATHS, p):
            body = call.json or {}
            errors = invalid_message(body.get("data") if p.startswith("/interactions/") else body)
            if errors:
                return 400, {"message": "Invalid Form Body", "code": 50035, "errors": errors}
        if m == "GET" and p == "/users/@me":
            return 200, self.bot_user()
        if m == "GET" and p == "/oauth2/applications/@me":
            return 200, self._application()
        if m == "GET" and p in ("/gateway", "/gateway/bot"):
            return 200, {
                "url": self.gateway_url.rstrip("/"),
                "shards": 1,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 0,
                    "max_concurrency": 1,
                },
            }
        if match := re.fullmatch(r"/applications/(\d+)(?:/guilds/(\d+))?/commands", p):
            guild = int(match[2]) if match[2] else None
            if guild is not None and guild not in (*self.guild_ids, *self.commands_only_guilds):
                # the app is not installed there (or it is no server's id at all)
                return 403, {"message": "Missing Access", "code": 50001}
            if m == "PUT":
                errors = invalid_commands(call.json or [])
                if errors:
                    return 400, {"message": "Invalid Form Body", "code": 50035, "errors": errors}
                self.commands[guild] = [self._command(c, guild) for c in call.json]
            return 200, self.commands.get(guild, [])
        if m == "GET" and (match := re.fullmatch(r"/guilds/(\d+)/members/(\d+)", p)):
            return self._member(int(match[1]), int(match[2]))
        if match := re.fullmatch(r"/channels/(\d+)(/messages(?:/(\d+))?)?", p):
            return self._channel_call(m, match[1], match[3], call.json, bool(match[2]))
        if m == "POST" and p == "/users/@me/channels":
            user = self.user(int(call.json["recipient_id"]))
            return 200, {"id": self._dm_id(user["id"]), "type": 1, "recipients": [user]}
        if match := re.fullmatch(r"/interactions/(\d+)/([^/]+)/callback", p):
            return self._callback(match[1], call)
        if match := re.fullmatch(r"/webhooks/(\d+)/([^/]+)(?:/messages/(@original|\d+))?", p):
            return self._webhook_call(m, match[2], match[3], call.json or {})
        return 404, {"message": "404: Not Found", "code": 0}

    def _webhook_call(
        self, method: str, token: str, message: str | None, body: dict[str, Any]
    ) -> tuple[int, Any]:
        """An interaction's follow-ups and original response, addressed by its token."""
        issued = self._issued.get(token)
        if issued is not None and self.clock() - issued > INTERACTION_TOKEN_S:
            return 401, {"message": "Invalid Webhook Token", "code": 50027}
        if issued is not None and token not in self._answered:
            # nothing to follow up before the interaction is answered (or deferred)
            return 404, {"message": "Unknown Webhook", "code": 10015}
        original = self._originals.get(token)
        followups = self._followups.setdefault(token, [])
        if message is None:
            if method != "POST":
                return 405, {"message": "405: Method Not Allowed", "code": 0}
            if original in self.messages and self.messages[original]["flags"] & LOADING:
                # The first follow-up after a defer fills the deferred response: it keeps
                # the defer's visibility, whatever flags the follow-up asks for.
                return 200, self._settle(original, {k: v for k, v in body.items() if k != "flags"})
            msg = self._message(f"webhook:{token}", body)
            if original is None:  # no callback first: the follow-up stands in for it
                self._originals[token] = msg["id"]
            else:
                followups.append(msg["id"])
            return 200, msg
        message_id = original if message == "@original" else message
        if message_id not in self.messages or message_id not in (original, *followups):
            return 404, {"message": "Unknown Message", "code": 10008}
        if method == "GET":
            return 200, self.messages[message_id]
        if method == "PATCH":
            return 200, self._settle(message_id, body)
        if method == "DELETE":
            del self.messages[message_id]
            return 204, None
        return 405, {"message": "405: Method Not Allowed", "code": 0}

    def _settle(self, message_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """Edit an interaction message; an edited deferred response is no longer loading."""
        msg = self._message("webhook", body, message_id)
        msg["flags"] &= ~LOADING
        return msg

    def interaction_messages(self, token: str) -> list[dict[str, Any]]:
        """What the user sees of an interaction: its response, then its follow-ups.

        Deleted messages are gone; each message's ``flags`` say whether only the user
        sees it (``EPHEMERAL``) and whether it is still "thinking..." (``LOADING``).
        """
        ids = [self._originals.get(token), *self._followups.get(token, [])]
        return [self.messages[i] for i in ids if i in self.messages]

    def _member(self, guild_id: int, user_id: int) -> tuple[int, Any]:
        """Get Guild Member, as Discord answers it (it needs no privileged intent)."""
        if guild_id not in self.guild_ids:
            return 403, {"message": "Missing Access", "code": 50001}
        if user_id in self.deleted_users:
            return 404, {"message": "Unknown User", "code": 10013}
        if (guild_id, user_id) in self.left_members:
            return 404, {"message": "Unknown Member", "code": 10007}
        return 200, {
            "user": self.user(user_id),
            "nick": None,
            "avatar": None,
            "roles": [],
            "joined_at": _now_iso(),
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
        }

    def guild_of(self, channel_id: int) -> int | None:
        """The server of one of the fake's channels or threads: a server the bot is in,
        left, or had a command typed in (None: a channel id of no known server)."""
        channel_id = self.thread_parents.get(channel_id, channel_id)
        guild = GUILD_ID + channel_id - CHANNEL_ID
        known = (self.guild_ids, self.commands_only_guilds, self.left_guild_ids)
        return guild if any(guild in k for k in known) else None

    def permissions_in(self, channel_id: int) -> int:
        """The bot's permissions in ``channel_id``, as an interaction's app_permissions says.

        In a server the bot is not in (its commands added without the bot, or the bot
        removed), they are @everyone's plus Embed Links and Attach Files, which Discord
        adds for an app without a bot there (discord/discord-api-docs#5316): no refusal
        of the channel shows in them.
        """
        guild = self.guild_of(channel_id)
        if guild is not None and guild not in self.guild_ids:
            return EVERYONE | EMBED_LINKS | ATTACH_FILES
        granted = self.bot_permissions.get(channel_id, EVERYONE | INVITED)
        if str(channel_id) in self.forbidden_channels:  # an overwrite denies View Channel
            return granted & ~VIEW_CHANNEL
        return granted

    def _refused_post(self, method: str, channel_id: str, body: dict[str, Any]) -> dict | None:
        """Discord's 403 for a message posted or edited where the bot may not, or None.

        A channel of a server the bot is not in, or one it cannot see, is Missing Access;
        a post where it sees but may not post (Send Messages, or Send Messages in Threads
        in a thread), or of an embed without content where it lacks Embed Links (Discord
        posts content and drops the embeds: discord/discord-api-docs#2601), Missing
        Permissions.
        """
        guild = self.guild_of(int(channel_id))
        perms = self.permissions_in(int(channel_id))
        if (guild is not None and guild not in self.guild_ids) or not perms & VIEW_CHANNEL:
            return {"message": "Missing Access", "code": 50001}
        send = SEND_MESSAGES_IN_THREADS if int(channel_id) in self.thread_parents else SEND_MESSAGES
        if method == "POST" and not perms & send:
            return {"message": "Missing Permissions", "code": 50013}
        # (an edit is left alone: what Discord does with one is not settled, #2601, #5648)
        if method == "POST" and body.get("embeds") and not body.get("content"):
            if not perms & EMBED_LINKS:
                return {"message": "Missing Permissions", "code": 50013}
        return None

    def _channel_call(self, method, channel_id, message_id, body, messages) -> tuple[int, Any]:
        if channel_id in self.unknown_channels:
            return 404, {"message": "Unknown Channel", "code": 10003}
        if channel_id in self.forbidden_channels:
            return 403, {"message": "Missing Access", "code": 50001}
        if not messages:
            return 200, self.channel(int(channel_id), self.guild_of(int(channel_id)) or GUILD_ID)
        if method in ("POST", "PATCH") and (
            refused := self._refused_post(method, channel_id, body or {})
        ):
            return 403, refused
        if method == "POST":
            nonce = (body or {}).get("nonce")
            # Discord returns the earlier message when enforce_nonce repeats a nonce; if
            # that message was deleted, it answers Unknown Message and posts nothing
            # (intended, said Discord's developer in discord/discord-api-docs#6647).
            if nonce and (body or {}).get("enforce_nonce") and nonce in self._nonces:
                fresh = self.nonce_window_s is None or (
                    self.clock() - self._nonce_at[nonce] <= self.nonce_window_s
                )
                if fresh and self._nonces[nonce] not in self.messages:
                    return 404, {"message": "Unknown Message", "code": 10008}
                if fresh:
                    return 200, self.messages[self._nonces[nonce]]
            msg = self._message(channel_id, body or {})
            if nonce:
                self._nonces[nonce] = msg["id"]
                self._nonce_at[nonce] = self.clock()
            return 200, msg
        if method == "PATCH":
            if message_id not in self.messages:
                return 404, {"message": "Unknown Message", "code": 10008}
            if (wait := self._old_edit_wait(message_id)) is not None:
                return 429, {
                    "message": "Maximum number of edits to messages older than 1 hour reached. "
                    "Try again later",
                    "code": 30046,
                    "retry_after": round(wait, 3),
                    "global": False,
                }
            return 200, self._message(channel_id, body or {}, message_id)
        return 404, {"message": "404: Not Found", "code": 0}

    def _old_edit_wait(self, message_id: str) -> float | None:
        """Seconds until an edit of ``message_id`` is under Discord's cap on editing old
        messages, or None when it is now (the edit then counts towards the cap)."""
        now = self.clock()
        if now - self._posted_at.get(message_id, now) <= 3600:
            return None
        self._old_edits = [t for t in self._old_edits if now - t < 3600]
        if len(self._old_edits) >= self.old_message_edits_per_hour:
            return 3600.0 - (now - self._old_edits[0]) if self._old_edits else 3600.0
        self._old_edits.append(now)
        return None

    def _message(self, channel_id: str, body: dict[str, Any], edit_id: str | None = None):
        msg = self.messages.get(edit_id or "") or {
            "id": str(next(self._ids)),
            "channel_id": channel_id if channel_id.isdigit() else str(CHANNEL_ID),
            "author": self.bot_user(),
            "content": "",
            "timestamp": _now_iso(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": [],
            "pinned": False,
            "type": 0,
            "flags": 0,
            "components": [],
        }
        if edit_id:
            msg["edited_timestamp"] = _now_iso()
        else:
            self._posted_at[msg["id"]] = self.clock()
        for key in ("content", "embeds", "flags", "nonce"):
            if key in body:
                msg[key] = body[key]
        msg["source_body"] = body  # what the client sent, for assertions
        self.messages[msg["id"]] = msg
        return msg

    def _callback(self, interaction_id: str, call: Call) -> tuple[int, Any]:
        token = call.path.split("/")[3]
        if token in self._answered:
            return 400, {"message": "Interaction has already been acknowledged.", "code": 40060}
        issued = self._issued.get(token)
        if issued is not None and self.clock() - issued > INTERACTION_ANSWER_S:
            return 404, {"message": "Unknown interaction", "code": 10062}
        self._answered.add(token)
        body = call.json or {}
        self.callbacks.append(body)
        data = body.get("data") or {}
        ephemeral = bool((data.get("flags") or 0) & 64)
        response: dict[str, Any] = {
            "interaction": {
                "id": interaction_id,
                "type": 2,
                "response_message_loading": body.get("type") == 5,
                "response_message_ephemeral": ephemeral,
            }
        }
        if body.get("type") in (4, 5):
            token = call.path.split("/")[3]
            msg = self._message(f"webhook:{token}", data)
            if body["type"] == 5:
                msg["flags"] = (msg["flags"] or 0) | LOADING
            self._originals[token] = msg["id"]
            response["interaction"]["response_message_id"] = msg["id"]
            response["resource"] = {"type": body["type"], "message": msg}
        if call.query.get("with_response") in ("1", "true", "True"):
            return 200, response
        return 204, None

    # ------------------------------------------------------------------ objects

    def bot_user(self) -> dict[str, Any]:
        return {
            "id": str(APP_ID),
            "username": "storybot",
            "discriminator": "0",
            "global_name": "storybot",
            "avatar": None,
            "bot": True,
            "flags": 0,
        }

    def user(self, user_id: int = USER_ID, name: str = "alice") -> dict[str, Any]:
        return {
            "id": str(user_id),
            "username": name,
            "discriminator": "0",
            "global_name": name.title(),
            "avatar": None,
            "public_flags": 0,
        }

    @staticmethod
    def channel_of(guild_id: int) -> int:
        """The id of ``guild_id``'s one text channel (CHANNEL_ID in GUILD_ID)."""
        return CHANNEL_ID + (guild_id - GUILD_ID)

    def channel(self, channel_id: int = CHANNEL_ID, guild_id: int = GUILD_ID) -> dict[str, Any]:
        return {
            "id": str(channel_id),
            "type": 0,
            "guild_id": str(guild_id),
            "name": "news",
            "position": 0,
            "permission_overwrites": [],
            "nsfw": False,
            "parent_id": None,
            "topic": None,
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "flags": 0,
        }

    def thread(self, thread_id: int = THREAD_ID) -> dict[str, Any]:
        """A public thread (type 11) of one of the fake's channels."""
        parent = self.thread_parents[thread_id]
        guild = self.guild_of(parent)
        return {
            "id": str(thread_id),
            "type": 11,
            "guild_id": str(guild),
            "parent_id": str(parent),
            "owner_id": str(USER_ID),
            "name": "talk",
            "last_message_id": None,
            "rate_limit_per_user": 0,
            "message_count": 0,
            "member_count": 1,
            "flags": 0,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": 1440,
                "archive_timestamp": _now_iso(),
                "locked": False,
            },
        }

    def _dm_id(self, user_id: str) -> str:
        return str(int(user_id) + 100)

    def _application(self) -> dict[str, Any]:
        return {
            "id": str(APP_ID),
            "name": "storybot",
            "icon": None,
            "description": "",
            "bot_public": True,
            "bot_require_code_grant": False,
            "owner": self.user(USER_ID),
            "team": None,
            "verify_key": "00" * 32,
            "flags": 0,
            "bot": self.bot_user(),
            "rpc_origins": [],
        }

    def _command(self, data: dict[str, Any], guild: int | None) -> dict[str, Any]:
        cmd = dict(data)
        cmd.update(
            id=str(next(self._ids)), application_id=str(APP_ID), version=str(next(self._ids))
        )
        if guild is not None:
            cmd["guild_id"] = str(guild)
        return cmd

    def _guild(self, guild_id: int = GUILD_ID) -> dict[str, Any]:
        def role(role_id: int, name: str, perms: int, position: int) -> dict[str, Any]:
            return {
                "id": str(role_id),
                "name": name,
                "permissions": str(perms),
                "position": position,
                "color": 0,
                "hoist": False,
                "managed": False,
                "mentionable": False,
                "flags": 0,
                "icon": None,
                "unicode_emoji": None,
            }

        return {
            "id": str(guild_id),
            "name": "Newsroom" if guild_id == GUILD_ID else f"Server {guild_id}",
            "icon": None,
            "owner_id": "1",
            "unavailable": False,
            "large": False,
            "member_count": 2,
            "features": [],
            "roles": [
                role(guild_id, "@everyone", EVERYONE, 0),
                role(guild_id + 1, "Mods", MANAGE_GUILD, 1),
            ],
            "channels": [self.channel(self.channel_of(guild_id), guild_id)],
            "members": [],
            "threads": [],
            "presences": [],
            "voice_states": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "emojis": [],
            "stickers": [],
            "joined_at": _now_iso(),
            "preferred_locale": "en-US",
            "premium_tier": 0,
            "system_channel_flags": 0,
        }

    # ------------------------------------------------------------------ gateway

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.gateway_queries.append(dict(request.query))
        conn = _GatewayConnection(ws, request.query.get("compress") == "zlib-stream")
        self._sockets.append(conn)
        try:
            await conn.send(op=10, d={"heartbeat_interval": 41250})
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                await self._on_gateway_message(conn, json.loads(msg.data))
        finally:
            self._sockets.remove(conn)
            if conn.session_id in self.sessions:
                self.sessions[conn.session_id] = conn.seq
        return ws

    async def _on_gateway_message(self, conn: _GatewayConnection, data: dict[str, Any]) -> None:
        op = data.get("op")
        if op == 1:  # heartbeat
            await conn.send(op=11)
        elif op == 2:  # identify
            self.identify = data["d"]
            self.identify_received.set()
            if self.identify_close_code is not None:
                await conn.ws.close(code=self.identify_close_code, message=b"refused")
                return
            if not self.send_ready:
                return
            conn.session_id = f"fake-session-{self.sessions_ready + 1}"
            self.sessions[conn.session_id] = 0
            await conn.dispatch(
                "READY",
                {
                    "v": 10,
                    "user": self.bot_user(),
                    "session_id": conn.session_id,
                    "resume_gateway_url": self.gateway_url,
                    "guilds": [{"id": str(g), "unavailable": True} for g in self.guild_ids],
                    "application": {"id": str(APP_ID), "flags": 0},
                    "private_channels": [],
                    "relationships": [],
                    "user_settings": {},
                },
            )
            for guild_id in self.guild_ids:
                await conn.dispatch("GUILD_CREATE", self._guild(guild_id))
            self.identified.set()
            await self._gateway_changed("sessions_ready")
        elif op == 6:  # resume
            resume = data["d"]
            self.resumes.append(resume)
            if resume.get("session_id") not in self.sessions:
                await conn.send(op=9, d=False)
                return
            conn.session_id = resume["session_id"]
            conn.seq = self.sessions[conn.session_id]  # the session's numbers go on
            await conn.dispatch("RESUMED", {})
            await self._gateway_changed("sessions_resumed")

    async def _gateway_changed(self, counter: str) -> None:
        setattr(self, counter, getattr(self, counter) + 1)
        async with self._gateway_event:
            self._gateway_event.notify_all()

    async def wait_for_sessions(self, *, ready: int = 0, resumed: int = 0) -> None:
        """Wait until READY was sent ``ready`` times and RESUMED ``resumed`` times in all."""

        def reached() -> bool:
            return self.sessions_ready >= ready and self.sessions_resumed >= resumed

        async with self._gateway_event:
            await asyncio.wait_for(self._gateway_event.wait_for(reached), 5.0)

    async def request_reconnect(self, *, resumable: bool = True) -> None:
        """Ask every client to reconnect (op 7 RECONNECT), as Discord does before it moves
        a session; ``resumable=False``: the session is gone meanwhile, so the client's
        RESUME is answered INVALID_SESSION and it identifies anew."""
        for conn in list(self._sockets):
            if not resumable:
                self.sessions.pop(conn.session_id or "", None)
                conn.session_id = None
            await conn.send(op=7)

    async def close_gateway(self, code: int) -> None:
        """Close every gateway connection with ``code`` (4004: the token was reset...)."""
        for conn in list(self._sockets):
            await conn.ws.close(code=code, message=b"closed by the fake")

    async def send_garbage(self) -> None:
        """Send every gateway connection a frame that is not JSON (a broken gateway or proxy).

        discord.py does not catch the decoding error: the client's gateway task ends with
        it, an ordinary failure rather than one of Discord's refusals.
        """
        for conn in list(self._sockets):
            await conn.send_text("this is not JSON")

    async def join_guild(self, guild_id: int) -> None:
        """The bot is added to another server: GUILD_CREATE, as Discord sends on a join.

        Without ``unavailable``: Discord sets it (false) only for a server that was
        unavailable and is back, which clients report as available, not as a join.
        """
        self.guild_ids.append(guild_id)
        guild = self._guild(guild_id)
        del guild["unavailable"]
        await self.dispatch("GUILD_CREATE", guild)

    async def leave_guild(self, guild_id: int) -> None:
        """The bot is removed from a server: GUILD_DELETE without ``unavailable``."""
        self.guild_ids.remove(guild_id)
        self.left_guild_ids.add(guild_id)
        await self.dispatch("GUILD_DELETE", {"id": str(guild_id)})

    async def guild_outage(self, guild_id: int) -> None:
        """A server the bot is in becomes unavailable (a Discord outage): GUILD_DELETE with
        ``unavailable: true``, as Discord's Guild Delete event documents it. The bot is
        still a member (the server stays in :attr:`guild_ids`)."""
        await self.dispatch("GUILD_DELETE", {"id": str(guild_id), "unavailable": True})

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send a DISPATCH event to every connected client."""
        await self.identified.wait()
        for conn in list(self._sockets):
            await conn.dispatch(event, data)

    def interaction(
        self,
        path: list[str],
        options: dict[str, Any] | None = None,
        *,
        user_id: int = USER_ID,
        permissions: int = 0,
        dm: bool = False,
        focused: str | None = None,
        guild_id: int = GUILD_ID,
        thread: bool = False,
    ) -> dict[str, Any]:
        """Build an INTERACTION_CREATE payload for ``/story <path...>`` with ``options``.

        Args:
            path: Subcommand path below ``story``, e.g. ``["feeds", "add"]``.
            options: Option values; the option type follows the Python type.
            user_id: The invoking user.
            permissions: The member's resolved permissions (bit field).
            dm: Invoke from the bot's DMs instead of the guild channel.
            focused: Name of the option being typed: makes it an autocomplete interaction.
            guild_id: The server it is typed in (in its one channel, ``channel_of``); it
                need not be one the bot is in (an app installed with commands only).
            thread: Typed in the public thread ``THREAD_ID`` of GUILD_ID's channel.

        ``app_permissions`` is the bot's in that channel (:meth:`permissions_in`).
        """
        leaf = []
        for name, value in (options or {}).items():
            opt = {"name": name, "type": OPTION_TYPES[type(value)], "value": value}
            if name == focused:
                opt["focused"] = True
            leaf.append(opt)
        nested: list[dict[str, Any]] = leaf
        for depth, name in reversed(list(enumerate(path))):
            is_leaf = depth == len(path) - 1
            nested = [{"name": name, "type": 1 if is_leaf else 2, "options": nested}]
        user = self.user(user_id)
        token = f"tok{next(self._ids)}"
        self._issued[token] = self.clock()
        payload: dict[str, Any] = {
            "id": str(next(self._ids)),
            "application_id": str(APP_ID),
            "type": 4 if focused else 2,
            "token": token,
            "version": 1,
            "data": {"id": str(next(self._ids)), "name": "story", "type": 1, "options": nested},
            "app_permissions": str((1 << 53) - 1),
            "locale": "en-US",
            "entitlements": [],
            "attachment_size_limit": 10485760,
            "authorizing_integration_owners": {"0": str(guild_id)},
        }
        if dm:
            dm_channel = {"id": self._dm_id(str(user_id)), "type": 1, "recipients": [user]}
            payload.update(channel=dm_channel, channel_id=dm_channel["id"], user=user, context=1)
        else:
            if guild_id not in self.guild_ids:
                self.commands_only_guilds.add(guild_id)
            roles = [str(guild_id + 1)] if permissions & MANAGE_GUILD else []
            channel_id = self.channel_of(guild_id)
            channel = self.channel(channel_id, guild_id)
            if thread:
                assert guild_id == GUILD_ID, "the fake's one thread is in GUILD_ID"
                channel_id = THREAD_ID
                channel = self.thread(THREAD_ID)
            payload.update(
                app_permissions=str(self.permissions_in(channel_id)),
                guild_id=str(guild_id),
                guild_locale="en-US",
                context=0,
                guild={"id": str(guild_id), "locale": "en-US", "features": []},
                channel=channel,
                channel_id=str(channel_id),
                member={
                    "user": user,
                    "roles": roles,
                    "permissions": str(permissions),
                    "joined_at": _now_iso(),
                    "deaf": False,
                    "mute": False,
                    "flags": 0,
                    "nick": None,
                    "avatar": None,
                    "premium_since": None,
                    "pending": False,
                    "communication_disabled_until": None,
                },
            )
        return payload

    async def interact(self, path: list[str], options: dict[str, Any] | None = None, **kw: Any):
        """Dispatch an INTERACTION_CREATE (see :meth:`interaction`) and return its payload."""
        payload = self.interaction(path, options, **kw)
        await self.dispatch("INTERACTION_CREATE", payload)
        return payload


class _GatewayConnection:
    """One gateway websocket with its own zlib stream (the client keeps one inflater)."""

    def __init__(self, ws: web.WebSocketResponse, compress: bool) -> None:
        self.ws = ws
        self._zlib = zlib.compressobj() if compress else None
        self.seq = 0  # the last sequence number sent
        self.session_id: str | None = None

    async def send(self, *, op: int, d: Any = None, t: str | None = None) -> None:
        seq = None
        if op == 0:
            self.seq += 1
            seq = self.seq
        await self.send_text(json.dumps({"op": op, "d": d, "s": seq, "t": t}))

    async def send_text(self, text: str) -> None:
        if self._zlib is None:
            await self.ws.send_str(text)
        else:
            # Z_SYNC_FLUSH ends each frame with 00 00 ff ff, which is how the client
            # knows a message is complete.
            frame = self._zlib.compress(text.encode()) + self._zlib.flush(zlib.Z_SYNC_FLUSH)
            await self.ws.send_bytes(frame)

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        await self.send(op=0, d=data, t=event)
