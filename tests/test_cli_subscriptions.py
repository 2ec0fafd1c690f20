"""``storybot subscriptions``: the operator's view of users' keyword subscriptions, run
in-process against a real SQLite file."""

from __future__ import annotations

from datetime import timedelta

import pytest
from store_builders import T0
from storyworld import seeds_dir

from adapters.cli import main
from bot.matcher import SubscriptionIndex
from storage import open_store

pytest_plugins = ["store_fixtures"]  # db (the CLI on a SQLite file)


def _fill(db: str, held: dict[tuple[str, str], int]) -> dict[tuple[str, str], list[int]]:
    """Store ``n`` subscriptions for each (platform, user); their ids by user."""
    store = open_store(db)
    ids: dict[tuple[str, str], list[int]] = {}
    try:
        for (platform, user), n in held.items():
            for i in range(n):
                sub = store.add_subscription(platform, user, f"word{i}", None, T0 + timedelta(i))
                ids.setdefault((platform, user), []).append(sub.id)
    finally:
        store.close()
    return ids


def _held(db: str) -> dict[tuple[str, str], list[int]]:
    store = open_store(db)
    try:
        out: dict[tuple[str, str], list[int]] = {}
        for s in store.all_subscriptions():
            out.setdefault((s.platform, s.user_id), []).append(s.id)
        return out
    finally:
        store.close()


@pytest.mark.parametrize(
    "argv",
    [
        ["subscriptions"],
        ["subscriptions", "list", "--limit", "5"],
        ["subscriptions", "--user", "slack:U1"],
        ["subscriptions", "remove", "--user", "slack:U1", "--yes"],
        ["subscriptions", "remove", "3"],
    ],
)
def test_subscriptions_where_there_is_no_database_exits_2_and_creates_none(
    db, tmp_path, capsys, argv
):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert f"no database at {tmp_path / 'cli.db'}" in err and err.count("\n") == 1, err
    assert not (tmp_path / "cli.db").exists()


def test_subscriptions_counts_them_against_the_cap_and_names_who_holds_the_most(db, capsys):
    _fill(db, {("discord", "666"): 100, ("slack", "U1"): 3, ("slack", "U2"): 5})
    assert main(["subscriptions"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(
        "108 subscriptions of at most 10,000 ([permissions] max_subscriptions), held by "
        "3 users (at most 100 a person)\n"
    ), out
    rows = [line.strip() for line in out.splitlines() if line.startswith("  ")]
    assert rows == [
        "discord\t666\t100\t(the most a person may have)",
        "slack\tU2\t5",
        "slack\tU1\t3",
    ]
    assert main(["subscriptions", "list", "--limit", "1"]) == 0
    out = capsys.readouterr().out
    assert "users holding the most, the top 1 (--limit shows more):" in out
    assert "discord\t666\t100" in out and "U2" not in out
    assert main(["subscriptions", "--limit", "0"]) == 2
    assert "--limit must be a whole number from 1 to 10000" in capsys.readouterr().err


def test_subscriptions_of_an_empty_database_and_with_no_cap(db, tmp_path, capsys):
    open_store(db).close()
    assert main(["subscriptions"]) == 0
    assert capsys.readouterr().out == (
        "0 subscriptions of at most 10,000 ([permissions] max_subscriptions), held by 0 users "
        "(at most 100 a person)\n"
    )
    config = tmp_path / "nocap.toml"
    config.write_text("[permissions]\nmax_subscriptions = 0\n", encoding="utf-8")
    assert main(["--config", str(config), "subscriptions"]) == 0
    assert "(no cap: [permissions] max_subscriptions = 0)" in capsys.readouterr().out


def test_subscriptions_user_lists_that_users_with_story_and_creation_time(db, capsys):
    seed = str(sorted(seeds_dir().glob("*.txt"))[0])
    assert main(["story", "add", "pentagon", "--seed", seed]) == 0
    store = open_store(db)
    story = store.list_stories()[0]
    first = store.add_subscription("slack", "U1", "supply  chain", None, T0)
    second = store.add_subscription("slack", "U1", "openai", story.id, T0 + timedelta(hours=1))
    store.add_subscription("slack", "U2", "other", None, T0)
    store.close()
    capsys.readouterr()
    # the platform in any case; `list` says the same
    for argv in (
        ["subscriptions", "--user", "Slack:U1"],
        ["subscriptions", "list", "--user", "slack:U1"],
    ):
        assert main(argv) == 0
        assert capsys.readouterr().out.splitlines() == [
            "slack user U1 has 2 subscriptions:",
            f"  #{first.id}\t'supply chain'\tall stories\tcreated 2026-03-05 08:00 UTC",
            f"  #{second.id}\t'openai'\tstory pentagon\tcreated 2026-03-05 09:00 UTC",
        ]
    assert main(["subscriptions", "--user", "slack:u1"]) == 0  # IDs keep their case
    assert capsys.readouterr().out == "slack user u1 has no subscriptions\n"


@pytest.mark.parametrize("user", ["slack", "slack:", "teams:U1", ":U1", "slack:U 1"])
def test_subscriptions_user_must_be_platform_and_id(db, capsys, user):
    with pytest.raises(SystemExit) as exc:
        main(["subscriptions", "--user", user])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert f"not a user: {user!r} (give PLATFORM:ID, PLATFORM one of slack, discord, console" in err


def test_remove_by_user_is_refused_without_yes_saying_how_many(db, capsys):
    _fill(db, {("discord", "666"): 40, ("slack", "U1"): 2})
    assert main(["subscriptions", "remove", "--user", "discord:666"]) == 2
    captured = capsys.readouterr()
    assert (
        "discord user 666 has 40 subscriptions; run `storybot subscriptions remove --user "
        "discord:666 --yes` to remove all of them (the user is told by direct message; "
        "--quiet: not told)"
    ) in captured.err
    assert captured.out == ""
    assert len(_held(db)[("discord", "666")]) == 40


def test_remove_by_user_removes_all_of_theirs_and_no_one_elses(db, capsys):
    ids = _fill(db, {("discord", "666"): 40, ("slack", "U1"): 2})
    # --user given before the action is the same user
    assert main(["subscriptions", "--user", "discord:666", "remove", "--yes"]) == 0
    out = capsys.readouterr().out
    assert out.count("removed discord user 666's #") == 40
    assert out.endswith(
        "40 subscriptions removed; the running service matches without them from its next "
        "batch; its user is told by direct message\n"
    )
    assert _held(db) == {("slack", "U1"): ids[("slack", "U1")]}
    assert main(["subscriptions", "remove", "--user", "discord:666", "--yes"]) == 1
    assert "discord user 666 has no subscriptions" in capsys.readouterr().err


def test_remove_by_ids_and_an_unknown_id_removes_nothing(db, capsys):
    ids = _fill(db, {("discord", "666"): 3, ("slack", "U1"): 2})
    a, b, c = ids[("discord", "666")]
    u1 = ids[("slack", "U1")]
    assert main(["subscriptions", "remove", str(a), "999"]) == 1
    captured = capsys.readouterr()
    assert captured.err == (
        "storybot: no subscription #999; nothing was removed "
        "(storybot subscriptions --user PLATFORM:ID lists a user's)\n"
    )
    assert len(_held(db)[("discord", "666")]) == 3, "all or none"
    assert main(["subscriptions", "remove", f"#{a}", str(c), str(u1[0])]) == 0
    out = capsys.readouterr().out
    assert f"removed discord user 666's #{a}\t'word0'\tall stories" in out
    assert f"removed slack user U1's #{u1[0]}\t'word0'" in out
    assert out.endswith(
        "3 subscriptions removed; the running service matches without them from its next "
        "batch; their 2 users are told by direct message\n"
    )
    assert _held(db) == {("discord", "666"): [b], ("slack", "U1"): [u1[1]]}


@pytest.mark.parametrize(
    ("argv", "shown"),
    [
        (["subscriptions", "remove"], "say which: storybot subscriptions remove --user"),
        (["subscriptions", "remove", "--user", "slack:U1", "3"], "give either --user"),
        (["subscriptions", "--limit", "5", "remove", "3"], "--limit is for listing"),
    ],
)
def test_remove_says_what_it_needs(db, capsys, argv, shown):
    _fill(db, {("slack", "U1"): 1})
    assert main(argv) == 2
    assert shown in capsys.readouterr().err
    assert _held(db) == {("slack", "U1"): [1]}


@pytest.mark.parametrize("text", ["0", "-3", "x", "1_2", "#", str(2**31)])
def test_remove_refuses_what_no_subscription_id_can_be(db, capsys, text):
    with pytest.raises(SystemExit) as exc:
        main(["subscriptions", "remove", "--", text])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert f"argument ID: not a subscription id: {text!r}" in err and "Traceback" not in err


def test_a_running_services_index_matches_without_what_the_cli_removed(db, capsys):
    """The service is another process: its index finds the removal by itself, at the
    next batch (``subscriptions_version``), without ``on_subscriptions_changed``."""
    _fill(db, {("discord", "666"): 2, ("slack", "U1"): 1})
    service = open_store(db)
    try:
        index = SubscriptionIndex()  # max_age 5 min: the version alone must tell
        matcher, subs = index.current(service, T0)
        assert len(subs) == 3 and len(matcher) == 3
        assert main(["subscriptions", "remove", "--user", "discord:666", "--yes"]) == 0
        matcher, subs = index.current(service, T0 + timedelta(seconds=1))
        assert [(s.platform, s.user_id) for s in subs.values()] == [("slack", "U1")]
        assert len(matcher) == 1
    finally:
        service.close()


def _dms(db: str) -> dict[tuple[str, str], str]:
    """The direct messages queued, by (platform, user): their body."""
    store = open_store(db)
    try:
        return {
            (e.target.platform, e.target.user_id or ""): e.message.body
            for e in store.undelivered_outbox(dead=False, limit=100)
            if e.target.user_id
        }
    finally:
        store.close()


def test_remove_by_user_tells_the_user_once_by_dm(db, capsys):
    ids = _fill(db, {("slack", "U1"): 5, ("slack", "U2"): 1})
    assert main(["subscriptions", "remove", "--user", "slack:U1", "--yes"]) == 0
    out = capsys.readouterr().out
    assert "5 subscriptions removed" in out and "told by direct message" in out, out
    shown = ", ".join(f"#{i} word{n}" for n, i in enumerate(ids[("slack", "U1")][:3]))
    assert _dms(db) == {
        (
            "slack",
            "U1",
        ): f"An operator of this storybot removed your subscriptions {shown} and 2 more."
    }


def test_remove_by_ids_tells_each_user_once(db, capsys):
    ids = _fill(db, {("slack", "U1"): 2, ("discord", "666"): 1, ("slack", "U2"): 1})
    gone = [*ids[("slack", "U1")], *ids[("discord", "666")]]
    assert main(["subscriptions", "remove", *map(str, gone)]) == 0
    dms = _dms(db)
    assert sorted(dms) == [("discord", "666"), ("slack", "U1")], dms
    assert dms[("discord", "666")] == (
        f"An operator of this storybot removed your subscription #{ids[('discord', '666')][0]} word0."
    )


@pytest.mark.parametrize(
    "argv", [["--user", "slack:U1", "--yes", "--quiet"], ["--quiet", "ALL_IDS"]]
)
def test_remove_quiet_tells_nobody(db, capsys, argv):
    ids = _fill(db, {("slack", "U1"): 2})
    argv = [
        a for arg in argv for a in (map(str, ids[("slack", "U1")]) if arg == "ALL_IDS" else [arg])
    ]
    assert main(["subscriptions", "remove", *argv]) == 0
    out = capsys.readouterr().out
    assert "2 subscriptions removed" in out and "not told (--quiet)" in out, out
    assert _held(db) == {} and _dms(db) == {}
