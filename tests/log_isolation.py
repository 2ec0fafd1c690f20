"""The root logger as a test found it, restored after it.

A test that runs storybot's command line in-process gets its log handler
(:func:`adapters.log_setup.configure_logging`) installed on the root logger in place of
the others, writing to that test's captured stderr, which pytest closes once the test is
over. Left there, a log line from a thread still running later (a test server's, say)
hits the closed file and prints "--- Logging error ---" in the middle of another test's
output; and the handlers it removed would stay gone.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def root_logging_restored() -> Iterator[None]:
    """Undo, on exit, what the body did to the root logger's handlers and level."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    try:
        yield
    finally:
        for handler in list(root.handlers):
            if handler not in handlers:
                root.removeHandler(handler)
        for handler in handlers:
            if handler not in root.handlers:
                root.addHandler(handler)
        root.setLevel(level)
