"""Slack's ``user_change`` event: a deactivated account's subscriptions are removed.

Slack accepts ``chat.postMessage`` to a deactivated user's DM (python-slack-sdk#1156):
the sink cannot tell, so a person who left the workspace kept being sent every keyword
match. Slack tells an app subscribed to ``user_change`` (bot scope ``users:read``;
``config/slack-manifest.yaml`` subscribes to it) whenever a member's data changes, the
deactivation included, with the user's object whose ``deleted`` is then true. On that,
:meth:`bot.commands.Commands.user_gone` removes their subscriptions and logs them.

Every other change (a status, a profile, a reactivation) is acknowledged and ignored.
Nothing is checked when a DM is sent: a ``users.info`` per DM would cost a call (and a
rate-limit share) for every match to learn what this event says once. An event missed
(storybot stopped when it came, or an app whose manifest predates the subscription) is
made up for by the daily check of subscription owners, run at start too after a downtime
longer than its period (:mod:`bot.member_check`, :mod:`adapters.slack_chat.members`);
``storybot subscriptions remove --user slack:ID`` removes them at once.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp

from adapters.slack_chat.sink import PLATFORM
from bot.ports import CommandHandler

log = logging.getLogger(__name__)

EVENT = "user_change"
WHY = "their Slack account was deactivated"


def register_user_events(app: AsyncApp, commands: CommandHandler) -> None:
    """Listen for ``user_change`` on ``app`` (bolt acks events itself, at once)."""

    async def on_user_change(event: dict[str, Any]) -> None:
        user = event.get("user")
        if not isinstance(user, dict) or user.get("deleted") is not True:
            return
        user_id = user.get("id")
        if not isinstance(user_id, str) or not user_id:
            return
        try:
            await commands.user_gone(PLATFORM, user_id, WHY)
        except Exception:
            # Slack sends the event once (it is acked): the operator can do it by hand
            log.exception(
                "slack user %s was deactivated, but their keyword subscriptions could not be "
                "removed; storybot subscriptions remove --user slack:%s --yes removes them",
                user_id,
                user_id,
            )

    app.event(EVENT)(on_user_change)
