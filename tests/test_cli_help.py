"""What ``storybot ... --help`` shows, for every command and sub-command.

The usage line marks what may be left out, every argument says what it is, the defaults
shown are those that run (config/defaults.toml's where the setting gives them), and the
placeholders are those docs/cli.md writes for the same flag.
"""

from __future__ import annotations

import argparse
import re
import shlex
from pathlib import Path
from typing import Iterator

import pytest

from adapters.cli import main
from adapters.cli_parser import build_parser

ROOT = Path(__file__).resolve().parent.parent
CLI_DOC = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")


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
    for path, parser in _commands(build_parser()):
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
    for path, parser in _commands(build_parser()):
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


def _doc_rows(path: tuple[str, ...]) -> str:
    """The rows of docs/cli.md's table that document the command ``path`` (its first word)."""
    first = f"| `storybot {path[0]}" if path else "| `storybot --"
    return "\n".join(
        line for line in CLI_DOC.splitlines() if re.match(rf"{re.escape(first)}[ `]", line)
    )


def test_each_flag_shows_the_placeholder_docs_cli_writes_for_it():
    """`outbox --limit LIMIT` where the docs write `--limit N`; `eval track
    --limit-targets LIMIT_TARGETS  only the first N targets`, whose N was nowhere."""
    checked, wrong = 0, []
    for path, parser in _commands(build_parser()):
        for action in parser._actions:
            if action.nargs == 0 or not action.option_strings:
                continue
            if path and "--config" in action.option_strings:
                continue  # the global one, after the command: the global row's
            metavar = _metavar(parser, action)
            for flag in (f for f in action.option_strings if f.startswith("--")):
                pattern = rf"{re.escape(flag)}(?![\w-])[ =]\[?([A-Z][A-Z0-9_:]*)"
                for documented in re.findall(pattern, _doc_rows(path)):
                    checked += 1
                    if documented != metavar:
                        wrong.append(f"{_named(path)} {flag}: help {metavar}, docs {documented}")
    assert not wrong, wrong
    assert checked > 25


def _number(value: float) -> str:
    return f"{value:g}"


def test_every_default_value_is_said_in_the_help_as_it_runs():
    checked, wrong = 0, []
    for path, parser in _commands(build_parser()):
        for action in parser._actions:
            value = action.default
            if value is None and action.nargs == argparse.OPTIONAL:
                value = action.const  # `--sent` alone
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                continue  # flags, and options whose default the settings give
            if isinstance(action, argparse._CountAction):
                continue  # -v: none
            checked += 1
            if f"default {_number(value)}" not in (action.help or ""):
                wrong.append(f"{_named(path)} {action.option_strings[0]}: {value}")
    assert not wrong, f"defaults not in the help as they run: {wrong}"
    assert checked > 10


def test_defaults_from_the_settings_are_named_with_their_value_in_defaults_toml(capsys):
    """`feeds add --interval` said only "default from config"; `health --max-age` gives
    the figure its formula makes of config/defaults.toml."""
    from adapters.health import default_max_age_s
    from bot.settings import load_settings

    polling = load_settings(None, env={}).polling
    interval = _help(["feeds", "add"], capsys)
    assert f"[polling] default_interval_s, {polling.default_interval_s} as shipped" in interval
    max_age = _help(["health"], capsys)
    assert f"{_number(default_max_age_s(polling) / 60)} with the default settings" in max_age


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        # -vv lets through the scheduler's and the migrations' lines too (adapters.log_setup)
        ([], "-vv also the libraries' (Slack, Discord, HTTP, the scheduler, migrations)"),
        # --max-age is also how long an item may stay unjudged and a message unsent
        (["health"], "an item stored longer ago left unjudged by every story"),
        (["health"], "a message due longer and not sent"),
        # not argparse's "show program's version number and exit"
        ([], "-V, --version print storybot X.Y.Z (the installed package's version) and exit"),
        (["prune"], "(1 to 36500)"),
        (["outbox"], "(default 20; 1 to 10000)"),
        (["run"], "PostgreSQL only"),
        (["demo"], "one holding stories or feeds is refused"),
        (["story", "add"], "one line of at most 200 characters"),
        (["feeds", "add"], "a feed already polled keeps its interval unless this is given"),
    ],
)
def test_each_flag_help_says_what_docs_cli_says_of_it(capsys, argv, says):
    assert says in _help(argv, capsys)


def _examples(text: str) -> list[str]:
    """The ``storybot ...`` command lines a help text gives, as written."""
    return re.findall(r"(?:`|e\.g\. )(storybot (?:\"[^\"]*\"|[^`\"])+?)(?:`|$|,)", text)


def test_the_examples_in_the_help_are_command_lines_storybot_takes():
    """Each ``storybot ...`` a help text gives parses as written (a usage error exits 2)."""
    examples = set()
    for _path, parser in _commands(build_parser()):
        texts = [parser.description or "", parser.epilog or ""]
        texts += [a.help or "" for a in parser._actions]
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                texts += [c.help or "" for c in action._choices_actions]
        examples.update(e for text in texts for e in _examples(text))
    assert 'storybot ask "status"' in examples  # the scan finds what it should
    for example in sorted(examples):
        try:
            build_parser().parse_args(shlex.split(example)[1:])
        except SystemExit as exc:
            pytest.fail(f"{example!r} in the help exits {exc.code}")


def _help_text(capsys, *words: str) -> str:
    with pytest.raises(SystemExit):
        main([*words, "--help"])
    return " ".join(capsys.readouterr().out.split())


def test_health_help_names_every_warning_strict_fails_on_as_docs_cli_md_does(capsys):
    # docs/cli.md: "unjudged items, dead messages, unsent messages, messages held by a
    # refused token, failing, gone, moved and part-read feeds and owner checks ... are
    # warnings that fail only with --strict"; the help left out gone, moved and part-read
    # feeds (warnings since their checks were added), and its summary part-read ones
    assert "failing, gone, moved and part-read feeds" in CLI_DOC
    strict = _help_text(capsys, "health").split("--strict", 2)[-1]
    assert "failing, gone, moved or part-read feeds" in strict
    assert "of failing, gone, moved or part-read feeds" in _help_text(capsys)


def test_prune_help_names_the_development_updates_it_deletes(capsys):
    # docs/cli.md's prune gives back the space "of development updates ... every follow
    # of their story has passed", and prune's summary says it deletes them: the help did not
    assert "of development updates" in CLI_DOC
    assert "development updates" in _help_text(capsys, "prune")
