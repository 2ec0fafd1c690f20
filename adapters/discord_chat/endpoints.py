"""Where discord.py sends REST calls and opens its gateway.

discord.py keeps both endpoints as *class attributes* rather than per-client settings:
``discord.http.Route.BASE`` (every REST route, including interaction callbacks and webhook
follow-ups, is built from it) and ``discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY``
(where a plain ``Client`` connects). Pointing them elsewhere is the only way to run the
real client against a local fake Discord or a proxy, so this module is the single place
that changes them. Because they are process-wide, all Discord clients in one process share
them; tests save and restore them with :func:`current_endpoints` / :func:`restore_endpoints`.
"""

from __future__ import annotations

from dataclasses import dataclass

import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.errors import ConfigError

DISCORD_API_URL = "https://discord.com/api/v10"


@dataclass(frozen=True)
class Endpoints:
    """The REST base URL (``.../api/v10``) and the gateway URL discord.py uses."""

    api_url: str
    gateway_url: str


def current_endpoints() -> Endpoints:
    """Return the endpoints discord.py currently uses."""
    return Endpoints(Route.BASE, str(DiscordWebSocket.DEFAULT_GATEWAY))


def use_endpoints(api_url: str | None = None, gateway_url: str | None = None) -> Endpoints:
    """Point discord.py at other endpoints; ``None`` leaves that endpoint unchanged.

    Args:
        api_url: REST base including the API version, e.g. ``http://127.0.0.1:8080/api/v10``.
        gateway_url: Gateway websocket URL, e.g. ``ws://127.0.0.1:8080/gateway/``.

    Returns:
        The endpoints in use before the change, for :func:`restore_endpoints`.
    """
    previous = current_endpoints()
    if api_url:
        Route.BASE = api_url.rstrip("/")
    if gateway_url:
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)
    return previous


def restore_endpoints(endpoints: Endpoints) -> None:
    """Put back endpoints saved by :func:`current_endpoints` or :func:`use_endpoints`."""
    Route.BASE = endpoints.api_url
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(endpoints.gateway_url)


def not_the_rest_base() -> ConfigError:
    """The error for a login Discord (or a proxy) answered 404 Not Found.

    Logging in reads ``/users/@me``, which Discord always has: a 404 means the REST base
    URL is not Discord's with its API version (``STORYBOT_DISCORD_API_URL`` without its
    ``/api/v10``, a proxy's wrong path). Trying again meets it again.
    """
    return ConfigError(
        f"Discord answered 404 Not Found to the login: STORYBOT_DISCORD_API_URL ({Route.BASE}) "
        f"is not Discord's REST base URL with its API version, such as {DISCORD_API_URL}"
    )
