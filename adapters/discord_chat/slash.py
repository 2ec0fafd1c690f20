"""The ``/story`` application command tree: typed options in, neutral command text out.

Each subcommand only builds the text a user would type after ``/story`` and hands it to an
:class:`Invoker` (the adapter), which asks ``bot.commands.Commands`` and answers the
interaction. The same tree is registered with Discord by ``storybot discord sync``.

No ``from __future__ import annotations`` here: discord.py reads the callbacks'
annotations to build the option types.
"""

from typing import Literal, Protocol

import discord
from discord import app_commands

from adapters.discord_chat.command_text import (
    build,
    follow_text,
    has_spaces,
    spaced_story_name,
    stories_text,
    subscribe_text,
)
from bot.commands import COMMANDS
from bot.model import MAX_DIGEST_HOURS, MIN_DIGEST_HOURS

MAX_CHOICES = 25  # Discord's limit for autocomplete results and choices


class Invoker(Protocol):
    """Runs a neutral command for an interaction and answers it."""

    async def invoke(self, interaction: discord.Interaction, text: str) -> None:
        """Answer ``interaction`` with the reply to ``text`` (visible as the reply says)."""
        ...

    async def story_names(self) -> list[str]:
        """Story names for autocomplete."""
        ...

    async def refuse(self, interaction: discord.Interaction, text: str) -> None:
        """Answer ``interaction``, privately, that its options cannot be read: ``text``."""
        ...


def story_choices(names: list[str], current: str) -> list[app_commands.Choice[str]]:
    """Autocomplete choices: names containing what was typed, prefix matches first."""
    typed = current.strip().lower()
    hits = [n for n in names if typed in n.lower()]
    hits.sort(key=lambda n: (not n.lower().startswith(typed), n.lower()))
    return [app_commands.Choice(name=n[:100], value=n[:100]) for n in hits[:MAX_CHOICES]]


def story_group(invoker: Invoker) -> app_commands.Group:
    """Build the ``/story`` group with its subcommands and the nested ``feeds`` group.

    Args:
        invoker: Answers the interactions; its ``story_names`` feeds autocomplete.

    Returns:
        The top-level group, ready for ``CommandTree.add_command``.
    """
    story = app_commands.Group(name="story", description="Follow a developing news story")

    async def complete_story(
        interaction: discord.Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return story_choices(await invoker.story_names(), current)

    async def run(
        interaction: discord.Interaction, text: str, story: str | None = None, new: bool = False
    ) -> None:
        """Run ``text``; ``story`` is its story-name option, ``new`` when it names a new story.

        A story name holding words apart is refused instead (command_text.spaced_story_name),
        as Discord refuses an option value of the wrong type: before the command runs.
        """
        if story is not None and has_spaces(story):
            names = None if new else await invoker.story_names()
            await invoker.refuse(interaction, spaced_story_name(story, names))
            return
        await invoker.invoke(interaction, text)

    @story.command(
        name="status", description="What the story is, its latest developments and feed health"
    )
    @app_commands.describe(story="Story name (default: this channel's story)")
    @app_commands.autocomplete(story=complete_story)
    async def status(interaction: discord.Interaction, story: str | None = None) -> None:
        await run(interaction, build("status", story), story)

    @story.command(
        name="developments",
        description=(
            "Every development of the story, newest first, with its latest update and newest fact"
        ),
    )
    @app_commands.describe(
        story="Story name (default: this channel's story)",
        page="Page number (1, the default: the newest)",
    )
    @app_commands.autocomplete(story=complete_story)
    async def developments(
        interaction: discord.Interaction,
        story: str | None = None,
        page: app_commands.Range[int, 1] | None = None,
    ) -> None:
        # with a story, the page is always said: "developments 2" reads as page 2 of the
        # channel's story, and story:2 is a name (the command text would lose which)
        await run(interaction, build("developments", story, page or (1 if story else None)), story)

    @story.command(
        name="stories", description="The stories storybot follows; admins add or remove one"
    )
    @app_commands.describe(
        action="list (the default); add or remove a story: admins",
        name="add: the new story's name (e.g. chips-act); remove: the story",
        urls="add: 1 to 10 links of articles on the story, separated by spaces",
        title="add: the story's title (default: the first article's)",
        yes="remove: also remove its subscriptions and channel follows",
    )
    @app_commands.autocomplete(name=complete_story)
    async def stories(
        interaction: discord.Interaction,
        action: Literal["list", "add", "remove"] | None = None,
        name: str | None = None,
        urls: str | None = None,
        title: str | None = None,
        yes: bool | None = None,
    ) -> None:
        named = name if action in ("add", "remove") else None  # list takes no name
        await run(interaction, stories_text(action, name, urls, title, yes), named, action == "add")

    @story.command(name="subscribe", description="Get a DM when a new item matches your keywords")
    @app_commands.describe(
        query='Words, "quoted phrases", AND, OR, NOT, parentheses',
        story="Only items on-topic for this story",
    )
    @app_commands.autocomplete(story=complete_story)
    async def subscribe(
        interaction: discord.Interaction, query: str, story: str | None = None
    ) -> None:
        await run(interaction, subscribe_text(query, story), story)

    @story.command(name="unsubscribe", description="Remove one of your subscriptions")
    @app_commands.describe(
        target="Subscription number (see /story subscriptions) or its keywords",
        story="With keywords: only your subscriptions to them for this story",
    )
    @app_commands.autocomplete(story=complete_story)
    async def unsubscribe(
        interaction: discord.Interaction, target: str, story: str | None = None
    ) -> None:
        await run(interaction, subscribe_text(target, story, verb="unsubscribe"), story)

    @story.command(name="subscriptions", description="List your subscriptions")
    async def subscriptions(interaction: discord.Interaction) -> None:
        await run(interaction, "subscriptions")

    @story.command(name="why", description="Why an item was (or was not) taken as part of a story")
    @app_commands.describe(url="The item's URL")
    async def why(interaction: discord.Interaction, url: str) -> None:
        await run(interaction, build("why", url))

    @story.command(
        name="wrong", description="Tell storybot it was wrong about an item (admins); again: undo"
    )
    @app_commands.describe(
        url="The item's URL (a report storybot took that is not the story, or one it missed)",
        story="Story name (default: of those that judged it, the one that took it, else this channel's)",
    )
    @app_commands.autocomplete(story=complete_story)
    async def wrong(interaction: discord.Interaction, url: str, story: str | None = None) -> None:
        await run(interaction, build("wrong", url, story), story)

    @story.command(name="follow", description="Post this story's alerts in this channel (admins)")
    @app_commands.describe(
        story="Story name",
        mode="realtime: as they happen; digest: a summary every few hours",
        hours="Digest period in hours",
        at="Digest time of day, HH:MM on the 24-hour clock in storybot's time zone (e.g. 09:00)",
    )
    @app_commands.autocomplete(story=complete_story)
    async def follow(
        interaction: discord.Interaction,
        story: str,
        mode: Literal["realtime", "digest"] | None = None,
        hours: app_commands.Range[float, MIN_DIGEST_HOURS, MAX_DIGEST_HOURS] | None = None,
        at: app_commands.Range[str, 1, 5] | None = None,
    ) -> None:
        await run(interaction, follow_text(story, mode, hours, at), story)

    @story.command(name="unfollow", description="Stop posting this story in this channel (admins)")
    @app_commands.describe(story="Story name (not needed when this channel follows one story)")
    @app_commands.autocomplete(story=complete_story)
    async def unfollow(interaction: discord.Interaction, story: str | None = None) -> None:
        await run(interaction, build("unfollow", story), story)

    @story.command(name="help", description="How to use storybot")
    @app_commands.describe(command="Help for one command")
    @app_commands.choices(
        command=[app_commands.Choice(name=c.name, value=c.name) for c in COMMANDS][:MAX_CHOICES]
    )
    async def help_(interaction: discord.Interaction, command: str | None = None) -> None:
        await run(interaction, build("help", command))

    feeds = app_commands.Group(name="feeds", description="The polled feeds", parent=story)

    @feeds.command(name="add", description="Poll a feed (admins)")
    @app_commands.describe(url="RSS, Atom or JSON Feed URL")
    async def feeds_add(interaction: discord.Interaction, url: str) -> None:
        await run(interaction, build("feeds", "add", url))

    @feeds.command(name="remove", description="Stop polling a feed (admins)")
    @app_commands.describe(url="The feed's URL, or its number in /story feeds (#4)")
    async def feeds_remove(interaction: discord.Interaction, url: str) -> None:
        await run(interaction, build("feeds", "remove", url))

    @feeds.command(name="list", description="The polled feeds and their health")
    async def feeds_list(interaction: discord.Interaction) -> None:
        await run(interaction, "feeds list")

    return story


def command_names(story: app_commands.Group) -> list[str]:
    """Qualified names of the leaf commands in a group: ``story status``, ``story feeds add``."""
    return [
        cmd.qualified_name for cmd in story.walk_commands() if isinstance(cmd, app_commands.Command)
    ]
