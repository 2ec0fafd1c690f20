"""The one assembly point: builds a storybot from settings.

Every dependency can be passed in (a store, a clock, a fetcher, chat adapters); what is not
passed is built from the settings. No module globals, no singletons: tests and the demo build
as many apps as they like.
"""

from __future__ import annotations

import asyncio
import logging
import os
import random
import sys
from collections.abc import AsyncIterator, Iterable
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Awaitable, Callable, Mapping, cast

from adapters.signals import StopSignals
from bot.clock import SystemClock
from bot.commands import Commands
from bot.delivery import DeliveryWorker
from bot.duration import duration
from bot.engine import Engine, EngineConfig
from bot.errors import (
    ConfigError,
    NotAnArticle,
    RateLimited,
    TransientDeliveryError,
    TryAgainLater,
    UserError,
)
from bot.member_check import OwnerChecks
from bot.model import DeliveryMode, Story
from bot.pipeline import Pipeline
from bot.polling import PollPolicy
from bot.ports import (
    ChatAdapter,
    ChatSink,
    Clock,
    Conflict,
    Embedder,
    FeedFetcher,
    HostCheck,
    PageReader,
    SeedLoader,
    Store,
    Summarizer,
)
from bot.scheduler import Service, Ticks
from bot.settings import Settings, StoryDecl
from bot.stories import Declarations
from bot.summarizer import SummaryRewriter
from bot.validate import (
    find_story,
    story_name_problem,
    story_title,
    story_title_problem,
)

if TYPE_CHECKING:
    from adapters.feeds.netguard import AddressGuard
    from storage.poller_lock import PollerLock

log = logging.getLogger(__name__)

USER_AGENT = "storybot/0.1 (+https://github.com/storybot; self-hosted news tracker)"


@dataclass
class App:
    """A wired storybot: everything the CLI, the service and the tests need."""

    settings: Settings
    store: Store
    clock: Clock
    fetcher: FeedFetcher
    engine: Engine
    pipeline: Pipeline
    commands: Commands
    delivery: DeliveryWorker
    adapters: dict[str, ChatAdapter] = field(default_factory=dict)
    service: Service | None = None
    summarizer: Summarizer | None = None
    host_check: HostCheck | None = None  # the fetcher's address rule, for feeds being added
    # the guard whose rule host_check is, when the app built it: closed with the app
    address_guard: AddressGuard | None = None

    @asynccontextmanager
    async def poller_lock(self, what: str, *, shared: bool = False) -> AsyncIterator[PollerLock]:
        """Hold the store's poller lock (:mod:`storage.poller_lock`) for the command ``what``.

        Taken and let go in a thread (``asyncio.to_thread``), as the app's store calls
        are: on PostgreSQL both open or close a connection of the lock's own, which on
        the event loop would hold up all else on it while the server answers
        (``tests/loop_guard.py`` checks). Its ``check`` runs in a thread too, where
        ``run_service`` and the worker call it. Cancelled while the thread takes it
        (Ctrl-C), it lets go of what the thread took before the cancellation goes on.

        Raises:
            PollerBusy: Another process holds it (see :func:`storage.poller_lock.poller_lock`).
        """
        from storage import SqlStore
        from storage.poller_lock import poller_lock

        held = poller_lock(cast("SqlStore", self.store).engine, what, shared=shared)
        taking = asyncio.ensure_future(asyncio.to_thread(held.__enter__))
        try:
            lock = await asyncio.shield(taking)
        except asyncio.CancelledError:
            await _let_go_once_taken(taking, held)
            raise
        try:
            yield lock
        except BaseException:
            if not await asyncio.to_thread(held.__exit__, *sys.exc_info()):
                raise
        else:
            await asyncio.to_thread(held.__exit__, None, None, None)

    async def aclose(self) -> None:
        if self.service:
            await self.service.stop()
        for adapter in self.adapters.values():
            try:
                await adapter.stop()
            except Exception:
                log.exception("stopping the %s adapter failed", adapter.platform)
        await self.fetcher.aclose()
        for part in (self.pipeline.linked_pages.reader, self.summarizer):
            close = getattr(part, "aclose", None)
            if close is not None:
                await close()
        if self.address_guard is not None:
            self.address_guard.close()
        self.store.close()


async def _let_go_once_taken(
    taking: asyncio.Future[PollerLock], held: AbstractContextManager[PollerLock]
) -> None:
    """Let go of the poller lock that a thread goes on taking after its waiter was cancelled.

    Cancelling the task that awaits ``asyncio.to_thread`` (Ctrl-C, SIGTERM) does not stop
    the thread: it takes the lock all the same, and only the garbage collection of its
    context manager would let go of it (not while the cancellation's traceback is kept):
    a second taker in this process would be refused. So the cancellation waits for the
    thread and lets go of what it took before it goes on. The wait is short:
    the lock is tried, not waited for (at worst the connect timeout of an unreachable
    PostgreSQL server, which ``asyncio.run`` would wait for anyway, joining its threads at
    exit). A second cancellation meanwhile cuts it short: the lock then goes with the
    process.
    """
    await asyncio.wait({taking})
    if taking.cancelled() or taking.exception() is not None:
        return  # not taken (held by another process, say): nothing to let go of
    await asyncio.to_thread(held.__exit__, None, None, None)


def notice_max_age(days: float) -> timedelta | None:
    """``[delivery] notice_max_age_days`` as the pipeline takes it: 0 is no limit."""
    return timedelta(days=days) if days > 0 else None


def make_summarizer(settings: Settings) -> Summarizer | None:
    """The summarizer ``[summarizer]`` configures, or None for the extractive default."""
    s = settings.summarizer
    if not s.enabled:
        return None
    from adapters.summarizer_openai import OpenAICompatibleSummarizer

    return OpenAICompatibleSummarizer(s.url, s.model, s.api_key, timeout_s=s.timeout_s)


def make_fetcher(settings: Settings) -> FeedFetcher:
    from adapters.feeds import HttpFeedFetcher

    p = settings.polling
    return HttpFeedFetcher(
        timeout_s=p.timeout_s,
        max_body_bytes=p.max_body_bytes,
        max_entries=p.max_entries_per_fetch,
        concurrency=p.concurrency,
        per_host_concurrency=p.per_host_concurrency,
        user_agent=USER_AGENT,
        allowed_hosts=settings.allowed_hosts,
    )


def make_page_reader(settings: Settings) -> PageReader | None:
    """The reader of headline-only items' linked pages, when ``[pages] enabled``."""
    p = settings.pages
    if not p.enabled:
        return None
    from adapters.feeds.pages import HttpPageReader

    return HttpPageReader(
        allowed_hosts=settings.allowed_hosts,
        timeout_s=p.timeout_s,
        max_bytes=p.max_bytes,
        concurrency=p.concurrency,
        per_host_concurrency=p.per_host_concurrency,
        max_chars=p.max_chars,
        retries=p.retries,
        retry_delay_s=p.retry_delay_s,
        user_agent=USER_AGENT,
    )


def make_address_guard(settings: Settings) -> AddressGuard:
    """The address rule the feed fetcher applies (same allow list), for feeds being added.

    Its ``refusal`` is the ``HostCheck``; its owner calls ``close`` when done with it,
    which lets its name lookups' threads go (the app does, in :meth:`App.aclose`).
    """
    from adapters.feeds.netguard import AddressGuard

    return AddressGuard(settings.allowed_hosts)


def make_seed_loader(settings: Settings) -> SeedLoader:
    """What reads ``/story stories add``'s seed URLs: as ``story add --seed URL`` reads them."""
    from adapters.seeds import UrlSeedLoader

    return UrlSeedLoader(settings.allowed_hosts)


def poll_policy(settings: Settings) -> PollPolicy:
    p = settings.polling
    return PollPolicy(
        default_interval_s=p.default_interval_s,
        min_interval_s=p.min_interval_s,
        max_backoff_s=p.max_backoff_s,
    )


def build_app(
    settings: Settings,
    *,
    store: Store | None = None,
    clock: Clock | None = None,
    fetcher: FeedFetcher | None = None,
    adapters: Mapping[str, ChatAdapter] | None = None,
    rng: random.Random | None = None,
    summarizer: Summarizer | None = None,
    embedder: Embedder | None = None,
    host_check: HostCheck | None = None,
    pages: PageReader | None = None,
    seed_loader: SeedLoader | None = None,
    declared: bool = True,
) -> App:
    """Wire an app. Whatever is not given is built from ``settings``.

    Args:
        settings: from :func:`bot.settings.load_settings`.
        store: defaults to ``storage.open_store(settings.database_url)`` (migrated on open).
        clock: defaults to the system clock.
        fetcher: defaults to the HTTP feed fetcher with the [polling] limits.
        adapters: chat adapters by platform; defaults to none (the caller adds them).
        rng: randomness for back-off jitter (seeded in tests).
        summarizer: rewrites alert summaries at delivery; defaults to the one
            ``[summarizer]`` configures, or none (the extractive summary is sent).
        embedder: a sentence-embedding model for the engine; defaults to the packaged
            all-MiniLM-L6-v2 when ``[embeddings] enabled`` (STORYBOT_EMBEDDINGS=1), else
            none. ``storybot eval track --embeddings`` measures exactly this engine.
        host_check: refuses a feed being added whose host the fetcher would refuse;
            defaults to the fetcher's SSRF guard with ``settings.allowed_hosts``.
        pages: reads the linked page of an item whose feed gave no body; defaults to
            the HTTP page reader when ``[pages] enabled``, else none.
        seed_loader: reads the seed articles of ``/story stories add`` from their URLs;
            defaults to the one ``storybot story add --seed URL`` uses, with
            ``settings.allowed_hosts``.
        declared: add the stories and feeds the config file declares, if missing
            (:func:`apply_declared`); False for a store that holds no data to keep (the
            in-memory one ``storybot ask help`` answers from), so help reads no seed.

    Raises:
        UserError: embeddings are enabled but the 'embed' extra is not installed.
    """
    if embedder is None and settings.embeddings.enabled:
        from adapters.embeddings import load_embedder

        # before the store is opened: a missing extra fails before anything is touched
        embedder = load_embedder(batch_size=settings.embeddings.batch_size)
    if store is None:
        from storage import open_store

        store = open_store(
            settings.database_url,
            source=settings.database_source,
            pool_size=settings.database_pool_size,
            max_overflow=settings.database_max_overflow,
        )
    clock = clock or SystemClock()
    fetcher = fetcher or make_fetcher(settings)
    rng = rng or random.Random()
    address_guard = None
    if host_check is None:
        address_guard = make_address_guard(settings)
        host_check = address_guard.refusal
    engine = Engine(EngineConfig.from_mapping(settings.engine), embedder=embedder)
    pipeline = Pipeline(
        store,
        engine,
        fetcher,
        clock,
        poll_policy(settings),
        default_max_per_hour=settings.delivery.default_max_per_hour,
        notice_max_age=notice_max_age(settings.delivery.notice_max_age_days),
        rng=rng,
        pages=pages or make_page_reader(settings),
        page_wait_s=settings.pages.wait_s,
    )
    commands = Commands(
        store,
        clock,
        admin_policy=settings.admin_commands,
        default_digest_hours=settings.delivery.default_digest_hours,
        default_interval_s=settings.polling.default_interval_s,
        max_subscriptions=settings.max_subscriptions,
        on_subscriptions_changed=pipeline.invalidate_subscriptions,
        host_check=host_check,
        seed_loader=seed_loader or make_seed_loader(settings),
        declared=declarations(settings, whole_path=False),
        on_story_added=console_follower(settings, store, clock),
        zone=settings.delivery.zone,
        background_days=engine.config.background_before_days,
        console_prints=not (settings.slack.enabled or settings.discord.enabled),
    )
    adapters = dict(adapters or {})
    summarizer = summarizer or make_summarizer(settings)
    rewriter = None
    if summarizer is not None:
        rewriter = SummaryRewriter(
            summarizer,
            max_words=settings.summarizer.max_words,
            timeout_s=settings.summarizer.timeout_s,
        )
    delivery = DeliveryWorker(
        store,
        adapters,
        clock,
        max_attempts=settings.delivery.max_attempts,
        max_backoff_s=settings.delivery.max_backoff_s,
        rng=rng,
        rewriter=rewriter,
    )
    app = App(
        settings,
        store,
        clock,
        fetcher,
        engine,
        pipeline,
        commands,
        delivery,
        adapters,
        summarizer=summarizer,
        host_check=host_check,
        address_guard=address_guard,
    )
    if declared:
        apply_declared(app)
    return app


def database_name(settings: Settings) -> str:
    """The database the settings name, for the operator, and where that came from.

    A SQLite file by its full path (the default is relative to the working directory, so
    "storybot.db" alone does not say which one), any other database by its URL without
    the password.
    """
    from storage.engine import describe, parse_url, sqlite_file

    url = parse_url(settings.database_url, settings.database_source)
    path = sqlite_file(url)
    shown = str(path.resolve()) if path is not None else describe(url)
    return f"database {shown} ({settings.database_source})"


def add_adapter(app: App, adapter: ChatAdapter) -> None:
    """Register a chat adapter after the app is built (the delivery worker sees it too)."""
    app.adapters[adapter.platform] = adapter
    app.delivery.sinks[adapter.platform] = adapter


def follow_in_console(app: App, story: Story) -> bool:
    """Have the console follow a story just added, when no chat platform is configured.

    ``storybot run`` without chat tokens prints the alerts of the stories the console
    follows. Following when the story is added (not on every start) means a fresh install
    prints alerts without further steps, and an explicit ``unfollow`` in the console
    stays done across restarts. With Slack or Discord tokens set, a channel follows the
    story with ``/story follow``; a console follow would only fill the outbox with
    messages nobody reads. Every way a story is created comes here: ``storybot story
    add``, a ``[[stories]]`` of the config file, and ``/story stories add`` (``storybot
    ask``, ``storybot chat``: see :func:`console_follower`).

    Returns:
        True if the console now follows the story.
    """
    return console_follower(app.settings, app.store, app.clock)(story)


def console_follower(settings: Settings, store: Store, clock: Clock) -> Callable[[Story], bool]:
    """:func:`follow_in_console` for a store and clock: ``Commands``' ``on_story_added``."""

    def follow(story: Story) -> bool:
        if settings.slack.enabled or settings.discord.enabled:
            return False
        from adapters.console import CONSOLE, CONSOLE_CHANNEL

        store.bind(
            story.id,
            CONSOLE,
            CONSOLE_CHANNEL,
            DeliveryMode.REALTIME,
            settings.delivery.default_digest_hours,
            clock.now(),
        )
        return True

    return follow


def feed_given_as_seed(exc: NotAnArticle, each: str) -> str:
    """What to do with a feed given as a seed, by what it is: a URL, or a file on this machine.

    A feed's http(s) URL is polled with ``storybot feeds add``; a feed *file* (a path, a
    ``file://`` URL) cannot be (feeds are fetched over http(s)), so it is not named as
    something to add. ``each`` is what names a seed where it was given ("--seed", "seed").
    """
    source = exc.source
    article = f"give one article (its page or a text file) as each {each}"
    if source[:8].lower().startswith(("http://", "https://")):
        return (
            f"{source} is a feed (RSS/Atom), not an article: poll it with "
            f"`storybot feeds add {source}`, and {article}"
        )
    return (
        f"{source} is a feed file (RSS/Atom), not an article: storybot polls feeds over "
        "http(s), so give `storybot feeds add` the feed's own URL (or serve the file over "
        f"HTTP and add that URL); {article}"
    )


def declared_seed(settings: Settings, name: str, source: str):
    """Read a seed of the config file's story ``name``; an error names the file and the story.

    Seed paths are resolved against the config file's directory when it is read, so a
    missing one is shown as a full path the operator did not type: the message says so.
    """
    from adapters.seeds import SeedUnavailable, load_seed

    where = settings.config_path or "config"
    try:
        return load_seed(source, allowed_hosts=settings.allowed_hosts)
    except SeedUnavailable as exc:
        # the site down for now (at boot, say): exit 75, which the systemd units restart,
        # not 2, which they leave stopped; the story is created once the seed answers
        raise TryAgainLater(f"{where}: [[stories]] '{name}': {exc}") from None
    except NotAnArticle as exc:
        reason = feed_given_as_seed(exc, "seed")
    except UserError as exc:
        reason = str(exc)
        if "://" not in source and settings.config_path:  # a path, resolved when read
            reason += " (seed paths are relative to the config file)"
    raise ConfigError(f"{where}: [[stories]] '{name}': {reason}")


def declared_title(settings: Settings, decl: StoryDecl) -> str | None:
    """The title of the config file's story ``decl``, about to be created (None: its first
    seed's), once its name and title pass the rules ``story add`` holds its own to.

    Raises:
        ConfigError: a name users could not type, or a bad title (see ``story_title_problem``).
    """
    where = settings.config_path or "config"
    problem = story_name_problem(decl.name)
    if problem:
        raise ConfigError(f"{where}: [[stories]] {problem}")
    title = None if decl.title is None else story_title(str(decl.title))
    problem = None if title is None else story_title_problem(title)
    if problem:
        raise ConfigError(f"{where}: [[stories]] '{decl.name}': {problem}")
    return title


def declarations(settings: Settings, *, whole_path: bool = True) -> Declarations:
    """What the config file declares, for the removals that say it comes back.

    Such a story or feed is added again by the next command run with that file: see
    :func:`apply_declared`. The CLI (``story remove``, ``feeds remove``) and chat (``/story
    stories remove``, ``/story feeds remove``) both say so from this. Chat replies name
    the file only (``whole_path=False``): where it lies on the server is the operator's.
    """
    config = settings.config_path or "config"
    return Declarations(
        config=config if whole_path else os.path.basename(config),
        stories=frozenset(decl.name for decl in settings.stories),
        feeds=frozenset(settings.feeds),
    )


def declared_missing(settings: Settings, store: Store) -> bool:
    """Whether :func:`apply_declared` would add anything to ``store``: a story or feed
    the config file declares that it does not hold. Reads only.

    A command that only reads opens the database without SQLite's write lock; it needs
    the lock (and a file it may write) only when this is so.
    """
    return any(find_story(store, decl.name) is None for decl in settings.stories) or any(
        store.get_feed(url) is None for url in settings.feeds
    )


def apply_declared(app: App) -> None:
    """Create the stories and feeds declared in the config file, if missing.

    Every command that builds the app runs it, so the config file stays the operator's
    declaration: a declared story or feed removed with ``story remove`` or ``feeds remove``
    comes back with the next command (which those commands say, see
    :func:`declarations`).

    Raises:
        ConfigError: a story to create has a name users could not type (a story already
            stored under such a name, from before names were checked, is left alone), or
            one of its seeds cannot be read (the message names the file and the story).
    """
    now = app.clock.now()
    for decl in app.settings.stories:
        # names are matched ignoring case (as /story status finds them)
        if find_story(app.store, decl.name) is None:
            title = declared_title(app.settings, decl)
            seeds = [declared_seed(app.settings, decl.name, s) for s in decl.seeds]
            story = app.store.add_story(decl.name, title or seeds[0].title, seeds, now)
            follow_in_console(app, story)
    for url in app.settings.feeds:
        if app.store.get_feed(url) is None:
            refuse_declared_feed(app.settings, app.host_check, url)
            try:
                app.store.add_feed(url, now, app.settings.polling.default_interval_s)
            except Conflict:
                pass


def refuse_declared_feed(settings: Settings, check: HostCheck | None, url: str) -> None:
    """Refuse the config file's feed ``url`` if the fetcher would refuse its host.

    :func:`apply_declared` checks each feed it adds; a command about to create a new
    database checks them all before opening it (``opening_checks.check_before_opening``), so
    that the refusal leaves no empty database behind.

    Raises:
        ConfigError: naming the config file, the feed and the refusal.
    """
    refusal = _host_refusal(check, url)
    if refusal:
        where = settings.config_path or "config"
        raise ConfigError(f"{where}: [feeds] {url}: {refusal}")


def _host_refusal(check: HostCheck | None, url: str) -> str | None:
    """The fetcher's refusal of ``url``'s host, or None; callable with or without a running loop."""
    if check is None:
        return None

    async def refusal() -> str | None:
        return await check(url)

    with ThreadPoolExecutor(max_workers=1) as pool:  # its own event loop, in its own thread
        return pool.submit(asyncio.run, refusal()).result()


def check_chat_settings(settings: Settings) -> None:
    """Refuse chat tokens that cannot start (checked by ``run`` before the store is opened).

    Raises:
        UserError: SLACK_BOT_TOKEN is set, but not what its mode needs beside it; or
            SLACK_APP_TOKEN or SLACK_SIGNING_SECRET is set without it (Slack was meant:
            the service must not quietly print to the console instead).
    """
    s = settings
    if not s.slack.bot_token:
        given = [
            name
            for name, value in (
                ("SLACK_APP_TOKEN", s.slack.app_token),
                ("SLACK_SIGNING_SECRET", s.slack.signing_secret),
            )
            if value
        ]
        if given:
            raise UserError(
                f"{' and '.join(given)} {'is' if len(given) == 1 else 'are'} set but "
                "SLACK_BOT_TOKEN is not: Slack needs the Bot User OAuth Token (xoxb-...) too; "
                f"set it, or unset {' and '.join(given)} to run without Slack."
            )
    if s.slack.bot_token and not s.slack.enabled:
        # said for the mode in force: a signing secret alone picks HTTP mode by itself (see
        # bot.settings), so "and STORYBOT_SLACK_MODE=http" sent people to set what it sets
        if s.slack.mode == "http":
            need = (
                "HTTP mode ([slack] mode or STORYBOT_SLACK_MODE = http) needs SLACK_SIGNING_SECRET"
            )
        else:
            need = (
                "set SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode, "
                "which it then picks by itself)"
            )
        raise UserError(f"SLACK_BOT_TOKEN is set but Slack cannot start: {need}.")


# discord.py's guild_ready_timeout, as DiscordAdapter's own default
DISCORD_READY_TIMEOUT_S = 2.0


def chat_adapters_from_settings(
    app: App, *, discord_ready_timeout_s: float = DISCORD_READY_TIMEOUT_S
) -> list[ChatAdapter]:
    """The Slack and Discord adapters whose tokens are set in the environment.

    ``discord_ready_timeout_s``: how long discord.py waits after the last server's data
    before it calls the gateway ready (it cannot tell the last one, so every start waits
    it); tests against a fake Discord give a small one.
    """
    out: list[ChatAdapter] = []
    s = app.settings
    check_chat_settings(s)
    if s.slack.enabled and s.slack.bot_token:
        from adapters.slack_chat import SlackAdapter

        out.append(
            SlackAdapter(
                bot_token=s.slack.bot_token,
                app_token=s.slack.app_token,
                signing_secret=s.slack.signing_secret,
                mode=s.slack.mode,
                api_base_url=s.slack.api_url,
                commands=app.commands,
                admin_policy=s.admin_commands,
                http_port=s.slack.http_port,
                http_path=s.slack.http_path,
            )
        )
    if s.discord.enabled and s.discord.token:
        from adapters.discord_chat import DiscordAdapter

        out.append(
            DiscordAdapter(
                token=s.discord.token,
                commands=app.commands,
                admin_policy=s.admin_commands,
                admin_servers=s.discord.admin_servers,
                api_url=s.discord.api_url,
                gateway_url=s.discord.gateway_url,
                ready_timeout_s=discord_ready_timeout_s,
            )
        )
    return out


Sleep = Callable[[float], Awaitable[None]]
START_RETRY_FIRST_S = 1.0
START_RETRY_MAX_S = 300.0
# What an adapter's start raises when the platform cannot be reached now (a refused or
# dropped connection, a timeout, a 5xx): worth waiting for. A rejected token is a
# ConfigError and stops the service instead. A rate limit (Slack's apps.connections.open
# allows about one call a minute, so a supervisor restarting the service soon meets one)
# is waited out for as long as the platform asks.
START_TRANSIENT = (TransientDeliveryError, RateLimited, ConnectionError, OSError, TimeoutError)


async def start_adapter(
    adapter: ChatAdapter,
    stop: asyncio.Event,
    *,
    sleep: Sleep = asyncio.sleep,
    first_delay_s: float = START_RETRY_FIRST_S,
    max_delay_s: float = START_RETRY_MAX_S,
) -> bool:
    """Start a chat adapter, retrying with back-off while its platform cannot be reached.

    A platform that is down when the service starts is usually back soon, and a service
    started by a supervisor should not crash-loop meanwhile: each failed attempt is one
    log line with the wait before the next (doubling up to ``max_delay_s``; a rate limit
    waits as long as the platform asked, up to ``max_delay_s``). A definite
    failure (``ConfigError``: Slack said ``invalid_auth``) is raised at once.

    Args:
        adapter: the adapter to start.
        stop: set when the service is asked to stop; ends the waiting.
        sleep: waits between attempts (tests pass one that does not wait).

    Returns:
        True once started; False if ``stop`` was set first.
    """
    delay = first_delay_s
    attempt = 1
    while not stop.is_set():
        try:
            await adapter.start()
        except START_TRANSIENT as exc:
            reason = " ".join(str(exc).split()) or type(exc).__name__
            wait = delay
            if isinstance(exc, RateLimited):
                # as long as the platform asks, but no longer than the longest back-off:
                # a Retry-After of days (or "inf" from a broken proxy) would leave the
                # service waiting silently after one line; another try costs one 429
                wait = min(max(delay, exc.retry_after_s), max(delay, max_delay_s))
            log.warning(
                "%s: cannot connect (attempt %d): %s; retrying in %s",
                adapter.platform,
                attempt,
                reason,
                duration(wait),
            )
        else:
            return True
        try:
            await adapter.stop()  # drop what the failed attempt opened
        except Exception:
            log.debug("stopping %s after a failed start", adapter.platform, exc_info=True)
        waiting = asyncio.ensure_future(sleep(wait))
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait({waiting, stopping}, return_when=asyncio.FIRST_COMPLETED)
        for task in (waiting, stopping):
            task.cancel()
        delay = min(delay * 2, max_delay_s)
        attempt += 1
    return False


async def run_service(
    app: App,
    *,
    ticks: Ticks | None = None,
    stop: asyncio.Event | None = None,
    scheduler: bool = True,
    sleep: Sleep = asyncio.sleep,
    poller_lock: PollerLock | None = None,
) -> None:
    """Run the long-lived service until SIGINT/SIGTERM (or ``stop`` is set), then drain.

    ``poller_lock`` (the one ``storybot run`` holds) is checked before each poll cycle
    (:meth:`storage.poller_lock.PollerLock.check`, in a thread: it may reconnect): a lock
    lost with its connection and taken by another process stops the service, which then
    raises that ``PollerLockLost``; a server that cannot be reached skips the cycle.

    ``scheduler=False`` runs only the chat adapters (the ``/story`` front end): polling,
    judging and delivery are left to ``storybot worker`` processes. The chat adapters start
    beside the scheduler, each retried while its platform cannot be reached (see
    :func:`start_adapter`, which ``sleep`` is passed to): a Slack outage at boot delays
    commands, not polling (alerts wait in the outbox). One that rejects its token stops
    the service, which then raises that ``ConfigError``.

    A signal during the drain stops now (:mod:`adapters.signals`): the jobs in flight are
    cancelled and the app is closed.

    Raises:
        StoppedNow: after that cleanup, when a second SIGINT/SIGTERM cut the drain short
            (its ``exit_code`` is 130 or 143).
    """
    stop = stop or asyncio.Event()
    signals = StopSignals(stop, on_hurry=lambda: _stop_now(app))
    signals.install(asyncio.get_running_loop())
    failed: list[BaseException] = []

    async def start_one(adapter: ChatAdapter) -> None:
        try:
            if await start_adapter(adapter, stop, sleep=sleep):
                log.info("%s adapter started", adapter.platform)
        except Exception as exc:  # a rejected token: stop the service and report it
            failed.append(exc)
            stop.set()

    async def before_poll() -> bool:
        if poller_lock is None:
            return True
        try:
            return await asyncio.to_thread(poller_lock.check)
        except UserError as exc:  # lost to another process: stop rather than poll beside it
            log.error("%s", exc)
            failed.append(exc)
            stop.set()
            return False

    starting = [asyncio.ensure_future(start_one(a)) for a in app.adapters.values()]
    checks = owner_checks(app)
    if checks is not None:
        starting.append(asyncio.ensure_future(checks.run_forever(OWNER_CHECK_DELAY_S)))
    try:
        await _serve(
            app, stop, ticks, scheduler, failed, before_poll, _write_watch(app, poller_lock)
        )
    finally:
        for task in starting:
            task.cancel()
        await asyncio.gather(*starting, return_exceptions=True)
        await app.aclose()
        signals.finished()
    if failed:
        raise failed[0]
    cut = "" if signals.hurried_by is None else " (cut short by a second signal)"
    log.info("storybot stopped%s", cut)
    signals.raise_if_hurried()


def _write_watch(
    app: App, poller_lock: PollerLock | None
) -> Callable[[str, Exception | None], None] | None:
    """What notes in the poller lock that the service's jobs cannot write the database,
    for ``storybot health`` (:class:`storage.write_state.WriteWatch`); None without a lock."""
    if poller_lock is None:
        return None
    from storage.write_state import WriteWatch

    return WriteWatch(poller_lock.note_writes, app.clock.now)


# The first claim of a check of subscription owners waits this long after start, while
# the adapters connect (a service that cannot start does not spend the platforms' rate
# limits); it runs then only if the last run is a period old (bot.member_check).
OWNER_CHECK_DELAY_S = 60.0


def owner_checks(
    app: App, chats: Iterable[ChatSink] | None = None, *, sleep: Sleep = asyncio.sleep
) -> OwnerChecks | None:
    """The periodic check of subscription owners over the app's chat adapters
    (:mod:`bot.member_check`), or None when ``[permissions] check_owners_hours`` is 0 or
    no adapter can ask. A Discord DM refused with 50007 asks about its user at once.

    ``chats``: the chat clients to ask through, and to hear the refused DMs of, where
    not the app's adapters: a delivering worker's sinks
    (:func:`adapters.jobs.worker.add_delivery_sinks`), which send DMs in a process that
    runs no periodic check. Only the service runs those (``run_forever``, claimed once a
    period across processes); a refused DM's check of its one user runs, unclaimed, in
    the process that sent the DM, front end or worker alike.
    """
    hours = app.settings.check_owners_hours
    clients = list(app.adapters.values() if chats is None else chats)
    lookups = [
        lookup for adapter in clients if (lookup := getattr(adapter, "members", None)) is not None
    ]
    if hours <= 0 or not lookups:
        return None
    checks = OwnerChecks(
        app.store, app.commands, lookups, every_s=hours * 3600, sleep=sleep, clock=app.clock
    )
    for adapter in clients:
        if hasattr(adapter, "dm_refused"):
            adapter.dm_refused = checks.dm_refused(adapter.platform)
    return checks


def _stop_now(app: App) -> None:
    """A second stop signal: end the drain now (see :meth:`bot.scheduler.Service.stop_now`)."""
    if app.service is not None:
        app.service.stop_now()  # also tells the delivery worker to stop
    else:  # the front end alone (run --no-scheduler)
        app.delivery.request_stop()


async def _serve(
    app: App,
    stop: asyncio.Event,
    ticks: Ticks | None,
    scheduler: bool,
    failed: list[BaseException],
    before_poll: Callable[[], Awaitable[bool]] | None = None,
    on_outcome: Callable[[str, Exception | None], None] | None = None,
) -> None:
    """The scheduler (unless ``scheduler`` is False) until ``stop``; the caller drains.

    ``on_outcome``: told how each job run ended (see :class:`bot.scheduler.Service`).

    ``failed`` holds what stopped the service when it was not a signal (a chat adapter
    whose token was rejected, the poller lock lost): the stopping line then says so, not
    how to hurry a signal.
    """
    if stop.is_set():
        return
    if not scheduler:
        log.info(
            "storybot front end is running on %s (no scheduler: workers poll and deliver)",
            database_name(app.settings),
        )
        await stop.wait()
        return
    p = app.settings.polling
    service = Service(
        app.pipeline,
        app.delivery,
        app.store,
        app.clock,
        ticks or Ticks(poll_s=p.tick_seconds, deliver_s=app.settings.delivery.tick_seconds),
        on_cycle=lambda report: log.info("%s", report.line()),  # type: ignore[attr-defined]
        before_poll=before_poll,
        on_outcome=on_outcome,
        zone=app.settings.delivery.zone,
    )
    app.service = service
    app.commands.on_feeds_changed = service.poll_soon
    service.start()
    log.info("storybot is running on %s; stop with Ctrl-C or SIGTERM", database_name(app.settings))
    await stop.wait()
    if failed:
        log.info("stopping: %s; finishing in-flight work", _one_line(failed[0]))
    else:
        log.info("stopping: finishing in-flight work (Ctrl-C or SIGTERM again stops now)")


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()).rstrip(".") or type(exc).__name__
