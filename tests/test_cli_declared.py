"""Stories and feeds the ``--config`` file declares ([[stories]], [feeds] urls), from the CLI.

Every command adds the declared ones that are missing (``adapters.declared.apply_declared``):
a removal says it will not last, a reading command adds them only to a database that
exists, and a seed that cannot be read names the file and the story it belongs to.
"""

from __future__ import annotations

import os

import pytest
from feedserver import feed_server  # noqa: F401  (fixture)
from storyworld import seeds_dir
from test_cli import assert_still_empty, empty_db  # noqa: F401  (fixtures)

from adapters.cli import main
from storage import open_store

pytest_plugins = ["store_fixtures"]  # db (the CLI on a SQLite file); pg_url, for empty_db


def _config(tmp_path, *, story: str | None = None, seeds: list[str] | None = None, feeds=()):
    """A config file declaring ``story`` (from ``seeds``, by default the sample seeds) and ``feeds``."""
    lines = []
    if story:
        given = seeds if seeds is not None else [str(p) for p in sorted(seeds_dir().glob("*.txt"))]
        lines += ["[[stories]]", f"name = '{story}'", f"seeds = [{', '.join(map(repr, given))}]"]
    if feeds:
        lines += ["[feeds]", f"urls = [{', '.join(map(repr, feeds))}]"]
    path = tmp_path / "storybot.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def test_story_remove_of_a_declared_story_says_it_comes_back_and_where_to_remove_it(
    db, tmp_path, capsys
):
    config = _config(tmp_path, story="pentagon")
    assert main(["--config", config, "story", "add", "other", "--seed", _a_seed()]) == 0
    capsys.readouterr()
    assert main(["--config", config, "story", "remove", "Pentagon"]) == 0
    captured = capsys.readouterr()
    assert "removed story 'pentagon'" in captured.out
    assert (
        f"note: 'pentagon' is declared in [[stories]] of {config}: the next storybot command "
        "run with that file (storybot run included) adds it again; remove it there to keep "
        "it removed"
    ) in captured.err
    assert main(["--config", config, "story", "remove", "other"]) == 0
    assert "note:" not in capsys.readouterr().err, "only a declared story is noted"


def test_feeds_remove_of_a_declared_feed_says_it_comes_back_in_any_spelling(db, tmp_path, capsys):
    config = _config(tmp_path, feeds=["HTTP://127.0.0.1:80/f.xml"])
    argv = ["--config", config, "feeds", "add", "http://127.0.0.1/other.xml"]
    assert main(argv) == 0
    capsys.readouterr()
    assert main(["--config", config, "feeds", "remove", "http://127.0.0.1/f.xml"]) == 0
    err = capsys.readouterr().err
    assert f"note: http://127.0.0.1/f.xml is declared in [feeds] urls of {config}" in err
    assert "adds it again; remove it there to keep it removed" in err
    assert main(["--config", config, "feeds", "remove", "http://127.0.0.1/other.xml"]) == 0
    assert "note:" not in capsys.readouterr().err


def test_chat_remove_of_a_declared_story_or_feed_says_it_comes_back_as_the_cli_does(
    db, tmp_path, capsys
):
    config = _config(tmp_path, story="pentagon", feeds=["HTTP://127.0.0.1:80/f.xml"])
    argv = ["--config", config, "story", "add", "other", "--seed", _a_seed()]
    assert main(argv) == 0
    assert main(["--config", config, "feeds", "add", "http://127.0.0.1/other.xml"]) == 0
    capsys.readouterr()
    again = (
        "the next storybot command run with that file (storybot run included) adds it "
        "again; remove it there to keep it removed."
    )
    name = os.path.basename(config)  # chat names the file, not where it lies on the server
    assert name != config
    assert main(["--config", config, "ask", "stories remove Pentagon"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "Removed story pentagon.",
        f"Note: 'pentagon' is declared in [[stories]] of {name}: {again}",
    ]
    assert main(["--config", config, "ask", "feeds remove http://127.0.0.1/f.xml"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "Removed feed http://127.0.0.1/f.xml. Items already stored are kept.",
        f"Note: http://127.0.0.1/f.xml is declared in [feeds] urls of {name}: {again}",
    ]
    # what the config file does not declare: no note
    assert main(["--config", config, "ask", "stories remove other"]) == 0
    assert main(["--config", config, "ask", "feeds remove http://127.0.0.1/other.xml"]) == 0
    assert "Note:" not in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv",
    [["feeds", "list"], ["story", "list"], ["outbox"], ["ask", "status"], ["ask", "feeds"]],
)
def test_a_read_only_command_creates_no_database_although_the_config_declares_things(
    db, tmp_path, capsys, argv
):
    config = _config(tmp_path, story="pentagon", feeds=["http://127.0.0.1/f.xml"])
    assert main(["--config", config, *argv]) == 2
    assert f"no database at {tmp_path / 'cli.db'} (STORYBOT_DATABASE_URL)" in (
        capsys.readouterr().err
    )
    assert not (tmp_path / "cli.db").exists()


@pytest.mark.parametrize(
    "argv", [["story", "list"], ["ask", "status"], ["story", "remove", "pentagon"]]
)
def test_with_no_database_yet_a_command_names_what_starts_one_with_the_declared_stories(
    db, tmp_path, capsys, argv
):
    """`storybot story add` is not the way to start where the config file declares the
    stories: `poll --once` or `run` with that file start the database with them."""
    config = _config(tmp_path, story="pentagon")
    assert main(["--config", config, *argv]) == 2
    err = capsys.readouterr().err
    assert (
        f"no database at {tmp_path / 'cli.db'} (STORYBOT_DATABASE_URL); set "
        "STORYBOT_DATABASE_URL to the database to use, or run "
        f"`storybot --config {config} poll --once` (or `run`) to start a new one here with "
        f"the stories {config} declares"
    ) in err, err
    assert "story add" not in err
    assert not (tmp_path / "cli.db").exists()
    # a config file declaring feeds only: the story is still to be added
    config = _config(tmp_path, feeds=["http://127.0.0.1/f.xml"])
    assert main(["--config", config, *argv]) == 2
    assert "or run `storybot story add` to start a new one here" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["story", "list"], ["ask", "status"], ["outbox"]])
def test_an_empty_database_names_what_starts_it_with_the_declared_stories(
    empty_db, tmp_path, capsys, argv
):
    """An existing but empty database (a new PostgreSQL database, a 0-byte file) is told as
    a missing file is: where the config file declares stories, `poll --once` or `run` with
    that file make the tables and add them; `story add` would add one story more."""
    config = _config(tmp_path, story="pentagon")
    assert main(["--config", config, *argv]) == 2
    err = capsys.readouterr().err
    assert (
        "has no storybot tables yet (an empty database): nothing is stored in it; "
        f"`storybot --config {config} poll --once` (or `run`) creates them with the stories "
        f"{config} declares"
    ) in err, err
    assert "story add" not in err
    assert_still_empty(empty_db, tmp_path)
    # a config file declaring feeds only: any first start does
    config = _config(tmp_path, feeds=["http://127.0.0.1/f.xml"])
    assert main(["--config", config, *argv]) == 2
    assert (
        "`storybot story add`, `storybot run` or `storybot db-upgrade` creates them"
        in capsys.readouterr().err
    )


def test_a_read_only_command_adds_the_declared_things_to_a_database_that_exists(
    db, tmp_path, capsys
):
    open_store(db).close()
    config = _config(tmp_path, story="pentagon", feeds=["http://127.0.0.1/f.xml"])
    assert main(["--config", config, "story", "list"]) == 0
    assert capsys.readouterr().out.startswith("pentagon\t")
    assert main(["feeds", "list"]) == 0  # without the config: they were stored
    assert "\thttp://127.0.0.1/f.xml\t" in capsys.readouterr().out


def test_db_upgrade_where_there_is_no_database_says_so_and_creates_none(db, tmp_path, capsys):
    assert main(["db-upgrade"]) == 2
    assert f"no database at {tmp_path / 'cli.db'} (STORYBOT_DATABASE_URL)" in (
        capsys.readouterr().err
    )
    assert not (tmp_path / "cli.db").exists()


@pytest.mark.parametrize("argv", [["run"], ["poll", "--once"], ["story", "list"]])
def test_a_declared_feed_on_a_refused_host_creates_no_database(
    db, tmp_path, capsys, monkeypatch, argv
):
    # refused before the store is opened, as `feeds add` of that URL is: no empty database
    # left behind for the next command in that directory to find
    monkeypatch.delenv("STORYBOT_ALLOWED_HOSTS")
    config = _config(tmp_path, feeds=["http://127.0.0.1:18765/wire.xml"])
    assert main(["--config", config, *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    if argv[0] != "story":  # a read says there is no database, as without the config
        assert f"{config}: [feeds] http://127.0.0.1:18765/wire.xml: refused: 127.0.0.1" in err
    assert not (tmp_path / "cli.db").exists()


def test_a_declared_feed_on_a_refused_host_leaves_an_empty_database_empty(
    empty_db, tmp_path, capsys, monkeypatch
):
    # an empty database counts as none (README): refused before storybot's tables are made
    monkeypatch.delenv("STORYBOT_ALLOWED_HOSTS")
    config = _config(tmp_path, feeds=["http://127.0.0.1:18765/wire.xml"])
    assert main(["--config", config, "run"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert f"{config}: [feeds] http://127.0.0.1:18765/wire.xml: refused: 127.0.0.1" in err
    assert_still_empty(empty_db, tmp_path)


@pytest.mark.parametrize("argv", [["run"], ["poll", "--once"]])
def test_a_missing_declared_seed_file_creates_no_database(db, tmp_path, capsys, argv):
    # a seed path mistyped in the config file, on the first start: refused before the
    # store is opened, as a feed on a refused host is (it left a database of empty tables)
    config = _config(tmp_path, story="anthropic-pentagon", seeds=["seeds/missing.txt"])
    assert main(["--config", config, *argv]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"storybot: error: {config}: [[stories]] 'anthropic-pentagon': seed file not found: "
        f"{tmp_path / 'seeds' / 'missing.txt'} (seed paths are relative to the config file)\n"
    )
    assert not (tmp_path / "cli.db").exists()


def test_a_missing_declared_seed_file_leaves_an_empty_database_empty(empty_db, tmp_path, capsys):
    config = _config(tmp_path, story="anthropic-pentagon", seeds=["seeds/missing.txt"])
    assert main(["--config", config, "run"]) == 2
    assert "seed file not found" in capsys.readouterr().err
    assert_still_empty(empty_db, tmp_path)


@pytest.mark.parametrize(
    ("name", "title", "says"),
    [
        ("anthropic pentagon", None, "[[stories]] 'anthropic pentagon' is not a valid story name"),
        ("pentagon", "x" * 201, "[[stories]] 'pentagon': the title is 201 characters long"),
    ],
)
@pytest.mark.parametrize(
    "argv", [["poll", "--once"], ["story", "add", "other", "--seed", "OTHER_SEED"]]
)
def test_a_declared_story_name_or_title_that_is_refused_creates_no_database(
    db, tmp_path, capsys, argv, name, title, says
):
    # the first start with a name users could not type: the seeds were read and the store
    # opened before the name was checked, leaving a new database of empty tables behind
    seed = _a_seed()
    config = tmp_path / "storybot.toml"
    config.write_text(
        f"[[stories]]\nname = '{name}'\nseeds = ['{seed}']\n"
        + ("" if title is None else f"title = '{title}'\n"),
        encoding="utf-8",
    )
    argv = [seed if word == "OTHER_SEED" else word for word in argv]
    assert main(["--config", str(config), *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"storybot: error: {config}: {says}") and err.count("\n") == 1, err
    assert not (tmp_path / "cli.db").exists()


def test_a_missing_declared_seed_file_names_the_config_file_and_the_story(db, tmp_path, capsys):
    open_store(db).close()
    config = _config(tmp_path, story="anthropic-pentagon", seeds=["seeds/missing.txt"])
    assert main(["--config", config, "story", "list"]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"storybot: error: {config}: [[stories]] 'anthropic-pentagon': seed file not found: "
        f"{tmp_path / 'seeds' / 'missing.txt'} (seed paths are relative to the config file)\n"
    )


@pytest.mark.parametrize(
    ("status", "code", "said"),
    [(503, 75, "HTTP 503"), (429, 75, "HTTP 429"), (404, 2, "HTTP 404")],
)
def test_a_declared_seed_url_that_fails_for_now_exits_75_so_a_supervisor_retries(
    db, tmp_path, capsys, feed_server, status, code, said
):
    # `storybot run` at boot, the seed's site down for a moment: exit 2 would leave the
    # service stopped (the systemd units do not restart 2); 75 is retried, as a database
    # server that is not up yet. A seed that is not there (404) is a configuration error.
    open_store(db).close()
    feed_server.add_status("/seed.html", status)
    config = _config(tmp_path, story="pentagon", seeds=[feed_server.url("/seed.html")])
    assert main(["--config", config, "story", "list"]) == code
    err = capsys.readouterr().err
    assert err.startswith(
        f"storybot: error: {config}: [[stories]] 'pentagon': could not fetch seed "
    )
    assert said in err and err.count("\n") == 1, err
    assert main(["story", "list"]) == 0  # nothing was created
    assert "pentagon" not in capsys.readouterr().out


def test_a_declared_seed_url_whose_server_refuses_the_connection_exits_75(db, tmp_path, capsys):
    import socket

    open_store(db).close()
    with socket.socket() as sock:  # a port nothing listens on: connection refused
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    config = _config(tmp_path, story="pentagon", seeds=[f"http://127.0.0.1:{port}/seed.html"])
    assert main(["--config", config, "story", "list"]) == 75
    err = capsys.readouterr().err
    assert "could not connect" in err and "[[stories]] 'pentagon'" in err, err


def test_ask_help_reads_no_declared_seed(db, tmp_path, capsys):
    config = _config(tmp_path, story="pentagon", seeds=["missing.txt"])
    assert main(["--config", config, "ask", "help"]) == 0
    assert "/story status" in capsys.readouterr().out
    assert not (tmp_path / "cli.db").exists()


def test_a_declared_feed_file_as_seed_is_not_advised_to_be_added_as_a_feed(db, tmp_path, capsys):
    open_store(db).close()
    (tmp_path / "story.xml").write_text(_RSS, encoding="utf-8")
    config = _config(tmp_path, story="pentagon", seeds=["story.xml"])
    assert main(["--config", config, "story", "list"]) == 2
    err = capsys.readouterr().err
    assert f"{config}: [[stories]] 'pentagon': " in err
    assert "is a feed file (RSS/Atom), not an article" in err and "HTTP" in err
    assert "feeds add /" not in err, "feeds add takes no file path"


def test_a_declared_title_is_one_line_of_at_most_200_characters(db, tmp_path, capsys):
    open_store(db).close()
    config = tmp_path / "storybot.toml"
    seed = _a_seed()
    config.write_text(
        f"[[stories]]\nname = 'a'\nseeds = ['{seed}']\ntitle = '''Chips\n\tAct'''\n"
        f"[[stories]]\nname = 'b'\nseeds = ['{seed}']\ntitle = '{'x' * 201}'\n",
        encoding="utf-8",
    )
    assert main(["--config", str(config), "story", "list"]) == 2
    assert (
        f"{config}: [[stories]] 'b': the title is 201 characters long; a story's title is at "
        "most 200"
    ) in capsys.readouterr().err
    assert main(["story", "list"]) == 0
    assert capsys.readouterr().out.startswith("a\tChips Act\t1 seed\t")


def _a_seed() -> str:
    return str(sorted(seeds_dir().glob("*.txt"))[0])


_RSS = (
    '<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>'
    "<item><title>Pentagon talks</title><link>https://news.example/1</link></item>"
    "</channel></rss>"
)


def test_a_refused_ask_keeps_a_new_database_another_storybot_wrote_to_while_it_read_the_declared_seeds(
    db, tmp_path, capsys, feed_server
):
    # The config's story is added to the new file first, its seed read from its URL (a
    # while). Another storybot using the new file meanwhile (`storybot ask subscribe` in
    # another terminal, done before this command is) wrote before the refused command
    # started watching the file: its subscription was deleted with the file.
    import threading

    from feedserver import Route
    from seed_pages import CHIPS_1
    from store_builders import T0

    arrived, hold = threading.Event(), threading.Event()
    page = feed_server.add(
        "/chips-1",
        Route(body=CHIPS_1.encode(), content_type="text/html", arrived=arrived, hold=hold),
    )
    config = _config(tmp_path, story="chips", seeds=[page])

    def another_storybot() -> None:
        try:
            if arrived.wait(10):  # the seed is being read
                other = open_store(db)
                other.add_subscription("slack", "U1", "rail", None, T0)
                other.close()
        finally:
            hold.set()

    meanwhile = threading.Thread(target=another_storybot)
    meanwhile.start()
    try:
        assert main(["--config", config, "ask", "follow nosuch"]) == 1
    finally:
        hold.set()
        meanwhile.join()
    assert "no story named 'nosuch'" in capsys.readouterr().out
    assert (tmp_path / "cli.db").exists(), "the other storybot's subscription was deleted"
    stored = open_store(db)
    assert [s.query for s in stored.all_subscriptions()] == ["rail"]
    assert [s.name for s in stored.list_stories()] == ["chips"]
    stored.close()


def test_a_refused_ask_without_declarations_still_leaves_no_new_database(db, tmp_path, capsys):
    config = _config(tmp_path)  # declares nothing
    assert main(["--config", config, "ask", "follow nosuch"]) == 1
    assert not list(tmp_path.glob("cli.db*"))


def test_poll_once_where_there_is_no_database_starts_one_for_the_declared_feeds(
    tmp_path, capsys, monkeypatch, feed_server
):
    # without a database `poll --once` refuses (it would poll nothing), unless the config
    # file declares what to poll: then it is the first start, as `storybot run` would be
    url = feed_server.add_feed("/f.xml", _RSS)
    monkeypatch.delenv("STORYBOT_DATABASE_URL", raising=False)
    monkeypatch.setenv("STORYBOT_ALLOWED_HOSTS", "127.0.0.1")
    monkeypatch.chdir(tmp_path)
    config = _config(tmp_path, feeds=[url])
    assert main(["--config", config, "poll", "--once"]) == 0
    assert "polled 1 feed (1 ok" in capsys.readouterr().out
    assert (tmp_path / "storybot.db").exists()


@pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def test_a_declared_title_spelling_control_characters_is_read_as_chat_reads_one(
    db, tmp_path, capsys, monkeypatch, request, backend
):
    # TOML escapes may spell what no one types: a NUL, which PostgreSQL text refuses
    # (`story list` failed with a traceback there, the story never created), and ESC,
    # which `story list` printed to the operator's terminal. A title typed in chat has its
    # controls read as spaces (bot.typed_text.storable_text); the config file's alike.
    if backend == "postgres":
        monkeypatch.setenv("STORYBOT_DATABASE_URL", request.getfixturevalue("pg_url"))
    url = os.environ["STORYBOT_DATABASE_URL"]
    open_store(url).close()
    config = tmp_path / "storybot.toml"
    config.write_text(
        f"[[stories]]\nname = 'chips'\nseeds = ['{_a_seed()}']\n"
        'title = "Chips\\u0000Act \\u001b[2J\\u202e vote"\n',
        encoding="utf-8",
    )
    assert main(["--config", str(config), "story", "list"]) == 0
    assert capsys.readouterr().out.startswith("chips\tChips Act [2J vote\t1 seed\t")
    store = open_store(url)
    try:
        assert store.get_story("chips").title == "Chips Act [2J vote"
    finally:
        store.close()
