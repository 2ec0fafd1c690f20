"""The commands on what the whole install shares: ``stories`` and ``feeds``.

Everyone may list the stories and the polled feeds; adding and removing them is an
admin's, and on Discord only in the servers the operator names (both checked by
:class:`bot.commands.Commands` before these run). Adding and removing stories is
:mod:`bot.story_admin`'s; a feed added is checked as the fetcher would check it at every
poll, and echoed with its key hidden.

:class:`bot.commands.Commands` holds one :class:`InstallCommands` and hands it these
commands.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot import story_admin
from bot.command_args import arguments
from bot.command_specs import usage
from bot.command_words import unlink
from bot.errors import UsageError, UserError
from bot.feed_text import feeds_list
from bot.model import CommandRequest, Reply
from bot.ports import Conflict
from bot.render import clip, counted, say, shown_url
from bot.stories import how_to_add
from bot.validate import (
    admit_feed_url,
    feed_number,
    feeds_shown_as,
    normalise_feed_url,
    remove_feed,
)

if TYPE_CHECKING:
    from bot.commands import Commands


@dataclass(frozen=True)
class InstallCommands:
    """Answers ``stories`` and ``feeds`` (see the module)."""

    commands: Commands  # the store, clock, settings and story lookup, read from it

    async def stories(self, req: CommandRequest, rest: str) -> Reply:
        words = rest.split(maxsplit=1)
        sub = words[0].lower() if words else "list"
        tail = words[1] if len(words) > 1 else ""
        if sub == "add":  # admins only: checked before (see admin_command)
            if self.commands.seed_loader is None:
                raise UserError(
                    "Adding stories from chat is not available in this process (it has no "
                    "seed loader). An operator adds one with "
                    "`storybot story add NAME --seed URL ... [--title T]`."
                )
            add = story_admin.parse_add(tail, req.platform)
            return await story_admin.add_story(
                self.commands.store,
                self.commands.clock,
                self.commands.seed_loader,
                req,
                add,
                on_added=self.commands.on_story_added,
                background_days=self.commands.background_days,
            )
        if sub == "remove":  # admins only, as add

            def remove() -> tuple[Reply, bool]:
                name, yes = story_admin.parse_remove(tail, req.platform, self.commands.store)
                return story_admin.remove_story(
                    self.commands.store,
                    req,
                    name,
                    yes=yes,
                    now=self.commands.clock.now(),
                    declared=self.commands.declared,
                )

            reply, subscriptions_gone = await asyncio.to_thread(remove)
            if subscriptions_gone and self.commands.on_subscriptions_changed:
                self.commands.on_subscriptions_changed()
            return reply
        arguments("stories", tail if sub == "list" else rest, 0, req.platform)
        # in a thread, as every other command's store calls (``handle``): on the event
        # loop a wait for the database would hold up every other chat request
        stories = await asyncio.to_thread(self.commands.store.list_stories)
        if not stories:
            return Reply(text="No stories yet. " + how_to_add(self.commands.chat_add(req.platform)))
        stats_of = await asyncio.to_thread(
            lambda: {s.id: self.commands.store.story_stats(s.id) for s in stories}
        )
        lines = ["Stories:"]
        for s in stories:
            stats = stats_of[s.id]
            lines.append(
                f"• {s.name}: {s.title} ({counted(stats.developments, 'new development')}, "
                f"{counted(stats.items_on_topic, 'report')} from {counted(stats.sources, 'source')})"
            )
        return Reply(text="\n".join(lines))

    async def feeds(self, req: CommandRequest, rest: str) -> Reply:
        words = rest.split()
        sub = words[0].lower() if words else "list"
        if sub == "list":
            arguments("feeds", " ".join(words[1:]), 0, req.platform)
            return Reply(text=feeds_list(self.commands.store, req.platform))
        if sub in ("add", "remove"):  # admins only: checked before (see admin_command)
            what = "<url>" if sub == "add" else "<url | #number>"
            hint = "Usage: " + say(
                req.platform, f"/story feeds {sub} {what}", f"/story feeds {sub} url:{what}"
            )
            # a Slack link's label may hold spaces: one URL all the same
            words = unlink(rest).split()
            if len(words) < 2:
                raise UsageError(hint)
            if len(words) > 2:
                extra = clip(" ".join(words[2:]), 40)
                one = "URL" if sub == "add" else "feed"
                raise UsageError(
                    f"`feeds {sub}` takes one {one} at a time: it does not take '{extra}'. {hint}"
                )
            url = words[1].strip("<>").split("|")[0]
            if sub == "add":
                await admit_feed_url(url, self.commands.host_check)
                url = normalise_feed_url(url)  # one feed however it is spelled
                try:
                    feed = await asyncio.to_thread(
                        self.commands.store.add_feed,
                        url,
                        self.commands.clock.now(),
                        self.commands.default_interval_s,
                    )
                except Conflict:
                    raise UserError(f"{_feed_shown(url)} is already polled.") from None
                if self.commands.on_feeds_changed:
                    self.commands.on_feeds_changed()
                return Reply(
                    text=f"Added feed #{feed.id}: {_feed_shown(url)}. "
                    "It is fetched from the next poll cycle on."
                )
            removed = await asyncio.to_thread(remove_feed, self.commands.store, url)
            if removed is None:
                alike = len(await asyncio.to_thread(feeds_shown_as, self.commands.store, url))
                if alike > 1:
                    raise UserError(
                        f"{_feed_shown(url)} stands for {alike} of the polled feeds, which differ "
                        "only in what is hidden: give the number `/story feeds` shows for the one "
                        "to remove (`#4`), or its whole URL. None was removed."
                    )
                if (numbered := feed_number(url)) is not None:
                    raise UserError(f"No polled feed is numbered #{numbered}. See `/story feeds`.")
                raise UserError(
                    f"{_feed_shown(url)} is not one of the polled feeds. See `/story feeds`."
                )
            text = f"Removed feed {_feed_shown(removed)}. Items already stored are kept."
            return Reply(
                text=story_admin.with_note(text, self.commands.declared.feed_note(removed))
            )
        raise UsageError(f"Usage: {usage('feeds', req.platform)}")


def _feed_shown(url: str) -> str:
    """A feed's URL as a reply echoes it: its key hidden, as ``/story feeds`` lists it
    (:func:`bot.render.shown_url`), and shortened (a URL typed may be long)."""
    return clip(shown_url(url), 100)
