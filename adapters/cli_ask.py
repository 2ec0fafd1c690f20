"""``storybot ask``'s words: its sub-command, and the checks of the /story command it is given.

``ask`` answers one /story command typed as a shell's words, so what it takes differs
from every other sub-command: all the words after it are the command's, also those
starting with '-'. What a user types wrongly there is ``-v``/``--config`` in the
command's words (quoted with it, or after it), where the /story command would refuse a
word it does not know without saying the option is storybot's: these checks say where
the option goes instead. The parser (:class:`adapters.cli_errors.Parser`) asks them,
and says :data:`NO_COMMAND` when no command was given.
"""

from __future__ import annotations

import argparse
import re
import shlex
from typing import Any


class CommandText(argparse.Action):
    """``ask``'s text: every word after ``ask``, also those starting with '-'.

    The positional is ``argparse.REMAINDER``, so ``storybot ask subscribe bakery --story
    pentagon`` and ``... -pentagon`` need no quotes or ``--``. A ``--`` first (the usual
    end of options: ``storybot ask -- subscribe ...``, ``storybot ask -v -- status``) is
    dropped; a ``--`` later is the command's, as it is typed into ``storybot chat``
    (``subscribe pentagon -- dod`` is refused, not read as ``pentagon dod``). A leading
    ``/story`` is dropped by the rule ``storybot chat`` follows
    (:func:`adapters.console.without_story_prefix`: ``storybot ask "/story status s4"``,
    pasted from the README). No words, or only blank ones, is a usage error (said by
    :meth:`adapters.cli_errors.Parser.parse_known_args`, after any unknown flag:
    ``storybot ask -pentagon``). The command quoted whole is one word, whatever it begins
    with (``storybot ask "-h status"``: see :meth:`adapters.cli_errors.Parser._parse_optional`).
    """

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        from adapters.console import without_story_prefix

        words = list(values or [])
        if words[:1] == ["--"]:  # argparse leaves it in a REMAINDER's words
            words = words[1:]
        if words:
            rest = without_story_prefix(words[0])
            if rest != words[0]:
                words = ([rest] if rest.strip() else []) + words[1:]
        if not "".join(words).strip():  # none, or only blank ones (`storybot ask ""`)
            words = []
        else:
            refuse_leading_option(self, words)
            _refuse_global_options(self, words)
        setattr(namespace, self.dest, words)


# `ask`'s words: the /story command is missing (none, or only blank ones); {options}: the
# -v/--config given to `ask`, shown before the example command
NO_COMMAND = 'the /story command is missing, e.g. storybot ask {options}"status"'


def refuse_leading_option(action: argparse.Action, words: list[str]) -> None:
    """Say where ``-v``/``--config`` go when the /story command begins with one.

    ``storybot ask "-v help"`` is one word, so it is the command's (argparse read it as
    ``-v`` with the value " help" and failed: "ignored explicit argument"); so is every
    word after a ``--`` (``storybot ask -- -v help``). No /story command starts with '-',
    and the command's reply ("Unknown command '-v'") would not say that the option is
    storybot's: this names it and shows the command line with the option before the
    command's words (outside the quotes when they were quoted whole).
    """
    quoted = any(c.isspace() for c in words[0])
    inner = words[0].split(None, 1) if quoted else words[:1]
    head = inner[0] if inner else ""
    tail = inner[1:] + words[1:]  # the command's words after the option, as typed
    if re.fullmatch(r"-v+", head):
        option = head
    elif head == "--verbose":
        option = "-v"
    elif head == "--config" or head.startswith("--config="):
        path, tail = _config_path(head, tail, quoted=quoted and len(inner) > 1)
        option = f"--config {shlex.quote(path)}"
    else:
        return
    rest = " ".join(shlex.quote(word) for word in tail) or "..."
    name = head.partition("=")[0]
    if quoted:
        message = (
            f"{name} goes before the /story command, outside its quotes "
            f"(storybot ask {option} {rest}): the quoted words are all the command's"
        )
    else:
        message = (
            f"{name} goes before the /story command (storybot ask {option} {rest}): "
            "every word from the command on is its own"
        )
    raise argparse.ArgumentError(action, message)


def _config_path(head: str, tail: list[str], *, quoted: bool) -> tuple[str, list[str]]:
    """``--config``'s path in a /story command's words, and the words left after it.

    Args:
        head: ``--config`` or ``--config=PATH``.
        tail: the words after it; when ``quoted``, the first is the rest of the word
            quoted whole (``"--config prod.toml status"``), whose first blank-separated
            part is the path.
        quoted: whether ``tail[0]`` is the rest of a word quoted whole.

    Returns:
        The path (``PATH`` when none was given) and the command's words after it.
    """
    path = head.partition("=")[2]
    if path or not tail:
        return path or "PATH", tail
    if quoted:
        path, *more = tail[0].split(None, 1)
        return path, more + tail[1:]
    return tail[0], tail[1:]


def _refuse_global_options(action: argparse.Action, words: list[str]) -> None:
    """Say where ``--config``/``--verbose`` go when they follow ``ask``'s words.

    Every word from the /story command's first on is the command's, and no /story
    command takes these (``-v`` alone is left: it may be a query's ``-word``), so the
    command's own reply ("`status` does not take 'prod.toml'") would not say what went
    wrong. (An option as the command's first word is :func:`refuse_leading_option`'s.)
    """
    for i, word in enumerate(words):
        if word == "--config" or word.startswith("--config="):
            path = word.partition("=")[2] or (words[i + 1] if i + 1 < len(words) else "PATH")
            option = f"--config {path}"
        elif word == "--verbose":
            option = "-v"
        else:
            continue
        raise argparse.ArgumentError(
            action,
            f"{word.partition('=')[0]} goes before the /story command "
            f"(storybot ask {option} {words[0]} ...): every word from the command on is its own",
        )


def add_ask_parser(sub: Any) -> None:
    """``ask TEXT ...``: one /story command, answered in the terminal."""
    a = sub.add_parser(
        "ask",
        help='answer one /story command and exit, e.g. storybot ask "status"',
        usage="%(prog)s [-h] [--config PATH] [-v] TEXT ...",
        command_text=True,
    )
    a.add_argument(
        "text",
        nargs=argparse.REMAINDER,
        action=CommandText,
        metavar="TEXT",
        help="the command, as typed after /story (quoted or not; words may start with '-')",
    )
