"""Tests' subprocesses run the code of the checkout the tests are in (:mod:`checkout`).

Meaningful in a git worktree whose ``.venv`` links to another checkout's virtualenv
(where the editable install points elsewhere); in the checkout the virtualenv was
installed from, both are the same files and these pass either way.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from checkout import ROOT, STORYBOT, code_env
from faults import service_env


def _loaded(command: list[str], env: dict[str, str], cwd: Path) -> set[Path]:
    """The files of storybot's packages ``command`` imported, from ``PYTHONVERBOSE``."""
    done = subprocess.run(
        [*command, "--version"],
        env={**env, "PYTHONVERBOSE": "1"},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0 and done.stdout.startswith("storybot "), done.stderr[-2000:]
    found = re.findall(r"^# code object from '?(\S+?)'?$", done.stderr, re.MULTILINE)
    # a cached module is read from its __pycache__: the source it was compiled from
    sources = {Path(re.sub(r"/__pycache__/([^/.]+)\.[^/]+\.pyc$", r"/\1.py", f)) for f in found}
    ours = {f for f in sources if re.search(r"/(adapters|bot|storage|config)/[^/]+\.py$", str(f))}
    assert ours, "no storybot module imported?"
    return ours


@pytest.mark.parametrize(
    "how",
    [
        "the storybot command",  # tests/test_scaleout.py, test_cli_signals.py, ...
        "python -m adapters.cli",  # faults.start_service, test_cli.py, ...
    ],
)
def test_a_subprocess_started_from_another_directory_imports_this_checkout(how, tmp_path):
    """Started from a directory outside the checkout (a test's tmp_path), with the
    environment the tests give their subprocesses: every storybot module imported is this
    checkout's, not the one the virtualenv's editable install points at."""
    command = STORYBOT if how == "the storybot command" else [sys.executable, "-m", "adapters.cli"]
    outside = {f for f in _loaded(command, code_env(), tmp_path) if ROOT not in f.parents}
    assert not outside, f"imported from another checkout: {sorted(outside)[:3]}"


def test_the_service_environment_imports_this_checkout(tmp_path):
    """``faults.service_env``: the environment of the ``storybot run`` processes."""
    env = service_env(f"sqlite:///{tmp_path / 'x.db'}", {})
    loaded = _loaded([sys.executable, "-m", "adapters.cli"], env, tmp_path)
    assert {f for f in loaded if ROOT not in f.parents} == set()
