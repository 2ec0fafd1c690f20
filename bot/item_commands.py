"""The commands about one item a user pastes the link of: ``why`` and ``wrong``.

``why`` explains how storybot judged the item (:mod:`bot.why_text`); ``wrong``, an
admin's, corrects that judgement (:mod:`bot.story_wrong`). Both first find the items at
the link: a feed may list several articles under one link (its home page), which
``why`` names and ``wrong`` refuses, as the link cannot tell which one was meant; a
story's seed article is no item, and is answered as what it is.

:class:`bot.commands.Commands` holds one :class:`ItemCommands` and hands it these
commands.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

from bot import mentions, story_wrong
from bot.command_args import arguments
from bot.command_specs import usage
from bot.errors import UsageError, UserError
from bot.identity import canonical_url
from bot.model import CommandRequest, Item, Reply, Story
from bot.pipeline import find_items
from bot.ports import Store
from bot.render import clip
from bot.typed_text import is_link
from bot.why_text import why_lines

if TYPE_CHECKING:
    from bot.commands import Commands

# /story why names at most this many other items sharing the link it was given
_WHY_SHARED = 5


@dataclass(frozen=True)
class ItemCommands:
    """Answers ``why`` and ``wrong`` (see the module)."""

    commands: Commands  # the store, clock, settings and story lookup, read from it

    def why(self, req: CommandRequest, rest: str) -> Reply:
        url, _ = _link_and_words("why", rest, 0, req.platform)
        items = self._pasted_items("why", url, req.platform)
        lines = why_lines(self.commands.store, items[0], req.platform, req.user_id)
        if len(items) > 1:
            # A feed listing its articles under one link (its home page): each is an item
            # of its own, and the link alone cannot tell which one was meant.
            lines.insert(
                0,
                f"{_shared(items)} (their feed lists them under one page); this is the "
                f"newest. The others: {_titles(items[1:])}.",
            )
        return mentions.reply(lines)

    def wrong(self, req: CommandRequest, rest: str) -> Reply:
        # admins only, install-wide: checked before (see admin_command)
        url, words = _link_and_words("wrong", rest, 1, req.platform, self.commands.store)
        items = self._pasted_items("wrong", url, req.platform)
        if len(items) > 1:
            # the link cannot tell which of them was meant, and the wrong one would teach
            # the story the opposite of what the admin meant
            raise UserError(
                f"{_shared(items)} (their feed lists them under one page), so it does not "
                f"tell which one you mean: {_titles(items)}. Nothing was recorded."
            )
        return story_wrong.correct(
            self.commands.store,
            req,
            items[0],
            url,
            words[0] if words else None,
            self.commands.clock.now(),
            self.commands.chat_add(req.platform),
        )

    def _pasted_items(self, command: str, url: str, platform: str) -> list[Item]:
        """The items at the link a user gave ``command`` (several when a feed lists its
        articles under one link), newest first; a clear error when it names none."""
        items = find_items(self.commands.store, url, _WHY_SHARED + 1)
        if not items and not is_link(url):
            raise UsageError(
                f"`{command}` takes an item's link, and '{clip(url, 40)}' is none. "
                f"Usage: {usage(command, platform)}"
            )
        if not items:
            seed = self._seed_at(url)
            if seed is not None:
                story, place = seed
                what = "explain" if command == "why" else "correct"
                raise UserError(
                    f"That is seed article {place} of {story.name}: the seeds are what the "
                    f"story is, not reports storybot judged, so there is nothing to {what}. "
                    "To change a story's seeds, remove the story and add it again."
                )
            raise UserError(f"storybot has not seen an item at {clip(url, 100)}.")
        return items

    def _seed_at(self, url: str) -> tuple[Story, int] | None:
        """The story and seed number (from 1) whose seed article is at ``url``, if any
        (seeds are not items: a story's article links are kept with the story)."""
        wanted = {url, canonical_url(url)}
        for story in self.commands.store.list_stories():
            for place, seed in enumerate(story.seeds, 1):
                if seed.url and {seed.url, canonical_url(seed.url)} & wanted - {None}:
                    return story, place
        return None


def _link_and_words(
    command: str, rest: str, most: int, platform: str, store: Store | None = None
) -> tuple[str, list[str]]:
    """The link a command takes first, and the at most ``most`` words after it.

    Slack sends a link as ``<url>`` or ``<url|label>``, and a label may hold spaces.
    ``store``: the words after the link are a story's name (see ``arguments``).
    """
    if not rest:
        raise UsageError(f"Usage: {usage(command, platform)}")
    link = rest[: rest.index(">") + 1] if rest.startswith("<") and ">" in rest else ""
    words = arguments(
        command, rest[len(link) :], most if link else most + 1, platform, store, 0 if link else 1
    )
    url = (link or words[0]).strip("<>").split("|")[0]
    return url, words if link else words[1:]


def _shared(items: Sequence[Item]) -> str:
    """ "3 items share this link" (or "At least 6 ...", when more were found than shown)."""
    many = f"At least {len(items)}" if len(items) > _WHY_SHARED else str(len(items))
    return f"{many} items share this link"


def _titles(items: Sequence[Item]) -> str:
    return ", ".join(f'"{clip(item.title, 80)}"' for item in items)
