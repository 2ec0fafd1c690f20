"""The commands that bind a channel to a story: ``follow`` and ``unfollow``.

A channel follows a story in realtime (each alert as it comes) or as a digest every few
hours, optionally at a time of day in ``[delivery] timezone``. ``follow`` of a story
the channel already follows changes how it is delivered and says what it was before;
a weekly digest moved to the same time keeps its day. The delivery is said the same way
in every reply (:meth:`FollowCommands._delivery`).

:class:`bot.commands.Commands` holds one :class:`FollowCommands` and hands it these
commands.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from bot.command_args import arguments, digest_hours, follow_at
from bot.command_specs import usage
from bot.command_words import argument_words
from bot.digest_schedule import at_of, first_slot
from bot.errors import UsageError, UserError
from bot.meant import meant_list
from bot.model import (
    DIGEST_HOURS_RANGE,
    Binding,
    CommandRequest,
    DeliveryMode,
    Reply,
    Story,
    Target,
    valid_digest_hours,
)
from bot.render import clip, say
from bot.status_text import digest_every, next_digest
from bot.stories import stories_after, story_list

if TYPE_CHECKING:
    from bot.commands import Commands


@dataclass(frozen=True)
class FollowCommands:
    """Answers ``follow`` and ``unfollow`` (see the module)."""

    commands: Commands  # the store, clock, settings and story lookup, read from it

    def follow(self, req: CommandRequest, rest: str) -> Reply:
        words = argument_words(rest)
        if not words:
            raise UsageError(f"Usage: {usage('follow', req.platform)}")
        if not req.channel_id:
            raise UserError(
                "`follow` binds a channel: run it in the channel that should get the alerts."
            )
        words, at_minute = follow_at(words, req.platform)
        story = self.commands.resolve_story(words[0], req, then=words[1:])
        mode = DeliveryMode.REALTIME
        hours = self.commands.default_digest_hours
        if len(words) > 1:
            try:
                mode = DeliveryMode(words[1].lower())
            except ValueError:
                # "anthropic" a story and "anthropic pentagon" another's name typed apart
                meant = stories_after(self.commands.store, words)
                raise UsageError(
                    f"Mode must be 'realtime' or 'digest', not '{clip(words[1], 30)}'."
                    + (f" Did you mean the story {meant_list(meant)}?" if meant else "")
                ) from None
            # only a digest has hours: "realtime 5" is a mistake, not a realtime binding
            if mode is DeliveryMode.REALTIME and len(words) == 3:
                raise UsageError(
                    "Hours are a digest's period: realtime posts each alert as it comes. "
                    + say(
                        req.platform,
                        f"`/story follow {story.name} digest {clip(words[2], 10)}`",
                        f"`/story follow story:{story.name} mode:digest hours:{clip(words[2], 10)}`",
                    )
                    + " posts them together."
                )
            # the words after the name: one quoted may hold spaces
            arguments(
                "follow", " ".join(words[1:]), 2 if mode is DeliveryMode.DIGEST else 1, req.platform
            )
        if len(words) > 2:
            hours = digest_hours(words[2])
            if not valid_digest_hours(hours):
                raise UsageError(f"Digest hours must be {DIGEST_HOURS_RANGE}.")
        if at_minute is not None and mode is not DeliveryMode.DIGEST:
            raise UsageError(
                "`at` is a digest's time of day: "
                + say(
                    req.platform,
                    f"`/story follow {story.name} digest 24 at 09:00`",
                    f"`/story follow story:{story.name} mode:digest hours:24 at:09:00`",
                )
                + "."
            )
        if req.cannot_post:
            # followed anyway, every alert would be given up at its first post
            raise UserError(f"Can't follow {story.name} here yet: {req.cannot_post}")
        before = next(
            (
                b
                for b in self.commands.store.bindings_for_channel(req.platform, req.channel_id)
                if b.story_id == story.id
            ),
            None,
        )
        now = self.commands.clock.now()
        anchor = None
        if at_minute is not None:
            anchor = first_slot(at_minute, hours, now, self.commands.zone)
            if before is not None and _same_slots(before, hours, anchor):
                anchor = before.digest_anchor  # a weekly digest keeps its day
        bound = self.commands.store.bind(
            story.id, req.platform, req.channel_id, mode, hours, now, digest_anchor=anchor
        )
        how = self._delivery(mode, hours, anchor)
        due = next_digest(bound, now, self.commands.zone)
        if before is None:
            text = f"This channel now follows {story.name}: new developments are posted {how}{due}."
        elif self._delivery(before.mode, before.digest_hours, before.digest_anchor) == how:
            text = (
                f"This channel already follows {story.name}: new developments are posted "
                f"{how}{due}."
            )
        else:
            was = self._delivery(before.mode, before.digest_hours, before.digest_anchor)
            text = (
                f"This channel still follows {story.name}; new developments are now posted "
                f"{how}{due} (before: {was})."
            )
        # storybot posts nothing to try a channel; if it already failed here, say so now
        failure = self.commands.cannot_deliver(
            Target(req.platform, channel_id=req.channel_id), "post in this channel"
        )
        return Reply(text=f"{text}\n{failure}" if failure else text, ephemeral=False)

    def _delivery(self, mode: DeliveryMode, hours: float, anchor: datetime | None) -> str:
        """How a follow posts: "as they happen", "as a digest every 6 hours" or "as a
        digest every 24 hours at 09:00 Europe/Berlin"."""
        if mode is DeliveryMode.REALTIME:
            return "as they happen"
        return f"as {digest_every(hours, anchor, self.commands.zone)}"

    def unfollow(self, req: CommandRequest, rest: str) -> Reply:
        if not req.channel_id:
            raise UsageError(
                f"Usage: {usage('unfollow', req.platform)} (in the channel that follows it)"
            )
        if rest:
            story = self.commands.resolve_story(
                arguments("unfollow", rest, 1, req.platform, self.commands.store)[0], req
            )
        else:
            story = self._followed_here(req)
        if not self.commands.store.unbind(story.id, req.platform, req.channel_id):
            raise UserError(f"This channel does not follow {story.name}.")
        return Reply(text=f"This channel no longer follows {story.name}.", ephemeral=False)

    def _followed_here(self, req: CommandRequest) -> Story:
        """The one story this channel follows (``/story unfollow`` without a name).

        Raises:
            UserError: The channel follows none, or several (their names are listed).
        """
        assert req.channel_id is not None
        bound = self.commands.store.bindings_for_channel(req.platform, req.channel_id)
        stories = [s for b in bound if (s := self.commands.store.get_story_by_id(b.story_id))]
        if not stories:
            raise UserError("This channel follows no story.")
        if len(stories) > 1:
            typed = say(req.platform, "/story unfollow NAME", "/story unfollow story:NAME")
            raise UserError(
                f"Which story? Say `{typed}`. This channel follows "
                + story_list(sorted(s.name for s in stories), req.platform)
            )
        return stories[0]


def _same_slots(before: Binding, hours: float, anchor: datetime) -> bool:
    """Whether ``before`` has digests at the slots a new ``anchor`` would give them."""
    return (
        before.mode is DeliveryMode.DIGEST
        and before.digest_hours == hours
        and before.digest_anchor is not None
        and at_of(before.digest_anchor, hours) == at_of(anchor, hours)
    )
