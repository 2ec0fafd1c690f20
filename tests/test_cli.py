"""The ``storybot`` command line, run in-process against a real SQLite file."""

from __future__ import annotations

import argparse
import gc
import io
import os
import re
import socket
import sqlite3
import subprocess
import sys

import pytest
from checkout import code_env
from feedserver import feed_server  # noqa: F401  (fixture)
from service_in_process import Run, run_stopped_once_started
from store_builders import T0
from storyworld import TIMELINE, as_entry, feed_of, samples, seeds_dir

from adapters.cli import main
from adapters.cli_parser import build_parser
from bot.model import DeliveryMode
from storage import open_store

pytest_plugins = ["store_fixtures"]  # db (the CLI on a SQLite file), pg_database


def seeds() -> list[str]:
    out = []
    for p in sorted(seeds_dir().glob("*.txt")):
        out += ["--seed", str(p)]
    return out


def test_story_add_list_and_duplicate(db, capsys):
    assert main(["story", "add", "pentagon", *seeds()]) == 0
    out = capsys.readouterr().out
    assert "seed 5/5" in out and "created story 'pentagon'" in out
    assert main(["story", "list"]) == 0
    assert "pentagon\tAnthropic Reopens Pentagon Negotiations" in capsys.readouterr().out
    assert main(["story", "add", "pentagon", *seeds()]) == 2
    assert "already exists" in capsys.readouterr().err
    # /story status finds a story whatever the case: a name differing only in case is taken
    assert main(["story", "add", "Pentagon", *seeds()]) == 2
    captured = capsys.readouterr()
    assert "a story named 'pentagon' already exists" in captured.err
    assert "seed 1/5" not in captured.out, "refused before any seed is read"


def test_story_add_refuses_a_name_users_could_not_type(db, capsys):
    assert main(["story", "add", "Bad Name!", *seeds()]) == 2
    err = capsys.readouterr().err
    assert "'Bad Name!' is not a valid story name" in err and "e.g. anthropic-pentagon" in err
    assert main(["story", "list"]) == 2  # refused before a database was made
    assert "no database at" in capsys.readouterr().err
    open_store(db).close()
    assert main(["story", "add", "Bad Name!", *seeds()]) == 2
    main(["story", "list"])
    assert "no stories yet" in capsys.readouterr().out


def test_story_remove_of_an_unknown_story_lists_the_known_ones(db, capsys):
    open_store(db).close()  # an empty database (with none, "no database at": see below)
    assert main(["story", "remove", "nosuch"]) == 2
    assert "there is no story named 'nosuch'; there are no stories yet" in capsys.readouterr().err
    main(["story", "add", "pentagon", *seeds()])
    capsys.readouterr()
    assert main(["story", "remove", "nosuch"]) == 2
    assert "there is no story named 'nosuch'; known stories: pentagon" in capsys.readouterr().err


@pytest.mark.parametrize(
    "typed",
    [
        "antropic-pentagon",
        "anthropic_pentagon",
        "anthropicpentagon",
        "Antropic-Pentagon",
        "anthropic",
    ],
)
def test_a_story_name_close_to_a_known_one_says_which_was_probably_meant(db, capsys, typed):
    # a typo, "_" for "-", a hyphen missing: the known stories were listed, not the one
    # meant; one word of the name ("anthropic") is too short to be close by edit distance
    seed = ["--seed", str(sorted(seeds_dir().glob("*.txt"))[0])]
    for name in ("anthropic-pentagon", "iran-deal"):
        assert main(["story", "add", name, *seed]) == 0
    capsys.readouterr()
    assert main(["story", "export", typed]) == 2
    assert (
        f"there is no story named '{typed}' (did you mean 'anthropic-pentagon'?); "
        "known stories: anthropic-pentagon, iran-deal"
    ) in capsys.readouterr().err
    assert main(["story", "remove", "gaza"]) == 2  # nothing close: no guess
    err = capsys.readouterr().err
    assert "there is no story named 'gaza'; known stories: " in err and "did you mean" not in err


def test_a_story_name_typed_apart_after_a_story_names_the_story_meant(db, capsys):
    # "anthropic" a story, and "anthropic pentagon" the words of another: argparse said
    # "unrecognized arguments: pentagon", without the story meant
    seed = ["--seed", str(sorted(seeds_dir().glob("*.txt"))[0])]
    for name in ("anthropic", "anthropic-pentagon"):
        assert main(["story", "add", name, *seed]) == 0
    store = open_store(db)
    anthropic = store.get_story("anthropic")
    store.bind(anthropic.id, "slack", "C1", DeliveryMode.REALTIME, 24, T0)
    capsys.readouterr()
    for argv, command in (
        (["story", "remove", "anthropic", "pentagon", "--yes"], "story remove"),
        (["story", "remove", "--yes", "anthropic", "Pentagon"], "story remove"),
        (["follows", "remove", "slack:C1", "anthropic", "pentagon"], "follows remove"),
    ):
        assert main(argv) == 2, argv
        typed = " ".join(argv[-3:-1] if argv[-1] == "--yes" else argv[-2:])
        assert capsys.readouterr().err == (
            f"storybot: error: {command} takes one story name, not '{typed}' "
            "(did you mean 'anthropic-pentagon'?)\n"
        ), argv
    assert main(["story", "remove", "anthropic", "gaza"]) == 2  # nothing meant: the stories
    assert capsys.readouterr().err == (
        "storybot: error: story remove takes one story name, not 'anthropic gaza'; "
        "known stories: anthropic, anthropic-pentagon\n"
    )
    assert [s.name for s in store.list_stories()] == ["anthropic", "anthropic-pentagon"]
    assert len(store.bindings_for_channel("slack", "C1")) == 1
    store.close()
    # export only reads: the words that spell one story are that story, as /story status
    assert main(["story", "export", "anthropic", "pentagon"]) == 0
    assert "Story `anthropic-pentagon`" in capsys.readouterr().out
    assert main(["story", "export", "anthropic", "gaza"]) == 2
    assert "export takes one story name, not 'anthropic gaza'" in capsys.readouterr().err
    # a word no command takes is still argparse's
    with pytest.raises(SystemExit) as exc:
        main(["story", "list", "pentagon"])
    assert exc.value.code == 2
    assert "storybot story list: error: unrecognized arguments: pentagon" in capsys.readouterr().err


def test_story_remove_of_an_unknown_story_lists_twenty_names_then_counts(db, capsys):
    seed = ["--seed", str(sorted(seeds_dir().glob("*.txt"))[0])]
    for n in range(22):
        assert main(["story", "add", f"s{n:02d}", *seed]) == 0
    capsys.readouterr()
    assert main(["story", "remove", "nosuch"]) == 2
    err = capsys.readouterr().err
    assert "known stories: s00, s01," in err and "s19 and 2 more (`storybot story list`)" in err
    assert "s20" not in err


def _config_story(tmp_path, name: str):
    path = tmp_path / "stories.toml"
    seed_list = ", ".join(f"'{p}'" for p in sorted(seeds_dir().glob("*.txt")))
    path.write_text(f"[[stories]]\nname = '{name}'\nseeds = [{seed_list}]\n")
    return str(path)


def test_config_story_with_a_bad_name_is_a_config_error(db, tmp_path, capsys):
    open_store(db).close()  # a reading command adds the config's stories to a database that exists
    config = _config_story(tmp_path, "Bad Name!")
    assert main(["--config", config, "story", "list"]) == 2
    err = capsys.readouterr().err
    assert f"{config}: [[stories]] 'Bad Name!' is not a valid story name" in err


def test_a_config_story_seed_with_a_date_line_that_gives_no_date_is_a_config_error(
    db, tmp_path, capsys
):
    (tmp_path / "seed.txt").write_text("date 2026-3-5\nHarbour closes\n\nIt closed.\n")
    config = tmp_path / "stories.toml"
    config.write_text("[[stories]]\nname = 'harbour'\nseeds = ['seed.txt']\n")
    open_store(db).close()
    assert main(["--config", str(config), "story", "list"]) == 2
    assert capsys.readouterr().err == (
        f"storybot: error: {config}: [[stories]] 'harbour': seed file {tmp_path}/seed.txt: "
        'line 1: "date 2026-3-5" is not a date (write "date YYYY-MM-DD", e.g. "date 2026-03-05") '
        "(seed paths are relative to the config file)\n"
    )
    assert main(["story", "list"]) == 0  # nothing was added
    assert "no stories yet" in capsys.readouterr().out


def test_a_config_feed_on_a_host_the_poller_refuses_is_a_config_error(db, tmp_path, capsys):
    config = tmp_path / "feeds.toml"
    config.write_text('[feeds]\nurls = ["http://127.0.0.2/feed.xml"]\n', encoding="utf-8")
    open_store(db).close()
    assert main(["--config", str(config), "feeds", "list"]) == 2
    err = capsys.readouterr().err
    assert f"{config}: [feeds] http://127.0.0.2/feed.xml: " in err and "loopback" in err
    assert main(["feeds", "list"]) == 0  # nothing was added
    assert "no feeds yet" in capsys.readouterr().out


def test_config_feeds_are_stored_in_one_spelling(db, tmp_path, capsys):
    config = tmp_path / "feeds.toml"
    config.write_text(
        '[feeds]\nurls = ["HTTP://127.0.0.1:80/f.xml", "http://127.0.0.1/f.xml#top"]\n',
        encoding="utf-8",
    )
    open_store(db).close()
    assert main(["--config", str(config), "feeds", "list"]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("#")]
    assert len(rows) == 1 and "\thttp://127.0.0.1/f.xml\t" in rows[0]


def test_a_config_story_differing_only_in_case_is_the_stored_one(db, tmp_path, capsys):
    store = open_store(db)
    store.add_story("pentagon", "Stored", [], T0)
    store.close()
    assert main(["--config", _config_story(tmp_path, "Pentagon"), "story", "list"]) == 0
    out = capsys.readouterr().out
    assert "pentagon\tStored" in out and "Pentagon\t" not in out


def test_a_story_stored_before_names_were_checked_is_left_alone(db, tmp_path, capsys):
    store = open_store(db)
    store.add_story("Old Name", "Old", [], T0)
    store.close()
    assert main(["--config", _config_story(tmp_path, "Old Name"), "story", "list"]) == 0
    assert "Old Name\tOld" in capsys.readouterr().out
    assert main(["story", "remove", "Old Name"]) == 0


def test_story_add_with_a_missing_seed_file_is_a_clear_error(db, capsys):
    assert main(["story", "add", "x", "--seed", "/no/such/file.txt"]) == 2
    assert "/no/such/file.txt" in capsys.readouterr().err


def test_feeds_add_list_remove(db, capsys):
    assert main(["feeds", "add", "https://feeds.example/a.xml"]) == 0
    assert main(["feeds", "add", "notaurl"]) == 2
    assert main(["feeds", "list"]) == 0
    assert "new\thttps://feeds.example/a.xml" in capsys.readouterr().out
    assert main(["feeds", "remove", "https://feeds.example/a.xml"]) == 0
    assert main(["feeds", "remove", "https://feeds.example/a.xml"]) == 1


def test_feeds_add_list_and_remove_hide_a_key_in_the_url_as_chat_does(db, capsys):
    # the /story commands showed `https://user:***@…`, the CLI the password itself: a
    # terminal's scrollback, cron mail and a pasted issue report keep what it prints
    url = "https://user:s3cret@feeds.example/a.xml?apikey=K3Y"
    shown = "https://user:***@feeds.example/a.xml?apikey=***"
    assert main(["feeds", "add", url]) == 0
    assert main(["feeds", "add", url]) == 0  # "already polled: …"
    assert main(["feeds", "list"]) == 0
    assert main(["feeds", "remove", shown]) == 0  # the URL as listed names the feed
    assert main(["feeds", "remove", url]) == 1  # "not a polled feed: …" on stderr
    captured = capsys.readouterr()
    assert "s3cret" not in captured.out + captured.err
    assert "K3Y" not in captured.out + captured.err
    assert captured.out.count(shown) == 4, captured.out
    assert f"not a polled feed: {shown}" in captured.err


def test_poll_once_and_feeds_list_hide_a_key_in_a_failed_feeds_url(db, capsys):
    url = "http://user:s3cret@127.0.0.1:1/a.xml?token=K3Y"  # nothing listens on port 1
    assert main(["feeds", "add", url]) == 0
    assert main(["poll", "--once"]) == 1
    assert main(["feeds", "list"]) == 0
    out = capsys.readouterr().out
    assert "s3cret" not in out and "K3Y" not in out, out
    assert "  failed: http://user:***@127.0.0.1:1/a.xml?token=***: " in out
    assert "\terror\thttp://user:***@127.0.0.1:1/a.xml?token=***\t" in out


def test_feeds_remove_with_an_unknown_feed_removes_none_of_them(db, capsys):
    """All or none, as ``subscriptions remove`` and ``outbox --retry`` take their ids: it
    removed #1, then said "not a polled feed: #99" (no "storybot:") and exited 1."""
    a, b = "https://feeds.example/a.xml", "https://feeds.example/b.xml"
    assert main(["feeds", "add", a, b]) == 0
    capsys.readouterr()
    assert main(["feeds", "remove", "#1", "#99"]) == 1
    assert capsys.readouterr() == (
        "",
        "storybot: not a polled feed: #99; nothing was removed (storybot feeds list lists them)\n",
    )
    assert main(["feeds", "remove", "#98", b, "https://nope.example/x.xml"]) == 1
    assert capsys.readouterr().err == (
        "storybot: not polled feeds: #98, https://nope.example/x.xml; nothing was removed "
        "(storybot feeds list lists them)\n"
    )
    assert main(["feeds", "list"]) == 0
    assert a in (listed := capsys.readouterr().out) and b in listed
    # a feed named twice (by number and URL) is removed once, and no longer "not polled"
    assert main(["feeds", "remove", "#1", a, "2"]) == 0
    assert capsys.readouterr() == ("removed " + a + "\nremoved " + b + "\n", "")


def test_feeds_remove_prints_the_stored_url_of_a_feed_typed_another_way(db, capsys):
    assert main(["feeds", "add", "HTTP://Feeds.Example:80/a.xml"]) == 0
    assert main(["feeds", "remove", "http://FEEDS.EXAMPLE/a.xml"]) == 0
    assert "removed http://feeds.example/a.xml\n" in capsys.readouterr().out


@pytest.mark.parametrize(
    "url", ["http://", "http://exa mple.com/rss", "https://example.com:99999/", "http:///path"]
)
def test_feeds_add_refuses_a_broken_url_and_adds_nothing(db, tmp_path, capsys, url):
    assert main(["feeds", "add", "http://127.0.0.1:1/ok.xml", url]) == 2
    err = capsys.readouterr().err
    assert f"error: '{url}' is not a valid feed URL" in err and err.count("\n") == 1
    assert not (tmp_path / "cli.db").exists()  # refused before the database was created
    open_store(db).close()
    main(["feeds", "list"])
    assert "no feeds yet" in capsys.readouterr().out


def test_feeds_add_refuses_a_private_host_as_the_poller_would(db, capsys):
    assert main(["feeds", "add", "http://10.0.0.1/rss"]) == 2
    assert (
        "error: refused: 10.0.0.1 is a private-network address; feeds, seed URLs and linked "
        "pages must be on the public internet"
    ) in capsys.readouterr().err
    # STORYBOT_ALLOWED_HOSTS (127.0.0.1 here) lets a local feed through, as it does at polls
    assert main(["feeds", "add", "http://127.0.0.1:1/a.xml"]) == 0


def test_feeds_add_resolves_each_host_once(db, monkeypatch):
    asked: list[str] = []

    def resolver(host, port, family=0, type=0, proto=0, flags=0):  # the system's, counting
        asked.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port or 443))]

    monkeypatch.setattr(socket, "getaddrinfo", resolver)
    assert main(["feeds", "add", "https://a.example/x.xml", "https://b.example/y.xml"]) == 0
    assert sorted(asked) == ["a.example", "b.example"]


def test_ask_answers_one_command(db, capsys):
    main(["story", "add", "pentagon", *seeds()])
    capsys.readouterr()
    assert main(["ask", "status"]) == 0
    assert "(pentagon)" in capsys.readouterr().out
    assert main(["ask", "status", "nosuch"]) == 1
    assert "error: There is no story named 'nosuch'" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("why", "error: Usage: /story why <item url>"),
        ("frobnicate", "Unknown command 'frobnicate'"),
    ],
)
def test_ask_used_wrongly_exits_2(db, capsys, text, shown):
    open_store(db).close()  # `ask why` only reads: it needs an existing database
    assert main(["ask", text]) == 2
    assert shown in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "before"),
    [
        (["ask", "status", "--config", "prod.toml"], "storybot ask --config prod.toml status ..."),
        (
            ["ask", "subscriptions", "--config=prod.toml"],
            "storybot ask --config prod.toml subscriptions ...",
        ),
        (["ask", "status", "--verbose"], "storybot ask -v status ..."),
    ],
)
def test_ask_with_a_global_option_after_its_words_says_to_put_it_before_them(
    db, tmp_path, capsys, argv, before
):
    # README: --config and -v may come after the command; after `ask` only before the
    # /story command's words: no /story command takes them, and "`status` does not take
    # 'prod.toml'" said nothing of that
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert f"goes before the /story command ({before})" in err, err
    assert not (tmp_path / "cli.db").exists()


@pytest.mark.parametrize(
    ("text", "before"),
    [
        ("-v help", "-v goes before the /story command, outside its quotes (storybot ask -v help)"),
        (
            "-vv status pentagon",
            "-vv goes before the /story command, outside its quotes "
            "(storybot ask -vv 'status pentagon')",
        ),
        (
            "--verbose help",
            "--verbose goes before the /story command, outside its quotes (storybot ask -v help)",
        ),
        (
            "--config prod.toml status",
            "--config goes before the /story command, outside its quotes "
            "(storybot ask --config prod.toml status)",
        ),
        (
            "--config=prod.toml status",
            "--config goes before the /story command, outside its quotes "
            "(storybot ask --config prod.toml status)",
        ),
        (
            "--config=prod.toml status pentagon",
            "--config goes before the /story command, outside its quotes "
            "(storybot ask --config prod.toml 'status pentagon')",
        ),
    ],
)
@pytest.mark.parametrize("dashes", [[], ["--"]], ids=["alone", "after-dashes"])
def test_ask_of_a_command_quoted_whole_that_begins_with_an_option_says_to_put_it_outside(
    db, tmp_path, capsys, text, before, dashes
):
    # `storybot ask "-v help"` was argparse's "argument -v/--verbose: ignored explicit
    # argument ' help'"; no /story command starts with '-', so the option is storybot's.
    # "--config=prod.toml status" was --config given the path "prod.toml status", and then
    # "the /story command is missing"
    with pytest.raises(SystemExit) as exc:
        main(["ask", *dashes, text])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert before in err, err
    assert "explicit argument" not in err and "missing" not in err
    assert not (tmp_path / "cli.db").exists()


@pytest.mark.parametrize(
    ("words", "before"),
    [
        (["-v", "help"], "-v goes before the /story command (storybot ask -v help)"),
        (
            ["--config=prod.toml", "status", "pentagon"],
            "--config goes before the /story command (storybot ask --config prod.toml "
            "status pentagon)",
        ),
        (
            ["--config", "prod.toml", "status"],
            "--config goes before the /story command (storybot ask --config prod.toml status)",
        ),
    ],
)
def test_ask_of_a_command_after_dashes_that_begins_with_an_option_shows_all_its_words(
    db, tmp_path, capsys, words, before
):
    # `storybot ask -- -v help` said "-v goes before the /story command, outside its quotes
    # (storybot ask -v ...)": there were no quotes, and the command's words were lost
    with pytest.raises(SystemExit) as exc:
        main(["ask", "--", *words])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert before in err and "quotes" not in err, err
    assert not (tmp_path / "cli.db").exists()


@pytest.mark.parametrize(
    ("argv", "example"),
    [
        (["ask", "--config=prod.toml"], 'storybot ask --config prod.toml "status"'),
        (["ask", "--config", "prod.toml"], 'storybot ask --config prod.toml "status"'),
        (["ask", "-vv"], 'storybot ask -vv "status"'),
        (["ask"], 'storybot ask "status"'),
    ],
)
def test_ask_without_a_command_shows_one_after_the_options_given(
    db, tmp_path, capsys, argv, example
):
    # `storybot ask "--config=prod.toml"` is the same argv as the option unquoted: the
    # command is missing either way, and the example now keeps the option before it
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert f"error: the /story command is missing, e.g. {example}\n" in err, err
    assert not (tmp_path / "cli.db").exists()


def test_ask_with_a_config_path_holding_a_blank_and_no_command_says_the_command_is_missing(
    db, tmp_path, capsys
):
    # a file of that name exists, so the blank is the path's: not the command quoted whole
    (tmp_path / "my settings.toml").write_text("")
    with pytest.raises(SystemExit) as exc:
        main(["ask", "--config=my settings.toml"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "the /story command is missing, e.g. storybot ask --config 'my settings.toml'" in err


def test_ask_of_a_command_quoted_whole_that_begins_with_a_dash_is_the_commands_text(
    db, tmp_path, capsys
):
    # "-h status" was -h given the value " status" (a usage error); it is a /story command,
    # answered as `storybot chat` answers it: no such command, and the list of them
    assert main(["ask", "-h status"]) == 2
    out = capsys.readouterr().out
    assert "Unknown command '-h'" in out and "/story status" in out
    assert not (tmp_path / "cli.db").exists()


@pytest.mark.parametrize("argv", [["ask", "-pentagon"], ["ask", "-v", "-x"]])
def test_ask_of_an_unknown_flag_alone_names_it_not_a_missing_command(db, capsys, argv):
    # it said "the /story command is missing", as if nothing had been given
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert f"error: unrecognized argument {argv[-1]}\n" in err and "missing" not in err, err


def test_poll_once_exits_1_when_every_polled_feed_failed(db, capsys, feed_server):
    feed_server.add_status("/dead.xml", 404)
    feed_server.add_status("/gone.xml", 500)
    main(["feeds", "add", feed_server.url("/dead.xml"), feed_server.url("/gone.xml")])
    capsys.readouterr()
    assert main(["poll", "--once"]) == 1
    assert "polled 2 feeds (0 ok, 0 unchanged, 2 failed)" in capsys.readouterr().out


def test_poll_once_polls_due_feeds_and_reports(db, capsys, feed_server):
    main(["story", "add", "pentagon", *seeds()])
    item = next(i for i in samples("development"))
    feed_server.add_feed("/a.xml", feed_of(as_entry(item), as_entry(samples("unrelated")[0], 1)))
    feed_server.add_status("/dead.xml", 404)
    main(["feeds", "add", feed_server.url("/a.xml"), feed_server.url("/dead.xml")])
    capsys.readouterr()

    assert main(["poll", "--once"]) == 0
    out = capsys.readouterr().out
    assert "polled 2 feeds (1 ok, 0 unchanged, 1 failed); 2 new items, 1 on-topic" in out
    assert "failed: " + feed_server.url("/dead.xml") in out
    assert main(["story", "list"]) == 0
    assert capsys.readouterr().out.endswith("\t1 report\n")  # one, in the singular

    assert main(["poll", "--once"]) == 0
    assert "no feeds are due" in capsys.readouterr().out


def test_poll_once_says_where_the_alerts_it_queued_go(db, capsys, feed_server):
    # "1 alert queued", and then nothing: a first `poll --once` left people wondering
    # where the alert went (it waits in the outbox for `run` or `poll --once --deliver`)
    main(["story", "add", "pentagon", *seeds()])
    entries = [as_entry(item, n) for n, item in enumerate(TIMELINE["items"])]
    feed_server.add_feed("/a.xml", feed_of(*entries))
    main(["feeds", "add", feed_server.url("/a.xml")])
    capsys.readouterr()
    assert main(["poll", "--once"]) == 0
    out = capsys.readouterr().out
    assert "3 new developments, 3 alerts queued" in out, out
    assert out.endswith(
        "\n  the alerts wait in the outbox: `storybot run` posts them, "
        "`storybot poll --once --deliver` prints them here\n"
    ), out
    assert main(["poll", "--once", "--all", "--deliver"]) == 0
    out = capsys.readouterr().out
    assert "waits in the outbox" not in out and "== NEW DEVELOPMENT [pentagon]" in out, out


def test_poll_once_says_where_the_alert_edits_it_queued_go(db, capsys, feed_server):
    # a cycle that only queued edits (later reports of developments already alerted)
    # says where they went too, not nothing because no new alert was queued
    main(["story", "add", "pentagon", *seeds()])
    later = samples("update", "designation-dropped")[1]  # "Defense contractors restart …"
    entries = [as_entry(item, n) for n, item in enumerate(TIMELINE["items"]) if item is not later]
    feed_server.add_feed("/a.xml", feed_of(*entries))
    main(["feeds", "add", feed_server.url("/a.xml")])
    assert main(["poll", "--once", "--deliver"]) == 0
    feed_server.add_feed("/b.xml", feed_of(as_entry(later, 99)))
    main(["feeds", "add", feed_server.url("/b.xml")])
    capsys.readouterr()
    assert main(["poll", "--once"]) == 0
    out = capsys.readouterr().out
    assert "0 alerts queued, 1 alert edit" in out, out
    assert out.endswith(
        "\n  the alert edit waits in the outbox: `storybot run` posts it, "
        "`storybot poll --once --deliver` prints it here\n"
    ), out


def test_bad_config_exits_2_with_the_reason(db, tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("[polling]\ntimeout_s = -1\n")
    assert main(["--config", str(bad), "feeds", "list"]) == 2
    assert "timeout_s must be a number greater than 0, got -1" in capsys.readouterr().err


@pytest.mark.parametrize(
    "argv",
    [
        ["--config", "", "story", "add", "pentagon", "--seed", "a.txt"],
        ["--config=", "poll", "--once"],
        ["feeds", "list", "--config", " "],
    ],
)
def test_an_empty_config_path_exits_2_and_creates_no_database(db, tmp_path, capsys, argv):
    # `storybot --config "$CONF" run` with CONF unset ran on the defaults alone, starting
    # a new empty database in the working directory as if no --config had been given
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("storybot: error: --config was given an empty path"), err
    assert err.count("\n") == 1
    assert not (tmp_path / "cli.db").exists()


@pytest.mark.parametrize("engine", ["foo = 1", 'on_topic_threshold = "x"', "summary_pool = -3"])
def test_bad_engine_setting_exits_2_with_one_line(db, tmp_path, capsys, engine):
    bad = tmp_path / "bad.toml"
    bad.write_text(f"[engine]\n{engine}\n")
    assert main(["--config", str(bad), "story", "list"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("storybot: error: ") and str(bad) in err and "[engine]" in err
    assert "Traceback" not in err and err.count("\n") == 1


def test_bad_database_url_is_a_clear_error(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("STORYBOT_DATABASE_URL", "nosuchdb://x")
    assert main(["feeds", "list"]) == 2
    assert "STORYBOT_DATABASE_URL" in capsys.readouterr().err


def test_database_in_a_missing_directory_exits_2_naming_it(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("STORYBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'nonexistent' / 'x.db'}")
    assert main(["story", "list"]) == 2
    err = capsys.readouterr().err
    assert str(tmp_path / "nonexistent") in err and "does not exist" in err
    assert not (tmp_path / "nonexistent").exists()


def test_unknown_subcommand_is_rejected_by_argparse(db, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["frobnicate"])
    assert exc.value.code == 2


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["eval"], "{track,cluster,dedup,summary}"),
        (["story"], "ACTION"),
        (["feeds"], "ACTION"),
        (["discord"], "ACTION"),
        ([], "COMMAND"),
    ],
)
def test_a_missing_subcommand_is_named_as_the_usage_line_shows_it(capsys, argv, named):
    # not argparse's internal name ("eval_command"), which appears nowhere in the help
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.endswith(f"error: the following arguments are required: {named}\n"), err
    assert named in err.split("error:")[0]  # the usage line(s)


def _usage_error(argv: list[str], capsys) -> str:
    """What ``storybot ARGV`` says on stderr when argparse refuses it (exit 2)."""
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    return capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "typo", "meant"),
    [
        # --once is required: its "required" error came first and never named --onse
        (["poll", "--onse"], "--onse", "--once"),
        (["prune", "--older-thn", "3"], "--older-thn", "--older-than"),
        (["story", "add", "pentagon", "--sed", "a.txt"], "--sed", "--seed"),
        (["eval", "track", "--dta", "x.jsonl"], "--dta", "--data"),
        # nothing missing: the top level said "unrecognized arguments" with no hint
        (["poll", "--once", "--dlever"], "--dlever", "--deliver"),
        (["poll", "--once", "--dlever=1"], "--dlever", "--deliver"),
        (["--confg=a.toml", "story", "list"], "--confg", "--config"),
        # a flag's prefix is no flag: argparse took `--onc` for --once and `--del` for
        # --deliver, so a cron line kept working until a new flag shared the prefix
        (["poll", "--onc"], "--onc", "--once"),
        (["poll", "--once", "--deliv"], "--deliv", "--deliver"),
        (["eval", "track", "--dat", "x.jsonl"], "--dat", "--data"),
    ],
)
def test_an_unknown_flag_is_named_with_the_flag_of_that_command_it_probably_is(
    db, tmp_path, capsys, argv, typo, meant
):
    err = _usage_error(argv, capsys)
    last = err.splitlines()[-1]
    assert last.startswith("storybot") and ": error: " in last, err
    assert last.endswith(f"error: unrecognized argument {typo} (did you mean {meant}?)"), err
    assert "required" not in err
    assert not (tmp_path / "cli.db").exists()


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        # the words after `--` are values, whatever they look like: argparse's own errors
        # ("unrecognized argument --seed (did you mean --seed?)" named a flag of the command)
        (
            ["story", "add", "--", "pentagon", "--seed", "a.txt"],
            "storybot story add: error: the following arguments are required: --seed",
        ),
        (["story", "remove", "pentagon", "--", "--yes"], "unrecognized arguments: --yes"),
        (["poll", "--once", "--", "--all"], "unrecognized arguments: -- --all"),
        (
            ["eval", "track", "--data", "x.jsonl", "--", "--seeds", "3"],
            "unrecognized arguments: -- --seeds 3",
        ),
        (
            ["story", "add", "pentagon", "--seed", "a.txt", "--", "--seed", "b.txt"],
            "unrecognized arguments: -- --seed b.txt",
        ),
    ],
)
def test_a_word_after_a_double_dash_is_a_value_not_a_mistyped_flag(
    db, tmp_path, capsys, argv, says
):
    err = _usage_error(argv, capsys)
    assert err.endswith(f"{says}\n"), err
    assert "did you mean" not in err
    assert not (tmp_path / "cli.db").exists()


@pytest.mark.parametrize(
    ("argv", "prog", "word"),
    [
        # a word a command does not take was refused by the top level: `storybot`'s usage
        # line, with no command in it, as if the command itself had been mistyped
        (["poll", "--once", "https://example.com/rss"], "storybot poll", "https://example.com/rss"),
        (["feeds", "list", "3"], "storybot feeds list", "3"),
        (["outbox", "12"], "storybot outbox", "12"),
        (["subscriptions", "list", "bob"], "storybot subscriptions list", "bob"),
    ],
)
def test_a_word_a_command_does_not_take_is_refused_with_that_commands_usage(
    db, tmp_path, capsys, argv, prog, word
):
    err = _usage_error(argv, capsys)
    usage, last = err.splitlines()[0], err.splitlines()[-1]
    assert usage.startswith(f"usage: {prog} "), err
    assert last == f"{prog}: error: unrecognized arguments: {word}", err
    assert not (tmp_path / "cli.db").exists()


@pytest.mark.parametrize(
    ("argv", "prog"),
    [
        # --confg's value was taken for the command: "invalid choice: 'prod.toml'"
        (["--confg", "prod.toml", "run"], "storybot"),
        (["-v", "--confg", "/etc/storybot/storybot.toml", "story", "list"], "storybot"),
        (["story", "--confg", "prod.toml", "list"], "storybot story"),
    ],
)
def test_an_unknown_flag_before_the_command_is_named_not_its_value_taken_for_the_command(
    db, tmp_path, capsys, argv, prog
):
    err = _usage_error(argv, capsys)
    assert err.endswith(
        f"{prog}: error: unrecognized argument --confg (did you mean --config?)\n"
    ), err
    assert "invalid choice" not in err
    assert not (tmp_path / "cli.db").exists()


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        # "the following arguments are required: --once", of a --once that was typed
        (["--once", "poll"], "storybot: error: --once is an option of `storybot poll`"),
        # the flag's value was taken for the command: "invalid choice: 'a.txt'"
        (
            ["-v", "--config", "c.toml", "--seed", "a.txt", "story", "add", "x"],
            "storybot: error: --seed is an option of `storybot story add` and "
            "`storybot eval dedup`",
        ),
        (
            ["story", "--title=T", "add", "x"],
            "storybot story: error: --title is an option of `storybot story add`",
        ),
        (["--sent", "outbox"], "storybot: error: --sent is an option of `storybot outbox`"),
    ],
)
def test_a_commands_flag_before_the_command_is_named_with_the_command_that_takes_it(
    db, tmp_path, capsys, argv, says
):
    err = _usage_error(argv, capsys)
    assert err.endswith(f"{says}: put it after the command\n"), err
    assert "invalid choice" not in err and "required" not in err
    assert not (tmp_path / "cli.db").exists()


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (
            ["--database", "keep.db", "story", "list"],
            "storybot: error: --database is an option of `storybot demo`: put it after the "
            "command; the other commands' database is STORYBOT_DATABASE_URL",
        ),
        (
            ["story", "list", "--database", "keep.db"],
            "storybot story list: error: unrecognized argument --database; the database is "
            "STORYBOT_DATABASE_URL",
        ),
    ],
)
def test_a_database_flag_outside_the_demo_says_where_the_database_is_set(
    db, tmp_path, capsys, argv, says
):
    err = _usage_error(argv, capsys)
    assert err.endswith(f"{says}, or [database] url in the --config file\n"), err
    assert not (tmp_path / "cli.db").exists() and not (tmp_path / "keep.db").exists()


@pytest.mark.parametrize("argv", [["poll", "--once", "-V"], ["story", "list", "-V"]])
def test_a_one_letter_flag_is_not_taken_for_the_same_letter_in_the_other_case(
    db, tmp_path, capsys, argv
):
    """-V (storybot's version, before the command) is no typo of -v (more log lines)."""
    err = _usage_error(argv, capsys)
    assert err.endswith(": error: unrecognized argument -V\n"), err
    assert not (tmp_path / "cli.db").exists()


def test_an_unknown_flag_like_none_of_the_commands_is_named_without_a_guess(db, tmp_path, capsys):
    err = _usage_error(["poll", "--frobnicate"], capsys)
    assert err.endswith("storybot poll: error: unrecognized argument --frobnicate\n"), err
    assert not (tmp_path / "cli.db").exists()


@pytest.mark.parametrize(
    ("argv", "meant"),
    [
        (["stroy"], "storybot story"),
        (["feeds", "lst"], "storybot feeds list"),
        (["eval", "trak"], "storybot eval track"),
        (["discord", "snyc"], "storybot discord sync"),
        # flags before it, known ones: still the command's guess
        (["-vv", "--config", "a.toml", "stroy"], "storybot story"),
        (["--conf=a.toml", "story", "-v", "lst"], "storybot story list"),
        # another tool's word for it, spelt nothing like ours
        (["story", "rm"], "storybot story remove"),
        (["feeds", "delete"], "storybot feeds remove"),
        (["subscriptions", "rm"], "storybot subscriptions remove"),
        (["feeds", "ls"], "storybot feeds list"),
        (["story", "new"], "storybot story add"),
    ],
)
def test_a_misspelt_command_is_answered_with_the_one_it_probably_is(
    db, tmp_path, capsys, argv, meant
):
    err = _usage_error(argv, capsys)
    last = err.splitlines()[-1]
    assert f"invalid choice: {argv[-1]!r}: did you mean `{meant}`? (choose from " in last, err
    assert err.count("\n") == 1 + err.split("error:")[0].count("\n"), "one line after the usage"
    assert not (tmp_path / "cli.db").exists()


@pytest.mark.parametrize(
    ("argv", "meant"),
    [
        # a /story command typed as a storybot command (the README's table lists them):
        # `storybot ask` answers it in the terminal, with the words that followed it
        (["status"], "storybot ask status"),
        (["status", "anthropic-pentagon"], "storybot ask status anthropic-pentagon"),
        # storybot's options stay before `ask`, where it takes them
        (["-v", "why", "https://example.com/a"], "storybot -v ask why https://example.com/a"),
        (["--config", "a.toml", "status"], "storybot --config a.toml ask status"),
        (["Developments", "pentagon", "2"], "storybot ask developments pentagon 2"),
        (["stories"], "storybot ask stories"),
        # not taken for `storybot follows`, a letter away: the /story command is meant
        (["unfollow", "pentagon"], "storybot ask unfollow pentagon"),
        (["follow", "pentagon", "digest", "24"], "storybot ask follow pentagon digest 24"),
        # words that a shell would need quoted again are not repeated
        (["subscribe", "supply chain", "--story", "x"], "storybot ask subscribe …"),
        # storybot's own help, not the /story commands'
        (["help"], "storybot --help"),
    ],
)
def test_a_story_command_typed_as_a_storybot_command_is_answered_with_ask(
    db, tmp_path, capsys, argv, meant
):
    err = _usage_error(argv, capsys)
    last = err.splitlines()[-1]
    typed = meant.split("ask ")[-1].split()[0] if " ask " in meant else "help"
    assert typed.lower() in (word.lower() for word in argv), "the word typed"
    typed = next(word for word in argv if word.lower() == typed)
    assert f"invalid choice: {typed!r}: did you mean `{meant}`?" in last, err
    assert "(choose from 'demo'" in last, err
    assert err.count("\n") == 1 + err.split("error:")[0].count("\n"), "one line after the usage"
    assert not (tmp_path / "cli.db").exists()


def test_a_command_like_none_of_them_is_answered_with_the_choices_only(db, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["frobnicate"])
    assert exc.value.code == 2
    last = capsys.readouterr().err.splitlines()[-1]
    assert "invalid choice: 'frobnicate' (choose from " in last and "did you mean" not in last


@pytest.mark.parametrize("argv", [[], ["-v"], ["--config", "a.toml"]])
def test_storybot_without_a_command_lists_the_commands(db, tmp_path, capsys, argv):
    """`storybot` alone said only that COMMAND is required: not which commands there are."""
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    err = " ".join(captured.err.split())  # argparse wraps the lines
    for says in (
        "demo run the whole pipeline offline",
        "poll poll the feeds that are due",
        "story manage stories",
        "eval measure the story engine",
    ):
        assert says in err, captured.err
    assert captured.err.startswith("usage: storybot ")
    assert captured.err.endswith("storybot: error: the following arguments are required: COMMAND\n")
    assert not (tmp_path / "cli.db").exists()


@pytest.mark.parametrize(
    ("measure", "shown"),
    [
        ("track", ["(Nt, default 4)", "(W, default 30)"]),
        ("dedup", ["(default 13)"]),
        ("summary", ["(update task, default 4)"]),
    ],
)
def test_eval_help_gives_the_defaults_the_measure_runs_with(capsys, measure, shown):
    # the README's figures are at Nt = 4, W = 30: the help must say that is what runs
    with pytest.raises(SystemExit):
        main(["eval", measure, "--help"])
    out = " ".join(capsys.readouterr().out.split())  # argparse wraps the lines
    for words in shown:
        assert words in out, out


def test_prune_reports_what_it_gives_back_and_refuses_nonsense(db, capsys):
    open_store(db).close()  # prune needs a database (it creates none)
    assert main(["prune", "--older-than", "30", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "would blank the text of 0 off-topic items fetched more than 30 days ago" in out
    assert "would delete 0 delivered notices and digests" in out
    assert main(["prune", "--older-than", "30"]) == 0
    assert "VACUUM" not in capsys.readouterr().out, "nothing was freed: nothing to shrink"
    assert main(["prune", "--older-than", "0"]) == 2
    assert "at least 1 day" in capsys.readouterr().err


def test_outbox_lists_dead_and_pending_messages_with_their_errors(db, capsys):
    from datetime import UTC, datetime

    from store_builders import write

    from storage import open_store

    store = open_store(db)
    try:
        now = datetime(2026, 3, 1, tzinfo=UTC)
        store.enqueue([write("a", title="Pentagon deal"), write("b", title="Senate hearing")], now)
        store.mark_attempt_failed(store.get_outbox("a").id, "channel_not_found", now, dead=True)
        store.mark_attempt_failed(store.get_outbox("b").id, "HTTP 503", now)
    finally:
        store.close()
    assert main(["outbox"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "dead: 1, delivered: 0, pending: 1"
    dead_at, pending_at = out.index("dead (not retried):"), out.index("\npending:")
    assert "'Pentagon deal' (1 attempt) — channel_not_found" in out[dead_at:pending_at]
    assert (
        "'Senate hearing' (1 attempt, next try 2026-03-01 00:00 UTC) — HTTP 503" in out[pending_at:]
    )


def test_outbox_errors_show_no_token(db, capsys, monkeypatch):
    """A platform's error is stored as it came (a proxy in STORYBOT_SLACK_API_URL's place
    may echo the request): `storybot outbox` shows it as the log would, without a token."""
    from datetime import UTC, datetime

    from store_builders import write

    from storage import open_store

    monkeypatch.setenv("DISCORD_BOT_TOKEN", "MTIz.discord-bot-token-value")
    echoed = (
        "chat.postMessage: invalid_auth (xoxb-1234-5678-abcdefSECRET, Bearer sk-SECRETKEY,"
        " MTIz.discord-bot-token-value, https://u:SECRETPW@h.example/x?token=SECRETQ)"
    )
    store = open_store(db)
    try:
        now = datetime(2026, 3, 1, tzinfo=UTC)
        store.enqueue([write("a", title="Pentagon deal")], now)
        store.mark_attempt_failed(store.get_outbox("a").id, echoed, now, dead=True)
    finally:
        store.close()
    for argv in (["outbox"], ["outbox", "--discard", "--yes"]):
        assert main(argv) == 0
        out = capsys.readouterr().out
        assert "chat.postMessage: invalid_auth (" in out, out
        for secret in ("SECRET", "discord-bot-token-value"):
            assert secret not in out, out


def test_outbox_sent_lists_what_was_delivered_lately_newest_first(db, capsys):
    from datetime import UTC, datetime, timedelta

    from store_builders import write

    from storage import open_store

    now = datetime.now(UTC)
    store = open_store(db)
    try:
        store.enqueue(
            [
                write(k, title=t)
                for k, t in (("a", "Deal signed"), ("b", "Talks resume"), ("c", "X"))
            ],
            now - timedelta(hours=40),
        )
        store.mark_delivered(store.get_outbox("a").id, 1, "m1", now - timedelta(hours=1))
        store.mark_delivered(store.get_outbox("b").id, 1, "m2", now - timedelta(hours=30))
    finally:
        store.close()
    assert main(["outbox", "--sent"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("delivered in the last 24 hours:")
    assert "'Deal signed'" in out and "Talks resume" not in out and "'X'" not in out
    assert main(["outbox", "--sent", "48"]) == 0
    out = capsys.readouterr().out
    assert out.index("'Deal signed'") < out.index("'Talks resume'")  # newest first
    assert main(["outbox", "--sent", "0.5"]) == 0
    assert capsys.readouterr().out == "nothing delivered in the last 0.5 hours\n"
    assert main(["outbox", "--sent", "1"]) == 0
    out = capsys.readouterr().out
    assert "delivered in the last hour" in out and "1 hour" not in out, out  # not "last 1 hour"
    assert main(["outbox", "--sent", "-1"]) == 2


def test_an_in_memory_database_is_warned_about(monkeypatch, capsys):
    monkeypatch.setenv("STORYBOT_DATABASE_URL", "sqlite://")
    assert main(["feeds", "add", "https://example.com/feed.xml"]) == 0
    err = capsys.readouterr().err
    assert '"sqlite://" (STORYBOT_DATABASE_URL) is an in-memory SQLite database' in err
    assert "nothing this command stores is kept" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["story", "list"],
        ["feeds", "list"],
        ["ask", "status"],
        ["health"],
        ["db-upgrade"],
        ["prune", "--older-than", "30"],
        ["outbox", "--retry"],
        ["poll", "--once"],
    ],
)
def test_an_in_memory_database_is_refused_by_a_command_that_needs_one_that_exists(
    tmp_path, monkeypatch, capsys, argv
):
    """``sqlite://`` is a new, empty database for each command: a read finds nothing, and
    the advice a missing file gets (``storybot story add`` starts one) would store a story
    that is gone when that command exits; ``health`` reported a problem, exit 1."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("STORYBOT_DATABASE_URL", "sqlite://")
    assert main(argv) == 2
    captured = capsys.readouterr()
    err = captured.err
    assert err.count("\n") == 1 and err.startswith("storybot: error: "), err
    assert '"sqlite://" (STORYBOT_DATABASE_URL) is an in-memory SQLite database' in err, err
    assert "new and empty for each command" in err and "sqlite:///storybot.db" in err, err
    assert "story add" not in err, err
    assert captured.out == ""
    assert list(tmp_path.iterdir()) == []


def test_a_sqlite_url_with_two_slashes_is_one_error_saying_a_file_needs_three(
    tmp_path, monkeypatch, capsys
):
    # not "is an in-memory SQLite database" (a warning) and then "Invalid SQLite URL"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("STORYBOT_DATABASE_URL", "sqlite://storybot2.db")
    assert main(["feeds", "add", "https://example.com/feed.xml"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("storybot: error: "), err
    assert "a SQLite file needs three slashes: sqlite:///storybot2.db" in err, err
    assert "in-memory" not in err
    assert list(tmp_path.iterdir()) == []


def test_outbox_retry_queues_dead_messages_again(db, capsys):
    from datetime import UTC, datetime

    from store_builders import write

    from storage import open_store

    store = open_store(db)
    try:
        now = datetime(2026, 3, 1, tzinfo=UTC)
        store.enqueue([write("a", title="Pentagon deal")], now)
        store.mark_attempt_failed(store.get_outbox("a").id, "not_in_channel", now, dead=True)
    finally:
        store.close()
    assert main(["outbox", "--retry"]) == 0
    assert capsys.readouterr().out.startswith("1 dead message queued again")
    assert main(["outbox"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "dead: 0, delivered: 0, pending: 1"
    assert main(["outbox", "--retry"]) == 0
    assert "no dead messages to retry" in capsys.readouterr().out
    assert main(["outbox", "--retry", "99"]) == 1
    assert "storybot: not a dead message: #99; nothing was retried" in capsys.readouterr().err


def test_outbox_retry_says_it_of_one_message_and_them_of_several(db, capsys):
    from datetime import UTC, datetime

    from store_builders import write

    now = datetime(2026, 3, 1, tzinfo=UTC)
    store = open_store(db)
    try:
        store.enqueue([write("a"), write("b"), write("c")], now)
        for key in "abc":
            store.mark_attempt_failed(store.get_outbox(key).id, "not_in_channel", now, dead=True)
        first = store.get_outbox("a").id
    finally:
        store.close()
    assert main(["outbox", "--retry", str(first)]) == 0
    assert capsys.readouterr().out == (
        "1 dead message queued again; the running service delivers it "
        "(or: storybot poll --once --deliver)\n"
    )
    assert main(["outbox", "--retry"]) == 0
    assert capsys.readouterr().out == (
        "2 dead messages queued again; the running service delivers them "
        "(or: storybot poll --once --deliver)\n"
    )


# --------------------------------------------------------------- operator review findings


def _bindings(db: str):
    store = open_store(db)
    try:
        return store.list_bindings()
    finally:
        store.close()


def test_story_add_follows_in_the_console_and_run_does_not_undo_an_unfollow(db, capsys):
    assert main(["story", "add", "pentagon", *seeds()]) == 0
    assert "the console follows it" in capsys.readouterr().out
    assert [b.platform for b in _bindings(db)] == ["console"]  # a fresh install prints alerts
    assert main(["ask", "unfollow pentagon"]) == 0
    assert _bindings(db) == []
    run = run_stopped_once_started(lambda: main(["run"]))
    assert run == Run(exit_code=0, started=True, signalled=True), "the real service, stopped"
    assert _bindings(db) == [], "an unfollow in the console stays done across restarts"


def test_status_in_the_console_after_an_unfollow_says_how_to_follow_the_story_again(
    db, capsys, monkeypatch
):
    """After ``unfollow`` in the console its status said nothing of the follow, nor how
    to get the story's alerts back. Without chat tokens the console is where they print;
    with one set a console follow would only fill the outbox (a channel follows the
    story instead): no line then."""
    assert main(["story", "add", "pentagon", *seeds()]) == 0
    assert main(["ask", "status"]) == 0
    assert capsys.readouterr().out.endswith("\nThis channel follows this story (realtime).\n")
    assert main(["ask", "unfollow pentagon"]) == 0
    capsys.readouterr()
    assert main(["ask", "status"]) == 0
    assert capsys.readouterr().out.endswith(
        "\nThe console does not follow this story: `/story follow pentagon` has "
        "`storybot run` print its alerts.\n"
    )
    monkeypatch.setenv("DISCORD_BOT_TOKEN", "not-used")
    assert main(["ask", "status"]) == 0
    out = capsys.readouterr().out
    assert "follow" not in out.splitlines()[-1], out


@pytest.mark.parametrize(
    ("tokens", "said"),
    [
        (
            {"SLACK_BOT_TOKEN": "xoxb-not-used", "SLACK_APP_TOKEN": "xapp-not-used"},
            "nothing is posted until an admin types `/story follow pentagon` in a channel",
        ),
        (
            {"DISCORD_BOT_TOKEN": "not-used"},
            "nothing is posted until an admin types `/story follow story:pentagon` in a channel",
        ),
        (
            {
                "SLACK_BOT_TOKEN": "xoxb-not-used",
                "SLACK_APP_TOKEN": "xapp-not-used",
                "DISCORD_BOT_TOKEN": "not-used",
            },
            "nothing is posted until an admin types `/story follow pentagon` or "
            "`/story follow story:pentagon` on Discord in a channel",
        ),
    ],
)
def test_story_add_with_chat_tokens_says_how_a_channel_gets_its_alerts(
    db, capsys, monkeypatch, tokens, said
):
    # the console follows no story when a chat platform is set: without a word, a new
    # operator's `storybot run` connects and then posts nothing
    for name, value in tokens.items():
        monkeypatch.setenv(name, value)
    assert main(["story", "add", "pentagon", *seeds()]) == 0
    out = capsys.readouterr().out
    assert _bindings(db) == []
    assert f"  {said}\n" in out and "console follows" not in out


@pytest.mark.parametrize("tokens", [{}, {"DISCORD_BOT_TOKEN": "not-used"}])
def test_ask_stories_add_follows_in_the_console_as_story_add_does(
    db, capsys, monkeypatch, feed_server, tokens
):
    from seed_pages import CHIPS_1

    for name, value in tokens.items():
        monkeypatch.setenv(name, value)
    page = feed_server.add_feed("/chips-1", CHIPS_1, content_type="text/html")
    assert main(["ask", f"stories add chips {page}"]) == 0
    out = capsys.readouterr().out
    assert main(["story", "add", "pentagon", *seeds()]) == 0
    cli_out = capsys.readouterr().out
    if tokens:  # a chat platform: a channel follows it with /story follow, as after `story add`
        assert _bindings(db) == []
        assert "console follows" not in out and "console follows" not in cli_out
        assert "To get its alerts here: `/story follow chips` (admins)." in out
        return
    assert sorted((b.platform, b.channel_id) for b in _bindings(db)) == [
        ("console", "terminal"),
        ("console", "terminal"),
    ]
    assert "The console follows it: `storybot run` without chat tokens prints its alerts" in out
    assert "`storybot ask 'unfollow chips'` to stop" in out
    assert "/story follow" not in out
    assert "the console follows it" in cli_out


@pytest.fixture
def read_only_sqlite(db):
    """The test's database, created, then refusing writes as a read-only file does.

    ``query_only`` makes SQLite answer a write with "attempt to write a readonly database",
    the error of a file the process may not write; chmod cannot show it to root.
    """
    from sqlalchemy import Engine, event

    def refuse_writes(dbapi_connection, _record):
        dbapi_connection.execute("PRAGMA query_only = ON")

    open_store(db).close()
    event.listen(Engine, "connect", refuse_writes)
    yield
    event.remove(Engine, "connect", refuse_writes)


@pytest.mark.parametrize(
    "argv",
    [
        ["poll", "--once"],
        ["feeds", "add", "https://example.com/feed.xml"],
        ["ask", "subscribe foo"],
        ["run"],
    ],
)
def test_a_read_only_database_is_one_line_naming_the_file(
    db, tmp_path, capsys, argv, read_only_sqlite
):
    # `run` must stop before starting the service (were it to start, it is stopped)
    assert run_stopped_once_started(lambda: main(argv)) == Run(2, started=False, signalled=False)
    captured = capsys.readouterr()
    path = tmp_path / "cli.db"
    assert f"cannot write the database file {path} (STORYBOT_DATABASE_URL)" in captured.err
    assert "Traceback" not in captured.err and "Sorry" not in captured.out
    assert len(captured.err.strip().splitlines()) == 1


def test_outbox_retry_on_a_database_it_cannot_write_is_one_line(db, tmp_path, capsys, monkeypatch):
    """``outbox --retry`` writes: it was opened as the listing is, to read only, so a file
    it may not write was not refused at the start and its update ended in a traceback.

    SQLite's ``mode=ro`` opens the real file read-only, as a file the process may not
    write is (which chmod cannot show to root).
    """
    open_store(db).close()
    read_only = f"sqlite:///file:{tmp_path / 'cli.db'}?mode=ro&uri=true"
    monkeypatch.setenv("STORYBOT_DATABASE_URL", read_only)
    assert main(["outbox"]) == 0  # reading it is fine
    capsys.readouterr()
    assert main(["outbox", "--retry"]) == 2
    err = capsys.readouterr().err
    assert "cannot write the database file" in err and "Traceback" not in err, err
    assert "its URL opens it read-only (mode=ro)" in err, err
    assert len(err.strip().splitlines()) == 1, err


def test_a_config_database_url_is_blamed_on_the_config_file(db, tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("STORYBOT_DATABASE_URL")
    config = tmp_path / "db.toml"
    config.write_text(f'[database]\nurl = "sqlite:///{tmp_path}/nonexistent/dir/x.db"\n')
    assert main(["--config", str(config), "feeds", "add", "https://example.com/f.xml"]) == 2
    err = capsys.readouterr().err
    assert f"{config}: [database] url: the directory {tmp_path}/nonexistent/dir" in err
    assert "STORYBOT_DATABASE_URL" not in err


def test_a_read_only_command_in_the_wrong_directory_creates_no_database(
    tmp_path, capsys, monkeypatch
):
    monkeypatch.delenv("STORYBOT_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    for argv in (
        ["ask", "status"],
        ["outbox"],
        ["feeds", "list"],
        ["story", "list"],
        ["ask", "feeds"],
        ["ask", "developments"],
        ["health"],
    ):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert f"no database at {tmp_path / 'storybot.db'} (the default database URL)" in err
    assert main(["ask", "help"]) == 0
    assert not (tmp_path / "storybot.db").exists()
    assert main(["feeds", "add", "https://example.com/f.xml"]) == 0  # adding may create it
    assert (tmp_path / "storybot.db").exists()


@pytest.mark.parametrize(
    "argv",
    [
        ["prune", "--older-than", "90"],
        ["prune", "--older-than", "90", "--dry-run"],
        ["story", "remove", "pentagon", "--yes"],
        ["feeds", "remove", "https://example.com/f.xml"],
        ["outbox", "--retry"],
    ],
)
def test_a_pruning_or_removing_command_in_the_wrong_directory_creates_no_database(
    tmp_path, capsys, monkeypatch, argv
):
    # `prune` from cron runs in the home directory: an empty database made there would
    # report "blanked 0 items" every week while the real one grows
    monkeypatch.delenv("STORYBOT_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert f"no database at {tmp_path / 'storybot.db'} (the default database URL)" in err, err
    assert err.count("\n") == 1, err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "argv", [["poll", "--once"], ["poll", "--once", "--all"], ["poll", "--once", "--deliver"]]
)
def test_poll_once_in_the_wrong_directory_creates_no_database(tmp_path, capsys, monkeypatch, argv):
    # `poll --once` from cron in the home directory made an empty database there and said
    # "no feeds yet" with exit 0 every time, while the real database was never polled
    monkeypatch.delenv("STORYBOT_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert f"no database at {tmp_path / 'storybot.db'} (the default database URL)" in (
        captured.err
    ), captured.err
    assert captured.err.count("\n") == 1 and captured.out == "", captured
    assert list(tmp_path.iterdir()) == []  # neither the database nor its poll lock


def _tables(url: str) -> list[str]:
    from sqlalchemy import create_engine, inspect

    engine = create_engine(url)
    try:
        return sorted(inspect(engine).get_table_names())
    finally:
        engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def other_apps_db(request, tmp_path, monkeypatch) -> str:
    """STORYBOT_DATABASE_URL naming another application's database: a table of its own
    (``users``), no Alembic. On SQLite it is made by SQLite itself (no WAL, as most tools)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("STORYBOT_ALLOWED_HOSTS", "127.0.0.1")
    if request.param == "sqlite":
        with sqlite3.connect(tmp_path / "other.db") as conn:
            conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
            conn.execute("INSERT INTO users VALUES (1, 'bob')")
        conn.close()
        url = f"sqlite:///{tmp_path / 'other.db'}"
    else:
        from sqlalchemy import create_engine, text

        url = request.getfixturevalue("pg_url")
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.execute(text("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)"))
        engine.dispose()
    monkeypatch.setenv("STORYBOT_DATABASE_URL", url)
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def empty_db(request, tmp_path, monkeypatch) -> str:
    """STORYBOT_DATABASE_URL naming an existing but empty database: a 0-byte SQLite file
    (``storybot.db``), or an empty PostgreSQL schema."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("STORYBOT_ALLOWED_HOSTS", "127.0.0.1")
    if request.param == "sqlite":
        (tmp_path / "storybot.db").touch()
        url = f"sqlite:///{tmp_path / 'storybot.db'}"
    else:
        url = request.getfixturevalue("pg_url")
    monkeypatch.setenv("STORYBOT_DATABASE_URL", url)
    return url


def assert_still_empty(url: str, tmp_path) -> None:
    """Nothing was created in ``empty_db``: no table, and a SQLite file still 0 bytes."""
    assert _tables(url) == []
    if url.startswith("sqlite"):
        assert (tmp_path / "storybot.db").stat().st_size == 0
        assert not list(tmp_path.glob("storybot.db-*"))


# commands that open the database: reads, a prune, an upgrade, and those that create tables
OPENING_COMMANDS = [
    ["story", "list"],
    ["outbox"],
    ["feeds", "list"],
    ["ask", "status"],
    ["prune", "--older-than", "90"],
    ["db-upgrade"],
    ["feeds", "add", "http://127.0.0.1/f.xml"],
    ["story", "add", "pentagon", "--seed", str(sorted(seeds_dir().glob("*.txt"))[0])],
    ["ask", "feeds add http://127.0.0.1/f.xml"],
]


@pytest.mark.parametrize("argv", OPENING_COMMANDS)
def test_a_command_on_another_applications_database_is_refused_and_writes_nothing(
    other_apps_db, tmp_path, capsys, argv
):
    assert main(argv) == 2, argv
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "error: the database " in err, err
    assert "holds other tables (users) but no storybot schema: not a storybot database" in err
    assert _tables(other_apps_db) == ["users"]
    if other_apps_db.startswith("sqlite"):  # not even switched to WAL
        assert sorted(p.name for p in tmp_path.iterdir()) == ["other.db"]
        with sqlite3.connect(tmp_path / "other.db") as conn:
            assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        conn.close()


@pytest.fixture
def other_apps_alembic_db(tmp_path, monkeypatch) -> str:
    """STORYBOT_DATABASE_URL naming another Alembic-migrated application's SQLite file: a
    table of its own (``invoices``) and an ``alembic_version`` at its revision
    (``3f2a9c1b7e0d``), made by SQLite itself (no WAL, as most tools)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("STORYBOT_ALLOWED_HOSTS", "127.0.0.1")
    with sqlite3.connect(tmp_path / "other.db") as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total INTEGER)")
        conn.execute("INSERT INTO invoices VALUES (1, 100)")
        conn.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
        conn.execute("INSERT INTO alembic_version VALUES ('3f2a9c1b7e0d')")
    conn.close()
    url = f"sqlite:///{tmp_path / 'other.db'}"
    monkeypatch.setenv("STORYBOT_DATABASE_URL", url)
    return url


@pytest.mark.parametrize("argv", OPENING_COMMANDS)
def test_a_command_on_another_applications_alembic_database_is_refused_and_leaves_it_alone(
    other_apps_alembic_db, tmp_path, capsys, argv
):
    # its revision is refused (see storage.migrate.NewerSchema) before storybot's own
    # connection settings switch the file to WAL, as a database without Alembic is
    before = (tmp_path / "other.db").read_bytes()
    assert before[18:20] == b"\x01\x01"  # rollback journal (WAL: 2, 2)
    assert main(argv) == 2, argv
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "error: the database " in err, err
    assert "is at schema revision 3f2a9c1b7e0d, which is not one of storybot's" in err, err
    assert "a database of its own" in err and "newer storybot" not in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.db"]  # no -wal, no -shm
    assert (tmp_path / "other.db").read_bytes() == before
    with sqlite3.connect(tmp_path / "other.db") as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    conn.close()


@pytest.mark.parametrize(
    "argv",
    [
        ["story", "list"],
        ["outbox"],
        ["ask", "status"],
        ["prune", "--older-than", "90"],
        ["feeds", "remove", "http://127.0.0.1/f.xml"],
        ["poll", "--once"],
    ],
)
def test_a_read_only_or_pruning_command_on_an_empty_database_creates_no_tables(
    tmp_path, capsys, monkeypatch, argv
):
    # an empty file (or an empty PostgreSQL database) is no storybot database yet: a read
    # there reports it as a missing file is, and leaves it empty
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("STORYBOT_DATABASE_URL", raising=False)
    (tmp_path / "storybot.db").touch()
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert "has no storybot tables yet (an empty database)" in err, err
    assert (tmp_path / "storybot.db").stat().st_size == 0
    assert main(["feeds", "add", "https://example.com/f.xml"]) == 0  # adding starts it
    assert main(["story", "list"]) == 0


# a SQLite database in a directory that does not exist: storybot refuses to open it
_NO_DIR = {"STORYBOT_DATABASE_URL": "sqlite:///no-such-directory/storybot.db"}


@pytest.mark.parametrize(
    ("argv", "env", "shown"),
    [
        (["worker"], {}, "storybot worker needs PostgreSQL"),
        (["worker", "--queues", "nosuch"], {}, "unknown queue(s) 'nosuch'"),
        (["feeds", "add", "http://127.0.0.1/x"], {}, "refused: 127.0.0.1 is a loopback"),
        (["feeds", "add", "http://"], {}, "'http://' is not a valid feed URL"),
        (["feeds", "add", "https://example.com/f.xml", "--interval", "5"], {}, "--interval"),
        (["prune", "--older-than", "0"], {}, "--older-than must be at least 1 day"),
        # `run` gets a database it cannot open: were it not refused first, it would stop
        # there, saying so, instead of starting the service (and this test never ending)
        (
            ["run"],
            {"SLACK_BOT_TOKEN": "xoxb-1", **_NO_DIR},
            "SLACK_BOT_TOKEN is set but Slack cannot start: set SLACK_APP_TOKEN (Socket Mode) "
            "or SLACK_SIGNING_SECRET (HTTP mode, which it then picks by itself).",
        ),
        # HTTP mode asked for by name, with the app token of Socket Mode only
        (
            ["run"],
            {
                "SLACK_BOT_TOKEN": "xoxb-1",
                "SLACK_APP_TOKEN": "xapp-1",
                "STORYBOT_SLACK_MODE": "http",
                **_NO_DIR,
            },
            "SLACK_BOT_TOKEN is set but Slack cannot start: HTTP mode ([slack] mode or "
            "STORYBOT_SLACK_MODE = http) needs SLACK_SIGNING_SECRET.",
        ),
        # not the console instead, silently: Slack was meant, and its bot token forgotten
        (
            ["run"],
            {"SLACK_APP_TOKEN": "xapp-1", **_NO_DIR},
            "SLACK_APP_TOKEN is set but SLACK_BOT_TOKEN",
        ),
        (
            ["run"],
            {"SLACK_SIGNING_SECRET": "s", **_NO_DIR},
            "SLACK_SIGNING_SECRET is set but SLACK_BOT_TOKEN",
        ),
    ],
)
def test_a_command_refused_for_what_was_typed_creates_no_database(
    tmp_path, capsys, monkeypatch, argv, env, shown
):
    for name in (
        "STORYBOT_DATABASE_URL",
        "STORYBOT_ALLOWED_HOSTS",
        "SLACK_APP_TOKEN",
        "SLACK_BOT_TOKEN",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("SLACK_SIGNING_SECRET", raising=False)
    monkeypatch.delenv("STORYBOT_SLACK_MODE", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert shown in err and err.count("\n") == 1, err
    assert list(tmp_path.iterdir()) == []


def test_poll_once_deliver_delivers_pending_alerts_when_no_feed_is_due(db, capsys):
    from datetime import UTC, datetime

    from store_builders import write

    from adapters.console import CONSOLE, CONSOLE_CHANNEL
    from bot.model import Target

    store = open_store(db)
    target = Target(platform=CONSOLE, channel_id=CONSOLE_CHANNEL)
    store.enqueue([write("a", target, title="Pentagon deal")], datetime(2026, 3, 1, tzinfo=UTC))
    store.close()
    assert main(["poll", "--once", "--deliver"]) == 0
    out = capsys.readouterr().out
    assert "no feeds" in out and "Pentagon deal" in out
    assert main(["outbox"]) == 0
    assert "delivered: 1, pending: 0" in capsys.readouterr().out


def test_poll_once_all_polls_feeds_that_are_not_due(db, capsys, feed_server):
    feed_server.add_feed("/a.xml", feed_of(as_entry(samples("unrelated")[0])))
    main(["feeds", "add", feed_server.url("/a.xml")])
    assert main(["poll", "--once"]) == 0
    assert main(["poll", "--once"]) == 0
    assert "no feeds are due" in capsys.readouterr().out
    assert main(["poll", "--once", "--all"]) == 0
    assert "polled 1 feed" in capsys.readouterr().out


@pytest.mark.parametrize("all_feeds", [False, True])
def test_poll_once_with_no_feeds_at_all_says_so_and_names_the_database(
    db, tmp_path, capsys, all_feeds
):
    # not "no feeds are due": run from cron in the wrong directory (a new, empty database),
    # or before any `feeds add`, nothing will ever be due
    open_store(db).close()
    assert main(["poll", "--once"] + (["--all"] if all_feeds else [])) == 0
    out = capsys.readouterr().out
    assert out == (
        f"no feeds yet in the database {tmp_path / 'cli.db'} (STORYBOT_DATABASE_URL): "
        "storybot feeds add URL\n"
    ), out


def test_poll_once_reports_each_failure_once_without_a_blank_line(db, capsys, caplog, feed_server):
    feed_server.add_status("/dead.xml", 404)
    main(["feeds", "add", feed_server.url("/dead.xml")])
    capsys.readouterr()
    assert main(["poll", "--once"]) == 1
    captured = capsys.readouterr()
    shown = captured.out + captured.err + caplog.text
    assert shown.count(feed_server.url("/dead.xml")) == 1
    assert not captured.out.startswith("\n")


@pytest.mark.parametrize("interval", ["-5", "0", "10", "100000"])
def test_feeds_add_refuses_an_interval_the_poller_would_not_obey(db, capsys, interval):
    open_store(db).close()
    assert main(["feeds", "add", "https://example.com/f.xml", "--interval", interval]) == 2
    assert (
        f"--interval must be from 300 ([polling] min_interval_s) to 86400 seconds, got {interval}"
        in (capsys.readouterr().err)
    )
    main(["feeds", "list"])
    assert "no feeds yet" in capsys.readouterr().out


def test_a_feed_added_from_chat_is_polled_at_the_configured_default_as_from_the_cli(
    db, tmp_path, capsys
):
    config = tmp_path / "c.toml"
    config.write_text("[polling]\ndefault_interval_s = 3600\n")
    c = ["--config", str(config)]
    assert main([*c, "feeds", "add", "https://feeds.example/cli.xml"]) == 0
    assert main([*c, "ask", "feeds add https://feeds.example/chat.xml"]) == 0
    store = open_store(db)
    try:
        intervals = {f.url.rsplit("/", 1)[1]: f.interval_s for f in store.list_feeds()}
    finally:
        store.close()
    assert intervals == {"cli.xml": 3600, "chat.xml": 3600}


def test_a_feed_added_from_chat_promises_the_next_poll_cycle_not_a_minute(db, tmp_path, capsys):
    """Under `storybot ask` no service polls at all, and a running one polls every
    [polling] tick_seconds, which may be above a minute: "polled within a minute" was
    false in both. The next poll cycle, whenever it comes, is what fetches it."""
    config = tmp_path / "c.toml"
    config.write_text("[polling]\ntick_seconds = 300\n")
    url = "https://feeds.example/chat.xml"
    assert main(["--config", str(config), "ask", f"feeds add {url}"]) == 0
    out = capsys.readouterr().out
    assert out == f"Added feed #1: {url}. It is fetched from the next poll cycle on.\n"


def test_story_remove_says_what_else_it_removes_and_needs_yes_for_others(db, capsys):
    main(["story", "add", "pentagon", *seeds()])
    store = open_store(db)
    story = store.get_story("pentagon")
    store.add_subscription("slack", "U1", "pentagon", story.id, T0)
    from bot.model import DeliveryMode

    store.bind(story.id, "slack", "C1", DeliveryMode.REALTIME, 24, T0)
    store.close()
    capsys.readouterr()
    assert main(["story", "remove", "pentagon"]) == 2
    err = capsys.readouterr().err
    assert "has 1 subscription and 1 channel follow" in err and "--yes" in err
    assert main(["story", "remove", "pentagon", "--yes"]) == 0
    assert (
        "removed story 'pentagon' (also removed 1 subscription and 1 channel follow; its "
        "subscribers are told by direct message, the channels are not)"
    ) in capsys.readouterr().out
    assert _bindings(db) == []
    store = open_store(db)
    [dm] = [e for e in store.undelivered_outbox(dead=False, limit=10) if e.target.user_id]
    store.close()
    assert dm.target.user_id == "U1" and dm.message.body.startswith(
        "The story pentagon was removed by an admin, and with it your subscription #"
    ), dm


def test_feeds_list_times_say_utc(db, capsys):
    main(["feeds", "add", "https://example.com/f.xml"])
    capsys.readouterr()
    main(["feeds", "list"])
    assert "UTC" in capsys.readouterr().out.split("next ")[1]


def test_seed_titles_are_cut_at_a_word_with_an_ellipsis(db, tmp_path, capsys):
    long = (
        "Anthropic reopens talks with the Pentagon over the terms of a new defence contract "
        "worth millions"
    )
    seed = tmp_path / "long.txt"
    seed.write_text(long + "\n\n" + "The Pentagon and Anthropic talked again. " * 20)
    assert main(["story", "add", "pentagon", "--seed", str(seed)]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if "seed 1/1:" in x)
    shown = line.split("seed 1/1: ", 1)[1].rsplit(" (", 1)[0]
    assert len(shown) <= 80 and shown.endswith("…") and long.startswith(shown[:-1])
    assert long[len(shown) - 1] == " ", "cut between words"


def test_eval_measures_the_engine_settings_of_the_config_file(tmp_path, capsys):
    import json

    from shared_data import EVALDATA

    data = EVALDATA / "streams" / "giveme5w1h_developments.jsonl.gz"
    if not data.exists():
        pytest.skip("shared/evaldata not available")
    service = tmp_path / "service.toml"
    service.write_text("[engine]\non_topic_threshold = 0.95\ntitle_channel_threshold = 0.99\n")
    defaults = tmp_path / "defaults.toml"
    defaults.write_text("[engine]\n")
    runs = {}
    for name, argv in {
        "defaults": [],
        "service": ["--config", str(service)],
        # --engine-config wins over the service's file
        "experiment": ["--config", str(service), "eval", "track", "--engine-config", str(defaults)],
    }.items():
        if name != "experiment":
            argv = [*argv, "eval", "track"]
        assert main([*argv, "--data", str(data), "--limit-targets", "3"]) == 0
        runs[name] = json.loads(capsys.readouterr().out)
    # a threshold no report reaches misses nearly everything (copies of the seeds remain)
    assert runs["service"]["p_miss"] > 0.5 > runs["defaults"]["p_miss"]
    assert runs["experiment"]["c_norm"] == runs["defaults"]["c_norm"]


def test_eval_without_a_config_file_measures_the_services_default_engine_settings():
    # eval and the service build the engine from the same loader; config/defaults.toml
    # holding an [engine] value the code does not would show here
    from bot.engine import EngineConfig
    from bot.settings import load_settings

    assert EngineConfig.from_mapping(load_settings(None, env={}).engine) == EngineConfig()


# --------------------------------------------------------------- command-line robustness


def test_ask_takes_unquoted_words_after_it_as_the_command_also_ones_starting_with_a_dash(
    db, capsys
):
    main(["story", "add", "pentagon", *seeds()])
    capsys.readouterr()
    assert main(["ask", "subscribe", "bakery", "--story", "pentagon"]) == 0
    assert "Subscribed (#1): bakery" in capsys.readouterr().out
    assert main(["ask", "subscribe", "bread", "-pentagon"]) == 0
    assert "bread AND NOT pentagon" in capsys.readouterr().out
    assert main(["ask", "--", "subscribe", "cake", "--story", "pentagon"]) == 0  # as before
    assert main(["-v", "ask", "subscribe pie --story pentagon"]) == 0  # quoted, global option
    capsys.readouterr()
    assert main(["ask", "subscriptions"]) == 0
    out = capsys.readouterr().out
    assert "bakery (story pentagon)" in out and "bread AND NOT pentagon" in out
    assert "cake (story pentagon)" in out and "pie (story pentagon)" in out
    with pytest.raises(SystemExit) as exc:
        main(["ask"])
    assert exc.value.code == 2
    assert "the /story command is missing" in capsys.readouterr().err


@pytest.mark.parametrize("days", ["nan", "inf", "1e9", "1e300", "36501", "0"])
def test_prune_refuses_a_non_finite_or_too_large_age_with_a_usage_message(db, capsys, days):
    assert main(["prune", "--older-than", days]) == 2
    err = capsys.readouterr().err
    assert "--older-than must be at least 1 day and at most 36500 days, got " in err
    assert "Traceback" not in err and err.count("\n") == 1


@pytest.mark.parametrize("text", ["feeds LIST", "FEEDS", "stauts", "Frobnicate now", "HELP"])
def test_ask_of_a_read_only_or_unknown_command_in_any_case_creates_no_database(
    db, tmp_path, capsys, text
):
    main(["ask", text])
    assert not (tmp_path / "cli.db").exists()


@pytest.mark.parametrize("argv", [["ask", "-v", "help"], ["-v", "ask", "help"]])
def test_ask_help_logs_its_in_memory_database_as_what_it_is(db, tmp_path, capsys, argv):
    # the debug line named it as if STORYBOT_DATABASE_URL were "sqlite://"
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert "database sqlite:// (a throwaway in-memory database: ask only shows the help)" in err
    assert "STORYBOT_DATABASE_URL" not in err, err
    assert not (tmp_path / "cli.db").exists()


def test_ask_of_an_unknown_command_shows_the_help_and_exits_2_without_a_database(
    db, tmp_path, capsys
):
    assert main(["ask", "stauts"]) == 2
    out = capsys.readouterr().out
    assert "Unknown command 'stauts'" in out and "/story status" in out
    assert not (tmp_path / "cli.db").exists()


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("follow pentagon weekly", "Mode must be 'realtime' or 'digest', not 'weekly'."),
        (
            "follow pentagon digest abc",
            "Digest hours must be a number of hours such as 6 or 1.5, not 'abc'.",
        ),
    ],
)
def test_ask_follow_with_a_wrong_mode_or_digest_hours_exits_2(db, capsys, text, shown):
    main(["story", "add", "pentagon", *seeds()])
    capsys.readouterr()
    assert main(["ask", text]) == 2
    assert shown in capsys.readouterr().out


@pytest.mark.parametrize("hours", ["0", "-1", "nan", "inf", "8785"])
def test_outbox_sent_says_the_range_of_hours_it_takes(db, capsys, hours):
    open_store(db).close()
    assert main(["outbox", "--sent", hours]) == 2
    assert (
        f"--sent must be more than 0 hours and at most 8784 hours, got {float(hours):g}"
        in capsys.readouterr().err
    )


def test_outbox_retry_takes_the_ids_as_outbox_shows_them_with_a_hash(db, capsys):
    from datetime import UTC, datetime

    from store_builders import write

    store = open_store(db)
    try:
        now = datetime(2026, 3, 1, tzinfo=UTC)
        store.enqueue([write("a", title="Pentagon deal")], now)
        entry = store.get_outbox("a")
        store.mark_attempt_failed(entry.id, "not_in_channel", now, dead=True)
    finally:
        store.close()
    assert main(["outbox"]) == 0
    assert f"#{entry.id} alert" in capsys.readouterr().out  # the ID as the operator sees it
    assert main(["outbox", "--retry", f"#{entry.id}"]) == 0
    assert capsys.readouterr().out.startswith("1 dead message queued again")
    with pytest.raises(SystemExit) as exc:
        main(["outbox", "--retry", "#x"])
    assert exc.value.code == 2
    assert "argument --retry: not a message id: '#x'" in capsys.readouterr().err


@pytest.mark.parametrize(
    "text", ["99999999999999999999", "#9223372036854775808", "2147483648", "0", "-5", "1_2"]
)
def test_outbox_retry_refuses_what_no_message_id_can_be(db, capsys, text):
    """An id too large for the column (32-bit on PostgreSQL: "integer out of range"; 64-bit
    on SQLite: an overflow) failed in the query: a traceback, not a usage error."""
    from adapters.cli_types import MAX_MESSAGE_ID
    from storage.models import MAX_ROW_ID

    assert MAX_MESSAGE_ID == MAX_ROW_ID
    open_store(db).close()
    with pytest.raises(SystemExit) as exc:
        main(["outbox", "--retry", text])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert f"argument --retry: not a message id: {text!r}" in err and "Traceback" not in err


def test_outbox_sent_and_retry_together_are_refused(db, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["outbox", "--sent", "0.5", "--retry"])
    assert exc.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_eval_with_a_missing_engine_config_file_names_it(tmp_path, capsys):
    missing = tmp_path / "nope.toml"
    argv = ["eval", "track", "--engine-config", str(missing), "--data", str(tmp_path / "x.jsonl")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err == f"storybot: error: engine config file not found: {missing}\n"


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (None, "config path is a directory, not a file: {path}"),
        (b"[engine]\nx=", "config file {path} is not valid TOML: "),
        (b"[engine]\non_topic_threshold = 0.1\n# caf\xe9\n", "config file {path} is not UTF-8"),
    ],
)
def test_eval_with_an_unreadable_engine_config_says_why_as_config_does(
    tmp_path, capsys, content, said
):
    # it said "[Errno 21] Is a directory" where --config gives a worded line
    path = tmp_path / "engine.toml"
    if content is None:
        path.mkdir()
    else:
        path.write_bytes(content)
    argv = ["eval", "track", "--engine-config", str(path), "--data", str(tmp_path / "x.jsonl")]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("storybot eval: bad --engine-config: " + said.format(path=path)), err


@pytest.mark.parametrize("value", ["3", "[]", '"fast"', "[0.2]"])
def test_eval_engine_config_whose_engine_is_no_table_is_refused(tmp_path, capsys, value):
    # `engine = 3` was a TypeError traceback, `engine = []` measured the defaults and
    # `engine = "fast"` named its letters as unknown settings; --config says this already
    experiment = tmp_path / "experiment.toml"
    experiment.write_text(f"engine = {value}\n")
    data = tmp_path / "x.jsonl"
    argv = ["eval", "track", "--engine-config", str(experiment), "--data", str(data)]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err == "storybot eval: bad --engine-config: [engine] must be a table\n"


class _Terminal(io.StringIO):
    """Standard output as a terminal: poll --once draws its progress line there."""

    def isatty(self) -> bool:
        return True

    def shown(self) -> list[str]:
        """The lines a terminal ends up showing: each one as its last carriage return left it."""
        return [line.rsplit("\r", 1)[-1].rstrip() for line in self.getvalue().split("\n")]


def test_poll_once_on_a_terminal_lists_a_failed_feed_once_in_the_summary(
    db, monkeypatch, feed_server
):
    feed_server.add_status("/dead.xml", 404)
    feed_server.add_feed("/a.xml", feed_of(as_entry(samples("unrelated")[0])))
    main(["feeds", "add", feed_server.url("/dead.xml"), feed_server.url("/a.xml")])
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stdout", terminal)
    assert main(["poll", "--once"]) == 0
    shown = terminal.shown()
    dead = [line for line in shown if feed_server.url("/dead.xml") in line]
    assert dead == [
        f"  failed: {feed_server.url('/dead.xml')}: HTTP 404 Not Found: feed not found (check the URL)"
    ], shown
    assert "" not in shown[:-1], "no blank line between the progress line and the summary"
    assert "\r[2/2] " in terminal.getvalue() and "not_modified" not in terminal.getvalue()


def test_poll_once_progress_line_fits_the_terminal_width(db, monkeypatch, feed_server):
    # a line longer than the terminal wraps, and "\r" then redraws only its last part:
    # one stale line per feed scrolls by ("[1000/1000] unchanged " + a 60-character URL
    # is 82 columns)
    long_path = "/world-news-and-politics-section/latest-stories-feed.xml"
    feed_server.add_feed(long_path, feed_of(as_entry(samples("unrelated")[0])))
    feed_server.add_feed("/a.xml", feed_of(as_entry(samples("unrelated")[1])))
    main(["feeds", "add", feed_server.url(long_path), feed_server.url("/a.xml")])
    monkeypatch.setenv("COLUMNS", "40")
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stdout", terminal)
    assert main(["poll", "--once"]) == 0
    progress = terminal.getvalue().split("\n")[0].split("\r")[1:]
    assert len(progress) == 2 and all(len(part) < 40 for part in progress), progress
    assert progress[0].startswith(("[1/2] ok", "[1/2] unchanged")) and "http://127" in progress[0]


def _prunable(db: str, items: int, notices: int = 0) -> None:
    """``items`` off-topic items and ``notices`` delivered keyword DMs, all long past."""
    from datetime import UTC, datetime

    from store_builders import DM, new_item, write

    long_ago = datetime(2020, 1, 1, tzinfo=UTC)
    store = open_store(db)
    try:
        ids = [store.ingest_item(new_item(n, at=long_ago))[1].id for n in range(1, items + 1)]
        store.save_background({"n_docs": items, "df": {}}, max(ids), long_ago)
        keys = [f"notice:1:{n}" for n in range(1, notices + 1)]
        store.enqueue([write(key, DM) for key in keys], long_ago)
        for key in keys:
            entry = store.get_outbox(key)
            store.mark_delivered(entry.id, entry.version, "m", long_ago)
    finally:
        store.close()


def test_prune_on_a_terminal_shows_its_progress_on_stderr_batch_by_batch(db, monkeypatch, capsys):
    """A million items took half a minute with nothing shown. Each line is drawn after a
    batch was committed; the summary on stdout is as before (a script reads it)."""
    import storage.retention

    _prunable(db, items=5, notices=1)
    monkeypatch.setattr(storage.retention, "PRUNE_BATCH", 2)
    monkeypatch.setenv("COLUMNS", "200")
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["prune", "--older-than", "30"]) == 0
    assert terminal.getvalue().split("\r")[1:] == [
        "[1/4 batches] blanked 2 items, deleted 0 notices and digests so far",
        "[2/4 batches] blanked 4 items, deleted 0 notices and digests so far",
        "[3/4 batches] blanked 5 items, deleted 0 notices and digests so far",
        "[4/4 batches] blanked 5 items, deleted 1 notice or digest so far   \n",
    ]
    assert capsys.readouterr().out.splitlines() == [
        "blanked the text of 5 off-topic items fetched more than 30 days ago; deleted "
        "1 delivered notice or digest queued before then and 0 development updates recorded "
        "before then that every follow's digests have passed",
        "SQLite reuses the freed pages; run VACUUM to shrink the file itself",
    ]


def test_prune_deletes_old_development_updates_nobody_will_read_and_counts_them(
    db, db_url, monkeypatch, capsys
):
    """What later reports added to a development (digests' "Updated since the last
    digest") was never deleted: rows no follow will read again (here: a story nobody
    follows) go, counted by --dry-run, the progress line and the summary. On SQLite and
    PostgreSQL (the delete is an anti-join on the follows)."""
    from datetime import UTC, datetime

    from store_builders import new_item, seed

    import storage.retention
    from bot.ports import DevelopmentWrite

    monkeypatch.setenv("STORYBOT_DATABASE_URL", db_url)  # `db`: the rest of the CLI's env
    long_ago = datetime(2020, 1, 1, tzinfo=UTC)
    store = open_store(db_url)
    try:
        story = store.add_story("s", "A story", [seed(1)], long_ago)
        for n in (1, 2, 3):
            item = store.ingest_item(new_item(n, at=long_ago))[1]
            write = DevelopmentWrite(
                story.id, 1, "H", "S", (item.id,), fact=f"Outlet {n}: more.", fact_item_id=item.id
            )
            store.commit_decisions([], [write], {}, [], long_ago)
        store.save_background({"n_docs": 3, "df": {}}, item.id, long_ago)
    finally:
        store.close()
    monkeypatch.setattr(storage.retention, "PRUNE_BATCH", 1)
    assert main(["prune", "--older-than", "30", "--dry-run"]) == 0
    assert "would delete 0 delivered notices and digests queued before then and 2 " in (
        capsys.readouterr().out
    )
    monkeypatch.setenv("COLUMNS", "200")
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["prune", "--older-than", "30"]) == 0
    assert terminal.getvalue().split("\r")[-1] == (
        "[5/5 batches] blanked 0 items, deleted 0 notices and digests, 2 updates so far\n"
    )
    assert capsys.readouterr().out.splitlines()[0] == (
        "blanked the text of 0 off-topic items fetched more than 30 days ago; deleted "
        "0 delivered notices and digests queued before then and 2 development updates "
        "recorded before then that every follow's digests have passed"
    )
    store = open_store(db_url)
    try:
        assert store.development_updates_after(story.id, 0) == ([], 0)
    finally:
        store.close()


def test_prune_shows_no_progress_where_stderr_is_no_terminal(db, monkeypatch, capsys):
    # cron mails what a command prints, and a log file would fill with redrawn lines
    import storage.retention

    _prunable(db, items=5)
    monkeypatch.setattr(storage.retention, "PRUNE_BATCH", 2)
    assert main(["prune", "--older-than", "30"]) == 0
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out.startswith("blanked the text of 5 off-topic items")


class _InterruptedTerminal(_Terminal):
    """A terminal at which Ctrl-C is pressed while the second batch's line is drawn."""

    def write(self, text: str) -> int:
        if text.startswith("\r[2/") and "[2/" not in self.getvalue():
            super().write(text)
            raise KeyboardInterrupt
        return super().write(text)


def test_prune_stopped_midway_keeps_what_it_did_and_a_second_run_does_the_rest(
    db, monkeypatch, capsys
):
    import storage.retention

    _prunable(db, items=5)
    monkeypatch.setattr(storage.retention, "PRUNE_BATCH", 2)
    monkeypatch.setenv("COLUMNS", "200")
    terminal = _InterruptedTerminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert main(["prune", "--older-than", "30"]) == 130
    assert terminal.shown() == [
        "[2/3 batches] blanked 4 items, deleted 0 notices and digests so far",
        "storybot: prune stopped after blanking the text of 4 off-topic items, deleting "
        "0 delivered notices and digests and 0 development updates; that stays done: run it "
        "again to do the rest",
        "storybot: interrupted",
        "",
    ]
    assert capsys.readouterr().out == ""
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert main(["prune", "--older-than", "30"]) == 0
    assert capsys.readouterr().out.startswith("blanked the text of 1 off-topic item fetched")


def test_story_add_takes_several_seeds_after_one_seed_flag(db, capsys):
    # README: `story add NAME --seed FILE_OR_URL ...` (a shell glob gives several)
    files = [str(p) for p in sorted(seeds_dir().glob("*.txt"))]
    assert main(["story", "add", "pentagon", "--seed", *files[:3], "--seed", files[3]]) == 0
    assert "created story 'pentagon'" in capsys.readouterr().out
    main(["story", "list"])
    assert "\t4 seeds\t" in capsys.readouterr().out


def test_chat_with_piped_input_prints_the_replies_without_prompts_or_banner(
    db, capsys, monkeypatch
):
    main(["story", "add", "pentagon", *seeds()])
    capsys.readouterr()
    monkeypatch.setattr(sys, "stdin", io.StringIO("stories\n/story subscriptions\n"))
    assert main(["chat"]) == 0
    out = capsys.readouterr().out
    assert not any(line.startswith("/story") for line in out.splitlines()), out
    assert out.startswith("Stories:\n"), out  # no banner for a person who is not there
    assert "Stories:\n• pentagon: " in out and "\nYou have no subscriptions" in out, out


def test_chat_with_piped_input_ends_with_its_last_reply_not_a_blank_line(db, capsys, monkeypatch):
    # `printf 'stories\n' | storybot chat > replies.txt` ended the file with an empty line:
    # the newline that ends a terminal's "/story " prompt at EOF, printed with no prompt
    main(["story", "add", "pentagon", *seeds()])
    capsys.readouterr()
    monkeypatch.setattr(sys, "stdin", io.StringIO("stories\n"))
    assert main(["chat"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Stories:\n• pentagon: ") and not out.endswith("\n\n"), repr(out)


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["chat"], "an interactive /story session in the terminal"),
        (["run"], "run the service: scheduler, outbox worker"),
        (["story", "add"], "usage: storybot story add [-h] NAME --seed FILE_OR_URL"),
        (["story", "add"], "create a story from seed articles"),
        (["ask"], "usage: storybot ask [-h] [--config PATH] [-v] TEXT ..."),
        (["db-upgrade"], "apply database migrations"),
    ],
)
def test_each_subcommand_help_says_what_it_does(capsys, argv, says):
    with pytest.raises(SystemExit) as done:
        main([*argv, "--help"])
    assert done.value.code == 0
    assert says in " ".join(capsys.readouterr().out.split()), argv


def test_every_subcommand_usage_shows_the_global_options_it_takes():
    """`storybot story add --help` has a usage line of its own (NAME before --seed), which
    left out the [--config PATH] [-v] every other command's usage shows."""

    def subcommands(parser):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub in action.choices.values():
                    yield sub
                    yield from subcommands(sub)

    checked = 0
    for sub in subcommands(build_parser()):
        takes = any("--config" in action.option_strings for action in sub._actions)
        shown = " ".join(sub.format_usage().split())
        assert takes == ("[--config PATH] [-v]" in shown), shown
        checked += 1
    assert checked > 20


def test_prune_counts_in_the_right_number_and_suggests_vacuum_once_it_freed_space(db, capsys):
    from datetime import UTC, datetime, timedelta

    from store_builders import DM, write

    now = datetime.now(UTC)
    store = open_store(db)
    try:
        store.enqueue([write("notice:1:1", DM)], now - timedelta(days=3))
        entry = store.get_outbox("notice:1:1")
        store.mark_delivered(entry.id, entry.version, "m1", now - timedelta(days=3))
    finally:
        store.close()
    assert main(["prune", "--older-than", "1", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "0 off-topic items fetched more than a day ago" in out, out
    assert "would delete 1 delivered notice or digest queued before then" in out, out
    assert main(["prune", "--older-than", "1"]) == 0
    out = capsys.readouterr().out
    assert "deleted 1 delivered notice or digest" in out and "run VACUUM" in out, out


def test_db_upgrade_names_the_database_it_upgraded(db, tmp_path, capsys):
    open_store(db).close()  # where there is none it says so (test_cli_declared)
    assert main(["db-upgrade"]) == 0
    shown = f"database {tmp_path / 'cli.db'} (STORYBOT_DATABASE_URL) is at the latest schema"
    assert capsys.readouterr().out == shown + "\n"


def test_db_upgrade_says_from_which_revision_it_upgraded_an_older_database(db, tmp_path, capsys):
    from alembic import command
    from alembic.script import ScriptDirectory

    from storage.migrate import alembic_config, migration_connection

    config = alembic_config()

    def made_by_an_older_storybot() -> None:
        store = open_store(db, upgrade=False)
        with migration_connection(store.engine) as connection:
            config.attributes["connection"] = connection
            if MigrationContext.configure(connection).get_current_heads():
                command.downgrade(config, "0008")
            else:
                command.upgrade(config, "0008")
        store.close()

    from alembic.runtime.migration import MigrationContext

    made_by_an_older_storybot()
    head = ScriptDirectory.from_config(config).get_current_head()
    name = f"database {tmp_path / 'cli.db'} (STORYBOT_DATABASE_URL)"
    assert main(["db-upgrade"]) == 0
    said = capsys.readouterr()
    assert said.out == f"{name}: upgraded from schema revision 0008 to {head}\n"
    assert "upgraded" not in said.err, "said once, on stdout, not logged as well"
    assert main(["db-upgrade"]) == 0  # nothing left to do: said so
    assert capsys.readouterr().out == f"{name} is at the latest schema\n"
    # any other command that opens it logs it (the service on start)
    made_by_an_older_storybot()
    assert main(["story", "list"]) == 0
    said = capsys.readouterr()
    assert f"INFO storage: {name}: upgraded from schema revision 0008 to {head}" in said.err


async def test_run_says_which_database_it_runs_on(db, tmp_path, caplog):
    import asyncio
    import logging

    from adapters.app import build_app
    from adapters.service import run_service
    from bot.settings import load_settings

    app = build_app(load_settings(None))
    stop = asyncio.Event()
    asyncio.get_running_loop().call_soon(stop.set)  # at the service's first wait
    with caplog.at_level(logging.INFO, logger="adapters.app"):
        await run_service(app, stop=stop)
    running = [r.getMessage() for r in caplog.records if "is running" in r.getMessage()]
    assert running == [
        f"storybot is running on database {tmp_path / 'cli.db'} (STORYBOT_DATABASE_URL); "
        "stop with Ctrl-C or SIGTERM"
    ], caplog.text
    assert caplog.records[-1].getMessage() == "storybot stopped"  # the operator sees it end


@pytest.mark.parametrize(
    ("scheduler", "where"),
    [(True, "this console"), (False, "the output of the `storybot worker`s that deliver")],
)
async def test_run_without_tokens_says_where_alerts_print(db, capsys, scheduler, where):
    import asyncio

    from adapters import operator
    from adapters.app import build_app
    from bot.settings import load_settings

    stop = asyncio.Event()
    stop.set()  # stop at once: only the start-up notice is wanted
    await operator.run(build_app(load_settings(None)), scheduler=scheduler, stop=stop)
    assert f"no chat tokens set: alerts print to {where} (" in capsys.readouterr().err


def test_a_seed_page_trafilatura_cannot_parse_logs_no_trafilatura_errors(db, caplog, feed_server):
    # XML that is no feed (a feed is refused before trafilatura reads it): trafilatura
    # finds no HTML tree in it and logs ERRORs
    note = b'<?xml version="1.0"?><note><p>Pentagon and Anthropic resume talks.</p></note>'
    feed_server.add_feed("/note.xml", note, content_type="text/xml")
    main(["story", "add", "pentagon", "--seed", feed_server.url("/note.xml")])
    assert [r for r in caplog.records if r.name.startswith("trafilatura")] == [], caplog.text


@pytest.mark.parametrize(("given", "grace"), [(None, 30.0), ("5", 5.0), ("0", 0.0)])
def test_worker_stop_grace_is_taken_from_the_command_line(given, grace):
    from adapters.cli_parser import build_parser

    argv = ["worker"] + (["--stop-grace", given] if given else [])
    assert build_parser().parse_args(argv).stop_grace == grace


@pytest.mark.parametrize("given", ["-1", "nan", "inf", "soon"])
def test_worker_stop_grace_refuses_what_is_not_a_duration(capsys, given):
    with pytest.raises(SystemExit) as done:
        main(["worker", "--stop-grace", given])
    assert done.value.code == 2
    assert "not a number of seconds (0 or more)" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("option", "given"),
    [
        ("--heartbeat", "0"),  # a heartbeat loop without a pause: PostgreSQL hammered
        ("--heartbeat", "-1"),
        ("--heartbeat", "nan"),
        ("--stalled-after", "inf"),
        ("--stalled-after", "0"),
    ],
)
def test_worker_heartbeat_and_stalled_after_refuse_what_is_not_a_duration(capsys, option, given):
    with pytest.raises(SystemExit) as done:
        main(["worker", option, given])
    assert done.value.code == 2
    assert f"argument {option}: not a number of seconds (more than 0)" in capsys.readouterr().err


def test_ask_stories_add_creates_the_database_and_a_story_from_urls(
    db, tmp_path, capsys, feed_server
):
    from seed_pages import CHIPS_1, CHIPS_2

    assert main(["ask", "stories"]) == 2  # a listing: no database made for it
    assert "no database at" in capsys.readouterr().err
    first = feed_server.add_feed("/chips-1", CHIPS_1, content_type="text/html")
    second = feed_server.add_feed("/chips-2", CHIPS_2, content_type="text/html")
    argv = ["ask", "stories", "add", "chips", first, second, "--title", "Chips", "Act"]
    assert main(argv) == 0  # adding may create it, as `story add` does
    assert "Created story chips: Chips Act (2 seeds)" in capsys.readouterr().out
    stored = open_store(db)
    assert [s.name for s in stored.list_stories()] == ["chips"]
    stored.close()
    assert main(["ask", "stories", "remove", "chips"]) == 0
    assert "Removed story chips." in capsys.readouterr().out
    assert main(["ask", "stories", "add", "chips", "/etc/passwd"]) == 1
    assert "'/etc/passwd' is not a valid article URL" in capsys.readouterr().out


# --------------------------------------------------------------- audit findings


@pytest.mark.parametrize(
    "argv",
    [
        ["ask", "/story status pentagon"],
        ["ask", "/story", "status", "pentagon"],
        ["ask", "/STORY status"],
    ],
)
def test_ask_takes_a_command_pasted_with_its_story_prefix(db, capsys, argv):
    main(["story", "add", "pentagon", *seeds()])
    capsys.readouterr()
    assert main(argv) == 0
    assert "(pentagon)" in capsys.readouterr().out


def test_ask_of_the_story_prefix_alone_is_a_usage_error(db, capsys):
    with pytest.raises(SystemExit) as done:
        main(["ask", "/story"])
    assert done.value.code == 2
    assert "the /story command is missing" in capsys.readouterr().err


@pytest.mark.parametrize("words", [[""], ["   "], ["", ""], ["/story", ""]])
def test_ask_of_an_empty_command_is_a_usage_error_as_ask_alone_is(db, capsys, words):
    # `storybot ask ""` printed the help and exited 0, where `storybot ask` exits 2
    with pytest.raises(SystemExit) as done:
        main(["ask", *words])
    assert done.value.code == 2
    captured = capsys.readouterr()
    assert "the /story command is missing" in captured.err and captured.out == ""


def test_run_without_the_scheduler_on_sqlite_is_refused_naming_why(db, tmp_path, capsys):
    # nothing may start: no worker can use SQLite (were it to start, it is stopped)
    run = run_stopped_once_started(lambda: main(["run", "--no-scheduler"]))
    assert run == Run(2, started=False, signalled=False)
    err = capsys.readouterr().err
    assert "run --no-scheduler leaves polling and delivery to `storybot worker` processes" in err
    assert f"database {tmp_path / 'cli.db'} (STORYBOT_DATABASE_URL) is not PostgreSQL" in err
    assert "Run `storybot run` (without --no-scheduler)" in err
    assert not (tmp_path / "cli.db").exists(), "refused before the database is opened"


def test_outbox_lines_name_the_story_of_a_message_that_has_one(db, capsys):
    from datetime import UTC, datetime

    from store_builders import DM, message, write

    from bot.ports import OutboxWrite

    store = open_store(db)
    try:
        now = datetime(2026, 3, 1, tzinfo=UTC)
        notice = message("Keyword match", story_name=None)
        store.enqueue([write("a", title="Pentagon deal"), OutboxWrite("b", DM, notice)], now)
    finally:
        store.close()
    assert main(["outbox"]) == 0
    out = capsys.readouterr().out
    assert "alert [story] to slack channel C1: 'Pentagon deal'" in out
    assert "alert to discord user U1: 'Keyword match'" in out


@pytest.mark.parametrize(
    "argv",
    [
        ["poll", "--once", "-v"],
        ["story", "list", "--verbose"],
        ["feeds", "list", "--config", "{config}"],
        ["outbox", "-v", "--config", "{config}"],
    ],
)
def test_verbose_and_config_are_taken_after_the_command_too(db, tmp_path, capsys, argv):
    from adapters.cli_parser import build_parser

    config = tmp_path / "after.toml"
    config.write_text("[polling]\ntimeout_s = 5\n")
    argv = [a.format(config=config) for a in argv]
    args = build_parser().parse_args(argv)
    assert args.verbose == int("-v" in argv or "--verbose" in argv)
    assert args.config == (str(config) if "--config" in argv else None)
    open_store(db).close()
    assert main(argv) == 0


def test_options_before_the_command_still_work_and_are_not_undone_after_it(tmp_path):
    from adapters.cli_parser import build_parser

    args = build_parser().parse_args(["-v", "--config", "a.toml", "story", "list"])
    assert args.verbose == 1 and args.config == "a.toml"
    assert build_parser().parse_args(["-vv", "story", "list"]).verbose == 2
    assert build_parser().parse_args(["run", "-vv"]).verbose == 2
    args = build_parser().parse_args(["--config", "a.toml", "story", "list", "--config", "b.toml"])
    assert args.config == "b.toml"  # the later one, as with any repeated option
    # ask's words are all the /story command's once they begin, options included
    assert build_parser().parse_args(["ask", "subscribe", "x", "-v"]).text == [
        "subscribe",
        "x",
        "-v",
    ]


def test_ask_takes_verbose_and_config_right_after_ask_and_leaves_later_words_to_the_command(
    db, tmp_path, capsys
):
    """`storybot ask -v status` was "unrecognized arguments: -v": no /story command starts
    with '-', so options before the command's words are storybot's; after them they stay
    the command's (`-bread` is a query's NOT bread)."""
    args = build_parser().parse_args(["ask", "-vv", "status"])
    assert (args.verbose, args.text) == (2, ["status"])
    args = build_parser().parse_args(["ask", "--verbose", "subscribe", "bakery", "-v"])
    assert (args.verbose, args.text) == (1, ["subscribe", "bakery", "-v"])
    config = tmp_path / "c.toml"
    config.write_text("[polling]\ndefault_interval_s = 3600\n")
    argv = ["ask", "--config", str(config), "-v", "feeds", "add", "https://feeds.example/a.xml"]
    assert main(argv) == 0
    assert main(["ask", "-v", "subscribe", "bakery", "-bread"]) == 0
    assert "bakery AND NOT bread" in capsys.readouterr().out
    store = open_store(db)
    try:
        assert [f.interval_s for f in store.list_feeds()] == [3600]
    finally:
        store.close()


def test_feeds_add_of_a_polled_feed_with_another_interval_changes_it(db, capsys):
    url = "https://feeds.example/rss"
    assert main(["feeds", "add", url, "--interval", "600"]) == 0
    capsys.readouterr()
    assert main(["feeds", "add", url]) == 0
    assert (
        f"already polled: {url} (every 600 s; --interval SECONDS changes it)"
        in capsys.readouterr().out
    )
    assert main(["feeds", "add", url, "--interval", "3600"]) == 0
    out = capsys.readouterr().out
    assert f"already polled: {url}; now every 3600 s (was 600 s), from its next poll on" in out
    assert main(["feeds", "list"]) == 0
    assert f"{url}\tevery 3600 s\t" in capsys.readouterr().out


class _CountedFlushes(io.TextIOWrapper):
    """Output like capsys's (a TextIOWrapper: flushed once closed, it raises ValueError)
    that counts its flushes."""

    def __init__(self) -> None:
        super().__init__(io.BytesIO(), encoding="utf-8")
        self.flushes = 0

    def flush(self) -> None:
        self.flushes += 1
        super().flush()


def test_a_changing_command_leaves_its_output_stream_alone_once_it_returns(monkeypatch):
    """The wrapper ``feeds add``/``story add``/... write through is not the stream's owner.
    Still referenced after the command (a reference cycle can hold it until the collector
    runs), it flushed the stream when collected, after its owner had closed it: on 3.13
    "Exception ignored in: _Unbroken" (ValueError: I/O operation on closed file), which
    3.11 drops silently."""
    from adapters.cli_output import whole_output

    unraisable = []
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    out = _CountedFlushes()
    with whole_output(out) as whole:
        print("added feed #1", file=whole)
    flushed = out.flushes
    out.close()  # by its owner, as pytest's capsys does after a test
    del whole
    gc.collect()
    assert out.flushes == flushed + 1, "closing flushed it once; the wrapper did not"
    assert [u.exc_value for u in unraisable] == []


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://bob@127.0.0.1:1/storybot?password=s3cret&connect_timeout=2",
        "postgresql://bob@127.0.0.1:1/storybot?connect_timeout=2&sslpassword=s3cret",
    ],
)
def test_a_database_password_in_the_urls_query_is_not_shown(db, monkeypatch, capsys, url):
    # libpq takes the password from the query as well as from the user info
    monkeypatch.setenv("STORYBOT_DATABASE_URL", url)
    assert main(["feeds", "list"]) == 75
    err = capsys.readouterr().err
    assert err.startswith("storybot: error: cannot open the database ")
    assert "127.0.0.1:1" in err and "s3cret" not in err and "password=***" in err


@pytest.mark.parametrize("argv", [["run"], ["worker"], ["feeds", "list"], ["db-upgrade"]])
def test_a_database_server_not_reachable_at_start_exits_75_not_2(db, monkeypatch, capsys, argv):
    """EX_TEMPFAIL: a supervisor retries it (systemd's RestartPreventExitStatus=2 does not
    retry a configuration error, which retrying cannot fix)."""
    url = "postgresql://bob:s3cret@127.0.0.1:1/storybot?connect_timeout=2"
    monkeypatch.setenv("STORYBOT_DATABASE_URL", url)
    assert main(argv) == 75
    err = capsys.readouterr().err
    assert err.startswith("storybot: error: cannot open the database ")
    assert "127.0.0.1:1" in err and "s3cret" not in err
    assert len(err.splitlines()) == 1 and "Traceback" not in err


@pytest.mark.parametrize("argv", [["run"], ["feeds", "list"]])
def test_a_bad_database_url_option_exits_2_not_75(db, monkeypatch, capsys, argv):
    """A client-side error (here libpq refusing ``sslmode=bogus``) is no server down:
    exit 2, which systemd does not retry, not 75."""
    url = "postgresql://postgres@127.0.0.1/postgres?sslmode=bogus"
    monkeypatch.setenv("STORYBOT_DATABASE_URL", url)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("storybot: error: cannot open the database ")
    assert "sslmode" in err and len(err.splitlines()) == 1


@pytest.mark.postgres
def test_a_database_that_refuses_the_connection_at_start_is_a_config_error_exit_2(
    db, monkeypatch, capsys, pg_database
):
    url = pg_database.set(database="no_such_storybot_db").render_as_string(hide_password=False)
    monkeypatch.setenv("STORYBOT_DATABASE_URL", url)
    assert main(["run"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("storybot: error: cannot open the database ")
    assert "no_such_storybot_db" in err and len(err.splitlines()) == 1


@pytest.mark.parametrize(
    "text",
    [
        "feeds add http://10.0.0.1/x",  # a host the poller refuses
        "subscribe",  # used wrongly
        "subscribe -pentagon",  # a query that would match almost everything
        "follow nosuch",  # no such story
        "unsubscribe 5",  # nothing to remove
    ],
)
def test_a_refused_ask_creates_no_database(db, tmp_path, capsys, text):
    assert main(["ask", text]) in (1, 2)
    assert capsys.readouterr().out.strip(), "the refusal is said"
    assert not (tmp_path / "cli.db").exists()
    assert not list(tmp_path.glob("cli.db*")), "nor its journal files"


def test_a_refused_ask_leaves_an_existing_database_alone(db, tmp_path, capsys):
    assert main(["ask", "subscribe rail"]) == 0  # a new database, kept: it holds this
    assert main(["ask", "subscribe -rail"]) == 1
    stored = open_store(db)
    assert [s.query for s in stored.all_subscriptions()] == ["rail"]
    stored.close()


def test_a_chat_whose_commands_changed_nothing_creates_no_database(
    db, tmp_path, capsys, monkeypatch
):
    monkeypatch.setattr(sys, "stdin", io.StringIO("subscribe -rail\nstatus\nhelp\nfollow x\n"))
    assert main(["chat"]) == 0
    assert "would match almost every item" in capsys.readouterr().out
    assert not list(tmp_path.glob("cli.db*"))
    monkeypatch.setattr(sys, "stdin", io.StringIO("subscribe -rail\nsubscribe rail\n"))
    assert main(["chat"]) == 0
    stored = open_store(db)
    assert [s.query for s in stored.all_subscriptions()] == ["rail"]
    stored.close()


class _PipedWhileUsed(io.StringIO):
    """Piped ``storybot chat`` input; ``meanwhile`` runs as the session reads its first
    line: another storybot process using the same database during the session."""

    def __init__(self, text, meanwhile):
        super().__init__(text)
        self.meanwhile = meanwhile

    def readline(self, *args):
        meanwhile, self.meanwhile = self.meanwhile, None
        if meanwhile is not None:
            meanwhile()
        return super().readline(*args)


def test_a_chat_that_only_read_keeps_the_new_database_another_storybot_wrote_to(
    db, tmp_path, capsys, monkeypatch
):
    def another_storybot():  # `storybot ask "subscribe rail"` in another terminal, say
        other = open_store(db)
        other.add_subscription("slack", "U1", "rail", None, T0)
        other.close()

    monkeypatch.setattr(sys, "stdin", _PipedWhileUsed("status\n", another_storybot))
    assert main(["chat"]) == 0
    assert (tmp_path / "cli.db").exists(), "the other storybot's subscription was deleted"
    stored = open_store(db)
    assert [s.query for s in stored.all_subscriptions()] == ["rail"]
    stored.close()


def _open_store(url: str):
    return open_store(url)


def _a_reader(url: str):
    """A connection that has read the file and holds it open, nothing written (a storybot
    that opened it and has only read so far)."""
    conn = sqlite3.connect(url.removeprefix("sqlite:///"), check_same_thread=False)
    conn.execute("SELECT count(*) FROM stories").fetchone()
    return conn


@pytest.mark.parametrize("opens", [_open_store, _a_reader])
def test_a_chat_that_only_read_keeps_the_new_database_another_storybot_has_open(
    db, tmp_path, capsys, monkeypatch, opens
):
    running = []  # `storybot run` started while the chat was open, say
    monkeypatch.setattr(
        sys, "stdin", _PipedWhileUsed("status\n", lambda: running.append(opens(db)))
    )
    try:
        assert main(["chat"]) == 0
        assert (tmp_path / "cli.db").exists(), "removed under a storybot still using it"
    finally:
        for other in running:
            other.close()
    assert not (tmp_path / "cli.db-journal").exists()
    stored = open_store(db)  # still a database, in WAL mode as before
    assert stored.list_stories() == []
    stored.close()


async def test_a_refused_ask_keeps_the_new_database_another_storybot_wrote_to(db, tmp_path, capsys):
    from adapters import operator
    from adapters.app import build_app
    from bot.settings import load_settings

    path = tmp_path / "cli.db"
    app = build_app(load_settings())  # the database is new: this opening creates it
    new_database = operator.NewDatabase(path)
    other = open_store(db)  # another storybot using the same new file meanwhile
    other.add_subscription("slack", "U1", "rail", None, T0)
    other.close()

    assert await operator.ask(app, "follow nosuch", new_database=new_database) == 1

    assert "no story named 'nosuch'" in capsys.readouterr().out
    stored = open_store(db)
    assert [s.query for s in stored.all_subscriptions()] == ["rail"]
    stored.close()


def test_a_mistyped_storybot_variable_is_warned_about_once_and_ignored(db, monkeypatch, capsys):
    monkeypatch.setenv("STORYBOT_ALOWED_HOSTS", "10.0.0.0/8")
    assert main(["story", "list"]) == 2  # no database here yet: the command itself runs
    err = capsys.readouterr().err
    assert (
        "storybot: warning: STORYBOT_ALOWED_HOSTS is not a storybot variable and is ignored"
        " (did you mean STORYBOT_ALLOWED_HOSTS?)\n"
    ) in err
    assert err.count("STORYBOT_ALOWED_HOSTS") == 1


def test_poll_once_deliver_lists_an_alerts_links_in_number_order_hiding_none_it_cites(
    db, capsys, feed_server
):
    # The sample timeline read at once: the first alert's summary cites its 4th report.
    # It listed "[4]", "[1]", "[2]" and "… and 1 more link": [3] hidden while [4] showed.
    main(["story", "add", "pentagon", *seeds()])
    entries = [as_entry(item, n) for n, item in enumerate(TIMELINE["items"])]
    feed_server.add_feed("/a.xml", feed_of(*entries))
    main(["feeds", "add", feed_server.url("/a.xml")])
    assert main(["poll", "--once", "--deliver"]) == 0
    out = capsys.readouterr().out
    alert = out[out.index("== NEW DEVELOPMENT") :].split("\n== ")[0]
    body = alert.splitlines()[1]
    cited = {int(n) for n in re.findall(r"\[(\d+)\]", body)}
    listed = [int(n) for n in re.findall(r"^   \[(\d+)\] ", alert, re.M)]
    assert cited and cited <= set(listed), alert
    assert listed == sorted(listed), alert
    assert listed == list(range(1, len(listed) + 1)), alert  # none left out before a shown one


@pytest.mark.parametrize("module", ["adapters.cli", "adapters.entry"])
def test_storybot_runs_as_a_python_module_with_its_exit_codes(module: str, tmp_path) -> None:
    # `python -m adapters.cli` (and the console script's own module) are storybot too, for
    # a machine where the console script is not on PATH; exit codes pass through
    env = {k: v for k, v in os.environ.items() if not k.startswith("STORYBOT_")}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", module, *args],
            cwd=tmp_path,
            env=code_env(env),
            capture_output=True,
            text=True,
            timeout=60,
        )

    version = run("--version")
    assert version.returncode == 0 and re.fullmatch(r"storybot \S+\n", version.stdout)
    typo = run("poll", "--onse")
    assert typo.returncode == 2 and "did you mean --once?" in typo.stderr
    assert "Traceback" not in typo.stderr and not list(tmp_path.iterdir())  # no database made


def test_ask_wrong_records_a_correction_that_ask_why_then_names(db, capsys):
    """``storybot ask "wrong URL"``: the operator at the terminal is an admin of it."""
    from store_builders import new_item

    from bot.model import Judgement

    main(["story", "add", "pentagon", *seeds()])
    store = open_store(db)
    story = store.get_story("pentagon")
    _, item = store.ingest_item(new_item(1))
    store.commit_decisions([Judgement(story.id, item.id, False, 0.02)], [], {}, [], T0)
    store.close()
    capsys.readouterr()

    assert main(["ask", "wrong", item.url]) == 0
    out = capsys.readouterr().out
    assert 'Recorded: "Title 1" is part of pentagon. It counts as a seed from now on' in out
    assert main(["ask", "why", item.url]) == 0
    out = capsys.readouterr().out
    assert re.search(
        r"storybot's operator \(in the terminal\) said on \d{4}-\d\d-\d\d this is part of "
        r"pentagon: the decision above stands",
        out,
    ), out
    assert main(["ask", "wrong", "https://nowhere.example/x"]) == 1
    assert "storybot has not seen an item at https://nowhere.example/x" in capsys.readouterr().out
    store = open_store(db)
    assert store.all_corrections() == {story.id: {item.id: True}}
    store.close()
