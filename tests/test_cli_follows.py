"""``storybot follows``: channels' follows of stories, listed and removed by the operator
(a channel that was deleted or archived cannot ``/story unfollow``), run in-process on
SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest
from store_builders import T0, seed, write

from adapters.cli import main
from bot.model import DeliveryMode, Target
from storage import SqlStore

pytest_plugins = ["store_fixtures"]  # store, db_url (both databases), db (the CLI's SQLite)

GONE = Target("slack", channel_id="C0GONE")
LIVE = Target("slack", channel_id="C0LIVE")
DISCORD = Target("discord", channel_id="1234567890123456789")


@pytest.fixture
def cli(store: SqlStore, db_url: str, tmp_path, monkeypatch) -> SqlStore:
    """The CLI's environment on the test's database; the store to fill it with."""
    monkeypatch.setenv("STORYBOT_DATABASE_URL", db_url)
    monkeypatch.chdir(tmp_path)
    return store


def _follows(store: SqlStore) -> dict[str, dict[int, int]]:
    """Two stories; C0GONE follows both (its alerts given up on, one pending), C0LIVE one
    as a digest, a Discord channel the other. The stories' ids by name, with bindings."""
    pentagon = store.add_story("pentagon", "Pentagon", [seed(1)], T0)
    quake = store.add_story("quake", "Quake", [seed(2)], T0)
    b_gone = store.bind(pentagon.id, "slack", GONE.channel_id, DeliveryMode.REALTIME, 24, T0)
    b_gone2 = store.bind(quake.id, "slack", GONE.channel_id, DeliveryMode.REALTIME, 24, T0)
    store.bind(pentagon.id, "slack", LIVE.channel_id, DeliveryMode.DIGEST, 6, T0)
    store.bind(quake.id, "discord", DISCORD.channel_id, DeliveryMode.REALTIME, 24, T0)
    store.enqueue(
        [
            write(f"alert:{pentagon.id}:1:slack:C0GONE", GONE),
            write(f"alert:{pentagon.id}:2:slack:C0GONE", GONE),
            write(f"alert:{pentagon.id}:3:slack:C0GONE", GONE),  # still to deliver
            write(f"digest:{b_gone.id}:overflow", GONE),  # its overflow digest, dead too
            write(f"alert:{quake.id}:1:slack:C0GONE", GONE),  # the other story's: pending
            write(f"alert:{pentagon.id}:1:slack:C0LIVE", LIVE),  # another channel's
        ],
        T0,
    )
    for key in (
        f"alert:{pentagon.id}:1:slack:C0GONE",
        f"alert:{pentagon.id}:2:slack:C0GONE",
        f"digest:{b_gone.id}:overflow",
    ):
        entry = store.get_outbox(key)
        store.mark_attempt_failed(entry.id, "permanent: channel_not_found", T0, dead=True)
    return {"pentagon": {pentagon.id: b_gone.id}, "quake": {quake.id: b_gone2.id}}


def test_follows_lists_every_follow_with_its_given_up_and_pending_messages(cli, capsys):
    _follows(cli)
    assert main(["follows"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("4 follows in 3 channels:\n"), out
    rows = [line.strip() for line in out.splitlines() if line.startswith("  ")]
    since = "since 2026-03-05 08:00 UTC"
    assert rows == [
        f"discord:1234567890123456789\tquake\trealtime\t{since}",
        f"slack:C0GONE\tpentagon\trealtime\t{since}\t3 given up, 1 pending",
        f"slack:C0GONE\tquake\trealtime\t{since}\t1 pending",
        f"slack:C0LIVE\tpentagon\tdigest every 6 hours\t{since}\t1 pending",
    ]
    assert "storybot follows remove PLATFORM:ID [STORY]" in out
    # the way out for a channel nobody can type in, and for what it left given up
    assert "remove its follow below, then storybot outbox --discard" in out
    assert main(["follows", "list"]) == 0
    assert capsys.readouterr().out == out


def test_follows_remove_of_one_story_unfollows_it_as_story_unfollow_does(cli, capsys):
    stories = _follows(cli)
    [(pentagon, _)] = stories["pentagon"].items()
    [(quake, _)] = stories["quake"].items()
    assert main(["follows", "remove", "slack:C0GONE", "PENTAGON"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines() == [
        "removed slack:C0GONE's follow of pentagon (realtime)",
        "  its 1 message still to deliver was taken back",
        "  its 3 given-up messages stay in the outbox, the record of what failed "
        "(storybot outbox lists them; storybot outbox --discard deletes them)",
        "1 follow removed; the running service queues nothing more for slack:C0GONE of that story",
    ]
    assert [b.story_id for b in cli.bindings_for_channel("slack", "C0GONE")] == [quake]
    # what unbind takes back: the unsent alert goes, the given-up ones stay
    assert cli.get_outbox(f"alert:{pentagon}:3:slack:C0GONE") is None
    dead = {e.key for e in cli.undelivered_outbox(dead=True)}
    assert f"alert:{pentagon}:1:slack:C0GONE" in dead and len(dead) == 3
    # another channel's, and the other story's, are untouched
    assert cli.get_outbox(f"alert:{pentagon}:1:slack:C0LIVE") is not None
    assert cli.get_outbox(f"alert:{quake}:1:slack:C0GONE") is not None
    # nothing more is queued there
    cli.enqueue([write(f"alert:{pentagon}:4:slack:C0GONE", GONE)], T0 + timedelta(hours=1))
    assert cli.get_outbox(f"alert:{pentagon}:4:slack:C0GONE") is None


def test_follows_remove_without_a_story_unfollows_every_story_of_the_channel(cli, capsys):
    _follows(cli)
    assert main(["follows", "remove", "Slack:C0GONE"]) == 0
    out = capsys.readouterr().out
    assert "removed slack:C0GONE's follow of pentagon (realtime)\n" in out
    assert "removed slack:C0GONE's follow of quake (realtime)\n" in out
    assert out.endswith(
        "2 follows removed; the running service queues nothing more for slack:C0GONE of "
        "those stories\n"
    ), out
    assert cli.bindings_for_channel("slack", "C0GONE") == []
    assert len(cli.list_bindings()) == 2
    assert main(["follows"]) == 0
    assert "C0GONE" not in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["slack:C0NONE"], "storybot: slack:C0NONE follows no story; nothing was removed"),
        (["slack:c0gone"], "storybot: slack:c0gone follows no story"),  # ids keep their case
        (
            ["slack:C0LIVE", "quake"],
            "storybot: slack:C0LIVE does not follow 'quake' (it follows pentagon); nothing "
            "was removed",
        ),
        (
            ["slack:C0LIVE", "nosuch"],
            "storybot: there is no story named 'nosuch'; slack:C0LIVE does not follow 'nosuch'",
        ),
        (
            ["slack:C0LIVE", "pentagno"],
            "storybot: there is no story named 'pentagno' (did you mean 'pentagon'?); "
            "slack:C0LIVE does not follow 'pentagno' (it follows pentagon); nothing was removed",
        ),
    ],
)
def test_follows_remove_of_what_matches_nothing_exits_1_removing_nothing(cli, capsys, argv, said):
    _follows(cli)
    assert main(["follows", "remove", *argv]) == 1
    captured = capsys.readouterr()
    assert captured.err.startswith(said), captured.err
    assert captured.out == ""
    assert len(cli.list_bindings()) == 4


@pytest.mark.parametrize("channel", ["C0GONE", "teams:C1", "slack:", "slack:C1 C2"])
def test_follows_remove_wants_platform_and_id(db, capsys, channel):
    with pytest.raises(SystemExit) as exc:
        main(["follows", "remove", channel])
    assert exc.value.code == 2
    assert f"not a channel: {channel!r} (give PLATFORM:ID" in capsys.readouterr().err


def test_follows_of_no_follows_says_so(cli, capsys):
    assert main(["follows"]) == 0
    assert capsys.readouterr().out.startswith("no channel follows a story")


@pytest.mark.parametrize("argv", [["follows"], ["follows", "remove", "slack:C1"]])
def test_follows_where_there_is_no_database_exits_2_and_creates_none(db, tmp_path, capsys, argv):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert f"no database at {tmp_path / 'cli.db'}" in err, err
    assert not (tmp_path / "cli.db").exists()
