"""``storybot outbox --discard [ID ...]``: dead messages that can never be delivered go.

Before it, nothing short of SQL cleared them: ``--retry`` fails again on a deleted channel,
``prune`` deletes only delivered rows, and ``health --strict`` failed for as long as they
stayed. ``--retry ID ...`` checks its ids as ``--discard`` does: all or none.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from store_builders import write

from adapters.cli import main
from storage import open_store

pytest_plugins = ["store_fixtures"]  # db (the CLI on a SQLite file)

NOW = datetime(2026, 3, 1, tzinfo=UTC)


def _queue(db: str, dead: str, pending: str = "") -> dict[str, int]:
    """Queue a message per key (titled after it); those of ``dead`` given up on. Ids by key."""
    store = open_store(db)
    try:
        store.enqueue([write(k, title=f"Report {k}") for k in dead + pending], NOW)
        for key in dead:
            store.mark_attempt_failed(store.get_outbox(key).id, "channel_not_found", NOW, dead=True)
        return {k: store.get_outbox(k).id for k in dead + pending}
    finally:
        store.close()


def _counts(capsys) -> str:
    assert main(["outbox"]) == 0
    return capsys.readouterr().out.splitlines()[0]


def test_outbox_discard_of_ids_deletes_those_dead_messages_and_lists_them(db, capsys):
    ids = _queue(db, "ab", pending="c")
    assert main(["outbox", "--discard", f"#{ids['a']}"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines() == [
        f"discarded #{ids['a']} alert [story] to slack channel C1: 'Report a' (1 attempt) — "
        "channel_not_found",
        "1 dead message discarded; never to be sent",
    ]
    assert _counts(capsys) == "dead: 1, delivered: 0, pending: 1"


def test_outbox_discard_refuses_ids_that_are_not_dead_all_or_none(db, capsys):
    ids = _queue(db, "ab", pending="c")
    assert main(["outbox", "--discard", str(ids["a"]), str(ids["c"]), "99"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"storybot: not dead messages: #{ids['c']}, #99; nothing was discarded "
        "(storybot outbox lists the dead ones)\n"
    )
    assert _counts(capsys) == "dead: 2, delivered: 0, pending: 1"


def test_outbox_retry_refuses_ids_that_are_not_dead_all_or_none_as_discard_does(db, capsys):
    """A mistyped id among several requeued the others and said nothing of it (exit 0
    when one was dead): the operator could not tell which went."""
    ids = _queue(db, "ab", pending="c")
    assert main(["outbox", "--retry", str(ids["a"]), str(ids["c"]), "99"]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"storybot: not dead messages: #{ids['c']}, #99; nothing was retried "
        "(storybot outbox lists the dead ones)\n"
    )
    assert _counts(capsys) == "dead: 2, delivered: 0, pending: 1"
    assert main(["outbox", "--retry", str(ids["a"]), f"#{ids['b']}"]) == 0
    assert capsys.readouterr().out.startswith("2 dead messages queued again")
    assert _counts(capsys) == "dead: 0, delivered: 0, pending: 3"


def test_outbox_discard_without_ids_asks_for_yes_then_deletes_every_dead_message(db, capsys):
    _queue(db, "ab", pending="c")
    assert main(["outbox", "--discard"]) == 2
    err = capsys.readouterr().err
    assert (
        "there are 2 dead messages; run `storybot outbox --discard --yes` to delete all of them"
        in err
    )
    assert _counts(capsys) == "dead: 2, delivered: 0, pending: 1"
    assert main(["outbox", "--discard", "--yes"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "2 dead messages discarded; never to be sent"
    assert _counts(capsys) == "dead: 0, delivered: 0, pending: 1"
    assert main(["outbox", "--discard"]) == 0  # nothing dead: nothing to confirm
    assert capsys.readouterr().out == "no dead messages to discard (storybot outbox lists them)\n"


def test_outbox_yes_goes_only_with_discard(db, capsys):
    _queue(db, "a")
    assert main(["outbox", "--retry", "--yes"]) == 2
    assert "--yes goes with --discard" in capsys.readouterr().err
    assert _counts(capsys) == "dead: 1, delivered: 0, pending: 0"


def test_outbox_discard_and_retry_together_are_refused(db, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["outbox", "--discard", "--retry"])
    assert exc.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_health_strict_passes_once_the_dead_messages_are_discarded(db, capsys):
    """The point of it: a dead message to a deleted channel failed ``health --strict`` for
    good; the warning names ``--discard`` and discarding clears it."""
    ids = _queue(db, "a")
    assert main(["health", "--strict"]) == 1
    outbox = next(line for line in capsys.readouterr().out.splitlines() if "dead message" in line)
    assert "storybot outbox --discard deletes it if it can never be delivered" in outbox
    assert main(["outbox", "--discard", str(ids["a"])]) == 0
    capsys.readouterr()
    main(["health", "--strict"])
    assert "outbox" in (out := capsys.readouterr().out) and "no dead messages" in out


def test_outbox_discard_in_the_wrong_directory_creates_no_database(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("STORYBOT_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    assert main(["outbox", "--discard", "--yes"]) == 2
    assert "no database at" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
