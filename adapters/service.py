"""The long-lived service: ``storybot run``.

Runs the scheduler (polling, judging, delivery; :class:`bot.scheduler.Service`) and the
chat adapters beside it until SIGINT/SIGTERM, then drains the jobs in flight; a second
signal stops at once. Also the periodic check of subscription owners
(:func:`owner_checks`), which the service and the delivering workers share.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING

from adapters.app import App, database_name
from adapters.chat_start import Sleep, start_adapter
from adapters.signals import StopSignals
from bot.errors import UserError
from bot.member_check import OwnerChecks
from bot.ports import ChatAdapter, ChatSink
from bot.scheduler import Service, Ticks

if TYPE_CHECKING:
    from storage.poller_lock import PollerLock

log = logging.getLogger("adapters.app")  # the operator's log lines keep their logger


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
