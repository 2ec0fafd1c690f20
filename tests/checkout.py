"""Subprocesses that run this checkout's code, not the code the virtualenv installed.

The virtualenv installs storybot in editable mode (``pip install -e .``): its finder maps
``adapters``, ``bot``, ``config`` and ``storage`` to the checkout it was installed from,
and it comes last on the import path. The ``storybot`` script starts from the
virtualenv's ``bin`` directory, and ``python -m`` or ``python -c`` from whatever
directory the test chose: neither finds this checkout, and the finder hands them the
installed one. In a git worktree whose ``.venv`` is a link to another checkout's, a
test's subprocesses then ran that checkout's code: a branch's process tests tested main.

``PYTHONPATH`` comes before the finder: a subprocess started with :func:`code_env`
imports this checkout's code whatever its working directory. :data:`STORYBOT` is the
``storybot`` command as the console script runs it (``adapters.entry.main``, named
``storybot``), through this interpreter.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # this checkout

STORYBOT = [
    sys.executable,
    "-c",
    "import sys; sys.argv[0] = 'storybot'; from adapters.entry import main; sys.exit(main())",
]


def code_env(env: Mapping[str, str] | None = None, **extra: str) -> dict[str, str]:
    """``env`` (this process's environment if None) and ``extra``, with this checkout
    first on ``PYTHONPATH``."""
    out = dict(os.environ if env is None else env)
    out.update(extra)
    rest = [p for p in out.get("PYTHONPATH", "").split(os.pathsep) if p and p != str(ROOT)]
    out["PYTHONPATH"] = os.pathsep.join([str(ROOT), *rest])
    return out
