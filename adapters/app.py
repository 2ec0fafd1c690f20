"""The one assembly point: builds a storybot from settings.

Every dependency can be passed in (a store, a clock, a fetcher, chat adapters); what is not
passed is built from the settings. No module globals, no singletons: tests and the demo build
as many apps as they like.

What an app is then used for lives beside it: the config file's stories and feeds added to
it (:mod:`adapters.declared`), the console following a new story
(:mod:`adapters.console_follow`), the chat adapters started (:mod:`adapters.chat_start`) and
the long-lived service run (:mod:`adapters.service`).
"""

from __future__ import annotations

import asyncio
import logging
import random
import sys
from collections.abc import AsyncIterator
from contextlib import AbstractContextManager, asynccontextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Mapping, cast

from adapters.console_follow import console_follower
from adapters.declared import apply_declared, declarations
from bot.clock import SystemClock
from bot.commands import Commands
from bot.delivery import DeliveryWorker
from bot.engine import Engine, EngineConfig
from bot.pipeline import Pipeline
from bot.polling import PollPolicy
from bot.ports import (
    ChatAdapter,
    Clock,
    Embedder,
    FeedFetcher,
    HostCheck,
    PageReader,
    SeedLoader,
    Store,
    Summarizer,
)
from bot.scheduler import Service
from bot.settings import Settings
from bot.summarizer import SummaryRewriter

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
