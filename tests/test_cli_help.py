"""What ``storybot ... --help`` shows, for every command and sub-command.

The usage line marks what may be left out, every argument says what it is, the defaults
shown are those that run (config/defaults.toml's where the setting gives them), and the
placeholders are those docs/cli.md writes for the same flag.
"""

from __future__ import annotations

import argparse
from typing import Iterator

import pytest

from adapters.cli import _parser, main


def _commands(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """``(command words, parser)`` for ``storybot`` and every sub-command under it."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _commands(sub, (*path, name))


def _named(path: tuple[str, ...]) -> str:
    return " ".join(("storybot", *path))


def _metavar(parser: argparse.ArgumentParser, action: argparse.Action) -> str:
    """The placeholder the help shows for ``action``'s value (argparse's own choice)."""
    formatter = parser._get_formatter()
    default = action.dest.upper() if action.option_strings else action.dest
    return formatter._metavar_formatter(action, default)(1)[0]


def _help(argv: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """``storybot ARGV --help``'s output, its wrapped lines joined again."""
    with pytest.raises(SystemExit) as done:
        main([*argv, "--help"])
    assert done.value.code == 0
    return " ".join(capsys.readouterr().out.split())


def _leaves_out(action: argparse.Action) -> bool:
    """Whether a positional may be left out: ``storybot subscriptions`` alone lists."""
    if isinstance(action, argparse._SubParsersAction):
        return not action.required
    return action.nargs in (argparse.OPTIONAL, argparse.ZERO_OR_MORE)


def test_subscriptions_usage_shows_its_action_as_optional(capsys):
    """Bare `storybot subscriptions` lists, but the usage showed `ACTION ...` as if it
    were required, as `storybot story`'s (whose action is) does."""
    assert "[-v] [ACTION ...]" in _help(["subscriptions"], capsys)
    assert "[-v] ACTION ..." in _help(["story"], capsys)  # required there: no brackets


def test_no_usage_shows_an_optional_positional_as_required_or_the_reverse():
    checked = 0
    for path, parser in _commands(_parser()):
        usage = parser.format_usage().split()
        for action in parser._actions:
            if action.option_strings:
                continue
            metavar = _metavar(parser, action)
            shown = next(word for word in usage if word.strip("[]") == metavar)
            assert shown.startswith("[") == _leaves_out(action), (_named(path), metavar)
            checked += 1
    assert checked > 10


def test_every_argument_of_every_command_has_help_text():
    """`storybot story remove --help` listed NAME, `feeds add` and `feeds remove` URL,
    with nothing beside them."""
    missing = []
    for path, parser in _commands(_parser()):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                missing += [
                    f"{_named(path)} {choice.dest}"
                    for choice in action._choices_actions
                    if not choice.help
                ]
            elif not action.help or action.help == argparse.SUPPRESS:
                missing.append(f"{_named(path)} {_metavar(parser, action)}")
    assert not missing, f"arguments without help text: {missing}"
