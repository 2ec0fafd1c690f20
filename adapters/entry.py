"""The ``storybot`` console command's entry point: Ctrl-C is one line from its first moment.

``adapters.cli`` answers Ctrl-C with "storybot: interrupted" and exit 130, but only once
it is imported, and importing it (and what its commands import: SQLAlchemy, aiohttp)
takes a moment in which a Ctrl-C printed a ``KeyboardInterrupt`` traceback and exited
with -2. This module imports nothing but ``sys`` before its ``try``, so the generated
console script (``from adapters.entry import main``) is covered while it imports the
rest.
"""

from __future__ import annotations

import sys

EXIT_INTERRUPTED = 130  # 128 + SIGINT, as the shell reports a command Ctrl-C stopped


def main() -> int:
    """Run ``storybot`` (:func:`adapters.cli.main`), its imports inside the ``try``."""
    try:
        from adapters.cli import main as cli_main

        return cli_main()
    except KeyboardInterrupt:
        print("storybot: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
