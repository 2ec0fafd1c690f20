"""The ``/story`` commands, platform-neutral: the dispatcher and its handlers.

Chat adapters turn a slash command into a ``CommandRequest`` (the text after ``/story``)
and render the ``Reply``. Every input gets a reply: usage mistakes, unknown stories and
missing permissions come back as clear messages (``Reply.ok == False``), and an unexpected
error is logged and answered with an apology, never raised into the adapter.

:class:`Commands` checks who may run what, reads and writes the store, and leaves the
longer texts to the modules beside it: the command table and help
(:mod:`bot.command_specs`, re-exported here), arguments (:mod:`bot.command_args`),
``status`` and ``developments`` (:mod:`bot.status_text`), the feeds' health
(:mod:`bot.feed_text`), ``why`` (:mod:`bot.why_text`), ``stories add|remove``
(:mod:`bot.story_admin`) and ``wrong`` (:mod:`bot.story_wrong`).
"""

from __future__ import annotations

import asyncio
import inspect
import ipaddress
import logging
import re
from dataclasses import replace
from datetime import datetime, timezone, tzinfo
from typing import Callable, Collection, Sequence, cast
from urllib.parse import urlsplit

from bot import mentions, story_admin, story_wrong
from bot.alerts import DigestUpdate
from bot.command_args import (
    arguments,
    developments_arguments,
    digest_hours,
    follow_at,
    status_argument,
    story_option,
)
from bot.command_specs import (
    COMMANDS,
    SPECS,
    CommandSpec,
    admin_command,
    help_text,
    install_command,
    usage,
)
from bot.command_words import Number, argument_words, command_words, number, unlink
from bot.digest_schedule import at_of, first_slot, zone_name
from bot.engine.config import EngineConfig
from bot.errors import UsageError, UserError
from bot.feed_text import feed_health, feeds_list
from bot.identity import BIDI_CONTROLS, canonical_url
from bot.meant import meant_list, probably_meant
from bot.model import (
    DIGEST_HOURS_RANGE,
    Binding,
    CommandRequest,
    DeliveryMode,
    Development,
    InstallAccess,
    Item,
    MessageKind,
    OutboundMessage,
    Reply,
    Story,
    Subscription,
    Target,
    valid_digest_hours,
)
from bot.pipeline import find_items
from bot.ports import (
    AlreadySubscribed,
    Clock,
    Conflict,
    HostCheck,
    SeedLoader,
    Store,
    StoreBusy,
    SubscriptionsFull,
)
from bot.query import (
    Query,
    lower_case_not,
    one_word_hashtags,
    parse_query,
    shown_query,
    stored_query,
)
from bot.render import (
    clip,
    counted,
    developments_command,
    format_time,
    say,
    shown_text,
    shown_url,
    status_command,
)
from bot.settings import PollingSettings, Settings
from bot.status_text import (
    DEVELOPMENTS_PAGE,
    STATUS_UPDATE_ROWS,
    console_no_follow_line,
    developments_body,
    digest_every,
    follow_line,
    next_digest,
    no_follow_line,
    recent_updates,
    status_lines,
    status_update,
)
from bot.stories import (
    CONSOLE_PLATFORM,
    Declarations,
    how_to_add,
    no_stories_yet,
    no_such_story,
    stories_after,
    story_list,
)
from bot.subscriptions_gone import user_left
from bot.validate import (
    admit_feed_url,
    feed_number,
    feeds_shown_as,
    find_story,
    normalise_feed_url,
    remove_feed,
)
from bot.why_text import why_lines

# The command table stays importable from here, where adapters and the CLI look for it.
__all__ = ["COMMANDS", "CommandSpec", "Commands", "admin_command", "help_text", "usage"]

log = logging.getLogger(__name__)

# Each subscription is indexed and evaluated for every item; a person who needs more
# is better served by fewer, broader ones (OR) than by a flood of DMs.
MAX_SUBSCRIPTIONS = 100
# /story why names at most this many other items sharing the link it was given
_WHY_SHARED = 5
# Who the chat adapters count as an admin (adapters/slack_chat/commands.AdminCheck,
# adapters/discord_chat/adapter.is_admin), as an admin refusal names it.
ADMIN_ROLES = {
    "slack": "on Slack, workspace admins and owners",
    "discord": "on Discord, members with the Manage Server permission",
}


class Commands:
    """Answers ``/story`` commands from any platform.

    Args:
        store: where stories, feeds, subscriptions and bindings live.
        clock: the injected clock.
        admin_policy: "admins" (only ``request.is_admin`` users may run admin commands) or
            "everyone".
        default_digest_hours: digest period when ``follow NAME digest`` gives no hours.
        default_interval_s: how often ``feeds add`` has a new feed polled (``[polling]
            default_interval_s``, as the CLI's ``feeds add`` without ``--interval``).
        max_subscriptions: ``subscribe`` is refused once this many subscriptions
            (everyone's) are stored (``[permissions] max_subscriptions``; 0: no cap).
        on_feeds_changed: called after a feed is added, so a running service can poll it now.
        on_subscriptions_changed: called after (un)subscribing, so the matcher is rebuilt.
        host_check: the fetcher's address rule; ``feeds add`` refuses a host it would
            refuse at every poll (None: only the URL itself is checked).
        seed_loader: reads the seed articles of ``stories add`` from their URLs (None:
            stories are added with the CLI only, and ``stories add`` says so).
        on_story_added: called with a story ``stories add`` created; True when the
            console now follows it (no chat platform is configured: the reply says so).
        declared: the stories and feeds the config file declares: ``stories remove`` and
            ``feeds remove`` of one say that it comes back (None: nothing is declared).
        zone: ``[delivery] timezone``, the wall clock of ``follow NAME digest HOURS at
            HH:MM``.
        console_prints: no chat platform is configured, so the console is where alerts
            print (``storybot run``): ``status`` there says how to follow a story it does
            not (with a chat platform set a console follow would only fill the outbox).
    """

    def __init__(
        self,
        store: Store,
        clock: Clock,
        *,
        admin_policy: str = "admins",
        default_digest_hours: float = 24,
        default_interval_s: int = PollingSettings.default_interval_s,
        max_subscriptions: int = Settings.max_subscriptions,
        on_feeds_changed: Callable[[], None] | None = None,
        on_subscriptions_changed: Callable[[], None] | None = None,
        host_check: HostCheck | None = None,
        seed_loader: SeedLoader | None = None,
        on_story_added: Callable[[Story], bool] | None = None,
        declared: Declarations | None = None,
        zone: tzinfo = timezone.utc,
        background_days: float = EngineConfig.background_before_days,
        console_prints: bool = False,
    ) -> None:
        self.store = store
        self.clock = clock
        self.admin_policy = admin_policy
        self.default_digest_hours = default_digest_hours
        self.default_interval_s = default_interval_s
        self.max_subscriptions = max_subscriptions
        self.on_feeds_changed = on_feeds_changed
        self.on_subscriptions_changed = on_subscriptions_changed
        self.host_check = host_check
        self.seed_loader = seed_loader
        self.on_story_added = on_story_added
        self.declared = declared or Declarations()
        self.zone = zone
        # the engine's background_before_days, which `stories add` names to a story
        # whose seeds have no date (bot.story_admin.undated_seeds_note)
        self.background_days = background_days
        self.console_prints = console_prints

    def story_names(self) -> list[str]:
        return [s.name for s in self.store.list_stories()]

    async def user_gone(self, platform: str, user_id: str, why: str) -> list[Subscription]:
        """A user's account is gone from ``platform`` (``why``, as the platform said it):
        their subscriptions are removed and logged (:func:`bot.subscriptions_gone.user_left`),
        and the matcher is rebuilt. In a thread, as the store may wait for the database.

        Raises:
            Whatever the store raises (``StoreBusy``...): the caller logs it.
        """
        removed = await asyncio.to_thread(user_left, self.store, platform, user_id, why)
        if removed and self.on_subscriptions_changed:
            self.on_subscriptions_changed()
        return removed

    async def held_in(self, platform: str, channel_ids: Collection[str]) -> tuple[int, int]:
        """How many follows and keyword subscriptions were made in these channels.

        For a warning that they are cut off (storybot removed from a Discord server): the
        follows' alerts can no longer be posted there, and the subscriptions' users may
        share no other server with storybot to be sent their DMs. Read in a thread.
        """
        wanted = set(channel_ids)

        def count() -> tuple[int, int]:
            follows = sum(
                1
                for b in self.store.list_bindings()
                if b.platform == platform and b.channel_id in wanted
            )
            subscriptions = sum(
                1
                for s in self.store.all_subscriptions()
                if s.platform == platform and s.channel_id in wanted
            )
            return follows, subscriptions

        return await asyncio.to_thread(count)

    async def handle(self, request: CommandRequest) -> Reply:
        """Answer one command. Never raises."""
        request = _typed(request)
        try:
            return await self._dispatch(request)
        except UserError as exc:
            return Reply(text=str(exc), ok=False, usage_error=isinstance(exc, UsageError))
        except StoreBusy as exc:
            log.warning("command %r not answered: %s", request.text[:200], exc)
            return Reply(
                text="storybot's database is busy (another process is writing to it); "
                "nothing was changed. Please try again in a moment.",
                ok=False,
            )
        except Exception:
            log.exception("command failed: %r", request.text[:200])
            return Reply(
                text="Sorry, something went wrong answering that. It has been logged; "
                "please try again in a moment.",
                ok=False,
            )

    # ------------------------------------------------------------------ dispatch

    async def _dispatch(self, req: CommandRequest) -> Reply:
        text = (req.text or "").strip()
        if not text:
            return Reply(text=help_text(platform=req.platform))
        name, rest = command_words(text)
        spec = SPECS.get(name)
        if spec is None:
            close = probably_meant(name, SPECS)
            meant = f" Did you mean `{close}`?" if close else ""
            raise UsageError(
                f"Unknown command '{clip(name, 40)}'.{meant}\n\n{help_text(platform=req.platform)}"
            )
        if spec.channel and req.direct_message:
            # before the admin check: in a DM no one is a server admin, and being one
            # would not help (no channel there can follow a story)
            where = "gets" if name == "unfollow" else "should get"  # follow
            raise UserError(
                f"`{name}` works in a server channel, not in a direct message: "
                f"run it in the channel that {where} the story's alerts."
            )
        if (admin := admin_command(text)) is not None:
            if install_command(text) is not None:
                # first: where it is typed refuses it whatever the member's role there
                _require_install_access(req, admin)
            self._require_admin(req, admin)
        handler = getattr(self, f"_cmd_{name}")
        if inspect.iscoroutinefunction(handler):  # it waits on the network
            return cast(Reply, await handler(req, rest))
        # The others only use the store, which may wait for the database: on SQLite a
        # write waits for a poll cycle's commit, up to the busy timeout (10 s). In a
        # thread, so the event loop meanwhile acks other commands within Slack's 3
        # seconds and answers Discord's interactions within theirs.
        return cast(Reply, await asyncio.to_thread(handler, req, rest))

    def _require_admin(self, req: CommandRequest, what: str) -> None:
        if self.admin_policy == "everyone":
            return
        if req.is_admin is None:
            # the platform could not say (rate limited, unreachable): not a refusal
            raise UserError(
                f"storybot couldn't check your {req.platform.capitalize()} role right now "
                f"(needed for `{what}`). Please try again in a moment."
            )
        if not req.is_admin:
            # what the adapter checked, so a moderator without it knows whom to ask
            who = ADMIN_ROLES.get(req.platform)
            raise UserError(
                f"Only admins may use `{what}` here ("
                + (f"{who}; " if who else "")
                # as code: what an operator copies into the config file, kept as typed
                + 'an operator can allow everyone with `[permissions] admin_commands = "everyone"`).'
            )

    def _story(
        self,
        name: str | None,
        req: CommandRequest,
        command: str = "status",
        usage: str = "",
        then: Sequence[str] = (),
    ) -> Story:
        """Resolve a story by name; without one, the channel's or the only story.

        ``command`` is the one asked about, named when the user must say which story;
        ``usage`` is that command as the user should retype it with NAME for the story (the
        rest of what they asked kept, e.g. a page number), when it is more than the name;
        ``then``, the words typed after the name, which may be the rest of it (a name
        that names no story is answered with the one probably meant: ``no_such_story``).
        """
        if name:
            story = find_story(self.store, name)
            if story is None:
                raise no_such_story(
                    name, self.story_names(), req.platform, self._chat_add(req.platform), then
                )
            return story
        followed: list[Story] = []
        if req.channel_id:
            bound = self.store.bindings_for_channel(req.platform, req.channel_id)
            followed = [s for b in bound if (s := self.store.get_story_by_id(b.story_id))]
            if len(followed) == 1:
                return followed[0]
        stories = self.store.list_stories()
        if len(stories) == 1:
            return stories[0]
        if not stories:
            raise UserError(no_stories_yet(self._chat_add(req.platform)))
        typed = usage or say(req.platform, f"/story {command} NAME", f"/story {command} story:NAME")
        if len(followed) > 1:  # the ones asked about here, not every story of the newsroom
            raise UserError(
                f"Which story? Say `{typed}`. This channel follows "
                + story_list(sorted(s.name for s in followed), req.platform)
                + f"; `{say(req.platform, '/story stories', '/story stories action:list')}` "
                "lists every story."
            )
        raise UserError(
            f"Which story? Say `{typed}`. Stories: "
            + story_list([s.name for s in stories], req.platform)
        )

    # ------------------------------------------------------------------ commands

    def _cmd_help(self, req: CommandRequest, rest: str) -> Reply:
        # The words after a command are its own (`help stories add`, `help subscribe
        # bakery`): that command's help covers them. The command may be written as the
        # help writes it, after `/story` (`help /story status`).
        words = rest.split()
        if words[:1] and words[0].lower() == "/story":
            words = words[1:]
        return Reply(
            text=help_text(words[0] if words else None, req.platform, zone_name(self.zone))
        )

    def _chat_add(self, platform: str | None) -> str | None:
        """``/story stories add`` as ``platform`` types it; None if this process cannot add
        stories from chat (see :func:`bot.stories.how_to_add`)."""
        return None if self.seed_loader is None else story_admin.add_usage(platform)

    async def _cmd_stories(self, req: CommandRequest, rest: str) -> Reply:
        words = rest.split(maxsplit=1)
        sub = words[0].lower() if words else "list"
        tail = words[1] if len(words) > 1 else ""
        if sub == "add":  # admins only: checked before (see admin_command)
            if self.seed_loader is None:
                raise UserError(
                    "Adding stories from chat is not available in this process (it has no "
                    "seed loader). An operator adds one with "
                    "`storybot story add NAME --seed URL ... [--title T]`."
                )
            add = story_admin.parse_add(tail, req.platform)
            return await story_admin.add_story(
                self.store,
                self.clock,
                self.seed_loader,
                req,
                add,
                on_added=self.on_story_added,
                background_days=self.background_days,
            )
        if sub == "remove":  # admins only, as add

            def remove() -> tuple[Reply, bool]:
                name, yes = story_admin.parse_remove(tail, req.platform, self.store)
                return story_admin.remove_story(
                    self.store, req, name, yes=yes, now=self.clock.now(), declared=self.declared
                )

            reply, subscriptions_gone = await asyncio.to_thread(remove)
            if subscriptions_gone and self.on_subscriptions_changed:
                self.on_subscriptions_changed()
            return reply
        arguments("stories", tail if sub == "list" else rest, 0, req.platform)
        # in a thread, as every other command's store calls (``handle``): on the event
        # loop a wait for the database would hold up every other chat request
        stories = await asyncio.to_thread(self.store.list_stories)
        if not stories:
            return Reply(text="No stories yet. " + how_to_add(self._chat_add(req.platform)))
        stats_of = await asyncio.to_thread(
            lambda: {s.id: self.store.story_stats(s.id) for s in stories}
        )
        lines = ["Stories:"]
        for s in stories:
            stats = stats_of[s.id]
            lines.append(
                f"• {s.name}: {s.title} ({counted(stats.developments, 'new development')}, "
                f"{counted(stats.items_on_topic, 'report')} from {counted(stats.sources, 'source')})"
            )
        return Reply(text="\n".join(lines))

    def _cmd_status(self, req: CommandRequest, rest: str) -> Reply:
        story = self._story(status_argument(self.store, rest, req.platform), req)
        stats = self.store.story_stats(story.id)
        devs = self.store.list_developments(story.id, limit=6)
        later = [d for d in devs if d.number > 0][:5]
        seed = next((d for d in devs if d.number == 0), None) or self.store.get_development(
            story.id, 0
        )
        tail = [feed_health(self.store, req.platform)]
        if req.channel_id:
            follows = self.store.bindings_for_channel(req.platform, req.channel_id)
            bound = [b for b in follows if b.story_id == story.id]
            if bound:
                tail.append(follow_line(bound[0], self.clock.now(), self.zone))
            elif not follows and not req.direct_message and req.platform != CONSOLE_PLATFORM:
                # a channel that follows nothing: how it gets alerts (not in a DM, where
                # no story can be followed, nor in the console, which follows by itself:
                # its line, below, is for a story it was made to stop following)
                tail.append(no_follow_line(story.name, req.platform))
            elif req.platform == CONSOLE_PLATFORM and self.console_prints:
                # the console follows a story as it is added (adapters.app.follow_in_console):
                # one it does not was unfollowed there, or added while a chat token was set
                tail.append(console_no_follow_line(story.name))
            failure = self._cannot_deliver(
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
            self.clock.now(),
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
        rows = self.store.latest_development_updates(story_id, STATUS_UPDATE_ROWS)
        found = recent_updates(rows, since)
        devs = {d.number: d for d in later}
        # the older ones in one read (a few at most)
        devs.update(
            (d.number, d)
            for d in self.store.developments_numbered(
                story_id, [n for n, _ in found if n not in devs]
            )
        )
        # one deleted meanwhile has nothing to tell
        return [status_update(devs[n], own) for n, own in found if n in devs]

    def _cmd_developments(self, req: CommandRequest, rest: str) -> Reply:
        name, page = developments_arguments(self.store, rest, req.platform)
        usage = developments_command("NAME", req.platform, page if page > 1 else None)
        story = self._story(name, req, "developments", usage)
        # story_stats counts the new developments (cheap: no development is read)
        total = self.store.story_stats(story.id).developments
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
        devs = self.store.developments_page(
            story.id, DEVELOPMENTS_PAGE, (page - 1) * DEVELOPMENTS_PAGE
        )
        # what later reports added to the page's developments: one read for the page
        updates = self.store.development_updates(story.id, [d.number for d in devs])
        title = f"{story.title} ({story.name})"
        body = developments_body(story.name, devs, total, page, pages, req.platform, updates)
        message = OutboundMessage(  # no ``when``, as status's (see ``_cmd_status``)
            kind=MessageKind.DIGEST,
            title=title,
            body="\n".join(body),
            story_name=story.name,
        )
        return Reply(text="\n".join([title, *body]), ephemeral=True, message=message)

    def _cannot_deliver(self, target: Target, what: str) -> str | None:
        """Why storybot cannot deliver to ``target``, said to the people there; None if it can.

        When the delivery worker gave up on a message (the platform refused it: not in
        the channel, missing permission) the alerts silently stop; this is how the channel
        finds out, with the platform's reason and, where the adapter knows one, what to do
        about it. A later delivery to ``target`` clears it (see ``Store.delivery_failure``).
        """
        failed = self.store.delivery_failure(target)
        if failed is None:
            return None
        reason = shown_text(failed.last_error or "no reason given").removeprefix("permanent: ")
        return (
            f"storybot cannot {what}: {clip(reason, 300)}. It gave up on a message at "
            f"{format_time(failed.next_attempt_at)}; once that is fixed, new messages arrive as usual."
        )

    async def _cmd_feeds(self, req: CommandRequest, rest: str) -> Reply:
        words = rest.split()
        sub = words[0].lower() if words else "list"
        if sub == "list":
            arguments("feeds", " ".join(words[1:]), 0, req.platform)
            return Reply(text=feeds_list(self.store, req.platform))
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
                await admit_feed_url(url, self.host_check)
                url = normalise_feed_url(url)  # one feed however it is spelled
                try:
                    feed = await asyncio.to_thread(
                        self.store.add_feed, url, self.clock.now(), self.default_interval_s
                    )
                except Conflict:
                    raise UserError(f"{_feed_shown(url)} is already polled.") from None
                if self.on_feeds_changed:
                    self.on_feeds_changed()
                return Reply(
                    text=f"Added feed #{feed.id}: {_feed_shown(url)}. "
                    "It is fetched from the next poll cycle on."
                )
            removed = await asyncio.to_thread(remove_feed, self.store, url)
            if removed is None:
                alike = len(await asyncio.to_thread(feeds_shown_as, self.store, url))
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
            return Reply(text=story_admin.with_note(text, self.declared.feed_note(removed)))
        raise UsageError(f"Usage: {usage('feeds', req.platform)}")

    def _cmd_subscribe(self, req: CommandRequest, rest: str) -> Reply:
        option = story_option(self.store, rest, "subscribe", req.platform)
        query_text, story_name = option.text, option.story
        if not query_text:
            raise UsageError(
                f"Usage: {usage('subscribe', req.platform)}, e.g. "
                + say(
                    req.platform,
                    '/story subscribe "supply chain" AND pentagon',
                    '/story subscribe query:"supply chain" AND pentagon',
                )
            )
        query = parse_query(query_text)
        story = self._story(story_name, req, then=option.after) if story_name else None
        story_id = story.id if story else None
        # The same query twice would only send the same DMs twice: say which one exists.
        mine = self.store.list_subscriptions(req.platform, req.user_id)
        for old in mine:
            if old.story_id == story_id and stored_query(old.query) == query:
                raise _already_subscribed(query, story, old)
        if len(mine) >= MAX_SUBSCRIPTIONS:
            raise _too_many_yours(req.platform)
        try:
            sub = self.store.add_subscription(
                req.platform,
                req.user_id,
                query_text,
                story_id,
                self.clock.now(),
                channel_id=req.channel_id,
                max_total=self.max_subscriptions,
                max_per_user=MAX_SUBSCRIPTIONS,
            )
        except AlreadySubscribed as exc:  # stored since the check (a retry, another worker)
            raise _already_subscribed(query, story, exc.existing) from None
        except SubscriptionsFull as exc:
            if exc.per_user:  # others of theirs stored since the check (sent at once)
                raise _too_many_yours(req.platform) from None
            # the operator's to know: a community outgrowing the cap, or someone filling it
            log.warning(
                "subscribe refused: %d subscriptions stored, [permissions] max_subscriptions",
                exc.limit,
            )
            yours = (
                " Yours keep working; removing one you no longer need makes room for this "
                f"one (`{_unsubscribe_id(req.platform)}`)."
                if mine
                else ""
            )
            raise UserError(
                f"No new subscriptions can be added now: storybot holds {exc.limit:,}, the "
                f"most this installation takes (`[permissions] max_subscriptions`).{yours} "
                "Ask its operator if more are needed."
            ) from None
        if self.on_subscriptions_changed:
            self.on_subscriptions_changed()
        scope = f"each new item on-topic for {story.name}" if story else "each new item"
        return Reply(
            text=f"Subscribed (#{sub.id}): {_sentence(query.describe())} "
            f"You will get a DM for {scope} that matches."
            + lower_case_not(query)
            + "".join(
                f" {tag} is one word: with no capitals to tell where its words begin, it "
                "does not find them written apart. To find them too, write the hashtag "
                'with capitals (#ClimateChange) or the words in quotes ("climate change").'
                for tag in one_word_hashtags(query)
            )
        )

    def _cmd_unsubscribe(self, req: CommandRequest, rest: str) -> Reply:
        """Remove one subscription by id, or every one with the same query by keywords.

        By keywords, all of the user's subscriptions that mean the same query go (those
        with ``--story NAME``: only those scoped to that story), so a subscription made
        twice before duplicates were refused does not keep sending DMs.
        """
        option = story_option(self.store, rest, "unsubscribe", req.platform)
        keywords, story_name = option.text, option.story
        if not keywords:
            raise UsageError(
                f"Usage: {usage('unsubscribe', req.platform)} (see `/story subscriptions`)"
            )
        subs = self.store.list_subscriptions(req.platform, req.user_id)
        story = self._story(story_name, req, then=option.after) if story_name else None
        wanted = number(keywords.lstrip("#"))
        by_id = [s for s in subs if wanted is not None and s.id == wanted]
        by_keywords = [
            s
            for s in subs
            if _same_query(s.query, keywords) and (story is None or s.story_id == story.id)
        ]
        if story is None:
            # "٣" both the number of one and the keywords of another ("#3" is a number)
            if by_id and by_keywords and by_id[0] not in by_keywords and keywords[0] != "#":
                raise self._number_or_keywords(keywords, by_id[0], by_keywords, req.platform)
            targets = by_id or by_keywords
        else:
            # "2026 --story x" may be keywords; "#5 --story x" is the subscription #5
            targets = by_keywords or [s for s in by_id if s.story_id == story.id]
            if not targets and by_id:
                raise UserError(
                    f"Your subscription {self._sub_label(by_id[0])} is not for {story.name}; "
                    "to remove it, leave out the story: `"
                    + say(
                        req.platform,
                        f"/story unsubscribe {by_id[0].id}",
                        f"/story unsubscribe target:{by_id[0].id}",
                    )
                    + "`."
                )
        if not targets and story is None:
            targets, missing = _several_numbers(keywords, subs)
            if missing:
                raise UserError(
                    f"You have no {_numbered('subscription', missing)}; nothing was removed. "
                    "See `/story subscriptions`."
                )
        if not targets:
            # what was asked, not the option syntax (on Discord it was a story: option)
            scope = f" for {story.name}" if story else ""
            raise UserError(
                f"You have no subscription '{clip(keywords, 60)}'{scope}. "
                "See `/story subscriptions`."
            )
        for target in targets:
            self.store.remove_subscription(req.platform, req.user_id, target.id)
        if self.on_subscriptions_changed:
            self.on_subscriptions_changed()
        if len(targets) == 1:
            return Reply(text=f"Unsubscribed {self._sub_label(targets[0])}")
        return Reply(
            text=f"Unsubscribed {counted(len(targets), 'subscription')}: "
            + "; ".join(self._sub_label(t) for t in targets)
        )

    def _number_or_keywords(
        self, typed: str, numbered: Subscription, worded: list[Subscription], platform: str
    ) -> UserError:
        """The refusal of ``unsubscribe 3`` when 3 is the number of one of the user's
        subscriptions and the keywords of another: neither is removed on a guess (the
        number was taken: a subscription to ``12`` or ``٣``, listed as "#14: 12", and
        ``unsubscribe 12`` as the list shows it removed #12, another subscription)."""
        shown = clip(typed, 20)
        by_number = say(
            platform,
            f"/story unsubscribe #{numbered.id}",
            f"/story unsubscribe target:#{numbered.id}",
        )
        by_words = say(
            platform, f'/story unsubscribe "{shown}"', f'/story unsubscribe target:"{shown}"'
        )
        return UserError(
            f"'{shown}' is the number of your subscription {self._sub_label(numbered)}, and the "
            f"keywords of {'; '.join(self._sub_label(s) for s in worded)}. Nothing was "
            f"removed: `{by_number}` removes the first, `{by_words}` the "
            + ("second." if len(worded) == 1 else "others.")
        )

    def _sub_label(self, sub: Subscription) -> str:
        """``#4: bakery (story NAME)``: a subscription as its owner sees it listed."""
        story = self.store.get_story_by_id(sub.story_id) if sub.story_id else None
        # named as the subscribe reply named it (one name for a subscription everywhere)
        shown = shown_query(sub.query)
        return f"#{sub.id}: {shown}" + (f" (story {story.name})" if story else "")

    def _cmd_subscriptions(self, req: CommandRequest, rest: str) -> Reply:
        arguments("subscriptions", rest, 0, req.platform)
        subs = self.store.list_subscriptions(req.platform, req.user_id)
        if not subs:
            example = say(
                req.platform,
                "/story subscribe pentagon AND contract",
                "/story subscribe query:pentagon AND contract",
            )
            return Reply(text=f"You have no subscriptions. Try `{example}`.")
        lines = ["Your subscriptions:", *(self._sub_label(s) for s in subs)]
        dm_failure = self._cannot_deliver(
            Target(req.platform, user_id=req.user_id), "send you direct messages"
        )
        return Reply(text="\n".join([*lines, dm_failure] if dm_failure else lines))

    def _cmd_follow(self, req: CommandRequest, rest: str) -> Reply:
        words = argument_words(rest)
        if not words:
            raise UsageError(f"Usage: {usage('follow', req.platform)}")
        if not req.channel_id:
            raise UserError(
                "`follow` binds a channel: run it in the channel that should get the alerts."
            )
        words, at_minute = follow_at(words, req.platform)
        story = self._story(words[0], req, then=words[1:])
        mode = DeliveryMode.REALTIME
        hours = self.default_digest_hours
        if len(words) > 1:
            try:
                mode = DeliveryMode(words[1].lower())
            except ValueError:
                # "anthropic" a story and "anthropic pentagon" another's name typed apart
                meant = stories_after(self.store, words)
                raise UsageError(
                    f"Mode must be 'realtime' or 'digest', not '{clip(words[1], 30)}'."
                    + (f" Did you mean the story {meant_list(meant)}?" if meant else "")
                ) from None
            # only a digest has hours: "realtime 5" is a mistake, not a realtime binding
            if mode is DeliveryMode.REALTIME and len(words) == 3:
                raise UsageError(
                    "Hours are a digest's period: realtime posts each alert as it comes. "
                    + say(
                        req.platform,
                        f"`/story follow {story.name} digest {clip(words[2], 10)}`",
                        f"`/story follow story:{story.name} mode:digest hours:{clip(words[2], 10)}`",
                    )
                    + " posts them together."
                )
            # the words after the name: one quoted may hold spaces
            arguments(
                "follow", " ".join(words[1:]), 2 if mode is DeliveryMode.DIGEST else 1, req.platform
            )
        if len(words) > 2:
            hours = digest_hours(words[2])
            if not valid_digest_hours(hours):
                raise UsageError(f"Digest hours must be {DIGEST_HOURS_RANGE}.")
        if at_minute is not None and mode is not DeliveryMode.DIGEST:
            raise UsageError(
                "`at` is a digest's time of day: "
                + say(
                    req.platform,
                    f"`/story follow {story.name} digest 24 at 09:00`",
                    f"`/story follow story:{story.name} mode:digest hours:24 at:09:00`",
                )
                + "."
            )
        if req.cannot_post:
            # followed anyway, every alert would be given up at its first post
            raise UserError(f"Can't follow {story.name} here yet: {req.cannot_post}")
        before = next(
            (
                b
                for b in self.store.bindings_for_channel(req.platform, req.channel_id)
                if b.story_id == story.id
            ),
            None,
        )
        now = self.clock.now()
        anchor = None
        if at_minute is not None:
            anchor = first_slot(at_minute, hours, now, self.zone)
            if before is not None and _same_slots(before, hours, anchor):
                anchor = before.digest_anchor  # a weekly digest keeps its day
        bound = self.store.bind(
            story.id, req.platform, req.channel_id, mode, hours, now, digest_anchor=anchor
        )
        how = self._delivery(mode, hours, anchor)
        due = next_digest(bound, now, self.zone)
        if before is None:
            text = f"This channel now follows {story.name}: new developments are posted {how}{due}."
        elif self._delivery(before.mode, before.digest_hours, before.digest_anchor) == how:
            text = (
                f"This channel already follows {story.name}: new developments are posted "
                f"{how}{due}."
            )
        else:
            was = self._delivery(before.mode, before.digest_hours, before.digest_anchor)
            text = (
                f"This channel still follows {story.name}; new developments are now posted "
                f"{how}{due} (before: {was})."
            )
        # storybot posts nothing to try a channel; if it already failed here, say so now
        failure = self._cannot_deliver(
            Target(req.platform, channel_id=req.channel_id), "post in this channel"
        )
        return Reply(text=f"{text}\n{failure}" if failure else text, ephemeral=False)

    def _delivery(self, mode: DeliveryMode, hours: float, anchor: datetime | None) -> str:
        """How a follow posts: "as they happen", "as a digest every 6 hours" or "as a
        digest every 24 hours at 09:00 Europe/Berlin"."""
        if mode is DeliveryMode.REALTIME:
            return "as they happen"
        return f"as {digest_every(hours, anchor, self.zone)}"

    def _cmd_unfollow(self, req: CommandRequest, rest: str) -> Reply:
        if not req.channel_id:
            raise UsageError(
                f"Usage: {usage('unfollow', req.platform)} (in the channel that follows it)"
            )
        if rest:
            story = self._story(arguments("unfollow", rest, 1, req.platform, self.store)[0], req)
        else:
            story = self._followed_here(req)
        if not self.store.unbind(story.id, req.platform, req.channel_id):
            raise UserError(f"This channel does not follow {story.name}.")
        return Reply(text=f"This channel no longer follows {story.name}.", ephemeral=False)

    def _followed_here(self, req: CommandRequest) -> Story:
        """The one story this channel follows (``/story unfollow`` without a name).

        Raises:
            UserError: The channel follows none, or several (their names are listed).
        """
        assert req.channel_id is not None
        bound = self.store.bindings_for_channel(req.platform, req.channel_id)
        stories = [s for b in bound if (s := self.store.get_story_by_id(b.story_id))]
        if not stories:
            raise UserError("This channel follows no story.")
        if len(stories) > 1:
            typed = say(req.platform, "/story unfollow NAME", "/story unfollow story:NAME")
            raise UserError(
                f"Which story? Say `{typed}`. This channel follows "
                + story_list(sorted(s.name for s in stories), req.platform)
            )
        return stories[0]

    def _cmd_why(self, req: CommandRequest, rest: str) -> Reply:
        url, _ = _link_and_words("why", rest, 0, req.platform)
        items = self._pasted_items("why", url, req.platform)
        lines = why_lines(self.store, items[0], req.platform, req.user_id)
        if len(items) > 1:
            # A feed listing its articles under one link (its home page): each is an item
            # of its own, and the link alone cannot tell which one was meant.
            lines.insert(
                0,
                f"{_shared(items)} (their feed lists them under one page); this is the "
                f"newest. The others: {_titles(items[1:])}.",
            )
        return mentions.reply(lines)

    def _cmd_wrong(self, req: CommandRequest, rest: str) -> Reply:
        # admins only, install-wide: checked before (see admin_command)
        url, words = _link_and_words("wrong", rest, 1, req.platform, self.store)
        items = self._pasted_items("wrong", url, req.platform)
        if len(items) > 1:
            # the link cannot tell which of them was meant, and the wrong one would teach
            # the story the opposite of what the admin meant
            raise UserError(
                f"{_shared(items)} (their feed lists them under one page), so it does not "
                f"tell which one you mean: {_titles(items)}. Nothing was recorded."
            )
        return story_wrong.correct(
            self.store,
            req,
            items[0],
            url,
            words[0] if words else None,
            self.clock.now(),
            self._chat_add(req.platform),
        )

    def _pasted_items(self, command: str, url: str, platform: str) -> list[Item]:
        """The items at the link a user gave ``command`` (several when a feed lists its
        articles under one link), newest first; a clear error when it names none."""
        items = find_items(self.store, url, _WHY_SHARED + 1)
        if not items and not _is_link(url):
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
        for story in self.store.list_stories():
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


def _is_link(text: str) -> bool:
    """Whether ``text`` is a link: a scheme and a host, or pasted without its scheme as
    browsers show it (``news.example/a``, ``192.0.2.7/a``), a host name with a dot.

    "17", "-1", "abc" and "1.5" are none.
    """
    typed = "://" in text
    try:
        host = urlsplit(text if typed else f"//{text}").hostname
    except ValueError:  # an unbalanced "[" of an IPv6 address
        return False
    if not host or typed or ":" in host:  # ":": an IPv6 address in brackets
        return bool(host)
    labels = host.removesuffix(".").split(".")
    if len(labels) < 2 or not all(labels):
        return False
    try:
        ipaddress.IPv4Address(host)
    except ValueError:
        return any(c.isalpha() for c in labels[-1])  # a top-level domain: no number
    return True


def _feed_shown(url: str) -> str:
    """A feed's URL as a reply echoes it: its key hidden, as ``/story feeds`` lists it
    (:func:`bot.render.shown_url`), and shortened (a URL typed may be long)."""
    return clip(shown_url(url), 100)


def _same_slots(before: Binding, hours: float, anchor: datetime) -> bool:
    """Whether ``before`` has digests at the slots a new ``anchor`` would give them."""
    return (
        before.mode is DeliveryMode.DIGEST
        and before.digest_hours == hours
        and before.digest_anchor is not None
        and at_of(before.digest_anchor, hours) == at_of(anchor, hours)
    )


def _sentence(text: str) -> str:
    """``text`` ended with a full stop, unless it ends with one already ("u.s.")."""
    return text if text.endswith((".", "!", "?", "…")) else f"{text}."


def _unsubscribe_id(platform: str | None) -> str:
    """``/story unsubscribe`` of a subscription's number, as ``platform`` types it."""
    return say(platform, "/story unsubscribe <id>", "/story unsubscribe target:<id>")


def _too_many_yours(platform: str | None) -> UserError:
    """The refusal of a subscribe past :data:`MAX_SUBSCRIPTIONS` of one person's."""
    return UserError(
        f"You have {MAX_SUBSCRIPTIONS} subscriptions, the most one person may have. "
        f"Remove one you no longer need (`{_unsubscribe_id(platform)}`), or combine "
        "some with OR: pentagon OR dod is one subscription."
    )


def _already_subscribed(query: Query, story: Story | None, old: Subscription) -> UserError:
    # named as the subscription they have, not as typed now ("hearing", not "Hearings")
    stored = stored_query(old.query)
    return UserError(
        f"You are already subscribed to {(stored or query).describe()}"
        + (f" for {story.name}" if story else "")
        + f" (#{old.id}). See `/story subscriptions`."
    )


# What no one types and no database stores as text: control characters (PostgreSQL
# refuses NUL; C1 and ESC are terminal codes) and half a surrogate pair (a chat payload's
# JSON may spell one; it has no UTF-8). Controls separate words, as whitespace would.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# Bidirectional embeddings, overrides and isolates are dropped, as they are from feed
# text (no word is split where a client put an isolate): a story's title or a query shown
# in a channel or the operator's terminal could otherwise turn the text after it around.
# So are the invisible characters a copied command brings along, which would make a
# command or story name typed right an unknown one ("Unknown command 'status'. Did you
# mean `status`?"): the zero-width space, word joiner and byte order mark and the soft
# hyphen (dropped inside words when keywords are matched, bot.textnorm), and the
# left-to-right, right-to-left and Arabic letter marks. The joiners (U+200C, U+200D) are
# kept: they are part of how Persian words and emoji sequences are written.
_DROPPED = re.compile(f"[{BIDI_CONTROLS}\u00ad\u061c\u200b\u200e\u200f\u2060\ufeff]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def storable_text(text: str) -> str:
    """``text`` as commands read it: controls as spaces, bidirectional controls and
    invisible characters (a zero-width space...) dropped, half a surrogate pair as U+FFFD.

    Whoever tells one command from another before it is answered (``storybot ask``
    choosing the database to answer from) reads the words so too: ``status`` then DEL is
    the command ``status``.
    """
    return _SURROGATE.sub("\ufffd", _CONTROLS.sub(" ", _DROPPED.sub("", text)))


def _require_install_access(req: CommandRequest, what: str) -> None:
    """Refuse ``what`` (``feeds add``...) where it may not change the whole install.

    Any server's admins may change their own channels, but the stories and feeds are one
    for every channel and server: on Discord, where anyone can invite a public bot to a
    server of their own and be its admin, only the servers the operator names may.
    """
    if req.install_access is InstallAccess.ALLOWED:
        return
    if req.direct_message:
        # no server's list (or lone server) can hold a DM: "this is not one of them" read
        # as if the server were wrong, and "it is in several" as if the list were
        raise UserError(
            f"`{what}` works in a server channel, not in a direct message: run it in a "
            "channel of a server whose admins manage storybot (those `[discord] "
            "admin_servers` lists; with no list, the one server storybot is in)."
        )
    why = (
        f"`{what}` changes storybot for every server and channel it posts in, so on Discord "
        "it runs only in the servers `[discord] admin_servers` lists"
    )
    if req.install_access is InstallAccess.NO_LIST:
        raise UserError(
            f"{why}. That list is empty, which allows it only while storybot is in one "
            "server, and it is in several (or not in this one): storybot's operator should "
            "list the servers whose admins manage storybot."
        )
    raise UserError(f"{why}, and this is not one of them. Ask storybot's operator.")


def _typed(request: CommandRequest) -> CommandRequest:
    """``request`` with its text and the user's name as storable text."""
    text, name = request.text or "", request.user_name
    if storable_text(text) == text and (not name or storable_text(name) == name):
        return request  # nearly always
    return replace(
        request, text=storable_text(text), user_name=storable_text(name) if name else name
    )


_NUMBER_LIST = re.compile(r"#?\d+(?:[\s,]+#?\d+)+")


def _several_numbers(
    typed: str, subs: list[Subscription]
) -> tuple[list[Subscription], list[Number]]:
    """The subscriptions ``3 4`` or ``#3, #4`` names, and the numbers that are not the user's.

    Read so only when the words are no subscription's keywords (checked first) and no
    story is named, and all or nothing: with a number that is not the user's, no
    subscription is returned, only those numbers (the reply names them). Words that are
    not such a list give two empty lists.
    """
    if not _NUMBER_LIST.fullmatch(typed.strip()):
        return [], []
    wanted = {Number(n) for n in re.findall(r"\d+", typed)}
    found = [s for s in subs if s.id in wanted]
    missing = sorted(wanted - {s.id for s in found})
    return ([], missing) if missing else (found, [])


def _numbered(noun: str, numbers: Sequence[int]) -> str:
    """``subscription #9`` or ``subscriptions #8, #9``."""
    return noun + ("s " if len(numbers) > 1 else " ") + ", ".join(f"#{n}" for n in numbers)


def _same_query(stored: str, typed: str) -> bool:
    """Whether two query texts mean the same (``Pentagon AND dod`` == ``pentagon dod``)."""
    if " ".join(stored.split()).lower() == " ".join(typed.split()).lower():
        return True
    query = stored_query(stored)
    return query is not None and query == stored_query(typed)
