"""``storybot --version``: the installed distribution's version, with nothing else touched."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

import pytest
from checkout import code_env

from adapters.cli import main

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.parametrize("flag", ["--version", "-V"])
def test_version_is_the_package_metadata(flag, capsys):
    with pytest.raises(SystemExit) as done:
        main([flag])
    assert done.value.code == 0
    assert capsys.readouterr().out == f"storybot {version('storybot')}\n"


def test_version_reads_no_config_and_touches_no_database(tmp_path):
    """The console script, run where a database would be created, with a config file that
    does not exist and a database URL that could not be opened: only the version."""
    script = Path(sys.executable).parent / "storybot"
    command = [str(script)] if script.exists() else [sys.executable, "-m", "adapters.cli"]
    env = code_env(
        {k: v for k, v in os.environ.items() if not k.startswith("STORYBOT_")},
        STORYBOT_DATABASE_URL=f"sqlite:///{tmp_path / 'no' / 'such' / 'dir' / 'x.db'}",
    )
    done = subprocess.run(
        [*command, "--config", str(tmp_path / "missing.toml"), "--version"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (done.returncode, done.stdout, done.stderr) == (
        0,
        f"storybot {version('storybot')}\n",
        "",
    )
    assert list(tmp_path.iterdir()) == []
