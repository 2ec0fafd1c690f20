"""Who writes the summaries: ``[summarizer]`` of the config file, overridden by the environment.

``STORYBOT_SUMMARIZER``, ``_URL`` and ``_MODEL`` override the file's ``kind``, ``url`` and
``model``; the API key comes from ``STORYBOT_SUMMARIZER_API_KEY`` only. A kind that is
not the extractive one needs a URL and a model, and the URL must be one a client can
call: else every alert fell back to the extractive summary with a warning in the log, a
configuration error looking like an outage of the API. Errors name what set the value
the operator changed (the variable, or the file and its key).
"""

from __future__ import annotations

from typing import Mapping
from urllib.parse import urlsplit

from bot.errors import ConfigError
from bot.render import shown_url
from bot.settings_env import env_value
from bot.settings_types import SummarizerSettings
from bot.settings_values import one_of
from bot.toml_text import toml_value

SUMMARIZER_KINDS = ("extractive", "openai")
_SUMMARIZER_ENV = {"url": "STORYBOT_SUMMARIZER_URL", "model": "STORYBOT_SUMMARIZER_MODEL"}


def summarizer_settings(
    file: SummarizerSettings, env: Mapping[str, str], where: str, kind_from: str
) -> SummarizerSettings:
    """The summarizer settings, env over file; errors name where ``kind`` was set.

    ``kind_from`` is the file that set ``[summarizer] kind``; when STORYBOT_SUMMARIZER
    chose it, that variable is named instead, since that is what the operator changed.
    """
    from_env = env_value(env, "STORYBOT_SUMMARIZER")
    if from_env is not None:
        kind = from_env
        kind_from = f"STORYBOT_SUMMARIZER={toml_value(kind)}"
    else:
        kind = file.kind
        kind_from = f"{kind_from}: [summarizer] kind = {toml_value(kind)}"
    chosen = one_of(kind, SUMMARIZER_KINDS)
    if chosen is None:
        raise ConfigError(
            f"{kind_from}: the summarizer kind must be one of {', '.join(SUMMARIZER_KINDS)}"
        )
    kind = chosen
    out = SummarizerSettings(
        kind=kind,
        url=env_value(env, "STORYBOT_SUMMARIZER_URL") or file.url,
        model=env_value(env, "STORYBOT_SUMMARIZER_MODEL") or file.model,
        timeout_s=file.timeout_s,
        max_words=file.max_words,
        api_key=env_value(env, "STORYBOT_SUMMARIZER_API_KEY"),
    )
    if out.enabled:
        missing = [name for name in ("url", "model") if not getattr(out, name)]
        if missing:
            raise ConfigError(
                f"{kind_from} needs {' and '.join(missing)}: set [summarizer] "
                f"{' and '.join(missing)} in the config file or "
                f"{' and '.join(_SUMMARIZER_ENV[m] for m in missing)} "
                '(e.g. url = "https://api.openai.com/v1", model = "gpt-4o-mini")'
            )
        if not _http_url_usable(out.url):
            # else every alert failed over to the extractive summary, with a warning in
            # the log: a configuration error looking like an outage of the API
            url_from = (
                "STORYBOT_SUMMARIZER_URL"
                if env_value(env, "STORYBOT_SUMMARIZER_URL")
                else f"{where}: [summarizer] url"
            )
            raise ConfigError(
                f"{url_from} must be an http(s) URL with a host and a port from 1 to 65535 "
                f"(if it has one), got {toml_value(shown_url(out.url))}"
            )
    return out


def _http_url_usable(url: str) -> bool:
    """Whether ``url`` is an http(s) URL a client can call: a host, and a port (if it
    gives one) from 1 to 65535."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port  # read only when asked: ":99999" and ":abc" raise then
    except ValueError:  # "http://[::1" and the like
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname) and port != 0
