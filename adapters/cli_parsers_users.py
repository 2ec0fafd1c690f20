"""The sub-commands over users' and channels' holdings: ``subscriptions`` and ``follows``.

An operator lists them and removes those of a spam account or of a channel that was
deleted or archived (which cannot ``/story unfollow``). Their action is optional: the
command alone lists. Each builder adds one sub-command to the parser
:func:`adapters.cli_parser.build_parser` makes.
"""

from __future__ import annotations

import argparse
from typing import Any

from adapters.cli_types import channel, subscription_id, user


def add_subscriptions_parser(sub: Any) -> None:
    """``subscriptions [list] [--limit N] [--user PLATFORM:ID]`` and ``subscriptions remove``.

    The action is optional (``storybot subscriptions`` lists), so ``--limit`` and
    ``--user`` are the command's own and also ``list``'s and ``remove``'s (``--user``):
    given after the action they set the same value (``SUPPRESS``: not given, they leave it).
    """
    limit_help = "users listed, those holding the most first (default 20, at most 10000)"
    user_help = "PLATFORM:ID, e.g. slack:U024BE7LH or discord:80351110224678912"
    su = sub.add_parser(
        "subscriptions",
        help="users' keyword subscriptions: how many against [permissions] "
        "max_subscriptions, who holds the most; remove a user's",
    )
    su.add_argument("--limit", type=int, metavar="N", help=limit_help)

    def user_option(parser: argparse.ArgumentParser, what: str, **default: Any) -> None:
        # the same --user before or after the action (an action's own does not reset it)
        parser.add_argument(
            "--user", type=user, metavar="PLATFORM:ID", help=f"{what} ({user_help})", **default
        )

    user_option(su, "list one user's subscriptions")
    actions = su.add_subparsers(dest="subs_cmd", metavar="ACTION")
    sl = actions.add_parser("list", help="the default: the count, then the users holding the most")
    sl.add_argument("--limit", type=int, metavar="N", default=argparse.SUPPRESS, help=limit_help)
    user_option(sl, "list one user's subscriptions", default=argparse.SUPPRESS)
    sr = actions.add_parser(
        "remove", help="remove a user's subscriptions (--user ... --yes) or those IDs"
    )
    sr.add_argument(
        "ids",
        nargs="*",
        type=subscription_id,
        metavar="ID",
        help="subscriptions to remove, by the #IDs `--user` lists (all or none)",
    )
    user_option(sr, "remove all of one user's subscriptions, with --yes", default=argparse.SUPPRESS)
    sr.add_argument(
        "--yes", action="store_true", help="go ahead with removing all of --user's subscriptions"
    )
    sr.add_argument(
        "--quiet",
        action="store_true",
        help="do not tell the users by direct message (for spam accounts)",
    )


def add_follows_parser(sub: Any) -> None:
    """``follows [list]`` and ``follows remove CHANNEL [STORY]``."""
    fo = sub.add_parser(
        "follows",
        help="channels' follows of stories, with their given-up and pending messages; "
        "remove a channel's (one deleted or archived, that cannot /story unfollow)",
    )
    actions = fo.add_subparsers(dest="follows_cmd", metavar="ACTION")
    actions.add_parser("list", help="the default: every follow, by channel")
    fr = actions.add_parser(
        "remove",
        story_name=True,
        help="stop a channel following a story, or every story, as /story unfollow "
        "typed there would",
    )
    fr.add_argument(
        "channel",
        type=channel,
        metavar="CHANNEL",
        help="PLATFORM:ID as `storybot follows` lists it, e.g. slack:C024BE7LR or "
        "discord:1234567890123456789",
    )
    fr.add_argument(
        "story",
        nargs="?",
        metavar="STORY",
        help="the story to stop following (in any case); default: every story the channel follows",
    )
