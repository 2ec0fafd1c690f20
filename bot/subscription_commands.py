"""The keyword subscription commands: ``subscribe``, ``unsubscribe`` and ``subscriptions``.

A subscription is one user's query (``"supply chain" AND pentagon``, for every item or
for one story's); each new item it matches is sent to its user as a DM
(:mod:`bot.notices`). The replies name a subscription as its owner sees it listed
(``#4: bakery (story NAME)``), and what would only send the same DMs twice is refused:
the same query again, or more than :data:`MAX_SUBSCRIPTIONS` of one person's.

:class:`bot.commands.Commands` holds one :class:`SubscriptionCommands` and hands it these
commands.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.command_args import arguments, story_option
from bot.command_specs import usage
from bot.command_words import number
from bot.errors import UsageError, UserError
from bot.model import CommandRequest, Reply, Story, Subscription, Target
from bot.ports import AlreadySubscribed, SubscriptionsFull
from bot.query import (
    Query,
    lower_case_not,
    one_word_hashtags,
    parse_query,
    shown_query,
    stored_query,
)
from bot.render import clip, counted, say
from bot.typed_text import numbered, several_numbers

if TYPE_CHECKING:
    from bot.commands import Commands

# the commands' logger, whichever module answers: operators and tests filter on its name
log = logging.getLogger("bot.commands")

# Each subscription is indexed and evaluated for every item; a person who needs more
# is better served by fewer, broader ones (OR) than by a flood of DMs.
MAX_SUBSCRIPTIONS = 100


@dataclass(frozen=True)
class SubscriptionCommands:
    """Answers ``subscribe``, ``unsubscribe`` and ``subscriptions`` (see the module)."""

    commands: Commands  # the store, clock, settings and story lookup, read from it

    def subscribe(self, req: CommandRequest, rest: str) -> Reply:
        option = story_option(self.commands.store, rest, "subscribe", req.platform)
        query_text, story_name = option.text, option.story
        if not query_text:
            raise UsageError(
                f"Usage: {usage('subscribe', req.platform)}, e.g. "
                + say(
                    req.platform,
                    '/story subscribe "supply chain" AND pentagon',
                    '/story subscribe query:"supply chain" AND pentagon',
                )
            )
        query = parse_query(query_text)
        story = (
            self.commands.resolve_story(story_name, req, then=option.after) if story_name else None
        )
        story_id = story.id if story else None
        # The same query twice would only send the same DMs twice: say which one exists.
        mine = self.commands.store.list_subscriptions(req.platform, req.user_id)
        for old in mine:
            if old.story_id == story_id and stored_query(old.query) == query:
                raise _already_subscribed(query, story, old)
        if len(mine) >= MAX_SUBSCRIPTIONS:
            raise _too_many_yours(req.platform)
        try:
            sub = self.commands.store.add_subscription(
                req.platform,
                req.user_id,
                query_text,
                story_id,
                self.commands.clock.now(),
                channel_id=req.channel_id,
                max_total=self.commands.max_subscriptions,
                max_per_user=MAX_SUBSCRIPTIONS,
            )
        except AlreadySubscribed as exc:  # stored since the check (a retry, another worker)
            raise _already_subscribed(query, story, exc.existing) from None
        except SubscriptionsFull as exc:
            if exc.per_user:  # others of theirs stored since the check (sent at once)
                raise _too_many_yours(req.platform) from None
            # the operator's to know: a community outgrowing the cap, or someone filling it
            log.warning(
                "subscribe refused: %d subscriptions stored, [permissions] max_subscriptions",
                exc.limit,
            )
            yours = (
                " Yours keep working; removing one you no longer need makes room for this "
                f"one (`{_unsubscribe_id(req.platform)}`)."
                if mine
                else ""
            )
            raise UserError(
                f"No new subscriptions can be added now: storybot holds {exc.limit:,}, the "
                f"most this installation takes (`[permissions] max_subscriptions`).{yours} "
                "Ask its operator if more are needed."
            ) from None
        if self.commands.on_subscriptions_changed:
            self.commands.on_subscriptions_changed()
        scope = f"each new item on-topic for {story.name}" if story else "each new item"
        return Reply(
            text=f"Subscribed (#{sub.id}): {_sentence(query.describe())} "
            f"You will get a DM for {scope} that matches."
            + lower_case_not(query)
            + "".join(
                f" {tag} is one word: with no capitals to tell where its words begin, it "
                "does not find them written apart. To find them too, write the hashtag "
                'with capitals (#ClimateChange) or the words in quotes ("climate change").'
                for tag in one_word_hashtags(query)
            )
        )

    def unsubscribe(self, req: CommandRequest, rest: str) -> Reply:
        """Remove one subscription by id, or every one with the same query by keywords.

        By keywords, all of the user's subscriptions that mean the same query go (those
        with ``--story NAME``: only those scoped to that story), so a subscription made
        twice before duplicates were refused does not keep sending DMs.
        """
        option = story_option(self.commands.store, rest, "unsubscribe", req.platform)
        keywords, story_name = option.text, option.story
        if not keywords:
            raise UsageError(
                f"Usage: {usage('unsubscribe', req.platform)} (see `/story subscriptions`)"
            )
        subs = self.commands.store.list_subscriptions(req.platform, req.user_id)
        story = (
            self.commands.resolve_story(story_name, req, then=option.after) if story_name else None
        )
        wanted = number(keywords.lstrip("#"))
        by_id = [s for s in subs if wanted is not None and s.id == wanted]
        by_keywords = [
            s
            for s in subs
            if _same_query(s.query, keywords) and (story is None or s.story_id == story.id)
        ]
        if story is None:
            # "٣" both the number of one and the keywords of another ("#3" is a number)
            if by_id and by_keywords and by_id[0] not in by_keywords and keywords[0] != "#":
                raise self._number_or_keywords(keywords, by_id[0], by_keywords, req.platform)
            targets = by_id or by_keywords
        else:
            # "2026 --story x" may be keywords; "#5 --story x" is the subscription #5
            targets = by_keywords or [s for s in by_id if s.story_id == story.id]
            if not targets and by_id:
                raise UserError(
                    f"Your subscription {self._sub_label(by_id[0])} is not for {story.name}; "
                    "to remove it, leave out the story: `"
                    + say(
                        req.platform,
                        f"/story unsubscribe {by_id[0].id}",
                        f"/story unsubscribe target:{by_id[0].id}",
                    )
                    + "`."
                )
        if not targets and story is None:
            targets, missing = several_numbers(keywords, subs)
            if missing:
                raise UserError(
                    f"You have no {numbered('subscription', missing)}; nothing was removed. "
                    "See `/story subscriptions`."
                )
        if not targets:
            # what was asked, not the option syntax (on Discord it was a story: option)
            scope = f" for {story.name}" if story else ""
            raise UserError(
                f"You have no subscription '{clip(keywords, 60)}'{scope}. "
                "See `/story subscriptions`."
            )
        for target in targets:
            self.commands.store.remove_subscription(req.platform, req.user_id, target.id)
        if self.commands.on_subscriptions_changed:
            self.commands.on_subscriptions_changed()
        if len(targets) == 1:
            return Reply(text=f"Unsubscribed {self._sub_label(targets[0])}")
        return Reply(
            text=f"Unsubscribed {counted(len(targets), 'subscription')}: "
            + "; ".join(self._sub_label(t) for t in targets)
        )

    def _number_or_keywords(
        self, typed: str, numbered: Subscription, worded: list[Subscription], platform: str
    ) -> UserError:
        """The refusal of ``unsubscribe 3`` when 3 is the number of one of the user's
        subscriptions and the keywords of another: neither is removed on a guess (the
        number was taken: a subscription to ``12`` or ``٣``, listed as "#14: 12", and
        ``unsubscribe 12`` as the list shows it removed #12, another subscription)."""
        shown = clip(typed, 20)
        by_number = say(
            platform,
            f"/story unsubscribe #{numbered.id}",
            f"/story unsubscribe target:#{numbered.id}",
        )
        by_words = say(
            platform, f'/story unsubscribe "{shown}"', f'/story unsubscribe target:"{shown}"'
        )
        return UserError(
            f"'{shown}' is the number of your subscription {self._sub_label(numbered)}, and the "
            f"keywords of {'; '.join(self._sub_label(s) for s in worded)}. Nothing was "
            f"removed: `{by_number}` removes the first, `{by_words}` the "
            + ("second." if len(worded) == 1 else "others.")
        )

    def _sub_label(self, sub: Subscription) -> str:
        """``#4: bakery (story NAME)``: a subscription as its owner sees it listed."""
        story = self.commands.store.get_story_by_id(sub.story_id) if sub.story_id else None
        # named as the subscribe reply named it (one name for a subscription everywhere)
        shown = shown_query(sub.query)
        return f"#{sub.id}: {shown}" + (f" (story {story.name})" if story else "")

    def subscriptions(self, req: CommandRequest, rest: str) -> Reply:
        arguments("subscriptions", rest, 0, req.platform)
        subs = self.commands.store.list_subscriptions(req.platform, req.user_id)
        if not subs:
            example = say(
                req.platform,
                "/story subscribe pentagon AND contract",
                "/story subscribe query:pentagon AND contract",
            )
            return Reply(text=f"You have no subscriptions. Try `{example}`.")
        lines = ["Your subscriptions:", *(self._sub_label(s) for s in subs)]
        dm_failure = self.commands.cannot_deliver(
            Target(req.platform, user_id=req.user_id), "send you direct messages"
        )
        return Reply(text="\n".join([*lines, dm_failure] if dm_failure else lines))


def _sentence(text: str) -> str:
    """``text`` ended with a full stop, unless it ends with one already ("u.s.")."""
    return text if text.endswith((".", "!", "?", "…")) else f"{text}."


def _unsubscribe_id(platform: str | None) -> str:
    """``/story unsubscribe`` of a subscription's number, as ``platform`` types it."""
    return say(platform, "/story unsubscribe <id>", "/story unsubscribe target:<id>")


def _too_many_yours(platform: str | None) -> UserError:
    """The refusal of a subscribe past :data:`MAX_SUBSCRIPTIONS` of one person's."""
    return UserError(
        f"You have {MAX_SUBSCRIPTIONS} subscriptions, the most one person may have. "
        f"Remove one you no longer need (`{_unsubscribe_id(platform)}`), or combine "
        "some with OR: pentagon OR dod is one subscription."
    )


def _already_subscribed(query: Query, story: Story | None, old: Subscription) -> UserError:
    # named as the subscription they have, not as typed now ("hearing", not "Hearings")
    stored = stored_query(old.query)
    return UserError(
        f"You are already subscribed to {(stored or query).describe()}"
        + (f" for {story.name}" if story else "")
        + f" (#{old.id}). See `/story subscriptions`."
    )


def _same_query(stored: str, typed: str) -> bool:
    """Whether two query texts mean the same (``Pentagon AND dod`` == ``pentagon dod``)."""
    if " ".join(stored.split()).lower() == " ".join(typed.split()).lower():
        return True
    query = stored_query(stored)
    return query is not None and query == stored_query(typed)
