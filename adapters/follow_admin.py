"""``storybot follows``: the operator's view of channels' follows of stories.

A channel follows a story with ``/story follow`` and stops with ``/story unfollow``, typed
in that channel. When the channel is deleted or archived, or storybot is removed from
its Discord server, nobody can type there any more: each later alert of the story is
queued for it and given up on (``storybot outbox``, ``storybot health --strict``), for
ever. This lists every follow with what piles up behind it, and removes a channel's
follows from the command line.

A removal is the unfollow itself: :meth:`bot.ports.Store.unbind`, in one transaction, so
the follow's messages not delivered yet are taken back exactly as ``/story unfollow``
takes them (given-up ones stay: they are the record ``storybot outbox`` shows). A running
service needs no signal: the pipeline and the digest job read the follows before they
queue, and the outbox refuses an alert or digest for a channel that no longer follows
its story (:func:`storage.outbox.apply_outbox_writes`).
"""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from adapters.app import App
from adapters.cli_output import shown_time, whole_output
from adapters.platform_ids import parse_platform_id
from adapters.stories_admin import story_meant, story_words
from bot.model import Binding, DeliveryMode, Story
from bot.ports import FollowBacklog
from bot.render import counted
from bot.status_text import digest_every
from bot.stories import find_story


def parse_channel(text: str) -> tuple[str, str]:
    """A ``follows remove`` CHANNEL, ``PLATFORM:ID`` as ``storybot follows`` shows it
    (``slack:C024BE7LR``, ``discord:1234567890123456789``).

    Raises:
        ValueError: not ``PLATFORM:ID`` (:func:`adapters.platform_ids.parse_platform_id`).
    """
    return parse_platform_id(
        text,
        "channel",
        "slack:C024BE7LR or discord:1234567890123456789",
        how=" as `storybot follows` lists it",
    )


def follows(app: App, args: argparse.Namespace, out: TextIO | None = None) -> int:
    """``storybot follows [list]`` and ``storybot follows remove CHANNEL [STORY]``."""
    out = out or sys.stdout
    if getattr(args, "follows_cmd", None) == "remove":
        story = story_words(app, args, "follows remove") if args.story is not None else None
        with whole_output(out) as whole:
            return _remove(app, args.channel, story, out=whole)
    return _list(app, out)


def _list(app: App, out: TextIO) -> int:
    """Every follow, by channel: the story, how it posts, and its stuck messages."""
    bindings = app.store.list_bindings()
    if not bindings:
        print("no channel follows a story (a channel follows one with /story follow)", file=out)
        return 0
    names = _story_names(app)
    backlogs = app.store.follow_backlogs()
    channels = {(b.platform, b.channel_id) for b in bindings}
    print(f"{counted(len(bindings), 'follow')} in {counted(len(channels), 'channel')}:", file=out)
    ordered = sorted(bindings, key=lambda b: (b.platform, b.channel_id, names.get(b.story_id, "")))
    for b in ordered:
        print(f"  {_line(app, b, names, backlogs.get(b.id, FollowBacklog()))}", file=out)
    if any(backlog.dead for backlog in backlogs.values()):
        print(
            "\ngiven up: messages the platform refused for good (storybot outbox shows why); "
            "a channel that was deleted or archived, or a server storybot left, cannot "
            "/story unfollow: remove its follow below, then storybot outbox --discard "
            "deletes what it can never be sent",
            file=out,
        )
    print(
        "\nstorybot follows remove PLATFORM:ID [STORY] stops a channel's follows, as "
        "/story unfollow typed there would",
        file=out,
    )
    return 0


def _story_names(app: App) -> dict[int, str]:
    return {s.id: s.name for s in app.store.list_stories()}


def _channel(b: Binding) -> str:
    return f"{b.platform}:{b.channel_id}"


def _how(app: App, b: Binding) -> str:
    """How a follow posts: realtime, or "digest every 24 hours at 09:00 Europe/Berlin"."""
    if b.mode is DeliveryMode.REALTIME:
        return "realtime"
    return digest_every(b.digest_hours, b.digest_anchor, app.settings.delivery.zone).removeprefix(
        "a "
    )


def _line(app: App, b: Binding, names: dict[int, str], backlog: FollowBacklog) -> str:
    story = names.get(b.story_id, f"#{b.story_id}")
    stuck = [f"{backlog.dead} given up"] if backlog.dead else []
    stuck += [f"{backlog.pending} pending"] if backlog.pending else []
    return f"{_channel(b)}\t{story}\t{_how(app, b)}\tsince {shown_time(b.created_at)}" + (
        f"\t{', '.join(stuck)}" if stuck else ""
    )


def _remove(app: App, channel: tuple[str, str], name: str | None, *, out: TextIO) -> int:
    """Stop ``channel`` following the story ``name`` (ignoring case), or every story.

    What matches nothing (a channel that follows nothing, or not that story) removes
    nothing and exits 1, as ``storybot subscriptions remove`` does for an unknown id.
    """
    platform, channel_id = channel
    bound = app.store.bindings_for_channel(platform, channel_id)
    stories = {s.id: s for b in bound if (s := app.store.get_story_by_id(b.story_id))}
    where = f"{platform}:{channel_id}"
    if not bound:
        print(
            f"storybot: {where} follows no story; nothing was removed (storybot follows "
            "lists the channels that follow one)",
            file=sys.stderr,
        )
        return 1
    if name is not None:
        story = find_story(app.store, name)
        if story is None or story.id not in stories:
            follows_now = ", ".join(sorted(s.name for s in stories.values()))
            what = f"follows {follows_now}" if follows_now else "follows no story"
            # a typo is suggested among what could be removed: the channel's stories
            meant = story_meant(name, sorted(s.name for s in stories.values()))
            known = "" if story is not None else f"there is no story named '{name}'{meant}; "
            print(
                f"storybot: {known}{where} does not follow {name!r} (it {what}); "
                "nothing was removed",
                file=sys.stderr,
            )
            return 1
        bound = [b for b in bound if b.story_id == story.id]
    backlogs = app.store.follow_backlogs()
    removed = 0
    for b in bound:
        story_name = _name(stories.get(b.story_id), b)
        # the unfollow itself: what /story unfollow does, in one transaction
        if not app.store.unbind(b.story_id, b.platform, b.channel_id):
            continue  # unfollowed meanwhile (in the channel, or by another removal)
        removed += 1
        print(f"removed {where}'s follow of {story_name} ({_how(app, b)})", file=out)
        backlog = backlogs.get(b.id, FollowBacklog())
        if backlog.pending:
            print(
                f"  its {counted(backlog.pending, 'message')} still to deliver "
                f"{'was' if backlog.pending == 1 else 'were'} taken back",
                file=out,
            )
        if backlog.dead:
            print(
                f"  its {counted(backlog.dead, 'given-up message')} "
                f"{'stays' if backlog.dead == 1 else 'stay'} in the outbox, the record of "
                "what failed (storybot outbox lists "
                f"{'it' if backlog.dead == 1 else 'them'}; storybot outbox --discard "
                f"deletes {'it' if backlog.dead == 1 else 'them'})",
                file=out,
            )
    if not removed:
        print(f"storybot: {where} no longer follows it; nothing was removed", file=sys.stderr)
        return 1
    print(
        f"{counted(removed, 'follow')} removed; the running service queues nothing more "
        f"for {where} of {'that story' if removed == 1 else 'those stories'}",
        file=out,
    )
    return 0


def _name(story: Story | None, b: Binding) -> str:
    return story.name if story is not None else f"story #{b.story_id}"
