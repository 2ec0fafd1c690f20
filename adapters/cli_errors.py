"""The ``storybot`` command line's parser class: argparse, saying what was mistyped.

argparse's own errors name what it could not read, not what was meant: a missing
required flag before the word that was its typo, a command's flag typed before the
command as a missing flag or a wrong command, another tool's word for an action (``rm``)
as an invalid choice. :class:`Parser` reads the words again to name the mistake and its
likely fix (the flag or command it is probably a typo of, where a misplaced flag goes,
the /story command a word is); every (sub-)command of ``storybot`` is one
(:mod:`adapters.cli_parser` builds them). Its help shows an optional action in brackets
(:class:`_HelpFormatter`).
"""

from __future__ import annotations

import argparse
import re
import shlex
import sys
from pathlib import Path
from typing import Container, NoReturn

from adapters.cli_ask import NO_COMMAND, refuse_leading_option


class _Refused(Exception):
    """A parser's error while :class:`Parser` re-reads the words to explain one."""


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


class Parser(argparse.ArgumentParser):
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
        if not Parser._explaining:
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
            and not Parser._explaining
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
        if Parser._explaining:
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
        if Parser._explaining:
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
        Parser._explaining = True
        try:
            return argparse.ArgumentParser.parse_known_args(self, words)
        except _Refused:
            return None
        finally:
            Parser._explaining = False
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
                    if isinstance(sub, Parser):
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
        if Parser._explaining or words is None or command not in words:
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
