"""The ``storybot`` command line's words: its commands, their options, the checks of their
values and their help.

Apart from running a parsed command (:mod:`adapters.cli`) because this is an interface of
its own: the sub-command names and options are what other tools script against (cron
lines, supervisors, probes, docs/cli.md), so keep them stable. Building the parser loads
no SQLAlchemy and opens no database: what is mistyped is refused with a usage error
(exit 2) before any configuration or database is read, and ``--help`` and ``--version``
answer without either.
"""

from __future__ import annotations

import argparse
import re
import shlex
import sys
from pathlib import Path
from typing import Any, Container, NoReturn

from adapters.cli_ask import NO_COMMAND, add_ask_parser, refuse_leading_option
from adapters.cli_types import (
    channel,
    count,
    message_id,
    minutes,
    positive_seconds,
    seconds,
    server_id,
    subscription_id,
    user,
)
from bot.settings import PollingSettings


def version() -> str:
    """The installed storybot's version, from its distribution's metadata (pyproject.toml)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("storybot")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "(version unknown: storybot is not installed; pip install -e .)"


class _Refused(Exception):
    """A parser's error while :class:`_Parser` re-reads the words to explain one."""


class _HelpFormatter(argparse.HelpFormatter):
    """argparse's help, with an optional sub-command in brackets in the usage line.

    argparse writes a sub-command's place as ``ACTION ...`` whether or not it is required,
    so ``storybot subscriptions --help`` showed its action as one that must be given,
    although ``storybot subscriptions`` alone lists them (as ``subscriptions list`` does).
    """

    def _format_args(self, action: argparse.Action, default_metavar: str) -> str:
        shown = super()._format_args(action, default_metavar)
        if action.nargs == argparse.PARSER and not action.required:
            return f"[{shown}]"
        return shown


class _Parser(argparse.ArgumentParser):
    """argparse's parser, saying what was mistyped: an unknown flag, a command's name.

    argparse reports a missing required flag or sub-command before the words it did not
    recognize (``storybot poll --onse`` said only that --once is required), and an
    unknown flag only at the top level, without a guess. This one names an unknown flag
    first, with the flag of that (sub-)command it is probably a typo of; a misspelt
    sub-command with the one it probably is; and a missing sub-command with the list of
    them. A flag's prefix is refused like any unknown flag (see ``__init__``). Sub-parsers
    are of this class too (``add_subparsers`` makes its own class's).
    """

    # while a parser re-reads its words to explain an error (see error): parsers raise
    _explaining = False

    def __init__(self, *args, **kwargs) -> None:
        # a flag's prefix is not taken for the flag (argparse's default): `poll --onc` ran
        # as --once, so a cron line or script using a prefix kept working only until a new
        # flag shared it; now it is refused with the flag it probably is
        kwargs.setdefault("allow_abbrev", False)
        kwargs.setdefault("formatter_class", _HelpFormatter)
        # `ask`'s: its `text` takes the /story command's words (see adapters.cli_ask.CommandText)
        self._command_text = kwargs.pop("command_text", False)
        # a command whose last positional is a story's name: the words after it are kept
        # (``story_words``), as the rest of the name typed apart, for the command to read
        # or refuse with the story meant once it knows the stories (parse_known_args)
        self._story_name = kwargs.pop("story_name", False)
        super().__init__(*args, **kwargs)

    def parse_known_args(self, args=None, namespace=None):
        self._words = list(sys.argv[1:] if args is None else args)
        if not _Parser._explaining:
            misplaced = self._command_flag_before_command(self._words)
            if misplaced:
                self._refuse(misplaced)
        namespace, extras = super().parse_known_args(self._words, namespace)
        unknown = self._unknown_options(extras)
        if unknown:  # refused here, where the flags they may be typos of are known
            self._refuse(self._unrecognized(unknown))
        if self._command_text and not namespace.text:
            # after the unknown flags: `storybot ask -pentagon` gave one, not no command
            self._refuse_missing_command(namespace)
        if (
            extras
            and self._story_name
            and not _Parser._explaining
            and not any(word.startswith(tuple(self.prefix_chars)) for word in extras)
        ):
            # `story remove anthropic pentagon`: the name's words apart, the story
            # anthropic-pentagon meant (adapters.stories_admin.story_words says so); a word
            # like a flag (after `--`) is no part of a name, and argparse's to refuse
            namespace.story_words = extras
            return namespace, []
        if extras:
            # a word the command does not take (`storybot poll --once URL`): refused by the
            # (sub-)command that was given it, with its usage, not passed up for the top
            # level to refuse with `storybot`'s usage, which names no command at all
            self._refuse(f"unrecognized arguments: {' '.join(extras)}")
        return namespace, extras

    def _command_flag_before_command(self, words: list[str]) -> str | None:
        """What to say of a command's flag typed before the command; None if there is none.

        ``storybot --once poll`` was refused as "the following arguments are required:
        --once", and ``storybot --database keep.db story list`` took the flag's value for
        the command ("invalid choice: 'keep.db'"): both name what was typed as missing or
        mistyped. Only the flags before the first word that is not a flag of this parser
        (or its value) are read; an unknown flag there is left to argparse's refusal.
        """
        commands = next(
            (a for a in self._actions if isinstance(a, argparse._SubParsersAction)), None
        )
        if commands is None:
            return None
        own = self._option_string_actions
        i = 0
        while i < len(words):
            word = words[i]
            if word == "--" or not word.startswith("-") or _NUMBER.fullmatch(word):
                return None  # the command (or a value) is reached
            flag, attached, _ = word.partition("=")
            if flag in own:
                takes_value = own[flag].nargs != 0
                i += 2 if takes_value and not attached else 1
                continue
            owners = _commands_with_flag(commands, flag)
            if not owners:
                return None
            named = [f"`{prog}`" for prog in owners]
            where = named[0] if len(named) == 1 else f"{', '.join(named[:-1])} and {named[-1]}"
            said = f"{flag} is an option of {where}: put it after the command"
            if flag == "--database":
                said += "; the other commands' database is " + _DATABASE_IS
            return said
        return None

    def _refuse_missing_command(self, namespace: argparse.Namespace) -> NoReturn:
        """``ask`` without a /story command: say so, with the options it was given.

        ``storybot ask "--config=prod.toml status"`` is one word that argparse takes for
        ``--config`` with the value "prod.toml status" (a flag with its value attached, as
        ``--config="my dir/a.toml"`` is), leaving no command: when no file has that
        name, the blank says it was the command quoted whole, and the reply is the one
        ``storybot ask "--config prod.toml status"`` gets. Otherwise the example shows
        the command line with the options given (``storybot ask --config=prod.toml``).
        """
        config = getattr(namespace, "config", None)
        typed = f"--config={config}"
        if (
            config is not None
            and typed in self._words
            and any(c.isspace() for c in config)
            and not Path(config).is_file()
        ):
            text = next(a for a in self._actions if a.dest == "text")
            try:
                refuse_leading_option(text, [typed])
            except argparse.ArgumentError as err:
                self._refuse(str(err))
        options = "".join(
            f"{option} "
            for option in (
                "-" + "v" * namespace.verbose if getattr(namespace, "verbose", 0) else "",
                f"--config {shlex.quote(config)}" if config is not None else "",
            )
            if option
        )
        self._refuse(NO_COMMAND.format(options=options))

    def _parse_optional(self, arg_string):
        """argparse's reading of a word as a flag, but not of ``ask``'s command quoted whole.

        A word of ``ask``'s with a blank before any '=' is the /story command's text
        (``storybot ask "-h status"``), never a flag with its value attached: argparse
        took ``-v help`` for ``-v`` given the value " help" and failed, since its own rule
        (a word with a space is a positional) comes after that. ``--config="my dir/a.toml"``
        is still the flag.
        """
        if self._command_text and any(c.isspace() for c in arg_string.partition("=")[0]):
            return None
        return super()._parse_optional(arg_string)

    def error(self, message: str) -> NoReturn:
        if _Parser._explaining:
            raise _Refused(message)
        explained = self._explain()
        if explained is not None:
            namespace, extras = explained
            unknown = self._unknown_options(extras)
            if unknown:
                message = self._unrecognized(unknown)
            else:
                listing = self._missing_choices(namespace)
                if listing:
                    self.print_usage(sys.stderr)
                    self._print_message(listing, sys.stderr)
                    self.exit(2, f"{self.prog}: error: {message}\n")
        self._refuse(message)

    def _refuse(self, message: str) -> NoReturn:
        if _Parser._explaining:
            raise _Refused(message)
        super().error(message)

    def _explain(
        self, words: list[str] | None = None
    ) -> tuple[argparse.Namespace, list[str]] | None:
        """The words (default: all) read again, nothing required; None if that fails too.

        Whatever else failed fails again (the same words, in the same order), so only a
        missing required flag or sub-command is read past: then the words argparse did
        not recognize (it reports what is missing first) and the sub-command given show.
        """
        relaxed = [a for a in self._actions if a.required]
        if words is None:
            words = getattr(self, "_words", None)  # None: an error() outside a parse
        if not relaxed or words is None:
            return None
        for action in relaxed:
            action.required = False
        _Parser._explaining = True
        try:
            return argparse.ArgumentParser.parse_known_args(self, words)
        except _Refused:
            return None
        finally:
            _Parser._explaining = False
            for action in relaxed:
                action.required = True

    def _unknown_options(self, extras: list[str]) -> list[str]:
        """The flags among the words not recognized (positional words are left alone).

        A word from the first ``--`` on is a value, whatever it looks like (argparse reads
        it so), and so is a flag of this command or of its sub-commands (``story add NAME
        --seed a -- --seed b``): argparse would have taken it had it been one.
        """
        words = getattr(self, "_words", [])
        end = words.index("--") if "--" in words else len(words)
        values = set(words[end:]).difference(words[:end])
        known = self._flags()
        return [
            word.partition("=")[0]
            for word in extras
            if len(word) > 1
            and word[0] in self.prefix_chars
            and not _NUMBER.fullmatch(word)
            and word not in values
            and word.partition("=")[0] not in known
        ]

    def _flags(self) -> set[str]:
        """The flags of this (sub-)command and of the sub-commands under it."""
        flags: set[str] = set()
        for action in self._actions:
            flags.update(action.option_strings)
            if isinstance(action, argparse._SubParsersAction):
                for sub in action.choices.values():
                    if isinstance(sub, _Parser):
                        flags |= sub._flags()
        return flags

    def _unrecognized(self, unknown: list[str]) -> str:
        from bot.meant import probably_meant

        flags = [flag for action in self._actions for flag in action.option_strings]
        named = []
        for word in unknown:
            # a one-letter flag is no misspelt word, and case matters in it: -V is not -v
            meant = probably_meant(word, among=flags) if len(word) > 2 else None
            named.append(f"{word} (did you mean {meant}?)" if meant else word)
        said = f"unrecognized argument{'s' if len(named) > 1 else ''} {', '.join(named)}"
        if "--database" in unknown:  # `storybot demo`'s only
            said += f"; the database is {_DATABASE_IS}"
        return said

    def _missing_choices(self, namespace: argparse.Namespace) -> str | None:
        """The sub-commands, as the help lists them, if none was given; else None."""
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction) and action.required:
                if getattr(namespace, action.dest, None) is None:
                    formatter = self._get_formatter()
                    formatter.add_arguments([action])
                    return "\n" + formatter.format_help()
        return None

    def _unknown_before(self, command: str) -> list[str]:
        """The unknown flags before the word taken for the sub-command (read again)."""
        words = getattr(self, "_words", None)
        if _Parser._explaining or words is None or command not in words:
            return []
        explained = self._explain(words[: words.index(command)])
        return self._unknown_options(explained[1]) if explained else []

    def _check_value(self, action: argparse.Action, value) -> None:
        """A sub-command not among the choices: the one it probably is, then all of them."""
        if (
            isinstance(action, argparse._SubParsersAction)
            and isinstance(value, str)
            and value not in action.choices
        ):
            unknown = self._unknown_before(value)
            if unknown:  # `storybot --confg prod.toml run`: its value was taken for the command
                raise argparse.ArgumentError(None, self._unrecognized(unknown))
            from bot.meant import probably_meant

            # storybot's own commands: a /story command's name is `ask`'s (`unfollow` too,
            # which is a letter from `follows`), else the command it is probably a typo of
            meant = self._asked(value) if "ask" in action.choices else None
            if not meant:
                typo = probably_meant(value, among=action.choices) or _synonym(
                    value, action.choices
                )
                meant = action.choices[typo].prog if typo else None
            if meant:
                choices = ", ".join(map(repr, action.choices))
                raise argparse.ArgumentError(
                    action,
                    f"invalid choice: {value!r}: did you mean `{meant}`? (choose from {choices})",
                )
        super()._check_value(action, value)

    def _asked(self, value: str) -> str | None:
        """The command line answering ``value`` if it is a /story command, else None.

        The README lists the /story commands beside storybot's, and the terminal answers
        them: ``storybot status NAME`` is ``storybot ask status NAME``. The words around it
        (storybot's options before, the command's after) are repeated where the shell
        takes them as they are (none with a blank or a quote, which the shell took away
        and would need again). ``storybot help`` is
        storybot's own help (``--help``), not the /story commands'.
        """
        from bot.command_specs import COMMANDS

        name = value.lower()
        if name == "help":
            return "storybot --help"
        if name not in {spec.name for spec in COMMANDS}:
            return None
        words = getattr(self, "_words", [])
        at = words.index(value) if value in words else len(words)
        before, rest = words[:at], words[at + 1 :]  # storybot's options, the command's words
        if any(not word or _UNSAFE_WORD.search(word) for word in before + rest):
            return f"storybot ask {name} …"
        return " ".join(["storybot", *before, "ask", name, *rest])


# the words other tools use for an action, spelt nothing like ours: `storybot story rm`
_SYNONYMS = {
    "rm": "remove",
    "del": "remove",
    "delete": "remove",
    "ls": "list",
    "show": "list",
    "new": "add",
    "create": "add",
}


# what a --database typed where only `storybot demo` takes it is told
_DATABASE_IS = "STORYBOT_DATABASE_URL, or [database] url in the --config file"


def _commands_with_flag(commands: argparse._SubParsersAction, flag: str) -> list[str]:
    """The commands (their full names, ``storybot story add``) that take ``flag``."""
    found: list[str] = []
    for parser in dict.fromkeys(commands.choices.values()):  # an alias is the same parser
        if flag in parser._option_string_actions and flag not in ("-h", "--help"):
            found.append(parser.prog)
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                found += _commands_with_flag(action, flag)
    return found


def _synonym(word: str, choices: Container[str]) -> str | None:
    """The action among ``choices`` that ``word`` is another tool's name for, or None."""
    meant = _SYNONYMS.get(word.lower())
    return meant if meant in choices else None


# what a shell reads otherwise than as typed, in a word it was given: blanks, quotes
_UNSAFE_WORD = re.compile(r"[\s'\"\\$`!*?#&;|<>(){}\[\]~]")

# a negative number is a value, not a flag (as argparse takes it)
_NUMBER = re.compile(r"-\d+(\.\d*)?|-\.\d+")


# `story export NAME` and `story remove NAME`
_STORY_NAME_HELP = "the story, as `storybot story list` names it (in any case)"


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="storybot",
        description="Follow a developing news story and post its developments to Slack, "
        "Discord or the console.",
        epilog="Database: STORYBOT_DATABASE_URL, or [database] url in the --config file "
        "(default: storybot.db in the working directory). See README.md for configuration.",
    )
    p.add_argument("--config", metavar="PATH", help="a TOML file overriding config/defaults.toml")
    p.add_argument(
        "-v",
        "--verbose",
        action="count",
        default=0,
        help="log storybot's debug details; -vv also the libraries' (Slack, Discord, HTTP, "
        "the scheduler, migrations)",
    )
    # argparse prints it and exits 0 while parsing: before any config or database is read
    p.add_argument(
        "-V",
        "--version",
        action="version",
        version=f"storybot {version()}",
        help="print storybot X.Y.Z (the installed package's version) and exit",
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    d = sub.add_parser("demo", help="run the whole pipeline offline on bundled sample feeds")
    d.add_argument(
        "--database",
        metavar="URL",
        help="a new or empty database to keep what the demo stores (default: a temporary "
        "SQLite file); one holding stories or feeds is refused",
    )
    d.add_argument(
        "--hours",
        type=float,
        default=12.0,
        metavar="HOURS",
        help="simulated hours to run (default 12)",
    )
    d.add_argument(
        "--step-minutes",
        type=float,
        default=15.0,
        metavar="MINUTES",
        help="simulated minutes per scheduler tick (default 15)",
    )
    d.add_argument(
        "--tick-seconds",
        type=float,
        default=0.05,
        metavar="SECONDS",
        help="real seconds per scheduler tick (default 0.05)",
    )

    r = sub.add_parser(
        "run",
        help="run the service: scheduler, outbox worker and the chat adapters whose tokens are set",
    )
    r.add_argument(
        "--no-scheduler",
        action="store_true",
        help="only answer /story commands; `storybot worker` processes poll and deliver "
        "(scale-out; PostgreSQL only)",
    )
    sub.add_parser("chat", help="an interactive /story session in the terminal")
    add_ask_parser(sub)

    po = sub.add_parser("poll", help="poll the feeds that are due")
    po.add_argument(
        "--once", action="store_true", required=True, help="one cycle of the due feeds, then exit"
    )
    po.add_argument(
        "--all", dest="all_feeds", action="store_true", help="poll every feed now, due or not"
    )
    po.add_argument(
        "--deliver",
        action="store_true",
        help="then deliver the queued alerts to the console (also when no feed was due)",
    )

    st = sub.add_parser("story", help="manage stories").add_subparsers(
        dest="story_cmd", metavar="ACTION"
    )
    st.required = True
    sa = st.add_parser(
        "add",
        help="create a story from seed articles",
        # NAME first, as the README writes it: after --seed it would be taken for a seed;
        # wrapped under the first word after "usage: ", as argparse wraps the others
        usage="%(prog)s [-h] NAME --seed FILE_OR_URL [FILE_OR_URL ...]\n"
        + " " * len("usage: storybot story add ")
        + "[--title TITLE] [--config PATH] [-v]",
    )
    sa.add_argument(
        "name",
        metavar="NAME",
        help="a short name users type: letters, digits, '-', '_', '.', e.g. anthropic-pentagon",
    )
    sa.add_argument(
        "--seed",
        action="extend",
        nargs="+",
        required=True,
        metavar="FILE_OR_URL",
        help="seed articles: text or HTML files, or URLs (--seed a.txt b.txt, or --seed "
        "before each)",
    )
    sa.add_argument(
        "--title",
        help="the story title, one line of at most 200 characters (default: the first seed's "
        "title)",
    )
    st.add_parser("list", help="list stories")
    se = st.add_parser(
        "export",
        story_name=True,
        help="write a story's record: its seeds, the seed story and every development, "
        "oldest first, with their cited summaries and reports",
    )
    se.add_argument("name", metavar="NAME", help=_STORY_NAME_HELP)
    se.add_argument(
        "--format",
        dest="export_format",
        choices=("markdown", "json"),
        default="markdown",
        help="Markdown for people (the default) or JSON for scripts (docs/cli.md has its shape)",
    )
    se.add_argument(
        "--out",
        metavar="FILE",
        help="write to FILE (UTF-8) instead of standard output; an existing FILE is kept "
        "unless --force",
    )
    se.add_argument("--force", action="store_true", help="with --out: replace FILE if it exists")
    sr = st.add_parser(
        "remove",
        story_name=True,
        help="delete a story and its decisions, with the subscriptions "
        "to it and the channels' follows of it",
    )
    sr.add_argument("name", metavar="NAME", help=_STORY_NAME_HELP)
    sr.add_argument(
        "--yes",
        action="store_true",
        help="go ahead although users' subscriptions or channels' follows would be removed too",
    )

    fe = sub.add_parser("feeds", help="manage feeds").add_subparsers(
        dest="feeds_cmd", metavar="ACTION"
    )
    fe.required = True
    fa = fe.add_parser("add", help="add feeds to poll (checked now, fetched from the next poll on)")
    fa.add_argument(
        "url", nargs="+", metavar="URL", help="the feeds' URLs (RSS, Atom or JSON Feed)"
    )
    fa.add_argument(
        "--interval",
        type=int,
        metavar="SECONDS",
        help="base poll interval, from [polling] min_interval_s to 86400 (default: [polling] "
        f"default_interval_s, {PollingSettings.default_interval_s} as shipped); a feed already "
        "polled keeps its interval unless this is given",
    )
    fe.add_parser("list", help="feeds with their health and last error")
    fr = fe.add_parser("remove", help="stop polling feeds")
    fr.add_argument(
        "url",
        nargs="+",
        metavar="URL",
        help="each feed's URL or #number, as `storybot feeds list` shows them",
    )

    ob = sub.add_parser(
        "outbox",
        help="how many messages are pending, delivered and dead; the dead and pending ones with their errors",
    )
    ob.add_argument(
        "--limit",
        type=int,
        default=20,
        metavar="N",
        help="messages listed per state (default 20; 1 to 10000)",
    )
    instead = ob.add_mutually_exclusive_group()
    instead.add_argument(
        "--retry",
        nargs="*",
        type=message_id,
        metavar="ID",
        help="instead: deliver the dead messages (all of them, or those #IDs: all or none) "
        "again, e.g. once the bot is invited to the channel",
    )
    instead.add_argument(
        "--discard",
        nargs="*",
        type=message_id,
        metavar="ID",
        help="instead: delete the dead messages (all of them, with --yes, or those #IDs: all or "
        "none) that can never be delivered, e.g. to a deleted channel",
    )
    instead.add_argument(
        "--sent",
        nargs="?",
        const=24.0,
        type=float,
        metavar="HOURS",
        help="instead: what was delivered in the last HOURS hours (default 24), newest first",
    )
    ob.add_argument(
        "--yes", action="store_true", help="go ahead with --discard of every dead message"
    )
    _add_subscriptions_parser(sub)
    _add_follows_parser(sub)
    pr = sub.add_parser(
        "prune",
        help="give back the space of old off-topic items' text, of delivered DMs, "
        "digests and removal notices, and of development updates every follow has passed "
        "(keeps every item's identity and decision, and the text of items an admin "
        "corrected)",
    )
    pr.add_argument(
        "--older-than",
        type=float,
        required=True,
        metavar="DAYS",
        help="what was fetched or queued more than DAYS days ago (1 to 36500)",
    )
    pr.add_argument("--dry-run", action="store_true", help="only count what would go")
    wk = sub.add_parser(
        "worker",
        help="take poll, engine and delivery jobs from the shared PostgreSQL "
        "database (scale-out; run any number, on any machines)",
    )
    wk.add_argument(
        "--queues", metavar="LIST", help="comma-separated: poll,engine,deliver (default: all)"
    )
    wk.add_argument(
        "--concurrency", type=int, default=4, metavar="N", help="jobs run at once (default 4)"
    )
    wk.add_argument(
        "--heartbeat",
        type=positive_seconds,
        default=10.0,
        metavar="SECONDS",
        help="seconds between this worker's heartbeats (default 10)",
    )
    wk.add_argument(
        "--stalled-after",
        type=positive_seconds,
        default=30.0,
        metavar="SECONDS",
        help="a worker silent this long is dead and its jobs are retried (default 30)",
    )
    wk.add_argument(
        "--stop-grace",
        type=seconds,
        default=30.0,
        metavar="SECONDS",
        help="on SIGTERM/Ctrl-C, how long running jobs may take to finish before they are "
        "cancelled and run again later (default 30)",
    )
    wk.add_argument(
        "--no-listen",
        action="store_true",
        help="do not LISTEN for new jobs; find them by checking every --check-every seconds "
        "(behind a pooler in transaction mode, such as PgBouncer's, where LISTEN fails)",
    )
    wk.add_argument(
        "--check-every",
        type=positive_seconds,
        default=5.0,
        metavar="SECONDS",
        help="seconds between checks for new jobs when no notification came (default 5; "
        "with --no-listen the only way new jobs are found)",
    )
    sub.add_parser(
        "db-upgrade", help="apply database migrations and exit (the service also does it on start)"
    )
    dbc = sub.add_parser(
        "db-copy",
        help="copy the database into a new, empty one (SQLite to PostgreSQL, or back), with "
        "every storybot process stopped: every table in one transaction, ids going on after "
        "the copied ones, row counts checked",
    )
    dbc.add_argument(
        "--to",
        required=True,
        metavar="URL",
        help="the new database: empty (its tables are created) or holding storybot's empty "
        "tables, e.g. postgresql://storybot@db.example/storybot (a password is better in "
        "PGPASSWORD or ~/.pgpass than on the command line)",
    )
    dbc.add_argument(
        "--from",
        dest="from_url",
        metavar="URL",
        help="the database to copy (default: the configured one, STORYBOT_DATABASE_URL or "
        "[database] url); only read",
    )
    dbc.add_argument(
        "--yes",
        action="store_true",
        help="from PostgreSQL: go ahead although other sessions are connected to the source "
        "(ones that only read: psql, monitoring)",
    )
    he = sub.add_parser(
        "health",
        help="check that the database answers and can be written now, its schema is "
        "current, feeds are polled and items judged; warn of dead or unsent messages, of "
        "failing, gone, moved or part-read feeds and "
        "of a check of subscription owners that cannot work or has not run (for "
        "supervisors, probes and cron): exit 0, or 1 with the problems",
    )
    he.add_argument(
        "--max-age",
        type=minutes,
        metavar="MINUTES",
        help="a feed due for longer than this while no feed was polled is a problem; an item "
        "stored longer ago left unjudged by every story, or a message due longer and not sent, "
        "a warning (default: 3 x [polling] min_interval_s, or 3 x (tick_seconds + timeout_s) "
        "if longer: 15 with the default settings)",
    )
    he.add_argument(
        "--max-failures",
        type=count,
        default=5,
        metavar="N",
        help="warn of feeds that failed more than N polls in a row (default 5)",
    )
    he.add_argument(
        "--strict",
        action="store_true",
        help="warnings (items judged by no story, dead outbox messages, messages not sent "
        "in time or held by a refused bot token, failing, gone, moved or part-read feeds, "
        "subscription owners not checked) fail the check too",
    )

    dc = sub.add_parser("discord", help="Discord tools").add_subparsers(
        dest="discord_cmd", metavar="ACTION"
    )
    dc.required = True
    ds = dc.add_parser("sync", help="register the /story commands with Discord")
    where = ds.add_mutually_exclusive_group()
    where.add_argument(
        "--guild",
        type=server_id,
        metavar="ID",
        help="sync to one server (instant; for development); default: [discord] dev_guild_id if set",
    )
    where.add_argument(
        "--global",
        dest="global_",
        action="store_true",
        help="sync globally even when [discord] dev_guild_id is set (production)",
    )

    try:
        from bot.evaluation.cli import add_eval_parser

        add_eval_parser(sub)
    except ImportError:  # pragma: no cover - the harness ships with the package
        pass
    _describe(p)
    _global_options_after(p)
    return p


def _add_subscriptions_parser(sub) -> None:  # type: ignore[no-untyped-def]
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


def _add_follows_parser(sub) -> None:  # type: ignore[no-untyped-def]
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


# sub-commands whose words are all theirs once they begin (`ask subscribe x -v` is a query)
_OWN_WORDS = frozenset({"ask"})


def _global_options_after(parser: argparse.ArgumentParser) -> None:
    """Let ``--config`` and ``-v`` come after the sub-command too: ``storybot poll --once -v``.

    Each sub-command's parser gets them with the default ``SUPPRESS``: given there, they
    set what the top-level option sets; not given, they leave the top-level value (or its
    default) alone. After ``ask`` they are taken only before the /story command's words
    (``storybot ask -v status``; no command starts with '-'): its positional is
    ``REMAINDER``, so from the command's first word on every word is the command's.
    """
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                where = (
                    "before the command's words" if name in _OWN_WORDS else "as before the command"
                )
                sub.add_argument(
                    "--config",
                    metavar="PATH",
                    default=argparse.SUPPRESS,
                    help=f"a TOML file overriding config/defaults.toml ({where})",
                )
                sub.add_argument(
                    "-v",
                    "--verbose",
                    action="count",
                    default=argparse.SUPPRESS,
                    help=f"log debug details; -vv more ({where})",
                )
                _global_options_after(sub)


def _describe(parser: argparse.ArgumentParser) -> None:
    """Give each sub-command's own ``--help`` the line ``storybot --help`` shows for it.

    Without a description, ``storybot chat --help`` would list only ``-h``: not what the
    command does.
    """
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            helps = {a.dest: a.help for a in action._choices_actions}
            for name, sub in action.choices.items():
                if sub.description is None and helps.get(name):
                    sub.description = helps[name]
                _describe(sub)
