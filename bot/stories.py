"""Removing a story: the rule the CLI (``storybot story remove``) and chat share.

Users' subscriptions to a story and channels' follows of it are deleted with the story (ON
DELETE CASCADE): each subscriber is sent one direct message saying so
(:mod:`bot.subscriptions_gone`), the channels are not told. So a removal is planned first, counting
them (:func:`plan_story_removal`), and goes ahead only when there are none or the one
removing it said yes (``--yes``: :attr:`StoryRemoval.needs_yes`). The console's follow is
the operator's own: it is neither counted nor a reason to ask.

A story or feed the config file declares ([[stories]], [feeds] urls) comes back with
the next storybot command run with that file, which adds what is missing. A removal
says so, in the same words from the CLI and from chat (:func:`readded_note`); the core
learns what is declared from :class:`Declarations`, which the adapters build from the
settings (it reads no file itself).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot.errors import UserError
from bot.meant import did_you_mean, stories_meant
from bot.model import Story
from bot.ports import Store
from bot.render import clip, counted, say, shown_url
from bot.validate import find_story, stored_form

# The terminal's platform (``adapters.console``): its follow of a story is the operator's.
CONSOLE_PLATFORM = "console"


@dataclass(frozen=True)
class StoryRemoval:
    """A story to remove and what goes with it: users' subscriptions, channels' follows."""

    story: Story
    subscriptions: int
    follows: int

    @property
    def others(self) -> str:
        """What goes with it in words ("2 subscriptions and 1 channel follow"); "" if nothing."""
        parts = [
            counted(n, what)
            for n, what in ((self.subscriptions, "subscription"), (self.follows, "channel follow"))
            if n
        ]
        return " and ".join(parts)

    @property
    def them(self) -> str:
        """The pronoun for :attr:`others`: "it" for one subscription or follow, else "them"."""
        return "it" if self.subscriptions + self.follows == 1 else "them"

    @property
    def who_is_told(self) -> str:
        """Who hears of it: the subscribers by DM (:mod:`bot.subscriptions_gone`), not
        the channels; "" if nothing goes with the story."""
        if self.subscriptions and self.follows:
            return "its subscribers are told by direct message, the channels are not"
        if self.subscriptions:
            return "its subscribers are told by direct message"
        return "the channels are not told" if self.follows else ""

    @property
    def needs_yes(self) -> bool:
        """Whether it removes what other people set up, so only goes ahead with a yes."""
        return bool(self.subscriptions or self.follows)


def plan_story_removal(store: Store, name: str) -> StoryRemoval | None:
    """The story called ``name`` (ignoring case) and what removing it takes; None if none."""
    story = find_story(store, name)
    if story is None:
        return None
    subs = sum(1 for s in store.all_subscriptions() if s.story_id == story.id)
    follows = sum(1 for b in store.bindings_for_story(story.id) if b.platform != CONSOLE_PLATFORM)
    return StoryRemoval(story, subs, follows)


@dataclass(frozen=True)
class Declarations:
    """What the config file declares, for removals to say that it comes back.

    Attributes:
        config: the file, as the operator named it (``--config``), or "config".
        stories: the declared stories' names.
        feeds: the declared feeds' URLs, in their stored form.
    """

    config: str = "config"
    stories: frozenset[str] = frozenset()
    feeds: frozenset[str] = frozenset()

    def story(self, name: str) -> bool:
        """Whether a story named ``name`` (ignoring case, as names are matched) is declared."""
        folded = name.casefold()
        return any(declared.casefold() == folded for declared in self.stories)

    def feed(self, url: str) -> bool:
        """Whether the feed ``url`` is declared, in any spelling of it."""
        return url in self.feeds or stored_form(url) in self.feeds

    def story_note(self, name: str) -> str | None:
        """The note for a removed story ``name`` (see :func:`readded_note`); None if not declared."""
        return readded_note(f"'{name}'", "[[stories]]", self.config) if self.story(name) else None

    def feed_note(self, url: str) -> str | None:
        """The note for a removed feed ``url`` (see :func:`readded_note`); None if not declared.

        Chat shows it, so the URL is named as ``/story feeds`` lists it (its key hidden:
        :func:`bot.render.shown_url`).
        """
        return readded_note(shown_url(url), "[feeds] urls", self.config) if self.feed(url) else None


def readded_note(what: str, section: str, config: str) -> str:
    """That ``what``, just removed, comes back: the CLI's note and chat's, in one wording.

    No capital and no full stop: the CLI prints it after "storybot: note: ", chat after
    "Note: ".
    """
    return (
        f"{what} is declared in {section} of {config}: the next storybot command run with "
        "that file (storybot run included) adds it again; remove it there to keep it removed"
    )


# story names an error lists before it counts the rest (a reply stays one message)
STORY_NAMES_LISTED = 20


def story_list(names: list[str], platform: str | None, lists_all: str | None = None) -> str:
    """``names`` for an error message: the first ``STORY_NAMES_LISTED``, then a count.

    The count names the command that lists every story: ``lists_all``, or else the chat
    command as ``platform`` types it.
    """
    if len(names) <= STORY_NAMES_LISTED:
        return ", ".join(names)
    rest = len(names) - STORY_NAMES_LISTED
    everything = lists_all or say(platform, "/story stories", "/story stories action:list")
    return ", ".join(names[:STORY_NAMES_LISTED]) + f" and {rest} more (`{everything}`)"


def how_to_add(chat_add: str | None = None) -> str:
    """How a story is added: by an operator with the CLI, and by admins with ``chat_add``.

    ``chat_add``: ``/story stories add`` as the user's platform types it, where this process
    adds stories from chat (it has a seed loader); None where only the CLI does.
    """
    cli = "`storybot story add NAME --seed FILE_OR_URL`"
    if chat_add is None:
        return f"An operator adds one with {cli}."
    return f"Admins add one with `{chat_add}` (or an operator with {cli})."


def no_stories_yet(chat_add: str | None = None) -> str:
    """That there are no stories, and how one is added (see :func:`how_to_add`)."""
    return f"There are no stories yet. {how_to_add(chat_add)}"


def story_suggestion(name: str, names: Sequence[str], then: Sequence[str] = ()) -> str:
    """ " Did you mean `anthropic-pentagon`?" for a story name that names none, or "".

    The stories probably meant (:func:`bot.meant.stories_meant`: a typo, "_" for "-", the
    name's words apart or one of them; ``then``, words typed after it), in backticks as
    chat suggests a command. Chat's commands and Discord's story options say it alike.
    """
    return did_you_mean(stories_meant(name, names, then))


def no_such_story(
    name: str,
    names: list[str],
    platform: str | None,
    chat_add: str | None = None,
    then: Sequence[str] = (),
) -> UserError:
    """The error for a story name that names none: what there is instead, if anything.

    The stories probably meant first (:func:`story_suggestion`; ``then``: the words typed
    after the name, which may be the rest of it); then the known stories. With no
    stories at all, how one is added, as ``/story status`` says it (``chat_add``: see
    :func:`how_to_add`).
    """
    did = story_suggestion(name, names, then)
    if did and len(names) == 1:  # the one story there is: listing it again says nothing
        return UserError(f"There is no story named '{clip(name, 60)}'.{did}")
    known = f"Known stories: {story_list(names, platform)}." if names else no_stories_yet(chat_add)
    return UserError(f"There is no story named '{clip(name, 60)}'.{did} {known}")


def words_meant(store: Store, words: list[str]) -> str:
    """ " Did you mean `anthropic-pentagon`?" for a story name followed by words it was
    refused for, or "" (:func:`stories_after`)."""
    return did_you_mean(stories_after(store, words))


def stories_after(store: Store, words: list[str]) -> list[str]:
    """The stories a story name followed by words it was refused for probably means: the
    story its words spell with those after it (``status anthropic pentagon``), else one
    they probably mean (:func:`bot.meant.stories_meant`). A story the first word names is
    not among them: the words after it are then looked at with it (``follow anthropic
    pentagon``, "anthropic" a story too, means ``anthropic-pentagon``).
    """
    if not words:
        return []
    names = [s.name for s in store.list_stories()]
    named = find_story(store, words[0])
    if named is None:
        return stories_meant(words[0], names, words[1:])
    meant = stories_meant(" ".join(words[:2]), names, words[2:])
    return [m for m in meant if m != named.name]
