"""The ``/story`` commands, platform-neutral.

Chat adapters turn a slash command into a ``CommandRequest`` (the text after ``/story``)
and render the ``Reply``. Every input gets a reply: usage mistakes, unknown stories and
missing permissions come back as clear messages (``Reply.ok == False``), and an unexpected
error is logged and answered with an apology, never raised into the adapter.
"""

from __future__ import annotations

import inspect
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from bot import story_admin
from bot.command_words import option_word
from bot.engine.text import split_sentences
from bot.errors import UsageError, UserError
from bot.matcher import reprints_seed
from bot.model import (
    CommandRequest,
    DeliveryMode,
    Development,
    FeedStatus,
    Item,
    Judgement,
    MessageKind,
    OutboundMessage,
    Reply,
    Story,
    Subscription,
    Target,
)
from bot.pipeline import find_item
from bot.ports import AlreadySubscribed, Clock, Conflict, HostCheck, SeedLoader, Store
from bot.query import QUOTE_CHARS, Document, Query, parse_query, stored_query
from bot.render import (
    OPTION_PLATFORMS,
    counted,
    developments_command,
    say,
    shorten,
    source_list,
    status_command,
)
from bot.validate import admit_feed_url, find_story, normalise_feed_url, remove_feed

log = logging.getLogger(__name__)

MAX_DIGEST_HOURS = 24 * 7
# Each subscription is indexed and evaluated for every item; a person who needs more
# is better served by fewer, broader ones (OR) than by a flood of DMs.
MAX_SUBSCRIPTIONS = 100
FAILING_SHOWN = 3  # failing feeds named in the status's feed health
# Developments a page of /story developments shows. A fixed size keeps the pages numbered
# the same whatever they hold; five are what /story status fits in one Discord embed with
# each lead whole (see STATUS_BODY_MAX), where ten such entries would take about twice
# that. An entry too long for its fifth of the page gives up room (see _status_entry).
DEVELOPMENTS_PAGE = 5


@dataclass(frozen=True)
class CommandSpec:
    """One ``/story`` command: the one list help, usage hints and Discord's choices share.

    ``usage`` is the typed form (Slack, the console); ``options`` is the same command with
    the slash-command options of an option platform, where it differs.
    """

    name: str
    usage: str
    summary: str
    admin: bool = False
    options: str | None = None
    # binds the channel it runs in: meaningless in a direct message
    channel: bool = False
    # subcommands only admins may run, when the command itself is not (``feeds add``)
    admin_subcommands: frozenset[str] = frozenset()

    def usage_for(self, platform: str | None) -> str:
        """``/story`` and this command's usage as users on ``platform`` write it."""
        form = self.options if self.options and platform in OPTION_PLATFORMS else self.usage
        return f"/story {form}"


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec(
        "status",
        "status [story]",
        "What the story is, its latest developments, sources and feed health.",
        options="status [story:NAME]",
    ),
    CommandSpec(
        "developments",
        "developments [story] [page]",
        "Every development of the story after the seed story, newest first, "
        f"{DEVELOPMENTS_PAGE} a page (page 1: the newest).",
        options="developments [story:NAME] [page:N]",
    ),
    CommandSpec(
        "stories",
        "stories [list | add <name> <url> ... [--title T] | remove <name> [--yes]]",
        "The stories storybot follows. Admins add one from 1 to "
        f"{story_admin.MAX_SEED_URLS} articles' URLs (its seeds), and remove one (saying "
        "yes when people subscribe to it or channels follow it).",
        options="stories [action:list|add|remove] [name:NAME urls:<url ...>]",
        admin_subcommands=frozenset({"add", "remove"}),
    ),
    CommandSpec(
        "subscribe",
        "subscribe <keywords> [--story NAME]",
        'Be told by DM when a new item matches. Words, "quoted phrases", AND, OR, NOT, '
        "-word (not word), parentheses. With a story, only items on-topic for that story.",
        options="subscribe query:<keywords> [story:NAME]",
    ),
    CommandSpec(
        "unsubscribe",
        "unsubscribe <id|keywords> [--story NAME]",
        "Remove a subscription by its #, or all of yours with these keywords (with a story, "
        "only those for that story).",
        options="unsubscribe target:<id | keywords> [story:NAME]",
    ),
    CommandSpec("subscriptions", "subscriptions", "List your subscriptions."),
    CommandSpec(
        "feeds",
        "feeds [list | add <url> | remove <url>]",
        "The polled feeds and their health (add/remove: admins).",
        options="feeds list | feeds add url:<url> | feeds remove url:<url>",
        admin_subcommands=frozenset({"add", "remove"}),
    ),
    CommandSpec(
        "follow",
        "follow <story> [realtime | digest <hours>]",
        "Post this story's alerts in this channel, as they happen or as a digest (admins).",
        admin=True,
        options="follow story:NAME [mode:realtime | mode:digest hours:N]",
        channel=True,
    ),
    CommandSpec(
        "unfollow",
        "unfollow <story>",
        "Stop posting this story in this channel (admins).",
        admin=True,
        options="unfollow story:NAME",
        channel=True,
    ),
    CommandSpec(
        "why",
        "why <item url>",
        "Why an item was (or was not) taken as part of a story.",
        options="why url:<item url>",
    ),
    CommandSpec("help", "help [command]", "This help.", options="help [command:NAME]"),
)
_SPECS = {c.name: c for c in COMMANDS}


def admin_command(text: str) -> str | None:
    """The admin-only command that ``text`` (what follows ``/story``) runs, or None.

    Named as refusals name it (``follow``, ``feeds add``). Adapters ask this before looking
    a user's role up on the platform, which can be slow (Slack's ``users.info`` may be rate
    limited): only an admin command waits on it; reading the status or managing one's own
    subscriptions never does. :meth:`Commands.handle` checks the same commands.
    """
    name, _, rest = text.strip().partition(" ")
    spec = _SPECS.get(name.lower())
    if spec is None:
        return None
    if spec.admin:
        return spec.name
    words = rest.split()
    sub = words[0].lower() if words else ""
    return f"{spec.name} {sub}" if sub in spec.admin_subcommands else None


def usage(command: str, platform: str | None = None) -> str:
    """``/story`` and a command's usage as users on ``platform`` write it."""
    return _SPECS[command].usage_for(platform)


def help_text(command: str | None = None, platform: str | None = None) -> str:
    """The help for one command, or for all, in ``platform``'s form of the commands.

    Slack and the console type text after ``/story``; Discord fills in slash-command
    options, so its users are shown ``subscribe query:<keywords> [story:NAME]``.
    """
    if command:
        spec = _SPECS.get(command.lower())
        if spec is None:
            raise UsageError(f"There is no command '{command}'. Try `/story help`.")
        return f"{spec.usage_for(platform)}\n{spec.summary}"
    forms = [c.usage_for(platform) for c in COMMANDS]
    width = max(len(f) for f in forms)
    lines = ["storybot follows developing news stories. Commands:"]
    lines += [f"  {f.ljust(width)}  {c.summary}" for f, c in zip(forms, COMMANDS, strict=True)]
    return "\n".join(lines)


def _fmt_time(when: datetime | None) -> str:
    return when.strftime("%Y-%m-%d %H:%M UTC") if when else "unknown time"


def _clip(text: str, limit: int) -> str:
    """``text`` on one line in at most ``limit`` characters (see :func:`shorten`)."""
    return shorten(" ".join(text.split()), limit)


class Commands:
    """Answers ``/story`` commands from any platform.

    Args:
        store: where stories, feeds, subscriptions and bindings live.
        clock: the injected clock.
        admin_policy: "admins" (only ``request.is_admin`` users may run admin commands) or
            "everyone".
        default_digest_hours: digest period when ``follow NAME digest`` gives no hours.
        on_feeds_changed: called after a feed is added, so a running service can poll it now.
        on_subscriptions_changed: called after (un)subscribing, so the matcher is rebuilt.
        host_check: the fetcher's address rule; ``feeds add`` refuses a host it would
            refuse at every poll (None: only the URL itself is checked).
        seed_loader: reads the seed articles of ``stories add`` from their URLs (None:
            stories are added with the CLI only, and ``stories add`` says so).
    """

    def __init__(
        self,
        store: Store,
        clock: Clock,
        *,
        admin_policy: str = "admins",
        default_digest_hours: float = 24,
        on_feeds_changed: Callable[[], None] | None = None,
        on_subscriptions_changed: Callable[[], None] | None = None,
        host_check: HostCheck | None = None,
        seed_loader: SeedLoader | None = None,
    ) -> None:
        self.store = store
        self.clock = clock
        self.admin_policy = admin_policy
        self.default_digest_hours = default_digest_hours
        self.on_feeds_changed = on_feeds_changed
        self.on_subscriptions_changed = on_subscriptions_changed
        self.host_check = host_check
        self.seed_loader = seed_loader

    def story_names(self) -> list[str]:
        return [s.name for s in self.store.list_stories()]

    async def handle(self, request: CommandRequest) -> Reply:
        """Answer one command. Never raises."""
        try:
            return await self._dispatch(request)
        except UserError as exc:
            return Reply(text=str(exc), ok=False, usage_error=isinstance(exc, UsageError))
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
        name, _, rest = text.partition(" ")
        name = name.lower()
        rest = rest.strip()
        spec = _SPECS.get(name)
        if spec is None:
            raise UsageError(
                f"Unknown command '{_clip(name, 40)}'.\n\n{help_text(platform=req.platform)}"
            )
        if spec.channel and req.direct_message:
            # before the admin check: in a DM no one is a server admin, and being one
            # would not help (no channel there can follow a story)
            raise UserError(
                f"`{name}` works in a server channel, not in a direct message: "
                "run it in the channel that should get the story's alerts."
            )
        if (admin := admin_command(text)) is not None:
            self._require_admin(req, admin)
        reply = getattr(self, f"_cmd_{name}")(req, rest)
        # Most handlers only read the store; one that waits on the network is a coroutine.
        return await reply if inspect.isawaitable(reply) else reply

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
            raise UserError(
                f"Only workspace/server admins may use `{what}` here "
                '(an operator can allow everyone with [permissions] admin_commands = "everyone").'
            )

    def _story(self, name: str | None, req: CommandRequest, command: str = "status") -> Story:
        """Resolve a story by name; without one, the channel's or the only story.

        ``command`` is the one asked about, named when the user must say which story.
        """
        if name:
            story = find_story(self.store, name)
            if story is None:
                names = self.story_names()
                known = (
                    f" Known stories: {', '.join(names)}."
                    if names
                    else " There are no stories yet."
                )
                raise UserError(f"There is no story named '{_clip(name, 60)}'.{known}")
            return story
        if req.channel_id:
            bound = self.store.bindings_for_channel(req.platform, req.channel_id)
            if len(bound) == 1:
                story = self.store.get_story_by_id(bound[0].story_id)
                if story:
                    return story
        stories = self.store.list_stories()
        if len(stories) == 1:
            return stories[0]
        if not stories:
            raise UserError("There are no stories yet. " + self._how_to_add(req.platform))
        raise UserError(
            "Which story? Say "
            + say(req.platform, f"`/story {command} NAME`", f"`/story {command} story:NAME`")
            + ". Stories: "
            + ", ".join(s.name for s in stories)
        )

    # ------------------------------------------------------------------ commands

    def _cmd_help(self, req: CommandRequest, rest: str) -> Reply:
        words = _arguments("help", rest, 1, req.platform)
        return Reply(text=help_text(words[0] if words else None, req.platform))

    def _how_to_add(self, platform: str | None) -> str:
        """How a story is added, as this process can add one."""
        cli = "`storybot story add NAME --seed FILE_OR_URL`"
        if self.seed_loader is None:
            return f"An operator adds one with {cli}."
        return (
            f"Admins add one with `{story_admin.add_usage(platform)}` (or an operator with {cli})."
        )

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
            return await story_admin.add_story(self.store, self.clock, self.seed_loader, req, add)
        if sub == "remove":  # admins only, as add
            name, yes = story_admin.parse_remove(tail, req.platform)
            reply, subscriptions_gone = story_admin.remove_story(self.store, req, name, yes=yes)
            if subscriptions_gone and self.on_subscriptions_changed:
                self.on_subscriptions_changed()
            return reply
        _arguments("stories", tail if sub == "list" else rest, 0, req.platform)
        stories = self.store.list_stories()
        if not stories:
            return Reply(text="No stories yet. " + self._how_to_add(req.platform))
        lines = ["Stories:"]
        for s in stories:
            stats = self.store.story_stats(s.id)
            lines.append(
                f"• {s.name}: {s.title} ({counted(stats.developments, 'new development')}, "
                f"{counted(stats.items_on_topic, 'report')} from {counted(stats.sources, 'source')})"
            )
        return Reply(text="\n".join(lines))

    def _cmd_status(self, req: CommandRequest, rest: str) -> Reply:
        words = _arguments("status", rest, 1, req.platform)
        story = self._story(words[0] if words else None, req)
        stats = self.store.story_stats(story.id)
        devs = self.store.list_developments(story.id, limit=6)
        later = [d for d in devs if d.number > 0][:5]
        seed = next((d for d in devs if d.number == 0), None) or self.store.get_development(
            story.id, 0
        )
        lines = [f"{story.title} ({story.name})"]
        lines.append(
            f"{counted(len(story.seeds), 'seed article')} · {counted(stats.items_on_topic, 'report')} from "
            f"{counted(stats.sources, 'source')} · {counted(stats.copies, 'copy', 'copies')} folded · "
            f"{counted(stats.developments, 'new development')} · "
            + (
                f"last report {_fmt_time(stats.last_item_at)}"
                if stats.last_item_at
                else "no report yet"
            )
        )
        if seed and seed.item_count:
            lines.append(
                f"The seed story has been reported {counted(seed.item_count, 'time')}"
                + (f" ({source_list(seed.sources)})" if seed.sources else "")
            )
        entries = [_status_entry(d) for d in later]
        tail = [self._feed_health(req.platform)]
        if req.channel_id:
            bound = [
                b
                for b in self.store.bindings_for_channel(req.platform, req.channel_id)
                if b.story_id == story.id
            ]
            if bound:
                b = bound[0]
                mode = (
                    "realtime"
                    if b.mode is DeliveryMode.REALTIME
                    else f"digest every {b.digest_hours:g}h"
                )
                tail.append(f"This channel follows this story ({mode}).")
            failure = self._cannot_deliver(
                Target(req.platform, channel_id=req.channel_id), "post in this channel"
            )
            if failure:
                tail.append(failure)
        # The oldest developments give way before the feed health and a delivery failure
        # at the end would be cut off (one Discord embed, see STATUS_BODY_MAX); room is
        # kept for the line counting the older ones, with every development counted.
        most = _older_line(stats.developments, story.name, req.platform)
        while len(entries) > 1 and _status_size(lines, entries, tail, most) > STATUS_BODY_MAX:
            entries.pop()
        # the older ones: left out for room, and those beyond the latest five
        hidden = max(0, stats.developments - len(entries))
        if entries:
            lines += ["", STATUS_NEWS_HEADING] + [line for e in entries for line in e]
            if hidden:
                lines.append(_older_line(hidden, story.name, req.platform))
        else:
            lines.append("No new developments yet beyond the seed story.")
        lines += tail
        text = "\n".join(lines)
        message = OutboundMessage(
            kind=MessageKind.DIGEST,
            title=f"{story.title} ({story.name})",
            body="\n".join(lines[1:]),
            story_name=story.name,
            when=self.clock.now(),
        )
        return Reply(text=text, ephemeral=True, message=message)

    def _cmd_developments(self, req: CommandRequest, rest: str) -> Reply:
        name, page = self._developments_arguments(rest, req.platform)
        story = self._story(name, req, "developments")
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
        title = f"{story.title} ({story.name})"
        heading = f"{counted(total, 'development')} after the seed story, newest first:"
        footer = _page_footer(story.name, page, pages, req.platform)
        # A fixed share of the page for each entry: whatever the entries hold, the page
        # fits one Discord embed and the next page starts where this one ends.
        room = (STATUS_BODY_MAX - _chars([heading, *footer])) // DEVELOPMENTS_PAGE - 1
        body = [heading, *(line for d in devs for line in _status_entry(d, room)), *footer]
        message = OutboundMessage(
            kind=MessageKind.DIGEST,
            title=title,
            body="\n".join(body),
            story_name=story.name,
            when=self.clock.now(),
        )
        return Reply(text="\n".join([title, *body]), ephemeral=True, message=message)

    def _developments_arguments(self, rest: str, platform: str | None) -> tuple[str | None, int]:
        """The story (None: the channel's or the only one) and page of ``developments``.

        ``developments 2`` is page 2, unless a story is named "2" (names may be digits).
        """
        words = _arguments("developments", rest, 2, platform)
        if len(words) == 2:
            return words[0], _page_number(words[1], platform)
        if words and _NUMBERISH.fullmatch(words[0]) and not find_story(self.store, words[0]):
            return None, _page_number(words[0], platform)
        return (words[0] if words else None), 1

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
        reason = (failed.last_error or "no reason given").removeprefix("permanent: ")
        return (
            f"storybot cannot {what}: {_clip(reason, 300)}. It gave up on a message at "
            f"{_fmt_time(failed.next_attempt_at)}; once that is fixed, new messages arrive as usual."
        )

    def _feed_health(self, platform: str | None = None) -> str:
        counts = self.store.feed_status_counts()
        if not sum(counts.values()):
            return f"Feeds: none yet (add one with `{say(platform, '/story feeds add URL', '/story feeds add url:URL')}`)."
        ok, failing, new = (counts[FeedStatus.OK], counts[FeedStatus.ERROR], counts[FeedStatus.NEW])
        line = f"Feeds: {ok} ok, {failing} failing, {new} not polled yet."
        shown = self.store.failing_feeds(FAILING_SHOWN)
        for f in shown:
            line += f"\n  failing: {f.url} ({f.error_count}×): {_clip(f.last_error or '', 120)}"
        # the count says how many fail: never let the lines seem to be all of them
        if failing > len(shown):
            line += f"\n  … and {failing - len(shown)} more failing (`/story feeds` shows each feed and its last error)."
        waiting = self.store.count_page_waits()
        if waiting:  # [pages]: their sites failed in a way that may pass
            line += (
                "\n  1 headline-only item waits for its linked page, which could not be read yet."
                if waiting == 1
                else f"\n  {waiting} headline-only items wait for their linked pages, which "
                "could not be read yet."
            )
        return line

    async def _cmd_feeds(self, req: CommandRequest, rest: str) -> Reply:
        words = rest.split()
        sub = words[0].lower() if words else "list"
        if sub == "list":
            _arguments("feeds", " ".join(words[1:]), 0, req.platform)
            return Reply(text=self._feeds_list(req.platform))
        if sub in ("add", "remove"):  # admins only: checked before (see admin_command)
            if len(words) != 2:
                raise UsageError(
                    f"Usage: {say(req.platform, f'/story feeds {sub} <url>', f'/story feeds {sub} url:<url>')}"
                )
            url = words[1].strip("<>").split("|")[0]
            if sub == "add":
                await admit_feed_url(url, self.host_check)
                url = normalise_feed_url(url)  # one feed however it is spelled
                try:
                    feed = self.store.add_feed(url, self.clock.now())
                except Conflict:
                    raise UserError(f"{url} is already polled.") from None
                if self.on_feeds_changed:
                    self.on_feeds_changed()
                return Reply(
                    text=f"Added feed #{feed.id}: {url}. It will be polled within a minute."
                )
            removed = remove_feed(self.store, url)
            if removed is None:
                raise UserError(f"{url} is not one of the polled feeds. See `/story feeds`.")
            return Reply(text=f"Removed feed {removed}. Items already stored are kept.")
        raise UsageError(f"Usage: {usage('feeds', req.platform)}")

    def _feeds_list(self, platform: str | None = None) -> str:
        feeds = self.store.list_feeds()
        if not feeds:
            return f"No feeds yet. Admins add one with `{say(platform, '/story feeds add URL', '/story feeds add url:URL')}`."
        lines = [f"{counted(len(feeds), 'feed')}:"]
        for f in feeds[:50]:
            state = f.status.value
            if f.status is FeedStatus.ERROR:
                state += f" ({f.error_count}× since {_fmt_time(f.last_ok_at) if f.last_ok_at else 'the start'}): {_clip(f.last_error or '', 100)}"
            # an untitled feed (not fetched yet, or no <title>) is named by its URL once
            named = f"{f.title} <{f.url}>" if f.title else f"<{f.url}>"
            lines.append(f"• {named} · {state} · next poll {_fmt_time(f.next_poll_at)}")
        if len(feeds) > 50:
            lines.append(f"… and {len(feeds) - 50} more (`storybot feeds list` shows all).")
        return "\n".join(lines)

    def _cmd_subscribe(self, req: CommandRequest, rest: str) -> Reply:
        query_text, story_name = _split_story_option(rest, "subscribe", req.platform)
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
        story = self._story(story_name, req) if story_name else None
        story_id = story.id if story else None
        # The same query twice would only send the same DMs twice: say which one exists.
        mine = self.store.list_subscriptions(req.platform, req.user_id)
        for old in mine:
            if old.story_id == story_id and stored_query(old.query) == query:
                raise _already_subscribed(query, story, old)
        if len(mine) >= MAX_SUBSCRIPTIONS:
            raise UserError(
                f"You have {MAX_SUBSCRIPTIONS} subscriptions, the most one person may have. "
                "Remove one you no longer need (`/story unsubscribe <id>`), or combine "
                "some with OR: pentagon OR dod is one subscription."
            )
        try:
            sub = self.store.add_subscription(
                req.platform,
                req.user_id,
                query_text,
                story_id,
                self.clock.now(),
                channel_id=req.channel_id,
            )
        except AlreadySubscribed as exc:  # stored since the check (a retry, another worker)
            raise _already_subscribed(query, story, exc.existing) from None
        if self.on_subscriptions_changed:
            self.on_subscriptions_changed()
        scope = f"each new item on-topic for {story.name}" if story else "each new item"
        return Reply(
            text=f"Subscribed (#{sub.id}): {_sentence(query.describe())} "
            f"You will get a DM for {scope} that matches."
        )

    def _cmd_unsubscribe(self, req: CommandRequest, rest: str) -> Reply:
        """Remove one subscription by id, or every one with the same query by keywords.

        By keywords, all of the user's subscriptions that mean the same query go (those
        with ``--story NAME``: only those scoped to that story), so a subscription made
        twice before duplicates were refused does not keep sending DMs.
        """
        keywords, story_name = _split_story_option(rest, "unsubscribe", req.platform)
        if not keywords:
            raise UsageError(
                f"Usage: {usage('unsubscribe', req.platform)} (see `/story subscriptions`)"
            )
        subs = self.store.list_subscriptions(req.platform, req.user_id)
        story = self._story(story_name, req) if story_name else None
        wanted = keywords.lstrip("#")
        by_id = [s for s in subs if wanted.isdigit() and s.id == int(wanted)]
        by_keywords = [
            s
            for s in subs
            if _same_query(s.query, keywords) and (story is None or s.story_id == story.id)
        ]
        if story is None:
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
        if not targets:
            raise UserError(
                f"You have no subscription '{_clip(rest, 60)}'. See `/story subscriptions`."
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

    def _sub_label(self, sub: Subscription) -> str:
        """``#4: bakery (story NAME)``: a subscription as its owner sees it listed."""
        story = self.store.get_story_by_id(sub.story_id) if sub.story_id else None
        return f"#{sub.id}: {sub.query}" + (f" (story {story.name})" if story else "")

    def _cmd_subscriptions(self, req: CommandRequest, rest: str) -> Reply:
        _arguments("subscriptions", rest, 0, req.platform)
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
        words = rest.split()
        if not words:
            raise UsageError(f"Usage: {usage('follow', req.platform)}")
        if not req.channel_id:
            raise UserError(
                "`follow` binds a channel: run it in the channel that should get the alerts."
            )
        story = self._story(words[0], req)
        mode = DeliveryMode.REALTIME
        hours = self.default_digest_hours
        if len(words) > 1:
            try:
                mode = DeliveryMode(words[1].lower())
            except ValueError:
                raise UsageError(
                    f"Mode must be 'realtime' or 'digest', not '{_clip(words[1], 30)}'."
                ) from None
            # only a digest has hours: "realtime 5" is a mistake, not a realtime binding
            _arguments("follow", rest, 3 if mode is DeliveryMode.DIGEST else 2, req.platform)
        if len(words) > 2:
            try:
                hours = float(words[2].rstrip("h"))
            except ValueError:
                raise UsageError(
                    f"Digest hours must be a number, not '{_clip(words[2], 30)}'."
                ) from None
            if not 0.25 <= hours <= MAX_DIGEST_HOURS:
                raise UsageError(f"Digest hours must be between 0.25 and {MAX_DIGEST_HOURS}.")
        self.store.bind(story.id, req.platform, req.channel_id, mode, hours, self.clock.now())
        how = (
            "as they happen"
            if mode is DeliveryMode.REALTIME
            else f"as a digest every {counted(hours, 'hour')}"
        )
        text = f"This channel now follows {story.name}: new developments are posted {how}."
        # storybot posts nothing to try a channel; if it already failed here, say so now
        failure = self._cannot_deliver(
            Target(req.platform, channel_id=req.channel_id), "post in this channel"
        )
        return Reply(text=f"{text}\n{failure}" if failure else text, ephemeral=False)

    def _cmd_unfollow(self, req: CommandRequest, rest: str) -> Reply:
        if not rest or not req.channel_id:
            raise UsageError(
                f"Usage: {usage('unfollow', req.platform)} (in the channel that follows it)"
            )
        story = self._story(_arguments("unfollow", rest, 1, req.platform)[0], req)
        if not self.store.unbind(story.id, req.platform, req.channel_id):
            raise UserError(f"This channel does not follow {story.name}.")
        return Reply(text=f"This channel no longer follows {story.name}.", ephemeral=False)

    def _cmd_why(self, req: CommandRequest, rest: str) -> Reply:
        if not rest:
            raise UsageError(f"Usage: {usage('why', req.platform)}")
        # Slack sends a link as <url> or <url|label>, and a label may hold spaces
        link = rest[: rest.index(">") + 1] if rest.startswith("<") and ">" in rest else ""
        words = _arguments("why", rest[len(link) :], 0 if link else 1, req.platform)
        url = (link or words[0]).strip("<>").split("|")[0]
        item = find_item(self.store, url)
        if item is None:
            raise UserError(f"storybot has not seen an item at {_clip(url, 100)}.")
        decisions = self.store.decisions_for_item(item.id)
        lines = [f"{item.title} ({item.source}, seen {_fmt_time(item.fetched_at)})"]
        if item.page_text and item.text == item.page_text:
            lines.append(
                f"Its feed gave the headline only; it was read with its linked page "
                f"({counted(len(item.page_text.split()), 'word')})."
            )
        for d in decisions:
            j = d.judgement
            story = self.store.get_story_by_id(j.story_id)
            name = story.name if story else f"story {j.story_id}"
            if not j.on_topic and j.reason.get("uncorroborated"):
                verdict = (
                    f"off-topic for {name} (score {j.score:.3f}: the text only just passes "
                    "and the headline shares nothing with the story)"
                )
            elif not j.on_topic and isinstance(bg := j.reason.get("below_background"), dict):
                verdict = (
                    f"off-topic for {name} (score {j.score:.3f}: below {_fmt_reason(bg.get('bar'))}, "
                    f"the top of the scores of the {bg.get('items')} unrelated items this story "
                    "has read)"
                )
            elif not j.on_topic:
                verdict = f"off-topic for {name} (score {j.score:.3f})"
            elif (copied := self._copied(j, story)) is not None:
                verdict = f"a copy of {copied} in {name}, development {j.development}"
            elif j.new_development:
                verdict = f"started development {j.development} of {name} (score {j.score:.3f})"
            else:
                verdict = (
                    f"on-topic for {name}, joined development {j.development} (score {j.score:.3f})"
                )
            lines.append(f"• {verdict}")
            lines.extend(f"    {line}" for line in self._reason_lines(j, story))
        # A story judges the items that arrive after it is added, not those stored before:
        # say so for each story without a verdict, or its silence reads as "not relevant".
        judged = {d.judgement.story_id for d in decisions}
        for story in self.store.list_stories():
            if story.id in judged:
                continue
            if item.fetched_at < story.created_at:
                lines.append(
                    f"• not judged for {story.name}: it arrived before that story was added"
                )
            else:
                lines.append(f"• not judged for {story.name} yet")
        if len(lines) == 1:
            lines.append("No story has judged this item: there are no stories yet.")
        on_topic = {d.judgement.story_id for d in decisions if d.judgement.on_topic}
        seed_copies = {d.judgement.story_id for d in decisions if reprints_seed(d.judgement)}
        lines.extend(self._subscription_lines(req, item, on_topic - seed_copies, seed_copies))
        return Reply(text="\n".join(lines))

    def _subscription_lines(
        self, req: CommandRequest, item: Item, on_topic: set[int], seed_copies: set[int]
    ) -> list[str]:
        """Which of the asker's subscriptions an item matches, and by which words.

        What a DM names by the subscription (and, for an OR, the words found), this
        says in full: the words found, and for a subscription scoped to a story whether
        the item is on-topic for it (without that, it does not match).
        """
        doc = Document.from_text(item.title, item.text)
        lines = []
        for sub in self.store.list_subscriptions(req.platform, req.user_id):
            query = stored_query(sub.query)
            if query is None or not query.matches_doc(doc):
                continue
            found = ", ".join(sorted(query.matched_terms(doc)))
            story = self.store.get_story_by_id(sub.story_id) if sub.story_id else None
            scope = f", for {story.name}" if story else ""
            mine = f"• your subscription #{sub.id} ({_clip(sub.query, 80)}{scope})"
            if story is None:
                lines.append(f"{mine} matches it: found {found}")
            elif story.id in on_topic:
                lines.append(f"{mine} matches it: found {found}; on-topic for {story.name}")
            else:
                why_not = (
                    "a copy of one of its seed articles"
                    if story.id in seed_copies
                    else f"not on-topic for {story.name}"
                )
                lines.append(f"{mine} does not match it: found {found}, but it is {why_not}")
        return lines

    def _reason_lines(self, j: Judgement, story: Story | None) -> list[str]:
        """The engine's reasons for a judgement, in words, with each score's threshold.

        Faithful to ``Judgement.reason`` (this is how users audit a decision) but
        readable: items and developments are named by their headlines rather than ids,
        flags that only restate the verdict line are left out, and any key this does not
        know is shown as it is rather than dropped.
        """
        r = dict(j.reason)
        out: list[str] = []
        r.pop("uncorroborated", None)  # the verdict line says it
        background = r.pop("below_background", None)
        headline_only = bool(r.pop("headline_only", False))
        score, threshold = r.pop("score", None), r.pop("threshold", None)
        embedding = r.pop("embedding", None)
        if score is not None:
            out.append(
                f"score {_fmt_reason(score)}"
                + (f"; on-topic from {_fmt_reason(threshold)}" if threshold is not None else "")
                + (" (the threshold of a headline without article text)" if headline_only else "")
            )
        if "profile_score" in r or "headlines_score" in r:
            out.append(
                f"the headline scores {_fmt_reason(r.pop('profile_score', None))} against the story's "
                f"profile and {_fmt_reason(r.pop('headlines_score', None))} against its headlines; "
                "the score is their mean"
            )
        if isinstance(embedding, dict):
            seed = embedding.get("seed")
            seeds = story.seeds if story else ()
            which = (
                f"seed article {seed + 1} ('{_clip(seeds[seed].title, 60)}')"
                if isinstance(seed, int) and 0 <= seed < len(seeds)
                else f"seed article {seed}"
            )
            out.append(
                f"meaning (embeddings): similarity {_fmt_reason(embedding.get('similarity'))} to {which}; "
                f"with the score, {_fmt_reason(embedding.get('combined'))} is compared with the threshold"
            )
        elif embedding is not None:
            out.append(f"embedding: {_fmt_reason(embedding)}")
        matched = r.pop("matched_terms", None)
        if matched:
            out.append(f"matched terms (as the engine stems them): {_fmt_reason(matched)}")
        if "support" in r:
            decisive = embedding.get("combined", score) if isinstance(embedding, dict) else score
            too_little = (
                not j.on_topic
                and not j.reason.get("uncorroborated")
                and not headline_only
                and background is None
                and isinstance(decisive, (int, float))
                and isinstance(threshold, (int, float))
                and decisive >= threshold
            )
            out.append(
                f"support {_fmt_reason(r.pop('support'))}: the score without its strongest matching name"
                + (
                    "; too little of it, so off-topic (one shared name is not the story)"
                    if too_little
                    else ""
                )
            )
        if "headline_score" in r:
            by_headline = bool(r.pop("by_headline", False))
            limit = r.pop("headline_threshold", None)
            out.append(
                f"the headline alone scores {_fmt_reason(r.pop('headline_score'))}"
                + (
                    f"; from {_fmt_reason(limit)} it makes an item on-topic whatever its text says"
                    if limit is not None
                    else ""
                )
                + (" (it did here)" if by_headline else "")
            )
        if isinstance(background, dict):
            out.append(
                f"this story's unrelated items score {_fmt_reason(background.get('mean'))} on average "
                f"(standard deviation {_fmt_reason(background.get('std'))}, {background.get('items')} items); "
                f"an item must also reach {_fmt_reason(background.get('bar'))}, the top of that noise"
            )
        elif background is not None:
            out.append(f"below_background: {_fmt_reason(background)}")
        copy = r.pop("copy", None)
        if isinstance(copy, dict):
            out.append(self._copy_line(copy))
        elif copy is not None:
            out.append(f"copy: {_fmt_reason(copy)}")
        development = r.pop("development", None)
        if isinstance(development, dict):
            out.append(self._development_line(development, j))
        elif development is not None:
            out.append(f"development: {_fmt_reason(development)}")
        if r.pop("adapted", False):
            out.append("the story's profile learned from this item (it scored high and is no copy)")
        out.extend(f"{key}: {_fmt_reason(value)}" for key, value in r.items())
        return out

    def _copied(self, j: Judgement, story: Story | None) -> str | None:
        """What a copy copies, as people know it (never an internal id); None if no copy."""
        copy = j.reason.get("copy")
        seed = copy.get("of_seed") if isinstance(copy, dict) else None
        if isinstance(seed, int):
            seeds = story.seeds if story else ()
            title = f" ('{_clip(seeds[seed].title, 80)}')" if 0 <= seed < len(seeds) else ""
            return f"seed article {seed + 1}{title}"
        of = (
            j.duplicate_of
            if j.duplicate_of is not None
            else copy.get("of")
            if isinstance(copy, dict)
            else None
        )
        if not isinstance(of, int):
            return None
        orig = self.store.get_item(of)
        return _item_label(orig) if orig else "an earlier report that is no longer stored"

    @staticmethod
    def _copy_line(copy: dict[str, object]) -> str:
        """How a copy was recognised (the verdict line names what it copies)."""
        how = {"body": "its text", "title": "its headline", "url": "its link"}.get(
            str(copy.get("by")), copy.get("by")
        )
        return f"recognised as a copy by {how} (resemblance {_fmt_reason(copy.get('resemblance'))})"

    def _development_line(self, dev: dict[str, object], j: Judgement) -> str:
        """Which development the item was closest to, how close, and from what it joins."""
        closest = dev.get("closest")
        join = (
            f"an item joins a development from similarity {_fmt_reason(dev.get('join_threshold'))}"
        )
        if closest is None:
            return f"no development was close to it; {join}"
        if closest == 0:
            label = "0 (the seed story)"
        else:
            found = (
                self.store.get_development(j.story_id, closest)
                if isinstance(closest, int)
                else None
            )
            label = f"{closest} ('{_clip(found.headline, 80)}')" if found else str(closest)
        revived = " (revived: it had gone quiet)" if dev.get("revived") else ""
        sim, raw = _fmt_reason(dev.get("similarity")), _fmt_reason(dev.get("similarity_undecayed"))
        # similarity fades with the time since the development's last report
        faded = f" ({raw} before fading with the time since its last report)" if raw != sim else ""
        return f"closest development {label}{revived}: similarity {sim}{faded}; {join}"


def _item_label(item: Item) -> str:
    """An item as people know it: headline, outlet and link."""
    link = f" <{item.url}>" if item.url else ""
    return f"'{_clip(item.title, 80)}' ({item.source}){link}"


def _arguments(command: str, rest: str, most: int, platform: str | None = None) -> list[str]:
    """The words of a command that takes at most ``most`` of them.

    More words than the command reads are a usage error rather than silently dropped:
    the user meant something by them (``follow NAME realtime 5``), and ignoring them
    would do something else without saying so.
    """
    words = rest.split()
    if len(words) > most:
        extra = _clip(" ".join(words[most:]), 40)
        raise UsageError(f"`{command}` does not take '{extra}'. Usage: {usage(command, platform)}")
    return words


# a word meant as a number (a page), right or wrong: "2", "0", "-1", "1.5"
_NUMBERISH = re.compile(r"[+-]?\d[\d.,]*")


def _page_number(word: str, platform: str | None) -> int:
    """A page number from 1, or a usage error saying what a page number is."""
    if re.fullmatch(r"\+?\d+", word) and int(word) >= 1:
        return int(word)
    raise UsageError(
        f"'{_clip(word, 20)}' is not a page number: pages are numbered 1, 2, 3 … from the "
        f"newest developments. Usage: {usage('developments', platform)}"
    )


def _page_footer(story_name: str, page: int, pages: int, platform: str | None) -> list[str]:
    """The line under a page of developments saying where the others are; none for one page."""
    if pages == 1:
        return []
    if page < pages:
        return [
            f"Page {page} of {pages} · "
            f"`{developments_command(story_name, platform, page + 1)}` for older"
        ]
    return [
        f"Page {page} of {pages} · "
        f"`{developments_command(story_name, platform, page - 1)}` for newer"
    ]


def _sentence(text: str) -> str:
    """``text`` ended with a full stop, unless it ends with one already ("u.s.")."""
    return text if text.endswith((".", "!", "?", "…")) else f"{text}."


def _already_subscribed(query: Query, story: Story | None, old: Subscription) -> UserError:
    # named as the subscription they have, not as typed now ("hearing", not "Hearings")
    stored = stored_query(old.query)
    return UserError(
        f"You are already subscribed to {(stored or query).describe()}"
        + (f" for {story.name}" if story else "")
        + f" (#{old.id}). See `/story subscriptions`."
    )


def _same_query(stored: str, typed: str) -> bool:
    """Whether two query texts mean the same (``Pentagon AND dod`` == ``pentagon dod``)."""
    if " ".join(stored.split()).lower() == " ".join(typed.split()).lower():
        return True
    query = stored_query(stored)
    return query is not None and query == stored_query(typed)


def _fmt_reason(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, (list, tuple)):
        return ", ".join(_fmt_reason(v) for v in value[:12])
    if isinstance(value, dict):
        return ", ".join(f"{k}={_fmt_reason(v)}" for k, v in list(value.items())[:12])
    return _clip(str(value), 200)


# The heading of /story status's developments: their lead sentences, newest first, are the
# short "what's new" of the story (one line each, not repeated in another paragraph).
STATUS_NEWS_HEADING = "What's new (latest developments first):"

# characters of the body of /story status (all but its title line): one Discord embed
# description (4,096) with room for the backslashes Markdown escaping adds
STATUS_BODY_MAX = 3600


# characters of a development's lead sentence in /story status: whole for nearly every
# sentence the summariser keeps (at most 60 words), yet five developments, their links
# and the feed health stay within one Discord embed
STATUS_LEAD_MAX = 300


# An entry of /story developments with too little room for it (see _status_entry) cuts
# its lead sentence to no less than this, then the outlets' names to this
ENTRY_LEAD_MIN = 80
ENTRY_OUTLET_MAX = 40


def _status_entry(dev: Development, room: int | None = None) -> list[str]:
    """A development's lines in ``/story status`` and ``/story developments``.

    Its number, headline and first-report date; its lead (see :func:`_lead`); its reports
    and outlets.

    Args:
        dev: The development.
        room: If given, the most characters the lines may take, joined by newlines. What
            does not fit gives way in this order: the lead is cut at a word ("…"), to no
            less than ``ENTRY_LEAD_MIN``; outlet names are cut to ``ENTRY_OUTLET_MAX``;
            the links are left out (a cut link would be a broken one); as a last resort,
            each line is cut.
    """
    lines = _entry_lines(dev)
    if room is None or _chars(lines) <= room:
        return lines
    sentence = len(_lead_sentence(dev))
    for outlet_max, links in ((None, True), (ENTRY_OUTLET_MAX, True), (ENTRY_OUTLET_MAX, False)):
        lines = _entry_lines(dev, outlet_max=outlet_max, links=links)
        over = _chars(lines) - room
        if over <= 0:
            return lines
        if sentence - over >= ENTRY_LEAD_MIN:
            return _entry_lines(dev, sentence - over, outlet_max=outlet_max, links=links)
    share = max(2, (room - len(lines) + 1) // len(lines))
    return [shorten(line, share) for line in lines]


def _entry_lines(
    dev: Development,
    lead_max: int = STATUS_LEAD_MAX,
    *,
    outlet_max: int | None = None,
    links: bool = True,
) -> list[str]:
    lines = [
        f"{dev.number}. {_clip(dev.headline, 120)} ({_fmt_time(dev.first_reported_at or dev.created_at)})"
    ]
    lead, link = _lead(dev, lead_max, outlet_max=outlet_max, links=links)
    if lead:
        lines.append(f"   {lead}")
    sources = [_clip(s, outlet_max) for s in dev.sources] if outlet_max else dev.sources
    src = source_list(sources)
    lines.append(
        f"   {counted(dev.item_count, 'report')}"
        + (f" · {src}" if src else "")
        + (f" <{link}>" if link else "")
    )
    return lines


def _chars(lines: list[str]) -> int:
    return len("\n".join(lines))


def _status_size(head: list[str], entries: list[list[str]], tail: list[str], older: str) -> int:
    """The characters of a status body made of these lines (its title line left out)."""
    body = [*head[1:], "", STATUS_NEWS_HEADING, *(line for e in entries for line in e)]
    return len("\n".join([*body, older, *tail]))


def _older_line(n: int, story_name: str, platform: str | None) -> str:
    """Status's count of the developments it leaves out, with the command that lists them."""
    command = developments_command(story_name, platform)
    return f"… and {counted(n, 'older development')}: `{command}`"


def _lead(
    dev: Development,
    limit: int = STATUS_LEAD_MAX,
    *,
    outlet_max: int | None = None,
    links: bool = True,
) -> tuple[str, str | None]:
    """A development's lead for ``/story status``, and the link for its reports line.

    The lead is the first sentence of its summary, kept whole up to ``limit``
    (``STATUS_LEAD_MAX``), followed by the outlet it was taken from and that report's
    link, so the link next to the sentence is the one that says it (the summary may
    quote a later report than the first reporter). A summary stored without citations
    keeps the first reporter's link on the reports line, after the outlets it names.
    ``outlet_max`` cuts the outlet's name; ``links=False`` leaves both links out.
    """
    lead = _lead_sentence(dev, limit)
    if dev.citations:
        cited = dev.citations[0]
        source = _clip(cited.source, outlet_max) if outlet_max else cited.source
        url = cited.url if links else None
        by = " ".join(part for part in (source, url and f"<{url}>") if part)
        return (f"{lead} — {by}" if by else lead), None
    first = dev.links[0][1] if dev.links and links else None
    return lead, first


def _lead_sentence(dev: Development, limit: int = STATUS_LEAD_MAX) -> str:
    """The sentence a development's lead quotes, in at most ``limit`` characters."""
    if dev.citations:
        return _clip(dev.citations[0].sentence, limit)
    return _first_sentence(dev.summary, limit) if dev.summary else ""


def _first_sentence(text: str, limit: int = 250) -> str:
    # the engine's splitter knows "U.S." and "Mr." do not end a sentence
    sentences = split_sentences(text)
    return _clip(sentences[0], limit) if sentences else ""


# The words of a command's text as the query language reads them: a "quoted phrase" is
# one segment, so an option inside quotes is a searched phrase, not an option. Every
# character belongs to one segment, so the text can be rebuilt without the options.
# Typographic quotes count as quotes here too, as they do in the query language.
_Q = re.escape(QUOTE_CHARS)
_SEGMENT = re.compile(
    rf"(?P<space>\s+)|(?P<phrase>[{_Q}][^{_Q}]*[{_Q}])|(?P<quote>[{_Q}])|(?P<word>[^\s{_Q}]+)"
)


def _split_story_option(
    rest: str, command: str = "subscribe", platform: str | None = None
) -> tuple[str, str | None]:
    """Take ``--story NAME`` out of a command's text; return the rest and the name.

    The option may stand anywhere, with any spacing, as ``--story NAME``, ``--story=NAME``
    (or the older ``-s NAME`` and ``story:NAME``); the rest keeps the user's own text and
    quoting. A word starting with ``--`` is never searched for: in the query language it
    would be a double negation, i.e. the word itself, so ``--stroy x`` would silently
    search for "stroy". ``--story`` without a name, given twice, or any other ``--word``
    is a usage error instead.
    """
    hint = f"Usage: {usage(command, platform)}"
    segments = [(m.lastgroup, m.group()) for m in _SEGMENT.finditer(rest)]
    kept: list[str] = []
    story: str | None = None
    i = 0
    while i < len(segments):
        kind, text = segments[i]
        i += 1
        if kind != "word":
            kept.append(text)
            if kind == "quote":  # unbalanced: the query parser explains it
                kept.extend(t for _, t in segments[i:])
                break
            continue
        option = option_word(text)
        if text.startswith("story:") and len(text) > len("story:"):
            option = "story=" + text[len("story:") :]
        elif text == "-s":
            option = "story"
        if option is None:
            kept.append(text)
            continue
        name, has_value, value = option.partition("=")
        if name.lower() != "story":
            shown = _clip(text, 40)
            raise UsageError(
                f"'{shown}' is not an option: {command} has only --story NAME. "
                f"To leave a word out, write one dash (-word). {hint}"
            )
        if not has_value:
            while i < len(segments) and segments[i][0] == "space":
                i += 1
            nxt = segments[i] if i < len(segments) else None
            if nxt is not None and nxt[0] in ("word", "phrase") and not nxt[1].startswith("-"):
                value = nxt[1]
                i += 1
        value = value.strip(QUOTE_CHARS).strip()
        if not value:
            raise UsageError(f"--story needs a story name after it. {hint}")
        if story is not None:
            raise UsageError(
                f"--story is given twice ({story}, {_clip(value, 60)}): give one story. {hint}"
            )
        story = value
    # the spaces around a removed option become one
    text = "".join(
        " " if t.isspace() else t
        for j, t in enumerate(kept)
        if not (t.isspace() and j and kept[j - 1].isspace())
    )
    return text.strip(), story
