"""Telling users that their keyword subscriptions were removed by someone else.

Two removals delete subscriptions their users did not ask to lose: an admin's ``/story
stories remove NAME --yes`` (or the operator's ``storybot story remove NAME --yes``)
takes the story's story-scoped subscriptions with it (ON DELETE CASCADE), and the
operator's ``storybot subscriptions remove`` deletes a user's, or given ones. Untold,
such a user keeps waiting for DMs that never come.

So each user who lost subscriptions gets ONE direct message per removal, however many
went, naming the first few ("#5 pentagon AND deal, #7 hearing and 3 more") and why. The
messages are outbox rows the store queues in the transaction that deletes the
subscriptions (:class:`bot.ports.TellUsers`), keyed ``gone:<removal>:<platform>:<user>``
so that a retried removal never queues a second one. They are plain messages
(:attr:`bot.model.MessageKind.INFO`, a title and a body), not keyword matches.

A third removal is the platform's: a user whose account is gone (:func:`user_left`; a
Slack account deactivated, which Slack tells with a ``user_change`` event, or an owner
the periodic check of :mod:`bot.member_check` finds gone from Slack or from the Discord
servers they subscribed in). Slack still
accepts a DM to such an account (python-slack-sdk#1156), so without it every match would
be posted, for ever, to someone who can no longer sign in, and count against
``[permissions] max_subscriptions``. Their subscriptions are removed (and the keyword DMs
not sent yet that only they caused are taken back), untold: no one would read it. They
are not kept paused for a reactivation: that is rare, and the log line names what went,
so an operator can say what to subscribe to again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime

from bot.model import MessageKind, OutboundMessage, Subscription, Target
from bot.ports import OutboxWrite, TellUsers
from bot.query import shown_query
from bot.render import clip, counted, say
from bot.store_ports import SubscriptionStore

log = logging.getLogger(__name__)

# Subscriptions named in one message; the rest are counted ("and 3 more").
SHOWN_MAX = 3
# A query as the message names it, at most this many characters (queries may be long).
QUERY_MAX = 80


def gone_key(removal: str, platform: str, user_id: str) -> str:
    """The idempotency key of the one message a user gets for a removal.

    Args:
        removal: Names the removal: ``story-<id>`` (story ids are never reused) or
            ``op-<time>`` (an operator's removal, to the microsecond).
    """
    return f"gone:{removal}:{platform}:{user_id}"


def named_subscriptions(subs: Sequence[Subscription]) -> str:
    """``#5 pentagon AND deal, #7 hearing`` (:func:`bot.query.shown_query`, as every
    reply names a subscription), the first :data:`SHOWN_MAX`, then "and N more"."""
    ordered = sorted(subs, key=lambda s: s.id)
    shown = [f"#{s.id} {clip(shown_query(s.query), QUERY_MAX)}" for s in ordered[:SHOWN_MAX]]
    rest = len(ordered) - len(shown)
    if rest:
        return f"{', '.join(shown)} and {rest} more"
    return ", ".join(shown)


def _by_user(subs: Sequence[Subscription]) -> dict[tuple[str, str], list[Subscription]]:
    users: dict[tuple[str, str], list[Subscription]] = {}
    for s in sorted(subs, key=lambda s: s.id):
        users.setdefault((s.platform, s.user_id), []).append(s)
    return users


def _yours(subs: Sequence[Subscription]) -> str:
    return (
        f"your {'subscription' if len(subs) == 1 else 'subscriptions'} {named_subscriptions(subs)}"
    )


def _title(subs: Sequence[Subscription]) -> str:
    return f"{counted(len(subs), 'keyword subscription')} of yours removed"


def _writes(
    subs: Sequence[Subscription],
    removal: Callable[[Subscription], str],
    body: Callable[[str, list[Subscription]], str],
) -> list[OutboxWrite]:
    """One write per user of ``subs``: ``removal`` names the removal for the key (from
    the user's first subscription), ``body`` says it on the user's platform."""
    writes = []
    for (platform, user_id), theirs in _by_user(subs).items():
        message = OutboundMessage(
            kind=MessageKind.INFO, title=_title(theirs), body=body(platform, theirs)
        )
        writes.append(
            OutboxWrite(
                gone_key(removal(theirs[0]), platform, user_id),
                Target(platform, user_id=user_id),
                message,
                only_if_new=True,
            )
        )
    return writes


def story_removed(story_name: str, now: datetime) -> TellUsers:
    """What the removal of the story ``story_name`` tells its subscribers."""

    def body(platform: str, theirs: list[Subscription]) -> str:
        # as bot.command_specs writes `subscribe` (which imports what imports this)
        again = say(
            platform,
            "/story subscribe <keywords> without --story",
            "/story subscribe query:<keywords> without story:",
        )
        return (
            f"The story {story_name} was removed by an admin, and with it {_yours(theirs)}. "
            f"{again} makes one that follows every story."
        )

    return TellUsers(now, lambda subs: _writes(subs, lambda s: f"story-{s.story_id}", body))


def operator_removed(now: datetime) -> TellUsers:
    """What an operator's ``storybot subscriptions remove`` tells the users."""

    def body(platform: str, theirs: list[Subscription]) -> str:
        return f"An operator of this storybot removed {_yours(theirs)}."

    removal = f"op-{now.strftime('%Y%m%dT%H%M%S%f')}"
    return TellUsers(now, lambda subs: _writes(subs, lambda s: removal, body))


def user_left(
    store: SubscriptionStore, platform: str, user_id: str, why: str
) -> list[Subscription]:
    """Remove every subscription of a user whose account is gone, and log what went.

    Told by the platform (:func:`bot.commands.Commands.user_gone`); nobody is messaged.
    Safe to call again (a repeated event): the second call finds nothing and says nothing.

    Args:
        why: What the platform said, for the log ("their Slack account was deactivated").

    Returns:
        The subscriptions removed, in id order.
    """
    removed = store.remove_subscriptions(user=(platform, user_id))
    if removed:
        log.info(
            "%s user %s left (%s): removed their %s (%s)",
            platform,
            user_id,
            why,
            counted(len(removed), "keyword subscription"),
            named_subscriptions(removed),
        )
    return removed
