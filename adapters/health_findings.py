"""What ``storybot health``'s checks return, and the words their lines share.

A check is a :class:`Finding`: ok, a warning or a problem, and the line it prints.
Thresholds and ages are worded here once, so that every line says ``--max-age`` and how
long ago alike (:func:`shown_limit` never rounds a threshold; :func:`shown_age` rounds an
age down, so that a line never makes a threshold look crossed before it is).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from bot.duration import duration

OK, WARNING, PROBLEM = "ok", "warning", "problem"


@dataclass(frozen=True)
class Finding:
    """One check's outcome: ``status`` is ok, warning or problem."""

    check: str
    status: str
    detail: str

    def line(self) -> str:
        """``status check: detail`` on one line (a server's multi-line error joined)."""
        return f"{self.status} {self.check}: {' '.join(self.detail.split())}"


def it_or_them(n: int) -> str:
    """The pronoun for ``n`` things: "it" for one, else "them"."""
    return "it" if n == 1 else "them"


def shown_limit(span: timedelta) -> str:
    """A threshold (``--max-age``) as given: never rounded, or a line held to 2.5 min would
    say "nothing waiting for more than 2 min" while something waits 2 min 20 s. In the
    words of :func:`bot.duration.duration` where they are exact (whole minutes, under two
    days), else in the flag's own minutes ("2.5 min", "3000 min")."""
    seconds = span.total_seconds()
    if seconds % 60 == 0 and seconds < 48 * 3600:
        return duration(span)
    return f"{seconds / 60:g} min"


def shown_age(span: timedelta) -> str:
    """How long ago, or how long overdue, rounded down (see :func:`bot.duration.duration`).

    A probe's line must not make a threshold look crossed before it is: a poll 14 min 50 s
    ago is "14 min ago" beside a 15-min ``--max-age``, never "15 min ago".
    """
    return duration(span, round_down=True)
