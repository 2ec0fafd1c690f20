"""The ``/story`` commands, platform-neutral: the dispatcher and what every command shares.

Chat adapters turn a slash command into a ``CommandRequest`` (the text after ``/story``)
and render the ``Reply``. Every input gets a reply: usage mistakes, unknown stories and
missing permissions come back as clear messages (``Reply.ok == False``), and an unexpected
error is logged and answered with an apology, never raised into the adapter.

:class:`Commands` checks who may run what and hands each command to the collaborator that
answers it: ``stories`` and ``feeds`` (:mod:`bot.install_commands`), ``status`` and
``developments`` (:mod:`bot.status_commands`), ``subscribe``, ``unsubscribe`` and
``subscriptions`` (:mod:`bot.subscription_commands`), ``follow`` and ``unfollow``
(:mod:`bot.follow_commands`), ``why`` and ``wrong`` (:mod:`bot.item_commands`). It keeps
what they share: the story a command is about, whether storybot can deliver where it is
asked, and ``help``. The text of a command is read as :func:`bot.typed_text.storable_text`
reads it. The longer texts are the modules' beside them: the command table and help
(:mod:`bot.command_specs`, re-exported here), arguments (:mod:`bot.command_args`),
``status`` and ``developments`` (:mod:`bot.status_text`), the feeds' health
(:mod:`bot.feed_text`), ``why`` (:mod:`bot.why_text`), ``stories add|remove``
(:mod:`bot.story_admin`) and ``wrong`` (:mod:`bot.story_wrong`).
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from dataclasses import replace
from datetime import timezone, tzinfo
from typing import Awaitable, Callable, Collection, Sequence, cast

from bot import story_admin
from bot.command_specs import (
    COMMANDS,
    SPECS,
    CommandSpec,
    admin_command,
    help_text,
    install_command,
    usage,
)
from bot.command_words import command_words
from bot.digest_schedule import zone_name
from bot.engine.config import EngineConfig
from bot.errors import UsageError, UserError
from bot.follow_commands import FollowCommands
from bot.install_commands import InstallCommands
from bot.item_commands import ItemCommands
from bot.meant import probably_meant
from bot.model import (
    CommandRequest,
    InstallAccess,
    Reply,
    Story,
    Subscription,
    Target,
)
from bot.ports import (
    Clock,
    HostCheck,
    SeedLoader,
    Store,
    StoreBusy,
)
from bot.render import clip, format_time, say, shown_text
from bot.settings import PollingSettings, Settings
from bot.status_commands import StatusCommands
from bot.stories import (
    Declarations,
    no_stories_yet,
    no_such_story,
    story_list,
)
from bot.subscription_commands import SubscriptionCommands
from bot.subscriptions_gone import user_left
from bot.typed_text import storable_text
from bot.validate import find_story

# The command table stays importable from here, where adapters and the CLI look for it.
__all__ = ["COMMANDS", "CommandSpec", "Commands", "admin_command", "help_text", "usage"]

log = logging.getLogger(__name__)

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
        # Each reads the settings above from this object as it answers, so one set after
        # start (adapters.app sets on_feeds_changed once the service runs) reaches it.
        self.install_commands = InstallCommands(self)
        self.status_commands = StatusCommands(self)
        self.subscription_commands = SubscriptionCommands(self)
        self.follow_commands = FollowCommands(self)
        self.item_commands = ItemCommands(self)
        # every command of SPECS, by name: a coroutine function waits on the network
        self._handlers: dict[str, Callable[[CommandRequest, str], Reply | Awaitable[Reply]]] = {
            "help": self._cmd_help,
            "stories": self.install_commands.stories,
            "feeds": self.install_commands.feeds,
            "status": self.status_commands.status,
            "developments": self.status_commands.developments,
            "subscribe": self.subscription_commands.subscribe,
            "unsubscribe": self.subscription_commands.unsubscribe,
            "subscriptions": self.subscription_commands.subscriptions,
            "follow": self.follow_commands.follow,
            "unfollow": self.follow_commands.unfollow,
            "why": self.item_commands.why,
            "wrong": self.item_commands.wrong,
        }

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
        handler = self._handlers[name]
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

    def resolve_story(
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
                    name, self.story_names(), req.platform, self.chat_add(req.platform), then
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
            raise UserError(no_stories_yet(self.chat_add(req.platform)))
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

    def chat_add(self, platform: str | None) -> str | None:
        """``/story stories add`` as ``platform`` types it; None if this process cannot add
        stories from chat (see :func:`bot.stories.how_to_add`)."""
        return None if self.seed_loader is None else story_admin.add_usage(platform)

    def cannot_deliver(self, target: Target, what: str) -> str | None:
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
