"""``storybot ask`` and ``storybot chat`` read the same command line the same way.

Both run in-process against a real SQLite file: a ``--`` after the command's first word,
the optional ``/story`` before it, and the words that end a chat.
"""

from __future__ import annotations

import io
import sys

from feedserver import feed_server  # noqa: F401  (fixture)
from storyworld import seeds_dir

from adapters.cli import main
from storage import open_store

pytest_plugins = ["store_fixtures"]  # db: the CLI's environment on a SQLite file


def _add_pentagon(capsys) -> None:
    seeds = [str(p) for p in sorted(seeds_dir().glob("*.txt"))]
    assert main(["story", "add", "pentagon", "--seed", *seeds]) == 0
    capsys.readouterr()


def _chat(monkeypatch, capsys, text: str) -> str:
    """What piped ``storybot chat`` prints for ``text``."""
    monkeypatch.setattr(sys, "stdin", io.StringIO(text))
    assert main(["chat"]) == 0
    return capsys.readouterr().out


def _ask(capsys, argv: list[str], code: int) -> str:
    """What ``storybot ask`` prints: as piped chat prints it, line for line."""
    assert main(["ask", *argv]) == code
    return capsys.readouterr().out


def _queries(url: str) -> list[str]:
    store = open_store(url)
    try:
        return [s.query for s in store.all_subscriptions()]
    finally:
        store.close()


def _titles(url: str) -> dict[str, str]:
    store = open_store(url)
    try:
        return {s.name: s.title for s in store.list_stories()}
    finally:
        store.close()


def test_ask_keeps_a_double_dash_after_the_command_s_first_word_as_chat_does(
    db, capsys, monkeypatch
):
    # `ask subscribe pentagon -- dod` subscribed to "pentagon AND dod": the `--` was dropped
    _add_pentagon(capsys)
    chat_says = _chat(monkeypatch, capsys, "subscribe pentagon -- dod\n")
    assert "'--' is not an option" in chat_says
    assert _ask(capsys, ["subscribe", "pentagon", "--", "dod"], 2) == chat_says
    assert _queries(db) == []
    # a `--` first is the end of ask's options, dropped (also after -v), not the command's
    assert main(["ask", "-v", "--", "subscribe", "pentagon", "-dod"]) == 0
    assert "Subscribed (#1): pentagon AND NOT dod" in capsys.readouterr().out
    # only that one: a second `--` is the command's
    assert main(["ask", "--", "--", "subscriptions"]) == 2
    assert "Unknown command '--'" in capsys.readouterr().out


def test_ask_stories_add_keeps_a_double_dash_in_the_title_as_chat_does(
    db, capsys, monkeypatch, feed_server
):
    # `ask stories add s3 URL --title Talks -- the sequel` made the title "Talks the sequel"
    from seed_pages import CHIPS_1

    page = feed_server.add_feed("/chips-1", CHIPS_1, content_type="text/html")
    ask_says = _ask(
        capsys, ["stories", "add", "s3", page, "--title", "Talks", "--", "the", "sequel"], 0
    )
    chat_says = _chat(monkeypatch, capsys, f"stories add s4 {page} --title Talks -- the sequel\n")
    assert ask_says.replace("s3", "s4") == chat_says
    assert _titles(db) == {"s3": "Talks -- the sequel", "s4": "Talks -- the sequel"}


def test_chat_takes_the_story_prefix_by_ask_s_rule(db, capsys, monkeypatch):
    # chat ran `/storystatus` (ask: unknown command) and refused `/STORY status`
    _add_pentagon(capsys)
    for line in ["/STORY status", "/Story\tstatus", "  /story status  "]:
        out = _chat(monkeypatch, capsys, f"{line}\n")
        assert out.startswith("Anthropic Reopens Pentagon Negotiations"), (line, out)
        assert _ask(capsys, [line], 0) == out, line
    out = _chat(monkeypatch, capsys, "/storystatus\n")
    assert out.startswith("error: Unknown command '/storystatus'."), out
    assert _ask(capsys, ["/storystatus"], 2) == out
    assert _chat(monkeypatch, capsys, "/story\n/STORY\n") == ""  # nothing, as a blank line


def test_chat_ends_at_quit_or_exit_in_any_case(db, tmp_path, capsys, monkeypatch):
    # `QUIT` and `Exit` got "Unknown command 'quit'" and the help, and the chat went on
    for word in ["QUIT", "Exit", "  Quit  ", "/STORY exit", "/story QUIT", "quit"]:
        out = _chat(monkeypatch, capsys, f"{word}\nsubscribe rail\n")
        assert out == "", (word, out)
        assert not list(tmp_path.glob("cli.db*")), f"{word!r}: the chat went on"
    # a line that only has the word in it is no quit
    out = _chat(monkeypatch, capsys, "quit now\nsubscribe rail\n")
    assert "Unknown command 'quit'" in out and "Subscribed (#1): rail" in out


def test_ask_of_a_command_with_a_control_character_answers_from_the_database_as_chat_does(
    db, capsys, monkeypatch
):
    # `status` then DEL (a terminal's backspace) or ESC: ask took the word for an unknown
    # command, so it answered from a throwaway in-memory database ("There are no stories
    # yet"), and `subscribe` so typed said "Subscribed (#1)" while nothing was stored; the
    # commands read the control as a space, and so does ask now
    _add_pentagon(capsys)
    out = _chat(monkeypatch, capsys, "status\x7f\n")
    assert out.startswith("Anthropic Reopens Pentagon Negotiations"), out
    assert _ask(capsys, ["status\x7f"], 0) == out
    assert main(["ask", "subscribe\x1b bakery"]) == 0
    assert "Subscribed (#1): bakery" in capsys.readouterr().out
    assert _queries(db) == ["bakery"]
