"""``/story wrong <item url> [story]``: an admin tells storybot it was wrong about an item.

A team that gets an alert about something that is not their story, or finds with
``/story why`` a report storybot passed over, says so with this command. It flips what
storybot decided about the item for the story, as a correction the story keeps: a report
the story took is recorded as not part of it (reports like it are held back from then
on), one it did not take as part of it (it counts as a seed: reports like it are taken more
readily). The same command on an item that already has a correction withdraws it, so
typing it again undoes it.

The correction is stored (``Store.set_correction``); the engine learns it at the start of
the next poll cycle (:mod:`bot.teaching`). What was decided about the item itself
stays as it is: its judgement, and its alert if it had one.

The story is the one named; else the one holding a correction of the item (so that the
same command undoes it), else the one that took it, else the channel's, else the only
story; without a name, only stories that judged the item are candidates (another has no
decision to correct). Several at a step: the reply asks for the name and lists them.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from bot import mentions
from bot.correction_text import who, wrong_command
from bot.errors import UserError
from bot.model import CommandRequest, Correction, Item, Judgement, Reply, Story
from bot.ports import NotFound, Store
from bot.render import clip
from bot.stories import no_stories_yet, no_such_story, story_list
from bot.validate import find_story


def correct(
    store: Store,
    req: CommandRequest,
    item: Item,
    url: str,
    name: str | None,
    now: datetime,
    chat_add: str | None = None,
) -> Reply:
    """Record, or withdraw, an admin's correction of ``item`` for a story.

    Args:
        store: Where decisions and corrections are.
        req: The command (its platform and user are who said so).
        item: The item the URL names.
        url: The URL as the admin gave it, repeated in the commands the reply suggests.
        name: The story named, if one was.
        now: When it was said.
        chat_add: ``/story stories add`` as the platform types it, for a reply saying
            there are no stories (None: only the CLI adds them).

    Raises:
        UserError: No such story, the story cannot be told, or the story has not
            judged the item (nothing to correct).
    """
    judged = {d.judgement.story_id: d.judgement for d in store.decisions_for_item(item.id)}
    corrected = {c.story_id: c for c in store.item_corrections(item.id)}
    story = _which_story(store, req, item, url, name, judged, corrected, chat_add)
    title = f'"{clip(item.title, 80)}"'
    # the story is named in the command to type again unless it is the only one
    again = wrong_command(url, story.name if len(store.list_stories()) > 1 else None, req.platform)
    earlier = corrected.get(story.id)
    if earlier is not None:
        store.remove_correction(story.id, item.id)
        part = "part" if earlier.on_topic else "not part"
        day = earlier.created_at.strftime("%Y-%m-%d")
        return mentions.reply(
            [
                (
                    f"Withdrew the correction of {title} for {story.name}: ",
                    *who(earlier, req.platform),
                    f" had said on {day} it is {part} of the story.",
                ),
                f"storybot judges reports like it by itself again; `{again}` records it again.",
            ]
        )
    judgement = judged.get(story.id)
    if judgement is None:
        raise UserError(_not_judged(story, item, title))
    on_topic = not judgement.on_topic
    try:
        store.set_correction(
            Correction(story.id, item.id, on_topic, req.platform, req.user_id, now)
        )
    except NotFound:
        raise UserError(f"{story.name} was removed meanwhile; nothing was recorded.") from None
    if on_topic:
        recorded = f"Recorded: {title} is part of {story.name}."
        changes = "It counts as a seed from now on, so reports like it are taken more readily."
    else:
        recorded = f"Recorded: {title} is not part of {story.name}."
        changes = "Reports like it will be held back from now on" + (
            "; its alert stays posted." if _alerted(judgement) else "."
        )
    return Reply(text=f"{recorded} {changes}\nTo undo it: `{again}`.")


def _alerted(judgement: Judgement) -> bool:
    """Whether the item went into an alert: it joined or began a development after the
    seed story (development 0, the story's seeds, is never alerted)."""
    return judgement.development is not None and judgement.development > 0


def _not_judged(story: Story, item: Item, title: str) -> str:
    """Why there is nothing to correct: the story has not judged the item (as ``why`` says)."""
    if item.fetched_at < story.created_at:
        return (
            f"{story.name} never judged {title}: it arrived before that story was added, "
            "so there is no decision to correct."
        )
    return (
        f"{story.name} has not judged {title} yet, so there is no decision to correct; "
        "try again after the next poll."
    )


def _which_story(
    store: Store,
    req: CommandRequest,
    item: Item,
    url: str,
    name: str | None,
    judged: Mapping[int, Judgement],
    corrected: Mapping[int, Correction],
    chat_add: str | None,
) -> Story:
    """The story the correction is for (see the module docstring for the order).

    Raises:
        UserError: the named story does not exist; no story judged the item; or the
            story cannot be told (the reply lists the candidates).
    """
    if name:
        story = find_story(store, name)
        if story is None:
            names = [s.name for s in store.list_stories()]
            raise no_such_story(name, names, req.platform, chat_add)
        return story
    if not judged and not corrected:
        raise UserError(
            f'No story has judged "{clip(item.title, 80)}" yet, so there is no decision to '
            "correct. `/story why` says why."
        )
    stories = {s.id: s for s in store.list_stories()}
    took = [sid for sid, j in judged.items() if j.on_topic]
    followed: list[int] = []
    if req.channel_id:
        bound = store.bindings_for_channel(req.platform, req.channel_id)
        # a story that has not judged the item has nothing to correct: never offer it
        followed = [b.story_id for b in bound if b.story_id in judged]
    steps = (
        (list(corrected), "This item has corrections for"),
        (took, "This item was taken by"),
        (followed, "This channel follows"),
        (list(judged), "Stories that judged it:"),
    )
    for ids, which in steps:
        found = [stories[i] for i in ids if i in stories]
        if len(found) == 1:
            return found[0]
        if found:
            typed = wrong_command(url, "NAME", req.platform)
            listed = story_list(sorted(s.name for s in found), req.platform)
            raise UserError(f"Which story? Say `{typed}`. {which} {listed}.")
    raise UserError(no_stories_yet(chat_add))  # removed since the item was judged
