"""A ``/story`` answer Discord no longer takes (10062 Unknown interaction).

Discord wants an interaction's first answer (the reply, or a defer) "within 3 seconds
of receiving the event"; after that the interaction is unknown to it, answering it is
refused with 10062, and the user sees "The application did not respond". Every
follow-up needs that first answer made, so none can go either.

The command may have run all the same: :meth:`DiscordAdapter.invoke` starts it as the
interaction arrives and answers once it is done, or defers if it takes longer than
``defer_after_s``. That order is kept: a quick command is answered in one call, as
private or public as its reply says (a ``follow`` confirmation is posted for the channel
to see), where deferring first would make every answer two or three calls and every
confirmation a pointer to a follow-up. Deferring first would only spare running a
command whose interaction reached storybot already late; commands are not undone.

So the user may believe that a ``/story subscribe`` or a ``follow`` failed when it was
stored. When the command was one that changes something (:func:`changing_command`) and
it did not refuse, storybot sends them its answer by direct message, saying why; a user
who does not take DMs from it (Privacy Settings) learns it on running the command
again: the changing commands say what is already so ("You are already subscribed to …
(#5)"). A command that only reads is not sent: running it again answers it. Either way
the operator gets one warning naming the command, the user and what was done.
"""

from __future__ import annotations

import logging
from typing import Any

import discord

from adapters.discord_chat.render import escape_text, no_mentions, reply_messages
from bot.command_specs import changing_command
from bot.model import Reply
from bot.render import clip

log = logging.getLogger(__name__)

UNKNOWN_INTERACTION = 10062  # Discord's JSON error code: answered too late, or never known
EXPIRED = (
    "Discord no longer takes an answer to /story %s from user %s (10062 Unknown "
    "interaction: it was not answered within 3 seconds of Discord sending it, which a "
    'slow gateway or a busy storybot can make), and showed them "The application did '
    'not respond"'
)


def expired(exc: BaseException) -> bool:
    """Whether ``exc`` is Discord refusing an answer to an interaction it has forgotten."""
    return isinstance(exc, discord.NotFound) and exc.code == UNKNOWN_INTERACTION


def lead(command: str) -> str:
    """The first line of the DM that carries a lost answer."""
    return (
        f"Discord did not show you storybot's answer to your /story {escape_text(command)} "
        "in time, but the command took effect. Here is the answer:"
    )


async def tell_lost_answer(
    client: discord.Client, user: discord.abc.User, text: str, reply: Reply
) -> None:
    """Log a lost answer and, where the command changed something, DM it to ``user``.

    Never raises a Discord error: a DM refused is logged (the command's own answer to a
    repeat tells the user then).
    """
    shown = clip(" ".join(text.split()), 200)
    command = changing_command(text)
    if command is None or not reply.ok:
        what = "it refused" if not reply.ok else "it only reads"
        log.warning(EXPIRED + "; %s, so running it again answers it", shown, user.id, what)
        return
    log.warning(
        EXPIRED + "; it took effect, so storybot sends them its answer by direct message",
        shown,
        user.id,
    )
    messages: list[dict[str, Any]] = [
        {"content": lead(command), "allowed_mentions": no_mentions()},
        *({k: v for k, v in m.items() if k != "ephemeral"} for m in reply_messages(reply)),
    ]
    try:
        channel = await client.create_dm(user)
        for kwargs in messages:
            await channel.send(**kwargs)
    except discord.HTTPException as exc:
        log.warning(
            "could not send user %s the answer to /story %s by direct message either (%s); "
            "running the command again tells them what is already so",
            user.id,
            command,
            exc,
        )
