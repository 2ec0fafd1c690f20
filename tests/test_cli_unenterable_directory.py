"""A SQLite database behind a directory this user may not enter (no search permission,
``x``): every command that opens the database refuses in one line naming the file, the
directory and the setting, exit 2, as for a directory that does not exist.

Without search permission even whether the file exists cannot be told (``Path.exists()``
raises ``PermissionError``), which used to end every command in a traceback. Root enters
any directory (CAP_DAC_READ_SEARCH, CAP_DAC_OVERRIDE), so under root the commands run in
a subprocess started by ``setpriv`` without those capabilities: a program root starts
gets no capability its bounding set lacks. Another user needs no setpriv; where neither
works the tests are skipped, saying why.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from checkout import code_env
from storyworld import seeds_dir

from storage import open_store

ROOT = Path(__file__).resolve().parent.parent
# what lets root enter (and read, and chmod) any directory
_DROP = ["setpriv", "--bounding-set=-dac_override,-dac_read_search,-fowner"]


def _without_root_override(locked: Path) -> list[str]:
    """The command prefix that runs a program unable to enter ``locked``, or skip."""
    prefix = _DROP if os.geteuid() == 0 else []
    if prefix and shutil.which("setpriv") is None:
        pytest.skip("root enters any directory, and setpriv (util-linux) is not installed")
    probe = [
        *prefix,
        sys.executable,
        "-c",
        f"import os,sys;sys.exit(os.access({str(locked)!r}, os.X_OK))",
    ]
    if subprocess.run(probe, capture_output=True, timeout=60, check=False).returncode != 0:
        pytest.skip(
            "this process enters a directory without search permission and "
            f"`{' '.join(prefix) or 'a non-root user'}` does not stop it (a container "
            "without CAP_SETPCAP?): run as another user"
        )
    return prefix


@pytest.fixture
def locked(tmp_path):
    """A directory holding a storybot database, then made mode 0o666: readable and
    writable but not searchable, as after a ``chmod 666`` meant for the file."""
    directory = tmp_path / "data"
    directory.mkdir()
    database = directory / "storybot.db"
    open_store(f"sqlite:///{database}").close()
    directory.chmod(0o666)
    try:
        yield directory
    finally:
        directory.chmod(0o755)


def _storybot(
    prefix: list[str], cwd: Path, argv: list[str], url: str | None
) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("SLACK_", "DISCORD_", "STORYBOT_", "PYTHON"))
    }
    env = code_env(env)  # this tree's code, whatever is installed
    if url is not None:
        env["STORYBOT_DATABASE_URL"] = url
    return subprocess.run(
        [*prefix, sys.executable, "-m", "adapters.cli", *argv],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _refusal(database: Path, directory: Path, where: str, source: str) -> str:
    return (
        f"storybot: error: cannot open the database file {database} ({source}): {where} "
        f"{directory} cannot be entered by this user (it lacks search permission, x); "
        "give this user access to it, or choose another path\n"
    )


@pytest.mark.parametrize(
    "argv",
    [
        ["health"],
        ["poll", "--once"],
        ["run"],
        ["story", "list"],
        ["story", "add", "pentagon", "--seed", "SEED"],
        ["ask", "stories"],
        ["feeds", "list"],
        ["db-upgrade"],
    ],
    ids=" ".join,
)
def test_a_database_in_a_directory_this_user_cannot_enter_is_refused_in_one_line(
    tmp_path, locked, argv
):
    prefix = _without_root_override(locked)
    database = locked / "storybot.db"
    before = database.read_bytes()
    seed = str(sorted(seeds_dir().glob("*.txt"))[0])
    argv = [seed if a == "SEED" else a for a in argv]
    done = _storybot(prefix, tmp_path, argv, f"sqlite:///{database}")
    assert (done.returncode, done.stderr) == (
        2,
        _refusal(database, locked, "its directory", "STORYBOT_DATABASE_URL"),
    ), done.stderr
    assert done.stdout == ""
    assert sorted(p.name for p in locked.iterdir()) == ["storybot.db"]
    assert database.read_bytes() == before


def test_a_new_database_below_a_directory_it_cannot_enter_names_that_directory(tmp_path, locked):
    # the file's own directory may exist or not: nobody here can tell; the config file's
    # setting is named as the environment variable is
    prefix = _without_root_override(locked)
    database = locked / "new" / "storybot.db"
    config = tmp_path / "storybot.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{database}"\n', encoding="utf-8")
    done = _storybot(prefix, tmp_path, ["story", "list", "--config", str(config)], None)
    assert done.returncode == 2, done.stderr
    [line] = done.stderr.splitlines()
    source = line.split(f"{database} (", 1)[1].split("): ", 1)[0]
    assert "[database] url" in source and str(config) in source, line
    assert done.stderr == _refusal(database, locked, "the directory", source)
    assert sorted(p.name for p in locked.iterdir()) == ["storybot.db"]
