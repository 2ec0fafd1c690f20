"""The README documents what the code reads: environment variables and CLI commands."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _env_vars_read_by_the_code() -> set[str]:
    names: set[str] = set()
    for package in ("bot", "adapters", "storage"):
        for path in (ROOT / package).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            names.update(
                re.findall(r"""["'](STORYBOT_[A-Z_]+|SLACK_[A-Z_]+|DISCORD_[A-Z_]+)["']""", text)
            )
    return names


def _env_table() -> str:
    start = README.index("| variable | meaning |")
    end = README.index("\n\n", start)
    return README[start:end]


def test_every_environment_variable_the_code_reads_is_in_the_readme_table() -> None:
    names = _env_vars_read_by_the_code()
    assert "STORYBOT_DATABASE_URL" in names  # the scan finds what it should
    table = _env_table()
    missing = sorted(n for n in names if f"`{n}`" not in table)
    assert not missing, f"environment variables missing from README's table: {missing}"


def test_every_cli_command_is_in_the_readme() -> None:
    from adapters.cli_parser import build_parser

    parser = build_parser()
    commands = next(a for a in parser._actions if a.dest == "command").choices
    missing = sorted(c for c in commands if f"storybot {c}" not in README)
    assert not missing, f"commands not named in README: {missing}"


def test_the_systemd_units_retry_an_unreachable_database_but_not_a_configuration_error() -> None:
    from adapters.cli import EXIT_DATABASE_UNAVAILABLE

    units = sorted((ROOT / "config").glob("*.service"))
    assert units
    for unit in units:
        settings = [
            line.partition("=")
            for line in unit.read_text(encoding="utf-8").splitlines()
            if line and not line.startswith("#")
        ]
        values = {key: value for key, _, value in settings}
        assert values["Restart"] == "on-failure", unit.name
        assert values["RestartPreventExitStatus"].split() == ["2"], unit.name
        assert str(EXIT_DATABASE_UNAVAILABLE) not in values["SuccessExitStatus"].split()


def _table_problems(text: str) -> list[str]:
    """Rows of the Markdown tables in ``text`` that GitHub would not render as one row.

    A row is one line: a line break inside a cell ends the row, and the next line
    becomes a row of its own. A ``|`` splits a cell even inside a code span unless it is
    written ``\\|`` (GitHub's rule), so every row must have its header's number of
    unescaped pipes.
    """
    problems = []
    columns = None
    for number, line in enumerate(text.splitlines(), 1):
        if line.startswith("|"):
            pipes = len(re.findall(r"(?<!\\)\|", line))
            if columns is None:
                columns = pipes
            elif pipes != columns or not line.rstrip().endswith("|"):
                problems.append(f"line {number}: {pipes - 1} cells, the header has {columns - 1}")
        elif columns is not None and line.strip():
            problems.append(f"line {number}: a table row continues on a line of its own")
            columns = None
        else:
            columns = None
    return problems


def test_every_table_row_of_the_user_docs_renders_as_one_row() -> None:
    for path in ("README.md", "docs/cli.md", "docs/engine.md"):
        problems = _table_problems((ROOT / path).read_text(encoding="utf-8"))
        assert not problems, f"{path}: {problems}"


def test_the_table_check_finds_a_split_row_and_an_unescaped_pipe() -> None:
    header = "| a | b |\n|---|---|\n"
    assert not _table_problems(header + "| `x \\| y` | z |\n")
    assert _table_problems(header + "| `x | y` | z |\n")
    assert _table_problems(header + "| x | y and\nmore |\n")


def _long_options(parser, path=()):  # type: ignore[no-untyped-def]
    """``(command words, --option)`` for every long option of the storybot command."""
    import argparse

    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from _long_options(sub, (*path, name))
        else:
            for option in action.option_strings:
                if option.startswith("--") and option != "--help":
                    yield " ".join(path), option


def test_every_flag_of_every_command_is_in_docs_cli() -> None:
    from adapters.cli_parser import build_parser

    cli_doc = (ROOT / "docs" / "cli.md").read_text(encoding="utf-8")
    options = set(_long_options(build_parser()))
    assert ("worker", "--stop-grace") in options  # the walk reaches the sub-commands
    missing = sorted(
        f"storybot {c} {o}".replace("  ", " ")
        for c, o in options
        if not re.search(rf"{re.escape(o)}(?![\w-])", cli_doc)
    )
    assert not missing, f"flags docs/cli.md does not name: {missing}"


def test_defaults_toml_holds_every_setting_with_the_code_default() -> None:
    """config/defaults.toml is where the README sends people for every setting's default:
    each table's keys are those the loader reads (bar the environment's), each with the
    value the code falls back to."""
    import dataclasses
    import tomllib

    from bot import settings as s
    from bot.settings_secrets import FROM_ENV_ONLY
    from config import DEFAULTS_FILE

    tables = {
        "database": s._DatabaseTable,
        "polling": s.PollingSettings,
        "delivery": s.DeliverySettings,
        "permissions": s._PermissionsTable,
        "slack": s.SlackSettings,
        "discord": s.DiscordSettings,
        "summarizer": s.SummarizerSettings,
        "pages": s.PageSettings,
        "embeddings": s.EmbeddingSettings,
    }
    defaults = tomllib.loads(DEFAULTS_FILE.read_text(encoding="utf-8"))
    defaults = {
        t: {k: tuple(v) if isinstance(v, list) else v for k, v in keys.items()}
        for t, keys in defaults.items()
    }
    assert set(defaults) == set(tables)
    for name, cls in tables.items():
        expected = {
            f.name: f.default
            for f in dataclasses.fields(cls)
            if (name, f.name) not in FROM_ENV_ONLY
        }
        if name == "database":  # "" in the table class: the URL's default is Settings'
            expected["url"] = s.Settings.database_url
        assert defaults[name] == expected, f"[{name}]"
        assert f"`[{name}]`" in README, f"[{name}] is not named in the README"


def test_the_commented_settings_of_example_toml_load_when_uncommented(tmp_path: Path) -> None:
    """example.toml's commented-out tables ([engine], [summarizer]) are meant to be
    uncommented: each line of them must load, with the values their comments give."""
    from bot.engine.config import EngineConfig
    from bot.settings import load_settings
    from config import DEFAULTS_FILE

    example = (DEFAULTS_FILE.parent / "example.toml").read_text(encoding="utf-8")
    uncommented = re.sub(
        r"^# (\[\w+\]|\w+ = .*)$", lambda m: m.group(1), example, flags=re.MULTILINE
    )
    assert uncommented.count("[engine]") == 1 and "\nkind = " in uncommented
    copy = tmp_path / "config" / "example.toml"
    copy.parent.mkdir()
    copy.write_text(uncommented, encoding="utf-8")
    settings = load_settings(copy, env={})
    assert settings.summarizer.kind == "openai" and settings.summarizer.model
    engine = EngineConfig.from_mapping(settings.engine)
    assert set(settings.engine) >= {"on_topic_threshold", "headline_threshold"}
    # the values shown are the defaults, as the comment above them says
    for key, value in settings.engine.items():
        assert getattr(EngineConfig(), key) == value == getattr(engine, key), key


def _named_in_readme(key: str) -> bool:
    """Whether the README names the setting ``key``: in a code span (``key``,
    ``[table] key``, either with ``= value``), or as a ``key = ...`` line of one of its
    code blocks."""
    span = re.compile(rf"(\[\w+\] )?{re.escape(key)}( = .+)?")
    if any(span.fullmatch(text) for text in re.findall(r"`([^`\n]+)`", README)):
        return True
    return re.search(rf"^{re.escape(key)} = ", README, flags=re.MULTILINE) is not None


def test_every_setting_of_the_config_file_is_named_in_the_readme() -> None:
    """An operator reading the README finds each setting's name, not only its value
    ("500 entries" does not say which key changes it); defaults.toml says the rest."""
    import tomllib

    from bot import settings as s
    from config import DEFAULTS_FILE

    defaults = tomllib.loads(DEFAULTS_FILE.read_text(encoding="utf-8"))
    keys = {(table, key) for table, values in defaults.items() for key in values}
    # the tables without a default, which config/example.toml shows
    keys |= {("network", f) for f in s._NetworkTable.__dataclass_fields__}
    keys |= {("feeds", f) for f in s._FeedsTable.__dataclass_fields__}
    assert ("polling", "max_entries_per_fetch") in keys  # the scan finds what it should
    missing = sorted(f"[{t}] {k}" for t, k in keys if not _named_in_readme(k))
    assert not missing, f"settings the README never names: {missing}"


def test_every_benchmark_is_in_the_readme_and_those_ci_runs_are_named() -> None:
    """The README's Performance section lists every benchmark with its command, and names
    each one CI runs in its quick mode (tests/test_benchmarks_quick.py)."""
    from test_benchmarks_quick import BENCHMARKS

    # benchmarks/realworld_stream.py builds a labelled stream (docs/engine.md), no benchmark
    runnable = {
        path.stem
        for path in (ROOT / "benchmarks").glob("*.py")
        if '__name__ == "__main__"' in path.read_text(encoding="utf-8")
    } - {"realworld_stream"}
    assert {"poll", "furniture"} <= runnable  # the scan finds what it should
    missing = sorted(n for n in runnable if f"python -m benchmarks.{n} " not in README)
    assert not missing, f"benchmarks the README has no command for: {missing}"
    ci_sentence = re.search(r"\(CI runs (.*?) through", README, flags=re.DOTALL)
    assert ci_sentence, "the README's sentence on the benchmarks CI runs"
    named = set(re.findall(r"`(\w+)`", ci_sentence.group(1)))
    assert named == set(BENCHMARKS), f"CI runs {sorted(BENCHMARKS)}, README names {sorted(named)}"
