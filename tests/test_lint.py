"""The code stays lint-clean, formatted and the core type-checks: ruff over the tree (the
rules and line length in pyproject.toml) and mypy over ``bot/``,
``adapters/`` and ``storage/``. Both come with the dev
extra; ``ruff format .`` mends what the format check finds."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=600
    )


def test_ruff_finds_nothing() -> None:
    done = _run("ruff", "check", "--output-format", "concise", ".")
    assert done.returncode == 0, done.stdout + done.stderr


def test_ruff_format_leaves_every_file_as_it_is() -> None:
    done = _run("ruff", "format", "--check", ".")
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_core_type_checks() -> None:
    done = _run("mypy")
    assert done.returncode == 0, done.stdout + done.stderr
