"""Odd but readable streams, and unreadable ones, through every ``eval`` command.

The harness will be run on labelled streams nobody here has seen: each case must either
measure and print its JSON, or exit 2 with one line naming the file, the line and what is
wrong, never a traceback.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from bot.evaluation.cli import add_eval_parser, run_eval
from bot.evaluation.data import StreamError, load_stream

COMMANDS = ("track", "cluster", "dedup", "summary")


def _eval(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="storybot")
    add_eval_parser(parser.add_subparsers(dest="command", required=True))
    return run_eval(parser.parse_args(["eval", *argv]))


def _lines(path: Path, *lines: str) -> Path:
    path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    return path


GOOD = '{"id": "a", "event": "e", "title": "Flood in Riverton"}'


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (
            '{"id": ' + "9" * 5000 + ', "event": "e", "title": "t"}',
            ":2: a JSON line that cannot be read (a number of more than 4300 digits)",
        ),
        (
            '{"id": "b", "event": "e", "title": ' + "[" * 5000 + "]" * 5000 + "}",
            ":2: a JSON line that cannot be read (arrays or objects nested too deeply)",
        ),
    ],
    ids=["integer-of-5000-digits", "nested-5000-deep"],
)
def test_json_that_python_cannot_hold_exits_2_naming_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], line: str, message: str
) -> None:
    # valid JSON both, which json.loads refuses with ValueError and RecursionError: it
    # was a traceback (exit 1)
    data = _lines(tmp_path / "s.jsonl", GOOD, line)
    for command in COMMANDS:
        assert _eval([command, "--data", str(data)]) == 2
        err = capsys.readouterr().err
        assert err == f"storybot eval: {data}{message}\n"


def test_text_nested_hundreds_of_lists_deep_is_missing_with_a_warning(tmp_path: Path) -> None:
    # the JSON reader takes 500 nested lists; reading them as paragraphs recursed past the
    # stack's limit (a RecursionError traceback)
    deep = "[" * 500 + '"Flood"' + "]" * 500
    data = _lines(tmp_path / "s.jsonl", GOOD, '{"id": "b", "event": "e", "title": ' + deep + "}")
    warnings: list[str] = []
    items = load_stream(data, warn=warnings.append)
    assert [it.title for it in items] == ["Flood in Riverton", ""]
    assert len(warnings) == 1
    assert (
        "1 item(s) with a title that is not text (first: line 2: a JSON list nested"
        in (warnings[0])
    )
    # paragraphs in lists and text constructs a few levels deep are still text
    shallow = '[{"type": "text/html", "value": [["<p>Flood</p>", "in Riverton"]]}]'
    data = _lines(tmp_path / "t.jsonl", '{"id": "c", "event": "e", "content": ' + shallow + "}")
    (item,) = load_stream(data, warn=pytest.fail)
    assert item.content.split() == ["Flood", "in", "Riverton"]


def test_a_malformed_line_still_raises_stream_error(tmp_path: Path) -> None:
    data = _lines(tmp_path / "s.jsonl", GOOD, "{not json")
    with pytest.raises(StreamError, match=r"s\.jsonl:2: not a JSON object"):
        load_stream(data)
