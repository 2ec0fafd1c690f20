"""The settings the rest of storybot reads: plain frozen dataclasses, one a config table.

:func:`bot.settings.load_settings` builds a :class:`Settings` from the shipped defaults,
the ``--config`` file and the environment, checking every value; the app, the adapters
and the benchmarks only read it. Kept apart from the loader so that what the settings
*are* reads on one page, and code that takes a ``Settings`` (or builds one, as the
benchmarks and tests do) does not need to know how the file is checked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import tzinfo
from typing import Any, Mapping
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class PollingSettings:
    tick_seconds: float = 30.0
    default_interval_s: int = 900
    min_interval_s: int = 300
    max_backoff_s: int = 21600
    timeout_s: float = 20.0
    max_body_bytes: int = 10 * 1024 * 1024
    max_entries_per_fetch: int = 500
    concurrency: int = 32
    per_host_concurrency: int = 2


@dataclass(frozen=True)
class DeliverySettings:
    tick_seconds: float = 2.0
    max_attempts: int = 20
    max_backoff_s: int = 3600
    default_max_per_hour: int = 10
    default_digest_hours: float = 24.0
    # keyword DMs only for items published at most this many days before they were
    # fetched (undated items always); 0: no limit. A feed's first poll lists its old
    # entries too (years old, some of them): news to storybot, not to a subscriber.
    notice_max_age_days: float = 7.0
    # the zone of `/story follow NAME digest HOURS at HH:MM` (an IANA name): checked at
    # start, so a typo stops the service rather than every such digest
    timezone: str = "UTC"

    @property
    def zone(self) -> tzinfo:
        """``timezone`` as a zone (the name was checked when the settings were read)."""
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class SlackSettings:
    mode: str = "socket"
    http_port: int = 3000
    http_path: str = "/slack/events"
    bot_token: str | None = field(default=None, repr=False)
    app_token: str | None = field(default=None, repr=False)
    signing_secret: str | None = field(default=None, repr=False)
    api_url: str | None = None

    @property
    def enabled(self) -> bool:
        if not self.bot_token:
            return False
        return bool(self.app_token) if self.mode == "socket" else bool(self.signing_secret)


@dataclass(frozen=True)
class DiscordSettings:
    dev_guild_id: str = ""
    # The servers (IDs, as digits) whose admins may change what every channel shares:
    # stories add|remove, feeds add|remove. Empty: the one server storybot is in, while it
    # is in only one (adapters/discord_chat/adapter.install_access).
    admin_servers: tuple[str, ...] = ()
    token: str | None = field(default=None, repr=False)
    api_url: str | None = None
    gateway_url: str | None = None

    @property
    def enabled(self) -> bool:
        return bool(self.token)


@dataclass(frozen=True)
class EmbeddingSettings:
    """Dense sentence embeddings as an extra relevance signal (needs the 'embed' extra)."""

    enabled: bool = False
    batch_size: int = 32


@dataclass(frozen=True)
class PageSettings:
    """Reading the linked page of an item whose feed gave no body (a headline-only feed).

    Off by default: it sends a request to each such article's site. Turned on, a new
    item with fewer than 8 words of summary and content has its link fetched (the feed
    fetcher's SSRF guard, ``max_bytes`` and ``timeout_s``) and is judged on the page's
    main text, as the engine judges full articles; a page whose failure may pass (a
    refused or dropped connection, HTTP 408, 429 or 5xx) is tried ``retries`` more times.
    If it still fails, or timed out, its item waits up to ``wait_s`` for the page (tried
    again 1, 3, 7, ... minutes later, at each poll tick that is due) before it is judged on
    its headline; 0 judges it on its headline at once. A page that failed for good (404, a
    refused address, no article text) leaves the item judged on its headline.
    """

    enabled: bool = False
    timeout_s: float = 15.0
    max_bytes: int = 5 * 1024 * 1024
    concurrency: int = 8
    per_host_concurrency: int = 2
    max_chars: int = 20_000
    retries: int = 2  # further tries of a page refused, dropped or answered 408/429/5xx
    retry_delay_s: float = 2.0  # before the first of them; doubled for each next one
    wait_s: float = 600.0  # how long an item may wait for a page that may come back


@dataclass(frozen=True)
class SummarizerSettings:
    """Who writes the summaries channels read.

    ``extractive`` (the default): the engine's cited sentences, nothing leaves the
    machine. ``openai``: an OpenAI-compatible Chat Completions API at ``url`` (OpenAI, or a
    self-hosted server such as vLLM or llama.cpp) rewrites each alert's sentences at
    delivery; the key comes from ``STORYBOT_SUMMARIZER_API_KEY``.
    """

    kind: str = "extractive"
    url: str = ""
    model: str = ""
    timeout_s: float = 20.0
    max_words: int = 80
    api_key: str | None = field(default=None, repr=False)

    @property
    def enabled(self) -> bool:
        return self.kind != "extractive"


@dataclass(frozen=True)
class StoryDecl:
    """A story declared in the config file: created on start if missing."""

    name: str
    seeds: tuple[str, ...]
    title: str | None = None


@dataclass(frozen=True)
class Settings:
    # not in repr: a PostgreSQL URL may hold a password (storage.engine.describe hides it)
    database_url: str = field(default="sqlite:///storybot.db", repr=False)
    # Where database_url came from, for error messages about it (bot.settings._database_url).
    database_source: str = "the default database URL"
    # [database] pool_size and max_overflow: see bot.settings._DatabaseTable (PostgreSQL only)
    database_pool_size: int = 5
    database_max_overflow: int = 10
    polling: PollingSettings = PollingSettings()
    delivery: DeliverySettings = DeliverySettings()
    admin_commands: str = "admins"
    # keyword subscriptions the installation takes, everyone's together (0: no cap): each
    # is matched against every new item, so accounts without number must not grow it
    # without bound; /story subscribe is refused beyond it
    max_subscriptions: int = 10_000
    # how often the service asks Slack and Discord whether each subscription's owner is
    # still a member (bot.member_check), and at start when the last check is that old;
    # 0: never
    check_owners_hours: float = 24.0
    slack: SlackSettings = SlackSettings()
    discord: DiscordSettings = DiscordSettings()
    summarizer: SummarizerSettings = SummarizerSettings()
    engine: Mapping[str, Any] = field(default_factory=dict)
    embeddings: EmbeddingSettings = EmbeddingSettings()
    pages: PageSettings = PageSettings()
    stories: tuple[StoryDecl, ...] = ()
    feeds: tuple[str, ...] = ()
    allowed_hosts: frozenset[str] = frozenset()
    config_path: str | None = None
