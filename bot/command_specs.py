"""The ``/story`` command table: each command's name, usage and summary, and the help.

One list (:data:`COMMANDS`) is what the help, the usage hints of errors, the admin check
and Discord's slash-command choices all read, so a command cannot be documented one way
and answered another. Each command has two forms: the text Slack and the console type
after ``/story`` and, for option platforms (Discord), the slash-command options.

The commands themselves are answered by ``bot.commands.Commands``.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.command_words import command_words
from bot.duration import every
from bot.errors import UsageError
from bot.meant import probably_meant
from bot.model import DIGEST_HOURS_RANGE, MAX_DIGEST_HOURS, MIN_DIGEST_HOURS
from bot.render import CHAT_PLATFORMS, OPTION_PLATFORMS, clip, period_text
from bot.status_text import DEVELOPMENTS_PAGE
from bot.story_admin import MAX_SEED_URLS


@dataclass(frozen=True)
class CommandSpec:
    """One ``/story`` command: the one list help, usage hints and Discord's choices share.

    ``usage`` is the typed form (Slack, the console); ``options`` is the same command with
    the slash-command options of an option platform, where it differs, and
    ``options_summary`` its summary there, where the summary quotes typed forms.
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
    # its admin subcommands change what every channel of the install shares (its stories,
    # its feeds), not one channel's: on Discord they need a server the operator trusts
    # (``bot.model.InstallAccess``), not merely any server's admins
    install_wide: bool = False
    options_summary: str | None = None
    # its line in the help of every command, where the summary is too long for that
    # list (``/story help NAME`` still gives the whole summary): the list must fit one
    # Discord message (2,000 characters), and a paragraph in it is hard to scan
    overview: str | None = None
    # it changes what storybot stores for the one who types it, as every admin command
    # and admin subcommand does too (``changing_command``)
    changes: bool = False

    def usage_for(self, platform: str | None) -> str:
        """``/story`` and this command's usage as users on ``platform`` write it."""
        form = self.options if self.options and platform in OPTION_PLATFORMS else self.usage
        return f"/story {form}"

    def summary_for(self, platform: str | None, zone: str | None = None) -> str:
        """This command's summary, with its examples as users on ``platform`` write them,
        naming storybot's time zone (``[delivery] timezone``: "in storybot's time zone,
        Europe/Berlin, and ...") where it speaks of it and ``zone`` is given."""
        summary = self.summary
        if self.options_summary and platform in OPTION_PLATFORMS:
            summary = self.options_summary
        if zone:
            # mid-sentence: "in storybot's time zone, UTC, and every so many hours after it"
            summary = summary.replace(f"{STORYBOTS_ZONE} ", f"{STORYBOTS_ZONE}, {zone}, ")
        return summary

    def overview_for(self, platform: str | None) -> str:
        """This command's line in the help of every command, as ``platform`` shows it:
        its summary, or its short ``overview`` naming the help that tells the rest."""
        if self.overview is None:
            return self.summary_for(platform)
        option = "command:" if platform in OPTION_PLATFORMS else ""
        return f"{self.overview} (`/story help {option}{self.name}` tells how)."


# How a summary speaks of the zone of ``[delivery] timezone``; the help names the zone
# after it (:meth:`CommandSpec.summary_for`), as the table cannot know the config
STORYBOTS_ZONE = "storybot's time zone"

# The digest periods the follow help's range spans, as the replies name them: "every 15
# minutes to every 168 hours", so that "0.25" is not left for readers to work out
_PERIODS = f"{every(period_text(MIN_DIGEST_HOURS))} to {every(period_text(MAX_DIGEST_HOURS))}"

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
        f"{DEVELOPMENTS_PAGE} a page (page 1: the newest), each with its headline, when it was "
        "first reported, its lead sentence and its reports; one that later reports added facts to "
        "also says when it was last updated and its newest fact.",
        options="developments [story:NAME] [page:N]",
        # the list of every command must fit one Discord message (see ``overview``)
        overview=f"Every development of the story, newest first, {DEVELOPMENTS_PAGE} a page",
    ),
    CommandSpec(
        "stories",
        'stories [list | add <name> <url> ... [--title "T"] | remove <name> [--yes]]',
        "The stories storybot follows. Admins add one from 1 to "
        f"{MAX_SEED_URLS} articles' URLs (its seeds), and remove one (saying "
        "yes when people subscribe to it or channels follow it).",
        options="stories [action:list|add|remove] [name:NAME urls:<url ...> title:T yes:True]",
        admin_subcommands=frozenset({"add", "remove"}),
        install_wide=True,
    ),
    CommandSpec(
        "subscribe",
        "subscribe <keywords> [--story NAME]",
        'Be told by DM when a new item matches. Words, "quoted phrases", AND, OR, NOT, '
        "-word (not word), parentheses. With a story, only items on-topic for that story. "
        "The operators work in lower case too (and, or, not): to search for such a word, "
        'quote it with its neighbours ("not guilty"). Case, accents and plurals do not '
        "matter; other spellings do: Zelensky OR Zelenskyy. Names with a symbol, C++, C#, "
        ".NET, AT&T, are searched as written.",
        options="subscribe query:<keywords> [story:NAME]",
        overview='A DM when a new item matches: words, "quoted phrases", AND, OR, NOT, '
        "-word, parentheses; with a story, only its on-topic items",
        changes=True,
    ),
    CommandSpec(
        "unsubscribe",
        "unsubscribe <id|keywords> [--story NAME]",
        "Remove a subscription by its # (or several: 3 5), or all of yours with these "
        "keywords (with a story, only those for that story).",
        options="unsubscribe target:<id | keywords> [story:NAME]",
        changes=True,
    ),
    CommandSpec("subscriptions", "subscriptions", "List your subscriptions."),
    CommandSpec(
        "feeds",
        "feeds [list | add <url> | remove <url | #number>]",
        "The polled feeds and their health (add/remove: admins).",
        # a group on Discord: one of its subcommands must be typed ("/story feeds" alone
        # is no command there), hence parentheses, not brackets
        options="feeds (list | add url:<url> | remove url:<url | #number>)",
        admin_subcommands=frozenset({"add", "remove"}),
        install_wide=True,
    ),
    CommandSpec(
        "follow",
        "follow <story> [realtime | digest [hours] [at HH:MM]]",
        "Post this story's alerts in this channel (admins), as they happen or as a digest "
        f"every so many hours: a number {DIGEST_HOURS_RANGE} ({_PERIODS}), such as 6, 1.5 or 2h. "
        "With at HH:MM (24-hour clock, such as 09:00; not 9 or 9am) the digests come at "
        f"that time in {STORYBOTS_ZONE} and every so many hours after it: digest 24 at "
        "09:00 is daily at 09:00, digest 12 at 08:00 at 08:00 and 20:00. A digest lists "
        "the developments new since the last one, then what later reports added to those "
        "an earlier one listed; with neither, none is posted.",
        admin=True,
        options="follow story:NAME [mode:realtime | mode:digest hours:N at:HH:MM]",
        # Discord's hours option is a number ("2h" cannot be entered) and at is an option
        options_summary="Post this story's alerts in this channel (admins), as they happen "
        f"or as a digest every so many hours: a number {DIGEST_HOURS_RANGE} ({_PERIODS}), such as 6 or "
        "1.5. With at:HH:MM (24-hour clock, such as 09:00; not 9 or 9am) the digests come "
        f"at that time in {STORYBOTS_ZONE} and every so many hours after it: "
        "hours:24 at:09:00 is daily at 09:00, hours:12 at:08:00 at 08:00 and 20:00. A "
        "digest lists the developments new since the last one, then what later reports "
        "added to those an earlier one listed; with neither, none is posted.",
        channel=True,
        overview="Post this story's alerts in this channel (admins), as they happen or as "
        "a digest every so many hours, at a time of day if you like",
    ),
    CommandSpec(
        "unfollow",
        "unfollow [story]",
        "Stop posting this story in this channel (admins); without a name, the one story "
        "it follows.",
        admin=True,
        options="unfollow [story:NAME]",
        channel=True,
    ),
    CommandSpec(
        "why",
        "why <item url>",
        "Why an item was (or was not) taken as part of a story.",
        options="why url:<item url>",
    ),
    CommandSpec(
        "wrong",
        "wrong <item url> [story]",
        # short: Discord's whole help must fit one message (2,000 characters)
        "Tell storybot it was wrong to take, or to pass over, an item (admins); the same "
        "again undoes it.",
        admin=True,
        options="wrong url:<item url> [story:NAME]",
        # a correction changes the story for every channel that follows it
        install_wide=True,
    ),
    CommandSpec("help", "help [command]", "This help.", options="help [command:NAME]"),
)
# each command by its name, as the dispatcher and the admin check look it up
SPECS: dict[str, CommandSpec] = {c.name: c for c in COMMANDS}


def admin_command(text: str) -> str | None:
    """The admin-only command that ``text`` (what follows ``/story``) runs, or None.

    Named as refusals name it (``follow``, ``feeds add``). Adapters ask this before looking
    a user's role up on the platform, which can be slow (Slack's ``users.info`` may be rate
    limited): only an admin command waits on it; reading the status or managing one's own
    subscriptions never does. ``bot.commands.Commands.handle`` checks the same commands.
    """
    name, rest = command_words(text)
    spec = SPECS.get(name)
    if spec is None:
        return None
    if spec.admin:
        return spec.name
    words = rest.split()
    sub = words[0].lower() if words else ""
    return f"{spec.name} {sub}" if sub in spec.admin_subcommands else None


def changing_command(text: str) -> str | None:
    """The command ``text`` runs when it may change what storybot stores, or None.

    Named as :func:`admin_command` names it (``subscribe``, ``feeds add``): every admin
    command changes something (a follow, a story, a feed, a correction), and so do
    ``subscribe`` and ``unsubscribe``; the others only read. An adapter whose answer to
    a command was lost after the command ran asks this to know whether the user must be
    told another way that it took effect.
    """
    admin = admin_command(text)
    if admin is not None:
        return admin
    spec = SPECS.get(command_words(text)[0])
    return spec.name if spec is not None and spec.changes else None


def install_command(text: str) -> str | None:
    """The admin command ``text`` runs when it changes what the whole install shares, or None.

    ``stories add|remove`` and ``feeds add|remove`` change every channel's stories and
    feeds, and ``wrong`` what a story every channel shares takes; ``follow`` and
    ``unfollow`` only the channel they are typed in, which that server's or workspace's
    own admins may decide.
    """
    admin = admin_command(text)
    if admin is None:
        return None
    return admin if SPECS[admin.split()[0]].install_wide else None


def usage(command: str, platform: str | None = None) -> str:
    """``/story`` and a command's usage as users on ``platform`` write it."""
    return SPECS[command].usage_for(platform)


def help_text(
    command: str | None = None, platform: str | None = None, zone: str | None = None
) -> str:
    """The help for one command, or for all, in ``platform``'s form of the commands.

    Slack and the console type text after ``/story``; Discord fills in slash-command
    options, so its users are shown ``subscribe query:<keywords> [story:NAME]``. ``zone``:
    the name of ``[delivery] timezone``, which a command's help that speaks of storybot's
    time zone names ("in storybot's time zone, UTC, and ...").
    """
    if command:
        spec = SPECS.get(command.lower())
        if spec is None:
            close = probably_meant(command, SPECS)
            meant = f" Did you mean `/story help {close}`?" if close else ""
            raise UsageError(
                f"There is no command '{clip(command, 40)}'.{meant} Try `/story help`."
            )
        return f"{spec.usage_for(platform)}\n{spec.summary_for(platform, zone)}"
    forms = [c.usage_for(platform) for c in COMMANDS]
    lines = ["storybot follows developing news stories. Commands:"]
    if platform in CHAT_PLATFORMS:
        # a proportional font: padded columns would be runs of spaces in mid-line
        lines += [
            f"• `{f}`: {c.overview_for(platform)}" for f, c in zip(forms, COMMANDS, strict=True)
        ]
        return "\n".join(lines)
    width = max(len(f) for f in forms)
    lines += [
        f"  {f.ljust(width)}  {c.overview_for(platform)}"
        for f, c in zip(forms, COMMANDS, strict=True)
    ]
    return "\n".join(lines)
