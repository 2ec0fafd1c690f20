"""The ``storybot`` log on stderr: how much ``-v`` shows, and no secret in any line.

Verbosity:

* none: storybot's INFO (what it polled, posted, refused), the libraries' WARNING;
* ``-v``: storybot's DEBUG as well; the libraries still say only their WARNINGs;
* ``-vv``: everything at DEBUG, the libraries' wire detail included (slack_sdk's requests
  and responses, bolt's Socket Mode frames, discord.py's gateway, HTTP clients).

A ``storybot worker``'s job queue (procrastinate) losing its database connection is one
WARNING line, not an ERROR with a traceback (:class:`JobQueueConnectionLost`; the
traceback from ``-v`` on).

Whatever the level, each line passes through :class:`RedactingFormatter` before it is
written: the secrets given in the environment (Slack and Discord tokens, the signing
secret, the summarizer's key) and what the chat libraries log of the wire that works as
a credential (a URL's password, a feed URL's key, a Slack token of any kind, the Socket Mode ``ticket``, a slash command's
``response_url`` and legacy verification ``token``, the URLs slack_sdk's webhook client
posts to, an ``Authorization`` header, a Discord interaction's or webhook's token in the
URLs discord.py logs) are replaced by ``(redacted)``. slack_sdk hides the Authorization header itself; the rest it
logs at DEBUG as received.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Iterable, Mapping
from typing import TextIO

# the environment variables holding secrets: bot.settings reads secrets from them only,
# never from a config file (one added there is redacted here too)
from bot.render import shown_text
from bot.settings_secrets import SECRET_ENV

REDACTED = "(redacted)"
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# Short values are not redacted by value: "(redacted)" in place of every "ab" would
# garble the log and hide no real token (each of these is far longer).
_MIN_SECRET = 8

# storybot's own loggers (``storybot.slack.bolt`` is bolt's, named by the Slack adapter)
OURS = ("bot", "adapters", "storage", "storybot")
# Libraries held at WARNING unless -vv (their INFO/DEBUG is per request, per frame or
# per migration; procrastinate's per job is held by adapters.jobs.worker) ...
LIBRARIES = (
    "httpx",
    "httpcore",
    "alembic",
    "discord",
    "slack_bolt",
    "slack_sdk",
    "storybot.slack.bolt",
)
# ... and these quieter still: a tick skipped because the last cycle is still running is
# expected, not a warning; trafilatura logs ERRORs about pages it cannot extract ("empty
# HTML tree") where storybot says itself, in one line, what became of such a page.
QUIETER = {"apscheduler": logging.ERROR, "trafilatura": logging.CRITICAL}

_PATTERNS = (
    # Slack tokens of every kind: bot, user, app-level, refresh, configuration
    (re.compile(r"\bxox[a-z]-[A-Za-z0-9-]+"), REDACTED),
    (re.compile(r"\bxapp-[A-Za-z0-9-]+"), REDACTED),
    # the Socket Mode URL's ticket: whoever holds it may open the app's connection
    (re.compile(r"(ticket=)[^&\s'\"]+"), rf"\g<1>{REDACTED}"),
    # a slash command's response_url posts as the app for half an hour
    (re.compile(r"https://hooks\.slack\.com/[^\s'\"]+"), f"https://hooks.slack.com/{REDACTED}"),
    (
        re.compile(r"""(["']response_url["']\s*:\s*["'])[^"']+"""),
        rf"\g<1>{REDACTED}",
    ),
    # the legacy verification token in every slash command's payload
    (re.compile(r"""(["']token["']\s*:\s*["'])[^"']+"""), rf"\g<1>{REDACTED}"),
    (re.compile(r"(Bearer\s+)[^\s'\"]+", re.IGNORECASE), rf"\g<1>{REDACTED}"),
    # the password of a URL's user info (scheme://user:PASSWORD@host): httpx logs each
    # request's URL at -vv, and STORYBOT_SUMMARIZER_URL may carry one
    (re.compile(r"(://[^\s/?#@:'\"]*:)[^\s/?#@'\"]+@"), rf"\g<1>{REDACTED}@"),
    # a Discord interaction's token answers it as the app for 15 minutes (discord.py logs
    # each interaction callback and follow-up URL), a webhook's token posts as it
    (
        re.compile(r"(/(?:interactions|webhooks)/\d+/)[^/\s'\"?#]+"),
        rf"\g<1>{REDACTED}",
    ),
)


# A connection lost or refused, by its SQLSTATE: none (libpq's own: "connection failed",
# "server closed the connection unexpectedly", psycopg_pool's timeout), class 08
# (connection exception), or the server shutting down or starting (57P01-57P03).
_CONNECTION_LOST_STATES = ("08", "57P01", "57P02", "57P03")


def lost_connection(exc: BaseException | None) -> str | None:
    """The first line of the database error that cut a connection, if ``exc`` was one.

    Looks through the chain of causes (procrastinate wraps psycopg's error in its own
    "Database error."). A query that failed on a live connection (a missing function,
    a timeout, a full disk) is no lost connection: None.
    """
    import psycopg

    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, psycopg.OperationalError):
            state = exc.sqlstate
            if state is None or state.startswith(_CONNECTION_LOST_STATES):
                lines = [line.strip() for line in str(exc).splitlines() if line.strip()]
                return lines[0] if lines else type(exc).__name__
            return None
        exc = exc.__cause__ or exc.__context__
    return None


class JobQueueConnectionLost(logging.Filter):
    """procrastinate's ERRORs about a dropped database connection, as one WARNING line.

    A ``storybot worker`` whose connection drops (a server restart, a failover) is stopped
    by procrastinate, which logs "Side task listener failed" with a traceback and then
    the same exception again ("listener error: ConnectorException(...)") as it stops:
    it reads as a crash, while the worker restarts on a fresh pool and says so itself
    ("restarting in 1 s"). Here the first becomes one line naming the side task and the
    server's answer, the repeat is dropped; with ``-v`` the traceback stays on the line
    and the repeat is shown at DEBUG. Any other error passes as procrastinate logged it.
    """

    def __init__(self, verbose: bool) -> None:
        super().__init__()
        self.verbose = verbose

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith("procrastinate") or record.levelno < logging.ERROR:
            return True
        reason = lost_connection(record.exc_info[1] if record.exc_info else None)
        if reason is None:
            return True
        action = str(getattr(record, "action", ""))
        if action.endswith("_error") and action != "poll_jobs_to_abort_error":
            # procrastinate.utils repeating a side task's failure as the worker stops
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            return self.verbose
        task = getattr(record, "task_name", None) or action.removesuffix("_error")
        record.msg = "the job queue's %s lost its database connection (%s)%s"
        record.args = (
            task or "connection",
            reason,
            "; the worker restarts" if action == "side_task_failed" else "",
        )
        record.levelno, record.levelname = logging.WARNING, "WARNING"
        if not self.verbose:
            record.exc_info, record.exc_text = None, None
        return True


_WEBHOOK_LOGGER = "slack_sdk.webhook"
_URL = re.compile(r"https?://[^\s,'\"]+")


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with ``secrets`` and the credential-like values chat libraries log replaced
    by ``(redacted)``, and every web address in it shown as chat shows a feed's
    (:func:`bot.render.shown_text`: a key in its user info, path or query as ``***``).

    A paid feed's URL often holds its key (``?apikey=KEY``, ``https://TOKEN@host/rss``),
    and the poller logs a failing feed by its URL: a log file kept for weeks need not
    hold the key (``storybot feeds list`` shows the feed as the log does, numbered).
    """
    text = shown_text(text)
    for secret in sorted(secrets, key=len, reverse=True):  # a longer one containing another
        text = text.replace(secret, REDACTED)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFormatter(logging.Formatter):
    """A formatter whose every line (message, arguments and traceback) is redacted."""

    def __init__(self, fmt: str, secrets: Iterable[str] = ()) -> None:
        super().__init__(fmt)
        self.secrets = tuple(s for s in set(secrets) if len(s) >= _MIN_SECRET)

    def format(self, record: logging.LogRecord) -> str:
        text = redact(super().format(record), self.secrets)
        if record.name.startswith(_WEBHOOK_LOGGER):
            # every URL slack_sdk's webhook client posts to is a capability: a slash
            # command's response_url, an incoming webhook
            text = _URL.sub(REDACTED, text)
        return text


def redacted(text: str, env: Mapping[str, str] | None = None) -> str:
    """``text`` from outside (a platform's error, as stored) as the command line prints
    it: redacted as the log is (:func:`redact`), with the secrets ``env`` gives (the
    process's environment when None). A chat platform's error is stored as it came, and
    one in a proxy's words may echo the request's token."""
    secrets = secrets_in(os.environ if env is None else env)
    return redact(text, [s for s in secrets if len(s) >= _MIN_SECRET])


def secrets_in(env: Mapping[str, str]) -> list[str]:
    """The secrets ``env`` gives storybot (see ``SECRET_ENV``)."""
    return [value.strip() for name in SECRET_ENV if (value := env.get(name, "")).strip()]


def configure_logging(
    verbosity: int, env: Mapping[str, str], stream: TextIO | None = None
) -> logging.Handler:
    """Log to ``stream`` (stderr) at ``verbosity`` (the count of ``-v``), redacted.

    Returns:
        The handler installed on the root logger.
    """
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(RedactingFormatter(FORMAT, secrets_in(env)))
    handler.addFilter(JobQueueConnectionLost(verbose=verbosity >= 1))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(logging.DEBUG if verbosity >= 2 else logging.INFO)
    for name in OURS:
        logging.getLogger(name).setLevel(logging.DEBUG if verbosity >= 1 else logging.NOTSET)
    for name in LIBRARIES:
        logging.getLogger(name).setLevel(logging.NOTSET if verbosity >= 2 else logging.WARNING)
    for name, level in QUIETER.items():
        logging.getLogger(name).setLevel(logging.NOTSET if verbosity >= 2 else level)
    return handler
