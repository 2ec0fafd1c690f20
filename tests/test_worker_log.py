"""What a ``storybot worker``'s log says when its job queue's database connection drops.

procrastinate stops a worker whose listener, heartbeat or periodic deferrer loses its
connection, logging "Side task listener failed" at ERROR with a traceback, then the same
exception again ("listener error: ConnectorException(...)") as the worker stops; storybot
restarts the worker and says so. The operator reads one WARNING line per drop, not what
looks like a crash; with ``-v`` the traceback is still there. A real error stays an ERROR.

The records are logged as procrastinate 3 logs them (logger, message, ``extra``), around
the exceptions psycopg really raises: a connection refused by a port nobody listens on,
and a server error on a live connection. (Live, with ``pg_terminate_backend`` and the
database refusing connections for a moment, which side task fails first and when
depends on timing: see the report of the change.)
"""

from __future__ import annotations

import io
import logging
import socket

import psycopg
import pytest
from procrastinate.exceptions import ConnectorException
from test_log_setup import restore_logging  # noqa: F401  (fixture)

from adapters.log_setup import configure_logging, lost_connection


def _refused() -> psycopg.OperationalError:
    """psycopg's own error for a server that is not there (a port just closed)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    try:
        psycopg.connect(f"postgresql://u@127.0.0.1:{port}/db", connect_timeout=5)
    except psycopg.OperationalError as exc:
        return exc
    raise AssertionError("connected to a closed port")


def _wrapped(error: BaseException) -> ConnectorException:
    """procrastinate's wrapping of a psycopg error (its ``wrap_exceptions``)."""
    try:
        try:
            raise error
        except psycopg.Error as exc:
            raise ConnectorException from exc
    except ConnectorException as wrapped:
        return wrapped


def _log_a_side_task_failure(error: ConnectorException) -> None:
    """What procrastinate's worker logs when a side task fails, then as it stops."""
    logging.getLogger("procrastinate.worker.w1").error(
        f"Side task listener failed with exception: {error}, stopping worker",
        extra={
            "action": "side_task_failed",
            "task_name": "listener",
            "exception": str(error),
        },
        exc_info=error,
    )
    logging.getLogger("procrastinate.utils").exception(
        f"listener error: {error!r}", exc_info=error, extra={"action": "listener_error"}
    )


@pytest.mark.parametrize("verbosity", [0, 1, 2])
def test_a_dropped_connection_is_one_warning_line_and_its_traceback_is_for_v(
    restore_logging,  # noqa: F811
    verbosity,
):
    out = io.StringIO()
    configure_logging(verbosity, {}, out)
    _log_a_side_task_failure(_wrapped(_refused()))
    logged = out.getvalue()
    lines = [line for line in logged.splitlines() if " procrastinate." in line]
    assert "ERROR" not in logged, logged
    assert (
        lines[0]
        .split(" ", 2)[2]
        .startswith(
            "WARNING procrastinate.worker.w1: the job queue's listener lost its database "
            "connection (connection failed: "
        )
    ), lines[0]
    assert lines[0].endswith("; the worker restarts"), lines[0]
    assert ("Traceback" in logged) == (verbosity >= 1), logged
    if verbosity == 0:
        assert len(logged.splitlines()) == 1, logged  # one line, the repeat dropped
    else:  # procrastinate's repeat of it, at DEBUG
        assert len(lines) == 2 and " DEBUG procrastinate.utils: listener error" in lines[1]


def test_a_real_job_queue_error_stays_an_error(restore_logging):  # noqa: F811
    """A failure on a live connection (a function missing from the schema) is no dropped
    connection: procrastinate's ERROR and its traceback pass as they were."""
    error = _wrapped(psycopg.errors.UndefinedFunction("function x() does not exist"))
    assert lost_connection(error) is None
    out = io.StringIO()
    configure_logging(0, {}, out)
    _log_a_side_task_failure(error)
    logged = out.getvalue()
    assert " ERROR procrastinate.worker.w1: Side task listener failed" in logged, logged
    assert " ERROR procrastinate.utils: listener error" in logged, logged
    assert logged.count("Traceback") >= 2 and "does not exist" in logged, logged


def test_a_connection_cut_by_the_server_is_a_lost_connection():
    """The server ending the connection (``pg_terminate_backend``, a restart) is
    psycopg's AdminShutdown, SQLSTATE 57P01: lost, as libpq's own errors without one."""
    assert lost_connection(_wrapped(psycopg.errors.AdminShutdown("terminating"))) == ("terminating")
    assert lost_connection(_wrapped(psycopg.errors.QueryCanceled("timeout"))) is None
