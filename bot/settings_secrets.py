"""The refusal of secrets in a config file: storybot reads them from the environment only.

A config file is the kind of file that ends up in a repository or a ticket, so a token,
signing secret, API key or password found in one stops storybot before anything else is
checked (and before any other check could echo the value in its error): by its key
(``bot_token``, ``password``, ...), by its shape (a Slack or Discord token, an ``sk-``
key, whatever key it was pasted under), or as the password of a URL that may carry one
(``[database] url``). Each refusal names the variable to set instead.
"""

from __future__ import annotations

import re
from typing import Any, Mapping
from urllib.parse import parse_qsl, urlsplit

from bot.errors import ConfigError
from bot.render import is_secret_param

SECRET_ENV = (
    "SLACK_BOT_TOKEN",
    "SLACK_APP_TOKEN",
    "SLACK_SIGNING_SECRET",
    "DISCORD_BOT_TOKEN",
    "STORYBOT_SUMMARIZER_API_KEY",
)
_SECRET_KEYS = {
    "token",
    "bot_token",
    "app_token",
    "signing_secret",
    "secret",
    "password",
    "api_key",
}
# Settings only the environment gives (secrets, and the chat endpoints tests and proxies
# point elsewhere): a config file setting one would be ignored, so it is refused, naming
# the variable; nor are they among the settings an unknown key is told of
FROM_ENV_ONLY = {
    ("slack", "bot_token"): "SLACK_BOT_TOKEN",
    ("slack", "app_token"): "SLACK_APP_TOKEN",
    ("slack", "signing_secret"): "SLACK_SIGNING_SECRET",
    ("slack", "api_url"): "STORYBOT_SLACK_API_URL",
    ("discord", "token"): "DISCORD_BOT_TOKEN",
    ("discord", "api_url"): "STORYBOT_DISCORD_API_URL",
    ("discord", "gateway_url"): "STORYBOT_DISCORD_GATEWAY_URL",
    ("summarizer", "api_key"): "STORYBOT_SUMMARIZER_API_KEY",
}
# URLs of the config file that may carry a password, and the variable to give them in instead
_URL_ENV = {"database.url": "STORYBOT_DATABASE_URL", "summarizer.url": "STORYBOT_SUMMARIZER_URL"}


# libpq options named like a credential that name a file: a config file may give them
_FILE_PARAMS = frozenset({"sslkey"})


def _has_password(url: Any) -> bool:
    """Whether ``url`` holds a password: in its user info, or as a query parameter named
    like a credential (libpq's ``?password=``, a summarizer's ``?api_key=``)."""
    if not isinstance(url, str):
        return False
    try:
        parts = urlsplit(url.strip())
        if parts.password:
            return True
    except ValueError:
        return False
    return any(
        value and is_secret_param(name) and name.lower() not in _FILE_PARAMS
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
    )


# Values shaped like the secrets storybot is given, whatever key they were pasted under:
# refused (and not repeated) before any setting's own check would echo one in its error.
_TOKEN_SHAPES = (
    (re.compile(r"(?:xox[abposre]|xapp)-[A-Za-z0-9-]{10,}"), "a Slack token"),
    (
        re.compile(r"[A-Za-z0-9_-]{23,28}\.[A-Za-z0-9_-]{6,7}\.[A-Za-z0-9_-]{27,}"),
        "a Discord bot token",
    ),
    (re.compile(r"sk-[A-Za-z0-9_-]{20,}"), "an API key"),
)


def _token_kind(value: object) -> str | None:
    """What secret a config value (or an item of a list of them) looks like ("a Slack
    token"), or None."""
    if isinstance(value, list):
        return next((kind for kind in map(_token_kind, value) if kind), None)
    if not isinstance(value, str):
        return None
    text = value.strip()
    return next((kind for shape, kind in _TOKEN_SHAPES if shape.fullmatch(text)), None)


def refuse_secrets(data: Mapping[str, Any], where: str, path: str = "") -> None:
    """Refuse the first secret in the tables of a config file, in the file's order.

    Args:
        data: The file's tables, as read.
        where: The file, as messages name it.
        path: The table ``data`` is (dotted), for the recursion; "" at the top.

    Raises:
        ConfigError: A key named like a secret has a value, a value looks like a token,
            or a URL that may carry a password has one.
    """
    for key, value in data.items():
        dotted = f"{path}.{key}" if path else key
        if isinstance(value, Mapping):
            refuse_secrets(value, where, dotted)
        elif key.lower() in _SECRET_KEYS and value:
            variable = FROM_ENV_ONLY.get((path, key))
            if variable:  # a token of a known setting: the one variable that sets it
                raise ConfigError(
                    f"{where}: [{path}] {key}: {variable} sets this, read only from the "
                    "environment (it looks like a secret, and secrets never go in a config "
                    "file): set that variable and remove this line"
                )
            raise ConfigError(
                f"{where}: '{dotted}' looks like a secret; secrets are read from the environment "
                f"only ({', '.join(SECRET_ENV)})"
            )
        elif (kind := _token_kind(value)) is not None:
            raise ConfigError(
                f"{where}: '{dotted}' holds what looks like {kind}; secrets are read from "
                f"the environment only ({', '.join(SECRET_ENV)}): remove it from this file "
                "(and revoke it if the file was shared)"
            )
        elif dotted in _URL_ENV and _has_password(value):
            raise ConfigError(
                f"{where}: '{dotted}' contains a password or key; secrets are read from the environment "
                f"only: set {_URL_ENV[dotted]} instead"
            )
