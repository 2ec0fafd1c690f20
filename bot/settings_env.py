"""What storybot takes from the environment besides the config file, and what it ignores.

The environment overrides the config file and alone gives the secrets (read in
:mod:`bot.settings`). Here: how a variable is read (stripped; empty is unset), the chat
platforms' endpoints (``STORYBOT_SLACK_API_URL`` and the Discord ones, which tests and
proxies point elsewhere; checked as URLs, since a bad one looks like an outage later),
and the list of every ``STORYBOT_`` variable storybot reads, so that a misspelt one is
warned about rather than silently ignored.
"""

from __future__ import annotations

from typing import Mapping
from urllib.parse import urlsplit

from bot.errors import ConfigError
from bot.render import shown_url
from bot.toml_text import toml_value

# Every STORYBOT_ variable storybot reads: the service's, then the test suite's and the
# benchmarks'. Any other is a typo (or a variable of another release): warned about, since
# ignoring it silently leaves the operator believing it took effect.
ENVIRONMENT = (
    "STORYBOT_DATABASE_URL",
    "STORYBOT_ALLOWED_HOSTS",
    "STORYBOT_SLACK_API_URL",
    "STORYBOT_SLACK_MODE",
    "STORYBOT_DISCORD_API_URL",
    "STORYBOT_DISCORD_GATEWAY_URL",
    "STORYBOT_EMBEDDINGS",
    "STORYBOT_SUMMARIZER",
    "STORYBOT_SUMMARIZER_URL",
    "STORYBOT_SUMMARIZER_MODEL",
    "STORYBOT_SUMMARIZER_API_KEY",
    "STORYBOT_TEST_POSTGRES_URL",
    "STORYBOT_SKIP_POSTGRES",
    "STORYBOT_SHARED",
    "STORYBOT_EVALDATA",
    "STORYBOT_BENCH_POSTGRES_URL",
)


def env_value(env: Mapping[str, str], name: str) -> str | None:
    """The variable ``name`` of ``env``, stripped; None when it is unset or empty.

    Stripped because no token, key or URL holds a blank at either end, and an env-file
    line's trailing blank would otherwise be sent with a token (refused as invalid).

    Empty is unset (``NAME=`` in an EnvironmentFile, a compose file's ``${VAR}`` of an unset
    VAR), as for STORYBOT_DATABASE_URL and the tokens: not a value to refuse, nor a blank
    overriding the config file.
    """
    return env.get(name, "").strip() or None


def endpoint(env: Mapping[str, str], name: str, schemes: tuple[str, str]) -> str | None:
    """A chat platform's base URL from the environment (None: the platform's own).

    Checked here: a value that is no URL would otherwise surface as a traceback of the
    HTTP client (`storybot discord sync`) or as a connection `storybot run` retries
    for ever with back-off, a configuration error looking like an outage.

    Raises:
        ConfigError: It is not a URL of one of ``schemes`` with a host, or its port
            is not from 1 to 65535.
    """
    value = env_value(env, name)  # blanks alone are unset; blanks around are not its
    if value is None:
        return None
    try:
        parts = urlsplit(value)
        usable = parts.scheme.lower() in schemes and bool(parts.hostname)
    except ValueError:  # "http://[::1" and the like
        usable = False
    if not usable:
        kind = "an http(s) URL" if schemes[0] == "http" else "a ws(s) URL"
        raise ConfigError(f"{name} must be {kind} with a host, got {toml_value(shown_url(value))}")
    try:  # urlsplit reads the port only when asked: ":99999" and ":abc" raise then
        port = parts.port
    except ValueError:
        port = 0
    if port == 0:
        raise ConfigError(
            f"{name} must have a port from 1 to 65535, got {toml_value(shown_url(value))}"
        )
    return value


def unknown_variables(env: Mapping[str, str]) -> list[tuple[str, str | None]]:
    """The ``STORYBOT_`` variables of ``env`` that storybot does not read, in name order.

    Args:
        env: An environment.

    Returns:
        ``(name, the known name it is closest to, or None)`` for each: what a warning
        needs to say which variable was probably meant.
    """
    import difflib

    return [
        (name, next(iter(difflib.get_close_matches(name, ENVIRONMENT, n=1, cutoff=0.8)), None))
        for name in sorted(env)
        if name.startswith("STORYBOT_") and name not in ENVIRONMENT
    ]
