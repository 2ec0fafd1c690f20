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
    from adapters.cli import _parser as build_parser

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
