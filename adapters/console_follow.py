"""The console follows a new story when no chat platform is configured.

``storybot run`` without Slack or Discord tokens prints the alerts of the stories the
console follows, so a fresh install shows alerts with no further step. Every way a story
is created comes here (``storybot story add``, a ``[[stories]]`` of the config file,
``/story stories add``), which is why this is a module of its own: the assembly point
(:mod:`adapters.app`), the config file's declarations (:mod:`adapters.declared`) and the
story commands all call it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.model import DeliveryMode, Story
from bot.ports import Clock, Store
from bot.settings import Settings

if TYPE_CHECKING:
    from adapters.app import App


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
