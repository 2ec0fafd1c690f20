"""``storybot subscriptions``: the operator's view of users' keyword subscriptions.

Everyone may ``/story subscribe`` (up to
:data:`bot.subscription_commands.MAX_SUBSCRIPTIONS` a person, ``[permissions]
max_subscriptions`` in all), so in a public server a few accounts can fill the
installation's cap. This shows how full it is and who holds the most, and
removes one user's subscriptions or given ones, without SQL.

A removal goes through :meth:`bot.ports.Store.remove_subscriptions`, in one transaction:
as with ``/story unsubscribe``, a keyword DM not sent yet that only a removed
subscription caused is taken back with it, and each user who lost subscriptions is sent
one direct message naming them (:func:`bot.subscriptions_gone.operator_removed`), queued
in that transaction; ``--quiet`` (a spam account) tells nobody. A running service needs no signal: its subscription index
(:class:`bot.matcher.SubscriptionIndex`) asks the store for
:meth:`~bot.ports.Store.subscriptions_version` before each batch, and any removal changes
the count in it, so the next batch is matched against the subscriptions left.
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from typing import TextIO

from adapters.app import App
from adapters.cli_output import shown_time, whole_output
from adapters.platform_ids import parse_platform_id
from bot.errors import UserError
from bot.model import Subscription
from bot.render import clip, counted
from bot.subscription_commands import MAX_SUBSCRIPTIONS
from bot.subscriptions_gone import operator_removed

# `--limit` at most, as `storybot outbox --limit`
MAX_LIMIT = 10_000
DEFAULT_LIMIT = 20


def parse_user(text: str) -> tuple[str, str]:
    """A ``--user`` value, ``PLATFORM:ID`` (``slack:U024BE7LH``, ``discord:80351110224678912``).

    Raises:
        ValueError: not ``PLATFORM:ID`` (:func:`adapters.platform_ids.parse_platform_id`).
    """
    return parse_platform_id(text, "user", "slack:U024BE7LH or discord:80351110224678912")


def subscriptions(app: App, args: argparse.Namespace, out: TextIO | None = None) -> int:
    """``storybot subscriptions [list]`` and ``storybot subscriptions remove``."""
    out = out or sys.stdout
    if getattr(args, "subs_cmd", None) == "remove":
        if args.limit is not None:
            raise UserError("--limit is for listing, not for `subscriptions remove`")
        with whole_output(out) as whole:
            quiet = getattr(args, "quiet", False)
            return _remove(app, args.user, args.ids, yes=args.yes, quiet=quiet, out=whole)
    limit = DEFAULT_LIMIT if args.limit is None else args.limit
    if not 1 <= limit <= MAX_LIMIT:
        raise UserError(f"--limit must be a whole number from 1 to {MAX_LIMIT}")
    if args.user is not None:
        return _list_user(app, args.user, out)
    return _summary(app, limit, out)


def _summary(app: App, limit: int, out: TextIO) -> int:
    """How many subscriptions there are against the cap, then who holds the most."""
    subs = app.store.all_subscriptions()
    cap = app.settings.max_subscriptions
    against = (
        f"of at most {cap:,} ([permissions] max_subscriptions)"
        if cap > 0
        else "(no cap: [permissions] max_subscriptions = 0)"
    )
    held = Counter((s.platform, s.user_id) for s in subs)
    print(
        f"{counted(len(subs), 'subscription')} {against}, held by {counted(len(held), 'user')} "
        f"(at most {MAX_SUBSCRIPTIONS} a person)",
        file=out,
    )
    if not held:
        return 0
    top = sorted(held.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    more = f", the top {len(top)} (--limit shows more)" if len(top) < len(held) else ""
    print(f"\nusers holding the most{more}:", file=out)
    for (platform, user_id), n in top:
        full = "\t(the most a person may have)" if n >= MAX_SUBSCRIPTIONS else ""
        print(f"  {platform}\t{user_id}\t{n}{full}", file=out)
    print(
        "\nstorybot subscriptions --user PLATFORM:ID lists one user's; "
        "storybot subscriptions remove --user PLATFORM:ID --yes removes them",
        file=out,
    )
    return 0


def _list_user(app: App, user: tuple[str, str], out: TextIO) -> int:
    """One user's subscriptions: id, query, story (or all), when created."""
    platform, user_id = user
    subs = app.store.list_subscriptions(platform, user_id)
    if not subs:
        print(f"{platform} user {user_id} has no subscriptions", file=out)
        return 0
    print(f"{platform} user {user_id} has {counted(len(subs), 'subscription')}:", file=out)
    names = _story_names(app)
    for s in subs:
        print(f"  {_line(s, names)}", file=out)
    return 0


def _story_names(app: App) -> dict[int, str]:
    return {s.id: s.name for s in app.store.list_stories()}


def _line(s: Subscription, names: dict[int, str]) -> str:
    scope = "all stories" if s.story_id is None else f"story {names.get(s.story_id, s.story_id)}"
    return f"#{s.id}\t{clip(s.query, 100)!r}\t{scope}\tcreated {shown_time(s.created_at)}"


def _remove(
    app: App,
    user: tuple[str, str] | None,
    ids: list[int],
    *,
    yes: bool,
    out: TextIO,
    quiet: bool = False,
) -> int:
    """Remove a user's subscriptions (with ``yes``) or those with the given ids.

    Ids are all or none, as ``/story unsubscribe 5 7`` is: one that no subscription has
    (a typo) removes nothing and exits 1. Each user who lost any is sent one direct
    message saying which, unless ``quiet``.
    """
    if user is not None and ids:
        raise UserError("give either --user PLATFORM:ID or subscription IDs, not both")
    if user is None and not ids:
        raise UserError(
            "say which: storybot subscriptions remove --user PLATFORM:ID --yes, or "
            "storybot subscriptions remove ID ... (storybot subscriptions lists them)"
        )
    names = _story_names(app)
    if user is not None:
        platform, user_id = user
        subs = app.store.list_subscriptions(platform, user_id)
        if not subs:
            print(f"storybot: {platform} user {user_id} has no subscriptions", file=sys.stderr)
            return 1
        if not yes:
            raise UserError(
                f"{platform} user {user_id} has {counted(len(subs), 'subscription')}; run "
                f"`storybot subscriptions remove --user {platform}:{user_id} --yes` to remove "
                f"{'it' if len(subs) == 1 else 'all of them'} (the user is told by direct "
                "message; --quiet: not told)"
            )
    else:
        by_id = {s.id: s for s in app.store.all_subscriptions()}
        unknown = [i for i in dict.fromkeys(ids) if i not in by_id]
        if unknown:
            shown = ", ".join(f"#{i}" for i in unknown)
            print(
                f"storybot: no subscription {shown}; nothing was removed "
                "(storybot subscriptions --user PLATFORM:ID lists a user's)",
                file=sys.stderr,
            )
            return 1
        subs = [by_id[i] for i in dict.fromkeys(ids)]
    # one transaction: one DM a user however many go; one gone meanwhile (the user
    # unsubscribed) is skipped, which is what was asked, and with --user one added
    # meanwhile goes too ("all of one user's", read when the removal runs)
    tell = None if quiet else operator_removed(app.clock.now())
    if user is not None:
        removed = app.store.remove_subscriptions(tell=tell, user=user)
    else:
        removed = app.store.remove_subscriptions([s.id for s in subs], tell)
    for s in removed:
        print(f"removed {s.platform} user {s.user_id}'s {_line(s, names)}", file=out)
    users = len({(s.platform, s.user_id) for s in removed})
    told = (
        "not told (--quiet)"
        if quiet
        else f"{'its user is' if users == 1 else f'their {users} users are'} told by direct message"
    )
    print(
        f"{counted(len(removed), 'subscription')} removed; the running service matches without "
        f"{'it' if len(removed) == 1 else 'them'} from its next batch"
        + (f"; {told}" if removed else ""),
        file=out,
    )
    return 0
