"""The commands that show a story: ``status`` and ``developments``.

Both read the store and leave the wording to :mod:`bot.status_text`. ``status`` is the
story at a glance (its latest developments, what later reports added to them, the feeds'
health, and this channel's follow or why it gets nothing); ``developments`` pages
through all of them, newest first. Each reply carries the same text as a digest message,
so a chat adapter can render it as one.

:class:`bot.commands.Commands` holds one :class:`StatusCommands` and hands it these
commands.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.command_args import developments_arguments, status_argument
from bot.digest_text import DigestUpdate
from bot.errors import UserError
from bot.feed_text import feed_health
from bot.model import (
    CommandRequest,
    Development,
    MessageKind,
    OutboundMessage,
    Reply,
    Target,
)
from bot.render import counted, developments_command, status_command
from bot.status_text import (
    DEVELOPMENTS_PAGE,
    STATUS_UPDATE_ROWS,
    console_no_follow_line,
    developments_body,
    follow_line,
    no_follow_line,
    recent_updates,
    status_lines,
    status_update,
)
from bot.stories import CONSOLE_PLATFORM

if TYPE_CHECKING:
    from bot.commands import Commands


@dataclass(frozen=True)
class StatusCommands:
    """Answers ``status`` and ``developments`` (see the module)."""

    commands: Commands  # the store, clock, settings and story lookup, read from it

    def status(self, req: CommandRequest, rest: str) -> Reply:
        story = self.commands.resolve_story(
            status_argument(self.commands.store, rest, req.platform), req
        )
        stats = self.commands.store.story_stats(story.id)
        devs = self.commands.store.list_developments(story.id, limit=6)
        later = [d for d in devs if d.number > 0][:5]
        seed = next(
            (d for d in devs if d.number == 0), None
        ) or self.commands.store.get_development(story.id, 0)
        tail = [feed_health(self.commands.store, req.platform)]
        if req.channel_id:
            follows = self.commands.store.bindings_for_channel(req.platform, req.channel_id)
            bound = [b for b in follows if b.story_id == story.id]
            if bound:
                tail.append(follow_line(bound[0], self.commands.clock.now(), self.commands.zone))
            elif not follows and not req.direct_message and req.platform != CONSOLE_PLATFORM:
                # a channel that follows nothing: how it gets alerts (not in a DM, where
                # no story can be followed, nor in the console, which follows by itself:
                # its line, below, is for a story it was made to stop following)
                tail.append(no_follow_line(story.name, req.platform))
            elif req.platform == CONSOLE_PLATFORM and self.commands.console_prints:
                # the console follows a story as it is added (adapters.console_follow.follow_in_console):
                # one it does not was unfollowed there, or added while a chat token was set
                tail.append(console_no_follow_line(story.name))
            failure = self.commands.cannot_deliver(
                Target(req.platform, channel_id=req.channel_id), "post in this channel"
            )
            if failure:
                tail.append(failure)
        lines = status_lines(
            story,
            stats,
            seed,
            later,
            tail,
            req.platform,
            self._status_updates(story.id, later),
            self.commands.clock.now(),
        )
        text = "\n".join(lines)
        # no ``when``: a digest's time is when its news was reported (every renderer
        # labels it so, ``DIGEST_WHEN``), and the time of asking is not that; the body
        # dates each development itself
        message = OutboundMessage(
            kind=MessageKind.DIGEST,
            title=f"{story.title} ({story.name})",
            body="\n".join(lines[1:]),
            story_name=story.name,
        )
        return Reply(text=text, ephemeral=True, message=message)

    def _status_updates(self, story_id: int, later: list[Development]) -> list[DigestUpdate]:
        """What later reports added to the story's developments since the oldest of
        ``later`` (its latest developments) was first reported: see ``recent_updates``."""
        since = min((d.first_reported_at or d.created_at for d in later), default=None)
        rows = self.commands.store.latest_development_updates(story_id, STATUS_UPDATE_ROWS)
        found = recent_updates(rows, since)
        devs = {d.number: d for d in later}
        # the older ones in one read (a few at most)
        devs.update(
            (d.number, d)
            for d in self.commands.store.developments_numbered(
                story_id, [n for n, _ in found if n not in devs]
            )
        )
        # one deleted meanwhile has nothing to tell
        return [status_update(devs[n], own) for n, own in found if n in devs]

    def developments(self, req: CommandRequest, rest: str) -> Reply:
        name, page = developments_arguments(self.commands.store, rest, req.platform)
        usage = developments_command("NAME", req.platform, page if page > 1 else None)
        story = self.commands.resolve_story(name, req, "developments", usage)
        # story_stats counts the new developments (cheap: no development is read)
        total = self.commands.store.story_stats(story.id).developments
        if not total:
            return Reply(
                text=f"{story.name} has no developments yet beyond the seed story "
                f"(`{status_command(story.name, req.platform)}` shows the story)."
            )
        pages = -(-total // DEVELOPMENTS_PAGE)
        if page > pages:
            raise UserError(
                f"{story.name} has {counted(pages, 'page')} of developments ({total}), so "
                f"there is no page {page}; "
                f"`{developments_command(story.name, req.platform, pages)}` shows the oldest."
            )
        devs = self.commands.store.developments_page(
            story.id, DEVELOPMENTS_PAGE, (page - 1) * DEVELOPMENTS_PAGE
        )
        # what later reports added to the page's developments: one read for the page
        updates = self.commands.store.development_updates(story.id, [d.number for d in devs])
        title = f"{story.title} ({story.name})"
        body = developments_body(story.name, devs, total, page, pages, req.platform, updates)
        message = OutboundMessage(  # no ``when``, as status's (see ``status``)
            kind=MessageKind.DIGEST,
            title=title,
            body="\n".join(body),
            story_name=story.name,
        )
        return Reply(text="\n".join([title, *body]), ephemeral=True, message=message)
