"""The stored checks of subscription owners (``owner_checks``), on SQLite and PostgreSQL.

One row per platform: a run is claimed by one process a period (a run that stopped on a
problem sooner), its outcome recorded, and read back by ``storybot health``.
"""

from __future__ import annotations

import threading
from datetime import timedelta

from store_builders import T0

from bot.model import OwnerCheckRun
from storage import open_store

pytest_plugins = ["store_fixtures"]  # fixtures: db_url, store (SQLite and PostgreSQL)

DAY_S = 24 * 3600.0
HOUR_S = 3600.0


def _finished(platform: str, started, **kw) -> OwnerCheckRun:
    fields = {"finished_at": started + timedelta(minutes=2), "every_s": DAY_S}
    fields.update(kw)
    return OwnerCheckRun(platform, started, **fields)  # type: ignore[arg-type]


def test_no_run_is_stored_until_one_is_claimed(store):
    assert store.owner_check_runs() == []


def test_a_run_is_claimed_once_a_period_and_its_outcome_kept(store):
    assert store.claim_owner_check("slack", T0, DAY_S, HOUR_S) is True  # never ran
    [run] = store.owner_check_runs()
    assert (run.platform, run.started_at, run.finished_at, run.every_s) == (
        "slack",
        T0,
        None,
        DAY_S,
    )
    later = T0 + timedelta(hours=23, minutes=59)
    assert store.claim_owner_check("slack", later, DAY_S, HOUR_S) is False, "within the period"
    done = _finished("slack", T0, owners=3, checked=3, gone_users=1, removed=2)
    store.finish_owner_check(done)
    assert store.owner_check_runs() == [done]
    assert store.claim_owner_check("slack", T0 + timedelta(days=1), DAY_S, HOUR_S) is True
    [again] = store.owner_check_runs()
    assert again.started_at == T0 + timedelta(days=1)
    assert (again.finished_at, again.removed) == (done.finished_at, 2), "the last outcome kept"


def test_each_platform_has_its_own_run(store):
    assert store.claim_owner_check("slack", T0, DAY_S, HOUR_S) is True
    assert store.claim_owner_check("discord", T0, DAY_S, HOUR_S) is True
    assert [r.platform for r in store.owner_check_runs()] == ["discord", "slack"]


def test_a_run_stopped_by_a_problem_is_claimed_again_after_the_retry(store):
    assert store.claim_owner_check("slack", T0, DAY_S, HOUR_S)
    store.finish_owner_check(_finished("slack", T0, problem="users.info: missing_scope"))
    assert not store.claim_owner_check("slack", T0 + timedelta(minutes=59), DAY_S, HOUR_S)
    assert store.claim_owner_check("slack", T0 + timedelta(hours=1), DAY_S, HOUR_S)
    store.finish_owner_check(_finished("slack", T0 + timedelta(hours=1), checked=1))
    [run] = store.owner_check_runs()
    assert run.problem is None and run.checked == 1
    # working again: the next is a period on
    assert not store.claim_owner_check("slack", T0 + timedelta(hours=3), DAY_S, HOUR_S)


def test_a_run_claimed_again_meanwhile_records_nothing(store):
    """A run longer than the period, claimed again by another process: the older run's
    outcome must not pass for the newer's."""
    assert store.claim_owner_check("slack", T0, HOUR_S, HOUR_S)
    assert store.claim_owner_check("slack", T0 + timedelta(hours=1), HOUR_S, HOUR_S)
    store.finish_owner_check(_finished("slack", T0, removed=5))
    [run] = store.owner_check_runs()
    assert (run.finished_at, run.removed) == (None, 0)


def test_processes_claiming_at_once_run_it_once(db_url, store):
    """Front ends started together (scale-out, `run --no-scheduler` twice): each claims on
    a connection of its own, one gets the run."""
    stores = [open_store(db_url) for _ in range(6)]
    start = threading.Barrier(len(stores))
    got: list[bool] = []

    def claim(s) -> None:
        start.wait()
        got.append(s.claim_owner_check("slack", T0, DAY_S, HOUR_S))

    try:
        threads = [threading.Thread(target=claim, args=(s,)) for s in stores]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        for s in stores:
            s.close()
    assert sorted(got) == [False] * 5 + [True]
    assert [r.started_at for r in store.owner_check_runs()] == [T0]


def test_the_claimers_period_is_stored(store):
    """``storybot health`` judges a run by the period of the service that claimed it."""
    assert store.claim_owner_check("slack", T0, 48 * HOUR_S, HOUR_S)
    [run] = store.owner_check_runs()
    assert run.every_s == 48 * HOUR_S
