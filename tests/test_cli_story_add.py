"""``storybot story add``: the rules ``/story stories add`` applies, and what it says.

Run in-process against a real SQLite file, as ``test_cli`` does.
"""

from __future__ import annotations

import io
import os
import re
import sys
from pathlib import Path

import pytest
from feedserver import feed_server  # noqa: F401  (fixture)
from storyworld import seeds_dir
from test_cli import assert_still_empty, empty_db  # noqa: F401  (fixtures)

from adapters.cli import main
from storage import open_store

pytest_plugins = ["store_fixtures"]  # db (the CLI on a SQLite file); pg_url, for empty_db


def _seed(i: int = 0) -> str:
    return str(sorted(seeds_dir().glob("*.txt"))[i])


def _stories(db: str) -> list[tuple[str, str]]:
    store = open_store(db)
    try:
        return [(s.name, s.title) for s in store.list_stories()]
    finally:
        store.close()


@pytest.mark.parametrize("title", ["", "   ", "\n\t"])
def test_a_blank_title_is_refused(db, capsys, title):
    assert main(["story", "add", "pentagon", "--seed", _seed(), "--title", title]) == 2
    assert "--title is empty: give the story's title, or leave --title out" in (
        capsys.readouterr().err
    )
    assert _stories(db) == []


def test_line_breaks_and_tabs_in_a_title_are_spaces_as_in_chat(db, capsys):
    title = "Chips Act:\n\tround  two\r\n"
    assert main(["story", "add", "chips", "--seed", _seed(), "--title", title]) == 0
    assert _stories(db) == [("chips", "Chips Act: round two")]
    capsys.readouterr()
    assert main(["story", "list"]) == 0
    assert capsys.readouterr().out.split("\t")[:2] == ["chips", "Chips Act: round two"]


def test_a_title_longer_than_chat_allows_is_refused(db, capsys):
    assert main(["story", "add", "chips", "--seed", _seed(), "--title", "x" * 3000]) == 2
    assert (
        "--title: the title is 3000 characters long; a story's title is at most 200"
        in capsys.readouterr().err
    )
    assert _stories(db) == []


def test_the_same_seed_file_twice_is_refused_however_its_path_is_written(db, tmp_path, capsys):
    seed = tmp_path / "a.txt"
    seed.write_text("Pentagon talks\n\nThe Pentagon and Anthropic talked again.\n")
    assert main(["story", "add", "p", "--seed", "a.txt", "a.txt"]) == 2
    assert "error: a.txt is given twice: give each article once" in capsys.readouterr().err
    assert main(["story", "add", "p", "--seed", "a.txt", "--seed", str(seed)]) == 2
    assert f"error: {seed} is the same article as a.txt" in capsys.readouterr().err
    # a file:// URL is read as the path it names: the same file (it was two seeds)
    for url in (seed.as_uri(), f"FILE://localhost{seed}"):
        assert main(["story", "add", "p", "--seed", "a.txt", "--seed", url]) == 2
        assert f"error: {url} is the same article as a.txt" in capsys.readouterr().err
    assert _stories(db) == []


def test_the_same_seed_url_twice_is_refused_before_any_is_fetched(db, capsys):
    # nothing listens on port 1: a fetch would fail with another message
    first, again = "http://127.0.0.1:1/news/a", "HTTP://127.0.0.1:1/news/a#comments"
    assert main(["story", "add", "p", "--seed", first, again]) == 2
    err = capsys.readouterr().err
    assert f"error: {again} is the same article as {first}: give each article once" in err


def test_a_feed_file_given_as_seed_is_not_advised_to_be_added_as_a_feed(
    db, tmp_path, capsys, monkeypatch
):
    (tmp_path / "www").mkdir()
    (tmp_path / "www" / "story.xml").write_text(
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>'
        "<item><title>Talks</title></item></channel></rss>",
        encoding="utf-8",
    )
    (tmp_path / "here").mkdir()
    monkeypatch.chdir(tmp_path / "here")
    assert main(["story", "add", "p", "--seed", "../www/story.xml"]) == 2
    err = capsys.readouterr().err
    assert "../www/story.xml is a feed file (RSS/Atom), not an article" in err
    assert "give `storybot feeds add` the feed's own URL (or serve the file over HTTP" in err
    assert "feeds add ../www/story.xml" not in err, "feeds add refuses a path"


def test_a_seed_of_one_word_is_counted_in_the_singular(db, tmp_path, capsys):
    (tmp_path / "one.txt").write_text("Pentagon\n\nTalks.\n")
    assert main(["story", "add", "p", "--seed", "one.txt", _seed()]) == 0
    lines = [x for x in capsys.readouterr().out.splitlines() if "  seed " in x]
    assert lines[0].endswith("(1 word)"), lines
    assert re.search(r"\(\d+ words\)$", lines[1]), lines


def test_a_story_from_fewer_than_three_seeds_is_told_three_to_five_work_best(db, capsys):
    """As ``/story stories add`` says it: ``storybot story add`` said nothing of it."""
    assert main(["story", "add", "two", "--seed", _seed(0), _seed(1)]) == 0
    out = capsys.readouterr().out
    assert "  three to five seeds work best: with fewer, a report that retells" in out
    assert main(["story", "add", "three", "--seed", _seed(0), _seed(1), _seed(2)]) == 0
    assert "seeds work best" not in capsys.readouterr().out


def test_a_seed_file_with_little_text_is_named_with_how_to_give_the_article(db, tmp_path, capsys):
    (tmp_path / "login.txt").write_text("Sign in\n\nPlease sign in to continue reading.\n")
    assert main(["story", "add", "p", "--seed", str(tmp_path / "login.txt"), _seed(0)]) == 0
    out = capsys.readouterr().out
    assert "  seed 1 (6 words: Sign in) has little text: a page behind a sign-in" in out, out
    assert "paste its article's text into a text file and give that as the seed" in out
    assert main(["story", "add", "q", "--seed", _seed(0), _seed(1), _seed(2)]) == 0
    assert "little text" not in capsys.readouterr().out


def test_a_story_from_undated_seeds_is_told_it_begins_now_and_how_to_date_a_seed(
    db, tmp_path, capsys
):
    """Tried on old feeds, a story from undated seeds began when added and took their
    reports as background (no alerts), and nothing said why."""
    (tmp_path / "undated.txt").write_text("Harbour closes\n\nThe harbour closed on Monday.\n")
    assert main(["story", "add", "harbour", "--seed", "undated.txt"]) == 0
    assert (
        "\n  no seed has a date, so the story begins now: reports published more than 2 days "
        "before that join the seed story instead of being alerted (a line `date YYYY-MM-DD` "
        "at the top of a text seed gives it its date)\n"
    ) in capsys.readouterr().out
    dated = _seed(4)  # its text begins "date 2026-03-05"
    assert main(["story", "add", "pentagon", "--seed", "undated.txt", dated]) == 0
    assert "no seed has a date" not in capsys.readouterr().out


def test_a_date_line_that_gives_no_date_is_an_error_naming_the_file_and_line(db, tmp_path, capsys):
    """Taken as the seed's first words, ``date 2026-02-30`` left the story undated, and
    all that was said was "no seed has a date" to someone who had written one."""
    (tmp_path / "seed.txt").write_text("date 2026-02-30\nHarbour closes\n\nIt closed.\n")
    assert main(["story", "add", "harbour", "--seed", _seed(0), "seed.txt"]) == 2
    captured = capsys.readouterr()
    assert captured.err == (
        'storybot: error: seed file seed.txt: line 1: "date 2026-02-30" is not a date '
        '(write "date YYYY-MM-DD", e.g. "date 2026-03-05")\n'
    )
    assert "no seed has a date" not in captured.out
    assert _stories(db) == []


@pytest.mark.parametrize(
    ("case", "said"),
    [
        ("bad name", "'bad name' is not a valid story name"),
        ("missing seed", "seed file not found"),
        ("empty seed", "empty"),
        ("refused host", "127.0.0.1 is a loopback"),
        ("seed 404", "HTTP 404"),
        ("blank title", "--title is empty"),
    ],
)
def test_story_add_refused_for_what_was_typed_creates_no_database(
    tmp_path, monkeypatch, capsys, feed_server, case, said
):
    # as `feeds add` of a refused URL: a stray empty storybot.db would make the next read
    # or cron command in that directory find an empty database, not "no database at PATH"
    (tmp_path / "db").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("STORYBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'db' / 'storybot.db'}")
    if case == "refused host":
        monkeypatch.delenv("STORYBOT_ALLOWED_HOSTS", raising=False)
    else:
        monkeypatch.setenv("STORYBOT_ALLOWED_HOSTS", "127.0.0.1")
    (tmp_path / "empty.txt").write_text("\n \n")
    feed_server.add_status("/gone.html", 404)
    name, seed, more = "pentagon", _seed(), []
    if case == "bad name":
        name = "bad name"
    elif case == "missing seed":
        seed = "nonexist.txt"
    elif case == "empty seed":
        seed = "empty.txt"
    elif case == "refused host":
        seed = "http://127.0.0.1:1/news/a"
    elif case == "seed 404":
        seed = feed_server.url("/gone.html")
    else:
        more = ["--title", " "]
    assert main(["story", "add", name, "--seed", seed, *more]) == 2
    err = capsys.readouterr().err
    assert said in err and err.count("\n") == 1, err
    assert list((tmp_path / "db").iterdir()) == []


def test_story_add_to_a_database_in_a_missing_directory_is_refused_before_any_seed_is_read(
    tmp_path, monkeypatch, capsys, feed_server
):
    # the seeds were read (a URL fetched) first, and then the database could not be made
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("STORYBOT_DATABASE_URL", "sqlite:///no-such-directory/storybot.db")
    monkeypatch.setenv("STORYBOT_ALLOWED_HOSTS", "127.0.0.1")
    page = feed_server.add_status("/article.html", 404)
    assert main(["story", "add", "pentagon", "--seed", _seed(), page]) == 2
    captured = capsys.readouterr()
    assert "seed 1/2" not in captured.out and feed_server.hits("/article.html") == 0
    assert captured.err == (
        "storybot: error: STORYBOT_DATABASE_URL: the directory no-such-directory for the "
        "SQLite database does not exist; check the path, or create the directory first\n"
    )


def test_a_relative_sqlite_path_meant_from_the_root_is_told_the_four_slashes(
    tmp_path, monkeypatch, capsys
):
    # sqlite:///tmp/x.db is tmp/x.db here; /tmp exists, so the root was meant
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("STORYBOT_DATABASE_URL", "sqlite:///tmp/storybot.db")
    assert main(["story", "list"]) == 2
    assert capsys.readouterr().err == (
        "storybot: error: STORYBOT_DATABASE_URL: the directory tmp for the SQLite database "
        "does not exist; check the path, or create the directory first (a path from the "
        "root takes four slashes: sqlite:////tmp/storybot.db)\n"
    )


@pytest.fixture(params=["proc-sys", "read-only"])
def unwritable_directory(request, tmp_path):
    """An existing directory this process cannot create a file in.

    ``/proc/sys`` takes no new file from anyone, root included (Linux). A directory made
    read-only by chmod stops only a process without root's override of permissions
    (CAP_DAC_OVERRIDE): that case is skipped where the process has it.
    """
    if request.param == "proc-sys":
        directory = Path("/proc/sys")
        if not directory.is_dir():
            pytest.skip("no /proc/sys here (not Linux)")
        yield directory
        return
    directory = tmp_path / "read-only"
    directory.mkdir()
    directory.chmod(0o555)
    try:
        if os.access(directory, os.W_OK):
            pytest.skip(
                "this process may write a read-only directory (root's CAP_DAC_OVERRIDE); "
                "run as another user, or under setpriv --bounding-set=-dac_override"
            )
        yield directory
    finally:
        directory.chmod(0o755)


def test_story_add_to_a_database_in_a_directory_it_cannot_write_is_refused_before_any_seed_is_read(
    tmp_path, monkeypatch, capsys, feed_server, unwritable_directory
):
    # as for a missing directory: the seeds were read (a URL fetched) first, and only
    # then could the database not be made
    monkeypatch.chdir(tmp_path)
    database = unwritable_directory / "storybot.db"
    monkeypatch.setenv("STORYBOT_DATABASE_URL", f"sqlite:///{database}")
    monkeypatch.setenv("STORYBOT_ALLOWED_HOSTS", "127.0.0.1")
    page = feed_server.add_status("/article.html", 404)
    assert main(["story", "add", "pentagon", "--seed", _seed(), page]) == 2
    captured = capsys.readouterr()
    assert "seed 1/2" not in captured.out and feed_server.hits("/article.html") == 0
    # (/proc/sys may be mounted read-only: "it is on a read-only file system")
    said = f"storybot: error: cannot write the database file {database} (STORYBOT_DATABASE_URL): "
    assert captured.err.startswith(said) and captured.err.count("\n") == 1, captured.err
    assert not database.exists()


@pytest.mark.parametrize(("seed", "said"), [("nonexist.txt", "seed file not found")])
def test_story_add_refused_for_a_seed_leaves_an_empty_database_empty(
    empty_db, tmp_path, capsys, seed, said
):
    # "an empty database counts as none" (README): the seeds are read before the tables
    # are made, as for a missing file
    assert main(["story", "add", "pentagon", "--seed", seed]) == 2
    err = capsys.readouterr().err
    assert said in err and err.count("\n") == 1, err
    assert_still_empty(empty_db, tmp_path)
    assert main(["story", "add", "pentagon", "--seed", _seed()]) == 0  # a good one starts it
    assert [name for name, _ in _stories(empty_db)] == ["pentagon"]


class _ReaderGone(io.StringIO):
    """Standard output piped into a reader that has stopped (``| head -1``): writes fail."""

    def __init__(self, fd: int) -> None:
        super().__init__()
        self._fd = fd

    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")

    def fileno(self) -> int:  # cli.main points it at /dev/null, as for a real pipe
        return self._fd


@pytest.fixture
def reader_gone(tmp_path, monkeypatch):
    """Patches ``sys.stdout`` when called: from the test itself, since pytest's output
    capture sets ``sys.stdout`` again between a fixture's setup and the test."""
    with open(tmp_path / "stdout", "w") as real:
        yield lambda: monkeypatch.setattr(sys, "stdout", _ReaderGone(real.fileno()))


def test_story_add_piped_into_a_reader_that_stopped_still_creates_and_follows(db, reader_gone):
    reader_gone()
    assert main(["story", "add", "pentagon", "--seed", _seed(), _seed(1)]) == 0
    store = open_store(db)
    try:
        story = store.get_story("pentagon")
        assert story is not None and len(story.seeds) == 2
        assert [b.platform for b in store.bindings_for_story(story.id)] == ["console"]
    finally:
        store.close()


def test_feeds_add_piped_into_a_reader_that_stopped_adds_every_feed(db, reader_gone):
    reader_gone()
    urls = ["http://127.0.0.1/a.xml", "http://127.0.0.1/b.xml"]
    assert main(["feeds", "add", *urls]) == 0
    store = open_store(db)
    try:
        assert sorted(f.url for f in store.list_feeds()) == urls
    finally:
        store.close()
