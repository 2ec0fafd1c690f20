"""The checks of subscription owners (:mod:`bot.member_check`): one row per platform.

A run is claimed before it starts: an UPDATE whose WHERE says the last run was claimed a
period ago (or never, or it stopped on a problem and its shorter retry is over), so that
of several processes on one database (front ends started more than once, scale-out) only
the one whose UPDATE changed the row runs it. On PostgreSQL a second UPDATE of the row
waits for the first's transaction and then reads the row again (READ COMMITTED): the
period is no longer over and it changes nothing. SQLite writes one transaction at a time.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, and_, or_, select, update

from bot.model import OwnerCheckRun
from storage.base import StoreBase, affected
from storage.counters import upsert_insert
from storage.models import OwnerCheckRow

_TABLE = cast(Table, OwnerCheckRow.__table__)
_COUNTS = ("owners", "checked", "gone_users", "removed", "unchecked")


class OwnerCheckStore(StoreBase):
    def claim_owner_check(
        self, platform: str, now: datetime, every_s: float, retry_s: float
    ) -> bool:
        """See :meth:`bot.ports.Store.claim_owner_check`."""
        t = _TABLE
        due = or_(
            t.c.started_at.is_(None),
            t.c.started_at <= now - timedelta(seconds=every_s),
            and_(t.c.problem.is_not(None), t.c.started_at <= now - timedelta(seconds=retry_s)),
        )
        with self._write() as session:
            first: dict[str, Any] = {c: 0 for c in _COUNTS}
            session.execute(
                upsert_insert(session, t)
                .values(platform=platform, every_s=every_s, **first)
                .on_conflict_do_nothing()
            )
            claim = update(t).where(t.c.platform == platform, due)
            return affected(session, claim.values(started_at=now, every_s=every_s)) == 1

    def finish_owner_check(self, run: OwnerCheckRun) -> None:
        """See :meth:`bot.ports.Store.finish_owner_check`; a run claimed again since (by a
        process that took it for crashed) records nothing."""
        t = _TABLE
        values = {c: getattr(run, c) for c in _COUNTS}
        with self._write() as session:
            session.execute(
                update(t)
                .where(t.c.platform == run.platform, t.c.started_at == run.started_at)
                .values(finished_at=run.finished_at, problem=run.problem, **values)
            )

    def owner_check_runs(self) -> list[OwnerCheckRun]:
        """See :meth:`bot.ports.Store.owner_check_runs`."""
        with self._read() as session:
            rows = session.scalars(select(OwnerCheckRow).order_by(OwnerCheckRow.platform))
            return [
                OwnerCheckRun(
                    platform=r.platform,
                    started_at=r.started_at,
                    finished_at=r.finished_at,
                    every_s=r.every_s,
                    owners=r.owners,
                    checked=r.checked,
                    gone_users=r.gone_users,
                    removed=r.removed,
                    unchecked=r.unchecked,
                    problem=r.problem,
                )
                for r in rows
            ]
