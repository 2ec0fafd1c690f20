"""The ``/story`` commands, platform-neutral.

Chat adapters turn a slash command into a ``CommandRequest`` (the text after ``/story``)
and render the ``Reply``. Every input gets a reply: usage mistakes, unknown stories and
missing permissions come back as clear messages (``Reply.ok == False``), and an unexpected
error is logged and answered with an apology, never raised into the adapter.
"""

from __future__ import annotations

import inspect
import logging
import shlex
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from bot.engine.text import split_sentences
from bot.errors import UsageError, UserError
from bot.model import (
    CommandRequest,
    DeliveryMode,
    FeedStatus,
    MessageKind,
    OutboundMessage,
    Reply,
    Story,
)
from bot.pipeline import find_item
from bot.ports import Clock, Conflict, HostCheck, Store
from bot.query import parse_query
from bot.render import counted, shorten, source_list
from bot.validate import admit_feed_url, find_story, normalise_feed_url, remove_feed

log = logging.getLogger(__name__)

MAX_DIGEST_HOURS = 24 * 7


@dataclass(frozen=True)
class CommandSpec:
    name: str
    usage: str
    summary: str
    admin: bool = False


COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec("status", "status [story]", "What the story is, its latest developments, sources and feed health."),
    CommandSpec("stories", "stories", "The stories storybot follows."),
    CommandSpec(
        "subscribe",
        'subscribe <keywords> [--story NAME]',
        'Be told by DM when a new item matches. Words, "quoted phrases", AND, OR, NOT, '
        "-word (not word), parentheses. With --story, only items on-topic for that story.",
    ),
    CommandSpec("unsubscribe", "unsubscribe <id|keywords>", "Remove one of your subscriptions."),
    CommandSpec("subscriptions", "subscriptions", "List your subscriptions."),
    CommandSpec("feeds", "feeds [list | add <url> | remove <url>]", "The polled feeds and their health (add/remove: admins).", admin=False),
    CommandSpec(
        "follow",
        "follow <story> [realtime | digest <hours>]",
        "Post this story's alerts in this channel, as they happen or as a digest (admins).",
        admin=True,
    ),
    CommandSpec("unfollow", "unfollow <story>", "Stop posting this story in this channel (admins).", admin=True),
    CommandSpec("why", "why <item url>", "Why an item was (or was not) taken as part of a story."),
    CommandSpec("help", "help [command]", "This help."),
)
_SPECS = {c.name: c for c in COMMANDS}


def help_text(command: str | None = None) -> str:
    """The help for one command, or for all."""
    if command:
        spec = _SPECS.get(command.lower())
        if spec is None:
            raise UsageError(f"There is no command '{command}'. Try `/story help`.")
        return f"/story {spec.usage}\n{spec.summary}"
    width = max(len(c.usage) for c in COMMANDS)
    lines = ["storybot follows developing news stories. Commands:"]
    lines += [f"  /story {c.usage.ljust(width)}  {c.summary}" for c in COMMANDS]
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
    ) -> None:
        self.store = store
        self.clock = clock
        self.admin_policy = admin_policy
        self.default_digest_hours = default_digest_hours
        self.on_feeds_changed = on_feeds_changed
        self.on_subscriptions_changed = on_subscriptions_changed
        self.host_check = host_check

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
            return Reply(text=help_text())
        name, _, rest = text.partition(" ")
        name = name.lower()
        rest = rest.strip()
        spec = _SPECS.get(name)
        if spec is None:
            raise UsageError(f"Unknown command '{_clip(name, 40)}'.\n\n{help_text()}")
        if spec.admin:
            self._require_admin(req, name)
        reply = getattr(self, f"_cmd_{name}")(req, rest)
        # Most handlers only read the store; one that waits on the network is a coroutine.
        return await reply if inspect.isawaitable(reply) else reply

    def _require_admin(self, req: CommandRequest, what: str) -> None:
        if self.admin_policy != "everyone" and not req.is_admin:
            raise UserError(
                f"Only workspace/server admins may use `{what}` here "
                "(an operator can allow everyone with [permissions] admin_commands = \"everyone\")."
            )

    def _story(self, name: str | None, req: CommandRequest) -> Story:
        """Resolve a story by name; without one, the channel's or the only story."""
        if name:
            story = find_story(self.store, name)
            if story is None:
                names = self.story_names()
                known = f" Known stories: {', '.join(names)}." if names else " There are no stories yet."
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
            raise UserError("There are no stories yet. An operator adds one with `storybot story add`.")
        raise UserError(
            "Which story? Say `/story status NAME`. Stories: " + ", ".join(s.name for s in stories)
        )

    # ------------------------------------------------------------------ commands

    def _cmd_help(self, req: CommandRequest, rest: str) -> Reply:
        return Reply(text=help_text(rest.split()[0] if rest else None))

    def _cmd_stories(self, req: CommandRequest, rest: str) -> Reply:
        stories = self.store.list_stories()
        if not stories:
            return Reply(text="No stories yet. An operator adds one with `storybot story add NAME --seed FILE`.")
        lines = ["Stories:"]
        for s in stories:
            stats = self.store.story_stats(s.id)
            lines.append(
                f"• {s.name}: {s.title} ({counted(stats.developments, 'new development')}, "
                f"{counted(stats.items_on_topic, 'report')} from {counted(stats.sources, 'source')})"
            )
        return Reply(text="\n".join(lines))

    def _cmd_status(self, req: CommandRequest, rest: str) -> Reply:
        story = self._story(rest.split()[0] if rest else None, req)
        stats = self.store.story_stats(story.id)
        devs = self.store.list_developments(story.id, limit=6)
        later = [d for d in devs if d.number > 0][:5]
        seed = next((d for d in devs if d.number == 0), None) or self.store.get_development(story.id, 0)
        lines = [f"{story.title} ({story.name})"]
        lines.append(
            f"{counted(len(story.seeds), 'seed article')} · {counted(stats.items_on_topic, 'report')} from "
            f"{counted(stats.sources, 'source')} · {counted(stats.copies, 'copy', 'copies')} folded · "
            f"{counted(stats.developments, 'new development')} · "
            + (f"last report {_fmt_time(stats.last_item_at)}" if stats.last_item_at else "no report yet")
        )
        if seed and seed.item_count:
            lines.append(
                f"The seed story has been reported {seed.item_count} times"
                + (f" ({source_list(seed.sources)})" if seed.sources else "")
            )
        if later:
            lines.append("")
            lines.append("Latest developments:")
            for d in later:
                src = source_list(d.sources)
                link = f" <{d.links[0][1]}>" if d.links else ""
                lines.append(f"{d.number}. {_clip(d.headline, 120)} ({_fmt_time(d.first_reported_at or d.created_at)})")
                if d.summary:
                    lines.append(f"   {_clip(d.summary, 220)}")
                lines.append(f"   {d.item_count} report{'s' if d.item_count != 1 else ''}"
                             + (f" · {src}" if src else "") + link)
            lines.append("")
            lines.append("What's new: " + _clip(" ".join(_first_sentence(d.summary or d.headline) for d in later[:3]), 400))
        else:
            lines.append("No new developments yet beyond the seed story.")
        lines.append(self._feed_health())
        if req.channel_id:
            bound = [b for b in self.store.bindings_for_channel(req.platform, req.channel_id) if b.story_id == story.id]
            if bound:
                b = bound[0]
                mode = "realtime" if b.mode is DeliveryMode.REALTIME else f"digest every {b.digest_hours:g}h"
                lines.append(f"This channel follows this story ({mode}).")
        text = "\n".join(lines)
        message = OutboundMessage(
            kind=MessageKind.DIGEST,
            title=f"{story.title} ({story.name})",
            body="\n".join(lines[1:]),
            story_name=story.name,
            when=self.clock.now(),
        )
        return Reply(text=text, ephemeral=True, message=message)

    def _feed_health(self) -> str:
        counts = self.store.feed_status_counts()
        if not sum(counts.values()):
            return "Feeds: none yet (add one with `/story feeds add URL`)."
        ok, failing, new = (counts[FeedStatus.OK], counts[FeedStatus.ERROR], counts[FeedStatus.NEW])
        line = f"Feeds: {ok} ok, {failing} failing, {new} not polled yet."
        for f in self.store.failing_feeds(3):
            line += f"\n  failing: {f.url} ({f.error_count}×): {_clip(f.last_error or '', 120)}"
        return line

    async def _cmd_feeds(self, req: CommandRequest, rest: str) -> Reply:
        words = rest.split()
        sub = words[0].lower() if words else "list"
        if sub == "list":
            return Reply(text=self._feeds_list())
        if sub in ("add", "remove"):
            self._require_admin(req, f"feeds {sub}")
            if len(words) != 2:
                raise UsageError(f"Usage: /story feeds {sub} <url>")
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
                return Reply(text=f"Added feed #{feed.id}: {url}. It will be polled within a minute.")
            if not remove_feed(self.store, url):
                raise UserError(f"{url} is not one of the polled feeds. See `/story feeds`.")
            return Reply(text=f"Removed feed {url}. Items already stored are kept.")
        raise UsageError("Usage: /story feeds [list | add <url> | remove <url>]")

    def _feeds_list(self) -> str:
        feeds = self.store.list_feeds()
        if not feeds:
            return "No feeds yet. Admins add one with `/story feeds add URL`."
        lines = [f"{len(feeds)} feeds:"]
        for f in feeds[:50]:
            state = f.status.value
            if f.status is FeedStatus.ERROR:
                state += f" ({f.error_count}× since {_fmt_time(f.last_ok_at) if f.last_ok_at else 'the start'}): {_clip(f.last_error or '', 100)}"
            lines.append(f"• {f.title or f.url} <{f.url}> · {state} · next poll {_fmt_time(f.next_poll_at)}")
        if len(feeds) > 50:
            lines.append(f"… and {len(feeds) - 50} more (`storybot feeds list` shows all).")
        return "\n".join(lines)

    def _cmd_subscribe(self, req: CommandRequest, rest: str) -> Reply:
        query_text, story_name = _split_story_option(rest)
        if not query_text:
            raise UsageError('Usage: /story subscribe <keywords> [--story NAME], e.g. '
                            '/story subscribe "supply chain" AND pentagon')
        query = parse_query(query_text)
        story = self._story(story_name, req) if story_name else None
        sub = self.store.add_subscription(
            req.platform, req.user_id, query_text, story.id if story else None, self.clock.now(),
            channel_id=req.channel_id,
        )
        if self.on_subscriptions_changed:
            self.on_subscriptions_changed()
        scope = f"each new item on-topic for {story.name}" if story else "each new item"
        return Reply(text=f"Subscribed (#{sub.id}): {query.describe()}. You will get a DM for {scope} that matches.")

    def _cmd_unsubscribe(self, req: CommandRequest, rest: str) -> Reply:
        if not rest:
            raise UsageError("Usage: /story unsubscribe <id|keywords> (see `/story subscriptions`)")
        subs = self.store.list_subscriptions(req.platform, req.user_id)
        wanted = rest.strip().lstrip("#")
        target = None
        if wanted.isdigit():
            target = next((s for s in subs if s.id == int(wanted)), None)
        if target is None:
            target = next((s for s in subs if _same_query(s.query, rest)), None)
        if target is None:
            raise UserError(f"You have no subscription '{_clip(rest, 60)}'. See `/story subscriptions`.")
        self.store.remove_subscription(req.platform, req.user_id, target.id)
        if self.on_subscriptions_changed:
            self.on_subscriptions_changed()
        return Reply(text=f"Unsubscribed #{target.id}: {target.query}")

    def _cmd_subscriptions(self, req: CommandRequest, rest: str) -> Reply:
        subs = self.store.list_subscriptions(req.platform, req.user_id)
        if not subs:
            return Reply(text="You have no subscriptions. Try `/story subscribe pentagon AND contract`.")
        lines = ["Your subscriptions:"]
        for s in subs:
            story = self.store.get_story_by_id(s.story_id) if s.story_id else None
            scope = f" (story {story.name})" if story else ""
            lines.append(f"#{s.id}: {s.query}{scope}")
        return Reply(text="\n".join(lines))

    def _cmd_follow(self, req: CommandRequest, rest: str) -> Reply:
        words = rest.split()
        if not words:
            raise UsageError("Usage: /story follow <story> [realtime | digest <hours>]")
        if not req.channel_id:
            raise UserError("`follow` binds a channel: run it in the channel that should get the alerts.")
        story = self._story(words[0], req)
        mode = DeliveryMode.REALTIME
        hours = self.default_digest_hours
        if len(words) > 1:
            try:
                mode = DeliveryMode(words[1].lower())
            except ValueError:
                raise UserError(f"Mode must be 'realtime' or 'digest', not '{_clip(words[1], 30)}'.") from None
        if len(words) > 2:
            try:
                hours = float(words[2].rstrip("h"))
            except ValueError:
                raise UserError(f"Digest hours must be a number, not '{_clip(words[2], 30)}'.") from None
            if not 0.25 <= hours <= MAX_DIGEST_HOURS:
                raise UserError(f"Digest hours must be between 0.25 and {MAX_DIGEST_HOURS}.")
        if len(words) > 3:
            raise UsageError("Usage: /story follow <story> [realtime | digest <hours>]")
        self.store.bind(story.id, req.platform, req.channel_id, mode, hours, self.clock.now())
        how = "as they happen" if mode is DeliveryMode.REALTIME else f"as a digest every {hours:g} hours"
        return Reply(text=f"This channel now follows {story.name}: new developments are posted {how}.", ephemeral=False)

    def _cmd_unfollow(self, req: CommandRequest, rest: str) -> Reply:
        if not rest or not req.channel_id:
            raise UsageError("Usage: /story unfollow <story> (in the channel that follows it)")
        story = self._story(rest.split()[0], req)
        if not self.store.unbind(story.id, req.platform, req.channel_id):
            raise UserError(f"This channel does not follow {story.name}.")
        return Reply(text=f"This channel no longer follows {story.name}.", ephemeral=False)

    def _cmd_why(self, req: CommandRequest, rest: str) -> Reply:
        if not rest:
            raise UsageError("Usage: /story why <item url>")
        url = rest.split()[0].strip("<>").split("|")[0]
        item = find_item(self.store, url)
        if item is None:
            raise UserError(f"storybot has not seen an item at {_clip(url, 100)}.")
        decisions = self.store.decisions_for_item(item.id)
        lines = [f"{item.title} ({item.source}, seen {_fmt_time(item.fetched_at)})"]
        if not decisions:
            lines.append("No story has judged this item (it arrived before any story was added).")
        for d in decisions:
            j = d.judgement
            story = self.store.get_story_by_id(j.story_id)
            name = story.name if story else f"story {j.story_id}"
            if not j.on_topic and j.reason.get("uncorroborated"):
                verdict = (
                    f"off-topic for {name} (score {j.score:.3f}: the text only just passes "
                    "and the headline shares nothing with the story)"
                )
            elif not j.on_topic:
                verdict = f"off-topic for {name} (score {j.score:.3f})"
            elif j.duplicate_of is not None:
                orig = self.store.get_item(j.duplicate_of)
                what = f"'{_clip(orig.title, 80)}' ({orig.source})" if orig else f"item {j.duplicate_of}"
                verdict = f"a copy of {what} in {name}, development {j.development}"
            elif j.new_development:
                verdict = f"started development {j.development} of {name} (score {j.score:.3f})"
            else:
                verdict = f"on-topic for {name}, joined development {j.development} (score {j.score:.3f})"
            lines.append(f"• {verdict}")
            for key, value in j.reason.items():
                lines.append(f"    {key}: {_fmt_reason(value)}")
        return Reply(text="\n".join(lines))


def _same_query(stored: str, typed: str) -> bool:
    """Whether two query texts mean the same (``Pentagon AND dod`` == ``pentagon dod``)."""
    if " ".join(stored.split()).lower() == " ".join(typed.split()).lower():
        return True
    try:
        return parse_query(stored, refuse_common=False) == parse_query(typed, refuse_common=False)
    except UserError:
        return False


def _fmt_reason(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, (list, tuple)):
        return ", ".join(_fmt_reason(v) for v in value[:12])
    if isinstance(value, dict):
        return ", ".join(f"{k}={_fmt_reason(v)}" for k, v in list(value.items())[:12])
    return _clip(str(value), 200)


def _first_sentence(text: str) -> str:
    # the engine's splitter knows "U.S." and "Mr." do not end a sentence
    sentences = split_sentences(text)
    return _clip(sentences[0], 250) if sentences else ""


def _split_story_option(rest: str) -> tuple[str, str | None]:
    """Take ``--story NAME`` (or ``story:NAME``) out of a subscribe query."""
    try:
        words = shlex.split(rest, posix=True)
    except ValueError:
        return rest.strip(), None  # the query parser reports the unbalanced quote
    story = None
    for i, w in enumerate(words):
        if w in ("--story", "-s") and i + 1 < len(words):
            story = words[i + 1]
            break
        if w.startswith("story:") and len(w) > 6:
            story = w[6:]
            break
    if story is None:
        return rest.strip(), None
    # Remove the option from the raw text, keeping the user's quoting of the query intact.
    for form in (f"--story {story}", f"-s {story}", f"story:{story}", f'--story "{story}"'):
        if form in rest:
            return rest.replace(form, " ").strip(), story
    return rest.strip(), story
