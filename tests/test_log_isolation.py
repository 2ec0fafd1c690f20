"""tests/log_isolation.py: a test that sets up storybot's logging leaves the root logger
as it found it (the conftest wraps every test in it)."""

from __future__ import annotations

import io
import logging

from log_isolation import root_logging_restored

from adapters.log_setup import configure_logging


def test_storybot_logging_set_up_inside_is_undone_and_what_it_removed_comes_back() -> None:
    root = logging.getLogger()
    there = logging.NullHandler()
    root.addHandler(there)
    try:
        before, level = list(root.handlers), root.level
        stream = io.StringIO()
        with root_logging_restored():
            installed = configure_logging(2, {}, stream=stream)
            assert root.handlers == [installed] and root.level == logging.DEBUG
        stream.close()  # as pytest closes a finished test's captured stderr
        assert root.handlers == before and root.level == level
        logging.getLogger("storybot.test").error("after the test: no closed stream written")
    finally:
        root.removeHandler(there)
